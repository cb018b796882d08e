// Golden tests: every bundled capture goes through `pxecheck analyze --json`
// and the run-independent part of the report (verdict, findings, sessions)
// must equal the committed expectation in tests/golden/<capture>.json, as
// Zeek's btest baselines do. scripts/update-goldens rewrites them after an
// intended change; the diff is then reviewed like code.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "run_command.hpp"

using pxecheck::testing::run_pxecheck;
using pxecheck::testing::bundled_captures;
using pxecheck::testing::source_path;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The part of a report that depends only on the capture.
json stable_part(const json& report) {
    return json{{"verdict", report.at("verdict")},
                {"counts", report.at("counts")},
                {"source", {{"frames", report.at("source").at("frames")},
                            {"linktype", report.at("source").at("linktype")},
                            {"sha256", report.at("source").at("sha256")},
                            {"anomalies", report.at("source").at("anomalies")}}},
                {"findings", report.at("findings")},
                {"sessions", report.at("sessions")}};
}

}  // namespace

class Golden : public ::testing::TestWithParam<fs::path> {};

TEST_P(Golden, FindingsMatchCommittedExpectation) {
    const fs::path capture = GetParam();
    const fs::path golden = fs::path(source_path("tests/golden")) / (capture.stem().string() + ".json");
    auto r = run_pxecheck("analyze -q --json - '" + capture.string() + "'");
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out;
    const json actual = stable_part(json::parse(r.out));
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing: run scripts/update-goldens and review the diff";
    const json expected = json::parse(pxecheck::testing::read_text(golden.string()));
    EXPECT_EQ(expected, actual) << "report for " << capture.filename() << " changed; diff:\n"
                                << json::diff(expected, actual).dump(2);
    EXPECT_EQ(r.exit_code, actual["verdict"] == "fail" ? 1 : 0) << "exit code follows the verdict";
}

INSTANTIATE_TEST_SUITE_P(Captures, Golden, ::testing::ValuesIn(bundled_captures()),
                         [](const ::testing::TestParamInfo<fs::path>& param_info) {
                             std::string name = param_info.param.stem().string();
                             for (auto& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return name;
                         });
