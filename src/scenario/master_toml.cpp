// The reference master's settings from TOML (toml++) and from serve's flags,
// and back to TOML for --dry-run.
//
// Errors are collected, not thrown: a file with three mistakes says all three,
// each with its line and key, so that one edit fixes them.

#include "pxecheck/scenario/master_toml.hpp"
#include "pxecheck/base/bytes.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace pxecheck::scenario {

namespace {


std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

template <typename T>
std::optional<T> integer(std::string_view s) {
    T v{};
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

/// Arch numbers back to the names parse_arch reads, for to_toml.
std::string arch_key(std::uint16_t arch) { return std::to_string(arch); }

/// TOML basic string with the escapes the format needs.
std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

/// A double in TOML form that reads back to the same value ("2.0", "0.25").
std::string toml_double(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    std::string s = os.str();
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    return s;
}

/// Walks the parsed document; every problem goes into `errors` with the
/// source line and the dotted key.
class Reader {
public:
    Reader(std::string source, std::vector<std::string>& errors) : source_(std::move(source)), errors_(errors) {}

    void error(const toml::node& n, const std::string& key, const std::string& what) {
        errors_.push_back(source_ + ":" + std::to_string(n.source().begin.line) + ": " + key + ": " + what);
    }
    void error_at(std::size_t line, const std::string& what) {
        errors_.push_back(source_ + ":" + std::to_string(line) + ": " + what);
    }

    /// Keys of \p t that are not in \p known are errors.
    void only(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> known) {
        for (auto&& [k, v] : t) {
            if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
                std::string list;
                for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
                error(v, prefix + std::string(k.str()), "unknown key (known here: " + list + ")");
            }
        }
    }

    const toml::table* table(const toml::table& t, std::string_view key, const std::string& prefix) {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) {
            error(*n, prefix + std::string(key), "must be a table");
            return nullptr;
        }
        return n->as_table();
    }

    std::optional<std::string> string(const toml::table& t, std::string_view key, const std::string& prefix) {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (!n->is_string()) {
            error(*n, prefix + std::string(key), "must be a string");
            return std::nullopt;
        }
        return n->as_string()->get();
    }

    std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& prefix) {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (!n->is_boolean()) {
            error(*n, prefix + std::string(key), "must be true or false");
            return std::nullopt;
        }
        return n->as_boolean()->get();
    }

    std::optional<std::int64_t> integer_in(const toml::table& t, std::string_view key, const std::string& prefix,
                                           std::int64_t lo, std::int64_t hi) {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (!n->is_integer()) {
            error(*n, prefix + std::string(key), "must be an integer");
            return std::nullopt;
        }
        const std::int64_t v = n->as_integer()->get();
        if (v < lo || v > hi) {
            error(*n, prefix + std::string(key),
                  std::to_string(v) + " is out of range (" + std::to_string(lo) + "-" + std::to_string(hi) + ")");
            return std::nullopt;
        }
        return v;
    }

    /// Seconds: an integer or a float, within [lo, hi].
    std::optional<double> seconds(const toml::table& t, std::string_view key, const std::string& prefix, double lo,
                                  double hi) {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        double v = 0;
        if (n->is_integer()) {
            v = static_cast<double>(n->as_integer()->get());
        } else if (n->is_floating_point()) {
            v = n->as_floating_point()->get();
        } else {
            error(*n, prefix + std::string(key), "must be a number of seconds");
            return std::nullopt;
        }
        if (!(v >= lo && v <= hi)) {
            error(*n, prefix + std::string(key), toml_double(v) + " s is out of range (" + toml_double(lo) + "-" +
                                                     toml_double(hi) + ")");
            return std::nullopt;
        }
        return v;
    }

    std::optional<Ipv4Addr> address(const toml::table& t, std::string_view key, const std::string& prefix) {
        auto s = string(t, key, prefix);
        if (!s) return std::nullopt;
        auto a = Ipv4Addr::parse(*s);
        if (!a) error(*t.get(key), prefix + std::string(key), in_quotes(*s) + " is not a dotted IPv4 address");
        return a;
    }

    std::optional<MacAddr> mac(const toml::table& t, std::string_view key, const std::string& prefix) {
        auto s = string(t, key, prefix);
        if (!s) return std::nullopt;
        auto m = MacAddr::parse(*s);
        if (!m) error(*t.get(key), prefix + std::string(key), in_quotes(*s) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
        return m;
    }

    /// An array of tables (`[[x]]`), or nullptr.
    const toml::array* table_array(const toml::table& t, std::string_view key, const std::string& prefix) {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        const toml::array* a = n->as_array();
        if (!a || !a->is_array_of_tables()) {
            error(*n, prefix + std::string(key), "must be an array of tables ([[" + prefix + std::string(key) + "]])");
            return nullptr;
        }
        return a;
    }

private:
    std::string source_;
    std::vector<std::string>& errors_;
};

