// Bounded-memory reports: each judged session rendered as it comes (see
// include/pxecheck/report/streaming.hpp).
#include "pxecheck/report/streaming.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "json_parts.hpp"
#include "text_parts.hpp"

namespace pxecheck::report {

using nlohmann::json;

namespace {

/// Placeholders that the report's arrays replace in the dumped skeleton.
constexpr const char* kFindingsMark = "\x01pxecheck:findings\x01";
constexpr const char* kSessionsMark = "\x01pxecheck:sessions\x01";
constexpr const char* kFramesMark = "\x01pxecheck:frames\x01";

/// Frees a vector's storage (`v = {}` keeps its capacity).
template <typename T>
void release(std::vector<T>& v) {
    std::vector<T>().swap(v);
}

}  // namespace

/// The rendered JSON of judged sessions until the report is written: an
/// unlinked temporary file, or memory where none can be made.
class StreamingReport::Spill {
public:
    Spill() : file_(std::tmpfile()) {
        // Large writes: stdio's 4 KiB buffer made a write(2) per 4 KiB of report.
        if (file_) std::setvbuf(file_, nullptr, _IOFBF, std::size_t{1} << 20);
    }
    ~Spill() {
        if (file_) std::fclose(file_);
    }
    Spill(const Spill&) = delete;
    Spill& operator=(const Spill&) = delete;

    Ref put(const std::string& text) {
        Ref r{size_, text.size()};
        flushed_ = false;
        if (file_) {
            if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) failed_ = true;
        } else {
            memory_ += text;
        }
        size_ += text.size();
        return r;
    }
    /// Copies \p r to \p out; false on a read or write error. Reads the
    /// file a window at a time: the pieces go out roughly in the order they
    /// were put, tens of thousands of them, and a read each (or a seek,
    /// which made stdio drop its buffer) cost more than the copying.
    bool copy(Ref r, std::FILE* out) {
        if (!file_) return std::fwrite(memory_.data() + r.offset, 1, r.size, out) == r.size;
        if (!flushed_) {
            if (std::fflush(file_) != 0) return false;
            flushed_ = true;
            window_size_ = 0;
        }
        while (r.size) {
            if (r.offset < window_offset_ || r.offset >= window_offset_ + window_size_) {
                if (window_.empty()) window_.resize(kWindow);
                window_offset_ = r.offset;
                window_size_ = 0;
                for (;;) {
                    const ssize_t n = ::pread(fileno(file_), window_.data(), window_.size(),
                                              static_cast<off_t>(window_offset_));
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) return false;
                    window_size_ = static_cast<std::uint64_t>(n);
                    break;
                }
            }
            const std::uint64_t at = r.offset - window_offset_;
            const auto n = static_cast<std::size_t>(std::min(r.size, window_size_ - at));
            if (std::fwrite(window_.data() + at, 1, n, out) != n) return false;
            r.offset += n;
            r.size -= n;
        }
        return true;
    }
    [[nodiscard]] bool failed() const { return failed_; }

private:
    std::FILE* file_;
    std::string memory_;
    std::uint64_t size_ = 0;
    bool failed_ = false;
    bool flushed_ = false;  ///< everything put() is in the file, for pread
    static constexpr std::size_t kWindow = std::size_t{1} << 20;
    std::vector<char> window_;  ///< the file's bytes from window_offset_ (copy())
    std::uint64_t window_offset_ = 0;
    std::uint64_t window_size_ = 0;
};

StreamingReport::StreamingReport(Options options)
    : options_(std::move(options)), spill_(std::make_unique<Spill>()) {}

StreamingReport::~StreamingReport() = default;

