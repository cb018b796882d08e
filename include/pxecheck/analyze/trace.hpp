#pragma once
/// \file
/// The transcript every mode produces: timestamped, directed, decoded frames
/// with their raw bytes, grouped into per-client sessions, DHCP exchanges and
/// TFTP transfers. Live client runs, the reference master, storms and capture
/// files all end up as a Trace, and the one rule engine (checks) judges it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
    Icmp,  ///< an ICMP error quoting a datagram of a transfer
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
    std::optional<link::IcmpError> icmp;
    /// For DHCP messages from the client: the stage that sent it. DECLINE and
    /// RELEASE carry no option 60 (RFC 2131 Table 5), so they inherit the
    /// stage of the client's earlier message with the same xid. Server
    /// replies get client_stage() of their own option 60, worked out once
    /// here because the rules ask for it many times.
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
    /// The first ICMP error that quotes one of its datagrams: the server's
    /// host refusing the RRQ ("port unreachable": no TFTP service there), a
    /// router on the way, or the client's host refusing DATA (it went away).
    struct Unreachable {
        std::size_t frame = 0;
        std::int64_t time_ns = 0;
        link::IcmpError icmp;
        bool refused_client = false;  ///< it quotes the client's datagram (the server side refused)
        std::size_t count = 1;        ///< ICMP errors about the transfer in all
    };
    std::optional<Unreachable> unreachable;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
};

/// Which program ran a boot attempt's DHCP, from what the wire shows: option
/// 60 PXEClient is a PXE ROM (EDK2, a NIC's option ROM), unless option 77
/// says "iPXE" (iPXE sends PXEClient too, whether it is the ROM or a
/// chainloaded undionly.kpxe/ipxe.efi); HTTPClient is UEFI HTTP boot;
/// anything else is a later stage (the NBP, a boot loader, the OS).
enum class AttemptStage : std::uint8_t { Unknown, PxeFirmware, Ipxe, HttpBoot, LaterStage };
/// "pxe-firmware", "ipxe", "uefi-http", "later-stage", "unknown" (no client
/// DHCP in the attempt: a capture that starts mid-boot).
std::string_view to_string(AttemptStage s);
/// The stage of a client DHCP message (see AttemptStage).
AttemptStage attempt_stage(const wire::DhcpMessage& msg);

/// What the earlier attempts of the same machine (MAC) showed, kept with an
/// attempt when it starts so that it can be judged alone (its predecessors
/// may be gone: streaming frees a finished attempt).
struct EarlierAttempts {
    std::uint32_t count = 0;          ///< attempts of this MAC before this one
    bool offered = false;             ///< a server OFFERed to one of them
    /// How many of the attempts just before this one, in a row, were refused
    /// with DHCPNAK (a NAK loop when this one is refused too).
    std::uint32_t naked_in_a_row = 0;
    /// The last file one of them downloaded complete over TFTP ("" none):
    /// the program that most likely runs this attempt's DHCP.
    std::string downloaded;
    /// When that download ended (capture time; 0 when none).
    std::int64_t downloaded_end_ns = 0;
    /// How many attempts in a row, up to the one that fetched `downloaded`,
    /// fetched that same file last (1: only that one): a chainload loop
    /// fetches it round after round.
    std::uint32_t downloaded_rounds = 0;
};

/// What the attempt after this one of the same machine showed by the time
/// this one was handed over (it stays until the next one has ended, so that
/// a DECLINE or a NAK can be judged by what the client did next).
struct NextAttempt {
    std::uint32_t attempt = 0;   ///< its number (0: no later attempt seen)
    Ipv4Addr bound;              ///< the address it was ACKed (zero: none yet)
    std::size_t bound_frame = 0; ///< frame number of that ACK
};

