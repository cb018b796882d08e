#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pxecheck/wire/tftp.hpp"

using namespace pxecheck;
using namespace pxecheck::wire;

namespace {

Bytes hex(std::string_view s) {
    auto b = from_hex(s);
    EXPECT_TRUE(b.has_value()) << s;
    return b.value_or(Bytes{});
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// The one anomaly with \p id; fails the test when there is not exactly one.
const Anomaly* only(const Anomalies& list, std::string_view id) {
    const Anomaly* found = nullptr;
    int n = 0;
    for (const auto& a : list) {
        if (a.id == id) {
            found = &a;
            ++n;
        }
    }
    EXPECT_EQ(n, 1) << "anomaly " << id;
    return found;
}

std::string ids(const Anomalies& list) {
    std::string s;
    for (const auto& a : list) s += a.id + "@" + std::to_string(a.offset) + " ";
    return s;
}

// UDP payloads of real TFTP packets, as tshark -T fields -e udp.payload shows
// them, from the files under captures/public/ (MANIFEST.md names their sources).
struct Fixture {
    const char* where;
    const char* hex;
    const char* summary;
    std::vector<std::string> anomalies;
};

const std::vector<Fixture>& fixtures() {
    static const std::vector<Fixture> all = {
        // tcpdump-tftp-rrq-basic.pcap frame 1: RRQ file1 octet
        {"tcpdump#1", "000166696c6531006f6374657400", R"(RRQ "file1" octet)", {}},
        // tcpdump-tftp-rrq-basic.pcap frame 3: ACK 1
        {"tcpdump#3", "00040001", "ACK 1", {}},
        // tcpdump-tftp-rrq-basic.pcap frame 6: DATA 3, 105 bytes, the last block
        {"tcpdump#6",
         "000300037570706f7274656422203e26320a096578697420330a093b3b0a202073746f70290a09646f5f"
         "73746f700a093b3b0a20202a290a096563686f202255736167653a2024302073746172747c73746f70"
         "22203e26320a096578697420330a093b3b0a657361630a0a3a0a",
         "DATA 3 (105)",
         {}},
        // spicy-tftp-oack-blksize-loopback.pcap frame 1: RRQ hello.txt octet blksize=256
        {"spicy#1", "000168656c6c6f2e747874006f6374657400626c6b73697a650032353600",
         R"(RRQ "hello.txt" octet blksize=256)",
         {}},
        // spicy-tftp-oack-blksize-loopback.pcap frame 2: OACK blksize=256
        {"spicy#2", "0006626c6b73697a650032353600", "OACK blksize=256", {}},
        // spicy-tftp-oack-blksize-loopback.pcap frame 3: ACK 0 (accepts the OACK)
        {"spicy#3", "00040000", "ACK 0", {}},
        // spicy-tftp-oack-blksize-loopback.pcap frame 6: DATA 2, 190 bytes, last
        {"spicy#6",
         "0003000220726570726568656e646572697420696e20766f6c7570746174652076656c69742065737365"
         "2063696c6c756d20646f6c6f726520657520667567696174206e756c6c61207061726961747572"
         "2e204578636570746575722073696e74206f6363616563617420637570696461746174206e6f6e"
         "2070726f6964656e742c2073756e7420696e2063756c706120717569206f666669636961206465"
         "736572756e74206d6f6c6c697420616e696d20696420657374206c61626f72756d2e0a",
         "DATA 2 (190)",
         {}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 1: RRQ License.txt octet
        {"iagox86#1", "00014c6963656e73652e747874006f6374657400", R"(RRQ "License.txt" octet)", {}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 3: ACK 0 during a read
        {"iagox86#3", "00040000", "ACK 0", {}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 9: opcode 0xbeef, nothing else
        {"iagox86#9", "beef", "OP(48879)", {"tftp.unknown_opcode"}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 10: ERROR with code 62620
        {"iagox86#10",
         "0005f49c4e6f7420646566696e65642c20736565206572726f72206d65737361676528696620616e79292e00",
         R"(ERROR 62620 (code 62620) "Not defined, see error message(if any).")",
         {"tftp.bad_error_code"}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 11: WRQ nessus-test.txt octet
        {"iagox86#11", "00026e65737375732d746573742e747874006f6374657400",
         R"(WRQ "nessus-test.txt" octet)",
         {}},
        // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 13: DATA 1, 87 bytes
        {"iagox86#13",
         "0003000154686973206973206120746573742066696c652067656e65726174656420627920746865"
         "204e6573737573205365637572697479205363616e6e65722e204974206973207361666520746f20"
         "64656c6574652e0d0a0d0a",
         "DATA 1 (87)",
         {}},
        // netboot-bios-pxe-proxydhcp-tftp-rrq.pcap frame 8: BIOS PXE ROM, RRQ boot tsize=0
        {"netboot#8", "0001626f6f74006f63746574007473697a65003000", R"(RRQ "boot" octet tsize=0)", {}},
        // netboot-bios-pxe-proxydhcp-tftp-rrq.pcap frame 9: the same ROM, RRQ boot blksize=1456
        {"netboot#9", "0001626f6f74006f6374657400626c6b73697a65003134353600",
         R"(RRQ "boot" octet blksize=1456)",
         {}},
    };
    return all;
}

}  // namespace

TEST(TftpCapture, RealPacketsRoundTripByteForByte) {
    for (const auto& f : fixtures()) {
        SCOPED_TRACE(f.where);
        const Bytes wire = hex(f.hex);
        const auto d = decode_tftp(wire);
        EXPECT_EQ(encode_tftp(d.pkt), wire);
        EXPECT_EQ(summarize(d.pkt), f.summary);
        std::vector<std::string> got;
        for (const auto& a : d.anomalies) got.push_back(a.id);
        EXPECT_EQ(got, f.anomalies) << ids(d.anomalies);
        EXPECT_FALSE(d.pkt.fields_present.has_value());
        EXPECT_TRUE(d.pkt.trailing.empty());
    }
}

TEST(TftpCapture, RrqFieldsFromSpicyOack) {
    // spicy-tftp-oack-blksize-loopback.pcap frame 1
    const auto d = decode_tftp(hex("000168656c6c6f2e747874006f6374657400626c6b73697a650032353600"));
    EXPECT_EQ(d.pkt.op(), TftpOpcode::Rrq);
    EXPECT_EQ(d.pkt.filename, "hello.txt");
    EXPECT_EQ(d.pkt.mode, "octet");
    ASSERT_EQ(d.pkt.options.size(), 1u);
    EXPECT_EQ(d.pkt.options[0], (TftpOption{"blksize", "256"}));
    EXPECT_EQ(d.pkt.option_number("BLKSIZE"), 256u);
}

TEST(TftpCapture, OackAndPxeTsize) {
    // spicy-tftp-oack-blksize-loopback.pcap frame 2
    const auto oack = decode_tftp(hex("0006626c6b73697a650032353600"));
    EXPECT_EQ(oack.pkt.op(), TftpOpcode::Oack);
    EXPECT_EQ(oack.pkt.option("blksize"), "256");
    // netboot-bios-pxe-proxydhcp-tftp-rrq.pcap frame 8: PXE ROMs ask for the size first
    const auto rrq = decode_tftp(hex("0001626f6f74006f63746574007473697a65003000"));
    EXPECT_EQ(rrq.pkt.option_number("tsize"), 0u);
    EXPECT_FALSE(rrq.pkt.option("blksize").has_value());
}

TEST(TftpCapture, ErrorWithUndefinedCode) {
    // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 10: the server answers a
    // bad opcode with error code 62620, outside RFC 1350's 0-8.
    const auto d = decode_tftp(hex(
        "0005f49c4e6f7420646566696e65642c20736565206572726f72206d65737361676528696620616e79292e00"));
    EXPECT_EQ(d.pkt.op(), TftpOpcode::Error);
    EXPECT_EQ(d.pkt.error_code, 62620);
    EXPECT_EQ(d.pkt.error_message, "Not defined, see error message(if any).");
    const auto* a = only(d.anomalies, "tftp.bad_error_code");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 2u);
    EXPECT_NE(a->detail.find("62620"), std::string::npos) << a->detail;
}

TEST(TftpCapture, UnknownOpcodeKeepsItsValue) {
    // iagox86-tftp-ack0-badopcode-errorcode.pcap frame 9
    const auto d = decode_tftp(hex("beef"));
    EXPECT_EQ(d.pkt.opcode, 0xbeef);
    EXPECT_FALSE(d.pkt.op().has_value());
    const auto* a = only(d.anomalies, "tftp.unknown_opcode");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 0u);
    EXPECT_NE(a->detail.find("48879"), std::string::npos) << a->detail;
    EXPECT_NE(a->detail.find("0xbeef"), std::string::npos) << a->detail;
}

TEST(TftpBuild, BuildersEncodeTheRfcLayout) {
    EXPECT_EQ(encode_tftp(make_rrq("pxelinux.0", "octet", {{"blksize", "1432"}, {"tsize", "0"}})),
              cat({hex("0001"), text("pxelinux.0"), {0}, text("octet"), {0}, text("blksize"), {0},
                   text("1432"), {0}, text("tsize"), {0}, text("0"), {0}}));
    EXPECT_EQ(encode_tftp(make_wrq("up.bin", "netascii")),
              cat({hex("0002"), text("up.bin"), {0}, text("netascii"), {0}}));
    const Bytes block{1, 2, 3};
    EXPECT_EQ(encode_tftp(make_data(0x1234, block)), hex("0003 1234 010203"));
    EXPECT_EQ(encode_tftp(make_data(1, {})), hex("00030001"));
    EXPECT_EQ(encode_tftp(make_ack(65535)), hex("0004ffff"));
    EXPECT_EQ(encode_tftp(make_error(TftpErrorCode::FileNotFound, "nope")),
              cat({hex("00050001"), text("nope"), {0}}));
    EXPECT_EQ(encode_tftp(make_oack({{"windowsize", "4"}})),
              cat({hex("0006"), text("windowsize"), {0}, text("4"), {0}}));
    EXPECT_EQ(encode_tftp(make_oack({})), hex("0006"));
}

TEST(TftpBuild, BuiltPacketsDecodeToThemselves) {
    const Bytes block(512, 0xa5);
    const std::vector<TftpPacket> packets = {
        make_rrq("pxelinux.cfg/01-aa-bb-cc-dd-ee-ff", "octet",
                 {{"blksize", "1468"}, {"tsize", "0"}, {"timeout", "5"}, {"windowsize", "8"},
                  {"x-vendor", "kept as sent"}}),
        make_wrq("f", "netascii"),
        make_data(7, block),
        make_ack(0),
        make_error(TftpErrorCode::OptionRefused, "blksize refused"),
        make_oack({{"blksize", "1468"}, {"tsize", "31337"}}),
    };
    for (const auto& p : packets) {
        SCOPED_TRACE(summarize(p));
        const auto d = decode_tftp(encode_tftp(p));
        EXPECT_TRUE(d.anomalies.empty()) << ids(d.anomalies);
        EXPECT_EQ(d.pkt, p);
    }
}

TEST(TftpSummary, OneLinePerPacket) {
    EXPECT_EQ(summarize(make_rrq("pxelinux.0", "octet", {{"blksize", "1432"}, {"tsize", "0"}})),
              R"(RRQ "pxelinux.0" octet blksize=1432 tsize=0)");
    const Bytes block(512, 0);
    EXPECT_EQ(summarize(make_data(3, block)), "DATA 3 (512)");
    EXPECT_EQ(summarize(make_ack(3)), "ACK 3");
    EXPECT_EQ(summarize(make_error(TftpErrorCode::FileNotFound, "File not found")),
              R"(ERROR 1 (file not found) "File not found")");
    EXPECT_EQ(summarize(make_oack({{"tsize", "42"}})), "OACK tsize=42");
    // Control bytes in names are shown escaped, never raw.
    EXPECT_EQ(summarize(make_rrq("a\nb", "octet")), R"(RRQ "a\x0ab" octet)");
    // Cut packets say so.
    EXPECT_EQ(summarize(decode_tftp(hex("000166")).pkt), "RRQ [truncated] [+1 bytes]");
    EXPECT_EQ(summarize(decode_tftp(hex("00")).pkt), "truncated (1 byte)");
    EXPECT_EQ(summarize(decode_tftp(hex("00040001ff")).pkt), "ACK 1 [+1 bytes]");
}

TEST(TftpNames, OpcodesAndErrorCodes) {
    EXPECT_EQ(to_string(TftpOpcode::Rrq), "RRQ");
    EXPECT_EQ(to_string(TftpOpcode::Oack), "OACK");
    EXPECT_EQ(to_string(static_cast<TftpOpcode>(9)), "OP(9)");
    EXPECT_EQ(to_string(TftpErrorCode::UnknownTid), "unknown transfer ID");
    EXPECT_EQ(to_string(static_cast<TftpErrorCode>(9)), "code 9");
}

TEST(TftpOptions, LookupIsCaseInsensitiveAndNumbersAreStrict) {
    const auto p = make_rrq("f", "octet", {{"BlkSize", "1024"}, {"tsize", "12x"}, {"timeout", "007"}});
    EXPECT_EQ(p.option("blksize"), "1024");
    EXPECT_EQ(p.option_number("BLKSIZE"), 1024u);
    EXPECT_FALSE(p.option_number("tsize").has_value());
    EXPECT_EQ(p.option_number("timeout"), 7u);
    EXPECT_FALSE(p.option("windowsize").has_value());
    EXPECT_FALSE(p.option_number("windowsize").has_value());
    const auto big = make_oack({{"tsize", "18446744073709551615"}, {"x", "18446744073709551616"}});
    EXPECT_EQ(big.option_number("tsize"), 18446744073709551615u);
    EXPECT_FALSE(big.option_number("x").has_value());
}

// --- anomalies, one crafted packet each -----------------------------------

struct Cut {
    const char* name;
    Bytes wire;
    const char* id;
    std::size_t offset;
    std::optional<std::uint8_t> fields;
    Bytes trailing;
    const char* detail_has;
};

TEST(TftpAnomaly, CutPacketsKeepTheirBytesAndRoundTrip) {
    const std::vector<Cut> cases = {
        {"empty", {}, "tftp.truncated", 0, 0, {}, "0 bytes"},
        {"half an opcode", hex("00"), "tftp.truncated", 0, 0, hex("00"), "1 bytes"},
        {"RRQ opcode only", hex("0001"), "tftp.truncated", 2, 1, {}, "before the filename"},
        {"RRQ without mode", cat({hex("0001"), text("f"), {0}}), "tftp.truncated", 4, 2, {},
         "before the mode"},
        {"RRQ filename unterminated", cat({hex("0001"), text("pxelinux.0")}), "tftp.unterminated_string",
         2, 1, text("pxelinux.0"), "\"pxelinux.0\""},
        {"WRQ mode unterminated", cat({hex("0002"), text("f"), {0}, text("oct")}),
         "tftp.unterminated_string", 4, 2, text("oct"), "mode \"oct\""},
        {"DATA without block", hex("0003"), "tftp.truncated", 2, 1, {}, "block number"},
        {"DATA half a block", hex("000300"), "tftp.truncated", 2, 1, hex("00"), "needs 4"},
        {"ACK half a block", hex("000401"), "tftp.truncated", 2, 1, hex("01"), "block number"},
        {"ERROR without code", hex("0005"), "tftp.truncated", 2, 1, {}, "error code"},
        {"ERROR without message", hex("00050001"), "tftp.truncated", 4, 2, {}, "error message"},
        {"ERROR message unterminated", cat({hex("00050002"), text("denied")}),
         "tftp.unterminated_string", 4, 2, text("denied"), "\"denied\""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto d = decode_tftp(c.wire);
        ASSERT_EQ(d.anomalies.size(), 1u) << ids(d.anomalies);
        EXPECT_EQ(d.anomalies[0].id, c.id);
        EXPECT_EQ(d.anomalies[0].offset, c.offset);
        EXPECT_NE(d.anomalies[0].detail.find(c.detail_has), std::string::npos) << d.anomalies[0].detail;
        EXPECT_EQ(d.pkt.fields_present, c.fields);
        EXPECT_EQ(d.pkt.trailing, c.trailing);
        EXPECT_EQ(encode_tftp(d.pkt), c.wire);
    }
}

TEST(TftpAnomaly, OptionNameWithoutValue) {
    const Bytes wire = cat({hex("0001"), text("f"), {0}, text("octet"), {0}, text("tsize"), {0}, text("0"),
                            {0}, text("blksize"), {0}});
    const auto d = decode_tftp(wire);
    const auto* a = only(d.anomalies, "tftp.odd_option");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 18u);
    EXPECT_NE(a->detail.find("\"blksize\""), std::string::npos) << a->detail;
    ASSERT_EQ(d.pkt.options.size(), 1u);  // tsize only: blksize is not invented
    EXPECT_EQ(d.pkt.trailing, cat({text("blksize"), {0}}));
    EXPECT_FALSE(d.pkt.fields_present.has_value());
    EXPECT_EQ(encode_tftp(d.pkt), wire);
}

TEST(TftpAnomaly, UnterminatedOptionNameAndValue) {
    const Bytes name_cut = cat({hex("0006"), text("blksize"), {0}, text("512"), {0}, text("tsi")});
    auto d = decode_tftp(name_cut);
    auto* a = only(d.anomalies, "tftp.unterminated_string");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 14u);
    EXPECT_NE(a->detail.find("option name \"tsi\""), std::string::npos) << a->detail;
    EXPECT_EQ(d.pkt.trailing, text("tsi"));
    EXPECT_EQ(encode_tftp(d.pkt), name_cut);

    const Bytes value_cut = cat({hex("0006"), text("blksize"), {0}, text("14")});
    d = decode_tftp(value_cut);
    a = only(d.anomalies, "tftp.unterminated_string");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 10u);
    EXPECT_NE(a->detail.find("\"14\""), std::string::npos) << a->detail;
    EXPECT_TRUE(d.pkt.options.empty());
    EXPECT_EQ(d.pkt.trailing, cat({text("blksize"), {0}, text("14")}));
    EXPECT_EQ(encode_tftp(d.pkt), value_cut);
}

TEST(TftpAnomaly, DuplicateOptionIgnoresCase) {
    const Bytes wire = cat({hex("0001"), text("f"), {0}, text("octet"), {0}, text("blksize"), {0},
                            text("1468"), {0}, text("BLKSIZE"), {0}, text("512"), {0}});
    const auto d = decode_tftp(wire);
    const auto* a = only(d.anomalies, "tftp.duplicate_option");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 23u);
    EXPECT_NE(a->detail.find("1468"), std::string::npos) << a->detail;
    EXPECT_NE(a->detail.find("512"), std::string::npos) << a->detail;
    EXPECT_EQ(d.pkt.options.size(), 2u);       // both kept, in wire order
    EXPECT_EQ(d.pkt.option("blksize"), "1468");  // lookups see the first
    EXPECT_EQ(encode_tftp(d.pkt), wire);
}

TEST(TftpAnomaly, NonNumericValuesOfNumericOptions) {
    const Bytes wire =
        cat({hex("0001"), text("f"), {0}, text("octet"), {0}, text("blksize"), {0}, text("1k"), {0},
             text("tsize"), {0}, text("-1"), {0}, text("Timeout"), {0}, {0}, text("windowsize"), {0},
             text("99999999999999999999"), {0}, text("x-custom"), {0}, text("not a number"), {0}});
    const auto d = decode_tftp(wire);
    ASSERT_EQ(d.anomalies.size(), 4u) << ids(d.anomalies);
    for (const auto& a : d.anomalies) EXPECT_EQ(a.id, "tftp.bad_option_value");
    EXPECT_EQ(d.anomalies[0].offset, 18u);  // the value, not the name
    EXPECT_NE(d.anomalies[0].detail.find("\"blksize\"=\"1k\""), std::string::npos) << d.anomalies[0].detail;
    EXPECT_NE(d.anomalies[1].detail.find("\"-1\""), std::string::npos);
    EXPECT_NE(d.anomalies[2].detail.find("\"Timeout\"=\"\""), std::string::npos) << d.anomalies[2].detail;
    EXPECT_NE(d.anomalies[3].detail.find("99999999999999999999"), std::string::npos);
    // Unknown options are kept as sent, with no opinion on their values.
    EXPECT_EQ(d.pkt.option("x-custom"), "not a number");
    EXPECT_EQ(encode_tftp(d.pkt), wire);
}

TEST(TftpAnomaly, TrailingDataAfterFixedPackets) {
    auto d = decode_tftp(hex("00040005 dead"));
    auto* a = only(d.anomalies, "tftp.trailing_data");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 4u);
    EXPECT_NE(a->detail.find("2 bytes"), std::string::npos) << a->detail;
    EXPECT_NE(a->detail.find("dead"), std::string::npos) << a->detail;
    EXPECT_EQ(d.pkt.block, 5);
    EXPECT_EQ(d.pkt.trailing, hex("dead"));
    EXPECT_EQ(encode_tftp(d.pkt), hex("00040005dead"));

