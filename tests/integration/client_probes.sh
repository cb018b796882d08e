#!/usr/bin/env bash
# The NIC emulator's active probes (--probe all) against real masters, with
# what each one was seen to do in this lab (isc-dhcp-server 4.4.3, tftpd-hpa
# 5.2, dnsmasq 2.90):
#
#   seed master (dhcpd + tftpd-hpa), bios profile
#     foreign-server-id    FAIL MSG-006: dhcpd ACKs a SELECTING REQUEST that names
#                          192.0.2.1 ("DHCPREQUEST for .10 (192.0.2.1)", then
#                          DHCPACK): without failover it never compares option 54
#                          (server-id-check only applies to failover peers)
#     unknown-tftp-option  pass: tftpd-hpa leaves pxecheck-probe out of its OACK
#     duplicate-ack        pass: no DATA resent on a duplicate ACK
#     tftp-foreign-tid     pass, ignored: tftpd-hpa's socket is connected to the
#                          client's TID, so the master's kernel answers the stray
#                          ACK with ICMP port unreachable and tftpd never sees it
#     non-pxe-discover, probe-4011: not applicable (no proxy, no bare PXEClient)
#   dnsmasq as the whole master, bios profile
#     every probe passes or does not apply; foreign TID: ERROR 5 "ignoring
#     packet from ... (TID mismatch)"; with --dhcp-authoritative dnsmasq NAKs
#     the foreign-server REQUEST ("wrong server-ID"): FAIL MSG-006
#   dnsmasq proxyDHCP beside an address-only dhcpd, uefi-x64 profile
#     non-pxe-discover     pass: the proxy stays silent to a DISCOVER without 60
#     probe-4011           pass: for an EFI client dnsmasq's proxy OFFER is a bare
#                          PXEClient (no file, no 43), and it answers on 4011
#     foreign-server-id    FAIL MSG-006 (dhcpd's ACK; the proxy ignores it)
# shellcheck disable=SC2154  # LAB_PID_<name> are set by lab.sh (printf -v)
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root dhcpd in.tftpd dnsmasq tcpdump tshark
lab_up

root=$LAB_DIR/tftp; mkdir -p "$root"
cp /usr/lib/PXELINUX/pxelinux.0 "$root/"
cp /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi "$root/bootx64.efi"

nic() {  # nic NAME [args]: the emulated NIC with every probe; exit code in $rc
    local name=$1; shift
    rc=0
    lab_c "$PXECHECK" client --iface c0 --json "$LAB_DIR/$name.json" -w "$LAB_DIR/$name.pcap" "$@" \
        >"$LAB_DIR/$name.txt" 2>&1 || rc=$?
    cat "$LAB_DIR/$name.txt"
}
probe() {  # probe NAME PROBE FIELD: a field of one entry of the report's probes[]
    json_get "$LAB_DIR/$1.json" "[p for p in r['probes'] if p['name']=='$2'][0]['$3']"
}
assert_probe() {  # assert_probe NAME PROBE RESULT [TEXT-IN-DETAIL]
    assert_eq "$1: $2" "$3" "$(probe "$1" "$2" result)"
    if [ -n "${4:-}" ]; then
        assert_json "$1: $2 detail says '$4'" \
            "'''$4''' in [p for p in r['probes'] if p['name']=='$2'][0]['detail']" "$LAB_DIR/$1.json"
    fi
}

# --- 1. The seed master: isc-dhcp-server with next-server + tftpd-hpa -------------------
lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
lab_tftpd_start "$root"
# ICMP leaving the master, to see what becomes of the stray ACK (the client's
# capture holds ARP and UDP only). Immediate mode: nothing waits in a buffer.
ip netns exec "$LAB_NS_M" tcpdump --immediate-mode -U -n -i m0 -w "$LAB_DIR/icmp.pcap" icmp \
    >"$LAB_DIR/icmp.log" 2>&1 &
icmp_pid=$!
LAB_PIDS+=("$icmp_pid")
lab_wait_log "$LAB_DIR/icmp.log" 'listening on' 10 "$icmp_pid"

nic seed --offer-wait 1 --probe all --expect-file /usr/lib/PXELINUX/pxelinux.0
lab_stop_pid "$icmp_pid"
assert_eq "seed: exit code (MSG-006 fails)" 1 "$rc"
assert_json "seed: the only failed finding is MSG-006, blamed on the master" \
    "[(f['id'], f['blame']) for f in r['findings'] if f['severity']=='fail'] == [('MSG-006', 'master')]" \
    "$LAB_DIR/seed.json"
