// Lease persistence: the text format, the file store, and leases that
// survive a new DhcpServer instance.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "master_test_util.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using namespace pxecheck::master::testutil;
using wire::DhcpMessageType;
namespace opt = wire::opt;

namespace {

void dora(DhcpServer& s, const MacAddr& mac, std::uint32_t xid, TimePoint at) {
    s.on_datagram(at, to_server(pxe_msg(DhcpMessageType::Discover, xid, mac)));
    auto offers = replies(s);
    ASSERT_EQ(offers.size(), 1u);
    auto rq = pxe_msg(DhcpMessageType::Request, xid, mac);
    rq.set_option_ip(opt::kServerId, kServerIp);
    rq.set_option_ip(opt::kRequestedAddress, offers[0].msg.yiaddr);
    s.on_datagram(at, to_server(rq));
    auto acks = replies(s);
    ASSERT_EQ(acks.size(), 1u);
    ASSERT_EQ(acks[0].msg.message_type(), DhcpMessageType::Ack);
}

}  // namespace

TEST(LeaseStore, TextFormatRoundTrips) {
    const std::vector<Lease> leases{
        {LeaseState::Bound, kClientMac, ip(10), 1700000610},
        {LeaseState::Declined, kOtherMac, ip(11), 1700000700},
        {LeaseState::Bound, MacAddr{{2, 0, 0, 0, 0, 1}}, ip(12), Lease::kNever},
    };
    const std::string text = format_leases(leases);
    EXPECT_NE(text.find("bound 52:54:00:12:34:56 192.168.14.10 1700000610\n"), std::string::npos) << text;
    EXPECT_NE(text.find("declined 52:54:00:12:34:57 192.168.14.11 1700000700\n"), std::string::npos);
    EXPECT_NE(text.find("192.168.14.12 never\n"), std::string::npos);
    auto parsed = parse_leases(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(*parsed, leases);
}

TEST(LeaseStore, ParseErrorsNameTheLine) {
    auto r = parse_leases("# comment\n\nbound 52:54:00:12:34:56 192.168.14.300 5\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "line 3: bad address \"192.168.14.300\"");
    r = parse_leases("lost 52:54:00:12:34:56 192.168.14.3 5\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "line 1: unknown state \"lost\" (bound or declined)");
    r = parse_leases("bound 52:54:00:12:34:56 192.168.14.3\n");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("expected 4 fields"), std::string::npos);
    r = parse_leases("bound 52:54:00:12:34:56 192.168.14.3 soon\n");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("bad expiry time \"soon\""), std::string::npos);
    EXPECT_TRUE(parse_leases("").ok());
}

TEST(LeaseStore, LeasesSurviveANewServer) {
    MemoryLeaseStore store;
    {
        DhcpServer first(full_config(), &store);
        ASSERT_TRUE(first.start(t0(), kUnixStart).ok());
        dora(first, kClientMac, 1, t0() + std::chrono::seconds(10));
        EXPECT_GE(store.saves(), 1u);
    }
    EXPECT_NE(store.text().find("bound 52:54:00:12:34:56 192.168.14.10 1700000610"), std::string::npos)
        << store.text();

    // A restart 100 s later, on a steady clock with another epoch.
    const TimePoint other_epoch = TimePoint{} + std::chrono::hours(50);
    DhcpServer second(full_config(), &store);
    ASSERT_TRUE(second.start(other_epoch, kUnixStart + 100).ok());
    const auto leases = second.leases();
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].mac, kClientMac);
    EXPECT_EQ(leases[0].address, ip(10));
    EXPECT_EQ(leases[0].expires, kUnixStart + 610);
    EXPECT_EQ(second.next_deadline(), other_epoch + std::chrono::seconds(510));

    // The returning client's INIT-REBOOT is recognised...
    auto reboot = pxe_msg(DhcpMessageType::Request, 2);
    reboot.set_option_ip(opt::kRequestedAddress, ip(10));
    second.on_datagram(other_epoch, to_server(reboot));
    auto r = replies(second);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    // ...and nobody else gets its address.
    second.on_datagram(other_epoch, to_server(pxe_msg(DhcpMessageType::Discover, 3, kOtherMac)));
    r = replies(second);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(11));
}

