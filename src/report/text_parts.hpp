#pragma once
// Private to the report module: the pieces of the terminal report that
// render_text() puts together, for StreamingReport to render one session
// at a time (the overview row, the detail block, the finding lines) and
// put the report together at the end without keeping the sessions.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report::detail {

/// ANSI colours, or none (not a terminal).
struct TextStyle {
    bool color = false;
    [[nodiscard]] std::string paint(std::string_view text, std::string_view code) const;
    [[nodiscard]] std::string severity(checks::Severity s) const;
};

/// The sessions of at most this many clients are shown in detail (more:
/// the overview table alone, unless verbose).
constexpr std::size_t kTextDetailedSessions = 5;

/// The first lines: command, source, frames, the source's notes, and "no
/// client" when \p sessions is 0.
std::string text_header(const Analysis& a, const analyze::Trace& trace, std::size_t sessions);
/// The overview table's heading (shown when there is more than one session).
std::string text_table_head();
/// One client's overview row up to, without, its last column (the worst
/// finding, which may come from any of the client's sessions).
/// \p transfers: the trace's transfers, which the session's indices name.
std::string text_row_start(const analyze::ClientSession& s, const analyze::BootPath& b,
                           const std::vector<analyze::TftpTransfer>& transfers);
/// A row of the overview: one boot attempt of one client.
using AttemptKey = std::pair<MacAddr, std::uint32_t>;
/// Each attempt's worst finding for its overview row: the first of the
/// highest severity in \p findings (in the report's order). \p F is a
/// checks::Finding or anything else with its `client`, `attempt` and
/// `severity`.
template <typename Findings, typename F = typename Findings::value_type>
std::map<AttemptKey, const F*> worst_by_client(const Findings& findings) {
    std::map<AttemptKey, const F*> worst;
    for (const auto& f : findings) {
        if (!f.client) continue;
        auto [it, added] = worst.emplace(AttemptKey{*f.client, f.attempt.value_or(0)}, &f);
        if (!added && f.severity > it->second->severity) it->second = &f;
    }
    return worst;
}
/// The row's last column and its newline: \p worst is the client's first
/// finding of the highest severity in the report's order, or none.
std::string text_row_end(const checks::Finding* worst);
/// The same from the finding's severity and ID alone.
std::string text_row_end(checks::Severity severity, std::string_view id);
/// One client's boot in detail: phases and timings, offers, the file, the
/// TFTP transfers.
std::string text_detail(const TextStyle& st, const analyze::ClientSession& s, const analyze::BootPath& b,
                        const std::vector<analyze::TftpTransfer>& transfers);
/// The heading of the findings list (when there are findings).
std::string text_findings_head();
/// One finding's line (and with \p verbose its title, clause and frames).
std::string text_finding(const TextStyle& st, const checks::Finding& f, bool verbose);
/// The last line: the verdict and the count of findings by severity.
std::string text_verdict(const TextStyle& st, checks::Verdict v, std::size_t fails, std::size_t warns,
                         std::size_t infos);

}  // namespace pxecheck::report::detail
