#pragma once
/// \file
/// A NIC rebuilt from a capture of a real one (for `pxecheck replay`): the
/// firmware's own DISCOVER gives the options it sends (55, 57, 60, 61, 77, 93,
/// 94, 97, 175 and any other, with their captured values and wire order), its
/// broadcast flag, chaddr and padding; its boot-file RRQ(s) give the TFTP
/// options (blksize, tsize, windowsize, their order, a size query first).
/// Timers and the behaviour on 4011 come from the built-in profile that fits
/// the firmware (base_profile_for), since one DISCOVER does not show them.
///
/// The emulated NIC then follows the protocol live with these values: it does
/// not resend the captured bytes.

#include <optional>
#include <string>
#include <vector>

#include "pxecheck/client/profile.hpp"
#include "pxecheck/client/pxe_client.hpp"
#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::client {

/// The built-in profile whose timers and 4011/TFTP habits fit the firmware
/// that sent \p discover: "ipxe" when option 77 starts with "iPXE",
/// "uefi-arm64" for architecture 11, "uefi-x64" for other EFI architecture
/// types (6, 7, 9, 10, ...), else "bios".
const NicProfile& base_profile_for(const wire::DhcpMessage& discover);

struct ReplayNic {
    /// mac = the DISCOVER's chaddr; profile, uuid and option_overrides as the
    /// DISCOVER shows them. The caller may change `mac` afterwards: an option
    /// 61 of type 1 + chaddr follows it (client_id_from_mac).
    ClientConfig config;
    /// What could not be carried over as captured, one line each (an option
    /// whose value the emulator writes itself, e.g. 50 or 54 in a DISCOVER).
    std::vector<std::string> notes;
};

/// The NIC that sent \p discover (a firmware-stage DHCPDISCOVER): options in
/// their captured order and values, broadcast flag, DHCP payload padded to
/// the captured size. A DISCOVER built by PxeClient from the result carries
/// the same options in the same order as \p discover; only xid and secs
/// differ. Timers and other behaviour come from \p base.
ReplayNic profile_from_discover(const wire::DhcpMessage& discover, const NicProfile& base);
/// The same with base_profile_for(discover).
ReplayNic profile_from_discover(const wire::DhcpMessage& discover);

/// Sets the TFTP request of \p profile from the captured RRQ options of the
/// firmware's boot file: \p download is the RRQ that fetched the file,
/// \p size_probe an earlier RRQ of the same file that the client ended after
/// the OACK (EDK2, the Intel-style ROM), if the capture shows one. Asks for
/// blksize, tsize and windowsize exactly when the capture did, with the
/// captured values and tsize-first order. Options the emulator cannot send
/// are listed in \p notes.
void apply_captured_rrq(NicProfile& profile, const std::vector<wire::TftpOption>& download,
                        const std::vector<wire::TftpOption>* size_probe, std::vector<std::string>& notes);

}  // namespace pxecheck::client
