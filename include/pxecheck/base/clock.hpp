#pragma once
/// \file
/// Time as the protocol machines see it. Machines never read a clock
/// themselves: callers pass `now` in, so tests drive them with a fake clock.

#include <chrono>
#include <cstdint>

namespace pxecheck {

/// Microseconds since an arbitrary epoch (capture time or a steady clock).
using Micros = std::chrono::microseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Micros>;

/// Source of the current time for I/O loops; protocol code takes TimePoint arguments.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint now() const = 0;
};

/// The real steady clock.
class SteadyClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override {
        return std::chrono::time_point_cast<Micros>(std::chrono::steady_clock::now());
    }
};

/// A clock tests move by hand.
class FakeClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override { return now_; }
    void advance(Micros d) { now_ += d; }
    void set(TimePoint t) { now_ = t; }

private:
    TimePoint now_{};
};

}  // namespace pxecheck
