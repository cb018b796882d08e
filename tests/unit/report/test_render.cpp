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
    const json minimal = {{"schema", "pxecheck.report/1"}, {"verdict", "pass"}};
    std::string html;
    EXPECT_NO_THROW(html = report::render_html(minimal));
    EXPECT_EQ(count(html, "<line class=\"arrow"), 0u);
    EXPECT_NO_THROW(report::render_markdown(minimal));
    EXPECT_NO_THROW(report::render_junit(minimal));
    // Wrong types where numbers and strings belong do not throw either.
    const json odd = json::parse(R"({"schema": "pxecheck.report/1", "verdict": 3,
        "frames": [{"number": "x", "src": 5}], "findings": [{"id": null, "frames": ["a"]}], "sessions": "none"})");
    EXPECT_NO_THROW(html = report::render_html(odd));
    EXPECT_EQ(count(html, "<line class=\"arrow"), 1u);
    EXPECT_NO_THROW(report::render_markdown(odd));
    EXPECT_NO_THROW(report::render_junit(odd));
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
