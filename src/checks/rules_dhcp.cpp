// Catalogue sections 1-3: the BOOTP/DHCP header (DHCP-*), option encoding
// (OPT-*) and message contents and state (MSG-*), judged passively from a
// trace. MSG-006, MSG-009 and MSG-010 need a stimulus (active checks) and
// are not here.
//
// Each rule is one function named after its ID. Rules read the decoded
// frames; encoding faults come from the wire decoder's named anomalies, so
// that the decoder and the rules agree on what is malformed. A fault that
// repeats (every retransmission of a DISCOVER, every reply of one server) is
// reported once per client: the Fold below keeps the first occurrence's
// detail and gathers the frame numbers of all of them.
//
// Severity is about the boot (catalogue preamble): where real firmware and
// real masters are known to break a MUST harmlessly, the finding is a WARN
// that still names the MUST, and each such place says why.

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "pxecheck/wire/option_catalog.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::checks::detail {

namespace {

using analyze::ClientStage;
using analyze::Direction;
using analyze::Frame;
using analyze::Protocol;
using wire::DhcpMessage;
using wire::DhcpMessageType;
using wire::kDhcpClientPort;
using wire::kDhcpServerPort;
using wire::kPxeBootServerPort;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
/// IPv4 (no options) plus UDP header: what option 57 counts on top of the
/// BOOTP payload (RFC 2131 §2: 576 = 20 + 8 + 236 + 312).
constexpr std::size_t kIpUdpHeaders = 28;
constexpr std::size_t kMinDatagram = 576;
/// How far back a rule looks for the message a frame relates to (a PXE
/// ROM's DISCOVER retries span 4+8+16+32 s); it bounds the cost on long
/// captures.
constexpr std::int64_t kLookBack = 120 * kNsPerSecond;

// --- folding --------------------------------------------------------------

/// Findings of one rule, folded by (client, fault key): the first
/// occurrence's detail wins and later occurrences only add frame numbers, so
/// a detail may quote values (secs, sizes) that change between repeats.
class Fold {
public:
    explicit Fold(std::string_view id) : id_(id) {}

    void add(const MacAddr& client, const std::string& key, Blame blame, std::string detail,
             std::vector<std::size_t> frames, std::optional<Severity> severity = std::nullopt) {
        entries_.push_back({client, key, blame, std::move(detail), std::move(frames), severity});
    }
    /// The fault key is the detail itself (details without changing values).
    void add(const MacAddr& client, Blame blame, std::string detail, std::vector<std::size_t> frames,
             std::optional<Severity> severity = std::nullopt) {
        const std::string key = detail;
        add(client, key, blame, std::move(detail), std::move(frames), severity);
    }

    /// Folds the entries of one client's boot attempt with the same key into
    /// the first of them (its detail, every frame), and hands them over. Per
    /// attempt: a machine's ROM and the iPXE it loaded are judged apart.
    void flush(Sink& sink) {
        std::map<std::string, std::size_t> index;
        std::vector<Entry> folded;
        for (auto& e : entries_) {
            const auto attempt = sink.attempt_of(e.client, e.frames);
            const std::string full = e.client.to_string() + '|' + (attempt ? std::to_string(*attempt) : "") + '|' + e.key;
            auto it = index.find(full);
            if (it != index.end()) {
                auto& have = folded[it->second].frames;
                for (auto n : e.frames)
                    if (std::find(have.begin(), have.end(), n) == have.end()) have.push_back(n);
                continue;
            }
            index.emplace(full, folded.size());
            folded.push_back(std::move(e));
        }
        entries_.clear();
        for (auto& e : folded) sink.add(id_, e.blame, std::move(e.detail), std::move(e.frames), e.client, e.severity);
    }

private:
    struct Entry {
        MacAddr client;
        std::string key;
        Blame blame;
        std::string detail;
        std::vector<std::size_t> frames;
        std::optional<Severity> severity;
    };
    std::string_view id_;
    std::vector<Entry> entries_;
};

// --- frame helpers ----------------------------------------------------------

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    return buf;
}

bool is_type(const DhcpMessage& m, DhcpMessageType t) {
    const auto mt = m.message_type();
    return mt && *mt == t;
}

/// "OFFER", "REQUEST", ...; "BOOTREQUEST"/"BOOTREPLY" without a usable 53.
std::string label(const DhcpMessage& m) {
    if (auto t = m.message_type()) return wire::to_string(*t);
    if (m.op == 1) return "BOOTREQUEST";
    if (m.op == 2) return "BOOTREPLY";
    return "message with op " + std::to_string(m.op);
}

/// The session a DHCP frame is filed under (the same choice the trace
/// builder makes): chaddr when it is an Ethernet address, else the link.
MacAddr client_of(const Frame& f) {
    const auto& m = *f.dhcp;
    if (m.htype == 1 && m.hlen == 6) return m.client_mac();
    return f.direction == Direction::FromClient ? f.src_mac : f.dst_mac;
}

Ipv4Addr src_ip(const Frame& f) { return f.udp->src_ip; }
Ipv4Addr dst_ip(const Frame& f) { return f.udp->dst_ip; }

/// "OFFER from 192.168.14.200" for replies, "DISCOVER" for client messages
/// (the client is the finding's own field).
std::string who(const Frame& f) {
    const auto& m = *f.dhcp;
    if (m.op == 2) return label(m) + " from " + ip_text(src_ip(f));
    return label(m);
}

bool on_4011(const Frame& f) { return f.protocol == Protocol::BootServer; }

/// The capture's snap length cut the payload: encoding-level rules cannot
/// tell a cut frame from a broken one, so they leave it alone.
bool payload_cut(const Frame& f) { return !f.udp->complete; }

/// What the sender put in the UDP datagram (not what the capture kept).
std::size_t payload_size(const Frame& f) {
    return f.udp->complete ? f.udp->payload.size() : f.udp->declared_length;
}

bool has_pxe_vendor_class(const DhcpMessage& m) {
    const auto vc = m.joined(wire::opt::kVendorClass);
    return vc && wire::parse_vendor_class(*vc).pxe;
}

/// A proxyDHCP or boot-server reply: PXE-015 and PXE-018 govern those
/// (yiaddr 0 with 60 = PXEClient, or anything from UDP 4011).
bool proxy_reply(const Frame& f) {
    const auto& m = *f.dhcp;
    if (m.op != 2) return false;
    if (on_4011(f)) return true;
    // A proxy never NAKs (PXE-016): a NAK is judged as a NAK whatever its 60.
    const bool offer_or_ack = is_type(m, DhcpMessageType::Offer) || is_type(m, DhcpMessageType::Ack);
    return offer_or_ack && m.yiaddr.is_zero() && has_pxe_vendor_class(m);
}

/// Which way a frame went by its UDP ports, independent of the op byte.
enum class Side : std::uint8_t { Client, Server, Unknown };

Side port_side(const Frame& f) {
    const auto& u = *f.udp;
    if (on_4011(f)) {
        // PXE ROMs send boot-server requests from 4011 to 4011 (Intel) or
        // from 68; only a port other than 4011 on one end says who is who.
        if (u.dst_port == kPxeBootServerPort && u.src_port != kPxeBootServerPort) return Side::Client;
        if (u.src_port == kPxeBootServerPort && u.dst_port != kPxeBootServerPort) return Side::Server;
        return Side::Unknown;
    }
    if (u.src_port == kDhcpClientPort && u.dst_port == kDhcpServerPort) return Side::Client;
    if (u.src_port == kDhcpServerPort && u.dst_port == kDhcpClientPort) return Side::Server;
    return Side::Unknown;  // 67 <-> 67 is a relay leg and goes both ways
}

Blame client_blame(const Frame& f) {
    // A later boot stage runs what the master served (see Context::sender_blame).
    return analyze::own_stage(f) == ClientStage::LaterStage ? Blame::Config : Blame::Nic;
}

/// Blame for a client message, by its exchange: DECLINE and RELEASE must
/// not carry option 60 (RFC 2131 Table 5), so the stage of the DISCOVER or
/// REQUEST with the same xid and chaddr says who sent them.
Blame client_blame(const Context& ctx, std::size_t index) {
    const Frame& self = ctx.frame(index);
    const auto& m = *self.dhcp;
    if (analyze::own_stage(self) != ClientStage::LaterStage) return Blame::Nic;
    if (!is_type(m, DhcpMessageType::Decline) && !is_type(m, DhcpMessageType::Release)) return Blame::Config;
    for (std::size_t i = index; i-- > 0;) {
        const Frame& f = ctx.frame(i);
        if (self.time_ns - f.time_ns > kLookBack) break;
        if (!f.dhcp || f.dhcp->op != 1 || f.dhcp->xid != m.xid || f.dhcp->chaddr != m.chaddr) continue;
        if (f.dhcp->find(wire::opt::kVendorClass)) return client_blame(f);
    }
    // No message of that xid says: the stage the trace builder gave it from
    // the client's latest message (a RELEASE usually starts a new xid).
    return analyze::frame_stage(self) == ClientStage::LaterStage ? Blame::Config : Blame::Nic;
}

/// Context::sender_blame, with client messages judged by their exchange.
Blame sender_blame(const Context& ctx, std::size_t index) {
    const Frame& f = ctx.frame(index);
    if (f.dhcp && f.dhcp->op == 1) return client_blame(ctx, index);
    return Context::sender_blame(f);
}

/// A client message forwarded by a relay agent (RFC 1542 §4.1: from the
/// relay's port 67, giaddr filled in) rather than sent by the client itself.
bool relayed_request(const Frame& f) {
    return f.dhcp->op == 1 && f.udp->src_port == kDhcpServerPort && !f.dhcp->giaddr.is_zero();
}

