// PXE rules (catalogue sections 4 and 5): the NIC's firmware requests and the
// master's replies to them. NIC rules judge only firmware-stage requests
// (option 60 starts "PXEClient"); later boot stages are ordinary DHCP clients.
// Master rules judge replies to firmware requests. Each rule is one function
// named after it; details quote the values seen and avoid frame numbers and
// message types where a retransmission or an OFFER/ACK pair should fold into
// one finding.

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::checks::detail {

namespace {

using analyze::BootPath;
using analyze::ClientSession;
using analyze::Direction;
using analyze::Frame;
using analyze::OfferInfo;
using analyze::Protocol;
using wire::DhcpMessage;
using wire::DhcpMessageType;
using wire::kPxeBootServerPort;

constexpr std::string_view kPxeClient = "PXEClient";
constexpr std::size_t kPxeClientFormSize = 32;
constexpr std::int64_t kNsPerSec = 1'000'000'000;

// --- small text helpers --------------------------------------------------------

std::string hex_spaced(ByteView v, std::size_t max = 20) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < max; ++i) {
        if (i) s.push_back(' ');
        s.push_back(digits[v[i] >> 4]);
        s.push_back(digits[v[i] & 0xf]);
    }
    if (v.size() > max) s += " ...";
    return s;
}

std::string qtext(ByteView v) { return quoted_printable(v); }
std::string qtext(std::string_view s) {
    return qtext(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

std::string seconds(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ns) / static_cast<double>(kNsPerSec));
    return buf;
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
    return buf;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == lower(suffix);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ") {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

std::string strip_slash(std::string s) {
    while (!s.empty() && s.front() == '/') s.erase(s.begin());
    return s;
}

// --- frame classification -------------------------------------------------------

bool client_dhcp(const Frame& f) { return f.dhcp && f.direction == Direction::FromClient; }
bool server_dhcp(const Frame& f) { return f.dhcp && f.direction == Direction::ToClient; }

bool starts_with_pxeclient(ByteView v) {
    return v.size() >= kPxeClient.size() &&
           std::equal(kPxeClient.begin(), kPxeClient.end(), v.begin(),
                      [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

/// Option 60 that starts "pxeclient" in another case: the NIC's firmware
/// trying to announce itself (ROMs and servers match case-sensitively).
bool miscased_pxeclient(const DhcpMessage& m) {
    auto v = m.joined(wire::opt::kVendorClass);
    if (!v || v->size() < kPxeClient.size() || starts_with_pxeclient(*v)) return false;
    const std::string head(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(kPxeClient.size()));
    return lower(head) == lower(kPxeClient);
}

/// A request from the NIC's PXE firmware (the scope of section 4).
bool firmware_request(const Frame& f) {
    return client_dhcp(f) && (Context::from_firmware(f) || miscased_pxeclient(*f.dhcp));
}

bool is_type(const Frame& f, std::initializer_list<DhcpMessageType> types) {
    const auto t = f.dhcp->message_type();
    return t && std::find(types.begin(), types.end(), *t) != types.end();
}

bool to_port(const Frame& f, std::uint16_t port) { return f.udp && f.udp->dst_port == port; }
bool from_port(const Frame& f, std::uint16_t port) { return f.udp && f.udp->src_port == port; }

/// Option 60 of a reply equals or starts with "PXEClient".
bool reply_says_pxeclient(const DhcpMessage& m) {
    auto v = m.joined(wire::opt::kVendorClass);
    return v && starts_with_pxeclient(*v);
}

/// A server reply addressed to the NIC's firmware: it answers a firmware
/// request, or (request not captured) it speaks PXE itself.
bool reply_to_firmware(const Context& ctx, std::size_t index) {
    const Frame& f = ctx.frame(index);
    if (!server_dhcp(f)) return false;
    if (const Frame* req = ctx.request_for(index)) return firmware_request(*req);
    return reply_says_pxeclient(*f.dhcp);
}

/// Frame indices of server replies to firmware requests, per session.
std::vector<std::size_t> firmware_replies(const Context& ctx, const ClientSession& s) {
    std::vector<std::size_t> out;
    for (std::size_t idx : s.dhcp_frames)
        if (reply_to_firmware(ctx, idx)) out.push_back(idx);
    return out;
}

/// The address that names a replying server in details: 54, else IP source.
Ipv4Addr server_of(const Frame& f) {
    if (auto id = f.dhcp->server_id(); id && !id->is_zero()) return *id;
    return f.udp ? f.udp->src_ip : Ipv4Addr{};
}

/// Boot file a reply names: file field, else option 67.
std::string named_file(const DhcpMessage& m) {
    std::string file = m.file_field();
    if (file.empty()) {
        if (auto o = m.text_option(wire::opt::kBootfileName)) file = *o;
    }
    return file;
}

/// Option 43 decoded, when present.
std::optional<wire::PxeDecoded> pxe_options(const DhcpMessage& m) {
    auto v = m.joined(wire::opt::kVendorSpecific);
    if (!v) return std::nullopt;
    return wire::decode_pxe_options(*v);
}

bool is_pxe_suboption(std::uint8_t code) {
    return (code >= wire::pxeopt::kMtftpIp && code <= wire::pxeopt::kCredentialTypes) ||
           code == wire::pxeopt::kBootItem;
}

std::string reply_kind(const OfferInfo& o) {
    if (o.from_4011) return "boot-server ACK";
    if (o.proxy) return o.type == DhcpMessageType::Offer ? "proxy offer" : "proxy ACK";
    return o.type == DhcpMessageType::Ack ? "DHCP ACK" : "DHCP OFFER";
}

template <typename Fn>
void for_each_session(const Context& ctx, Fn&& fn) {
    for (std::size_t i = 0; i < ctx.trace.sessions.size() && i < ctx.boots.size(); ++i)
        fn(ctx.trace.sessions[i], ctx.boots[i]);
}

/// Firmware DISCOVER / REQUEST / INFORM (on 67 or 4011) of a session.
template <typename Fn>
void for_each_firmware_request(const Context& ctx, const ClientSession& s, Fn&& fn) {
    for (std::size_t idx : s.dhcp_frames) {
        const Frame& f = ctx.frame(idx);
        if (!firmware_request(f)) continue;
        if (!is_type(f, {DhcpMessageType::Discover, DhcpMessageType::Request, DhcpMessageType::Inform}))
            continue;
        fn(f);
    }
}

/// The same, DHCP proper only (port 67, not boot-server traffic on 4011).
template <typename Fn>
void for_each_firmware_dhcp_request(const Context& ctx, const ClientSession& s, Fn&& fn) {
    for_each_firmware_request(ctx, s, [&](const Frame& f) {
        if (f.protocol == Protocol::Dhcp) fn(f);
    });
}

}  // namespace

// =========================================================================================
// Section 4: PXE client (NIC)
// =========================================================================================

/// PXE-001: option 60 is the 32-octet "PXEClient:Arch:AAAAA:UNDI:MMMmmm" in
/// DISCOVER and every REQUEST.
static void pxe_001(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        std::set<std::uint32_t> firmware_xids;
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!client_dhcp(f)) continue;
            const auto& m = *f.dhcp;
            if (firmware_request(f)) {
                firmware_xids.insert(m.xid);
                if (!is_type(f, {DhcpMessageType::Discover, DhcpMessageType::Request, DhcpMessageType::Inform}))
                    continue;
                const Bytes v = *m.joined(wire::opt::kVendorClass);
                const auto vc = wire::parse_vendor_class(v);
                if (vc.pxe && vc.well_formed && v.size() == kPxeClientFormSize) continue;
                std::string d = "option 60 " + qtext(v) + " is " + std::to_string(v.size()) + " octets";
                if (v.size() != kPxeClientFormSize) d += ", not " + std::to_string(kPxeClientFormSize);
                // The parser's own size remark is already said above.
                std::vector<std::string> problems;
                std::string_view rest = vc.problem;
                while (!rest.empty()) {
                    const auto cut = rest.find("; ");
                    const auto part = rest.substr(0, cut);
                    if (part.find(" octets instead of ") == std::string_view::npos) problems.emplace_back(part);
                    if (cut == std::string_view::npos) break;
                    rest.remove_prefix(cut + 2);
                }
                if (!problems.empty()) d += ": " + join(problems, "; ");
                // On 4011 the boot server has already chosen by menu type
                // (43.71) and servers match only the "PXEClient" prefix: iPXE
                // sends the bare form there and dnsmasq boots it. On 67 the
                // Arch field can pick the boot file, so a short form fails.
                std::optional<Severity> sev;
                if (to_port(f, kPxeBootServerPort) && vc.pxe) {
                    d += "; on UDP 4011 boot servers match only the PXEClient prefix";
                    sev = Severity::Warn;
                }
                sink.add("PXE-001", Blame::Nic, std::move(d), {f.number}, s.mac, sev);
            } else if (is_type(f, {DhcpMessageType::Request}) && firmware_xids.count(m.xid)) {
                // A REQUEST that continues a firmware exchange (same xid)
                // without announcing PXEClient: the ROM dropped its 60.
                auto v = m.joined(wire::opt::kVendorClass);
                std::string d = "REQUEST xid " + hex32(m.xid) + " continues a PXEClient exchange but ";
                d += v ? "its option 60 is " + qtext(*v) : "lacks option 60";
                sink.add("PXE-001", Blame::Nic, std::move(d), {f.number}, s.mac);
            }
        }
    });
}

