// The live runners' frame recorder: frames come out numbered and in time
// order whatever order they were handed in, the reorder window holds back
// only what is recent, and a frame stamped before it is sent precedes the
// answer a fast peer sends to it.
#include <gtest/gtest.h>

#include <vector>

#include "pxecheck/scenario/frame_recorder.hpp"
#include "trace_fixtures.hpp"

using namespace pxecheck;
using scenario::FrameRecorder;

namespace {

constexpr std::int64_t kWindow = 500;  // ns: a small window keeps the arithmetic readable

/// A wall clock the test moves; every read may also tick it forward.
struct TestClock {
    std::int64_t now = 10'000;
    std::int64_t tick = 0;  ///< added after every read
    std::int64_t read() {
        const std::int64_t t = now;
        now += tick;
        return t;
    }
};

struct Recorded {
    std::size_t number;
    std::int64_t time_ns;
    Bytes frame;
};

/// A recorder with the test clock and the final frames collected.
struct Fixture {
    TestClock clock;
    analyze::TraceBuilder trace{"test"};
    std::vector<Recorded> out;
    FrameRecorder recorder;

    explicit Fixture(std::size_t first_number = 1)
        : recorder(&trace, nullptr, FrameRecorder::Options{kWindow, first_number, [this] { return clock.read(); }}) {
        recorder.on_recorded([this](std::size_t n, std::int64_t t, ByteView f) {
            out.push_back({n, t, Bytes(f.begin(), f.end())});
        });
    }
};

Bytes marker(std::uint8_t b) { return Bytes{b}; }

/// A DHCP frame the trace keeps (DISCOVER from the client, OFFER to it).
Bytes dhcp_frame(bool from_client, std::uint32_t xid) {
    using namespace fixtures;
    const auto discover = pxe_discover(xid);
    if (from_client)
        return link::build_udp_frame({kClientMac, Ipv4Addr::any(), 68}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 67},
                                     wire::encode_dhcp(discover));
    return link::build_udp_frame({kServerMac, kServerIp, 67}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 68},
                                 wire::encode_dhcp(reply(discover, wire::DhcpMessageType::Offer, kServerIp)));
}

/// A peer that answers every frame at once: the answer's stamp is taken
/// inside send(), as a kernel stamps a reply that arrives before send()
/// returns to us.
class EagerPeer final : public link::FrameIo {
public:
    EagerPeer(TestClock& clock, Bytes answer) : clock_(clock), answer_(std::move(answer)) {}
    Status send(ByteView) override {
        inbox_.push_back(link::RxFrame{clock_.read(), answer_});
        return ok_status();
    }
    std::vector<link::RxFrame> receive() override { return std::exchange(inbox_, {}); }
    [[nodiscard]] int poll_fd() const override { return -1; }

private:
    TestClock& clock_;
    Bytes answer_;
    std::vector<link::RxFrame> inbox_;
};

}  // namespace

TEST(FrameRecorder, OutOfOrderArrivalsComeOutSortedAndNumbered) {
    Fixture fx;
    fx.recorder.record(300, marker(3));
    fx.recorder.record(100, marker(1));
    fx.recorder.record(200, marker(2));
    fx.clock.now = 300 + kWindow + 1;
    fx.recorder.flush();
    ASSERT_EQ(fx.out.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(fx.out[i].number, i + 1);
        EXPECT_EQ(fx.out[i].time_ns, static_cast<std::int64_t>(100 * (i + 1)));
        EXPECT_EQ(fx.out[i].frame, marker(static_cast<std::uint8_t>(i + 1)));
    }
    EXPECT_EQ(fx.recorder.recorded(), 3u);
    EXPECT_EQ(fx.recorder.waiting(), 0u);
}