void StreamingReport::add(analyze::Trace&& piece, std::vector<analyze::BootPath>&& boots,
                          std::vector<checks::Finding>&& findings) {
    const std::size_t order = piece.frames.empty() ? SIZE_MAX : piece.frames.front().number;
    // A piece holds one session at most.
    for (const auto& f : findings) ++counts_[static_cast<int>(f.severity)];
    std::optional<analyze::BootPath> boot;
    if (!boots.empty()) {
        ++sessions_seen_;
        boot = std::move(boots.front());
    }

    // frames[] lists every frame only while there are at most max_frames
    // entries in all, which a large capture passes early: the first pieces
    // are held (up to max_held_bytes) and rendered at the end if frames[]
    // stays, so that a large capture does not render thousands of entries
    // only to drop them (a twentieth of the CPU time on a million frames).
    bool hold = false;
    if (options_.keep_json && !frames_omitted_) {
        frames_listed_ += detail::frame_entry_count(piece);
        if (frames_listed_ > options_.max_frames) {
            frames_omitted_ = true;
            release(frames_json_);
            release(frames_held_);
            frames_held_bytes_ = 0;
        } else if (const std::size_t bytes = held_bytes(piece); frames_held_bytes_ + bytes <= options_.max_held_bytes) {
            hold = true;
            frames_held_bytes_ += bytes;
        } else {
            render_frames(piece);
        }
    }

    // The frames go now; the reports read the session's MAC, addresses and
    // transfers, whose per-packet events go too.
    if (!hold) {
        release(piece.frames);
        for (auto& t : piece.transfers) release(t.events);
        for (auto& s : piece.sessions) {
            release(s.dhcp_frames);
            release(s.arp_frames);
        }
    }

    // The reports' own renderers' pieces, on this session alone.
    const detail::TextStyle style{options_.text.color};
    std::string text;
    text.reserve(8192);
    if (boot && options_.keep_json) {
        detail::PrettyWriter w(text, 4);
        detail::write_session(w, piece, piece.sessions.front(), *boot);
        sessions_json_.emplace_back(order, spill_->put(text));
    }
    if (boot && options_.keep_text) {
        const auto& session = piece.sessions.front();
        SessionText st;
        st.first_frame = order;
        st.mac = session.mac;
        st.attempt = session.attempt;
        st.row = spill_->put(detail::text_row_start(session, *boot, piece.transfers));
        // Details show for a few clients only, or with --verbose: the
        // first few are rendered in case no more come.
        if (options_.text.verbose || sessions_seen_ <= detail::kTextDetailedSessions)
            st.detail = spill_->put(detail::text_detail(style, session, *boot, piece.transfers));
        sessions_text_.push_back(st);
    }
    if (!options_.keep_json && !options_.keep_text) return;
    for (const auto& f : findings) {
        FindingRef r;
        r.piece_order = order;
        r.seq = findings_.size();
        r.first_frame = f.frames.empty() ? SIZE_MAX : f.frames.front();
        r.id = f.id;
        r.severity = f.severity;
        r.client = f.client;
        r.attempt = f.attempt;
        if (options_.keep_json) {
            text.clear();
            detail::PrettyWriter w(text, 4);
            detail::write_finding(w, f);
            r.json = spill_->put(text);
        }
        if (options_.keep_text) r.line = spill_->put(detail::text_finding(style, f, options_.text.verbose));
        findings_.push_back(std::move(r));
    }
    if (hold) frames_held_.push_back(std::move(piece));
}

std::size_t StreamingReport::held_bytes(const analyze::Trace& piece) {
    // An estimate: the frame, its bytes twice (raw and the UDP payload), a
    // DHCP message's options, each transfer's events.
    std::size_t n = sizeof piece;
    for (const auto& f : piece.frames)
        n += sizeof f + 2 * f.raw.size() + (f.dhcp ? f.dhcp->options.size() * 64 : 0);
    for (const auto& t : piece.transfers) n += sizeof t + t.events.size() * sizeof(analyze::TftpTransfer::Event);
    return n;
}

void StreamingReport::render_frames(const analyze::Trace& piece) {
    for (const auto& [number, text] : detail::frame_entries(piece, 4)) frames_json_.emplace_back(number, spill_->put(text));
}

namespace {

/// The engine's order (checks::run_checks): by first frame, then rule ID.
template <typename Container, typename FirstFrame, typename Id>
void engine_order(Container& v, FirstFrame first_frame, Id id) {
    using T = typename Container::value_type;
    std::stable_sort(v.begin(), v.end(), [&](const T& x, const T& y) {
        if (first_frame(x) != first_frame(y)) return first_frame(x) < first_frame(y);
        return id(x) < id(y);
    });
}

}  // namespace

Analysis StreamingReport::finish(RunInfo run, analyze::Trace&& capture) {
    Analysis a;
    a.run = std::move(run);
    a.options = options_.selection;
    summary_ = std::move(capture);
    summary_.frames.clear();
    summary_.sessions.clear();
    summary_.transfers.clear();

    a.trace = &summary_;
    a.boots.clear();
    a.findings.clear();

    std::stable_sort(findings_.begin(), findings_.end(), [](const FindingRef& x, const FindingRef& y) {
        if (x.piece_order != y.piece_order) return x.piece_order < y.piece_order;
        return x.seq < y.seq;
    });
    engine_order(
        findings_, [](const FindingRef& f) { return f.first_frame; },
        [](const FindingRef& f) -> const std::string& { return f.id; });
    std::stable_sort(sessions_json_.begin(), sessions_json_.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::stable_sort(sessions_text_.begin(), sessions_text_.end(),
                     [](const SessionText& x, const SessionText& y) { return x.first_frame < y.first_frame; });
    if (!frames_omitted_)
        for (const auto& piece : frames_held_) render_frames(piece);
    release(frames_held_);
    frames_held_bytes_ = 0;
    std::stable_sort(frames_json_.begin(), frames_json_.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });

    // checks::verdict_of, from the counts (the findings may not be kept).
    const auto fail = static_cast<int>(checks::Severity::Fail);
    const auto warn = static_cast<int>(checks::Severity::Warn);
    a.verdict = counts_[fail] ? checks::Verdict::Fail : counts_[warn] ? checks::Verdict::Warn : checks::Verdict::Pass;
    return a;
}

