// `pxecheck checks` and the generated docs/checks.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_command.hpp"

using pxecheck::testing::run_pxecheck;
using pxecheck::testing::source_path;

TEST(ChecksCli, CommittedDocsMatchTheCatalogue) {
    auto r = run_pxecheck("checks --markdown");
    ASSERT_EQ(r.exit_code, 0);
    const auto committed = pxecheck::testing::read_text(source_path("docs/checks.md"));
    EXPECT_EQ(committed, r.out) << "docs/checks.md is out of date: run build/pxecheck checks --markdown > docs/checks.md";
}

TEST(ChecksCli, JsonListsEveryCatalogueSection) {
    auto r = run_pxecheck("checks --json");
    ASSERT_EQ(r.exit_code, 0);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "pxecheck.catalogue/1");
    std::set<std::string> prefixes;
    for (const auto& rule : j["rules"]) {
        const std::string id = rule["id"];
        prefixes.insert(id.substr(0, id.find('-')));
        EXPECT_FALSE(rule["clause"].get<std::string>().empty()) << id;
    }
    EXPECT_EQ(prefixes, (std::set<std::string>{"DHCP", "OPT", "MSG", "PXE", "TFTP", "FLOW"}));
}
