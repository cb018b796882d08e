#pragma once
/// \file
/// A regular file read once, start to end, in large blocks, for two users
/// at once (like tee(1)): the consumer reads the blocks in order (the pcap
/// reader parses them) and an observer sees each block too, on a thread of
/// its own, behind the consumer (`analyze` hashes the capture there). The
/// file's bytes are copied out of the page cache once for both.
///
/// Measured on a large capture (bench/README.md): reading the file once per
/// user cost a copy each; mapping it cost page faults, munmap and TLB
/// flushes per mapping, more than the copy; a read-ahead thread that both
/// read and hashed became the longest thread. Here the consumer pays the
/// copy and the observer only its own work.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pxecheck/base/bytes.hpp"

namespace pxecheck::link {

class FileTee {
public:
    /// Called on the observer's thread with each block, in file order.
    using Observer = std::function<void(ByteView block)>;
    static constexpr std::size_t kBlock = std::size_t{1} << 20;

    /// Opens \p path; nullptr when it cannot be opened or is not a regular
    /// file (a pipe can be read only once: its reader reads it).
    /// \p block: the size of each read (tests and the fuzzer use tiny ones,
    /// so that records cross many block boundaries).
    static std::unique_ptr<FileTee> open(const std::string& path, Observer observer = {},
                                         std::size_t block = kBlock);
    /// Stops the observer after the block it is on; call wait_observed()
    /// first for it to see the whole file.
    ~FileTee();
    FileTee(const FileTee&) = delete;
    FileTee& operator=(const FileTee&) = delete;

    /// The next block, valid until the next call or release(); empty at the
    /// end of the file or after a read error (see error()). Waits when the
    /// observer is far behind.
    ByteView next();
    /// The consumer takes no more blocks; the observer reads the rest of
    /// the file itself.
    void release();
    /// Releases the consumer's side and waits until the observer has seen
    /// every block; true when the whole file was read without an error.
    bool wait_observed();
    /// "read error at byte N (reason)" once a read failed.
    [[nodiscard]] std::string error() const;
    [[nodiscard]] bool failed() const { return !error().empty(); }

private:
    struct Buffer {
        std::vector<std::uint8_t> bytes;
        std::size_t size = 0;
        int users = 0;  ///< the consumer and the observer while they hold it
    };

    FileTee(int fd, Observer observer, std::size_t block);
    /// Reads the block at \p offset into \p b; false at the end of the file
    /// or on a read error (recorded). Called without the lock.
    bool fill(Buffer& b, std::uint64_t offset);
    void observe();
    void drop(Buffer* b);  ///< one user is done with \p b; with the lock held

    int fd_;
    std::size_t block_;
    Observer observer_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<Buffer>> buffers_;
    std::vector<Buffer*> free_;         ///< buffers nobody holds
    std::deque<Buffer*> to_observe_;    ///< read by the consumer, not yet observed
    Buffer* current_ = nullptr;         ///< the consumer's block
    std::uint64_t offset_ = 0;          ///< next byte to read (the consumer's, then the observer's)
    bool consumer_gone_ = false;
    bool ended_ = false;                ///< the end of the file, or an error, was met
    bool observer_done_ = false;
    bool observed_all_ = false;         ///< the observer saw every byte
    bool stopping_ = false;
    std::string error_;
    std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace pxecheck::link
