// The reference DHCP server, proxyDHCP and PXE boot server (sans-I/O).
//
// Layout: read_request() turns a datagram into an Incoming (the decoded
// message plus the PXE facts the server decides on); one handler per message
// type and port decides; build_reply()/add_parameters()/deliver() make the
// answer the same way for every handler, so that the header and option rules
// of RFC 2131 table 3 live in one place.

#include "pxecheck/master/dhcp_server.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::master {

namespace opt = wire::opt;
using wire::DhcpMessage;
using wire::DhcpMessageType;
using wire::kDhcpClientPort;
using wire::kDhcpServerPort;
using wire::kPxeBootServerPort;

std::string to_string(ServePhase p) {
    switch (p) {
        case ServePhase::Discover: return "discover";
        case ServePhase::Offer: return "offer";
        case ServePhase::Request: return "request";
        case ServePhase::Ack: return "ack";
        case ServePhase::Pxe4011: return "4011";
        case ServePhase::Tftp: return "tftp";
        case ServePhase::TftpDone: return "tftp-done";
    }
    return "?";
}

std::string to_string(DhcpEvent::Kind k) {
    switch (k) {
        case DhcpEvent::Kind::Offered: return "offered";
        case DhcpEvent::Kind::Acked: return "acked";
        case DhcpEvent::Kind::Nakked: return "nakked";
        case DhcpEvent::Kind::Pxe4011Acked: return "pxe-acked";
        case DhcpEvent::Kind::Declined: return "declined";
        case DhcpEvent::Kind::Released: return "released";
        case DhcpEvent::Kind::Ignored: return "ignored";
        case DhcpEvent::Kind::PoolExhausted: return "pool-exhausted";
        case DhcpEvent::Kind::Expired: return "expired";
        case DhcpEvent::Kind::StoreError: return "store-error";
    }
    return "?";
}

namespace {

/// RFC 2131 §2: without option 57 a client takes 576-octet IP datagrams.
constexpr std::size_t kDefaultMaxDatagram = 576;
/// We do not know the link MTU; no reply is made larger than an untagged
/// Ethernet frame carries.
constexpr std::size_t kMaxDatagram = 1500;
constexpr std::size_t kIpUdpHeaders = 28;
constexpr std::uint32_t kInfiniteLease = 0xffffffffu;

/// What the server decides on, read once from a client message.
struct Incoming {
    DhcpMessage msg;
    MacAddr mac;
    DhcpMessageType type = DhcpMessageType::Discover;
    std::string vendor_class;
    bool pxe = false;    ///< 60 starts "PXEClient"
    bool ipxe = false;   ///< 77 holds "iPXE"
    std::optional<std::uint16_t> arch;
    std::optional<Bytes> uuid;       ///< option 97 as sent, echoed to PXE clients
    std::optional<Bytes> prl;        ///< option 55
    std::size_t max_payload = kDefaultMaxDatagram - kIpUdpHeaders;
    std::optional<wire::PxeBootItem> boot_item;  ///< 43.71
};

/// RFC 3004 user class: {len, data}...; iPXE sends the bare text "iPXE"
/// instead (PXE-029), so both forms count.
bool user_class_is_ipxe(const Bytes& v) {
    const std::string_view want = "iPXE";
    if (v.size() == want.size() && std::equal(v.begin(), v.end(), want.begin())) return true;
    std::size_t i = 0;
    while (i < v.size()) {
        const std::size_t n = v[i];
        if (n == 0 || i + 1 + n > v.size()) return false;
        if (n == want.size() && std::equal(v.begin() + static_cast<std::ptrdiff_t>(i + 1),
                                           v.begin() + static_cast<std::ptrdiff_t>(i + 1 + n), want.begin())) {
            return true;
        }
        i += 1 + n;
    }
    return false;
}

std::optional<Incoming> read_request(const link::Datagram& d, std::string& why) {
    auto decoded = wire::decode_dhcp(d.payload);
    if (!decoded.header_complete) {
        why = "shorter than a BOOTP header (" + std::to_string(d.payload.size()) + " octets)";
        return std::nullopt;
    }
    Incoming in;
    in.msg = std::move(decoded.msg);
    if (in.msg.op != 1) {
        why = "op " + std::to_string(in.msg.op) + " is not a client request";
        return std::nullopt;
    }
    const auto type = in.msg.message_type();
    if (!type) {
        why = "no DHCP message type (plain BOOTP is not served)";
        return std::nullopt;
    }
    in.type = *type;
    in.mac = in.msg.client_mac();
    if (auto v = in.msg.joined(opt::kVendorClass)) {
        const auto vc = wire::parse_vendor_class(*v);
        in.vendor_class = vc.text;
        in.pxe = vc.pxe;
        in.arch = vc.arch;
    }
    if (auto v = in.msg.joined(opt::kUserClass)) in.ipxe = user_class_is_ipxe(*v);
    if (auto v = in.msg.joined(opt::kClientArch)) {
        if (auto archs = wire::parse_client_arch(*v); archs && !archs->empty()) in.arch = archs->front();
    }
    in.uuid = in.msg.joined(opt::kClientUuid);
    in.prl = in.msg.joined(opt::kParameterList);
    if (const auto* o = in.msg.find(opt::kMaxMessageSize); o && o->data.size() == 2) {
        const std::size_t v = (std::size_t{o->data[0]} << 8) | o->data[1];
        in.max_payload = std::min(std::max(v, kDefaultMaxDatagram), kMaxDatagram) - kIpUdpHeaders;
    }
    if (auto v = in.msg.joined(opt::kVendorSpecific); v && in.pxe) {
        in.boot_item = wire::decode_pxe_options(*v).value.boot_item;
    }
    return in;
}

std::string type_name(DhcpMessageType t) { return wire::to_string(t); }

/// What a reply says about booting.
struct BootPlan {
    std::string file;                            ///< empty: no siaddr/file
    std::optional<wire::PxeVendorOptions> ext;   ///< PXE extensions: 60 + 43
};

Bytes ip_bytes(Ipv4Addr a) {
    const auto o = a.octets();
    return Bytes(o.begin(), o.end());
}

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

struct DhcpServer::Impl {
    enum class State : std::uint8_t { Offered, Bound, Declined };
    struct Record {
        MacAddr mac;
        Ipv4Addr address;
        TimePoint expires{};
        State state = State::Offered;
    };

