// The fast paths of `analyze` must not change what it reads: PcapReader's
// own reading of classic pcap against libpcap's, frame by frame, and
// peek_udp against decode_frame.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <tuple>

#include "link_test_util.hpp"

using namespace linktest;

namespace {

struct Seen {
    std::vector<std::tuple<std::int64_t, std::uint32_t, Bytes>> frames;  // time, length, bytes
    bool error = false;
};

Seen via_reader(const std::string& path, std::size_t read_block = pxecheck::link::FileTee::kBlock) {
    Seen s;
    auto r = PcapReader::open(path, {}, read_block);
    EXPECT_TRUE(r) << r.error();
    if (!r) return s;
    while (auto v = (*r)->next_view()) {
        EXPECT_EQ(v->number, s.frames.size() + 1);
        s.frames.emplace_back(v->timestamp_ns, v->original_length, Bytes(v->data.begin(), v->data.end()));
    }
    s.error = !(*r)->error().empty();
    return s;
}

Seen via_libpcap(const std::string& path) {
    Seen s;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    EXPECT_NE(p, nullptr) << errbuf;
    if (!p) return s;
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1)
        s.frames.emplace_back(std::int64_t{h->ts.tv_sec} * 1'000'000'000 + h->ts.tv_usec, h->len, Bytes(d, d + h->caplen));
    s.error = rc == PCAP_ERROR;
    pcap_close(p);
    return s;
}

void expect_same_as_libpcap(const std::string& path, std::size_t read_block = pxecheck::link::FileTee::kBlock) {
    const Seen ours = via_reader(path, read_block), theirs = via_libpcap(path);
    EXPECT_EQ(ours.error, theirs.error) << path << ", reads of " << read_block;
    ASSERT_EQ(ours.frames.size(), theirs.frames.size()) << path << ", reads of " << read_block;
    for (std::size_t i = 0; i < ours.frames.size(); ++i)
        EXPECT_EQ(ours.frames[i], theirs.frames[i]) << path << " frame " << i + 1 << ", reads of " << read_block;
}

/// A classic pcap written big-endian (byte-swapped on this host),
/// microsecond timestamps, with the given snap length and records.
Bytes swapped_pcap(std::uint32_t snaplen, const std::vector<std::pair<Bytes, std::uint32_t>>& records,
                   std::uint16_t minor_version = 4) {
    Bytes out;
    auto be32 = [&](std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
    };
    auto be16 = [&](std::uint16_t v) {
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v));
    };
    be32(0xa1b2c3d4);
    be16(2), be16(minor_version);
    be32(0), be32(0), be32(snaplen), be32(1);
    std::uint32_t usec = 999'990;
    for (const auto& [data, len] : records) {
        be32(1'700'000'000), be32(usec++);
        be32(static_cast<std::uint32_t>(data.size())), be32(len);
        out.insert(out.end(), data.begin(), data.end());
    }
    return out;
}

}  // namespace

TEST(PcapReaderBlocks, SameFramesAsLibpcapOnEveryCapture) {
    for (const auto& name : public_captures()) expect_same_as_libpcap(capture_path(name));
    for (const auto& e : std::filesystem::directory_iterator(std::string(PXECHECK_SOURCE_DIR) + "/captures"))
        if (e.path().extension() == ".pcap") expect_same_as_libpcap(e.path().string());
}

TEST(PcapReaderBlocks, SameFramesWhenRecordsCrossManyReads) {
    // Reads of a byte, of 7, of 64 and of 1500: file and record headers and
    // frames cut at every place, a record gathered from many reads.
    for (const std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1500}}) {
        for (const auto& name : public_captures()) expect_same_as_libpcap(capture_path(name), block);
        for (const auto& e : std::filesystem::directory_iterator(std::string(PXECHECK_SOURCE_DIR) + "/captures"))
            if (e.path().extension() == ".pcap") expect_same_as_libpcap(e.path().string(), block);
    }
}

TEST(PcapReaderBlocks, SwappedMicrosecondFile) {
    const Bytes a = build_udp_frame(kClient, kServer, text_bytes("first"));
    const Bytes b = build_udp_frame(kServer, kClient, Bytes(300, 0x42));
    const TempPath path("swapped.pcap");
    write_file(path.str(), swapped_pcap(65535, {{a, static_cast<std::uint32_t>(a.size())}, {b, 1500}}));
    expect_same_as_libpcap(path.str());
    const auto seen = via_reader(path.str());
    ASSERT_EQ(seen.frames.size(), 2u);
    EXPECT_EQ(std::get<0>(seen.frames[0]), 1'700'000'000'999'990'000);
    EXPECT_EQ(std::get<1>(seen.frames[1]), 1500u);
    EXPECT_EQ(std::get<2>(seen.frames[1]), b);
}

TEST(PcapReaderBlocks, OldVersionsAreLibpcaps) {
    // Files of version 2.3 and older may carry the captured and original
    // lengths swapped; libpcap reads them so (found by fuzz_pcap_file).
    const Bytes a = build_udp_frame(kClient, kServer, text_bytes("old"));
    for (const std::uint16_t minor : {0, 2, 3}) {
        const TempPath path("old-version.pcap");
        // The lengths as an old writer put them: original first, then captured.
        Bytes file = swapped_pcap(65535, {{a, static_cast<std::uint32_t>(a.size())}}, minor);
        write_file(path.str(), swapped_pcap(65535, {{Bytes(), static_cast<std::uint32_t>(a.size())}}, minor));
        expect_same_as_libpcap(path.str());
        write_file(path.str(), file);
        expect_same_as_libpcap(path.str());
    }
}