void read_server(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "server.";
    r.only(t, p, {"address", "mac", "proxy"});
    if (auto a = r.address(t, "address", p)) s.master.server_ip = *a;
    if (auto m = r.mac(t, "mac", p)) s.master.server_mac = *m;
    if (auto b = r.boolean(t, "proxy", p)) s.master.proxy = *b;
}

void read_dhcp(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "dhcp.";
    r.only(t, p,
           {"range", "netmask", "router", "dns", "lease_time", "offer_hold", "decline_hold", "leases", "reservation"});
    auto& m = s.master;
    if (auto text = r.string(t, "range", p)) {
        if (auto range = parse_range(*text)) {
            m.pool_first = range->first;
            m.pool_last = range->second;
        } else {
            r.error(*t.get("range"), p + "range", in_quotes(*text) + " is not FIRST-LAST (192.168.14.10-192.168.14.20)");
        }
    }
    if (auto a = r.address(t, "netmask", p)) m.netmask = *a;
    if (auto a = r.address(t, "router", p)) m.router = *a;
    if (const toml::node* n = t.get("dns")) {
        const toml::array* a = n->as_array();
        if (!a) {
            r.error(*n, p + "dns", "must be an array of addresses");
        } else {
            m.dns.clear();
            for (const auto& e : *a) {
                auto ip = e.is_string() ? Ipv4Addr::parse(e.as_string()->get()) : std::nullopt;
                if (!ip) {
                    r.error(e, p + "dns", "every entry must be a dotted IPv4 address");
                    continue;
                }
                m.dns.push_back(*ip);
            }
        }
    }
    if (auto v = r.integer_in(t, "lease_time", p, 1, 0xffffffffLL)) m.lease_time = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer_in(t, "offer_hold", p, 1, 86400)) m.offer_hold = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer_in(t, "decline_hold", p, 1, 0xffffffffLL)) m.decline_hold = static_cast<std::uint32_t>(*v);
    if (auto v = r.string(t, "leases", p)) s.leases_path = *v;
    if (const toml::array* a = r.table_array(t, "reservation", p)) {
        m.reservations.clear();
        for (const auto& e : *a) {
            const toml::table& rt = *e.as_table();
            const std::string rp = "dhcp.reservation.";
            r.only(rt, rp, {"mac", "address", "filename"});
            master::Reservation res;
            auto mac = r.mac(rt, "mac", rp);
            auto addr = r.address(rt, "address", rp);
            if (!rt.get("mac") || !rt.get("address")) {
                r.error(e, "dhcp.reservation", "needs both mac and address");
                continue;
            }
            if (!mac || !addr) continue;
            res.mac = *mac;
            res.address = *addr;
            if (auto f = r.string(rt, "filename", rp)) res.boot_file = *f;
            m.reservations.push_back(res);
        }
    }
}

