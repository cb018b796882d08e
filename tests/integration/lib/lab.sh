# shellcheck shell=bash
# lab.sh - a PXE lab in network namespaces, for captures and integration tests.
#
# Source it from a bash script that runs as root:
#
#     . tests/integration/lib/lab.sh
#     lab_require_root
#     lab_up --vm                      # master ns + client ns (+ bridge/tap for QEMU)
#     lab_dhcpd_start "$(lab_dhcpd_conf --next-server 192.168.14.200 --filename pxelinux.0)"
#     lab_tftpd_start "$root"
#     lab_capture_start out.pcap
#     lab_qemu_boot bios "$LAB_DIR/serial.log" 'PATTERN' 150
#     lab_capture_stop
#     # lab_down runs from the EXIT trap that lab_up installs
#
# Why namespaces: every packet of the lab stays between namespaces this library creates
# (names carry a prefix and the caller's pid), so tests can run in parallel, nothing reaches
# a real network, and deleting the namespaces removes every interface the lab made.
#
# Addresses (only inside the lab): master 192.168.14.200/24 on "m0" in $LAB_NS_M (the seed's
# master address, see shared/docs/lab.md); client side "c0" in $LAB_NS_C, enslaved to bridge
# "br0" together with tap "tap0" when --vm is given, so a QEMU guest sits on the same wire.
#
# Everything the lab starts is recorded in LAB_PIDS and ended by pid in lab_down; the working
# directory $LAB_DIR (configs, logs, leases) is removed unless LAB_KEEP=1.

LAB_PREFIX=${LAB_PREFIX:-pxlab}
LAB_MASTER_ADDR=${LAB_MASTER_ADDR:-192.168.14.200}
LAB_PREFIXLEN=${LAB_PREFIXLEN:-24}
LAB_IF_M=m0
LAB_IF_C=c0
LAB_BR=br0
LAB_TAP=tap0
# Fixed, locally administered MACs: reproducible captures, easy to tell the hosts apart.
LAB_MAC_M=${LAB_MAC_M:-02:00:00:14:00:c8}
LAB_MAC_C=${LAB_MAC_C:-02:00:00:14:00:01}
LAB_MAC_BIOS=${LAB_MAC_BIOS:-52:54:00:12:34:56}
LAB_MAC_UEFI=${LAB_MAC_UEFI:-52:54:00:ab:cd:01}
LAB_UP=0
LAB_PIDS=()
LAB_NAMESPACES=()
LAB_CAPTURE_PID=
LAB_QEMU_PID=

# Why: the lab needs namespaces, veths and taps, which only root can make. 77 is the exit code
# that ctest (SKIP_RETURN_CODE), automake and friends read as "skipped", so an unprivileged
# run of the test suite skips these tests instead of failing them.
lab_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "lab: needs root (network namespaces); skipping" >&2
        exit 77
    fi
    local t
    for t in ip "$@"; do
        if ! command -v "$t" >/dev/null 2>&1; then
            echo "lab: $t not installed; skipping" >&2
            exit 77
        fi
    done
}

# Why: a message on stderr with a timestamp makes the scripts' output readable as a timeline.
lab_log() {
    printf '%s lab: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Why: run a command inside the master or client namespace without repeating "ip netns exec".
lab_m() { ip netns exec "$LAB_NS_M" "$@"; }
lab_c() { ip netns exec "$LAB_NS_C" "$@"; }

# Why: kernels send IPv6 router solicitations, MLD and DAD on every new link; PXE captures are
# about IPv4, so the lab switches IPv6 off in its namespaces to keep them free of that noise.
_lab_ns_quiet() {
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
    ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
}

# Why: a namespace name that is unique per process (prefix + role + pid) lets tests run in
# parallel and never collides with a leftover from a crashed run.
_lab_ns_add() {
    ip netns add "$1" || return 1
    LAB_NAMESPACES+=("$1")
    ip -n "$1" link set lo up
    _lab_ns_quiet "$1"
}

# Why: lab_down runs from the EXIT trap, but a run killed outright (SIGKILL, ctest's timeout
# on a hung test) leaves its namespaces, their processes and its directory behind, and they
# would pile up run after run. Names end in the pid of the run that made them, so a namespace
# of this prefix whose pid is gone belongs to no live run and is removed before a new lab goes up.
_lab_reap_stale() {
    local ns pid p
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ $ns =~ ^${LAB_PREFIX}[A-Za-z_]*([0-9]+)$ ]] || continue
        pid=${BASH_REMATCH[1]}
        kill -0 "$pid" 2>/dev/null && continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null && lab_log "removed namespace $ns left by an earlier run (pid $pid gone)"
        rm -rf "/tmp/${LAB_PREFIX}.$pid."* 2>/dev/null || true
    done
}

