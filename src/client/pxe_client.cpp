#include "pxecheck/client/pxe_client.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::client {

namespace {

using wire::DhcpMessage;
using wire::DhcpMessageType;
using wire::kDhcpClientPort;
using wire::kDhcpServerPort;
using wire::kPxeBootServerPort;
namespace opt = wire::opt;

/// NAKs in a row before the client stops starting over (a server that NAKs
/// every REQUEST would otherwise keep a boot loop going for ever).
constexpr std::size_t kMaxNaks = 5;
/// Ignored replies described one by one in the notes; the rest only counted.
constexpr std::size_t kMaxIgnoredNotes = 8;
/// non-pxe-discover: the PXE boot starts this long after the plain
/// DISCOVER's first address offer, or after the longest wait without one.
/// The offer marks the DHCP server done with it: ISC dhcpd pings an address
/// for 1 s before offering it and meanwhile drops further DISCOVERs from the
/// same MAC (seen in the lab), which would cost the boot a DISCOVER window.
constexpr Micros kNonPxeSettle{std::chrono::milliseconds(100)};
constexpr Micros kNonPxeWaitMax{std::chrono::seconds(2)};
/// Ephemeral UDP ports for TFTP (IANA dynamic range).
constexpr std::uint16_t kEphemeralLow = 49152;
constexpr std::uint16_t kEphemeralSpan = 16000;

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

/// "60 s", "2.5 s".
std::string seconds_text(Micros d) {
    char buf[32];
    const double s = static_cast<double>(d.count()) / 1e6;
    if (d.count() % 1000000 == 0) {
        std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(d.count() / 1000000));
    } else {
        std::snprintf(buf, sizeof buf, "%.2f s", s);
    }
    return buf;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

/// Option 60 of a reply says "PXEClient" (PXE 2.1; EDK2 compares 9 octets).
bool is_pxe_reply(const DhcpMessage& m) {
    const auto vc = m.text_option(opt::kVendorClass);
    return vc && starts_with(*vc, "PXEClient");
}

/// A proxyDHCP offer: no address, PXEClient (PXE-015; EDK2 IS_PROXY_DHCP_OFFER).
bool is_proxy_offer(const DhcpMessage& m) { return m.yiaddr.is_zero() && is_pxe_reply(m); }

/// The boot file a reply names: option 67 if present (EDK2 reads it first),
/// else the `file` field.
std::string boot_file_of(const DhcpMessage& m) {
    if (auto f = m.text_option(opt::kBootfileName); f && !f->empty()) return *f;
    return m.file_field();
}

/// Option 43 as PXE sub-options, only when the reply is a PXE reply (a
/// plain DHCP server's 43 is some other vendor's).
std::optional<wire::PxeVendorOptions> pxe_options_of(const DhcpMessage& m) {
    if (!is_pxe_reply(m)) return std::nullopt;
    auto v = m.joined(opt::kVendorSpecific);
    if (!v) return std::nullopt;
    return wire::decode_pxe_options(*v).value;
}

/// The reply offers boot server discovery: a menu or a boot server list.
bool has_discovery(const DhcpMessage& m) {
    const auto p = pxe_options_of(m);
    return p && (!p->menu.empty() || !p->boot_servers.empty());
}

/// "192.168.14.200" or "192.168.14.200 (server id)" as available.
std::string server_of(const DhcpMessage& m, const link::Datagram& from) {
    if (auto s = m.server_id()) return s->to_string();
    return from.src_ip.to_string();
}

}  // namespace

std::string to_string(ClientPhase p) {
    switch (p) {
        case ClientPhase::Init: return "init";
        case ClientPhase::Discovering: return "discovering";
        case ClientPhase::Requesting: return "requesting";
        case ClientPhase::Probing: return "probing";
        case ClientPhase::ProxyRequest: return "proxy-request";
        case ClientPhase::BootServer: return "boot-server";
        case ClientPhase::Downloading: return "downloading";
        case ClientPhase::Releasing: return "releasing";
        case ClientPhase::Done: return "done";
        case ClientPhase::Failed: return "failed";
    }
    return "?";
}

struct PxeClient::Impl {
    /// One DHCP state, as iPXE's struct dhcp_session_state: what to send,
    /// what to do with a reply, what to do when a retry window ends, and the
    /// retry schedule.
    struct StateDesc {
        const char* name;
        ClientPhase phase;
        void (Impl::*tx)(TimePoint now);
        void (Impl::*rx)(TimePoint now, const link::Datagram& d, const DhcpMessage& m);
        void (Impl::*expired)(TimePoint now);
        const std::vector<Micros>& (Impl::*schedule)() const;
    };
    static const StateDesc kDiscover;
    static const StateDesc kRequest;
    static const StateDesc kProxy;
    static const StateDesc kPxebs;
    static const StateDesc kForeignSid;  ///< probe foreign-server-id
    static const StateDesc kProbe4011;   ///< probe probe-4011

    /// Where ProxyDHCP / boot server REQUESTs go.
    struct PxeTarget {
        std::vector<Ipv4Addr> servers;  ///< unicast to 4011, tried in turn
        bool broadcast = false;         ///< broadcast to 67 instead (43.6 bit 0 clear)
        std::optional<wire::PxeBootItem> item;  ///< 43.71 (boot server discovery only)
        std::string item_text;          ///< menu entry text for messages
    };

    explicit Impl(ClientConfig c) : cfg(std::move(c)) {}

    ClientConfig cfg;
    ClientPhase phase = ClientPhase::Init;
    ClientOutcome out;
    std::mt19937 rng;
    std::vector<link::Datagram> output;

    // DHCP exchange.
    const StateDesc* state = nullptr;
    std::size_t attempt = 0;     ///< transmissions in the current state
    bool tx_pending = false;     ///< the first transmission waits for `deadline`
    std::optional<TimePoint> deadline;
    TimePoint start{};           ///< boot start: secs and the give-up budget count from here
    TimePoint round_start{};     ///< first DISCOVER of the current round
    std::uint32_t xid = 0;
    std::uint16_t discover_secs = 0;
    std::vector<std::size_t> round_offers;  ///< indexes into out.offers
    std::optional<TimePoint> first_offer_at;
    std::optional<TimePoint> select_at;     ///< OfferSelection::AfterWait
    std::optional<DhcpMessage> chosen_offer;
    std::optional<DhcpMessage> proxy_offer;
    std::optional<link::Datagram> proxy_from;

    // Probe.
    bool probe_pending = false;

    // ProxyDHCP / boot server.
    PxeTarget target;
    std::uint32_t pxe_xid = 0;

    // TFTP.
    std::unique_ptr<TftpClient> size_probe;
    std::unique_ptr<TftpClient> download;
    bool probe_handled = false;
    bool download_handled = false;
    std::uint16_t tftp_port = 0;

    // Probes (--probe).
    struct ProbeReply {
        DhcpMessage msg;
        link::Datagram from;  ///< addresses (payload cleared)
        TimePoint at{};
    };
    /// non-pxe-discover: the plain DISCOVER's xid, when, and what answered it.
    std::optional<std::uint32_t> np_xid;
    TimePoint np_sent{};
    std::vector<ProbeReply> np_replies;
    /// foreign-server-id: not yet / running / done.
    enum class FsiStage : std::uint8_t { Pending, Running, Done };
    FsiStage fsi = FsiStage::Pending;
    std::optional<std::uint32_t> fsi_xid;
    TimePoint fsi_sent{};
    Ipv4Addr fsi_yiaddr;
    Ipv4Addr fsi_offer_server;
    std::vector<Micros> fsi_wait;
    std::vector<ProbeReply> fsi_replies;
    /// probe-4011: servers that owe a 4011 answer, and what they did.
    struct Owed4011 {
        Ipv4Addr server;
        std::string why;          ///< "OFFER from 192.168.14.201"
        bool in_flow = false;     ///< the normal boot asks it (ProxyDHCP REQUEST)
        bool asked = false;
        bool answered = false;
        std::size_t tries = 0;
        std::uint32_t xid = 0;
        TimePoint first_at{};
        TimePoint last_at{};
        std::string answer;       ///< what the ACK said
    };
    std::vector<Owed4011> owed4011;
    bool owed4011_planned = false;
    std::size_t owed4011_cur = 0;

    // --- small helpers ----------------------------------------------------------

    const NicProfile& prof() const { return cfg.profile; }
    bool bound() const { return out.ack.has_value() && !out.address.is_zero(); }

    std::uint16_t secs_since_start(TimePoint now) const {
        const auto s = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
        return static_cast<std::uint16_t>(std::clamp<long long>(s, 0, 0xffff));
    }

    void set_phase(ClientPhase p) {
        phase = p;
        out.reached = p;
    }

    void note(std::string text) { out.notes.push_back(std::move(text)); }

