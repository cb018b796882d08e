#pragma once
/// \file
/// Runs the emulated NIC (client::PxeClient) on a FrameIo: the user-space
/// stack answers ARP and resolves addresses, every frame sent and received is
/// recorded into a Trace (and optionally a pcap) in time order by a
/// FrameRecorder, and the outcome plus the
/// trace come back for the rule engine. The only place that joins client,
/// link and analyze, so the client never includes analyze or checks.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/client/pxe_client.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::scenario {

struct ClientRunOptions {
    std::string source_name = "live";       ///< trace source ("live:eth0")
    link::PcapWriter* pcap = nullptr;       ///< every frame sent and received
    /// Hard limit for the whole run, whatever the NIC's own timers say.
    Micros time_limit{std::chrono::seconds(180)};
    /// Set from a signal handler: the NIC releases its lease and stops.
    const std::atomic<bool>* stop = nullptr;
    /// Expected boot file (FLOW-007): hex SHA-256, and size when known.
    std::optional<std::string> expect_sha256;
    std::optional<std::uint64_t> expect_size;
};

/// One probe of ClientConfig::probes as the run judged it (the report's
/// `probes[]`). A probe that passes adds no finding but is listed here.
struct ProbeRun {
    std::string name;    ///< "foreign-server-id"
    std::string rule;    ///< the rule the probe proves ("MSG-006")
    std::string result;  ///< "pass", "fail", "not-applicable"
    std::string detail;  ///< what was sent and what came back
    std::vector<std::size_t> frames;  ///< the probe's frames in the recording
};

struct ClientRunResult {
    client::ClientOutcome outcome;
    analyze::Trace trace;
    /// Findings that come from the run itself rather than the trace rules
    /// (FLOW-007 expected file, FLOW-008 ARP conflict, FLOW-009 where the boot
    /// stopped); the caller merges them with run_checks(trace).
    std::vector<checks::Finding> run_findings;
    std::string sha256;   ///< of the downloaded file ("" when none)
    bool interrupted = false;
    /// --probe: one entry per probe run, in boot order; a failed probe's
    /// findings (blame master) are in run_findings.
    std::vector<ProbeRun> probes;
    /// Frames a probe sent on purpose (a REQUEST naming a foreign server, a
    /// DISCOVER without option 60, an RRQ with an unknown option, a stray
    /// ACK): a trace rule that blames the NIC for one of them is about the
    /// stimulus, not the emulated firmware.
    std::vector<std::size_t> probe_frames;
};

ClientRunResult run_client(link::FrameIo& io, const client::ClientConfig& config, const ClientRunOptions& options);

}  // namespace pxecheck::scenario