# lab_up [--vm]
# Why: builds the two hosts and the wire between them. The veth ends are created directly in
# their namespaces, so no interface name ever appears in the root namespace (no collisions with
# parallel tests). --vm adds the bridge + tap a QEMU guest needs; STP off and forward delay 0
# so the bridge forwards the guest's first DISCOVER instead of learning for 15 s.
# Installs an EXIT trap that calls lab_down (and turns INT/TERM into an exit), so the
# namespaces go away on every path out of the script.
lab_up() {
    local vm=0
    [ "${1:-}" = --vm ] && vm=1
    if [ "$LAB_UP" = 1 ]; then
        lab_log "lab_up: already up"
        return 0
    fi
    _lab_reap_stale
    LAB_ID=${LAB_ID:-$$}
    LAB_NS_M=${LAB_PREFIX}m$LAB_ID
    LAB_NS_C=${LAB_PREFIX}c$LAB_ID
    LAB_DIR=$(mktemp -d "/tmp/${LAB_PREFIX}.$LAB_ID.XXXXXX") || return 1
    # dnsmasq drops to "nobody" and tftpd to "tftp": they must be able to walk into LAB_DIR.
    chmod 755 "$LAB_DIR"
    LAB_UP=1
    trap 'lab_down' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    _lab_ns_add "$LAB_NS_M" || return 1
    _lab_ns_add "$LAB_NS_C" || return 1
    ip link add name "$LAB_IF_M" netns "$LAB_NS_M" address "$LAB_MAC_M" type veth \
        peer name "$LAB_IF_C" netns "$LAB_NS_C" address "$LAB_MAC_C" || return 1
    ip -n "$LAB_NS_M" addr add "$LAB_MASTER_ADDR/$LAB_PREFIXLEN" dev "$LAB_IF_M"
    ip -n "$LAB_NS_M" link set "$LAB_IF_M" up
    if [ "$vm" = 1 ]; then
        ip -n "$LAB_NS_C" link add "$LAB_BR" type bridge
        ip -n "$LAB_NS_C" link set "$LAB_BR" type bridge stp_state 0 forward_delay 0
        ip -n "$LAB_NS_C" link set "$LAB_IF_C" master "$LAB_BR"
        ip -n "$LAB_NS_C" tuntap add dev "$LAB_TAP" mode tap
        ip -n "$LAB_NS_C" link set "$LAB_TAP" master "$LAB_BR"
        ip -n "$LAB_NS_C" link set "$LAB_TAP" up
        ip -n "$LAB_NS_C" link set "$LAB_BR" up
        LAB_CAPTURE_IF=$LAB_BR
    else
        LAB_CAPTURE_IF=$LAB_IF_C
    fi
    ip -n "$LAB_NS_C" link set "$LAB_IF_C" up
    lab_log "up: master $LAB_NS_M ($LAB_IF_M $LAB_MASTER_ADDR), client $LAB_NS_C, dir $LAB_DIR"
}

# lab_add_master_addr ADDR
# Why: a second server on the master host (e.g. a second DHCP server bound to .201).
lab_add_master_addr() {
    ip -n "$LAB_NS_M" addr add "$1/$LAB_PREFIXLEN" dev "$LAB_IF_M"
}

