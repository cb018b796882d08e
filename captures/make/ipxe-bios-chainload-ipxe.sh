#!/bin/bash
# Capture: one machine, two DHCP rounds in two stages (iPXE chainloading iPXE).
# Stage 1: the iPXE BIOS option ROM of QEMU's e1000 (ipxe-qemu) does DHCP against isc-dhcpd and
# downloads Debian's undionly.kpxe (package ipxe, /usr/lib/ipxe/undionly.kpxe) from tftpd-hpa.
# Stage 2: undionly.kpxe (iPXE on top of the ROM's UNDI/PXE API) runs its own DHCP (new xid) and
# gets another file, boot.ipxe, an iPXE script that echoes a marker line and then waits at a
# prompt for ever, so nothing follows and the capture has a clear end.
# How dhcpd tells the stages apart: the classic `option user-class = "iPXE"` test alone does not,
# because QEMU's ROM is iPXE too (same commit as Debian's undionly.kpxe) and sends user class
# "iPXE" in the first DISCOVER already; the two stages' DISCOVERs carry identical options (60,
# 77, 93, 94, 97, 175, 55). The only difference on the wire: undionly.kpxe sets the BOOTP
# broadcast flag, the ROM does not. So inside the classic block dhcpd also tests the flags field
# (`packet (10, 2) = 80:00`); see captures/ipxe-bios-chainload-ipxe.md.
# The capture ends about 1 s after the serial console shows the script's marker line.
# Usage (root): captures/make/ipxe-bios-chainload-ipxe.sh   [OUT_DIR=... LOG_DIR=...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ipxe-bios-chainload-ipxe
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log
marker='pxecheck-lab: boot.ipxe loaded by the second stage'

lab_up --vm
root=$LAB_DIR/tftp
mkdir -p "$root"
cp /usr/lib/ipxe/undionly.kpxe "$root/"
cat >"$root/boot.ipxe" <<SCRIPT
#!ipxe
echo $marker
prompt pxecheck-lab: end of boot.ipxe, waiting for a key
SCRIPT
# The subnet block of lab_dhcpd_conf with the classic iPXE chainload test instead of one filename.
conf=$(lab_dhcpd_conf --next-server 192.168.14.200 |
    sed '/^}$/i\
  if exists user-class and option user-class = "iPXE" {\
    # QEMU'"'"'s e1000 ROM is iPXE as well and sends user class "iPXE" too; of the two only\
    # undionly.kpxe sets the BOOTP broadcast flag (flags field, offset 10).\
    if packet (10, 2) = 80:00 {\
      filename "boot.ipxe";\
    } else {\
      filename "undionly.kpxe";\
    }\
  } else {\
    filename "undionly.kpxe";\
  }')
lab_dhcpd_start "$conf"
lab_tftpd_start "$root"
lab_capture_start "$out"
rc=0
lab_qemu_boot bios "$serial" "$marker|No more network devices" 240 || rc=$?
sleep 1   # let the last ACK of boot.ipxe reach the wire
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- dhcpd.conf ---"
printf '%s\n' "$conf"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | tail -n 40
if [ "$rc" = 0 ] && ! _lab_log_has "$serial" "$marker"; then rc=1; fi   # "No more network devices"
exit $rc
