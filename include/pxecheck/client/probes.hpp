#pragma once
/// \file
/// Active checks the emulated NIC can provoke safely (`pxecheck client
/// --probe NAME`): each one sends something a real NIC might send, or a
/// harmless variation of it, on the lab segment only, and watches how the
/// master answers. The client machines carry them out and describe what
/// came back (ProbeOutcome); the runner turns a fault into a finding with
/// blame and frames. Rule IDs here are plain strings: the client module
/// never includes the catalogue (checks).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/base/addr.hpp"

namespace pxecheck::client {

/// In the order a boot reaches them.
enum class Probe : std::uint8_t {
    /// Before the boot: one DISCOVER without 60/93/94/97 (a plain DHCP
    /// client, same MAC, own xid). A proxyDHCP answer to it breaks PXE-016.
    NonPxeDiscover,
    /// After the first selection: a SELECTING REQUEST naming a server
    /// identifier no server has (192.0.2.1, TEST-NET-1, only an option value
    /// inside the broadcast REQUEST), one request timeout of listening, then
    /// a fresh DHCP round. An ACK or NAK to it breaks MSG-006.
    ForeignServerId,
    /// Once bound: every OFFER/ACK with 60 PXEClient but no boot file and no
    /// menu obliges its server to answer a REQUEST on UDP 4011 (PXE-017).
    Probe4011,
    /// The download RRQ carries an extra option "pxecheck-probe"="1": the
    /// server must drop it (TFTP-014), not refuse it, nor echo it (TFTP-013).
    UnknownTftpOption,
    /// Every DATA block of a lockstep download is ACKed twice: a DATA resend
    /// provoked by the duplicate (Sorcerer's Apprentice) breaks TFTP-009.
    DuplicateAck,
    /// Once during the download, the last ACK again from a second client
    /// port: the server answers that port ERROR 5 or ignores it, and the real
    /// transfer goes on (TFTP-005).
    TftpForeignTid,
};

struct ProbeSpec {
    Probe probe;
    std::string_view name;     ///< the --probe value
    std::string_view rule;     ///< the catalogue rule it proves
    std::string_view summary;  ///< what it sends, in one line
};

/// Every probe, in boot order.
std::span<const ProbeSpec> probe_specs();
const ProbeSpec& spec_of(Probe p);
/// nullopt for an unknown name.
std::optional<Probe> parse_probe(std::string_view name);
std::string_view to_string(Probe p);

/// The server identifier the foreign-server-id probe names (TEST-NET-1,
/// RFC 5737: documentation only, never a real host).
inline constexpr std::uint32_t kForeignServerId = 0xC0000201;  // 192.0.2.1
/// The option the unknown-tftp-option probe adds to the RRQ.
inline constexpr std::string_view kProbeTftpOption = "pxecheck-probe";

enum class ProbeResult : std::uint8_t {
    NotApplicable,  ///< the boot never got to the point the probe needs, or nothing to test
    Pass,
    Fail,
};
std::string_view to_string(ProbeResult r);  ///< "not-applicable", "pass", "fail"

/// One thing a probe caught the master doing wrong.
struct ProbeFault {
    std::string rule;    ///< catalogue rule ID ("MSG-006", or "TFTP-013" for an echoed option)
    std::string detail;  ///< what was sent and what came back
    /// The deviation broke the boot (TFTP-005: the real transfer ended):
    /// the finding is a FAIL whatever the rule's default severity.
    bool breaks_boot = false;
};

/// What one probe did and saw. Besides the words, the keys the runner needs
/// to find the probe's frames in its recording.
struct ProbeOutcome {
    Probe probe{};
    ProbeResult result = ProbeResult::NotApplicable;
    std::string detail;               ///< what was sent and what came back
    std::vector<ProbeFault> faults;   ///< empty unless result is Fail

    std::optional<std::uint32_t> xid;     ///< DHCP probes: the probe's xid
    std::vector<Ipv4Addr> servers;        ///< probe-4011: servers asked; TFTP: the server
    std::uint16_t client_port = 0;        ///< TFTP: the port of the probed transfer's RRQ
    std::uint16_t probe_port = 0;         ///< tftp-foreign-tid: the second port
    std::vector<std::uint16_t> blocks;    ///< duplicate-ack: DATA blocks that came twice
};

}  // namespace pxecheck::client
