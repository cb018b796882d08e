// PcapLive + UserStack on a real veth pair between two network namespaces
// that each test creates (and deletes in TearDown, even on failure). Needs
// root; skipped otherwise.
//
// Every frame stays on the veth between the two namespaces; the addresses
// (192.168.14.0/24, as in shared/docs/lab.md) exist only there. setns()
// changes the namespace of the calling thread only, so each side runs in a
// fork()ed child that enters its namespace and reports "key=value" lines
// through a pipe. Nothing sleeps to synchronise: every wait is a loop on a
// condition with a bounded total time.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include "pxecheck/link/live.hpp"

namespace {

using namespace pxecheck;
using namespace pxecheck::link;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

const MacAddr kStackMac = *MacAddr::parse("02:00:5e:10:00:01");
const MacAddr kMasterMac = *MacAddr::parse("02:00:00:14:00:c8");
const Ipv4Addr kStackIp = Ipv4Addr::from_octets(192, 168, 14, 10);  // on no host
const Ipv4Addr kPeerIp = Ipv4Addr::from_octets(192, 168, 14, 2);    // kernel of ns B
const Ipv4Addr kMasterIp = Ipv4Addr::from_octets(192, 168, 14, 200);

std::string run_output(const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

/// Writes one "key=value" line to the parent.
void report(int fd, const std::string& key, const std::string& value) {
    const std::string line = key + "=" + value + "\n";
    (void)!::write(fd, line.data(), line.size());
}

/// A forked child living in one network namespace.
class Child {
public:
    /// Forks; the child enters \p ns and runs \p body(report_fd), whose
    /// return value is its exit code.
    Child(const std::string& ns, const std::function<int(int)>& body) {
        int fds[2];
        if (::pipe(fds) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(fds[0]);
            int code = 90;
            const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
            if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
                report(fds[1], "error", "cannot enter " + ns);
            } else {
                try {
                    code = body(fds[1]);
                } catch (const std::exception& e) {
                    report(fds[1], "error", std::string("exception: ") + e.what());
                    code = 91;
                }
            }
            ::_exit(code);  // never back into the test runner
        }
        ::close(fds[1]);
        fd_ = fds[0];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { finish(seconds(0)); }

    /// Reads reports until \p key appears or \p limit passes.
    bool wait_for(const std::string& key, Steady::duration limit) {
        const auto until = Steady::now() + limit;
        while (!values_.count(key)) {
            if (!read_some(until)) return false;
        }
        return true;
    }
    /// Reads until the child closes its end, then reaps it (killed after \p limit).
    void finish(Steady::duration limit) {
        if (pid_ <= 0) return;
        const auto until = Steady::now() + limit;
        while (fd_ >= 0 && read_some(until)) {
        }
        if (fd_ >= 0) {
            ::kill(pid_, SIGKILL);
            values_["error"] += " (killed: no end after the time limit)";
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    [[nodiscard]] std::string get(const std::string& key) const {
        auto it = values_.find(key);
        return it == values_.end() ? std::string() : it->second;
    }
    [[nodiscard]] int exit_code() const { return exit_code_; }
    [[nodiscard]] std::string all() const {
        std::string s;
        for (const auto& [k, v] : values_) s += k + "=" + v + "; ";
        return s;
    }

private:
    /// False at EOF or when \p until passed.
    bool read_some(Steady::time_point until) {
        if (fd_ < 0) return false;
        const auto left = std::chrono::duration_cast<milliseconds>(until - Steady::now()).count();
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
        char buf[1024];
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) {
            ::close(fd_);
            fd_ = -1;
            return false;
        }
        partial_.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = partial_.find('\n')) != std::string::npos) {
            const std::string line = partial_.substr(0, nl);
            partial_.erase(0, nl + 1);
            const auto eq = line.find('=');
            values_[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
        }
        return true;
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    int exit_code_ = -1;
    std::string partial_;
    std::map<std::string, std::string> values_;
};

class VethPair : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
        if (run("ip netns list") != 0) GTEST_SKIP() << "no usable ip(8)";
        static int counter = 0;
        const std::string tag = std::to_string(::getpid()) + "x" + std::to_string(counter++);
        ns_a_ = "pxlink" + tag + "a";
        ns_b_ = "pxlink" + tag + "b";
        for (const auto* ns : {&ns_a_, &ns_b_}) {
            ASSERT_EQ(run("ip netns add " + *ns), 0) << "ip netns add " << *ns;
            created_.push_back(*ns);
            // Quiet wire: no IPv6 chatter (router solicitations, DAD).
            run("ip netns exec " + *ns + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
            run("ip netns exec " + *ns + " sysctl -qw net.ipv6.conf.default.disable_ipv6=1");
        }
        // Made inside ns A, its peer moved straight to ns B: the root
        // namespace never holds either end.
        ASSERT_EQ(run(ip_a() + " link add va0 type veth peer name vb0 netns " + ns_b_), 0);
        for (const auto& [ip, dev] : {std::pair{ip_a(), "va0"}, std::pair{ip_b(), "vb0"}}) {
            ASSERT_EQ(run(ip + " link set lo up"), 0);
            ASSERT_EQ(run(ip + " link set " + dev + " up"), 0);
        }
        ASSERT_EQ(run(ip_b() + " addr add " + kPeerIp.to_string() + "/24 dev vb0"), 0);
    }

    void TearDown() override {
        for (const auto& ns : created_) run("ip netns del " + ns);  // takes the veth with it
        created_.clear();
    }

    [[nodiscard]] std::string ip_a() const { return "ip -n " + ns_a_; }
    [[nodiscard]] std::string ip_b() const { return "ip -n " + ns_b_; }

    std::string ns_a_;
    std::string ns_b_;
    std::vector<std::string> created_;
};

/// Opens va0 or reports why not.
std::unique_ptr<PcapLive> open_live(int fd, const std::string& iface) {
    auto r = PcapLive::open(iface, "arp or udp");
    if (auto* e = std::get_if<OpenError>(&r)) {
        report(fd, "error", "open " + iface + ": " + e->message);
        return nullptr;
    }
    auto live = std::move(std::get<0>(r));
    report(fd, "direction_filter", live->direction_filter() ? "1" : "0");
    return live;
}

/// Runs a UserStack on \p live until \p done() or \p limit: pushes its
/// frames, waits in the EventLoop, feeds what arrives. Counts frames read
/// back that carry our own source MAC (the direction filter must stop them).
struct StackRun {
    StackRun(PcapLive& l, UserStack& s) : live(l), stack(s) {}
    PcapLive& live;
    UserStack& stack;
    std::size_t own_frames_read = 0;
    std::size_t arp_requests_seen = 0;  ///< for one of our addresses
    std::size_t arp_requests_sent = 0;
    std::string send_error;

    void go(Steady::duration limit, const std::function<void(TimePoint, const Datagram&)>& on_datagram,
            const std::function<bool()>& done) {
        EventLoop loop(live);
        TimePoint now = EventLoop::now();
        const TimePoint give_up = now + std::chrono::duration_cast<Micros>(limit);
        while (true) {
            for (auto& f : stack.take_frames()) {
                auto d = decode_frame(linktype::kEthernet, f);
                if (d.arp && d.arp->operation == 1) ++arp_requests_sent;
                if (auto s = live.send(f); !s.ok()) send_error = s.error();
            }
            if (done() || now >= give_up) return;
            std::optional<TimePoint> deadline = give_up;
            if (auto t = stack.next_deadline(); t && *t < *deadline) deadline = t;
            loop.wait(deadline);
            now = EventLoop::now();
            for (auto& rx : live.receive()) {
                auto d = decode_frame(linktype::kEthernet, rx.data);
                if (d.src_mac == stack.mac()) ++own_frames_read;
                if (d.arp && d.arp->operation == 1 && stack.holds(d.arp->target_ip)) ++arp_requests_seen;
                if (auto dg = stack.on_frame(now, rx.data)) on_datagram(now, *dg);
            }
            stack.on_timer(now);
        }
    }
};

Datagram reply_to(const Datagram& d, const std::string& payload) {
    Datagram r;
    r.src_ip = d.dst_ip;
    r.src_port = d.dst_port;
    r.dst_ip = d.src_ip;
    r.dst_port = d.src_port;
    r.payload.assign(payload.begin(), payload.end());
    return r;
}

/// A kernel UDP socket in the current namespace.
int udp_socket(Ipv4Addr ip, std::uint16_t port) {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(ip.value);
    if (::bind(s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

sockaddr_in sockaddr_of(Ipv4Addr ip, std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(ip.value);
    return sa;
}

// ---------------------------------------------------------------------------

TEST_F(VethPair, OpensWithTheInterfaceMacAndMtuAndRejectsBadFilters) {
    ASSERT_EQ(run(ip_a() + " link set va0 address " + kMasterMac.to_string() + " mtu 1400"), 0);
    ASSERT_EQ(run(ip_a() + " link add vd0 type veth peer name vd1"), 0);  // left down
    Child a(ns_a_, [](int fd) {
        auto live = open_live(fd, "va0");
        if (!live) return 1;
        report(fd, "mac", live->hardware_mac().to_string());
        report(fd, "mtu", std::to_string(live->mtu()));
        report(fd, "name", live->interface_name());
        report(fd, "fd", std::to_string(live->poll_fd()));
        report(fd, "drops", std::to_string(live->kernel_drops()));
        report(fd, "nothing_waiting", live->receive().empty() ? "1" : "0");

        auto bad = PcapLive::open("va0", "udp port ((");
        if (auto* e = std::get_if<OpenError>(&bad)) {
            report(fd, "bad_filter_kind", std::to_string(static_cast<int>(e->kind)));
            report(fd, "bad_filter_message", e->message);
        }
        auto down = PcapLive::open("vd0", "arp");
        if (auto* e = std::get_if<OpenError>(&down)) {
            report(fd, "down_kind", std::to_string(static_cast<int>(e->kind)));
            report(fd, "down_message", e->message);
        }
        // Inside this namespace the host's interfaces do not exist.
        auto missing = PcapLive::open("vb0", "");
        if (auto* e = std::get_if<OpenError>(&missing))
            report(fd, "missing_kind", std::to_string(static_cast<int>(e->kind)));
        return 0;
    });
    a.finish(seconds(20));
    ASSERT_EQ(a.exit_code(), 0) << a.all();
    EXPECT_EQ(a.get("mac"), kMasterMac.to_string());
    EXPECT_EQ(a.get("mtu"), "1400");
    EXPECT_EQ(a.get("name"), "va0");
    EXPECT_NE(a.get("fd"), "-1");
    EXPECT_EQ(a.get("drops"), "0");
    EXPECT_EQ(a.get("direction_filter"), "1") << "pcap_setdirection(PCAP_D_IN) refused on veth";
    EXPECT_EQ(a.get("bad_filter_kind"), std::to_string(static_cast<int>(OpenError::Kind::Other)));
    EXPECT_NE(a.get("bad_filter_message").find("does not compile"), std::string::npos) << a.all();
    EXPECT_NE(a.get("bad_filter_message").find("va0"), std::string::npos) << a.all();
    EXPECT_EQ(a.get("down_kind"), std::to_string(static_cast<int>(OpenError::Kind::Other)));
    EXPECT_NE(a.get("down_message").find("ip link set vd0 up"), std::string::npos) << a.all();
    EXPECT_EQ(a.get("missing_kind"), std::to_string(static_cast<int>(OpenError::Kind::NoSuchInterface)));
}

// The UserStack holds an address no host has, resolves a kernel peer by ARP,
// sends it a datagram and gets the answer back.
TEST_F(VethPair, UserStackResolvesAndTalksToAKernelPeer) {
    Child b(ns_b_, [](int fd) {
        const int s = udp_socket(kPeerIp, 9999);
        if (s < 0) return 1;
        report(fd, "ready", "1");
        pollfd p{s, POLLIN, 0};
        if (::poll(&p, 1, 15000) <= 0) return 2;
        char buf[256];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) return 3;
        const std::string got(buf, static_cast<std::size_t>(n));
        report(fd, "got", got);
        report(fd, "from", Ipv4Addr{ntohl(from.sin_addr.s_addr)}.to_string() + ":" +
                               std::to_string(ntohs(from.sin_port)));
        const std::string answer = "pong:" + got;
        if (::sendto(s, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len) < 0)
            return 4;
        return 0;
    });
    ASSERT_TRUE(b.wait_for("ready", seconds(10))) << b.all();

    Child a(ns_a_, [](int fd) {
        report(fd, "host_has", host_has_address("", kStackIp) ? "1" : "0");
        auto live = open_live(fd, "va0");
        if (!live) return 1;
        UserStack stack(kStackMac);
        stack.add_address(kStackIp, 24);
        Datagram d;
        d.src_ip = kStackIp;
        d.src_port = 5000;
        d.dst_ip = kPeerIp;
        d.dst_port = 9999;
        d.payload = {'p', 'i', 'n', 'g'};
        const auto start = Steady::now();
        stack.send(EventLoop::now(), d);
        std::string answer;
        StackRun r(*live, stack);
        r.go(
            seconds(15),
            [&](TimePoint, const Datagram& got) {
                if (got.dst_port == 5000 && got.src_ip == kPeerIp)
                    answer.assign(got.payload.begin(), got.payload.end());
            },
            [&] { return !answer.empty(); });
        report(fd, "answer", answer);
        report(fd, "ms", std::to_string(std::chrono::duration_cast<milliseconds>(Steady::now() - start).count()));
        report(fd, "own_frames_read", std::to_string(r.own_frames_read));
        report(fd, "arp_requests_sent", std::to_string(r.arp_requests_sent));
        report(fd, "peer_mac", stack.lookup(kPeerIp) ? stack.lookup(kPeerIp)->to_string() : "");
        report(fd, "send_error", r.send_error);
        return answer.empty() ? 5 : 0;
    });
    a.finish(seconds(30));
    b.finish(seconds(10));
    ASSERT_EQ(a.exit_code(), 0) << a.all() << " | B: " << b.all();
    EXPECT_EQ(b.exit_code(), 0) << b.all();
    EXPECT_EQ(a.get("host_has"), "0");
    EXPECT_EQ(b.get("got"), "ping");
    EXPECT_EQ(b.get("from"), kStackIp.to_string() + ":5000");
    EXPECT_EQ(a.get("answer"), "pong:ping");
    EXPECT_EQ(a.get("arp_requests_sent"), "1");  // answered at once, no retry
    EXPECT_EQ(a.get("own_frames_read"), "0") << "injected frames were read back";
    EXPECT_EQ(a.get("send_error"), "");
    const std::string vb0_mac = run_output(ip_b() + " -br link show vb0");
    EXPECT_NE(vb0_mac.find(a.get("peer_mac")), std::string::npos) << vb0_mac << " vs " << a.all();
    // The EventLoop woke on frames, not on its 15 s deadline.
    EXPECT_LT(std::stol(a.get("ms")), 3000) << a.all();
}

// The kernel of ns B must ARP for the UserStack's address: the UserStack
// answers, as the neighbour table of ns B then shows.
TEST_F(VethPair, UserStackAnswersArpForAnAddressTheHostDoesNotHave) {
    ASSERT_EQ(run_output(ip_b() + " neigh show " + kStackIp.to_string()), "");

    Child a(ns_a_, [](int fd) {
        auto live = open_live(fd, "va0");
        if (!live) return 1;
        UserStack stack(kStackMac);
        stack.add_address(kStackIp, 24);
        report(fd, "ready", "1");
        bool served = false;
        std::string got;
        StackRun r(*live, stack);
        r.go(
            seconds(15),
            [&](TimePoint now, const Datagram& d) {
                if (d.dst_port != 7000 || served) return;
                got.assign(d.payload.begin(), d.payload.end());
                stack.send(now, reply_to(d, "echo:" + got));
                served = true;
            },
            [&] { return served; });
        report(fd, "got", got);
        report(fd, "arp_requests_seen", std::to_string(r.arp_requests_seen));
        report(fd, "arp_requests_sent", std::to_string(r.arp_requests_sent));
        report(fd, "own_frames_read", std::to_string(r.own_frames_read));
        return served ? 0 : 5;
    });
    ASSERT_TRUE(a.wait_for("ready", seconds(10))) << a.all();

    Child b(ns_b_, [](int fd) {
        const int s = udp_socket(kPeerIp, 7001);
        const sockaddr_in to = sockaddr_of(kStackIp, 7000);
        if (s < 0 || ::connect(s, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return 1;
        const auto until = Steady::now() + seconds(15);
        std::string got;
        // Resend every 500 ms until the answer comes (the first one waits in
        // the kernel's ARP queue and normally suffices).
        while (got.empty() && Steady::now() < until) {
            if (::send(s, "hi", 2, 0) < 0) report(fd, "send_errno", std::to_string(errno));
            pollfd p{s, POLLIN, 0};
            if (::poll(&p, 1, 500) > 0) {
                char buf[256];
                const ssize_t n = ::recv(s, buf, sizeof buf, 0);
                if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
                else report(fd, "recv_errno", std::to_string(errno));
            }
        }
        report(fd, "got", got);
        return got.empty() ? 2 : 0;
    });
    b.finish(seconds(30));
    a.finish(seconds(30));
    ASSERT_EQ(a.exit_code(), 0) << a.all() << " | B: " << b.all();
    ASSERT_EQ(b.exit_code(), 0) << b.all();
    EXPECT_EQ(a.get("got"), "hi");
    EXPECT_EQ(b.get("got"), "echo:hi");
    EXPECT_NE(a.get("arp_requests_seen"), "0");
    // The answer went out without ARP: B's MAC was learned from its datagram.
    EXPECT_EQ(a.get("arp_requests_sent"), "0");
    EXPECT_EQ(a.get("own_frames_read"), "0");
    const std::string neigh = run_output(ip_b() + " neigh show " + kStackIp.to_string());
    EXPECT_NE(neigh.find("lladdr " + kStackMac.to_string()), std::string::npos) << neigh;
}

// The common real case: the host has the master's address too. Without a
// PortHold the kernel refuses (ICMP port unreachable) what the user-space
// master serves; with it the peer sees only the user-space answer.
class HostHasTheAddress : public VethPair, public ::testing::WithParamInterface<bool> {};

TEST_P(HostHasTheAddress, PortHoldSilencesTheKernel) {
    const bool with_hold = GetParam();
    ASSERT_EQ(run(ip_a() + " link set va0 address " + kMasterMac.to_string()), 0);
    ASSERT_EQ(run(ip_a() + " addr add " + kMasterIp.to_string() + "/24 dev va0"), 0);

    Child a(ns_a_, [with_hold](int fd) {
        report(fd, "host_has_va0", host_has_address("va0", kMasterIp) ? "1" : "0");
        report(fd, "host_has_any", host_has_address("", kMasterIp) ? "1" : "0");
        report(fd, "host_has_lo", host_has_address("lo", kMasterIp) ? "1" : "0");
        auto live = open_live(fd, "va0");
        if (!live) return 1;
        // Same MAC as the kernel: its ARP replies and ours agree.
        UserStack stack(live->hardware_mac());
        stack.add_address(kMasterIp, 24);
        std::vector<PortHold> holds;
        if (with_hold) {
            for (std::uint16_t port : {std::uint16_t{6969}, std::uint16_t{0}}) {
                auto h = PortHold::hold_udp(kMasterIp, port);
                if (!h.ok()) {
                    report(fd, "error", h.error());
                    return 2;
                }
                holds.push_back(std::move(h).value());
            }
            report(fd, "ephemeral", std::to_string(holds.back().port()));
        }
        report(fd, "ready", "1");
        bool served = false;
        StackRun r(*live, stack);
        r.go(
            seconds(15),
            [&](TimePoint now, const Datagram& d) {
                if (d.dst_port != 6969 || served) return;
                stack.send(now, reply_to(d, "ack:" + std::string(d.payload.begin(), d.payload.end())));
                served = true;
            },
            [&] { return served; });
        return served ? 0 : 5;
    });
    ASSERT_TRUE(a.wait_for("ready", seconds(10))) << a.all();

    Child b(ns_b_, [with_hold](int fd) {
        const int s = udp_socket(kPeerIp, 7002);
        const sockaddr_in to = sockaddr_of(kMasterIp, 6969);
        if (s < 0 || ::connect(s, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return 1;
        if (::send(s, "rrq", 3, 0) < 0) return 2;
        bool refused = false;
        std::string got;
        const auto until = Steady::now() + seconds(10);
        // Without the hold both arrive: the kernel's refusal and our answer.
        while (Steady::now() < until && (got.empty() || (!with_hold && !refused))) {
            pollfd p{s, POLLIN, 0};
            const auto left = std::chrono::duration_cast<milliseconds>(until - Steady::now()).count();
            if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 1))) <= 0) continue;
            char buf[256];
            const ssize_t n = ::recv(s, buf, sizeof buf, 0);
            if (n >= 0) got.assign(buf, static_cast<std::size_t>(n));
            else if (errno == ECONNREFUSED) refused = true;
        }
        // Anything still pending (an ICMP error after the answer)?
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == ECONNREFUSED) refused = true;
        report(fd, "refused", refused ? "1" : "0");
        report(fd, "got", got);
        return 0;
    });
    b.finish(seconds(30));
    a.finish(seconds(30));
    ASSERT_EQ(a.exit_code(), 0) << a.all() << " | B: " << b.all();
    ASSERT_EQ(b.exit_code(), 0) << b.all();
    EXPECT_EQ(a.get("host_has_va0"), "1");
    EXPECT_EQ(a.get("host_has_any"), "1");
    EXPECT_EQ(a.get("host_has_lo"), "0");
    EXPECT_EQ(b.get("got"), "ack:rrq") << b.all();
    if (with_hold) {
        EXPECT_EQ(b.get("refused"), "0") << "the kernel refused despite the PortHold";
        EXPECT_NE(a.get("ephemeral"), "0");
    } else {
        EXPECT_EQ(b.get("refused"), "1") << "expected the kernel's ICMP port unreachable";
    }
    const std::string neigh = run_output(ip_b() + " neigh show " + kMasterIp.to_string());
    EXPECT_NE(neigh.find("lladdr " + kMasterMac.to_string()), std::string::npos) << neigh;
}

INSTANTIATE_TEST_SUITE_P(Hold, HostHasTheAddress, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                             return i.param ? std::string("WithPortHold") : std::string("WithoutPortHold");
                         });

}  // namespace