/// The relay agent's copy of a reply on its way to the client (RFC 1542 §5.4).
bool relay_to_client(const Frame& f) {
    return f.dhcp->op == 2 && !f.dhcp->giaddr.is_zero() && f.udp->dst_port == kDhcpClientPort;
}

/// REQUEST in SELECTING state: names the chosen server, has no ciaddr
/// (RFC 2131 §4.3.2). Boot-server requests on 4011 are PXE-009's.
bool selecting_request(const Frame& f) {
    const auto& m = *f.dhcp;
    return !on_4011(f) && m.op == 1 && is_type(m, DhcpMessageType::Request) &&
           m.find(wire::opt::kServerId) != nullptr && m.ciaddr.is_zero();
}

template <typename Fn>
void each_dhcp(const Context& ctx, Fn&& fn) {
    const auto& frames = ctx.trace.frames;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const Frame& f = frames[i];
        if (!f.dhcp || !f.udp) continue;
        // Lease queries and FORCERENEW are registered DHCP, but no boot's:
        // the boot rules do not judge them.
        if (const auto type = f.dhcp->message_type(); type && wire::outside_boot(*type)) continue;
        fn(i, f, *f.dhcp);
    }
}

/// The latest client message of \p type before \p index with the same xid
/// and chaddr on the DHCP ports.
const Frame* earlier_client_message(const Context& ctx, std::size_t index, DhcpMessageType type) {
    const Frame& self = ctx.frame(index);
    const auto& m = *self.dhcp;
    for (std::size_t i = index; i-- > 0;) {
        const Frame& f = ctx.frame(i);
        if (self.time_ns - f.time_ns > kLookBack) break;
        if (!f.dhcp || !f.udp || on_4011(f) || f.dhcp->op != 1) continue;
        if (f.dhcp->xid == m.xid && f.dhcp->chaddr == m.chaddr && is_type(*f.dhcp, type)) return &f;
    }
    return nullptr;
}

/// Address OFFERs (not proxy offers) sent to \p chaddr before \p index,
/// latest first; with \p xid only those with that xid.
std::vector<const Frame*> offers_before(const Context& ctx, std::size_t index,
                                        const std::array<std::uint8_t, 16>& chaddr,
                                        std::optional<std::uint32_t> xid) {
    std::vector<const Frame*> out;
    const std::int64_t now = ctx.frame(index).time_ns;
    for (std::size_t i = index; i-- > 0;) {
        const Frame& f = ctx.frame(i);
        if (now - f.time_ns > kLookBack) break;
        if (!f.dhcp || !f.udp || on_4011(f) || f.dhcp->op != 2) continue;
        if (f.dhcp->chaddr != chaddr || !is_type(*f.dhcp, DhcpMessageType::Offer) || proxy_reply(f)) continue;
        if (xid && f.dhcp->xid != *xid) continue;
        out.push_back(&f);
    }
    return out;
}

/// The server a reply names in 54, else the address it came from.
Ipv4Addr server_of(const Frame& f) { return f.dhcp->server_id().value_or(src_ip(f)); }

std::string list_codes(const std::vector<std::uint8_t>& codes) {
    std::string s;
    for (auto c : codes) s += (s.empty() ? "" : ", ") + std::to_string(c);
    return s;
}

// --- 1. BOOTP/DHCP header ------------------------------------------------------

/// DHCP-001: op says BOOTREQUEST (1) on client->server and BOOTREPLY (2) on
/// server->client (RFC 2131 §3, Tables 3 and 5). The UDP ports decide the
/// direction, since the frame's own direction is read from op.
void dhcp_001(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-001");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        const Side side = port_side(f);
        const std::string ports =
            std::to_string(f.udp->src_port) + "->" + std::to_string(f.udp->dst_port);
        if (side == Side::Unknown) {
            // A relay leg (67->67) carries both; only a value outside 1-2 is
            // wrong whichever way it went.
            if (m.op == 1 || m.op == 2) return;
            const Blame b = f.udp->src_port == kDhcpServerPort ? Blame::Master : client_blame(ctx, i);
            fold.add(client_of(f), b,
                     label(m) + " sent " + ports + " has op " + std::to_string(m.op) +
                         ", neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY)",
                     {f.number});
            return;
        }
        const std::uint8_t want = side == Side::Client ? 1 : 2;
        if (m.op == want) return;
        const Blame b = side == Side::Client ? client_blame(ctx, i) : Blame::Master;
        fold.add(client_of(f), b,
                 label(m) + " sent " + ports + (side == Side::Client ? " (client to server)" : " (server to client)") +
                     " has op " + std::to_string(m.op) + ", must be " + std::to_string(want) +
                     (want == 1 ? " (BOOTREQUEST)" : " (BOOTREPLY)"),
                 {f.number});
    });
    fold.flush(sink);
}

