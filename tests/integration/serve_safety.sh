#!/usr/bin/env bash
# pxecheck serve's safety rails: it refuses to hand out addresses beside another DHCP server
# (isc-dhcp-server on a third host of the segment) with exit 3 and a message naming that
# server's address and MAC; --allow-other-dhcp overrides with a warning; --proxy starts fine
# beside it. Its TFTP root is read-only and confined: ../etc/passwd, /etc/passwd and symlinks
# leading out of the root get TFTP errors and no bytes, and a write request is refused. No
# --iface is a usage error (exit 2), an unknown interface an environment error (exit 3), and
# --dry-run prints the answers to a BIOS and a UEFI DISCOVER and exits 0.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
. "$SRC/tests/integration/lib/report.sh"
lab_require_root dhcpd tftp curl
LAB_PREFIX=pxss
lab_up --vm   # the bridge on the client side lets a third host join the segment

expect_in() {  # expect_in WHAT FILE REGEX
    if grep -qE -- "$3" "$2"; then echo "ok: $1"; else
        echo "FAIL: $1: /$3/ not in $2:" >&2; sed 's/^/    /' "$2" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
}

root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
ln -s /etc "$root/etc-link"              # a directory symlink out of the root
ln -s /etc/passwd "$root/passwd-link"    # a file symlink out of the root
common=(--server-ip 192.168.14.200 --range 192.168.14.10-192.168.14.20 --tftp-root "$root"
        --filename pxelinux.0)

# --- usage and environment errors, dry run ---------------------------------------------------
rc=0; "$PXECHECK" serve "${common[@]}" >"$LAB_DIR/noiface.out" 2>&1 || rc=$?
assert_eq "no --iface: exit code" 2 "$rc"
expect_in "no --iface: the message says --iface is required" "$LAB_DIR/noiface.out" '--iface is required'
rc=0; lab_m "$PXECHECK" serve --iface nosuch0 "${common[@]}" >"$LAB_DIR/nosuch.out" 2>&1 || rc=$?
assert_eq "unknown interface: exit code" 3 "$rc"
expect_in "unknown interface named" "$LAB_DIR/nosuch.out" 'no interface named nosuch0'
rc=0; lab_m "$PXECHECK" serve --iface m0 "${common[@]}" --range 192.168.14.20-192.168.14.10 \
    >"$LAB_DIR/badrange.out" 2>&1 || rc=$?
assert_eq "reversed range: exit code" 2 "$rc"
rc=0; lab_m "$PXECHECK" serve --iface m0 "${common[@]}" --dry-run >"$LAB_DIR/dry.out" 2>&1 || rc=$?
assert_eq "--dry-run exit code" 0 "$rc"
expect_in "--dry-run prints the effective configuration" "$LAB_DIR/dry.out" '^range = "192.168.14.10-192.168.14.20"'
expect_in "--dry-run answers the BIOS DISCOVER with pxelinux.0" "$LAB_DIR/dry.out" \
    'answer .*OFFER .*siaddr 192.168.14.200 .*file "pxelinux.0"'
expect_in "--dry-run answers the UEFI x64 DISCOVER with bootx64.efi" "$LAB_DIR/dry.out" \
    'answer .*OFFER .*file "bootx64.efi"'

# --- another DHCP server on the segment -------------------------------------------------------------
other_mac=02:00:00:14:00:0d
lab_add_host d 192.168.14.1 "$other_mac"
lab_dhcpd_start "$(lab_dhcpd_conf --range '192.168.14.100 192.168.14.120')" dhcpd "$LAB_NS_d" h0
rc=0
# --time-limit: should the probe miss the other server, serve ends (exit 0, failing the next
# assertion) instead of serving until ctest's timeout.
lab_m "$PXECHECK" serve --iface m0 "${common[@]}" --time-limit 20 --report "$LAB_DIR/refused-bundle" \
    >"$LAB_DIR/refused.out" 2>&1 || rc=$?
assert_eq "beside another DHCP server: exit code" 3 "$rc"
# Nothing was served, so there is no bundle, and the recording made for one is gone.
if [ -e "$LAB_DIR/refused-bundle/report.json" ] || [ -e "$LAB_DIR/refused-bundle/.recording.pcap" ]; then
    echo "FAIL: a refused serve left a bundle or its recording: $(ls -A "$LAB_DIR/refused-bundle")" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
else echo "ok: a refused serve leaves no bundle and no recording"; fi
expect_in "the refusal names the other server's address and MAC" "$LAB_DIR/refused.out" \
    "another DHCP server, 192.168.14.1 \(MAC $other_mac\)"
expect_in "the refusal suggests --proxy" "$LAB_DIR/refused.out" '--proxy'
if grep -qE 'offered|TFTP' "$LAB_DIR/refused.out"; then
    echo "FAIL: serve answered something before refusing" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
rc=0
lab_m "$PXECHECK" serve --iface m0 "${common[@]}" --allow-other-dhcp --time-limit 1 \
    --report "$LAB_DIR/allowed-bundle" >"$LAB_DIR/allowed.out" 2>&1 || rc=$?
assert_eq "--allow-other-dhcp: exit code" 0 "$rc"
# Stopped by --time-limit: the bundle is written, and its report names the server the probe heard.
assert_bundle "$LAB_DIR/allowed-bundle" serve
assert_json "bundle: stopped by the time limit, the other server in serve.probe" \
    "r['serve']['stopped_by']=='time-limit' and any(p['server_id']=='192.168.14.1' and p['source_mac']=='$other_mac' for p in r['serve']['probe'])" \
    "$LAB_DIR/allowed-bundle/report.json"
