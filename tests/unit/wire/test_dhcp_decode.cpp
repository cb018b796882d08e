// DHCP decoding from crafted bytes: one test per anomaly ID (named after
// it), RFC 3396 joins and option overload.

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/option_catalog.hpp"

using namespace pxecheck;
using namespace pxecheck::wire;

namespace {

/// A 236-octet BOOTP header: REQUEST, Ethernet, xid 0x12345678, chaddr
/// 52:54:00:12:34:56.
Bytes bootp_header(std::uint8_t op = 1) {
    Bytes b(kBootpHeaderSize, 0);
    b[0] = op;                          // op
    b[1] = 1;                           // htype: Ethernet
    b[2] = 6;                           // hlen
    b[4] = 0x12; b[5] = 0x34; b[6] = 0x56; b[7] = 0x78;  // xid
    const std::uint8_t mac[] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    std::copy(std::begin(mac), std::end(mac), b.begin() + 28);  // chaddr
    return b;
}

/// Header, magic cookie, then \p options as given (END included or not).
Bytes dhcp_with(std::initializer_list<std::uint8_t> options, std::uint8_t op = 1) {
    Bytes b = bootp_header(op);
    b.insert(b.end(), kMagicCookie.begin(), kMagicCookie.end());
    b.insert(b.end(), options.begin(), options.end());
    return b;
}

void put_field(Bytes& b, std::size_t offset, std::initializer_list<std::uint8_t> bytes) {
    std::copy(bytes.begin(), bytes.end(), b.begin() + static_cast<std::ptrdiff_t>(offset));
}

const Anomaly* find_anomaly(const Anomalies& list, std::string_view id) {
    for (const auto& a : list) {
        if (a.id == id) return &a;
    }
    return nullptr;
}

std::size_t count_anomaly(const Anomalies& list, std::string_view id) {
    return static_cast<std::size_t>(std::count_if(list.begin(), list.end(), [&](const Anomaly& a) { return a.id == id; }));
}

void expect_round_trip(const Bytes& wire) { EXPECT_EQ(encode_dhcp(decode_dhcp(wire).msg), wire); }

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

// --- a clean message -----------------------------------------------------------

TEST(DhcpDecode, CleanDiscoverHasNoAnomalies) {
    const Bytes wire = dhcp_with({53, 1, 1,                 // DISCOVER
                                  57, 2, 0x05, 0xc0,        // max size 1472
                                  255});
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.header_complete);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.xid, 0x12345678u);
    EXPECT_EQ(d.msg.client_mac().to_string(), "52:54:00:12:34:56");
    EXPECT_EQ(d.msg.message_type(), DhcpMessageType::Discover);
    ASSERT_EQ(d.msg.options.size(), 3u);
    EXPECT_EQ(d.msg.options[0].offset, 240u);
    EXPECT_EQ(d.msg.options[1].offset, 243u);
    EXPECT_EQ(d.msg.options[2].code, opt::kEnd);
    EXPECT_EQ(d.msg.options[2].offset, 247u);
    expect_round_trip(wire);
}

TEST(DhcpDecode, PadAndEndKeptInWireOrder) {
    const Bytes wire = dhcp_with({0, 0, 53, 1, 3, 0, 255, 0, 0, 0});
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    ASSERT_EQ(d.msg.options.size(), 5u);
    EXPECT_EQ(d.msg.options[0].code, opt::kPad);
    EXPECT_EQ(d.msg.options[1].code, opt::kPad);
    EXPECT_EQ(d.msg.options[2].code, opt::kMessageType);
    EXPECT_EQ(d.msg.options[3].code, opt::kPad);
    EXPECT_EQ(d.msg.options[4].code, opt::kEnd);
    EXPECT_EQ(d.msg.options_trailing, (Bytes{0, 0, 0}));
    EXPECT_EQ(d.msg.count(opt::kPad), 3u);
    EXPECT_EQ(d.msg.find(opt::kPad), nullptr);  // PAD/END are not looked up
    expect_round_trip(wire);
}

// --- one test per anomaly ID ------------------------------------------------------

