#include "pxecheck/client/tftp_client.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <utility>

namespace pxecheck::client {

namespace {

using wire::TftpErrorCode;
using wire::TftpOpcode;
using wire::TftpOption;
using wire::TftpPacket;

constexpr std::uint16_t kMinBlksize = 8;      // RFC 2348
constexpr std::uint16_t kMaxBlksize = 65464;  // RFC 2348

/// "+2.31 s" relative to \p since.
std::string offset_text(TimePoint at, TimePoint since) {
    const double s = static_cast<double>((at - since).count()) / 1e6;
    char buf[32];
    std::snprintf(buf, sizeof buf, "+%.2f s", s);
    return buf;
}

std::string endpoint(Ipv4Addr ip, std::uint16_t port) { return ip.to_string() + ":" + std::to_string(port); }

std::string error_text(std::uint16_t code, const std::string& msg) {
    return "ERROR " + std::to_string(code) + " (" + wire::to_string(static_cast<TftpErrorCode>(code)) +
           ") \"" + msg + "\"";
}

/// The next port after \p p for a new request (a new TID), kept above 1023.
std::uint16_t next_port(std::uint16_t p) {
    return p >= 65535 ? std::uint16_t{1024} : static_cast<std::uint16_t>(p + 1);
}

}  // namespace

std::string to_string(TftpResult::Status s) {
    switch (s) {
        case TftpResult::Status::Running: return "running";
        case TftpResult::Status::Complete: return "complete";
        case TftpResult::Status::Error: return "error";
        case TftpResult::Status::Timeout: return "timeout";
    }
    return "?";
}

struct TftpClient::State {
    enum class Phase : std::uint8_t {
        Idle,
        Requesting,    ///< RRQ sent, no answer yet
        Transferring,  ///< TID fixed, receiving DATA
        Dallying,      ///< complete; re-ACK a repeated last block for a while
        Finished,
    };
    Phase phase = Phase::Idle;
    std::uint16_t port = 0;             ///< our TID now
    bool options_sent = false;          ///< the current RRQ carries options
    std::vector<TftpOption> asked;      ///< options of the current RRQ
    std::optional<std::uint16_t> server_port;
    link::Datagram last_sent;           ///< what a timeout resends
    std::string last_sent_what;         ///< "RRQ", "ACK 17" (for the problem text)
    std::optional<std::uint16_t> last_ack;
    TimePoint last_ack_at{};
    std::uint16_t last_inorder = 0;     ///< block number of the last in-order DATA
    std::uint32_t in_window = 0;        ///< blocks taken since the last ACK
    bool gap_acked = false;             ///< a gap in this window was already ACKed
    Micros initial{};
    Micros max{};
    Micros timeout{};
    int retries = 0;                    ///< resends since the last progress
    std::optional<TimePoint> deadline;
    std::optional<TimePoint> dally_until;
    std::uint16_t final_block = 0;
    std::vector<link::Datagram> out;
    /// Arrival of the latest in-order blocks, to time repeats (duplicate-ack).
    std::deque<std::pair<std::uint16_t, TimePoint>> recent;
};

namespace {
/// In-order blocks whose arrival time is kept for timing repeats.
constexpr std::size_t kRecentBlocks = 64;
/// Provoked repeats listed by block number; the rest are only counted.
constexpr std::size_t kMaxProvokedBlocks = 16;
}  // namespace

TftpClient::TftpClient(TftpRequest request)
    : request_(std::move(request)), state_(std::make_shared<State>()) {}

std::uint16_t TftpClient::client_port() const { return state_->port; }

std::optional<TimePoint> TftpClient::next_deadline() const {
    const State& s = *state_;
    switch (s.phase) {
        case State::Phase::Requesting:
        case State::Phase::Transferring: return s.deadline;
        case State::Phase::Dallying: return s.dally_until;
        default: return std::nullopt;
    }
}

std::vector<link::Datagram> TftpClient::take_output() {
    std::vector<link::Datagram> v;
    v.swap(state_->out);
    return v;
}

namespace {

/// Builds a datagram from the client to \p ip:port.
link::Datagram make_datagram(const TftpRequest& rq, std::uint16_t src_port, Ipv4Addr ip, std::uint16_t port,
                             const TftpPacket& pkt) {
    link::Datagram d;
    d.src_mac = rq.client_mac;
    d.src_ip = rq.client_ip;
    d.dst_ip = ip;
    d.src_port = src_port;
    d.dst_port = port;
    d.payload = wire::encode_tftp(pkt);
    return d;
}

std::vector<TftpOption> build_options(const TftpRequest& rq, bool with_options) {
    std::vector<TftpOption> o;
    if (!with_options) return o;
    auto tsize = [&] {
        if (rq.tsize) o.push_back({"tsize", "0"});
    };
    if (rq.tsize_first) tsize();
    if (rq.blksize != 0) o.push_back({"blksize", std::to_string(rq.blksize)});
    if (!rq.tsize_first) tsize();
    if (rq.windowsize != 0) o.push_back({"windowsize", std::to_string(rq.windowsize)});
    if (rq.timeout_option != 0) o.push_back({"timeout", std::to_string(rq.timeout_option)});
    for (const auto& e : rq.extra_options) o.push_back(e);
    return o;
}

}  // namespace

void TftpClient::start(TimePoint now) {
    State& s = *state_;
    result_ = TftpResult{};
    result_.started = now;
    s = State{};
    s.port = request_.client_port;
    s.initial = request_.retry_initial;
    s.max = std::max(request_.retry_max, request_.retry_initial);
    s.timeout = s.initial;
    s.asked = build_options(request_, true);
    s.options_sent = !s.asked.empty();
    s.phase = State::Phase::Requesting;
    s.last_sent = make_datagram(request_, s.port, request_.server, request_.server_port,
                                wire::make_rrq(request_.filename, request_.mode, s.asked));
    s.last_sent_what = "RRQ";
    s.out.push_back(s.last_sent);
    s.deadline = now + s.timeout;
    result_.first_port = s.port;
}

void TftpClient::abort(TimePoint now, std::string_view reason) {
    State& s = *state_;
    if (done()) return;
    if (s.server_port) {
        s.out.push_back(make_datagram(request_, s.port, request_.server, *s.server_port,
                                      wire::make_error(TftpErrorCode::NotDefined, reason)));
    }
    result_.status = TftpResult::Status::Error;
    result_.problem = std::string(reason);
    result_.finished = now;
    s.phase = State::Phase::Finished;
    s.deadline.reset();
}

void TftpClient::on_timer(TimePoint now) {
    State& s = *state_;
    if (s.phase == State::Phase::Dallying) {
        if (s.dally_until && now >= *s.dally_until) {
            s.phase = State::Phase::Finished;
            s.dally_until.reset();
        }
        return;
    }
    if (s.phase != State::Phase::Requesting && s.phase != State::Phase::Transferring) return;
    if (!s.deadline || now < *s.deadline) return;

    if (s.retries >= request_.max_retries) {
        result_.status = TftpResult::Status::Timeout;
        result_.finished = now;
        const std::string n = std::to_string(s.retries);
        if (s.phase == State::Phase::Requesting) {
            result_.problem = "no answer to RRQ \"" + request_.filename + "\" from " +
                              endpoint(request_.server, request_.server_port) + " after " + n + " retries";
        } else {
            const std::uint16_t want = static_cast<std::uint16_t>(s.last_inorder + 1);
            result_.problem = "no DATA " + std::to_string(want) + " from " +
                              endpoint(request_.server, s.server_port.value_or(request_.server_port)) +
                              " after " + n + " retries";
            if (s.last_ack) {
                result_.problem += " (last ACK " + std::to_string(*s.last_ack) + " at " +
                                   offset_text(s.last_ack_at, result_.started) + ")";
            }
        }
        s.phase = State::Phase::Finished;
        s.deadline.reset();
        return;
    }
    // RFC 1123 §4.2.3.2: only a timeout makes us resend, and the wait backs off.
    ++s.retries;
    ++result_.retransmissions;
    if (s.phase == State::Phase::Transferring && s.last_ack != s.last_inorder) {
        // Mid-window silence (RFC 7440): acknowledge what did arrive, so the
        // sender restarts right after it.
        s.last_sent = make_datagram(request_, s.port, request_.server, *s.server_port,
                                    wire::make_ack(s.last_inorder));
        s.last_sent_what = "ACK " + std::to_string(s.last_inorder);
        s.last_ack = s.last_inorder;
        s.last_ack_at = now;
    }
    s.in_window = 0;
    s.gap_acked = false;
    s.out.push_back(s.last_sent);
    s.timeout = std::min(s.timeout * 2, s.max);
    s.deadline = now + s.timeout;
}

void TftpClient::on_datagram(TimePoint now, const link::Datagram& d) {
    State& s = *state_;
    if (result_.foreign_tid && d.dst_port == result_.foreign_tid->port && d.dst_ip == request_.client_ip) {
        // An answer to the tftp-foreign-tid probe's stray ACK: recorded,
        // never answered (that port has no transfer to speak for).
        const TftpPacket p = wire::decode_tftp(d.payload).pkt;
        TftpStrayAnswer a;
        a.opcode = p.opcode;
        a.value = p.opcode == static_cast<std::uint16_t>(TftpOpcode::Error) ? p.error_code : p.block;
        a.message = p.error_message;
        a.from_ip = d.src_ip;
        a.from_port = d.src_port;
        a.at = now;
        if (result_.foreign_tid->answers.size() < 16) result_.foreign_tid->answers.push_back(std::move(a));
        return;
    }
    if (d.dst_port != s.port || d.dst_ip != request_.client_ip) return;
    if (s.phase == State::Phase::Idle || s.phase == State::Phase::Finished) return;

    // The TID pair is fixed by the first answer (RFC 1350 §4). Anything from
    // another address or port is answered with ERROR 5 and otherwise ignored,
    // so a second server answering the same RRQ cannot end the transfer.
    const bool from_server_ip = d.src_ip == request_.server;
    const bool tid_ok = s.server_port ? (from_server_ip && d.src_port == *s.server_port) : from_server_ip;
    if (!tid_ok) {
        ++result_.foreign_packets;
        s.out.push_back(make_datagram(request_, s.port, d.src_ip, d.src_port,
                                      wire::make_error(TftpErrorCode::UnknownTid, "Unknown transfer ID")));
        return;
    }

    const wire::TftpDecoded dec = wire::decode_tftp(d.payload);
    const TftpPacket& pkt = dec.pkt;
    const auto op = pkt.op();
    if (!op || pkt.fields_present) return;  // cut or unknown: nothing to act on

    auto send = [&](const TftpPacket& p, std::string what) {
        s.last_sent = make_datagram(request_, s.port, request_.server, *s.server_port, p);
        s.last_sent_what = std::move(what);
        s.out.push_back(s.last_sent);
    };
    auto send_ack = [&](std::uint16_t block) {
        send(wire::make_ack(block), "ACK " + std::to_string(block));
        if (s.last_ack != block) s.last_ack_at = now;
        s.last_ack = block;
        s.deadline = now + s.timeout;
    };
    auto progress = [&] {
        s.retries = 0;
        s.timeout = s.initial;
    };
    // A DATA block that came again: with doubled ACKs, one that follows its
    // first copy too closely for a timeout was provoked by the duplicate.
    auto note_repeat = [&](std::uint16_t block) {
        if (!request_.duplicate_acks) return;
        const auto it = std::find_if(s.recent.rbegin(), s.recent.rend(),
                                     [&](const auto& r) { return r.first == block; });
        if (it == s.recent.rend()) return;
        const Micros gap = std::chrono::duration_cast<Micros>(now - it->second);
        if (gap >= kProvokedGap) return;
        if (result_.provoked_repeats == 0) result_.first_provoked_gap = gap;
        ++result_.provoked_repeats;
        if (result_.provoked_blocks.size() < kMaxProvokedBlocks) result_.provoked_blocks.push_back(block);
    };
    // The ACK of a new DATA block; doubled for duplicate-ack (lockstep only:
    // RFC 7440 lets a windowed sender restart after any ACK of an earlier
    // block, so there a duplicate proves nothing), then the stray ACK of
    // tftp-foreign-tid once.
    auto ack_data = [&](std::uint16_t block, bool last) {
        send_ack(block);
        if (request_.duplicate_acks && result_.windowsize == 1 && result_.provoked_repeats == 0) {
            s.out.push_back(s.last_sent);
            ++result_.duplicate_acks_sent;
        }
        if (request_.foreign_tid_port != 0 && !result_.foreign_tid && !last &&
            request_.foreign_tid_port != s.port) {
            TftpResult::ForeignTid f;
            f.port = request_.foreign_tid_port;
            f.block = block;
            f.server_tid = *s.server_port;
            f.blocks_before = result_.blocks;
            f.sent_at = now;
            result_.foreign_tid = f;
            s.out.push_back(make_datagram(request_, f.port, request_.server, *s.server_port, wire::make_ack(block)));
        }
    };
    auto finish = [&](TftpResult::Status st, std::string problem) {
        result_.status = st;
        result_.problem = std::move(problem);
        result_.finished = now;
        s.phase = State::Phase::Finished;
        s.deadline.reset();
    };
    auto refuse = [&](std::string why) {
        // RFC 2347: the client answers an OACK it cannot accept with ERROR 8.
        s.out.push_back(make_datagram(request_, s.port, request_.server, *s.server_port,
                                      wire::make_error(TftpErrorCode::OptionRefused, why)));
        result_.error_code = static_cast<std::uint16_t>(TftpErrorCode::OptionRefused);
        result_.error_message = why;
        finish(TftpResult::Status::Error, "refused the OACK: " + why);
    };

    if (s.phase == State::Phase::Dallying) {
        if (*op == TftpOpcode::Data) note_repeat(pkt.block);
        if (*op == TftpOpcode::Data && pkt.block == s.final_block) {
            // Our last ACK was lost: the server sent the last block again.
            ++result_.duplicate_blocks;
            s.out.push_back(make_datagram(request_, s.port, request_.server, *s.server_port,
                                          wire::make_ack(s.final_block)));
        }
        return;
    }

    const bool first_answer = s.phase == State::Phase::Requesting;
    if (first_answer) {
        s.server_port = d.src_port;
        result_.server_tid = d.src_port;
        if (!result_.first_answer) {
            result_.first_answer = pkt.opcode;
            if (*op == TftpOpcode::Error) {
                result_.first_error_code = pkt.error_code;
                result_.first_error_message = pkt.error_message;
            }
        }
    }

    switch (*op) {
        case TftpOpcode::Error: {
            result_.error_code = pkt.error_code;
            result_.error_message = pkt.error_message;
            const bool file_level = pkt.error_code == static_cast<std::uint16_t>(TftpErrorCode::FileNotFound) ||
                                    pkt.error_code == static_cast<std::uint16_t>(TftpErrorCode::AccessViolation);
            if (first_answer && s.options_sent && request_.size_probe &&
                pkt.error_code == static_cast<std::uint16_t>(TftpErrorCode::OptionRefused)) {
                // The size query cannot work without options: it just ends.
                finish(TftpResult::Status::Complete, "");
                return;
            }
            if (first_answer && s.options_sent && !result_.retried_without_options && !file_level &&
                !request_.size_probe) {
                // RFC 2347: a server that refuses options answers ERROR 8; older
                // servers answer whatever they answer to a request they cannot
                // parse. Either way ask once more, plainly, with a new TID.
                result_.retried_without_options = true;
                s.port = next_port(s.port);
                s.server_port.reset();
                result_.server_tid.reset();
                s.asked.clear();
                s.options_sent = false;
                s.last_sent = make_datagram(request_, s.port, request_.server, request_.server_port,
                                            wire::make_rrq(request_.filename, request_.mode, {}));
                s.last_sent_what = "RRQ";
                s.out.push_back(s.last_sent);
                progress();
                s.deadline = now + s.timeout;
                return;
            }
            result_.error_from_server = true;
            std::string where = first_answer ? "in answer to the RRQ for \"" + request_.filename + "\""
                                             : "after block " + std::to_string(s.last_inorder) + " (" +
                                                   std::to_string(result_.blocks) + " blocks)";
            finish(TftpResult::Status::Error, "server " + endpoint(d.src_ip, d.src_port) + " sent " +
                                                  error_text(pkt.error_code, pkt.error_message) + " " + where);
            return;
        }

        case TftpOpcode::Oack: {
            if (!first_answer) {
                // The server resent its OACK: our ACK 0 got lost.
                if (result_.blocks == 0 && s.last_ack == 0) send_ack(0);
                return;
            }
            // Check every acknowledged option against what we asked (RFC 2347:
            // an OACK holds only options from the request).
            std::uint32_t blksize = wire::kTftpDefaultBlksize;
            std::uint32_t windowsize = 1;
            std::optional<std::uint64_t> tsize;
            std::optional<std::uint64_t> timeout;
            for (const auto& o : pkt.options) {
                const auto asked = std::find_if(s.asked.begin(), s.asked.end(),
                                                [&](const TftpOption& a) { return iequals(a.name, o.name); });
                if (asked == s.asked.end()) {
                    refuse("OACK carries option \"" + o.name + "\" that the RRQ did not ask for");
                    return;
                }
                const auto num = parse_decimal(o.value);
                const auto asked_num = parse_decimal(asked->value);
                if (iequals(o.name, "blksize")) {
                    if (!num || *num < kMinBlksize || *num > kMaxBlksize || (asked_num && *num > *asked_num)) {
                        refuse("blksize \"" + o.value + "\" is outside 8.." + asked->value);
                        return;
                    }
                    blksize = static_cast<std::uint32_t>(*num);
                } else if (iequals(o.name, "windowsize")) {
                    if (!num || *num < 1 || (asked_num && *num > *asked_num)) {
                        refuse("windowsize \"" + o.value + "\" is outside 1.." + asked->value);
                        return;
                    }
                    windowsize = static_cast<std::uint32_t>(*num);
                } else if (iequals(o.name, "timeout")) {
                    if (!num || (asked_num && *num != *asked_num)) {
                        refuse("timeout \"" + o.value + "\" differs from the " + asked->value + " asked");
                        return;
                    }
                    timeout = num;
                } else if (iequals(o.name, "tsize")) {
                    if (!num) {
                        refuse("tsize \"" + o.value + "\" is not a number");
                        return;
                    }
                    tsize = num;
                }
            }
            result_.oack = pkt.options;
            result_.blksize = blksize;
            result_.windowsize = windowsize;
            result_.tsize = tsize;
            if (timeout) {
                // RFC 2349: the negotiated timeout is the retransmission interval.
                s.initial = std::chrono::seconds(*timeout);
                s.max = std::max(s.max, s.initial);
                s.timeout = s.initial;
            }
            if (request_.size_probe) {
                // EDK2 (and the Intel-style ROM) only wanted tsize: stop here.
                s.out.push_back(make_datagram(request_, s.port, request_.server, *s.server_port,
                                              wire::make_error(TftpErrorCode::OptionRefused,
                                                               request_.size_probe_message)));
                finish(TftpResult::Status::Complete, "");
                return;
            }
            s.phase = State::Phase::Transferring;
            progress();
            send_ack(0);
            return;
        }

        case TftpOpcode::Data: {
            if (first_answer) {
                // No OACK: the server ignores options (RFC 2347), so the
                // transfer is plain RFC 1350: 512-octet blocks, lockstep.
                result_.blksize = wire::kTftpDefaultBlksize;
                result_.windowsize = 1;
                s.phase = State::Phase::Transferring;
                if (request_.size_probe) {
                    s.out.push_back(make_datagram(request_, s.port, request_.server, *s.server_port,
                                                  wire::make_error(TftpErrorCode::OptionRefused,
                                                                   request_.size_probe_message)));
                    finish(TftpResult::Status::Complete, "");
                    return;
                }
            }
            const std::uint16_t expected = static_cast<std::uint16_t>(s.last_inorder + 1);
            const std::uint16_t ahead = static_cast<std::uint16_t>(pkt.block - expected);
            if (ahead == 0) {
                result_.data.insert(result_.data.end(), pkt.data.begin(), pkt.data.end());
                if (pkt.block == 0 && result_.blocks > 0) result_.wrapped = true;
                s.last_inorder = pkt.block;
                ++result_.blocks;
                ++s.in_window;
                s.gap_acked = false;
                s.recent.emplace_back(pkt.block, now);
                if (s.recent.size() > kRecentBlocks) s.recent.pop_front();
                progress();
                if (pkt.data.size() < result_.blksize) {
                    // The short block ends the file (RFC 1350 §6); a window
                    // that ends early is acknowledged the same way (RFC 7440).
                    ack_data(pkt.block, true);
                    result_.status = TftpResult::Status::Complete;
                    result_.finished = now;
                    s.phase = State::Phase::Dallying;
                    s.final_block = pkt.block;
                    s.deadline.reset();
                    s.dally_until = now + s.timeout;
                    return;
                }
                if (s.in_window >= result_.windowsize) {
                    s.in_window = 0;
                    ack_data(pkt.block, false);
                } else {
                    s.deadline = now + s.timeout;
                }
                return;
            }
            if (ahead < 0x8000) {
                // A gap: some block of this window was lost. RFC 7440 §4: ACK
                // the last block received in order, once, so the sender
                // restarts from there.
                if (!s.gap_acked) {
                    s.gap_acked = true;
                    s.in_window = 0;
                    send_ack(s.last_inorder);
                }
                return;
            }
            // An old block again.
            ++result_.duplicate_blocks;
            note_repeat(pkt.block);
            if (pkt.block == s.last_inorder && s.in_window == 0 && s.last_ack == pkt.block) {
                // The server did not get our ACK of it and resent: ACK again.
                // (A duplicate ACK never makes a server resend: RFC 1123
                // §4.2.3.1; the server side of that is the master's business.)
                send_ack(pkt.block);
            }
            return;
        }

        default:
            // RRQ/WRQ/ACK from the server are meaningless here: ignore.
            return;
    }
}

}  // namespace pxecheck::client
