#pragma once
/// \file
/// SHA-256 of files and buffers (OpenSSL), for evidence: reports name the
/// hash of the capture they were made from and of every file transferred.

#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/result.hpp"

namespace pxecheck::analyze {

/// Incremental SHA-256 (one per TFTP transfer while a trace is built).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(ByteView data);
    /// Lower-case hex digest; the hasher is spent afterwards.
    std::string finish();

private:
    struct Ctx;
    Ctx* ctx_;
};

/// SHA-256 of the files in a capture's transfers, where many clients fetch
/// the same files (a rack booting is the capture people bring). A transfer
/// whose bytes equal a file digested before is recognised by comparing
/// them with that file's kept content, many times faster than hashing
/// them, and gets its digest; any difference, anywhere, and the transfer
/// is hashed after all, from its first byte. So every digest is the SHA-256
/// of exactly the bytes given, as if each were hashed alone.
///
/// Memory is bounded whatever the capture: content is kept only for files
/// up to kMaxKept bytes, at most kBudget bytes of finished files (the least
/// recently matched go first) plus at most kBudget bytes gathered by
/// transfers still running.
class FileDigests {
public:
    static constexpr std::size_t kMaxKept = std::size_t{16} << 20;
    static constexpr std::size_t kBudget = std::size_t{32} << 20;

    class Stream;
    /// A transfer's digest, fed its bytes in order; \p name (the file name)
    /// picks which kept files it is compared with.
    Stream open(std::string_view name);

    /// Kept content of finished files (for tests and the benchmark notes).
    [[nodiscard]] std::size_t kept_bytes() const { return kept_bytes_; }
    [[nodiscard]] std::size_t gathering_bytes() const { return gathering_bytes_; }

private:
    struct File {
        std::string name;
        Bytes content;
        std::string sha256;
    };
    using FileRef = std::shared_ptr<const File>;
    /// A kept file with this name whose content starts with \p prefix of
    /// \p known (which may be null for "no bytes yet") followed by \p next.
    FileRef find(std::string_view name, const File* known, std::size_t prefix, ByteView next);
    void keep(std::string name, Bytes content, const std::string& sha256);
    bool reserve(std::size_t n);
    void release(std::size_t n);

    std::list<FileRef> files_;  ///< most recently used first
    std::set<std::string, std::less<>> gathering_names_;  ///< by one stream each
    std::size_t kept_bytes_ = 0;
    std::size_t gathering_bytes_ = 0;
};

class FileDigests::Stream {
public:
    Stream(Stream&&) noexcept;
    Stream& operator=(Stream&&) noexcept;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream();
    void update(ByteView data);
    /// Lower-case hex digest; the stream is spent afterwards.
    std::string finish();

private:
    friend class FileDigests;
    Stream(FileDigests& owner, std::string_view name);
    /// Leaves the kept file matched so far: hashes its matched prefix.
    void diverge();
    void stop_gathering();

    FileDigests* owner_;
    std::string name_;
    FileRef match_;              ///< kept file equal to every byte so far
    std::size_t matched_ = 0;    ///< bytes given so far (all equal to match_ while it is set)
    std::unique_ptr<Sha256> hash_;  ///< once no kept file matches
    /// Makes this stream the one that gathers name_; false while another does.
    bool claim();

    Bytes gathered_;             ///< this file's bytes, to keep it when it ends
    bool gathering_ = true;
    bool claimed_ = false;       ///< this stream is the one gathering name_
};

std::string sha256_hex(ByteView data);
/// Streams the file; the error names the file and the reason.
Result<std::string> sha256_file(const std::string& path);

}  // namespace pxecheck::analyze
