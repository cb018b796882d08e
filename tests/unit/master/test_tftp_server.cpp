// The TFTP server: option negotiation, lockstep and windowed sends, the
// Sorcerer's Apprentice fix, timeouts, TIDs, errors, and block wrap.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "pxecheck/master/tftp_server.hpp"
#include "pxecheck/wire/tftp.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using wire::TftpOpcode;
using std::chrono::seconds;

namespace {

const MacAddr kServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xc8}};
const MacAddr kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const Ipv4Addr kServerIp = Ipv4Addr::from_octets(192, 168, 14, 200);
const Ipv4Addr kClientIp = Ipv4Addr::from_octets(192, 168, 14, 10);
constexpr std::uint16_t kClientPort = 2070;

TimePoint t0() { return TimePoint{} + std::chrono::hours(1); }

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 7 + i / 251) & 0xff);
    return b;
}

struct Out {
    link::Datagram d;
    wire::TftpPacket pkt;
};

struct Tftp {
    explicit Tftp(TftpServerConfig c = config()) : s(std::move(c), files) {}

    static TftpServerConfig config() {
        TftpServerConfig c;
        c.server_ip = kServerIp;
        c.server_mac = kServerMac;
        c.port_first = 50000;
        c.port_last = 50099;
        return c;
    }

    void send(TimePoint at, const wire::TftpPacket& p, std::uint16_t dst_port, std::uint16_t src_port = kClientPort,
              Ipv4Addr src = kClientIp, Ipv4Addr dst = kServerIp) {
        link::Datagram d;
        d.src_mac = kClientMac;
        d.dst_mac = kServerMac;
        d.src_ip = src;
        d.dst_ip = dst;
        d.src_port = src_port;
        d.dst_port = dst_port;
        d.payload = wire::encode_tftp(p);
        s.on_datagram(at, d);
    }
    std::vector<Out> out() {
        std::vector<Out> r;
        for (auto& d : s.take_output()) {
            auto dec = wire::decode_tftp(d.payload);
            EXPECT_TRUE(dec.anomalies.empty());
            r.push_back(Out{std::move(d), std::move(dec.pkt)});
        }
        return r;
    }
    /// Sends the RRQ and returns the server's first answer (OACK, DATA or ERROR).
    Out request(const wire::TftpPacket& rrq, TimePoint at = t0(), std::uint16_t src_port = kClientPort) {
        send(at, rrq, 69, src_port);
        auto o = out();
        EXPECT_EQ(o.size(), 1u);
        return o.empty() ? Out{} : o[0];
    }

    MemoryFiles files;
    TftpServer s;
};

bool is(const Out& o, TftpOpcode op) { return o.pkt.op() == op; }

std::vector<TransferEvent::Kind> kinds(const std::vector<TransferEvent>& ev) {
    std::vector<TransferEvent::Kind> k;
    for (const auto& e : ev) k.push_back(e.kind);
    return k;
}

}  // namespace

TEST(TftpServer, OackWaitsForAck0ThenSendsData) {
    Tftp t;
    const Bytes file = pattern(1000);
    t.files.add("pxelinux.0", file);
    const Out oack = t.request(wire::make_rrq("pxelinux.0", "octet", {{"blksize", "512"}, {"tsize", "0"}}));
    ASSERT_TRUE(is(oack, TftpOpcode::Oack));
    // TFTP-004: from a new TID, to the client's port.
    const std::uint16_t tid = oack.d.src_port;
    EXPECT_NE(tid, 69);
    EXPECT_GE(tid, 50000);
    EXPECT_EQ(oack.d.dst_port, kClientPort);
    EXPECT_EQ(oack.d.dst_ip, kClientIp);
    EXPECT_EQ(oack.d.dst_mac, kClientMac);
    EXPECT_EQ(oack.d.src_ip, kServerIp);
    EXPECT_EQ(oack.pkt.options, (std::vector<wire::TftpOption>{{"blksize", "512"}, {"tsize", "1000"}}));
    EXPECT_EQ(t.s.ports_in_use(), std::vector<std::uint16_t>{tid});
    EXPECT_EQ(kinds(t.s.take_events()), std::vector<TransferEvent::Kind>{TransferEvent::Kind::Started});

    // TFTP-015: nothing until ACK 0.
    t.s.on_timer(t0() + std::chrono::milliseconds(500));
    EXPECT_TRUE(t.out().empty());
    t.send(t0() + seconds(0), wire::make_ack(0), tid);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    ASSERT_TRUE(is(o[0], TftpOpcode::Data));
    EXPECT_EQ(o[0].pkt.block, 1);
    EXPECT_EQ(o[0].pkt.data, Bytes(file.begin(), file.begin() + 512));
    EXPECT_EQ(o[0].d.src_port, tid);
    t.send(t0(), wire::make_ack(1), tid);
    o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 2);
    EXPECT_EQ(o[0].pkt.data, Bytes(file.begin() + 512, file.end()));
    t.send(t0(), wire::make_ack(2), tid);
    EXPECT_TRUE(t.out().empty());
    const auto ev = t.s.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, TransferEvent::Kind::Completed);
    EXPECT_EQ(ev[0].bytes_acked, 1000u);
    EXPECT_EQ(ev[0].file, "pxelinux.0");
    EXPECT_EQ(ev[0].client_mac, kClientMac);
    EXPECT_TRUE(t.s.ports_in_use().empty());
    EXPECT_FALSE(t.s.next_deadline());
}

