#pragma once
/// \file
/// SHA-256 of files and buffers (OpenSSL), for evidence: reports name the
/// hash of the capture they were made from and of every file transferred.

#include <string>

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

std::string sha256_hex(ByteView data);
/// Streams the file; the error names the file and the reason.
Result<std::string> sha256_file(const std::string& path);

}  // namespace pxecheck::analyze