/// PXE-002: options 93, 94 and 97 present and well shaped in every firmware
/// DHCP and boot-server request.
static void pxe_002(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for_each_firmware_request(ctx, s, [&](const Frame& f) {
            const auto& m = *f.dhcp;
            auto add = [&](std::string d, Severity sev) {
                sink.add("PXE-002", Blame::Nic, std::move(d), {f.number}, s.mac, sev);
            };
            if (auto v = m.joined(wire::opt::kClientArch); !v) {
                add("option 93 (client architecture) missing: servers choose the boot file by it", Severity::Fail);
            } else if (!wire::parse_client_arch(*v)) {
                add("option 93 is " + std::to_string(v->size()) + " octets (" + hex_spaced(*v) +
                        "), not a list of 16-bit architecture types",
                    Severity::Fail);
            }
            if (auto v = m.joined(wire::opt::kClientNdi); !v) {
                // RFC 4578 MUST; no known server needs it to boot a client.
                add("option 94 (client network interface, UNDI version) missing", Severity::Warn);
            } else if (v->size() != 3) {
                add("option 94 is " + std::to_string(v->size()) + " octets (" + hex_spaced(*v) +
                        "), not 3 (type 1, major, minor)",
                    Severity::Fail);
            } else if ((*v)[0] != 1) {
                add("option 94 type is " + std::to_string((*v)[0]) + ", not 1 (UNDI)", Severity::Fail);
            }
            if (auto v = m.joined(wire::opt::kClientUuid); !v) {
                // Firmware without an SMBIOS UUID (iPXE on some boards) omits it;
                // servers only key optional features on it.
                add("option 97 (client machine identifier) missing", Severity::Warn);
            } else if (v->size() != 17) {
                add("option 97 is " + std::to_string(v->size()) + " octets, not 17 (type 0 + 16-octet GUID)",
                    Severity::Fail);
            } else if ((*v)[0] != 0) {
                add("option 97 type is " + std::to_string((*v)[0]) + ", not 0 (GUID)", Severity::Fail);
            }
        });
    });
}

/// PXE-003: the Arch and UNDI digits of option 60 agree with options 93 and 94.
static void pxe_003(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for_each_firmware_request(ctx, s, [&](const Frame& f) {
            const auto& m = *f.dhcp;
            const auto vc = wire::parse_vendor_class(*m.joined(wire::opt::kVendorClass));
            if (auto v93 = m.joined(wire::opt::kClientArch); v93 && vc.arch) {
                if (auto arch = wire::parse_client_arch(*v93); arch && arch->front() != *vc.arch) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "%05u", static_cast<unsigned>(*vc.arch));
                    sink.add("PXE-003", Blame::Nic,
                             "option 60 says Arch " + std::string(buf) + " (" + wire::arch_name(*vc.arch) +
                                 ") but option 93 starts with " + std::to_string(arch->front()) + " (" +
                                 wire::arch_name(arch->front()) + ")",
                             {f.number}, s.mac);
                }
            }
            if (auto v94 = m.joined(wire::opt::kClientNdi); v94 && vc.undi_major && vc.undi_minor) {
                if (auto ndi = wire::parse_client_ndi(*v94);
                    ndi && (ndi->major != *vc.undi_major || ndi->minor != *vc.undi_minor)) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "%03u%03u", static_cast<unsigned>(*vc.undi_major),
                                  static_cast<unsigned>(*vc.undi_minor));
                    sink.add("PXE-003", Blame::Nic,
                             "option 60 says UNDI " + std::string(buf) + " but option 94 says " +
                                 std::to_string(ndi->major) + "." + std::to_string(ndi->minor),
                             {f.number}, s.mac);
                }
            }
        });
    });
}

