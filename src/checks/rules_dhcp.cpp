#include "context.hpp"

namespace pxecheck::checks::detail {

void check_dhcp(const Context& ctx, Sink& sink) {
    (void)ctx;
    (void)sink;
}

}  // namespace pxecheck::checks::detail
