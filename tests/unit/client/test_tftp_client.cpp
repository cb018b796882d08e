// The TFTP read client, driven packet by packet with a fake clock.

#include <gtest/gtest.h>

#include "client_test_util.hpp"

namespace pxecheck::client::test {
namespace {

using wire::TftpErrorCode;
using wire::TftpOpcode;

const Ipv4Addr kServer = ip("192.168.14.200");
const Ipv4Addr kClient = ip("192.168.14.10");
constexpr std::uint16_t kClientPort = 50000;
constexpr std::uint16_t kTid = 40000;

TftpRequest base_request() {
    TftpRequest r;
    r.filename = "pxelinux.0";
    r.server = kServer;
    r.client_ip = kClient;
    r.client_port = kClientPort;
    r.client_mac = mac("52:54:00:12:34:56");
    r.blksize = 1432;
    r.tsize = true;
    return r;
}

/// A packet from the server (or anyone) to the client's port.
link::Datagram from(std::uint16_t sport, const wire::TftpPacket& p, Ipv4Addr src = kServer,
                    std::uint16_t dport = kClientPort) {
    return datagram(src, sport, kClient, dport, wire::encode_tftp(p));
}

wire::TftpPacket data(std::uint16_t block, const Bytes& file, std::size_t blksize, std::size_t index) {
    const std::size_t off = index * blksize;
    const std::size_t n = off >= file.size() ? 0 : std::min(blksize, file.size() - off);
    return wire::make_data(block, ByteView(file.data() + std::min(off, file.size()), n));
}

/// The one packet the client sent, decoded; fails when it sent another count.
wire::TftpPacket one(TftpClient& c, link::Datagram* raw = nullptr) {
    auto out = c.take_output();
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return {};
    if (raw) *raw = out[0];
    return tftp(out[0]);
}

bool is_ack(const wire::TftpPacket& p, std::uint16_t block) {
    return p.op() == TftpOpcode::Ack && p.block == block;
}

TEST(TftpClient, RrqCarriesTheAskedOptionsInOrder) {
    auto r = base_request();
    r.windowsize = 4;
    r.timeout_option = 3;
    r.extra_options = {{"x-probe", "1"}};
    TftpClient c(r);
    c.start(TimePoint{});
    link::Datagram raw;
    const auto rrq = one(c, &raw);
    EXPECT_EQ(rrq.op(), TftpOpcode::Rrq);
    EXPECT_EQ(rrq.filename, "pxelinux.0");
    EXPECT_EQ(rrq.mode, "octet");
    EXPECT_EQ(rrq.options, (std::vector<wire::TftpOption>{
                               {"blksize", "1432"}, {"tsize", "0"}, {"windowsize", "4"}, {"timeout", "3"}, {"x-probe", "1"}}));
    EXPECT_EQ(raw.dst_port, 69);
    EXPECT_EQ(raw.src_port, kClientPort);
    EXPECT_EQ(raw.dst_ip, kServer);
    EXPECT_EQ(raw.src_ip, kClient);

    auto e = base_request();
    e.tsize_first = true;
    TftpClient c2(e);
    c2.start(TimePoint{});
    EXPECT_EQ(one(c2).options.front().name, "tsize");  // EDK2's order
}

TEST(TftpClient, OackThenLockstepToTheShortLastBlock) {
    const Bytes file = pattern(3000);
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(2), from(kTid, wire::make_oack({{"blksize", "1432"}, {"tsize", "3000"}})));
    link::Datagram raw;
    EXPECT_TRUE(is_ack(one(c, &raw), 0));
    EXPECT_EQ(raw.dst_port, kTid);  // the server's new TID
    EXPECT_EQ(c.result().blksize, 1432u);
    EXPECT_EQ(c.result().tsize, 3000u);
    EXPECT_EQ(c.result().server_tid, kTid);
    for (std::uint16_t b = 1; b <= 3; ++b) {
        c.on_datagram(at_ms(2 + b), from(kTid, data(b, file, 1432, b - 1u)));
        EXPECT_TRUE(is_ack(one(c), b));
    }
    ASSERT_TRUE(c.done());
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().data, file);
    EXPECT_EQ(c.result().blocks, 3u);
    ASSERT_TRUE(c.result().oack);
    EXPECT_EQ(c.result().finished, at_ms(5));
}

