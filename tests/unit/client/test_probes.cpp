// The active probes (--probe) against scripted masters: for each probe a
// master that passes and one that fails, with a fake clock.

#include <gtest/gtest.h>

#include <set>

#include "client_test_util.hpp"
#include "pxecheck/client/probes.hpp"

namespace pxecheck::client::test {
namespace {

using wire::DhcpMessageType;
using wire::TftpOpcode;

/// A boot with probes; `filter` sits between the client and the fake master
/// and can drop, change or add to what the master would do.
struct ProbeBoot {
    FakeMaster master;
    Loop loop;
    std::unique_ptr<PxeClient> client;
    /// (client datagram, what the master answers) -> what goes back.
    std::function<std::vector<link::Datagram>(const link::Datagram&, std::vector<link::Datagram>)> filter;
    /// Client datagrams the master never sees.
    std::function<bool(const link::Datagram&)> hide;

    ProbeBoot(std::vector<Probe> probes, const std::string& profile = "bios") {
        ClientConfig cfg = config_for(profile);
        cfg.probes = std::move(probes);
        client = std::make_unique<PxeClient>(std::move(cfg));
        master.tftp.file = pattern(20000);
        loop.peer = [this](TimePoint now, const link::Datagram& d) {
            if (hide && hide(d)) return std::vector<link::Datagram>{};
            auto r = master.handle(now, d);
            return filter ? filter(d, std::move(r)) : r;
        };
    }
    void go(TimePoint until = at_ms(600'000)) {
        client->start(loop.now);
        loop.run(*client, until);
    }
    const ClientOutcome& out() const { return client->outcome(); }
    const ProbeOutcome& probe(Probe p) const {
        for (const auto& x : out().probes) {
            if (x.probe == p) return x;
        }
        static const ProbeOutcome kNone{};
        ADD_FAILURE() << "no outcome for " << to_string(p);
        return kNone;
    }
    void expect_done() const { ASSERT_EQ(client->phase(), ClientPhase::Done) << out().failure; }
};

/// The TFTP datagrams the client sent, decoded.
std::vector<std::pair<link::Datagram, wire::TftpPacket>> tftp_sent(const Loop& loop) {
    std::vector<std::pair<link::Datagram, wire::TftpPacket>> v;
    for (const auto& [t, d] : loop.tftp_sent()) v.emplace_back(d, tftp(d));
    return v;
}

bool has_option(const std::vector<wire::TftpOption>& o, std::string_view name) {
    return std::any_of(o.begin(), o.end(), [&](const auto& x) { return x.name == name; });
}

// --- catalogue and names -------------------------------------------------------------

TEST(Probes, NamesRulesAndOrder) {
    const auto specs = probe_specs();
    ASSERT_EQ(specs.size(), 6u);
    std::set<std::string_view> names;
    for (const auto& s : specs) {
        names.insert(s.name);
        EXPECT_EQ(parse_probe(s.name), s.probe);
        EXPECT_EQ(to_string(s.probe), s.name);
        EXPECT_FALSE(s.summary.empty());
    }
    EXPECT_EQ(names.size(), 6u);
    EXPECT_EQ(spec_of(Probe::ForeignServerId).rule, "MSG-006");
    EXPECT_EQ(spec_of(Probe::UnknownTftpOption).rule, "TFTP-014");
    EXPECT_EQ(spec_of(Probe::DuplicateAck).rule, "TFTP-009");
    EXPECT_EQ(spec_of(Probe::NonPxeDiscover).rule, "PXE-016");
    EXPECT_EQ(spec_of(Probe::Probe4011).rule, "PXE-017");
    EXPECT_EQ(spec_of(Probe::TftpForeignTid).rule, "TFTP-005");
    EXPECT_FALSE(parse_probe("all"));
    EXPECT_FALSE(parse_probe("list"));
    EXPECT_EQ(to_string(ProbeResult::NotApplicable), "not-applicable");
}

TEST(Probes, NoProbesNoOutcomes) {
    ProbeBoot r({});
    r.go();
    r.expect_done();
    EXPECT_TRUE(r.out().probes.empty());
    for (const auto& [d, p] : tftp_sent(r.loop)) EXPECT_FALSE(has_option(p.options, "pxecheck-probe"));
}

// --- foreign-server-id (MSG-006) ----------------------------------------------------

TEST(Probes, ForeignServerIdSilenceThenFreshRound) {
    ProbeBoot r({Probe::ForeignServerId});
    // A master that obeys RFC 2131 §4.3.2: a REQUEST naming another server
    // is a decline, no answer.
    r.hide = [&](const link::Datagram& d) {
        const auto m = decode(d);
        return d.dst_port == 67 && m.message_type() == DhcpMessageType::Request && m.server_id() != r.master.server;
    };
    r.go();
    r.expect_done();
    const auto reqs = r.loop.dhcp_sent(3);
    ASSERT_EQ(reqs.size(), 2u);
    const auto probe_req = decode(reqs[0].second);
    const auto real_req = decode(reqs[1].second);
    EXPECT_EQ(probe_req.server_id(), ip("192.0.2.1"));
    EXPECT_EQ(probe_req.requested_address(), ip("192.168.14.10"));
    EXPECT_EQ(reqs[0].second.dst_ip, Ipv4Addr::broadcast());
    // The probe REQUEST is the SELECTING REQUEST of the first round (same
    // xid as its DISCOVER); the boot then starts over with a fresh xid.
    const auto discovers = r.loop.dhcp_sent(1);
    EXPECT_EQ(probe_req.xid, decode(discovers.front().second).xid);
    EXPECT_NE(real_req.xid, probe_req.xid);
    EXPECT_EQ(real_req.server_id(), ip("192.168.14.200"));
    EXPECT_EQ(decode(discovers.back().second).xid, real_req.xid);
    // One request timeout (bios: 1 s) after the probe REQUEST comes the new DISCOVER.
    auto after = std::find_if(discovers.begin(), discovers.end(),
                              [&](const auto& x) { return decode(x.second).xid == real_req.xid; });
    ASSERT_NE(after, discovers.end());
    EXPECT_DOUBLE_EQ(secs(after->first) - secs(reqs[0].first), 1.0);

    const auto& p = r.probe(Probe::ForeignServerId);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_TRUE(p.faults.empty());
    EXPECT_EQ(p.xid, probe_req.xid);
    EXPECT_NE(p.detail.find("192.0.2.1"), std::string::npos) << p.detail;
    EXPECT_EQ(r.out().xid, real_req.xid);
}

TEST(Probes, ForeignServerIdAckedFails) {
    ProbeBoot r({Probe::ForeignServerId});  // FakeMaster ACKs every REQUEST
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::ForeignServerId);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "MSG-006");
    EXPECT_FALSE(p.faults[0].breaks_boot);
    EXPECT_NE(p.faults[0].detail.find("DHCPACK from 192.168.14.200"), std::string::npos) << p.faults[0].detail;
    EXPECT_NE(p.faults[0].detail.find("54 = 192.0.2.1"), std::string::npos) << p.faults[0].detail;
    // The ACK to the probe is not taken as the lease: the boot still goes
    // through its own REQUEST with a fresh xid.
    EXPECT_EQ(r.loop.dhcp_sent(3).size(), 2u);
    EXPECT_NE(r.out().xid, *p.xid);
}

TEST(Probes, ForeignServerIdNakedFails) {
    ProbeBoot r({Probe::ForeignServerId});
    r.filter = [&](const link::Datagram& d, std::vector<link::Datagram> replies) {
        const auto m = decode(d);
        if (d.dst_port == 67 && m.message_type() == DhcpMessageType::Request && m.server_id() != r.master.server) {
            auto nak = reply_to(m, DhcpMessageType::Nak, r.master.server);
            nak.set_option(wire::opt::kMessage, std::string_view("wrong server-ID"));
            return std::vector<link::Datagram>{dhcp_datagram(r.master.server, 67, 68, nak)};
        }
        return replies;
    };
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::ForeignServerId);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_NE(p.faults[0].detail.find("DHCPNAK from 192.168.14.200"), std::string::npos) << p.faults[0].detail;
    EXPECT_NE(p.faults[0].detail.find("\"wrong server-ID\""), std::string::npos);
    EXPECT_EQ(r.out().naks, 0u);  // a NAK to the probe is no NAK of the boot
}

