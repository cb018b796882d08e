// pxecheck_bench_gen: builds a large capture for bench/analyze_vs_tshark.sh
// by repeating the real boots of the lab captures as many clients.
//
//   pxecheck_bench_gen (--frames N | --boots N) [--slots K] [--gap S] [--unique-files] [--one-machine]
//                      [--broken-boot B --broken-template BROKEN.pcap] -o OUT.pcap TEMPLATE.pcap...
//
// K slots boot clients side by side; each slot boots one client after the
// other (the templates in turn, S seconds apart), every client with a new MAC
// (Ethernet, ARP, chaddr and wherever else the template's MAC occurs in DHCP
// and ARP), new xids, and the slot's own address in place of the template's
// client address (IP header, ARP, ciaddr/yiaddr, option 50). IPv4 header
// checksums are recomputed and UDP checksums set to 0 ("none"), which is
// valid. Frames are written in time order, K boots overlapping, until N.
// --unique-files changes a byte of every TFTP DATA block per client, so that
// no two clients fetch the same file (pxecheck then hashes every transfer:
// its worst case, where a rack booting fetches the same files).
// --boots N writes N whole boots instead of N frames. --one-machine gives
// every boot of a slot the slot's one MAC (new xids each time): a machine in
// a boot loop, or a day of reboots, instead of a rack of new machines.
// --broken-boot B makes the B-th boot (1-based, in the order boots begin)
// replay BROKEN.pcap instead (e.g. a lab boot whose file is missing): the one
// failing attempt among many good ones.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "pxecheck/link/pcap_file.hpp"
#include "pxecheck/wire/udp_service.hpp"

namespace {

using pxecheck::Bytes;
using pxecheck::link::CapturedFrame;

constexpr std::size_t kEth = 14;
constexpr std::uint16_t kIpv4 = 0x0800;
constexpr std::uint16_t kArp = 0x0806;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void put32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

struct Template {
    std::string name;
    std::vector<CapturedFrame> frames;
    std::array<std::uint8_t, 6> mac{};
    std::set<std::uint32_t> client_ips;
    std::int64_t duration_ns = 0;
};

/// Where the UDP payload starts in an untagged Ethernet/IPv4/UDP frame (0: not one).
std::size_t udp_payload_at(const Bytes& f, std::uint16_t* sport = nullptr, std::uint16_t* dport = nullptr) {
    if (f.size() < kEth + 20 || be16(&f[12]) != kIpv4) return 0;
    const std::size_t ihl = static_cast<std::size_t>(f[kEth] & 0x0f) * 4;
    if (f[kEth + 9] != 17 || (be16(&f[kEth + 6]) & 0x3fff) != 0 || f.size() < kEth + ihl + 8) return 0;
    if (sport) *sport = be16(&f[kEth + ihl]);
    if (dport) *dport = be16(&f[kEth + ihl + 2]);
    return kEth + ihl + 8;
}

bool is_dhcp_datagram(std::uint16_t src_port, std::uint16_t dst_port) {
    return pxecheck::wire::carries_dhcp(pxecheck::wire::classify_udp(src_port, dst_port));
}

bool load(const std::string& path, Template& t) {
    auto r = pxecheck::link::PcapReader::open(path);
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().c_str());
        return false;
    }
    if ((*r)->linktype() != 1) {
        std::fprintf(stderr, "%s: not Ethernet, skipped\n", path.c_str());
        return false;
    }
    t.name = path;
    bool have_mac = false;
    while (auto f = (*r)->next()) {
        const Bytes& d = f->data;
        std::uint16_t sp = 0, dp = 0;
        const std::size_t at = udp_payload_at(d, &sp, &dp);
        if (at && is_dhcp_datagram(sp, dp) && d.size() >= at + 240) {
            const std::uint8_t* b = &d[at];
            if (b[0] == 1 && !have_mac) {
                std::memcpy(t.mac.data(), b + 28, 6);
                have_mac = true;
            }
            if (b[0] == 1 && be32(b + 12)) t.client_ips.insert(be32(b + 12));
            if (b[0] == 2 && be32(b + 16)) t.client_ips.insert(be32(b + 16));
        }
        t.frames.push_back(std::move(*f));
    }
    if (!have_mac || t.frames.empty()) {
        std::fprintf(stderr, "%s: no DHCP client message, skipped\n", path.c_str());
        return false;
    }
    t.duration_ns = t.frames.back().timestamp_ns - t.frames.front().timestamp_ns;
    return true;
}

