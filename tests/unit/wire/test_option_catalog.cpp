// The option catalogue: coverage, the RFC 2132 length rules, names and the
// rendering of values for people.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/option_catalog.hpp"

using namespace pxecheck;
using namespace pxecheck::wire;

namespace {

std::string fmt(std::uint8_t code, const Bytes& data) { return format_option_value(code, data); }

std::string fmt(std::uint8_t code, std::string_view s) { return format_option_value(code, Bytes(s.begin(), s.end())); }

}  // namespace

TEST(OptionCatalog, OrderedAndUnique) {
    const auto table = option_catalog();
    ASSERT_FALSE(table.empty());
    for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].code, table[i].code);
    for (const auto& row : table) {
        EXPECT_EQ(option_info(row.code), &row);
        EXPECT_FALSE(row.name.empty());
        EXPECT_FALSE(row.source.empty());
        EXPECT_LE(row.min_len, row.max_len) << int{row.code};
        EXPECT_GE(row.multiple, 1) << int{row.code};
    }
}

TEST(OptionCatalog, CoversRfc2132AndThePxeOptions) {
    // RFC 2132 defines 0-61 and 64-76 (62/63 came later, RFC 2242).
    for (int code = 0; code <= 76; ++code) {
        const OptionInfo* info = option_info(static_cast<std::uint8_t>(code));
        ASSERT_NE(info, nullptr) << code;
        if (code != 62 && code != 63) {
            EXPECT_TRUE(info->source.starts_with("RFC 2132 §")) << code << " " << info->source;
        }
    }
    for (int code : {77, 81, 82, 93, 94, 97, 119, 121, 125, 128, 129, 130, 131, 132, 133, 134, 135, 150, 175, 208,
                     209, 210, 211, 252, 255}) {
        EXPECT_NE(option_info(static_cast<std::uint8_t>(code)), nullptr) << code;
    }
    EXPECT_EQ(option_info(240), nullptr);
    EXPECT_EQ(option_info(53)->source, "RFC 2132 §9.6");
    EXPECT_EQ(option_info(52)->source, "RFC 2132 §9.3");
    EXPECT_EQ(option_info(67)->source, "RFC 2132 §9.5");
    EXPECT_EQ(option_info(93)->source, "RFC 4578 §2.1");
    EXPECT_EQ(option_info(43)->format, OptionFormat::VendorEncapsulated);
    EXPECT_EQ(option_info(97)->format, OptionFormat::Uuid);
}

TEST(OptionCatalog, FixedLengthsOfRfc2132Section9) {
    for (std::uint8_t code : {50, 51, 54, 58, 59}) {
        EXPECT_TRUE(option_length_ok(code, 4)) << int{code};
        EXPECT_FALSE(option_length_ok(code, 3)) << int{code};
        EXPECT_FALSE(option_length_ok(code, 5)) << int{code};
    }
    for (std::uint8_t code : {52, 53}) {
        EXPECT_TRUE(option_length_ok(code, 1));
        EXPECT_FALSE(option_length_ok(code, 0));
        EXPECT_FALSE(option_length_ok(code, 2));
    }
    EXPECT_TRUE(option_length_ok(57, 2));
    EXPECT_FALSE(option_length_ok(57, 1));
    EXPECT_FALSE(option_length_ok(57, 4));
}

