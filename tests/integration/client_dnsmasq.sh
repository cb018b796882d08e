#!/usr/bin/env bash
# dnsmasq as a complete master with per-architecture boot files (lab.md):
# the BIOS profile gets pxelinux.0 and the UEFI x64 profile gets bootx64.efi,
# each verified by hash; then dnsmasq as proxyDHCP beside an address-only
# isc-dhcp-server with a pxe-service menu: the emulated NIC goes through the
# proxy and boot server discovery on UDP 4011 and downloads the menu's file.
set -euo pipefail
PXECHECK=$1; SRC=$2
. "$SRC/tests/integration/lib/lab.sh"
. "$SRC/tests/integration/lib/assert.sh"
lab_require_root
lab_up

root=$LAB_DIR/tftp; mkdir -p "$root"
cp /usr/lib/PXELINUX/pxelinux.0 "$root/"
# Any distinct file stands in for the EFI loader: what matters is which one is served.
cp /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi "$root/bootx64.efi"

lab_dnsmasq_full "$root"
for profile in bios uefi-x64; do
    expect=$root/pxelinux.0; [ $profile = uefi-x64 ] && expect=$root/bootx64.efi
    rc=0
    lab_c "$PXECHECK" client --iface c0 --profile $profile --offer-wait 1 --json "$LAB_DIR/$profile.json" \
        --expect-file "$expect" || rc=$?
    assert_eq "$profile exit code" 0 "$rc"
    assert_eq "$profile boot file" "$(basename "$expect")" "$(json_get "$LAB_DIR/$profile.json" 'r["client"]["file"]["name"]')"
    assert_eq "$profile sha256" "$(sha256sum "$expect" | cut -d' ' -f1)" \
        "$(json_get "$LAB_DIR/$profile.json" 'r["client"]["file"]["sha256"]')"
done
lab_stop_pid "${LAB_PIDS[-1]}"

# proxyDHCP: addresses from dhcpd, boot information from dnsmasq's menu.
lab_dhcpd_start "$(lab_dhcpd_conf)"
lab_dnsmasq_proxy "$root"
rc=0
lab_c "$PXECHECK" client --iface c0 --profile bios --json "$LAB_DIR/proxy.json" -w "$LAB_DIR/proxy.pcap" \
    --expect-file "$root/pxelinux.0" || rc=$?
assert_eq "proxy exit code" 0 "$rc"
assert_eq "boot information from" bootserver-4011 "$(json_get "$LAB_DIR/proxy.json" 'r["client"]["boot_info_from"]')"
assert_json "the report says the proxy and 4011 were used" \
    "any(s['dhcp']['proxy_used'] and s['dhcp']['bootserver_4011'] for s in r['sessions'])" "$LAB_DIR/proxy.json"
assert_tshark_clean "$LAB_DIR/proxy.pcap"
assert_done
