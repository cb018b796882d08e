#include "pxecheck/link/pcapng_writer.hpp"

#include <cerrno>
#include <cstring>

namespace pxecheck::link {

namespace pcapng {

namespace {

/// pcapng is written in the writer's byte order; we always write little-endian
/// and say so with the byte-order magic, whatever the host.
void le16(Bytes& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(Bytes& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void pad32(Bytes& out) {
    while (out.size() % 4) out.push_back(0);
}

constexpr std::size_t kMaxOptionValue = 0xffff;

/// Longest prefix of \p text that fits an option and does not split a UTF-8
/// sequence.
std::string_view fit_option(std::string_view text) {
    if (text.size() <= kMaxOptionValue) return text;
    std::size_t n = kMaxOptionValue;
    // Step back over continuation bytes (10xxxxxx) to a sequence start.
    while (n > 0 && (static_cast<std::uint8_t>(text[n]) & 0xc0) == 0x80) --n;
    return text.substr(0, n);
}

void option(Bytes& out, std::uint16_t code, std::string_view value) {
    value = fit_option(value);
    le16(out, code);
    le16(out, static_cast<std::uint16_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
    pad32(out);
}

/// Wraps a block body: type, total length, body (already 32-bit aligned),
/// total length again.
Bytes block(std::uint32_t type, const Bytes& body) {
    Bytes out;
    const auto total = static_cast<std::uint32_t>(12 + body.size());
    out.reserve(total);
    le32(out, type);
    le32(out, total);
    out.insert(out.end(), body.begin(), body.end());
    le32(out, total);
    return out;
}

}  // namespace

Bytes section_header(std::string_view application, std::string_view comment) {
    Bytes body;
    le32(body, kByteOrderMagic);
    le16(body, 1);  // major
    le16(body, 0);  // minor
    // Section length -1: not given (the reader walks the blocks).
    le32(body, 0xffffffffu);
    le32(body, 0xffffffffu);
    bool any = false;
    if (!comment.empty()) {
        option(body, kOptComment, comment);
        any = true;
    }
    if (!application.empty()) {
        option(body, kShbUserAppl, application);
        any = true;
    }
    if (any) option(body, kOptEndOfOpt, {});
    return block(kSectionHeaderBlock, body);
}

Bytes interface_description(int linktype, std::string_view if_name) {
    Bytes body;
    le16(body, static_cast<std::uint16_t>(linktype));
    le16(body, 0);  // reserved
    le32(body, 0);  // snaplen 0: no limit
    if (!if_name.empty()) option(body, kIfName, if_name);
    // if_tsresol: a single octet, 9 = 10^-9 s.
    le16(body, kIfTsresol);
    le16(body, 1);
    body.push_back(9);
    pad32(body);
    option(body, kOptEndOfOpt, {});
    return block(kInterfaceDescriptionBlock, body);
}

Bytes enhanced_packet(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length,
                      std::span<const std::string> comments) {
    Bytes body;
    body.reserve(20 + frame.size() + 4);
    le32(body, 0);  // interface 0
    const auto ts = static_cast<std::uint64_t>(timestamp_ns);
    le32(body, static_cast<std::uint32_t>(ts >> 32));
    le32(body, static_cast<std::uint32_t>(ts & 0xffffffffu));
    le32(body, static_cast<std::uint32_t>(frame.size()));
    le32(body, original_length ? original_length : static_cast<std::uint32_t>(frame.size()));
    body.insert(body.end(), frame.begin(), frame.end());
    pad32(body);
    for (const auto& c : comments) option(body, kOptComment, c);
    if (!comments.empty()) option(body, kOptEndOfOpt, {});
    return block(kEnhancedPacketBlock, body);
}

}  // namespace pcapng

Result<std::unique_ptr<PcapngWriter>> PcapngWriter::create(const std::string& path, const Options& options) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return Error{path + ": cannot create (" + std::strerror(errno) + ")"};
    std::unique_ptr<PcapngWriter> w(new PcapngWriter());
    w->file_ = f;
    w->path_ = path;
    const Bytes shb = pcapng::section_header(options.application, options.section_comment);
    const Bytes idb = pcapng::interface_description(options.linktype, options.interface_name);
    if (std::fwrite(shb.data(), 1, shb.size(), f) != shb.size() ||
        std::fwrite(idb.data(), 1, idb.size(), f) != idb.size()) {
        const std::string reason = std::strerror(errno);
        std::fclose(f);
        w->file_ = nullptr;
        return Error{path + ": write failed (" + reason + ")"};
    }
    return w;
}

PcapngWriter::~PcapngWriter() {
    if (file_) std::fclose(file_);
}

void PcapngWriter::write(std::int64_t timestamp_ns, ByteView frame, std::uint32_t original_length,
                         std::span<const std::string> comments) {
    if (!file_ || failed_) return;
    const Bytes epb = pcapng::enhanced_packet(timestamp_ns, frame, original_length, comments);
    if (std::fwrite(epb.data(), 1, epb.size(), file_) != epb.size()) failed_ = true;
    else ++frames_;
}

Status PcapngWriter::close() {
    if (!file_) return ok_status();
    const bool flush_failed = std::fflush(file_) != 0;
    const std::string reason = std::strerror(errno);
    const bool close_failed = std::fclose(file_) != 0;
    file_ = nullptr;
    if (failed_ || flush_failed || close_failed) return Error{path_ + ": write failed (" + reason + ")"};
    return ok_status();
}

}  // namespace pxecheck::link
