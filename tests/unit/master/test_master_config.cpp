// MasterConfig: defaults, boot file lookup, and validate()'s words.

#include <gtest/gtest.h>

#include <algorithm>

#include "master_test_util.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using namespace pxecheck::master::testutil;

namespace {

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

std::string all(const std::vector<std::string>& errors) {
    std::string s;
    for (const auto& e : errors) s += e + "\n";
    return s;
}

}  // namespace

TEST(MasterConfig, DefaultsPickTheFileByArchitecture) {
    MasterConfig c;
    EXPECT_EQ(c.boot_file_for(0), "pxelinux.0");
    EXPECT_EQ(c.boot_file_for(6), "bootia32.efi");
    EXPECT_EQ(c.boot_file_for(7), "bootx64.efi");
    EXPECT_EQ(c.boot_file_for(9), "bootx64.efi");
    EXPECT_EQ(c.boot_file_for(11), "bootaa64.efi");
    EXPECT_EQ(c.boot_file_for(std::nullopt), "pxelinux.0");
    c.default_file = "default.0";
    EXPECT_EQ(c.boot_file_for(12), "default.0");
    EXPECT_FALSE(c.proxy);
    EXPECT_FALSE(c.serves_4011());
    c.server_ip = kServerIp;
    EXPECT_EQ(c.effective_next_server(), kServerIp);
    c.next_server = ip(5);
    EXPECT_EQ(c.effective_next_server(), ip(5));
}

TEST(MasterConfig, LabConfigurationsAreValid) {
    EXPECT_TRUE(full_config().validate().empty()) << all(full_config().validate());
    EXPECT_TRUE(proxy_config().validate().empty()) << all(proxy_config().validate());
    MasterConfig menu = proxy_config();
    menu.menu = {{128, "Network boot (BIOS)", "pxelinux.0", {0}}, {0, "Local boot", "", {}}};
    EXPECT_TRUE(menu.validate().empty()) << all(menu.validate());
    EXPECT_TRUE(menu.serves_4011());
}

TEST(MasterConfig, ReversedRangeIsNamed) {
    MasterConfig c = full_config();
    c.pool_first = ip(20);
    c.pool_last = ip(10);
    const auto errors = c.validate();
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0], "range 192.168.14.20-192.168.14.10 is reversed");
}

TEST(MasterConfig, ErrorsInWords) {
    MasterConfig c = full_config();
    c.pool_last = Ipv4Addr::from_octets(10, 0, 0, 9);
    c.router = Ipv4Addr::from_octets(10, 0, 0, 1);
    c.netmask = Ipv4Addr::from_octets(255, 0, 255, 0);
    c.reservations = {{kClientMac, ip(50), std::nullopt}, {kClientMac, ip(50), std::nullopt}};
    c.default_file = std::string(130, 'x');
    c.server_mac = MacAddr{};
    const auto errors = c.validate();
    EXPECT_TRUE(mentions(errors, "netmask 255.0.255.0 is not contiguous")) << all(errors);
    EXPECT_TRUE(mentions(errors, "server MAC 00:00:00:00:00:00 is not a unicast address")) << all(errors);
    EXPECT_TRUE(mentions(errors, "MAC 52:54:00:12:34:56 has more than one reservation")) << all(errors);
    EXPECT_TRUE(mentions(errors, "address 192.168.14.50 is reserved more than once")) << all(errors);
    EXPECT_TRUE(mentions(errors, "default boot file")) << all(errors);
    EXPECT_TRUE(mentions(errors, "the BOOTP file field holds at most 127")) << all(errors);

    MasterConfig d = full_config();
    d.pool_last = Ipv4Addr::from_octets(10, 0, 0, 9);
    d.router = Ipv4Addr::from_octets(10, 0, 0, 1);
    const auto e2 = d.validate();
    EXPECT_TRUE(mentions(e2, "range end 10.0.0.9 is not in 192.168.14.0/24 (the server's subnet)")) << all(e2);
    EXPECT_TRUE(mentions(e2, "router 10.0.0.1 is not in 192.168.14.0/24")) << all(e2);

    MasterConfig none = full_config();
    none.pool_first = Ipv4Addr{};
    none.pool_last = Ipv4Addr{};
    EXPECT_TRUE(mentions(none.validate(), "no address range")) << all(none.validate());
    none.proxy = true;
    EXPECT_TRUE(none.validate().empty()) << all(none.validate());

    MasterConfig bcast = full_config();
    bcast.pool_last = ip(255);
    EXPECT_TRUE(mentions(bcast.validate(), "includes the network or broadcast address")) << all(bcast.validate());
}

TEST(MasterConfig, MenuProblems) {
    MasterConfig c = proxy_config();
    c.menu = {{0, "Local", "disk.0", {}}, {129, "", "x.efi", {}}};
    auto errors = c.validate();
    EXPECT_TRUE(mentions(errors, "has type 0 (local boot), which carries no file")) << all(errors);
    EXPECT_TRUE(mentions(errors, "menu entry of type 129 has no description")) << all(errors);

    MasterConfig big = proxy_config();
    for (std::uint16_t t = 1; t <= 8; ++t) big.menu.push_back({t, std::string(40, 'd'), "f", {}});
    errors = big.validate();
    EXPECT_TRUE(mentions(errors, "ROMs take at most 255")) << all(errors);
}
