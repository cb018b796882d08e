#!/bin/bash
# Capture d (BROKEN setup, PXE-030): isc-dhcp-server hands out filename "pxelinux.0" but has no
# next-server line, so its replies carry siaddr 0.0.0.0 and no option 66: they name a boot file
# but not where to fetch it. tftpd-hpa runs on 192.168.14.200 with the file in place (a hand
# test "tftp 192.168.14.200 -c get pxelinux.0" would pass). Client: iPXE BIOS ROM (e1000).
# Expected: DHCP completes, no TFTP request at all, serial console says "Nothing to boot".
# Usage (root): captures/make/ipxe-bios-dhcpd-no-next-server.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ipxe-bios-dhcpd-no-next-server
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
lab_dhcpd_start "$(lab_dhcpd_conf --filename pxelinux.0)"   # no --next-server
lab_tftpd_start "$root"
lab_capture_start "$out"
rc=0
lab_qemu_boot bios "$serial" 'Nothing to boot' 150 || rc=$?
sleep 2   # nothing more should come: 2 s shows that no TFTP request follows
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 25
exit $rc
