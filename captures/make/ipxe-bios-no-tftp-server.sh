#!/bin/bash
# Capture (BROKEN setup): the TFTP server is not running. isc-dhcp-server on 192.168.14.200 hands
# out next-server 192.168.14.200 and filename "pxelinux.0", but no TFTP server runs there: tftpd-hpa
# is not started, and the script checks that nothing listens on UDP 69 in the master namespace.
# Client: the iPXE BIOS option ROM of QEMU's e1000 (as in the other iPXE captures).
# Expected: DHCP completes; every RRQ for pxelinux.0 is answered by the master's kernel with ICMP
# destination unreachable, port unreachable (type 3 code 3), which quotes the RRQ's IP and UDP
# headers; iPXE (which ignores ICMP errors) resends its RRQ until its retry timer gives up, then
# prints an error and "No more network devices".
# The capture filter adds ICMP to the other captures' 'udp or arp' (only ICMP echo is left out:
# dhcpd's ping check before an OFFER, which the other captures do not show either).
# The script waits for the serial console's "No more network devices" (iPXE has given up), or for
# MAX_RRQ RRQs in the capture (a bound in case the ROM never gives up), or TIMEOUT seconds; it
# counts RRQs and ICMP port-unreachables in the pcap as it goes and logs each new one.
# The kernel rate-limits ICMP (net.ipv4.icmp_ratelimit, per namespace): the value in the master
# namespace is logged, and the script reports whether every RRQ got its ICMP.
# Usage (root): captures/make/ipxe-bios-no-tftp-server.sh   [OUT_DIR=... LOG_DIR=... MAX_RRQ=20 TIMEOUT=180]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/integration/lib/lab.sh"
lab_require_root dhcpd qemu-system-x86_64 tcpdump ss

name=ipxe-bios-no-tftp-server
out=${OUT_DIR:-$repo/captures}/$name.pcap
logdir=${LOG_DIR:-/tmp/pxecheck-captures}
mkdir -p "$logdir"
serial=$logdir/$name.serial.log
max_rrq=${MAX_RRQ:-20}
timeout=${TIMEOUT:-180}
master=192.168.14.200
filter='udp or arp or (icmp and icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply)'

lab_up --vm
lab_dhcpd_start "$(lab_dhcpd_conf --next-server $master --filename pxelinux.0)"
# No lab_tftpd_start: that is the fault. Make sure nothing else listens on UDP 69 either.
if lab_m ss -Hnua 'sport = :69' | grep -q .; then
    lab_log "something listens on UDP 69 in $LAB_NS_M:"; lab_m ss -Hnuap 'sport = :69' >&2
    exit 1
fi
lab_log "nothing listens on UDP 69 in $LAB_NS_M; its UDP sockets:"
lab_m ss -Hnuap | sed 's/^/    /' >&2
lab_log "master namespace: $(for k in icmp_ratelimit icmp_ratemask icmp_msgs_per_sec icmp_msgs_burst; do
    printf '%s=%s ' "$k" "$(lab_m sysctl -n net.ipv4.$k)"; done)"
lab_capture_start "$out" "$filter"

# RRQs to the master and ICMP port-unreachables from it, read from the pcap tcpdump is writing
# (-U: every packet is in the file once tcpdump has it).
count() { tcpdump -r "$out" -n "$1" 2>/dev/null | wc -l; }
rrqs() { count "udp and dst host $master and dst port 69 and udp[8:2] = 1"; }
unreachables() { count "icmp and src host $master and icmp[icmptype] = icmp-unreach and icmp[icmpcode] = 3"; }

lab_qemu_start bios "$serial"
rc=1
deadline=$((SECONDS + timeout))
t0=$SECONDS
seen=0
while :; do
    n=$(rrqs); u=$(unreachables)
    if [ "$n$u" != "$seen" ]; then
        lab_log "+$((SECONDS - t0)) s: $n RRQ(s), $u ICMP port unreachable(s)"
        seen=$n$u
    fi
    if _lab_log_has "$serial" 'No more network devices'; then
        lab_log "the guest gave up after $((SECONDS - t0)) s ($n RRQs)"; rc=0; break
    fi
    if [ "$n" -ge "$max_rrq" ]; then
        lab_log "$n RRQs (MAX_RRQ) after $((SECONDS - t0)) s; stopping"; rc=0; break
    fi
    if ! kill -0 "$LAB_QEMU_PID" 2>/dev/null; then
        lab_log "qemu exited"; rc=2; break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        lab_log "timeout ($timeout s): $n RRQs, $u ICMP"; rc=1; break
    fi
    sleep 0.5
done
sleep 1   # let an ICMP for the last RRQ reach the wire
lab_capture_stop
lab_qemu_stop
n=$(rrqs); u=$(unreachables)
if [ "$n" -gt 0 ] && [ "$n" = "$u" ]; then
    lab_log "every RRQ got its ICMP port unreachable ($n of $n)"
else
    lab_log "RRQs $n, ICMP port unreachables $u: not every RRQ was answered (rate limit?)"
fi
lab_save_logs "$logdir" "$name"
echo "--- serial console ($serial) ---"
lab_serial_text "$serial" | grep -avE 'Press Ctrl-B|^ *$' | tail -n 25
exit $rc