/// One boot attempt of a client MAC as seen on the wire. A machine's traffic
/// is cut into attempts: a new one starts at a client DISCOVER (or an
/// INIT-REBOOT REQUEST) once the current attempt has ended (bound, NAKed,
/// declined, released, or fetched a file), went quiet for over 64 s, or
/// when a different stage (AttemptStage) starts its DHCP. The ROM, the iPXE
/// it loads and the NBP's DHCP are three attempts of one machine; so is each
/// reboot of a machine in a boot loop.
struct ClientSession {
    MacAddr mac;
    std::uint32_t attempt = 1;        ///< 1-based, per MAC, in order of start
    AttemptStage stage = AttemptStage::Unknown;  ///< of its first client DHCP message
    EarlierAttempts earlier;
    NextAttempt next;
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
    /// The first session (attempt) of \p mac, or nullptr.
    [[nodiscard]] const ClientSession* session(const MacAddr& mac) const;
};

/// Stage of a DHCP client message from its option 60 alone (see ClientStage).
ClientStage client_stage(const wire::DhcpMessage& msg);
/// Stage of a client frame as the TraceBuilder settled it (Frame::stage),
/// falling back to client_stage() of its DHCP message.
ClientStage frame_stage(const Frame& f);
/// client_stage() of the frame's own DHCP message (no inheritance for
/// DECLINE and RELEASE), from what the TraceBuilder worked out already.
ClientStage own_stage(const Frame& f);

/// Streaming analysis (TraceBuilder::stream): when a session counts as
/// complete and leaves the builder.
struct StreamOptions {
    /// A session whose last frame is older than this (capture time) is
    /// complete, unless one of its TFTP transfers is still unfinished.
    std::int64_t idle_horizon_ns = 120'000'000'000;
    /// A session with an unfinished transfer waits max(horizon, this) of
    /// silence: a transfer the client gave up on must not hold it forever.
    std::int64_t open_transfer_grace_ns = 300'000'000'000;
    /// Frames of no session (BOOTP too short for its header, malformed
    /// frames) go out as a session-less piece when idle like a session, or
    /// once this many are held.
    std::size_t max_orphan_frames = 4096;
    /// IPv4 fragments of a datagram that has not completed after this are
    /// dropped (Linux's reassembly timer).
    std::int64_t fragment_timeout_ns = 30'000'000'000;
};

/// Receives one complete session cut out of the capture as its own Trace:
/// `sessions` holds that one client (or nothing, for frames of no session),
/// `frames` and `transfers` only its own, with their original frame numbers,
/// and `first_time_ns`/`last_time_ns` those of the capture so far. Run the
/// rules on it, keep what the report needs, and let it go.
using SessionSink = std::function<void(Trace&& piece)>;

/// Builds a Trace from frames as they arrive (from a file or a live link).
///
/// By default every kept frame stays until finish() (live runs, tests,
/// `analyze --whole-trace`). After stream(), memory is bounded by the
/// sessions still live instead: each complete session is handed to the sink
/// and freed, and finish() hands the rest to the sink too.
class TraceBuilder {
public:
    explicit TraceBuilder(std::string source, int linktype = link::linktype::kEthernet);
    /// Adds one captured frame. \p number is its 1-based number in the source.
    void add(std::size_t number, std::int64_t time_ns, ByteView data,
             std::uint32_t original_length = 0);
    /// Adds a frame with consecutive numbering (live use and tests).
    void add(std::int64_t time_ns, ByteView data);
    void add_source_anomaly(Anomaly a);
    /// Switches to streaming before the first frame (see SessionSink).
    void stream(SessionSink sink, StreamOptions options = {});
    /// Finishes sessions and transfers and hands over the trace. Streaming:
    /// every remaining session goes to the sink first (in order of first
    /// appearance), and the trace returned holds only the capture's
    /// description: source, link type, frame count, times, source anomalies.
    Trace finish() &&;

    /// Sessions and kept frames held right now (streaming: the live ones).
    [[nodiscard]] std::size_t live_sessions() const;
    [[nodiscard]] std::size_t live_frames() const;
    /// IPv4 datagrams waiting for fragments.
    [[nodiscard]] std::size_t pending_fragments() const;

    TraceBuilder(const TraceBuilder&) = delete;
    TraceBuilder& operator=(const TraceBuilder&) = delete;
    TraceBuilder(TraceBuilder&&) noexcept;
    ~TraceBuilder();

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace pxecheck::analyze
