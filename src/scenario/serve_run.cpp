// The serve runner: the reference master on a live (or memory) link, every
// NIC's boot followed and recorded, the safety probe, and the dry run's
// sample exchanges.

#include "pxecheck/scenario/serve_run.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "pxecheck/scenario/frame_recorder.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace pxecheck::scenario {

namespace opt = wire::opt;

std::string to_string(ServeRunResult::Stop s) {
    switch (s) {
        case ServeRunResult::Stop::Signal: return "signal";
        case ServeRunResult::Stop::TimeLimit: return "time-limit";
        case ServeRunResult::Stop::ExitAfter: return "exit-after";
    }
    return "?";
}

MacAddr choose_server_mac(const MacAddr& hardware_mac, bool host_has_address) {
    if (host_has_address) return hardware_mac;
    // 02:50:4d ("PM": pxecheck master; the emulated NIC uses 02:50:58) plus
    // the interface's last three octets: stable across runs, unicast, locally
    // administered, and never the interface's own MAC.
    MacAddr m{{0x02, 0x50, 0x4d, hardware_mac.octets[3], hardware_mac.octets[4], hardware_mac.octets[5]}};
    if (m == hardware_mac) m.octets[2] = 0x4e;
    return m;
}

namespace {

int prefix_length(Ipv4Addr mask) {
    int bits = 0;
    for (std::uint32_t m = mask.value; (m & 0x80000000u) != 0; m <<= 1) ++bits;
    return bits;
}

std::int64_t unix_seconds(std::int64_t wall_ns) { return wall_ns / 1'000'000'000LL; }

std::string strip_slash(std::string s) {
    while (!s.empty() && s.front() == '/') s.erase(0, 1);
    return s;
}

std::string arch_text(std::optional<std::uint16_t> arch) {
    if (!arch) return "no arch (no option 93)";
    return "arch " + std::to_string(*arch) + " (" + wire::arch_name(*arch) + ")";
}

std::string seconds_text(Micros d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(d.count()) / 1e6);
    return buf;
}

/// TFTP transfer ports held with the host's kernel (see link::PortHold): the
/// kernel picks a free port, the hold keeps it from answering ICMP port
/// unreachable while the transfer runs.
class HeldPortAllocator final : public master::PortAllocator {
public:
    explicit HeldPortAllocator(Ipv4Addr ip) : ip_(ip) {}
    std::optional<std::uint16_t> acquire() override {
        auto h = link::PortHold::hold_udp(ip_, 0);
        if (!h) {
            last_error_ = h.error();
            return std::nullopt;
        }
        const std::uint16_t port = h->port();
        holds_.insert_or_assign(port, std::move(*h));
        return port;
    }
    void release(std::uint16_t port) override { holds_.erase(port); }
    [[nodiscard]] const std::string& last_error() const { return last_error_; }

private:
    Ipv4Addr ip_;
    std::map<std::uint16_t, link::PortHold> holds_;
    std::string last_error_;
};

/// A DHCP server's reply on its way to a client (67 -> 68), not a relay leg.
bool reply_to_client(const link::DecodedFrame& f) {
    return f.udp && f.udp->src_port == wire::kDhcpServerPort && f.udp->dst_port == wire::kDhcpClientPort;
}

/// Frames that belong in the serve trace: all DHCP and PXE traffic on the
/// segment (other servers' answers are evidence), everything to or from the
/// master's address (TFTP), and ARP about the master or from a known NIC.
bool relevant(const link::DecodedFrame& f, Ipv4Addr server_ip, const std::set<MacAddr>& nics) {
    if (f.arp) return f.arp->sender_ip == server_ip || f.arp->target_ip == server_ip || nics.count(f.src_mac) != 0;
    if (f.udp) {
        return wire::carries_dhcp(wire::classify_udp(f.udp->src_port, f.udp->dst_port)) ||
               f.udp->src_ip == server_ip || f.udp->dst_ip == server_ip;
    }
    if (f.fragment) return f.fragment->src_ip == server_ip || f.fragment->dst_ip == server_ip;
    return false;
}

/// The runner's own record of one NIC, beside the DHCP server's view.
struct NicState {
    NicReport r;
    bool shown = false;            ///< its "new NIC" line was printed
    master::ServePhase phase = master::ServePhase::Discover;
    bool pool_exhausted = false;
    std::optional<master::TransferEvent> last_transfer;  ///< last finished/refused transfer
};

class Runner {
public:
    Runner(link::FrameIo& io, const ServeSetup& setup, const ServeRunOptions& options)
        : io_(io),
          setup_(setup),
          options_(options),
          stack_(setup.master.server_mac),
          dhcp_(setup.master, setup.leases),
          trace_(options.source_name),
          recorder_(&trace_, options.pcap, FrameRecorder::Options{FrameRecorder::kDefaultReorderNs,
                                                                  options.first_frame_number, nullptr}),
          loop_(io) {
        const auto& cfg = setup.master;
        stack_.add_address(cfg.server_ip, prefix_length(cfg.netmask));
        if (setup.hold_transfer_ports) held_ = std::make_unique<HeldPortAllocator>(cfg.server_ip);
        if (setup.files) {
            master::TftpServerConfig tc = setup.tftp;
            tc.server_ip = cfg.server_ip;
            tc.server_mac = cfg.server_mac;
            tftp_ = std::make_unique<master::TftpServer>(tc, *setup.files, held_.get());
        }
    }

