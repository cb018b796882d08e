#!/bin/bash
# Capture c: split master, healthy. isc-dhcp-server hands out addresses only (range .10-.20,
# no next-server, no filename); dnsmasq on the same host (192.168.14.200) runs as proxyDHCP
# with a PXE menu (x86PC -> pxelinux.0, X86-64_EFI -> bootx64.efi), a 1 s prompt, boot server
# discovery on UDP 4011 and its own TFTP server (root: pxelinux.0, ldlinux.c32,
# pxelinux.cfg/default). Client: iPXE BIOS ROM (e1000).
# Expected: two OFFERs (dhcpd: address; dnsmasq: yiaddr 0 + PXEClient + option 43 menu),
# DHCP REQUEST/ACK with dhcpd, then a boot-server REQUEST to 192.168.14.200:4011 (43.71 type
# 0x8000) answered from 4011 with pxelinux.0, then the TFTP download from dnsmasq.
# The capture ends once pxelinux has read pxelinux.cfg/default (its SAY line on the console).
# Usage (root): captures/make/ipxe-bios-dnsmasq-proxy.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd dnsmasq qemu-system-x86_64 tcpdump

name=ipxe-bios-dnsmasq-proxy
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log

lab_up --vm
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
lab_dhcpd_start "$(lab_dhcpd_conf)"          # addresses only: no next-server, no filename
lab_dnsmasq_proxy "$root"
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
