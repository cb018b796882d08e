// PXE rules (catalogue sections 4 and 5). Every passive rule gets a trace that
// breaks it and one that keeps it; the traces are real Ethernet frames fed
// through the TraceBuilder (tests/support/trace_fixtures.hpp). At the end, the
// real captures: public ones and the lab boots under captures/.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"
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

// --- running the rules ------------------------------------------------------------

std::vector<Finding> pxe_findings(const analyze::Trace& t) { return run_rules(t, {"PXE-"}); }

std::vector<Finding> run(TraceScript& s, std::string_view id) { return with_id(pxe_findings(s.finish()), id); }

// --- messages --------------------------------------------------------------------

Bytes uuid_of(const DhcpMessage& m) { return *m.joined(wire::opt::kClientUuid); }

/// A PXE reply: 60 "PXEClient" and the client's 97 echoed.
void make_pxe_reply(DhcpMessage& m, const DhcpMessage& request) {
    m.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
    m.set_option(wire::opt::kClientUuid, uuid_of(request));
    m.finish();
}

/// The NIC's boot-server REQUEST to UDP 4011 (bound, 43.71 = type 0x8000 layer 0).
DhcpMessage boot_server_request(const DhcpMessage& discover, Ipv4Addr ciaddr = kClientIp) {
    DhcpMessage m = discover;
    m.ciaddr = ciaddr;
    m.flags = 0;
    m.set_option_u8(wire::opt::kMessageType, 3);
    wire::PxeVendorOptions pxe;
    pxe.boot_item = wire::PxeBootItem{0x8000, 0};
    m.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    m.finish();
    return m;
}

/// The boot server's ACK on 4011: siaddr + file, 43.71 echoed, 60 and 97.
DhcpMessage boot_server_ack(const DhcpMessage& request, std::string_view file = "boot.0",
                            Ipv4Addr server = kOtherServerIp) {
    DhcpMessage m = reply(request, DhcpMessageType::Ack, server, kClientIp, server, file);
    m.remove_option(wire::opt::kLeaseTime);
    m.remove_option(wire::opt::kSubnetMask);
    wire::PxeVendorOptions pxe;
    pxe.boot_item = wire::PxeBootItem{0x8000, 0};
    m.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    make_pxe_reply(m, request);
    return m;
}

/// A split boot: the DHCP server (kServerIp) gives only an address, a
/// proxyDHCP and boot server (kOtherServerIp) gives the boot file on 4011.
/// Frames: 1 DISCOVER, 2 OFFER, 3 proxy OFFER, 4 REQUEST, 5 ACK, 6 REQUEST to
/// 4011, 7 ACK from 4011, 8 TFTP RRQ to the proxy.
struct ProxyBoot {
    DhcpMessage discover = pxe_discover();
    DhcpMessage offer = reply(discover, DhcpMessageType::Offer, kServerIp, kClientIp, Ipv4Addr{}, "");
    DhcpMessage proxy = [this] {
        DhcpMessage m = proxy_offer(discover);
        make_pxe_reply(m, discover);
        return m;
    }();
    DhcpMessage request = pxe_request(discover, kServerIp);
    DhcpMessage ack = reply(request, DhcpMessageType::Ack, kServerIp, kClientIp, Ipv4Addr{}, "");
    DhcpMessage bs_request = boot_server_request(discover);
    DhcpMessage bs_ack = boot_server_ack(bs_request);
    std::string rrq_file = "boot.0";
    Ipv4Addr rrq_server = kOtherServerIp;
    std::uint16_t bs_ack_dst_port = 68;
    bool bs_broadcast = false;

    void play(TraceScript& s) const {
        s.client(discover);
        s.server(offer);
        s.server(proxy, kOtherServerIp, kOtherServerMac);
        s.client(request);
        s.server(ack);
        s.client(bs_request, kClientMac, 4011, bs_broadcast ? Ipv4Addr::broadcast() : kOtherServerIp);
        s.server(bs_ack, kOtherServerIp, kOtherServerMac, 4011, false, bs_ack_dst_port);
        s.tftp_from_client(wire::make_rrq(rrq_file, "octet", {{"tsize", "0"}}), 2070, 69, rrq_server);
    }
};

/// DORA with the given OFFER/ACK boot fields, no TFTP. Frames 1-4.
void dora(TraceScript& s, const std::function<void(DhcpMessage&)>& tweak_reply,
          const std::function<void(DhcpMessage&)>& tweak_request = {}) {
    DhcpMessage d = pxe_discover();
    if (tweak_request) {
        tweak_request(d);
        d.finish();
    }
    s.client(d);
    DhcpMessage o = reply(d, DhcpMessageType::Offer);
    tweak_reply(o);
    o.finish();
    s.server(o);
    DhcpMessage r = pxe_request(d, kServerIp);
    s.client(r);
    DhcpMessage a = reply(r, DhcpMessageType::Ack);
    tweak_reply(a);
    a.finish();
    s.server(a);
}