    ServeRunResult run() {
        ServeRunResult result;
        TimePoint now = link::EventLoop::now();
        const TimePoint started = now;
        if (auto st = dhcp_.start(now, unix_seconds(link::EventLoop::wall_ns())); !st) {
            result.lease_error = st.error();
            line(now, std::nullopt, "lease store: " + st.error() + " (starting with no leases)");
        }
        std::optional<TimePoint> give_up;
        if (options_.time_limit) give_up = now + *options_.time_limit;

        while (true) {
            for (auto& d : dhcp_.take_output()) stack_.send(now, std::move(d));
            if (tftp_) {
                for (auto& d : tftp_->take_output()) stack_.send(now, std::move(d));
            }
            handle_dhcp_events(now);
            if (tftp_) handle_tftp_events(now);
            for (auto& f : stack_.take_frames()) {
                if (auto st = recorder_.send(io_, std::move(f)); !st && !send_error_shown_) {
                    send_error_shown_ = true;
                    line(now, std::nullopt, "send failed: " + st.error());
                }
            }
            recorder_.flush();

            if (options_.stop && options_.stop->load()) {
                result.stopped_by = ServeRunResult::Stop::Signal;
                break;
            }
            if (give_up && now >= *give_up) {
                result.stopped_by = ServeRunResult::Stop::TimeLimit;
                break;
            }
            if (options_.exit_after != 0 && finished_ >= options_.exit_after) {
                result.stopped_by = ServeRunResult::Stop::ExitAfter;
                break;
            }

            std::optional<TimePoint> deadline = dhcp_.next_deadline();
            auto earliest = [&](std::optional<TimePoint> t) {
                if (t && (!deadline || *t < *deadline)) deadline = t;
            };
            if (tftp_) earliest(tftp_->next_deadline());
            earliest(stack_.next_deadline());
            earliest(give_up);
            // Wake at least every 200 ms to notice a stop request.
            earliest(now + std::chrono::milliseconds(200));
            loop_.wait(deadline);
            now = link::EventLoop::now();

            for (auto& rx : io_.receive()) {
                const auto decoded = link::decode_frame(link::linktype::kEthernet, rx.data);
                if (!from_others(decoded, now)) continue;
                if (relevant(decoded, setup_.master.server_ip, nic_macs_)) recorder_.record(rx.time_ns, rx.data);
                auto d = stack_.on_frame(now, rx.data);
                if (!d) continue;
                if (d->dst_port == wire::kDhcpServerPort || d->dst_port == wire::kPxeBootServerPort) {
                    dhcp_.on_datagram(now, *d);
                } else if (tftp_) {
                    tftp_->on_datagram(now, *d);
                }
            }
            dhcp_.on_timer(now);
            if (tftp_) tftp_->on_timer(now);
            stack_.on_timer(now);
        }

        // Frames still waiting for ARP are lost with the run; say so.
        if (stack_.queued() != 0)
            line(now, std::nullopt, std::to_string(stack_.queued()) + " datagram(s) still waiting for ARP at the end");
        sync_views(now);
        recorder_.flush_all();
        result.trace = std::move(trace_).finish();
        result.finished = finished_;
        const bool cut_short = result.stopped_by != ServeRunResult::Stop::ExitAfter;
        for (const auto& mac : order_) {
            NicState& s = nics_.at(mac);
            if (!s.shown) continue;
            result.nics.push_back(s.r);
            if (auto f = stopped_finding(s, now, cut_short)) result.run_findings.push_back(std::move(*f));
        }
        (void)started;
        return result;
    }

private:
    /// Looks at DHCP replies sent to port 68 by someone else. False when the
    /// frame answers one of options_.ignore_macs (not recorded, not a NIC).
    bool from_others(const link::DecodedFrame& f, TimePoint now) {
        if (!reply_to_client(f) || f.udp->src_ip == setup_.master.server_ip) return true;
        if (options_.ignore_macs.empty() && !options_.watch_other_servers) return true;
        const auto d = wire::decode_dhcp(f.udp->payload);
        if (!d.header_complete || d.msg.op != 2) return true;
        if (options_.ignore_macs.count(d.msg.client_mac()) != 0) return false;
        if (!options_.watch_other_servers) return true;
        const auto type = d.msg.message_type();
        if (type != wire::DhcpMessageType::Offer && type != wire::DhcpMessageType::Ack) return true;
        if (d.msg.yiaddr.is_zero()) return true;  // a proxyDHCP answer hands out no address
        const Ipv4Addr who = d.msg.server_id().value_or(f.udp->src_ip);
        if (!other_servers_.insert({f.src_mac, who}).second) return true;
        line(now, d.msg.client_mac(),
             "warning: another DHCP server, " + who.to_string() + " (MAC " + f.src_mac.to_string() + "), " +
                 (type == wire::DhcpMessageType::Offer ? "offered " : "acknowledged ") + d.msg.yiaddr.to_string() +
                 " to this client: two servers hand out addresses on this segment");
        return true;
    }

