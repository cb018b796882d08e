// compare_boots: a boot in a capture beside the same client's boot now.
// The same master gives no difference whatever the client's timing; a
// changed boot file, siaddr, an extra server or a TFTP error is named.

#include <gtest/gtest.h>

#include <algorithm>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/compare.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "trace_fixtures.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::fixtures;
using analyze::BootComparison;
using wire::DhcpMessageType;

struct Boot {
    analyze::Trace trace;
    analyze::BootPath path;
};

Boot boot_of(analyze::Trace t) {
    Boot b{std::move(t), {}};
    const auto* s = b.trace.session(kClientMac);
    EXPECT_NE(s, nullptr);
    if (s) b.path = analyze::reconstruct_boot(b.trace, *s);
    return b;
}

BootComparison compare(const Boot& then, const Boot& now) {
    return analyze::compare_boots(then.trace, then.path, now.trace, now.path);
}

/// A DORA + TFTP boot with the given master answers.
struct Master {
    Ipv4Addr siaddr = kServerIp;
    std::string file = "pxelinux.0";
    bool extra_server = false;      ///< a second DHCP server offers too
    int discovers = 1;              ///< DISCOVER retransmissions, each answered
    std::uint32_t xid = 0x1234abcd;
    std::size_t size = 3000;
    std::uint8_t fill = 0;          ///< changes the file's bytes, not its size
    bool tftp_not_found = false;
};

Boot run(const Master& m) {
    TraceScript s;
    const auto d = pxe_discover(m.xid);
    for (int i = 0; i < m.discovers; ++i) {
        s.client(d);
        s.advance_ms(1000);
        s.server(reply(d, DhcpMessageType::Offer, kServerIp, kClientIp, m.siaddr, m.file));
        if (m.extra_server) {
            s.server(reply(d, DhcpMessageType::Offer, kOtherServerIp, Ipv4Addr::from_octets(192, 168, 14, 50),
                           kOtherServerIp, "other.0"),
                     kOtherServerIp, kOtherServerMac);
        }
    }
    const auto r = pxe_request(d, kServerIp);
    s.client(r);
    s.server(reply(r, DhcpMessageType::Ack, kServerIp, kClientIp, m.siaddr, m.file));
    if (m.tftp_not_found) {
        s.tftp_from_client(wire::make_rrq(m.file, "octet", {{"blksize", "1432"}, {"tsize", "0"}}), 2070, 69,
                           m.siaddr);
        s.tftp_from_server(wire::make_error(wire::TftpErrorCode::FileNotFound, "File not found"), 40000, 2070,
                           m.siaddr);
    } else if (m.fill == 0) {
        s.tftp_transfer(m.file, m.size, 1432);
    } else {
        // Same size, other bytes: one lock-step transfer by hand.
        s.tftp_from_client(wire::make_rrq(m.file, "octet", {{"blksize", "1432"}, {"tsize", "0"}}), 2070, 69);
        s.tftp_from_server(wire::make_oack({{"blksize", "1432"}, {"tsize", std::to_string(m.size)}}), 40000, 2070);
        s.tftp_from_client(wire::make_ack(0), 2070, 40000);
        std::size_t sent = 0;
        for (std::uint16_t block = 1;; ++block) {
            const std::size_t n = std::min<std::size_t>(1432, m.size - sent);
            s.tftp_from_server(wire::make_data(block, Bytes(n, m.fill)), 40000, 2070);
            s.tftp_from_client(wire::make_ack(block), 2070, 40000);
            sent += n;
            if (n < 1432) break;
        }
    }
    return boot_of(s.finish());
}

const analyze::Comparison* row(const BootComparison& c, const std::string& step, const std::string& field) {
    for (const auto& r : c.rows)
        if (r.step == step && r.field == field) return &r;
    return nullptr;
}

std::vector<std::string> differing(const BootComparison& c) {
    std::vector<std::string> v;
    for (const auto& r : c.rows)
        if (!r.same) v.push_back(r.step + "/" + r.field);
    return v;
}

analyze::Trace read_capture(const std::string& name) {
    const std::string path = std::string(PXECHECK_SOURCE_DIR) + "/captures/" + name;
    auto reader = link::PcapReader::open(path);
    EXPECT_TRUE(reader.ok()) << path;
    analyze::TraceBuilder b(path, (*reader)->linktype());
    while (auto f = (*reader)->next()) b.add(f->number, f->timestamp_ns, f->data, f->original_length);
    return std::move(b).finish();
}

