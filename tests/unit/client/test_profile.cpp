// The built-in NIC profiles and what each puts on the wire. The byte
// fixtures are the option fields (from offset 240 up to END) of real
// firmware requests, copied from the captures named beside them.

#include <gtest/gtest.h>

#include "client_test_util.hpp"
#include "pxecheck/client/profile.hpp"

namespace pxecheck::client::test {
namespace {

using wire::DhcpMessageType;

/// The option field of a BOOTP payload up to and including END, as hex.
std::string options_hex(const Bytes& payload) {
    std::string out;
    std::size_t p = wire::kOptionsOffset;
    while (p < payload.size()) {
        const std::uint8_t c = payload[p];
        if (c == 255) {
            out += "ff";
            break;
        }
        if (c == 0) {
            ++p;
            continue;
        }
        const std::size_t n = 2u + payload[p + 1];
        out += to_hex(ByteView(payload.data() + p, n));
        p += n;
    }
    return out;
}

std::array<std::uint8_t, 16> uuid_from_hex(const char* h) {
    std::array<std::uint8_t, 16> u{};
    const auto b = *from_hex(h);
    std::copy(b.begin(), b.end(), u.begin());
    return u;
}

/// The first datagram the client sends after start().
link::Datagram first_discover(PxeClient& c) {
    c.start(TimePoint{});
    auto out = c.take_output();
    EXPECT_EQ(out.size(), 1u);
    return out.at(0);
}

TEST(Profiles, BuiltinOrderAndLookup) {
    const auto& all = builtin_profiles();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].name, "bios");
    EXPECT_EQ(all[1].name, "uefi-x64");
    EXPECT_EQ(all[2].name, "uefi-arm64");
    EXPECT_EQ(all[3].name, "ipxe");
    EXPECT_EQ(find_profile("nope"), nullptr);
    ASSERT_NE(find_profile("ipxe"), nullptr);
    EXPECT_EQ(find_profile("ipxe")->arch, 0);
    EXPECT_EQ(find_profile("uefi-arm64")->arch, 11);
}

TEST(Profiles, DescriptionsCiteTheirEvidence) {
    EXPECT_NE(find_profile("bios")->description.find("netboot-bios-pxe-proxydhcp-tftp-rrq.pcap"), std::string::npos);
    EXPECT_NE(find_profile("uefi-x64")->description.find("tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng"),
              std::string::npos);
    EXPECT_NE(find_profile("uefi-x64")->description.find("ovmf-uefi"), std::string::npos);
    EXPECT_NE(find_profile("ipxe")->description.find("ipxe-bios-dnsmasq-proxy.pcap"), std::string::npos);
}

TEST(Profiles, VendorClassStrings) {
    EXPECT_EQ(vendor_class_of(*find_profile("bios")), "PXEClient:Arch:00000:UNDI:002001");
    EXPECT_EQ(vendor_class_of(*find_profile("uefi-x64")), "PXEClient:Arch:00007:UNDI:003016");
    EXPECT_EQ(vendor_class_of(*find_profile("uefi-arm64")), "PXEClient:Arch:00011:UNDI:003016");
    EXPECT_EQ(vendor_class_of(*find_profile("ipxe")), "PXEClient:Arch:00000:UNDI:002001");
}

TEST(Profiles, TimersFromTheFirmware) {
    using std::chrono::seconds;
    const auto* b = find_profile("bios");
    EXPECT_EQ(b->discover_timeouts, (std::vector<Micros>{seconds(4), seconds(8), seconds(16), seconds(32)}));
    EXPECT_EQ(b->request_timeouts, (std::vector<Micros>{seconds(1), seconds(2), seconds(3), seconds(4)}));
    const auto* u = find_profile("uefi-x64");
    EXPECT_EQ(u->discover_timeouts, (std::vector<Micros>{seconds(4), seconds(8), seconds(16), seconds(32)}));
    EXPECT_EQ(u->bootserver_timeouts, (std::vector<Micros>{seconds(1), seconds(2), seconds(3), seconds(4)}));
    const auto* i = find_profile("ipxe");
    EXPECT_EQ(i->discover_timeouts, (std::vector<Micros>{seconds(1), seconds(2), seconds(4), seconds(8)}));
    EXPECT_EQ(i->request_timeouts.front(), std::chrono::milliseconds(250));
}

