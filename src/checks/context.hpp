#pragma once
// Private to the checks module: what every rule group sees (the trace, each
// session's reconstructed boot) and the sink findings go into.

#include <map>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"
#include "pxecheck/checks/rule_table.hpp"

namespace pxecheck::checks::detail {

struct Context {
    /// \p given: the sessions' boots when the caller has them; else made here.
    Context(const analyze::Trace& t, const std::vector<analyze::BootPath>* given);

    const analyze::Trace& trace;

private:
    std::vector<analyze::BootPath> own_boots_;

public:
    /// One per trace.sessions entry, same order.
    const std::vector<analyze::BootPath>& boots;

    [[nodiscard]] const analyze::Frame& frame(std::size_t index) const { return trace.frames[index]; }
    /// The client message a server reply answers: the latest earlier frame
    /// from the client with the same xid and chaddr (nullptr if none seen).
    [[nodiscard]] const analyze::Frame* request_for(std::size_t reply_index) const;
    /// Blame for a fault in a frame: the client side (NIC firmware, or the
    /// configuration that served a later boot stage) or the master.
    [[nodiscard]] static Blame sender_blame(const analyze::Frame& f);
    /// True for DHCP requests from the NIC's PXE firmware (option 60 PXEClient).
    [[nodiscard]] static bool from_firmware(const analyze::Frame& f);
};

/// Which boot attempt of a client a finding belongs to: the attempt whose
/// DHCP, ARP or TFTP request frames it cites, else the latest attempt that
/// started before its first frame.
class AttemptIndex {
public:
    explicit AttemptIndex(const analyze::Trace& trace);
    [[nodiscard]] std::optional<std::uint32_t> of(const MacAddr& client, const std::vector<std::size_t>& frames) const;

private:
    /// Per MAC: (first frame number, attempt) of each of its sessions, in order.
    std::map<MacAddr, std::vector<std::pair<std::size_t, std::uint32_t>>> starts_;
    /// Frame number -> attempt, for MACs with several attempts only.
    std::unordered_map<std::size_t, std::uint32_t> by_frame_;
};

/// Collects findings, filling title and clause from the catalogue and folding
/// repeats of the same (rule, client, attempt, detail) into one finding.
class Sink {
public:
    Sink(const CheckOptions& options, const analyze::Trace& trace) : options_(options), attempts_(trace) {}
    /// The group whose rules run next: add() takes only the IDs it lists.
    void reporting_for(const RuleGroup& group) { group_ = &group; }
    /// \p severity overrides the catalogue's default (e.g. FAIL / WARN rules).
    /// Throws std::logic_error for an ID the current group does not list.
    void add(std::string_view id, Blame blame, std::string detail, std::vector<std::size_t> frames,
             std::optional<MacAddr> client = std::nullopt,
             std::optional<Severity> severity = std::nullopt);
    std::vector<Finding> take();
    /// The boot attempt of \p client that \p frames belong to (AttemptIndex).
    [[nodiscard]] std::optional<std::uint32_t> attempt_of(const MacAddr& client,
                                                          const std::vector<std::size_t>& frames) const {
        return attempts_.of(client, frames);
    }

private:
    const CheckOptions& options_;
    AttemptIndex attempts_;
    const RuleGroup* group_ = nullptr;
    std::vector<Finding> findings_;
    std::map<std::string, std::size_t> index_;  // fold key -> findings_ position
};

// Rule groups, one file each; the engine runs them from rule_table().
void check_dhcp(const Context& ctx, Sink& sink);  // DHCP-*, OPT-*, MSG-*
void check_pxe(const Context& ctx, Sink& sink);   // PXE-*
void check_tftp(const Context& ctx, Sink& sink);  // TFTP-*
void check_flow(const Context& ctx, Sink& sink);  // FLOW-*

// Small helpers shared by the rule groups.
std::string ip_text(Ipv4Addr a);
using pxecheck::in_quotes;

}  // namespace pxecheck::checks::detail
