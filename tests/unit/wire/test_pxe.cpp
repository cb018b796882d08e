// PXE contents: option 60 forms, options 93/94/97, and the option 43
// sub-options of PXE 2.1 table 2-1 with their anomalies.

#include <gtest/gtest.h>

#include <string>

#include "pxecheck/wire/pxe.hpp"

using namespace pxecheck;
using namespace pxecheck::wire;

namespace {

ByteView view(std::string_view s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

VendorClass vc(std::string_view s) { return parse_vendor_class(view(s)); }

/// Option 43 of Pixiecore's proxyDHCP OFFER
/// (netboot-bios-pxe-proxydhcp-tftp-rrq.pcap frame 2).
const Bytes kPixiecoreMenu = *from_hex(
    "060103"                                  // 6: discovery control = 3
    "0807800001c0a8100a"                      // 8: type 0x8000, 1 x 192.168.16.10
    "090c8000095069786965636f7265"            // 9: type 0x8000, "Pixiecore"
    "0a0a005069786965636f7265"                // 10: timeout 0, "Pixiecore"
    "ff");

const Anomaly* only(const PxeDecoded& d, std::string_view id) {
    EXPECT_EQ(d.anomalies.size(), 1u);
    for (const auto& a : d.anomalies) {
        if (a.id == id) return &a;
    }
    ADD_FAILURE() << "no " << id;
    return nullptr;
}

}  // namespace

// --- option 60 ---------------------------------------------------------------------

TEST(VendorClass, PxeClientForm) {
    const auto v = vc("PXEClient:Arch:00000:UNDI:002001");
    EXPECT_TRUE(v.pxe);
    EXPECT_FALSE(v.http);
    EXPECT_TRUE(v.well_formed);
    EXPECT_EQ(v.problem, "");
    EXPECT_EQ(v.arch, 0);
    EXPECT_EQ(v.undi_major, 2);
    EXPECT_EQ(v.undi_minor, 1);
    EXPECT_EQ(v.text, "PXEClient:Arch:00000:UNDI:002001");
}

TEST(VendorClass, HttpClientForm) {
    const auto v = vc("HTTPClient:Arch:00016:UNDI:003000");
    EXPECT_TRUE(v.http);
    EXPECT_FALSE(v.pxe);
    EXPECT_TRUE(v.well_formed) << v.problem;
    EXPECT_EQ(v.arch, 16);
    EXPECT_EQ(v.undi_major, 3);
    EXPECT_EQ(v.undi_minor, 0);
}

TEST(VendorClass, BareServerForms) {
    auto v = vc("PXEClient");
    EXPECT_TRUE(v.pxe);
    EXPECT_FALSE(v.well_formed);
    EXPECT_EQ(v.problem, "bare \"PXEClient\" (the server form, no Arch/UNDI fields)");
    EXPECT_FALSE(v.arch);
    v = vc("HTTPClient");
    EXPECT_TRUE(v.http);
    EXPECT_FALSE(v.well_formed);
}

TEST(VendorClass, MakeBuildsTheClientForm) {
    EXPECT_EQ(make_pxe_vendor_class(7, 3, 16), "PXEClient:Arch:00007:UNDI:003016");
    EXPECT_EQ(make_pxe_vendor_class(16, 3, 0, true), "HTTPClient:Arch:00016:UNDI:003000");
    const auto s = make_pxe_vendor_class(65535, 255, 255);
    EXPECT_EQ(s.size(), 32u);
    EXPECT_TRUE(vc(s).well_formed);
}

TEST(VendorClass, WrongCaseIsNotPxe) {
    const auto v = vc("pxeclient:Arch:00000:UNDI:002001");
    EXPECT_FALSE(v.pxe);
    EXPECT_FALSE(v.well_formed);
    EXPECT_EQ(v.problem, "prefix \"pxeclient\" differs in case from \"PXEClient\" (case-sensitive)");
}

TEST(VendorClass, ShortArchDigits) {
    const auto v = vc("PXEClient:Arch:7:UNDI:003016");
    EXPECT_TRUE(v.pxe);
    EXPECT_FALSE(v.well_formed);
    EXPECT_EQ(v.problem, "28 octets instead of 32; architecture \"7\" is not 5 decimal digits");
    EXPECT_EQ(v.arch, 7);  // still readable
    EXPECT_EQ(v.undi_major, 3);
}

TEST(VendorClass, BadUndiAndFieldNames) {
    auto v = vc("PXEClient:arch:00000:UNDI:0020x1");
    EXPECT_FALSE(v.well_formed);
    EXPECT_EQ(v.problem,
              "expected \"Arch\", got \"arch\"; UNDI version \"0020x1\" is not 6 decimal digits (MMMmmm)");
    EXPECT_EQ(v.arch, 0);
    EXPECT_FALSE(v.undi_major);

    v = vc("PXEClient:Arch:00000");
    EXPECT_EQ(v.problem, "20 octets instead of 32; missing the \"UNDI\" field");
    v = vc("PXEClient:Arch:99999:UNDI:300001");
    EXPECT_EQ(v.problem,
              "architecture 99999 does not fit 16 bits; UNDI version 300001 does not fit two octets");
}

TEST(VendorClass, TrailingNulAndExtraFields) {
    // A NUL-terminated server form, as the tianocore BZ17 server sends it.
    auto v = parse_vendor_class(Bytes{'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', 0});
    EXPECT_TRUE(v.pxe);
    EXPECT_EQ(v.problem,
              "bare \"PXEClient\" (the server form, no Arch/UNDI fields); ends with a NUL octet (RFC 2132 §2: "
              "text options should not)");

    const Bytes client_nul = [] {
        std::string s = "PXEClient:Arch:00007:UNDI:003016";
        Bytes b(s.begin(), s.end());
        b.push_back(0);
        return b;
    }();
    v = parse_vendor_class(client_nul);
    EXPECT_FALSE(v.well_formed);
    EXPECT_EQ(v.arch, 7);
    EXPECT_EQ(v.problem, "33 octets instead of 32; ends with a NUL octet (RFC 2132 §2: text options should not)");

    v = vc("PXEClient:Arch:00000:UNDI:002001:extra");
    EXPECT_EQ(v.problem, "38 octets instead of 32; unexpected text after the UNDI field: \":extra\"");
}

TEST(VendorClass, NotPxeAtAll) {
    const auto v = vc("MSFT 5.0");
    EXPECT_FALSE(v.pxe);
    EXPECT_FALSE(v.http);
    EXPECT_EQ(v.problem, "does not start with \"PXEClient\" or \"HTTPClient\"");
    EXPECT_FALSE(vc("").well_formed);
    EXPECT_EQ(vc("PXEClientX").problem, "unexpected text after the prefix: \"X\"");
}

// --- 93 / 94 / 97 -----------------------------------------------------------------------

TEST(ClientArch, ParsesPairsAndRejectsOddLengths) {
    EXPECT_EQ(parse_client_arch(Bytes{0, 7}), (std::vector<std::uint16_t>{7}));
    EXPECT_EQ(parse_client_arch(Bytes{0, 7, 0, 9, 0x01, 0x00}), (std::vector<std::uint16_t>{7, 9, 256}));
    EXPECT_FALSE(parse_client_arch(Bytes{0, 7, 0}));
    EXPECT_FALSE(parse_client_arch(Bytes{}));
}

TEST(ClientArch, IanaNamesWithTheErratum) {
    EXPECT_EQ(arch_name(0), "x86 BIOS");
    EXPECT_EQ(arch_name(6), "x86 UEFI");
    EXPECT_EQ(arch_name(7), "x64 UEFI");
    EXPECT_EQ(arch_name(9), "EBC");
    EXPECT_EQ(arch_name(11), "ARM64 UEFI");
    EXPECT_EQ(arch_name(16), "x64 UEFI HTTP");
    EXPECT_EQ(arch_name(41), "ARM rpiboot");
    EXPECT_EQ(arch_name(42), "unknown");
    EXPECT_EQ(arch_name(0xffff), "unknown");
}

TEST(ClientNdi, ExactlyThreeOctets) {
    const auto n = parse_client_ndi(Bytes{1, 3, 16});
    ASSERT_TRUE(n);
    EXPECT_EQ(n->type, 1);
    EXPECT_EQ(n->major, 3);
    EXPECT_EQ(n->minor, 16);
    EXPECT_FALSE(parse_client_ndi(Bytes{1, 3}));
    EXPECT_FALSE(parse_client_ndi(Bytes{1, 3, 16, 0}));
}

TEST(ClientUuid, SeventeenOctetsShownAsOnTheWire) {
    Bytes v{0};
    for (std::uint8_t i = 0; i < 16; ++i) v.push_back(static_cast<std::uint8_t>(0x10 + i));
    const auto u = parse_client_uuid(v);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->type, 0);
    EXPECT_EQ(u->to_string(), "10111213-1415-1617-1819-1a1b1c1d1e1f");
    EXPECT_FALSE(parse_client_uuid(Bytes(16, 0)));
}

