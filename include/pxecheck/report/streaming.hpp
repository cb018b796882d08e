#pragma once
/// \file
/// Bounded-memory analysis of a capture. analyze::TraceBuilder::stream()
/// cuts each complete client session out of the capture as a small Trace;
/// StreamingAnalysis runs the one rule engine (checks::run_checks) and
/// analyze::reconstruct_boot on it, keeps what the reports need (the
/// findings, the session with its transfers' summaries, its boot path) and
/// lets the frames go. At the end it gives the same Analysis, text and JSON
/// as analyze_trace() on the whole trace, sessions in order of first
/// appearance and findings in the engine's order.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report {

class StreamingAnalysis {
public:
    struct Options {
        checks::CheckOptions checks;
        /// Gather the JSON report's frames[] entries (for --json and bundles).
        bool keep_frames = true;
        /// frames[] is left out of the report (with a note in the source's
        /// anomalies) once it would list more entries than this: listing
        /// every frame of a large capture would hold it all in memory.
        std::size_t max_frames = 10000;
    };

    explicit StreamingAnalysis(Options options);
    StreamingAnalysis(const StreamingAnalysis&) = delete;
    StreamingAnalysis& operator=(const StreamingAnalysis&) = delete;

    /// What to hand to TraceBuilder::stream(); it calls add().
    analyze::SessionSink sink();
    /// Judges one complete session (or frames of no session) and keeps only
    /// its findings and summary. With CheckOptions::client set, another
    /// client's session is judged for findings that name no client, like
    /// the whole-trace path, and not reported.
    void add(analyze::Trace&& piece);

    /// The analysis of the whole capture, from what TraceBuilder::finish()
    /// returned (the capture's description). Its `trace` points into this
    /// object and holds the sessions and their transfers (without per-packet
    /// events) but no frames; the boots' frame_index fields are not usable.
    Analysis finish(RunInfo run, analyze::Trace&& capture);
    /// report::to_json(a) with frames[] gathered from the sessions.
    [[nodiscard]] nlohmann::json to_json(const Analysis& a) const;

    /// Sessions judged so far (for tests and progress).
    [[nodiscard]] std::size_t sessions_seen() const { return sessions_seen_; }

private:
    struct Kept {
        std::size_t first_frame = 0;  ///< orders sessions by first appearance
        bool has_session = false;
        analyze::ClientSession session;
        analyze::BootPath boot;
        std::vector<analyze::TftpTransfer> transfers;
        std::vector<checks::Finding> findings;
    };
    Options options_;
    std::vector<Kept> kept_;
    std::vector<std::pair<std::size_t, nlohmann::json>> frames_;
    bool frames_omitted_ = false;
    std::size_t sessions_seen_ = 0;
    analyze::Trace summary_;
};

}  // namespace pxecheck::report
