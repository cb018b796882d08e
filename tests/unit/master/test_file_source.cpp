// RootDirectory: read-only and confined (no "..", no absolute paths, no
// symlinks out of the root), in a temporary tree made and removed here.

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pxecheck/master/file_source.hpp"
#include "pxecheck/master/tftp_server.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using wire::TftpErrorCode;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, std::string_view text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

/// /tmp/pxecheck-root-XXXXXX/{root/..., outside.txt}
class RootDirectoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "pxecheck-root-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        base_ = tmpl;
        root_ = base_ / "root";
        fs::create_directories(root_ / "pxelinux.cfg");
        write(root_ / "pxelinux.0", "NBP");
        write(root_ / "pxelinux.cfg" / "default", "DEFAULT linux\n");
        write(base_ / "outside.txt", "secret");
        fs::create_symlink("../outside.txt", root_ / "link-out");
        fs::create_symlink(base_ / "outside.txt", root_ / "abs-link-out");
        fs::create_symlink("pxelinux.0", root_ / "link-in");
    }
    void TearDown() override {
        std::error_code ec;
        if (!base_.empty()) fs::remove_all(base_, ec);
    }

    fs::path base_;
    fs::path root_;
};

std::string text(const FileRead& r) { return std::string(r.data.begin(), r.data.end()); }

}  // namespace

TEST_F(RootDirectoryTest, ServesFilesInsideTheRoot) {
    RootDirectory dir(root_);
    auto r = dir.read("pxelinux.0");
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(text(r), "NBP");
    r = dir.read("pxelinux.cfg/default");
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(text(r), "DEFAULT linux\n");
    // One leading '/' is dropped, as tftpd-hpa --secure does.
    r = dir.read("/pxelinux.0");
    ASSERT_TRUE(r.ok()) << r.message;
    // A symlink that stays inside is followed.
    r = dir.read("link-in");
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(text(r), "NBP");
}

TEST_F(RootDirectoryTest, RefusesEscapes) {
    RootDirectory dir(root_);
    for (const char* name : {"../outside.txt", "pxelinux.cfg/../../outside.txt", "pxelinux.cfg/../pxelinux.0",
                             "//etc/passwd", "link-out", "abs-link-out", "pxelinux.cfg", ".."}) {
        const auto r = dir.read(name);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(*r.error, TftpErrorCode::AccessViolation) << name << ": " << r.message;
    }
    const auto missing = dir.read("pxelinux.cfg/01-52-54-00-12-34-56");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(*missing.error, TftpErrorCode::FileNotFound);
    EXPECT_EQ(*dir.read("").error, TftpErrorCode::FileNotFound);
    EXPECT_EQ(*RootDirectory(base_ / "nonexistent").read("x").error, TftpErrorCode::FileNotFound);
}

TEST_F(RootDirectoryTest, TftpServerAnswersEscapesWithError2) {
    RootDirectory dir(root_);
    TftpServerConfig c;
    c.server_ip = Ipv4Addr::from_octets(192, 168, 14, 200);
    TftpServer s(c, dir);
    link::Datagram d;
    d.src_ip = Ipv4Addr::from_octets(192, 168, 14, 10);
    d.dst_ip = c.server_ip;
    d.src_port = 2000;
    d.dst_port = 69;
    d.payload = wire::encode_tftp(wire::make_rrq("../outside.txt"));
    s.on_datagram(TimePoint{}, d);
    auto out = s.take_output();
    ASSERT_EQ(out.size(), 1u);
    const auto pkt = wire::decode_tftp(out[0].payload).pkt;
    EXPECT_EQ(pkt.op(), wire::TftpOpcode::Error);
    EXPECT_EQ(pkt.error_code, 2);
    d.src_port = 2001;
    d.payload = wire::encode_tftp(wire::make_rrq("/pxelinux.0"));
    s.on_datagram(TimePoint{}, d);
    out = s.take_output();
    ASSERT_EQ(out.size(), 1u);
    const auto data = wire::decode_tftp(out[0].payload).pkt;
    EXPECT_EQ(data.op(), wire::TftpOpcode::Data);
    EXPECT_EQ(data.data, (Bytes{'N', 'B', 'P'}));
}
