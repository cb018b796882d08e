// The reference TFTP server (sans-I/O): RRQ with RFC 2347 options, windowed
// send per RFC 7440, timeouts with backoff, one TID per transfer.
//
// Blocks are counted internally as 64-bit sequence numbers 1..N (N counts the
// final short or empty block); the wire carries seq & 0xffff, so a file
// longer than 65535 blocks wraps to block 0 and goes on.

#include "pxecheck/master/tftp_server.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::master {

using wire::TftpErrorCode;
using wire::TftpOpcode;

std::string to_string(TransferEvent::Kind k) {
    switch (k) {
        case TransferEvent::Kind::Started: return "started";
        case TransferEvent::Kind::Completed: return "completed";
        case TransferEvent::Kind::Failed: return "failed";
        case TransferEvent::Kind::Aborted: return "aborted";
        case TransferEvent::Kind::Refused: return "refused";
        case TransferEvent::Kind::WrongTid: return "wrong-tid";
        case TransferEvent::Kind::Ignored: return "ignored";
    }
    return "?";
}

Bytes to_netascii(ByteView data) {
    Bytes out;
    out.reserve(data.size() + data.size() / 16);
    for (auto b : data) {
        if (b == '\n') {
            out.push_back('\r');
            out.push_back('\n');
        } else if (b == '\r') {
            out.push_back('\r');
            out.push_back(0);
        } else {
            out.push_back(b);
        }
    }
    return out;
}

RangePortAllocator::RangePortAllocator(std::uint16_t first, std::uint16_t last)
    : first_(std::min(first, last)), last_(std::max(first, last)), next_(first_) {}

std::optional<std::uint16_t> RangePortAllocator::acquire() {
    const std::uint32_t span = std::uint32_t{last_} - first_ + 1;
    for (std::uint32_t i = 0; i < span; ++i) {
        const auto port = static_cast<std::uint16_t>(next_);
        next_ = next_ >= last_ ? first_ : next_ + 1;
        if (port != 0 && used_.insert(port).second) return port;
    }
    return std::nullopt;
}

void RangePortAllocator::release(std::uint16_t port) { used_.erase(port); }

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

struct TftpServer::Impl {
    struct Transfer {
        std::uint64_t id = 0;
        std::string file;
        MacAddr client_mac;
        Ipv4Addr client_ip;
        std::uint16_t client_port = 0;
        std::uint16_t port = 0;
        Bytes data;
        std::uint32_t blksize = wire::kTftpDefaultBlksize;
        std::uint32_t windowsize = 1;
        std::uint64_t total = 1;      ///< DATA blocks in the file (the last is short, maybe empty)
        std::uint64_t acked = 0;      ///< highest block acknowledged (0: none, or the OACK)
        std::uint64_t sent_upto = 0;  ///< last block of the window in flight
        bool oack_pending = false;
        Bytes oack;
        Micros rto{};
        Micros rto_initial{};
        Micros rto_cap{};
        int retries = 0;
        std::uint32_t retransmissions = 0;
        TimePoint deadline{};
        TimePoint started{};

        [[nodiscard]] std::uint64_t bytes_acked() const {
            return std::min<std::uint64_t>(acked * blksize, data.size());
        }
    };

    TftpServerConfig cfg;
    FileSource& files;
    std::unique_ptr<RangePortAllocator> own_ports;
    PortAllocator* ports;
    std::map<std::uint16_t, Transfer> transfers;  ///< by server port (TID)
    std::uint64_t next_id = 1;
    std::vector<link::Datagram> out;
    std::vector<TransferEvent> events;

    Impl(TftpServerConfig c, FileSource& f, PortAllocator* p)
        : cfg(std::move(c)), files(f), ports(p) {
        if (ports == nullptr) {
            own_ports = std::make_unique<RangePortAllocator>(cfg.port_first, cfg.port_last);
            ports = own_ports.get();
        }
    }

    link::Datagram packet(std::uint16_t src_port, const link::Datagram& to, Bytes payload) const {
        link::Datagram d;
        d.src_mac = cfg.server_mac;
        d.src_ip = cfg.server_ip;
        d.src_port = src_port;
        d.dst_mac = to.src_mac;
        d.dst_ip = to.src_ip;
        d.dst_port = to.src_port;
        d.payload = std::move(payload);
        return d;
    }
    link::Datagram packet(const Transfer& t, Bytes payload) const {
        link::Datagram d;
        d.src_mac = cfg.server_mac;
        d.src_ip = cfg.server_ip;
        d.src_port = t.port;
        d.dst_mac = t.client_mac;
        d.dst_ip = t.client_ip;
        d.dst_port = t.client_port;
        d.payload = std::move(payload);
        return d;
    }

