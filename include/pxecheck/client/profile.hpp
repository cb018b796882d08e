#pragma once
/// \file
/// NIC profiles: what real PXE firmware puts on the wire (options 55, 57, 60,
/// 77, 93, 94, 97, flags, TFTP options) and its retry timers, so the emulator
/// asks a master exactly what such a NIC would ask.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/clock.hpp"

namespace pxecheck::client {

struct NicProfile {
    std::string name;         ///< "bios", "uefi-x64", "uefi-arm64", "ipxe"
    std::string description;  ///< which firmware it models and from what evidence
    std::uint16_t arch = 0;   ///< option 93
    std::uint8_t undi_major = 2;
    std::uint8_t undi_minor = 1;
    /// Option 60; empty means make_pxe_vendor_class(arch, undi_major, undi_minor).
    std::string vendor_class;
    Bytes parameter_list;     ///< option 55
    std::uint16_t max_message_size = 1260;  ///< option 57
    std::optional<Bytes> user_class;        ///< option 77 (iPXE sends "iPXE")
    bool broadcast_flag = true;             ///< PXE ROMs ask for broadcast replies
    /// Gaps between DISCOVER retransmissions (PXE 2.1: 4, 8, 16, 32 s).
    std::vector<Micros> discover_timeouts;
    /// Gaps between REQUEST / ProxyDHCPREQUEST / boot server retries (1, 2, 3, 4 s).
    std::vector<Micros> request_timeouts;
    /// How long to keep collecting OFFERs after the first one (proxy offers
    /// arrive late; PXE 2.1 keeps listening through its first window).
    Micros offer_wait{std::chrono::seconds(4)};
    std::uint16_t tftp_blksize = 1432;  ///< 0: do not ask
    bool tftp_tsize = true;
    /// Extra options as (code, value), sent in DISCOVER and REQUEST.
    std::vector<std::pair<std::uint8_t, Bytes>> extra_options;
};

/// The built-in profiles, default ("bios") first.
const std::vector<NicProfile>& builtin_profiles();
/// nullptr when the name is unknown.
const NicProfile* find_profile(const std::string& name);

}  // namespace pxecheck::client
