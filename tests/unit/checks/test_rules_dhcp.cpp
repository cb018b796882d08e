// Rules of catalogue sections 1-3 (DHCP-*, OPT-*, MSG-*): for each rule one
// trace that breaks it (the finding, its blame and a proving frame) and one
// that keeps it. Traces are real Ethernet frames built by the fixtures and
// read back through the TraceBuilder, exactly as a capture would be.
//
// Frame numbers in the standard exchange: 1 DISCOVER, 2 OFFER, 3 REQUEST,
// 4 ACK.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "finding_helpers.hpp"
#include "trace_fixtures.hpp"

using namespace pxecheck;
using namespace pxecheck::fixtures;
using checks::Blame;
using checks::Finding;
using checks::Severity;
using wire::DhcpMessage;
using wire::DhcpMessageType;

namespace {

const Ipv4Addr kRelayIp = Ipv4Addr::from_octets(10, 0, 0, 1);
const MacAddr kRelayMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

/// One healthy DHCP exchange (firmware DISCOVER, OFFER, REQUEST, ACK) whose
/// messages a test changes before playing it.
struct Dora {
    DhcpMessage discover = pxe_discover();
    DhcpMessage offer = reply(discover, DhcpMessageType::Offer);
    DhcpMessage request = pxe_request(discover, kServerIp);
    DhcpMessage ack = reply(request, DhcpMessageType::Ack);

    void play(TraceScript& s) const {
        s.client(discover);
        s.server(offer);
        s.client(request);
        s.server(ack);
    }
};

std::vector<Finding> run(TraceScript& s) {
    const analyze::Trace trace = s.finish();
    return checks::run_checks(trace);
}

std::vector<Finding> run(const Dora& d) {
    TraceScript s;
    d.play(s);
    return run(s);
}

/// Asserts exactly one finding \p id with this blame and severity that
/// names frame \p frame and the standard client.
#define EXPECT_FINDING(all, id, blame_, severity_, frame)                                    \
    do {                                                                                     \
        const auto hits_ = with_id(all, id);                                                 \
        ASSERT_EQ(hits_.size(), 1u) << dump(all);                                            \
        EXPECT_EQ(hits_[0].blame, blame_) << dump(all);                                      \
        EXPECT_EQ(hits_[0].severity, severity_) << dump(all);                                \
        EXPECT_TRUE(has_frame(hits_[0], frame)) << dump(all);                                \
        ASSERT_TRUE(hits_[0].client.has_value());                                            \
        EXPECT_EQ(*hits_[0].client, kClientMac);                                             \
    } while (0)

#define EXPECT_NO_FINDING(all, id) EXPECT_TRUE(with_id(all, id).empty()) << dump(all)

/// Sends raw bytes as a UDP datagram between two endpoints.
void send(TraceScript& s, const link::UdpEndpoint& from, const link::UdpEndpoint& to, const Bytes& payload) {
    s.frame(link::build_udp_frame(from, to, payload));
}

const link::UdpEndpoint kServer67{kServerMac, kServerIp, 67};
const link::UdpEndpoint kBroadcast68{MacAddr::broadcast(), Ipv4Addr::broadcast(), 68};

/// Plays DISCOVER, then \p offer_bytes as the OFFER (broadcast from the server).
std::vector<Finding> run_raw_offer(const DhcpMessage& discover, const Bytes& offer_bytes) {
    TraceScript s;
    s.client(discover);
    send(s, kServer67, kBroadcast68, offer_bytes);
    return run(s);
}

/// The message with its END instance taken out (encoded without END).
DhcpMessage without_end(DhcpMessage m) {
    m.options.erase(std::remove_if(m.options.begin(), m.options.end(),
                                   [](const wire::DhcpOption& o) { return o.code == wire::opt::kEnd; }),
                    m.options.end());
    return m;
}

/// Adds one more instance of \p code just before END (a repeat, not a replacement).
void add_instance(DhcpMessage& m, std::uint8_t code, Bytes data) {
    auto end = std::find_if(m.options.begin(), m.options.end(),
                            [](const wire::DhcpOption& o) { return o.code == wire::opt::kEnd; });
    wire::DhcpOption o;
    o.code = code;
    o.data = std::move(data);
    m.options.insert(end, o);
}

/// A later-stage DISCOVER (no PXEClient): what pxelinux, grub or an OS send.
DhcpMessage plain_discover(std::uint32_t xid = 0x5555aaaa) {
    DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.set_client_mac(kClientMac);
    m.set_option_u8(wire::opt::kMessageType, 1);
    const Bytes params{1, 3, 6};
    m.set_option(wire::opt::kParameterList, params);
    return m;
}

}  // namespace

// --- DHCP-001: op vs direction ---------------------------------------------------

TEST(DHCP_001, OfferWithOpRequestFails) {
    Dora d;
    d.offer.op = 1;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-001", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_001, RequestWithOpReplyBlamesNic) {
    Dora d;
    d.request.op = 2;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-001", Blame::Nic, Severity::Fail, 3);
}

