// report.html: one self-contained page (inline CSS and SVG, no scripts, no
// fetches) that someone who does not read packet captures can follow.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "pxecheck/report/render.hpp"
#include "view.hpp"

namespace pxecheck::report {

namespace {

using nlohmann::json;
using namespace view;

std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

/// Cuts \p s to about \p max characters (counting UTF-8 sequences once).
std::string shorten(const std::string& s, std::size_t max) {
    std::size_t chars = 0, i = 0;
    for (; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
            if (chars == max) break;
            ++chars;
        }
    }
    if (i >= s.size()) return s;
    std::size_t cut = i;
    // Leave room for the ellipsis.
    while (cut > 0 && chars + 1 > max) {
        --cut;
        if ((static_cast<unsigned char>(s[cut]) & 0xc0) != 0x80) --chars;
    }
    return s.substr(0, cut) + "\u2026";
}

const char* kCss = R"CSS(
:root{--ink:#1d2329;--muted:#5b6670;--line:#d8dee4;--bg:#f4f6f8;
--fail:#b3261e;--fail-bg:#fdeceb;--warn:#9a5b00;--warn-bg:#fff3d6;--info:#2f5f9e;--info-bg:#e9f0fa;
--pass:#1e6b34;--pass-bg:#e7f4ea;--nic:#1565c0;--srv:#3f4b55}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif}
main{max-width:1320px;margin:0 auto;padding:22px 26px 40px}
h1{font-size:30px;line-height:1.2;margin:0 0 10px}
h2{font-size:21px;margin:0 0 4px}
h3{font-size:17px;margin:0 0 6px}
p{margin:6px 0}
.lead{color:var(--muted);margin:0 0 12px}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:13px}
pre{background:#f7f8fa;border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow-x:auto;margin:6px 0}
pre.wrap{white-space:pre-wrap;overflow-wrap:anywhere}
td.nowrap{white-space:nowrap}
td{overflow-wrap:anywhere}
a{color:#1a56a8}
.verdict{border-radius:12px;padding:22px 28px;border-left:12px solid;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.verdict.fail,.verdict.error{background:var(--fail-bg);border-color:var(--fail)}
.verdict.warn{background:var(--warn-bg);border-color:#d08a00}
.verdict.pass{background:var(--pass-bg);border-color:var(--pass)}
.verdict .sentence{font-size:20px;font-weight:600;margin:4px 0 10px}
.verdict .facts{color:var(--muted);font-size:14px}
.verdict .reach{font-size:16px;margin:8px 0 0}
.tag{display:inline-block;padding:1px 9px;border-radius:999px;font-weight:700;font-size:12px;letter-spacing:.05em;color:#fff;vertical-align:2px}
.tag.fail,.tag.error{background:var(--fail)}.tag.warn{background:#c27c00}.tag.info{background:var(--info)}.tag.pass{background:var(--pass)}
nav{margin:14px 0 0;font-size:14px}
nav a{margin-right:14px}
section{background:#fff;border:1px solid var(--line);border-radius:12px;padding:18px 24px;margin-top:20px}
table{border-collapse:collapse;margin:6px 0}
th,td{text-align:left;vertical-align:top;padding:5px 12px 5px 0;border-bottom:1px solid #edf0f3}
th{font-weight:600;color:var(--muted);font-size:13px}
.kv th{width:220px}
table.files{width:100%;table-layout:fixed}
table.files th:nth-child(1){width:24%}table.files th:nth-child(2){width:15%}table.files th:nth-child(3){width:29%}
table.files th:nth-child(4){width:9%}table.files th:nth-child(5){width:9%}
.bad{color:var(--fail);font-weight:600}
.good{color:var(--pass);font-weight:600}
.muted{color:var(--muted)}
.client{border-top:1px solid var(--line);padding-top:12px;margin-top:12px}
.client:first-of-type{border-top:0;margin-top:0;padding-top:0}
.finding{border:1px solid var(--line);border-left:8px solid var(--info);border-radius:8px;padding:12px 16px;margin:12px 0}
.finding.fail{border-left-color:var(--fail);background:#fffafa}
.finding.warn{border-left-color:#d08a00}
.finding .who{font-weight:600}
.finding h3 .id{margin-right:6px}
.finding .rule{font-size:14px}
.finding .seen{background:#f7f8fa;border-radius:6px;padding:6px 10px}
.frame{border:1px solid var(--line);border-radius:8px;padding:10px 16px;margin:12px 0}
.frame.fail{border-color:#e9aaa6}
.fields{width:100%;table-layout:fixed}
.fields td{overflow-wrap:anywhere}
.fields td:first-child{color:var(--muted);width:250px}
.fields td.sec{font-weight:600;color:var(--ink);padding-top:10px}
details summary{cursor:pointer;color:#1a56a8}
.legend{display:flex;flex-wrap:wrap;gap:6px 22px;font-size:13px;color:var(--muted);margin:8px 0 4px}
.legend svg{vertical-align:middle;margin-right:6px}
svg.ladder,svg.timeline{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif}
.ladder .lifeline{stroke:#9fb0bd;stroke-width:1.2;stroke-dasharray:5 5}
.ladder .colbox{fill:#fff;stroke:#9fb0bd;stroke-width:1.2}
.ladder .colbox.NIC{fill:#e8f1fc;stroke:#6d9bd6}
.ladder .colbox.master{fill:#eef2f5;stroke:#6f7f8c}
.ladder .role{font-size:14px;font-weight:700;fill:var(--ink)}
.ladder .addr{font-size:12px;fill:var(--muted)}
.ladder .arrow{stroke:var(--srv);stroke-width:1.6;fill:none}
.ladder .arrow.nic{stroke:var(--nic)}
.ladder .arrow.bcast{stroke-dasharray:7 4}
.ladder .arrow.fail{stroke:var(--fail);stroke-width:2.8}
.ladder .via{fill:#fff;stroke:var(--srv);stroke-width:1.4}
.ladder .label{font-size:12.5px;fill:var(--ink)}
.ladder .label.fail{fill:var(--fail);font-weight:700}
.ladder .gutter{font-size:12px;fill:var(--muted)}
.ladder .cites{font-size:11.5px;font-weight:700}
.ladder .cites.fail{fill:var(--fail)}.ladder .cites.warn{fill:var(--warn)}.ladder .cites.info{fill:var(--info)}
.ladder .band.fail{fill:#fbe3e1}.ladder .band.warn{fill:#fff0c7}.ladder .band.info{fill:#e6eef9}
.ladder .gap{font-size:12px;fill:var(--muted);font-style:italic}
.ladder .gapline{stroke:#c9d2da;stroke-dasharray:2 4}
.ladder .stop{font-size:14px;font-weight:700;fill:var(--fail)}
.timeline .pname{font-size:13.5px;font-weight:600;fill:var(--ink)}
.timeline .pwhat{font-size:11.5px;fill:var(--muted)}
.timeline .bar{fill:#5b8fd1}
.timeline .bar.dl{fill:#2e8b57}
.timeline .track{fill:#eef1f4}
.timeline .dur{font-size:12.5px;fill:var(--ink)}
.timeline .miss{font-size:12.5px;fill:var(--muted);font-style:italic}
.timeline .miss.stop{fill:var(--fail);font-weight:700;font-style:normal}
.timeline .axis{font-size:11px;fill:var(--muted)}
.tag.na{background:#7b8791}
.verdict .part{font-size:16px;margin:6px 0 0}
table.grid{width:100%;border-collapse:collapse;table-layout:fixed}
table.nics th:nth-child(1){width:13%}table.nics th:nth-child(2){width:11%}table.nics th:nth-child(3){width:21%}
table.nics th:nth-child(4){width:14%}table.nics th:nth-child(5){width:14%}table.nics th:nth-child(6){width:10%}
table.grid .sub a{white-space:nowrap}
table.compare th:nth-child(1){width:17%}table.compare th:nth-child(2){width:10%}table.compare th:nth-child(3){width:31%}
table.compare th:nth-child(4){width:31%}
table.probes th:nth-child(1){width:15%}table.probes th:nth-child(2){width:8%}table.probes th:nth-child(3){width:8%}
table.probes th:nth-child(5){width:10%}
table.grid th{border-bottom:2px solid var(--line)}
table.grid td{overflow-wrap:break-word}
table.grid th:first-child,table.grid td:first-child{padding-left:12px}
table.grid td .muted,table.grid td .sub{display:block;font-size:13px}
tr.nic.fail td:first-child,tr.probe.fail td:first-child{box-shadow:inset 5px 0 0 var(--fail)}
tr.nic.warn td:first-child{box-shadow:inset 5px 0 0 #d08a00}
tr.diff td{background:var(--fail-bg)}
tr.diff td.now{color:var(--fail);font-weight:700}
td.step{font-weight:600}
h3.settings{margin-top:20px}
td.same{color:var(--muted)}
footer{color:var(--muted);font-size:13px;margin-top:22px}
)CSS";

std::string tag(std::string_view severity) {
    std::string up;
    for (char c : severity) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return fmt::format("<span class=\"tag {}\">{}</span>", esc(severity), esc(up));
}

std::string frame_link(std::size_t n, const Model& m) {
    if (m.entry_of_frame.count(n)) return fmt::format("<a href=\"#frame-{0}\">{0}</a>", n);
    return std::to_string(n);
}

// --- the ladder ------------------------------------------------------------

std::string column_title(const Column& c) {
    if (c.role == "NIC") return "NIC (booting machine)";
    if (c.role == "broadcast") return "everyone (broadcast)";
    return c.role;
}

std::string ladder_svg(const Model& m) {
    const json& frames = arr(*m.report, "frames");
    const std::size_t n = m.columns.size();
    constexpr int kLeft = 168, kHeader = 96, kRow = 30, kGap = 22;
    // Room on the right for the IDs of the findings that cite a row.
    constexpr int kRight = 290;
    const int spacing =
        n > 1 ? std::clamp(static_cast<int>((1240 - kLeft - 125 - kRight) / static_cast<int>(n - 1)), 210, 600) : 0;
    const int width = std::max(1240, kLeft + 125 + kRight + spacing * static_cast<int>(n ? n - 1 : 0));
    auto x_of = [&](std::size_t col) { return kLeft + 125 + spacing * static_cast<int>(col); };

    // Rows, with a marked gap where the exchange paused for more than a second.
    std::vector<int> y(frames.size());
    std::vector<std::optional<double>> gap_before(frames.size());
    int cursor = kHeader + 26;
    double prev_ms = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const double t = num(frames[i], "time_ms").value_or(prev_ms);
        if (i > 0 && t - prev_ms > 1000) {
            gap_before[i] = t - prev_ms;
            cursor += kGap;
        }
        y[i] = cursor;
        cursor += kRow;
        prev_ms = t;
    }
    bool stopped = false;
    std::string stop_text;
    if (m.verdict == "fail") {
        for (const auto& s : m.sessions)
            if (s.phase != "downloaded") {
                stopped = true;
                stop_text = "\u2716 the boot stops here: " + phase_words(s.phase);
                break;
            }
    }
    const int height = cursor + (stopped ? 40 : 14);

    std::string out = fmt::format(
        "<svg class=\"ladder\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "role=\"img\" aria-label=\"ladder diagram of the exchange, one arrow per frame\">\n",
        width, height);
    out += "<defs>";
    for (auto [id, color] : {std::pair{"ah-srv", "#3f4b55"}, std::pair{"ah-nic", "#1565c0"}, std::pair{"ah-fail", "#b3261e"}})
        out += fmt::format("<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"9.5\" refY=\"5\" markerWidth=\"7\" "
                           "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
                           id, color);
    out += "</defs>\n";

    // Highlight bands first so that arrows draw over them.
    for (std::size_t i = 0; i < m.arrows.size(); ++i)
        if (!m.arrows[i].mark.empty())
            out += fmt::format("<rect class=\"band {}\" x=\"4\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/>\n",
                               m.arrows[i].mark, y[i] - 19, width - 8, kRow - 2);
    // Column heads and lifelines.
    for (std::size_t c = 0; c < n; ++c) {
        const auto& col = m.columns[c];
        const int x = x_of(c);
        const int bw = std::min(spacing ? spacing - 14 : 236, 236);
        out += fmt::format("<line class=\"lifeline\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", x, kHeader - 10,
                           height - 6);
        out += fmt::format("<rect class=\"colbox {}\" x=\"{}\" y=\"6\" width=\"{}\" height=\"{}\" rx=\"8\"/>\n",
                           col.role == "NIC" ? "NIC" : col.role == "master" ? "master" : "other", x - bw / 2, bw,
                           kHeader - 20);
        out += fmt::format("<text class=\"role\" x=\"{}\" y=\"27\" text-anchor=\"middle\">{}</text>\n", x,
                           esc(column_title(col)));
        std::string ips;
        for (std::size_t k = 0; k < col.ips.size() && k < 2; ++k) ips += (k ? ", " : "") + col.ips[k];
        if (col.ips.size() > 2) ips += ", \u2026";
        int line_y = 45;
        for (const std::string& line : {col.mac, ips}) {
            if (line.empty()) continue;
            out += fmt::format("<text class=\"addr mono\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x,
                               line_y, esc(shorten(line, static_cast<std::size_t>(bw / 7))));
            line_y += 16;
        }
        if (!col.sends.empty() && line_y <= 61) {
            std::string sends;
            for (const auto& s : col.sends) sends += (sends.empty() ? "sends " : ", ") + s;
            out += fmt::format("<text class=\"addr\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x, line_y,
                               esc(sends));
        }
    }
    out += fmt::format("<text class=\"gutter\" x=\"8\" y=\"{}\">frame</text><text class=\"gutter\" x=\"70\" y=\"{}\">time</text>\n",
                       kHeader + 2, kHeader + 2);

    for (std::size_t i = 0; i < m.arrows.size(); ++i) {
        const auto& a = m.arrows[i];
        const json& f = frames[i];
        const int yy = y[i];
        if (gap_before[i]) {
            out += fmt::format("<line class=\"gapline\" x1=\"8\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\"/>"
                               "<text class=\"gap\" x=\"{2}\" y=\"{3}\">\u22ef {4} pass \u22ef</text>\n",
                               yy - kRow + 4, width - 8, kLeft + 8, yy - kRow + 8 + 0, esc(duration(*gap_before[i])));
        }
        const auto first = count_of(f, "number");
        const auto last = count_of(f, "last_number", first);
        const std::string number = last > first ? fmt::format("#{}\u2013{}", first, last) : fmt::format("#{}", first);
        out += fmt::format("<text class=\"gutter mono\" x=\"8\" y=\"{}\">{}</text>", yy + 4, esc(number));
        out += fmt::format("<text class=\"gutter mono\" x=\"70\" y=\"{}\">{}</text>\n", yy + 4,
                           esc(seconds(num(f, "time_ms").value_or(0))));
        int x1 = x_of(a.from), x2 = x_of(a.to);
        if (x1 == x2) x2 = x1 + 60;  // nobody else to receive it: a stub
        const bool from_nic = m.columns[a.from].role == "NIC";
        const bool fail = a.mark == "fail";
        std::string cls = "arrow";
        cls += fail ? " fail" : from_nic ? " nic" : " srv";
        if (a.broadcast) cls += " bcast";
        if (!a.mark.empty()) cls += " cited";
        const int inset = 6;
        const int dx = x2 > x1 ? inset : -inset;
        out += fmt::format("<g class=\"msg\" id=\"msg-{}\"><title>{}</title>", first, esc(str(f, "summary")));
        out += fmt::format("<line class=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" marker-end=\"url(#{})\"/>", cls,
                           x1 + dx, yy, x2 - dx, yy, fail ? "ah-fail" : from_nic ? "ah-nic" : "ah-srv");
        for (auto v : a.via)
            out += fmt::format("<circle class=\"via\" cx=\"{}\" cy=\"{}\" r=\"3.5\"/>", x_of(v), yy);
        std::string label = str(f, "label");
        if (a.broadcast) label += " (broadcast)";
        const auto room = static_cast<std::size_t>(std::max(12, std::abs(x2 - x1) / 7));
        out += fmt::format("<text class=\"label{}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                           fail ? " fail" : "", (x1 + x2) / 2, yy - 6, esc(shorten(label, room)));
        if (!a.cited_by.empty()) {
            std::string ids;
            for (const auto& id : a.cited_by) ids += (ids.empty() ? "" : " ") + id;
            // In the right margin, clear of every column.
            const int xr = std::max(x_of(n ? n - 1 : 0), std::max(x1, x2)) + 18;
            out += fmt::format("<text class=\"cites {}\" x=\"{}\" y=\"{}\">{}{}</text>", a.mark, xr, yy + 4,
                               fail ? "\u2716 " : "\u25b2 ", esc(shorten(ids, 40)));
        }
        out += "</g>\n";
    }
    if (stopped)
        out += fmt::format("<text class=\"stop\" x=\"{}\" y=\"{}\">{}</text>\n", kLeft + 8, cursor + 14,
                           esc(stop_text));
    out += "</svg>\n";
    return out;
}

std::string legend() {
    auto sample = [](const char* color, const char* stroke_width, bool dashed) {
        return fmt::format("<svg width=\"46\" height=\"12\" viewBox=\"0 0 46 12\"><line x1=\"2\" y1=\"6\" x2=\"40\" "
                           "y2=\"6\" stroke=\"{}\" stroke-width=\"{}\"{}/><path d=\"M38,1 L46,6 L38,11 z\" fill=\"{}\"/></svg>",
                           color, stroke_width, dashed ? " stroke-dasharray=\"7 4\"" : "", color);
    };
    std::string out = "<div class=\"legend\">";
    out += "<span>" + sample("#1565c0", "1.6", false) + "sent by the NIC</span>";
    out += "<span>" + sample("#3f4b55", "1.6", false) + "sent by a server</span>";
    out += "<span>" + sample("#3f4b55", "1.6", true) + "broadcast (every host hears it; \u25cb marks the others)</span>";
    out += "<span>" + sample("#b3261e", "2.8", false) + "a step that failed (cited by a failed check)</span>";
    out += "<span><svg width=\"30\" height=\"12\"><rect width=\"30\" height=\"12\" rx=\"3\" fill=\"#fff0c7\"/></svg>cited by a warning</span>";
    out += "<span><svg width=\"30\" height=\"12\"><rect width=\"30\" height=\"12\" rx=\"3\" fill=\"#e6eef9\"/></svg>cited by a note</span>";
    out += "</div>";
    return out;
}

// --- the timeline ----------------------------------------------------------

std::string timeline_svg(const Session& s, bool failed) {
    constexpr int kName = 260, kTrack = 640, kRowH = 40;
    double total = 0;
    for (const auto& p : s.phases) {
        if (p.end_ms) total = std::max(total, *p.end_ms);
        if (p.start_ms) total = std::max(total, *p.start_ms);
    }
    if (total <= 0) total = 1;
    const int height = 24 + kRowH * static_cast<int>(s.phases.size()) + 8;
    const int width = kName + kTrack + 270;
    std::string out = fmt::format(
        "<svg class=\"timeline\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "role=\"img\" aria-label=\"timeline of the boot phases\">\n",
        width, height);
    out += fmt::format("<text class=\"axis\" x=\"{}\" y=\"12\">0 s (first DISCOVER)</text>", kName);
    out += fmt::format("<text class=\"axis\" x=\"{}\" y=\"12\" text-anchor=\"end\">{}</text>\n", kName + kTrack,
                       esc(seconds(total)));
    bool stop_marked = false;
    for (std::size_t i = 0; i < s.phases.size(); ++i) {
        const auto& p = s.phases[i];
        const int yy = 24 + kRowH * static_cast<int>(i);
        out += fmt::format("<text class=\"pname\" x=\"0\" y=\"{}\">{}</text>", yy + 14, esc(p.name));
        out += fmt::format("<text class=\"pwhat\" x=\"0\" y=\"{}\">{}</text>", yy + 29, esc(shorten(p.what, 42)));
        out += fmt::format("<rect class=\"track\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"3\"/>", kName,
                           yy + 4, kTrack);
        if (p.reached && p.start_ms && p.end_ms) {
            // On the track: times before the first DISCOVER (a capture whose
            // times go back) scale to far below 0, and a double outside int
            // range (or NaN, from an infinite time in a JSON file) does not
            // convert to int (UB).
            auto on_track = [&](double ms) {
                const double v = ms / total * kTrack;
                return v > 0 ? std::min(v, double{kTrack}) : 0.0;
            };
            const double a = on_track(*p.start_ms), b = on_track(*p.end_ms);
            const int x = kName + static_cast<int>(a);
            const int w = std::max(3, static_cast<int>(b - a));
            out += fmt::format("<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"3\"/>",
                               p.name.rfind("Download", 0) == 0 ? " dl" : "", x, yy + 4, w);
            out += fmt::format("<text class=\"dur\" x=\"{}\" y=\"{}\">{} (at {})</text>\n", kName + kTrack + 10,
                               yy + 17, esc(duration(*p.end_ms - *p.start_ms)), esc(seconds(*p.start_ms)));
        } else {
            const bool stop = failed && !stop_marked;
            stop_marked = stop_marked || stop;
            out += fmt::format("<text class=\"miss{}\" x=\"{}\" y=\"{}\">{}</text>\n", stop ? " stop" : "",
                               kName + kTrack + 10, yy + 17, stop ? "\u2716 not reached: stopped here" : "not reached");
        }
    }
    out += "</svg>\n";
    return out;
}

// --- sections --------------------------------------------------------------

std::string client_summary(const Model& m) {
    std::string out;
    for (const auto& s : m.sessions) {
        const json& j = *s.raw;
        const json& d = obj(j, "dhcp");
        out += "<div class=\"client\">";
        out += fmt::format("<h3>NIC <span class=\"mono\">{}</span></h3>", esc(s.label));
        out += "<table class=\"kv\">";
        const bool done = s.phase == "downloaded";
        out += fmt::format("<tr><th>How far the boot got</th><td class=\"{}\">{} <span class=\"muted\">(phase: {})</span></td></tr>",
                           done ? "good" : "bad", esc(phase_words(s.phase)), esc(s.phase));
        if (auto y = str(d, "yiaddr"); !y.empty())
            out += fmt::format("<tr><th>Address</th><td class=\"mono\">{} <span class=\"muted\">from DHCP server {}</span></td></tr>",
                               esc(y), esc(str(d, "server_id", "?")));
        const json& offers = arr(d, "offers");
        const auto chosen = count_of(d, "chosen_offer", SIZE_MAX);
        if (!offers.empty()) {
            out += "<tr><th>Offers received</th><td>";
            for (std::size_t k = 0; k < offers.size(); ++k) {
                const json& o = offers[k];
                const bool is_chosen = chosen == k;
                std::string line = fmt::format("{} from {}", flag(o, "proxy") ? "proxyDHCP offer" : "offer",
                                               str(o, "server_id", str(o, "source_ip", "?")));
                if (auto y = str(o, "yiaddr"); !y.empty()) line += ": address " + y;
                if (auto b = str(o, "bootfile"); !b.empty())
                    line += ", file \"" + b + "\" on " + str(o, "tftp_server", "NO SERVER");
                else if (flag(o, "pxe_menu")) line += ", PXE boot menu";
                else line += ", no boot file";
                out += fmt::format("<div>{}{} <span class=\"muted\">(frame {})</span></div>",
                                   is_chosen ? "<b>taken:</b> " : "", esc(line),
                                   frame_link(count_of(o, "frame"), m));
            }
            out += "</td></tr>";
        }
        if (auto b = str(d, "bootfile"); !b.empty()) {
            const std::string server = str(d, "boot_server");
            out += fmt::format("<tr><th>Boot file</th><td><span class=\"mono\">\"{}\"</span> from {} "
                               "<span class=\"muted\">(told by the {})</span></td></tr>",
                               esc(b), server.empty() ? "<span class=\"bad\">no usable server</span>" : esc(server),
                               esc(boot_info_words(str(d, "boot_info_from", "?"))));
        }
        const json& tftp = arr(j, "tftp");
        if (!tftp.empty()) {
            out += "<tr><th>Files requested</th><td><table class=\"files\"><tr><th>file</th><th>server</th><th>result</th><th>octets</th>"
                   "<th>time</th><th>SHA-256</th></tr>";
            for (std::size_t k = 0; k < tftp.size(); ++k) {
                const json& t = tftp[k];
                std::string result;
                std::string cls;
                if (t.contains("error") && t["error"].is_object()) {
                    result = fmt::format("error {} \"{}\"", int_of(t["error"], "code"),
                                         shorten(str(t["error"], "message"), 32));
                    // A refused name the client got past (a later file arrived:
                    // pxelinux.cfg's search, say) is not where the boot broke.
                    bool went_on = false;
                    for (std::size_t later = k + 1; later < tftp.size(); ++later)
                        went_on = went_on || flag(tftp[later], "complete");
                    cls = went_on ? "muted" : "bad";
                    if (went_on) result += " (the client went on)";
                } else if (flag(t, "complete")) {
                    result = "complete";
                    cls = "good";
                } else {
                    result = "unfinished";
                    cls = "bad";
                }
                const std::string sha = str(t, "sha256");
                out += fmt::format("<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"{}\">{}</td>"
                                   "<td>{:.0f}</td><td>{}</td><td class=\"mono\" title=\"{}\">{}</td></tr>",
                                   esc(str(t, "file")), esc(str(t, "server")), cls, esc(result),
                                   num(t, "bytes").value_or(0), esc(duration(num(t, "duration_ms").value_or(0))),
                                   esc(sha), esc(sha.empty() ? "-" : sha.substr(0, 16) + "\u2026"));
            }
            out += "</table></td></tr>";
        }
        out += "</table></div>\n";
    }
    if (m.sessions.empty()) out += "<p class=\"bad\">No booting client was seen: no DHCP request and no TFTP transfer.</p>";
    return out;
}

std::string finding_card(const Finding& f, const Model& m) {
    std::string out = fmt::format("<article class=\"finding {}\" id=\"finding-{}\">", esc(f.severity), esc(f.id));
    std::string head = detail_head(f.detail);
    if (!head.empty() && head[0] >= 'a' && head[0] <= 'z') head[0] = static_cast<char>(head[0] - 'a' + 'A');
    out += fmt::format("<h3>{} <span class=\"id\">{}</span>{}</h3>", tag(f.severity), esc(f.id), esc(head));
    out += fmt::format("<p class=\"who\">Who must act: {}</p>", esc(blame_words(f.blame)));
    out += fmt::format("<p class=\"seen\"><b>Seen:</b> {}</p>", esc(f.detail));
    out += fmt::format("<p class=\"rule\"><b>The rule:</b> {} <span class=\"muted\">({})</span></p>", esc(f.title),
                       esc(f.clause));
    if (!f.client_mac.empty()) out += fmt::format("<p class=\"muted\">Client {}</p>", esc(f.client_mac));
    if (!f.frames.empty()) {
        const json& frames = arr(*m.report, "frames");
        out += "<table><tr><th>frame</th><th>time</th><th>what</th></tr>";
        std::size_t shown = 0;
        for (auto n : f.frames) {
            if (++shown > 12) {
                out += fmt::format("<tr><td colspan=\"3\" class=\"muted\">\u2026 and {} more frame(s)</td></tr>",
                                   f.frames.size() - 12);
                break;
            }
            auto it = m.entry_of_frame.find(n);
            if (it == m.entry_of_frame.end()) {
                out += fmt::format("<tr><td>{}</td><td></td><td class=\"muted\">not in the report; see the capture</td></tr>", n);
                continue;
            }
            const json& e = frames[it->second];
            out += fmt::format("<tr><td>{}</td><td class=\"mono nowrap\">{}</td><td class=\"mono\">{}</td></tr>", frame_link(n, m),
                               esc(seconds(num(e, "time_ms").value_or(0))), esc(shorten(str(e, "summary"), 150)));
        }
        out += "</table>";
    } else {
        out += "<p class=\"muted\">No single frame shows this: it comes from the run as a whole.</p>";
    }
    out += "</article>\n";
    return out;
}

std::string evidence_frames(const Model& m) {
    const json& frames = arr(*m.report, "frames");
    std::string out;
    std::set<std::size_t> shown_entries;
    for (auto n : m.cited) {
        auto it = m.entry_of_frame.find(n);
        if (it == m.entry_of_frame.end()) continue;
        const json& e = frames[it->second];
        const auto& a = m.arrows[it->second];
        const bool run = e.contains("run") && e["run"].is_object();
        if (run && !shown_entries.insert(it->second).second) {
            out += fmt::format("<div id=\"frame-{}\"></div>", n);
            continue;
        }
        std::string cited;
        for (const auto& f : m.findings)
            if (std::find(f.frames.begin(), f.frames.end(), n) != f.frames.end())
                cited += fmt::format("{}<a href=\"#finding-{}\">{}</a>", cited.empty() ? "" : ", ", esc(f.id), esc(f.id));
        out += fmt::format("<article class=\"frame {}\" id=\"frame-{}\">", esc(a.mark), n);
        out += fmt::format("<h3>Frame {} <span class=\"muted\">{} \u00b7 {} \u2192 {}</span></h3>", n,
                           esc(seconds(num(e, "time_ms").value_or(0))), esc(str(e, "src")), esc(str(e, "dst")));
        out += fmt::format("<p>Cited by {}</p>", cited);
        out += fmt::format("<pre class=\"wrap\">{}</pre>", esc(str(e, "summary")));
        if (run) {
            out += fmt::format("<p class=\"muted\">Frame {} is one of the TFTP DATA/ACK frames {}\u2013{}, which the report "
                               "keeps as one summary; their bytes are in capture.pcapng.</p>",
                               n, count_of(e, "number"),
                               count_of(e, "last_number"));
        } else {
            const std::string hex = str(e, "hex");
            const auto fields = decode_fields(m.linktype, hex);
            if (!fields.empty()) {
                out += "<table class=\"fields\">";
                std::string section;
                for (const auto& fl : fields) {
                    if (fl.section != section) {
                        section = fl.section;
                        out += fmt::format("<tr><td class=\"sec\" colspan=\"2\">{}</td></tr>", esc(section));
                    }
                    out += fmt::format("<tr><td>{}</td><td class=\"mono\">{}</td></tr>", esc(fl.name), esc(fl.value));
                }
                out += "</table>";
            }
            const auto lines = hex_dump(hex);
            if (!lines.empty()) {
                std::string dump;
                for (const auto& l : lines) dump += l + "\n";
                out += fmt::format("<details><summary>Bytes in hex ({} octets)</summary><pre>{}</pre></details>",
                                   hex.size() / 2, esc(dump));
            }
        }
        out += "</article>\n";
    }
    if (out.empty()) out = "<p class=\"muted\">No finding cites a frame.</p>";
    return out;
}

std::string environment(const json& r) {
    const json& src = obj(r, "source");
    const json& tool = obj(r, "tool");
    const json& ev = obj(r, "evidence");
    std::string out = "<table class=\"kv\">";
    auto row = [&](std::string_view k, const std::string& v, bool mono = false) {
        if (!v.empty())
            out += fmt::format("<tr><th>{}</th><td{}>{}</td></tr>", esc(k), mono ? " class=\"mono\"" : "", esc(v));
    };
    row("Tool", str(tool, "name", "pxecheck") + " " + str(tool, "version"));
    row("Command line", str(r, "command_line"), true);
    const std::string source = str(src, "name");
    if (source.rfind("live:", 0) == 0) row("Interface", source.substr(5), true);
    else row("Capture analysed", source, true);
    row("Host", str(r, "host"));
    row("Started", str(r, "started_at"));
    row("Capture SHA-256", str(src, "sha256"), true);
    if (auto n = num(src, "frames")) row("Frames read", fmt::format("{:.0f} (link type {:.0f})", *n, num(src, "linktype").value_or(0)));
    if (!ev.empty()) {
        row("Evidence capture", str(ev, "capture"), true);
        row("Evidence capture SHA-256", str(ev, "capture_sha256"), true);
    }
    for (const auto& a : arr(src, "anomalies")) row("Problem with the source", str(a, "id") + ": " + str(a, "detail"));
    row("Report schema", str(r, "schema"), true);
    out += "</table>";
    return out;
}

// --- what one command adds: serve's NICs, replay's comparison, probes -----

/// The finding IDs as links to their cards (plain text for an ID no card has).
std::string finding_links(const json& ids, const Model& m) {
    std::string out;
    std::set<std::string> seen;
    for (const auto& id : ids) {
        if (!id.is_string() || !seen.insert(id.get<std::string>()).second) continue;
        const std::string text = id.get<std::string>();
        const bool carded = std::any_of(m.findings.begin(), m.findings.end(), [&](const Finding& f) { return f.id == text; });
        out += out.empty() ? "" : " ";
        out += carded ? fmt::format("<a href=\"#finding-{0}\">{0}</a>", esc(text)) : esc(text);
    }
    return out;
}

std::string quoted(const std::string& s) { return "\u201c" + s + "\u201d"; }

std::string nics_table(const json& nics, const Model& m) {
    std::string out =
        "<table class=\"grid nics\"><tr><th>MAC</th><th>architecture announced</th><th>vendor class (option 60)</th>"
        "<th>phase reached</th><th>boot file</th><th>octets</th><th>verdict</th></tr>";
    for (const auto& n : nics) {
        const std::string verdict = str(n, "verdict");
        out += fmt::format("<tr class=\"nic {}\">", esc(verdict));
        std::string mac = fmt::format("<td class=\"mono\">{}", esc(str(n, "mac")));
        if (auto a = str(n, "address"); !a.empty()) mac += fmt::format("<span class=\"sub\">address {}</span>", esc(a));
        else if (!flag(n, "dhcp")) mac += "<span class=\"muted\">TFTP only, no DHCP</span>";
        out += mac + "</td>";
        std::string kind;
        if (flag(n, "pxe")) kind = "PXE firmware";
        if (flag(n, "ipxe")) kind += kind.empty() ? "iPXE" : ", iPXE";
        out += fmt::format("<td>{}{}</td>", esc(arch_words(n)),
                           kind.empty() ? "" : "<span class=\"muted\">" + esc(kind) + "</span>");
        const std::string vendor = str(n, "vendor_class");
        out += vendor.empty() ? "<td class=\"muted\">none sent</td>"
                              : fmt::format("<td class=\"mono\">{}</td>", esc(quoted(vendor)));
        const std::string phase = str(n, "phase");
        out += fmt::format("<td class=\"{}\">{}<span class=\"muted\">{}</span></td>",
                           phase == "tftp-done" ? "good" : "bad", esc(serve_phase_words(phase)), esc(phase));
        const std::string file = str(n, "file");
        std::string others;
        for (const auto& f : arr(n, "files_downloaded"))
            if (f.is_string() && f.get<std::string>() != file) others += (others.empty() ? "" : ", ") + f.get<std::string>();
        out += fmt::format("<td class=\"mono\">{}{}</td>",
                           file.empty() ? "<span class=\"muted\">none named</span>" : esc(quoted(file)),
                           others.empty() ? "" : "<span class=\"muted\">then " + esc(shorten(others, 120)) + "</span>");
        const auto bytes = count_of(n, "bytes");
        std::string size = std::to_string(bytes);
        if (flag(n, "file_complete")) {
            size += "<span class=\"muted\">complete";
            if (auto s2 = num(n, "seconds_to_boot_file")) size += ", " + esc(duration(*s2 * 1000.0)) + " to get it";
            size += "</span>";
        } else if (bytes > 0) {
            size += "<span class=\"muted\">acknowledged, unfinished</span>";
        }
        out += "<td>" + size + "</td>";
        const std::string links = finding_links(arr(n, "findings"), m);
        out += fmt::format("<td>{}{}</td></tr>", verdict.empty() ? "" : tag(verdict),
                           links.empty() ? "" : "<span class=\"sub\">" + links + "</span>");
    }
    out += "</table>";
    return out;
}

std::string serve_settings(const json& serve, std::size_t nic_count) {
    std::string out = "<h3 class=\"settings\">How the reference master ran</h3><table class=\"kv\">";
    auto row = [&](std::string_view k, const std::string& html_value) {
        out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", esc(k), html_value);
    };
    if (auto v = str(serve, "interface"); !v.empty()) row("Interface", "<span class=\"mono\">" + esc(v) + "</span>");
    const std::string mode = str(serve, "mode");
    if (!mode.empty())
        row("Mode", mode == "proxy" ? "proxyDHCP: boot information only, another server hands out addresses"
                    : mode == "dhcp" ? "DHCP: addresses and boot information"
                                     : esc(mode));
    const std::string ip = str(serve, "server_ip"), mac = str(serve, "server_mac");
    if (!ip.empty() || !mac.empty())
        row("Server", fmt::format("<span class=\"mono\">{}</span>{}", esc(ip),
                                  mac.empty() ? "" : " <span class=\"muted\">MAC " + esc(mac) + "</span>"));
    if (serve.is_object() && serve.contains("address_on_host"))
        row("Server address", flag(serve, "address_on_host")
                                  ? "configured on the host (the kernel answers ARP; serve held its UDP ports)"
                                  : "held in user space only (pxecheck answers ARP for it)");
    const std::string root = str(serve, "tftp_root");
    row("TFTP root", root.empty() ? "<span class=\"muted\">no TFTP server</span>"
                                  : "<span class=\"mono\">" + esc(root) + "</span> (read-only)");
    if (auto v = str(serve, "stopped_by"); !v.empty())
        row("Stopped", esc(stop_words(v)));
    if (num(serve, "nics_finished"))
        row("NICs with their boot file", fmt::format("{} of {}", count_of(serve, "nics_finished"), nic_count));
    const json& probe = arr(serve, "probe");
    if (probe.empty()) {
        row("Safety probe", "no other DHCP server answered before serving");
    } else {
        std::string list;
        for (const auto& a : probe) {
            const std::string offered = str(a, "offered");
            list += fmt::format("<div><span class=\"mono\">{}</span> from {} ({}){}</div>", esc(str(a, "server_id")),
                                esc(str(a, "source_ip")), esc(str(a, "source_mac")),
                                flag(a, "proxy") ? ": proxyDHCP"
                                : offered.empty() ? ""
                                                  : ": offered " + esc(offered));
        }
        row("Other servers that answered the safety probe", list);
    }
    if (const auto frames = count_of(serve, "probe_frames"); frames > 0)
        row("Safety probe frames", fmt::format("frames 1\u2013{} of capture.pcapng, before serving; no NIC owns them", frames));
    out += "</table>";
    return out;
}

std::string nics_section(const json& report, const Model& m) {
    const json& nics = arr(report, "nics");
    std::string out = fmt::format(
        "<section id=\"nics\"><h2>NICs seen by the reference master</h2><p class=\"lead\">pxecheck serve was the "
        "master: it answered each NIC by the standards and judged what the NIC sent. A NIC's verdict is the worst of "
        "the findings of its session. {}</p>",
        esc(nics_sentence(nics)));
    if (!nics.empty()) out += nics_table(nics, m);
    if (report.contains("serve") && report["serve"].is_object()) out += serve_settings(report["serve"], nics.size());
    out += "</section>\n";
    return out;
}

std::string replay_section(const json& replay) {
    std::string out = fmt::format(
        "<section id=\"replay\"><h2>Replay: now vs capture</h2><p class=\"lead\">The captured NIC was rebuilt from its "
        "own DISCOVER and played live against the master. Only the master's answers are compared; what depends on the "
        "client's run (transaction IDs, timings, ports, repeated offers) is not. <b class=\"{}\">{}</b></p>",
        replay_differences(replay) ? "bad" : "good", esc(replay_sentence(replay)));
    out += "<table class=\"kv\">";
    auto row = [&](std::string_view k, const std::string& html_value) {
        if (!html_value.empty()) out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", esc(k), html_value);
    };
    if (auto v = str(replay, "source_capture"); !v.empty()) {
        const std::string sha = str(replay, "source_sha256");
        row("Capture replayed", "<span class=\"mono\">" + esc(v) + "</span>" +
                                    (sha.empty() ? "" : "<div class=\"muted mono\">SHA-256 " + esc(sha) + "</div>"));
    }
    if (auto v = str(replay, "session"); !v.empty()) {
        std::string text = "<span class=\"mono\">" + esc(v) + "</span>";
        if (auto d = count_of(replay, "discover_frame"); d > 0)
            text += fmt::format(", rebuilt from its DISCOVER (frame {} of the capture)", d);
        if (auto p = str(replay, "base_profile"); !p.empty())
            text += fmt::format(" <span class=\"muted\">with the timers of the {} profile</span>", esc(p));
        row("Captured client", text);
    }
    if (auto v = str(replay, "mac"); !v.empty())
        row("MAC used live", fmt::format("<span class=\"mono\">{}</span> <span class=\"muted\">({})</span>", esc(v),
                                         esc(mac_mode_words(str(replay, "mac_mode")))));
    std::string notes;
    for (const auto& n : arr(replay, "notes"))
        if (n.is_string()) notes += "<div>" + esc(n.get<std::string>()) + "</div>";
    row("Not sent as captured", notes);
    out += "</table>";

    const json& rows = arr(replay, "comparisons");
    if (rows.empty()) {
        out += "<p class=\"muted\">No field was compared.</p></section>\n";
        return out;
    }
    out += "<table class=\"grid compare\"><tr><th>step</th><th>field</th><th>in the capture</th><th>now</th>"
           "<th></th></tr>";
    std::string previous_step;
    for (const auto& r : rows) {
        const bool same = flag(r, "same");
        const std::string step = str(r, "step");
        out += fmt::format("<tr class=\"{}\"><td class=\"step mono\">{}</td><td>{}</td><td class=\"mono\">{}</td>"
                           "<td class=\"mono now\">{}</td><td{}>{}</td></tr>",
                           same ? "same" : "diff", step == previous_step ? "" : esc(step), esc(str(r, "field")),
                           esc(str(r, "capture")), esc(str(r, "now")), same ? " class=\"same\"" : "",
                           same ? "same" : "<span class=\"tag fail\">DIFFERENT</span>");
        previous_step = step;
    }
    out += "</table></section>\n";
    return out;
}

/// A frame number linked to where the page shows it: its decoded evidence
/// when a finding cites it, else its arrow in the ladder.
std::string frame_ref(std::size_t n, const Model& m) {
    auto it = m.entry_of_frame.find(n);
    if (it == m.entry_of_frame.end()) return std::to_string(n);
    if (m.cited.count(n)) return frame_link(n, m);
    return fmt::format("<a href=\"#msg-{}\">{}</a>", count_of(arr(*m.report, "frames")[it->second], "number"), n);
}

std::string probe_tag(std::string_view result) {
    if (result == "pass") return tag("pass");
    if (result == "fail") return tag("fail");
    return fmt::format("<span class=\"tag na\" title=\"{}\">N/A</span>", esc(result));
}

std::string probes_section(const json& probes, const Model& m) {
    std::string out = fmt::format(
        "<section id=\"probes\"><h2>Active probes</h2><p class=\"lead\">Harmless stimuli the emulated NIC sent on "
        "purpose (<span class=\"mono\">--probe</span>) to see whether the master keeps to the rule; a failed probe is "
        "also a finding, blamed on the master. {}</p>",
        esc(probes_sentence(probes)));
    out += "<table class=\"grid probes\"><tr><th>probe</th><th>rule</th><th>result</th><th>detail</th><th>frames</th></tr>";
    for (const auto& p : probes) {
        const std::string result = str(p, "result");
        std::string frames;
        for (const std::size_t n : frame_numbers(p)) frames += (frames.empty() ? "" : ", ") + frame_ref(n, m);
        const std::string rule = str(p, "rule");
        out += fmt::format("<tr class=\"probe {}\"><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td>"
                           "<td>{}</td><td>{}</td></tr>",
                           result == "fail" ? "fail" : result == "pass" ? "pass" : "na", esc(str(p, "name")),
                           rule.empty() ? "" : finding_links(json::array({rule}), m), probe_tag(result),
                           esc(str(p, "detail")), frames);
    }
    out += "</table></section>\n";
    return out;
}

}  // namespace

std::string render_html(const json& report) {
    const Model m = build(report);
    const json& counts = obj(report, "counts");
    const json& src = obj(report, "source");
    const std::size_t fails = count_of(counts, "fail");
    const std::size_t warns = count_of(counts, "warn");
    const std::size_t infos = count_of(counts, "info");
    const std::string verdict_word = upper(m.verdict);

    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += fmt::format("<title>pxecheck {}: {}</title>\n", esc(verdict_word), esc(str(src, "name")));
    out += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n<main>\n";

    // Verdict first, in plain words.
    out += fmt::format("<header class=\"verdict {}\" id=\"verdict\">", esc(m.verdict));
    out += fmt::format("<h1>{} {}</h1>", tag(m.verdict), esc(m.headline));
    out += fmt::format("<p class=\"sentence\">{}</p>", esc(m.sentence));
    for (const auto& s : m.sessions)
        out += fmt::format("<p class=\"reach\">How far the boot of NIC <span class=\"mono\">{}</span> got: <b>{}</b>.</p>",
                           esc(s.label), esc(phase_words(s.phase)));
    out += fmt::format("<p class=\"facts\">{} \u00b7 {} \u00b7 {} \u00b7 {} \u00b7 {} {}</p>",
                       esc(plural(fails, "failure", "failures")), esc(plural(warns, "warning", "warnings")),
                       esc(plural(infos, "note", "notes")), esc(str(src, "name")), esc(str(report, "command")),
                       esc(str(report, "started_at")));
    // The parts one command adds, present only in its reports.
    const bool has_nics = (report.contains("nics") && report["nics"].is_array()) ||
                          (report.contains("serve") && report["serve"].is_object());
    const bool has_replay = report.contains("replay") && report["replay"].is_object();
    const bool has_probes = report.contains("probes") && report["probes"].is_array();
    if (has_nics) out += fmt::format("<p class=\"part\">{}</p>", esc(nics_sentence(arr(report, "nics"))));
    // Differences are the page's headline already (verdict_headline()).
    if (has_replay && !replay_differs(report))
        out += fmt::format("<p class=\"part {}\">{}</p>", replay_differences(report["replay"]) ? "bad" : "good",
                           esc(replay_sentence(report["replay"])));
    if (has_probes) out += fmt::format("<p class=\"part\">{}</p>", esc(probes_sentence(report["probes"])));
    out += "<nav>";
    if (has_nics) out += "<a href=\"#nics\">NICs</a>";
    if (has_replay) out += "<a href=\"#replay\">Replay</a>";
    if (has_probes) out += "<a href=\"#probes\">Active probes</a>";
    out += "<a href=\"#happened\">What happened</a><a href=\"#timeline\">Timeline</a><a href=\"#exchange\">"
           "Exchange</a><a href=\"#findings\">Findings</a><a href=\"#evidence\">Evidence frames</a><a href=\"#environment\">"
           "Environment</a></nav>";
    out += "</header>\n";

    if (has_nics) out += nics_section(report, m);
    if (has_replay) out += replay_section(report["replay"]);
    if (has_probes) out += probes_section(report["probes"], m);

    out += "<section id=\"happened\"><h2>What happened</h2><p class=\"lead\">A PXE boot has three steps: the NIC "
           "(the network card of the machine that boots) asks for an address with DHCP, learns from the master which "
           "boot file to fetch and from which server, then downloads that file with TFTP.</p>";
    out += client_summary(m);
    out += "</section>\n";

    out += "<section id=\"timeline\"><h2>Timeline</h2><p class=\"lead\">How long each step took, counted from the "
           "NIC's first DHCP DISCOVER.</p>";
    for (const auto& s : m.sessions) {
        if (m.sessions.size() > 1) out += fmt::format("<h3 class=\"mono\">{}</h3>", esc(s.label));
        out += timeline_svg(s, m.verdict == "fail" && s.phase != "downloaded");
    }
    if (m.sessions.empty()) out += "<p class=\"muted\">No client, no phases.</p>";
    out += "</section>\n";

    const json& frames = arr(report, "frames");
    out += fmt::format("<section id=\"exchange\"><h2>The exchange, frame by frame</h2><p class=\"lead\">Time runs "
                       "down the page; each arrow is one frame (a run of TFTP data blocks and their acknowledgements is "
                       "one arrow). Times are from the first frame of the capture. {}.</p>",
                       esc(plural(frames.size(), "arrow", "arrows")));
    out += legend();
    if (frames.empty()) out += "<p class=\"muted\">This report holds no frames (it predates the frames list, or nothing was captured).</p>";
    else out += ladder_svg(m);
    if (!frames.empty()) {
        out += fmt::format("<details><summary>Every frame as one line of text ({})</summary><table>"
                           "<tr><th>frame</th><th>time</th><th>from</th><th>to</th><th>message</th></tr>",
                           frames.size());
        for (const auto& f : frames) {
            const auto first = count_of(f, "number");
            const auto last = count_of(f, "last_number", first);
            out += fmt::format("<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>"
                               "<td class=\"mono\">{}</td></tr>",
                               last > first ? fmt::format("{}\u2013{}", first, last) : std::to_string(first),
                               esc(seconds(num(f, "time_ms").value_or(0))), esc(str(f, "src")), esc(str(f, "dst")),
                               esc(str(f, "summary")));
        }
        out += "</table></details>";
    }
    out += "</section>\n";

    out += fmt::format("<section id=\"findings\"><h2>Findings</h2><p class=\"lead\">Each finding names the rule, the "
                       "standard it comes from, what was actually seen, and who must act. {}, {}, {}.</p>",
                       esc(plural(fails, "failure", "failures")), esc(plural(warns, "warning", "warnings")),
                       esc(plural(infos, "note", "notes")));
    std::vector<const Finding*> ordered;
    for (const auto& f : m.findings) ordered.push_back(&f);
    std::stable_sort(ordered.begin(), ordered.end(), [](const Finding* a, const Finding* b) {
        return severity_rank(a->severity) > severity_rank(b->severity);
    });
    for (const auto* f : ordered) out += finding_card(*f, m);
    if (m.findings.empty()) out += "<p class=\"good\">No findings.</p>";
    out += "</section>\n";

    out += "<section id=\"evidence\"><h2>Evidence frames</h2><p class=\"lead\">Every frame a finding cites, decoded "
           "field by field, with its bytes. The same frames carry the findings as comments in capture.pcapng "
           "(Wireshark: Statistics \u203a Capture File Properties, or the packet comments).</p>";
    out += evidence_frames(m);
    out += "</section>\n";

    out += "<section id=\"environment\"><h2>Environment</h2>" + environment(report) + "</section>\n";
    out += fmt::format("<footer>Written by {} {} from the JSON report (schema {}). This page is self-contained: it loads "
                       "nothing from the network.</footer>\n",
                       esc(str(obj(report, "tool"), "name", "pxecheck")), esc(str(obj(report, "tool"), "version")),
                       esc(str(report, "schema")));
    out += "</main>\n</body>\n</html>\n";
    return out;
}

}  // namespace pxecheck::report