/// A healthy boot whose firmware requests are changed by \p tweak.
void boot_with_request(TraceScript& s, const std::function<void(DhcpMessage&)>& tweak) {
    DhcpMessage d = pxe_discover();
    tweak(d);
    d.finish();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    DhcpMessage r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack));
    s.tftp_transfer("pxelinux.0", 3000, 1432);
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

const std::string kPublic = "/work/shared/captures/public/";
const std::string kLab = std::string(PXECHECK_SOURCE_DIR) + "/captures/";

}  // namespace

// ================================================================================
// Healthy traces keep every PXE rule
// ================================================================================

TEST(PXE_All, HealthyBiosBootHasNoFindings) {
    TraceScript s;
    s.healthy_boot();
    const auto fs = pxe_findings(s.finish());
    EXPECT_TRUE(fs.empty()) << dump(fs);
}

TEST(PXE_All, HealthyProxyBootHasNoFindings) {
    TraceScript s;
    ProxyBoot{}.play(s);
    const auto fs = pxe_findings(s.finish());
    EXPECT_TRUE(fs.empty()) << dump(fs);
}

// ================================================================================
// Section 4: NIC
// ================================================================================

TEST(PXE_001, VendorClassWithTrailingSpaceFails) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        d.set_option(wire::opt::kVendorClass, std::string_view("PXEClient:Arch:00000:UNDI:002001 "));
    });
    const auto fs = run(s, "PXE-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(has_frame(fs[0], 3));  // the REQUEST repeats it: folded
    EXPECT_TRUE(contains(fs[0].detail, "\"PXEClient:Arch:00000:UNDI:002001 \" is 33 octets")) << fs[0].detail;
    EXPECT_EQ(fs[0].client, kClientMac);
}

TEST(PXE_001, MiscasedPrefixIsStillJudged) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        d.set_option(wire::opt::kVendorClass, std::string_view("pxeclient:Arch:00000:UNDI:002001"));
    });
    const auto fs = run(s, "PXE-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(contains(fs[0].detail, "case")) << fs[0].detail;
}

TEST(PXE_001, RequestDroppingOption60Fails) {
    TraceScript s;
    DhcpMessage d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer));
    DhcpMessage r = pxe_request(d, kServerIp);
    r.remove_option(wire::opt::kVendorClass);
    s.client(r);
    const auto fs = run(s, "PXE-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "lacks option 60"));
}

TEST(PXE_001, BareVendorClassOn4011OnlyWarns) {
    // iPXE's boot-server REQUEST carries the bare "PXEClient" (seen against
    // dnsmasq, which boots it): a deviation, but not one that breaks a boot.
    TraceScript s;
    ProxyBoot b;
    b.bs_request.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
    b.bs_request.finish();
    b.play(s);
    const auto fs = run(s, "PXE-001");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 6));
}

TEST(PXE_001, WellFormedVendorClassAndLaterStagePass) {
    TraceScript s;
    s.healthy_boot();
    // A later stage (pxelinux, the OS) with its own xid and no PXEClient.
    DhcpMessage later = pxe_discover(0x5555);
    later.set_option(wire::opt::kVendorClass, std::string_view("udhcp 1.36"));
    later.finish();
    s.client(later);
    EXPECT_TRUE(run(s, "PXE-001").empty());
}

TEST(PXE_002, MissingOrMisshapedClientOptionsFail) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        d.remove_option(wire::opt::kClientArch);
        const Bytes ndi{1, 2};
        d.set_option(wire::opt::kClientNdi, ndi);
        d.remove_option(wire::opt::kClientUuid);
    });
    const auto fs = run(s, "PXE-002");
    ASSERT_EQ(fs.size(), 3u) << dump(fs);
    for (const auto& f : fs) {
        EXPECT_EQ(f.blame, Blame::Nic);
        EXPECT_TRUE(has_frame(f, 1));
    }
    auto find = [&](std::string_view part) {
        return std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return contains(f.detail, part); });
    };
    ASSERT_NE(find("option 93"), fs.end());
    EXPECT_EQ(find("option 93")->severity, Severity::Fail);
    ASSERT_NE(find("option 94 is 2 octets"), fs.end());
    EXPECT_EQ(find("option 94 is 2 octets")->severity, Severity::Fail);
    ASSERT_NE(find("option 97"), fs.end());
    EXPECT_EQ(find("option 97")->severity, Severity::Warn);
}