    void line(TimePoint at, std::optional<MacAddr> mac, std::string text, bool verbose = false) {
        if (!options_.on_line) return;
        options_.on_line(ServeLine{at, link::EventLoop::wall_ns(), mac, std::move(text), verbose});
    }

    NicState& nic(const MacAddr& mac, TimePoint now) {
        auto [it, fresh] = nics_.try_emplace(mac);
        if (fresh) {
            order_.push_back(mac);
            it->second.r.mac = mac;
            it->second.r.first_seen = now;
            it->second.r.phase = master::to_string(master::ServePhase::Discover);
        }
        it->second.r.last_seen = std::max(it->second.r.last_seen, now);
        return it->second;
    }

    /// Shows a NIC once it matters: a PXE/iPXE client, one we answered, or
    /// one that fetched a file. Plain DHCP clients a proxy ignores stay out.
    void show(NicState& s, TimePoint now) {
        if (s.shown) return;
        s.shown = true;
        nic_macs_.insert(s.r.mac);
        std::string text;
        if (s.r.dhcp) {
            text = std::string("new NIC: ") + (s.r.ipxe ? "iPXE" : s.r.pxe ? "PXE ROM" : "DHCP client") + ", " +
                   arch_text(s.r.arch);
            if (!s.r.vendor_class.empty()) text += ", vendor class \"" + s.r.vendor_class + "\"";
        } else {
            text = "new TFTP client (no DHCP seen)";
        }
        line(now, s.r.mac, text);
    }

