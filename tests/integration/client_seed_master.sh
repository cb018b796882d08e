#!/usr/bin/env bash
# The seed's master (isc-dhcp-server with next-server + tftpd-hpa serving
# Debian's pxelinux.0) checked by the emulated NIC: the boot passes, the file
# pxecheck reports is byte for byte Debian's pxelinux.0, the lease is released,
# and the pcap it writes is read by tshark without complaint.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root
lab_up

root=$LAB_DIR/tftp; mkdir -p "$root"
cp /usr/lib/PXELINUX/pxelinux.0 "$root/"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
lab_tftpd_start "$root"

mac=02:50:58:00:00:01
rc=0
lab_c "$PXECHECK" --iface c0 --mac $mac --offer-wait 1 --json "$LAB_DIR/r.json" -w "$LAB_DIR/run.pcap" \
    --expect-file /usr/lib/PXELINUX/pxelinux.0 || rc=$?
cat "$LAB_DIR/r.json" > /dev/null
assert_eq "exit code" 0 "$rc"
assert_eq "verdict" pass "$(json_get "$LAB_DIR/r.json" 'r["verdict"]')"
assert_eq "sha256 of the downloaded file" "$(sha256sum /usr/lib/PXELINUX/pxelinux.0 | cut -d' ' -f1)" \
    "$(json_get "$LAB_DIR/r.json" 'r["client"]["file"]["sha256"]')"
assert_eq "file size" "$(stat -c %s /usr/lib/PXELINUX/pxelinux.0)" "$(json_get "$LAB_DIR/r.json" 'r["client"]["file"]["bytes"]')"
assert_eq "lease released" true "$(json_get "$LAB_DIR/r.json" 'r["client"]["released"]')"
assert_json "session of our MAC reached downloaded" \
    "any(s['client_mac']=='$mac' and s['phase']=='downloaded' for s in r['sessions'])" "$LAB_DIR/r.json"
# dhcpd writes the release into its lease file: the binding is free again.
leases=$LAB_DIR/dhcpd.leases
[ -f "$leases" ] || leases=$(ls "$LAB_DIR"/*.leases | head -1)
if awk -v m="$mac" '/^lease/{l=$0} /hardware ethernet/{if (index($0,m)) found=l} /binding state free/{if (found) free=1} END{exit !free}' "$leases"; then
    echo "ok: dhcpd shows the lease free"
else
    echo "FAIL: dhcpd's lease file does not show the release" >&2; cat "$leases" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi
assert_tshark_clean "$LAB_DIR/run.pcap"
# The written capture goes through our own analyzer with the same verdict.
"$PXECHECK" analyze -q --json "$LAB_DIR/a.json" "$LAB_DIR/run.pcap" || true
assert_json "analyze of the written pcap shows the download" \
    "any(t['file']=='pxelinux.0' and t['complete'] for s in r['sessions'] for t in s['tftp'])" "$LAB_DIR/a.json"
assert_done
