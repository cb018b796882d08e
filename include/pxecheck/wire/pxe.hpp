#pragma once
/// \file
/// PXE-specific DHCP contents: the vendor class identifier (option 60), the
/// client architecture, network interface and machine identifier (RFC 4578
/// options 93, 94, 97) and the PXE vendor sub-options carried in option 43
/// (PXE 2.1 table 2-1).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"

namespace pxecheck::wire {

// --- option 60 ---------------------------------------------------------------

/// A parsed option 60 value. Clients announce
/// "PXEClient:Arch:AAAAA:UNDI:MMMmmm" (32 octets), servers "PXEClient";
/// UEFI HTTP boot clients "HTTPClient:Arch:AAAAA:UNDI:MMMmmm".
struct VendorClass {
    std::string text;
    /// Starts with "PXEClient" / "HTTPClient" (case-sensitive).
    bool pxe = false;
    bool http = false;
    /// The full client form was recognised (prefix, field names, digit counts).
    bool well_formed = false;
    std::optional<std::uint16_t> arch;
    std::optional<std::uint8_t> undi_major;
    std::optional<std::uint8_t> undi_minor;
    /// Why the text is not in the client form, when it is not ("" otherwise).
    /// Several findings are joined with "; ", e.g. "28 octets instead of 32;
    /// architecture \"7\" is not 5 decimal digits". The bare server form
    /// "PXEClient" also gets a problem text: whether it is wrong depends on
    /// who sent it, which the caller knows.
    std::string problem;
};

/// Parses option 60. \p value is the joined option value; a trailing NUL is
/// ignored for parsing but reported in `problem` (RFC 2132 §2). `arch` and
/// `undi_*` are filled whenever their digits can be read, even when the form
/// is otherwise wrong.

VendorClass parse_vendor_class(ByteView value);
/// "PXEClient:Arch:00007:UNDI:003016"
std::string make_pxe_vendor_class(std::uint16_t arch, std::uint8_t undi_major,
                                  std::uint8_t undi_minor, bool http = false);

// --- options 93, 94, 97 ---------------------------------------------------------

/// Option 93: one or more 16-bit architecture types. nullopt when the length
/// is odd or zero.
std::optional<std::vector<std::uint16_t>> parse_client_arch(ByteView value);
/// IANA name of an architecture type ("x64 UEFI"); "unknown" otherwise.
std::string arch_name(std::uint16_t arch);

struct ClientNdi {  ///< option 94
    std::uint8_t type = 1;  ///< 1 = UNDI
    std::uint8_t major = 2;
    std::uint8_t minor = 1;
};
std::optional<ClientNdi> parse_client_ndi(ByteView value);

struct ClientUuid {  ///< option 97
    std::uint8_t type = 0;
    std::array<std::uint8_t, 16> guid{};
    /// "8-4-4-4-12" text of the 16 octets as they stand on the wire.
    [[nodiscard]] std::string to_string() const;
};
std::optional<ClientUuid> parse_client_uuid(ByteView value);

// --- option 43 PXE sub-options ------------------------------------------------------

namespace pxeopt {
inline constexpr std::uint8_t kMtftpIp = 1;
inline constexpr std::uint8_t kMtftpClientPort = 2;
inline constexpr std::uint8_t kMtftpServerPort = 3;
inline constexpr std::uint8_t kMtftpTimeout = 4;
inline constexpr std::uint8_t kMtftpDelay = 5;
inline constexpr std::uint8_t kDiscoveryControl = 6;
inline constexpr std::uint8_t kDiscoveryMcastAddr = 7;
inline constexpr std::uint8_t kBootServers = 8;
inline constexpr std::uint8_t kBootMenu = 9;
inline constexpr std::uint8_t kMenuPrompt = 10;
inline constexpr std::uint8_t kMcastAddrAlloc = 11;
inline constexpr std::uint8_t kCredentialTypes = 12;
inline constexpr std::uint8_t kBootItem = 71;
inline constexpr std::uint8_t kEnd = 255;
}  // namespace pxeopt

/// Discovery control bits (43.6).
namespace discovery {
inline constexpr std::uint8_t kNoBroadcast = 0x01;
inline constexpr std::uint8_t kNoMulticast = 0x02;
inline constexpr std::uint8_t kServerListOnly = 0x04;
inline constexpr std::uint8_t kBootFileDirect = 0x08;
}  // namespace discovery

struct PxeSubOption {
    std::uint8_t code = 0;
    Bytes data;
    std::size_t offset = 0;  ///< offset of the code octet inside the option 43 value
    bool operator==(const PxeSubOption&) const = default;
};

struct PxeBootServer {  ///< one entry of 43.8
    std::uint16_t type = 0;
    std::vector<Ipv4Addr> addresses;
};

struct PxeMenuItem {  ///< one entry of 43.9
    std::uint16_t type = 0;
    std::string description;
};

struct PxeMenuPrompt {  ///< 43.10
    std::uint8_t timeout = 0;  ///< 0 boot first item, 255 wait forever, else seconds
    std::string text;
};

struct PxeBootItem {  ///< 43.71
    std::uint16_t type = 0;
    std::uint16_t layer = 0;  ///< bit 15 = credentials requested
};

/// Option 43 read as PXE sub-options, with typed views of the ones the PXE
/// flow needs. Sub-options that do not fit their shape stay in `items` and
/// produce an anomaly, and their typed view is left empty.
struct PxeVendorOptions {
    std::vector<PxeSubOption> items;  ///< wire order, without END
    bool end_present = false;
    Bytes trailing;                   ///< bytes after END or after a truncated item

    std::optional<std::uint8_t> discovery_control;
    std::optional<Ipv4Addr> discovery_mcast;
    std::vector<PxeBootServer> boot_servers;
    std::vector<PxeMenuItem> menu;
    std::optional<PxeMenuPrompt> prompt;
    std::optional<PxeBootItem> boot_item;

    [[nodiscard]] const PxeSubOption* find(std::uint8_t code) const;
};

struct PxeDecoded {
    PxeVendorOptions value;
    /// pxe.truncated_suboption, pxe.missing_end, pxe.data_after_end,
    /// pxe.bad_suboption_length (43.6/7/71 sizes, 43.8/9/10 shapes).
    /// Offsets count from the first octet of the option 43 value.
    Anomalies anomalies;
};

/// Reads \p option43 (the RFC 3396-joined value) as PXE sub-options. PAD (0)
/// octets between sub-options are skipped. Sizes are checked for 1-7, 12 and
/// 71; 8, 9 and 10 must have their table 2-1 shapes. Repeated sub-options add
/// to `boot_servers`/`menu`; for the single-valued views the first one wins.
PxeDecoded decode_pxe_options(ByteView option43);

/// Builds an option 43 value from typed parts (in sub-option order 6, 7, 8,
/// 9, 10, 71), then any extra raw items, then END.
///
/// Raw items whose code has a typed value set are not written again, so
/// encoding a decoded value does not double them. All boot servers go into
/// one 43.8 and all menu entries into one 43.9; entries that would push a
/// sub-option past 255 octets are left out.
Bytes encode_pxe_options(const PxeVendorOptions& value);

}  // namespace pxecheck::wire