TEST(TftpClient, ServerWithoutOptionsSendsData1) {
    const Bytes file = pattern(700);
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));
    EXPECT_EQ(c.result().blksize, 512u);  // plain RFC 1350
    EXPECT_EQ(c.result().windowsize, 1u);
    EXPECT_FALSE(c.result().oack);
    c.on_datagram(at_ms(2), from(kTid, data(2, file, 512, 1)));
    EXPECT_TRUE(is_ack(one(c), 2));
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().data, file);
}

TEST(TftpClient, ExactMultipleEndsWithEmptyBlock) {
    const Bytes file = pattern(1024);
    auto r = base_request();
    r.blksize = 0;
    r.tsize = false;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    for (std::uint16_t b = 1; b <= 2; ++b) {
        c.on_datagram(at_ms(b), from(kTid, data(b, file, 512, b - 1u)));
        EXPECT_TRUE(is_ack(one(c), b));
        EXPECT_FALSE(c.done());
    }
    c.on_datagram(at_ms(3), from(kTid, data(3, file, 512, 2)));
    EXPECT_TRUE(is_ack(one(c), 3));
    EXPECT_TRUE(c.done());
    EXPECT_EQ(c.result().data, file);
}

TEST(TftpClient, OackWithAnOptionNotAskedForIsRefused) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "1432"}, {"windowsize", "8"}})));
    const auto err = one(c);
    EXPECT_EQ(err.op(), TftpOpcode::Error);
    EXPECT_EQ(err.error_code, static_cast<std::uint16_t>(TftpErrorCode::OptionRefused));
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
    EXPECT_NE(c.result().problem.find("windowsize"), std::string::npos);
    EXPECT_FALSE(c.next_deadline());
}

TEST(TftpClient, OackBlksizeAboveTheAskedOneIsRefused) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"BLKSIZE", "1468"}})));
    EXPECT_EQ(one(c).error_code, 8);
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
}

TEST(TftpClient, OnlyAcknowledgedValuesAreUsed) {
    auto r = base_request();
    r.windowsize = 4;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    // dnsmasq acknowledges blksize only: no windowsize, no tsize.
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "1024"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
    EXPECT_EQ(c.result().blksize, 1024u);
    EXPECT_EQ(c.result().windowsize, 1u);
    EXPECT_FALSE(c.result().tsize);
    const Bytes file = pattern(1500);
    c.on_datagram(at_ms(2), from(kTid, data(1, file, 1024, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));  // lockstep: every block ACKed
}

TEST(TftpClient, Error8RetriesOnceWithoutOptions) {
    const Bytes file = pattern(100);
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_error(TftpErrorCode::OptionRefused, "no options")));
    link::Datagram raw;
    const auto rrq = one(c, &raw);
    EXPECT_EQ(rrq.op(), TftpOpcode::Rrq);
    EXPECT_TRUE(rrq.options.empty());
    EXPECT_EQ(raw.src_port, kClientPort + 1);  // a new TID for the new request
    EXPECT_EQ(c.client_port(), kClientPort + 1);
    EXPECT_TRUE(c.result().retried_without_options);
    c.on_datagram(at_ms(2), from(kTid + 1, data(1, file, 512, 0), kServer, kClientPort + 1));
    EXPECT_TRUE(is_ack(one(c), 1));
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().data, file);
}

TEST(TftpClient, AnyErrorRightAfterAnOptionRrqRetriesButNotTwice) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    // An old server that cannot parse options answers "illegal operation".
    c.on_datagram(at_ms(1), from(kTid, wire::make_error(TftpErrorCode::IllegalOperation, "bad request")));
    EXPECT_TRUE(one(c).options.empty());
    c.on_datagram(at_ms(2), from(kTid + 1, wire::make_error(TftpErrorCode::IllegalOperation, "bad request"),
                                 kServer, kClientPort + 1));
    EXPECT_TRUE(c.take_output().empty());  // an ERROR is never answered
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
    EXPECT_TRUE(c.result().error_from_server);
    EXPECT_EQ(c.result().error_code, 4);
}