TEST(Probes, ForeignServerIdWithoutOffersIsNotApplicable) {
    ProbeBoot r({Probe::ForeignServerId});
    r.master.dhcp = false;
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    EXPECT_EQ(r.probe(Probe::ForeignServerId).result, ProbeResult::NotApplicable);
    EXPECT_TRUE(r.loop.dhcp_sent(3).empty());
}

// --- non-pxe-discover (PXE-016) ------------------------------------------------------

TEST(Probes, NonPxeDiscoverIgnoredByTheProxyPasses) {
    ProbeBoot r({Probe::NonPxeDiscover});
    r.master.file = "";
    r.master.proxy = true;
    // A proxy that answers only PXEClient DISCOVERs; the DHCP server
    // answers everyone.
    r.filter = [&](const link::Datagram& d, std::vector<link::Datagram> replies) {
        if (d.dst_port != 67 || decode(d).find(wire::opt::kVendorClass)) return replies;
        std::erase_if(replies, [&](const link::Datagram& x) { return x.src_ip == r.master.proxy_ip; });
        return replies;
    };
    r.go();
    r.expect_done();
    const auto discovers = r.loop.dhcp_sent(1);
    ASSERT_GE(discovers.size(), 2u);
    const auto plain = decode(discovers[0].second);
    for (std::uint8_t code : {60, 93, 94, 97}) EXPECT_EQ(plain.find(code), nullptr) << int(code);
    EXPECT_EQ(plain.client_mac(), mac("52:54:00:12:34:56"));
    const auto pxe = decode(discovers[1].second);
    EXPECT_NE(pxe.find(60), nullptr);
    EXPECT_NE(plain.xid, pxe.xid);
    // The PXE boot starts 100 ms after the DHCP server's offer to the plain
    // DISCOVER, which arrives 1 ms after it.
    EXPECT_NEAR(secs(discovers[1].first) - secs(discovers[0].first), 0.101, 1e-9);
    EXPECT_EQ(pxe.secs, 0);  // the PXE boot's clock starts at its own DISCOVER

    const auto& p = r.probe(Probe::NonPxeDiscover);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_EQ(p.xid, plain.xid);
    EXPECT_NE(p.detail.find("proxyDHCP 192.168.14.201 answered the PXE DISCOVER"), std::string::npos) << p.detail;
    EXPECT_NE(p.detail.find("1 ordinary answer(s)"), std::string::npos) << p.detail;
    // Its answers are the probe's, not offers of the boot.
    for (const auto& o : r.out().offers) EXPECT_NE(o.msg.xid, plain.xid);
}