TEST(DHCP_001, HealthyExchangePasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-001"); }

// --- DHCP-002: reply copies the request's fields ------------------------------------

TEST(DHCP_002, OfferWithWrongXidFails) {
    Dora d;
    d.offer.xid = d.discover.xid ^ 0xffu;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-002", Blame::Master, Severity::Fail, 2);
    EXPECT_TRUE(has_frame(with_id(all, "DHCP-002")[0], 1));
}

TEST(DHCP_002, OfferWithWrongHtypeFails) {
    Dora d;
    d.offer.htype = 6;  // IEEE 802 instead of Ethernet
    TraceScript s;
    s.client(d.discover);
    // Unicast, so the link destination still names the client's session.
    s.server(d.offer, kServerIp, kServerMac, 67, /*broadcast=*/false);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-002", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_002, DroppedBroadcastFlagIsWarn) {
    // EDK2's capture (tianocore BZ17) shows a master that clears B: clients
    // do not read it, so only a WARN.
    Dora d;
    d.offer.flags = 0;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-002", Blame::Master, Severity::Warn, 2);
}

TEST(DHCP_002, HealthyRepliesPass) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-002"); }

TEST(DHCP_002, ProxyOfferMaySetBroadcastFlag) {
    // dnsmasq's proxy sets B to have its offer broadcast (PXE-015's business).
    Dora d;
    d.discover.flags = 0;
    DhcpMessage proxy = proxy_offer(d.discover);
    proxy.flags = wire::kBroadcastFlag;
    TraceScript s;
    s.client(d.discover);
    s.server(proxy, kOtherServerIp, kOtherServerMac);
    EXPECT_NO_FINDING(run(s), "DHCP-002");
}

// --- DHCP-003: hops and secs 0 in direct replies ------------------------------------------

TEST(DHCP_003, OfferWithSecsWarns) {
    Dora d;
    d.discover.secs = 4;
    d.offer.secs = 4;
    d.ack.secs = 4;
    const auto all = run(d);
    // One finding for the server, folded over OFFER and ACK.
    EXPECT_FINDING(all, "DHCP-003", Blame::Master, Severity::Warn, 2);
    EXPECT_TRUE(has_frame(with_id(all, "DHCP-003")[0], 4));
}

TEST(DHCP_003, RelayedReplyMayCountHops) {
    // Server -> relay leg: giaddr set, hops as the relay counted them.
    DhcpMessage discover = pxe_discover();
    discover.giaddr = kRelayIp;
    discover.hops = 1;
    DhcpMessage offer = reply(discover, DhcpMessageType::Offer);
    offer.hops = 1;
    TraceScript s;
    send(s, {kRelayMac, kRelayIp, 67}, {kServerMac, kServerIp, 67}, wire::encode_dhcp(discover));
    send(s, {kServerMac, kServerIp, 67}, {kRelayMac, kRelayIp, 67}, wire::encode_dhcp(offer));
    EXPECT_NO_FINDING(run(s), "DHCP-003");
}

// --- DHCP-004: client zeroes fields ------------------------------------------------------------

TEST(DHCP_004, DiscoverWithYiaddrFails) {
    Dora d;
    d.discover.yiaddr = kClientIp;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-004", Blame::Nic, Severity::Fail, 1);
}

TEST(DHCP_004, SelectingRequestWithCiaddrFails) {
    Dora d;
    d.request.ciaddr = kClientIp;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-004", Blame::Nic, Severity::Fail, 3);
}

TEST(DHCP_004, DeclineWithCiaddrWarnsNic) {
    // EDK2 (tianocore BZ17) sends its DECLINE with ciaddr set. A DECLINE
    // carries no option 60 (Table 5): the exchange's DISCOVER says it came
    // from the firmware, so the NIC is blamed, not a later stage.
    Dora d;
    DhcpMessage decline;
    decline.op = 1;
    decline.xid = d.request.xid;
    decline.set_client_mac(kClientMac);
    decline.ciaddr = kClientIp;
    decline.set_option_u8(wire::opt::kMessageType, 4);
    decline.set_option_ip(wire::opt::kServerId, kServerIp);
    decline.set_option_ip(wire::opt::kRequestedAddress, kClientIp);
    decline.finish();
    TraceScript s;
    d.play(s);
    s.client(decline, kClientMac, 67, Ipv4Addr::broadcast());
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-004", Blame::Nic, Severity::Warn, 5);
}

TEST(DHCP_004, LaterStageFaultBlamesConfig) {
    DhcpMessage m = plain_discover();
    m.siaddr = kServerIp;
    m.finish();
    TraceScript s;
    s.client(m);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-004", Blame::Config, Severity::Fail, 1);
}

TEST(DHCP_004, RenewingRequestMayCarryCiaddr) {
    Dora d;
    TraceScript s;
    d.play(s);
    DhcpMessage renew = d.discover;
    renew.set_option_u8(wire::opt::kMessageType, 3);
    renew.ciaddr = kClientIp;
    renew.finish();
    s.client(renew, kClientMac, 67, kServerIp);
    EXPECT_NO_FINDING(run(s), "DHCP-004");
}

// --- DHCP-005: chaddr is the sender's MAC ------------------------------------------------------

TEST(DHCP_005, ChaddrOtherThanSourceFails) {
    Dora d;
    TraceScript s;
    s.client(d.discover, kOtherServerMac);  // sent from another MAC than chaddr
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-005", Blame::Nic, Severity::Fail, 1);
}

TEST(DHCP_005, HealthyDiscoverPasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-005"); }

// --- DHCP-006: xid chain ---------------------------------------------------------------------------

TEST(DHCP_006, RequestWithOtherXidFails) {
    Dora d;
    d.request.xid = 0x0badf00d;
    d.ack = reply(d.request, DhcpMessageType::Ack);
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-006", Blame::Nic, Severity::Fail, 3);
    EXPECT_TRUE(has_frame(with_id(all, "DHCP-006")[0], 2));
}

TEST(DHCP_006, ZeroXidWarns) {
    Dora d;
    d.discover.xid = 0;
    d.offer.xid = 0;
    d.request.xid = 0;
    d.ack.xid = 0;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-006", Blame::Nic, Severity::Warn, 1);
}

TEST(DHCP_006, HealthyXidChainPasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-006"); }

// --- DHCP-007: yiaddr/ciaddr/siaddr per reply type ------------------------------------------------

TEST(DHCP_007, OfferWithCiaddrFails) {
    Dora d;
    d.offer.ciaddr = kClientIp;
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-007", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_007, NakWithYiaddrFails) {
    Dora d;
    DhcpMessage nak = reply(d.request, DhcpMessageType::Nak, kServerIp, Ipv4Addr{}, Ipv4Addr{}, "");
    nak.yiaddr = kClientIp;
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer);
    s.client(d.request);
    s.server(nak);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-007", Blame::Master, Severity::Fail, 4);
}

TEST(DHCP_007, ProxyOfferWithoutYiaddrPasses) {
    // A proxy offer assigns nothing: PXE-015 governs it, not Table 3.
    Dora d;
    TraceScript s;
    s.client(d.discover);
    s.server(proxy_offer(d.discover), kOtherServerIp, kOtherServerMac);
    s.server(d.offer);
    s.client(d.request);
    s.server(d.ack);
    EXPECT_NO_FINDING(run(s), "DHCP-007");
}

TEST(DHCP_007, HealthyOfferPasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-007"); }

// --- DHCP-008: delivery of OFFER/ACK ---------------------------------------------------------------

TEST(DHCP_008, UnicastDespiteBroadcastFlagWarns) {
    Dora d;  // the DISCOVER sets B
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer, kServerIp, kServerMac, 67, /*broadcast=*/false);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-008", Blame::Master, Severity::Warn, 2);
}

TEST(DHCP_008, UnicastToYiaddrWithoutBroadcastFlagPasses) {
    // iPXE clears B and isc-dhcpd unicasts to yiaddr/chaddr (the lab capture).
    Dora d;
    d.discover.flags = 0;
    d.offer = reply(d.discover, DhcpMessageType::Offer);
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer, kServerIp, kServerMac, 67, /*broadcast=*/false);
    EXPECT_NO_FINDING(run(s), "DHCP-008");
}

TEST(DHCP_008, BroadcastFallbackPasses) {
    Dora d;
    d.discover.flags = 0;
    d.offer = reply(d.discover, DhcpMessageType::Offer);
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer);  // broadcast although B = 0: allowed
    EXPECT_NO_FINDING(run(s), "DHCP-008");
}

