#!/usr/bin/env bash
# pxecheck analyze against tshark on a large capture, and pxecheck's peak
# memory on that capture and on one four times smaller (see bench/README.md).
#
#   bench/analyze_vs_tshark.sh [BUILD_DIR] [FRAMES]
#
# BUILD_DIR defaults to build/, FRAMES to 1000000. Environment: BENCH_DIR
# (where the captures go, default a fresh directory under /tmp, removed at
# the end unless KEEP=1), REPEAT (runs per measurement, the fastest counts;
# default 3), LIMIT (seconds any one command may take, default 300).
# Needs tshark and GNU time (/usr/bin/time). Not a test: it prints numbers.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
frames=${2:-1000000}
repeat=${REPEAT:-3}
limit=${LIMIT:-300}
small_frames=$((frames / 4))

for tool in tshark /usr/bin/time ninja; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install tshark time ninja-build)" >&2; exit 2; }
done
ninja -C "$build" pxecheck pxecheck_bench_gen >/dev/null
pxecheck=$build/pxecheck
gen=$build/pxecheck_bench_gen

work=${BENCH_DIR:-$(mktemp -d /tmp/pxecheck-bench.XXXXXX)}
mkdir -p "$work"
cleanup() { [[ ${KEEP:-0} == 1 ]] || rm -f "$work"/big.pcap "$work"/unique.pcap "$work"/small.pcap "$work"/*.time "$work"/*.json; }
trap cleanup EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(tshark -v 2>/dev/null | head -1)"
echo "pxecheck: $("$pxecheck" --version 2>/dev/null || echo "$pxecheck")"

# The lab's real boots, repeated as new clients (new MACs, xids, addresses).
templates=("$root"/captures/*.pcap)
"$gen" --frames "$frames" -o "$work/big.pcap" "${templates[@]}"
"$gen" --frames "$small_frames" -o "$work/small.pcap" "${templates[@]}"
# The same boots with every client's files made different: no transfer
# repeats another, so pxecheck hashes every one (its worst case).
"$gen" --frames "$frames" --unique-files -o "$work/unique.pcap" "${templates[@]}"
echo "big:   $(du -h "$work/big.pcap" | cut -f1)  small: $(du -h "$work/small.pcap" | cut -f1)"

# tshark 4.0 still knows the BOOTP filter name as an alias; older and newer
# ones may only take one of the two.
filter="bootp || tftp"
if ! tshark -r "$work/small.pcap" -c 1 -Y "$filter" >/dev/null 2>&1; then filter="dhcp || tftp"; fi
echo "tshark filter: $filter"

# measure NAME RUNS CMD...: the fastest of RUNS runs; prints "seconds peak_kb".
# Exit codes 0 and 1 are fine (pxecheck exits 1 when checks fail).
measure() {
  local name=$1 runs=$2 best_s="" best_kb=0
  shift 2
  for ((i = 0; i < runs; i++)); do
    local rc=0
    timeout "$limit" /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || rc=$?
    if ((rc > 1)); then
      echo "bench: $name failed (exit $rc):" >&2
      tail -3 "$work/$name.err" >&2
      exit 1
    fi
    read -r s kb < <(tail -1 "$work/$name.time")
    if [[ -z $best_s ]] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then best_s=$s; fi
    ((kb > best_kb)) && best_kb=$kb
  done
  echo "$best_s $best_kb"
}

read -r t_s t_kb < <(measure tshark "$repeat" tshark -r "$work/big.pcap" -Y "$filter")
read -r x_s x_kb < <(measure pxecheck_text "$repeat" "$pxecheck" analyze "$work/big.pcap")
read -r p_s p_kb < <(measure pxecheck "$repeat" "$pxecheck" analyze -q --json /dev/null "$work/big.pcap")
read -r u_s u_kb < <(measure pxecheck_unique "$repeat" "$pxecheck" analyze -q --json /dev/null "$work/unique.pcap")
read -r q_s q_kb < <(measure pxecheck_small "$repeat" "$pxecheck" analyze -q --json /dev/null "$work/small.pcap")
read -r w_s w_kb < <(measure whole_small 1 "$pxecheck" analyze -q --whole-trace --json /dev/null "$work/small.pcap")
for v in "$t_s" "$x_s" "$p_s" "$u_s" "$q_s" "$w_s"; do [[ -n $v ]] || { echo "bench: a run failed (see above)" >&2; exit 1; }; done

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
printf '\n%-44s %10s %9s %12s\n' "run" "frames" "wall s" "peak RSS MB"
printf '%-44s %10s %9s %12s\n' "tshark -r big -Y '$filter'" "$frames" "$t_s" "$(mb "$t_kb")"
printf '%-44s %10s %9s %12s\n' "pxecheck analyze big (terminal report)" "$frames" "$x_s" "$(mb "$x_kb")"
printf '%-44s %10s %9s %12s\n' "pxecheck analyze -q --json /dev/null big" "$frames" "$p_s" "$(mb "$p_kb")"
printf '%-44s %10s %9s %12s\n' "  same, every client's files different" "$frames" "$u_s" "$(mb "$u_kb")"
printf '%-44s %10s %9s %12s\n' "pxecheck analyze -q --json /dev/null small" "$small_frames" "$q_s" "$(mb "$q_kb")"
printf '%-44s %10s %9s %12s\n' "  same, --whole-trace (before streaming)" "$small_frames" "$w_s" "$(mb "$w_kb")"
echo
echo "pxecheck against tshark (wall time, fastest of runs; target 10x):"
awk -v t="$t_s" -v p="$x_s" 'BEGIN { printf "  %.1fx faster with the terminal report\n", t / p }'
awk -v t="$t_s" -v p="$p_s" 'BEGIN { printf "  %.1fx faster with the JSON report (which adds the capture file'"'"'s SHA-256)\n", t / p }'
awk -v t="$t_s" -v p="$u_s" 'BEGIN { printf "  %.1fx when no client fetches the same file as another\n", t / p }'
awk -v b="$p_kb" -v s="$q_kb" 'BEGIN { printf "peak RSS, 4x the frames: %.2fx (1.00 = memory does not grow with the file)\n", b / s }'
