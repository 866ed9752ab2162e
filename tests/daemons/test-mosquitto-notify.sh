#!/bin/bash
# Debian's own mosquitto.service, as shipped, through `unitrun run`: mosquitto starts as
# root, switches to the user mosquitto itself and only then sends READY=1. That message
# must reach unitrun (the notify socket is reachable by any uid; who sent it is checked by
# PID), so the unit becomes ready at once instead of timing out with EACCES.
#
# The unit runs unchanged, by name. It uses the host's /etc/mosquitto/mosquitto.conf (loopback port
# 1883, which must be free) and its ExecStartPre= make /run/mosquitto and
# /var/log/mosquitto; what the run creates there and in /var/lib/mosquitto is removed
# afterwards. Exit 77 = skip.
set -u

unit=/lib/systemd/system/mosquitto.service
skip() { echo "skipped: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (mosquitto switches user)"
[ -r "$unit" ] || skip "$unit is not installed (apt-get install mosquitto)"
mosquitto_uid=$(id -u mosquitto 2>/dev/null) || skip "there is no user mosquitto"
if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
        skip "something listens on 127.0.0.1:1883 already"
fi

tmp=$(mktemp -d)
declare -A before
for d in /run/mosquitto /var/log/mosquitto /var/lib/mosquitto; do
        before[$d]=$([ -e "$d" ] && { echo .; ls -A "$d"; })
done
cleanup() {
        local d f
        for d in "${!before[@]}"; do
                if [ -z "${before[$d]}" ]; then
                        rm -rf -- "$d"
                        continue
                fi
                for f in $(ls -A "$d" 2>/dev/null); do
                        grep -qxF "$f" <<<"${before[$d]}" || rm -rf -- "${d:?}/$f"
                done
        done
        rm -rf "$tmp"
}
trap cleanup EXIT


fail=0
start=$(date +%s)
"$UNITRUN" run mosquitto.service -- bash -c '
        echo "$UNITRUN_MOSQUITTO_PID" >"$0/pid"
        stat -c %u "/proc/$UNITRUN_MOSQUITTO_PID" >"$0/uid"
        (exec 3<>/dev/tcp/127.0.0.1/1883) && echo connected >"$0/connect"
' "$tmp" 2>"$tmp/stderr"
status=$?
elapsed=$(($(date +%s) - start))
if [ $status != 0 ]; then
        echo "unitrun exited $status:" >&2
        cat "$tmp/stderr" >&2
        fail=1
fi
check() {
        if ! eval "$2"; then
                echo "FAIL: $1" >&2
                fail=1
        fi
}
# A READY=1 that got lost would only end at TimeoutStartSec (systemd's default 90 s).
check "ready well before the start timeout (took ${elapsed}s)" '[ "$elapsed" -lt 60 ]'
check "mosquitto ran as mosquitto ($mosquitto_uid) when ready, not $(cat "$tmp/uid" 2>/dev/null)" \
        '[ "$(cat "$tmp/uid" 2>/dev/null)" = "$mosquitto_uid" ]'
check "port 1883 accepted a connection" '[ -s "$tmp/connect" ]'
pid=$(cat "$tmp/pid" 2>/dev/null)
check "mosquitto ($pid) is gone after the run" '[ -n "$pid" ] && [ ! -e "/proc/$pid" ]'
exit $fail