    /// Copies the DHCP server's client views into the NIC records.
    void sync_views(TimePoint now) {
        for (const auto& v : dhcp_.clients()) {
            NicState& s = nic(v.mac, v.first_seen);
            s.r.dhcp = true;
            s.r.arch = v.arch;
            s.r.vendor_class = v.vendor_class;
            s.r.pxe = v.pxe;
            s.r.ipxe = v.ipxe;
            s.phase = v.phase;
            s.r.phase = master::to_string(v.phase);
            s.r.address = v.address;
            if (!v.boot_file.empty()) s.r.boot_file = v.boot_file;
            s.r.last_seen = std::max(s.r.last_seen, v.last_seen);
            if (v.pxe || v.ipxe || v.phase >= master::ServePhase::Offer) show(s, now);
        }
    }

    void handle_dhcp_events(TimePoint now) {
        auto events = dhcp_.take_events();
        if (events.empty()) return;
        sync_views(now);
        for (const auto& e : events) {
            using K = master::DhcpEvent::Kind;
            const bool known = nics_.count(e.mac) != 0 && nics_.at(e.mac).shown;
            switch (e.kind) {
                case K::Ignored:
                    line(e.at, e.mac, "ignored: " + e.detail, true);
                    break;
                case K::PoolExhausted:
                    if (nics_.count(e.mac) != 0) nics_.at(e.mac).pool_exhausted = true;
                    line(e.at, e.mac, "pool exhausted: " + e.detail);
                    break;
                case K::StoreError:
                    line(e.at, std::nullopt, "lease store: " + e.detail);
                    break;
                case K::Expired:
                    line(e.at, e.mac, e.detail, !known);
                    break;
                default:
                    line(e.at, e.mac, master::to_string(e.kind) + ": " + e.detail);
            }
        }
    }

    void handle_tftp_events(TimePoint now) {
        auto events = tftp_->take_events();
        if (events.empty()) return;
        using K = master::TransferEvent::Kind;
        for (const auto& e : events) {
            if (e.kind == K::Ignored || e.kind == K::WrongTid) {
                line(e.at, e.client_mac, "TFTP " + master::to_string(e.kind) + ": " + e.detail, e.kind == K::Ignored);
                continue;
            }
            NicState& s = nic(e.client_mac, e.at);
            show(s, now);
            const std::string file = "\"" + e.file + "\"";
            switch (e.kind) {
                case K::Started:
                    s.r.last_file = e.file;
                    s.r.last_bytes = 0;
                    dhcp_.note_tftp(e.at, e.client_mac, e.file, 0, false);
                    line(e.at, e.client_mac, "TFTP " + file + " started from port " + std::to_string(e.server_port) +
                                                 ": " + e.detail);
                    break;
                case K::Completed: {
                    s.r.last_file = e.file;
                    s.r.last_bytes = e.bytes_acked;
                    s.r.files_done.push_back(e.file);
                    s.last_transfer = e;
                    dhcp_.note_tftp(e.at, e.client_mac, e.file, e.bytes_acked, true);
                    sync_views(now);
                    line(e.at, e.client_mac, "TFTP " + file + " complete: " + e.detail);
                    // The boot file is the one the master named for this NIC;
                    // a client the DHCP server never saw: its first file.
                    const bool boot = s.r.dhcp ? (!s.r.boot_file.empty() && strip_slash(e.file) == strip_slash(s.r.boot_file))
                                               : s.r.files_done.size() == 1;
                    if (boot && !s.r.boot_file_done) {
                        s.r.boot_file_done = true;
                        if (!s.r.dhcp) s.r.boot_file = e.file;
                        s.r.boot_file_bytes = e.bytes_acked;
                        s.r.finished = e.at;
                        ++finished_;
                        line(e.at, e.client_mac,
                             "boot file " + file + " downloaded (" + std::to_string(e.bytes_acked) + " octets), " +
                                 seconds_text(e.at - s.r.first_seen) + " after it was first seen [" +
                                 std::to_string(finished_) + (options_.exit_after ? " of " + std::to_string(options_.exit_after) : std::string()) +
                                 " NIC(s) done]");
                    }
                    break;
                }
                case K::Failed:
                case K::Aborted:
                case K::Refused:
                    s.r.last_file = e.file;
                    s.r.last_bytes = e.bytes_acked;
                    s.last_transfer = e;
                    if (e.kind != K::Refused) dhcp_.note_tftp(e.at, e.client_mac, e.file, e.bytes_acked, false);
                    line(e.at, e.client_mac, "TFTP " + file + " " + master::to_string(e.kind) + ": " + e.detail);
                    if (e.kind == K::Failed && held_ && !held_->last_error().empty())
                        line(e.at, e.client_mac, "port hold: " + held_->last_error(), true);
                    break;
                default:
                    break;
            }
        }
        sync_views(now);
    }

