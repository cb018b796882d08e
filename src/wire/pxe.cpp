#include "pxecheck/wire/pxe.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace pxecheck::wire {

namespace {

constexpr std::string_view kPxePrefix = "PXEClient";
constexpr std::string_view kHttpPrefix = "HTTPClient";
/// "PXEClient:Arch:AAAAA:UNDI:MMMmmm" (PXE 2.1 table 2-1); the HTTP form has
/// one octet more in its prefix.
constexpr std::size_t kPxeClientFormSize = 32;
constexpr std::size_t kHttpClientFormSize = 33;

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

unsigned to_number(std::string_view digits) {
    unsigned v = 0;
    for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
}

std::string quote(std::string_view s) {
    return quoted_printable(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

std::uint16_t be16(ByteView d, std::size_t at) {
    return static_cast<std::uint16_t>((d[at] << 8) | d[at + 1]);
}

Ipv4Addr ip_at(ByteView d, std::size_t at) {
    return Ipv4Addr::from_octets(d[at], d[at + 1], d[at + 2], d[at + 3]);
}

void add_anomaly(Anomalies& out, std::string id, std::size_t offset, std::string detail) {
    out.push_back(Anomaly{std::move(id), offset, std::move(detail)});
}

std::string sub_name(std::uint8_t code) { return "43." + std::to_string(code); }

/// Fixed sizes of PXE 2.1 table 2-1 (0 = not fixed).
std::size_t fixed_size(std::uint8_t code) {
    switch (code) {
        case pxeopt::kMtftpIp: return 4;
        case pxeopt::kMtftpClientPort: return 2;
        case pxeopt::kMtftpServerPort: return 2;
        case pxeopt::kMtftpTimeout: return 1;
        case pxeopt::kMtftpDelay: return 1;
        case pxeopt::kDiscoveryControl: return 1;
        case pxeopt::kDiscoveryMcastAddr: return 4;
        case pxeopt::kBootItem: return 4;
        default: return 0;
    }
}

/// 43.8: {type16, count8, count x IPv4}... Returns the problem, "" when fine.
std::string parse_boot_servers(ByteView d, std::vector<PxeBootServer>& out) {
    std::size_t p = 0;
    std::vector<PxeBootServer> servers;
    if (d.empty()) return "is empty";
    while (p < d.size()) {
        if (d.size() - p < 3) {
            return "entry at " + std::to_string(p) + " needs 3 octets (type, count), " +
                   std::to_string(d.size() - p) + " left";
        }
        PxeBootServer srv;
        srv.type = be16(d, p);
        const std::size_t count = d[p + 2];
        if (count == 0) return "entry at " + std::to_string(p) + " lists no address";
        if (d.size() - p - 3 < count * 4) {
            return "entry at " + std::to_string(p) + " claims " + std::to_string(count) + " addresses, " +
                   std::to_string(d.size() - p - 3) + " octets left";
        }
        for (std::size_t i = 0; i < count; ++i) srv.addresses.push_back(ip_at(d, p + 3 + 4 * i));
        servers.push_back(std::move(srv));
        p += 3 + count * 4;
    }
    out.insert(out.end(), servers.begin(), servers.end());
    return "";
}

/// 43.9: {type16, len8, description}...
std::string parse_menu(ByteView d, std::vector<PxeMenuItem>& out) {
    std::size_t p = 0;
    std::vector<PxeMenuItem> items;
    if (d.empty()) return "is empty";
    while (p < d.size()) {
        if (d.size() - p < 3) {
            return "entry at " + std::to_string(p) + " needs 3 octets (type, length), " +
                   std::to_string(d.size() - p) + " left";
        }
        const std::size_t len = d[p + 2];
        if (d.size() - p - 3 < len) {
            return "entry at " + std::to_string(p) + " claims a " + std::to_string(len) +
                   "-octet description, " + std::to_string(d.size() - p - 3) + " octets left";
        }
        PxeMenuItem item;
        item.type = be16(d, p);
        item.description.assign(d.begin() + static_cast<std::ptrdiff_t>(p + 3),
                                d.begin() + static_cast<std::ptrdiff_t>(p + 3 + len));
        items.push_back(std::move(item));
        p += 3 + len;
    }
    out.insert(out.end(), items.begin(), items.end());
    return "";
}

void put_item(ByteWriter& w, std::uint8_t code, ByteView data) {
    w.u8(code);
    w.u8(static_cast<std::uint8_t>(std::min<std::size_t>(data.size(), 255)));
    w.bytes(data.first(std::min<std::size_t>(data.size(), 255)));
}

}  // namespace

// --- option 60 -----------------------------------------------------------------

VendorClass parse_vendor_class(ByteView value) {
    VendorClass vc;
    vc.text.assign(value.begin(), value.end());
    std::string_view t = vc.text;
    const bool nul = !t.empty() && t.back() == '\0';
    if (nul) t.remove_suffix(1);

    std::vector<std::string> problems;
    auto finish = [&] {
        if (nul) problems.emplace_back("ends with a NUL octet (RFC 2132 §2: text options should not)");
        std::string joined;
        for (const auto& p : problems) {
            if (!joined.empty()) joined += "; ";
            joined += p;
        }
        vc.problem = std::move(joined);
        vc.well_formed = vc.problem.empty();
        return vc;
    };

    std::size_t prefix = 0;
    if (t.starts_with(kPxePrefix)) {
        vc.pxe = true;
        prefix = kPxePrefix.size();
    } else if (t.starts_with(kHttpPrefix)) {
        vc.http = true;
        prefix = kHttpPrefix.size();
    } else {
        // ROMs match the prefix case-sensitively (PXE 2.1), so "pxeclient"
        // from a hand-written server config is a real fault, not a nit.
        if (iequals(t.substr(0, kPxePrefix.size()), kPxePrefix)) {
            problems.push_back("prefix " + quote(t.substr(0, kPxePrefix.size())) +
                               " differs in case from \"PXEClient\" (case-sensitive)");
        } else if (iequals(t.substr(0, kHttpPrefix.size()), kHttpPrefix)) {
            problems.push_back("prefix " + quote(t.substr(0, kHttpPrefix.size())) +
                               " differs in case from \"HTTPClient\" (case-sensitive)");
        } else {
            problems.emplace_back("does not start with \"PXEClient\" or \"HTTPClient\"");
        }
        return finish();
    }

    std::string_view rest = t.substr(prefix);
    if (rest.empty()) {
        problems.push_back("bare " + quote(t) + " (the server form, no Arch/UNDI fields)");
        return finish();
    }
    if (rest[0] != ':') {
        problems.push_back("unexpected text after the prefix: " + quote(rest));
        return finish();
    }

    std::vector<std::string_view> fields;
    rest.remove_prefix(1);
    while (true) {
        const auto colon = rest.find(':');
        fields.push_back(rest.substr(0, colon));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }

    auto check_name = [&](std::size_t i, std::string_view want) {
        if (fields.size() <= i) {
            problems.push_back("missing the \"" + std::string(want) + "\" field");
            return false;
        }
        if (fields[i] != want) {
            problems.push_back("expected \"" + std::string(want) + "\", got " + quote(fields[i]));
        }
        return true;
    };

    if (check_name(0, "Arch")) {
        if (fields.size() <= 1) {
            problems.emplace_back("missing the architecture digits");
        } else {
            const auto a = fields[1];
            if (a.size() != 5 || !all_digits(a)) {
                problems.push_back("architecture " + quote(a) + " is not 5 decimal digits");
            }
            if (all_digits(a) && a.size() <= 5) {
                const unsigned v = to_number(a);
                if (v <= 0xffff) {
                    vc.arch = static_cast<std::uint16_t>(v);
                } else {
                    problems.push_back("architecture " + std::string(a) + " does not fit 16 bits");
                }
            }
        }
    }
    if (check_name(2, "UNDI")) {
        if (fields.size() <= 3) {
            problems.emplace_back("missing the UNDI version digits");
        } else {
            const auto u = fields[3];
            if (u.size() != 6 || !all_digits(u)) {
                problems.push_back("UNDI version " + quote(u) + " is not 6 decimal digits (MMMmmm)");
            } else {
                const unsigned major = to_number(u.substr(0, 3));
                const unsigned minor = to_number(u.substr(3, 3));
                if (major > 255 || minor > 255) {
                    problems.push_back("UNDI version " + std::string(u) + " does not fit two octets");
                } else {
                    vc.undi_major = static_cast<std::uint8_t>(major);
                    vc.undi_minor = static_cast<std::uint8_t>(minor);
                }
            }
        }
    }
    if (fields.size() > 4) {
        std::string extra;
        for (std::size_t i = 4; i < fields.size(); ++i) {
            extra.push_back(':');
            extra += fields[i];
        }
        problems.push_back("unexpected text after the UNDI field: " + quote(extra));
    }

    const std::size_t want = vc.http ? kHttpClientFormSize : kPxeClientFormSize;
    if ((!problems.empty() || nul) && value.size() != want) {
        problems.insert(problems.begin(), std::to_string(value.size()) + " octets instead of " +
                                              std::to_string(want));
    }
    return finish();
}

std::string make_pxe_vendor_class(std::uint16_t arch, std::uint8_t undi_major, std::uint8_t undi_minor,
                                  bool http) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s:Arch:%05u:UNDI:%03u%03u", http ? "HTTPClient" : "PXEClient",
                  static_cast<unsigned>(arch), static_cast<unsigned>(undi_major),
                  static_cast<unsigned>(undi_minor));
    return buf;
}

