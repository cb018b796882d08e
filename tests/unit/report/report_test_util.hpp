#pragma once
// Report tests: analyse a lab capture into the JSON report, as `pxecheck
// analyze --json` does, so the renderers are tested on real exchanges.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/pipeline/capture_source.hpp"
#include "pxecheck/pipeline/judge.hpp"
#include "pxecheck/report/report.hpp"
#include "pxecheck/report/streaming.hpp"

namespace reporttest {

inline std::string lab_capture(const std::string& name) {
    return std::string(PXECHECK_SOURCE_DIR) + "/captures/" + name;
}

struct Analysed {
    pxecheck::analyze::Trace trace;
    nlohmann::json report;
};

/// The JSON report of a capture, round-tripped through text like a file.
inline Analysed analyse(const std::string& path) {
    using namespace pxecheck;
    Analysed out;
    pipeline::CaptureSpec spec;
    spec.files = {path};
    auto read = pipeline::read_capture(spec);
    EXPECT_TRUE(read) << (read ? "" : read.error());
    if (!read) return out;
    out.trace = std::move(read->trace);
    report::RunInfo run;
    run.tool_version = "0.1.0";
    run.command = "analyze";
    run.command_line = "pxecheck analyze " + path;
    run.source = path;
    run.started_at = "2026-01-01T00:00:00Z";
    run.host = "testhost";
    auto judged = pipeline::judge(out.trace);
    const auto analysis =
        report::judged_analysis(run, out.trace, std::move(judged.boots), std::move(judged.findings));
    out.report = nlohmann::json::parse(report::to_json(analysis).dump());
    return out;
}

/// What to hand to TraceBuilder::stream() so that each piece is judged on
/// this thread (as pipeline::StreamJudge does without its thread) and
/// rendered into \p sa.
inline pxecheck::analyze::SessionSink judged_into(pxecheck::report::StreamingReport& sa) {
    return [&sa](pxecheck::analyze::Trace&& piece) {
        auto j = pxecheck::pipeline::judge(piece);
        sa.add(std::move(piece), std::move(j.boots), std::move(j.findings));
    };
}

inline std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + part.size())) ++n;
    return n;
}

}  // namespace reporttest
