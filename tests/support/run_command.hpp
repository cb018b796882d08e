#pragma once
// Test support: run the real pxecheck binary and collect its exit code and
// output, so command-line behaviour is tested as users see it.

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace pxecheck::testing {

struct CommandResult {
    int exit_code = -1;
    std::string out;  ///< stdout and stderr together
};

/// Runs \p script through /bin/sh, stderr merged into stdout.
inline CommandResult run_shell(const std::string& script) {
    CommandResult r;
    const std::string cmd = "{ " + script + "; } 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

/// Runs pxecheck with \p args (already shell-quoted), stderr merged.
inline CommandResult run_pxecheck(const std::string& args) {
    return run_shell(std::string(PXECHECK_BINARY) + " " + args);
}

/// \p s in single quotes for /bin/sh (test paths hold no single quote).
/// Appended, not `"'" + s + "'"`, which GCC 12 at -O3 flags with a false
/// -Wrestrict (GCC bug 105329).
inline std::string shell_quoted(std::string_view s) {
    std::string out(1, '\'');
    out.append(s);
    out.push_back('\'');
    return out;
}

inline std::string source_path(const std::string& rel) { return std::string(PXECHECK_SOURCE_DIR) + "/" + rel; }

/// Every capture the project bundles (captures/ and captures/public/), sorted.
inline std::vector<std::filesystem::path> bundled_captures() {
    std::vector<std::filesystem::path> out;
    for (const char* dir : {"captures", "captures/public"}) {
        for (const auto& e : std::filesystem::directory_iterator(source_path(dir))) {
            const auto ext = e.path().extension();
            if (ext == ".pcap" || ext == ".pcapng") out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace pxecheck::testing