// --- options 93, 94, 97 -------------------------------------------------------

std::optional<std::vector<std::uint16_t>> parse_client_arch(ByteView value) {
    if (value.empty() || value.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint16_t> out;
    for (std::size_t p = 0; p < value.size(); p += 2) out.push_back(be16(value, p));
    return out;
}

std::string arch_name(std::uint16_t arch) {
    // IANA "Processor Architecture Types" with the RFC 4578 erratum applied:
    // 7 is x64 UEFI and 9 is EBC (the RFC's own table had them swapped, and a
    // few old x64 ROMs still send 9).
    static constexpr std::array<std::string_view, 42> kNames{
        "x86 BIOS",          "NEC/PC98",           "Itanium",           "DEC Alpha",
        "Arc x86",           "Intel Lean Client",  "x86 UEFI",          "x64 UEFI",
        "EFI XScale",        "EBC",                "ARM32 UEFI",        "ARM64 UEFI",
        "PowerPC Open Firmware", "PowerPC ePAPR",  "POWER OPAL v3",     "x86 UEFI HTTP",
        "x64 UEFI HTTP",     "EBC HTTP",           "ARM32 UEFI HTTP",   "ARM64 UEFI HTTP",
        "x86 BIOS HTTP",     "ARM32 U-Boot",       "ARM64 U-Boot",      "ARM32 U-Boot HTTP",
        "ARM64 U-Boot HTTP", "RISC-V 32 UEFI",     "RISC-V 32 UEFI HTTP", "RISC-V 64 UEFI",
        "RISC-V 64 UEFI HTTP", "RISC-V 128 UEFI",  "RISC-V 128 UEFI HTTP", "s390 Basic",
        "s390 Extended",     "MIPS 32 UEFI",       "MIPS 64 UEFI",      "Sunway 32 UEFI",
        "Sunway 64 UEFI",    "LoongArch 32 UEFI",  "LoongArch 32 UEFI HTTP", "LoongArch 64 UEFI",
        "LoongArch 64 UEFI HTTP", "ARM rpiboot",
    };
    if (arch < kNames.size()) return std::string(kNames[arch]);
    return "unknown";
}

std::optional<ClientNdi> parse_client_ndi(ByteView value) {
    if (value.size() != 3) return std::nullopt;
    return ClientNdi{value[0], value[1], value[2]};
}

std::string ClientUuid::to_string() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < guid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(digits[guid[i] >> 4]);
        s.push_back(digits[guid[i] & 0xf]);
    }
    return s;
}

