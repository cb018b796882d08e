#include "pxecheck/link/pcap_file.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "pxecheck/link/file_tee.hpp"

namespace pxecheck::link {

namespace {

constexpr int kLinktypeRaw = 101;        // LINKTYPE_RAW in files
constexpr int kWriterSnaplen = 262144;   // libpcap's MAXIMUM_SNAPLEN
constexpr std::int64_t kNsPerSec = 1'000'000'000;

/// libpcap speaks DLT_ values; files and decode_frame speak LINKTYPE_ values.
/// They agree except for raw IP, whose DLT number differs by platform.
int dlt_to_linktype(int dlt) { return dlt == DLT_RAW ? kLinktypeRaw : dlt; }
int linktype_to_dlt(int linktype) { return linktype == kLinktypeRaw ? DLT_RAW : linktype; }

/// Classic pcap records parsed straight out of the blocks a FileTee
/// reads, and handed out as views. libpcap reads every record with two
/// stdio calls and the copy out of its buffer cost a tenth of `analyze`
/// (bench/README.md). Only records that are plainly well formed are read
/// here; at the first one that is not (cut short, longer than the snap
/// length, a timestamp libpcap would scale differently) libpcap takes over
/// at that record, so what it makes of odd files and the errors it names
/// stay the same.
class BlockReader {
public:
    /// The file's record format, from the magic number of its header;
    /// nullopt for pcapng and what libpcap knows better.
    static std::optional<BlockReader> open(FileTee& blocks, std::uint32_t snaplen) {
        BlockReader r(blocks, snaplen);
        const std::uint8_t* header = r.need(kFileHeader);
        if (!header) return std::nullopt;
        std::uint32_t magic = 0;
        std::memcpy(&magic, header, sizeof magic);
        switch (magic) {
            case kMicro: break;
            case kNano: r.nanosecond_ = true; break;
            case __builtin_bswap32(kMicro): r.swapped_ = true; break;
            case __builtin_bswap32(kNano): r.swapped_ = r.nanosecond_ = true; break;
            default: return std::nullopt;
        }
        // Version 2.4 only: libpcap reads files of 2.3 and older with the
        // captured and original lengths swapped (as very old libpcaps wrote
        // them), and knows what to make of other versions.
        std::uint16_t major = 0, minor = 0;
        std::memcpy(&major, header + 4, 2);
        std::memcpy(&minor, header + 6, 2);
        if (r.swapped_) {
            major = __builtin_bswap16(major);
            minor = __builtin_bswap16(minor);
        }
        if (major != 2 || minor != 4) return std::nullopt;
        r.consume(kFileHeader);
        return r;
    }

    enum class Step { Frame, End, HandOver };
    /// The next record into \p hdr and \p data (valid until the next call).
    /// HandOver: libpcap must read on from offset().
    Step next(pcap_pkthdr& hdr, const std::uint8_t*& data) {
        const std::uint8_t* h = need(kRecordHeader);
        // A cut record, or a read error, is libpcap's to meet again and name.
        if (!h) return stitch_.empty() && !blocks_->failed() ? Step::End : Step::HandOver;
        const std::uint32_t sec = field(h), frac = field(h + 4), caplen = field(h + 8), len = field(h + 12);
        const std::uint32_t frac_limit = nanosecond_ ? 1'000'000'000u : 1'000'000u;
        if (sec > INT32_MAX || frac >= frac_limit || caplen > snaplen_ || caplen > len) return Step::HandOver;
        h = need(kRecordHeader + std::size_t{caplen});
        if (!h) return Step::HandOver;
        hdr.ts.tv_sec = static_cast<decltype(hdr.ts.tv_sec)>(sec);
        // Nanoseconds, as libpcap gives them when opened for nanosecond precision.
        hdr.ts.tv_usec = static_cast<decltype(hdr.ts.tv_usec)>(nanosecond_ ? frac : frac * 1000u);
        hdr.caplen = caplen;
        hdr.len = len;
        data = h + kRecordHeader;
        consume(kRecordHeader + caplen);
        return Step::Frame;
    }
    /// File offset of the first record not handed out.
    [[nodiscard]] std::uint64_t offset() const { return offset_; }

private:
    static constexpr std::uint32_t kMicro = 0xa1b2c3d4;
    static constexpr std::uint32_t kNano = 0xa1b23c4d;
    static constexpr std::size_t kFileHeader = 24;
    static constexpr std::size_t kRecordHeader = 16;

    BlockReader(FileTee& blocks, std::uint32_t snaplen) : blocks_(&blocks), snaplen_(snaplen) {}

