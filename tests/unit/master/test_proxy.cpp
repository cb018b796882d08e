// proxyDHCP: the proxy OFFER's shape (PXE-015), PXE clients only (PXE-016),
// and the ACKs on UDP 4011 for ProxyDHCP and boot server requests (PXE-018,
// PXE-019).

#include <gtest/gtest.h>

#include "master_test_util.hpp"

using namespace pxecheck;
using namespace pxecheck::master;
using namespace pxecheck::master::testutil;
using wire::DhcpMessageType;
namespace opt = wire::opt;

namespace {

MasterConfig menu_proxy() {
    MasterConfig c = proxy_config();
    c.menu = {{128, "Network boot (BIOS)", "pxelinux.0", {0}},
              {129, "Network boot (UEFI)", "bootx64.efi", {7, 9}}};
    c.prompt = "PXE menu";
    c.prompt_timeout = 1;
    return c;
}

struct Proxy {
    explicit Proxy(MasterConfig c) : s(std::move(c)) { EXPECT_TRUE(s.start(t0(), kUnixStart).ok()); }
    std::vector<Reply> send(const wire::DhcpMessage& m) {
        s.on_datagram(t0(), to_server(m));
        return replies(s);
    }
    /// A unicast request to UDP 4011 from a client that holds 192.168.14.10.
    std::vector<Reply> send_4011(wire::DhcpMessage m, std::uint16_t src_port = 68) {
        m.ciaddr = ip(10);
        m.flags = 0;
        s.on_datagram(t0(), to_server(m, wire::kPxeBootServerPort, ip(10), src_port, kServerIp));
        return replies(s);
    }
    DhcpServer s;
};

wire::DhcpMessage boot_server_request(std::uint32_t xid, std::uint16_t type, std::uint16_t layer,
                                      std::uint16_t arch = 0) {
    auto m = pxe_msg(DhcpMessageType::Request, xid, kClientMac, arch);
    wire::PxeVendorOptions v;
    v.boot_item = wire::PxeBootItem{type, layer};
    m.set_option(opt::kVendorSpecific, wire::encode_pxe_options(v));
    return m;
}

/// PXE-015: yiaddr 0, 54, 60 PXEClient, no 51/58/59, broadcast.
void expect_proxy_offer_shape(const wire::DhcpMessage& rq, const Reply& r) {
    expect_common_rules(rq, r);
    EXPECT_EQ(r.msg.message_type(), DhcpMessageType::Offer);
    EXPECT_TRUE(r.msg.yiaddr.is_zero());
    EXPECT_TRUE(r.msg.ciaddr.is_zero());
    EXPECT_EQ(r.msg.text_option(opt::kVendorClass), "PXEClient");
    EXPECT_TRUE(has(r.msg, opt::kVendorSpecific));
    for (std::uint8_t c : {opt::kLeaseTime, opt::kRenewalTime, opt::kRebindingTime, opt::kSubnetMask,
                           opt::kRouter, opt::kDnsServer}) {
        EXPECT_FALSE(has(r.msg, c)) << "option " << int(c);
    }
    ASSERT_TRUE(has(r.msg, opt::kClientUuid));  // PXE-026
    EXPECT_EQ(r.msg.find(opt::kClientUuid)->data, Bytes(kUuid97.begin(), kUuid97.end()));
    EXPECT_EQ(r.d.dst_ip, Ipv4Addr::broadcast());
    EXPECT_EQ(r.d.dst_mac, MacAddr::broadcast());
    EXPECT_EQ(r.d.dst_port, 68);
    EXPECT_EQ(r.d.src_port, 67);
}

}  // namespace

TEST(ProxyDhcp, OfferCarriesTheMenuAndNoAddress) {
    Proxy p(menu_proxy());
    auto discover = pxe_msg(DhcpMessageType::Discover, 0xabc);
    discover.flags = 0;  // delivered broadcast all the same
    auto r = p.send(discover);
    ASSERT_EQ(r.size(), 1u);
    expect_proxy_offer_shape(discover, r[0]);
    EXPECT_EQ(r[0].msg.file_field(), "");
    const auto v = pxe43(r[0].msg);
    ASSERT_TRUE(v);
    // Only the BIOS entry for an arch 0 ROM; reachable through 43.8 (PXE-022).
    ASSERT_EQ(v->menu.size(), 1u);
    EXPECT_EQ(v->menu[0].type, 128);
    EXPECT_EQ(v->menu[0].description, "Network boot (BIOS)");
    EXPECT_EQ(v->discovery_control, 0x03);
    ASSERT_EQ(v->boot_servers.size(), 1u);
    EXPECT_EQ(v->boot_servers[0].type, 128);
    EXPECT_EQ(v->boot_servers[0].addresses, std::vector<Ipv4Addr>{kServerIp});
    ASSERT_TRUE(v->prompt);
    EXPECT_EQ(v->prompt->timeout, 1);
    EXPECT_EQ(v->prompt->text, "PXE menu");
    EXPECT_TRUE(v->end_present);
    EXPECT_LE(r[0].msg.find(opt::kVendorSpecific)->data.size(), 255u);  // PXE-020
    EXPECT_EQ(p.s.clients()[0].phase, ServePhase::Offer);
}

