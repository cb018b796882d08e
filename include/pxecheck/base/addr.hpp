#pragma once
/// \file
/// Link and network address value types.

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pxecheck {

/// An IEEE 802 MAC address.
struct MacAddr {
    std::array<std::uint8_t, 6> octets{};

    static MacAddr broadcast() noexcept { return MacAddr{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    /// Accepts "aa:bb:cc:dd:ee:ff", "aa-bb-..." and "aabbccddeeff".
    static std::optional<MacAddr> parse(std::string_view text);

    [[nodiscard]] bool is_broadcast() const noexcept { return *this == broadcast(); }
    [[nodiscard]] bool is_multicast() const noexcept { return (octets[0] & 0x01) != 0; }
    [[nodiscard]] bool is_zero() const noexcept { return *this == MacAddr{}; }
    /// "aa:bb:cc:dd:ee:ff", lower case.
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const MacAddr&) const = default;
};

/// An IPv4 address held in host byte order so that ranges compare naturally.
struct Ipv4Addr {
    std::uint32_t value = 0;

    static constexpr Ipv4Addr any() noexcept { return Ipv4Addr{0}; }
    static constexpr Ipv4Addr broadcast() noexcept { return Ipv4Addr{0xffffffffu}; }
    static constexpr Ipv4Addr from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                          std::uint8_t d) noexcept {
        return Ipv4Addr{(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) |
                        (std::uint32_t{c} << 8) | std::uint32_t{d}};
    }
    /// Strict dotted quad: four decimal parts 0-255, nothing else.
    static std::optional<Ipv4Addr> parse(std::string_view text);

    [[nodiscard]] bool is_zero() const noexcept { return value == 0; }
    [[nodiscard]] bool is_broadcast() const noexcept { return value == 0xffffffffu; }
    [[nodiscard]] std::array<std::uint8_t, 4> octets() const noexcept {
        return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    }
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const Ipv4Addr&) const = default;
};

}  // namespace pxecheck

template <>
struct std::hash<pxecheck::MacAddr> {
    std::size_t operator()(const pxecheck::MacAddr& m) const noexcept {
        std::uint64_t v = 0;
        for (auto o : m.octets) v = (v << 8) | o;
        return std::hash<std::uint64_t>{}(v);
    }
};
template <>
struct std::hash<pxecheck::Ipv4Addr> {
    std::size_t operator()(const pxecheck::Ipv4Addr& a) const noexcept {
        return std::hash<std::uint32_t>{}(a.value);
    }
};