    [[nodiscard]] std::uint32_t field(const std::uint8_t* at) const {
        std::uint32_t v;
        std::memcpy(&v, at, sizeof v);
        return swapped_ ? __builtin_bswap32(v) : v;
    }
    /// The next \p n bytes from the record's start, contiguous: in the
    /// block when they fit, else gathered across blocks into stitch_ (a
    /// record is cut by a block's end once per megabyte or so). nullptr
    /// when the file ends first.
    const std::uint8_t* need(std::size_t n) {
        if (stitch_.empty() && block_.size() - pos_ >= n) return block_.data() + pos_;
        if (stitch_.empty()) {
            stitch_.assign(block_.begin() + static_cast<std::ptrdiff_t>(pos_), block_.end());
            pos_ = block_.size();
        }
        while (stitch_.size() < n) {
            if (pos_ == block_.size()) {
                block_ = blocks_->next();
                pos_ = 0;
                if (block_.empty()) return nullptr;
            }
            const std::size_t take = std::min(n - stitch_.size(), block_.size() - pos_);
            stitch_.insert(stitch_.end(), block_.begin() + static_cast<std::ptrdiff_t>(pos_),
                           block_.begin() + static_cast<std::ptrdiff_t>(pos_ + take));
            pos_ += take;
        }
        return stitch_.data();
    }
    /// The record of \p n bytes that need() returned is handed out.
    void consume(std::size_t n) {
        if (stitch_.empty()) pos_ += n;
        else stitch_.clear();
        offset_ += n;
    }

    FileTee* blocks_;
    ByteView block_;          ///< the current block
    std::size_t pos_ = 0;     ///< first unread byte in it
    Bytes stitch_;            ///< the record being read, when it spans blocks
    bool swapped_ = false;
    bool nanosecond_ = false;
    std::uint32_t snaplen_ = 0;
    std::uint64_t offset_ = 0;  ///< file offset of the next record
};

}  // namespace

std::int64_t saturated_ns(std::int64_t sec, std::int64_t nsec) {
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(sec, kNsPerSec, &ns) || __builtin_add_overflow(ns, nsec, &ns))
        return sec < 0 ? -kMaxFrameTimeNs : kMaxFrameTimeNs;
    return std::clamp(ns, -kMaxFrameTimeNs, kMaxFrameTimeNs);
}

struct PcapReader::Impl {
    pcap_t* pcap = nullptr;
    std::string path;
    bool done = false;
    std::unique_ptr<FileTee> tee;       ///< regular files: the one read of the file
    std::optional<BlockReader> blocks;  ///< classic pcap, until libpcap takes over
    ~Impl() {
        if (pcap) pcap_close(pcap);
    }
};

Result<std::unique_ptr<PcapReader>> PcapReader::open(const std::string& path, FileTee::Observer observer,
                                                     std::size_t read_block) {
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
    auto& impl = *reader->impl_;
    impl.tee = FileTee::open(path, std::move(observer), read_block);
    if (impl.tee) {
        impl.blocks = BlockReader::open(*impl.tee, static_cast<std::uint32_t>(std::max(pcap_snapshot(p), 0)));
        if (!impl.blocks) impl.tee->release();  // pcapng: libpcap reads the frames
    }
    return reader;
}

bool PcapReader::wait_observed() { return impl_->tee && impl_->tee->wait_observed(); }

PcapReader::~PcapReader() = default;

int PcapReader::linktype() const { return dlt_to_linktype(pcap_datalink(impl_->pcap)); }

int PcapReader::snaplen() const { return pcap_snapshot(impl_->pcap); }

std::optional<CapturedFrame> PcapReader::next() {
    auto v = next_view();
    if (!v) return std::nullopt;
    CapturedFrame f;
    f.number = v->number;
    f.timestamp_ns = v->timestamp_ns;
    f.original_length = v->original_length;
    f.data.assign(v->data.begin(), v->data.end());
    return f;
}

std::optional<FrameView> PcapReader::next_view() {
    if (impl_->done) return std::nullopt;
    pcap_pkthdr header{};
    pcap_pkthdr* hdr = &header;
    const u_char* data = nullptr;
    int rc = 1;
    BlockReader::Step step = BlockReader::Step::HandOver;
    if (impl_->blocks) {
        step = impl_->blocks->next(header, data);
        if (step == BlockReader::Step::End) rc = PCAP_ERROR_BREAK;
        if (step == BlockReader::Step::HandOver) {
            // libpcap reads on from this record (its stdio stream is still
            // where the file header ended).
            const auto at = static_cast<long>(impl_->blocks->offset());
            impl_->blocks.reset();
            impl_->tee->release();
            if (std::fseek(pcap_file(impl_->pcap), at, SEEK_SET) != 0) {
                impl_->done = true;
                error_ = impl_->path + ": read error after frame " + std::to_string(count_) + " (" +
                         std::strerror(errno) + ")";
                return std::nullopt;
            }
        }
    }
    if (step == BlockReader::Step::HandOver) rc = pcap_next_ex(impl_->pcap, &hdr, &data);
    if (rc == 1) {
        FrameView f;
        f.number = ++count_;
        f.timestamp_ns = saturated_ns(hdr->ts.tv_sec, hdr->ts.tv_usec);
        f.original_length = hdr->len;
        f.data = ByteView(data, hdr->caplen);
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