    /// FLOW-009 from the master's side: a PXE NIC whose boot file never
    /// arrived, blamed on whoever the last step points at. A NIC still active
    /// shortly before serve stopped is reported as a warning: it may simply
    /// have been cut off.
    std::optional<checks::Finding> stopped_finding(const NicState& s, TimePoint end, bool cut_short) const {
        const NicReport& r = s.r;
        if (r.boot_file_done || !(r.pxe || r.ipxe)) return std::nullopt;
        using P = master::ServePhase;
        checks::Blame blame = checks::Blame::Nic;
        std::string where;
        if (s.last_transfer && s.phase >= P::Tftp) {
            const auto& t = *s.last_transfer;
            using K = master::TransferEvent::Kind;
            if (t.kind == K::Refused && (t.error_code == 1 || t.error_code == 2)) {
                blame = checks::Blame::Config;
                where = "its request for \"" + t.file + "\" was refused (" + t.detail + ")";
            } else if (t.kind == K::Failed) {
                where = "the download of \"" + t.file + "\" stopped after " + std::to_string(t.bytes_acked) +
                        " octets: the NIC stopped acknowledging";
            } else if (t.kind == K::Aborted) {
                where = "it ended the download of \"" + t.file + "\" itself (" + t.detail + ")";
            } else {
                where = "its last transfer, \"" + t.file + "\", did not bring the boot file \"" + r.boot_file + "\"";
            }
        } else if (s.phase >= P::Tftp) {
            where = "the download of \"" + r.last_file + "\" was still running";
        } else if (s.phase >= P::Request) {
            where = "it got its boot information (file \"" + r.boot_file + "\") but requested no boot file";
        } else if (s.phase == P::Offer) {
            where = "it was offered boot information but never requested from this master (another server's offer "
                    "taken, or ours ignored)";
        } else {
            blame = s.pool_exhausted ? checks::Blame::Config : checks::Blame::Master;
            where = s.pool_exhausted ? "no address was left in the pool for it" : "this master did not answer it";
        }
        const bool recent = cut_short && end - r.last_seen < std::chrono::seconds(10);
        std::optional<checks::Severity> severity;
        if (recent) {
            severity = checks::Severity::Warn;
            where += "; it was still active " + seconds_text(end - r.last_seen) + " before serve stopped, so it may "
                                                                                    "only have been cut off";
        }
        return checks::make_finding("FLOW-009", blame,
                                    "the boot of " + r.mac.to_string() + " stopped at phase " + r.phase + ": " + where,
                                    {}, r.mac, severity);
    }

