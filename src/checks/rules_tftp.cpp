// TFTP rules (catalogue section 6), read from the trace's transfers: one
// record per packet after the request (frame, time, side, opcode, block,
// size, ports), with the request, OACK and ERROR frames kept whole in
// Trace::frames. Rules that the catalogue marks active-only (TFTP-005, 009,
// 010, 012, 014, 016, 022, 023, 025) report here only what a capture shows
// by itself; the stimulus that provokes them belongs to the client and
// master modes.

#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>
#include <limits>

#include "context.hpp"
#include "tftp_common.hpp"

namespace pxecheck::checks::detail {

namespace {

using namespace tftp;
using wire::TftpOpcode;

/// A DATA block that extended the stream (first copy, in order).
struct Block {
    std::uint16_t block = 0;
    std::uint32_t size = 0;
    std::size_t frame = 0;
    std::int64_t time = 0;
};

/// The file's blocks in stream order: the first DATA, then every DATA that
/// steps the block number by one (65535 wraps to 0, or to 1: TFTP-026).
/// Repeats and out-of-order blocks are left out.
std::vector<Block> stream_blocks(const TftpTransfer& t) {
    std::vector<Block> out;
    for (const auto& e : t.events) {
        if (!is_data(t, e)) continue;
        if (!out.empty()) {
            const auto high = out.back().block;
            const bool next = block_delta(e.block, high) == 1 || (high == 0xffff && e.block == 1);
            if (!next) continue;
        }
        out.push_back(Block{e.block, e.size, e.frame, e.time_ns});
    }
    return out;
}

/// What every TFTP rule reads, computed once.
struct Tx {
    const Context& ctx;
    const analyze::Trace& tr;
    std::vector<Search> searches;
    /// Frame number of every request copy (RRQ/WRQ) -> transfer index.
    std::map<std::size_t, std::size_t> request_frames;
    /// stream_blocks() of each transfer, worked out once for the rules that read it.
    std::vector<std::vector<Block>> streams;

