#pragma once
/// \file
/// TFTP packets (RFC 1350) with option extension (RFC 2347): blksize (2348),
/// timeout and tsize (2349), windowsize (7440). Byte-exact round trip;
/// decoding never throws.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"

namespace pxecheck::wire {

inline constexpr std::uint16_t kTftpPort = 69;
inline constexpr std::uint16_t kTftpDefaultBlksize = 512;

enum class TftpOpcode : std::uint16_t {
    Rrq = 1,
    Wrq = 2,
    Data = 3,
    Ack = 4,
    Error = 5,
    Oack = 6,
};
std::string to_string(TftpOpcode op);  ///< "RRQ", ...; "OP(n)" for unknown values

enum class TftpErrorCode : std::uint16_t {
    NotDefined = 0,
    FileNotFound = 1,
    AccessViolation = 2,
    DiskFull = 3,
    IllegalOperation = 4,
    UnknownTid = 5,
    FileExists = 6,
    NoSuchUser = 7,
    OptionRefused = 8,
};
/// "file not found", ...; "code n" for values outside 0-8.
std::string to_string(TftpErrorCode code);

struct TftpOption {
    std::string name;   ///< as sent (case preserved)
    std::string value;
    bool operator==(const TftpOption&) const = default;
};

struct TftpPacket {
    std::uint16_t opcode = 0;  ///< raw value; see TftpOpcode
    // RRQ / WRQ
    std::string filename;
    std::string mode;
    // RRQ / WRQ / OACK
    std::vector<TftpOption> options;
    // DATA / ACK
    std::uint16_t block = 0;
    Bytes data;
    // ERROR
    std::uint16_t error_code = 0;
    std::string error_message;
    /// Bytes the decoder could not place (after the last NUL, unterminated
    /// strings, or unknown opcodes' bodies), kept for a byte-exact re-encode.
    Bytes trailing;
    /// Set when the bytes ended (or a string was unterminated) before all of
    /// the opcode's fixed fields were read: how many were read, the opcode
    /// counting as the first (0: not even a whole opcode). RRQ/WRQ have
    /// opcode, filename, mode; DATA/ACK opcode, block; ERROR opcode, code,
    /// message; OACK and unknown opcodes only the opcode. encode_tftp writes
    /// just those fields and then `trailing`, so a cut packet re-encodes
    /// byte for byte. nullopt for a packet whose fixed fields are all there.
    std::optional<std::uint8_t> fields_present;

    [[nodiscard]] std::optional<TftpOpcode> op() const;
    /// Case-insensitive lookup of an option value.
    [[nodiscard]] std::optional<std::string> option(std::string_view name) const;
    [[nodiscard]] std::optional<std::uint64_t> option_number(std::string_view name) const;

    bool operator==(const TftpPacket&) const = default;
};

struct TftpDecoded {
    TftpPacket pkt;
    /// tftp.truncated, tftp.unknown_opcode, tftp.unterminated_string,
    /// tftp.odd_option (name without value), tftp.duplicate_option,
    /// tftp.bad_option_value (non-numeric blksize/tsize/timeout/windowsize),
    /// tftp.trailing_data, tftp.bad_error_code (outside 0-8).
    /// Offsets are into the UDP payload; details quote the values seen.
    Anomalies anomalies;
};

TftpDecoded decode_tftp(ByteView payload);
Bytes encode_tftp(const TftpPacket& pkt);

// Builders for the common packets.
TftpPacket make_rrq(std::string_view file, std::string_view mode = "octet",
                    std::vector<TftpOption> options = {});
TftpPacket make_wrq(std::string_view file, std::string_view mode = "octet",
                    std::vector<TftpOption> options = {});
TftpPacket make_data(std::uint16_t block, ByteView data);
TftpPacket make_ack(std::uint16_t block);
TftpPacket make_error(TftpErrorCode code, std::string_view message);
TftpPacket make_oack(std::vector<TftpOption> options);

/// One-line summary: "RRQ \"pxelinux.0\" octet blksize=1432 tsize=0", "DATA 3 (512)", ...
std::string summarize(const TftpPacket& pkt);

}  // namespace pxecheck::wire