    void ignored(std::string why) {
        ++out.ignored_replies;
        if (out.ignored_replies <= kMaxIgnoredNotes) {
            note("ignored " + std::move(why));
        } else if (out.ignored_replies == kMaxIgnoredNotes + 1) {
            note("further ignored replies are only counted");
        }
    }

    const std::vector<Micros>& discover_schedule() const { return prof().discover_timeouts; }
    const std::vector<Micros>& request_schedule() const { return prof().request_timeouts; }
    const std::vector<Micros>& bootserver_schedule() const {
        return prof().bootserver_timeouts.empty() ? prof().request_timeouts : prof().bootserver_timeouts;
    }

    const std::vector<Micros>& schedule() const {
        static const std::vector<Micros> kFallback{std::chrono::seconds(4)};
        const auto& s = (this->*state->schedule)();
        return s.empty() ? kFallback : s;
    }
    bool attempts_left() const { return attempt < schedule().size(); }

    Micros offer_wait() const { return cfg.offer_wait.value_or(prof().offer_wait); }
    OfferSelection offer_selection() const {
        // An explicit wait from the configuration means "this long after the
        // first offer", whatever the firmware's own rule.
        return cfg.offer_wait ? OfferSelection::AfterWait : prof().offer_selection;
    }

    std::uint32_t random32() { return static_cast<std::uint32_t>(rng()); }

    // --- the state engine ---------------------------------------------------------

    void enter(const StateDesc& s, TimePoint now, std::optional<TimePoint> first_tx_at = std::nullopt) {
        state = &s;
        set_phase(s.phase);
        attempt = 0;
        if (first_tx_at && *first_tx_at > now) {
            tx_pending = true;
            deadline = *first_tx_at;
            return;
        }
        transmit(now);
    }

    void transmit(TimePoint now) {
        tx_pending = false;
        (this->*state->tx)(now);
        const auto& sched = schedule();
        const Micros wait = attempt < sched.size() ? sched[attempt] : sched.back();
        ++attempt;
        deadline = now + wait;
        if (state == &kDiscover) {
            // The give-up budget ends the last window early if need be.
            const TimePoint give_up = start + cfg.dhcp_give_up;
            if (*deadline > give_up) deadline = std::max(give_up, now);
        }
    }

    void leave_state() {
        state = nullptr;
        deadline.reset();
        tx_pending = false;
        select_at.reset();
    }

    // --- building messages ------------------------------------------------------

    enum class Kind : std::uint8_t { Discover, Request, Proxy, Pxebs };

    /// Options of a client request in the profile's wire order.
    /// \p plain: a DHCP client that is no PXE firmware (non-pxe-discover):
    /// no 60, 93, 94, 97.
    DhcpMessage build(Kind kind, TimePoint now, bool plain = false) {
        const NicProfile& p = prof();
        DhcpMessage m;
        m.op = 1;
        m.set_client_mac(cfg.mac);
        std::vector<std::pair<std::uint8_t, Bytes>> o;
        const bool pxe = kind == Kind::Proxy || kind == Kind::Pxebs;
        const auto type = kind == Kind::Discover ? DhcpMessageType::Discover : DhcpMessageType::Request;
        o.push_back({opt::kMessageType, {static_cast<std::uint8_t>(type)}});

        if (kind == Kind::Request) {
            const auto yi = chosen_offer->yiaddr.octets();
            o.push_back({opt::kRequestedAddress, Bytes(yi.begin(), yi.end())});
            const auto sid = chosen_offer->server_id()->octets();
            o.push_back({opt::kServerId, Bytes(sid.begin(), sid.end())});
        }
        if (!p.parameter_list.empty()) o.push_back({opt::kParameterList, p.parameter_list});
        std::uint16_t maxmsg = p.max_message_size;
        if (kind != Kind::Discover && p.request_max_message_size) maxmsg = *p.request_max_message_size;
        o.push_back({opt::kMaxMessageSize,
                     {static_cast<std::uint8_t>(maxmsg >> 8), static_cast<std::uint8_t>(maxmsg & 0xff)}});
        const std::string vc =
            pxe && !p.pxe_request_vendor_class.empty() ? p.pxe_request_vendor_class : vendor_class_of(p);
        o.push_back({opt::kVendorClass, Bytes(vc.begin(), vc.end())});
        o.push_back({opt::kClientArch, {static_cast<std::uint8_t>(p.arch >> 8), static_cast<std::uint8_t>(p.arch)}});
        o.push_back({opt::kClientNdi, {1, p.undi_major, p.undi_minor}});
        Bytes uuid{0};
        uuid.insert(uuid.end(), cfg.uuid.begin(), cfg.uuid.end());
        o.push_back({opt::kClientUuid, uuid});
        if (p.user_class) o.push_back({opt::kUserClass, *p.user_class});
        if (p.client_id_from_mac) {
            Bytes id{1};
            id.insert(id.end(), cfg.mac.octets.begin(), cfg.mac.octets.end());
            o.push_back({opt::kClientId, id});
        }
        for (const auto& e : p.extra_options) o.push_back(e);
        if (kind == Kind::Pxebs && target.item) {
            wire::PxeVendorOptions v;
            v.boot_item = target.item;
            o.push_back({opt::kVendorSpecific, wire::encode_pxe_options(v)});
        }
        for (const auto& [code, value] : cfg.option_overrides) {
            auto it = std::find_if(o.begin(), o.end(), [c = code](const auto& x) { return x.first == c; });
            if (value.empty()) {
                if (it != o.end()) o.erase(it);
            } else if (it != o.end()) {
                it->second = value;
            } else {
                o.push_back({code, value});
            }
        }
        if (plain) {
            std::erase_if(o, [](const auto& x) {
                return x.first == opt::kVendorClass || x.first == opt::kClientArch || x.first == opt::kClientNdi ||
                       x.first == opt::kClientUuid;
            });
        }
        // The firmware's own order; unlisted codes keep theirs, after the listed.
        const auto& order = p.option_order;
        auto rank = [&](std::uint8_t code) {
            const auto it = std::find(order.begin(), order.end(), code);
            return static_cast<std::size_t>(it - order.begin());
        };
        std::stable_sort(o.begin(), o.end(),
                         [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
        for (const auto& [code, value] : o) m.set_option(code, value);

        switch (kind) {
            case Kind::Discover:
                m.xid = xid;
                m.secs = secs_since_start(now);
                m.flags = p.broadcast_flag ? wire::kBroadcastFlag : 0;
                break;
            case Kind::Request:
                m.xid = xid;
                m.secs = p.request_secs_as_discover ? discover_secs : secs_since_start(now);
                m.flags = p.broadcast_flag ? wire::kBroadcastFlag : 0;
                break;
            case Kind::Proxy:
            case Kind::Pxebs:
                m.xid = pxe_xid;
                m.secs = secs_since_start(now);
                m.flags = p.pxe_request_broadcast_flag ? wire::kBroadcastFlag : 0;
                m.ciaddr = out.address;
                break;
        }
        m.finish(std::max(p.min_message_size, wire::kBootpMinSize));
        return m;
    }

    void send(const DhcpMessage& m, Ipv4Addr src_ip, std::uint16_t src_port, Ipv4Addr dst_ip,
              std::uint16_t dst_port) {
        link::Datagram d;
        d.src_mac = cfg.mac;
        // Broadcasts go to the broadcast MAC; unicasts leave it zero for the
        // stack to resolve with ARP.
        d.dst_mac = dst_ip.is_broadcast() ? MacAddr::broadcast() : MacAddr{};
        d.src_ip = src_ip;
        d.dst_ip = dst_ip;
        d.src_port = src_port;
        d.dst_port = dst_port;
        d.payload = wire::encode_dhcp(m);
        output.push_back(std::move(d));
    }

    void broadcast(const DhcpMessage& m) {
        send(m, Ipv4Addr::any(), kDhcpClientPort, Ipv4Addr::broadcast(), kDhcpServerPort);
    }

    // --- discover -----------------------------------------------------------------

    void discover_tx(TimePoint now) {
        DhcpMessage m = build(Kind::Discover, now);
        discover_secs = m.secs;
        ++out.discovers_sent;
        broadcast(m);
    }

    /// An address offer we can request: an address and a server identifier
    /// (EDK2's Dhcp4Dxe drops offers without 54; a REQUEST needs it).
    bool usable_address_offer(const DhcpMessage& m) const {
        return !m.yiaddr.is_zero() && m.server_id().has_value();
    }
    bool round_has(bool proxy) const {
        return std::any_of(round_offers.begin(), round_offers.end(), [&](std::size_t i) {
            const auto& m = out.offers[i].msg;
            return proxy ? out.offers[i].proxy : usable_address_offer(m);
        });
    }

    void record_offer(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        SeenOffer s;
        s.msg = m;
        s.from = d;
        s.from.payload.clear();
        s.at = now;
        s.proxy = is_proxy_offer(m);
        out.offers.push_back(std::move(s));
    }

    void discover_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        if (m.message_type() != DhcpMessageType::Offer) {
            // RFC 2131 §4.4.1 / MSG-009: ACKs and NAKs are not for a selecting client.
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " while selecting offers");
            return;
        }
        record_offer(now, d, m);
        const std::size_t idx = out.offers.size() - 1;
        if (!m.yiaddr.is_zero() && !m.server_id()) {
            note("OFFER from " + d.src_ip.to_string() + " of " + m.yiaddr.to_string() +
                 " has no server identifier (54): it cannot be requested");
        }
        if (m.yiaddr.is_zero() && !out.offers[idx].proxy) {
            note("OFFER from " + server_of(m, d) + " has no address and no PXEClient vendor class: neither an "
                 "address offer nor a proxyDHCP offer");
        }
        round_offers.push_back(idx);
        if (!first_offer_at) first_offer_at = now;
        if (!out.offered) out.offered = now;
        if (offer_selection() == OfferSelection::AfterWait && !select_at) select_at = *first_offer_at + offer_wait();
        if (prof().select_on_proxy_offer && round_has(false) && round_has(true)) select(now);
    }