    explicit Tx(const Context& c) : ctx(c), tr(c.trace), searches(config_searches(c.trace)) {
        streams.reserve(tr.transfers.size());
        for (std::size_t ti = 0; ti < tr.transfers.size(); ++ti) {
            const auto& tt = tr.transfers[ti];
            streams.push_back(stream_blocks(tt));
            request_frames[tt.request_frame] = ti;
            for (const auto& e : tt.events)
                if (e.from_client && (is(e, TftpOpcode::Rrq) || is(e, TftpOpcode::Wrq))) request_frames[e.frame] = ti;
        }
    }
    [[nodiscard]] const TftpTransfer& t(std::size_t ti) const { return tr.transfers[ti]; }
    [[nodiscard]] Blame client(std::size_t ti) const { return client_blame(ctx, ti); }
    /// Blame for the side that sends the file's DATA / its ACKs.
    [[nodiscard]] Blame data_sender(std::size_t ti) const { return t(ti).write ? client(ti) : Blame::Master; }
    [[nodiscard]] Blame acker(std::size_t ti) const { return t(ti).write ? Blame::Master : client(ti); }
};

std::string opname(std::uint16_t op) { return wire::to_string(static_cast<TftpOpcode>(op)); }

std::string join(const std::vector<std::string>& parts, std::string_view sep = "; ") {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

bool printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

/// First anomaly of the listed kinds, or nullptr.
const Anomaly* anomaly_of(const analyze::Frame& f, std::initializer_list<std::string_view> ids) {
    for (const auto& a : f.anomalies)
        if (std::find(ids.begin(), ids.end(), a.id) != ids.end()) return &a;
    return nullptr;
}

// --- requests --------------------------------------------------------------

/// TFTP-001: a request is opcode, NUL-terminated file name and mode; the
/// mode is netascii or octet in any case ("mail" is TFTP-027's).
void tftp_001(const Tx& x, Sink& sink) {
    for (const auto& f : x.tr.frames) {
        if (!f.tftp || f.direction != analyze::Direction::FromClient) continue;
        const auto& p = *f.tftp;
        if (p.opcode != code(TftpOpcode::Rrq) && p.opcode != code(TftpOpcode::Wrq)) continue;
        auto it = x.request_frames.find(f.number);
        if (it == x.request_frames.end()) continue;
        const auto& t = x.t(it->second);
        std::string problem;
        if (p.fields_present) {
            const Anomaly* a = anomaly_of(f, {"tftp.unterminated_string", "tftp.truncated"});
            problem = a ? a->detail : "ends before its mode";
        } else if (p.filename.empty()) {
            problem = "has an empty file name";
        } else {
            const std::string mode = lower(p.mode);
            if (mode != "netascii" && mode != "octet" && mode != "mail")
                problem = "has mode " + in_quotes(p.mode) + " (netascii or octet expected)";
        }
        if (problem.empty()) continue;
        sink.add("TFTP-001", x.client(it->second), opname(p.opcode) + " " + in_quotes(p.filename) + ": " + problem,
                 {f.number}, t.client_mac);
    }
}

/// Names that are text by convention; netascii does them no harm.
bool text_file(std::string_view name) {
    const std::string n = lower(name);
    if (n.find("pxelinux.cfg/") != std::string::npos || n.find("grub.cfg") != std::string::npos) return true;
    for (std::string_view ext : {".cfg", ".conf", ".txt", ".ipxe", ".menu", ".lst"})
        if (n.size() >= ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0) return true;
    return false;
}

/// TFTP-002: boot images are read in octet mode.
void tftp_002(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        const std::string mode = lower(t.mode);
        if (t.write || (mode != "netascii" && mode != "mail") || text_file(t.filename)) continue;
        sink.add("TFTP-002", x.client(ti),
                 request_name(t) + " asks for " + mode + " mode; a boot image needs octet (netascii rewrites CR and LF)",
                 {t.request_frame}, t.client_mac);
    }
}

/// TFTP-003: with options a request stays within 512 octets; option names and
/// values are NUL-terminated printable ASCII and no name repeats.
void tftp_003(const Tx& x, Sink& sink) {
    for (const auto& f : x.tr.frames) {
        if (!f.tftp || !f.udp || f.direction != analyze::Direction::FromClient) continue;
        const auto& p = *f.tftp;
        if (p.opcode != code(TftpOpcode::Rrq) && p.opcode != code(TftpOpcode::Wrq)) continue;
        if (p.fields_present) continue;  // TFTP-001's
        auto it = x.request_frames.find(f.number);
        if (it == x.request_frames.end()) continue;
        std::vector<std::string> problems;
        const std::size_t size = std::max(f.udp->payload.size(), f.udp->declared_length);
        if (size > 512 && !p.options.empty())
            problems.push_back("is " + std::to_string(size) + " octets with options (at most 512)");
        for (const auto& a : f.anomalies) {
            // A request the capture cut short (snap length) ends mid-string in
            // the capture only: its last string is not the NIC's fault.
            const bool cut_artifact = !f.udp->complete && (a.id == "tftp.odd_option" || a.id == "tftp.unterminated_string");
            if (cut_artifact) continue;
            if (a.id == "tftp.duplicate_option" || a.id == "tftp.odd_option" || a.id == "tftp.unterminated_string")
                problems.push_back(a.detail);
        }
        for (const auto& o : p.options) {
            if (o.name.empty()) problems.push_back("has an option with an empty name");
            else if (!printable_ascii(o.name) || !printable_ascii(o.value))
                problems.push_back("option " + in_quotes(o.name) + " is not printable ASCII");
        }
        if (problems.empty()) continue;
        sink.add("TFTP-003", x.client(it->second), opname(p.opcode) + " " + in_quotes(p.filename) + ": " + join(problems),
                 {f.number}, x.t(it->second).client_mac);
    }
}

/// TFTP-018: requested blksize 8-65464, timeout 1-255, windowsize 1-65535;
/// an RRQ's tsize is 0.
void tftp_018(const Tx& x, Sink& sink) {
    struct Range {
        std::string_view name;
        std::uint64_t lo, hi;
    };
    static constexpr Range kRanges[] = {{"blksize", 8, 65464}, {"timeout", 1, 255}, {"windowsize", 1, 65535}};
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        std::vector<std::string> problems;
        for (const auto& r : kRanges) {
            const auto* o = find_option(t.requested, r.name);
            if (!o) continue;
            auto v = parse_decimal(o->value);
            if (!v || *v < r.lo || *v > r.hi)
                problems.push_back(std::string(r.name) + "=" + in_quotes(o->value) + " is outside " + std::to_string(r.lo) +
                                   "-" + std::to_string(r.hi));
        }
        if (const auto* o = find_option(t.requested, "tsize"); o && !t.write) {
            auto v = parse_decimal(o->value);
            if (!v || *v != 0) problems.push_back("tsize=" + in_quotes(o->value) + " (an RRQ asks with tsize 0)");
        }
        if (problems.empty()) continue;
        sink.add("TFTP-018", x.client(ti), request_name(t) + ": " + join(problems), {t.request_frame}, t.client_mac);
    }
}

// --- TIDs ------------------------------------------------------------------

/// TFTP-004: the server answers from a new port of its own and keeps it.
void tftp_004(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (!server_answered(t)) continue;
        const Event* first = nullptr;
        for (const auto& e : t.events)
            if (!e.from_client) {
                first = &e;
                break;
            }
        if (t.server_tid == t.request_port) {
            sink.add("TFTP-004", Blame::Master,
                     "server " + ip_text(t.server_ip) + " answered " + request_name(t) + " from port " +
                         std::to_string(t.request_port) + " instead of a new TID",
                     {first ? first->frame : t.request_frame}, t.client_mac);
        }
        // A mid-transfer switch of the server's port. A second port whose
        // first packet starts an answer (OACK, DATA 1, ERROR) is a second
        // reply to the request: TFTP-005.
        std::set<std::uint16_t> seen;
        for (const auto& e : t.events) {
            if (e.from_client || e.src_port == t.server_tid || !seen.insert(e.src_port).second) continue;
            const bool answer_start = is(e, TftpOpcode::Oack) || is(e, TftpOpcode::Error) ||
                                      (is(e, TftpOpcode::Data) && e.block == 1);
            if (answer_start) continue;
            sink.add("TFTP-004", Blame::Master,
                     "server " + ip_text(t.server_ip) + " switched " + request_name(t) + " from TID " +
                         std::to_string(t.server_tid) + " to port " + std::to_string(e.src_port) + " at " +
                         opname(e.opcode) + " " + std::to_string(e.block),
                     {e.frame}, t.client_mac);
        }
    }
}

/// TFTP-005 (passive part): a second server port answered the same request;
/// the client must send it ERROR 5 and carry on with the first TID.
void tftp_005(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (!server_answered(t)) continue;
        std::set<std::uint16_t> seen;
        for (const auto& e : t.events) {
            if (e.from_client || e.src_port == t.server_tid || !seen.insert(e.src_port).second) continue;
            const bool answer_start = is(e, TftpOpcode::Oack) || (is(e, TftpOpcode::Data) && e.block == 1);
            if (!answer_start) continue;  // TFTP-004's
            const std::uint16_t port = e.src_port;
            bool accepted = false, rejected = false;
            std::vector<std::size_t> frames{e.frame};
            for (const auto& c : t.events) {
                if (!c.from_client || c.dst_port != port) continue;
                frames.push_back(c.frame);
                if (is(c, TftpOpcode::Ack)) accepted = true;
                if (is(c, TftpOpcode::Error) && c.block == 5) rejected = true;
            }
            const bool aborted = !t.complete && t.error.has_value();
            const std::string what = "a second server port " + std::to_string(port) + " answered " + request_name(t) +
                                     " (TID " + std::to_string(t.server_tid) + ")";
            if (accepted) {
                sink.add("TFTP-005", x.client(ti), what + "; the client ACKed it instead of sending ERROR 5" +
                                                       (aborted ? " and the transfer failed" : ""),
                         frames, t.client_mac, aborted ? Severity::Fail : Severity::Warn);
            } else if (!rejected) {
                sink.add("TFTP-005", x.client(ti), what + "; the client sent it no ERROR 5", frames, t.client_mac);
            } else if (aborted) {
                sink.add("TFTP-005", x.client(ti), what + "; after the client's ERROR 5 the transfer itself failed",
                         frames, t.client_mac, Severity::Fail);
            }
        }
    }
}

