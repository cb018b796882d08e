// Boot-flow rules (FLOW-001..006): who answered, who ignored whom, who went
// silent. Each rule gets traces that break it (asserting ID, blame and a
// frame) and one that keeps it; the traces are real Ethernet frames fed
// through the TraceBuilder (tests/support/trace_fixtures.hpp), numbered from
// 1 in the order the test sends them, 1 ms apart unless a test waits. At the
// end, the lab captures under captures/ and the public ones.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "finding_helpers.hpp"
#include "trace_fixtures.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::fixtures;
using checks::Blame;
using checks::Finding;
using checks::Severity;
using wire::DhcpMessage;
using wire::DhcpMessageType;
using wire::TftpErrorCode;

const Ipv4Addr kNowhere = Ipv4Addr::from_octets(192, 168, 14, 99);
constexpr std::uint16_t kCp = 2070;
constexpr std::uint16_t kSt = 40000;

std::vector<Finding> flow(const analyze::Trace& t) { return run_rules(t, {"FLOW-", "TFTP-"}); }

std::vector<Finding> run(TraceScript& s, std::string_view id) { return with_id(flow(s.finish()), id); }

/// Findings other than INFO.
std::vector<Finding> serious(const std::vector<Finding>& fs) {
    std::vector<Finding> out;
    std::copy_if(fs.begin(), fs.end(), std::back_inserter(out),
                 [](const Finding& f) { return f.severity != Severity::Info; });
    return out;
}

/// Some unrelated frame \p ms later, so the capture visibly runs on.
void later(TraceScript& s, std::int64_t ms) {
    s.advance_ms(ms);
    s.frame(link::build_udp_frame({kOtherServerMac, kOtherServerIp, 5353},
                                  {MacAddr::broadcast(), Ipv4Addr::broadcast(), 5353}, Bytes(8, 0)));
}

/// DISCOVER, OFFER, REQUEST, ACK from kServerIp (frames 1-4) naming \p file on \p siaddr.
void dora(TraceScript& s, Ipv4Addr siaddr = kServerIp, std::string_view file = "pxelinux.0") {
    auto d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, siaddr, file));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack, kServerIp, kClientIp, siaddr, file));
}

/// The same DISCOVER without option 60: a later stage (pxelinux, the OS).
DhcpMessage later_stage_discover(std::uint32_t xid) {
    auto d = pxe_discover(xid);
    d.remove_option(wire::opt::kVendorClass);
    d.finish();
    return d;
}

void rrq(TraceScript& s, std::string_view file, std::uint16_t cp = kCp, Ipv4Addr server = kServerIp) {
    s.tftp_from_client(wire::make_rrq(file, "octet", {{"blksize", "1432"}, {"tsize", "0"}}), cp, 69, server);
}

std::optional<analyze::Trace> load(const std::string& path) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    auto r = link::PcapReader::open(path);
    if (!r) return std::nullopt;
    auto& reader = *r.value();
    analyze::TraceBuilder b(path, reader.linktype());
    while (auto fr = reader.next()) b.add(fr->number, fr->timestamp_ns, fr->data, fr->original_length);
    return std::move(b).finish();
}

const std::string kLab = std::string(PXECHECK_SOURCE_DIR) + "/captures/";

std::optional<analyze::Trace> load_public(const std::string& name) {
    if (auto t = load(kLab + "public/" + name)) return t;
    return load("/work/shared/captures/public/" + name);
}

}  // namespace

// ================================================================================
// FLOW-001: several DHCP servers answer one DISCOVER
// ================================================================================

TEST(FLOW_001, DisagreeingServersFail) {
    TraceScript s;
    auto d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));  // 2: .200, pxelinux.0 on .200
    const auto other = Ipv4Addr::from_octets(192, 168, 14, 38);
    s.server(reply(d, DhcpMessageType::Offer, kOtherServerIp, other, kOtherServerIp, "other.0"), kOtherServerIp,
             kOtherServerMac);  // 3
    auto r = pxe_request(d, kOtherServerIp, other);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack, kOtherServerIp, other, kOtherServerIp, "other.0"), kOtherServerIp,
             kOtherServerMac);
    const auto fs = run(s, "FLOW-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Network);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_EQ(fs[0].client, kClientMac);
    EXPECT_TRUE(contains(fs[0].detail, "192.168.14.200 (address 192.168.14.10, file \"pxelinux.0\" on 192.168.14.200)"))
        << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "192.168.14.201 (address 192.168.14.38, file \"other.0\" on 192.168.14.201)"))
        << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "disagree")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "the client took 192.168.14.201")) << fs[0].detail;
}