    void discover_expired(TimePoint now) {
        const bool have_address = round_has(false);
        if (have_address && offer_selection() == OfferSelection::WindowEnd && now - round_start >= offer_wait()) {
            select(now);
            return;
        }
        const bool budget_left = now - start < cfg.dhcp_give_up;
        if (budget_left && attempts_left()) {
            transmit(now);  // same xid: a retransmission (RFC 2131 §4.1)
            return;
        }
        if (have_address) {
            select(now);
            return;
        }
        const std::string tries = std::to_string(out.discovers_sent) + " DISCOVER" +
                                  (out.discovers_sent == 1 ? "" : "s") + " in " + seconds_text(now - start);
        if (round_has(true)) {
            fail(now, "only proxyDHCP offers and no address offer after " + tries +
                          ": a proxyDHCP server needs a DHCP server beside it to hand out addresses");
        } else if (!round_offers.empty()) {
            fail(now, "no usable DHCP offer after " + tries + " (" + std::to_string(round_offers.size()) +
                          " offers without an address and server identifier)");
        } else {
            fail(now, "no DHCP offer after " + tries);
        }
    }

    void select(TimePoint now) {
        select_at.reset();
        std::optional<std::size_t> proxy;
        std::optional<std::size_t> first_address;
        std::optional<std::size_t> with_boot;
        std::size_t addresses = 0;
        for (std::size_t i : round_offers) {
            const auto& o = out.offers[i];
            if (o.proxy) {
                if (!proxy) proxy = i;
                continue;
            }
            if (!usable_address_offer(o.msg)) continue;
            ++addresses;
            if (!first_address) first_address = i;
            if (!with_boot && (!boot_file_of(o.msg).empty() || has_discovery(o.msg))) with_boot = i;
        }
        if (!first_address) return;  // callers check round_has(false) first
        std::size_t chosen = *first_address;
        if (!proxy && with_boot) chosen = *with_boot;
        out.chosen = chosen;
        out.proxy = proxy;
        chosen_offer = out.offers[chosen].msg;
        if (proxy) {
            proxy_offer = out.offers[*proxy].msg;
            proxy_from = out.offers[*proxy].from;
        } else {
            proxy_offer.reset();
            proxy_from.reset();
        }
        if (addresses > 1) {
            note(std::to_string(addresses) + " address offers; took the one from " +
                 chosen_offer->server_id()->to_string() + " (" + chosen_offer->yiaddr.to_string() + ")");
        }
        if (probing(Probe::ForeignServerId) && fsi == FsiStage::Pending) {
            fsi = FsiStage::Running;
            const Micros first = prof().request_timeouts.empty() ? Micros{std::chrono::seconds(1)}
                                                                 : prof().request_timeouts.front();
            fsi_wait = {std::max(first, Micros{std::chrono::seconds(1)})};
            enter(kForeignSid, now);
            return;
        }
        enter(kRequest, now);
    }

    // --- request ------------------------------------------------------------------

    void request_tx(TimePoint now) {
        ++out.requests_sent;
        broadcast(build(Kind::Request, now));
    }

    void request_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        const auto type = m.message_type();
        if (type == DhcpMessageType::Offer) {
            record_offer(now, d, m);
            note("late OFFER from " + server_of(m, d) + " after the REQUEST; not used");
            return;
        }
        if (type != DhcpMessageType::Ack && type != DhcpMessageType::Nak) {
            ignored(wire::to_string(type.value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " while requesting");
            return;
        }
        const Ipv4Addr want = *chosen_offer->server_id();
        const auto sid = m.server_id();
        if (sid && *sid != want) {
            // Only the server the REQUEST names may answer it (RFC 2131 §4.3.2).
            ignored(wire::to_string(*type) + " from " + sid->to_string() + ": the REQUEST named " +
                    want.to_string());
            return;
        }
        if (!sid) note(wire::to_string(*type) + " from " + d.src_ip.to_string() + " has no server identifier (54)");
        if (type == DhcpMessageType::Nak) {
            ++out.naks;
            const std::string msg = m.text_option(opt::kMessage).value_or("");
            note("DHCPNAK from " + want.to_string() + (msg.empty() ? "" : " (\"" + msg + "\")") +
                 ": starting over with DISCOVER");
            if (out.naks >= kMaxNaks) {
                fail(now, "DHCP server " + want.to_string() + " answered the REQUEST for " +
                              chosen_offer->yiaddr.to_string() + " with NAK " + std::to_string(out.naks) +
                              " times");
                return;
            }
            restart(now);
            return;
        }
        if (m.yiaddr.is_zero()) {
            fail(now, "the DHCP ACK from " + want.to_string() + " carries no address (yiaddr 0.0.0.0)");
            return;
        }
        if (m.yiaddr != chosen_offer->yiaddr) {
            note("the ACK gives " + m.yiaddr.to_string() + ", the OFFER offered " + chosen_offer->yiaddr.to_string() +
                 " (EDK2 would DECLINE this)");
        }
        out.ack = m;
        out.xid = xid;
        out.address = m.yiaddr;
        out.server_id = sid.value_or(want);
        out.bound = now;
        leave_state();
        // Check the address before using it, as RFC 2131 §2.2 suggests; the
        // runner does the ARP work.
        set_phase(ClientPhase::Probing);
        probe_pending = true;
        deadline = now + PxeClient::kProbeFallback;
    }

    void request_expired(TimePoint now) {
        if (attempts_left()) {
            transmit(now);
            return;
        }
        const std::string to = chosen_offer->server_id()->to_string();
        if (now - start >= cfg.dhcp_give_up) {
            fail(now, "no DHCP ACK from " + to + " after " + std::to_string(attempt) + " REQUESTs; gave up after " +
                          seconds_text(now - start));
            return;
        }
        note("no ACK from " + to + " after " + std::to_string(attempt) + " REQUESTs: starting over with DISCOVER");
        restart(now);
    }

    /// A new DHCP round: fresh xid (RFC 2131 §4.1), new offers.
    void restart(TimePoint now) {
        xid = random32();
        round_start = now;
        round_offers.clear();
        first_offer_at.reset();
        select_at.reset();
        out.chosen.reset();
        out.proxy.reset();
        chosen_offer.reset();
        proxy_offer.reset();
        proxy_from.reset();
        enter(kDiscover, now);
    }

    // --- after the ACK: where the boot file comes from ---------------------------

    void after_probe(TimePoint now) {
        probe_pending = false;
        deadline.reset();
        if (probing(Probe::Probe4011) && !owed4011_planned) {
            owed4011_planned = true;
            plan_4011();
            if (next_4011(now)) return;
        }
        boot_info_step(now);
    }

    /// Where the boot information comes from, once bound (and probed).
    void boot_info_step(TimePoint now) {
        if (proxy_offer) {
            // PXE-012: the proxy's boot information governs.
            if (!boot_file_of(*proxy_offer).empty()) {
                use_file(now, *proxy_offer, "proxydhcp", "proxyDHCP offer");
            } else if (has_discovery(*proxy_offer)) {
                start_pxebs(now, *proxy_offer, proxy_from->src_ip);
            } else {
                start_proxy(now, *proxy_offer, proxy_from->src_ip);
            }
            return;
        }
        const DhcpMessage& ack = *out.ack;
        if (!boot_file_of(ack).empty()) {
            use_file(now, ack, "dhcp", "DHCP reply");
            return;
        }
        if (has_discovery(ack)) {
            start_pxebs(now, ack, out.server_id);
            return;
        }
        if (is_pxe_reply(ack)) {
            // "PXEClient" and nothing else: the server must answer on 4011
            // (PXE-017; EDK2's BINL case).
            start_proxy(now, ack, out.server_id);
            return;
        }
        std::string why = "no reply names a boot file: the DHCP ACK from " + out.server_id.to_string() +
                          " has no file and no option 67, and no proxyDHCP offer came";
        if (!boot_file_of(*chosen_offer).empty()) {
            why += " (its OFFER named \"" + boot_file_of(*chosen_offer) + "\" but the ACK dropped it)";
        }
        fail(now, why + "; PXE firmware stops here (PXE-E53, iPXE \"Nothing to boot\")");
    }

