#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/wire/pxe.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace pxecheck::analyze {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

/// A client DISCOVER after this much silence from the client starts a new
/// attempt: RFC 2131 §4.1 backs retransmissions off to 64 s at most, so a
/// longer pause is a client that gave up and started again.
constexpr std::int64_t kAttemptIdleNs = 64 * kNsPerSecond;

/// A superseded attempt whose transfers are all finished is closed once it
/// has been quiet this long (the final ACK of its download may still come).
constexpr std::int64_t kSupersededSettleNs = kNsPerSecond;

/// The most events reserved ahead from an OACK's tsize (2 MiB of them): a
/// tsize is the server's claim, not a promise.
constexpr std::uint64_t kMaxReservedEvents = std::uint64_t{1} << 16;

/// A transfer is named by the client's address and port and the server's
/// address: the server's port (its TID) is learned from its first answer.
using TransferKey = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t>;
struct TransferKeyHash {
    std::size_t operator()(const TransferKey& k) const noexcept {
        const std::uint64_t a = (std::uint64_t{std::get<0>(k)} << 16) | std::get<1>(k);
        return std::hash<std::uint64_t>{}(a * 0x9e3779b97f4a7c15ULL ^ std::get<2>(k));
    }
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

std::string_view to_string(AttemptStage s) {
    switch (s) {
        case AttemptStage::Unknown: return "unknown";
        case AttemptStage::PxeFirmware: return "pxe-firmware";
        case AttemptStage::Ipxe: return "ipxe";
        case AttemptStage::HttpBoot: return "uefi-http";
        case AttemptStage::LaterStage: return "later-stage";
    }
    return "unknown";
}

AttemptStage attempt_stage(const wire::DhcpMessage& msg) {
    switch (client_stage(msg)) {
        case ClientStage::HttpBoot: return AttemptStage::HttpBoot;
        case ClientStage::LaterStage: return AttemptStage::LaterStage;
        case ClientStage::Firmware: break;
    }
    // iPXE sends PXEClient like a ROM and names itself in option 77, bare
    // ("iPXE") or as an RFC 3004 item (4 "iPXE"): look for the name.
    if (auto uc = msg.joined(wire::opt::kUserClass)) {
        static constexpr std::string_view kIpxe = "iPXE";
        const std::string_view text(reinterpret_cast<const char*>(uc->data()), uc->size());
        if (text.find(kIpxe) != std::string_view::npos) return AttemptStage::Ipxe;
    }
    return AttemptStage::PxeFirmware;
}

ClientStage frame_stage(const Frame& f) {
    if (f.stage) return *f.stage;
    return f.dhcp ? client_stage(*f.dhcp) : ClientStage::LaterStage;
}

ClientStage own_stage(const Frame& f) {
    if (!f.dhcp) return ClientStage::LaterStage;
    // Without option 60 a message is a later stage's; with it, Frame::stage
    // is its own (only DECLINE and RELEASE without option 60 inherit).
    if (!f.dhcp->find(wire::opt::kVendorClass)) return ClientStage::LaterStage;
    return f.stage ? *f.stage : client_stage(*f.dhcp);
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

// Each client's session is built apart, with its own frames and transfers,
// so that a complete session can be cut out whole (streaming) and the whole
// trace is their merge in arrival order (finish() without streaming).
struct TraceBuilder::Impl {
    /// One client's session while it is built (or the frames of no session).
    struct Live {
        ClientSession session;               ///< indices into frames and transfers below
        std::vector<Frame> frames;           ///< its kept frames, in arrival order
        std::vector<std::uint64_t> frame_order;     ///< arrival rank of each frame
        std::vector<TftpTransfer> transfers;
        std::vector<std::uint64_t> transfer_order;  ///< creation rank of each transfer
        std::vector<TransferKey> keys;       ///< open_transfers entries it made
        std::uint64_t order = 0;             ///< creation rank: first appearance
        std::int64_t last_ns = 0;            ///< time of its latest frame (once touched)
        bool touched = false;                ///< it has had a frame
        std::size_t unfinished = 0;          ///< transfers with no final block or ERROR yet
        // The attempt's state, to tell where the next one starts.
        std::vector<std::uint32_t> client_xids;  ///< xids of the client's DHCP messages
        std::int64_t last_client_ns = 0;     ///< time of its latest client DHCP message
        bool any_client = false;             ///< it has had a client DHCP message
        /// Bound, NAKed, declined, released or fetched a file: the client's
        /// next DISCOVER starts a new attempt.
        bool ended = false;
        bool superseded = false;  ///< a newer attempt of its MAC started
        bool naked = false;       ///< a DHCPNAK answered it
        Live* predecessor = nullptr;  ///< the attempt it superseded, while that is held
        Live* successor = nullptr;    ///< the attempt that superseded it, while that is held
        /// No more traffic is routed to it (superseded and settled): a late
        /// frame goes to its MAC's current attempt, in streaming (where it
        /// is freed) and whole-trace runs alike.
        bool closed = false;
    };

    /// One client MAC across its attempts.
    struct Machine {
        Live* current = nullptr;          ///< the attempt its traffic goes to
        std::vector<Live*> open;          ///< attempts not closed, oldest first
        std::uint32_t attempts = 0;       ///< attempts started so far
        bool offered = false;             ///< an attempt of it got an OFFER
        std::uint32_t naked_in_a_row = 0; ///< its latest attempts that were NAKed, in a row
        std::string downloaded;           ///< last file an attempt of it downloaded complete
        std::int64_t downloaded_end_ns = 0;
        std::uint32_t downloaded_in = 0;      ///< the attempt that fetched it
        std::uint32_t downloaded_rounds = 0;  ///< attempts in a row whose last file it was
    };

    struct TransferState {
        Live* owner = nullptr;
        std::size_t index = 0;      ///< into owner->transfers
        std::uint16_t last_block = 0;
        bool any_data = false;
        bool finished = false;      ///< final block, ERROR: later packets are still recorded
        std::optional<FileDigests::Stream> digest;  ///< of the in-order DATA
    };

    Trace trace;  ///< the capture's description (the kept content lives in `live`)
    link::Reassembler reassembler;
    std::size_t next_number = 1;
    std::uint64_t next_order = 0;
    FileDigests file_digests;  ///< before open_transfers: their streams point here
    using OpenTransfers = std::unordered_map<TransferKey, TransferState, TransferKeyHash>;
    OpenTransfers open_transfers;
    /// The open transfer a datagram from (src) to (dst) belongs to, and
    /// whether the client's side sent it (end(): none).
    std::pair<OpenTransfers::iterator, bool> transfer_of(Ipv4Addr src_ip, std::uint16_t src_port, Ipv4Addr dst_ip,
                                                         std::uint16_t dst_port) {
        auto it = open_transfers.find(TransferKey{src_ip.value, src_port, dst_ip.value});
        if (it != open_transfers.end()) return {it, true};
        return {open_transfers.find(TransferKey{dst_ip.value, dst_port, src_ip.value}), false};
    }
    std::map<std::uint64_t, std::unique_ptr<Live>> live;  ///< attempts by creation rank
    std::unordered_map<MacAddr, Machine> machines;
    std::vector<Live*> superseded;  ///< superseded attempts not closed yet
    std::vector<Live*> to_flush;    ///< streaming: closed attempts to hand over
    Live orphans;  ///< kept frames of no session (BOOTP without a header, malformed frames)
    std::unordered_map<Ipv4Addr, MacAddr> mac_by_ip;  ///< learned from DHCP
    std::size_t held_frames = 0;
    /// DHCP messages of registered types that are no part of a boot, by type.
    std::map<std::string, std::size_t> outside_boot;
    /// The capture's note about them (at finish()).
    void note_outside_boot();

    /// The frame being added: its bytes are copied only if it is kept.
    ByteView current_raw;
    /// Opcode of a DATA/ACK read without decoding it (its frame is not kept).
    std::uint16_t bulk_opcode = 0;
    bool attached = false;  ///< the current frame went to a session or the orphans

    // Streaming.
    SessionSink sink;
    StreamOptions stream_options;
    std::int64_t next_expiry_check = std::numeric_limits<std::int64_t>::min();
    std::int64_t next_fragment_check = std::numeric_limits<std::int64_t>::min();

    /// The attempt \p mac's traffic goes to now (a first one if none).
    Live& session_for(const MacAddr& mac) {
        auto it = machines.find(mac);
        if (it != machines.end() && it->second.current) return *it->second.current;
        return start_attempt(mac);
    }
    /// The current attempt of \p mac, or nullptr.
    Live* current_of(const MacAddr& mac) {
        auto it = machines.find(mac);
        return it == machines.end() ? nullptr : it->second.current;
    }
    /// The attempt a server reply with \p xid answers: the newest open one
    /// whose client used that xid, else the current one.
    Live& attempt_for_reply(const MacAddr& mac, std::uint32_t xid) {
        auto it = machines.find(mac);
        if (it != machines.end()) {
            const auto& open = it->second.open;
            for (auto a = open.rbegin(); a != open.rend(); ++a)
                if (std::find((*a)->client_xids.begin(), (*a)->client_xids.end(), xid) != (*a)->client_xids.end())
                    return **a;
        }
        return session_for(mac);
    }
    /// Starts a new attempt of \p mac; the one before is superseded.
    Live& start_attempt(const MacAddr& mac) {
        auto& m = machines[mac];
        auto l = std::make_unique<Live>();
        // A PXE boot keeps a few dozen frames: room for them up front
        // saves moving every Frame at each doubling.
        l->frames.reserve(32);
        l->frame_order.reserve(32);
        l->session.mac = mac;
        l->order = next_order++;
        l->session.attempt = ++m.attempts;
        // The NAK streak goes on only if the attempt before was NAKed.
        if (m.current && !m.current->naked) m.naked_in_a_row = 0;
        l->session.earlier = EarlierAttempts{m.attempts - 1, m.offered,           m.naked_in_a_row,
                                             m.downloaded,   m.downloaded_end_ns, m.downloaded_rounds};
        Live* raw = l.get();
        live.emplace(raw->order, std::move(l));
        Live* before = m.current;
        m.current = raw;
        m.open.push_back(raw);
        if (before) {
            before->superseded = true;
            before->successor = raw;
            before->session.next.attempt = raw->session.attempt;
            raw->predecessor = before;
            superseded.push_back(before);
        }
        return *raw;
    }
    /// Whether a client DISCOVER (or INIT-REBOOT REQUEST) with \p xid from
    /// \p stage at \p time_ns starts a new attempt after \p cur.
    static bool starts_new_attempt(const Live& cur, std::uint32_t xid, AttemptStage stage, std::int64_t time_ns) {
        if (cur.ended) return true;
        if (!cur.any_client) return false;  // only replies or TFTP so far: the same boot
        if (std::find(cur.client_xids.begin(), cur.client_xids.end(), xid) != cur.client_xids.end()) return false;
        if (cur.session.stage != AttemptStage::Unknown && cur.session.stage != stage) return true;
        return time_ns - cur.last_client_ns > kAttemptIdleNs;
    }
    /// A read by \p l completed: the machine's last download (EarlierAttempts).
    void note_download(const Live& l, const TftpTransfer& t) {
        auto& m = machines[l.session.mac];
        if (l.session.attempt != m.downloaded_in)
            m.downloaded_rounds = t.filename == m.downloaded && m.downloaded_in + 1 == l.session.attempt
                                      ? m.downloaded_rounds + 1
                                      : 1;
        m.downloaded = t.filename;
        m.downloaded_end_ns = t.end_ns;
        m.downloaded_in = l.session.attempt;
    }
    /// Closes superseded attempts that have settled (see Live::closed).
    void settle_superseded(std::int64_t now);
    void close_attempt(Live& l);

    static void note_address(ClientSession& s, Ipv4Addr ip) {
        if (ip.is_zero()) return;
        if (std::find(s.addresses.begin(), s.addresses.end(), ip) == s.addresses.end())
            s.addresses.push_back(ip);
    }

    /// The session saw traffic now.
    void touch(Live& l, std::int64_t time_ns) {
        // From its first frame, not from 0: times before 1970 are negative,
        // and a session that started at 0 would never look idle.
        l.last_ns = l.touched ? std::max(l.last_ns, time_ns) : time_ns;
        l.touched = true;
        attached = true;
    }
    /// Keeps \p f in \p l; returns its index there.
    std::size_t keep(Live& l, Frame&& f) {
        if (f.raw.empty()) f.raw.assign(current_raw.begin(), current_raw.end());
        touch(l, f.time_ns);
        l.frames.push_back(std::move(f));
        l.frame_order.push_back(next_order++);
        ++held_frames;
        return l.frames.size() - 1;
    }
    void keep_orphan(Frame&& f) {
        keep(orphans, std::move(f));
        if (sink && orphans.frames.size() >= std::max<std::size_t>(stream_options.max_orphan_frames, 1))
            flush_orphans();
    }

    void add_frame(std::size_t number, std::int64_t time_ns, ByteView data, std::uint32_t orig_len);
    /// A TFTP DATA or ACK read in place from its frame.
    struct BulkPacket {
        std::size_t number = 0;
        std::int64_t time_ns = 0;
        std::uint16_t src_port = 0;
        std::uint16_t dst_port = 0;
        std::uint16_t opcode = 0;
        std::uint16_t block = 0;
        ByteView data;                    ///< DATA payload after the 4-byte header
        std::size_t declared_length = 0;  ///< UDP payload size the headers announce
        bool complete = true;             ///< all of the UDP payload was captured
    };
    /// The bulk of a capture, DATA and ACK of well-formed frames, without
    /// building a Frame (none is kept); false when the frame needs the full
    /// decode.
    bool add_bulk_frame(std::size_t number, std::int64_t time_ns, ByteView data);
    /// Records \p b in the transfer; returns the session it belongs to.
    Live* add_bulk(TransferState& st, bool from_client_side, const BulkPacket& b);
    void add_udp(Frame&& f);
    void add_dhcp(Frame&& f, Protocol proto);
    /// The session whose transfer \p f belongs to (nullptr: not TFTP we know of);
    /// only a request sent to port 69 (\p to_tftp_server_port) opens a transfer.
    Live* add_tftp(Frame& f, bool to_tftp_server_port);
    void add_arp(Frame&& f);
    /// An ICMP error quoting a datagram of an open transfer joins it.
    void add_icmp(Frame&& f);
    void mark_finished(TransferState& st);
    void close_transfer(TransferState& st);
    void finish_transfers();

    [[nodiscard]] Trace piece_header() const;
    [[nodiscard]] bool complete(const Live& l, std::int64_t now) const;
    void expire(std::int64_t now);
    void expire_fragments(std::int64_t now);
    void flush(Live* attempt);
    /// Streaming: hands over the attempts closed since the last call.
    void flush_closed();
    void flush_orphans();
    void flush_all();
    void merge_into_trace();
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

void TraceBuilder::stream(SessionSink sink, StreamOptions options) {
    impl_->sink = std::move(sink);
    impl_->stream_options = options;
}

std::size_t TraceBuilder::live_sessions() const { return impl_->live.size(); }
std::size_t TraceBuilder::live_frames() const { return impl_->held_frames; }
std::size_t TraceBuilder::pending_fragments() const { return impl_->reassembler.pending(); }

void TraceBuilder::Impl::add_frame(std::size_t number, std::int64_t time_ns, ByteView data,
                                   std::uint32_t orig_len) {
    if (trace.total_frames == 0 || time_ns < trace.first_time_ns) trace.first_time_ns = time_ns;
    if (trace.total_frames == 0 || time_ns > trace.last_time_ns) trace.last_time_ns = time_ns;
    ++trace.total_frames;
    expire_fragments(trace.last_time_ns);
    settle_superseded(trace.last_time_ns);
    attached = false;
    if (add_bulk_frame(number, time_ns, data)) {
        if (attached) expire(trace.last_time_ns);
        if (sink) flush_closed();
        return;
    }
    auto decoded = link::decode_frame(trace.linktype, data);
    Frame f;
    f.number = number;
    f.time_ns = time_ns;
    f.src_mac = decoded.src_mac;
    f.dst_mac = decoded.dst_mac;
    f.vlans = std::move(decoded.vlans);
    f.anomalies = std::move(decoded.anomalies);
    f.original_length = orig_len ? orig_len : static_cast<std::uint32_t>(data.size());
    current_raw = data;
    attached = false;

    switch (decoded.kind) {
        case link::DecodedFrame::Kind::Udp:
            f.udp = std::move(decoded.udp);
            add_udp(std::move(f));
            break;
        case link::DecodedFrame::Kind::Fragment:
            if (decoded.fragment) {
                auto whole = reassembler.add(*decoded.fragment, f.anomalies, time_ns);
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
        case link::DecodedFrame::Kind::OtherIp:
            if (decoded.icmp) {
                f.icmp = decoded.icmp;
                add_icmp(std::move(f));
            }
            break;
        case link::DecodedFrame::Kind::Malformed:
            // Keep malformed frames only when they could be ours: the rules
            // and reports show them as evidence of a broken packet.
            if (!f.anomalies.empty()) {
                f.protocol = Protocol::Other;
                keep_orphan(std::move(f));
            }
            break;
        default:
            break;
    }
    current_raw = {};
    // Reclaim only when something was just held: frames kept by nobody do
    // not grow memory, and a lone client is not cut by its own silence.
    if (attached) expire(trace.last_time_ns);
    if (sink) flush_closed();
}

void TraceBuilder::Impl::add_udp(Frame&& f) {
    const auto service = wire::classify_udp(f.udp->src_port, f.udp->dst_port);
    if (service == wire::UdpService::PxeBootServer) {
        add_dhcp(std::move(f), Protocol::BootServer);
    } else if (service == wire::UdpService::Dhcp) {
        add_dhcp(std::move(f), Protocol::Dhcp);
    } else if (Live* owner = add_tftp(f, service == wire::UdpService::TftpRequest)) {
        // DATA and ACK are summarised in the transfer; everything else stays.
        const auto op = f.tftp ? f.tftp->opcode : bulk_opcode;
        if (op != static_cast<std::uint16_t>(wire::TftpOpcode::Data) &&
            op != static_cast<std::uint16_t>(wire::TftpOpcode::Ack)) {
            keep(*owner, std::move(f));
        } else {
            touch(*owner, f.time_ns);
        }
    }
}

void TraceBuilder::Impl::add_dhcp(Frame&& f, Protocol proto) {
    auto decoded = wire::decode_dhcp(f.udp->payload);
    for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
    f.protocol = proto;
    if (!decoded.header_complete) {
        keep_orphan(std::move(f));
        return;
    }
    f.dhcp = std::move(decoded.msg);
    const auto& m = *f.dhcp;
    f.direction = m.op == 1 ? Direction::FromClient : m.op == 2 ? Direction::ToClient : Direction::Unknown;
    if (const auto type = m.message_type(); type && wire::outside_boot(*type)) {
        // A lease query (a relay asking a server about a client) or a
        // FORCERENEW: DHCP, but no client's boot. Kept as evidence, in no
        // session, and counted in the capture's notes.
        ++outside_boot[wire::to_string(*type)];
        keep_orphan(std::move(f));
        return;
    }
    // chaddr names the client in both directions (RFC 2131 §4.4.1); fall back
    // to the Ethernet source for requests with an odd hlen.
    MacAddr mac = (m.htype == 1 && m.hlen == 6) ? m.client_mac()
                  : f.direction == Direction::FromClient ? f.src_mac
                                                         : f.dst_mac;
    auto type = m.message_type();
    using T = wire::DhcpMessageType;
    Live* attempt = nullptr;
    if (f.direction == Direction::FromClient) {
        const AttemptStage stage = attempt_stage(m);
        // A DISCOVER, or an INIT-REBOOT REQUEST (option 50, no 54, no
        // ciaddr: RFC 2131 §4.3.2), is where a client (re)starts DHCP.
        const bool restarts = proto == Protocol::Dhcp &&
                              (type == T::Discover ||
                               (type == T::Request && m.ciaddr.is_zero() && m.find(wire::opt::kRequestedAddress) &&
                                !m.find(wire::opt::kServerId)));
        attempt = current_of(mac);
        if (!attempt || (restarts && starts_new_attempt(*attempt, m.xid, stage, f.time_ns)))
            attempt = &start_attempt(mac);
        Live& a = *attempt;
        // DECLINE and RELEASE carry no option 60: they do not name a stage.
        if (a.session.stage == AttemptStage::Unknown && type != T::Decline && type != T::Release)
            a.session.stage = stage;
        if (std::find(a.client_xids.begin(), a.client_xids.end(), m.xid) == a.client_xids.end())
            a.client_xids.push_back(m.xid);
        a.any_client = true;
        a.last_client_ns = f.time_ns;
        if (type == T::Decline || type == T::Release) a.ended = true;
    } else {
        attempt = &attempt_for_reply(mac, m.xid);
        if (f.direction == Direction::ToClient && proto == Protocol::Dhcp) {
            if (type == T::Nak || (type == T::Ack && !m.yiaddr.is_zero())) attempt->ended = true;
            if (type == T::Ack && !m.yiaddr.is_zero() && attempt->predecessor &&
                attempt->predecessor->session.next.bound.is_zero()) {
                attempt->predecessor->session.next.bound = m.yiaddr;
                attempt->predecessor->session.next.bound_frame = f.number;
            }
            if (type == T::Offer) machines[mac].offered = true;
            if (type == T::Nak && !attempt->naked) {
                attempt->naked = true;
                ++machines[mac].naked_in_a_row;
            }
        }
    }
    auto& l = *attempt;
    auto& s = l.session;
    f.stage = client_stage(m);
    if (f.direction == Direction::FromClient) {
        const bool no_vendor_class = !m.find(wire::opt::kVendorClass);
        if (no_vendor_class &&
            (type == wire::DhcpMessageType::Decline || type == wire::DhcpMessageType::Release)) {
            // Same xid first (a DECLINE answers its ACK); else the client's
            // latest message (a RELEASE usually starts a new xid).
            std::optional<ClientStage> latest;
            for (auto it = s.dhcp_frames.rbegin(); it != s.dhcp_frames.rend(); ++it) {
                const Frame& prev = l.frames[*it];
                if (prev.direction != Direction::FromClient || !prev.dhcp || !prev.stage) continue;
                if (!latest) latest = prev.stage;
                if (prev.dhcp->xid == m.xid) {
                    latest = prev.stage;
                    break;
                }
            }
            if (latest) f.stage = latest;
        }
    }
    if (f.direction == Direction::ToClient && type == wire::DhcpMessageType::Ack) {
        note_address(s, m.yiaddr);
        if (!m.yiaddr.is_zero()) mac_by_ip[m.yiaddr] = mac;
    }
    if (f.direction == Direction::FromClient && !m.ciaddr.is_zero()) {
        note_address(s, m.ciaddr);
        mac_by_ip[m.ciaddr] = mac;
    }
    s.dhcp_frames.push_back(keep(l, std::move(f)));
}

TraceBuilder::Impl::Live* TraceBuilder::Impl::add_tftp(Frame& f, bool to_tftp_server_port) {
    const auto& u = *f.udp;
    // DATA and ACK are most of a capture and their frames are not kept:
    // read opcode, block and data in place instead of decoding a copy.
    const ByteView payload = u.payload;
    const std::uint16_t raw_op = payload.size() >= 2 ? static_cast<std::uint16_t>((payload[0] << 8) | payload[1]) : 0;
    const bool bulk = payload.size() >= 4 && (raw_op == static_cast<std::uint16_t>(wire::TftpOpcode::Data) ||
                                              raw_op == static_cast<std::uint16_t>(wire::TftpOpcode::Ack));
    bulk_opcode = bulk ? raw_op : 0;
    wire::TftpDecoded decoded;
    if (bulk) {
        decoded.pkt.opcode = raw_op;
        decoded.pkt.block = static_cast<std::uint16_t>((payload[2] << 8) | payload[3]);
    } else {
        decoded = wire::decode_tftp(payload);
    }
    const ByteView bulk_data = bulk ? payload.subspan(4) : ByteView{};
    const std::uint16_t opcode = decoded.pkt.opcode;
    const bool is_request = opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Rrq) ||
                            opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Wrq);

    const TransferKey from_client{u.src_ip.value, u.src_port, u.dst_ip.value};
    auto [it, client_side] = transfer_of(u.src_ip, u.src_port, u.dst_ip, u.dst_port);

    if (to_tftp_server_port && is_request) {
        // A repeated identical request before any answer is a retransmission
        // of the same transfer; anything else starts a new transfer.
        if (client_side) {
            Live* owner = it->second.owner;
            auto& t = owner->transfers[it->second.index];
            if (t.server_tid == 0 && t.filename == decoded.pkt.filename) {
                t.events.push_back({f.number, f.time_ns, true, opcode, 0, 0, u.src_port, u.dst_port});
                t.end_ns = f.time_ns;
                f.protocol = Protocol::Tftp;
                f.direction = Direction::FromClient;
                for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
                f.tftp = std::move(decoded.pkt);
                return owner;
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
        auto& l = session_for(t.client_mac);
        l.ended = true;  // the client is past DHCP: its next DISCOVER is a new attempt
        TransferState st;
        st.digest = file_digests.open(t.filename);
        st.owner = &l;
        st.index = l.transfers.size();
        l.session.transfers.push_back(st.index);
        note_address(l.session, u.src_ip);
        l.transfers.push_back(std::move(t));
        l.transfer_order.push_back(next_order++);
        l.keys.push_back(from_client);
        ++l.unfinished;
        open_transfers[from_client] = std::move(st);
        f.protocol = Protocol::Tftp;
        f.direction = Direction::FromClient;
        for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
        f.tftp = std::move(decoded.pkt);
        return &l;
    }
    if (it == open_transfers.end()) return nullptr;  // not TFTP we know of
    const auto& p = decoded.pkt;
    if (bulk || p.op() == wire::TftpOpcode::Data || p.op() == wire::TftpOpcode::Ack) {
        // Not kept (see add_udp): only the transfer records it.
        Live* owner = add_bulk(it->second, client_side,
                               BulkPacket{f.number, f.time_ns, u.src_port, u.dst_port, opcode, p.block,
                                          bulk ? bulk_data : ByteView(p.data), u.declared_length, u.complete});
        if (!bulk) f.tftp = std::move(decoded.pkt);
        return owner;
    }

    auto& st = it->second;
    auto& t = st.owner->transfers[st.index];
    const bool from_client_side = client_side;
    f.protocol = Protocol::Tftp;
    f.direction = from_client_side ? Direction::FromClient : Direction::ToClient;
    for (auto& a : decoded.anomalies) f.anomalies.push_back(std::move(a));
    TftpTransfer::Event ev{f.number, f.time_ns, from_client_side, opcode, 0, 0, u.src_port, u.dst_port};
    t.end_ns = f.time_ns;
    if (!from_client_side && t.server_tid == 0) t.server_tid = u.src_port;

    switch (p.op().value_or(wire::TftpOpcode::Rrq)) {
        case wire::TftpOpcode::Oack:
            // Only the server's TID negotiates: an OACK from a second port (a
            // second reply to the same RRQ) must not change the transfer.
            if (!from_client_side && u.src_port == t.server_tid) {
                t.oack = p.options;
                // The OACK may say any 64-bit number; a value past 32 bits is
                // kept as the largest one (cut to its low bits, 4294967808
                // would read as blksize 512 and 4294967296 as windowsize 0).
                auto u32 = [](std::uint64_t v) {
                    return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, std::numeric_limits<std::uint32_t>::max()));
                };
                if (auto v = p.option_number("blksize")) t.blksize = u32(*v);
                if (auto v = p.option_number("windowsize")) t.windowsize = u32(*v);
                if (auto v = p.option_number("tsize")) t.tsize = *v;
                // A DATA and an ACK per block follow: room for them at once
                // instead of a vector doubling (and copying) its way up.
                if (t.tsize && t.blksize)
                    t.events.reserve(2 * std::min<std::uint64_t>(*t.tsize / t.blksize, kMaxReservedEvents / 2) + 8);
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
                mark_finished(st);
            }
            break;
        }
        default:
            break;
    }
    t.events.push_back(ev);
    f.tftp = std::move(decoded.pkt);
    return st.owner;
}

bool TraceBuilder::Impl::add_bulk_frame(std::size_t number, std::int64_t time_ns, ByteView data) {
    const auto u = link::peek_udp(trace.linktype, data);
    if (!u || wire::carries_dhcp(wire::classify_udp(u->src_port, u->dst_port)) || u->payload.size() < 4)
        return false;
    const ByteView payload = u->payload;
    const auto opcode = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
    if (opcode != static_cast<std::uint16_t>(wire::TftpOpcode::Data) &&
        opcode != static_cast<std::uint16_t>(wire::TftpOpcode::Ack))
        return false;
    // A DATA or ACK of no open transfer is not TFTP we know of.
    const auto [it, client_side] = transfer_of(u->src_ip, u->src_port, u->dst_ip, u->dst_port);
    if (it == open_transfers.end()) return true;
    const auto block = static_cast<std::uint16_t>((payload[2] << 8) | payload[3]);
    Live* owner = add_bulk(it->second, client_side,
                           BulkPacket{number, time_ns, u->src_port, u->dst_port, opcode, block, payload.subspan(4),
                                      payload.size(), true});
    touch(*owner, time_ns);
    return true;
}

TraceBuilder::Impl::Live* TraceBuilder::Impl::add_bulk(TransferState& st, bool from_client_side,
                                                       const BulkPacket& b) {
    auto& t = st.owner->transfers[st.index];
    TftpTransfer::Event ev{b.number, b.time_ns, from_client_side, b.opcode, b.block, 0, b.src_port, b.dst_port};
    t.end_ns = b.time_ns;
    if (!from_client_side && t.server_tid == 0) t.server_tid = b.src_port;
    if (b.opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Data)) {
        ev.size = static_cast<std::uint32_t>(std::max(b.data.size(), b.declared_length >= 4 ? b.declared_length - 4 : 0));
        // Only the data sender's DATA on the TID pair counts toward the
        // file: the server's for a read (a second server answering the
        // same RRQ is a TFTP-005 finding), the client's for a write.
        const bool from_tid = t.write ? from_client_side && t.server_tid != 0 && b.dst_port == t.server_tid
                                      : !from_client_side && b.src_port == t.server_tid;
        const std::uint16_t expected = static_cast<std::uint16_t>(st.last_block + 1);
        // Past 65535 servers wrap to 0 or to 1 (TFTP-026): accept both.
        const bool next = from_tid && !st.finished &&
                          (b.block == expected || (st.any_data && st.last_block == 0xffff && b.block == 1));
        if (next) {
            st.any_data = true;
            st.last_block = b.block;
            if (!b.complete || b.data.size() + 4 < b.declared_length) t.payload_missing = true;
            st.digest->update(b.data);
            t.bytes += ev.size;
            if (ev.size < t.blksize) {
                t.complete = true;
                mark_finished(st);
                if (!t.write) note_download(*st.owner, t);
            }
        } else if (from_tid && st.any_data && b.block == st.last_block) {
            ++t.retransmissions;
        }
    }
    t.events.push_back(ev);
    return st.owner;
}

