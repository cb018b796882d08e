// Fuzz target: option 43 PXE sub-options, option 60/93/94/97 parsers.
#include <cstdint>

#include "pxecheck/wire/pxe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxecheck;
    const ByteView in(data, size);
    auto d = wire::decode_pxe_options(in);
    (void)wire::encode_pxe_options(d.value);
    (void)wire::parse_vendor_class(in);
    (void)wire::parse_client_arch(in);
    (void)wire::parse_client_ndi(in);
    (void)wire::parse_client_uuid(in);
    return 0;
}