    void use_file(TimePoint now, const DhcpMessage& reply, const std::string& from, const std::string& what) {
        const std::string file = boot_file_of(reply);
        std::optional<Ipv4Addr> server;
        if (!reply.siaddr.is_zero()) {
            server = reply.siaddr;
        } else if (auto name = reply.text_option(opt::kTftpServerName)) {
            server = Ipv4Addr::parse(*name);
            if (!server) {
                fail(now, "the " + what + " names " + file + " and a TFTP server \"" + *name +
                              "\" (option 66) that is not a dotted address; PXE firmware does not resolve "
                              "names (siaddr 0.0.0.0)");
                return;
            }
        }
        if (!server) {
            fail(now, "the " + what + " names " + file +
                          " but gives no TFTP server (siaddr 0.0.0.0, no option 66)");
            return;
        }
        out.bootfile = file;
        out.tftp_server = *server;
        out.boot_info_from = from;
        out.boot_info = now;
        leave_state();
        if (!cfg.download) {
            finish_ok(now);
            return;
        }
        start_download(now);
    }

    /// Where a ProxyDHCP REQUEST goes: the proxy's server identifier (PXE
    /// 2.1), else its siaddr (EDK2 prefers siaddr for BINL), else the source.
    static Ipv4Addr proxy_address(const DhcpMessage& m, Ipv4Addr fallback) {
        if (auto s = m.server_id(); s && !s->is_zero()) return *s;
        if (!m.siaddr.is_zero()) return m.siaddr;
        return fallback;
    }

    std::uint32_t new_pxe_xid() {
        switch (prof().pxe_request_xid) {
            case PxeRequestXid::SameAsDhcp: return xid;
            case PxeRequestXid::Fresh: return random32();
            case PxeRequestXid::Zero: return 0;
        }
        return xid;
    }

    void start_proxy(TimePoint now, const DhcpMessage& reply, Ipv4Addr fallback) {
        target = PxeTarget{};
        target.servers = {proxy_address(reply, fallback)};
        pxe_xid = new_pxe_xid();
        if (Owed4011* e = owed_in_flow()) {
            e->asked = true;
            e->xid = pxe_xid;
            e->first_at = now;
        }
        enter(kProxy, now);
    }

    void start_pxebs(TimePoint now, const DhcpMessage& reply, Ipv4Addr fallback) {
        const wire::PxeVendorOptions pxe = *pxe_options_of(reply);
        target = PxeTarget{};
        std::uint16_t type = 0;
        if (!pxe.menu.empty()) {
            if (cfg.menu_item < 0 || static_cast<std::size_t>(cfg.menu_item) >= pxe.menu.size()) {
                fail(now, "the boot menu (43.9) has " + std::to_string(pxe.menu.size()) + " entries; entry " +
                              std::to_string(cfg.menu_item) + " was asked for");
                return;
            }
            const auto& item = pxe.menu[static_cast<std::size_t>(cfg.menu_item)];
            type = item.type;
            target.item_text = "\"" + item.description + "\"";
        } else {
            type = pxe.boot_servers.front().type;
        }
        if (type == 0) {
            fail(now, "boot menu entry " + std::to_string(cfg.menu_item) + " " + target.item_text +
                          " is type 0, local boot: the firmware would boot from disk and fetch nothing");
            return;
        }
        target.item = wire::PxeBootItem{type, 0};
        for (const auto& s : pxe.boot_servers) {
            if (s.type == type) target.servers.insert(target.servers.end(), s.addresses.begin(), s.addresses.end());
        }
        const std::uint8_t ctl = pxe.discovery_control.value_or(0);
        const bool broadcast_ok = (ctl & wire::discovery::kNoBroadcast) == 0;
        const bool list_only = (ctl & wire::discovery::kServerListOnly) != 0;
        if ((ctl & wire::discovery::kNoMulticast) == 0 && pxe.discovery_mcast) {
            note("43.6/43.7 allow multicast discovery; the emulator does not multicast and uses the next "
                 "method");
        }
        if (broadcast_ok && !list_only) {
            target.broadcast = true;
        } else if (target.servers.empty()) {
            // PXE-022: nothing reachable for this type. The proxy itself is
            // the last resort real ROMs try (dnsmasq answers on 4011 too).
            if (list_only || reply.server_id().value_or(Ipv4Addr{}).is_zero()) {
                char ctl_hex[8];
                std::snprintf(ctl_hex, sizeof ctl_hex, "0x%02x", ctl);
                fail(now, std::string("43.6 = ") + ctl_hex + " rules out broadcast discovery but 43.8 lists no " +
                              "boot server of type " + std::to_string(type));
                return;
            }
            target.servers = {proxy_address(reply, fallback)};
            note("43.8 lists no boot server of type " + std::to_string(type) + "; asking " +
                 target.servers.front().to_string() + ":4011");
        }
        pxe_xid = new_pxe_xid();
        // PXE-013: with a prompt of n seconds the ROM waits that long for a
        // key before it takes the first entry.
        std::optional<TimePoint> at;
        if (pxe.prompt) {
            const std::uint8_t t = pxe.prompt->timeout;
            if (t == 255) {
                note("the menu prompt (43.10) waits for a key for ever; the emulator picks entry " +
                     std::to_string(cfg.menu_item) + " at once");
            } else if (t > 0) {
                at = now + std::chrono::seconds(t);
            }
        }
        enter(kPxebs, now, at);
    }

    void proxy_tx(TimePoint now) { pxe_send(now, Kind::Proxy); }
    void pxebs_tx(TimePoint now) { pxe_send(now, Kind::Pxebs); }

    void pxe_send(TimePoint now, Kind kind) {
        const DhcpMessage m = build(kind, now);
        ++out.requests_sent;
        if (kind == Kind::Pxebs && target.broadcast) {
            send(m, out.address, kDhcpClientPort, Ipv4Addr::broadcast(), kDhcpServerPort);
            return;
        }
        // One server after the other on each retry (iPXE moves on to the next
        // boot server too).
        const Ipv4Addr dst = target.servers[attempt % target.servers.size()];
        // The client port follows the firmware: PXE 2.1 ROMs and EDK2 send
        // from 4011 (netboot capture frame 6: 4011 -> 4011), iPXE from 68
        // (ipxe-bios-dnsmasq-proxy.pcap frame 12: 68 -> 4011).
        send(m, out.address, prof().pxe_request_port, dst, kPxeBootServerPort);
    }