void TraceBuilder::Impl::add_arp(Frame&& f) {
    const auto& a = *f.arp;
    // ARP matters only for clients we follow (probes of an offered address,
    // a master resolving the client, conflicts); the rest is segment noise.
    auto relevant_ip = [&](Ipv4Addr ip) { return mac_by_ip.count(ip) != 0; };
    MacAddr owner;
    if (current_of(a.sender_mac)) owner = a.sender_mac;
    else if (relevant_ip(a.sender_ip)) owner = mac_by_ip[a.sender_ip];
    else if (relevant_ip(a.target_ip)) owner = mac_by_ip[a.target_ip];
    else return;
    f.protocol = Protocol::Arp;
    f.direction = a.sender_mac == owner ? Direction::FromClient : Direction::ToClient;
    auto& l = session_for(owner);
    l.session.arp_frames.push_back(keep(l, std::move(f)));
}

void TraceBuilder::Impl::add_icmp(Frame&& f) {
    const auto& e = *f.icmp;
    if (!e.quoted_udp) return;
    // The client's datagram (an RRQ, an ACK) quoted: the server side refused
    // it. The server's (DATA) quoted: the client side did.
    const auto [it, refused_client] =
        transfer_of(e.quoted_src_ip, e.quoted_src_port, e.quoted_dst_ip, e.quoted_dst_port);
    if (it == open_transfers.end()) return;  // not about a transfer we follow
    auto& st = it->second;
    auto& t = st.owner->transfers[st.index];
    if (!t.unreachable) t.unreachable = TftpTransfer::Unreachable{f.number, f.time_ns, e, refused_client, 1};
    else ++t.unreachable->count;
    f.protocol = Protocol::Icmp;
    f.direction = refused_client ? Direction::ToClient : Direction::FromClient;
    keep(*st.owner, std::move(f));
}

