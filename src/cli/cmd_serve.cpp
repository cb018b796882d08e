// `pxecheck serve --iface IF`: the reference master. A DHCP server (or, with
// --proxy, a proxyDHCP beside the existing one) and a read-only TFTP server on
// one interface; every NIC that boots from it is followed on the terminal and
// judged by the rules, and --json writes the report with a "nics" array;
// --report DIR writes the evidence bundle when serve stops.
#include <fmt/core.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "bundle.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/master/file_source.hpp"
#include "pxecheck/master/lease_store.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/scenario/master_toml.hpp"
#include "pxecheck/scenario/serve_run.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::cli {

namespace {

struct ServeOptions {
    std::string iface;
    std::string config;
    scenario::ServeFlags flags;
    // Flags kept as text so that "not given" stays visible (CLI11 2.1 has no
    // std::optional options); copied into `flags` when given.
    std::string server_ip, server_mac, range, netmask, router, tftp_root, filename, next_server, ipxe_file, leases,
        prompt;
    std::uint32_t lease_time = 0;
    int prompt_timeout = 0;
    double probe_wait = 0;
    bool dry_run = false;
    std::string json_path;
    std::string pcap_path;
    std::string report_dir;
    std::size_t exit_after = 0;
    double time_limit = 0;
    bool strict = false;
    bool verbose = false;
    // Which scalar options were given.
    std::vector<std::pair<std::string, CLI::Option*>> given;
};

int usage_error(const std::string& message) {
    fmt::print(stderr, "pxecheck serve: {}\n", message);
    return kExitUsage;
}

int environment_error(const std::string& message) {
    fmt::print(stderr, "pxecheck serve: {}\n", message);
    return kExitEnvironment;
}

std::string clock_text(std::int64_t wall_ns) {
    const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000LL);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return fmt::format("{}.{:03d}", buf, static_cast<int>((wall_ns / 1'000'000) % 1000));
}

/// The interface's MAC without opening it (for --dry-run, which needs no
/// privileges): /sys/class/net/IF/address.
std::optional<MacAddr> sysfs_mac(const std::string& iface) {
    if (iface.empty() || iface.find('/') != std::string::npos || iface == "." || iface == "..") return std::nullopt;
    std::ifstream in("/sys/class/net/" + iface + "/address");
    std::string text;
    if (!(in >> text)) return std::nullopt;
    return MacAddr::parse(text);
}

std::string arch_json_name(std::optional<std::uint16_t> arch) {
    return arch ? wire::arch_name(*arch) : std::string();
}

bool given(const ServeOptions& o, const std::string& name) {
    for (const auto& [n, opt] : o.given)
        if (n == name) return opt->count() > 0;
    return false;
}

void collect_flags(ServeOptions& o) {
    auto& f = o.flags;
    auto take = [&](const char* name, const std::string& v, std::optional<std::string>& into) {
        if (given(o, name)) into = v;
    };
    take("server-ip", o.server_ip, f.server_ip);
    take("server-mac", o.server_mac, f.server_mac);
    take("range", o.range, f.range);
    take("netmask", o.netmask, f.netmask);
    take("router", o.router, f.router);
    take("tftp-root", o.tftp_root, f.tftp_root);
    take("filename", o.filename, f.filename);
    take("next-server", o.next_server, f.next_server);
    take("ipxe-file", o.ipxe_file, f.ipxe_file);
    take("leases", o.leases, f.leases);
    take("prompt", o.prompt, f.prompt);
    if (given(o, "lease-time")) f.lease_time = o.lease_time;
    if (given(o, "prompt-timeout")) f.prompt_timeout = o.prompt_timeout;
    if (given(o, "probe-wait")) f.probe_wait = o.probe_wait;
}