void read_boot(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "boot.";
    r.only(t, p, {"filename", "next_server", "option66", "option67", "ipxe", "arch"});
    auto& m = s.master;
    if (auto f = r.string(t, "filename", p)) {
        m.default_file = *f;
        m.arch_files[0] = *f;
    }
    if (auto a = r.address(t, "next_server", p)) m.next_server = *a;
    if (auto b = r.boolean(t, "option66", p)) m.send_option66 = *b;
    if (auto b = r.boolean(t, "option67", p)) m.send_option67 = *b;
    if (auto f = r.string(t, "ipxe", p)) m.ipxe_file = *f;
    if (const toml::table* arch = r.table(t, "arch", p)) {
        // The file's table is the whole table: architectures it does not list
        // get boot.filename (so a file says everything, and to_toml round-trips).
        m.arch_files.clear();
        for (auto&& [k, v] : *arch) {
            const std::string key = "boot.arch." + std::string(k.str());
            auto arches = parse_arch(k.str());
            if (!arches) {
                r.error(v, key, "not an architecture (0-65535, bios, ia32, x64, arm64)");
                continue;
            }
            if (!v.is_string()) {
                r.error(v, key, "must be a file name string");
                continue;
            }
            for (auto a : *arches) m.arch_files[a] = v.as_string()->get();
        }
    }
}

void read_menu(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "menu.";
    r.only(t, p, {"prompt", "timeout", "discovery_control", "entry"});
    auto& m = s.master;
    if (auto v = r.string(t, "prompt", p)) m.prompt = *v;
    if (auto v = r.integer_in(t, "timeout", p, 0, 255)) m.prompt_timeout = static_cast<std::uint8_t>(*v);
    if (auto v = r.integer_in(t, "discovery_control", p, 0, 255)) m.discovery_control = static_cast<std::uint8_t>(*v);
    if (const toml::array* a = r.table_array(t, "entry", p)) {
        m.menu.clear();
        for (const auto& e : *a) {
            const toml::table& et = *e.as_table();
            const std::string ep = "menu.entry.";
            r.only(et, ep, {"type", "description", "file", "arches"});
            master::PxeMenuEntry entry;
            auto type = r.integer_in(et, "type", ep, 0, 65535);
            if (!et.get("type")) r.error(e, "menu.entry", "needs a type (0 local boot, 1-65535 boot server types)");
            if (type) entry.type = static_cast<std::uint16_t>(*type);
            if (auto d = r.string(et, "description", ep)) entry.description = *d;
            if (auto f = r.string(et, "file", ep)) entry.file = *f;
            if (const toml::node* n = et.get("arches")) {
                const toml::array* arr = n->as_array();
                if (!arr) {
                    r.error(*n, ep + "arches", "must be an array of architectures");
                } else {
                    for (const auto& x : *arr) {
                        std::optional<std::vector<std::uint16_t>> got;
                        if (x.is_integer() && x.as_integer()->get() >= 0 && x.as_integer()->get() <= 65535)
                            got = std::vector<std::uint16_t>{static_cast<std::uint16_t>(x.as_integer()->get())};
                        else if (x.is_string())
                            got = parse_arch(x.as_string()->get());
                        if (!got) {
                            r.error(x, ep + "arches", "entries are 0-65535 or bios, ia32, x64, arm64");
                            continue;
                        }
                        entry.arches.insert(entry.arches.end(), got->begin(), got->end());
                    }
                }
            }
            m.menu.push_back(entry);
        }
    }
}

void read_tftp(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "tftp.";
    r.only(t, p, {"root", "max_blksize", "max_windowsize", "timeout", "retry_max", "retries", "max_transfers"});
    if (auto v = r.string(t, "root", p)) s.tftp_root = *v;
    if (auto v = r.integer_in(t, "max_blksize", p, 8, 65464)) s.tftp_max_blksize = static_cast<std::uint16_t>(*v);
    if (auto v = r.integer_in(t, "max_windowsize", p, 1, 65535)) s.tftp_max_windowsize = static_cast<std::uint16_t>(*v);
    if (auto v = r.seconds(t, "timeout", p, 0.01, 255)) s.tftp_timeout = *v;
    if (auto v = r.seconds(t, "retry_max", p, 0.01, 255)) s.tftp_retry_max = *v;
    if (auto v = r.integer_in(t, "retries", p, 0, 100)) s.tftp_retries = static_cast<int>(*v);
    if (auto v = r.integer_in(t, "max_transfers", p, 1, 16384)) s.tftp_max_transfers = static_cast<std::size_t>(*v);
}

