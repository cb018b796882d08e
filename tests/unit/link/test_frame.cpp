// decode_frame on frames built in the test: with libtins (the cross-check),
// with build_udp_frame / build_arp_frame, and edited by hand for every link
// header and every anomaly.

#include <gtest/gtest.h>

#include <random>

#include "link_test_util.hpp"
#include "trace_fixtures.hpp"

using namespace linktest;
using Kind = DecodedFrame::Kind;
using namespace std::literals;

namespace {

/// A TFTP RRQ from the client to the server, 19 payload bytes.
Bytes udp_frame(std::string_view payload = "\x00\x01pxelinux.0\x00octet\x00"sv) {
    return build_udp_frame(kClient, kServer, text_bytes(payload));
}

/// One's-complement addition of two 16-bit words.
std::uint16_t ones_add(std::uint16_t a, std::uint16_t b) {
    std::uint32_t s = std::uint32_t{a} + b;
    return static_cast<std::uint16_t>((s & 0xffff) + (s >> 16));
}

}  // namespace

// --- builders and the libtins cross-check -----------------------------------

TEST(BuildUdpFrame, DecodesToWhatWasBuilt) {
    const Bytes payload = text_bytes("\x00\x01pxelinux.0\x00octet\x00"sv);
    ASSERT_EQ(payload.size(), 19u);
    const Bytes frame = build_udp_frame(kClient, kServer, payload, 17);
    EXPECT_EQ(frame.size(), 14u + 20u + 8u + 19u);
    const auto d = decode_frame(linktype::kEthernet, frame);
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_TRUE(d.anomalies.empty()) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.src_mac, kClient.mac);
    EXPECT_EQ(d.dst_mac, kServer.mac);
    EXPECT_TRUE(d.vlans.empty());
    EXPECT_EQ(d.ethertype, 0x0800);
    EXPECT_EQ(d.ip_protocol, 17);
    EXPECT_EQ(d.udp->src_ip, kClient.ip);
    EXPECT_EQ(d.udp->dst_ip, kServer.ip);
    EXPECT_EQ(d.udp->src_port, 2070);
    EXPECT_EQ(d.udp->dst_port, 69);
    EXPECT_EQ(d.udp->ttl, 17);
    EXPECT_EQ(d.udp->payload, payload);
    EXPECT_EQ(d.udp->declared_length, payload.size());
    EXPECT_TRUE(d.udp->complete);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
    EXPECT_EQ(d.udp->ip_checksum_ok, true);
    EXPECT_FALSE(d.udp->reassembled);
}

TEST(BuildUdpFrame, LibtinsParsesItTheSameWay) {
    const Bytes payload(300, 0x5a);
    const Bytes frame = build_udp_frame(kServer, kClient, payload);
    const Tins::EthernetII eth(frame.data(), static_cast<std::uint32_t>(frame.size()));
    const auto& ip = eth.rfind_pdu<Tins::IP>();
    const auto& udp = eth.rfind_pdu<Tins::UDP>();
    EXPECT_EQ(ip.src_addr().to_string(), kServer.ip.to_string());
    EXPECT_EQ(ip.dst_addr().to_string(), kClient.ip.to_string());
    EXPECT_EQ(ip.ttl(), 64);
    EXPECT_EQ(udp.sport(), kServer.port);
    EXPECT_EQ(udp.dport(), kClient.port);
    EXPECT_EQ(udp.rfind_pdu<Tins::RawPDU>().payload(), payload);
    EXPECT_EQ(eth.src_addr().to_string(), kServer.mac.to_string());
}