    MasterConfig cfg;
    LeaseStore* store = nullptr;
    bool started = false;
    TimePoint anchor_tp{};
    std::int64_t anchor_unix = 0;

    std::map<Ipv4Addr, Record> by_addr;             ///< every held address
    std::unordered_map<MacAddr, Ipv4Addr> by_mac;   ///< offered or bound address of a client
    std::unordered_map<MacAddr, Ipv4Addr> last_addr;  ///< affinity after RELEASE/expiry

    std::vector<MacAddr> order;
    std::unordered_map<MacAddr, ClientView> views;

    std::vector<link::Datagram> out;
    std::vector<DhcpEvent> events;

    explicit Impl(MasterConfig c, LeaseStore* s) : cfg(std::move(c)), store(s) {}

    // --- time ------------------------------------------------------------------
    std::int64_t to_unix(TimePoint t) const {
        if (t == TimePoint::max()) return Lease::kNever;
        return anchor_unix + std::chrono::duration_cast<std::chrono::seconds>(t - anchor_tp).count();
    }
    TimePoint from_unix(std::int64_t u) const {
        if (u == Lease::kNever) return TimePoint::max();
        // A lease file may hold any 64-bit expiry. Seconds that far from the
        // anchor overflow the microseconds of a TimePoint (and u - anchor_unix
        // itself may overflow), so the expiry is pinned to the range a
        // TimePoint can express: still a finite expiry, short of max() (which
        // means "never").
        const std::int64_t anchor_us = anchor_tp.time_since_epoch().count();
        const std::int64_t ahead = (Micros::max().count() - 1 - std::max<std::int64_t>(anchor_us, 0)) / 1'000'000;
        const std::int64_t behind = (Micros::min().count() - std::min<std::int64_t>(anchor_us, 0)) / 1'000'000;
        std::int64_t d = 0;
        if (__builtin_sub_overflow(u, anchor_unix, &d)) d = u > anchor_unix ? ahead : behind;
        return anchor_tp + std::chrono::seconds(std::clamp(d, behind, ahead));
    }
    TimePoint after(TimePoint now, std::uint32_t seconds) const {
        if (seconds == kInfiniteLease) return TimePoint::max();
        return now + std::chrono::seconds(seconds);
    }

    // --- events and views ---------------------------------------------------------
    void event(DhcpEvent::Kind k, TimePoint now, const MacAddr& mac, Ipv4Addr addr, std::uint32_t xid,
               std::string detail) {
        events.push_back(DhcpEvent{k, now, mac, addr, xid, std::move(detail)});
    }
    void ignore(TimePoint now, const Incoming& in, std::string why) {
        event(DhcpEvent::Kind::Ignored, now, in.mac, Ipv4Addr{}, in.msg.xid,
              type_name(in.type) + " from " + in.mac.to_string() + ": " + std::move(why));
    }

    ClientView& view(TimePoint now, const Incoming& in) {
        auto [it, fresh] = views.try_emplace(in.mac);
        ClientView& v = it->second;
        if (fresh) {
            order.push_back(in.mac);
            v.mac = in.mac;
            v.first_seen = now;
        }
        v.last_seen = now;
        if (in.arch) v.arch = in.arch;
        if (!in.vendor_class.empty()) v.vendor_class = in.vendor_class;
        v.pxe = v.pxe || in.pxe;
        v.ipxe = v.ipxe || in.ipxe;
        return v;
    }
    static void reach(ClientView& v, ServePhase p) { v.phase = std::max(v.phase, p); }

    // --- lease table ------------------------------------------------------------------
    Record* record_of(const MacAddr& mac) {
        auto it = by_mac.find(mac);
        if (it == by_mac.end()) return nullptr;
        auto r = by_addr.find(it->second);
        return r == by_addr.end() ? nullptr : &r->second;
    }
    void drop(Ipv4Addr addr) {
        auto it = by_addr.find(addr);
        if (it == by_addr.end()) return;
        auto m = by_mac.find(it->second.mac);
        if (m != by_mac.end() && m->second == addr) by_mac.erase(m);
        by_addr.erase(it);
    }
    /// Offered or Bound record for \p mac at \p addr (replacing its old one).
    void hold(const MacAddr& mac, Ipv4Addr addr, State state, TimePoint expires) {
        if (Record* old = record_of(mac); old && old->address != addr) drop(old->address);
        drop(addr);
        by_addr[addr] = Record{mac, addr, expires, state};
        by_mac[mac] = addr;
    }