void ip_checksum(std::uint8_t* ip, std::size_t ihl) {
    ip[10] = ip[11] = 0;
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < ihl; i += 2) sum += be16(ip + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    const auto c = static_cast<std::uint16_t>(~sum);
    ip[10] = static_cast<std::uint8_t>(c >> 8);
    ip[11] = static_cast<std::uint8_t>(c);
}

struct Instance {
    std::array<std::uint8_t, 6> mac{};
    std::uint32_t ip = 0;
    std::uint32_t xid_salt = 0;
    std::uint16_t data_salt = 0;  ///< XORed into each TFTP DATA block's last two bytes (0: none)
};

void replace_mac(std::uint8_t* p, std::size_t n, const Template& t, const Instance& in) {
    for (std::size_t i = 0; i + 6 <= n; ++i)
        if (std::memcmp(p + i, t.mac.data(), 6) == 0) std::memcpy(p + i, in.mac.data(), 6);
}

void replace_ip(std::uint8_t* p, const Template& t, const Instance& in) {
    if (t.client_ips.count(be32(p))) put32(p, in.ip);
}

/// The template frame as this instance's client would have it.
Bytes rewrite(const Bytes& src, const Template& t, const Instance& in) {
    Bytes f = src;
    if (f.size() < kEth) return f;
    replace_mac(f.data(), 12, t, in);
    const std::uint16_t type = be16(&f[12]);
    if (type == kArp && f.size() >= kEth + 28) {
        std::uint8_t* a = &f[kEth];
        replace_mac(a + 8, 6, t, in);
        replace_mac(a + 18, 6, t, in);
        replace_ip(a + 14, t, in);
        replace_ip(a + 24, t, in);
        return f;
    }
    if (type != kIpv4 || f.size() < kEth + 20) return f;
    std::uint8_t* ip = &f[kEth];
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if (ihl < 20 || f.size() < kEth + ihl) return f;
    replace_ip(ip + 12, t, in);
    replace_ip(ip + 16, t, in);
    ip_checksum(ip, ihl);
    std::uint16_t sp = 0, dp = 0;
    const std::size_t at = udp_payload_at(f, &sp, &dp);
    if (!at) return f;
    f[at - 2] = f[at - 1] = 0;  // UDP checksum: none
    const std::size_t ip_end = kEth + be16(ip + 2);
    if (in.data_salt && f.size() >= at + 6 && ip_end == f.size() && be16(&f[at]) == 3) {
        f[f.size() - 2] ^= static_cast<std::uint8_t>(in.data_salt >> 8);
        f[f.size() - 1] ^= static_cast<std::uint8_t>(in.data_salt);
    }
    if (!is_dhcp_datagram(sp, dp)) return f;
    if (f.size() < at + 236) return f;
    std::uint8_t* b = &f[at];
    put32(b + 4, be32(b + 4) ^ in.xid_salt);
    replace_ip(b + 12, t, in);
    replace_ip(b + 16, t, in);
    replace_mac(b + 28, f.size() - at - 28, t, in);  // chaddr, option 61, ...
    // Option 50 (requested address).
    for (std::size_t i = 240; i + 1 < f.size() - at;) {
        const std::uint8_t code = b[i];
        if (code == 0) {
            ++i;
            continue;
        }
        if (code == 255) break;
        const std::size_t len = b[i + 1];
        if (i + 2 + len > f.size() - at) break;
        if (code == 50 && len == 4) replace_ip(b + i + 2, t, in);
        i += 2 + len;
    }
    return f;
}

struct Slot {
    std::size_t index = 0;
    std::size_t next_template = 0;
    const Template* tmpl = nullptr;
    Instance inst;
    std::size_t frame = 0;
    std::int64_t start_ns = 0;
    [[nodiscard]] std::int64_t next_time() const {
        return start_ns + (tmpl->frames[frame].timestamp_ns - tmpl->frames.front().timestamp_ns);
    }
};

