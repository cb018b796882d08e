#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::analyze {

namespace {

constexpr std::uint16_t kDhcpServerPort = 67;
constexpr std::uint16_t kDhcpClientPort = 68;
constexpr std::uint16_t kBootServerPort = 4011;

bool is_dhcp_port(std::uint16_t p) { return p == kDhcpServerPort || p == kDhcpClientPort; }

/// A transfer is named by the client's address and port and the server's
/// address: the server's port (its TID) is learned from its first answer.
using TransferKey = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t>;

struct TransferState {
    std::size_t index = 0;      ///< into transfers
    std::uint16_t last_block = 0;
    bool any_data = false;
    bool finished = false;      ///< final block, ERROR: later packets are still recorded
    std::unique_ptr<Sha256> hash = std::make_unique<Sha256>();
};

}  // namespace

ClientStage client_stage(const wire::DhcpMessage& msg) {
    auto vc = msg.joined(wire::opt::kVendorClass);
    if (vc) {
        auto parsed = wire::parse_vendor_class(*vc);
        if (parsed.pxe) return ClientStage::Firmware;
        if (parsed.http) return ClientStage::HttpBoot;
    }
    return ClientStage::LaterStage;
}

ClientStage frame_stage(const Frame& f) {
    if (f.stage) return *f.stage;
    return f.dhcp ? client_stage(*f.dhcp) : ClientStage::LaterStage;
}

const Frame* Trace::frame_by_number(std::size_t number) const {
    // Frames are kept in increasing number order.
    auto it = std::lower_bound(frames.begin(), frames.end(), number,
                               [](const Frame& f, std::size_t n) { return f.number < n; });
    return (it != frames.end() && it->number == number) ? &*it : nullptr;
}

const ClientSession* Trace::session(const MacAddr& mac) const {
    for (const auto& s : sessions)
        if (s.mac == mac) return &s;
    return nullptr;
}

struct TraceBuilder::Impl {
    Trace trace;
    link::Reassembler reassembler;
    std::size_t next_number = 1;
    std::map<TransferKey, TransferState> open_transfers;
    std::unordered_map<MacAddr, std::size_t> session_by_mac;
    std::unordered_map<Ipv4Addr, MacAddr> mac_by_ip;  ///< learned from DHCP

    ClientSession& session_for(const MacAddr& mac) {
        auto [it, inserted] = session_by_mac.try_emplace(mac, trace.sessions.size());
        if (inserted) trace.sessions.push_back(ClientSession{mac, {}, {}, {}, {}});
        return trace.sessions[it->second];
    }

    static void note_address(ClientSession& s, Ipv4Addr ip) {
        if (ip.is_zero()) return;
        if (std::find(s.addresses.begin(), s.addresses.end(), ip) == s.addresses.end())
            s.addresses.push_back(ip);
    }

    void add_frame(std::size_t number, std::int64_t time_ns, ByteView data, std::uint32_t orig_len);
    void add_udp(Frame&& f);
    void add_dhcp(Frame&& f, Protocol proto);
    bool add_tftp(Frame& f);
    void add_arp(Frame&& f);
    void close_transfer(TransferState& st);
    void finish_transfers();
};

TraceBuilder::TraceBuilder(std::string source, int linktype) : impl_(new Impl) {
    impl_->trace.source = std::move(source);
    impl_->trace.linktype = linktype;
}

