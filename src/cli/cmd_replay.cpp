// `pxecheck replay FILE --iface IF`: the client side of a captured boot,
// played again live against the master on IF (the NIC rebuilt from the
// capture's own DISCOVER and RRQ, a fresh xid, the protocol followed live),
// then the master's answers now beside its answers in the capture. --report
// DIR bundles the live run's evidence with the comparison in its report.json.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/scenario/replay_run.hpp"

namespace pxecheck::cli {

namespace {

struct ReplayOptions {
    std::string file;
    std::string iface;
    std::string mac = "keep";
    std::string session;
    std::string json_path;
    std::string pcap_path;
    std::string report_dir;
    double time_limit = 180;
    bool strict = false;
    bool verbose = false;
};

int usage_error(const std::string& message) {
    fmt::print(stderr, "pxecheck replay: {}\n", message);
    return kExitUsage;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

/// "capture | now | same/DIFFERENT", one row per compared field.
std::string render_table(const analyze::BootComparison& c, bool color) {
    constexpr std::size_t kMaxValue = 34;
    std::size_t w_step = 4, w_field = 5, w_cap = 7, w_now = 3;
    for (const auto& r : c.rows) {
        w_step = std::max(w_step, r.step.size());
        w_field = std::max(w_field, r.field.size());
        w_cap = std::max(w_cap, std::min(r.capture.size(), kMaxValue));
        w_now = std::max(w_now, std::min(r.now.size(), kMaxValue));
    }
    std::string out =
        "  " + pad("step", w_step) + "  " + pad("field", w_field) + "  " + pad("capture", w_cap) + "  now\n";
    for (const auto& r : c.rows) {
        std::string verdict = r.same ? "same" : "DIFFERENT";
        if (color && !r.same) verdict = "\x1b[1;31m" + verdict + "\x1b[0m";
        out += "  " + pad(r.step, w_step) + "  " + pad(r.field, w_field) + "  " + pad(r.capture, w_cap) + "  " +
               pad(r.now, w_now) + "  " + verdict + "\n";
    }
    return out;
}

/// The comparison in one paragraph, for the bundle capture's section comment
/// (a reader of capture.pcapng alone should see what the replay found).
std::string comparison_note(const std::string& capture_path, const analyze::BootComparison& c) {
    if (c.same())
        return fmt::format("Replay of {}: the master answers as in the capture ({} fields compared).", capture_path,
                           c.rows.size());
    std::string note = fmt::format("Replay of {}: {} DIFFERENT field(s) of {} compared:", capture_path, c.differences,
                                   c.rows.size());
    for (const auto& r : c.rows) {
        if (!r.same) note += fmt::format(" {} {}: capture {}, now {};", r.step, r.field, r.capture, r.now);
    }
    note.back() = '.';
    return note;
}

nlohmann::json replay_json(const scenario::ReplaySource& src, const client::ClientConfig& cfg,
                           const std::string& mac_mode, const analyze::BootComparison& c,
                           const std::vector<std::string>& notes) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : c.rows) {
        rows.push_back({{"step", r.step}, {"field", r.field}, {"capture", r.capture}, {"now", r.now}, {"same", r.same}});
    }
    return {{"source_capture", src.path},
            {"source_sha256", src.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(src.sha256)},
            {"session", src.session.to_string()},
            {"mac", cfg.mac.to_string()},
            {"mac_mode", mac_mode},
            {"discover_frame", src.discover_frame},
            {"base_profile", src.base_profile},
            {"notes", notes},
            {"comparisons", rows},
            {"differences", c.differences}};
}

int run_replay_command(const ReplayOptions& o, const Invocation& inv) {
    if (o.iface.empty()) return usage_error("--iface is required (the interface facing the master)");
    std::optional<MacAddr> explicit_mac;
    if (o.mac != "keep" && o.mac != "rewrite") {
        explicit_mac = MacAddr::parse(o.mac);
        if (!explicit_mac) return usage_error("--mac wants keep, rewrite or a MAC address, got \"" + o.mac + "\"");
    }
    std::optional<MacAddr> session;
    if (!o.session.empty()) {
        session = MacAddr::parse(o.session);
        if (!session) return usage_error("--session \"" + o.session + "\" is not a MAC address");
    }
    if (auto e = seconds_flag_error("--time-limit", o.time_limit, false); !e.empty()) return usage_error(e);

    auto loaded = scenario::load_replay_source(o.file, session);
    if (!loaded) return usage_error(loaded.error());
    const scenario::ReplaySource& src = *loaded;
    client::ClientConfig cfg = src.nic.config;
    std::string mac_mode = "keep";
    if (o.mac == "rewrite") {
        cfg.mac = scenario::rewritten_mac(src.session);
        mac_mode = "rewrite";
    } else if (explicit_mac) {
        cfg.mac = *explicit_mac;
        mac_mode = "explicit";
    }

    scenario::ClientRunOptions ropt;
    ropt.source_name = "live:" + o.iface;
    ropt.time_limit = Micros(static_cast<std::int64_t>(o.time_limit * 1e6));
    ropt.stop = &stop_requested();

    auto live = open_live_run("replay", o.iface, o.pcap_path, o.report_dir);
    if (const int* rc = std::get_if<int>(&live)) return *rc;
    auto& io = *std::get<LiveRun>(live).io;
    auto& recording = std::get<LiveRun>(live).recording;
    ropt.pcap = recording->writer();

    install_stop_signals();
    const std::string started = utc_now();
    fmt::print("pxecheck replay: {} session {} (DISCOVER frame {}, timers of the {} profile)\n", o.file,
               src.session.to_string(), src.discover_frame, src.base_profile);
    fmt::print("  live as NIC {} ({} MAC) on {}, fresh xid\n", cfg.mac.to_string(), mac_mode, o.iface);
    for (const auto& n : src.nic.notes) fmt::print("  note: {}\n", n);
    auto res = scenario::run_replay(io, src, cfg, ropt);
    recording->flush();

    checks::CheckOptions copt;
    copt.client = cfg.mac;
    auto analysis = judged(run_info("replay", inv.argc, inv.argv, ropt.source_name, started), res.run.trace, copt);
    for (auto& f : res.run.run_findings) analysis.findings.push_back(std::move(f));
    analysis.verdict = checks::verdict_of(analysis.findings);

    const bool color = isatty(STDOUT_FILENO) != 0;
    const auto& out = res.run.outcome;
    if (out.reached == client::ClientPhase::Failed) fmt::print("  live run stopped: {}\n", out.failure);
    if (res.run.interrupted) fmt::print("  interrupted: lease released\n");
    fmt::print("\nhow the master answers: in the capture | now\n{}", render_table(res.comparison, color));
    if (res.comparison.same()) {
        fmt::print("\nno difference: the master answers as in the capture ({} fields compared)\n",
                   res.comparison.rows.size());
    } else {
        fmt::print("\n{} DIFFERENT field(s) of {} compared\n", res.comparison.differences, res.comparison.rows.size());
    }
    report::TextOptions topt;
    topt.color = color;
    topt.verbose = o.verbose;
    fmt::print("\nlive run\n{}", report::render_text(analysis, topt));

    if (!o.json_path.empty() || !o.report_dir.empty()) {
        auto j = report::to_json(analysis);
        j["replay"] = replay_json(src, cfg, mac_mode, res.comparison, src.nic.notes);
        std::string error;
        if (!o.json_path.empty() && !write_file(o.json_path, j.dump(2) + "\n", error)) {
            fmt::print(stderr, "pxecheck replay: cannot write the JSON report: {}\n", error);
            return kExitUsage;
        }
        if (!o.report_dir.empty()) {
            const Status st = recording->write_bundle(j, o.iface, {}, comparison_note(o.file, res.comparison),
                                                         PXECHECK_VERSION);
            if (!st) {
                fmt::print(stderr, "pxecheck replay: cannot write the evidence bundle: {}\n", st.error());
                return kExitUsage;
            }
            fmt::print("\nevidence: {}/report.html (check: pxecheck report verify {})\n", o.report_dir, o.report_dir);
        }
    }
    if (!res.comparison.same()) return kExitFailed;
    return exit_code_for(analysis.verdict, o.strict);
}

}  // namespace