void print_dry_run(const scenario::ServeSettings& configured, const scenario::ServeSettings& s, const std::string& iface,
                   bool on_host) {
    fmt::print("pxecheck serve --dry-run on {}: nothing is sent; this is what would be served.\n\n", iface);
    fmt::print("# effective configuration (TOML, usable with --config)\n{}\n", scenario::to_toml(configured));
    fmt::print("# {} {} as {} ({})\n", s.master.proxy ? "proxyDHCP" : "DHCP server", s.master.server_ip.to_string(),
               s.master.server_mac.to_string(),
               on_host ? "the address is configured on this host: ARP from the kernel, ports held"
                       : "the address is held in user space only: ARP answered by pxecheck");
    if (!s.master.proxy)
        fmt::print("# before serving: a safety probe listens {:.1f} s for another DHCP server{}\n", s.probe_wait,
                   s.allow_other_dhcp ? " (--allow-other-dhcp: only reported)" : " and refuses to start beside one");
    fmt::print("\n");
    for (const auto& x : scenario::sample_exchanges(s.master)) {
        fmt::print("{}\n  request  {}\n", x.client, x.request);
        if (x.replies.empty()) fmt::print("  answer   none\n");
        for (const auto& r : x.replies) fmt::print("  answer   {}\n", r);
        for (const auto& n : x.notes) fmt::print("  server   {}\n", n);
        fmt::print("\n");
    }
}

