#pragma once
/// \file
/// Where the DHCP server keeps its leases between runs. The server itself
/// never touches files: it hands the whole table to a LeaseStore after every
/// change and reads it back once at start.
///
/// Text format (one record a line, '#' starts a comment line, fields split
/// by blanks):
///
///     # pxecheck leases v1
///     bound    52:54:00:12:34:56 192.168.14.10 1700003600
///     declined 52:54:00:12:34:57 192.168.14.11 1700000600
///     bound    52:54:00:12:34:58 192.168.14.12 never
///
/// state (bound | declined), the client's MAC (for declined: the MAC that
/// declined), the address, and when the record ends in Unix seconds ("never"
/// for an infinite lease). Offers in flight are not stored.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "pxecheck/base/addr.hpp"
#include "pxecheck/base/result.hpp"

namespace pxecheck::master {

enum class LeaseState : std::uint8_t {
    Bound,     ///< ACKed to `mac`
    Declined,  ///< a client reported the address in use (DHCPDECLINE)
};

struct Lease {
    /// `expires` of a lease that never ends (option 51 = 0xffffffff).
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

    LeaseState state = LeaseState::Bound;
    MacAddr mac;
    Ipv4Addr address;
    std::int64_t expires = 0;  ///< Unix seconds, or kNever

    bool operator==(const Lease&) const = default;
};

/// The text form above, records in the given order.
std::string format_leases(const std::vector<Lease>& leases);
/// Reads the text form; an error names the line ("line 3: bad address \"x\"").
Result<std::vector<Lease>> parse_leases(std::string_view text);

class LeaseStore {
public:
    virtual ~LeaseStore() = default;
    /// Every stored record (an empty or missing store is an empty list).
    virtual Result<std::vector<Lease>> load() = 0;
    /// Replaces the stored records with \p leases.
    virtual Status save(const std::vector<Lease>& leases) = 0;
};

/// Keeps the text form in memory: tests use it to restart a server.
class MemoryLeaseStore final : public LeaseStore {
public:
    Result<std::vector<Lease>> load() override { return parse_leases(text_); }
    Status save(const std::vector<Lease>& leases) override {
        text_ = format_leases(leases);
        ++saves_;
        return ok_status();
    }
    [[nodiscard]] const std::string& text() const { return text_; }
    void set_text(std::string text) { text_ = std::move(text); }
    [[nodiscard]] std::size_t saves() const { return saves_; }

private:
    std::string text_;
    std::size_t saves_ = 0;
};

/// A text file; save() writes "<path>.tmp" and renames it over the file, so
/// a crash leaves either the old table or the new one.
class FileLeaseStore final : public LeaseStore {
public:
    explicit FileLeaseStore(std::filesystem::path path) : path_(std::move(path)) {}
    Result<std::vector<Lease>> load() override;
    Status save(const std::vector<Lease>& leases) override;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace pxecheck::master
