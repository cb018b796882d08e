#include "pxecheck/checks/engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "context.hpp"

namespace pxecheck::checks {

namespace detail {

namespace {

/// A finding of catalogue row \p rule (title, clause, default severity).
Finding finding_for(const Rule& rule, Blame blame, std::string detail, std::vector<std::size_t> frames,
                    std::optional<MacAddr> client, std::optional<Severity> severity) {
    Finding f;
    f.id = std::string(rule.id);
    f.severity = severity.value_or(rule.severity);
    f.blame = blame;
    f.title = std::string(rule.title);
    f.clause = std::string(rule.clause);
    f.detail = std::move(detail);
    f.frames = std::move(frames);
    f.client = client;
    return f;
}

std::vector<analyze::BootPath> boots_of(const analyze::Trace& t) {
    std::vector<analyze::BootPath> boots;
    boots.reserve(t.sessions.size());
    for (const auto& s : t.sessions) boots.push_back(analyze::reconstruct_boot(t, s));
    return boots;
}
}  // namespace

Context::Context(const analyze::Trace& t, const std::vector<analyze::BootPath>* given)
    : trace(t), own_boots_(given ? std::vector<analyze::BootPath>{} : boots_of(t)), boots(given ? *given : own_boots_) {}

const analyze::Frame* Context::request_for(std::size_t reply_index) const {
    const auto& reply = trace.frames[reply_index];
    if (!reply.dhcp) return nullptr;
    for (std::size_t i = reply_index; i-- > 0;) {
        const auto& f = trace.frames[i];
        if (f.dhcp && f.direction == analyze::Direction::FromClient && f.dhcp->xid == reply.dhcp->xid &&
            f.dhcp->chaddr == reply.dhcp->chaddr)
            return &f;
    }
    return nullptr;
}

bool Context::from_firmware(const analyze::Frame& f) {
    return f.dhcp && f.direction == analyze::Direction::FromClient &&
           analyze::frame_stage(f) == analyze::ClientStage::Firmware;
}

Blame Context::sender_blame(const analyze::Frame& f) {
    if (f.direction == analyze::Direction::ToClient) return Blame::Master;
    if (f.dhcp && analyze::frame_stage(f) == analyze::ClientStage::LaterStage) {
        // A later boot stage (pxelinux, grub, the OS) runs what the master
        // served: its faults are the configuration's, not the NIC's.
        return Blame::Config;
    }
    return Blame::Nic;
}

void Sink::add(std::string_view id, Blame blame, std::string detail, std::vector<std::size_t> frames,
               std::optional<MacAddr> client, std::optional<Severity> severity) {
    // Refused before the filters, so that a test running one prefix still
    // trips over an ID the table leaves out.
    if (!group_ || !group_->reports(id)) {
        std::string message = "rule ID ";
        message += in_quotes(id);
        message += " is not listed for the rule group ";
        message += group_ ? group_->name : "(none)";
        message += " in src/checks/rule_table.cpp";
        throw std::logic_error(message);
    }
    const std::string sid(id);
    if (!options_.only.empty() &&
        std::none_of(options_.only.begin(), options_.only.end(),
                     [&](const std::string& p) { return sid.rfind(p, 0) == 0; }))
        return;
    if (std::find(options_.skip.begin(), options_.skip.end(), sid) != options_.skip.end()) return;
    if (options_.client && client && *client != *options_.client) return;

    const std::optional<std::uint32_t> attempt = client ? attempts_.of(*client, frames) : std::nullopt;
    std::string key = sid + '|' + (client ? client->to_string() : "") + '|' +
                      (attempt ? std::to_string(*attempt) : std::string()) + '|' + detail;
    auto it = index_.find(key);
    if (it != index_.end()) {
        auto& existing = findings_[it->second].frames;
        for (auto n : frames)
            if (std::find(existing.begin(), existing.end(), n) == existing.end()) existing.push_back(n);
        return;
    }
    index_[key] = findings_.size();
    // The group lists the ID, and rule_table() checked that every listed ID
    // has its catalogue row: no second look through the whole table.
    findings_.push_back(finding_for(*find_rule(id), blame, std::move(detail), std::move(frames), client, severity));
    findings_.back().attempt = attempt;
}

AttemptIndex::AttemptIndex(const analyze::Trace& trace) {
    for (const auto& s : trace.sessions) {
        std::size_t first = SIZE_MAX;
        for (auto i : s.dhcp_frames) first = std::min(first, trace.frames[i].number);
        for (auto i : s.arp_frames) first = std::min(first, trace.frames[i].number);
        for (auto t : s.transfers) first = std::min(first, trace.transfers[t].request_frame);
        starts_[s.mac].emplace_back(first, s.attempt);
    }
    for (auto& [mac, list] : starts_) std::sort(list.begin(), list.end());
    for (const auto& s : trace.sessions) {
        if (starts_[s.mac].size() < 2) continue;
        for (auto i : s.dhcp_frames) by_frame_[trace.frames[i].number] = s.attempt;
        for (auto i : s.arp_frames) by_frame_[trace.frames[i].number] = s.attempt;
        for (auto ti : s.transfers) {
            const auto& t = trace.transfers[ti];
            by_frame_[t.request_frame] = s.attempt;
            if (t.error) by_frame_[t.error->frame] = s.attempt;
        }
    }
}

std::optional<std::uint32_t> AttemptIndex::of(const MacAddr& client, const std::vector<std::size_t>& frames) const {
    auto it = starts_.find(client);
    if (it == starts_.end()) return std::nullopt;
    const auto& list = it->second;
    if (list.size() == 1) return list.front().second;
    for (auto n : frames)
        if (auto f = by_frame_.find(n); f != by_frame_.end()) return f->second;
    const std::size_t first = frames.empty() ? 0 : *std::min_element(frames.begin(), frames.end());
    std::uint32_t attempt = list.front().second;
    for (const auto& [start, a] : list)
        if (start <= first) attempt = a;
    return attempt;
}

std::vector<Finding> Sink::take() {
    for (auto& f : findings_) std::sort(f.frames.begin(), f.frames.end());
    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
        const std::size_t fa = a.frames.empty() ? SIZE_MAX : a.frames.front();
        const std::size_t fb = b.frames.empty() ? SIZE_MAX : b.frames.front();
        if (fa != fb) return fa < fb;
        return a.id < b.id;
    });
    return std::move(findings_);
}

