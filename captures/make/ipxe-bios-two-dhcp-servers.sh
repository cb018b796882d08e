#!/bin/bash
# Capture e (BROKEN setup): two DHCP servers on one wire, both answering the same DISCOVER.
#  - the seed's master on 192.168.14.200: isc-dhcp-server (range .10-.20, next-server .200,
#    filename "pxelinux.0") + tftpd-hpa (pxelinux.0, ldlinux.c32, pxelinux.cfg/default);
#  - a second host, 192.168.14.201 (own namespace, own MAC 02:00:00:14:00:c9), running dnsmasq
#    in full DHCP mode with another range (.30-.40) and another boot file, "other.0", served by
#    its own TFTP (other.0 is a copy of pxelinux.0, with ldlinux.c32 and a
#    pxelinux.cfg/default whose SAY line names the second server).
# The second server runs with --no-ping so that its OFFERs come at once: with dnsmasq's default
# ping check (~3 s) they race iPXE's ~3 s discovery window and may arrive after the REQUEST
# (seen in test runs: once the rogue won, once its OFFERs came after the REQUEST to dhcpd).
# Client: iPXE BIOS ROM (e1000). iPXE keeps the LAST offer of equal priority (option 175.1)
# that arrives before it leaves discovery, so which server wins depends on timing; the REQUEST's
# option 54 and the serial console ("Next server", "Filename") tell which one won.
# Usage (root): captures/make/ipxe-bios-two-dhcp-servers.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd dnsmasq qemu-system-x86_64 tcpdump

name=ipxe-bios-two-dhcp-servers
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
lab_tftpd_start "$root"

# The second server: its own host on the client-side bridge.
lab_add_host two 192.168.14.201 02:00:00:14:00:c9
root2=$LAB_DIR/tftp2
lab_tftp_root_bios "$root2"
mv "$root2/pxelinux.0" "$root2/other.0"
sed -i 's/^SAY .*/SAY pxecheck-lab: config from the second server (192.168.14.201)/' \
    "$root2/pxelinux.cfg/default"
# shellcheck disable=SC2154  # LAB_NS_two is set by lab_add_host
LAB_DNSMASQ_FULL_DEFAULTS=0 lab_dnsmasq_full "$root2" dnsmasq-two "$LAB_NS_two" h0 \
    --dhcp-range=192.168.14.30,192.168.14.40,255.255.255.0,10m \
    --dhcp-boot=other.0 --no-ping

lab_capture_start "$out"
rc=0
lab_qemu_boot bios "$serial" 'pxecheck-lab: .*(loaded|second server)|No more network devices' 150 || rc=$?
sleep 1   # let the last ACK reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 25
exit $rc
