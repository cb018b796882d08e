// PortHold and host_has_address: living beside a kernel that holds the same
// address as a UserStack (see live.hpp).

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "pxecheck/link/live.hpp"

namespace pxecheck::link {

Result<PortHold> PortHold::hold_udp(Ipv4Addr ip, std::uint16_t port) {
    const std::string where = ip.to_string() + ":" + std::to_string(port);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{"cannot hold UDP " + where + ": socket: " + std::strerror(errno)};
    const int one = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Never read: keep the buffer small (the kernel rounds up to its minimum).
    const int tiny = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);

    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(ip.value);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        const int err = errno;
        ::close(fd);
        if (err == EADDRNOTAVAIL)
            return Error{"cannot hold UDP " + where + ": the host does not have " + ip.to_string() +
                         " (then the kernel ignores that traffic and no hold is needed)"};
        if (err == EADDRINUSE)
            return Error{"cannot hold UDP " + where +
                         ": another program holds that port (a DHCP or TFTP server already "
                         "running on this host? ss -ulpn shows it)"};
        if (err == EACCES)
            return Error{"cannot hold UDP " + where +
                         ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"};
        return Error{"cannot hold UDP " + where + ": bind: " + std::strerror(err)};
    }
    socklen_t len = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) port = ntohs(sa.sin_port);
    return PortHold(fd, ip, port);
}

PortHold::PortHold(PortHold&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ip_(other.ip_), port_(other.port_) {}

PortHold& PortHold::operator=(PortHold&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        ip_ = other.ip_;
        port_ = other.port_;
    }
    return *this;
}

PortHold::~PortHold() {
    if (fd_ >= 0) ::close(fd_);
}

bool host_has_address(const std::string& iface, Ipv4Addr ip) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return false;
    bool found = false;
    for (const ifaddrs* a = list; a && !found; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_name) continue;
        if (!iface.empty()) {
            // IPv4 addresses with a label ("eth0:1") are listed under the label.
            const std::string name = a->ifa_name;
            if (name != iface && name.rfind(iface + ":", 0) != 0) continue;
        }
        sockaddr_in sa{};
        std::memcpy(&sa, a->ifa_addr, sizeof sa);
        found = ntohl(sa.sin_addr.s_addr) == ip.value;
    }
    ::freeifaddrs(list);
    return found;
}

}  // namespace pxecheck::link
