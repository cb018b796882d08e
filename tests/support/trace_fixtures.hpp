#pragma once
// Test support: build DHCP/TFTP exchanges as real Ethernet frames and feed
// them through the TraceBuilder, so rule tests exercise the same path as a
// capture. Every builder returns a healthy message; a test breaks one field
// to make the trace that violates its rule.

#include <cstdint>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::fixtures {

inline const MacAddr kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

/// The Internet checksum (RFC 1071) of \p data.
inline std::uint16_t internet_checksum(ByteView data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    if (data.size() % 2) sum += static_cast<std::uint32_t>(data.back() << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

/// The ICMP error (\p type, \p code) that \p from_ip (at \p from_mac) sends
/// back about \p refused, an Ethernet/IPv4 frame of build_udp_frame(): it
/// quotes the refused datagram's IP header and first 8 octets (RFC 792).
inline Bytes icmp_error_frame(const MacAddr& from_mac, Ipv4Addr from_ip, ByteView refused, std::uint8_t type = 3,
                              std::uint8_t code = 3) {
    constexpr std::size_t kEth = 14, kIp = 20;
    const ByteView quoted = refused.subspan(kEth, kIp + 8);
    Bytes icmp{type, code, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), quoted.begin(), quoted.end());
    const auto ic = internet_checksum(icmp);
    icmp[2] = static_cast<std::uint8_t>(ic >> 8);
    icmp[3] = static_cast<std::uint8_t>(ic);
    const ByteView refused_ip = refused.subspan(kEth, kIp);
    const std::size_t total = kIp + icmp.size();
    Bytes ip{0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 0, 0, 0, 64, 1, 0, 0};
    for (int k = 24; k >= 0; k -= 8) ip.push_back(static_cast<std::uint8_t>(from_ip.value >> k));
    ip.insert(ip.end(), refused_ip.begin() + 12, refused_ip.begin() + 16);  // to the refused datagram's source
    const auto hc = internet_checksum(ip);
    ip[10] = static_cast<std::uint8_t>(hc >> 8);
    ip[11] = static_cast<std::uint8_t>(hc);
    // Byte by byte: GCC 12 warns falsely (-Warray-bounds) on inserting a
    // 6-octet range into a fresh vector.
    Bytes frame;
    frame.reserve(kEth + ip.size() + icmp.size());
    for (std::size_t k = 6; k < 12; ++k) frame.push_back(refused[k]);  // to the refused frame's sender
    for (auto o : from_mac.octets) frame.push_back(o);
    frame.push_back(0x08);
    frame.push_back(0x00);
    for (auto o : ip) frame.push_back(o);
    for (auto o : icmp) frame.push_back(o);
    return frame;
}
inline const MacAddr kServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xc8}};
inline const MacAddr kOtherServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xc9}};
inline const Ipv4Addr kServerIp = Ipv4Addr::from_octets(192, 168, 14, 200);
inline const Ipv4Addr kOtherServerIp = Ipv4Addr::from_octets(192, 168, 14, 201);
inline const Ipv4Addr kClientIp = Ipv4Addr::from_octets(192, 168, 14, 10);

/// The BIOS PXE ROM's DISCOVER (arch 0, UNDI 2.1), as iPXE and Intel ROMs send it.
inline wire::DhcpMessage pxe_discover(std::uint32_t xid = 0x1234abcd, const MacAddr& mac = kClientMac) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.flags = wire::kBroadcastFlag;
    m.set_client_mac(mac);
    m.set_option_u8(wire::opt::kMessageType, 1);
    m.set_option_u16(wire::opt::kMaxMessageSize, 1472);
    const Bytes params{1, 3, 6, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135};
    m.set_option(wire::opt::kParameterList, params);
    m.set_option(wire::opt::kVendorClass, wire::make_pxe_vendor_class(0, 2, 1));
    m.set_option_u16(wire::opt::kClientArch, 0);
    const Bytes ndi{1, 2, 1};
    m.set_option(wire::opt::kClientNdi, ndi);
    Bytes uuid(17, 0x11);
    uuid[0] = 0;
    m.set_option(wire::opt::kClientUuid, uuid);
    m.finish();
    return m;
}

/// The SELECTING REQUEST that follows \p discover for an offer of \p yiaddr by \p server.
inline wire::DhcpMessage pxe_request(const wire::DhcpMessage& discover, Ipv4Addr server,
                                     Ipv4Addr yiaddr = kClientIp) {
    wire::DhcpMessage m = discover;
    m.set_option_u8(wire::opt::kMessageType, 3);
    m.set_option_ip(wire::opt::kServerId, server);
    m.set_option_ip(wire::opt::kRequestedAddress, yiaddr);
    m.finish();
    return m;
}

/// A server reply (OFFER by default) to \p request.
inline wire::DhcpMessage reply(const wire::DhcpMessage& request, wire::DhcpMessageType type,
                               Ipv4Addr server = kServerIp, Ipv4Addr yiaddr = kClientIp,
                               Ipv4Addr siaddr = kServerIp, std::string_view file = "pxelinux.0") {
    wire::DhcpMessage m;
    m.op = 2;
    m.xid = request.xid;
    m.flags = request.flags;
    m.chaddr = request.chaddr;
    m.giaddr = request.giaddr;
    m.yiaddr = yiaddr;
    m.siaddr = siaddr;
    if (!file.empty()) m.set_file(file);
    m.set_option_u8(wire::opt::kMessageType, static_cast<std::uint8_t>(type));
    m.set_option_ip(wire::opt::kServerId, server);
    if (!yiaddr.is_zero()) {
        m.set_option_u32(wire::opt::kLeaseTime, 600);
        m.set_option_ip(wire::opt::kSubnetMask, Ipv4Addr::from_octets(255, 255, 255, 0));
    }
    m.finish();
    return m;
}