TEST(FLOW_001, AgreeingServersWarn) {
    TraceScript s;
    auto d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    s.server(reply(d, DhcpMessageType::Offer, kOtherServerIp, Ipv4Addr::from_octets(192, 168, 14, 38)),
             kOtherServerIp, kOtherServerMac);  // same file on the same boot server
    const auto fs = run(s, "FLOW-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Network);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "they agree")) << fs[0].detail;
}

TEST(FLOW_001, OneServerOrServerPlusProxyPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "FLOW-001").empty());

    TraceScript p;
    auto d = pxe_discover();
    p.client(d);
    p.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, Ipv4Addr{}, ""));
    p.server(proxy_offer(d), kOtherServerIp, kOtherServerMac);
    EXPECT_TRUE(run(p, "FLOW-001").empty());
}

// ================================================================================
// FLOW-002: DISCOVERs with no OFFER
// ================================================================================

TEST(FLOW_002, NoOfferBlamesNetwork) {
    TraceScript s;
    auto d = pxe_discover();
    for (int wait : {4000, 8000, 16000, 0}) {
        s.client(d);
        s.advance_ms(wait);
    }
    const auto fs = run(s, "FLOW-002");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Network);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(has_frame(fs[0], 4));
    EXPECT_TRUE(contains(fs[0].detail, "4 PXE firmware DISCOVERs over 28.0 s got no OFFER")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "drops broadcasts")) << fs[0].detail;
}

TEST(FLOW_002, SingleDiscoverAtCaptureEndIsInfo) {
    TraceScript s;
    s.client(pxe_discover());
    const auto fs = run(s, "FLOW-002");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_TRUE(contains(fs[0].detail, "may just end")) << fs[0].detail;
}

TEST(FLOW_002, OfferWithForeignXidBlamesMaster) {
    TraceScript s;
    auto d = pxe_discover(0x1234abcd);
    s.client(d);
    s.server(reply(pxe_discover(0x5555), DhcpMessageType::Offer));  // 2: wrong xid
    s.advance_ms(4000);
    s.client(d);
    const auto fs = run(s, "FLOW-002");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(contains(fs[0].detail, "0x00005555")) << fs[0].detail;
}

TEST(FLOW_002, LaterStageIgnoredByServerBlamesConfig) {
    TraceScript s;
    s.healthy_boot();
    const auto ls = later_stage_discover(0x7777);
    s.client(ls);
    s.advance_ms(4000);
    s.client(ls);
    const auto fs = run(s, "FLOW-002");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(contains(fs[0].detail, "later-stage")) << fs[0].detail;
}

TEST(FLOW_002, AnsweredDiscoverPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "FLOW-002").empty());
}

// ================================================================================
// FLOW-003: OFFERs ignored, DISCOVER repeated, no REQUEST
// ================================================================================

TEST(FLOW_003, OffersWithoutBootInfoBlameConfig) {
    TraceScript s;
    auto d = pxe_discover();
    const auto plain = reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, Ipv4Addr{}, "");
    s.client(d);
    s.server(plain);  // 2
    s.advance_ms(4000);
    s.client(d);  // 3
    s.server(plain);
    s.advance_ms(8000);
    s.client(d);  // 5
    const auto fs = run(s, "FLOW-003");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 5));
    EXPECT_TRUE(contains(fs[0].detail, "2 more DISCOVERs")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "no boot file")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "boot information")) << fs[0].detail;
}

TEST(FLOW_003, UnicastOfferToBroadcastClientBlamesMaster) {
    TraceScript s;
    auto d = pxe_discover();  // asks for broadcast replies
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer), kServerIp, kServerMac, 67, /*broadcast=*/false);  // 2
    s.advance_ms(4000);
    s.client(d);
    const auto fs = run(s, "FLOW-003");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(contains(fs[0].detail, "unicast")) << fs[0].detail;
}