TEST(ProxyDhcp, NonPxeDiscoverIsIgnored) {
    Proxy p(menu_proxy());
    EXPECT_TRUE(p.send(plain_msg(DhcpMessageType::Discover, 1)).empty());
    auto msft = plain_msg(DhcpMessageType::Discover, 2, kOtherMac);
    msft.set_option(opt::kVendorClass, std::string_view("MSFT 5.0"));
    EXPECT_TRUE(p.send(msft).empty());
    const auto ev = p.s.take_events();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].kind, DhcpEvent::Kind::Ignored);
    EXPECT_NE(ev[1].detail.find("MSFT 5.0"), std::string::npos);
}

TEST(ProxyDhcp, NeverAssignsNorNaks) {
    Proxy p(menu_proxy());
    auto foreign = pxe_msg(DhcpMessageType::Request, 1);
    foreign.set_option_ip(opt::kServerId, kOtherServer);
    foreign.set_option_ip(opt::kRequestedAddress, ip(10));
    EXPECT_TRUE(p.send(foreign).empty());  // PXE-016
    auto reboot = pxe_msg(DhcpMessageType::Request, 2);
    reboot.set_option_ip(opt::kRequestedAddress, Ipv4Addr::from_octets(10, 9, 9, 9));
    EXPECT_TRUE(p.send(reboot).empty());   // no NAK even for a foreign network
    auto decline = pxe_msg(DhcpMessageType::Decline, 3);
    decline.set_option_ip(opt::kRequestedAddress, ip(10));
    EXPECT_TRUE(p.send(decline).empty());
    EXPECT_TRUE(p.s.leases().empty());
}

TEST(ProxyDhcp, BootServerRequestOn4011GetsAckWithFile) {
    Proxy p(menu_proxy());
    const auto rq = boot_server_request(0x5151, 128, 0);
    auto r = p.send_4011(rq, 68);
    ASSERT_EQ(r.size(), 1u);
    const Reply& ack = r[0];
    auto sent = rq;
    sent.ciaddr = ip(10);
    sent.flags = 0;
    expect_common_rules(sent, ack);
    // PXE-018: ACK from 4011 to the requester's address and port, xid echoed.
    EXPECT_EQ(ack.msg.message_type(), DhcpMessageType::Ack);
    EXPECT_EQ(ack.d.src_port, wire::kPxeBootServerPort);
    EXPECT_EQ(ack.d.dst_ip, ip(10));
    EXPECT_EQ(ack.d.dst_port, 68);
    EXPECT_EQ(ack.d.dst_mac, kClientMac);
    EXPECT_EQ(ack.msg.xid, 0x5151u);
    EXPECT_EQ(ack.msg.siaddr, kServerIp);
    EXPECT_EQ(ack.msg.file_field(), "pxelinux.0");
    EXPECT_EQ(ack.msg.ciaddr, ip(10));
    EXPECT_TRUE(ack.msg.yiaddr.is_zero());
    EXPECT_EQ(ack.msg.text_option(opt::kVendorClass), "PXEClient");
    // PXE-019: 43.71 echoed.
    const auto v = pxe43(ack.msg);
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->boot_item);
    EXPECT_EQ(v->boot_item->type, 128);
    EXPECT_EQ(v->boot_item->layer, 0);
    EXPECT_TRUE(has(ack.msg, opt::kClientUuid));
    EXPECT_FALSE(has(ack.msg, opt::kLeaseTime));
    const auto views = p.s.clients();
    ASSERT_EQ(views.size(), 1u);
    EXPECT_EQ(views[0].phase, ServePhase::Pxe4011);
    EXPECT_EQ(views[0].boot_type, 128);
    EXPECT_EQ(views[0].boot_file, "pxelinux.0");

    // A UEFI ROM asking for its own type, from another source port.
    r = p.send_4011(boot_server_request(0x5152, 129, 0, 7), 4011);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "bootx64.efi");
    EXPECT_EQ(r[0].d.dst_port, 4011);
}

