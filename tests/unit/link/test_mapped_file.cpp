// MappedFile: a regular file read through its sliding window, to the byte;
// what it refuses (pipes, missing files) is read another way by its callers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "link_test_util.hpp"
#include "pxecheck/link/mapped_file.hpp"

using namespace linktest;
using pxecheck::link::MappedFile;

namespace {
Bytes numbered(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i ^ (i >> 8) ^ (i >> 16));
    return b;
}
}  // namespace

TEST(MappedFile, ChunksCoverTheFileExactly) {
    const Bytes content = numbered(MappedFile::kWindow * 2 + 12345);
    const TempPath path("mapped.bin");
    write_file(path.str(), content);
    auto f = MappedFile::open(path.str());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->size(), content.size());
    Bytes seen;
    std::uint64_t at = 0;
    for (pxecheck::ByteView c; !(c = f->chunk(at)).empty(); at += c.size()) seen.insert(seen.end(), c.begin(), c.end());
    EXPECT_EQ(seen, content);
}

TEST(MappedFile, ViewsAcrossTheWindowEdgeAndPastTheEnd) {
    const Bytes content = numbered(MappedFile::kWindow + 5000);
    const TempPath path("mapped-view.bin");
    write_file(path.str(), content);
    auto f = MappedFile::open(path.str());
    ASSERT_TRUE(f);
    const std::uint64_t edge = MappedFile::kWindow - 10;
    const std::uint8_t* v = f->view(edge, 100);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(Bytes(v, v + 100), Bytes(content.begin() + edge, content.begin() + edge + 100));
    v = f->view(3, 4);  // back to the start
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v[0], content[3]);
    EXPECT_EQ(f->view(content.size() - 4, 4) != nullptr, true);
    EXPECT_EQ(f->view(content.size() - 4, 5), nullptr);
    EXPECT_EQ(f->view(0, MappedFile::kWindow + 1), nullptr) << "more than a window at once";
    EXPECT_TRUE(f->chunk(content.size()).empty());
}

TEST(MappedFile, FollowsAFileThatGrows) {
    const TempPath path("mapped-grow.bin");
    write_file(path.str(), numbered(100));
    auto f = MappedFile::open(path.str());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->view(100, 50), nullptr);
    std::FILE* out = std::fopen(path.str().c_str(), "ab");
    ASSERT_NE(out, nullptr);
    const Bytes more(50, 0x5a);
    std::fwrite(more.data(), 1, more.size(), out);
    std::fclose(out);
    const std::uint8_t* v = f->view(100, 50);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v[49], 0x5a);
}

TEST(MappedFile, RefusesWhatIsNotARegularFile) {
    EXPECT_FALSE(MappedFile::open("/nonexistent/capture.pcap"));
    EXPECT_FALSE(MappedFile::open("/dev/null"));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    EXPECT_FALSE(MappedFile::open("/proc/self/fd/" + std::to_string(fds[0])));
    ::close(fds[0]);
    ::close(fds[1]);
}