// --- DHCP-009: NAK delivery ---------------------------------------------------------------------------

TEST(DHCP_009, UnicastNakFails) {
    Dora d;
    DhcpMessage nak = reply(d.request, DhcpMessageType::Nak, kServerIp, Ipv4Addr{}, Ipv4Addr{}, "");
    TraceScript s;
    s.client(d.request);
    send(s, kServer67, {kClientMac, kClientIp, 68}, wire::encode_dhcp(nak));
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-009", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_009, BroadcastNakPasses) {
    Dora d;
    DhcpMessage nak = reply(d.request, DhcpMessageType::Nak, kServerIp, Ipv4Addr{}, Ipv4Addr{}, "");
    TraceScript s;
    s.client(d.request);
    s.server(nak);
    EXPECT_NO_FINDING(run(s), "DHCP-009");
}

// --- DHCP-010: ports and unconfigured addresses ------------------------------------------------

TEST(DHCP_010, DiscoverToWrongPortFails) {
    Dora d;
    TraceScript s;
    s.client(d.discover, kClientMac, /*dst_port=*/68);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-010", Blame::Nic, Severity::Fail, 1);
}

TEST(DHCP_010, UnicastSelectingRequestFails) {
    Dora d;
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer);
    s.client(d.request, kClientMac, 67, kServerIp);
    const auto all = run(s);
    const auto hits = with_id(all, "DHCP-010");
    ASSERT_EQ(hits.size(), 1u) << dump(all);
    EXPECT_EQ(hits[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(hits[0], 3));
}

TEST(DHCP_010, ServerReplyFromWrongPortFails) {
    Dora d;
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer, kServerIp, kServerMac, /*src_port=*/68);  // 68->68
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-010", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_010, HealthyExchangePasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-010"); }

// --- DHCP-011: magic cookie ---------------------------------------------------------------------------

TEST(DHCP_011, DamagedCookieFails) {
    Dora d;
    Bytes offer = wire::encode_dhcp(d.offer);
    offer[wire::kBootpHeaderSize + 3] = 0x64;  // 63 82 53 64
    const auto all = run_raw_offer(d.discover, offer);
    EXPECT_FINDING(all, "DHCP-011", Blame::Master, Severity::Fail, 2);
}

TEST(DHCP_011, HealthyCookiePasses) { EXPECT_NO_FINDING(run(Dora{}), "DHCP-011"); }

// --- DHCP-012: 300-octet minimum -------------------------------------------------------------------------

TEST(DHCP_012, ShortLaterStageDiscoverWarnsConfig) {
    DhcpMessage m = plain_discover();
    m.finish(260);  // as syslinux.efi sends them
    ASSERT_EQ(wire::encode_dhcp(m).size(), 260u);
    TraceScript s;
    s.client(m);
    const auto all = run(s);
    EXPECT_FINDING(all, "DHCP-012", Blame::Config, Severity::Warn, 1);
}

