#pragma once
/// \file
/// The capture source every mode that reads files shares (`analyze`,
/// `replay`, and later `watch` for its rolling files): pcap/pcapng files read
/// in order as one capture (tcpdump -C/-G rotation), frame numbers running on
/// across them, `--since`/`--until` windows, and the capture's SHA-256 from
/// the blocks the reader reads anyway. Frames go into an
/// analyze::TraceBuilder, which the caller may set streaming first.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/result.hpp"

namespace pxecheck::pipeline {

/// A --since/--until bound: seconds after the capture's first frame
/// (`relative`) or an absolute time since the Unix epoch.
struct TimeBound {
    bool relative = true;
    std::int64_t ns = 0;
};
/// "90", "+1.5" (seconds after the first frame) or "2026-11-27T04:50:00Z";
/// nullopt on anything else.
std::optional<TimeBound> parse_time_bound(std::string_view text);

struct CaptureSpec {
    std::vector<std::string> files;  ///< read in this order as one capture
    std::optional<TimeBound> since;  ///< frames before it are left out
    std::optional<TimeBound> until;  ///< frames after it are left out
    /// Compute the SHA-256 of the capture file (one file only; a pipe, which
    /// can be read once, or a file that could not be read whole has none).
    bool hash = false;
};

struct CaptureRead {
    analyze::Trace trace;      ///< what TraceBuilder::finish() returned
    std::string source_names;  ///< the files read, separated by spaces
    std::string sha256;        ///< see CaptureSpec::hash ("" when none)
    /// A read error that ended the capture early, naming the file; the
    /// frames before it were read and stand ("" when none). It is also in
    /// trace.source_anomalies as `capture.read_error`.
    std::string damage;
};

/// Called once on the TraceBuilder before its first frame (to stream()).
using PrepareBuilder = std::function<void(analyze::TraceBuilder&)>;

/// Reads \p spec.files into a TraceBuilder made for the first file's link
/// type. The error names the file and what is wrong: the first file cannot
/// be read as a capture, or a later one has another link type (a later file
/// that cannot be opened is damage instead: the files before it stand).
Result<CaptureRead> read_capture(const CaptureSpec& spec, const PrepareBuilder& prepare = {});

}  // namespace pxecheck::pipeline