TraceBuilder::TraceBuilder(TraceBuilder&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

TraceBuilder::~TraceBuilder() { delete impl_; }

void TraceBuilder::add(std::size_t number, std::int64_t time_ns, ByteView data,
                       std::uint32_t original_length) {
    impl_->add_frame(number, time_ns, data, original_length);
    impl_->next_number = number + 1;
}

void TraceBuilder::add(std::int64_t time_ns, ByteView data) {
    add(impl_->next_number, time_ns, data, static_cast<std::uint32_t>(data.size()));
}

void TraceBuilder::add_source_anomaly(Anomaly a) { impl_->trace.source_anomalies.push_back(std::move(a)); }

void TraceBuilder::Impl::add_frame(std::size_t number, std::int64_t time_ns, ByteView data,
                                   std::uint32_t orig_len) {
    if (trace.total_frames == 0 || time_ns < trace.first_time_ns) trace.first_time_ns = time_ns;
    if (trace.total_frames == 0 || time_ns > trace.last_time_ns) trace.last_time_ns = time_ns;
    ++trace.total_frames;
    auto decoded = link::decode_frame(trace.linktype, data);
    Frame f;
    f.number = number;
    f.time_ns = time_ns;
    f.src_mac = decoded.src_mac;
    f.dst_mac = decoded.dst_mac;
    f.vlans = decoded.vlans;
    f.anomalies = std::move(decoded.anomalies);
    f.original_length = orig_len ? orig_len : static_cast<std::uint32_t>(data.size());
    f.raw.assign(data.begin(), data.end());

    switch (decoded.kind) {
        case link::DecodedFrame::Kind::Udp:
            f.udp = std::move(decoded.udp);
            add_udp(std::move(f));
            break;
        case link::DecodedFrame::Kind::Fragment:
            if (decoded.fragment) {
                auto whole = reassembler.add(*decoded.fragment, f.anomalies);
                if (whole) {
                    f.udp = std::move(whole);
                    add_udp(std::move(f));
                }
            }
            break;
        case link::DecodedFrame::Kind::Arp:
            f.arp = decoded.arp;
            add_arp(std::move(f));
            break;
        case link::DecodedFrame::Kind::Malformed:
            // Keep malformed frames only when they could be ours: the rules
            // and reports show them as evidence of a broken packet.
            if (!f.anomalies.empty()) {
                f.protocol = Protocol::Other;
                trace.frames.push_back(std::move(f));
            }
            break;
        default:
            break;
    }
}

void TraceBuilder::Impl::add_udp(Frame&& f) {
    const auto& u = *f.udp;
    if (u.src_port == kBootServerPort || u.dst_port == kBootServerPort) {
        add_dhcp(std::move(f), Protocol::BootServer);
    } else if (is_dhcp_port(u.src_port) && is_dhcp_port(u.dst_port)) {
        add_dhcp(std::move(f), Protocol::Dhcp);
    } else if (add_tftp(f)) {
        // DATA and ACK are summarised in the transfer; everything else stays.
        const auto op = f.tftp ? f.tftp->opcode : 0;
        if (op != static_cast<std::uint16_t>(wire::TftpOpcode::Data) &&
            op != static_cast<std::uint16_t>(wire::TftpOpcode::Ack)) {
            trace.frames.push_back(std::move(f));
        }
    }
}

void TraceBuilder::Impl::add_dhcp(Frame&& f, Protocol proto) {
    auto decoded = wire::decode_dhcp(f.udp->payload);
    for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
    f.protocol = proto;
    if (!decoded.header_complete) {
        trace.frames.push_back(std::move(f));
        return;
    }
    f.dhcp = std::move(decoded.msg);
    const auto& m = *f.dhcp;
    f.direction = m.op == 1 ? Direction::FromClient : m.op == 2 ? Direction::ToClient : Direction::Unknown;
    // chaddr names the client in both directions (RFC 2131 §4.4.1); fall back
    // to the Ethernet source for requests with an odd hlen.
    MacAddr mac = (m.htype == 1 && m.hlen == 6) ? m.client_mac()
                  : f.direction == Direction::FromClient ? f.src_mac
                                                         : f.dst_mac;
    auto& s = session_for(mac);
    auto type = m.message_type();
    if (f.direction == Direction::FromClient) {
        f.stage = client_stage(m);
        const bool no_vendor_class = !m.find(wire::opt::kVendorClass);
        if (no_vendor_class &&
            (type == wire::DhcpMessageType::Decline || type == wire::DhcpMessageType::Release)) {
            for (auto it = s.dhcp_frames.rbegin(); it != s.dhcp_frames.rend(); ++it) {
                const Frame& prev = trace.frames[*it];
                if (prev.direction == Direction::FromClient && prev.dhcp && prev.dhcp->xid == m.xid && prev.stage) {
                    f.stage = prev.stage;
                    break;
                }
            }
        }
    }
    s.dhcp_frames.push_back(trace.frames.size());
    if (f.direction == Direction::ToClient && type == wire::DhcpMessageType::Ack) {
        note_address(s, m.yiaddr);
        if (!m.yiaddr.is_zero()) mac_by_ip[m.yiaddr] = mac;
    }
    if (f.direction == Direction::FromClient && !m.ciaddr.is_zero()) {
        note_address(s, m.ciaddr);
        mac_by_ip[m.ciaddr] = mac;
    }
    trace.frames.push_back(std::move(f));
}

bool TraceBuilder::Impl::add_tftp(Frame& f) {
    const auto& u = *f.udp;
    auto decoded = wire::decode_tftp(u.payload);
    const std::uint16_t opcode = decoded.pkt.opcode;
    const bool is_request = opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Rrq) ||
                            opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Wrq);

    TransferKey from_client{u.src_ip.value, u.src_port, u.dst_ip.value};
    TransferKey to_client{u.dst_ip.value, u.dst_port, u.src_ip.value};
    auto it = open_transfers.find(from_client);
    bool client_side = it != open_transfers.end();
    if (!client_side) it = open_transfers.find(to_client);

    if (u.dst_port == wire::kTftpPort && is_request) {
        // A repeated identical request before any answer is a retransmission
        // of the same transfer; anything else starts a new transfer.
        if (client_side) {
            auto& t = trace.transfers[it->second.index];
            if (t.server_tid == 0 && t.filename == decoded.pkt.filename) {
                t.events.push_back({f.number, f.time_ns, true, opcode, 0, 0, u.src_port, u.dst_port});
                t.end_ns = f.time_ns;
                f.protocol = Protocol::Tftp;
                f.direction = Direction::FromClient;
                for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
                f.tftp = std::move(decoded.pkt);
                return true;
            }
            close_transfer(it->second);
            open_transfers.erase(it);
        }
        TftpTransfer t;
        auto known = mac_by_ip.find(u.src_ip);
        t.client_mac = known != mac_by_ip.end() ? known->second : f.src_mac;
        t.client_ip = u.src_ip;
        t.client_port = u.src_port;
        t.server_ip = u.dst_ip;
        t.request_port = u.dst_port;
        t.write = opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Wrq);
        t.filename = decoded.pkt.filename;
        t.mode = decoded.pkt.mode;
        t.requested = decoded.pkt.options;
        t.request_frame = f.number;
        t.start_ns = t.end_ns = f.time_ns;
        TransferState st;
        st.index = trace.transfers.size();
        auto& s = session_for(t.client_mac);
        s.transfers.push_back(st.index);
        note_address(s, u.src_ip);
        trace.transfers.push_back(std::move(t));
        open_transfers[from_client] = std::move(st);
        f.protocol = Protocol::Tftp;
        f.direction = Direction::FromClient;
        for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
        f.tftp = std::move(decoded.pkt);
        return true;
    }
    if (it == open_transfers.end()) return false;  // not TFTP we know of

    auto& st = it->second;
    auto& t = trace.transfers[st.index];
    const bool from_client_side = client_side;
    f.protocol = Protocol::Tftp;
    f.direction = from_client_side ? Direction::FromClient : Direction::ToClient;
    for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
    const auto& p = decoded.pkt;
    TftpTransfer::Event ev{f.number, f.time_ns, from_client_side, opcode, 0, 0, u.src_port, u.dst_port};
    t.end_ns = f.time_ns;
    if (!from_client_side && t.server_tid == 0) t.server_tid = u.src_port;

    switch (p.op().value_or(wire::TftpOpcode::Rrq)) {
        case wire::TftpOpcode::Data: {
            ev.block = p.block;
            ev.size = static_cast<std::uint32_t>(std::max(p.data.size(), u.declared_length >= 4 ? u.declared_length - 4 : 0));
            // Only the data sender's DATA on the TID pair counts toward the
            // file: the server's for a read (a second server answering the
            // same RRQ is a TFTP-005 finding), the client's for a write.
            const bool from_tid = t.write ? from_client_side && t.server_tid != 0 && u.dst_port == t.server_tid
                                          : !from_client_side && u.src_port == t.server_tid;
            const std::uint16_t expected = static_cast<std::uint16_t>(st.last_block + 1);
            // Past 65535 servers wrap to 0 or to 1 (TFTP-026): accept both.
            const bool next = from_tid && !st.finished &&
                              (p.block == expected || (st.any_data && st.last_block == 0xffff && p.block == 1));
            if (next) {
                st.any_data = true;
                st.last_block = p.block;
                if (!u.complete || p.data.size() + 4 < u.declared_length) t.payload_missing = true;
                st.hash->update(p.data);
                t.bytes += ev.size;
                if (ev.size < t.blksize) {
                    t.complete = true;
                    st.finished = true;
                }
            } else if (from_tid && st.any_data && p.block == st.last_block) {
                ++t.retransmissions;
            }
            break;
        }
        case wire::TftpOpcode::Ack:
            ev.block = p.block;
            break;
        case wire::TftpOpcode::Oack:
            // Only the server's TID negotiates: an OACK from a second port (a
            // second reply to the same RRQ) must not change the transfer.
            if (!from_client_side && u.src_port == t.server_tid) {
                t.oack = p.options;
                if (auto v = p.option_number("blksize")) t.blksize = static_cast<std::uint32_t>(*v);
                if (auto v = p.option_number("windowsize")) t.windowsize = static_cast<std::uint32_t>(*v);
                if (auto v = p.option_number("tsize")) t.tsize = *v;
            }
            break;
        case wire::TftpOpcode::Error: {
            ev.block = p.error_code;
            // An ERROR to or from a foreign port (the client's ERROR 5 to a
            // second server TID, RFC 1350 §4) does not end the transfer.
            const std::uint16_t server_port = from_client_side ? u.dst_port : u.src_port;
            if (t.server_tid == 0 || server_port == t.server_tid) {
                if (!t.error)
                    t.error = TftpTransfer::ErrorInfo{p.error_code, p.error_message, f.number, from_client_side};
                st.finished = true;
            }
            break;
        }
        default:
            break;
    }
    t.events.push_back(ev);
    f.tftp = p;
    return true;
}

