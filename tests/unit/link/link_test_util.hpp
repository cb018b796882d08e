#pragma once
// Helpers shared by the link tests: capture paths, reading whole files,
// hand-editing IPv4/UDP bytes, temporary files. libtins is included here,
// warnings silenced, because the tests cross-check the decoder against it.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <tins/tins.h>
#pragma GCC diagnostic pop

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace linktest {

using namespace pxecheck;
using namespace pxecheck::link;

/// The public captures, copied unchanged into the repository (see captures/public/README.md).
inline const std::vector<std::string>& public_captures() {
    static const std::vector<std::string> names = {
        "chrissanders-dhcp-dora.pcapng",
        "iagox86-tftp-ack0-badopcode-errorcode.pcap",
        "netboot-bios-pxe-proxydhcp-tftp-rrq.pcap",
        "spicy-tftp-oack-blksize-loopback.pcap",
        "tcpdump-bootp-asan-malformed.pcap",
        "tcpdump-dhcp-mud-relayed-request-ack.pcap",
        "tcpdump-tftp-rrq-basic.pcap",
        "tianocore-BZ17-uefi-pxe-dhcp-decline.pcapng",
    };
    return names;
}

inline std::string capture_path(const std::string& name) {
    return std::string(PXECHECK_SOURCE_DIR) + "/captures/public/" + name;
}

struct ReadAll {
    int linktype = -1;
    std::vector<CapturedFrame> frames;
    std::string error;  ///< open error or PcapReader::error()
};

inline ReadAll read_all(const std::string& path) {
    ReadAll out;
    auto reader = PcapReader::open(path);
    if (!reader) {
        out.error = reader.error();
        return out;
    }
    out.linktype = (*reader)->linktype();
    while (auto f = (*reader)->next()) out.frames.push_back(std::move(*f));
    out.error = (*reader)->error();
    return out;
}

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, const Bytes& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

/// A file name in the temp directory, removed again when the test ends.
class TempPath {
public:
    explicit TempPath(const std::string& stem) {
        static int counter = 0;
        path_ = (std::filesystem::temp_directory_path() /
                 ("pxecheck-linktest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                  "-" + stem))
                    .string();
    }
    ~TempPath() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempPath(const TempPath&) = delete;
    TempPath& operator=(const TempPath&) = delete;
    [[nodiscard]] const std::string& str() const { return path_; }

private:
    std::string path_;
};

/// RFC 1071 checksum, written again here so the tests do not check the
/// decoder with its own arithmetic.
inline std::uint16_t inet_checksum(ByteView data, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < data.size(); i += 2) {
        std::uint32_t word = std::uint32_t{data[i]} << 8;
        if (i + 1 < data.size()) word |= data[i + 1];
        sum += word;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

inline std::uint16_t get16(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

/// Recomputes the IPv4 header checksum of the header starting at \p at.
inline void fix_ip_checksum(Bytes& frame, std::size_t at) {
    const std::size_t ihl = std::size_t{frame[at] & 0x0fu} * 4;
    put16(frame, at + 10, 0);
    put16(frame, at + 10, inet_checksum(ByteView(frame).subspan(at, ihl)));
}

/// Recomputes the UDP checksum of the IPv4/UDP datagram whose IPv4 header starts at \p at.
inline void fix_udp_checksum(Bytes& frame, std::size_t at) {
    const std::size_t ihl = std::size_t{frame[at] & 0x0fu} * 4;
    const std::size_t udp = at + ihl;
    const std::uint16_t len = get16(frame, udp + 4);
    std::uint32_t pseudo = 0;
    for (std::size_t i = 12; i < 20; i += 2) pseudo += get16(frame, at + i);
    pseudo += 17;
    pseudo += len;
    put16(frame, udp + 6, 0);
    std::uint16_t c = inet_checksum(ByteView(frame).subspan(udp, len), pseudo);
    put16(frame, udp + 6, c == 0 ? 0xffff : c);
}

inline const UdpEndpoint kClient{*MacAddr::parse("52:54:00:12:34:56"), Ipv4Addr::from_octets(192, 168, 14, 50),
                                 2070};
inline const UdpEndpoint kServer{*MacAddr::parse("02:00:00:00:00:c8"), Ipv4Addr::from_octets(192, 168, 14, 200),
                                 69};

inline Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

/// Cuts the Ethernet header off a frame built by build_udp_frame: the raw IPv4 packet.
inline Bytes ip_part(const Bytes& eth_frame) {
    const std::size_t ip_len = get16(eth_frame, 14 + 2);
    return Bytes(eth_frame.begin() + 14, eth_frame.begin() + 14 + static_cast<std::ptrdiff_t>(ip_len));
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string anomaly_ids(const Anomalies& list) {
    std::string s;
    for (const auto& a : list) s += a.id + "@" + std::to_string(a.offset) + " (" + a.detail + ") ";
    return s;
}

/// "0x0a1b", as anomaly details print 16-bit fields.
inline std::string detail_hex(std::uint16_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    for (int shift = 12; shift >= 0; shift -= 4) s.push_back(digits[(v >> shift) & 0xf]);
    return s;
}

inline const Anomaly* find_anomaly(const Anomalies& list, std::string_view id) {
    for (const auto& a : list)
        if (a.id == id) return &a;
    return nullptr;
}

}  // namespace linktest