TEST(DHCP_012, ExactlyThreeHundredOctetsPasses) {
    DhcpMessage m = plain_discover();
    m.finish(300);
    ASSERT_EQ(wire::encode_dhcp(m).size(), 300u);
    TraceScript s;
    s.client(m);
    EXPECT_NO_FINDING(run(s), "DHCP-012");
}

// --- DHCP-013: reply size vs option 57 ------------------------------------------------------------------

namespace {
/// Grows a reply with long host and domain names so the datagram tops 576.
void grow(DhcpMessage& m) {
    m.set_option(wire::opt::kHostName, std::string(200, 'h'));
    m.set_option(15, std::string(200, 'd'));
}
}  // namespace

TEST(DHCP_013, OversizeAckWithout57Warns) {
    Dora d;
    d.request.remove_option(wire::opt::kMaxMessageSize);
    grow(d.ack);
    ASSERT_GT(wire::encode_dhcp(d.ack).size() + 28, 576u);
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-013", Blame::Master, Severity::Warn, 4);
}

TEST(DHCP_013, OversizeAckWithin57Passes) {
    Dora d;  // the request has 57 = 1472
    grow(d.ack);
    EXPECT_NO_FINDING(run(d), "DHCP-013");
}

// --- DHCP-014: NUL-terminated sname/file --------------------------------------------------------------

TEST(DHCP_014, FileWithoutNulWarns) {
    Dora d;
    d.offer.file.fill('a');
    const auto all = run(d);
    EXPECT_FINDING(all, "DHCP-014", Blame::Master, Severity::Warn, 2);
}

TEST(DHCP_014, FileOf127CharactersPasses) {
    Dora d;
    d.offer.set_file(std::string(127, 'a'));
    EXPECT_NO_FINDING(run(d), "DHCP-014");
}

// --- OPT-001: END ----------------------------------------------------------------------------------------------

TEST(OPT_001, OfferWithoutEndFails) {
    Dora d;
    Bytes offer = wire::encode_dhcp(without_end(d.offer));
    offer.resize(300, 0);  // PAD to the minimum, still no END
    const auto all = run_raw_offer(d.discover, offer);
    EXPECT_FINDING(all, "OPT-001", Blame::Master, Severity::Fail, 2);
}

TEST(OPT_001, DataAfterEndWarns) {
    Dora d;
    Bytes offer = wire::encode_dhcp(d.offer);
    offer.back() = 0x41;
    const auto all = run_raw_offer(d.discover, offer);
    EXPECT_FINDING(all, "OPT-001", Blame::Master, Severity::Warn, 2);
}

TEST(OPT_001, HealthyOptionsPass) { EXPECT_NO_FINDING(run(Dora{}), "OPT-001"); }

// --- OPT-002: truncated option -----------------------------------------------------------------------------

TEST(OPT_002, OptionRunningPastPayloadFails) {
    Dora d;
    Bytes offer = wire::encode_dhcp(without_end(d.offer));
    offer.insert(offer.end(), {wire::opt::kHostName, 40, 'p', 'c'});  // 40 claimed, 2 there
    const auto all = run_raw_offer(d.discover, offer);
    EXPECT_FINDING(all, "OPT-002", Blame::Master, Severity::Fail, 2);
    EXPECT_NO_FINDING(all, "OPT-001");  // the missing END is a consequence
}

TEST(OPT_002, HealthyOptionsPass) { EXPECT_NO_FINDING(run(Dora{}), "OPT-002"); }

// --- OPT-003: option lengths --------------------------------------------------------------------------------

TEST(OPT_003, ServerIdOfThreeOctetsFails) {
    Dora d;
    d.offer.set_option(wire::opt::kServerId, Bytes{192, 168, 14});
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-003", Blame::Master, Severity::Fail, 2);
}

TEST(OPT_003, ClientArchLengthIsLeftToPxeRules) {
    Dora d;
    d.discover.set_option(wire::opt::kClientArch, Bytes{0});  // odd: PXE-002's
    EXPECT_NO_FINDING(run(d), "OPT-003");
}

TEST(OPT_003, HealthyLengthsPass) { EXPECT_NO_FINDING(run(Dora{}), "OPT-003"); }

// --- OPT-004: option 53 -------------------------------------------------------------------------------------

TEST(OPT_004, ReplyWithout53Fails) {
    Dora d;
    d.offer.remove_option(wire::opt::kMessageType);
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-004", Blame::Master, Severity::Fail, 2);
}

TEST(OPT_004, ClientSendingOfferTypeFails) {
    Dora d;
    d.discover.set_option_u8(wire::opt::kMessageType, 2);
    TraceScript s;
    s.client(d.discover);
    const auto all = run(s);
    EXPECT_FINDING(all, "OPT-004", Blame::Nic, Severity::Fail, 1);
}

TEST(OPT_004, HealthyTypesPass) { EXPECT_NO_FINDING(run(Dora{}), "OPT-004"); }

TEST(OPT_004, UnregisteredTypeBlamesItsSender) {
    Dora d;
    d.offer.set_option_u8(wire::opt::kMessageType, 19);  // IANA stops at 18
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-004", Blame::Master, Severity::Fail, 2);
    EXPECT_TRUE(contains(with_id(all, "OPT-004")[0].detail, "a value IANA has not registered")) << dump(all);
}