TEST(FrameRecorder, EqualStampsKeepTheOrderTheyCameIn) {
    Fixture fx;
    fx.recorder.record(100, marker(1));
    fx.recorder.record(100, marker(2));
    fx.recorder.record(50, marker(0));
    fx.recorder.flush_all();
    ASSERT_EQ(fx.out.size(), 3u);
    EXPECT_EQ(fx.out[0].frame, marker(0));
    EXPECT_EQ(fx.out[1].frame, marker(1));
    EXPECT_EQ(fx.out[2].frame, marker(2));
}

TEST(FrameRecorder, FlushHoldsBackTheWindowAndFlushAllDrains) {
    Fixture fx;
    fx.clock.now = 1000;
    fx.recorder.record(400, marker(1));   // older than the window: final at the next flush
    fx.recorder.record(900, marker(3));   // recent: waits
    fx.recorder.record(450, marker(2));
    fx.recorder.flush();
    ASSERT_EQ(fx.out.size(), 2u);
    EXPECT_EQ(fx.out[0].frame, marker(1));
    EXPECT_EQ(fx.out[1].frame, marker(2));
    EXPECT_EQ(fx.recorder.waiting(), 1u);
    // A late arrival stamped before the waiting frame still goes first.
    fx.recorder.record(800, marker(4));
    fx.recorder.flush();
    EXPECT_EQ(fx.out.size(), 2u);
    fx.recorder.flush_all();
    ASSERT_EQ(fx.out.size(), 4u);
    EXPECT_EQ(fx.out[2].frame, marker(4));
    EXPECT_EQ(fx.out[2].number, 3u);
    EXPECT_EQ(fx.out[3].frame, marker(3));
    EXPECT_EQ(fx.out[3].number, 4u);
    EXPECT_EQ(fx.recorder.waiting(), 0u);
    fx.recorder.flush_all();  // nothing left: nothing more comes out
    EXPECT_EQ(fx.out.size(), 4u);
}

TEST(FrameRecorder, SentFrameStampedBeforeSendPrecedesTheAnswer) {
    Fixture fx;
    fx.clock.tick = 1;  // every clock read is a later instant
    const Bytes question = dhcp_frame(true, 0x1111);
    const Bytes answer = dhcp_frame(false, 0x1111);
    EagerPeer peer(fx.clock, answer);
    ASSERT_TRUE(fx.recorder.send(peer, question));
    for (auto& rx : peer.receive()) fx.recorder.record(rx.time_ns, std::move(rx.data));
    fx.recorder.flush_all();
    ASSERT_EQ(fx.out.size(), 2u);
    EXPECT_EQ(fx.out[0].frame, question);
    EXPECT_EQ(fx.out[1].frame, answer);
    EXPECT_LT(fx.out[0].time_ns, fx.out[1].time_ns);

    // The trace sees the same order: the OFFER answers a DISCOVER it already has.
    const analyze::Trace t = std::move(fx.trace).finish();
    ASSERT_EQ(t.frames.size(), 2u);
    EXPECT_EQ(t.frames[0].direction, analyze::Direction::FromClient);
    EXPECT_EQ(t.frames[1].direction, analyze::Direction::ToClient);
    ASSERT_EQ(t.sessions.size(), 1u);
}

TEST(FrameRecorder, NumbersStartWhereAnEarlierRecordingStopped) {
    Fixture fx(4);  // frames 1-3 of the pcap are someone else's (serve's safety probe)
    fx.recorder.record(200, dhcp_frame(false, 0x2222));
    fx.recorder.record(100, dhcp_frame(true, 0x2222));
    fx.recorder.flush_all();
    EXPECT_EQ(fx.recorder.next_number(), 6u);
    EXPECT_EQ(fx.recorder.recorded(), 2u);
    const analyze::Trace t = std::move(fx.trace).finish();
    ASSERT_EQ(t.frames.size(), 2u);
    EXPECT_EQ(t.frames[0].number, 4u);
    EXPECT_EQ(t.frames[1].number, 5u);
    ASSERT_NE(t.frame_by_number(4), nullptr);
    EXPECT_EQ(t.frame_by_number(4)->direction, analyze::Direction::FromClient);
    EXPECT_EQ(t.first_time_ns, 100);
}
