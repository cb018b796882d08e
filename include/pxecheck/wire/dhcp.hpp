#pragma once
/// \file
/// BOOTP/DHCP messages (RFC 951, RFC 2131, RFC 2132), byte-exact.
///
/// The model keeps every option instance in wire order, PAD and END
/// included, together with the bytes that follow END, so that
/// encode(decode(bytes)) == bytes for any input whose header is complete.
/// Decoding never throws: it returns what it parsed plus named anomalies.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"

namespace pxecheck::wire {

/// UDP ports of BOOTP/DHCP (RFC 2131 §4.1) and of the PXE boot server and
/// proxyDHCP service (PXE 2.1), which speak the same messages.
inline constexpr std::uint16_t kDhcpServerPort = 67;
inline constexpr std::uint16_t kDhcpClientPort = 68;
inline constexpr std::uint16_t kPxeBootServerPort = 4011;

/// Fixed BOOTP layout (offsets into the UDP payload).
inline constexpr std::size_t kBootpHeaderSize = 236;  ///< op .. file
inline constexpr std::size_t kSnameOffset = 44;
inline constexpr std::size_t kSnameSize = 64;
inline constexpr std::size_t kFileOffset = 108;
inline constexpr std::size_t kFileSize = 128;
inline constexpr std::size_t kOptionsOffset = 240;    ///< after the magic cookie
inline constexpr std::size_t kBootpMinSize = 300;     ///< RFC 1542 §2.1 / RFC 951
inline constexpr std::array<std::uint8_t, 4> kMagicCookie{0x63, 0x82, 0x53, 0x63};
inline constexpr std::uint16_t kBroadcastFlag = 0x8000;

/// Option codes used by name in the code (the full list is the catalogue).
namespace opt {
inline constexpr std::uint8_t kPad = 0;
inline constexpr std::uint8_t kSubnetMask = 1;
inline constexpr std::uint8_t kRouter = 3;
inline constexpr std::uint8_t kDnsServer = 6;
inline constexpr std::uint8_t kHostName = 12;
inline constexpr std::uint8_t kVendorSpecific = 43;
inline constexpr std::uint8_t kRequestedAddress = 50;
inline constexpr std::uint8_t kLeaseTime = 51;
inline constexpr std::uint8_t kOverload = 52;
inline constexpr std::uint8_t kMessageType = 53;
inline constexpr std::uint8_t kServerId = 54;
inline constexpr std::uint8_t kParameterList = 55;
inline constexpr std::uint8_t kMessage = 56;
inline constexpr std::uint8_t kMaxMessageSize = 57;
inline constexpr std::uint8_t kRenewalTime = 58;
inline constexpr std::uint8_t kRebindingTime = 59;
inline constexpr std::uint8_t kVendorClass = 60;
inline constexpr std::uint8_t kClientId = 61;
inline constexpr std::uint8_t kTftpServerName = 66;
inline constexpr std::uint8_t kBootfileName = 67;
inline constexpr std::uint8_t kUserClass = 77;
inline constexpr std::uint8_t kClientArch = 93;
inline constexpr std::uint8_t kClientNdi = 94;
inline constexpr std::uint8_t kClientUuid = 97;
inline constexpr std::uint8_t kEnd = 255;
}  // namespace opt

enum class DhcpMessageType : std::uint8_t {
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
    // Registered since, none of them part of a boot (IANA "DHCP Message
    // Type 53 Values"): lease queries between relays and servers, and a
    // server telling a client to renew.
    ForceRenew = 9,         ///< RFC 3203
    LeaseQuery = 10,        ///< RFC 4388
    LeaseUnassigned = 11,   ///< RFC 4388
    LeaseUnknown = 12,      ///< RFC 4388
    LeaseActive = 13,       ///< RFC 4388
    BulkLeaseQuery = 14,    ///< RFC 6926
    LeaseQueryDone = 15,    ///< RFC 6926
    ActiveLeaseQuery = 16,  ///< RFC 7724
    LeaseQueryStatus = 17,  ///< RFC 7724
    Tls = 18,               ///< RFC 7724
};
/// The highest value IANA has registered for option 53 (19-255: unassigned).
inline constexpr std::uint8_t kLastRegisteredMessageType = 18;

/// "DISCOVER", "OFFER", ..., "LEASEQUERY", ...; "TYPE(n)" for unregistered values.
std::string to_string(DhcpMessageType t);
/// A registered type that is no part of a boot (9-18: FORCERENEW, the
/// LEASEQUERY family, DHCPTLS): shown, never judged as a boot message.
bool outside_boot(DhcpMessageType t);

/// Which BOOTP field an option instance was read from (RFC 2131 §4.1 order).
enum class OptionArea : std::uint8_t { Options, File, Sname };

/// One option instance as it stood on the wire. PAD and END are kept as
/// instances with empty data so that their positions survive a round trip.
struct DhcpOption {
    std::uint8_t code = 0;
    Bytes data;
    OptionArea area = OptionArea::Options;
    /// Offset of the code octet in the BOOTP payload (0 for built messages).
    std::size_t offset = 0;

