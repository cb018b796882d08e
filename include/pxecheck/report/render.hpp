#pragma once
/// \file
/// Renderers that work from the JSON report alone (docs/report-schema.md), so
/// that `pxecheck report render report.json` gives the same pages as the run
/// that wrote it: self-contained HTML with an SVG ladder diagram, Markdown for
/// tickets and mail, JUnit XML for CI. They never throw on a report that is
/// missing optional parts (an older report without `frames` simply has no
/// ladder); they throw nlohmann::json errors only for a document that is not
/// a JSON object.

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pxecheck::report {

/// One self-contained HTML page: no network fetches (inline CSS and SVG, no
/// scripts, no external fonts). Verdict first in plain words, then what
/// happened per client, a timeline of the phases, the ladder diagram (one
/// `<line class="arrow ...">` per entry of `frames`), the findings, the cited
/// frames decoded and in hex, and the environment. The parts one command adds
/// come right after the verdict, each only when the report has it: the NICs
/// seen by the reference master with serve's settings (`nics`, `serve`), the
/// replay's comparison with every difference highlighted (`replay`), the
/// active probes (`probes`).
std::string render_html(const nlohmann::json& report);

/// The same content in Markdown (the ladder as monospace text).
std::string render_markdown(const nlohmann::json& report);

/// JUnit XML: one <testcase> per catalogue rule (classname = section, name =
/// "ID title"); <failure> for fail findings, warnings and infos as
/// <system-out> of a passing test case, <skipped> for rules the run did not
/// apply (left out by --only/--skip, or active rules that no run finding
/// reported). A report whose verdict is `error` adds a test case with <error>.
/// Plus one test case per NIC of `nics` (failing when its verdict is fail),
/// per entry of `probes` (failing when it failed, skipped when it could not
/// be applied), and one for `replay` that fails on any difference.
std::string render_junit(const nlohmann::json& report);

/// "This PXE boot fails." / "This PXE boot works, with 3 warnings." / ...
std::string verdict_headline(const nlohmann::json& report);
/// The worst finding in one sentence, with who must act: "Reply from
/// 192.168.14.200 names \"pxelinux.0\" but siaddr is 0.0.0.0 and there is no
/// option 66: fix the master's configuration (PXE-030)."
std::string verdict_sentence(const nlohmann::json& report);

/// Comments for the frames findings cite, for the bundle's pcapng:
/// frame number -> one "PXE-030 fail (blame config): detail" per finding.
std::map<std::size_t, std::vector<std::string>> frame_comments(const nlohmann::json& report);

/// nullopt when \p report looks like a pxecheck.report/1 document, else what
/// is wrong ("schema is \"x\", expected pxecheck.report/1").
std::optional<std::string> check_report(const nlohmann::json& report);

}  // namespace pxecheck::report
