#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "json_parts.hpp"
#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report {

using nlohmann::json;

Analysis analyze_trace(RunInfo run, const analyze::Trace& trace, const checks::CheckOptions& options) {
    Analysis a;
    a.run = std::move(run);
    a.trace = &trace;
    for (const auto& s : trace.sessions) a.boots.push_back(analyze::reconstruct_boot(trace, s));
    a.findings = checks::run_checks(trace, options);
    a.options = options;
    a.verdict = checks::verdict_of(a.findings);
    return a;
}

namespace {

json ip_or_null(const std::optional<Ipv4Addr>& ip) { return ip ? json(ip->to_string()) : json(nullptr); }
json ip_or_null(Ipv4Addr ip) { return ip.is_zero() ? json(nullptr) : json(ip.to_string()); }

json offer_json(const analyze::OfferInfo& o) {
    return json{{"frame", o.frame_number},
                {"server_id", ip_or_null(o.server_id)},
                {"source_ip", ip_or_null(o.src_ip)},
                {"yiaddr", ip_or_null(o.yiaddr)},
                {"siaddr", ip_or_null(o.siaddr)},
                {"option66", o.option66 ? json(*o.option66) : json(nullptr)},
                {"bootfile", o.file.empty() ? json(nullptr) : json(o.file)},
                {"tftp_server", ip_or_null(o.tftp_server())},
                {"proxy", o.proxy},
                {"pxe_menu", o.has_menu}};
}

json ms_since(const std::optional<std::int64_t>& start, const std::optional<std::int64_t>& t) {
    if (!start || !t) return nullptr;
    return static_cast<double>(*t - *start) / 1e6;
}

json transfer_json(const analyze::TftpTransfer& t) {
    json error = nullptr;
    if (t.error) error = json{{"code", t.error->code}, {"message", t.error->message},
                              {"frame", t.error->frame}, {"from", t.error->from_client ? "client" : "server"}};
    return json{{"file", t.filename},
                {"server", t.server_ip.to_string()},
                {"client", t.client_ip.to_string() + ":" + std::to_string(t.client_port)},
                {"server_tid", t.server_tid ? json(t.server_tid) : json(nullptr)},
                {"request_frame", t.request_frame},
                {"bytes", t.bytes},
                {"complete", t.complete},
                {"sha256", t.sha256.empty() ? json(nullptr) : json(t.sha256)},
                {"blksize", t.blksize},
                {"windowsize", t.windowsize},
                {"tsize", t.tsize ? json(*t.tsize) : json(nullptr)},
                {"retransmissions", t.retransmissions},
                {"error", error},
                {"duration_ms", static_cast<double>(t.end_ns - t.start_ns) / 1e6}};
}

}  // namespace

