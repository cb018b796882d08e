// serve's flags onto the settings (flags over a file), the settings checks
// before serving, and the runner's pure parts: the server MAC it picks, the
// dry run's sample exchanges and the per-NIC verdict.
#include <gtest/gtest.h>

#include "pxecheck/scenario/master_toml.hpp"
#include "pxecheck/scenario/serve_run.hpp"

using namespace pxecheck;
using scenario::ServeFlags;
using scenario::ServeSettings;

namespace {

Ipv4Addr ip(const char* s) { return *Ipv4Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

ServeFlags seed_flags() {
    ServeFlags f;
    f.server_ip = "192.168.14.200";
    f.range = "192.168.14.10-192.168.14.20";
    f.tftp_root = PXECHECK_SOURCE_DIR;
    f.filename = "pxelinux.0";
    return f;
}

bool mentions(const std::vector<std::string>& errors, std::string_view text) {
    for (const auto& e : errors)
        if (e.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(ServeFlags, SeedOneLiner) {
    ServeSettings s;
    ASSERT_TRUE(scenario::apply_serve_flags(seed_flags(), s).empty());
    const auto& m = s.master;
    EXPECT_EQ(m.server_ip, ip("192.168.14.200"));
    EXPECT_EQ(m.pool_first, ip("192.168.14.10"));
    EXPECT_EQ(m.pool_last, ip("192.168.14.20"));
    EXPECT_FALSE(m.proxy);
    EXPECT_EQ(s.tftp_root, PXECHECK_SOURCE_DIR);
    // --filename: BIOS and the fallback; the UEFI defaults stay.
    EXPECT_EQ(m.boot_file_for(0), "pxelinux.0");
    EXPECT_EQ(m.boot_file_for(std::nullopt), "pxelinux.0");
    EXPECT_EQ(m.boot_file_for(7), "bootx64.efi");
    EXPECT_EQ(m.effective_next_server(), ip("192.168.14.200"));
    s.master.server_mac = mac("02:50:4d:14:00:c8");
    EXPECT_TRUE(scenario::validate_settings(s).empty());
}

TEST(ServeFlags, EveryFlag) {
    ServeFlags f = seed_flags();
    f.server_mac = "02:00:00:00:00:09";
    f.netmask = "255.255.255.128";
    f.router = "192.168.14.1";
    f.dns = {"192.168.14.1", "192.168.14.2"};
    f.lease_time = 120;
    f.reservations = {"52:54:00:12:34:56,192.168.14.50,special.0", "52:54:00:12:34:57, 192.168.14.51"};
    f.arch_files = {"x64=grubx64.efi", "11=grubaa64.efi", "6="};
    f.next_server = "192.168.14.201";
    f.option66 = true;
    f.option67 = true;
    f.ipxe_file = "http://192.168.14.200/boot.ipxe";
    f.leases = "/tmp/l";
    f.menu = {"128:Install: Debian 12:pxelinux.0", "0:Local disk:"};
    f.prompt = "Pick";
    f.prompt_timeout = 10;
    f.probe_wait = 0.5;
    f.allow_other_dhcp = true;
    ServeSettings s;
    ASSERT_TRUE(scenario::apply_serve_flags(f, s).empty());
    const auto& m = s.master;
    EXPECT_EQ(m.server_mac, mac("02:00:00:00:00:09"));
    EXPECT_EQ(m.netmask, ip("255.255.255.128"));
    EXPECT_EQ(m.router, ip("192.168.14.1"));
    EXPECT_EQ(m.dns.size(), 2u);
    EXPECT_EQ(m.lease_time, 120u);
    ASSERT_EQ(m.reservations.size(), 2u);
    EXPECT_EQ(m.reservations[0].boot_file, "special.0");
    EXPECT_EQ(m.reservations[1].address, ip("192.168.14.51"));
    EXPECT_EQ(m.boot_file_for(7), "grubx64.efi");
    EXPECT_EQ(m.boot_file_for(9), "grubx64.efi");
    EXPECT_EQ(m.boot_file_for(11), "grubaa64.efi");
    EXPECT_EQ(m.boot_file_for(6), "pxelinux.0");  // "6=" drops the entry: the default file
    EXPECT_EQ(m.effective_next_server(), ip("192.168.14.201"));
    EXPECT_TRUE(m.send_option66);
    EXPECT_TRUE(m.send_option67);
    EXPECT_EQ(m.ipxe_file, "http://192.168.14.200/boot.ipxe");
    EXPECT_EQ(s.leases_path, "/tmp/l");
    ASSERT_EQ(m.menu.size(), 2u);
    EXPECT_EQ(m.menu[0].type, 128);
    EXPECT_EQ(m.menu[0].description, "Install: Debian 12");  // ':' inside the description
    EXPECT_EQ(m.menu[0].file, "pxelinux.0");
    EXPECT_EQ(m.menu[1].type, 0);
    EXPECT_EQ(m.menu[1].file, "");
    EXPECT_EQ(m.prompt, "Pick");
    EXPECT_EQ(m.prompt_timeout, 10);
    EXPECT_DOUBLE_EQ(s.probe_wait, 0.5);
    EXPECT_TRUE(s.allow_other_dhcp);
}

TEST(ServeFlags, FlagsOverrideTheFile) {
    auto file = scenario::parse_master_toml(R"(
[server]
address = "10.0.0.1"
[dhcp]
range = "10.0.0.10-10.0.0.20"
dns = ["10.0.0.53"]
[[dhcp.reservation]]
mac = "52:54:00:00:00:01"
address = "10.0.0.30"
[[menu.entry]]
type = 128
description = "From the file"
[safety]
probe_wait = 5
)",
                                            "f.toml");
    ASSERT_TRUE(file.ok()) << file.error();
    ServeSettings s = *file;
    ServeFlags f;
    f.range = "10.0.0.100-10.0.0.110";
    f.menu = {"129:From the flags:x.0"};
    f.proxy = true;
    ASSERT_TRUE(scenario::apply_serve_flags(f, s).empty());
    EXPECT_EQ(s.master.server_ip, ip("10.0.0.1"));        // kept from the file
    EXPECT_EQ(s.master.pool_first, ip("10.0.0.100"));     // replaced
    EXPECT_EQ(s.master.dns.size(), 1u);                   // no --dns: the file's list stays
    EXPECT_EQ(s.master.reservations.size(), 1u);
    ASSERT_EQ(s.master.menu.size(), 1u);                  // --menu replaces the file's menu
    EXPECT_EQ(s.master.menu[0].description, "From the flags");
    EXPECT_TRUE(s.master.proxy);
    EXPECT_DOUBLE_EQ(s.probe_wait, 5.0);
}

TEST(ServeFlags, BadValuesAreNamed) {
    ServeFlags f;
    f.server_ip = "192.168.14.2000";
    f.range = "192.168.14.10";
    f.server_mac = "02:00";
    f.dns = {"x"};
    f.lease_time = 0;
    f.reservations = {"52:54:00:12:34:56"};
    f.arch_files = {"sparc=x"};
    f.menu = {"128:no file separator", "boot:Desc:f"};
    f.prompt_timeout = 300;
    f.probe_wait = 0;
    ServeSettings s;
    const auto errors = scenario::apply_serve_flags(f, s);
    EXPECT_TRUE(mentions(errors, "--server-ip \"192.168.14.2000\" is not a dotted IPv4 address"));
    EXPECT_TRUE(mentions(errors, "--range \"192.168.14.10\" is not FIRST-LAST"));
    EXPECT_TRUE(mentions(errors, "--server-mac \"02:00\""));
    EXPECT_TRUE(mentions(errors, "--dns \"x\""));
    EXPECT_TRUE(mentions(errors, "--lease-time 0"));
    EXPECT_TRUE(mentions(errors, "--reserve \"52:54:00:12:34:56\" is not MAC,IP[,FILE]"));
    EXPECT_TRUE(mentions(errors, "--arch-file \"sparc=x\""));
    EXPECT_TRUE(mentions(errors, "--menu \"128:no file separator\" is not TYPE:DESCRIPTION:FILE"));
    EXPECT_TRUE(mentions(errors, "type \"boot\" is not 0-65535"));
    EXPECT_TRUE(mentions(errors, "--prompt-timeout 300"));
    EXPECT_TRUE(mentions(errors, "--probe-wait"));
    EXPECT_EQ(errors.size(), 11u);
}

TEST(ServeFlags, ValidateBeforeServing) {
    ServeSettings s;
    ASSERT_TRUE(scenario::apply_serve_flags(seed_flags(), s).empty());
    s.master.server_mac = mac("02:50:4d:14:00:c8");

    auto no_root = s;
    no_root.tftp_root.clear();
    EXPECT_TRUE(mentions(scenario::validate_settings(no_root), "no TFTP root"));
    // Without a root but with another next server, this master only does DHCP.
    no_root.master.next_server = ip("192.168.14.201");
    EXPECT_TRUE(scenario::validate_settings(no_root).empty());

    auto file_root = s;
    file_root.tftp_root = std::string(PXECHECK_SOURCE_DIR) + "/CMakeLists.txt";
    EXPECT_TRUE(mentions(scenario::validate_settings(file_root), "is not a directory"));

    auto reversed = s;
    reversed.master.pool_first = ip("192.168.14.20");
    reversed.master.pool_last = ip("192.168.14.10");
    EXPECT_TRUE(mentions(scenario::validate_settings(reversed), "reversed"));

    auto proxy = s;
    proxy.master.proxy = true;
    proxy.master.pool_first = proxy.master.pool_last = Ipv4Addr{};
    EXPECT_TRUE(scenario::validate_settings(proxy).empty());

    auto no_mac = s;
    no_mac.master.server_mac = MacAddr{};
    EXPECT_TRUE(mentions(scenario::validate_settings(no_mac), "server MAC"));
}

TEST(ServeFlags, PieceParsers) {
    EXPECT_EQ(scenario::parse_arch("bios"), (std::vector<std::uint16_t>{0}));
    EXPECT_EQ(scenario::parse_arch("x64"), (std::vector<std::uint16_t>{7, 9}));
    EXPECT_EQ(scenario::parse_arch("65535"), (std::vector<std::uint16_t>{65535}));
    EXPECT_FALSE(scenario::parse_arch("65536"));
    EXPECT_FALSE(scenario::parse_arch("-1"));
    EXPECT_FALSE(scenario::parse_arch(""));
    auto r = scenario::parse_range(" 10.0.0.1 -10.0.0.9");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->second, ip("10.0.0.9"));
    EXPECT_FALSE(scenario::parse_range("10.0.0.1-"));
}

TEST(ServeRun, ServerMac) {
    const MacAddr hw = mac("52:54:00:aa:bb:cc");
    // Address on the host: the kernel answers ARP with the interface MAC; ours must agree.
    EXPECT_EQ(scenario::choose_server_mac(hw, true), hw);
    // User space only: a locally administered unicast MAC of our own.
    const MacAddr own = scenario::choose_server_mac(hw, false);
    EXPECT_EQ(own, mac("02:50:4d:aa:bb:cc"));
    EXPECT_FALSE(own.is_multicast());
    // Never the interface's own, even when that is already 02:50:4d:...
    EXPECT_NE(scenario::choose_server_mac(own, false), own);
}

TEST(ServeRun, DryRunAnswersBiosAndUefi) {
    ServeSettings s;
    ASSERT_TRUE(scenario::apply_serve_flags(seed_flags(), s).empty());
    s.master.server_mac = mac("02:50:4d:14:00:c8");
    const auto x = scenario::sample_exchanges(s.master);
    ASSERT_EQ(x.size(), 2u);
    EXPECT_NE(x[0].request.find("93=0"), std::string::npos) << x[0].request;
    ASSERT_EQ(x[0].replies.size(), 1u);
    EXPECT_NE(x[0].replies[0].find("OFFER"), std::string::npos);
    EXPECT_NE(x[0].replies[0].find("siaddr 192.168.14.200"), std::string::npos) << x[0].replies[0];
    EXPECT_NE(x[0].replies[0].find("file \"pxelinux.0\""), std::string::npos);
    EXPECT_NE(x[1].request.find("93=7"), std::string::npos) << x[1].request;
    ASSERT_EQ(x[1].replies.size(), 1u);
    EXPECT_NE(x[1].replies[0].find("file \"bootx64.efi\""), std::string::npos) << x[1].replies[0];
}

TEST(ServeRun, DryRunProxyWithMenuAndIpxe) {
    ServeSettings s;
    ServeFlags f;
    f.server_ip = "192.168.14.200";
    f.proxy = true;
    f.menu = {"128:Network boot:pxelinux.0"};
    f.ipxe_file = "boot.ipxe";
    ASSERT_TRUE(scenario::apply_serve_flags(f, s).empty());
    s.master.server_mac = mac("02:50:4d:14:00:c8");
    const auto x = scenario::sample_exchanges(s.master);
    ASSERT_EQ(x.size(), 4u);  // BIOS, UEFI, iPXE, and the 4011 boot server request
    EXPECT_EQ(x[0].replies.at(0).find("yiaddr"), std::string::npos) << x[0].replies[0];  // a proxy gives no address
    EXPECT_NE(x[0].replies.at(0).find("60=\"PXEClient\""), std::string::npos) << x[0].replies[0];
    EXPECT_NE(x[2].client.find("iPXE"), std::string::npos);
    ASSERT_EQ(x[3].replies.size(), 1u);
    EXPECT_NE(x[3].replies[0].find("from port 4011"), std::string::npos) << x[3].replies[0];
    EXPECT_NE(x[3].replies[0].find("file \"pxelinux.0\""), std::string::npos) << x[3].replies[0];
}

TEST(ServeRun, NicVerdictIsTheWorstOfItsFindings) {
    scenario::NicReport nic;
    nic.mac = mac("52:54:00:12:34:56");
    std::vector<checks::Finding> findings;
    EXPECT_EQ(scenario::nic_verdict(nic, findings), checks::Verdict::Pass);
    findings.push_back(checks::make_finding("FLOW-009", checks::Blame::Nic, "x", {}, mac("52:54:00:12:34:57")));
    EXPECT_EQ(scenario::nic_verdict(nic, findings), checks::Verdict::Pass);  // another NIC's
    findings.push_back(checks::make_finding("FLOW-005", checks::Blame::Nic, "y", {}, nic.mac));
    EXPECT_EQ(scenario::nic_verdict(nic, findings), checks::Verdict::Warn);
    findings.push_back(checks::make_finding("FLOW-009", checks::Blame::Nic, "z", {}, nic.mac));
    EXPECT_EQ(scenario::nic_verdict(nic, findings), checks::Verdict::Fail);
}

// serve's TFTP blksize cap from the link MTU. An MTU past 65567 gave a cap
// past 65535 that the cast to 16 bits cut to its low bits (65568 -> 0, a
// blksize the server then divided by); the cap stays within RFC 2348.
TEST(ServeFlags, TftpBlksizeCapFollowsTheMtuWithinRfc2348) {
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 1500), 1468);
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 0), 1468);    // unknown MTU: 1500
    EXPECT_EQ(scenario::tftp_blksize_cap(0, -1), 1468);
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 20), 8);      // never below 8
    EXPECT_EQ(scenario::tftp_blksize_cap(1024, 1500), 1024);
    EXPECT_EQ(scenario::tftp_blksize_cap(9000, 1500), 1468);
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 65536), 65464);  // loopback's usual MTU
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 65568), 65464);
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 65600), 65464);
    EXPECT_EQ(scenario::tftp_blksize_cap(0, 1 << 30), 65464);
    EXPECT_EQ(scenario::tftp_blksize_cap(4096, 1 << 30), 4096);
}