// --- option 43 ---------------------------------------------------------------------------

TEST(PxeOptions, PixiecoreMenuFromCapture) {
    const auto d = decode_pxe_options(kPixiecoreMenu);
    EXPECT_TRUE(d.anomalies.empty());
    const auto& v = d.value;
    ASSERT_EQ(v.items.size(), 4u);
    EXPECT_EQ(v.items[1].code, pxeopt::kBootServers);
    EXPECT_EQ(v.items[1].offset, 3u);
    EXPECT_TRUE(v.end_present);
    EXPECT_TRUE(v.trailing.empty());
    EXPECT_EQ(v.discovery_control, 3);
    ASSERT_EQ(v.boot_servers.size(), 1u);
    EXPECT_EQ(v.boot_servers[0].addresses.at(0).to_string(), "192.168.16.10");
    ASSERT_EQ(v.menu.size(), 1u);
    EXPECT_EQ(v.menu[0].description, "Pixiecore");
    EXPECT_EQ(v.prompt->timeout, 0);
    EXPECT_FALSE(v.boot_item);
    EXPECT_EQ(v.find(pxeopt::kMenuPrompt)->data.size(), 10u);
    EXPECT_EQ(v.find(pxeopt::kBootItem), nullptr);
    EXPECT_EQ(encode_pxe_options(v), kPixiecoreMenu);
}