int run_serve_command(ServeOptions& o, const Invocation& inv) {
    if (o.iface.empty())
        return usage_error("--iface is required: serve answers nothing on an interface it was not given explicitly");
    // 0: no limit.
    if (auto e = seconds_flag_error("--time-limit", o.time_limit, true); !e.empty()) return usage_error(e);
    collect_flags(o);

    scenario::ServeSettings settings;
    if (!o.config.empty()) {
        auto loaded = scenario::load_master_toml(o.config);
        if (!loaded) return usage_error(loaded.error());
        settings = std::move(*loaded);
    }
    if (auto errors = scenario::apply_serve_flags(o.flags, settings); !errors.empty()) {
        for (const auto& e : errors) fmt::print(stderr, "pxecheck serve: {}\n", e);
        return kExitUsage;
    }
    if (settings.master.server_ip.is_zero())
        return usage_error("--server-ip is required (the master's address on the segment; [server] address in a config)");
    // Validate with a stand-in MAC first, so that mistakes in the
    // configuration are reported before (and without) touching the interface.
    {
        auto probe = settings;
        if (probe.master.server_mac.is_zero()) probe.master.server_mac = MacAddr{{0x02, 0, 0, 0, 0, 1}};
        if (auto errors = scenario::validate_settings(probe); !errors.empty()) {
            for (const auto& e : errors) fmt::print(stderr, "pxecheck serve: {}\n", e);
            return kExitUsage;
        }
    }
    const bool on_host = link::host_has_address("", settings.master.server_ip);

    if (o.dry_run) {
        auto mac = sysfs_mac(o.iface);
        if (!mac) return environment_error("no interface named " + o.iface + " (ip link shows the names)");
        auto effective = settings;
        if (effective.master.server_mac.is_zero()) effective.master.server_mac = scenario::choose_server_mac(*mac, on_host);
        print_dry_run(settings, effective, o.iface, on_host);
        return kExitPass;
    }

    auto opened = link::PcapLive::open(o.iface, "arp or udp");
    if (auto* err = std::get_if<link::OpenError>(&opened)) return environment_error(err->message);
    auto& io = *std::get<std::unique_ptr<link::PcapLive>>(opened);
    if (settings.master.server_mac.is_zero())
        settings.master.server_mac = scenario::choose_server_mac(io.hardware_mac(), on_host);
    else if (on_host && settings.master.server_mac != io.hardware_mac())
        fmt::print(stderr,
                   "pxecheck serve: warning: {} is configured on this host, whose kernel answers ARP for it with {}; "
                   "--server-mac {} makes two MACs claim it\n",
                   settings.master.server_ip.to_string(), io.hardware_mac().to_string(),
                   settings.master.server_mac.to_string());

    // Everything serve records, the safety probe first: the -w file, and the
    // bundle's capture when serve stops.
    auto recording = LiveRecording::open(o.pcap_path, o.report_dir);
    if (!recording) return usage_error(recording.error());
    link::PcapWriter* writer = (*recording)->writer();

    // Ports: with the address on this host the kernel answers unicasts to
    // ports nobody holds with ICMP port unreachable (link::PortHold).
    std::vector<link::PortHold> holds;
    if (on_host) {
        std::vector<std::string> notes;
        auto h = scenario::hold_service_ports(settings.master.server_ip, settings.master, !settings.tftp_root.empty(),
                                              notes);
        if (!h) return environment_error(h.error());
        holds = std::move(*h);
        for (const auto& n : notes) fmt::print("pxecheck serve: note: {}\n", n);
    }

    install_stop_signals();

    // The safety probe: is another DHCP server on this segment?
    fmt::print("pxecheck serve: safety probe on {}: a DISCOVER from a throwaway MAC, listening {:.1f} s for "
               "other DHCP servers before anything is served\n",
               o.iface, settings.probe_wait);
    const auto probe = scenario::probe_dhcp_servers(
        io, Micros(static_cast<std::int64_t>(settings.probe_wait * 1e6)), &stop_requested(), writer);
    if (stop_requested().load()) {
        fmt::print("pxecheck serve: interrupted during the safety probe; nothing was served\n");
        return kExitPass;
    }
    std::vector<scenario::ProbeAnswer> address_servers;
    for (const auto& a : probe.servers) {
        fmt::print("pxecheck serve: probe: {} server {} (MAC {}) answered{}{}\n", a.proxy ? "proxyDHCP" : "DHCP",
                   (a.server_id.is_zero() ? a.source_ip : a.server_id).to_string(), a.source_mac.to_string(),
                   a.offered.is_zero() ? std::string() : ", offering " + a.offered.to_string(),
                   a.file.empty() ? std::string() : ", file \"" + a.file + "\"");
        if (!a.proxy && !a.offered.is_zero()) address_servers.push_back(a);
    }
    if (probe.servers.empty()) fmt::print("pxecheck serve: probe: no other DHCP server answered\n");
    if (!settings.master.proxy && !address_servers.empty()) {
        const auto& a = address_servers.front();
        const std::string who = "another DHCP server, " + (a.server_id.is_zero() ? a.source_ip : a.server_id).to_string() +
                                " (MAC " + a.source_mac.to_string() + "), answers on " + o.iface;
        if (!settings.allow_other_dhcp) {
            return environment_error(
                who + ": refusing to hand out addresses beside it. Use --proxy to add boot information to its "
                      "answers instead, or --allow-other-dhcp if two servers on this segment is really intended.");
        }
        fmt::print("pxecheck serve: warning: {}; serving anyway (--allow-other-dhcp)\n", who);
    }
    if (settings.master.proxy && address_servers.empty())
        fmt::print("pxecheck serve: warning: no DHCP server answered the probe; in proxy mode PXE clients need one "
                   "beside this master for their address\n");

    // TFTP and leases.
    std::unique_ptr<master::RootDirectory> root;
    master::TftpServerConfig tftp;
    if (!settings.tftp_root.empty()) {
        root = std::make_unique<master::RootDirectory>(settings.tftp_root);
        tftp.max_blksize = scenario::tftp_blksize_cap(settings.tftp_max_blksize, io.mtu());
        tftp.max_windowsize = settings.tftp_max_windowsize;
        tftp.retry_initial = Micros(static_cast<std::int64_t>(settings.tftp_timeout * 1e6));
        tftp.retry_max = Micros(static_cast<std::int64_t>(settings.tftp_retry_max * 1e6));
        tftp.max_retries = settings.tftp_retries;
        tftp.max_transfers = settings.tftp_max_transfers;
    }
    std::unique_ptr<master::FileLeaseStore> store;
    if (!settings.leases_path.empty()) store = std::make_unique<master::FileLeaseStore>(settings.leases_path);

    scenario::ServeSetup setup;
    setup.master = settings.master;
    setup.tftp = tftp;
    setup.files = root.get();
    setup.leases = store.get();
    setup.hold_transfer_ports = on_host;

    scenario::ServeRunOptions ropt;
    ropt.source_name = "live:" + o.iface;
    ropt.pcap = writer;
    ropt.first_frame_number = probe.frames + 1;
    if (o.time_limit > 0) ropt.time_limit = Micros(static_cast<std::int64_t>(o.time_limit * 1e6));
    ropt.exit_after = o.exit_after;
    ropt.stop = &stop_requested();
    ropt.ignore_macs.insert(probe.probe_mac);
    ropt.watch_other_servers = !settings.master.proxy;
    const bool verbose = o.verbose;
    ropt.on_line = [verbose](const scenario::ServeLine& l) {
        if (l.verbose && !verbose) return;
        fmt::print("{}  {:17}  {}\n", clock_text(l.wall_ns), l.mac ? l.mac->to_string() : std::string("-"), l.text);
        std::fflush(stdout);
    };

    const std::string started = utc_now();
    fmt::print("pxecheck serve: {} {} on {} as {} ({}), {}{}\n", settings.master.proxy ? "proxyDHCP" : "DHCP server",
               settings.master.server_ip.to_string(), o.iface, settings.master.server_mac.to_string(),
               on_host ? "address configured on this host" : "address held in user space",
               root ? "TFTP root " + settings.tftp_root + " (blksize up to " + std::to_string(tftp.max_blksize) + ")"
                    : std::string("no TFTP server"),
               settings.master.proxy ? std::string()
                                     : ", range " + settings.master.pool_first.to_string() + "-" +
                                           settings.master.pool_last.to_string());
    std::fflush(stdout);
    auto run = scenario::run_serve(io, setup, ropt);
    (*recording)->flush();
    holds.clear();

    auto analysis = judged(run_info("serve", inv.argc, inv.argv, ropt.source_name, started), run.trace, {});
    for (auto& f : run.run_findings) analysis.findings.push_back(std::move(f));
    analysis.verdict = checks::verdict_of(analysis.findings);

    fmt::print("\npxecheck serve: stopped ({}), {} NIC(s) seen, {} downloaded their boot file\n",
               scenario::to_string(run.stopped_by), run.nics.size(), run.finished);
    report::TextOptions topt;
    topt.color = isatty(STDOUT_FILENO) != 0;
    topt.verbose = o.verbose;
    fmt::print("\n{}", report::render_text(analysis, topt));

    // The exit code follows the worst NIC's verdict (Verdict is ordered
    // from pass to fail).
    checks::Verdict worst = checks::Verdict::Pass;
    nlohmann::json nics = nlohmann::json::array();
    if (!run.nics.empty()) fmt::print("\nNICs\n");
    for (const auto& n : run.nics) {
        const auto verdict = scenario::nic_verdict(n, analysis.findings);
        worst = std::max(worst, verdict);
        std::vector<std::string> ids;
        for (const auto& f : analysis.findings) {
            if (f.client && *f.client == n.mac && f.severity != checks::Severity::Info &&
                std::find(ids.begin(), ids.end(), f.id) == ids.end())
                ids.push_back(f.id);
        }
        std::string id_text;
        for (const auto& id : ids) id_text += (id_text.empty() ? "" : ",") + id;
        fmt::print("  {}  {:<5} {:<9} {:<24} {:>9}  {}{}\n", n.mac.to_string(), n.arch ? std::to_string(*n.arch) : "-",
                   n.phase, n.boot_file.empty() ? "-" : n.boot_file,
                   n.boot_file_done ? std::to_string(n.boot_file_bytes) : std::to_string(n.last_bytes),
                   checks::to_string(verdict), id_text.empty() ? "" : "  " + id_text);
        nlohmann::json finding_ids = nlohmann::json::array();
        for (const auto& f : analysis.findings)
            if (f.client && *f.client == n.mac) finding_ids.push_back(f.id);
        nics.push_back({
            {"mac", n.mac.to_string()},
            {"arch", n.arch ? nlohmann::json(*n.arch) : nlohmann::json(nullptr)},
            {"arch_name", n.arch ? nlohmann::json(arch_json_name(n.arch)) : nlohmann::json(nullptr)},
            {"vendor_class", n.vendor_class.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.vendor_class)},
            {"pxe", n.pxe},
            {"ipxe", n.ipxe},
            {"dhcp", n.dhcp},
            {"address", n.address.is_zero() ? nlohmann::json(nullptr) : nlohmann::json(n.address.to_string())},
            {"phase", n.phase},
            {"file", n.boot_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.boot_file)},
            {"file_complete", n.boot_file_done},
            {"bytes", n.boot_file_done ? n.boot_file_bytes : n.last_bytes},
            {"files_downloaded", n.files_done},
            {"seconds_to_boot_file",
             n.finished ? nlohmann::json(static_cast<double>((*n.finished - n.first_seen).count()) / 1e6)
                        : nlohmann::json(nullptr)},
            {"verdict", std::string(checks::to_string(verdict))},
            {"findings", finding_ids},
        });
    }

    if (!o.json_path.empty() || !o.report_dir.empty()) {
        auto j = report::to_json(analysis);
        j["nics"] = nics;
        j["serve"] = {
            {"interface", o.iface},
            {"mode", settings.master.proxy ? "proxy" : "dhcp"},
            {"server_ip", settings.master.server_ip.to_string()},
            {"server_mac", settings.master.server_mac.to_string()},
            {"address_on_host", on_host},
            {"tftp_root", settings.tftp_root.empty() ? nlohmann::json(nullptr) : nlohmann::json(settings.tftp_root)},
            {"stopped_by", scenario::to_string(run.stopped_by)},
            {"nics_finished", run.finished},
            {"probe", nlohmann::json::array()},
            {"probe_frames", probe.frames},
        };
        for (const auto& a : probe.servers)
            j["serve"]["probe"].push_back({{"server_id", a.server_id.to_string()},
                                           {"source_ip", a.source_ip.to_string()},
                                           {"source_mac", a.source_mac.to_string()},
                                           {"offered", a.offered.is_zero() ? nlohmann::json(nullptr)
                                                                           : nlohmann::json(a.offered.to_string())},
                                           {"proxy", a.proxy}});
        std::string error;
        if (!o.json_path.empty() && !write_file(o.json_path, j.dump(2) + "\n", error)) {
            fmt::print(stderr, "pxecheck serve: cannot write the JSON report: {}\n", error);
            return kExitUsage;
        }
        if (!o.report_dir.empty()) {
            // The probe's frames open the capture; say what they are, since
            // no finding cites them and no NIC owns them.
            std::map<std::size_t, std::vector<std::string>> comments;
            for (std::size_t n = 1; n <= probe.frames; ++n)
                comments[n].push_back("pxecheck serve's safety probe before serving (throwaway MAC " +
                                      probe.probe_mac.to_string() + "): is another DHCP server on " + o.iface +
                                      "? Not part of any NIC's boot");
            const Status st = (*recording)->write_bundle(j, o.iface, std::move(comments), {}, PXECHECK_VERSION);
            if (!st) {
                fmt::print(stderr, "pxecheck serve: cannot write the evidence bundle: {}\n", st.error());
                return kExitUsage;
            }
            fmt::print("\nevidence: {}/report.html (check: pxecheck report verify {})\n", o.report_dir, o.report_dir);
        }
    }
    return exit_code_for(worst, o.strict);
}

}  // namespace