# lab_add_host NAME ADDR [MAC] -> sets LAB_NS_<NAME>
# Why: a third host on the same wire (a rogue or second DHCP server with its own MAC), so a
# capture shows two servers as two machines, the way it happens on a real LAN. Its veth peer is
# enslaved to the client bridge (needs lab_up --vm). Interface inside the new namespace: "h0".
lab_add_host() {
    local name=$1 addr=$2 mac=${3:-}
    local ns=${LAB_PREFIX}${name}$LAB_ID
    _lab_ns_add "$ns" || return 1
    ip link add name h0 netns "$ns" ${mac:+address "$mac"} type veth \
        peer name "p$name" netns "$LAB_NS_C" || return 1
    ip -n "$ns" addr add "$addr/$LAB_PREFIXLEN" dev h0
    ip -n "$ns" link set h0 up
    ip -n "$LAB_NS_C" link set "p$name" master "$LAB_BR"
    ip -n "$LAB_NS_C" link set "p$name" up
    printf -v "LAB_NS_${name}" '%s' "$ns"
    lab_log "host $name: $ns (h0 $addr)"
}

# Why: end one process we started, politely first (daemons flush logs and leases on TERM),
# then by force; always by its pid, and reap it so no zombie or half-written file is left.
lab_stop_pid() {
    local pid=$1 _
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true   # its exit status is not ours (safe under set -e)
    return 0
}

# lab_down
# Why: idempotent teardown for the EXIT trap: stop the capture cleanly (so a pcap written so
# far stays readable), end every process we started by pid, then any process still inside our
# own namespaces (only ours can be there: the names are unique to this run), delete the
# namespaces (which deletes veth, bridge and tap with them) and the working directory.
lab_down() {
    local - ns pid
    set +e   # runs from the EXIT trap: keep going whatever fails (local - restores options)
    [ "$LAB_UP" = 1 ] || return 0
    LAB_UP=0
    [ -n "$LAB_CAPTURE_PID" ] && lab_capture_stop
    [ -n "$LAB_QEMU_PID" ] && lab_qemu_stop
    for pid in "${LAB_PIDS[@]}"; do
        lab_stop_pid "$pid"
    done
    LAB_PIDS=()
    for ns in "${LAB_NAMESPACES[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for ns in "${LAB_NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null || lab_log "could not delete namespace $ns"
    done
    LAB_NAMESPACES=()
    if [ -n "${LAB_DIR:-}" ] && [ "${LAB_KEEP:-0}" != 1 ]; then
        rm -rf "$LAB_DIR"
    elif [ -n "${LAB_DIR:-}" ]; then
        lab_log "kept $LAB_DIR"
    fi
    lab_log "down"
}

# lab_serve_start PXECHECK LOG ARGS...
# Why: pxecheck serve on m0 in the master namespace, in the background, for tests that boot
# clients against it; returns once serve reports serving (after its safety probe), so a
# client started next is answered. Sets SERVE_PID; lab_down stops it if the test does not.
# Not through lab_m: a backgrounded shell function is a subshell, and its pid is not serve's.
lab_serve_start() {
    local pxecheck=$1 log=$2; shift 2
    ip netns exec "$LAB_NS_M" "$pxecheck" serve --iface "$LAB_IF_M" "$@" >"$log" 2>&1 &
    SERVE_PID=$!
    LAB_PIDS+=("$SERVE_PID")
    if ! lab_wait_log "$log" "^pxecheck serve: (DHCP server|proxyDHCP) .* on $LAB_IF_M" 20 "$SERVE_PID"; then
        lab_log "serve did not start:"; cat "$log" >&2; return 1
    fi
}

# lab_serve_stop
# Why: serve writes its report when it stops: SIGTERM, then wait (bounded) for it to exit.
# Sets SERVE_RC to its exit code.
lab_serve_stop() {
    local deadline=$((SECONDS + 30))
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    while kill -0 "$SERVE_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    SERVE_RC=0
    wait "$SERVE_PID" 2>/dev/null || SERVE_RC=$?
}

# lab_wait_log FILE PATTERN TIMEOUT [PID]
# Why: wait for an event by reading the log that reports it (a serial console, a daemon's
# log) instead of sleeping a fixed time: fast when the event comes early, bounded when it never
# does. With PID, give up at once when that process has died. Returns 0 found, 1 timeout,
# 2 process gone. PATTERN is an extended regex (grep -E) matched against the text with
# terminal escapes removed (lab_serial_text): UEFI consoles position the cursor before every
# single character, so the raw bytes of a message never contain it in one piece.
_lab_log_has() {
    [ -f "$1" ] && lab_serial_text "$1" | grep -aqE -- "$2"
}
lab_wait_log() {
    local file=$1 pattern=$2 timeout=$3 pid=${4:-}
    local deadline=$((SECONDS + timeout))
    while :; do
        _lab_log_has "$file" "$pattern" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            _lab_log_has "$file" "$pattern" && return 0
            return 2
        fi
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# lab_dhcpd_conf [--next-server ADDR] [--filename NAME] [--range "LO HI"] [--extra TEXT]
# Why: the seed's master config in one place, printed to stdout so a test can tweak the text.
# Without --next-server dhcpd sends siaddr 0.0.0.0 and no option 66 (the PXE-030 mistake);
# without --filename it hands out addresses only (a plain DHCP server beside a proxyDHCP).
lab_dhcpd_conf() {
    local next='' file='' range="192.168.14.10 192.168.14.20" extra=''
    while [ $# -gt 0 ]; do
        case $1 in
            --next-server) next=$2; shift 2 ;;
            --filename) file=$2; shift 2 ;;
            --range) range=$2; shift 2 ;;
            --extra) extra=$2; shift 2 ;;
            *) echo "lab_dhcpd_conf: unknown $1" >&2; return 1 ;;
        esac
    done
    cat <<EOF