void TraceBuilder::Impl::mark_finished(TransferState& st) {
    if (st.finished) return;
    st.finished = true;
    if (st.owner->unfinished) --st.owner->unfinished;
}

void TraceBuilder::Impl::close_transfer(TransferState& st) {
    mark_finished(st);
    auto& t = st.owner->transfers[st.index];
    if (st.any_data && !t.payload_missing && t.sha256.empty()) t.sha256 = st.digest->finish();
}

void TraceBuilder::Impl::finish_transfers() {
    for (auto& [key, st] : open_transfers) close_transfer(st);
    open_transfers.clear();
}

// --- streaming ------------------------------------------------------------------

Trace TraceBuilder::Impl::piece_header() const {
    Trace piece;
    piece.source = trace.source;
    piece.linktype = trace.linktype;
    piece.total_frames = trace.total_frames;
    piece.first_time_ns = trace.first_time_ns;
    piece.last_time_ns = trace.last_time_ns;
    return piece;
}

bool TraceBuilder::Impl::complete(const Live& l, std::int64_t now) const {
    // A superseded attempt leaves when it settles (settle_superseded): its
    // judgement waits for what the client did next, whatever the horizon.
    if (l.superseded && !l.closed) return false;
    const std::int64_t idle = now - l.last_ns;
    const std::int64_t horizon = std::max<std::int64_t>(stream_options.idle_horizon_ns, 0);
    if (idle <= horizon) return false;
    return l.unfinished == 0 || idle > std::max(horizon, stream_options.open_transfer_grace_ns);
}

