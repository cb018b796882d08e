#pragma once
/// \file
/// Which protocol a UDP datagram speaks, judged by its ports alone. The
/// trace, the frame decoder, the reports and the live runners all sort
/// datagrams this way, so a frame is DHCP, boot server or TFTP alike in each.

#include <cstdint>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::wire {

enum class UdpService : std::uint8_t {
    /// BOOTP/DHCP: both ports in {67, 68}. Client 68->67, server 67->68, and
    /// 67->67 both ways between a relay agent and a server. One DHCP port
    /// alone (67 -> 12345) is not DHCP: it may be a TFTP transfer's port.
    Dhcp,
    /// BOOTP/DHCP to or from the PXE boot server port 4011, on either side:
    /// ROMs send from 4011 (Intel, EDK2) or from 68 (iPXE).
    PxeBootServer,
    /// To port 69: the request that opens a TFTP transfer, if its opcode says so.
    TftpRequest,
    /// None of the above by its ports. TFTP after the request runs between
    /// ports the two ends chose, so only a transfer already seen can claim it.
    Other,
};

constexpr UdpService classify_udp(std::uint16_t src_port, std::uint16_t dst_port) {
    // 4011 first: 68 -> 4011 is a boot server request, not DHCP.
    if (src_port == kPxeBootServerPort || dst_port == kPxeBootServerPort) return UdpService::PxeBootServer;
    const auto dhcp_port = [](std::uint16_t p) { return p == kDhcpServerPort || p == kDhcpClientPort; };
    if (dhcp_port(src_port) && dhcp_port(dst_port)) return UdpService::Dhcp;
    if (dst_port == kTftpPort) return UdpService::TftpRequest;
    return UdpService::Other;
}

/// Whether datagrams of \p s hold BOOTP/DHCP messages (on 67/68 or on 4011).
constexpr bool carries_dhcp(UdpService s) { return s == UdpService::Dhcp || s == UdpService::PxeBootServer; }

}  // namespace pxecheck::wire