void read_safety(Reader& r, const toml::table& t, ServeSettings& s) {
    const std::string p = "safety.";
    r.only(t, p, {"probe_wait", "allow_other_dhcp"});
    if (auto v = r.seconds(t, "probe_wait", p, 0.1, 60)) s.probe_wait = *v;
    if (auto b = r.boolean(t, "allow_other_dhcp", p)) s.allow_other_dhcp = *b;
}

std::string join_errors(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
    return out;
}

}  // namespace

std::optional<std::pair<Ipv4Addr, Ipv4Addr>> parse_range(std::string_view text) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto first = Ipv4Addr::parse(trim(text.substr(0, dash)));
    auto last = Ipv4Addr::parse(trim(text.substr(dash + 1)));
    if (!first || !last) return std::nullopt;
    return std::pair{*first, *last};
}

std::optional<std::vector<std::uint16_t>> parse_arch(std::string_view text) {
    const std::string t = trim(text);
    if (t == "bios") return std::vector<std::uint16_t>{0};
    if (t == "ia32") return std::vector<std::uint16_t>{6};
    if (t == "x64") return std::vector<std::uint16_t>{7, 9};
    if (t == "arm64") return std::vector<std::uint16_t>{11};
    if (auto v = integer<std::uint32_t>(t); v && *v <= 0xffff) return std::vector<std::uint16_t>{static_cast<std::uint16_t>(*v)};
    return std::nullopt;
}

Result<master::PxeMenuEntry> parse_menu_flag(std::string_view text) {
    const auto first = text.find(':');
    const auto last = text.rfind(':');
    if (first == std::string_view::npos || first == last)
        return Error{"--menu " + in_quotes(text) + " is not TYPE:DESCRIPTION:FILE (e.g. 128:Install:pxelinux.0)"};
    master::PxeMenuEntry e;
    auto type = integer<std::uint32_t>(trim(text.substr(0, first)));
    if (!type || *type > 0xffff)
        return Error{"--menu " + in_quotes(text) + ": type " + in_quotes(text.substr(0, first)) +
                     " is not 0-65535 (0 local boot, e.g. 128 for a boot file)"};
    e.type = static_cast<std::uint16_t>(*type);
    e.description = std::string(text.substr(first + 1, last - first - 1));
    e.file = std::string(text.substr(last + 1));
    return e;
}

