#pragma once
// Private to the report module: the pieces of the JSON report that
// to_json() puts together, for StreamingAnalysis to render one session at a
// time, and the pretty-printer that writes them into the report's arrays.

#include <nlohmann/json.hpp>
#include <string>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"

namespace pxecheck::report::detail {

/// One entry of the report's findings[].
nlohmann::json finding_json(const checks::Finding& f);
/// One entry of the report's sessions[]: \p s of \p trace (its transfers are
/// indices into trace.transfers) and its reconstructed boot.
nlohmann::json session_json(const analyze::Trace& trace, const analyze::ClientSession& s, const analyze::BootPath& b);

/// Appends \p value as `value.dump(2, ' ', false, error_handler_t::replace)`
/// would write it with every line indented by \p indent more spaces (an
/// element of an array at that depth), without building the text twice.
void append_pretty(std::string& out, const nlohmann::json& value, int indent);

}  // namespace pxecheck::report::detail