void TraceBuilder::Impl::add_arp(Frame&& f) {
    const auto& a = *f.arp;
    // ARP matters only for clients we follow (probes of an offered address,
    // a master resolving the client, conflicts); the rest is segment noise.
    auto relevant_ip = [&](Ipv4Addr ip) { return mac_by_ip.count(ip) != 0; };
    MacAddr owner;
    if (session_by_mac.count(a.sender_mac)) owner = a.sender_mac;
    else if (relevant_ip(a.sender_ip)) owner = mac_by_ip[a.sender_ip];
    else if (relevant_ip(a.target_ip)) owner = mac_by_ip[a.target_ip];
    else return;
    f.protocol = Protocol::Arp;
    f.direction = a.sender_mac == owner ? Direction::FromClient : Direction::ToClient;
    auto& s = session_for(owner);
    s.arp_frames.push_back(trace.frames.size());
    trace.frames.push_back(std::move(f));
}

void TraceBuilder::Impl::close_transfer(TransferState& st) {
    auto& t = trace.transfers[st.index];
    if (st.any_data && !t.payload_missing && t.sha256.empty()) t.sha256 = st.hash->finish();
}

void TraceBuilder::Impl::finish_transfers() {
    for (auto& [key, st] : open_transfers) close_transfer(st);
    open_transfers.clear();
}

Trace TraceBuilder::finish() && {
    impl_->finish_transfers();
    return std::move(impl_->trace);
}

}  // namespace pxecheck::analyze
