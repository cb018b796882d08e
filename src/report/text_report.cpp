#include <fmt/format.h>

#include "pxecheck/report/report.hpp"
#include "text_parts.hpp"

namespace pxecheck::report {

namespace detail {

std::string TextStyle::paint(std::string_view text, std::string_view code) const {
    if (!color) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string TextStyle::severity(checks::Severity s) const {
    switch (s) {
        case checks::Severity::Fail: return paint("FAIL", "1;31");
        case checks::Severity::Warn: return paint("WARN", "1;33");
        case checks::Severity::Info: return paint("INFO", "36");
    }
    return "?";
}

namespace {

std::string seconds(std::int64_t ns) { return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9); }

std::string since(const std::optional<std::int64_t>& start, const std::optional<std::int64_t>& t) {
    if (!start || !t) return "-";
    return fmt::format("+{:.3f} s", static_cast<double>(*t - *start) / 1e9);
}

std::string describe_offer(const analyze::OfferInfo& o) {
    std::string s = fmt::format("{} from {}", o.proxy ? "proxyDHCP offer" : "offer",
                                o.server_id.is_zero() ? o.src_ip.to_string() : o.server_id.to_string());
    if (!o.yiaddr.is_zero()) s += fmt::format(": address {}", o.yiaddr.to_string());
    if (o.names_file()) {
        auto server = o.tftp_server();
        s += fmt::format(", file \"{}\" on {}", o.file, server ? server->to_string() : "NO SERVER (siaddr 0, no option 66)");
    } else if (o.has_menu) {
        s += ", PXE boot menu";
    } else {
        s += ", no boot file";
    }
    s += fmt::format(" [frame {}]", o.frame_number);
    return s;
}

}  // namespace

std::string text_header(const Analysis& a, const analyze::Trace& trace, std::size_t sessions) {
    std::string out = fmt::format("pxecheck {}: {} ({} frames)\n", a.run.command, trace.source, trace.total_frames);
    for (const auto& an : trace.source_anomalies) out += fmt::format("  note: {}\n", an.detail);
    if (sessions == 0) out += "  no DHCP or TFTP client seen\n";
    return out;
}

std::string text_table_head() {
    return fmt::format("\n{:<17}  {:>3}  {:<12}  {:<11}  {:>6}  {:<15}  {:<24}  {:>9}  {}\n", "client", "try", "stage",
                       "phase", "offers", "boot server", "file", "octets", "worst finding");
}

std::string text_row_start(const analyze::ClientSession& s, const analyze::BootPath& b,
                           const std::vector<analyze::TftpTransfer>& transfers) {
    std::uint64_t octets = 0;
    for (std::size_t ti : b.boot_transfers) octets += transfers[ti].bytes;
    return fmt::format("{:<17}  {:>3}  {:<12}  {:<11}  {:>6}  {:<15}  {:<24}  {:>9}  ", s.mac.to_string(), s.attempt,
                       analyze::to_string(s.stage), analyze::to_string(b.phase), b.offer_count,
                       b.boot_server ? b.boot_server->to_string() : "-", b.bootfile.empty() ? "-" : b.bootfile,
                       octets);
}

std::string text_row_end(checks::Severity severity, std::string_view id) {
    return fmt::format("{} {}\n", checks::to_string(severity), id);
}

std::string text_row_end(const checks::Finding* worst) {
    return worst ? text_row_end(worst->severity, worst->id) : "-\n";
}

std::string text_detail(const TextStyle& st, const analyze::ClientSession& s, const analyze::BootPath& b,
                        const std::vector<analyze::TftpTransfer>& transfers) {
    std::string out;
    out += fmt::format("\nclient {}  phase reached: {}{}\n", st.paint(s.mac.to_string(), "1"), analyze::to_string(b.phase),
                       b.end == analyze::AttemptEnd::Declined  ? " (then the client declined the address)"
                       : b.end == analyze::AttemptEnd::Released ? " (then the client released the address)"
                       : b.end == analyze::AttemptEnd::Naked    ? " (then the server refused it with DHCPNAK)"
                                                               : "");
    // A machine booting in stages, or over again: which attempt this is.
    if (s.attempt > 1 || s.next.attempt) {
        out += fmt::format("  attempt {} of this machine ({})", s.attempt, analyze::to_string(s.stage));
        if (!s.earlier.downloaded.empty())
            out += fmt::format(", after it downloaded \"{}\"", s.earlier.downloaded);
        if (s.next.attempt) out += fmt::format("; attempt {} follows", s.next.attempt);
        out += "\n";
    }
    if (b.discover_count)
        out += fmt::format("  DHCP    {} DISCOVER(s), {} offer(s), first offer {}, ACK {}\n", b.discover_count,
                           b.offer_count, since(b.first_discover_ns, b.first_offer_ns),
                           since(b.first_discover_ns, b.ack_ns));
    for (std::size_t k = 0; k < b.offers.size(); ++k)
        out += fmt::format("    {} {}\n", b.chosen && *b.chosen == k ? "*" : " ", describe_offer(b.offers[k]));
    if (b.lease)
        out += fmt::format("  bound   {} from server {}\n", b.lease->yiaddr.to_string(), b.lease->server_id.to_string());
    switch (b.end) {
        case analyze::AttemptEnd::Declined:
            out += fmt::format("  ended   the client declined its address (DHCPDECLINE) [frame {}]\n", b.end_frame);
            break;
        case analyze::AttemptEnd::Released:
            out += fmt::format("  ended   the client released its address (DHCPRELEASE) [frame {}]\n", b.end_frame);
            break;
        case analyze::AttemptEnd::Naked:
            out += fmt::format("  ended   the server refused the client's REQUEST (DHCPNAK) [frame {}]\n", b.end_frame);
            break;
        case analyze::AttemptEnd::None:
            break;
    }
    if (b.bootserver_4011 && b.bootserver_ack)
        out += fmt::format("  4011    boot server {} answered [frame {}]\n", b.bootserver_ack->src_ip.to_string(),
                           b.bootserver_ack->frame_number);
    if (b.governing) {
        out += fmt::format("  boot    \"{}\" from {} (boot information from the {})\n",
                           b.bootfile.empty() ? "(none)" : b.bootfile,
                           b.boot_server ? b.boot_server->to_string() : "no usable server",
                           b.governing->from_4011 ? "boot server on 4011"
                           : b.governing->proxy   ? "proxyDHCP offer"
                                                  : "DHCP reply");
    }
    for (std::size_t ti : s.transfers) {
        const auto& t = transfers[ti];
        std::string state = t.error ? fmt::format("ERROR {} \"{}\" from {}", t.error->code, t.error->message,
                                                  t.error->from_client ? "client" : "server")
                            : t.complete ? "complete"
                                         : "unfinished";
        if (t.unreachable && !t.complete)
            state += fmt::format(", ICMP {} from {} [frame {}]", link::describe(t.unreachable->icmp),
                                 t.unreachable->icmp.src_ip.to_string(), t.unreachable->frame);
        out += fmt::format("  TFTP    \"{}\" from {}: {} octets in {}, blksize {}{}, {}{}\n", t.filename,
                           t.server_ip.to_string(), t.bytes, seconds(t.end_ns - t.start_ns), t.blksize,
                           t.windowsize > 1 ? fmt::format(" windowsize {}", t.windowsize) : "", state,
                           t.sha256.empty() ? "" : "\n          sha256 " + t.sha256);
    }
    if (b.later_stage_requests && s.stage != analyze::AttemptStage::LaterStage &&
        s.stage != analyze::AttemptStage::HttpBoot)
        out += fmt::format("  later   {} DHCP request(s) from a later boot stage (no PXEClient)\n",
                           b.later_stage_requests);
    return out;
}

std::string text_findings_head() { return "\nfindings\n"; }

std::string text_finding(const TextStyle& st, const checks::Finding& f, bool verbose) {
    std::string out = fmt::format("  {} {:<9} blame {:<8} {}\n", st.severity(f.severity), f.id,
                                  checks::to_string(f.blame), f.detail);
    if (verbose) {
        std::string frames;
        for (auto n : f.frames) {
            if (!frames.empty()) frames.push_back(',');
            frames += std::to_string(n);
        }
        out += fmt::format("                 {} [{}] frames {}\n", f.title, f.clause, frames.empty() ? "-" : frames);
    }
    return out;
}

std::string text_verdict(const TextStyle& st, checks::Verdict v, std::size_t fails, std::size_t warns,
                         std::size_t infos) {
    // Error: the run could not finish (a damaged capture): what was judged
    // stands in the lines above, but it is not a pass.
    const std::string painted = v == checks::Verdict::Error  ? st.paint("ERROR", "1;31")
                                : v == checks::Verdict::Fail ? st.paint("FAIL", "1;31")
                                : v == checks::Verdict::Warn ? st.paint("WARN", "1;33")
                                                             : st.paint("PASS", "1;32");
    return fmt::format("\nverdict: {} ({} fail, {} warn, {} info)\n", painted, fails, warns, infos);
}

}  // namespace detail

std::string render_text(const Analysis& a, const TextOptions& options) {
    using namespace detail;
    const TextStyle st{options.color};
    const auto& trace = *a.trace;
    std::string out = text_header(a, trace, trace.sessions.size());

    // Many clients (a boot storm, a busy mirror port): one line each first,
    // the per-client detail only when there are few or when asked.
    if (trace.sessions.size() > 1) {
        const auto worst = worst_by_client(a.findings);
        out += text_table_head();
        for (std::size_t i = 0; i < trace.sessions.size(); ++i) {
            const auto& s = trace.sessions[i];
            auto w = worst.find(AttemptKey{s.mac, s.attempt});
            out += text_row_start(s, a.boots[i], trace.transfers) + text_row_end(w == worst.end() ? nullptr : w->second);
        }
    }
    const bool detail = trace.sessions.size() <= kTextDetailedSessions || options.verbose;
    for (std::size_t i = 0; detail && i < trace.sessions.size(); ++i)
        out += text_detail(st, trace.sessions[i], a.boots[i], trace.transfers);

    if (!a.findings.empty()) out += text_findings_head();
    for (const auto& f : a.findings) out += text_finding(st, f, options.verbose);
    std::size_t fails = 0, warns = 0, infos = 0;
    for (const auto& f : a.findings)
        (f.severity == checks::Severity::Fail ? fails : f.severity == checks::Severity::Warn ? warns : infos)++;
    return out + text_verdict(st, a.verdict, fails, warns, infos);
}

}  // namespace pxecheck::report
