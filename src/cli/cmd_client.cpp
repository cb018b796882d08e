// `pxecheck client --iface IF` (also `pxecheck --iface IF`): the emulated PXE
// NIC boots against whatever master answers on IF, then every passive rule
// judges the exchange and the summary says who is at fault.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/client/probes.hpp"
#include "pxecheck/client/profile.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/scenario/client_run.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::cli {

namespace {

struct ClientOptions {
    std::string iface;
    std::string mac;
    std::string profile = "bios";
    std::string uuid;
    int arch = -1;
    std::string vendor_class;
    std::vector<std::string> options;
    double offer_wait = -1;
    int menu_item = 0;
    int windowsize = 0;
    std::string save_dir;
    std::string expect_sha256;
    std::string expect_file;
    bool no_release = false;
    std::string json_path;
    std::string pcap_path;
    std::string report_dir;
    double time_limit = 180;
    bool strict = false;
    bool verbose = false;
    std::vector<std::string> probes;  ///< --probe NAME (all, list)
};

/// A stable locally administered MAC per interface name, so repeated runs
/// reuse one lease instead of draining the pool.
MacAddr default_mac(const std::string& iface) {
    std::uint32_t h = 2166136261u;
    for (char c : iface) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
    return MacAddr{{0x02, 0x50, 0x58, static_cast<std::uint8_t>(h >> 16), static_cast<std::uint8_t>(h >> 8),
                    static_cast<std::uint8_t>(h)}};
}

std::string ms(const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
    if (!from || !to) return "-";
    return fmt::format("{:.0f} ms", static_cast<double>((*to - *from).count()) / 1000.0);
}

int usage_error(const std::string& message) {
    fmt::print(stderr, "pxecheck client: {}\n", message);
    return kExitUsage;
}

/// "foreign-server-id (MSG-006), ..." for the help text and messages.
std::string probe_names() {
    std::string s;
    for (const auto& p : client::probe_specs()) s += (s.empty() ? "" : ", ") + fmt::format("{} ({})", p.name, p.rule);
    return s;
}

/// --probe values into probes in boot order; "all" is every one. False and
/// \p bad set on an unknown name.
bool parse_probes(const std::vector<std::string>& names, std::vector<client::Probe>& out, std::string& bad) {
    std::vector<bool> on(client::probe_specs().size(), false);
    for (const auto& n : names) {
        if (n == "all") {
            on.assign(on.size(), true);
            continue;
        }
        const auto p = client::parse_probe(n);
        if (!p) {
            bad = n;
            return false;
        }
        for (std::size_t i = 0; i < on.size(); ++i) on[i] = on[i] || client::probe_specs()[i].probe == *p;
    }
    for (std::size_t i = 0; i < on.size(); ++i) {
        if (on[i]) out.push_back(client::probe_specs()[i].probe);
    }
    return true;
}

int run_client_command(const ClientOptions& o, const Invocation& inv) {
    if (std::find(o.probes.begin(), o.probes.end(), "list") != o.probes.end()) {
        fmt::print("probes (pxecheck client --probe NAME, repeatable; --probe all runs every one):\n");
        for (const auto& p : client::probe_specs()) fmt::print("  {:<20} {:<9} {}\n", p.name, p.rule, p.summary);
        return kExitPass;
    }
    std::vector<client::Probe> probes;
    if (std::string bad; !parse_probes(o.probes, probes, bad))
        return usage_error("unknown --probe \"" + bad + "\" (known: all, list, " + probe_names() + ")");
    if (o.iface.empty()) return usage_error("--iface is required (the interface facing the master)");
    if (o.windowsize < 0 || o.windowsize > 65535)
        return usage_error("--windowsize wants 1-65535 (RFC 7440), or 0 not to ask; got " + std::to_string(o.windowsize));
    // A negative --offer-wait is the default's mark (the profile's wait).
    if (!(o.offer_wait < 0))
        if (auto e = seconds_flag_error("--offer-wait", o.offer_wait, true); !e.empty()) return usage_error(e);
    if (auto e = seconds_flag_error("--time-limit", o.time_limit, false); !e.empty()) return usage_error(e);
    const auto* profile = client::find_profile(o.profile);
    if (!profile) {
        std::string names;
        for (const auto& p : client::builtin_profiles()) names += (names.empty() ? "" : ", ") + p.name;
        return usage_error("unknown --profile \"" + o.profile + "\" (known: " + names + ")");
    }
    client::ClientConfig cfg;
    cfg.profile = *profile;
    if (!o.mac.empty()) {
        auto m = MacAddr::parse(o.mac);
        if (!m) return usage_error("--mac \"" + o.mac + "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
        cfg.mac = *m;
    } else {
        cfg.mac = default_mac(o.iface);
    }
    if (!o.uuid.empty()) {
        auto b = from_hex(o.uuid);
        if (!b || b->size() != 16) return usage_error("--uuid needs 16 octets of hex (dashes allowed)");
        std::copy(b->begin(), b->end(), cfg.uuid.begin());
    } else {
        // Derived from the MAC: stable per NIC like a real SMBIOS UUID.
        for (std::size_t i = 0; i < 16; ++i) cfg.uuid[i] = static_cast<std::uint8_t>(cfg.mac.octets[i % 6] ^ (i * 37));
    }
    if (o.arch >= 0) {
        if (o.arch > 0xffff) return usage_error("--arch must be 0-65535");
        cfg.profile.arch = static_cast<std::uint16_t>(o.arch);
        if (o.vendor_class.empty()) cfg.profile.vendor_class.clear();  // rebuilt from the new arch
    }
    if (!o.vendor_class.empty()) cfg.profile.vendor_class = o.vendor_class;
    for (const auto& spec : o.options) {
        auto colon = spec.find(':');
        if (colon == std::string::npos) return usage_error("--option wants CODE:HEX, got \"" + spec + "\"");
        int code = -1;
        try {
            code = std::stoi(spec.substr(0, colon));
        } catch (...) {
        }
        auto value = from_hex(spec.substr(colon + 1));
        if (code < 1 || code > 254 || !value) return usage_error("--option wants CODE:HEX with CODE 1-254, got \"" + spec + "\"");
        cfg.option_overrides.emplace_back(static_cast<std::uint8_t>(code), *value);
    }
    if (o.offer_wait >= 0) cfg.offer_wait = Micros(static_cast<std::int64_t>(o.offer_wait * 1e6));
    cfg.menu_item = o.menu_item;
    cfg.windowsize = static_cast<std::uint16_t>(o.windowsize);
    cfg.release = !o.no_release;
    cfg.probes = probes;

    scenario::ClientRunOptions ropt;
    ropt.source_name = "live:" + o.iface;
    ropt.time_limit = Micros(static_cast<std::int64_t>(o.time_limit * 1e6));
    ropt.stop = &stop_requested();
    if (!o.expect_sha256.empty()) ropt.expect_sha256 = o.expect_sha256;
    if (!o.expect_file.empty()) {
        auto h = analyze::sha256_file(o.expect_file);
        if (!h) return usage_error("--expect-file: " + h.error());
        ropt.expect_sha256 = *h;
        std::error_code ec;
        ropt.expect_size = std::filesystem::file_size(o.expect_file, ec);
    }

    auto live = open_live_run("client", o.iface, o.pcap_path, o.report_dir);
    if (const int* rc = std::get_if<int>(&live)) return *rc;
    auto& io = *std::get<LiveRun>(live).io;
    auto& recording = std::get<LiveRun>(live).recording;
    ropt.pcap = recording->writer();

    install_stop_signals();
    const std::string started = utc_now();
    fmt::print("pxecheck client: NIC {} ({} profile) on {}\n", cfg.mac.to_string(), cfg.profile.name, o.iface);
    auto run = scenario::run_client(io, cfg, ropt);
    recording->flush();

    checks::CheckOptions copt;
    copt.client = cfg.mac;
    auto analysis = judged(run_info("client", inv.argc, inv.argv, ropt.source_name, started), run.trace, copt);
    // The NIC here is pxecheck's emulation of real firmware, quirks included
    // on purpose (iPXE's short retries, its larger secs in REQUEST): what the
    // trace rules blame on the NIC is not the master's fault and must not fail
    // a master check. It stays visible, as information.
    for (auto& f : analysis.findings) {
        if (f.blame != checks::Blame::Nic) continue;
        f.severity = checks::Severity::Info;
        // A frame a --probe sent on purpose (a REQUEST naming a foreign
        // server, a DISCOVER without 60) is the stimulus, not the firmware.
        const bool stimulus = std::any_of(f.frames.begin(), f.frames.end(), [&](std::size_t n) {
            return std::binary_search(run.probe_frames.begin(), run.probe_frames.end(), n);
        });
        f.detail = (stimulus ? std::string("sent on purpose by a --probe: ")
                             : "emulated " + cfg.profile.name + " firmware, by design: ") +
                   f.detail;
    }
    for (auto& f : run.run_findings) analysis.findings.push_back(std::move(f));
    analysis.verdict = checks::verdict_of(analysis.findings);

    const auto& out = run.outcome;
    fmt::print("  phases  offer {}, bound {}, boot info {}, TFTP start {}, done {}\n", ms(out.started, out.offered),
               ms(out.started, out.bound), ms(out.started, out.boot_info), ms(out.started, out.tftp_started),
               ms(out.started, out.finished));
    if (!out.address.is_zero())
        fmt::print("  lease   {} from {}{}\n", out.address.to_string(), out.server_id.to_string(),
                   out.released ? " (released)" : cfg.release ? " (NOT released)" : " (kept: --no-release)");
    if (!out.bootfile.empty())
        fmt::print("  boot    \"{}\" from {} (boot information from {})\n", out.bootfile,
                   out.tftp_server ? out.tftp_server->to_string() : "no usable server", out.boot_info_from);
    if (out.tftp && out.tftp->status == client::TftpResult::Status::Complete) {
        const double secs = static_cast<double>((out.tftp->finished - out.tftp->started).count()) / 1e6;
        fmt::print("  file    {} octets, sha256 {}\n          {:.3f} s, {:.0f} KiB/s, blksize {}, windowsize {}, {} retransmission(s)\n",
                   out.tftp->data.size(), run.sha256, secs,
                   secs > 0 ? static_cast<double>(out.tftp->data.size()) / 1024.0 / secs : 0.0, out.tftp->blksize,
                   out.tftp->windowsize, out.tftp->retransmissions);
        if (!o.save_dir.empty()) {
            std::filesystem::create_directories(o.save_dir);
            const auto name = std::filesystem::path(out.bootfile).filename().string();
            std::ofstream(std::filesystem::path(o.save_dir) / (name.empty() ? "bootfile" : name), std::ios::binary)
                .write(reinterpret_cast<const char*>(out.tftp->data.data()),
                       static_cast<std::streamsize>(out.tftp->data.size()));
        }
    }
    if (out.reached == client::ClientPhase::Failed) fmt::print("  stopped {}\n", out.failure);
    if (run.interrupted) fmt::print("  interrupted: lease released\n");
    for (const auto& p : run.probes) {
        fmt::print("  probe   {:<20} {:<9} {:<14} {}\n", p.name, p.rule, p.result, p.detail);
    }
    report::TextOptions topt;
    topt.color = isatty(STDOUT_FILENO) != 0;
    topt.verbose = o.verbose;
    fmt::print("\n{}", report::render_text(analysis, topt));

    if (!o.json_path.empty() || !o.report_dir.empty()) {
        auto j = report::to_json(analysis);
        nlohmann::json file = nullptr;
        if (out.tftp) {
            file = {{"name", out.bootfile},
                    {"server", out.tftp_server ? nlohmann::json(out.tftp_server->to_string()) : nlohmann::json(nullptr)},
                    {"status", out.tftp->status == client::TftpResult::Status::Complete ? "complete"
                               : out.tftp->status == client::TftpResult::Status::Error  ? "error"
                                                                                        : "timeout"},
                    {"bytes", out.tftp->data.size()},
                    {"sha256", run.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.sha256)},
                    {"blksize", out.tftp->blksize},
                    {"windowsize", out.tftp->windowsize},
                    {"retransmissions", out.tftp->retransmissions},
                    {"duration_ms", static_cast<double>((out.tftp->finished - out.tftp->started).count()) / 1000.0}};
        }
        j["client"] = {{"mac", cfg.mac.to_string()},
                       {"profile", cfg.profile.name},
                       {"interface", o.iface},
                       {"phase", client::to_string(out.reached)},
                       {"failure", out.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(out.failure)},
                       {"address", out.address.is_zero() ? nlohmann::json(nullptr) : nlohmann::json(out.address.to_string())},
                       {"released", out.released},
                       {"boot_info_from", out.boot_info_from},
                       {"file", file},
                       {"expected_sha256", ropt.expect_sha256 ? nlohmann::json(*ropt.expect_sha256) : nlohmann::json(nullptr)}};
        if (!run.probes.empty()) {
            auto probes_json = nlohmann::json::array();
            for (const auto& p : run.probes) {
                probes_json.push_back({{"name", p.name},
                                       {"rule", p.rule},
                                       {"result", p.result},
                                       {"detail", p.detail},
                                       {"frames", p.frames}});
            }
            j["probes"] = std::move(probes_json);
        }
        std::string error;
        if (!o.json_path.empty() && !write_file(o.json_path, j.dump(2) + "\n", error)) {
            fmt::print(stderr, "pxecheck client: cannot write the JSON report: {}\n", error);
            return kExitUsage;
        }
        if (!o.report_dir.empty()) {
            const Status st = recording->write_bundle(j, o.iface, {}, {}, PXECHECK_VERSION);
            if (!st) {
                fmt::print(stderr, "pxecheck client: cannot write the evidence bundle: {}\n", st.error());
                return kExitUsage;
            }
            fmt::print("\nevidence: {}/report.html (check: pxecheck report verify {})\n", o.report_dir, o.report_dir);
        }
    }
    return exit_code_for(analysis.verdict, o.strict);
}

}  // namespace

