// junit.xml: one test case per catalogue rule, for CI systems.
//
// Choices (documented in docs/report-schema.md, "junit.xml"):
// - a rule with a fail finding: <failure type="fail">, one per rule, listing
//   every finding of that rule;
// - a rule with only warn/info findings: a passing test case whose
//   <system-out> lists them (warnings pass, as they do for the exit code;
//   `--strict` is how a run makes them fail);
// - a rule the run did not apply: <skipped> (left out by --only/--skip, or an
//   active rule, which needs a stimulus, with no finding from the run);
// - verdict `error` (the capture could not be read to the end): one more test
//   case, classname "source", with <error>;
// - the parts one command adds, so that CI sees the same units a person does:
//   one test case per NIC of `serve` (classname "serve.nics", <failure> when
//   its verdict is fail), one per active probe of `client --probe`
//   (classname "client.probes", <failure> when it failed, <skipped> when it
//   could not be applied), and for `replay` one test case that fails when the
//   master answers differently than in the capture (replay exits 1 then too).
#include <fmt/format.h>

#include <map>

#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/report/render.hpp"
#include "view.hpp"

namespace pxecheck::report {

namespace {

using nlohmann::json;
using namespace view;

/// XML 1.0 text: escapes markup and drops the control characters XML cannot
/// carry at all.
std::string xml(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (u < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
                else out += c;
        }
    }
    return out;
}

std::string finding_line(const Finding& f) {
    std::string frames;
    for (auto n : f.frames) {
        if (!frames.empty()) frames.push_back(',');
        frames += std::to_string(n);
    }
    return fmt::format("{} {} (blame {}): {}{}{}", f.severity == "fail" ? "FAIL" : f.severity == "warn" ? "WARN" : "INFO",
                       f.id, f.blame, f.detail, frames.empty() ? "" : " [frames " + frames + "]",
                       f.client_mac.empty() ? "" : " client " + f.client_mac);
}

bool selected(std::string_view id, const json& selection) {
    for (const auto& s : arr(selection, "skip"))
        if (s.is_string() && s.get<std::string>() == id) return false;
    const json& only = arr(selection, "only");
    if (only.empty()) return true;
    for (const auto& p : only)
        if (p.is_string() && id.substr(0, p.get<std::string>().size()) == p.get<std::string>()) return true;
    return false;
}

}  // namespace