TEST(FLOW_003, UsableOfferIgnoredBlamesNic) {
    TraceScript s;
    auto d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));  // 2: address, file and server
    s.advance_ms(4000);
    s.client(d);  // 3
    const auto fs = run(s, "FLOW-003");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "file \"pxelinux.0\" on 192.168.14.200")) << fs[0].detail;
}

TEST(FLOW_003, RepeatedDiscoverThenRequestPasses) {
    TraceScript s;
    auto d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    s.client(d);  // iPXE repeats the DISCOVER while it waits for proxy offers
    s.server(reply(d, DhcpMessageType::Offer));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack));
    EXPECT_TRUE(run(s, "FLOW-003").empty());
}

// ================================================================================
// FLOW-004: an unfinished transfer, and who went silent
// ================================================================================

namespace {
/// RRQ, OACK, ACK 0 (frames 1-3), then \p blocks full DATA/ACK pairs of 1432 octets.
void stalled_transfer(TraceScript& s, int blocks) {
    rrq(s, "pxelinux.0");
    s.tftp_from_server(wire::make_oack({{"blksize", "1432"}, {"tsize", "42430"}}), kSt, kCp);
    s.tftp_from_client(wire::make_ack(0), kCp, kSt);
    for (int b = 1; b <= blocks; ++b) {
        s.tftp_from_server(wire::make_data(static_cast<std::uint16_t>(b), Bytes(1432, 1)), kSt, kCp);
        s.tftp_from_client(wire::make_ack(static_cast<std::uint16_t>(b)), kCp, kSt);
    }
}
}  // namespace

TEST(FLOW_004, ServerSilentAfterAckBlamesMaster) {
    TraceScript s;
    stalled_transfer(s, 17);  // ACK 17 is frame 3 + 34 = 37
    later(s, 3000);
    const auto fs = run(s, "FLOW-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 37));
    EXPECT_EQ(fs[0].detail,
              "RRQ \"pxelinux.0\": DATA 17 (1432 octets) at 0.04 s was the last DATA; the client's ACK 17 got no "
              "DATA 18 for the 3.0 s left in the capture (the server went silent)");
}

TEST(FLOW_004, ClientSilentAfterDataBlamesNic) {
    TraceScript s;
    stalled_transfer(s, 4);
    for (int i = 0; i < 3; ++i) {
        s.tftp_from_server(wire::make_data(5, Bytes(1432, 1)), kSt, kCp);  // 12, 13, 14
        s.advance_ms(1000);
    }
    later(s, 2000);
    const auto fs = run(s, "FLOW-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 14));
    EXPECT_TRUE(contains(fs[0].detail, "DATA 5 (1432 octets)")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "(sent 3 times) got no ACK")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "client went silent")) << fs[0].detail;
}

TEST(FLOW_004, CaptureEndingMidTransferIsInfo) {
    TraceScript s;
    stalled_transfer(s, 3);
    const auto fs = run(s, "FLOW-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_TRUE(contains(fs[0].detail, "may just end")) << fs[0].detail;
}

TEST(FLOW_004, MissingBootFileBlamesConfig) {
    TraceScript s;
    dora(s, kServerIp, "bios/pxelinux.0");
    rrq(s, "bios/pxelinux.0");  // 5
    s.tftp_from_server(wire::make_error(TftpErrorCode::FileNotFound, "File not found"), kSt, kCp);  // 6
    const auto fs = run(s, "FLOW-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 5));
    EXPECT_TRUE(has_frame(fs[0], 6));
    EXPECT_TRUE(contains(fs[0].detail, "ERROR 1 \"File not found\"")) << fs[0].detail;
}

TEST(FLOW_004, FailureRecoveredByReRequestIsInfo) {
    TraceScript s;
    stalled_transfer(s, 2);
    s.advance_ms(5000);
    s.tftp_transfer("pxelinux.0", 3000, 1432, 2071, 40001);
    const auto fs = run(s, "FLOW-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_TRUE(contains(fs[0].detail, "that transfer completed")) << fs[0].detail;
}

TEST(FLOW_004, CompleteTransferPasses) {
    TraceScript s;
    s.healthy_boot();
    later(s, 3000);
    EXPECT_TRUE(run(s, "FLOW-004").empty());
}

// ================================================================================
// FLOW-005: boot information but no RRQ
// ================================================================================

TEST(FLOW_005, BootInfoWithoutRrqWarns) {
    TraceScript s;
    dora(s);
    later(s, 5000);
    const auto fs = run(s, "FLOW-005");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 4));
    EXPECT_TRUE(contains(fs[0].detail, "ACK from 192.168.14.200")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "named \"pxelinux.0\" on 192.168.14.200")) << fs[0].detail;
}

