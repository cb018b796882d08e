// The full DHCP server: DORA with the reply fields the catalogue demands,
// boot file choice, reservations, NAK, foreign server identifier, RELEASE,
// DECLINE, relays, renewals, INFORM and expiry.

#include <gtest/gtest.h>

#include <algorithm>

#include "master_test_util.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using namespace pxecheck::master::testutil;
using wire::DhcpMessageType;
namespace opt = wire::opt;

namespace {

struct Server {
    explicit Server(MasterConfig c, LeaseStore* store = nullptr) : s(std::move(c), store) {
        EXPECT_TRUE(s.start(t0(), kUnixStart).ok());
    }
    std::vector<Reply> send(const wire::DhcpMessage& m, TimePoint at = t0()) {
        s.on_datagram(at, to_server(m));
        return replies(s);
    }
    DhcpServer s;
};

wire::DhcpMessage selecting_request(std::uint32_t xid, Ipv4Addr addr, Ipv4Addr server = kServerIp,
                                    const MacAddr& mac = kClientMac, std::uint16_t arch = 0) {
    auto m = pxe_msg(DhcpMessageType::Request, xid, mac, arch);
    m.set_option_ip(opt::kServerId, server);
    m.set_option_ip(opt::kRequestedAddress, addr);
    return m;
}

bool has_event(const std::vector<DhcpEvent>& ev, DhcpEvent::Kind k) {
    return std::any_of(ev.begin(), ev.end(), [k](const DhcpEvent& e) { return e.kind == k; });
}

}  // namespace

