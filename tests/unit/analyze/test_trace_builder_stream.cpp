// TraceBuilder::stream(): complete sessions leave the builder as they finish,
// each as its own small trace, so memory follows the live sessions and not
// the capture; the whole-trace path (finish() without streaming) is their merge.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "trace_fixtures.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::fixtures;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;

MacAddr client_mac(std::uint32_t n) {
    return MacAddr{{0x02, 0x50, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                    static_cast<std::uint8_t>(n), 0x01}};
}
Ipv4Addr client_ip(std::uint32_t n) { return Ipv4Addr::from_octets(10, 1, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)); }

/// Feeds frames of many clients into a builder with a controllable clock.
class Feeder {
public:
    explicit Feeder(analyze::TraceBuilder& b) : b_(b) {}
    std::int64_t now = 1'700'000'000 * kSec;

    void frame(const Bytes& data) {
        b_.add(now, data);
        now += kMs;
    }
    void dhcp_from_client(const wire::DhcpMessage& m, const MacAddr& mac) {
        frame(link::build_udp_frame({mac, Ipv4Addr{}, 68}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 67},
                                    wire::encode_dhcp(m)));
    }
    void dhcp_from_server(const wire::DhcpMessage& m) {
        frame(link::build_udp_frame({kServerMac, kServerIp, 67}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 68},
                                    wire::encode_dhcp(m)));
    }
    void tftp(const MacAddr& mac, Ipv4Addr ip, std::uint16_t cport, std::uint16_t sport, const wire::TftpPacket& p,
              bool from_client) {
        const link::UdpEndpoint c{mac, ip, cport};
        const link::UdpEndpoint s{kServerMac, kServerIp, sport};
        frame(from_client ? link::build_udp_frame(c, s, wire::encode_tftp(p))
                          : link::build_udp_frame(s, c, wire::encode_tftp(p)));
    }
    /// DORA for client \p n; returns nothing, the client is bound to client_ip(n).
    void dora(std::uint32_t n) {
        const MacAddr mac = client_mac(n);
        auto d = pxe_discover(0x1000 + n, mac);
        dhcp_from_client(d, mac);
        dhcp_from_server(reply(d, wire::DhcpMessageType::Offer, kServerIp, client_ip(n)));
        auto r = pxe_request(d, kServerIp, client_ip(n));
        dhcp_from_client(r, mac);
        dhcp_from_server(reply(r, wire::DhcpMessageType::Ack, kServerIp, client_ip(n)));
    }
    /// RRQ and \p blocks full 512-octet blocks; \p finish sends the short last one.
    void read(std::uint32_t n, std::size_t blocks, bool finish = true) {
        const MacAddr mac = client_mac(n);
        tftp(mac, client_ip(n), 2070, 69, wire::make_rrq("pxelinux.0"), true);
        for (std::uint16_t b = 1; b <= blocks; ++b) {
            tftp(mac, client_ip(n), 2070, 40000, wire::make_data(b, Bytes(512, 7)), false);
            tftp(mac, client_ip(n), 2070, 40000, wire::make_ack(b), true);
        }
        if (!finish) return;
        const auto last = static_cast<std::uint16_t>(blocks + 1);
        tftp(mac, client_ip(n), 2070, 40000, wire::make_data(last, Bytes(100, 7)), false);
        tftp(mac, client_ip(n), 2070, 40000, wire::make_ack(last), true);
    }
    void boot(std::uint32_t n, std::size_t blocks = 4) {
        dora(n);
        read(n, blocks);
    }

private:
    analyze::TraceBuilder& b_;
};

struct Collected {
    std::vector<analyze::Trace> pieces;
    analyze::SessionSink sink() {
        return [this](analyze::Trace&& t) { pieces.push_back(std::move(t)); };
    }
};

analyze::StreamOptions horizon(std::int64_t ns) {
    analyze::StreamOptions o;
    o.idle_horizon_ns = ns;
    return o;
}

}  // namespace

