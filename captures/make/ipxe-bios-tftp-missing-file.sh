#!/bin/bash
# Capture g (BROKEN setup): isc-dhcp-server with next-server 192.168.14.200 and filename
# "bios/pxelinux.0", a path the TFTP root does not have (tftpd-hpa serves pxelinux.0 at the top
# of its root: the classic wrong-path mistake). Client: iPXE BIOS ROM (e1000).
# Expected: DHCP completes, the RRQ for bios/pxelinux.0 gets TFTP ERROR 1 (file not found),
# and iPXE gives up ("No such file or directory", then "No more network devices").
# Usage (root): captures/make/ipxe-bios-tftp-missing-file.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ipxe-bios-tftp-missing-file
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename bios/pxelinux.0)"
lab_tftpd_start "$root"
lab_capture_start "$out"
rc=0
lab_qemu_boot bios "$serial" 'No more network devices' 150 || rc=$?
sleep 1   # let any retry reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 25
exit $rc
