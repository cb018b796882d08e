#!/bin/bash
# Capture: an EDK2 boot whose NBP runs its own DHCP (two DHCP rounds, two stages, one machine).
# Stage 1: OVMF (EDK2's own PXE base code, architecture 7, on virtio-net without option ROM, see
# lab.sh LAB_OVMF_NIC) does DHCP against dnsmasq and downloads Debian's ipxe.efi (package ipxe,
# /usr/lib/ipxe/ipxe.efi, 850,528 bytes) from dnsmasq's TFTP server.
# Stage 2: ipxe.efi starts its own network stack, runs its own DHCP (new xid, user class "iPXE",
# option 60 with UNDI 3.10) and gets another file, boot.ipxe, an iPXE script that echoes a marker
# line and then waits at a prompt for ever, so nothing follows and the capture has a clear end.
# dnsmasq tells the stages apart the classic way: --dhcp-userclass=set:ipxe,iPXE, boot.ipxe for
# tag ipxe, ipxe.efi for everything else (EDK2 sends no user class).
# The capture ends about 1 s after the serial console shows the script's marker line.
# Usage (root): captures/make/ovmf-uefi-chainload-ipxe-efi.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dnsmasq qemu-system-x86_64 tcpdump

name=ovmf-uefi-chainload-ipxe-efi
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log
marker='pxecheck-lab: boot.ipxe loaded by the second stage'

lab_up --vm
root=$LAB_DIR/tftp
mkdir -p "$root"
cp -L /usr/lib/ipxe/ipxe.efi "$root/ipxe.efi"
cat >"$root/boot.ipxe" <<SCRIPT
#!ipxe
echo $marker
prompt pxecheck-lab: end of boot.ipxe, waiting for a key
SCRIPT
# shellcheck disable=SC2054  # commas belong to dnsmasq's option values
LAB_DNSMASQ_FULL_DEFAULTS=0 lab_dnsmasq_full "$root" dnsmasq "$LAB_NS_M" "$LAB_IF_M" \
    --dhcp-range=192.168.14.10,192.168.14.20,255.255.255.0,10m \
    --dhcp-userclass=set:ipxe,iPXE \
    --dhcp-boot=tag:ipxe,boot.ipxe \
    --dhcp-boot=tag:!ipxe,ipxe.efi
lab_capture_start "$out"
rc=0
lab_qemu_boot ovmf "$serial" "$marker" 300 || rc=$?
sleep 1   # let the last ACK of boot.ipxe reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 40
exit $rc