TEST(DhcpServer, DoraForBiosPxeRomFollowsTheCatalogue) {
    Server srv(full_config());
    const auto discover = pxe_msg(DhcpMessageType::Discover, 0x1234abcd);
    auto offers = srv.send(discover);
    ASSERT_EQ(offers.size(), 1u);
    const Reply& offer = offers[0];
    expect_common_rules(discover, offer);
    EXPECT_EQ(offer.msg.message_type(), DhcpMessageType::Offer);
    // DHCP-007: OFFER ciaddr 0, yiaddr the offered address.
    EXPECT_TRUE(offer.msg.ciaddr.is_zero());
    EXPECT_EQ(offer.msg.yiaddr, ip(10));
    // PXE-024: boot location in siaddr/file; PXE-027: BIOS file for arch 0.
    EXPECT_EQ(offer.msg.siaddr, kServerIp);
    EXPECT_EQ(offer.msg.file_field(), "pxelinux.0");
    EXPECT_FALSE(has(offer.msg, opt::kTftpServerName));
    EXPECT_FALSE(has(offer.msg, opt::kBootfileName));
    // MSG-002: 51 in the OFFER, with T1/T2 at 1/2 and 7/8.
    EXPECT_EQ(u32_option(offer.msg, opt::kLeaseTime), 600u);
    EXPECT_EQ(u32_option(offer.msg, opt::kRenewalTime), 300u);
    EXPECT_EQ(u32_option(offer.msg, opt::kRebindingTime), 525u);
    // PXE-014: no PXE extensions in use, so neither 60 nor 43.
    EXPECT_FALSE(has(offer.msg, opt::kVendorClass));
    EXPECT_FALSE(has(offer.msg, opt::kVendorSpecific));
    // PXE-026: 97 echoed.
    ASSERT_TRUE(has(offer.msg, opt::kClientUuid));
    EXPECT_EQ(offer.msg.find(opt::kClientUuid)->data, Bytes(kUuid97.begin(), kUuid97.end()));
    // Parameters: mask first, then 55's order (3 router, 6 DNS), not 28.
    EXPECT_EQ(codes(offer.msg), (std::vector<std::uint8_t>{53, 54, 51, 58, 59, 1, 3, 6, 97}));
    // DHCP-008: broadcast flag -> 255.255.255.255 at the broadcast MAC, 67 -> 68.
    EXPECT_EQ(offer.d.dst_ip, Ipv4Addr::broadcast());
    EXPECT_EQ(offer.d.dst_mac, MacAddr::broadcast());
    EXPECT_EQ(offer.d.src_port, 67);
    EXPECT_EQ(offer.d.dst_port, 68);

    const auto request = selecting_request(0x1234abcd, ip(10));
    auto acks = srv.send(request, t0() + std::chrono::seconds(1));
    ASSERT_EQ(acks.size(), 1u);
    const Reply& ack = acks[0];
    expect_common_rules(request, ack);
    EXPECT_EQ(ack.msg.message_type(), DhcpMessageType::Ack);
    EXPECT_EQ(ack.msg.yiaddr, ip(10));
    EXPECT_TRUE(ack.msg.ciaddr.is_zero());
    EXPECT_EQ(u32_option(ack.msg, opt::kLeaseTime), 600u);
    // MSG-011: the ACK agrees with the OFFER.
    EXPECT_EQ(ack.msg.siaddr, offer.msg.siaddr);
    EXPECT_EQ(ack.msg.file_field(), offer.msg.file_field());
    EXPECT_EQ(ack.d.dst_ip, Ipv4Addr::broadcast());

    const auto clients = srv.s.clients();
    ASSERT_EQ(clients.size(), 1u);
    EXPECT_EQ(clients[0].mac, kClientMac);
    EXPECT_EQ(clients[0].arch, 0);
    EXPECT_TRUE(clients[0].pxe);
    EXPECT_EQ(clients[0].phase, ServePhase::Ack);
    EXPECT_EQ(clients[0].address, ip(10));
    EXPECT_EQ(clients[0].boot_file, "pxelinux.0");
    const auto events = srv.s.take_events();
    EXPECT_TRUE(has_event(events, DhcpEvent::Kind::Offered));
    EXPECT_TRUE(has_event(events, DhcpEvent::Kind::Acked));
    const auto leases = srv.s.leases();
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].address, ip(10));
    EXPECT_EQ(leases[0].expires, kUnixStart + 1 + 600);

    // The runner reports the TFTP download from the TftpServer's events.
    srv.s.note_tftp(t0() + std::chrono::seconds(2), kClientMac, "pxelinux.0", 1000, false);
    EXPECT_EQ(srv.s.clients()[0].phase, ServePhase::Tftp);
    srv.s.note_tftp(t0() + std::chrono::seconds(3), kClientMac, "pxelinux.0", 42430, true);
    EXPECT_EQ(srv.s.clients()[0].phase, ServePhase::TftpDone);
    EXPECT_EQ(srv.s.clients()[0].tftp_bytes, 42430u);
    EXPECT_EQ(to_string(srv.s.clients()[0].phase), "tftp-done");
    // A later stage's lower phase does not undo what was reached.
    srv.send(pxe_msg(DhcpMessageType::Discover, 0x55), t0() + std::chrono::seconds(9));
    EXPECT_EQ(srv.s.clients()[0].phase, ServePhase::TftpDone);
    EXPECT_EQ(srv.s.clients()[0].discovers, 2u);
}

TEST(DhcpServer, PlainClientGetsAskedParametersUnicastAndNoBootFile) {
    Server srv(full_config());
    auto m = plain_msg(DhcpMessageType::Discover, 7);
    const Bytes prl{6, 3, 28, 1};
    m.set_option(opt::kParameterList, prl);
    auto r = srv.send(m);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(m, r[0], 576 - 28);
    EXPECT_EQ(codes(r[0].msg), (std::vector<std::uint8_t>{53, 54, 51, 58, 59, 1, 6, 3, 28}));
    EXPECT_EQ(r[0].msg.find(28)->data, (Bytes{192, 168, 14, 255}));
    EXPECT_TRUE(r[0].msg.siaddr.is_zero());
    EXPECT_EQ(r[0].msg.file_field(), "");
    // No broadcast flag: unicast to yiaddr at chaddr (DHCP-008).
    EXPECT_EQ(r[0].d.dst_ip, ip(10));
    EXPECT_EQ(r[0].d.dst_mac, kClientMac);
}