TEST(FLOW_005, UnansweredArpForAbsentBootServerBlamesConfig) {
    TraceScript s;
    dora(s, kNowhere);
    link::ArpPacket who{1, kClientMac, kClientIp, MacAddr{}, kNowhere};
    s.frame(link::build_arp_frame(MacAddr::broadcast(), who));  // 5
    s.advance_ms(1000);
    s.frame(link::build_arp_frame(MacAddr::broadcast(), who));  // 6
    later(s, 5000);
    const auto fs = run(s, "FLOW-005");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 6));
    EXPECT_TRUE(contains(fs[0].detail, "ARP for 192.168.14.99 got no reply")) << fs[0].detail;
}

TEST(FLOW_005, CaptureEndingRightAfterAckIsInfo) {
    TraceScript s;
    dora(s);
    const auto fs = run(s, "FLOW-005");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
}

TEST(FLOW_005, DownloadPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "FLOW-005").empty());
}

// ================================================================================
// FLOW-006: RRQ never answered
// ================================================================================

TEST(FLOW_006, RetriedRrqToLiveServerBlamesMaster) {
    TraceScript s;
    dora(s);
    for (int wait : {1000, 2000, 4000, 0}) {
        rrq(s, "pxelinux.0");  // 5-8
        s.advance_ms(wait);
    }
    later(s, 8000);
    const auto fs = run(s, "FLOW-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 5));
    EXPECT_TRUE(has_frame(fs[0], 8));
    EXPECT_TRUE(contains(fs[0].detail, "sent 4 times over 7.0 s")) << fs[0].detail;
}

TEST(FLOW_006, RrqToAddressThatNeverAnsweredBlamesConfig) {
    TraceScript s;
    dora(s, kNowhere);
    for (int i = 0; i < 3; ++i) {
        rrq(s, "pxelinux.0", kCp, kNowhere);
        s.advance_ms(2000);
    }
    const auto fs = run(s, "FLOW-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 5));
    EXPECT_TRUE(contains(fs[0].detail, "nothing in the capture came from 192.168.14.99")) << fs[0].detail;
}

TEST(FLOW_006, PortUnreachableFromTheServerProvesNoTftpServiceThere) {
    // What a master's kernel does when no tftpd listens: each RRQ is
    // answered with ICMP port unreachable quoting it.
    TraceScript s;
    dora(s);
    const auto request = wire::make_rrq("pxelinux.0", "octet", {{"blksize", "1432"}});
    const Bytes rrq_frame =
        link::build_udp_frame({kClientMac, kClientIp, kCp}, {kServerMac, kServerIp, 69}, wire::encode_tftp(request));
    for (int i = 0; i < 3; ++i) {
        s.frame(rrq_frame);                                          // 5, 7, 9
        s.frame(icmp_error_frame(kServerMac, kServerIp, rrq_frame));  // 6, 8, 10
        s.advance_ms(1000);
    }
    const auto trace = s.finish();
    ASSERT_EQ(trace.transfers.size(), 1u);
    ASSERT_TRUE(trace.transfers[0].unreachable.has_value());
    EXPECT_EQ(trace.transfers[0].unreachable->frame, 6u);
    EXPECT_EQ(trace.transfers[0].unreachable->count, 3u);
    EXPECT_TRUE(trace.transfers[0].unreachable->refused_client);
    const auto fs = with_id(flow(trace), "FLOW-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 6));
    EXPECT_TRUE(contains(fs[0].detail, "refused by ICMP port unreachable from 192.168.14.200 (sent 3 times, 3 ICMP errors)"))
        << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "no TFTP service listens on port 69")) << fs[0].detail;
}

TEST(FLOW_006, HostUnreachableFromARouterBlamesTheNetwork) {
    TraceScript s;
    dora(s, kNowhere);
    const Bytes rrq_frame = link::build_udp_frame({kClientMac, kClientIp, kCp}, {kServerMac, kNowhere, 69},
                                                  wire::encode_tftp(wire::make_rrq("pxelinux.0", "octet", {})));
    s.frame(rrq_frame);
    s.frame(icmp_error_frame(kOtherServerMac, kOtherServerIp, rrq_frame, 3, 1));
    const auto fs = run(s, "FLOW-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Network);
    EXPECT_TRUE(contains(fs[0].detail, "host unreachable from 192.168.14.201")) << fs[0].detail;
}

TEST(FLOW_006, QuickReRequestMeansMissingRepliesIsInfo) {
    TraceScript s;
    s.tftp_from_client(wire::make_rrq("boot", "octet", {{"tsize", "0"}}), kCp, 69);      // 1
    s.tftp_from_client(wire::make_rrq("boot", "octet", {{"blksize", "1456"}}), 2071, 69);  // 2
    later(s, 5000);
    const auto fs = run(s, "FLOW-006");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(contains(fs[0].detail, "may miss the server's replies")) << fs[0].detail;
    EXPECT_EQ(fs[1].severity, Severity::Fail);  // the second one had 5 s to be answered
}

TEST(FLOW_006, AnsweredRrqPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "FLOW-006").empty());
}

