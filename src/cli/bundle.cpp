#include "bundle.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "common.hpp"
#include "pxecheck/analyze/hash.hpp"
#include "pxecheck/link/pcapng_writer.hpp"
#include "pxecheck/report/render.hpp"

namespace pxecheck::cli {

namespace fs = std::filesystem;

namespace {
constexpr const char* kSums = "SHA256SUMS";
constexpr const char* kCapture = "capture.pcapng";

bool is_hex64(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}
}  // namespace

const std::vector<std::string>& bundle_files() {
    static const std::vector<std::string> files{kCapture, "junit.xml", "report.html", "report.json", "report.md"};
    return files;
}

Result<BundleCapture> bundle_capture_from_files(const std::vector<std::string>& paths) {
    if (paths.empty()) return Error{"no capture file"};
    auto first = link::PcapReader::open(paths.front());
    if (!first) return Error{first.error()};
    struct State {
        std::vector<std::string> paths;
        std::size_t file = 0;
        std::unique_ptr<link::PcapReader> reader;
        std::size_t offset = 0;  // frames of the files before this one
        std::size_t last = 0;
    };
    auto st = std::make_shared<State>();
    st->paths = paths;
    st->reader = std::move(*first);
    BundleCapture c;
    c.linktype = st->reader->linktype();
    c.next = [st]() -> std::optional<link::CapturedFrame> {
        while (st->reader) {
            if (auto f = st->reader->next()) {
                st->last = f->number;
                f->number += st->offset;
                return f;
            }
            st->reader.reset();
            st->offset += st->last;
            st->last = 0;
            while (!st->reader && ++st->file < st->paths.size()) {
                auto r = link::PcapReader::open(st->paths[st->file]);
                if (r) st->reader = std::move(*r);
            }
        }
        return std::nullopt;
    };
    return c;
}

BundleCapture bundle_capture_from_frames(int linktype, std::vector<link::CapturedFrame> frames) {
    auto shared = std::make_shared<std::vector<link::CapturedFrame>>(std::move(frames));
    auto index = std::make_shared<std::size_t>(0);
    BundleCapture c;
    c.linktype = linktype;
    c.next = [shared, index]() -> std::optional<link::CapturedFrame> {
        if (*index >= shared->size()) return std::nullopt;
        return (*shared)[(*index)++];
    };
    return c;
}

Status write_bundle(const std::string& dir, nlohmann::json report, BundleCapture capture,
                    const std::string& tool_version) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) return Error{dir + ": cannot create the report directory (" + ec.message() + ")"};
    const fs::path base(dir);

    // The capture first: its comments come from the findings, and its hash
    // goes into the report.
    auto comments = report::frame_comments(report);
    for (auto& [n, list] : capture.comments)
        for (auto& text : list) comments[n].push_back(text);
    link::PcapngWriter::Options po;
    po.linktype = capture.linktype;
    po.application = "pxecheck " + tool_version;
    po.interface_name = capture.interface_name;
    po.section_comment = fmt::format("pxecheck evidence: verdict {}. {} Source: {}. Frames that findings cite carry "
                                     "them as packet comments.{}",
                                     report.value("verdict", std::string("?")), report::verdict_sentence(report),
                                     report.contains("source") && report["source"].is_object()
                                         ? report["source"].value("name", std::string("?"))
                                         : std::string("?"),
                                     capture.note.empty() ? std::string() : " " + capture.note);
    const std::string capture_path = (base / kCapture).string();
    auto writer = link::PcapngWriter::create(capture_path, po);
    if (!writer) return Error{writer.error()};
    std::size_t count = 0;
    if (capture.next) {
        static const std::vector<std::string> none;
        while (auto f = capture.next()) {
            ++count;
            const std::size_t number = f->number ? f->number : count;
            auto it = comments.find(number);
            (*writer)->write(f->timestamp_ns, f->data, f->original_length, it == comments.end() ? none : it->second);
        }
    }
    if (auto st = (*writer)->close(); !st) return st;
    auto capture_hash = analyze::sha256_file(capture_path);
    if (!capture_hash) return Error{capture_hash.error()};
    report["evidence"] = {{"capture", kCapture}, {"capture_sha256", *capture_hash}, {"capture_frames", count}};

    // report.json as written is the one source of the other renderings.
    const std::string json_text =
        report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const nlohmann::json written = nlohmann::json::parse(json_text);
    const std::vector<std::pair<std::string, std::string>> files{
        {"report.json", json_text},
        {"report.html", report::render_html(written)},
        {"report.md", report::render_markdown(written)},
        {"junit.xml", report::render_junit(written)},
    };
    std::string error;
    for (const auto& [name, text] : files)
        if (!write_file((base / name).string(), text, error)) return Error{error};

    std::string sums;
    for (const auto& name : bundle_files()) {
        auto h = analyze::sha256_file((base / name).string());
        if (!h) return Error{h.error()};
        sums += *h + "  " + name + "\n";
    }
    if (!write_file((base / kSums).string(), sums, error)) return Error{error};
    return ok_status();
}

