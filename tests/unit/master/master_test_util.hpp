#pragma once
// Test support for the master: client messages as PXE firmware sends them,
// datagram plumbing, and the catalogue rules every server reply must obey
// (checked by hand here, since the master may not use the checks module).

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "pxecheck/master/dhcp_server.hpp"
#include "pxecheck/master/master_config.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::master::testutil {

inline const MacAddr kServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xc8}};
inline const MacAddr kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
inline const MacAddr kOtherMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x57}};
inline const Ipv4Addr kServerIp = Ipv4Addr::from_octets(192, 168, 14, 200);
inline const Ipv4Addr kOtherServer = Ipv4Addr::from_octets(192, 168, 14, 1);
inline constexpr std::int64_t kUnixStart = 1'700'000'000;

inline Ipv4Addr ip(std::uint8_t last) { return Ipv4Addr::from_octets(192, 168, 14, last); }
inline TimePoint t0() { return TimePoint{} + std::chrono::hours(1); }

/// The lab's master: 192.168.14.200, pool .10-.20, router and DNS .1.
inline MasterConfig full_config() {
    MasterConfig c;
    c.server_ip = kServerIp;
    c.server_mac = kServerMac;
    c.pool_first = ip(10);
    c.pool_last = ip(20);
    c.router = ip(1);
    c.dns = {ip(1)};
    c.lease_time = 600;
    return c;
}

inline MasterConfig proxy_config() {
    MasterConfig c;
    c.server_ip = kServerIp;
    c.server_mac = kServerMac;
    c.proxy = true;
    return c;
}

inline const std::array<std::uint8_t, 17> kUuid97{0,    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                                  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};

/// A message as a PXE ROM of architecture \p arch sends it (options 53, 57,
/// 55, 60, 93, 94, 97), broadcast flag set.
inline wire::DhcpMessage pxe_msg(wire::DhcpMessageType type, std::uint32_t xid, const MacAddr& mac = kClientMac,
                                 std::uint16_t arch = 0) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.secs = 4;
    m.flags = wire::kBroadcastFlag;
    m.set_client_mac(mac);
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    m.set_option_u16(wire::opt::kMaxMessageSize, 1472);
    const Bytes prl{1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135};
    m.set_option(wire::opt::kParameterList, prl);
    m.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(arch, 2, 1));
    m.set_option_u16(wire::opt::kClientArch, arch);
    const Bytes ndi{1, 2, 1};
    m.set_option(wire::opt::kClientNdi, ndi);
    m.set_option(wire::opt::kClientUuid, ByteView(kUuid97));
    return m;
}

/// A plain (non-PXE) DHCP client message: 53, 55 = {1, 3, 6}, no 60.
inline wire::DhcpMessage plain_msg(wire::DhcpMessageType type, std::uint32_t xid, const MacAddr& mac = kClientMac) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.set_client_mac(mac);
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    const Bytes prl{1, 3, 6};
    m.set_option(wire::opt::kParameterList, prl);
    return m;
}

/// From the client (0.0.0.0:68 broadcast, or \p src when it has an address).
inline link::Datagram to_server(wire::DhcpMessage m, std::uint16_t port = wire::kDhcpServerPort,
                                Ipv4Addr src = Ipv4Addr::any(), std::uint16_t src_port = wire::kDhcpClientPort,
                                Ipv4Addr dst = Ipv4Addr::broadcast()) {
    m.finish();
    link::Datagram d;
    d.src_mac = m.client_mac();
    d.dst_mac = dst.is_broadcast() ? MacAddr::broadcast() : kServerMac;
    d.src_ip = src;
    d.dst_ip = dst;
    d.src_port = src_port;
    d.dst_port = port;
    d.payload = wire::encode_dhcp(m);
    return d;
}

struct Reply {
    link::Datagram d;
    wire::DhcpMessage msg;
    Anomalies anomalies;
};