TEST(DhcpAnomaly, BootpTruncatedHeader) {
    Bytes wire = bootp_header();
    wire.resize(100);
    const auto d = decode_dhcp(wire);
    EXPECT_FALSE(d.header_complete);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "bootp.truncated_header");
    EXPECT_EQ(d.anomalies[0].offset, 100u);
    EXPECT_EQ(d.anomalies[0].detail, "payload is 100 octets, the BOOTP header needs 236");
    // What fitted is kept.
    EXPECT_EQ(d.msg.xid, 0x12345678u);
    EXPECT_EQ(d.msg.client_mac().to_string(), "52:54:00:12:34:56");
    EXPECT_FALSE(d.msg.has_cookie);

    const auto empty = decode_dhcp({});
    EXPECT_FALSE(empty.header_complete);
    EXPECT_TRUE(has_anomaly(empty.anomalies, "bootp.truncated_header"));
}

TEST(DhcpAnomaly, DhcpNoMagicCookie) {
    // A damaged cookie: everything from 236 on is kept verbatim.
    Bytes wire = bootp_header();
    const Bytes vend{0x63, 0x82, 0x53, 0x64, 53, 1, 1, 255};
    wire.insert(wire.end(), vend.begin(), vend.end());
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.header_complete);
    EXPECT_FALSE(d.msg.has_cookie);
    EXPECT_EQ(d.msg.cookie, (std::array<std::uint8_t, 4>{0x63, 0x82, 0x53, 0x64}));
    EXPECT_TRUE(d.msg.options.empty());
    EXPECT_EQ(d.msg.options_trailing, vend);
    const Anomaly* a = find_anomaly(d.anomalies, "dhcp.no_magic_cookie");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 236u);
    EXPECT_EQ(a->detail, "octets 236-239 are 63825364, expected 63825363");
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpNoMagicCookieOnPlainBootpAndShortVendorField) {
    // RFC 951 BOOTP: a 64-octet vendor field of zeros.
    Bytes bootp = bootp_header();
    bootp.resize(kBootpMinSize, 0);
    auto d = decode_dhcp(bootp);
    EXPECT_TRUE(has_anomaly(d.anomalies, "dhcp.no_magic_cookie"));
    EXPECT_EQ(d.msg.options_trailing.size(), 64u);
    EXPECT_EQ(summarize(d.msg),
              "BOOTP REQUEST xid 0x12345678 chaddr 52:54:00:12:34:56 (no magic cookie, 64 octets vendor field)");
    expect_round_trip(bootp);

    // Header only, and header plus half a cookie.
    const Bytes bare = bootp_header();
    d = decode_dhcp(bare);
    EXPECT_TRUE(d.header_complete);
    EXPECT_TRUE(has_anomaly(d.anomalies, "dhcp.no_magic_cookie"));
    expect_round_trip(bare);
    Bytes half = bootp_header();
    half.push_back(0x63);
    half.push_back(0x82);
    d = decode_dhcp(half);
    const Anomaly* a = find_anomaly(d.anomalies, "dhcp.no_magic_cookie");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->detail, "only 2 octets after the header: 6382");
    expect_round_trip(half);
}

TEST(DhcpAnomaly, DhcpTruncatedOption) {
    const Bytes wire = dhcp_with({53, 1, 1,                 // at 240
                                  54, 4, 192, 168});        // at 243: 2 of 4 octets
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);  // no extra dhcp.missing_end
    EXPECT_EQ(d.anomalies[0].id, "dhcp.truncated_option");
    EXPECT_EQ(d.anomalies[0].offset, 243u);
    EXPECT_EQ(d.anomalies[0].detail, "option 54 claims 4 octets, 2 left in options field");
    // The option before it survives; the rest is kept for the round trip.
    EXPECT_EQ(d.msg.message_type(), DhcpMessageType::Discover);
    EXPECT_EQ(d.msg.find(opt::kServerId), nullptr);
    EXPECT_EQ(d.msg.options_trailing, (Bytes{54, 4, 192, 168}));
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpTruncatedOptionWithoutLengthOctet) {
    const Bytes wire = dhcp_with({53, 1, 1, 61});
    const auto d = decode_dhcp(wire);
    const Anomaly* a = find_anomaly(d.anomalies, "dhcp.truncated_option");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 243u);
    EXPECT_EQ(a->detail, "option 61 at 243 has no length octet, it is the last octet of the options field");
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpMissingEnd) {
    const Bytes wire = dhcp_with({53, 1, 1, 57, 2, 2, 64});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.missing_end");
    EXPECT_EQ(d.anomalies[0].offset, wire.size());
    EXPECT_EQ(d.msg.options.size(), 2u);
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpDataAfterEnd) {
    const Bytes wire = dhcp_with({53, 1, 1, 255, 0, 0, 'x', 'y', 0});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.data_after_end");
    EXPECT_EQ(d.anomalies[0].offset, 246u);  // the 'x'
    EXPECT_EQ(d.anomalies[0].detail, "2 non-zero octets after END at 243 in options field, first at 246");
    EXPECT_EQ(d.msg.options_trailing, (Bytes{0, 0, 'x', 'y', 0}));
    expect_round_trip(wire);

    // PAD after END is what RFC 2131 §4.1 expects: no anomaly.
    EXPECT_TRUE(decode_dhcp(dhcp_with({53, 1, 1, 255, 0, 0, 0})).anomalies.empty());
}

