# shellcheck shell=bash
# assert.sh - small assertions for the integration tests, on pxecheck's JSON
# reports and exit codes. Each failure says what was expected and what came.

ASSERT_FAILURES=0

# jq-like access without jq: python3 evaluates EXPR on the parsed report `r`.
# json_get FILE 'r["verdict"]'
json_get() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1 = $3"
    else
        echo "FAIL: $1: expected '$2', got '$3'" >&2
        ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
    fi
}

# assert_true WHAT PYTHON_EXPR_ON_r FILE
assert_json() {
    local what=$1 expr=$2 file=$3
    if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$file" "$expr"; then
        echo "ok: $what"
    else
        echo "FAIL: $what ($expr) in $file" >&2
        ASSERT_FAILURES=$((ASSERT_FAILURES + 1))
    fi
}

# has_finding FILE ID BLAME: a finding with this rule ID and blame is in the report
assert_finding() {
    assert_json "finding $2 blamed on $3" "any(f['id']=='$2' and f['blame']=='$3' for f in r['findings'])" "$1"
}

assert_no_fail() {
    assert_json "no failed finding" "not any(f['severity']=='fail' for f in r['findings'])" "$1"
}

# assert_tshark_clean PCAP: tshark reads the file without malformed-packet warnings
assert_tshark_clean() {
    local out
    if ! out=$(tshark -r "$1" -V 2>&1); then
        echo "FAIL: tshark could not read $1: $out" >&2
        ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); return
    fi
    if grep -qi "malformed" <<<"$out"; then
        echo "FAIL: tshark reports malformed packets in $1" >&2
        grep -i -B3 malformed <<<"$out" | head -20 >&2
        ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); return
    fi
    echo "ok: tshark reads $1 cleanly ($(tshark -r "$1" 2>/dev/null | wc -l) frames)"
}

assert_done() {
    if [ "$ASSERT_FAILURES" -ne 0 ]; then
        echo "$ASSERT_FAILURES assertion(s) failed" >&2
        exit 1
    fi
    echo "all assertions passed"
}
