// Fuzz target: a capture file read by PcapReader (its own parsing of classic
// pcap, libpcap for the rest) gives exactly the frames, lengths, times and
// end (clean or error) that libpcap alone gives for the same bytes, whatever
// size the reads are. The first octet picks the read size (1 to 256 bytes),
// so that headers and records are cut across reads at every place; the
// rest is the file. The observer must see every byte of the file, in order.
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "pxecheck/link/pcap_file.hpp"

namespace {

using Record = std::tuple<std::int64_t, std::uint32_t, std::vector<std::uint8_t>>;

/// The file as libpcap alone reads it; false when libpcap refuses it.
bool libpcap_frames(const std::string& path, std::vector<Record>& out, bool& error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) return false;
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1)
        out.emplace_back(pxecheck::link::saturated_ns(h->ts.tv_sec, h->ts.tv_usec), h->len,
                         std::vector<std::uint8_t>(d, d + h->caplen));
    error = rc == PCAP_ERROR;
    pcap_close(p);
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxecheck;
    if (size < 1) return 0;
    const std::size_t read_block = 1 + data[0];
    // A memory file: a regular file to FileTee, with a path libpcap opens.
    const int fd = ::memfd_create("fuzz-capture", MFD_CLOEXEC);
    if (fd < 0) return 0;
    std::size_t written = 0;
    while (written < size - 1) {
        const ssize_t n = ::write(fd, data + 1 + written, size - 1 - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);

    std::vector<Record> theirs;
    bool their_error = false;
    const bool libpcap_reads = libpcap_frames(path, theirs, their_error);

    std::vector<std::uint8_t> observed;
    auto reader = link::PcapReader::open(
        path, [&](ByteView b) { observed.insert(observed.end(), b.begin(), b.end()); }, read_block);
    if (static_cast<bool>(reader) != libpcap_reads) std::abort();
    if (reader) {
        std::vector<Record> ours;
        while (auto v = (*reader)->next_view())
            ours.emplace_back(v->timestamp_ns, v->original_length, std::vector<std::uint8_t>(v->data.begin(), v->data.end()));
        if (ours != theirs) std::abort();
        if ((*reader)->error().empty() == their_error) std::abort();
        if (!(*reader)->wait_observed()) std::abort();
        if (observed != std::vector<std::uint8_t>(data + 1, data + 1 + written)) std::abort();
    }
    ::close(fd);
    return 0;
}
