// IPv4 reassembly: in order, out of order, overlaps, duplicates, eviction,
// expiry, hostile offsets, and end to end from libtins-built fragments.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "link_test_util.hpp"

using namespace linktest;

namespace {

/// A UDP datagram (header + payload) with a correct checksum, as IPv4 would carry it.
struct Datagram {
    Bytes payload;
    Bytes udp;  ///< UDP header + payload
};

Datagram make_datagram(std::size_t size, std::uint32_t seed = 1) {
    Datagram d;
    d.payload.resize(size);
    std::mt19937 rng(seed);
    for (auto& b : d.payload) b = static_cast<std::uint8_t>(rng());
    const Bytes frame = build_udp_frame(kClient, kServer, d.payload);
    d.udp.assign(frame.begin() + 34, frame.begin() + 34 + 8 + static_cast<std::ptrdiff_t>(size));
    return d;
}

Ipv4Fragment piece(const Bytes& udp, std::size_t begin, std::size_t end, std::uint16_t id = 0x4242,
                   Ipv4Addr src = kClient.ip) {
    Ipv4Fragment f;
    f.src_ip = src;
    f.dst_ip = kServer.ip;
    f.id = id;
    f.protocol = 17;
    f.ttl = 61;
    f.offset_bytes = begin;
    f.more_fragments = end < udp.size();
    f.data.assign(udp.begin() + static_cast<std::ptrdiff_t>(begin), udp.begin() + static_cast<std::ptrdiff_t>(end));
    f.declared_size = f.data.size();
    f.ip_checksum_ok = true;
    return f;
}

void expect_whole(const std::optional<UdpDatagram>& got, const Datagram& want) {
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(got->reassembled);
    EXPECT_EQ(got->payload, want.payload);
    EXPECT_EQ(got->declared_length, want.payload.size());
    EXPECT_TRUE(got->complete);
    EXPECT_EQ(got->src_port, kClient.port);
    EXPECT_EQ(got->dst_port, kServer.port);
    EXPECT_EQ(got->src_ip, kClient.ip);
    EXPECT_EQ(got->udp_checksum_ok, true);
    EXPECT_EQ(got->ip_checksum_ok, true);
    EXPECT_EQ(got->ttl, 61);
}

}  // namespace

TEST(Reassembler, InOrder) {
    const auto d = make_datagram(3000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1480), a));
    EXPECT_EQ(r.pending(), 1u);
    EXPECT_FALSE(r.add(piece(d.udp, 1480, 2960), a));
    expect_whole(r.add(piece(d.udp, 2960, d.udp.size()), a), d);
    EXPECT_TRUE(a.empty()) << anomaly_ids(a);
    EXPECT_EQ(r.pending(), 0u);
}

TEST(Reassembler, OutOfOrder) {
    const auto d = make_datagram(3000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 2960, d.udp.size()), a));
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1480), a));
    expect_whole(r.add(piece(d.udp, 1480, 2960), a), d);
    EXPECT_TRUE(a.empty()) << anomaly_ids(a);
    EXPECT_EQ(r.pending(), 0u);
}

TEST(Reassembler, ManyTinyFragmentsShuffled) {
    const auto d = make_datagram(8000, 2);
    std::vector<Ipv4Fragment> frags;
    for (std::size_t at = 0; at < d.udp.size(); at += 8)
        frags.push_back(piece(d.udp, at, std::min(at + 8, d.udp.size())));
    std::mt19937 rng(3);
    for (std::size_t i = frags.size() - 1; i > 0; --i) std::swap(frags[i], frags[rng() % (i + 1)]);
    Reassembler r;
    Anomalies a;
    std::optional<UdpDatagram> got;
    for (std::size_t i = 0; i < frags.size(); ++i) {
        got = r.add(frags[i], a);
        if (i + 1 < frags.size()) {
            ASSERT_FALSE(got) << i;
        }
    }
    expect_whole(got, d);
    EXPECT_TRUE(a.empty()) << anomaly_ids(a);
}