/// DHCP-002: a reply copies xid, htype, hlen, flags, giaddr and chaddr from
/// the request (RFC 2131 Table 3). Replies are paired by xid + chaddr, so a
/// reply that pairs with nothing is checked for a wrong xid or chaddr.
void dhcp_002(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-002");
    constexpr std::int64_t kWindow = 5 * kNsPerSecond;
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2) return;
        const MacAddr client = client_of(f);
        const Frame* req = ctx.request_for(i);
        if (req) {
            const auto& r = *req->dhcp;
            if (m.htype != r.htype || m.hlen != r.hlen) {
                fold.add(client, "htype/hlen " + ip_text(src_ip(f)), Blame::Master,
                         who(f) + ": htype " + std::to_string(m.htype) + " hlen " + std::to_string(m.hlen) +
                             ", request had htype " + std::to_string(r.htype) + " hlen " + std::to_string(r.hlen),
                         {req->number, f.number});
            }
            // Only a relayed request has giaddr set; a reply seen between the
            // relay and the client has the relay's giaddr while the client's
            // own request (on the client's segment) had none.
            if (!r.giaddr.is_zero() && m.giaddr != r.giaddr) {
                fold.add(client, "giaddr " + ip_text(src_ip(f)), Blame::Master,
                         who(f) + ": giaddr " + ip_text(m.giaddr) + ", request had " + ip_text(r.giaddr),
                         {req->number, f.number});
            }
            // Proxy and boot-server replies are exempt for flags: dnsmasq and
            // Pixiecore set B in them on purpose to have them broadcast
            // (PXE-015 governs their delivery).
            if (m.flags != r.flags && !proxy_reply(f)) {
                // Clients do not read the reply's flags, but a relay delivers
                // by the reply's B bit (RFC 1542 §5.4): dropping B on the way
                // to a relay can strand a client that cannot take unicast.
                const bool breaks = !r.giaddr.is_zero() && r.broadcast_flag() && !m.broadcast_flag();
                // A NAK with B added where the request had none: ISC dhcpd
                // sets B in every NAK (RFC 2131 §4.3.2 asks it only of a NAK
                // to a relay), and a server broadcasts a NAK to a client on
                // its segment anyway: nothing is lost.
                const bool nak_b_added = is_type(m, DhcpMessageType::Nak) && m.broadcast_flag() &&
                                         !r.broadcast_flag() && (m.flags & 0x7fff) == (r.flags & 0x7fff);
                std::string detail = who(f) + ": flags " + hex16(m.flags) + ", request had " + hex16(r.flags);
                if (nak_b_added)
                    detail += "; ISC dhcpd, for one, sets B in every NAK, and a NAK is broadcast on the client's "
                              "segment, so it arrives";
                fold.add(client, "flags " + ip_text(src_ip(f)), Blame::Master, std::move(detail),
                         {req->number, f.number},
                         breaks ? Severity::Fail : nak_b_added ? Severity::Info : Severity::Warn);
            }
            return;
        }
        // No request with this xid from this chaddr. If the same client asked
        // just before with another xid, the server did not copy the xid; if
        // another chaddr sent this xid, it did not copy chaddr.
        const Frame* same_mac = nullptr;
        const Frame* same_xid = nullptr;
        bool xid_ever = false;
        for (std::size_t j = i; j-- > 0;) {
            const Frame& g = ctx.frame(j);
            if (f.time_ns - g.time_ns > kLookBack) break;
            if (!g.dhcp || !g.udp || g.dhcp->op != 1) continue;
            const bool recent = f.time_ns - g.time_ns <= kWindow;
            if (g.dhcp->chaddr == m.chaddr) {
                if (g.dhcp->xid == m.xid) xid_ever = true;
                if (recent && !same_mac) same_mac = &g;
            } else if (g.dhcp->xid == m.xid && recent && !same_xid) {
                same_xid = &g;
            }
        }
        if (same_mac && !xid_ever) {
            fold.add(client, "xid " + ip_text(src_ip(f)), Blame::Master,
                     who(f) + " has xid " + hex32(m.xid) + ", but the client's request had xid " +
                         hex32(same_mac->dhcp->xid),
                     {same_mac->number, f.number});
        } else if (!same_mac && same_xid) {
            const MacAddr asker = client_of(*same_xid);
            fold.add(asker, "chaddr " + ip_text(src_ip(f)), Blame::Master,
                     who(f) + " with xid " + hex32(m.xid) + " carries chaddr " + m.client_mac().to_string() +
                         ", but the request with that xid came from " + asker.to_string(),
                     {same_xid->number, f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-003: hops and secs are 0 in replies sent directly to the client
/// (RFC 2131 Table 3). isc-dhcpd and dnsmasq both echo the client's secs;
/// clients ignore it, so this stays the catalogue's WARN.
void dhcp_003(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-003");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || !m.giaddr.is_zero()) return;  // relayed replies: hops counts relays
        const std::string server = ip_text(src_ip(f));
        if (m.hops != 0) {
            fold.add(client_of(f), "hops " + server, Blame::Master,
                     who(f) + ": hops " + std::to_string(m.hops) + ", must be 0 in a reply sent directly",
                     {f.number});
        }
        if (m.secs != 0) {
            const Frame* req = ctx.request_for(i);
            const bool copied = req && req->dhcp->secs == m.secs;
            fold.add(client_of(f), "secs " + server, Blame::Master,
                     who(f) + ": secs " + std::to_string(m.secs) + ", must be 0 in replies" +
                         (copied ? " (copied from the request)" : ""),
                     {f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-004: the client zeroes hops, yiaddr, siaddr, giaddr and the flag
/// bits other than B in every DISCOVER and REQUEST, and ciaddr in DISCOVER
/// and in SELECTING / INIT-REBOOT REQUESTs (RFC 2131 §2, §4.3.2, Tables 4
/// and 5). Table 5 also wants ciaddr 0 in DECLINE: reported as WARN, since
/// servers read the declined address from option 50.
void dhcp_004(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-004");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 1 || on_4011(f) || relayed_request(f)) return;
        const auto type = m.message_type();
        if (!type) return;
        const bool discover = *type == DhcpMessageType::Discover;
        const bool request = *type == DhcpMessageType::Request;
        const bool decline = *type == DhcpMessageType::Decline;
        if (!discover && !request && !decline) return;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        const std::string what = label(m);
        auto must_be_zero = [&](std::string_view field, Ipv4Addr v, std::optional<Severity> sev) {
            if (v.is_zero()) return;
            fold.add(client, what + ' ' + std::string(field), blame,
                     what + ": " + std::string(field) + ' ' + ip_text(v) + ", must be 0.0.0.0", {f.number}, sev);
        };
        if (m.hops != 0) {
            fold.add(client, what + " hops", blame, what + ": hops " + std::to_string(m.hops) + ", must be 0",
                     {f.number});
        }
        must_be_zero("yiaddr", m.yiaddr, std::nullopt);
        must_be_zero("siaddr", m.siaddr, std::nullopt);
        must_be_zero("giaddr", m.giaddr, std::nullopt);
        // RFC 2131 §2: the other flag bits MUST be zero, and servers and
        // relays MUST ignore them, so they harm nothing: WARN.
        if ((m.flags & ~wire::kBroadcastFlag) != 0) {
            fold.add(client, what + " flags", blame,
                     what + ": flags " + hex16(m.flags) + " sets bits other than B (must be zero)", {f.number},
                     Severity::Warn);
        }
        if (discover) {
            must_be_zero("ciaddr", m.ciaddr, std::nullopt);
        } else if (request) {
            // SELECTING names a server (54) and asks for 50; INIT-REBOOT asks
            // for 50 alone. Both come before the client has an address.
            // RENEWING/REBINDING (and PXE boot-server requests) carry ciaddr
            // and no 50.
            const bool has50 = m.find(wire::opt::kRequestedAddress) != nullptr;
            if (has50) must_be_zero("ciaddr", m.ciaddr, std::nullopt);
        } else if (decline) {
            must_be_zero("ciaddr", m.ciaddr, Severity::Warn);
        }
    });
    fold.flush(sink);
}

/// DHCP-005: chaddr holds the sender's own MAC, and htype/hlen say Ethernet
/// (1/6) (RFC 2131 §4.4.1, Table 1). Compared with the Ethernet source of
/// frames the client sent itself (not a relay's copy).
void dhcp_005(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-005");
    const bool ethernet_like = ctx.trace.linktype == link::linktype::kEthernet ||
                               ctx.trace.linktype == link::linktype::kLinuxSll ||
                               ctx.trace.linktype == link::linktype::kLinuxSll2;
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 1 || relayed_request(f) || f.udp->src_port == kDhcpServerPort) return;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        if (m.htype != 1 || m.hlen != 6) {
            if (!ethernet_like) return;
            fold.add(client, blame,
                     label(m) + ": htype " + std::to_string(m.htype) + " hlen " + std::to_string(m.hlen) +
                         ", must be 1/6 on Ethernet",
                     {f.number});
            return;
        }
        if (f.src_mac.is_zero()) return;  // no link source to compare with
        if (m.client_mac() != f.src_mac) {
            fold.add(client, blame,
                     label(m) + ": chaddr " + m.client_mac().to_string() + " but sent from Ethernet source " +
                         f.src_mac.to_string(),
                     {f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-006: a fresh random xid per attempt, and the REQUEST reuses the xid
/// of the OFFER it accepts (RFC 2131 §4.1, §4.4.1, Table 5). A wrong xid in
/// the REQUEST fails; xid 0 or an xid carried over into a new attempt is a
/// WARN (servers still answer, but clients can confuse exchanges).
void dhcp_006(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-006");
    constexpr std::int64_t kOfferWindow = 60 * kNsPerSecond;
    // Exchanges closed by an ACK or NAK, per chaddr: xid -> frame number.
    std::map<std::array<std::uint8_t, 16>, std::map<std::uint32_t, std::size_t>> closed;
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (on_4011(f)) return;
        if (m.op == 2) {
            if (is_type(m, DhcpMessageType::Ack) || is_type(m, DhcpMessageType::Nak))
                closed[m.chaddr].emplace(m.xid, f.number);
            return;
        }
        if (m.op != 1 || relayed_request(f)) return;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        if (m.xid == 0 && (is_type(m, DhcpMessageType::Discover) || is_type(m, DhcpMessageType::Request))) {
            fold.add(client, "xid0", blame, label(m) + ": xid 0x00000000, not a random value", {f.number},
                     Severity::Warn);
        }
        if (is_type(m, DhcpMessageType::Discover)) {
            auto c = closed.find(m.chaddr);
            if (c != closed.end()) {
                auto x = c->second.find(m.xid);
                if (x != c->second.end()) {
                    fold.add(client, "reuse", blame,
                             "a new DISCOVER reuses xid " + hex32(m.xid) + " of an exchange already closed by a reply",
                             {x->second, f.number}, Severity::Warn);
                }
            }
            return;
        }
        if (!selecting_request(f)) return;
        const Ipv4Addr server = m.server_id().value_or(Ipv4Addr{});
        const Frame* latest = nullptr;
        for (const Frame* o : offers_before(ctx, i, m.chaddr, std::nullopt)) {
            if (f.time_ns - o->time_ns > kOfferWindow) break;
            if (server_of(*o) != server) continue;
            if (o->dhcp->xid == m.xid) return;  // the accepted offer's xid: fine
            if (!latest) latest = o;
        }
        if (latest) {
            fold.add(client, "request-xid", blame,
                     "REQUEST to " + ip_text(server) + " has xid " + hex32(m.xid) + ", but the OFFER it accepts had xid " +
                         hex32(latest->dhcp->xid),
                     {latest->number, f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-007: OFFER has ciaddr 0 and the offered address in yiaddr; ACK has
/// the assigned address (0 for an INFORM) and ciaddr from the request or 0;
/// NAK has ciaddr, yiaddr and siaddr 0 (RFC 2131 Table 3). Proxy and
/// boot-server replies answer to PXE-015/PXE-018 instead.
void dhcp_007(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-007");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || proxy_reply(f)) return;
        const auto type = m.message_type();
        if (!type) return;
        const MacAddr client = client_of(f);
        const std::string w = who(f);
        const std::string server = ip_text(src_ip(f));
        auto bad = [&](std::string_view field, std::string text) {
            fold.add(client, label(m) + ' ' + std::string(field) + ' ' + server, Blame::Master, w + ": " + text,
                     {f.number});
        };
        switch (*type) {
            case DhcpMessageType::Offer:
                if (!m.ciaddr.is_zero()) bad("ciaddr", "ciaddr " + ip_text(m.ciaddr) + ", must be 0.0.0.0");
                if (m.yiaddr.is_zero())
                    bad("yiaddr",
                        "yiaddr 0.0.0.0 without option 60 PXEClient: offers no address and is not a proxy offer");
                break;
            case DhcpMessageType::Ack: {
                const Frame* req = ctx.request_for(i);
                const bool inform = req && is_type(*req->dhcp, DhcpMessageType::Inform);
                if (inform) {
                    if (!m.yiaddr.is_zero())
                        bad("yiaddr", "ACK to an INFORM has yiaddr " + ip_text(m.yiaddr) + ", must be 0.0.0.0");
                } else if (m.yiaddr.is_zero() && req) {
                    bad("yiaddr", "ACK to a REQUEST has yiaddr 0.0.0.0, must hold the assigned address");
                }
                if (req && !m.ciaddr.is_zero() && m.ciaddr != req->dhcp->ciaddr) {
                    bad("ciaddr", "ciaddr " + ip_text(m.ciaddr) + ", must be the request's (" +
                                      ip_text(req->dhcp->ciaddr) + ") or 0.0.0.0");
                }
                break;
            }
            case DhcpMessageType::Nak:
                if (!m.ciaddr.is_zero()) bad("ciaddr", "ciaddr " + ip_text(m.ciaddr) + ", must be 0.0.0.0");
                if (!m.yiaddr.is_zero()) bad("yiaddr", "yiaddr " + ip_text(m.yiaddr) + ", must be 0.0.0.0");
                if (!m.siaddr.is_zero()) bad("siaddr", "siaddr " + ip_text(m.siaddr) + ", must be 0.0.0.0");
                break;
            default:
                break;
        }
    });
    fold.flush(sink);
}

/// DHCP-008: where OFFER and ACK go (RFC 2131 §4.1; RFC 1542 §5.4): to the
/// relay's port 67 when giaddr is set; else unicast to ciaddr; else to
/// 255.255.255.255 when B is set; else unicast to yiaddr and chaddr, with
/// broadcast always acceptable. NAKs are DHCP-009's; proxy and boot-server
/// replies PXE-015's and PXE-018's.
void dhcp_008(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-008");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || on_4011(f) || proxy_reply(f)) return;
        if (!is_type(m, DhcpMessageType::Offer) && !is_type(m, DhcpMessageType::Ack)) return;
        const Frame* req = ctx.request_for(i);
        const DhcpMessage& r = req ? *req->dhcp : m;
        const MacAddr client = client_of(f);
        const bool have_l2 = !f.src_mac.is_zero() || !f.dst_mac.is_zero();
        const bool ip_bcast = dst_ip(f).is_broadcast();
        const bool l2_bcast = f.dst_mac.is_broadcast();
        const std::string w = who(f);
        const std::string to = ip_text(dst_ip(f)) + (have_l2 ? " (" + f.dst_mac.to_string() + ")" : "");
        auto warn = [&](const std::string& key, Blame b, std::string text) {
            fold.add(client, key + ' ' + ip_text(src_ip(f)), b, w + ": " + text, {f.number});
        };
        if (!m.giaddr.is_zero()) {
            if (f.udp->dst_port == kDhcpServerPort) {
                if (dst_ip(f) != m.giaddr)
                    warn("relay", Blame::Master,
                         "sent to " + to + ", must go to the relay agent " + ip_text(m.giaddr) + " port 67");
            } else if (relay_to_client(f)) {
                // The relay's delivery to the client: by B, like a server on the link.
                const bool unicast_ok = dst_ip(f) == m.yiaddr && (!have_l2 || f.dst_mac == m.client_mac());
                if (m.broadcast_flag() && !(ip_bcast && (!have_l2 || l2_bcast)))
                    warn("relay-b", Blame::Network,
                         "relay agent sent it to " + to + " although B is set (must broadcast)");
                else if (!m.broadcast_flag() && !unicast_ok && !ip_bcast)
                    warn("relay-u", Blame::Network,
                         "relay agent sent it to " + to + ", expected " + ip_text(m.yiaddr) + " or broadcast");
            }
            return;
        }
        if (!r.ciaddr.is_zero()) {
            if (dst_ip(f) != r.ciaddr)
                warn("ciaddr", Blame::Master,
                     "sent to " + to + ", must be unicast to the client's ciaddr " + ip_text(r.ciaddr));
            return;
        }
        if (r.broadcast_flag()) {
            if (!ip_bcast || (have_l2 && !l2_bcast))
                warn("bflag", Blame::Master,
                     "sent to " + to + " although the client set the broadcast flag (must go to 255.255.255.255)");
            return;
        }
        if (ip_bcast) return;  // broadcast is the permitted fallback
        const bool ip_ok = dst_ip(f) == m.yiaddr;
        const bool l2_ok = !have_l2 || f.dst_mac == m.client_mac();
        if (!ip_ok || !l2_ok)
            warn("unicast", Blame::Master,
                 "sent to " + to + ", must be unicast to yiaddr " + ip_text(m.yiaddr) + " and chaddr " +
                     m.client_mac().to_string() + " (or broadcast)");
    });
    fold.flush(sink);
}

/// DHCP-009: a NAK goes to 255.255.255.255 when giaddr is 0, and carries B
/// when it goes to a relay, so the relay broadcasts it (RFC 2131 §4.1,
/// §4.3.2): a client in INIT-REBOOT may not take unicast.
void dhcp_009(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-009");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || on_4011(f) || !is_type(m, DhcpMessageType::Nak)) return;
        const Frame* req = ctx.request_for(i);
        const Ipv4Addr giaddr = req ? req->dhcp->giaddr : m.giaddr;
        const MacAddr client = client_of(f);
        if (giaddr.is_zero()) {
            const bool l2_ok = f.dst_mac.is_zero() || f.dst_mac.is_broadcast();
            if (!dst_ip(f).is_broadcast() || !l2_ok)
                fold.add(client, "dst " + ip_text(src_ip(f)), Blame::Master,
                         who(f) + ": sent to " + ip_text(dst_ip(f)) + ", must be broadcast to 255.255.255.255",
                         {f.number});
        } else if (f.udp->dst_port == kDhcpServerPort && !m.broadcast_flag()) {
            fold.add(client, "bflag " + ip_text(src_ip(f)), Blame::Master,
                     who(f) + ": sent to relay " + ip_text(giaddr) + " without the broadcast flag", {f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-010: client 68->67, server 67->68 (67->67 to and from a relay), and
/// before it has an address the client sends from 0.0.0.0 to
/// 255.255.255.255 (RFC 2131 §4.1, §4.4.1). Wrong ports and a unicast
/// destination break the exchange (FAIL); a non-zero source address alone is
/// a WARN, as servers answer by chaddr, flags and giaddr, not by IP source.
/// UDP 4011 traffic is PXE-009/PXE-018's.
void dhcp_010(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-010");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (on_4011(f) || (m.op != 1 && m.op != 2)) return;
        const auto& u = *f.udp;
        const MacAddr client = client_of(f);
        const std::string ports = std::to_string(u.src_port) + "->" + std::to_string(u.dst_port);
        if (m.op == 1) {
            const Blame blame = client_blame(ctx, i);
            const bool relay_leg = u.src_port == kDhcpServerPort && u.dst_port == kDhcpServerPort && !m.giaddr.is_zero();
            if (relay_leg) return;
            if (u.src_port != kDhcpClientPort || u.dst_port != kDhcpServerPort) {
                fold.add(client, blame, label(m) + " sent " + ports + ", a client sends 68->67", {f.number});
                return;
            }
            const bool unconfigured = is_type(m, DhcpMessageType::Discover) ||
                                      (is_type(m, DhcpMessageType::Request) && m.ciaddr.is_zero() &&
                                       m.find(wire::opt::kRequestedAddress) != nullptr);
            if (!unconfigured) return;
            if (!dst_ip(f).is_broadcast()) {
                fold.add(client, blame,
                         label(m) + " sent to " + ip_text(dst_ip(f)) +
                             ", must be broadcast to 255.255.255.255 before the client has an address",
                         {f.number});
            }
            if (!src_ip(f).is_zero()) {
                fold.add(client, blame,
                         label(m) + " sent from " + ip_text(src_ip(f)) +
                             ", must be 0.0.0.0 before the client has an address",
                         {f.number}, Severity::Warn);
            }
            return;
        }
        const bool ok = u.src_port == kDhcpServerPort &&
                        (u.dst_port == kDhcpClientPort || (u.dst_port == kDhcpServerPort && !m.giaddr.is_zero()));
        if (!ok) {
            fold.add(client, Blame::Master,
                     who(f) + " sent " + ports + ", a server answers 67->68 (67->67 to a relay agent)", {f.number});
        }
    });
    fold.flush(sink);
}

/// DHCP-011: the magic cookie 63 82 53 63 at payload offset 236 (RFC 2131
/// §3; RFC 2132 §2). Without it a PXE ROM sees no DHCP options at all. An
/// all-zero vend field from a client is plain BOOTP (RFC 951): WARN, since
/// BOOTP servers still answer it.
void dhcp_011(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-011");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.has_cookie) return;
        if (payload_size(f) < wire::kOptionsOffset) return;  // no room for a cookie: DHCP-012
        if (payload_cut(f) && f.udp->payload.size() < wire::kOptionsOffset) return;
        const Blame blame = sender_blame(ctx, i);
        const bool zero = std::all_of(m.cookie.begin(), m.cookie.end(), [](std::uint8_t b) { return b == 0; });
        const std::string seen = to_hex(ByteView(m.cookie.data(), m.cookie.size()));
        const std::string sender = m.op == 2 ? "reply from " + ip_text(src_ip(f)) : "client message";
        if (zero && m.op == 1) {
            fold.add(client_of(f), blame, "plain BOOTP request: no DHCP magic cookie (octets 236-239 are 00000000)",
                     {f.number}, Severity::Warn);
            return;
        }
        fold.add(client_of(f), sender, blame,
                 who(f) + ": octets 236-239 are " + seen + ", not the magic cookie 63825363", {f.number});
    });
    fold.flush(sink);
}

/// DHCP-012: a BOOTP payload of at least 300 octets (RFC 1542 §2.1, RFC 951
/// §3); relays and old peers may drop shorter ones, but the peers on one
/// link take them (syslinux.efi sends ~260-octet requests): WARN. A payload
/// that does not even hold the 236-octet header is no BOOTP message: FAIL.
void dhcp_012(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-012");
    for (std::size_t i = 0; i < ctx.trace.frames.size(); ++i) {
        const Frame& f = ctx.frame(i);
        if (!f.udp || (f.protocol != Protocol::Dhcp && f.protocol != Protocol::BootServer)) continue;
        const std::size_t size = payload_size(f);
        if (size >= wire::kBootpMinSize) continue;
        if (f.dhcp) {
            // A lease query goes unicast between a relay and a server: the
            // minimum is for the boot's broadcasts through relays.
            if (const auto type = f.dhcp->message_type(); type && wire::outside_boot(*type)) continue;
            const auto& m = *f.dhcp;
            const std::string sender = m.op == 2 ? ip_text(src_ip(f)) : "client";
            fold.add(client_of(f), sender + ' ' + label(m), sender_blame(ctx, i),
                     who(f) + ": " + std::to_string(size) + "-octet BOOTP payload, below the 300-octet minimum",
                     {f.number});
            continue;
        }
        // The header did not fit: no chaddr, so the link says who it is.
        const bool from_server = f.udp->src_port == kDhcpServerPort || f.udp->src_port == kPxeBootServerPort;
        const MacAddr client = from_server ? f.dst_mac : f.src_mac;
        fold.add(client, from_server ? Blame::Master : Blame::Nic,
                 std::to_string(size) + "-octet payload on " + std::to_string(f.udp->src_port) + "->" +
                     std::to_string(f.udp->dst_port) + " does not hold the 236-octet BOOTP header",
                 {f.number}, Severity::Fail);
    }
    fold.flush(sink);
}

/// DHCP-013: a server sends more than 576 octets (IP datagram) only up to
/// the client's option 57 (RFC 2131 §2, §3.5; RFC 2132 §9.10). The other
/// half (receivers accept 576) needs a stimulus.
void dhcp_013(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-013");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2) return;
        const std::size_t datagram = payload_size(f) + kIpUdpHeaders;
        if (datagram <= kMinDatagram) return;
        const Frame* req = ctx.request_for(i);
        if (!req) return;
        std::optional<std::size_t> max57;
        if (const auto* o = req->dhcp->find(wire::opt::kMaxMessageSize); o && o->data.size() == 2)
            max57 = (std::size_t{o->data[0]} << 8) | o->data[1];
        const std::size_t limit = std::max(kMinDatagram, max57.value_or(kMinDatagram));
        if (datagram <= limit) return;
        fold.add(client_of(f), "size " + ip_text(src_ip(f)), Blame::Master,
                 who(f) + " is a " + std::to_string(datagram) + "-octet datagram, above the client's limit of " +
                     std::to_string(limit) + (max57 ? " (its option 57)" : " (no option 57: 576)"),
                 {req->number, f.number});
    });
    fold.flush(sink);
}

/// DHCP-014: sname (64) and file (128), when not overloaded, hold
/// NUL-terminated text (RFC 2131 Table 1): a field with no NUL gives C
/// receivers an unterminated string.
void dhcp_014(const Context& ctx, Sink& sink) {
    Fold fold("DHCP-014");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (payload_cut(f) && f.udp->payload.size() < wire::kBootpHeaderSize) return;
        const std::uint8_t overload = m.overload();
        auto check = [&](std::string_view name, const std::uint8_t* data, std::size_t size) {
            if (std::find(data, data + size, std::uint8_t{0}) != data + size) return;
            fold.add(client_of(f), sender_blame(ctx, i),
                     who(f) + ": " + std::string(name) + " field holds " + std::to_string(size) +
                         " octets of text with no terminating NUL",
                     {f.number});
        };
        if (overload != 2 && overload != 3) check("sname", m.sname.data(), m.sname.size());
        if (overload != 1 && overload != 3) check("file", m.file.data(), m.file.size());
    });
    fold.flush(sink);
}

// --- 2. Option encoding --------------------------------------------------------------

/// The option instance an anomaly offset points into, if any.
const wire::DhcpOption* option_at(const DhcpMessage& m, std::size_t offset) {
    for (const auto& o : m.options) {
        if (o.offset == 0 && offset != 0) continue;  // built, not decoded
        if (offset >= o.offset && offset < o.offset + 2 + o.data.size()) return &o;
    }
    return nullptr;
}

std::string area_name(wire::OptionArea a) {
    switch (a) {
        case wire::OptionArea::Options: return "options";
        case wire::OptionArea::File: return "file";
        case wire::OptionArea::Sname: return "sname";
    }
    return "?";
}

/// Reports decoder anomalies with one of \p ids under \p rule, skipping
/// frames the capture cut short.
template <typename Pred>
void from_anomalies(const Context& ctx, Fold& fold, std::initializer_list<std::string_view> ids, Pred&& keep,
                    std::optional<Severity> severity = std::nullopt) {
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (payload_cut(f)) return;
        for (const auto& a : f.anomalies) {
            if (std::find(ids.begin(), ids.end(), a.id) == ids.end()) continue;
            if (!keep(f, a)) continue;
            const std::string sender = m.op == 2 ? ip_text(src_ip(f)) : "client";
            fold.add(client_of(f), sender + ' ' + label(m) + ' ' + a.id, sender_blame(ctx, i),
                     who(f) + ": " + (a.detail.empty() ? a.id : a.detail) + " (" + a.id + " at offset " +
                         std::to_string(a.offset) + ")",
                     {f.number}, severity);
        }
    });
}

/// OPT-001: the options end with END and only PAD follows in that field
/// (RFC 2131 §4.1, RFC 2132 §3.2). A missing END fails (ROMs walk on into
/// the padding); data after END is a WARN, since every receiver stops at
/// END. A missing END behind a truncated option is OPT-002's.
void opt_001(const Context& ctx, Sink& sink) {
    Fold fold("OPT-001");
    from_anomalies(ctx, fold, {"dhcp.missing_end"}, [](const Frame& f, const Anomaly&) {
        return !has_anomaly(f.anomalies, "dhcp.truncated_option");
    });
    from_anomalies(ctx, fold, {"dhcp.data_after_end"}, [](const Frame&, const Anomaly&) { return true; },
                   Severity::Warn);
    fold.flush(sink);
}

/// OPT-002: every option but PAD and END has a length octet and fits in its
/// field (RFC 2132 §2, RFC 2131 §4.1).
void opt_002(const Context& ctx, Sink& sink) {
    Fold fold("OPT-002");
    from_anomalies(ctx, fold, {"dhcp.truncated_option"}, [](const Frame&, const Anomaly&) { return true; });
    fold.flush(sink);
}

/// Codes whose shape other rules judge: 43 (PXE-020/021), 77 (PXE-029),
/// 93/94/97 (PXE-002), 208-211 (PXE-028).
bool owned_by_pxe_rules(std::uint8_t code) {
    return code == wire::opt::kVendorSpecific || code == wire::opt::kUserClass ||
           code == wire::opt::kClientArch || code == wire::opt::kClientNdi || code == wire::opt::kClientUuid ||
           (code >= 208 && code <= 211);
}

/// OPT-003: length octets as RFC 2132 §9 fixes them (50, 51, 54, 58, 59 = 4;
/// 52, 53 = 1; 57 = 2; 55, 56, 60, 66, 67 >= 1; 61 >= 2) and as the option
/// catalogue fixes them for the other codes. The decoder checks every
/// instance against the catalogue (split options after RFC 3396 joining)
/// and names what it found; codes other rules own are left to them.
void opt_003(const Context& ctx, Sink& sink) {
    Fold fold("OPT-003");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (payload_cut(f)) return;
        for (const auto& a : f.anomalies) {
            if (a.id != "dhcp.bad_option_length") continue;
            const wire::DhcpOption* o = option_at(m, a.offset);
            if (o && owned_by_pxe_rules(o->code)) continue;
            fold.add(client_of(f), sender_blame(ctx, i), who(f) + ": " + (a.detail.empty() ? a.id : a.detail),
                     {f.number});
        }
    });
    fold.flush(sink);
}