Status StreamingReport::write_json(const Analysis& a, std::FILE* out) const {
    // The report without its long arrays, from the one renderer; then each
    // array spliced in where its placeholder stands.
    analyze::Trace header;
    header.source = summary_.source;
    header.linktype = summary_.linktype;
    header.total_frames = summary_.total_frames;
    header.first_time_ns = summary_.first_time_ns;
    header.last_time_ns = summary_.last_time_ns;
    header.source_anomalies = summary_.source_anomalies;
    Analysis bare = a;
    bare.trace = &header;
    bare.boots.clear();
    bare.findings.clear();
    json j = report::to_json(bare);
    j["counts"] = json{{"fail", counts_[static_cast<int>(checks::Severity::Fail)]},
                       {"warn", counts_[static_cast<int>(checks::Severity::Warn)]},
                       {"info", counts_[static_cast<int>(checks::Severity::Info)]}};
    j["findings"] = kFindingsMark;
    j["sessions"] = kSessionsMark;
    if (j.contains("frames")) {
        if (frames_omitted_) {
            j.erase("frames");
            j["source"]["anomalies"].push_back(
                {{"id", "report.frames_omitted"},
                 {"detail", "frames[] left out: the capture has more than " + std::to_string(options_.max_frames) +
                                " frames to list, and streaming analysis does not hold them all"}});
        } else {
            j["frames"] = kFramesMark;
        }
    }
    const std::string text = j.dump(2, ' ', false, json::error_handler_t::replace);

    auto write = [&](std::string_view s) { return std::fwrite(s.data(), 1, s.size(), out) == s.size(); };
    auto write_array = [&](auto begin, auto end, auto ref_of) {
        if (begin == end) return write("[]");
        bool ok = write("[\n");
        for (auto it = begin; ok && it != end; ++it) {
            if (it != begin) ok = write(",\n");
            ok = ok && spill_->copy(ref_of(*it), out);
        }
        return ok && write("\n  ]");
    };
    std::size_t at = 0;
    bool ok = !spill_->failed();
    while (ok) {
        // The next placeholder: a JSON string holding one of the marks.
        std::size_t next = std::string::npos;
        int which = -1;
        const char* marks[] = {kFindingsMark, kSessionsMark, kFramesMark};
        for (int m = 0; m < 3; ++m) {
            const std::string quoted = json(marks[m]).dump();
            const std::size_t p = text.find(quoted, at);
            if (p < next) {
                next = p;
                which = m;
            }
        }
        if (which < 0) {
            ok = write(std::string_view(text).substr(at));
            break;
        }
        ok = write(std::string_view(text).substr(at, next - at));
        if (!ok) break;
        if (which == 0)
            ok = write_array(findings_.begin(), findings_.end(), [](const FindingRef& r) { return r.json; });
        else if (which == 1)
            ok = write_array(sessions_json_.begin(), sessions_json_.end(), [](const auto& p) { return p.second; });
        else
            ok = write_array(frames_json_.begin(), frames_json_.end(), [](const auto& p) { return p.second; });
        at = next + json(marks[which]).dump().size();
    }
    if (!ok) return Error{std::string("write failed (") + std::strerror(errno) + ")"};
    return ok_status();
}

Status StreamingReport::write_text(const Analysis& a, std::FILE* out) const {
    if (!options_.keep_text) return Error{"the terminal report was not kept (keep_text)"};
    const detail::TextStyle style{options_.text.color};
    auto write = [&](std::string_view s) { return std::fwrite(s.data(), 1, s.size(), out) == s.size(); };
    bool ok = !spill_->failed() && write(detail::text_header(a, summary_, sessions_text_.size()));
    if (sessions_text_.size() > 1) {
        // findings_ is in the report's order by now.
        const auto worst = detail::worst_by_client(findings_);
        ok = ok && write(detail::text_table_head());
        for (const auto& s : sessions_text_) {
            if (!ok) break;
            auto w = worst.find(detail::AttemptKey{s.mac, s.attempt});
            ok = spill_->copy(s.row, out) &&
                 write(w == worst.end() ? detail::text_row_end(nullptr)
                                        : detail::text_row_end(w->second->severity, w->second->id));
        }
    }
    if (sessions_text_.size() <= detail::kTextDetailedSessions || options_.text.verbose)
        for (const auto& s : sessions_text_) ok = ok && spill_->copy(s.detail, out);
    if (!findings_.empty()) ok = ok && write(detail::text_findings_head());
    for (const auto& f : findings_) ok = ok && spill_->copy(f.line, out);
    ok = ok && write(detail::text_verdict(style, a.verdict, counts_[static_cast<int>(checks::Severity::Fail)],
                                          counts_[static_cast<int>(checks::Severity::Warn)],
                                          counts_[static_cast<int>(checks::Severity::Info)]));
    if (!ok) return Error{std::string("write failed (") + std::strerror(errno) + ")"};
    return ok_status();
}

nlohmann::json StreamingReport::to_json(const Analysis& a) const {
    std::FILE* mem = std::tmpfile();
    if (!mem) return report::to_json(a);
    std::string text;
    if (write_json(a, mem)) {
        std::fflush(mem);
        std::rewind(mem);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, mem)) > 0) text.append(buf, n);
    }
    std::fclose(mem);
    return text.empty() ? report::to_json(a) : json::parse(text);
}

}  // namespace pxecheck::report
