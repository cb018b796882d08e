// pxecheck's entry point: parses the command line, runs one subcommand and
// turns its outcome into an exit code (see common.hpp).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/checks/rule_table.hpp"

int main(int argc, char** argv) {
    using namespace pxecheck::cli;
    // `pxecheck --iface IF ...` is the tool's best-known form: it means the
    // client command. Insert the subcommand name when the first argument is
    // an option other than help or version.
    std::vector<char*> args(argv, argv + argc);
    static char client_word[] = "client";
    if (argc > 1 && argv[1][0] == '-' && std::string(argv[1]) != "--help" && std::string(argv[1]) != "-h" &&
        std::string(argv[1]) != "--version")
        args.insert(args.begin() + 1, client_word);
    argc = static_cast<int>(args.size());
    argv = args.data();
    CLI::App app{"pxecheck: verify PXE network boot both ways, and leave evidence"};
    app.set_version_flag("--version", PXECHECK_VERSION);
    app.require_subcommand(1);
    app.fallthrough(false);
    const Invocation inv{argc, argv};
    Runner decode = add_decode(app);
    Runner analyze = add_analyze(app, inv);
    Runner checks = add_checks(app);
    Runner client = add_client(app, inv);
    Runner serve = add_serve(app, inv);
    Runner replay = add_replay(app, inv);
    Runner report = add_report(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    try {
        // A rule table that disagrees with the catalogue is a build mistake:
        // every command refuses to run, not only those that judge a trace.
        pxecheck::checks::rule_table();
        for (auto* sub : app.get_subcommands()) {
            const std::string name = sub->get_name();
            if (name == "decode") return decode();
            if (name == "analyze") return analyze();
            if (name == "checks") return checks();
            if (name == "client") return client();
            if (name == "serve") return serve();
            if (name == "replay") return replay();
            if (name == "report") return report();
        }
    } catch (const std::exception& e) {
        // Exceptions are for programming and configuration errors only; say
        // what happened rather than abort.
        fmt::print(stderr, "pxecheck: internal error: {}\n", e.what());
        return kExitUsage;
    }
    return kExitUsage;
}
