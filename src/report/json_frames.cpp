// The report's `frames` array (docs/report-schema.md): every kept frame of the
// trace, plus each run of TFTP DATA/ACK lock-step collapsed into one entry,
// so that the HTML/Markdown ladders can be drawn from the JSON alone.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "json_parts.hpp"
#include "pxecheck/report/report.hpp"

namespace pxecheck::report {

using nlohmann::json;

namespace {

std::string protocol_name(analyze::Protocol p) {
    switch (p) {
        case analyze::Protocol::Dhcp: return "dhcp";
        case analyze::Protocol::BootServer: return "bootserver";
        case analyze::Protocol::Tftp: return "tftp";
        case analyze::Protocol::Arp: return "arp";
        case analyze::Protocol::Icmp: return "icmp";
        case analyze::Protocol::Other: return "other";
    }
    return "other";
}

std::string direction_name(analyze::Direction d) {
    switch (d) {
        case analyze::Direction::FromClient: return "from_client";
        case analyze::Direction::ToClient: return "to_client";
        case analyze::Direction::Unknown: return "unknown";
    }
    return "unknown";
}

/// "mac/ip:port", "mac/ip", "ip:port" or "mac": whatever the frame has. The
/// MAC is left out where the link layer has none (raw IP, NULL).
std::string endpoint(const MacAddr& mac, std::optional<Ipv4Addr> ip, std::optional<std::uint16_t> port) {
    std::string s = mac.is_zero() ? "" : mac.to_string();
    if (ip) {
        if (!s.empty()) s += "/";
        s += ip->to_string();
        if (port) s += ":" + std::to_string(*port);
    }
    return s.empty() ? "?" : s;
}

std::string quoted(std::string_view text, std::size_t max = 40) {
    std::string out = printable(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (out.size() > max) out = out.substr(0, max - 3) + "...";
    return "\"" + out + "\"";
}

/// A short phrase for diagrams: the message and the one value that matters.
std::string label_of(const analyze::Frame& f) {
    if (f.dhcp) {
        const auto& m = *f.dhcp;
        std::string s = f.protocol == analyze::Protocol::BootServer ? "PXE " : "DHCP ";
        if (auto t = m.message_type()) s += wire::to_string(*t);
        else s += m.op == 1 ? "BOOTP REQUEST" : "BOOTP REPLY";
        const auto type = m.message_type();
        if (m.op == 2) {
            if (!m.yiaddr.is_zero()) s += " " + m.yiaddr.to_string();
            else if (type == wire::DhcpMessageType::Offer && f.protocol == analyze::Protocol::Dhcp) s += " (proxy)";
            std::string file = m.file_field();
            if (file.empty()) file = m.text_option(wire::opt::kBootfileName).value_or("");
            if (!file.empty()) s += " " + quoted(file, 32);
        } else if (type == wire::DhcpMessageType::Request) {
            if (auto r = m.requested_address()) s += " " + r->to_string();
            else if (!m.ciaddr.is_zero()) s += " " + m.ciaddr.to_string();
        }
        return s;
    }
    if (f.tftp) {
        const auto& t = *f.tftp;
        switch (t.op().value_or(wire::TftpOpcode::Rrq)) {
            case wire::TftpOpcode::Rrq:
            case wire::TftpOpcode::Wrq:
                return "TFTP " + wire::to_string(static_cast<wire::TftpOpcode>(t.opcode)) + " " + quoted(t.filename, 36);
            case wire::TftpOpcode::Error:
                return "TFTP ERROR " + std::to_string(t.error_code) + " " + quoted(t.error_message, 30);
            default:
                return "TFTP " + wire::summarize(t);
        }
    }
    if (f.arp) {
        const auto& a = *f.arp;
        if (a.operation == 1) return "ARP who-has " + a.target_ip.to_string() + (a.sender_ip.is_zero() ? " (probe)" : "");
        if (a.operation == 2) return "ARP " + a.sender_ip.to_string() + " is-at";
        return "ARP op " + std::to_string(a.operation);
    }
    if (f.icmp) return "ICMP " + link::describe(*f.icmp);
    if (f.udp) return "UDP " + std::to_string(f.udp->src_port) + " > " + std::to_string(f.udp->dst_port);
    return "malformed frame";
}

std::string summary_of(const analyze::Frame& f) {
    std::string s;
    if (f.dhcp) s = wire::summarize(*f.dhcp);
    else if (f.tftp) s = "TFTP " + wire::summarize(*f.tftp);
    else if (f.arp) {
        const auto& a = *f.arp;
        s = a.operation == 1   ? "ARP who-has " + a.target_ip.to_string() + " tell " + a.sender_ip.to_string() +
                                     (a.sender_ip.is_zero() ? " (probe)" : "")
            : a.operation == 2 ? "ARP " + a.sender_ip.to_string() + " is-at " + a.sender_mac.to_string()
                               : "ARP operation " + std::to_string(a.operation);
    } else if (f.icmp) {
        const auto& e = *f.icmp;
        s = fmt::format("ICMP {} (type {} code {}) from {}, quoting UDP {}:{} > {}:{}", link::describe(e), e.type,
                        e.code, e.src_ip.to_string(), e.quoted_src_ip.to_string(), e.quoted_src_port,
                        e.quoted_dst_ip.to_string(), e.quoted_dst_port);
    } else if (f.udp && f.protocol != analyze::Protocol::Other) {
        s = fmt::format("BOOTP truncated ({} octets)", f.udp->payload.size());
    } else {
        s = fmt::format("malformed frame ({} octets)", f.raw.size());
    }
    if (f.udp && !f.udp->complete) s += " [cut by snaplen]";
    return s;
}

void write_anomalies(detail::PrettyWriter& w, const Anomalies& list) {
    w.begin_array();
    for (const auto& a : list) {
        w.begin_object();
        w.key("detail"), w.string(a.detail);
        w.key("id"), w.string(a.id);
        w.key("offset"), w.unsigned_number(a.offset);
        w.end_object();
    }
    w.end_array();
}

double ms_since(std::int64_t origin, std::int64_t t) { return static_cast<double>(t - origin) / 1e6; }

/// The session each kept frame belongs to: chaddr for DHCP, the ARP owner for
/// ARP, the requesting client for TFTP.
std::vector<std::optional<std::string>> clients_of(const analyze::Trace& trace) {
    std::vector<std::optional<std::string>> out(trace.frames.size());
    for (const auto& s : trace.sessions) {
        for (auto i : s.dhcp_frames)
            if (i < out.size()) out[i] = s.mac.to_string();
        for (auto i : s.arp_frames)
            if (i < out.size()) out[i] = s.mac.to_string();
    }
    // A client address and port come back in a long capture (the pool hands
    // the address to the next machine, the ROM picks the same port): a TFTP
    // frame belongs to the transfer of its address and port requested last
    // before it, not to the first one ever seen.
    std::map<std::pair<Ipv4Addr, std::uint16_t>, std::map<std::size_t, MacAddr>> tftp_clients;
    for (const auto& t : trace.transfers)
        tftp_clients[std::make_pair(t.client_ip, t.client_port)].emplace(t.request_frame, t.client_mac);
    auto owner = [&](Ipv4Addr ip, std::uint16_t port, std::size_t number) -> const MacAddr* {
        auto it = tftp_clients.find({ip, port});
        if (it == tftp_clients.end()) return nullptr;
        auto at = it->second.upper_bound(number);  // first request after the frame
        if (at != it->second.begin()) --at;        // the last at or before it (else the first)
        return &at->second;
    };
    // An ICMP error belongs to the transfer whose datagram it quotes.
    std::map<std::size_t, const MacAddr*> icmp_clients;
    for (const auto& t : trace.transfers)
        if (t.unreachable) icmp_clients[t.unreachable->frame] = &t.client_mac;
    for (std::size_t i = 0; i < trace.frames.size(); ++i) {
        const auto& f = trace.frames[i];
        if (!out[i] && f.icmp)
            if (auto it = icmp_clients.find(f.number); it != icmp_clients.end() && !it->second->is_zero())
                out[i] = it->second->to_string();
        if (out[i] || !f.udp || f.protocol != analyze::Protocol::Tftp) continue;
        const MacAddr* mac = owner(f.udp->src_ip, f.udp->src_port, f.number);
        if (!mac) mac = owner(f.udp->dst_ip, f.udp->dst_port, f.number);
        if (mac && !mac->is_zero()) out[i] = mac->to_string();
    }
    return out;
}

bool is_data_or_ack(std::uint16_t opcode) {
    return opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Data) ||
           opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Ack);
}

/// The unbroken runs of DATA and ACK events of \p t as [begin, end) event
/// indices: frames[] lists each run as one entry.
std::vector<std::pair<std::size_t, std::size_t>> bulk_runs(const analyze::TftpTransfer& t) {
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t i = 0; i < t.events.size();) {
        if (!is_data_or_ack(t.events[i].opcode)) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < t.events.size() && is_data_or_ack(t.events[j].opcode)) ++j;
        runs.emplace_back(i, j);
        i = j;
    }
    return runs;
}

}  // namespace