TEST(Reassembler, DuplicateFragmentIsReportedAndHarmless) {
    const auto d = make_datagram(2000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].id, "ip.fragment_overlap");
    EXPECT_NE(a[0].detail.find("identical"), std::string::npos) << a[0].detail;
    EXPECT_NE(a[0].detail.find("0-1000"), std::string::npos) << a[0].detail;
    expect_whole(r.add(piece(d.udp, 1000, d.udp.size()), a), d);
}

TEST(Reassembler, OverlapWithDifferentBytesKeepsTheFirstCopy) {
    const auto d = make_datagram(2000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    // A rogue fragment rewriting bytes 800-1200: only 1000-1200 is new.
    auto rogue = piece(d.udp, 800, 1200);
    std::fill(rogue.data.begin(), rogue.data.begin() + 200, 0xee);
    EXPECT_FALSE(r.add(rogue, a));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].id, "ip.fragment_overlap");
    EXPECT_NE(a[0].detail.find("different"), std::string::npos) << a[0].detail;
    EXPECT_NE(a[0].detail.find("800-1000"), std::string::npos) << a[0].detail;
    EXPECT_NE(a[0].detail.find("0x4242"), std::string::npos) << a[0].detail;
    // The rest overlaps 1000-1200 with identical bytes.
    expect_whole(r.add(piece(d.udp, 1000, d.udp.size()), a), d);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_NE(a[1].detail.find("identical"), std::string::npos) << a[1].detail;
}

TEST(Reassembler, FragmentSpanningTwoReceivedPiecesFillsTheGap) {
    const auto d = make_datagram(3000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    EXPECT_FALSE(r.add(piece(d.udp, 2000, d.udp.size()), a));
    // Covers 0-3008 entirely: two overlaps, one hole filled.
    expect_whole(r.add(piece(d.udp, 0, d.udp.size()), a), d);
    EXPECT_EQ(std::count_if(a.begin(), a.end(), [](const Anomaly& x) { return x.id == "ip.fragment_overlap"; }), 2);
}

TEST(Reassembler, KeysDoNotMix) {
    const auto d1 = make_datagram(1500, 10);
    const auto d2 = make_datagram(1500, 11);
    Reassembler r;
    Anomalies a;
    const Ipv4Addr other = Ipv4Addr::from_octets(192, 168, 14, 51);
    EXPECT_FALSE(r.add(piece(d1.udp, 0, 800), a));
    EXPECT_FALSE(r.add(piece(d2.udp, 0, 800, 0x4242, other), a));  // same id, other source
    EXPECT_FALSE(r.add(piece(d2.udp, 0, 800, 0x4343), a));         // same source, other id
    EXPECT_EQ(r.pending(), 3u);
    expect_whole(r.add(piece(d1.udp, 800, d1.udp.size()), a), d1);
    const auto second = r.add(piece(d2.udp, 800, d2.udp.size(), 0x4242, other), a);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->payload, d2.payload);
    EXPECT_EQ(second->src_ip, other);
    EXPECT_EQ(r.pending(), 1u);
    // d2's checksum was computed for kClient's address; the pseudo-header of
    // the reassembled datagram uses the fragments' own source, so it fails.
    EXPECT_EQ(second->udp_checksum_ok, false);
    ASSERT_EQ(a.size(), 1u) << anomaly_ids(a);
    EXPECT_EQ(a[0].id, "udp.bad_checksum");
}