Result<std::unique_ptr<LiveRecording>> LiveRecording::open(const std::string& pcap_path,
                                                            const std::string& report_dir) {
    std::unique_ptr<LiveRecording> r(new LiveRecording());
    r->report_dir_ = report_dir;
    r->path_ = pcap_path;
    if (r->path_.empty() && !report_dir.empty()) {
        std::error_code ec;
        fs::create_directories(report_dir, ec);
        if (ec || !fs::is_directory(report_dir))
            return Error{report_dir + ": cannot create the report directory (" + ec.message() + ")"};
        r->path_ = (fs::path(report_dir) / ".recording.pcap").string();
        r->hidden_ = true;
    }
    if (r->path_.empty()) return r;
    auto w = link::PcapWriter::create(r->path_);
    if (!w) return Error{w.error()};
    r->writer_ = std::move(*w);
    return r;
}

std::variant<LiveRun, int> open_live_run(std::string_view command, const std::string& iface,
                                         const std::string& pcap_path, const std::string& report_dir) {
    auto opened = link::PcapLive::open(iface, "arp or udp");
    if (auto* err = std::get_if<link::OpenError>(&opened)) {
        fmt::print(stderr, "pxecheck {}: {}\n", command, err->message);
        return kExitEnvironment;
    }
    // The evidence bundle's capture is the frames this run records.
    auto recording = LiveRecording::open(pcap_path, report_dir);
    if (!recording) {
        fmt::print(stderr, "pxecheck {}: {}\n", command, recording.error());
        return kExitUsage;
    }
    return LiveRun{std::move(std::get<std::unique_ptr<link::PcapLive>>(opened)), std::move(*recording)};
}

LiveRecording::~LiveRecording() {
    writer_.reset();
    if (hidden_) {
        std::error_code ec;
        fs::remove(path_, ec);
    }
}

void LiveRecording::flush() {
    if (writer_) writer_->flush();
}

Status LiveRecording::write_bundle(const nlohmann::json& report, const std::string& interface_name,
                                   std::map<std::size_t, std::vector<std::string>> capture_comments, std::string note,
                                   const std::string& tool_version) {
    if (report_dir_.empty() || !writer_) return Error{"no report directory was given"};
    if (auto st = writer_->close(); !st) return st;
    auto capture = bundle_capture_from_files({path_});
    if (!capture) return Error{capture.error()};
    capture->interface_name = interface_name;
    capture->comments = std::move(capture_comments);
    capture->note = std::move(note);
    return cli::write_bundle(report_dir_, report, std::move(*capture), tool_version);
}

VerifyOutcome verify_bundle(const std::string& dir) {
    VerifyOutcome v;
    const fs::path base(dir);
    const std::string sums_path = (base / kSums).string();
    std::ifstream in(sums_path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const bool is_dir = fs::is_directory(dir, ec);
        v.exit_code = 2;
        v.output = is_dir ? sums_path + ": cannot read (" + std::strerror(errno) + ")\n"
                          : dir + ": not a report directory (no such directory)\n";
        return v;
    }
    std::set<std::string> listed;
    std::string line;
    std::size_t line_no = 0;
    bool mismatch = false, unreadable = false;
    std::size_t ok = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        // sha256sum: "HASH  NAME" (text) or "HASH *NAME" (binary).
        if (line.size() < 67 || !is_hex64(line.substr(0, 64)) || line[64] != ' ' ||
            (line[65] != ' ' && line[65] != '*')) {
            v.exit_code = 2;
            v.output += fmt::format("{}: line {} is not \"SHA256  FILE\"\n", sums_path, line_no);
            return v;
        }
        const std::string expected = lower(line.substr(0, 64));
        const std::string name = line.substr(66);
        if (name.find('/') != std::string::npos || name == "." || name == "..") {
            v.exit_code = 2;
            v.output += fmt::format("{}: line {} names \"{}\", which is not a file of the bundle\n", sums_path, line_no, name);
            return v;
        }
        listed.insert(name);
        const fs::path file = base / name;
        std::error_code ec;
        if (!fs::exists(file, ec)) {
            v.output += fmt::format("{}: FAILED (missing)\n", name);
            mismatch = true;
            continue;
        }
        auto h = analyze::sha256_file(file.string());
        if (!h) {
            v.output += fmt::format("{}: UNREADABLE ({})\n", name, h.error());
            unreadable = true;
            continue;
        }
        if (*h != expected) {
            v.output += fmt::format("{}: FAILED (sha256 {} but SHA256SUMS says {})\n", name, *h, expected);
            mismatch = true;
        } else {
            v.output += fmt::format("{}: OK\n", name);
            ++ok;
        }
    }
    if (listed.empty()) {
        v.exit_code = 2;
        v.output += sums_path + ": lists no files\n";
        return v;
    }
    // A bundle file that is present but not listed escaped the check.
    for (const auto& name : bundle_files()) {
        std::error_code ec;
        if (!listed.count(name) && fs::exists(base / name, ec)) {
            v.output += fmt::format("{}: FAILED (not listed in SHA256SUMS)\n", name);
            mismatch = true;
        }
    }
    if (mismatch) {
        v.exit_code = 1;
        v.output += fmt::format("{}: the evidence does not match SHA256SUMS\n", dir);
    } else if (unreadable) {
        v.exit_code = 2;
        v.output += fmt::format("{}: some files could not be read\n", dir);
    } else {
        v.exit_code = 0;
        v.output += fmt::format("{}: all {} files match SHA256SUMS\n", dir, ok);
    }
    return v;
}

}  // namespace pxecheck::cli
