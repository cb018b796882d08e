#!/bin/bash
# Capture b: dnsmasq as a complete PXE master (lab.md recipe), healthy. Full DHCP (range
# .10-.20) with per-architecture boot files: option 93 = 7 (x64 UEFI) gets "bootx64.efi",
# everything else "pxelinux.0"; dnsmasq's own TFTP serves them. bootx64.efi is syslinux.efi
# (efi64) from syslinux-efi, 171,456 bytes, the smallest x64 EFI program Debian ships here.
# The root also holds ldlinux.e64 and pxelinux.cfg/default, so syslinux.efi can finish.
# Client: OVMF (EDK2 UEFI firmware; its PXE base code is EDK2's own, architecture 7) on a
# virtio-net NIC driven by OVMF's VirtioNetDxe (no iPXE involved; see lab.sh, LAB_OVMF_NIC).
# The capture ends once syslinux.efi has read pxelinux.cfg/default (its SAY line).
# Usage (root): captures/make/ovmf-uefi-dnsmasq.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dnsmasq qemu-system-x86_64 tcpdump

name=ovmf-uefi-dnsmasq
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_efi "$root"
lab_dnsmasq_full "$root"
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