TEST(PXE_002, WrongUuidTypeFails) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        Bytes uuid(17, 0x22);
        uuid[0] = 1;
        d.set_option(wire::opt::kClientUuid, uuid);
    });
    const auto fs = run(s, "PXE-002");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "option 97 type is 1"));
}

TEST(PXE_002, CompleteClientOptionsPass) {
    TraceScript s;
    ProxyBoot{}.play(s);  // includes the 4011 request
    EXPECT_TRUE(run(s, "PXE-002").empty());
}

TEST(PXE_003, ArchDigitsDisagreeingWithOption93Fail) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        d.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(7, 3, 16));
    });
    const auto fs = run(s, "PXE-003");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);  // arch and UNDI
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(contains(dump(fs), "Arch 00007"));
    EXPECT_TRUE(contains(dump(fs), "UNDI 003016"));
}

TEST(PXE_003, MatchingDigitsPass) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "PXE-003").empty());
}

TEST(PXE_004, ZeroGuidAndArch9AreInfo) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        Bytes uuid(17, 0);
        d.set_option(wire::opt::kClientUuid, uuid);
        d.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(9, 2, 1));
        d.set_option_u16(wire::opt::kClientArch, 9);
    });
    const auto fs = run(s, "PXE-004");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    for (const auto& f : fs) {
        EXPECT_EQ(f.severity, Severity::Info);
        EXPECT_EQ(f.blame, Blame::Nic);
        EXPECT_TRUE(has_frame(f, 1));
    }
}

TEST(PXE_004, UnregisteredArchIsInfo) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        d.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(200, 2, 1));
        d.set_option_u16(wire::opt::kClientArch, 200);
    });
    const auto fs = run(s, "PXE-004");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "200"));
}

TEST(PXE_004, RegisteredArchAndRealGuidPass) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "PXE-004").empty());
}

TEST(PXE_005, MissingPxeParametersFail) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        const Bytes params{1, 3, 6, 66, 67, 128, 129, 131, 132, 133, 134, 135};
        d.set_option(wire::opt::kParameterList, params);
    });
    const auto fs = run(s, "PXE-005");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    const auto fail = std::find_if(fs.begin(), fs.end(), [](const Finding& f) { return f.severity == Severity::Fail; });
    ASSERT_NE(fail, fs.end());
    EXPECT_TRUE(contains(fail->detail, "130"));
    EXPECT_EQ(fail->blame, Blame::Nic);
    EXPECT_TRUE(has_frame(*fail, 1));
    const auto warn = std::find_if(fs.begin(), fs.end(), [](const Finding& f) { return f.severity == Severity::Warn; });
    ASSERT_NE(warn, fs.end());
    EXPECT_TRUE(contains(warn->detail, "43 or 60"));
}

TEST(PXE_005, FullParameterListPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "PXE-005").empty());
}

TEST(PXE_006, SmallMaxMessageSizeFails) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) { d.set_option_u16(wire::opt::kMaxMessageSize, 500); });
    const auto fs = run(s, "PXE-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(contains(fs[0].detail, "500"));
}

TEST(PXE_006, AbsentMaxMessageSizeWarns) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) { d.remove_option(wire::opt::kMaxMessageSize); });
    const auto fs = run(s, "PXE-006");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
}

TEST(PXE_006, LargeEnoughPasses) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "PXE-006").empty());
}

TEST(PXE_007, FastDiscoverRetriesWarn) {
    TraceScript s;
    DhcpMessage d = pxe_discover();
    s.client(d);            // frame 1 at t=0
    s.advance_ms(999);
    s.client(d);            // frame 2 at 1 s
    s.advance_ms(1999);
    s.client(d);            // frame 3 at 3 s
    s.server(reply(d, DhcpMessageType::Offer));
    const auto fs = run(s, "PXE-007");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "1.0 s")) << fs[0].detail;
}

// Frame times span +/-(2^62 - 1) ns, so a gap between two DISCOVERs fits
// int64 but twice the gap may not: times going back from near the latest to
// near the earliest a capture can hold overflowed gap * 2 (wrapped, to 2e10,
// which hid this too-early retry).
TEST(PXE_007, DiscoverTimesAtBothEndsOfTheRangeDoNotOverflow) {
    TraceScript s;
    DhcpMessage d = pxe_discover();
    s.at_ns(link::kMaxFrameTimeNs);
    s.client(d);  // frame 1
    s.at_ns(-link::kMaxFrameTimeNs + 10'000'000'000);
    s.client(d);  // frame 2: 292 years earlier, the same episode (not a pause)
    const auto fs = run(s, "PXE-007");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(contains(fs[0].detail, "(retry 1, expected ~4 s)")) << fs[0].detail;
}

TEST(PXE_007, RequestBeforeProxyWindowsWarns) {
    TraceScript s;
    DhcpMessage d = pxe_discover();
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, Ipv4Addr{}, ""));  // address only
    s.advance_ms(2000);
    s.client(pxe_request(d, kServerIp));  // frame 3, ~2 s after the DISCOVER
    const auto fs = run(s, "PXE-007");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "proxy offers"));
}

