#pragma once
/// \file
/// Test helpers for the client machines: a fake clock, a scripted fake master
/// (DHCP, proxyDHCP on 67 and 4011, a small TFTP server) built from the wire
/// builders, and a loop that joins the two without sockets or sleeping.

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/client/pxe_client.hpp"
#include "pxecheck/client/tftp_client.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::client::test {

using namespace std::chrono_literals;

inline TimePoint at_ms(long long ms) { return TimePoint{} + std::chrono::milliseconds(ms); }
inline double secs(TimePoint t) { return static_cast<double>(t.time_since_epoch().count()) / 1e6; }

inline Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }
inline MacAddr mac(const char* s) { return *MacAddr::parse(s); }
inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline wire::DhcpMessage decode(const link::Datagram& d) { return wire::decode_dhcp(d.payload).msg; }
inline wire::TftpPacket tftp(const link::Datagram& d) { return wire::decode_tftp(d.payload).pkt; }

inline bool is_dhcp(const link::Datagram& d) { return d.dst_port == 67 || d.dst_port == 4011; }

/// Message type of a DHCP datagram (0 when absent).
inline int dhcp_type(const link::Datagram& d) {
    auto t = decode(d).message_type();
    return t ? static_cast<int>(*t) : 0;
}

/// A reply to \p req as a server builds it: op 2, xid, flags, chaddr copied.
inline wire::DhcpMessage reply_to(const wire::DhcpMessage& req, wire::DhcpMessageType type, Ipv4Addr server) {
    wire::DhcpMessage m;
    m.op = 2;
    m.xid = req.xid;
    m.flags = req.flags;
    m.chaddr = req.chaddr;
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    m.set_option_ip(wire::opt::kServerId, server);
    return m;
}

inline link::Datagram datagram(Ipv4Addr src, std::uint16_t sport, Ipv4Addr dst, std::uint16_t dport, Bytes payload) {
    link::Datagram d;
    d.src_ip = src;
    d.src_port = sport;
    d.dst_ip = dst;
    d.dst_port = dport;
    d.payload = std::move(payload);
    return d;
}

inline link::Datagram dhcp_datagram(Ipv4Addr src, std::uint16_t sport, std::uint16_t dport, wire::DhcpMessage m) {
    m.finish();
    return datagram(src, sport, Ipv4Addr::broadcast(), dport, wire::encode_dhcp(m));
}

/// A small TFTP server: RRQ -> OACK (or DATA 1) -> windows of DATA on ACKs.
struct FakeTftp {
    Bytes file;
    std::string filename = "pxelinux.0";
    bool oack = true;               ///< false: ignore options, answer DATA 1
    bool windowsize_supported = true;
    std::uint16_t max_blksize = 1468;
    std::uint16_t next_port = 40000;
    std::size_t rrqs = 0;
    std::vector<wire::TftpOption> last_rrq_options;

    struct Session {
        Ipv4Addr server;
        Ipv4Addr client;
        std::uint16_t client_port = 0;
        std::uint16_t port = 0;
        std::size_t blksize = 512;
        std::size_t window = 1;
        bool closed = false;
    };
    std::map<std::uint16_t, Session> by_server_port;

    link::Datagram send(const Session& s, const wire::TftpPacket& p) const {
        return datagram(s.server, s.port, s.client, s.client_port, wire::encode_tftp(p));
    }
    std::vector<link::Datagram> window_from(Session& s, std::uint32_t first) const {
        std::vector<link::Datagram> out;
        for (std::uint32_t b = first; b < first + s.window; ++b) {
            const std::size_t off = (b - 1) * s.blksize;
            if (off > file.size()) break;
            const std::size_t n = std::min(s.blksize, file.size() - off);
            out.push_back(send(s, wire::make_data(static_cast<std::uint16_t>(b),
                                                  ByteView(file.data() + off, n))));
            if (n < s.blksize) break;
        }
        return out;
    }

