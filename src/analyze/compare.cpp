#include "pxecheck/analyze/compare.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace pxecheck::analyze {

namespace {

constexpr const char* kAbsent = "-";

std::string text_or_absent(const std::optional<std::string>& s) { return s ? "\"" + *s + "\"" : kAbsent; }
std::string file_text(const std::string& s) { return s.empty() ? kAbsent : "\"" + s + "\""; }
std::string yes_no(bool b) { return b ? "yes" : "no"; }

/// The server an answer is from: option 54, else the source address.
Ipv4Addr server_of(const OfferInfo& o) { return o.server_id.is_zero() ? o.src_ip : o.server_id; }

std::string offer_key(const OfferInfo& o) { return server_of(o).to_string() + (o.proxy ? " (proxy)" : ""); }

/// "yiaddr 192.168.14.10, siaddr 192.168.14.200, file "pxelinux.0"": one
/// line for an offer the other side does not have.
std::string offer_summary(const OfferInfo& o) {
    std::string s = o.proxy ? "proxy offer" : "yiaddr " + o.yiaddr.to_string();
    s += ", siaddr " + o.siaddr.to_string() + ", file " + file_text(o.file);
    if (o.option66) s += ", 66 \"" + *o.option66 + "\"";
    if (o.option67) s += ", 67 \"" + *o.option67 + "\"";
    if (o.has_menu) s += ", menu";
    return s;
}

std::string source_of(const OfferInfo& g) {
    if (g.from_4011) return "bootserver-4011";
    if (g.proxy) return "proxydhcp";
    if (g.type == wire::DhcpMessageType::Ack) return "dhcp-ack";
    return "dhcp-offer";
}

class Rows {
public:
    void add(std::string step, std::string field, std::string capture, std::string now) {
        Comparison c;
        c.same = capture == now;
        c.step = std::move(step);
        c.field = std::move(field);
        c.capture = std::move(capture);
        c.now = std::move(now);
        if (!c.same) ++out.differences;
        out.rows.push_back(std::move(c));
    }
    BootComparison out;
};

/// The fields of a server reply both sides have.
void reply_fields(Rows& r, const std::string& step, const OfferInfo& a, const OfferInfo& b, bool address,
                  bool menu) {
    if (address) r.add(step, "yiaddr", a.yiaddr.to_string(), b.yiaddr.to_string());
    r.add(step, "siaddr", a.siaddr.to_string(), b.siaddr.to_string());
    r.add(step, "file", file_text(a.file), file_text(b.file));
    r.add(step, "option 66", text_or_absent(a.option66), text_or_absent(b.option66));
    r.add(step, "option 67", text_or_absent(a.option67), text_or_absent(b.option67));
    if (menu) r.add(step, "menu", yes_no(a.has_menu), yes_no(b.has_menu));
}

/// A reply step (ACK, proxy offer, 4011 answer): who answered, then its
/// fields when both sides have one.
void reply_step(Rows& r, const std::string& step, const std::optional<OfferInfo>& a,
                const std::optional<OfferInfo>& b, bool address, bool menu) {
    r.add(step, "server", a ? server_of(*a).to_string() : "none", b ? server_of(*b).to_string() : "none");
    if (a && b) reply_fields(r, step, *a, *b, address, menu);
}

void offers(Rows& r, const BootPath& then, const BootPath& now) {
    // The first offer of each server: DISCOVER retransmissions repeat offers,
    // and how many a run collects depends on the client's timing.
    std::vector<std::pair<std::string, const OfferInfo*>> a, b;
    auto firsts = [](const BootPath& p, std::vector<std::pair<std::string, const OfferInfo*>>& v) {
        for (const auto& o : p.offers) {
            const std::string k = offer_key(o);
            if (std::none_of(v.begin(), v.end(), [&](const auto& e) { return e.first == k; })) v.emplace_back(k, &o);
        }
    };
    firsts(then, a);
    firsts(now, b);
    auto list = [](const std::vector<std::pair<std::string, const OfferInfo*>>& v) {
        std::vector<std::string> keys;
        for (const auto& e : v) keys.push_back(e.first);
        std::sort(keys.begin(), keys.end());
        std::string s;
        for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
        return s.empty() ? std::string("none") : s;
    };
    r.add("offers", "servers", list(a), list(b));
    auto find = [](const std::vector<std::pair<std::string, const OfferInfo*>>& v,
                   const std::string& k) -> const OfferInfo* {
        for (const auto& e : v)
            if (e.first == k) return e.second;
        return nullptr;
    };
    std::vector<std::string> keys;
    for (const auto& e : a) keys.push_back(e.first);
    for (const auto& e : b)
        if (!find(a, e.first)) keys.push_back(e.first);
    for (const auto& k : keys) {
        const OfferInfo* x = find(a, k);
        const OfferInfo* y = find(b, k);
        const std::string step = "offer " + k;
        if (x && y) {
            reply_fields(r, step, *x, *y, true, false);
            r.add(step, "proxy", yes_no(x->proxy), yes_no(y->proxy));
            r.add(step, "menu", yes_no(x->has_menu), yes_no(y->has_menu));
        } else {
            r.add(step, "offer", x ? offer_summary(*x) : "none", y ? offer_summary(*y) : "none");
        }
    }
}

void boot(Rows& r, const BootPath& then, const BootPath& now) {
    r.add("boot", "source", then.governing ? source_of(*then.governing) : "none",
          now.governing ? source_of(*now.governing) : "none");
    r.add("boot", "server", then.boot_server ? then.boot_server->to_string() : "none",
          now.boot_server ? now.boot_server->to_string() : "none");
    r.add("boot", "file", file_text(then.bootfile), file_text(now.bootfile));
    r.add("boot", "phase", to_string(then.phase), to_string(now.phase));
}

std::string status_of(const TftpTransfer* t) {
    if (!t) return "none";
    if (t->error) return "error";
    if (t->complete) return "complete";
    return t->server_tid == 0 ? "no answer" : "incomplete";
}

void tftp(Rows& r, const TftpTransfer* a, const TftpTransfer* b) {
    r.add("tftp", "status", status_of(a), status_of(b));
    // Without a request on one side the status says it all.
    if (!a || !b) return;
    auto size = [](const TftpTransfer* t) { return t->complete ? std::to_string(t->bytes) : kAbsent; };
    r.add("tftp", "size", size(a), size(b));
    // Only a capture with the whole file says what its bytes were.
    if (a->complete && !a->payload_missing && !a->sha256.empty()) {
        r.add("tftp", "sha256", a->sha256, b->complete && !b->sha256.empty() ? b->sha256 : kAbsent);
    }
    // Negotiated values mean something only once the server answered.
    auto answered = [](const TftpTransfer* t) { return t->server_tid != 0; };
    auto num = [&](const TftpTransfer* t, std::uint32_t v) { return answered(t) ? std::to_string(v) : kAbsent; };
    r.add("tftp", "blksize", num(a, a->blksize), num(b, b->blksize));
    auto tsize = [&](const TftpTransfer* t) {
        return answered(t) && t->tsize ? std::to_string(*t->tsize) : std::string(kAbsent);
    };
    r.add("tftp", "tsize", tsize(a), tsize(b));
    r.add("tftp", "windowsize", num(a, a->windowsize), num(b, b->windowsize));
    auto error = [](const TftpTransfer* t) {
        if (!t->error) return std::string("none");
        return std::to_string(t->error->code) + " \"" + t->error->message + "\"" +
               (t->error->from_client ? " (from the client)" : "");
    };
    r.add("tftp", "error", error(a), error(b));
}

}  // namespace

const TftpTransfer* boot_download(const Trace& trace, const BootPath& boot) {
    if (boot.boot_transfers.empty()) return nullptr;
    const std::size_t i = boot.boot_transfers.back();
    return i < trace.transfers.size() ? &trace.transfers[i] : nullptr;
}

BootComparison compare_boots(const Trace& capture, const BootPath& then, const Trace& live, const BootPath& now) {
    Rows r;
    offers(r, then, now);
    reply_step(r, "ack", then.ack, now.ack, true, false);
    reply_step(r, "proxy", then.proxy_used ? then.proxy_offer : std::nullopt,
               now.proxy_used ? now.proxy_offer : std::nullopt, false, true);
    reply_step(r, "4011", then.bootserver_ack, now.bootserver_ack, false, false);
    boot(r, then, now);
    tftp(r, boot_download(capture, then), boot_download(live, now));
    return std::move(r.out);
}

}  // namespace pxecheck::analyze
