#pragma once
/// \file
/// Named anomalies: what a lenient decoder found wrong in the bytes it read.
///
/// Each kind has a stable dotted ID (as Zeek names its "weirds") so that the
/// conformance rules, tests and reports can refer to it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pxecheck {

struct Anomaly {
    /// Stable ID such as "dhcp.truncated_option".
    std::string id;
    /// Byte offset inside the decoded unit (e.g. the UDP payload) where it was seen.
    std::size_t offset = 0;
    /// Human-readable detail with the values seen.
    std::string detail;

    bool operator==(const Anomaly&) const = default;
};

using Anomalies = std::vector<Anomaly>;

/// True when \p list holds an anomaly with this ID.
bool has_anomaly(const Anomalies& list, std::string_view id);

}  // namespace pxecheck