assert_json "bundle: the probe's DISCOVERs and the other server's OFFER open the capture" \
    "r['serve']['probe_frames'] >= 4" "$LAB_DIR/allowed-bundle/report.json"
expect_in "--allow-other-dhcp warns" "$LAB_DIR/allowed.out" 'warning: another DHCP server, 192.168.14.1.*--allow-other-dhcp'

# --- a server the probe missed ------------------------------------------------------------------
# dhcpd pings an address before offering it (ping-check, 1 s), so a 0.1 s probe cannot hear it.
# Its late OFFER to the probe's throwaway MAC must not turn up as a NIC; once a real NIC (the
# emulator on the bridge, heard by both servers) is offered an address by dhcpd as well, serve
# names that server while serving.
lab_serve_start "$PXECHECK" "$LAB_DIR/late.log" "${common[@]}" --allow-other-dhcp --probe-wait 0.1 --exit-after 1 --time-limit 60
late_mac=02:00:00:14:00:31
rc=0; lab_c "$PXECHECK" client --iface br0 --mac $late_mac --offer-wait 3 --json "$LAB_DIR/late-client.json" \
    >"$LAB_DIR/late-client.out" 2>&1 || rc=$?
lab_serve_stop
expect_in "serve names a DHCP server the probe missed when it answers a NIC" "$LAB_DIR/late.log" \
    "$late_mac +warning: another DHCP server, 192.168.14.1 \(MAC $other_mac\), offered 192.168.14.1[0-9]{2}"
if grep -q '02:50:50:' "$LAB_DIR/late.log"; then
    echo "FAIL: the probe's throwaway MAC shows up in serve's log:" >&2; grep '02:50:50:' "$LAB_DIR/late.log" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
else echo "ok: the probe's own MAC is not reported as a NIC"; fi
assert_json "the emulated NIC saw both servers' OFFERs" \
    "{o['server_id'] for o in r['sessions'][0]['dhcp']['offers']} == {'192.168.14.1', '192.168.14.200'}" \
    "$LAB_DIR/late-client.json"

# --- proxy beside it, and the confined TFTP root ------------------------------------------------
lab_serve_start "$PXECHECK" "$LAB_DIR/proxy.log" --proxy --server-ip 192.168.14.200 --tftp-root "$root" --json "$LAB_DIR/proxy.json" \
    -w "$LAB_DIR/proxy.pcap"
expect_in "--proxy reports the DHCP server it will live beside" "$LAB_DIR/proxy.log" \
    "probe: DHCP server 192.168.14.1 \(MAC $other_mac\) answered"
ip -n "$LAB_NS_C" addr add 192.168.14.99/24 dev br0
dl=$LAB_DIR/dl; mkdir -p "$dl"
refused() {  # refused WHAT NAME: tftp-hpa gets an error and no bytes for NAME
    local what=$1 name=$2 out
    rm -f "$dl/got"
    out=$(cd "$dl" && lab_c tftp -m binary 192.168.14.200 -c get "$name" got 2>&1) || true
    if grep -qE 'Error code [12]' <<<"$out" && { [ ! -e "$dl/got" ] || [ ! -s "$dl/got" ]; }; then
        echo "ok: $what: $(grep -oE 'Error code [12]: .*' <<<"$out" | head -1), no bytes"
    else
        echo "FAIL: $what: '$out', local file $(stat -c %s "$dl/got" 2>/dev/null || echo none)" >&2
        ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
    fi
}
refused "../etc/passwd" ../etc/passwd
refused "/etc/passwd" /etc/passwd
refused "a directory symlink out of the root" etc-link/passwd
refused "a file symlink out of the root" passwd-link
rc=0; lab_c curl -s --path-as-is "tftp://192.168.14.200/../etc/passwd" -o "$dl/curl.out" || rc=$?
if [ "$rc" != 0 ] && [ ! -s "$dl/curl.out" ]; then echo "ok: curl ../etc/passwd: exit $rc, no bytes"; else
    echo "FAIL: curl ../etc/passwd: exit $rc, $(stat -c %s "$dl/curl.out" 2>/dev/null || echo 0) bytes" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
# A write request is refused, and nothing appears in the root.
echo "not for the server" >"$dl/upload.txt"
out=$(cd "$dl" && lab_c tftp -m binary 192.168.14.200 -c put upload.txt 2>&1) || true
if grep -q 'Error code' <<<"$out" && [ ! -e "$root/upload.txt" ]; then echo "ok: WRQ refused ($out)"; else
    echo "FAIL: WRQ: '$out'" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
# The root still serves what is inside it.
(cd "$dl" && lab_c tftp -m binary 192.168.14.200 -c get pxelinux.0 ok.0) || true
if cmp -s "$dl/ok.0" "$root/pxelinux.0"; then echo "ok: files inside the root are served"; else
    echo "FAIL: pxelinux.0 not served" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
ip -n "$LAB_NS_C" addr del 192.168.14.99/24 dev br0
lab_serve_stop
# The one "NIC" here is tftp-hpa asking for forbidden files: its boot fails (FLOW-004, TFTP-028),
# and serve's exit code comes from the NIC verdicts.
assert_eq "proxy serve exit code after SIGTERM (the forbidden requests fail their NIC)" 1 "$SERVE_RC"
expect_in "the refused requests are reported" "$LAB_DIR/proxy.log" 'TFTP "\.\./etc/passwd" refused: ERROR 2'
assert_json "the report says proxy mode" "r['serve']['mode']=='proxy'" "$LAB_DIR/proxy.json"
assert_done
