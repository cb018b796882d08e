// `pxecheck decode` on real captures and on files that are not captures.
#include <gtest/gtest.h>

#include <filesystem>

#include "run_command.hpp"

using pxecheck::testing::bundled_captures;
using pxecheck::testing::run_pxecheck;
using pxecheck::testing::source_path;
namespace fs = std::filesystem;

namespace {
std::string temp_file(const std::string& name, const std::string& bytes) {
    auto path = fs::temp_directory_path() / ("pxecheck-test-" + std::to_string(getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
}
}  // namespace

TEST(DecodeCli, EveryBundledCaptureDecodesWithExitZero) {
    const auto files = bundled_captures();
    ASSERT_GE(files.size(), 8u) << "public and lab captures should be bundled";
    for (const auto& f : files) {
        auto r = run_pxecheck("decode '" + f.string() + "'");
        EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.out;
        EXPECT_EQ(r.out.find("internal error"), std::string::npos) << f;
    }
}

TEST(DecodeCli, ShowsPxeFieldsOfTheNetbootCapture) {
    auto r = run_pxecheck("decode " + source_path("captures/public/netboot-bios-pxe-proxydhcp-tftp-rrq.pcap"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("PXEClient:Arch:00000:UNDI:002001"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PXEBS"), std::string::npos) << "port 4011 frames are named";
    EXPECT_NE(r.out.find("RRQ \"boot\" octet blksize=1456"), std::string::npos) << r.out;
}

TEST(DecodeCli, ReadFlagWorksLikeTcpdump) {
    auto r = run_pxecheck("decode -r " + source_path("captures/public/tcpdump-tftp-rrq-basic.pcap"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("DATA 3 (105)"), std::string::npos) << r.out;
}

TEST(DecodeCli, NonCaptureFileIsAClearErrorWithExitTwo) {
    auto path = temp_file("notes.txt", "this is not a capture\n");
    auto r = run_pxecheck("decode " + path);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find(path), std::string::npos) << "the error names the file: " << r.out;
    EXPECT_NE(r.out.find("not a pcap or pcapng"), std::string::npos) << r.out;
    fs::remove(path);
}

TEST(DecodeCli, TruncatedCaptureKeepsEarlierFramesAndExitsTwo) {
    const auto whole = pxecheck::testing::read_text(source_path("captures/public/tcpdump-tftp-rrq-basic.pcap"));
    ASSERT_GT(whole.size(), 200u);
    auto path = temp_file("cut.pcap", whole.substr(0, whole.size() - 30));
    auto r = run_pxecheck("decode " + path);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("RRQ \"file1\""), std::string::npos) << "frames before the cut are shown: " << r.out;
    fs::remove(path);
}

TEST(DecodeCli, MissingFileIsExitTwo) {
    auto r = run_pxecheck("decode /nonexistent/x.pcap");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("/nonexistent/x.pcap"), std::string::npos) << r.out;
}

TEST(DecodeCli, NoArgumentIsUsageError) {
    auto r = run_pxecheck("decode");
    EXPECT_EQ(r.exit_code, 2);
}
