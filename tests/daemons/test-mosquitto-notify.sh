#!/bin/bash
# Debian's own mosquitto.service, as shipped, through `unitrun run`: mosquitto starts as
# root, switches to the user mosquitto itself and only then sends READY=1. That message
# must reach unitrun (the notify socket is reachable by any uid; who sent it is checked by
# PID), so the unit becomes ready at once instead of timing out with EACCES.
#
# The unit runs unchanged, by name. It uses the host's /etc/mosquitto/mosquitto.conf (loopback port
# 1883, which must be free) and its ExecStartPre= make /run/mosquitto and
# /var/log/mosquitto; what the run creates there and in /var/lib/mosquitto is removed
# afterwards (the paths are archived before and restored after). Exit 77 = skip.
set -u

. "$(dirname "$0")/../common/test-lib.sh"
unit=/lib/systemd/system/mosquitto.service
require_root "mosquitto switches user"
[ -r "$unit" ] || skip "$unit is not installed (apt-get install mosquitto)"
mosquitto_uid=$(id -u mosquitto 2>/dev/null) || skip "there is no user mosquitto"
require_free_port 1883

test_tmpdir urmosquitto
keep_host_paths /run/mosquitto /var/log/mosquitto /var/lib/mosquitto

run_reported "$UNITRUN" run mosquitto.service -- bash -c '
        echo "$UNITRUN_MOSQUITTO_PID" >"$0/pid"
        stat -c %u "/proc/$UNITRUN_MOSQUITTO_PID" >"$0/uid"
        (exec 3<>/dev/tcp/127.0.0.1/1883) && echo connected >"$0/connect"
' "$tmp"
# A READY=1 that got lost would only end at TimeoutStartSec (systemd's default 90 s).
check "ready well before the start timeout (took ${elapsed}s)" '[ "$elapsed" -lt 60 ]'
check "mosquitto ran as mosquitto ($mosquitto_uid) when ready, not $(cat "$tmp/uid" 2>/dev/null)" \
        '[ "$(cat "$tmp/uid" 2>/dev/null)" = "$mosquitto_uid" ]'
check "port 1883 accepted a connection" '[ -s "$tmp/connect" ]'
pid=$(cat "$tmp/pid" 2>/dev/null)
check "mosquitto ($pid) is gone after the run" '[ -n "$pid" ] && [ ! -e "/proc/$pid" ]'
exit $fail
