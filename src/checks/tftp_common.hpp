#pragma once
// Private to the checks module: what the TFTP rules (rules_tftp.cpp) and the
// boot-flow rules (rules_flow.cpp) share about transfers: which packets carry
// the file, relative times for details, who to blame on the client side, the
// UEFI size probe (TFTP-027) and the config-file searches of later boot
// stages (TFTP-028). The flow rules need the last two so that a probe or a
// "file not found" inside a search is not reported again as a broken transfer.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"

namespace pxecheck::checks::detail::tftp {

using analyze::TftpTransfer;
using Event = TftpTransfer::Event;

constexpr std::uint16_t code(wire::TftpOpcode o) { return static_cast<std::uint16_t>(o); }
inline bool is(const Event& e, wire::TftpOpcode o) { return e.opcode == code(o); }

/// Signed distance a - b between 16-bit block numbers, across a wrap.
inline int block_delta(std::uint16_t a, std::uint16_t b) {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;
/// A peer that stays silent this long while the capture goes on is silent;
/// a capture that ends sooner may just end there.
constexpr std::int64_t kSilence = 2 * kSec;

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// Case-insensitive option lookup (RFC 2347 names are case-insensitive).
inline const wire::TftpOption* find_option(const std::vector<wire::TftpOption>& opts, std::string_view name) {
    for (const auto& o : opts)
        if (iequals(o.name, name)) return &o;
    return nullptr;
}

/// "2.31 s", "0.4 ms": a duration for a detail line.
inline std::string duration(std::int64_t ns) {
    char buf[32];
    if (ns < 0) ns = 0;
    if (ns < 10 * kMs) std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
    else if (ns < kSec) std::snprintf(buf, sizeof buf, "%.0f ms", static_cast<double>(ns) / 1e6);
    else std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ns) / 1e9);
    return buf;
}

/// Time since the start of the capture, "2.31 s" (as Wireshark's time column).
inline std::string at(const analyze::Trace& tr, std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ns - tr.first_time_ns) / 1e9);
    return buf;
}

/// Time the capture ran on after \p ns.
inline std::int64_t left_after(const analyze::Trace& tr, std::int64_t ns) { return tr.last_time_ns - ns; }

inline std::string request_name(const TftpTransfer& t) {
    return (t.write ? "WRQ " : "RRQ ") + in_quotes(t.filename);
}

/// DATA that carries the file: the server's on its TID for a read, the
/// client's to the server's TID for a write.
inline bool is_data(const TftpTransfer& t, const Event& e) {
    if (!is(e, wire::TftpOpcode::Data) || t.server_tid == 0) return false;
    return t.write ? e.from_client && e.dst_port == t.server_tid : !e.from_client && e.src_port == t.server_tid;
}
/// ACK from the side that receives the file, on the TID pair.
inline bool is_ack(const TftpTransfer& t, const Event& e) {
    if (!is(e, wire::TftpOpcode::Ack) || t.server_tid == 0) return false;
    return t.write ? !e.from_client && e.src_port == t.server_tid : e.from_client && e.dst_port == t.server_tid;
}
/// Any packet on the transfer's TID pair (the request port before the server answered).
inline bool on_tids(const TftpTransfer& t, const Event& e) {
    const std::uint16_t server_port = e.from_client ? e.dst_port : e.src_port;
    return server_port == t.server_tid || (t.server_tid == 0 && server_port == t.request_port);
}
inline bool server_answered(const TftpTransfer& t) { return t.server_tid != 0; }
inline bool server_error(const TftpTransfer& t) { return t.error && !t.error->from_client; }

/// The server said the file does not exist: ERROR 1, or a code-0 ERROR
/// whose text says so (several embedded servers do that).
inline bool not_found(const TftpTransfer& t) {
    if (!server_error(t)) return false;
    if (t.error->code == 1) return true;
    const std::string m = lower(t.error->message);
    return t.error->code == 0 && (m.find("not found") != std::string::npos ||
                                  m.find("no such file") != std::string::npos ||
                                  m.find("does not exist") != std::string::npos);
}

/// The server began to deliver the file (OACK or DATA, no server ERROR).
inline bool served(const TftpTransfer& t) {
    if (!server_answered(t) || server_error(t)) return false;
    if (t.complete || t.oack) return true;
    return std::any_of(t.events.begin(), t.events.end(), [&](const Event& e) { return is_data(t, e); });
}

inline std::string strip_slash(std::string_view s) {
    while (!s.empty() && s.front() == '/') s.remove_prefix(1);
    return std::string(s);
}

/// True when \p a and \p b are reads of the same file by the same client from the same server.
inline bool same_file(const TftpTransfer& a, const TftpTransfer& b) {
    return a.client_mac == b.client_mac && a.client_ip == b.client_ip && a.server_ip == b.server_ip &&
           a.write == b.write && strip_slash(a.filename) == strip_slash(b.filename);
}

/// First later read of the same file by the same client that completed.
inline std::optional<std::size_t> later_complete(const analyze::Trace& tr, std::size_t ti) {
    for (std::size_t j = ti + 1; j < tr.transfers.size(); ++j)
        if (same_file(tr.transfers[j], tr.transfers[ti]) && tr.transfers[j].complete && !tr.transfers[j].error)
            return j;
    return std::nullopt;
}