TEST(OptionCatalog, MinimumsAndMultiples) {
    for (std::uint8_t code : {55, 56, 60, 66, 67}) {
        EXPECT_FALSE(option_length_ok(code, 0)) << int{code};
        EXPECT_TRUE(option_length_ok(code, 1)) << int{code};
        EXPECT_TRUE(option_length_ok(code, 300)) << int{code};  // joined RFC 3396 values
    }
    EXPECT_FALSE(option_length_ok(61, 1));
    EXPECT_TRUE(option_length_ok(61, 2));
    for (std::uint8_t code : {3, 6, 42, 44, 150}) {
        EXPECT_FALSE(option_length_ok(code, 0)) << int{code};
        EXPECT_TRUE(option_length_ok(code, 4)) << int{code};
        EXPECT_FALSE(option_length_ok(code, 6)) << int{code};
        EXPECT_TRUE(option_length_ok(code, 8)) << int{code};
    }
    EXPECT_TRUE(option_length_ok(33, 16));
    EXPECT_FALSE(option_length_ok(33, 12));
    EXPECT_TRUE(option_length_ok(68, 0));  // RFC 2132 §8.13: zero or more agents
    EXPECT_TRUE(option_length_ok(93, 4));
    EXPECT_FALSE(option_length_ok(93, 3));
    EXPECT_TRUE(option_length_ok(94, 3));
    EXPECT_FALSE(option_length_ok(97, 16));
    EXPECT_TRUE(option_length_ok(97, 17));
    EXPECT_TRUE(option_length_ok(208, 4));
    EXPECT_FALSE(option_length_ok(211, 2));
    EXPECT_TRUE(option_length_ok(240, 0));  // unknown codes: anything goes
}

TEST(OptionCatalog, Names) {
    EXPECT_EQ(option_name(53), "message-type(53)");
    EXPECT_EQ(option_name(67), "bootfile-name(67)");
    EXPECT_EQ(option_name(240), "option-240");
}

TEST(OptionFormat, AddressesAndNumbers) {
    EXPECT_EQ(fmt(54, Bytes{192, 168, 14, 200}), "192.168.14.200");
    EXPECT_EQ(fmt(3, Bytes{10, 0, 0, 1, 10, 0, 0, 2}), "10.0.0.1,10.0.0.2");
    EXPECT_EQ(fmt(33, Bytes{10, 1, 0, 0, 10, 0, 0, 1}), "10.1.0.0/10.0.0.1");
    EXPECT_EQ(fmt(51, Bytes{0, 1, 0x51, 0x80}), "86400s");
    EXPECT_EQ(fmt(51, Bytes{0xff, 0xff, 0xff, 0xff}), "infinite");
    EXPECT_EQ(fmt(2, Bytes{0xff, 0xff, 0xf1, 0xf0}), "-3600s");
    EXPECT_EQ(fmt(57, Bytes{0x02, 0x40}), "576");
    EXPECT_EQ(fmt(23, Bytes{64}), "64");
    EXPECT_EQ(fmt(19, Bytes{1}), "true");
    EXPECT_EQ(fmt(25, Bytes{0x01, 0x28, 0x05, 0xdc}), "296,1500");
    EXPECT_EQ(fmt(55, Bytes{1, 3, 6, 43, 60}), "1,3,6,43,60");
}

TEST(OptionFormat, WrongSizesFallBackToHex) {
    EXPECT_EQ(fmt(54, Bytes{10, 0, 0}), "0x0a0000");
    EXPECT_EQ(fmt(53, Bytes{1, 2}), "0x0102");
    EXPECT_EQ(fmt(3, Bytes{1, 2, 3, 4, 5}), "0x0102030405");
    EXPECT_EQ(fmt(93, Bytes{0}), "0x00");
    EXPECT_EQ(fmt(240, Bytes{0xde, 0xad}), "0xdead");
    EXPECT_EQ(fmt(240, Bytes{}), "0x");
}

TEST(OptionFormat, DhcpSpecific) {
    EXPECT_EQ(fmt(53, Bytes{2}), "OFFER");
    EXPECT_EQ(fmt(53, Bytes{9}), "FORCERENEW");
    EXPECT_EQ(fmt(53, Bytes{18}), "DHCPTLS");
    EXPECT_EQ(fmt(53, Bytes{19}), "TYPE(19)");
    EXPECT_EQ(fmt(52, Bytes{3}), "file+sname");
    EXPECT_EQ(fmt(61, Bytes{1, 0x52, 0x54, 0, 0x12, 0x34, 0x56}), "01:52:54:00:12:34:56");
    EXPECT_EQ(fmt(82, Bytes{1, 2, 0xab, 0xcd}), "01:02:ab:cd");
    EXPECT_EQ(fmt(80, Bytes{}), "");
}

