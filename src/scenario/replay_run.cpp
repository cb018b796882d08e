#include "pxecheck/scenario/replay_run.hpp"

#include <algorithm>

#include "pxecheck/pipeline/capture_source.hpp"

namespace pxecheck::scenario {

namespace {

/// The first DHCPDISCOVER the client's PXE firmware sent, or nullptr.
const analyze::Frame* firmware_discover(const analyze::Trace& t, const analyze::ClientSession& s) {
    for (std::size_t i : s.dhcp_frames) {
        const analyze::Frame& f = t.frames[i];
        if (f.direction != analyze::Direction::FromClient || !f.dhcp || f.protocol != analyze::Protocol::Dhcp)
            continue;
        if (f.dhcp->message_type() != wire::DhcpMessageType::Discover) continue;
        if (analyze::frame_stage(f) != analyze::ClientStage::Firmware) continue;
        return &f;
    }
    return nullptr;
}

}  // namespace

MacAddr rewritten_mac(const MacAddr& captured) {
    MacAddr m{{0x02, 0x50, 0x58, captured.octets[3], captured.octets[4], captured.octets[5]}};
    if (m == captured) m.octets[5] ^= 0x01;
    return m;
}

Result<ReplaySource> load_replay_source(const std::string& path, const std::optional<MacAddr>& session) {
    pipeline::CaptureSpec spec;
    spec.files = {path};
    spec.hash = true;
    auto read = pipeline::read_capture(spec);
    if (!read) return Error{read.error()};
    if (!read->damage.empty()) return Error{read->damage + " (a replay needs the whole capture)"};

    ReplaySource src;
    src.path = path;
    src.trace = std::move(read->trace);
    src.sha256 = std::move(read->sha256);

    // Clients whose firmware sent a DISCOVER: the ones that can be replayed.
    std::vector<std::pair<const analyze::ClientSession*, const analyze::Frame*>> pxe;
    for (const auto& s : src.trace.sessions) {
        if (const auto* f = firmware_discover(src.trace, s)) pxe.emplace_back(&s, f);
    }
    std::string names;
    for (const auto& [s, f] : pxe) names += (names.empty() ? "" : ", ") + s->mac.to_string();
    if (pxe.empty()) {
        return Error{path + ": no PXE client in the capture (no DHCPDISCOVER with option 60 \"PXEClient\")"};
    }
    const analyze::ClientSession* chosen = nullptr;
    const analyze::Frame* discover = nullptr;
    if (session) {
        for (const auto& [s, f] : pxe) {
            if (s->mac == *session) {
                chosen = s;
                discover = f;
            }
        }
        if (!chosen) {
            return Error{path + ": no PXE DISCOVER from " + session->to_string() + " (PXE clients in the capture: " +
                         names + ")"};
        }
    } else if (pxe.size() > 1) {
        return Error{path + " holds " + std::to_string(pxe.size()) + " PXE clients (" + names +
                     "); choose one with --session MAC"};
    } else {
        chosen = pxe.front().first;
        discover = pxe.front().second;
    }

    src.session = chosen->mac;
    src.boot = analyze::reconstruct_boot(src.trace, *chosen);
    src.discover_frame = discover->number;
    const client::NicProfile& base = client::base_profile_for(*discover->dhcp);
    src.base_profile = base.name;
    src.nic = client::profile_from_discover(*discover->dhcp, base);

    // The boot file's RRQ(s): a download, perhaps after a size query that the
    // client ended at the OACK (EDK2, the Intel-style ROM).
    const auto& bt = src.boot.boot_transfers;
    if (bt.empty()) {
        src.nic.notes.push_back("the capture has no TFTP request for the boot file; the NIC asks as the \"" +
                                base.name + "\" profile does");
    } else {
        const auto& download = src.trace.transfers[bt.back()];
        // A size query asks tsize and is ended by the client (ERROR 8 after
        // the OACK, or a new RRQ at once); a first request the server refused
        // (file not found, then a retry) is not one.
        const analyze::TftpTransfer* probe = nullptr;
        if (bt.size() >= 2) {
            const auto& first = src.trace.transfers[bt.front()];
            const bool asks_tsize = std::any_of(first.requested.begin(), first.requested.end(),
                                                [](const wire::TftpOption& o) {
                                                    std::string n = o.name;
                                                    for (char& c : n) c = static_cast<char>(c | 0x20);
                                                    return n == "tsize";
                                                });
            const bool server_refused = first.error && !first.error->from_client;
            if (!first.complete && asks_tsize && !server_refused) probe = &first;
        }
        client::apply_captured_rrq(src.nic.config.profile, download.requested, probe ? &probe->requested : nullptr,
                                   src.nic.notes);
    }
    return src;
}

ReplayResult run_replay(link::FrameIo& io, const ReplaySource& src, const client::ClientConfig& config,
                        const ClientRunOptions& options) {
    ReplayResult res;
    res.run = run_client(io, config, options);
    if (const auto* s = res.run.trace.session(config.mac)) {
        res.live_boot = analyze::reconstruct_boot(res.run.trace, *s);
    } else {
        res.live_boot.mac = config.mac;
    }
    res.comparison = analyze::compare_boots(src.trace, src.boot, res.run.trace, res.live_boot);
    return res;
}

}  // namespace pxecheck::scenario