TEST(TftpServer, NoOptionsMeansData1InLockstep) {
    Tftp t;
    t.files.add("f", pattern(700));
    const Out first = t.request(wire::make_rrq("f"));
    ASSERT_TRUE(is(first, TftpOpcode::Data));
    EXPECT_EQ(first.pkt.block, 1);
    EXPECT_EQ(first.pkt.data.size(), 512u);
    t.send(t0(), wire::make_ack(1), first.d.src_port);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 2);
    EXPECT_EQ(o[0].pkt.data.size(), 188u);
}

TEST(TftpServer, OptionsAreCappedEchoedOrDropped) {
    Tftp t;
    t.files.add("f", pattern(3000));
    Out o = t.request(wire::make_rrq("f", "octet",
                                     {{"BLKSIZE", "65464"}, {"tsize", "0"}, {"foo", "bar"}, {"timeout", "3"},
                                      {"windowsize", "100"}}));
    ASSERT_TRUE(is(o, TftpOpcode::Oack));
    // TFTP-013/014/017/019/020/021: only what was asked, capped, unknown dropped.
    EXPECT_EQ(o.pkt.options, (std::vector<wire::TftpOption>{
                                 {"BLKSIZE", "1468"}, {"tsize", "3000"}, {"timeout", "3"}, {"windowsize", "64"}}));
    EXPECT_EQ(t.s.next_deadline(), t0() + seconds(3));  // the negotiated timeout

    // Out-of-range values are dropped like unknown options.
    o = t.request(
        wire::make_rrq("f", "octet", {{"blksize", "4"}, {"windowsize", "0"}, {"timeout", "0"}, {"tsize", "0"}}),
        t0() + seconds(1), kClientPort + 1);
    ASSERT_TRUE(is(o, TftpOpcode::Oack));
    EXPECT_EQ(o.pkt.options, (std::vector<wire::TftpOption>{{"tsize", "3000"}}));
}

// Leading zeros make a value long, not large: 20-digit values that fit 64
// bits are numbers. A 19-digit cap dropped both options (DATA 1 at once).
TEST(TftpServer, TwentyDigitOptionValuesAreNumbers) {
    Tftp t;
    t.files.add("f", pattern(3000));
    const Out o = t.request(
        wire::make_rrq("f", "octet", {{"blksize", "00000000000000001024"}, {"tsize", "00000000000000000000"}}));
    ASSERT_TRUE(is(o, TftpOpcode::Oack));
    EXPECT_EQ(o.pkt.options, (std::vector<wire::TftpOption>{{"blksize", "1024"}, {"tsize", "3000"}}));
    // Past 2^64 - 1 it is no number and is dropped like a malformed option.
    const Out big = t.request(wire::make_rrq("f", "octet", {{"tsize", "18446744073709551616"}}), t0(),
                              kClientPort + 1);
    EXPECT_TRUE(is(big, TftpOpcode::Data));
}

