#!/usr/bin/env bash
# pxecheck serve as the seed's master with its address CONFIGURED on m0 (the kernel answers
# ARP for 192.168.14.200 and would send ICMP port unreachable to every UDP port nobody holds),
# against real clients: busybox udhcpc and dhclient get leases; tftp-hpa (octet and netascii)
# and curl (blksize 1468, several downloads at once) fetch files whose bytes match; the NIC
# emulator passes in every profile with --expect-file. Then serve stops on SIGTERM and still
# writes its report and evidence bundle (--report), and a restart with the same --leases file
# keeps the leases. Last, the emulator with every --probe boots from it until --exit-after
# stops it: the reference master passes the probes, and both reports fit the schema.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
. "$SRC/tests/integration/lib/report.sh"
lab_require_root busybox dhclient tftp curl
LAB_PREFIX=pxsc
lab_up

root=$LAB_DIR/tftp
lab_tftp_root_bios "$root"
cp /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi "$root/bootx64.efi"
head -c 300001 /dev/urandom >"$root/bootaa64.efi"   # not a multiple of any blksize
chmod -R a+rX "$root"
leases=$LAB_DIR/pxecheck.leases
json=$LAB_DIR/serve.json
mac_udhcpc=$LAB_MAC_C                 # c0's own MAC
mac_dhclient=02:00:00:14:00:02

lab_serve_start "$PXECHECK" "$LAB_DIR/serve.log" --server-ip 192.168.14.200 --range 192.168.14.10-192.168.14.20 \
    --tftp-root "$root" --filename pxelinux.0 --leases "$leases" --probe-wait 1 \
    --json "$json" -w "$LAB_DIR/serve.pcap" --report "$LAB_DIR/serve-bundle"
if grep -q 'address configured on this host' "$LAB_DIR/serve.log"; then
    echo "ok: serve sees 192.168.14.200 configured on the host"
else
    echo "FAIL: serve did not see the host's address" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
fi
# The well-known ports are held by serve's sockets, so the kernel sends no ICMP for them.
held=$(lab_m ss -Hnul | awk '{print $4}' | sort | tr '\n' ' ')
for p in 67 69; do
    case " $held" in *" 192.168.14.200:$p "*) echo "ok: UDP $p held" ;;
        *) echo "FAIL: UDP $p not held ($held)" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac
done

# --- DHCP clients ----------------------------------------------------------------------
out=$(lab_c busybox udhcpc -i c0 -n -q -s /bin/true 2>&1) || true
echo "$out" | sed 's/^/  udhcpc: /'
addr_udhcpc=$(sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' <<<"$out" | head -1)
case $addr_udhcpc in 192.168.14.1[0-9]|192.168.14.20) echo "ok: udhcpc lease $addr_udhcpc" ;;
    *) echo "FAIL: udhcpc got no lease ($out)" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac

ip -n "$LAB_NS_C" link set c0 address "$mac_dhclient"
rc=0
lab_c dhclient -1 -v -sf /bin/true -lf "$LAB_DIR/dhclient.leases" -pf "$LAB_DIR/dhclient.pid" c0 \
    >"$LAB_DIR/dhclient.log" 2>&1 || rc=$?
assert_eq "dhclient exit code" 0 "$rc"
addr_dhclient=$(sed -n 's/.*fixed-address \([0-9.]*\);.*/\1/p' "$LAB_DIR/dhclient.leases" | tail -1)
case $addr_dhclient in 192.168.14.1[0-9]|192.168.14.20) echo "ok: dhclient lease $addr_dhclient" ;;
    *) echo "FAIL: dhclient got no lease" >&2; cat "$LAB_DIR/dhclient.log" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac
if [ "$addr_dhclient" != "$addr_udhcpc" ]; then echo "ok: two MACs, two addresses"; else
    echo "FAIL: two MACs got the same address $addr_dhclient" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
# Release (and stop the dhclient that went to the background): serve frees the address. The
# RELEASE is a unicast from the leased address, so c0 must hold it (-sf /bin/true configured
# nothing), as it would on a configured client.
ip -n "$LAB_NS_C" addr add "$addr_dhclient/24" dev c0
lab_c dhclient -r -v -sf /bin/true -lf "$LAB_DIR/dhclient.leases" -pf "$LAB_DIR/dhclient.pid" c0 \
    >>"$LAB_DIR/dhclient.log" 2>&1 || true