TEST(Probes, NonPxeDiscoverAnsweredByTheProxyFails) {
    ProbeBoot r({Probe::NonPxeDiscover});
    r.master.file = "";
    r.master.proxy = true;  // FakeMaster's proxy answers every DISCOVER
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::NonPxeDiscover);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "PXE-016");
    EXPECT_NE(p.faults[0].detail.find("192.168.14.201"), std::string::npos) << p.faults[0].detail;
}

TEST(Probes, NonPxeDiscoverUnansweredWaitsTwoSeconds) {
    ProbeBoot r({Probe::NonPxeDiscover});
    r.hide = [](const link::Datagram& d) { return d.dst_port == 67 && !decode(d).find(wire::opt::kVendorClass); };
    r.go();
    r.expect_done();
    const auto discovers = r.loop.dhcp_sent(1);
    ASSERT_GE(discovers.size(), 2u);
    EXPECT_DOUBLE_EQ(secs(discovers[1].first) - secs(discovers[0].first), 2.0);
    EXPECT_EQ(r.probe(Probe::NonPxeDiscover).result, ProbeResult::NotApplicable);
    EXPECT_NE(r.probe(Probe::NonPxeDiscover).detail.find("no other answer"), std::string::npos);
}

TEST(Probes, NonPxeDiscoverWithoutProxyIsNotApplicable) {
    ProbeBoot r({Probe::NonPxeDiscover});
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::NonPxeDiscover);
    EXPECT_EQ(p.result, ProbeResult::NotApplicable) << p.detail;
    EXPECT_TRUE(p.faults.empty());
}

