#pragma once
/// \file
/// The transcript every mode produces: timestamped, directed, decoded frames
/// with their raw bytes, grouped into per-client sessions, DHCP exchanges and
/// TFTP transfers. Live client runs, the reference master, storms and capture
/// files all end up as a Trace, and the one rule engine (checks) judges it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::analyze {

/// What a frame carries, decided from ports and contents.
enum class Protocol : std::uint8_t {
    Dhcp,        ///< BOOTP/DHCP on 67/68
    BootServer,  ///< PXE proxyDHCP / boot server traffic on UDP 4011
    Tftp,
    Arp,
    Other,
};

/// Direction relative to the booting client.
enum class Direction : std::uint8_t { FromClient, ToClient, Unknown };

/// The client stage that sent a DHCP request: the NIC's PXE firmware
/// (option 60 starts "PXEClient"), a later boot program or OS (no PXEClient),
/// or UEFI HTTP boot.
enum class ClientStage : std::uint8_t { Firmware, LaterStage, HttpBoot };

/// One frame of the transcript.
struct Frame {
    std::size_t number = 0;       ///< 1-based, as in the source capture
    std::int64_t time_ns = 0;     ///< absolute time (Unix epoch for captures)
    Protocol protocol = Protocol::Other;
    Direction direction = Direction::Unknown;
    MacAddr src_mac;
    MacAddr dst_mac;
    std::vector<std::uint16_t> vlans;
    std::optional<link::UdpDatagram> udp;
    std::optional<link::ArpPacket> arp;
    std::optional<wire::DhcpMessage> dhcp;
    std::optional<wire::TftpPacket> tftp;
    /// For DHCP messages from the client: the stage that sent it. DECLINE and
    /// RELEASE carry no option 60 (RFC 2131 Table 5), so they inherit the
    /// stage of the client's earlier message with the same xid.
    std::optional<ClientStage> stage;
    /// Link, IP, UDP and payload decoder anomalies for this frame.
    Anomalies anomalies;
    /// The frame as captured. Bulk TFTP DATA frames keep an empty `raw` and
    /// payload (their size and hash live in the transfer) to bound memory.
    Bytes raw;
    std::uint32_t original_length = 0;
};



/// One TFTP read (or write) between a client port and a server.
struct TftpTransfer {
    MacAddr client_mac;
    Ipv4Addr client_ip;
    std::uint16_t client_port = 0;
    Ipv4Addr server_ip;
    std::uint16_t request_port = wire::kTftpPort;  ///< where the RRQ went (69)
    std::uint16_t server_tid = 0;                  ///< port the server answered from (0: no answer)
    bool write = false;                            ///< WRQ
    std::string filename;
    std::string mode;
    std::vector<wire::TftpOption> requested;
    std::optional<std::vector<wire::TftpOption>> oack;
    std::size_t request_frame = 0;                 ///< frame number of the RRQ/WRQ

    /// Per-packet record of the transfer after the request, in order, kept
    /// small so that large files stay cheap.
    struct Event {
        std::size_t frame = 0;
        std::int64_t time_ns = 0;
        bool from_client = false;
        std::uint16_t opcode = 0;
        std::uint16_t block = 0;      ///< DATA/ACK block; ERROR code
        std::uint32_t size = 0;       ///< DATA payload size
        std::uint16_t src_port = 0;
        std::uint16_t dst_port = 0;
    };
    std::vector<Event> events;

    /// Negotiated values (defaults when not acknowledged).
    std::uint32_t blksize = wire::kTftpDefaultBlksize;
    std::uint32_t windowsize = 1;
    std::optional<std::uint64_t> tsize;  ///< from the OACK

    std::uint64_t bytes = 0;        ///< in-order DATA bytes received
    std::string sha256;             ///< hex digest of those bytes ("" when payloads were cut)
    bool complete = false;          ///< the final short DATA block was seen
    bool payload_missing = false;   ///< snaplen cut some DATA, hash not meaningful
    std::uint32_t retransmissions = 0;  ///< repeated DATA blocks
    struct ErrorInfo {
        std::uint16_t code = 0;
        std::string message;
        std::size_t frame = 0;
        bool from_client = false;
    };
    std::optional<ErrorInfo> error;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
};

/// One client MAC's boot as seen on the wire.
struct ClientSession {
    MacAddr mac;
    /// Indices into Trace::frames of every DHCP and 4011 frame to or from this
    /// client, in time order.
    std::vector<std::size_t> dhcp_frames;
    std::vector<std::size_t> arp_frames;
    /// Indices into Trace::transfers.
    std::vector<std::size_t> transfers;
    /// Addresses this client used or was given.
    std::vector<Ipv4Addr> addresses;
};

struct Trace {
    std::string source;      ///< file name or "live:IFACE"
    int linktype = link::linktype::kEthernet;
    std::size_t total_frames = 0;  ///< frames read, including ones not kept
    /// Times of the first and last frame read, kept or not (0 when none):
    /// how long the capture ran, e.g. to tell a silent peer from a capture
    /// that simply ends.
    std::int64_t first_time_ns = 0;
    std::int64_t last_time_ns = 0;
    std::vector<Frame> frames;     ///< kept frames, in order
    std::vector<TftpTransfer> transfers;
    std::vector<ClientSession> sessions;
    /// Problems with the source itself (truncated file, unknown link type).
    Anomalies source_anomalies;

    /// Frame with this 1-based number, or nullptr.
    [[nodiscard]] const Frame* frame_by_number(std::size_t number) const;
    /// Session for \p mac, or nullptr.
    [[nodiscard]] const ClientSession* session(const MacAddr& mac) const;
};

/// Stage of a DHCP client message from its option 60 alone (see ClientStage).
ClientStage client_stage(const wire::DhcpMessage& msg);
/// Stage of a client frame as the TraceBuilder settled it (Frame::stage),
/// falling back to client_stage() of its DHCP message.
ClientStage frame_stage(const Frame& f);

/// Builds a Trace from frames as they arrive (from a file or a live link).
class TraceBuilder {
public:
    explicit TraceBuilder(std::string source, int linktype = link::linktype::kEthernet);
    /// Adds one captured frame. \p number is its 1-based number in the source.
    void add(std::size_t number, std::int64_t time_ns, ByteView data,
             std::uint32_t original_length = 0);
    /// Adds a frame with consecutive numbering (live use and tests).
    void add(std::int64_t time_ns, ByteView data);
    void add_source_anomaly(Anomaly a);
    /// Finishes sessions and transfers and hands over the trace.
    Trace finish() &&;

    TraceBuilder(const TraceBuilder&) = delete;
    TraceBuilder& operator=(const TraceBuilder&) = delete;
    TraceBuilder(TraceBuilder&&) noexcept;
    ~TraceBuilder();

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace pxecheck::analyze