TEST(DhcpServer, BootFileFollowsArchitecture) {
    MasterConfig c = full_config();
    c.arch_files[16] = "httpboot.efi";
    Server srv(c);
    const std::vector<std::pair<std::uint16_t, std::string>> want{
        {0, "pxelinux.0"}, {6, "bootia32.efi"}, {7, "bootx64.efi"}, {9, "bootx64.efi"},
        {11, "bootaa64.efi"}, {16, "httpboot.efi"}, {2, "pxelinux.0"}};
    std::uint8_t n = 0;
    for (const auto& [arch, file] : want) {
        const MacAddr mac{{0x52, 0x54, 0x00, 0, 0, n++}};
        auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 100 + n, mac, arch));
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].msg.file_field(), file) << "arch " << arch;
    }
    // Configurable: arch 7 to GRUB.
    MasterConfig g = full_config();
    g.arch_files[7] = "grubx64.efi";
    g.send_option66 = true;
    g.send_option67 = true;
    g.next_server = ip(250);
    Server srv2(g);
    auto r = srv2.send(pxe_msg(DhcpMessageType::Discover, 1, kClientMac, 7));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "grubx64.efi");
    // PXE-024: 66 agrees with siaddr, 67 with file.
    EXPECT_EQ(r[0].msg.siaddr, ip(250));
    EXPECT_EQ(r[0].msg.text_option(opt::kTftpServerName), "192.168.14.250");
    EXPECT_EQ(r[0].msg.text_option(opt::kBootfileName), "grubx64.efi");
}

TEST(DhcpServer, IpxeGetsTheSecondStageInsteadOfTheRom) {
    MasterConfig c = full_config();
    c.arch_files[0] = "undionly.kpxe";
    c.ipxe_file = "http://192.168.14.200/boot.ipxe";
    Server srv(c);
    auto bare = pxe_msg(DhcpMessageType::Discover, 1);
    bare.set_option(opt::kUserClass, std::string_view("iPXE"));  // iPXE's bare form (PXE-029)
    auto r = srv.send(bare);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "http://192.168.14.200/boot.ipxe");
    EXPECT_EQ(r[0].msg.siaddr, kServerIp);
    EXPECT_TRUE(srv.s.clients()[0].ipxe);

    auto rfc3004 = pxe_msg(DhcpMessageType::Discover, 2, kOtherMac);
    const Bytes uc{4, 'i', 'P', 'X', 'E'};
    rfc3004.set_option(opt::kUserClass, uc);
    r = srv.send(rfc3004);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "http://192.168.14.200/boot.ipxe");

    // The ROM itself (no 77) gets the ROM file.
    r = srv.send(pxe_msg(DhcpMessageType::Discover, 3, MacAddr{{2, 0, 0, 0, 0, 3}}));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "undionly.kpxe");

    // Without a second stage configured iPXE gets the ROM file again.
    Server plain(full_config());
    r = plain.send(bare);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "pxelinux.0");
}

TEST(DhcpServer, ReservationGivesFixedAddressAndFile) {
    MasterConfig c = full_config();
    c.reservations.push_back(Reservation{kOtherMac, ip(10), std::string("special.0")});
    c.reservations.push_back(Reservation{MacAddr{{2, 0, 0, 0, 0, 9}}, ip(99), std::nullopt});
    Server srv(c);
    // Another client never gets the reserved .10.
    auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 1));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(11));
    EXPECT_EQ(r[0].msg.file_field(), "pxelinux.0");
    r = srv.send(pxe_msg(DhcpMessageType::Discover, 2, kOtherMac, 7));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
    EXPECT_EQ(r[0].msg.file_field(), "special.0");
    r = srv.send(selecting_request(2, ip(10), kServerIp, kOtherMac, 7));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    // Reservations may lie outside the pool.
    r = srv.send(pxe_msg(DhcpMessageType::Discover, 3, MacAddr{{2, 0, 0, 0, 0, 9}}));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(99));
}