// --- probe-4011 (PXE-017) ------------------------------------------------------------

TEST(Probes, Probe4011EvaluatesTheBootsOwnProxyRequest) {
    ProbeBoot r({Probe::Probe4011});
    r.master.file = "";
    r.master.siaddr = Ipv4Addr{};
    r.master.proxy = true;
    r.master.proxy_menu = false;  // bare PXEClient: the boot itself asks 4011
    r.go();
    r.expect_done();
    std::size_t to_4011 = 0;
    for (const auto& [t, d] : r.loop.sent) to_4011 += d.dst_port == 4011;
    EXPECT_EQ(to_4011, 1u);  // no extra REQUEST: the normal flow is the probe
    const auto& p = r.probe(Probe::Probe4011);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_EQ(p.servers, std::vector<Ipv4Addr>{ip("192.168.14.201")});
    EXPECT_NE(p.detail.find("DHCPACK from 192.168.14.201:4011"), std::string::npos) << p.detail;
}

TEST(Probes, Probe4011SilentProxyFails) {
    ProbeBoot r({Probe::Probe4011});
    r.master.file = "";
    r.master.siaddr = Ipv4Addr{};
    r.master.proxy = true;
    r.master.proxy_menu = false;
    r.master.answer_4011 = false;
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    const auto& p = r.probe(Probe::Probe4011);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "PXE-017");
    EXPECT_NE(p.faults[0].detail.find("no answer to 4 REQUEST(s)"), std::string::npos) << p.faults[0].detail;
}

/// A second server (a BINL-style one) whose OFFER says PXEClient with no
/// file: the boot takes the other offer, which names a file, so only the
/// probe asks the second server on 4011.
struct BinlBoot : ProbeBoot {
    Ipv4Addr binl = ip("192.168.14.202");
    bool binl_answers = true;
    std::size_t binl_requests = 0;

    BinlBoot() : ProbeBoot({Probe::Probe4011}) {
        filter = [this](const link::Datagram& d, std::vector<link::Datagram> replies) {
            const auto m = decode(d);
            if (d.dst_port == 67 && m.message_type() == DhcpMessageType::Discover) {
                auto o = reply_to(m, DhcpMessageType::Offer, binl);
                o.yiaddr = ip("192.168.14.11");
                o.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
                replies.push_back(dhcp_datagram(binl, 67, 68, o));
            }
            if (d.dst_port == 4011 && d.dst_ip == binl) {
                ++binl_requests;
                if (binl_answers) {
                    auto a = reply_to(m, DhcpMessageType::Ack, binl);
                    a.siaddr = binl;
                    a.set_file("binl.0");
                    a.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
                    a.finish();
                    replies.push_back(datagram(binl, 4011, m.ciaddr, d.src_port, wire::encode_dhcp(a)));
                }
            }
            return replies;
        };
    }
};