TEST(PxeOptions, MenuWithSeveralItemsAndWaitForeverPrompt) {
    const Bytes wire{9, 18,
                     0x00, 0x00, 5, 'L', 'o', 'c', 'a', 'l',                  // type 0: local boot
                     0x80, 0x01, 7, 'I', 'n', 's', 't', 'a', 'l', 'l',        // vendor type
                     10, 5, 255, 'M', 'e', 'n', 'u',                          // no timeout
                     255};
    const auto d = decode_pxe_options(wire);
    EXPECT_TRUE(d.anomalies.empty());
    ASSERT_EQ(d.value.menu.size(), 2u);
    EXPECT_EQ(d.value.menu[0].type, 0);
    EXPECT_EQ(d.value.menu[0].description, "Local");
    EXPECT_EQ(d.value.menu[1].type, 0x8001);
    EXPECT_EQ(d.value.menu[1].description, "Install");
    EXPECT_EQ(d.value.prompt->timeout, 255);
    EXPECT_EQ(d.value.prompt->text, "Menu");
    EXPECT_EQ(encode_pxe_options(d.value), wire);
}

TEST(PxeOptions, BootServersAndMulticastAddress) {
    const Bytes wire{6, 1, 0x04,                                             // server list only
                     7, 4, 239, 0, 0, 1,
                     8, 18,
                     0x80, 0x00, 2, 10, 0, 0, 1, 10, 0, 0, 2,                // two servers
                     0x00, 0x05, 1, 10, 0, 0, 3,
                     255};
    const auto d = decode_pxe_options(wire);
    EXPECT_TRUE(d.anomalies.empty());
    EXPECT_EQ(d.value.discovery_control, discovery::kServerListOnly);
    EXPECT_EQ(d.value.discovery_mcast, Ipv4Addr::from_octets(239, 0, 0, 1));
    ASSERT_EQ(d.value.boot_servers.size(), 2u);
    EXPECT_EQ(d.value.boot_servers[0].type, 0x8000);
    EXPECT_EQ(d.value.boot_servers[0].addresses.size(), 2u);
    EXPECT_EQ(d.value.boot_servers[1].type, 5);
    EXPECT_EQ(d.value.boot_servers[1].addresses[0], Ipv4Addr::from_octets(10, 0, 0, 3));
    EXPECT_EQ(encode_pxe_options(d.value), wire);
}

TEST(PxeOptions, BootItemFromClientRequest) {
    // netboot frame 6: the ROM's ProxyDHCP REQUEST to 4011 asks for item 0x8000, layer 0.
    const Bytes wire{71, 4, 0x80, 0x00, 0x00, 0x00, 255};
    const auto d = decode_pxe_options(wire);
    EXPECT_TRUE(d.anomalies.empty());
    ASSERT_TRUE(d.value.boot_item);
    EXPECT_EQ(d.value.boot_item->type, 0x8000);
    EXPECT_EQ(d.value.boot_item->layer, 0);

    PxeVendorOptions v;
    v.boot_item = PxeBootItem{0x8000, 0x8000};  // layer bit 15: credentials wanted
    EXPECT_EQ(encode_pxe_options(v), (Bytes{71, 4, 0x80, 0x00, 0x80, 0x00, 255}));
}

TEST(PxeOptions, EncodeOrderTypedThenRawItems) {
    PxeVendorOptions v;
    v.items.push_back(PxeSubOption{pxeopt::kMtftpIp, {224, 1, 1, 1}, 0});
    v.items.push_back(PxeSubOption{pxeopt::kDiscoveryControl, {0x0f}, 0});  // replaced by the typed value
    v.boot_item = PxeBootItem{1, 0};
    v.discovery_control = 0x03;
    EXPECT_EQ(encode_pxe_options(v), (Bytes{6, 1, 3, 71, 4, 0, 1, 0, 0, 1, 4, 224, 1, 1, 1, 255}));
    EXPECT_EQ(encode_pxe_options(PxeVendorOptions{}), (Bytes{255}));
}