TEST(OPT_004, LeaseQueryIsNoBootAndNotJudged) {
    // A relay's RFC 4388 LEASEQUERY about a client and the server's
    // LEASEUNKNOWN: registered, no boot's, in no session, judged by no rule.
    Dora d;
    d.discover.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::LeaseQuery));
    d.offer.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(DhcpMessageType::LeaseUnknown));
    TraceScript s;
    s.client(d.discover);
    s.server(d.offer);
    const analyze::Trace trace = s.finish();
    EXPECT_TRUE(trace.sessions.empty());
    EXPECT_EQ(trace.frames.size(), 2u) << "kept as evidence";
    ASSERT_EQ(trace.source_anomalies.size(), 1u);
    EXPECT_EQ(trace.source_anomalies[0].id, "capture.outside_boot");
    EXPECT_TRUE(contains(trace.source_anomalies[0].detail, "LEASEQUERY 1, LEASEUNKNOWN 1"))
        << trace.source_anomalies[0].detail;
    const auto all = checks::run_checks(trace);
    EXPECT_TRUE(all.empty()) << dump(all);
}

// --- OPT-005: option overload --------------------------------------------------------------------------------

namespace {
/// The OFFER with 52 = \p value in the options field and a file field that
/// holds 67 "boot" followed by END.
Bytes overloaded_offer(const DhcpMessage& offer, std::uint8_t value) {
    Bytes b = wire::encode_dhcp(offer);
    std::fill(b.begin() + wire::kFileOffset, b.begin() + wire::kFileOffset + wire::kFileSize, 0);
    const std::uint8_t file_opts[] = {wire::opt::kBootfileName, 4, 'b', 'o', 'o', 't', wire::opt::kEnd};
    std::copy(std::begin(file_opts), std::end(file_opts), b.begin() + wire::kFileOffset);
    b.insert(b.begin() + wire::kOptionsOffset, {wire::opt::kOverload, 1, value});
    return b;
}
}  // namespace

TEST(OPT_005, BadOverloadValueFails) {
    Dora d;
    const auto all = run_raw_offer(d.discover, overloaded_offer(d.offer, 4));
    EXPECT_FINDING(all, "OPT-005", Blame::Master, Severity::Fail, 2);
}

TEST(OPT_005, WellFormedOverloadPasses) {
    Dora d;
    EXPECT_NO_FINDING(run_raw_offer(d.discover, overloaded_offer(d.offer, 1)), "OPT-005");
}

// --- OPT-006: repeated options ---------------------------------------------------------------------------------

TEST(OPT_006, RepeatedServerIdFails) {
    Dora d;
    add_instance(d.offer, wire::opt::kServerId, Bytes{192, 168, 14, 200});
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-006", Blame::Master, Severity::Fail, 2);
}

TEST(OPT_006, LongOptionSplitIsOnlyInfo) {
    // set_option splits a value over 255 octets into RFC 3396 instances.
    Dora d;
    d.request.set_option(77, std::string(300, 'u'));
    const auto all = run(d);
    for (const auto& f : with_id(all, "OPT-006")) EXPECT_EQ(f.severity, Severity::Info) << dump(all);
}

TEST(OPT_006, HealthyOptionsPass) { EXPECT_NO_FINDING(run(Dora{}), "OPT-006"); }

// --- OPT-007: NUL-terminated text options ----------------------------------------------------------------------

TEST(OPT_007, TftpServerNameEndingInNulWarns) {
    Dora d;
    d.offer.set_option(wire::opt::kTftpServerName, std::string_view("192.168.14.200\0", 15));
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-007", Blame::Master, Severity::Warn, 2);
}

TEST(OPT_007, BootfileWithOneNulIsInfo) {
    // Masters add it on purpose for ROMs that want it.
    Dora d;
    d.offer.set_option(wire::opt::kBootfileName, std::string_view("pxelinux.0\0", 11));
    const auto all = run(d);
    EXPECT_FINDING(all, "OPT-007", Blame::Master, Severity::Info, 2);
}

TEST(OPT_007, PlainTextPasses) {
    Dora d;
    d.offer.set_option(wire::opt::kBootfileName, std::string_view("pxelinux.0"));
    EXPECT_NO_FINDING(run(d), "OPT-007");
}

// --- MSG-001: server identifier in replies ------------------------------------------------------------------------

TEST(MSG_001, OfferWithoutServerIdFails) {
    Dora d;
    d.offer.remove_option(wire::opt::kServerId);
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-001", Blame::Master, Severity::Fail, 2);
}

TEST(MSG_001, HealthyRepliesPass) { EXPECT_NO_FINDING(run(Dora{}), "MSG-001"); }

// --- MSG-002: lease time ------------------------------------------------------------------------------------------------

TEST(MSG_002, OfferWithoutLeaseTimeFails) {
    Dora d;
    d.offer.remove_option(wire::opt::kLeaseTime);
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-002", Blame::Master, Severity::Fail, 2);
}

TEST(MSG_002, ProxyOfferIsExempt) {
    Dora d;
    TraceScript s;
    s.client(d.discover);
    s.server(proxy_offer(d.discover), kOtherServerIp, kOtherServerMac);  // no 51
    EXPECT_NO_FINDING(run(s), "MSG-002");
}

// --- MSG-003: client-only options in replies ----------------------------------------------------------------------------

TEST(MSG_003, OfferWithParameterListFails) {
    Dora d;
    d.offer.set_option(wire::opt::kParameterList, Bytes{1, 3});
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-003", Blame::Master, Severity::Fail, 2);
}

TEST(MSG_003, ClientIdNotSentByClientWarns) {
    Dora d;
    d.offer.set_option(wire::opt::kClientId, Bytes{1, 0x52, 0x54, 0, 0x12, 0x34, 0x56});
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-003", Blame::Master, Severity::Warn, 2);
}

