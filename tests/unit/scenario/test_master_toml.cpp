// The serve configuration file: the bundled examples, every section, errors
// named by line and key, and the round trip through to_toml.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pxecheck/scenario/master_toml.hpp"

using namespace pxecheck;
using scenario::ServeSettings;

namespace {

Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

ServeSettings parse_ok(std::string_view text) {
    auto r = scenario::parse_master_toml(text, "t.toml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    return r.ok() ? *r : ServeSettings{};
}

std::string parse_error(std::string_view text) {
    auto r = scenario::parse_master_toml(text, "t.toml");
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error();
}

}  // namespace

TEST(MasterToml, SeedExampleIsTheSeedOneLiner) {
    auto r = scenario::load_master_toml(std::string(PXECHECK_SOURCE_DIR) + "/scenarios/seed-master.toml");
    ASSERT_TRUE(r.ok()) << r.error();
    const auto& m = r->master;
    EXPECT_EQ(m.server_ip, ip("192.168.14.200"));
    EXPECT_FALSE(m.proxy);
    EXPECT_EQ(m.pool_first, ip("192.168.14.10"));
    EXPECT_EQ(m.pool_last, ip("192.168.14.20"));
    EXPECT_EQ(m.default_file, "pxelinux.0");
    EXPECT_EQ(m.boot_file_for(0), "pxelinux.0");
    EXPECT_EQ(m.boot_file_for(7), "bootx64.efi");
    EXPECT_EQ(m.boot_file_for(11), "bootaa64.efi");
    EXPECT_EQ(r->tftp_root, "/var/lib/tftpboot");
    EXPECT_DOUBLE_EQ(r->probe_wait, 4.0);
    EXPECT_FALSE(r->allow_other_dhcp);

    // The file and the seed's one-liner give the same settings.
    ServeSettings flags_only;
    scenario::ServeFlags f;
    f.server_ip = "192.168.14.200";
    f.range = "192.168.14.10-192.168.14.20";
    f.tftp_root = "/var/lib/tftpboot";
    f.filename = "pxelinux.0";
    ASSERT_TRUE(scenario::apply_serve_flags(f, flags_only).empty());
    EXPECT_EQ(scenario::to_toml(flags_only), scenario::to_toml(*r));
}

TEST(MasterToml, ProxyMenuExample) {
    auto r = scenario::load_master_toml(std::string(PXECHECK_SOURCE_DIR) + "/scenarios/proxy-menu.toml");
    ASSERT_TRUE(r.ok()) << r.error();
    const auto& m = r->master;
    EXPECT_TRUE(m.proxy);
    EXPECT_TRUE(m.serves_4011());
    ASSERT_EQ(m.menu.size(), 3u);
    EXPECT_EQ(m.menu[0].type, 128);
    EXPECT_EQ(m.menu[0].description, "Network boot (BIOS)");
    EXPECT_EQ(m.menu[0].arches, (std::vector<std::uint16_t>{0}));
    EXPECT_EQ(m.menu[1].arches, (std::vector<std::uint16_t>{7, 9}));
    EXPECT_EQ(m.menu[2].type, 0);
    EXPECT_EQ(m.menu[2].file, "");
    EXPECT_EQ(m.prompt, "PXE menu");
    EXPECT_EQ(m.prompt_timeout, 5);
    // "x64" names both 7 and 9; the table is the file's, so 6 is gone.
    EXPECT_EQ(m.boot_file_for(9), "bootx64.efi");
    EXPECT_EQ(m.boot_file_for(6), "pxelinux.0");
    // Valid once a MAC is known (the runner picks it from the interface).
    auto s = *r;
    s.master.server_mac = mac("02:50:4d:00:00:01");
    s.tftp_root = PXECHECK_SOURCE_DIR;
    EXPECT_TRUE(scenario::validate_settings(s).empty());
}

TEST(MasterToml, EverySection) {
    auto s = parse_ok(R"(
[server]
address = "10.0.0.1"
mac = "02:00:00:00:00:aa"

[dhcp]
range = "10.0.0.100 - 10.0.0.150"
netmask = "255.255.0.0"
router = "10.0.0.254"
dns = ["10.0.0.53", "10.0.0.54"]
lease_time = 600
offer_hold = 30
decline_hold = 120
leases = "/tmp/leases"

[[dhcp.reservation]]
mac = "52:54:00:12:34:56"
address = "10.0.0.50"
filename = "special.0"

[[dhcp.reservation]]
mac = "52:54:00:12:34:57"
address = "10.0.0.51"

[boot]
filename = "ipxe.pxe"
next_server = "10.0.0.2"
option66 = true
option67 = true
ipxe = "http://10.0.0.2/boot.ipxe"

[boot.arch]
bios = "undionly.kpxe"
x64 = "ipxe.efi"
"11" = "ipxe-arm64.efi"

[menu]
prompt = "Choose"
timeout = 255
discovery_control = 7

[[menu.entry]]
type = 4000
description = "Tools: memtest"
file = "memtest.0"
arches = [0, "x64"]

[tftp]
root = "/srv/tftp"
max_blksize = 1400
max_windowsize = 8
timeout = 0.5
retry_max = 4
retries = 3
max_transfers = 10

[safety]
probe_wait = 3
allow_other_dhcp = true
)");
    const auto& m = s.master;
    EXPECT_EQ(m.server_ip, ip("10.0.0.1"));
    EXPECT_EQ(m.server_mac, mac("02:00:00:00:00:aa"));
    EXPECT_EQ(m.pool_first, ip("10.0.0.100"));
    EXPECT_EQ(m.pool_last, ip("10.0.0.150"));
    EXPECT_EQ(m.netmask, ip("255.255.0.0"));
    EXPECT_EQ(m.router, ip("10.0.0.254"));
    EXPECT_EQ(m.dns, (std::vector<Ipv4Addr>{ip("10.0.0.53"), ip("10.0.0.54")}));
    EXPECT_EQ(m.lease_time, 600u);
    EXPECT_EQ(m.offer_hold, 30u);
    EXPECT_EQ(m.decline_hold, 120u);
    EXPECT_EQ(s.leases_path, "/tmp/leases");
    ASSERT_EQ(m.reservations.size(), 2u);
    EXPECT_EQ(m.reservations[0].mac, mac("52:54:00:12:34:56"));
    EXPECT_EQ(m.reservations[0].address, ip("10.0.0.50"));
    EXPECT_EQ(m.reservations[0].boot_file, "special.0");
    EXPECT_FALSE(m.reservations[1].boot_file.has_value());
    EXPECT_EQ(m.default_file, "ipxe.pxe");
    EXPECT_EQ(m.next_server, ip("10.0.0.2"));
    EXPECT_TRUE(m.send_option66);
    EXPECT_TRUE(m.send_option67);
    EXPECT_EQ(m.ipxe_file, "http://10.0.0.2/boot.ipxe");
    EXPECT_EQ(m.arch_files, (std::map<std::uint16_t, std::string>{
                                {0, "undionly.kpxe"}, {7, "ipxe.efi"}, {9, "ipxe.efi"}, {11, "ipxe-arm64.efi"}}));
    EXPECT_EQ(m.prompt, "Choose");
    EXPECT_EQ(m.prompt_timeout, 255);
    EXPECT_EQ(m.discovery_control, 7);
    ASSERT_EQ(m.menu.size(), 1u);
    EXPECT_EQ(m.menu[0].type, 4000);
    EXPECT_EQ(m.menu[0].description, "Tools: memtest");
    EXPECT_EQ(m.menu[0].arches, (std::vector<std::uint16_t>{0, 7, 9}));
    EXPECT_EQ(s.tftp_root, "/srv/tftp");
    EXPECT_EQ(s.tftp_max_blksize, 1400);
    EXPECT_EQ(s.tftp_max_windowsize, 8);
    EXPECT_DOUBLE_EQ(s.tftp_timeout, 0.5);
    EXPECT_DOUBLE_EQ(s.tftp_retry_max, 4.0);
    EXPECT_EQ(s.tftp_retries, 3);
    EXPECT_EQ(s.tftp_max_transfers, 10u);
    EXPECT_DOUBLE_EQ(s.probe_wait, 3.0);
    EXPECT_TRUE(s.allow_other_dhcp);

    // to_toml reads back to the same settings.
    const std::string text = scenario::to_toml(s);
    auto again = scenario::parse_master_toml(text, "round-trip");
    ASSERT_TRUE(again.ok()) << again.error() << "\n" << text;
    EXPECT_EQ(scenario::to_toml(*again), text);
    EXPECT_EQ(again->master.arch_files, m.arch_files);
    EXPECT_EQ(again->master.menu[0].arches, m.menu[0].arches);
    EXPECT_EQ(again->master.reservations.size(), 2u);
}

TEST(MasterToml, EmptyFileGivesTheDefaults) {
    auto s = parse_ok("");
    EXPECT_EQ(scenario::to_toml(s), scenario::to_toml(ServeSettings{}));
    EXPECT_EQ(s.master.arch_files, master::MasterConfig::default_arch_files());
}

TEST(MasterToml, TextWithQuotesAndControlCharactersRoundTrips) {
    ServeSettings s;
    s.master.prompt = "Say \"hi\"\\ now\ttab";
    s.master.menu.push_back({128, "a\x01" "b", "x.0", {}});
    auto again = scenario::parse_master_toml(scenario::to_toml(s), "rt");
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->master.prompt, s.master.prompt);
    EXPECT_EQ(again->master.menu[0].description, "a\x01" "b");
}

