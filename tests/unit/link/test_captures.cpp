// Every public capture read with PcapReader and decoded with decode_frame.
// The expected port pairs, payload sizes and checksum verdicts were taken
// from tshark with UDP checksum validation on, so the decoder is checked
// against Wireshark's dissectors, not against itself.

#include <gtest/gtest.h>

#include "link_test_util.hpp"

using namespace linktest;

namespace {

/// One token per frame: "sport>dport/payload" for UDP, "!" appended when the
/// UDP checksum does not verify; "arp" for ARP; otherwise the kind's name.
std::string describe(const DecodedFrame& d) {
    switch (d.kind) {
    case DecodedFrame::Kind::Udp: {
        std::string s = std::to_string(d.udp->src_port) + ">" + std::to_string(d.udp->dst_port) + "/" +
                        std::to_string(d.udp->payload.size());
        if (d.udp->udp_checksum_ok == false) s += "!";
        if (d.udp->checksum_offloaded) s += "~";
        return s;
    }
    case DecodedFrame::Kind::Arp: return "arp";
    default: return to_string(d.kind);
    }
}

struct Expect {
    const char* file;
    int linktype;
    std::size_t frames;
    std::int64_t first_ns;  ///< frame 1 time (tshark frame.time_epoch)
    const char* frames_spec;
};

const std::vector<Expect>& expectations() {
    static const std::vector<Expect> all = {
        {"chrissanders-dhcp-dora.pcapng", 1, 4, 1476375983772197000,
         "68>67/300 67>68/302 68>67/300 67>68/302"},
        {"iagox86-tftp-ack0-badopcode-errorcode.pcap", 1, 14, 1307469970540920000,
         "42521>69/20 69>42521/516 42521>69/4 69>42521/516 42521>69/4 69>42521/516 42521>69/4 "
         "69>42521/516 42521>69/2 69>42521/44 42521>69/24 69>42521/4 42521>69/91 69>42521/4"},
        {"netboot-bios-pxe-proxydhcp-tftp-rrq.pcap", 1, 9, 1456626113232810000,
         "68>67/548 67>68/321~ 67>68/318 68>67/548 67>68/318 4011>4011/548 4011>4011/321~ 2070>69/21 "
         "2071>69/26"},
        {"spicy-tftp-oack-blksize-loopback.pcap", 0, 7, 1737142107374696000,
         "60027>69/30~ 50012>60027/14~ 60027>50012/4~ 50012>60027/260~ 60027>50012/4~ 50012>60027/194~ "
         "60027>50012/4~"},
        {"tcpdump-dhcp-mud-relayed-request-ack.pcap", 1, 2, 1481200121189402000, "67>67/394 67>67/310"},
        {"tcpdump-tftp-rrq-basic.pcap", 1, 7, 1433421113718074000,
         "44935>69/14 59557>44935/516 44935>59557/4 59557>44935/516 44935>59557/4 59557>44935/109 "
         "44935>59557/4"},
        {"tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng", 1, 26, 1476365796322322000,
         "arp arp 68>67/347 67>68/311~ arp arp arp arp 68>67/359 67>68/311~ 68>67/293 arp arp arp arp arp "
         "arp arp arp arp arp 137>137/50~ arp arp arp 137>137/50~"},
    };
    return all;
}

}  // namespace

TEST(PublicCaptures, EveryFileIsCoveredHere) {
    // bootp_asan has a test of its own below.
    EXPECT_EQ(expectations().size() + 1, public_captures().size());
}

TEST(PublicCaptures, FramesPortsAndChecksumsMatchWireshark) {
    for (const auto& e : expectations()) {
        SCOPED_TRACE(e.file);
        const auto r = read_all(capture_path(e.file));
        EXPECT_EQ(r.error, "");
        EXPECT_EQ(r.linktype, e.linktype);
        ASSERT_EQ(r.frames.size(), e.frames);
        EXPECT_EQ(r.frames.front().timestamp_ns, e.first_ns);
        std::string spec;
        for (const auto& f : r.frames) {
            EXPECT_EQ(f.number, static_cast<std::size_t>(&f - r.frames.data()) + 1);
            EXPECT_EQ(f.original_length, f.data.size());
            const auto d = decode_frame(r.linktype, f.data);
            if (!spec.empty()) spec += " ";
            spec += describe(d);
            if (d.udp) {
                // Whole datagrams: nothing here was cut by a snap length.
                EXPECT_TRUE(d.udp->complete);
                EXPECT_EQ(d.udp->payload.size(), d.udp->declared_length);
                // Only the checksum findings Wireshark also makes.
                for (const auto& a : d.anomalies)
                    EXPECT_TRUE(a.id == "udp.bad_checksum" || a.id == "ip.bad_checksum")
                        << "frame " << f.number << ": " << anomaly_ids(d.anomalies);
            } else {
                EXPECT_TRUE(d.anomalies.empty()) << "frame " << f.number << ": " << anomaly_ids(d.anomalies);
            }
        }
        EXPECT_EQ(spec, e.frames_spec);
    }
}

TEST(PublicCaptures, TimestampsAreNanosecondsForMicroAndPcapng) {
    // tcpdump-tftp-rrq-basic.pcap is a microsecond pcap: frame 2 at .718623 s.
    auto r = read_all(capture_path("tcpdump-tftp-rrq-basic.pcap"));
    ASSERT_GE(r.frames.size(), 2u);
    for (std::size_t i = 1; i < r.frames.size(); ++i) {
        EXPECT_GE(r.frames[i].timestamp_ns, r.frames[i - 1].timestamp_ns);
        EXPECT_EQ(r.frames[i].timestamp_ns % 1000, 0) << "microsecond file scaled by 1000";
    }
}

