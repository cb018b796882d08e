#include "pxecheck/analyze/boot.hpp"

#include <algorithm>
#include <set>

#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::analyze {

namespace {

OfferInfo offer_from(const Trace& trace, std::size_t index) {
    const Frame& f = trace.frames[index];
    const auto& m = *f.dhcp;
    OfferInfo o;
    o.frame_index = index;
    o.frame_number = f.number;
    o.xid = m.xid;
    o.type = m.message_type().value_or(wire::DhcpMessageType::Offer);
    o.src_mac = f.src_mac;
    o.src_ip = f.udp ? f.udp->src_ip : Ipv4Addr{};
    o.server_id = m.server_id().value_or(Ipv4Addr{});
    o.yiaddr = m.yiaddr;
    o.siaddr = m.siaddr;
    o.option66 = m.text_option(wire::opt::kTftpServerName);
    o.option67 = m.text_option(wire::opt::kBootfileName);
    o.file = m.file_field();
    if (o.file.empty() && o.option67) o.file = *o.option67;
    if (auto vc = m.joined(wire::opt::kVendorClass)) o.vendor_class_pxe = wire::parse_vendor_class(*vc).pxe;
    if (auto v43 = m.joined(wire::opt::kVendorSpecific); v43 && o.vendor_class_pxe) {
        auto pxe = wire::decode_pxe_options(*v43);
        o.has_pxe_options = !pxe.value.items.empty();
        o.has_menu = !pxe.value.menu.empty();
    }
    o.proxy = o.yiaddr.is_zero() && o.vendor_class_pxe;
    o.from_4011 = f.udp && f.udp->src_port == wire::kPxeBootServerPort;
    return o;
}

std::string strip_slash(std::string s) {
    while (!s.empty() && s.front() == '/') s.erase(s.begin());
    return s;
}

}  // namespace

std::optional<Ipv4Addr> OfferInfo::tftp_server() const {
    if (!siaddr.is_zero()) return siaddr;
    if (option66) {
        if (auto ip = Ipv4Addr::parse(*option66)) return ip;
    }
    return std::nullopt;
}

std::string to_string(BootPhase p) {
    switch (p) {
        case BootPhase::Silent: return "silent";
        case BootPhase::Discovering: return "discovering";
        case BootPhase::Offered: return "offered";
        case BootPhase::Requesting: return "requesting";
        case BootPhase::Bound: return "bound";
        case BootPhase::BootInfo: return "boot-info";
        case BootPhase::Downloading: return "downloading";
        case BootPhase::Downloaded: return "downloaded";
    }
    return "?";
}

std::string_view to_string(AttemptEnd e) {
    switch (e) {
        case AttemptEnd::None: return "";
        case AttemptEnd::Declined: return "declined";
        case AttemptEnd::Released: return "released";
        case AttemptEnd::Naked: return "nak";
    }
    return "";
}

