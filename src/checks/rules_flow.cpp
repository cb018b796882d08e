#include "context.hpp"

namespace pxecheck::checks::detail {

void check_flow(const Context& ctx, Sink& sink) {
    (void)ctx;
    (void)sink;
}

}  // namespace pxecheck::checks::detail