    link::FrameIo& io_;
    const ServeSetup& setup_;
    const ServeRunOptions& options_;
    link::UserStack stack_;
    master::DhcpServer dhcp_;
    std::unique_ptr<HeldPortAllocator> held_;
    std::unique_ptr<master::TftpServer> tftp_;
    analyze::TraceBuilder trace_;
    FrameRecorder recorder_;  ///< into trace_ and options_.pcap, in time order
    link::EventLoop loop_;
    std::map<MacAddr, NicState> nics_;
    std::vector<MacAddr> order_;
    std::set<MacAddr> nic_macs_;
    std::size_t finished_ = 0;
    bool send_error_shown_ = false;
    std::set<std::pair<MacAddr, Ipv4Addr>> other_servers_;  ///< other DHCP servers already reported
};

// --- probe ---------------------------------------------------------------------------

Bytes probe_discover(const MacAddr& mac, std::uint32_t xid, std::uint16_t secs) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.secs = secs;
    m.flags = wire::kBroadcastFlag;
    m.set_client_mac(mac);
    m.set_option_u8(opt::kMessageType, static_cast<std::uint8_t>(wire::DhcpMessageType::Discover));
    Bytes id{1};
    id.insert(id.end(), mac.octets.begin(), mac.octets.end());
    m.set_option(opt::kClientId, id);
    // Names the probe in the other server's log.
    m.set_option(opt::kHostName, std::string_view("pxecheck-probe"));
    const Bytes prl{opt::kSubnetMask, opt::kRouter, opt::kDnsServer, opt::kServerId, opt::kTftpServerName,
                    opt::kBootfileName};
    m.set_option(opt::kParameterList, prl);
    m.finish();
    return wire::encode_dhcp(m);
}

}  // namespace

Result<std::vector<link::PortHold>> hold_service_ports(Ipv4Addr ip, const master::MasterConfig& config, bool tftp,
                                                      std::vector<std::string>& notes) {
    std::vector<link::PortHold> holds;
    auto hold = [&](std::uint16_t port, const char* what) -> Status {
        auto h = link::PortHold::hold_udp(ip, port);
        if (!h) return Error{h.error() + " (" + what + ")"};
        holds.push_back(std::move(*h));
        return ok_status();
    };
    if (auto st = hold(wire::kDhcpServerPort, "DHCP"); !st) {
        if (!config.proxy) return Error{st.error()};
        notes.push_back("UDP 67 at " + ip.to_string() +
                        " belongs to another program (the host's DHCP server?): a proxy lives beside it, and sees "
                        "what comes to 67 through the capture");
    }
    if (config.serves_4011()) {
        if (auto st = hold(wire::kPxeBootServerPort, "PXE boot server"); !st) return Error{st.error()};
    }
    if (tftp) {
        if (auto st = hold(wire::kTftpPort, "TFTP"); !st) return Error{st.error()};
    }
    return holds;
}