TEST(ProxyDhcp, CredentialLayerGetsNoFile) {
    Proxy p(menu_proxy());
    auto r = p.send_4011(boot_server_request(1, 128, 0x8000));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.file_field(), "");
    EXPECT_TRUE(r[0].msg.siaddr.is_zero());
    const auto v = pxe43(r[0].msg);
    ASSERT_TRUE(v && v->boot_item);
    EXPECT_EQ(v->boot_item->type, 128);
    EXPECT_EQ(v->boot_item->layer, 0x8000);
}

TEST(ProxyDhcp, UnknownBootTypeIsIgnored) {
    Proxy p(menu_proxy());
    EXPECT_TRUE(p.send_4011(boot_server_request(1, 42, 0)).empty());
    // The BIOS ROM does not see the UEFI entry either.
    EXPECT_TRUE(p.send_4011(boot_server_request(2, 129, 0, 0)).empty());
}

TEST(ProxyDhcp, WithoutMenuTheOfferNamesTheFileDirectly) {
    Proxy p(proxy_config());
    auto discover = pxe_msg(DhcpMessageType::Discover, 3, kClientMac, 7);
    auto r = p.send(discover);
    ASSERT_EQ(r.size(), 1u);
    expect_proxy_offer_shape(discover, r[0]);
    EXPECT_EQ(r[0].msg.siaddr, kServerIp);
    EXPECT_EQ(r[0].msg.file_field(), "bootx64.efi");
    const auto v = pxe43(r[0].msg);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->discovery_control, 0x08);  // PXE-023: bit 3 with the file
    EXPECT_TRUE(v->menu.empty());

    // ProxyDHCP REQUEST on 4011 without 43.71: the same boot information.
    auto rq = pxe_msg(DhcpMessageType::Request, 4, kClientMac, 7);
    r = p.send_4011(rq);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    EXPECT_EQ(r[0].msg.file_field(), "bootx64.efi");
    EXPECT_EQ(r[0].msg.siaddr, kServerIp);
    EXPECT_EQ(r[0].d.src_port, wire::kPxeBootServerPort);
    EXPECT_EQ(r[0].d.dst_ip, ip(10));
}

TEST(ProxyDhcp, IpxeGetsTheSecondStageFromTheProxy) {
    MasterConfig c = menu_proxy();
    c.ipxe_file = "boot.ipxe";
    Proxy p(c);
    auto discover = pxe_msg(DhcpMessageType::Discover, 5);
    discover.set_option(opt::kUserClass, std::string_view("iPXE"));
    auto r = p.send(discover);
    ASSERT_EQ(r.size(), 1u);
    expect_proxy_offer_shape(discover, r[0]);
    EXPECT_EQ(r[0].msg.file_field(), "boot.ipxe");
    EXPECT_EQ(pxe43(r[0].msg)->discovery_control, 0x08);
}

TEST(ProxyDhcp, Non4011MessagesAndNonPxeOn4011AreIgnored) {
    Proxy p(menu_proxy());
    auto plain = plain_msg(DhcpMessageType::Request, 1);
    EXPECT_TRUE(p.send_4011(plain).empty());
    auto discover = pxe_msg(DhcpMessageType::Discover, 2);
    EXPECT_TRUE(p.send_4011(discover).empty());
}

TEST(ProxyDhcp, PortSixtySevenRequestNamingTheProxyGetsTheBootInformation) {
    Proxy p(proxy_config());
    auto rq = pxe_msg(DhcpMessageType::Request, 8);
    rq.set_option_ip(opt::kServerId, kServerIp);
    auto r = p.send(rq);
    ASSERT_EQ(r.size(), 1u);
    expect_common_rules(rq, r[0]);
    EXPECT_EQ(r[0].msg.message_type(), DhcpMessageType::Ack);
    EXPECT_TRUE(r[0].msg.yiaddr.is_zero());
    EXPECT_EQ(r[0].msg.file_field(), "pxelinux.0");
    EXPECT_FALSE(has(r[0].msg, opt::kLeaseTime));
    EXPECT_EQ(r[0].d.dst_ip, Ipv4Addr::broadcast());
    EXPECT_EQ(r[0].d.src_port, 67);
}