Boot capture_boot(const std::string& name) {
    Boot b{read_capture(name), {}};
    EXPECT_FALSE(b.trace.sessions.empty());
    if (!b.trace.sessions.empty()) b.path = analyze::reconstruct_boot(b.trace, b.trace.sessions.front());
    return b;
}

}  // namespace

TEST(CompareBoots, SameMasterNoDifference) {
    const auto a = run({});
    const auto b = run({});
    const auto c = compare(a, b);
    EXPECT_TRUE(c.same()) << ::testing::PrintToString(differing(c));
    EXPECT_EQ(c.differences, 0u);
    // Every step is there, each field once.
    for (const auto& [step, field] : std::vector<std::pair<std::string, std::string>>{
             {"offers", "servers"},
             {"offer 192.168.14.200", "yiaddr"},
             {"offer 192.168.14.200", "siaddr"},
             {"offer 192.168.14.200", "file"},
             {"offer 192.168.14.200", "option 66"},
             {"offer 192.168.14.200", "option 67"},
             {"offer 192.168.14.200", "proxy"},
             {"offer 192.168.14.200", "menu"},
             {"ack", "server"},
             {"ack", "file"},
             {"proxy", "server"},
             {"4011", "server"},
             {"boot", "source"},
             {"boot", "server"},
             {"boot", "file"},
             {"boot", "phase"},
             {"tftp", "status"},
             {"tftp", "size"},
             {"tftp", "sha256"},
             {"tftp", "blksize"},
             {"tftp", "tsize"},
             {"tftp", "windowsize"},
             {"tftp", "error"},
         }) {
        const auto* r = row(c, step, field);
        ASSERT_NE(r, nullptr) << step << " / " << field;
        EXPECT_TRUE(r->same) << step << " / " << field;
    }
    EXPECT_EQ(row(c, "offer 192.168.14.200", "file")->capture, "\"pxelinux.0\"");
    EXPECT_EQ(row(c, "boot", "source")->now, "dhcp-ack");
    EXPECT_EQ(row(c, "boot", "phase")->now, "downloaded");
    EXPECT_EQ(row(c, "tftp", "size")->now, "3000");
    EXPECT_EQ(row(c, "tftp", "blksize")->now, "1432");
    EXPECT_EQ(row(c, "proxy", "server")->capture, "none");
}

TEST(CompareBoots, ClientTimingXidAndRetransmissionsAreNotDifferences) {
    Master again;
    again.xid = 0x0badcafe;
    again.discovers = 3;  // three DISCOVERs, three OFFERs from the one server
    const auto c = compare(run({}), run(again));
    EXPECT_TRUE(c.same()) << ::testing::PrintToString(differing(c));
}

TEST(CompareBoots, ChangedBootFileIsNamed) {
    Master changed;
    changed.file = "other.0";
    const auto c = compare(run({}), run(changed));
    EXPECT_FALSE(c.same());
    const auto d = differing(c);
    for (const char* want : {"offer 192.168.14.200/file", "ack/file", "boot/file"}) {
        EXPECT_NE(std::find(d.begin(), d.end(), want), d.end()) << want << " in " << ::testing::PrintToString(d);
    }
    const auto* r = row(c, "boot", "file");
    EXPECT_EQ(r->capture, "\"pxelinux.0\"");
    EXPECT_EQ(r->now, "\"other.0\"");
    // The same bytes under another name: the download itself compares equal.
    EXPECT_TRUE(row(c, "tftp", "sha256")->same);
}

TEST(CompareBoots, ChangedSiaddrIsNamed) {
    Master changed;
    changed.siaddr = Ipv4Addr{};  // no next-server
    const auto c = compare(run({}), run(changed));
    const auto d = differing(c);
    for (const char* want : {"offer 192.168.14.200/siaddr", "ack/siaddr", "boot/server"}) {
        EXPECT_NE(std::find(d.begin(), d.end(), want), d.end()) << want << " in " << ::testing::PrintToString(d);
    }
    EXPECT_EQ(row(c, "ack", "siaddr")->capture, "192.168.14.200");
    EXPECT_EQ(row(c, "ack", "siaddr")->now, "0.0.0.0");
    EXPECT_EQ(row(c, "boot", "server")->now, "none");
}

TEST(CompareBoots, ExtraServerIsNamed) {
    Master changed;
    changed.extra_server = true;
    const auto c = compare(run({}), run(changed));
    const auto* servers = row(c, "offers", "servers");
    ASSERT_NE(servers, nullptr);
    EXPECT_FALSE(servers->same);
    EXPECT_EQ(servers->capture, "192.168.14.200");
    EXPECT_EQ(servers->now, "192.168.14.200, 192.168.14.201");
    const auto* extra = row(c, "offer 192.168.14.201", "offer");
    ASSERT_NE(extra, nullptr);
    EXPECT_FALSE(extra->same);
    EXPECT_EQ(extra->capture, "none");
    EXPECT_NE(extra->now.find("other.0"), std::string::npos) << extra->now;
    // The server the client took answers as before.
    EXPECT_TRUE(row(c, "offer 192.168.14.200", "file")->same);
    EXPECT_TRUE(row(c, "ack", "file")->same);
    EXPECT_EQ(c.differences, 2u);
}

