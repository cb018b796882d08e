#include "pxecheck/link/frame.hpp"

#include <algorithm>

// libtins is only used to build frames, and stays out of every public header.
// From a non-system include path its 4.0 headers trip -Wshadow (hundreds),
// -Wold-style-cast and -Wdeprecated-declarations; silence just those, here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <tins/tins.h>
#pragma GCC diagnostic pop

#include "ip_util.hpp"

namespace pxecheck::link {

namespace {

using detail::fold;
using detail::hex16;
using detail::sum16;

namespace ethertype {
constexpr std::uint16_t kIpv4 = 0x0800;
constexpr std::uint16_t kArp = 0x0806;
constexpr std::uint16_t kVlan = 0x8100;      // 802.1Q C-tag
constexpr std::uint16_t kQinq = 0x88a8;      // 802.1ad S-tag
constexpr std::uint16_t kQinqOld = 0x9100;   // pre-802.1ad QinQ (Cisco and others)
}  // namespace ethertype

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kSllHeader = 16;
constexpr std::size_t kSll2Header = 20;
constexpr std::size_t kNullHeader = 4;
constexpr std::size_t kArpEthIpv4 = 28;
constexpr std::uint16_t kArphrdEther = 1;
constexpr std::uint32_t kAfInet = 2;  // AF_INET is 2 on every BSD, Linux and Windows

MacAddr mac_at(ByteView v) {
    MacAddr m;
    std::copy_n(v.begin(), 6, m.octets.begin());
    return m;
}

std::uint16_t be16(ByteView v, std::size_t at) {
    return static_cast<std::uint16_t>((v[at] << 8) | v[at + 1]);
}

std::uint32_t be32(ByteView v, std::size_t at) {
    return (std::uint32_t{v[at]} << 24) | (std::uint32_t{v[at + 1]} << 16) |
           (std::uint32_t{v[at + 2]} << 8) | std::uint32_t{v[at + 3]};
}

/// Decodes one frame layer by layer. Every read is preceded by a length
/// check against the captured bytes, so garbage can only produce anomalies.
class FrameDecoder {
public:
    explicit FrameDecoder(ByteView frame) : frame_(frame) {}

    DecodedFrame run(int linktype) {
        switch (linktype) {
        case linktype::kEthernet: ethernet(); break;
        case linktype::kLinuxSll: sll(); break;
        case linktype::kLinuxSll2: sll2(); break;
        case linktype::kNull: null_link(); break;
        case linktype::kRaw: raw(); break;
        case linktype::kIpv4:
            out_.ethertype = ethertype::kIpv4;
            ipv4(0);
            break;
        default:
            malformed("link.unknown_linktype", 0,
                      "link type " + std::to_string(linktype) +
                          " is not decoded (Ethernet 1, NULL 0, raw 101/228, SLL 113, SLL2 276)");
        }
        return std::move(out_);
    }

private:
    void note(const char* id, std::size_t offset, std::string detail) {
        out_.anomalies.push_back(Anomaly{id, offset, std::move(detail)});
    }
    void malformed(const char* id, std::size_t offset, std::string detail) {
        note(id, offset, std::move(detail));
        out_.kind = DecodedFrame::Kind::Malformed;
    }
    bool need(std::size_t at, std::size_t n, const char* id, const char* what) {
        if (frame_.size() >= at && frame_.size() - at >= n) return true;
        const std::size_t have = frame_.size() > at ? frame_.size() - at : 0;
        malformed(id, at, std::string(what) + " needs " + std::to_string(n) + " bytes, " +
                              std::to_string(have) + " captured");
        return false;
    }

    void ethernet() {
        if (!need(0, kEthernetHeader, "link.truncated", "Ethernet header")) return;
        out_.dst_mac = mac_at(frame_.subspan(0, 6));
        out_.src_mac = mac_at(frame_.subspan(6, 6));
        ethertype_payload(be16(frame_, 12), kEthernetHeader);
    }