// --- the data stream ---------------------------------------------------------

/// TFTP-006: DATA starts at block 1 (after an OACK too) and steps by one.
void tftp_006(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        bool first = true;
        std::uint16_t high = 0;
        std::size_t gaps = 0;
        std::string gap_detail;
        std::vector<std::size_t> frames;
        for (const auto& e : t.events) {
            if (!is_data(t, e)) continue;
            if (first) {
                first = false;
                high = e.block;
                if (e.block != 1) {
                    sink.add("TFTP-006", x.data_sender(ti),
                             request_name(t) + ": the first DATA is block " + std::to_string(e.block) + ", not 1" +
                                 (t.oack ? " (after the OACK)" : ""),
                             {e.frame}, t.client_mac);
                }
                continue;
            }
            const int d = block_delta(e.block, high);
            if (d == 1 || (high == 0xffff && e.block == 1)) {
                high = e.block;
            } else if (d > 1) {
                if (gaps++ == 0)
                    gap_detail = "DATA " + std::to_string(e.block) + " followed DATA " + std::to_string(high) +
                                 " (skipped " + std::to_string(d - 1) + " block" + (d == 2 ? "" : "s") + ")";
                frames.push_back(e.frame);
                high = e.block;
            }
            // d <= 0: a repeat or a window restart (TFTP-009/022 judge those).
        }
        if (gaps)
            sink.add("TFTP-006", x.data_sender(ti),
                     request_name(t) + ": " + gap_detail +
                         (gaps > 1 ? "; " + std::to_string(gaps) + " such jumps" : ""),
                     frames, t.client_mac);
    }
}

/// TFTP-007: all DATA but the last carry exactly blksize; the last is shorter
/// (0 octets when the file is a multiple of blksize).
void tftp_007(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        const auto& blocks = x.streams[ti];
        if (blocks.empty()) continue;
        const std::string bs = std::to_string(t.blksize) + (t.oack && find_option(*t.oack, "blksize")
                                                                ? " (negotiated)"
                                                                : " (default)");
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            const auto& b = blocks[i];
            if (b.size > t.blksize) {
                sink.add("TFTP-007", x.data_sender(ti),
                         request_name(t) + ": DATA " + std::to_string(b.block) + " carries " + std::to_string(b.size) +
                             " octets, more than blksize " + bs,
                         {b.frame}, t.client_mac);
                break;
            }
            if (b.size < t.blksize && i + 1 < blocks.size()) {
                sink.add("TFTP-007", x.data_sender(ti),
                         request_name(t) + ": DATA " + std::to_string(b.block) + " carries " + std::to_string(b.size) +
                             " octets, less than blksize " + bs + ", yet DATA " +
                             std::to_string(blocks[i + 1].block) + " followed",
                         {b.frame, blocks[i + 1].frame}, t.client_mac);
                break;
            }
        }
        // A file that is an exact multiple of blksize ends with a 0-octet
        // DATA. Seen when the OACK announced the size, every octet came in
        // full blocks, and the capture ran on without the empty block.
        const auto& last = blocks.back();
        if (t.complete || t.error || !t.tsize || *t.tsize != t.bytes || last.size != t.blksize) continue;
        std::int64_t last_time = 0;
        for (const auto& e : t.events) last_time = std::max(last_time, e.time_ns);
        if (left_after(x.tr, last_time) < kSilence) continue;
        sink.add("TFTP-007", x.data_sender(ti),
                 request_name(t) + ": the file is " + std::to_string(t.bytes) + " octets, a multiple of blksize " +
                     std::to_string(t.blksize) + ", and no 0-octet DATA " +
                     std::to_string(static_cast<std::uint16_t>(last.block + 1)) + " ended it",
                 {last.frame}, t.client_mac);
    }
}

/// TFTP-008: an ACK names the block it acknowledges; ACK 0 accepts an OACK
/// (or, from the server, a WRQ) and nothing else.
void tftp_008(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        bool oack = false, any = false, wrapped = false;
        std::uint16_t high = 0;
        std::string problem;
        std::vector<std::size_t> frames;
        for (const auto& e : t.events) {
            if (!e.from_client && is(e, TftpOpcode::Oack) && e.src_port == t.server_tid) oack = true;
            if (is_data(t, e)) {
                if (!any) {
                    high = e.block;
                    any = true;
                } else if (high == 0xffff && (e.block == 0 || e.block == 1)) {
                    high = e.block;
                    wrapped = true;
                } else if (block_delta(e.block, high) > 0) {
                    high = e.block;
                }
                continue;
            }
            if (!is_ack(t, e)) continue;
            std::string p;
            // Built only for a problem: nearly every ACK of a capture is fine.
            auto ack = [&] { return "ACK " + std::to_string(e.block); };
            if (!any) {
                if (!t.write && oack && e.block != 0) p = ack() + " answered the OACK (ACK 0 accepts it)";
                else if (!t.write && !oack) p = ack() + " came before any DATA, with no OACK to accept";
                else if (t.write && e.block != 0) p = ack() + " answered the WRQ (ACK 0 accepts it)";
            } else if (e.block == 0 && !wrapped && !oack && !t.write) {
                p = "ACK 0 after DATA " + std::to_string(high) + " acknowledges no block (no OACK was sent)";
            } else if (block_delta(e.block, high) > 0) {
                p = ack() + " acknowledges a block never sent (highest DATA " + std::to_string(high) + ")";
            }
            if (p.empty()) continue;
            if (problem.empty()) problem = p;
            frames.push_back(e.frame);
        }
        if (problem.empty()) continue;
        sink.add("TFTP-008", x.acker(ti),
                 request_name(t) + ": " + problem +
                     (frames.size() > 1 ? "; " + std::to_string(frames.size()) + " such ACKs" : ""),
                 frames, t.client_mac);
    }
}