    TransferEvent event_for(TransferEvent::Kind k, TimePoint now, const Transfer& t, std::string detail) const {
        TransferEvent e;
        e.kind = k;
        e.at = now;
        e.transfer = t.id;
        e.file = t.file;
        e.client_mac = t.client_mac;
        e.client_ip = t.client_ip;
        e.client_port = t.client_port;
        e.server_port = t.port;
        e.file_size = t.data.size();
        e.bytes_acked = t.bytes_acked();
        e.retransmissions = t.retransmissions;
        e.detail = std::move(detail);
        return e;
    }
    void ignored(TimePoint now, const link::Datagram& d, std::string file, std::string detail) {
        TransferEvent e;
        e.kind = TransferEvent::Kind::Ignored;
        e.at = now;
        e.file = std::move(file);
        e.client_mac = d.src_mac;
        e.client_ip = d.src_ip;
        e.client_port = d.src_port;
        e.server_port = d.dst_port;
        e.detail = std::move(detail);
        events.push_back(std::move(e));
    }

    /// An ERROR answering a request, from a TID of its own when one is free.
    void refuse(TimePoint now, const link::Datagram& d, const std::string& file, TftpErrorCode code,
                const std::string& message) {
        const auto port = ports->acquire();
        const std::uint16_t from = port.value_or(cfg.listen_port);
        out.push_back(packet(from, d, wire::encode_tftp(wire::make_error(code, message))));
        if (port) ports->release(*port);
        TransferEvent e;
        e.kind = TransferEvent::Kind::Refused;
        e.at = now;
        e.file = file;
        e.client_mac = d.src_mac;
        e.client_ip = d.src_ip;
        e.client_port = d.src_port;
        e.server_port = from;
        e.error_code = static_cast<std::uint16_t>(code);
        e.detail = "ERROR " + std::to_string(e.error_code) + " \"" + message + "\"";
        events.push_back(std::move(e));
    }

    void send_window(TimePoint now, Transfer& t, std::uint64_t from) {
        const std::uint64_t last = std::min(t.total, from + t.windowsize - 1);
        for (std::uint64_t seq = from; seq <= last; ++seq) {
            // Block seq covers [(seq-1) * blksize, +blksize), cut at the end
            // of the file (the block after an exact multiple is empty).
            const auto off =
                static_cast<std::size_t>(std::min<std::uint64_t>((seq - 1) * t.blksize, t.data.size()));
            const std::size_t n = std::min<std::size_t>(t.blksize, t.data.size() - off);
            const auto block = static_cast<std::uint16_t>(seq & 0xffff);  // wraps to 0 past 65535
            out.push_back(packet(t, wire::encode_tftp(wire::make_data(block, ByteView(t.data).subspan(off, n)))));
        }
        t.sent_upto = last;
        t.deadline = now + t.rto;
    }

    void finish(std::map<std::uint16_t, Transfer>::iterator it) {
        ports->release(it->first);
        transfers.erase(it);
    }

