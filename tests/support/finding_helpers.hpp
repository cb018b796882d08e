#pragma once
// Test support for rule tests: run a subset of the catalogue over a trace,
// pick findings by id, and print findings in a failed assertion's message.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"

namespace pxecheck::fixtures {

/// The findings of the rules whose ids start with one of \p prefixes.
inline std::vector<checks::Finding> run_rules(const analyze::Trace& trace, std::vector<std::string> prefixes) {
    checks::CheckOptions o;
    o.only = std::move(prefixes);
    return checks::run_checks(trace, o);
}

inline std::vector<checks::Finding> with_id(const std::vector<checks::Finding>& all, std::string_view id) {
    std::vector<checks::Finding> out;
    for (const auto& f : all)
        if (f.id == id) out.push_back(f);
    return out;
}

inline bool has_frame(const checks::Finding& f, std::size_t n) {
    return std::find(f.frames.begin(), f.frames.end(), n) != f.frames.end();
}

inline bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

/// One line per finding: "ID SEVERITY BLAME [frames] detail".
inline std::string dump(const std::vector<checks::Finding>& fs) {
    std::string out;
    for (const auto& f : fs) {
        out += f.id + " " + std::string(checks::to_string(f.severity)) + " " + std::string(checks::to_string(f.blame)) +
               " [";
        for (auto n : f.frames) out += std::to_string(n) + " ";
        out += "] " + f.detail + "\n";
    }
    return out;
}

}  // namespace pxecheck::fixtures