ProbeResult probe_dhcp_servers(link::FrameIo& io, Micros wait, const std::atomic<bool>* stop, link::PcapWriter* pcap) {
    ProbeResult result;
    std::random_device rd;
    std::mt19937 rng(rd());
    std::uniform_int_distribution<int> octet(0, 255);
    result.probe_mac = MacAddr{{0x02, 0x50, 0x50, static_cast<std::uint8_t>(octet(rng)),
                                static_cast<std::uint8_t>(octet(rng)), static_cast<std::uint8_t>(octet(rng))}};
    result.xid = std::uniform_int_distribution<std::uint32_t>()(rng);

    link::EventLoop loop(io);
    FrameRecorder recorder(nullptr, pcap);
    const TimePoint start = link::EventLoop::now();
    const TimePoint end = start + wait;
    // Three DISCOVERs, at 0, a quarter and half of the wait: a server that
    // missed the first (just started, or a lost frame) still answers the
    // later ones, and one that pings the address first (ISC dhcpd's
    // ping-check waits 1 s) has half the wait left to answer.
    const std::array<TimePoint, 2> resend{start + wait / 4, start + wait / 2};
    std::size_t resent = 0;

    auto send = [&](std::uint16_t secs) {
        const Bytes frame = link::build_udp_frame({result.probe_mac, Ipv4Addr::any(), wire::kDhcpClientPort},
                                                  {MacAddr::broadcast(), Ipv4Addr::broadcast(), wire::kDhcpServerPort},
                                                  probe_discover(result.probe_mac, result.xid, secs));
        (void)recorder.send(io, frame);
    };
    send(0);
    std::set<std::pair<MacAddr, Ipv4Addr>> seen;
    while (true) {
        TimePoint now = link::EventLoop::now();
        if (now >= end || (stop && stop->load())) break;
        while (resent < resend.size() && now >= resend[resent]) {
            send(static_cast<std::uint16_t>(std::chrono::duration_cast<std::chrono::seconds>(now - start).count()));
            ++resent;
        }
        loop.wait(resent < resend.size() ? resend[resent] : end);
        for (auto& rx : io.receive()) {
            const auto f = link::decode_frame(link::linktype::kEthernet, rx.data);
            if (!reply_to_client(f)) continue;
            const auto d = wire::decode_dhcp(f.udp->payload);
            if (!d.header_complete || d.msg.op != 2 || d.msg.xid != result.xid) continue;
            if (d.msg.client_mac() != result.probe_mac) continue;
            if (d.msg.message_type() != wire::DhcpMessageType::Offer) continue;
            recorder.record(rx.time_ns, rx.data);
            ProbeAnswer a;
            a.server_id = d.msg.server_id().value_or(Ipv4Addr{});
            a.source_ip = f.udp->src_ip;
            a.source_mac = f.src_mac;
            a.offered = d.msg.yiaddr;
            a.file = d.msg.file_field();
            if (a.file.empty()) a.file = d.msg.text_option(opt::kBootfileName).value_or("");
            const auto vc = d.msg.text_option(opt::kVendorClass);
            a.proxy = a.offered.is_zero() && vc && vc->rfind("PXEClient", 0) == 0;
            if (seen.insert({a.source_mac, a.server_id}).second) result.servers.push_back(a);
        }
        recorder.flush();
    }
    recorder.flush_all();
    result.frames = recorder.recorded();
    return result;
}

ServeRunResult run_serve(link::FrameIo& io, const ServeSetup& setup, const ServeRunOptions& options) {
    Runner runner(io, setup, options);
    return runner.run();
}

checks::Verdict nic_verdict(const NicReport& nic, const std::vector<checks::Finding>& findings) {
    std::vector<checks::Finding> mine;
    for (const auto& f : findings) {
        if (f.client && *f.client == nic.mac) mine.push_back(f);
    }
    return checks::verdict_of(mine);
}

// --- dry run -----------------------------------------------------------------------------