    bool usable(Ipv4Addr a) const {
        if (a == cfg.server_ip || (cfg.router && a == *cfg.router)) return false;
        if (!cfg.in_subnet(a)) return false;
        const std::uint32_t host = a.value & ~cfg.netmask.value;
        return host != 0 && host != (~cfg.netmask.value);
    }
    /// Free for \p mac: usable, not reserved to someone else, and not held
    /// by another client (or declined).
    bool free_for(Ipv4Addr a, const MacAddr& mac) const {
        if (!usable(a)) return false;
        for (const auto& r : cfg.reservations) {
            if (r.address == a && r.mac != mac) return false;
        }
        auto it = by_addr.find(a);
        if (it == by_addr.end()) return true;
        return it->second.state != State::Declined && it->second.mac == mac;
    }
    /// Held by a client other than \p mac (or declined).
    bool taken_by_other(Ipv4Addr a, const MacAddr& mac) const {
        auto it = by_addr.find(a);
        return it != by_addr.end() && (it->second.state == State::Declined || it->second.mac != mac);
    }

    std::optional<Ipv4Addr> choose_address(const Incoming& in) {
        if (const auto* res = cfg.reservation_for(in.mac)) {
            if (!taken_by_other(res->address, in.mac)) return res->address;
            return std::nullopt;
        }
        if (Record* r = record_of(in.mac); r && r->state != State::Declined) return r->address;
        if (auto it = last_addr.find(in.mac); it != last_addr.end()) {
            if (cfg.in_pool(it->second) && free_for(it->second, in.mac)) return it->second;
        }
        if (auto want = in.msg.requested_address(); want && cfg.in_pool(*want) && free_for(*want, in.mac)) {
            return *want;
        }
        if (cfg.pool_first.is_zero() || cfg.pool_first > cfg.pool_last) return std::nullopt;
        for (std::uint64_t v = cfg.pool_first.value; v <= cfg.pool_last.value; ++v) {
            const Ipv4Addr a{static_cast<std::uint32_t>(v)};
            if (free_for(a, in.mac)) return a;
        }
        return std::nullopt;
    }

    std::vector<Lease> stored() const {
        std::vector<Lease> out_leases;
        for (const auto& [addr, r] : by_addr) {
            if (r.state == State::Offered) continue;
            out_leases.push_back(Lease{r.state == State::Bound ? LeaseState::Bound : LeaseState::Declined, r.mac,
                                       addr, to_unix(r.expires)});
        }
        return out_leases;
    }
    void save(TimePoint now) {
        if (store == nullptr) return;
        auto st = store->save(stored());
        if (!st) event(DhcpEvent::Kind::StoreError, now, MacAddr{}, Ipv4Addr{}, 0, st.error());
    }

    void expire(TimePoint now) {
        bool changed = false;
        for (auto it = by_addr.begin(); it != by_addr.end();) {
            const Record r = it->second;
            ++it;
            if (r.expires > now) continue;
            std::string what;
            switch (r.state) {
                case State::Offered: what = "offer of " + r.address.to_string() + " to " + r.mac.to_string(); break;
                case State::Bound:
                    what = "lease of " + r.address.to_string() + " to " + r.mac.to_string();
                    last_addr[r.mac] = r.address;
                    changed = true;
                    break;
                case State::Declined:
                    what = "hold of declined " + r.address.to_string() + " (back in the pool)";
                    changed = true;
                    break;
            }
            drop(r.address);
            event(DhcpEvent::Kind::Expired, now, r.mac, r.address, 0, what + " expired");
        }
        if (changed) save(now);
    }

    // --- boot information ----------------------------------------------------------------
    std::vector<const PxeMenuEntry*> visible_menu(const Incoming& in) const {
        std::vector<const PxeMenuEntry*> v;
        for (const auto& e : cfg.menu) {
            if (e.arches.empty() ||
                (in.arch && std::find(e.arches.begin(), e.arches.end(), *in.arch) != e.arches.end())) {
                v.push_back(&e);
            }
        }
        return v;
    }
    /// The file the ROM (or iPXE) of this client is given.
    std::string rom_file(const Incoming& in) const {
        if (in.ipxe && !cfg.ipxe_file.empty()) return cfg.ipxe_file;
        if (const auto* res = cfg.reservation_for(in.mac); res && res->boot_file) return *res->boot_file;
        return cfg.boot_file_for(in.arch);
    }
    wire::PxeVendorOptions menu_ext(const std::vector<const PxeMenuEntry*>& menu) const {
        wire::PxeVendorOptions v;
        v.discovery_control = cfg.discovery_control.value_or(
            wire::discovery::kNoBroadcast | wire::discovery::kNoMulticast);
        std::set<std::uint16_t> types;
        for (const auto* e : menu) {
            v.menu.push_back(wire::PxeMenuItem{e->type, e->description});
            // Every non-zero type names this master as its boot server, so
            // each entry is reachable with broadcast and multicast off (PXE-022).
            if (e->type != 0 && types.insert(e->type).second) {
                v.boot_servers.push_back(wire::PxeBootServer{e->type, {cfg.server_ip}});
            }
        }
        v.prompt = wire::PxeMenuPrompt{cfg.prompt_timeout, cfg.prompt};
        return v;
    }
    static wire::PxeVendorOptions direct_ext() {
        wire::PxeVendorOptions v;
        // Bit 3: the file in this very reply is the one to boot (PXE-023).
        v.discovery_control = wire::discovery::kBootFileDirect;
        return v;
    }
    /// Full-mode OFFER/ACK: plain siaddr + file unless a menu applies.
    BootPlan plan_dhcp(const Incoming& in) const {
        if (!in.pxe && !in.ipxe) return {};
        if (in.ipxe && !cfg.ipxe_file.empty()) return {cfg.ipxe_file, std::nullopt};
        if (in.pxe) {
            if (auto menu = visible_menu(in); !menu.empty()) return {"", menu_ext(menu)};
        }
        return {rom_file(in), std::nullopt};
    }
    /// Proxy OFFER and ProxyDHCP REQUEST answers: always PXE extensions.
    BootPlan plan_proxy(const Incoming& in) const {
        if (in.ipxe && !cfg.ipxe_file.empty()) return {cfg.ipxe_file, direct_ext()};
        if (auto menu = visible_menu(in); !menu.empty()) return {"", menu_ext(menu)};
        return {rom_file(in), direct_ext()};
    }

