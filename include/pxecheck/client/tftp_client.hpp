#pragma once
/// \file
/// Sans-I/O TFTP read client (RFC 1350, options per RFC 2347/2348/2349/7440):
/// datagrams and time in, datagrams and a deadline out.

#include <cstdint>
#include <optional>
#include <string>
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
};

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

private:
    struct State;
    TftpRequest request_;
    TftpResult result_;
    std::shared_ptr<State> state_;
};

}  // namespace pxecheck::client