    const Bytes err = cat({hex("00050001"), text("gone"), {0}, hex("0000ff")});
    d = decode_tftp(err);
    a = only(d.anomalies, "tftp.trailing_data");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 9u);
    EXPECT_EQ(d.pkt.error_message, "gone");
    EXPECT_EQ(encode_tftp(d.pkt), err);

    // NUL padding after a request's options is trailing data, not empty options.
    const Bytes padded = cat({hex("0001"), text("f"), {0}, text("octet"), {0}, text("tsize"), {0}, text("0"),
                              {0}, Bytes(5, 0)});
    d = decode_tftp(padded);
    a = only(d.anomalies, "tftp.trailing_data");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->offset, 18u);
    EXPECT_EQ(d.pkt.options.size(), 1u);
    EXPECT_EQ(encode_tftp(d.pkt), padded);
}

TEST(TftpAnomaly, ErrorCodeOutsideRfcRange) {
    for (std::uint16_t code : {9, 100, 65535}) {
        const Bytes wire = cat({hex("0005"), {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)},
                                text("x"), {0}});
        const auto d = decode_tftp(wire);
        const auto* a = only(d.anomalies, "tftp.bad_error_code");
        ASSERT_NE(a, nullptr);
        EXPECT_NE(a->detail.find(std::to_string(code)), std::string::npos) << a->detail;
    }
    // 8 (RFC 2347 option refusal) is in range.
    EXPECT_TRUE(decode_tftp(cat({hex("00050008"), text("no"), {0}})).anomalies.empty());
}

