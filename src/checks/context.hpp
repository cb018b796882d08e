#pragma once
// Private to the checks module: what every rule group sees (the trace, each
// session's reconstructed boot) and the sink findings go into.

#include <map>
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

/// Collects findings, filling title and clause from the catalogue and folding
/// repeats of the same (rule, client, detail) into one finding.
class Sink {
public:
    explicit Sink(const CheckOptions& options) : options_(options) {}
    /// The group whose rules run next: add() takes only the IDs it lists.
    void reporting_for(const RuleGroup& group) { group_ = &group; }
    /// \p severity overrides the catalogue's default (e.g. FAIL / WARN rules).
    /// Throws std::logic_error for an ID the current group does not list.
    void add(std::string_view id, Blame blame, std::string detail, std::vector<std::size_t> frames,
             std::optional<MacAddr> client = std::nullopt,
             std::optional<Severity> severity = std::nullopt);
    std::vector<Finding> take();

private:
    const CheckOptions& options_;
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
