// FileDigests: a transfer's digest is the SHA-256 of exactly its bytes,
// whether it was recognised as a kept file or hashed, however the bytes
// were split, and whatever other files of the same name were seen before.

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pxecheck/analyze/hash.hpp"

namespace {

using namespace pxecheck;
using analyze::FileDigests;
using analyze::sha256_hex;

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
    return b;
}

/// Feeds \p content in blocks of \p block bytes (the last one short).
std::string digest(FileDigests& d, std::string_view name, const Bytes& content, std::size_t block = 512) {
    auto s = d.open(name);
    for (std::size_t at = 0; at < content.size(); at += block)
        s.update(ByteView(content).subspan(at, std::min(block, content.size() - at)));
    return s.finish();
}

}  // namespace

TEST(FileDigests, FirstTransferIsHashedAndKept) {
    FileDigests d;
    const Bytes f = pattern(5000, 1);
    EXPECT_EQ(digest(d, "pxelinux.0", f), sha256_hex(f));
    EXPECT_EQ(d.kept_bytes(), f.size());
    EXPECT_EQ(d.gathering_bytes(), 0u);
}

TEST(FileDigests, RepeatIsRecognisedWithTheSameDigest) {
    FileDigests d;
    const Bytes f = pattern(70000, 2);
    const auto first = digest(d, "undionly.kpxe", f);
    // Another block size: the comparison does not depend on how it is cut.
    EXPECT_EQ(digest(d, "undionly.kpxe", f, 1468), first);
    EXPECT_EQ(first, sha256_hex(f));
    EXPECT_EQ(d.kept_bytes(), f.size()) << "kept once";
}

TEST(FileDigests, OneByteChangedAnywhereGetsItsOwnDigest) {
    const Bytes f = pattern(4096, 3);
    for (std::size_t at : {std::size_t{0}, std::size_t{511}, std::size_t{512}, std::size_t{2000}, f.size() - 1}) {
        FileDigests d;
        digest(d, "boot.efi", f);
        Bytes g = f;
        g[at] ^= 0x40;
        EXPECT_EQ(digest(d, "boot.efi", g), sha256_hex(g)) << "changed at " << at;
        // Both are kept now; each is still told apart from the other.
        EXPECT_EQ(digest(d, "boot.efi", f), sha256_hex(f));
        EXPECT_EQ(digest(d, "boot.efi", g), sha256_hex(g));
    }
}

TEST(FileDigests, ShorterAndLongerThanAKeptFile) {
    FileDigests d;
    const Bytes f = pattern(3000, 4);
    digest(d, "f", f);
    const Bytes prefix(f.begin(), f.begin() + 1024);  // ends on a block boundary
    EXPECT_EQ(digest(d, "f", prefix), sha256_hex(prefix));
    Bytes longer = f;
    longer.push_back(9);
    EXPECT_EQ(digest(d, "f", longer), sha256_hex(longer));
    EXPECT_EQ(digest(d, "f", Bytes{}), sha256_hex(Bytes{}));
    EXPECT_EQ(digest(d, "f", f), sha256_hex(f));
}

TEST(FileDigests, ANameIsNotTakenForTheContent) {
    FileDigests d;
    const Bytes a = pattern(2048, 5), b = pattern(2048, 6);
    digest(d, "same-name", a);
    EXPECT_EQ(digest(d, "same-name", b), sha256_hex(b));
    EXPECT_EQ(digest(d, "other-name", a), sha256_hex(a));
}

TEST(FileDigests, TransfersSideBySide) {
    // Two clients fetch the same file at once, then a third after them.
    FileDigests d;
    const Bytes f = pattern(10000, 7);
    auto s1 = d.open("x"), s2 = d.open("x");
    for (std::size_t at = 0; at < f.size(); at += 512) {
        const auto block = ByteView(f).subspan(at, std::min<std::size_t>(512, f.size() - at));
        s1.update(block);
        s2.update(block);
    }
    EXPECT_EQ(d.gathering_bytes(), f.size()) << "one copy gathered, not one per client";
    EXPECT_EQ(s1.finish(), sha256_hex(f));
    EXPECT_EQ(s2.finish(), sha256_hex(f));
    EXPECT_EQ(d.kept_bytes(), f.size());
    EXPECT_EQ(digest(d, "x", f), sha256_hex(f));
}

TEST(FileDigests, AbandonedTransferGivesItsGatheredBytesBack) {
    FileDigests d;
    {
        auto s = d.open("cut");
        s.update(pattern(1000, 8));
        EXPECT_EQ(d.gathering_bytes(), 1000u);
    }
    EXPECT_EQ(d.gathering_bytes(), 0u);
    EXPECT_EQ(d.kept_bytes(), 0u);
}

TEST(FileDigests, MemoryStaysWithinTheBudget) {
    FileDigests d;
    // A file over the per-file limit is hashed but not kept.
    const Bytes big = pattern(FileDigests::kMaxKept + 1, 9);
    EXPECT_EQ(digest(d, "initrd", big, 65464), sha256_hex(big));
    EXPECT_EQ(d.kept_bytes(), 0u);
    // Files that together pass the budget push the oldest out.
    const std::size_t n = FileDigests::kMaxKept;
    for (std::uint8_t i = 0; i < 3; ++i) {
        const Bytes f = pattern(n, static_cast<std::uint8_t>(10 + i));
        EXPECT_EQ(digest(d, "kernel", f, 65464), sha256_hex(f));
        EXPECT_LE(d.kept_bytes(), FileDigests::kBudget);
    }
    EXPECT_EQ(d.gathering_bytes(), 0u);
}

TEST(FileDigests, RandomStreamsAgreeWithHashingAlone) {
    // Streams drawn from a few related contents (prefixes, one-byte
    // changes, repeats), cut at random points, fed side by side.
    std::mt19937 rng(20261127);
    const Bytes base = pattern(6000, 11);
    std::vector<Bytes> contents{base, Bytes(base.begin(), base.begin() + 4000), Bytes{}};
    for (int i = 0; i < 6; ++i) {
        Bytes v = base;
        v[rng() % v.size()] ^= 1;
        if (i % 2) v.resize(rng() % v.size());
        contents.push_back(v);
    }
    FileDigests d;
    for (int round = 0; round < 300; ++round) {
        const Bytes& c = contents[rng() % contents.size()];
        auto s = d.open(round % 5 ? "same" : "other");
        for (std::size_t at = 0; at < c.size();) {
            const std::size_t n = std::min<std::size_t>(c.size() - at, 1 + rng() % 1500);
            s.update(ByteView(c).subspan(at, n));
            at += n;
        }
        ASSERT_EQ(s.finish(), sha256_hex(c)) << "round " << round << ", " << c.size() << " bytes";
    }
    EXPECT_EQ(d.gathering_bytes(), 0u);
}
