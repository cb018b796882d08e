#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json_parts.hpp"
#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report {

using nlohmann::json;

Analysis judged_analysis(RunInfo run, const analyze::Trace& trace, std::vector<analyze::BootPath> boots,
                         std::vector<checks::Finding> findings, const checks::CheckOptions& selection) {
    Analysis a;
    a.run = std::move(run);
    a.trace = &trace;
    a.boots = std::move(boots);
    a.findings = std::move(findings);
    a.options = selection;
    a.verdict = checks::verdict_of(a.findings);
    return a;
}

namespace detail {

namespace {

void write_ip_or_null(PrettyWriter& w, Ipv4Addr ip) {
    if (ip.is_zero()) w.null();
    else w.string(ip.to_string());
}
void write_ip_or_null(PrettyWriter& w, const std::optional<Ipv4Addr>& ip) {
    if (ip) w.string(ip->to_string());
    else w.null();
}
void write_ms_since(PrettyWriter& w, const std::optional<std::int64_t>& start, const std::optional<std::int64_t>& t) {
    if (!start || !t) w.null();
    else w.real(static_cast<double>(*t - *start) / 1e6);
}

// Members in nlohmann's (byte) order of their keys.
void write_offer(PrettyWriter& w, const analyze::OfferInfo& o) {
    w.begin_object();
    w.key("bootfile"), w.string_or_null(o.file);
    w.key("frame"), w.unsigned_number(o.frame_number);
    w.key("option66");
    if (o.option66) w.string(*o.option66);
    else w.null();
    w.key("proxy"), w.boolean(o.proxy);
    w.key("pxe_menu"), w.boolean(o.has_menu);
    w.key("server_id"), write_ip_or_null(w, o.server_id);
    w.key("siaddr"), write_ip_or_null(w, o.siaddr);
    w.key("source_ip"), write_ip_or_null(w, o.src_ip);
    w.key("tftp_server"), write_ip_or_null(w, o.tftp_server());
    w.key("yiaddr"), write_ip_or_null(w, o.yiaddr);
    w.end_object();
}

void write_transfer(PrettyWriter& w, const analyze::TftpTransfer& t) {
    w.begin_object();
    w.key("blksize"), w.unsigned_number(t.blksize);
    w.key("bytes"), w.unsigned_number(t.bytes);
    w.key("client"), w.string(t.client_ip.to_string() + ":" + std::to_string(t.client_port));
    w.key("complete"), w.boolean(t.complete);
    w.key("duration_ms"), w.real(static_cast<double>(t.end_ns - t.start_ns) / 1e6);
    w.key("error");
    if (t.error) {
        w.begin_object();
        w.key("code"), w.unsigned_number(t.error->code);
        w.key("frame"), w.unsigned_number(t.error->frame);
        w.key("from"), w.string(t.error->from_client ? "client" : "server");
        w.key("message"), w.string(t.error->message);
        w.end_object();
    } else {
        w.null();
    }
    w.key("file"), w.string(t.filename);
    w.key("icmp");
    if (t.unreachable) {
        const auto& u = *t.unreachable;
        w.begin_object();
        w.key("code"), w.unsigned_number(u.icmp.code);
        w.key("frame"), w.unsigned_number(u.frame);
        w.key("from"), w.string(u.icmp.src_ip.to_string());
        w.key("refused"), w.string(u.refused_client ? "client" : "server");
        w.key("text"), w.string(link::describe(u.icmp));
        w.key("type"), w.unsigned_number(u.icmp.type);
        w.end_object();
    } else {
        w.null();
    }
    w.key("request_frame"), w.unsigned_number(t.request_frame);
    w.key("retransmissions"), w.unsigned_number(t.retransmissions);
    w.key("server"), w.string(t.server_ip.to_string());
    w.key("server_tid");
    if (t.server_tid) w.unsigned_number(t.server_tid);
    else w.null();
    w.key("sha256"), w.string_or_null(t.sha256);
    w.key("tsize");
    if (t.tsize) w.unsigned_number(*t.tsize);
    else w.null();
    w.key("windowsize"), w.unsigned_number(t.windowsize);
    w.end_object();
}

}  // namespace

void write_finding(PrettyWriter& w, const checks::Finding& f) {
    w.begin_object();
    w.key("attempt");
    if (f.attempt) w.unsigned_number(*f.attempt);
    else w.null();
    w.key("blame"), w.string(checks::to_string(f.blame));
    w.key("clause"), w.string(f.clause);
    w.key("client_mac");
    if (f.client) w.string(f.client->to_string());
    else w.null();
    w.key("detail"), w.string(f.detail);
    w.key("frames"), w.begin_array();
    for (auto n : f.frames) w.unsigned_number(n);
    w.end_array();
    w.key("id"), w.string(f.id);
    w.key("severity"), w.string(checks::to_string(f.severity));
    w.key("title"), w.string(f.title);
    w.end_object();
}

void write_session(PrettyWriter& w, const analyze::Trace& trace, const analyze::ClientSession& s,
                   const analyze::BootPath& b) {
    w.begin_object();
    w.key("addresses"), w.begin_array();
    for (auto ip : s.addresses) w.string(ip.to_string());
    w.end_array();
    w.key("attempt"), w.unsigned_number(s.attempt);
    w.key("client_mac"), w.string(s.mac.to_string());
    w.key("dhcp"), w.begin_object();
    w.key("boot_info_from");
    if (b.governing)
        w.string(b.governing->from_4011 ? "bootserver-4011"
                 : b.governing->proxy   ? "proxydhcp"
                 : b.governing->type == wire::DhcpMessageType::Ack ? "dhcp-ack"
                                                                    : "dhcp-offer");
    else
        w.null();
    w.key("boot_server"), write_ip_or_null(w, b.boot_server);
    w.key("bootfile"), w.string_or_null(b.bootfile);
    w.key("bootserver_4011"), w.boolean(b.bootserver_4011);
    w.key("chosen_offer");
    if (b.chosen) w.unsigned_number(*b.chosen);
    else w.null();
    w.key("discovers"), w.unsigned_number(b.discover_count);
    w.key("later_stage_requests"), w.unsigned_number(b.later_stage_requests);
    w.key("naks"), w.unsigned_number(b.nak_frames.size());
    w.key("offers"), w.begin_array();
    for (const auto& o : b.offers) write_offer(w, o);
    w.end_array();
    w.key("proxy_used"), w.boolean(b.proxy_used);
    w.key("server_id");
    if (b.lease) write_ip_or_null(w, b.lease->server_id);
    else w.null();
    w.key("yiaddr");
    if (b.lease) write_ip_or_null(w, b.lease->yiaddr);
    else w.null();
    w.end_object();
    w.key("earlier"), w.begin_object();
    w.key("attempts"), w.unsigned_number(s.earlier.count);
    w.key("downloaded"), w.string_or_null(s.earlier.downloaded);
    w.end_object();
    w.key("ended_by");
    if (b.end != analyze::AttemptEnd::None) w.string(analyze::to_string(b.end));
    else w.null();
    w.key("next_attempt");
    if (s.next.attempt) w.unsigned_number(s.next.attempt);
    else w.null();
    w.key("phase"), w.string(analyze::to_string(b.phase));
    w.key("stage"), w.string(analyze::to_string(s.stage));
    w.key("tftp"), w.begin_array();
    for (std::size_t ti : s.transfers) write_transfer(w, trace.transfers[ti]);
    w.end_array();
    w.key("timings_ms"), w.begin_object();
    w.key("ack"), write_ms_since(w, b.first_discover_ns, b.ack_ns);
    w.key("boot_info"), write_ms_since(w, b.first_discover_ns, b.boot_info_ns);
    w.key("offer"), write_ms_since(w, b.first_discover_ns, b.first_offer_ns);
    w.key("tftp_end"), write_ms_since(w, b.first_discover_ns, b.tftp_end_ns);
    w.key("tftp_start"), write_ms_since(w, b.first_discover_ns, b.tftp_start_ns);
    w.end_object();
    w.end_object();
}

json finding_json(const checks::Finding& f) {
    std::string text;
    PrettyWriter w(text, 0);
    write_finding(w, f);
    return json::parse(text);
}

json session_json(const analyze::Trace& trace, const analyze::ClientSession& s, const analyze::BootPath& b) {
    std::string text;
    PrettyWriter w(text, 0);
    write_session(w, trace, s, b);
    return json::parse(text);
}

namespace {

void append_indent(std::string& out, int n) { out.append(static_cast<std::size_t>(n), ' '); }

/// Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms,
/// no surrogates, nothing past U+10FFFF) that starts \p s at \p at; 0 if
/// there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t at) {
    const auto b = [&](std::size_t i) { return at + i < s.size() ? static_cast<unsigned char>(s[at + i]) : 0u; };
    const auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xbf) { return b(i) >= lo && b(i) <= hi; };
    const unsigned c = b(0);
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
    if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
    if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

/// Strings are escaped here as nlohmann escapes them with ensure_ascii off:
/// the short escapes, a six-character \\u escape for other control
/// characters, DEL and well-formed UTF-8 as they are. A string with bytes
/// that are not UTF-8 goes through nlohmann itself, so that they become
/// U+FFFD exactly as in dump().
void append_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::size_t mark = out.size();
    out.push_back('"');
    std::size_t from = 0;  // start of the run not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(s, i);
            if (n == 0) {
                out.resize(mark);
                out.append(json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
                return;
            }
            i += n - 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.substr(from, i - from));
        from = i + 1;
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                out.append("\\u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0x0f]);
        }
    }
    out.append(s.substr(from));
    out.push_back('"');
}