assert_eq "seed: all six probes listed, in boot order" \
    '["non-pxe-discover", "foreign-server-id", "probe-4011", "unknown-tftp-option", "duplicate-ack", "tftp-foreign-tid"]' \
    "$(json_get "$LAB_DIR/seed.json" '[p["name"] for p in r["probes"]]')"
assert_probe seed non-pxe-discover not-applicable "no proxyDHCP server answered"
assert_probe seed foreign-server-id fail "answered with DHCPACK from 192.168.14.200"
assert_probe seed probe-4011 not-applicable
assert_probe seed unknown-tftp-option pass "OACK blksize=1456 without it"
assert_probe seed duplicate-ack pass "no DATA block came again"
assert_probe seed tftp-foreign-tid pass "no answer to that port (ignored); the transfer went on to complete"
# dhcpd's own account of the REQUEST naming 192.0.2.1: it ACKs it.
if grep -A1 'DHCPREQUEST for 192.168.14.10 (192.0.2.1)' "$LAB_DIR/dhcpd.log" | grep -q 'DHCPACK on 192.168.14.10'; then
    echo "ok: dhcpd logs the REQUEST for server 192.0.2.1 and ACKs it"
else
    echo "FAIL: dhcpd's log does not show the ACK to the foreign-server REQUEST" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi
# The finding's frames are the probe REQUEST (54 = 192.0.2.1) and dhcpd's ACK.
frames=$(json_get "$LAB_DIR/seed.json" '",".join(str(n) for f in r["findings"] if f["id"]=="MSG-006" for n in f["frames"])')
assert_eq "seed: MSG-006 frames are a REQUEST naming 192.0.2.1 and an ACK" "REQUEST,ACK" \
    "$(tshark -r "$LAB_DIR/seed.pcap" -Y "frame.number in {${frames}}" -T fields -e dhcp.option.dhcp 2>/dev/null |
        sed 's/^3$/REQUEST/; s/^5$/ACK/' | paste -sd,)"
assert_eq "seed: the probe REQUEST names 192.0.2.1" 1 \
    "$(tshark -r "$LAB_DIR/seed.pcap" -Y 'dhcp.option.dhcp_server_id == 192.0.2.1' 2>/dev/null | wc -l)"
# The REQUEST the trace rules see as a NIC fault is marked as the probe's.
assert_json "seed: MSG-007 on the probe REQUEST is information, sent on purpose" \
    "any(f['id']=='MSG-007' and f['severity']=='info' and f['detail'].startswith('sent on purpose by a --probe') for f in r['findings'])" \
    "$LAB_DIR/seed.json"
# The stray ACK's port, and the master's kernel refusing it.
stray=$(probe seed tftp-foreign-tid detail | sed -n 's/^ACK 1 from port \([0-9]*\) .*/\1/p')
assert_eq "seed: one stray ACK from the probe port" 1 \
    "$(tshark -r "$LAB_DIR/seed.pcap" -Y "udp.srcport == $stray" 2>/dev/null | wc -l)"
assert_eq "seed: the master answers the stray ACK with ICMP port unreachable" 1 \
    "$(tshark -r "$LAB_DIR/icmp.pcap" -Y "icmp.type == 3 && icmp.code == 3 && udp.srcport == $stray" 2>/dev/null | wc -l)"
# Every DATA block ACKed twice, the boot still whole and clean.
assert_eq "seed: sha256 of the downloaded file" "$(sha256sum /usr/lib/PXELINUX/pxelinux.0 | cut -d' ' -f1)" \
    "$(json_get "$LAB_DIR/seed.json" 'r["client"]["file"]["sha256"]')"
assert_eq "seed: lease released" true "$(json_get "$LAB_DIR/seed.json" 'r["client"]["released"]')"
assert_eq "seed: 30 DATA blocks, 30 pairs of ACKs" 30 \
    "$(tshark -r "$LAB_DIR/seed.pcap" -Y "tftp.opcode == 4 && tftp.block > 0 && udp.srcport != $stray" -T fields -e tftp.block 2>/dev/null |
        sort -n | uniq -c | awk '$1 == 2' | wc -l)"
assert_tshark_clean "$LAB_DIR/seed.pcap"
lab_stop_pid "$LAB_PID_dhcpd"
lab_stop_pid "$LAB_PID_tftpd"