TEST(TftpAnomaly, UnknownOpcodesKeepTheirBody) {
    for (std::uint16_t op : {0, 7, 0x1234}) {
        const Bytes wire = cat({{static_cast<std::uint8_t>(op >> 8), static_cast<std::uint8_t>(op)},
                                text("body"), {0}});
        const auto d = decode_tftp(wire);
        const auto* a = only(d.anomalies, "tftp.unknown_opcode");
        ASSERT_NE(a, nullptr);
        EXPECT_NE(a->detail.find(std::to_string(op)), std::string::npos) << a->detail;
        EXPECT_EQ(d.pkt.opcode, op);
        EXPECT_EQ(d.pkt.trailing, cat({text("body"), {0}}));
        EXPECT_EQ(encode_tftp(d.pkt), wire);
    }
}

TEST(TftpAnomaly, HugeGarbageStringsGiveShortDetails) {
    Bytes wire = hex("0001");
    wire.insert(wire.end(), 4000, 'A');
    const auto d = decode_tftp(wire);
    ASSERT_EQ(d.anomalies.size(), 1u);
    EXPECT_LT(d.anomalies[0].detail.size(), 200u);
    EXPECT_EQ(encode_tftp(d.pkt), wire);
}

TEST(TftpAnomaly, EmptyDataBlockAndEmptyOackAreFine) {
    EXPECT_TRUE(decode_tftp(hex("00030009")).anomalies.empty());
    EXPECT_TRUE(decode_tftp(hex("0006")).anomalies.empty());
}