# written by lab_dhcpd_conf
ddns-update-style none;
default-lease-time 600;
max-lease-time 600;
authoritative;
$extra
subnet 192.168.14.0 netmask 255.255.255.0 {
  range $range;
${next:+  next-server $next;}
${file:+  filename \"$file\";}
}
EOF
}

# lab_dhcpd_start CONFIG_TEXT [NAME] [NS] [IFACE]
# Why: isc-dhcp-server (dhcpd) as the seed's master. Run in the foreground with -d so the pid
# we hold is the daemon's and its log goes to $LAB_DIR/NAME.log; returns once dhcpd reports
# it is serving (or fails with its log on stderr). dhcpd needs an existing lease file.
lab_dhcpd_start() {
    local conf_text=$1 name=${2:-dhcpd} ns=${3:-$LAB_NS_M} ifc=${4:-$LAB_IF_M}
    local d=$LAB_DIR pid
    printf '%s\n' "$conf_text" >"$d/$name.conf"
    : >"$d/$name.leases"
    ip netns exec "$ns" dhcpd -4 -d -cf "$d/$name.conf" -lf "$d/$name.leases" \
        -pf "$d/$name.pid" "$ifc" >"$d/$name.log" 2>&1 &
    pid=$!
    LAB_PIDS+=("$pid")
    printf -v "LAB_PID_${name//[^A-Za-z0-9_]/_}" '%s' "$pid"
    if ! lab_wait_log "$d/$name.log" 'Server starting service' 10 "$pid"; then
        lab_log "dhcpd $name did not start:"; cat "$d/$name.log" >&2
        return 1
    fi
    lab_log "dhcpd $name running (pid $pid)"
}

# lab_tftpd_start ROOT [ADDR] [NS]
# Why: tftpd-hpa as the seed's TFTP server, bound to one address (not to everything in the
# namespace, so a second TFTP server can live beside it), chrooted to ROOT (--secure).
# --foreground keeps the pid ours. It logs to syslog only, so readiness is checked by
# looking for its socket on port 69.
lab_tftpd_start() {
    local root=$1 addr=${2:-$LAB_MASTER_ADDR} ns=${3:-$LAB_NS_M} pid _
    chmod -R a+rX "$root"
    ip netns exec "$ns" in.tftpd --listen --foreground --address "$addr:69" --secure \
        --verbose "$root" >"$LAB_DIR/tftpd-$addr.log" 2>&1 &
    pid=$!
    LAB_PIDS+=("$pid")
    # shellcheck disable=SC2034  # for callers that want to stop only the TFTP server
    LAB_PID_tftpd=$pid
    for _ in $(seq 1 50); do
        if ip netns exec "$ns" ss -Hnul "sport = :69" 2>/dev/null | grep -q "$addr:69"; then
            lab_log "in.tftpd on $addr:69 root $root (pid $pid)"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    lab_log "in.tftpd did not start:"; cat "$LAB_DIR/tftpd-$addr.log" >&2
    return 1
}

