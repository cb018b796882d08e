// UserStack: ARP answers, resolution with queueing, retries and drops,
// delivery filters, RFC 5227 probes, the learned cache. Two stacks talk over
// a MemoryWire; time is a TimePoint the tests move by hand.

#include <gtest/gtest.h>

#include <chrono>

#include "pxecheck/link/live.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::link;
using std::chrono::milliseconds;
using std::chrono::seconds;

const MacAddr kMacA = *MacAddr::parse("02:00:5e:10:00:01");
const MacAddr kMacB = *MacAddr::parse("02:00:5e:10:00:02");
const MacAddr kMacC = *MacAddr::parse("02:00:5e:10:00:03");
const MacAddr kMacOther = *MacAddr::parse("02:00:5e:10:00:99");
const Ipv4Addr kIpA = Ipv4Addr::from_octets(192, 168, 14, 10);
const Ipv4Addr kIpB = Ipv4Addr::from_octets(192, 168, 14, 200);
const Ipv4Addr kIpC = Ipv4Addr::from_octets(192, 168, 14, 30);
const Ipv4Addr kIpNobody = Ipv4Addr::from_octets(192, 168, 14, 99);
const TimePoint kT0{seconds(1000)};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Datagram datagram(Ipv4Addr src, Ipv4Addr dst, std::string_view payload, MacAddr dst_mac = {}) {
    Datagram d;
    d.dst_mac = dst_mac;
    d.src_ip = src;
    d.dst_ip = dst;
    d.src_port = 69;
    d.dst_port = 2070;
    d.payload = text(payload);
    return d;
}

DecodedFrame decode(const Bytes& frame) { return decode_frame(linktype::kEthernet, frame); }

Bytes arp_frame(std::uint16_t op, MacAddr eth_dst, MacAddr smac, Ipv4Addr sip, MacAddr tmac,
                Ipv4Addr tip) {
    return build_arp_frame(eth_dst, ArpPacket{op, smac, sip, tmac, tip});
}

/// Sends a stack's frames into its end of the wire; returns how many.
std::size_t push(UserStack& s, FrameIo& io) {
    auto frames = s.take_frames();
    for (const auto& f : frames) EXPECT_TRUE(io.send(f).ok());
    return frames.size();
}

/// Feeds what waits at \p io to \p s; returns the datagrams for it.
std::vector<Datagram> pull(UserStack& s, FrameIo& io, TimePoint now, bool promiscuous_ip = false) {
    std::vector<Datagram> out;
    for (auto& rx : io.receive())
        if (auto d = s.on_frame(now, rx.data, promiscuous_ip)) out.push_back(std::move(*d));
    return out;
}

std::size_t count_arp_requests(const std::vector<Bytes>& frames, Ipv4Addr target) {
    std::size_t n = 0;
    for (const auto& f : frames) {
        auto d = decode(f);
        if (d.arp && d.arp->operation == 1 && d.arp->target_ip == target) ++n;
    }
    return n;
}

// ---------------------------------------------------------------- ARP answers

TEST(UserStack, AnswersArpRequestsForItsAddressesOnly) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    EXPECT_TRUE(a.holds(kIpA));

    EXPECT_FALSE(a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacB, kIpB, {}, kIpA)));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto reply = decode(out[0]);
    ASSERT_TRUE(reply.arp);
    EXPECT_EQ(reply.dst_mac, kMacB);  // unicast to the asker
    EXPECT_EQ(reply.src_mac, kMacA);
    EXPECT_EQ(reply.arp->operation, 2);
    EXPECT_EQ(reply.arp->sender_mac, kMacA);
    EXPECT_EQ(reply.arp->sender_ip, kIpA);
    EXPECT_EQ(reply.arp->target_mac, kMacB);
    EXPECT_EQ(reply.arp->target_ip, kIpB);

    // Not ours: silence. Replies are not answered either.
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacB, kIpB, {}, kIpNobody));
    a.on_frame(kT0, arp_frame(2, kMacA, kMacB, kIpB, kMacA, kIpA));
    EXPECT_TRUE(a.take_frames().empty());

    // After remove_address the address is no longer answered.
    a.remove_address(kIpA);
    EXPECT_FALSE(a.holds(kIpA));
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacB, kIpB, {}, kIpA));
    EXPECT_TRUE(a.take_frames().empty());
}

