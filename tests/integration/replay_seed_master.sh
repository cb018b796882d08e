#!/usr/bin/env bash
# pxecheck replay against the seed's master (isc-dhcp-server + tftpd-hpa):
# the bundled capture of iPXE booting from that master, replayed live with the
# NIC rebuilt from the capture's own DISCOVER and RRQ, shows no difference
# (exit 0); the same capture against a changed configuration names the change
# (exit 1): a different boot file that exists, then no next-server. Each run writes its
# evidence bundle (--report), which `pxecheck report verify` accepts and whose report.json and
# capture carry the comparison.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
. "$SRC/tests/integration/lib/report.sh"
lab_require_root dhcpd in.tftpd
lab_up

cap=$SRC/captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap
mac=52:54:00:12:34:56   # the captured client (--mac keep)
root=$LAB_DIR/tftp; mkdir -p "$root"
cp /usr/lib/PXELINUX/pxelinux.0 "$root/"
# other.0: a boot file of another size and content.
head -c 30000 /usr/lib/PXELINUX/pxelinux.0 >"$root/other.0"
lab_tftpd_start "$root"

# replay NAME [ARGS...]: runs in the client namespace; output in $LAB_DIR/NAME.txt,
# report in $LAB_DIR/NAME.json, frames in $LAB_DIR/NAME.pcap, bundle in $LAB_DIR/NAME.bundle;
# sets rc.
replay() {
    local name=$1; shift
    rc=0
    lab_c "$PXECHECK" replay "$cap" --iface c0 --time-limit 60 --json "$LAB_DIR/$name.json" \
        -w "$LAB_DIR/$name.pcap" --report "$LAB_DIR/$name.bundle" "$@" \
        >"$LAB_DIR/$name.txt" 2>&1 || rc=$?
    sed "s/^/  [$name] /" "$LAB_DIR/$name.txt"
}
# row NAME STEP FIELD KEY: one value of a comparison row
row() {
    json_get "$LAB_DIR/$1.json" "[c['$4'] for c in r['replay']['comparisons'] if c['step']=='$2' and c['field']=='$3'][0]"
}

# --- 1. the master as in the capture: no difference ---------------------------------------
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)" dhcpd
replay same
assert_eq "exit code (same master)" 0 "$rc"
assert_eq "differences" 0 "$(json_get "$LAB_DIR/same.json" 'r["replay"]["differences"]')"
assert_eq "schema" pxecheck.report/2 "$(json_get "$LAB_DIR/same.json" 'r["schema"]')"
assert_eq "command" replay "$(json_get "$LAB_DIR/same.json" 'r["command"]')"
assert_eq "source capture" "$cap" "$(json_get "$LAB_DIR/same.json" 'r["replay"]["source_capture"]')"
assert_eq "source sha256" "$(sha256sum "$cap" | cut -d' ' -f1)" \
    "$(json_get "$LAB_DIR/same.json" 'r["replay"]["source_sha256"]')"
assert_eq "session" "$mac" "$(json_get "$LAB_DIR/same.json" 'r["replay"]["session"]')"
assert_eq "live MAC (keep)" "$mac" "$(json_get "$LAB_DIR/same.json" 'r["replay"]["mac"]')"
assert_json "every row the same" "all(c['same'] for c in r['replay']['comparisons'])" "$LAB_DIR/same.json"
assert_json "offers, ack, boot and tftp compared" \
    "{'offers','ack','boot','tftp'} <= {c['step'] for c in r['replay']['comparisons']}" "$LAB_DIR/same.json"
assert_eq "boot file now" '"pxelinux.0"' "$(row same boot file now)"
assert_eq "sha256 compared with the capture's" "$(sha256sum /usr/lib/PXELINUX/pxelinux.0 | cut -d' ' -f1)" \
    "$(row same tftp sha256 now)"
assert_eq "blksize negotiated as captured" 1432 "$(row same tftp blksize now)"
assert_eq "tsize as captured" 42430 "$(row same tftp tsize now)"
assert_json "live session downloaded" \
    "any(s['client_mac']=='$mac' and s['phase']=='downloaded' for s in r['sessions'])" "$LAB_DIR/same.json"
assert_no_fail "$LAB_DIR/same.json"
# The report (with its replay object) is valid against the published schema.
assert_report_schema "$LAB_DIR/same.json"
# The bundle: the live run's evidence, the --json report plus `evidence`, the -w capture.
assert_bundle "$LAB_DIR/same.bundle" replay
assert_json "bundle report.json is the --json report plus evidence" \
    "{k: v for k, v in r.items() if k != 'evidence'} == json.load(open('$LAB_DIR/same.json'))" \
    "$LAB_DIR/same.bundle/report.json"
