#!/bin/bash
# Capture: a DHCPDECLINE after the ACK, then a second DHCP round of the same client.
# Master: isc-dhcp-server on 192.168.14.200 with a two-address pool, 192.168.14.50-51, and
# `ping-check false`, so it offers .50 although .50 is in use (with its default ping check dhcpd
# would have found that out itself and never offered it).
# A third host, "holder" (own namespace, MAC 02:00:00:14:00:32), has 192.168.14.50 configured
# statically and answers ARP for it.
# Client: busybox udhcpc on its own host ("dhcpcli", MAC 02:00:00:14:00:63), run with -a: after
# the ACK it ARP-probes the address; the holder answers, so udhcpc sends DHCPDECLINE, waits the
# -A pause (default 20 s), and starts again with a DISCOVER (new xid). dhcpd has marked .50
# abandoned after the DECLINE and offers .51, which nobody holds: the second round ends bound.
# No -V: udhcpc sends its default vendor class "udhcp 1.35.0" (a plain DHCP client, not PXE).
# udhcpc runs with -s pointing at a script that only logs its events: Debian's default script
# would rewrite /etc/resolv.conf, which is shared with the host (no /etc/netns for our names).
# The capture ends about 1 s after udhcpc runs its script for "bound" (second round).
# Usage (root): captures/make/udhcpc-decline-address-in-use.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd busybox tcpdump

name=udhcpc-decline-address-in-use
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"

lab_up --vm   # for the client-side bridge br0; no QEMU guest here (tap0 stays unused)
lab_add_host holder 192.168.14.50 02:00:00:14:00:32
# The DHCP client's host: lab_add_host needs an address; take it away again before udhcpc runs.
lab_add_host dhcpcli 192.168.14.99 02:00:00:14:00:63
# shellcheck disable=SC2154  # LAB_NS_dhcpcli is set by lab_add_host
ip -n "$LAB_NS_dhcpcli" addr flush dev h0
lab_dhcpd_start "$(lab_dhcpd_conf --range '192.168.14.50 192.168.14.51' --extra 'ping-check false;')"

cat >"$LAB_DIR/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# udhcpc event hook for the lab: log the event, change nothing on the host.
echo "udhcpc.script: $1 ip=${ip:-} mask=${mask:-} serverid=${serverid:-}"
SCRIPT
chmod 755 "$LAB_DIR/udhcpc.script"

lab_capture_start "$out"
sleep 2   # see the note: started at once, udhcpc's first DISCOVER went unanswered (3 s lost)
ulog=$LAB_DIR/udhcpc.log
ip netns exec "$LAB_NS_dhcpcli" busybox udhcpc -f -i h0 -a -s "$LAB_DIR/udhcpc.script" \
    >"$ulog" 2>&1 &
upid=$!
LAB_PIDS+=("$upid")
rc=0
# Not "lease of ... obtained": udhcpc prints that before its ARP check, also for the lease it
# then declines. The script's "bound" event comes only after the check has passed.
lab_wait_log "$ulog" '^udhcpc.script: bound' 90 "$upid" || rc=$?
sleep 1   # anything udhcpc or the master send right after the lease
lab_capture_stop
lab_stop_pid "$upid"   # SIGTERM: udhcpc exits without a RELEASE (no -R)
lab_save_logs "$logdir" "$name"
echo "--- udhcpc ---"
cat "$ulog"
echo "--- dhcpd ---"
grep -E '^DHCP|abandon|declin' "$LAB_DIR/dhcpd.log" || true
exit $rc
