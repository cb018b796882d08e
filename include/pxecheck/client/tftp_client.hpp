#pragma once
/// \file
/// Sans-I/O TFTP read client (RFC 1350, options per RFC 2347/2348/2349/7440):
/// datagrams and time in, datagrams and a deadline out.
///
/// What it does, in the order a transfer goes:
/// - RRQ with the asked options (blksize, tsize "0", windowsize, timeout,
///   extras), from `client_port` to `server:server_port`.
/// - The first answer fixes the server's TID (address and port). Packets from
///   any other address or port get ERROR 5 and do not disturb the transfer.
/// - OACK: every option must be one we asked for, within its range (blksize
///   8..asked, windowsize 1..asked, timeout == asked), else ERROR 8 and fail.
///   Only acknowledged values are used; ACK 0 accepts it.
/// - DATA 1 instead of an OACK: the server ignores options, so plain 512-octet
///   lockstep. ERROR right after an RRQ with options (ERROR 8, or a server that
///   rejects what it cannot parse): one retry without options from the next
///   port. File-level errors (1 not found, 2 access violation) are final.
/// - Windowed receive (RFC 7440): ACK the last block of each window; on a gap
///   ACK the last in-order block once; a short block ends the file.
/// - Block numbers wrap from 65535 to 0.
/// - After the last block: ACK, done() at once, and re-ACK a repeated last
///   block for one retry period (dallying, RFC 1350 §6).
/// - Timeout: resend the last packet, doubling the wait up to `retry_max`,
///   `max_retries` times without progress, then Timeout.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/base/clock.hpp"
#include "pxecheck/link/datagram.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::client {

struct TftpRequest {
    std::string filename;
    Ipv4Addr server;
    std::uint16_t server_port = 69;
    Ipv4Addr client_ip;
    std::uint16_t client_port = 0;      ///< chosen by the caller (random ephemeral)
    MacAddr client_mac;
    std::uint16_t blksize = 1432;       ///< 0: do not ask
    bool tsize = true;
    std::uint16_t windowsize = 0;       ///< 0: do not ask
    std::uint8_t timeout_option = 0;    ///< 0: do not ask
    /// Retransmission: start, doubling, cap, tries (the tool's documented default).
    Micros retry_initial{std::chrono::seconds(1)};
    Micros retry_max{std::chrono::seconds(8)};
    int max_retries = 5;
    /// Unknown options to send (for the --probe that tests TFTP-014).
    std::vector<wire::TftpOption> extra_options;

    // --- added with the implementation ---------------------------------------
    /// Write tsize before blksize/windowsize in the RRQ (EDK2's order).
    bool tsize_first = false;
    /// A size query, as EDK2 and the Intel-style ROM make before the real
    /// download: stop at the OACK with ERROR 8 `size_probe_message` instead of
    /// ACK 0. The result is Complete with `tsize` (and no data). A server that
    /// answers DATA 1 or refuses the options (ERROR 8) ends the probe the same
    /// way, without a size.
    bool size_probe = false;
    std::string size_probe_message = "User aborted the transfer";  ///< EDK2's text
    std::string mode = "octet";

    // --- added with the probes (--probe) --------------------------------------
    /// duplicate-ack (TFTP-009): once the transfer is known to be lockstep
    /// (windowsize 1), ACK every new DATA block twice, back to back, until a
    /// resend provoked by a duplicate shows up (then the point is made and
    /// the doubling stops, so a buggy server's traffic does not grow).
    bool duplicate_acks = false;
    /// tftp-foreign-tid (TFTP-005): right after the first ACK of a DATA block
    /// that is not the last, send that ACK once more from this port to the
    /// server's TID, and record what comes back to it. 0: never.
    std::uint16_t foreign_tid_port = 0;
};

/// A packet that came to the tftp-foreign-tid probe's port.
struct TftpStrayAnswer {
    std::uint16_t opcode = 0;
    std::uint16_t value = 0;   ///< DATA/ACK block, ERROR code
    std::string message;       ///< ERROR text
    Ipv4Addr from_ip;
    std::uint16_t from_port = 0;
    TimePoint at{};
};

