#pragma once
/// \file
/// Configuration of the reference master: the DHCP server (or proxyDHCP), its
/// PXE boot information and its boot menu. One value type, filled by the
/// scenario loader or the serve command, checked by validate() before a
/// DhcpServer is built from it.
///
/// The defaults make a "known good" master for the common lab: a full DHCP
/// server that hands out addresses and a boot file chosen by the client's
/// architecture (option 93), with siaddr pointing at the master itself.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"

namespace pxecheck::master {

/// A fixed address (and optionally a fixed boot file) for one MAC.
struct Reservation {
    MacAddr mac;
    Ipv4Addr address;
    /// Overrides the per-architecture file for this machine (not for iPXE's
    /// second stage, which always wins: see MasterConfig::ipxe_file).
    std::optional<std::string> boot_file;
};

/// One entry of the PXE boot menu (option 43.9), with the file its boot
/// server hands out (43.71 request on UDP 4011).
struct PxeMenuEntry {
    /// Boot server type (PXE 2.1 table 2-1). 0 is "local boot": it carries no
    /// file and the ROM leaves PXE when it is chosen. 1-32767 are PXE/vendor
    /// types; pxecheck uses anything, e.g. 128 as dnsmasq does.
    std::uint16_t type = 0;
    std::string description;
    /// File the boot server gives for this type; empty: the client's
    /// per-architecture file (MasterConfig::boot_file_for).
    std::string file;
    /// Architectures (option 93 values) this entry is shown to; empty: all.
    /// dnsmasq's --pxe-service=x86PC,... and X86-64_EFI,... work like this.
    std::vector<std::uint16_t> arches;
};

struct MasterConfig {
    // --- who the master is -------------------------------------------------
    /// The master's address on the segment: option 54 in every reply, the
    /// source of every datagram, the default next server.
    Ipv4Addr server_ip;
    MacAddr server_mac;
    /// proxyDHCP (PXE 2.1): hand out no addresses, answer only PXE clients
    /// with boot information, beside another DHCP server.
    bool proxy = false;

    // --- addresses (ignored in proxy mode) -----------------------------------
    Ipv4Addr pool_first;
    Ipv4Addr pool_last;
    Ipv4Addr netmask = Ipv4Addr::from_octets(255, 255, 255, 0);
    std::optional<Ipv4Addr> router;
    std::vector<Ipv4Addr> dns;
    /// Seconds (option 51); 0xffffffff is an infinite lease (RFC 2132 §9.2).
    std::uint32_t lease_time = 3600;
    /// How long an OFFERed address stays set aside for the client that was
    /// offered it before another client may be offered it.
    std::uint32_t offer_hold = 60;
    /// How long an address a client DECLINEd stays out of the pool.
    std::uint32_t decline_hold = 600;
    std::vector<Reservation> reservations;

    // --- boot information -----------------------------------------------------
    /// Boot file by option 93 architecture. Defaults: 0 BIOS -> pxelinux.0,
    /// 6 IA32 UEFI -> bootia32.efi, 7 and 9 x64 UEFI -> bootx64.efi (7/9 are
    /// swapped between RFC 4578 and its erratum; firmware sends both), 11
    /// ARM64 UEFI -> bootaa64.efi.
    std::map<std::uint16_t, std::string> arch_files = default_arch_files();
    /// For architectures not in arch_files, and clients that send no 93.
    std::string default_file = "pxelinux.0";
    /// iPXE detection: a client whose user class (77) is "iPXE" gets this
    /// instead of the ROM file, so an iPXE loaded by the ROM does not fetch
    /// iPXE again (the chainload loop). A script name ("boot.ipxe") or a URL
    /// ("http://192.168.14.200/boot.ipxe"). Empty: no detection; iPXE gets
    /// the same file as the ROM.
    std::string ipxe_file;
    /// siaddr of every reply that names a boot file; nullopt: server_ip.
    std::optional<Ipv4Addr> next_server;
    /// Also send option 66 (the next server as a dotted address, always the
    /// same value as siaddr: PXE-024) and option 67 (the file, the same text
    /// as the file field). PC ROMs read siaddr and file; some later stages
    /// read only 66/67.
    bool send_option66 = false;
    bool send_option67 = false;

    // --- PXE menu and boot servers (option 43) -----------------------------------
    /// Menu for PXE clients; empty: no menu (the boot file goes straight into
    /// the offer). With a menu the master also answers boot server requests
    /// on UDP 4011, in proxy and in full mode.
    std::vector<PxeMenuEntry> menu;
    /// Prompt (43.10) sent with a menu. Timeout: 0 boots the first entry at
    /// once, 255 waits for a key forever, else seconds (PXE-013).
    std::string prompt = "Press F8 for boot menu";
    std::uint8_t prompt_timeout = 5;
    /// Discovery control (43.6) sent with a menu; nullopt: 0x03 (no
    /// broadcast, no multicast discovery: the ROM unicasts to the boot
    /// servers listed in 43.8, which name this master for every menu type).
    /// Without a menu a proxy sends 0x08 (boot file in this reply).
    std::optional<std::uint8_t> discovery_control;

    // --- derived values ------------------------------------------------------------
    /// The table the defaults above name.
    static std::map<std::uint16_t, std::string> default_arch_files();
    /// next_server or, unset, server_ip.
    [[nodiscard]] Ipv4Addr effective_next_server() const { return next_server.value_or(server_ip); }
    /// Whether the master listens on UDP 4011 (proxy mode, or a menu).
    [[nodiscard]] bool serves_4011() const { return proxy || !menu.empty(); }
    /// The boot file for a ROM of architecture \p arch (nullopt: none sent).
    [[nodiscard]] std::string boot_file_for(std::optional<std::uint16_t> arch) const;
    /// The reservation for \p mac, or nullptr.
    [[nodiscard]] const Reservation* reservation_for(const MacAddr& mac) const;
    /// Whether \p ip lies in the server's subnet (server_ip / netmask).
    [[nodiscard]] bool in_subnet(Ipv4Addr ip) const;
    [[nodiscard]] bool in_pool(Ipv4Addr ip) const;

    /// Everything wrong with the configuration, one sentence each, e.g.
    /// "range 192.168.14.20-192.168.14.10 is reversed". Empty when usable.
    [[nodiscard]] std::vector<std::string> validate() const;
};

}  // namespace pxecheck::master
