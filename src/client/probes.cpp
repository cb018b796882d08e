#include "pxecheck/client/probes.hpp"

#include <array>

namespace pxecheck::client {

namespace {

constexpr std::array<ProbeSpec, 6> kSpecs{{
    {Probe::NonPxeDiscover, "non-pxe-discover", "PXE-016",
     "before the boot, one DISCOVER without 60/93/94/97 (own xid): a proxyDHCP must not answer it"},
    {Probe::ForeignServerId, "foreign-server-id", "MSG-006",
     "after the first OFFER, a REQUEST naming server 192.0.2.1: no server may ACK or NAK it"},
    {Probe::Probe4011, "probe-4011", "PXE-017",
     "a server whose OFFER/ACK says PXEClient with no file or menu must answer on UDP 4011"},
    {Probe::UnknownTftpOption, "unknown-tftp-option", "TFTP-014",
     "the download RRQ carries pxecheck-probe=1: the server drops it (no ERROR 8, no echo)"},
    {Probe::DuplicateAck, "duplicate-ack", "TFTP-009",
     "every DATA block ACKed twice: a duplicate ACK must not make the server resend DATA"},
    {Probe::TftpForeignTid, "tftp-foreign-tid", "TFTP-005",
     "one ACK to the server's TID from a second port: ERROR 5 or silence, and the transfer goes on"},
}};

}  // namespace

std::span<const ProbeSpec> probe_specs() { return kSpecs; }

const ProbeSpec& spec_of(Probe p) {
    for (const auto& s : kSpecs) {
        if (s.probe == p) return s;
    }
    return kSpecs.front();
}

std::optional<Probe> parse_probe(std::string_view name) {
    for (const auto& s : kSpecs) {
        if (s.name == name) return s.probe;
    }
    return std::nullopt;
}

std::string_view to_string(Probe p) { return spec_of(p).name; }

std::string_view to_string(ProbeResult r) {
    switch (r) {
        case ProbeResult::NotApplicable: return "not-applicable";
        case ProbeResult::Pass: return "pass";
        case ProbeResult::Fail: return "fail";
    }
    return "?";
}

}  // namespace pxecheck::client
