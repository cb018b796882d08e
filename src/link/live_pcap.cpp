// PcapLive: raw Ethernet frames on a live interface through libpcap.

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <pcap/pcap.h>
#pragma GCC diagnostic pop

#include "pxecheck/link/live.hpp"

namespace pxecheck::link {

namespace {

constexpr int kSnapLen = 65535;
/// Kernel ring: room for a DHCP storm's bursts between two reads.
constexpr int kBufferBytes = 4 * 1024 * 1024;
/// Frames returned by one receive() at most.
constexpr std::size_t kMaxPerReceive = 4096;

std::string no_such(const std::string& iface) {
    return "no interface named " + (iface.empty() ? std::string("\"\"") : iface) +
           " (ip link shows the names)";
}

std::string no_permission(const std::string& iface, const std::string& detail) {
    return "no permission to capture on " + iface + (detail.empty() ? "" : " (" + detail + ")") +
           ": run as root or give the binary CAP_NET_RAW,CAP_NET_ADMIN "
           "(setcap cap_net_raw,cap_net_admin+ep pxecheck)";
}

/// The interface's MAC and MTU from the kernel (no privileges needed).
void query_interface(const std::string& iface, MacAddr& mac, int& mtu) {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFHWADDR, &ifr) == 0)
        std::copy_n(ifr.ifr_hwaddr.sa_data, 6, mac.octets.begin());
    ifr = ifreq{};
    std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFMTU, &ifr) == 0) mtu = ifr.ifr_mtu;
    ::close(s);
}

}  // namespace

struct PcapLive::Impl {
    pcap_t* handle = nullptr;
    std::string iface;
    int fd = -1;
    MacAddr mac;
    int mtu = 0;
    bool nano = false;
    bool direction_ok = false;
    /// Source MACs we injected with, for the fallback when the capture
    /// cannot be restricted to inbound frames.
    std::set<MacAddr> sent_macs;
    std::vector<RxFrame>* sink = nullptr;

    ~Impl() {
        if (handle) pcap_close(handle);
    }

    static void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
        auto* self = reinterpret_cast<Impl*>(user);
        if (!self->direction_ok && h->caplen >= 12) {
            MacAddr src;
            std::copy_n(bytes + 6, 6, src.octets.begin());
            if (self->sent_macs.count(src) != 0) return;
        }
        const std::int64_t frac = self->nano ? h->ts.tv_usec : std::int64_t{h->ts.tv_usec} * 1000;
        self->sink->push_back(
            RxFrame{static_cast<std::int64_t>(h->ts.tv_sec) * 1'000'000'000LL + frac,
                    Bytes(bytes, bytes + h->caplen)});
    }
};