void TraceBuilder::Impl::expire(std::int64_t now) {
    if (!sink || now < next_expiry_check) return;
    // A scan per second of capture time at most (every frame for a
    // horizon under a second): sessions leave at most a second late.
    next_expiry_check = now + std::clamp<std::int64_t>(stream_options.idle_horizon_ns, 0, kNsPerSecond);
    std::vector<Live*> done;
    for (const auto& [order, l] : live)
        if (complete(*l, now)) done.push_back(l.get());
    for (Live* l : done) flush(l);
    if (!orphans.frames.empty() && now - orphans.last_ns > std::max<std::int64_t>(stream_options.idle_horizon_ns, 0))
        flush_orphans();
}

void TraceBuilder::Impl::expire_fragments(std::int64_t now) {
    if (now < next_fragment_check) return;
    next_fragment_check = now + kNsPerSecond;
    if (reassembler.pending() == 0) return;
    // Incomplete datagrams leave like evicted ones: without a frame to carry
    // their anomaly (the whole-trace and streaming paths agree on this).
    Anomalies dropped;
    reassembler.expire(now - stream_options.fragment_timeout_ns, dropped);
}

void TraceBuilder::Impl::settle_superseded(std::int64_t now) {
    if (superseded.empty()) return;
    std::vector<Live*> settled;
    std::erase_if(superseded, [&](Live* l) {
        const std::int64_t quiet = now - l->last_ns;
        // Held until its successor has ended too (bound, declined, ...), so
        // that what the client did next is known when it is judged.
        const bool successor_done = !l->successor || l->successor->ended || l->successor->superseded ||
                                    now - l->successor->last_ns > kAttemptIdleNs;
        const bool done = l->closed ||
                          (l->unfinished == 0 ? quiet > kSupersededSettleNs && successor_done
                                              : quiet > std::max<std::int64_t>(stream_options.open_transfer_grace_ns, 0));
        if (done && !l->closed) settled.push_back(l);
        return done;
    });
    for (Live* l : settled) close_attempt(*l);
}

