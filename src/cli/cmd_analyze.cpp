// `pxecheck analyze FILE`: rebuild each client's boot from a capture, run
// every passive check, print the summary and findings, write the JSON report.
#include <fmt/core.h>
#include <unistd.h>

#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::cli {

namespace {
struct AnalyzeOptions {
    std::string file;
    std::string json_path;
    std::vector<std::string> only;
    std::vector<std::string> skip;
    bool strict = false;
    bool verbose = false;
    bool quiet = false;
};

int run_analyze(const AnalyzeOptions& o, const Invocation& inv) {
    auto reader = link::PcapReader::open(o.file);
    if (!reader) {
        fmt::print(stderr, "pxecheck analyze: {}\n", reader.error());
        return kExitUsage;
    }
    auto& r = **reader;
    analyze::TraceBuilder builder(o.file, r.linktype());
    while (auto frame = r.next()) builder.add(frame->number, frame->timestamp_ns, frame->data, frame->original_length);
    const bool damaged = !r.error().empty();
    if (damaged) builder.add_source_anomaly({"capture.read_error", 0, r.error()});
    analyze::Trace trace = std::move(builder).finish();

    report::RunInfo run;
    run.tool_version = PXECHECK_VERSION;
    run.command = "analyze";
    run.command_line = joined_command_line(inv.argc, inv.argv);
    run.source = o.file;
    if (auto h = analyze::sha256_file(o.file)) run.source_sha256 = *h;
    run.started_at = utc_now();
    run.host = host_name();
    checks::CheckOptions copt;
    copt.only = o.only;
    copt.skip = o.skip;
    auto analysis = report::analyze_trace(run, trace, copt);
    if (damaged) analysis.verdict = checks::Verdict::Error;

    if (!o.quiet) {
        report::TextOptions topt;
        topt.color = isatty(STDOUT_FILENO) != 0;
        topt.verbose = o.verbose;
        fmt::print("{}", report::render_text(analysis, topt));
    }
    if (!o.json_path.empty()) {
        std::string error;
        auto text = report::to_json(analysis).dump(2) + "\n";
        if (o.json_path == "-") {
            fmt::print("{}", text);
        } else if (!write_file(o.json_path, text, error)) {
            fmt::print(stderr, "pxecheck analyze: cannot write the JSON report: {}\n", error);
            return kExitUsage;
        }
    }
    if (damaged) {
        fmt::print(stderr, "pxecheck analyze: {}: {} (the frames before it were analysed)\n", o.file, r.error());
        return kExitUsage;
    }
    switch (analysis.verdict) {
        case checks::Verdict::Fail: return kExitFailed;
        case checks::Verdict::Warn: return o.strict ? kExitFailed : kExitPass;
        default: return kExitPass;
    }
}
}  // namespace

Runner add_analyze(CLI::App& app, const Invocation& inv) {
    auto opts = std::make_shared<AnalyzeOptions>();
    auto* sub = app.add_subcommand("analyze", "Run every passive check on a capture of a PXE boot");
    sub->add_option("file", opts->file, "pcap or pcapng file")->required();
    sub->add_option("--json", opts->json_path, "write the JSON report to this file ('-' for stdout)");
    sub->add_option("--only", opts->only, "run only rules whose ID starts with this (repeatable)");
    sub->add_option("--skip", opts->skip, "leave out this rule ID (repeatable)");
    sub->add_flag("--strict", opts->strict, "warnings fail too (exit 1)");
    sub->add_flag("-v,--verbose", opts->verbose, "show each finding's rule, clause and frames");
    sub->add_flag("-q,--quiet", opts->quiet, "print nothing; use the exit code and --json");
    return [opts, inv]() { return run_analyze(*opts, inv); };
}

}  // namespace pxecheck::cli