Runner add_replay(CLI::App& app, const Invocation& inv) {
    auto o = std::make_shared<ReplayOptions>();
    auto* sub = app.add_subcommand(
        "replay", "Play the client side of a captured boot against the live master and compare its answers");
    sub->add_option("file", o->file, "pcap or pcapng of the boot to replay")->required();
    sub->add_option("-i,--iface", o->iface, "interface facing the master (required)");
    sub->add_option("--mac", o->mac, "keep (the captured MAC), rewrite (02:50:58 + its last three octets) or a MAC")
        ->capture_default_str();
    sub->add_option("--session", o->session, "the captured client to replay (MAC) when the capture holds several");
    sub->add_option("--json", o->json_path, "write the JSON report (live run + \"replay\" comparison) to this file");
    sub->add_option("-w,--write", o->pcap_path, "write every frame of the live run to this pcap");
    sub->add_option("--report", o->report_dir,
                    "write an evidence bundle of the live run, with the comparison in its report.json, into this "
                    "directory (report.html/.md/.json, junit.xml, capture.pcapng, SHA256SUMS)");
    sub->add_option("--time-limit", o->time_limit, "seconds before the live run gives up (default 180)");
    sub->add_flag("--strict", o->strict, "warnings of the live run fail too (exit 1)");
    sub->add_flag("-v,--verbose", o->verbose, "show each finding's rule, clause and frames");
    return [o, inv]() { return run_replay_command(*o, inv); };
}

}  // namespace pxecheck::cli
