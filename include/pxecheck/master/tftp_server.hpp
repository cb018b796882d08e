#pragma once
/// \file
/// The reference TFTP server (read-only) as a sans-I/O machine: datagrams and
/// time in, datagrams and the next deadline out.
///
/// What it does (conformance catalogue section 6):
///  - RRQ with options (RFC 2347): blksize (2348) capped by `max_blksize`,
///    tsize (2349, the size actually sent), timeout (2349, echoed and used),
///    windowsize (7440) capped by `max_windowsize`; malformed or unknown
///    options are dropped, never refused (TFTP-014). With options accepted it
///    sends OACK and waits for ACK 0, re-sending the OACK on timeout
///    (TFTP-015); with none, DATA 1 at once.
///  - Modes octet and netascii (LF -> CR LF, CR -> CR NUL; tsize counts the
///    converted bytes); others get ERROR 4.
///  - Windowed send (RFC 7440 §4): a window of blocks, then wait; an ACK of
///    the last block sends the next window, an earlier ACK restarts at the
///    block after it; a timeout restarts at last-ACKed + 1. windowsize 1 is
///    RFC 1350 lockstep.
///  - Sorcerer's Apprentice fix (RFC 1123 §4.2.3.1, TFTP-009): an ACK that
///    acknowledges nothing new never causes a resend; only a timeout does.
///  - Retransmission: `retry_initial` doubling up to `retry_max`, at most
///    `max_retries` resends, then the transfer is given up. A negotiated
///    timeout option replaces `retry_initial` (and raises the cap to it).
///  - Every transfer has its own port (TID) from the PortAllocator; packets
///    to it from another address/port get ERROR 5 and the transfer goes on
///    (TFTP-005). The TID of a refused request (ERROR 1/2/4) is taken and
///    given back at once, so that the error also comes from a new TID.
///  - WRQ: ERROR 4 "read-only server" (TFTP-012 names WRQ an illegal
///    operation for a server that takes no writes). Missing file ERROR 1,
///    permission ERROR 2 (from the FileSource).
///  - Block numbers wrap from 65535 to 0; a file of an exact multiple of
///    blksize ends with an empty DATA (TFTP-007).
///  - Broadcast RRQs are ignored (RFC 1123 §4.2.3.5), and so is a repeated
///    RRQ from an address and port that already has a transfer running.
///
/// Ports: the runner must receive on every port in use, and when the host
/// itself holds server_ip it must hold each one with a socket so that the
/// kernel sends no ICMP port unreachable (link::PortHold). The default
/// RangePortAllocator picks from a range; a runner that prefers ports the
/// kernel chose passes its own PortAllocator. Started and finished transfer
/// events name the port, and ports_in_use() lists them all.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/clock.hpp"
#include "pxecheck/link/datagram.hpp"
#include "pxecheck/master/file_source.hpp"

