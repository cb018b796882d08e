// UserStack: a user-space IPv4 host on one Ethernet segment, sans-I/O.
// Frames and time come in as arguments, frames go out through take_frames().

#include <algorithm>
#include <set>
#include <utility>

#include "pxecheck/link/live.hpp"

namespace pxecheck::link {

namespace {

constexpr std::uint16_t kArpRequest = 1;
constexpr std::uint16_t kArpReply = 2;

std::uint32_t netmask(int prefix_len) {
    if (prefix_len <= 0) return 0;
    if (prefix_len >= 32) return 0xffffffffu;
    return ~((std::uint32_t{1} << (32 - prefix_len)) - 1);
}

bool is_multicast(Ipv4Addr ip) { return (ip.value >> 28) == 0xe; }

/// RFC 1112: 01:00:5e plus the low 23 bits of the group.
MacAddr multicast_mac(Ipv4Addr ip) {
    return MacAddr{{0x01, 0x00, 0x5e, static_cast<std::uint8_t>((ip.value >> 16) & 0x7f),
                    static_cast<std::uint8_t>(ip.value >> 8), static_cast<std::uint8_t>(ip.value)}};
}

/// An address worth putting in the ARP cache: a unicast host.
bool learnable(Ipv4Addr ip, const MacAddr& mac) {
    return !ip.is_zero() && !ip.is_broadcast() && !is_multicast(ip) && !mac.is_zero() &&
           !mac.is_multicast();
}

/// True when the UDP checksum field of this (untagged Ethernet/IPv4) frame
/// holds only the folded pseudo-header sum: the sender's kernel left the
/// checksum to "hardware" (CHECKSUM_PARTIAL) and the frame never passed
/// hardware that fills it in. That is what a packet socket sees on veth,
/// tap and bridge ports for datagrams from a kernel UDP socket (tftpd-hpa,
/// a kernel peer); the Linux receiver trusts such frames, and so do we.
bool checksum_left_to_offload(ByteView frame, const UdpDatagram& udp) {
    constexpr std::size_t kIpAt = 14;
    constexpr std::size_t kUdpHeader = 8;
    if (frame.size() < kIpAt + 20 + kUdpHeader) return false;
    const std::size_t udp_at = kIpAt + std::size_t{frame[kIpAt] & 0x0fu} * 4;
    if (frame.size() < udp_at + kUdpHeader) return false;
    const auto be16 = [&](std::size_t at) {
        return static_cast<std::uint32_t>((frame[at] << 8) | frame[at + 1]);
    };
    // RFC 768 pseudo-header: addresses, protocol 17, UDP length; folded.
    std::uint32_t sum = (udp.src_ip.value >> 16) + (udp.src_ip.value & 0xffffu) +
                        (udp.dst_ip.value >> 16) + (udp.dst_ip.value & 0xffffu) + 17 +
                        be16(udp_at + 4);
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return be16(udp_at + 6) == sum;
}

}  // namespace

UserStack::UserStack(MacAddr mac) : mac_(mac) {}

void UserStack::add_address(Ipv4Addr ip) { add_address(ip, 32); }

void UserStack::add_address(Ipv4Addr ip, int prefix_len) {
    if (!holds(ip)) addresses_.push_back(ip);
    prefix_len_[ip] = std::clamp(prefix_len, 0, 32);
}

void UserStack::remove_address(Ipv4Addr ip) {
    std::erase(addresses_, ip);
    prefix_len_.erase(ip);
}

bool UserStack::holds(Ipv4Addr ip) const {
    return std::find(addresses_.begin(), addresses_.end(), ip) != addresses_.end();
}

bool UserStack::is_subnet_broadcast(Ipv4Addr ip) const {
    for (const auto& [addr, len] : prefix_len_) {
        // /31 and /32 have no broadcast address (RFC 3021).
        if (len >= 31) continue;
        const std::uint32_t mask = netmask(len);
        if ((ip.value & mask) == (addr.value & mask) && (ip.value | mask) == 0xffffffffu)
            return true;
    }
    return false;
}

Ipv4Addr UserStack::arp_sender_ip(Ipv4Addr hint) const {
    if (!hint.is_zero() && holds(hint)) return hint;
    if (!hint.is_zero() && addresses_.empty()) return hint;
    return addresses_.empty() ? Ipv4Addr::any() : addresses_.front();
}

void UserStack::emit(const MacAddr& dst_mac, const Datagram& d) {
    const MacAddr src_mac = d.src_mac.is_zero() ? mac_ : d.src_mac;
    out_.push_back(build_udp_frame(UdpEndpoint{src_mac, d.src_ip, d.src_port},
                                   UdpEndpoint{dst_mac, d.dst_ip, d.dst_port}, d.payload));
}

void UserStack::send_arp_request(Ipv4Addr target, Ipv4Addr sender_hint) {
    ArpPacket arp;
    arp.operation = kArpRequest;
    arp.sender_mac = mac_;
    arp.sender_ip = arp_sender_ip(sender_hint);
    arp.target_ip = target;
    out_.push_back(build_arp_frame(MacAddr::broadcast(), arp));
}

void UserStack::learn(Ipv4Addr ip, const MacAddr& mac) {
    if (!learnable(ip, mac) || mac == mac_ || holds(ip)) return;
    arp_cache_[ip] = mac;
    // Release the datagrams that waited for this address, in order.
    std::deque<Pending> still;
    for (auto& p : pending_) {
        if (p.d.dst_ip == ip) emit(mac, p.d);
        else still.push_back(std::move(p));
    }
    pending_ = std::move(still);
}

void UserStack::on_arp(const ArpPacket& arp) {
    if (arp.sender_mac == mac_) return;
    if (arp.operation != kArpRequest && arp.operation != kArpReply) return;  // RARP, junk
    // Conflicts: another MAC claiming an address we probe or hold (a reply,
    // an announcement, a request from it), or probing for it (RFC 5227 2.1.1).
    auto claims = [&](Ipv4Addr ip) {
        if (arp.sender_ip == ip) return true;
        return arp.operation == kArpRequest && arp.sender_ip.is_zero() && arp.target_ip == ip;
    };
    for (Ipv4Addr ip : probing_)
        if (claims(ip)) conflicts_[ip] = arp.sender_mac;
    for (Ipv4Addr ip : addresses_)
        if (!ip.is_zero() && arp.sender_ip == ip) conflicts_[ip] = arp.sender_mac;

    learn(arp.sender_ip, arp.sender_mac);

    if (arp.operation == kArpRequest && !arp.target_ip.is_zero() && holds(arp.target_ip)) {
        // A probe (sender 0.0.0.0) is answered too: that is how its sender
        // learns the address is taken (RFC 5227 2.4 defence).
        ArpPacket reply;
        reply.operation = kArpReply;
        reply.sender_mac = mac_;
        reply.sender_ip = arp.target_ip;
        reply.target_mac = arp.sender_mac;
        reply.target_ip = arp.sender_ip;
        out_.push_back(build_arp_frame(arp.sender_mac, reply));
    }
}

std::optional<Datagram> UserStack::deliver(const MacAddr& src_mac, const MacAddr& dst_mac,
                                           const UdpDatagram& udp, bool promiscuous_ip) const {
    if (!udp.complete || udp.udp_checksum_ok == false || udp.ip_checksum_ok == false)
        return std::nullopt;
    const bool for_us = promiscuous_ip || udp.dst_ip.is_broadcast() || holds(udp.dst_ip) ||
                        is_subnet_broadcast(udp.dst_ip);
    if (!for_us) return std::nullopt;
    Datagram d;
    d.src_mac = src_mac;
    d.dst_mac = dst_mac;
    d.src_ip = udp.src_ip;
    d.dst_ip = udp.dst_ip;
    d.src_port = udp.src_port;
    d.dst_port = udp.dst_port;
    d.payload = udp.payload;
    return d;
}

std::optional<Datagram> UserStack::on_frame(TimePoint now, ByteView frame, bool promiscuous_ip) {
    DecodedFrame f = decode_frame(linktype::kEthernet, frame);
    // Our own frames (looped back by a hub or a capture that reads both
    // directions) and frames of VLANs we are not on are not ours to answer.
    if (f.src_mac == mac_ || !f.vlans.empty()) return std::nullopt;

    if (f.arp) {
        on_arp(*f.arp);
        return std::nullopt;
    }

    const bool to_our_mac = f.dst_mac == mac_ || f.dst_mac.is_broadcast();
    std::optional<UdpDatagram> udp;
    if (f.udp) {
        if (f.udp->ip_checksum_ok != false) learn(f.udp->src_ip, f.src_mac);
        if (!to_our_mac) return std::nullopt;
        if (f.udp->udp_checksum_ok == false && checksum_left_to_offload(frame, *f.udp))
            f.udp->udp_checksum_ok.reset();
        udp = std::move(f.udp);
    } else if (f.fragment) {
        if (f.fragment->ip_checksum_ok != false) learn(f.fragment->src_ip, f.src_mac);
        if (!to_our_mac) return std::nullopt;
        const std::int64_t now_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
        Anomalies ignored;
        // Incomplete datagrams linger at most 30 s (as Linux), on our clock.
        reassembler_.expire(now_ns - 30'000'000'000LL, ignored);
        udp = reassembler_.add(*f.fragment, ignored, now_ns);
        if (!udp) return std::nullopt;
    } else {
        return std::nullopt;
    }
    return deliver(f.src_mac, f.dst_mac, *udp, promiscuous_ip);
}

void UserStack::send(TimePoint now, Datagram d) {
    if (d.src_mac.is_zero()) d.src_mac = mac_;
    if (!d.dst_mac.is_zero()) {
        emit(d.dst_mac, d);
        return;
    }
    if (d.dst_ip.is_broadcast() || is_subnet_broadcast(d.dst_ip)) {
        emit(MacAddr::broadcast(), d);
        return;
    }
    if (is_multicast(d.dst_ip)) {
        emit(multicast_mac(d.dst_ip), d);
        return;
    }
    if (auto it = arp_cache_.find(d.dst_ip); it != arp_cache_.end()) {
        emit(it->second, d);
        return;
    }
    if (d.dst_ip.is_zero()) {  // nowhere to send it
        ++unresolved_[d.dst_ip];
        return;
    }

    // Join the resolution already running for this address, or start one.
    Pending p{std::move(d), now + kArpInterval, 1};
    auto running = std::find_if(pending_.begin(), pending_.end(),
                                [&](const Pending& q) { return q.d.dst_ip == p.d.dst_ip; });
    if (running != pending_.end()) {
        p.next_try = running->next_try;
        p.tries = running->tries;
    } else {
        send_arp_request(p.d.dst_ip, p.d.src_ip);
    }
    if (pending_.size() >= kMaxQueued) {
        ++unresolved_[pending_.front().d.dst_ip];
        pending_.pop_front();
    }
    pending_.push_back(std::move(p));
}

void UserStack::probe(TimePoint /*now*/, Ipv4Addr ip) {
    if (std::find(probing_.begin(), probing_.end(), ip) == probing_.end()) probing_.push_back(ip);
    ArpPacket arp;
    arp.operation = kArpRequest;
    arp.sender_mac = mac_;
    arp.sender_ip = Ipv4Addr::any();
    arp.target_ip = ip;
    out_.push_back(build_arp_frame(MacAddr::broadcast(), arp));
}

std::optional<MacAddr> UserStack::conflict(Ipv4Addr ip) const {
    if (auto it = conflicts_.find(ip); it != conflicts_.end()) return it->second;
    return std::nullopt;
}

void UserStack::on_timer(TimePoint now) {
    // One decision per destination: all its datagrams share one schedule.
    std::set<Ipv4Addr> due;
    for (const auto& p : pending_)
        if (p.next_try <= now) due.insert(p.d.dst_ip);
    for (Ipv4Addr ip : due) {
        auto first = std::find_if(pending_.begin(), pending_.end(),
                                  [&](const Pending& q) { return q.d.dst_ip == ip; });
        if (first->tries > kArpRetries) {
            std::deque<Pending> still;
            for (auto& p : pending_) {
                if (p.d.dst_ip == ip) ++unresolved_[ip];
                else still.push_back(std::move(p));
            }
            pending_ = std::move(still);
            continue;
        }
        send_arp_request(ip, first->d.src_ip);
        const TimePoint next = now + kArpInterval;
        const int tries = first->tries + 1;
        for (auto& p : pending_) {
            if (p.d.dst_ip != ip) continue;
            p.next_try = next;
            p.tries = tries;
        }
    }
}

std::optional<TimePoint> UserStack::next_deadline() const {
    std::optional<TimePoint> t;
    for (const auto& p : pending_)
        if (!t || p.next_try < *t) t = p.next_try;
    return t;
}

std::vector<Bytes> UserStack::take_frames() { return std::exchange(out_, {}); }

std::optional<MacAddr> UserStack::lookup(Ipv4Addr ip) const {
    if (auto it = arp_cache_.find(ip); it != arp_cache_.end()) return it->second;
    return std::nullopt;
}

}  // namespace pxecheck::link