TEST(DhcpAnomaly, DhcpBadOptionLength) {
    const Bytes wire = dhcp_with({53, 2, 1, 1,              // at 240: must be 1
                                  54, 3, 10, 0, 0,          // at 244: must be 4
                                  57, 1, 2,                 // at 249: must be 2
                                  55, 0,                    // at 252: at least 1
                                  61, 1, 1,                 // at 254: at least 2
                                  3, 6, 1, 2, 3, 4, 5, 6,   // at 257: multiple of 4
                                  1, 4, 255, 255, 255, 0,   // fine
                                  255});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(count_anomaly(d.anomalies, "dhcp.bad_option_length"), 6u);
    EXPECT_EQ(d.anomalies.size(), 6u);
    EXPECT_EQ(d.anomalies[0].offset, 240u);
    EXPECT_EQ(d.anomalies[0].detail,
              "option 53 (message-type) has 2 octets, RFC 2132 §9.6 requires exactly 1");
    EXPECT_EQ(d.anomalies[1].offset, 244u);
    EXPECT_EQ(d.anomalies[1].detail,
              "option 54 (server-identifier) has 3 octets, RFC 2132 §9.7 requires exactly 4");
    EXPECT_EQ(d.anomalies[2].offset, 249u);
    EXPECT_EQ(d.anomalies[3].offset, 252u);
    EXPECT_EQ(d.anomalies[3].detail,
              "option 55 (parameter-request-list) has 0 octets, RFC 2132 §9.8 requires at least 1");
    EXPECT_EQ(d.anomalies[4].offset, 254u);
    EXPECT_EQ(d.anomalies[5].offset, 257u);
    EXPECT_EQ(d.anomalies[5].detail,
              "option 3 (router) has 6 octets, RFC 2132 §3.5 requires at least 4, a multiple of 4");
    // Typed getters refuse the wrong sizes.
    EXPECT_FALSE(d.msg.message_type());
    EXPECT_FALSE(d.msg.server_id());
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpBadOptionLengthChecksTheJoinedValue) {
    // RFC 3396 lets a split fall anywhere, even inside an address: only the
    // joined length must be a multiple of 4.
    const Bytes split = dhcp_with({6, 6, 10, 0, 0, 1, 10, 0,
                                   6, 2, 0, 2,
                                   255});
    auto d = decode_dhcp(split);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(format_option_value(opt::kDnsServer, *d.msg.joined(opt::kDnsServer)), "10.0.0.1,10.0.0.2");

    const Bytes bad = dhcp_with({6, 4, 10, 0, 0, 1, 6, 2, 0, 2, 255});
    d = decode_dhcp(bad);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].detail,
              "option 6 (domain-name-server) has 6 octets after RFC 3396 joining, RFC 2132 §3.8 requires at "
              "least 4, a multiple of 4");
}

TEST(DhcpAnomaly, DhcpDuplicateOption) {
    const Bytes wire = dhcp_with({53, 1, 1,                 // at 240
                                  54, 4, 10, 0, 0, 1,       // at 243
                                  53, 1, 3,                 // at 249: second 53
                                  54, 4, 10, 0, 0, 2,       // at 252: second 54
                                  255});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 2u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.duplicate_option");
    EXPECT_EQ(d.anomalies[0].offset, 249u);
    EXPECT_EQ(d.anomalies[0].detail,
              "option 53 appears 2 times (at 240, 249); it carries one value and must not repeat "
              "(RFC 2131 §4.1, RFC 3396 §7)");
    EXPECT_EQ(d.anomalies[1].id, "dhcp.duplicate_option");
    EXPECT_EQ(d.anomalies[1].offset, 252u);
    // The first instance is the one the getters use.
    EXPECT_EQ(d.msg.message_type(), DhcpMessageType::Discover);
    EXPECT_EQ(d.msg.server_id(), Ipv4Addr::from_octets(10, 0, 0, 1));
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpDuplicateOptionNotRaisedForRfc3396Splits) {
    const Bytes wire = dhcp_with({53, 1, 2,
                                  43, 3, 6, 1, 8,
                                  43, 2, 255, 0,
                                  55, 2, 1, 3,
                                  55, 1, 6,
                                  255}, 2);
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.count(opt::kVendorSpecific), 2u);
    EXPECT_EQ(d.msg.joined(opt::kVendorSpecific), (Bytes{6, 1, 8, 255, 0}));
    EXPECT_EQ(d.msg.joined(opt::kParameterList), (Bytes{1, 3, 6}));
}