TEST(PcapReaderBlocks, OddRecordsGoToLibpcap) {
    const Bytes a = build_udp_frame(kClient, kServer, text_bytes("first"));
    const Bytes big = build_udp_frame(kServer, kClient, Bytes(300, 0x42));
    // A record longer than the snap length, then one whose captured length
    // exceeds its original length: libpcap decides what they mean, and what
    // follows them.
    const TempPath over("over-snaplen.pcap");
    write_file(over.str(), swapped_pcap(100, {{a, 100}, {big, 400}, {a, 100}}));
    expect_same_as_libpcap(over.str());
    const TempPath longer("caplen-over-len.pcap");
    write_file(longer.str(), swapped_pcap(65535, {{a, 100}, {a, 10}, {a, 100}}));
    expect_same_as_libpcap(longer.str());
    // Cut inside the second record's data, and inside its header.
    Bytes whole = swapped_pcap(65535, {{a, 100}, {big, 400}});
    const TempPath cut("cut.pcap");
    write_file(cut.str(), Bytes(whole.begin(), whole.end() - 10));
    expect_same_as_libpcap(cut.str());
    EXPECT_TRUE(via_reader(cut.str()).error);
    write_file(cut.str(), Bytes(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(big.size()) - 5));
    expect_same_as_libpcap(cut.str());
}

TEST(PeekUdp, AgreesWithDecodeFrameOnEveryCapturedFrame) {
    std::size_t peeked = 0;
    for (const auto& name : public_captures()) {
        const auto all = read_all(capture_path(name));
        for (const auto& f : all.frames) {
            const auto v = peek_udp(all.linktype, f.data);
            if (!v) continue;
            ++peeked;
            const auto d = decode_frame(all.linktype, f.data);
            ASSERT_EQ(d.kind, DecodedFrame::Kind::Udp) << name << " frame " << f.number;
            EXPECT_EQ(d.udp->src_ip, v->src_ip);
            EXPECT_EQ(d.udp->dst_ip, v->dst_ip);
            EXPECT_EQ(d.udp->src_port, v->src_port);
            EXPECT_EQ(d.udp->dst_port, v->dst_port);
            EXPECT_EQ(d.udp->payload, Bytes(v->payload.begin(), v->payload.end()));
            EXPECT_EQ(d.udp->declared_length, v->payload.size());
            EXPECT_TRUE(d.udp->complete);
        }
    }
    EXPECT_GT(peeked, 10u);
}

TEST(PeekUdp, OnlyPlainlyWellFormedUdp) {
    const Bytes frame = build_udp_frame(kClient, kServer, text_bytes("payload"));
    const auto v = peek_udp(linktype::kEthernet, frame);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->src_port, kClient.port);
    EXPECT_EQ(Bytes(v->payload.begin(), v->payload.end()), text_bytes("payload"));

    // 802.1Q tag: read through.
    Bytes tagged(frame.begin(), frame.begin() + 12);
    tagged.insert(tagged.end(), {0x81, 0x00, 0x00, 0x0a});
    tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
    ASSERT_TRUE(peek_udp(linktype::kEthernet, tagged));
    EXPECT_EQ(peek_udp(linktype::kEthernet, tagged)->payload.size(), 7u);

    // Everything else is left to decode_frame.
    EXPECT_FALSE(peek_udp(linktype::kRaw, ip_part(frame)));
    EXPECT_FALSE(peek_udp(linktype::kEthernet, Bytes(frame.begin(), frame.end() - 1)));  // cut
    Bytes fragment = frame;
    put16(fragment, 14 + 6, 0x2000);  // more fragments
    EXPECT_FALSE(peek_udp(linktype::kEthernet, fragment));
    Bytes short_udp = frame;
    put16(short_udp, 14 + 20 + 4, static_cast<std::uint16_t>(get16(frame, 14 + 20 + 4) - 1));
    EXPECT_FALSE(peek_udp(linktype::kEthernet, short_udp));
    Bytes tcp = frame;
    tcp[14 + 9] = 6;
    EXPECT_FALSE(peek_udp(linktype::kEthernet, tcp));
    EXPECT_FALSE(peek_udp(linktype::kEthernet, build_arp_frame(MacAddr::broadcast(), ArpPacket{})));
}

TEST(PcapReaderBlocks, RecordsAcrossReadBlocks) {
    // 20 MiB of records of odd sizes up to the largest snap length: records
    // cross the read-ahead's 1 MiB block boundaries at different places, in
    // their headers and in their data.
    std::vector<std::pair<Bytes, std::uint32_t>> records;
    std::size_t total = 24;
    for (std::uint32_t i = 0; total < 20u << 20; ++i) {
        const std::size_t n = i % 40 == 39 ? 262144 : 60 + (i * 7919) % 9000;
        Bytes data(n);
        for (std::size_t k = 0; k < n; ++k) data[k] = static_cast<std::uint8_t>(i + k);
        total += 16 + n;
        records.emplace_back(std::move(data), static_cast<std::uint32_t>(n));
    }
    const TempPath path("windows.pcap");
    write_file(path.str(), swapped_pcap(262144, records));
    expect_same_as_libpcap(path.str());
    EXPECT_EQ(via_reader(path.str()).frames.size(), records.size());
}
