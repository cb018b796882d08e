#pragma once
/// \file
/// Frames on a real interface, and the user-space host that lets the emulated
/// NIC and the reference master hold addresses the host does not have.
///
///  - FrameIo: send and receive raw Ethernet frames. PcapLive is libpcap on a
///    live interface (immediate mode, promiscuous: a frame for a MAC the
///    hardware does not own is otherwise dropped by the NIC's filter); a
///    MemoryWire joins two FrameIo ends in memory for tests.
///  - UserStack: sans-I/O. Answers ARP for the addresses it holds, resolves
///    destination MACs (ARP cache fed by every frame seen, ARP requests with
///    retries for unknown ones), filters frames addressed to it, and builds
///    outgoing frames for Datagrams.
///  - EventLoop: poll() on a FrameIo plus a deadline, for the runners.
///  - PortHold / host_has_address: for the case where the host's kernel
///    holds the same address as a UserStack (see PortHold).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/clock.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/link/datagram.hpp"
#include "pxecheck/link/frame.hpp"

namespace pxecheck::link {

struct RxFrame {
    std::int64_t time_ns = 0;  ///< wall clock (Unix epoch), for traces
    Bytes data;
};

/// Sends and receives Ethernet frames.
class FrameIo {
public:
    virtual ~FrameIo() = default;
    virtual Status send(ByteView frame) = 0;
    /// Frames received since the last call, without blocking.
    virtual std::vector<RxFrame> receive() = 0;
    /// A file descriptor that becomes readable when frames wait; -1 when the
    /// implementation has none (memory), then callers just call receive().
    [[nodiscard]] virtual int poll_fd() const = 0;
};

/// Why opening an interface failed: the CLI maps Environment to exit 3.
struct OpenError {
    enum class Kind { NoSuchInterface, Permission, Other } kind = Kind::Other;
    std::string message;  ///< names the interface and says what to do
};

class PcapLive final : public FrameIo {
public:
    /// Opens \p iface in promiscuous immediate mode with a BPF \p filter
    /// (e.g. "arp or udp"; empty: every frame). Our own injected frames are
    /// not read back: the capture reads the inbound direction only
    /// (pcap_setdirection PCAP_D_IN; where the platform refuses it, frames
    /// whose source MAC we injected with are dropped instead).
    ///
    /// Errors: NoSuchInterface when \p iface does not exist (checked before
    /// anything that needs privileges, so an unprivileged user gets the
    /// right answer), Permission without CAP_NET_RAW/CAP_NET_ADMIN, Other for
    /// a filter that does not compile, a link that is not Ethernet, or
    /// anything else libpcap reports. Each message names the interface and
    /// says what to do.
    static std::variant<std::unique_ptr<PcapLive>, OpenError> open(const std::string& iface,
                                                                   const std::string& filter);
    ~PcapLive() override;
    PcapLive(const PcapLive&) = delete;
    PcapLive& operator=(const PcapLive&) = delete;
    Status send(ByteView frame) override;
    /// Every frame waiting (non-blocking, at most a few thousand per call so
    /// a flood cannot starve the caller's timers).
    std::vector<RxFrame> receive() override;
    [[nodiscard]] int poll_fd() const override;
    /// The interface's own MAC and MTU (for defaults and TFTP blksize caps).
    [[nodiscard]] MacAddr hardware_mac() const;
    [[nodiscard]] int mtu() const;
    [[nodiscard]] const std::string& interface_name() const;
    /// True when the kernel/libpcap filters out our own frames by direction;
    /// false when the source-MAC fallback is in use.
    [[nodiscard]] bool direction_filter() const;
    /// Frames the kernel dropped because we did not read fast enough
    /// (pcap_stats ps_drop), for storm-mode reports.
    [[nodiscard]] std::uint64_t kernel_drops() const;

private:
    PcapLive() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Two FrameIo ends joined in memory: what one sends the other receives.
class MemoryWire {
public:
    MemoryWire();
    ~MemoryWire();
    FrameIo& a();
    FrameIo& b();
    /// Optional fault hook for tests: return false to drop a frame.
    std::function<bool(bool from_a, ByteView frame)> filter;
    /// Optional source of RxFrame::time_ns (default: the wall clock), so
    /// tests get reproducible timestamps.
    std::function<std::int64_t()> time_ns;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A user-space IPv4 host on one Ethernet segment.
class UserStack {
public:
    /// ARP: the first request goes out when a datagram is queued, then
    /// kArpRetries more kArpInterval apart; kArpInterval after the last one
    /// the datagrams still waiting are dropped and counted in unresolved().
    static constexpr int kArpRetries = 3;
    static constexpr Micros kArpInterval{1'000'000};
    /// Datagrams waiting for ARP, at most (the oldest are dropped beyond).
    static constexpr std::size_t kMaxQueued = 256;

