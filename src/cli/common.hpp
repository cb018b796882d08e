#pragma once
// Shared by the subcommands: exit codes (the design's contract with scripts)
// and small helpers. Only src/cli prints or picks exit codes.

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::cli {

/// Exit codes for every command (documented in the README; scripts rely on them).
enum ExitCode : int {
    kExitPass = 0,         ///< checks passed (warnings allowed unless --strict)
    kExitFailed = 1,       ///< at least one failed check
    kExitUsage = 2,        ///< bad usage or unreadable input
    kExitEnvironment = 3,  ///< no such interface, no permission, missing tool
};

/// The most seconds a --time-limit or --offer-wait may give (a year): the
/// runs count time in microseconds of an int64, which a larger number, an
/// infinite one or NaN does not fit.
constexpr double kMaxFlagSeconds = 365.0 * 24 * 3600;
/// "" when \p seconds is a number up to kMaxFlagSeconds and above 0 (or
/// from 0 with \p zero_allowed); otherwise the usage message for \p flag.
std::string seconds_flag_error(std::string_view flag, double seconds, bool zero_allowed);

/// The command line joined for reports ("pxecheck analyze x.pcap --json r.json").
std::string joined_command_line(int argc, char** argv);
/// Now in ISO 8601 UTC.
std::string utc_now();
std::string host_name();
/// Writes \p text to \p path; false (with errno text in \p error) on failure.
bool write_file(const std::string& path, const std::string& text, std::string& error);

/// The report's description of this run of \p command: tool version, the
/// command line of \p argv, this host, \p source, and \p started (ISO 8601
/// UTC; now when empty).
report::RunInfo run_info(std::string command, int argc, char** argv, std::string source, std::string started = {});
/// Judges a whole trace (pipeline::judge) into what the renderers take.
report::Analysis judged(report::RunInfo run, const analyze::Trace& trace, const checks::CheckOptions& options);
/// The exit code every command gives for its verdict: 1 for a failed check
/// and, with --strict, for a warning; 2 when the input could not be read
/// whole (Verdict::Error); 0 otherwise.
int exit_code_for(checks::Verdict verdict, bool strict);

/// Makes SIGINT and SIGTERM set stop_requested() instead of killing the
/// process, so a live command (client, serve, replay) ends its run cleanly
/// and still writes its capture and report.
void install_stop_signals();
/// Set once SIGINT or SIGTERM arrived after install_stop_signals().
const std::atomic<bool>& stop_requested();

}  // namespace pxecheck::cli