struct TftpResult {
    enum class Status { Running, Complete, Error, Timeout } status = Status::Running;
    Bytes data;
    std::uint32_t blksize = 512;
    std::uint32_t windowsize = 1;
    std::optional<std::uint64_t> tsize;
    std::optional<std::vector<wire::TftpOption>> oack;
    std::uint16_t error_code = 0;
    std::string error_message;
    bool retried_without_options = false;  ///< after ERROR 8 or an option refusal
    std::uint32_t retransmissions = 0;     ///< our own resends
    std::uint32_t duplicate_blocks = 0;    ///< DATA received again
    TimePoint started{};
    TimePoint finished{};
    std::string problem;  ///< why it stopped, in words, when not Complete

    // --- added with the implementation ---------------------------------------
    /// The server's TID (port), once its first answer came.
    std::optional<std::uint16_t> server_tid;
    /// DATA blocks taken in order (counts past the 16-bit wrap).
    std::uint64_t blocks = 0;
    /// The block number went from 65535 to 0.
    bool wrapped = false;
    /// ERROR 5 answers sent to packets from a foreign address or port.
    std::uint32_t foreign_packets = 0;
    /// Who ended the transfer when it failed: the server sent ERROR (true),
    /// or we did (timeout, option refusal, abort).
    bool error_from_server = false;

    // --- added with the probes (--probe) --------------------------------------
    /// The server's answer to the first RRQ, before any retry without
    /// options: opcode (DATA 3, ERROR 5, OACK 6), and for ERROR its code and
    /// text. The OACK itself is `oack`.
    std::optional<std::uint16_t> first_answer;
    std::uint16_t first_error_code = 0;
    std::string first_error_message;
    std::uint16_t first_port = 0;          ///< the port the first RRQ went from
    /// duplicate-ack: second copies of ACKs sent, and the DATA blocks that
    /// came again within kProvokedGap of their first copy while ACKs were
    /// doubled (a resend answering the duplicate, not a timeout).
    std::uint32_t duplicate_acks_sent = 0;
    std::uint32_t provoked_repeats = 0;
    std::vector<std::uint16_t> provoked_blocks;  ///< the first few
    Micros first_provoked_gap{};
    /// tftp-foreign-tid: the stray ACK (when it was sent) and what came back.
    struct ForeignTid {
        std::uint16_t port = 0;        ///< the second port
        std::uint16_t block = 0;       ///< the block number of the stray ACK
        std::uint16_t server_tid = 0;  ///< where it went
        std::uint64_t blocks_before = 0;
        TimePoint sent_at{};
        std::vector<TftpStrayAnswer> answers;
    };
    std::optional<ForeignTid> foreign_tid;
};

std::string to_string(TftpResult::Status s);

class TftpClient {
public:
    explicit TftpClient(TftpRequest request);
    void start(TimePoint now);
    void on_datagram(TimePoint now, const link::Datagram& d);
    void on_timer(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    std::vector<link::Datagram> take_output();
    [[nodiscard]] const TftpResult& result() const { return result_; }
    [[nodiscard]] bool done() const { return result_.status != TftpResult::Status::Running; }
    [[nodiscard]] const TftpRequest& request() const { return request_; }
    /// A repeat of a DATA block sooner than this after its first copy cannot
    /// be a timeout resend (RFC 2349 timeouts are whole seconds, servers'
    /// defaults 1 s or more): with duplicate_acks it counts as provoked.
    static constexpr Micros kProvokedGap{std::chrono::milliseconds(500)};

    /// The port the client uses now (client_port, or the next one after a
    /// retry without options).
    [[nodiscard]] std::uint16_t client_port() const;
    /// Ends a running transfer: ERROR 0 with \p reason to the server (when its
    /// TID is known), status Error.
    void abort(TimePoint now, std::string_view reason);

private:
    struct State;
    TftpRequest request_;
    TftpResult result_;
    std::shared_ptr<State> state_;
};

}  // namespace pxecheck::client