TEST(TraceBuilderStream, CompleteSessionLeavesAsItsOwnTrace) {
    analyze::TraceBuilder b("test");
    Collected got;
    b.stream(got.sink(), horizon(10 * kSec));
    Feeder f(b);
    f.boot(1);
    const std::int64_t first_end = f.now;
    f.now += 30 * kSec;  // client 1 falls silent past the horizon
    f.boot(2);
    ASSERT_EQ(got.pieces.size(), 1u) << "client 1 is complete once client 2's frames show time went on";
    const auto& p = got.pieces.front();
    ASSERT_EQ(p.sessions.size(), 1u);
    EXPECT_EQ(p.sessions[0].mac, client_mac(1));
    EXPECT_EQ(p.sessions[0].dhcp_frames.size(), 4u);
    ASSERT_EQ(p.transfers.size(), 1u);
    EXPECT_TRUE(p.transfers[0].complete);
    EXPECT_FALSE(p.transfers[0].sha256.empty()) << "the transfer is closed with its session";
    EXPECT_EQ(p.transfers[0].client_mac, client_mac(1));
    // Its own frames only, with their numbers in the capture.
    for (const auto& fr : p.frames) EXPECT_LE(fr.number, 15u);
    EXPECT_EQ(p.frames.front().number, 1u);
    EXPECT_EQ(p.frame_by_number(p.transfers[0].request_frame)->tftp->filename, "pxelinux.0");
    // The capture's span so far, not the session's.
    EXPECT_EQ(p.first_time_ns, 1'700'000'000 * kSec);
    EXPECT_GT(p.last_time_ns, first_end + 30 * kSec - kMs);

    const auto rest = std::move(b).finish();
    ASSERT_EQ(got.pieces.size(), 2u);
    EXPECT_EQ(got.pieces[1].sessions.at(0).mac, client_mac(2));
    EXPECT_TRUE(rest.frames.empty());
    EXPECT_TRUE(rest.sessions.empty());
    EXPECT_EQ(rest.total_frames, 30u);
}

TEST(TraceBuilderStream, SessionsBefore1970LeaveToo) {
    // A capture's times can be negative (a clock before 1970, or a classic
    // pcap's seconds past 2^31, which libpcap reads as signed): a session
    // is idle from its own last frame, not from time 0.
    analyze::TraceBuilder b("test");
    Collected got;
    b.stream(got.sink(), horizon(10 * kSec));
    Feeder f(b);
    f.now = -1'000 * kSec;
    f.boot(1);
    f.now += 30 * kSec;
    f.boot(2);
    ASSERT_EQ(got.pieces.size(), 1u) << "client 1 was silent past the horizon";
    EXPECT_EQ(got.pieces[0].sessions.at(0).mac, client_mac(1));
    std::move(b).finish();
    EXPECT_EQ(got.pieces.size(), 2u);
}

TEST(TraceBuilderStream, MemoryFollowsLiveSessionsNotTheCapture) {
    analyze::TraceBuilder b("test");
    std::size_t sessions = 0, kept_frames = 0, peak_frames = 0, peak_sessions = 0;
    b.stream(
        [&](analyze::Trace&& t) {
            sessions += t.sessions.size();
            kept_frames += t.frames.size();
        },
        horizon(5 * kSec));
    Feeder f(b);
    // 1000 clients, four booting side by side at any time, 50 blocks each.
    for (std::uint32_t n = 0; n < 1000; n += 4) {
        for (std::uint32_t k = 0; k < 4; ++k) f.dora(n + k);
        for (std::uint32_t k = 0; k < 4; ++k) f.read(n + k, 50);
        f.now += 2 * kSec;
        peak_frames = std::max(peak_frames, b.live_frames());
        peak_sessions = std::max(peak_sessions, b.live_sessions());
    }
    std::move(b).finish();
    EXPECT_EQ(sessions, 1000u);
    EXPECT_EQ(kept_frames, 1000u * 5) << "per client the DORA and the RRQ; DATA and ACK live in the transfer";
    // Sessions stay until 5 s of silence: a few rounds of four.
    EXPECT_LE(peak_sessions, 16u);
    EXPECT_LE(peak_frames, 16u * 5);
}

TEST(TraceBuilderStream, NoiseIsNotHeld) {
    analyze::TraceBuilder b("test");
    Collected got;
    b.stream(got.sink(), horizon(0));
    Feeder f(b);
    for (int i = 0; i < 1000; ++i) {
        f.frame(link::build_udp_frame({kOtherServerMac, kOtherServerIp, 5353},
                                      {MacAddr::broadcast(), Ipv4Addr::broadcast(), 5353}, Bytes(40, 1)));
        link::ArpPacket a;
        a.operation = 1;
        a.sender_mac = kOtherServerMac;
        a.sender_ip = kOtherServerIp;
        a.target_ip = Ipv4Addr::from_octets(192, 168, 14, static_cast<std::uint8_t>(i));
        f.frame(link::build_arp_frame(MacAddr::broadcast(), a));
    }
    EXPECT_EQ(b.live_frames(), 0u);
    EXPECT_EQ(b.live_sessions(), 0u);
    const auto t = std::move(b).finish();
    EXPECT_TRUE(got.pieces.empty());
    EXPECT_EQ(t.total_frames, 2000u);
}

TEST(TraceBuilderStream, UnfinishedTransferHoldsItsSessionUntilTheGrace) {
    analyze::TraceBuilder b("test");
    Collected got;
    analyze::StreamOptions o = horizon(0);
    o.open_transfer_grace_ns = 60 * kSec;
    b.stream(got.sink(), o);
    Feeder f(b);
    f.dora(1);
    f.read(1, 3, /*finish=*/false);  // the server stalls mid-file
    f.now += 10 * kSec;
    f.boot(2);  // client 2 is done at once with a horizon of 0...
    f.now += 1 * kSec;
    f.dora(3);
    ASSERT_EQ(got.pieces.size(), 1u);
    EXPECT_EQ(got.pieces[0].sessions.at(0).mac, client_mac(2)) << "...client 1 still waits for its transfer";
    f.now += 61 * kSec;
    f.dora(4);
    ASSERT_GE(got.pieces.size(), 2u);
    EXPECT_EQ(got.pieces[1].sessions.at(0).mac, client_mac(1)) << "a stalled transfer does not hold it forever";
    EXPECT_FALSE(got.pieces[1].transfers.at(0).complete);
    EXPECT_EQ(got.pieces[1].transfers.at(0).events.size(), 6u);
}

TEST(TraceBuilderStream, LateFramesOfACompleteClientStartANewSession) {
    analyze::TraceBuilder b("test");
    Collected got;
    b.stream(got.sink(), horizon(5 * kSec));
    Feeder f(b);
    f.boot(1);
    f.now += 10 * kSec;
    f.dora(2);
    ASSERT_EQ(got.pieces.size(), 1u);
    // An ARP for client 1's address no longer finds it: its addresses left with it.
    link::ArpPacket a;
    a.operation = 1;
    a.sender_mac = kServerMac;
    a.sender_ip = kServerIp;
    a.target_ip = client_ip(1);
    f.frame(link::build_arp_frame(MacAddr::broadcast(), a));
    EXPECT_EQ(b.live_sessions(), 1u);
    f.dora(1);  // the same MAC boots again: a new session
    std::move(b).finish();
    ASSERT_EQ(got.pieces.size(), 3u);
    EXPECT_EQ(got.pieces[1].sessions.at(0).mac, client_mac(2));
    EXPECT_EQ(got.pieces[2].sessions.at(0).mac, client_mac(1));
    EXPECT_TRUE(got.pieces[2].sessions[0].arp_frames.empty());
}

TEST(TraceBuilderStream, FramesOfNoSessionLeaveTogether) {
    analyze::TraceBuilder b("test");
    Collected got;
    analyze::StreamOptions o = horizon(5 * kSec);
    o.max_orphan_frames = 3;
    b.stream(got.sink(), o);
    Feeder f(b);
    // A BOOTP payload too short for its header belongs to no session.
    for (int i = 0; i < 4; ++i)
        f.frame(link::build_udp_frame({client_mac(9), Ipv4Addr{}, 68}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 67},
                                      Bytes(40, 1)));
    ASSERT_EQ(got.pieces.size(), 1u) << "held up to max_orphan_frames";
    EXPECT_TRUE(got.pieces[0].sessions.empty());
    EXPECT_EQ(got.pieces[0].frames.size(), 3u);
    EXPECT_EQ(b.live_frames(), 1u);
    std::move(b).finish();
    ASSERT_EQ(got.pieces.size(), 2u);
    EXPECT_EQ(got.pieces[1].frames.at(0).number, 4u);
}