TEST(DhcpServer, WrongRequestedAddressIsNakked) {
    Server srv(full_config());
    auto offer = srv.send(pxe_msg(DhcpMessageType::Discover, 5));
    ASSERT_EQ(offer.size(), 1u);
    ASSERT_EQ(offer[0].msg.yiaddr, ip(10));
    const auto request = selecting_request(5, ip(12));
    auto r = srv.send(request);
    ASSERT_EQ(r.size(), 1u);
    const Reply& nak = r[0];
    expect_common_rules(request, nak);
    EXPECT_EQ(nak.msg.message_type(), DhcpMessageType::Nak);
    // DHCP-007 / MSG-004: addresses 0, only 53, 54, 56, no file.
    EXPECT_TRUE(nak.msg.ciaddr.is_zero());
    EXPECT_TRUE(nak.msg.yiaddr.is_zero());
    EXPECT_TRUE(nak.msg.siaddr.is_zero());
    EXPECT_EQ(nak.msg.file_field(), "");
    EXPECT_EQ(codes(nak.msg), (std::vector<std::uint8_t>{53, 54, 56}));
    EXPECT_FALSE(has(nak.msg, opt::kLeaseTime));  // MSG-002
    // DHCP-009: broadcast when giaddr is 0.
    EXPECT_EQ(nak.d.dst_ip, Ipv4Addr::broadcast());
    EXPECT_EQ(nak.d.dst_mac, MacAddr::broadcast());
    EXPECT_EQ(srv.s.clients()[0].naks, 1u);

    // INIT-REBOOT for an address on another network: NAK as well.
    auto reboot = pxe_msg(DhcpMessageType::Request, 6);
    reboot.set_option_ip(opt::kRequestedAddress, Ipv4Addr::from_octets(10, 0, 0, 5));
    r = srv.send(reboot);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Nak);
}

TEST(DhcpServer, RequestNamingAnotherServerIsIgnoredAndWithdrawsOurOffer) {
    Server srv(full_config());
    ASSERT_EQ(srv.send(pxe_msg(DhcpMessageType::Discover, 9)).size(), 1u);
    // MSG-006: the client chose the other server.
    EXPECT_TRUE(srv.send(selecting_request(9, ip(10), kOtherServer)).empty());
    const auto events = srv.s.take_events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().kind, DhcpEvent::Kind::Ignored);
    EXPECT_NE(events.back().detail.find("withdrawn"), std::string::npos) << events.back().detail;
    // The offered address is free again for someone else.
    auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 10, kOtherMac));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
}

TEST(DhcpServer, ReleaseFreesTheAddress) {
    Server srv(full_config());
    srv.send(pxe_msg(DhcpMessageType::Discover, 1));
    ASSERT_EQ(srv.send(selecting_request(1, ip(10))).size(), 1u);
    ASSERT_EQ(srv.s.leases().size(), 1u);
    auto release = plain_msg(DhcpMessageType::Release, 2);
    release.ciaddr = ip(10);
    release.set_option_ip(opt::kServerId, kServerIp);
    srv.s.on_datagram(t0(), to_server(release, 67, ip(10), 68, kServerIp));
    EXPECT_TRUE(srv.s.take_output().empty());  // RELEASE is never answered
    EXPECT_TRUE(srv.s.leases().empty());
    EXPECT_TRUE(has_event(srv.s.take_events(), DhcpEvent::Kind::Released));
    auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 3, kOtherMac));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
}

TEST(DhcpServer, DeclineSetsTheAddressAsideUntilTheHoldEnds) {
    MasterConfig c = full_config();
    c.decline_hold = 100;
    Server srv(c);
    srv.send(pxe_msg(DhcpMessageType::Discover, 1));
    srv.send(selecting_request(1, ip(10)));
    auto decline = pxe_msg(DhcpMessageType::Decline, 2);
    decline.set_option_ip(opt::kRequestedAddress, ip(10));
    decline.set_option_ip(opt::kServerId, kServerIp);
    EXPECT_TRUE(srv.send(decline).empty());
    auto leases = srv.s.leases();
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].state, LeaseState::Declined);
    EXPECT_EQ(srv.s.clients()[0].declines, 1u);
    // The same client starts over and gets another address.
    auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 3));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(11));
    // After the hold, .10 is back in the pool.
    srv.s.on_timer(t0() + std::chrono::seconds(101));
    EXPECT_TRUE(has_event(srv.s.take_events(), DhcpEvent::Kind::Expired));
    r = srv.send(pxe_msg(DhcpMessageType::Discover, 4, kOtherMac), t0() + std::chrono::seconds(102));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
}