TEST(PXE_007, SpecScheduleAndPatientRequestPass) {
    TraceScript s;
    DhcpMessage d = pxe_discover();
    s.client(d);
    s.advance_ms(4000);
    s.client(d);
    s.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, Ipv4Addr{}, ""));
    s.advance_ms(8000);
    s.client(d);
    s.advance_ms(1000);
    s.client(pxe_request(d, kServerIp));  // 13 s after the first DISCOVER
    EXPECT_TRUE(run(s, "PXE-007").empty()) << dump(run(s, "PXE-007"));
}

TEST(PXE_009, BootServerRequestWithoutCiaddrOrBootItemFails) {
    TraceScript s;
    ProxyBoot b;
    b.bs_request.ciaddr = Ipv4Addr{};
    const Bytes end_only{255};
    b.bs_request.set_option(wire::opt::kVendorSpecific, end_only);
    b.bs_request.finish();
    b.play(s);
    const auto fs = run(s, "PXE-009");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    for (const auto& f : fs) {
        EXPECT_EQ(f.blame, Blame::Nic);
        EXPECT_EQ(f.severity, Severity::Fail);
        EXPECT_TRUE(has_frame(f, 6));
    }
    EXPECT_TRUE(contains(dump(fs), "ciaddr 0.0.0.0, bound address is 192.168.14.10"));
    EXPECT_TRUE(contains(dump(fs), "43.71"));
}

TEST(PXE_009, BroadcastTo4011Fails) {
    TraceScript s;
    ProxyBoot b;
    b.bs_broadcast = true;
    b.play(s);
    const auto fs = run(s, "PXE-009");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "broadcast"));
}

TEST(PXE_009, UnicastBootServerRequestPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-009").empty());
}

TEST(PXE_012, TftpToAnotherServerFails) {
    TraceScript s;
    ProxyBoot b;
    b.rrq_server = kServerIp;  // the DHCP server, not the boot server that answered on 4011
    b.play(s);
    const auto fs = run(s, "PXE-012");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(has_frame(fs[0], 7));  // the governing boot-server ACK
    EXPECT_TRUE(has_frame(fs[0], 8));  // the RRQ
    EXPECT_TRUE(contains(fs[0].detail, "boot-server ACK")) << fs[0].detail;
}

TEST(PXE_012, TftpOfAnotherFileFails) {
    TraceScript s;
    ProxyBoot b;
    b.rrq_file = "pxelinux.0";
    b.play(s);
    const auto fs = run(s, "PXE-012");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "\"pxelinux.0\""));
    EXPECT_TRUE(contains(fs[0].detail, "\"boot.0\""));
}

TEST(PXE_012, TftpOfTheGoverningFilePasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-012").empty());
    TraceScript s2;
    s2.healthy_boot();
    EXPECT_TRUE(run(s2, "PXE-012").empty());
}

// ================================================================================
// Section 5: master
// ================================================================================

TEST(PXE_014, Option43WithoutVendorClassFails) {
    TraceScript s;
    ProxyBoot b;
    b.proxy.remove_option(wire::opt::kVendorClass);
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-014");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 3));
}

TEST(PXE_014, MtftpOnlyOption43BesideSiaddrAndFileOnlyWarns) {
    // The classic isc-dhcpd recipe: 43 = 01 04 00 00 00 00 ff without 60. The
    // ROM ignores the 43 and boots from siaddr/file.
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        const Bytes no_mtftp{1, 4, 0, 0, 0, 0, 255};
        m.set_option(wire::opt::kVendorSpecific, no_mtftp);
    });
    const auto fs = run(s, "PXE-014");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 4));
}

TEST(PXE_014, LongVendorClassIsInfo) {
    TraceScript s;
    ProxyBoot b;
    b.proxy.set_option(wire::opt::kVendorClass, std::string_view("PXEClient:Arch:00000:UNDI:002001"));
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-014");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
}

TEST(PXE_014, DhcpOnlyOfferAndProperProxyPass) {
    TraceScript s;
    s.healthy_boot();  // siaddr + file, no 60: valid
    EXPECT_TRUE(run(s, "PXE-014").empty());
    TraceScript s2;
    ProxyBoot{}.play(s2);
    EXPECT_TRUE(run(s2, "PXE-014").empty());
}

TEST(PXE_015, ProxyOfferWithAddressFails) {
    TraceScript s;
    ProxyBoot b;
    b.proxy.yiaddr = Ipv4Addr::from_octets(192, 168, 14, 99);
    b.play(s);
    const auto fs = run(s, "PXE-015");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "192.168.14.99"));
}