    // --- building replies ------------------------------------------------------------------
    DhcpMessage base_reply(const Incoming& in, DhcpMessageType t) const {
        DhcpMessage r;
        // RFC 2131 table 3 / DHCP-002: copied from the request.
        r.op = 2;
        r.htype = in.msg.htype;
        r.hlen = in.msg.hlen;
        r.xid = in.msg.xid;
        r.flags = in.msg.flags;
        r.giaddr = in.msg.giaddr;
        r.chaddr = in.msg.chaddr;
        // hops and secs stay 0 (DHCP-003).
        r.set_option_u8(opt::kMessageType, static_cast<std::uint8_t>(t));
        r.set_option_ip(opt::kServerId, cfg.server_ip);
        return r;
    }
    void set_lease_times(DhcpMessage& r) const {
        const std::uint32_t t = cfg.lease_time;
        r.set_option_u32(opt::kLeaseTime, t);
        r.set_option_u32(opt::kRenewalTime, t == kInfiniteLease ? t : t / 2);
        const auto t2 = static_cast<std::uint32_t>(std::uint64_t{t} * 7 / 8);
        r.set_option_u32(opt::kRebindingTime, t == kInfiniteLease ? t : t2);
    }

    /// Parameters: the subnet mask with an address, then what 55 asks for in
    /// its order (RFC 2132 §9.8), then the PXE options PXE clients always get.
    /// Codes 50, 55, 57 and 61 are never in `avail` (MSG-003).
    void add_parameters(DhcpMessage& r, const Incoming& in, bool with_address, const BootPlan& plan,
                        bool network_params) const {
        std::map<std::uint8_t, Bytes> avail;
        std::vector<std::uint8_t> always;
        if (network_params) {
            avail[opt::kSubnetMask] = ip_bytes(cfg.netmask);
            if (cfg.router) avail[opt::kRouter] = ip_bytes(*cfg.router);
            if (!cfg.dns.empty()) {
                Bytes b;
                for (auto a : cfg.dns) {
                    const auto o = a.octets();
                    b.insert(b.end(), o.begin(), o.end());
                }
                avail[opt::kDnsServer] = b;
            }
            avail[28] = ip_bytes(Ipv4Addr{cfg.server_ip.value | ~cfg.netmask.value});  // broadcast address
            if (with_address) always.push_back(opt::kSubnetMask);
        }
        if (!plan.file.empty()) {
            if (cfg.send_option66) {
                avail[opt::kTftpServerName] = text_bytes(cfg.effective_next_server().to_string());
                always.push_back(opt::kTftpServerName);
            }
            if (cfg.send_option67) {
                avail[opt::kBootfileName] = text_bytes(plan.file);
                always.push_back(opt::kBootfileName);
            }
        }
        if (plan.ext) {
            avail[opt::kVendorClass] = text_bytes("PXEClient");
            avail[opt::kVendorSpecific] = wire::encode_pxe_options(*plan.ext);
            always.push_back(opt::kVendorClass);
            always.push_back(opt::kVendorSpecific);
        }
        if (in.pxe && in.uuid) {
            avail[opt::kClientUuid] = *in.uuid;  // PXE-026
            always.push_back(opt::kClientUuid);
        }

        std::set<std::uint8_t> done;
        auto emit = [&](std::uint8_t code) {
            if (done.count(code) != 0) return;
            auto it = avail.find(code);
            if (it == avail.end()) return;
            r.set_option(code, it->second);
            done.insert(code);
        };
        if (with_address) emit(opt::kSubnetMask);
        if (in.prl) {
            for (auto code : *in.prl) emit(code);
        } else if (network_params) {
            for (std::uint8_t code : {opt::kSubnetMask, opt::kRouter, opt::kDnsServer}) emit(code);
        }
        for (auto code : always) emit(code);

        if (!plan.file.empty()) {
            r.siaddr = cfg.effective_next_server();
            r.set_file(plan.file);
        }
    }