/// OPT-004: every DHCP message has exactly one 53, valued 1-8 and valid for
/// its direction: client 1/3/4/7/8, server 2/5/6 (RFC 2131 §3, RFC 2132
/// §9.6). A message with a cookie but no 53 is BOOTP with vendor
/// extensions: a FAIL when it answers a DHCP request (PXE ROMs drop it), a
/// WARN from a client.
void opt_004(const Context& ctx, Sink& sink) {
    Fold fold("OPT-004");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (!m.has_cookie) return;  // DHCP-011
        if (payload_cut(f)) return;
        const MacAddr client = client_of(f);
        const Blame blame = sender_blame(ctx, i);
        const std::string sender = m.op == 2 ? ip_text(src_ip(f)) : "client";
        const std::size_t n = m.count(wire::opt::kMessageType);
        Side side = port_side(f);
        if (side == Side::Unknown) side = m.op == 2 ? Side::Server : Side::Client;
        if (n == 0) {
            if (side == Side::Server) {
                const Frame* req = ctx.request_for(i);
                const bool answers_dhcp = req && req->dhcp->count(wire::opt::kMessageType) > 0;
                fold.add(client, sender + " no53", blame,
                         "BOOTREPLY from " + ip_text(src_ip(f)) + " has no option 53" +
                             (answers_dhcp ? " but answers a DHCP request" : ""),
                         {f.number}, answers_dhcp ? Severity::Fail : Severity::Warn);
            } else {
                fold.add(client, sender + " no53", blame, "BOOTREQUEST with a cookie but no option 53", {f.number},
                         Severity::Warn);
            }
            return;
        }
        if (n > 1) {
            fold.add(client, sender + " many53", blame,
                     who(f) + ": option 53 appears " + std::to_string(n) + " times, must be exactly once",
                     {f.number});
        }
        const auto* o = m.find(wire::opt::kMessageType);
        if (!o || o->data.size() != 1) return;  // length: OPT-003
        const std::uint8_t v = o->data[0];
        if (v < 1 || v > wire::kLastRegisteredMessageType) {
            fold.add(client, sender + " value", blame,
                     (side == Side::Server ? "reply from " + ip_text(src_ip(f)) : std::string("client message")) +
                         ": option 53 = " + std::to_string(v) + ", a value IANA has not registered (1-" +
                         std::to_string(wire::kLastRegisteredMessageType) + " are)",
                     {f.number});
            return;
        }
        const bool server_type = v == 2 || v == 5 || v == 6;
        if (server_type != (side == Side::Server)) {
            const std::string name = wire::to_string(static_cast<DhcpMessageType>(v));
            fold.add(client, sender + " dir " + name, blame,
                     name + " (53 = " + std::to_string(v) + ") sent " +
                         (side == Side::Server ? "by a server" : "by a client") + ", but only " +
                         (server_type ? "servers" : "clients") + " send it",
                     {f.number});
        }
    });
    fold.flush(sink);
}

