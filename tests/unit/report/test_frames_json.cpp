// The JSON report's `frames` array: every kept frame once, TFTP DATA/ACK
// lock-step collapsed into runs, fields as docs/report-schema.md says.

#include <gtest/gtest.h>

#include <set>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/report/report.hpp"
#include "report_test_util.hpp"
#include "trace_fixtures.hpp"

using namespace reporttest;
using nlohmann::json;

namespace {

const char* kHealthy = "ipxe-bios-isc-dhcpd-tftpd-hpa.pcap";
const char* kNoNextServer = "ipxe-bios-dhcpd-no-next-server.pcap";

}  // namespace

TEST(FramesJson, EveryEntryHasTheDocumentedFields) {
    const auto a = analyse(lab_capture(kHealthy));
    const json& frames = a.report.at("frames");
    ASSERT_TRUE(frames.is_array());
    ASSERT_FALSE(frames.empty());
    std::size_t previous = 0;
    for (const auto& f : frames) {
        for (const char* key : {"number", "last_number", "time_ms", "src", "dst", "protocol", "direction", "client_mac",
                                "label", "summary", "anomalies", "length", "hex", "run"})
            EXPECT_TRUE(f.contains(key)) << key << " missing in " << f.dump();
        EXPECT_GT(f["number"].get<std::size_t>(), previous) << "entries are ordered by frame number";
        previous = f["number"].get<std::size_t>();
        EXPECT_GE(f["last_number"].get<std::size_t>(), f["number"].get<std::size_t>());
        EXPECT_GE(f["time_ms"].get<double>(), 0.0);
        const std::string proto = f["protocol"];
        EXPECT_TRUE(proto == "dhcp" || proto == "bootserver" || proto == "tftp" || proto == "arp" || proto == "other");
        const std::string dir = f["direction"];
        EXPECT_TRUE(dir == "from_client" || dir == "to_client" || dir == "unknown");
        EXPECT_TRUE(f["anomalies"].is_array());
        if (f["run"].is_null()) {
            ASSERT_TRUE(f["hex"].is_string());
            auto bytes = pxecheck::from_hex(f["hex"].get<std::string>());
            ASSERT_TRUE(bytes);
            EXPECT_LE(bytes->size(), f["length"].get<std::size_t>());
            EXPECT_EQ(f["number"], f["last_number"]);
        } else {
            EXPECT_TRUE(f["hex"].is_null());
            EXPECT_TRUE(f["length"].is_null());
            EXPECT_EQ(f["protocol"], "tftp");
        }
    }
}

TEST(FramesJson, KeptFramesOnceAndDataAckCollapsedIntoRuns) {
    const auto a = analyse(lab_capture(kHealthy));
    const json& frames = a.report.at("frames");
    std::set<std::size_t> single;
    std::size_t run_frames = 0;
    for (const auto& f : frames) {
        if (f["run"].is_null()) single.insert(f["number"].get<std::size_t>());
        else run_frames += f["run"]["frames"].get<std::size_t>();
    }
    // Every frame the trace kept is one entry of its own.
    for (const auto& f : a.trace.frames) EXPECT_TRUE(single.count(f.number)) << "frame " << f.number;
    EXPECT_EQ(single.size(), a.trace.frames.size());
    // Every DATA/ACK packet of every transfer is in exactly one run.
    std::size_t data_ack = 0;
    for (const auto& t : a.trace.transfers)
        for (const auto& e : t.events) data_ack += (e.opcode == 3 || e.opcode == 4);
    EXPECT_EQ(run_frames, data_ack);
    EXPECT_GT(data_ack, 0u);
    // Kept frames plus DATA/ACK packets are all frames of this capture but the
    // ones the trace does not follow (none here besides those counted).
    EXPECT_LE(single.size() + data_ack, a.trace.total_frames);
}