    /// Linux cooked v1: packet type, ARPHRD type, address length, 8 address
    /// bytes, protocol. The address is the sender's link address.
    void sll() {
        if (!need(0, kSllHeader, "link.truncated", "Linux cooked (SLL) header")) return;
        const auto hatype = be16(frame_, 2);
        const auto halen = be16(frame_, 4);
        if (hatype == kArphrdEther && halen == 6) out_.src_mac = mac_at(frame_.subspan(6, 6));
        ethertype_payload(be16(frame_, 14), kSllHeader);
    }

    /// Linux cooked v2: protocol, reserved, interface index, ARPHRD type,
    /// packet type, address length, 8 address bytes.
    void sll2() {
        if (!need(0, kSll2Header, "link.truncated", "Linux cooked v2 (SLL2) header")) return;
        const auto hatype = be16(frame_, 8);
        const auto halen = frame_[11];
        if (hatype == kArphrdEther && halen == 6) out_.src_mac = mac_at(frame_.subspan(12, 6));
        ethertype_payload(be16(frame_, 0), kSll2Header);
    }

    /// BSD loopback: a 4-byte address family in the capturing host's byte
    /// order, which the file does not record, so both orders are accepted.
    void null_link() {
        if (!need(0, kNullHeader, "link.truncated", "loopback (NULL) header")) return;
        const std::uint32_t be = be32(frame_, 0);
        const std::uint32_t le = (be >> 24) | ((be >> 8) & 0xff00u) | ((be << 8) & 0xff0000u) | (be << 24);
        if (be == kAfInet || le == kAfInet) {
            out_.ethertype = ethertype::kIpv4;
            ipv4(kNullHeader);
        } else {
            out_.kind = DecodedFrame::Kind::Other;  // IPv6 (24, 28, 30, 10) and the rest
        }
    }

    /// LINKTYPE_RAW carries IPv4 or IPv6; the version nibble says which.
    void raw() {
        if (!need(0, 1, "link.truncated", "raw IP packet")) return;
        const int version = frame_[0] >> 4;
        if (version == 4) {
            out_.ethertype = ethertype::kIpv4;
            ipv4(0);
        } else if (version == 6) {
            out_.ethertype = 0x86dd;
            out_.kind = DecodedFrame::Kind::Other;
        } else {
            malformed("ip.bad_version", 0,
                      "raw IP packet with version " + std::to_string(version) + ", expected 4 or 6");
        }
    }

    void ethertype_payload(std::uint16_t type, std::size_t at) {
        // Stacked tags: 802.1ad S-tag (or the older 0x9100) then 802.1Q C-tag,
        // though any order is taken. Each tag: 2 bytes TCI, 2 bytes next type.
        while (type == ethertype::kVlan || type == ethertype::kQinq || type == ethertype::kQinqOld) {
            if (!need(at, kVlanTag, "link.truncated", "VLAN tag")) return;
            out_.vlans.push_back(be16(frame_, at) & 0x0fff);
            type = be16(frame_, at + 2);
            at += kVlanTag;
        }
        out_.ethertype = type;
        if (type == ethertype::kIpv4) {
            ipv4(at);
        } else if (type == ethertype::kArp) {
            arp(at);
        } else {
            // 802.3 length/LLC frames (type < 0x0600), IPv6, LLDP...: not ours.
            out_.kind = DecodedFrame::Kind::Other;
        }
    }