/// OPT-005: overload (52) sits in the main field with value 1-3, and the
/// overloaded fields hold options that end with END (RFC 2131 §4.1, RFC
/// 2132 §9.3). The decoder validates the areas and names what it found.
void opt_005(const Context& ctx, Sink& sink) {
    Fold fold("OPT-005");
    from_anomalies(ctx, fold, {"dhcp.overload_bad_value", "dhcp.overload_misplaced", "dhcp.overload_missing_end"},
                   [](const Frame&, const Anomaly&) { return true; });
    fold.flush(sink);
}

/// OPT-006: a code repeats only as an RFC 3396 split; servers list each
/// parameter once; a repeated 50-54 or 57 is an error (RFC 2131 §4.1,
/// §4.3.1; RFC 3396 §5, §7). Receivers join repeats: a repeated 50-54/57
/// is an error (FAIL); a repeated other fixed-length option or two identical
/// instances are a listing mistake (WARN; OPT-003 judges the joined length);
/// a genuine split is reported with its joined length (INFO: some ROMs do
/// not join).
void opt_006(const Context& ctx, Sink& sink) {
    Fold fold("OPT-006");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        std::map<std::uint8_t, std::vector<const wire::DhcpOption*>> by_code;
        std::vector<std::uint8_t> order;
        for (const auto& o : m.options) {
            if (o.code == wire::opt::kPad || o.code == wire::opt::kEnd) continue;
            auto& v = by_code[o.code];
            if (v.empty()) order.push_back(o.code);
            v.push_back(&o);
        }
        const MacAddr client = client_of(f);
        const Blame blame = sender_blame(ctx, i);
        const std::string sender = m.op == 2 ? ip_text(src_ip(f)) : "client";
        for (auto code : order) {
            const auto& inst = by_code[code];
            if (inst.size() < 2) continue;
            const std::string name = wire::option_name(code);
            const std::string times = std::to_string(inst.size());
            const auto* info = wire::option_info(code);
            const bool never_split = (code >= 50 && code <= 54) || code == wire::opt::kMaxMessageSize;
            const bool fixed = info && info->min_len == info->max_len;
            const bool identical = std::all_of(inst.begin(), inst.end(),
                                               [&](const wire::DhcpOption* o) { return o->data == inst[0]->data; });
            std::size_t joined = 0;
            std::string areas;
            for (const auto* o : inst) {
                joined += o->data.size();
                const std::string a = area_name(o->area);
                if (areas.find(a) == std::string::npos) areas += (areas.empty() ? "" : "+") + a;
            }
            const std::string key = sender + ' ' + label(m) + ' ' + std::to_string(code);
            if (never_split) {
                fold.add(client, key, blame,
                         who(f) + ": option " + name + " appears " + times + " times; it carries one value and must appear once",
                         {f.number}, Severity::Fail);
            } else if (fixed) {
                // Joined (RFC 3396), the value no longer has its fixed
                // length: OPT-003 reports the length, this the repeat.
                fold.add(client, key, blame,
                         who(f) + ": fixed-length option " + name + " appears " + times + " times (joined: " +
                             std::to_string(joined) + " octets)",
                         {f.number}, Severity::Warn);
            } else if (identical) {
                fold.add(client, key, blame,
                         who(f) + ": option " + name + " appears " + times +
                             " times with the same value; receivers join them (RFC 3396) into " +
                             std::to_string(joined) + " octets",
                         {f.number}, Severity::Warn);
            } else {
                fold.add(client, key, blame,
                         who(f) + ": option " + name + " split into " + times + " instances (" + areas +
                             "), joined value " + std::to_string(joined) + " octets",
                         {f.number}, Severity::Info);
            }
        }
    });
    fold.flush(sink);
}