std::string render_junit(const json& report) {
    std::vector<Finding> findings;
    for (const auto& f : arr(report, "findings")) {
        Finding x{str(f, "id"), str(f, "severity"), str(f, "blame"), str(f, "title"), str(f, "clause"),
                  str(f, "detail"), str(f, "client_mac"), {}};
        for (const auto& n : arr(f, "frames"))
            if (n.is_number_integer()) x.frames.push_back(n.get<std::size_t>());
        findings.push_back(std::move(x));
    }
    std::map<std::string, std::vector<const Finding*>> by_rule;
    for (const auto& f : findings) by_rule[f.id].push_back(&f);
    const json& selection = obj(report, "selection");
    const std::string command = str(report, "command");
    const std::string verdict = str(report, "verdict");

    struct Case {
        std::string classname, name, body;
        enum { Pass, Fail, Skip, Error } kind = Pass;
    };
    std::vector<Case> cases;
    for (const auto& r : checks::catalogue()) {
        Case c;
        c.classname = std::string(r.section);
        c.name = fmt::format("{} {}", r.id, r.title);
        auto it = by_rule.find(std::string(r.id));
        if (it != by_rule.end()) {
            std::string text;
            bool fail = false;
            for (const auto* f : it->second) {
                text += finding_line(*f) + "\n";
                fail = fail || f->severity == "fail";
            }
            const Finding& first = *it->second.front();
            if (fail) {
                c.kind = Case::Fail;
                c.body = fmt::format("<failure type=\"fail\" message=\"{}\">{}\nWho must act: {}.\nStandard: {}</failure>",
                                     xml(first.detail), xml(text), xml(blame_words(first.blame)), xml(first.clause));
            } else {
                c.body = fmt::format("<system-out>{}</system-out>", xml(text));
            }
            by_rule.erase(it);
        } else if (!selected(r.id, selection)) {
            c.kind = Case::Skip;
            c.body = "<skipped message=\"not selected (--only/--skip)\"/>";
        } else if (r.detection == checks::Detection::Active) {
            c.kind = Case::Skip;
            c.body = command == "analyze"
                         ? "<skipped message=\"active rule: a capture cannot show it; pxecheck's client or serve mode tests it\"/>"
                         : "<skipped message=\"active rule: this run applied no stimulus for it\"/>";
        }
        cases.push_back(std::move(c));
    }
    // Findings of rules the catalogue does not list (a newer report).
    for (const auto& [id, list] : by_rule) {
        Case c;
        c.classname = "other";
        c.name = id + " " + list.front()->title;
        std::string text;
        bool fail = false;
        for (const auto* f : list) {
            text += finding_line(*f) + "\n";
            fail = fail || f->severity == "fail";
        }
        c.kind = fail ? Case::Fail : Case::Pass;
        c.body = fail ? fmt::format("<failure type=\"fail\" message=\"{}\">{}</failure>", xml(list.front()->detail), xml(text))
                      : fmt::format("<system-out>{}</system-out>", xml(text));
        cases.push_back(std::move(c));
    }
    if (verdict == "error") {
        std::string why;
        for (const auto& a : arr(obj(report, "source"), "anomalies")) why += str(a, "detail") + "\n";
        Case c;
        c.classname = "source";
        c.name = "the capture is read to the end";
        c.kind = Case::Error;
        c.body = fmt::format("<error type=\"capture\" message=\"{}\">{}</error>",
                             xml(why.empty() ? std::string("capture damaged") : why.substr(0, why.find('\n'))), xml(why));
        cases.push_back(std::move(c));
    }

    for (const auto& n : arr(report, "nics")) {
        Case c;
        c.classname = "serve.nics";
        const std::string mac = str(n, "mac");
        c.name = fmt::format("NIC {} ({})", mac, arch_words(n));
        std::string ids;
        for (const auto& id : arr(n, "findings"))
            if (id.is_string()) ids += (ids.empty() ? "" : ", ") + id.get<std::string>();
        std::string text = fmt::format("phase {}: {}\nvendor class: {}\nboot file: {} ({} octets{})\nverdict: {}{}\n",
                                       str(n, "phase"), serve_phase_words(str(n, "phase")),
                                       str(n, "vendor_class", "none sent"), str(n, "file", "none named"),
                                       count_of(n, "bytes"), flag(n, "file_complete") ? ", complete" : "",
                                       str(n, "verdict"), ids.empty() ? "" : "\nfindings: " + ids);
        // Its findings in full, so that the failure stands on its own.
        for (const auto& f : findings)
            if (!mac.empty() && f.client_mac == mac) text += finding_line(f) + "\n";
        if (str(n, "verdict") == "fail") {
            c.kind = Case::Fail;
            c.body = fmt::format("<failure type=\"fail\" message=\"NIC {} fails: {}\">{}</failure>", xml(mac),
                                 xml(ids.empty() ? serve_phase_words(str(n, "phase")) : ids), xml(text));
        } else {
            c.body = fmt::format("<system-out>{}</system-out>", xml(text));
        }
        cases.push_back(std::move(c));
    }
    for (const auto& p : arr(report, "probes")) {
        Case c;
        c.classname = "client.probes";
        c.name = fmt::format("probe {} ({})", str(p, "name"), str(p, "rule"));
        const std::string result = str(p, "result");
        const std::string detail = str(p, "detail");
        if (result == "fail") {
            c.kind = Case::Fail;
            c.body = fmt::format("<failure type=\"fail\" message=\"{}\">{}\nWho must act: {}.</failure>", xml(detail),
                                 xml(detail), xml(blame_words("master")));
        } else if (result == "pass") {
            c.body = fmt::format("<system-out>{}</system-out>", xml(detail));
        } else {
            c.kind = Case::Skip;
            c.body = fmt::format("<skipped message=\"{}\"/>", xml(result + ": " + detail));
        }
        cases.push_back(std::move(c));
    }
    if (report.is_object() && report.contains("replay") && report["replay"].is_object()) {
        const json& replay = report["replay"];
        Case c;
        c.classname = "replay";
        c.name = "the master answers as in the capture";
        std::string text;
        for (const auto& r : arr(replay, "comparisons"))
            text += fmt::format("{} {} {}: capture {}, now {}\n", flag(r, "same") ? "same     " : "DIFFERENT",
                                str(r, "step"), str(r, "field"), str(r, "capture"), str(r, "now"));
        if (replay_differences(replay) > 0) {
            c.kind = Case::Fail;
            c.body = fmt::format("<failure type=\"different\" message=\"{}\">{}</failure>", xml(replay_sentence(replay)),
                                 xml(text));
        } else {
            c.body = fmt::format("<system-out>{}</system-out>", xml(text));
        }
        cases.push_back(std::move(c));
    }

    std::size_t failures = 0, skipped = 0, errors = 0;
    for (const auto& c : cases) {
        failures += c.kind == Case::Fail;
        skipped += c.kind == Case::Skip;
        errors += c.kind == Case::Error;
    }
    const json& src = obj(report, "source");
    const std::string suite = fmt::format("pxecheck {} {}", command, str(src, "name"));
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"pxecheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
                       cases.size(), failures, errors, skipped);
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\" "
                       "hostname=\"{}\">\n",
                       xml(suite), cases.size(), failures, errors, skipped, xml(str(report, "started_at")),
                       xml(str(report, "host")));
    out += "    <properties>\n";
    auto prop = [&](std::string_view name, const std::string& value) {
        out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, xml(value));
    };
    prop("verdict", verdict);
    prop("verdict_sentence", verdict_sentence(report));
    prop("command_line", str(report, "command_line"));
    prop("source", str(src, "name"));
    prop("source_sha256", str(src, "sha256"));
    prop("tool_version", str(obj(report, "tool"), "version"));
    prop("schema", str(report, "schema"));
    out += "    </properties>\n";
    for (const auto& c : cases) {
        out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml(c.classname), xml(c.name));
        if (c.body.empty()) out += "/>\n";
        else out += ">\n      " + c.body + "\n    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace pxecheck::report
