#include "pxecheck/wire/tftp.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace pxecheck::wire {

namespace {

constexpr std::size_t kOpcodeSize = 2;
constexpr std::size_t kMaxQuoted = 64;  // keeps details readable on garbage input

/// Fixed fields per opcode, the opcode itself included (see fields_present).
constexpr std::uint8_t kRequestFields = 3;  // opcode, filename, mode
constexpr std::uint8_t kBlockFields = 2;    // opcode, block
constexpr std::uint8_t kErrorFields = 3;    // opcode, code, message

/// Options whose values RFC 2348/2349/7440 define as decimal numbers.
constexpr std::array<std::string_view, 4> kNumericOptions{"blksize", "tsize", "timeout",
                                                          "windowsize"};

ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string quote(std::string_view s) {
    std::string out = quoted_printable(as_bytes(s.substr(0, kMaxQuoted)));
    if (s.size() > kMaxQuoted) out += "...";
    return out;
}

bool is_numeric_option(std::string_view name) {
    return std::any_of(kNumericOptions.begin(), kNumericOptions.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

void add(Anomalies& list, const char* id, std::size_t offset, std::string detail) {
    list.push_back(Anomaly{id, offset, std::move(detail)});
}

/// Decoding state shared by the per-opcode readers.
struct Decoder {
    ByteView payload;
    ByteReader r;
    TftpDecoded out;

    explicit Decoder(ByteView p) : payload(p), r(p) {}

    /// The packet stopped after \p fields fixed fields: keep the rest verbatim.
    void cut(std::uint8_t fields) {
        out.pkt.fields_present = fields;
        auto rest = r.rest();
        out.pkt.trailing.assign(rest.begin(), rest.end());
    }

    /// Reads one NUL-terminated fixed field. On failure records why and cuts
    /// the packet after the \p fields_before fields already read.
    bool fixed_string(std::string& into, const char* what, std::uint8_t fields_before) {
        const auto at = r.offset();
        if (r.at_end()) {
            add(out.anomalies, "tftp.truncated", at,
                std::string(to_string(static_cast<TftpOpcode>(out.pkt.opcode))) + " ends before the " +
                    what + " (" + std::to_string(payload.size()) + " bytes)");
            cut(fields_before);
            return false;
        }
        auto s = r.cstring();
        if (!s) {
            const auto rest = payload.subspan(at);
            add(out.anomalies, "tftp.unterminated_string", at,
                std::string(what) + " " +
                    quote(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size())) +
                    " has no terminating NUL");
            cut(fields_before);
            return false;
        }
        into = std::move(*s);
        return true;
    }

    bool fixed_u16(std::uint16_t& into, const char* what, std::uint8_t fields_before) {
        const auto at = r.offset();
        auto v = r.u16();
        if (!v) {
            add(out.anomalies, "tftp.truncated", at,
                std::string(to_string(static_cast<TftpOpcode>(out.pkt.opcode))) + " ends inside the " +
                    what + " (" + std::to_string(payload.size()) + " bytes, needs " +
                    std::to_string(at + 2) + ")");
            cut(fields_before);
            return false;
        }
        into = *v;
        return true;
    }

    void trailing_after(const char* what) {
        if (r.at_end()) return;
        const auto at = r.offset();
        auto rest = r.rest();
        out.pkt.trailing.assign(rest.begin(), rest.end());
        add(out.anomalies, "tftp.trailing_data", at,
            std::to_string(rest.size()) + " bytes after the " + what + ": " +
                to_hex(rest.first(std::min<std::size_t>(rest.size(), 16))) +
                (rest.size() > 16 ? "..." : ""));
    }

    /// name NUL value NUL pairs up to the end (RFC 2347). An incomplete last
    /// pair is kept in `trailing` rather than invented as an empty value.
    void options() {
        while (!r.at_end()) {
            const auto start = r.offset();
            auto rest_view = payload.subspan(start);
            // NUL padding after the options: seen from some embedded stacks that
            // round requests up; report it as trailing data, not as an option.
            if (std::all_of(rest_view.begin(), rest_view.end(), [](std::uint8_t b) { return b == 0; })) {
                trailing_after("options (NUL padding)");
                return;
            }
            auto name = r.cstring();
            if (!name) {
                add(out.anomalies, "tftp.unterminated_string", start,
                    "option name " +
                        quote(std::string_view(reinterpret_cast<const char*>(rest_view.data()),
                                               rest_view.size())) +
                        " has no terminating NUL");
                out.pkt.trailing.assign(rest_view.begin(), rest_view.end());
                r.rest();
                return;
            }
            const auto value_at = r.offset();
            if (r.at_end()) {
                add(out.anomalies, "tftp.odd_option", start,
                    "option " + quote(*name) + " has no value");
                out.pkt.trailing.assign(rest_view.begin(), rest_view.end());
                return;
            }
            auto value = r.cstring();
            if (!value) {
                const auto v = payload.subspan(value_at);
                add(out.anomalies, "tftp.unterminated_string", value_at,
                    "value of option " + quote(*name) + " (" +
                        quote(std::string_view(reinterpret_cast<const char*>(v.data()), v.size())) +
                        ") has no terminating NUL");
                out.pkt.trailing.assign(rest_view.begin(), rest_view.end());
                r.rest();
                return;
            }
            for (const auto& o : out.pkt.options) {
                if (iequals(o.name, *name)) {
                    add(out.anomalies, "tftp.duplicate_option", start,
                        "option " + quote(*name) + " repeated (first " + quote(o.name) + "=" +
                            quote(o.value) + ", again " + quote(*value) + ")");
                    break;
                }
            }
            if (is_numeric_option(*name) && !parse_decimal(*value)) {
                add(out.anomalies, "tftp.bad_option_value", value_at,
                    quote(*name) + "=" + quote(*value) + " is not a decimal number");
            }
            out.pkt.options.push_back(TftpOption{std::move(*name), std::move(*value)});
        }
    }

    void run() {
        auto& pkt = out.pkt;
        auto op = r.u16();
        if (!op) {
            add(out.anomalies, "tftp.truncated", 0,
                std::to_string(payload.size()) + " bytes, an opcode needs 2");
            cut(0);
            return;
        }
        pkt.opcode = *op;
        switch (static_cast<TftpOpcode>(pkt.opcode)) {
        case TftpOpcode::Rrq:
        case TftpOpcode::Wrq:
            if (!fixed_string(pkt.filename, "filename", 1)) return;
            if (!fixed_string(pkt.mode, "mode", 2)) return;
            options();
            return;
        case TftpOpcode::Oack:
            options();
            return;
        case TftpOpcode::Data: {
            if (!fixed_u16(pkt.block, "block number", 1)) return;
            auto rest = r.rest();
            pkt.data.assign(rest.begin(), rest.end());
            return;
        }
        case TftpOpcode::Ack:
            if (!fixed_u16(pkt.block, "block number", 1)) return;
            trailing_after("ACK");
            return;
        case TftpOpcode::Error: {
            const auto code_at = r.offset();
            if (!fixed_u16(pkt.error_code, "error code", 1)) return;
            if (pkt.error_code > static_cast<std::uint16_t>(TftpErrorCode::OptionRefused)) {
                add(out.anomalies, "tftp.bad_error_code", code_at,
                    "error code " + std::to_string(pkt.error_code) + " is outside 0-8");
            }
            if (!fixed_string(pkt.error_message, "error message", 2)) return;
            trailing_after("error message");
            return;
        }
        }
        add(out.anomalies, "tftp.unknown_opcode", 0,
            "opcode " + std::to_string(pkt.opcode) + " (0x" +
                to_hex(payload.first(kOpcodeSize)) + ") is not 1-6");
        auto rest = r.rest();
        pkt.trailing.assign(rest.begin(), rest.end());
    }
};

void write_options(ByteWriter& w, const std::vector<TftpOption>& options) {
    for (const auto& o : options) {
        w.cstring(o.name);
        w.cstring(o.value);
    }
}

}  // namespace

std::string to_string(TftpOpcode op) {
    switch (op) {
    case TftpOpcode::Rrq: return "RRQ";
    case TftpOpcode::Wrq: return "WRQ";
    case TftpOpcode::Data: return "DATA";
    case TftpOpcode::Ack: return "ACK";
    case TftpOpcode::Error: return "ERROR";
    case TftpOpcode::Oack: return "OACK";
    }
    return "OP(" + std::to_string(static_cast<unsigned>(op)) + ")";
}

std::string to_string(TftpErrorCode code) {
    switch (code) {
    case TftpErrorCode::NotDefined: return "not defined";
    case TftpErrorCode::FileNotFound: return "file not found";
    case TftpErrorCode::AccessViolation: return "access violation";
    case TftpErrorCode::DiskFull: return "disk full";
    case TftpErrorCode::IllegalOperation: return "illegal operation";
    case TftpErrorCode::UnknownTid: return "unknown transfer ID";
    case TftpErrorCode::FileExists: return "file already exists";
    case TftpErrorCode::NoSuchUser: return "no such user";
    case TftpErrorCode::OptionRefused: return "option refused";
    }
    return "code " + std::to_string(static_cast<unsigned>(code));
}

std::optional<TftpOpcode> TftpPacket::op() const {
    if (opcode >= 1 && opcode <= 6) return static_cast<TftpOpcode>(opcode);
    return std::nullopt;
}

std::optional<std::string> TftpPacket::option(std::string_view name) const {
    for (const auto& o : options) {
        if (iequals(o.name, name)) return o.value;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> TftpPacket::option_number(std::string_view name) const {
    auto v = option(name);
    if (!v) return std::nullopt;
    return parse_decimal(*v);
}

TftpDecoded decode_tftp(ByteView payload) {
    Decoder d(payload);
    d.run();
    return std::move(d.out);
}

Bytes encode_tftp(const TftpPacket& pkt) {
    // A complete packet has every fixed field; a cut one only those it had.
    const unsigned fields = pkt.fields_present.value_or(std::numeric_limits<std::uint8_t>::max());
    const bool complete = !pkt.fields_present.has_value();
    ByteWriter w(4 + pkt.filename.size() + pkt.mode.size() + pkt.data.size() +
                 pkt.error_message.size() + pkt.trailing.size() + 32 * pkt.options.size());
    if (fields >= 1) w.u16(pkt.opcode);
    if (auto op = pkt.op()) {
        switch (*op) {
        case TftpOpcode::Rrq:
        case TftpOpcode::Wrq:
            if (fields >= 2) w.cstring(pkt.filename);
            if (fields >= kRequestFields) w.cstring(pkt.mode);
            if (complete) write_options(w, pkt.options);
            break;
        case TftpOpcode::Oack:
            if (complete) write_options(w, pkt.options);
            break;
        case TftpOpcode::Data:
            if (fields >= kBlockFields) w.u16(pkt.block);
            if (complete) w.bytes(pkt.data);
            break;
        case TftpOpcode::Ack:
            if (fields >= kBlockFields) w.u16(pkt.block);
            break;
        case TftpOpcode::Error:
            if (fields >= 2) w.u16(pkt.error_code);
            if (fields >= kErrorFields) w.cstring(pkt.error_message);
            break;
        }
    }
    w.bytes(pkt.trailing);
    return std::move(w).take();
}

namespace {

TftpPacket make_request(TftpOpcode op, std::string_view file, std::string_view mode,
                        std::vector<TftpOption> options) {
    TftpPacket p;
    p.opcode = static_cast<std::uint16_t>(op);
    p.filename = std::string(file);
    p.mode = std::string(mode);
    p.options = std::move(options);
    return p;
}

}  // namespace

TftpPacket make_rrq(std::string_view file, std::string_view mode, std::vector<TftpOption> options) {
    return make_request(TftpOpcode::Rrq, file, mode, std::move(options));
}

TftpPacket make_wrq(std::string_view file, std::string_view mode, std::vector<TftpOption> options) {
    return make_request(TftpOpcode::Wrq, file, mode, std::move(options));
}

TftpPacket make_data(std::uint16_t block, ByteView data) {
    TftpPacket p;
    p.opcode = static_cast<std::uint16_t>(TftpOpcode::Data);
    p.block = block;
    p.data.assign(data.begin(), data.end());
    return p;
}

TftpPacket make_ack(std::uint16_t block) {
    TftpPacket p;
    p.opcode = static_cast<std::uint16_t>(TftpOpcode::Ack);
    p.block = block;
    return p;
}

TftpPacket make_error(TftpErrorCode code, std::string_view message) {
    TftpPacket p;
    p.opcode = static_cast<std::uint16_t>(TftpOpcode::Error);
    p.error_code = static_cast<std::uint16_t>(code);
    p.error_message = std::string(message);
    return p;
}

TftpPacket make_oack(std::vector<TftpOption> options) {
    TftpPacket p;
    p.opcode = static_cast<std::uint16_t>(TftpOpcode::Oack);
    p.options = std::move(options);
    return p;
}

std::string summarize(const TftpPacket& pkt) {
    std::string s = to_string(static_cast<TftpOpcode>(pkt.opcode));
    const unsigned fields = pkt.fields_present.value_or(std::numeric_limits<std::uint8_t>::max());
    auto append_options = [&] {
        for (const auto& o : pkt.options) {
            s.push_back(' ');
            s += printable(as_bytes(o.name));
            s.push_back('=');
            s += printable(as_bytes(o.value));
        }
    };
    if (fields == 0) {
        return "truncated (" + std::to_string(pkt.trailing.size()) +
               (pkt.trailing.size() == 1 ? " byte)" : " bytes)");
    }
    if (auto op = pkt.op()) {
        switch (*op) {
        case TftpOpcode::Rrq:
        case TftpOpcode::Wrq:
            if (fields >= 2) s += " " + quote(pkt.filename);
            if (fields >= kRequestFields) s += " " + printable(as_bytes(pkt.mode));
            append_options();
            break;
        case TftpOpcode::Oack:
            append_options();
            break;
        case TftpOpcode::Data:
            if (fields >= kBlockFields)
                s += " " + std::to_string(pkt.block) + " (" + std::to_string(pkt.data.size()) + ")";
            break;
        case TftpOpcode::Ack:
            if (fields >= kBlockFields) s += " " + std::to_string(pkt.block);
            break;
        case TftpOpcode::Error:
            if (fields >= 2)
                s += " " + std::to_string(pkt.error_code) + " (" +
                     to_string(static_cast<TftpErrorCode>(pkt.error_code)) + ")";
            if (fields >= kErrorFields) s += " " + quote(pkt.error_message);
            break;
        }
    }
    if (pkt.fields_present) s += " [truncated]";
    if (!pkt.trailing.empty()) s += " [+" + std::to_string(pkt.trailing.size()) + " bytes]";
    return s;
}

}  // namespace pxecheck::wire