    explicit UserStack(MacAddr mac);

    [[nodiscard]] const MacAddr& mac() const { return mac_; }
    /// Holds \p ip as a host address (/32: no subnet-directed broadcast).
    void add_address(Ipv4Addr ip);
    /// Holds \p ip in a subnet of \p prefix_len bits (0-32): datagrams to the
    /// subnet's broadcast address are accepted, and sent to the broadcast MAC.
    void add_address(Ipv4Addr ip, int prefix_len);
    void remove_address(Ipv4Addr ip);
    [[nodiscard]] bool holds(Ipv4Addr ip) const;
    [[nodiscard]] const std::vector<Ipv4Addr>& addresses() const { return addresses_; }

    /// Feeds one received Ethernet frame. Returns the UDP datagram when it is
    /// for us (our MAC or broadcast, and our address, 255.255.255.255, the
    /// broadcast address of a subnet we hold, or any address when
    /// \p promiscuous_ip is set: a DHCP client has no address yet). ARP
    /// requests for our addresses are answered (see take_frames). Every
    /// frame feeds the ARP cache (ARP senders, IPv4 source MAC/IP), which
    /// also releases datagrams waiting for that address. Frames from our
    /// own MAC, VLAN-tagged frames, bad IP/UDP checksums and cut datagrams
    /// are ignored; IPv4 fragments are put back together. A UDP checksum
    /// field that holds just the pseudo-header sum is accepted: on veth, tap
    /// and bridges the sending kernel leaves the checksum to offload
    /// (CHECKSUM_PARTIAL) and a capture sees it unfinished.
    std::optional<Datagram> on_frame(TimePoint now, ByteView frame, bool promiscuous_ip = false);
    /// Queues a datagram. Destination MAC: dst_mac when not zero; broadcast
    /// for 255.255.255.255 and for a held subnet's broadcast; 01:00:5e:... for
    /// multicast; else the ARP cache, or ARP (see kArpRetries). A zero
    /// src_mac becomes mac().
    void send(TimePoint now, Datagram d);
    /// Sends one ARP probe for \p ip (sender 0.0.0.0, RFC 5227) and from then
    /// on reports any ARP from another MAC that claims \p ip (a reply, an
    /// announcement, or its own probe for it) via conflict(). Call again to
    /// send another probe; the caller decides how long to listen.
    void probe(TimePoint now, Ipv4Addr ip);
    /// Another MAC claiming \p ip: an address we probed, or one we hold.
    [[nodiscard]] std::optional<MacAddr> conflict(Ipv4Addr ip) const;
    void on_timer(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    /// Frames ready to go out (replies, requests, datagrams).
    std::vector<Bytes> take_frames();
    /// MACs learned from traffic, for tests and reports.
    [[nodiscard]] std::optional<MacAddr> lookup(Ipv4Addr ip) const;
    /// Datagrams dropped because ARP never resolved (destination, count).
    [[nodiscard]] const std::map<Ipv4Addr, std::size_t>& unresolved() const { return unresolved_; }
    /// Datagrams waiting for ARP.
    [[nodiscard]] std::size_t queued() const { return pending_.size(); }

private:
    [[nodiscard]] bool is_subnet_broadcast(Ipv4Addr ip) const;
    [[nodiscard]] Ipv4Addr arp_sender_ip(Ipv4Addr hint) const;
    void learn(Ipv4Addr ip, const MacAddr& mac);
    void on_arp(const ArpPacket& arp);
    std::optional<Datagram> deliver(const MacAddr& src_mac, const MacAddr& dst_mac,
                                    const UdpDatagram& udp, bool promiscuous_ip) const;
    void emit(const MacAddr& dst_mac, const Datagram& d);
    void send_arp_request(Ipv4Addr target, Ipv4Addr sender_hint);

    struct Pending {
        Datagram d;
        TimePoint next_try;
        int tries = 0;
    };
    MacAddr mac_;
    std::vector<Ipv4Addr> addresses_;
    std::map<Ipv4Addr, MacAddr> arp_cache_;
    std::map<Ipv4Addr, MacAddr> conflicts_;
    std::vector<Ipv4Addr> probing_;
    std::deque<Pending> pending_;
    std::vector<Bytes> out_;
    std::map<Ipv4Addr, std::size_t> unresolved_;
    std::map<Ipv4Addr, int> prefix_len_;
    Reassembler reassembler_{64};
};

/// poll() on one FrameIo with a deadline; returns when frames may be waiting
/// or the deadline passed. A signal that interrupts poll() (SIGINT/SIGTERM
/// with a handler installed) also makes wait() return, so a runner can
/// check its stop flag.
class EventLoop {
public:
    explicit EventLoop(FrameIo& io) : io_(io) {}
    /// Waits until frames arrive or \p deadline (steady clock) passes;
    /// nullopt waits for frames only. With no poll_fd (MemoryWire) it
    /// returns at once: memory runs drive their own clock.
    void wait(std::optional<TimePoint> deadline);
    static TimePoint now();
    /// Unix-epoch nanoseconds, for trace timestamps.
    static std::int64_t wall_ns();

private:
    FrameIo& io_;
};

/// When the host itself holds an address that a UserStack serves.
///
/// The usual real case: the master host already has the master's address on
/// the interface (the seed's 192.168.14.200). The kernel then answers ARP for
/// it (with the interface's MAC) and, for every UDP datagram to a port no
/// socket holds, sends ICMP port unreachable, which makes a TFTP client
/// abort. A runner that serves an address through a UserStack must:
///
///  1. ask host_has_address("", ip) (any interface: Linux answers ARP for
///     an address configured on any interface, arp_ignore=0);
///  2. if true, give the UserStack the interface's MAC
///     (PcapLive::hardware_mac()), so that its ARP replies and the kernel's
///     agree, and
///  3. hold, for as long as it serves, every UDP port it receives on at that
///     address: the well-known ones (67, 4011, 69) with hold_udp(ip, port)
///     and each TFTP transfer's own port (TID) with hold_udp(ip, 0), whose
///     port() is the one to use, so that the kernel picked a free one.
///
/// Datagrams to a broadcast address never draw ICMP errors, so only what
/// arrives unicast matters (DHCP renewals to 67, boot server discovery on
/// 4011, TFTP). If false, nothing is needed: the kernel ignores datagrams for
/// addresses it does not have. The socket is an ordinary UDP socket with SO_REUSEADDR and a
/// tiny receive buffer, bound to the address; it is never read, so the
/// kernel delivers to it and drops once its buffer is full, silently. The
/// user-space stack still sees every frame through libpcap.
class PortHold {
public:
    /// Binds UDP \p ip:\p port (port 0: a free ephemeral port). Fails when the
    /// host does not have \p ip (then no hold is needed) or another program
    /// holds the port without SO_REUSEADDR (a DHCP or TFTP server already
    /// running: the message says so).
    static Result<PortHold> hold_udp(Ipv4Addr ip, std::uint16_t port);
    PortHold(PortHold&& other) noexcept;
    PortHold& operator=(PortHold&& other) noexcept;
    PortHold(const PortHold&) = delete;
    PortHold& operator=(const PortHold&) = delete;
    ~PortHold();
    [[nodiscard]] Ipv4Addr address() const { return ip_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] int fd() const { return fd_; }

private:
    PortHold(int fd, Ipv4Addr ip, std::uint16_t port) : fd_(fd), ip_(ip), port_(port) {}
    int fd_ = -1;
    Ipv4Addr ip_;
    std::uint16_t port_ = 0;
};

/// True when \p ip is configured on \p iface (an empty name: on any
/// interface), as the kernel of this network namespace sees it.
bool host_has_address(const std::string& iface, Ipv4Addr ip);

}  // namespace pxecheck::link