TEST(TftpClient, FileNotFoundIsFinal) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(3), from(kTid, wire::make_error(TftpErrorCode::FileNotFound, "file not found")));
    EXPECT_TRUE(c.take_output().empty());
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
    EXPECT_FALSE(c.result().retried_without_options);
    EXPECT_EQ(c.result().problem,
              "server 192.168.14.200:40000 sent ERROR 1 (file not found) \"file not found\" in answer to the RRQ for "
              "\"pxelinux.0\"");
}

TEST(TftpClient, WindowOfFourWithALostBlock) {
    const Bytes file = pattern(10 * 512 + 100);  // 11 blocks
    auto r = base_request();
    r.blksize = 512;
    r.windowsize = 4;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "512"}, {"tsize", "5220"}, {"windowsize", "4"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
    EXPECT_EQ(c.result().windowsize, 4u);
    // Window 1-4: all arrive, one ACK for the window.
    for (std::uint16_t b = 1; b <= 3; ++b) {
        c.on_datagram(at_ms(10 + b), from(kTid, data(b, file, 512, b - 1u)));
        EXPECT_TRUE(c.take_output().empty());
    }
    c.on_datagram(at_ms(14), from(kTid, data(4, file, 512, 3)));
    EXPECT_TRUE(is_ack(one(c), 4));
    // Window 5-8: block 6 is lost. The gap is ACKed at once (ACK 5), once.
    c.on_datagram(at_ms(20), from(kTid, data(5, file, 512, 4)));
    EXPECT_TRUE(c.take_output().empty());
    c.on_datagram(at_ms(21), from(kTid, data(7, file, 512, 6)));
    EXPECT_TRUE(is_ack(one(c), 5));
    c.on_datagram(at_ms(22), from(kTid, data(8, file, 512, 7)));
    EXPECT_TRUE(c.take_output().empty());
    // The server restarts at 6: 6-9, then the last window 10-11 (short).
    for (std::uint16_t b = 6; b <= 8; ++b) {
        c.on_datagram(at_ms(30 + b), from(kTid, data(b, file, 512, b - 1u)));
        EXPECT_TRUE(c.take_output().empty());
    }
    c.on_datagram(at_ms(39), from(kTid, data(9, file, 512, 8)));
    EXPECT_TRUE(is_ack(one(c), 9));
    c.on_datagram(at_ms(40), from(kTid, data(10, file, 512, 9)));
    EXPECT_TRUE(c.take_output().empty());
    c.on_datagram(at_ms(41), from(kTid, data(11, file, 512, 10)));
    EXPECT_TRUE(is_ack(one(c), 11));  // the short block ends the file and its window
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().data, file);
    EXPECT_EQ(c.result().blocks, 11u);
}

TEST(TftpClient, MidWindowSilenceAcksWhatArrived) {
    const Bytes file = pattern(8 * 512);
    auto r = base_request();
    r.blksize = 512;
    r.windowsize = 4;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "512"}, {"windowsize", "4"}})));
    (void)one(c);
    c.on_datagram(at_ms(2), from(kTid, data(1, file, 512, 0)));
    c.on_datagram(at_ms(3), from(kTid, data(2, file, 512, 1)));
    EXPECT_TRUE(c.take_output().empty());
    // 3 and 4 never come: after the timeout the client ACKs 2.
    c.on_timer(at_ms(1003));
    EXPECT_TRUE(is_ack(one(c), 2));
    EXPECT_EQ(c.result().retransmissions, 1u);
}

TEST(TftpClient, ForeignTidGetsError5AndDoesNotDisturb) {
    const Bytes file = pattern(1200);
    auto r = base_request();
    r.blksize = 512;
    r.tsize = false;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "512"}})));
    (void)one(c);
    c.on_datagram(at_ms(2), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));
    // A second answer to the same RRQ, from another port of the server.
    c.on_datagram(at_ms(3), from(kTid + 7, data(2, file, 512, 1)));
    link::Datagram raw;
    const auto err = one(c, &raw);
    EXPECT_EQ(err.op(), TftpOpcode::Error);
    EXPECT_EQ(err.error_code, static_cast<std::uint16_t>(TftpErrorCode::UnknownTid));
    EXPECT_EQ(raw.dst_port, kTid + 7);
    // Another host entirely.
    c.on_datagram(at_ms(4), from(kTid, wire::make_error(TftpErrorCode::NotDefined, "go away"), ip("192.168.14.66")));
    EXPECT_EQ(one(c, &raw).error_code, 5);
    EXPECT_EQ(raw.dst_ip, ip("192.168.14.66"));
    EXPECT_EQ(c.result().foreign_packets, 2u);
    EXPECT_EQ(c.result().status, TftpResult::Status::Running);
    // The real transfer goes on.
    c.on_datagram(at_ms(5), from(kTid, data(2, file, 512, 1)));
    EXPECT_TRUE(is_ack(one(c), 2));
    c.on_datagram(at_ms(6), from(kTid, data(3, file, 512, 2)));
    EXPECT_TRUE(is_ack(one(c), 3));
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().data, file);
}

