#include "pxecheck/client/from_capture.hpp"

#include <algorithm>
#include <charconv>

namespace pxecheck::client {

namespace {

namespace opt = wire::opt;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

std::optional<std::uint32_t> number(std::string_view text) {
    std::uint32_t v = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || p != end || text.empty()) return std::nullopt;
    return v;
}

const wire::TftpOption* find_option(const std::vector<wire::TftpOption>& opts, std::string_view name) {
    for (const auto& o : opts)
        if (iequals(o.name, name)) return &o;
    return nullptr;
}

/// Index of \p name in \p opts, or opts.size().
std::size_t index_of(const std::vector<wire::TftpOption>& opts, std::string_view name) {
    for (std::size_t i = 0; i < opts.size(); ++i)
        if (iequals(opts[i].name, name)) return i;
    return opts.size();
}

std::string hex_of(const Bytes& b) { return to_hex(ByteView(b.data(), b.size())); }

/// \p captured (the DISCOVER's codes, in order) with the codes of \p base that
/// the DISCOVER lacks (50, 54, 43 of later requests) placed after their
/// predecessor in the base order, so REQUESTs and 4011 requests keep the
/// firmware's order too while the DISCOVER's own order stays as captured.
std::vector<std::uint8_t> merged_order(std::vector<std::uint8_t> captured, const std::vector<std::uint8_t>& base) {
    std::size_t next = 0;  // where the next base code that is missing goes
    bool anchored = false;
    for (std::uint8_t code : base) {
        auto it = std::find(captured.begin(), captured.end(), code);
        if (it != captured.end()) {
            next = static_cast<std::size_t>(it - captured.begin()) + 1;
            anchored = true;
            continue;
        }
        if (!anchored) next = 0;
        captured.insert(captured.begin() + static_cast<std::ptrdiff_t>(next), code);
        ++next;
        anchored = true;
    }
    return captured;
}

}  // namespace

const NicProfile& base_profile_for(const wire::DhcpMessage& discover) {
    auto pick = [](const char* name) -> const NicProfile& { return *find_profile(name); };
    if (auto uc = discover.joined(opt::kUserClass)) {
        const std::string s(uc->begin(), uc->end());
        if (s.rfind("iPXE", 0) == 0) return pick("ipxe");
    }
    if (auto a = discover.joined(opt::kClientArch); a && a->size() >= 2) {
        const unsigned arch = (unsigned{(*a)[0]} << 8) | (*a)[1];
        if (arch == 11) return pick("uefi-arm64");
        if (arch >= 6) return pick("uefi-x64");
    }
    return pick("bios");
}

ReplayNic profile_from_discover(const wire::DhcpMessage& discover) {
    return profile_from_discover(discover, base_profile_for(discover));
}

