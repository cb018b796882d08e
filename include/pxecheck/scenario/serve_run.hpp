#pragma once
/// \file
/// Runs the reference master (master::DhcpServer + master::TftpServer) on a
/// FrameIo: the user-space stack holds the master's address and answers ARP,
/// every frame sent and every DHCP/PXE/TFTP/ARP frame received is recorded
/// into a Trace (and optionally a pcap) in time order by a FrameRecorder,
/// each NIC's boot is followed (MAC, arch, phase, file, bytes) and reported
/// line by line, and at the end the
/// trace comes back for the rule engine, which judges the NICs. The only
/// place that joins master, link and analyze, so the master never includes
/// analyze or checks.
///
/// Before serving, the CLI calls:
///  - hold_service_ports() when the host itself has the master's address
///    (link::PortHold: otherwise the kernel answers every unicast to 67, 4011,
///    69 and each transfer's port with ICMP port unreachable);
///  - probe_dhcp_servers(), the safety probe: DISCOVERs from a throwaway
///    locally administered MAC, then it listens for OFFERs. It is a safety
///    check of the segment, not synchronisation with anything: a master that
///    hands out addresses beside another DHCP server splits the clients
///    between two authorities, so serve refuses to start when one answers.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/master/dhcp_server.hpp"
#include "pxecheck/master/file_source.hpp"
#include "pxecheck/master/lease_store.hpp"
#include "pxecheck/master/tftp_server.hpp"

