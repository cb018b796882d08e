// `pxecheck report verify DIR`: check an evidence bundle against its
// SHA256SUMS. `pxecheck report render report.json --format html|md|junit`:
// render a JSON report again (the renderers need nothing but the JSON).
#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/report/render.hpp"

namespace pxecheck::cli {

namespace {

struct ReportOptions {
    std::string dir;
    std::string json_path;
    std::string format = "html";
    std::string output;
    bool quiet = false;
};

int run_verify(const ReportOptions& o) {
    const auto v = verify_bundle(o.dir);
    if (v.exit_code == 0) {
        if (!o.quiet) fmt::print("{}", v.output);
    } else {
        fmt::print(stderr, "{}", v.output);
    }
    return v.exit_code;
}

int run_render(const ReportOptions& o) {
    std::ifstream in(o.json_path, std::ios::binary);
    if (!in) {
        fmt::print(stderr, "pxecheck report render: {}: cannot open ({})\n", o.json_path, std::strerror(errno));
        return kExitUsage;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        fmt::print(stderr, "pxecheck report render: {}: not JSON ({})\n", o.json_path, e.what());
        return kExitUsage;
    }
    if (auto problem = report::check_report(report)) {
        fmt::print(stderr, "pxecheck report render: {}: not a pxecheck report: {}\n", o.json_path, *problem);
        return kExitUsage;
    }
    std::string text;
    if (o.format == "html") text = report::render_html(report);
    else if (o.format == "md" || o.format == "markdown") text = report::render_markdown(report);
    else if (o.format == "junit") text = report::render_junit(report);
    else {
        fmt::print(stderr, "pxecheck report render: --format must be html, md or junit, not \"{}\"\n", o.format);
        return kExitUsage;
    }
    if (o.output.empty() || o.output == "-") {
        fmt::print("{}", text);
        return kExitPass;
    }
    std::string error;
    if (!write_file(o.output, text, error)) {
        fmt::print(stderr, "pxecheck report render: cannot write: {}\n", error);
        return kExitUsage;
    }
    return kExitPass;
}

}  // namespace

Runner add_report(CLI::App& app) {
    auto o = std::make_shared<ReportOptions>();
    auto* sub = app.add_subcommand("report", "Verify an evidence bundle, or render a JSON report again");
    sub->require_subcommand(1);
    auto* verify = sub->add_subcommand(
        "verify", "Check DIR's files against its SHA256SUMS (exit 0 all match, 1 a file differs, 2 unreadable)");
    verify->add_option("dir", o->dir, "the evidence bundle (a --report DIR)")->required();
    verify->add_flag("-q,--quiet", o->quiet, "print only problems");
    auto* render = sub->add_subcommand("render", "Render report.json as HTML, Markdown or JUnit XML");
    render->add_option("json", o->json_path, "a JSON report (report.json, or --json output)")->required();
    render->add_option("--format", o->format, "html, md or junit")
        ->check(CLI::IsMember({"html", "md", "markdown", "junit"}))
        ->capture_default_str();
    render->add_option("-o,--output", o->output, "write here instead of stdout");
    return [o, verify, render]() {
        if (verify->parsed()) return run_verify(*o);
        if (render->parsed()) return run_render(*o);
        return static_cast<int>(kExitUsage);
    };
}

}  // namespace pxecheck::cli