TEST(UserStack, DefendsItsAddressAgainstAProbe) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacC, Ipv4Addr::any(), {}, kIpA));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto reply = decode(out[0]);
    ASSERT_TRUE(reply.arp);
    EXPECT_EQ(reply.dst_mac, kMacC);
    EXPECT_EQ(reply.arp->operation, 2);
    EXPECT_EQ(reply.arp->sender_ip, kIpA);
    EXPECT_TRUE(reply.arp->target_ip.is_zero());
    // A probe only says someone wants the address; it is no conflict for its holder.
    EXPECT_FALSE(a.conflict(kIpA));
}

TEST(UserStack, IgnoresItsOwnFramesReadBack) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacA, kIpA, {}, kIpA));
    EXPECT_TRUE(a.take_frames().empty());
    EXPECT_FALSE(a.conflict(kIpA));
    auto own = build_udp_frame({kMacA, kIpA, 69}, {MacAddr::broadcast(), Ipv4Addr::broadcast(), 68},
                               text("x"));
    EXPECT_FALSE(a.on_frame(kT0, own, true));
}

// ------------------------------------------------------- resolution over a wire

TEST(UserStack, ResolvesByArpThenSendsAndThePeerReceives) {
    MemoryWire wire;
    UserStack a(kMacA);
    UserStack b(kMacB);
    a.add_address(kIpA);
    b.add_address(kIpB);

    a.send(kT0, datagram(kIpA, kIpB, "hello"));
    EXPECT_EQ(a.queued(), 1u);
    ASSERT_TRUE(a.next_deadline());
    EXPECT_EQ(*a.next_deadline(), kT0 + seconds(1));
    auto first = a.take_frames();
    ASSERT_EQ(first.size(), 1u);
    auto req = decode(first[0]);
    ASSERT_TRUE(req.arp);
    EXPECT_TRUE(req.dst_mac.is_broadcast());
    EXPECT_EQ(req.arp->operation, 1);
    EXPECT_EQ(req.arp->sender_ip, kIpA);
    EXPECT_EQ(req.arp->sender_mac, kMacA);
    EXPECT_EQ(req.arp->target_ip, kIpB);
    ASSERT_TRUE(wire.a().send(first[0]).ok());

    EXPECT_TRUE(pull(b, wire.b(), kT0).empty());
    EXPECT_EQ(push(b, wire.b()), 1u);             // the ARP reply
    EXPECT_EQ(b.lookup(kIpA), kMacA);             // learned from the request
    EXPECT_TRUE(pull(a, wire.a(), kT0).empty());
    EXPECT_EQ(a.lookup(kIpB), kMacB);
    EXPECT_EQ(a.queued(), 0u);
    EXPECT_FALSE(a.next_deadline());
    EXPECT_EQ(push(a, wire.a()), 1u);             // the datagram, released

    auto got = pull(b, wire.b(), kT0);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].payload, text("hello"));
    EXPECT_EQ(got[0].src_mac, kMacA);
    EXPECT_EQ(got[0].dst_mac, kMacB);
    EXPECT_EQ(got[0].src_ip, kIpA);
    EXPECT_EQ(got[0].dst_ip, kIpB);
    EXPECT_EQ(got[0].src_port, 69);
    EXPECT_EQ(got[0].dst_port, 2070);

    // B answers without ARP: it learned A from the request.
    b.send(kT0, datagram(kIpB, kIpA, "back"));
    auto direct = b.take_frames();
    ASSERT_EQ(direct.size(), 1u);
    EXPECT_TRUE(decode(direct[0]).udp);
    EXPECT_EQ(decode(direct[0]).dst_mac, kMacA);
    ASSERT_TRUE(wire.b().send(direct[0]).ok());
    auto back = pull(a, wire.a(), kT0);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].payload, text("back"));
    EXPECT_TRUE(a.unresolved().empty());
}