    void pxe_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        if (m.message_type() != DhcpMessageType::Ack) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " while waiting for the 4011 ACK");
            return;
        }
        const std::uint16_t want_port = target.broadcast && state == &kPxebs ? kDhcpServerPort : kPxeBootServerPort;
        if (d.src_port != want_port && d.src_port != kPxeBootServerPort) {
            ignored("ACK from " + d.src_ip.to_string() + ":" + std::to_string(d.src_port) + " (expected port " +
                    std::to_string(want_port) + ")");
            return;
        }
        if (state == &kPxebs && target.item) {
            if (const auto p = pxe_options_of(m); p && p->boot_item && p->boot_item->type != target.item->type) {
                // PXE-011: the answer must be for the boot server type asked.
                ignored("boot server ACK from " + d.src_ip.to_string() + " for type " +
                        std::to_string(p->boot_item->type) + " (asked " + std::to_string(target.item->type) + ")");
                return;
            }
        }
        out.bootserver_ack = m;
        if (state == &kProxy) {
            if (Owed4011* e = owed_in_flow()) {
                e->answered = true;
                e->tries = attempt;
                e->last_at = now;
                e->answer = answer_text(m, d);
            }
            if (!boot_file_of(m).empty()) {
                use_file(now, m, "proxydhcp-4011", "proxyDHCP 4011 reply");
            } else if (has_discovery(m)) {
                start_pxebs(now, m, d.src_ip);
            } else {
                fail(now, "the proxyDHCP ACK from " + d.src_ip.to_string() +
                              ":4011 names no boot file and no boot menu");
            }
            return;
        }
        if (boot_file_of(m).empty()) {
            fail(now, "the boot server ACK from " + d.src_ip.to_string() + " names no boot file");
            return;
        }
        use_file(now, m, "bootserver-4011", "boot server reply");
    }

    void pxe_expired(TimePoint now) {
        if (attempts_left()) {
            transmit(now);
            return;
        }
        std::string where;
        if (target.broadcast) {
            where = "255.255.255.255:67";
        } else {
            for (std::size_t i = 0; i < target.servers.size(); ++i) {
                where += (i ? ", " : "") + target.servers[i].to_string() + ":4011";
            }
        }
        if (state == &kProxy) {
            if (Owed4011* e = owed_in_flow()) {
                e->tries = attempt;
                e->last_at = now;
            }
            fail(now, "no answer from proxyDHCP " + where + " to " + std::to_string(attempt) +
                          " ProxyDHCP REQUESTs (its offer named no boot file and no menu, so it must answer "
                          "on 4011)");
        } else {
            fail(now, "no answer from boot server " + where + " to " + std::to_string(attempt) +
                          " boot server REQUESTs (43.71 type " + std::to_string(target.item->type) + ")");
        }
    }

    // --- TFTP ---------------------------------------------------------------------

    TftpRequest tftp_request(std::uint16_t port) const {
        TftpRequest r;
        r.filename = out.bootfile;
        r.server = *out.tftp_server;
        r.client_ip = out.address;
        r.client_port = port;
        r.client_mac = cfg.mac;
        r.blksize = prof().tftp_blksize;
        r.tsize = prof().tftp_tsize;
        r.windowsize = cfg.windowsize != 0 ? cfg.windowsize : prof().tftp_windowsize;
        r.tsize_first = prof().tftp_tsize_first;
        return r;
    }

    void start_download(TimePoint now) {
        set_phase(ClientPhase::Downloading);
        out.tftp_started = now;
        tftp_port = static_cast<std::uint16_t>(kEphemeralLow + random32() % kEphemeralSpan);
        const TftpSizeProbe probe = prof().tftp_tsize ? prof().tftp_size_probe : TftpSizeProbe::None;
        if (probe == TftpSizeProbe::None) {
            start_real_download(now, tftp_port, prof().tftp_tsize);
            return;
        }
        TftpRequest r = tftp_request(tftp_port);
        r.size_probe = true;
        r.tsize = true;
        if (probe == TftpSizeProbe::TsizeOnly) {
            r.blksize = 0;
            r.windowsize = 0;
        }
        size_probe = std::make_unique<TftpClient>(r);
        size_probe->start(now);
    }

    void start_real_download(TimePoint now, std::uint16_t port, bool tsize) {
        TftpRequest r = tftp_request(port);
        r.tsize = tsize;
        if (probing(Probe::UnknownTftpOption)) r.extra_options.push_back({std::string(kProbeTftpOption), "1"});
        r.duplicate_acks = probing(Probe::DuplicateAck);
        if (probing(Probe::TftpForeignTid)) {
            // Half the ephemeral span away: never the port of a retry
            // without options (the next port) nor of the size query.
            r.foreign_tid_port = static_cast<std::uint16_t>(
                kEphemeralLow + (port - kEphemeralLow + kEphemeralSpan / 2) % kEphemeralSpan);
        }
        download = std::make_unique<TftpClient>(r);
        download->start(now);
    }

    void check_tftp(TimePoint now) {
        if (size_probe && size_probe->done() && !probe_handled) {
            probe_handled = true;
            out.tftp_size_probe = size_probe->result();
            if (size_probe->result().status == TftpResult::Status::Complete) {
                // The download asks again from the next port (netboot capture:
                // 2070 then 2071; OVMF: 1296 then 1297), without tsize.
                start_real_download(now, static_cast<std::uint16_t>(size_probe->client_port() + 1), false);
            } else {
                out.tftp = size_probe->result();
                fail(now, "TFTP size query for " + out.bootfile + " at " + out.tftp_server->to_string() +
                              " failed: " + size_probe->result().problem);
                return;
            }
        }
        if (download && download->done() && !download_handled) {
            download_handled = true;
            out.tftp = download->result();
            if (download->result().status == TftpResult::Status::Complete) {
                finish_ok(now);
            } else {
                fail(now, "TFTP download of " + out.bootfile + " from " + out.tftp_server->to_string() +
                              " failed: " + download->result().problem);
            }
        }
    }

    // --- the end --------------------------------------------------------------------

    void release() {
        if (!bound() || out.released || !cfg.release) return;
        set_phase(ClientPhase::Releasing);
        DhcpMessage m;
        m.op = 1;
        m.set_client_mac(cfg.mac);
        m.xid = random32();
        m.ciaddr = out.address;
        m.set_option_u8(opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::Release));
        m.set_option_ip(opt::kServerId, out.server_id);
        if (prof().client_id_from_mac) {
            Bytes id{1};
            id.insert(id.end(), cfg.mac.octets.begin(), cfg.mac.octets.end());
            m.set_option(opt::kClientId, id);
        }
        m.finish(std::max(prof().min_message_size, wire::kBootpMinSize));
        // RFC 2131 §4.4.6: unicast to the server, from the leased address.
        send(m, out.address, kDhcpClientPort, out.server_id, kDhcpServerPort);
        out.released = true;
    }

    void finish_ok(TimePoint now) {
        leave_state();
        release();
        set_phase(ClientPhase::Done);
        out.finished = now;
        finalize_probes();
    }

    void fail(TimePoint now, std::string why) {
        if (phase == ClientPhase::Done || phase == ClientPhase::Failed) return;
        out.failure = std::move(why);
        out.failed_in = phase;
        leave_state();
        probe_pending = false;
        // The tool's safety rule (design.md): never keep a lease we got.
        if (bound() && !out.released && cfg.release) release();
        set_phase(ClientPhase::Failed);
        out.finished = now;
        finalize_probes();
    }

    // --- probes (--probe) ------------------------------------------------------------

    bool probing(Probe p) const { return std::find(cfg.probes.begin(), cfg.probes.end(), p) != cfg.probes.end(); }

    static ProbeReply probe_reply(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        ProbeReply r;
        r.msg = m;
        r.from = d;
        r.from.payload.clear();
        r.at = now;
        return r;
    }

    /// "DHCPNAK from 192.168.14.200 after 3 ms" with the NAK's message.
    static std::string reply_text(const ProbeReply& r, TimePoint sent) {
        const auto type = r.msg.message_type();
        std::string t = (type ? "DHCP" + wire::to_string(*type) : std::string("a reply")) + " from " +
                        server_of(r.msg, r.from) + " (" + r.from.src_ip.to_string() + ":" +
                        std::to_string(r.from.src_port) + ")";
        if (type != DhcpMessageType::Nak) t += ", yiaddr " + r.msg.yiaddr.to_string();
        if (auto msg = r.msg.text_option(opt::kMessage); msg && !msg->empty()) t += " \"" + *msg + "\"";
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.at - sent).count();
        return t + " after " + std::to_string(ms) + " ms";
    }

    // foreign-server-id: one SELECTING REQUEST that names a server nobody is.

    const std::vector<Micros>& fsi_schedule() const { return fsi_wait; }

    void fsi_tx(TimePoint now) {
        DhcpMessage m = build(Kind::Request, now);
        m.set_option_ip(opt::kServerId, Ipv4Addr{kForeignServerId});
        fsi_xid = xid;
        fsi_sent = now;
        fsi_yiaddr = chosen_offer->yiaddr;
        fsi_offer_server = *chosen_offer->server_id();
        broadcast(m);
    }

    void fsi_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        const auto type = m.message_type();
        if (type == DhcpMessageType::Ack || type == DhcpMessageType::Nak) {
            fsi_replies.push_back(probe_reply(now, d, m));
            return;
        }
        ignored(wire::to_string(type.value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                " while probing with a foreign server identifier");
    }

    void fsi_expired(TimePoint now) {
        fsi = FsiStage::Done;
        note("probe foreign-server-id: REQUEST naming " + Ipv4Addr{kForeignServerId}.to_string() + " sent, " +
             std::to_string(fsi_replies.size()) + " answer(s) in " + seconds_text(fsi_wait.front()) +
             "; starting over with a fresh xid");
        restart(now);
    }

    // probe-4011: servers whose PXEClient reply names no file and no menu.

    /// The 4011 server the normal boot itself asks (ProxyDHCP REQUEST), if any.
    std::optional<Ipv4Addr> flow_4011_target() const {
        if (proxy_offer) {
            if (boot_file_of(*proxy_offer).empty() && !has_discovery(*proxy_offer))
                return proxy_address(*proxy_offer, proxy_from->src_ip);
            return std::nullopt;
        }
        if (!out.ack) return std::nullopt;
        const DhcpMessage& ack = *out.ack;
        if (boot_file_of(ack).empty() && !has_discovery(ack) && is_pxe_reply(ack))
            return proxy_address(ack, out.server_id);
        return std::nullopt;
    }

    /// The probe-4011 entry the normal boot's ProxyDHCP REQUEST serves
    /// (target is set by start_proxy).
    Owed4011* owed_in_flow() {
        if (target.servers.empty()) return nullptr;
        for (auto& e : owed4011) {
            if (e.in_flow && e.server == target.servers.front()) return &e;
        }
        return nullptr;
    }

    void plan_4011() {
        auto consider = [&](const DhcpMessage& m, Ipv4Addr from, const std::string& what) {
            if (!is_pxe_reply(m) || !boot_file_of(m).empty() || has_discovery(m)) return;
            const Ipv4Addr server = proxy_address(m, from);
            for (const auto& e : owed4011) {
                if (e.server == server) return;
            }
            Owed4011 e;
            e.server = server;
            e.why = what;
            owed4011.push_back(std::move(e));
        };
        for (const auto& o : out.offers) {
            if (o.msg.message_type() != DhcpMessageType::Offer) continue;
            consider(o.msg, o.from.src_ip,
                     std::string(o.proxy ? "proxyDHCP OFFER" : "OFFER") + " from " + server_of(o.msg, o.from));
        }
        if (out.ack) consider(*out.ack, out.server_id, "DHCP ACK from " + out.server_id.to_string());
        if (const auto t = flow_4011_target()) {
            for (auto& e : owed4011) e.in_flow = e.in_flow || e.server == *t;
        }
    }

    /// Starts the next probe REQUEST the normal boot does not make itself.
    bool next_4011(TimePoint now) {
        for (std::size_t i = 0; i < owed4011.size(); ++i) {
            if (owed4011[i].in_flow || owed4011[i].asked) continue;
            owed4011_cur = i;
            pxe_xid = new_pxe_xid();
            owed4011[i].asked = true;
            owed4011[i].xid = pxe_xid;
            owed4011[i].first_at = now;
            enter(kProbe4011, now);
            return true;
        }
        return false;
    }

    static std::string answer_text(const DhcpMessage& m, const link::Datagram& d) {
        std::string t = "DHCPACK from " + d.src_ip.to_string() + ":" + std::to_string(d.src_port);
        const std::string file = boot_file_of(m);
        t += file.empty() ? ", no boot file" : ", file \"" + file + "\"";
        if (!m.siaddr.is_zero()) t += " on " + m.siaddr.to_string();
        if (has_discovery(m)) t += ", a boot menu";
        return t;
    }

    void p4011_tx(TimePoint now) {
        Owed4011& e = owed4011[owed4011_cur];
        ++e.tries;
        e.last_at = now;
        send(build(Kind::Proxy, now), out.address, prof().pxe_request_port, e.server, kPxeBootServerPort);
    }

    void p4011_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        Owed4011& e = owed4011[owed4011_cur];
        if (m.message_type() != DhcpMessageType::Ack || d.src_port != kPxeBootServerPort) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    ":" + std::to_string(d.src_port) + " while probing " + e.server.to_string() + ":4011");
            return;
        }
        e.answered = true;
        e.last_at = now;
        e.answer = answer_text(m, d);
        leave_state();
        if (!next_4011(now)) boot_info_step(now);
    }

    void p4011_expired(TimePoint now) {
        if (attempts_left()) {
            transmit(now);
            return;
        }
        owed4011[owed4011_cur].last_at = now;
        leave_state();
        if (!next_4011(now)) boot_info_step(now);
    }

    // The verdicts, rebuilt whenever the client ends (late answers included).

    const TftpResult* download_result() const { return download ? &download->result() : nullptr; }

    /// The start of a TFTP probe's outcome: the download's server and client
    /// port, or, with \p r null, that the boot never got that far.
    ProbeOutcome tftp_probe_outcome(Probe probe, const TftpResult*& r) const {
        ProbeOutcome p;
        p.probe = probe;
        r = download_result();
        if (!r) {
            p.detail = "the boot stopped before the download";
            return p;
        }
        p.servers = {download->request().server};
        p.client_port = download->client_port();
        return p;
    }

    ProbeOutcome outcome_non_pxe() const {
        ProbeOutcome p;
        p.probe = Probe::NonPxeDiscover;
        p.xid = np_xid;
        const std::string sent = "DISCOVER without 60/93/94/97 (xid " + hex32(np_xid.value_or(0)) + ")";
        std::vector<std::string> proxies;
        std::vector<std::string> others;
        for (const auto& r : np_replies) {
            const auto type = r.msg.message_type();
            if ((type == DhcpMessageType::Offer || type == DhcpMessageType::Ack) && is_proxy_offer(r.msg)) {
                proxies.push_back(reply_text(r, np_sent));
                p.faults.push_back({"PXE-016",
                                    sent + " answered with a proxyDHCP reply (yiaddr 0.0.0.0, 60 PXEClient): " +
                                        reply_text(r, np_sent) +
                                        "; a proxy must answer only clients whose 60 starts PXEClient",
                                    false});
            } else {
                others.push_back(reply_text(r, np_sent));
            }
        }
        std::string rest;
        for (const auto& o : others) rest += (rest.empty() ? "" : "; ") + o;
        rest = others.empty() ? "no other answer" : std::to_string(others.size()) + " ordinary answer(s): " + rest;
        if (!p.faults.empty()) {
            p.result = ProbeResult::Fail;
            std::string all;
            for (const auto& x : proxies) all += (all.empty() ? "" : "; ") + x;
            p.detail = sent + ": proxyDHCP answer " + all + " (" + rest + ")";
            return p;
        }
        std::vector<std::string> proxy_servers;
        for (const auto& o : out.offers) {
            if (!o.proxy) continue;
            const std::string sv = server_of(o.msg, o.from);
            if (std::find(proxy_servers.begin(), proxy_servers.end(), sv) == proxy_servers.end())
                proxy_servers.push_back(sv);
        }
        if (proxy_servers.empty()) {
            p.result = ProbeResult::NotApplicable;
            p.detail = sent + ": no proxyDHCP server answered the PXE DISCOVERs either, so there was no proxy "
                              "to test (" + rest + ")";
            return p;
        }
        std::string list;
        for (const auto& x : proxy_servers) list += (list.empty() ? "" : ", ") + x;
        p.result = ProbeResult::Pass;
        p.detail = sent + ": proxyDHCP " + list + " answered the PXE DISCOVER but not this one (" + rest + ")";
        return p;
    }

    ProbeOutcome outcome_fsi() const {
        ProbeOutcome p;
        p.probe = Probe::ForeignServerId;
        p.xid = fsi_xid;
        if (!fsi_xid) {
            p.detail = "no address offer came, so there was no SELECTING REQUEST to make";
            return p;
        }
        const std::string sent = "SELECTING REQUEST (xid " + hex32(*fsi_xid) + ", 50 = " + fsi_yiaddr.to_string() +
                                 " offered by " + fsi_offer_server.to_string() + ", 54 = " +
                                 Ipv4Addr{kForeignServerId}.to_string() + ") broadcast";
        if (fsi_replies.empty()) {
            p.result = ProbeResult::Pass;
            p.detail = sent + ": no ACK or NAK within " + seconds_text(fsi_wait.empty() ? Micros{} : fsi_wait.front()) +
                       " (or later in the run); only the named server may answer";
            return p;
        }
        p.result = ProbeResult::Fail;
        std::string all;
        for (const auto& r : fsi_replies) {
            all += (all.empty() ? "" : "; ") + reply_text(r, fsi_sent);
            p.faults.push_back({"MSG-006",
                                sent + " answered with " + reply_text(r, fsi_sent) +
                                    ": a server not named by 54 must take the REQUEST as a decline and stay silent",
                                false});
        }
        p.detail = sent + ": answered with " + all;
        return p;
    }

    ProbeOutcome outcome_4011() const {
        ProbeOutcome p;
        p.probe = Probe::Probe4011;
        if (!owed4011_planned) {
            p.detail = "the boot stopped before an address was bound, so no 4011 REQUEST could be sent";
            return p;
        }
        if (owed4011.empty()) {
            p.detail = "no OFFER or ACK said PXEClient without a boot file and a menu: no server owed a 4011 answer";
            return p;
        }
        std::vector<std::string> parts;
        for (const auto& e : owed4011) {
            p.servers.push_back(e.server);
            if (!p.xid && e.asked) p.xid = e.xid;
            const std::string what = "REQUEST to " + e.server.to_string() + ":4011 (" + e.why +
                                     " said PXEClient with no boot file and no menu" +
                                     (e.in_flow ? "; the boot's own ProxyDHCP REQUEST" : "") + ")";
            if (!e.asked) {
                parts.push_back(what + ": not sent, the boot stopped first");
                continue;
            }
            if (e.answered) {
                parts.push_back(what + ": " + e.answer);
                continue;
            }
            const std::string d = what + ": no answer to " + std::to_string(e.tries) + " REQUEST(s) over " +
                                  seconds_text(std::chrono::duration_cast<Micros>(e.last_at - e.first_at)) +
                                  " (xid " + hex32(e.xid) + ")";
            parts.push_back(d);
            p.faults.push_back({"PXE-017", d, false});
        }
        for (const auto& x : parts) p.detail += (p.detail.empty() ? "" : "; ") + x;
        const bool any_answer =
            std::any_of(owed4011.begin(), owed4011.end(), [](const Owed4011& e) { return e.answered; });
        p.result = !p.faults.empty() ? ProbeResult::Fail : any_answer ? ProbeResult::Pass : ProbeResult::NotApplicable;
        return p;
    }

    ProbeOutcome outcome_unknown_option() const {
        const TftpResult* r = nullptr;
        ProbeOutcome p = tftp_probe_outcome(Probe::UnknownTftpOption, r);
        if (!r) return p;
        p.client_port = r->first_port;  // where the first RRQ, the one with the probe's option, went from
        const std::string sent = "RRQ \"" + download->request().filename + "\" to " +
                                 download->request().server.to_string() + " with " + std::string(kProbeTftpOption) +
                                 "=1 (from port " + std::to_string(r->first_port) + ")";
        if (!r->first_answer) {
            p.detail = sent + ": no answer to the RRQ";
            return p;
        }
        const auto op = *r->first_answer;
        if (op == static_cast<std::uint16_t>(wire::TftpOpcode::Data)) {
            p.result = ProbeResult::Pass;
            p.detail = sent + ": DATA 1 (the server ignores options)";
            return p;
        }
        if (op == static_cast<std::uint16_t>(wire::TftpOpcode::Oack) && r->oack) {
            std::string opts;
            bool echoed = false;
            std::string echoed_value;
            for (const auto& o : *r->oack) {
                opts += (opts.empty() ? "" : " ") + o.name + "=" + o.value;
                std::string lower = o.name;
                for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                if (lower == kProbeTftpOption) {
                    echoed = true;
                    echoed_value = o.value;
                }
            }
            if (echoed) {
                p.result = ProbeResult::Fail;
                p.detail = sent + ": OACK " + opts + " echoes it";
                p.faults.push_back({"TFTP-013",
                                    p.detail + ": the server acknowledged an option no TFTP server knows (value \"" +
                                        echoed_value + "\")",
                                    false});
                return p;
            }
            p.result = ProbeResult::Pass;
            p.detail = sent + ": OACK " + (opts.empty() ? "(empty)" : opts) + " without it";
            return p;
        }
        if (op == static_cast<std::uint16_t>(wire::TftpOpcode::Error)) {
            const std::string err = "ERROR " + std::to_string(r->first_error_code) + " (" +
                                    wire::to_string(static_cast<wire::TftpErrorCode>(r->first_error_code)) + ") \"" +
                                    r->first_error_message + "\"";
            if (r->first_error_code == static_cast<std::uint16_t>(wire::TftpErrorCode::FileNotFound) ||
                r->first_error_code == static_cast<std::uint16_t>(wire::TftpErrorCode::AccessViolation)) {
                p.detail = sent + ": " + err + ", a file-level answer that says nothing about options";
                return p;
            }
            p.result = ProbeResult::Fail;
            p.detail = sent + ": refused with " + err + "; the retry without options ended " +
                       to_string(r->status) + (r->status == TftpResult::Status::Complete ? "" : ": " + r->problem);
            p.faults.push_back({"TFTP-014",
                                p.detail + " (an unknown option must be left out of the OACK, not refused)",
                                false});
            return p;
        }
        p.detail = sent + ": first answer opcode " + std::to_string(op);
        return p;
    }

    ProbeOutcome outcome_duplicate_ack() const {
        const TftpResult* r = nullptr;
        ProbeOutcome p = tftp_probe_outcome(Probe::DuplicateAck, r);
        if (!r) return p;
        if (r->windowsize > 1) {
            p.detail = "windowsize " + std::to_string(r->windowsize) +
                       " was negotiated: RFC 7440 lets a windowed sender restart after an ACK of an earlier block, "
                       "so a duplicate ACK proves nothing there (ask --windowsize 1)";
            return p;
        }
        if (r->duplicate_acks_sent == 0) {
            p.detail = "no DATA block was received, so none was ACKed twice";
            return p;
        }
        const std::string sent = std::to_string(r->duplicate_acks_sent) + " DATA block(s) of \"" +
                                 download->request().filename + "\" from " + download->request().server.to_string() +
                                 " ACKed twice";
        if (r->provoked_repeats == 0) {
            p.result = ProbeResult::Pass;
            p.detail = sent + ": no DATA block came again (" + std::to_string(r->duplicate_blocks) +
                       " repeat(s) in all, none sooner than " +
                       seconds_text(TftpClient::kProvokedGap) + " after its first copy)";
            return p;
        }
        p.result = ProbeResult::Fail;
        p.blocks = r->provoked_blocks;
        const auto gap_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r->first_provoked_gap).count();
        p.detail = sent + ": DATA " + std::to_string(r->provoked_blocks.front()) + " came again " +
                   std::to_string(gap_ms) + " ms after its first copy (" + std::to_string(r->provoked_repeats) +
                   " such resend(s)); the doubling stopped there";
        p.faults.push_back({"TFTP-009",
                            p.detail + ": the server resends DATA on a duplicate ACK (Sorcerer's Apprentice), "
                                       "only a timeout may trigger a resend",
                            false});
        return p;
    }

    ProbeOutcome outcome_foreign_tid() const {
        const TftpResult* r = nullptr;
        ProbeOutcome p = tftp_probe_outcome(Probe::TftpForeignTid, r);
        if (!r) return p;
        p.probe_port = download->request().foreign_tid_port;
        if (!r->foreign_tid) {
            p.detail = "the transfer of \"" + download->request().filename +
                       "\" ended before a second DATA block (a one-block file, or no DATA at all)";
            return p;
        }
        const auto& f = *r->foreign_tid;
        const std::string sent = "ACK " + std::to_string(f.block) + " from port " + std::to_string(f.port) +
                                 " (the transfer's port is " + std::to_string(p.client_port) + ") to " +
                                 download->request().server.to_string() + ":" + std::to_string(f.server_tid) +
                                 " after block " + std::to_string(f.blocks_before);
        std::string answers;
        bool proper = false;
        for (const auto& a : f.answers) {
            std::string t;
            if (a.opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Error)) {
                t = "ERROR " + std::to_string(a.value) + " \"" + a.message + "\"";
            } else if (a.opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Data)) {
                t = "DATA " + std::to_string(a.value);
            } else {
                t = "opcode " + std::to_string(a.opcode);
            }
            t += " from " + a.from_ip.to_string() + ":" + std::to_string(a.from_port);
            answers += (answers.empty() ? "" : "; ") + t;
            if (a.opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Error)) {
                if (a.value == static_cast<std::uint16_t>(wire::TftpErrorCode::UnknownTid)) {
                    proper = true;
                } else {
                    p.faults.push_back({"TFTP-012",
                                        sent + ": answered " + t + "; the code for a packet from a foreign TID is 5",
                                        false});
                }
            } else {
                p.faults.push_back({"TFTP-005",
                                    sent + ": answered " + t +
                                        ": the server took the stray port for the transfer's; the TID pair is fixed",
                                    false});
            }
        }
        const std::string came = answers.empty() ? "no answer to that port (ignored)" : "answered " + answers;
        std::string transfer;
        if (r->status == TftpResult::Status::Complete) {
            transfer = "the transfer went on to complete (" + std::to_string(r->blocks) + " blocks)";
        } else if (r->status == TftpResult::Status::Running) {
            transfer = "the transfer was still running when the run ended";
        } else {
            transfer = "the transfer ended: " + r->problem;
            if (r->error_from_server || r->status == TftpResult::Status::Timeout) {
                p.faults.push_back({"TFTP-005",
                                    sent + ": " + came + ", and then " + transfer +
                                        "; a packet from a foreign TID must not end the transfer",
                                    true});
            }
        }
        p.detail = sent + ": " + came + "; " + transfer;
        if (!p.faults.empty()) {
            p.result = ProbeResult::Fail;
        } else if (r->status == TftpResult::Status::Complete || proper) {
            p.result = ProbeResult::Pass;
        }
        return p;
    }

    void finalize_probes() {
        out.probes.clear();
        for (const auto& spec : probe_specs()) {
            if (!probing(spec.probe)) continue;
            switch (spec.probe) {
                case Probe::NonPxeDiscover: out.probes.push_back(outcome_non_pxe()); break;
                case Probe::ForeignServerId: out.probes.push_back(outcome_fsi()); break;
                case Probe::Probe4011: out.probes.push_back(outcome_4011()); break;
                case Probe::UnknownTftpOption: out.probes.push_back(outcome_unknown_option()); break;
                case Probe::DuplicateAck: out.probes.push_back(outcome_duplicate_ack()); break;
                case Probe::TftpForeignTid: out.probes.push_back(outcome_foreign_tid()); break;
            }
        }
    }

    // --- entry points ---------------------------------------------------------------

    void on_dhcp(TimePoint now, const link::Datagram& d) {
        const wire::DhcpDecoded dec = wire::decode_dhcp(d.payload);
        if (!dec.header_complete) return;
        const DhcpMessage& m = dec.msg;
        if (m.op != 2) return;  // our own broadcasts echoed back, or another client
        if (m.client_mac() != cfg.mac) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " for another client (chaddr " + m.client_mac().to_string() + ")");
            return;
        }
        if (np_xid && m.xid == *np_xid) {
            // An answer to the non-pxe-discover probe: kept for its verdict.
            np_replies.push_back(probe_reply(now, d, m));
            if (state == &kDiscover && tx_pending && out.discovers_sent == 0 && !m.yiaddr.is_zero() &&
                deadline && now + kNonPxeSettle < *deadline) {
                // The DHCP server has answered it: the PXE boot may start.
                deadline = now + kNonPxeSettle;
                start = round_start = *deadline;
            }
            return;
        }
        if (fsi_xid && m.xid == *fsi_xid && state != &kForeignSid &&
            (m.message_type() == DhcpMessageType::Ack || m.message_type() == DhcpMessageType::Nak)) {
            // A late answer to the foreign-server-id REQUEST.
            fsi_replies.push_back(probe_reply(now, d, m));
            return;
        }
        if (!state || tx_pending) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " in phase " + to_string(phase));
            return;
        }
        const bool pxe_state = state == &kProxy || state == &kPxebs || state == &kProbe4011;
        const std::uint32_t want = pxe_state ? pxe_xid : xid;
        if (m.xid != want) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " with xid " + hex32(m.xid) + " (ours is " + hex32(want) + ")");
            return;
        }
        (this->*state->rx)(now, d, m);
    }

    bool for_tftp(const link::Datagram& d) const {
        return (size_probe && d.dst_port == size_probe->client_port()) ||
               (download && d.dst_port == download->client_port()) ||
               (download && download->request().foreign_tid_port != 0 &&
                d.dst_port == download->request().foreign_tid_port);
    }
};