TEST(Probes, Probe4011AsksAServerTheBootPassesBy) {
    BinlBoot r;
    r.go();
    r.expect_done();
    EXPECT_EQ(r.out().bootfile, "pxelinux.0");  // the boot itself is unchanged
    EXPECT_EQ(r.binl_requests, 1u);
    const auto& p = r.probe(Probe::Probe4011);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_NE(p.detail.find("file \"binl.0\""), std::string::npos) << p.detail;
    // The probe REQUEST: from the bound address, to 4011, ciaddr set.
    for (const auto& [t, d] : r.loop.sent) {
        if (d.dst_port != 4011) continue;
        EXPECT_EQ(d.src_ip, ip("192.168.14.10"));
        EXPECT_EQ(decode(d).ciaddr, ip("192.168.14.10"));
        EXPECT_NE(decode(d).find(60), nullptr);
    }
}

TEST(Probes, Probe4011SilentServerFailsButTheBootGoesOn) {
    BinlBoot r;
    r.binl_answers = false;
    r.go();
    r.expect_done();
    EXPECT_EQ(r.binl_requests, 4u);  // the bios schedule: 1, 2, 3, 4 s
    const auto& p = r.probe(Probe::Probe4011);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_NE(p.faults[0].detail.find("192.168.14.202:4011"), std::string::npos) << p.faults[0].detail;
    ASSERT_TRUE(r.out().tftp);
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(Probes, Probe4011WithoutBarePxeRepliesIsNotApplicable) {
    ProbeBoot r({Probe::Probe4011});
    r.go();
    r.expect_done();
    EXPECT_EQ(r.probe(Probe::Probe4011).result, ProbeResult::NotApplicable);
    for (const auto& [t, d] : r.loop.sent) EXPECT_NE(d.dst_port, 4011);
}

// --- unknown-tftp-option (TFTP-014, TFTP-013) ---------------------------------------

TEST(Probes, UnknownTftpOptionDroppedPasses) {
    ProbeBoot r({Probe::UnknownTftpOption});
    r.go();
    r.expect_done();
    // bios: the tsize query stays as the firmware sends it; the download
    // RRQ carries the unknown option.
    const auto sent = tftp_sent(r.loop);
    std::vector<wire::TftpPacket> rrqs;
    for (const auto& [d, p] : sent) {
        if (p.op() == TftpOpcode::Rrq) rrqs.push_back(p);
    }
    ASSERT_EQ(rrqs.size(), 2u);
    EXPECT_FALSE(has_option(rrqs[0].options, "pxecheck-probe"));
    EXPECT_EQ(rrqs[1].options.back(), (wire::TftpOption{"pxecheck-probe", "1"}));
    const auto& p = r.probe(Probe::UnknownTftpOption);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_NE(p.detail.find("OACK blksize=1456 without it"), std::string::npos) << p.detail;
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(Probes, UnknownTftpOptionIgnoredWithData1Passes) {
    ProbeBoot r({Probe::UnknownTftpOption}, "ipxe");
    r.master.tftp.oack = false;
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::UnknownTftpOption);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_NE(p.detail.find("DATA 1"), std::string::npos) << p.detail;
}

TEST(Probes, UnknownTftpOptionRefusedWithError8Fails) {
    ProbeBoot r({Probe::UnknownTftpOption}, "ipxe");
    std::uint16_t port = 41000;
    r.filter = [&](const link::Datagram& d, std::vector<link::Datagram> replies) {
        const auto p = tftp(d);
        if (d.dst_port == 69 && p.op() == TftpOpcode::Rrq && has_option(p.options, "pxecheck-probe")) {
            return std::vector<link::Datagram>{datagram(d.dst_ip, port++, d.src_ip, d.src_port,
                                                        wire::encode_tftp(wire::make_error(
                                                            wire::TftpErrorCode::OptionRefused, "unknown option")))};
        }
        return replies;
    };
    r.go();
    r.expect_done();  // the retry without options gets the file
    EXPECT_TRUE(r.out().tftp->retried_without_options);
    const auto& p = r.probe(Probe::UnknownTftpOption);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "TFTP-014");
    EXPECT_NE(p.faults[0].detail.find("ERROR 8"), std::string::npos) << p.faults[0].detail;
    EXPECT_NE(p.faults[0].detail.find("\"unknown option\""), std::string::npos);
    EXPECT_EQ(p.client_port, r.out().tftp->first_port);
}