TEST(OptionFormat, Text) {
    EXPECT_EQ(fmt(60, "PXEClient"), "\"PXEClient\"");
    EXPECT_EQ(fmt(67, Bytes{'a', '.', '0', 0}), "\"a.0\\x00\"");
    EXPECT_EQ(fmt(12, "a\"b"), "\"a\"b\"");
}

TEST(OptionFormat, PxeOptions) {
    EXPECT_EQ(fmt(93, Bytes{0, 0}), "0(x86 BIOS)");
    EXPECT_EQ(fmt(93, Bytes{0, 7, 0, 9}), "7(x64 UEFI),9(EBC)");
    EXPECT_EQ(fmt(94, Bytes{1, 2, 1}), "UNDI 2.1");
    EXPECT_EQ(fmt(94, Bytes{2, 3, 0}), "type2 3.0");
    Bytes uuid(17, 0);
    uuid[1] = 0xab;
    EXPECT_EQ(fmt(97, uuid), "ab000000-0000-0000-0000-000000000000");
    uuid[0] = 1;
    EXPECT_EQ(fmt(97, uuid), "type1:ab000000-0000-0000-0000-000000000000");
    // 43 shown as PXE sub-options when it parses as such, else as hex.
    EXPECT_EQ(fmt(43, Bytes{6, 1, 8, 71, 4, 0x80, 0, 0, 0, 255}), "{6=0x08,71=32768/0}");
    EXPECT_EQ(fmt(43, Bytes{1, 4, 224, 0, 1, 1, 2, 2, 0x05, 0xdd, 4, 1, 2, 255}),
              "{1=224.0.1.1,2=1501,4=2s}");
    EXPECT_EQ(fmt(43, Bytes{0x01, 0x04, 0xc0, 0xa8}), "0x0104c0a8");      // truncated: not PXE
    EXPECT_EQ(fmt(43, Bytes{0x64, 0x01, 0x00, 0xff}), "0x640100ff");      // 100 is no PXE sub-option
    EXPECT_EQ(fmt(43, Bytes{8, 7, 0x80, 0, 1, 10, 0, 0, 1, 9, 7, 0x80, 0, 4, 'B', 'o', 'o', 't', 255}),
              "{8=[32768:10.0.0.1],9=[32768:\"Boot\"]}");
}

TEST(OptionFormat, StructuredOptions) {
    // RFC 3397: "example.com" then "eng.example.com" with a pointer to offset 0.
    const Bytes search{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
                       3, 'e', 'n', 'g', 0xc0, 0x00};
    EXPECT_EQ(fmt(119, search), "example.com,eng.example.com");
    EXPECT_EQ(fmt(119, Bytes{0xc0, 0x00}), "0xc000");  // pointer loop
    EXPECT_EQ(fmt(119, Bytes{5, 'a'}), "0x0561");     // truncated label
    // RFC 3442: 10.0.0.0/8 via 192.168.1.1, default via 192.168.1.254.
    EXPECT_EQ(fmt(121, Bytes{8, 10, 192, 168, 1, 1, 0, 192, 168, 1, 254}),
              "10.0.0.0/8->192.168.1.1,0.0.0.0/0->192.168.1.254");
    EXPECT_EQ(fmt(121, Bytes{33, 1, 2, 3, 4, 5, 6, 7, 8, 9}), "0x21010203040506070809");
    // RFC 3004 items, and iPXE's bare "iPXE" shown as text.
    EXPECT_EQ(fmt(77, Bytes{4, 'i', 'P', 'X', 'E', 2, 'h', 'i'}), "[\"iPXE\",\"hi\"]");
    EXPECT_EQ(fmt(77, "iPXE"), "\"iPXE\"");
}
