#pragma once
/// \file
/// The emulated PXE NIC as a sans-I/O machine: DHCP DISCOVER/OFFER/REQUEST/ACK
/// with the profile's PXE options, offer collection and selection as PXE
/// firmware does (address offer plus proxyDHCP offer), ProxyDHCP REQUEST and
/// boot server discovery on UDP 4011, an ARP probe of the leased address, the
/// TFTP download, and DHCPRELEASE. Modelled as a table of states in the way
/// iPXE's DHCP client is (discover, request, proxy, pxebs).
///
/// Choice of offers, as PXE firmware does it: when a proxyDHCP offer (yiaddr
/// 0, option 60 "PXEClient") is in, the first address offer gives the address
/// and the proxy offer the boot information (EDK2's "DhcpOnly + Proxy" rule);
/// otherwise the first address offer that names a boot file (or carries a PXE
/// menu), else the first address offer. Boot information comes from the
/// governing reply (PXE-012: boot server ACK > proxy > DHCP ACK).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/clock.hpp"
#include "pxecheck/client/probes.hpp"
#include "pxecheck/client/profile.hpp"
#include "pxecheck/client/tftp_client.hpp"
#include "pxecheck/link/datagram.hpp"
#include "pxecheck/wire/dhcp.hpp"

namespace pxecheck::client {

struct ClientConfig {
    MacAddr mac;
    NicProfile profile;
    std::array<std::uint8_t, 16> uuid{};   ///< option 97 GUID
    std::optional<Micros> offer_wait;      ///< overrides the profile
    int menu_item = 0;                     ///< boot menu entry (0 = first)
    /// TFTP windowsize to ask; 0: the profile's (none for bios and ipxe, 4
    /// for the EDK2 profiles, as their firmware asks).
    std::uint16_t windowsize = 0;
    bool release = true;                   ///< DHCPRELEASE when done
    bool download = true;                  ///< fetch the boot file
    std::uint32_t seed = 0;                ///< xid and port randomness (0: std::random_device)
    /// Overrides the profile's option values / adds options: (code, value),
    /// in every DHCP request the client sends except DHCPRELEASE. An empty
    /// value removes the option.
    std::vector<std::pair<std::uint8_t, Bytes>> option_overrides;
    /// Total time before giving up on DHCP (all DISCOVER retries).
    Micros dhcp_give_up{std::chrono::seconds(60)};
    /// Active checks to provoke (see probes.hpp); none by default.
    std::vector<Probe> probes;
};

/// Where the NIC is, in the order a boot goes.
enum class ClientPhase : std::uint8_t {
    Init,
    Discovering,     ///< DISCOVER sent, collecting offers
    Requesting,      ///< REQUEST sent to the chosen server
    Probing,         ///< ARP probe of the leased address
    ProxyRequest,    ///< ProxyDHCP REQUEST to UDP 4011
    BootServer,      ///< boot server discovery REQUEST (43.71)
    Downloading,     ///< TFTP
    Releasing,
    Done,
    Failed,
};
std::string to_string(ClientPhase p);

/// A reply the client saw, kept for the summary.
struct SeenOffer {
    wire::DhcpMessage msg;
    link::Datagram from;     ///< addresses it came from (payload cleared)
    TimePoint at{};
    bool proxy = false;
};

struct ClientOutcome {
    /// Where the boot got to: the current phase while running, Done or
    /// Failed at the end (failed_in then names the phase that failed).
    ClientPhase reached = ClientPhase::Init;
    /// When Failed: the phase the client was in (Discovering, Probing, ...).
    std::optional<ClientPhase> failed_in;
    std::vector<SeenOffer> offers;
    std::optional<std::size_t> chosen;        ///< address offer taken
    std::optional<std::size_t> proxy;         ///< proxy offer used
    std::optional<wire::DhcpMessage> ack;
    std::optional<wire::DhcpMessage> bootserver_ack;
    Ipv4Addr address;
    Ipv4Addr server_id;
    std::optional<Ipv4Addr> tftp_server;
    std::string bootfile;
    /// "dhcp", "proxydhcp" (the proxy offer), "proxydhcp-4011" (the proxy's
    /// answer on UDP 4011), "bootserver-4011" (boot server discovery).
    std::string boot_info_from;
    std::optional<TftpResult> tftp;
    /// The size query before the download (profiles with a TftpSizeProbe).
    std::optional<TftpResult> tftp_size_probe;
    std::optional<MacAddr> address_conflict;  ///< ARP probe answered by this MAC
    std::size_t naks = 0;
    bool released = false;
    /// Phase timestamps.
    std::optional<TimePoint> started, offered, bound, boot_info, tftp_started, finished;
    /// When Failed: what went wrong, in words a network engineer uses
    /// ("no DHCP offer after 4 DISCOVERs in 60 s").
    std::string failure;

    /// What a reader of the run should know that is not a failure: ignored
    /// replies, late offers, an address conflict, NAK restarts.
    std::vector<std::string> notes;
    /// DHCP replies dropped because xid, chaddr, server id or type did not fit.
    std::size_t ignored_replies = 0;
    std::size_t discovers_sent = 0;
    std::size_t requests_sent = 0;
    /// The xid of the DHCP exchange that got the lease (or the last one).
    std::uint32_t xid = 0;
    /// One per probe of ClientConfig::probes, in boot order, once the client
    /// is done (Done or Failed).
    std::vector<ProbeOutcome> probes;
};

class PxeClient {
public:
    explicit PxeClient(ClientConfig config);
    ~PxeClient();
    PxeClient(const PxeClient&) = delete;
    PxeClient& operator=(const PxeClient&) = delete;

    void start(TimePoint now);
    /// A datagram addressed to the NIC (broadcast or its address, any port).
    void on_datagram(TimePoint now, const link::Datagram& d);
    void on_timer(TimePoint now);
    /// Ends the run early (Ctrl-C): releases the lease if it has one.
    void abort(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    std::vector<link::Datagram> take_output();

    /// The address to answer ARP for (set once bound), and the one to probe.
    [[nodiscard]] std::optional<Ipv4Addr> bound_address() const;
    /// Returns the address once, right after the ACK; nullopt afterwards.
    [[nodiscard]] std::optional<Ipv4Addr> probe_request();
    /// The stack reports the probe's result (nullopt: no one answered).
    /// Without a result the client goes on by itself after kProbeFallback.
    void on_probe_result(TimePoint now, std::optional<MacAddr> conflict);
    static constexpr Micros kProbeFallback{std::chrono::seconds(10)};

    [[nodiscard]] ClientPhase phase() const;
    [[nodiscard]] bool done() const;
    [[nodiscard]] const ClientOutcome& outcome() const;
    [[nodiscard]] const ClientConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pxecheck::client
