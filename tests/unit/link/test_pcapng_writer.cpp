// PcapngWriter: block layout (32-bit padding, lengths, options), read back by
// libpcap, and (when tshark is installed) comments shown and nothing malformed.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "link_test_util.hpp"
#include "pxecheck/link/pcapng_writer.hpp"

using namespace linktest;

namespace {

std::uint32_t le32_at(const Bytes& b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
           (static_cast<std::uint32_t>(b[at + 2]) << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
std::uint16_t le16_at(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

struct Block {
    std::uint32_t type;
    Bytes body;
};

/// Splits a pcapng file into blocks, checking each block's two lengths agree
/// and are multiples of 4.
std::vector<Block> blocks_of(const Bytes& file) {
    std::vector<Block> out;
    std::size_t at = 0;
    while (at < file.size()) {
        EXPECT_LE(at + 12, file.size());
        if (at + 12 > file.size()) break;
        const auto type = le32_at(file, at);
        const auto len = le32_at(file, at + 4);
        EXPECT_EQ(len % 4, 0u) << "block at " << at;
        EXPECT_LE(at + len, file.size());
        if (len < 12 || at + len > file.size()) break;
        EXPECT_EQ(le32_at(file, at + len - 4), len) << "trailing length of block at " << at;
        out.push_back({type, Bytes(file.begin() + static_cast<std::ptrdiff_t>(at + 8),
                                   file.begin() + static_cast<std::ptrdiff_t>(at + len - 4))});
        at += len;
    }
    return out;
}

/// The options of a block body starting at \p from: (code, value) pairs.
std::vector<std::pair<std::uint16_t, std::string>> options_of(const Bytes& body, std::size_t from) {
    std::vector<std::pair<std::uint16_t, std::string>> out;
    std::size_t at = from;
    while (at + 4 <= body.size()) {
        const auto code = le16_at(body, at);
        const auto len = le16_at(body, at + 2);
        if (code == 0) break;
        out.emplace_back(code, std::string(body.begin() + static_cast<std::ptrdiff_t>(at + 4),
                                           body.begin() + static_cast<std::ptrdiff_t>(at + 4 + len)));
        at += 4 + ((len + 3u) & ~3u);
    }
    return out;
}

Bytes sample_frame(std::size_t payload_size) {
    Bytes payload(payload_size);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
    return build_udp_frame(kClient, kServer, payload);
}

/// A well-formed TFTP RRQ (the sample endpoints use port 69), so that a
/// dissector has nothing to call malformed.
Bytes rrq_frame(std::string_view file) {
    Bytes payload{0, 1};
    payload.insert(payload.end(), file.begin(), file.end());
    payload.push_back(0);
    for (char c : std::string_view("octet")) payload.push_back(static_cast<std::uint8_t>(c));
    payload.push_back(0);
    return build_udp_frame(kClient, kServer, payload);
}

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return out;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
    return out;
}

}  // namespace

TEST(Pcapng, BlocksArePaddedAndCarryTheirOptions) {
    const Bytes shb = pcapng::section_header("pxecheck 0.1.0", "evidence");
    const Bytes idb = pcapng::interface_description(1, "eth0");
    const std::vector<std::string> comments{"PXE-030: no server", "FLOW-009: stopped"};
    const Bytes frame = sample_frame(3);  // odd frame length: the EPB pads it
    ASSERT_NE(frame.size() % 4, 0u);
    const Bytes epb = pcapng::enhanced_packet(1'700'000'000'123'456'789, frame, 0, comments);
    Bytes file = shb;
    file.insert(file.end(), idb.begin(), idb.end());
    file.insert(file.end(), epb.begin(), epb.end());

    const auto blocks = blocks_of(file);
    ASSERT_EQ(blocks.size(), 3u);
    EXPECT_EQ(blocks[0].type, pcapng::kSectionHeaderBlock);
    EXPECT_EQ(le32_at(blocks[0].body, 0), pcapng::kByteOrderMagic);
    const auto shb_opts = options_of(blocks[0].body, 16);
    ASSERT_EQ(shb_opts.size(), 2u);
    EXPECT_EQ(shb_opts[0], std::make_pair(pcapng::kOptComment, std::string("evidence")));
    EXPECT_EQ(shb_opts[1], std::make_pair(pcapng::kShbUserAppl, std::string("pxecheck 0.1.0")));

    EXPECT_EQ(blocks[1].type, pcapng::kInterfaceDescriptionBlock);
    EXPECT_EQ(le16_at(blocks[1].body, 0), 1);  // linktype
    EXPECT_EQ(le32_at(blocks[1].body, 4), 0u);  // snaplen
    const auto idb_opts = options_of(blocks[1].body, 8);
    ASSERT_EQ(idb_opts.size(), 2u);
    EXPECT_EQ(idb_opts[0].second, "eth0");
    EXPECT_EQ(idb_opts[1], std::make_pair(pcapng::kIfTsresol, std::string(1, '\x09')));

    EXPECT_EQ(blocks[2].type, pcapng::kEnhancedPacketBlock);
    const auto& b = blocks[2].body;
    const std::uint64_t ts = (static_cast<std::uint64_t>(le32_at(b, 4)) << 32) | le32_at(b, 8);
    EXPECT_EQ(ts, 1'700'000'000'123'456'789u);
    EXPECT_EQ(le32_at(b, 12), frame.size());
    EXPECT_EQ(le32_at(b, 16), frame.size());
    const std::size_t padded = (frame.size() + 3) & ~std::size_t{3};
    const auto epb_opts = options_of(b, 20 + padded);
    ASSERT_EQ(epb_opts.size(), 2u);
    EXPECT_EQ(epb_opts[0], std::make_pair(pcapng::kOptComment, comments[0]));
    EXPECT_EQ(epb_opts[1], std::make_pair(pcapng::kOptComment, comments[1]));
}

TEST(Pcapng, OverlongCommentIsCutOnACharacterBoundary) {
    // 70000 octets of two-octet characters: the cut must not split one.
    std::string text;
    while (text.size() < 70000) text += "\xc3\xa9";
    const std::vector<std::string> comments{text};
    const Bytes epb = pcapng::enhanced_packet(0, sample_frame(4), 0, comments);
    const auto blocks = blocks_of(epb);
    ASSERT_EQ(blocks.size(), 1u);
    const std::size_t padded = (sample_frame(4).size() + 3) & ~std::size_t{3};
    const auto opts = options_of(blocks[0].body, 20 + padded);
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_LE(opts[0].second.size(), 65535u);
    EXPECT_EQ(opts[0].second.size() % 2, 0u);
    EXPECT_EQ(opts[0].second, text.substr(0, opts[0].second.size()));
}

TEST(PcapngWriter, LibpcapReadsItBackWithNanoseconds) {
    const TempPath path("out.pcapng");
    PcapngWriter::Options o;
    o.application = "pxecheck test";
    auto w = PcapngWriter::create(path.str(), o);
    ASSERT_TRUE(w) << w.error();
    const std::vector<std::string> comment{"cited"};
    (*w)->write(1'000'000'000'000'000'001, sample_frame(1));
    (*w)->write(1'000'000'000'000'000'002, sample_frame(301), 1000, comment);
    (*w)->write(1'000'000'000'000'000'003, sample_frame(2));
    EXPECT_EQ((*w)->frames_written(), 3u);
    ASSERT_TRUE((*w)->close());

    const auto all = read_all(path.str());
    EXPECT_EQ(all.error, "");
    EXPECT_EQ(all.linktype, 1);
    ASSERT_EQ(all.frames.size(), 3u);
    EXPECT_EQ(all.frames[0].timestamp_ns, 1'000'000'000'000'000'001);
    EXPECT_EQ(all.frames[1].timestamp_ns, 1'000'000'000'000'000'002);
    EXPECT_EQ(all.frames[1].data, sample_frame(301));
    EXPECT_EQ(all.frames[1].original_length, 1000u);
    EXPECT_EQ(all.frames[2].data, sample_frame(2));
}

TEST(PcapngWriter, CreateNamesTheFileOnError) {
    auto w = PcapngWriter::create("/nonexistent-dir/x.pcapng", {});
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().find("/nonexistent-dir/x.pcapng: cannot create"), std::string::npos) << w.error();
}

TEST(PcapngWriter, TsharkShowsCommentsAndNothingMalformed) {
    if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
    const TempPath path("tshark.pcapng");
    PcapngWriter::Options o;
    o.application = "pxecheck test";
    o.section_comment = "pxecheck evidence";
    o.interface_name = "eth0";
    auto w = PcapngWriter::create(path.str(), o);
    ASSERT_TRUE(w) << w.error();
    const std::vector<std::string> two{"PXE-030: reply names \"pxelinux.0\" but no server", "second comment"};
    (*w)->write(1'000'000'000'000'000'000, rrq_frame("pxelinux.0"), 0, two);
    (*w)->write(1'000'000'000'500'000'000, rrq_frame("odd"));
    ASSERT_TRUE((*w)->close());

    const std::string verbose = run("tshark -r " + path.str() + " -V");
    EXPECT_NE(verbose.find("PXE-030: reply names \"pxelinux.0\" but no server"), std::string::npos) << verbose;
    EXPECT_NE(verbose.find("second comment"), std::string::npos) << verbose;
    EXPECT_EQ(verbose.find("Malformed"), std::string::npos) << verbose;
    EXPECT_EQ(verbose.find("appears to be damaged"), std::string::npos) << verbose;
    // Nanosecond resolution survives.
    EXPECT_NE(verbose.find(".500000000"), std::string::npos) << verbose;
    const std::string fields = run("tshark -r " + path.str() + " -T fields -e frame.number -e frame.comment");
    EXPECT_NE(fields.find("1\tPXE-030"), std::string::npos) << fields;
}
