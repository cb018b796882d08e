// The JSON report as StreamingReport writes it (sessions and findings
// written as text, not built as nlohmann values) must be exactly what
// nlohmann's dump(2) makes of the same document: keys in its order, its
// indentation, its escapes, U+FFFD for bytes that are not UTF-8.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/link/frame.hpp"
#include "pxecheck/report/streaming.hpp"
#include "pxecheck/wire/tftp.hpp"
#include "report_test_util.hpp"

namespace {

using namespace pxecheck;
using nlohmann::json;

const link::UdpEndpoint kClient{*MacAddr::parse("52:54:00:12:34:56"), Ipv4Addr::from_octets(192, 168, 14, 50), 2070};
const link::UdpEndpoint kServer69{*MacAddr::parse("52:54:00:aa:bb:cc"), Ipv4Addr::from_octets(192, 168, 14, 1), 69};
const link::UdpEndpoint kServerTid{kServer69.mac, kServer69.ip, 40000};

Bytes tftp(const wire::TftpPacket& p) { return wire::encode_tftp(p); }

std::string report_text(report::StreamingReport& sa, const report::Analysis& a) {
    std::FILE* f = std::tmpfile();
    EXPECT_NE(f, nullptr);
    EXPECT_TRUE(sa.write_json(a, f).ok());
    std::rewind(f);
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
}

/// The JSON report of what \p builder streamed into \p sa.
std::string finished_report(report::StreamingReport& sa, analyze::TraceBuilder&& builder, const std::string& source) {
    report::RunInfo run;
    run.command = "analyze";
    run.source = source;
    auto a = sa.finish(run, std::move(builder).finish());
    return report_text(sa, a);
}

/// A synthetic capture streamed into a StreamingReport on this thread;
/// text() is the JSON report it writes.
struct SyntheticRun {
    report::StreamingReport sa{report::StreamingReport::Options{}};
    analyze::TraceBuilder builder{"synthetic.pcap"};
    SyntheticRun() { builder.stream(reporttest::judged_into(sa)); }
    std::string text() { return finished_report(sa, std::move(builder), "synthetic.pcap"); }
};

TEST(JsonText, StreamingReportIsWhatDumpWrites) {
    SyntheticRun run;
    auto& builder = run.builder;

    // A file name and an error message with quotes, backslashes, control
    // characters, DEL and bytes that are not UTF-8.
    wire::TftpPacket rrq;
    rrq.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Rrq);
    rrq.filename = "boot\\\"x86\"\x01\t\x7f\xff\xfe.0";
    rrq.mode = "octet";
    rrq.options = {{"blksize", "1428"}, {"tsize", "0"}};
    wire::TftpPacket data;
    data.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Data);
    data.block = 1;
    data.data = Bytes(100, 0x5a);
    wire::TftpPacket ack;
    ack.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Ack);
    ack.block = 1;
    wire::TftpPacket error;
    error.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Error);
    error.error_code = 1;
    error.error_message = "no \"such\" file\n\x02\xc3\xa9\xc3";

    std::int64_t t = 1'700'000'000'000'000'000;
    builder.add(t, link::build_udp_frame(kClient, kServer69, tftp(rrq)));
    builder.add(t += 1'000'000, link::build_udp_frame(kServerTid, kClient, tftp(data)));
    builder.add(t += 1'000'000, link::build_udp_frame(kClient, kServerTid, tftp(ack)));
    builder.add(t += 1'000'000, link::build_udp_frame(kClient, kServer69, tftp(rrq)));
    builder.add(t += 1'500'000, link::build_udp_frame(kServerTid, kClient, tftp(error)));

    // Well-formed UTF-8 stays as it is; overlong forms, surrogates and
    // code points past U+10FFFF do not.
    for (const auto& [port, name] : std::vector<std::pair<std::uint16_t, std::string>>{
             {2071, "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9d\x84\x9e.0"},
             {2072, "over\xc0\xaflong"},
             {2073, "surrogate\xed\xa0\x80"},
             {2074, "past\xf4\x90\x80\x80max"}}) {
        link::UdpEndpoint client = kClient;
        client.port = port;
        wire::TftpPacket request = rrq;
        request.filename = name;
        builder.add(t += 1'000'000, link::build_udp_frame(client, kServer69, tftp(request)));
    }

    const std::string text = run.text();
    const json parsed = json::parse(text);
    ASSERT_EQ(parsed.at("sessions").size(), 1u);
    EXPECT_FALSE(parsed.at("findings").empty());
    EXPECT_EQ(text, parsed.dump(2, ' ', false, json::error_handler_t::replace));
    // The bytes that are not UTF-8 became U+FFFD, the rest stayed.
    const auto file = parsed.at("sessions")[0].at("tftp")[0].at("file").get<std::string>();
    EXPECT_EQ(file, "boot\\\"x86\"\x01\t\x7f\xef\xbf\xbd\xef\xbf\xbd.0");
    const auto& tftp_list = parsed.at("sessions")[0].at("tftp");
    ASSERT_EQ(tftp_list.size(), 6u);  // the repeated request after DATA is a second transfer
    EXPECT_EQ(tftp_list[2].at("file").get<std::string>(), "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9d\x84\x9e.0");
    for (std::size_t i = 3; i < 6; ++i)
        EXPECT_NE(tftp_list[i].at("file").get<std::string>().find("\xef\xbf\xbd"), std::string::npos) << i;
}