TEST(PXE_015, ProxyOfferWithLeaseWarns) {
    TraceScript s;
    ProxyBoot b;
    b.proxy.set_option_u32(wire::opt::kLeaseTime, 600);
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-015");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_TRUE(contains(fs[0].detail, "51"));
}

TEST(PXE_015, ProperProxyOfferPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-015").empty());
}

TEST(PXE_018, BootServerAnswerWithoutServerIdToWrongPortFails) {
    TraceScript s;
    ProxyBoot b;
    b.bs_ack.remove_option(wire::opt::kServerId);
    b.bs_ack.finish();
    b.bs_ack_dst_port = 4011;
    b.play(s);
    const auto fs = run(s, "PXE-018");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    for (const auto& f : fs) {
        EXPECT_EQ(f.blame, Blame::Master);
        EXPECT_TRUE(has_frame(f, 7));
    }
    EXPECT_TRUE(contains(dump(fs), "no option 54"));
    EXPECT_TRUE(contains(dump(fs), ":4011, the request came from 192.168.14.10:68"));
}

TEST(PXE_018, BootServerAnswerWithoutFileFails) {
    TraceScript s;
    ProxyBoot b;
    b.bs_ack.file = {};
    b.bs_ack.finish();
    b.play(s);
    const auto fs = run(s, "PXE-018");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "no boot file"));
}

TEST(PXE_018, ProperBootServerAnswerPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-018").empty());
}

TEST(PXE_020, Option43WithoutEndFails) {
    TraceScript s;
    ProxyBoot b;
    const Bytes no_end{6, 1, 2, 9, 5, 0x80, 0x00, 2, 'h', 'i'};
    b.proxy.set_option(wire::opt::kVendorSpecific, no_end);
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-020");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "END"));
}

TEST(PXE_020, TruncatedSubOptionFails) {
    TraceScript s;
    ProxyBoot b;
    const Bytes truncated{6, 1, 2, 9, 20, 0x80, 0x00, 2, 'h', 'i', 255};
    b.proxy.set_option(wire::opt::kVendorSpecific, truncated);
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-020");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "43.9"));
}

TEST(PXE_020, WellFormedOption43Passes) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-020").empty());
}

TEST(PXE_021, BadSubOptionShapesFail) {
    TraceScript s;
    ProxyBoot b;
    const Bytes bad{6, 2, 0, 8, 71, 3, 0x80, 0x00, 0, 255};
    b.bs_ack.set_option(wire::opt::kVendorSpecific, bad);
    b.bs_ack.finish();
    b.play(s);
    const auto fs = run(s, "PXE-021");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(has_frame(fs[0], 7));
    EXPECT_TRUE(contains(dump(fs), "43.6"));
    EXPECT_TRUE(contains(dump(fs), "43.71"));
}

TEST(PXE_021, ProperShapesPass) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-021").empty());
}

TEST(PXE_022, UnreachableMenuItemFails) {
    TraceScript s;
    ProxyBoot b;
    wire::PxeVendorOptions pxe;
    pxe.discovery_control = wire::discovery::kNoBroadcast | wire::discovery::kNoMulticast;
    pxe.boot_servers.push_back({0x8000, {kOtherServerIp}});
    pxe.menu.push_back({0x8000, "Network boot"});
    pxe.menu.push_back({0x8001, "Rescue"});
    pxe.menu.push_back({0, "Local disk"});
    pxe.prompt = wire::PxeMenuPrompt{5, "Press F8"};
    b.proxy.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-022");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 3));
    EXPECT_TRUE(contains(fs[0].detail, "0x8001 \"Rescue\"")) << fs[0].detail;
}

TEST(PXE_022, ListOnlyWithoutServersFailsAndMenuWithoutPromptIsInfo) {
    TraceScript s;
    ProxyBoot b;
    wire::PxeVendorOptions pxe;
    pxe.discovery_control = wire::discovery::kServerListOnly;
    pxe.menu.push_back({0, "Local disk"});
    b.proxy.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-022");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    EXPECT_TRUE(std::any_of(fs.begin(), fs.end(), [](const Finding& f) {
        return f.severity == Severity::Fail && contains(f.detail, "43.8 lists none");
    }));
    EXPECT_TRUE(std::any_of(fs.begin(), fs.end(), [](const Finding& f) {
        return f.severity == Severity::Info && contains(f.detail, "prompt");
    }));
}

TEST(PXE_022, CoherentMenuPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-022").empty());
}

TEST(PXE_023, BootFileDirectWithoutFileFails) {
    TraceScript s;
    ProxyBoot b;
    wire::PxeVendorOptions pxe;
    pxe.discovery_control = wire::discovery::kBootFileDirect;
    b.proxy.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-023");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_TRUE(has_frame(fs[0], 3));
}

