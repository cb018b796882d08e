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
}  // namespace

struct Sha256::Ctx {
    std::unique_ptr<EVP_MD_CTX, CtxFree> md{EVP_MD_CTX_new()};
};

Sha256::Sha256() : ctx_(new Ctx) { EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr); }
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
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return to_hex(ByteView(md, len));
}

Result<std::string> sha256_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "rb"));
    if (!f) return Error{path + ": " + std::strerror(errno)};
    std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
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