std::optional<ClientUuid> parse_client_uuid(ByteView value) {
    if (value.size() != 17) return std::nullopt;
    ClientUuid u;
    u.type = value[0];
    std::copy(value.begin() + 1, value.end(), u.guid.begin());
    return u;
}

// --- option 43 -------------------------------------------------------------------

const PxeSubOption* PxeVendorOptions::find(std::uint8_t code) const {
    for (const auto& item : items) {
        if (item.code == code) return &item;
    }
    return nullptr;
}

PxeDecoded decode_pxe_options(ByteView v) {
    PxeDecoded out;
    auto& val = out.value;
    bool truncated = false;
    std::size_t p = 0;
    while (p < v.size()) {
        const std::uint8_t code = v[p];
        if (code == 0) {  // PAD, as in the DHCP option space
            ++p;
            continue;
        }
        if (code == pxeopt::kEnd) {
            val.end_present = true;
            const auto rest = v.subspan(p + 1);
            val.trailing.assign(rest.begin(), rest.end());
            const auto nz = std::find_if(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; });
            if (nz != rest.end()) {
                const auto at = p + 1 + static_cast<std::size_t>(nz - rest.begin());
                add_anomaly(out.anomalies, "pxe.data_after_end", at,
                            std::to_string(rest.size()) + " octets follow END at " + std::to_string(p) +
                                ", first non-PAD at " + std::to_string(at));
            }
            p = v.size();
            break;
        }
        if (v.size() - p < 2) {
            add_anomaly(out.anomalies, "pxe.truncated_suboption", p,
                        sub_name(code) + " at " + std::to_string(p) + " has no length octet");
            truncated = true;
            break;
        }
        const std::size_t len = v[p + 1];
        if (v.size() - p - 2 < len) {
            add_anomaly(out.anomalies, "pxe.truncated_suboption", p,
                        sub_name(code) + " claims " + std::to_string(len) + " octets, " +
                            std::to_string(v.size() - p - 2) + " left in option 43");
            truncated = true;
            break;
        }
        const auto data = v.subspan(p + 2, len);
        val.items.push_back(PxeSubOption{code, Bytes(data.begin(), data.end()), p});
        p += 2 + len;
    }
    if (truncated) {
        val.trailing.assign(v.begin() + static_cast<std::ptrdiff_t>(p), v.end());
    } else if (!val.end_present) {
        add_anomaly(out.anomalies, "pxe.missing_end", v.size(),
                    "option 43 (" + std::to_string(v.size()) + " octets) has no END (255) sub-option");
    }

    // Typed views. A sub-option of the wrong shape keeps its raw item but
    // gets no view, so a consumer never acts on a half-parsed menu.
    for (const auto& item : val.items) {
        const ByteView d = item.data;
        auto bad = [&](const std::string& why) {
            add_anomaly(out.anomalies, "pxe.bad_suboption_length", item.offset,
                        sub_name(item.code) + " " + why + " (PXE 2.1 table 2-1)");
        };
        if (const std::size_t want = fixed_size(item.code); want != 0 && d.size() != want) {
            bad("has " + std::to_string(d.size()) + " octets, expected " + std::to_string(want));
            continue;
        }
        switch (item.code) {
            case pxeopt::kDiscoveryControl:
                if (!val.discovery_control) val.discovery_control = d[0];
                break;
            case pxeopt::kDiscoveryMcastAddr:
                if (!val.discovery_mcast) val.discovery_mcast = ip_at(d, 0);
                break;
            case pxeopt::kBootServers:
                if (auto why = parse_boot_servers(d, val.boot_servers); !why.empty()) bad(why);
                break;
            case pxeopt::kBootMenu:
                if (auto why = parse_menu(d, val.menu); !why.empty()) bad(why);
                break;
            case pxeopt::kMenuPrompt:
                if (d.empty()) {
                    bad("is empty, expected a timeout octet and prompt text");
                } else if (!val.prompt) {
                    val.prompt = PxeMenuPrompt{d[0], std::string(d.begin() + 1, d.end())};
                }
                break;
            case pxeopt::kCredentialTypes:
                if (d.empty() || d.size() % 4 != 0) {
                    bad("has " + std::to_string(d.size()) + " octets, expected a multiple of 4");
                }
                break;
            case pxeopt::kBootItem:
                if (!val.boot_item) val.boot_item = PxeBootItem{be16(d, 0), be16(d, 2)};
                break;
            default:
                break;
        }
    }
    return out;
}

