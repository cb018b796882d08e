#pragma once
/// \file
/// The rule engine: reads a Trace and returns findings. No I/O.

#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/addr.hpp"
#include "pxecheck/checks/catalogue.hpp"

namespace pxecheck::checks {

struct Finding {
    std::string id;         ///< rule ID
    Severity severity = Severity::Fail;
    Blame blame = Blame::Master;
    std::string title;      ///< from the catalogue
    std::string clause;     ///< from the catalogue
    std::string detail;     ///< one line with the values actually seen
    std::vector<std::size_t> frames;  ///< frame numbers that prove it
    std::optional<MacAddr> client;    ///< session it belongs to, if any
    /// The boot attempt of that client (ClientSession::attempt) it belongs to.
    std::optional<std::uint32_t> attempt;
};

enum class Verdict : std::uint8_t { Pass, Warn, Fail, Error };
std::string_view to_string(Verdict v);

struct CheckOptions {
    /// Only run rules whose ID starts with one of these prefixes (empty: all).
    std::vector<std::string> only;
    /// Rule IDs to leave out.
    std::vector<std::string> skip;
    /// Judge only this client's session (live runs share the segment with
    /// other clients); findings that belong to no client are kept.
    std::optional<MacAddr> client;
};

/// Runs every passive rule over \p trace. Findings come out ordered by first
/// frame, then rule ID; a rule reports a given fault once per session
/// (repeats are folded into the frame list).
std::vector<Finding> run_checks(const analyze::Trace& trace, const CheckOptions& options = {});
/// The same for a caller that has reconstructed the sessions' boots already
/// (\p boots: one per trace.sessions entry, same order).
std::vector<Finding> run_checks(const analyze::Trace& trace, const std::vector<analyze::BootPath>& boots,
                                const CheckOptions& options = {});

/// A finding raised outside the trace rules (by a runner: an expected file
/// that differs, an ARP conflict, a probe's result), with title, clause and
/// default severity taken from the catalogue row \p id.
Finding make_finding(std::string_view id, Blame blame, std::string detail, std::vector<std::size_t> frames = {},
                     std::optional<MacAddr> client = std::nullopt,
                     std::optional<Severity> severity = std::nullopt);

/// Worst severity wins: any Fail -> Fail, any Warn -> Warn, else Pass.
Verdict verdict_of(const std::vector<Finding>& findings);

}  // namespace pxecheck::checks