    /// Ends the message: END, within the client's size (DHCP-013), padded
    /// to 300 octets. What does not fit goes whole, last parameter first;
    /// the lease, the mask and the PXE options stay.
    static Bytes finish(DhcpMessage& r, const Incoming& in) {
        static const std::set<std::uint8_t> kept{opt::kMessageType, opt::kServerId,     opt::kLeaseTime,
                                                 opt::kRenewalTime, opt::kRebindingTime, opt::kSubnetMask,
                                                 opt::kVendorClass, opt::kVendorSpecific, opt::kClientUuid};
        while (wire::encode_dhcp(r).size() + 1 > in.max_payload) {
            auto it = std::find_if(r.options.rbegin(), r.options.rend(),
                                   [](const wire::DhcpOption& o) { return kept.count(o.code) == 0; });
            if (it == r.options.rend()) break;
            r.remove_option(it->code);
        }
        r.finish(wire::kBootpMinSize);
        return wire::encode_dhcp(r);
    }

    /// RFC 2131 §4.1 delivery of a reply on port 67 (DHCP-008, DHCP-009).
    link::Datagram deliver(const Incoming& in, DhcpMessage& r, bool force_broadcast) const {
        link::Datagram d;
        d.src_mac = cfg.server_mac;
        d.src_ip = cfg.server_ip;
        d.src_port = kDhcpServerPort;
        const bool nak = r.message_type() == DhcpMessageType::Nak;
        if (!in.msg.giaddr.is_zero()) {
            if (nak) r.flags |= wire::kBroadcastFlag;  // the relay then broadcasts it (DHCP-009)
            d.dst_ip = in.msg.giaddr;
            d.dst_port = kDhcpServerPort;
            // dst_mac zero: the stack resolves the relay's MAC.
        } else if (nak || force_broadcast) {
            d.dst_ip = Ipv4Addr::broadcast();
            d.dst_mac = MacAddr::broadcast();
            d.dst_port = kDhcpClientPort;
        } else if (!in.msg.ciaddr.is_zero()) {
            d.dst_ip = in.msg.ciaddr;
            d.dst_mac = in.mac;
            d.dst_port = kDhcpClientPort;
        } else if (in.msg.broadcast_flag() || r.yiaddr.is_zero()) {
            d.dst_ip = Ipv4Addr::broadcast();
            d.dst_mac = MacAddr::broadcast();
            d.dst_port = kDhcpClientPort;
        } else {
            // The client cannot answer ARP yet: straight to chaddr.
            d.dst_ip = r.yiaddr;
            d.dst_mac = in.mac;
            d.dst_port = kDhcpClientPort;
        }
        d.payload = finish(r, in);
        return d;
    }

    // --- handlers ---------------------------------------------------------------------------
    void send_nak(TimePoint now, const Incoming& in, ClientView& v, std::string why) {
        DhcpMessage r = base_reply(in, DhcpMessageType::Nak);
        // MSG-004: 53, 54 and a message; ciaddr/yiaddr/siaddr 0, no file.
        r.set_option(opt::kMessage, std::string_view(why));
        out.push_back(deliver(in, r, true));
        ++v.naks;
        event(DhcpEvent::Kind::Nakked, now, in.mac, Ipv4Addr{}, in.msg.xid, why);
    }

    void send_address_reply(TimePoint now, const Incoming& in, ClientView& v, DhcpMessageType t, Ipv4Addr addr) {
        DhcpMessage r = base_reply(in, t);
        r.yiaddr = addr;
        if (t == DhcpMessageType::Ack) r.ciaddr = in.msg.ciaddr;  // table 3: ciaddr from the REQUEST
        set_lease_times(r);
        const BootPlan plan = plan_dhcp(in);
        add_parameters(r, in, true, plan, true);
        out.push_back(deliver(in, r, false));
        if (!plan.file.empty()) v.boot_file = plan.file;
        v.address = addr;
        std::string detail = type_name(t) + " " + addr.to_string() + " to " + in.mac.to_string();
        if (!plan.file.empty()) detail += ", file \"" + plan.file + "\"";
        if (plan.ext) detail += ", PXE menu";
        event(t == DhcpMessageType::Offer ? DhcpEvent::Kind::Offered : DhcpEvent::Kind::Acked, now, in.mac, addr,
              in.msg.xid, detail);
    }

    void on_discover(TimePoint now, const Incoming& in) {
        ClientView& v = view(now, in);
        ++v.discovers;
        reach(v, ServePhase::Discover);
        if (cfg.proxy) {
            if (!in.pxe) {
                // PXE-016: a proxy answers PXE clients only.
                ignore(now, in, "not a PXE client (option 60 \"" + in.vendor_class + "\"): a proxy stays silent");
                return;
            }
            send_proxy_offer(now, in, v);
            return;
        }
        const auto addr = choose_address(in);
        if (!addr) {
            event(DhcpEvent::Kind::PoolExhausted, now, in.mac, Ipv4Addr{}, in.msg.xid,
                  "no free address for " + in.mac.to_string() + " in " + cfg.pool_first.to_string() + "-" +
                      cfg.pool_last.to_string());
            return;
        }
        // A bound client that starts over keeps its lease (state and expiry);
        // anyone else gets the address set aside for the offer hold time.
        Record* r = record_of(in.mac);
        if (!(r && r->state == State::Bound && r->address == *addr)) {
            hold(in.mac, *addr, State::Offered, after(now, cfg.offer_hold));
        }
        send_address_reply(now, in, v, DhcpMessageType::Offer, *addr);
        reach(v, ServePhase::Offer);
    }