TEST(PxeAnomaly, PxeTruncatedSuboption) {
    const Bytes wire{6, 1, 3, 9, 20, 0x80, 0x00, 3, 'a'};
    const auto d = decode_pxe_options(wire);
    const Anomaly* a = only(d, "pxe.truncated_suboption");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 3u);
    EXPECT_EQ(a->detail, "43.9 claims 20 octets, 4 left in option 43");
    EXPECT_EQ(d.value.items.size(), 1u);
    EXPECT_EQ(d.value.trailing, (Bytes{9, 20, 0x80, 0x00, 3, 'a'}));
    EXPECT_FALSE(d.value.end_present);

    const auto no_len = decode_pxe_options(Bytes{6, 1, 3, 10});
    EXPECT_EQ(only(no_len, "pxe.truncated_suboption")->detail, "43.10 at 3 has no length octet");
}

TEST(PxeAnomaly, PxeMissingEnd) {
    const auto d = decode_pxe_options(Bytes{6, 1, 3});
    const Anomaly* a = only(d, "pxe.missing_end");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 3u);
    EXPECT_EQ(d.value.discovery_control, 3);  // what was there is still used
}

TEST(PxeAnomaly, PxeDataAfterEnd) {
    const auto d = decode_pxe_options(Bytes{6, 1, 3, 255, 0, 7});
    const Anomaly* a = only(d, "pxe.data_after_end");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 5u);
    EXPECT_EQ(d.value.trailing, (Bytes{0, 7}));
    EXPECT_TRUE(decode_pxe_options(Bytes{6, 1, 3, 255, 0, 0}).anomalies.empty());
}

TEST(PxeAnomaly, PxeBadSuboptionLength) {
    struct Case {
        Bytes wire;
        std::string detail;
    };
    const Case cases[] = {
        {{6, 2, 3, 0, 255}, "43.6 has 2 octets, expected 1 (PXE 2.1 table 2-1)"},
        {{7, 3, 239, 0, 0, 255}, "43.7 has 3 octets, expected 4 (PXE 2.1 table 2-1)"},
        {{71, 3, 0x80, 0, 0, 255}, "43.71 has 3 octets, expected 4 (PXE 2.1 table 2-1)"},
        {{8, 3, 0x80, 0, 0, 255}, "43.8 entry at 0 lists no address (PXE 2.1 table 2-1)"},
        {{8, 7, 0x80, 0, 2, 10, 0, 0, 1, 255}, "43.8 entry at 0 claims 2 addresses, 4 octets left (PXE 2.1 table 2-1)"},
        {{9, 4, 0x80, 0, 9, 'P', 255},
         "43.9 entry at 0 claims a 9-octet description, 1 octets left (PXE 2.1 table 2-1)"},
        {{9, 2, 0x80, 0, 255}, "43.9 entry at 0 needs 3 octets (type, length), 2 left (PXE 2.1 table 2-1)"},
        {{10, 0, 255}, "43.10 is empty, expected a timeout octet and prompt text (PXE 2.1 table 2-1)"},
        {{1, 2, 0, 0, 255}, "43.1 has 2 octets, expected 4 (PXE 2.1 table 2-1)"},
        {{12, 3, 1, 2, 3, 255}, "43.12 has 3 octets, expected a multiple of 4 (PXE 2.1 table 2-1)"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(to_hex(c.wire));
        const auto d = decode_pxe_options(c.wire);
        const Anomaly* a = only(d, "pxe.bad_suboption_length");
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->offset, 0u);
        EXPECT_EQ(a->detail, c.detail);
        // The raw item stays; its typed view does not appear.
        EXPECT_EQ(d.value.items.size(), 1u);
        EXPECT_FALSE(d.value.discovery_control);
        EXPECT_FALSE(d.value.discovery_mcast);
        EXPECT_FALSE(d.value.boot_item);
        EXPECT_FALSE(d.value.prompt);
        EXPECT_TRUE(d.value.boot_servers.empty());
        EXPECT_TRUE(d.value.menu.empty());
    }
}

TEST(PxeAnomaly, NonPxeVendorDataNeverCrashes) {
    // Option 43 from a non-PXE vendor is opaque; decoding it as PXE yields
    // anomalies, never a crash.
    for (std::size_t n = 0; n <= kPixiecoreMenu.size(); ++n) {
        const auto d = decode_pxe_options(ByteView(kPixiecoreMenu).first(n));
        (void)encode_pxe_options(d.value);
    }
    const auto d = decode_pxe_options(Bytes{0x01, 0x04, 0xc0, 0xa8});
    EXPECT_TRUE(has_anomaly(d.anomalies, "pxe.truncated_suboption"));
}
