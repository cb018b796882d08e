#pragma once
// The JSON report read back into what the HTML and Markdown renderers draw:
// the verdict in words, the ladder (columns and arrows), the phases, the
// cited frames decoded. Internal to src/report; built from the JSON alone.

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pxecheck::report::view {

using nlohmann::json;

// --- defensive accessors (a report may lack optional parts) ---------------
std::string str(const json& j, std::string_view key, std::string_view fallback = "");
std::optional<double> num(const json& j, std::string_view key);
const json& arr(const json& j, std::string_view key);
const json& obj(const json& j, std::string_view key);
bool flag(const json& j, std::string_view key);  ///< false unless a true boolean
/// A count or frame number: \p fallback unless a number in [0, 2^53].
std::size_t count_of(const json& j, std::string_view key, std::size_t fallback = 0);
/// A small integer (codes, link types): \p fallback unless within int range.
int int_of(const json& j, std::string_view key, int fallback = 0);

/// "fail" > "warn" > "info" > "" as a number for comparisons.
int severity_rank(std::string_view severity);

std::string seconds(double ms);           ///< "+1.004 s"
std::string duration(double ms);          ///< "12 ms", "1.02 s"
std::string plural(std::size_t n, std::string_view one, std::string_view many);
/// The frame numbers in \p j[key] (findings', probes'), numbers only.
std::vector<std::size_t> frame_numbers(const json& j, std::string_view key = "frames");
/// ASCII letters in upper case ("fail" -> "FAIL"); other bytes as they are.
std::string upper(std::string s);

/// Who must act, in words: "the master's configuration", "the master's
/// server software", "the NIC's boot firmware", "the network".
std::string blame_words(std::string_view blame);
/// The action for the worst finding: "fix the master's configuration".
std::string blame_action(std::string_view blame, std::string_view severity);
/// How far a boot got, for people: "the NIC got an address, but ...".
std::string phase_words(std::string_view phase);
/// Where the boot information came from, for people ("DHCP ACK", ...).
std::string boot_info_words(std::string_view from);
/// The first clause of a finding's detail, long enough to stand alone.
std::string detail_head(std::string_view detail);

// --- the parts one command adds (probes, nics + serve, replay) -------------

/// How far a NIC got with `pxecheck serve` (nics[].phase), for people:
/// "downloaded its boot file", "got an OFFER, sent no REQUEST", ...
std::string serve_phase_words(std::string_view phase);
/// The architecture a NIC announced in option 93: "x64 UEFI (7)", or
/// "none announced" when it sent no option 93.
std::string arch_words(const json& nic);
/// Why `pxecheck serve` stopped (serve.stopped_by), for people.
std::string stop_words(std::string_view stopped_by);
/// How the replayed NIC's MAC was chosen (replay.mac_mode), for people.
std::string mac_mode_words(std::string_view mode);
/// The NICs in one sentence: "2 NICs booted from the reference master:
/// 1 passed, 1 failed; 1 downloaded its boot file."
std::string nics_sentence(const json& nics);
/// The replay in one sentence: "The master answers 2 of 31 compared fields
/// differently than in the capture." / "... as it did in the capture ...".
std::string replay_sentence(const json& replay);
/// Rows of replay.comparisons whose `same` is not true.
std::size_t replay_differences(const json& replay);
/// A replay report (not an error) whose master answered otherwise than in
/// the capture: its pages show it as failed, as its exit code says.
bool replay_differs(const json& report);
/// The probes in one sentence: "6 active probes: 5 passed, 1 failed."
std::string probes_sentence(const json& probes);

struct Finding {
    std::string id, severity, blame, title, clause, detail, client_mac;
    std::vector<std::size_t> frames;
};

/// One end of a frame as the report writes it ("mac/ip:port").
struct Endpoint {
    std::string mac;   ///< "" when none
    std::string ip;    ///< "" when none
    std::string port;  ///< "" when none
    [[nodiscard]] bool mac_usable() const;
    [[nodiscard]] bool ip_usable() const;
    [[nodiscard]] bool broadcast() const;
};
Endpoint parse_endpoint(std::string_view text);

struct Column {
    std::string key;               ///< MAC (or IP on links without MACs)
    std::string role;              ///< "NIC", "master", "other server", "broadcast"
    std::string mac;
    std::vector<std::string> ips;
    std::set<std::string> sends;   ///< protocols it sent ("DHCP", "TFTP", ...)
};

struct Arrow {
    std::size_t entry = 0;         ///< index into frames[]
    std::size_t from = 0, to = 0;  ///< column indices
    std::vector<std::size_t> via;  ///< other receivers of a broadcast
    bool broadcast = false;
    std::string mark;              ///< worst severity of findings citing it ("" none)
    std::vector<std::string> cited_by;  ///< finding IDs
};

struct Phase {
    std::string name;       ///< "Ask for an address"
    std::string what;       ///< "DHCP DISCOVER to the first OFFER"
    std::optional<double> start_ms, end_ms;  ///< since the first DISCOVER
    bool reached = false;
};

struct Session {
    std::string mac, phase;
    /// How the reports name it: the MAC, and when the machine has several
    /// boot attempts in the report, "52:54:00:12:34:56, attempt 2 (ipxe)".
    std::string label;
    const json* raw = nullptr;
    std::vector<Phase> phases;
};

/// Everything the renderers need, computed once from the JSON.
struct Model {
    const json* report = nullptr;
    std::string verdict;  ///< pass, warn, fail, error
    std::string headline, sentence;
    std::vector<Finding> findings;
    std::vector<Session> sessions;
    std::vector<Column> columns;
    std::vector<Arrow> arrows;      ///< one per frames[] entry, same order
    /// Cited frame number -> index into frames[] of the entry that shows it
    /// (the frame itself, or the TFTP run it belongs to); absent when the
    /// report does not hold that frame.
    std::map<std::size_t, std::size_t> entry_of_frame;
    std::set<std::size_t> cited;    ///< every frame number a finding cites
    int linktype = 1;
};

Model build(const json& report);

/// A frame's bytes decoded field by field (link, IP/UDP, DHCP/TFTP/ARP), from
/// the `hex` of a frames[] entry: (section, field, value) rows.
struct Field {
    std::string section, name, value;
};
std::vector<Field> decode_fields(int linktype, std::string_view hex);
/// Classic hex dump lines: "0000  ff ff ... ff  ......".
std::vector<std::string> hex_dump(std::string_view hex);

}  // namespace pxecheck::report::view