// A max_blksize below RFC 2348's 8 (0: a config that never set it) granted
// blksize 0, and the block count divided by it (SIGFPE).
TEST(TftpServer, MaxBlksizeBelowEightStillGrantsEight) {
    TftpServerConfig c = Tftp::config();
    c.max_blksize = 0;
    Tftp t(c);
    t.files.add("f", pattern(20));
    const Out o = t.request(wire::make_rrq("f", "octet", {{"blksize", "512"}}));
    ASSERT_TRUE(is(o, TftpOpcode::Oack));
    EXPECT_EQ(o.pkt.options, (std::vector<wire::TftpOption>{{"blksize", "8"}}));
    t.send(t0(), wire::make_ack(0), o.d.src_port);
    auto d = t.out();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].pkt.block, 1);
    EXPECT_EQ(d[0].pkt.data.size(), 8u);
}

TEST(TftpServer, OnlyUnknownOptionsGiveData1) {
    Tftp t;
    t.files.add("f", pattern(10));
    const Out o = t.request(wire::make_rrq("f", "octet", {{"x-unknown", "1"}}));
    ASSERT_TRUE(is(o, TftpOpcode::Data));
    EXPECT_EQ(o.pkt.block, 1);
}

TEST(TftpServer, NetasciiConvertsLineEnds) {
    Tftp t;
    const std::string text = "a\nb\rc";
    t.files.add("cfg", Bytes(text.begin(), text.end()));
    const Out oack = t.request(wire::make_rrq("cfg", "NetASCII", {{"tsize", "0"}}));
    ASSERT_TRUE(is(oack, TftpOpcode::Oack));
    EXPECT_EQ(oack.pkt.options, (std::vector<wire::TftpOption>{{"tsize", "7"}}));
    t.send(t0(), wire::make_ack(0), oack.d.src_port);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.data, (Bytes{'a', '\r', '\n', 'b', '\r', 0, 'c'}));
    EXPECT_EQ(to_netascii(Bytes{'\n', '\n'}), (Bytes{'\r', '\n', '\r', '\n'}));
}

TEST(TftpServer, UnsupportedModeIsRefused) {
    Tftp t;
    t.files.add("f", pattern(10));
    const Out o = t.request(wire::make_rrq("f", "mail"));
    ASSERT_TRUE(is(o, TftpOpcode::Error));
    EXPECT_EQ(o.pkt.error_code, 4);
}

TEST(TftpServer, WindowOfFourRestartsAfterALostBlock) {
    Tftp t;
    const Bytes file = pattern(5000);  // 9 full blocks of 512 and one of 392
    t.files.add("big", file);
    const Out oack = t.request(wire::make_rrq("big", "octet", {{"blksize", "512"}, {"windowsize", "4"}}));
    ASSERT_TRUE(is(oack, TftpOpcode::Oack));
    const std::uint16_t tid = oack.d.src_port;
    auto blocks = [](const std::vector<Out>& o) {
        std::vector<std::uint16_t> b;
        for (const auto& x : o) b.push_back(x.pkt.block);
        return b;
    };
    t.send(t0(), wire::make_ack(0), tid);
    EXPECT_EQ(blocks(t.out()), (std::vector<std::uint16_t>{1, 2, 3, 4}));
    // Block 3 was lost: the client acknowledges 2 (RFC 7440 §4); restart at 3.
    t.send(t0(), wire::make_ack(2), tid);
    EXPECT_EQ(blocks(t.out()), (std::vector<std::uint16_t>{3, 4, 5, 6}));
    // The same ACK again (the client saw block 4 after the gap): nothing.
    t.send(t0(), wire::make_ack(2), tid);
    EXPECT_TRUE(t.out().empty());
    t.send(t0(), wire::make_ack(6), tid);
    auto o = t.out();
    EXPECT_EQ(blocks(o), (std::vector<std::uint16_t>{7, 8, 9, 10}));
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(o[3].pkt.data.size(), 392u);
    t.send(t0(), wire::make_ack(10), tid);
    EXPECT_TRUE(t.out().empty());
    const auto ev = t.s.take_events();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, TransferEvent::Kind::Completed);
    EXPECT_EQ(ev.back().bytes_acked, 5000u);
}

