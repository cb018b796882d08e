#!/bin/bash
# Capture f: the seed's master with a per-architecture file name, healthy. isc-dhcp-server
# (range .10-.20, next-server 192.168.14.200) with
#     option arch code 93 = unsigned integer 16;
#     if option arch = 00:07 { filename "bootx64.efi"; } else { filename "pxelinux.0"; }
# + tftpd-hpa on 192.168.14.200:69 serving bootx64.efi (= syslinux.efi efi64, 171,456 bytes),
# ldlinux.e64, pxelinux.cfg/default (and the BIOS files).
# Client: OVMF (EDK2's own PXE base code, architecture 7) on virtio-net (OVMF's VirtioNetDxe).
# The capture ends once syslinux.efi has read pxelinux.cfg/default (its SAY line).
# Usage (root): captures/make/ovmf-uefi-isc-dhcpd-tftpd-hpa.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ovmf-uefi-isc-dhcpd-tftpd-hpa
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_efi "$root"
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --extra '
option arch code 93 = unsigned integer 16;
if option arch = 00:07 { filename "bootx64.efi"; } else { filename "pxelinux.0"; }')"
lab_tftpd_start "$root"
lab_capture_start "$out"
rc=0
lab_qemu_boot ovmf "$serial" 'pxecheck-lab: pxelinux.cfg/default loaded' 150 || rc=$?
sleep 1   # let the last ACK of pxelinux.cfg/default reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 25
exit $rc
