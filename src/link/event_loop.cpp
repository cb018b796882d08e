// EventLoop: poll() on one FrameIo with a deadline; the steady and wall clocks.

#include <poll.h>
#include <time.h>

#include <cerrno>
#include <climits>

#include "pxecheck/link/live.hpp"

namespace pxecheck::link {

void EventLoop::wait(std::optional<TimePoint> deadline) {
    const int fd = io_.poll_fd();
    if (fd < 0) return;  // memory: nothing to wait on, the caller drives time

    int timeout_ms = -1;
    if (deadline) {
        const auto left = *deadline - now();
        if (left <= Micros::zero()) {
            timeout_ms = 0;
        } else {
            // Round up: waking a little late is harmless, waking early spins.
            const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
            timeout_ms = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
        }
    }
    pollfd p{};
    p.fd = fd;
    p.events = POLLIN;
    // EINTR (a signal such as SIGINT) returns too: the caller checks its stop flag.
    (void)::poll(&p, 1, timeout_ms);
}

TimePoint EventLoop::now() {
    return std::chrono::time_point_cast<Micros>(std::chrono::steady_clock::now());
}

std::int64_t EventLoop::wall_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace pxecheck::link
