// HTML, Markdown and JUnit rendered from the JSON report of real lab
// captures: self-contained, one arrow per frame, the verdict in words, one
// test case per rule.

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "pxecheck/checks/catalogue.hpp"
#include "pxecheck/report/render.hpp"
#include "report_test_util.hpp"

using namespace reporttest;
using nlohmann::json;
namespace report = pxecheck::report;

namespace {

const std::vector<std::string> kCaptures = {"ipxe-bios-dhcpd-no-next-server.pcap",
                                            "ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"};

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else if (c == '\'') out += "&#39;";
        else out += c;
    }
    return out;
}

/// A small well-formedness check: tags nest and close, attributes are quoted,
/// entities are the five XML ones or numeric. Enough to catch a renderer that
/// forgets to escape.
::testing::AssertionResult well_formed_xml(const std::string& text) {
    std::vector<std::string> stack;
    std::size_t i = 0;
    if (text.rfind("<?xml", 0) == 0) i = text.find("?>") + 2;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '&') {
            const auto semi = text.find(';', i);
            if (semi == std::string::npos) return ::testing::AssertionFailure() << "bare & at " << i;
            const std::string ent = text.substr(i, semi - i + 1);
            static const std::set<std::string> ok{"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            if (!ok.count(ent) && ent.rfind("&#", 0) != 0) return ::testing::AssertionFailure() << "entity " << ent;
            i = semi + 1;
            continue;
        }
        if (c != '<') {
            if (c == '>') return ::testing::AssertionFailure() << "bare > at " << i;
            ++i;
            continue;
        }
        const auto end = text.find('>', i);
        if (end == std::string::npos) return ::testing::AssertionFailure() << "unclosed tag at " << i;
        std::string tag = text.substr(i + 1, end - i - 1);
        if (tag.find('<') != std::string::npos) return ::testing::AssertionFailure() << "< inside a tag at " << i;
        if (std::count(tag.begin(), tag.end(), '"') % 2) return ::testing::AssertionFailure() << "odd quotes: " << tag;
        if (!tag.empty() && tag[0] == '/') {
            const std::string name = tag.substr(1);
            if (stack.empty() || stack.back() != name)
                return ::testing::AssertionFailure() << "</" << name << "> closes " << (stack.empty() ? "nothing" : stack.back());
            stack.pop_back();
        } else if (!tag.empty() && tag.back() != '/') {
            stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
        }
        i = end + 1;
    }
    if (!stack.empty()) return ::testing::AssertionFailure() << "<" << stack.back() << "> never closed";
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(RenderHtml, IsSelfContained) {
    for (const auto& name : kCaptures) {
        const auto a = analyse(lab_capture(name));
        const std::string html = report::render_html(a.report);
        SCOPED_TRACE(name);
        EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
        // Nothing fetched: no scripts, no stylesheets or fonts by link or
        // import, no src/href to another host, no url() but in-page ones.
        EXPECT_EQ(count(html, "<script"), 0u);
        EXPECT_EQ(count(html, "<link"), 0u);
        EXPECT_EQ(count(html, "@import"), 0u);
        EXPECT_EQ(count(html, "@font-face"), 0u);
        EXPECT_EQ(count(html, "<iframe"), 0u);
        EXPECT_EQ(count(html, "<img"), 0u);
        // Every src= and href= points into the page (#id).
        for (const std::string attr : {" src=\"", " href=\"", ":href=\""}) {
            for (auto p = html.find(attr); p != std::string::npos; p = html.find(attr, p + 1)) {
                const auto value = html.substr(p + attr.size(), html.find('"', p + attr.size()) - p - attr.size());
                EXPECT_EQ(value.rfind('#', 0), 0u) << attr << value;
            }
        }
        EXPECT_EQ(count(html, "src="), count(html, " src=\"")) << "every src attribute quoted";
        EXPECT_EQ(count(html, "href="), count(html, " href=\"")) << "every href attribute quoted";
        EXPECT_EQ(count(html, "url("), count(html, "url(#")) << "only in-page url(#id) references";
    }
}

TEST(RenderHtml, OneArrowPerFrameEntry) {
    for (const auto& name : kCaptures) {
        const auto a = analyse(lab_capture(name));
        const std::string html = report::render_html(a.report);
        SCOPED_TRACE(name);
        const auto frames = a.report["frames"].size();
        ASSERT_GT(frames, 0u);
        EXPECT_EQ(count(html, "<line class=\"arrow"), frames);
        EXPECT_EQ(count(html, "<g class=\"msg\""), frames);
    }
}