# lab_dnsmasq_start NAME NS IFACE ARGS...
# Why: one place for the flags every lab dnsmasq needs: no DNS (--port=0), no system config
# file, no pid file, lease file in LAB_DIR, bound to the lab interface only, foreground so
# the pid is ours, DHCP decisions logged (--log-dhcp) to $LAB_DIR/NAME.log.
lab_dnsmasq_start() {
    local name=$1 ns=$2 ifc=$3 pid
    shift 3
    ip netns exec "$ns" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --pid-file= \
        --interface="$ifc" --bind-interfaces --dhcp-leasefile="$LAB_DIR/$name.leases" \
        --log-dhcp "$@" >"$LAB_DIR/$name.log" 2>&1 &
    pid=$!
    LAB_PIDS+=("$pid")
    printf -v "LAB_PID_${name//[^A-Za-z0-9_]/_}" '%s' "$pid"
    if ! lab_wait_log "$LAB_DIR/$name.log" 'DHCP, (IP range|proxy on subnet)' 10 "$pid"; then
        lab_log "dnsmasq $name did not start:"; cat "$LAB_DIR/$name.log" >&2
        return 1
    fi
    lab_log "dnsmasq $name running (pid $pid)"
}

# lab_dnsmasq_full ROOT [NAME NS IFACE] [EXTRA ARGS...]
# Why: dnsmasq as a complete PXE master (lab.md recipe): addresses .10-.20, bootx64.efi for
# x64 UEFI (option 93 = 7), pxelinux.0 for everything else, its own TFTP server on ROOT.
# EXTRA ARGS come after the defaults; pass your own --dhcp-range/--dhcp-boot by setting
# LAB_DNSMASQ_FULL_DEFAULTS=0 to leave the defaults out.
lab_dnsmasq_full() {
    local root=$1 name=${2:-dnsmasq} ns=${3:-$LAB_NS_M} ifc=${4:-$LAB_IF_M}
    shift $(($# < 4 ? $# : 4))
    # shellcheck disable=SC2054  # commas belong to dnsmasq's option values
    local defaults=(
        --dhcp-range=192.168.14.10,192.168.14.20,255.255.255.0,10m
        --dhcp-match=set:efi64,option:client-arch,7
        --dhcp-boot=tag:efi64,bootx64.efi
        --dhcp-boot=tag:!efi64,pxelinux.0
    )
    [ "${LAB_DNSMASQ_FULL_DEFAULTS:-1}" = 1 ] || defaults=()
    chmod -R a+rX "$root"
    lab_dnsmasq_start "$name" "$ns" "$ifc" "${defaults[@]}" \
        --enable-tftp --tftp-root="$root" "$@"
}

# lab_dnsmasq_proxy ROOT [NAME NS IFACE] [EXTRA ARGS...]
# Why: dnsmasq as proxyDHCP beside a plain DHCP server (lab.md recipe): it gives no addresses,
# answers PXEClient DISCOVERs with a menu and a prompt, and serves boot server discovery on
# UDP 4011 and TFTP from ROOT. "pxelinux" becomes pxelinux.0 for x86PC (dnsmasq adds .0).
lab_dnsmasq_proxy() {
    local root=$1 name=${2:-dnsmasq-proxy} ns=${3:-$LAB_NS_M} ifc=${4:-$LAB_IF_M}
    shift $(($# < 4 ? $# : 4))
    chmod -R a+rX "$root"
    lab_dnsmasq_start "$name" "$ns" "$ifc" \
        --dhcp-range=192.168.14.0,proxy,255.255.255.0 \
        --pxe-service=x86PC,"Network boot (BIOS)",pxelinux \
        --pxe-service=X86-64_EFI,"Network boot (UEFI)",bootx64.efi \
        --pxe-prompt="PXE menu",1 \
        --enable-tftp --tftp-root="$root" "$@"
}

# lab_capture_start FILE [FILTER] [IFACE] [NS]
# Why: a complete, ordered record of the boot. -U writes each packet as it arrives (nothing
# lost in a buffer when we stop), -Z root keeps the right to write FILE wherever it is,
# and we return only once tcpdump says it is listening, so the first DISCOVER is not missed.
# Default: 'udp or arp' on the client-side bridge, i.e. what the client's wire carries.
lab_capture_start() {
    local file=$1 filter=${2:-udp or arp} ifc=${3:-$LAB_CAPTURE_IF} ns=${4:-$LAB_NS_C}
    LAB_CAPTURE_FILE=$file
    LAB_CAPTURE_LOG=$LAB_DIR/tcpdump.log
    rm -f "$file"
    ip netns exec "$ns" tcpdump -i "$ifc" -U -Z root -n -s 0 -w "$file" "$filter" \
        >"$LAB_CAPTURE_LOG" 2>&1 &
    LAB_CAPTURE_PID=$!
    if ! lab_wait_log "$LAB_CAPTURE_LOG" 'listening on' 10 "$LAB_CAPTURE_PID"; then
        lab_log "tcpdump did not start:"; cat "$LAB_CAPTURE_LOG" >&2
        return 1
    fi
    lab_log "capturing on $ifc to $file"
}

# lab_capture_stop
# Why: SIGINT is how tcpdump expects to be stopped: it flushes and closes the file and prints
# its counters; waiting for the pid guarantees the pcap is complete before anyone reads it.
lab_capture_stop() {
    local pid=$LAB_CAPTURE_PID _
    [ -n "$pid" ] || return 0
    LAB_CAPTURE_PID=
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    grep -E 'packets (captured|dropped)' "$LAB_CAPTURE_LOG" >&2 || true
    lab_log "capture stopped: $LAB_CAPTURE_FILE"
}

# lab_qemu_start bios|ovmf SERIAL_LOG [MAC]
# Why: a real PXE client. bios = SeaBIOS + the iPXE option ROM QEMU ships for e1000
# (ipxe-qemu). ovmf = EDK2 UEFI firmware, whose PXE base code is EDK2's own (architecture 7).
# -accel tcg because with KVM on these machines the guest reboots in a loop (lab.md). The
# serial console goes to SERIAL_LOG, which is what the firmware concluded; -no-reboot stops a
# guest that gives up from looping.
# NIC for ovmf (LAB_OVMF_NIC):
#   virtio (default): virtio-net-pci without option ROM, driven by OVMF's own VirtioNetDxe, so
#     every DHCP/TFTP packet of the firmware stage comes from EDK2 (UNDI 3.1 in option 60).
#   e1000-ipxe: lab.md's recipe, e1000 + /usr/lib/ipxe/qemu/efi-e1000.rom. Checked here: the
#     iPXE EFI driver in that ROM is itself a PXE client and boots first (its option 60 says
#     UNDI 3.10 and option 77 "iPXE"); EDK2's PXE (UNDI 3.1) only runs if iPXE's boot returns.
lab_qemu_start() {
    local kind=$1 log=$2 mac=${3:-} nic
    local common=(-accel tcg -nographic -no-reboot -boot n -monitor none -display none
        -serial "file:$log" -netdev "tap,id=n0,ifname=$LAB_TAP,script=no,downscript=no")
    : >"$log"
    case $kind in
        bios)
            mac=${mac:-$LAB_MAC_BIOS}
            ip netns exec "$LAB_NS_C" qemu-system-x86_64 "${common[@]}" -m 256 \
                -device "e1000,netdev=n0,mac=$mac" >"$log.stdout" 2>&1 &
            ;;
        ovmf)
            mac=${mac:-$LAB_MAC_UEFI}
            case ${LAB_OVMF_NIC:-virtio} in
                virtio) nic="virtio-net-pci,netdev=n0,mac=$mac,romfile=" ;;
                e1000-ipxe) nic="e1000,netdev=n0,mac=$mac,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom" ;;
                *) echo "lab_qemu_start: LAB_OVMF_NIC virtio or e1000-ipxe" >&2; return 1 ;;
            esac
            cp /usr/share/OVMF/OVMF_VARS_4M.fd "$LAB_DIR/vars.fd"
            ip netns exec "$LAB_NS_C" qemu-system-x86_64 "${common[@]}" -m 512 -machine q35 \
                -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
                -drive "if=pflash,format=raw,file=$LAB_DIR/vars.fd" \
                -device "$nic" >"$log.stdout" 2>&1 &
            ;;
        *) echo "lab_qemu_start: bios or ovmf, not $kind" >&2; return 1 ;;
    esac
    LAB_QEMU_PID=$!
    # shellcheck disable=SC2034  # for callers
    LAB_QEMU_LOG=$log
    lab_log "qemu $kind started (pid $LAB_QEMU_PID, mac $mac, serial $log)"
}

