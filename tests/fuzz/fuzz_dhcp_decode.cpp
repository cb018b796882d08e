// Fuzz target: the DHCP decoder must never crash or read out of bounds, and
// every input with a complete header must re-encode to the same bytes.
#include <cstdint>
#include <cstdlib>

#include "pxecheck/wire/dhcp.hpp"
#include "pxecheck/wire/option_catalog.hpp"
#include "pxecheck/wire/pxe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pxecheck;
    const ByteView in(data, size);
    auto d = wire::decode_dhcp(in);
    if (d.header_complete) {
        if (wire::encode_dhcp(d.msg) != Bytes(in.begin(), in.end())) std::abort();
        (void)wire::summarize(d.msg);
        for (const auto& o : d.msg.options) (void)wire::format_option_value(o.code, o.data);
        if (auto v = d.msg.joined(wire::opt::kVendorSpecific)) (void)wire::decode_pxe_options(*v);
        if (auto v = d.msg.joined(wire::opt::kVendorClass)) (void)wire::parse_vendor_class(*v);
    }
    return 0;
}
