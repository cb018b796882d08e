#pragma once
/// \file
/// NIC profiles: what real PXE firmware puts on the wire (options 55, 57, 60,
/// 77, 93, 94, 97, flags, TFTP options) and its retry timers, so the emulator
/// asks a master exactly what such a NIC would ask.
///
/// Every value of a built-in profile was read from a capture of that firmware
/// or from its source; the profile's `description` names the evidence.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/clock.hpp"
#include "pxecheck/wire/dhcp.hpp"

namespace pxecheck::client {

/// When the client stops collecting OFFERs and picks one.
enum class OfferSelection : std::uint8_t {
    /// `offer_wait` after the first OFFER (DISCOVERs are still repeated on
    /// the profile's schedule while waiting).
    AfterWait,
    /// At the first end of a DISCOVER window (a retransmission timeout) that
    /// comes `offer_wait` or more after the first DISCOVER, if an address
    /// offer is in by then. EDK2's Dhcp4Dxe selects "at each timeout if any
    /// offer received" (offer_wait 0); iPXE waits for proxy offers until
    /// DHCP_DISC_PROXY_TIMEOUT_SEC (2 s) has passed; the PXE 2.1 ROM waits
    /// through its 4 s and 8 s windows (iPXE's config quotes 11 s for it).
    WindowEnd,
};

/// Where the xid of a ProxyDHCP / boot server REQUEST (UDP 4011) comes from.
enum class PxeRequestXid : std::uint8_t {
    SameAsDhcp,  ///< reuse the DHCP exchange's xid (Intel-style BIOS ROM, netboot capture)
    Fresh,       ///< a new random xid (EDK2 PxeBcDhcp4Discover: NET_RANDOM)
    Zero,        ///< 0 (iPXE's pxebs session never sets one: ipxe-bios-dnsmasq-proxy.pcap)
};

/// Whether the firmware asks for the file size in a separate RRQ first.
enum class TftpSizeProbe : std::uint8_t {
    None,        ///< one RRQ (iPXE)
    TsizeOnly,   ///< RRQ with only tsize=0, then the download RRQ from the next port (Intel BIOS ROM)
    AllOptions,  ///< RRQ with tsize plus the download options, aborted with ERROR 8 after the OACK (EDK2)
};

struct NicProfile {
    std::string name;         ///< "bios", "uefi-x64", "uefi-arm64", "ipxe"
    std::string description;  ///< which firmware it models and from what evidence
    std::uint16_t arch = 0;   ///< option 93
    std::uint8_t undi_major = 2;
    std::uint8_t undi_minor = 1;
    /// Option 60; empty means make_pxe_vendor_class(arch, undi_major, undi_minor).
    std::string vendor_class;
    Bytes parameter_list;     ///< option 55
    std::uint16_t max_message_size = 1260;  ///< option 57
    std::optional<Bytes> user_class;        ///< option 77 (iPXE sends "iPXE")
    bool broadcast_flag = true;             ///< PXE ROMs ask for broadcast replies
    /// Gaps between DISCOVER retransmissions (PXE 2.1: 4, 8, 16, 32 s).
    std::vector<Micros> discover_timeouts;
    /// Gaps between REQUEST / ProxyDHCPREQUEST / boot server retries (1, 2, 3, 4 s).
    std::vector<Micros> request_timeouts;
    /// How long to keep collecting OFFERs after the first one (proxy offers
    /// arrive late; PXE 2.1 keeps listening through its first window).
    /// With OfferSelection::WindowEnd: the least time since the first
    /// DISCOVER before an offer may be chosen.
    Micros offer_wait{std::chrono::seconds(4)};
    std::uint16_t tftp_blksize = 1432;  ///< 0: do not ask
    bool tftp_tsize = true;
    /// Extra options as (code, value), sent in DISCOVER and REQUEST.
    std::vector<std::pair<std::uint8_t, Bytes>> extra_options;

    // --- added with the client implementation --------------------------------
    /// How `offer_wait` is measured (see OfferSelection).
    OfferSelection offer_selection = OfferSelection::AfterWait;
    /// Stop collecting as soon as both an address offer and a proxyDHCP
    /// offer are in (iPXE's dhcp_discovery_rx).
    bool select_on_proxy_offer = false;
    /// Wire order of the options the firmware writes. Codes that are not
    /// listed follow the listed ones in the order they were added (extra
    /// options, then overrides).
    std::vector<std::uint8_t> option_order;
    /// The DHCP payload is padded with zeros to this size (the Intel-style
    /// ROM sends 548 octets, a full 576-octet IP datagram).
    std::size_t min_message_size = 300;
    /// Option 57 in the REQUEST when it differs from the DISCOVER's (EDK2's
    /// Dhcp4Dxe writes 0xFF00 = 65280 and PxeBc only rewrites the DISCOVER).
    std::optional<std::uint16_t> request_max_message_size;
    /// The SELECTING REQUEST repeats the DISCOVER's secs (RFC 2131 §4.4.1;
    /// EDK2 and the BIOS ROM do, iPXE counts on).
    bool request_secs_as_discover = true;
    /// Option 61 = hardware type 1 + MAC (iPXE).
    bool client_id_from_mac = false;
    /// Gaps between boot server / ProxyDHCP REQUEST retries on UDP 4011;
    /// empty means request_timeouts.
    std::vector<Micros> bootserver_timeouts;
    /// Client UDP port of ProxyDHCP / boot server REQUESTs. PXE 2.1 ROMs and
    /// EDK2 send from 4011 (netboot capture: 4011 -> 4011; EDK2 binds its
    /// listen point to PXEBC_BS_DISCOVER_PORT); iPXE sends from 68.
    std::uint16_t pxe_request_port = wire::kPxeBootServerPort;
    PxeRequestXid pxe_request_xid = PxeRequestXid::SameAsDhcp;
    /// Broadcast flag in ProxyDHCP / boot server REQUESTs.
    bool pxe_request_broadcast_flag = false;
    /// Option 60 in ProxyDHCP / boot server REQUESTs; empty: as in DISCOVER.
    /// iPXE's pxebs request carries the bare "PXEClient".
    std::string pxe_request_vendor_class;
    /// TFTP windowsize (RFC 7440) the firmware asks for; 0: none.
    std::uint16_t tftp_windowsize = 0;
    TftpSizeProbe tftp_size_probe = TftpSizeProbe::None;
    /// Order of the RRQ options: tsize first (EDK2) or blksize first (iPXE).
    bool tftp_tsize_first = false;
};

/// The built-in profiles, default ("bios") first.
const std::vector<NicProfile>& builtin_profiles();
/// nullptr when the name is unknown.
const NicProfile* find_profile(const std::string& name);
/// Option 60 as the profile sends it in DISCOVER and REQUEST.
std::string vendor_class_of(const NicProfile& p);

}  // namespace pxecheck::client