ReplayNic profile_from_discover(const wire::DhcpMessage& discover, const NicProfile& base) {
    ReplayNic r;
    ClientConfig& cfg = r.config;
    cfg.mac = discover.client_mac();
    NicProfile& p = cfg.profile;
    p = base;
    p.name = "capture";
    p.description = "rebuilt from the captured DISCOVER of " + cfg.mac.to_string() +
                    " (options, their order and values, flags, padding); timers and 4011/TFTP habits of the "
                    "built-in profile \"" + base.name + "\"";
    // Everything the DISCOVER shows comes from it alone.
    p.parameter_list.clear();
    p.vendor_class.clear();
    p.user_class.reset();
    p.client_id_from_mac = false;
    p.extra_options.clear();
    p.broadcast_flag = discover.broadcast_flag();
    const Bytes payload = wire::encode_dhcp(discover);
    p.min_message_size = std::max(payload.size(), wire::kBootpMinSize);

    // Codes in order of first appearance (RFC 3396 instances joined).
    std::vector<std::uint8_t> order;
    for (const auto& o : discover.options) {
        if (o.code == opt::kPad || o.code == opt::kEnd) continue;
        if (std::find(order.begin(), order.end(), o.code) == order.end()) order.push_back(o.code);
    }
    auto override_raw = [&](std::uint8_t code, const Bytes& v) { cfg.option_overrides.emplace_back(code, v); };

    for (std::uint8_t code : order) {
        const Bytes v = *discover.joined(code);
        switch (code) {
            case opt::kMessageType: break;
            case opt::kRequestedAddress:
            case opt::kServerId:
                // The emulator writes its own in REQUESTs; the captured value
                // would ask for the capture's address or server.
                r.notes.push_back("option " + std::to_string(code) + " (" + hex_of(v) +
                                  ") of the captured DISCOVER is not sent: the NIC sets it from the live offer");
                break;
            case opt::kParameterList:
                if (v.empty()) {
                    r.notes.push_back("option 55 of the captured DISCOVER is empty; sent without it");
                } else {
                    p.parameter_list = v;
                }
                break;
            case opt::kMaxMessageSize:
                if (v.size() == 2) {
                    p.max_message_size = static_cast<std::uint16_t>((v[0] << 8) | v[1]);
                } else {
                    override_raw(code, v);
                }
                break;
            case opt::kVendorClass:
                if (v.empty()) {
                    r.notes.push_back("option 60 of the captured DISCOVER is empty; sent without it");
                    override_raw(code, {});
                } else {
                    p.vendor_class.assign(v.begin(), v.end());
                }
                break;
            case opt::kClientId:
                if (v.size() == 7 && v[0] == 1 && std::equal(cfg.mac.octets.begin(), cfg.mac.octets.end(), v.begin() + 1)) {
                    p.client_id_from_mac = true;  // follows a rewritten MAC
                } else {
                    override_raw(code, v);
                }
                break;
            case opt::kUserClass: p.user_class = v; break;
            case opt::kClientArch:
                if (v.size() == 2) {
                    p.arch = static_cast<std::uint16_t>((v[0] << 8) | v[1]);
                } else {
                    override_raw(code, v);
                }
                break;
            case opt::kClientNdi:
                if (v.size() == 3 && v[0] == 1) {
                    p.undi_major = v[1];
                    p.undi_minor = v[2];
                } else {
                    override_raw(code, v);
                }
                break;
            case opt::kClientUuid:
                if (v.size() == 17 && v[0] == 0) {
                    std::copy(v.begin() + 1, v.end(), cfg.uuid.begin());
                } else {
                    override_raw(code, v);
                }
                break;
            default: p.extra_options.emplace_back(code, v); break;
        }
    }
    // The builder writes 57, 60, 93, 94 and 97 always: drop those the
    // firmware did not send.
    for (std::uint8_t code : {opt::kMaxMessageSize, opt::kVendorClass, opt::kClientArch, opt::kClientNdi,
                              opt::kClientUuid}) {
        if (std::find(order.begin(), order.end(), code) == order.end()) override_raw(code, {});
    }
    p.option_order = merged_order(order, base.option_order);
    return r;
}

void apply_captured_rrq(NicProfile& p, const std::vector<wire::TftpOption>& download,
                        const std::vector<wire::TftpOption>* size_probe, std::vector<std::string>& notes) {
    auto value = [&](const std::vector<wire::TftpOption>& opts, std::string_view name, std::uint32_t lo,
                     std::uint32_t hi) -> std::uint16_t {
        const auto* o = find_option(opts, name);
        if (!o) return 0;
        const auto n = number(o->value);
        if (!n || *n < lo || *n > hi) {
            notes.push_back("captured RRQ option " + o->name + "=" + o->value + " is out of range; not asked");
            return 0;
        }
        return static_cast<std::uint16_t>(*n);
    };
    p.tftp_blksize = value(download, "blksize", 8, 65464);
    p.tftp_windowsize = value(download, "windowsize", 1, 65535);
    const std::vector<wire::TftpOption>& first = size_probe ? *size_probe : download;
    const std::size_t ts = index_of(first, "tsize");
    p.tftp_tsize_first = ts < first.size() && ts < index_of(first, "blksize") && ts < index_of(first, "windowsize");
    if (size_probe) {
        p.tftp_tsize = true;
        const bool only_tsize = size_probe->size() == 1 && ts == 0;
        p.tftp_size_probe = only_tsize ? TftpSizeProbe::TsizeOnly : TftpSizeProbe::AllOptions;
    } else {
        p.tftp_tsize = find_option(download, "tsize") != nullptr;
        p.tftp_size_probe = TftpSizeProbe::None;
    }
    for (const auto* list : {&download, size_probe}) {
        if (!list) continue;
        for (const auto& o : *list) {
            if (iequals(o.name, "blksize") || iequals(o.name, "tsize") || iequals(o.name, "windowsize")) continue;
            notes.push_back("captured RRQ option " + o.name + "=" + o.value + " is not asked by the emulated NIC");
        }
    }
}

}  // namespace pxecheck::client