TEST(DhcpServer, RelayedRequestsAreAnsweredToTheRelay) {
    Server srv(full_config());
    auto discover = pxe_msg(DhcpMessageType::Discover, 0x77);
    discover.giaddr = ip(254);
    discover.hops = 1;
    discover.flags = 0;
    srv.s.on_datagram(t0(), to_server(discover, 67, ip(254), 67, kServerIp));
    auto r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(discover, r[0]);
    EXPECT_EQ(r[0].msg.giaddr, ip(254));
    EXPECT_EQ(r[0].d.dst_ip, ip(254));
    EXPECT_EQ(r[0].d.dst_port, 67);
    EXPECT_TRUE(r[0].d.dst_mac.is_zero());  // resolved by the stack (ARP)

    // A NAK through a relay goes to the relay with the broadcast flag set (DHCP-009).
    auto request = selecting_request(0x77, ip(15));
    request.giaddr = ip(254);
    request.flags = 0;
    srv.s.on_datagram(t0(), to_server(request, 67, ip(254), 67, kServerIp));
    r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Nak);
    EXPECT_EQ(r[0].d.dst_ip, ip(254));
    EXPECT_TRUE(r[0].msg.broadcast_flag());
}

TEST(DhcpServer, RenewalIsUnicastToCiaddr) {
    Server srv(full_config());
    srv.send(pxe_msg(DhcpMessageType::Discover, 1));
    srv.send(selecting_request(1, ip(10)));
    auto renew = plain_msg(DhcpMessageType::Request, 2);
    renew.ciaddr = ip(10);
    const TimePoint later = t0() + std::chrono::seconds(300);
    srv.s.on_datagram(later, to_server(renew, 67, ip(10), 68, kServerIp));
    auto r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(renew, r[0], 576 - 28);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    EXPECT_EQ(r[0].msg.ciaddr, ip(10));  // table 3: from the REQUEST
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
    EXPECT_EQ(r[0].d.dst_ip, ip(10));
    EXPECT_EQ(r[0].d.dst_mac, kClientMac);
    EXPECT_EQ(srv.s.leases()[0].expires, kUnixStart + 300 + 600);

    // Renewing an address that is not its own: NAK.
    auto wrong = plain_msg(DhcpMessageType::Request, 3);
    wrong.ciaddr = ip(12);
    srv.s.on_datagram(later, to_server(wrong, 67, ip(12), 68, kServerIp));
    r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Nak);
}

TEST(DhcpServer, InitRebootWithoutRecordStaysSilent) {
    Server srv(full_config());
    auto reboot = pxe_msg(DhcpMessageType::Request, 1);
    reboot.set_option_ip(opt::kRequestedAddress, ip(14));
    EXPECT_TRUE(srv.send(reboot).empty());  // RFC 2131 §4.3.2
    // With a record (after DORA) the same REQUEST is ACKed.
    srv.send(pxe_msg(DhcpMessageType::Discover, 2));
    srv.send(selecting_request(2, ip(10)));
    auto again = pxe_msg(DhcpMessageType::Request, 3);
    again.set_option_ip(opt::kRequestedAddress, ip(10));
    auto r = srv.send(again);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
}

