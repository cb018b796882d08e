// The one rule that sorts UDP datagrams by their ports: the trace, the frame
// decoder, the reports and the live runners all follow it, so a mistake here
// moves frames between sessions everywhere at once.

#include <gtest/gtest.h>

#include "pxecheck/wire/udp_service.hpp"

using namespace pxecheck::wire;

namespace {

constexpr std::uint16_t kEphemeral = 12345;

TEST(UdpService, ClientToServerAndBackIsDhcp) {
    EXPECT_EQ(classify_udp(68, 67), UdpService::Dhcp);
    EXPECT_EQ(classify_udp(67, 68), UdpService::Dhcp);
}

TEST(UdpService, RelayLegsOnSixtySevenBothWaysAreDhcp) {
    EXPECT_EQ(classify_udp(67, 67), UdpService::Dhcp);
}

TEST(UdpService, WrongDirectionBetweenDhcpPortsIsStillDhcp) {
    // DHCP-010 judges 68 -> 68; it can only do so if the frame is DHCP.
    EXPECT_EQ(classify_udp(68, 68), UdpService::Dhcp);
}

TEST(UdpService, OneDhcpPortAloneIsNotDhcp) {
    // A TFTP client or server may pick 67 or 68 as its transfer port.
    EXPECT_EQ(classify_udp(67, kEphemeral), UdpService::Other);
    EXPECT_EQ(classify_udp(kEphemeral, 67), UdpService::Other);
    EXPECT_EQ(classify_udp(68, kEphemeral), UdpService::Other);
    EXPECT_EQ(classify_udp(kEphemeral, 68), UdpService::Other);
}

TEST(UdpService, BootServerPortOnEitherSide) {
    EXPECT_EQ(classify_udp(68, 4011), UdpService::PxeBootServer);    // iPXE's REQUEST
    EXPECT_EQ(classify_udp(4011, 68), UdpService::PxeBootServer);    // the ACK to it
    EXPECT_EQ(classify_udp(4011, 4011), UdpService::PxeBootServer);  // Intel and EDK2 ROMs
    EXPECT_EQ(classify_udp(kEphemeral, 4011), UdpService::PxeBootServer);
    EXPECT_EQ(classify_udp(4011, kEphemeral), UdpService::PxeBootServer);
    EXPECT_EQ(classify_udp(4011, 69), UdpService::PxeBootServer);
}

TEST(UdpService, RequestToPortSixtyNineOpensTftp) {
    EXPECT_EQ(classify_udp(kEphemeral, 69), UdpService::TftpRequest);
    EXPECT_EQ(classify_udp(68, 69), UdpService::TftpRequest);
}

TEST(UdpService, TftpAfterTheRequestIsKnownOnlyByItsTransfer) {
    EXPECT_EQ(classify_udp(69, kEphemeral), UdpService::Other);
    EXPECT_EQ(classify_udp(kEphemeral, 54321), UdpService::Other);
}

TEST(UdpService, DhcpAndBootServerCarryBootpMessages) {
    EXPECT_TRUE(carries_dhcp(UdpService::Dhcp));
    EXPECT_TRUE(carries_dhcp(UdpService::PxeBootServer));
    EXPECT_FALSE(carries_dhcp(UdpService::TftpRequest));
    EXPECT_FALSE(carries_dhcp(UdpService::Other));
}

TEST(UdpService, PortsAreTheWellKnownOnes) {
    EXPECT_EQ(kDhcpServerPort, 67);
    EXPECT_EQ(kDhcpClientPort, 68);
    EXPECT_EQ(kPxeBootServerPort, 4011);
}

}  // namespace