std::variant<std::unique_ptr<PcapLive>, OpenError> PcapLive::open(const std::string& iface,
                                                                  const std::string& filter) {
    using Kind = OpenError::Kind;
    // Existence first: without privileges libpcap fails on the packet socket
    // before it looks at the name, and would blame permissions.
    if (iface.empty() || iface.size() >= IFNAMSIZ || ::if_nametoindex(iface.c_str()) == 0)
        return OpenError{Kind::NoSuchInterface, no_such(iface)};

    char errbuf[PCAP_ERRBUF_SIZE] = {};
    auto impl = std::make_unique<Impl>();
    impl->iface = iface;
    impl->handle = pcap_create(iface.c_str(), errbuf);
    if (!impl->handle)
        return OpenError{Kind::Other, "cannot open " + iface + ": " + std::string(errbuf)};
    pcap_t* p = impl->handle;

    pcap_set_snaplen(p, kSnapLen);
    // A frame for a MAC the hardware does not own (the emulated NIC's) is
    // otherwise dropped by the NIC's filter.
    pcap_set_promisc(p, 1);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, kBufferBytes);
    impl->nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;

    const int rc = pcap_activate(p);
    if (rc < 0) {
        const std::string detail = pcap_geterr(p);
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return OpenError{Kind::NoSuchInterface, no_such(iface)};
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return OpenError{Kind::Permission, no_permission(iface, detail)};
        case PCAP_ERROR_IFACE_NOT_UP:
            return OpenError{Kind::Other,
                             "interface " + iface + " is down (ip link set " + iface + " up)"};
        default:
            if (detail.find("Operation not permitted") != std::string::npos ||
                detail.find("Permission denied") != std::string::npos)
                return OpenError{Kind::Permission, no_permission(iface, detail)};
            return OpenError{Kind::Other, "cannot capture on " + iface + ": " +
                                              std::string(pcap_statustostr(rc)) +
                                              (detail.empty() ? "" : " (" + detail + ")")};
        }
    }
    // rc > 0 is a warning (e.g. promiscuous mode not supported): carry on.

    if (pcap_datalink(p) != DLT_EN10MB) {
        const char* name = pcap_datalink_val_to_name(pcap_datalink(p));
        return OpenError{Kind::Other, iface + " is not an Ethernet interface (link type " +
                                          std::string(name ? name : "unknown") +
                                          "): pxecheck sends and reads Ethernet frames"};
    }
    impl->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;

    if (!filter.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
            return OpenError{Kind::Other, "capture filter \"" + filter + "\" for " + iface +
                                              " does not compile: " + pcap_geterr(p)};
        const int set = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (set != 0)
            return OpenError{Kind::Other, "cannot set capture filter \"" + filter + "\" on " + iface +
                                              ": " + pcap_geterr(p)};
    }
    impl->direction_ok = pcap_setdirection(p, PCAP_D_IN) == 0;

    if (pcap_setnonblock(p, 1, errbuf) != 0)
        return OpenError{Kind::Other, "cannot make the capture on " + iface +
                                          " non-blocking: " + std::string(errbuf)};
    impl->fd = pcap_get_selectable_fd(p);
    if (impl->fd < 0)
        return OpenError{Kind::Other, "the capture on " + iface + " has no pollable descriptor"};
    query_interface(iface, impl->mac, impl->mtu);

    std::unique_ptr<PcapLive> live(new PcapLive());
    live->impl_ = std::move(impl);
    return live;
}

PcapLive::~PcapLive() = default;

Status PcapLive::send(ByteView frame) {
    if (!impl_->direction_ok && frame.size() >= 12) {
        MacAddr src;
        std::copy_n(frame.begin() + 6, 6, src.octets.begin());
        impl_->sent_macs.insert(src);
    }
    if (pcap_inject(impl_->handle, frame.data(), frame.size()) < 0)
        return Error{"sending a frame of " + std::to_string(frame.size()) + " bytes on " +
                     impl_->iface + " failed: " + pcap_geterr(impl_->handle)};
    return ok_status();
}

std::vector<RxFrame> PcapLive::receive() {
    std::vector<RxFrame> out;
    impl_->sink = &out;
    while (out.size() < kMaxPerReceive) {
        const int n = pcap_dispatch(impl_->handle, static_cast<int>(kMaxPerReceive - out.size()),
                                    &Impl::on_packet, reinterpret_cast<u_char*>(impl_.get()));
        if (n <= 0) break;  // 0: nothing waiting (non-blocking); <0: error, try next time
    }
    impl_->sink = nullptr;
    return out;
}

int PcapLive::poll_fd() const { return impl_->fd; }
MacAddr PcapLive::hardware_mac() const { return impl_->mac; }
int PcapLive::mtu() const { return impl_->mtu; }
const std::string& PcapLive::interface_name() const { return impl_->iface; }
bool PcapLive::direction_filter() const { return impl_->direction_ok; }

std::uint64_t PcapLive::kernel_drops() const {
    pcap_stat st{};
    if (pcap_stats(impl_->handle, &st) != 0) return 0;
    return st.ps_drop;
}

}  // namespace pxecheck::link
