#pragma once
/// \file
/// The one recorder of the live runners (client, serve and its safety probe,
/// replay through client): every frame a run sends or receives goes through
/// it into the trace, the pcap and any other sink, numbered and in time order.
///
/// Two clocks stamp a live exchange. Frames we send are stamped by us, frames
/// we receive by the kernel when they arrived. Two things follow:
///  - a sent frame is stamped *before* it leaves (send()): a fast peer's
///    answer can arrive, kernel-stamped, before io.send() even returns, and a
///    stamp taken afterwards would put the answer before its question;
///  - frames are read in batches, so a frame that arrived while the runner was
///    busy is read after frames it sent later. Recording therefore waits in a
///    short reorder buffer (reorder window, kDefaultReorderNs) and a frame
///    becomes final, with its number, once it is older than the window.
///
/// Numbers are final when a frame leaves the buffer, so everything that cites
/// frames (the trace, probe notes) must take them from the recorder's output,
/// never count frames as they are handed in.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>

#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/base/bytes.hpp"
#include "pxecheck/base/result.hpp"
#include "pxecheck/link/live.hpp"
#include "pxecheck/link/pcap_file.hpp"

namespace pxecheck::scenario {

class FrameRecorder {
public:
    /// How long a frame waits for earlier-stamped ones that were read late:
    /// far longer than a runner's loop turn (it wakes at least every 200 ms),
    /// short enough that the terminal and the pcap keep up with the run.
    static constexpr std::int64_t kDefaultReorderNs = 500'000'000;

    /// A frame as it becomes final: its 1-based number, time, bytes.
    using Sink = std::function<void(std::size_t number, std::int64_t time_ns, ByteView frame)>;

    struct Options {
        std::int64_t reorder_ns = kDefaultReorderNs;
        /// Number of the first frame recorded: 1, or one past frames already
        /// written to the same pcap by an earlier recorder (serve's safety
        /// probe), so that the trace's numbers are the pcap's.
        std::size_t first_number = 1;
        /// Wall clock in ns since the Unix epoch (link::EventLoop::wall_ns);
        /// tests pass a fake one.
        std::function<std::int64_t()> wall_clock;
    };

    /// \p trace and \p pcap may each be null; both must outlive the recorder.
    FrameRecorder(analyze::TraceBuilder* trace, link::PcapWriter* pcap, Options options);
    FrameRecorder(analyze::TraceBuilder* trace, link::PcapWriter* pcap);

    /// Another consumer of final frames, called after the trace and the pcap.
    void on_recorded(Sink sink) { sink_ = std::move(sink); }

    /// Stamps \p frame, sends it on \p io and records it (also when the send
    /// failed: the run meant to send it, and the error is returned).
    Status send(link::FrameIo& io, Bytes frame);
    /// Records a frame stamped elsewhere (a received frame: the kernel's time).
    void record(std::int64_t time_ns, Bytes frame);
    void record(std::int64_t time_ns, ByteView frame) { record(time_ns, Bytes(frame.begin(), frame.end())); }

    /// Makes final every frame older than the reorder window.
    void flush();
    /// Makes every waiting frame final (the end of a run).
    void flush_all();

    [[nodiscard]] std::size_t waiting() const { return pending_.size(); }
    /// Frames made final so far.
    [[nodiscard]] std::size_t recorded() const { return next_number_ - first_number_; }
    /// The number the next final frame will get.
    [[nodiscard]] std::size_t next_number() const { return next_number_; }

    FrameRecorder(const FrameRecorder&) = delete;
    FrameRecorder& operator=(const FrameRecorder&) = delete;
    /// Frames still waiting are dropped, not flushed: the trace may already
    /// be finished by then. Call flush_all() before TraceBuilder::finish().
    ~FrameRecorder() = default;

private:
    void emit(std::int64_t time_ns, const Bytes& frame);

    analyze::TraceBuilder* trace_;
    link::PcapWriter* pcap_;
    std::int64_t reorder_ns_;
    std::function<std::int64_t()> wall_clock_;
    Sink sink_;
    std::size_t first_number_;
    std::size_t next_number_;
    /// By time; frames with equal stamps keep the order they came in.
    std::multimap<std::int64_t, Bytes> pending_;
};

}  // namespace pxecheck::scenario
