#!/usr/bin/env bash
# report.html of real lab captures in headless Chromium: the page loads
# without a console error and without fetching anything (the net log shows no
# request the page made), the DOM holds the verdict sentence and one arrow per
# entry of report.json's frames, and the screenshot is a real picture.
# As root with the lab peers installed, the same for the bundle of a live
# `pxecheck client --report` run against a master without next-server, then
# for the bundles of one `pxecheck serve` and of the NIC (every --probe, a
# vendor class that is markup) and the replay that boot from it: each page
# has a row per NIC, probe or compared field, and the markup stays text.
# Usage: report_chromium.sh PXECHECK_BINARY SOURCE_DIR   (exit 77: skipped)
set -euo pipefail
PXECHECK=$1; SRC=$2
PY=/usr/bin/python3  # Debian's python (scripts/deps); the pyenv one on PATH lacks Debian's modules

chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then echo "skip: chromium not installed (scripts/deps installs it)"; exit 77; fi
[[ -x $PY ]] || { echo "skip: $PY missing"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# Nothing may leave the machine: every host name fails to resolve.
browse() {
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 \
        --user-data-dir="$(mktemp -d -p "$work")" "$@"
}

# check_page NAME DIR: DIR holds a bundle; render its report.html and check it.
check_page() {
    local capture=$1 dir=$2
    "$PXECHECK" report verify -q "$dir" || fail "$capture: report verify"
    page="file://$dir/report.html"

    browse --log-net-log="$dir/net.json" --dump-dom "$page" > "$dir/dom.html" 2> "$dir/dom.err" ||
        fail "$capture: chromium --dump-dom exited $?"
    browse --screenshot="$dir/shot.png" --window-size=1400,2400 "$page" > /dev/null 2> "$dir/shot.err" ||
        fail "$capture: chromium --screenshot exited $?"

    # The verdict sentence as junit.xml carries it, the frames from report.json.
    if "$PY" - "$dir" <<'PY'
import html, json, re, struct, sys
d = sys.argv[1]
report = json.load(open(d + "/report.json"))
import xml.dom.minidom
props = {p.getAttribute("name"): p.getAttribute("value")
         for p in xml.dom.minidom.parse(d + "/junit.xml").getElementsByTagName("property")}
sentence = props["verdict_sentence"]
dom = open(d + "/dom.html", encoding="utf-8").read()
problems = []
if not dom.rstrip().endswith("</html>") or 'id="environment"' not in dom:
    problems.append("the DOM is incomplete (no environment section or no </html>)")
# dump-dom escapes &, <, > in text (and leaves quotes as they are).
text = sentence.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
if text not in dom:
    problems.append("verdict sentence not in the DOM: " + sentence)
arrows = len(re.findall(r'<line class="arrow[ "]', dom))
if arrows != len(report["frames"]) or arrows == 0:
    problems.append("%d arrows in the DOM, %d frames in report.json" % (arrows, len(report["frames"])))
# The command's own part: its section with one row per entry when the report
# has it, no section when it does not.
parts = {"nics": (report.get("nics"), r'<tr class="nic '),
         "probes": (report.get("probes"), r'<tr class="probe '),
         "replay": ((report.get("replay") or {}).get("comparisons"), r'<tr class="(?:diff|same)">')}
for part, (entries, row) in parts.items():
    has = ('<section id="%s">' % part) in dom
    if entries is None:
        if has:
            problems.append("a %s section, but report.json has no %s" % (part, part))
        continue
    if not has:
        problems.append("report.json has %s, the page no %s section" % (part, part))
        continue
    section = dom[dom.index('<section id="%s">' % part):]
    section = section[:section.index("</section>")]
    rows = len(re.findall(row, section))
    if rows != len(entries):
        problems.append("%d rows in the %s section, %d entries in report.json" % (rows, part, len(entries)))
    if part == "replay":
        diff = section.count('<tr class="diff">')
        if diff != sum(1 for c in entries if not c["same"]):
            problems.append("%d highlighted rows, %d differences" % (diff, sum(1 for c in entries if not c["same"])))
# Markup that came from the wire (a vendor class) is text, never an element.
if "<script" in dom.lower():
    problems.append("a <script> element in the DOM")
for marker in ("&lt;script&gt;",):
    if marker.replace("&lt;", "<").replace("&gt;", ">") in json.dumps(report) and marker not in dom:
        problems.append("wire markup from report.json is not shown as text")
# Console errors (CONSOLE lines of --enable-logging) of either run.
for err in ("dom.err", "shot.err"):
    for line in open(d + "/" + err, errors="replace"):
        if ":CONSOLE" in line or "Uncaught" in line:
            problems.append("console: " + line.strip())
# Requests the page made: URL requests whose isolation key is the file page.
net = json.load(open(d + "/net.json"))
start = net["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for e in net["events"]:
    p = e.get("params", {})
    if e["type"] == start and "file://" in p.get("network_isolation_key", "") and not p.get("url", "").startswith(("file:", "data:")):
        problems.append("the page fetched " + p.get("url", "?"))
# The screenshot: a PNG of the window's size with real content (a blank page
# compresses to a few kilobytes).
png = open(d + "/shot.png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n":
    problems.append("shot.png is not a PNG")
else:
    w, h = struct.unpack(">II", png[16:24])
    if (w, h) != (1400, 2400):
        problems.append("screenshot is %dx%d, expected 1400x2400" % (w, h))
    if len(png) < 60000:
        problems.append("screenshot is only %d octets: blank page?" % len(png))
for p in problems:
    print("  " + p)
print("  %d arrows, verdict: %s" % (arrows, sentence))
sys.exit(1 if problems else 0)
PY
    then ok "$capture: report.html renders in Chromium"
    else fail "$capture: report.html in Chromium (see above)"
    fi
}

for capture in ipxe-bios-dhcpd-no-next-server ipxe-bios-isc-dhcpd-tftpd-hpa; do
    rc=0
    "$PXECHECK" analyze -q --report "$work/$capture" "$SRC/captures/$capture.pcap" || rc=$?
    if ((rc > 1)); then fail "$capture: analyze --report exited $rc"; continue; fi
    check_page "$capture" "$work/$capture"
done

# A live run: the emulated NIC against a master that names pxelinux.0 but no
# server. Its bundle's capture is what the NIC sent and received.
if [[ $(id -u) == 0 ]] && command -v dhcpd > /dev/null && command -v ip > /dev/null; then
    . "$SRC/tests/integration/lib/lab.sh"
    lab_up
    trap 'lab_down; rm -rf "$work"' EXIT
    lab_dhcpd_start "$(lab_dhcpd_conf --filename pxelinux.0)"
    rc=0
    lab_c "$PXECHECK" --iface c0 --mac 02:50:58:00:00:31 --offer-wait 1 --time-limit 30 \
        --report "$work/client" > "$work/client.out" 2>&1 || rc=$?
    if [[ $rc != 1 ]]; then
        fail "client --report: exit $rc, expected 1 (PXE-030)"; cat "$work/client.out" >&2
    else
        [[ ! -e $work/client/.recording.pcap ]] || fail "client --report left its recording behind"
        "$PY" - "$work/client" <<'PY' || fail "client bundle: report.json"
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
ids = {f["id"] for f in r["findings"]}
assert r["command"] == "client" and r["verdict"] == "fail", (r["command"], r["verdict"])
assert "PXE-030" in ids, ids
assert r["evidence"]["capture_frames"] == r["source"]["frames"], r["evidence"]
assert r["client"]["interface"] == "c0"
PY
        if command -v tshark > /dev/null; then
            tshark -r "$work/client/capture.pcapng" -T fields -e frame.comment 2>/dev/null | grep -q "PXE-030" ||
                fail "client bundle: no PXE-030 comment in capture.pcapng"
        fi
        check_page client "$work/client"
    fi

    # The reference master (dhcpd stopped: serve refuses to start beside another DHCP
    # server), bounded by --time-limit, and two NICs that boot from it: the emulator with
    # every --probe and a vendor class that is markup, then a replay of a lab capture.
    lab_stop_pid "$LAB_PID_dhcpd"
    if [[ -f /usr/lib/PXELINUX/pxelinux.0 ]]; then
        lab_tftp_root_bios "$work/tftp"
        ip netns exec "$LAB_NS_M" "$PXECHECK" serve --iface m0 --server-ip 192.168.14.200 \
            --range 192.168.14.10-192.168.14.20 --tftp-root "$work/tftp" --filename pxelinux.0 \
            --probe-wait 1 --time-limit 120 --report "$work/serve" > "$work/serve.out" 2>&1 &
        serve_pid=$!
        LAB_PIDS+=("$serve_pid")
        if lab_wait_log "$work/serve.out" '^pxecheck serve: (DHCP server|proxyDHCP) .* on m0' 20 "$serve_pid"; then
            rc=0
            lab_c "$PXECHECK" client --iface c0 --mac 02:50:58:00:00:32 --offer-wait 1 --time-limit 60 --probe all \
                --vendor-class 'PXEClient:Arch:00000:UNDI:002001<script>alert(1)</script>' \
                --report "$work/probes" > "$work/probes.out" 2>&1 || rc=$?
            ((rc <= 1)) || { fail "client --probe all against serve: exit $rc"; cat "$work/probes.out" >&2; }
            rc=0
            lab_c "$PXECHECK" replay "$SRC/captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap" --iface c0 --mac rewrite \
                --time-limit 60 --report "$work/replay" > "$work/replay.out" 2>&1 || rc=$?
            ((rc <= 1)) || { fail "replay against serve: exit $rc"; cat "$work/replay.out" >&2; }
            # SIGTERM: serve writes its bundle, then exits (its --time-limit bounds the wait).
            kill -TERM "$serve_pid"
            rc=0; wait "$serve_pid" || rc=$?
            ((rc <= 1)) || { fail "serve: exit $rc"; cat "$work/serve.out" >&2; }
            "$PY" - "$work" <<'PY' || fail "serve, probe and replay bundles: report.json"
import json, sys
d = sys.argv[1]
serve = json.load(open(d + "/serve/report.json"))
assert serve["serve"]["stopped_by"] == "signal", serve["serve"]
macs = [n["mac"] for n in serve["nics"]]
assert "02:50:58:00:00:32" in macs and len(macs) >= 2, macs
assert any("<script>" in (n["vendor_class"] or "") for n in serve["nics"]), serve["nics"]
assert len(json.load(open(d + "/probes/report.json"))["probes"]) == 6
assert json.load(open(d + "/replay/report.json"))["replay"]["comparisons"]
PY
            for bundle in serve probes replay; do
                if [[ -f $work/$bundle/report.html ]]; then check_page "$bundle" "$work/$bundle"
                else fail "$bundle: no bundle written"; fi
            done
            # junit.xml: one test case per NIC of serve, per probe of the client.
            "$PY" - "$work" <<'PY' || fail "junit.xml of serve and probes"
import json, sys, xml.dom.minidom
d = sys.argv[1]
for bundle, key, classname in (("serve", "nics", "serve.nics"), ("probes", "probes", "client.probes")):
    cases = [c for c in xml.dom.minidom.parse(d + "/%s/junit.xml" % bundle).getElementsByTagName("testcase")
             if c.getAttribute("classname") == classname]
    entries = json.load(open(d + "/%s/report.json" % bundle))[key]
    assert len(cases) == len(entries), (bundle, len(cases), len(entries))
PY
        else
            fail "serve did not start"; cat "$work/serve.out" >&2
        fi
    else
        echo "note: pxelinux not installed: the serve, probe and replay bundles are not checked"
    fi
else
    echo "note: not root or no dhcpd: the live client bundle is not checked"
fi

if ((failures)); then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "all report checks passed"
