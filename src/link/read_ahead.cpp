#include "pxecheck/link/read_ahead.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pxecheck::link {

namespace {
/// Enough for the consumer to hold one block, the reader to fill one and
/// two to wait between them.
constexpr int kBuffers = 4;
}  // namespace

std::unique_ptr<FileReadAhead> FileReadAhead::open(const std::string& path, Observer observer) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<FileReadAhead>(new FileReadAhead(fd, std::move(observer)));
}

FileReadAhead::FileReadAhead(int fd, Observer observer) : fd_(fd), observer_(std::move(observer)) {
    for (int i = 0; i < kBuffers; ++i) {
        auto b = std::make_unique<Buffer>();
        b->bytes.resize(kBlock);
        free_.push_back(std::move(b));
    }
    thread_ = std::thread([this] { run(); });
}

FileReadAhead::~FileReadAhead() {
    {
        // Nobody waits for the observer now: the rest of the file is moot.
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    release();
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
}

void FileReadAhead::run() {
    // Named for top -H and perf.
    pthread_setname_np(pthread_self(), "pxecheck-read");
    std::uint64_t offset = 0;
    for (;;) {
        std::unique_ptr<Buffer> b;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !free_.empty(); });
            b = std::move(free_.back());
            free_.pop_back();
        }
        // A whole block, unless the file ends first: pread may return less.
        std::size_t n = 0;
        bool end = false;
        std::string failure;
        while (n < kBlock) {
            const ssize_t got = ::pread(fd_, b->bytes.data() + n, kBlock - n, static_cast<off_t>(offset + n));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) failure = "read error at byte " + std::to_string(offset + n) + " (" + std::strerror(errno) + ")";
            if (got <= 0) {
                end = true;
                break;
            }
            n += static_cast<std::size_t>(got);
        }
        b->size = n;
        if (n && observer_) observer_(ByteView(b->bytes.data(), n));
        offset += n;
        std::lock_guard lock(mutex_);
        if (n && !consumer_gone_) ready_.push_back(std::move(b));
        else free_.push_back(std::move(b));
        if (!failure.empty()) {
            failed_ = true;
            error_ = std::move(failure);
        }
        ended_ = end;
        changed_.notify_all();
        if (end || stopping_) return;
    }
}

ByteView FileReadAhead::next() {
    std::unique_lock lock(mutex_);
    if (current_) {
        free_.push_back(std::move(current_));
        changed_.notify_all();
    }
    if (consumer_gone_) return {};
    changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
    if (ready_.empty()) return {};
    current_ = std::move(ready_.front());
    ready_.pop_front();
    return ByteView(current_->bytes.data(), current_->size);
}

void FileReadAhead::release() {
    std::lock_guard lock(mutex_);
    consumer_gone_ = true;
    if (current_) free_.push_back(std::move(current_));
    for (auto& b : ready_) free_.push_back(std::move(b));
    ready_.clear();
    changed_.notify_all();
}

bool FileReadAhead::wait_observed() {
    release();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return ended_; });
    return !failed_;
}

std::string FileReadAhead::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

}  // namespace pxecheck::link
