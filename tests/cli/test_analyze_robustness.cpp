// `pxecheck analyze` on input that is damaged, odd or hostile: a clear
// message, exit code 2 for unreadable or damaged input (with what could be
// read still analysed and reported), 0/1 otherwise, and never a crash. Both
// the streaming path (default) and --whole-trace.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "run_command.hpp"

using pxecheck::testing::read_text;
using pxecheck::testing::run_pxecheck;
using pxecheck::testing::source_path;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Bytes = std::vector<std::uint8_t>;

const char* const kModes[] = {"", "--whole-trace "};

/// A scratch directory for the test's files, removed afterwards.
class Robustness : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pxecheck-robust-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path file(const std::string& name, const std::string& content) {
        const fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
    fs::path dir_;
};

std::string q(const fs::path& p) { return pxecheck::testing::shell_quoted(p.string()); }

void put16(std::string& s, std::uint16_t v) {
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v & 0xff);
}
void put32le(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

/// Ethernet/IPv4/UDP with a valid IP header checksum and UDP checksum 0.
std::string udp_frame(std::uint32_t src_ip, std::uint16_t sport, std::uint32_t dst_ip, std::uint16_t dport,
                      const std::string& payload, std::uint8_t mac_tail = 0x56) {
    std::string f = "\xff\xff\xff\xff\xff\xff";
    f += std::string("\x52\x54\x00\x12\x34", 5) + static_cast<char>(mac_tail);
    put16(f, 0x0800);
    std::string ip;
    ip += '\x45';
    ip += '\0';
    put16(ip, static_cast<std::uint16_t>(20 + 8 + payload.size()));
    put16(ip, 1);
    put16(ip, 0);
    ip += '\x40';
    ip += '\x11';
    put16(ip, 0);
    for (int i = 3; i >= 0; --i) ip += static_cast<char>((src_ip >> (8 * i)) & 0xff);
    for (int i = 3; i >= 0; --i) ip += static_cast<char>((dst_ip >> (8 * i)) & 0xff);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2)
        sum += (static_cast<std::uint32_t>(static_cast<unsigned char>(ip[i])) << 8) | static_cast<unsigned char>(ip[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = static_cast<char>((~sum >> 8) & 0xff);
    ip[11] = static_cast<char>(~sum & 0xff);
    f += ip;
    put16(f, sport);
    put16(f, dport);
    put16(f, static_cast<std::uint16_t>(8 + payload.size()));
    put16(f, 0);
    return f + payload;
}

/// A microsecond little-endian pcap of \p frames, 10 ms apart.
std::string pcap(const std::vector<std::string>& frames, std::uint32_t snaplen = 262144) {
    std::string s;
    put32le(s, 0xa1b2c3d4);
    s += std::string("\x02\x00\x04\x00", 4);
    put32le(s, 0);
    put32le(s, 0);
    put32le(s, snaplen);
    put32le(s, 1);
    std::uint32_t t = 0;
    for (const auto& f : frames) {
        put32le(s, 1'800'000'000 + t / 100);
        put32le(s, (t % 100) * 10'000);
        put32le(s, static_cast<std::uint32_t>(f.size()));
        put32le(s, static_cast<std::uint32_t>(f.size()));
        s += f;
        ++t;
    }
    return s;
}

constexpr std::uint32_t kClient = 0xc0a80e0a;  // 192.168.14.10
constexpr std::uint32_t kServer = 0xc0a80ec8;  // 192.168.14.200
constexpr std::uint32_t kBroadcast = 0xffffffff;

/// The exit code of a process that ran to its end (a crash gives -1).
::testing::AssertionResult exited_with(const pxecheck::testing::CommandResult& r, std::initializer_list<int> codes) {
    for (int c : codes)
        if (r.exit_code == c) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "exit code " << r.exit_code << "\n" << r.out;
}

}  // namespace

TEST_F(Robustness, TruncatedCaptureIsAnalysedUpToTheDamage) {
    const std::string whole = read_text(source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const fs::path cut = file("cut.pcap", whole.substr(0, 100000));
    for (const char* mode : kModes) {
        const fs::path json_out = dir_ / "report.json";
        const auto r = run_pxecheck(std::string("analyze ") + mode + "--json " + q(json_out) + " " + q(cut));
        EXPECT_TRUE(exited_with(r, {2})) << mode;
        // The message names the file (once) and the damage, and says the rest was analysed.
        EXPECT_NE(r.out.find("pxecheck analyze: " + cut.string() + ": truncated record after frame 144"), std::string::npos)
            << r.out;
        EXPECT_EQ(r.out.find(cut.string() + ": " + cut.string()), std::string::npos) << "file named twice:\n" << r.out;
        EXPECT_NE(r.out.find("the frames before it were analysed"), std::string::npos);
        EXPECT_NE(r.out.find("client 52:54:00:12:34:56  phase reached: downloaded"), std::string::npos) << r.out;
        // The terminal says so too: not a pass.
        EXPECT_NE(r.out.find("\nverdict: ERROR ("), std::string::npos) << r.out;
        const json j = json::parse(read_text(json_out.string()));
        EXPECT_EQ(j.at("verdict"), "error");
        EXPECT_EQ(j.at("source").at("frames"), 144);
        EXPECT_EQ(j.at("source").at("anomalies").at(0).at("id"), "capture.read_error");
        ASSERT_EQ(j.at("sessions").size(), 1u);
        EXPECT_EQ(j.at("sessions").at(0).at("phase"), "downloaded");
    }
}

TEST_F(Robustness, TruncatedPcapngAndHeaders) {
    const std::string ng = read_text(source_path("captures/public/tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng"));
    const fs::path cut_ng = file("cut.pcapng", ng.substr(0, ng.size() * 2 / 3));
    const fs::path cut_header = file("header.pcap", ng.substr(0, 10));
    const fs::path empty = file("empty.pcap", "");
    for (const char* mode : kModes) {
        auto r = run_pxecheck(std::string("analyze ") + mode + q(cut_ng));
        EXPECT_TRUE(exited_with(r, {2})) << mode;
        EXPECT_NE(r.out.find(cut_ng.string() + ":"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("client 00:18:7d:1b:a8:94"), std::string::npos) << "what was read is reported:\n" << r.out;
        for (const auto& p : {cut_header, empty}) {
            r = run_pxecheck(std::string("analyze ") + mode + q(p));
            EXPECT_TRUE(exited_with(r, {2})) << mode << p;
            EXPECT_NE(r.out.find("pxecheck analyze: " + p.string() + ": not a pcap or pcapng capture"), std::string::npos)
                << r.out;
        }
    }
}

TEST_F(Robustness, NotACapture) {
    const fs::path text = file("notes.pcap", "this is not a capture\n");
    const fs::path elf = fs::path(PXECHECK_BINARY);
    for (const char* mode : kModes) {
        for (const auto& p : {text, elf}) {
            const auto r = run_pxecheck(std::string("analyze ") + mode + q(p));
            EXPECT_TRUE(exited_with(r, {2})) << p;
            EXPECT_NE(r.out.find(p.string() + ": not a pcap or pcapng capture"), std::string::npos) << r.out;
        }
        auto r = run_pxecheck(std::string("analyze ") + mode + q(dir_ / "missing.pcap"));
        EXPECT_TRUE(exited_with(r, {2}));
        EXPECT_NE(r.out.find("missing.pcap: cannot open"), std::string::npos) << r.out;
        r = run_pxecheck(std::string("analyze ") + mode + q(dir_));
        EXPECT_TRUE(exited_with(r, {2}));
        EXPECT_NE(r.out.find("is a directory"), std::string::npos) << r.out;
        // A damaged second file of a rotated capture: the first is still analysed.
        r = run_pxecheck(std::string("analyze ") + mode + q(source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap")) +
                         " " + q(text));
        EXPECT_TRUE(exited_with(r, {2}));
        EXPECT_NE(r.out.find(text.string() + ": not a pcap or pcapng capture"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("client 52:54:00:12:34:56  phase reached: downloaded"), std::string::npos) << r.out;
    }
    const auto r = run_pxecheck("analyze --idle-horizon -5 " + q(text));
    EXPECT_TRUE(exited_with(r, {2}));
    EXPECT_NE(r.out.find("--idle-horizon"), std::string::npos) << r.out;
}

TEST_F(Robustness, CaptureWithoutDhcp) {
    std::vector<std::string> frames;
    for (int i = 0; i < 50; ++i) frames.push_back(udp_frame(kServer, 5353, 0xe00000fb, 5353, std::string(30, 'm')));
    const fs::path p = file("mdns.pcap", pcap(frames));
    const fs::path header_only = file("none.pcap", pcap({}));
    for (const char* mode : kModes) {
        for (const auto& f : {p, header_only}) {
            const fs::path json_out = dir_ / "report.json";
            const auto r = run_pxecheck(std::string("analyze ") + mode + "--json " + q(json_out) + " " + q(f));
            EXPECT_TRUE(exited_with(r, {0})) << mode << f;
            EXPECT_NE(r.out.find("no DHCP or TFTP client seen"), std::string::npos) << r.out;
            const json j = json::parse(read_text(json_out.string()));
            EXPECT_EQ(j.at("verdict"), "pass");
            EXPECT_TRUE(j.at("sessions").empty());
            EXPECT_TRUE(j.at("findings").empty());
        }
    }
}

TEST_F(Robustness, SnaplenCutCapture) {
    // The healthy lab boot captured with a 96-octet snap length: BOOTP does
    // not fit, TFTP headers do. No crash; the transfers are still reported.
    const std::string src = read_text(source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    std::string out = src.substr(0, 24);
    out[16] = 96;
    out[17] = out[18] = out[19] = 0;
    for (std::size_t at = 24; at + 16 <= src.size();) {
        auto le = [&](std::size_t i) {
            return static_cast<std::uint32_t>(static_cast<unsigned char>(src[i])) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(src[i + 1])) << 8) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(src[i + 2])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(src[i + 3])) << 24);
        };
        const std::uint32_t incl = le(at + 8);
        const std::uint32_t keep = std::min<std::uint32_t>(incl, 96);
        out += src.substr(at, 8);
        put32le(out, keep);
        out += src.substr(at + 12, 4);  // original length
        out += src.substr(at + 16, keep);
        at += 16 + incl;
    }
    const fs::path p = file("snap96.pcap", out);
    std::string reports[2];
    for (int m = 0; m < 2; ++m) {
        const fs::path json_out = dir_ / "report.json";
        const auto r = run_pxecheck(std::string("analyze ") + kModes[m] + "--json " + q(json_out) + " " + q(p));
        EXPECT_TRUE(exited_with(r, {0, 1})) << kModes[m];
        EXPECT_NE(r.out.find("TFTP    \"pxelinux.0\" from 192.168.14.200: 42430 octets"), std::string::npos) << r.out;
        json j = json::parse(read_text(json_out.string()));
        EXPECT_EQ(j.at("source").at("frames"), 273);
        // Cut payloads give no hash rather than a wrong one.
        EXPECT_TRUE(j.at("sessions").at(0).at("tftp").at(0).at("sha256").is_null());
        // What the cut removed is not held against the NIC: its RRQs end mid-option only in the file.
        for (const auto& f : j.at("findings")) EXPECT_NE(f.at("id"), "TFTP-003") << f.dump();
        j.erase("started_at");
        j.erase("command_line");
        reports[m] = j.dump();
    }
    EXPECT_EQ(reports[0], reports[1]);
}

TEST_F(Robustness, GarbageOnTheBootPorts) {
    // Random payloads of every length up to 700 on 67/68/69/4011 in both
    // directions, alone and woven into a real boot.
    std::mt19937 rng(20261127);
    std::vector<std::string> garbage;
    const std::uint16_t ports[][2] = {{68, 67}, {67, 68}, {2070, 69}, {69, 2070}, {68, 4011}, {4011, 68}, {67, 67}};
    for (int i = 0; i < 700; ++i) {
        std::string payload(static_cast<std::size_t>(i), '\0');
        for (auto& c : payload) c = static_cast<char>(rng() & 0xff);
        // Some start like the real thing: BOOTP op/htype/hlen, a TFTP opcode.
        if (i % 3 == 0 && payload.size() >= 4) {
            payload[0] = static_cast<char>(1 + (i & 1));
            payload[1] = 1;
            payload[2] = 6;
        }
        if (i % 5 == 0 && payload.size() >= 2) {
            payload[0] = 0;
            payload[1] = static_cast<char>(1 + i % 6);
        }
        const auto& pp = ports[static_cast<std::size_t>(i) % 7];
        const bool from_client = pp[0] == 68 || pp[0] == 2070;
        garbage.push_back(udp_frame(from_client ? kClient : kServer, pp[0], from_client ? kBroadcast : kClient, pp[1],
                                    payload, static_cast<std::uint8_t>(i)));
    }
    const fs::path alone = file("garbage.pcap", pcap(garbage));

    // The real boot's frames with the garbage between them.
    const std::string src = read_text(source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    std::vector<std::string> mixed;
    std::size_t g = 0;
    for (std::size_t at = 24; at + 16 <= src.size();) {
        const auto incl = static_cast<std::uint32_t>(static_cast<unsigned char>(src[at + 8])) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(src[at + 9])) << 8);
        mixed.push_back(src.substr(at + 16, incl));
        at += 16 + incl;
        for (int k = 0; k < 3 && g < garbage.size(); ++k) mixed.push_back(garbage[g++]);
    }
    const fs::path woven = file("woven.pcap", pcap(mixed));

    for (const char* mode : kModes) {
        for (const auto& p : {alone, woven}) {
            const fs::path json_out = dir_ / "report.json";
            const auto r = run_pxecheck(std::string("analyze -v ") + mode + "--json " + q(json_out) + " " + q(p));
            EXPECT_TRUE(exited_with(r, {0, 1})) << mode << p;
            EXPECT_NE(r.out.find("verdict: "), std::string::npos) << r.out;
            const json j = json::parse(read_text(json_out.string()));
            EXPECT_EQ(j.at("source").at("frames"), p == alone ? 700 : 273 + 700);
            if (p == woven) {
                // The real client's boot still comes through.
                bool found = false;
                for (const auto& s : j.at("sessions"))
                    if (s.at("client_mac") == "52:54:00:12:34:56") {
                        found = true;
                        EXPECT_EQ(s.at("phase"), "downloaded");
                    }
                EXPECT_TRUE(found) << j.at("sessions").dump(1);
            }
        }
        const auto decoded = run_pxecheck(std::string("decode ") + q(alone));
        EXPECT_TRUE(exited_with(decoded, {0, 1, 2}));
    }
}

TEST_F(Robustness, CaptureFromAPipeIsReadOnceAndHasNoFileHash) {
    // A pipe can be read only once: libpcap reads the frames and nothing
    // else may take bytes from it, so the report names no source.sha256.
    // The same capture as a file is hashed (sha256sum agrees).
    const std::string capture = source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    const auto piped = pxecheck::testing::run_shell("cat " + q(capture) + " | '" + std::string(PXECHECK_BINARY) +
                                                    "' analyze -q --json - /dev/stdin");
    const auto file = run_pxecheck("analyze -q --json - " + q(capture));
    ASSERT_TRUE(piped.exit_code == 0 || piped.exit_code == 1) << piped.out;
    ASSERT_TRUE(file.exit_code == 0 || file.exit_code == 1) << file.out;
    const json p = json::parse(piped.out), f = json::parse(file.out);
    EXPECT_TRUE(p.at("source").at("sha256").is_null());
    EXPECT_EQ(p.at("source").at("frames"), f.at("source").at("frames"));
    EXPECT_EQ(p.at("sessions"), f.at("sessions"));
    const auto sum = pxecheck::testing::run_shell("sha256sum " + q(capture));
    ASSERT_EQ(sum.exit_code, 0);
    EXPECT_EQ(f.at("source").at("sha256").get<std::string>(), sum.out.substr(0, 64));
}