TEST(TftpServer, DuplicateAckNeverCausesAResend) {
    Tftp t;
    t.files.add("f", pattern(2000));
    const Out first = t.request(wire::make_rrq("f"));
    const std::uint16_t tid = first.d.src_port;
    t.send(t0(), wire::make_ack(1), tid);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 2);
    // TFTP-009: duplicates of ACK 1 (a delayed DATA 1 answered twice).
    for (int i = 0; i < 3; ++i) t.send(t0() + std::chrono::milliseconds(100), wire::make_ack(1), tid);
    EXPECT_TRUE(t.out().empty());
    // Only the timer resends block 2.
    ASSERT_EQ(t.s.next_deadline(), t0() + seconds(1));
    t.s.on_timer(t0() + seconds(1));
    o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 2);
    EXPECT_EQ(t.s.transfers()[0].retransmissions, 1u);
}

TEST(TftpServer, TimeoutsBackOffAndGiveUp) {
    Tftp t;
    t.files.add("f", pattern(100));
    const Out first = t.request(wire::make_rrq("f"));
    ASSERT_TRUE(is(first, TftpOpcode::Data));
    // 1 s doubling to 8 s, 5 resends, then given up.
    const std::vector<int> resend_at{1, 3, 7, 15, 23};
    for (int at : resend_at) {
        ASSERT_EQ(t.s.next_deadline(), t0() + seconds(at));
        t.s.on_timer(t0() + seconds(at) - std::chrono::milliseconds(1));
        EXPECT_TRUE(t.out().empty());
        t.s.on_timer(t0() + seconds(at));
        auto o = t.out();
        ASSERT_EQ(o.size(), 1u) << "at " << at;
        EXPECT_EQ(o[0].pkt.block, 1);
    }
    ASSERT_EQ(t.s.next_deadline(), t0() + seconds(31));
    t.s.take_events();
    t.s.on_timer(t0() + seconds(31));
    EXPECT_TRUE(t.out().empty());
    const auto ev = t.s.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, TransferEvent::Kind::Failed);
    EXPECT_EQ(ev[0].retransmissions, 5u);
    EXPECT_TRUE(t.s.ports_in_use().empty());
    EXPECT_FALSE(t.s.next_deadline());
}

TEST(TftpServer, OackIsResentOnTimeoutAndNegotiatedTimeoutHonoured) {
    Tftp t;
    t.files.add("f", pattern(100));
    const Out oack = t.request(wire::make_rrq("f", "octet", {{"tsize", "0"}, {"timeout", "3"}}));
    ASSERT_TRUE(is(oack, TftpOpcode::Oack));
    t.s.on_timer(t0() + seconds(2));
    EXPECT_TRUE(t.out().empty());
    t.s.on_timer(t0() + seconds(3));
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_TRUE(is(o[0], TftpOpcode::Oack));  // TFTP-015: the OACK again, not DATA
    EXPECT_EQ(o[0].pkt.options, oack.pkt.options);
    EXPECT_EQ(t.s.next_deadline(), t0() + seconds(3 + 6));
}

TEST(TftpServer, WrongTidGetsError5AndTheTransferGoesOn) {
    Tftp t;
    t.files.add("f", pattern(1000));
    const Out first = t.request(wire::make_rrq("f"));
    const std::uint16_t tid = first.d.src_port;
    t.send(t0(), wire::make_ack(1), tid, 9999);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    ASSERT_TRUE(is(o[0], TftpOpcode::Error));
    EXPECT_EQ(o[0].pkt.error_code, 5);
    EXPECT_EQ(o[0].d.dst_port, 9999);
    EXPECT_EQ(o[0].d.src_port, tid);
    EXPECT_EQ(kinds(t.s.take_events()),
              (std::vector<TransferEvent::Kind>{TransferEvent::Kind::Started, TransferEvent::Kind::WrongTid}));
    // An ERROR from a stranger is not answered.
    t.send(t0(), wire::make_error(wire::TftpErrorCode::UnknownTid, "x"), tid, 9998);
    EXPECT_TRUE(t.out().empty());
    // The real client goes on.
    t.send(t0(), wire::make_ack(1), tid);
    o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 2);
}

TEST(TftpServer, WrqIsRefusedAsReadOnly) {
    Tftp t;
    const Out o = t.request(wire::make_wrq("upload.bin"));
    ASSERT_TRUE(is(o, TftpOpcode::Error));
    EXPECT_EQ(o.pkt.error_code, 4);
    EXPECT_NE(o.pkt.error_message.find("read-only"), std::string::npos);
    EXPECT_NE(o.d.src_port, 69);
    EXPECT_TRUE(t.s.ports_in_use().empty());
    const auto ev = t.s.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, TransferEvent::Kind::Refused);
    EXPECT_EQ(ev[0].error_code, 4);
}