/// TFTP-009 (passive part): the Sorcerer's Apprentice bug. A sender that
/// answers a duplicate (stale) ACK by resending the next DATA at once sends
/// every later block twice. Seen when a resend follows a stale ACK within
/// 20 ms and either its previous copy went out too recently for any
/// retransmission timer (200 ms), or it happens more than once.
void tftp_009(const Tx& x, Sink& sink) {
    constexpr std::int64_t kTriggered = 20 * kMs;
    constexpr std::int64_t kNoTimer = 200 * kMs;
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.windowsize != 1) continue;  // windowed senders restart on ACKs by design (TFTP-022)
        // A plain RRQ counts as ACK 0; with an OACK the client's ACK 0 is real.
        std::optional<std::uint16_t> acked;
        if (!t.write && !t.oack) acked = 0;
        struct Stale {
            std::uint16_t block;
            std::int64_t time;
            std::size_t frame;
        };
        std::optional<Stale> stale;
        // Time of each block's latest copy, by block number (a node per
        // DATA in a hash map cost more than the rest of the rule).
        constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
        std::vector<std::int64_t> sent;
        std::size_t count = 0;
        bool quick = false;
        std::string first;
        std::vector<std::size_t> frames;
        for (const auto& e : t.events) {
            if (is_ack(t, e)) {
                if (acked && block_delta(e.block, *acked) <= 0) {
                    stale = Stale{e.block, e.time_ns, e.frame};
                } else {
                    acked = e.block;
                    stale.reset();
                }
                continue;
            }
            if (!is_data(t, e)) continue;
            if (e.block >= sent.size()) sent.resize(std::size_t{e.block} + 1, kNever);
            const std::int64_t previous = sent[e.block];
            if (previous != kNever && stale && static_cast<std::uint16_t>(stale->block + 1) == e.block &&
                e.time_ns - stale->time <= kTriggered) {
                const std::int64_t since_prev = e.time_ns - previous;
                if (since_prev < kNoTimer) quick = true;
                if (count++ == 0)
                    first = "DATA " + std::to_string(e.block) + " was resent " + duration(e.time_ns - stale->time) +
                            " after a duplicate ACK " + std::to_string(stale->block) + ", " + duration(since_prev) +
                            " after its previous copy";
                frames.push_back(stale->frame);
                frames.push_back(e.frame);
                stale.reset();
            }
            sent[e.block] = e.time_ns;
        }
        if (count == 0 || (count < 2 && !quick)) continue;
        sink.add("TFTP-009", x.data_sender(ti),
                 request_name(t) + ": " + first + (quick ? " (too soon for a timeout)" : "") + "; " +
                     std::to_string(count) + " such resend" + (count == 1 ? "" : "s"),
                 frames, t.client_mac);
    }
}

/// TFTP-010 (passive part): timer-driven retransmissions (copies with no
/// packet from the peer in between) back off, stop after a few tries, and
/// honour a negotiated timeout. A sub-100 ms repeat is a storm (FAIL); a
/// fixed interval or an endless series is a WARN.
void tftp_010(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        std::optional<std::uint64_t> timeout;
        if (t.oack)
            if (const auto* o = find_option(*t.oack, "timeout")) timeout = parse_decimal(o->value);
        // Half the negotiated timeout in ns. The OACK may name any 64-bit
        // number of seconds, and timeout * 1e9 overflowed int64 past
        // 9223372036 s. Past INT64_MAX / (1e9 / 2) s the half itself does not
        // fit: it is then longer than any gap between two frame times.
        constexpr std::int64_t kHalfSec = kSec / 2;
        std::int64_t half_timeout = std::numeric_limits<std::int64_t>::max();
        if (timeout && *timeout <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / kHalfSec))
            half_timeout = static_cast<std::int64_t>(*timeout) * kHalfSec;

        struct Run {
            bool from_client;
            std::uint16_t opcode, block;
            std::vector<std::int64_t> times;
            std::vector<std::size_t> frames;
        };
        auto judge = [&](const Run& r) {
            if (r.times.size() < 2) return;
            const Blame blame = side_blame(x.ctx, ti, r.from_client);
            const std::string what = request_name(t) + ": " +
                                     (r.opcode == code(TftpOpcode::Rrq) || r.opcode == code(TftpOpcode::Wrq)
                                          ? std::string("the request")
                                          : opname(r.opcode) + (r.opcode == code(TftpOpcode::Oack)
                                                                    ? std::string()
                                                                    : " " + std::to_string(r.block)));
            std::vector<std::int64_t> gaps;
            for (std::size_t i = 1; i < r.times.size(); ++i) gaps.push_back(r.times[i] - r.times[i - 1]);
            const auto [mn, mx] = std::minmax_element(gaps.begin(), gaps.end());
            const std::string n = std::to_string(r.times.size());
            if (timeout && !r.from_client && *mn < half_timeout) {
                sink.add("TFTP-010", blame,
                         what + " was resent after " + duration(*mn) + " though timeout=" + std::to_string(*timeout) +
                             " was negotiated",
                         r.frames, t.client_mac, Severity::Warn);
            }
            if (r.times.size() < 3) return;
            if (*mx < 100 * kMs) {
                sink.add("TFTP-010", blame,
                         what + " was sent " + n + " times in " + duration(r.times.back() - r.times.front()) +
                             " (every " + duration(*mn) + " to " + duration(*mx) + "): a retransmission storm",
                         r.frames, t.client_mac, Severity::Fail);
                return;
            }
            if (r.times.size() > 12) {
                sink.add("TFTP-010", blame,
                         what + " was sent " + n + " times over " + duration(r.times.back() - r.times.front()) +
                             " with no retry cap",
                         r.frames, t.client_mac, Severity::Warn);
            } else if (r.times.size() >= 4 && *mn > 0 && *mx - *mn <= *mn / 10) {
                // mx * 10 <= mn * 11, without multiplying: gaps between frame
                // times reach 2^63 ns (times decades apart, or going back),
                // and a gap of 0 or less is no fixed interval.
                sink.add("TFTP-010", blame,
                         what + " was sent " + n + " times at a fixed " + duration(*mn) +
                             " interval; RFC 1123 asks for adaptive (e.g. exponential) backoff",
                         r.frames, t.client_mac, Severity::Warn);
            }
        };

        Run run{true, code(t.write ? TftpOpcode::Wrq : TftpOpcode::Rrq), 0, {t.start_ns}, {t.request_frame}};
        for (const auto& e : t.events) {
            if (!on_tids(t, e)) continue;
            const bool same = e.from_client == run.from_client && e.opcode == run.opcode &&
                              (e.block == run.block || is(e, TftpOpcode::Rrq) || is(e, TftpOpcode::Wrq) ||
                               is(e, TftpOpcode::Oack));
            if (same) {
                run.times.push_back(e.time_ns);
                run.frames.push_back(e.frame);
                continue;
            }
            judge(run);
            // Reuses the vectors: a run starts at nearly every DATA and ACK.
            run.from_client = e.from_client;
            run.opcode = e.opcode;
            run.block = e.block;
            run.times.assign(1, e.time_ns);
            run.frames.assign(1, e.frame);
        }
        judge(run);
    }
}

