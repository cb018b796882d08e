#include "pxecheck/wire/dhcp.hpp"

#include <algorithm>
#include <cstdio>

#include "pxecheck/wire/option_catalog.hpp"

namespace pxecheck::wire {

namespace {

constexpr std::size_t kCookieOffset = 236;
constexpr std::size_t kMaxInstance = 255;  ///< data octets one instance can carry

/// RFC 2131 §4.1 and RFC 3396 §7: these describe one value each, so a second
/// instance is an error rather than a split (OPT-006).
bool must_not_repeat(std::uint8_t code) {
    return (code >= opt::kRequestedAddress && code <= opt::kServerId) || code == opt::kMaxMessageSize;
}

const char* area_field_name(OptionArea area) {
    switch (area) {
        case OptionArea::Options: return "options field";
        case OptionArea::File: return "file field";
        case OptionArea::Sname: return "sname field";
    }
    return "options field";
}

void add_anomaly(Anomalies& out, std::string id, std::size_t offset, std::string detail) {
    out.push_back(Anomaly{std::move(id), offset, std::move(detail)});
}

/// The state a TLV walk ends in.
struct WalkResult {
    bool end_seen = false;
    bool truncated = false;
};

/// Walks one option area (RFC 2132 §2 TLVs) and appends its instances to
/// \p msg.options. Whatever cannot be read as an option (the bytes after END,
/// or everything from a truncated option on) goes to \p trailing so that the
/// encoder can put it back verbatim.
WalkResult walk_area(ByteView field, std::size_t base, OptionArea area, DhcpMessage& msg, Bytes& trailing,
                     Anomalies& anomalies) {
    WalkResult r;
    std::size_t p = 0;
    while (p < field.size()) {
        const std::uint8_t code = field[p];
        if (code == opt::kPad) {
            msg.options.push_back(DhcpOption{code, {}, area, base + p});
            ++p;
            continue;
        }
        if (code == opt::kEnd) {
            msg.options.push_back(DhcpOption{code, {}, area, base + p});
            r.end_seen = true;
            const auto rest = field.subspan(p + 1);
            trailing.assign(rest.begin(), rest.end());
            // OPT-001: only PAD may follow END in its field.
            const auto nz = std::find_if(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; });
            if (nz != rest.end()) {
                const std::size_t at = base + p + 1 + static_cast<std::size_t>(nz - rest.begin());
                const auto nonzero = static_cast<std::size_t>(
                    std::count_if(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; }));
                add_anomaly(anomalies, "dhcp.data_after_end", at,
                            std::to_string(nonzero) + " non-zero octets after END at " +
                                std::to_string(base + p) + " in " + area_field_name(area) +
                                ", first at " + std::to_string(at));
            }
            return r;
        }
        if (field.size() - p < 2) {
            add_anomaly(anomalies, "dhcp.truncated_option", base + p,
                        "option " + std::to_string(code) + " at " + std::to_string(base + p) +
                            " has no length octet, it is the last octet of the " + area_field_name(area));
            r.truncated = true;
            break;
        }
        const std::size_t len = field[p + 1];
        const std::size_t left = field.size() - p - 2;
        if (left < len) {
            add_anomaly(anomalies, "dhcp.truncated_option", base + p,
                        "option " + std::to_string(code) + " claims " + std::to_string(len) + " octets, " +
                            std::to_string(left) + " left in " + area_field_name(area));
            r.truncated = true;
            break;
        }
        const auto data = field.subspan(p + 2, len);
        msg.options.push_back(DhcpOption{code, Bytes(data.begin(), data.end()), area, base + p});
        p += 2 + len;
    }
    if (r.truncated) {
        trailing.assign(field.begin() + static_cast<std::ptrdiff_t>(p), field.end());
    }
    return r;
}

