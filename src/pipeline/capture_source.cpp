// Files into a trace (include/pxecheck/pipeline/capture_source.hpp).
#include "pxecheck/pipeline/capture_source.hpp"

#include <ctime>

#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::pipeline {

std::optional<TimeBound> parse_time_bound(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const std::string s(text);
    if (s.find('T') != std::string::npos) {
        std::tm tm{};
        const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || (*end != 0 && std::string_view(end) != "Z")) return std::nullopt;
        return TimeBound{false, static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000};
    }
    try {
        std::size_t used = 0;
        const double secs = std::stod(s, &used);
        // Up to 9e9 s (285 years): the nanoseconds must fit 64 bits.
        if (used != s.size() || !(secs >= 0 && secs < 9e9)) return std::nullopt;
        return TimeBound{true, static_cast<std::int64_t>(secs * 1e9)};
    } catch (...) {
        return std::nullopt;
    }
}

Result<CaptureRead> read_capture(const CaptureSpec& spec, const PrepareBuilder& prepare) {
    if (spec.files.empty()) return Error{"no capture file given"};
    // The hash comes from the blocks the reader reads anyway, on the
    // FileTee observer thread (so on the other core meanwhile).
    std::optional<analyze::Sha256> capture_hash;
    if (spec.files.size() == 1 && spec.hash) capture_hash.emplace();

    CaptureRead out;
    std::optional<analyze::TraceBuilder> builder;
    std::size_t number_offset = 0;
    std::int64_t first_ns = -1;
    int linktype = -1;
    for (const auto& file : spec.files) {
        link::FileTee::Observer observer;
        if (capture_hash) observer = [&hash = *capture_hash](ByteView block) { hash.update(block); };
        auto reader = link::PcapReader::open(file, std::move(observer));
        if (!reader && builder) {
            // A later piece of a rotated capture: the pieces before it stand.
            out.damage = reader.error();
            builder->add_source_anomaly({"capture.read_error", 0, out.damage});
            break;
        }
        if (!reader) return Error{reader.error()};
        auto& r = **reader;
        if (linktype < 0) {
            linktype = r.linktype();
            builder.emplace(spec.files.size() == 1
                                ? file
                                : spec.files.front() + " (+" + std::to_string(spec.files.size() - 1) + " more)",
                            linktype);
            if (prepare) prepare(*builder);
        } else if (r.linktype() != linktype) {
            return Error{file + ": link type " + std::to_string(r.linktype()) + " differs from " +
                         std::to_string(linktype) + " of " + spec.files.front() + "; analyse them separately"};
        }
        if (!out.source_names.empty()) out.source_names.push_back(' ');
        out.source_names += file;
        const auto& since = spec.since;
        const auto& until = spec.until;
        std::size_t last = 0;
        while (auto frame = r.next_view()) {
            last = frame->number;
            if (first_ns < 0) first_ns = frame->timestamp_ns;
            const std::int64_t rel = frame->timestamp_ns - first_ns;
            if (since && (since->relative ? rel < since->ns : frame->timestamp_ns < since->ns)) continue;
            if (until && (until->relative ? rel > until->ns : frame->timestamp_ns > until->ns)) continue;
            builder->add(number_offset + frame->number, frame->timestamp_ns, frame->data, frame->original_length);
        }
        if (!r.error().empty()) {
            // The reader's message names the file already.
            out.damage = r.error().rfind(file + ":", 0) == 0 ? r.error() : file + ": " + r.error();
            builder->add_source_anomaly({"capture.read_error", 0, out.damage});
        }
        number_offset += last;
        if (capture_hash && r.wait_observed()) out.sha256 = capture_hash->finish();
    }
    out.trace = std::move(*builder).finish();
    return out;
}

}  // namespace pxecheck::pipeline
