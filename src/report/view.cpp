#include "view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/report/render.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/option_catalog.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace pxecheck::report {

namespace view {

std::string str(const json& j, std::string_view key, std::string_view fallback) {
    if (!j.is_object()) return std::string(fallback);
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::string(fallback);
    return it->get<std::string>();
}

std::optional<double> num(const json& j, std::string_view key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

const json& arr(const json& j, std::string_view key) {
    static const json empty = json::array();
    if (!j.is_object()) return empty;
    auto it = j.find(key);
    return it != j.end() && it->is_array() ? *it : empty;
}

const json& obj(const json& j, std::string_view key) {
    static const json empty = json::object();
    if (!j.is_object()) return empty;
    auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : empty;
}

std::size_t count_of(const json& j, std::string_view key, std::size_t fallback) {
    const auto v = num(j, key);
    if (!v || !(*v >= 0) || *v > 9007199254740992.0) return fallback;
    return static_cast<std::size_t>(*v);
}

int int_of(const json& j, std::string_view key, int fallback) {
    const auto v = num(j, key);
    if (!v || !(*v >= -2147483648.0) || *v > 2147483647.0) return fallback;
    return static_cast<int>(*v);
}

bool flag(const json& j, std::string_view key) {
    if (!j.is_object()) return false;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

int severity_rank(std::string_view s) {
    if (s == "fail") return 3;
    if (s == "warn") return 2;
    if (s == "info") return 1;
    return 0;
}

std::string seconds(double ms) { return fmt::format("+{:.3f} s", ms / 1000.0); }

std::string duration(double ms) {
    if (ms < 0) ms = 0;
    if (ms < 10) return fmt::format("{:.1f} ms", ms);
    if (ms < 1000) return fmt::format("{:.0f} ms", ms);
    return fmt::format("{:.2f} s", ms / 1000.0);
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::vector<std::size_t> frame_numbers(const json& j, std::string_view key) {
    std::vector<std::size_t> out;
    for (const auto& n : arr(j, key))
        if (n.is_number_unsigned() || n.is_number_integer()) out.push_back(n.get<std::size_t>());
    return out;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return s;
}

std::string blame_words(std::string_view blame) {
    if (blame == "config") return "the master's configuration";
    if (blame == "master") return "the master's server software";
    if (blame == "nic") return "the NIC's boot firmware";
    if (blame == "network") return "the network";
    return "unknown";
}

std::string blame_action(std::string_view blame, std::string_view severity) {
    const bool must = severity == "fail";
    if (blame == "config")
        return must ? "fix the master's configuration" : "worth correcting in the master's configuration";
    if (blame == "master")
        return must ? "the master's server software must be fixed or replaced"
                    : "worth fixing in the master's server software, though most NICs cope";
    if (blame == "nic")
        return must ? "the NIC's boot firmware is at fault: update it or boot with other firmware"
                    : "a quirk of the NIC's boot firmware that masters are expected to cope with";
    if (blame == "network")
        return must ? "fix the network between the NIC and the master"
                    : "worth checking in the network between the NIC and the master";
    return must ? "must be fixed" : "worth a look";
}

std::string phase_words(std::string_view phase) {
    if (phase == "silent") return "the NIC sent no DHCP request";
    if (phase == "discovering") return "the NIC asked for an address, but no server offered one";
    if (phase == "offered") return "servers offered an address, but the NIC never got one confirmed";
    if (phase == "requesting") return "the NIC asked for an address again (INIT-REBOOT), but got none confirmed";
    if (phase == "bound") return "the NIC got an address, but no usable boot server and file";
    if (phase == "boot-info") return "the NIC knew which file to fetch, but no download started";
    if (phase == "downloading") return "the download started, but no boot file arrived complete";
    if (phase == "downloaded") return "the boot file arrived complete";
    return std::string(phase);
}

std::string boot_info_words(std::string_view from) {
    if (from == "bootserver-4011") return "boot server on UDP 4011";
    if (from == "proxydhcp") return "proxyDHCP offer";
    if (from == "dhcp-ack") return "DHCP ACK";
    if (from == "dhcp-offer") return "DHCP OFFER";
    return std::string(from);
}

std::string detail_head(std::string_view detail) {
    // Cut at the first ": " or "; " that is outside parentheses and quotes
    // and leaves enough to stand alone.
    constexpr std::size_t kMinHead = 40;
    int depth = 0;
    bool quoted = false;
    std::size_t cut = std::string_view::npos;
    for (std::size_t i = 0; i + 1 < detail.size(); ++i) {
        const char c = detail[i];
        if (c == '"') quoted = !quoted;
        else if (!quoted && c == '(') ++depth;
        else if (!quoted && c == ')' && depth > 0) --depth;
        else if (!quoted && depth == 0 && i >= kMinHead && (c == ':' || c == ';') && detail[i + 1] == ' ') {
            cut = i;
            break;
        }
    }
    std::string head(detail.substr(0, cut));
    while (!head.empty() && (head.back() == '.' || head.back() == ' ')) head.pop_back();
    return head;
}

std::string serve_phase_words(std::string_view phase) {
    if (phase == "discover") return "sent DISCOVER, took no OFFER";
    if (phase == "offer") return "was offered, sent no REQUEST";
    if (phase == "request") return "sent a REQUEST, got no ACK";
    if (phase == "ack") return "got its address, fetched nothing";
    if (phase == "4011") return "asked the boot server (4011), fetched nothing";
    if (phase == "tftp") return "started a download, no boot file arrived complete";
    if (phase == "tftp-done") return "downloaded its boot file";
    return std::string(phase);
}

std::string arch_words(const json& nic) {
    const std::string name = str(nic, "arch_name");
    const auto code = num(nic, "arch");
    if (!code) return name.empty() ? "none announced" : name;
    const std::string number = fmt::format("{:.0f}", *code);
    return name.empty() ? "type " + number : name + " (" + number + ")";
}

std::string stop_words(std::string_view stopped_by) {
    if (stopped_by == "signal") return "stopped by hand (Ctrl-C or SIGTERM)";
    if (stopped_by == "time-limit") return "its --time-limit ran out";
    if (stopped_by == "exit-after") return "enough NICs had their boot file (--exit-after)";
    return std::string(stopped_by);
}

std::string mac_mode_words(std::string_view mode) {
    if (mode == "keep") return "the captured client's own MAC";
    if (mode == "rewrite") return "a locally administered MAC made from the captured one (--mac rewrite)";
    if (mode == "explicit") return "the MAC given with --mac";
    return std::string(mode);
}

std::string nics_sentence(const json& nics) {
    if (!nics.is_array() || nics.empty()) return "No NIC booted from the reference master.";
    std::size_t pass = 0, warn = 0, fail = 0, done = 0;
    for (const auto& n : nics) {
        const std::string v = str(n, "verdict");
        pass += v == "pass";
        warn += v == "warn";
        fail += v == "fail";
        done += flag(n, "file_complete");
    }
    std::string parts;
    auto part = [&](std::size_t k, std::string_view word) {
        if (k) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", k, word);
    };
    part(pass, "passed");
    part(warn, "passed with warnings");
    part(fail, "failed");
    const std::string who = done == 0                          ? "none downloaded its"
                            : done == nics.size() && done > 1 ? "all downloaded their"
                            : done == 1                       ? "1 downloaded its"
                                                              : std::to_string(done) + " downloaded their";
    return fmt::format("{} booted from the reference master{}{}; {} boot file.", plural(nics.size(), "NIC", "NICs"),
                       parts.empty() ? "" : ": ", parts, who);
}

std::size_t replay_differences(const json& replay) {
    std::size_t n = 0;
    for (const auto& row : arr(replay, "comparisons")) n += !flag(row, "same");
    return n;
}

std::string replay_sentence(const json& replay) {
    const std::size_t rows = arr(replay, "comparisons").size();
    if (rows == 0) return "The replay compared no field of the master's answers.";
    const std::size_t diff = replay_differences(replay);
    if (diff == 0)
        return fmt::format("The master answers as it did in the capture ({} compared).",
                           plural(rows, "field", "fields"));
    return fmt::format("The master answers {} of {} compared fields differently than in the capture.", diff, rows);
}

bool replay_differs(const json& report) {
    // A replay's question is whether the master still answers as in the
    // capture: a difference makes the page's verdict (and the exit code)
    // a failure, whatever the rules found in the live run. A report that
    // could not be read to the end stays an error.
    return str(report, "verdict", "error") != "error" && replay_differences(obj(report, "replay")) > 0;
}

std::string probes_sentence(const json& probes) {
    if (!probes.is_array() || probes.empty()) return "No active probe ran.";
    std::size_t pass = 0, fail = 0, other = 0;
    for (const auto& p : probes) {
        const std::string r = str(p, "result");
        if (r == "pass") ++pass;
        else if (r == "fail") ++fail;
        else ++other;
    }
    std::string parts;
    auto part = [&](std::size_t k, std::string_view word) {
        if (k) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", k, word);
    };
    part(pass, "passed");
    part(fail, "failed");
    part(other, "could not be applied");
    return fmt::format("{}: {}.", plural(probes.size(), "active probe", "active probes"), parts);
}

bool Endpoint::mac_usable() const {
    if (mac.empty() || mac == "00:00:00:00:00:00") return false;
    // Group bit of the first octet: broadcast and multicast name no one host.
    const int first = std::strtol(mac.substr(0, 2).c_str(), nullptr, 16);
    return (first & 1) == 0;
}
bool Endpoint::ip_usable() const { return !ip.empty() && ip != "0.0.0.0" && ip != "255.255.255.255"; }
bool Endpoint::broadcast() const {
    if (!mac.empty()) return !mac_usable() && mac != "00:00:00:00:00:00";
    return ip == "255.255.255.255";
}

Endpoint parse_endpoint(std::string_view text) {
    Endpoint e;
    if (text.empty() || text == "?") return e;
    std::string_view rest = text;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        e.mac = std::string(text.substr(0, slash));
        rest = text.substr(slash + 1);
    } else if (std::count(text.begin(), text.end(), ':') == 5) {
        e.mac = std::string(text);
        return e;
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        e.ip = std::string(rest.substr(0, colon));
        e.port = std::string(rest.substr(colon + 1));
    } else {
        e.ip = std::string(rest);
    }
    return e;
}

namespace {

std::string protocol_word(std::string_view p) {
    if (p == "dhcp") return "DHCP";
    if (p == "bootserver") return "PXE 4011";
    if (p == "tftp") return "TFTP";
    if (p == "arp") return "ARP";
    return "other";
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::vector<Phase> phases_of(const json& session) {
    const json& t = obj(session, "timings_ms");
    const auto offer = num(t, "offer"), ack = num(t, "ack"), info = num(t, "boot_info"),
               start = num(t, "tftp_start"), end = num(t, "tftp_end");
    std::vector<Phase> out;
    const bool any_discover = [&] {
        const json& d = obj(session, "dhcp");
        auto n = num(d, "discovers");
        return n && *n > 0;
    }();
    out.push_back({"Ask for an address", "DHCP DISCOVER to the first OFFER", any_discover ? std::optional(0.0) : std::nullopt,
                   offer, offer.has_value()});
    out.push_back({"Take the address", "REQUEST to ACK", offer, ack, ack.has_value()});
    // Boot information that came with the address needs no phase of its own.
    const bool separate_info = !info || !ack || *info > *ack + 0.001;
    if (separate_info)
        out.push_back({"Learn what to boot", "which server, which file (proxy, 4011)", ack, info,
                       info.has_value()});
    std::optional<double> ready = info && ack ? std::optional(std::max(*info, *ack)) : info ? info : ack;
    out.push_back({"Start the download", "first TFTP request", ready, start, start.has_value()});
    out.push_back({"Download the boot files", "every TFTP transfer of the client", start, end,
                   start.has_value() && end.has_value()});
    // A phase whose start is unknown starts where the one before ended.
    for (std::size_t i = 1; i < out.size(); ++i)
        if (!out[i].start_ms) out[i].start_ms = out[i - 1].end_ms;
    return out;
}

}  // namespace

Model build(const json& report) {
    Model m;
    m.report = &report;
    m.verdict = str(report, "verdict", "error");
    if (replay_differs(report)) m.verdict = "fail";
    m.headline = verdict_headline(report);
    m.sentence = verdict_sentence(report);
    m.linktype = int_of(obj(report, "source"), "linktype", 1);

    for (const auto& f : arr(report, "findings")) {
        Finding x{str(f, "id"), str(f, "severity"), str(f, "blame"), str(f, "title"), str(f, "clause"),
                  str(f, "detail"), str(f, "client_mac"), frame_numbers(f)};
        m.findings.push_back(std::move(x));
    }

    // Columns: the clients (NICs) first, then the master(s), then the rest.
    std::set<std::string> master_ips;
    for (const auto& s : arr(report, "sessions")) {
        Session sess{str(s, "client_mac"), str(s, "phase"), str(s, "client_mac"), &s, phases_of(s)};
        m.sessions.push_back(std::move(sess));
        const json& d = obj(s, "dhcp");
        for (auto key : {"server_id", "boot_server"})
            if (auto v = str(d, key); !v.empty()) master_ips.insert(v);
        const json& offers = arr(d, "offers");
        if (auto chosen = num(d, "chosen_offer"); chosen && *chosen >= 0 && *chosen < static_cast<double>(offers.size())) {
            const json& o = offers[static_cast<std::size_t>(*chosen)];
            for (auto key : {"server_id", "source_ip", "tftp_server"})
                if (auto v = str(o, key); !v.empty()) master_ips.insert(v);
        }
        for (const auto& t : arr(s, "tftp"))
            if (auto v = str(t, "server"); !v.empty()) master_ips.insert(v);
    }

    std::vector<Column> cols;
    std::map<std::string, std::size_t> by_key;
    auto column_for = [&](const Endpoint& e, bool create) -> std::optional<std::size_t> {
        std::string key = e.mac_usable() ? e.mac : e.ip_usable() ? e.ip : "";
        if (key.empty()) return std::nullopt;
        if (auto it = by_key.find(key); it != by_key.end()) return it->second;
        if (!e.mac_usable()) {
            // Raw-IP links: an address another column already holds.
            for (std::size_t i = 0; i < cols.size(); ++i)
                if (std::find(cols[i].ips.begin(), cols[i].ips.end(), key) != cols[i].ips.end()) return i;
        }
        if (!create) return std::nullopt;
        Column c;
        c.key = key;
        c.mac = e.mac_usable() ? e.mac : "";
        cols.push_back(std::move(c));
        by_key[key] = cols.size() - 1;
        return cols.size() - 1;
    };
    for (const auto& s : m.sessions) {
        Endpoint e;
        e.mac = s.mac;
        column_for(e, true);
    }
    const json& frames = arr(report, "frames");
    for (const auto& f : frames) {
        const Endpoint src = parse_endpoint(str(f, "src"));
        const Endpoint dst = parse_endpoint(str(f, "dst"));
        if (auto c = column_for(src, true)) {
            if (src.ip_usable()) add_unique(cols[*c].ips, src.ip);
            cols[*c].sends.insert(protocol_word(str(f, "protocol")));
        }
        if (!dst.broadcast()) {
            if (auto c = column_for(dst, true); c && dst.ip_usable() && str(f, "protocol") != "arp")
                add_unique(cols[*c].ips, dst.ip);
        }
    }
    std::set<std::string> clients;
    for (const auto& s : m.sessions) clients.insert(s.mac);
    for (auto& c : cols) {
        if (clients.count(c.key)) {
            c.role = "NIC";
            continue;
        }
        const bool master = std::any_of(c.ips.begin(), c.ips.end(), [&](const auto& ip) { return master_ips.count(ip); });
        if (master) c.role = "master";
        else if (c.sends.count("DHCP") || c.sends.count("PXE 4011")) c.role = "other DHCP server";
        else if (c.sends.count("TFTP")) c.role = "other server";
        else c.role = "other host";
    }
    // Order: NICs, masters, others (each in order of appearance).
    std::vector<std::size_t> order;
    for (int pass = 0; pass < 3; ++pass)
        for (std::size_t i = 0; i < cols.size(); ++i) {
            const int rank = cols[i].role == "NIC" ? 0 : cols[i].role == "master" ? 1 : 2;
            if (rank == pass) order.push_back(i);
        }
    std::vector<std::size_t> new_index(cols.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        new_index[order[i]] = i;
        m.columns.push_back(cols[order[i]]);
    }
    auto final_column = [&](const Endpoint& e) -> std::optional<std::size_t> {
        auto c = column_for(e, false);
        if (!c) return std::nullopt;
        return new_index[*c];
    };
    std::optional<std::size_t> broadcast_column;
    auto need_broadcast = [&]() {
        if (!broadcast_column) {
            Column c;
            c.key = "broadcast";
            c.role = "broadcast";
            m.columns.push_back(c);
            broadcast_column = m.columns.size() - 1;
        }
        return *broadcast_column;
    };
    std::map<std::string, std::size_t> nic_column;
    for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (m.columns[i].role == "NIC") nic_column[m.columns[i].key] = i;

    for (std::size_t i = 0; i < frames.size(); ++i) {
        const json& f = frames[i];
        Arrow a;
        a.entry = i;
        const Endpoint src = parse_endpoint(str(f, "src"));
        const Endpoint dst = parse_endpoint(str(f, "dst"));
        auto from = final_column(src);
        a.from = from ? *from : need_broadcast();
        std::optional<std::size_t> to = dst.broadcast() ? std::nullopt : final_column(dst);
        if (!to) {
            a.broadcast = dst.broadcast() || dst.mac.empty();
            std::vector<std::size_t> targets;
            const bool from_nic = m.columns[a.from].role == "NIC";
            if (from_nic) {
                for (std::size_t c = 0; c < m.columns.size(); ++c)
                    if (m.columns[c].role != "NIC" && m.columns[c].role != "broadcast") targets.push_back(c);
            } else if (auto it = nic_column.find(str(f, "client_mac")); it != nic_column.end()) {
                targets.push_back(it->second);
            } else {
                for (auto& [k, c] : nic_column) targets.push_back(c);
            }
            targets.erase(std::remove(targets.begin(), targets.end(), a.from), targets.end());
            if (targets.empty()) targets.push_back(need_broadcast());
            auto farthest = std::max_element(targets.begin(), targets.end(), [&](std::size_t x, std::size_t y) {
                return std::abs(static_cast<long>(x) - static_cast<long>(a.from)) <
                       std::abs(static_cast<long>(y) - static_cast<long>(a.from));
            });
            a.to = *farthest;
            for (auto t : targets)
                if (t != a.to) a.via.push_back(t);
        } else {
            a.to = *to;
        }
        m.arrows.push_back(std::move(a));
    }

    // Which entry shows each cited frame: the frame itself, else its TFTP run.
    for (std::size_t i = 0; i < frames.size(); ++i)
        if (!frames[i].contains("run") || frames[i]["run"].is_null())
            if (auto n = count_of(frames[i], "number"); n > 0) m.entry_of_frame[n] = i;
    for (const auto& f : m.findings) {
        for (auto n : f.frames) {
            m.cited.insert(n);
            if (!m.entry_of_frame.count(n)) {
                for (std::size_t i = 0; i < frames.size(); ++i) {
                    const auto first = num(frames[i], "number"), last = num(frames[i], "last_number");
                    if (first && last && *first <= static_cast<double>(n) && static_cast<double>(n) <= *last &&
                        frames[i].contains("run") && !frames[i]["run"].is_null()) {
                        m.entry_of_frame[n] = i;
                        break;
                    }
                }
            }
            auto it = m.entry_of_frame.find(n);
            if (it == m.entry_of_frame.end()) continue;
            auto& a = m.arrows[it->second];
            if (severity_rank(f.severity) > severity_rank(a.mark)) a.mark = f.severity;
            if (std::find(a.cited_by.begin(), a.cited_by.end(), f.id) == a.cited_by.end()) a.cited_by.push_back(f.id);
        }
    }
    // A machine with several boot attempts (ROM, iPXE, the NBP's DHCP; a
    // boot loop) has a session for each: name which one.
    std::map<std::string, int> per_mac;
    for (const auto& sess : m.sessions) ++per_mac[sess.mac];
    for (auto& sess : m.sessions) {
        if (per_mac[sess.mac] < 2 || !sess.raw) continue;
        const std::string stage = str(*sess.raw, "stage");
        const json* attempt = sess.raw->contains("attempt") ? &(*sess.raw)["attempt"] : nullptr;
        if (attempt && attempt->is_number_unsigned())
            sess.label += fmt::format(", attempt {}{}", attempt->get<std::uint64_t>(),
                                      stage.empty() ? std::string() : " (" + stage + ")");
    }
    return m;
}

std::vector<std::string> hex_dump(std::string_view hex) {
    auto bytes = from_hex(hex);
    std::vector<std::string> lines;
    if (!bytes) return lines;
    for (std::size_t off = 0; off < bytes->size(); off += 16) {
        std::string h, a;
        for (std::size_t i = 0; i < 16; ++i) {
            if (off + i < bytes->size()) {
                const auto b = (*bytes)[off + i];
                h += fmt::format("{:02x} ", b);
                a += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '.';
            } else {
                h += "   ";
            }
            if (i == 7) h += ' ';
        }
        lines.push_back(fmt::format("{:04x}  {} {}", off, h, a));
    }
    return lines;
}

std::vector<Field> decode_fields(int linktype, std::string_view hex) {
    std::vector<Field> out;
    auto bytes = from_hex(hex);
    if (!bytes) return out;
    auto add = [&](std::string section, std::string name, std::string value) {
        out.push_back({std::move(section), std::move(name), std::move(value)});
    };
    const auto d = link::decode_frame(linktype, *bytes);
    if (!d.src_mac.is_zero() || !d.dst_mac.is_zero()) {
        add("Link", "source MAC", d.src_mac.to_string());
        add("Link", "destination MAC", d.dst_mac.to_string() + (d.dst_mac.is_broadcast() ? " (broadcast)" : ""));
    }
    for (auto v : d.vlans) add("Link", "802.1Q VLAN", std::to_string(v));
    add("Link", "frame", fmt::format("{} octets, {}", bytes->size(), link::to_string(d.kind)));
    if (d.arp) {
        const auto& a = *d.arp;
        add("ARP", "operation", a.operation == 1 ? "1 (request)" : a.operation == 2 ? "2 (reply)" : std::to_string(a.operation));
        add("ARP", "sender", a.sender_mac.to_string() + " " + a.sender_ip.to_string());
        add("ARP", "target", a.target_mac.to_string() + " " + a.target_ip.to_string());
    }
    if (d.fragment) add("IPv4", "fragment", fmt::format("offset {}, {} octets (reassembled in the trace)",
                                                        d.fragment->offset_bytes, d.fragment->data.size()));
    if (d.udp) {
        const auto& u = *d.udp;
        auto check = [](const std::optional<bool>& ok) { return !ok ? std::string("not checked") : *ok ? std::string("correct") : std::string("WRONG"); };
        add("IPv4/UDP", "source", u.src_ip.to_string() + ":" + std::to_string(u.src_port));
        add("IPv4/UDP", "destination", u.dst_ip.to_string() + ":" + std::to_string(u.dst_port));
        add("IPv4/UDP", "TTL", std::to_string(u.ttl));
        add("IPv4/UDP", "checksums", "IP " + check(u.ip_checksum_ok) + ", UDP " + check(u.udp_checksum_ok));
        add("IPv4/UDP", "payload", fmt::format("{} octets{}", u.payload.size(), u.complete ? "" : " (cut by the snap length)"));
        // frames[] holds what the trace kept, so a datagram that is not DHCP
        // by the trace's rule is TFTP.
        if (wire::carries_dhcp(wire::classify_udp(u.src_port, u.dst_port))) {
            auto dd = wire::decode_dhcp(u.payload);
            const auto& msg = dd.msg;
            const std::string sec = "BOOTP/DHCP";
            add(sec, "op", msg.op == 1 ? "1 (request)" : msg.op == 2 ? "2 (reply)" : std::to_string(msg.op));
            add(sec, "htype / hlen / hops", fmt::format("{} / {} / {}", msg.htype, msg.hlen, msg.hops));
            add(sec, "xid", fmt::format("0x{:08x}", msg.xid));
            add(sec, "secs", std::to_string(msg.secs));
            add(sec, "flags", fmt::format("0x{:04x}{}", msg.flags, msg.broadcast_flag() ? " (broadcast)" : ""));
            add(sec, "ciaddr (client's own)", msg.ciaddr.to_string());
            add(sec, "yiaddr (your address)", msg.yiaddr.to_string());
            add(sec, "siaddr (next server)", msg.siaddr.to_string());
            add(sec, "giaddr (relay)", msg.giaddr.to_string());
            add(sec, "chaddr", msg.client_mac().to_string());
            add(sec, "sname", msg.sname_field().empty() ? "(empty)" : "\"" + msg.sname_field() + "\"");
            add(sec, "file", msg.file_field().empty() ? "(empty)" : "\"" + msg.file_field() + "\"");
            if (dd.header_complete && msg.has_cookie) {
                for (const auto& o : msg.options) {
                    if (o.code == wire::opt::kPad || o.code == wire::opt::kEnd) continue;
                    const auto* info = wire::option_info(o.code);
                    add("DHCP options", info ? fmt::format("{} {}", o.code, info->name) : fmt::format("{} (unknown)", o.code),
                        wire::format_option_value(o.code, o.data));
                }
            } else if (!dd.header_complete) {
                add(sec, "header", "truncated");
            }
            for (const auto& an : dd.anomalies) add("Anomalies", an.id, an.detail);
        } else {
            auto td = wire::decode_tftp(u.payload);
            const auto& p = td.pkt;
            const std::string sec = "TFTP";
            add(sec, "opcode", fmt::format("{} ({})", p.opcode, wire::to_string(static_cast<wire::TftpOpcode>(p.opcode))));
            switch (p.op().value_or(wire::TftpOpcode::Rrq)) {
                case wire::TftpOpcode::Rrq:
                case wire::TftpOpcode::Wrq:
                    add(sec, "file", "\"" + printable(ByteView(reinterpret_cast<const std::uint8_t*>(p.filename.data()), p.filename.size())) + "\"");
                    add(sec, "mode", p.mode);
                    for (const auto& o : p.options) add(sec, "option " + o.name, o.value);
                    break;
                case wire::TftpOpcode::Oack:
                    for (const auto& o : p.options) add(sec, "option " + o.name, o.value);
                    break;
                case wire::TftpOpcode::Data:
                    add(sec, "block", std::to_string(p.block));
                    add(sec, "data", fmt::format("{} octets", p.data.size()));
                    break;
                case wire::TftpOpcode::Ack:
                    add(sec, "block", std::to_string(p.block));
                    break;
                case wire::TftpOpcode::Error:
                    add(sec, "error code", fmt::format("{} ({})", p.error_code,
                                                       wire::to_string(static_cast<wire::TftpErrorCode>(p.error_code))));
                    add(sec, "message", "\"" + p.error_message + "\"");
                    break;
            }
            for (const auto& an : td.anomalies) add("Anomalies", an.id, an.detail);
        }
    }
    for (const auto& an : d.anomalies) add("Anomalies", an.id, an.detail);
    return out;
}

}  // namespace view

// --- verdict in words, comments, schema check (public, render.hpp) --------

using nlohmann::json;

namespace {
const json* worst_finding(const json& report) {
    const json* worst = nullptr;
    for (const auto& f : view::arr(report, "findings"))
        if (!worst || view::severity_rank(view::str(f, "severity")) > view::severity_rank(view::str(*worst, "severity")))
            worst = &f;
    return worst;
}
std::string capitalized(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}
}  // namespace

std::string verdict_headline(const json& report) {
    const std::string verdict = view::str(report, "verdict", "error");
    const json& counts = view::obj(report, "counts");
    const auto fails = view::count_of(counts, "fail");
    const auto warns = view::count_of(counts, "warn");
    if (view::replay_differs(report)) {
        const json& replay = view::obj(report, "replay");
        return fmt::format("Different: the master answers {} of {} compared fields otherwise than in the capture.",
                           view::replay_differences(replay), view::arr(replay, "comparisons").size());
    }
    if (verdict == "fail") return "Failed: " + view::plural(fails, "problem", "problems") + " must be fixed.";
    if (verdict == "warn") return "Passed, with " + view::plural(warns, "warning", "warnings") + ".";
    if (verdict == "pass") return "Passed: the boot follows every rule checked.";
    return "Incomplete: the capture could not be read to the end.";
}

std::string verdict_sentence(const json& report) {
    const std::string verdict = view::str(report, "verdict", "error");
    std::string prefix;
    if (verdict == "error") {
        std::string why;
        for (const auto& a : view::arr(view::obj(report, "source"), "anomalies")) {
            why = view::str(a, "detail");
            if (!why.empty()) break;
        }
        prefix = (why.empty() ? std::string("The capture is damaged") : capitalized(why)) +
                 "; the findings cover only the frames read before the damage.";
    }
    const json* worst = worst_finding(report);
    // Notes (info) are context, not something to fix: they never make the
    // headline sentence.
    if (!worst || view::severity_rank(view::str(*worst, "severity")) < view::severity_rank("warn")) {
        if (!prefix.empty()) return prefix;
        const auto notes = view::arr(report, "findings").size();
        return "Nothing to fix: every rule checked on this exchange holds" +
               (notes ? " (" + view::plural(notes, "note", "notes") + " for information below)." : std::string("."));
    }
    const std::string sev = view::str(*worst, "severity");
    std::string s = capitalized(view::detail_head(view::str(*worst, "detail"))) + ": " +
                    view::blame_action(view::str(*worst, "blame"), sev) + " (" + view::str(*worst, "id") + ").";
    return prefix.empty() ? s : prefix + " " + s;
}

std::map<std::size_t, std::vector<std::string>> frame_comments(const json& report) {
    std::map<std::size_t, std::vector<std::string>> out;
    for (const auto& f : view::arr(report, "findings")) {
        const std::string text = fmt::format("{} {} (blame {}): {}", view::str(f, "id"), view::str(f, "severity"),
                                             view::str(f, "blame"), view::str(f, "detail"));
        for (const std::size_t n : view::frame_numbers(f)) out[n].push_back(text);
    }
    return out;
}

std::optional<std::string> check_report(const json& report) {
    if (!report.is_object()) return "not a JSON object";
    const std::string schema = view::str(report, "schema");
    if (schema.empty()) return "no \"schema\" field: not a pxecheck report";
    // A /1 report (one session per MAC) renders as well: /2 only added
    // fields and cut a machine's sessions into attempts.
    if (schema != kSchema && schema != kSchemaV1)
        return "schema is \"" + schema + "\", expected " + std::string(kSchema) + " or " + kSchemaV1;
    if (!report.contains("verdict") || !report["verdict"].is_string()) return "no \"verdict\" field";
    return std::nullopt;
}

}  // namespace pxecheck::report