TEST(DhcpAnomaly, DhcpOverloadBadValue) {
    Bytes wire = dhcp_with({53, 1, 2, 52, 1, 4, 255}, 2);
    put_field(wire, kFileOffset, {'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', '0'});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.overload_bad_value");
    EXPECT_EQ(d.anomalies[0].offset, 243u);
    EXPECT_EQ(d.anomalies[0].detail,
              "option 52 value 4, expected 1 (file), 2 (sname) or 3 (both); fields left as text");
    EXPECT_EQ(d.msg.overload(), 0);
    EXPECT_EQ(d.msg.file_field(), "pxelinux.0");
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpOverloadMisplaced) {
    Bytes wire = dhcp_with({53, 1, 2, 52, 1, 1, 255}, 2);
    put_field(wire, kFileOffset, {52, 1, 3, 67, 1, 'x', 255});
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 2u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.overload_misplaced");
    EXPECT_EQ(d.anomalies[0].offset, kFileOffset);
    // It is also a second 52, which RFC 3396 does not allow to be a split.
    EXPECT_EQ(d.anomalies[1].id, "dhcp.duplicate_option");
    // Only the main field's 52 counts: sname stays text.
    EXPECT_EQ(d.msg.overload(), 1);
    EXPECT_EQ(d.msg.text_option(opt::kBootfileName), "x");
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpOverloadMissingEnd) {
    Bytes wire = dhcp_with({53, 1, 2, 52, 1, 1, 255}, 2);
    put_field(wire, kFileOffset, {67, 4, 'b', 'o', 'o', 't'});  // then PAD to the end of file
    const auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.overload_missing_end");
    EXPECT_EQ(d.anomalies[0].offset, kFileOffset + kFileSize);
    EXPECT_EQ(d.anomalies[0].detail, "option 52 overloads the file field but it has no END (255)");
    EXPECT_EQ(d.msg.text_option(opt::kBootfileName), "boot");
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpTruncatedOptionInOverloadedField) {
    Bytes wire = dhcp_with({53, 1, 2, 52, 1, 2, 255}, 2);
    put_field(wire, kSnameOffset + 60, {66, 10, 'a', 'b'});  // runs past the 64-octet sname
    const auto d = decode_dhcp(wire);
    const Anomaly* a = find_anomaly(d.anomalies, "dhcp.truncated_option");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, kSnameOffset + 60);
    EXPECT_EQ(a->detail, "option 66 claims 10 octets, 2 left in sname field");
    EXPECT_FALSE(has_anomaly(d.anomalies, "dhcp.overload_missing_end"));
    EXPECT_EQ(d.msg.sname_trailing, (Bytes{66, 10, 'a', 'b'}));
    expect_round_trip(wire);
}

TEST(DhcpAnomaly, DhcpBadHtypeHlen) {
    Bytes wire = dhcp_with({53, 1, 1, 255});
    wire[2] = 16;  // Ethernet with 16-octet addresses
    auto d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].id, "dhcp.bad_htype_hlen");
    EXPECT_EQ(d.anomalies[0].offset, 1u);
    EXPECT_EQ(d.anomalies[0].detail, "htype 1 with hlen 16 (Ethernet is htype 1, hlen 6)");
    expect_round_trip(wire);

    wire[1] = 32;  // InfiniBand (RFC 4390) with hlen 17: more than chaddr holds
    wire[2] = 17;
    d = decode_dhcp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_EQ(d.anomalies[0].detail, "htype 32 with hlen 17 (chaddr holds 16 octets)");
    EXPECT_NE(summarize(d.msg).find("htype 32 hlen 17 chaddr 52540012345600000000000000000000"),
              std::string::npos);
    expect_round_trip(wire);

    wire[2] = 0;  // InfiniBand with hlen 0 is what RFC 4390 asks for
    EXPECT_TRUE(decode_dhcp(wire).anomalies.empty());
}

