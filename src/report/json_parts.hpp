#pragma once
// Private to the report module: the pieces of the JSON report that
// to_json() puts together, for StreamingReport to render one session at a
// time, and the pretty-printer that writes them into the report's arrays.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pxecheck/analyze/boot.hpp"
#include "pxecheck/analyze/trace.hpp"
#include "pxecheck/checks/engine.hpp"

namespace pxecheck::report::detail {

/// JSON text laid out exactly as nlohmann's `dump(2, ' ', false,
/// error_handler_t::replace)` lays it out, written straight into a string:
/// the per-session pieces of a report are many, and building them as
/// nlohmann values first cost more than judging the session. Members must
/// be written in the order nlohmann keeps them (its std::map: byte order of
/// the keys); the golden tests hold the two renderings together.
class PrettyWriter {
public:
    /// A member name, checked when the program is compiled: every name the
    /// report uses is a literal with nothing to escape, so writing one is a
    /// copy (strings from the wire go through string(), which checks).
    class Key {
    public:
        // NOLINTNEXTLINE(google-explicit-constructor): w.key("name") reads best
        consteval Key(const char* name) : text_(name) {
            for (const char c : text_)
                if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == '"' ||
                    c == '\\')
                    throw "a JSON member name must be printable ASCII without quotes or backslashes";
        }
        [[nodiscard]] std::string_view text() const { return text_; }

    private:
        std::string_view text_;
    };

    /// \p indent: the column the value starts in (the text of an array
    /// element at that depth, its first line indented too).
    PrettyWriter(std::string& out, int indent);
    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(Key k);
    void string(std::string_view v);
    void unsigned_number(std::uint64_t v);
    void boolean(bool v);
    void null();
    /// nlohmann's own text for a double.
    void real(double v);
    /// \p bytes as a string of lower-case hex digits (as to_hex()).
    void hex_string(ByteView bytes);
    /// A string, or null when \p v is empty.
    void string_or_null(std::string_view v);

private:
    void before_value();
    /// \p n more bytes at the end of the text, to be written in place.
    char* grow(std::size_t n);
    void open(char bracket);
    void close(char bracket);

    std::string& out_;
    int base_;
    struct Level {
        bool object = false;
        bool empty = true;
    };
    std::vector<Level> levels_;
    bool after_key_ = false;
};

/// One entry of the report's findings[] and of its sessions[] (\p s of
/// \p trace, whose transfers it indexes, and its reconstructed boot).
void write_finding(PrettyWriter& w, const checks::Finding& f);
void write_session(PrettyWriter& w, const analyze::Trace& trace, const analyze::ClientSession& s,
                   const analyze::BootPath& b);
/// The entries of the report's frames[] (see frames_json()), each with its
/// frame number and written at \p indent, in frame order.
std::vector<std::pair<std::size_t, std::string>> frame_entries(const analyze::Trace& trace, int indent);
/// How many entries frame_entries() gives for \p trace, without rendering them.
std::size_t frame_entry_count(const analyze::Trace& trace);
/// The same as values, for to_json().
nlohmann::json finding_json(const checks::Finding& f);
nlohmann::json session_json(const analyze::Trace& trace, const analyze::ClientSession& s, const analyze::BootPath& b);

}  // namespace pxecheck::report::detail