TEST(TftpServer, MissingAndForbiddenFiles) {
    Tftp t;
    t.files.add("secret", pattern(5));
    t.files.deny("secret");
    Out o = t.request(wire::make_rrq("pxelinux.cfg/01-52-54-00-12-34-56", "octet", {{"tsize", "0"}}));
    ASSERT_TRUE(is(o, TftpOpcode::Error));
    EXPECT_EQ(o.pkt.error_code, 1);
    o = t.request(wire::make_rrq("secret"), t0() + seconds(1));
    ASSERT_TRUE(is(o, TftpOpcode::Error));
    EXPECT_EQ(o.pkt.error_code, 2);
    EXPECT_TRUE(t.s.transfers().empty());
}

TEST(TftpServer, ExactMultipleEndsWithEmptyData) {
    Tftp t;
    t.files.add("f", pattern(1024));
    const Out first = t.request(wire::make_rrq("f"));
    const std::uint16_t tid = first.d.src_port;
    EXPECT_EQ(first.pkt.data.size(), 512u);
    t.send(t0(), wire::make_ack(1), tid);
    auto o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.data.size(), 512u);
    t.send(t0(), wire::make_ack(2), tid);
    o = t.out();
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].pkt.block, 3);
    EXPECT_TRUE(o[0].pkt.data.empty());  // TFTP-007
    t.send(t0(), wire::make_ack(3), tid);
    EXPECT_EQ(t.s.take_events().back().kind, TransferEvent::Kind::Completed);

    Tftp e;
    e.files.add("empty", {});
    const Out only = e.request(wire::make_rrq("empty"));
    EXPECT_EQ(only.pkt.block, 1);
    EXPECT_TRUE(only.pkt.data.empty());
}

namespace {

/// Downloads 600,000 octets with blksize 8 and \p window, acknowledging the
/// last block of every window, and checks the block numbers and the data.
void wrap_download(std::uint16_t window) {
    Tftp t;
    const Bytes file = pattern(600'000);  // 75,000 full blocks of 8 and an empty one
    t.files.add("big", file);
    std::vector<wire::TftpOption> opts{{"blksize", "8"}, {"tsize", "0"}};
    if (window > 1) opts.push_back({"windowsize", std::to_string(window)});
    const Out oack = t.request(wire::make_rrq("big", "octet", opts));
    ASSERT_TRUE(is(oack, TftpOpcode::Oack));
    const std::uint16_t tid = oack.d.src_port;
    Bytes got;
    got.reserve(file.size());
    std::uint64_t seq = 0;
    bool saw_wrap = false;
    std::uint16_t ack = 0;
    bool done = false;
    while (!done) {
        t.send(t0(), wire::make_ack(ack), tid);
        auto o = t.out();
        ASSERT_FALSE(o.empty()) << "stalled after block " << seq;
        for (const auto& x : o) {
            ++seq;
            ASSERT_EQ(x.pkt.block, static_cast<std::uint16_t>(seq & 0xffff));
            if (seq == 65536) {
                EXPECT_EQ(x.pkt.block, 0);  // TFTP-026: wraps to 0
                saw_wrap = true;
            }
            got.insert(got.end(), x.pkt.data.begin(), x.pkt.data.end());
            ack = x.pkt.block;
            if (x.pkt.data.size() < 8) done = true;
        }
    }
    t.send(t0(), wire::make_ack(ack), tid);
    EXPECT_TRUE(saw_wrap);
    EXPECT_EQ(seq, 75'001u);
    EXPECT_EQ(got, file);
    const auto ev = t.s.take_events();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, TransferEvent::Kind::Completed);
    EXPECT_EQ(ev.back().bytes_acked, file.size());
    EXPECT_EQ(ev.back().retransmissions, 0u);
}

}  // namespace

TEST(TftpServer, BlockNumbersWrapPast65535InLockstep) { wrap_download(1); }
TEST(TftpServer, BlockNumbersWrapPast65535InWindows) { wrap_download(8); }

TEST(TftpServer, ClientErrorEndsTheTransfer) {
    Tftp t;
    t.files.add("bootx64.efi", pattern(5000));
    // EDK2 reads tsize from the OACK, then aborts with ERROR 8 (TFTP-027).
    const Out oack = t.request(wire::make_rrq("bootx64.efi", "octet", {{"tsize", "0"}, {"blksize", "1468"}}));
    t.s.take_events();
    t.send(t0(), wire::make_error(wire::TftpErrorCode::OptionRefused, "abort"), oack.d.src_port);
    EXPECT_TRUE(t.out().empty());
    const auto ev = t.s.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, TransferEvent::Kind::Aborted);
    EXPECT_EQ(ev[0].error_code, 8);
    EXPECT_TRUE(t.s.ports_in_use().empty());
}