/// A proxyDHCP offer (yiaddr 0, option 60 PXEClient, PXE options in 43).
inline wire::DhcpMessage proxy_offer(const wire::DhcpMessage& discover, Ipv4Addr proxy = kOtherServerIp,
                                     std::string_view file = "") {
    wire::DhcpMessage m = reply(discover, wire::DhcpMessageType::Offer, proxy, Ipv4Addr{}, proxy, file);
    m.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
    wire::PxeVendorOptions pxe;
    pxe.discovery_control = wire::discovery::kNoMulticast;
    pxe.boot_servers.push_back({0x8000, {proxy}});
    pxe.menu.push_back({0x8000, "Network boot"});
    pxe.prompt = wire::PxeMenuPrompt{1, "PXE menu"};
    m.set_option(wire::opt::kVendorSpecific, wire::encode_pxe_options(pxe));
    m.finish();
    return m;
}

/// Feeds frames through a TraceBuilder with a controllable clock.
class TraceScript {
public:
    TraceScript() : builder_("test") {}

    void advance_ms(std::int64_t ms) { now_ += ms * 1'000'000; }
    /// Puts the clock at \p ns: captures can carry any time within
    /// +/-link::kMaxFrameTimeNs, decades apart or going backwards.
    void at_ns(std::int64_t ns) { now_ = ns; }

    /// A client DHCP message, broadcast from 0.0.0.0:68 (or from ciaddr when set).
    void client(const wire::DhcpMessage& m, const MacAddr& mac = kClientMac,
                std::uint16_t dst_port = 67, Ipv4Addr dst = Ipv4Addr::broadcast()) {
        link::UdpEndpoint src{mac, m.ciaddr, 68};
        link::UdpEndpoint to{dst.is_broadcast() ? MacAddr::broadcast() : kServerMac, dst, dst_port};
        frame(link::build_udp_frame(src, to, wire::encode_dhcp(m)));
    }
    /// A server DHCP message from \p server_ip:67 (or 4011) to the client.
    void server(const wire::DhcpMessage& m, Ipv4Addr server_ip = kServerIp,
                const MacAddr& server_mac = kServerMac, std::uint16_t src_port = 67,
                bool broadcast = true, std::uint16_t dst_port = 68) {
        link::UdpEndpoint src{server_mac, server_ip, src_port};
        link::UdpEndpoint to{broadcast ? MacAddr::broadcast() : m.client_mac(),
                             broadcast ? Ipv4Addr::broadcast() : m.yiaddr, dst_port};
        frame(link::build_udp_frame(src, to, wire::encode_dhcp(m)));
    }
    /// A TFTP packet between the client (kClientIp:client_port) and a server port.
    void tftp_from_client(const wire::TftpPacket& p, std::uint16_t client_port, std::uint16_t server_port,
                          Ipv4Addr server_ip = kServerIp) {
        frame(link::build_udp_frame({kClientMac, kClientIp, client_port}, {kServerMac, server_ip, server_port},
                                    wire::encode_tftp(p)));
    }
    void tftp_from_server(const wire::TftpPacket& p, std::uint16_t server_port, std::uint16_t client_port,
                          Ipv4Addr server_ip = kServerIp) {
        frame(link::build_udp_frame({kServerMac, server_ip, server_port}, {kClientMac, kClientIp, client_port},
                                    wire::encode_tftp(p)));
    }
    void frame(const Bytes& data) {
        builder_.add(now_, data);
        advance_ms(1);
    }

    /// A whole healthy BIOS boot: DORA, then TFTP of \p size bytes of
    /// "pxelinux.0" with blksize 1432 negotiated.
    void healthy_boot(std::size_t size = 3000) {
        auto d = pxe_discover();
        client(d);
        server(reply(d, wire::DhcpMessageType::Offer));
        auto r = pxe_request(d, kServerIp);
        client(r);
        server(reply(r, wire::DhcpMessageType::Ack));
        tftp_transfer("pxelinux.0", size, 1432);
    }

    /// RRQ with blksize/tsize, OACK, ACK 0, DATA/ACK lock-step to the end.
    void tftp_transfer(std::string_view file, std::size_t size, std::uint16_t blksize,
                       std::uint16_t client_port = 2070, std::uint16_t server_tid = 40000) {
        tftp_from_client(wire::make_rrq(file, "octet",
                                        {{"blksize", std::to_string(blksize)}, {"tsize", "0"}}),
                         client_port, 69);
        tftp_from_server(wire::make_oack({{"blksize", std::to_string(blksize)}, {"tsize", std::to_string(size)}}),
                         server_tid, client_port);
        tftp_from_client(wire::make_ack(0), client_port, server_tid);
        std::size_t sent = 0;
        std::uint16_t block = 1;
        while (true) {
            const std::size_t n = std::min<std::size_t>(blksize, size - sent);
            Bytes chunk(n, static_cast<std::uint8_t>(block));
            tftp_from_server(wire::make_data(block, chunk), server_tid, client_port);
            tftp_from_client(wire::make_ack(block), client_port, server_tid);
            sent += n;
            ++block;
            if (n < blksize) break;
        }
    }

    analyze::Trace finish() { return std::move(builder_).finish(); }

private:
    analyze::TraceBuilder builder_;
    std::int64_t now_ = 1'700'000'000'000'000'000;
};

}  // namespace pxecheck::fixtures