TEST(TraceBuilderStream, IncompleteFragmentsExpire) {
    analyze::TraceBuilder b("test");
    Collected got;
    b.stream(got.sink(), horizon(120 * kSec));
    Feeder f(b);
    // The first 16 octets of a DISCOVER's UDP datagram, more fragments to come.
    Bytes whole = link::build_udp_frame({kClientMac, Ipv4Addr{}, 68}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 67},
                                        wire::encode_dhcp(pxe_discover()));
    for (std::uint16_t id = 1; id <= 10; ++id) {
        Bytes frag(whole.begin(), whole.begin() + 14 + 20 + 16);
        frag[14 + 2] = 0;
        frag[14 + 3] = 36;  // total length
        frag[14 + 4] = static_cast<std::uint8_t>(id >> 8);
        frag[14 + 5] = static_cast<std::uint8_t>(id);
        frag[14 + 6] = 0x20;  // MF, offset 0
        frag[14 + 7] = 0;
        frag[14 + 10] = frag[14 + 11] = 0;
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>((frag[14 + i] << 8) | frag[14 + i + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        frag[14 + 10] = static_cast<std::uint8_t>(~sum >> 8);
        frag[14 + 11] = static_cast<std::uint8_t>(~sum);
        f.frame(frag);
    }
    EXPECT_EQ(b.pending_fragments(), 10u);
    f.now += 31 * kSec;
    f.frame(link::build_udp_frame({kOtherServerMac, kOtherServerIp, 5353},
                                  {MacAddr::broadcast(), Ipv4Addr::broadcast(), 5353}, Bytes(8, 0)));
    EXPECT_EQ(b.pending_fragments(), 0u) << "dropped after the 30 s reassembly timer";
}

TEST(TraceBuilderStream, WholeTraceIsTheMergeOfThePieces) {
    // The same frames through both paths: finish() without streaming gives
    // every piece's frames, transfers and sessions, in arrival order.
    auto feed = [](analyze::TraceBuilder& b) {
        Feeder f(b);
        for (std::uint32_t n = 0; n < 6; n += 2) {
            f.dora(n);
            f.dora(n + 1);
            f.read(n + 1, 2);
            f.read(n, 3);
            f.now += 20 * kSec;
        }
    };
    analyze::TraceBuilder whole_b("test");
    feed(whole_b);
    const auto whole = std::move(whole_b).finish();

    analyze::TraceBuilder stream_b("test");
    Collected got;
    stream_b.stream(got.sink(), horizon(5 * kSec));
    feed(stream_b);
    std::move(stream_b).finish();

    ASSERT_EQ(got.pieces.size(), 6u);
    ASSERT_EQ(whole.sessions.size(), 6u);
    std::size_t frames = 0, transfers = 0;
    for (const auto& p : got.pieces) {
        frames += p.frames.size();
        transfers += p.transfers.size();
    }
    EXPECT_EQ(frames, whole.frames.size());
    EXPECT_EQ(transfers, whole.transfers.size());
    for (std::size_t i = 0; i < whole.sessions.size(); ++i) {
        const auto& ws = whole.sessions[i];
        const auto it = std::find_if(got.pieces.begin(), got.pieces.end(),
                                     [&](const analyze::Trace& p) { return p.sessions.at(0).mac == ws.mac; });
        ASSERT_NE(it, got.pieces.end());
        const auto& ps = it->sessions[0];
        ASSERT_EQ(ps.dhcp_frames.size(), ws.dhcp_frames.size());
        for (std::size_t k = 0; k < ws.dhcp_frames.size(); ++k)
            EXPECT_EQ(it->frames[ps.dhcp_frames[k]].number, whole.frames[ws.dhcp_frames[k]].number);
        ASSERT_EQ(ps.transfers.size(), ws.transfers.size());
        for (std::size_t k = 0; k < ws.transfers.size(); ++k) {
            const auto& a = it->transfers[ps.transfers[k]];
            const auto& w = whole.transfers[ws.transfers[k]];
            EXPECT_EQ(a.request_frame, w.request_frame);
            EXPECT_EQ(a.sha256, w.sha256);
            EXPECT_EQ(a.events.size(), w.events.size());
        }
    }
    // Sessions in order of first appearance; frames in capture order.
    for (std::size_t i = 1; i < whole.frames.size(); ++i) EXPECT_LT(whole.frames[i - 1].number, whole.frames[i].number);
    EXPECT_EQ(whole.sessions[0].mac, client_mac(0));
    EXPECT_EQ(whole.sessions[1].mac, client_mac(1));
}

// --- boot attempts ------------------------------------------------------------

namespace {

/// A later stage's DISCOVER (a boot loader or the OS): no option 60.
wire::DhcpMessage plain_discover(std::uint32_t xid, const MacAddr& mac) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.set_client_mac(mac);
    m.set_option_u8(wire::opt::kMessageType, 1);
    m.finish();
    return m;
}

wire::DhcpMessage with_type(wire::DhcpMessage m, wire::DhcpMessageType type) {
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    m.finish();
    return m;
}

std::vector<std::uint32_t> attempts_of(const analyze::Trace& t) {
    std::vector<std::uint32_t> out;
    for (const auto& s : t.sessions) out.push_back(s.attempt);
    return out;
}

/// Runs \p script through a builder, streaming or not, and returns the
/// sessions of \p mac in the order they were handed over (streaming) or
/// merged (whole trace). \p script gets the feeder and a step() to call
/// after each boot: \p most_live is the most sessions held at those points.
template <typename Script>
std::vector<analyze::ClientSession> sessions_of(bool streaming, const MacAddr& mac, Script&& script,
                                                std::size_t* most_live = nullptr) {
    analyze::TraceBuilder b("test");
    Collected got;
    if (streaming) b.stream(got.sink());
    Feeder f(b);
    std::size_t live = 0;
    script(f, [&] { live = std::max(live, b.live_sessions()); });
    if (most_live) *most_live = live;
    auto whole = std::move(b).finish();
    std::vector<analyze::ClientSession> out;
    if (!streaming) got.pieces.push_back(std::move(whole));
    for (const auto& p : got.pieces)
        for (const auto& s : p.sessions)
            if (s.mac == mac) out.push_back(s);
    return out;
}

}  // namespace