TEST(UserStack, QueuesDatagramsBehindOneArpRequestAndKeepsTheirOrder) {
    MemoryWire wire;
    UserStack a(kMacA);
    UserStack b(kMacB);
    a.add_address(kIpA);
    b.add_address(kIpB);

    a.send(kT0, datagram(kIpA, kIpB, "1"));
    a.send(kT0 + milliseconds(10), datagram(kIpA, kIpB, "2"));
    a.send(kT0 + milliseconds(20), datagram(kIpA, kIpB, "3"));
    EXPECT_EQ(a.queued(), 3u);
    auto frames = a.take_frames();
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_EQ(count_arp_requests(frames, kIpB), 1u);
    // The later datagrams joined the running resolution's schedule.
    EXPECT_EQ(*a.next_deadline(), kT0 + seconds(1));

    for (const auto& f : frames) ASSERT_TRUE(wire.a().send(f).ok());
    pull(b, wire.b(), kT0);
    push(b, wire.b());
    pull(a, wire.a(), kT0 + milliseconds(30));
    push(a, wire.a());
    auto got = pull(b, wire.b(), kT0 + milliseconds(30));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].payload, text("1"));
    EXPECT_EQ(got[1].payload, text("2"));
    EXPECT_EQ(got[2].payload, text("3"));
}

TEST(UserStack, RetriesArpThreeTimesOneSecondApartThenDrops) {
    MemoryWire wire;
    wire.filter = [](bool, ByteView) { return false; };  // nobody hears anything
    UserStack a(kMacA);
    a.add_address(kIpA);

    a.send(kT0, datagram(kIpA, kIpNobody, "1"));
    a.send(kT0 + milliseconds(500), datagram(kIpA, kIpNobody, "2"));
    a.send(kT0, datagram(kIpA, kIpB, "other"));  // another destination, same time
    EXPECT_EQ(count_arp_requests(a.take_frames(), kIpNobody), 1u);

    std::size_t requests = 1;
    for (int s = 1; s <= 3; ++s) {
        a.on_timer(kT0 + seconds(s) - milliseconds(1));  // not yet
        EXPECT_TRUE(a.take_frames().empty()) << "early at " << s;
        ASSERT_EQ(a.next_deadline(), kT0 + seconds(s));
        a.on_timer(kT0 + seconds(s));
        auto frames = a.take_frames();
        EXPECT_EQ(count_arp_requests(frames, kIpNobody), 1u) << "retry " << s;
        requests += count_arp_requests(frames, kIpNobody);
        push(a, wire.a());
        EXPECT_EQ(a.queued(), 3u);
        EXPECT_TRUE(a.unresolved().empty());
    }
    EXPECT_EQ(requests, 4u);  // the first request and three retries

    a.on_timer(kT0 + seconds(4));
    EXPECT_TRUE(a.take_frames().empty());
    EXPECT_EQ(a.queued(), 0u);
    EXPECT_FALSE(a.next_deadline());
    ASSERT_EQ(a.unresolved().size(), 2u);
    EXPECT_EQ(a.unresolved().at(kIpNobody), 2u);
    EXPECT_EQ(a.unresolved().at(kIpB), 1u);

    // A later datagram starts a fresh resolution.
    a.send(kT0 + seconds(10), datagram(kIpA, kIpNobody, "3"));
    EXPECT_EQ(count_arp_requests(a.take_frames(), kIpNobody), 1u);
    EXPECT_EQ(*a.next_deadline(), kT0 + seconds(11));
}

