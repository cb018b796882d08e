#include "pxecheck/analyze/hash.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

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

// --- FileDigests ------------------------------------------------------------

FileDigests::Stream FileDigests::open(std::string_view name) { return Stream(*this, name); }

FileDigests::FileRef FileDigests::find(std::string_view name, const File* known, std::size_t prefix, ByteView next) {
    for (auto it = files_.begin(); it != files_.end(); ++it) {
        const File& f = **it;
        if (f.name != name || f.content.size() < prefix + next.size() || &f == known) continue;
        if (prefix && std::memcmp(f.content.data(), known->content.data(), prefix) != 0) continue;
        if (!next.empty() && std::memcmp(f.content.data() + prefix, next.data(), next.size()) != 0) continue;
        files_.splice(files_.begin(), files_, it);  // most recently used first
        return files_.front();
    }
    return nullptr;
}

void FileDigests::keep(std::string name, Bytes content, const std::string& sha256) {
    // The same content under the same name may have been kept meanwhile by
    // a transfer that ran alongside.
    for (const auto& f : files_)
        if (f->name == name && f->sha256 == sha256) return;
    const std::size_t size = content.size();
    files_.push_front(std::make_shared<const File>(File{std::move(name), std::move(content), sha256}));
    kept_bytes_ += size;
    while (kept_bytes_ > kBudget && !files_.empty()) {
        kept_bytes_ -= files_.back()->content.size();
        files_.pop_back();  // a stream matching it still holds it
    }
}

bool FileDigests::reserve(std::size_t n) {
    if (gathering_bytes_ + n > kBudget) return false;
    gathering_bytes_ += n;
    return true;
}

void FileDigests::release(std::size_t n) { gathering_bytes_ -= n; }

bool FileDigests::Stream::claim() {
    // One transfer per name gathers at a time: in a rack that boots at
    // once, every client starts the same file before the first one ends,
    // and one copy is all that is worth keeping.
    if (!claimed_) claimed_ = owner_->gathering_names_.insert(name_).second;
    return claimed_;
}

FileDigests::Stream::Stream(FileDigests& owner, std::string_view name) : owner_(&owner), name_(name) {}

FileDigests::Stream::Stream(Stream&& o) noexcept
    : owner_(o.owner_),
      name_(std::move(o.name_)),
      match_(std::move(o.match_)),
      matched_(o.matched_),
      hash_(std::move(o.hash_)),
      gathered_(std::move(o.gathered_)),
      gathering_(std::exchange(o.gathering_, false)),
      claimed_(std::exchange(o.claimed_, false)) {}

FileDigests::Stream& FileDigests::Stream::operator=(Stream&& o) noexcept {
    if (this != &o) {
        stop_gathering();
        owner_ = o.owner_;
        name_ = std::move(o.name_);
        match_ = std::move(o.match_);
        matched_ = o.matched_;
        hash_ = std::move(o.hash_);
        gathered_ = std::move(o.gathered_);
        gathering_ = std::exchange(o.gathering_, false);
        claimed_ = std::exchange(o.claimed_, false);
    }
    return *this;
}

FileDigests::Stream::~Stream() { stop_gathering(); }

void FileDigests::Stream::stop_gathering() {
    if (claimed_) owner_->gathering_names_.erase(name_);
    claimed_ = false;
    if (!gathering_) return;
    gathering_ = false;
    owner_->release(gathered_.size());
    Bytes().swap(gathered_);
}

void FileDigests::Stream::diverge() {
    hash_ = std::make_unique<Sha256>();
    const ByteView prefix(match_->content.data(), matched_);
    hash_->update(prefix);
    // Gathered afresh: until now the kept file held these bytes.
    if (gathering_ && matched_ <= kMaxKept && claim() && owner_->reserve(matched_))
        gathered_.assign(prefix.begin(), prefix.end());
    else stop_gathering();
    match_.reset();
}

void FileDigests::Stream::update(ByteView data) {
    if (!hash_) {
        const bool same = match_ && matched_ + data.size() <= match_->content.size() &&
                          std::memcmp(match_->content.data() + matched_, data.data(), data.size()) == 0;
        if (!same) {
            // Another kept file of this name may still match all of it.
            if (auto other = owner_->find(name_, match_.get(), matched_, data)) match_ = std::move(other);
            else if (match_) diverge();
            else hash_ = std::make_unique<Sha256>();  // the first bytes: no kept file starts so
        }
        if (match_) {
            matched_ += data.size();
            return;
        }
    }
    hash_->update(data);
    matched_ += data.size();
    if (!gathering_) return;
    if (gathered_.size() + data.size() <= kMaxKept && claim() && owner_->reserve(data.size()))
        gathered_.insert(gathered_.end(), data.begin(), data.end());
    else
        stop_gathering();
}

std::string FileDigests::Stream::finish() {
    if (match_ && matched_ == match_->content.size()) {
        stop_gathering();
        return match_->sha256;
    }
    if (match_) diverge();                            // a prefix of a kept file
    if (!hash_) hash_ = std::make_unique<Sha256>();  // no bytes at all
    std::string digest = hash_->finish();
    if (gathering_ && claimed_) {
        const std::size_t n = gathered_.size();
        owner_->keep(name_, std::move(gathered_), digest);
        gathering_ = false;
        owner_->release(n);
    }
    stop_gathering();
    return digest;
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