TEST(PXE_023, BootFileDirectWithFilePasses) {
    TraceScript s;
    ProxyBoot b;
    wire::PxeVendorOptions pxe;
    pxe.discovery_control = wire::discovery::kBootFileDirect;
    b.proxy.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    b.proxy.set_file("boot.0");
    b.proxy.finish();
    b.play(s);
    EXPECT_TRUE(run(s, "PXE-023").empty());
}

TEST(PXE_024, FileOnlyInOption67Warns) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        m.file = {};
        m.set_option(wire::opt::kBootfileName, std::string_view("pxelinux.0"));
    });
    const auto fs = run(s, "PXE-024");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 4));  // OFFER and ACK folded
}

TEST(PXE_024, Option66DisagreeingWithSiaddrWarns) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) { m.set_option(wire::opt::kTftpServerName, std::string_view("192.168.14.201")); });
    const auto fs = run(s, "PXE-024");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "siaddr 192.168.14.200 but option 66 \"192.168.14.201\""));
}

TEST(PXE_024, SiaddrAndFileFieldPass) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        m.set_option(wire::opt::kTftpServerName, std::string_view("192.168.14.200"));
        m.set_option(wire::opt::kBootfileName, std::string_view("pxelinux.0"));
    });
    EXPECT_TRUE(run(s, "PXE-024").empty());
}

TEST(PXE_025, NoBootFileAnywhereFailsOnConfig) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) { m.file = {}; });
    const auto fs = run(s, "PXE-025");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 4));
    EXPECT_TRUE(contains(fs[0].detail, "PXE-E53"));
}

TEST(PXE_025, UnansweredBootServerRequestFails) {
    TraceScript s;
    ProxyBoot b;
    DhcpMessage d = b.discover;
    s.client(d);
    s.server(b.offer);
    s.server(b.proxy, kOtherServerIp, kOtherServerMac);
    s.client(b.request);
    s.server(b.ack);
    s.client(b.bs_request, kClientMac, 4011, kOtherServerIp);  // frame 6, never answered
    const auto fs = run(s, "PXE-025");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(has_frame(fs[0], 6));
}

TEST(PXE_025, FileFromAnyReplyInTheChainPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);  // only the 4011 ACK names a file
    EXPECT_TRUE(run(s, "PXE-025").empty());
    TraceScript s2;
    s2.healthy_boot();
    EXPECT_TRUE(run(s2, "PXE-025").empty());
}

TEST(PXE_025, DeclinedOrPendingChainIsNotJudged) {
    // A PXEClient ACK without a file sends the NIC on to 4011; the NIC
    // declined the address instead (tianocore BZ17): the chain stopped at the NIC.
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        m.file = {};
        m.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
    });
    DhcpMessage decline = pxe_discover();
    decline.set_option_u8(wire::opt::kMessageType, 4);
    decline.remove_option(wire::opt::kVendorClass);
    decline.finish();
    s.client(decline);
    EXPECT_TRUE(run(s, "PXE-025").empty());
}

TEST(PXE_026, PxeReplyWithoutUuidEchoWarns) {
    TraceScript s;
    ProxyBoot b;
    b.proxy.remove_option(wire::opt::kClientUuid);
    b.proxy.finish();
    b.play(s);
    const auto fs = run(s, "PXE-026");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Warn);
    EXPECT_EQ(fs[0].blame, Blame::Master);
    EXPECT_TRUE(has_frame(fs[0], 3));
}

TEST(PXE_026, EchoedUuidPasses) {
    TraceScript s;
    ProxyBoot{}.play(s);
    EXPECT_TRUE(run(s, "PXE-026").empty());
}

TEST(PXE_027, UefiImageForBiosClientIsInfoOnConfig) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) { m.set_file("grub/bootx64.efi"); });
    const auto fs = run(s, "PXE-027");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);  // OFFER and ACK name the same file: folded
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 4));
    EXPECT_TRUE(contains(fs[0].detail, "x86 BIOS client (arch 0)"));
}

TEST(PXE_027, BiosProgramForUefiClientIsInfo) {
    TraceScript s;
    dora(
        s, [](DhcpMessage&) {},
        [](DhcpMessage& d) {
            d.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(7, 3, 16));
            d.set_option_u16(wire::opt::kClientArch, 7);
            const Bytes ndi{1, 3, 16};
            d.set_option(wire::opt::kClientNdi, ndi);
        });
    const auto fs = run(s, "PXE-027");
    ASSERT_FALSE(fs.empty());
    EXPECT_TRUE(contains(fs[0].detail, "x64 UEFI client")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "BIOS network boot program"));
}