# lab_qemu_boot bios|ovmf SERIAL_LOG PATTERN TIMEOUT [MAC]
# Why: boot and return as soon as the firmware's serial console shows PATTERN (success,
# or a known failure message), or when TIMEOUT seconds pass. The guest keeps running so the
# caller can let the last packets arrive; lab_qemu_stop (or lab_down) ends it.
# Returns 0 pattern seen, 1 timeout, 2 QEMU exited.
lab_qemu_boot() {
    local kind=$1 log=$2 pattern=$3 timeout=$4 mac=${5:-} rc=0 t0=$SECONDS
    lab_qemu_start "$kind" "$log" "$mac" || return 2
    lab_wait_log "$log" "$pattern" "$timeout" "$LAB_QEMU_PID" || rc=$?
    case $rc in
        0) lab_log "serial shows /$pattern/ after $((SECONDS - t0)) s" ;;
        1) lab_log "timeout ($timeout s) waiting for /$pattern/" ;;
        2) lab_log "qemu exited before /$pattern/:"; cat "$log.stdout" >&2 ;;
    esac
    return $rc
}

# lab_qemu_stop
# Why: end the guest by its pid (not by name: other engineers may run QEMU too).
lab_qemu_stop() {
    [ -n "$LAB_QEMU_PID" ] || return 0
    lab_stop_pid "$LAB_QEMU_PID"
    LAB_QEMU_PID=
}