namespace pxecheck::master {

/// Hands out the server-side ports (TIDs) of transfers.
class PortAllocator {
public:
    virtual ~PortAllocator() = default;
    /// A port no running transfer uses; nullopt when none is left.
    virtual std::optional<std::uint16_t> acquire() = 0;
    /// The transfer on \p port has ended.
    virtual void release(std::uint16_t port) = 0;
};

/// Ports from [first, last], handed out round robin so that a port just
/// released is not reused at once (a late packet of the old transfer would
/// land in the new one).
class RangePortAllocator final : public PortAllocator {
public:
    RangePortAllocator(std::uint16_t first, std::uint16_t last);
    std::optional<std::uint16_t> acquire() override;
    void release(std::uint16_t port) override;

private:
    std::uint16_t first_;
    std::uint16_t last_;
    std::uint32_t next_;
    std::set<std::uint16_t> used_;
};

struct TftpServerConfig {
    Ipv4Addr server_ip;
    MacAddr server_mac;
    std::uint16_t listen_port = 69;
    /// Largest blksize granted: an untagged 1500 MTU less IPv4 (20), UDP (8)
    /// and TFTP (4) headers.
    std::uint16_t max_blksize = 1468;
    /// Largest windowsize granted.
    std::uint16_t max_windowsize = 64;
    /// Retransmission schedule (the tool's documented default: 1 s doubling
    /// to 8 s, 5 resends).
    Micros retry_initial{std::chrono::seconds(1)};
    Micros retry_max{std::chrono::seconds(8)};
    int max_retries = 5;
    /// Transfers at once; further RRQs get ERROR 0 "server busy".
    std::size_t max_transfers = 256;
    /// Range of the built-in port allocator (when none is passed in).
    std::uint16_t port_first = 49152;
    std::uint16_t port_last = 65535;
};

/// A transfer's progress, for the serve runner.
struct TransferEvent {
    enum class Kind : std::uint8_t {
        Started,     ///< RRQ accepted: OACK or DATA 1 sent from `server_port`
        Completed,   ///< last block acknowledged
        Failed,      ///< gave up: no ACK after the last resend
        Aborted,     ///< the client ended it with ERROR (UEFI does after reading tsize)
        Refused,     ///< RRQ/WRQ answered with ERROR (no transfer)
        WrongTid,    ///< a packet from another port got ERROR 5
        Ignored,     ///< a packet that was dropped (broadcast RRQ, repeat, junk)
    };
    Kind kind = Kind::Started;
    TimePoint at{};
    std::uint64_t transfer = 0;        ///< 1, 2, ... (0 for Refused/Ignored)
    std::string file;
    MacAddr client_mac;
    Ipv4Addr client_ip;
    std::uint16_t client_port = 0;
    std::uint16_t server_port = 0;
    std::uint64_t file_size = 0;       ///< octets to send (after netascii)
    std::uint64_t bytes_acked = 0;     ///< octets the client has acknowledged
    std::uint32_t retransmissions = 0;
    std::uint16_t error_code = 0;      ///< the ERROR code of Refused / Aborted / WrongTid
    /// In words: the options granted, why it failed, what was ignored.
    std::string detail;
};
std::string to_string(TransferEvent::Kind k);  ///< "started", ...

/// A running transfer, for the serve runner's display.
struct TransferView {
    std::uint64_t transfer = 0;
    std::string file;
    MacAddr client_mac;
    Ipv4Addr client_ip;
    std::uint16_t client_port = 0;
    std::uint16_t server_port = 0;
    std::uint32_t blksize = 512;
    std::uint32_t windowsize = 1;
    std::uint64_t file_size = 0;
    std::uint64_t bytes_acked = 0;
    std::uint32_t retransmissions = 0;
    TimePoint started{};
};

class TftpServer {
public:
    /// \p files and \p ports (if given) must outlive the server; without
    /// \p ports a RangePortAllocator over the config's range is used.
    TftpServer(TftpServerConfig config, FileSource& files, PortAllocator* ports = nullptr);
    ~TftpServer();
    TftpServer(const TftpServer&) = delete;
    TftpServer& operator=(const TftpServer&) = delete;

    /// A datagram for the server: to `listen_port` (requests) or to the
    /// port of a running transfer, at server_ip. Datagrams to other ports or
    /// other hosts are ignored.
    void on_datagram(TimePoint now, const link::Datagram& d);
    void on_timer(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    std::vector<link::Datagram> take_output();
    std::vector<TransferEvent> take_events();

    [[nodiscard]] std::vector<TransferView> transfers() const;
    /// Ports of the running transfers (the runner must receive on them).
    [[nodiscard]] std::vector<std::uint16_t> ports_in_use() const;
    [[nodiscard]] const TftpServerConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// RFC 764 netascii: LF -> CR LF, CR -> CR NUL.
Bytes to_netascii(ByteView data);

}  // namespace pxecheck::master
