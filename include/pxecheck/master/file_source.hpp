#pragma once
/// \file
/// Where the TFTP server's files come from. The server asks for a whole file
/// by the name the client sent and gets its bytes or a TFTP error code; it
/// never opens files itself.
///
/// RootDirectory is the real one: read-only and confined to one directory, as
/// tftpd-hpa is with --secure. MemoryFiles is for tests.

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/wire/tftp.hpp"

namespace pxecheck::master {

struct FileRead {
    Bytes data;
    /// Set when the file cannot be served: FileNotFound (1) or
    /// AccessViolation (2); `message` then says why in words.
    std::optional<wire::TftpErrorCode> error;
    std::string message;

    [[nodiscard]] bool ok() const { return !error.has_value(); }
    static FileRead failure(wire::TftpErrorCode code, std::string why) {
        FileRead r;
        r.error = code;
        r.message = std::move(why);
        return r;
    }
};

class FileSource {
public:
    virtual ~FileSource() = default;
    /// The file named \p path exactly as the client sent it.
    virtual FileRead read(std::string_view path) = 0;
};

/// A read-only directory tree. A name is refused with ERROR 2 when it is
/// absolute (after one leading '/' is stripped, as tftpd-hpa --secure does:
/// "/pxelinux.0" is "pxelinux.0"), has a ".." component, or resolves (through
/// symlinks) to a place outside the root; ERROR 1 when nothing is there;
/// ERROR 2 when it is not a regular file or cannot be read.
class RootDirectory final : public FileSource {
public:
    explicit RootDirectory(std::filesystem::path root);
    FileRead read(std::string_view path) override;
    /// The root as resolved at construction (empty when it does not exist).
    [[nodiscard]] const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
};

/// Files in memory, by exact name, for tests.
class MemoryFiles final : public FileSource {
public:
    void add(std::string name, Bytes data) { files_[std::move(name)] = std::move(data); }
    /// Names that exist but give ERROR 2 (a permission problem).
    void deny(std::string name) { denied_.insert(std::move(name)); }
    FileRead read(std::string_view path) override;

private:
    std::map<std::string, Bytes, std::less<>> files_;
    std::set<std::string, std::less<>> denied_;
};

}  // namespace pxecheck::master
