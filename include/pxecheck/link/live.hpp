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
    /// (e.g. "arp or udp"). Our own injected frames are not read back.
    static std::variant<std::unique_ptr<PcapLive>, OpenError> open(const std::string& iface,
                                                                   const std::string& filter);
    ~PcapLive() override;
    Status send(ByteView frame) override;
    std::vector<RxFrame> receive() override;
    [[nodiscard]] int poll_fd() const override;
    /// The interface's own MAC and MTU (for defaults and TFTP blksize caps).
    [[nodiscard]] MacAddr hardware_mac() const;
    [[nodiscard]] int mtu() const;

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

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A user-space IPv4 host on one Ethernet segment.
class UserStack {
public:
    explicit UserStack(MacAddr mac);

    [[nodiscard]] const MacAddr& mac() const { return mac_; }
    void add_address(Ipv4Addr ip);
    void remove_address(Ipv4Addr ip);
    [[nodiscard]] bool holds(Ipv4Addr ip) const;

    /// Feeds one received frame. Returns the UDP datagram when it is for us
    /// (our MAC or broadcast, and our address, broadcast, or any address when
    /// \p promiscuous_ip is set: a DHCP client has no address yet). ARP
    /// requests for our addresses are answered (see take_frames).
    std::optional<Datagram> on_frame(TimePoint now, ByteView frame, bool promiscuous_ip = false);
    /// Queues a datagram; when dst_mac is zero and dst_ip is not broadcast,
    /// resolves the MAC from the ARP cache or by ARP (retried 3 times, 1 s apart).
    void send(TimePoint now, Datagram d);
    /// Sends an ARP probe for \p ip (sender 0.0.0.0, RFC 5227) and reports
    /// any reply or probe for it from another MAC via conflict().
    void probe(TimePoint now, Ipv4Addr ip);
    [[nodiscard]] std::optional<MacAddr> conflict(Ipv4Addr ip) const;
    void on_timer(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    /// Frames ready to go out (replies, requests, datagrams).
    std::vector<Bytes> take_frames();
    /// MACs learned from traffic, for tests and reports.
    [[nodiscard]] std::optional<MacAddr> lookup(Ipv4Addr ip) const;
    /// Datagrams dropped because ARP never resolved (destination, count).
    [[nodiscard]] const std::map<Ipv4Addr, std::size_t>& unresolved() const { return unresolved_; }

private:
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
};

/// poll() on one FrameIo with a deadline; returns when frames may be waiting
/// or the deadline passed. Also wakes on SIGINT/SIGTERM when stop() is wired.
class EventLoop {
public:
    explicit EventLoop(FrameIo& io) : io_(io) {}
    /// Waits until frames arrive or \p deadline (steady clock) passes.
    void wait(std::optional<TimePoint> deadline);
    static TimePoint now();
    /// Unix-epoch nanoseconds, for trace timestamps.
    static std::int64_t wall_ns();

private:
    FrameIo& io_;
};

}  // namespace pxecheck::link
