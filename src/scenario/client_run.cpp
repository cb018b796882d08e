#include "pxecheck/scenario/client_run.hpp"

#include <algorithm>
#include <map>

#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/scenario/frame_recorder.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace pxecheck::scenario {

namespace {

/// Frames on a shared segment that concern our NIC: to or from its MAC, or
/// broadcasts about it (DHCP replies with its chaddr, ARP for its address).
/// Other clients' traffic is left out of the trace; other servers' answers
/// to us are in (that is how a second DHCP server is seen).
bool concerns(const link::DecodedFrame& f, const MacAddr& mac, const std::optional<Ipv4Addr>& ip) {
    if (f.src_mac == mac || f.dst_mac == mac) return true;
    if (f.arp) return ip && (f.arp->target_ip == *ip || f.arp->sender_ip == *ip);
    if (f.udp && f.dst_mac.is_broadcast()) {
        const auto& u = *f.udp;
        const bool from_server = wire::carries_dhcp(wire::classify_udp(u.src_port, u.dst_port)) &&
                                 (u.src_port == wire::kDhcpServerPort || u.src_port == wire::kPxeBootServerPort);
        // chaddr sits at offset 28 of a BOOTP payload.
        if (from_server && u.payload.size() >= 34)
            return std::equal(mac.octets.begin(), mac.octets.end(), u.payload.begin() + 28);
    }
    return false;
}

/// What the probe evaluation needs to know of each recorded frame, by
/// frame number (the trace keeps only some of them: a stray ACK from a port
/// no transfer uses, or TFTP DATA, are not kept as frames).
struct FrameNote {
    std::size_t number = 0;
    bool from_nic = false;
    Ipv4Addr src_ip, dst_ip;
    std::uint16_t src_port = 0, dst_port = 0;
    bool dhcp = false;
    std::uint32_t xid = 0;
    int dhcp_type = 0;
    bool tftp = false;
    std::uint16_t opcode = 0;
    std::uint16_t value = 0;  ///< block, or ERROR code
};

FrameNote note_frame(std::size_t number, ByteView frame, const MacAddr& mac) {
    FrameNote n;
    n.number = number;
    const auto f = link::decode_frame(link::linktype::kEthernet, frame);
    if (!f.udp) return n;
    const auto& u = *f.udp;
    n.from_nic = f.src_mac == mac;
    n.src_ip = u.src_ip;
    n.dst_ip = u.dst_ip;
    n.src_port = u.src_port;
    n.dst_port = u.dst_port;
    if (wire::carries_dhcp(wire::classify_udp(u.src_port, u.dst_port))) {
        const auto d = wire::decode_dhcp(u.payload);
        if (d.header_complete) {
            n.dhcp = true;
            n.xid = d.msg.xid;
            n.dhcp_type = d.msg.message_type() ? static_cast<int>(*d.msg.message_type()) : 0;
        }
    } else if (u.payload.size() >= 4) {
        n.tftp = true;
        n.opcode = static_cast<std::uint16_t>(u.payload[0] << 8 | u.payload[1]);
        n.value = static_cast<std::uint16_t>(u.payload[2] << 8 | u.payload[3]);
    }
    return n;
}

constexpr std::size_t kMaxProbeFrames = 12;

/// The frames that show what probe \p p sent and what came back; \p stimulus
/// gets the ones the probe sent on purpose.
std::vector<std::size_t> probe_frames(const client::ProbeOutcome& p, const std::vector<FrameNote>& notes,
                                      std::vector<std::size_t>& stimulus) {
    using client::Probe;
    std::vector<std::size_t> v;
    auto take_number = [&](std::size_t number) {
        if (v.size() < kMaxProbeFrames) v.push_back(number);
    };
    auto take = [&](const FrameNote& n) { take_number(n.number); };
    auto server = [&](Ipv4Addr ip) { return std::find(p.servers.begin(), p.servers.end(), ip) != p.servers.end(); };
    constexpr std::uint16_t kRrq = 1, kData = 3, kAck = 4, kError = 5;
    std::map<std::uint16_t, int> data_seen;
    std::map<std::uint16_t, std::size_t> ack_first;  // duplicate-ack: first ACK frame per block
    bool pair_shown = false;
    bool first_answer = false;
    for (const auto& n : notes) {
        switch (p.probe) {
            case Probe::NonPxeDiscover:
                if (!n.dhcp || !p.xid || n.xid != *p.xid) break;
                take(n);
                if (n.from_nic) stimulus.push_back(n.number);
                break;
            case Probe::ForeignServerId:
                if (!n.dhcp || !p.xid || n.xid != *p.xid) break;
                if (n.from_nic && n.dhcp_type == 3) {
                    take(n);
                    stimulus.push_back(n.number);
                } else if (!n.from_nic && (n.dhcp_type == 5 || n.dhcp_type == 6)) {
                    take(n);
                }
                break;
            case Probe::Probe4011:
                if (!n.dhcp) break;
                if ((n.from_nic && n.dst_port == wire::kPxeBootServerPort && server(n.dst_ip)) ||
                    (!n.from_nic && n.src_port == wire::kPxeBootServerPort && server(n.src_ip)))
                    take(n);
                break;
            case Probe::UnknownTftpOption:
                if (!n.tftp || p.client_port == 0) break;
                if (n.from_nic && n.opcode == kRrq && n.src_port == p.client_port) {
                    take(n);
                    stimulus.push_back(n.number);
                } else if (!n.from_nic && n.dst_port == p.client_port && !first_answer) {
                    first_answer = true;
                    take(n);
                }
                break;
            case Probe::DuplicateAck: {
                if (!n.tftp || p.client_port == 0) break;
                const bool listed = std::find(p.blocks.begin(), p.blocks.end(), n.value) != p.blocks.end();
                if (!n.from_nic && n.dst_port == p.client_port && n.opcode == kData) {
                    if (++data_seen[n.value] > 1 && listed) take(n);
                } else if (n.from_nic && n.src_port == p.client_port && n.opcode == kAck && n.value != 0) {
                    // The first ACK sent twice: the one that provoked the
                    // first resend, or else the first doubled one.
                    const bool wanted = p.blocks.empty() || n.value == static_cast<std::uint16_t>(p.blocks.front() - 1);
                    const auto [it, fresh] = ack_first.emplace(n.value, n.number);
                    if (wanted && !fresh && !pair_shown) {
                        pair_shown = true;
                        take_number(it->second);
                        take(n);
                    }
                }
                break;
            }
            case Probe::TftpForeignTid:
                if (!n.tftp || p.probe_port == 0) break;
                if (n.from_nic && n.src_port == p.probe_port) {
                    take(n);
                    stimulus.push_back(n.number);
                } else if (!n.from_nic && n.dst_port == p.probe_port) {
                    take(n);
                } else if (!n.from_nic && n.dst_port == p.client_port && n.opcode == kError) {
                    take(n);  // the real transfer ended by the server
                }
                break;
        }
    }
    return v;
}

/// The probes' verdicts: a ProbeRun each, and a finding (blame master: every
/// probe judges the master) per fault.
void evaluate_probes(ClientRunResult& result, const std::vector<FrameNote>& notes, const MacAddr& mac) {
    for (const auto& p : result.outcome.probes) {
        const auto& spec = client::spec_of(p.probe);
        ProbeRun run;
        run.name = std::string(spec.name);
        run.rule = std::string(spec.rule);
        run.result = std::string(client::to_string(p.result));
        run.detail = p.detail;
        run.frames = probe_frames(p, notes, result.probe_frames);
        for (const auto& f : p.faults) {
            result.run_findings.push_back(checks::make_finding(
                f.rule, checks::Blame::Master, "--probe " + run.name + ": " + f.detail, run.frames, mac,
                f.breaks_boot ? std::optional<checks::Severity>(checks::Severity::Fail) : std::nullopt));
        }
        result.probes.push_back(std::move(run));
    }
    std::sort(result.probe_frames.begin(), result.probe_frames.end());
    result.probe_frames.erase(std::unique(result.probe_frames.begin(), result.probe_frames.end()),
                              result.probe_frames.end());
}

}  // namespace

