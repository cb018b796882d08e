#include "context.hpp"

namespace pxecheck::checks::detail {

void check_tftp(const Context& ctx, Sink& sink) {
    (void)ctx;
    (void)sink;
}

}  // namespace pxecheck::checks::detail