TEST(RenderHtml, VerdictFirstInPlainWords) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const std::string sentence = report::verdict_sentence(a.report);
    EXPECT_NE(sentence.find("\"pxelinux.0\""), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("no option 66"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("fix the master's configuration"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("(PXE-030)"), std::string::npos) << sentence;
    const std::string html = report::render_html(a.report);
    const auto at = html.find(html_escape(sentence));
    ASSERT_NE(at, std::string::npos);
    // Before the ladder, the findings and everything else.
    EXPECT_LT(at, html.find("<svg"));
    EXPECT_LT(at, html.find("id=\"findings\""));
    EXPECT_NE(html.find(html_escape(report::verdict_headline(a.report))), std::string::npos);
    // The failed steps (frames 4 and 8, cited by PXE-030) are red.
    EXPECT_NE(html.find("id=\"msg-4\""), std::string::npos);
    const auto msg4 = html.find("id=\"msg-4\"");
    EXPECT_NE(html.find("class=\"arrow fail", msg4), std::string::npos);
    EXPECT_LT(html.find("class=\"arrow fail", msg4), html.find("</g>", msg4));
    // The boot stopped before any download; the page says so.
    EXPECT_NE(html.find("the boot stops here"), std::string::npos);
}

TEST(RenderHtml, CitedFramesAreDecodedWithHex) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const std::string html = report::render_html(a.report);
    const auto at = html.find("id=\"frame-4\"");
    ASSERT_NE(at, std::string::npos);
    const auto end = html.find("</article>", at);
    const std::string frame = html.substr(at, end - at);
    EXPECT_NE(frame.find("siaddr (next server)"), std::string::npos);
    EXPECT_NE(frame.find("0.0.0.0"), std::string::npos);
    EXPECT_NE(frame.find("pxelinux.0"), std::string::npos);
    EXPECT_NE(frame.find("Bytes in hex"), std::string::npos);
    EXPECT_NE(frame.find("0000  "), std::string::npos);
    EXPECT_NE(frame.find("PXE-030"), std::string::npos);
}

TEST(RenderHtml, EscapesWhatTheWireSays) {
    auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    a.report["findings"][0]["detail"] = "<script>alert(1)</script> & \"quotes\"";
    a.report["frames"][0]["summary"] = "<img src=x onerror=alert(1)>";
    const std::string html = report::render_html(a.report);
    EXPECT_EQ(count(html, "<script"), 0u);
    EXPECT_EQ(count(html, "<img"), 0u);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"), std::string::npos);
}

TEST(RenderHtml, ToleratesReportsWithoutOptionalParts) {
    const json minimal = {{"schema", "pxecheck.report/2"}, {"verdict", "pass"}};
    std::string html;
    EXPECT_NO_THROW(html = report::render_html(minimal));
    EXPECT_EQ(count(html, "<line class=\"arrow"), 0u);
    EXPECT_NO_THROW(report::render_markdown(minimal));
    EXPECT_NO_THROW(report::render_junit(minimal));
    // Wrong types where numbers and strings belong do not throw either.
    const json odd = json::parse(R"({"schema": "pxecheck.report/2", "verdict": 3,
        "frames": [{"number": "x", "src": 5}], "findings": [{"id": null, "frames": ["a"]}], "sessions": "none"})");
    EXPECT_NO_THROW(html = report::render_html(odd));
    EXPECT_EQ(count(html, "<line class=\"arrow"), 1u);
    EXPECT_NO_THROW(report::render_markdown(odd));
    EXPECT_NO_THROW(report::render_junit(odd));
}

// The timeline scales each phase's times (ms since the first DISCOVER) to
// a 640-pixel track. They are far outside it when the capture's times go
// back or lie decades apart (-3e15 ms here: 95 years back), or in any JSON
// given to `report render`; scaled, they were cast to int out of range (UB;
// x86 gives INT_MIN). A bar stays on the track.
TEST(RenderHtml, TimelineBarsStayOnTheTrack) {
    auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    ASSERT_TRUE(a.report["sessions"].is_array() && !a.report["sessions"].empty());
    auto& t = a.report["sessions"][0]["timings_ms"];
    t["ack"] = -3e15;
    t["boot_info"] = -3e15;
    const std::string html = report::render_html(a.report);
    std::size_t bars = 0;
    for (auto p = html.find("<rect class=\"bar"); p != std::string::npos; p = html.find("<rect class=\"bar", p + 1)) {
        auto attr = [&](const std::string& name) {
            const auto at = html.find(" " + name + "=\"", p) + name.size() + 3;
            return std::stol(html.substr(at, html.find('"', at) - at));
        };
        const long x = attr("x"), w = attr("width");
        SCOPED_TRACE(html.substr(p, html.find('>', p) - p));
        EXPECT_GE(x, 260);  // kName: where the track starts
        EXPECT_LE(x, 260 + 640);
        EXPECT_GE(w, 3);
        EXPECT_LE(x + w, 260 + 640 + 3);
        ++bars;
    }
    EXPECT_EQ(bars, 4u);
}

TEST(RenderHtml, SameOutputFromTheJsonText) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const json reparsed = json::parse(a.report.dump(2));
    EXPECT_EQ(report::render_html(a.report), report::render_html(reparsed));
    EXPECT_EQ(report::render_markdown(a.report), report::render_markdown(reparsed));
    EXPECT_EQ(report::render_junit(a.report), report::render_junit(reparsed));
}