ip -n "$LAB_NS_C" addr del "$addr_dhclient/24" dev c0
if lab_wait_log "$LAB_DIR/serve.log" "released $addr_dhclient" 10 "$SERVE_PID"; then
    echo "ok: serve took dhclient's RELEASE"; else
    echo "FAIL: no RELEASE seen by serve" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
ip -n "$LAB_NS_C" link set c0 address "$mac_udhcpc"

# --- kernel TFTP clients: the transfer ports must be held, or ICMP kills them ------------------
ip -n "$LAB_NS_C" addr add 192.168.14.99/24 dev c0
dl=$LAB_DIR/dl; mkdir -p "$dl"
check_file() {  # check_file WHAT GOT EXPECTED
    if cmp -s "$2" "$3"; then echo "ok: $1: $(stat -c %s "$2") bytes match"; else
        echo "FAIL: $1: $2 differs from $3" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
}
(cd "$dl" && lab_c tftp -m binary 192.168.14.200 -c get pxelinux.0 octet.0) || true
check_file "tftp-hpa octet pxelinux.0" "$dl/octet.0" "$root/pxelinux.0"
(cd "$dl" && lab_c tftp -m ascii 192.168.14.200 -c get pxelinux.0 ascii.0) || true
check_file "tftp-hpa netascii pxelinux.0" "$dl/ascii.0" "$root/pxelinux.0"
lab_c curl -s tftp://192.168.14.200/pxelinux.0 -o "$dl/curl.0" --tftp-blksize 1468 || true
check_file "curl blksize 1468 pxelinux.0" "$dl/curl.0" "$root/pxelinux.0"
# Several transfers at once.
pids=()
for i in 1 2 3 4; do
    lab_c curl -s tftp://192.168.14.200/bootx64.efi -o "$dl/par$i.efi" --tftp-blksize 1468 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
for i in 1 2 3 4; do check_file "parallel curl $i bootx64.efi" "$dl/par$i.efi" "$root/bootx64.efi"; done
ip -n "$LAB_NS_C" addr del 192.168.14.99/24 dev c0

# --- the NIC emulator in every profile ---------------------------------------------------------
declare -A want=([bios]=pxelinux.0 [uefi-x64]=bootx64.efi [uefi-arm64]=bootaa64.efi [ipxe]=pxelinux.0)
declare -A macs=([bios]=02:50:58:00:01:01 [uefi-x64]=02:50:58:00:01:02 [uefi-arm64]=02:50:58:00:01:03
                 [ipxe]=02:50:58:00:01:04)
for p in bios uefi-x64 uefi-arm64 ipxe; do
    rc=0
    lab_c "$PXECHECK" client --iface c0 --profile "$p" --mac "${macs[$p]}" --offer-wait 1 \
        --expect-file "$root/${want[$p]}" --json "$LAB_DIR/c-$p.json" >"$LAB_DIR/c-$p.log" 2>&1 || rc=$?
    assert_eq "client --profile $p exit code" 0 "$rc"
    [ "$rc" = 0 ] || cat "$LAB_DIR/c-$p.log" >&2
    assert_eq "client --profile $p verdict" pass "$(json_get "$LAB_DIR/c-$p.json" 'r["verdict"]')"
    assert_eq "client --profile $p file" "${want[$p]}" "$(json_get "$LAB_DIR/c-$p.json" 'r["client"]["file"]["name"]')"
done