TEST(DecodeFrame, AgreesWithLibtinsOnRandomDatagrams) {
    // Frames built by libtins directly (not through our builder), with IP ids,
    // TOS, TTLs, ports and payload sizes drawn from a fixed seed.
    std::mt19937 rng(7440);
    for (int i = 0; i < 300; ++i) {
        const std::size_t size = rng() % 1473;
        Bytes payload(size);
        for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
        const auto src_ip = Ipv4Addr{static_cast<std::uint32_t>(rng())};
        const auto dst_ip = Ipv4Addr{static_cast<std::uint32_t>(rng())};
        Tins::IP ip(dst_ip.to_string(), src_ip.to_string());
        ip.id(static_cast<std::uint16_t>(rng()));
        ip.tos(static_cast<std::uint8_t>(rng()));
        ip.ttl(static_cast<std::uint8_t>(1 + rng() % 255));
        Tins::UDP udp(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
        auto pkt = Tins::EthernetII("ff:ff:ff:ff:ff:ff", "02:11:22:33:44:55") / ip / udp /
                   Tins::RawPDU(payload.data(), static_cast<std::uint32_t>(payload.size()));
        const Bytes frame = pkt.serialize();

        const auto d = decode_frame(linktype::kEthernet, frame);
        ASSERT_EQ(d.kind, Kind::Udp) << "case " << i << ": " << anomaly_ids(d.anomalies);
        EXPECT_TRUE(d.anomalies.empty()) << "case " << i << ": " << anomaly_ids(d.anomalies);
        const Tins::EthernetII back(frame.data(), static_cast<std::uint32_t>(frame.size()));
        const auto& bip = back.rfind_pdu<Tins::IP>();
        const auto& budp = back.rfind_pdu<Tins::UDP>();
        EXPECT_EQ(d.udp->src_ip.to_string(), bip.src_addr().to_string());
        EXPECT_EQ(d.udp->dst_ip.to_string(), bip.dst_addr().to_string());
        EXPECT_EQ(d.udp->ttl, bip.ttl());
        EXPECT_EQ(d.udp->src_port, budp.sport());
        EXPECT_EQ(d.udp->dst_port, budp.dport());
        EXPECT_EQ(d.udp->declared_length + 8, budp.length());
        const auto* raw = back.find_pdu<Tins::RawPDU>();
        if (raw) {
            EXPECT_EQ(d.udp->payload, raw->payload());
        } else {
            EXPECT_TRUE(d.udp->payload.empty());
        }
        EXPECT_EQ(d.udp->udp_checksum_ok, true);
        EXPECT_EQ(d.udp->ip_checksum_ok, true);
    }
}

TEST(BuildArpFrame, RequestAndReplyRoundTrip) {
    ArpPacket req;
    req.operation = 1;
    req.sender_mac = kServer.mac;
    req.sender_ip = kServer.ip;
    req.target_ip = kClient.ip;
    const Bytes frame = build_arp_frame(MacAddr::broadcast(), req);
    EXPECT_EQ(frame.size(), 42u);
    auto d = decode_frame(linktype::kEthernet, frame);
    ASSERT_EQ(d.kind, Kind::Arp) << anomaly_ids(d.anomalies);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.ethertype, 0x0806);
    EXPECT_TRUE(d.dst_mac.is_broadcast());
    EXPECT_EQ(d.src_mac, kServer.mac);
    EXPECT_EQ(d.arp->operation, 1);
    EXPECT_EQ(d.arp->sender_mac, kServer.mac);
    EXPECT_EQ(d.arp->sender_ip, kServer.ip);
    EXPECT_TRUE(d.arp->target_mac.is_zero());
    EXPECT_EQ(d.arp->target_ip, kClient.ip);

    // libtins reads the same fields back.
    const Tins::EthernetII eth(frame.data(), static_cast<std::uint32_t>(frame.size()));
    const auto& arp = eth.rfind_pdu<Tins::ARP>();
    EXPECT_EQ(arp.opcode(), 1);
    EXPECT_EQ(arp.sender_ip_addr().to_string(), kServer.ip.to_string());
    EXPECT_EQ(arp.target_ip_addr().to_string(), kClient.ip.to_string());
    EXPECT_EQ(arp.sender_hw_addr().to_string(), kServer.mac.to_string());

    ArpPacket reply;
    reply.operation = 2;
    reply.sender_mac = kClient.mac;
    reply.sender_ip = kClient.ip;
    reply.target_mac = kServer.mac;
    reply.target_ip = kServer.ip;
    d = decode_frame(linktype::kEthernet, build_arp_frame(kServer.mac, reply));
    ASSERT_EQ(d.kind, Kind::Arp);
    EXPECT_EQ(d.arp->operation, 2);
    EXPECT_EQ(d.arp->target_mac, kServer.mac);
    EXPECT_EQ(d.dst_mac, kServer.mac);

    // Padded to the Ethernet minimum, as it arrives from the wire.
    Bytes padded = frame;
    padded.resize(60, 0);
    d = decode_frame(linktype::kEthernet, padded);
    ASSERT_EQ(d.kind, Kind::Arp);
    EXPECT_TRUE(d.anomalies.empty());

    // Operations libtins has no name for are built and decoded all the same.
    reply.operation = 4;  // RARP reply
    d = decode_frame(linktype::kEthernet, build_arp_frame(kServer.mac, reply));
    ASSERT_EQ(d.kind, Kind::Arp);
    EXPECT_EQ(d.arp->operation, 4);
}