Result<master::Reservation> parse_reservation_flag(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        parts.push_back(trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (parts.size() < 2 || parts.size() > 3)
        return Error{"--reserve " + in_quotes(text) + " is not MAC,IP[,FILE]"};
    master::Reservation r;
    auto mac = MacAddr::parse(parts[0]);
    if (!mac) return Error{"--reserve " + in_quotes(text) + ": " + in_quotes(parts[0]) + " is not a MAC address"};
    auto ip = Ipv4Addr::parse(parts[1]);
    if (!ip) return Error{"--reserve " + in_quotes(text) + ": " + in_quotes(parts[1]) + " is not a dotted IPv4 address"};
    r.mac = *mac;
    r.address = *ip;
    if (parts.size() == 3 && !parts[2].empty()) r.boot_file = parts[2];
    return r;
}

std::uint16_t tftp_blksize_cap(std::uint16_t configured, int mtu) {
    if (mtu <= 0) mtu = 1500;
    // blksize fits one unfragmented datagram: MTU less IPv4 (20), UDP (8),
    // TFTP (4). An MTU past 65567 (nothing bounds what an interface reports)
    // gave a cap past 65535, cut to its low 16 bits by the cast (65536 -> 0),
    // so the cap is held to RFC 2348's range before it.
    const int link_cap = std::clamp(mtu - 32, 8, 65464);
    return static_cast<std::uint16_t>(configured != 0 ? std::min<int>(configured, link_cap) : link_cap);
}

Result<ServeSettings> parse_master_toml(std::string_view text, std::string_view source) {
    toml::table doc;
    try {
        doc = toml::parse(text, std::string(source));
    } catch (const toml::parse_error& e) {
        return Error{std::string(source) + ":" + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description())};
    }
    ServeSettings s;
    std::vector<std::string> errors;
    Reader r(std::string(source), errors);
    for (auto&& [k, v] : doc) {
        if (k.str() == "interface") {
            r.error(v, "interface",
                    "serve takes its interface from --iface only (nothing is served without an explicit interface)");
        }
    }
    r.only(doc, "", {"server", "dhcp", "boot", "menu", "tftp", "safety", "interface"});
    if (const auto* t = r.table(doc, "server", "")) read_server(r, *t, s);
    if (const auto* t = r.table(doc, "dhcp", "")) read_dhcp(r, *t, s);
    if (const auto* t = r.table(doc, "boot", "")) read_boot(r, *t, s);
    if (const auto* t = r.table(doc, "menu", "")) read_menu(r, *t, s);
    if (const auto* t = r.table(doc, "tftp", "")) read_tftp(r, *t, s);
    if (const auto* t = r.table(doc, "safety", "")) read_safety(r, *t, s);
    if (!errors.empty()) return Error{join_errors(errors)};
    return s;
}

Result<ServeSettings> load_master_toml(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot read " + path + ": " + std::strerror(errno)};
    std::ostringstream text;
    text << in.rdbuf();
    return parse_master_toml(text.str(), path);
}

