#include "pxecheck/base/bytes.hpp"

#include <cctype>
#include <limits>

namespace pxecheck {

std::optional<std::uint8_t> ByteReader::u8() noexcept {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_++];
}

std::optional<std::uint16_t> ByteReader::u16() noexcept {
    if (remaining() < 2) return std::nullopt;
    auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

std::optional<std::uint32_t> ByteReader::u32() noexcept {
    if (remaining() < 4) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += 4;
    return v;
}

std::optional<ByteView> ByteReader::take(std::size_t n) noexcept {
    if (remaining() < n) return std::nullopt;
    auto v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

ByteView ByteReader::rest() noexcept {
    auto v = data_.subspan(pos_);
    pos_ = data_.size();
    return v;
}

bool ByteReader::skip(std::size_t n) noexcept {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
}

std::optional<std::string> ByteReader::cstring() noexcept {
    for (std::size_t i = pos_; i < data_.size(); ++i) {
        if (data_[i] == 0) {
            std::string s(reinterpret_cast<const char*>(data_.data() + pos_), i - pos_);
            pos_ = i + 1;
            return s;
        }
    }
    return std::nullopt;
}

void ByteWriter::u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::patch_u16(std::size_t at, std::uint16_t v) {
    out_.at(at) = static_cast<std::uint8_t>(v >> 8);
    out_.at(at + 1) = static_cast<std::uint8_t>(v);
}

std::string to_hex(ByteView v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(v.size() * 2);
    for (auto b : v) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 0xf]);
    }
    return s;
}

std::optional<Bytes> from_hex(std::string_view s) {
    Bytes out;
    int pending = -1;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if ((c == ':' || c == '-' || c == ' ') && pending < 0) continue;
        else return std::nullopt;
        if (pending < 0) {
            pending = d;
        } else {
            out.push_back(static_cast<std::uint8_t>((pending << 4) | d));
            pending = -1;
        }
    }
    if (pending >= 0) return std::nullopt;
    return out;
}

std::string printable(ByteView v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto b : v) {
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            s.push_back(static_cast<char>(b));
        } else {
            s += "\\x";
            s.push_back(digits[b >> 4]);
            s.push_back(digits[b & 0xf]);
        }
    }
    return s;
}

// Both quoting helpers append to a string that already holds the opening
// quote instead of writing `"\"" + text + "\""`: GCC 12 at -O3 inlines that
// operator+ (which inserts the literal in front of a temporary) and raises a
// false -Wrestrict on it (GCC bug 105329), fatal under -Werror. Use these, or
// append, rather than a string literal on the left of `+` with a std::string.
std::string in_quotes(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return out;
}

std::string quoted_printable(ByteView v) {
    std::string out(1, '"');
    out += printable(v);
    out.push_back('"');
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

}  // namespace pxecheck