TEST(MSG_003, EchoedClientIdPasses) {
    // RFC 6842: servers return the client's own 61.
    const Bytes id{1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
    Dora d;
    d.discover.set_option(wire::opt::kClientId, id);
    d.offer.set_option(wire::opt::kClientId, id);
    d.request.set_option(wire::opt::kClientId, id);
    d.ack.set_option(wire::opt::kClientId, id);
    EXPECT_NO_FINDING(run(d), "MSG-003");
}

// --- MSG-004: NAK contents ------------------------------------------------------------------------------------------------

TEST(MSG_004, NakWithRouterAndFileFails) {
    Dora d;
    DhcpMessage nak = reply(d.request, DhcpMessageType::Nak, kServerIp, Ipv4Addr{}, Ipv4Addr{}, "pxelinux.0");
    nak.set_option_ip(wire::opt::kRouter, kServerIp);
    TraceScript s;
    s.client(d.request);
    s.server(nak);
    const auto all = run(s);
    const auto hits = with_id(all, "MSG-004");
    ASSERT_EQ(hits.size(), 2u) << dump(all);  // the option, and the file field
    for (const auto& f : hits) {
        EXPECT_EQ(f.blame, Blame::Master);
        EXPECT_TRUE(has_frame(f, 2));
    }
}

TEST(MSG_004, NakWithMessagePasses) {
    Dora d;
    DhcpMessage nak = reply(d.request, DhcpMessageType::Nak, kServerIp, Ipv4Addr{}, Ipv4Addr{}, "");
    nak.set_option(wire::opt::kMessage, std::string_view("address not available"));
    TraceScript s;
    s.client(d.request);
    s.server(nak);
    EXPECT_NO_FINDING(run(s), "MSG-004");
}

// --- MSG-005: server identifier value ------------------------------------------------------------------------------

TEST(MSG_005, ZeroServerIdFails) {
    Dora d;
    d.offer.set_option_ip(wire::opt::kServerId, Ipv4Addr{});
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-005", Blame::Master, Severity::Fail, 2);
}

TEST(MSG_005, ServerIdOtherThanSourceWarns) {
    Dora d;
    d.offer.set_option_ip(wire::opt::kServerId, kOtherServerIp);
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-005", Blame::Master, Severity::Warn, 2);
}

TEST(MSG_005, HealthyServerIdPasses) { EXPECT_NO_FINDING(run(Dora{}), "MSG-005"); }

// --- MSG-007: DISCOVER and SELECTING REQUEST contents -------------------------------------------------------------

TEST(MSG_007, RequestForAnotherAddressFails) {
    Dora d;
    d.request.set_option_ip(wire::opt::kRequestedAddress, Ipv4Addr::from_octets(192, 168, 14, 99));
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-007", Blame::Nic, Severity::Fail, 3);
}

TEST(MSG_007, DiscoverWithServerIdFails) {
    Dora d;
    d.discover.set_option_ip(wire::opt::kServerId, kServerIp);
    TraceScript s;
    s.client(d.discover);
    const auto all = run(s);
    EXPECT_FINDING(all, "MSG-007", Blame::Nic, Severity::Fail, 1);
}

TEST(MSG_007, LargerSecsInRequestIsWarn) {
    // What iPXE does against every server: a MUST broken harmlessly.
    Dora d;
    d.discover.secs = 10;
    d.request.secs = 18;
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-007", Blame::Nic, Severity::Warn, 3);
}

TEST(MSG_007, HealthyRequestPasses) { EXPECT_NO_FINDING(run(Dora{}), "MSG-007"); }

// --- MSG-008: REQUEST repeats the DISCOVER's 55/61 ------------------------------------------------------------------

TEST(MSG_008, RequestDroppingBootParametersFails) {
    Dora d;
    d.request.set_option(wire::opt::kParameterList, Bytes{1, 3, 6});
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-008", Blame::Nic, Severity::Fail, 3);
}

TEST(MSG_008, ReorderedListIsWarn) {
    Dora d;
    Bytes params = *d.discover.joined(wire::opt::kParameterList);
    std::reverse(params.begin(), params.end());
    d.request.set_option(wire::opt::kParameterList, params);
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-008", Blame::Nic, Severity::Warn, 3);
}

TEST(MSG_008, SameListPasses) { EXPECT_NO_FINDING(run(Dora{}), "MSG-008"); }

// --- MSG-011: ACK agrees with OFFER -------------------------------------------------------------------------------------

TEST(MSG_011, AckWithOtherSiaddrWarns) {
    // As in tianocore BZ17: the OFFER names the server, the ACK has siaddr 0.
    Dora d;
    d.ack = reply(d.request, DhcpMessageType::Ack, kServerIp, kClientIp, Ipv4Addr{});
    const auto all = run(d);
    EXPECT_FINDING(all, "MSG-011", Blame::Master, Severity::Warn, 4);
    EXPECT_TRUE(has_frame(with_id(all, "MSG-011")[0], 2));
}

TEST(MSG_011, AckMatchingOfferPasses) { EXPECT_NO_FINDING(run(Dora{}), "MSG-011"); }

// --- MSG-012: retransmission backoff ---------------------------------------------------------------------------------------

TEST(MSG_012, FixedSubSecondRepeatWarns) {
    const auto d = pxe_discover();
    TraceScript s;
    for (int i = 0; i < 4; ++i) {
        s.client(d);
        s.advance_ms(199);  // + 1 ms per frame: every 200 ms
    }
    const auto all = run(s);
    EXPECT_FINDING(all, "MSG-012", Blame::Nic, Severity::Warn, 4);
}

TEST(MSG_012, DoublingBackoffPasses) {
    const auto d = pxe_discover();
    TraceScript s;
    for (std::int64_t gap : {1000, 2000, 4000, 8000}) {
        s.client(d);
        s.advance_ms(gap);
    }
    EXPECT_NO_FINDING(run(s), "MSG-012");
}

// Capture times may go back by decades (+/-2^62 ns): the backoff test
// multiplied the smallest gap by 3, which overflows int64 below -3.07e18 ns.
// Wrapped, a gap of -4e18 ns next to one of 0.5 s read as a fixed interval.
TEST(MSG_012, TimeGoingBackDecadesIsNoFixedInterval) {
    auto d = pxe_discover();
    TraceScript s;
    s.at_ns(2'000'000'000'000'000'000);
    s.client(d);
    // secs differs in each copy so that none is taken for a duplicate frame.
    d.secs = 4;
    s.at_ns(-2'000'000'000'000'000'000);
    s.client(d);
    d.secs = 5;
    s.at_ns(-2'000'000'000'000'000'000 + 500'000'000);
    s.client(d);
    EXPECT_NO_FINDING(run(s), "MSG-012");
}

// --- the whole section on healthy traces ---------------------------------------------------------------------------------

namespace {
bool is_mine(const Finding& f) {
    return f.id.rfind("DHCP-", 0) == 0 || f.id.rfind("OPT-", 0) == 0 || f.id.rfind("MSG-", 0) == 0;
}

std::vector<Finding> mine(const std::vector<Finding>& all, std::optional<Severity> at_least = std::nullopt) {
    std::vector<Finding> out;
    for (const auto& f : all)
        if (is_mine(f) && (!at_least || f.severity >= *at_least)) out.push_back(f);
    return out;
}

/// Reads a capture into a trace, or nullopt when the file is not there.
std::optional<analyze::Trace> read_capture(const std::string& path) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    auto reader = link::PcapReader::open(path);
    if (!reader) return std::nullopt;
    auto& r = **reader;
    analyze::TraceBuilder b(path, r.linktype());
    while (auto fr = r.next()) b.add(fr->number, fr->timestamp_ns, fr->data, fr->original_length);
    return std::move(b).finish();
}
}  // namespace