TEST(Reassembler, EvictsTheOldestToStayBounded) {
    const auto d = make_datagram(1500);
    Reassembler r(2);
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800, 1), a));
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800, 2), a));
    EXPECT_TRUE(a.empty());
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800, 3), a));  // evicts id 1
    EXPECT_EQ(r.pending(), 2u);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].id, "ip.fragment_evicted");
    EXPECT_NE(a[0].detail.find("0x0001"), std::string::npos) << a[0].detail;
    EXPECT_NE(a[0].detail.find("800 of ?"), std::string::npos) << a[0].detail;
    // id 1's second half now starts a new datagram (evicting id 2) and cannot complete.
    a.clear();
    EXPECT_FALSE(r.add(piece(d.udp, 800, d.udp.size(), 1), a));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_NE(a[0].detail.find("0x0002"), std::string::npos) << a[0].detail;
    // id 3 still completes.
    expect_whole(r.add(piece(d.udp, 800, d.udp.size(), 3), a), d);
    EXPECT_EQ(r.pending(), 1u);
}

TEST(Reassembler, MemoryStaysBoundedUnderAFlood) {
    const auto d = make_datagram(100);
    Reassembler r(16);
    Anomalies a;
    for (std::uint32_t id = 0; id < 5000; ++id) {
        r.add(piece(d.udp, 0, 56, static_cast<std::uint16_t>(id), Ipv4Addr{id}), a);
        ASSERT_LE(r.pending(), 16u);
    }
    EXPECT_EQ(a.size(), 5000u - 16u);
}

TEST(Reassembler, ExpireDropsOldDatagrams) {
    const auto d = make_datagram(1500);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800, 1), a, 1'000'000'000));
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800, 2), a, 20'000'000'000));
    EXPECT_EQ(r.expire(16'000'000'000, a), 1u);  // 15 s after the first
    EXPECT_EQ(r.pending(), 1u);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].id, "ip.fragment_timeout");
    EXPECT_NE(a[0].detail.find("0x0001"), std::string::npos) << a[0].detail;
    expect_whole(r.add(piece(d.udp, 800, d.udp.size(), 2), a, 21'000'000'000), d);
    EXPECT_EQ(r.expire(100'000'000'000, a), 0u);
}

TEST(Reassembler, OversizeFragmentsAreRefused) {
    // The ping-of-death shape: the last fragment ends past 65535.
    Reassembler r;
    Anomalies a;
    Ipv4Fragment f = piece(Bytes(16, 0), 0, 16);
    f.offset_bytes = 65512;
    f.more_fragments = false;
    EXPECT_FALSE(r.add(f, a));
    EXPECT_EQ(r.pending(), 0u);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].id, "ip.fragment_oversize");
    EXPECT_NE(a[0].detail.find("65512"), std::string::npos) << a[0].detail;
}

TEST(Reassembler, LastFragmentsThatDisagree) {
    const auto d = make_datagram(2000);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 1000, d.udp.size()), a));
    auto shorter = piece(d.udp, 1000, 1500);
    shorter.more_fragments = false;
    EXPECT_FALSE(r.add(shorter, a));
    ASSERT_TRUE(find_anomaly(a, "ip.fragment_inconsistent")) << anomaly_ids(a);
    EXPECT_NE(find_anomaly(a, "ip.fragment_inconsistent")->detail.find("2008 then 1500"), std::string::npos)
        << anomaly_ids(a);
    // The first end stands; the datagram still completes.
    expect_whole(r.add(piece(d.udp, 0, 1000), a), d);
}

TEST(Reassembler, DataPastTheEndIsTrimmed) {
    const auto d = make_datagram(2000);
    Reassembler r;
    Anomalies a;
    Bytes longer = d.udp;
    longer.resize(d.udp.size() + 100, 0xab);
    EXPECT_FALSE(r.add(piece(longer, 1000, longer.size() - 8), a));  // MF, ends past the real end
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    auto last = piece(d.udp, 1000, d.udp.size());
    last.more_fragments = false;
    const auto got = r.add(last, a);
    EXPECT_TRUE(find_anomaly(a, "ip.fragment_inconsistent")) << anomaly_ids(a);
    expect_whole(got, d);
}