TEST(TftpClient, TimeoutBacksOffDoublesCapsAndGivesUp) {
    const Bytes file = pattern(18 * 1432);
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(10), from(kTid, wire::make_oack({{"blksize", "1432"}, {"tsize", "25776"}})));
    (void)one(c);
    for (std::uint16_t b = 1; b <= 17; ++b) {
        c.on_datagram(at_ms(10 + 130 * b), from(kTid, data(b, file, 1432, b - 1u)));
        EXPECT_TRUE(is_ack(one(c), b));
    }
    const TimePoint last_ack = at_ms(10 + 130 * 17);  // +2.22 s
    // DATA 18 never comes: resend ACK 17 after 1, 2, 4, 8, 8 s (cap 8 s).
    const long long gaps[] = {1000, 2000, 4000, 8000, 8000};
    TimePoint t = last_ack;
    for (long long g : gaps) {
        EXPECT_EQ(c.next_deadline(), t + std::chrono::milliseconds(g));
        t += std::chrono::milliseconds(g);
        c.on_timer(t - std::chrono::milliseconds(1));
        EXPECT_TRUE(c.take_output().empty());  // not yet
        c.on_timer(t);
        EXPECT_TRUE(is_ack(one(c), 17));
    }
    EXPECT_EQ(c.result().retransmissions, 5u);
    // After the fifth resend, one more wait and it gives up.
    c.on_timer(t + 8s);
    EXPECT_TRUE(c.take_output().empty());
    EXPECT_EQ(c.result().status, TftpResult::Status::Timeout);
    EXPECT_EQ(c.result().problem, "no DATA 18 from 192.168.14.200:40000 after 5 retries (last ACK 17 at +2.22 s)");
    EXPECT_FALSE(c.next_deadline());
}

TEST(TftpClient, UnansweredRrq) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    TimePoint t{};
    for (int i = 0; i < 6; ++i) {
        t = *c.next_deadline();
        c.on_timer(t);
        (void)c.take_output();
    }
    EXPECT_EQ(c.result().status, TftpResult::Status::Timeout);
    EXPECT_EQ(c.result().problem, "no answer to RRQ \"pxelinux.0\" from 192.168.14.200:69 after 5 retries");
    EXPECT_EQ(t, at_ms(1000 + 2000 + 4000 + 8000 + 8000 + 8000));
}

TEST(TftpClient, NegotiatedTimeoutIsTheRetryInterval) {
    auto r = base_request();
    r.timeout_option = 3;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"timeout", "3"}, {"blksize", "1432"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
    EXPECT_EQ(c.next_deadline(), at_ms(3001));
}

TEST(TftpClient, OackTimeoutDifferentFromAskedIsRefused) {
    auto r = base_request();
    r.timeout_option = 3;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"timeout", "5"}})));
    EXPECT_EQ(one(c).error_code, 8);
}

// OACK values of 20 digits that fit 64 bits are numbers (the wire decoder
// takes them): a 19-digit cap refused this valid OACK with ERROR 8.
TEST(TftpClient, TwentyDigitOackValuesAreNumbers) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "00000000000000001432"},
                                                         {"tsize", "18446744073709551615"}})));
    EXPECT_TRUE(is_ack(one(c), 0)) << c.result().problem;
    EXPECT_EQ(c.result().status, TftpResult::Status::Running);
    EXPECT_EQ(c.result().blksize, 1432u);
    EXPECT_EQ(c.result().tsize, std::uint64_t{18446744073709551615u});
}

