#include "pxecheck/link/pcap_file.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace pxecheck::link {

namespace {

constexpr int kLinktypeRaw = 101;        // LINKTYPE_RAW in files
constexpr int kWriterSnaplen = 262144;   // libpcap's MAXIMUM_SNAPLEN
constexpr std::int64_t kNsPerSec = 1'000'000'000;

/// libpcap speaks DLT_ values; files and decode_frame speak LINKTYPE_ values.
/// They agree except for raw IP, whose DLT number differs by platform.
int dlt_to_linktype(int dlt) { return dlt == DLT_RAW ? kLinktypeRaw : dlt; }
int linktype_to_dlt(int linktype) { return linktype == kLinktypeRaw ? DLT_RAW : linktype; }

}  // namespace

struct PcapReader::Impl {
    pcap_t* pcap = nullptr;
    std::string path;
    bool done = false;
    ~Impl() {
        if (pcap) pcap_close(pcap);
    }
};

Result<std::unique_ptr<PcapReader>> PcapReader::open(const std::string& path) {
    // libpcap reports a missing file and a non-capture file in the same
    // errbuf; sort out the plain file-system problems first so the message
    // says which one it was.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return Error{path + ": is a directory"};
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        std::fclose(f);
    } else {
        return Error{path + ": cannot open (" + std::strerror(errno) + ")"};
    }

    char errbuf[PCAP_ERRBUF_SIZE] = {};
    // Nanosecond precision makes libpcap scale microsecond pcap, nanosecond
    // pcap and pcapng alike to nanoseconds in ts.tv_usec.
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        return Error{path + ": not a pcap or pcapng capture (libpcap: " + errbuf + ")"};
    }
    std::unique_ptr<PcapReader> reader(new PcapReader());
    reader->impl_ = std::make_unique<Impl>();
    reader->impl_->pcap = p;
    reader->impl_->path = path;
    return reader;
}

PcapReader::~PcapReader() = default;

int PcapReader::linktype() const { return dlt_to_linktype(pcap_datalink(impl_->pcap)); }

int PcapReader::snaplen() const { return pcap_snapshot(impl_->pcap); }

std::optional<CapturedFrame> PcapReader::next() {
    if (impl_->done) return std::nullopt;
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(impl_->pcap, &hdr, &data);
    if (rc == 1) {
        CapturedFrame f;
        f.number = ++count_;
        f.timestamp_ns = static_cast<std::int64_t>(hdr->ts.tv_sec) * kNsPerSec +
                         static_cast<std::int64_t>(hdr->ts.tv_usec);
        f.original_length = hdr->len;
        f.data.assign(data, data + hdr->caplen);
        return f;
    }
    impl_->done = true;
    if (rc == PCAP_ERROR) {
        const std::string why = pcap_geterr(impl_->pcap);
        const bool truncated = why.find("truncated") != std::string::npos;
        error_ = impl_->path + ": " + (truncated ? "truncated record" : "read error") + " after frame " +
                 std::to_string(count_) + " (libpcap: " + why + ")";
    }
    // PCAP_ERROR_BREAK: the end of the file.
    return std::nullopt;
}

struct PcapWriter::Impl {
    pcap_t* pcap = nullptr;
    pcap_dumper_t* dumper = nullptr;
    std::string path;
    ~Impl() {
        if (dumper) pcap_dump_close(dumper);
        if (pcap) pcap_close(pcap);
    }
};

Result<std::unique_ptr<PcapWriter>> PcapWriter::create(const std::string& path, int linktype) {
    pcap_t* p = pcap_open_dead_with_tstamp_precision(linktype_to_dlt(linktype), kWriterSnaplen,
                                                     PCAP_TSTAMP_PRECISION_NANO);
    if (!p) return Error{path + ": cannot create a pcap writer for link type " + std::to_string(linktype)};
    pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
    if (!d) {
        std::string why = pcap_geterr(p);
        pcap_close(p);
        return Error{path + ": cannot create (libpcap: " + why + ")"};
    }
    std::unique_ptr<PcapWriter> writer(new PcapWriter());
    writer->impl_ = std::make_unique<Impl>();
    writer->impl_->pcap = p;
    writer->impl_->dumper = d;
    writer->impl_->path = path;
    return writer;
}

PcapWriter::~PcapWriter() = default;

void PcapWriter::write(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length) {
    if (!impl_->dumper) return;
    pcap_pkthdr hdr{};
    // Floor division so that times before the epoch keep 0 <= fraction < 1 s.
    std::int64_t sec = timestamp_ns / kNsPerSec;
    std::int64_t frac = timestamp_ns % kNsPerSec;
    if (frac < 0) {
        frac += kNsPerSec;
        --sec;
    }
    hdr.ts.tv_sec = static_cast<decltype(hdr.ts.tv_sec)>(sec);
    hdr.ts.tv_usec = static_cast<decltype(hdr.ts.tv_usec)>(frac);  // nanoseconds: see create()
    const auto caplen = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), kWriterSnaplen));
    hdr.caplen = caplen;
    hdr.len = std::max<std::uint32_t>(original_length, static_cast<std::uint32_t>(
                                                           std::min<std::size_t>(frame.size(), UINT32_MAX)));
    pcap_dump(reinterpret_cast<u_char*>(impl_->dumper), &hdr, frame.data());
}

void PcapWriter::flush() {
    if (impl_->dumper) pcap_dump_flush(impl_->dumper);
}

Status PcapWriter::close() {
    if (!impl_->dumper) return ok_status();
    const bool flushed = pcap_dump_flush(impl_->dumper) == 0;
    const bool clean = flushed && std::ferror(pcap_dump_file(impl_->dumper)) == 0;
    const int saved_errno = errno;
    pcap_dump_close(impl_->dumper);  // fclose: a last chance for a write error we cannot see
    impl_->dumper = nullptr;
    pcap_close(impl_->pcap);
    impl_->pcap = nullptr;
    if (!clean) return Error{impl_->path + ": write failed (" + std::strerror(saved_errno) + ")"};
    return ok_status();
}

}  // namespace pxecheck::link
