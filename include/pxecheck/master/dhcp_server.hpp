#pragma once
/// \file
/// The reference DHCP server / proxyDHCP / PXE boot server as a sans-I/O
/// machine: datagrams to UDP 67 and 4011 and the time in, datagrams and the
/// next deadline out. It never reads a clock or a socket; leases go through a
/// LeaseStore.
///
/// What a correct master does (docs: conformance catalogue sections 1-5):
///
///  - Full mode: DISCOVER -> OFFER from the reservation, the client's current
///    or last address, its requested address (50) if free, else the first
///    free pool address; REQUEST per RFC 2131 §4.3.2 (SELECTING only when 54
///    names us: a foreign 54 withdraws our offer silently, MSG-006;
///    INIT-REBOOT and RENEWING/REBINDING checked against our records, NAK for
///    a wrong address, silence without a record); DECLINE sets the address
///    aside; RELEASE frees it; INFORM gets an ACK without lease times.
///  - Replies copy xid, htype, hlen, flags, giaddr and chaddr (DHCP-002), have
///    hops and secs 0 (DHCP-003), ciaddr/yiaddr per RFC 2131 table 3
///    (DHCP-007), always 54 (MSG-001), 51/58/59 in OFFER and ACK-to-REQUEST
///    only (MSG-002), never 50/55/57/61 (MSG-003), a NAK only 53/54/56
///    (MSG-004). Parameters: those the client's 55 asks for, in its order,
///    plus 53/54/51/58/59, the subnet mask with an address, and to PXE
///    clients always their PXE options. Never option overload; at least 300
///    octets (RFC 1542); at most the client's 57 (576 without one).
///  - PXE clients (60 starts "PXEClient", or 77 "iPXE") get siaddr = next
///    server and file = the file for their 93 architecture (iPXE: the second
///    stage), and 97 echoed (PXE-026). 60 "PXEClient" and 43 appear only when
///    PXE extensions (a menu, 4011) are in use (PXE-014).
///  - Delivery (RFC 2131 §4.1, DHCP-008/009): giaddr set -> relay, port 67;
///    else ciaddr set -> unicast there; else broadcast flag (or NAK) ->
///    255.255.255.255 with broadcast MAC; else unicast to yiaddr at chaddr.
///  - Proxy mode: no addresses; DISCOVERs only from PXEClient (PXE-016) get a
///    proxy OFFER (yiaddr 0, 54, 60, 43, 97, no 51/58/59, broadcast: PXE-015);
///    never a NAK; REQUESTs on 67 naming another server are ignored.
///  - UDP 4011 (proxy mode, or full mode with a menu): ProxyDHCP REQUEST and
///    boot server REQUEST (43.71) -> DHCPACK from port 4011 to the sender's
///    address and port, xid echoed, 54, siaddr + file for the menu type, 43.71
///    echoed; credentials (layer bit 15) get no file (PXE-018, PXE-019).
///
/// Clients are identified by chaddr, not by option 61: the stages of one
/// machine (ROM, iPXE, pxelinux, the OS) then keep one address even though
/// some of them send 61 and some do not.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/clock.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/link/datagram.hpp"
#include "pxecheck/master/lease_store.hpp"
#include "pxecheck/master/master_config.hpp"

