#!/bin/bash
# Capture (BROKEN setup): the classic iPXE chainload loop.
# isc-dhcpd gives every client `undionly.kpxe` (Debian's ipxe package, /usr/lib/ipxe/undionly.kpxe),
# unconditionally: no `if exists user-class and option user-class = "iPXE"` test that would hand
# iPXE something else. tftpd-hpa serves the real file. Client: the iPXE BIOS option ROM of QEMU's
# e1000 (ipxe-qemu). The ROM does DHCP and downloads undionly.kpxe; undionly.kpxe starts, does its
# own DHCP (new xid), is offered undionly.kpxe again, downloads it, starts it, and so on for ever.
# The script waits until the capture holds ROUNDS complete downloads of undionly.kpxe (default 3:
# the ROM's + two by iPXE rounds), counted as the client's ACK of the last data block, then stops
# tcpdump at once (the capture ends with that ACK) and then the guest. Hard timeout TIMEOUT s.
# Usage (root): captures/make/ipxe-bios-chainload-loop.sh   [OUT_DIR=... LOG_DIR=... ROUNDS=3 TIMEOUT=300]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd in.tftpd qemu-system-x86_64 tcpdump

name=ipxe-bios-chainload-loop
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log
rounds=${ROUNDS:-3}
timeout=${TIMEOUT:-300}
client=192.168.14.10   # first address of lab_dhcpd_conf's range; a fresh lease file gives it out
master=192.168.14.200

lab_up --vm
root=$LAB_DIR/tftp
mkdir -p "$root"
cp /usr/lib/ipxe/undionly.kpxe "$root/"
size=$(stat -c %s "$root/undionly.kpxe")
# iPXE asks for blksize 1432 and tftpd-hpa grants it: blocks 1..last, the last one short
# (empty if the size is a multiple of 1432).
last_block=$((size / 1432 + 1))

lab_dhcpd_start "$(lab_dhcpd_conf --next-server $master --filename undionly.kpxe)"
lab_tftpd_start "$root"
lab_capture_start "$out"

# Complete transfers so far: the client's ACKs of the last block, read from the pcap tcpdump is
# writing (-U: every packet is in the file once tcpdump has it). A half-written last record only
# makes tcpdump -r complain; the count up to it stands.
done_transfers() {
    tcpdump -r "$out" -n "udp and src host $client and dst host $master and udp[8:2] = 4 and udp[10:2] = $last_block" \
        2>/dev/null | wc -l
}

lab_qemu_start bios "$serial"
rc=1
deadline=$((SECONDS + timeout))
t0=$SECONDS
while [ "$SECONDS" -lt "$deadline" ]; do
    n=$(done_transfers)
    if [ "$n" -ge "$rounds" ]; then
        lab_log "$n complete downloads of undionly.kpxe (ACK of block $last_block) after $((SECONDS - t0)) s"
        rc=0
        break
    fi
    if ! kill -0 "$LAB_QEMU_PID" 2>/dev/null; then
        lab_log "qemu exited after $n complete downloads"; rc=2; break
    fi
    if _lab_log_has "$serial" 'No more network devices'; then
        lab_log "the guest gave up after $n complete downloads"; rc=1; break
    fi
    sleep 0.5
done
[ "$rc" = 1 ] && [ "$SECONDS" -ge "$deadline" ] && lab_log "timeout ($timeout s): $(done_transfers) of $rounds downloads"
lab_capture_stop
lab_qemu_stop
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | grep -avE 'Press Ctrl-B|^ *$' | tail -n 60
exit $rc
