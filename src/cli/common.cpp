#include "common.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "pxecheck/pipeline/judge.hpp"

namespace pxecheck::cli {

namespace {
std::atomic<bool> g_stop_requested{false};
extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }
}  // namespace

void install_stop_signals() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
}

const std::atomic<bool>& stop_requested() { return g_stop_requested; }

std::string seconds_flag_error(std::string_view flag, double seconds, bool zero_allowed) {
    // Written so that NaN fails every comparison and is refused.
    const bool low_ok = zero_allowed ? seconds >= 0 : seconds > 0;
    if (low_ok && seconds <= kMaxFlagSeconds) return "";
    return fmt::format("{} wants seconds {} {:.0f}, got {}", flag, zero_allowed ? "from 0 to" : "above 0, up to",
                       kMaxFlagSeconds, seconds);
}

std::string joined_command_line(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) {
        if (i) s += ' ';
        std::string arg = argv[i];
        if (arg.find_first_of(" \t\"'") != std::string::npos) arg = "'" + arg + "'";
        s += arg;
    }
    return s;
}

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

bool write_file(const std::string& path, const std::string& text, std::string& error) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    out << text;
    out.close();
    if (!out) {
        error = path + ": write failed";
        return false;
    }
    return true;
}

report::RunInfo run_info(std::string command, int argc, char** argv, std::string source, std::string started) {
    report::RunInfo run;
    run.tool_version = PXECHECK_VERSION;
    run.command = std::move(command);
    run.command_line = joined_command_line(argc, argv);
    run.source = std::move(source);
    run.started_at = started.empty() ? utc_now() : std::move(started);
    run.host = host_name();
    return run;
}

report::Analysis judged(report::RunInfo run, const analyze::Trace& trace, const checks::CheckOptions& options) {
    auto j = pipeline::judge(trace, options);
    return report::judged_analysis(std::move(run), trace, std::move(j.boots), std::move(j.findings), options);
}

int exit_code_for(checks::Verdict verdict, bool strict) {
    switch (verdict) {
        case checks::Verdict::Fail: return kExitFailed;
        case checks::Verdict::Warn: return strict ? kExitFailed : kExitPass;
        case checks::Verdict::Error: return kExitUsage;
        case checks::Verdict::Pass: return kExitPass;
    }
    return kExitPass;
}

}  // namespace pxecheck::cli