// --- link layers --------------------------------------------------------------

TEST(DecodeFrame, VlanTagsOuterFirst) {
    const Bytes plain = udp_frame();
    auto tagged = [&](std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags) {
        Bytes f(plain.begin(), plain.begin() + 12);
        for (auto [tpid, tci] : tags) {
            f.push_back(static_cast<std::uint8_t>(tpid >> 8));
            f.push_back(static_cast<std::uint8_t>(tpid));
            f.push_back(static_cast<std::uint8_t>(tci >> 8));
            f.push_back(static_cast<std::uint8_t>(tci));
        }
        f.insert(f.end(), plain.begin() + 12, plain.end());
        return f;
    };
    // 802.1Q, priority 5 and DEI in the TCI must not leak into the ID.
    auto d = decode_frame(linktype::kEthernet, tagged({{0x8100, 0xb064}}));
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{100}));
    EXPECT_EQ(d.udp->dst_port, 69);
    EXPECT_TRUE(d.anomalies.empty());
    // 802.1ad QinQ: S-tag 200, C-tag 100.
    d = decode_frame(linktype::kEthernet, tagged({{0x88a8, 200}, {0x8100, 100}}));
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{200, 100}));
    // The older 0x9100 QinQ TPID.
    d = decode_frame(linktype::kEthernet, tagged({{0x9100, 4095}, {0x8100, 1}}));
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{4095, 1}));
    // ARP on a VLAN.
    ArpPacket arp;
    arp.operation = 1;
    arp.sender_mac = kServer.mac;
    const Bytes arp_plain = build_arp_frame(MacAddr::broadcast(), arp);
    Bytes arp_tagged(arp_plain.begin(), arp_plain.begin() + 12);
    for (std::uint8_t b : {0x81, 0x00, 0x00, 0x0e}) arp_tagged.push_back(b);
    arp_tagged.insert(arp_tagged.end(), arp_plain.begin() + 12, arp_plain.end());
    d = decode_frame(linktype::kEthernet, arp_tagged);
    ASSERT_EQ(d.kind, Kind::Arp);
    EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{14}));
}