const PxeClient::Impl::StateDesc PxeClient::Impl::kDiscover{
    "discover", ClientPhase::Discovering, &Impl::discover_tx, &Impl::discover_rx, &Impl::discover_expired,
    &Impl::discover_schedule};
const PxeClient::Impl::StateDesc PxeClient::Impl::kRequest{
    "request", ClientPhase::Requesting, &Impl::request_tx, &Impl::request_rx, &Impl::request_expired,
    &Impl::request_schedule};
const PxeClient::Impl::StateDesc PxeClient::Impl::kProxy{
    "proxy", ClientPhase::ProxyRequest, &Impl::proxy_tx, &Impl::pxe_rx, &Impl::pxe_expired,
    &Impl::bootserver_schedule};
const PxeClient::Impl::StateDesc PxeClient::Impl::kPxebs{
    "pxebs", ClientPhase::BootServer, &Impl::pxebs_tx, &Impl::pxe_rx, &Impl::pxe_expired,
    &Impl::bootserver_schedule};
const PxeClient::Impl::StateDesc PxeClient::Impl::kForeignSid{
    "probe-foreign-server-id", ClientPhase::Requesting, &Impl::fsi_tx, &Impl::fsi_rx, &Impl::fsi_expired,
    &Impl::fsi_schedule};