    void on_request(TimePoint now, const link::Datagram& d) {
        const auto decoded = wire::decode_tftp(d.payload);
        const auto& pkt = decoded.pkt;
        const auto op = pkt.op();
        if (d.dst_ip.is_broadcast()) {
            return ignored(now, d, pkt.filename, "broadcast request ignored (RFC 1123 §4.2.3.5)");
        }
        if (op == TftpOpcode::Wrq) {
            return refuse(now, d, pkt.filename, TftpErrorCode::IllegalOperation, "read-only server: WRQ refused");
        }
        if (op != TftpOpcode::Rrq) {
            return ignored(now, d, "", "not a request on port " + std::to_string(cfg.listen_port) + " (" +
                                           (op ? wire::to_string(*op) : std::string("unknown opcode")) + ")");
        }
        if (pkt.fields_present) return ignored(now, d, pkt.filename, "truncated RRQ");
        for (const auto& [port, t] : transfers) {
            if (t.client_ip == d.src_ip && t.client_port == d.src_port) {
                return ignored(now, d, pkt.filename,
                               "repeated RRQ from " + d.src_ip.to_string() + ":" + std::to_string(d.src_port) +
                                   " while its transfer on port " + std::to_string(port) + " runs");
            }
        }
        const std::string mode = lower(pkt.mode);
        if (mode != "octet" && mode != "netascii") {
            return refuse(now, d, pkt.filename, TftpErrorCode::IllegalOperation,
                          "transfer mode \"" + pkt.mode + "\" not supported");
        }
        if (transfers.size() >= cfg.max_transfers) {
            return refuse(now, d, pkt.filename, TftpErrorCode::NotDefined, "server busy, try again");
        }
        FileRead fr = files.read(pkt.filename);
        if (!fr.ok()) return refuse(now, d, pkt.filename, *fr.error, fr.message);
        const auto port = ports->acquire();
        if (!port) return refuse(now, d, pkt.filename, TftpErrorCode::NotDefined, "no free port for a transfer");

        Transfer t;
        t.id = next_id++;
        t.file = pkt.filename;
        t.client_mac = d.src_mac;
        t.client_ip = d.src_ip;
        t.client_port = d.src_port;
        t.port = *port;
        t.data = mode == "netascii" ? to_netascii(fr.data) : std::move(fr.data);
        t.rto_initial = cfg.retry_initial;
        t.rto_cap = cfg.retry_max;
        t.started = now;

        // RFC 2347: answer the options we support, drop the rest (TFTP-014).
        std::vector<wire::TftpOption> granted;
        std::set<std::string> seen;
        for (const auto& o : pkt.options) {
            const std::string name = lower(o.name);
            if (!seen.insert(name).second) continue;  // a repeat: the first one counts
            const auto v = parse_decimal(o.value);
            if (name == "blksize" && v && *v >= 8 && *v <= 65464) {
                // A cap below RFC 2348's minimum of 8 (0 from a config that
                // never set it) would grant blksize 0 and divide by it below.
                const std::uint64_t cap = std::max<std::uint16_t>(cfg.max_blksize, 8);
                t.blksize = static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, cap));
                granted.push_back({o.name, std::to_string(t.blksize)});
            } else if (name == "tsize" && v) {
                granted.push_back({o.name, std::to_string(t.data.size())});
            } else if (name == "timeout" && v && *v >= 1 && *v <= 255) {
                // RFC 2349: the value is echoed and is our retransmission timeout.
                t.rto_initial = std::chrono::seconds(*v);
                t.rto_cap = std::max(t.rto_cap, t.rto_initial);
                granted.push_back({o.name, o.value});
            } else if (name == "windowsize" && v && *v >= 1 && *v <= 65535) {
                const std::uint64_t cap = std::max<std::uint16_t>(cfg.max_windowsize, 1);
                t.windowsize = static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, cap));
                granted.push_back({o.name, std::to_string(t.windowsize)});
            }
        }
        t.total = t.data.size() / t.blksize + 1;
        t.rto = t.rto_initial;

        std::string detail = (mode == "netascii" ? "netascii, " : "") + std::to_string(t.data.size()) + " octets";
        const std::uint16_t tid = t.port;
        Transfer& tr = transfers.emplace(tid, std::move(t)).first->second;
        if (!granted.empty()) {
            std::string opts;
            for (const auto& g : granted) opts += " " + g.name + "=" + g.value;
            detail += ", OACK" + opts;
            tr.oack = wire::encode_tftp(wire::make_oack(granted));
            tr.oack_pending = true;
            out.push_back(packet(tr, tr.oack));
            tr.deadline = now + tr.rto;
        } else {
            detail += ", no options: DATA 1 at once";
            send_window(now, tr, 1);
        }
        events.push_back(event_for(TransferEvent::Kind::Started, now, tr, detail));
    }

    void on_ack(TimePoint now, std::map<std::uint16_t, Transfer>::iterator it, std::uint16_t block) {
        Transfer& t = it->second;
        if (t.oack_pending) {
            if (block != 0) return;  // nothing sent yet that it could acknowledge
            t.oack_pending = false;
            t.retries = 0;
            t.rto = t.rto_initial;
            send_window(now, t, 1);
            return;
        }
        // Which block of the window in flight this acknowledges; 0 means the
        // block already acknowledged, i.e. a duplicate.
        const std::uint64_t delta = static_cast<std::uint16_t>(block - static_cast<std::uint16_t>(t.acked & 0xffff));
        if (delta == 0 || t.acked + delta > t.sent_upto) {
            // Sorcerer's Apprentice (RFC 1123 §4.2.3.1): a duplicate or stale
            // ACK never triggers a resend; only the timer does.
            return;
        }
        t.acked += delta;
        if (t.acked == t.total) {
            events.push_back(event_for(TransferEvent::Kind::Completed, now, t,
                                       std::to_string(t.data.size()) + " octets in " + std::to_string(t.total) +
                                           " blocks, " + std::to_string(t.retransmissions) + " resends"));
            finish(it);
            return;
        }
        // A whole window acknowledged: the next one. An earlier block
        // acknowledged (RFC 7440 §4: the client saw a gap): restart after it.
        t.retries = 0;
        t.rto = t.rto_initial;
        send_window(now, t, t.acked + 1);
    }

    void on_transfer_packet(TimePoint now, std::map<std::uint16_t, Transfer>::iterator it, const link::Datagram& d) {
        Transfer& t = it->second;
        const auto decoded = wire::decode_tftp(d.payload);
        const auto op = decoded.pkt.op();
        if (d.src_ip != t.client_ip || d.src_port != t.client_port) {
            // TFTP-005: a stranger gets ERROR 5; the transfer goes on. An
            // ERROR is never answered (RFC 1350 §7).
            if (op == TftpOpcode::Error) return ignored(now, d, t.file, "ERROR from a foreign port");
            out.push_back(packet(t.port, d, wire::encode_tftp(wire::make_error(TftpErrorCode::UnknownTid,
                                                                                "unknown transfer ID"))));
            TransferEvent e = event_for(TransferEvent::Kind::WrongTid, now, t,
                                        "packet from " + d.src_ip.to_string() + ":" + std::to_string(d.src_port) +
                                            " answered with ERROR 5");
            e.error_code = static_cast<std::uint16_t>(TftpErrorCode::UnknownTid);
            events.push_back(std::move(e));
            return;
        }
        if (op == TftpOpcode::Ack && !decoded.pkt.fields_present) return on_ack(now, it, decoded.pkt.block);
        if (op == TftpOpcode::Error) {
            TransferEvent e = event_for(TransferEvent::Kind::Aborted, now, t,
                                        "client sent ERROR " + std::to_string(decoded.pkt.error_code) + " \"" +
                                            decoded.pkt.error_message + "\"");
            e.error_code = decoded.pkt.error_code;
            events.push_back(std::move(e));
            finish(it);
            return;
        }
        const std::string what = op ? wire::to_string(*op) : std::string("packet");
        ignored(now, d, t.file, "unexpected " + what + " on a read transfer");
    }

    void on_datagram(TimePoint now, const link::Datagram& d) {
        // Unicasts to other hosts (a promiscuous capture shows them) are not
        // ours; broadcast requests are reported, then ignored.
        if (!d.dst_ip.is_broadcast() && d.dst_ip != cfg.server_ip) return;
        if (d.dst_port == cfg.listen_port) return on_request(now, d);
        auto it = transfers.find(d.dst_port);
        if (it == transfers.end()) return;
        on_transfer_packet(now, it, d);
    }

    void on_timer(TimePoint now) {
        for (auto it = transfers.begin(); it != transfers.end();) {
            auto cur = it++;
            Transfer& t = cur->second;
            if (t.deadline > now) continue;
            if (t.retries >= cfg.max_retries) {
                events.push_back(event_for(TransferEvent::Kind::Failed, now, t,
                                           "no ACK after " + std::to_string(t.retries) + " resends; given up"));
                finish(cur);
                continue;
            }
            ++t.retries;
            ++t.retransmissions;
            t.rto = std::min(t.rto * 2, t.rto_cap);
            if (t.oack_pending) {
                out.push_back(packet(t, t.oack));  // TFTP-015: the OACK again, not DATA
                t.deadline = now + t.rto;
            } else {
                send_window(now, t, t.acked + 1);
            }
        }
    }
};