# --- stop: SIGTERM still writes the report ----------------------------------------------------
lab_serve_stop
assert_eq "serve exit code after SIGTERM" 0 "$SERVE_RC"
[ "$SERVE_RC" = 0 ] || cat "$LAB_DIR/serve.log" >&2
assert_json "report schema" "r['schema']=='pxecheck.report/2' and r['command']=='serve'" "$json"
assert_json "stopped by the signal" "r['serve']['stopped_by']=='signal'" "$json"
# iPXE's REQUEST carries secs 1 after a DISCOVER with 0 (MSG-007, a warning on the NIC): the
# emulated iPXE does what the real one does, and serve says so.
declare -A verdicts=([bios]="'pass'," [uefi-x64]="'pass'," [uefi-arm64]="'pass'," [ipxe]="'pass','warn'")
for p in bios uefi-x64 uefi-arm64 ipxe; do
    assert_json "NIC $p (${macs[$p]}) downloaded ${want[$p]}, verdict in (${verdicts[$p]})" \
        "any(n['mac']=='${macs[$p]}' and n['file']=='${want[$p]}' and n['file_complete'] and n['verdict'] in (${verdicts[$p]}) for n in r['nics'])" "$json"
done
assert_json "arches announced: 0, 7, 11, and iPXE's user class" \
    "{n['mac']:n['arch'] for n in r['nics'] if n['mac'].startswith('02:50:58:00:01')}=={'${macs[bios]}':0,'${macs[uefi-x64]}':7,'${macs[uefi-arm64]}':11,'${macs[ipxe]}':0} and any(n['ipxe'] for n in r['nics'])" "$json"
assert_json "udhcpc is a NIC without arch, bound" \
    "any(n['mac']=='$mac_udhcpc' and n['arch'] is None and n['address']=='$addr_udhcpc' for n in r['nics'])" "$json"
assert_tshark_clean "$LAB_DIR/serve.pcap"
# The evidence bundle, written on SIGTERM: the report --json wrote plus `evidence`, and the -w
# capture with the safety probe's frames first; the trace's frame numbers count them.
assert_bundle "$LAB_DIR/serve-bundle" serve
assert_report_schema "$json" "$LAB_DIR"/c-*.json
assert_json "bundle report.json is the --json report plus evidence" \
    "{k: v for k, v in r.items() if k != 'evidence'} == json.load(open('$json'))" "$LAB_DIR/serve-bundle/report.json"
assert_json "safety probe frames counted (3 DISCOVERs at least)" "r['serve']['probe_frames'] >= 3" "$json"
assert_json "bundle capture = safety probe's frames + the run's" \
    "r['evidence']['capture_frames'] == r['serve']['probe_frames'] + r['source']['frames']" \
    "$LAB_DIR/serve-bundle/report.json"
assert_json "trace numbers on after the safety probe" \
    "min(f['number'] for f in r['frames']) > r['serve']['probe_frames']" "$json"
assert_eq "bundle capture = the -w capture" "$(tshark -r "$LAB_DIR/serve.pcap" -T fields -e frame.len | md5sum)" \
    "$(tshark -r "$LAB_DIR/serve-bundle/capture.pcapng" -T fields -e frame.len | md5sum)"
probe_comment=$(tshark -r "$LAB_DIR/serve-bundle/capture.pcapng" -Y frame.number==1 -T fields -e frame.comment 2>/dev/null)
case $probe_comment in *"safety probe"*) echo "ok: frame 1 is marked as the safety probe's" ;;
    *) echo "FAIL: frame 1 of the bundle capture has no safety probe comment ($probe_comment)" >&2
       ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;; esac
if grep -q "bound *$mac_udhcpc $addr_udhcpc" "$leases"; then echo "ok: lease file keeps udhcpc's lease"; else
    echo "FAIL: lease file:" >&2; cat "$leases" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi

# --- restart with the same lease file: the lease survives ----------------------------------------
# (and on a link with a 1400 MTU: TFTP blksize is capped at 1400 - 32 = 1368)
ip -n "$LAB_NS_M" link set m0 mtu 1400
ip -n "$LAB_NS_C" link set c0 mtu 1400
lab_serve_start "$PXECHECK" "$LAB_DIR/serve2.log" --server-ip 192.168.14.200 --range 192.168.14.10-192.168.14.20 \
    --tftp-root "$root" --filename pxelinux.0 --leases "$leases" --probe-wait 1 --json "$LAB_DIR/serve2.json"
rc=0
lab_c "$PXECHECK" client --iface c0 --profile bios --mac 02:50:58:00:02:01 --offer-wait 1 \
    --json "$LAB_DIR/c-new.json" >"$LAB_DIR/c-new.log" 2>&1 || rc=$?
