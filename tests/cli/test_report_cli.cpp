// Evidence bundles through the real binary: `analyze --report DIR`, `report
// verify`, `report render`, the JSON Schema (python3-jsonschema), JUnit
// parsed by a real XML parser, the pcapng's comments read by tshark.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "run_command.hpp"

using pxecheck::testing::read_text;
using pxecheck::testing::run_pxecheck;
using pxecheck::testing::shell_quoted;
using pxecheck::testing::source_path;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kNoNextServer = "captures/ipxe-bios-dhcpd-no-next-server.pcap";
const char* kHealthy = "captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap";
const char* kPython = "/usr/bin/python3";  // Debian's, with Debian's python3-* modules

/// A fresh directory under the temp dir, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "pxecheck-report-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string str() const { return path_.string(); }
    [[nodiscard]] std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

struct Shell {
    int exit_code = -1;
    std::string out;
};
/// Runs \p cmd through /bin/sh; stderr joins stdout unless \p drop_stderr.
Shell shell(const std::string& cmd, bool drop_stderr = false) {
    Shell r;
    FILE* p = popen((cmd + (drop_stderr ? " 2>/dev/null" : " 2>&1")).c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

bool have_python_module(const std::string& module) {
    return access(kPython, X_OK) == 0 && shell(std::string(kPython) + " -c 'import " + module + "'").exit_code == 0;
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + part.size())) ++n;
    return n;
}

/// Runs analyze with --report into \p dir and returns the exit code.
int bundle(const std::string& capture, const TempDir& dir, const std::string& extra = "") {
    auto r = run_pxecheck("analyze -q --report '" + dir.str() + "' " + extra + " '" + source_path(capture) + "'");
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    return r.exit_code;
}

}  // namespace

