#pragma once
// Internal to the link module: Internet checksums and the UDP header reader
// shared by decode_frame (whole datagrams) and the Reassembler (datagrams
// put back together from fragments).

#include <cstdint>
#include <optional>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/link/frame.hpp"

namespace pxecheck::link::detail {

inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr std::size_t kIpv4MinHeader = 20;

/// Running one's-complement sum (RFC 1071), not yet folded or inverted.
/// A trailing odd byte counts as the high half of a 16-bit word.
std::uint32_t sum16(ByteView data, std::uint32_t sum = 0) noexcept;
/// Folds carries back in: the 16-bit one's-complement sum.
std::uint16_t fold(std::uint32_t sum) noexcept;
/// Sum of the UDP pseudo-header (RFC 768): addresses, protocol, UDP length.
std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                std::uint16_t length) noexcept;

/// "0x0a1b".
std::string hex16(std::uint16_t v);

/// Reads the UDP header and payload from an IPv4 payload.
/// \p available: the bytes at hand (possibly cut by the snap length).
/// \p ip_payload_size: what the IPv4 header says the payload is.
/// \p base: offset of \p available's first byte in the unit anomalies refer to.
/// Returns nullopt (with udp.truncated) when not even the 8-byte header is there.
std::optional<UdpDatagram> parse_udp(ByteView available, std::size_t ip_payload_size,
                                     Ipv4Addr src, Ipv4Addr dst, std::size_t base,
                                     Anomalies& anomalies);

}  // namespace pxecheck::link::detail