Runner add_client(CLI::App& app, const Invocation& inv) {
    auto o = std::make_shared<ClientOptions>();
    auto* sub = app.add_subcommand("client", "Act as a PXE NIC on IFACE and verify the master end to end (default command)");
    sub->add_option("-i,--iface", o->iface, "interface facing the master (required)");
    sub->add_option("--mac", o->mac, "the emulated NIC's MAC (default: stable, locally administered)");
    sub->add_option("--profile", o->profile, "firmware to emulate: bios, uefi-x64, uefi-arm64, ipxe")->capture_default_str();
    sub->add_option("--uuid", o->uuid, "option 97 GUID (32 hex digits; default derived from the MAC)");
    sub->add_option("--arch", o->arch, "option 93 architecture type (overrides the profile)");
    sub->add_option("--vendor-class", o->vendor_class, "option 60 text (overrides the profile)");
    sub->add_option("--option", o->options, "extra or replaced option CODE:HEX (repeatable)");
    sub->add_option("--offer-wait", o->offer_wait, "seconds to collect OFFERs (default: the profile's)");
    sub->add_option("--menu-item", o->menu_item, "PXE boot menu entry to choose (0 = first)");
    sub->add_option("--windowsize", o->windowsize, "ask TFTP for this windowsize (RFC 7440)");
    sub->add_option("--probe", o->probes,
                    "active check, repeatable, off by default: all, list, or one of " + probe_names());
    sub->add_option("--save", o->save_dir, "write the downloaded boot file into this directory");
    sub->add_option("--expect-sha256", o->expect_sha256, "fail (FLOW-007) unless the boot file has this SHA-256");
    sub->add_option("--expect-file", o->expect_file, "fail (FLOW-007) unless the boot file equals this file");
    sub->add_flag("--no-release", o->no_release, "keep the lease (no DHCPRELEASE at the end)");
    sub->add_option("--json", o->json_path, "write the JSON report to this file");
    sub->add_option("-w,--write", o->pcap_path, "write every frame sent and received to this pcap");
    sub->add_option("--report", o->report_dir,
                    "write an evidence bundle into this directory (report.html/.md/.json, junit.xml, capture.pcapng, SHA256SUMS)");
    sub->add_option("--time-limit", o->time_limit, "seconds before the run gives up (default 180)");
    sub->add_flag("--strict", o->strict, "warnings fail too (exit 1)");
    sub->add_flag("-v,--verbose", o->verbose, "show each finding's rule, clause and frames");
    return [o, inv]() { return run_client_command(*o, inv); };
}

}  // namespace pxecheck::cli
