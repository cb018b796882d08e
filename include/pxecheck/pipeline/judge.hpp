#pragma once
/// \file
/// The judge: the one place where a trace, or a piece of one that
/// analyze::TraceBuilder cut out, is turned into boots and findings
/// (analyze::reconstruct_boot, then checks::run_checks on those boots). Every
/// command judges through it: `analyze` piece by piece while the capture is
/// read (StreamJudge), client, serve and replay their whole recorded trace at
/// the end (judge()), which is the streaming path with one piece. Renderers
/// (report) take what it returns; they never judge.

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/addr.hpp"
#include "pxecheck/checks/engine.hpp"

namespace pxecheck::pipeline {

/// What the rules made of a trace or a piece.
struct Judgement {
    std::vector<analyze::BootPath> boots;   ///< one per sessions[] entry, same order
    std::vector<checks::Finding> findings;  ///< in the engine's order
};

/// Leaves in \p trace only the session of \p client (`--mac`): the other
/// clients' frames stay, as evidence (another server's OFFER), but they are
/// neither reconstructed nor reported.
void keep_only_client(analyze::Trace& trace, const MacAddr& client);

/// Judges \p trace with \p options (options.client: see keep_only_client,
/// which the caller applies to the trace it reports).
Judgement judge(const analyze::Trace& trace, const checks::CheckOptions& options = {});

/// Receives each judged piece, in the order the pieces were cut.
using JudgedSink = std::function<void(analyze::Trace&& piece, Judgement&& judgement)>;

/// Judges the pieces a streaming TraceBuilder cuts, on a thread of its own
/// (`pxecheck-judge`) or on the caller's, and hands each piece with its
/// judgement to a consumer (a renderer) on that same thread. The queue is
/// short: a reader that runs ahead waits instead of memory growing.
class StreamJudge {
public:
    struct Options {
        checks::CheckOptions checks;
        /// Judge on a second thread while the capture is read (the results
        /// and their order are the same either way).
        bool background = true;
    };
    StreamJudge(Options options, JudgedSink consumer);
    ~StreamJudge();
    StreamJudge(const StreamJudge&) = delete;
    StreamJudge& operator=(const StreamJudge&) = delete;

    /// What to hand to TraceBuilder::stream().
    analyze::SessionSink sink();
    /// Judges one piece now, on this thread.
    void add(analyze::Trace&& piece);
    /// Waits until every piece handed over is judged and consumed; rethrows
    /// what the judge or the consumer threw.
    void finish();

private:
    class Worker;
    Options options_;
    JudgedSink consumer_;
    std::unique_ptr<Worker> worker_;
};

}  // namespace pxecheck::pipeline