namespace detail {

json finding_json(const checks::Finding& f) {
    return json{{"id", f.id},
                {"severity", checks::to_string(f.severity)},
                {"blame", checks::to_string(f.blame)},
                {"title", f.title},
                {"clause", f.clause},
                {"detail", f.detail},
                {"frames", f.frames},
                {"client_mac", f.client ? json(f.client->to_string()) : json(nullptr)}};
}

json session_json(const analyze::Trace& trace, const analyze::ClientSession& s, const analyze::BootPath& b) {
    json offers = json::array();
    for (const auto& o : b.offers) offers.push_back(offer_json(o));
    json tftp = json::array();
    for (std::size_t ti : s.transfers) tftp.push_back(transfer_json(trace.transfers[ti]));
    std::optional<std::size_t> chosen_index = b.chosen;
    json dhcp{{"discovers", b.discover_count},
              {"offers", offers},
              {"chosen_offer", chosen_index ? json(*chosen_index) : json(nullptr)},
              {"server_id", b.ack ? ip_or_null(b.ack->server_id) : json(nullptr)},
              {"yiaddr", b.ack ? ip_or_null(b.ack->yiaddr) : json(nullptr)},
              {"boot_server", ip_or_null(b.boot_server)},
              {"bootfile", b.bootfile.empty() ? json(nullptr) : json(b.bootfile)},
              {"boot_info_from", b.governing ? json(b.governing->from_4011 ? "bootserver-4011"
                                                    : b.governing->proxy ? "proxydhcp"
                                                    : b.governing->type == wire::DhcpMessageType::Ack ? "dhcp-ack"
                                                                                                      : "dhcp-offer")
                                             : json(nullptr)},
              {"proxy_used", b.proxy_used},
              {"bootserver_4011", b.bootserver_4011},
              {"naks", b.nak_frames.size()},
              {"later_stage_requests", b.later_stage_requests}};
    json timings{{"offer", ms_since(b.first_discover_ns, b.first_offer_ns)},
                 {"ack", ms_since(b.first_discover_ns, b.ack_ns)},
                 {"boot_info", ms_since(b.first_discover_ns, b.boot_info_ns)},
                 {"tftp_start", ms_since(b.first_discover_ns, b.tftp_start_ns)},
                 {"tftp_end", ms_since(b.first_discover_ns, b.tftp_end_ns)}};
    json addrs = json::array();
    for (auto ip : s.addresses) addrs.push_back(ip.to_string());
    return json{{"client_mac", s.mac.to_string()},
                {"phase", analyze::to_string(b.phase)},
                {"addresses", addrs},
                {"dhcp", dhcp},
                {"tftp", tftp},
                {"timings_ms", timings}};
}

namespace {

void append_indent(std::string& out, int n) { out.append(static_cast<std::size_t>(n), ' '); }

/// Strings of printable ASCII without quote or backslash (nearly all of a
/// report) stand as they are; the rest go through nlohmann's escaping,
/// invalid UTF-8 included.
void append_string(std::string& out, const std::string& s) {
    const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (plain) {
        out.push_back('"');
        out.append(s);
        out.push_back('"');
    } else {
        out.append(json(s).dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

template <typename Int>
void append_integer(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

/// \p depth: the indentation of the line \p value starts on.
void append_value(std::string& out, const json& value, int depth) {
    switch (value.type()) {
        case json::value_t::object: {
            if (value.empty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            bool first = true;
            for (auto it = value.begin(); it != value.end(); ++it) {
                if (!first) out.append(",\n");
                first = false;
                append_indent(out, depth + 2);
                append_string(out, it.key());
                out.append(": ");
                append_value(out, it.value(), depth + 2);
            }
            out.push_back('\n');
            append_indent(out, depth);
            out.push_back('}');
            return;
        }
        case json::value_t::array: {
            if (value.empty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            bool first = true;
            for (const auto& element : value) {
                if (!first) out.append(",\n");
                first = false;
                append_indent(out, depth + 2);
                append_value(out, element, depth + 2);
            }
            out.push_back('\n');
            append_indent(out, depth);
            out.push_back(']');
            return;
        }
        case json::value_t::string: append_string(out, value.get_ref<const std::string&>()); return;
        case json::value_t::boolean: out.append(value.get<bool>() ? "true" : "false"); return;
        case json::value_t::null: out.append("null"); return;
        case json::value_t::number_integer: append_integer(out, value.get<json::number_integer_t>()); return;
        case json::value_t::number_unsigned: append_integer(out, value.get<json::number_unsigned_t>()); return;
        default:  // floating point (and the kinds a report never holds): nlohmann's own text
            out.append(value.dump(-1, ' ', false, json::error_handler_t::replace));
            return;
    }
}

}  // namespace

void append_pretty(std::string& out, const json& value, int indent) {
    append_indent(out, indent);
    append_value(out, value, indent);
}

}  // namespace detail

json to_json(const Analysis& a) {
    const auto& trace = *a.trace;
    json findings = json::array();
    for (const auto& f : a.findings) findings.push_back(detail::finding_json(f));
    json sessions = json::array();
    for (std::size_t i = 0; i < trace.sessions.size(); ++i)
        sessions.push_back(detail::session_json(trace, trace.sessions[i], a.boots[i]));
    json source_anomalies = json::array();
    for (const auto& an : trace.source_anomalies)
        source_anomalies.push_back(json{{"id", an.id}, {"detail", an.detail}});
    std::size_t counts[3] = {0, 0, 0};
    for (const auto& f : a.findings) ++counts[static_cast<int>(f.severity)];
    return json{{"schema", kSchema},
                {"tool", {{"name", "pxecheck"}, {"version", a.run.tool_version}}},
                {"command", a.run.command},
                {"command_line", a.run.command_line},
                {"started_at", a.run.started_at},
                {"host", a.run.host},
                {"source", {{"name", trace.source},
                            {"sha256", a.run.source_sha256.empty() ? json(nullptr) : json(a.run.source_sha256)},
                            {"frames", trace.total_frames},
                            {"linktype", trace.linktype},
                            {"anomalies", source_anomalies}}},
                {"verdict", checks::to_string(a.verdict)},
                {"counts", {{"fail", counts[2]}, {"warn", counts[1]}, {"info", counts[0]}}},
                {"findings", findings},
                {"sessions", sessions},
                {"selection", {{"only", a.options.only}, {"skip", a.options.skip}}},
                {"frames", frames_json(trace)}};
}

json catalogue_json() {
    json rules = json::array();
    for (const auto& r : checks::catalogue()) {
        rules.push_back(json{{"id", r.id},
                             {"section", r.section},
                             {"party", checks::to_string(r.party)},
                             {"title", r.title},
                             {"clause", r.clause},
                             {"severity", checks::to_string(r.severity)},
                             {"detection", checks::to_string(r.detection)},
                             {"detection_note", r.detection_note}});
    }
    return json{{"schema", "pxecheck.catalogue/1"}, {"rules", rules}};
}

namespace {
/// Markdown table cells cannot hold a bare '|'.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else out += c;
    }
    return out;
}
}  // namespace

std::string catalogue_markdown() {
    std::string out =
        "# pxecheck conformance checks\n\n"
        "Generated by `pxecheck checks --markdown` from the rule table in `src/checks/catalogue.cpp`;\n"
        "do not edit by hand (a test fails when this file is out of date).\n\n"
        "Party: who must obey the rule. Severity: the default; a finding may say more or less\n"
        "where the rule's row allows it. Detection: passive rules run on any trace (capture or live);\n"
        "active rules need a pxecheck stimulus.\n";
    std::string_view section;
    for (const auto& r : checks::catalogue()) {
        if (r.section != section) {
            section = r.section;
            out += fmt::format("\n## {}\n\n| ID | Party | Rule | Clause | Severity | Detection |\n|---|---|---|---|---|---|\n",
                               section);
        }
        out += fmt::format("| {} | {} | {} | {} | {} | {}: {} |\n", r.id, checks::to_string(r.party),
                           cell(r.title), cell(r.clause), checks::to_string(r.severity),
                           checks::to_string(r.detection), cell(r.detection_note));
    }
    return out;
}

}  // namespace pxecheck::report
