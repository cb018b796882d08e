// Every rule ID pxecheck reports, by who reports it. A new rule is added here
// as well as to the catalogue; tests/unit/checks/test_rule_table.cpp scans the
// sources for IDs that are not.
#include "pxecheck/checks/rule_table.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "context.hpp"

namespace pxecheck::checks {

namespace {

constexpr std::string_view kDhcpIds[] = {
    "DHCP-001", "DHCP-002", "DHCP-003", "DHCP-004", "DHCP-005", "DHCP-006", "DHCP-007", "DHCP-008",
    "DHCP-009", "DHCP-010", "DHCP-011", "DHCP-012", "DHCP-013", "DHCP-014",
    "OPT-001",  "OPT-002",  "OPT-003",  "OPT-004",  "OPT-005",  "OPT-006",  "OPT-007",
    "MSG-001",  "MSG-002",  "MSG-003",  "MSG-004",  "MSG-005",  "MSG-007",  "MSG-008",  "MSG-011", "MSG-012", "MSG-013",
};

constexpr std::string_view kPxeIds[] = {
    "PXE-001", "PXE-002", "PXE-003", "PXE-004", "PXE-005", "PXE-006", "PXE-007", "PXE-009",
    "PXE-012", "PXE-014", "PXE-015", "PXE-018", "PXE-020", "PXE-021", "PXE-022", "PXE-023",
    "PXE-024", "PXE-025", "PXE-026", "PXE-027", "PXE-028", "PXE-029", "PXE-030",
};

constexpr std::string_view kTftpIds[] = {
    "TFTP-001", "TFTP-002", "TFTP-003", "TFTP-004", "TFTP-005", "TFTP-006", "TFTP-007",
    "TFTP-008", "TFTP-009", "TFTP-010", "TFTP-011", "TFTP-012", "TFTP-013", "TFTP-014",
    "TFTP-015", "TFTP-016", "TFTP-017", "TFTP-018", "TFTP-019", "TFTP-020", "TFTP-021",
    "TFTP-022", "TFTP-023", "TFTP-024", "TFTP-025", "TFTP-026", "TFTP-027", "TFTP-028",
};

constexpr std::string_view kFlowIds[] = {
    "FLOW-001", "FLOW-002", "FLOW-003", "FLOW-004", "FLOW-005", "FLOW-006", "FLOW-010", "FLOW-011", "FLOW-012", "FLOW-013",
};

constexpr RuleGroup kGroups[] = {
    {"dhcp", kDhcpIds, &detail::check_dhcp},
    {"pxe", kPxeIds, &detail::check_pxe},
    {"tftp", kTftpIds, &detail::check_tftp},
    {"flow", kFlowIds, &detail::check_flow},
};

constexpr std::string_view kRunnerIds[] = {
    // scenario: the client run (expected file, ARP conflict, where the boot
    // stopped) and the serve run (where each NIC's boot stopped)
    "FLOW-007", "FLOW-008", "FLOW-009",
    // the client's --probe faults (src/client/probes.cpp, pxe_client.cpp)
    "MSG-006", "PXE-016", "PXE-017", "TFTP-005", "TFTP-009", "TFTP-012", "TFTP-013", "TFTP-014",
};

constexpr std::string_view kNotReported[] = {
    "MSG-009", "MSG-010", "PXE-008", "PXE-010", "PXE-011", "PXE-013", "PXE-019",
};

constexpr RuleTable kTable{kGroups, kRunnerIds, kNotReported};

bool lists(std::span<const std::string_view> ids, std::string_view id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool has_row(std::span<const Rule> rows, std::string_view id) {
    return std::any_of(rows.begin(), rows.end(), [&](const Rule& r) { return r.id == id; });
}

}  // namespace

bool RuleGroup::reports(std::string_view id) const { return lists(ids, id); }

bool RuleTable::reportable(std::string_view id) const {
    return lists(runner_ids, id) ||
           std::any_of(groups.begin(), groups.end(), [&](const RuleGroup& g) { return g.reports(id); });
}

void verify_rule_table(const RuleTable& table, std::span<const Rule> rows) {
    std::string problems;
    const auto problem = [&](const std::string& text) {
        if (!problems.empty()) problems += "; ";
        problems += text;
    };
    const auto check_list = [&](std::span<const std::string_view> ids, const std::string& where) {
        for (auto it = ids.begin(); it != ids.end(); ++it) {
            const std::string id(*it);
            if (!has_row(rows, *it)) problem(id + " (" + where + ") has no catalogue row");
            if (std::find(ids.begin(), it, *it) != it) problem(id + " is listed twice in " + where);
        }
    };
    std::map<std::string_view, std::string_view> group_of;
    for (const auto& g : table.groups) {
        std::string where = "group ";
        where += g.name;
        check_list(g.ids, where);
        for (auto id : g.ids) {
            const auto [it, first] = group_of.emplace(id, g.name);
            if (!first && it->second != g.name)
                problem(std::string(id) + " is in " + where + " and group " + std::string(it->second));
        }
    }
    check_list(table.runner_ids, "runner IDs");
    check_list(table.not_reported, "not reported");
    for (auto id : table.not_reported)
        if (table.reportable(id)) problem(std::string(id) + " is listed as not reported but is reported");
    for (const auto& row : rows)
        if (!table.reportable(row.id) && !lists(table.not_reported, row.id))
            problem(std::string(row.id) + " has a catalogue row but no group or runner reports it, nor is it listed as "
                                          "not reported");
    if (problems.empty()) return;
    std::string message = "the rule table (src/checks/rule_table.cpp) disagrees with the catalogue: ";
    message += problems;
    throw std::logic_error(message);
}

const RuleTable& rule_table() {
    // Checked at first use, not during static initialisation, where a throw
    // would end the program before main() or a test could say why. A throw
    // leaves the flag uninitialised, so every later call throws again.
    [[maybe_unused]] static const bool agrees = (verify_rule_table(kTable, catalogue()), true);
    return kTable;
}

}  // namespace pxecheck::checks
