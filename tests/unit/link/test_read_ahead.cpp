// FileReadAhead: the consumer's blocks and the observer's are the file, in
// order, to the byte; the observer sees all of it even when the consumer
// stops early; what is not a regular file is left to its reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include "link_test_util.hpp"
#include "pxecheck/link/read_ahead.hpp"

using namespace linktest;
using pxecheck::link::FileReadAhead;

namespace {
Bytes numbered(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i ^ (i >> 8) ^ (i >> 16));
    return b;
}
}  // namespace

TEST(FileReadAhead, ConsumerAndObserverBothGetTheWholeFile) {
    const Bytes content = numbered(FileReadAhead::kBlock * 9 + 12345);
    const TempPath path("read-ahead.bin");
    write_file(path.str(), content);
    Bytes observed, consumed;
    auto r = FileReadAhead::open(path.str(), [&](pxecheck::ByteView b) { observed.insert(observed.end(), b.begin(), b.end()); });
    ASSERT_TRUE(r);
    for (pxecheck::ByteView b; !(b = r->next()).empty();) consumed.insert(consumed.end(), b.begin(), b.end());
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(consumed, content);
    EXPECT_EQ(observed, content);
    EXPECT_FALSE(r->failed());
}

TEST(FileReadAhead, ObserverSeesTheRestAfterTheConsumerLetsGo) {
    const Bytes content = numbered(FileReadAhead::kBlock * 12 + 7);
    const TempPath path("read-ahead-release.bin");
    write_file(path.str(), content);
    Bytes observed;
    auto r = FileReadAhead::open(path.str(), [&](pxecheck::ByteView b) { observed.insert(observed.end(), b.begin(), b.end()); });
    ASSERT_TRUE(r);
    EXPECT_EQ(r->next().size(), FileReadAhead::kBlock);
    r->release();  // as when libpcap takes over an odd record
    EXPECT_TRUE(r->next().empty());
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(observed, content);
}

TEST(FileReadAhead, EmptyFileAndEarlyDestruction) {
    const TempPath empty("read-ahead-empty.bin");
    write_file(empty.str(), {});
    auto r = FileReadAhead::open(empty.str());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->next().empty());
    EXPECT_TRUE(r->wait_observed());
    // Destroyed with blocks unread and no wait: it stops, it does not hang.
    const TempPath big("read-ahead-big.bin");
    write_file(big.str(), numbered(FileReadAhead::kBlock * 20));
    auto early = FileReadAhead::open(big.str());
    ASSERT_TRUE(early);
    EXPECT_FALSE(early->next().empty());
    early.reset();
}

TEST(FileReadAhead, LeavesWhatIsNotARegularFileToItsReader) {
    EXPECT_FALSE(FileReadAhead::open("/nonexistent/capture.pcap"));
    EXPECT_FALSE(FileReadAhead::open("/dev/null"));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    EXPECT_FALSE(FileReadAhead::open("/proc/self/fd/" + std::to_string(fds[0])));
    ::close(fds[0]);
    ::close(fds[1]);
}