TEST(RenderMarkdown, VerdictAndEveryFinding) {
    for (const auto& name : kCaptures) {
        const auto a = analyse(lab_capture(name));
        const std::string md = report::render_markdown(a.report);
        SCOPED_TRACE(name);
        EXPECT_NE(md.find(report::verdict_sentence(a.report)), std::string::npos);
        ASSERT_FALSE(a.report["findings"].empty());
        for (const auto& f : a.report["findings"]) EXPECT_NE(md.find(f["id"].get<std::string>()), std::string::npos) << f["id"];
        // The monospace ladder has one line per frame entry: each starts "#N".
        const auto fence = md.find("```text\n", md.find("## The exchange"));
        const auto fence_end = md.find("```\n", fence + 8);
        const std::string ladder = md.substr(fence, fence_end - fence);
        std::size_t rows = 0;
        for (std::size_t p = ladder.find("\n#"); p != std::string::npos; p = ladder.find("\n#", p + 1)) ++rows;
        EXPECT_EQ(rows, a.report["frames"].size());
    }
}

TEST(RenderJunit, OneTestCasePerRuleFailuresForFails) {
    for (const auto& name : kCaptures) {
        const auto a = analyse(lab_capture(name));
        const std::string xml = report::render_junit(a.report);
        SCOPED_TRACE(name);
        EXPECT_TRUE(well_formed_xml(xml));
        EXPECT_EQ(count(xml, "<testcase "), pxecheck::checks::catalogue().size());
        std::set<std::string> failing;
        for (const auto& f : a.report["findings"])
            if (f["severity"] == "fail") failing.insert(f["id"]);
        EXPECT_EQ(count(xml, "<failure "), failing.size());
        for (const auto& id : failing) {
            const auto at = xml.find("name=\"" + id + " ");
            ASSERT_NE(at, std::string::npos) << id;
            EXPECT_LT(xml.find("<failure ", at), xml.find("</testcase>", at)) << id;
        }
        for (const auto& f : a.report["findings"]) {
            if (f["severity"] == "fail") continue;
            const auto at = xml.find("name=\"" + f["id"].get<std::string>() + " ");
            ASSERT_NE(at, std::string::npos);
            EXPECT_LT(xml.find("<system-out>", at), xml.find("</testcase>", at)) << f["id"];
        }
        EXPECT_NE(xml.find("classname=\"BOOTP/DHCP header\""), std::string::npos);
        EXPECT_NE(xml.find("failures=\"" + std::to_string(failing.size()) + "\""), std::string::npos);
    }
}

TEST(RenderJunit, SelectionAndActiveRulesAreSkipped) {
    auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    a.report["selection"]["only"] = json::array({"PXE"});
    const std::string xml = report::render_junit(a.report);
    const auto at = xml.find("name=\"DHCP-001 ");
    ASSERT_NE(at, std::string::npos);
    EXPECT_LT(xml.find("<skipped message=\"not selected", at), xml.find("</testcase>", at));
    a.report["selection"]["only"] = json::array();
    const std::string all = report::render_junit(a.report);
    const auto active = all.find("name=\"TFTP-009 ");
    ASSERT_NE(active, std::string::npos);
    EXPECT_LT(all.find("<skipped message=\"active rule", active), all.find("</testcase>", active));
}

TEST(RenderJunit, DamagedCaptureIsAnError) {
    auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    a.report["verdict"] = "error";
    a.report["source"]["anomalies"] = json::array({{{"id", "capture.read_error"}, {"detail", "x.pcap: truncated <record>"}}});
    const std::string xml = report::render_junit(a.report);
    EXPECT_TRUE(well_formed_xml(xml));
    EXPECT_EQ(count(xml, "<error "), 1u);
    EXPECT_NE(xml.find("truncated &lt;record&gt;"), std::string::npos);
    EXPECT_NE(report::verdict_sentence(a.report).find("X.pcap: truncated <record>"), std::string::npos);
}

TEST(FrameComments, CitedFramesCarryTheirFindings) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const auto comments = report::frame_comments(a.report);
    ASSERT_TRUE(comments.count(4));
    bool pxe030 = false;
    for (const auto& c : comments.at(4)) pxe030 = pxe030 || c.rfind("PXE-030 fail (blame config): ", 0) == 0;
    EXPECT_TRUE(pxe030);
    EXPECT_FALSE(comments.count(2));
}

TEST(CheckReport, AcceptsReportsRefusesOthers) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    EXPECT_EQ(report::check_report(a.report), std::nullopt);
    EXPECT_TRUE(report::check_report(json::array()).has_value());
    EXPECT_TRUE(report::check_report(json{{"schema", "pxecheck.catalogue/1"}}).has_value());
}

