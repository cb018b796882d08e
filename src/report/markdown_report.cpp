// report.md: the HTML page's content in Markdown, for tickets and mail. The
// ladder is monospace text so that it survives a plain-text mail client.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "pxecheck/base/bytes.hpp"
#include "pxecheck/report/render.hpp"
#include "view.hpp"

namespace pxecheck::report {

namespace {

using nlohmann::json;
using namespace view;

/// Escapes what would change the rendering of running text (emphasis, code,
/// HTML, links, table cells), and nothing else, so the raw text stays
/// readable in a mail.
std::string md(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '`' || c == '*' || c == '<' || c == '|' || c == '[' || c == ']') out += '\\';
        if (c == '\n') {
            out += ' ';
            continue;
        }
        out += c;
    }
    return out;
}

/// Text for a ``` block: a line of three backticks would end it early.
std::string code(std::string s) {
    for (std::size_t p = s.find("```"); p != std::string::npos; p = s.find("```", p + 2)) s[p + 1] = '\'';
    return s;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string ascii_ladder(const Model& m) {
    const json& frames = arr(*m.report, "frames");
    const std::size_t n = m.columns.size();
    constexpr std::size_t kLane = 26, kGutter = 20;
    const std::size_t lanes_width = (n ? n - 1 : 0) * kLane + 8;
    auto lane_x = [&](std::size_t c) { return c * kLane; };
    std::string out;

    // Column heads: role, MAC, first address.
    for (int line = 0; line < 3; ++line) {
        std::string row(kGutter, ' ');
        std::string lanes(lanes_width + kLane, ' ');
        for (std::size_t c = 0; c < n; ++c) {
            const auto& col = m.columns[c];
            std::string text = line == 0   ? (col.role == "NIC" ? "NIC" : col.role == "broadcast" ? "broadcast" : col.role)
                               : line == 1 ? col.mac
                                           : (col.ips.empty() ? "" : col.ips.front());
            text = text.substr(0, kLane - 2);
            lanes.replace(lane_x(c), text.size(), text);
        }
        row += lanes;
        while (!row.empty() && row.back() == ' ') row.pop_back();
        out += row + "\n";
    }
    {
        std::string row(kGutter, ' ');
        std::string lanes(lanes_width, ' ');
        for (std::size_t c = 0; c < n; ++c) lanes[lane_x(c)] = '|';
        out += row + lanes + "\n";
    }
    double prev = 0;
    for (std::size_t i = 0; i < m.arrows.size(); ++i) {
        const auto& a = m.arrows[i];
        const json& f = frames[i];
        const double t = num(f, "time_ms").value_or(prev);
        if (i > 0 && t - prev > 1000) {
            std::string lanes(lanes_width, ' ');
            for (std::size_t c = 0; c < n; ++c) lanes[lane_x(c)] = ':';
            out += pad("", kGutter) + lanes + "   (" + duration(t - prev) + " pass)\n";
        }
        prev = t;
        const auto first = count_of(f, "number");
        const auto last = count_of(f, "last_number", first);
        std::string gutter = last > first ? fmt::format("#{}-{}", first, last) : fmt::format("#{}", first);
        gutter = pad(gutter, 9) + seconds(t);
        std::string lanes(lanes_width, ' ');
        for (std::size_t c = 0; c < n; ++c) lanes[lane_x(c)] = '|';
        std::size_t x1 = lane_x(a.from), x2 = lane_x(a.to);
        const bool fail = a.mark == "fail";
        const char body = fail ? '=' : '-';
        if (x1 == x2) {
            for (std::size_t k = x1 + 1; k < x1 + 6 && k < lanes.size(); ++k) lanes[k] = body;
            if (x1 + 6 < lanes.size()) lanes[x1 + 6] = '>';
        } else {
            const std::size_t lo = std::min(x1, x2), hi = std::max(x1, x2);
            for (std::size_t k = lo + 1; k < hi; ++k)
                lanes[k] = a.broadcast && (k - lo) % 3 == 0 ? ' ' : body;
            for (auto v : a.via) lanes[lane_x(v)] = 'o';
            if (x2 > x1) lanes[x2 - 1] = '>';
            else lanes[x2 + 1] = '<';
        }
        std::string label = str(f, "label");
        if (a.broadcast) label += " (broadcast)";
        std::string row = pad(gutter, kGutter) + lanes + "  " + label;
        if (!a.cited_by.empty()) {
            std::string ids;
            for (const auto& id : a.cited_by) ids += (ids.empty() ? "" : " ") + id;
            row += fmt::format("   <-- {} {}", upper(a.mark), ids);
        }
        out += row + "\n";
    }
    if (m.verdict == "fail")
        for (const auto& s : m.sessions)
            if (s.phase != "downloaded") {
                out += pad("", kGutter) + "X the boot stops here: " + phase_words(s.phase) + "\n";
                break;
            }
    // No trailing blanks (mail clients and linters mind them).
    std::string trimmed;
    std::size_t start = 0;
    while (start < out.size()) {
        const auto nl = out.find('\n', start);
        std::string line = out.substr(start, nl - start);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        trimmed += line + "\n";
        start = nl + 1;
    }
    return trimmed;
}

// --- what one command adds: serve's NICs, replay's comparison, probes -----

/// A table cell: Markdown-escaped, never empty (an empty cell can shift a
/// column in some renderers).
std::string cell(std::string_view s, std::string_view empty = "-") { return s.empty() ? std::string(empty) : md(s); }

std::string id_list(const json& ids) {
    std::string out;
    std::set<std::string> seen;
    for (const auto& id : ids)
        if (id.is_string() && seen.insert(id.get<std::string>()).second) {
            if (!out.empty()) out.push_back(' ');
            out += id.get<std::string>();
        }
    return out;
}

std::string nics_part(const json& report) {
    const json& nics = arr(report, "nics");
    std::string out = "## NICs seen by the reference master\n\n";
    out += "pxecheck serve was the master: it answered each NIC by the standards and judged what the NIC sent. A NIC's "
           "verdict is the worst of the findings of its session.\n\n";
    if (!nics.empty()) {
        out += "| MAC | address | architecture announced | vendor class (option 60) | phase reached | boot file | octets "
               "| verdict | findings |\n|---|---|---|---|---|---|---|---|---|\n";
        for (const auto& n : nics) {
            std::string arch = arch_words(n);
            if (flag(n, "ipxe")) arch += ", iPXE";
            const std::string vendor = str(n, "vendor_class");
            const std::string file = str(n, "file");
            std::string size = std::to_string(count_of(n, "bytes"));
            if (flag(n, "file_complete")) {
                size += " (complete";
                if (auto s2 = num(n, "seconds_to_boot_file")) size += ", " + duration(*s2 * 1000.0);
                size += ")";
            } else if (count_of(n, "bytes") > 0) {
                size += " (unfinished)";
            }
            const std::string verdict = str(n, "verdict");
            out += fmt::format("| {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} |\n", cell(str(n, "mac")),
                               cell(str(n, "address"), flag(n, "dhcp") ? "-" : "TFTP only"), md(arch),
                               vendor.empty() ? std::string("none sent") : md(in_quotes(vendor)),
                               md(serve_phase_words(str(n, "phase"))), md(str(n, "phase")),
                               file.empty() ? std::string("none named") : md(in_quotes(file)), md(size),
                               verdict == "fail" ? "**FAIL**" : cell(upper(verdict)), cell(id_list(arr(n, "findings"))));
        }
        out += "\n";
    }
    const json& serve = obj(report, "serve");
    if (!serve.empty()) {
        out += "### How the reference master ran\n\n| | |\n|---|---|\n";
        auto row = [&](std::string_view k, const std::string& v) {
            if (!v.empty()) out += fmt::format("| {} | {} |\n", k, v);
        };
        row("Interface", md(str(serve, "interface")));
        const std::string mode = str(serve, "mode");
        row("Mode", mode == "proxy"  ? "proxyDHCP: boot information only, another server hands out addresses"
                    : mode == "dhcp" ? "DHCP: addresses and boot information"
                                     : md(mode));
        const std::string mac = str(serve, "server_mac");
        row("Server", md(str(serve, "server_ip")) + (mac.empty() ? "" : " (MAC " + md(mac) + ")"));
        if (serve.contains("address_on_host"))
            row("Server address", flag(serve, "address_on_host")
                                      ? "configured on the host (the kernel answers ARP; serve held its UDP ports)"
                                      : "held in user space only (pxecheck answers ARP for it)");
        const std::string root = str(serve, "tftp_root");
        row("TFTP root", root.empty() ? std::string("no TFTP server") : md(root) + " (read-only)");
        if (auto v = str(serve, "stopped_by"); !v.empty()) row("Stopped", md(stop_words(v)));
        if (num(serve, "nics_finished"))
            row("NICs with their boot file", fmt::format("{} of {}", count_of(serve, "nics_finished"), nics.size()));
        std::string probe;
        for (const auto& a : arr(serve, "probe")) {
            const std::string offered = str(a, "offered");
            probe += fmt::format("{}{} from {} ({}){}", probe.empty() ? "" : "; ", md(str(a, "server_id")),
                                 md(str(a, "source_ip")), md(str(a, "source_mac")),
                                 flag(a, "proxy") ? ": proxyDHCP" : offered.empty() ? "" : ": offered " + md(offered));
        }
        row(probe.empty() ? "Safety probe" : "Other servers that answered the safety probe",
            probe.empty() ? std::string("no other DHCP server answered before serving") : probe);
        if (const auto frames = count_of(serve, "probe_frames"); frames > 0)
            row("Safety probe frames", fmt::format("frames 1-{} of capture.pcapng, before serving; no NIC owns them", frames));
        out += "\n";
    }
    return out;
}

std::string replay_part(const json& replay) {
    std::string out = "## Replay: now vs capture\n\n";
    out += "The captured NIC was rebuilt from its own DISCOVER and played live against the master. Only the master's "
           "answers are compared; what depends on the client's run (transaction IDs, timings, ports, repeated offers) "
           "is not.\n\n";
    if (auto v = str(replay, "source_capture"); !v.empty()) {
        const std::string sha = str(replay, "source_sha256");
        out += "- Capture replayed: " + md(v) + (sha.empty() ? "" : " (SHA-256 " + md(sha) + ")") + "\n";
    }
    if (auto v = str(replay, "session"); !v.empty()) {
        std::string line = "- Captured client: " + md(v);
        if (auto d = count_of(replay, "discover_frame"); d > 0)
            line += fmt::format(", rebuilt from its DISCOVER (frame {} of the capture)", d);
        if (auto p = str(replay, "base_profile"); !p.empty()) line += ", with the timers of the " + md(p) + " profile";
        out += line + "\n";
    }
    if (auto v = str(replay, "mac"); !v.empty())
        out += "- MAC used live: " + md(v) + " (" + md(mac_mode_words(str(replay, "mac_mode"))) + ")\n";
    for (const auto& n : arr(replay, "notes"))
        if (n.is_string()) out += "- Not sent as captured: " + md(n.get<std::string>()) + "\n";
    out += "\n";
    const json& rows = arr(replay, "comparisons");
    if (rows.empty()) return out + "No field was compared.\n\n";
    out += "| step | field | in the capture | now | |\n|---|---|---|---|---|\n";
    std::string previous_step;
    for (const auto& r : rows) {
        const bool same = flag(r, "same");
        const std::string step = str(r, "step");
        const std::string now = cell(str(r, "now"));
        out += fmt::format("| {} | {} | {} | {} | {} |\n", step == previous_step ? std::string() : cell(step),
                           cell(str(r, "field")), cell(str(r, "capture")), same ? now : "**" + now + "**",
                           same ? "same" : "**DIFFERENT**");
        previous_step = step;
    }
    return out + "\n";
}

std::string probes_part(const json& probes) {
    std::string out = "## Active probes\n\n";
    out += "Harmless stimuli the emulated NIC sent on purpose (--probe) to see whether the master keeps to the rule; a "
           "failed probe is also a finding, blamed on the master.\n\n";
    if (probes.empty()) return out;
    out += "| probe | rule | result | detail | frames |\n|---|---|---|---|---|\n";
    for (const auto& p : probes) {
        const std::string result = str(p, "result");
        std::string frames;
        for (const std::size_t n : frame_numbers(p)) frames += (frames.empty() ? "" : ", ") + std::to_string(n);
        out += fmt::format("| {} | {} | {} | {} | {} |\n", cell(str(p, "name")), cell(str(p, "rule")),
                           result == "fail" ? "**FAIL**" : result == "pass" ? "PASS" : cell(result),
                           cell(str(p, "detail")), cell(frames));
    }
    return out + "\n";
}

}  // namespace

