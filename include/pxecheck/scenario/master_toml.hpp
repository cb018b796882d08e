#pragma once
/// \file
/// The reference master's settings: what `pxecheck serve` runs with, read
/// from a TOML file (`--config`, see scenarios/seed-master.toml) and from the
/// command line, flags overriding the file. Everything here is plain data and
/// parsing; the CLI only declares the flags, and serve_run does the I/O.
///
/// The file, every key optional (the examples in scenarios/ comment each one):
///
///     [server]   address, mac, proxy
///     [dhcp]     range = "FIRST-LAST", netmask, router, dns = [..], lease_time,
///                offer_hold, decline_hold, leases (file)
///     [[dhcp.reservation]]  mac, address, filename
///     [boot]     filename, next_server, option66, option67, ipxe
///     [boot.arch]  "<arch>" = "file"   (arch: 0-65535 or bios, ia32, x64, arm64; the
///                whole table: arches not listed get boot.filename)
///     [menu]     prompt, timeout, discovery_control
///     [[menu.entry]]  type, description, file, arches = [..]
///     [tftp]     root, max_blksize, max_windowsize, timeout, retry_max, retries,
///                max_transfers
///     [safety]   probe_wait, allow_other_dhcp
///
/// The interface is never read from a file: serve needs an explicit --iface.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/base/result.hpp"
#include "pxecheck/master/master_config.hpp"

namespace pxecheck::scenario {

/// Everything `pxecheck serve` needs besides the interface.
struct ServeSettings {
    /// The DHCP / proxyDHCP side. server_mac stays zero unless set by the
    /// file or --server-mac: the runner then picks it from the interface.
    master::MasterConfig master;
    /// Read-only, confined TFTP root; empty: no TFTP server (the boot files
    /// then come from another next server).
    std::string tftp_root;
    /// Lease file (master::FileLeaseStore); empty: leases live in memory only.
    std::string leases_path;

    // --- TFTP server -------------------------------------------------------------
    /// Largest blksize granted; 0: the link MTU less IPv4, UDP and TFTP
    /// headers (1468 on a 1500 MTU). Never more than the MTU allows.
    std::uint16_t tftp_max_blksize = 0;
    std::uint16_t tftp_max_windowsize = 64;
    /// First retransmission timeout and its cap (seconds), resends at most.
    double tftp_timeout = 1.0;
    double tftp_retry_max = 8.0;
    int tftp_retries = 5;
    std::size_t tftp_max_transfers = 256;

    // --- safety -------------------------------------------------------------------
    /// Seconds the start-up probe listens for another DHCP server's OFFER.
    double probe_wait = 4.0;
    /// Serve addresses even when another DHCP server answered the probe.
    bool allow_other_dhcp = false;
};

/// The command-line flags of `pxecheck serve` that shape the settings, as
/// given (nullopt / empty: not on the command line). apply_serve_flags puts
/// them over a ServeSettings.
struct ServeFlags {
    std::optional<std::string> server_ip;       ///< --server-ip A
    std::optional<std::string> server_mac;      ///< --server-mac M
    bool proxy = false;                         ///< --proxy
    std::optional<std::string> range;           ///< --range FIRST-LAST
    std::optional<std::string> netmask;         ///< --netmask M
    std::optional<std::string> router;          ///< --router A
    std::vector<std::string> dns;               ///< --dns A (repeatable)
    std::optional<std::uint32_t> lease_time;    ///< --lease-time S
    std::vector<std::string> reservations;      ///< --reserve MAC,IP[,FILE]
    std::optional<std::string> tftp_root;       ///< --tftp-root DIR
    std::optional<std::string> filename;        ///< --filename F
    std::vector<std::string> arch_files;        ///< --arch-file ARCH=FILE
    std::optional<std::string> next_server;     ///< --next-server A
    bool option66 = false;                      ///< --option66
    bool option67 = false;                      ///< --option67
    std::optional<std::string> ipxe_file;       ///< --ipxe-file NAME|URL
    std::optional<std::string> leases;          ///< --leases FILE
    std::vector<std::string> menu;              ///< --menu TYPE:DESCRIPTION:FILE
    std::optional<std::string> prompt;          ///< --prompt TEXT
    std::optional<int> prompt_timeout;          ///< --prompt-timeout N
    std::optional<double> probe_wait;           ///< --probe-wait S
    bool allow_other_dhcp = false;              ///< --allow-other-dhcp
};

/// Reads the TOML text (\p source names it in errors). An error names the
/// source, the line and the key: "seed.toml:7: dhcp.range: \"10.0.0.1\" is
/// not FIRST-LAST". Unknown keys are errors too (a typo must not pass as a
/// default).
Result<ServeSettings> parse_master_toml(std::string_view text, std::string_view source = "config");
/// Same for a file (an unreadable file is an error naming it).
Result<ServeSettings> load_master_toml(const std::string& path);

/// Puts \p flags over \p settings. Returns one sentence per bad flag value
/// (empty: all applied). Rules: scalar flags replace; --dns, --reserve,
/// --menu and --arch-file given on the command line replace the file's
/// list (a --arch-file adds to / replaces entries of the arch table);
/// --filename sets the default file and the BIOS (arch 0) file, the UEFI
/// defaults stay; --proxy and --allow-other-dhcp only switch on.
std::vector<std::string> apply_serve_flags(const ServeFlags& flags, ServeSettings& settings);

/// Everything wrong with settings about to be served, one sentence each:
/// MasterConfig::validate() (server_mac must be set by then) plus the TFTP
/// side (a root that is not a directory, no root while siaddr names this
/// master, limits out of range) and the probe wait.
std::vector<std::string> validate_settings(const ServeSettings& settings);

/// The effective settings as TOML that parse_master_toml reads back to the
/// same value (for --dry-run and for saving a command line as a file).
std::string to_toml(const ServeSettings& settings);

// --- pieces, exposed for tests and the CLI's help --------------------------------

/// "192.168.14.10-192.168.14.20" -> (first, last).
std::optional<std::pair<Ipv4Addr, Ipv4Addr>> parse_range(std::string_view text);
/// "0".."65535", or a name: bios (0), ia32 (6), x64 (7 and 9: RFC 4578 and
/// its erratum swap them, firmware sends both), arm64 (11).
std::optional<std::vector<std::uint16_t>> parse_arch(std::string_view text);
/// --menu "TYPE:DESCRIPTION:FILE": TYPE up to the first ':', FILE after the
/// last ':' (may be empty), DESCRIPTION in between (may hold ':').
Result<master::PxeMenuEntry> parse_menu_flag(std::string_view text);
/// --reserve "MAC,IP[,FILE]".
Result<master::Reservation> parse_reservation_flag(std::string_view text);
/// The TFTP server's max_blksize: \p configured (ServeSettings::
/// tftp_max_blksize, 0: none) within what one unfragmented datagram on a
/// link of \p mtu carries (mtu <= 0: unknown, 1500), and within RFC 2348's
/// 8..65464.
std::uint16_t tftp_blksize_cap(std::uint16_t configured, int mtu);

}  // namespace pxecheck::scenario