// Every profile's DISCOVER decodes without a single anomaly and carries the
// profile's PXE options.
TEST(Profiles, EachDiscoverDecodesCleanlyWithItsOptions) {
    for (const auto& p : builtin_profiles()) {
        SCOPED_TRACE(p.name);
        PxeClient c(config_for(p.name));
        const auto d = first_discover(c);
        EXPECT_EQ(d.src_ip, Ipv4Addr::any());
        EXPECT_EQ(d.dst_ip, Ipv4Addr::broadcast());
        EXPECT_EQ(d.src_port, 68);
        EXPECT_EQ(d.dst_port, 67);
        EXPECT_TRUE(d.dst_mac.is_broadcast());
        EXPECT_EQ(d.src_mac, c.config().mac);
        EXPECT_GE(d.payload.size(), wire::kBootpMinSize);

        const auto dec = wire::decode_dhcp(d.payload);
        ASSERT_TRUE(dec.header_complete);
        EXPECT_TRUE(dec.anomalies.empty()) << dec.anomalies.front().id << ": " << dec.anomalies.front().detail;
        const auto& m = dec.msg;
        EXPECT_EQ(m.op, 1);
        EXPECT_EQ(m.message_type(), DhcpMessageType::Discover);
        EXPECT_EQ(m.client_mac(), c.config().mac);
        EXPECT_EQ(m.broadcast_flag(), p.broadcast_flag);
        EXPECT_TRUE(m.ciaddr.is_zero());
        EXPECT_EQ(m.secs, 0);
        EXPECT_FALSE(m.find(wire::opt::kServerId));

        const auto vc = wire::parse_vendor_class(m.find(wire::opt::kVendorClass)->data);
        EXPECT_TRUE(vc.well_formed) << vc.problem;
        EXPECT_EQ(vc.text, vendor_class_of(p));
        EXPECT_EQ(vc.arch, p.arch);
        EXPECT_EQ(wire::parse_client_arch(m.find(wire::opt::kClientArch)->data),
                  (std::vector<std::uint16_t>{p.arch}));
        const auto ndi = wire::parse_client_ndi(m.find(wire::opt::kClientNdi)->data);
        ASSERT_TRUE(ndi);
        EXPECT_EQ(ndi->type, 1);
        EXPECT_EQ(ndi->major, p.undi_major);
        EXPECT_EQ(ndi->minor, p.undi_minor);
        const auto uuid = wire::parse_client_uuid(m.find(wire::opt::kClientUuid)->data);
        ASSERT_TRUE(uuid);
        EXPECT_EQ(uuid->type, 0);
        EXPECT_EQ(uuid->guid, c.config().uuid);
        EXPECT_EQ(m.find(wire::opt::kParameterList)->data, p.parameter_list);
        const auto& mm = m.find(wire::opt::kMaxMessageSize)->data;
        ASSERT_EQ(mm.size(), 2u);
        EXPECT_EQ((mm[0] << 8) | mm[1], p.max_message_size);
        EXPECT_EQ(m.find(wire::opt::kUserClass) != nullptr, p.user_class.has_value());
        // PXE-005: 128-135 requested.
        for (std::uint8_t code = 128; code <= 135; ++code) {
            EXPECT_NE(std::find(p.parameter_list.begin(), p.parameter_list.end(), code), p.parameter_list.end());
        }
    }
}

