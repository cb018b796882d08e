#include "pxecheck/scenario/client_run.hpp"

#include "pxecheck/analyze/hash.hpp"

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
        const auto& p = f.udp->payload;
        // chaddr sits at offset 28 of a BOOTP payload.
        if ((f.udp->src_port == 67 || f.udp->src_port == 4011) && p.size() >= 34)
            return std::equal(mac.octets.begin(), mac.octets.end(), p.begin() + 28);
    }
    return false;
}

}  // namespace

ClientRunResult run_client(link::FrameIo& io, const client::ClientConfig& config, const ClientRunOptions& options) {
    ClientRunResult result;
    link::UserStack stack(config.mac);
    client::PxeClient nic(config);
    analyze::TraceBuilder trace(options.source_name);
    link::EventLoop loop(io);

    auto record = [&](std::int64_t wall, ByteView frame) {
        trace.add(wall, frame);
        if (options.pcap) options.pcap->write(wall, frame);
    };

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
        for (auto& f : stack.take_frames()) {
            (void)io.send(f);
            record(link::EventLoop::wall_ns(), f);
        }
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
            record(rx.time_ns, rx.data);
            if (auto d = stack.on_frame(now, rx.data, !nic.bound_address().has_value())) nic.on_datagram(now, *d);
        }
        if (probing && now >= probe_done) {
            nic.on_probe_result(now, stack.conflict(*probing));
            probing.reset();
        }
        nic.on_timer(now);
        stack.on_timer(now);
    }

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