namespace pxecheck::master {

/// How far one client (one MAC) got, in boot order. A client's view keeps the
/// furthest stage reached.
enum class ServePhase : std::uint8_t {
    Discover,   ///< we saw its DISCOVER
    Offer,      ///< we OFFERed (address or proxy offer)
    Request,    ///< it REQUESTed from us
    Ack,        ///< we ACKed (address bound, or boot info given)
    Pxe4011,    ///< we answered its ProxyDHCP / boot server request on 4011
    Tftp,       ///< it started a TFTP download (reported by the runner)
    TftpDone,   ///< the download completed
};
std::string to_string(ServePhase p);  ///< "discover", "offer", ..., "tftp-done"

/// What the server knows about one client, for the serve runner's display and
/// for judging the NIC.
struct ClientView {
    MacAddr mac;
    std::optional<std::uint16_t> arch;  ///< first option 93 value announced
    std::string vendor_class;           ///< option 60 as sent
    bool pxe = false;                   ///< 60 starts "PXEClient"
    bool ipxe = false;                  ///< 77 says "iPXE"
    ServePhase phase = ServePhase::Discover;
    Ipv4Addr address;                   ///< offered or bound (0 in proxy mode)
    std::string boot_file;              ///< last file handed out
    std::optional<std::uint16_t> boot_type;  ///< last 43.71 type answered
    std::size_t discovers = 0;
    std::size_t requests = 0;
    std::size_t naks = 0;
    std::size_t declines = 0;
    std::size_t releases = 0;
    std::size_t requests_4011 = 0;
    std::string tftp_file;              ///< last file fetched (reported by the runner)
    std::uint64_t tftp_bytes = 0;       ///< octets of it acknowledged so far
    TimePoint first_seen{};
    TimePoint last_seen{};
};

/// One thing the server did or refused, for the run log.
struct DhcpEvent {
    enum class Kind : std::uint8_t {
        Offered,         ///< OFFER sent (address or proxy offer)
        Acked,           ///< ACK to a REQUEST or INFORM
        Nakked,          ///< NAK sent
        Pxe4011Acked,    ///< ACK from port 4011 (or a boot server ACK on 67)
        Declined,        ///< DECLINE taken: address set aside
        Released,        ///< RELEASE taken: address freed
        Ignored,         ///< a message we did not answer, and why
        PoolExhausted,   ///< DISCOVER with no address left to offer
        Expired,         ///< a lease or offer ran out
        StoreError,      ///< the LeaseStore failed to save
    };
    Kind kind = Kind::Ignored;
    TimePoint at{};
    MacAddr mac;
    Ipv4Addr address;
    std::uint32_t xid = 0;
    /// In words, e.g. "REQUEST names server 192.168.14.1: not us, offer of
    /// 192.168.14.10 withdrawn".
    std::string detail;
};
std::string to_string(DhcpEvent::Kind k);  ///< "offered", "acked", ...

class DhcpServer {
public:
    /// \p store may be nullptr (nothing kept across runs); when set it must
    /// outlive the server. The configuration is used as given: call
    /// MasterConfig::validate() first.
    explicit DhcpServer(MasterConfig config, LeaseStore* store = nullptr);
    ~DhcpServer();
    DhcpServer(const DhcpServer&) = delete;
    DhcpServer& operator=(const DhcpServer&) = delete;

    /// Loads the stored leases. \p unix_now is the wall-clock time (Unix
    /// seconds) at \p now: stored expiry times are wall-clock, the machine's
    /// are TimePoints, and this pair maps one onto the other. Datagrams given
    /// before start() are dropped. Records already expired are left out; a
    /// store that cannot be read is an error (the server then starts empty).
    Status start(TimePoint now, std::int64_t unix_now);

    /// A datagram the runner received for the master: UDP destination port 67
    /// (DHCP / proxyDHCP) or 4011 (PXE), to a broadcast address or to
    /// server_ip. Other ports, and unicasts to other hosts (seen in a
    /// promiscuous capture), are ignored.
    void on_datagram(TimePoint now, const link::Datagram& d);
    /// Expires offers, leases and declined addresses due by \p now.
    void on_timer(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;
    std::vector<link::Datagram> take_output();
    std::vector<DhcpEvent> take_events();

    /// The runner reports TFTP progress of a client (the TftpServer's
    /// transfer events carry its MAC), so clients() can show the phase.
    void note_tftp(TimePoint now, const MacAddr& mac, const std::string& file, std::uint64_t bytes,
                   bool complete);

    /// Every client seen, in order of first appearance.
    [[nodiscard]] std::vector<ClientView> clients() const;
    /// Bound and declined records as they would be stored now.
    [[nodiscard]] std::vector<Lease> leases() const;
    [[nodiscard]] const MasterConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pxecheck::master
