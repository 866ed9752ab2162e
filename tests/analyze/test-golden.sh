#!/bin/sh
# Golden tests of `unitrun analyze blame` and `critical-chain` on recorded streams of real
# runs (record.sh made them from units/ and tests/analyze/units/) and on bad input: a
# stream with a cut line, events out of order, foreign lines and unknown events
# (bad.events), one cut in the middle of its last line (truncated.events), a SIGKILLed
# run (killed.events), a unit restarted once (restart.events), one from before the
# schema (schema0.events), a JSON file that is not unitrun's. Each golden/NAME.VIEW holds
# stdout, then stderr, then the exit status. UPDATE=1 rewrites them (then read the diff
# before committing).
#   test-golden.sh UNITRUN
set -u
unitrun=$1
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() { # NAME VIEW [< input]
    name=$1 view=$2
    shift 2
    "$unitrun" analyze "$view" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    { cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; echo "--- exit $status"; } >"$tmp/got"
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$tmp/got" "golden/$name.$view"
    elif ! diff -u "golden/$name.$view" "$tmp/got"; then
        echo "FAIL: analyze $view $*" >&2
        fail=1
    fi
}

for f in app-with-db.events ok.events failed.events killed.events restart.events bad.events truncated.events \
    schema0.events not-unitrun.json; do
    for view in blame critical-chain; do
        check "$f" "$view" "$f"
    done
done
# stdin, and "-" for it: the same as the file (but named "(stdin)").
check stdin blame <ok.events
check stdin-dash critical-chain - <killed.events
# Usage errors.
check usage bogus-view ok.events
check missing blame no-such-file.events

[ $fail = 0 ] && echo "all golden outputs match"
exit $fail