    std::vector<link::Datagram> handle(const link::Datagram& d) {
        const auto pkt = wire::decode_tftp(d.payload).pkt;
        if (d.dst_port == 69 && pkt.op() == wire::TftpOpcode::Rrq) {
            ++rrqs;
            last_rrq_options = pkt.options;
            Session s;
            s.server = d.dst_ip;
            s.client = d.src_ip;
            s.client_port = d.src_port;
            s.port = next_port++;
            if (pkt.filename != filename) {
                return {send(s, wire::make_error(wire::TftpErrorCode::FileNotFound, "file not found"))};
            }
            std::vector<wire::TftpOption> ack;
            if (oack) {
                for (const auto& o : pkt.options) {
                    if (o.name == "blksize") {
                        s.blksize = std::min<std::size_t>(std::stoul(o.value), max_blksize);
                        ack.push_back({"blksize", std::to_string(s.blksize)});
                    } else if (o.name == "tsize") {
                        ack.push_back({"tsize", std::to_string(file.size())});
                    } else if (o.name == "windowsize" && windowsize_supported) {
                        s.window = std::stoul(o.value);
                        ack.push_back({"windowsize", o.value});
                    }
                }
            }
            by_server_port[s.port] = s;
            if (ack.empty()) return window_from(by_server_port[s.port], 1);
            return {send(s, wire::make_oack(ack))};
        }
        auto it = by_server_port.find(d.dst_port);
        if (it == by_server_port.end() || it->second.closed) return {};
        Session& s = it->second;
        if (pkt.op() == wire::TftpOpcode::Error) {
            s.closed = true;
            return {};
        }
        if (pkt.op() == wire::TftpOpcode::Ack) {
            const std::uint32_t next = static_cast<std::uint32_t>(pkt.block) + 1;
            if ((next - 1) * s.blksize > file.size()) {
                s.closed = true;
                return {};
            }
            return window_from(s, next);
        }
        return {};
    }
};

/// A scripted master: DHCP server, optional proxyDHCP (67 and 4011), TFTP.
struct FakeMaster {
    Ipv4Addr server = ip("192.168.14.200");
    Ipv4Addr proxy_ip = ip("192.168.14.201");
    Ipv4Addr offer = ip("192.168.14.10");
    bool dhcp = true;
    std::string file = "pxelinux.0";        ///< "" for an address-only server
    Ipv4Addr siaddr = ip("192.168.14.200");
    std::optional<std::string> option66;
    std::size_t nak_first = 0;              ///< NAK this many REQUESTs first
    std::size_t drop_requests = 0;          ///< ignore this many REQUESTs first
    bool proxy = false;                     ///< a proxyDHCP server on proxy_ip
    bool proxy_menu = true;                 ///< proxy offer with 43 menu (else bare PXEClient)
    std::uint8_t discovery_control = 0x03;  ///< 43.6 in the proxy offer
    std::uint8_t prompt_timeout = 0;        ///< 43.10 timeout (0: no 43.10)
    std::string proxy_file = "pxelinux.0";  ///< what the 4011 ACK names
    bool answer_4011 = true;
    FakeTftp tftp;

    std::vector<wire::DhcpMessage> seen;  ///< every client DHCP message, in order
    std::vector<link::Datagram> seen_dgrams;
    std::size_t requests = 0;

    /// The last client datagram the master saw on UDP 4011.
    const link::Datagram& last_4011() const {
        for (auto it = seen_dgrams.rbegin(); it != seen_dgrams.rend(); ++it) {
            if (it->dst_port == 4011) return *it;
        }
        static const link::Datagram kNone;
        return kNone;
    }

    wire::PxeVendorOptions menu() const {
        wire::PxeVendorOptions v;
        v.discovery_control = discovery_control;
        v.boot_servers.push_back({0x8000, {proxy_ip}});
        v.menu.push_back({0x8000, "Network boot (BIOS)"});
        if (prompt_timeout) v.prompt = wire::PxeMenuPrompt{prompt_timeout, "PXE menu"};
        return v;
    }