# lab_serial_text FILE
# Why: firmware consoles write ANSI escapes and carriage returns; strip them to quote lines.
lab_serial_text() {
    sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][0-9A-Za-z]//g' -e 's/\r/\n/g' "$1" |
        tr -d '\000' | grep -av '^[[:space:]]*$'
}

# lab_tftp_root_bios DIR [--no-cfg]
# Why: the BIOS boot files of the seed's master: pxelinux.0 (42,430 bytes in Debian 12),
# ldlinux.c32, and a pxelinux.cfg/default that prints a marker line and then waits at the
# "boot:" prompt for ever (PROMPT 1, TIMEOUT 0), so a capture ends at a known point and the
# client stays quiet afterwards (no fall-through to the next boot device or to UEFI's PXEv6
# and HTTP boot, which would add traffic). --no-cfg leaves the config out.
lab_tftp_root_bios() {
    local dir=$1
    mkdir -p "$dir"
    cp /usr/lib/PXELINUX/pxelinux.0 "$dir/"
    cp /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/"
    if [ "${2:-}" != --no-cfg ]; then
        mkdir -p "$dir/pxelinux.cfg"
        cat >"$dir/pxelinux.cfg/default" <<'EOF'
SAY pxecheck-lab: pxelinux.cfg/default loaded
PROMPT 1
TIMEOUT 0
DEFAULT local
LABEL local
  LOCALBOOT -1
EOF
    fi
    chmod -R a+rX "$dir"
}

# lab_save_logs DESTDIR PREFIX
# Why: LAB_DIR goes away in lab_down; keep the daemons' logs (dhcpd, dnsmasq, tcpdump) that
# explain a capture, as DESTDIR/PREFIX.<log name>.
lab_save_logs() {
    local dest=$1 prefix=$2 f
    mkdir -p "$dest"
    for f in "$LAB_DIR"/*.log; do
        [ -f "$f" ] && cp "$f" "$dest/$prefix.$(basename "$f")"
    done
    return 0
}

# lab_tftp_root_efi DIR
# Why: the x64 UEFI boot files: bootx64.efi = syslinux.efi (efi64, 171,456 bytes, the smallest
# x64 EFI program Debian ships here), its ldlinux.e64, and the same pxelinux.cfg/default marker
# as the BIOS root, so the UEFI boot also ends at a known point without a failing search.
lab_tftp_root_efi() {
    local dir=$1
    lab_tftp_root_bios "$dir"
    cp /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi "$dir/bootx64.efi"
    cp /usr/lib/syslinux/modules/efi64/ldlinux.e64 "$dir/"
    chmod -R a+rX "$dir"
}