TEST(DecodeFrame, VlanTagCutShort) {
    Bytes f = udp_frame();
    f.resize(12);
    for (std::uint8_t b : {0x81, 0x00, 0x00}) f.push_back(b);
    const auto d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    const auto* a = find_anomaly(d.anomalies, "link.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 14u);
    EXPECT_NE(a->detail.find("VLAN"), std::string::npos) << a->detail;
}

TEST(DecodeFrame, LinuxCookedSll) {
    const Bytes ip = ip_part(udp_frame());
    const Bytes header = concat({{0x00, 0x00},        // packet type: to us
                                 {0x00, 0x01},        // ARPHRD_ETHER
                                 {0x00, 0x06},        // address length
                                 Bytes(kClient.mac.octets.begin(), kClient.mac.octets.end()),
                                 {0x00, 0x00},        // address padding to 8
                                 {0x08, 0x00}});      // protocol
    auto d = decode_frame(linktype::kLinuxSll, concat({header, ip}));
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.src_mac, kClient.mac);
    EXPECT_TRUE(d.dst_mac.is_zero());
    EXPECT_EQ(d.udp->src_port, kClient.port);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);

    // A non-Ethernet ARPHRD (e.g. 772 loopback) has no MAC to report.
    Bytes lo = concat({header, ip});
    put16(lo, 2, 772);
    d = decode_frame(linktype::kLinuxSll, lo);
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_TRUE(d.src_mac.is_zero());

    // Short header.
    d = decode_frame(linktype::kLinuxSll, Bytes(header.begin(), header.begin() + 15));
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "link.truncated"), nullptr);
}

TEST(DecodeFrame, LinuxCookedSll2) {
    const Bytes ip = ip_part(udp_frame());
    const Bytes header = concat({{0x08, 0x00},              // protocol
                                 {0x00, 0x00},              // reserved
                                 {0x00, 0x00, 0x00, 0x03},  // interface index
                                 {0x00, 0x01},              // ARPHRD_ETHER
                                 {0x04},                    // packet type: outgoing
                                 {0x06},                    // address length
                                 Bytes(kServer.mac.octets.begin(), kServer.mac.octets.end()),
                                 {0x00, 0x00}});
    ASSERT_EQ(header.size(), 20u);
    auto d = decode_frame(linktype::kLinuxSll2, concat({header, ip}));
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.src_mac, kServer.mac);
    EXPECT_EQ(d.udp->dst_ip, kServer.ip);

    // ARP over SLL2.
    ArpPacket arp;
    arp.operation = 2;
    arp.sender_mac = kServer.mac;
    arp.sender_ip = kServer.ip;
    const Bytes eth_arp = build_arp_frame(kClient.mac, arp);
    Bytes arp_header = header;
    put16(arp_header, 0, 0x0806);
    d = decode_frame(linktype::kLinuxSll2, concat({arp_header, Bytes(eth_arp.begin() + 14, eth_arp.end())}));
    ASSERT_EQ(d.kind, Kind::Arp) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.arp->sender_ip, kServer.ip);

    d = decode_frame(linktype::kLinuxSll2, Bytes(header.begin(), header.begin() + 16));
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "link.truncated"), nullptr);
}

TEST(DecodeFrame, BsdLoopbackBothByteOrders) {
    const Bytes ip = ip_part(udp_frame());
    for (const Bytes& family : {Bytes{2, 0, 0, 0}, Bytes{0, 0, 0, 2}}) {
        const auto d = decode_frame(linktype::kNull, concat({family, ip}));
        ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
        EXPECT_EQ(d.udp->dst_port, 69);
        EXPECT_TRUE(d.src_mac.is_zero());
    }
    // AF_INET6 in its BSD spellings (24, 28, 30) and Linux's 10: not IPv4.
    for (std::uint8_t af : {24, 28, 30, 10}) {
        const auto d = decode_frame(linktype::kNull, concat({{af, 0, 0, 0}, ip}));
        EXPECT_EQ(d.kind, Kind::Other);
        EXPECT_TRUE(d.anomalies.empty());
    }
    const auto d = decode_frame(linktype::kNull, Bytes{2, 0});
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "link.truncated"), nullptr);
}