    bool operator==(const DhcpOption&) const = default;
};

struct DhcpMessage {
    std::uint8_t op = 1;
    std::uint8_t htype = 1;
    std::uint8_t hlen = 6;
    std::uint8_t hops = 0;
    std::uint32_t xid = 0;
    std::uint16_t secs = 0;
    std::uint16_t flags = 0;
    Ipv4Addr ciaddr;
    Ipv4Addr yiaddr;
    Ipv4Addr siaddr;
    Ipv4Addr giaddr;
    std::array<std::uint8_t, 16> chaddr{};
    /// The raw fields. When option 52 overloads them they hold option bytes;
    /// the encoder then writes them from the File/Sname option instances.
    std::array<std::uint8_t, kSnameSize> sname{};
    std::array<std::uint8_t, kFileSize> file{};
    /// False for plain BOOTP (no cookie) or a damaged cookie; see `cookie`.
    bool has_cookie = true;
    /// The four octets at offset 236 as seen (for reports on a bad cookie).
    std::array<std::uint8_t, 4> cookie = kMagicCookie;
    /// Every option instance in wire order: main field, then file, then sname.
    std::vector<DhcpOption> options;
    /// Bytes after END (or after an unparseable option) in the main field.
    Bytes options_trailing;
    /// Same for the overloaded file and sname fields (padding to field size).
    Bytes file_trailing;
    Bytes sname_trailing;

    // --- reading -----------------------------------------------------------
    /// First instance of \p code (PAD/END excluded), any area. Codes 0 and
    /// 255 always give nullptr.
    [[nodiscard]] const DhcpOption* find(std::uint8_t code) const;
    /// Number of instances of \p code in all areas. PAD and END are counted
    /// too, so count(opt::kEnd) tells whether (and how often) END was seen.
    [[nodiscard]] std::size_t count(std::uint8_t code) const;
    /// RFC 3396: all instances of \p code concatenated in options, file, sname
    /// order. nullopt when the option is absent.
    [[nodiscard]] std::optional<Bytes> joined(std::uint8_t code) const;
    /// Option 53, if present with a one-octet value.
    [[nodiscard]] std::optional<DhcpMessageType> message_type() const;
    /// Option 54 / 50 as an address when 4 octets long.
    [[nodiscard]] std::optional<Ipv4Addr> server_id() const;
    [[nodiscard]] std::optional<Ipv4Addr> requested_address() const;
    /// Option 52 value (1 file, 2 sname, 3 both) when present in the main field.
    /// 0 when absent, or when the first main-field 52 is not one octet of
    /// value 1-3 (decode_dhcp then leaves sname and file as text, and
    /// encode_dhcp writes them from the raw arrays).
    [[nodiscard]] std::uint8_t overload() const;
    /// The text in `file` up to its first NUL, "" when overloaded or empty.
    [[nodiscard]] std::string file_field() const;
    [[nodiscard]] std::string sname_field() const;
    /// Text of an option (joined), with one trailing NUL removed (RFC 2132 §2).
    [[nodiscard]] std::optional<std::string> text_option(std::uint8_t code) const;
    [[nodiscard]] MacAddr client_mac() const;
    [[nodiscard]] bool broadcast_flag() const { return (flags & kBroadcastFlag) != 0; }
    [[nodiscard]] bool is_reply() const { return op == 2; }