/// PXE-004: registered architecture, the 7-vs-9 note, a real GUID.
static void pxe_004(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for_each_firmware_request(ctx, s, [&](const Frame& f) {
            const auto& m = *f.dhcp;
            if (auto v93 = m.joined(wire::opt::kClientArch)) {
                if (auto arch = wire::parse_client_arch(*v93)) {
                    for (auto a : *arch) {
                        if (wire::arch_name(a) == "unknown") {
                            sink.add("PXE-004", Blame::Nic,
                                     "option 93 type " + std::to_string(a) + " is not in the IANA registry",
                                     {f.number}, s.mac);
                        } else if (a == 9) {
                            sink.add("PXE-004", Blame::Nic,
                                     "option 93 type 9 is EBC per IANA (RFC 4578 erratum) but x64 in the "
                                     "RFC's original table; a few old x64 ROMs send it",
                                     {f.number}, s.mac);
                        }
                    }
                }
            }
            if (auto v97 = m.joined(wire::opt::kClientUuid)) {
                if (auto uuid = wire::parse_client_uuid(*v97)) {
                    const auto& g = uuid->guid;
                    const bool zero = std::all_of(g.begin(), g.end(), [](std::uint8_t b) { return b == 0; });
                    const bool ones = std::all_of(g.begin(), g.end(), [](std::uint8_t b) { return b == 0xff; });
                    if (zero || ones) {
                        sink.add("PXE-004", Blame::Nic,
                                 std::string("option 97 GUID is all ") + (zero ? "zeros" : "FF") +
                                     " (no machine UUID): servers cannot tell machines apart by it",
                                 {f.number}, s.mac);
                    }
                }
            }
        });
    });
}

/// PXE-005: option 55 requests 128-135 (MUST) and 43 and 60 (SHOULD).
static void pxe_005(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for_each_firmware_dhcp_request(ctx, s, [&](const Frame& f) {
            if (!is_type(f, {DhcpMessageType::Discover, DhcpMessageType::Request})) return;
            auto v = f.dhcp->joined(wire::opt::kParameterList);
            if (!v) {
                sink.add("PXE-005", Blame::Nic, "option 55 (parameter request list) missing", {f.number}, s.mac);
                return;
            }
            auto has = [&](std::uint8_t c) { return std::find(v->begin(), v->end(), c) != v->end(); };
            std::vector<std::string> missing;
            for (int c = 128; c <= 135; ++c)
                if (!has(static_cast<std::uint8_t>(c))) missing.push_back(std::to_string(c));
            if (!missing.empty()) {
                sink.add("PXE-005", Blame::Nic, "option 55 does not request " + join(missing), {f.number}, s.mac);
            }
            std::vector<std::string> should;
            if (!has(wire::opt::kVendorSpecific)) should.emplace_back("43");
            if (!has(wire::opt::kVendorClass)) should.emplace_back("60");
            if (!should.empty()) {
                sink.add("PXE-005", Blame::Nic, "option 55 does not request " + join(should, " or ") + " (SHOULD)",
                         {f.number}, s.mac, Severity::Warn);
            }
        });
    });
}

/// PXE-006: option 57 present and at least 576.
static void pxe_006(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for_each_firmware_dhcp_request(ctx, s, [&](const Frame& f) {
            if (!is_type(f, {DhcpMessageType::Discover, DhcpMessageType::Request})) return;
            auto v = f.dhcp->joined(wire::opt::kMaxMessageSize);
            if (!v) {
                sink.add("PXE-006", Blame::Nic, "option 57 (maximum DHCP message size) missing", {f.number}, s.mac,
                         Severity::Warn);
                return;
            }
            if (v->size() != 2) return;  // a length fault: OPT-003
            const unsigned size = (unsigned{(*v)[0]} << 8) | (*v)[1];
            if (size < 576) {
                sink.add("PXE-006", Blame::Nic, "option 57 is " + std::to_string(size) + ", below 576", {f.number},
                         s.mac, Severity::Fail);
            }
        });
    });
}

/// PXE-007: DISCOVER retry schedule (4/8/16/32 s, at most 4 sends) and the
/// wait for proxy offers after an address-only offer.
static void pxe_007(const Context& ctx, Sink& sink) {
    constexpr std::int64_t kEpisodeGap = 64 * kNsPerSec;    // a pause this long starts a new boot
    constexpr std::int64_t kProxyWait = 11 * kNsPerSec;     // through the 4 s and 8 s windows, with slack
    constexpr std::size_t kMaxSends = 4;

    for_each_session(ctx, [&](const ClientSession& s, const BootPath& b) {
        struct Episode {
            std::uint32_t xid = 0;
            std::vector<const Frame*> discovers;
        };
        std::vector<Episode> episodes;
        bool open = false;
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!firmware_request(f) || f.protocol != Protocol::Dhcp) continue;
            if (is_type(f, {DhcpMessageType::Discover})) {
                if (!open || episodes.back().xid != f.dhcp->xid ||
                    f.time_ns - episodes.back().discovers.back()->time_ns > kEpisodeGap) {
                    episodes.push_back({f.dhcp->xid, {}});
                    open = true;
                }
                episodes.back().discovers.push_back(&f);
            } else {
                open = false;  // REQUEST, DECLINE, ...: the discovery phase ended
            }
        }

        for (const auto& ep : episodes) {
            std::vector<std::string> gaps;
            std::vector<std::size_t> frames;
            for (std::size_t k = 1; k < ep.discovers.size(); ++k) {
                const std::int64_t gap = ep.discovers[k]->time_ns - ep.discovers[k - 1]->time_ns;
                const std::int64_t expected = std::min<std::int64_t>(4LL << (k - 1 < 3 ? k - 1 : 3), 32) * kNsPerSec;
                // gap * 2 < expected, halving the (even) expected instead:
                // times going back can make gap nearly -2^63 ns.
                if (gap < expected / 2) {
                    gaps.push_back(seconds(gap) + " (retry " + std::to_string(k) + ", expected ~" +
                                   std::to_string(expected / kNsPerSec) + " s)");
                    frames.push_back(ep.discovers[k]->number);
                }
            }
            if (!gaps.empty()) {
                sink.add("PXE-007", Blame::Nic,
                         "DISCOVER xid " + hex32(ep.xid) + " retransmitted after " + join(gaps) +
                             "; PXE 2.1 retries at 4/8/16/32 s (iPXE shortens this on purpose)",
                         std::move(frames), s.mac);
            }
            if (ep.discovers.size() > kMaxSends) {
                std::vector<std::size_t> extra;
                for (std::size_t k = kMaxSends; k < ep.discovers.size(); ++k) extra.push_back(ep.discovers[k]->number);
                sink.add("PXE-007", Blame::Nic,
                         "DISCOVER xid " + hex32(ep.xid) + " sent " + std::to_string(ep.discovers.size()) +
                             " times; PXE 2.1 sends it at most 4 times",
                         std::move(extra), s.mac);
            }
        }

        // Proxy wait: the NIC took an address-only offer (no boot file, no
        // PXEClient) and no proxy offer had arrived; PXE 2.1 keeps listening
        // through the 4 s and 8 s windows for one.
        if (!b.chosen || b.proxy_offer || !b.first_discover_ns) return;
        const OfferInfo& chosen = b.offers[*b.chosen];
        if (chosen.names_file() || chosen.vendor_class_pxe) return;
        for (const auto& o : b.offers)
            if (o.vendor_class_pxe || o.names_file()) return;  // boot information was on offer
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!firmware_request(f) || f.protocol != Protocol::Dhcp || !is_type(f, {DhcpMessageType::Request}) ||
                !f.dhcp->ciaddr.is_zero())
                continue;
            if (f.time_ns < ctx.frame(chosen.frame_index).time_ns) continue;
            // Measure from the first DISCOVER of the episode this REQUEST ends.
            std::int64_t start = *b.first_discover_ns;
            for (const auto& ep : episodes)
                if (ep.xid == f.dhcp->xid && ep.discovers.front()->time_ns <= f.time_ns)
                    start = ep.discovers.front()->time_ns;
            const std::int64_t waited = f.time_ns - start;
            if (waited < kProxyWait) {
                sink.add("PXE-007", Blame::Nic,
                         "REQUEST for the address-only offer from " + ip_text(chosen.server_id) + " sent " +
                             seconds(waited) +
                             " after the first DISCOVER; PXE 2.1 listens for proxy offers through the 4 s and "
                             "8 s windows (iPXE stops after 2 s on purpose)",
                         {f.number}, s.mac);
            }
            break;
        }
    });
}