int usage() {
    std::fprintf(stderr,
                 "usage: pxecheck_bench_gen (--frames N | --boots N) [--slots K] [--gap SECONDS] [--unique-files] "
                 "[--one-machine] [--broken-boot B --broken-template BROKEN.pcap] -o OUT.pcap TEMPLATE.pcap...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t want = 0, boots = 0, slots = 32;
    double gap_s = 4;
    std::string out;
    bool unique_files = false;
    bool one_machine = false;
    std::size_t broken_boot = 0;
    std::string broken_path;
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--frames") want = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--slots") slots = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--gap") gap_s = std::strtod(value().c_str(), nullptr);
        else if (a == "-o") out = value();
        else if (a == "--boots") boots = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--unique-files") unique_files = true;
        else if (a == "--one-machine") one_machine = true;
        else if (a == "--broken-boot") broken_boot = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--broken-template") broken_path = value();
        else if (!a.empty() && a[0] == '-') return usage();
        else inputs.push_back(a);
    }
    if ((want == 0) == (boots == 0) || out.empty() || inputs.empty() || slots == 0 || slots > 150) return usage();

    std::vector<Template> templates;
    for (const auto& path : inputs) {
        Template t;
        if (load(path, t)) templates.push_back(std::move(t));
    }
    if (templates.empty()) return usage();
    Template broken;
    if ((broken_boot == 0) != broken_path.empty()) return usage();
    if (broken_boot && !load(broken_path, broken)) return usage();

    auto w = pxecheck::link::PcapWriter::create(out);
    if (!w) {
        std::fprintf(stderr, "%s\n", w.error().c_str());
        return 1;
    }
    const std::int64_t gap = static_cast<std::int64_t>(gap_s * 1e9);
    const std::int64_t origin = 1'800'000'000LL * 1'000'000'000LL;
    std::uint32_t clients = 0;
    auto begin = [&](Slot& s, std::int64_t at) {
        s.tmpl = &templates[s.next_template++ % templates.size()];
        s.frame = 0;
        s.start_ns = at;
        ++clients;
        if (broken_boot && clients == broken_boot) s.tmpl = &broken;
        const std::uint32_t machine = one_machine ? static_cast<std::uint32_t>(s.index + 1) : clients;
        s.inst.mac = {0x02, 0x50, static_cast<std::uint8_t>(machine >> 24), static_cast<std::uint8_t>(machine >> 16),
                      static_cast<std::uint8_t>(machine >> 8), static_cast<std::uint8_t>(machine)};
        s.inst.xid_salt = clients * 2654435761u;
        if (unique_files) s.inst.data_salt = static_cast<std::uint16_t>(1 + clients % 65535);
    };
    std::vector<Slot> all(slots);
    for (std::size_t i = 0; i < slots; ++i) {
        all[i].index = i;
        all[i].next_template = i;
        // 192.168.14.40 and up: the lab's subnet, clear of its servers (.1, .200, .201).
        all[i].inst.ip = (192u << 24) | (168u << 16) | (14u << 8) | static_cast<std::uint32_t>(40 + i);
        begin(all[i], origin + static_cast<std::int64_t>(i) * (gap + 1'000'000'000) / static_cast<std::int64_t>(slots));
    }
    auto later = [](const Slot* a, const Slot* b) { return a->next_time() > b->next_time(); };
    std::priority_queue<Slot*, std::vector<Slot*>, decltype(later)> queue(later);
    for (auto& s : all) queue.push(&s);

    std::size_t written = 0;
    std::size_t booted = 0;  // boots written whole
    std::int64_t last_ns = origin;
    while (want ? written < want : booted < boots) {
        Slot* s = queue.top();
        queue.pop();
        const auto& src = s->tmpl->frames[s->frame];
        last_ns = s->next_time();
        const Bytes f = rewrite(src.data, *s->tmpl, s->inst);
        (*w)->write(last_ns, f, src.original_length);
        ++written;
        if (++s->frame == s->tmpl->frames.size()) {
            ++booted;
            begin(*s, last_ns + gap);
        }
        queue.push(s);
    }
    if (auto st = (*w)->close(); !st) {
        std::fprintf(stderr, "%s\n", st.error().c_str());
        return 1;
    }
    std::printf("%s: %zu frames, %zu boots whole, %zu slots%s, %.0f s of capture time\n", out.c_str(), written, booted,
                slots, one_machine ? " (one machine each)" : "", static_cast<double>(last_ns - origin) / 1e9);
    return 0;
}