// --- robustness: any bytes decode, and re-encode to themselves ----------------

TEST(TftpRobustness, EveryPrefixRoundTrips) {
    for (const auto& f : fixtures()) {
        const Bytes wire = hex(f.hex);
        for (std::size_t n = 0; n <= wire.size(); ++n) {
            const Bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
            const auto d = decode_tftp(prefix);
            ASSERT_EQ(encode_tftp(d.pkt), prefix) << f.where << " prefix " << n;
        }
    }
}

TEST(TftpRobustness, RandomMutationsRoundTrip) {
    // A fixed engine and seed: mt19937 output is specified by the standard,
    // so every platform runs the same cases. Distributions are not, hence the modulo.
    std::mt19937 rng(20240601);
    const auto& all = fixtures();
    for (int i = 0; i < 5000; ++i) {
        Bytes wire = hex(all[rng() % all.size()].hex);
        const unsigned edits = 1 + rng() % 6;
        for (unsigned e = 0; e < edits; ++e) {
            const unsigned what = rng() % 4;
            if (wire.empty() || what == 0) {
                wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(wire.empty() ? 0 : rng() % wire.size()),
                            static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : rng()));
            } else if (what == 1) {
                wire[rng() % wire.size()] = static_cast<std::uint8_t>(rng());
            } else if (what == 2) {
                wire[rng() % wire.size()] = 0;  // NULs move string boundaries
            } else {
                wire.resize(rng() % (wire.size() + 1));
            }
        }
        const auto d = decode_tftp(wire);
        ASSERT_EQ(encode_tftp(d.pkt), wire) << "case " << i << ": " << to_hex(wire);
        (void)summarize(d.pkt);
    }
}