TEST(Probes, UnknownTftpOptionEchoedFailsTftp013) {
    ProbeBoot r({Probe::UnknownTftpOption}, "ipxe");
    r.filter = [&](const link::Datagram& d, std::vector<link::Datagram> replies) {
        const auto p = tftp(d);
        if (d.dst_port != 69 || !has_option(p.options, "pxecheck-probe")) return replies;
        for (auto& x : replies) {
            auto pkt = tftp(x);
            if (pkt.op() != TftpOpcode::Oack) continue;
            pkt.options.push_back({"pxecheck-probe", "1"});
            x.payload = wire::encode_tftp(pkt);
        }
        return replies;
    };
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::UnknownTftpOption);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "TFTP-013");
}

// --- duplicate-ack (TFTP-009) -------------------------------------------------------

/// Lets a TFTP server answer only the first ACK of each block, as RFC 1123
/// §4.2.3.1 wants (the FakeTftp itself sends the next window on every ACK:
/// the Sorcerer's Apprentice).
std::function<bool(const link::Datagram&)> hide_duplicate_acks() {
    auto seen = std::make_shared<std::set<std::pair<std::uint16_t, std::uint16_t>>>();
    return [seen](const link::Datagram& d) {
        if (d.dst_port == 67 || d.dst_port == 4011 || d.dst_port == 69) return false;
        const auto p = tftp(d);
        if (p.op() != TftpOpcode::Ack) return false;
        return !seen->insert({d.src_port, p.block}).second;
    };
}

TEST(Probes, DuplicateAckFixedServerPasses) {
    ProbeBoot r({Probe::DuplicateAck});
    r.hide = hide_duplicate_acks();
    r.go();
    r.expect_done();
    // 20000 octets at blksize 1456: 14 blocks, each ACKed twice.
    std::map<std::uint16_t, int> acks;
    for (const auto& [d, p] : tftp_sent(r.loop)) {
        if (p.op() == TftpOpcode::Ack && p.block > 0) ++acks[p.block];
    }
    ASSERT_EQ(acks.size(), 14u);
    for (const auto& [b, n] : acks) EXPECT_EQ(n, 2) << "block " << b;
    const auto& p = r.probe(Probe::DuplicateAck);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_EQ(r.out().tftp->duplicate_acks_sent, 14u);
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(Probes, DuplicateAckSorcerersApprenticeFails) {
    ProbeBoot r({Probe::DuplicateAck});  // FakeTftp resends on every ACK
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::DuplicateAck);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "TFTP-009");
    EXPECT_EQ(p.blocks.front(), 2);  // the duplicate ACK 1 brought DATA 2 twice
    EXPECT_NE(p.faults[0].detail.find("DATA 2 came again 0 ms after"), std::string::npos) << p.faults[0].detail;
    // Once shown, the doubling stops, so the resends do not grow: ACK 1 and
    // ACK 2 (sent before the second DATA 2 came) were doubled, no more.
    EXPECT_EQ(r.out().tftp->duplicate_acks_sent, 2u);
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(Probes, DuplicateAckTimeoutResendsAreNotProvoked) {
    ProbeBoot r({Probe::DuplicateAck});
    r.hide = hide_duplicate_acks();
    // The server's DATA 3 is resent after a 1 s timeout (its first copy
    // "lost" for the server's purposes only: both arrive).
    r.filter = [&](const link::Datagram&, std::vector<link::Datagram> replies) {
        for (const auto& x : replies) {
            const auto p = tftp(x);
            if (p.op() == TftpOpcode::Data && p.block == 3) r.loop.inbox.push_back({r.loop.now + 1s, x});
        }
        return replies;
    };
    r.go();
    r.expect_done();
    EXPECT_EQ(r.out().tftp->provoked_repeats, 0u);
    EXPECT_EQ(r.probe(Probe::DuplicateAck).result, ProbeResult::Pass) << r.probe(Probe::DuplicateAck).detail;
}

