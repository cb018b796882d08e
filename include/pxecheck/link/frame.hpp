#pragma once
/// \file
/// Link, network and transport layers of captured or injected frames:
/// Ethernet (with 802.1Q / QinQ tags), Linux cooked (SLL, SLL2), BSD loopback
/// (NULL), raw IPv4; IPv4 and UDP with checksums; ARP. Decoding is lenient
/// like the wire codecs: a frame that does not parse comes back with
/// anomalies, never an exception.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"

namespace pxecheck::link {

/// pcap LINKTYPE_ values this decoder understands.
namespace linktype {
inline constexpr int kNull = 0;
inline constexpr int kEthernet = 1;
inline constexpr int kRaw = 101;
inline constexpr int kLinuxSll = 113;
inline constexpr int kIpv4 = 228;
inline constexpr int kLinuxSll2 = 276;
}  // namespace linktype

struct UdpDatagram {
    Ipv4Addr src_ip;
    Ipv4Addr dst_ip;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t ttl = 0;
    /// The UDP payload as it stood on the wire (possibly cut by the snap length).
    Bytes payload;
    /// UDP length field minus 8: what the payload should have been.
    std::size_t declared_length = 0;
    /// False when the capture cut the payload short (snaplen).
    bool complete = true;
    /// nullopt when not checkable (truncated, or UDP checksum 0 = none sent).
    std::optional<bool> udp_checksum_ok;
    /// The UDP checksum field held only the pseudo-header sum: the capture was
    /// taken on the sending host before checksum offload filled it in.
    /// udp_checksum_ok is then nullopt and no anomaly is raised.
    bool checksum_offloaded = false;
    std::optional<bool> ip_checksum_ok;
    /// Reassembled from IPv4 fragments.
    bool reassembled = false;
};

struct ArpPacket {
    std::uint16_t operation = 0;  ///< 1 request, 2 reply
    MacAddr sender_mac;
    Ipv4Addr sender_ip;
    MacAddr target_mac;
    Ipv4Addr target_ip;
};

/// An IPv4 fragment the caller must hand to a Reassembler.
struct Ipv4Fragment {
    Ipv4Addr src_ip;
    Ipv4Addr dst_ip;
    std::uint16_t id = 0;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0;
    std::size_t offset_bytes = 0;
    bool more_fragments = false;
    Bytes data;  ///< the fragment's share of the IP payload
    /// The share the IP total length announces; more than data.size() when
    /// the capture cut the frame (0: take data.size()). A cut fragment leaves
    /// a hole, so its datagram never completes instead of completing wrong.
    std::size_t declared_size = 0;
    /// This fragment's IP header checksum verdict (nullopt: not checked).
    std::optional<bool> ip_checksum_ok;
};

/// An ICMP error (RFC 792: destination unreachable, time exceeded) and the
/// datagram it quotes: the quoted IPv4 header and, for UDP, its ports. The
/// strongest proof a capture can hold that nothing listens at a port.
struct IcmpError {
    Ipv4Addr src_ip;  ///< who refused (the host, or a router on the way)
    Ipv4Addr dst_ip;  ///< the sender of the quoted datagram
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint8_t quoted_protocol = 0;
    Ipv4Addr quoted_src_ip;
    Ipv4Addr quoted_dst_ip;
    bool quoted_udp = false;  ///< the quote holds a UDP header's ports
    std::uint16_t quoted_src_port = 0;
    std::uint16_t quoted_dst_port = 0;
};
/// "port unreachable", "host unreachable", "TTL exceeded in transit", ...
std::string describe(const IcmpError& e);

struct DecodedFrame {
    enum class Kind { Udp, Arp, Fragment, OtherIp, Other, Malformed };
    Kind kind = Kind::Other;
    /// Innermost EtherType (after any VLAN tags; the SLL/SLL2 protocol field;
    /// 0x0800 for NULL and raw IPv4 links); 0 when the link header did not parse.
    std::uint16_t ethertype = 0;
    /// IPv4 protocol number (17 UDP, 6 TCP, 1 ICMP...) when an IPv4 header parsed.
    std::optional<std::uint8_t> ip_protocol;
    MacAddr src_mac;  ///< zero where the link layer has none (NULL, raw IP)
    MacAddr dst_mac;
    /// 802.1Q VLAN IDs, outermost first (QinQ gives two).
    std::vector<std::uint16_t> vlans;
    std::optional<UdpDatagram> udp;
    std::optional<ArpPacket> arp;
    std::optional<Ipv4Fragment> fragment;
    /// Kind::OtherIp: an ICMP error quoting an IPv4 datagram.
    std::optional<IcmpError> icmp;
    /// link.truncated, link.unknown_linktype, ip.truncated, ip.bad_version,
    /// ip.bad_header_length, ip.bad_total_length, ip.bad_checksum,
    /// ip.reserved_flag, ip.fragment_misaligned, udp.truncated, udp.bad_length,
    /// udp.bad_checksum, arp.truncated, arp.unsupported. Offsets are into the
    /// frame as captured.
    Anomalies anomalies;
};

/// "udp", "arp", "fragment", "other-ip", "other", "malformed".
std::string to_string(DecodedFrame::Kind kind);

/// Decodes one captured frame of the given pcap link type. Never throws and
/// never reads outside \p frame. A frame whose IPv4 total length runs past
/// the captured bytes (snap length, or a lying header: the decoder cannot
/// tell) gets ip.truncated and a UDP datagram with complete = false.
/// Ethernet padding after the IPv4 total length is ignored.
DecodedFrame decode_frame(int linktype, ByteView frame);

/// A UDP datagram read in place, without copies (see peek_udp).
struct UdpView {
    Ipv4Addr src_ip;
    Ipv4Addr dst_ip;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    ByteView payload;  ///< into the frame; all of it was captured
};

/// The UDP datagram of a plainly well-formed frame: Ethernet II (with any
/// VLAN tags) carrying an unfragmented IPv4 header whose total length, the
/// UDP length and the captured bytes agree. nullopt for every other frame,
/// which decode_frame() handles (with its anomalies). Where this returns a
/// datagram, decode_frame() returns kind Udp with the same addresses, ports
/// and payload, complete. Checksums are not checked: this is for the bulk of
/// a capture (TFTP DATA and ACK) that is summarised, not kept.
std::optional<UdpView> peek_udp(int linktype, ByteView frame);

/// Puts IPv4 fragments back together (RFC 791), keyed by (src, dst, id,
/// protocol). Memory is bounded: incomplete datagrams are dropped after
/// \p max_pending keys or when evicted by age.
///
/// Only UDP (protocol 17) is collected, since only UDP comes back out.
/// Overlaps keep the bytes that arrived first and only fill holes, so a
/// duplicated fragment is harmless; each overlap is reported as
/// ip.fragment_overlap with whether the bytes agreed. Other anomalies:
/// ip.fragment_inconsistent (two last fragments disagree on the end, or data
/// past it), ip.fragment_oversize (ends past 65515, the ping-of-death shape),
/// ip.fragment_evicted (dropped incomplete to respect max_pending),
/// ip.fragment_timeout (dropped by expire()), and the UDP anomalies of the
/// reassembled datagram (udp.truncated, udp.bad_length, udp.bad_checksum).
class Reassembler {
public:
    explicit Reassembler(std::size_t max_pending = 1024) : max_pending_(max_pending) {}
    /// Returns the whole UDP datagram once the last missing piece arrives.
    std::optional<UdpDatagram> add(const Ipv4Fragment& frag, Anomalies& anomalies);
    /// Same, stamping a new datagram with the time of its first fragment for expire().
    std::optional<UdpDatagram> add(const Ipv4Fragment& frag, Anomalies& anomalies,
                                   std::int64_t timestamp_ns);
    /// Drops incomplete datagrams whose first fragment came before \p cutoff_ns
    /// (RFC 791 suggests a 15 s reassembly timer; Linux uses 30 s), with one
    /// ip.fragment_timeout each. Returns how many were dropped.
    std::size_t expire(std::int64_t cutoff_ns, Anomalies& anomalies);
    [[nodiscard]] std::size_t pending() const;
    ~Reassembler();
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;
    Reassembler(Reassembler&&) noexcept;
    Reassembler& operator=(Reassembler&&) noexcept;

private:
    struct State;
    std::size_t max_pending_;
    State* state_ = nullptr;
};

struct UdpEndpoint {
    MacAddr mac;
    Ipv4Addr ip;
    std::uint16_t port = 0;
};

/// Builds an Ethernet II / IPv4 / UDP frame with correct checksums (libtins).
/// No Ethernet padding: a short frame stays short (the NIC pads it on transmit).
Bytes build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload,
                      std::uint8_t ttl = 64);
/// Builds an Ethernet ARP request or reply (libtins): 42 bytes, unpadded.
/// Any operation value is written as given.
Bytes build_arp_frame(const MacAddr& eth_dst, const ArpPacket& arp);

}  // namespace pxecheck::link
