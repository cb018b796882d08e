// pipeline::judge() and StreamJudge: one judge for whole traces and pieces.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "pxecheck/pipeline/capture_source.hpp"
#include "pxecheck/pipeline/judge.hpp"

namespace {

using namespace pxecheck;

std::string lab(const std::string& name) { return std::string(PXECHECK_SOURCE_DIR) + "/captures/" + name; }

struct Judged {
    std::vector<std::string> finding_ids;  ///< "ID mac" in judged order
    std::vector<std::string> phases;       ///< one per session
};

std::string key(const checks::Finding& f) { return f.id + " " + (f.client ? f.client->to_string() : "-"); }

Judged whole(const std::string& path, const checks::CheckOptions& options = {}) {
    pipeline::CaptureSpec spec;
    spec.files = {path};
    auto read = pipeline::read_capture(spec);
    EXPECT_TRUE(read);
    Judged out;
    if (!read) return out;
    if (options.client) pipeline::keep_only_client(read->trace, *options.client);
    auto j = pipeline::judge(read->trace, options);
    EXPECT_EQ(j.boots.size(), read->trace.sessions.size());
    for (const auto& f : j.findings) out.finding_ids.push_back(key(f));
    for (const auto& b : j.boots) out.phases.push_back(analyze::to_string(b.phase));
    return out;
}

Judged streamed(const std::string& path, bool background, const checks::CheckOptions& options = {}) {
    Judged out;
    std::vector<std::pair<std::size_t, checks::Finding>> findings;  // by the piece's first frame
    pipeline::StreamJudge judge({options, background}, [&](analyze::Trace&& piece, pipeline::Judgement&& j) {
        EXPECT_EQ(j.boots.size(), piece.sessions.size());
        const std::size_t first = piece.frames.empty() ? SIZE_MAX : piece.frames.front().number;
        for (auto& f : j.findings) findings.emplace_back(first, std::move(f));
        for (const auto& b : j.boots) out.phases.push_back(analyze::to_string(b.phase));
    });
    pipeline::CaptureSpec spec;
    spec.files = {path};
    auto read = pipeline::read_capture(spec, [&](analyze::TraceBuilder& b) { b.stream(judge.sink()); });
    judge.finish();
    EXPECT_TRUE(read);
    // The engine's order: first frame, then ID (as the reports sort them).
    std::stable_sort(findings.begin(), findings.end(), [](const auto& x, const auto& y) {
        const auto fx = x.second.frames.empty() ? SIZE_MAX : x.second.frames.front();
        const auto fy = y.second.frames.empty() ? SIZE_MAX : y.second.frames.front();
        if (fx != fy) return fx < fy;
        return x.second.id < y.second.id;
    });
    for (const auto& [first, f] : findings) out.finding_ids.push_back(key(f));
    return out;
}

TEST(Judge, StreamedPiecesGiveWhatTheWholeTraceGives) {
    for (const char* name : {"ipxe-bios-isc-dhcpd-tftpd-hpa.pcap", "ipxe-bios-two-dhcp-servers.pcap",
                             "ipxe-bios-dhcpd-no-next-server.pcap", "ovmf-uefi-dnsmasq.pcap"}) {
        const auto w = whole(lab(name));
        ASSERT_FALSE(w.phases.empty()) << name;
        for (const bool background : {false, true}) {
            const auto s = streamed(lab(name), background);
            EXPECT_EQ(s.finding_ids, w.finding_ids) << name << " background " << background;
            EXPECT_EQ(s.phases, w.phases) << name << " background " << background;
        }
    }
}

TEST(Judge, BrokenMasterIsFoundEitherWay) {
    // The classic: a file named with no server to fetch it from.
    const auto w = whole(lab("ipxe-bios-dhcpd-no-next-server.pcap"));
    EXPECT_NE(std::find_if(w.finding_ids.begin(), w.finding_ids.end(),
                           [](const std::string& k) { return k.rfind("PXE-030 ", 0) == 0; }),
              w.finding_ids.end());
}

TEST(Judge, OnlyTheChosenClientIsReported) {
    checks::CheckOptions other;
    other.client = *MacAddr::parse("02:00:00:00:00:01");  // in no capture
    const auto none = whole(lab("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"), other);
    EXPECT_TRUE(none.phases.empty());
    for (const auto& k : none.finding_ids) EXPECT_NE(k.find(" -"), std::string::npos) << k;  // only client-less ones
    const auto streamed_none = streamed(lab("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"), true, other);
    EXPECT_TRUE(streamed_none.phases.empty());
    EXPECT_EQ(streamed_none.finding_ids, none.finding_ids);
}

TEST(Judge, WhatTheConsumerThrowsComesOutOfFinish) {
    for (const bool background : {false, true}) {
        pipeline::StreamJudge judge({{}, background},
                                    [](analyze::Trace&&, pipeline::Judgement&&) { throw std::runtime_error("renderer broke"); });
        pipeline::CaptureSpec spec;
        spec.files = {lab("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap")};
        try {
            auto read = pipeline::read_capture(spec, [&](analyze::TraceBuilder& b) { b.stream(judge.sink()); });
            judge.finish();
            ADD_FAILURE() << "no exception, background " << background;
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "renderer broke");
        }
    }
}

}  // namespace