assert_eq "new NIC after restart: exit code" 0 "$rc"
addr_new=$(json_get "$LAB_DIR/c-new.json" 'r["client"]["address"]')
if [ "$addr_new" != "$addr_udhcpc" ]; then echo "ok: a new NIC does not get $addr_udhcpc (still leased)"; else
    echo "FAIL: the restarted server gave udhcpc's $addr_udhcpc to a new NIC" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
out=$(lab_c busybox udhcpc -i c0 -n -q -s /bin/true 2>&1) || true
assert_eq "udhcpc gets its address back after the restart" "$addr_udhcpc" \
    "$(sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' <<<"$out" | head -1)"
ip -n "$LAB_NS_C" addr add 192.168.14.99/24 dev c0
lab_c curl -s tftp://192.168.14.200/bootx64.efi -o "$dl/mtu.efi" --tftp-blksize 1468 || true
check_file "curl over a 1400 MTU" "$dl/mtu.efi" "$root/bootx64.efi"
if grep -q 'TFTP "bootx64.efi" started .*blksize=1368' "$LAB_DIR/serve2.log"; then
    echo "ok: blksize 1468 asked, 1368 granted on a 1400 MTU"; else
    echo "FAIL: blksize not capped by the MTU:" >&2; grep bootx64 "$LAB_DIR/serve2.log" >&2
    ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
ip -n "$LAB_NS_C" addr del 192.168.14.99/24 dev c0
lab_serve_stop
assert_eq "second serve exit code" 0 "$SERVE_RC"

# --- --exit-after 1: serve stops by itself once one NIC has its boot file ---------------------
# That NIC runs every --probe: the reference master must pass them. The bundle has no -w file
# beside it (its hidden recording must be gone afterwards).
lab_serve_start "$PXECHECK" "$LAB_DIR/serve3.log" --server-ip 192.168.14.200 --range 192.168.14.10-192.168.14.20 \
    --tftp-root "$root" --filename pxelinux.0 --probe-wait 1 --exit-after 1 --time-limit 60 \
    --json "$LAB_DIR/serve3.json" --report "$LAB_DIR/serve3-bundle"
rc=0
lab_c "$PXECHECK" client --iface c0 --profile uefi-x64 --mac 02:50:58:00:03:01 --offer-wait 1 --probe all \
    --json "$LAB_DIR/c-probe.json" >"$LAB_DIR/c-exit.log" 2>&1 || rc=$?
assert_eq "client --probe all against serve: exit code" 0 "$rc"
[ "$rc" = 0 ] || cat "$LAB_DIR/c-exit.log" >&2
assert_report_schema "$LAB_DIR/c-probe.json"
assert_json "client --probe all: every probe reported" "len(r['probes']) == 6" "$LAB_DIR/c-probe.json"
assert_json "client --probe all: the reference master fails no probe" \
    "not [p['name'] for p in r['probes'] if p['result'] == 'fail']" "$LAB_DIR/c-probe.json"
deadline=$((SECONDS + 20))
while kill -0 "$SERVE_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
SERVE_RC=0; wait "$SERVE_PID" 2>/dev/null || SERVE_RC=$?
# The foreign-server-id probe's REQUEST names a server that made no offer, on purpose: serve
# judges the NIC by it (MSG-007, blame nic), so this NIC fails and serve exits 1; nothing else fails.
assert_eq "--exit-after 1: serve ended by itself, exit code (the probing NIC fails)" 1 "$SERVE_RC"
assert_json "--exit-after 1: the only failure is the probe's REQUEST to a foreign server (MSG-007, nic)" \
    "[(f['id'], f['blame']) for f in r['findings'] if f['severity'] == 'fail'] == [('MSG-007', 'nic')]" \
    "$LAB_DIR/serve3.json"
assert_json "--exit-after 1: stopped by exit-after, one NIC finished" \
    "r['serve']['stopped_by']=='exit-after' and r['serve']['nics_finished']==1" "$LAB_DIR/serve3.json"
assert_bundle "$LAB_DIR/serve3-bundle" serve
assert_report_schema "$LAB_DIR/serve3.json"
assert_json "bundle written at exit-after" "r['serve']['stopped_by']=='exit-after'" "$LAB_DIR/serve3-bundle/report.json"
assert_done