TEST(MasterToml, ErrorsNameLineAndKey) {
    const auto e = parse_error("[server]\naddress = \"192.168.14.300\"\n\n[dhcp]\nrange = \"10.0.0.1\"\n");
    EXPECT_NE(e.find("t.toml:2: server.address: \"192.168.14.300\" is not a dotted IPv4 address"), std::string::npos) << e;
    EXPECT_NE(e.find("t.toml:5: dhcp.range: \"10.0.0.1\" is not FIRST-LAST"), std::string::npos) << e;
}

TEST(MasterToml, UnknownKeysAreErrors) {
    const auto e = parse_error("[dhcp]\nlease-time = 60\n");
    EXPECT_NE(e.find("t.toml:2: dhcp.lease-time: unknown key"), std::string::npos) << e;
    EXPECT_NE(e.find("lease_time"), std::string::npos) << e;  // the known keys are listed
    EXPECT_NE(parse_error("[sever]\naddress = \"1.2.3.4\"\n").find("sever: unknown key"), std::string::npos);
}

TEST(MasterToml, InterfaceIsNeverTakenFromAFile) {
    const auto e = parse_error("interface = \"eth0\"\n");
    EXPECT_NE(e.find("--iface"), std::string::npos) << e;
}

TEST(MasterToml, TypeAndRangeErrors) {
    EXPECT_NE(parse_error("[server]\nproxy = \"yes\"\n").find("server.proxy: must be true or false"), std::string::npos);
    EXPECT_NE(parse_error("[dhcp]\nlease_time = 0\n").find("dhcp.lease_time: 0 is out of range"), std::string::npos);
    EXPECT_NE(parse_error("[menu]\ntimeout = 256\n").find("menu.timeout: 256 is out of range (0-255)"),
              std::string::npos);
    EXPECT_NE(parse_error("[safety]\nprobe_wait = 0\n").find("safety.probe_wait"), std::string::npos);
    EXPECT_NE(parse_error("[boot.arch]\nsparc = \"x\"\n").find("boot.arch.sparc: not an architecture"),
              std::string::npos);
    EXPECT_NE(parse_error("[dhcp]\ndns = \"1.2.3.4\"\n").find("dhcp.dns: must be an array"), std::string::npos);
    EXPECT_NE(parse_error("[[dhcp.reservation]]\nmac = \"52:54:00:12:34:56\"\n").find("needs both mac and address"),
              std::string::npos);
    EXPECT_NE(parse_error("[[menu.entry]]\ndescription = \"x\"\n").find("menu.entry: needs a type"), std::string::npos);
    EXPECT_NE(parse_error("dhcp = 3\n").find("dhcp: must be a table"), std::string::npos);
}

TEST(MasterToml, SyntaxErrorNamesTheLine) {
    const auto e = parse_error("[server]\naddress = \n");
    EXPECT_EQ(e.rfind("t.toml:2: ", 0), 0u) << e;
}

TEST(MasterToml, MissingFileIsNamed) {
    auto r = scenario::load_master_toml("/nonexistent/serve.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("/nonexistent/serve.toml"), std::string::npos);
}