Runner add_serve(CLI::App& app, const Invocation& inv) {
    auto o = std::make_shared<ServeOptions>();
    auto* sub = app.add_subcommand("serve", "Be the PXE master on IFACE (DHCP or proxyDHCP + TFTP) and judge each NIC that boots");
    auto reg = [&](const std::string& name, CLI::Option* opt) { o->given.emplace_back(name, opt); };
    sub->add_option("-i,--iface", o->iface, "interface to serve on (required: nothing is served without it)");
    sub->add_option("--config", o->config, "TOML configuration (scenarios/seed-master.toml); flags override it");
    reg("server-ip", sub->add_option("--server-ip", o->server_ip, "the master's address (option 54, siaddr)"));
    reg("server-mac", sub->add_option("--server-mac", o->server_mac,
                                      "the master's MAC (default: the interface's when the host has the address, else a derived local one)"));
    sub->add_flag("--proxy", o->flags.proxy, "proxyDHCP: no addresses, boot information beside an existing DHCP server (67 and 4011)");
    reg("range", sub->add_option("--range", o->range, "address pool FIRST-LAST (192.168.14.10-192.168.14.20)"));
    reg("netmask", sub->add_option("--netmask", o->netmask, "subnet mask (default 255.255.255.0)"));
    reg("router", sub->add_option("--router", o->router, "router (option 3)"));
    sub->add_option("--dns", o->flags.dns, "DNS server (option 6; repeatable)");
    reg("lease-time", sub->add_option("--lease-time", o->lease_time, "lease time in seconds (default 3600)"));
    sub->add_option("--reserve", o->flags.reservations, "static reservation MAC,IP[,FILE] (repeatable)");
    reg("tftp-root", sub->add_option("--tftp-root", o->tftp_root, "read-only TFTP root (requests are confined to it)"));
    reg("filename", sub->add_option("--filename", o->filename,
                                    "boot file for BIOS (arch 0) and any arch without its own (UEFI defaults: bootx64.efi, bootia32.efi, bootaa64.efi)"));
    sub->add_option("--arch-file", o->flags.arch_files, "boot file per architecture ARCH=FILE (0-65535, bios, ia32, x64, arm64; repeatable)");
    reg("next-server", sub->add_option("--next-server", o->next_server, "TFTP server named in siaddr (default: this master)"));
    sub->add_flag("--option66", o->flags.option66, "also send option 66 (same address as siaddr)");
    sub->add_flag("--option67", o->flags.option67, "also send option 67 (same name as the file field)");
    reg("ipxe-file", sub->add_option("--ipxe-file", o->ipxe_file,
                                     "second stage for iPXE (user class 77 \"iPXE\"): a script name or URL"));
    reg("leases", sub->add_option("--leases", o->leases, "lease file, kept across restarts"));
    sub->add_option("--menu", o->flags.menu, "PXE menu entry TYPE:DESCRIPTION:FILE (repeatable; enables UDP 4011)");
    reg("prompt", sub->add_option("--prompt", o->prompt, "menu prompt text"));
    reg("prompt-timeout", sub->add_option("--prompt-timeout", o->prompt_timeout,
                                          "menu prompt seconds (0 boot first entry, 255 wait for a key)"));
    reg("probe-wait", sub->add_option("--probe-wait", o->probe_wait,
                                      "seconds the safety probe listens for another DHCP server (default 4; DISCOVERs at 0, a quarter and half of it)"));
    sub->add_flag("--allow-other-dhcp", o->flags.allow_other_dhcp, "serve addresses even beside another DHCP server");
    sub->add_flag("--dry-run", o->dry_run, "print the configuration and the answers to a BIOS and a UEFI DISCOVER, send nothing");
    sub->add_option("--json", o->json_path, "write the JSON report (with a \"nics\" array) to this file");
    sub->add_option("-w,--write", o->pcap_path, "write every frame sent and recorded to this pcap");
    sub->add_option("--report", o->report_dir,
                    "when serve stops, write an evidence bundle into this directory (report.html/.md/.json, junit.xml, "
                    "capture.pcapng, SHA256SUMS)");
    sub->add_option("--exit-after", o->exit_after, "stop after N NICs downloaded their boot file");
    sub->add_option("--time-limit", o->time_limit, "stop after this many seconds");
    sub->add_flag("--strict", o->strict, "a NIC with warnings fails too (exit 1)");
    sub->add_flag("-v,--verbose", o->verbose, "show ignored datagrams and each finding's clause and frames");
    return [o, inv]() { return run_serve_command(*o, inv); };
}

}  // namespace pxecheck::cli
