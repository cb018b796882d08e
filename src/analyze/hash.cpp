#include "pxecheck/analyze/hash.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace pxecheck::analyze {

namespace {
struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct FileClose {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

/// SHA-256 fetched once: OpenSSL 3 looks the algorithm up on every
/// EVP_sha256() init otherwise, which cost more than hashing a small file
/// (one hasher per TFTP transfer, tens of thousands in a large capture).
const EVP_MD* sha256_md() {
    static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched ? fetched : EVP_sha256();
}
}  // namespace

struct Sha256::Ctx {
    std::unique_ptr<EVP_MD_CTX, CtxFree> md{EVP_MD_CTX_new()};
};

Sha256::Sha256() : ctx_(new Ctx) { EVP_DigestInit_ex(ctx_->md.get(), sha256_md(), nullptr); }
Sha256::~Sha256() { delete ctx_; }
void Sha256::update(ByteView data) { EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size()); }
std::string Sha256::finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_->md.get(), md, &len);
    return to_hex(ByteView(md, len));
}

std::string sha256_hex(ByteView data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, sha256_md(), nullptr);
    return to_hex(ByteView(md, len));
}

Result<std::string> sha256_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "rb"));
    if (!f) return Error{path + ": " + std::strerror(errno)};
    std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), sha256_md(), nullptr);
    unsigned char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) EVP_DigestUpdate(ctx.get(), buf, n);
    if (std::ferror(f.get())) return Error{path + ": read error"};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    return to_hex(ByteView(md, len));
}

}  // namespace pxecheck::analyze