/// OPT-007: text options should not end in NUL; receivers strip one (RFC
/// 2132 §2). Checked on 12, 15, 56, 60, 66, 67. One trailing NUL on 67 is
/// INFO: masters add it on purpose because some PXE ROMs want it.
void opt_007(const Context& ctx, Sink& sink) {
    Fold fold("OPT-007");
    static constexpr std::uint8_t kTextCodes[] = {12, 15, 56, 60, 66, 67};
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        for (auto code : kTextCodes) {
            const auto v = m.joined(code);
            if (!v || v->empty()) continue;
            const auto first_nul = std::find(v->begin(), v->end(), std::uint8_t{0});
            if (first_nul == v->end()) continue;
            const std::size_t trailing =
                static_cast<std::size_t>(std::find_if(v->rbegin(), v->rend(), [](std::uint8_t b) { return b != 0; }) -
                                         v->rbegin());
            const bool embedded = static_cast<std::size_t>(v->end() - first_nul) > trailing;
            const std::string name = wire::option_name(code);
            const std::string text = in_quotes(printable(ByteView(v->data(), v->size())));
            std::optional<Severity> sev;
            std::string what;
            if (embedded) {
                what = "contains a NUL inside the text";
            } else if (trailing == 1) {
                what = "ends in a NUL";
                if (code == wire::opt::kBootfileName) sev = Severity::Info;
            } else {
                what = "ends in " + std::to_string(trailing) + " NULs (receivers strip only one)";
            }
            fold.add(client_of(f), sender_blame(ctx, i),
                     who(f) + ": option " + name + " " + text + " " + what, {f.number}, sev);
        }
    });
    fold.flush(sink);
}

// --- 3. Message contents and state ---------------------------------------------------

/// MSG-001: OFFER, ACK and NAK carry 54 (RFC 2131 Table 3): clients name the
/// server in their REQUEST by it. Boot-server ACKs on 4011: PXE-018.
void msg_001(const Context& ctx, Sink& sink) {
    Fold fold("MSG-001");
    each_dhcp(ctx, [&](std::size_t, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || on_4011(f)) return;
        if (!is_type(m, DhcpMessageType::Offer) && !is_type(m, DhcpMessageType::Ack) &&
            !is_type(m, DhcpMessageType::Nak))
            return;
        if (m.find(wire::opt::kServerId)) return;
        fold.add(client_of(f), Blame::Master, who(f) + " has no server identifier (option 54)", {f.number});
    });
    fold.flush(sink);
}

/// MSG-002: 51 in every OFFER and in an ACK to a REQUEST; never in an ACK
/// to an INFORM or in a NAK (RFC 2131 Table 3, §4.3.5). Proxy replies are
/// exempt (they assign nothing).
void msg_002(const Context& ctx, Sink& sink) {
    Fold fold("MSG-002");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || proxy_reply(f)) return;
        const auto type = m.message_type();
        if (!type) return;
        const bool has51 = m.find(wire::opt::kLeaseTime) != nullptr;
        const MacAddr client = client_of(f);
        if (*type == DhcpMessageType::Offer && !has51) {
            fold.add(client, Blame::Master, who(f) + " has no lease time (option 51)", {f.number});
        } else if (*type == DhcpMessageType::Ack) {
            const Frame* req = ctx.request_for(i);
            // Without the request, an ACK that assigns nothing answers an INFORM.
            const bool inform = req ? is_type(*req->dhcp, DhcpMessageType::Inform) : m.yiaddr.is_zero();
            if (inform && has51)
                fold.add(client, Blame::Master, who(f) + " answers an INFORM but carries a lease time (option 51)",
                         {f.number});
            else if (!inform && !has51)
                fold.add(client, Blame::Master, who(f) + " answers a REQUEST but has no lease time (option 51)",
                         {f.number});
        } else if (*type == DhcpMessageType::Nak && has51) {
            fold.add(client, Blame::Master, who(f) + " carries a lease time (option 51)", {f.number});
        }
    });
    fold.flush(sink);
}

/// MSG-003: replies never carry 50, 55 or 57, and OFFER/ACK not 61 (RFC
/// 2131 Table 3). RFC 6842 later made servers echo the client's 61, so an
/// echo of the client's own 61 is correct; a 61 the client did not send is
/// a WARN, and a different one a FAIL (RFC 6842 clients drop the reply).
void msg_003(const Context& ctx, Sink& sink) {
    Fold fold("MSG-003");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2) return;
        const MacAddr client = client_of(f);
        std::vector<std::uint8_t> found;
        for (std::uint8_t code : {wire::opt::kRequestedAddress, wire::opt::kParameterList, wire::opt::kMaxMessageSize})
            if (m.find(code)) found.push_back(code);
        if (!found.empty())
            fold.add(client, Blame::Master,
                     who(f) + " carries option" + (found.size() > 1 ? "s " : " ") + list_codes(found) +
                         ", which only clients send",
                     {f.number});
        if (!is_type(m, DhcpMessageType::Offer) && !is_type(m, DhcpMessageType::Ack)) return;
        const auto id = m.joined(wire::opt::kClientId);
        if (!id) return;
        const Frame* req = ctx.request_for(i);
        if (!req) return;
        const auto asked = req->dhcp->joined(wire::opt::kClientId);
        if (asked && *asked == *id) return;  // RFC 6842 echo
        if (asked) {
            fold.add(client, Blame::Master,
                     who(f) + " carries a client identifier (61) different from the one the client sent",
                     {req->number, f.number}, Severity::Fail);
        } else {
            fold.add(client, Blame::Master,
                     who(f) + " carries a client identifier (61) the client did not send", {f.number},
                     Severity::Warn);
        }
    });
    fold.flush(sink);
}

