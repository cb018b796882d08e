// Fuzz target: the TFTP decoder never crashes and round-trips byte-exact.
#include <cstdint>
#include <cstdlib>

#include "pxecheck/wire/tftp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxecheck;
    const ByteView in(data, size);
    auto d = wire::decode_tftp(in);
    if (wire::encode_tftp(d.pkt) != Bytes(in.begin(), in.end())) std::abort();
    (void)wire::summarize(d.pkt);
    return 0;
}
