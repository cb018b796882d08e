// pipeline::read_capture(): files read in order as one capture, time
// windows, the hash tee, and what a bad file does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/pipeline/capture_source.hpp"

namespace {

using namespace pxecheck;
namespace fs = std::filesystem;

std::string lab(const std::string& name) { return std::string(PXECHECK_SOURCE_DIR) + "/captures/" + name; }

const std::string kHealthy = lab("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap");

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "pxecheck-pipeline-XXXXXX").string();
        dir_ = mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(dir_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string file(const std::string& name) const { return (fs::path(dir_) / name).string(); }

private:
    std::string dir_;
};

struct Recorded {
    std::int64_t time_ns;
    Bytes data;
};

std::vector<Recorded> frames_of(const std::string& path) {
    std::vector<Recorded> out;
    auto r = link::PcapReader::open(path);
    EXPECT_TRUE(r) << (r ? "" : r.error());
    if (!r) return out;
    while (auto f = (*r)->next()) out.push_back({f->timestamp_ns, Bytes(f->data.begin(), f->data.end())});
    return out;
}

/// Writes frames [from, to) of \p frames to \p path with \p linktype.
void write_part(const std::string& path, const std::vector<Recorded>& frames, std::size_t from, std::size_t to,
                int linktype = 1) {
    auto w = link::PcapWriter::create(path, linktype);
    ASSERT_TRUE(w) << (w ? "" : w.error());
    for (std::size_t i = from; i < to; ++i) (*w)->write(frames[i].time_ns, frames[i].data);
    ASSERT_TRUE((*w)->close().ok());
}

/// Numbers and times of every kept frame, for comparing two reads.
std::vector<std::pair<std::size_t, std::int64_t>> kept(const analyze::Trace& t) {
    std::vector<std::pair<std::size_t, std::int64_t>> out;
    for (const auto& f : t.frames) out.emplace_back(f.number, f.time_ns);
    return out;
}