void TraceBuilder::Impl::close_attempt(Live& l) {
    l.closed = true;
    for (const auto& key : l.keys) {
        auto it = open_transfers.find(key);
        if (it == open_transfers.end() || it->second.owner != &l) continue;
        close_transfer(it->second);
        open_transfers.erase(it);
    }
    auto m = machines.find(l.session.mac);
    if (m != machines.end()) std::erase(m->second.open, &l);
    if (sink) to_flush.push_back(&l);
}

void TraceBuilder::Impl::flush(Live* attempt) {
    auto found = live.find(attempt->order);
    if (found == live.end()) return;
    std::unique_ptr<Live> l = std::move(found->second);
    live.erase(found);
    std::erase(superseded, l.get());
    std::erase(to_flush, l.get());
    for (const auto& key : l->keys) {
        auto it = open_transfers.find(key);
        if (it == open_transfers.end() || it->second.owner != l.get()) continue;
        close_transfer(it->second);
        open_transfers.erase(it);
    }
    if (l->predecessor) l->predecessor->successor = nullptr;
    if (l->successor) l->successor->predecessor = nullptr;
    const MacAddr mac = l->session.mac;
    auto& machine = machines[mac];
    std::erase(machine.open, l.get());
    if (machine.current == l.get()) {
        machine.current = nullptr;
        // Later frames to its addresses are no longer this client's.
        for (auto ip : l->session.addresses) {
            auto it = mac_by_ip.find(ip);
            if (it != mac_by_ip.end() && it->second == mac) mac_by_ip.erase(it);
        }
    }
    held_frames -= l->frames.size();
    Trace piece = piece_header();
    piece.frames = std::move(l->frames);
    piece.transfers = std::move(l->transfers);
    piece.sessions.push_back(std::move(l->session));
    l.reset();
    sink(std::move(piece));
}