TEST(RenderRobustness, AnyFieldOfTheWrongTypeDoesNotThrow) {
    // Every leaf and every object of a real report replaced, one at a time,
    // by values of other types: the renderers show what they can.
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const json flat = a.report.flatten();
    std::set<std::string> pointers;
    for (const auto& [path, value] : flat.items()) {
        pointers.insert(path);
        // Parents too, so whole objects and arrays get replaced.
        for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0; slash = path.rfind('/', slash - 1))
            pointers.insert(path.substr(0, slash));
    }
    const std::vector<json> replacements{nullptr, json(-7), json("x"), json::array({1}), json::object()};
    std::size_t renders = 0;
    for (const auto& p : pointers) {
        for (const auto& r : replacements) {
            json mutated = a.report;
            mutated[json::json_pointer(p)] = r;
            EXPECT_NO_THROW(report::render_html(mutated)) << p << " = " << r.dump();
            EXPECT_NO_THROW(report::render_markdown(mutated)) << p << " = " << r.dump();
            EXPECT_NO_THROW(report::render_junit(mutated)) << p << " = " << r.dump();
            EXPECT_NO_THROW(report::frame_comments(mutated)) << p << " = " << r.dump();
            ++renders;
        }
    }
    EXPECT_GT(renders, 500u);
}

// --- the parts one command adds: serve's nics + serve, replay, probes ------

namespace {

/// `nics` and `serve` as `pxecheck serve` writes them: a NIC that booted, one
/// that failed with a vendor class that tries to be markup, one TFTP-only.
json serve_parts() {
    return json::parse(R"({
      "nics": [
        {"mac": "02:50:58:29:de:46", "arch": 0, "arch_name": "x86 BIOS", "vendor_class": "PXEClient:Arch:00000:UNDI:002001",
         "pxe": true, "ipxe": false, "dhcp": true, "address": "192.168.14.10", "phase": "tftp-done",
         "file": "pxelinux.0", "file_complete": true, "bytes": 42430, "files_downloaded": ["pxelinux.0", "ldlinux.c32"],
         "seconds_to_boot_file": 2.005594, "verdict": "pass", "findings": []},
        {"mac": "02:50:58:00:03:01", "arch": 7, "arch_name": "x64 UEFI",
         "vendor_class": "<script>alert('nic')</script> | `PXEClient` *x*",
         "pxe": true, "ipxe": false, "dhcp": true, "address": "192.168.14.11", "phase": "request",
         "file": "<img src=x onerror=alert(1)>.efi", "file_complete": false, "bytes": 0, "files_downloaded": [],
         "seconds_to_boot_file": null, "verdict": "fail", "findings": ["MSG-007", "MSG-007"]},
        {"mac": "02:50:58:00:03:02", "arch": null, "arch_name": null, "vendor_class": null,
         "pxe": false, "ipxe": false, "dhcp": false, "address": null, "phase": "tftp",
         "file": null, "file_complete": false, "bytes": 8192, "files_downloaded": [],
         "seconds_to_boot_file": null, "verdict": "warn", "findings": ["TFTP-027"]}
      ],
      "serve": {"interface": "m0", "mode": "dhcp", "server_ip": "192.168.14.200", "server_mac": "02:00:00:14:00:c8",
                "address_on_host": true, "tftp_root": "/srv/tftp", "stopped_by": "exit-after", "nics_finished": 1,
                "probe": [{"server_id": "192.168.14.1", "source_ip": "192.168.14.1", "source_mac": "02:00:00:00:00:01",
                           "offered": "192.168.14.99", "proxy": false}],
                "probe_frames": 4}
    })");
}

json replay_part() {
    return json::parse(R"({
      "source_capture": "captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap", "source_sha256": "ab12",
      "session": "52:54:00:12:34:56", "mac": "02:50:58:12:34:56", "mac_mode": "rewrite", "discover_frame": 1,
      "base_profile": "ipxe", "notes": ["option 50 in the DISCOVER was not sent"],
      "comparisons": [
        {"step": "offers", "field": "servers", "capture": "192.168.14.200", "now": "192.168.14.200", "same": true},
        {"step": "offer 192.168.14.200", "field": "siaddr", "capture": "192.168.14.200", "now": "0.0.0.0", "same": false},
        {"step": "offer 192.168.14.200", "field": "file", "capture": "\"pxelinux.0\"", "now": "\"<script>x</script>\"", "same": false},
        {"step": "ack", "field": "yiaddr", "capture": "192.168.14.10", "now": "192.168.14.10", "same": true},
        {"step": "tftp", "field": "status", "capture": "complete", "now": "none", "same": false}
      ],
      "differences": 3
    })");
}

json probes_part() {
    return json::parse(R"([
      {"name": "non-pxe-discover", "rule": "PXE-016", "result": "pass", "detail": "a DISCOVER without PXEClient got no proxy offer", "frames": [9, 2]},
      {"name": "foreign-server-id", "rule": "MSG-006", "result": "fail", "detail": "--probe foreign-server-id: the master ACKed a REQUEST for <b>another</b> server", "frames": [4, 9999]},
      {"name": "probe-4011", "rule": "PXE-017", "result": "not-applicable", "detail": "no reply owes a 4011 answer", "frames": []}
    ])");
}

