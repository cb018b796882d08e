#include "pxecheck/analyze/decode.hpp"

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace pxecheck::analyze {

namespace {
std::string endpoint(Ipv4Addr ip, std::uint16_t port) { return ip.to_string() + ":" + std::to_string(port); }
}  // namespace

std::optional<DecodedLine> FrameDecoder::decode(std::size_t number, std::int64_t time_ns, ByteView frame) {
    auto decoded = link::decode_frame(linktype_, frame);
    DecodedLine line;
    line.number = number;
    line.time_ns = time_ns;
    line.anomalies = std::move(decoded.anomalies);
    switch (decoded.kind) {
        case link::DecodedFrame::Kind::Udp:
            return decode_udp(std::move(line), *decoded.udp);
        case link::DecodedFrame::Kind::Fragment: {
            auto whole = reassembler_.add(*decoded.fragment, line.anomalies);
            if (whole) return decode_udp(std::move(line), *whole);
            return std::nullopt;
        }
        case link::DecodedFrame::Kind::Arp: {
            const auto& a = *decoded.arp;
            line.protocol = "ARP";
            line.addresses = decoded.src_mac.to_string() + " > " + decoded.dst_mac.to_string();
            if (a.operation == 1)
                line.summary = "who-has " + a.target_ip.to_string() + " tell " + a.sender_ip.to_string() +
                               (a.sender_ip.is_zero() ? " (probe)" : "");
            else if (a.operation == 2)
                line.summary = a.sender_ip.to_string() + " is-at " + a.sender_mac.to_string();
            else
                line.summary = "operation " + std::to_string(a.operation);
            return line;
        }
        case link::DecodedFrame::Kind::OtherIp: {
            // An ICMP error is shown when it quotes boot traffic: DHCP, 4011,
            // or TFTP (a request to 69, or a port of a transfer seen).
            if (!decoded.icmp || !decoded.icmp->quoted_udp) return std::nullopt;
            const auto& e = *decoded.icmp;
            const auto qsrc = std::make_pair(e.quoted_src_ip.value, e.quoted_src_port);
            const auto qdst = std::make_pair(e.quoted_dst_ip.value, e.quoted_dst_port);
            const auto service = wire::classify_udp(e.quoted_src_port, e.quoted_dst_port);
            if (service == wire::UdpService::Other && !tftp_clients_.count(qsrc) && !tftp_clients_.count(qdst))
                return std::nullopt;
            line.protocol = "ICMP";
            line.addresses = e.src_ip.to_string() + " > " + e.dst_ip.to_string();
            line.summary = link::describe(e) + " (type " + std::to_string(e.type) + " code " + std::to_string(e.code) +
                           "), quoting UDP " + endpoint(e.quoted_src_ip, e.quoted_src_port) + " > " +
                           endpoint(e.quoted_dst_ip, e.quoted_dst_port);
            return line;
        }
        case link::DecodedFrame::Kind::Malformed:
            line.protocol = "?";
            line.summary = "malformed frame (" + std::to_string(frame.size()) + " octets)";
            return line;
        default:
            return std::nullopt;
    }
}

std::optional<DecodedLine> FrameDecoder::decode_udp(DecodedLine line, const link::UdpDatagram& udp) {
    line.addresses = endpoint(udp.src_ip, udp.src_port) + " > " + endpoint(udp.dst_ip, udp.dst_port);
    const auto sp = udp.src_port, dp = udp.dst_port;
    auto add_payload_anomalies = [&](Anomalies& from) {
        for (auto& a : from) line.anomalies.push_back(std::move(a));
    };
    const auto service = wire::classify_udp(sp, dp);
    if (wire::carries_dhcp(service)) {
        auto d = wire::decode_dhcp(udp.payload);
        add_payload_anomalies(d.anomalies);
        line.protocol = service == wire::UdpService::PxeBootServer ? "PXEBS" : "DHCP";
        line.summary = d.header_complete ? wire::summarize(d.msg)
                                         : "BOOTP truncated (" + std::to_string(udp.payload.size()) + " octets)";
        if (!udp.complete) line.summary += " [cut by snaplen]";
        return line;
    }
    const auto src = std::make_pair(udp.src_ip.value, sp);
    const auto dst = std::make_pair(udp.dst_ip.value, dp);
    const bool to_tftp_server = service == wire::UdpService::TftpRequest;
    if (!to_tftp_server && !tftp_clients_.count(src) && !tftp_clients_.count(dst)) return std::nullopt;
    auto t = wire::decode_tftp(udp.payload);
    add_payload_anomalies(t.anomalies);
    if (to_tftp_server && (t.pkt.opcode == 1 || t.pkt.opcode == 2)) tftp_clients_.insert(src);
    line.protocol = "TFTP";
    line.summary = wire::summarize(t.pkt);
    if (!udp.complete) line.summary += " [cut by snaplen]";
    return line;
}

}  // namespace pxecheck::analyze