void TraceBuilder::Impl::flush_closed() {
    while (!to_flush.empty()) flush(to_flush.front());
}

void TraceBuilder::Impl::flush_orphans() {
    if (orphans.frames.empty()) return;
    held_frames -= orphans.frames.size();
    Trace piece = piece_header();
    piece.frames = std::move(orphans.frames);
    orphans = Live{};
    sink(std::move(piece));
}

void TraceBuilder::Impl::flush_all() {
    std::vector<Live*> rest;
    for (const auto& [order, l] : live) rest.push_back(l.get());
    for (Live* l : rest) flush(l);
    flush_orphans();
}

// --- whole trace ----------------------------------------------------------------

void TraceBuilder::Impl::merge_into_trace() {
    finish_transfers();
    std::vector<Live*> sessions;
    for (auto& [order, l] : live) sessions.push_back(l.get());

    // Frames and transfers in the order they arrived, as one list each.
    struct Ref {
        std::uint64_t order;
        Live* owner;
        std::size_t index;
    };
    std::vector<Ref> frames, transfers;
    frames.reserve(held_frames);
    auto collect = [&](Live* l) {
        for (std::size_t i = 0; i < l->frames.size(); ++i) frames.push_back({l->frame_order[i], l, i});
        for (std::size_t i = 0; i < l->transfers.size(); ++i) transfers.push_back({l->transfer_order[i], l, i});
    };
    for (Live* l : sessions) collect(l);
    collect(&orphans);
    auto by_order = [](const Ref& a, const Ref& b) { return a.order < b.order; };
    std::sort(frames.begin(), frames.end(), by_order);
    std::sort(transfers.begin(), transfers.end(), by_order);

    std::unordered_map<const Live*, std::vector<std::size_t>> frame_at, transfer_at;
    for (Live* l : sessions) {
        frame_at[l].resize(l->frames.size());
        transfer_at[l].resize(l->transfers.size());
    }
    frame_at[&orphans].resize(orphans.frames.size());
    trace.frames.reserve(frames.size());
    for (const auto& r : frames) {
        frame_at[r.owner][r.index] = trace.frames.size();
        trace.frames.push_back(std::move(r.owner->frames[r.index]));
    }
    trace.transfers.reserve(transfers.size());
    for (const auto& r : transfers) {
        transfer_at[r.owner][r.index] = trace.transfers.size();
        trace.transfers.push_back(std::move(r.owner->transfers[r.index]));
    }
    trace.sessions.reserve(sessions.size());
    for (Live* l : sessions) {
        ClientSession s = std::move(l->session);
        const auto& fa = frame_at[l];
        const auto& ta = transfer_at[l];
        for (auto& i : s.dhcp_frames) i = fa[i];
        for (auto& i : s.arp_frames) i = fa[i];
        for (auto& i : s.transfers) i = ta[i];
        trace.sessions.push_back(std::move(s));
    }
    live.clear();
    machines.clear();
    superseded.clear();
    orphans = Live{};
    held_frames = 0;
}

void TraceBuilder::Impl::note_outside_boot() {
    if (outside_boot.empty()) return;
    std::size_t total = 0;
    std::string list;
    for (const auto& [type, n] : outside_boot) {
        total += n;
        list += (list.empty() ? "" : ", ") + type + " " + std::to_string(n);
    }
    trace.source_anomalies.push_back(
        {"capture.outside_boot", 0,
         std::to_string(total) + " DHCP message" + (total == 1 ? "" : "s") + " of registered types that are no part "
             "of a boot (" + list + "): shown as frames, not judged"});
}

Trace TraceBuilder::finish() && {
    impl_->note_outside_boot();
    if (impl_->sink) {
        impl_->flush_all();
    } else {
        impl_->merge_into_trace();
    }
    return std::move(impl_->trace);
}

}  // namespace pxecheck::analyze