TEST(PXE_027, MatchingBootFilePasses) {
    TraceScript s;
    s.healthy_boot();  // arch 0, pxelinux.0
    EXPECT_TRUE(run(s, "PXE-027").empty());
}

TEST(PXE_028, BadPxelinuxOptionLengthsFail) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        const Bytes magic3{0xf1, 0x00, 0x74};
        m.set_option(208, magic3);
        const Bytes reboot2{0, 5};
        m.set_option(211, reboot2);
    });
    const auto fs = run(s, "PXE-028");
    ASSERT_EQ(fs.size(), 2u) << dump(fs);
    for (const auto& f : fs) {
        EXPECT_EQ(f.severity, Severity::Fail);
        EXPECT_EQ(f.blame, Blame::Master);
        EXPECT_TRUE(has_frame(f, 2));
    }
}

TEST(PXE_028, DeprecatedMagicIsInfo) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        const Bytes magic{0xf1, 0x00, 0x74, 0x7e};
        m.set_option(208, magic);
    });
    const auto fs = run(s, "PXE-028");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
}

TEST(PXE_028, WellFormedPxelinuxOptionsPass) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        m.set_option(209, std::string_view("pxelinux.cfg/default"));
        m.set_option(210, std::string_view("/tftpboot/"));
        m.set_option_u32(211, 30);
    });
    EXPECT_TRUE(run(s, "PXE-028").empty());
}

TEST(PXE_029, BareIpxeUserClassIsInfo) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) { d.set_option(wire::opt::kUserClass, std::string_view("iPXE")); });
    const auto fs = run(s, "PXE-029");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_EQ(fs[0].severity, Severity::Info);
    EXPECT_EQ(fs[0].blame, Blame::Nic);
    EXPECT_TRUE(has_frame(fs[0], 1));
    EXPECT_TRUE(contains(fs[0].detail, "bare \"iPXE\""));
}

TEST(PXE_029, Rfc3004ItemsPass) {
    TraceScript s;
    boot_with_request(s, [](DhcpMessage& d) {
        const Bytes items{4, 'i', 'P', 'X', 'E', 3, 'f', 'o', 'o'};
        d.set_option(wire::opt::kUserClass, items);
    });
    EXPECT_TRUE(run(s, "PXE-029").empty());
}

TEST(PXE_030, FileWithoutServerFailsOnConfig) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) { m.siaddr = Ipv4Addr{}; });
    const auto fs = run(s, "PXE-030");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);  // OFFER and ACK fold into one finding
    EXPECT_EQ(fs[0].severity, Severity::Fail);
    EXPECT_EQ(fs[0].blame, Blame::Config);
    EXPECT_TRUE(has_frame(fs[0], 2));
    EXPECT_TRUE(has_frame(fs[0], 4));
    EXPECT_TRUE(contains(fs[0].detail, "\"pxelinux.0\"")) << fs[0].detail;
    EXPECT_TRUE(contains(fs[0].detail, "Nothing to boot"));
    EXPECT_TRUE(contains(fs[0].detail, "option 54 (192.168.14.200)"));
    EXPECT_TRUE(contains(fs[0].detail, "no TFTP request followed"));
}

TEST(PXE_030, HostNameInOption66Fails) {
    TraceScript s;
    dora(s, [](DhcpMessage& m) {
        m.siaddr = Ipv4Addr{};
        m.set_option(wire::opt::kTftpServerName, std::string_view("tftp.lab"));
    });
    const auto fs = run(s, "PXE-030");
    ASSERT_EQ(fs.size(), 1u) << dump(fs);
    EXPECT_TRUE(contains(fs[0].detail, "option 66 \"tftp.lab\" is not a dotted address"));
}

TEST(PXE_030, SiaddrOrDottedOption66Pass) {
    TraceScript s;
    s.healthy_boot();
    EXPECT_TRUE(run(s, "PXE-030").empty());
    TraceScript s2;
    dora(s2, [](DhcpMessage& m) {
        m.siaddr = Ipv4Addr{};
        m.set_option(wire::opt::kTftpServerName, std::string_view("192.168.14.200"));
    });
    EXPECT_TRUE(run(s2, "PXE-030").empty());
}

// ================================================================================
// Real captures
// ================================================================================