TEST(UserStack, ALateArpReplyStillReleasesTheQueue) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    a.send(kT0, datagram(kIpA, kIpB, "late"));
    a.on_timer(kT0 + seconds(1));
    a.on_timer(kT0 + seconds(2));
    a.take_frames();
    a.on_frame(kT0 + seconds(2) + milliseconds(300), arp_frame(2, kMacA, kMacB, kIpB, kMacA, kIpA));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto d = decode(out[0]);
    ASSERT_TRUE(d.udp);
    EXPECT_EQ(d.dst_mac, kMacB);
    EXPECT_EQ(d.udp->payload, text("late"));
    EXPECT_EQ(a.queued(), 0u);
    EXPECT_TRUE(a.unresolved().empty());
}

TEST(UserStack, ExplicitDestinationMacSkipsArp) {
    UserStack a(kMacA);
    a.add_address(kIpB);
    // A DHCP server's OFFER: to the client's MAC and the address it offers.
    a.send(kT0, datagram(kIpB, kIpA, "offer", kMacC));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto d = decode(out[0]);
    ASSERT_TRUE(d.udp);
    EXPECT_EQ(d.dst_mac, kMacC);
    EXPECT_EQ(d.src_mac, kMacA);  // zero src_mac: the stack's own
    EXPECT_EQ(a.queued(), 0u);
}

TEST(UserStack, SourceMacOfTheDatagramIsKept) {
    UserStack a(kMacA);
    Datagram d = datagram(Ipv4Addr::any(), Ipv4Addr::broadcast(), "discover");
    d.src_mac = kMacC;
    a.send(kT0, d);
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(decode(out[0]).src_mac, kMacC);
}

// ------------------------------------------------------------- broadcast

TEST(UserStack, LimitedBroadcastGoesToEveryoneWithoutArp) {
    MemoryWire wire;
    UserStack client(kMacA);  // no address yet, like a DHCP client
    UserStack server(kMacB);
    server.add_address(kIpB);
    UserStack bystander(kMacC);
    bystander.add_address(kIpC);

    client.send(kT0, datagram(Ipv4Addr::any(), Ipv4Addr::broadcast(), "discover"));
    auto out = client.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto f = decode(out[0]);
    ASSERT_TRUE(f.udp);
    EXPECT_TRUE(f.dst_mac.is_broadcast());
    EXPECT_TRUE(f.udp->src_ip.is_zero());
    EXPECT_EQ(client.queued(), 0u);

    EXPECT_TRUE(server.on_frame(kT0, out[0]));
    EXPECT_TRUE(bystander.on_frame(kT0, out[0]));
    // 0.0.0.0 is not learned.
    EXPECT_FALSE(server.lookup(Ipv4Addr::any()));
}

TEST(UserStack, SubnetDirectedBroadcastNeedsThePrefix) {
    const Ipv4Addr subnet_bcast = Ipv4Addr::from_octets(192, 168, 14, 255);
    UserStack a(kMacA);
    a.add_address(kIpA, 24);
    a.send(kT0, datagram(kIpA, subnet_bcast, "all"));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(decode(out[0]).dst_mac.is_broadcast());

    UserStack with_prefix(kMacB);
    with_prefix.add_address(kIpB, 24);
    EXPECT_TRUE(with_prefix.on_frame(kT0, out[0]));

    UserStack host_only(kMacC);
    host_only.add_address(kIpC);  // /32: knows no subnet
    EXPECT_FALSE(host_only.on_frame(kT0, out[0]));

    UserStack other_subnet(kMacC);
    other_subnet.add_address(Ipv4Addr::from_octets(10, 0, 0, 1), 24);
    EXPECT_FALSE(other_subnet.on_frame(kT0, out[0]));
}

TEST(UserStack, MulticastGoesToTheGroupMac) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    a.send(kT0, datagram(kIpA, Ipv4Addr::from_octets(239, 129, 2, 3), "m"));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(decode(out[0]).dst_mac, *MacAddr::parse("01:00:5e:01:02:03"));
}

// ------------------------------------------------------------- filters