TEST(LeaseStore, ExpiredRecordsAreNotLoadedAndBadStoresReported) {
    MemoryLeaseStore store;
    store.set_text("bound 52:54:00:12:34:56 192.168.14.10 1699999999\n"
                   "declined 52:54:00:12:34:57 192.168.14.11 never\n");
    DhcpServer s(full_config(), &store);
    ASSERT_TRUE(s.start(t0(), kUnixStart).ok());
    const auto leases = s.leases();
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].state, LeaseState::Declined);
    // A declined address stays out of the pool.
    s.on_datagram(t0(), to_server(pxe_msg(DhcpMessageType::Discover, 1)));
    auto r = replies(s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
    s.on_datagram(t0(), to_server(pxe_msg(DhcpMessageType::Discover, 2, MacAddr{{2, 0, 0, 0, 0, 2}})));
    r = replies(s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(12));

    MemoryLeaseStore broken;
    broken.set_text("garbage\n");
    DhcpServer b(full_config(), &broken);
    const auto st = b.start(t0(), kUnixStart);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().find("line 1"), std::string::npos);
}

// Any 64-bit expiry parses, but seconds that far ahead overflowed the
// microseconds of a TimePoint when the server loaded them (UBSan aborts on
// the old code). The lease is kept, far in the future and still finite.
TEST(LeaseStore, ExpiryBeyondTheClockRangeLoadsWithoutOverflow) {
    MemoryLeaseStore store;
    store.set_text("bound 52:54:00:12:34:56 192.168.14.10 9223372036854775806\n"
                   "declined 52:54:00:12:34:57 192.168.14.11 100000000000000\n");
    DhcpServer s(full_config(), &store);
    ASSERT_TRUE(s.start(t0(), kUnixStart).ok());
    const auto leases = s.leases();
    ASSERT_EQ(leases.size(), 2u);
    for (const auto& l : leases) {
        EXPECT_NE(l.expires, Lease::kNever);
        EXPECT_GT(l.expires, kUnixStart + std::int64_t{100'000} * 365 * 86400);  // 100000 years on
    }
    const auto next = s.next_deadline();
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(*next, t0() + std::chrono::hours(24 * 365 * 1000));
    EXPECT_LT(*next, TimePoint::max());
    // Neither record ends a thousand years on: both addresses stay taken.
    s.on_timer(t0() + std::chrono::hours(24 * 365 * 1000));
    EXPECT_EQ(s.leases().size(), 2u);
    s.on_datagram(t0(), to_server(pxe_msg(DhcpMessageType::Discover, 1, MacAddr{{2, 0, 0, 0, 0, 2}})));
    auto r = replies(s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(12));
}

TEST(LeaseStore, FileStoreWritesAndReadsBack) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pxecheck-leases-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const std::filesystem::path dir(tmpl);
    const auto path = dir / "leases.txt";
    {
        FileLeaseStore store(path);
        auto empty = store.load();
        ASSERT_TRUE(empty.ok());
        EXPECT_TRUE(empty->empty());  // a missing file is an empty table
        DhcpServer s(full_config(), &store);
        ASSERT_TRUE(s.start(t0(), kUnixStart).ok());
        dora(s, kClientMac, 1, t0());
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "leases.txt.tmp"));
    FileLeaseStore again(path);
    auto loaded = again.load();
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].address, ip(10));
    EXPECT_EQ((*loaded)[0].expires, kUnixStart + 600);
    {
        std::ofstream bad(path);
        bad << "bound nonsense\n";
    }
    auto failed = again.load();
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().find(path.string()), std::string::npos);
    std::filesystem::remove_all(dir);
}
