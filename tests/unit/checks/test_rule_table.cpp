// The rule table (src/checks/rule_table.cpp) against the catalogue and the
// sources: a rule ID reported without a catalogue row, or without being
// registered for the code that reports it, fails here instead of reaching a
// report as a bare "Fail" with no title or clause.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/checks/rule_table.hpp"
#include "finding_helpers.hpp"

namespace {

using namespace pxecheck;
using checks::RuleGroup;
using checks::RuleTable;
using fixtures::contains;

/// What verify_rule_table() says about \p table ("" when it agrees).
std::string mismatch_of(const RuleTable& table) {
    try {
        checks::verify_rule_table(table, checks::catalogue());
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "";
}

/// A copy of the real table to break one way or another; the lists it points
/// into live as long as the copy.
struct EditableTable {
    std::vector<RuleGroup> groups{checks::rule_table().groups.begin(), checks::rule_table().groups.end()};
    std::vector<std::vector<std::string_view>> group_ids;
    std::vector<std::string_view> runner_ids{checks::rule_table().runner_ids.begin(),
                                             checks::rule_table().runner_ids.end()};
    std::vector<std::string_view> not_reported{checks::rule_table().not_reported.begin(),
                                               checks::rule_table().not_reported.end()};

    EditableTable() {
        for (const auto& g : groups) group_ids.emplace_back(g.ids.begin(), g.ids.end());
    }
    [[nodiscard]] RuleTable table() {
        for (std::size_t i = 0; i < groups.size(); ++i) groups[i].ids = group_ids[i];
        return {groups, runner_ids, not_reported};
    }
};

TEST(RuleTable, AgreesWithTheCatalogue) {
    EXPECT_EQ(mismatch_of(checks::rule_table()), "");
    EXPECT_NO_THROW(checks::rule_table());
}

TEST(RuleTable, VerificationNamesAnIdWithoutACatalogueRow) {
    EditableTable t;
    t.group_ids.front().push_back("DHCP-999");
    const std::string message = mismatch_of(t.table());
    EXPECT_TRUE(contains(message, "DHCP-999")) << message;
}

TEST(RuleTable, VerificationNamesACatalogueRowNothingReports) {
    EditableTable t;
    std::erase(t.runner_ids, "FLOW-007");
    const std::string message = mismatch_of(t.table());
    EXPECT_TRUE(contains(message, "FLOW-007")) << message;
}

TEST(RuleTable, VerificationNamesAnIdInTwoGroups) {
    EditableTable t;
    t.group_ids.back().push_back(t.group_ids.front().front());
    const std::string message = mismatch_of(t.table());
    EXPECT_TRUE(contains(message, std::string(t.group_ids.front().front()) + " is in")) << message;
}

TEST(RuleTable, VerificationNamesANotReportedIdThatIsReported) {
    EditableTable t;
    t.not_reported.push_back("FLOW-009");
    const std::string message = mismatch_of(t.table());
    EXPECT_TRUE(contains(message, "FLOW-009 is listed as not reported")) << message;
}

TEST(MakeFinding, RefusesAnUnknownIdNamingIt) {
    try {
        (void)checks::make_finding("FLOW-999", checks::Blame::Master, "detail");
        ADD_FAILURE() << "make_finding accepted FLOW-999";
    } catch (const std::logic_error& e) {
        EXPECT_TRUE(contains(e.what(), "FLOW-999")) << e.what();
    }
}

TEST(MakeFinding, RefusesACatalogueRowNothingReports) {
    for (auto id : checks::rule_table().not_reported)
        EXPECT_THROW((void)checks::make_finding(id, checks::Blame::Master, "detail"), std::logic_error) << id;
}

TEST(MakeFinding, TakesTitleClauseAndSeverityFromTheRow) {
    const auto f = checks::make_finding("FLOW-009", checks::Blame::Nic, "the boot stopped");
    const auto* row = checks::find_rule("FLOW-009");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(f.title, row->title);
    EXPECT_EQ(f.clause, row->clause);
    EXPECT_EQ(f.severity, row->severity);
}

// The source scan: every string literal shaped like a rule ID in src/ is an
// ID some code passes to the sink or to make_finding (directly or through a
// variable, a fold or a probe's fault), so each must be registered for the
// code it stands in.

struct IdLiteral {
    std::string id;
    std::string file;  ///< relative to src/, with '/'
    std::size_t line = 0;
};

std::vector<IdLiteral> id_literals_in_sources() {
    namespace fs = std::filesystem;
    const fs::path src = fs::path(PXECHECK_SOURCE_DIR) / "src";
    // The lists being checked, not uses of them.
    const std::vector<std::string> lists = {"checks/catalogue.cpp", "checks/rule_table.cpp"};
    const std::regex id_literal(R"re("([A-Z]+-[0-9]{3})")re");
    std::vector<IdLiteral> found;
    for (const auto& entry : fs::recursive_directory_iterator(src)) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
        const std::string file = entry.path().lexically_relative(src).generic_string();
        if (std::find(lists.begin(), lists.end(), file) != lists.end()) continue;
        std::ifstream in(entry.path());
        std::string text;
        for (std::size_t line = 1; std::getline(in, text); ++line)
            for (std::sregex_iterator m(text.begin(), text.end(), id_literal), end; m != end; ++m)
                found.push_back({(*m)[1].str(), file, line});
    }
    return found;
}

/// The group whose rules live in src/\p file, or nullptr.
const RuleGroup* group_in(const std::string& file) {
    for (const auto& g : checks::rule_table().groups) {
        std::string rules_file = "checks/rules_";
        rules_file += g.name;
        if (file == rules_file + ".cpp") return &g;
    }
    return nullptr;
}

bool in_checks(const std::string& file) { return file.rfind("checks/", 0) == 0; }

TEST(RuleTableSources, EveryIdInTheSourcesIsRegisteredForItsCode) {
    const auto& table = checks::rule_table();
    const auto literals = id_literals_in_sources();
    ASSERT_FALSE(literals.empty()) << "no rule IDs found under " << PXECHECK_SOURCE_DIR << "/src";
    for (const auto& l : literals) {
        std::string where = "src/";
        where += l.file + ":" + std::to_string(l.line) + ": " + l.id;
        if (const auto* group = group_in(l.file))
            EXPECT_TRUE(group->reports(l.id)) << where << " is not in the " << group->name << " group";
        else if (in_checks(l.file))
            EXPECT_TRUE(std::any_of(table.groups.begin(), table.groups.end(),
                                    [&](const RuleGroup& g) { return g.reports(l.id); }))
                << where << " is in no rule group";
        else
            EXPECT_TRUE(std::find(table.runner_ids.begin(), table.runner_ids.end(), l.id) != table.runner_ids.end())
                << where << " is not among the runner IDs";
    }
}

// The other way: an ID registered but no longer in the code would hide a
// catalogue row that nothing reports.
TEST(RuleTableSources, EveryRegisteredIdStandsInTheCodeItIsRegisteredFor) {
    const auto& table = checks::rule_table();
    const auto literals = id_literals_in_sources();
    const auto stands = [&](std::string_view id, auto&& in_file) {
        return std::any_of(literals.begin(), literals.end(),
                           [&](const IdLiteral& l) { return l.id == id && in_file(l.file); });
    };
    for (const auto& g : table.groups)
        for (auto id : g.ids)
            EXPECT_TRUE(stands(id, [&](const std::string& file) { return group_in(file) == &g; }))
                << id << " is in the " << g.name << " group but not in src/checks/rules_" << g.name << ".cpp";
    for (auto id : table.runner_ids)
        EXPECT_TRUE(stands(id, [](const std::string& file) { return !in_checks(file); }))
            << id << " is a runner ID but no file outside src/checks names it";
    for (auto id : table.not_reported)
        EXPECT_FALSE(stands(id, [](const std::string&) { return true; }))
            << id << " is listed as not reported but the sources name it";
}

}  // namespace