ClientRunResult run_client(link::FrameIo& io, const client::ClientConfig& config, const ClientRunOptions& options) {
    ClientRunResult result;
    link::UserStack stack(config.mac);
    client::PxeClient nic(config);
    analyze::TraceBuilder trace(options.source_name);
    FrameRecorder recorder(&trace, options.pcap);
    link::EventLoop loop(io);

    std::vector<FrameNote> notes;  // --probe only, by the recorder's final numbers
    if (!config.probes.empty()) {
        recorder.on_recorded([&](std::size_t number, std::int64_t, ByteView frame) {
            notes.push_back(note_frame(number, frame, config.mac));
        });
    }

    TimePoint now = link::EventLoop::now();
    const TimePoint give_up = now + options.time_limit;
    std::optional<Ipv4Addr> probing;
    TimePoint probe_done{};
    bool aborted = false;
    nic.start(now);

    while (true) {
        // Outgoing: the NIC's datagrams through the stack, then every frame.
        for (auto& d : nic.take_output()) stack.send(now, std::move(d));
        if (auto ip = nic.probe_request()) {
            stack.probe(now, *ip);
            probing = ip;
            // RFC 5227 waits 1-2 s over three probes; one second is what a
            // PXE ROM can afford and enough for a host that holds the address.
            probe_done = now + std::chrono::seconds(1);
        }
        if (auto ip = nic.bound_address(); ip && !stack.holds(*ip)) stack.add_address(*ip);
        for (auto& f : stack.take_frames()) (void)recorder.send(io, std::move(f));
        recorder.flush();
        if (nic.done()) break;
        if (now >= give_up || (options.stop && options.stop->load())) {
            if (aborted) break;
            // Release what we hold, give the release one pass to go out.
            nic.abort(now);
            aborted = true;
            result.interrupted = options.stop && options.stop->load();
            continue;
        }

        std::optional<TimePoint> deadline = nic.next_deadline();
        auto earliest = [&](std::optional<TimePoint> t) {
            if (t && (!deadline || *t < *deadline)) deadline = t;
        };
        earliest(stack.next_deadline());
        if (probing) earliest(probe_done);
        earliest(give_up);
        // Wake at least every 200 ms to notice a stop request.
        earliest(now + std::chrono::milliseconds(200));
        loop.wait(deadline);
        now = link::EventLoop::now();

        for (auto& rx : io.receive()) {
            auto decoded = link::decode_frame(link::linktype::kEthernet, rx.data);
            if (!concerns(decoded, config.mac, nic.bound_address().has_value() ? nic.bound_address() : probing))
                continue;
            auto d = stack.on_frame(now, rx.data, !nic.bound_address().has_value());
            recorder.record(rx.time_ns, std::move(rx.data));
            if (d) nic.on_datagram(now, *d);
        }
        if (probing && now >= probe_done) {
            nic.on_probe_result(now, stack.conflict(*probing));
            probing.reset();
        }
        nic.on_timer(now);
        stack.on_timer(now);
    }

    recorder.flush_all();
    result.outcome = nic.outcome();
    result.trace = std::move(trace).finish();
    const auto& o = result.outcome;
    if (o.tftp && o.tftp->status == client::TftpResult::Status::Complete)
        result.sha256 = analyze::sha256_hex(o.tftp->data);

    if (o.address_conflict) {
        result.run_findings.push_back(checks::make_finding(
            "FLOW-008", checks::Blame::Master,
            "the master leased " + o.address.to_string() + " but " + o.address_conflict->to_string() +
                " answered the ARP probe for it: the address is in use (pool overlaps a host with a static address?)",
            {}, config.mac));
    }
    if (options.expect_sha256 && o.tftp && o.tftp->status == client::TftpResult::Status::Complete &&
        *options.expect_sha256 != result.sha256) {
        std::string detail = "downloaded \"" + o.bootfile + "\" (" + std::to_string(o.tftp->data.size()) +
                             " octets, sha256 " + result.sha256 + ") differs from the expected sha256 " +
                             *options.expect_sha256;
        if (options.expect_size) detail += " (" + std::to_string(*options.expect_size) + " octets)";
        result.run_findings.push_back(checks::make_finding("FLOW-007", checks::Blame::Config, detail, {}, config.mac));
    }
    evaluate_probes(result, notes, config.mac);
    if (o.reached == client::ClientPhase::Failed) {
        // Who the failure points at, from how far the boot got; the trace
        // rules (FLOW-002, PXE-030, FLOW-004, ...) give the detailed evidence.
        checks::Blame blame = checks::Blame::Master;
        if (o.offers.empty()) blame = checks::Blame::Network;
        else if (o.ack && !o.tftp_server && !o.bootfile.empty()) blame = checks::Blame::Config;
        else if (o.tftp && o.tftp->status == client::TftpResult::Status::Error &&
                 (o.tftp->error_code == 1 || o.tftp->error_code == 2))
            blame = checks::Blame::Config;
        result.run_findings.push_back(
            checks::make_finding("FLOW-009", blame, "the boot stopped: " + o.failure, {}, config.mac));
    }
    return result;
}

}  // namespace pxecheck::scenario