TEST(Probes, DuplicateAckOnWindowedTransferIsNotApplicable) {
    ProbeBoot r({Probe::DuplicateAck}, "uefi-x64");  // windowsize 4
    r.go();
    r.expect_done();
    EXPECT_EQ(r.out().tftp->windowsize, 4u);
    EXPECT_EQ(r.out().tftp->duplicate_acks_sent, 0u);
    EXPECT_EQ(r.probe(Probe::DuplicateAck).result, ProbeResult::NotApplicable);
}

// --- tftp-foreign-tid (TFTP-005) ----------------------------------------------------

TEST(Probes, TftpForeignTidError5Passes) {
    ProbeBoot r({Probe::TftpForeignTid}, "ipxe");
    std::vector<link::Datagram> strays;
    r.hide = [&](const link::Datagram& d) {
        auto it = r.master.tftp.by_server_port.find(d.dst_port);
        if (d.dst_port == 69 || it == r.master.tftp.by_server_port.end()) return false;
        if (d.src_port == it->second.client_port) return false;
        strays.push_back(d);
        r.loop.inbox.push_back({r.loop.now + 1ms, datagram(d.dst_ip, d.dst_port, d.src_ip, d.src_port,
                                                           wire::encode_tftp(wire::make_error(
                                                               wire::TftpErrorCode::UnknownTid, "Unknown TID")))});
        return true;
    };
    r.go();
    r.expect_done();
    ASSERT_EQ(strays.size(), 1u);
    const auto stray = tftp(strays[0]);
    EXPECT_EQ(stray.op(), TftpOpcode::Ack);
    EXPECT_EQ(stray.block, 1);  // the ACK of the first DATA block, again
    const auto& p = r.probe(Probe::TftpForeignTid);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_EQ(p.probe_port, strays[0].src_port);
    EXPECT_NE(p.probe_port, p.client_port);
    EXPECT_NE(p.detail.find("answered ERROR 5 \"Unknown TID\""), std::string::npos) << p.detail;
    EXPECT_NE(p.detail.find("went on to complete"), std::string::npos) << p.detail;
    // The client never answers the ERROR on the stray port.
    for (const auto& [d, pk] : tftp_sent(r.loop)) {
        if (d.src_port == p.probe_port) {
            EXPECT_EQ(pk.op(), TftpOpcode::Ack);
        }
    }
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
}

TEST(Probes, TftpForeignTidIgnoredPasses) {
    ProbeBoot r({Probe::TftpForeignTid}, "ipxe");
    r.hide = [&](const link::Datagram& d) {
        auto it = r.master.tftp.by_server_port.find(d.dst_port);
        return d.dst_port != 69 && it != r.master.tftp.by_server_port.end() && d.src_port != it->second.client_port;
    };
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::TftpForeignTid);
    EXPECT_EQ(p.result, ProbeResult::Pass) << p.detail;
    EXPECT_NE(p.detail.find("no answer to that port (ignored)"), std::string::npos) << p.detail;
}