/// The UEFI/Windows size probe (TFTP-027): an RRQ with tsize gets its OACK,
/// the client takes the size and aborts (ERROR, usually 8, or silence) and
/// then requests the same file again. Returns the re-request's index.
inline std::optional<std::size_t> probe_rerequest(const analyze::Trace& tr, std::size_t ti) {
    const auto& t = tr.transfers[ti];
    if (t.write || !t.oack || !find_option(t.requested, "tsize")) return std::nullopt;
    for (const auto& e : t.events)
        if (is_ack(t, e) || is_data(t, e)) return std::nullopt;
    if (server_error(t)) return std::nullopt;
    for (std::size_t j = ti + 1; j < tr.transfers.size(); ++j)
        if (same_file(tr.transfers[j], t)) return j;
    return std::nullopt;
}

/// Index of the transfer \p t belongs to in the session list, for client blame.
/// A transfer that follows a completed one in the same session was asked for
/// by the program that arrived (pxelinux, grub, syslinux.efi): its faults are
/// the configuration's, like a later stage's DHCP (Context::sender_blame).
inline Blame client_blame(const Context& ctx, std::size_t ti) {
    const auto& tr = ctx.trace;
    const auto& t = tr.transfers[ti];
    for (std::size_t s = 0; s < tr.sessions.size(); ++s) {
        const auto& sess = tr.sessions[s];
        if (std::find(sess.transfers.begin(), sess.transfers.end(), ti) == sess.transfers.end()) continue;
        const auto& boot = ctx.boots[s];
        if (std::find(boot.boot_transfers.begin(), boot.boot_transfers.end(), ti) != boot.boot_transfers.end())
            return Blame::Nic;
        for (std::size_t oi : sess.transfers) {
            const auto& o = tr.transfers[oi];
            if (oi != ti && o.complete && !o.error && o.end_ns <= t.start_ns) return Blame::Config;
        }
    }
    return Blame::Nic;
}

/// Blame for a packet of transfer \p ti from the client (true) or the server.
inline Blame side_blame(const Context& ctx, std::size_t ti, bool from_client) {
    return from_client ? client_blame(ctx, ti) : Blame::Master;
}

/// A run of RRQs in which "file not found" is expected (TFTP-028).
struct Search {
    std::string kind;                   ///< "pxelinux.cfg", "grub.cfg", or the base name searched for
    std::vector<std::size_t> transfers; ///< in request order
    std::optional<std::size_t> served;  ///< the name that was served (ends the search)
};

/// Which search a file name belongs to: pxelinux.cfg/<UUID, 01-MAC, hex
/// address 8..1 digits, default>, grub's grub.cfg-<...> suffixes, or one
/// base name tried in several directories (syslinux's ldlinux path list).
inline std::string search_key(std::string_view name, std::string& kind) {
    const auto p = name.rfind("pxelinux.cfg/");
    if (p != std::string_view::npos) {
        kind = "pxelinux.cfg";
        return "P:" + std::string(name.substr(0, p));
    }
    const auto slash = name.rfind('/');
    const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    const std::string_view dir = slash == std::string_view::npos ? std::string_view{} : name.substr(0, slash);
    if (base.substr(0, 8) == "grub.cfg") {
        kind = "grub.cfg";
        return "G:" + std::string(dir);
    }
    kind = std::string(base);
    return "B:" + std::string(base);
}

/// The searches seen in the trace: consecutive reads by one client that share
/// a search key, each ending at the first name served. Only runs that met a
/// "file not found" are returned; a base-name run needs two different names.
inline std::vector<Search> config_searches(const analyze::Trace& tr) {
    struct Open {
        MacAddr mac;
        Ipv4Addr ip;
        std::string key;
        Search search;
    };
    std::vector<Open> open;
    std::vector<Search> out;
    auto close = [&](Open& o) {
        const auto& s = o.search;
        const bool missed = std::any_of(s.transfers.begin(), s.transfers.end(),
                                        [&](std::size_t i) { return not_found(tr.transfers[i]); });
        bool qualifies = missed;
        if (qualifies && o.key.rfind("B:", 0) == 0) {
            qualifies = false;
            for (std::size_t i : s.transfers)
                if (tr.transfers[i].filename != tr.transfers[s.transfers.front()].filename) qualifies = true;
        }
        if (qualifies) out.push_back(s);
        o.search = Search{};
        o.key.clear();
    };
    for (std::size_t ti = 0; ti < tr.transfers.size(); ++ti) {
        const auto& t = tr.transfers[ti];
        if (t.write) continue;
        auto it = std::find_if(open.begin(), open.end(),
                               [&](const Open& o) { return o.mac == t.client_mac && o.ip == t.client_ip; });
        if (it == open.end()) {
            open.push_back(Open{t.client_mac, t.client_ip, "", {}});
            it = std::prev(open.end());
        }
        std::string kind;
        const std::string key = search_key(t.filename, kind);
        if (it->key != key || it->search.served) {
            if (!it->key.empty()) close(*it);
            it->key = key;
            it->search.kind = kind;
        }
        it->search.transfers.push_back(ti);
        if (served(t)) it->search.served = ti;
    }
    for (auto& o : open)
        if (!o.key.empty()) close(o);
    std::sort(out.begin(), out.end(),
              [](const Search& a, const Search& b) { return a.transfers.front() < b.transfers.front(); });
    return out;
}

/// The search \p ti is part of, or nullptr.
inline const Search* search_of(const std::vector<Search>& searches, std::size_t ti) {
    for (const auto& s : searches)
        if (std::find(s.transfers.begin(), s.transfers.end(), ti) != s.transfers.end()) return &s;
    return nullptr;
}

}  // namespace pxecheck::checks::detail::tftp