template <typename Int>
void append_integer(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

PrettyWriter::PrettyWriter(std::string& out, int indent) : out_(out), base_(indent) {
    append_indent(out_, base_);
}

char* PrettyWriter::grow(std::size_t n) {
    const std::size_t old = out_.size();
    out_.resize(old + n);
    return out_.data() + old;
}

void PrettyWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (levels_.empty()) return;
    // ",\n" or "\n", then the indent, in one piece: a report is mostly this.
    Level& l = levels_.back();
    const bool comma = !l.empty;
    l.empty = false;
    const auto indent = static_cast<std::size_t>(base_ + 2 * static_cast<int>(levels_.size()));
    char* p = grow(std::size_t{comma} + 1 + indent);
    if (comma) *p++ = ',';
    *p++ = '\n';
    std::memset(p, ' ', indent);
}

void PrettyWriter::open(char bracket) {
    before_value();
    out_.push_back(bracket);
    levels_.push_back(Level{bracket == '{', true});
}

void PrettyWriter::close(char bracket) {
    const bool empty = levels_.back().empty;
    levels_.pop_back();
    if (!empty) {
        out_.push_back('\n');
        append_indent(out_, base_ + 2 * static_cast<int>(levels_.size()));
    }
    out_.push_back(bracket);
}

void PrettyWriter::begin_object() { open('{'); }
void PrettyWriter::end_object() { close('}'); }
void PrettyWriter::begin_array() { open('['); }
void PrettyWriter::end_array() { close(']'); }

