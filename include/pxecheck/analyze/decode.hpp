#pragma once
/// \file
/// Frame-by-frame decoding for `pxecheck decode`: every DHCP, proxyDHCP/boot
/// server and TFTP frame of a capture as one line, plus its anomalies. Unlike
/// the TraceBuilder it keeps no state beyond the TFTP ports it has seen, so it
/// streams any file size.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "pxecheck/base/anomaly.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/link/frame.hpp"

namespace pxecheck::analyze {

struct DecodedLine {
    std::size_t number = 0;
    std::int64_t time_ns = 0;
    std::string protocol;  ///< "DHCP", "PXEBS" (4011), "TFTP", "ARP", "?"
    std::string addresses; ///< "0.0.0.0:68 > 255.255.255.255:67" or MACs for ARP
    std::string summary;   ///< the decoded message in one line
    Anomalies anomalies;   ///< link, IP, UDP and payload anomalies
};

class FrameDecoder {
public:
    explicit FrameDecoder(int linktype) : linktype_(linktype) {}
    /// The frame's line, or nullopt when it is neither DHCP, 4011, TFTP nor
    /// ARP (and carries no anomaly worth showing).
    std::optional<DecodedLine> decode(std::size_t number, std::int64_t time_ns, ByteView frame);

private:
    std::optional<DecodedLine> decode_udp(DecodedLine line, const link::UdpDatagram& udp);
    int linktype_;
    link::Reassembler reassembler_;
    /// TFTP endpoints (ip, port) that sent a request to port 69: later
    /// packets to or from them are TFTP whatever the server's port.
    std::set<std::pair<std::uint32_t, std::uint16_t>> tftp_clients_;
};

}  // namespace pxecheck::analyze
