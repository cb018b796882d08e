# shellcheck shell=bash
# report.sh - assertions on pxecheck's reports and evidence bundles, for the
# integration tests (after lib/assert.sh, whose ASSERT_FAILURES they count
# into). Needs $PXECHECK and $SRC.

# assert_report_schema REPORT...: every report is valid against
# docs/report-schema.json and has no field the schema does not declare.
assert_report_schema() {
    local out rc=0
    out=$(/usr/bin/python3 "$SRC/tests/integration/tools/validate_report.py" "$SRC/docs/report-schema.json" "$@" 2>&1) \
        || rc=$?
    case $rc in
        0) echo "ok: valid against docs/report-schema.json: $*" ;;
        2) echo "skip: schema check ($out)" ;;
        *) echo "FAIL: not valid against docs/report-schema.json: $out" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)) ;;
    esac
}

# assert_bundle DIR COMMAND: DIR holds the evidence bundle of a `pxecheck COMMAND` run,
# `pxecheck report verify` passes on it, its report.json is valid and its capture has the
# frames the report counts; a changed file then makes verify fail (so the check can fail).
assert_bundle() {
    local dir=$1 command=$2 f out rc
    for f in report.html report.md report.json junit.xml capture.pcapng SHA256SUMS; do
        if [ ! -s "$dir/$f" ]; then
            echo "FAIL: bundle $dir has no $f" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); return
        fi
    done
    if [ -e "$dir/.recording.pcap" ]; then
        echo "FAIL: bundle $dir keeps the run's hidden recording" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
    fi
    rc=0; out=$("$PXECHECK" report verify "$dir" 2>&1) || rc=$?
    if [ "$rc" = 0 ]; then echo "ok: pxecheck report verify $dir"
    else echo "FAIL: pxecheck report verify $dir: exit $rc: $out" >&2; ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
    assert_eq "bundle command" "$command" "$(json_get "$dir/report.json" 'r["command"]')"
    assert_report_schema "$dir/report.json"
    # Frame numbers are the capture's: as many frames as report.json counts, and none cited beyond.
    local frames
    frames=$(tshark -r "$dir/capture.pcapng" 2>/dev/null | wc -l)
    assert_eq "bundle capture frames" "$(json_get "$dir/report.json" 'r["evidence"]["capture_frames"]')" "$frames"
    assert_json "bundle findings cite frames of its capture" \
        "all(1 <= n <= r['evidence']['capture_frames'] for f in r['findings'] for n in f['frames'])" "$dir/report.json"
    # Tampering is caught: append to a copy of the bundle and verify again.
    local copy
    copy=$(mktemp -d)
    cp -a "$dir/." "$copy/"
    echo tampered >>"$copy/report.md"
    rc=0; "$PXECHECK" report verify "$copy" >/dev/null 2>&1 || rc=$?
    assert_eq "verify of a tampered copy of $dir: exit code" 1 "$rc"
    rm -rf "$copy"
}