BootPath reconstruct_boot(const Trace& trace, const ClientSession& session) {
    BootPath b;
    b.mac = session.mac;
    b.attempt = session.attempt;
    b.stage = session.stage;
    // An attempt of a later stage or of HTTP boot: its own DHCP tells how far
    // it got (the PXE fields stay the firmware's, which it has none of).
    const bool other_stage = session.stage == AttemptStage::LaterStage || session.stage == AttemptStage::HttpBoot;
    const ClientStage own = session.stage == AttemptStage::HttpBoot ? ClientStage::HttpBoot : ClientStage::LaterStage;
    std::set<std::uint32_t> firmware_xids, own_xids;
    std::optional<Ipv4Addr> requested_server;
    std::size_t requests = 0;  // the attempt's own REQUESTs on 67

    for (std::size_t idx : session.dhcp_frames) {
        const Frame& f = trace.frames[idx];
        if (!f.dhcp) continue;
        const auto& m = *f.dhcp;
        const auto type = m.message_type();
        const bool on_4011 = f.protocol == Protocol::BootServer;
        if (f.direction == Direction::FromClient) {
            if (type == wire::DhcpMessageType::Decline || type == wire::DhcpMessageType::Release) {
                b.end = type == wire::DhcpMessageType::Decline ? AttemptEnd::Declined : AttemptEnd::Released;
                b.end_frame = f.number;
            }
            if (frame_stage(f) != ClientStage::Firmware) {
                ++b.later_stage_requests;
                if (other_stage && frame_stage(f) == own) {
                    own_xids.insert(m.xid);
                    if (type == wire::DhcpMessageType::Request && !on_4011) ++requests;
                    if (type == wire::DhcpMessageType::Discover) {
                        ++b.discover_count;
                        if (!b.first_discover_ns) b.first_discover_ns = f.time_ns;
                    }
                }
                continue;
            }
            firmware_xids.insert(m.xid);
            if (type == wire::DhcpMessageType::Discover) {
                ++b.discover_count;
                if (!b.first_discover_ns) b.first_discover_ns = f.time_ns;
            } else if (type == wire::DhcpMessageType::Request && !on_4011 && m.ciaddr.is_zero()) {
                requested_server = m.server_id();
                ++requests;
            }
            continue;
        }
        if (f.direction == Direction::ToClient && type == wire::DhcpMessageType::Nak &&
            (firmware_xids.count(m.xid) || own_xids.count(m.xid))) {
            b.end = AttemptEnd::Naked;
            b.end_frame = f.number;
        }
        if (f.direction == Direction::ToClient && other_stage && own_xids.count(m.xid) && !on_4011) {
            if (type == wire::DhcpMessageType::Offer) {
                ++b.offer_count;
                if (!b.first_offer_ns) b.first_offer_ns = f.time_ns;
            } else if (type == wire::DhcpMessageType::Ack && !m.yiaddr.is_zero()) {
                b.lease = offer_from(trace, idx);
                if (!b.ack_ns) b.ack_ns = f.time_ns;
            } else if (type == wire::DhcpMessageType::Nak) {
                b.nak_frames.push_back(idx);
            }
            continue;
        }
        if (f.direction != Direction::ToClient || !firmware_xids.count(m.xid)) continue;
        if (type == wire::DhcpMessageType::Offer && !on_4011) {
            auto o = offer_from(trace, idx);
            if (!b.first_offer_ns) b.first_offer_ns = f.time_ns;
            if (o.proxy && !b.proxy_offer) b.proxy_offer = o;
            b.offers.push_back(std::move(o));
        } else if (type == wire::DhcpMessageType::Ack && on_4011) {
            b.bootserver_ack = offer_from(trace, idx);
            b.bootserver_4011 = true;
        } else if (type == wire::DhcpMessageType::Ack && !m.yiaddr.is_zero()) {
            b.ack = offer_from(trace, idx);
            if (!b.ack_ns) b.ack_ns = f.time_ns;
        } else if (type == wire::DhcpMessageType::Ack && !b.proxy_offer) {
            // A proxy's ACK on port 67 (to a ProxyDHCPREQUEST broadcast).
            auto o = offer_from(trace, idx);
            if (o.proxy) b.proxy_offer = std::move(o);
        } else if (type == wire::DhcpMessageType::Nak) {
            b.nak_frames.push_back(idx);
        }
    }

    if (requested_server) {
        for (std::size_t i = 0; i < b.offers.size(); ++i) {
            if (!b.offers[i].proxy && b.offers[i].server_id == *requested_server) {
                b.chosen = i;
                break;
            }
        }
    }
    b.proxy_used = b.proxy_offer.has_value() && (b.bootserver_4011 || !b.ack || !b.ack->names_file());

    // The reply that governs booting (PXE 2.1 ch.2): boot server ACK, then a
    // proxy offer with boot information, then the DHCP ACK, then the offer.
    if (b.bootserver_ack) b.governing = b.bootserver_ack;
    else if (b.proxy_offer && b.proxy_offer->names_file() && b.proxy_used) b.governing = b.proxy_offer;
    else if (b.ack && b.ack->names_file()) b.governing = b.ack;
    else if (b.chosen && b.offers[*b.chosen].names_file()) b.governing = b.offers[*b.chosen];
    else if (b.ack) b.governing = b.ack;

    if (b.governing) {
        b.boot_server = b.governing->tftp_server();
        b.bootfile = b.governing->file;
    }

    // The firmware's boot-file transfers: the first read of the governing
    // file, and repeats of it (UEFI size probes re-request the same name).
    const std::string want = strip_slash(b.bootfile);
    for (std::size_t ti : session.transfers) {
        const auto& t = trace.transfers[ti];
        if (!want.empty() && strip_slash(t.filename) == want) b.boot_transfers.push_back(ti);
    }

    if (other_stage) {
        if (b.lease) b.phase = BootPhase::Bound;
        else if (b.offer_count) b.phase = BootPhase::Offered;
        else if (b.discover_count) b.phase = BootPhase::Discovering;
        else if (requests) b.phase = BootPhase::Requesting;
        return b;
    }
    b.offer_count = b.offers.size();
    b.lease = b.ack;
    if (b.discover_count == 0 && requests == 0 && b.offers.empty() && !b.ack) b.phase = BootPhase::Silent;
    else if (b.offers.empty() && !b.ack) b.phase = b.discover_count ? BootPhase::Discovering : BootPhase::Requesting;
    else if (!b.ack) b.phase = BootPhase::Offered;
    else b.phase = BootPhase::Bound;
    if (b.governing && b.governing->names_file() && b.boot_server) {
        b.phase = BootPhase::BootInfo;
        b.boot_info_ns = trace.frames[b.governing->frame_index].time_ns;
    }
    for (std::size_t ti : b.boot_transfers) {
        const auto& t = trace.transfers[ti];
        if (!b.tftp_start_ns) b.tftp_start_ns = t.start_ns;
        b.phase = std::max(b.phase, BootPhase::Downloading);
        if (t.complete && !t.error) {
            b.phase = BootPhase::Downloaded;
            b.tftp_end_ns = t.end_ns;
        }
    }
    return b;
}

}  // namespace pxecheck::analyze
