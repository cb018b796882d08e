// profile_from_discover on the real firmware DISCOVERs of captures/: the NIC
// rebuilt from a DISCOVER sends the same options in the same order with the
// same values (only xid and secs differ), its REQUEST follows the firmware's
// REQUEST order, and the captured RRQ options come back.

#include <gtest/gtest.h>

#include <filesystem>

#include "client_test_util.hpp"
#include "pxecheck/client/from_capture.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::client::test {
namespace {

using wire::DhcpMessage;
using wire::DhcpMessageType;

struct Captured {
    std::string name;
    std::optional<DhcpMessage> discover;  ///< the first firmware (PXEClient) DISCOVER
    std::optional<DhcpMessage> request;   ///< the first SELECTING REQUEST with its xid
};

bool pxe_client(const DhcpMessage& m) {
    const auto vc = m.text_option(wire::opt::kVendorClass);
    return vc && vc->rfind("PXEClient", 0) == 0;
}

Captured read(const std::filesystem::path& path, bool pxe_only = true) {
    Captured c;
    c.name = path.filename().string();
    auto reader = link::PcapReader::open(path.string());
    EXPECT_TRUE(reader.ok()) << path;
    if (!reader) return c;
    while (auto f = (*reader)->next()) {
        const auto fr = link::decode_frame((*reader)->linktype(), f->data);
        if (!fr.udp || fr.udp->src_port != 68 || fr.udp->dst_port != 67) continue;
        const auto dec = wire::decode_dhcp(fr.udp->payload);
        if (!dec.header_complete || dec.msg.op != 1 || (pxe_only && !pxe_client(dec.msg))) continue;
        const auto type = dec.msg.message_type();
        if (type == DhcpMessageType::Discover && !c.discover) c.discover = dec.msg;
        if (type == DhcpMessageType::Request && c.discover && !c.request && dec.msg.xid == c.discover->xid &&
            dec.msg.server_id())
            c.request = dec.msg;
    }
    return c;
}

std::vector<Captured> all_captures() {
    std::vector<Captured> v;
    const std::filesystem::path dir = std::filesystem::path(PXECHECK_SOURCE_DIR) / "captures";
    std::vector<std::filesystem::path> files;
    for (const auto& sub : {dir, dir / "public"}) {
        for (const auto& e : std::filesystem::directory_iterator(sub)) {
            const auto ext = e.path().extension().string();
            if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        auto c = read(f);
        if (c.discover) v.push_back(std::move(c));
    }
    return v;
}

/// Options as (code, value) in wire order, PAD and END left out.
std::vector<std::pair<int, std::string>> options_of(const DhcpMessage& m) {
    std::vector<std::pair<int, std::string>> v;
    for (const auto& o : m.options) {
        if (o.code == wire::opt::kPad || o.code == wire::opt::kEnd) continue;
        v.emplace_back(o.code, to_hex(ByteView(o.data.data(), o.data.size())));
    }
    return v;
}

std::vector<int> codes_of(const DhcpMessage& m) {
    std::vector<int> v;
    for (const auto& [c, value] : options_of(m)) v.push_back(c);
    return v;
}

DhcpMessage first_sent(PxeClient& c) {
    c.start(TimePoint{});
    auto out = c.take_output();
    EXPECT_FALSE(out.empty());
    return out.empty() ? DhcpMessage{} : decode(out.front());
}

/// Drives \p c with one OFFER of \p yiaddr from \p server until it REQUESTs.
std::optional<DhcpMessage> request_after_offer(PxeClient& c, const DhcpMessage& discover, Ipv4Addr server,
                                               Ipv4Addr yiaddr) {
    auto offer = reply_to(discover, DhcpMessageType::Offer, server);
    offer.yiaddr = yiaddr;
    offer.siaddr = server;
    offer.set_file("pxelinux.0");
    TimePoint now = at_ms(5);
    c.on_datagram(now, dhcp_datagram(server, 67, 68, offer));
    for (int i = 0; i < 64; ++i) {
        for (const auto& d : c.take_output()) {
            if (is_dhcp(d) && dhcp_type(d) == static_cast<int>(DhcpMessageType::Request)) return decode(d);
        }
        const auto next = c.next_deadline();
        if (!next) break;
        now = std::max(now, *next);
        c.on_timer(now);
    }
    return std::nullopt;
}

TEST(ProfileFromCapture, EveryLabCaptureHasAFirmwareDiscover) {
    // Every lab capture of real firmware (named after it) on disk...
    const auto firmware_capture = [](const std::string& name) {
        return name.rfind("ipxe-", 0) == 0 || name.rfind("ovmf-", 0) == 0;
    };
    std::size_t on_disk = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(PXECHECK_SOURCE_DIR) / "captures"))
        on_disk += e.path().extension() == ".pcap" && firmware_capture(e.path().filename().string());
    // ...has a firmware DISCOVER to rebuild a NIC from.
    const auto caps = all_captures();
    std::size_t lab = 0;
    for (const auto& c : caps) lab += firmware_capture(c.name);
    EXPECT_EQ(lab, on_disk);
    EXPECT_GE(lab, 9u);
    EXPECT_GE(caps.size(), lab + 2);  // + the netboot BIOS ROM and EDK2 public captures
}