/// "exactly 4", "at least 1", "a multiple of 4" ... from the catalogue row.
std::string length_rule(const OptionInfo& info) {
    std::string s;
    if (info.min_len == info.max_len) {
        s = "exactly " + std::to_string(info.min_len);
    } else {
        if (info.min_len > 0) s = "at least " + std::to_string(info.min_len);
        if (info.max_len != 255) s += (s.empty() ? "at most " : ", at most ") + std::to_string(info.max_len);
        if (info.multiple > 1) s += (s.empty() ? "a multiple of " : ", a multiple of ") + std::to_string(info.multiple);
    }
    return s;
}

void check_length(Anomalies& anomalies, std::uint8_t code, std::size_t len, std::size_t offset, bool joined) {
    if (option_length_ok(code, len)) return;
    const OptionInfo* info = option_info(code);
    if (info == nullptr) return;
    add_anomaly(anomalies, "dhcp.bad_option_length", offset,
                "option " + std::to_string(code) + " (" + std::string(info->name) + ") has " +
                    std::to_string(len) + " octets" + (joined ? " after RFC 3396 joining" : "") + ", " +
                    std::string(info->source) + " requires " + length_rule(*info));
}

void put_option(ByteWriter& w, const DhcpOption& o) {
    w.u8(o.code);
    if (o.code == opt::kPad || o.code == opt::kEnd) return;
    if (o.data.size() <= kMaxInstance) {
        w.u8(static_cast<std::uint8_t>(o.data.size()));
        w.bytes(o.data);
        return;
    }
    // A model instance longer than one TLV can carry: write it as RFC 3396
    // consecutive instances of the same code.
    ByteView rest = o.data;
    bool first = true;
    while (!rest.empty()) {
        const std::size_t n = std::min(rest.size(), kMaxInstance);
        if (!first) w.u8(o.code);
        w.u8(static_cast<std::uint8_t>(n));
        w.bytes(rest.first(n));
        rest = rest.subspan(n);
        first = false;
    }
}

/// Bytes of an overloaded field: its option instances, then its trailing
/// bytes, cut or zero-filled to the field size.
void put_overloaded_field(ByteWriter& w, const DhcpMessage& msg, OptionArea area, const Bytes& trailing,
                          ByteView raw) {
    const bool any = std::any_of(msg.options.begin(), msg.options.end(),
                                 [area](const DhcpOption& o) { return o.area == area; });
    if (!any && trailing.empty()) {
        // Overload announced but nothing placed there: keep the raw field.
        w.bytes(raw);
        return;
    }
    ByteWriter f;
    for (const auto& o : msg.options) {
        if (o.area == area) put_option(f, o);
    }
    f.bytes(trailing);
    Bytes bytes = std::move(f).take();
    bytes.resize(raw.size(), 0);
    w.bytes(bytes);
}

std::string field_text(ByteView field) {
    const auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
    return std::string(field.begin(), nul);
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

}  // namespace

std::string to_string(DhcpMessageType t) {
    switch (t) {
        case DhcpMessageType::Discover: return "DISCOVER";
        case DhcpMessageType::Offer: return "OFFER";
        case DhcpMessageType::Request: return "REQUEST";
        case DhcpMessageType::Decline: return "DECLINE";
        case DhcpMessageType::Ack: return "ACK";
        case DhcpMessageType::Nak: return "NAK";
        case DhcpMessageType::Release: return "RELEASE";
        case DhcpMessageType::Inform: return "INFORM";
        case DhcpMessageType::ForceRenew: return "FORCERENEW";
        case DhcpMessageType::LeaseQuery: return "LEASEQUERY";
        case DhcpMessageType::LeaseUnassigned: return "LEASEUNASSIGNED";
        case DhcpMessageType::LeaseUnknown: return "LEASEUNKNOWN";
        case DhcpMessageType::LeaseActive: return "LEASEACTIVE";
        case DhcpMessageType::BulkLeaseQuery: return "BULKLEASEQUERY";
        case DhcpMessageType::LeaseQueryDone: return "LEASEQUERYDONE";
        case DhcpMessageType::ActiveLeaseQuery: return "ACTIVELEASEQUERY";
        case DhcpMessageType::LeaseQueryStatus: return "LEASEQUERYSTATUS";
        case DhcpMessageType::Tls: return "DHCPTLS";
    }
    return "TYPE(" + std::to_string(static_cast<unsigned>(t)) + ")";
}

