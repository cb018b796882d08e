#pragma once
/// \file
/// The conformance catalogue as data (docs/checks.md is generated from it):
/// one row per rule with the clause it enforces, who must obey it, its
/// default severity and whether it can be seen passively in a capture.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pxecheck::checks {

enum class Severity : std::uint8_t { Info, Warn, Fail };
/// Who must change when a rule is broken.
enum class Blame : std::uint8_t { Master, Nic, Network, Config };
/// Who the rule applies to: master, NIC, or both (blame then follows the sender).
enum class Party : std::uint8_t { Master, Nic, Both };
enum class Detection : std::uint8_t { Passive, Active };

std::string_view to_string(Severity s);   ///< "info", "warn", "fail"
std::string_view to_string(Blame b);      ///< "master", "nic", "network", "config"
std::string_view to_string(Party p);      ///< "master", "nic", "both"
std::string_view to_string(Detection d);  ///< "passive", "active"

struct Rule {
    std::string_view id;        ///< "DHCP-001"
    std::string_view section;   ///< "BOOTP/DHCP header"
    Party party;
    std::string_view title;     ///< the rule in one sentence
    std::string_view clause;    ///< "RFC 2131 §4.1, Table 3"
    Severity severity;          ///< default severity
    Detection detection;
    std::string_view detection_note;  ///< how it is seen on the wire
};

/// Every rule, in catalogue order.
std::span<const Rule> catalogue();
/// The row for \p id, or nullptr.
const Rule* find_rule(std::string_view id);

}  // namespace pxecheck::checks