/// PXE-009: the boot-server (or ProxyDHCP) REQUEST: ciaddr = bound address,
/// 60 present, 43 holding 71, unicast to 4011 or broadcast to 67.
static void pxe_009(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath& b) {
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!client_dhcp(f) || !is_type(f, {DhcpMessageType::Request})) continue;
            const auto& m = *f.dhcp;
            const bool on_4011 = to_port(f, kPxeBootServerPort);
            const bool has43 = m.find(wire::opt::kVendorSpecific) != nullptr;
            // On 67 a boot-server REQUEST is a bound client's REQUEST with 43
            // (a renewing REQUEST carries none).
            const bool bs_on_67 = f.protocol == Protocol::Dhcp && !m.ciaddr.is_zero() && has43 &&
                                  (firmware_request(f));
            if (!on_4011 && !bs_on_67) continue;
            const std::string what = on_4011 ? "REQUEST to UDP 4011" : "boot-server REQUEST on UDP 67";
            auto add = [&](std::string d) { sink.add("PXE-009", Blame::Nic, what + " " + d, {f.number}, s.mac); };

            if (m.ciaddr.is_zero()) {
                add("has ciaddr 0.0.0.0" + (b.ack ? ", bound address is " + ip_text(b.ack->yiaddr) : std::string()));
            } else if (b.ack && m.ciaddr != b.ack->yiaddr) {
                add("has ciaddr " + ip_text(m.ciaddr) + ", bound address is " + ip_text(b.ack->yiaddr));
            }
            if (auto v = m.joined(wire::opt::kVendorClass); !v) {
                add("lacks option 60");
            } else if (!starts_with_pxeclient(*v)) {
                add("has option 60 " + qtext(*v) + ", not PXEClient");
            }
            if (has43) {
                const auto pxe = pxe_options(m);
                const auto* item = pxe ? pxe->value.find(wire::pxeopt::kBootItem) : nullptr;
                if (!item) add("carries option 43 without 43.71 (boot item type, layer)");
                else if (item->data.size() != 4)
                    add("has 43.71 of " + std::to_string(item->data.size()) + " octets, not 4 (type, layer)");
            }
            if (f.udp) {
                if (on_4011 && f.udp->dst_ip.is_broadcast()) {
                    add("is broadcast; boot-server discovery broadcasts go to UDP 67, 4011 is unicast");
                } else if (!on_4011 && !f.udp->dst_ip.is_broadcast()) {
                    add("is unicast to " + ip_text(f.udp->dst_ip) + ":67; unicast discovery goes to UDP 4011");
                }
            }
        }
    });
}

/// PXE-012: the TFTP request targets the server and file of the governing
/// reply (boot-server ACK > proxy > DHCP ACK).
static void pxe_012(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath& b) {
        if (!b.governing || !b.governing->names_file() || !b.boot_server) return;  // PXE-025 / PXE-030
        const OfferInfo& g = *b.governing;
        const std::string gov = reply_kind(g) + " from " + ip_text(g.src_ip);
        const std::int64_t gov_ns = ctx.frame(g.frame_index).time_ns;
        if (!b.boot_transfers.empty()) {
            for (std::size_t ti : b.boot_transfers) {
                const auto& t = ctx.trace.transfers[ti];
                if (t.write || t.server_ip == *b.boot_server) continue;
                sink.add("PXE-012", Blame::Nic,
                         "RRQ " + qtext(t.filename) + " went to " + ip_text(t.server_ip) + ", but the governing " +
                             gov + " names server " + ip_text(*b.boot_server),
                         {g.frame_number, t.request_frame}, s.mac);
            }
            return;
        }
        // No read of the governing file: the first read after the governing
        // reply is the NIC's boot file request, and it asked for another one.
        // (A URI is fetched by HTTP or the like, not necessarily by TFTP.)
        if (b.bootfile.find("://") != std::string::npos) return;
        for (std::size_t ti : s.transfers) {
            const auto& t = ctx.trace.transfers[ti];
            if (t.write || t.start_ns < gov_ns) continue;
            std::string d = "first RRQ after the governing " + gov + " asks " + ip_text(t.server_ip) + " for " +
                            qtext(t.filename) + "; the reply names " + qtext(b.bootfile) + " on " +
                            ip_text(*b.boot_server);
            sink.add("PXE-012", Blame::Nic, std::move(d), {g.frame_number, t.request_frame}, s.mac);
            break;
        }
    });
}

// =========================================================================================
// Section 5: PXE master
// =========================================================================================