TEST(TftpServer, ManyTransfersAtOnceEachOnItsOwnPort) {
    Tftp t;
    t.files.add("a", pattern(600));
    t.files.add("b", pattern(900));
    const Out a = t.request(wire::make_rrq("a"));
    t.send(t0(), wire::make_rrq("b"), 69, 3000, Ipv4Addr::from_octets(192, 168, 14, 11));
    auto ob = t.out();
    ASSERT_EQ(ob.size(), 1u);
    const Out b = ob[0];
    EXPECT_NE(a.d.src_port, b.d.src_port);
    EXPECT_EQ(b.d.dst_port, 3000);
    EXPECT_EQ(t.s.transfers().size(), 2u);
    t.send(t0(), wire::make_ack(1), b.d.src_port, 3000, Ipv4Addr::from_octets(192, 168, 14, 11));
    t.send(t0(), wire::make_ack(1), a.d.src_port);
    auto o = t.out();
    ASSERT_EQ(o.size(), 2u);
    EXPECT_EQ(o[0].pkt.data.size(), 900u - 512u);
    EXPECT_EQ(o[1].pkt.data.size(), 600u - 512u);
    t.send(t0(), wire::make_ack(2), a.d.src_port);
    t.send(t0(), wire::make_ack(2), b.d.src_port, 3000, Ipv4Addr::from_octets(192, 168, 14, 11));
    EXPECT_TRUE(t.s.transfers().empty());
}

TEST(TftpServer, RepeatedAndBroadcastRequestsAreIgnored) {
    Tftp t;
    t.files.add("f", pattern(600));
    t.request(wire::make_rrq("f"));
    t.send(t0(), wire::make_rrq("f"), 69);  // the client's own retransmission
    EXPECT_TRUE(t.out().empty());
    EXPECT_EQ(t.s.transfers().size(), 1u);
    t.send(t0(), wire::make_rrq("f"), 69, 4000, kClientIp, Ipv4Addr::broadcast());
    EXPECT_TRUE(t.out().empty());
    const auto ev = t.s.take_events();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[1].kind, TransferEvent::Kind::Ignored);
    EXPECT_EQ(ev[2].kind, TransferEvent::Kind::Ignored);
}

TEST(TftpServer, PortAllocatorRunsOutAndRotates) {
    RangePortAllocator ports(60000, 60001);
    EXPECT_EQ(ports.acquire(), 60000);
    EXPECT_EQ(ports.acquire(), 60001);
    EXPECT_FALSE(ports.acquire());
    ports.release(60000);
    EXPECT_EQ(ports.acquire(), 60000);

    // A server with no free port answers with ERROR 0 from port 69.
    TftpServerConfig c = Tftp::config();
    RangePortAllocator one(60010, 60010);
    MemoryFiles files;
    files.add("f", pattern(600));
    TftpServer s(c, files, &one);
    link::Datagram d;
    d.src_mac = kClientMac;
    d.src_ip = kClientIp;
    d.dst_ip = kServerIp;
    d.src_port = kClientPort;
    d.dst_port = 69;
    d.payload = wire::encode_tftp(wire::make_rrq("f"));
    s.on_datagram(t0(), d);
    ASSERT_EQ(s.take_output().size(), 1u);
    EXPECT_EQ(s.ports_in_use(), std::vector<std::uint16_t>{60010});
    d.src_port = kClientPort + 1;
    s.on_datagram(t0(), d);
    auto o = s.take_output();
    ASSERT_EQ(o.size(), 1u);
    const auto err = wire::decode_tftp(o[0].payload).pkt;
    EXPECT_EQ(err.op(), TftpOpcode::Error);
    EXPECT_EQ(err.error_code, 0);
    EXPECT_EQ(o[0].src_port, 69);
}