// ================================================================================
// FLOW-010: the client declined its lease
// ================================================================================

/// An ARP reply from \p owner saying it holds \p ip, to the client.
Bytes arp_is_at(const MacAddr& owner, Ipv4Addr ip) {
    link::ArpPacket a;
    a.operation = 2;
    a.sender_mac = owner;
    a.sender_ip = ip;
    a.target_mac = kClientMac;
    return link::build_arp_frame(kClientMac, a);
}

/// The client's DECLINE of \p address (option 50 and 54, as RFC 2131 Table 5 wants).
DhcpMessage decline_of(Ipv4Addr address, std::uint32_t xid = 0x1234abcd) {
    auto d = pxe_discover(xid);
    d.remove_option(wire::opt::kVendorClass);  // Table 5: no 60 in a DECLINE
    d.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::Decline));
    d.set_option(wire::opt::kRequestedAddress, ByteView(address.octets().data(), 4));
    d.set_option(wire::opt::kServerId, ByteView(kServerIp.octets().data(), 4));
    d.finish();
    return d;
}

TEST(FLOW_010, AddressInUseBlamesConfigAndEndsTheBoot) {
    TraceScript s;
    dora(s);                                      // 1-4
    s.frame(arp_is_at(kOtherServerMac, kClientIp));  // 5: another host holds it
    s.client(decline_of(kClientIp));              // 6
    const auto fs = run(s, "FLOW-010");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_EQ(fs[0].frames, (std::vector<std::size_t>{4, 5, 6}));
    EXPECT_TRUE(contains(fs[0].detail, "declined 192.168.14.10, which 192.168.14.200 had given it")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, kOtherServerMac.to_string() + " answers ARP for 192.168.14.10")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "its boot stopped there")) << fs[0].detail;
}

TEST(FLOW_010, NoVisibleConflictBlamesTheNic) {
    TraceScript s;
    dora(s);
    // The client's own ARP probe (sender 0.0.0.0) is no conflict.
    link::ArpPacket probe;
    probe.operation = 1;
    probe.sender_mac = kClientMac;
    probe.target_ip = kClientIp;
    s.frame(link::build_arp_frame(MacAddr::broadcast(), probe));
    s.client(decline_of(kClientIp));
    const auto fs = run(s, "FLOW-010");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(contains(fs[0].detail, "the client rejected the lease itself")) << fs[0].detail;
}