/// PXE-014: a reply with PXE extensions carries 60 = "PXEClient".
static void pxe_014(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            const std::string from = "reply from " + ip_text(server_of(f));
            auto v60 = m.joined(wire::opt::kVendorClass);
            bool pxe43 = false;
            bool only_mtftp = true;  // 43.1-5 only, e.g. ISC's classic "01:04:00:00:00:00:ff"
            if (auto pxe = pxe_options(m)) {
                for (const auto& o : pxe->value.items) {
                    if (!is_pxe_suboption(o.code)) continue;
                    pxe43 = true;
                    if (o.code > wire::pxeopt::kMtftpDelay) only_mtftp = false;
                }
            }
            const bool says_pxe = v60 && starts_with_pxeclient(*v60);
            if (pxe43 && !says_pxe) {
                // ROMs ignore such a 43. That breaks the boot unless the reply
                // boots without it: its own siaddr/file and nothing in 43 that
                // steers discovery or a menu.
                const bool boots_anyway = only_mtftp && !named_file(m).empty() &&
                                          (!m.siaddr.is_zero() || m.text_option(wire::opt::kTftpServerName));
                std::string d = from + " carries PXE sub-options in option 43 but " +
                                (v60 ? "option 60 is " + qtext(*v60) : std::string("no option 60")) +
                                ": ROMs read 43 as PXE options only beside 60 \"PXEClient\"";
                if (boots_anyway) d += " (harmless here: 43 holds only MTFTP settings, siaddr/file boot it)";
                sink.add("PXE-014", Blame::Master, std::move(d), {f.number}, s.mac,
                         boots_anyway ? Severity::Warn : Severity::Fail);
            } else if (from_port(f, kPxeBootServerPort) && !v60) {
                sink.add("PXE-014", Blame::Master, from + " on UDP 4011 has no option 60 \"PXEClient\"", {f.number},
                         s.mac, Severity::Info);
            } else if (says_pxe && v60->size() != kPxeClient.size()) {
                sink.add("PXE-014", Blame::Master,
                         from + " has option 60 " + qtext(*v60) + " (" + std::to_string(v60->size()) +
                             " octets), not the 9-octet \"PXEClient\"",
                         {f.number}, s.mac, Severity::Info);
            }
        }
    });
}

/// PXE-015: proxy OFFER shape: yiaddr 0, 54 = proxy, no lease options, broadcast.
static void pxe_015(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath& b) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            if (f.protocol != Protocol::Dhcp || !is_type(f, {DhcpMessageType::Offer}) || !reply_says_pxeclient(m))
                continue;
            const Ipv4Addr src = f.udp ? f.udp->src_ip : Ipv4Addr{};
            const std::string from = "proxy offer from " + ip_text(src);
            if (!m.yiaddr.is_zero()) {
                // A PXEClient offer without a lease while another server hands
                // out the address: a proxy that filled in yiaddr.
                if (m.find(wire::opt::kLeaseTime)) continue;
                const bool other_server = std::any_of(b.offers.begin(), b.offers.end(), [&](const OfferInfo& o) {
                    return o.frame_index != idx && o.src_ip != src && !o.yiaddr.is_zero();
                });
                if (!other_server) continue;
                sink.add("PXE-015", Blame::Master,
                         from + " (60 \"PXEClient\", no lease time, beside another server's address offer) has "
                                "yiaddr " + ip_text(m.yiaddr) + ", not 0.0.0.0",
                         {f.number}, s.mac, Severity::Fail);
                continue;
            }
            auto warn = [&](std::string d) {
                sink.add("PXE-015", Blame::Master, from + " " + d, {f.number}, s.mac, Severity::Warn);
            };
            if (auto id = m.server_id(); !id) {
                warn("has no option 54: the ROM cannot address its ProxyDHCPREQUEST");
            } else if (*id != src) {
                warn("has option 54 " + ip_text(*id) + ", not its own address");
            }
            std::vector<std::string> lease;
            for (std::uint8_t c : {wire::opt::kLeaseTime, wire::opt::kRenewalTime, wire::opt::kRebindingTime})
                if (m.find(c)) lease.push_back(std::to_string(c));
            if (!lease.empty()) warn("carries lease option(s) " + join(lease) + "; a proxy assigns nothing");
            if (f.udp && m.giaddr.is_zero() && !f.udp->dst_ip.is_broadcast()) {
                warn("is sent to " + ip_text(f.udp->dst_ip) + ", not broadcast (the client has no address yet)");
            }
        }
    });
}

/// PXE-018: the answer on 4011: an ACK from 4011 to the requester's address
/// and port, xid echoed, 54 set, a file or menu.
static void pxe_018(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!server_dhcp(f) || !from_port(f, kPxeBootServerPort)) continue;
            const auto& m = *f.dhcp;
            const std::string from = "4011 answer from " + ip_text(f.udp->src_ip);
            auto add = [&](std::string d, std::vector<std::size_t> frames) {
                sink.add("PXE-018", Blame::Master, from + " " + d, std::move(frames), s.mac);
            };
            const Frame* req = ctx.request_for(idx);
            if (!req) {
                // The latest 4011 request from this client: its xid was not echoed.
                for (std::size_t j = idx; j-- > 0;) {
                    const Frame& r = ctx.frame(j);
                    if (client_dhcp(r) && to_port(r, kPxeBootServerPort) && r.dhcp->chaddr == m.chaddr) {
                        add("has xid " + hex32(m.xid) + ", the request had " + hex32(r.dhcp->xid),
                            {r.number, f.number});
                        req = &r;
                        break;
                    }
                }
            }
            if (auto t = m.message_type(); t != DhcpMessageType::Ack) {
                add("is a " + (t ? wire::to_string(*t) : std::string("message without option 53")) +
                        ", not a DHCPACK",
                    {f.number});
            }
            if (req && req->udp && f.udp) {
                const auto& ru = *req->udp;
                const auto& au = *f.udp;
                if ((!ru.src_ip.is_zero() && au.dst_ip != ru.src_ip) || au.dst_port != ru.src_port) {
                    add("goes to " + ip_text(au.dst_ip) + ":" + std::to_string(au.dst_port) + ", the request came from " +
                            ip_text(ru.src_ip) + ":" + std::to_string(ru.src_port),
                        {req->number, f.number});
                }
            }
            if (!m.server_id()) add("has no option 54", {f.number});
            const auto pxe = pxe_options(m);
            const bool menu = pxe && !pxe->value.menu.empty();
            if (named_file(m).empty() && !menu) add("names no boot file and no menu", {f.number});
        }
    });
}

/// PXE-020: option 43 is whole sub-option TLVs ending in 255, in one instance.
static void pxe_020(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            if (!reply_says_pxeclient(m)) continue;  // 43 without 60: PXE-014
            auto pxe = pxe_options(m);
            if (!pxe) continue;
            const std::string from = "option 43 from " + ip_text(server_of(f));
            for (const auto& a : pxe->anomalies) {
                if (a.id == "pxe.truncated_suboption" || a.id == "pxe.missing_end") {
                    sink.add("PXE-020", Blame::Master, from + ": " + a.detail, {f.number}, s.mac, Severity::Fail);
                } else if (a.id == "pxe.data_after_end") {
                    sink.add("PXE-020", Blame::Master, from + ": " + a.detail, {f.number}, s.mac, Severity::Warn);
                }
            }
            if (const auto n = m.count(wire::opt::kVendorSpecific); n > 1) {
                sink.add("PXE-020", Blame::Master,
                         from + " is split into " + std::to_string(n) + " instances (" +
                             std::to_string(m.joined(wire::opt::kVendorSpecific)->size()) +
                             " octets, RFC 3396); many ROMs read only the first",
                         {f.number}, s.mac, Severity::Warn);
            }
        }
    });
}

