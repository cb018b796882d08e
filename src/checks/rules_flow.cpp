// Boot-flow rules (FLOW-001..006, 010): what disputes hinge on, read across
// messages rather than inside one: who answered a DISCOVER, who ignored
// whom, which side of a TFTP transfer went silent. Each finding says who
// must change and why, with the values seen.

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "context.hpp"
#include "pxecheck/wire/pxe.hpp"
#include "tftp_common.hpp"

namespace pxecheck::checks::detail {

namespace {

using namespace tftp;
using analyze::ClientStage;
using analyze::Direction;
using analyze::Frame;
using wire::DhcpMessageType;

/// A server's OFFER (or ACK) as a boot source.
struct Reply {
    const Frame* frame = nullptr;
    std::uint32_t xid = 0;
    Ipv4Addr server;  ///< option 54, else the IP source
    Ipv4Addr yiaddr;
    std::string file; ///< file field, else option 67
    std::optional<Ipv4Addr> tftp_server;
    bool pxe = false;   ///< option 60 PXEClient
    bool http = false;  ///< option 60 HTTPClient
    bool pxe_options = false;

    [[nodiscard]] bool address() const { return !yiaddr.is_zero(); }
    [[nodiscard]] bool boot_info() const { return !file.empty() || pxe; }
    /// "file "pxelinux.0" on 192.168.14.200", "no boot file", ...
    [[nodiscard]] std::string boot_text() const {
        if (file.empty()) return pxe ? "PXE options, no boot file" : "no boot file";
        return "file " + in_quotes(file) + (tftp_server ? " on " + ip_text(*tftp_server) : ", no server to fetch it from");
    }
};

Reply reply_of(const Frame& f) {
    const auto& m = *f.dhcp;
    Reply r;
    r.frame = &f;
    r.xid = m.xid;
    r.server = m.server_id().value_or(f.udp ? f.udp->src_ip : Ipv4Addr{});
    r.yiaddr = m.yiaddr;
    r.file = m.file_field();
    if (r.file.empty()) r.file = m.text_option(wire::opt::kBootfileName).value_or("");
    if (!m.siaddr.is_zero()) r.tftp_server = m.siaddr;
    else if (auto o66 = m.text_option(wire::opt::kTftpServerName)) r.tftp_server = Ipv4Addr::parse(*o66);
    if (auto vc = m.joined(wire::opt::kVendorClass)) {
        const auto parsed = wire::parse_vendor_class(*vc);
        r.pxe = parsed.pxe;
        r.http = parsed.http;
    }
    r.pxe_options = r.pxe && m.find(wire::opt::kVendorSpecific) != nullptr;
    return r;
}

/// "0.4 s later", or "right there" when the capture stops with the packet.
std::string ends_in(std::int64_t left) {
    return left < kMs ? std::string("right there") : duration(left) + " later";
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string stage_name(ClientStage s) {
    switch (s) {
        case ClientStage::Firmware: return "PXE firmware";
        case ClientStage::LaterStage: return "later-stage";
        case ClientStage::HttpBoot: return "UEFI HTTP boot";
    }
    return "?";
}

/// One client stage's DHCP: its DISCOVERs, REQUESTs and the OFFERs to its xids.
struct Stage {
    ClientStage stage = ClientStage::Firmware;
    std::vector<const Frame*> discovers;
    std::vector<const Frame*> requests;
    std::vector<Reply> offers;
    std::set<std::uint32_t> xids;
};

struct Dhcp {
    std::vector<Stage> stages;
    std::vector<Reply> stray_offers;  ///< OFFERs to this MAC with an xid no request used
};

Dhcp dhcp_of(const Context& ctx, const analyze::ClientSession& s) {
    Dhcp d;
    auto stage = [&](ClientStage cs) -> Stage& {
        for (auto& st : d.stages)
            if (st.stage == cs) return st;
        d.stages.push_back(Stage{cs, {}, {}, {}, {}});
        return d.stages.back();
    };
    for (std::size_t idx : s.dhcp_frames) {
        const Frame& f = ctx.frame(idx);
        if (!f.dhcp || f.direction != Direction::FromClient || f.protocol != analyze::Protocol::Dhcp) continue;
        const auto type = f.dhcp->message_type();
        if (type != DhcpMessageType::Discover && type != DhcpMessageType::Request) continue;
        auto& st = stage(analyze::frame_stage(f));
        st.xids.insert(f.dhcp->xid);
        (type == DhcpMessageType::Discover ? st.discovers : st.requests).push_back(&f);
    }
    for (std::size_t idx : s.dhcp_frames) {
        const Frame& f = ctx.frame(idx);
        if (!f.dhcp || f.direction != Direction::ToClient || f.protocol != analyze::Protocol::Dhcp) continue;
        if (f.dhcp->message_type() != DhcpMessageType::Offer) continue;
        bool placed = false;
        for (auto& st : d.stages) {
            if (st.xids.count(f.dhcp->xid)) {
                st.offers.push_back(reply_of(f));
                placed = true;
                break;
            }
        }
        if (!placed) d.stray_offers.push_back(reply_of(f));
    }
    return d;
}

std::size_t session_index(const Context& ctx, const analyze::ClientSession& s) {
    return static_cast<std::size_t>(&s - ctx.trace.sessions.data());
}

/// True when the machine's PXE firmware got its boot file: in this attempt,
/// or in an earlier attempt of the same machine (a later stage's DHCP is an
/// attempt of its own).
bool firmware_downloaded(const Context& ctx, const analyze::ClientSession& s) {
    return ctx.boots[session_index(ctx, s)].phase == analyze::BootPhase::Downloaded || !s.earlier.downloaded.empty();
}

/// FLOW-001: several DHCP servers made address offers to the same DISCOVER.
void flow_001(const Context& ctx, Sink& sink) {
    for (const auto& s : ctx.trace.sessions) {
        const Dhcp d = dhcp_of(ctx, s);
        std::map<Ipv4Addr, Reply> servers;
        std::vector<std::size_t> frames;
        std::optional<Ipv4Addr> chosen;
        for (const auto& st : d.stages) {
            std::map<std::uint32_t, std::map<Ipv4Addr, std::vector<const Reply*>>> by_xid;
            for (const auto& o : st.offers)
                if (o.address()) by_xid[o.xid][o.server].push_back(&o);
            for (const auto& [xid, per_server] : by_xid) {
                if (per_server.size() < 2) continue;
                for (const auto& [server, offers] : per_server) {
                    servers.try_emplace(server, *offers.front());
                    for (const auto* o : offers) frames.push_back(o->frame->number);
                }
            }
            for (const auto* r : st.requests)
                if (auto sid = r->dhcp->server_id(); sid && !chosen) chosen = sid;
        }
        if (servers.size() < 2) continue;
        const Reply& first = servers.begin()->second;
        bool agree = true;
        std::string list;
        for (const auto& [server, o] : servers) {
            if (o.file != first.file || o.tftp_server != first.tftp_server) agree = false;
            list += (list.empty() ? "" : "; ") + ip_text(server) + " (address " + ip_text(o.yiaddr) + ", " +
                    o.boot_text() + ")";
        }
        std::string detail = std::to_string(servers.size()) + " DHCP servers offered addresses to the same DISCOVER: " +
                             list + (agree ? "; they agree on the boot server and file"
                                           : "; they disagree on the boot server or file, so which one boots the "
                                             "client is chance");
        if (chosen && servers.count(*chosen)) detail += "; the client took " + ip_text(*chosen);
        sink.add("FLOW-001", Blame::Network, detail, frames, s.mac, agree ? Severity::Warn : Severity::Fail);
    }
}

/// FLOW-002: a client's DISCOVERs got no OFFER at all.
void flow_002(const Context& ctx, Sink& sink) {
    for (const auto& s : ctx.trace.sessions) {
        const Dhcp d = dhcp_of(ctx, s);
        // Offers to another stage of this machine: in this attempt, or in an
        // earlier one (each stage's DHCP is an attempt of its own).
        const bool others_offered =
            s.earlier.offered ||
            std::any_of(d.stages.begin(), d.stages.end(), [](const Stage& st) { return !st.offers.empty(); });
        for (const auto& st : d.stages) {
            if (st.discovers.empty() || !st.offers.empty()) continue;
            std::vector<std::size_t> frames;
            for (const auto* f : st.discovers) frames.push_back(f->number);
            const auto first_t = st.discovers.front()->time_ns;
            const auto last_t = st.discovers.back()->time_ns;
            std::string detail = std::to_string(st.discovers.size()) + " " + stage_name(st.stage) + " DISCOVER" +
                                 (st.discovers.size() == 1 ? "" : "s") +
                                 (st.discovers.size() > 1 ? " over " + duration(last_t - first_t) : "") +
                                 " got no OFFER";
            Blame blame = Blame::Network;
            std::optional<Severity> severity;
            if (!d.stray_offers.empty()) {
                blame = Blame::Master;
                std::set<std::string> xids;
                for (const auto& o : d.stray_offers) {
                    xids.insert(hex32(o.xid));
                    frames.push_back(o.frame->number);
                }
                std::string xs;
                for (const auto& x : xids) xs += (xs.empty() ? "" : ", ") + x;
                detail += "; OFFERs to this MAC carried xid " + xs + ", which no DISCOVER used (sent " +
                          hex32(st.discovers.front()->dhcp->xid) + ")";
            } else if (st.stage != ClientStage::Firmware && others_offered) {
                blame = Blame::Config;
                detail += "; the servers answered this client's PXE firmware but not its " + stage_name(st.stage) +
                          " requests (no option 60 PXEClient)";
                if (st.stage == ClientStage::HttpBoot && firmware_downloaded(ctx, s)) severity = Severity::Info;
            } else {
                detail += "; nothing answered: no DHCP server on this segment, or the path drops broadcasts (relay, VLAN, "
                          "firewall)";
            }
            const auto left = left_after(ctx.trace, last_t);
            if (st.discovers.size() == 1 && left < kSilence) {
                severity = Severity::Info;
                detail += "; the capture ends " + ends_in(left) + ", so it may just end";
            }
            sink.add("FLOW-002", blame, detail, frames, s.mac, severity);
        }
    }
}

/// FLOW-003: OFFERs arrived, the client never sent a REQUEST and kept
/// DISCOVERing: which offers it ignored and the likely reason.
void flow_003(const Context& ctx, Sink& sink) {
    for (const auto& s : ctx.trace.sessions) {
        const Dhcp d = dhcp_of(ctx, s);
        for (const auto& st : d.stages) {
            if (st.offers.empty() || !st.requests.empty()) continue;
            const auto first_offer = std::min_element(st.offers.begin(), st.offers.end(), [](const Reply& a, const Reply& b) {
                                         return a.frame->number < b.frame->number;
                                     })->frame->number;
            std::vector<std::size_t> frames;
            std::size_t later = 0;
            for (const auto* f : st.discovers)
                if (f->number > first_offer) {
                    ++later;
                    frames.push_back(f->number);
                }
            if (later == 0) continue;
            const bool asked_broadcast = std::any_of(st.discovers.begin(), st.discovers.end(),
                                                     [](const Frame* f) { return f->dhcp->broadcast_flag(); });
            std::map<Ipv4Addr, const Reply*> by_server;
            for (const auto& o : st.offers) {
                frames.push_back(o.frame->number);
                by_server.try_emplace(o.server, &o);
            }
            std::string list;
            for (const auto& [server, o] : by_server)
                list += (list.empty() ? "" : ", ") + ip_text(server) + " (" +
                        (o->address() ? "address " + ip_text(o->yiaddr) : std::string("proxy")) + ", " +
                        o->boot_text() + ")";

            // The likely reason, the master's delivery first.
            std::string reason;
            Blame blame = Blame::Nic;
            const Reply* wrong_mac = nullptr;
            const Reply* unicast = nullptr;
            for (const auto& o : st.offers) {
                const auto& dst = o.frame->dst_mac;
                if (!dst.is_broadcast() && dst != s.mac && !dst.is_zero()) wrong_mac = &o;
                else if (asked_broadcast && !dst.is_broadcast()) unicast = &o;
            }
            const bool any_boot = std::any_of(st.offers.begin(), st.offers.end(),
                                              [](const Reply& o) { return o.boot_info(); });
            const bool any_http = std::any_of(st.offers.begin(), st.offers.end(), [](const Reply& o) {
                return o.http && (o.file.rfind("http://", 0) == 0 || o.file.rfind("https://", 0) == 0);
            });
            if (wrong_mac) {
                blame = Blame::Master;
                reason = "the OFFER from " + ip_text(wrong_mac->server) + " went to MAC " +
                         wrong_mac->frame->dst_mac.to_string() + ", not the client's";
            } else if (unicast) {
                blame = Blame::Master;
                reason = "the client asked for broadcast replies (flag B) but the OFFER from " + ip_text(unicast->server) +
                         " was unicast, which a NIC without an address may not receive";
            } else if (st.stage == ClientStage::Firmware && !any_boot) {
                blame = Blame::Config;
                reason = "no offer carries boot information (file or PXEClient options) and no proxyDHCP answered; a "
                         "PXE ROM keeps waiting for boot information";
            } else if (st.stage == ClientStage::HttpBoot && !any_http) {
                blame = Blame::Config;
                reason = "UEFI HTTP boot takes only offers with option 60 HTTPClient and a URI as the boot file";
            } else {
                blame = st.stage == ClientStage::Firmware ? Blame::Nic : Blame::Config;
                reason = "the offers look usable, so the client ignored them";
            }
            std::optional<Severity> severity;
            if (st.stage == ClientStage::HttpBoot && firmware_downloaded(ctx, s)) severity = Severity::Info;
            sink.add("FLOW-003", blame,
                     stage_name(st.stage) + " client sent " + std::to_string(later) + " more DISCOVER" +
                         (later == 1 ? "" : "s") + " after OFFERs from " + list + " and no REQUEST: " + reason,
                     frames, s.mac, severity);
        }
    }
}

/// FLOW-004: an unfinished TFTP transfer, and the side that went silent (or
/// the ERROR that ended it).
void flow_004(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    const auto searches = config_searches(tr);
    for (std::size_t ti = 0; ti < tr.transfers.size(); ++ti) {
        const auto& t = tr.transfers[ti];
        if (t.complete || !server_answered(t)) continue;  // unanswered: FLOW-006
        if (probe_rerequest(tr, ti)) continue;            // TFTP-027
        if (not_found(t) && search_of(searches, ti)) continue;  // TFTP-028
        const auto retry = later_complete(tr, ti);
        std::vector<std::size_t> frames{t.request_frame};
        std::string detail;
        Blame blame = Blame::Master;
        std::optional<Severity> severity;

        if (t.error) {
            frames.push_back(t.error->frame);
            const std::string err = "ERROR " + std::to_string(t.error->code) + " " + in_quotes(t.error->message);
            if (!t.error->from_client) {
                detail = "server " + ip_text(t.server_ip) + " answered " + request_name(t) + " with " + err;
                if (not_found(t)) {
                    blame = Blame::Config;
                    detail += ": the file is not on the TFTP server, or the name the client was given is wrong";
                } else if (t.error->code == 2) {
                    blame = Blame::Config;
                    detail += ": the file's permissions or the server's root refuse it";
                } else {
                    // An ERROR that answers a client packet with an opcode
                    // outside 1-6 was the client's doing (TFTP-012 judges the code).
                    const Event* before = nullptr;
                    for (const auto& e : t.events) {
                        if (e.frame >= t.error->frame) break;
                        if (e.from_client) before = &e;
                    }
                    if (before && before->opcode > 6) {
                        blame = client_blame(ctx, ti);
                        frames.push_back(before->frame);
                        detail += " after the client sent unknown opcode " + std::to_string(before->opcode);
                    }
                }
            } else {
                blame = client_blame(ctx, ti);
                detail = "the client ended " + request_name(t) + " with " + err + " after " + std::to_string(t.bytes) +
                         " octets";
            }
        } else {
            // The last packet on the TID pair, and who sent it.
            const Event* last = nullptr;
            const Event* last_data = nullptr;
            std::size_t repeats = 0;
            for (const auto& e : t.events) {
                if (!on_tids(t, e)) continue;
                if (last && e.from_client == last->from_client && e.opcode == last->opcode && e.block == last->block)
                    ++repeats;
                else
                    repeats = 0;
                last = &e;
                if (is_data(t, e)) last_data = &e;
            }
            if (!last) continue;
            frames.push_back(last->frame);
            const std::string sender = last->from_client ? "the client's" : "the server's";
            const std::string left = duration(left_after(tr, last->time_ns));
            const std::string times = repeats ? " (sent " + std::to_string(repeats + 1) + " times)" : "";
            std::string data_note;
            if (last_data && last_data != last)
                data_note = "DATA " + std::to_string(last_data->block) + " (" + std::to_string(last_data->size) +
                            " octets) at " + at(tr, last_data->time_ns) + " was the last DATA; ";
            if (is(*last, wire::TftpOpcode::Ack)) {
                detail = request_name(t) + ": " + data_note + sender + " ACK " + std::to_string(last->block) + times +
                         " got no DATA " + std::to_string(static_cast<std::uint16_t>(last->block + 1)) + " for the " +
                         left + " left in the capture";
            } else if (is(*last, wire::TftpOpcode::Data)) {
                detail = request_name(t) + ": DATA " + std::to_string(last->block) + " (" + std::to_string(last->size) +
                         " octets) at " + at(tr, last->time_ns) + times + " got no ACK for the " + left +
                         " left in the capture";
            } else if (is(*last, wire::TftpOpcode::Oack)) {
                detail = request_name(t) + ": the OACK at " + at(tr, last->time_ns) + times + " got no " +
                         (t.write ? "DATA 1" : "ACK 0") + " for the " + left + " left in the capture";
            } else {
                detail = request_name(t) + ": " + sender + " " + wire::to_string(static_cast<wire::TftpOpcode>(last->opcode)) +
                         " at " + at(tr, last->time_ns) + " was the last packet; no answer for the " + left +
                         " left in the capture";
            }
            // The side that owes the next packet went silent.
            blame = last->from_client ? Blame::Master : client_blame(ctx, ti);
            detail += last->from_client ? " (the server went silent)" : " (the client went silent)";
            if (left_after(tr, last->time_ns) < kSilence) {
                severity = Severity::Info;
                detail += "; the capture ends there, so it may just end";
            }
        }
        if (retry) {
            severity = Severity::Info;
            detail += "; the client requested it again (frame " + std::to_string(tr.transfers[*retry].request_frame) +
                      ") and that transfer completed";
            frames.push_back(tr.transfers[*retry].request_frame);
        }
        sink.add("FLOW-004", blame, detail, frames, t.client_mac, severity);
    }
}

/// Whether anything in the trace came from \p ip.
bool heard_from(const analyze::Trace& tr, Ipv4Addr ip) {
    for (const auto& f : tr.frames) {
        if (f.udp && f.udp->src_ip == ip) return true;
        if (f.arp && f.arp->sender_ip == ip) return true;
    }
    return std::any_of(tr.transfers.begin(), tr.transfers.end(),
                       [&](const TftpTransfer& t) { return t.server_ip == ip && server_answered(t); });
}

std::string dhcp_step(const Frame& f) {
    if (f.arp) {
        return f.arp->operation == 1 ? "ARP who-has " + ip_text(f.arp->target_ip) + " from " + ip_text(f.arp->sender_ip)
                                     : "ARP reply " + ip_text(f.arp->sender_ip) + " is-at " +
                                           f.arp->sender_mac.to_string();
    }
    if (f.dhcp) {
        const auto type = f.dhcp->message_type();
        const std::string name = type ? wire::to_string(*type) : std::string("BOOTP");
        const std::string where = f.protocol == analyze::Protocol::BootServer ? " on port 4011" : "";
        if (f.direction == Direction::FromClient) return "the client's " + name + where;
        return name + where + " from " + (f.udp ? ip_text(f.udp->src_ip) : std::string("?"));
    }
    return "frame " + std::to_string(f.number);
}

/// FLOW-005: the client holds boot information but never asks for the file.
void flow_005(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    for (std::size_t si = 0; si < tr.sessions.size(); ++si) {
        const auto& s = tr.sessions[si];
        const auto& b = ctx.boots[si];
        if (b.phase != analyze::BootPhase::BootInfo || !b.governing || !b.boot_server || !s.transfers.empty()) continue;
        const Frame& gov = ctx.frame(b.governing->frame_index);
        // The last step: the session's last DHCP or ARP frame.
        std::size_t last_idx = b.governing->frame_index;
        for (std::size_t idx : s.dhcp_frames) last_idx = std::max(last_idx, idx);
        for (std::size_t idx : s.arp_frames) last_idx = std::max(last_idx, idx);
        const Frame& last = ctx.frame(last_idx);
        std::string detail = dhcp_step(gov) + " at " + at(tr, gov.time_ns) + " named " + in_quotes(b.bootfile) + " on " +
                             ip_text(*b.boot_server);
        if (last_idx != b.governing->frame_index)
            detail += "; the last step seen was " + dhcp_step(last) + " at " + at(tr, last.time_ns);
        const auto left = left_after(tr, last.time_ns);
        detail += "; no TFTP read request followed in the " + duration(left) + " left in the capture";

        Blame blame = Blame::Nic;
        bool arp_asked = false, arp_answered = false;
        for (std::size_t idx : s.arp_frames) {
            const auto& a = *ctx.frame(idx).arp;
            if (a.operation == 1 && a.sender_mac == s.mac && a.target_ip == *b.boot_server) arp_asked = true;
            if (a.operation == 2 && a.sender_ip == *b.boot_server) arp_answered = true;
        }
        if (arp_asked && !arp_answered) {
            const bool exists = heard_from(tr, *b.boot_server);
            blame = exists ? Blame::Network : Blame::Config;
            detail += exists ? "; the client's ARP for " + ip_text(*b.boot_server) + " got no reply"
                             : "; the client's ARP for " + ip_text(*b.boot_server) +
                                   " got no reply and nothing in the capture came from that address";
        }
        std::vector<std::size_t> frames{gov.number};
        if (last.number != gov.number) frames.push_back(last.number);
        std::optional<Severity> severity;
        if (left < kSilence) {
            severity = Severity::Info;
            detail += ", so it may just end";
        }
        sink.add("FLOW-005", blame, detail, frames, s.mac, severity);
    }
}

/// FLOW-006: a read request that nothing answered.
void flow_006(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    for (std::size_t ti = 0; ti < tr.transfers.size(); ++ti) {
        const auto& t = tr.transfers[ti];
        if (server_answered(t)) continue;
        std::vector<std::size_t> frames{t.request_frame};
        std::int64_t last = t.start_ns;
        for (const auto& e : t.events)
            if (e.from_client && (is(e, wire::TftpOpcode::Rrq) || is(e, wire::TftpOpcode::Wrq))) {
                frames.push_back(e.frame);
                last = e.time_ns;
            }
        const std::size_t copies = frames.size();
        std::string detail = request_name(t) + " to " + ip_text(t.server_ip) + " got no answer (no DATA, OACK or ERROR)";
        if (copies > 1)
            detail += " though sent " + std::to_string(copies) + " times over " + duration(last - t.start_ns);
        Blame blame = Blame::Master;
        std::optional<Severity> severity;
        std::optional<std::size_t> again;
        for (std::size_t j = ti + 1; j < tr.transfers.size() && !again; ++j)
            if (same_file(tr.transfers[j], t) && tr.transfers[j].start_ns - last < kSec) again = j;
        if (t.unreachable && t.unreachable->refused_client) {
            // An ICMP error quoting the request: proof, not silence.
            const auto& u = *t.unreachable;
            const auto& e = u.icmp;
            frames.push_back(u.frame);
            detail = request_name(t) + " to " + ip_text(t.server_ip) + " was refused by ICMP " + link::describe(e) +
                     " from " + ip_text(e.src_ip) +
                     (copies > 1 ? " (sent " + std::to_string(copies) + " times, " + std::to_string(u.count) +
                                       " ICMP error" + (u.count == 1 ? "" : "s") + ")"
                                 : "");
            const bool from_server_host = e.src_ip == t.server_ip;
            if (e.type == 3 && e.code == 3 && from_server_host) {
                blame = Blame::Config;
                detail += ": no TFTP service listens on port " + std::to_string(t.request_port) + " at " +
                          ip_text(t.server_ip) +
                          " (the TFTP server is not running, or bound to another address), yet the client was sent "
                          "there to boot";
            } else if (e.type == 3 && (e.code == 9 || e.code == 10 || e.code == 13)) {
                blame = Blame::Network;
                detail += ": a filter at " + ip_text(e.src_ip) + " forbids the path to the TFTP server";
            } else {
                blame = from_server_host ? Blame::Config : Blame::Network;
                detail += from_server_host ? ": the TFTP server's host refuses it"
                                           : ": the path to the TFTP server is broken at " + ip_text(e.src_ip);
            }
            sink.add("FLOW-006", blame, detail, frames, t.client_mac, Severity::Fail);
            continue;
        }
        if (t.server_ip.is_broadcast()) {
            blame = client_blame(ctx, ti);
            detail += "; it was broadcast, and servers ignore broadcast requests";
        } else if (!heard_from(tr, t.server_ip)) {
            blame = Blame::Config;
            detail += "; nothing in the capture came from " + ip_text(t.server_ip) +
                      ", so the boot server address may point at no TFTP server";
        }
        if (again && copies == 1) {
            severity = Severity::Info;
            const auto& u = tr.transfers[*again];
            detail += "; the client requested it again from port " + std::to_string(u.client_port) + " " +
                      duration(u.start_ns - last) +
                      " later, as if an answer had come: the capture may miss the server's replies";
            frames.push_back(u.request_frame);
        } else if (copies == 1 && left_after(tr, last) < kSilence) {
            severity = Severity::Info;
            detail += "; the capture ends " + ends_in(left_after(tr, last)) + ", so it may just end";
        }
        sink.add("FLOW-006", blame, detail, frames, t.client_mac, severity);
    }
}

/// FLOW-010: the client declined its lease. The one line that answers "why
/// did it not boot" when a boot stops right after the ACK: a DECLINE is the
/// client's own word that it will not use the address (RFC 2131 §4.4.1: it
/// SHOULD probe the address, and MUST decline one that is in use).
void flow_010(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    for (const auto& s : tr.sessions) {
        for (std::size_t pos = 0; pos < s.dhcp_frames.size(); ++pos) {
            const Frame& decline = ctx.frame(s.dhcp_frames[pos]);
            if (decline.direction != Direction::FromClient || !decline.dhcp ||
                decline.dhcp->message_type() != DhcpMessageType::Decline)
                continue;
            const auto& m = *decline.dhcp;
            // The declined address: option 50 (RFC 2131 Table 5 MUST), else
            // ciaddr (older clients).
            const Ipv4Addr address = m.requested_address().value_or(m.ciaddr);
            // The ACK that gave it, the latest before the DECLINE.
            const Frame* ack = nullptr;
            for (std::size_t i = pos; i-- > 0;) {
                const Frame& f = ctx.frame(s.dhcp_frames[i]);
                if (f.direction == Direction::ToClient && f.dhcp &&
                    f.dhcp->message_type() == DhcpMessageType::Ack && f.dhcp->yiaddr == address && !address.is_zero()) {
                    ack = &f;
                    break;
                }
            }
            // Another host's ARP for it between the ACK and the DECLINE:
            // the proof that the address is in use.
            const Frame* conflict = nullptr;
            const std::int64_t since = ack ? ack->time_ns : std::numeric_limits<std::int64_t>::min();
            for (std::size_t ai : s.arp_frames) {
                const Frame& f = ctx.frame(ai);
                if (!f.arp || f.time_ns < since || f.time_ns > decline.time_ns) continue;
                if (f.arp->sender_ip == address && f.arp->sender_mac != s.mac) {
                    conflict = &f;
                    break;
                }
            }
            // What the client did next: another ACK means it went on.
            const Frame* next_ack = nullptr;
            for (std::size_t i = pos + 1; i < s.dhcp_frames.size() && !next_ack; ++i) {
                const Frame& f = ctx.frame(s.dhcp_frames[i]);
                if (f.direction == Direction::ToClient && f.dhcp && f.dhcp->message_type() == DhcpMessageType::Ack &&
                    !f.dhcp->yiaddr.is_zero() && f.protocol != analyze::Protocol::BootServer)
                    next_ack = &f;
            }

            std::vector<std::size_t> frames;
            if (ack) frames.push_back(ack->number);
            if (conflict) frames.push_back(conflict->number);
            frames.push_back(decline.number);
            std::string detail = "the client declined " + ip_text(address);
            if (ack)
                detail += ", which " + ip_text(reply_of(*ack).server) + " had given it " +
                          duration(decline.time_ns - ack->time_ns) + " before";
            if (auto text = m.text_option(wire::opt::kMessage)) detail += " (its message: " + in_quotes(*text) + ")";
            Blame blame = Blame::Nic;
            if (conflict) {
                detail += ": " + conflict->arp->sender_mac.to_string() + " answers ARP for " + ip_text(address) +
                          ", so the address is in use by another host; take it out of the pool, or give that host "
                          "a reservation";
                blame = Blame::Config;
            } else {
                detail += ": no other host claims it by ARP in the capture, so the client rejected the lease itself";
            }
            // The client's next attempt (a DECLINE ends this one: RFC 2131
            // §3.1(5) has the client start over with a DISCOVER).
            std::optional<Severity> severity;
            if (next_ack) {
                severity = Severity::Warn;
                frames.push_back(next_ack->number);
                detail += "; it then got " + ip_text(next_ack->dhcp->yiaddr) + " and went on";
            } else if (!s.next.bound.is_zero()) {
                severity = Severity::Warn;
                frames.push_back(s.next.bound_frame);
                detail += "; its next attempt (" + std::to_string(s.next.attempt) + ") got " + ip_text(s.next.bound) +
                          " and went on";
            } else if (s.next.attempt) {
                detail += "; it started over (attempt " + std::to_string(s.next.attempt) + ") but got no address";
            } else {
                detail += "; its boot stopped there";
            }
            sink.add("FLOW-010", blame, detail, frames, s.mac, severity);
        }
    }
}

/// FLOW-011: a DHCPNAK refused the client's REQUEST. Whose the fault is
/// depends on the REQUEST it answers (RFC 2131 §4.3.2): a SELECTING REQUEST
/// names the server it took (option 54); an INIT-REBOOT or RENEWING one asks
/// to keep an address, which a server refuses when it is wrong for the
/// segment, and the client then starts over (§3.2).
void flow_011(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    for (std::size_t si = 0; si < tr.sessions.size(); ++si) {
        const auto& s = tr.sessions[si];
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& nak = ctx.frame(idx);
            if (nak.direction != Direction::ToClient || !nak.dhcp || nak.protocol != analyze::Protocol::Dhcp ||
                nak.dhcp->message_type() != DhcpMessageType::Nak)
                continue;
            const Frame* req = ctx.request_for(idx);
            if (!req || req->dhcp->message_type() != DhcpMessageType::Request) continue;
            const auto& r = *req->dhcp;
            const Reply refusal = reply_of(nak);
            const auto selected = r.server_id();
            const Ipv4Addr address = r.requested_address().value_or(r.ciaddr);
            const std::string state = selected          ? "SELECTING"
                                      : r.ciaddr.is_zero() ? "INIT-REBOOT"
                                                           : "RENEWING";
            std::string detail = ip_text(refusal.server) + " refused (DHCPNAK) the client's " + state +
                                 " REQUEST for " + ip_text(address);
            if (auto text = nak.dhcp->text_option(wire::opt::kMessage)) detail += " (its message: " + in_quotes(*text) + ")";
            std::vector<std::size_t> frames{req->number, nak.number};
            // Did the attempt get an address after all, or the next one?
            bool acked_here = false;
            for (std::size_t j : s.dhcp_frames) {
                const Frame& f = ctx.frame(j);
                if (f.number > nak.number && f.direction == Direction::ToClient && f.dhcp &&
                    f.dhcp->message_type() == DhcpMessageType::Ack && !f.dhcp->yiaddr.is_zero())
                    acked_here = true;
            }
            const bool went_on = acked_here || !s.next.bound.is_zero();
            if (!s.next.bound.is_zero()) frames.push_back(s.next.bound_frame);
            const std::uint32_t in_a_row = s.earlier.naked_in_a_row + 1;

            Blame blame = Blame::Master;
            Severity severity = went_on ? Severity::Warn : Severity::Fail;
            if (selected && *selected != refusal.server) {
                blame = Blame::Network;
                detail += ", a lease offered by " + ip_text(*selected) +
                          ": a second DHCP server on the segment refuses leases it did not give (an authoritative "
                          "server that should not serve this segment, or a rogue one)";
            } else if (selected) {
                detail += ": the server refused the lease it had just offered (its pool or lease database changed "
                          "between OFFER and ACK, or it was out of addresses)";
            } else {
                // INIT-REBOOT or RENEWING: refusing a wrong address is the
                // server's duty, and the client's answer is a fresh DISCOVER.
                blame = Blame::Config;
                detail += ": the address is not valid on this segment (the client moved, or its lease was lost), "
                          "so the client must start over with a DISCOVER";
                severity = went_on ? Severity::Info : Severity::Warn;
            }
            if (in_a_row >= 3) {
                severity = Severity::Fail;
                if (blame == Blame::Config) blame = Blame::Nic;
                detail += "; " + std::to_string(in_a_row) +
                          " attempts of this machine in a row were NAKed: a NAK loop (the client keeps asking for "
                          "what it was refused instead of starting over)";
            } else if (!s.next.bound.is_zero()) {
                detail += "; its next attempt (" + std::to_string(s.next.attempt) + ") got " + ip_text(s.next.bound) +
                          " and went on";
            } else if (acked_here) {
                detail += "; it got an address in the same attempt and went on";
            } else if (s.next.attempt) {
                detail += "; it started over (attempt " + std::to_string(s.next.attempt) + ") but got no address";
            } else {
                detail += "; the capture ends " + ends_in(left_after(tr, nak.time_ns)) + " without the client getting an address";
            }
            sink.add("FLOW-011", blame, detail, frames, s.mac, severity);
        }
    }
}

/// FLOW-012: the iPXE that a machine loaded asks for a boot file and is given
/// the very file that loaded it: it loads itself again, round after round.
/// A reboot that fetches the same file again is no loop: the file must look
/// like iPXE (undionly, ipxe, snponly, .kpxe) or be asked for within seconds
/// of the download that loaded it.
void flow_012(const Context& ctx, Sink& sink) {
    constexpr std::int64_t kChainloadGap = 5 * kSec;
    auto looks_like_ipxe = [](std::string name) {
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const char* mark : {"ipxe", "undionly", "snponly", ".kpxe", ".kkpxe"})
            if (name.find(mark) != std::string::npos) return true;
        return false;
    };
    const auto& tr = ctx.trace;
    for (std::size_t si = 0; si < tr.sessions.size() && si < ctx.boots.size(); ++si) {
        const auto& s = tr.sessions[si];
        const auto& b = ctx.boots[si];
        if (s.stage != analyze::AttemptStage::Ipxe || s.earlier.downloaded.empty() || !b.governing) continue;
        const std::string file = strip_slash(b.bootfile);
        if (file.empty() || file != strip_slash(s.earlier.downloaded)) continue;
        std::int64_t first_ns = 0;
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (f.direction == Direction::FromClient) {
                first_ns = f.time_ns;
                break;
            }
        }
        const std::int64_t gap = first_ns - s.earlier.downloaded_end_ns;
        if (!looks_like_ipxe(file) && gap > kChainloadGap) continue;