TEST(ReportCli, AnalyzeWritesACompleteBundle) {
    TempDir dir;
    EXPECT_EQ(bundle(kNoNextServer, dir), 1);  // PXE-030 fails
    for (const char* f : {"report.html", "report.md", "report.json", "junit.xml", "capture.pcapng", "SHA256SUMS"})
        EXPECT_TRUE(fs::exists(dir / f)) << f;
    const std::string sums = read_text(dir / "SHA256SUMS");
    EXPECT_EQ(count(sums, "\n"), 5u) << sums;
    // sha256sum -c reads it as its own.
    if (shell("command -v sha256sum").exit_code == 0) {
        auto r = shell("cd '" + dir.str() + "' && sha256sum -c SHA256SUMS");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        EXPECT_EQ(count(r.out, ": OK"), 5u) << r.out;
    }
    auto v = run_pxecheck("report verify '" + dir.str() + "'");
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_NE(v.out.find("report.html: OK"), std::string::npos) << v.out;

    const json report = json::parse(read_text(dir / "report.json"));
    EXPECT_EQ(report["verdict"], "fail");
    EXPECT_EQ(report["evidence"]["capture"], "capture.pcapng");
    EXPECT_EQ(report["evidence"]["capture_frames"], report["source"]["frames"]);
    EXPECT_EQ(report["evidence"]["capture_sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(sums.find(report["evidence"]["capture_sha256"].get<std::string>() + "  capture.pcapng"), std::string::npos);
}

TEST(ReportCli, VerifyNamesTheFileAfterOneFlippedByte) {
    TempDir dir;
    bundle(kHealthy, dir);
    ASSERT_EQ(run_pxecheck("report verify -q '" + dir.str() + "'").exit_code, 0);
    {
        std::fstream f(dir / "report.html", std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(100);
        char c = 0;
        f.get(c);
        f.seekp(100);
        f.put(static_cast<char>(c ^ 0x01));
    }
    auto v = run_pxecheck("report verify '" + dir.str() + "'");
    EXPECT_EQ(v.exit_code, 1) << v.out;
    EXPECT_NE(v.out.find("report.html: FAILED"), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("report.json: OK"), std::string::npos) << v.out;

    // A file taken out of SHA256SUMS is not quietly unchecked.
    TempDir other;
    bundle(kHealthy, other);
    std::string sums = read_text(other / "SHA256SUMS");
    const auto at = sums.find("  junit.xml\n");
    ASSERT_NE(at, std::string::npos);
    sums.erase(sums.rfind('\n', at) + 1, at + 12 - (sums.rfind('\n', at) + 1));
    std::ofstream(other / "SHA256SUMS", std::ios::binary | std::ios::trunc) << sums;
    v = run_pxecheck("report verify '" + other.str() + "'");
    EXPECT_EQ(v.exit_code, 1) << v.out;
    EXPECT_NE(v.out.find("junit.xml: FAILED (not listed"), std::string::npos) << v.out;

    // A missing file is a mismatch too.
    fs::remove(other / "report.md");
    v = run_pxecheck("report verify '" + other.str() + "'");
    EXPECT_EQ(v.exit_code, 1) << v.out;
    EXPECT_NE(v.out.find("report.md: FAILED (missing)"), std::string::npos) << v.out;
}

TEST(ReportCli, VerifyUnreadableIsExitTwo) {
    auto v = run_pxecheck("report verify /nonexistent/pxecheck-bundle");
    EXPECT_EQ(v.exit_code, 2) << v.out;
    EXPECT_NE(v.out.find("/nonexistent/pxecheck-bundle"), std::string::npos) << v.out;
    TempDir dir;
    bundle(kHealthy, dir);
    fs::remove(dir / "SHA256SUMS");
    v = run_pxecheck("report verify '" + dir.str() + "'");
    EXPECT_EQ(v.exit_code, 2) << v.out;
    EXPECT_NE(v.out.find("SHA256SUMS: cannot read"), std::string::npos) << v.out;
    std::ofstream(dir / "SHA256SUMS") << "this is not a sums file\n";
    v = run_pxecheck("report verify '" + dir.str() + "'");
    EXPECT_EQ(v.exit_code, 2) << v.out;
    std::ofstream(dir / "SHA256SUMS", std::ios::trunc)
        << std::string(64, 'a') << "  ../etc/passwd\n";
    v = run_pxecheck("report verify '" + dir.str() + "'");
    EXPECT_EQ(v.exit_code, 2) << v.out;
}

TEST(ReportCli, RenderFromTheJsonReproducesTheBundle) {
    TempDir dir;
    bundle(kNoNextServer, dir);
    for (const auto& [format, file] : std::vector<std::pair<std::string, std::string>>{
             {"html", "report.html"}, {"md", "report.md"}, {"junit", "junit.xml"}}) {
        const std::string out = dir / ("again." + format);
        auto r = run_pxecheck("report render '" + (dir / "report.json") + "' --format " + format + " -o '" + out + "'");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        EXPECT_EQ(read_text(out), read_text(dir / file)) << format;
    }
    // To stdout by default, HTML by default.
    auto r = run_pxecheck("report render '" + (dir / "report.json") + "'");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, read_text(dir / "report.html"));
}

TEST(ReportCli, RenderRefusesWhatIsNotAReport) {
    TempDir dir;
    auto r = run_pxecheck("report render /nonexistent/report.json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("/nonexistent/report.json: cannot open"), std::string::npos) << r.out;
    std::ofstream(dir / "x.json") << "{ not json";
    r = run_pxecheck("report render '" + (dir / "x.json") + "'");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("not JSON"), std::string::npos) << r.out;
    std::ofstream(dir / "c.json") << R"({"schema": "pxecheck.catalogue/1"})";
    r = run_pxecheck("report render '" + (dir / "c.json") + "'");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("not a pxecheck report"), std::string::npos) << r.out;
    bundle(kHealthy, dir);
    r = run_pxecheck("report render '" + (dir / "report.json") + "' --format pdf");
    EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST(ReportCli, HtmlLadderHasOneArrowPerFrameAndFetchesNothing) {
    for (const char* capture : {kNoNextServer, kHealthy}) {
        TempDir dir;
        bundle(capture, dir);
        const json report = json::parse(read_text(dir / "report.json"));
        const std::string html = read_text(dir / "report.html");
        SCOPED_TRACE(capture);
        ASSERT_GT(report["frames"].size(), 0u);
        EXPECT_EQ(count(html, "<line class=\"arrow"), report["frames"].size());
        EXPECT_EQ(count(html, "<script"), 0u);
        EXPECT_EQ(count(html, "src=\"http"), 0u);
        EXPECT_EQ(count(html, "href=\"http"), 0u);
        EXPECT_EQ(count(html, "http://"), 0u);
        EXPECT_EQ(count(html, "https://"), 0u);
        const std::string md = read_text(dir / "report.md");
        for (const auto& f : report["findings"]) EXPECT_NE(md.find(f["id"].get<std::string>()), std::string::npos);
    }
}

TEST(ReportCli, JunitParsesWithOneTestCasePerRule) {
    if (!have_python_module("xml.dom.minidom")) GTEST_SKIP() << kPython << " with xml.dom.minidom not available";
    TempDir dir;
    bundle(kNoNextServer, dir);
    const auto rules = json::parse(run_pxecheck("checks --json").out)["rules"].size();
    auto r = shell(std::string(kPython) +
                   " -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                   "cases = d.getElementsByTagName(\"testcase\"); "
                   "fails = [c.getAttribute(\"name\").split()[0] for c in cases if c.getElementsByTagName(\"failure\")]; "
                   "print(len(cases), \",\".join(fails))' '" +
                   (dir / "junit.xml") + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out, std::to_string(rules) + " PXE-030\n");
}

TEST(ReportCli, ReportsValidateAgainstTheJsonSchema) {
    if (!have_python_module("jsonschema")) GTEST_SKIP() << "python3-jsonschema not installed (scripts/deps)";
    TempDir dir;
    // The two bundles (with `evidence`) and every bundled capture's --json.
    std::string reports;
    for (const char* capture : {kNoNextServer, kHealthy}) {
        const std::string sub = dir / fs::path(capture).stem().string();
        auto r = run_pxecheck("analyze -q --report '" + sub + "' '" + source_path(capture) + "'");
        reports += " '" + sub + "/report.json'";
    }
    std::size_t n = 0;
    for (const auto& capture : pxecheck::testing::bundled_captures()) {
        const std::string out = dir / (std::to_string(n++) + ".json");
        run_pxecheck("analyze -q --json " + shell_quoted(out) + " " + shell_quoted(capture.string()));
        ASSERT_TRUE(fs::exists(out)) << capture;
        reports += " '" + out + "'";
    }
    ASSERT_GE(n, 8u);
    // The validator the integration tests use too: it also fails on any field
    // the schema does not declare.
    auto r = shell(std::string(kPython) + " '" + source_path("tests/integration/tools/validate_report.py") + "' '" +
                   source_path("docs/report-schema.json") + "'" + reports);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find(", 0 problem(s)"), std::string::npos) << r.out;
}

TEST(ReportCli, CaptureCarriesTheFindingsAsComments) {
    if (shell("command -v tshark").exit_code != 0) GTEST_SKIP() << "tshark not installed";
    TempDir dir;
    bundle(kNoNextServer, dir);
    auto r = shell("tshark -r '" + (dir / "capture.pcapng") + "' -T fields -e frame.number -e frame.comment", true);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    // Frame 4 is the offer without a server: PXE-030 cites it.
    EXPECT_NE(r.out.find("\n4\t"), std::string::npos) << r.out;
    const auto line4 = r.out.substr(r.out.find("\n4\t"), r.out.find('\n', r.out.find("\n4\t") + 1) - r.out.find("\n4\t"));
    EXPECT_NE(line4.find("PXE-030 fail (blame config)"), std::string::npos) << line4;
    // Every frame of the input is there, and nothing is malformed.
    const json report = json::parse(read_text(dir / "report.json"));
    EXPECT_EQ(count(r.out, "\n"), report["source"]["frames"].get<std::size_t>()) << r.out;
    auto v = shell("tshark -r '" + (dir / "capture.pcapng") + "' -V", true);
    EXPECT_EQ(v.out.find("Malformed"), std::string::npos);
    EXPECT_NE(v.out.find("PXE-030"), std::string::npos);
}

TEST(ReportCli, SeveralFilesAreOneCaptureInTheBundle) {
    TempDir dir;
    auto r = run_pxecheck("analyze -q --report '" + dir.str() + "' '" + source_path(kNoNextServer) + "' '" +
                          source_path(kHealthy) + "'");
    EXPECT_NE(r.exit_code, 2) << r.out;
    const json report = json::parse(read_text(dir / "report.json"));
    EXPECT_EQ(report["evidence"]["capture_frames"], report["source"]["frames"]);
    EXPECT_EQ(run_pxecheck("report verify -q '" + dir.str() + "'").exit_code, 0);
}