// One past 2^64 - 1 is still no number: ERROR 8, not a wrapped size.
TEST(TftpClient, OackTsizePast64BitsIsRefused) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"tsize", "18446744073709551616"}})));
    EXPECT_EQ(one(c).error_code, 8);
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
    EXPECT_FALSE(c.result().tsize);
}

TEST(TftpClient, RepeatedOackGetsAck0Again) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "1432"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
    c.on_datagram(at_ms(900), from(kTid, wire::make_oack({{"blksize", "1432"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
}

TEST(TftpClient, DuplicateDataIsReAcked) {
    const Bytes file = pattern(1600);
    auto r = base_request();
    r.blksize = 0;
    r.tsize = false;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));
    c.on_datagram(at_ms(1001), from(kTid, data(1, file, 512, 0)));  // our ACK 1 was lost
    EXPECT_TRUE(is_ack(one(c), 1));
    EXPECT_EQ(c.result().duplicate_blocks, 1u);
    EXPECT_EQ(c.result().data.size(), 512u);  // taken once
}

TEST(TftpClient, DallyReAcksTheLastBlockThenStops) {
    const Bytes file = pattern(300);
    auto r = base_request();
    r.blksize = 0;
    r.tsize = false;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(5), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));
    EXPECT_TRUE(c.done());  // done at once...
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.next_deadline(), at_ms(1005));  // ...but dallying for one retry period
    c.on_datagram(at_ms(700), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(is_ack(one(c), 1));
    c.on_timer(at_ms(1005));
    EXPECT_FALSE(c.next_deadline());
    c.on_datagram(at_ms(1500), from(kTid, data(1, file, 512, 0)));
    EXPECT_TRUE(c.take_output().empty());
}

TEST(TftpClient, SizeProbeStopsAtTheOack) {
    auto r = base_request();
    r.size_probe = true;
    r.blksize = 1468;
    r.windowsize = 4;
    r.tsize_first = true;
    TftpClient c(r);
    c.start(TimePoint{});
    EXPECT_EQ(one(c).options, (std::vector<wire::TftpOption>{{"tsize", "0"}, {"blksize", "1468"}, {"windowsize", "4"}}));
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "1468"}, {"tsize", "171456"}})));
    const auto err = one(c);
    EXPECT_EQ(err.op(), TftpOpcode::Error);
    EXPECT_EQ(err.error_code, 8);
    EXPECT_EQ(err.error_message, "User aborted the transfer");  // as EDK2 says it
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_EQ(c.result().tsize, 171456u);
    EXPECT_TRUE(c.result().data.empty());
}

TEST(TftpClient, BlockNumbersWrapPast65535) {
    // 600 KiB in 8-octet blocks: 76,800 full blocks and an empty last one,
    // so the block number goes 65535 -> 0 -> ... -> 11264.
    const Bytes file = pattern(600 * 1024);
    auto r = base_request();
    r.blksize = 8;
    r.tsize = false;
    TftpClient c(r);
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "8"}})));
    EXPECT_TRUE(is_ack(one(c), 0));
    const std::size_t total = file.size() / 8 + 1;
    TimePoint t = at_ms(1);
    for (std::size_t i = 0; i < total; ++i) {
        const auto block = static_cast<std::uint16_t>((i + 1) & 0xffff);
        t += 10us;
        c.on_datagram(t, from(kTid, data(block, file, 8, i)));
        auto out = c.take_output();
        ASSERT_EQ(out.size(), 1u) << "block index " << i;
        ASSERT_TRUE(is_ack(tftp(out[0]), block));
    }
    EXPECT_EQ(c.result().status, TftpResult::Status::Complete);
    EXPECT_TRUE(c.result().wrapped);
    EXPECT_EQ(c.result().blocks, total);
    EXPECT_EQ(c.result().data, file);
}

TEST(TftpClient, AbortSendsError0) {
    TftpClient c(base_request());
    c.start(TimePoint{});
    (void)one(c);
    c.on_datagram(at_ms(1), from(kTid, wire::make_oack({{"blksize", "1432"}})));
    (void)one(c);
    c.abort(at_ms(2), "aborted");
    const auto e = one(c);
    EXPECT_EQ(e.op(), TftpOpcode::Error);
    EXPECT_EQ(e.error_code, 0);
    EXPECT_EQ(c.result().status, TftpResult::Status::Error);
}

}  // namespace
}  // namespace pxecheck::client::test
