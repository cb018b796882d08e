#pragma once
/// \file
/// Which rule IDs may be reported, and by whom. A finding's title, clause and
/// default severity come from its catalogue row, so an ID without a row would
/// become a bare "Fail"; the engine and make_finding() therefore refuse any ID
/// this table does not list, and the table is checked against the catalogue
/// before its first use.

#include <span>
#include <string_view>

#include "pxecheck/checks/catalogue.hpp"

namespace pxecheck::checks {

namespace detail {
struct Context;
class Sink;
}  // namespace detail

/// One group of trace rules (src/checks/rules_<name>.cpp) and every ID it reports.
struct RuleGroup {
    std::string_view name;                  ///< "dhcp"
    std::span<const std::string_view> ids;  ///< the only IDs its rules may pass to the sink
    void (*run)(const detail::Context&, detail::Sink&);

    [[nodiscard]] bool reports(std::string_view id) const;
};

struct RuleTable {
    /// In the order the engine runs them; an ID belongs to at most one group.
    std::span<const RuleGroup> groups;
    /// IDs that runners (scenario, the client's probes) raise through
    /// make_finding(); they may be trace rules' IDs as well.
    std::span<const std::string_view> runner_ids;
    /// Catalogue rows nothing reports yet: active checks that need a stimulus
    /// pxecheck does not send. Listed so the catalogue stays the whole
    /// conformance list while the check still catches a row left out by mistake.
    std::span<const std::string_view> not_reported;

    /// Some group or runner may report \p id.
    [[nodiscard]] bool reportable(std::string_view id) const;
};

/// The table, checked against catalogue() by the first call: throws
/// std::logic_error on a mismatch (then, and on every later call).
const RuleTable& rule_table();

/// Throws std::logic_error naming each mismatch: an ID listed but not in
/// \p rows, a row neither reported nor listed as not reported, an ID in two
/// groups or twice in one list, an ID both reported and listed as not reported.
void verify_rule_table(const RuleTable& table, std::span<const Rule> rows);

}  // namespace pxecheck::checks
