#pragma once
/// \file
/// Reconstruction of one client's PXE boot from its session: which servers
/// offered what, which offer the NIC took, where the boot information came
/// from (DHCP, proxyDHCP, boot server on 4011), which server and file a NIC
/// would fetch, and how far the boot got. The rules and the reports read this
/// instead of re-deriving it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"

namespace pxecheck::analyze {

/// One server reply (OFFER, ACK on 67 or 4011) as a boot source.
struct OfferInfo {
    std::size_t frame_index = 0;   ///< into Trace::frames
    std::size_t frame_number = 0;
    std::uint32_t xid = 0;
    wire::DhcpMessageType type = wire::DhcpMessageType::Offer;
    MacAddr src_mac;
    Ipv4Addr src_ip;
    Ipv4Addr server_id;             ///< option 54 (zero when absent)
    Ipv4Addr yiaddr;
    Ipv4Addr siaddr;
    std::string file;               ///< file field, else option 67
    std::optional<std::string> option66;
    std::optional<std::string> option67;
    bool vendor_class_pxe = false;  ///< option 60 = "PXEClient"
    bool has_pxe_options = false;   ///< option 43 with PXE sub-options
    bool has_menu = false;          ///< 43.9 present
    /// yiaddr 0 and 60 = PXEClient: a proxyDHCP offer (PXE 2.1 ch.2).
    bool proxy = false;
    bool from_4011 = false;

    /// The server a NIC would contact by TFTP for `file`: siaddr if non-zero,
    /// else option 66 if it is a dotted address; nullopt when neither is usable
    /// (PXE-030). Some ROMs would fall back to `server_id`; see `fallback_server`.
    [[nodiscard]] std::optional<Ipv4Addr> tftp_server() const;
    [[nodiscard]] bool names_file() const { return !file.empty(); }
};

/// How far a boot got.
enum class BootPhase : std::uint8_t {
    Silent,       ///< no DHCP from the client at all
    Discovering,  ///< DISCOVERs but no OFFER
    Offered,      ///< OFFER(s) seen, no ACK
    /// REQUEST(s) with no OFFER before them and no ACK: an INIT-REBOOT
    /// client asking for its old address (NAKed, or unanswered)
    Requesting,
    Bound,        ///< DHCP ACK for an address
    BootInfo,     ///< a server and file to fetch are known
    Downloading,  ///< TFTP started
    Downloaded,   ///< a boot file arrived complete
};
std::string to_string(BootPhase p);

/// How the client itself ended an attempt on the wire, if it did.
enum class AttemptEnd : std::uint8_t {
    None,      ///< it did not (it went on, or the capture ends)
    Declined,  ///< DHCPDECLINE: it refused the address it was given
    Released,  ///< DHCPRELEASE
    Naked,     ///< its REQUEST was refused with DHCPNAK
};
/// "declined", "released", "nak"; "" for None.
std::string_view to_string(AttemptEnd e);

struct BootPath {
    MacAddr mac;
    std::uint32_t attempt = 1;  ///< ClientSession::attempt
    AttemptStage stage = AttemptStage::Unknown;
    /// Firmware-stage (PXEClient) DHCP only; later stages are listed apart.
    std::vector<OfferInfo> offers;           ///< all OFFERs to this client
    std::optional<std::size_t> chosen;       ///< index into offers (REQUEST's 54)
    std::optional<OfferInfo> ack;            ///< the address ACK
    std::vector<std::size_t> nak_frames;     ///< frame indices
    std::optional<OfferInfo> proxy_offer;    ///< proxyDHCP offer used, if any
    std::optional<OfferInfo> bootserver_ack; ///< ACK from UDP 4011, if any
    bool proxy_used = false;
    bool bootserver_4011 = false;
    /// The reply that governs booting (bootserver ACK > proxy > DHCP ACK,
    /// PXE 2.1 ch.2), and what it tells the NIC to fetch.
    std::optional<OfferInfo> governing;
    std::optional<Ipv4Addr> boot_server;
    std::string bootfile;
    /// Transfers (indices into Trace::transfers) of the firmware's boot file.
    std::vector<std::size_t> boot_transfers;
    BootPhase phase = BootPhase::Silent;
    std::size_t discover_count = 0;
    std::size_t later_stage_requests = 0;    ///< DHCP from later boot stages

    /// The attempt's own DHCP, whatever its stage (the fields above describe
    /// the PXE firmware's: for an attempt of a later stage or of UEFI HTTP
    /// boot they stay empty, and these tell how far it got).
    std::size_t offer_count = 0;             ///< OFFERs to its xids
    std::optional<OfferInfo> lease;          ///< the ACK that gave it an address
    AttemptEnd end = AttemptEnd::None;
    std::size_t end_frame = 0;               ///< frame number of the DECLINE, RELEASE or NAK

    /// Phase timings in ns since the first DISCOVER (absent when not reached).
    std::optional<std::int64_t> first_discover_ns;
    std::optional<std::int64_t> first_offer_ns;
    std::optional<std::int64_t> ack_ns;
    std::optional<std::int64_t> boot_info_ns;
    std::optional<std::int64_t> tftp_start_ns;
    std::optional<std::int64_t> tftp_end_ns;
};

BootPath reconstruct_boot(const Trace& trace, const ClientSession& session);

}  // namespace pxecheck::analyze
