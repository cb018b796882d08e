#pragma once
/// \file
/// What the sans-I/O protocol machines (client, master) exchange with the
/// link: UDP datagrams with their link and network addresses. The machines
/// never see frames, sockets or clocks; a runner turns datagrams into frames
/// (link::UserStack) and feeds time in.

#include <cstdint>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/bytes.hpp"

namespace pxecheck::link {

struct Datagram {
    MacAddr src_mac;
    /// Zero: let the stack resolve it (ARP), broadcast for 255.255.255.255.
    MacAddr dst_mac;
    Ipv4Addr src_ip;
    Ipv4Addr dst_ip;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    Bytes payload;
};

}  // namespace pxecheck::link
