#!/bin/bash
# Capture: a client in INIT-REBOOT asks for an address from another network; the authoritative
# server answers DHCPNAK; the client starts over with a DISCOVER and ends bound.
# Master: isc-dhcp-server on 192.168.14.200, `authoritative;`, pool 192.168.14.50-60 (lab defaults
# otherwise: ping check on, no next-server, no filename).
# Client: dhclient (isc-dhcp-client) on the client host's veth c0 (MAC 02:00:00:14:00:01), started
# with a lease file that already holds an unexpired lease of 10.9.9.9 on c0 (server id 10.9.9.1):
# a machine moved from another network before its lease ran out. dhclient starts in INIT-REBOOT:
# its first packet is a broadcast DHCPREQUEST with option 50 = 10.9.9.9, no option 54, ciaddr 0
# (RFC 2131 section 4.3.2, "INIT-REBOOT state"). dhcpd, authoritative for 192.168.14.0/24, finds
# 10.9.9.9 on the wrong network and NAKs; dhclient drops the lease and sends a DISCOVER.
# Why not busybox udhcpc, as planned: udhcpc has no INIT-REBOOT state. `udhcpc -r 10.9.9.9` only
# puts option 50 into its DISCOVER; dhcpd ignores it and offers from the pool, no NAK (checked).
# dhclient runs with -cf (a config of our own: Debian's /etc/dhcp/dhclient.conf sends this
# machine's host name) and -sf (a script that only logs its events: Debian's dhclient-script
# would configure c0 and rewrite /etc/resolv.conf, which the namespaces share with the host).
# Capture on the server side: m0 in the master namespace (no bridge, no QEMU: lab_up without --vm).
# The capture ends about 1 s after dhclient runs its script for BOUND.
# Usage (root): captures/make/dhclient-init-reboot-nak.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd dhclient tcpdump

name=dhclient-init-reboot-nak
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"

# shellcheck disable=SC2119  # lab_up's only option is --vm, not the script's arguments
lab_up   # master m0 <-> client c0, one veth pair
lab_dhcpd_start "$(lab_dhcpd_conf --range '192.168.14.50 192.168.14.60')"

cat >"$LAB_DIR/dhclient.conf" <<'CONF'
# dhclient.conf for the lab: nothing of the host's (no send host-name), default request list.
CONF
cat >"$LAB_DIR/dhclient.script" <<'SCRIPT'
#!/bin/sh
# dhclient event hook for the lab: log the event, change nothing on the host.
echo "dhclient.script: $reason new_ip=${new_ip_address:-} old_ip=${old_ip_address:-} server=${new_dhcp_server_identifier:-}"
exit 0
SCRIPT
chmod 755 "$LAB_DIR/dhclient.script"
# The lease the client brings from elsewhere: 10.9.9.9 from 10.9.9.1, expiring in a day.
when=$(date -u -d '+1 day' '+%w %Y/%m/%d %H:%M:%S')
cat >"$LAB_DIR/dhclient.leases" <<LEASE
lease {
  interface "$LAB_IF_C";
  fixed-address 10.9.9.9;
  option subnet-mask 255.255.255.0;
  option routers 10.9.9.1;
  option dhcp-lease-time 86400;
  option dhcp-message-type 5;
  option dhcp-server-identifier 10.9.9.1;
  renew $when;
  rebind $when;
  expire $when;
}
LEASE
cp "$LAB_DIR/dhclient.leases" "$LAB_DIR/dhclient.leases.before"

lab_capture_start "$out" 'udp or arp' "$LAB_IF_M" "$LAB_NS_M"
sleep 2   # a DISCOVER within ~1 s of dhcpd's "Server starting service" went unanswered (README)
clog=$LAB_DIR/dhclient.log
ip netns exec "$LAB_NS_C" dhclient -4 -d -v -cf "$LAB_DIR/dhclient.conf" \
    -lf "$LAB_DIR/dhclient.leases" -pf "$LAB_DIR/dhclient.pid" -sf "$LAB_DIR/dhclient.script" \
    "$LAB_IF_C" >"$clog" 2>&1 &
cpid=$!
LAB_PIDS+=("$cpid")
rc=0
lab_wait_log "$clog" '^dhclient.script: BOUND' 60 "$cpid" || rc=$?
sleep 1   # anything dhclient or the master send right after the lease
lab_capture_stop
lab_stop_pid "$cpid"   # SIGTERM: dhclient exits without a RELEASE (no -r)
lab_save_logs "$logdir" "$name"
cp "$LAB_DIR/dhclient.leases.before" "$logdir/$name.dhclient.leases.before"
echo "--- lease file given to dhclient ---"
cat "$LAB_DIR/dhclient.leases.before"
echo "--- dhclient ---"
cat "$clog"
echo "--- dhcpd ---"
grep -E '^DHCP|wrong|NAK' "$LAB_DIR/dhcpd.log" || true
exit $rc
