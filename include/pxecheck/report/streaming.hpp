#pragma once
/// \file
/// Bounded-memory analysis of a capture. analyze::TraceBuilder::stream()
/// cuts each complete client session out of the capture as a small Trace;
/// StreamingAnalysis runs the one rule engine (checks::run_checks) and
/// analyze::reconstruct_boot on it, keeps what the reports need and lets the
/// frames go. At the end it gives the same Analysis, text and JSON as
/// analyze_trace() on the whole trace: sessions in order of first
/// appearance, findings in the engine's order.
///
/// What stays in memory per judged session: for the JSON report only a few
/// dozen bytes (the session's and findings' JSON, rendered by to_json() as
/// the session completes, wait in an unlinked temporary file); for the text
/// report (keep_summaries) the session with its transfers' summaries, its
/// boot path and its findings.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report {

class StreamingAnalysis {
public:
    struct Options {
        checks::CheckOptions checks;
        /// Keep what render_text() needs (the text report).
        bool keep_summaries = true;
        /// Keep what the JSON report needs (write_json(), to_json()).
        bool keep_json = true;
        /// frames[] of the JSON report is left out (with a note in the
        /// source's anomalies) once it would list more entries than this.
        std::size_t max_frames = 10000;
        /// Judge sessions on a second thread while the capture is read (the
        /// results and their order are the same either way).
        bool background = true;
    };

    explicit StreamingAnalysis(Options options);
    ~StreamingAnalysis();
    StreamingAnalysis(const StreamingAnalysis&) = delete;
    StreamingAnalysis& operator=(const StreamingAnalysis&) = delete;

    /// What to hand to TraceBuilder::stream(): add(), or with `background`
    /// a queue (at most a few dozen sessions wait) that a worker drains.
    analyze::SessionSink sink();
    /// Judges one complete session (or frames of no session). With
    /// CheckOptions::client set, another client's session is judged like the
    /// whole-trace path does (its findings are filtered, it is not reported).
    void add(analyze::Trace&& piece);

    /// The analysis of the whole capture, from what TraceBuilder::finish()
    /// returned (the capture's description). Its `trace` points into this
    /// object and holds the sessions and their transfers (without per-packet
    /// events and option lists) but no frames; the boots' frame_index fields
    /// are not usable.
    /// Without keep_summaries it has no sessions, boots or findings, only
    /// the verdict.
    /// Waits for the worker; rethrows what it threw.
    Analysis finish(RunInfo run, analyze::Trace&& capture);

    /// The JSON report as `report::to_json(a).dump(2)` of the whole trace
    /// would write it, written straight to \p out without building it in
    /// memory. The error names what failed.
    Status write_json(const Analysis& a, std::FILE* out) const;
    /// The same as a JSON value (for evidence bundles; this one is built in memory).
    [[nodiscard]] nlohmann::json to_json(const Analysis& a) const;

    /// Sessions judged so far (for tests and progress).
    [[nodiscard]] std::size_t sessions_seen() const { return sessions_seen_; }

private:
    class Spill;
    class Worker;
    struct Ref {
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
    };
    struct FindingRef {
        std::size_t piece_order = 0;  ///< first frame of its session: ties keep session order
        std::size_t seq = 0;          ///< order within its session's findings
        std::size_t first_frame = 0;  ///< the engine's sort key, then id
        std::string id;
        Ref text;
    };
    struct Kept {  // for the text report
        std::size_t first_frame = 0;
        bool has_session = false;
        analyze::ClientSession session;
        analyze::BootPath boot;
        std::vector<analyze::TftpTransfer> transfers;
        std::vector<checks::Finding> findings;
    };

    Options options_;
    std::unique_ptr<Spill> spill_;
    std::unique_ptr<Worker> worker_;
    std::vector<std::pair<std::size_t, Ref>> sessions_json_;  ///< first frame, sessions[] entry
    std::vector<FindingRef> findings_json_;
    std::vector<std::pair<std::size_t, Ref>> frames_json_;    ///< frame number, frames[] entry
    bool frames_omitted_ = false;
    std::size_t counts_[3] = {0, 0, 0};  ///< by checks::Severity
    std::deque<Kept> kept_;
    std::size_t sessions_seen_ = 0;
    analyze::Trace summary_;
};

}  // namespace pxecheck::report