TEST(PXE_Captures, BiosRomWithProxyDhcpAndBootServer) {
    // Intel-style BIOS ROM, Pixiecore proxyDHCP + 4011 boot server, TFTP
    // requests only (the server's answers were not captured).
    auto t = load(kPublic + "netboot-bios-pxe-proxydhcp-tftp-rrq.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = pxe_findings(*t);
    for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << dump({f});
    EXPECT_TRUE(with_id(fs, "PXE-012").empty()) << dump(fs);  // RRQ "boot" to 192.168.16.10, as the 4011 ACK says
    EXPECT_TRUE(with_id(fs, "PXE-025").empty());
    EXPECT_TRUE(with_id(fs, "PXE-030").empty());
}

TEST(PXE_Captures, UefiDeclineIsNotBlamedOnTheMaster) {
    // EDK2 x64 declines the ACKed address; the PXEClient ACK had no file but
    // the chain stopped at the NIC, before the 4011 step.
    auto t = load(kPublic + "tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = pxe_findings(*t);
    EXPECT_TRUE(with_id(fs, "PXE-025").empty()) << dump(fs);
    // EDK2's client options are complete.
    for (std::string_view id : {"PXE-001", "PXE-002", "PXE-003", "PXE-005", "PXE-006", "PXE-007"})
        EXPECT_TRUE(with_id(fs, id).empty()) << dump(fs);
    // The server's PXEClient replies do not echo 97 (WARN); its 60 carries a NUL (INFO).
    const auto p26 = with_id(fs, "PXE-026");
    ASSERT_EQ(p26.size(), 1u) << dump(fs);
    EXPECT_EQ(p26[0].severity, Severity::Warn);
    for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << dump({f});
}

TEST(PXE_Captures, IpxeAgainstIscDhcpdIsHealthy) {
    auto t = load(kLab + "ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = pxe_findings(*t);
    for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << dump({f});
    EXPECT_TRUE(with_id(fs, "PXE-012").empty()) << dump(fs);
}

TEST(PXE_Captures, DhcpdWithoutNextServerGivesPxe030) {
    auto t = load(kLab + "ipxe-bios-dhcpd-no-next-server.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = pxe_findings(*t);
    const auto p30 = with_id(fs, "PXE-030");
    ASSERT_EQ(p30.size(), 1u) << dump(fs);
    EXPECT_EQ(p30[0].severity, Severity::Fail);
    EXPECT_EQ(p30[0].blame, Blame::Config);
    EXPECT_TRUE(contains(p30[0].detail, "\"pxelinux.0\"")) << p30[0].detail;
    EXPECT_TRUE(contains(p30[0].detail, "no TFTP request followed")) << p30[0].detail;
    EXPECT_TRUE(with_id(fs, "PXE-025").empty());
}

TEST(PXE_Captures, IpxeWithDnsmasqProxyBootsFromTheBootServer) {
    // isc-dhcpd gives the address, dnsmasq the proxy offer with a menu and
    // the boot file on 4011; iPXE's 4011 REQUEST carries the bare "PXEClient".
    auto t = load(kLab + "ipxe-bios-dnsmasq-proxy.pcap");
    if (!t) GTEST_SKIP() << "capture not available";
    const auto fs = pxe_findings(*t);
    for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << dump({f});
    for (std::string_view id : {"PXE-009", "PXE-012", "PXE-014", "PXE-015", "PXE-018", "PXE-020", "PXE-021",
                                "PXE-022", "PXE-025", "PXE-030"})
        EXPECT_TRUE(with_id(fs, id).empty()) << dump(fs);
    const auto p1 = with_id(fs, "PXE-001");
    ASSERT_EQ(p1.size(), 1u) << dump(fs);
    EXPECT_EQ(p1[0].severity, Severity::Warn);
    EXPECT_TRUE(contains(p1[0].detail, "4011"));
}

TEST(PXE_Captures, OvmfBootsAreHealthy) {
    for (const std::string name : {"ovmf-uefi-dnsmasq.pcap", "ovmf-uefi-isc-dhcpd-tftpd-hpa.pcap"}) {
        auto t = load(kLab + name);
        if (!t) continue;
        const auto fs = pxe_findings(*t);
        for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << name << ": " << dump({f});
        for (std::string_view id : {"PXE-001", "PXE-002", "PXE-005", "PXE-012", "PXE-025", "PXE-027", "PXE-030"})
            EXPECT_TRUE(with_id(fs, id).empty()) << name << ": " << dump(fs);
    }
}

TEST(PXE_Captures, BrokenSetupsElsewhereRaiseNoPxeFailure) {
    // Two DHCP servers (the NIC follows the one it chose) and a missing TFTP
    // file: faults of the network and of the TFTP root, not PXE rules.
    for (const std::string name : {"ipxe-bios-two-dhcp-servers.pcap", "ipxe-bios-tftp-missing-file.pcap"}) {
        auto t = load(kLab + name);
        if (!t) continue;
        const auto fs = pxe_findings(*t);
        for (const auto& f : fs) EXPECT_NE(f.severity, Severity::Fail) << name << ": " << dump({f});
        EXPECT_TRUE(with_id(fs, "PXE-012").empty()) << name << ": " << dump(fs);
    }
}