    void ipv4(std::size_t at) {
        if (!need(at, 1, "ip.truncated", "IPv4 header")) return;
        const int version = frame_[at] >> 4;
        if (version != 4) {
            malformed("ip.bad_version", at, "IP version " + std::to_string(version) + " under an IPv4 type");
            return;
        }
        if (!need(at, detail::kIpv4MinHeader, "ip.truncated", "IPv4 header")) return;
        const std::size_t header_len = std::size_t{frame_[at] & 0x0fu} * 4;
        if (header_len < detail::kIpv4MinHeader) {
            malformed("ip.bad_header_length", at,
                      "header length " + std::to_string(header_len) + " (IHL " +
                          std::to_string(header_len / 4) + "), minimum 20");
            return;
        }
        if (!need(at, header_len, "ip.truncated", "IPv4 header with options")) return;

        const std::uint16_t total_len = be16(frame_, at + 2);
        const std::uint16_t id = be16(frame_, at + 4);
        const std::uint16_t flags_frag = be16(frame_, at + 6);
        const std::uint8_t ttl = frame_[at + 8];
        const std::uint8_t protocol = frame_[at + 9];
        const std::uint16_t checksum = be16(frame_, at + 10);
        const Ipv4Addr src{be32(frame_, at + 12)};
        const Ipv4Addr dst{be32(frame_, at + 16)};
        out_.ip_protocol = protocol;

        const auto header = frame_.subspan(at, header_len);
        const bool checksum_ok = fold(sum16(header)) == 0xffff;
        // 0 is what a sending host's capture shows when the header checksum is
        // left to offload (seen on macOS loopback captures): not a fault.
        const bool offloaded = checksum == 0;
        if (!checksum_ok && !offloaded) {
            const std::uint32_t without = sum16(header.subspan(12), sum16(header.first(10)));
            note("ip.bad_checksum", at + 10,
                 "header checksum " + hex16(checksum) + ", expected " +
                     hex16(static_cast<std::uint16_t>(~fold(without))));
        }

        // Where the datagram ends. A total length below the header is nonsense
        // (or 0 from segmentation offload on the capturing host, as Wireshark
        // notes); the captured bytes are the best guess then.
        const std::size_t captured = frame_.size() - at;
        std::size_t datagram_len = total_len;
        if (total_len < header_len) {
            note("ip.bad_total_length", at + 2,
                 "total length " + std::to_string(total_len) + " is below the header length " +
                     std::to_string(header_len) + "; using the " + std::to_string(captured) +
                     " captured bytes");
            datagram_len = captured;
        }
        if (datagram_len > captured) {
            note("ip.truncated", at + 2,
                 "total length " + std::to_string(datagram_len) + ", " + std::to_string(captured) +
                     " bytes captured (snap length or a short frame)");
        }
        const std::size_t payload_declared = datagram_len - header_len;
        const auto payload = frame_.subspan(at + header_len, std::min(datagram_len, captured) - header_len);

        if (flags_frag & 0x8000u) {
            note("ip.reserved_flag", at + 6, "reserved flag bit set (flags " + hex16(flags_frag) + ")");
        }
        const bool more = (flags_frag & 0x2000u) != 0;
        const std::size_t frag_offset = std::size_t{flags_frag & 0x1fffu} * 8;
        if (more || frag_offset != 0) {
            if (more && payload_declared % 8 != 0) {
                note("ip.fragment_misaligned", at + 6,
                     "non-final fragment carries " + std::to_string(payload_declared) +
                         " bytes, not a multiple of 8");
            }
            Ipv4Fragment f;
            f.src_ip = src;
            f.dst_ip = dst;
            f.id = id;
            f.protocol = protocol;
            f.ttl = ttl;
            f.offset_bytes = frag_offset;
            f.more_fragments = more;
            f.data.assign(payload.begin(), payload.end());
            f.declared_size = payload_declared;
            f.ip_checksum_ok = checksum_ok;
            out_.fragment = std::move(f);
            out_.kind = DecodedFrame::Kind::Fragment;
            return;
        }
        if (protocol != detail::kProtoUdp) {
            out_.kind = DecodedFrame::Kind::OtherIp;
            if (protocol == kProtoIcmp) out_.icmp = icmp_error(payload, src, dst);
            return;
        }
        auto udp = detail::parse_udp(payload, payload_declared, src, dst, at + header_len, out_.anomalies);
        if (!udp) {
            out_.kind = DecodedFrame::Kind::Malformed;
            return;
        }
        udp->ttl = ttl;
        udp->ip_checksum_ok = checksum_ok;
        out_.udp = std::move(*udp);
        out_.kind = DecodedFrame::Kind::Udp;
    }