/// The text of the element that starts at the first \p open_tag (through its
/// matching close tag, assuming no element of the same name nests inside).
std::string element(const std::string& html, const std::string& open_tag, const std::string& name) {
    const auto at = html.find(open_tag);
    if (at == std::string::npos) return "";
    const auto end = html.find("</" + name + ">", at);
    return end == std::string::npos ? "" : html.substr(at, end + name.size() + 3 - at);
}

/// The Markdown from \p heading to the next "## " heading.
std::string md_section(const std::string& md, const std::string& heading) {
    const auto at = md.find(heading);
    if (at == std::string::npos) return "";
    const auto next = md.find("\n## ", at + heading.size());
    return md.substr(at, next == std::string::npos ? std::string::npos : next - at);
}

/// Rows of the first Markdown table in \p text (header and rule not counted),
/// each split into cells at unescaped '|'.
std::vector<std::vector<std::string>> md_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::size_t line_no = 0;
    bool in_table = false;
    for (std::size_t p = 0; p < text.size();) {
        const auto nl = text.find('\n', p);
        const std::string line = text.substr(p, nl == std::string::npos ? std::string::npos : nl - p);
        p = nl == std::string::npos ? text.size() : nl + 1;
        if (line.rfind("| ", 0) != 0 && line.rfind("|---", 0) != 0) {
            if (in_table) break;
            continue;
        }
        in_table = true;
        if (line_no++ < 2) continue;
        std::vector<std::string> cells;
        std::string cur;
        for (std::size_t i = 1; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size()) {
                cur += line.substr(i, 2);
                ++i;
            } else if (line[i] == '|') {
                cells.push_back(cur);
                cur.clear();
            } else {
                cur += line[i];
            }
        }
        rows.push_back(cells);
    }
    return rows;
}

json with_parts(json report, bool serve, bool replay, bool probes) {
    if (serve) {
        const json parts = serve_parts();
        report["nics"] = parts["nics"];
        report["serve"] = parts["serve"];
    }
    if (replay) report["replay"] = replay_part();
    if (probes) report["probes"] = probes_part();
    return report;
}

}  // namespace

TEST(RenderParts, AbsentWhenTheReportLacksThem) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const std::string html = report::render_html(a.report);
    for (const std::string id : {"nics", "replay", "probes"}) {
        EXPECT_EQ(count(html, "id=\"" + id + "\""), 0u) << id;
        EXPECT_EQ(count(html, "href=\"#" + id + "\""), 0u) << id;
    }
    const std::string md = report::render_markdown(a.report);
    EXPECT_EQ(count(md, "## NICs seen by the reference master"), 0u);
    EXPECT_EQ(count(md, "## Replay: now vs capture"), 0u);
    EXPECT_EQ(count(md, "## Active probes"), 0u);
    const std::string xml = report::render_junit(a.report);
    EXPECT_EQ(count(xml, "<testcase "), pxecheck::checks::catalogue().size());
    // Each part alone brings its own section and no other.
    const json serve_only = with_parts(a.report, true, false, false);
    const std::string s = report::render_html(serve_only);
    EXPECT_EQ(count(s, "<section id=\"nics\">"), 1u);
    EXPECT_EQ(count(s, "id=\"replay\""), 0u);
    EXPECT_EQ(count(s, "id=\"probes\""), 0u);
    const std::string r = report::render_html(with_parts(a.report, false, true, false));
    EXPECT_EQ(count(r, "<section id=\"replay\">"), 1u);
    EXPECT_EQ(count(r, "id=\"nics\""), 0u);
    EXPECT_EQ(count(r, "id=\"probes\""), 0u);
    const std::string p = report::render_html(with_parts(a.report, false, false, true));
    EXPECT_EQ(count(p, "<section id=\"probes\">"), 1u);
    EXPECT_EQ(count(p, "id=\"nics\""), 0u);
    EXPECT_EQ(count(p, "id=\"replay\""), 0u);
}