namespace pxecheck::scenario {

// --- before serving -------------------------------------------------------------

/// The master's MAC: the interface's own when the host has the address (the
/// kernel answers ARP for it with that MAC, and both answers must agree);
/// otherwise a locally administered MAC derived from it (02:xx:..), so that
/// the kernel never sees frames addressed to an IP it does not have arrive
/// at its own MAC (with forwarding on it would route them back out).
MacAddr choose_server_mac(const MacAddr& hardware_mac, bool host_has_address);

/// Holds UDP 67 (and 4011 when served, 69 when \p tftp) at \p ip with
/// link::PortHold. A port another program already holds is an error (a DHCP
/// or TFTP server already running on this host would answer too), except
/// 67 in proxy mode: a proxy is meant to live beside the host's DHCP server,
/// which then receives the unicasts to 67 (noted in \p notes).
Result<std::vector<link::PortHold>> hold_service_ports(Ipv4Addr ip, const master::MasterConfig& config, bool tftp,
                                                      std::vector<std::string>& notes);

/// One server that answered the probe.
struct ProbeAnswer {
    Ipv4Addr server_id;   ///< option 54 (0 when missing)
    Ipv4Addr source_ip;   ///< the OFFER's IP source
    MacAddr source_mac;   ///< the OFFER's Ethernet source
    Ipv4Addr offered;     ///< yiaddr
    std::string file;     ///< boot file named, if any
    bool proxy = false;   ///< yiaddr 0 with "PXEClient": a proxyDHCP
};
struct ProbeResult {
    MacAddr probe_mac;            ///< the throwaway MAC the DISCOVERs came from
    std::uint32_t xid = 0;
    std::vector<ProbeAnswer> servers;  ///< one per server (by source MAC and 54)
    /// Frames the probe recorded (its DISCOVERs and the OFFERs to them): the
    /// first frames of the pcap; serve's trace numbers on after them
    /// (ServeRunOptions::first_frame_number).
    std::size_t frames = 0;
};
/// Sends a DISCOVER (broadcast flag set, host name "pxecheck-probe") from a
/// random locally administered MAC, two more with the same xid a quarter and
/// half way through \p wait, and collects the OFFERs for it until \p wait has passed
/// (or \p stop is set). Frames sent and received go to \p pcap when given
/// (through a FrameRecorder: in time order).
ProbeResult probe_dhcp_servers(link::FrameIo& io, Micros wait, const std::atomic<bool>* stop = nullptr,
                               link::PcapWriter* pcap = nullptr);

// --- serving -----------------------------------------------------------------------

struct ServeSetup {
    /// Validated (MasterConfig::validate), server_mac set.
    master::MasterConfig master;
    /// Used when `files` is set; server_ip/server_mac are taken from `master`.
    master::TftpServerConfig tftp;
    master::FileSource* files = nullptr;  ///< nullptr: no TFTP server
    master::LeaseStore* leases = nullptr; ///< nullptr: leases in memory only
    /// The host holds master.server_ip: each TFTP transfer's port is then
    /// taken with link::PortHold (the well-known ones: hold_service_ports).
    bool hold_transfer_ports = false;
};

/// One line for the terminal: what happened, to whom.
struct ServeLine {
    TimePoint at{};
    std::int64_t wall_ns = 0;
    std::optional<MacAddr> mac;
    std::string text;
    /// Routine noise (datagrams ignored, packets dropped): shown with -v.
    bool verbose = false;
};

struct ServeRunOptions {
    std::string source_name = "live";  ///< trace source ("live:eth0")
    link::PcapWriter* pcap = nullptr;  ///< every frame sent and recorded
    /// Number of the first frame of the trace: one past the frames already
    /// in \p pcap (the safety probe's, ProbeResult::frames), so that the
    /// findings' frame numbers are the pcap's.
    std::size_t first_frame_number = 1;
    /// Stop after this long (nullopt: no limit).
    std::optional<Micros> time_limit;
    /// Stop once this many NICs have downloaded their boot file (0: never).
    std::size_t exit_after = 0;
    /// Set from a signal handler: stop cleanly.
    const std::atomic<bool>* stop = nullptr;
    /// Called for every event as it happens.
    std::function<void(const ServeLine&)> on_line;
    /// Client MACs that are not NICs: the safety probe's throwaway MAC, whose
    /// late answers would otherwise show up as a silent "NIC".
    std::set<MacAddr> ignore_macs;
    /// Say (once per server) when another DHCP server answers a client while
    /// this one hands out addresses: the probe can miss a server that was
    /// down or slow, and two servers answering is the trouble it guards against.
    bool watch_other_servers = false;
};

/// What serve saw of one NIC (one MAC).
struct NicReport {
    MacAddr mac;
    std::optional<std::uint16_t> arch;  ///< first option 93 announced
    std::string vendor_class;           ///< option 60
    bool pxe = false;                   ///< 60 starts "PXEClient"
    bool ipxe = false;                  ///< 77 "iPXE"
    bool dhcp = false;                  ///< seen by the DHCP server (else TFTP only)
    std::string phase;                  ///< master::to_string(ServePhase)
    Ipv4Addr address;                   ///< offered or bound (0: none, proxy)
    std::string boot_file;              ///< the file the master named for it
    bool boot_file_done = false;        ///< it downloaded that file completely
    std::uint64_t boot_file_bytes = 0;
    std::string last_file;              ///< last file it fetched by TFTP
    std::uint64_t last_bytes = 0;       ///< octets of it acknowledged
    std::vector<std::string> files_done;  ///< every file downloaded completely, in order
    TimePoint first_seen{};
    TimePoint last_seen{};
    std::optional<TimePoint> finished;  ///< when the boot file download completed
};

struct ServeRunResult {
    enum class Stop : std::uint8_t { Signal, TimeLimit, ExitAfter };
    Stop stopped_by = Stop::Signal;
    analyze::Trace trace;
    std::vector<NicReport> nics;          ///< in order of first appearance
    /// Findings from the master's own view (FLOW-009 where a PXE NIC's boot
    /// stopped); the caller merges them with run_checks(trace).
    std::vector<checks::Finding> run_findings;
    std::size_t finished = 0;             ///< NICs that downloaded their boot file
    /// The lease store could not be read at start (the server started empty).
    std::string lease_error;
};
std::string to_string(ServeRunResult::Stop s);  ///< "signal", "time-limit", "exit-after"

ServeRunResult run_serve(link::FrameIo& io, const ServeSetup& setup, const ServeRunOptions& options);

/// The verdict of one NIC: the worst of the findings of its session.
checks::Verdict nic_verdict(const NicReport& nic, const std::vector<checks::Finding>& findings);

// --- dry run -------------------------------------------------------------------------

/// A sample client request and what the master answers to it.
struct SampleExchange {
    std::string client;                 ///< "BIOS PXE ROM (arch 0)", ...
    std::string request;                ///< wire::summarize of the request
    std::vector<std::string> replies;   ///< wire::summarize of each reply ("" none)
    std::vector<std::string> notes;     ///< the server's events (why it stayed silent, ...)
};
/// Feeds hand-built DISCOVERs of a BIOS PXE ROM (arch 0) and an x64 UEFI
/// ROM (arch 7) (and of iPXE when config.ipxe_file is set; and, with a menu,
/// a boot server request on 4011 for the first entry) to a DhcpServer with
/// \p config in memory, and returns the exchanges. No I/O.
std::vector<SampleExchange> sample_exchanges(const master::MasterConfig& config);

}  // namespace pxecheck::scenario