TEST(DecodeFrame, RawIpv4LinkTypes) {
    const Bytes ip = ip_part(udp_frame());
    for (int lt : {linktype::kRaw, linktype::kIpv4}) {
        const auto d = decode_frame(lt, ip);
        ASSERT_EQ(d.kind, Kind::Udp) << lt;
        EXPECT_EQ(d.udp->src_ip, kClient.ip);
    }
    // LINKTYPE_RAW may carry IPv6.
    Bytes v6(40, 0);
    v6[0] = 0x60;
    EXPECT_EQ(decode_frame(linktype::kRaw, v6).kind, Kind::Other);
    // LINKTYPE_IPV4 may not.
    auto d = decode_frame(linktype::kIpv4, v6);
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "ip.bad_version"), nullptr);
    d = decode_frame(linktype::kRaw, Bytes{0x50, 0, 0});
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "ip.bad_version"), nullptr);
    d = decode_frame(linktype::kRaw, Bytes{});
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "link.truncated"), nullptr);
}

TEST(DecodeFrame, UnknownLinkTypeAndShortEthernet) {
    auto d = decode_frame(147, udp_frame());
    EXPECT_EQ(d.kind, Kind::Malformed);
    const auto* a = find_anomaly(d.anomalies, "link.unknown_linktype");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("147"), std::string::npos);

    d = decode_frame(linktype::kEthernet, Bytes(13, 0xff));
    EXPECT_EQ(d.kind, Kind::Malformed);
    a = find_anomaly(d.anomalies, "link.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("13 captured"), std::string::npos) << a->detail;
}

TEST(DecodeFrame, NonIpEthertypesAreOther) {
    Bytes f = udp_frame();
    put16(f, 12, 0x86dd);
    auto d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Other);
    EXPECT_EQ(d.ethertype, 0x86dd);
    EXPECT_TRUE(d.anomalies.empty());
    put16(f, 12, 46);  // an 802.3 length field
    d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Other);
}

// --- IPv4 ------------------------------------------------------------------------

TEST(DecodeFrame, OtherIpProtocols) {
    Bytes f = udp_frame();
    f[14 + 9] = 1;  // ICMP
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::OtherIp);
    EXPECT_EQ(d.ip_protocol, 1);
    EXPECT_TRUE(d.anomalies.empty());
}

TEST(DecodeFrame, IpHeaderChecksum) {
    Bytes f = udp_frame();
    const std::uint16_t good = get16(f, 24);
    put16(f, 24, static_cast<std::uint16_t>(good ^ 0x0101));
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);  // a bad checksum is reported, not fatal
    EXPECT_EQ(d.udp->ip_checksum_ok, false);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
    const auto* a = find_anomaly(d.anomalies, "ip.bad_checksum");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 24u);
    EXPECT_NE(a->detail.find(detail_hex(good)), std::string::npos) << a->detail;
}

TEST(DecodeFrame, IpOptionsAreSkipped) {
    // Insert a 4-byte option (NOP NOP NOP EOL) and fix lengths and checksum.
    Bytes f = udp_frame();
    f.insert(f.begin() + 34, {1, 1, 1, 0});
    f[14] = 0x46;
    put16(f, 16, static_cast<std::uint16_t>(get16(f, 16) + 4));
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_TRUE(d.anomalies.empty()) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.udp->dst_port, 69);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
}

TEST(DecodeFrame, BadHeaderLengths) {
    Bytes f = udp_frame();
    f[14] = 0x44;  // IHL 4 = 16 bytes
    auto d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    auto* a = find_anomaly(d.anomalies, "ip.bad_header_length");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 14u);
    EXPECT_NE(a->detail.find("16"), std::string::npos) << a->detail;

    // IHL 15 = 60 bytes, but the frame ends first.
    f = udp_frame("");
    f[14] = 0x4f;
    f.resize(14 + 40);
    d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    a = find_anomaly(d.anomalies, "ip.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("60"), std::string::npos) << a->detail;

    // Not even the fixed header.
    f = udp_frame();
    f.resize(14 + 12);
    d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "ip.truncated"), nullptr);

    // Version 6 under EtherType 0x0800.
    f = udp_frame();
    f[14] = 0x65;
    d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "ip.bad_version"), nullptr);
}