TEST(DhcpServer, InformGetsAckWithoutLeaseTime) {
    Server srv(full_config());
    auto inform = plain_msg(DhcpMessageType::Inform, 4);
    inform.ciaddr = ip(77);
    srv.s.on_datagram(t0(), to_server(inform, 67, ip(77), 68, kServerIp));
    auto r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(inform, r[0], 576 - 28);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    EXPECT_TRUE(r[0].msg.yiaddr.is_zero());
    EXPECT_EQ(r[0].msg.ciaddr, ip(77));
    for (std::uint8_t c : {opt::kLeaseTime, opt::kRenewalTime, opt::kRebindingTime}) {
        EXPECT_FALSE(has(r[0].msg, c));  // MSG-002
    }
    EXPECT_TRUE(has(r[0].msg, opt::kSubnetMask));
    EXPECT_EQ(r[0].d.dst_ip, ip(77));
}

TEST(DhcpServer, PoolExhaustionAndOfferHold) {
    MasterConfig c = full_config();
    c.pool_last = ip(10);
    c.offer_hold = 30;
    Server srv(c);
    ASSERT_EQ(srv.send(pxe_msg(DhcpMessageType::Discover, 1)).size(), 1u);
    EXPECT_EQ(srv.s.next_deadline(), t0() + std::chrono::seconds(30));
    // .10 is set aside for the first client: nothing for the second.
    EXPECT_TRUE(srv.send(pxe_msg(DhcpMessageType::Discover, 2, kOtherMac)).empty());
    EXPECT_TRUE(has_event(srv.s.take_events(), DhcpEvent::Kind::PoolExhausted));
    // The offer runs out; the second client gets it.
    srv.s.on_timer(t0() + std::chrono::seconds(30));
    auto r = srv.send(pxe_msg(DhcpMessageType::Discover, 3, kOtherMac), t0() + std::chrono::seconds(31));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
}

TEST(DhcpServer, RepliesStayWithinTheClientsMaximumSize) {
    MasterConfig c = full_config();
    c.dns.clear();
    for (int i = 0; i < 100; ++i) c.dns.push_back(Ipv4Addr::from_octets(10, 0, 0, static_cast<std::uint8_t>(i)));
    Server srv(c);
    auto m = pxe_msg(DhcpMessageType::Discover, 1);
    m.set_option_u16(opt::kMaxMessageSize, 576);
    auto r = srv.send(m);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(m, r[0], 576 - 28);
    // 400 octets of DNS servers do not fit: the whole option goes, the
    // lease and the PXE options stay.
    EXPECT_FALSE(has(r[0].msg, opt::kDnsServer));
    EXPECT_TRUE(has(r[0].msg, opt::kLeaseTime));
    EXPECT_TRUE(has(r[0].msg, opt::kClientUuid));
    EXPECT_TRUE(has(r[0].msg, opt::kRouter));
    // With a large 57 the whole list fits (as an RFC 3396 split).
    auto big = pxe_msg(DhcpMessageType::Discover, 2, kOtherMac);
    big.set_option_u16(opt::kMaxMessageSize, 1500);
    r = srv.send(big);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.joined(opt::kDnsServer)->size(), 400u);
    EXPECT_LE(r[0].d.payload.size(), 1500u - 28u);
}