TEST(Profiles, OverridesReplaceAddAndRemove) {
    auto cfg = config_for("bios");
    cfg.option_overrides = {{60, text("PXEClient:Arch:00009:UNDI:003016")},  // replace
                            {12, text("node7")},                             // add
                            {97, {}}};                                       // remove
    PxeClient c(cfg);
    const auto m = decode(first_discover(c));
    EXPECT_EQ(m.text_option(60), "PXEClient:Arch:00009:UNDI:003016");
    EXPECT_EQ(m.text_option(12), "node7");
    EXPECT_EQ(m.find(97), nullptr);
    // The replaced option keeps its place in the firmware's order (after 94).
    std::vector<std::uint8_t> codes;
    for (const auto& o : m.options) codes.push_back(o.code);
    const auto pos = [&](std::uint8_t code) { return std::find(codes.begin(), codes.end(), code) - codes.begin(); };
    EXPECT_LT(pos(94), pos(60));
    EXPECT_LT(pos(60), pos(12));
}

// --- byte for byte against the captures ------------------------------------------------

// captures/public/netboot-bios-pxe-proxydhcp-tftp-rrq.pcap, frames 1, 4 and 6.
constexpr const char* kNetbootDiscover =
    "35010137240102030405060b0c0d0f10111216171c28292a2b3233363a3b3c42438081828384858687390204ec61110000020003"
    "0004000500060007000800095d0200005e030102013c20505845436c69656e743a417263683a30303030303a554e44493a3030"
    "32303031ff";
constexpr const char* kNetbootRequest =
    "3501033204c0a8100c37240102030405060b0c0d0f10111216171c28292a2b3233363a3b3c42438081828384858687390204ec36"
    "04c0a81001611100000200030004000500060007000800095d0200005e030102013c20505845436c69656e743a417263683a3030"
    "3030303a554e44493a303032303031ff";
constexpr const char* kNetbootBootServerRequest =
    "35010337240102030405060b0c0d0f10111216171c28292a2b3233363a3b3c42438081828384858687390204ec611100000200"
    "030004000500060007000800095d0200005e030102013c20505845436c69656e743a417263683a30303030303a554e44493a30"
    "30323030312b07470480000000ffff";

TEST(ProfilesOnTheWire, BiosMatchesTheNetbootCapture) {
    auto cfg = config_for("bios");
    cfg.mac = mac("d0:50:99:4e:05:57");
    cfg.uuid = uuid_from_hex("00020003000400050006000700080009");
    PxeClient c(cfg);
    const auto disc = first_discover(c);
    EXPECT_EQ(options_hex(disc.payload), kNetbootDiscover);
    EXPECT_EQ(disc.payload.size(), 548u);  // a 576-octet IP datagram, as the ROM sends
    const auto dm = decode(disc);

    // Frame 2: the Pixiecore proxy offer (menu "Pixiecore", 43.6 = 3, server
    // 192.168.16.10 type 0x8000); frame 3: the address offer of 192.168.16.12.
    auto proxy = reply_to(dm, DhcpMessageType::Offer, ip("192.168.16.10"));
    proxy.set_option(60, std::string_view("PXEClient"));
    proxy.set_option(43, *from_hex("0601030807800001c0a8100a090c8000095069786965636f7265"
                                   "0a0a005069786965636f7265ff"));
    c.on_datagram(at_ms(1), dhcp_datagram(ip("192.168.16.10"), 67, 68, proxy));
    auto addr = reply_to(dm, DhcpMessageType::Offer, ip("192.168.16.1"));
    addr.yiaddr = ip("192.168.16.12");
    addr.siaddr = ip("192.168.16.1");
    c.on_datagram(at_ms(2887), dhcp_datagram(ip("192.168.16.1"), 67, 68, addr));
    EXPECT_TRUE(c.take_output().empty());  // still listening for offers

    // The ROM keeps listening through its 4 s and 8 s windows: a second
    // DISCOVER at 4 s, the REQUEST when the 8 s window ends at 12 s.
    c.on_timer(at_ms(4000));
    auto again = c.take_output();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(dhcp_type(again[0]), 1);
    EXPECT_EQ(decode(again[0]).xid, dm.xid);
    EXPECT_EQ(c.next_deadline(), at_ms(12000));
    c.on_timer(at_ms(12000));
    auto req = c.take_output();
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(options_hex(req[0].payload), kNetbootRequest);
    EXPECT_EQ(decode(req[0]).secs, decode(again[0]).secs);  // the DISCOVER's secs, as frames 1 and 4

    auto ack = reply_to(decode(req[0]), DhcpMessageType::Ack, ip("192.168.16.1"));
    ack.yiaddr = ip("192.168.16.12");
    ack.siaddr = ip("192.168.16.1");
    c.on_datagram(at_ms(12083), dhcp_datagram(ip("192.168.16.1"), 67, 68, ack));
    ASSERT_EQ(c.probe_request(), ip("192.168.16.12"));
    c.on_probe_result(at_ms(12090), std::nullopt);
    auto bs = c.take_output();
    ASSERT_EQ(bs.size(), 1u);
    // Frame 6: unicast from 4011 to the listed boot server's 4011, ciaddr
    // set, the DHCP xid again, 43.71 type 0x8000 layer 0.
    EXPECT_EQ(options_hex(bs[0].payload), kNetbootBootServerRequest);
    EXPECT_EQ(bs[0].src_port, 4011);
    EXPECT_EQ(bs[0].dst_port, 4011);
    EXPECT_EQ(bs[0].src_ip, ip("192.168.16.12"));
    EXPECT_EQ(bs[0].dst_ip, ip("192.168.16.10"));
    const auto bm = decode(bs[0]);
    EXPECT_EQ(bm.ciaddr, ip("192.168.16.12"));
    EXPECT_EQ(bm.xid, dm.xid);
    EXPECT_FALSE(bm.broadcast_flag());
    EXPECT_EQ(bs[0].payload.size(), 548u);
}

