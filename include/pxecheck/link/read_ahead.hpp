#pragma once
/// \file
/// A regular file read once, start to end, in large blocks on a thread of
/// its own, for two users at once: an observer that sees every block on
/// that thread (`analyze` hashes the capture there) and a consumer that
/// takes the same blocks in order (the pcap reader parses them). The file's
/// bytes are copied out of the page cache once for both; reading it once
/// per user (or mapping it, once per user, with the page faults and TLB
/// flushes that brings) cost a fifth of `analyze`'s CPU time on a large
/// capture (bench/README.md).

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pxecheck/base/bytes.hpp"

namespace pxecheck::link {

class FileReadAhead {
public:
    /// Called on the reading thread with each block, in file order, before
    /// the consumer gets it.
    using Observer = std::function<void(ByteView block)>;
    static constexpr std::size_t kBlock = std::size_t{1} << 20;

    /// Starts reading \p path; nullptr when it cannot be opened or is not a
    /// regular file (a pipe can be read only once: its reader reads it).
    static std::unique_ptr<FileReadAhead> open(const std::string& path, Observer observer = {});
    /// Stops the reading thread after the block it is reading; call
    /// wait_observed() first for the observer to see the whole file.
    ~FileReadAhead();
    FileReadAhead(const FileReadAhead&) = delete;
    FileReadAhead& operator=(const FileReadAhead&) = delete;

    /// The next block, valid until the next call or release(); empty at the
    /// end of the file or after a read error (see error()).
    ByteView next();
    /// The consumer takes no more blocks; the observer still sees the rest.
    void release();
    /// Waits until the observer has seen every block; true when the whole
    /// file was read without an error.
    bool wait_observed();
    /// "read error at byte N (reason)" once a read failed.
    [[nodiscard]] std::string error() const;
    [[nodiscard]] bool failed() const { return !error().empty(); }

private:
    FileReadAhead(int fd, Observer observer);
    void run();
    struct Buffer {
        std::vector<std::uint8_t> bytes;
        std::size_t size = 0;
    };

    int fd_;
    Observer observer_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<Buffer>> free_;  ///< buffers to read into
    std::deque<std::unique_ptr<Buffer>> ready_;  ///< read, observed, not yet consumed
    std::unique_ptr<Buffer> current_;            ///< the consumer's
    bool consumer_gone_ = false;
    bool stopping_ = false;                      ///< destroyed: read no further
    bool ended_ = false;                         ///< no more blocks will come
    bool failed_ = false;
    std::string error_;
    std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace pxecheck::link
