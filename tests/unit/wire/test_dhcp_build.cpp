// Building DHCP messages: set_option (with RFC 3396 splitting), finish()
// padding, the header setters, and the one-line summary.

#include <gtest/gtest.h>

#include <string>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

using namespace pxecheck;
using namespace pxecheck::wire;

namespace {

std::vector<std::uint8_t> codes(const DhcpMessage& m) {
    std::vector<std::uint8_t> out;
    for (const auto& o : m.options) out.push_back(o.code);
    return out;
}

/// A proxyDHCP OFFER as a PXE master would build it.
DhcpMessage proxy_offer() {
    DhcpMessage m;
    m.op = 2;
    m.xid = 0xdeadbeef;
    m.flags = kBroadcastFlag;
    m.set_client_mac(*MacAddr::parse("52:54:00:12:34:56"));
    m.set_option_u8(opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::Offer));
    m.set_option_ip(opt::kServerId, Ipv4Addr::from_octets(192, 168, 14, 200));
    m.set_option(opt::kVendorClass, std::string_view("PXEClient"));
    return m;
}

}  // namespace

TEST(DhcpBuild, SetOptionAppendsInOrderAndReplacesInPlace) {
    DhcpMessage m = proxy_offer();
    EXPECT_EQ(codes(m), (std::vector<std::uint8_t>{53, 54, 60}));
    m.set_option_ip(opt::kServerId, Ipv4Addr::from_octets(10, 0, 0, 1));
    EXPECT_EQ(codes(m), (std::vector<std::uint8_t>{53, 54, 60}));  // same place
    EXPECT_EQ(m.server_id(), Ipv4Addr::from_octets(10, 0, 0, 1));
    m.remove_option(opt::kServerId);
    EXPECT_EQ(codes(m), (std::vector<std::uint8_t>{53, 60}));
    EXPECT_FALSE(m.server_id());
}

TEST(DhcpBuild, SetOptionGoesBeforeAnExistingEnd) {
    DhcpMessage m = proxy_offer();
    m.finish();
    m.set_option_u32(opt::kLeaseTime, 86400);
    EXPECT_EQ(codes(m), (std::vector<std::uint8_t>{53, 54, 60, 51, 255}));
    m.set_option_u16(opt::kMaxMessageSize, 1472);
    EXPECT_EQ(codes(m), (std::vector<std::uint8_t>{53, 54, 60, 51, 57, 255}));
    EXPECT_EQ(m.find(opt::kMaxMessageSize)->data, (Bytes{0x05, 0xc0}));
}

TEST(DhcpBuild, SetOptionSplitsLongValuesPerRfc3396) {
    DhcpMessage m = proxy_offer();
    Bytes big(600);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
    m.set_option(opt::kVendorSpecific, big);
    ASSERT_EQ(m.count(opt::kVendorSpecific), 3u);
    std::vector<std::size_t> sizes;
    for (const auto& o : m.options) {
        if (o.code == opt::kVendorSpecific) sizes.push_back(o.data.size());
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{255, 255, 90}));
    EXPECT_EQ(m.joined(opt::kVendorSpecific), big);
    m.finish();

    const Bytes wire = encode_dhcp(m);
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.joined(opt::kVendorSpecific), big);
    EXPECT_EQ(encode_dhcp(d.msg), wire);

    // Replacing the long value with a short one removes all three instances.
    m.set_option(opt::kVendorSpecific, Bytes{1, 2, 3});
    EXPECT_EQ(m.count(opt::kVendorSpecific), 1u);
}

TEST(DhcpBuild, EncoderSplitsAnOversizedModelInstance) {
    DhcpMessage m;
    m.options.push_back(DhcpOption{opt::kVendorSpecific, Bytes(300, 0xaa), OptionArea::Options, 0});
    m.options.push_back(DhcpOption{opt::kEnd, {}, OptionArea::Options, 0});
    const auto d = decode_dhcp(encode_dhcp(m));
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.count(opt::kVendorSpecific), 2u);
    EXPECT_EQ(d.msg.joined(opt::kVendorSpecific), Bytes(300, 0xaa));
}