TEST(DhcpRules, HealthyFixtureBootHasNoFindings) {
    TraceScript s;
    s.healthy_boot();
    const auto all = run(s);
    EXPECT_TRUE(mine(all).empty()) << dump(mine(all));
}

TEST(DhcpRules, HealthyProxyBootHasNoFindings) {
    Dora d;
    TraceScript s;
    s.client(d.discover);
    s.server(proxy_offer(d.discover), kOtherServerIp, kOtherServerMac);
    s.server(d.offer);
    s.client(d.request);
    s.server(d.ack);
    const auto all = run(s);
    EXPECT_TRUE(mine(all).empty()) << dump(mine(all));
}

TEST(DhcpRules, LabBootOfIpxeAgainstIscDhcpdDoesNotFail) {
    // The seed's master against QEMU's iPXE ROM (captures/make/...). dhcpd
    // echoes secs (DHCP-003) and iPXE counts secs on into its REQUEST
    // (MSG-007): both WARN, nothing fails.
    const auto trace = read_capture(std::string(PXECHECK_SOURCE_DIR) + "/captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    if (!trace) GTEST_SKIP() << "lab capture not present";
    const auto all = checks::run_checks(*trace);
    EXPECT_TRUE(mine(all, Severity::Fail).empty()) << dump(mine(all));
    EXPECT_FALSE(with_id(all, "MSG-007").empty()) << dump(mine(all));
    EXPECT_FALSE(with_id(all, "DHCP-003").empty()) << dump(mine(all));
}

TEST(DhcpRules, LabBootsHaveNoDhcpFailures) {
    // iPXE and EDK2 (OVMF) against isc-dhcp-server and dnsmasq, as full
    // DHCP or proxyDHCP. Some of these boots are broken on purpose, but in
    // PXE or TFTP terms (no next-server, a missing file, two servers): their
    // DHCP is well-formed, so sections 1-3 must not fail them. syslinux.efi's
    // 253-octet DHCP (DHCP-012) is a WARN blamed on the configuration.
    int read = 0;
    for (const char* name : {"ipxe-bios-isc-dhcpd-tftpd-hpa.pcap", "ipxe-bios-dhcpd-no-next-server.pcap",
                             "ipxe-bios-tftp-missing-file.pcap", "ipxe-bios-dnsmasq-proxy.pcap",
                             "ipxe-bios-two-dhcp-servers.pcap", "ovmf-uefi-isc-dhcpd-tftpd-hpa.pcap",
                             "ovmf-uefi-dnsmasq.pcap"}) {
        const auto trace = read_capture(std::string(PXECHECK_SOURCE_DIR) + "/captures/" + name);
        if (!trace) continue;
        ++read;
        const auto all = checks::run_checks(*trace);
        EXPECT_TRUE(mine(all, Severity::Fail).empty()) << name << "\n" << dump(mine(all));
        for (const auto& f : with_id(all, "DHCP-012")) EXPECT_EQ(f.blame, Blame::Config) << name << ": " << f.detail;
    }
    if (read == 0) GTEST_SKIP() << "lab captures not present";
}

TEST(DhcpRules, PublicCapturesOfRealPeersDoNotFail) {
    // Real firmware and masters: an Intel-style BIOS ROM with Pixiecore and
    // a DHCP server, EDK2 against a home router, a relayed exchange, a
    // plain DORA. What they do wrong is harmless (WARN at most).
    const std::string dir = "/work/shared/captures/public/";
    int read = 0;
    for (const char* name : {"netboot-bios-pxe-proxydhcp-tftp-rrq.pcap", "tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng",
                             "chrissanders-dhcp-dora.pcapng", "tcpdump-dhcp-mud-relayed-request-ack.pcap"}) {
        const auto trace = read_capture(dir + name);
        if (!trace) continue;
        ++read;
        const auto all = checks::run_checks(*trace);
        EXPECT_TRUE(mine(all, Severity::Fail).empty()) << name << "\n" << dump(mine(all));
    }
    if (read == 0) GTEST_SKIP() << "public captures not present";
}

TEST(DhcpRules, Edk2DeclineCaptureShowsItsKnownFaults) {
    // tianocore BZ17: the ACK drops the OFFER's siaddr (MSG-011) and the
    // DECLINE carries ciaddr (DHCP-004, Table 5).
    const auto trace = read_capture("/work/shared/captures/public/tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng");
    if (!trace) GTEST_SKIP() << "public capture not present";
    const auto all = checks::run_checks(*trace);
    const auto msg011 = with_id(all, "MSG-011");
    ASSERT_EQ(msg011.size(), 1u) << dump(mine(all));
    EXPECT_TRUE(has_frame(msg011[0], 10));
    const auto dhcp004 = with_id(all, "DHCP-004");
    ASSERT_EQ(dhcp004.size(), 1u) << dump(mine(all));
    EXPECT_TRUE(has_frame(dhcp004[0], 11));
    EXPECT_EQ(dhcp004[0].blame, Blame::Nic);
}

// --- MSG-013: DECLINE, RELEASE and INFORM (RFC 2131 Table 5) ----------------------------------------------

namespace {

/// A client message of \p type with only option 53, sent after the DORA.
DhcpMessage bare_client_message(DhcpMessageType type) {
    DhcpMessage m;
    m.op = 1;
    m.xid = 0x5151;
    m.set_client_mac(kClientMac);
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    m.finish();
    return m;
}

std::vector<Finding> after_dora(const DhcpMessage& m) {
    TraceScript s;
    Dora{}.play(s);
    s.client(m);  // frame 5
    return run(s);
}

}  // namespace

TEST(MSG_013, WellFormedDeclineReleaseAndInformPass) {
    auto decline = bare_client_message(DhcpMessageType::Decline);
    decline.set_option_ip(wire::opt::kRequestedAddress, kClientIp);
    decline.set_option_ip(wire::opt::kServerId, kServerIp);
    decline.set_option(wire::opt::kMessage, std::string_view("address in use"));
    decline.finish();
    EXPECT_NO_FINDING(after_dora(decline), "MSG-013");
    auto release = bare_client_message(DhcpMessageType::Release);
    release.ciaddr = kClientIp;
    release.set_option_ip(wire::opt::kServerId, kServerIp);
    release.finish();
    EXPECT_NO_FINDING(after_dora(release), "MSG-013");
    auto inform = bare_client_message(DhcpMessageType::Inform);
    inform.ciaddr = kClientIp;
    inform.set_option(wire::opt::kParameterList, Bytes{1, 3, 6});
    inform.finish();
    EXPECT_NO_FINDING(after_dora(inform), "MSG-013");
}

TEST(MSG_013, DeclineWithoutItsAddressOrServerFails) {
    const auto all = after_dora(bare_client_message(DhcpMessageType::Decline));
    const auto hits = with_id(all, "MSG-013");
    ASSERT_EQ(hits.size(), 2u) << dump(all);
    for (const auto& h : hits) {
        EXPECT_EQ(h.severity, Severity::Fail);
        EXPECT_EQ(h.blame, Blame::Nic);
    }
    EXPECT_TRUE(contains(hits[0].detail + hits[1].detail, "no option 50")) << dump(all);
}

TEST(MSG_013, ReleaseWithoutCiaddrFailsAndForbiddenOptionsWarn) {
    auto release = bare_client_message(DhcpMessageType::Release);
    release.set_option_ip(wire::opt::kServerId, kServerIp);
    release.set_option_u32(wire::opt::kLeaseTime, 600);
    release.set_option(wire::opt::kParameterList, Bytes{1, 3});
    release.finish();
    const auto hits = with_id(after_dora(release), "MSG-013");
    ASSERT_EQ(hits.size(), 2u);
    bool ciaddr = false, extra = false;
    for (const auto& h : hits) {
        if (contains(h.detail, "ciaddr 0.0.0.0")) ciaddr = h.severity == Severity::Fail;
        if (contains(h.detail, "options 51, 55, which Table 5 forbids")) extra = h.severity == Severity::Warn;
    }
    EXPECT_TRUE(ciaddr);
    EXPECT_TRUE(extra);
}

TEST(MSG_013, InformNamingAServerWarns) {
    auto inform = bare_client_message(DhcpMessageType::Inform);
    inform.ciaddr = kClientIp;
    inform.set_option_ip(wire::opt::kServerId, kServerIp);
    inform.finish();
    const auto all = after_dora(inform);
    // No option 60: an OS's INFORM, a later stage, blamed like one.
    EXPECT_FINDING(all, "MSG-013", Blame::Config, Severity::Warn, 5);
}
