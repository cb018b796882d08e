#!/usr/bin/env bash
# Real firmware boots from pxecheck serve, whose address is held in user space only (NOT on
# m0: pxecheck answers ARP for 192.168.14.200 itself): (a) SeaBIOS + the iPXE option ROM under
# QEMU fetches pxelinux.0, then pxelinux fetches ldlinux.c32 and pxelinux.cfg/default and the
# serial console shows the config loaded; (b) OVMF (EDK2's own PXE, virtio-net, arch 7)
# fetches bootx64.efi (syslinux.efi, as in the lab captures). The JSON report names the
# architecture each NIC announced and gives each a verdict, and the evidence bundle written on
# SIGTERM passes `pxecheck report verify`. The two boots run one after the other against one
# serve (each 15-40 s under TCG).
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
. "$SRC/tests/integration/lib/report.sh"
lab_require_root qemu-system-x86_64
for f in /usr/lib/PXELINUX/pxelinux.0 /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi /usr/share/OVMF/OVMF_CODE_4M.fd; do
    [ -e "$f" ] || { echo "missing $f; skipping" >&2; exit 77; }
done
LAB_PREFIX=pxsf
lab_up --vm
ip -n "$LAB_NS_M" addr del "$LAB_MASTER_ADDR/$LAB_PREFIXLEN" dev "$LAB_IF_M"   # user space only

root=$LAB_DIR/tftp
lab_tftp_root_efi "$root"      # pxelinux.0, ldlinux.c32, bootx64.efi (syslinux.efi), ldlinux.e64, cfg
json=$LAB_DIR/serve.json
lab_serve_start "$PXECHECK" "$LAB_DIR/serve.log" --server-ip 192.168.14.200 --range 192.168.14.10-192.168.14.20 \
    --tftp-root "$root" --json "$json" -w "$LAB_DIR/serve.pcap" --report "$LAB_DIR/serve-bundle"
if grep -q 'address held in user space' "$LAB_DIR/serve.log"; then echo "ok: address held in user space"; else
    echo "FAIL: serve should hold the address in user space" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi

t0=$SECONDS; rc=0
lab_qemu_boot bios "$LAB_DIR/bios.serial" 'pxecheck-lab: pxelinux.cfg/default loaded' 120 || rc=$?
bios_s=$((SECONDS - t0))
assert_eq "BIOS (iPXE ROM): the serial console shows pxelinux.cfg/default loaded" 0 "$rc"
[ "$rc" = 0 ] || { lab_serial_text "$LAB_DIR/bios.serial" | tail -20 >&2; cat "$LAB_DIR/serve.log" >&2; }
lab_qemu_stop

t0=$SECONDS; rc=0
lab_qemu_boot ovmf "$LAB_DIR/ovmf.serial" 'pxecheck-lab: pxelinux.cfg/default loaded' 150 || rc=$?
ovmf_s=$((SECONDS - t0))
assert_eq "OVMF (EDK2): the serial console shows pxelinux.cfg/default loaded" 0 "$rc"
[ "$rc" = 0 ] || { lab_serial_text "$LAB_DIR/ovmf.serial" | tail -20 >&2; tail -30 "$LAB_DIR/serve.log" >&2; }
lab_qemu_stop
echo "boot times: BIOS ${bios_s} s, OVMF ${ovmf_s} s (QEMU start to the config line)"

lab_serve_stop
sed -n '/^NICs/,$p' "$LAB_DIR/serve.log"
assert_json "report written on SIGTERM" "r['command']=='serve' and r['serve']['address_on_host'] is False" "$json"
assert_json "BIOS NIC announced arch 0 and got pxelinux.0" \
    "any(n['mac']=='$LAB_MAC_BIOS' and n['arch']==0 and n['file']=='pxelinux.0' and n['file_complete'] for n in r['nics'])" "$json"
assert_json "pxelinux fetched its follow-up files" \
    "any(n['mac']=='$LAB_MAC_BIOS' and {'ldlinux.c32','pxelinux.cfg/default'} <= set(n['files_downloaded']) for n in r['nics'])" "$json"
assert_json "UEFI NIC announced arch 7 and got bootx64.efi" \
    "any(n['mac']=='$LAB_MAC_UEFI' and n['arch']==7 and n['file']=='bootx64.efi' and n['file_complete'] for n in r['nics'])" "$json"
assert_json "every NIC has a verdict and its finding ids" \
    "all(n['verdict'] in ('pass','warn','fail') and isinstance(n['findings'], list) for n in r['nics']) and len(r['nics'])>=2" "$json"
assert_json "firmware NICs do not fail" \
    "all(n['verdict']!='fail' for n in r['nics'] if n['mac'] in ('$LAB_MAC_BIOS','$LAB_MAC_UEFI'))" "$json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
for n in r["nics"]: print("  nic", n["mac"], n["arch"], n["phase"], n["file"], n["bytes"], n["verdict"], n["findings"], "boot file after", n["seconds_to_boot_file"], "s")' "$json"
assert_eq "serve exit code" 0 "$SERVE_RC"
assert_tshark_clean "$LAB_DIR/serve.pcap"
assert_report_schema "$json"
assert_bundle "$LAB_DIR/serve-bundle" serve
assert_json "bundle: both firmware NICs' sessions" \
    "{'$LAB_MAC_BIOS','$LAB_MAC_UEFI'} <= {s['client_mac'] for s in r['sessions']}" "$LAB_DIR/serve-bundle/report.json"
assert_done
