// `pxecheck analyze FILE`: rebuild each client's boot from a capture, run
// every passive check, print the summary and findings, write the JSON report.
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/pipeline/capture_source.hpp"
#include "pxecheck/pipeline/judge.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/report/streaming.hpp"

namespace pxecheck::cli {

namespace {
struct AnalyzeOptions {
    std::vector<std::string> files;
    std::string mac;
    std::string since;
    std::string until;
    std::string json_path;
    std::string report_dir;
    std::vector<std::string> only;
    std::vector<std::string> skip;
    bool strict = false;
    bool verbose = false;
    bool quiet = false;
    double idle_horizon = 120;  ///< seconds of capture time
    bool whole_trace = false;
};

int run_analyze(const AnalyzeOptions& o, const Invocation& inv) {
    pipeline::CaptureSpec spec;
    spec.files = o.files;
    if (!o.since.empty() && !(spec.since = pipeline::parse_time_bound(o.since)))
        return fmt::print(stderr, "pxecheck analyze: --since \"{}\" is neither seconds nor YYYY-MM-DDTHH:MM:SSZ\n", o.since),
               kExitUsage;
    if (!o.until.empty() && !(spec.until = pipeline::parse_time_bound(o.until)))
        return fmt::print(stderr, "pxecheck analyze: --until \"{}\" is neither seconds nor YYYY-MM-DDTHH:MM:SSZ\n", o.until),
               kExitUsage;
    std::optional<MacAddr> only_mac;
    if (!o.mac.empty() && !(only_mac = MacAddr::parse(o.mac)))
        return fmt::print(stderr, "pxecheck analyze: --mac \"{}\" is not a MAC address\n", o.mac), kExitUsage;
    if (!(o.idle_horizon >= 0 && o.idle_horizon < 1e9))
        return fmt::print(stderr, "pxecheck analyze: --idle-horizon {} is not a number of seconds >= 0\n", o.idle_horizon),
               kExitUsage;

    checks::CheckOptions copt;
    copt.only = o.only;
    copt.skip = o.skip;
    copt.client = only_mac;
    report::TextOptions topt;
    topt.color = isatty(STDOUT_FILENO) != 0;
    topt.verbose = o.verbose;
    // The JSON report, alone or as the bundle's report.json.
    const bool wants_json = !o.json_path.empty() || !o.report_dir.empty();
    // Only the JSON report carries the capture's hash: the terminal report
    // alone does not pay for it (a third of the CPU time on a large capture).
    spec.hash = wants_json;

    // Streaming (the default): each client's session is judged once it is
    // complete (on the judge's thread, which renders it there too) and its
    // frames freed, so memory follows the live sessions, not the file.
    // --whole-trace keeps every frame and judges at the end.
    std::optional<report::StreamingReport> streaming;
    std::optional<pipeline::StreamJudge> judge;
    pipeline::PrepareBuilder prepare;
    if (!o.whole_trace) {
        report::StreamingReport::Options sopt;
        sopt.selection = copt;
        sopt.keep_text = !o.quiet;
        sopt.text = topt;
        sopt.keep_json = wants_json;
        streaming.emplace(std::move(sopt));
        judge.emplace(pipeline::StreamJudge::Options{copt, true},
                      [&streaming](analyze::Trace&& piece, pipeline::Judgement&& j) {
                          streaming->add(std::move(piece), std::move(j.boots), std::move(j.findings));
                      });
        prepare = [&](analyze::TraceBuilder& builder) {
            analyze::StreamOptions stream_opt;
            stream_opt.idle_horizon_ns = static_cast<std::int64_t>(o.idle_horizon * 1e9);
            builder.stream(judge->sink(), stream_opt);
        };
    }
    auto read = pipeline::read_capture(spec, prepare);
    if (judge) judge->finish();  // every piece judged and rendered (or the judge's error thrown)
    if (!read) {
        fmt::print(stderr, "pxecheck analyze: {}\n", read.error());
        return kExitUsage;
    }
    auto& input = *read;
    const bool damaged = !input.damage.empty();
    // --mac: the trace stays whole (other servers' frames are evidence), but
    // only this client's session is reported.
    if (only_mac) pipeline::keep_only_client(input.trace, *only_mac);

    auto run = run_info("analyze", inv.argc, inv.argv, input.source_names);
    run.source_sha256 = input.sha256;
    auto analysis = streaming ? streaming->finish(run, std::move(input.trace)) : judged(run, input.trace, copt);
    auto json_of = [&](const report::Analysis& a) { return streaming ? streaming->to_json(a) : report::to_json(a); };
    if (damaged) analysis.verdict = checks::Verdict::Error;

    if (!o.quiet && streaming) {
        if (Status st = streaming->write_text(analysis, stdout); !st) {
            fmt::print(stderr, "pxecheck analyze: cannot write the report: {}\n", st.error());
            return kExitUsage;
        }
    } else if (!o.quiet) {
        fmt::print("{}", report::render_text(analysis, topt));
    }
    if (!o.json_path.empty() && streaming) {
        // Written as it is rendered: the sessions' JSON waits on disk.
        std::FILE* out = o.json_path == "-" ? stdout : std::fopen(o.json_path.c_str(), "wb");
        Status st = out ? streaming->write_json(analysis, out) : Status{Error{std::strerror(errno)}};
        if (out) {
            const bool ended = std::fputc('\n', out) != EOF;
            const bool closed = (out == stdout ? std::fflush(out) : std::fclose(out)) == 0;
            if (st && !(ended && closed)) st = Error{"write failed"};
        }
        if (!st) {
            fmt::print(stderr, "pxecheck analyze: cannot write the JSON report: {}: {}\n", o.json_path, st.error());
            return kExitUsage;
        }
    } else if (!o.json_path.empty()) {
        std::string error;
        // Names and messages off the wire need not be UTF-8: U+FFFD for those bytes.
        auto text = json_of(analysis).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        if (o.json_path == "-") {
            fmt::print("{}", text);
        } else if (!write_file(o.json_path, text, error)) {
            fmt::print(stderr, "pxecheck analyze: cannot write the JSON report: {}\n", error);
            return kExitUsage;
        }
    }
    if (!o.report_dir.empty()) {
        auto capture = bundle_capture_from_files(o.files);
        const Status st = capture ? write_bundle(o.report_dir, json_of(analysis), std::move(*capture), PXECHECK_VERSION)
                                  : Status{Error{capture.error()}};
        if (!st) {
            fmt::print(stderr, "pxecheck analyze: cannot write the evidence bundle: {}\n", st.error());
            return kExitUsage;
        }
        if (!o.quiet && o.json_path != "-") fmt::print("\nevidence: {}/report.html (check: pxecheck report verify {})\n", o.report_dir, o.report_dir);
    }
    if (damaged) fmt::print(stderr, "pxecheck analyze: {} (the frames before it were analysed)\n", input.damage);
    return exit_code_for(analysis.verdict, o.strict);
}
}  // namespace

Runner add_analyze(CLI::App& app, const Invocation& inv) {
    auto opts = std::make_shared<AnalyzeOptions>();
    auto* sub = app.add_subcommand("analyze", "Run every passive check on a capture of a PXE boot");
    sub->add_option("files", opts->files, "pcap or pcapng file(s); several are read as one capture in order")
        ->required();
    sub->add_option("--mac", opts->mac, "report only this client (MAC address): every boot attempt of it");
    sub->add_option("--since", opts->since, "ignore frames before this: seconds after the first frame, or YYYY-MM-DDTHH:MM:SSZ");
    sub->add_option("--until", opts->until, "ignore frames after this (same forms as --since)");
    sub->add_option("--json", opts->json_path, "write the JSON report to this file ('-' for stdout)");
    sub->add_option("--report", opts->report_dir,
                    "write an evidence bundle into this directory (report.html/.md/.json, junit.xml, capture.pcapng, SHA256SUMS)");
    sub->add_option("--only", opts->only, "run only rules whose ID starts with this (repeatable)");
    sub->add_option("--skip", opts->skip, "leave out this rule ID (repeatable)");
    sub->add_flag("--strict", opts->strict, "warnings fail too (exit 1)");
    sub->add_flag("-v,--verbose", opts->verbose, "show each finding's rule, clause and frames");
    sub->add_flag("-q,--quiet", opts->quiet, "print nothing; use the exit code and --json");
    sub->add_option("--idle-horizon", opts->idle_horizon,
                    "seconds of capture time after which a silent client's boot is complete and judged (default 120)");
    sub->add_flag("--whole-trace", opts->whole_trace,
                  "keep every frame in memory and judge the capture at the end instead of client by client");
    return [opts, inv]() { return run_analyze(*opts, inv); };
}

}  // namespace pxecheck::cli