TEST(CaptureSource, ParsesTimeBounds) {
    auto rel = pipeline::parse_time_bound("1.5");
    ASSERT_TRUE(rel);
    EXPECT_TRUE(rel->relative);
    EXPECT_EQ(rel->ns, 1'500'000'000);
    auto abs = pipeline::parse_time_bound("2026-11-27T04:50:00Z");
    ASSERT_TRUE(abs);
    EXPECT_FALSE(abs->relative);
    EXPECT_EQ(abs->ns, std::int64_t{1'795'755'000} * 1'000'000'000);
    for (const char* bad : {"", "-1", "1.5s", "inf", "nan", "1e300", "2026-11-27", "2026-11-27T04:50:00+01"})
        EXPECT_FALSE(pipeline::parse_time_bound(bad)) << bad;
}

TEST(CaptureSource, RotatedPiecesReadAsOneCapture) {
    const auto frames = frames_of(kHealthy);
    ASSERT_GT(frames.size(), 100u);
    TempDir tmp;
    const std::size_t cut = frames.size() / 3;
    write_part(tmp.file("a.pcap"), frames, 0, cut);
    write_part(tmp.file("b.pcap"), frames, cut, frames.size());

    pipeline::CaptureSpec whole;
    whole.files = {kHealthy};
    auto one = pipeline::read_capture(whole);
    ASSERT_TRUE(one) << one.error();
    pipeline::CaptureSpec pieces;
    pieces.files = {tmp.file("a.pcap"), tmp.file("b.pcap")};
    auto two = pipeline::read_capture(pieces);
    ASSERT_TRUE(two) << two.error();

    // Frame numbers run on across the files: the same frames, numbers and sessions.
    EXPECT_EQ(kept(two->trace), kept(one->trace));
    EXPECT_EQ(two->trace.total_frames, frames.size());
    EXPECT_EQ(two->trace.sessions.size(), one->trace.sessions.size());
    EXPECT_EQ(two->source_names, tmp.file("a.pcap") + " " + tmp.file("b.pcap"));
    EXPECT_EQ(two->trace.source, tmp.file("a.pcap") + " (+1 more)");
    EXPECT_TRUE(two->damage.empty());
    // Several files carry no hash (which file's would it be?).
    EXPECT_TRUE(two->sha256.empty());
}

TEST(CaptureSource, HashIsTheFilesSha256OnlyWhenAsked) {
    pipeline::CaptureSpec spec;
    spec.files = {kHealthy};
    auto unhashed = pipeline::read_capture(spec);
    ASSERT_TRUE(unhashed);
    EXPECT_TRUE(unhashed->sha256.empty());
    spec.hash = true;
    auto hashed = pipeline::read_capture(spec);
    ASSERT_TRUE(hashed);
    auto expected = analyze::sha256_file(kHealthy);
    ASSERT_TRUE(expected);
    EXPECT_EQ(hashed->sha256, *expected);
}

TEST(CaptureSource, TimeWindowKeepsOnlyFramesInside) {
    pipeline::CaptureSpec spec;
    spec.files = {kHealthy};
    auto all = pipeline::read_capture(spec);
    ASSERT_TRUE(all);
    const std::int64_t first = all->trace.first_time_ns;
    spec.since = pipeline::TimeBound{true, 2'000'000'000};
    spec.until = pipeline::TimeBound{false, first + 6'000'000'000};
    auto window = pipeline::read_capture(spec);
    ASSERT_TRUE(window);
    ASSERT_FALSE(window->trace.frames.empty());
    EXPECT_LT(window->trace.frames.size(), all->trace.frames.size());
    for (const auto& f : window->trace.frames) {
        EXPECT_GE(f.time_ns - first, 2'000'000'000) << f.number;
        EXPECT_LE(f.time_ns, first + 6'000'000'000) << f.number;
    }
}

TEST(CaptureSource, ErrorsNameTheFile) {
    pipeline::CaptureSpec spec;
    spec.files = {"/nonexistent/x.pcap"};
    auto missing = pipeline::read_capture(spec);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("/nonexistent/x.pcap"), std::string::npos) << missing.error();

    const auto frames = frames_of(kHealthy);
    TempDir tmp;
    write_part(tmp.file("eth.pcap"), frames, 0, 10);
    write_part(tmp.file("raw.pcap"), frames, 10, 20, 101 /* raw IP */);
    spec.files = {tmp.file("eth.pcap"), tmp.file("raw.pcap")};
    auto mixed = pipeline::read_capture(spec);
    ASSERT_FALSE(mixed);
    EXPECT_NE(mixed.error().find("raw.pcap: link type 101 differs from 1"), std::string::npos) << mixed.error();
}

TEST(CaptureSource, ALaterPieceThatCannotBeReadIsDamageNotFailure) {
    const auto frames = frames_of(kHealthy);
    TempDir tmp;
    write_part(tmp.file("a.pcap"), frames, 0, 50);
    pipeline::CaptureSpec spec;
    spec.files = {tmp.file("a.pcap"), tmp.file("gone.pcap")};
    auto read = pipeline::read_capture(spec);
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(read->trace.total_frames, 50u);
    EXPECT_NE(read->damage.find("gone.pcap"), std::string::npos) << read->damage;
    ASSERT_FALSE(read->trace.source_anomalies.empty());
    EXPECT_EQ(read->trace.source_anomalies.back().id, "capture.read_error");
}

TEST(CaptureSource, PrepareSeesTheBuilderBeforeTheFirstFrame) {
    pipeline::CaptureSpec spec;
    spec.files = {kHealthy};
    std::size_t pieces = 0;
    std::size_t sessions = 0;
    auto read = pipeline::read_capture(spec, [&](analyze::TraceBuilder& b) {
        EXPECT_EQ(b.live_frames(), 0u);
        b.stream([&](analyze::Trace&& piece) {
            ++pieces;
            sessions += piece.sessions.size();
        });
    });
    ASSERT_TRUE(read);
    // Streamed: the sessions went to the sink, the trace is the description.
    EXPECT_GT(pieces, 0u);
    EXPECT_GT(sessions, 0u);
    EXPECT_TRUE(read->trace.sessions.empty());
    EXPECT_GT(read->trace.total_frames, 0u);
}

}  // namespace