TEST(JsonText, EverySpecialByteAtEveryPlaceOfALongString) {
    // Strings are checked eight bytes at a time for anything to escape:
    // each such byte, at each place of a 19-byte name (two whole words and
    // a tail), must come out as dump(2) writes it.
    SyntheticRun r;
    wire::TftpPacket rrq;
    rrq.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Rrq);
    rrq.mode = "octet";
    std::int64_t t = 1'700'000'000'000'000'000;
    std::uint16_t port = 3000;
    std::size_t names = 0;
    for (const char special : {'\x01', '\x1f', '"', '\\', '\x7f', '\x80', '\xff', ' ', '~'}) {
        for (std::size_t at = 0; at < 19; ++at) {
            link::UdpEndpoint client = kClient;
            client.port = port++;
            wire::TftpPacket request = rrq;
            request.filename = std::string(19, 'a');
            request.filename[at] = special;
            r.builder.add(t += 1'000'000, link::build_udp_frame(client, kServer69, tftp(request)));
            ++names;
        }
    }
    const std::string text = r.text();
    const json parsed = json::parse(text);
    EXPECT_EQ(text, parsed.dump(2, ' ', false, json::error_handler_t::replace));
    ASSERT_EQ(parsed.at("sessions").size(), 1u);
    EXPECT_EQ(parsed.at("sessions")[0].at("tftp").size(), names);
}

/// The JSON report of four clients, each fetching a file one after the
/// other (each client judged before the next starts), with \p opt.
std::string four_clients(report::StreamingReport::Options opt) {
    report::StreamingReport sa{opt};
    analyze::TraceBuilder builder{"four.pcap"};
    analyze::StreamOptions stream;
    stream.idle_horizon_ns = 0;
    builder.stream(reporttest::judged_into(sa), stream);
    std::int64_t t = 1'700'000'000'000'000'000;
    for (std::uint8_t c = 1; c <= 4; ++c) {
        link::UdpEndpoint client = kClient;
        client.mac = *MacAddr::parse("52:54:00:12:34:0" + std::to_string(c));
        client.ip = Ipv4Addr::from_octets(192, 168, 14, static_cast<std::uint8_t>(50 + c));
        wire::TftpPacket rrq;
        rrq.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Rrq);
        rrq.filename = "file" + std::to_string(c);
        rrq.mode = "octet";
        builder.add(t += 1'000'000'000, link::build_udp_frame(client, kServer69, tftp(rrq)));
        for (std::uint16_t block = 1; block <= 3; ++block) {
            wire::TftpPacket data;
            data.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Data);
            data.block = block;
            data.data = Bytes(block == 3 ? 10 : 512, c);
            wire::TftpPacket ack;
            ack.opcode = static_cast<std::uint16_t>(wire::TftpOpcode::Ack);
            ack.block = block;
            builder.add(t += 1'000'000, link::build_udp_frame(kServerTid, client, tftp(data)));
            builder.add(t += 1'000'000, link::build_udp_frame(client, kServerTid, tftp(ack)));
        }
    }
    return finished_report(sa, std::move(builder), "four.pcap");
}

TEST(JsonText, FramesHeldOrRenderedAtOnceGiveTheSameReport) {
    // Each client lists two entries (its RRQ and one DATA/ACK run).
    report::StreamingReport::Options held;
    const json h = json::parse(four_clients(held));
    ASSERT_EQ(h.at("sessions").size(), 4u);
    ASSERT_EQ(h.at("frames").size(), 8u);
    EXPECT_EQ(h.at("frames")[1].at("run").at("data"), 3);

    report::StreamingReport::Options at_once;
    at_once.max_held_bytes = 0;
    EXPECT_EQ(four_clients(at_once), four_clients(held));

    // Exactly at the limit frames[] stays; one entry past it, it goes,
    // whether the sessions before were held or rendered.
    for (const std::size_t budget : {std::size_t{0}, std::size_t{16} << 20}) {
        report::StreamingReport::Options limit;
        limit.max_held_bytes = budget;
        limit.max_frames = 8;
        EXPECT_EQ(json::parse(four_clients(limit)).at("frames"), h.at("frames"));
        limit.max_frames = 7;
        const json cut = json::parse(four_clients(limit));
        EXPECT_FALSE(cut.contains("frames"));
        EXPECT_EQ(cut.at("source").at("anomalies").back().at("id"), "report.frames_omitted");
        EXPECT_EQ(cut.at("sessions"), h.at("sessions"));
    }
}

}  // namespace
