#pragma once
// Each subcommand registers its options on the CLI11 app and returns the
// function to run once parsing succeeded.

#include <CLI/CLI.hpp>
#include <functional>

namespace pxecheck::cli {

using Runner = std::function<int()>;

struct Invocation {
    int argc;
    char** argv;
};

Runner add_decode(CLI::App& app);
Runner add_analyze(CLI::App& app, const Invocation& inv);
Runner add_checks(CLI::App& app);
Runner add_client(CLI::App& app, const Invocation& inv);
Runner add_serve(CLI::App& app, const Invocation& inv);
Runner add_replay(CLI::App& app, const Invocation& inv);
Runner add_report(CLI::App& app);

}  // namespace pxecheck::cli