TEST(FramesJson, TheFirstDownloadIsOneRunWithItsSize) {
    const auto a = analyse(lab_capture(kHealthy));
    const json* pxelinux = nullptr;
    for (const auto& f : a.report["frames"])
        if (!f["run"].is_null() && f["run"]["file"] == "pxelinux.0") pxelinux = &f;
    ASSERT_NE(pxelinux, nullptr);
    const json& run = (*pxelinux)["run"];
    EXPECT_EQ(run["first_block"], 1);
    EXPECT_EQ(run["last_block"], 30);
    EXPECT_EQ(run["data"], 30);
    EXPECT_EQ(run["acks"], 31);  // ACK 0 of the OACK, then one per block
    EXPECT_EQ(run["octets"], 42430);
    EXPECT_EQ(run["repeated"], 0);
    EXPECT_EQ((*pxelinux)["label"], "TFTP DATA 1-30 / ACK");
    EXPECT_NE((*pxelinux)["summary"].get<std::string>().find("42430 octets"), std::string::npos);
    EXPECT_EQ((*pxelinux)["direction"], "to_client");
    // Server to client, with the server's MAC learnt from its other frames.
    EXPECT_EQ((*pxelinux)["src"].get<std::string>().rfind("02:00:00:14:00:c8/192.168.14.200:", 0), 0u)
        << (*pxelinux)["src"];
    EXPECT_EQ((*pxelinux)["dst"].get<std::string>().rfind("52:54:00:12:34:56/192.168.14.10:", 0), 0u)
        << (*pxelinux)["dst"];
    EXPECT_EQ((*pxelinux)["client_mac"], "52:54:00:12:34:56");
}

TEST(FramesJson, DhcpFramesCarryLabelsEndpointsAndBytes) {
    const auto a = analyse(lab_capture(kNoNextServer));
    const json& frames = a.report.at("frames");
    ASSERT_GE(frames.size(), 4u);
    const json& first = frames[0];
    EXPECT_EQ(first["number"], 1);
    EXPECT_EQ(first["time_ms"], 0.0);
    EXPECT_EQ(first["protocol"], "dhcp");
    EXPECT_EQ(first["direction"], "from_client");
    EXPECT_EQ(first["label"], "DHCP DISCOVER");
    EXPECT_EQ(first["src"], "52:54:00:12:34:56/0.0.0.0:68");
    EXPECT_EQ(first["dst"], "ff:ff:ff:ff:ff:ff/255.255.255.255:67");
    EXPECT_EQ(first["summary"].get<std::string>().rfind("DHCP DISCOVER xid 0x", 0), 0u);
    const auto* kept = a.trace.frame_by_number(1);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(first["hex"], pxecheck::to_hex(kept->raw));
    // The offer names the file and no server.
    const json* offer = nullptr;
    for (const auto& f : frames)
        if (f["number"] == 4) offer = &f;
    ASSERT_NE(offer, nullptr);
    EXPECT_EQ((*offer)["label"], "DHCP OFFER 192.168.14.10 \"pxelinux.0\"");
    EXPECT_EQ((*offer)["direction"], "to_client");
}

TEST(FramesJson, SelectionIsReported) {
    const auto a = analyse(lab_capture(kNoNextServer));
    ASSERT_TRUE(a.report.contains("selection"));
    EXPECT_TRUE(a.report["selection"]["only"].is_array());
    EXPECT_TRUE(a.report["selection"]["skip"].is_array());
}

// The pool gives the address to the next machine and its ROM picks the same
// port: each TFTP frame belongs to the client whose request came last before
// it, not to the first client ever seen at that address and port.
TEST(FramesJson, TftpFramesBelongToTheLatestClientAtTheirAddressAndPort) {
    using namespace pxecheck;
    using namespace pxecheck::fixtures;
    const MacAddr macs[2] = {MacAddr{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}}, MacAddr{{0x52, 0x54, 0x00, 0x00, 0x00, 0x02}}};
    TraceScript s;
    for (const auto& mac : macs) {
        s.frame(link::build_udp_frame({mac, kClientIp, 2070}, {kServerMac, kServerIp, 69},
                                      wire::encode_tftp(wire::make_rrq("pxelinux.0", "octet", {{"tsize", "0"}}))));
        s.frame(link::build_udp_frame({kServerMac, kServerIp, 40000}, {mac, kClientIp, 2070},
                                      wire::encode_tftp(wire::make_error(wire::TftpErrorCode::FileNotFound, "no"))));
        s.advance_ms(300'000);
    }
    const json frames = report::frames_json(s.finish());
    ASSERT_EQ(frames.size(), 4u) << frames.dump(2);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(frames[i]["client_mac"], macs[i / 2].to_string()) << frames[i].dump(2);
}
