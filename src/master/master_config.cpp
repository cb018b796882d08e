// MasterConfig: defaults, lookups and validate() with errors in words.

#include "pxecheck/master/master_config.hpp"

#include <algorithm>
#include <set>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::master {

namespace {

/// A netmask is a run of ones followed by a run of zeros.
bool contiguous(Ipv4Addr mask) {
    const std::uint32_t inv = ~mask.value;
    return (inv & (inv + 1)) == 0;
}

std::string subnet_text(Ipv4Addr ip, Ipv4Addr mask) {
    int bits = 0;
    for (std::uint32_t m = mask.value; m != 0; m <<= 1) ++bits;
    return Ipv4Addr{ip.value & mask.value}.to_string() + "/" + std::to_string(bits);
}

void check_file_name(std::vector<std::string>& errors, const std::string& what, const std::string& file) {
    // The file field is 128 octets and must keep a terminating NUL (DHCP-014).
    if (file.size() > wire::kFileSize - 1) {
        errors.push_back(what + " \"" + file + "\" is " + std::to_string(file.size()) +
                         " octets; the BOOTP file field holds at most 127");
    }
}

}  // namespace

std::map<std::uint16_t, std::string> MasterConfig::default_arch_files() {
    return {
        {0, "pxelinux.0"},
        {6, "bootia32.efi"},
        {7, "bootx64.efi"},
        {9, "bootx64.efi"},
        {11, "bootaa64.efi"},
    };
}

std::string MasterConfig::boot_file_for(std::optional<std::uint16_t> arch) const {
    if (arch) {
        if (auto it = arch_files.find(*arch); it != arch_files.end()) return it->second;
    }
    return default_file;
}

const Reservation* MasterConfig::reservation_for(const MacAddr& mac) const {
    for (const auto& r : reservations) {
        if (r.mac == mac) return &r;
    }
    return nullptr;
}

bool MasterConfig::in_subnet(Ipv4Addr ip) const {
    return (ip.value & netmask.value) == (server_ip.value & netmask.value);
}

bool MasterConfig::in_pool(Ipv4Addr ip) const {
    return !pool_first.is_zero() && ip >= pool_first && ip <= pool_last;
}

std::vector<std::string> MasterConfig::validate() const {
    std::vector<std::string> errors;
    if (server_ip.is_zero() || server_ip.is_broadcast()) {
        errors.push_back("server address " + server_ip.to_string() +
                         " cannot be used: option 54 must be a reachable address (MSG-005)");
    }
    if (server_mac.is_zero() || server_mac.is_multicast()) {
        errors.push_back("server MAC " + server_mac.to_string() + " is not a unicast address");
    }
    if (!contiguous(netmask)) errors.push_back("netmask " + netmask.to_string() + " is not contiguous");
    const std::string subnet = subnet_text(server_ip, netmask);

    if (!proxy) {
        if (pool_first.is_zero() || pool_last.is_zero()) {
            errors.push_back("no address range: a DHCP server needs one (or use proxy mode)");
        } else {
            if (pool_first > pool_last) {
                errors.push_back("range " + pool_first.to_string() + "-" + pool_last.to_string() +
                                 " is reversed");
            }
            for (Ipv4Addr end : {pool_first, pool_last}) {
                if (!in_subnet(end)) {
                    errors.push_back("range end " + end.to_string() + " is not in " + subnet +
                                     " (the server's subnet)");
                }
            }
            const std::uint32_t host_mask = ~netmask.value;
            const std::uint32_t lo = pool_first.value & host_mask;
            const std::uint32_t hi = pool_last.value & host_mask;
            if (host_mask != 0 && (lo == 0 || hi == host_mask)) {
                errors.push_back("range " + pool_first.to_string() + "-" + pool_last.to_string() +
                                 " includes the network or broadcast address of " + subnet);
            }
        }
        if (lease_time == 0) errors.push_back("lease time 0 s is unusable (option 51)");
        if (router && !in_subnet(*router)) {
            errors.push_back("router " + router->to_string() + " is not in " + subnet);
        }
        std::set<MacAddr> macs;
        std::set<Ipv4Addr> addrs;
        for (const auto& r : reservations) {
            if (!macs.insert(r.mac).second) {
                errors.push_back("MAC " + r.mac.to_string() + " has more than one reservation");
            }
            if (!addrs.insert(r.address).second) {
                errors.push_back("address " + r.address.to_string() + " is reserved more than once");
            }
            if (!in_subnet(r.address)) {
                errors.push_back("reservation " + r.address.to_string() + " for " + r.mac.to_string() +
                                 " is not in " + subnet);
            }
            if (r.address == server_ip) {
                errors.push_back("reservation for " + r.mac.to_string() + " is the server's own address " +
                                 server_ip.to_string());
            }
            if (r.boot_file) check_file_name(errors, "reserved boot file", *r.boot_file);
        }
    }

    check_file_name(errors, "default boot file", default_file);
    for (const auto& [arch, file] : arch_files) {
        check_file_name(errors, "boot file for architecture " + std::to_string(arch), file);
    }
    check_file_name(errors, "iPXE second stage", ipxe_file);
    if (next_server && (next_server->is_zero() || next_server->is_broadcast())) {
        errors.push_back("next server " + next_server->to_string() +
                         " cannot be used: a ROM fetches the boot file from siaddr (PXE-030)");
    }

    if (!menu.empty()) {
        wire::PxeVendorOptions v;
        v.discovery_control = discovery_control.value_or(0x03);
        std::set<std::uint16_t> types;
        for (const auto& e : menu) {
            if (e.description.empty()) {
                errors.push_back("menu entry of type " + std::to_string(e.type) + " has no description");
            }
            if (e.description.size() > 255) {
                errors.push_back("menu entry \"" + e.description.substr(0, 20) + "...\" is longer than 255 octets");
            }
            if (e.type == 0 && !e.file.empty()) {
                errors.push_back("menu entry \"" + e.description +
                                 "\" has type 0 (local boot), which carries no file, but names \"" + e.file + "\"");
            }
            check_file_name(errors, "menu file", e.file);
            v.menu.push_back(wire::PxeMenuItem{e.type, e.description});
            if (e.type != 0 && types.insert(e.type).second) {
                v.boot_servers.push_back(wire::PxeBootServer{e.type, {server_ip}});
            }
        }
        v.prompt = wire::PxeMenuPrompt{prompt_timeout, prompt};
        if (prompt.size() > 254) errors.push_back("menu prompt is longer than 254 octets");
        // Option 43 beyond 255 octets needs an RFC 3396 split, which PXE ROMs
        // do not join (PXE-020): keep the whole menu in one instance.
        const Bytes encoded = wire::encode_pxe_options(v);
        if (encoded.size() > 255) {
            errors.push_back("the PXE menu needs " + std::to_string(encoded.size()) +
                             " octets of option 43; ROMs take at most 255 (shorten the descriptions or the prompt)");
        }
        std::size_t listed = 0;
        for (const auto& e : menu) listed += 3 + std::min<std::size_t>(e.description.size(), 255);
        if (listed > 255) {
            errors.push_back("the menu entries need " + std::to_string(listed) +
                             " octets in sub-option 43.9, more than 255");
        }
    }
    return errors;
}

}  // namespace pxecheck::master
