#pragma once
/// \file
/// Renderers from (run metadata, trace, findings) to what people and scripts
/// read: the versioned JSON report (docs/report-schema.md), the terminal text,
/// and the catalogue listings. Renderers return strings; only the CLI prints.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"

namespace pxecheck::report {

/// The JSON report's schema identifier. Bump the number only for changes
/// that break readers, and say so in docs/report-schema.md.
inline constexpr const char* kSchema = "pxecheck.report/2";
/// The schema before boot attempts (one session per MAC); still rendered.
inline constexpr const char* kSchemaV1 = "pxecheck.report/1";

struct RunInfo {
    std::string tool_version;
    std::string command;        ///< "analyze", "client", "serve", ...
    std::string command_line;   ///< the argv joined, for re-running
    std::string source;         ///< capture file or "live:IFACE"
    std::string source_sha256;  ///< hash of the capture file, when there is one
    std::string started_at;     ///< ISO 8601 UTC
    std::string host;
};

/// Everything a renderer needs, computed once.
struct Analysis {
    RunInfo run;
    const analyze::Trace* trace = nullptr;
    std::vector<analyze::BootPath> boots;  ///< one per trace session
    std::vector<checks::Finding> findings;
    checks::Verdict verdict = checks::Verdict::Pass;
    /// The rule selection the checks ran with (--only/--skip), reported so
    /// that JUnit can mark the rules left out as skipped.
    checks::CheckOptions options;
};

/// The renderers' input for a judged trace: \p boots and \p findings as
/// pipeline::judge() gave them (renderers never judge), the verdict from
/// the findings, \p selection the rules they ran with.
Analysis judged_analysis(RunInfo run, const analyze::Trace& trace, std::vector<analyze::BootPath> boots,
                         std::vector<checks::Finding> findings, const checks::CheckOptions& selection = {});

nlohmann::json to_json(const Analysis& a);

/// The report's `frames` array: every frame the trace kept, and one entry per
/// run of TFTP DATA/ACK lock-step (which the trace does not keep frame by
/// frame), ordered by frame number (docs/report-schema.md, `frames[]`).
nlohmann::json frames_json(const analyze::Trace& trace);

struct TextOptions {
    bool color = false;
    bool verbose = false;  ///< every finding's clause and frames
};
/// The terminal summary: per session the phases with timings, the offers,
/// the chosen one, the file; then the findings one line each; then the verdict.
std::string render_text(const Analysis& a, const TextOptions& options = {});

/// The catalogue as JSON (for `pxecheck checks --json`) and as the Markdown
/// that docs/checks.md holds.
nlohmann::json catalogue_json();
std::string catalogue_markdown();

}  // namespace pxecheck::report
