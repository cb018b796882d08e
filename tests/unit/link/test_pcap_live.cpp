// PcapLive error mapping and the host-address helpers, on the host itself.
// Nothing here sends a frame; what needs traffic runs in network namespaces
// (test_pcap_live_netns.cpp).

#include <gtest/gtest.h>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <variant>

#include "pxecheck/link/live.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::link;

TEST(PcapLive, AMissingInterfaceIsNoSuchInterface) {
    auto r = PcapLive::open("pxnope0", "arp or udp");
    ASSERT_EQ(r.index(), 1u);
    const auto& e = std::get<OpenError>(r);
    EXPECT_EQ(e.kind, OpenError::Kind::NoSuchInterface);
    EXPECT_NE(e.message.find("no interface named pxnope0"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("ip link"), std::string::npos) << e.message;

    for (const std::string name : {"", "a-name-longer-than-ifnamsiz"}) {
        auto r2 = PcapLive::open(name, "");
        ASSERT_EQ(r2.index(), 1u) << name;
        EXPECT_EQ(std::get<OpenError>(r2).kind, OpenError::Kind::NoSuchInterface) << name;
    }
}

/// Opens "lo" without privileges: as this user, or as nobody in a forked
/// child when we are root. Returns the error kind and message.
std::pair<int, std::string> open_unprivileged() {
    if (::geteuid() != 0) {
        auto r = PcapLive::open("lo", "");
        if (r.index() == 0) return {-1, "opened: this process has CAP_NET_RAW"};
        const auto& e = std::get<OpenError>(r);
        return {static_cast<int>(e.kind), e.message};
    }
    int fds[2];
    if (::pipe(fds) != 0) return {-2, "pipe failed"};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        int code = 100;
        std::string msg = "could not drop privileges";
        if (::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0) {
            auto r = PcapLive::open("lo", "");
            if (r.index() == 0) {
                code = 101;
                msg = "opened as nobody";
            } else {
                code = static_cast<int>(std::get<OpenError>(r).kind);
                msg = std::get<OpenError>(r).message;
            }
        }
        (void)!::write(fds[1], msg.data(), msg.size());
        ::_exit(code);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -3, msg};
}

TEST(PcapLive, NoPermissionSaysHowToGrantIt) {
    auto [kind, message] = open_unprivileged();
    if (kind == -1) GTEST_SKIP() << message;
    EXPECT_EQ(kind, static_cast<int>(OpenError::Kind::Permission)) << message;
    EXPECT_NE(message.find("lo"), std::string::npos) << message;
    EXPECT_NE(message.find("run as root"), std::string::npos) << message;
    EXPECT_NE(message.find("setcap cap_net_raw,cap_net_admin+ep"), std::string::npos) << message;
}

TEST(HostAddress, LoopbackIsSeen) {
    const Ipv4Addr localhost = Ipv4Addr::from_octets(127, 0, 0, 1);
    const Ipv4Addr test_net = Ipv4Addr::from_octets(192, 0, 2, 77);  // RFC 5737, never configured
    EXPECT_TRUE(host_has_address("lo", localhost));
    EXPECT_TRUE(host_has_address("", localhost));
    EXPECT_FALSE(host_has_address("lo", test_net));
    EXPECT_FALSE(host_has_address("", test_net));
    EXPECT_FALSE(host_has_address("pxnope0", localhost));
}

TEST(PortHold, BindsAFreePortOrAGivenOneAndMoves) {
    const Ipv4Addr localhost = Ipv4Addr::from_octets(127, 0, 0, 1);
    auto any = PortHold::hold_udp(localhost, 0);
    ASSERT_TRUE(any.ok()) << any.error();
    EXPECT_NE(any->port(), 0);
    EXPECT_GE(any->fd(), 0);
    EXPECT_EQ(any->address(), localhost);

    // SO_REUSEADDR: a second hold on the same port works (two runners, or a
    // restart while the old socket lingers).
    auto again = PortHold::hold_udp(localhost, any->port());
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->port(), any->port());

    PortHold moved = std::move(any).value();
    EXPECT_GE(moved.fd(), 0);
    PortHold target = std::move(again).value();
    const int fd = moved.fd();
    target = std::move(moved);
    EXPECT_EQ(target.fd(), fd);
    EXPECT_EQ(moved.fd(), -1);  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(PortHold, AnAddressTheHostDoesNotHaveNeedsNoHold) {
    auto r = PortHold::hold_udp(Ipv4Addr::from_octets(192, 0, 2, 77), 0);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("does not have 192.0.2.77"), std::string::npos) << r.error();
}

}  // namespace
