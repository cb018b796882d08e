// The one judge of every command (include/pxecheck/pipeline/judge.hpp).
#include "pxecheck/pipeline/judge.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace pxecheck::pipeline {

void keep_only_client(analyze::Trace& trace, const MacAddr& client) {
    std::erase_if(trace.sessions, [&](const analyze::ClientSession& s) { return s.mac != client; });
}

Judgement judge(const analyze::Trace& trace, const checks::CheckOptions& options) {
    Judgement j;
    j.boots.reserve(trace.sessions.size());
    for (const auto& s : trace.sessions) j.boots.push_back(analyze::reconstruct_boot(trace, s));
    // The rules read the same boots the reports show.
    j.findings = checks::run_checks(trace, j.boots, options);
    return j;
}

/// Judges pieces on a second thread, in the order they were handed over.
class StreamJudge::Worker {
public:
    explicit Worker(StreamJudge& owner) : owner_(owner), thread_([this] { run(); }) {}
    ~Worker() {
        try {
            stop();
        } catch (...) {  // reported by finish() when it ran
        }
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void push(analyze::Trace&& piece) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return queue_.size() < kMaxQueued || failed_; });
        if (failed_) return;  // finish() reports it
        queue_.push_back(std::move(piece));
        // The worker waits only on an empty queue: waking it for every piece
        // cost a futex call each (thousands of sessions).
        const bool was_empty = queue_.size() == 1;
        lock.unlock();
        if (was_empty) ready_.notify_one();
    }
    /// Waits until every piece is judged; rethrows the worker's exception.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
            ready_.notify_one();
        }
        if (thread_.joinable()) thread_.join();
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    static constexpr std::size_t kMaxQueued = 32;

    void run() {
        // Named for top -H and perf: "pxecheck-judge" is this thread.
        pthread_setname_np(pthread_self(), "pxecheck-judge");
        std::deque<analyze::Trace> batch;
        for (;;) {
            {
                // Everything queued at once: one lock and one wake-up of the
                // reader per batch, not per piece.
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return !queue_.empty() || done_; });
                if (queue_.empty()) return;
                batch.swap(queue_);
            }
            room_.notify_one();
            try {
                for (; !batch.empty(); batch.pop_front()) owner_.add(std::move(batch.front()));
            } catch (...) {
                std::lock_guard lock(mutex_);
                error_ = std::current_exception();
                failed_ = true;
                queue_.clear();
                room_.notify_all();
                return;
            }
        }
    }

    StreamJudge& owner_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<analyze::Trace> queue_;
    bool done_ = false;
    bool failed_ = false;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts once the rest is ready
};

StreamJudge::StreamJudge(Options options, JudgedSink consumer)
    : options_(std::move(options)), consumer_(std::move(consumer)) {}

StreamJudge::~StreamJudge() = default;

analyze::SessionSink StreamJudge::sink() {
    if (options_.background && !worker_) worker_ = std::make_unique<Worker>(*this);
    if (worker_) return [this](analyze::Trace&& piece) { worker_->push(std::move(piece)); };
    return [this](analyze::Trace&& piece) { add(std::move(piece)); };
}

void StreamJudge::add(analyze::Trace&& piece) {
    // --mac: another client's piece is judged like the whole trace judges
    // it (its frames are evidence, its findings are filtered by the
    // engine), but it has no session to report.
    if (options_.checks.client) keep_only_client(piece, *options_.checks.client);
    Judgement j = judge(piece, options_.checks);
    consumer_(std::move(piece), std::move(j));
}

void StreamJudge::finish() {
    if (!worker_) return;
    auto w = std::move(worker_);
    w->stop();
}

}  // namespace pxecheck::pipeline