/// PXE-021: sub-option shapes (PXE 2.1 table 2-1).
static void pxe_021(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            if (!reply_says_pxeclient(*f.dhcp)) continue;
            auto pxe = pxe_options(*f.dhcp);
            if (!pxe) continue;
            for (const auto& a : pxe->anomalies) {
                if (a.id != "pxe.bad_suboption_length") continue;
                sink.add("PXE-021", Blame::Master, "option 43 from " + ip_text(server_of(f)) + ": " + a.detail,
                         {f.number}, s.mac);
            }
        }
    });
}

/// PXE-022: menu coherence: every non-zero item type has a way to a boot
/// server; bit 2 needs 43.8; a menu comes with a prompt.
static void pxe_022(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            if (!reply_says_pxeclient(*f.dhcp)) continue;
            auto pxe = pxe_options(*f.dhcp);
            if (!pxe) continue;
            const auto& v = pxe->value;
            const std::string from = "option 43 from " + ip_text(server_of(f));
            const std::uint8_t dc = v.discovery_control.value_or(0);
            const bool list_only = (dc & wire::discovery::kServerListOnly) != 0;
            const bool broadcast_ok = (dc & wire::discovery::kNoBroadcast) == 0;
            const bool multicast_ok = (dc & wire::discovery::kNoMulticast) == 0 && v.discovery_mcast.has_value();
            char dctext[8];
            std::snprintf(dctext, sizeof dctext, "0x%02x", static_cast<unsigned>(dc));

            if (list_only && v.boot_servers.empty()) {
                sink.add("PXE-022", Blame::Master,
                         from + ": 43.6 = " + dctext + " accepts only listed servers (bit 2) but 43.8 lists none",
                         {f.number}, s.mac, Severity::Fail);
            }
            for (const auto& item : v.menu) {
                if (item.type == 0) continue;  // local boot
                const bool listed = std::any_of(v.boot_servers.begin(), v.boot_servers.end(),
                                                [&](const wire::PxeBootServer& b) { return b.type == item.type; });
                if (listed) continue;
                if (list_only || (!broadcast_ok && !multicast_ok)) {
                    sink.add("PXE-022", Blame::Master,
                             from + ": menu item " + hex16(item.type) + " " + qtext(item.description) +
                                 " has no server in 43.8 and 43.6 = " + dctext + " allows no discovery for it",
                             {f.number}, s.mac, Severity::Fail);
                }
            }
            if (!v.menu.empty() && !v.prompt) {
                sink.add("PXE-022", Blame::Master,
                         from + ": menu (43.9) without prompt (43.10); ROMs may ignore a prompt-less menu", {f.number},
                         s.mac, Severity::Info);
            }
        }
    });
}

/// PXE-023: 43.6 bit 3 (boot the file directly) comes with a file name.
static void pxe_023(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            if (!reply_says_pxeclient(*f.dhcp)) continue;
            auto pxe = pxe_options(*f.dhcp);
            if (!pxe || !pxe->value.discovery_control) continue;
            const std::uint8_t dc = *pxe->value.discovery_control;
            if ((dc & wire::discovery::kBootFileDirect) == 0 || !named_file(*f.dhcp).empty()) continue;
            char dctext[8];
            std::snprintf(dctext, sizeof dctext, "0x%02x", static_cast<unsigned>(dc));
            sink.add("PXE-023", Blame::Master,
                     "reply from " + ip_text(server_of(f)) + " sets 43.6 = " + dctext +
                         " (bit 3: boot the file directly) but names no file",
                     {f.number}, s.mac);
        }
    });
}

/// PXE-024: the boot location sits in siaddr/file, no overload toward ROMs,
/// and 66/67 agree with siaddr/file.
static void pxe_024(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            if (is_type(f, {DhcpMessageType::Nak})) continue;
            const std::string from = "reply from " + ip_text(server_of(f));
            auto add = [&](std::string d) { sink.add("PXE-024", Blame::Master, from + " " + d, {f.number}, s.mac); };
            const auto o66 = m.text_option(wire::opt::kTftpServerName);
            const auto o67 = m.text_option(wire::opt::kBootfileName);
            const std::string file = m.file_field();
            if (const auto ov = m.overload(); ov != 0) {
                add("overloads the file/sname fields (option 52 = " + std::to_string(ov) +
                    "); ROMs read the fields as text");
            } else if (file.empty() && o67 && !o67->empty()) {
                add("names the boot file only in option 67 (" + qtext(*o67) +
                    "), file field empty; many ROMs read only the file field");
            } else if (!file.empty() && o67 && !o67->empty() && strip_slash(*o67) != strip_slash(file)) {
                add("has file " + qtext(file) + " but option 67 " + qtext(*o67));
            }
            if (o66) {
                const auto ip66 = Ipv4Addr::parse(*o66);
                if (m.siaddr.is_zero() && ip66) {
                    add("gives the boot server only in option 66 (" + qtext(*o66) +
                        "), siaddr 0.0.0.0; many ROMs ignore 66");
                } else if (!m.siaddr.is_zero() && ip66 && *ip66 != m.siaddr) {
                    add("has siaddr " + ip_text(m.siaddr) + " but option 66 " + qtext(*o66));
                }
            }
        }
    });
}

