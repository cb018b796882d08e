#include "pxecheck/link/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace pxecheck::link {

namespace {
std::uint64_t page_size() {
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return page;
}
}  // namespace

std::optional<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return std::nullopt;
    }
    MappedFile f;
    f.fd_ = fd;
    f.size_ = static_cast<std::uint64_t>(st.st_size);
    return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        std::swap(fd_, other.fd_);
        std::swap(size_, other.size_);
        std::swap(base_, other.base_);
        std::swap(map_offset_, other.map_offset_);
        std::swap(map_length_, other.map_length_);
    }
    return *this;
}

MappedFile::~MappedFile() {
    unmap();
    if (fd_ >= 0) ::close(fd_);
}

void MappedFile::unmap() {
    if (base_) ::munmap(base_, map_length_);
    base_ = nullptr;
    map_length_ = 0;
}

bool MappedFile::map_at(std::uint64_t offset, std::size_t n) {
    if (offset + n > size_) {
        // Past the end as last seen: the file may have grown since.
        struct stat st {};
        if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
        if (offset + n > size_) return false;
    }
    unmap();
    const std::uint64_t start = offset / page_size() * page_size();
    const std::uint64_t length = std::min<std::uint64_t>(size_ - start, kWindow);
    if (offset + n > start + length) return false;  // n is larger than a window
    // Faulted in as read (the kernel maps a run of pages per fault);
    // MAP_POPULATE measured no faster.
    void* p = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd_, static_cast<off_t>(start));
    if (p == MAP_FAILED) return false;
    base_ = static_cast<std::uint8_t*>(p);
    map_offset_ = start;
    map_length_ = length;
    return true;
}

const std::uint8_t* MappedFile::view(std::uint64_t offset, std::size_t n) {
    const bool inside = base_ && offset >= map_offset_ && offset + n <= map_offset_ + map_length_;
    if (!inside && !map_at(offset, n)) return nullptr;
    return base_ + (offset - map_offset_);
}

ByteView MappedFile::chunk(std::uint64_t offset) {
    const bool inside = base_ && offset >= map_offset_ && offset < map_offset_ + map_length_;
    if (!inside && !map_at(offset, 1)) return {};
    return ByteView(base_ + (offset - map_offset_), map_offset_ + map_length_ - offset);
}

}  // namespace pxecheck::link
