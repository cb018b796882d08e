#!/bin/bash
# Capture a: the seed's master, healthy. isc-dhcp-server (range .10-.20, next-server
# 192.168.14.200, filename "pxelinux.0") + tftpd-hpa on 192.168.14.200:69 serving pxelinux.0,
# ldlinux.c32 and pxelinux.cfg/default. Client: the iPXE BIOS option ROM of QEMU's e1000.
# The capture ends once pxelinux has read pxelinux.cfg/default (its SAY line on the serial
# console), so it shows DHCP, the pxelinux.0 download, ldlinux.c32, and pxelinux's walk of
# pxelinux.cfg names (01-<mac>, hex address 8..1 digits, default).
# Usage (root): captures/make/ipxe-bios-isc-dhcpd-tftpd-hpa.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ipxe-bios-isc-dhcpd-tftpd-hpa
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
lab_tftpd_start "$root"
lab_capture_start "$out"
rc=0
lab_qemu_boot bios "$serial" 'pxecheck-lab: pxelinux.cfg/default loaded' 150 || rc=$?
sleep 1   # let the last ACK of pxelinux.cfg/default reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 25
exit $rc