TEST(TraceBuilderAttempts, BootLoopIsOneMachineWithAnAttemptPerBoot) {
    // The same MAC boots three times, 30 s apart (well inside the 120 s idle
    // horizon), with the same xid each time as a ROM without a clock may.
    for (const bool streaming : {false, true}) {
        SCOPED_TRACE(streaming ? "streaming" : "whole trace");
        std::size_t most_live = 0;
        const auto sessions = sessions_of(
            streaming, client_mac(1),
            [](Feeder& f, auto&& step) {
                for (int boot = 0; boot < 3; ++boot) {
                    f.boot(1);
                    step();
                    f.now += 30 * kSec;
                }
            },
            &most_live);
        // Streaming hands an attempt over once the next one has ended
        // (bound): never more than two of the machine's are held.
        EXPECT_LE(most_live, streaming ? 2u : 3u);
        ASSERT_EQ(sessions.size(), 3u);
        for (std::uint32_t i = 0; i < 3; ++i) {
            EXPECT_EQ(sessions[i].mac, client_mac(1));
            EXPECT_EQ(sessions[i].attempt, i + 1);
            EXPECT_EQ(sessions[i].stage, analyze::AttemptStage::PxeFirmware);
            EXPECT_EQ(sessions[i].dhcp_frames.size(), 4u) << "each attempt holds its own DORA only";
            EXPECT_EQ(sessions[i].transfers.size(), 1u);
            EXPECT_EQ(sessions[i].earlier.count, i);
            EXPECT_EQ(sessions[i].earlier.downloaded, i == 0 ? "" : "pxelinux.0");
        }
        EXPECT_EQ(sessions[0].next.attempt, 2u);
        EXPECT_EQ(sessions[0].next.bound, client_ip(1));
        EXPECT_EQ(sessions[2].next.attempt, 0u);
    }
}