TftpServer::TftpServer(TftpServerConfig config, FileSource& files, PortAllocator* ports)
    : impl_(std::make_unique<Impl>(std::move(config), files, ports)) {}
TftpServer::~TftpServer() = default;

void TftpServer::on_datagram(TimePoint now, const link::Datagram& d) { impl_->on_datagram(now, d); }
void TftpServer::on_timer(TimePoint now) { impl_->on_timer(now); }

std::optional<TimePoint> TftpServer::next_deadline() const {
    std::optional<TimePoint> best;
    for (const auto& [port, t] : impl_->transfers) {
        if (!best || t.deadline < *best) best = t.deadline;
    }
    return best;
}

std::vector<link::Datagram> TftpServer::take_output() { return std::exchange(impl_->out, {}); }
std::vector<TransferEvent> TftpServer::take_events() { return std::exchange(impl_->events, {}); }

std::vector<TransferView> TftpServer::transfers() const {
    std::vector<TransferView> out;
    for (const auto& [port, t] : impl_->transfers) {
        out.push_back(TransferView{t.id, t.file, t.client_mac, t.client_ip, t.client_port, t.port, t.blksize,
                                   t.windowsize, t.data.size(), t.bytes_acked(), t.retransmissions, t.started});
    }
    return out;
}

std::vector<std::uint16_t> TftpServer::ports_in_use() const {
    std::vector<std::uint16_t> out;
    for (const auto& [port, t] : impl_->transfers) out.push_back(port);
    return out;
}

const TftpServerConfig& TftpServer::config() const { return impl_->cfg; }

}  // namespace pxecheck::master
