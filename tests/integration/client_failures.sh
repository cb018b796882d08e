#!/usr/bin/env bash
# Broken masters and networks, each judged by the emulated NIC with the
# finding and blame a network engineer would expect:
#   no DHCP server at all            -> FLOW-002, network
#   the boot file missing on TFTP    -> TFTP error 1, config
#   a reply naming a file, no server -> PXE-030, config
#   two DHCP servers on the segment  -> FLOW-001, network
#   TFTP server silent mid-transfer  -> FLOW-004, master
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root
lab_up --vm

root=$LAB_DIR/tftp; mkdir -p "$root"
cp /usr/lib/PXELINUX/pxelinux.0 "$root/"
nic() {  # nic NAME [extra args]: run the emulated NIC, keep its exit code in $rc
    local name=$1; shift
    rc=0
    lab_c "$PXECHECK" client --iface br0 --offer-wait "${OFFER_WAIT:-1}" --json "$LAB_DIR/$name.json" "$@" || rc=$?
}

# 1. Nobody answers DHCP.
nic none --time-limit 10
assert_eq "no server: exit code" 1 "$rc"
assert_finding "$LAB_DIR/none.json" FLOW-002 network

# 2. The file named by DHCP is not on the TFTP server.
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename missing.0)"
dhcpd_pid=${LAB_PIDS[-1]}
lab_tftpd_start "$root"
tftpd_pid=${LAB_PIDS[-1]}
nic missing
assert_eq "missing file: exit code" 1 "$rc"
assert_json "TFTP error 1 recorded" \
    "any(t['error'] and t['error']['code']==1 for s in r['sessions'] for t in s['tftp'])" "$LAB_DIR/missing.json"
assert_json "a failed finding blamed on the configuration" \
    "any(f['severity']=='fail' and f['blame']=='config' for f in r['findings'])" "$LAB_DIR/missing.json"
lab_stop_pid "$dhcpd_pid"

# 3. The reply names pxelinux.0 but no server (no next-server: siaddr 0, no 66).
lab_dhcpd_start "$(lab_dhcpd_conf --filename pxelinux.0)"
dhcpd_pid=${LAB_PIDS[-1]}
nic noserver --time-limit 20
assert_eq "no server address: exit code" 1 "$rc"
assert_finding "$LAB_DIR/noserver.json" PXE-030 config

# 4. A second DHCP server on the segment with another boot file.
lab_stop_pid "$dhcpd_pid"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
dhcpd_pid=${LAB_PIDS[-1]}
lab_add_host two 192.168.14.201 02:00:00:14:00:c9
root2=$LAB_DIR/tftp2; mkdir -p "$root2"; cp /usr/lib/PXELINUX/pxelinux.0 "$root2/other.0"
LAB_DNSMASQ_FULL_DEFAULTS=0 lab_dnsmasq_full "$root2" dnsmasq-two "$LAB_NS_two" h0 \
    --dhcp-range=192.168.14.30,192.168.14.40,255.255.255.0,10m --dhcp-boot=other.0 --no-ping
two_pid=${LAB_PIDS[-1]}
OFFER_WAIT=3 nic two
assert_finding "$LAB_DIR/two.json" FLOW-001 network
assert_json "both servers' offers are listed" \
    "any(len({o['server_id'] for o in s['dhcp']['offers']})>=2 for s in r['sessions'])" "$LAB_DIR/two.json"
lab_stop_pid "$two_pid"

# 5. The TFTP server stops answering after block 3.
lab_stop_pid "$tftpd_pid"
dd if=/dev/urandom of="$root/big.0" bs=1k count=64 status=none
lab_m python3 "$SRC/tests/integration/tools/tftp_stall.py" --addr 192.168.14.200 --file "$root/big.0" \
    --stop-after 3 --linger 60 > "$LAB_DIR/stall.log" 2>&1 &
stall=$!
LAB_PIDS+=("$stall")
lab_wait_log "$LAB_DIR/stall.log" listening 10 "$stall"
lab_stop_pid "$dhcpd_pid"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename big.0)"
nic stall --profile ipxe --time-limit 60
assert_eq "stalled TFTP: exit code" 1 "$rc"
assert_finding "$LAB_DIR/stall.json" FLOW-004 master
assert_done