/// TFTP-011: ERROR is opcode 5, code 0-8, NUL-terminated text; it ends the
/// transfer and is neither ACKed nor sent again.
void tftp_011(const Tx& x, Sink& sink) {
    constexpr std::int64_t kCrossing = 50 * kMs;  // packets already on their way when it was sent
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        for (const auto& e : t.events) {
            if (!is(e, TftpOpcode::Error)) continue;
            const auto* f = x.tr.frame_by_number(e.frame);
            if (!f || !f->tftp) continue;
            const std::string who = e.from_client ? "the client's" : "the server's";
            if (f->tftp->fields_present) {
                const Anomaly* a = anomaly_of(*f, {"tftp.unterminated_string", "tftp.truncated"});
                sink.add("TFTP-011", side_blame(x.ctx, ti, e.from_client),
                         request_name(t) + ": " + who + " ERROR is malformed: " + (a ? a->detail : "cut short"),
                         {e.frame}, t.client_mac, Severity::Fail);
            } else if (f->tftp->error_code > 8) {
                sink.add("TFTP-011", side_blame(x.ctx, ti, e.from_client),
                         request_name(t) + ": " + who + " ERROR code " + std::to_string(f->tftp->error_code) +
                             " is outside 0-8 (message " + in_quotes(f->tftp->error_message) + ")",
                         {e.frame}, t.client_mac, Severity::Warn);
            }
        }
        if (!t.error) continue;
        // What happened on the TID pair after the ERROR that ended the transfer.
        const bool err_client = t.error->from_client;
        std::int64_t err_time = 0;
        for (const auto& e : t.events)
            if (e.frame == t.error->frame) err_time = e.time_ns;
        const std::string err = (err_client ? "the client's ERROR " : "the server's ERROR ") +
                                std::to_string(t.error->code);
        std::vector<std::size_t> repeat, own_after, acked, peer_after;
        for (const auto& e : t.events) {
            if (e.frame <= t.error->frame || !on_tids(t, e)) continue;
            if (e.from_client == err_client) {
                (is(e, TftpOpcode::Error) ? repeat : own_after).push_back(e.frame);
            } else if (e.time_ns - err_time > kCrossing && !is(e, TftpOpcode::Error)) {
                (is(e, TftpOpcode::Ack) ? acked : peer_after).push_back(e.frame);
            }
        }
        const Blame err_side = side_blame(x.ctx, ti, err_client);
        const Blame peer_side = side_blame(x.ctx, ti, !err_client);
        if (!own_after.empty())
            sink.add("TFTP-011", err_side,
                     request_name(t) + ": after " + err + " the same side went on with " +
                         std::to_string(own_after.size()) + " more packet(s)",
                     own_after, t.client_mac, Severity::Fail);
        if (!repeat.empty())
            sink.add("TFTP-011", err_side,
                     request_name(t) + ": " + err + " was sent " + std::to_string(repeat.size() + 1) + " times",
                     repeat, t.client_mac, Severity::Warn);
        if (!acked.empty())
            sink.add("TFTP-011", peer_side, request_name(t) + ": " + err + " was ACKed", acked, t.client_mac,
                     Severity::Warn);
        if (!peer_after.empty())
            sink.add("TFTP-011", peer_side,
                     request_name(t) + ": the peer went on with " + std::to_string(peer_after.size()) +
                         " packet(s) after " + err,
                     peer_after, t.client_mac, Severity::Warn);
    }
}

/// TFTP-012 (passive part): an ERROR's code names its cause: 1 for a missing
/// file, 4 for an illegal (unknown) opcode.
void tftp_012(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        const Event* prev_client = nullptr;
        for (const auto& e : t.events) {
            if (e.from_client) {
                prev_client = &e;
                continue;
            }
            if (!is(e, TftpOpcode::Error)) continue;
            const auto* f = x.tr.frame_by_number(e.frame);
            const std::string msg = f && f->tftp ? f->tftp->error_message : "";
            const std::string m = lower(msg);
            const bool says_missing = m.find("not found") != std::string::npos ||
                                      m.find("no such file") != std::string::npos;
            if (says_missing && e.block != 1) {
                sink.add("TFTP-012", Blame::Master,
                         request_name(t) + ": ERROR " + std::to_string(e.block) + " " + in_quotes(msg) +
                             " reports a missing file; code 1 names that cause",
                         {e.frame}, t.client_mac);
            }
            if (prev_client && prev_client->opcode > 6 && e.block != 4) {
                sink.add("TFTP-012", Blame::Master,
                         request_name(t) + ": the server answered the client's unknown opcode " +
                             std::to_string(prev_client->opcode) + " with ERROR " + std::to_string(e.block) +
                             "; code 4 (illegal operation) names that cause",
                         {prev_client->frame, e.frame}, t.client_mac);
            }
        }
    }
}

// --- option negotiation ------------------------------------------------------

/// The OACK frames the server sent on its TID, with their options.
std::vector<const analyze::Frame*> oack_frames(const Tx& x, const TftpTransfer& t) {
    std::vector<const analyze::Frame*> out;
    for (const auto& e : t.events) {
        if (e.from_client || !is(e, TftpOpcode::Oack) || e.src_port != t.server_tid) continue;
        const auto* f = x.tr.frame_by_number(e.frame);
        if (f && f->tftp) out.push_back(f);
    }
    return out;
}

