#pragma once
/// \file
/// Reading and writing capture files through libpcap (pcap and pcapng, micro
/// and nanosecond timestamps). Frames stream one at a time so memory does not
/// grow with the file.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/link/file_tee.hpp"

namespace pxecheck::link {

struct CapturedFrame {
    std::size_t number = 0;        ///< 1-based, as Wireshark numbers frames
    std::int64_t timestamp_ns = 0; ///< since the Unix epoch
    std::uint32_t original_length = 0;
    Bytes data;                    ///< captured bytes (may be shorter than original_length)
};

/// A frame as PcapReader::next_view() hands it out: its bytes are the
/// reader's and stay valid only until the next call.
struct FrameView {
    std::size_t number = 0;
    std::int64_t timestamp_ns = 0;
    std::uint32_t original_length = 0;
    ByteView data;
};

/// The latest (and, negated, the earliest) frame time a file may give:
/// 2^62 ns, about 146 years from 1970. Any two frame times then differ by
/// less than int64 can hold, so times can be subtracted and compared freely.
inline constexpr std::int64_t kMaxFrameTimeNs = (std::int64_t{1} << 62) - 1;
/// \p sec seconds and \p nsec nanoseconds as nanoseconds, pinned to
/// +/-kMaxFrameTimeNs rather than overflowing: a file may carry any time
/// (pcapng stores 64-bit counts in units it chooses, which libpcap turns
/// into seconds).
std::int64_t saturated_ns(std::int64_t sec, std::int64_t nsec);

class PcapReader {
public:
    /// Opens \p path; the error names the file and what libpcap said:
    /// "FILE: cannot open (No such file or directory)", "FILE: is a directory",
    /// "FILE: not a pcap or pcapng capture (libpcap: unknown file format)".
    ///
    /// A regular file is read once (FileTee): \p observer, when given, sees
    /// every byte of it, in order, on a thread of its own, whatever libpcap
    /// and the reader make of its records.
    /// \p read_block: the size of each read of the file (FileTee::open).
    static Result<std::unique_ptr<PcapReader>> open(const std::string& path, FileTee::Observer observer = {},
                                                    std::size_t read_block = FileTee::kBlock);
    ~PcapReader();
    PcapReader(const PcapReader&) = delete;
    PcapReader& operator=(const PcapReader&) = delete;

    /// The pcap LINKTYPE_ value (linktype::kRaw for raw IP, whatever DLT_RAW
    /// number the platform's libpcap uses), ready for decode_frame.
    [[nodiscard]] int linktype() const;
    [[nodiscard]] int snaplen() const;
    /// Next frame, or nullopt at the end of the file or on a read error (see error()).
    std::optional<CapturedFrame> next();
    /// The same without a copy: the view points into the reader's buffer
    /// until the next call. Classic pcap records are read by the reader
    /// itself in large blocks; pcapng, and any record that is not plainly
    /// well formed, go through libpcap, so errors read the same either way.
    std::optional<FrameView> next_view();
    /// Set when reading stopped early, e.g. "FILE: truncated record after
    /// frame 12 (libpcap: truncated dump file; ...)". The frames before it were
    /// returned normally.
    [[nodiscard]] const std::string& error() const { return error_; }
    /// Waits until open()'s observer has seen the whole file; false when it
    /// could not (a pipe, a read error), so what it made of the bytes is moot.
    bool wait_observed();

private:
    PcapReader() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::size_t count_ = 0;
    std::string error_;
};

/// Writes Ethernet frames to a pcap file with nanosecond timestamps.
class PcapWriter {
public:
    /// Creates (truncates) \p path; \p linktype is a pcap LINKTYPE_ value.
    static Result<std::unique_ptr<PcapWriter>> create(const std::string& path,
                                                      int linktype = 1 /* Ethernet */);
    /// Closes the file if close() was not called (errors then go unreported).
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    /// Appends one record. \p original_length 0 means "as captured"; frames
    /// longer than 262144 bytes are cut to that snap length.
    void write(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length = 0);
    void flush();
    /// Flushes and closes, reporting a failed write ("FILE: write failed ...").
    /// Later write() and flush() calls do nothing.
    Status close();

private:
    PcapWriter() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pxecheck::link
