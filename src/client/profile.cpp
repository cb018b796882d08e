#include "pxecheck/client/profile.hpp"

#include <chrono>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/pxe.hpp"

namespace pxecheck::client {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<Micros> secs(std::initializer_list<int> s) {
    std::vector<Micros> out;
    for (int v : s) out.emplace_back(seconds(v));
    return out;
}

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

/// The Intel-style PXE 2.1 BIOS ROM of the netboot capture
/// (captures/public/netboot-bios-pxe-proxydhcp-tftp-rrq.pcap, frames 1, 4, 6, 8, 9).
NicProfile bios() {
    NicProfile p;
    p.name = "bios";
    p.description =
        "PXE 2.1 BIOS option ROM (Intel-style), as in captures/public/"
        "netboot-bios-pxe-proxydhcp-tftp-rrq.pcap: PXEClient:Arch:00000:UNDI:002001, 93 = 0, "
        "94 = 1.2.1, 55 as in frame 1 (36 codes), 57 = 1260, broadcast flag, 548-octet requests, "
        "ProxyDHCP/boot server REQUEST from UDP 4011 reusing the DHCP xid (frame 6), "
        "TFTP size query RRQ (tsize only, port n) then RRQ blksize=1456 (port n+1) (frames 8-9). "
        "Timers per PXE 2.1 (DISCOVER 4/8/16/32 s, REQUEST 1/2/3/4 s, offers collected through "
        "the 4 s and 8 s windows: frame 4 comes 8 s after frame 1)";
    p.arch = 0;
    p.undi_major = 2;
    p.undi_minor = 1;
    p.parameter_list = {1,  2,  3,  4,  5,  6,  11, 12, 13, 15, 16, 17,  18,  22,  23,  28,  40,  41,
                        42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135};
    p.max_message_size = 1260;
    p.broadcast_flag = true;
    p.discover_timeouts = secs({4, 8, 16, 32});
    p.request_timeouts = secs({1, 2, 3, 4});
    p.offer_selection = OfferSelection::WindowEnd;
    p.offer_wait = seconds(11);
    p.option_order = {53, 50, 55, 57, 54, 97, 93, 94, 60, 43};
    p.min_message_size = 548;
    p.request_secs_as_discover = true;  // frames 1 and 4 both say secs 8
    p.pxe_request_port = wire::kPxeBootServerPort;
    p.pxe_request_xid = PxeRequestXid::SameAsDhcp;
    p.pxe_request_broadcast_flag = false;
    p.tftp_blksize = 1456;
    p.tftp_tsize = true;
    p.tftp_size_probe = TftpSizeProbe::TsizeOnly;
    p.tftp_tsize_first = true;
    return p;
}

/// EDK2's UEFI PXE base code (NetworkPkg/UefiPxeBcDxe over Dhcp4Dxe).
NicProfile uefi_x64() {
    NicProfile p;
    p.name = "uefi-x64";
    p.description =
        "EDK2 UEFI x64 PXE (UefiPxeBcDxe), as in captures/public/"
        "tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng: PXEClient:Arch:00007:UNDI:003016, 93 = 7, "
        "94 = 1.3.16, 55 with 35 codes (incl. 97), 57 = 1472 in DISCOVER and 65280 in REQUEST, "
        "broadcast flag, options in EDK2's order 53 57 55 97 94 93 60. "
        "captures/ovmf-uefi-*.pcap (OVMF on virtio-net, UNDI 003000 there) show the timing: "
        "one DISCOVER, the offer chosen at the end of the first 4 s window, and the TFTP size "
        "query: RRQ tsize=0 blksize=1468 windowsize=4, ERROR 8 \"User aborted the transfer\" "
        "after the OACK, then RRQ blksize=1468 windowsize=4 from the next port. Timers from "
        "EDK2 source: DISCOVER 4/8/16/32 s (mPxeDhcpTimeout), REQUEST 4/8/16/32 s (Dhcp4Dxe "
        "default), boot server REQUEST 1/2/3/4 s from UDP 4011 with a fresh xid";
    p.arch = 7;
    p.undi_major = 3;
    p.undi_minor = 16;
    p.parameter_list = {1,  2,  3,  4,  5,  6,  12, 13,  15,  17,  18,  22,  23,  28,  40,  41, 42,
                        43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135};
    p.max_message_size = 1472;
    p.request_max_message_size = 65280;
    p.broadcast_flag = true;
    p.discover_timeouts = secs({4, 8, 16, 32});
    p.request_timeouts = secs({4, 8, 16, 32});
    p.bootserver_timeouts = secs({1, 2, 3, 4});
    p.offer_selection = OfferSelection::WindowEnd;
    p.offer_wait = Micros{0};
    p.option_order = {53, 54, 50, 57, 55, 97, 94, 93, 60, 43};
    p.min_message_size = wire::kBootpMinSize;
    p.request_secs_as_discover = true;
    p.pxe_request_port = wire::kPxeBootServerPort;
    p.pxe_request_xid = PxeRequestXid::Fresh;
    p.pxe_request_broadcast_flag = false;
    p.tftp_blksize = 1468;
    p.tftp_tsize = true;
    p.tftp_windowsize = 4;
    p.tftp_size_probe = TftpSizeProbe::AllOptions;
    p.tftp_tsize_first = true;
    return p;
}

NicProfile uefi_arm64() {
    NicProfile p = uefi_x64();
    p.name = "uefi-arm64";
    p.description =
        "EDK2 UEFI ARM64 PXE: the uefi-x64 profile (same UefiPxeBcDxe code, see there) with "
        "architecture type 11 (PXEClient:Arch:00011:UNDI:003016). Not read from an ARM64 "
        "capture: only the architecture differs in EDK2's source";
    p.arch = 11;
    return p;
}

/// iPXE as the QEMU e1000 option ROM (Debian ipxe-qemu).
NicProfile ipxe() {
    NicProfile p;
    p.name = "ipxe";
    p.description =
        "iPXE BIOS option ROM (QEMU e1000, Debian ipxe-qemu), as in "
        "captures/ipxe-bios-dnsmasq-proxy.pcap and ipxe-bios-isc-dhcpd-tftpd-hpa.pcap: "
        "PXEClient:Arch:00000:UNDI:002001, 93 = 0, 94 = 1.2.1, 77 = \"iPXE\" (bare), 55 with 23 "
        "codes incl. 175 and 203, 57 = 1472, 175 encapsulated options of that build, 61 = 01+MAC, "
        "no broadcast flag, options in iPXE's order; boot server REQUEST from UDP 68 to 4011 with "
        "xid 0, broadcast flag and 60 = \"PXEClient\"; TFTP RRQ blksize=1432 tsize=0. Timers from "
        "iPXE's config/dhcp.h and retry.c: DISCOVER 1/2/4/8 s, REQUEST 0.25/0.5/1/2/4/8 s, "
        "boot server 1/2/4/8 s, proxy offers awaited 2 s (DISCOVERs at 0 and 1 s, REQUEST at "
        "3 s in the isc-dhcpd capture; REQUEST right after the proxy offer in the dnsmasq one)";
    p.arch = 0;
    p.undi_major = 2;
    p.undi_minor = 1;
    p.parameter_list = {1,   3,   6,   7,   12,  15,  17,  26,  43,  60,  66, 67,
                        119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203};
    p.max_message_size = 1472;
    p.user_class = text_bytes("iPXE");
    p.broadcast_flag = false;
    p.client_id_from_mac = true;
    p.discover_timeouts = secs({1, 2, 4, 8});
    p.request_timeouts = {milliseconds(250), milliseconds(500), seconds(1), seconds(2), seconds(4),
                          seconds(8)};
    p.bootserver_timeouts = secs({1, 2, 4, 8});
    p.offer_selection = OfferSelection::WindowEnd;
    p.offer_wait = seconds(2);
    p.select_on_proxy_offer = true;
    // Option 175 of that build (bus id 8086:100e, version, feature flags).
    p.extra_options.emplace_back(
        std::uint8_t{175},
        *from_hex("b105018086100eeb03010000170101220101130101110101270101190101290101100102"
                  "210101150101180101120101"));
    p.option_order = {53, 57, 93, 94, 60, 77, 55, 175, 61, 97, 54, 50, 43};
    p.min_message_size = wire::kBootpMinSize;
    p.request_secs_as_discover = false;
    p.pxe_request_port = wire::kDhcpClientPort;
    p.pxe_request_xid = PxeRequestXid::Zero;
    p.pxe_request_broadcast_flag = true;
    p.pxe_request_vendor_class = "PXEClient";
    p.tftp_blksize = 1432;
    p.tftp_tsize = true;
    p.tftp_size_probe = TftpSizeProbe::None;
    p.tftp_tsize_first = false;
    return p;
}

}  // namespace

const std::vector<NicProfile>& builtin_profiles() {
    static const std::vector<NicProfile> kProfiles{bios(), uefi_x64(), uefi_arm64(), ipxe()};
    return kProfiles;
}

const NicProfile* find_profile(const std::string& name) {
    for (const auto& p : builtin_profiles()) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

std::string vendor_class_of(const NicProfile& p) {
    if (!p.vendor_class.empty()) return p.vendor_class;
    return wire::make_pxe_vendor_class(p.arch, p.undi_major, p.undi_minor);
}

}  // namespace pxecheck::client