// captures/public/tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng, frames 3 and 9.
constexpr const char* kEdk2Discover =
    "350101390205c037230102030405060c0d0f111216171c28292a2b3233363a3b3c4243618081828384858687611100000200030004"
    "000500060007000800095e030103105d0200073c20505845436c69656e743a417263683a30303030373a554e44493a303033303136"
    "ff";
constexpr const char* kEdk2Request =
    "3501033604c0a800013204c0a802003902ff0037230102030405060c0d0f111216171c28292a2b3233363a3b3c42436180818283"
    "84858687611100000200030004000500060007000800095e030103105d0200073c20505845436c69656e743a417263683a303030"
    "30373a554e44493a303033303136ff";

TEST(ProfilesOnTheWire, UefiX64MatchesTheEdk2Capture) {
    auto cfg = config_for("uefi-x64");
    cfg.mac = mac("00:18:7d:1b:a8:94");
    cfg.uuid = uuid_from_hex("00020003000400050006000700080009");
    PxeClient c(cfg);
    const auto disc = first_discover(c);
    EXPECT_EQ(options_hex(disc.payload), kEdk2Discover);
    EXPECT_EQ(disc.payload.size(), 347u);  // EDK2 does not pad

    auto offer = reply_to(decode(disc), DhcpMessageType::Offer, ip("192.168.0.1"));
    offer.yiaddr = ip("192.168.2.0");
    offer.siaddr = ip("192.168.0.1");
    c.on_datagram(at_ms(1), dhcp_datagram(ip("192.168.0.1"), 67, 68, offer));
    // EDK2 picks "at each timeout if any offer received": the end of the 4 s window.
    EXPECT_EQ(c.next_deadline(), at_ms(4000));
    EXPECT_TRUE(c.take_output().empty());
    c.on_timer(at_ms(4000));
    auto req = c.take_output();
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(options_hex(req[0].payload), kEdk2Request);  // 57 = 65280 in the REQUEST
    EXPECT_EQ(req[0].payload.size(), 359u);
}

// captures/ipxe-bios-dnsmasq-proxy.pcap, frames 1, 9 and 16 (iPXE on QEMU e1000).
constexpr const char* kIpxeDiscover =
    "350101390205c05d0200005e030102013c20505845436c69656e743a417263683a30303030303a554e44493a3030323030314d0469"
    "5058453717010306070c0f111a2b3c4243778081828384858687afcbaf30b105018086100eeb03010000170101220101130101110101"
    "270101190101290101100102210101150101180101120101"
    "3d070152540012345661110000000000000000000000000000000000ff";
