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
namespace opt = wire::opt;

constexpr std::uint16_t kDhcpServerPort = 67;
constexpr std::uint16_t kDhcpClientPort = 68;
constexpr std::uint16_t kPxePort = 4011;
/// NAKs in a row before the client stops starting over (a server that NAKs
/// every REQUEST would otherwise keep a boot loop going for ever).
constexpr std::size_t kMaxNaks = 5;
/// Ignored replies described one by one in the notes; the rest only counted.
constexpr std::size_t kMaxIgnoredNotes = 8;
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
    DhcpMessage build(Kind kind, TimePoint now) {
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
        send(m, out.address, prof().pxe_request_port, dst, kPxePort);
    }

    void pxe_rx(TimePoint now, const link::Datagram& d, const DhcpMessage& m) {
        if (m.message_type() != DhcpMessageType::Ack) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " while waiting for the 4011 ACK");
            return;
        }
        const std::uint16_t want_port = target.broadcast && state == &kPxebs ? kDhcpServerPort : kPxePort;
        if (d.src_port != want_port && d.src_port != kPxePort) {
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
        if (!state || tx_pending) {
            ignored(wire::to_string(m.message_type().value_or(DhcpMessageType{0})) + " from " + server_of(m, d) +
                    " in phase " + to_string(phase));
            return;
        }
        const bool pxe_state = state == &kProxy || state == &kPxebs;
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
               (download && d.dst_port == download->client_port());
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
    i.enter(Impl::kDiscover, now);
}

void PxeClient::on_datagram(TimePoint now, const link::Datagram& d) {
    Impl& i = *impl_;
    if (i.phase == ClientPhase::Init) return;
    if (i.for_tftp(d)) {
        // After Done too: the download may still be dallying.
        if (i.size_probe) i.size_probe->on_datagram(now, d);
        if (i.download) i.download->on_datagram(now, d);
        i.check_tftp(now);
        return;
    }
    const bool from_server_port = d.src_port == kDhcpServerPort || d.src_port == kPxePort;
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