// --- RFC 3396 and overload ---------------------------------------------------------

TEST(DhcpOverload, FileAndSnameJoinedInOptionsFileSnameOrder) {
    // 67 is split over all three areas; RFC 3396 joins options -> file -> sname.
    Bytes wire = dhcp_with({53, 1, 5,
                            52, 1, 3,
                            67, 3, 'p', 'x', 'e',
                            255}, 2);
    put_field(wire, kSnameOffset, {67, 3, '.', '0', 0,  // NUL-terminated by a ROM-friendly server
                                   255});
    put_field(wire, kFileOffset, {66, 4, 't', 'f', 't', 'p',
                                  67, 5, 'l', 'i', 'n', 'u', 'x',
                                  255});
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.overload(), 3);
    EXPECT_EQ(d.msg.count(opt::kBootfileName), 3u);
    EXPECT_EQ(d.msg.text_option(opt::kBootfileName), "pxelinux.0");
    EXPECT_EQ(d.msg.text_option(opt::kTftpServerName), "tftp");
    // Overloaded fields are not text.
    EXPECT_EQ(d.msg.file_field(), "");
    EXPECT_EQ(d.msg.sname_field(), "");
    // Instances remember their area and offset.
    const DhcpOption* tftp = d.msg.find(opt::kTftpServerName);
    ASSERT_NE(tftp, nullptr);
    EXPECT_EQ(tftp->area, OptionArea::File);
    EXPECT_EQ(tftp->offset, kFileOffset);
    EXPECT_EQ(d.msg.file_trailing.size(), kFileSize - 14);
    EXPECT_EQ(d.msg.sname_trailing.size(), kSnameSize - 6);
    // Wire order in the model: options, then file, then sname.
    std::vector<OptionArea> areas;
    for (const auto& o : d.msg.options) {
        if (areas.empty() || areas.back() != o.area) areas.push_back(o.area);
    }
    EXPECT_EQ(areas, (std::vector<OptionArea>{OptionArea::Options, OptionArea::File, OptionArea::Sname}));
    EXPECT_NE(summarize(d.msg).find("[53=ACK 52=file+sname 67=\"pxelinux.0\\x00\" 66=\"tftp\"]"),
              std::string::npos)
        << summarize(d.msg);
    expect_round_trip(wire);
}

TEST(DhcpOverload, SnameOnlyLeavesFileAsText) {
    Bytes wire = dhcp_with({53, 1, 2, 52, 1, 2, 255}, 2);
    put_field(wire, kSnameOffset, {66, 12, 't', 'f', 't', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 255});
    put_field(wire, kFileOffset, {'b', 'o', 'o', 't', 'x', '6', '4', '.', 'e', 'f', 'i'});
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.file_field(), "bootx64.efi");
    EXPECT_EQ(d.msg.sname_field(), "");
    EXPECT_EQ(d.msg.text_option(opt::kTftpServerName), "tftp.example");
    expect_round_trip(wire);
}

TEST(DhcpOverload, EncoderWritesOverloadedFieldsFromInstances) {
    DhcpMessage m;
    m.op = 2;
    m.set_option_u8(opt::kMessageType, 5);
    m.set_option_u8(opt::kOverload, 1);
    m.options.push_back(DhcpOption{opt::kBootfileName, text("ipxe.efi"), OptionArea::File, 0});
    m.options.push_back(DhcpOption{opt::kEnd, {}, OptionArea::File, 0});
    m.finish();
    const Bytes wire = encode_dhcp(m);
    EXPECT_EQ(wire.size(), kBootpMinSize);
    EXPECT_EQ(wire[kFileOffset], opt::kBootfileName);
    EXPECT_EQ(wire[kFileOffset + 1], 8);
    EXPECT_EQ(wire[kFileOffset + 10], opt::kEnd);
    const auto d = decode_dhcp(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.msg.text_option(opt::kBootfileName), "ipxe.efi");
    // finish() put the main field's END before the file-area instances.
    EXPECT_EQ(d.msg.options[2].code, opt::kEnd);
    EXPECT_EQ(d.msg.options[2].area, OptionArea::Options);
}