TEST(DecodeFrame, TotalLengthBelowHeaderFallsBackToCapturedBytes) {
    // Total length 0, as captures of segmentation-offloaded sends show it.
    Bytes f = udp_frame();
    put16(f, 16, 0);
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    const auto* a = find_anomaly(d.anomalies, "ip.bad_total_length");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 16u);
    EXPECT_EQ(d.udp->dst_port, 69);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
}

TEST(DecodeFrame, EthernetPaddingIsNotPayload) {
    const Bytes frame = build_udp_frame(kClient, kServer, Bytes{0, 4, 0, 1});
    EXPECT_EQ(frame.size(), 46u);  // the builder does not pad
    Bytes padded = frame;
    padded.resize(60, 0xee);  // nonzero padding, as some switches leave it
    const auto d = decode_frame(linktype::kEthernet, padded);
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_TRUE(d.anomalies.empty()) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.udp->payload, (Bytes{0, 4, 0, 1}));
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
}

TEST(DecodeFrame, SnaplenCutKeepsTheBytesThatAreThere) {
    Bytes payload(400);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
    Bytes f = build_udp_frame(kServer, kClient, payload);
    f.resize(96);  // tcpdump's old default snap length
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_FALSE(d.udp->complete);
    EXPECT_EQ(d.udp->declared_length, 400u);
    EXPECT_EQ(d.udp->payload, Bytes(payload.begin(), payload.begin() + (96 - 42)));
    EXPECT_FALSE(d.udp->udp_checksum_ok.has_value());  // cannot be checked
    EXPECT_EQ(d.udp->ip_checksum_ok, true);
    const auto* a = find_anomaly(d.anomalies, "ip.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("428"), std::string::npos) << a->detail;  // total length
    EXPECT_NE(a->detail.find("82"), std::string::npos) << a->detail;   // bytes captured

    // Cut inside the UDP header: nothing to return.
    f.resize(14 + 20 + 5);
    const auto cut = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(cut.kind, Kind::Malformed);
    EXPECT_FALSE(cut.udp);
    EXPECT_NE(find_anomaly(cut.anomalies, "udp.truncated"), nullptr);
}

TEST(DecodeFrame, FragmentsAreHandedOut) {
    Bytes f = udp_frame(std::string(64, 'x'));
    put16(f, 18, 0xbeef);      // id
    put16(f, 20, 0x2000 | 3);  // MF, offset 3 * 8 = 24
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Fragment) << anomaly_ids(d.anomalies);
    EXPECT_TRUE(d.anomalies.empty()) << anomaly_ids(d.anomalies);
    ASSERT_TRUE(d.fragment);
    EXPECT_EQ(d.fragment->id, 0xbeef);
    EXPECT_EQ(d.fragment->protocol, 17);
    EXPECT_EQ(d.fragment->offset_bytes, 24u);
    EXPECT_TRUE(d.fragment->more_fragments);
    EXPECT_EQ(d.fragment->data.size(), 72u);  // UDP header + 64 bytes: all IP payload
    EXPECT_EQ(d.fragment->declared_size, 72u);
    EXPECT_EQ(d.fragment->src_ip, kClient.ip);
    EXPECT_EQ(d.fragment->ip_checksum_ok, true);
    EXPECT_FALSE(d.udp);

    // A last fragment (offset only) is a fragment too.
    put16(f, 20, 3);
    fix_ip_checksum(f, 14);
    EXPECT_EQ(decode_frame(linktype::kEthernet, f).kind, Kind::Fragment);
}

TEST(DecodeFrame, FragmentFlagsAnomalies) {
    Bytes f = udp_frame(std::string(13, 'x'));  // 21-byte IP payload
    put16(f, 20, 0x8000 | 0x2000);               // reserved + MF
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Fragment);
    EXPECT_NE(find_anomaly(d.anomalies, "ip.reserved_flag"), nullptr) << anomaly_ids(d.anomalies);
    const auto* a = find_anomaly(d.anomalies, "ip.fragment_misaligned");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("21"), std::string::npos) << a->detail;
}