TEST(PublicCaptures, LoopbackFramesFromSpicy) {
    // spicy-tftp-oack-blksize-loopback.pcap: NULL link, host-order family 2,
    // IPv4 checksum left 0 by checksum offload.
    const auto r = read_all(capture_path("spicy-tftp-oack-blksize-loopback.pcap"));
    ASSERT_EQ(r.frames.size(), 7u);
    const auto d = decode_frame(r.linktype, r.frames[0].data);
    ASSERT_EQ(d.kind, DecodedFrame::Kind::Udp);
    EXPECT_TRUE(d.src_mac.is_zero());
    EXPECT_EQ(d.ethertype, 0x0800);
    EXPECT_EQ(d.udp->src_ip, Ipv4Addr::from_octets(127, 0, 0, 1));
    // Both checksums were left to offload by the capturing host: the IPv4
    // header checksum is 0 and the UDP field holds the pseudo-header sum.
    // Neither is a fault of the peers, so no anomaly is raised.
    EXPECT_EQ(d.udp->ip_checksum_ok, false);
    EXPECT_EQ(d.udp->udp_checksum_ok, std::nullopt);
    EXPECT_TRUE(d.udp->checksum_offloaded);
    EXPECT_EQ(find_anomaly(d.anomalies, "ip.bad_checksum"), nullptr);
    EXPECT_EQ(find_anomaly(d.anomalies, "udp.bad_checksum"), nullptr);
}

TEST(PublicCaptures, TftpDataFramesCarryTheWholeBlock) {
    // tcpdump-tftp-rrq-basic.pcap frame 2: DATA 1 with 512 bytes; frame 3: a
    // 4-byte ACK in a 60-byte Ethernet frame, the padding is not payload.
    const auto r = read_all(capture_path("tcpdump-tftp-rrq-basic.pcap"));
    ASSERT_EQ(r.frames.size(), 7u);
    auto d = decode_frame(r.linktype, r.frames[1].data);
    ASSERT_TRUE(d.udp);
    EXPECT_EQ(d.udp->payload.size(), 516u);
    EXPECT_EQ(d.udp->payload[1], 3);  // DATA
    EXPECT_EQ(d.udp->ip_checksum_ok, true);
    EXPECT_EQ(d.udp->udp_checksum_ok, true);
    d = decode_frame(r.linktype, r.frames[2].data);
    EXPECT_EQ(r.frames[2].data.size(), 60u);
    ASSERT_TRUE(d.udp);
    EXPECT_EQ(d.udp->payload, (Bytes{0, 4, 0, 1}));
    EXPECT_EQ(d.udp->src_ip, Ipv4Addr::from_octets(192, 168, 1, 2));
    EXPECT_EQ(d.udp->dst_ip, Ipv4Addr::from_octets(192, 168, 1, 1));
}

TEST(PublicCaptures, ArpFromTianocore) {
    // tianocore-BZ17 frame 1: "Who has 202.12.27.33? Tell 192.168.0.1".
    const auto r = read_all(capture_path("tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng"));
    ASSERT_FALSE(r.frames.empty());
    const auto d = decode_frame(r.linktype, r.frames[0].data);
    ASSERT_EQ(d.kind, DecodedFrame::Kind::Arp);
    EXPECT_EQ(d.arp->operation, 1);
    EXPECT_EQ(d.arp->sender_ip, Ipv4Addr::from_octets(192, 168, 0, 1));
    EXPECT_EQ(d.arp->target_ip, Ipv4Addr::from_octets(202, 12, 27, 33));
    EXPECT_EQ(d.arp->sender_mac, d.src_mac);
    EXPECT_TRUE(d.dst_mac.is_broadcast());
}

TEST(PublicCaptures, FuzzerFrameFromTcpdumpBootpAsan) {
    // tcpdump-bootp-asan-malformed.pcap: 90 of 65570 bytes captured; IPv4 flags
    // reserved+DF+MF with offset 0 (so a first fragment), total length 60951,
    // bad header checksum. The decoder must describe it, not choke on it.
    const auto r = read_all(capture_path("tcpdump-bootp-asan-malformed.pcap"));
    EXPECT_EQ(r.error, "");
    ASSERT_EQ(r.frames.size(), 1u);
    EXPECT_EQ(r.frames[0].original_length, 65570u);
    const auto& data = r.frames[0].data;
    EXPECT_LT(data.size(), 65570u);
    const auto d = decode_frame(r.linktype, data);
    EXPECT_EQ(d.kind, DecodedFrame::Kind::Fragment) << anomaly_ids(d.anomalies);
    ASSERT_TRUE(d.fragment);
    EXPECT_TRUE(d.fragment->more_fragments);
    EXPECT_EQ(d.fragment->offset_bytes, 0u);
    EXPECT_EQ(d.fragment->declared_size, 60951u - 20u);
    EXPECT_EQ(d.fragment->data.size(), data.size() - 14 - 20);
    EXPECT_EQ(d.fragment->ip_checksum_ok, false);
    for (const char* id : {"ip.truncated", "ip.bad_checksum", "ip.reserved_flag"})
        EXPECT_NE(find_anomaly(d.anomalies, id), nullptr) << id << ": " << anomaly_ids(d.anomalies);
    const auto* t = find_anomaly(d.anomalies, "ip.truncated");
    ASSERT_NE(t, nullptr);
    EXPECT_NE(t->detail.find("60951"), std::string::npos) << t->detail;

    // The cut fragment can never complete, and a bounded reassembler forgets it.
    Reassembler reassembler(1);
    Anomalies anomalies;
    EXPECT_FALSE(reassembler.add(*d.fragment, anomalies).has_value());
}
