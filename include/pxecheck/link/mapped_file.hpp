#pragma once
/// \file
/// Sequential reading of a large regular file through a sliding read-only
/// memory mapping: the bytes are read where the page cache holds them,
/// without the copy that read()/pread() make. `analyze` reads each capture
/// twice at once (frames, and its SHA-256 for the report); those copies were
/// an eighth of its CPU time on a large capture (bench/README.md).
///
/// Only a window of the file is mapped at a time, so the resident memory
/// stays that of the window, not the file's size.
///
/// A mapping cannot report a read error: if the file shrinks while it is
/// mapped, touching the lost pages raises SIGBUS. The CLI turns that signal
/// into an error message and exit code (cli::install_sigbus_guard).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pxecheck/base/bytes.hpp"

namespace pxecheck::link {

class MappedFile {
public:
    /// Opens \p path for mapped reading; nullopt when it cannot be opened
    /// or is not a regular file (a pipe, a device): read those with read().
    static std::optional<MappedFile> open(const std::string& path);
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    /// Bytes [offset, offset + n) of the file, valid until the next call;
    /// nullptr when the file ends before offset + n (or n exceeds a window).
    /// A file that grows while it is read is followed to its new end.
    const std::uint8_t* view(std::uint64_t offset, std::size_t n);
    /// As many bytes from \p offset as the current window holds (at most a
    /// window), mapping the next one as needed; empty at the end of the file.
    ByteView chunk(std::uint64_t offset);
    [[nodiscard]] std::uint64_t size() const { return size_; }

    /// The mapped window's size: large enough for any pcap record.
    static constexpr std::size_t kWindow = std::size_t{2} << 20;

private:
    MappedFile() = default;
    bool map_at(std::uint64_t offset, std::size_t n);
    void unmap();

    int fd_ = -1;
    std::uint64_t size_ = 0;      ///< file size, as of the last fstat
    std::uint8_t* base_ = nullptr;
    std::uint64_t map_offset_ = 0;  ///< file offset of base_[0]
    std::size_t map_length_ = 0;
};

}  // namespace pxecheck::link
