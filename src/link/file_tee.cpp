#include "pxecheck/link/file_tee.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace pxecheck::link {

namespace {
/// How far (in blocks) the observer may fall behind before the consumer waits.
constexpr int kBuffers = 6;
}  // namespace

std::unique_ptr<FileTee> FileTee::open(const std::string& path, Observer observer, std::size_t block) {
    if (block == 0) return nullptr;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<FileTee>(new FileTee(fd, std::move(observer), block));
}

FileTee::FileTee(int fd, Observer observer, std::size_t block) : fd_(fd), block_(block), observer_(std::move(observer)) {
    for (int i = 0; i < kBuffers; ++i) {
        buffers_.push_back(std::make_unique<Buffer>());
        buffers_.back()->bytes.resize(block_);
        free_.push_back(buffers_.back().get());
    }
    if (observer_) thread_ = std::thread([this] { observe(); });
}

FileTee::~FileTee() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
}

bool FileTee::fill(Buffer& b, std::uint64_t offset) {
    // A whole block unless the file ends first (pread may return less). An
    // error after some bytes: those bytes now, the error at the next call.
    std::size_t n = 0;
    while (n < block_) {
        const ssize_t got = ::pread(fd_, b.bytes.data() + n, block_ - n, static_cast<off_t>(offset + n));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && n == 0) {
            std::lock_guard lock(mutex_);
            error_ = "read error at byte " + std::to_string(offset) + " (" + std::strerror(errno) + ")";
        }
        if (got <= 0) break;
        n += static_cast<std::size_t>(got);
    }
    b.size = n;
    return n > 0;
}

void FileTee::drop(Buffer* b) {
    if (--b->users == 0) {
        free_.push_back(b);
        changed_.notify_all();
    }
}

ByteView FileTee::next() {
    Buffer* b = nullptr;
    {
        std::unique_lock lock(mutex_);
        if (current_) drop(std::exchange(current_, nullptr));
        if (consumer_gone_ || ended_) return {};
        changed_.wait(lock, [&] { return !free_.empty() || stopping_; });
        if (stopping_) return {};
        b = free_.back();
        free_.pop_back();
    }
    // Only the consumer moves offset_ until it is gone.
    const bool got = fill(*b, offset_);
    std::lock_guard lock(mutex_);
    if (!got) {
        free_.push_back(b);
        ended_ = true;
        changed_.notify_all();
        return {};
    }
    offset_ += b->size;
    b->users = observer_ ? 2 : 1;
    current_ = b;
    if (observer_) {
        to_observe_.push_back(b);
        changed_.notify_all();
    }
    return ByteView(b->bytes.data(), b->size);
}

void FileTee::release() {
    std::lock_guard lock(mutex_);
    consumer_gone_ = true;
    if (current_) drop(std::exchange(current_, nullptr));
    changed_.notify_all();
}

bool FileTee::wait_observed() {
    release();
    if (!observer_) return false;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return observer_done_; });
    return observed_all_;
}

std::string FileTee::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void FileTee::observe() {
    // Named for top -H and perf.
    pthread_setname_np(pthread_self(), "pxecheck-tee");
    auto finish = [&](std::unique_lock<std::mutex>&) {
        observed_all_ = error_.empty() && !stopping_;
        observer_done_ = true;
        changed_.notify_all();
    };
    for (;;) {
        Buffer* b = nullptr;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !to_observe_.empty() || consumer_gone_ || ended_ || stopping_; });
            if (stopping_) return finish(lock);
            if (!to_observe_.empty()) {
                b = to_observe_.front();
                to_observe_.pop_front();
            } else if (ended_) {
                return finish(lock);
            }
        }
        if (b) {
            observer_(ByteView(b->bytes.data(), b->size));
            std::lock_guard lock(mutex_);
            drop(b);
            continue;
        }
        // The consumer is gone before the end (libpcap took over, or it
        // stopped): the rest of the file is read here. Every block it read
        // has been observed, and it holds none now.
        Buffer* own = nullptr;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !free_.empty() || stopping_; });
            if (stopping_) return finish(lock);
            own = free_.back();
            free_.pop_back();
        }
        while (fill(*own, offset_)) {
            observer_(ByteView(own->bytes.data(), own->size));
            offset_ += own->size;
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        std::unique_lock lock(mutex_);
        free_.push_back(own);
        ended_ = true;
        return finish(lock);
    }
}

}  // namespace pxecheck::link