std::vector<std::string> apply_serve_flags(const ServeFlags& f, ServeSettings& s) {
    std::vector<std::string> errors;
    auto& m = s.master;
    auto addr = [&](const std::optional<std::string>& v, const char* flag) -> std::optional<Ipv4Addr> {
        if (!v) return std::nullopt;
        auto a = Ipv4Addr::parse(trim(*v));
        if (!a) errors.push_back(std::string(flag) + " " + in_quotes(*v) + " is not a dotted IPv4 address");
        return a;
    };
    if (auto a = addr(f.server_ip, "--server-ip")) m.server_ip = *a;
    if (f.server_mac) {
        if (auto mac = MacAddr::parse(*f.server_mac)) m.server_mac = *mac;
        else errors.push_back("--server-mac " + in_quotes(*f.server_mac) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
    }
    if (f.proxy) m.proxy = true;
    if (f.range) {
        if (auto r = parse_range(*f.range)) {
            m.pool_first = r->first;
            m.pool_last = r->second;
        } else {
            errors.push_back("--range " + in_quotes(*f.range) + " is not FIRST-LAST (192.168.14.10-192.168.14.20)");
        }
    }
    if (auto a = addr(f.netmask, "--netmask")) m.netmask = *a;
    if (auto a = addr(f.router, "--router")) m.router = *a;
    if (!f.dns.empty()) {
        m.dns.clear();
        for (const auto& d : f.dns) {
            if (auto a = addr(d, "--dns")) m.dns.push_back(*a);
        }
    }
    if (f.lease_time) {
        if (*f.lease_time == 0) errors.push_back("--lease-time 0 is unusable (option 51 needs at least 1 s)");
        else m.lease_time = *f.lease_time;
    }
    if (!f.reservations.empty()) {
        m.reservations.clear();
        for (const auto& text : f.reservations) {
            auto r = parse_reservation_flag(text);
            if (!r) errors.push_back(r.error());
            else m.reservations.push_back(*r);
        }
    }
    if (f.tftp_root) s.tftp_root = *f.tftp_root;
    if (f.filename) {
        m.default_file = *f.filename;
        m.arch_files[0] = *f.filename;
    }
    for (const auto& spec : f.arch_files) {
        const auto eq = spec.find('=');
        std::optional<std::vector<std::uint16_t>> arches;
        if (eq != std::string::npos) arches = parse_arch(spec.substr(0, eq));
        if (!arches) {
            errors.push_back("--arch-file " + in_quotes(spec) + " is not ARCH=FILE (ARCH 0-65535, bios, ia32, x64, arm64)");
            continue;
        }
        const std::string file = spec.substr(eq + 1);
        for (auto a : *arches) {
            if (file.empty()) m.arch_files.erase(a);  // "7=": that arch gets the default file
            else m.arch_files[a] = file;
        }
    }
    if (auto a = addr(f.next_server, "--next-server")) m.next_server = *a;
    if (f.option66) m.send_option66 = true;
    if (f.option67) m.send_option67 = true;
    if (f.ipxe_file) m.ipxe_file = *f.ipxe_file;
    if (f.leases) s.leases_path = *f.leases;
    if (!f.menu.empty()) {
        m.menu.clear();
        for (const auto& text : f.menu) {
            auto e = parse_menu_flag(text);
            if (!e) errors.push_back(e.error());
            else m.menu.push_back(*e);
        }
    }
    if (f.prompt) m.prompt = *f.prompt;
    if (f.prompt_timeout) {
        if (*f.prompt_timeout < 0 || *f.prompt_timeout > 255)
            errors.push_back("--prompt-timeout " + std::to_string(*f.prompt_timeout) +
                             " is not 0-255 (0 boots the first entry at once, 255 waits for a key)");
        else m.prompt_timeout = static_cast<std::uint8_t>(*f.prompt_timeout);
    }
    if (f.probe_wait) {
        if (!(*f.probe_wait >= 0.1 && *f.probe_wait <= 60))
            errors.push_back("--probe-wait " + toml_double(*f.probe_wait) +
                             " is not 0.1-60 seconds (the safety probe always runs before addresses are served)");
        else s.probe_wait = *f.probe_wait;
    }
    if (f.allow_other_dhcp) s.allow_other_dhcp = true;
    return errors;
}

std::vector<std::string> validate_settings(const ServeSettings& s) {
    std::vector<std::string> errors = s.master.validate();
    if (s.tftp_root.empty()) {
        if (s.master.effective_next_server() == s.master.server_ip && !s.master.server_ip.is_zero()) {
            errors.push_back("no TFTP root: replies name this master (" + s.master.server_ip.to_string() +
                             ") as the boot server; give --tftp-root DIR, or --next-server for another TFTP server");
        }
    } else {
        std::error_code ec;
        if (!std::filesystem::is_directory(s.tftp_root, ec))
            errors.push_back("TFTP root " + s.tftp_root + " is not a directory");
    }
    if (s.tftp_max_blksize != 0 && s.tftp_max_blksize < 8)
        errors.push_back("TFTP max_blksize " + std::to_string(s.tftp_max_blksize) + " is below 8 (RFC 2348)");
    if (s.tftp_max_windowsize == 0) errors.push_back("TFTP max_windowsize 0 is unusable (at least 1)");
    if (!(s.tftp_timeout > 0) || !(s.tftp_retry_max >= s.tftp_timeout))
        errors.push_back("TFTP timeout " + toml_double(s.tftp_timeout) + " s and retry_max " +
                         toml_double(s.tftp_retry_max) + " s: need 0 < timeout <= retry_max");
    if (!(s.probe_wait >= 0.1 && s.probe_wait <= 60))
        errors.push_back("probe wait " + toml_double(s.probe_wait) + " s is not 0.1-60 seconds");
    return errors;
}

std::string to_toml(const ServeSettings& s) {
    const auto& m = s.master;
    std::ostringstream o;
    o << "[server]\n";
    o << "address = " << toml_string(m.server_ip.to_string()) << "\n";
    if (!m.server_mac.is_zero()) o << "mac = " << toml_string(m.server_mac.to_string()) << "\n";
    o << "proxy = " << (m.proxy ? "true" : "false") << "\n";

    o << "\n[dhcp]\n";
    if (!m.pool_first.is_zero() || !m.pool_last.is_zero())
        o << "range = " << toml_string(m.pool_first.to_string() + "-" + m.pool_last.to_string()) << "\n";
    o << "netmask = " << toml_string(m.netmask.to_string()) << "\n";
    if (m.router) o << "router = " << toml_string(m.router->to_string()) << "\n";
    o << "dns = [";
    for (std::size_t i = 0; i < m.dns.size(); ++i) o << (i ? ", " : "") << toml_string(m.dns[i].to_string());
    o << "]\n";
    o << "lease_time = " << m.lease_time << "\n";
    o << "offer_hold = " << m.offer_hold << "\n";
    o << "decline_hold = " << m.decline_hold << "\n";
    if (!s.leases_path.empty()) o << "leases = " << toml_string(s.leases_path) << "\n";
    for (const auto& r : m.reservations) {
        o << "\n[[dhcp.reservation]]\n";
        o << "mac = " << toml_string(r.mac.to_string()) << "\n";
        o << "address = " << toml_string(r.address.to_string()) << "\n";
        if (r.boot_file) o << "filename = " << toml_string(*r.boot_file) << "\n";
    }

    o << "\n[boot]\n";
    // filename also sets arch 0 when read back; [boot.arch] below restores
    // whatever arch 0 really is.
    o << "filename = " << toml_string(m.default_file) << "\n";
    if (m.next_server) o << "next_server = " << toml_string(m.next_server->to_string()) << "\n";
    o << "option66 = " << (m.send_option66 ? "true" : "false") << "\n";
    o << "option67 = " << (m.send_option67 ? "true" : "false") << "\n";
    o << "ipxe = " << toml_string(m.ipxe_file) << "\n";
    o << "\n[boot.arch]\n";
    for (const auto& [arch, file] : m.arch_files) o << toml_string(arch_key(arch)) << " = " << toml_string(file) << "\n";

    o << "\n[menu]\n";
    o << "prompt = " << toml_string(m.prompt) << "\n";
    o << "timeout = " << int{m.prompt_timeout} << "\n";
    if (m.discovery_control) o << "discovery_control = " << int{*m.discovery_control} << "\n";
    for (const auto& e : m.menu) {
        o << "\n[[menu.entry]]\n";
        o << "type = " << e.type << "\n";
        o << "description = " << toml_string(e.description) << "\n";
        o << "file = " << toml_string(e.file) << "\n";
        if (!e.arches.empty()) {
            o << "arches = [";
            for (std::size_t i = 0; i < e.arches.size(); ++i) o << (i ? ", " : "") << e.arches[i];
            o << "]\n";
        }
    }

    o << "\n[tftp]\n";
    if (!s.tftp_root.empty()) o << "root = " << toml_string(s.tftp_root) << "\n";
    if (s.tftp_max_blksize != 0) o << "max_blksize = " << s.tftp_max_blksize << "\n";
    o << "max_windowsize = " << s.tftp_max_windowsize << "\n";
    o << "timeout = " << toml_double(s.tftp_timeout) << "\n";
    o << "retry_max = " << toml_double(s.tftp_retry_max) << "\n";
    o << "retries = " << s.tftp_retries << "\n";
    o << "max_transfers = " << s.tftp_max_transfers << "\n";

    o << "\n[safety]\n";
    o << "probe_wait = " << toml_double(s.probe_wait) << "\n";
    o << "allow_other_dhcp = " << (s.allow_other_dhcp ? "true" : "false") << "\n";
    return o.str();
}

}  // namespace pxecheck::scenario