bool outside_boot(DhcpMessageType t) {
    const auto v = static_cast<std::uint8_t>(t);
    return v > static_cast<std::uint8_t>(DhcpMessageType::Inform) && v <= kLastRegisteredMessageType;
}

// --- reading ----------------------------------------------------------------------

const DhcpOption* DhcpMessage::find(std::uint8_t code) const {
    if (code == opt::kPad || code == opt::kEnd) return nullptr;
    for (const auto& o : options) {
        if (o.code == code) return &o;
    }
    return nullptr;
}

std::size_t DhcpMessage::count(std::uint8_t code) const {
    return static_cast<std::size_t>(
        std::count_if(options.begin(), options.end(), [code](const DhcpOption& o) { return o.code == code; }));
}

std::optional<Bytes> DhcpMessage::joined(std::uint8_t code) const {
    if (code == opt::kPad || code == opt::kEnd) return std::nullopt;
    // Nearly always none or one instance (the rules ask a hundred thousand
    // times over a capture): one pass settles those.
    const DhcpOption* first = nullptr;
    std::size_t instances = 0;
    for (const auto& o : options) {
        if (o.code != code) continue;
        if (!first) first = &o;
        ++instances;
    }
    if (instances == 0) return std::nullopt;
    if (instances == 1) return first->data;
    std::optional<Bytes> out;
    // RFC 3396 §5 / RFC 2131 §4.1: options field, then file, then sname,
    // whatever order a built message keeps its instances in.
    for (const OptionArea area : {OptionArea::Options, OptionArea::File, OptionArea::Sname}) {
        for (const auto& o : options) {
            if (o.code != code || o.area != area) continue;
            if (!out) out.emplace();
            out->insert(out->end(), o.data.begin(), o.data.end());
        }
    }
    return out;
}

std::optional<DhcpMessageType> DhcpMessage::message_type() const {
    const DhcpOption* o = find(opt::kMessageType);
    if (o == nullptr || o->data.size() != 1) return std::nullopt;
    return static_cast<DhcpMessageType>(o->data[0]);
}

namespace {
std::optional<Ipv4Addr> ip_option(const DhcpMessage& m, std::uint8_t code) {
    const DhcpOption* o = m.find(code);
    if (o == nullptr || o->data.size() != 4) return std::nullopt;
    return Ipv4Addr::from_octets(o->data[0], o->data[1], o->data[2], o->data[3]);
}
}  // namespace

std::optional<Ipv4Addr> DhcpMessage::server_id() const { return ip_option(*this, opt::kServerId); }

std::optional<Ipv4Addr> DhcpMessage::requested_address() const {
    return ip_option(*this, opt::kRequestedAddress);
}

std::uint8_t DhcpMessage::overload() const {
    for (const auto& o : options) {
        if (o.code != opt::kOverload || o.area != OptionArea::Options) continue;
        if (o.data.size() == 1 && o.data[0] >= 1 && o.data[0] <= 3) return o.data[0];
        return 0;
    }
    return 0;
}

std::string DhcpMessage::file_field() const {
    if ((overload() & 1) != 0) return "";
    return field_text(file);
}

std::string DhcpMessage::sname_field() const {
    if ((overload() & 2) != 0) return "";
    return field_text(sname);
}

std::optional<std::string> DhcpMessage::text_option(std::uint8_t code) const {
    auto data = joined(code);
    if (!data) return std::nullopt;
    // RFC 2132 §2: receivers must be prepared to delete a trailing NUL.
    if (!data->empty() && data->back() == 0) data->pop_back();
    return std::string(data->begin(), data->end());
}

MacAddr DhcpMessage::client_mac() const {
    MacAddr m;
    std::copy_n(chaddr.begin(), m.octets.size(), m.octets.begin());
    return m;
}

// --- building ---------------------------------------------------------------------

