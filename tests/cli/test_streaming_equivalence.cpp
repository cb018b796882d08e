// `pxecheck analyze` streams (each client's session judged once complete,
// its frames freed) and must say exactly what the whole-trace path says:
// every bundled capture both ways, JSON report and text, and a capture of
// several clients one after the other, where streaming cuts sessions out in
// the middle of the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_command.hpp"

using pxecheck::testing::run_pxecheck;
using pxecheck::testing::bundled_captures;
using pxecheck::testing::source_path;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The report without what differs between two runs of the same capture.
json comparable(const std::string& text) {
    json j = json::parse(text);
    j.erase("started_at");
    j.erase("command_line");
    return j;
}

std::string quoted(const fs::path& p) { return pxecheck::testing::shell_quoted(p.string()); }

/// A classic little-endian pcap file (as the lab captures are), read whole.
struct Pcap {
    std::string header;  // 24 octets
    struct Record {
        std::int64_t time_us = 0;
        std::string head_rest;  // incl_len, orig_len
        std::string data;
    };
    std::vector<Record> records;
};

std::uint32_t le32(const std::string& s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24);
}
std::string le32s(std::uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

Pcap read_pcap(const fs::path& p) {
    const std::string s = pxecheck::testing::read_text(p.string());
    Pcap out;
    EXPECT_GE(s.size(), 24u);
    EXPECT_EQ(le32(s, 0), 0xa1b2c3d4u) << p << " is not a little-endian microsecond pcap";
    out.header = s.substr(0, 24);
    for (std::size_t at = 24; at + 16 <= s.size();) {
        Pcap::Record r;
        r.time_us = static_cast<std::int64_t>(le32(s, at)) * 1'000'000 + le32(s, at + 4);
        const std::uint32_t incl = le32(s, at + 8);
        r.head_rest = s.substr(at + 8, 8);
        r.data = s.substr(at + 16, incl);
        at += 16 + incl;
        out.records.push_back(std::move(r));
    }
    return out;
}

void write_pcap(const fs::path& p, const std::string& header, const std::vector<Pcap::Record>& records) {
    std::ofstream out(p, std::ios::binary);
    out << header;
    for (const auto& r : records)
        out << le32s(static_cast<std::uint32_t>(r.time_us / 1'000'000))
            << le32s(static_cast<std::uint32_t>(r.time_us % 1'000'000)) << r.head_rest << r.data;
}

}  // namespace

class StreamingEquivalence : public ::testing::TestWithParam<fs::path> {};

TEST_P(StreamingEquivalence, SameReportAsTheWholeTrace) {
    const fs::path capture = GetParam();
    const auto whole = run_pxecheck("analyze -q --whole-trace --json - " + quoted(capture));
    // A horizon of 0: a session leaves as soon as another client's frame
    // arrives after its last one.
    const auto stream = run_pxecheck("analyze -q --idle-horizon 0 --json - " + quoted(capture));
    ASSERT_TRUE(whole.exit_code == 0 || whole.exit_code == 1) << whole.out;
    EXPECT_EQ(stream.exit_code, whole.exit_code);
    const json w = comparable(whole.out);
    const json s = comparable(stream.out);
    EXPECT_EQ(w.at("findings"), s.at("findings")) << json::diff(w.at("findings"), s.at("findings")).dump(2);
    EXPECT_EQ(w.at("sessions"), s.at("sessions")) << json::diff(w.at("sessions"), s.at("sessions")).dump(2);
    EXPECT_EQ(w, s) << "the rest of the report differs:\n" << json::diff(w, s).dump(2);

    for (const char* verbose : {"", "-v "}) {
        const auto whole_text = run_pxecheck(std::string("analyze --whole-trace ") + verbose + quoted(capture));
        const auto stream_text = run_pxecheck(std::string("analyze --idle-horizon 0 ") + verbose + quoted(capture));
        EXPECT_EQ(whole_text.out, stream_text.out) << verbose;
        EXPECT_EQ(whole_text.exit_code, stream_text.exit_code) << verbose;
    }
}

INSTANTIATE_TEST_SUITE_P(Captures, StreamingEquivalence, ::testing::ValuesIn(bundled_captures()),
                         [](const ::testing::TestParamInfo<fs::path>& param_info) {
                             std::string name = param_info.param.stem().string();
                             for (auto& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return name;
                         });

// Clients (distinct MACs) from six captures, one after the
// other 600 s apart: streaming judges each one when the next one starts.
TEST(StreamingEquivalence, ClientsOneAfterTheOther) {
    const std::vector<std::string> parts = {
        "captures/ipxe-bios-tftp-missing-file.pcap",        "captures/ovmf-uefi-dnsmasq.pcap",
        "captures/public/iagox86-tftp-ack0-badopcode-errorcode.pcap",
        "captures/public/tcpdump-bootp-asan-malformed.pcap", "captures/public/tcpdump-dhcp-mud-relayed-request-ack.pcap",
        "captures/public/tcpdump-tftp-rrq-basic.pcap"};
    std::string header;
    std::vector<Pcap::Record> all;
    std::int64_t start = 1'800'000'000LL * 1'000'000;
    for (const auto& part : parts) {
        Pcap p = read_pcap(source_path(part));
        ASSERT_FALSE(p.records.empty()) << part;
        if (header.empty()) header = p.header;
        const std::int64_t origin = p.records.front().time_us;
        std::int64_t last = start;
        for (auto& r : p.records) {
            r.time_us = start + (r.time_us - origin);
            last = r.time_us;
            all.push_back(std::move(r));
        }
        start = last + 600'000'000;
    }
    // Two captures with the same client MAC would be one session to the whole
    // trace and two to streaming; the list above has none.
    const fs::path file = fs::temp_directory_path() / ("pxecheck-stream-" + std::to_string(::getpid()) + ".pcap");
    write_pcap(file, header, all);

    const auto whole = run_pxecheck("analyze -q --whole-trace --json - " + quoted(file));
    ASSERT_TRUE(whole.exit_code == 0 || whole.exit_code == 1) << whole.out;
    const json w = comparable(whole.out);
    EXPECT_GE(w.at("sessions").size(), 5u);
    for (const char* horizon : {"0", "1", "120"}) {
        const auto stream = run_pxecheck(std::string("analyze -q --idle-horizon ") + horizon + " --json - " + quoted(file));
        EXPECT_EQ(stream.exit_code, whole.exit_code);
        const json s = comparable(stream.out);
        EXPECT_EQ(w.at("findings"), s.at("findings"))
            << "horizon " << horizon << ":\n" << json::diff(w.at("findings"), s.at("findings")).dump(2);
        EXPECT_EQ(w.at("sessions"), s.at("sessions"))
            << "horizon " << horizon << ":\n" << json::diff(w.at("sessions"), s.at("sessions")).dump(2);
        EXPECT_EQ(w, s) << "horizon " << horizon << ":\n" << json::diff(w, s).dump(2);
    }
    // More clients than the text report details: the overview table, each
    // row with the client's worst finding, then every finding.
    for (const char* verbose : {"", "-v "}) {
        const auto whole_text = run_pxecheck(std::string("analyze --whole-trace ") + verbose + quoted(file));
        EXPECT_NE(whole_text.out.find("worst finding"), std::string::npos) << whole_text.out;
        for (const char* horizon : {"0", "120"}) {
            const auto stream_text =
                run_pxecheck(std::string("analyze --idle-horizon ") + horizon + " " + verbose + quoted(file));
            EXPECT_EQ(whole_text.out, stream_text.out) << "horizon " << horizon << " " << verbose;
        }
    }
    fs::remove(file);
}