TEST(FLOW_010, AnotherAddressAfterwardsMakesItAWarning) {
    TraceScript s;
    dora(s);
    s.frame(arp_is_at(kOtherServerMac, kClientIp));
    s.client(decline_of(kClientIp));
    s.advance_ms(10000);
    auto d = pxe_discover(0x7777);
    s.client(d);
    const Ipv4Addr next = Ipv4Addr::from_octets(192, 168, 14, 11);
    s.server(reply(d, DhcpMessageType::Offer, kServerIp, next));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack, kServerIp, next));  // 10
    const auto fs = run(s, "FLOW-010");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 10));
    EXPECT_TRUE(contains(fs[0].detail, "its next attempt (2) got 192.168.14.11 and went on")) << fs[0].detail;
}

TEST(FLOW_010, NoDeclineNoFinding) {
    TraceScript s;
    dora(s);
    s.frame(arp_is_at(kOtherServerMac, kOtherServerIp));  // an unrelated host's ARP
    EXPECT_TRUE(run(s, "FLOW-010").empty());
}

// ================================================================================
// Lab and public captures
// ================================================================================

TEST(FLOW_Captures, TwoDhcpServersDisagree) {
    auto t = load(kLab + "ipxe-bios-two-dhcp-servers.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = flow(*t);
    const auto two = with_id(fs, "FLOW-001");
    ASSERT_EQ(two.size(), 1u) << dump(fs);
    EXPECT_EQ(two[0].severity, Severity::Fail);
    EXPECT_EQ(two[0].blame, Blame::Network);
    EXPECT_GE(two[0].frames.size(), 2u);
    EXPECT_TRUE(contains(two[0].detail, "\"pxelinux.0\" on 192.168.14.200")) << two[0].detail;
    EXPECT_TRUE(contains(two[0].detail, "\"other.0\" on 192.168.14.201")) << two[0].detail;
    EXPECT_TRUE(with_id(fs, "FLOW-004").empty()) << dump(fs);
}

TEST(FLOW_Captures, MissingBootFileBlamesConfig) {
    auto t = load(kLab + "ipxe-bios-tftp-missing-file.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = flow(*t);
    const auto miss = with_id(fs, "FLOW-004");
    ASSERT_EQ(miss.size(), 1u) << dump(fs);
    EXPECT_EQ(miss[0].severity, Severity::Fail);
    EXPECT_EQ(miss[0].blame, Blame::Config);
    EXPECT_TRUE(contains(miss[0].detail, "\"bios/pxelinux.0\"")) << miss[0].detail;
    EXPECT_TRUE(contains(miss[0].detail, "ERROR 1")) << miss[0].detail;
}

TEST(FLOW_Captures, HealthyLabBootsOnlyHaveInfo) {
    // Real firmware against real masters: the UEFI size probe and pxelinux's
    // config search are normal and come out as INFO only.
    std::size_t seen = 0;
    for (const char* name : {"ipxe-bios-isc-dhcpd-tftpd-hpa.pcap", "ipxe-bios-dnsmasq-proxy.pcap",
                             "ovmf-uefi-dnsmasq.pcap", "ovmf-uefi-isc-dhcpd-tftpd-hpa.pcap"}) {
        auto t = load(kLab + name);
        if (!t) continue;
        ++seen;
        const auto fs = flow(*t);
        EXPECT_TRUE(serious(fs).empty()) << name << "\n" << dump(fs);
        EXPECT_FALSE(with_id(fs, "TFTP-028").empty()) << name << "\n" << dump(fs);
        if (std::string(name).rfind("ovmf", 0) == 0) {
            EXPECT_EQ(with_id(fs, "TFTP-027").size(), 1u) << dump(fs);
        }
    }
    if (seen == 0) GTEST_SKIP() << "captures not available";
}

TEST(FLOW_Captures, OneSidedNetbootCaptureIsInfoOnly) {
    auto t = load_public("netboot-bios-pxe-proxydhcp-tftp-rrq.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = flow(*t);
    const auto unanswered = with_id(fs, "FLOW-006");
    ASSERT_EQ(unanswered.size(), 2u) << dump(fs);
    EXPECT_TRUE(has_frame(unanswered[0], 8));
    EXPECT_TRUE(contains(unanswered[0].detail, "may miss the server's replies")) << unanswered[0].detail;
    EXPECT_TRUE(has_frame(unanswered[1], 9));
    EXPECT_TRUE(serious(fs).empty()) << dump(fs);
}

TEST(FLOW_Captures, Edk2DeclineAfterTheAckIsWhyTheBootStopped) {
    // EDK2 bug 17: the UEFI PXE client declines a valid lease from a server
    // in another subnet ("Lease is denied upon entering bound"); no host
    // claims the address.
    auto t = load(kLab + "public/tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng");
    ASSERT_TRUE(t);
    const auto fs = flow(*t);
    const auto declined = with_id(fs, "FLOW-010");
    ASSERT_EQ(declined.size(), 1u) << dump(fs);
    EXPECT_EQ(declined[0].severity, Severity::Fail);
    EXPECT_EQ(declined[0].blame, Blame::Nic);
    EXPECT_EQ(declined[0].frames, (std::vector<std::size_t>{10, 11}));
    EXPECT_TRUE(contains(declined[0].detail, "declined 192.168.2.0, which 192.168.0.1 had given it")) << declined[0].detail;
    EXPECT_TRUE(contains(declined[0].detail, "\"Lease is denied upon entering bound\"")) << declined[0].detail;
}

// --- FLOW-011: a DHCPNAK refused the client's REQUEST -------------------------

namespace {

/// An INIT-REBOOT REQUEST for \p address (option 50, no 54, ciaddr 0).
DhcpMessage init_reboot(std::uint32_t xid, Ipv4Addr address) {
    DhcpMessage m = pxe_discover(xid);
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::Request));
    m.set_option_ip(wire::opt::kRequestedAddress, address);
    m.finish();
    return m;
}

const Ipv4Addr kStale = Ipv4Addr::from_octets(10, 9, 9, 9);

/// The NAK \p server sends to \p request.
DhcpMessage nak_of(const DhcpMessage& request, Ipv4Addr server = kServerIp) {
    return reply(request, DhcpMessageType::Nak, server, Ipv4Addr{}, Ipv4Addr{}, "");
}

}  // namespace

TEST(FLOW_011, InitRebootRefusedThenBoundIsInfo) {
    TraceScript s;
    const auto r = init_reboot(0x100, kStale);
    s.client(r);          // 1
    s.server(nak_of(r));  // 2
    s.advance_ms(50);
    dora(s);              // 3-6: a new attempt, bound
    const auto fs = run(s, "FLOW-011");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_EQ(fs[0].attempt, 1u);
    EXPECT_EQ(fs[0].frames, (std::vector<std::size_t>{1, 2, 6}));
    EXPECT_TRUE(contains(fs[0].detail, "INIT-REBOOT REQUEST for 10.9.9.9")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "its next attempt (2) got 192.168.14.10")) << fs[0].detail;
}