std::vector<std::string> unrequested(const TftpTransfer& t, const wire::TftpPacket& oack) {
    std::vector<std::string> out;
    for (const auto& o : oack.options)
        if (!find_option(t.requested, o.name)) out.push_back(o.name);
    return out;
}

/// TFTP-013: an OACK holds only options the client asked for.
void tftp_013(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        for (const auto* f : oack_frames(x, t)) {
            const auto extra = unrequested(t, *f->tftp);
            if (extra.empty()) continue;
            std::string asked;
            for (const auto& o : t.requested) asked += (asked.empty() ? "" : ", ") + o.name;
            sink.add("TFTP-013", Blame::Master,
                     "OACK to " + request_name(t) + " acknowledges " + join(extra, ", ") + ", which the request " +
                         (asked.empty() ? "did not carry (it had no options)" : "did not ask for (it asked for " + asked + ")"),
                     {f->number}, t.client_mac);
        }
    }
}

/// TFTP-014 (passive part): a server refuses a request's options with ERROR 8
/// instead of dropping the ones it does not support.
void tftp_014(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.requested.empty() || !server_error(t) || t.error->code != 8) continue;
        // Only a refusal of the request itself: no OACK came first.
        if (t.oack) continue;
        std::string opts;
        for (const auto& o : t.requested) opts += (opts.empty() ? "" : " ") + o.name + "=" + o.value;
        sink.add("TFTP-014", Blame::Master,
                 request_name(t) + " with " + opts + " was refused with ERROR 8 " + in_quotes(t.error->message) +
                     "; unsupported options are dropped from the OACK, not refused",
                 {t.error->frame}, t.client_mac);
    }
}

/// TFTP-015: after an RRQ's OACK the server waits for ACK 0 before DATA 1.
void tftp_015(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.write) continue;
        bool oack = false;
        for (const auto& e : t.events) {
            if (!oack) {
                oack = !e.from_client && is(e, TftpOpcode::Oack) && e.src_port == t.server_tid;
                continue;
            }
            if (is_ack(t, e) || (e.from_client && is(e, TftpOpcode::Error))) break;
            if (is_data(t, e)) {
                sink.add("TFTP-015", Blame::Master,
                         request_name(t) + ": DATA " + std::to_string(e.block) +
                             " came after the OACK but before the client's ACK 0",
                         {e.frame}, t.client_mac);
                break;
            }
        }
    }
}

/// TFTP-016 (passive part): a client that gets an OACK with an option it did
/// not ask for answers ERROR 8, not ACK 0.
void tftp_016(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.write) continue;
        for (const auto* f : oack_frames(x, t)) {
            const auto extra = unrequested(t, *f->tftp);
            if (extra.empty()) continue;
            for (const auto& e : t.events) {
                if (e.frame <= f->number || !e.from_client) continue;
                if (is_ack(t, e) && e.block == 0)
                    sink.add("TFTP-016", x.client(ti),
                             request_name(t) + ": the client accepted an OACK with unrequested " + join(extra, ", ") +
                                 " (ACK 0) instead of refusing it with ERROR 8",
                             {f->number, e.frame}, t.client_mac);
                break;
            }
            break;
        }
    }
}

/// Checks one numeric OACK option against a range and, when \p at_most is
/// set, against the requested value (TFTP-017, 019, 021).
void oack_number(const Tx& x, Sink& sink, std::string_view id, std::string_view name, std::uint64_t lo,
                 std::uint64_t hi, bool at_most, bool equal) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        const auto* req = find_option(t.requested, name);
        if (!req) continue;  // unrequested: TFTP-013
        for (const auto* f : oack_frames(x, t)) {
            const auto* o = find_option(f->tftp->options, name);
            if (!o) continue;
            const auto v = parse_decimal(o->value);
            const auto r = parse_decimal(req->value);
            std::string problem;
            if (!v || *v < lo || *v > hi)
                problem = "is outside " + std::to_string(lo) + "-" + std::to_string(hi);
            else if (at_most && r && *v > *r)
                problem = "is more than the " + req->value + " requested";
            else if (equal && (r ? *v != *r : o->value != req->value))
                problem = "differs from the " + req->value + " requested";
            if (problem.empty()) continue;
            sink.add(id, Blame::Master,
                     "OACK to " + request_name(t) + ": " + std::string(name) + "=" + in_quotes(o->value) + " " + problem,
                     {f->number}, t.client_mac);
        }
    }
}

/// TFTP-017: OACK blksize within 8-65464 and no more than requested.
void tftp_017(const Tx& x, Sink& sink) { oack_number(x, sink, "TFTP-017", "blksize", 8, 65464, true, false); }
/// TFTP-019: OACK timeout equals the requested value.
void tftp_019(const Tx& x, Sink& sink) { oack_number(x, sink, "TFTP-019", "timeout", 1, 255, false, true); }
/// TFTP-021: OACK windowsize within 1-65535 and no more than requested.
void tftp_021(const Tx& x, Sink& sink) { oack_number(x, sink, "TFTP-021", "windowsize", 1, 65535, true, false); }

/// TFTP-020: the OACK's tsize is the size of the file actually sent (in this
/// transfer, or in the re-request that follows a size probe).
void tftp_020(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.write) continue;
        for (const auto* f : oack_frames(x, t)) {
            const auto* o = find_option(f->tftp->options, "tsize");
            if (!o) continue;
            const auto v = parse_decimal(o->value);
            if (!v) {
                sink.add("TFTP-020", Blame::Master,
                         "OACK to " + request_name(t) + ": tsize=" + in_quotes(o->value) + " is not a number",
                         {f->number}, t.client_mac);
                continue;
            }
            std::optional<std::size_t> sent_in;
            if (t.complete && !t.error) sent_in = ti;
            else sent_in = later_complete(x.tr, ti);
            std::string problem;
            std::vector<std::size_t> frames{f->number};
            if (sent_in) {
                const auto& s = x.t(*sent_in);
                if (s.bytes != *v) {
                    problem = "but " + std::to_string(s.bytes) + " octets were sent";
                    if (*sent_in != ti) {
                        problem += " in the transfer requested in frame " + std::to_string(s.request_frame);
                        frames.push_back(s.request_frame);
                    }
                }
            } else if (t.bytes > *v) {
                problem = "but " + std::to_string(t.bytes) + " octets had already been sent";
            }
            if (problem.empty()) continue;
            sink.add("TFTP-020", Blame::Master,
                     "OACK to " + request_name(t) + " announced tsize=" + o->value + " " + problem, frames,
                     t.client_mac);
        }
    }
}