Bytes encode_pxe_options(const PxeVendorOptions& value) {
    ByteWriter w;
    if (value.discovery_control) {
        const std::uint8_t b = *value.discovery_control;
        put_item(w, pxeopt::kDiscoveryControl, ByteView(&b, 1));
    }
    if (value.discovery_mcast) {
        const auto o = value.discovery_mcast->octets();
        put_item(w, pxeopt::kDiscoveryMcastAddr, o);
    }
    if (!value.boot_servers.empty()) {
        // One sub-option holds at most 255 octets: entries that would not
        // fit are left out rather than producing a length that lies.
        ByteWriter s;
        for (const auto& srv : value.boot_servers) {
            const std::size_t n = std::min<std::size_t>(srv.addresses.size(), 255);
            if (n == 0 || s.size() + 3 + 4 * n > 255) continue;
            s.u16(srv.type);
            s.u8(static_cast<std::uint8_t>(n));
            for (std::size_t i = 0; i < n; ++i) s.u32(srv.addresses[i].value);
        }
        if (s.size() > 0) put_item(w, pxeopt::kBootServers, s.buffer());
    }
    if (!value.menu.empty()) {
        ByteWriter m;
        for (const auto& item : value.menu) {
            const std::size_t n = std::min<std::size_t>(item.description.size(), 255);
            if (m.size() + 3 + n > 255) break;
            m.u16(item.type);
            m.u8(static_cast<std::uint8_t>(n));
            m.text(std::string_view(item.description).substr(0, n));
        }
        if (m.size() > 0) put_item(w, pxeopt::kBootMenu, m.buffer());
    }
    if (value.prompt) {
        ByteWriter pr;
        pr.u8(value.prompt->timeout);
        pr.text(std::string_view(value.prompt->text).substr(0, 254));
        put_item(w, pxeopt::kMenuPrompt, pr.buffer());
    }
    if (value.boot_item) {
        ByteWriter bi;
        bi.u16(value.boot_item->type);
        bi.u16(value.boot_item->layer);
        put_item(w, pxeopt::kBootItem, bi.buffer());
    }
    for (const auto& item : value.items) {
        // Items that a typed part above already wrote are not repeated, so
        // encode(decode(x)) does not double them.
        const bool typed = (item.code == pxeopt::kDiscoveryControl && value.discovery_control) ||
                           (item.code == pxeopt::kDiscoveryMcastAddr && value.discovery_mcast) ||
                           (item.code == pxeopt::kBootServers && !value.boot_servers.empty()) ||
                           (item.code == pxeopt::kBootMenu && !value.menu.empty()) ||
                           (item.code == pxeopt::kMenuPrompt && value.prompt) ||
                           (item.code == pxeopt::kBootItem && value.boot_item);
        if (typed || item.code == 0 || item.code == pxeopt::kEnd) continue;
        put_item(w, item.code, item.data);
    }
    w.u8(pxeopt::kEnd);
    return std::move(w).take();
}

}  // namespace pxecheck::wire