// --- UDP --------------------------------------------------------------------------

TEST(DecodeFrame, UdpChecksumMismatch) {
    Bytes f = udp_frame();
    const std::uint16_t field = get16(f, 40);
    f[45] ^= 0x20;  // flip a payload bit
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_EQ(d.udp->udp_checksum_ok, false);
    const auto* a = find_anomaly(d.anomalies, "udp.bad_checksum");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 40u);
    EXPECT_NE(a->detail.find(detail_hex(field)), std::string::npos) << a->detail;
    // The expected value the detail names is what a correct sender would write.
    Bytes fixed = f;
    fix_udp_checksum(fixed, 14);
    EXPECT_NE(a->detail.find("expected " + detail_hex(get16(fixed, 40))), std::string::npos) << a->detail;
}

TEST(DecodeFrame, UdpChecksumZeroMeansNone) {
    Bytes f = udp_frame();
    put16(f, 40, 0);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_FALSE(d.udp->udp_checksum_ok.has_value());
    EXPECT_TRUE(d.anomalies.empty());
}

TEST(DecodeFrame, UdpChecksumComputedAsZeroIsSentAsAllOnes) {
    // Make the datagram's checksum come out as 0: add the current checksum
    // into a payload word, then RFC 768 says the sender writes 0xffff.
    Bytes f = build_udp_frame(kClient, kServer, Bytes{0x12, 0x34});
    const std::uint16_t c = get16(f, 40);
    put16(f, 42, ones_add(0x1234, c));
    put16(f, 40, 0xffff);
    const auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    EXPECT_EQ(d.udp->udp_checksum_ok, true) << anomaly_ids(d.anomalies);
    // Our own recomputation agrees that 0xffff is the value to send.
    Bytes again = f;
    fix_udp_checksum(again, 14);
    EXPECT_EQ(get16(again, 40), 0xffff);
}

TEST(DecodeFrame, UdpLengthDisagreements) {
    // Shorter than the header.
    Bytes f = udp_frame();
    put16(f, 38, 4);
    auto d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    auto* a = find_anomaly(d.anomalies, "udp.bad_length");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 38u);
    EXPECT_NE(a->detail.find("UDP length 4"), std::string::npos) << a->detail;
    EXPECT_FALSE(d.udp->udp_checksum_ok.has_value());

    // Longer than the IPv4 payload: the missing bytes do not exist.
    f = udp_frame();
    const std::uint16_t real = get16(f, 38);
    put16(f, 38, static_cast<std::uint16_t>(real + 10));
    d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    a = find_anomaly(d.anomalies, "udp.bad_length");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("exceeds"), std::string::npos) << a->detail;
    EXPECT_FALSE(d.udp->complete);
    EXPECT_EQ(d.udp->declared_length, real + 10u - 8u);
    EXPECT_EQ(d.udp->payload.size(), real - 8u);

    // Shorter than the IPv4 payload: UDP's length wins, and the checksum is
    // over what UDP claims.
    f = udp_frame();
    put16(f, 38, static_cast<std::uint16_t>(real - 3));
    fix_udp_checksum(f, 14);
    d = decode_frame(linktype::kEthernet, f);
    ASSERT_EQ(d.kind, Kind::Udp);
    a = find_anomaly(d.anomalies, "udp.bad_length");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("shorter"), std::string::npos) << a->detail;
    EXPECT_EQ(d.udp->payload.size(), real - 3u - 8u);
    EXPECT_TRUE(d.udp->complete);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
}

TEST(DecodeFrame, UdpHeaderLongerThanIpPayload) {
    // IPv4 says its payload is 6 bytes: no room for a UDP header.
    Bytes f = udp_frame();
    put16(f, 16, 20 + 6);
    fix_ip_checksum(f, 14);
    const auto d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Malformed);
    const auto* a = find_anomaly(d.anomalies, "udp.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 34u);
    EXPECT_NE(a->detail.find("IPv4 payload is 6"), std::string::npos) << a->detail;
}