std::string ip_text(Ipv4Addr a) { return a.to_string(); }


}  // namespace detail

namespace {
std::vector<Finding> run_rules(const detail::Context& ctx, const CheckOptions& options) {
    detail::Sink sink(options, ctx.trace);
    for (const auto& group : rule_table().groups) {
        sink.reporting_for(group);
        group.run(ctx, sink);
    }
    return sink.take();
}
}  // namespace

std::vector<Finding> run_checks(const analyze::Trace& trace, const CheckOptions& options) {
    return run_rules(detail::Context(trace, nullptr), options);
}

std::vector<Finding> run_checks(const analyze::Trace& trace, const std::vector<analyze::BootPath>& boots,
                                const CheckOptions& options) {
    return run_rules(detail::Context(trace, &boots), options);
}

Finding make_finding(std::string_view id, Blame blame, std::string detail, std::vector<std::size_t> frames,
                     std::optional<MacAddr> client, std::optional<Severity> severity) {
    // rule_table() has checked that every ID it lists has a catalogue row.
    const Rule* rule = rule_table().reportable(id) ? find_rule(id) : nullptr;
    if (!rule) {
        std::string message = "rule ID ";
        message += in_quotes(id);
        message += " is not in src/checks/rule_table.cpp: a finding needs its catalogue row";
        throw std::logic_error(message);
    }
    return detail::finding_for(*rule, blame, std::move(detail), std::move(frames), client, severity);
}

Verdict verdict_of(const std::vector<Finding>& findings) {
    Verdict v = Verdict::Pass;
    for (const auto& f : findings) {
        if (f.severity == Severity::Fail) return Verdict::Fail;
        if (f.severity == Severity::Warn) v = Verdict::Warn;
    }
    return v;
}

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::Pass: return "pass";
        case Verdict::Warn: return "warn";
        case Verdict::Fail: return "fail";
        case Verdict::Error: return "error";
    }
    return "?";
}

}  // namespace pxecheck::checks