TEST(RenderParts, HtmlNicsTableAndServeSettings) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    json r = with_parts(a.report, true, false, false);
    // The failing NIC's rule has no finding card in this report.
    json kept = json::array();
    for (const auto& f : r["findings"])
        if (f["id"] != "MSG-007") kept.push_back(f);
    r["findings"] = kept;
    const std::string html = report::render_html(r);
    const std::string section = element(html, "<section id=\"nics\">", "section");
    ASSERT_FALSE(section.empty());
    EXPECT_TRUE(well_formed_xml(section));
    // Right after the verdict, before the session details.
    EXPECT_LT(html.find("<section id=\"nics\">"), html.find("id=\"happened\""));
    EXPECT_GT(html.find("<section id=\"nics\">"), html.find("id=\"verdict\""));
    EXPECT_NE(html.find("href=\"#nics\""), std::string::npos);
    // One row per NIC, marked by its verdict.
    EXPECT_EQ(count(section, "<tr class=\"nic "), 3u);
    EXPECT_EQ(count(section, "<tr class=\"nic fail\">"), 1u);
    EXPECT_EQ(count(section, "<tr class=\"nic warn\">"), 1u);
    EXPECT_EQ(count(section, "<span class=\"tag fail\">FAIL</span>"), 1u);
    for (const std::string text :
         {"02:50:58:29:de:46", "x86 BIOS (0)", "x64 UEFI (7)", "none announced", "PXEClient:Arch:00000:UNDI:002001",
          "downloaded its boot file", "sent a REQUEST, got no ACK", "pxelinux.0", "then ldlinux.c32", "42430",
          "2.01 s to get it", "TFTP only, no DHCP", "none sent", "address 192.168.14.10"})
        EXPECT_NE(section.find(text), std::string::npos) << text;
    // Finding IDs link to their card when the report has one, else stay text;
    // a rule cited twice shows once.
    EXPECT_EQ(count(section, "MSG-007"), 1u);
    EXPECT_EQ(count(section, "href=\"#finding-MSG-007\""), 0u);
    const auto first_id = r["findings"][0]["id"].get<std::string>();
    json linked = r;
    linked["nics"][2]["findings"] = json::array({first_id});
    EXPECT_NE(element(report::render_html(linked), "<section id=\"nics\">", "section").find("href=\"#finding-" + first_id + "\""),
              std::string::npos);
    // The settings and why serve stopped.
    for (const std::string text :
         {"How the reference master ran", "DHCP: addresses and boot information", "192.168.14.200", "02:00:00:14:00:c8",
          "configured on the host", "/srv/tftp", "enough NICs had their boot file (--exit-after)", "1 of 3",
          "192.168.14.1", "offered 192.168.14.99", "frames 1\u20134 of capture.pcapng"})
        EXPECT_NE(section.find(text), std::string::npos) << text;
    // And in the verdict box, in one sentence.
    const std::string verdict = element(html, "<header class=\"verdict", "header");
    EXPECT_NE(verdict.find("3 NICs booted from the reference master: 1 passed, 1 passed with warnings, 1 failed; "
                           "1 downloaded its boot file."),
              std::string::npos)
        << verdict;
}

TEST(RenderParts, HtmlReplayHighlightsDifferences) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const std::string html = report::render_html(with_parts(a.report, false, true, false));
    const std::string section = element(html, "<section id=\"replay\">", "section");
    ASSERT_FALSE(section.empty());
    EXPECT_TRUE(well_formed_xml(section));
    EXPECT_LT(html.find("<section id=\"replay\">"), html.find("id=\"happened\""));
    EXPECT_EQ(count(section, "<tr class=\"diff\">"), 3u);
    EXPECT_EQ(count(section, "<tr class=\"same\">"), 2u);
    EXPECT_EQ(count(section, ">DIFFERENT</span>"), 3u);
    EXPECT_NE(section.find("The master answers 3 of 5 compared fields differently than in the capture."),
              std::string::npos);
    // The step is named once per group of rows.
    EXPECT_EQ(count(section, ">offer 192.168.14.200</td>"), 1u);
    for (const std::string text : {"captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap", "52:54:00:12:34:56", "frame 1 of the capture",
                                   "02:50:58:12:34:56", "--mac rewrite", "option 50 in the DISCOVER was not sent"})
        EXPECT_NE(section.find(text), std::string::npos) << text;
    // The verdict box says it once, as its headline.
    const std::string verdict = element(html, "<header class=\"verdict", "header");
    EXPECT_EQ(count(verdict, "3 of 5 compared fields"), 1u) << verdict;
    EXPECT_NE(verdict.find("Different: the master answers 3 of 5"), std::string::npos) << verdict;
    // A capture that could not be read to the end heads the page as
    // incomplete: the difference is then the box's own line.
    json broken = with_parts(a.report, false, true, false);
    broken["verdict"] = "error";
    const std::string broken_box = element(report::render_html(broken), "<header class=\"verdict", "header");
    EXPECT_NE(broken_box.find("<p class=\"part bad\">The master answers 3 of 5"), std::string::npos) << broken_box;
    // No difference: the sentence says so, nothing is highlighted.
    json same = with_parts(a.report, false, true, false);
    for (auto& row : same["replay"]["comparisons"]) row["same"] = true;
    const std::string calm = element(report::render_html(same), "<section id=\"replay\">", "section");
    EXPECT_EQ(count(calm, "<tr class=\"diff\">"), 0u);
    EXPECT_NE(calm.find("The master answers as it did in the capture (5 fields compared)."), std::string::npos);
}