TEST(DhcpServer, FullModeMenuUsesPxeExtensionsAndAnswers4011) {
    MasterConfig c = full_config();
    c.menu = {{128, "Network boot (BIOS)", "pxelinux.0", {0}}, {0, "Local disk", "", {}}};
    c.prompt = "PXE menu";
    c.prompt_timeout = 1;
    Server srv(c);
    const auto discover = pxe_msg(DhcpMessageType::Discover, 1);
    auto r = srv.send(discover);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(discover, r[0]);
    // PXE-014: 43 with 60 = PXEClient; the menu, not a file.
    EXPECT_EQ(r[0].msg.text_option(opt::kVendorClass), "PXEClient");
    const auto v = pxe43(r[0].msg);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->menu.size(), 2u);
    EXPECT_EQ(v->menu[0].type, 128);
    EXPECT_EQ(v->discovery_control, 0x03);
    ASSERT_EQ(v->boot_servers.size(), 1u);
    EXPECT_EQ(v->boot_servers[0].addresses, std::vector<Ipv4Addr>{kServerIp});
    EXPECT_EQ(r[0].msg.file_field(), "");
    EXPECT_EQ(r[0].msg.yiaddr, ip(10));
    // A UEFI client sees only the entries for all architectures.
    r = srv.send(pxe_msg(DhcpMessageType::Discover, 2, kOtherMac, 7));
    ASSERT_EQ(r.size(), 1u);
    const auto v7 = pxe43(r[0].msg);
    ASSERT_TRUE(v7);
    EXPECT_EQ(v7->menu.size(), 1u);  // only "Local disk" (all architectures)

    // The BIOS client binds, then asks the boot server (this master) on 4011.
    r = srv.send(selecting_request(1, ip(10)));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(pxe43(r[0].msg));  // MSG-011: the ACK repeats the OFFER's 43
    auto bs = pxe_msg(DhcpMessageType::Request, 0x99);
    bs.ciaddr = ip(10);
    wire::PxeVendorOptions item;
    item.boot_item = wire::PxeBootItem{128, 0};
    bs.set_option(opt::kVendorSpecific, wire::encode_pxe_options(item));
    srv.s.on_datagram(t0(), to_server(bs, wire::kPxeBootServerPort, ip(10), 68, kServerIp));
    r = replies(srv.s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    EXPECT_EQ(r[0].d.src_port, wire::kPxeBootServerPort);
    EXPECT_EQ(r[0].d.dst_ip, ip(10));
    EXPECT_EQ(r[0].msg.file_field(), "pxelinux.0");
    EXPECT_EQ(r[0].msg.siaddr, kServerIp);
    EXPECT_FALSE(has(r[0].msg, opt::kLeaseTime));
    // The lease is untouched by the boot server exchange.
    ASSERT_EQ(srv.s.leases().size(), 1u);
    EXPECT_EQ(srv.s.clients()[0].phase, ServePhase::Pxe4011);
}

TEST(DhcpServer, UnicastsToOtherHostsAreNotOurs) {
    Server srv(full_config());
    srv.send(pxe_msg(DhcpMessageType::Discover, 1));
    srv.send(selecting_request(1, ip(10)));
    // A renewal sent to another server (seen by a promiscuous capture): no NAK.
    auto renew = plain_msg(DhcpMessageType::Request, 2, kOtherMac);
    renew.ciaddr = ip(10);
    srv.s.on_datagram(t0(), to_server(renew, 67, ip(10), 68, kOtherServer));
    EXPECT_TRUE(srv.s.take_output().empty());
    // The subnet-directed broadcast is ours.
    srv.s.on_datagram(t0(), to_server(pxe_msg(DhcpMessageType::Discover, 3, kOtherMac), 67, Ipv4Addr::any(), 68,
                                      ip(255)));
    EXPECT_EQ(srv.s.take_output().size(), 1u);
}

TEST(DhcpServer, No4011WithoutProxyOrMenu) {
    Server srv(full_config());
    auto m = pxe_msg(DhcpMessageType::Request, 1);
    m.ciaddr = ip(10);
    srv.s.on_datagram(t0(), to_server(m, wire::kPxeBootServerPort, ip(10), 68, kServerIp));
    EXPECT_TRUE(srv.s.take_output().empty());
}

TEST(DhcpServer, DatagramsBeforeStartAndJunkAreDropped) {
    DhcpServer s(full_config());
    s.on_datagram(t0(), to_server(pxe_msg(DhcpMessageType::Discover, 1)));
    EXPECT_TRUE(s.take_output().empty());
    ASSERT_TRUE(s.start(t0(), kUnixStart).ok());
    link::Datagram junk;
    junk.dst_port = 67;
    junk.dst_ip = Ipv4Addr::broadcast();
    junk.payload = Bytes(40, 0xaa);
    s.on_datagram(t0(), junk);
    EXPECT_TRUE(s.take_output().empty());
    const auto ev = s.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, DhcpEvent::Kind::Ignored);
    // A server's own reply (op 2) on port 67 is not answered either.
    auto reply = pxe_msg(DhcpMessageType::Offer, 2);
    reply.op = 2;
    s.on_datagram(t0(), to_server(reply));
    EXPECT_TRUE(s.take_output().empty());
}
