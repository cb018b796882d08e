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
/// What stays in memory per judged session is a few dozen bytes: the
/// session's and its findings' JSON and terminal lines, rendered by the
/// reports' own renderers as the session completes, wait in an unlinked
/// temporary file; memory keeps where each piece lies and the keys that
/// order them (a finding's severity and client too, for the overview's
/// worst finding per client).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
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
        /// Keep what write_text() needs (the terminal report), as `text` asks.
        bool keep_text = true;
        TextOptions text;
        /// Keep what the JSON report needs (write_json(), to_json()).
        bool keep_json = true;
        /// frames[] of the JSON report is left out (with a note in the
        /// source's anomalies) once it would list more entries than this.
        std::size_t max_frames = 10000;
        /// Sessions whose frames[] entries may still be left out are held
        /// (not rendered) until this many bytes of them; later ones are
        /// rendered at once. Either way the report is the same.
        std::size_t max_held_bytes = std::size_t{16} << 20;
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
    /// returned (the capture's description): the run, the verdict and a
    /// `trace` (pointing into this object) with the capture's description
    /// but no frames, sessions or transfers; no boots or findings. The
    /// reports come from write_text() and write_json().
    /// Waits for the worker; rethrows what it threw.
    Analysis finish(RunInfo run, analyze::Trace&& capture);

    /// The JSON report as `report::to_json(a).dump(2)` of the whole trace
    /// would write it, written straight to \p out without building it in
    /// memory. The error names what failed.
    Status write_json(const Analysis& a, std::FILE* out) const;
    /// The terminal report as render_text() of the whole trace would write
    /// it (with Options::text), written to \p out. Needs keep_text.
    Status write_text(const Analysis& a, std::FILE* out) const;
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
        checks::Severity severity = checks::Severity::Info;
        std::optional<MacAddr> client;  ///< for the overview's worst finding per client
        Ref json;  ///< its findings[] entry
        Ref line;  ///< its line(s) in the terminal report
    };
    struct SessionText {
        std::size_t first_frame = 0;
        MacAddr mac;
        Ref row;     ///< its overview row without the worst finding
        Ref detail;  ///< its detail block (size 0: not rendered)
    };

    Options options_;
    std::unique_ptr<Spill> spill_;
    std::unique_ptr<Worker> worker_;
    std::vector<std::pair<std::size_t, Ref>> sessions_json_;  ///< first frame, sessions[] entry
    std::vector<FindingRef> findings_;
    std::vector<SessionText> sessions_text_;              ///< in the order judged until finish()
    std::vector<std::pair<std::size_t, Ref>> frames_json_;    ///< frame number, frames[] entry
    bool frames_omitted_ = false;
    std::size_t frames_listed_ = 0;            ///< frames[] entries of the pieces so far
    std::vector<analyze::Trace> frames_held_;  ///< pieces whose frames[] entries wait for finish()
    std::size_t frames_held_bytes_ = 0;        ///< their size (held_bytes())
    static std::size_t held_bytes(const analyze::Trace& piece);
    void render_frames(const analyze::Trace& piece);
    std::size_t counts_[3] = {0, 0, 0};  ///< by checks::Severity
    std::size_t sessions_seen_ = 0;
    analyze::Trace summary_;
};

}  // namespace pxecheck::report