namespace {
/// Printable ASCII with nothing to escape: copied as it is. Eight bytes at
/// a time (findings' details and titles are long): a byte below 0x20, of
/// 0x7f or above, '"' or '\\' anywhere sets a high bit in `bad`.
bool plain(std::string_view s) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        const std::uint64_t bad = (x & kHigh)                         // 0x80 and above
                                  | ((x - kOnes * 0x20) & ~x & kHigh)  // below 0x20
                                  | has_zero(x ^ (kOnes * 0x7f))       // DEL
                                  | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\'));
        if (bad) return false;
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
}
}  // namespace

void PrettyWriter::key(Key k) {
    before_value();
    const std::string_view name = k.text();
    char* p = grow(name.size() + 4);
    *p++ = '"';
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    std::memcpy(p, "\": ", 3);
    after_key_ = true;
}

void PrettyWriter::string(std::string_view v) {
    before_value();
    if (plain(v)) {
        char* p = grow(v.size() + 2);
        *p++ = '"';
        std::memcpy(p, v.data(), v.size());
        p[v.size()] = '"';
    } else {
        append_string(out_, v);
    }
}

void PrettyWriter::hex_string(ByteView bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    before_value();
    char* p = grow(bytes.size() * 2 + 2);
    *p++ = '"';
    for (const std::uint8_t b : bytes) {
        *p++ = kDigits[b >> 4];
        *p++ = kDigits[b & 0x0f];
    }
    *p = '"';
}

void PrettyWriter::string_or_null(std::string_view v) {
    if (v.empty()) null();
    else string(v);
}

void PrettyWriter::unsigned_number(std::uint64_t v) {
    before_value();
    append_integer(out_, v);
}

void PrettyWriter::boolean(bool v) {
    before_value();
    out_.append(v ? "true" : "false");
}

void PrettyWriter::null() {
    before_value();
    out_.append("null");
}

void PrettyWriter::real(double v) {
    before_value();
    // What nlohmann's dump() writes for a double, without building a json.
    if (!std::isfinite(v)) {
        out_.append("null");
        return;
    }
    char buf[64];
    const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<std::size_t>(end - buf));
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
