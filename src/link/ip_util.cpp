#include "ip_util.hpp"

#include <algorithm>
#include <string>

namespace pxecheck::link::detail {

std::uint32_t sum16(ByteView data, std::uint32_t sum) noexcept {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
        // Fold early so a 64 KiB datagram cannot overflow 32 bits.
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
    return sum;
}

std::uint16_t fold(std::uint32_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                std::uint16_t length) noexcept {
    std::uint32_t sum = 0;
    sum += src.value >> 16;
    sum += src.value & 0xffffu;
    sum += dst.value >> 16;
    sum += dst.value & 0xffffu;
    sum += protocol;
    sum += length;
    return sum;
}

std::string hex16(std::uint16_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    for (int shift = 12; shift >= 0; shift -= 4) s.push_back(digits[(v >> shift) & 0xf]);
    return s;
}

std::optional<UdpDatagram> parse_udp(ByteView available, std::size_t ip_payload_size,
                                     Ipv4Addr src, Ipv4Addr dst, std::size_t base,
                                     Anomalies& anomalies) {
    if (available.size() < kUdpHeaderSize) {
        std::string detail = std::to_string(available.size()) + " bytes, UDP header needs 8";
        if (ip_payload_size < kUdpHeaderSize)
            detail += " (IPv4 payload is " + std::to_string(ip_payload_size) + " bytes)";
        anomalies.push_back({"udp.truncated", base, std::move(detail)});
        return std::nullopt;
    }
    ByteReader r(available);
    UdpDatagram d;
    d.src_ip = src;
    d.dst_ip = dst;
    d.src_port = *r.u16();
    d.dst_port = *r.u16();
    const std::uint16_t length = *r.u16();
    const std::uint16_t checksum = *r.u16();

    // The UDP length decides where the payload ends. When it disagrees with
    // IPv4, IPv4 wins where UDP claims more (those bytes do not exist) and UDP
    // wins where it claims less (the rest is not UDP's), as Linux does.
    std::size_t datagram_size = length;
    bool length_usable = true;
    if (length < kUdpHeaderSize) {
        anomalies.push_back({"udp.bad_length", base + 4,
                             "UDP length " + std::to_string(length) + " is below the 8-byte header"});
        datagram_size = ip_payload_size;
        length_usable = false;
    } else if (length > ip_payload_size) {
        anomalies.push_back({"udp.bad_length", base + 4,
                             "UDP length " + std::to_string(length) + " exceeds the IPv4 payload of " +
                                 std::to_string(ip_payload_size) + " bytes"});
        length_usable = false;
    } else if (length < ip_payload_size) {
        anomalies.push_back({"udp.bad_length", base + 4,
                             "UDP length " + std::to_string(length) +
                                 " is shorter than the IPv4 payload of " +
                                 std::to_string(ip_payload_size) + " bytes; the rest is ignored"});
    }
    d.declared_length = datagram_size >= kUdpHeaderSize ? datagram_size - kUdpHeaderSize : 0;
    const std::size_t have = std::min(available.size(), std::min(datagram_size, ip_payload_size));
    const auto payload =
        available.subspan(kUdpHeaderSize, have >= kUdpHeaderSize ? have - kUdpHeaderSize : 0);
    d.payload.assign(payload.begin(), payload.end());
    d.complete = d.payload.size() == d.declared_length;

    // Checksum 0 means the sender computed none (RFC 768). Otherwise it can only
    // be checked over the whole datagram the UDP length names.
    if (checksum != 0 && length_usable && available.size() >= length) {
        const auto datagram = available.first(length);
        const std::uint32_t pseudo = pseudo_header_sum(src, dst, kProtoUdp, length);
        const bool ok = fold(sum16(datagram, pseudo)) == 0xffff;
        // A capture taken on the sending host sees checksums the NIC has not
        // filled in yet (Linux CHECKSUM_PARTIAL): the field holds only the
        // folded pseudo-header sum. That is offload, not a fault; Wireshark
        // skips UDP checksum checks by default for the same reason.
        const bool offloaded = !ok && (checksum == fold(pseudo) ||
                                       checksum == static_cast<std::uint16_t>(~fold(pseudo)));
        d.udp_checksum_ok = offloaded ? std::nullopt : std::optional<bool>(ok);
        d.checksum_offloaded = offloaded;
        if (!ok && !offloaded) {
            // What the sender should have written: the sum without the field.
            std::uint32_t without = sum16(datagram.first(6), pseudo);
            without = sum16(datagram.subspan(kUdpHeaderSize), without);
            auto expected = static_cast<std::uint16_t>(~fold(without));
            if (expected == 0) expected = 0xffff;  // RFC 768: a computed 0 is sent as all ones
            anomalies.push_back({"udp.bad_checksum", base + 6,
                                 "UDP checksum " + hex16(checksum) + ", expected " + hex16(expected)});
        }
    }
    return d;
}

}  // namespace pxecheck::link::detail
