// Bounded-memory analysis: one rule engine run per complete session (see
// include/pxecheck/report/streaming.hpp).
#include "pxecheck/report/streaming.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace pxecheck::report {

StreamingAnalysis::StreamingAnalysis(Options options) : options_(std::move(options)) {}

analyze::SessionSink StreamingAnalysis::sink() {
    return [this](analyze::Trace&& piece) { add(std::move(piece)); };
}

void StreamingAnalysis::add(analyze::Trace&& piece) {
    const auto& copt = options_.checks;
    // --mac: the whole-trace path drops the other sessions before the rules
    // run but keeps their frames; do the same to each piece.
    if (copt.client && !piece.sessions.empty() && piece.sessions.front().mac != *copt.client) piece.sessions.clear();

    Kept k;
    k.first_frame = piece.frames.empty() ? SIZE_MAX : piece.frames.front().number;
    k.findings = checks::run_checks(piece, copt);

    if (options_.keep_frames && !frames_omitted_) {
        for (auto& entry : frames_json(piece)) {
            const std::size_t number = entry.value("number", std::size_t{0});
            frames_.emplace_back(number, std::move(entry));
        }
        if (frames_.size() > options_.max_frames) {
            frames_omitted_ = true;
            frames_.clear();
            frames_.shrink_to_fit();
        }
    }

    if (!piece.sessions.empty()) {
        ++sessions_seen_;
        k.has_session = true;
        k.boot = analyze::reconstruct_boot(piece, piece.sessions.front());
        k.session = std::move(piece.sessions.front());
        // The reports read the session's MAC, addresses and transfers; the
        // frame lists point into frames that are about to go.
        k.session.dhcp_frames = {};
        k.session.arp_frames = {};
        k.transfers = std::move(piece.transfers);
        for (auto& t : k.transfers) t.events = {};
    }
    if (!k.has_session && k.findings.empty()) return;
    kept_.push_back(std::move(k));
}

Analysis StreamingAnalysis::finish(RunInfo run, analyze::Trace&& capture) {
    // The run's shape (options, verdict rules) from the one entry point, on
    // a trace with nothing to judge; then the pieces' results.
    summary_ = analyze::Trace{};
    Analysis a = analyze_trace(std::move(run), summary_, options_.checks);
    summary_ = std::move(capture);
    summary_.frames.clear();
    summary_.sessions.clear();
    summary_.transfers.clear();

    std::stable_sort(kept_.begin(), kept_.end(),
                     [](const Kept& x, const Kept& y) { return x.first_frame < y.first_frame; });
    a.trace = &summary_;
    a.boots.clear();
    a.findings.clear();
    for (auto& k : kept_) {
        for (auto& f : k.findings) a.findings.push_back(std::move(f));
        if (!k.has_session) continue;
        const std::size_t base = summary_.transfers.size();
        for (auto& t : k.transfers) summary_.transfers.push_back(std::move(t));
        for (auto& i : k.session.transfers) i += base;
        for (auto& i : k.boot.boot_transfers) i += base;
        summary_.sessions.push_back(std::move(k.session));
        a.boots.push_back(std::move(k.boot));
    }
    kept_.clear();
    // The engine's order (checks::run_checks): by first frame, then rule ID;
    // ties keep the order of the sessions, as one run over the trace does.
    std::stable_sort(a.findings.begin(), a.findings.end(), [](const checks::Finding& x, const checks::Finding& y) {
        const std::size_t fx = x.frames.empty() ? SIZE_MAX : x.frames.front();
        const std::size_t fy = y.frames.empty() ? SIZE_MAX : y.frames.front();
        if (fx != fy) return fx < fy;
        return x.id < y.id;
    });
    a.verdict = checks::verdict_of(a.findings);
    return a;
}

nlohmann::json StreamingAnalysis::to_json(const Analysis& a) const {
    nlohmann::json j = report::to_json(a);
    if (!options_.keep_frames || !j.contains("frames")) return j;
    if (frames_omitted_) {
        j.erase("frames");
        j["source"]["anomalies"].push_back(
            {{"id", "report.frames_omitted"},
             {"detail", "frames[] left out: the capture has more than " + std::to_string(options_.max_frames) +
                            " frames to list, and streaming analysis does not hold them all"}});
        return j;
    }
    std::vector<const std::pair<std::size_t, nlohmann::json>*> order;
    order.reserve(frames_.size());
    for (const auto& e : frames_) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), [](const auto* x, const auto* y) { return x->first < y->first; });
    nlohmann::json frames = nlohmann::json::array();
    for (const auto* e : order) frames.push_back(e->second);
    j["frames"] = std::move(frames);
    return j;
}

}  // namespace pxecheck::report
