#!/bin/sh
# `--events FILE` and `unitrun analyze` against real runs of the units in units/ here: a
# run (the file has the schema line, After= lists and ExecStartPre= time; blame, the
# critical chain web -> slow-db and the plot follow from it), --json next to --events,
# an unwritable --events, `up --events` stopped by SIGTERM, and a run SIGKILLed while
# COMMAND runs (analyze names the open lines and still draws; nothing is left running).
#   test-live.sh UNITRUN
set -u
unitrun=$1
here=$(cd "$(dirname "$0")" && pwd)
units=$here/units
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() {
    echo "FAIL: $*" >&2
    fail=1
}
wait_for() { # FILE PATTERN: up to 60 s
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 600 ] && return 1
        sleep 0.1
    done
}

# A run; --json on stderr too: both streams have the same events.
"$unitrun" run -q --json --events "$tmp/run.events" "$units/web.service" -- true 2>"$tmp/run.stderr" ||
    bad "run exited $?: $(cat "$tmp/run.stderr")"
head -n 1 "$tmp/run.events" | grep -Eq '^\{"event":"isolation","time_ms":[0-9.]+,"schema":1,' || bad "no schema first"
[ "$(grep -c '"event"' "$tmp/run.stderr")" = "$(wc -l <"$tmp/run.events")" ] || bad "--json and --events differ"
grep -q '"unit":"web.service".*"after":"slow-db.service cache.service"' "$tmp/run.events" || bad "no After= list"
grep -q '"event":"command-started"' "$tmp/run.events" || bad "no command-started"
grep '"event":"ready".*"unit":"slow-db.service"' "$tmp/run.events" | grep -q '"start_pre_ms":[1-9]' ||
    bad "no ExecStartPre= time for slow-db"

"$unitrun" analyze blame "$tmp/run.events" >"$tmp/blame" 2>"$tmp/blame.err" || bad "blame exited $?"
[ -s "$tmp/blame.err" ] && bad "blame complained: $(cat "$tmp/blame.err")"
[ "$(wc -l <"$tmp/blame")" = 4 ] || bad "blame: $(cat "$tmp/blame")"
grep -Eq '^ +[0-9.]+m?s +[0-9.]+m?s +slow-db.service +READY=1$' "$tmp/blame" || bad "blame slow-db: $(cat "$tmp/blame")"
grep -Eq "^ +[0-9.]+m?s +- +cache.service +exec, output matching 'cache ready'$" "$tmp/blame" ||
    bad "blame cache: $(cat "$tmp/blame")"

"$unitrun" analyze critical-chain <"$tmp/run.events" >"$tmp/chain" || bad "critical-chain exited $?"
sed -n 4,6p "$tmp/chain" | sed 's/@[^ ]*//; s/+[^ ]*//g; s/ *$//' >"$tmp/chain.shape"
printf 'COMMAND (true)\n└─web.service\n  └─slow-db.service\n' | diff -u - "$tmp/chain.shape" || bad "critical chain"

"$unitrun" analyze plot "$tmp/run.events" >"$tmp/run.svg" || bad "plot exited $?"
python3 "$here/check-plot.py" "$unitrun" --events "$tmp/run.events" || bad "plot check"

# An --events file that cannot be written: said, and nothing starts.
"$unitrun" run -q --events "$tmp/no/such/dir/x" "$units/cache.service" -- true 2>"$tmp/err"
status=$?
[ $status = 71 ] && grep -q "cannot write --events" "$tmp/err" || bad "unwritable --events: $status $(cat "$tmp/err")"

# up --events, stopped by SIGTERM once ready.
"$unitrun" up -q --events "$tmp/up.events" "$units/cache.service" >/dev/null 2>"$tmp/up.stderr" &
pid=$!
wait_for "$tmp/up.events" '"event":"ready"' || bad "up: never ready"
kill -TERM $pid
wait $pid
pid=
grep -q '"event":"stopped","time_ms":[0-9.]*,"unit":"cache.service","clean":true' "$tmp/up.events" ||
    bad "up: no clean stop: $(cat "$tmp/up.events")"
"$unitrun" analyze critical-chain "$tmp/up.events" | grep -q '^all units ready @' || bad "up: critical-chain"

# SIGKILLed while COMMAND runs: the stream ends early; analyze says so by line and draws it.
"$unitrun" run -q --events "$tmp/killed.events" "$units/web.service" -- sleep 60 2>/dev/null &
pid=$!
wait_for "$tmp/killed.events" '"event":"command-started"' || bad "killed: COMMAND never started"
kill -9 $pid
wait $pid 2>/dev/null
pid=
"$unitrun" analyze blame "$tmp/killed.events" >"$tmp/kblame" 2>"$tmp/kerr" || bad "killed: blame exited $?"
grep -Eq '^'"$tmp"'/killed.events:[0-9]+: web.service: no "stopped" after this line' "$tmp/kerr" ||
    bad "killed: no note: $(cat "$tmp/kerr")"
[ "$(wc -l <"$tmp/kblame")" = 4 ] || bad "killed: blame $(cat "$tmp/kblame")"
python3 "$here/check-plot.py" "$unitrun" --events "$tmp/killed.events" || bad "killed: plot check"
# The guardian took the units and COMMAND down with it.
for p in $(sed -n 's/.*"event":"\(ready\|command-started\)".*"pid":\([0-9]*\).*/\2/p' "$tmp/killed.events"); do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    kill -0 "$p" 2>/dev/null && bad "killed: unit process $p survived"
done

[ $fail = 0 ] && echo "live analyze checks passed"
exit $fail