TEST(FLOW_011, InitRebootRefusedAtTheCapturesEndWarns) {
    TraceScript s;
    const auto r = init_reboot(0x100, kStale);
    s.client(r);
    s.server(nak_of(r));
    const auto fs = run(s, "FLOW-011");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_TRUE(contains(fs[0].detail, "without the client getting an address")) << fs[0].detail;
}

TEST(FLOW_011, AnotherServerRefusingTheChosenLeaseBlamesTheNetwork) {
    TraceScript s;
    auto d = pxe_discover(0x200);
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(nak_of(r, kOtherServerIp), kOtherServerIp, kOtherServerMac);  // 4: not the chosen server
    const auto fs = run(s, "FLOW-011");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Network);
    EXPECT_TRUE(contains(fs[0].detail, "a lease offered by 192.168.14.200")) << fs[0].detail;
}

TEST(FLOW_011, TheChosenServerRefusingItsOwnOfferBlamesTheMaster) {
    TraceScript s;
    auto d = pxe_discover(0x300);
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(nak_of(r));
    const auto fs = run(s, "FLOW-011");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
}

TEST(FLOW_011, ANakLoopFailsOnItsThirdAttempt) {
    TraceScript s;
    for (std::uint32_t i = 0; i < 3; ++i) {
        const auto r = init_reboot(0x400 + i, kStale);
        s.client(r);
        s.server(nak_of(r));
        s.advance_ms(2000);
    }
    const auto fs = run(s, "FLOW-011");
    ASSERT_EQ(fs.size(), 3u) << dump(fs);
    EXPECT_EQ(fs[0].attempt, 1u);
    EXPECT_EQ(fs[2].attempt, 3u);
    EXPECT_NE(fs[1].severity, Severity::Fail) << "two in a row are not yet a loop";
    EXPECT_EQ(fs[2].severity, Severity::Fail);
    EXPECT_EQ(fs[2].blame, Blame::Nic);
    EXPECT_TRUE(contains(fs[2].detail, "3 attempts of this machine in a row were NAKed")) << fs[2].detail;
}