    /// An ICMP destination unreachable (3) or time exceeded (11) and what it
    /// quotes; nullopt for other ICMP, or a quote too short to name a datagram.
    static std::optional<IcmpError> icmp_error(ByteView icmp, Ipv4Addr src, Ipv4Addr dst) {
        constexpr std::size_t kIcmpHeader = 8;
        if (icmp.size() < kIcmpHeader + detail::kIpv4MinHeader) return std::nullopt;
        IcmpError e;
        e.type = icmp[0];
        e.code = icmp[1];
        if (e.type != kIcmpUnreachable && e.type != kIcmpTimeExceeded) return std::nullopt;
        const ByteView q = icmp.subspan(kIcmpHeader);
        const std::size_t ihl = std::size_t{q[0] & 0x0fu} * 4;
        if ((q[0] >> 4) != 4 || ihl < detail::kIpv4MinHeader || q.size() < ihl) return std::nullopt;
        e.src_ip = src;
        e.dst_ip = dst;
        e.quoted_protocol = q[9];
        e.quoted_src_ip = Ipv4Addr{be32(q, 12)};
        e.quoted_dst_ip = Ipv4Addr{be32(q, 16)};
        if (e.quoted_protocol == detail::kProtoUdp && q.size() >= ihl + 4) {
            e.quoted_udp = true;
            e.quoted_src_port = be16(q, ihl);
            e.quoted_dst_port = be16(q, ihl + 2);
        }
        return e;
    }
    static constexpr std::uint8_t kProtoIcmp = 1;
    static constexpr std::uint8_t kIcmpUnreachable = 3;
    static constexpr std::uint8_t kIcmpTimeExceeded = 11;

    void arp(std::size_t at) {
        if (!need(at, 8, "arp.truncated", "ARP header")) return;
        const auto htype = be16(frame_, at);
        const auto ptype = be16(frame_, at + 2);
        const auto hlen = frame_[at + 4];
        const auto plen = frame_[at + 5];
        if (htype != kArphrdEther || ptype != ethertype::kIpv4 || hlen != 6 || plen != 4) {
            note("arp.unsupported", at,
                 "hardware type " + std::to_string(htype) + ", protocol " + hex16(ptype) +
                     ", address lengths " + std::to_string(hlen) + "/" + std::to_string(plen) +
                     ": only Ethernet/IPv4 ARP (1, 0x0800, 6/4) is decoded");
            out_.kind = DecodedFrame::Kind::Other;
            return;
        }
        if (!need(at, kArpEthIpv4, "arp.truncated", "Ethernet/IPv4 ARP")) return;
        ArpPacket a;
        a.operation = be16(frame_, at + 6);
        a.sender_mac = mac_at(frame_.subspan(at + 8, 6));
        a.sender_ip = Ipv4Addr{be32(frame_, at + 14)};
        a.target_mac = mac_at(frame_.subspan(at + 18, 6));
        a.target_ip = Ipv4Addr{be32(frame_, at + 24)};
        out_.arp = a;
        out_.kind = DecodedFrame::Kind::Arp;
    }

