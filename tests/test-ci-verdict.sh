#!/bin/sh
# tests/ci-verdict.py against made-up meson results: it passes what matches the pins and
# fails a missing test, an unknown one, a wrong case count, a skipped test and a skipped
# case, unless the allow-list names them. Needs python3 (exits 77 without it).
set -eu
verdict=$(dirname "$0")/ci-verdict.py
command -v python3 >/dev/null || { echo "skipped: no python3" >&2; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/b/meson-logs"

log() { # NAME RESULT STDOUT
    python3 -c 'import json,sys; print(json.dumps({"name": "unitrun:unit / " + sys.argv[1], "result": sys.argv[2], "stdout": sys.argv[3]}))' "$@"
}
summary='               tests      3      3      3      0        0'
skip_line='    SKIP: test-x: TCP: over IPv6: no IPv6 loopback here'
{
    log a OK "$summary"
    log b OK "$skip_line
$summary"
    log c SKIP ""
} > "$dir/b/meson-logs/testlog.json"
printf '[main]\na 3\nb 3\nc -\n' > "$dir/expected"
printf 'test c  # reason\ncase test-x: TCP: over IPv6  # reason\n' > "$dir/allow"
: > "$dir/none"

expect() { # WANT-STATUS ARGS...
    want=$1
    shift
    if python3 "$verdict" "$@" > "$dir/out" 2>&1; then got=0; else got=1; fi
    if [ "$got" != "$want" ]; then
        echo "FAIL: ci-verdict $* exited $got, expected $want:" >&2
        cat "$dir/out" >&2
        exit 1
    fi
}
expect 0 "$dir/expected" "$dir/allow" main="$dir/b"
# The skips are not allowed.
expect 1 "$dir/expected" "$dir/none" main="$dir/b"
grep -q "skipped: c" "$dir/out"
grep -q "skipped case: test-x: TCP: over IPv6" "$dir/out"
# A case count that differs, a pinned test that did not run, one that is not pinned.
printf '[main]\na 4\nb 3\nc -\nd 1\n' > "$dir/expected2"
expect 1 "$dir/expected2" "$dir/allow" main="$dir/b"
grep -q "cases: a ran 3 CUnit cases, 4 are pinned" "$dir/out"
grep -q "missing: d did not run" "$dir/out"
printf '[main]\nb 3\nc -\n' > "$dir/expected3"
expect 1 "$dir/expected3" "$dir/allow" main="$dir/b"
grep -q "unknown: a ran" "$dir/out"
# A build dir whose run did not happen.
expect 1 "$dir/expected" "$dir/allow" main="$dir/nowhere"
echo "ci-verdict: all verdicts as expected"