// --- FLOW-012: iPXE given the file that loaded it (a chainload loop) ---------

namespace {

/// One boot round: DORA naming \p file (from iPXE when \p ipxe: option 77
/// "iPXE"), then its download.
void boot_round(TraceScript& s, std::uint32_t xid, bool ipxe, std::string_view file) {
    auto d = pxe_discover(xid);
    if (ipxe) {
        d.set_option(wire::opt::kUserClass, std::string_view("iPXE"));
        d.finish();
    }
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, kServerIp, file));
    auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack, kServerIp, kClientIp, kServerIp, file));
    s.tftp_transfer(std::string(file), 3000, 1432);
}

}  // namespace

TEST(FLOW_012, IpxeGivenItselfAgainIsAChainloadLoopReportedOnce) {
    TraceScript s;
    boot_round(s, 0x10, false, "undionly.kpxe");  // the ROM loads iPXE
    s.advance_ms(1500);
    boot_round(s, 0x20, true, "undionly.kpxe");   // iPXE is given itself
    s.advance_ms(1500);
    boot_round(s, 0x30, true, "undionly.kpxe");   // and again
    const auto fs = run(s, "FLOW-012");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    EXPECT_EQ(fs[0].attempt, 2u);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(contains(fs[0].detail, "chainload loop")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "user-class")) << fs[0].detail;
    EXPECT_EQ(fs[1].attempt, 3u);
    EXPECT_EQ(fs[1].severity, Severity::Info) << "one cause, one failure";
    EXPECT_TRUE(contains(fs[1].detail, "round 3 of the chainload loop reported at attempt 2")) << fs[1].detail;
}

TEST(FLOW_012, IpxeGivenAScriptIsNoLoop) {
    TraceScript s;
    boot_round(s, 0x10, false, "undionly.kpxe");
    s.advance_ms(1500);
    boot_round(s, 0x20, true, "boot.ipxe");
    EXPECT_TRUE(run(s, "FLOW-012").empty());
}

TEST(FLOW_012, ARebootFetchingTheSameLoaderIsNoLoop) {
    // QEMU's ROM is iPXE: each reboot is an iPXE attempt that fetches the
    // same pxelinux.0, tens of seconds after the last one.
    TraceScript s;
    boot_round(s, 0x10, true, "pxelinux.0");
    s.advance_ms(30000);
    boot_round(s, 0x20, true, "pxelinux.0");
    EXPECT_TRUE(run(s, "FLOW-012").empty());
}

// --- FLOW-013: a RELEASE before any boot file arrived --------------------------

namespace {

/// The client's RELEASE of kClientIp to kServerIp, with \p xid.
DhcpMessage release_of(std::uint32_t xid) {
    auto release = pxe_request(pxe_discover(xid), kServerIp);
    release.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::Release));
    release.ciaddr = kClientIp;
    release.finish();
    return release;
}

}  // namespace

TEST(FLOW_013, ReleaseWithoutABootFileSaysWhereTheBootEnded) {
    TraceScript s;
    dora(s, kServerIp, "");  // 1-4: an address, no boot file
    s.client(release_of(0x1234abcd));  // 5
    const auto fs = run(s, "FLOW-013");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_EQ(fs[0].frames, (std::vector<std::size_t>{4, 5}));
    EXPECT_TRUE(contains(fs[0].detail, "with an address but no boot server and file to fetch")) << fs[0].detail;
}

TEST(FLOW_013, ReleaseAfterTheDownloadIsNoFinding) {
    // pxecheck's own emulated NIC releases its lease once the file is in.
    TraceScript s;
    boot_round(s, 0x10, false, "pxelinux.0");
    s.client(release_of(0x10));
    EXPECT_TRUE(run(s, "FLOW-013").empty());
}
