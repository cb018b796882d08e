#!/usr/bin/env bash
# pxecheck replay through the other two paths a PXE boot takes, against the
# dnsmasq masters the bundled captures were made with:
# - iPXE beside a proxyDHCP with a menu (dhcpd for addresses, dnsmasq proxy):
#   proxy offer, boot server discovery on UDP 4011, TFTP; no difference.
# - EDK2 (OVMF) against dnsmasq as full master, picked with --session out of a
#   capture that holds two clients: the TFTP size query then the download, as
#   the firmware did; no difference. Without --session that capture is refused
#   (exit 2).
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root dhcpd dnsmasq mergecap
lab_up

root=$LAB_DIR/tftp
lab_tftp_root_efi "$root"

# replay NAME CAPTURE [ARGS...]: output in $LAB_DIR/NAME.txt, report in $LAB_DIR/NAME.json,
# frames in $LAB_DIR/NAME.pcap; sets rc.
replay() {
    local name=$1 cap=$2; shift 2
    rc=0
    lab_c "$PXECHECK" replay "$cap" --iface c0 --time-limit 60 --json "$LAB_DIR/$name.json" \
        -w "$LAB_DIR/$name.pcap" "$@" >"$LAB_DIR/$name.txt" 2>&1 || rc=$?
    sed "s/^/  [$name] /" "$LAB_DIR/$name.txt"
}
row() {
    json_get "$LAB_DIR/$1.json" "[c['$4'] for c in r['replay']['comparisons'] if c['step']=='$2' and c['field']=='$3'][0]"
}

# --- proxyDHCP with a menu, boot server on 4011 -------------------------------------------
lab_dhcpd_start "$(lab_dhcpd_conf)" dhcpd
lab_dnsmasq_proxy "$root"
replay proxy "$SRC/captures/ipxe-bios-dnsmasq-proxy.pcap"
assert_eq "exit code (proxy)" 0 "$rc"
assert_eq "differences (proxy)" 0 "$(json_get "$LAB_DIR/proxy.json" 'r["replay"]["differences"]')"
assert_eq "base profile" ipxe "$(json_get "$LAB_DIR/proxy.json" 'r["replay"]["base_profile"]')"
assert_eq "proxy offer with a menu now" yes "$(row proxy proxy menu now)"
assert_eq "4011 answered now by" 192.168.14.200 "$(row proxy 4011 server now)"
assert_eq "boot information from" bootserver-4011 "$(row proxy boot source now)"
assert_eq "boot file now" '"pxelinux.0"' "$(row proxy boot file now)"
assert_eq "sha256 as captured" true "$(row proxy tftp sha256 same)"
assert_json "a boot server REQUEST went to 4011 live" \
    "any(s['dhcp']['bootserver_4011'] for s in r['sessions'])" "$LAB_DIR/proxy.json"
lab_stop_pid "$LAB_PID_dhcpd"
lab_stop_pid "$LAB_PID_dnsmasq_proxy"

# --- two clients in one capture; EDK2 against dnsmasq as full master ---------------------
two=$LAB_DIR/two.pcap
mergecap -w "$two" "$SRC/captures/ipxe-bios-isc-dhcpd-tftpd-hpa.pcap" "$SRC/captures/ovmf-uefi-dnsmasq.pcap"
rc=0
"$PXECHECK" replay "$two" --iface c0 >"$LAB_DIR/two.txt" 2>&1 || rc=$?
assert_eq "two clients and no --session: bad input" 2 "$rc"
if grep -q -- "--session" "$LAB_DIR/two.txt"; then echo "ok: the message points at --session"
else echo "FAIL: no --session hint: $(cat "$LAB_DIR/two.txt")" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi

lab_dnsmasq_full "$root"
replay uefi "$two" --session 52:54:00:ab:cd:01
assert_eq "exit code (uefi)" 0 "$rc"
assert_eq "differences (uefi)" 0 "$(json_get "$LAB_DIR/uefi.json" 'r["replay"]["differences"]')"
assert_eq "session" 52:54:00:ab:cd:01 "$(json_get "$LAB_DIR/uefi.json" 'r["replay"]["session"]')"
assert_eq "base profile" uefi-x64 "$(json_get "$LAB_DIR/uefi.json" 'r["replay"]["base_profile"]')"
assert_eq "boot file now" '"bootx64.efi"' "$(row uefi boot file now)"
assert_eq "blksize as captured" 1468 "$(row uefi tftp blksize now)"
# As the firmware: RRQ tsize=0 blksize=1468 windowsize=4 ended by the client at the OACK,
# then the download RRQ blksize=1468 windowsize=4 from the next port.
"$PXECHECK" decode "$LAB_DIR/uefi.pcap" | grep 'RRQ "bootx64.efi"' | sed 's/.*RRQ/RRQ/' >"$LAB_DIR/rrq.txt"
assert_eq "live RRQs as captured" \
    "$(printf '%s\n' 'RRQ "bootx64.efi" octet tsize=0 blksize=1468 windowsize=4' 'RRQ "bootx64.efi" octet blksize=1468 windowsize=4')" \
    "$(cat "$LAB_DIR/rrq.txt")"

assert_done