/// MSG-004: a NAK carries only 53, 54 and optionally 56, 60, 61 (and the
/// relay agent's 82, which RFC 3046 §2.2 has servers echo), and leaves
/// sname and file unused (RFC 2131 Table 3).
void msg_004(const Context& ctx, Sink& sink) {
    Fold fold("MSG-004");
    each_dhcp(ctx, [&](std::size_t, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || !is_type(m, DhcpMessageType::Nak)) return;
        std::vector<std::uint8_t> extra;
        for (const auto& o : m.options) {
            switch (o.code) {
                case wire::opt::kPad: case wire::opt::kEnd: case wire::opt::kMessageType:
                case wire::opt::kServerId: case wire::opt::kMessage: case wire::opt::kVendorClass:
                case wire::opt::kClientId: case 82:
                    continue;
                default:
                    if (std::find(extra.begin(), extra.end(), o.code) == extra.end()) extra.push_back(o.code);
            }
        }
        const MacAddr client = client_of(f);
        if (!extra.empty())
            fold.add(client, Blame::Master, who(f) + " carries option" + (extra.size() > 1 ? "s " : " ") +
                                                list_codes(extra) + "; a NAK holds only 53, 54, 56, 60, 61",
                     {f.number});
        auto used = [](const auto& field) {
            return std::any_of(field.begin(), field.end(), [](std::uint8_t b) { return b != 0; });
        };
        if (m.overload() == 0 && (used(m.sname) || used(m.file)))
            fold.add(client, Blame::Master,
                     who(f) + " fills " + (used(m.sname) ? (used(m.file) ? "sname and file" : "sname") : "file") +
                         ", which a NAK leaves unused",
                     {f.number});
    });
    fold.flush(sink);
}

/// MSG-005: 54 is an address of the replying server that the client can
/// reach (RFC 2131 §4.1): the client unicasts renewals and 4011 requests to
/// it. 0.0.0.0 is unusable (FAIL); another address than the one the reply
/// came from is a WARN (multi-homed servers may do it on purpose).
void msg_005(const Context& ctx, Sink& sink) {
    Fold fold("MSG-005");
    each_dhcp(ctx, [&](std::size_t, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || relay_to_client(f)) return;  // the relay's source says nothing about 54
        const auto* o = m.find(wire::opt::kServerId);
        if (!o || o->data.size() != 4) return;  // MSG-001 / OPT-003
        const Ipv4Addr sid = *m.server_id();
        const MacAddr client = client_of(f);
        if (sid.is_zero()) {
            fold.add(client, Blame::Master, who(f) + ": server identifier (54) is 0.0.0.0", {f.number},
                     Severity::Fail);
        } else if (sid.is_broadcast()) {
            fold.add(client, Blame::Master, who(f) + ": server identifier (54) is 255.255.255.255", {f.number},
                     Severity::Fail);
        } else if (sid != src_ip(f)) {
            fold.add(client, Blame::Master,
                     who(f) + ": server identifier (54) is " + ip_text(sid) + ", not the address the reply came from",
                     {f.number});
        }
    });
    fold.flush(sink);
}

/// MSG-007: DISCOVER has no 54; the SELECTING REQUEST names the chosen
/// OFFER's 54, asks for its yiaddr in 50 and goes to the same broadcast
/// destination as the DISCOVER (FAIL), with the same secs (RFC 2131
/// §3.1(3), §4.3.2, §4.4.1, Tables 4 and 5). iPXE counts secs on; every
/// server accepts that, so secs is a WARN naming the MUST.
void msg_007(const Context& ctx, Sink& sink) {
    Fold fold("MSG-007");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 1 || on_4011(f)) return;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        if (is_type(m, DhcpMessageType::Discover)) {
            if (m.find(wire::opt::kServerId))
                fold.add(client, blame, "DISCOVER carries a server identifier (54)", {f.number});
            return;
        }
        if (!selecting_request(f)) return;
        const auto offers = offers_before(ctx, i, m.chaddr, m.xid);
        if (!offers.empty()) {  // none with this xid: DHCP-006's
            const auto sid = m.server_id();
            const Frame* chosen = nullptr;
            for (const Frame* o : offers)
                if (sid && server_of(*o) == *sid) {
                    chosen = o;
                    break;
                }
            if (!chosen) {
                fold.add(client, "54", blame,
                         "REQUEST names server " + (sid ? ip_text(*sid) : std::string("(bad 54)")) +
                             ", which made no OFFER to this xid",
                         {offers.front()->number, f.number});
            } else {
                const auto want50 = m.requested_address();
                if (!want50) {
                    fold.add(client, "50", blame, "SELECTING REQUEST has no requested address (option 50)",
                             {chosen->number, f.number});
                } else if (*want50 != chosen->dhcp->yiaddr) {
                    fold.add(client, "50", blame,
                             "REQUEST asks for " + ip_text(*want50) + " (50), but the OFFER from " +
                                 ip_text(*sid) + " gave " + ip_text(chosen->dhcp->yiaddr),
                             {chosen->number, f.number});
                }
            }
        }
        const Frame* disc = earlier_client_message(ctx, i, DhcpMessageType::Discover);
        if (!disc) return;
        if (dst_ip(*disc) != dst_ip(f)) {
            fold.add(client, "dst", blame,
                     "REQUEST sent to " + ip_text(dst_ip(f)) + ", the DISCOVER to " + ip_text(dst_ip(*disc)) +
                         "; the SELECTING REQUEST must be broadcast like the DISCOVER",
                     {disc->number, f.number});
        }
        if (disc->dhcp->secs != m.secs) {
            fold.add(client, "secs", blame,
                     "REQUEST has secs " + std::to_string(m.secs) + ", its DISCOVER had " +
                         std::to_string(disc->dhcp->secs) + " (RFC 2131 §4.4.1 MUST; servers accept it)",
                     {disc->number, f.number}, Severity::Warn);
        }
    });
    fold.flush(sink);
}

/// MSG-008: the SELECTING REQUEST's 55 (and 61) match the DISCOVER's (RFC
/// 2131 §2, §3.5, §4.3.2). A dropped parameter can cost the ACK its boot
/// options and a changed 61 makes the server see another client (FAIL);
/// a list that is only reordered or extended is a WARN.
void msg_008(const Context& ctx, Sink& sink) {
    Fold fold("MSG-008");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (!selecting_request(f)) return;
        const Frame* disc = earlier_client_message(ctx, i, DhcpMessageType::Discover);
        if (!disc) return;
        const auto& d = *disc->dhcp;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        const auto p_disc = d.joined(wire::opt::kParameterList);
        const auto p_req = m.joined(wire::opt::kParameterList);
        if (p_disc != p_req) {
            std::vector<std::uint8_t> dropped;
            std::vector<std::uint8_t> added;
            const Bytes a = p_disc.value_or(Bytes{});
            const Bytes b = p_req.value_or(Bytes{});
            for (auto c : a)
                if (std::find(b.begin(), b.end(), c) == b.end()) dropped.push_back(c);
            for (auto c : b)
                if (std::find(a.begin(), a.end(), c) == a.end()) added.push_back(c);
            std::string text = "REQUEST's parameter list (55) differs from the DISCOVER's";
            if (!dropped.empty()) text += "; dropped " + list_codes(dropped);
            if (!added.empty()) text += "; added " + list_codes(added);
            if (dropped.empty() && added.empty()) text += " in order only";
            fold.add(client, "55", blame, text, {disc->number, f.number},
                     dropped.empty() ? Severity::Warn : Severity::Fail);
        }
        const auto id_disc = d.joined(wire::opt::kClientId);
        const auto id_req = m.joined(wire::opt::kClientId);
        if (id_disc != id_req) {
            std::string text = !id_req  ? "REQUEST drops the DISCOVER's client identifier (61)"
                               : !id_disc ? "REQUEST adds a client identifier (61) the DISCOVER did not have"
                                          : "REQUEST's client identifier (61) differs from the DISCOVER's";
            fold.add(client, "61", blame, text, {disc->number, f.number});
        }
    });
    fold.flush(sink);
}

std::string file_of(const DhcpMessage& m) {
    std::string file = m.file_field();
    if (file.empty()) file = m.text_option(wire::opt::kBootfileName).value_or("");
    return file;
}

