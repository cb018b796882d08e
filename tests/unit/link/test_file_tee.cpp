// FileTee: the consumer's blocks and the observer's are the file, in
// order, to the byte; the observer sees all of it even when the consumer
// stops early; what is not a regular file is left to its reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "link_test_util.hpp"
#include "pxecheck/link/file_tee.hpp"

using namespace linktest;
using pxecheck::link::FileTee;

namespace {
Bytes numbered(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i ^ (i >> 8) ^ (i >> 16));
    return b;
}
}  // namespace

TEST(FileTee, ConsumerAndObserverBothGetTheWholeFile) {
    const Bytes content = numbered(FileTee::kBlock * 9 + 12345);
    const TempPath path("tee.bin");
    write_file(path.str(), content);
    Bytes observed, consumed;
    auto r = FileTee::open(path.str(), [&](pxecheck::ByteView b) { observed.insert(observed.end(), b.begin(), b.end()); });
    ASSERT_TRUE(r);
    for (pxecheck::ByteView b; !(b = r->next()).empty();) consumed.insert(consumed.end(), b.begin(), b.end());
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(consumed, content);
    EXPECT_EQ(observed, content);
    EXPECT_FALSE(r->failed());
}

TEST(FileTee, ASlowObserverHoldsTheConsumerBackAndMissesNothing) {
    const Bytes content = numbered(FileTee::kBlock * 15 + 99);
    const TempPath path("tee-slow.bin");
    write_file(path.str(), content);
    Bytes observed;
    std::mutex m;
    std::condition_variable cv;
    bool go = false;
    // The observer stalls on the first block until the consumer has taken
    // every block it may take ahead of it; then both finish.
    auto r = FileTee::open(path.str(), [&](pxecheck::ByteView b) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return go; });
        observed.insert(observed.end(), b.begin(), b.end());
    });
    ASSERT_TRUE(r);
    Bytes consumed;
    for (pxecheck::ByteView b; !(b = r->next()).empty();) {
        consumed.insert(consumed.end(), b.begin(), b.end());
        if (consumed.size() == FileTee::kBlock * 4) {
            std::lock_guard lock(m);
            go = true;
            cv.notify_all();
        }
    }
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(consumed, content);
    EXPECT_EQ(observed, content);
}

TEST(FileTee, ObserverSeesTheRestAfterTheConsumerLetsGo) {
    const Bytes content = numbered(FileTee::kBlock * 12 + 7);
    const TempPath path("tee-release.bin");
    write_file(path.str(), content);
    Bytes observed;
    auto r = FileTee::open(path.str(), [&](pxecheck::ByteView b) { observed.insert(observed.end(), b.begin(), b.end()); });
    ASSERT_TRUE(r);
    EXPECT_EQ(r->next().size(), FileTee::kBlock);
    r->release();  // as when libpcap takes over an odd record
    EXPECT_TRUE(r->next().empty());
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(observed, content);
}

TEST(FileTee, EmptyFileAndEarlyDestruction) {
    const TempPath empty("tee-empty.bin");
    write_file(empty.str(), {});
    std::size_t seen = 0;
    auto r = FileTee::open(empty.str(), [&](pxecheck::ByteView b) { seen += b.size(); });
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->next().empty());
    EXPECT_TRUE(r->wait_observed());
    EXPECT_EQ(seen, 0u);
    // Without an observer there is nothing to wait for.
    EXPECT_FALSE(FileTee::open(empty.str())->wait_observed());
    // Destroyed with blocks unread and no wait: it stops, it does not hang.
    const TempPath big("tee-big.bin");
    write_file(big.str(), numbered(FileTee::kBlock * 20));
    auto early = FileTee::open(big.str(), [](pxecheck::ByteView) {});
    ASSERT_TRUE(early);
    EXPECT_FALSE(early->next().empty());
    early.reset();
}

TEST(FileTee, LeavesWhatIsNotARegularFileToItsReader) {
    EXPECT_FALSE(FileTee::open("/nonexistent/capture.pcap"));
    EXPECT_FALSE(FileTee::open("/dev/null"));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    EXPECT_FALSE(FileTee::open("/proc/self/fd/" + std::to_string(fds[0])));
    ::close(fds[0]);
    ::close(fds[1]);
}
