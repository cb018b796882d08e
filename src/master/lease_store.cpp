// Lease table text format and the file-backed store.

#include "pxecheck/master/lease_store.hpp"
#include "pxecheck/base/bytes.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pxecheck::master {

namespace {

std::vector<std::string_view> split_blanks(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}


}  // namespace

std::string format_leases(const std::vector<Lease>& leases) {
    std::ostringstream out;
    out << "# pxecheck leases v1: state mac address expires (Unix seconds or never)\n";
    for (const auto& l : leases) {
        out << (l.state == LeaseState::Bound ? "bound" : "declined") << ' ' << l.mac.to_string() << ' '
            << l.address.to_string() << ' ';
        if (l.expires == Lease::kNever) {
            out << "never";
        } else {
            out << l.expires;
        }
        out << '\n';
    }
    return out.str();
}

Result<std::vector<Lease>> parse_leases(std::string_view text) {
    std::vector<Lease> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        const auto fields = split_blanks(line);
        if (fields.empty() || fields[0].front() == '#') continue;
        const std::string where = "line " + std::to_string(line_no) + ": ";
        if (fields.size() != 4) {
            return Error{where + "expected 4 fields (state mac address expires), found " +
                         std::to_string(fields.size())};
        }
        Lease l;
        if (fields[0] == "bound") {
            l.state = LeaseState::Bound;
        } else if (fields[0] == "declined") {
            l.state = LeaseState::Declined;
        } else {
            return Error{where + "unknown state " + in_quotes(fields[0]) + " (bound or declined)"};
        }
        const auto mac = MacAddr::parse(fields[1]);
        if (!mac) return Error{where + "bad MAC address " + in_quotes(fields[1])};
        l.mac = *mac;
        const auto ip = Ipv4Addr::parse(fields[2]);
        if (!ip) return Error{where + "bad address " + in_quotes(fields[2])};
        l.address = *ip;
        if (fields[3] == "never") {
            l.expires = Lease::kNever;
        } else {
            const auto f = fields[3];
            const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), l.expires);
            if (ec != std::errc{} || p != f.data() + f.size()) {
                return Error{where + "bad expiry time " + in_quotes(f) + " (Unix seconds or never)"};
            }
        }
        out.push_back(l);
    }
    return out;
}

Result<std::vector<Lease>> FileLeaseStore::load() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return std::vector<Lease>{};
    std::ifstream in(path_, std::ios::binary);
    if (!in) return Error{"cannot read lease file " + path_.string() + ": " + std::strerror(errno)};
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_leases(text.str());
    if (!parsed) return Error{"lease file " + path_.string() + ": " + parsed.error()};
    return parsed;
}

Status FileLeaseStore::save(const std::vector<Lease>& leases) {
    std::filesystem::path tmp = path_;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Error{"cannot write lease file " + tmp.string() + ": " + std::strerror(errno)};
        out << format_leases(leases);
        out.flush();
        if (!out) return Error{"cannot write lease file " + tmp.string() + ": " + std::strerror(errno)};
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path_, ec);
    if (ec) return Error{"cannot replace lease file " + path_.string() + ": " + ec.message()};
    return ok_status();
}

}  // namespace pxecheck::master