TEST(RenderParts, ReplayDifferencesMakeThePageFailWhateverTheRulesSaid) {
    // The live run passed every rule; the master still answers otherwise
    // than in the capture, which is what a replay asks (exit code 1).
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    json r = with_parts(a.report, false, true, false);
    r["verdict"] = "pass";
    const std::string headline = report::verdict_headline(r);
    EXPECT_EQ(headline, "Different: the master answers 3 of 5 compared fields otherwise than in the capture.");
    const std::string html = report::render_html(r);
    EXPECT_NE(html.find("<header class=\"verdict fail\""), std::string::npos);
    EXPECT_NE(html.find(html_escape(headline)), std::string::npos);
    EXPECT_NE(report::render_markdown(r).find("# pxecheck report: FAIL"), std::string::npos);
    // No difference: the rules' verdict stands.
    for (auto& row : r["replay"]["comparisons"]) row["same"] = true;
    r["replay"]["differences"] = 0;
    EXPECT_EQ(report::verdict_headline(r), "Passed: the boot follows every rule checked.");
    EXPECT_NE(report::render_html(r).find("<header class=\"verdict pass\""), std::string::npos);
}

TEST(RenderParts, HtmlActiveProbes) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const std::string html = report::render_html(with_parts(a.report, false, false, true));
    const std::string section = element(html, "<section id=\"probes\">", "section");
    ASSERT_FALSE(section.empty());
    EXPECT_TRUE(well_formed_xml(section));
    EXPECT_EQ(count(section, "<tr class=\"probe "), 3u);
    EXPECT_EQ(count(section, "<tr class=\"probe fail\">"), 1u);
    EXPECT_EQ(count(section, "<span class=\"tag pass\">PASS</span>"), 1u);
    EXPECT_EQ(count(section, "<span class=\"tag fail\">FAIL</span>"), 1u);
    EXPECT_EQ(count(section, ">N/A</span>"), 1u);
    EXPECT_NE(section.find("3 active probes: 1 passed, 1 failed, 1 could not be applied."), std::string::npos);
    EXPECT_NE(section.find("no reply owes a 4011 answer"), std::string::npos);
    // Frame 4 is cited by PXE-030: it links to its decoded evidence; frame 9,
    // cited by no finding, to its arrow; 2 and 9999 are in no entry and stay text.
    EXPECT_NE(section.find("<a href=\"#frame-4\">4</a>"), std::string::npos);
    EXPECT_NE(section.find("<a href=\"#msg-9\">9</a>, 2</td>"), std::string::npos);
    EXPECT_NE(section.find(", 9999</td>"), std::string::npos);
}

TEST(RenderParts, HtmlEscapesWhatTheWireSaysInEveryPart) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const std::string html = report::render_html(with_parts(a.report, true, true, true));
    EXPECT_EQ(count(html, "<script"), 0u);
    EXPECT_EQ(count(html, "<img"), 0u);
    EXPECT_EQ(count(html, "<b>another</b>"), 0u);
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;nic&#39;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;.efi"), std::string::npos);
    EXPECT_NE(html.find("&quot;&lt;script&gt;x&lt;/script&gt;&quot;"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;another&lt;/b&gt;"), std::string::npos);
    for (const std::string id : {"nics", "replay", "probes"})
        EXPECT_TRUE(well_formed_xml(element(html, "<section id=\"" + id + "\">", "section"))) << id;
}

TEST(RenderParts, MarkdownTablesOfEveryPart) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const std::string md = report::render_markdown(with_parts(a.report, true, true, true));
    // Before what happened, in the order serve, replay, probes.
    const auto nics_at = md.find("## NICs seen by the reference master");
    const auto replay_at = md.find("## Replay: now vs capture");
    const auto probes_at = md.find("## Active probes");
    ASSERT_NE(nics_at, std::string::npos);
    ASSERT_NE(replay_at, std::string::npos);
    ASSERT_NE(probes_at, std::string::npos);
    EXPECT_LT(nics_at, replay_at);
    EXPECT_LT(replay_at, probes_at);
    EXPECT_LT(probes_at, md.find("## What happened"));

    const std::string nics = md_section(md, "## NICs seen by the reference master");
    const auto nic_rows = md_rows(nics);
    ASSERT_EQ(nic_rows.size(), 3u);
    // The hostile vendor class keeps its row's shape: its '|' is escaped.
    for (const auto& row : nic_rows) EXPECT_EQ(row.size(), 9u);
    EXPECT_NE(nic_rows[1][3].find("\\<script>"), std::string::npos) << nic_rows[1][3];
    EXPECT_NE(nic_rows[1][3].find("\\|"), std::string::npos) << nic_rows[1][3];
    EXPECT_NE(nic_rows[1][7].find("**FAIL**"), std::string::npos);
    EXPECT_NE(nic_rows[0][6].find("42430 (complete"), std::string::npos);
    EXPECT_NE(nics.find("### How the reference master ran"), std::string::npos);
    EXPECT_NE(nics.find("enough NICs had their boot file (--exit-after)"), std::string::npos);
    EXPECT_NE(nics.find("frames 1-4 of capture.pcapng"), std::string::npos);

    const auto replay_rows = md_rows(md_section(md, "## Replay: now vs capture"));
    ASSERT_EQ(replay_rows.size(), 5u);
    std::size_t different = 0;
    for (const auto& row : replay_rows) {
        ASSERT_EQ(row.size(), 5u);
        different += row[4].find("**DIFFERENT**") != std::string::npos;
    }
    EXPECT_EQ(different, 3u);
    EXPECT_NE(replay_rows[1][3].find("**0.0.0.0**"), std::string::npos);

    const auto probe_rows = md_rows(md_section(md, "## Active probes"));
    ASSERT_EQ(probe_rows.size(), 3u);
    EXPECT_NE(probe_rows[1][2].find("**FAIL**"), std::string::npos);
    EXPECT_NE(probe_rows[2][2].find("not-applicable"), std::string::npos);
    EXPECT_NE(probe_rows[1][4].find("4, 9999"), std::string::npos);
}

