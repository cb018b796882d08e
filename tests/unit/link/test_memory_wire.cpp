// MemoryWire and the memory side of EventLoop.

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "pxecheck/link/live.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::link;

Bytes bytes(std::initializer_list<std::uint8_t> v) { return Bytes(v); }

TEST(MemoryWire, WhatOneEndSendsTheOtherReceives) {
    MemoryWire wire;
    ASSERT_TRUE(wire.a().send(bytes({1, 2, 3})).ok());
    ASSERT_TRUE(wire.a().send(bytes({4})).ok());
    ASSERT_TRUE(wire.b().send(bytes({9})).ok());

    auto at_b = wire.b().receive();
    ASSERT_EQ(at_b.size(), 2u);
    EXPECT_EQ(at_b[0].data, bytes({1, 2, 3}));
    EXPECT_EQ(at_b[1].data, bytes({4}));
    auto at_a = wire.a().receive();
    ASSERT_EQ(at_a.size(), 1u);
    EXPECT_EQ(at_a[0].data, bytes({9}));

    // receive() empties the inbox; nothing echoes back to the sender.
    EXPECT_TRUE(wire.a().receive().empty());
    EXPECT_TRUE(wire.b().receive().empty());
    EXPECT_EQ(wire.a().poll_fd(), -1);
    EXPECT_EQ(wire.b().poll_fd(), -1);
}

TEST(MemoryWire, FilterDropsFramesAndKnowsTheDirection) {
    MemoryWire wire;
    int seen_from_a = 0;
    int seen_from_b = 0;
    wire.filter = [&](bool from_a, ByteView frame) {
        (from_a ? seen_from_a : seen_from_b)++;
        return !(from_a && !frame.empty() && frame[0] == 0xdd);  // drop a's 0xdd frames
    };
    ASSERT_TRUE(wire.a().send(bytes({0xdd, 1})).ok());
    ASSERT_TRUE(wire.a().send(bytes({0x01})).ok());
    ASSERT_TRUE(wire.b().send(bytes({0xdd})).ok());

    auto at_b = wire.b().receive();
    ASSERT_EQ(at_b.size(), 1u);
    EXPECT_EQ(at_b[0].data, bytes({0x01}));
    auto at_a = wire.a().receive();
    ASSERT_EQ(at_a.size(), 1u);
    EXPECT_EQ(at_a[0].data, bytes({0xdd}));
    EXPECT_EQ(seen_from_a, 2);
    EXPECT_EQ(seen_from_b, 1);
}

TEST(MemoryWire, TimestampsComeFromTheHookOrTheWallClock) {
    MemoryWire wire;
    ASSERT_TRUE(wire.a().send(bytes({1})).ok());
    const std::int64_t unix_ns = static_cast<std::int64_t>(std::time(nullptr)) * 1'000'000'000LL;
    auto rx = wire.b().receive();
    ASSERT_EQ(rx.size(), 1u);
    EXPECT_NEAR(static_cast<double>(rx[0].time_ns), static_cast<double>(unix_ns), 5e9);

    std::int64_t t = 1000;
    wire.time_ns = [&] { return t += 7; };
    ASSERT_TRUE(wire.b().send(bytes({2})).ok());
    ASSERT_TRUE(wire.b().send(bytes({3})).ok());
    rx = wire.a().receive();
    ASSERT_EQ(rx.size(), 2u);
    EXPECT_EQ(rx[0].time_ns, 1007);
    EXPECT_EQ(rx[1].time_ns, 1014);
}

TEST(EventLoop, OnAMemoryWireWaitReturnsAtOnce) {
    MemoryWire wire;
    EventLoop loop(wire.a());
    const auto start = std::chrono::steady_clock::now();
    loop.wait(EventLoop::now() + std::chrono::seconds(30));
    loop.wait(std::nullopt);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(EventLoop, ClocksAreSane) {
    const TimePoint a = EventLoop::now();
    const TimePoint b = EventLoop::now();
    EXPECT_LE(a, b);
    const std::int64_t unix_ns = static_cast<std::int64_t>(std::time(nullptr)) * 1'000'000'000LL;
    EXPECT_NEAR(static_cast<double>(EventLoop::wall_ns()), static_cast<double>(unix_ns), 5e9);
}

}  // namespace