# --- 2. dnsmasq as the whole master (DHCP + TFTP) -------------------------------------
lab_dnsmasq_full "$root"
nic full --offer-wait 1 --probe all --expect-file "$root/pxelinux.0"
assert_eq "dnsmasq: exit code" 0 "$rc"
assert_no_fail "$LAB_DIR/full.json"
assert_probe full non-pxe-discover not-applicable
assert_probe full foreign-server-id pass "no ACK or NAK"
assert_probe full probe-4011 not-applicable
assert_probe full unknown-tftp-option pass "OACK blksize=1456 without it"
assert_probe full duplicate-ack pass
assert_probe full tftp-foreign-tid pass 'answered ERROR 5 "ignoring packet from 192.168.14.'
assert_json "dnsmasq: ERROR 5 came from the transfer's own TID, and the transfer completed" \
    "'(TID mismatch)\" from 192.168.14.200:' in [p for p in r['probes'] if p['name']=='tftp-foreign-tid'][0]['detail'] and r['client']['file']['status']=='complete'" \
    "$LAB_DIR/full.json"
if grep -q 'dnsmasq-tftp: ignoring packet from 192.168.14.* (TID mismatch)' "$LAB_DIR/dnsmasq.log"; then
    echo "ok: dnsmasq logs the TID mismatch"
else
    echo "FAIL: dnsmasq's log has no TID mismatch" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi
lab_stop_pid "$LAB_PID_dnsmasq"

# dnsmasq --dhcp-authoritative faults a REQUEST for another server (its source:
# "a REQUEST sent to the wrong server should be faulted").
lab_dnsmasq_full "$root" dnsmasq-auth "$LAB_NS_M" m0 --dhcp-authoritative
nic auth --offer-wait 1 --probe foreign-server-id
assert_eq "dnsmasq authoritative: exit code" 1 "$rc"
assert_finding "$LAB_DIR/auth.json" MSG-006 master
assert_probe auth foreign-server-id fail 'DHCPNAK from 192.168.14.200 (192.168.14.200:67) "wrong server-ID"'
lab_stop_pid "$LAB_PID_dnsmasq_auth"

# --- 3. dnsmasq proxyDHCP beside an address-only dhcpd, x64 UEFI NIC -------------------
lab_dhcpd_start "$(lab_dhcpd_conf)"
lab_dnsmasq_proxy "$root"
nic proxy --profile uefi-x64 --probe all --expect-file "$root/bootx64.efi"
assert_eq "proxy: exit code (MSG-006 from dhcpd)" 1 "$rc"
assert_json "proxy: the only failed finding is MSG-006" \
    "[f['id'] for f in r['findings'] if f['severity']=='fail'] == ['MSG-006']" "$LAB_DIR/proxy.json"
assert_probe proxy non-pxe-discover pass "proxyDHCP 192.168.14.200 answered the PXE DISCOVER but not this one"
# dhcpd's ACK (an address, so not the proxy's) is the one answer.
assert_probe proxy foreign-server-id fail "answered with DHCPACK from 192.168.14.200 (192.168.14.200:67), yiaddr 192.168.14.10"
assert_probe proxy probe-4011 pass 'the boot'"'"'s own ProxyDHCP REQUEST): DHCPACK from 192.168.14.200:4011, file "bootx64.efi"'
assert_probe proxy unknown-tftp-option pass "OACK blksize=1468 without it"
# dnsmasq does not acknowledge windowsize, so the EFI download is lockstep.
assert_probe proxy duplicate-ack pass "ACKed twice"
assert_probe proxy tftp-foreign-tid pass "answered ERROR 5"
assert_eq "proxy: boot file from the 4011 answer" proxydhcp-4011 "$(json_get "$LAB_DIR/proxy.json" 'r["client"]["boot_info_from"]')"
# The proxy's log: the plain DISCOVER (its xid in decimal) got no reply.
plain_xid=$(probe proxy non-pxe-discover detail | sed -n 's/.*(xid 0x\([0-9a-f]*\)).*/\1/p')
if grep -q "^dnsmasq-dhcp: $((16#$plain_xid)) " "$LAB_DIR/dnsmasq-proxy.log" &&
    ! grep -q "^dnsmasq-dhcp: $((16#$plain_xid)) sent" "$LAB_DIR/dnsmasq-proxy.log"; then
    echo "ok: dnsmasq saw the plain DISCOVER and sent nothing"
else
    echo "FAIL: dnsmasq's log does not show the plain DISCOVER left unanswered" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi
assert_tshark_clean "$LAB_DIR/proxy.pcap"
assert_done
