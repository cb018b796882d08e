#pragma once
/// \file
/// Bounded-memory reports of a capture. analyze::TraceBuilder::stream()
/// cuts each complete client session out of the capture as a small Trace,
/// pipeline::StreamJudge judges it, and StreamingReport renders it: it keeps
/// what the reports need and lets the frames go. At the end it gives the same
/// Analysis, text and JSON as the renderers give for the judgement of the
/// whole trace: sessions in order of first appearance, findings in the
/// engine's order. It judges nothing itself.
///
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
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

class StreamingReport {
public:
    struct Options {
        /// The rule selection (--only/--skip) the judge ran with, reported
        /// (JUnit marks the rules left out as skipped).
        checks::CheckOptions selection;
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
        /// rendered at once. Either way the report is the same. 8 MiB: with
        /// 16 a boot loop of 2,000 attempts peaked 1.12x above one of 200
        /// (bench/RESULTS.md); rendering early costs at most the 10,000
        /// entries a long capture then drops.
        std::size_t max_held_bytes = std::size_t{8} << 20;
    };

    explicit StreamingReport(Options options);
    ~StreamingReport();
    StreamingReport(const StreamingReport&) = delete;
    StreamingReport& operator=(const StreamingReport&) = delete;

    /// Renders one judged piece: a complete session (or frames of no
    /// session) with its boot (\p boots holds one per piece.sessions entry)
    /// and findings. Called on the judge's thread (pipeline::JudgedSink).
    void add(analyze::Trace&& piece, std::vector<analyze::BootPath>&& boots,
             std::vector<checks::Finding>&& findings);

    /// The analysis of the whole capture, from what TraceBuilder::finish()
    /// returned (the capture's description), once every piece was added: the
    /// run, the verdict and a `trace` (pointing into this object) with the
    /// capture's description but no frames, sessions or transfers; no boots
    /// or findings. The reports come from write_text() and write_json().
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

    /// Sessions rendered so far (for tests and progress).
    [[nodiscard]] std::size_t sessions_seen() const { return sessions_seen_; }

private:
    class Spill;
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
        std::optional<MacAddr> client;  ///< for the overview's worst finding per attempt
        std::optional<std::uint32_t> attempt;
        Ref json;  ///< its findings[] entry
        Ref line;  ///< its line(s) in the terminal report
    };
    struct SessionText {
        std::size_t first_frame = 0;
        MacAddr mac;
        std::uint32_t attempt = 1;
        Ref row;     ///< its overview row without the worst finding
        Ref detail;  ///< its detail block (size 0: not rendered)
    };

    Options options_;
    std::unique_ptr<Spill> spill_;
    // One entry per session and per finding, however long the capture: in
    // deques, which grow by small blocks that reuse the memory freed pieces
    // leave behind (a vector's doubling asks for ever larger contiguous
    // blocks, and the process's peak grew with the capture: 1.25x for a
    // boot loop ten times as long, against 1.0x without the JSON report).
    std::deque<std::pair<std::size_t, Ref>> sessions_json_;  ///< first frame, sessions[] entry
    std::deque<FindingRef> findings_;
    std::deque<SessionText> sessions_text_;              ///< in the order judged until finish()
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
