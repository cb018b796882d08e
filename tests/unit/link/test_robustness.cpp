// decode_frame must survive anything: every prefix of every real frame, the
// same bytes read as every other link type, and thousands of deterministic
// random mutations. Fragments that come out go through a small Reassembler.
// Run under ASan/UBSan (PXECHECK_ENABLE_SANITIZERS) this is the out-of-bounds
// check; without it, it still checks the invariants below.

#include <gtest/gtest.h>

#include <random>

#include "link_test_util.hpp"

using namespace linktest;

namespace {

constexpr int kLinkTypes[] = {linktype::kNull,     linktype::kEthernet, linktype::kRaw,
                              linktype::kLinuxSll, linktype::kIpv4,     linktype::kLinuxSll2};

struct Corpus {
    std::vector<std::pair<int, Bytes>> frames;  ///< (link type, bytes)
};

const Corpus& corpus() {
    static const Corpus c = [] {
        Corpus out;
        for (const auto& name : public_captures()) {
            const auto r = read_all(capture_path(name));
            for (const auto& f : r.frames) out.frames.emplace_back(r.linktype, f.data);
        }
        // A few built ones for link types no public capture has.
        const Bytes eth = build_udp_frame(kClient, kServer, text_bytes("corpus"));
        Bytes tagged(eth.begin(), eth.begin() + 12);
        for (std::uint8_t b : {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a}) tagged.push_back(b);
        tagged.insert(tagged.end(), eth.begin() + 12, eth.end());
        out.frames.emplace_back(linktype::kEthernet, tagged);
        out.frames.emplace_back(linktype::kRaw, ip_part(eth));
        return out;
    }();
    return c;
}

/// What must hold for any input.
void check_invariants(const DecodedFrame& d, std::size_t frame_size) {
    using Kind = DecodedFrame::Kind;
    ASSERT_EQ(d.udp.has_value(), d.kind == Kind::Udp);
    ASSERT_EQ(d.arp.has_value(), d.kind == Kind::Arp);
    ASSERT_EQ(d.fragment.has_value(), d.kind == Kind::Fragment);
    if (d.kind == Kind::Malformed) {
        ASSERT_FALSE(d.anomalies.empty());
    }
    if (d.udp) {
        ASSERT_LE(d.udp->payload.size(), frame_size);
        ASSERT_LE(d.udp->payload.size(), d.udp->declared_length);
        ASSERT_EQ(d.udp->complete, d.udp->payload.size() == d.udp->declared_length);
    }
    if (d.fragment) {
        ASSERT_LE(d.fragment->data.size(), frame_size);
    }
    for (const auto& a : d.anomalies) {
        ASSERT_FALSE(a.id.empty());
        ASSERT_LE(a.offset, frame_size);
        ASSERT_FALSE(a.detail.empty());
    }
}

}  // namespace

TEST(DecodeRobustness, EveryPrefixOfEveryRealFrame) {
    std::size_t decoded = 0;
    for (const auto& [lt, frame] : corpus().frames) {
        for (std::size_t n = 0; n <= frame.size(); ++n) {
            const ByteView prefix(frame.data(), n);
            const auto d = decode_frame(lt, prefix);
            check_invariants(d, n);
            if (HasFatalFailure()) return;
            ++decoded;
        }
    }
    EXPECT_GT(decoded, 10000u);
}

TEST(DecodeRobustness, RealFramesReadAsEveryLinkType) {
    for (const auto& [lt, frame] : corpus().frames) {
        for (int other : kLinkTypes) {
            // Short prefixes exercise the header checks of the wrong layer.
            for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{19}, std::size_t{41}, frame.size()}) {
                if (n > frame.size()) continue;
                check_invariants(decode_frame(other, ByteView(frame.data(), n)), n);
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST(DecodeRobustness, RandomMutations) {
    // mt19937 output is fixed by the standard, so every run and platform
    // tries the same 6000 frames.
    std::mt19937 rng(0x5eed);
    const auto& frames = corpus().frames;
    Reassembler reassembler(8);
    Anomalies reassembly_anomalies;
    std::size_t fragments = 0;
    for (int i = 0; i < 6000; ++i) {
        const auto& [lt, original] = frames[rng() % frames.size()];
        Bytes f = original;
        const unsigned edits = 1 + rng() % 8;
        for (unsigned e = 0; e < edits && !f.empty(); ++e) {
            // Most edits land in the first 64 bytes, where the headers are.
            const std::size_t at = (rng() % 4 != 0) ? rng() % std::min<std::size_t>(f.size(), 64) : rng() % f.size();
            switch (rng() % 5) {
            case 0: f[at] = static_cast<std::uint8_t>(rng()); break;
            case 1: f[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
            case 2: f.resize(at); break;
            case 3: f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng())); break;
            default: f[at] = (rng() % 2) ? 0xff : 0x00; break;
            }
        }
        const int link = (rng() % 10 == 0) ? kLinkTypes[rng() % std::size(kLinkTypes)] : lt;
        const auto d = decode_frame(link, f);
        check_invariants(d, f.size());
        if (HasFatalFailure()) {
            ADD_FAILURE() << "case " << i << " link " << link << ": " << to_hex(f);
            return;
        }
        if (d.fragment) {
            ++fragments;
            reassembler.add(*d.fragment, reassembly_anomalies, i);
            ASSERT_LE(reassembler.pending(), 8u);
        }
    }
    // Flag flips make plenty of fragments; the reassembler saw them.
    EXPECT_GT(fragments, 50u);
}

TEST(DecodeRobustness, PureNoise) {
    std::mt19937 rng(1350);
    for (int i = 0; i < 2000; ++i) {
        Bytes f(rng() % 200);
        for (auto& b : f) b = static_cast<std::uint8_t>(rng());
        for (int lt : kLinkTypes) {
            check_invariants(decode_frame(lt, f), f.size());
            if (HasFatalFailure()) return;
        }
    }
}
