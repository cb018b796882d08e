// PcapReader errors (missing, not a capture, truncated) and PcapWriter
// output read back by PcapReader.

#include <gtest/gtest.h>

#include <limits>

#include "link_test_util.hpp"

using namespace linktest;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(PcapReader, MissingFileNamesTheFile) {
    const TempPath path("missing.pcap");
    const auto r = PcapReader::open(path.str());
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error(), path.str() + ": cannot open")) << r.error();
    EXPECT_TRUE(contains(r.error(), "No such file")) << r.error();
}

TEST(PcapReader, DirectoryIsNotACapture) {
    const TempPath path("dir");
    std::filesystem::create_directory(path.str());
    const auto r = PcapReader::open(path.str());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), path.str() + ": is a directory");
}

TEST(PcapReader, TextFileIsNotACapture) {
    const TempPath path("notes.txt");
    write_file(path.str(), text_bytes("this is not a capture, just some text that is long enough\n"));
    const auto r = PcapReader::open(path.str());
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error(), path.str() + ": not a pcap or pcapng capture (libpcap: ")) << r.error();
    EXPECT_EQ(r.error().back(), ')');
}

TEST(PcapReader, EmptyAndHeaderOnlyFiles) {
    const TempPath empty("empty.pcap");
    write_file(empty.str(), {});
    auto r = PcapReader::open(empty.str());
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error(), empty.str() + ": not a pcap or pcapng capture")) << r.error();

    // Half a pcap file header.
    const Bytes whole = read_file(capture_path("tcpdump-tftp-rrq-basic.pcap"));
    const TempPath half("half.pcap");
    write_file(half.str(), Bytes(whole.begin(), whole.begin() + 12));
    r = PcapReader::open(half.str());
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error(), half.str() + ": not a pcap or pcapng capture")) << r.error();

    // A whole header and no records: a valid, empty capture.
    const TempPath header_only("header.pcap");
    write_file(header_only.str(), Bytes(whole.begin(), whole.begin() + 24));
    const auto all = read_all(header_only.str());
    EXPECT_EQ(all.error, "");
    EXPECT_EQ(all.linktype, linktype::kEthernet);
    EXPECT_TRUE(all.frames.empty());
}

TEST(PcapReader, TruncatedLastRecordKeepsTheFramesBefore) {
    const Bytes whole = read_file(capture_path("tcpdump-tftp-rrq-basic.pcap"));
    ASSERT_EQ(whole.size(), 1643u);
    // Cut inside the last record's data (the last frame is 60 bytes).
    const TempPath cut("cut-data.pcap");
    write_file(cut.str(), Bytes(whole.begin(), whole.end() - 10));
    auto r = read_all(cut.str());
    EXPECT_EQ(r.frames.size(), 6u);
    EXPECT_TRUE(contains(r.error, cut.str() + ": truncated record after frame 6 (libpcap: ")) << r.error;
    // The frames before it are intact.
    const auto d = decode_frame(r.linktype, r.frames.back().data);
    ASSERT_EQ(d.kind, DecodedFrame::Kind::Udp);
    EXPECT_EQ(d.udp->payload.size(), 109u);

    // Cut inside the last record's 16-byte header.
    const TempPath cut_header("cut-header.pcap");
    write_file(cut_header.str(), Bytes(whole.begin(), whole.end() - 60 - 8));
    r = read_all(cut_header.str());
    EXPECT_EQ(r.frames.size(), 6u);
    EXPECT_TRUE(contains(r.error, "truncated record after frame 6")) << r.error;
}

TEST(PcapReader, TruncatedPcapng) {
    const Bytes whole = read_file(capture_path("chrissanders-dhcp-dora.pcapng"));
    const TempPath cut("cut.pcapng");
    write_file(cut.str(), Bytes(whole.begin(), whole.end() - 40));
    const auto r = read_all(cut.str());
    EXPECT_EQ(r.frames.size(), 3u);
    EXPECT_TRUE(contains(r.error, cut.str() + ": ")) << r.error;
    EXPECT_TRUE(contains(r.error, "after frame 3")) << r.error;
}

TEST(PcapReader, ErrorStaysEmptyOnCleanFilesAndNextStaysDone) {
    auto r = PcapReader::open(capture_path("tcpdump-dhcp-mud-relayed-request-ack.pcap"));
    ASSERT_TRUE(r) << r.error();
    auto& reader = **r;
    EXPECT_EQ(reader.snaplen(), 262144);
    EXPECT_TRUE(reader.next());
    EXPECT_TRUE(reader.next());
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.error(), "");
}