/// PXE-025: some reply in the chain supplies a boot file (else PXE-E53).
static void pxe_025(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath& b) {
        if (b.offers.empty() && !b.ack) return;
        auto names = [](const std::optional<OfferInfo>& o) { return o && o->names_file(); };
        if (names(b.ack) || names(b.proxy_offer) || names(b.bootserver_ack)) return;
        for (const auto& o : b.offers)
            if (o.names_file()) return;

        bool declined = false, asked_4011 = false, discover_after_offer = false, requested = false;
        std::size_t first_4011 = 0;
        const std::int64_t first_offer = b.first_offer_ns.value_or(0);
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!firmware_request(f)) continue;
            if (to_port(f, kPxeBootServerPort)) {
                if (!asked_4011) first_4011 = f.number;
                asked_4011 = true;
            }
            if (is_type(f, {DhcpMessageType::Request})) requested = true;
            if (is_type(f, {DhcpMessageType::Discover}) && f.time_ns > first_offer) discover_after_offer = true;
        }
        // DECLINE frames carry no 60, so look at every client frame for them.
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (client_dhcp(f) && is_type(f, {DhcpMessageType::Decline}) &&
                (!b.ack || f.time_ns >= ctx.frame(b.ack->frame_index).time_ns))
                declined = true;
        }
        if (declined) return;  // the NIC gave the address back: the chain stopped there
        // A PXEClient reply without a file sends the NIC on to 4011: judge the
        // chain only once that step was tried (PXE-008/017 cover the rest).
        bool pxe_pending = false;
        for (const auto& o : b.offers)
            if (o.vendor_class_pxe) pxe_pending = true;
        if (b.ack && b.ack->vendor_class_pxe) pxe_pending = true;
        if (pxe_pending && !asked_4011) return;
        if (!b.ack && !(discover_after_offer && !requested)) return;  // still in progress

        std::vector<std::size_t> frames;
        std::set<std::string> servers;
        for (const auto& o : b.offers) {
            frames.push_back(o.frame_number);
            servers.insert(ip_text(o.server_id.is_zero() ? o.src_ip : o.server_id));
        }
        if (b.ack) {
            frames.push_back(b.ack->frame_number);
            servers.insert(ip_text(b.ack->server_id.is_zero() ? b.ack->src_ip : b.ack->server_id));
        }
        std::string d = "no reply names a boot file (file field and option 67 empty in the replies from " +
                        join(std::vector<std::string>(servers.begin(), servers.end())) + ")";
        if (asked_4011) {
            frames.push_back(first_4011);
            d += "; the NIC's REQUEST to UDP 4011 got no boot file either";
        }
        d += "; a PXE ROM stops with PXE-E53 (no boot filename received)";
        sink.add("PXE-025", Blame::Config, std::move(d), std::move(frames), s.mac);
    });
}

/// PXE-026: PXE replies echo option 97.
static void pxe_026(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            if (!reply_says_pxeclient(m) || is_type(f, {DhcpMessageType::Nak})) continue;
            const Frame* req = ctx.request_for(idx);
            if (!req) continue;
            auto want = req->dhcp->joined(wire::opt::kClientUuid);
            if (!want) continue;
            auto got = m.joined(wire::opt::kClientUuid);
            const std::string from = "PXE reply from " + ip_text(server_of(f));
            if (!got) {
                sink.add("PXE-026", Blame::Master, from + " does not echo option 97 (client UUID)",
                         {req->number, f.number}, s.mac);
            } else if (*got != *want) {
                sink.add("PXE-026", Blame::Master,
                         from + " echoes option 97 as " + hex_spaced(*got) + ", the request had " + hex_spaced(*want),
                         {req->number, f.number}, s.mac);
            }
        }
    });
}

namespace {

enum class ImageKind : std::uint8_t { Unknown, Bios, Efi, EfiX64, EfiIa32, EfiAa64 };

ImageKind image_kind(std::string_view name) {
    const std::string base = lower(name.substr(name.find_last_of('/') == std::string_view::npos
                                                   ? 0
                                                   : name.find_last_of('/') + 1));
    if (ends_with_ci(base, ".efi")) {
        if (base.find("x64") != std::string::npos || base.find("x86_64") != std::string::npos ||
            base.find("amd64") != std::string::npos)
            return ImageKind::EfiX64;
        if (base.find("ia32") != std::string::npos || base.find("i386") != std::string::npos)
            return ImageKind::EfiIa32;
        if (base.find("aa64") != std::string::npos || base.find("arm64") != std::string::npos ||
            base.find("aarch64") != std::string::npos)
            return ImageKind::EfiAa64;
        return ImageKind::Efi;
    }
    for (std::string_view ext : {".0", ".pxe", ".kpxe", ".kkpxe", ".kkkpxe", ".com", ".n12"})
        if (ends_with_ci(base, ext)) return ImageKind::Bios;
    return ImageKind::Unknown;
}

std::string_view kind_text(ImageKind k) {
    switch (k) {
        case ImageKind::Bios: return "a BIOS network boot program";
        case ImageKind::Efi: return "a UEFI image";
        case ImageKind::EfiX64: return "an x64 UEFI image";
        case ImageKind::EfiIa32: return "an IA32 UEFI image";
        case ImageKind::EfiAa64: return "an ARM64 UEFI image";
        case ImageKind::Unknown: break;
    }
    return "an image of unknown kind";
}

/// Whether \p kind cannot run on architecture \p arch (false when unsure).
bool unsuitable(std::uint16_t arch, ImageKind kind) {
    const bool efi = kind != ImageKind::Bios && kind != ImageKind::Unknown;
    switch (arch) {
        case 0: return efi;
        case 6: return kind == ImageKind::Bios || kind == ImageKind::EfiX64 || kind == ImageKind::EfiAa64;
        case 7:
        case 9: return kind == ImageKind::Bios || kind == ImageKind::EfiIa32 || kind == ImageKind::EfiAa64;
        case 11: return kind == ImageKind::Bios || kind == ImageKind::EfiIa32 || kind == ImageKind::EfiX64;
        case 10: return kind == ImageKind::Bios || kind == ImageKind::EfiIa32 || kind == ImageKind::EfiX64;
        default: return false;
    }
}

}  // namespace

/// PXE-027: the boot file suits the client architecture (by name: the trace
/// keeps no DATA bytes); HTTPClient requests get HTTPClient and a URI.
static void pxe_027(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!server_dhcp(f) || is_type(f, {DhcpMessageType::Nak})) continue;
            const Frame* req = ctx.request_for(idx);
            if (!req) continue;
            const auto& m = *f.dhcp;
            const std::string file = named_file(m);
            const auto stage = analyze::own_stage(*req);
            if (stage == analyze::ClientStage::HttpBoot) {
                if (file.empty()) continue;
                std::vector<std::string> problems;
                auto v60 = m.joined(wire::opt::kVendorClass);
                const std::string_view http = "HTTPClient";
                if (!v60 || v60->size() < http.size() ||
                    std::string(v60->begin(), v60->begin() + static_cast<std::ptrdiff_t>(http.size())) != http)
                    problems.emplace_back(v60 ? "option 60 is " + qtext(*v60) : std::string("no option 60"));
                if (file.find("://") == std::string::npos) problems.push_back("file " + qtext(file) + " is not a URI");
                if (!problems.empty()) {
                    sink.add("PXE-027", Blame::Config,
                             "reply from " + ip_text(server_of(f)) + " to an HTTPClient request: " + join(problems, "; ") +
                                 " (UEFI HTTP boot needs 60 \"HTTPClient\" and a URI)",
                             {f.number}, s.mac);
                }
                continue;
            }
            if (!firmware_request(*req) || file.empty()) continue;
            std::optional<std::uint16_t> arch;
            if (auto v93 = req->dhcp->joined(wire::opt::kClientArch))
                if (auto a = wire::parse_client_arch(*v93)) arch = a->front();
            if (!arch) arch = wire::parse_vendor_class(*req->dhcp->joined(wire::opt::kVendorClass)).arch;
            if (!arch) continue;
            const ImageKind kind = image_kind(file);
            if (!unsuitable(*arch, kind)) continue;
            sink.add("PXE-027", Blame::Config,
                     wire::arch_name(*arch) + " client (arch " + std::to_string(*arch) + ") is offered " + qtext(file) +
                         " by " + ip_text(server_of(f)) + ", by its name " + std::string(kind_text(kind)),
                     {f.number}, s.mac);
        }
    });
}