TEST(DhcpBuild, EmptyOptionValueIsOneInstance) {
    DhcpMessage m;
    m.set_option(80, Bytes{});  // rapid commit carries no data
    ASSERT_EQ(m.count(80), 1u);
    m.finish();
    const Bytes wire = encode_dhcp(m);
    EXPECT_EQ(wire[kOptionsOffset], 80);
    EXPECT_EQ(wire[kOptionsOffset + 1], 0);
    EXPECT_EQ(wire[kOptionsOffset + 2], opt::kEnd);
}

TEST(DhcpBuild, FinishAddsEndAndPadsTo300) {
    DhcpMessage m = proxy_offer();
    m.finish();
    const Bytes wire = encode_dhcp(m);
    ASSERT_EQ(wire.size(), kBootpMinSize);
    EXPECT_EQ(m.options.back().code, opt::kEnd);
    // 53 (3) + 54 (6) + 60 (11) + END from 240, then zeros.
    EXPECT_EQ(wire[kOptionsOffset + 20], opt::kEnd);
    EXPECT_TRUE(std::all_of(wire.begin() + kOptionsOffset + 21, wire.end(), [](std::uint8_t b) { return b == 0; }));
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(encode_dhcp(d.msg), wire);

    // finish() twice changes nothing; a larger floor pads further.
    m.finish();
    EXPECT_EQ(encode_dhcp(m), wire);
    m.finish(576);
    EXPECT_EQ(encode_dhcp(m).size(), 576u);
    EXPECT_EQ(m.count(opt::kEnd), 1u);
}

TEST(DhcpBuild, FinishLeavesLargeMessagesAlone) {
    DhcpMessage m = proxy_offer();
    m.set_option(opt::kVendorSpecific, Bytes(200, 0));
    m.finish();
    EXPECT_EQ(encode_dhcp(m).size(), kOptionsOffset + 3 + 6 + 11 + 202 + 1);
}

TEST(DhcpBuild, HeaderFieldsEncodeAtTheirOffsets) {
    DhcpMessage m;
    m.op = 2;
    m.hops = 1;
    m.xid = 0x01020304;
    m.secs = 0x0506;
    m.flags = kBroadcastFlag;
    m.ciaddr = Ipv4Addr::from_octets(1, 1, 1, 1);
    m.yiaddr = Ipv4Addr::from_octets(2, 2, 2, 2);
    m.siaddr = Ipv4Addr::from_octets(3, 3, 3, 3);
    m.giaddr = Ipv4Addr::from_octets(4, 4, 4, 4);
    m.set_client_mac(*MacAddr::parse("aa:bb:cc:dd:ee:ff"));
    m.set_sname("srv");
    m.set_file("pxelinux.0");
    const Bytes wire = encode_dhcp(m);
    ASSERT_EQ(wire.size(), kOptionsOffset);  // no options, no END: finish() adds those
    EXPECT_EQ(wire[0], 2);
    EXPECT_EQ(wire[1], 1);
    EXPECT_EQ(wire[2], 6);
    EXPECT_EQ(wire[3], 1);
    EXPECT_EQ(wire[4], 1);
    EXPECT_EQ(wire[7], 4);
    EXPECT_EQ(wire[8], 5);
    EXPECT_EQ(wire[10], 0x80);
    EXPECT_EQ(wire[12], 1);
    EXPECT_EQ(wire[16], 2);
    EXPECT_EQ(wire[20], 3);
    EXPECT_EQ(wire[24], 4);
    EXPECT_EQ(wire[28], 0xaa);
    EXPECT_EQ(wire[33], 0xff);
    EXPECT_EQ(wire[kSnameOffset], 's');
    EXPECT_EQ(wire[kFileOffset], 'p');
    EXPECT_EQ(wire[kFileOffset + 10], 0);
    EXPECT_EQ(wire[236], 0x63);
    const auto d = decode_dhcp(wire);
    EXPECT_EQ(d.msg.sname_field(), "srv");
    EXPECT_EQ(d.msg.file_field(), "pxelinux.0");
    EXPECT_TRUE(has_anomaly(d.anomalies, "dhcp.missing_end"));
}