TEST(Probes, TftpForeignTidAbortingTheTransferFails) {
    ProbeBoot r({Probe::TftpForeignTid}, "ipxe");
    r.hide = [&](const link::Datagram& d) {
        auto it = r.master.tftp.by_server_port.find(d.dst_port);
        if (d.dst_port == 69 || it == r.master.tftp.by_server_port.end()) return false;
        auto& s = it->second;
        if (d.src_port == s.client_port) return false;
        // A confused server: ends the real transfer with an ERROR.
        s.closed = true;
        r.loop.inbox.push_back({r.loop.now + 1ms, datagram(s.server, s.port, s.client, s.client_port,
                                                           wire::encode_tftp(wire::make_error(
                                                               wire::TftpErrorCode::UnknownTid, "Unknown TID")))});
        return true;
    };
    r.go();
    EXPECT_EQ(r.client->phase(), ClientPhase::Failed);
    const auto& p = r.probe(Probe::TftpForeignTid);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "TFTP-005");
    EXPECT_TRUE(p.faults[0].breaks_boot);
    EXPECT_NE(p.faults[0].detail.find("the transfer ended"), std::string::npos) << p.faults[0].detail;
}

TEST(Probes, TftpForeignTidDataToTheStrayPortFails) {
    ProbeBoot r({Probe::TftpForeignTid}, "ipxe");
    r.hide = [&](const link::Datagram& d) {
        auto it = r.master.tftp.by_server_port.find(d.dst_port);
        if (d.dst_port == 69 || it == r.master.tftp.by_server_port.end()) return false;
        const auto& s = it->second;
        if (d.src_port == s.client_port) return false;
        // A server that answers whoever wrote last.
        r.loop.inbox.push_back({r.loop.now + 1ms, datagram(s.server, s.port, d.src_ip, d.src_port,
                                                           wire::encode_tftp(wire::make_data(2, Bytes(1432, 0))))});
        return true;
    };
    r.go();
    r.expect_done();
    const auto& p = r.probe(Probe::TftpForeignTid);
    EXPECT_EQ(p.result, ProbeResult::Fail);
    ASSERT_EQ(p.faults.size(), 1u);
    EXPECT_EQ(p.faults[0].rule, "TFTP-005");
    EXPECT_FALSE(p.faults[0].breaks_boot);
    EXPECT_NE(p.faults[0].detail.find("DATA 2"), std::string::npos) << p.faults[0].detail;
}

// --- all at once ----------------------------------------------------------------------

TEST(Probes, AllProbesOnAWellBehavedMaster) {
    std::vector<Probe> all;
    for (const auto& s : probe_specs()) all.push_back(s.probe);
    ProbeBoot r(all);
    r.hide = [&, dup = hide_duplicate_acks()](const link::Datagram& d) {
        const auto m = decode(d);
        if (d.dst_port == 67 && m.message_type() == DhcpMessageType::Request && m.server_id() != r.master.server)
            return true;
        auto it = r.master.tftp.by_server_port.find(d.dst_port);
        if (d.dst_port != 69 && it != r.master.tftp.by_server_port.end() && d.src_port != it->second.client_port)
            return true;
        return dup(d);
    };
    r.go();
    r.expect_done();
    ASSERT_EQ(r.out().probes.size(), 6u);
    // In boot order, as probe_specs lists them.
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(r.out().probes[i].probe, probe_specs()[i].probe);
    EXPECT_EQ(r.probe(Probe::NonPxeDiscover).result, ProbeResult::NotApplicable);
    EXPECT_EQ(r.probe(Probe::ForeignServerId).result, ProbeResult::Pass);
    EXPECT_EQ(r.probe(Probe::Probe4011).result, ProbeResult::NotApplicable);
    EXPECT_EQ(r.probe(Probe::UnknownTftpOption).result, ProbeResult::Pass);
    EXPECT_EQ(r.probe(Probe::DuplicateAck).result, ProbeResult::Pass) << r.probe(Probe::DuplicateAck).detail;
    EXPECT_EQ(r.probe(Probe::TftpForeignTid).result, ProbeResult::Pass);
    EXPECT_EQ(r.out().tftp->data, r.master.tftp.file);
    EXPECT_TRUE(r.out().released);
}

}  // namespace
}  // namespace pxecheck::client::test