void DhcpMessage::set_option(std::uint8_t code, ByteView data) {
    if (code == opt::kPad || code == opt::kEnd) return;
    // Where the new instances go: where the first old one stood in the main
    // field (so edits keep the wire order), else before END, else after the
    // last main-field instance.
    std::size_t at = options.size();
    bool placed = false;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (options[i].area == OptionArea::Options && options[i].code == code) {
            at = i;
            placed = true;
            break;
        }
    }
    if (!placed) {
        for (std::size_t i = 0; i < options.size(); ++i) {
            if (options[i].area != OptionArea::Options) {
                at = i;
                break;
            }
            if (options[i].code == opt::kEnd) {
                at = i;
                break;
            }
        }
    }
    // Remove old instances, keeping `at` pointing at the same neighbour.
    std::vector<DhcpOption> kept;
    kept.reserve(options.size() + 2);
    std::size_t new_at = 0;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (i == at) new_at = kept.size();
        if (options[i].code != code) kept.push_back(std::move(options[i]));
    }
    if (at >= options.size()) new_at = kept.size();

    std::vector<DhcpOption> fresh;
    ByteView rest = data;
    do {
        const std::size_t n = std::min(rest.size(), kMaxInstance);
        fresh.push_back(DhcpOption{code, Bytes(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n)),
                                   OptionArea::Options, 0});
        rest = rest.subspan(n);
    } while (!rest.empty());
    kept.insert(kept.begin() + static_cast<std::ptrdiff_t>(new_at), fresh.begin(), fresh.end());
    options = std::move(kept);
}