    ByteView frame_;
    DecodedFrame out_;
};

Tins::HWAddress<6> to_tins(const MacAddr& m) { return Tins::HWAddress<6>(m.octets.data()); }
Tins::IPv4Address to_tins(Ipv4Addr a) { return Tins::IPv4Address(a.to_string()); }

}  // namespace

std::optional<UdpView> peek_udp(int linktype, ByteView frame) {
    if (linktype != linktype::kEthernet || frame.size() < kEthernetHeader) return std::nullopt;
    std::size_t at = kEthernetHeader;
    std::uint16_t type = be16(frame, 12);
    while (type == ethertype::kVlan || type == ethertype::kQinq || type == ethertype::kQinqOld) {
        if (frame.size() - at < kVlanTag) return std::nullopt;
        type = be16(frame, at + 2);
        at += kVlanTag;
    }
    if (type != ethertype::kIpv4 || frame.size() - at < detail::kIpv4MinHeader) return std::nullopt;
    const auto ip = frame.subspan(at);
    const std::size_t header_len = std::size_t{ip[0] & 0x0fu} * 4;
    const std::uint16_t total_len = be16(ip, 2);
    const std::uint16_t flags_frag = be16(ip, 6);
    if ((ip[0] >> 4) != 4 || header_len < detail::kIpv4MinHeader || ip[9] != detail::kProtoUdp ||
        (flags_frag & 0x3fffu) != 0 || total_len > ip.size() || total_len < header_len + detail::kUdpHeaderSize)
        return std::nullopt;
    const auto udp = ip.subspan(header_len, total_len - header_len);
    if (be16(udp, 4) != udp.size()) return std::nullopt;
    UdpView v;
    v.src_ip = Ipv4Addr{be32(ip, 12)};
    v.dst_ip = Ipv4Addr{be32(ip, 16)};
    v.src_port = be16(udp, 0);
    v.dst_port = be16(udp, 2);
    v.payload = udp.subspan(detail::kUdpHeaderSize);
    return v;
}

std::string describe(const IcmpError& e) {
    if (e.type == 11) return e.code == 1 ? "fragment reassembly time exceeded" : "TTL exceeded in transit";
    switch (e.code) {
        case 0: return "network unreachable";
        case 1: return "host unreachable";
        case 2: return "protocol unreachable";
        case 3: return "port unreachable";
        case 4: return "fragmentation needed";
        case 9:
        case 10:
        case 13: return "administratively prohibited";
        default: return "destination unreachable (code " + std::to_string(e.code) + ")";
    }
}

std::string to_string(DecodedFrame::Kind kind) {
    switch (kind) {
    case DecodedFrame::Kind::Udp: return "udp";
    case DecodedFrame::Kind::Arp: return "arp";
    case DecodedFrame::Kind::Fragment: return "fragment";
    case DecodedFrame::Kind::OtherIp: return "other-ip";
    case DecodedFrame::Kind::Other: return "other";
    case DecodedFrame::Kind::Malformed: return "malformed";
    }
    return "kind?";
}

DecodedFrame decode_frame(int linktype, ByteView frame) {
    return FrameDecoder(frame).run(linktype);
}

Bytes build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload,
                      std::uint8_t ttl) {
    Tins::EthernetII eth(to_tins(dst.mac), to_tins(src.mac));
    Tins::IP ip(to_tins(dst.ip), to_tins(src.ip));
    ip.ttl(ttl);
    Tins::UDP udp(dst.port, src.port);
    Tins::RawPDU raw(payload.data(), static_cast<std::uint32_t>(payload.size()));
    auto packet = eth / ip / udp / raw;
    // serialize() fills in lengths and the IPv4 and UDP checksums.
    Bytes out = packet.serialize();
    // libtins pads short frames to the 60-byte Ethernet minimum. Drop that:
    // the frame is exactly what was asked for (as outbound captures show it),
    // and the NIC pads on transmit anyway.
    out.resize(kEthernetHeader + detail::kIpv4MinHeader + detail::kUdpHeaderSize + payload.size());
    return out;
}

Bytes build_arp_frame(const MacAddr& eth_dst, const ArpPacket& arp) {
    Tins::EthernetII eth(to_tins(eth_dst), to_tins(arp.sender_mac));
    Tins::ARP a(to_tins(arp.target_ip), to_tins(arp.sender_ip), to_tins(arp.target_mac),
                to_tins(arp.sender_mac));
    auto packet = eth / a;
    Bytes out = packet.serialize();
    out.resize(kEthernetHeader + kArpEthIpv4);  // no padding, as in build_udp_frame
    // libtins only takes REQUEST/REPLY through its enum; write the operation
    // ourselves so that any value (RARP 3/4, garbage for tests) can be built.
    constexpr std::size_t kOperationAt = kEthernetHeader + 6;
    out[kOperationAt] = static_cast<std::uint8_t>(arp.operation >> 8);
    out[kOperationAt + 1] = static_cast<std::uint8_t>(arp.operation);
    return out;
}

}  // namespace pxecheck::link
