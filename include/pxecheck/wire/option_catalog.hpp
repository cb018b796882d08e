#pragma once
/// \file
/// The DHCP option catalogue as data: one row per option code with its name,
/// value format, length rules and defining RFC. Decoders, renderers and the
/// conformance rules all read this one table.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pxecheck/base/bytes.hpp"

namespace pxecheck::wire {

enum class OptionFormat : std::uint8_t {
    Empty,      ///< PAD, END, rapid-commit style (no data)
    Ip,         ///< one IPv4 address
    IpList,     ///< n x IPv4
    IpPairs,    ///< n x (address, mask) pairs
    U8,
    U16,
    U32,
    I32,
    U8List,
    U16List,
    Bool,       ///< one octet 0/1
    Text,       ///< NVT ASCII
    DomainList, ///< RFC 1035 compressed names (119)
    Hex,        ///< opaque octets
    ClientId,   ///< type octet + data (61)
    MessageType,
    ParameterList,
    Overload,
    VendorEncapsulated,  ///< 43 (PXE sub-options when talking to PXE clients)
    UserClass,  ///< 77: RFC 3004 items
    ClientArch, ///< 93: n x u16
    ClientNdi,  ///< 94: type, major, minor
    Uuid,       ///< 97: type + 16-octet GUID
    ClasslessRoutes,  ///< 121
};

struct OptionInfo {
    std::uint8_t code;
    std::string_view name;
    OptionFormat format;
    /// Inclusive length bounds (RFC 2132 et al.); max 255 means "no limit".
    std::uint8_t min_len;
    std::uint8_t max_len;
    /// Length must be a multiple of this (1 = any).
    std::uint8_t multiple;
    /// Defining document, e.g. "RFC 2132 §9.6".
    std::string_view source;
};

/// The whole table, ordered by code.
std::span<const OptionInfo> option_catalog();
/// Row for \p code, or nullptr for codes the table does not know.
const OptionInfo* option_info(std::uint8_t code);
/// "name(code)" or "option-N" when unknown.
std::string option_name(std::uint8_t code);
/// Whether \p len fits the catalogue's length rule for \p code (unknown codes: true).
bool option_length_ok(std::uint8_t code, std::size_t len);
/// Renders a value for people ("192.168.14.200", "\"PXEClient\"", "86400s", "01:52:54:...").
///
/// Lists are comma-separated; 53 is shown by name ("OFFER"); 93 as
/// "7(x64 UEFI)"; 43 as "{6=0x03,8=[32768:192.168.16.10],9=[32768:\"Pixiecore\"],
/// 10=0:\"Pixiecore\",71=32768/0}" when it parses cleanly as PXE sub-options.
/// A value that does not fit its format, and any unknown code, comes out as
/// "0x" followed by hex. Never throws and never reads outside \p data.
std::string format_option_value(std::uint8_t code, ByteView data);

}  // namespace pxecheck::wire