/// MSG-011: the ACK agrees with the OFFER it confirms on yiaddr, siaddr, the
/// boot file and option 43 (RFC 2131 §3.1(4), §4.3.2). PXE ROMs take boot
/// parameters from either, so a difference is a WARN that says which.
/// MSG-013: the client messages that are no request for an address, DECLINE,
/// RELEASE and INFORM, carry what RFC 2131 Table 5 asks (§4.4.4, §4.4.6).
/// A missing 54, 50 (DECLINE) or ciaddr (RELEASE, INFORM) leaves the server
/// unable to act on it: FAIL. An option Table 5 forbids them changes
/// nothing a server does with it: WARN. (secs and flags, which Table 5 also
/// wants 0, are left out: busybox udhcpc sends secs 1 and EDK2 sets B in
/// their DECLINEs, harmlessly.)
void msg_013(const Context& ctx, Sink& sink) {
    Fold fold("MSG-013");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 1 || on_4011(f)) return;
        const auto type = m.message_type();
        if (!type) return;
        const bool decline = *type == DhcpMessageType::Decline;
        const bool release = *type == DhcpMessageType::Release;
        const bool inform = *type == DhcpMessageType::Inform;
        if (!decline && !release && !inform) return;
        const MacAddr client = client_of(f);
        const Blame blame = client_blame(ctx, i);
        const std::string what = label(m);
        auto fault = [&](const std::string& key, const std::string& text, Severity sev) {
            fold.add(client, what + ' ' + key, blame, what + ": " + text, {f.number}, sev);
        };
        const bool has50 = m.find(wire::opt::kRequestedAddress) != nullptr;
        const bool has54 = m.find(wire::opt::kServerId) != nullptr;
        if (decline || release) {
            if (!has54)
                fault("no54", "no option 54: the servers cannot tell whose lease it " +
                                  std::string(decline ? "declines" : "releases"),
                      Severity::Fail);
            if (decline && !has50)
                fault("no50", "no option 50: the declined address goes there (RFC 2131 §4.4.4)", Severity::Fail);
            if (release && m.ciaddr.is_zero())
                fault("ciaddr", "ciaddr 0.0.0.0: the released address goes there (RFC 2131 §4.4.6)", Severity::Fail);
            if (release && has50) fault("has50", "option 50, which a RELEASE must not carry", Severity::Warn);
            std::vector<std::uint8_t> extra;
            for (const auto& o : m.options) {
                const auto c = o.code;
                const bool allowed = c == wire::opt::kPad || c == wire::opt::kEnd || c == wire::opt::kMessageType || c == wire::opt::kRequestedAddress ||
                                     c == wire::opt::kServerId || c == wire::opt::kMessage ||
                                     c == wire::opt::kClientId || c == wire::opt::kOverload;
                if (!allowed && std::find(extra.begin(), extra.end(), c) == extra.end()) extra.push_back(c);
            }
            if (!extra.empty())
                fault("extra", "carries option" + std::string(extra.size() == 1 ? " " : "s ") + list_codes(extra) +
                                   ", which Table 5 forbids in a " + (decline ? "DECLINE" : "RELEASE") +
                                   " (only 53, 50, 54, 56, 61)",
                      Severity::Warn);
        } else {
            if (m.ciaddr.is_zero())
                fault("ciaddr", "ciaddr 0.0.0.0: an INFORM comes from a client that has its address, and the ACK "
                                "goes to ciaddr (RFC 2131 §4.4.3)",
                      Severity::Fail);
            std::vector<std::uint8_t> extra;
            for (auto c : {wire::opt::kRequestedAddress, wire::opt::kLeaseTime, wire::opt::kServerId})
                if (m.find(c)) extra.push_back(c);
            if (!extra.empty())
                fault("extra", "carries option" + std::string(extra.size() == 1 ? " " : "s ") + list_codes(extra) +
                                   ", which an INFORM must not (50, 51, 54)",
                      Severity::Warn);
        }
    });
    fold.flush(sink);
}

void msg_011(const Context& ctx, Sink& sink) {
    Fold fold("MSG-011");
    each_dhcp(ctx, [&](std::size_t i, const Frame& f, const DhcpMessage& m) {
        if (m.op != 2 || proxy_reply(f) || !is_type(m, DhcpMessageType::Ack) || m.yiaddr.is_zero()) return;
        const Frame* req = ctx.request_for(i);
        if (!req || !selecting_request(*req)) return;
        const Ipv4Addr server = server_of(f);
        const Frame* offer = nullptr;
        for (const Frame* o : offers_before(ctx, i, m.chaddr, m.xid))
            if (server_of(*o) == server) {
                offer = o;
                break;
            }
        if (!offer) return;
        const auto& o = *offer->dhcp;
        std::vector<std::string> diffs;
        if (o.yiaddr != m.yiaddr) diffs.push_back("yiaddr " + ip_text(o.yiaddr) + " -> " + ip_text(m.yiaddr));
        if (o.siaddr != m.siaddr) diffs.push_back("siaddr " + ip_text(o.siaddr) + " -> " + ip_text(m.siaddr));
        const std::string fo = file_of(o);
        const std::string fa = file_of(m);
        if (fo != fa) diffs.push_back("file " + in_quotes(fo) + " -> " + in_quotes(fa));
        const auto v_o = o.joined(wire::opt::kVendorSpecific);
        const auto v_a = m.joined(wire::opt::kVendorSpecific);
        if (v_o != v_a)
            diffs.push_back("option 43 " + (v_o ? std::to_string(v_o->size()) + " octets" : std::string("absent")) +
                            " -> " + (v_a ? std::to_string(v_a->size()) + " octets" : std::string("absent")));
        if (diffs.empty()) return;
        std::string text = "ACK from " + ip_text(src_ip(f)) + " differs from its OFFER: ";
        for (std::size_t k = 0; k < diffs.size(); ++k) text += (k ? ", " : "") + diffs[k];
        fold.add(client_of(f), "diff " + ip_text(server), Blame::Master, text, {offer->number, f.number});
    });
    fold.flush(sink);
}

/// MSG-012: retransmissions back off (RFC 2131 §4.1 asks for randomized
/// exponential backoff; PXE 2.1 has its own schedule and iPXE a shorter one
/// on purpose). Only a fixed sub-second repeat is reported: three or more
/// copies of one unanswered message less than a second apart that do not
/// grow.
void msg_012(const Context& ctx, Sink& sink) {
    Fold fold("MSG-012");
    constexpr std::int64_t kSubSecond = kNsPerSecond;
    constexpr std::int64_t kDuplicate = 2 * kNsPerMs;  // the same frame seen twice by the capture

    auto judge = [&](const MacAddr& mac, const std::vector<std::size_t>& run_idx) {
        if (run_idx.size() < 3) return;
        std::vector<const Frame*> run;
        for (auto k : run_idx) run.push_back(&ctx.frame(k));
        std::vector<std::int64_t> gaps;
        for (std::size_t k = 1; k < run.size(); ++k) gaps.push_back(run[k]->time_ns - run[k - 1]->time_ns);
        const auto [mn, mx] = std::minmax_element(gaps.begin(), gaps.end());
        // Grows by more than half: backing off. A negative gap (the capture's
        // times go back) is no fixed interval either; it can be near -2^63 ns,
        // where mn * 3 would overflow.
        if (*mx >= kSubSecond || *mn < 0 || *mx * 2 > *mn * 3) return;
        const auto& m = *run.front()->dhcp;
        std::string list;
        for (std::size_t k = 0; k < gaps.size() && k < 5; ++k)
            list += (k ? ", " : "") + std::to_string(gaps[k] / kNsPerMs);
        if (gaps.size() > 5) list += ", ...";
        std::vector<std::size_t> numbers;
        for (const Frame* r : run) numbers.push_back(r->number);
        fold.add(mac, label(m), client_blame(ctx, run_idx.front()),
                 label(m) + " repeated " + std::to_string(run.size()) + " times at a fixed sub-second interval (" +
                     list + " ms), without backoff",
                 std::move(numbers));
    };

    for (const auto& s : ctx.trace.sessions) {
        // Runs of one message kind (type, stage, and xid for REQUESTs) that
        // nothing answered in between.
        std::vector<std::size_t> run;
        auto same_kind = [](const Frame& a, const Frame& b) {
            const auto& x = *a.dhcp;
            const auto& y = *b.dhcp;
            if (x.message_type() != y.message_type()) return false;
            if (analyze::own_stage(a) != analyze::own_stage(b)) return false;
            return is_type(x, DhcpMessageType::Discover) || x.xid == y.xid;
        };
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!f.dhcp || !f.udp || on_4011(f)) continue;
            const auto& m = *f.dhcp;
            if (m.op == 2) {
                // An ACK or NAK ends the attempt; OFFERs do not (PXE clients
                // keep discovering for proxy offers).
                if (is_type(m, DhcpMessageType::Ack) || is_type(m, DhcpMessageType::Nak)) {
                    judge(s.mac, run);
                    run.clear();
                }
                continue;
            }
            if (!is_type(m, DhcpMessageType::Discover) && !is_type(m, DhcpMessageType::Request)) continue;
            if (!run.empty() && !same_kind(ctx.frame(run.back()), f)) {
                judge(s.mac, run);
                run.clear();
            }
            if (!run.empty() && f.time_ns - ctx.frame(run.back()).time_ns < kDuplicate &&
                f.udp->payload == ctx.frame(run.back()).udp->payload)
                continue;
            run.push_back(idx);
        }
        judge(s.mac, run);
    }
    fold.flush(sink);
}

}  // namespace

void check_dhcp(const Context& ctx, Sink& sink) {
    // 1. BOOTP/DHCP header
    dhcp_001(ctx, sink);
    dhcp_002(ctx, sink);
    dhcp_003(ctx, sink);
    dhcp_004(ctx, sink);
    dhcp_005(ctx, sink);
    dhcp_006(ctx, sink);
    dhcp_007(ctx, sink);
    dhcp_008(ctx, sink);
    dhcp_009(ctx, sink);
    dhcp_010(ctx, sink);
    dhcp_011(ctx, sink);
    dhcp_012(ctx, sink);
    dhcp_013(ctx, sink);
    dhcp_014(ctx, sink);
    // 2. Option encoding
    opt_001(ctx, sink);
    opt_002(ctx, sink);
    opt_003(ctx, sink);
    opt_004(ctx, sink);
    opt_005(ctx, sink);
    opt_006(ctx, sink);
    opt_007(ctx, sink);
    // 3. Message contents and state (MSG-006, MSG-009, MSG-010 are active)
    msg_001(ctx, sink);
    msg_002(ctx, sink);
    msg_003(ctx, sink);
    msg_004(ctx, sink);
    msg_005(ctx, sink);
    msg_007(ctx, sink);
    msg_008(ctx, sink);
    msg_011(ctx, sink);
    msg_012(ctx, sink);
    msg_013(ctx, sink);
}

}  // namespace pxecheck::checks::detail