        std::vector<std::size_t> frames{b.governing->frame_number};
        for (std::size_t ti : b.boot_transfers) frames.push_back(tr.transfers[ti].request_frame);
        const std::uint32_t round = s.earlier.downloaded_rounds + 1;
        std::string detail = "iPXE (attempt " + std::to_string(s.attempt) + ") was given " + in_quotes(file) + " by " +
                             ip_text(reply_of(ctx.frame(b.governing->frame_index)).server) +
                             ", the file its machine had just fetched and started (" + duration(gap) +
                             " before): it loads itself again";
        std::optional<Severity> severity;
        if (round <= 2) {
            detail += ", round after round (a chainload loop). Give iPXE a script or the next stage by its user "
                      "class: isc-dhcpd `if exists user-class and option user-class = \"iPXE\" { filename "
                      "\"boot.ipxe\"; }`, dnsmasq `dhcp-userclass=set:ipxe,iPXE` with `dhcp-boot=tag:ipxe,...`";
        } else {
            severity = Severity::Info;
            detail += ": round " + std::to_string(round) + " of the chainload loop reported at attempt " +
                      std::to_string(s.attempt - round + 2);
        }
        sink.add("FLOW-012", Blame::Config, detail, frames, s.mac, severity);
    }
}

/// FLOW-013: the client released its address before a boot file arrived:
/// it gave up on this boot (a PXE ROM moving on to the next boot device).
/// The cause is judged by the rule of the step that failed; this finding
/// says where the boot ended, in one line.
void flow_013(const Context& ctx, Sink& sink) {
    const auto& tr = ctx.trace;
    for (std::size_t si = 0; si < tr.sessions.size() && si < ctx.boots.size(); ++si) {
        const auto& s = tr.sessions[si];
        const auto& b = ctx.boots[si];
        if (b.end != analyze::AttemptEnd::Released || b.phase == analyze::BootPhase::Downloaded) continue;
        // A later stage releasing its lease (an OS shutting down) is no
        // failed boot of the firmware: only a stage that boots is judged.
        if (s.stage == analyze::AttemptStage::LaterStage) continue;
        bool fetched = false;
        for (std::size_t ti : s.transfers)
            if (tr.transfers[ti].complete && !tr.transfers[ti].write) fetched = true;
        if (fetched) continue;
        std::string where;
        switch (b.phase) {
            case analyze::BootPhase::Bound:
                where = "with an address but no boot server and file to fetch";
                break;
            case analyze::BootPhase::BootInfo:
                where = "knowing " + in_quotes(b.bootfile) + " on " +
                        (b.boot_server ? ip_text(*b.boot_server) : std::string("?")) + " but before requesting it";
                break;
            case analyze::BootPhase::Downloading:
                where = "after a download of " + in_quotes(b.bootfile) + " that did not complete";
                break;
            default:
                where = "at phase " + analyze::to_string(b.phase);
                break;
        }
        std::vector<std::size_t> frames{b.end_frame};
        if (b.lease) frames.insert(frames.begin(), b.lease->frame_number);
        // INFO, blamed on the client that gave up: the cause carries its own
        // finding and blame.
        sink.add("FLOW-013", Blame::Nic,
                 "the client released its address (DHCPRELEASE) " + where +
                     ": it gave up on this boot (attempt " + std::to_string(s.attempt) +
                     "); the findings on that step say why",
                 frames, s.mac);
    }
}

}  // namespace

void check_flow(const Context& ctx, Sink& sink) {
    flow_001(ctx, sink);
    flow_002(ctx, sink);
    flow_003(ctx, sink);
    flow_004(ctx, sink);
    flow_005(ctx, sink);
    flow_006(ctx, sink);
    flow_010(ctx, sink);
    flow_011(ctx, sink);
    flow_012(ctx, sink);
    flow_013(ctx, sink);
}

}  // namespace pxecheck::checks::detail