TEST(UserStack, DeliversOnlyWhatIsAddressedToIt) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    auto frame = [](MacAddr dst_mac, Ipv4Addr dst_ip) {
        return build_udp_frame({kMacB, kIpB, 67}, {dst_mac, dst_ip, 68}, text("p"));
    };
    EXPECT_TRUE(a.on_frame(kT0, frame(kMacA, kIpA)));
    EXPECT_TRUE(a.on_frame(kT0, frame(MacAddr::broadcast(), kIpA)));
    EXPECT_TRUE(a.on_frame(kT0, frame(MacAddr::broadcast(), Ipv4Addr::broadcast())));
    // Another MAC: not ours whatever the address (a promiscuous capture sees it).
    EXPECT_FALSE(a.on_frame(kT0, frame(kMacOther, kIpA)));
    EXPECT_FALSE(a.on_frame(kT0, frame(kMacOther, kIpA), true));
    // Our MAC, another IP: only when the IP filter is off (DHCP client before its lease).
    EXPECT_FALSE(a.on_frame(kT0, frame(kMacA, kIpNobody)));
    auto offer = a.on_frame(kT0, frame(kMacA, kIpNobody), true);
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->dst_ip, kIpNobody);
    // Multicast MACs are not joined.
    EXPECT_FALSE(a.on_frame(kT0, frame(*MacAddr::parse("01:00:5e:00:00:01"), kIpA)));
}

TEST(UserStack, DropsDamagedAndTaggedFrames) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    // Long enough that the frame carries no Ethernet padding.
    const Bytes good = build_udp_frame({kMacB, kIpB, 67}, {kMacA, kIpA, 68}, Bytes(64, 0x5a));
    ASSERT_TRUE(a.on_frame(kT0, good));

    Bytes bad_udp = good;
    bad_udp.back() ^= 0xff;  // payload byte: the UDP checksum no longer matches
    EXPECT_FALSE(a.on_frame(kT0, bad_udp));

    Bytes bad_ip = good;
    bad_ip[14 + 8] ^= 0x01;  // TTL: the IP header checksum no longer matches
    EXPECT_FALSE(a.on_frame(kT0, bad_ip));

    Bytes cut(good.begin(), good.end() - 3);  // shorter than the IP length says
    EXPECT_FALSE(a.on_frame(kT0, cut));

    Bytes tagged = good;  // the same frame on VLAN 14
    const Bytes tag = {0x81, 0x00, 0x00, 0x0e};
    tagged.insert(tagged.begin() + 12, tag.begin(), tag.end());
    ASSERT_EQ(decode(tagged).vlans.size(), 1u);
    EXPECT_FALSE(a.on_frame(kT0, tagged));

    Bytes tagged_arp = arp_frame(1, MacAddr::broadcast(), kMacB, kIpB, {}, kIpA);
    tagged_arp.insert(tagged_arp.begin() + 12, tag.begin(), tag.end());
    a.take_frames();
    a.on_frame(kT0, tagged_arp);
    EXPECT_TRUE(a.take_frames().empty());

    EXPECT_FALSE(a.on_frame(kT0, Bytes{1, 2, 3}));
    EXPECT_FALSE(a.on_frame(kT0, Bytes{}));
}

TEST(UserStack, AcceptsAChecksumLeftToOffload) {
    // What a capture on veth shows for a kernel socket's datagram: the UDP
    // checksum field holds the folded pseudo-header sum, nothing more.
    UserStack a(kMacA);
    a.add_address(kIpA);
    Bytes f = build_udp_frame({kMacB, kIpB, 69}, {kMacA, kIpA, 2070}, Bytes(100, 0x11));
    const std::size_t udp = 14 + 20;
    const std::uint32_t len = static_cast<std::uint32_t>((f[udp + 4] << 8) | f[udp + 5]);
    std::uint32_t sum = (kIpB.value >> 16) + (kIpB.value & 0xffff) + (kIpA.value >> 16) +
                        (kIpA.value & 0xffff) + 17 + len;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    f[udp + 6] = static_cast<std::uint8_t>(sum >> 8);
    f[udp + 7] = static_cast<std::uint8_t>(sum);
    ASSERT_EQ(decode(f).udp->udp_checksum_ok, std::nullopt);
    ASSERT_TRUE(decode(f).udp->checksum_offloaded);
    auto d = a.on_frame(kT0, f);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->payload, Bytes(100, 0x11));
    // One bit off that value is plain damage again.
    f[udp + 7] ^= 0x01;
    EXPECT_FALSE(a.on_frame(kT0, f));
}