    void send_proxy_offer(TimePoint now, const Incoming& in, ClientView& v) {
        // PXE-015: yiaddr 0, 54, 60, 43, 97, no 51/58/59, broadcast.
        DhcpMessage r = base_reply(in, DhcpMessageType::Offer);
        const BootPlan plan = plan_proxy(in);
        add_parameters(r, in, false, plan, false);
        out.push_back(deliver(in, r, true));
        if (!plan.file.empty()) v.boot_file = plan.file;
        reach(v, ServePhase::Offer);
        event(DhcpEvent::Kind::Offered, now, in.mac, Ipv4Addr{}, in.msg.xid,
              "proxy OFFER to " + in.mac.to_string() +
                  (plan.file.empty() ? std::string(", PXE menu") : ", file \"" + plan.file + "\""));
    }

    void bind(TimePoint now, const Incoming& in, ClientView& v, Ipv4Addr addr) {
        hold(in.mac, addr, State::Bound, after(now, cfg.lease_time));
        last_addr[in.mac] = addr;
        save(now);
        send_address_reply(now, in, v, DhcpMessageType::Ack, addr);
        reach(v, ServePhase::Ack);
    }

    void on_request(TimePoint now, const Incoming& in, const link::Datagram& d) {
        ClientView& v = view(now, in);
        ++v.requests;
        const auto sid = in.msg.server_id();
        if (in.boot_item && (!sid || *sid == cfg.server_ip) && cfg.serves_4011()) {
            // Boot server discovery by broadcast to port 67 (43.6 bit 0 clear).
            answer_pxe(now, in, v, d, false);
            return;
        }
        if (sid && *sid != cfg.server_ip) {
            // MSG-006 / PXE-016: the client chose another server; an offer of
            // ours is declined by that, and we stay silent.
            std::string why = "names server " + sid->to_string() + ", not us";
            if (Record* r = record_of(in.mac); r && r->state == State::Offered) {
                why += "; offer of " + r->address.to_string() + " withdrawn";
                drop(r->address);
            }
            ignore(now, in, why);
            return;
        }
        if (cfg.proxy) {
            if (sid && in.pxe) {
                // A PXE client asking the proxy on port 67: same answer as on 4011.
                answer_pxe(now, in, v, d, false);
            } else {
                ignore(now, in, "a proxy assigns no addresses and never NAKs (PXE-016)");
            }
            return;
        }
        reach(v, ServePhase::Request);
        const auto want = in.msg.requested_address();
        Record* rec = record_of(in.mac);
        if (sid) {
            // SELECTING (RFC 2131 §4.3.2): 50 must be what we offered.
            const Ipv4Addr asked = want.value_or(in.msg.ciaddr);
            if (rec && rec->state != State::Declined && rec->address == asked && !asked.is_zero()) {
                bind(now, in, v, asked);
            } else {
                send_nak(now, in, v,
                         "requested " + asked.to_string() + ", but " +
                             (rec ? "the offer was " + rec->address.to_string() : std::string("nothing was offered")));
            }
            return;
        }
        if (want && in.msg.ciaddr.is_zero()) {
            // INIT-REBOOT: verify the remembered address.
            if (!cfg.in_subnet(*want)) {
                send_nak(now, in, v, want->to_string() + " is not on this network");
            } else if (rec && rec->state != State::Declined) {
                if (rec->address == *want) {
                    bind(now, in, v, *want);
                } else {
                    send_nak(now, in, v, want->to_string() + " is not your address (" + rec->address.to_string() + ")");
                }
            } else if (const auto* res = cfg.reservation_for(in.mac)) {
                if (res->address == *want && !taken_by_other(*want, in.mac)) {
                    bind(now, in, v, *want);
                } else {
                    send_nak(now, in, v, want->to_string() + " is not your reserved address");
                }
            } else if (taken_by_other(*want, in.mac)) {
                send_nak(now, in, v, want->to_string() + " is in use by another client");
            } else {
                // RFC 2131 §4.3.2: no record of the client -> remain silent.
                ignore(now, in, "INIT-REBOOT for " + want->to_string() + " without a record of the client");
            }
            return;
        }
        if (!in.msg.ciaddr.is_zero()) {
            // RENEWING (unicast) or REBINDING (broadcast).
            const Ipv4Addr ci = in.msg.ciaddr;
            if (rec && rec->state == State::Bound && rec->address == ci) {
                bind(now, in, v, ci);
            } else if (rec && rec->state != State::Declined && rec->address != ci) {
                send_nak(now, in, v, ci.to_string() + " is not your address (" + rec->address.to_string() + ")");
            } else if (!cfg.in_subnet(ci) || taken_by_other(ci, in.mac)) {
                send_nak(now, in, v, ci.to_string() + " cannot be renewed here");
            } else {
                ignore(now, in, "renewal of " + ci.to_string() + " without a record of the client");
            }
            return;
        }
        ignore(now, in, "REQUEST with neither server identifier, requested address nor ciaddr");
    }