inline std::vector<Reply> replies(DhcpServer& s) {
    std::vector<Reply> out;
    for (auto& d : s.take_output()) {
        auto dec = wire::decode_dhcp(d.payload);
        EXPECT_TRUE(dec.header_complete);
        out.push_back(Reply{std::move(d), std::move(dec.msg), std::move(dec.anomalies)});
    }
    return out;
}

inline std::vector<std::uint8_t> codes(const wire::DhcpMessage& m) {
    std::vector<std::uint8_t> out;
    for (const auto& o : m.options) {
        if (o.code != wire::opt::kEnd && o.code != wire::opt::kPad) out.push_back(o.code);
    }
    return out;
}

inline bool has(const wire::DhcpMessage& m, std::uint8_t code) { return m.find(code) != nullptr; }

inline std::optional<std::uint32_t> u32_option(const wire::DhcpMessage& m, std::uint8_t code) {
    const auto* o = m.find(code);
    if (o == nullptr || o->data.size() != 4) return std::nullopt;
    return (std::uint32_t{o->data[0]} << 24) | (std::uint32_t{o->data[1]} << 16) | (std::uint32_t{o->data[2]} << 8) |
           o->data[3];
}

inline std::optional<wire::PxeVendorOptions> pxe43(const wire::DhcpMessage& m) {
    auto v = m.joined(wire::opt::kVendorSpecific);
    if (!v) return std::nullopt;
    auto dec = wire::decode_pxe_options(*v);
    EXPECT_TRUE(dec.anomalies.empty());
    return dec.value;
}

/// Rules every reply obeys whatever its kind: DHCP-001/002/003/011/012,
/// MSG-001, MSG-003, OPT-001, OPT-005 (no overload), DHCP-013 (size).
inline void expect_common_rules(const wire::DhcpMessage& rq, const Reply& r, std::size_t max_payload = 1472 - 28) {
    SCOPED_TRACE(wire::summarize(r.msg));
    EXPECT_TRUE(r.anomalies.empty()) << (r.anomalies.empty() ? "" : r.anomalies.front().id);
    EXPECT_EQ(r.msg.op, 2);                        // DHCP-001
    EXPECT_EQ(r.msg.xid, rq.xid);                  // DHCP-002
    EXPECT_EQ(r.msg.htype, rq.htype);
    EXPECT_EQ(r.msg.hlen, rq.hlen);
    EXPECT_EQ(r.msg.giaddr, rq.giaddr);
    EXPECT_EQ(r.msg.chaddr, rq.chaddr);
    if (r.msg.message_type() != wire::DhcpMessageType::Nak || rq.giaddr.is_zero()) {
        EXPECT_EQ(r.msg.flags, rq.flags);
    }
    EXPECT_EQ(r.msg.hops, 0);                      // DHCP-003
    EXPECT_EQ(r.msg.secs, 0);
    EXPECT_TRUE(r.msg.has_cookie);                 // DHCP-011
    EXPECT_GE(r.d.payload.size(), wire::kBootpMinSize);  // DHCP-012
    EXPECT_LE(r.d.payload.size(), max_payload);    // DHCP-013
    EXPECT_EQ(r.msg.server_id(), kServerIp);       // MSG-001
    for (std::uint8_t c : {wire::opt::kRequestedAddress, wire::opt::kParameterList, wire::opt::kMaxMessageSize,
                           wire::opt::kClientId, wire::opt::kOverload}) {
        EXPECT_FALSE(has(r.msg, c)) << "option " << int(c);  // MSG-003, no overload
    }
    EXPECT_EQ(r.msg.count(wire::opt::kMessageType), 1u);
    EXPECT_EQ(r.msg.count(wire::opt::kEnd), 1u);   // OPT-001
    EXPECT_EQ(r.d.src_ip, kServerIp);
    EXPECT_EQ(r.d.src_mac, kServerMac);
}

}  // namespace pxecheck::master::testutil