/// PXE-028: PXELINUX options of RFC 5071.
static void pxe_028(const Context& ctx, Sink& sink) {
    static constexpr std::array<std::uint8_t, 4> kMagic{0xf1, 0x00, 0x74, 0x7e};
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            if (!server_dhcp(f)) continue;
            const auto& m = *f.dhcp;
            const std::string from = "reply from " + ip_text(server_of(f));
            auto add = [&](std::string d, Severity sev) {
                sink.add("PXE-028", Blame::Master, from + " " + d, {f.number}, s.mac, sev);
            };
            if (auto v = m.joined(208)) {
                if (v->size() != 4) {
                    add("has option 208 (pxelinux magic) of " + std::to_string(v->size()) + " octets, not 4",
                        Severity::Fail);
                } else if (!std::equal(v->begin(), v->end(), kMagic.begin())) {
                    add("has option 208 = " + hex_spaced(*v) + ", not f1 00 74 7e: old pxelinux ignores 209/210",
                        Severity::Info);
                } else {
                    add("sends option 208 (pxelinux magic), deprecated by RFC 5071", Severity::Info);
                }
            }
            for (std::uint8_t code : {std::uint8_t{209}, std::uint8_t{210}}) {
                if (auto v = m.joined(code); v && (v->empty() || (v->size() == 1 && (*v)[0] == 0))) {
                    add("has an empty option " + std::to_string(code) +
                            (code == 209 ? " (pxelinux config file)" : " (pxelinux path prefix)"),
                        Severity::Fail);
                }
            }
            if (auto v = m.joined(211); v && v->size() != 4) {
                add("has option 211 (reboot time) of " + std::to_string(v->size()) + " octets, not 4", Severity::Fail);
            }
        }
    });
}

/// PXE-029: option 77 as RFC 3004 {len, data} items; iPXE's bare "iPXE".
static void pxe_029(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        for (std::size_t idx : s.dhcp_frames) {
            const Frame& f = ctx.frame(idx);
            const bool client = firmware_request(f);
            if (!client && !reply_to_firmware(ctx, idx)) continue;
            auto v = f.dhcp->joined(wire::opt::kUserClass);
            if (!v) continue;
            std::string problem;
            std::size_t p = 0;
            while (p < v->size()) {
                const std::size_t len = (*v)[p];
                if (len == 0) {
                    problem = "item at " + std::to_string(p) + " has length 0";
                    break;
                }
                if (v->size() - p - 1 < len) {
                    problem = "item at " + std::to_string(p) + " claims " + std::to_string(len) + " octets, " +
                              std::to_string(v->size() - p - 1) + " left";
                    break;
                }
                p += 1 + len;
            }
            if (problem.empty() && !v->empty()) continue;
            if (v->empty()) problem = "is empty";
            std::string d = "option 77 " + qtext(*v) + " is not RFC 3004 {length, data} items (" + problem + ")";
            if (printable(*v) == "iPXE") d += ": iPXE's bare \"iPXE\", which masters must tolerate";
            sink.add("PXE-029", client ? Blame::Nic : Blame::Master, std::move(d), {f.number}, s.mac);
        }
    });
}

/// PXE-030: a reply that names a boot file also says where to fetch it
/// (siaddr, or option 66 as a dotted address).
static void pxe_030(const Context& ctx, Sink& sink) {
    for_each_session(ctx, [&](const ClientSession& s, const BootPath&) {
        // What this NIC did next, the same for every reply of the session.
        std::string observed = "this trace: no TFTP request followed";
        for (std::size_t ti : s.transfers) {
            const auto& t = ctx.trace.transfers[ti];
            if (t.write) continue;
            observed = "this trace: the NIC asked " + ip_text(t.server_ip) + " for " + qtext(t.filename);
            break;
        }
        for (std::size_t idx : firmware_replies(ctx, s)) {
            const Frame& f = ctx.frame(idx);
            const auto& m = *f.dhcp;
            if (is_type(f, {DhcpMessageType::Nak})) continue;
            const std::string file = named_file(m);
            if (file.empty() || file.find("://") != std::string::npos) continue;  // a URI names its server
            if (!m.siaddr.is_zero()) continue;
            const auto o66 = m.text_option(wire::opt::kTftpServerName);
            if (o66 && Ipv4Addr::parse(*o66)) continue;
            const auto sid = m.server_id();
            std::string d = "reply from " + ip_text(server_of(f)) + " names " + qtext(file) +
                            " but siaddr is 0.0.0.0 and " +
                            (o66 ? "option 66 " + qtext(*o66) + " is not a dotted address" : "there is no option 66") +
                            ": iPXE reports \"Nothing to boot\" and sends no TFTP request, some ROMs (EDK2) try "
                            "option 54" +
                            (sid ? " (" + ip_text(*sid) + ")" : std::string(", which is absent")) +
                            "; set next-server / siaddr; " + observed;
            sink.add("PXE-030", Blame::Config, std::move(d), {f.number}, s.mac);
        }
    });
}

void check_pxe(const Context& ctx, Sink& sink) {
    pxe_001(ctx, sink);
    pxe_002(ctx, sink);
    pxe_003(ctx, sink);
    pxe_004(ctx, sink);
    pxe_005(ctx, sink);
    pxe_006(ctx, sink);
    pxe_007(ctx, sink);
    // PXE-008, 010, 011, 013: active only (need a pxecheck stimulus).
    pxe_009(ctx, sink);
    pxe_012(ctx, sink);
    pxe_014(ctx, sink);
    pxe_015(ctx, sink);
    // PXE-016, 017, 019: active only.
    pxe_018(ctx, sink);
    pxe_020(ctx, sink);
    pxe_021(ctx, sink);
    pxe_022(ctx, sink);
    pxe_023(ctx, sink);
    pxe_024(ctx, sink);
    pxe_025(ctx, sink);
    pxe_026(ctx, sink);
    pxe_027(ctx, sink);
    pxe_028(ctx, sink);
    pxe_029(ctx, sink);
    pxe_030(ctx, sink);
}

}  // namespace pxecheck::checks::detail