    void on_decline(TimePoint now, const Incoming& in) {
        ClientView& v = view(now, in);
        if (cfg.proxy) return ignore(now, in, "a proxy holds no addresses");
        if (auto sid = in.msg.server_id(); sid && *sid != cfg.server_ip) {
            return ignore(now, in, "names server " + sid->to_string() + ", not us");
        }
        const auto addr = in.msg.requested_address();
        Record* rec = record_of(in.mac);
        if (!addr || !rec || rec->address != *addr) {
            return ignore(now, in, "declines " + (addr ? addr->to_string() : std::string("no address (no 50)")) +
                                       ", which we did not give it");
        }
        ++v.declines;
        const Ipv4Addr a = *addr;
        drop(a);
        last_addr.erase(in.mac);
        by_addr[a] = Record{in.mac, a, after(now, cfg.decline_hold), State::Declined};
        save(now);
        event(DhcpEvent::Kind::Declined, now, in.mac, a, in.msg.xid,
              in.mac.to_string() + " declined " + a.to_string() + ": out of the pool for " +
                  std::to_string(cfg.decline_hold) + " s");
    }

    void on_release(TimePoint now, const Incoming& in) {
        ClientView& v = view(now, in);
        if (cfg.proxy) return ignore(now, in, "a proxy holds no addresses");
        if (auto sid = in.msg.server_id(); sid && *sid != cfg.server_ip) {
            return ignore(now, in, "names server " + sid->to_string() + ", not us");
        }
        Record* rec = record_of(in.mac);
        const Ipv4Addr ci = in.msg.ciaddr;
        if (!rec || rec->state != State::Bound || rec->address != ci) {
            return ignore(now, in, "releases " + ci.to_string() + ", which is not bound to it");
        }
        ++v.releases;
        drop(ci);
        last_addr[in.mac] = ci;
        save(now);
        event(DhcpEvent::Kind::Released, now, in.mac, ci, in.msg.xid,
              in.mac.to_string() + " released " + ci.to_string());
    }

    void on_inform(TimePoint now, const Incoming& in) {
        view(now, in);
        if (cfg.proxy) return ignore(now, in, "a proxy answers no INFORM");
        // RFC 2131 §4.3.5: ACK to ciaddr, no lease time, yiaddr 0 (MSG-002).
        DhcpMessage r = base_reply(in, DhcpMessageType::Ack);
        r.ciaddr = in.msg.ciaddr;
        const BootPlan plan = plan_dhcp(in);
        add_parameters(r, in, false, plan, true);
        out.push_back(deliver(in, r, false));
        event(DhcpEvent::Kind::Acked, now, in.mac, in.msg.ciaddr, in.msg.xid,
              "ACK to INFORM from " + in.msg.ciaddr.to_string());
    }

    /// ProxyDHCP REQUEST (no 43.71) and boot server REQUEST (43.71), on 4011
    /// (\p on_4011) or broadcast to 67.
    void answer_pxe(TimePoint now, const Incoming& in, ClientView& v, const link::Datagram& d, bool on_4011) {
        ++v.requests_4011;
        BootPlan plan;
        std::string detail;
        if (in.boot_item) {
            const wire::PxeBootItem item = *in.boot_item;
            wire::PxeVendorOptions ext;
            ext.boot_item = item;  // PXE-019: type and layer echoed
            if ((item.layer & 0x8000) != 0) {
                // Credentials (BIS) requested: not supported, so no file.
                detail = "boot server type " + std::to_string(item.type) +
                         " layer with credentials bit: no file (BIS not supported)";
            } else {
                const PxeMenuEntry* entry = nullptr;
                for (const auto* e : visible_menu(in)) {
                    if (e->type == item.type) {
                        entry = e;
                        break;
                    }
                }
                if (entry == nullptr && !cfg.menu.empty()) {
                    return ignore(now, in, "boot server request for type " + std::to_string(item.type) +
                                               ", which is not in our menu");
                }
                if (entry != nullptr && entry->type == 0) {
                    return ignore(now, in, "boot server request for type 0 (local boot)");
                }
                plan.file = (entry != nullptr && !entry->file.empty()) ? entry->file : rom_file(in);
                detail = "boot server type " + std::to_string(item.type) + " layer " +
                         std::to_string(item.layer) + ", file \"" + plan.file + "\"";
            }
            plan.ext = ext;
            v.boot_type = item.type;
        } else {
            plan = plan_proxy(in);
            detail = plan.file.empty() ? std::string("ProxyDHCP ACK with the menu")
                                       : "ProxyDHCP ACK, file \"" + plan.file + "\"";
        }
        // PXE-018: an ACK with xid echoed, 54, siaddr + file.
        DhcpMessage r = base_reply(in, DhcpMessageType::Ack);
        r.ciaddr = in.msg.ciaddr;
        add_parameters(r, in, false, plan, false);
        link::Datagram reply;
        if (on_4011) {
            // From port 4011 to the requester's own address and port.
            reply.src_mac = cfg.server_mac;
            reply.src_ip = cfg.server_ip;
            reply.src_port = kPxeBootServerPort;
            reply.dst_port = d.src_port;
            if (d.src_ip.is_zero()) {
                reply.dst_ip = Ipv4Addr::broadcast();
                reply.dst_mac = MacAddr::broadcast();
            } else {
                reply.dst_ip = d.src_ip;
                reply.dst_mac = d.src_mac;
            }
            reply.payload = finish(r, in);
        } else {
            reply = deliver(in, r, in.msg.ciaddr.is_zero());
        }
        out.push_back(std::move(reply));
        if (!plan.file.empty()) v.boot_file = plan.file;
        reach(v, ServePhase::Pxe4011);
        event(DhcpEvent::Kind::Pxe4011Acked, now, in.mac, in.msg.ciaddr, in.msg.xid,
              (on_4011 ? "4011: " : "67: ") + detail + " to " + in.mac.to_string());
    }