constexpr const char* kIpxeRequest =
    "350103390205c05d0200005e030102013c20505845436c69656e743a417263683a30303030303a554e44493a3030323030314d0469"
    "5058453717010306070c0f111a2b3c4243778081828384858687afcbaf30b105018086100eeb03010000170101220101130101110101"
    "270101190101290101100102210101150101180101120101"
    "3d0701525400123456611100000000000000000000000000000000003604c0a80ec83204c0a80e0aff";
constexpr const char* kIpxeBootServerRequest =
    "350103390205c05d0200005e030102013c09505845436c69656e744d04695058453717010306070c0f111a2b3c4243778081828384"
    "858687afcbaf30b105018086100eeb0301000017010122010113010111010127010119010129010110010221010115010118010112"
    "01013d0701525400123456611100000000000000000000000000000000002b07470480000000ffff";

TEST(ProfilesOnTheWire, IpxeMatchesTheQemuCapture) {
    auto cfg = config_for("ipxe");
    cfg.uuid = {};  // QEMU without -uuid: all zero
    PxeClient c(cfg);
    const auto disc = first_discover(c);
    EXPECT_EQ(options_hex(disc.payload), kIpxeDiscover);
    EXPECT_EQ(disc.payload.size(), 400u);
    const auto dm = decode(disc);
    EXPECT_FALSE(dm.broadcast_flag());

    // Frame 3: dnsmasq's proxy offer (menu, 43.6 = 3, 1 s prompt); frame 5:
    // isc-dhcpd's address offer. iPXE goes on as soon as it holds both.
    auto proxy = reply_to(dm, DhcpMessageType::Offer, ip("192.168.14.200"));
    proxy.set_option(60, std::string_view("PXEClient"));
    proxy.set_option(43, *from_hex("0601030807800001c0a80ec809168000134e6574776f726b20626f6f74202842494f53290a"
                                   "0901505845206d656e75ff"));
    c.on_datagram(at_ms(22), dhcp_datagram(ip("192.168.14.200"), 67, 68, proxy));
    EXPECT_TRUE(c.take_output().empty());
    auto addr = reply_to(dm, DhcpMessageType::Offer, ip("192.168.14.200"));
    addr.yiaddr = ip("192.168.14.10");
    c.on_datagram(at_ms(900), dhcp_datagram(ip("192.168.14.200"), 67, 68, addr));
    auto req = c.take_output();
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(options_hex(req[0].payload), kIpxeRequest);

    auto ack = reply_to(decode(req[0]), DhcpMessageType::Ack, ip("192.168.14.200"));
    ack.yiaddr = ip("192.168.14.10");
    c.on_datagram(at_ms(910), dhcp_datagram(ip("192.168.14.200"), 67, 68, ack));
    ASSERT_TRUE(c.probe_request());
    c.on_probe_result(at_ms(920), std::nullopt);
    // 43.10 says 1 s: the menu prompt waits before the boot server request.
    EXPECT_TRUE(c.take_output().empty());
    EXPECT_EQ(c.phase(), ClientPhase::BootServer);
    EXPECT_EQ(c.next_deadline(), at_ms(1920));
    c.on_timer(at_ms(1920));
    auto bs = c.take_output();
    ASSERT_EQ(bs.size(), 1u);
    EXPECT_EQ(options_hex(bs[0].payload), kIpxeBootServerRequest);
    // Frame 16: from 68 to 4011, xid 0, broadcast flag, ciaddr set.
    EXPECT_EQ(bs[0].src_port, 68);
    EXPECT_EQ(bs[0].dst_port, 4011);
    const auto bm = decode(bs[0]);
    EXPECT_EQ(bm.xid, 0u);
    EXPECT_TRUE(bm.broadcast_flag());
    EXPECT_EQ(bm.ciaddr, ip("192.168.14.10"));
    EXPECT_EQ(bs[0].payload.size(), 386u);
}

}  // namespace
}  // namespace pxecheck::client::test