    // --- building ----------------------------------------------------------
    /// Sets option \p code in the main field, replacing earlier instances;
    /// data longer than 255 octets is split into RFC 3396 instances. Keeps it
    /// before an END that is already present.
    ///
    /// The new instances take the place of the first old one in the main
    /// field (so an edit keeps the wire order); old instances in every area
    /// are removed. Empty data gives one zero-length instance. Codes 0 and 255
    /// are ignored: PAD and END are placed by finish() or by hand.
    void set_option(std::uint8_t code, ByteView data);
    void set_option(std::uint8_t code, std::string_view text);
    void set_option_u8(std::uint8_t code, std::uint8_t v);
    void set_option_u16(std::uint8_t code, std::uint16_t v);
    void set_option_u32(std::uint8_t code, std::uint32_t v);
    void set_option_ip(std::uint8_t code, Ipv4Addr v);
    void remove_option(std::uint8_t code);
    /// Writes \p name into the raw field, zero-filled; names longer than the
    /// field (128 / 64 octets) are cut, and one that fills it leaves no NUL.
    void set_file(std::string_view name);
    void set_sname(std::string_view name);
    void set_client_mac(const MacAddr& mac);
    /// Appends END (if missing) and pads the message with zeros to \p min_size
    /// octets of UDP payload (300 by default, RFC 1542 §2.1).
    ///
    /// END goes after the last main-field instance; the padding is added to
    /// `options_trailing`, which is where decode_dhcp puts it back. Without a
    /// cookie (plain BOOTP) no END is added, only padding.
    void finish(std::size_t min_size = kBootpMinSize);
};

struct DhcpDecoded {
    DhcpMessage msg;
    Anomalies anomalies;
    /// False when the payload is shorter than the fixed 236-octet header; the
    /// message then holds only the fields that fitted.
    bool header_complete = false;
};

/// Decodes a BOOTP/DHCP UDP payload. Anomaly IDs it can emit:
/// bootp.truncated_header, dhcp.no_magic_cookie, dhcp.truncated_option,
/// dhcp.missing_end, dhcp.data_after_end, dhcp.bad_option_length,
/// dhcp.duplicate_option, dhcp.overload_bad_value, dhcp.overload_misplaced,
/// dhcp.overload_missing_end, dhcp.bad_htype_hlen.
DhcpDecoded decode_dhcp(ByteView payload);

/// Encodes exactly what the model holds (no END or padding is added: call
/// DhcpMessage::finish for that).
///
/// Fields overloaded by option 52 (see DhcpMessage::overload) are written from
/// their File/Sname instances followed by `file_trailing`/`sname_trailing`,
/// cut or zero-filled to the field size; when a field has neither, its raw
/// array is written. Without a cookie, `options_trailing` follows the header
/// directly. A model instance with more than 255 data octets is written as
/// consecutive RFC 3396 instances.
Bytes encode_dhcp(const DhcpMessage& msg);

/// One-line summary in the style of tcpdump -v, e.g.
/// "DHCP OFFER xid 0x1a2b3c4d flags B yiaddr 192.168.14.10 siaddr 192.168.14.200
/// chaddr 52:54:00:12:34:56 file \"pxelinux.0\" [53=OFFER 54=192.168.14.200
/// 60=\"PXEClient\" 43={6=0x08,71=32768/0}]" (on one line).
///
/// Header parts appear only when non-zero (hops, secs, flags as "B" or hex,
/// ciaddr, yiaddr, siaddr, giaddr); chaddr as a MAC for htype 1/hlen 6, else
/// with htype/hlen and hex. sname/file when used as text. Then every option
/// once, in order of first appearance, RFC 3396 instances joined, rendered by
/// format_option_value. "BOOTP REQUEST/REPLY" when there is no option 53;
/// "(no magic cookie, N octets vendor field)", "+N octets after options" and
/// "(no END)" flag damaged messages.
std::string summarize(const DhcpMessage& msg);

}  // namespace pxecheck::wire