TEST(Reassembler, TruncatedFragmentNeverCompletesWrong) {
    const auto d = make_datagram(2000);
    Reassembler r;
    Anomalies a;
    auto last = piece(d.udp, 1000, d.udp.size());
    last.data.resize(500);  // the snap length cut it
    EXPECT_FALSE(r.add(last, a));
    EXPECT_FALSE(r.add(piece(d.udp, 0, 1000), a));
    EXPECT_EQ(r.pending(), 1u);
}

TEST(Reassembler, OnlyUdpIsCollected) {
    const auto d = make_datagram(1000);
    Reassembler r;
    Anomalies a;
    auto f = piece(d.udp, 0, 504);
    f.protocol = 6;
    EXPECT_FALSE(r.add(f, a));
    EXPECT_EQ(r.pending(), 0u);
    EXPECT_TRUE(a.empty());
}

TEST(Reassembler, BadChecksumOnAnyFragmentShows) {
    const auto d = make_datagram(1500);
    Reassembler r;
    Anomalies a;
    auto first = piece(d.udp, 0, 800);
    first.ip_checksum_ok = false;
    EXPECT_FALSE(r.add(first, a));
    const auto got = r.add(piece(d.udp, 800, d.udp.size()), a);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->ip_checksum_ok, false);
}

TEST(Reassembler, CorruptedReassembledDatagramFailsItsUdpChecksum) {
    const auto d = make_datagram(1500);
    Reassembler r;
    Anomalies a;
    auto second = piece(d.udp, 800, d.udp.size());
    second.data[10] ^= 0xff;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800), a));
    const auto got = r.add(second, a);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->udp_checksum_ok, false);
    EXPECT_NE(find_anomaly(a, "udp.bad_checksum"), nullptr) << anomaly_ids(a);
}

TEST(Reassembler, MovesKeepTheirState) {
    const auto d = make_datagram(1500);
    Reassembler r;
    Anomalies a;
    EXPECT_FALSE(r.add(piece(d.udp, 0, 800), a));
    Reassembler moved(std::move(r));
    EXPECT_EQ(moved.pending(), 1u);
    Reassembler assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.pending(), 1u);
    expect_whole(assigned.add(piece(d.udp, 800, d.udp.size()), a), d);
}

TEST(Reassembler, EndToEndFromLibtinsFragments) {
    // Fragments built as whole Ethernet frames by libtins, decoded by
    // decode_frame, put back together by the Reassembler.
    const auto d = make_datagram(4000, 5);
    std::vector<Bytes> frames;
    const std::size_t step = 1480;
    for (std::size_t at = 0; at < d.udp.size(); at += step) {
        const std::size_t end = std::min(at + step, d.udp.size());
        Tins::IP ip(kServer.ip.to_string(), kClient.ip.to_string());
        ip.id(0x1234);
        ip.ttl(61);
        ip.protocol(17);
        ip.fragment_offset(static_cast<std::uint16_t>(at / 8));
        if (end < d.udp.size()) ip.flags(Tins::IP::MORE_FRAGMENTS);
        auto pkt = Tins::EthernetII(kServer.mac.to_string(), kClient.mac.to_string()) / ip /
                   Tins::RawPDU(d.udp.data() + at, static_cast<std::uint32_t>(end - at));
        frames.push_back(pkt.serialize());
    }
    ASSERT_EQ(frames.size(), 3u);
    std::swap(frames[0], frames[2]);
    Reassembler r;
    Anomalies a;
    std::optional<UdpDatagram> got;
    for (const auto& f : frames) {
        const auto dec = decode_frame(linktype::kEthernet, f);
        ASSERT_EQ(dec.kind, DecodedFrame::Kind::Fragment) << anomaly_ids(dec.anomalies);
        EXPECT_TRUE(dec.anomalies.empty()) << anomaly_ids(dec.anomalies);
        got = r.add(*dec.fragment, a);
    }
    expect_whole(got, d);
    EXPECT_TRUE(a.empty()) << anomaly_ids(a);
}
