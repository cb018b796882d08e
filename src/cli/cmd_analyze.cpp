// `pxecheck analyze FILE`: rebuild each client's boot from a capture, run
// every passive check, print the summary and findings, write the JSON report.
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/link/pcap_file.hpp"
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

/// A --since/--until bound: seconds after the first frame ("90", "+1.5") or
/// an absolute UTC time ("2026-11-27T04:50:00Z"). nullopt on bad text.
struct TimeBound {
    bool relative = true;
    std::int64_t ns = 0;
};
std::optional<TimeBound> parse_time_bound(const std::string& text) {
    if (text.empty()) return std::nullopt;
    if (text.find('T') != std::string::npos) {
        std::tm tm{};
        const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || (*end != 0 && std::string(end) != "Z")) return std::nullopt;
        return TimeBound{false, static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000};
    }
    try {
        std::size_t used = 0;
        const double secs = std::stod(text, &used);
        if (used != text.size() || secs < 0) return std::nullopt;
        return TimeBound{true, static_cast<std::int64_t>(secs * 1e9)};
    } catch (...) {
        return std::nullopt;
    }
}

int run_analyze(const AnalyzeOptions& o, const Invocation& inv) {
    std::optional<TimeBound> since, until;
    if (!o.since.empty() && !(since = parse_time_bound(o.since)))
        return fmt::print(stderr, "pxecheck analyze: --since \"{}\" is neither seconds nor YYYY-MM-DDTHH:MM:SSZ\n", o.since),
               kExitUsage;
    if (!o.until.empty() && !(until = parse_time_bound(o.until)))
        return fmt::print(stderr, "pxecheck analyze: --until \"{}\" is neither seconds nor YYYY-MM-DDTHH:MM:SSZ\n", o.until),
               kExitUsage;
    std::optional<MacAddr> only_mac;
    if (!o.mac.empty() && !(only_mac = MacAddr::parse(o.mac)))
        return fmt::print(stderr, "pxecheck analyze: --mac \"{}\" is not a MAC address\n", o.mac), kExitUsage;
    if (!(o.idle_horizon >= 0 && o.idle_horizon < 1e9))
        return fmt::print(stderr, "pxecheck analyze: --idle-horizon {} is not a number of seconds >= 0\n", o.idle_horizon),
               kExitUsage;

    // Streaming (the default): each client's session is judged once it is
    // complete and its frames freed, so memory follows the live sessions,
    // not the file. --whole-trace keeps every frame and judges at the end.
    checks::CheckOptions copt;
    copt.only = o.only;
    copt.skip = o.skip;
    copt.client = only_mac;
    report::TextOptions topt;
    topt.color = isatty(STDOUT_FILENO) != 0;
    topt.verbose = o.verbose;
    // The JSON report, alone or as the bundle's report.json.
    const bool wants_json = !o.json_path.empty() || !o.report_dir.empty();
    std::optional<report::StreamingAnalysis> streaming;
    if (!o.whole_trace) {
        report::StreamingAnalysis::Options sopt;
        sopt.checks = copt;
        sopt.keep_text = !o.quiet;
        sopt.text = topt;
        sopt.keep_json = wants_json;
        streaming.emplace(std::move(sopt));
    }

    // The capture's hash for the report, from the blocks the reader reads
    // anyway, on the FileTee observer thread (so on the other core meanwhile).
    // Only the JSON report carries it: the terminal report alone does not
    // pay for it (a third of the CPU time on a large capture).
    std::optional<analyze::Sha256> capture_hash;
    std::string source_sha256;
    if (o.files.size() == 1 && wants_json) capture_hash.emplace();

    // Several files are one capture cut in pieces (tcpdump -C/-G rotation):
    // they are read in the order given and frame numbers run on across them.
    std::optional<analyze::TraceBuilder> builder;
    std::string source_names;
    std::size_t number_offset = 0;
    std::int64_t first_ns = -1;
    std::string damage;
    int linktype = -1;
    for (const auto& file : o.files) {
        link::FileTee::Observer observer;
        if (capture_hash) observer = [&hash = *capture_hash](ByteView block) { hash.update(block); };
        auto reader = link::PcapReader::open(file, std::move(observer));
        if (!reader && builder) {
            // A later piece of a rotated capture: the pieces before it stand.
            damage = reader.error();
            builder->add_source_anomaly({"capture.read_error", 0, damage});
            break;
        }
        if (!reader) {
            fmt::print(stderr, "pxecheck analyze: {}\n", reader.error());
            return kExitUsage;
        }
        auto& r = **reader;
        if (linktype < 0) {
            linktype = r.linktype();
            builder.emplace(o.files.size() == 1 ? file : o.files.front() + " (+" + std::to_string(o.files.size() - 1) + " more)",
                            linktype);
            if (streaming) {
                analyze::StreamOptions stream_opt;
                stream_opt.idle_horizon_ns = static_cast<std::int64_t>(o.idle_horizon * 1e9);
                builder->stream(streaming->sink(), stream_opt);
            }
        } else if (r.linktype() != linktype) {
            fmt::print(stderr, "pxecheck analyze: {}: link type {} differs from {} of {}; analyse them separately\n", file,
                       r.linktype(), linktype, o.files.front());
            return kExitUsage;
        }
        source_names += (source_names.empty() ? "" : " ") + file;
        std::size_t last = 0;
        while (auto frame = r.next_view()) {
            last = frame->number;
            if (first_ns < 0) first_ns = frame->timestamp_ns;
            const std::int64_t rel = frame->timestamp_ns - first_ns;
            if (since && (since->relative ? rel < since->ns : frame->timestamp_ns < since->ns)) continue;
            if (until && (until->relative ? rel > until->ns : frame->timestamp_ns > until->ns)) continue;
            builder->add(number_offset + frame->number, frame->timestamp_ns, frame->data, frame->original_length);
        }
        if (!r.error().empty()) {
            // The reader's message names the file already.
            damage = r.error().rfind(file + ":", 0) == 0 ? r.error() : file + ": " + r.error();
            builder->add_source_anomaly({"capture.read_error", 0, damage});
        }
        number_offset += last;
        if (capture_hash && r.wait_observed()) source_sha256 = capture_hash->finish();
    }
    const bool damaged = !damage.empty();
    analyze::Trace trace = std::move(*builder).finish();
    if (only_mac) {
        // Keep the trace whole (other servers' frames are evidence) but report
        // only this client's session.
        std::erase_if(trace.sessions, [&](const analyze::ClientSession& s) { return s.mac != *only_mac; });
    }

    report::RunInfo run;
    run.tool_version = PXECHECK_VERSION;
    run.command = "analyze";
    run.command_line = joined_command_line(inv.argc, inv.argv);
    run.source = source_names;
    run.source_sha256 = source_sha256;
    run.started_at = utc_now();
    run.host = host_name();
    auto analysis = streaming ? streaming->finish(run, std::move(trace)) : report::analyze_trace(run, trace, copt);
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
    if (damaged) {
        fmt::print(stderr, "pxecheck analyze: {} (the frames before it were analysed)\n", damage);
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
    sub->add_option("files", opts->files, "pcap or pcapng file(s); several are read as one capture in order")
        ->required();
    sub->add_option("--mac", opts->mac, "report only this client (MAC address)");
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