TEST(TraceBuilderAttempts, RetransmittedDiscoverStaysInItsAttempt) {
    analyze::TraceBuilder b("test");
    Feeder f(b);
    const MacAddr mac = client_mac(1);
    auto d = pxe_discover(0x77, mac);
    f.dhcp_from_client(d, mac);
    f.now += 4 * kSec;
    f.dhcp_from_client(d, mac);  // the same xid: a retransmission
    f.now += 8 * kSec;
    auto d2 = pxe_discover(0x78, mac);  // a new xid, but the attempt has not ended
    f.dhcp_from_client(d2, mac);
    f.dhcp_from_server(reply(d2, wire::DhcpMessageType::Offer, kServerIp, client_ip(1)));
    const auto t = std::move(b).finish();
    ASSERT_EQ(t.sessions.size(), 1u);
    EXPECT_EQ(t.sessions[0].dhcp_frames.size(), 4u);
}

TEST(TraceBuilderAttempts, AnotherStageOrALongSilenceStartsAnAttempt) {
    analyze::TraceBuilder b("test");
    Feeder f(b);
    const MacAddr mac = client_mac(1);
    auto d = pxe_discover(0x100, mac);
    f.dhcp_from_client(d, mac);
    f.dhcp_from_server(reply(d, wire::DhcpMessageType::Offer, kServerIp, client_ip(1)));
    f.now += 2 * kSec;
    // A later stage's DHCP (no PXEClient) with a new xid: a new attempt
    // although the firmware's never got past the OFFER.
    f.dhcp_from_client(plain_discover(0x200, mac), mac);
    // An OFFER to the first xid still finds the first attempt: it stays open
    // while its successor has not ended.
    f.dhcp_from_server(reply(d, wire::DhcpMessageType::Offer, kOtherServerIp, client_ip(1)));
    f.now += 65 * kSec;
    // The same stage again after more than 64 s of silence: a new attempt.
    f.dhcp_from_client(plain_discover(0x300, mac), mac);
    const auto t = std::move(b).finish();
    ASSERT_EQ(attempts_of(t), (std::vector<std::uint32_t>{1, 2, 3}));
    EXPECT_EQ(t.sessions[0].stage, analyze::AttemptStage::PxeFirmware);
    EXPECT_EQ(t.sessions[1].stage, analyze::AttemptStage::LaterStage);
    EXPECT_EQ(t.sessions[2].stage, analyze::AttemptStage::LaterStage);
    EXPECT_TRUE(t.sessions[1].earlier.offered);
    EXPECT_EQ(t.sessions[0].dhcp_frames.size(), 3u) << "the late OFFER went to the superseded attempt";
}

