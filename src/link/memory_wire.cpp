// MemoryWire: two FrameIo ends joined in memory, for tests and memory runs.

#include <deque>
#include <utility>

#include "pxecheck/link/live.hpp"

namespace pxecheck::link {

namespace {

class End final : public FrameIo {
public:
    End(MemoryWire& wire, bool is_a) : wire_(wire), is_a_(is_a) {}
    void connect(End* peer) { peer_ = peer; }

    Status send(ByteView frame) override {
        if (wire_.filter && !wire_.filter(is_a_, frame)) return ok_status();  // lost on the wire
        const std::int64_t t = wire_.time_ns ? wire_.time_ns() : EventLoop::wall_ns();
        peer_->inbox_.push_back(RxFrame{t, Bytes(frame.begin(), frame.end())});
        return ok_status();
    }

    std::vector<RxFrame> receive() override {
        std::vector<RxFrame> out(std::make_move_iterator(inbox_.begin()),
                                 std::make_move_iterator(inbox_.end()));
        inbox_.clear();
        return out;
    }

    [[nodiscard]] int poll_fd() const override { return -1; }

private:
    MemoryWire& wire_;
    bool is_a_;
    End* peer_ = nullptr;
    std::deque<RxFrame> inbox_;
};

}  // namespace

struct MemoryWire::Impl {
    explicit Impl(MemoryWire& wire) : a(wire, true), b(wire, false) {
        a.connect(&b);
        b.connect(&a);
    }
    End a;
    End b;
};

MemoryWire::MemoryWire() : impl_(std::make_unique<Impl>(*this)) {}
MemoryWire::~MemoryWire() = default;
FrameIo& MemoryWire::a() { return impl_->a; }
FrameIo& MemoryWire::b() { return impl_->b; }

}  // namespace pxecheck::link