/// RFC 1071, for the hand-made fragments below.
std::uint16_t ip_checksum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

/// Splits the IPv4 packet of an Ethernet/IPv4 frame into two fragments at
/// \p cut bytes of IP payload (a multiple of 8).
std::pair<Bytes, Bytes> fragment(const Bytes& frame, std::size_t cut) {
    const std::size_t ip = 14;
    const std::size_t ihl = std::size_t{frame[ip] & 0x0fu} * 4;
    const std::size_t total = static_cast<std::size_t>((frame[ip + 2] << 8) | frame[ip + 3]);
    const Bytes head(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(ip + ihl));
    const auto payload = frame.begin() + static_cast<std::ptrdiff_t>(ip + ihl);
    auto make = [&](std::size_t from, std::size_t to, bool more) {
        Bytes f = head;
        f.insert(f.end(), payload + static_cast<std::ptrdiff_t>(from),
                 payload + static_cast<std::ptrdiff_t>(to));
        const std::size_t len = ihl + (to - from);
        f[ip + 2] = static_cast<std::uint8_t>(len >> 8);
        f[ip + 3] = static_cast<std::uint8_t>(len);
        const std::uint16_t off = static_cast<std::uint16_t>((from / 8) | (more ? 0x2000 : 0));
        f[ip + 4] = 0x12;  // identification
        f[ip + 5] = 0x34;
        f[ip + 6] = static_cast<std::uint8_t>(off >> 8);
        f[ip + 7] = static_cast<std::uint8_t>(off);
        f[ip + 10] = 0;
        f[ip + 11] = 0;
        const std::uint16_t c = ip_checksum(f.data() + ip, ihl);
        f[ip + 10] = static_cast<std::uint8_t>(c >> 8);
        f[ip + 11] = static_cast<std::uint8_t>(c);
        return f;
    };
    return {make(0, cut, true), make(cut, total - ihl, false)};
}

TEST(UserStack, PutsFragmentsBackTogether) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    Bytes big(3000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
    const Bytes whole = build_udp_frame({kMacB, kIpB, 69}, {kMacA, kIpA, 2070}, big);
    auto [first, second] = fragment(whole, 1480);
    // Out of order, as a network may deliver them.
    EXPECT_FALSE(a.on_frame(kT0, second));
    auto d = a.on_frame(kT0 + milliseconds(1), first);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->payload, big);
    EXPECT_EQ(d->src_ip, kIpB);
    EXPECT_EQ(d->dst_port, 2070);
    EXPECT_EQ(a.lookup(kIpB), kMacB);
}

// ------------------------------------------------------------- probes

TEST(UserStack, ProbeIsRfc5227AndAReplyIsAConflict) {
    MemoryWire wire;
    UserStack client(kMacA);
    UserStack holder(kMacB);
    holder.add_address(kIpC);

    client.probe(kT0, kIpC);
    auto out = client.take_frames();
    ASSERT_EQ(out.size(), 1u);
    auto p = decode(out[0]);
    ASSERT_TRUE(p.arp);
    EXPECT_TRUE(p.dst_mac.is_broadcast());
    EXPECT_EQ(p.arp->operation, 1);
    EXPECT_EQ(p.arp->sender_mac, kMacA);
    EXPECT_TRUE(p.arp->sender_ip.is_zero());
    EXPECT_TRUE(p.arp->target_mac.is_zero());
    EXPECT_EQ(p.arp->target_ip, kIpC);
    EXPECT_FALSE(client.conflict(kIpC));

    ASSERT_TRUE(wire.a().send(out[0]).ok());
    pull(holder, wire.b(), kT0);
    EXPECT_FALSE(holder.lookup(Ipv4Addr::any()));  // nothing learned from a probe
    EXPECT_EQ(push(holder, wire.b()), 1u);
    pull(client, wire.a(), kT0 + milliseconds(5));
    EXPECT_EQ(client.conflict(kIpC), kMacB);
}

