#pragma once
/// \file
/// Writing pcapng (draft-ietf-opsawg-pcapng) with comments. libpcap reads
/// pcapng but cannot write it, and only pcapng can carry a comment per frame,
/// which is how evidence bundles mark the frames a finding cites
/// ("PXE-030: ..."): Wireshark shows them as packet comments
/// (`frame.comment`, `pkt_comment` in older versions).
///
/// The file holds one section: a Section Header Block (with shb_userappl and
/// an optional comment), one Interface Description Block (the link type of the
/// source, snaplen 0 = no limit, if_tsresol 9 = nanoseconds), then one
/// Enhanced Packet Block per frame with an opt_comment (code 1) for each
/// comment given. All blocks are little-endian and padded to 32 bits.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/result.hpp"

namespace pxecheck::link {

/// The blocks as bytes, for the writer and for tests.
namespace pcapng {
inline constexpr std::uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
inline constexpr std::uint32_t kInterfaceDescriptionBlock = 0x00000001;
inline constexpr std::uint32_t kEnhancedPacketBlock = 0x00000006;
inline constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
inline constexpr std::uint16_t kOptEndOfOpt = 0;
inline constexpr std::uint16_t kOptComment = 1;
inline constexpr std::uint16_t kShbUserAppl = 4;
inline constexpr std::uint16_t kIfName = 2;
inline constexpr std::uint16_t kIfTsresol = 9;

/// SHB with shb_userappl = \p application and opt_comment = \p comment
/// (either left out when empty).
Bytes section_header(std::string_view application, std::string_view comment = {});
/// IDB for \p linktype, snaplen 0, if_tsresol 9, if_name when not empty.
Bytes interface_description(int linktype, std::string_view if_name = {});
/// EPB on interface 0; timestamp in nanoseconds since the epoch. A comment
/// longer than an option can hold (65535 octets) is cut at a UTF-8 boundary.
Bytes enhanced_packet(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length,
                      std::span<const std::string> comments = {});
}  // namespace pcapng

class PcapngWriter {
public:
    struct Options {
        int linktype = 1;               ///< pcap LINKTYPE_ value of the frames
        std::string application;        ///< shb_userappl ("pxecheck 0.1.0")
        std::string section_comment;    ///< comment on the whole file
        std::string interface_name;     ///< if_name ("eth0"), optional
    };
    /// Creates (truncates) \p path and writes the section and interface
    /// blocks; the error names the file.
    static Result<std::unique_ptr<PcapngWriter>> create(const std::string& path, const Options& options);
    ~PcapngWriter();
    PcapngWriter(const PcapngWriter&) = delete;
    PcapngWriter& operator=(const PcapngWriter&) = delete;

    /// Appends one frame. \p original_length 0 means "as captured".
    void write(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length = 0,
               std::span<const std::string> comments = {});
    [[nodiscard]] std::size_t frames_written() const { return frames_; }
    /// Flushes and closes, reporting a failed write ("FILE: write failed ...").
    Status close();

private:
    PcapngWriter() = default;
    std::FILE* file_ = nullptr;
    std::string path_;
    std::size_t frames_ = 0;
    bool failed_ = false;
};

}  // namespace pxecheck::link
