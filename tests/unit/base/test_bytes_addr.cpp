#include <gtest/gtest.h>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/bytes.hpp"

using namespace pxecheck;

TEST(ByteReader, ReadsBigEndianAndStopsAtEnd) {
    const Bytes data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader r(data);
    EXPECT_EQ(r.u8(), 0x01);
    EXPECT_EQ(r.u16(), 0x0203);
    EXPECT_EQ(r.u32(), 0x04050607u);
    EXPECT_FALSE(r.u8().has_value());
    EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, ShortReadLeavesPositionUnchanged) {
    const Bytes data{0xaa, 0xbb, 0xcc};
    ByteReader r(data);
    EXPECT_FALSE(r.u32().has_value());
    EXPECT_EQ(r.offset(), 0u);
    EXPECT_FALSE(r.take(4).has_value());
    EXPECT_EQ(r.u16(), 0xaabb);
}

TEST(ByteReader, CStringNeedsTerminator) {
    const Bytes good{'a', 'b', 0, 'c'};
    ByteReader r(good);
    EXPECT_EQ(r.cstring(), "ab");
    EXPECT_FALSE(r.cstring().has_value());
    EXPECT_EQ(r.offset(), 3u);
}

TEST(ByteWriter, WritesAndPatches) {
    ByteWriter w;
    w.u16(0);
    w.u32(0xdeadbeef);
    w.cstring("x");
    w.patch_u16(0, 0x1234);
    EXPECT_EQ(to_hex(w.buffer()), "1234deadbeef7800");
}

TEST(Hex, RoundTripAndRejectsOddDigits) {
    EXPECT_EQ(from_hex("63:82:53:63"), (Bytes{0x63, 0x82, 0x53, 0x63}));
    EXPECT_FALSE(from_hex("abc").has_value());
    EXPECT_FALSE(from_hex("zz").has_value());
    EXPECT_EQ(printable(Bytes{'P', 'X', 0x00}), "PX\\x00");
}

TEST(MacAddr, ParsesCommonForms) {
    auto a = MacAddr::parse("52:54:00:12:34:56");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->to_string(), "52:54:00:12:34:56");
    EXPECT_EQ(MacAddr::parse("52-54-00-12-34-56"), a);
    EXPECT_EQ(MacAddr::parse("525400123456"), a);
    EXPECT_FALSE(MacAddr::parse("52:54:00:12:34"));
    EXPECT_FALSE(MacAddr::parse("52:54-00:12:34:56"));
    EXPECT_FALSE(MacAddr::parse("52:54:00:12:34:5g"));
    EXPECT_TRUE(MacAddr::broadcast().is_broadcast());
    EXPECT_TRUE(MacAddr::broadcast().is_multicast());
}

TEST(Ipv4Addr, StrictDottedQuad) {
    auto a = Ipv4Addr::parse("192.168.14.200");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->value, 0xc0a80ec8u);
    EXPECT_EQ(a->to_string(), "192.168.14.200");
    EXPECT_FALSE(Ipv4Addr::parse("192.168.14"));
    EXPECT_FALSE(Ipv4Addr::parse("192.168.14.256"));
    EXPECT_FALSE(Ipv4Addr::parse("192.168.14.1 "));
    EXPECT_FALSE(Ipv4Addr::parse("1..2.3"));
    EXPECT_LT(*Ipv4Addr::parse("10.0.0.9"), *Ipv4Addr::parse("10.0.0.10"));
}
