// TraceBuilder: how TFTP transfers are recorded where the TID pair matters
// (a second server port, a write), and the capture's time span.

#include <gtest/gtest.h>

#include <algorithm>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "trace_fixtures.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::fixtures;
using wire::TftpErrorCode;

constexpr std::uint16_t kCp = 2070;
constexpr std::uint16_t kSt = 40000;

void data(TraceScript& s, std::uint16_t block, std::size_t n, std::uint16_t from = kSt) {
    s.tftp_from_server(wire::make_data(block, Bytes(n, 7)), from, kCp);
}
void ack(TraceScript& s, std::uint16_t block, std::uint16_t to = kSt) {
    s.tftp_from_client(wire::make_ack(block), kCp, to);
}

}  // namespace

TEST(TraceBuilderTftp, CaptureSpanCountsFramesNotKept) {
    TraceScript s;
    s.frame(link::build_udp_frame({kOtherServerMac, kOtherServerIp, 5353},
                                  {MacAddr::broadcast(), Ipv4Addr::broadcast(), 5353}, Bytes(8, 0)));
    s.healthy_boot();
    s.advance_ms(5000);
    s.frame(link::build_udp_frame({kOtherServerMac, kOtherServerIp, 5353},
                                  {MacAddr::broadcast(), Ipv4Addr::broadcast(), 5353}, Bytes(8, 0)));
    const auto t = s.finish();
    ASSERT_FALSE(t.frames.empty());
    // The mDNS frames are not kept, but they bound the capture.
    EXPECT_LT(t.first_time_ns, t.frames.front().time_ns);
    EXPECT_GE(t.last_time_ns - t.transfers.at(0).end_ns, 5'000'000'000);
}

TEST(TraceBuilderTftp, Error5ToSecondServerPortDoesNotEndTransfer) {
    TraceScript s;
    s.tftp_from_client(wire::make_rrq("pxelinux.0"), kCp, 69);
    data(s, 1, 512);
    data(s, 1, 512, 40001);  // a second reply to the same RRQ
    ack(s, 1);
    s.tftp_from_client(wire::make_error(TftpErrorCode::UnknownTid, "Unknown transfer ID"), kCp, 40001);
    data(s, 2, 100);
    ack(s, 2);
    const auto t = s.finish();
    ASSERT_EQ(t.transfers.size(), 1u);
    const auto& x = t.transfers[0];
    EXPECT_EQ(x.server_tid, kSt);
    EXPECT_FALSE(x.error) << "ERROR 5 to a foreign port ended the transfer";
    EXPECT_TRUE(x.complete);
    EXPECT_EQ(x.bytes, 612u);
    // The ERROR is still recorded as an event of the transfer.
    EXPECT_EQ(std::count_if(x.events.begin(), x.events.end(),
                            [](const auto& e) { return e.opcode == 5 && e.dst_port == 40001; }),
              1);
}

TEST(TraceBuilderTftp, ErrorOnTheTidPairEndsTransfer) {
    TraceScript s;
    s.tftp_from_client(wire::make_rrq("pxelinux.0"), kCp, 69);
    data(s, 1, 512);
    s.tftp_from_client(wire::make_error(TftpErrorCode::DiskFull, "no space"), kCp, kSt);
    const auto t = s.finish();
    ASSERT_EQ(t.transfers.size(), 1u);
    ASSERT_TRUE(t.transfers[0].error);
    EXPECT_EQ(t.transfers[0].error->code, 3);
    EXPECT_TRUE(t.transfers[0].error->from_client);
}

TEST(TraceBuilderTftp, OackFromSecondServerPortDoesNotRenegotiate) {
    TraceScript s;
    s.tftp_from_client(wire::make_rrq("pxelinux.0", "octet", {{"blksize", "1432"}}), kCp, 69);
    s.tftp_from_server(wire::make_oack({{"blksize", "1432"}}), kSt, kCp);
    s.tftp_from_server(wire::make_oack({{"blksize", "512"}}), 40001, kCp);
    const auto t = s.finish();
    ASSERT_EQ(t.transfers.size(), 1u);
    EXPECT_EQ(t.transfers[0].blksize, 1432u);
    ASSERT_TRUE(t.transfers[0].oack);
    EXPECT_EQ(t.transfers[0].oack->at(0).value, "1432");
}

TEST(TraceBuilderTftp, WriteCountsTheClientsData) {
    TraceScript s;
    s.tftp_from_client(wire::make_wrq("upload.txt"), kCp, 69);
    s.tftp_from_server(wire::make_ack(0), kSt, kCp);
    s.tftp_from_client(wire::make_data(1, Bytes(512, 1)), kCp, kSt);
    s.tftp_from_server(wire::make_ack(1), kSt, kCp);
    s.tftp_from_client(wire::make_data(2, Bytes(87, 2)), kCp, kSt);
    s.tftp_from_server(wire::make_ack(2), kSt, kCp);
    const auto t = s.finish();
    ASSERT_EQ(t.transfers.size(), 1u);
    const auto& x = t.transfers[0];
    EXPECT_TRUE(x.write);
    EXPECT_TRUE(x.complete);
    EXPECT_EQ(x.bytes, 599u);
    EXPECT_FALSE(x.sha256.empty());
}

// An OACK value is any decimal that fits 64 bits; blksize and windowsize are
// kept in 32. Cut to their low 32 bits, 4294967808 read as blksize 512 and
// 4294967296 as windowsize 0: too large a value stays too large.
TEST(TraceBuilderTftp, OackValuesPast32BitsSaturate) {
    TraceScript s;
    s.tftp_from_client(wire::make_rrq("pxelinux.0", "octet", {{"blksize", "1432"}, {"windowsize", "4"}}), kCp, 69);
    s.tftp_from_server(wire::make_oack({{"blksize", "4294967808"}, {"windowsize", "4294967296"}}), kSt, kCp);
    ack(s, 0);
    data(s, 1, 512);
    ack(s, 1);
    const auto t = s.finish();
    ASSERT_EQ(t.transfers.size(), 1u);
    const auto& x = t.transfers[0];
    EXPECT_EQ(x.blksize, 0xffffffffu);
    EXPECT_EQ(x.windowsize, 0xffffffffu);
    // 512 octets are less than any such blksize: the last block.
    EXPECT_TRUE(x.complete);
    EXPECT_EQ(x.bytes, 512u);
}