// --- windows and lockstep ----------------------------------------------------

/// Sender-side window discipline shared by TFTP-022 (windowsize > 1) and
/// TFTP-024 (windowsize 1, RFC 1350 lockstep): never more than the window
/// beyond the last ACK, and a resend restarts at last-ACKed + 1.
void window_send(const Tx& x, Sink& sink, bool windowed) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if ((t.windowsize > 1) != windowed || !server_answered(t)) continue;
        const std::uint32_t w = std::max<std::uint32_t>(t.windowsize, 1);
        const bool negotiated = t.oack && find_option(*t.oack, "windowsize");
        std::uint16_t acked = 0;  // a plain RRQ, an OACK's ACK 0 and a WRQ's ACK 0 all start at 0
        // ACKs that arrived since the sender's previous DATA: what a restart
        // may answer (an ACK seen later may have crossed it on the wire).
        std::vector<std::uint16_t> since_send;
        std::optional<std::uint16_t> high, prev;
        bool wrap_to_one = false;
        std::string overrun, restart;
        std::vector<std::size_t> overrun_frames, restart_frames;
        for (const auto& e : t.events) {
            if (is_ack(t, e)) {
                if (block_delta(e.block, acked) > 0) acked = e.block;
                since_send.push_back(e.block);
                continue;
            }
            if (!is_data(t, e)) continue;
            if (high && *high == 0xffff && e.block == 1) wrap_to_one = true;
            int d = block_delta(e.block, acked);
            if (wrap_to_one && e.block < acked) --d;  // 65535 -> 1 skips block 0
            // Compared in 64 bits: an OACK's windowsize may exceed INT_MAX
            // (it is TFTP-021's to report), and as an int it went negative.
            if (d > static_cast<std::int64_t>(w)) {
                if (overrun.empty())
                    overrun = "DATA " + std::to_string(e.block) + " went out while the last ACK was " +
                              std::to_string(acked) + ": " + std::to_string(d) + " blocks outstanding";
                overrun_frames.push_back(e.frame);
            }
            // A jump back (not the successor of the previous DATA) restarts
            // the window, which must begin right after an ACK.
            const bool jump_back = high && prev && block_delta(e.block, *prev) != 1 && block_delta(e.block, *high) <= 0;
            if (windowed && jump_back) {
                auto follows = [&](std::uint16_t a) { return static_cast<std::uint16_t>(a + 1) == e.block; };
                if (!follows(acked) && std::none_of(since_send.begin(), since_send.end(), follows)) {
                    if (restart.empty())
                        restart = "after ACK " + std::to_string(acked) + " the sender resent from DATA " +
                                  std::to_string(e.block) + ", not " +
                                  std::to_string(static_cast<std::uint16_t>(acked + 1));
                    restart_frames.push_back(e.frame);
                }
            }
            since_send.clear();
            prev = e.block;
            if (!high || block_delta(e.block, *high) > 0 || (*high == 0xffff && e.block == 1)) high = e.block;
        }
        const std::string id = windowed ? "TFTP-022" : "TFTP-024";
        const std::string mode = windowed ? "windowsize " + std::to_string(w)
                                          : (negotiated ? "windowsize 1, lockstep" : "lockstep");
        if (!overrun.empty())
            sink.add(id, x.data_sender(ti),
                     request_name(t) + " (" + mode + "): " + overrun +
                         (overrun_frames.size() > 1 ? "; " + std::to_string(overrun_frames.size()) + " such blocks"
                                                    : ""),
                     overrun_frames, t.client_mac);
        if (!restart.empty())
            sink.add(id, x.data_sender(ti), request_name(t) + " (" + mode + "): " + restart, restart_frames,
                     t.client_mac);
    }
}

void tftp_022(const Tx& x, Sink& sink) { window_send(x, sink, true); }
void tftp_024(const Tx& x, Sink& sink) { window_send(x, sink, false); }

/// TFTP-023 (passive part): a windowed receiver ACKs the last block it has
/// in order; an ACK past a gap claims blocks it never received.
void tftp_023(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (t.windowsize <= 1) continue;
        std::optional<std::uint16_t> contiguous, seen;
        for (const auto& e : t.events) {
            if (is_data(t, e)) {
                if (!contiguous ? e.block == 1 : block_delta(e.block, *contiguous) == 1) contiguous = e.block;
                if (!seen || block_delta(e.block, *seen) > 0) seen = e.block;
                continue;
            }
            if (!is_ack(t, e) || !seen) continue;
            const std::uint16_t have = contiguous.value_or(0);
            // Past the highest DATA seen at all is TFTP-008's.
            if (block_delta(e.block, have) > 0 && block_delta(e.block, *seen) <= 0) {
                sink.add("TFTP-023", x.acker(ti),
                         request_name(t) + " (windowsize " + std::to_string(t.windowsize) + "): ACK " +
                             std::to_string(e.block) + " skips a gap: DATA " +
                             std::to_string(static_cast<std::uint16_t>(have + 1)) + " never arrived",
                         {e.frame}, t.client_mac);
                break;
            }
        }
    }
}