namespace {

struct SampleClient {
    std::string name;
    MacAddr mac;
    std::uint16_t arch = 0;
    std::uint8_t undi_major = 2;
    std::uint8_t undi_minor = 1;
    bool ipxe = false;
};

wire::DhcpMessage sample_request(const SampleClient& c, wire::DhcpMessageType type, std::uint32_t xid) {
    wire::DhcpMessage m;
    m.op = 1;
    m.xid = xid;
    m.flags = wire::kBroadcastFlag;
    m.set_client_mac(c.mac);
    m.set_option_u8(opt::kMessageType, static_cast<std::uint8_t>(type));
    m.set_option_u16(opt::kMaxMessageSize, 1472);
    const Bytes prl{opt::kSubnetMask, opt::kRouter, opt::kDnsServer, opt::kVendorSpecific, opt::kServerId,
                    opt::kVendorClass, opt::kTftpServerName, opt::kBootfileName};
    m.set_option(opt::kParameterList, prl);
    m.set_option(opt::kVendorClass, wire::make_pxe_vendor_class(c.arch, c.undi_major, c.undi_minor));
    m.set_option_u16(opt::kClientArch, c.arch);
    const Bytes ndi{1, c.undi_major, c.undi_minor};
    m.set_option(opt::kClientNdi, ndi);
    Bytes uuid{0};
    for (std::size_t i = 0; i < 16; ++i) uuid.push_back(static_cast<std::uint8_t>(c.mac.octets[i % 6] ^ (i * 37)));
    m.set_option(opt::kClientUuid, uuid);
    if (c.ipxe) m.set_option(opt::kUserClass, std::string_view("iPXE"));
    return m;
}

link::Datagram broadcast_to(std::uint16_t port, const MacAddr& mac, Bytes payload) {
    link::Datagram d;
    d.src_mac = mac;
    d.dst_mac = MacAddr::broadcast();
    d.src_ip = Ipv4Addr::any();
    d.dst_ip = Ipv4Addr::broadcast();
    d.src_port = wire::kDhcpClientPort;
    d.dst_port = port;
    d.payload = std::move(payload);
    return d;
}

SampleExchange exchange(master::DhcpServer& server, TimePoint now, const std::string& name, const link::Datagram& d) {
    SampleExchange x;
    x.client = name;
    x.request = wire::summarize(wire::decode_dhcp(d.payload).msg);
    server.on_datagram(now, d);
    for (const auto& out : server.take_output()) {
        x.replies.push_back("to " + out.dst_ip.to_string() + ":" + std::to_string(out.dst_port) + " from port " +
                            std::to_string(out.src_port) + ": " + wire::summarize(wire::decode_dhcp(out.payload).msg));
    }
    for (const auto& e : server.take_events()) x.notes.push_back(master::to_string(e.kind) + ": " + e.detail);
    return x;
}

}  // namespace

std::vector<SampleExchange> sample_exchanges(const master::MasterConfig& config) {
    std::vector<SampleExchange> out;
    master::DhcpServer server(config, nullptr);
    const TimePoint now{};
    (void)server.start(now, 0);
    std::vector<SampleClient> clients = {
        {"BIOS PXE ROM (arch 0)", MacAddr{{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}}, 0, 2, 1, false},
        {"x64 UEFI ROM (arch 7)", MacAddr{{0x02, 0x00, 0x5e, 0x00, 0x00, 0x02}}, 7, 3, 16, false},
    };
    if (!config.ipxe_file.empty())
        clients.push_back({"iPXE (arch 0, user class iPXE)", MacAddr{{0x02, 0x00, 0x5e, 0x00, 0x00, 0x03}}, 0, 2, 1, true});
    std::uint32_t xid = 0x50584501;
    for (const auto& c : clients) {
        const auto m = sample_request(c, wire::DhcpMessageType::Discover, xid++);
        auto d = broadcast_to(wire::kDhcpServerPort, c.mac, [&] {
            auto copy = m;
            copy.finish();
            return wire::encode_dhcp(copy);
        }());
        out.push_back(exchange(server, now, c.name + " DISCOVER", d));
    }
    // With a menu the ROM asks the boot server on 4011 for the entry chosen:
    // show the answer for the first entry that names a boot server type.
    if (config.serves_4011()) {
        for (const auto& e : config.menu) {
            if (e.type == 0) continue;
            auto m = sample_request(clients.front(), wire::DhcpMessageType::Request, xid++);
            wire::PxeVendorOptions v;
            v.boot_item = wire::PxeBootItem{e.type, 0};
            m.set_option(opt::kVendorSpecific, wire::encode_pxe_options(v));
            m.finish();
            link::Datagram d;
            d.src_mac = clients.front().mac;
            d.dst_mac = config.server_mac;
            d.src_ip = Ipv4Addr::from_octets(0, 0, 0, 0);
            d.dst_ip = config.server_ip;
            d.src_port = wire::kDhcpClientPort;
            d.dst_port = wire::kPxeBootServerPort;
            d.payload = wire::encode_dhcp(m);
            out.push_back(exchange(server, now,
                                   clients.front().name + " boot server REQUEST on 4011 for menu type " +
                                       std::to_string(e.type) + " (\"" + e.description + "\")",
                                   d));
            break;
        }
    }
    return out;
}

}  // namespace pxecheck::scenario