TEST(UserStack, AnotherProbeForTheSameAddressIsAConflict) {
    UserStack a(kMacA);
    a.probe(kT0, kIpC);
    a.take_frames();
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacC, Ipv4Addr::any(), {}, kIpC));
    EXPECT_EQ(a.conflict(kIpC), kMacC);
    EXPECT_TRUE(a.take_frames().empty());  // we do not hold it: no answer
}

TEST(UserStack, UnrelatedArpIsNoConflict) {
    UserStack a(kMacA);
    a.probe(kT0, kIpC);
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacB, kIpB, {}, kIpA));
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacB, Ipv4Addr::any(), {}, kIpB));
    a.on_frame(kT0, arp_frame(2, kMacOther, kMacB, kIpB, kMacOther, kIpC));
    EXPECT_FALSE(a.conflict(kIpC));
    EXPECT_FALSE(a.conflict(kIpB));
}

TEST(UserStack, AnotherHostAnnouncingAHeldAddressIsAConflict) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacC, kIpA, {}, kIpA));  // gratuitous
    EXPECT_EQ(a.conflict(kIpA), kMacC);
    // Our own address never enters the cache.
    EXPECT_FALSE(a.lookup(kIpA));
}

// ------------------------------------------------------------- cache

TEST(UserStack, LearnsFromArpAndFromIpv4Sources) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    // A gratuitous ARP of somebody else, not for us: still learned.
    a.on_frame(kT0, arp_frame(1, MacAddr::broadcast(), kMacC, kIpC, {}, kIpC));
    EXPECT_EQ(a.lookup(kIpC), kMacC);
    // The source of a UDP datagram, even one for another host.
    a.on_frame(kT0, build_udp_frame({kMacB, kIpB, 67}, {kMacOther, kIpNobody, 68}, text("x")));
    EXPECT_EQ(a.lookup(kIpB), kMacB);
    // Newer information replaces older.
    a.on_frame(kT0, build_udp_frame({kMacOther, kIpB, 67}, {kMacA, kIpA, 68}, text("x")));
    EXPECT_EQ(a.lookup(kIpB), kMacOther);
    // Never learned: 0.0.0.0, multicast sources, damaged headers.
    a.on_frame(kT0, build_udp_frame({*MacAddr::parse("01:00:5e:00:00:09"), kIpNobody, 1},
                                    {kMacA, kIpA, 2}, text("x")));
    EXPECT_FALSE(a.lookup(kIpNobody));
    Bytes bad = build_udp_frame({kMacC, kIpNobody, 1}, {kMacA, kIpA, 2}, text("x"));
    bad[14 + 8] ^= 0x01;
    a.on_frame(kT0, bad);
    EXPECT_FALSE(a.lookup(kIpNobody));

    // What is learned is used: no ARP.
    a.send(kT0, datagram(kIpA, kIpC, "to c"));
    auto out = a.take_frames();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(decode(out[0]).udp);
    EXPECT_EQ(decode(out[0]).dst_mac, kMacC);
}

TEST(UserStack, TheQueueIsBounded) {
    UserStack a(kMacA);
    a.add_address(kIpA);
    for (std::size_t i = 0; i < UserStack::kMaxQueued + 5; ++i)
        a.send(kT0, datagram(kIpA, kIpNobody, "x"));
    EXPECT_EQ(a.queued(), UserStack::kMaxQueued);
    EXPECT_EQ(a.unresolved().at(kIpNobody), 5u);
}

}  // namespace
