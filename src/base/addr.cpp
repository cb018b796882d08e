#include "pxecheck/base/addr.hpp"

#include <charconv>
#include <cstdio>

namespace pxecheck {

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    MacAddr m;
    std::size_t i = 0;
    char sep = 0;
    for (int k = 0; k < 6; ++k) {
        if (k > 0 && text.size() == 17) {
            if (i >= text.size()) return std::nullopt;
            char c = text[i++];
            if (c != ':' && c != '-') return std::nullopt;
            if (sep == 0) sep = c;
            if (c != sep) return std::nullopt;
        }
        if (i + 2 > text.size()) return std::nullopt;
        int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        m.octets[k] = static_cast<std::uint8_t>((hi << 4) | lo);
        i += 2;
    }
    if (i != text.size() || (text.size() != 17 && text.size() != 12)) return std::nullopt;
    return m;
}

std::string MacAddr::to_string() const {
    // By hand rather than snprintf: reports and rules format addresses by
    // the million (bench/README.md), and the format machinery dominated.
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s(17, ':');
    for (std::size_t i = 0; i < 6; ++i) {
        s[i * 3] = kHex[octets[i] >> 4];
        s[i * 3 + 1] = kHex[octets[i] & 0x0f];
    }
    return s;
}

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
    std::uint32_t v = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        if (p == end || *p < '0' || *p > '9') return std::nullopt;
        unsigned n = 0;
        auto [next, ec] = std::from_chars(p, end, n);
        if (ec != std::errc{} || n > 255 || next - p > 3) return std::nullopt;
        p = next;
        v = (v << 8) | n;
    }
    if (p != end) return std::nullopt;
    return Ipv4Addr{v};
}

std::string Ipv4Addr::to_string() const {
    // By hand rather than snprintf, as MacAddr::to_string.
    const auto o = octets();
    char buf[16];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i) *p++ = '.';
        const unsigned v = o[i];
        if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
        if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
        *p++ = static_cast<char>('0' + v % 10);
    }
    return std::string(buf, p);
}

}  // namespace pxecheck
