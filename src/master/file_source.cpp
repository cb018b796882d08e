// File sources for the TFTP server: a confined read-only directory and an
// in-memory table.

#include "pxecheck/master/file_source.hpp"
#include "pxecheck/base/bytes.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace pxecheck::master {

namespace fs = std::filesystem;
using wire::TftpErrorCode;

RootDirectory::RootDirectory(fs::path root) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec) root_.clear();
}

FileRead RootDirectory::read(std::string_view path) {
    if (root_.empty()) return FileRead::failure(TftpErrorCode::FileNotFound, "the TFTP root does not exist");
    std::string name(path);
    // tftpd-hpa --secure: the client's name is relative to the root, and one
    // leading '/' is dropped ("/pxelinux.0" is common in configurations).
    if (!name.empty() && name.front() == '/') name.erase(0, 1);
    if (name.empty()) return FileRead::failure(TftpErrorCode::FileNotFound, "empty file name");
    if (name.front() == '/') {
        return FileRead::failure(TftpErrorCode::AccessViolation, "absolute path \"" + std::string(path) + "\" refused");
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t slash = std::min(name.find('/', start), name.size());
        if (name.compare(start, slash - start, "..") == 0 && slash - start == 2) {
            return FileRead::failure(TftpErrorCode::AccessViolation,
                                     in_quotes(path) + " has a \"..\" component");
        }
        start = slash + 1;
    }

    std::error_code ec;
    const fs::path real = fs::canonical(root_ / name, ec);
    if (ec) {
        if (ec == std::errc::permission_denied) {
            return FileRead::failure(TftpErrorCode::AccessViolation, "\"" + name + "\": " + ec.message());
        }
        return FileRead::failure(TftpErrorCode::FileNotFound, "\"" + name + "\" not found");
    }
    // Symlinks are followed only while they stay inside the root.
    const auto root_end = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end()).first;
    if (root_end != root_.end()) {
        return FileRead::failure(TftpErrorCode::AccessViolation,
                                 "\"" + name + "\" resolves outside the TFTP root (" + real.string() + ")");
    }
    if (!fs::is_regular_file(real, ec)) {
        return FileRead::failure(TftpErrorCode::AccessViolation, "\"" + name + "\" is not a regular file");
    }
    std::ifstream in(real, std::ios::binary);
    if (!in) {
        return FileRead::failure(TftpErrorCode::AccessViolation, "\"" + name + "\": " + std::strerror(errno));
    }
    FileRead r;
    r.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return FileRead::failure(TftpErrorCode::AccessViolation, "\"" + name + "\": read error");
    return r;
}

FileRead MemoryFiles::read(std::string_view path) {
    if (denied_.count(path) != 0) {
        return FileRead::failure(TftpErrorCode::AccessViolation, in_quotes(path) + ": permission denied");
    }
    auto it = files_.find(path);
    if (it == files_.end()) {
        return FileRead::failure(TftpErrorCode::FileNotFound, in_quotes(path) + " not found");
    }
    FileRead r;
    r.data = it->second;
    return r;
}

}  // namespace pxecheck::master