// --- ARP --------------------------------------------------------------------------

TEST(DecodeFrame, ArpTruncatedAndUnsupported) {
    ArpPacket arp;
    arp.operation = 1;
    Bytes f = build_arp_frame(MacAddr::broadcast(), arp);
    Bytes cut(f.begin(), f.begin() + 14 + 20);
    auto d = decode_frame(linktype::kEthernet, cut);
    EXPECT_EQ(d.kind, Kind::Malformed);
    auto* a = find_anomaly(d.anomalies, "arp.truncated");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 14u);
    EXPECT_NE(a->detail.find("28"), std::string::npos) << a->detail;

    cut.resize(14 + 5);
    d = decode_frame(linktype::kEthernet, cut);
    EXPECT_EQ(d.kind, Kind::Malformed);
    EXPECT_NE(find_anomaly(d.anomalies, "arp.truncated"), nullptr);

    put16(f, 14, 6);  // IEEE 802 hardware type
    d = decode_frame(linktype::kEthernet, f);
    EXPECT_EQ(d.kind, Kind::Other);
    a = find_anomaly(d.anomalies, "arp.unsupported");
    ASSERT_NE(a, nullptr);
    EXPECT_NE(a->detail.find("hardware type 6"), std::string::npos) << a->detail;
}

TEST(DecodeFrame, KindNames) {
    EXPECT_EQ(to_string(Kind::Udp), "udp");
    EXPECT_EQ(to_string(Kind::Arp), "arp");
    EXPECT_EQ(to_string(Kind::Fragment), "fragment");
    EXPECT_EQ(to_string(Kind::OtherIp), "other-ip");
    EXPECT_EQ(to_string(Kind::Other), "other");
    EXPECT_EQ(to_string(Kind::Malformed), "malformed");
}

TEST(IcmpError, PortUnreachableNamesTheQuotedDatagram) {
    using namespace pxecheck::fixtures;
    const Bytes refused = link::build_udp_frame({kClientMac, kClientIp, 30652}, {kServerMac, kServerIp, 69},
                                                Bytes{0, 1, 'x', 0, 'o', 'c', 't', 'e', 't', 0});
    const auto d = link::decode_frame(link::linktype::kEthernet, icmp_error_frame(kServerMac, kServerIp, refused));
    EXPECT_EQ(d.kind, link::DecodedFrame::Kind::OtherIp);
    EXPECT_TRUE(d.anomalies.empty());
    ASSERT_TRUE(d.icmp.has_value());
    EXPECT_EQ(d.icmp->src_ip, kServerIp);
    EXPECT_EQ(d.icmp->dst_ip, kClientIp);
    EXPECT_EQ(d.icmp->quoted_src_ip, kClientIp);
    EXPECT_EQ(d.icmp->quoted_dst_ip, kServerIp);
    ASSERT_TRUE(d.icmp->quoted_udp);
    EXPECT_EQ(d.icmp->quoted_src_port, 30652);
    EXPECT_EQ(d.icmp->quoted_dst_port, 69);
    EXPECT_EQ(link::describe(*d.icmp), "port unreachable");
}

TEST(IcmpError, EchoAndShortQuotesAreNoError) {
    using namespace pxecheck::fixtures;
    const Bytes refused = link::build_udp_frame({kClientMac, kClientIp, 68}, {kServerMac, kServerIp, 67}, Bytes(8, 0));
    Bytes echo = icmp_error_frame(kServerMac, kServerIp, refused, 8, 0);  // an echo request, not an error
    EXPECT_FALSE(link::decode_frame(link::linktype::kEthernet, echo).icmp.has_value());
    Bytes cut = icmp_error_frame(kServerMac, kServerIp, refused);
    cut.resize(14 + 20 + 8 + 12);  // the quote stops inside its IP header
    EXPECT_FALSE(link::decode_frame(link::linktype::kEthernet, cut).icmp.has_value());
}
