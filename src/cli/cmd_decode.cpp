// `pxecheck decode FILE`: every DHCP, 4011, TFTP and ARP frame of a capture
// decoded on one line, with the anomalies under it (tcpdump -v style, but
// complete for PXE).
#include <fmt/core.h>

#include "commands.hpp"
#include "common.hpp"
#include "pxecheck/analyze/decode.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::cli {

namespace {
struct DecodeOptions {
    std::string file;
    bool all_anomalies = true;
};

int run_decode(const DecodeOptions& o) {
    auto reader = link::PcapReader::open(o.file);
    if (!reader) {
        fmt::print(stderr, "pxecheck decode: {}\n", reader.error());
        return kExitUsage;
    }
    auto& r = **reader;
    analyze::FrameDecoder decoder(r.linktype());
    std::size_t shown = 0;
    std::int64_t first_ns = -1;
    while (auto frame = r.next()) {
        if (first_ns < 0) first_ns = frame->timestamp_ns;
        auto line = decoder.decode(frame->number, frame->timestamp_ns, frame->data);
        if (!line) continue;
        ++shown;
        fmt::print("{:>6} {:>11.6f} {:<5} {}  {}\n", line->number,
                   static_cast<double>(line->time_ns - first_ns) / 1e9, line->protocol, line->addresses,
                   line->summary);
        for (const auto& a : line->anomalies)
            fmt::print("       ! {} at offset {}: {}\n", a.id, a.offset, a.detail);
    }
    if (!r.error().empty()) {
        fmt::print(stderr, "pxecheck decode: {}: {}\n", o.file, r.error());
        // Frames before the damage were decoded; the file itself is still bad.
        return kExitUsage;
    }
    if (shown == 0) fmt::print("(no DHCP, TFTP or ARP frames in {})\n", o.file);
    return kExitPass;
}
}  // namespace

Runner add_decode(CLI::App& app) {
    auto opts = std::make_shared<DecodeOptions>();
    auto* sub = app.add_subcommand("decode", "Print each DHCP/TFTP/ARP frame of a capture decoded, with anomalies");
    auto* pos = sub->add_option("file", opts->file, "pcap or pcapng file");
    auto* r = sub->add_option("-r,--read", opts->file, "pcap or pcapng file (as tcpdump -r)");
    pos->excludes(r);
    return [opts]() {
        if (opts->file.empty()) {
            fmt::print(stderr, "pxecheck decode: needs a capture file (FILE or -r FILE)\n");
            return static_cast<int>(kExitUsage);
        }
        return run_decode(*opts);
    };
}

}  // namespace pxecheck::cli
