#pragma once
// The evidence bundle (`--report DIR` on every command): report.html,
// report.md, report.json, junit.xml, capture.pcapng (the exchange, with each
// cited frame carrying its findings as comments) and SHA256SUMS over all of
// them; and `pxecheck report verify DIR`, which checks the sums.
//
// Every mode calls the one function write_bundle with its JSON report and the
// frames of its exchange: analyze streams the input capture; client, serve and
// replay the frames they recorded live (LiveRecording).

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pxecheck/base/result.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::cli {

/// The frames of the exchange, in order, numbered from 1 exactly as the
/// report's frame numbers count them. Pulled one at a time, so a capture
/// larger than memory streams through.
struct BundleCapture {
    int linktype = 1;            ///< pcap LINKTYPE_ value
    std::string interface_name;  ///< if_name in the pcapng (live runs), optional
    /// The next frame, or nullopt at the end.
    std::function<std::optional<link::CapturedFrame>()> next;
    /// Comments to add to frames besides the findings' own (frame number -> text).
    std::map<std::size_t, std::vector<std::string>> comments;
    /// Added to the pcapng section comment, after the verdict and the source
    /// (replay: how the master's answers compare with the capture).
    std::string note;
};

/// Streams the frames of pcap/pcapng files (what `analyze` read: several
/// files are one capture, numbered on across them); each file stops at its
/// first damaged record, like the analysis did. The error names the file.
Result<BundleCapture> bundle_capture_from_files(const std::vector<std::string>& paths);
/// Frames held in memory (tests, and modes that keep their frames).
BundleCapture bundle_capture_from_frames(int linktype, std::vector<link::CapturedFrame> frames);

/// The files of a bundle, in the order SHA256SUMS lists them.
const std::vector<std::string>& bundle_files();

/// Writes the bundle into \p dir (created if needed; our files in it are
/// replaced). \p report is the run's JSON report; the bundle adds
/// `evidence` {capture, capture_sha256, capture_frames} to it before writing
/// report.json, and renders report.html, report.md and junit.xml from
/// report.json as written, so `pxecheck report render` reproduces them byte
/// for byte. The error names the file that could not be written.
Status write_bundle(const std::string& dir, nlohmann::json report, BundleCapture capture,
                    const std::string& tool_version);

/// Where a live run (client, serve, replay) records its frames for `-w FILE`
/// and `--report DIR`: the -w file when given, else a hidden recording inside
/// the report directory, removed once the bundle's capture.pcapng is written
/// (or the run ends without a bundle). Neither given: nothing is recorded.
class LiveRecording {
public:
    /// Creates the -w file, or the report directory and the hidden recording.
    /// The error names the file or directory.
    static Result<std::unique_ptr<LiveRecording>> open(const std::string& pcap_path, const std::string& report_dir);
    ~LiveRecording();
    LiveRecording(const LiveRecording&) = delete;
    LiveRecording& operator=(const LiveRecording&) = delete;

    /// The recording for the runner; nullptr when nothing is recorded.
    [[nodiscard]] link::PcapWriter* writer() const { return writer_.get(); }
    void flush();
    /// Closes the recording and writes the bundle into the report directory
    /// from it (\p capture_comments and \p note as in BundleCapture). Only
    /// when open() was given a report directory.
    Status write_bundle(const nlohmann::json& report, const std::string& interface_name,
                        std::map<std::size_t, std::vector<std::string>> capture_comments, std::string note,
                        const std::string& tool_version);

private:
    LiveRecording() = default;
    std::string report_dir_;
    std::string path_;         ///< the -w file or the hidden recording
    bool hidden_ = false;      ///< path_ is ours to remove
    std::unique_ptr<link::PcapWriter> writer_;
};

/// A live run's interface (ARP and UDP) and its recording, opened together
/// by the commands that act as a NIC (client, replay).
struct LiveRun {
    std::unique_ptr<link::PcapLive> io;
    std::unique_ptr<LiveRecording> recording;
};
/// Opens both; on failure prints "pxecheck COMMAND: why" and returns the
/// exit code (kExitEnvironment for the interface, kExitUsage for the recording).
std::variant<LiveRun, int> open_live_run(std::string_view command, const std::string& iface,
                                         const std::string& pcap_path, const std::string& report_dir);

struct VerifyOutcome {
    int exit_code = 0;    ///< 0 all sums match, 1 a file differs or is missing, 2 unreadable
    std::string output;   ///< one line per file ("report.html: OK" / "FAILED ...") and a summary
};
/// Checks every file SHA256SUMS lists (sha256sum -c semantics), and that each
/// bundle file present in \p dir is listed.
VerifyOutcome verify_bundle(const std::string& dir);

}  // namespace pxecheck::cli