assert_eq "bundle capture = the -w capture" "$(tshark -r "$LAB_DIR/same.pcap" -T fields -e frame.len | md5sum)" \
    "$(tshark -r "$LAB_DIR/same.bundle/capture.pcapng" -T fields -e frame.len | md5sum)"
# capture_comment SUBDIR: the section comment of the bundle's capture.
capture_comment() { capinfos -k "$LAB_DIR/$1/capture.pcapng" 2>/dev/null | tr '\n' ' '; }
case $(capture_comment same.bundle) in *"answers as in the capture"*) echo "ok: capture comment: no difference" ;;
    *) echo "FAIL: capture comment: $(capture_comment same.bundle)" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac
if grep -q "no difference" "$LAB_DIR/same.txt"; then echo "ok: text says no difference"
else echo "FAIL: text does not say no difference" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
# The live DISCOVER is the captured one (options, order, values) with a fresh xid: the first
# DISCOVER of the capture beside the first of the pcap the live run wrote (-w).
first_discover() { "$PXECHECK" decode "$1" | awk '/DHCP DISCOVER/ && !n {print; n = 1}'; }
cap_d=$(first_discover "$cap"); live_d=$(first_discover "$LAB_DIR/same.pcap")
assert_eq "live DISCOVER options as captured" "${cap_d#*[}" "${live_d#*[}"
cap_x=$(grep -o 'xid 0x[0-9a-f]*' <<<"$cap_d"); live_x=$(grep -o 'xid 0x[0-9a-f]*' <<<"$live_d")
if [ -n "$live_x" ] && [ "$cap_x" != "$live_x" ]; then echo "ok: fresh xid ($cap_x -> $live_x)"
else echo "FAIL: xid not fresh: '$cap_x' '$live_x'" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi

# --- 2. another boot file (present): the difference is shown, exit 1 ------------------------
lab_stop_pid "$LAB_PID_dhcpd"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename other.0)" dhcpd2
replay other
assert_eq "exit code (other boot file)" 1 "$rc"
assert_json "differences counted" "r['replay']['differences'] > 0" "$LAB_DIR/other.json"
assert_eq "ack file: capture" '"pxelinux.0"' "$(row other ack file capture)"
assert_eq "ack file: now" '"other.0"' "$(row other ack file now)"
assert_eq "ack file differs" false "$(row other ack file same)"
assert_eq "boot file differs" false "$(row other boot file same)"
assert_eq "size now" 30000 "$(row other tftp size now)"
assert_eq "sha256 differs" false "$(row other tftp sha256 same)"
assert_eq "siaddr unchanged" true "$(row other ack siaddr same)"
assert_no_fail "$LAB_DIR/other.json"   # the live run itself passes: exit 1 is the difference
assert_bundle "$LAB_DIR/other.bundle" replay
assert_json "bundle report.json has the differences" "r['replay']['differences'] > 0" "$LAB_DIR/other.bundle/report.json"
case $(capture_comment other.bundle) in *"DIFFERENT"*"ack file: capture \"pxelinux.0\", now \"other.0\""*)
        echo "ok: capture comment names the differing ack file" ;;
    *) echo "FAIL: capture comment: $(capture_comment other.bundle)" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac
if grep -E '^ +ack +file .*"other.0" +DIFFERENT' "$LAB_DIR/other.txt" >/dev/null; then
    echo "ok: text shows the ack file row as DIFFERENT"
else
    echo "FAIL: no DIFFERENT ack file row in the text" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi

# --- 3. next-server removed: siaddr 0, no TFTP server; exit 1 -------------------------------
lab_stop_pid "$LAB_PID_dhcpd2"
lab_dhcpd_start "$(lab_dhcpd_conf --filename pxelinux.0)" dhcpd3
replay nonext --mac rewrite
assert_eq "exit code (no next-server)" 1 "$rc"
assert_eq "live MAC (rewrite)" 02:50:58:12:34:56 "$(json_get "$LAB_DIR/nonext.json" 'r["replay"]["mac"]')"
assert_eq "ack siaddr: capture" 192.168.14.200 "$(row nonext ack siaddr capture)"
assert_eq "ack siaddr: now" 0.0.0.0 "$(row nonext ack siaddr now)"
assert_eq "boot server now" none "$(row nonext 'boot' server now)"
assert_eq "tftp now" none "$(row nonext tftp status now)"
assert_finding "$LAB_DIR/nonext.json" PXE-030 config
assert_bundle "$LAB_DIR/nonext.bundle" replay

assert_done