void DhcpMessage::set_option(std::uint8_t code, std::string_view text) {
    set_option(code, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void DhcpMessage::set_option_u8(std::uint8_t code, std::uint8_t v) { set_option(code, ByteView(&v, 1)); }

void DhcpMessage::set_option_u16(std::uint8_t code, std::uint16_t v) {
    ByteWriter w;
    w.u16(v);
    set_option(code, w.buffer());
}

void DhcpMessage::set_option_u32(std::uint8_t code, std::uint32_t v) {
    ByteWriter w;
    w.u32(v);
    set_option(code, w.buffer());
}

void DhcpMessage::set_option_ip(std::uint8_t code, Ipv4Addr v) { set_option_u32(code, v.value); }

void DhcpMessage::remove_option(std::uint8_t code) {
    std::erase_if(options, [code](const DhcpOption& o) { return o.code == code; });
}

void DhcpMessage::set_file(std::string_view name) {
    file.fill(0);
    std::copy_n(name.begin(), std::min(name.size(), file.size()), file.begin());
}

void DhcpMessage::set_sname(std::string_view name) {
    sname.fill(0);
    std::copy_n(name.begin(), std::min(name.size(), sname.size()), sname.begin());
}

void DhcpMessage::set_client_mac(const MacAddr& mac) {
    chaddr.fill(0);
    std::copy(mac.octets.begin(), mac.octets.end(), chaddr.begin());
    htype = 1;
    hlen = 6;
}

void DhcpMessage::finish(std::size_t min_size) {
    if (has_cookie) {
        const bool has_end = std::any_of(options.begin(), options.end(), [](const DhcpOption& o) {
            return o.area == OptionArea::Options && o.code == opt::kEnd;
        });
        if (!has_end) {
            auto it = std::find_if(options.begin(), options.end(),
                                   [](const DhcpOption& o) { return o.area != OptionArea::Options; });
            options.insert(it, DhcpOption{opt::kEnd, {}, OptionArea::Options, 0});
        }
    }
    const std::size_t size = encode_dhcp(*this).size();
    // Padding goes after END, where a decoder puts it back (options_trailing).
    if (size < min_size) options_trailing.insert(options_trailing.end(), min_size - size, 0);
}

// --- decode / encode -----------------------------------------------------------------

DhcpDecoded decode_dhcp(ByteView payload) {
    DhcpDecoded out;
    DhcpMessage& m = out.msg;
    ByteReader r(payload);

    // Fixed header, field by field, so a short payload keeps what fitted.
    auto read_header = [&]() -> bool {
        auto op = r.u8(); if (!op) return false; m.op = *op;
        auto ht = r.u8(); if (!ht) return false; m.htype = *ht;
        auto hl = r.u8(); if (!hl) return false; m.hlen = *hl;
        auto hops = r.u8(); if (!hops) return false; m.hops = *hops;
        auto xid = r.u32(); if (!xid) return false; m.xid = *xid;
        auto secs = r.u16(); if (!secs) return false; m.secs = *secs;
        auto flags = r.u16(); if (!flags) return false; m.flags = *flags;
        for (Ipv4Addr* a : {&m.ciaddr, &m.yiaddr, &m.siaddr, &m.giaddr}) {
            auto v = r.u32();
            if (!v) return false;
            a->value = *v;
        }
        auto ch = r.take(m.chaddr.size()); if (!ch) return false;
        std::copy(ch->begin(), ch->end(), m.chaddr.begin());
        auto sn = r.take(m.sname.size()); if (!sn) return false;
        std::copy(sn->begin(), sn->end(), m.sname.begin());
        auto fi = r.take(m.file.size()); if (!fi) return false;
        std::copy(fi->begin(), fi->end(), m.file.begin());
        return true;
    };
    if (!read_header()) {
        m.has_cookie = false;
        add_anomaly(out.anomalies, "bootp.truncated_header", payload.size(),
                    "payload is " + std::to_string(payload.size()) + " octets, the BOOTP header needs " +
                        std::to_string(kBootpHeaderSize));
        return out;
    }
    out.header_complete = true;

    // RFC 2131 §2: chaddr holds 16 octets; Ethernet and IEEE 802 (htype 1
    // and 6) use 6 of them. htype 0 names no hardware at all (RFC 1700).
    if (m.hlen > m.chaddr.size() || m.htype == 0 || ((m.htype == 1 || m.htype == 6) && m.hlen != 6)) {
        add_anomaly(out.anomalies, "dhcp.bad_htype_hlen", 1,
                    "htype " + std::to_string(m.htype) + " with hlen " + std::to_string(m.hlen) +
                        (m.hlen > m.chaddr.size() ? " (chaddr holds 16 octets)"
                                                  : " (Ethernet is htype 1, hlen 6)"));
    }

    const ByteView vend = payload.subspan(kCookieOffset);
    if (vend.size() < kMagicCookie.size() || !std::equal(kMagicCookie.begin(), kMagicCookie.end(), vend.begin())) {
        // Plain BOOTP or a damaged cookie: everything from 236 on is opaque.
        m.has_cookie = false;
        m.cookie.fill(0);
        std::copy_n(vend.begin(), std::min(vend.size(), m.cookie.size()), m.cookie.begin());
        m.options_trailing.assign(vend.begin(), vend.end());
        std::string detail;
        if (vend.empty()) {
            detail = "payload ends with the BOOTP header (236 octets), no vendor field";
        } else if (vend.size() < kMagicCookie.size()) {
            detail = "only " + std::to_string(vend.size()) + " octets after the header: " + to_hex(vend);
        } else {
            detail = "octets 236-239 are " + to_hex(vend.first(4)) + ", expected 63825363";
        }
        add_anomaly(out.anomalies, "dhcp.no_magic_cookie", kCookieOffset, detail);
        return out;
    }
    m.has_cookie = true;
    m.cookie = kMagicCookie;

    const ByteView main = payload.subspan(kOptionsOffset);
    // Room for a PXE message's options at once (they are a dozen or two):
    // a capture decodes a hundred thousand messages.
    m.options.reserve(24);
    const WalkResult main_walk =
        walk_area(main, kOptionsOffset, OptionArea::Options, m, m.options_trailing, out.anomalies);
    if (!main_walk.end_seen && !main_walk.truncated) {
        add_anomaly(out.anomalies, "dhcp.missing_end", payload.size(),
                    "options field (" + std::to_string(main.size()) + " octets from 240) has no END (255)");
    }

    // Option overload (RFC 2132 §9.3, OPT-005): only an instance in the main
    // field counts; its value decides which fields hold options.
    std::uint8_t overload = 0;
    for (const auto& o : m.options) {
        if (o.code != opt::kOverload) continue;
        if (o.data.size() == 1) {
            if (o.data[0] >= 1 && o.data[0] <= 3) {
                overload = o.data[0];
            } else {
                add_anomaly(out.anomalies, "dhcp.overload_bad_value", o.offset,
                            "option 52 value " + std::to_string(o.data[0]) +
                                ", expected 1 (file), 2 (sname) or 3 (both); fields left as text");
            }
        }
        break;  // the first instance decides; repeats are dhcp.duplicate_option
    }
    auto overloaded_area = [&](OptionArea area, std::size_t offset, std::size_t size, Bytes& trailing) {
        const WalkResult w = walk_area(payload.subspan(offset, size), offset, area, m, trailing, out.anomalies);
        if (!w.end_seen && !w.truncated) {
            add_anomaly(out.anomalies, "dhcp.overload_missing_end", offset + size,
                        std::string("option 52 overloads the ") + area_field_name(area) +
                            " but it has no END (255)");
        }
    };
    // RFC 2131 §4.1 order: options, then file, then sname.
    if ((overload & 1) != 0) overloaded_area(OptionArea::File, kFileOffset, kFileSize, m.file_trailing);
    if ((overload & 2) != 0) overloaded_area(OptionArea::Sname, kSnameOffset, kSnameSize, m.sname_trailing);

    for (const auto& o : m.options) {
        if (o.code == opt::kOverload && o.area != OptionArea::Options) {
            add_anomaly(out.anomalies, "dhcp.overload_misplaced", o.offset,
                        std::string("option 52 inside the overloaded ") + area_field_name(o.area) +
                            "; it may only appear in the options field (RFC 2132 §9.3)");
        }
    }

    // Repeats and lengths, per code in order of first appearance.
    std::array<bool, 256> seen{};
    for (std::size_t i = 0; i < m.options.size(); ++i) {
        const auto& first = m.options[i];
        if (first.code == opt::kPad || first.code == opt::kEnd || seen[first.code]) continue;
        seen[first.code] = true;
        if (must_not_repeat(first.code)) {
            std::string offsets;
            std::size_t n = 0;
            std::size_t second = 0;
            for (std::size_t j = i; j < m.options.size(); ++j) {
                const auto& o = m.options[j];
                if (o.code != first.code) continue;
                if (n == 1) second = o.offset;
                offsets += (n == 0 ? "" : ", ") + std::to_string(o.offset);
                ++n;
                check_length(out.anomalies, o.code, o.data.size(), o.offset, false);
            }
            if (n > 1) {
                add_anomaly(out.anomalies, "dhcp.duplicate_option", second,
                            "option " + std::to_string(first.code) + " appears " + std::to_string(n) +
                                " times (at " + offsets + "); it carries one value and must not repeat "
                                "(RFC 2131 §4.1, RFC 3396 §7)");
            }
        } else {
            const auto value = m.joined(first.code);
            const bool split = m.count(first.code) > 1;
            check_length(out.anomalies, first.code, value ? value->size() : 0, first.offset, split);
        }
    }
    return out;
}

Bytes encode_dhcp(const DhcpMessage& msg) {
    ByteWriter w(kBootpMinSize);
    w.u8(msg.op);
    w.u8(msg.htype);
    w.u8(msg.hlen);
    w.u8(msg.hops);
    w.u32(msg.xid);
    w.u16(msg.secs);
    w.u16(msg.flags);
    w.u32(msg.ciaddr.value);
    w.u32(msg.yiaddr.value);
    w.u32(msg.siaddr.value);
    w.u32(msg.giaddr.value);
    w.bytes(msg.chaddr);
    const std::uint8_t overload = msg.has_cookie ? msg.overload() : 0;
    if ((overload & 2) != 0) {
        put_overloaded_field(w, msg, OptionArea::Sname, msg.sname_trailing, msg.sname);
    } else {
        w.bytes(msg.sname);
    }
    if ((overload & 1) != 0) {
        put_overloaded_field(w, msg, OptionArea::File, msg.file_trailing, msg.file);
    } else {
        w.bytes(msg.file);
    }
    if (msg.has_cookie) {
        w.bytes(kMagicCookie);
        for (const auto& o : msg.options) {
            if (o.area == OptionArea::Options) put_option(w, o);
        }
    }
    w.bytes(msg.options_trailing);
    return std::move(w).take();
}

std::string summarize(const DhcpMessage& msg) {
    std::string s;
    const auto type = msg.has_cookie ? msg.message_type() : std::nullopt;
    if (type) {
        s = "DHCP " + to_string(*type);
    } else if (msg.op == 1) {
        s = "BOOTP REQUEST";
    } else if (msg.op == 2) {
        s = "BOOTP REPLY";
    } else {
        s = "BOOTP op " + std::to_string(msg.op);
    }
    // Say so when op disagrees with the message type (DHCP-001).
    if (type && msg.op != 1 && msg.op != 2) s += " op " + std::to_string(msg.op);
    s += " xid " + hex32(msg.xid);
    if (msg.hops != 0) s += " hops " + std::to_string(msg.hops);
    if (msg.secs != 0) s += " secs " + std::to_string(msg.secs);
    if (msg.flags == kBroadcastFlag) {
        s += " flags B";
    } else if (msg.flags != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, " flags 0x%04x", msg.flags);
        s += buf;
    }
    const std::pair<const char*, const Ipv4Addr*> addrs[] = {
        {"ciaddr", &msg.ciaddr}, {"yiaddr", &msg.yiaddr}, {"siaddr", &msg.siaddr}, {"giaddr", &msg.giaddr}};
    for (const auto& [name, addr] : addrs) {
        if (!addr->is_zero()) s += std::string(" ") + name + " " + addr->to_string();
    }
    if (msg.htype == 1 && msg.hlen == 6) {
        s += " chaddr " + msg.client_mac().to_string();
    } else {
        const std::size_t n = std::min<std::size_t>(msg.hlen, msg.chaddr.size());
        s += " htype " + std::to_string(msg.htype) + " hlen " + std::to_string(msg.hlen) + " chaddr " +
             (n == 0 ? std::string("-") : to_hex(ByteView(msg.chaddr).first(n)));
    }
    const auto text = [](const std::string& t) {
        return quoted_printable(ByteView(reinterpret_cast<const std::uint8_t*>(t.data()), t.size()));
    };
    if (const auto sn = msg.sname_field(); !sn.empty()) s += " sname " + text(sn);
    if (const auto fi = msg.file_field(); !fi.empty()) s += " file " + text(fi);

    if (!msg.has_cookie) {
        s += " (no magic cookie";
        if (!msg.options_trailing.empty()) s += ", " + std::to_string(msg.options_trailing.size()) + " octets vendor field";
        s += ")";
        return s;
    }
    // Every option once, RFC 3396 instances joined, in order of first appearance.
    std::string list;
    std::array<bool, 256> seen{};
    for (const auto& o : msg.options) {
        if (o.code == opt::kPad || o.code == opt::kEnd || seen[o.code]) continue;
        seen[o.code] = true;
        const Bytes value = msg.joined(o.code).value_or(Bytes{});
        if (!list.empty()) list += ' ';
        list += std::to_string(o.code);
        const std::string v = format_option_value(o.code, value);
        if (!v.empty()) list += "=" + v;
    }
    s += " [" + list + "]";
    const auto garbage = std::count_if(msg.options_trailing.begin(), msg.options_trailing.end(),
                                       [](std::uint8_t b) { return b != 0; });
    if (garbage != 0) {
        s += " +" + std::to_string(msg.options_trailing.size()) + " octets after options";
    }
    const bool main_end = std::any_of(msg.options.begin(), msg.options.end(), [](const DhcpOption& o) {
        return o.area == OptionArea::Options && o.code == opt::kEnd;
    });
    if (!main_end) s += " (no END)";
    return s;
}

}  // namespace pxecheck::wire
