// The live runners' frame recorder: stamp before send, reorder by time, then
// number and hand each frame to the trace, the pcap and the sink.

#include "pxecheck/scenario/frame_recorder.hpp"

#include <utility>

namespace pxecheck::scenario {

FrameRecorder::FrameRecorder(analyze::TraceBuilder* trace, link::PcapWriter* pcap, Options options)
    : trace_(trace),
      pcap_(pcap),
      reorder_ns_(options.reorder_ns),
      wall_clock_(options.wall_clock ? std::move(options.wall_clock) : std::function<std::int64_t()>(link::EventLoop::wall_ns)),
      first_number_(options.first_number == 0 ? 1 : options.first_number),
      next_number_(first_number_) {}

FrameRecorder::FrameRecorder(analyze::TraceBuilder* trace, link::PcapWriter* pcap)
    : FrameRecorder(trace, pcap, Options{}) {}

Status FrameRecorder::send(link::FrameIo& io, Bytes frame) {
    const std::int64_t stamp = wall_clock_();
    Status st = io.send(frame);
    record(stamp, std::move(frame));
    return st;
}

void FrameRecorder::record(std::int64_t time_ns, Bytes frame) { pending_.emplace(time_ns, std::move(frame)); }

void FrameRecorder::flush() {
    const std::int64_t horizon = wall_clock_() - reorder_ns_;
    while (!pending_.empty() && pending_.begin()->first < horizon) {
        auto node = pending_.extract(pending_.begin());
        emit(node.key(), node.mapped());
    }
}

void FrameRecorder::flush_all() {
    for (const auto& [time_ns, frame] : pending_) emit(time_ns, frame);
    pending_.clear();
}

void FrameRecorder::emit(std::int64_t time_ns, const Bytes& frame) {
    const std::size_t number = next_number_++;
    if (trace_) trace_->add(number, time_ns, frame, static_cast<std::uint32_t>(frame.size()));
    if (pcap_) pcap_->write(time_ns, frame);
    if (sink_) sink_(number, time_ns, frame);
}

}  // namespace pxecheck::scenario
