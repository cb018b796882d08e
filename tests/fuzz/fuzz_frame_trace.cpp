// Fuzz target: one Ethernet frame through the link decoder, the frame-by-frame
// decoder and the TraceBuilder, then the whole rule engine over the trace.
// The first octet picks the link type so SLL, NULL and raw IP are covered.
#include <cstdint>

#include "pxecheck/analyze/decode.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxecheck;
    if (size < 1) return 0;
    static const int kLinktypes[] = {1, 1, 1, 1, 0, 101, 113, 276};
    const int linktype = kLinktypes[data[0] % 8];
    const ByteView frame(data + 1, size - 1);
    analyze::FrameDecoder dec(linktype);
    (void)dec.decode(1, 0, frame);
    analyze::TraceBuilder b("fuzz", linktype);
    // The same frame twice: requests and their repeats exercise the pairing code.
    b.add(1, 0, frame);
    b.add(2, 1'000'000, frame);
    auto trace = std::move(b).finish();
    (void)checks::run_checks(trace);
    return 0;
}