TEST(TraceBuilderAttempts, IpxeIsItsOwnStage) {
    auto m = pxe_discover(1, client_mac(1));
    EXPECT_EQ(analyze::attempt_stage(m), analyze::AttemptStage::PxeFirmware);
    m.set_option(wire::opt::kUserClass, std::string_view("iPXE"));
    m.finish();
    EXPECT_EQ(analyze::attempt_stage(m), analyze::AttemptStage::Ipxe);
    EXPECT_EQ(analyze::attempt_stage(plain_discover(2, client_mac(1))), analyze::AttemptStage::LaterStage);
    EXPECT_EQ(analyze::to_string(analyze::AttemptStage::Ipxe), "ipxe");
}

TEST(TraceBuilderAttempts, DeclineEndsTheAttemptAndTheNextOneIsRecorded) {
    for (const bool streaming : {false, true}) {
        SCOPED_TRACE(streaming ? "streaming" : "whole trace");
        const MacAddr mac = client_mac(1);
        const auto mine = sessions_of(streaming, mac, [&](Feeder& f, auto&&) {
            auto d = pxe_discover(0x500, mac);
            f.dhcp_from_client(d, mac);
            f.dhcp_from_server(reply(d, wire::DhcpMessageType::Offer, kServerIp, client_ip(1)));
            auto r = pxe_request(d, kServerIp, client_ip(1));
            f.dhcp_from_client(r, mac);
            f.dhcp_from_server(reply(r, wire::DhcpMessageType::Ack, kServerIp, client_ip(1)));
            f.dhcp_from_client(with_type(r, wire::DhcpMessageType::Decline), mac);
            f.now += 10 * kSec;
            f.dora(2);  // another machine meanwhile
            f.dora(1);  // the same xid again: the DECLINE ended the first attempt
        });
        ASSERT_EQ(mine.size(), 2u);
        EXPECT_EQ(mine[0].dhcp_frames.size(), 5u);
        EXPECT_EQ(mine[0].next.attempt, 2u);
        EXPECT_EQ(mine[0].next.bound, client_ip(1)) << "what the client did after its DECLINE";
        EXPECT_NE(mine[0].next.bound_frame, 0u);
        EXPECT_EQ(mine[1].attempt, 2u);
    }
}