TEST(CompareBoots, MissingServerIsNamedTheOtherWayRound) {
    Master before;
    before.extra_server = true;
    const auto c = compare(run(before), run({}));
    const auto* extra = row(c, "offer 192.168.14.201", "offer");
    ASSERT_NE(extra, nullptr);
    EXPECT_EQ(extra->now, "none");
}

TEST(CompareBoots, OtherBytesSameSizeDifferInSha256Only) {
    Master changed;
    changed.fill = 0x5a;
    const auto c = compare(run({}), run(changed));
    EXPECT_EQ(differing(c), std::vector<std::string>{"tftp/sha256"});
}

TEST(CompareBoots, TftpErrorNow) {
    Master changed;
    changed.tftp_not_found = true;
    const auto c = compare(run({}), run(changed));
    EXPECT_FALSE(row(c, "tftp", "status")->same);
    EXPECT_EQ(row(c, "tftp", "status")->now, "error");
    EXPECT_EQ(row(c, "tftp", "error")->now, "1 \"File not found\"");
    EXPECT_EQ(row(c, "tftp", "error")->capture, "none");
    EXPECT_EQ(row(c, "tftp", "size")->now, "-");
    EXPECT_EQ(row(c, "tftp", "sha256")->now, "-");
    EXPECT_FALSE(row(c, "boot", "phase")->same);
}

TEST(CompareBoots, NoSha256RowWithoutTheWholeFileInTheCapture) {
    Master before;
    before.tftp_not_found = true;
    const auto c = compare(run(before), run({}));
    EXPECT_EQ(row(c, "tftp", "sha256"), nullptr);
    EXPECT_FALSE(row(c, "tftp", "status")->same);
}

TEST(CompareBoots, RealCaptureAgainstItself) {
    const auto a = capture_boot("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    const auto c = compare(a, a);
    EXPECT_TRUE(c.same()) << ::testing::PrintToString(differing(c));
    EXPECT_EQ(row(c, "tftp", "size")->capture, "42430");
    EXPECT_EQ(row(c, "tftp", "tsize")->capture, "42430");
    EXPECT_EQ(row(c, "boot", "file")->capture, "\"pxelinux.0\"");
    EXPECT_EQ(row(c, "boot", "server")->capture, "192.168.14.200");
}

TEST(CompareBoots, RealCaptureAgainstTheMasterWithoutNextServer) {
    const auto healthy = capture_boot("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    const auto broken = capture_boot("ipxe-bios-dhcpd-no-next-server.pcap");
    const auto c = compare(healthy, broken);
    const auto d = differing(c);
    for (const char* want : {"offer 192.168.14.200/siaddr", "ack/siaddr", "boot/server", "tftp/status"}) {
        EXPECT_NE(std::find(d.begin(), d.end(), want), d.end()) << want << " in " << ::testing::PrintToString(d);
    }
    EXPECT_TRUE(row(c, "boot", "file")->same);
    // No TFTP request now: the status row alone says so.
    EXPECT_EQ(row(c, "tftp", "status")->now, "none");
    EXPECT_EQ(row(c, "tftp", "size"), nullptr);
    EXPECT_EQ(row(c, "tftp", "blksize"), nullptr);
}

TEST(CompareBoots, ProxyAndBootServerCapture) {
    const auto a = capture_boot("ipxe-bios-dnsmasq-proxy.pcap");
    const auto c = compare(a, a);
    EXPECT_TRUE(c.same());
    EXPECT_NE(row(c, "proxy", "server")->capture, "none");
    EXPECT_EQ(row(c, "proxy", "menu")->capture, "yes");
    EXPECT_NE(row(c, "4011", "server")->capture, "none");
    EXPECT_EQ(row(c, "boot", "source")->capture, "bootserver-4011");
    // Against a master with no proxy, every proxy/4011 row differs.
    const auto plain = capture_boot("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    const auto c2 = compare(a, plain);
    EXPECT_FALSE(row(c2, "proxy", "server")->same);
    EXPECT_FALSE(row(c2, "4011", "server")->same);
    EXPECT_FALSE(row(c2, "boot", "source")->same);
}