std::string render_markdown(const json& report) {
    const Model m = build(report);
    const json& counts = obj(report, "counts");
    const json& src = obj(report, "source");
    const std::size_t fails = count_of(counts, "fail");
    const std::size_t warns = count_of(counts, "warn");
    const std::size_t infos = count_of(counts, "info");
    const json& frames = arr(report, "frames");
    std::string out;

    out += fmt::format("# pxecheck report: {}\n\n", upper(m.verdict));
    out += fmt::format("**{}**\n\n", md(m.headline));
    out += fmt::format("> {}\n\n", md(m.sentence));
    for (const auto& s : m.sessions)
        out += fmt::format("How far the boot of NIC `{}` got: **{}**.\n\n", s.label, md(phase_words(s.phase)));
    out += fmt::format("{} · {} · {} · source `{}` · `{}` · {}\n\n", plural(fails, "failure", "failures"),
                       plural(warns, "warning", "warnings"), plural(infos, "note", "notes"), str(src, "name"),
                       str(report, "command"), str(report, "started_at"));

    // The parts one command adds, present only in its reports.
    const bool has_nics = (report.contains("nics") && report["nics"].is_array()) ||
                          (report.contains("serve") && report["serve"].is_object());
    const bool has_replay = report.contains("replay") && report["replay"].is_object();
    const bool has_probes = report.contains("probes") && report["probes"].is_array();
    if (has_nics) out += md(nics_sentence(arr(report, "nics"))) + "\n\n";
    if (has_replay)
        out += (replay_differences(report["replay"]) ? "**" + md(replay_sentence(report["replay"])) + "**"
                                                     : md(replay_sentence(report["replay"]))) +
               "\n\n";
    if (has_probes) out += md(probes_sentence(report["probes"])) + "\n\n";
    if (has_nics) out += nics_part(report);
    if (has_replay) out += replay_part(report["replay"]);
    if (has_probes) out += probes_part(report["probes"]);

    out += "## What happened\n\n";
    for (const auto& s : m.sessions) {
        const json& d = obj(*s.raw, "dhcp");
        out += fmt::format("### NIC `{}`\n\n", s.label);
        out += fmt::format("- How far the boot got: **{}** (phase `{}`)\n", md(phase_words(s.phase)), s.phase);
        if (auto y = str(d, "yiaddr"); !y.empty())
            out += fmt::format("- Address: `{}` from DHCP server `{}`\n", y, str(d, "server_id", "?"));
        const json& offers = arr(d, "offers");
        const auto chosen = count_of(d, "chosen_offer", SIZE_MAX);
        if (!offers.empty()) out += "- Offers received:\n";
        for (std::size_t k = 0; k < offers.size(); ++k) {
            const json& o = offers[k];
            std::string line = fmt::format("{} from {}", flag(o, "proxy") ? "proxyDHCP offer" : "offer",
                                           str(o, "server_id", str(o, "source_ip", "?")));
            if (auto y = str(o, "yiaddr"); !y.empty()) line += ": address " + y;
            if (auto b = str(o, "bootfile"); !b.empty()) line += ", file \"" + b + "\" on " + str(o, "tftp_server", "NO SERVER");
            else if (flag(o, "pxe_menu")) line += ", PXE boot menu";
            else line += ", no boot file";
            out += fmt::format("  - {}{} (frame {:.0f})\n", chosen == k ? "**taken:** " : "",
                               md(line), num(o, "frame").value_or(0));
        }
        if (auto b = str(d, "bootfile"); !b.empty())
            out += fmt::format("- Boot file: `{}` from {} (told by the {})\n", b,
                               str(d, "boot_server").empty() ? std::string("**no usable server**") : "`" + str(d, "boot_server") + "`",
                               boot_info_words(str(d, "boot_info_from", "?")));
        const json& tftp = arr(*s.raw, "tftp");
        if (!tftp.empty()) {
            out += "\n| file | server | result | octets | time | SHA-256 |\n|---|---|---|---|---|---|\n";
            for (std::size_t k = 0; k < tftp.size(); ++k) {
                const json& t = tftp[k];
                std::string result = "unfinished";
                if (t.contains("error") && t["error"].is_object()) {
                    result = fmt::format("error {:.0f} \"{}\"", num(t["error"], "code").value_or(0), str(t["error"], "message"));
                    bool went_on = false;
                    for (std::size_t later = k + 1; later < tftp.size(); ++later)
                        went_on = went_on || flag(tftp[later], "complete");
                    if (went_on) result += " (the client went on)";
                } else if (flag(t, "complete")) {
                    result = "complete";
                }
                out += fmt::format("| `{}` | {} | {} | {:.0f} | {} | {} |\n", md(str(t, "file")), str(t, "server"),
                                   md(result), num(t, "bytes").value_or(0), duration(num(t, "duration_ms").value_or(0)),
                                   str(t, "sha256", "-"));
            }
        }
        out += "\n";
    }
    if (m.sessions.empty()) out += "No booting client was seen: no DHCP request and no TFTP transfer.\n\n";

    out += "## Timeline\n\nFrom the NIC's first DHCP DISCOVER.\n\n";
    for (const auto& s : m.sessions) {
        if (m.sessions.size() > 1) out += fmt::format("NIC `{}`:\n\n", s.label);
        out += "| step | what | starts | takes |\n|---|---|---|---|\n";
        bool stop_marked = false;
        for (const auto& p : s.phases) {
            if (p.reached && p.start_ms && p.end_ms) {
                out += fmt::format("| {} | {} | {} | {} |\n", p.name, p.what, seconds(*p.start_ms),
                                   duration(*p.end_ms - *p.start_ms));
            } else {
                const bool stop = m.verdict == "fail" && s.phase != "downloaded" && !stop_marked;
                stop_marked = stop_marked || stop;
                out += fmt::format("| {} | {} | - | {} |\n", p.name, p.what, stop ? "**not reached: stopped here**" : "not reached");
            }
        }
        out += "\n";
    }

    out += fmt::format("## The exchange, frame by frame\n\nOne line per frame ({} in all; a run of TFTP data blocks "
                       "and their acknowledgements is one line), time from the first frame. `=` marks a step cited by a "
                       "failed check, `o` another host that heard a broadcast.\n\n",
                       frames.size());
    if (frames.empty()) out += "This report holds no frames.\n\n";
    else out += "```text\n" + code(ascii_ladder(m)) + "```\n\n";

    out += fmt::format("## Findings\n\n{}, {}, {}.\n\n", plural(fails, "failure", "failures"),
                       plural(warns, "warning", "warnings"), plural(infos, "note", "notes"));
    std::vector<const Finding*> ordered;
    for (const auto& f : m.findings) ordered.push_back(&f);
    std::stable_sort(ordered.begin(), ordered.end(), [](const Finding* a, const Finding* b) {
        return severity_rank(a->severity) > severity_rank(b->severity);
    });
    for (const auto* f : ordered) {
        std::string head = detail_head(f->detail);
        if (!head.empty() && head[0] >= 'a' && head[0] <= 'z') head[0] = static_cast<char>(head[0] - 'a' + 'A');
        out += fmt::format("### {} {}: {}\n\n", upper(f->severity), f->id, md(head));
        out += fmt::format("- **Who must act:** {}\n", blame_words(f->blame));
        out += fmt::format("- **Seen:** {}\n", md(f->detail));
        out += fmt::format("- **The rule:** {} ({})\n", md(f->title), md(f->clause));
        if (!f->client_mac.empty()) out += fmt::format("- **Client:** `{}`\n", f->client_mac);
        std::string list;
        for (auto n : f->frames) list += (list.empty() ? "" : ", ") + std::to_string(n);
        out += fmt::format("- **Frames:** {}\n\n", list.empty() ? "none (from the run as a whole)" : list);
        if (!f->frames.empty()) {
            std::string lines;
            for (auto n : f->frames) {
                auto it = m.entry_of_frame.find(n);
                if (it == m.entry_of_frame.end()) {
                    lines += fmt::format("#{}  (not in the report; see the capture)\n", n);
                    continue;
                }
                const json& e = frames[it->second];
                lines += fmt::format("#{:<5} {}  {}\n", n, seconds(num(e, "time_ms").value_or(0)), str(e, "summary"));
            }
            out += "```text\n" + code(lines) + "```\n\n";
        }
    }
    if (m.findings.empty()) out += "No findings.\n\n";

    out += "## Evidence frames\n\nEvery frame a finding cites, decoded, with its bytes (the same frames carry the "
           "findings as comments in capture.pcapng).\n\n";
    std::set<std::size_t> runs_shown;
    for (auto n : m.cited) {
        auto it = m.entry_of_frame.find(n);
        if (it == m.entry_of_frame.end()) continue;
        const json& e = frames[it->second];
        const bool run = e.contains("run") && e["run"].is_object();
        if (run && !runs_shown.insert(it->second).second) continue;
        std::string cited;
        for (const auto& f : m.findings)
            if (std::find(f.frames.begin(), f.frames.end(), n) != f.frames.end()) cited += (cited.empty() ? "" : ", ") + f.id;
        out += fmt::format("### Frame {} ({}, `{}` → `{}`)\n\nCited by {}.\n\n", n, seconds(num(e, "time_ms").value_or(0)),
                           str(e, "src"), str(e, "dst"), cited);
        std::string body = str(e, "summary") + "\n";
        if (run) {
            body += fmt::format("(one of the TFTP DATA/ACK frames {:.0f}-{:.0f}; their bytes are in capture.pcapng)\n",
                                num(e, "number").value_or(0), num(e, "last_number").value_or(0));
        } else {
            const std::string hex = str(e, "hex");
            std::string section;
            for (const auto& fl : decode_fields(m.linktype, hex)) {
                if (fl.section != section) {
                    section = fl.section;
                    body += "\n" + section + "\n";
                }
                body += "  " + pad(fl.name, 28) + " " + fl.value + "\n";
            }
            const auto dump = hex_dump(hex);
            if (!dump.empty()) body += "\n";
            for (const auto& l : dump) body += l + "\n";
        }
        out += "```text\n" + code(body) + "```\n\n";
    }
    if (m.cited.empty()) out += "No finding cites a frame.\n\n";

    out += "## Environment\n\n| | |\n|---|---|\n";
    const json& tool = obj(report, "tool");
    const json& ev = obj(report, "evidence");
    auto row = [&](std::string_view k, const std::string& v) {
        if (!v.empty()) out += fmt::format("| {} | {} |\n", k, md(v));
    };
    row("Tool", str(tool, "name", "pxecheck") + " " + str(tool, "version"));
    row("Command line", str(report, "command_line"));
    const std::string source = str(src, "name");
    if (source.rfind("live:", 0) == 0) row("Interface", source.substr(5));
    else row("Capture analysed", source);
    row("Host", str(report, "host"));
    row("Started", str(report, "started_at"));
    row("Capture SHA-256", str(src, "sha256"));
    if (auto n = num(src, "frames")) row("Frames read", fmt::format("{:.0f} (link type {:.0f})", *n, num(src, "linktype").value_or(0)));
    if (!ev.empty()) {
        row("Evidence capture", str(ev, "capture"));
        row("Evidence capture SHA-256", str(ev, "capture_sha256"));
    }
    for (const auto& a : arr(src, "anomalies")) row("Problem with the source", str(a, "id") + ": " + str(a, "detail"));
    row("Report schema", str(report, "schema"));
    out += "\n";
    return out;
}

}  // namespace pxecheck::report