namespace detail {

std::size_t frame_entry_count(const analyze::Trace& trace) {
    // As frame_entries() lists them: each kept frame, and each run of DATA
    // and ACK events within a transfer.
    std::size_t n = trace.frames.size();
    for (const auto& t : trace.transfers) n += bulk_runs(t).size();
    return n;
}

std::vector<std::pair<std::size_t, std::string>> frame_entries(const analyze::Trace& trace, int indent) {
    const std::int64_t origin = trace.first_time_ns;
    // Where the MAC of an address is known (for the collapsed TFTP runs, whose
    // frames the trace does not keep).
    std::map<Ipv4Addr, MacAddr> mac_of;
    for (const auto& f : trace.frames) {
        if (f.udp && !f.udp->src_ip.is_zero() && !f.src_mac.is_zero()) mac_of.emplace(f.udp->src_ip, f.src_mac);
        if (f.arp && !f.arp->sender_ip.is_zero()) mac_of.emplace(f.arp->sender_ip, f.arp->sender_mac);
    }
    for (const auto& t : trace.transfers)
        if (!t.client_mac.is_zero()) mac_of.emplace(t.client_ip, t.client_mac);
    auto mac_for = [&](Ipv4Addr ip) {
        auto it = mac_of.find(ip);
        return it == mac_of.end() ? MacAddr{} : it->second;
    };

    const std::vector<std::optional<std::string>> clients = clients_of(trace);
    std::vector<std::pair<std::size_t, std::string>> entries;
    std::string text;
    for (std::size_t i = 0; i < trace.frames.size(); ++i) {
        const auto& f = trace.frames[i];
        std::string src, dst;
        if (f.udp) {
            src = endpoint(f.src_mac, f.udp->src_ip, f.udp->src_port);
            dst = endpoint(f.dst_mac, f.udp->dst_ip, f.udp->dst_port);
        } else if (f.arp) {
            src = endpoint(f.src_mac, f.arp->sender_ip, std::nullopt);
            dst = endpoint(f.dst_mac, f.arp->target_ip, std::nullopt);
        } else {
            src = endpoint(f.src_mac, std::nullopt, std::nullopt);
            dst = endpoint(f.dst_mac, std::nullopt, std::nullopt);
        }
        // Members in nlohmann's (byte) order of their keys.
        text.clear();
        PrettyWriter w(text, indent);
        w.begin_object();
        w.key("anomalies"), write_anomalies(w, f.anomalies);
        w.key("client_mac");
        if (clients[i]) w.string(*clients[i]);
        else w.null();
        w.key("direction"), w.string(direction_name(f.direction));
        w.key("dst"), w.string(dst);
        w.key("hex"), w.hex_string(f.raw);
        w.key("label"), w.string(label_of(f));
        w.key("last_number"), w.unsigned_number(f.number);
        w.key("length"), w.unsigned_number(f.original_length);
        w.key("number"), w.unsigned_number(f.number);
        w.key("protocol"), w.string(protocol_name(f.protocol));
        w.key("run"), w.null();
        w.key("src"), w.string(src);
        w.key("summary"), w.string(summary_of(f));
        w.key("time_ms"), w.real(ms_since(origin, f.time_ns));
        w.end_object();
        entries.emplace_back(f.number, text);
    }

    // TFTP DATA/ACK: one entry per unbroken run of them within a transfer.
    for (const auto& t : trace.transfers) {
        const MacAddr server_mac = mac_for(t.server_ip);
        for (const auto& [i, end] : bulk_runs(t)) {
            std::size_t data = 0, acks = 0, retrans = 0;
            std::uint64_t octets = 0;
            std::optional<std::uint16_t> first_block, last_block, first_ack, last_ack;
            bool data_from_client = false;
            for (std::size_t j = i; j < end; ++j) {
                const auto& e = t.events[j];
                if (e.opcode == static_cast<std::uint16_t>(wire::TftpOpcode::Data)) {
                    if (last_block && *last_block == e.block) {
                        ++retrans;
                    } else {
                        octets += e.size;
                    }
                    if (!first_block) {
                        first_block = e.block;
                        data_from_client = e.from_client;
                    }
                    last_block = e.block;
                    ++data;
                } else {
                    if (!first_ack) first_ack = e.block;
                    last_ack = e.block;
                    ++acks;
                }
            }
            const auto& first = t.events[i];
            const auto& last = t.events[end - 1];
            // The run's arrow points the way the data flows (server to client
            // for a read); a run of ACKs alone points the way the ACKs went.
            const bool from_client = data ? data_from_client : first.from_client;
            const std::uint16_t server_port = first.from_client ? first.dst_port : first.src_port;
            const std::string client_ep = endpoint(t.client_mac, t.client_ip, t.client_port);
            const std::string server_ep = endpoint(server_mac, t.server_ip, server_port);
            std::string label;
            if (data) {
                label = *first_block == *last_block ? fmt::format("DATA {}", *first_block)
                                                    : fmt::format("DATA {}-{}", *first_block, *last_block);
                if (acks) label += " / ACK";
            } else {
                label = *first_ack == *last_ack ? fmt::format("ACK {}", *first_ack)
                                                : fmt::format("ACK {}-{}", *first_ack, *last_ack);
            }
            std::string summary = "TFTP " + label;
            if (data) summary += fmt::format(", {} octets", octets);
            if (retrans) summary += fmt::format(", {} repeated block(s)", retrans);
            summary += fmt::format(" ({} frames, \"{}\")", end - i, t.filename);
            text.clear();
            PrettyWriter w(text, indent);
            w.begin_object();
            w.key("anomalies"), w.begin_array(), w.end_array();
            w.key("client_mac");
            if (t.client_mac.is_zero()) w.null();
            else w.string(t.client_mac.to_string());
            w.key("direction"), w.string(from_client ? "from_client" : "to_client");
            w.key("dst"), w.string(from_client ? server_ep : client_ep);
            w.key("hex"), w.null();
            w.key("label"), w.string("TFTP " + label);
            w.key("last_number"), w.unsigned_number(last.frame);
            w.key("length"), w.null();
            w.key("number"), w.unsigned_number(first.frame);
            w.key("protocol"), w.string("tftp");
            w.key("run"), w.begin_object();
            w.key("acks"), w.unsigned_number(acks);
            w.key("data"), w.unsigned_number(data);
            w.key("duration_ms"), w.real(ms_since(first.time_ns, last.time_ns));
            w.key("file"), w.string(t.filename);
            w.key("first_block");
            if (first_block) w.unsigned_number(*first_block);
            else w.null();
            w.key("frames"), w.unsigned_number(end - i);
            w.key("last_block");
            if (last_block) w.unsigned_number(*last_block);
            else w.null();
            w.key("octets"), w.unsigned_number(octets);
            w.key("repeated"), w.unsigned_number(retrans);
            w.end_object();
            w.key("src"), w.string(from_client ? client_ep : server_ep);
            w.key("summary"), w.string(summary);
            w.key("time_ms"), w.real(ms_since(origin, first.time_ns));
            w.end_object();
            entries.emplace_back(first.frame, text);
        }
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return entries;
}

}  // namespace detail

json frames_json(const analyze::Trace& trace) {
    auto entries = detail::frame_entries(trace, 0);
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(entries.size());
    for (auto& e : entries) {
        out.push_back(json::parse(e.second));
        std::string().swap(e.second);  // the text goes as its value comes
    }
    return out;
}

}  // namespace pxecheck::report
