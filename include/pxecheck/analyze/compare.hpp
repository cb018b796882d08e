#pragma once
/// \file
/// Two boots of one client side by side: how the master answered in a capture
/// and how it answers now (`pxecheck replay`). Step by step (the offers and
/// each offering server, the DHCP ACK, the proxyDHCP offer, the answer on UDP
/// 4011, the boot server and file that govern, the TFTP download) one row per
/// field with both values and whether they agree. Pure: traces and boot paths
/// in, rows out.
///
/// What is compared is the master's side only. What differs because the
/// client is another run (xid, secs, timings, ports, the number of DISCOVER
/// retransmissions and so of repeated OFFERs) is not.

#include <cstddef>
#include <string>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"

namespace pxecheck::analyze {

struct Comparison {
    /// "offers", "offer 192.168.14.200" (one per offering server; "(proxy)"
    /// added for a proxyDHCP offer), "ack", "proxy", "4011", "boot", "tftp".
    std::string step;
    /// "servers", "yiaddr", "siaddr", "file", "option 66", "option 67",
    /// "proxy", "menu", "server", "source", "phase", "status", "size",
    /// "sha256", "blksize", "tsize", "windowsize", "error", "offer".
    std::string field;
    std::string capture;  ///< the value in the capture ("-": absent)
    std::string now;      ///< the value in the live run
    bool same = true;
};

struct BootComparison {
    std::vector<Comparison> rows;
    std::size_t differences = 0;
    [[nodiscard]] bool same() const { return differences == 0; }
};

/// \p then / \p capture: the boot in the capture; \p now / \p live: the live
/// run. The boot paths must come from reconstruct_boot on those traces (the
/// TFTP rows read the transfers they point at). The SHA-256 of the boot file
/// is compared only when the capture holds the whole file.
BootComparison compare_boots(const Trace& capture, const BootPath& then, const Trace& live, const BootPath& now);

/// The last transfer of the firmware's boot file (the download, after a size
/// query if there was one), or nullptr.
const TftpTransfer* boot_download(const Trace& trace, const BootPath& boot);

}  // namespace pxecheck::analyze