/// TFTP-025 (passive part): the final short DATA is ACKed, and ACKed again
/// when it comes again.
void tftp_025(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (!t.complete) continue;
        const auto& blocks = x.streams[ti];
        if (blocks.empty()) continue;
        const auto& fin = blocks.back();
        // Copies of the final block and whether an ACK followed each.
        std::vector<std::pair<const Event*, bool>> copies;
        for (const auto& e : t.events) {
            if (e.time_ns < fin.time) continue;
            if (is_data(t, e) && e.block == fin.block) copies.emplace_back(&e, false);
            else if (is_ack(t, e) && e.block == fin.block && !copies.empty()) copies.back().second = true;
        }
        if (copies.empty()) continue;
        const bool any_ack = std::any_of(copies.begin(), copies.end(), [](const auto& c) { return c.second; });
        const std::string last = "final DATA " + std::to_string(fin.block) + " (" + std::to_string(fin.size) +
                                 " octets)";
        if (!any_ack) {
            if (copies.size() < 2 && left_after(x.tr, copies.back().first->time_ns) < kSilence) continue;
            sink.add("TFTP-025", x.acker(ti),
                     request_name(t) + ": the " + last + " was never ACKed" +
                         (copies.size() > 1 ? " (sent " + std::to_string(copies.size()) + " times)" : ""),
                     {copies.front().first->frame}, t.client_mac);
            continue;
        }
        for (std::size_t i = 1; i < copies.size(); ++i) {
            if (copies[i].second) continue;
            if (i + 1 == copies.size() && left_after(x.tr, copies[i].first->time_ns) < kSilence) continue;
            sink.add("TFTP-025", x.acker(ti),
                     request_name(t) + ": the " + last + " came again and was not ACKed again",
                     {copies[i].first->frame}, t.client_mac);
            break;
        }
    }
}

/// TFTP-026: past block 65535 the numbering wraps; report to what.
void tftp_026(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        const auto& blocks = x.streams[ti];
        std::uint64_t octets = 0;
        for (std::size_t i = 1; i < blocks.size(); ++i) {
            octets += blocks[i - 1].size;
            if (blocks[i - 1].block != 0xffff) continue;
            sink.add("TFTP-026", x.data_sender(ti),
                     request_name(t) + ": block numbers wrapped from 65535 to " + std::to_string(blocks[i].block) +
                         " after " + std::to_string(octets) + " octets",
                     {blocks[i].frame}, t.client_mac);
            break;
        }
    }
}

// --- quirks and searches -------------------------------------------------------

/// TFTP-027: known quirks, reported so that they are not taken for faults:
/// the UEFI/Windows size probe, broadcast requests, mail mode.
void tftp_027(const Tx& x, Sink& sink) {
    for (std::size_t ti = 0; ti < x.tr.transfers.size(); ++ti) {
        const auto& t = x.t(ti);
        if (auto j = probe_rerequest(x.tr, ti)) {
            std::vector<std::size_t> frames{t.request_frame};
            std::string abort = "stopped answering";
            for (const auto& e : t.events) {
                if (!e.from_client && is(e, TftpOpcode::Oack)) {
                    frames.push_back(e.frame);
                    break;
                }
            }
            if (t.error && t.error->from_client) {
                abort = "aborted with ERROR " + std::to_string(t.error->code) + " " + in_quotes(t.error->message);
                frames.push_back(t.error->frame);
            }
            frames.push_back(x.t(*j).request_frame);
            const std::string size = t.tsize ? "tsize=" + std::to_string(*t.tsize) : "the OACK";
            sink.add("TFTP-027", x.client(ti),
                     "size probe: " + request_name(t) + " read " + size + " from the OACK, " + abort +
                         ", and requested the file again",
                     frames, t.client_mac);
        }
        const auto* f = x.tr.frame_by_number(t.request_frame);
        if (t.server_ip.is_broadcast() || (f && f->dst_mac.is_broadcast()))
            sink.add("TFTP-027", x.client(ti),
                     request_name(t) + " was broadcast; servers ignore broadcast requests (RFC 1123 §4.2.3.5)",
                     {t.request_frame}, t.client_mac);
        if (lower(t.mode) == "mail")
            sink.add("TFTP-027", x.client(ti),
                     request_name(t) + " uses mail mode, which servers refuse (RFC 1123 §4.2.2.1)",
                     {t.request_frame}, t.client_mac);
    }
}

/// TFTP-028: "file not found" inside a known search (pxelinux.cfg, grub.cfg,
/// a path list) is normal when a later name is served; the search fails as a
/// whole when nothing in it is.
void tftp_028(const Tx& x, Sink& sink) {
    for (const auto& s : x.searches) {
        std::vector<std::size_t> frames;
        std::vector<std::string> missed;
        bool unanswered = false;
        for (std::size_t i : s.transfers) {
            const auto& t = x.t(i);
            frames.push_back(t.request_frame);
            if (not_found(t)) {
                frames.push_back(t.error->frame);
                missed.push_back(t.filename);
            } else if (!server_answered(t)) {
                unanswered = true;
            }
        }
        const auto& first = x.t(s.transfers.front());
        const std::string names = missed.size() == 1 ? in_quotes(missed.front())
                                                     : in_quotes(missed.front()) + " ... " + in_quotes(missed.back());
        if (s.served) {
            sink.add("TFTP-028", Blame::Config,
                     s.kind + " search: " + std::to_string(missed.size()) + " name(s) not found (" + names +
                         ") before " + in_quotes(x.t(*s.served).filename) + " was served",
                     frames, first.client_mac, Severity::Info);
        } else if (!unanswered) {
            // Unanswered names leave the search open: FLOW-006 reports them.
            sink.add("TFTP-028", Blame::Config,
                     s.kind + " search found nothing: all " + std::to_string(missed.size()) + " name(s) tried (" +
                         names + ") were not found on " + ip_text(first.server_ip),
                     frames, first.client_mac, Severity::Fail);
        }
    }
}

}  // namespace

void check_tftp(const Context& ctx, Sink& sink) {
    const Tx x(ctx);
    tftp_001(x, sink);
    tftp_002(x, sink);
    tftp_003(x, sink);
    tftp_004(x, sink);
    tftp_005(x, sink);
    tftp_006(x, sink);
    tftp_007(x, sink);
    tftp_008(x, sink);
    tftp_009(x, sink);
    tftp_010(x, sink);
    tftp_011(x, sink);
    tftp_012(x, sink);
    tftp_013(x, sink);
    tftp_014(x, sink);
    tftp_015(x, sink);
    tftp_016(x, sink);
    tftp_017(x, sink);
    tftp_018(x, sink);
    tftp_019(x, sink);
    tftp_020(x, sink);
    tftp_021(x, sink);
    tftp_022(x, sink);
    tftp_023(x, sink);
    tftp_024(x, sink);
    tftp_025(x, sink);
    tftp_026(x, sink);
    tftp_027(x, sink);
    tftp_028(x, sink);
}

}  // namespace pxecheck::checks::detail