    void on_4011(TimePoint now, const Incoming& in, const link::Datagram& d) {
        if (!cfg.serves_4011()) return ignore(now, in, "port 4011 is not served (no proxy mode, no menu)");
        if (!in.pxe) return ignore(now, in, "not a PXE client on port 4011");
        if (in.type != DhcpMessageType::Request && in.type != DhcpMessageType::Inform) {
            return ignore(now, in, "only REQUEST is answered on port 4011");
        }
        ClientView& v = view(now, in);
        answer_pxe(now, in, v, d, true);
    }

    /// Ours: broadcast (limited or our subnet's), or unicast to us. A
    /// capture in promiscuous mode also shows unicasts to other servers (a
    /// renewal, a relay's forward); answering those would fight them.
    bool addressed_to_us(const link::Datagram& d) const {
        const Ipv4Addr subnet_bcast{cfg.server_ip.value | ~cfg.netmask.value};
        return d.dst_ip.is_broadcast() || d.dst_ip == cfg.server_ip || d.dst_ip == subnet_bcast;
    }

    void on_datagram(TimePoint now, const link::Datagram& d) {
        if (!started) return;
        if (d.dst_port != kDhcpServerPort && d.dst_port != kPxeBootServerPort) return;
        if (!addressed_to_us(d)) return;
        expire(now);
        std::string why;
        auto in = read_request(d, why);
        if (!in) {
            event(DhcpEvent::Kind::Ignored, now, d.src_mac, Ipv4Addr{}, 0,
                  "datagram from " + d.src_mac.to_string() + " to port " + std::to_string(d.dst_port) + ": " + why);
            return;
        }
        if (d.dst_port == kPxeBootServerPort) return on_4011(now, *in, d);
        switch (in->type) {
            case DhcpMessageType::Discover: return on_discover(now, *in);
            case DhcpMessageType::Request: return on_request(now, *in, d);
            case DhcpMessageType::Decline: return on_decline(now, *in);
            case DhcpMessageType::Release: return on_release(now, *in);
            case DhcpMessageType::Inform: return on_inform(now, *in);
            default: return ignore(now, *in, "not a client message type");
        }
    }
};

DhcpServer::DhcpServer(MasterConfig config, LeaseStore* store)
    : impl_(std::make_unique<Impl>(std::move(config), store)) {}
DhcpServer::~DhcpServer() = default;

Status DhcpServer::start(TimePoint now, std::int64_t unix_now) {
    Impl& m = *impl_;
    m.started = true;
    m.anchor_tp = now;
    m.anchor_unix = unix_now;
    if (m.store == nullptr) return ok_status();
    auto loaded = m.store->load();
    if (!loaded) return Error{loaded.error()};
    for (const auto& l : *loaded) {
        if (l.expires != Lease::kNever && l.expires <= unix_now) continue;
        const TimePoint exp = m.from_unix(l.expires);
        if (l.state == LeaseState::Bound) {
            m.hold(l.mac, l.address, Impl::State::Bound, exp);
            m.last_addr[l.mac] = l.address;
        } else {
            m.drop(l.address);
            m.by_addr[l.address] = Impl::Record{l.mac, l.address, exp, Impl::State::Declined};
        }
    }
    return ok_status();
}

void DhcpServer::on_datagram(TimePoint now, const link::Datagram& d) { impl_->on_datagram(now, d); }

void DhcpServer::on_timer(TimePoint now) {
    if (impl_->started) impl_->expire(now);
}

std::optional<TimePoint> DhcpServer::next_deadline() const {
    std::optional<TimePoint> best;
    for (const auto& [addr, r] : impl_->by_addr) {
        if (r.expires == TimePoint::max()) continue;
        if (!best || r.expires < *best) best = r.expires;
    }
    return best;
}

std::vector<link::Datagram> DhcpServer::take_output() { return std::exchange(impl_->out, {}); }
std::vector<DhcpEvent> DhcpServer::take_events() { return std::exchange(impl_->events, {}); }

void DhcpServer::note_tftp(TimePoint now, const MacAddr& mac, const std::string& file, std::uint64_t bytes,
                           bool complete) {
    auto it = impl_->views.find(mac);
    if (it == impl_->views.end()) return;
    ClientView& v = it->second;
    v.last_seen = now;
    v.tftp_file = file;
    v.tftp_bytes = bytes;
    Impl::reach(v, complete ? ServePhase::TftpDone : ServePhase::Tftp);
}

std::vector<ClientView> DhcpServer::clients() const {
    std::vector<ClientView> out;
    out.reserve(impl_->order.size());
    for (const auto& mac : impl_->order) out.push_back(impl_->views.at(mac));
    return out;
}

std::vector<Lease> DhcpServer::leases() const { return impl_->stored(); }
const MasterConfig& DhcpServer::config() const { return impl_->cfg; }

}  // namespace pxecheck::master