TEST(ProfileFromCapture, RebuiltDiscoverCarriesTheSameOptionsInTheSameOrder) {
    for (const auto& cap : all_captures()) {
        SCOPED_TRACE(cap.name);
        const DhcpMessage& orig = *cap.discover;
        auto nic = profile_from_discover(orig);
        EXPECT_TRUE(nic.notes.empty()) << ::testing::PrintToString(nic.notes);
        EXPECT_EQ(nic.config.mac, orig.client_mac());
        nic.config.seed = 7;
        PxeClient client(nic.config);
        const DhcpMessage again = first_sent(client);
        EXPECT_EQ(again.message_type(), DhcpMessageType::Discover);
        EXPECT_EQ(options_of(again), options_of(orig));
        EXPECT_EQ(again.flags, orig.flags);
        EXPECT_EQ(again.client_mac(), orig.client_mac());
        EXPECT_EQ(again.ciaddr, orig.ciaddr);
        EXPECT_EQ(wire::encode_dhcp(again).size(), wire::encode_dhcp(orig).size()) << "padding";
        EXPECT_NE(again.xid, orig.xid) << "a fresh xid";
    }
}

TEST(ProfileFromCapture, BaseProfilesFollowTheFirmware) {
    for (const auto& cap : all_captures()) {
        SCOPED_TRACE(cap.name);
        const std::string base = base_profile_for(*cap.discover).name;
        if (cap.name.rfind("ipxe-", 0) == 0) EXPECT_EQ(base, "ipxe");
        else if (cap.name.rfind("ovmf-", 0) == 0 || cap.name.rfind("tianocore", 0) == 0) EXPECT_EQ(base, "uefi-x64");
        else EXPECT_EQ(base, "bios");
    }
}

TEST(ProfileFromCapture, RebuiltRequestFollowsTheFirmwareRequest) {
    std::size_t checked = 0;
    for (const auto& cap : all_captures()) {
        if (!cap.request) continue;
        SCOPED_TRACE(cap.name);
        auto nic = profile_from_discover(*cap.discover);
        nic.config.seed = 11;
        PxeClient client(nic.config);
        const DhcpMessage d = first_sent(client);
        const auto req = request_after_offer(client, d, *cap.request->server_id(), *cap.request->requested_address());
        ASSERT_TRUE(req.has_value());
        // Same codes, order and values (54 and 50 come from the live offer,
        // which here names what the captured master named).
        EXPECT_EQ(options_of(*req), options_of(*cap.request));
        ++checked;
    }
    EXPECT_GE(checked, 8u);
}

TEST(ProfileFromCapture, ClientIdFollowsARewrittenMac) {
    const auto cap = read(std::filesystem::path(PXECHECK_SOURCE_DIR) / "captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");
    ASSERT_TRUE(cap.discover);
    auto nic = profile_from_discover(*cap.discover);
    EXPECT_TRUE(nic.config.profile.client_id_from_mac);
    nic.config.mac = mac("02:50:58:12:34:56");
    PxeClient client(nic.config);
    const DhcpMessage d = first_sent(client);
    EXPECT_EQ(d.client_mac(), nic.config.mac);
    EXPECT_EQ(to_hex(*d.joined(wire::opt::kClientId)), "01025058123456");
    // Everything else as captured.
    EXPECT_EQ(codes_of(d), codes_of(*cap.discover));
}

TEST(ProfileFromCapture, OptionsTheNicSetsItselfAreNotedAndOthersRemoved) {
    // A plain (non-PXE) DISCOVER: 50 and 12 and 55, no 57/60/93/94/97.
    const auto cap = read(std::filesystem::path(PXECHECK_SOURCE_DIR) / "captures/public/chrissanders-dhcp-dora.pcapng",
                          false);
    ASSERT_TRUE(cap.discover);
    auto nic = profile_from_discover(*cap.discover);
    ASSERT_EQ(nic.notes.size(), 1u);
    EXPECT_NE(nic.notes[0].find("option 50"), std::string::npos) << nic.notes[0];
    PxeClient client(nic.config);
    const DhcpMessage d = first_sent(client);
    auto want = options_of(*cap.discover);
    std::erase_if(want, [](const auto& o) { return o.first == 50; });
    EXPECT_EQ(options_of(d), want);
}

