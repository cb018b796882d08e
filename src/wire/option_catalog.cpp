#include "pxecheck/wire/option_catalog.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::wire {

namespace {

using F = OptionFormat;

// 255 as max_len means "no upper bound": RFC 3396 lets any option grow past
// one instance, so the bound is only enforced where an RFC fixes the size.
constexpr std::uint8_t kAny = 255;

// One row per code, sorted by code. Lengths follow the text of each RFC: the
// fixed sizes of RFC 2132 ("The code for this option is 1, and its length is
// 4"), its minimums ("minimum length ... is 1") and its multiples ("MUST
// always be a multiple of 4"). Site-specific codes that PXE tooling uses are
// included with the document that gave them meaning.
constexpr std::array kCatalog{
    OptionInfo{0, "pad", F::Empty, 0, 0, 1, "RFC 2132 §3.1"},
    OptionInfo{1, "subnet-mask", F::Ip, 4, 4, 1, "RFC 2132 §3.3"},
    OptionInfo{2, "time-offset", F::I32, 4, 4, 1, "RFC 2132 §3.4"},
    OptionInfo{3, "router", F::IpList, 4, kAny, 4, "RFC 2132 §3.5"},
    OptionInfo{4, "time-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.6"},
    OptionInfo{5, "name-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.7"},
    OptionInfo{6, "domain-name-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.8"},
    OptionInfo{7, "log-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.9"},
    OptionInfo{8, "cookie-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.10"},
    OptionInfo{9, "lpr-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.11"},
    OptionInfo{10, "impress-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.12"},
    OptionInfo{11, "resource-location-server", F::IpList, 4, kAny, 4, "RFC 2132 §3.13"},
    OptionInfo{12, "host-name", F::Text, 1, kAny, 1, "RFC 2132 §3.14"},
    OptionInfo{13, "boot-file-size", F::U16, 2, 2, 1, "RFC 2132 §3.15"},
    OptionInfo{14, "merit-dump-file", F::Text, 1, kAny, 1, "RFC 2132 §3.16"},
    OptionInfo{15, "domain-name", F::Text, 1, kAny, 1, "RFC 2132 §3.17"},
    OptionInfo{16, "swap-server", F::Ip, 4, 4, 1, "RFC 2132 §3.18"},
    OptionInfo{17, "root-path", F::Text, 1, kAny, 1, "RFC 2132 §3.19"},
    OptionInfo{18, "extensions-path", F::Text, 1, kAny, 1, "RFC 2132 §3.20"},
    OptionInfo{19, "ip-forwarding", F::Bool, 1, 1, 1, "RFC 2132 §4.1"},
    OptionInfo{20, "non-local-source-routing", F::Bool, 1, 1, 1, "RFC 2132 §4.2"},
    OptionInfo{21, "policy-filter", F::IpPairs, 8, kAny, 8, "RFC 2132 §4.3"},
    OptionInfo{22, "max-datagram-reassembly", F::U16, 2, 2, 1, "RFC 2132 §4.4"},
    OptionInfo{23, "default-ip-ttl", F::U8, 1, 1, 1, "RFC 2132 §4.5"},
    OptionInfo{24, "path-mtu-aging-timeout", F::U32, 4, 4, 1, "RFC 2132 §4.6"},
    OptionInfo{25, "path-mtu-plateau-table", F::U16List, 2, kAny, 2, "RFC 2132 §4.7"},
    OptionInfo{26, "interface-mtu", F::U16, 2, 2, 1, "RFC 2132 §5.1"},
    OptionInfo{27, "all-subnets-local", F::Bool, 1, 1, 1, "RFC 2132 §5.2"},
    OptionInfo{28, "broadcast-address", F::Ip, 4, 4, 1, "RFC 2132 §5.3"},
    OptionInfo{29, "perform-mask-discovery", F::Bool, 1, 1, 1, "RFC 2132 §5.4"},
    OptionInfo{30, "mask-supplier", F::Bool, 1, 1, 1, "RFC 2132 §5.5"},
    OptionInfo{31, "router-discovery", F::Bool, 1, 1, 1, "RFC 2132 §5.6"},
    OptionInfo{32, "router-solicitation-address", F::Ip, 4, 4, 1, "RFC 2132 §5.7"},
    OptionInfo{33, "static-routes", F::IpPairs, 8, kAny, 8, "RFC 2132 §5.8"},
    OptionInfo{34, "trailer-encapsulation", F::Bool, 1, 1, 1, "RFC 2132 §6.1"},
    OptionInfo{35, "arp-cache-timeout", F::U32, 4, 4, 1, "RFC 2132 §6.2"},
    OptionInfo{36, "ethernet-encapsulation", F::Bool, 1, 1, 1, "RFC 2132 §6.3"},
    OptionInfo{37, "tcp-default-ttl", F::U8, 1, 1, 1, "RFC 2132 §7.1"},
    OptionInfo{38, "tcp-keepalive-interval", F::U32, 4, 4, 1, "RFC 2132 §7.2"},
    OptionInfo{39, "tcp-keepalive-garbage", F::Bool, 1, 1, 1, "RFC 2132 §7.3"},
    OptionInfo{40, "nis-domain", F::Text, 1, kAny, 1, "RFC 2132 §8.1"},
    OptionInfo{41, "nis-servers", F::IpList, 4, kAny, 4, "RFC 2132 §8.2"},
    OptionInfo{42, "ntp-servers", F::IpList, 4, kAny, 4, "RFC 2132 §8.3"},
    OptionInfo{43, "vendor-encapsulated-options", F::VendorEncapsulated, 1, kAny, 1,
               "RFC 2132 §8.4"},
    OptionInfo{44, "netbios-name-servers", F::IpList, 4, kAny, 4, "RFC 2132 §8.5"},
    OptionInfo{45, "netbios-dd-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.6"},
    OptionInfo{46, "netbios-node-type", F::U8, 1, 1, 1, "RFC 2132 §8.7"},
    OptionInfo{47, "netbios-scope", F::Text, 1, kAny, 1, "RFC 2132 §8.8"},
    OptionInfo{48, "x-font-servers", F::IpList, 4, kAny, 4, "RFC 2132 §8.9"},
    OptionInfo{49, "x-display-manager", F::IpList, 4, kAny, 4, "RFC 2132 §8.10"},
    OptionInfo{50, "requested-address", F::Ip, 4, 4, 1, "RFC 2132 §9.1"},
    OptionInfo{51, "lease-time", F::U32, 4, 4, 1, "RFC 2132 §9.2"},
    OptionInfo{52, "option-overload", F::Overload, 1, 1, 1, "RFC 2132 §9.3"},
    OptionInfo{53, "message-type", F::MessageType, 1, 1, 1, "RFC 2132 §9.6"},
    OptionInfo{54, "server-identifier", F::Ip, 4, 4, 1, "RFC 2132 §9.7"},
    OptionInfo{55, "parameter-request-list", F::ParameterList, 1, kAny, 1, "RFC 2132 §9.8"},
    OptionInfo{56, "message", F::Text, 1, kAny, 1, "RFC 2132 §9.9"},
    OptionInfo{57, "max-message-size", F::U16, 2, 2, 1, "RFC 2132 §9.10"},
    OptionInfo{58, "renewal-time", F::U32, 4, 4, 1, "RFC 2132 §9.11"},
    OptionInfo{59, "rebinding-time", F::U32, 4, 4, 1, "RFC 2132 §9.12"},
    OptionInfo{60, "vendor-class-identifier", F::Text, 1, kAny, 1, "RFC 2132 §9.13"},
    OptionInfo{61, "client-identifier", F::ClientId, 2, kAny, 1, "RFC 2132 §9.14"},
    // 62/63 sit inside the 1-76 range but were defined later (NetWare/IP).
    OptionInfo{62, "netware-ip-domain", F::Text, 1, kAny, 1, "RFC 2242 §2"},
    OptionInfo{63, "netware-ip-option", F::Hex, 0, kAny, 1, "RFC 2242 §3"},
    OptionInfo{64, "nisplus-domain", F::Text, 1, kAny, 1, "RFC 2132 §8.11"},
    OptionInfo{65, "nisplus-servers", F::IpList, 4, kAny, 4, "RFC 2132 §8.12"},
    OptionInfo{66, "tftp-server-name", F::Text, 1, kAny, 1, "RFC 2132 §9.4"},
    OptionInfo{67, "bootfile-name", F::Text, 1, kAny, 1, "RFC 2132 §9.5"},
    // RFC 2132 §8.13: "zero or more addresses", so an empty 68 is legal.
    OptionInfo{68, "mobile-ip-home-agent", F::IpList, 0, kAny, 4, "RFC 2132 §8.13"},
    OptionInfo{69, "smtp-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.14"},
    OptionInfo{70, "pop3-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.15"},
    OptionInfo{71, "nntp-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.16"},
    OptionInfo{72, "www-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.17"},
    OptionInfo{73, "finger-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.18"},
    OptionInfo{74, "irc-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.19"},
    OptionInfo{75, "streettalk-server", F::IpList, 4, kAny, 4, "RFC 2132 §8.20"},
    OptionInfo{76, "streettalk-directory-assistance", F::IpList, 4, kAny, 4, "RFC 2132 §8.21"},
    // Items are {len >= 1, data}; iPXE sends a bare "iPXE" that does not
    // parse as items, which the formatter shows as text (PXE-029).
    OptionInfo{77, "user-class", F::UserClass, 2, kAny, 1, "RFC 3004 §4"},
    OptionInfo{80, "rapid-commit", F::Empty, 0, 0, 1, "RFC 4039 §4"},
    OptionInfo{81, "client-fqdn", F::Hex, 3, kAny, 1, "RFC 4702 §2"},
    OptionInfo{82, "relay-agent-information", F::Hex, 2, kAny, 1, "RFC 3046 §2.0"},
    OptionInfo{93, "client-arch", F::ClientArch, 2, kAny, 2, "RFC 4578 §2.1"},
    OptionInfo{94, "client-ndi", F::ClientNdi, 3, 3, 1, "RFC 4578 §2.2"},
    OptionInfo{97, "uuid-guid", F::Uuid, 17, 17, 1, "RFC 4578 §2.3"},
    OptionInfo{116, "auto-configure", F::U8, 1, 1, 1, "RFC 2563 §2"},
    OptionInfo{118, "subnet-selection", F::Ip, 4, 4, 1, "RFC 3011 §3"},
    OptionInfo{119, "domain-search", F::DomainList, 1, kAny, 1, "RFC 3397 §2"},
    OptionInfo{121, "classless-static-route", F::ClasslessRoutes, 5, kAny, 1, "RFC 3442 §2"},
    // enterprise number (4) + data length (1) at least.
    OptionInfo{125, "vivso", F::Hex, 5, kAny, 1, "RFC 3925 §4"},
    // RFC 4578 §2.4 lists 128-135 as "PXE - undefined (vendor specific)";
    // firmware requests them in 55 and sites fill them with anything.
    OptionInfo{128, "pxe-128", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{129, "pxe-129", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{130, "pxe-130", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{131, "pxe-131", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{132, "pxe-132", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{133, "pxe-133", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{134, "pxe-134", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{135, "pxe-135", F::Hex, 0, kAny, 1, "RFC 4578 §2.4"},
    OptionInfo{145, "forcerenew-nonce-capable", F::U8List, 1, kAny, 1, "RFC 6704 §3.1.2"},
    OptionInfo{150, "tftp-server-address", F::IpList, 4, kAny, 4, "RFC 5859 §3"},
    OptionInfo{161, "mud-url", F::Text, 1, kAny, 1, "RFC 8520 §10"},
    // iPXE's own encapsulated space (IANA lists 175 as tentatively assigned
    // to Etherboot); the contents are iPXE settings, shown as hex.
    OptionInfo{175, "etherboot", F::Hex, 0, kAny, 1, "iPXE (IANA tentative, Etherboot)"},
    OptionInfo{208, "pxelinux-magic", F::Hex, 4, 4, 1, "RFC 5071 §4"},
    OptionInfo{209, "pxelinux-config-file", F::Text, 1, kAny, 1, "RFC 5071 §5"},
    OptionInfo{210, "pxelinux-path-prefix", F::Text, 1, kAny, 1, "RFC 5071 §6"},
    OptionInfo{211, "pxelinux-reboot-time", F::U32, 4, 4, 1, "RFC 5071 §7"},
    OptionInfo{252, "wpad", F::Text, 1, kAny, 1, "draft-ietf-wrec-wpad-01"},
    OptionInfo{255, "end", F::Empty, 0, 0, 1, "RFC 2132 §3.2"},
};

static_assert(std::is_sorted(kCatalog.begin(), kCatalog.end(),
                             [](const OptionInfo& a, const OptionInfo& b) { return a.code < b.code; }),
              "the catalogue must stay ordered by code");

/// Options whose value is a duration in seconds (shown with an "s" suffix).
bool is_seconds(std::uint8_t code) {
    switch (code) {
        case 2: case 24: case 35: case 38: case 51: case 58: case 59: case 211:
            return true;
        default:
            return false;
    }
}

std::uint16_t be16(ByteView d, std::size_t at) {
    return static_cast<std::uint16_t>((d[at] << 8) | d[at + 1]);
}

std::uint32_t be32(ByteView d, std::size_t at) {
    return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
           (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
}

std::string ip_at(ByteView d, std::size_t at) { return Ipv4Addr{be32(d, at)}.to_string(); }

/// The fallback for values that do not fit their format: "0x" + hex.
std::string raw_hex(ByteView d) { return "0x" + to_hex(d); }

std::string colon_hex(ByteView d) {
    std::string s;
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i > 0) s.push_back(':');
        s.push_back(digits[d[i] >> 4]);
        s.push_back(digits[d[i] & 0xf]);
    }
    return s;
}


/// RFC 1035 §4.1.4 names with compression pointers that stay inside the
/// option value (RFC 3397 §2). nullopt on a loop, a bad pointer or a
/// truncated label.
std::optional<std::string> domain_list(ByteView d) {
    std::string out;
    std::size_t pos = 0;
    while (pos < d.size()) {
        std::string name;
        std::size_t p = pos;
        std::size_t next = 0;  // where the next name starts, set at the first pointer
        bool jumped = false;
        int hops = 0;
        while (true) {
            if (p >= d.size()) return std::nullopt;
            const std::uint8_t len = d[p];
            if (len == 0) {
                if (!jumped) next = p + 1;
                break;
            }
            if ((len & 0xc0) == 0xc0) {
                if (p + 1 >= d.size() || ++hops > 64) return std::nullopt;
                const std::size_t target = static_cast<std::size_t>(((len & 0x3f) << 8) | d[p + 1]);
                if (!jumped) next = p + 2;
                jumped = true;
                p = target;
                continue;
            }
            if ((len & 0xc0) != 0 || p + 1 + len > d.size()) return std::nullopt;
            if (!name.empty()) name.push_back('.');
            name += printable(d.subspan(p + 1, len));
            p += 1 + len;
        }
        if (!out.empty()) out.push_back(',');
        out += name.empty() ? "." : name;
        pos = next;
    }
    return out;
}

/// RFC 3442 §2: {width, significant octets of the destination, router}...
std::optional<std::string> classless_routes(ByteView d) {
    std::string out;
    std::size_t p = 0;
    while (p < d.size()) {
        const std::uint8_t width = d[p];
        if (width > 32) return std::nullopt;
        const std::size_t sig = (width + 7u) / 8u;
        if (p + 1 + sig + 4 > d.size()) return std::nullopt;
        std::array<std::uint8_t, 4> dest{};
        for (std::size_t i = 0; i < sig; ++i) dest[i] = d[p + 1 + i];
        if (!out.empty()) out.push_back(',');
        out += Ipv4Addr::from_octets(dest[0], dest[1], dest[2], dest[3]).to_string() + "/" +
               std::to_string(width) + "->" + ip_at(d, p + 1 + sig);
        p += 1 + sig + 4;
    }
    return out;
}

/// RFC 3004 §4 items; nullopt when the value is not a run of {len, data}.
std::optional<std::string> user_class(ByteView d) {
    std::string out;
    std::size_t p = 0;
    while (p < d.size()) {
        const std::size_t len = d[p];
        if (len == 0 || p + 1 + len > d.size()) return std::nullopt;
        if (!out.empty()) out.push_back(',');
        out += quoted_printable(d.subspan(p + 1, len));
        p += 1 + len;
    }
    return "[" + out + "]";
}

/// Option 43 as PXE sub-options, when every item is a known PXE sub-option
/// and the walk found no anomaly; otherwise nullopt (the caller shows hex).
std::optional<std::string> pxe_vendor(ByteView d) {
    const PxeDecoded dec = decode_pxe_options(d);
    if (!dec.anomalies.empty() || dec.value.items.empty()) return std::nullopt;
    const auto& v = dec.value;
    std::string out;
    auto add = [&out](const std::string& s) {
        if (!out.empty()) out.push_back(',');
        out += s;
    };
    for (const auto& item : v.items) {
        const std::string key = std::to_string(item.code) + "=";
        switch (item.code) {
            case pxeopt::kMtftpIp:
                add(key + ip_at(item.data, 0));
                break;
            case pxeopt::kMtftpClientPort:
            case pxeopt::kMtftpServerPort:
                add(key + std::to_string(be16(item.data, 0)));
                break;
            case pxeopt::kMtftpTimeout:
            case pxeopt::kMtftpDelay:
                add(key + std::to_string(item.data[0]) + "s");
                break;
            case pxeopt::kDiscoveryControl: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%02x", item.data[0]);
                add(key + buf);
                break;
            }
            case pxeopt::kDiscoveryMcastAddr:
                add(key + ip_at(item.data, 0));
                break;
            case pxeopt::kBootServers: {
                // Shape already checked by decode_pxe_options (no anomaly).
                std::string s;
                std::size_t p = 0;
                while (p + 3 <= item.data.size()) {
                    const std::size_t count = item.data[p + 2];
                    if (!s.empty()) s.push_back(',');
                    s += std::to_string(be16(item.data, p)) + ":";
                    for (std::size_t i = 0; i < count; ++i) {
                        if (i > 0) s.push_back('/');
                        s += ip_at(item.data, p + 3 + 4 * i);
                    }
                    p += 3 + 4 * count;
                }
                add(key + "[" + s + "]");
                break;
            }
            case pxeopt::kBootMenu: {
                std::string s;
                std::size_t p = 0;
                while (p + 3 <= item.data.size()) {
                    const std::size_t len = item.data[p + 2];
                    if (!s.empty()) s.push_back(',');
                    s += std::to_string(be16(item.data, p)) + ":" +
                         quoted_printable(ByteView(item.data).subspan(p + 3, len));
                    p += 3 + len;
                }
                add(key + "[" + s + "]");
                break;
            }
            case pxeopt::kMenuPrompt:
                add(key + std::to_string(item.data[0]) + ":" +
                    quoted_printable(ByteView(item.data).subspan(1)));
                break;
            case pxeopt::kBootItem:
                add(key + std::to_string(be16(item.data, 0)) + "/" +
                    std::to_string(be16(item.data, 2)));
                break;
            case pxeopt::kMcastAddrAlloc:
            case pxeopt::kCredentialTypes:
                add(key + raw_hex(item.data));
                break;
            default:
                return std::nullopt;  // not a PXE sub-option: not PXE contents
        }
    }
    return "{" + out + "}";
}

}  // namespace

std::span<const OptionInfo> option_catalog() { return kCatalog; }

const OptionInfo* option_info(std::uint8_t code) {
    const auto* it = std::lower_bound(kCatalog.begin(), kCatalog.end(), code,
                                      [](const OptionInfo& row, std::uint8_t c) { return row.code < c; });
    if (it == kCatalog.end() || it->code != code) return nullptr;
    return &*it;
}

std::string option_name(std::uint8_t code) {
    if (const OptionInfo* info = option_info(code)) {
        return std::string(info->name) + "(" + std::to_string(code) + ")";
    }
    return "option-" + std::to_string(code);
}

bool option_length_ok(std::uint8_t code, std::size_t len) {
    const OptionInfo* info = option_info(code);
    if (info == nullptr) return true;
    if (len < info->min_len) return false;
    if (info->max_len != kAny && len > info->max_len) return false;
    if (info->multiple > 1 && len % info->multiple != 0) return false;
    return true;
}

std::string format_option_value(std::uint8_t code, ByteView data) {
    const OptionInfo* info = option_info(code);
    if (info == nullptr) return raw_hex(data);
    const std::size_t n = data.size();
    const std::string unit = is_seconds(code) ? "s" : "";

    switch (info->format) {
        case F::Empty:
            return n == 0 ? "" : raw_hex(data);
        case F::Ip:
            return n == 4 ? ip_at(data, 0) : raw_hex(data);
        case F::IpList:
        case F::IpPairs: {
            const std::size_t step = info->format == F::IpPairs ? 8 : 4;
            if (n == 0 || n % step != 0) return raw_hex(data);
            std::string s;
            for (std::size_t p = 0; p < n; p += step) {
                if (!s.empty()) s.push_back(',');
                s += ip_at(data, p);
                if (info->format == F::IpPairs) {
                    s.push_back('/');
                    s += ip_at(data, p + 4);
                }
            }
            return s;
        }
        case F::U8:
            return n == 1 ? std::to_string(data[0]) + unit : raw_hex(data);
        case F::U16:
            return n == 2 ? std::to_string(be16(data, 0)) + unit : raw_hex(data);
        case F::U32:
            if (n != 4) return raw_hex(data);
            // RFC 2131 §3.3: 0xffffffff means an infinite lease.
            if (code == opt::kLeaseTime && be32(data, 0) == 0xffffffffu) return "infinite";
            return std::to_string(be32(data, 0)) + unit;
        case F::I32:
            if (n != 4) return raw_hex(data);
            return std::to_string(static_cast<std::int32_t>(be32(data, 0))) + unit;
        case F::U8List:
        case F::ParameterList: {
            if (n == 0) return raw_hex(data);
            std::string s;
            for (auto b : data) {
                if (!s.empty()) s.push_back(',');
                s += std::to_string(b);
            }
            return s;
        }
        case F::U16List: {
            if (n == 0 || n % 2 != 0) return raw_hex(data);
            std::string s;
            for (std::size_t p = 0; p < n; p += 2) {
                if (!s.empty()) s.push_back(',');
                s += std::to_string(be16(data, p));
            }
            return s;
        }
        case F::Bool:
            if (n != 1) return raw_hex(data);
            if (data[0] <= 1) return data[0] != 0 ? "true" : "false";
            return std::to_string(data[0]);
        case F::Text:
            return quoted_printable(data);
        case F::DomainList:
            return domain_list(data).value_or(raw_hex(data));
        case F::Hex:
            return n == 0 ? "\"\"" : colon_hex(data);
        case F::ClientId:
            return n == 0 ? raw_hex(data) : colon_hex(data);
        case F::MessageType:
            if (n != 1) return raw_hex(data);
            return to_string(static_cast<DhcpMessageType>(data[0]));
        case F::Overload:
            if (n != 1) return raw_hex(data);
            switch (data[0]) {
                case 1: return "file";
                case 2: return "sname";
                case 3: return "file+sname";
                default: return std::to_string(data[0]);
            }
        case F::VendorEncapsulated:
            return pxe_vendor(data).value_or(raw_hex(data));
        case F::UserClass:
            // iPXE sends a bare "iPXE" instead of RFC 3004 items.
            return user_class(data).value_or(quoted_printable(data));
        case F::ClientArch: {
            const auto arches = parse_client_arch(data);
            if (!arches) return raw_hex(data);
            std::string s;
            for (auto a : *arches) {
                if (!s.empty()) s.push_back(',');
                s += std::to_string(a) + "(" + arch_name(a) + ")";
            }
            return s;
        }
        case F::ClientNdi: {
            const auto ndi = parse_client_ndi(data);
            if (!ndi) return raw_hex(data);
            const std::string version = std::to_string(ndi->major) + "." + std::to_string(ndi->minor);
            return ndi->type == 1 ? "UNDI " + version : "type" + std::to_string(ndi->type) + " " + version;
        }
        case F::Uuid: {
            const auto uuid = parse_client_uuid(data);
            if (!uuid) return raw_hex(data);
            return uuid->type == 0 ? uuid->to_string()
                                   : "type" + std::to_string(uuid->type) + ":" + uuid->to_string();
        }
        case F::ClasslessRoutes:
            return classless_routes(data).value_or(raw_hex(data));
    }
    return raw_hex(data);
}

}  // namespace pxecheck::wire