TEST(RenderParts, JunitOneCasePerNicAndProbe) {
    const auto a = analyse(lab_capture("ipxe-bios-isc-dhcpd-tftpd-hpa.pcap"));
    const auto rules = pxecheck::checks::catalogue().size();
    const std::string base = report::render_junit(a.report);
    const std::size_t base_failures = count(base, "<failure ");
    const std::size_t base_skipped = count(base, "<skipped ");

    const std::string serve = report::render_junit(with_parts(a.report, true, false, false));
    EXPECT_TRUE(well_formed_xml(serve));
    EXPECT_EQ(count(serve, "<testcase "), rules + 3);
    EXPECT_EQ(count(serve, "classname=\"serve.nics\""), 3u);
    EXPECT_EQ(count(serve, "<failure "), base_failures + 1);
    const auto failing = serve.find("name=\"NIC 02:50:58:00:03:01 (x64 UEFI (7))\"");
    ASSERT_NE(failing, std::string::npos);
    EXPECT_LT(serve.find("<failure ", failing), serve.find("</testcase>", failing));
    EXPECT_NE(serve.find("&lt;script&gt;"), std::string::npos);
    const auto passing = serve.find("name=\"NIC 02:50:58:29:de:46 (x86 BIOS (0))\"");
    ASSERT_NE(passing, std::string::npos);
    EXPECT_GT(serve.find("<failure ", passing), serve.find("</testcase>", passing));

    const std::string probes = report::render_junit(with_parts(a.report, false, false, true));
    EXPECT_TRUE(well_formed_xml(probes));
    EXPECT_EQ(count(probes, "<testcase "), rules + 3);
    EXPECT_EQ(count(probes, "classname=\"client.probes\""), 3u);
    EXPECT_EQ(count(probes, "<failure "), base_failures + 1);
    EXPECT_EQ(count(probes, "<skipped "), base_skipped + 1);
    const auto failed_probe = probes.find("name=\"probe foreign-server-id (MSG-006)\"");
    ASSERT_NE(failed_probe, std::string::npos);
    EXPECT_LT(probes.find("<failure ", failed_probe), probes.find("</testcase>", failed_probe));
    EXPECT_NE(probes.find("&lt;b&gt;another&lt;/b&gt;"), std::string::npos);

    // A replay is one more case, failing on any difference.
    const json r = with_parts(a.report, false, true, false);
    const std::string replay = report::render_junit(r);
    EXPECT_TRUE(well_formed_xml(replay));
    EXPECT_EQ(count(replay, "<testcase "), rules + 1);
    EXPECT_EQ(count(replay, "<failure "), base_failures + 1);
    json same = r;
    for (auto& row : same["replay"]["comparisons"]) row["same"] = true;
    EXPECT_EQ(count(report::render_junit(same), "<failure "), base_failures);
}

TEST(RenderParts, AnyFieldOfTheWrongTypeDoesNotThrow) {
    const auto a = analyse(lab_capture("ipxe-bios-dhcpd-no-next-server.pcap"));
    const json full = with_parts(a.report, true, true, true);
    std::set<std::string> pointers;
    for (const std::string part : {"/nics", "/serve", "/replay", "/probes"}) {
        pointers.insert(part);
        const json flat = full.at(json::json_pointer(part)).flatten();
        for (const auto& [path, value] : flat.items()) {
            const std::string p = part + path;
            pointers.insert(p);
            for (auto slash = p.rfind('/'); slash != std::string::npos && slash > part.size();
                 slash = p.rfind('/', slash - 1))
                pointers.insert(p.substr(0, slash));
        }
    }
    const std::vector<json> replacements{nullptr, json(-7), json(1e300), json("x"), json::array({1}), json::object()};
    for (const auto& p : pointers) {
        for (const auto& r : replacements) {
            json mutated = full;
            mutated[json::json_pointer(p)] = r;
            EXPECT_NO_THROW(report::render_html(mutated)) << p << " = " << r.dump();
            EXPECT_NO_THROW(report::render_markdown(mutated)) << p << " = " << r.dump();
            EXPECT_NO_THROW(report::render_junit(mutated)) << p << " = " << r.dump();
        }
    }
    EXPECT_GT(pointers.size(), 60u);
}
