#include <algorithm>
#include <list>
#include <map>
#include <tuple>
#include <utility>

#include "ip_util.hpp"
#include "pxecheck/link/frame.hpp"

namespace pxecheck::link {

namespace {

/// The largest IPv4 payload: 65535 total minus a 20-byte header. Fragments
/// ending past it are the ping-of-death shape and are refused.
constexpr std::size_t kMaxPayload = 65535 - detail::kIpv4MinHeader;

struct Key {
    std::uint32_t src;
    std::uint32_t dst;
    std::uint16_t id;
    std::uint8_t protocol;
    auto operator<=>(const Key&) const = default;
};

/// One half-open byte range [begin, end) already filled.
struct Range {
    std::size_t begin;
    std::size_t end;
};

struct Pending {
    Bytes data;
    std::vector<Range> have;          ///< sorted, disjoint, not adjacent
    std::optional<std::size_t> end;   ///< known once the last fragment (MF=0) came
    std::uint8_t ttl = 0;             ///< from the offset-0 fragment
    std::size_t fragments = 0;
    bool any_checksum_bad = false;
    bool any_checksum_unknown = false;
    std::int64_t first_seen_ns = 0;
    std::list<Key>::iterator age;     ///< position in State::order
};

std::string describe(const Key& k) {
    return "IPv4 id " + detail::hex16(k.id) + " " + Ipv4Addr{k.src}.to_string() + " -> " +
           Ipv4Addr{k.dst}.to_string();
}

std::string progress(const Pending& p) {
    std::size_t got = 0;
    for (const auto& r : p.have) got += r.end - r.begin;
    return std::to_string(p.fragments) + " fragments, " + std::to_string(got) + " of " +
           (p.end ? std::to_string(*p.end) : std::string("?")) + " bytes";
}

}  // namespace

struct Reassembler::State {
    std::map<Key, Pending> pending;
    std::list<Key> order;  ///< oldest first, for eviction
    std::int64_t last_ns = 0;