TEST(PcapWriter, WritesNanosecondPcapThatReadsBack) {
    const TempPath path("out.pcap");
    const Bytes a = build_udp_frame(kClient, kServer, text_bytes("first"));
    const Bytes b = build_udp_frame(kServer, kClient, Bytes(1000, 0x42));
    const std::int64_t t0 = 1'700'000'000'123'456'789;
    {
        auto w = PcapWriter::create(path.str());
        ASSERT_TRUE(w) << w.error();
        (*w)->write(t0, a);
        (*w)->write(t0 + 1, b, 1500);  // snapped: 1042 of 1500 bytes
        (*w)->write(-1'500'000'000, a);  // before the epoch still round-trips
        (*w)->flush();
        EXPECT_TRUE((*w)->close().ok());
        EXPECT_TRUE((*w)->close().ok());  // a second close is harmless
        (*w)->write(t0, a);               // and writes after it are dropped
    }
    // Nanosecond pcap magic, written in host order.
    const Bytes file = read_file(path.str());
    ASSERT_GE(file.size(), 24u);
    const std::uint32_t magic = std::uint32_t{file[0]} | (std::uint32_t{file[1]} << 8) |
                                (std::uint32_t{file[2]} << 16) | (std::uint32_t{file[3]} << 24);
    EXPECT_TRUE(magic == 0xa1b23c4d || magic == 0x4d3cb2a1) << std::hex << magic;

    const auto r = read_all(path.str());
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.linktype, linktype::kEthernet);
    ASSERT_EQ(r.frames.size(), 3u);
    EXPECT_EQ(r.frames[0].timestamp_ns, t0);
    EXPECT_EQ(r.frames[0].data, a);
    EXPECT_EQ(r.frames[0].original_length, a.size());
    EXPECT_EQ(r.frames[1].timestamp_ns, t0 + 1);
    EXPECT_EQ(r.frames[1].data, b);
    EXPECT_EQ(r.frames[1].original_length, 1500u);
    EXPECT_EQ(r.frames[2].timestamp_ns, -1'500'000'000);
    EXPECT_EQ(r.frames[2].number, 3u);
    const auto d = decode_frame(r.linktype, r.frames[1].data);
    ASSERT_EQ(d.kind, DecodedFrame::Kind::Udp);
    EXPECT_EQ(d.udp->payload.size(), 1000u);
}

TEST(PcapWriter, OtherLinkTypesKeepTheirNumber) {
    const Bytes ip = ip_part(build_udp_frame(kClient, kServer, text_bytes("raw")));
    for (int lt : {linktype::kRaw, linktype::kIpv4, linktype::kLinuxSll2, linktype::kNull}) {
        SCOPED_TRACE(lt);
        const TempPath path("lt.pcap");
        {
            auto w = PcapWriter::create(path.str(), lt);
            ASSERT_TRUE(w) << w.error();
            (*w)->write(1, ip);
        }  // the destructor closes
        const auto r = read_all(path.str());
        EXPECT_EQ(r.error, "");
        EXPECT_EQ(r.linktype, lt);
        ASSERT_EQ(r.frames.size(), 1u);
        EXPECT_EQ(r.frames[0].data, ip);
    }
    // Raw IPv4 decodes straight from what was read.
    const TempPath path("raw.pcap");
    {
        auto w = PcapWriter::create(path.str(), linktype::kRaw);
        ASSERT_TRUE(w);
        (*w)->write(1, ip);
    }
    const auto r = read_all(path.str());
    ASSERT_EQ(r.frames.size(), 1u);
    const auto d = decode_frame(r.linktype, r.frames[0].data);
    ASSERT_EQ(d.kind, DecodedFrame::Kind::Udp) << anomaly_ids(d.anomalies);
    EXPECT_EQ(d.udp->payload, text_bytes("raw"));
}

TEST(PcapWriter, UnwritablePathNamesTheFile) {
    const std::string path = "/nonexistent-dir-for-pxecheck/out.pcap";
    const auto w = PcapWriter::create(path);
    ASSERT_FALSE(w);
    EXPECT_TRUE(contains(w.error(), path + ": cannot create")) << w.error();
}

TEST(PcapReader, TimesPastTheInt64RangeSaturate) {
    using pxecheck::link::kMaxFrameTimeNs;
    EXPECT_EQ(pxecheck::link::saturated_ns(1'700'000'000, 5), 1'700'000'000'000'000'005);
    EXPECT_EQ(pxecheck::link::saturated_ns(-2, 0), -2'000'000'000);
    EXPECT_EQ(pxecheck::link::saturated_ns(18'159'990'073'541, 0), kMaxFrameTimeNs);
    EXPECT_EQ(pxecheck::link::saturated_ns(-18'159'990'073'541, 0), -kMaxFrameTimeNs);
    EXPECT_EQ(pxecheck::link::saturated_ns(9'223'372'036, 854'775'808), kMaxFrameTimeNs);
    EXPECT_EQ(pxecheck::link::saturated_ns(4'611'686'018, 427'387'904), kMaxFrameTimeNs);  // 2^62 exactly
    // Any two frame times can be subtracted.
    std::int64_t d = 0;
    EXPECT_FALSE(__builtin_sub_overflow(kMaxFrameTimeNs, -kMaxFrameTimeNs, &d));

    // A pcapng packet stamped 2^64 - 16 microseconds after 1970 (libpcap makes
    // that 1.8e13 s): the frame is read, its time pinned to the latest one.
    Bytes f;
    auto u32 = [&](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    u32(0x0A0D0D0A), u32(28), u32(0x1A2B3C4D), u32(1), u32(0xffffffff), u32(0xffffffff), u32(28);  // SHB
    u32(1), u32(20), u32(1), u32(65535), u32(20);                                                  // IDB, Ethernet
    const Bytes frame = build_udp_frame(kClient, kServer, text_bytes("late"));
    const auto padded = static_cast<std::uint32_t>((frame.size() + 3) / 4 * 4);
    u32(6), u32(32 + padded), u32(0), u32(0xffffffff), u32(0xfffffff0);                            // EPB
    u32(static_cast<std::uint32_t>(frame.size())), u32(static_cast<std::uint32_t>(frame.size()));
    f.insert(f.end(), frame.begin(), frame.end());
    f.resize(f.size() + (padded - frame.size()), 0);
    u32(32 + padded);
    const TempPath path("late.pcapng");
    write_file(path.str(), f);
    auto r = PcapReader::open(path.str());
    ASSERT_TRUE(r) << r.error();
    auto v = (*r)->next_view();
    ASSERT_TRUE(v) << (*r)->error();
    EXPECT_EQ(v->timestamp_ns, pxecheck::link::kMaxFrameTimeNs);
    EXPECT_EQ(Bytes(v->data.begin(), v->data.end()), frame);
}
