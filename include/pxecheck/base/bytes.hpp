#pragma once
/// \file
/// Bounds-checked reading and writing of network byte order over spans.
///
/// Wire parsers never throw on the bytes they are handed: every read reports
/// whether it fitted, so a decoder can stop at the first short field and still
/// return what it parsed before it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pxecheck {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Reads big-endian integers and byte runs from a view. Reads past the end
/// return std::nullopt and leave the position unchanged.
class ByteReader {
public:
    explicit ByteReader(ByteView data) noexcept : data_(data) {}

    [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
    [[nodiscard]] bool at_end() const noexcept { return pos_ >= data_.size(); }
    [[nodiscard]] ByteView data() const noexcept { return data_; }

    std::optional<std::uint8_t> u8() noexcept;
    std::optional<std::uint16_t> u16() noexcept;
    std::optional<std::uint32_t> u32() noexcept;
    /// The next \p n bytes as a view into the underlying buffer.
    std::optional<ByteView> take(std::size_t n) noexcept;
    /// Everything that is left.
    ByteView rest() noexcept;
    bool skip(std::size_t n) noexcept;
    /// Bytes up to (not including) the next NUL; consumes the NUL. nullopt when
    /// no NUL follows (the position is left unchanged).
    std::optional<std::string> cstring() noexcept;

private:
    ByteView data_;
    std::size_t pos_ = 0;
};

/// Appends big-endian integers and byte runs to a growing buffer.
class ByteWriter {
public:
    ByteWriter() = default;
    explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }

    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v);
    void u32(std::uint32_t v);
    void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
    void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
    /// Text followed by one NUL octet.
    void cstring(std::string_view s) { text(s); u8(0); }
    void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
    /// Overwrites two bytes at \p at (used for lengths and checksums known late).
    void patch_u16(std::size_t at, std::uint16_t v);

    [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
    [[nodiscard]] const Bytes& buffer() const noexcept { return out_; }
    Bytes take() && { return std::move(out_); }

private:
    Bytes out_;
};

/// Lower-case hex with no separators ("0a1b").
std::string to_hex(ByteView v);
/// Parses hex, tolerating ':' '-' and spaces between digit pairs. nullopt on
/// odd digit counts or non-hex characters.
std::optional<Bytes> from_hex(std::string_view s);

/// A view of text bytes for display: printable ASCII kept, others as \xNN.
std::string printable(ByteView v);
/// printable(v) between double quotes, for messages and findings.
std::string quoted_printable(ByteView v);
/// \p s between double quotes, as it is. (Not named `quoted`: for a
/// std::string argument, argument-dependent lookup finds std::quoted.)
std::string in_quotes(std::string_view s);

/// a == b with ASCII letters in either case (protocol names such as RFC 2347
/// option names and "PXEClient" are case-insensitive).
bool iequals(std::string_view a, std::string_view b);
/// Strict decimal: digits only, at least one, fitting 64 bits. Leading zeros
/// are fine (RFC 2349 sends tsize "0"), so length is no bound: overflow is
/// checked digit by digit. nullopt otherwise.
std::optional<std::uint64_t> parse_decimal(std::string_view s);

}  // namespace pxecheck