    std::vector<link::Datagram> handle(TimePoint, const link::Datagram& d) {
        if (!is_dhcp(d)) return tftp.handle(d);
        seen_dgrams.push_back(d);
        const auto req = decode(d);
        seen.push_back(req);
        const auto type = req.message_type();
        std::vector<link::Datagram> out;
        using T = wire::DhcpMessageType;
        if (d.dst_port == 4011) {
            if (!proxy || !answer_4011) return out;
            auto ack = reply_to(req, T::Ack, proxy_ip);
            ack.yiaddr = req.ciaddr;
            ack.siaddr = proxy_ip;
            ack.set_file(proxy_file);
            ack.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
            if (auto item = req.joined(wire::opt::kVendorSpecific)) ack.set_option(wire::opt::kVendorSpecific, *item);
            out.push_back(datagram(proxy_ip, 4011, req.ciaddr, d.src_port, (ack.finish(), wire::encode_dhcp(ack))));
            return out;
        }
        if (type == T::Discover) {
            if (proxy) {
                auto p = reply_to(req, T::Offer, proxy_ip);
                p.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
                if (proxy_menu) p.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(menu()));
                out.push_back(dhcp_datagram(proxy_ip, 67, 68, p));
            }
            if (dhcp) {
                auto o = reply_to(req, T::Offer, server);
                o.yiaddr = offer;
                o.siaddr = siaddr;
                if (!file.empty()) o.set_file(file);
                if (option66) o.set_option(wire::opt::kTftpServerName, std::string_view(*option66));
                o.set_option_u32(wire::opt::kLeaseTime, 600);
                out.push_back(dhcp_datagram(server, 67, 68, o));
            }
        } else if (type == T::Request && dhcp) {
            ++requests;
            if (requests <= drop_requests) return out;
            if (requests <= drop_requests + nak_first) {
                out.push_back(dhcp_datagram(server, 67, 68, reply_to(req, T::Nak, server)));
                return out;
            }
            auto a = reply_to(req, T::Ack, server);
            a.yiaddr = offer;
            a.siaddr = siaddr;
            if (!file.empty()) a.set_file(file);
            if (option66) a.set_option(wire::opt::kTftpServerName, std::string_view(*option66));
            a.set_option_u32(wire::opt::kLeaseTime, 600);
            out.push_back(dhcp_datagram(server, 67, 68, a));
        }
        return out;
    }
};

/// Joins a PxeClient to a peer function with a fixed one-way latency and a
/// fake clock. Runs until the client is done (and idle) or `until`.
struct Loop {
    TimePoint now{};
    Micros latency = 1ms;
    std::function<std::vector<link::Datagram>(TimePoint, const link::Datagram&)> peer;
    /// Answer for the ARP probe (nullopt: nobody has the address).
    std::optional<MacAddr> arp_conflict;
    /// Drop client datagrams for which this returns true.
    std::function<bool(const link::Datagram&)> drop;
    std::vector<std::pair<TimePoint, link::Datagram>> sent;  ///< all client datagrams

    struct Pending {
        TimePoint at;
        link::Datagram d;
    };
    std::vector<Pending> inbox;

    void pump(PxeClient& c) {
        for (auto& d : c.take_output()) {
            sent.emplace_back(now, d);
            if (drop && drop(d)) continue;
            for (auto& r : peer(now, d)) inbox.push_back({now + latency, std::move(r)});
        }
        if (auto a = c.probe_request()) {
            (void)a;
            c.on_probe_result(now, arp_conflict);
            pump(c);
        }
    }

    void run(PxeClient& c, TimePoint until) {
        pump(c);
        for (int guard = 0; guard < 2'000'000; ++guard) {
            std::optional<TimePoint> next = c.next_deadline();
            auto first = std::min_element(inbox.begin(), inbox.end(),
                                          [](const Pending& a, const Pending& b) { return a.at < b.at; });
            if (first != inbox.end() && (!next || first->at <= *next)) next = first->at;
            if (!next || *next > until) break;
            now = std::max(now, *next);
            if (first != inbox.end() && first->at <= now) {
                link::Datagram d = std::move(first->d);
                inbox.erase(first);
                c.on_datagram(now, d);
            } else {
                c.on_timer(now);
            }
            pump(c);
        }
    }

    /// Client datagrams of one DHCP type (1 DISCOVER, 3 REQUEST, 7 RELEASE).
    std::vector<std::pair<TimePoint, link::Datagram>> dhcp_sent(int type) const {
        std::vector<std::pair<TimePoint, link::Datagram>> v;
        for (const auto& [t, d] : sent) {
            if (is_dhcp(d) && dhcp_type(d) == type) v.emplace_back(t, d);
        }
        return v;
    }
    std::vector<std::pair<TimePoint, link::Datagram>> tftp_sent() const {
        std::vector<std::pair<TimePoint, link::Datagram>> v;
        for (const auto& [t, d] : sent) {
            if (!is_dhcp(d)) v.emplace_back(t, d);
        }
        return v;
    }
};

inline ClientConfig config_for(const std::string& profile, std::uint32_t seed = 42) {
    ClientConfig c;
    c.mac = mac("52:54:00:12:34:56");
    c.profile = *find_profile(profile);
    c.seed = seed;
    for (std::size_t i = 0; i < c.uuid.size(); ++i) c.uuid[i] = static_cast<std::uint8_t>(i + 1);
    return c;
}

inline Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 7 + i / 251) & 0xff);
    return b;
}

}  // namespace pxecheck::client::test