TEST(ProfileFromCapture, OddOptionValuesAreSentAsCaptured) {
    DhcpMessage m;
    m.op = 1;
    m.xid = 1;
    m.set_client_mac(mac("52:54:00:00:00:01"));
    m.set_option_u8(wire::opt::kMessageType, 1);
    m.set_option(wire::opt::kClientArch, *from_hex("00000007"));            // two architectures
    m.set_option(wire::opt::kClientNdi, *from_hex("020301"));               // type 2
    m.set_option(wire::opt::kClientUuid, *from_hex("01aabbcc"));            // short, type 1
    m.set_option(wire::opt::kVendorClass, std::string_view("PXEClient"));
    m.set_option(wire::opt::kClientId, *from_hex("ff00112233"));            // not 01+MAC
    m.set_option(wire::opt::kMaxMessageSize, *from_hex("05"));               // one octet
    m.set_option(250, *from_hex("0102"));
    m.finish();
    auto nic = profile_from_discover(m);
    EXPECT_FALSE(nic.config.profile.client_id_from_mac);
    PxeClient client(nic.config);
    EXPECT_EQ(options_of(first_sent(client)), options_of(m));
}

TEST(ProfileFromCapture, RrqOptionsOfIpxe) {
    NicProfile p = *find_profile("bios");
    std::vector<std::string> notes;
    apply_captured_rrq(p, {{"blksize", "1432"}, {"tsize", "0"}}, nullptr, notes);
    EXPECT_EQ(p.tftp_blksize, 1432);
    EXPECT_TRUE(p.tftp_tsize);
    EXPECT_EQ(p.tftp_windowsize, 0);
    EXPECT_EQ(p.tftp_size_probe, TftpSizeProbe::None);
    EXPECT_FALSE(p.tftp_tsize_first);
    EXPECT_TRUE(notes.empty());
}

TEST(ProfileFromCapture, RrqOptionsOfEdk2WithSizeQuery) {
    NicProfile p = *find_profile("ipxe");
    std::vector<std::string> notes;
    const std::vector<wire::TftpOption> probe{{"tsize", "0"}, {"blksize", "1468"}, {"windowsize", "4"}};
    apply_captured_rrq(p, {{"blksize", "1468"}, {"windowsize", "4"}}, &probe, notes);
    EXPECT_EQ(p.tftp_blksize, 1468);
    EXPECT_TRUE(p.tftp_tsize);
    EXPECT_EQ(p.tftp_windowsize, 4);
    EXPECT_EQ(p.tftp_size_probe, TftpSizeProbe::AllOptions);
    EXPECT_TRUE(p.tftp_tsize_first);
    EXPECT_TRUE(notes.empty());
}

TEST(ProfileFromCapture, RrqOptionsOfTheBiosRomAndUnknownOnes) {
    NicProfile p = *find_profile("uefi-x64");
    std::vector<std::string> notes;
    const std::vector<wire::TftpOption> probe{{"tsize", "0"}};
    apply_captured_rrq(p, {{"blksize", "1456"}, {"timeout", "3"}}, &probe, notes);
    EXPECT_EQ(p.tftp_blksize, 1456);
    EXPECT_EQ(p.tftp_windowsize, 0);
    EXPECT_EQ(p.tftp_size_probe, TftpSizeProbe::TsizeOnly);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("timeout=3"), std::string::npos);
    // No options at all: a plain RFC 1350 read.
    notes.clear();
    apply_captured_rrq(p, {}, nullptr, notes);
    EXPECT_EQ(p.tftp_blksize, 0);
    EXPECT_FALSE(p.tftp_tsize);
    EXPECT_EQ(p.tftp_size_probe, TftpSizeProbe::None);
}

TEST(ProfileFromCapture, RebuiltNicAsksTftpAsCaptured) {
    const auto cap = read(std::filesystem::path(PXECHECK_SOURCE_DIR) / "captures/ovmf-uefi-isc-dhcpd-tftpd-hpa.pcap");
    ASSERT_TRUE(cap.discover);
    auto nic = profile_from_discover(*cap.discover);
    std::vector<std::string> notes;
    const std::vector<wire::TftpOption> probe{{"tsize", "0"}, {"blksize", "1468"}, {"windowsize", "4"}};
    apply_captured_rrq(nic.config.profile, {{"blksize", "1468"}, {"windowsize", "4"}}, &probe, notes);
    nic.config.seed = 3;
    nic.config.release = false;
    PxeClient client(nic.config);
    FakeMaster m;
    m.tftp.file = pattern(5000);
    Loop loop;
    loop.peer = [&](TimePoint t, const link::Datagram& d) { return m.handle(t, d); };
    client.start(loop.now);
    loop.run(client, at_ms(120'000));
    ASSERT_EQ(client.phase(), ClientPhase::Done) << client.outcome().failure;
    std::vector<std::vector<wire::TftpOption>> rrqs;
    for (const auto& [t, d] : loop.tftp_sent()) {
        const auto p = tftp(d);
        if (p.op() == wire::TftpOpcode::Rrq) rrqs.push_back(p.options);
    }
    ASSERT_EQ(rrqs.size(), 2u);
    EXPECT_EQ(rrqs[0], probe);
    EXPECT_EQ(rrqs[1], (std::vector<wire::TftpOption>{{"blksize", "1468"}, {"windowsize", "4"}}));
}

}  // namespace
}  // namespace pxecheck::client::test