TEST(DhcpBuild, SetFileCutsAtFieldSize) {
    DhcpMessage m;
    m.set_file(std::string(200, 'a'));
    EXPECT_EQ(m.file[kFileSize - 1], 'a');
    m.set_file("short");
    EXPECT_EQ(m.file_field(), "short");
    EXPECT_EQ(m.file[5], 0);
}

TEST(DhcpBuild, TextOptionStripsOneTrailingNul) {
    DhcpMessage m;
    m.set_option(opt::kBootfileName, Bytes{'a', 0, 0});
    EXPECT_EQ(m.text_option(opt::kBootfileName), std::string("a\0", 2));
    EXPECT_FALSE(m.text_option(opt::kHostName));
}

// --- summary -------------------------------------------------------------------

TEST(DhcpSummary, ProxyOfferWithMenu) {
    DhcpMessage m = proxy_offer();
    PxeVendorOptions pxe;
    pxe.discovery_control = discovery::kNoBroadcast | discovery::kNoMulticast;
    pxe.menu = {{0, "Local boot"}, {0x8000, "Install"}};
    pxe.prompt = PxeMenuPrompt{10, "Press F8"};
    m.set_option(opt::kVendorSpecific, encode_pxe_options(pxe));
    m.set_option(opt::kClientUuid, Bytes(17, 0));
    m.siaddr = Ipv4Addr::from_octets(192, 168, 14, 200);
    m.set_file("pxelinux.0");
    m.finish();
    EXPECT_EQ(summarize(m),
              "DHCP OFFER xid 0xdeadbeef flags B siaddr 192.168.14.200 chaddr 52:54:00:12:34:56 "
              "file \"pxelinux.0\" [53=OFFER 54=192.168.14.200 60=\"PXEClient\" "
              "43={6=0x03,9=[0:\"Local boot\",32768:\"Install\"],10=10:\"Press F8\"} "
              "97=00000000-0000-0000-0000-000000000000]");
}

TEST(DhcpSummary, ClientRequestWithArchAndUnknownOption) {
    DhcpMessage m;
    m.op = 1;
    m.xid = 7;
    m.secs = 4;
    m.flags = 0x8001;  // a reserved bit set: shown in hex
    m.ciaddr = Ipv4Addr::from_octets(10, 0, 0, 5);
    m.set_client_mac(*MacAddr::parse("00:11:22:33:44:55"));
    m.set_option_u8(opt::kMessageType, 3);
    m.set_option(opt::kClientArch, Bytes{0, 7, 0, 9});
    m.set_option(opt::kClientNdi, Bytes{1, 3, 16});
    m.set_option(opt::kVendorClass, make_pxe_vendor_class(7, 3, 16));
    m.set_option(240, Bytes{0xab, 0xcd});
    m.set_option(opt::kUserClass, std::string_view("iPXE"));
    m.finish();
    EXPECT_EQ(summarize(m),
              "DHCP REQUEST xid 0x00000007 secs 4 flags 0x8001 ciaddr 10.0.0.5 chaddr 00:11:22:33:44:55 "
              "[53=REQUEST 93=7(x64 UEFI),9(EBC) 94=UNDI 3.16 60=\"PXEClient:Arch:00007:UNDI:003016\" "
              "240=0xabcd 77=\"iPXE\"]");
}

TEST(DhcpSummary, NotesGarbageAndMissingEnd) {
    DhcpMessage m;
    m.set_option_u8(opt::kMessageType, 1);
    m.options_trailing = {'j', 'u', 'n', 'k'};
    EXPECT_EQ(summarize(m), "DHCP DISCOVER xid 0x00000000 chaddr 00:00:00:00:00:00 [53=DISCOVER] "
                            "+4 octets after options (no END)");
}
