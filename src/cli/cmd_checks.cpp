// `pxecheck checks`: the rule catalogue, as a table, JSON or the Markdown of
// docs/checks.md.
#include <fmt/core.h>

#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::cli {

namespace {
struct ChecksOptions {
    bool json = false;
    bool markdown = false;
};

int run_checks_list(const ChecksOptions& o) {
    if (o.json) {
        fmt::print("{}\n", report::catalogue_json().dump(2));
        return kExitPass;
    }
    if (o.markdown) {
        fmt::print("{}", report::catalogue_markdown());
        return kExitPass;
    }
    for (const auto& r : checks::catalogue()) {
        fmt::print("{:<9} {:<6} {:<4} {:<7} {}\n          {}\n", r.id, checks::to_string(r.party),
                   checks::to_string(r.severity), checks::to_string(r.detection), r.title, r.clause);
    }
    return kExitPass;
}
}  // namespace

Runner add_checks(CLI::App& app) {
    auto opts = std::make_shared<ChecksOptions>();
    auto* sub = app.add_subcommand("checks", "List the conformance rules pxecheck applies");
    auto* j = sub->add_flag("--json", opts->json, "the catalogue as JSON");
    auto* m = sub->add_flag("--markdown", opts->markdown, "the catalogue as Markdown (docs/checks.md)");
    j->excludes(m);
    return [opts]() { return run_checks_list(*opts); };
}

}  // namespace pxecheck::cli
