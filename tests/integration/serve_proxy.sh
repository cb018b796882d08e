#!/usr/bin/env bash
# pxecheck serve --proxy beside isc-dhcp-server that hands out addresses only (on a third host
# of the segment): the iPXE BIOS ROM under QEMU gets its address from dhcpd and its boot
# information from serve's proxy offer with a PXE menu, asks serve's boot server on UDP 4011
# (unicast to 192.168.14.200, which is configured on m0 here, so serve must hold 4011 against
# the kernel's ICMP), fetches pxelinux.0 and the config, and the serial console shows it.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root qemu-system-x86_64 dhcpd
[ -e /usr/lib/PXELINUX/pxelinux.0 ] || { echo "pxelinux not installed; skipping" >&2; exit 77; }
LAB_PREFIX=pxsp
lab_up --vm

lab_add_host d 192.168.14.1 02:00:00:14:00:0d
lab_dhcpd_start "$(lab_dhcpd_conf)" dhcpd "$LAB_NS_d" h0      # addresses only: no next-server, no file
root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
json=$LAB_DIR/serve.json
lab_serve_start "$PXECHECK" "$LAB_DIR/serve.log" --proxy --server-ip 192.168.14.200 --tftp-root "$root" \
    --menu '128:Network boot (BIOS):pxelinux.0' --menu '0:Boot from local disk:' \
    --prompt 'PXE menu' --prompt-timeout 1 --json "$json" -w "$LAB_DIR/serve.pcap"
held=$(lab_m ss -Hnul | awk '{print $4}' | tr '\n' ' ')
case " $held" in *" 192.168.14.200:4011 "*) echo "ok: UDP 4011 held on the host's address" ;;
    *) echo "FAIL: 4011 not held ($held)" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac

t0=$SECONDS; rc=0
lab_qemu_boot bios "$LAB_DIR/bios.serial" 'pxecheck-lab: pxelinux.cfg/default loaded' 120 || rc=$?
echo "boot time: BIOS via proxyDHCP $((SECONDS - t0)) s (QEMU start to the config line)"
assert_eq "iPXE BIOS boots through the proxy: the serial console shows the config loaded" 0 "$rc"
[ "$rc" = 0 ] || { lab_serial_text "$LAB_DIR/bios.serial" | tail -20 >&2; cat "$LAB_DIR/serve.log" >&2; }
lab_qemu_stop
lab_serve_stop
assert_eq "serve exit code" 0 "$SERVE_RC"
grep -E 'offered|pxe-acked|complete' "$LAB_DIR/serve.log" | sed 's/^/  /'
if grep -q "pxe-acked: 4011: boot server type 128" "$LAB_DIR/serve.log"; then
    echo "ok: the ROM asked the boot server on 4011 for menu type 128"; else
    echo "FAIL: no boot server request on 4011 answered" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
if grep -q "$LAB_MAC_BIOS" "$LAB_DIR/dhcpd.leases"; then echo "ok: dhcpd leased the NIC its address"; else
    echo "FAIL: dhcpd has no lease for $LAB_MAC_BIOS" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
assert_json "proxy mode in the report" "r['serve']['mode']=='proxy'" "$json"
assert_json "the NIC (arch 0) got pxelinux.0 from the proxy, no address from serve" \
    "any(n['mac']=='$LAB_MAC_BIOS' and n['arch']==0 and n['file']=='pxelinux.0' and n['file_complete'] and n['address'] is None and n['verdict']!='fail' for n in r['nics'])" "$json"
assert_json "the trace saw the proxy and the boot server" \
    "any(s['client_mac']=='$LAB_MAC_BIOS' and s['dhcp']['proxy_used'] and s['dhcp']['bootserver_4011'] for s in r['sessions'])" "$json"
assert_tshark_clean "$LAB_DIR/serve.pcap"
assert_done