    void erase(std::map<Key, Pending>::iterator it) {
        order.erase(it->second.age);
        pending.erase(it);
    }
};

Reassembler::~Reassembler() { delete state_; }

Reassembler::Reassembler(Reassembler&& other) noexcept
    : max_pending_(other.max_pending_), state_(std::exchange(other.state_, nullptr)) {}

Reassembler& Reassembler::operator=(Reassembler&& other) noexcept {
    if (this != &other) {
        delete state_;
        max_pending_ = other.max_pending_;
        state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
}

std::size_t Reassembler::pending() const { return state_ ? state_->pending.size() : 0; }

std::optional<UdpDatagram> Reassembler::add(const Ipv4Fragment& frag, Anomalies& anomalies) {
    return add(frag, anomalies, state_ ? state_->last_ns : 0);
}

std::optional<UdpDatagram> Reassembler::add(const Ipv4Fragment& frag, Anomalies& anomalies,
                                            std::int64_t timestamp_ns) {
    if (frag.protocol != detail::kProtoUdp) return std::nullopt;
    if (!state_) state_ = new State;
    auto& st = *state_;
    st.last_ns = timestamp_ns;

    const Key key{frag.src_ip.value, frag.dst_ip.value, frag.id, frag.protocol};
    const std::size_t begin = frag.offset_bytes;
    const std::size_t declared = std::max(frag.declared_size, frag.data.size());
    if (begin > kMaxPayload || declared > kMaxPayload - begin) {
        anomalies.push_back({"ip.fragment_oversize", 0,
                             describe(key) + ": fragment at offset " + std::to_string(begin) + " with " +
                                 std::to_string(declared) + " bytes ends past " +
                                 std::to_string(kMaxPayload)});
        return std::nullopt;
    }

    auto it = st.pending.find(key);
    if (it == st.pending.end()) {
        // Bounded memory: make room by dropping the oldest incomplete datagram.
        const std::size_t limit = std::max<std::size_t>(max_pending_, 1);
        while (st.pending.size() >= limit) {
            auto oldest = st.pending.find(st.order.front());
            anomalies.push_back({"ip.fragment_evicted", 0,
                                 describe(oldest->first) + " dropped incomplete (" +
                                     progress(oldest->second) + ") to stay within " +
                                     std::to_string(limit) + " pending datagrams"});
            st.erase(oldest);
        }
        st.order.push_back(key);
        it = st.pending.emplace(key, Pending{}).first;
        it->second.age = std::prev(st.order.end());
        it->second.first_seen_ns = timestamp_ns;
    }
    auto& p = it->second;
    ++p.fragments;
    if (!frag.ip_checksum_ok) p.any_checksum_unknown = true;
    else if (!*frag.ip_checksum_ok) p.any_checksum_bad = true;
    if (begin == 0) p.ttl = frag.ttl;

    std::size_t end = begin + frag.data.size();
    if (!frag.more_fragments) {
        const std::size_t last_end = begin + declared;
        if (p.end && *p.end != last_end) {
            anomalies.push_back({"ip.fragment_inconsistent", 0,
                                 describe(key) + ": last fragments disagree on the length (" +
                                     std::to_string(*p.end) + " then " + std::to_string(last_end) +
                                     "); keeping the first"});
        } else if (!p.end) {
            // Data already received past the end the last fragment now names.
            if (!p.have.empty() && p.have.back().end > last_end) {
                anomalies.push_back({"ip.fragment_inconsistent", 0,
                                     describe(key) + ": data up to byte " +
                                         std::to_string(p.have.back().end) +
                                         " lies past the end the last fragment names (" +
                                         std::to_string(last_end) + ")"});
                p.end = last_end;
                // Trim what cannot belong to the datagram.
                std::erase_if(p.have, [&](const Range& r) { return r.begin >= last_end; });
                if (!p.have.empty()) p.have.back().end = std::min(p.have.back().end, last_end);
            } else {
                p.end = last_end;
            }
        }
    }
    if (p.end && end > *p.end) {
        anomalies.push_back({"ip.fragment_inconsistent", 0,
                             describe(key) + ": fragment " + std::to_string(begin) + "-" +
                                 std::to_string(end) + " runs past the datagram end " +
                                 std::to_string(*p.end)});
        end = std::max(begin, *p.end);
    }

    if (end > begin) {
        if (p.data.size() < end) p.data.resize(end);
        // Overlaps: the first bytes to arrive stay (RFC 791 leaves the choice
        // open). Report each overlap and whether the bytes agree, because
        // differing overlaps are how IDS evasion and broken stacks show up.
        std::size_t cursor = begin;
        std::vector<Range> merged;
        merged.reserve(p.have.size() + 1);
        for (const auto& r : p.have) {
            if (r.end <= begin || r.begin >= end) continue;
            const std::size_t ob = std::max(r.begin, begin);
            const std::size_t oe = std::min(r.end, end);
            const bool same = std::equal(p.data.begin() + static_cast<std::ptrdiff_t>(ob),
                                         p.data.begin() + static_cast<std::ptrdiff_t>(oe),
                                         frag.data.begin() + static_cast<std::ptrdiff_t>(ob - begin));
            anomalies.push_back({"ip.fragment_overlap", 0,
                                 describe(key) + ": fragment " + std::to_string(begin) + "-" +
                                     std::to_string(end) + " overlaps bytes " + std::to_string(ob) +
                                     "-" + std::to_string(oe) + " already received (" +
                                     (same ? "identical" : "different") +
                                     " content; the first copy is kept)"});
        }
        // Fill only the holes inside [begin, end).
        for (const auto& r : p.have) {
            if (r.end <= cursor || r.begin >= end) continue;
            if (r.begin > cursor) {
                std::copy(frag.data.begin() + static_cast<std::ptrdiff_t>(cursor - begin),
                          frag.data.begin() + static_cast<std::ptrdiff_t>(r.begin - begin),
                          p.data.begin() + static_cast<std::ptrdiff_t>(cursor));
            }
            cursor = std::max(cursor, r.end);
        }
        if (cursor < end) {
            std::copy(frag.data.begin() + static_cast<std::ptrdiff_t>(cursor - begin),
                      frag.data.begin() + static_cast<std::ptrdiff_t>(end - begin),
                      p.data.begin() + static_cast<std::ptrdiff_t>(cursor));
        }
        // Merge [begin, end) into the range list.
        Range add_range{begin, end};
        for (const auto& r : p.have) {
            if (r.end < add_range.begin || r.begin > add_range.end) {
                merged.push_back(r);
            } else {
                add_range.begin = std::min(add_range.begin, r.begin);
                add_range.end = std::max(add_range.end, r.end);
            }
        }
        merged.push_back(add_range);
        std::sort(merged.begin(), merged.end(),
                  [](const Range& a, const Range& b) { return a.begin < b.begin; });
        p.have = std::move(merged);
    }

    const bool done = p.end && p.have.size() == 1 && p.have.front().begin == 0 &&
                      p.have.front().end == *p.end;
    // A zero-length datagram (only possible with a lying last fragment) is
    // complete once its end is known.
    if (!done && !(p.end && *p.end == 0)) return std::nullopt;

    Bytes whole = std::move(p.data);
    whole.resize(*p.end);
    const std::uint8_t ttl = p.ttl;
    const std::optional<bool> ip_ok =
        p.any_checksum_bad ? std::optional<bool>(false)
                           : (p.any_checksum_unknown ? std::nullopt : std::optional<bool>(true));
    st.erase(it);

    auto udp = detail::parse_udp(whole, whole.size(), frag.src_ip, frag.dst_ip, 0, anomalies);
    if (!udp) return std::nullopt;
    udp->ttl = ttl;
    udp->ip_checksum_ok = ip_ok;
    udp->reassembled = true;
    return udp;
}

std::size_t Reassembler::expire(std::int64_t cutoff_ns, Anomalies& anomalies) {
    if (!state_) return 0;
    std::size_t dropped = 0;
    for (auto it = state_->pending.begin(); it != state_->pending.end();) {
        if (it->second.first_seen_ns < cutoff_ns) {
            anomalies.push_back({"ip.fragment_timeout", 0,
                                 describe(it->first) + " never completed (" + progress(it->second) + ")"});
            auto next = std::next(it);
            state_->erase(it);
            it = next;
            ++dropped;
        } else {
            ++it;
        }
    }
    return dropped;
}

}  // namespace pxecheck::link
