// The live commands (client, replay, serve) refuse numbers their runs cannot
// hold before they touch any interface: a usage error (exit 2) naming the
// flag. The interface named does not exist, so a flag that got through would
// end in exit 3 (no such interface) instead, with no traffic either way.
#include <gtest/gtest.h>

#include <string>

#include "run_command.hpp"

using pxecheck::testing::run_pxecheck;
using pxecheck::testing::shell_quoted;
using pxecheck::testing::source_path;

namespace {

constexpr const char* kNoIface = " --iface pxck-none0";

void expect_usage_error(const std::string& args, const std::string& flag) {
    const auto r = run_pxecheck(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(flag), std::string::npos) << args << "\n" << r.out;
}

}  // namespace

TEST(LiveFlags, ClientRefusesWindowsizesAndSecondsOutOfRange) {
    for (const char* w : {"65536", "70000", "-1"})
        expect_usage_error(std::string("client") + kNoIface + " --windowsize " + w, "--windowsize wants 1-65535");
    for (const char* s : {"1e300", "inf", "nan", "31536001"})
        expect_usage_error(std::string("client") + kNoIface + " --offer-wait " + s, "--offer-wait wants seconds");
    for (const char* s : {"0", "-5", "1e300", "inf", "nan"})
        expect_usage_error(std::string("client") + kNoIface + " --time-limit " + s, "--time-limit wants seconds");
    // In range, the run goes on to the interface, which does not exist.
    const auto ok = run_pxecheck(std::string("client") + kNoIface + " --windowsize 65535 --offer-wait 2 --time-limit 31536000");
    EXPECT_EQ(ok.exit_code, 3) << ok.out;
}

TEST(LiveFlags, ReplayAndServeRefuseSecondsOutOfRange) {
    const std::string capture = shell_quoted(source_path("captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    for (const char* s : {"0", "1e300", "inf", "nan"})
        expect_usage_error("replay " + capture + kNoIface + " --time-limit " + s, "--time-limit wants seconds");
    for (const char* s : {"-1", "1e300", "inf", "nan"})
        expect_usage_error(std::string("serve") + kNoIface + " --time-limit " + s, "--time-limit wants seconds");
}