const PxeClient::Impl::StateDesc PxeClient::Impl::kProbe4011{
    "probe-4011", ClientPhase::ProxyRequest, &Impl::p4011_tx, &Impl::p4011_rx, &Impl::p4011_expired,
    &Impl::bootserver_schedule};

PxeClient::PxeClient(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
PxeClient::~PxeClient() = default;

void PxeClient::start(TimePoint now) {
    Impl& i = *impl_;
    if (i.phase != ClientPhase::Init) return;
    if (i.cfg.seed != 0) {
        i.rng.seed(i.cfg.seed);
    } else {
        std::random_device rd;
        i.rng.seed(rd());
    }
    i.start = now;
    i.round_start = now;
    i.out.started = now;
    i.xid = i.random32();
    if (i.probing(Probe::NonPxeDiscover)) {
        // A plain DHCP client from the same MAC first, with its own xid; the
        // PXE boot starts once a DHCP server has offered it an address (see
        // kNonPxeSettle), else kNonPxeWaitMax later. Answers to the two are
        // told apart by xid.
        i.np_xid = i.random32();
        i.np_sent = now;
        i.start = now + kNonPxeWaitMax;
        i.round_start = i.start;
        wire::DhcpMessage m = i.build(Impl::Kind::Discover, now, true);
        m.xid = *i.np_xid;
        i.broadcast(m);
        i.enter(Impl::kDiscover, now, i.start);
        return;
    }
    i.enter(Impl::kDiscover, now);
}

void PxeClient::on_datagram(TimePoint now, const link::Datagram& d) {
    Impl& i = *impl_;
    if (i.phase == ClientPhase::Init) return;
    if (i.for_tftp(d)) {
        // After Done too: the download may still be dallying.
        if (i.size_probe) i.size_probe->on_datagram(now, d);
        if (i.download) i.download->on_datagram(now, d);
        const bool ended = i.phase == ClientPhase::Done || i.phase == ClientPhase::Failed;
        i.check_tftp(now);
        if (ended && !i.cfg.probes.empty()) i.finalize_probes();  // a late answer to a probe
        return;
    }
    const bool from_server_port = d.src_port == kDhcpServerPort || d.src_port == kPxeBootServerPort;
    const bool to_client_port = d.dst_port == kDhcpClientPort || d.dst_port == i.prof().pxe_request_port;
    if (from_server_port && to_client_port) i.on_dhcp(now, d);
}

void PxeClient::on_timer(TimePoint now) {
    Impl& i = *impl_;
    if (i.size_probe) i.size_probe->on_timer(now);
    if (i.download) i.download->on_timer(now);
    i.check_tftp(now);
    if (i.phase == ClientPhase::Probing) {
        if (i.deadline && now >= *i.deadline) {
            i.note("no ARP probe result within " + seconds_text(kProbeFallback) + "; going on");
            i.after_probe(now);
        }
        return;
    }
    if (!i.state) return;
    if (i.select_at && now >= *i.select_at && i.state == &Impl::kDiscover) {
        i.select_at.reset();
        if (i.round_has(false)) {
            i.select(now);
            return;
        }
    }
    if (i.deadline && now >= *i.deadline) {
        if (i.tx_pending) {
            i.transmit(now);
        } else {
            (i.*(i.state->expired))(now);
        }
    }
}

void PxeClient::abort(TimePoint now) {
    Impl& i = *impl_;
    if (i.size_probe && !i.size_probe->done()) i.size_probe->abort(now, "aborted");
    if (i.download && !i.download->done()) i.download->abort(now, "aborted");
    // Keep the TFTP outcome of an aborted download.
    if (i.download) i.out.tftp = i.download->result();
    i.probe_handled = true;
    i.download_handled = true;
    if (i.phase == ClientPhase::Done || i.phase == ClientPhase::Failed) {
        if (i.bound() && !i.out.released && i.cfg.release) i.release();
        i.finalize_probes();
        return;
    }
    i.fail(now, "aborted in phase " + to_string(i.phase));
}

std::optional<TimePoint> PxeClient::next_deadline() const {
    const Impl& i = *impl_;
    std::optional<TimePoint> best;
    auto take = [&](std::optional<TimePoint> t) {
        if (t && (!best || *t < *best)) best = t;
    };
    if (i.state || i.phase == ClientPhase::Probing) take(i.deadline);
    if (i.state) take(i.select_at);
    if (i.size_probe) take(i.size_probe->next_deadline());
    if (i.download) take(i.download->next_deadline());
    return best;
}

std::vector<link::Datagram> PxeClient::take_output() {
    Impl& i = *impl_;
    std::vector<link::Datagram> v;
    v.swap(i.output);
    // Keep wire order roughly: DHCP first, then TFTP (they never interleave
    // within one call: a phase sends one or the other).
    for (auto* t : {i.size_probe.get(), i.download.get()}) {
        if (!t) continue;
        auto more = t->take_output();
        v.insert(v.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return v;
}

std::optional<Ipv4Addr> PxeClient::bound_address() const {
    const Impl& i = *impl_;
    if (!i.bound() || i.out.released) return std::nullopt;
    return i.out.address;
}

std::optional<Ipv4Addr> PxeClient::probe_request() {
    Impl& i = *impl_;
    if (!i.probe_pending) return std::nullopt;
    i.probe_pending = false;
    return i.out.address;
}

void PxeClient::on_probe_result(TimePoint now, std::optional<MacAddr> conflict) {
    Impl& i = *impl_;
    if (i.phase != ClientPhase::Probing) return;
    if (conflict) {
        i.out.address_conflict = conflict;
        i.note("ARP probe of " + i.out.address.to_string() + " answered by " + conflict->to_string() +
               ": the address is in use; going on as PXE ROMs do (they do not DECLINE)");
    }
    i.after_probe(now);
}

ClientPhase PxeClient::phase() const { return impl_->phase; }
bool PxeClient::done() const { return impl_->phase == ClientPhase::Done || impl_->phase == ClientPhase::Failed; }
const ClientOutcome& PxeClient::outcome() const { return impl_->out; }
const ClientConfig& PxeClient::config() const { return impl_->cfg; }

}  // namespace pxecheck::client
