#pragma once
/// \file
/// `pxecheck replay`: the client side of a captured boot, played again
/// against a live master. The capture's firmware DISCOVER and boot-file RRQ
/// rebuild the NIC (client::profile_from_discover); the emulated NIC then
/// follows the protocol live with a fresh xid (scenario::run_client), and the
/// two boots are compared step by step (analyze::compare_boots).

#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/compare.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/client/from_capture.hpp"
#include "pxecheck/scenario/client_run.hpp"

namespace pxecheck::scenario {

/// A captured boot ready to be replayed.
struct ReplaySource {
    std::string path;
    std::string sha256;               ///< of the capture file
    analyze::Trace trace;
    MacAddr session;                  ///< the captured client
    analyze::BootPath boot;           ///< its boot in the capture
    std::size_t discover_frame = 0;   ///< the DISCOVER the NIC was rebuilt from
    std::string base_profile;         ///< built-in profile whose timers it uses
    /// The rebuilt NIC, with the captured MAC; notes on what was not carried
    /// over (options, TFTP options).
    client::ReplayNic nic;
};

/// Reads \p path and rebuilds the NIC of one session: \p session, or the only
/// client with a firmware (PXEClient) DISCOVER. Errors name the file and the
/// problem (unreadable or damaged capture, no PXE client, several clients and
/// no session chosen, no such session): the CLI's "bad input".
Result<ReplaySource> load_replay_source(const std::string& path, const std::optional<MacAddr>& session);

/// `--mac rewrite`: a locally administered MAC that keeps the captured one's
/// last three octets (02:50:58:xx:yy:zz), never equal to it.
MacAddr rewritten_mac(const MacAddr& captured);

struct ReplayResult {
    ClientRunResult run;                 ///< the live run (outcome, trace, run findings)
    analyze::BootPath live_boot;         ///< reconstructed from run.trace
    analyze::BootComparison comparison;  ///< capture vs live
};

/// Runs \p config (normally src.nic.config, perhaps with another MAC) on \p io
/// and compares the live boot with the captured one.
ReplayResult run_replay(link::FrameIo& io, const ReplaySource& src, const client::ClientConfig& config,
                        const ClientRunOptions& options);

}  // namespace pxecheck::scenario
