// The PXE client machine against a scripted master, with a fake clock.

#include <gtest/gtest.h>

#include "client_test_util.hpp"

namespace pxecheck::client::test {
namespace {

using wire::DhcpMessageType;

struct Boot {
    FakeMaster master;
    Loop loop;
    std::unique_ptr<PxeClient> client;

    explicit Boot(ClientConfig cfg) : client(std::make_unique<PxeClient>(std::move(cfg))) {
        master.tftp.file = pattern(5000);
        loop.peer = [this](TimePoint now, const link::Datagram& d) { return master.handle(now, d); };
    }
    void go(TimePoint until = at_ms(600'000)) {
        client->start(loop.now);
        loop.run(*client, until);
    }
    const ClientOutcome& out() const { return client->outcome(); }
};

std::vector<double> times(const std::vector<std::pair<TimePoint, link::Datagram>>& v) {
    std::vector<double> t;
    for (const auto& [at, d] : v) t.push_back(secs(at));
    return t;
}

TEST(PxeClient, HealthyDhcpOnlyBootBios) {
    Boot r(config_for("bios"));
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    EXPECT_EQ(o.reached, ClientPhase::Done);
    EXPECT_TRUE(o.failure.empty());

    // PXE 2.1 ROM: DISCOVER at 0 and 4 s, offers collected through the 8 s
    // window, REQUEST at 12 s.
    EXPECT_EQ(times(r.loop.dhcp_sent(1)), (std::vector<double>{0.0, 4.0}));
    const auto reqs = r.loop.dhcp_sent(3);
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_DOUBLE_EQ(secs(reqs[0].first), 12.0);
    const auto req = decode(reqs[0].second);
    EXPECT_EQ(req.requested_address(), ip("192.168.14.10"));
    EXPECT_EQ(req.server_id(), ip("192.168.14.200"));
    EXPECT_EQ(req.secs, 4);  // the last DISCOVER's
    EXPECT_EQ(req.xid, decode(r.loop.dhcp_sent(1)[0].second).xid);
    EXPECT_EQ(reqs[0].second.dst_ip, Ipv4Addr::broadcast());

    ASSERT_EQ(o.offers.size(), 2u);  // one per DISCOVER
    EXPECT_EQ(o.chosen, 0u);
    EXPECT_FALSE(o.proxy);
    ASSERT_TRUE(o.ack);
    EXPECT_EQ(o.address, ip("192.168.14.10"));
    EXPECT_EQ(o.server_id, ip("192.168.14.200"));
    EXPECT_EQ(o.tftp_server, ip("192.168.14.200"));
    EXPECT_EQ(o.bootfile, "pxelinux.0");
    EXPECT_EQ(o.boot_info_from, "dhcp");
    EXPECT_EQ(o.xid, req.xid);
    EXPECT_EQ(o.started, TimePoint{});
    EXPECT_EQ(o.offered, at_ms(1));
    EXPECT_EQ(o.bound, at_ms(12'001));
    EXPECT_TRUE(o.boot_info && o.tftp_started && o.finished);
    EXPECT_FALSE(o.address_conflict);

    // The Intel-style ROM: a tsize-only RRQ from port n, then the download
    // with blksize 1456 from port n+1.
    ASSERT_TRUE(o.tftp_size_probe);
    EXPECT_EQ(o.tftp_size_probe->tsize, 5000u);
    const auto tf = r.loop.tftp_sent();
    ASSERT_GE(tf.size(), 4u);
    const auto rrq1 = tftp(tf[0].second);
    EXPECT_EQ(rrq1.options, (std::vector<wire::TftpOption>{{"tsize", "0"}}));
    EXPECT_EQ(tftp(tf[1].second).error_code, 8);
    const auto rrq2 = tftp(tf[2].second);
    EXPECT_EQ(rrq2.op(), wire::TftpOpcode::Rrq);
    EXPECT_EQ(rrq2.options, (std::vector<wire::TftpOption>{{"blksize", "1456"}}));
    EXPECT_EQ(tf[2].second.src_port, tf[0].second.src_port + 1);
    EXPECT_GE(tf[0].second.src_port, 49152);
    EXPECT_EQ(tf[0].second.src_ip, ip("192.168.14.10"));

    ASSERT_TRUE(o.tftp);
    EXPECT_EQ(o.tftp->status, TftpResult::Status::Complete);
    EXPECT_EQ(o.tftp->data, r.master.tftp.file);
    EXPECT_EQ(o.tftp->blksize, 1456u);

    // DHCPRELEASE: unicast to the server id, from the leased address.
    EXPECT_TRUE(o.released);
    const auto rel = r.loop.dhcp_sent(7);
    ASSERT_EQ(rel.size(), 1u);
    EXPECT_EQ(rel[0].second.dst_ip, ip("192.168.14.200"));
    EXPECT_EQ(rel[0].second.src_ip, ip("192.168.14.10"));
    EXPECT_EQ(rel[0].second.dst_port, 67);
    EXPECT_TRUE(rel[0].second.dst_mac.is_zero());
    const auto relm = decode(rel[0].second);
    EXPECT_EQ(relm.ciaddr, ip("192.168.14.10"));
    EXPECT_EQ(relm.server_id(), ip("192.168.14.200"));
    EXPECT_TRUE(wire::decode_dhcp(rel[0].second.payload).anomalies.empty());
    EXPECT_FALSE(r.client->bound_address());
}

TEST(PxeClient, IpxeTimingAsInTheIscCapture) {
    Boot r(config_for("ipxe"));
    r.go();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
    // ipxe-bios-isc-dhcpd-tftpd-hpa.pcap: DISCOVER at 0 and 1 s, REQUEST at
    // 3 s (no proxy offer: iPXE waits 2 s for one, checked at window ends).
    EXPECT_EQ(times(r.loop.dhcp_sent(1)), (std::vector<double>{0.0, 1.0}));
    ASSERT_EQ(r.loop.dhcp_sent(3).size(), 1u);
    EXPECT_DOUBLE_EQ(secs(r.loop.dhcp_sent(3)[0].first), 3.0);
    const auto rrq = tftp(r.loop.tftp_sent().at(0).second);
    EXPECT_EQ(rrq.options, (std::vector<wire::TftpOption>{{"blksize", "1432"}, {"tsize", "0"}}));
    EXPECT_FALSE(r.out().tftp_size_probe);
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(PxeClient, UefiSizeProbeThenWindowedDownload) {
    Boot r(config_for("uefi-x64"));
    r.master.tftp.file = pattern(50'000);
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    const auto tf = r.loop.tftp_sent();
    EXPECT_EQ(tftp(tf[0].second).options,
              (std::vector<wire::TftpOption>{{"tsize", "0"}, {"blksize", "1468"}, {"windowsize", "4"}}));
    EXPECT_EQ(tftp(tf[1].second).error_message, "User aborted the transfer");
    EXPECT_EQ(tftp(tf[2].second).options,
              (std::vector<wire::TftpOption>{{"blksize", "1468"}, {"windowsize", "4"}}));
    EXPECT_EQ(o.tftp->windowsize, 4u);
    EXPECT_EQ(o.tftp->data, r.master.tftp.file);
    // 35 blocks in windows of 4: ACK 0 and 9 window ACKs, not 36 ACKs.
    std::size_t acks = 0;
    for (std::size_t i = 3; i < tf.size(); ++i) acks += tftp(tf[i].second).op() == wire::TftpOpcode::Ack;
    EXPECT_EQ(acks, 1u + 9u);
    // EDK2 picks its offer at the end of the first 4 s window.
    EXPECT_DOUBLE_EQ(secs(r.loop.dhcp_sent(3).at(0).first), 4.0);
}

TEST(PxeClient, ProxyDhcpWithMenuAndBootServerOn4011) {
    Boot r(config_for("bios"));
    r.master.file = "";  // the DHCP server hands out addresses only
    r.master.siaddr = Ipv4Addr{};
    r.master.proxy = true;
    r.master.proxy_file = "boot";
    r.master.tftp.filename = "boot";
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    ASSERT_TRUE(o.proxy);
    EXPECT_TRUE(o.offers[*o.proxy].proxy);
    EXPECT_FALSE(o.offers[*o.chosen].proxy);
    EXPECT_EQ(o.boot_info_from, "bootserver-4011");
    ASSERT_TRUE(o.bootserver_ack);
    EXPECT_EQ(o.tftp_server, ip("192.168.14.201"));
    EXPECT_EQ(o.bootfile, "boot");
    EXPECT_EQ(o.tftp->data, r.master.tftp.file);

    // The REQUEST went to the address server only; the boot server request to
    // the proxy's 4011, from 4011, with 43.71 type 0x8000.
    const auto& bs = r.master.last_4011();
    EXPECT_EQ(bs.dst_port, 4011);
    EXPECT_EQ(bs.src_port, 4011);
    EXPECT_EQ(bs.dst_ip, ip("192.168.14.201"));
    const auto m = decode(bs);
    EXPECT_EQ(m.ciaddr, ip("192.168.14.10"));
    EXPECT_EQ(m.find(wire::opt::kRequestedAddress), nullptr);
    EXPECT_EQ(m.find(wire::opt::kServerId), nullptr);
    const auto pxe = wire::decode_pxe_options(*m.joined(wire::opt::kVendorSpecific));
    ASSERT_TRUE(pxe.value.boot_item);
    EXPECT_EQ(pxe.value.boot_item->type, 0x8000);
    EXPECT_EQ(pxe.value.boot_item->layer, 0);
    EXPECT_TRUE(pxe.anomalies.empty());
    for (std::uint8_t code : {60, 93, 94, 97}) EXPECT_NE(m.find(code), nullptr) << int(code);
}

TEST(PxeClient, BareProxyOfferMeansProxyRequestOn4011) {
    Boot r(config_for("uefi-x64"));
    r.master.file = "";
    r.master.siaddr = Ipv4Addr{};
    r.master.proxy = true;
    r.master.proxy_menu = false;  // only "PXEClient": PXE-017, it must answer on 4011
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    EXPECT_EQ(o.boot_info_from, "proxydhcp-4011");
    const auto& pr = r.master.last_4011();
    EXPECT_EQ(pr.dst_ip, ip("192.168.14.201"));
    EXPECT_EQ(pr.dst_port, 4011);
    EXPECT_EQ(decode(pr).find(wire::opt::kVendorSpecific), nullptr);  // no 43.71 without a menu
    // EDK2 takes a fresh xid for it.
    EXPECT_NE(decode(pr).xid, o.xid);
}

TEST(PxeClient, UnansweredBootServerRequestsFail) {
    Boot r(config_for("bios"));
    r.master.file = "";
    r.master.proxy = true;
    r.master.answer_4011 = false;
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.out().reached, ClientPhase::Failed);
    EXPECT_EQ(r.out().failed_in, ClientPhase::BootServer);
    EXPECT_EQ(r.out().failure,
              "no answer from boot server 192.168.14.201:4011 to 4 boot server REQUESTs (43.71 type 32768)");
    // 1, 2, 3, 4 s apart (PXE 2.1).
    std::vector<double> t;
    for (const auto& [at, d] : r.loop.sent) {
        if (d.dst_port == 4011) t.push_back(secs(at));
    }
    ASSERT_EQ(t.size(), 4u);
    EXPECT_NEAR(t[1] - t[0], 1.0, 1e-9);
    EXPECT_NEAR(t[2] - t[1], 2.0, 1e-9);
    EXPECT_NEAR(t[3] - t[2], 3.0, 1e-9);
    EXPECT_TRUE(r.out().released);  // the lease goes back even on failure
}

TEST(PxeClient, BroadcastDiscoveryWhen43_6Allows) {
    Boot r(config_for("bios"));
    r.master.file = "";
    r.master.proxy = true;
    r.master.discovery_control = 0;  // broadcast allowed
    r.loop.peer = [&](TimePoint now, const link::Datagram& d) {
        if (d.dst_port == 67 && dhcp_type(d) == 3 && !decode(d).ciaddr.is_zero()) return std::vector<link::Datagram>{};
        return r.master.handle(now, d);
    };
    r.go(at_ms(20'000));
    EXPECT_EQ(r.client->phase(), ClientPhase::BootServer);
    const auto& last = r.loop.sent.back().second;
    EXPECT_EQ(last.dst_ip, Ipv4Addr::broadcast());
    EXPECT_EQ(last.dst_port, 67);
    EXPECT_EQ(last.src_port, 68);
    EXPECT_EQ(decode(last).ciaddr, ip("192.168.14.10"));
    EXPECT_TRUE(decode(last).find(wire::opt::kVendorSpecific));
}

TEST(PxeClient, NakStartsOverWithDiscover) {
    Boot r(config_for("ipxe"));
    r.master.nak_first = 1;
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    EXPECT_EQ(o.naks, 1u);
    const auto reqs = r.loop.dhcp_sent(3);
    ASSERT_EQ(reqs.size(), 2u);
    // After the NAK a new DISCOVER with a fresh xid (RFC 2131 §4.1, MSG-010).
    const auto discs = r.loop.dhcp_sent(1);
    const auto nak_at = reqs[0].first;
    auto after = std::find_if(discs.begin(), discs.end(), [&](const auto& p) { return p.first > nak_at; });
    ASSERT_NE(after, discs.end());
    EXPECT_NE(decode(after->second).xid, decode(reqs[0].second).xid);
    EXPECT_EQ(decode(reqs[1].second).xid, decode(after->second).xid);
    EXPECT_EQ(o.xid, decode(after->second).xid);
    bool noted = false;
    for (const auto& n : o.notes) noted |= n.find("DHCPNAK") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(PxeClient, EndlessNaksFail) {
    Boot r(config_for("ipxe"));
    r.master.nak_first = 100;
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.out().naks, 5u);
    EXPECT_EQ(r.out().failure, "DHCP server 192.168.14.200 answered the REQUEST for 192.168.14.10 with NAK 5 times");
}

TEST(PxeClient, NoOfferRetriesOnTheProfileScheduleThenFails) {
    struct Case {
        const char* profile;
        std::vector<double> at;
        double fail_at;
        const char* text;
    };
    const Case cases[] = {
        {"bios", {0, 4, 12, 28}, 60, "no DHCP offer after 4 DISCOVERs in 60 s"},
        {"uefi-x64", {0, 4, 12, 28}, 60, "no DHCP offer after 4 DISCOVERs in 60 s"},
        {"ipxe", {0, 1, 3, 7}, 15, "no DHCP offer after 4 DISCOVERs in 15 s"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.profile);
        Boot r(config_for(c.profile));
        r.master.dhcp = false;
        r.go();
        EXPECT_EQ(times(r.loop.dhcp_sent(1)), c.at);
        EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
        EXPECT_EQ(r.out().reached, ClientPhase::Failed);
        EXPECT_EQ(r.out().failed_in, ClientPhase::Discovering);
        EXPECT_EQ(r.out().failure, c.text);
        EXPECT_DOUBLE_EQ(secs(*r.out().finished), c.fail_at);
        EXPECT_FALSE(r.out().released);  // nothing to release
        EXPECT_TRUE(r.loop.dhcp_sent(7).empty());
        // Retransmissions keep the xid.
        for (const auto& [t, d] : r.loop.dhcp_sent(1)) EXPECT_EQ(decode(d).xid, decode(r.loop.sent[0].second).xid);
    }
}

TEST(PxeClient, GiveUpBudgetCutsTheScheduleShort) {
    auto cfg = config_for("bios");
    cfg.dhcp_give_up = std::chrono::seconds(20);
    Boot r(cfg);
    r.master.dhcp = false;
    r.go();
    EXPECT_EQ(times(r.loop.dhcp_sent(1)), (std::vector<double>{0, 4, 12}));
    EXPECT_EQ(r.out().failure, "no DHCP offer after 3 DISCOVERs in 20 s");
}

TEST(PxeClient, OnlyProxyOffersFail) {
    Boot r(config_for("ipxe"));
    r.master.dhcp = false;
    r.master.proxy = true;
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.out().failure.rfind("only proxyDHCP offers and no address offer after 4 DISCOVERs in 15 s", 0), 0u)
        << r.out().failure;
}

TEST(PxeClient, FileWithoutServerFails) {
    Boot r(config_for("ipxe"));
    r.master.siaddr = Ipv4Addr{};  // dhcpd without next-server (PXE-030)
    r.go();
    const auto& o = r.out();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(o.failure, "the DHCP reply names pxelinux.0 but gives no TFTP server (siaddr 0.0.0.0, no option 66)");
    EXPECT_EQ(o.reached, ClientPhase::Failed);
    EXPECT_EQ(o.failed_in, ClientPhase::Probing);
    EXPECT_TRUE(r.loop.tftp_sent().empty());  // no RRQ at all, as iPXE ("Nothing to boot")
    EXPECT_TRUE(o.released);
}

TEST(PxeClient, Option66AsDottedAddressServes) {
    Boot r(config_for("ipxe"));
    r.master.siaddr = Ipv4Addr{};
    r.master.option66 = "192.168.14.200";
    r.go();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
    EXPECT_EQ(r.out().tftp_server, ip("192.168.14.200"));
}

TEST(PxeClient, Option66AsHostNameFails) {
    Boot r(config_for("ipxe"));
    r.master.siaddr = Ipv4Addr{};
    r.master.option66 = "tftp.example";
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_NE(r.out().failure.find("\"tftp.example\" (option 66) that is not a dotted address"), std::string::npos);
}

TEST(PxeClient, NoBootFileAnywhereFails) {
    Boot r(config_for("ipxe"));
    r.master.file = "";
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.out().failure.rfind("no reply names a boot file: the DHCP ACK from 192.168.14.200", 0), 0u)
        << r.out().failure;
}

TEST(PxeClient, WrongXidAndForeignChaddrOffersAreIgnored) {
    auto cfg = config_for("ipxe");
    Boot r(cfg);
    // Before the real offer: one for an older xid, one for another NIC.
    r.loop.peer = [&](TimePoint now, const link::Datagram& d) {
        auto out = r.master.handle(now, d);
        if (is_dhcp(d) && dhcp_type(d) == 1 && r.master.seen.size() == 1) {
            auto req = decode(d);
            auto stale = reply_to(req, DhcpMessageType::Offer, ip("192.168.14.66"));
            stale.xid = req.xid ^ 0x5a5a5a5a;
            stale.yiaddr = ip("192.168.14.99");
            stale.siaddr = ip("192.168.14.66");
            stale.set_file("evil.0");
            auto other = stale;
            other.xid = req.xid;
            other.set_client_mac(mac("02:00:00:00:00:99"));
            out.insert(out.begin(), dhcp_datagram(ip("192.168.14.66"), 67, 68, other));
            out.insert(out.begin(), dhcp_datagram(ip("192.168.14.66"), 67, 68, stale));
        }
        return out;
    };
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    EXPECT_EQ(o.ignored_replies, 2u);
    EXPECT_EQ(o.address, ip("192.168.14.10"));
    for (const auto& s : o.offers) EXPECT_NE(s.msg.yiaddr, ip("192.168.14.99"));
    ASSERT_GE(o.notes.size(), 2u);
    EXPECT_NE(o.notes[0].find("with xid"), std::string::npos);
    EXPECT_NE(o.notes[1].find("for another client"), std::string::npos);
}

TEST(PxeClient, ArpConflictIsRecordedAndTheBootGoesOn) {
    Boot r(config_for("ipxe"));
    r.loop.arp_conflict = mac("02:00:00:00:00:42");
    r.go();
    const auto& o = r.out();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << o.failure;
    EXPECT_EQ(o.address_conflict, mac("02:00:00:00:00:42"));
    bool noted = false;
    for (const auto& n : o.notes) noted |= n.find("answered by 02:00:00:00:00:42") != std::string::npos;
    EXPECT_TRUE(noted);
    EXPECT_EQ(o.tftp->status, TftpResult::Status::Complete);
}

TEST(PxeClient, ProbeRequestIsGivenOnceAndHasAFallback) {
    Boot r(config_for("ipxe"));
    r.loop.peer = [&](TimePoint now, const link::Datagram& d) { return r.master.handle(now, d); };
    r.client->start(TimePoint{});
    // Drive by hand, never answering the probe.
    Loop& l = r.loop;
    for (int i = 0; i < 100 && r.client->phase() != ClientPhase::Probing; ++i) {
        for (auto& d : r.client->take_output()) {
            for (auto& rep : r.master.handle(l.now, d)) r.client->on_datagram(l.now, rep);
        }
        if (r.client->phase() == ClientPhase::Probing) break;
        l.now = *r.client->next_deadline();
        r.client->on_timer(l.now);
    }
    ASSERT_EQ(r.client->phase(), ClientPhase::Probing);
    EXPECT_EQ(r.client->bound_address(), ip("192.168.14.10"));
    EXPECT_EQ(r.client->probe_request(), ip("192.168.14.10"));
    EXPECT_FALSE(r.client->probe_request());
    EXPECT_EQ(r.client->next_deadline(), l.now + PxeClient::kProbeFallback);
    r.client->on_timer(l.now + PxeClient::kProbeFallback);
    EXPECT_EQ(r.client->phase(), ClientPhase::Downloading);
}

TEST(PxeClient, UnansweredRequestsRetryOnScheduleThenStartOver) {
    Boot r(config_for("bios"));
    r.master.drop_requests = 4;
    r.go();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
    const auto reqs = times(r.loop.dhcp_sent(3));
    ASSERT_EQ(reqs.size(), 5u);
    // REQUEST at 12 s, then 1, 2, 3 s apart; 4 s after the last one the ROM
    // starts over (DISCOVER at 22 s) and gets the address on the next round.
    EXPECT_EQ((std::vector<double>{reqs[0], reqs[1], reqs[2], reqs[3]}), (std::vector<double>{12, 13, 15, 18}));
    const auto discs = times(r.loop.dhcp_sent(1));
    EXPECT_NE(std::find(discs.begin(), discs.end(), 22.0), discs.end());
}

TEST(PxeClient, PrefersAnAddressOfferWithBootInfoUnlessAProxyIsThere) {
    // Two DHCP servers: the first offers an address only, the second names a file.
    auto two_servers = [](Boot& r, bool with_proxy) {
        r.master.proxy = with_proxy;
        r.loop.peer = [&r](TimePoint now, const link::Datagram& d) {
            auto out = r.master.handle(now, d);
            if (is_dhcp(d) && dhcp_type(d) == 1) {
                const auto req = decode(d);
                auto plain = reply_to(req, DhcpMessageType::Offer, ip("192.168.14.1"));
                plain.yiaddr = ip("192.168.14.50");
                out.insert(out.begin(), dhcp_datagram(ip("192.168.14.1"), 67, 68, plain));
            }
            return out;
        };
    };
    {
        Boot r(config_for("ipxe"));
        r.master.proxy_menu = false;
        two_servers(r, false);
        r.go(at_ms(3'500));
        const auto& o = r.out();
        ASSERT_TRUE(o.chosen);
        EXPECT_EQ(o.offers[*o.chosen].msg.yiaddr, ip("192.168.14.10"));  // the one with pxelinux.0
        EXPECT_FALSE(o.proxy);
    }
    {
        Boot r(config_for("ipxe"));
        two_servers(r, true);
        r.go(at_ms(3'500));
        const auto& o = r.out();
        ASSERT_TRUE(o.chosen);
        EXPECT_EQ(o.offers[*o.chosen].msg.yiaddr, ip("192.168.14.50"));  // the first address offer
        ASSERT_TRUE(o.proxy);
    }
}

TEST(PxeClient, ConfiguredOfferWaitCountsFromTheFirstOffer) {
    auto cfg = config_for("bios");
    cfg.offer_wait = std::chrono::milliseconds(500);
    Boot r(cfg);
    r.go();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
    EXPECT_DOUBLE_EQ(secs(r.loop.dhcp_sent(3).at(0).first), 0.501);
}

TEST(PxeClient, TftpErrorFailsTheBootAndReleases) {
    Boot r(config_for("ipxe"));
    r.master.tftp.filename = "other.0";  // pxelinux.0 is missing
    r.go();
    const auto& o = r.out();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(o.reached, ClientPhase::Failed);
    EXPECT_EQ(o.failed_in, ClientPhase::Downloading);
    EXPECT_EQ(o.failure.rfind("TFTP download of pxelinux.0 from 192.168.14.200 failed: server 192.168.14.200:", 0), 0u)
        << o.failure;
    ASSERT_TRUE(o.tftp);
    EXPECT_EQ(o.tftp->error_code, 1);
    EXPECT_TRUE(o.released);
}

TEST(PxeClient, AbortDuringDownloadStopsTftpAndReleases) {
    Boot r(config_for("ipxe"));
    r.master.tftp.file = pattern(1'000'000);
    // Stop the world in the middle of the download.
    r.client->start(TimePoint{});
    r.loop.run(*r.client, at_ms(3'100));
    ASSERT_EQ(r.client->phase(), ClientPhase::Downloading);
    r.client->abort(r.loop.now);
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.out().failure, "aborted in phase downloading");
    auto out = r.client->take_output();
    bool tftp_error = false;
    bool release = false;
    for (const auto& d : out) {
        if (is_dhcp(d)) release |= dhcp_type(d) == 7;
        else tftp_error |= tftp(d).op() == wire::TftpOpcode::Error;
    }
    EXPECT_TRUE(tftp_error);
    EXPECT_TRUE(release);
    EXPECT_TRUE(r.out().released);
}

TEST(PxeClient, NoReleaseNoDownloadWhenConfigured) {
    auto cfg = config_for("ipxe");
    cfg.release = false;
    cfg.download = false;
    Boot r(cfg);
    r.go();
    ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
    EXPECT_TRUE(r.loop.tftp_sent().empty());
    EXPECT_TRUE(r.loop.dhcp_sent(7).empty());
    EXPECT_FALSE(r.out().released);
    EXPECT_EQ(r.out().bootfile, "pxelinux.0");
    EXPECT_EQ(r.client->bound_address(), ip("192.168.14.10"));
}

TEST(PxeClient, EveryMessageOfEveryProfileDecodesCleanly) {
    for (const auto& p : builtin_profiles()) {
        SCOPED_TRACE(p.name);
        Boot r(config_for(p.name));
        r.master.file = "";
        r.master.proxy = true;  // DISCOVER, REQUEST, boot server REQUEST, RELEASE
        r.go();
        ASSERT_EQ(r.client->phase(), ClientPhase::Done) << r.out().failure;
        std::size_t dhcp = 0;
        for (const auto& [t, d] : r.loop.sent) {
            if (!is_dhcp(d)) continue;
            ++dhcp;
            const auto dec = wire::decode_dhcp(d.payload);
            EXPECT_TRUE(dec.anomalies.empty()) << dec.anomalies.front().id << " in " << wire::summarize(dec.msg);
            EXPECT_GE(d.payload.size(), std::max(p.min_message_size, wire::kBootpMinSize));
            EXPECT_EQ(d.src_mac, r.client->config().mac);
        }
        EXPECT_GE(dhcp, 4u);
    }
}

TEST(PxeClient, SameSeedSameWire) {
    Boot a(config_for("bios", 7));
    Boot b(config_for("bios", 7));
    a.go();
    b.go();
    ASSERT_EQ(a.loop.sent.size(), b.loop.sent.size());
    for (std::size_t i = 0; i < a.loop.sent.size(); ++i) EXPECT_EQ(a.loop.sent[i].second.payload, b.loop.sent[i].second.payload);
    Boot c(config_for("bios", 8));
    c.go();
    EXPECT_NE(decode(c.loop.sent[0].second).xid, decode(a.loop.sent[0].second).xid);
}

}  // namespace
}  // namespace pxecheck::client::test
