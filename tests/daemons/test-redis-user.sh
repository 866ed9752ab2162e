#!/bin/bash
# Debian's own redis-server.service, as shipped, through `unitrun run`: it must run as the
# user redis (User=, Group=, UMask=, LimitNOFILE=, CapabilityBoundingSet=, NoNewPrivileges=
# applied), answer redis-cli, and leave nothing root-owned in /var/lib/redis or
# /var/log/redis, which is what broke the real service later when User= was ignored.
#
# The unit runs unchanged, by name. It uses the host's /etc/redis/redis.conf, so port 6379
# must be free.
# Files the run creates in /var/lib/redis and /var/log/redis (dump.rdb, the log) are
# removed afterwards; those that were there before are left alone. Exit 77 = skip.
set -u

unit=/lib/systemd/system/redis-server.service
skip() { echo "skipped: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (User=redis)"
[ -r "$unit" ] || skip "$unit is not installed (apt-get install redis-server)"
command -v redis-cli >/dev/null || skip "redis-cli is not installed"
redis_uid=$(id -u redis 2>/dev/null) || skip "there is no user redis"
if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
        skip "something listens on 127.0.0.1:6379 already"
fi

tmp=$(mktemp -d)
before_lib=$(ls -A /var/lib/redis 2>/dev/null)
before_log=$(ls -A /var/log/redis 2>/dev/null)
cleanup() {
        local d f
        for d in /var/lib/redis /var/log/redis; do
                for f in $(ls -A "$d" 2>/dev/null); do
                        if [ "$d" = /var/lib/redis ]; then
                                grep -qxF "$f" <<<"$before_lib" && continue
                        else
                                grep -qxF "$f" <<<"$before_log" && continue
                        fi
                        rm -rf -- "${d:?}/$f"
                done
        done
        rm -rf "$tmp"
}
trap cleanup EXIT

chmod 755 "$tmp"

fail=0
"$UNITRUN" run redis-server.service -- sh -c '
        redis-cli -p 6379 ping >"$0/ping" 2>&1
        redis-cli -p 6379 set unitrun-user-test 1 >/dev/null
        redis-cli -p 6379 save >/dev/null
        echo "$UNITRUN_REDIS_SERVER_PID" >"$0/pid"
        stat -c %u "/proc/$UNITRUN_REDIS_SERVER_PID" >"$0/uid"
        grep "^Max open files" "/proc/$UNITRUN_REDIS_SERVER_PID/limits" >"$0/limits"
        grep -E "^(CapBnd|NoNewPrivs|Umask):" "/proc/$UNITRUN_REDIS_SERVER_PID/status" >"$0/status"
' "$tmp" 2>"$tmp/stderr"
status=$?
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
check "redis-cli ping answered PONG ($(cat "$tmp/ping" 2>/dev/null))" '[ "$(cat "$tmp/ping" 2>/dev/null)" = PONG ]'
check "redis-server ran as redis ($redis_uid), not $(cat "$tmp/uid" 2>/dev/null)" \
        '[ "$(cat "$tmp/uid" 2>/dev/null)" = "$redis_uid" ]'
check "CapabilityBoundingSet= (empty) dropped every capability" 'grep -q "^CapBnd:.0000000000000000$" "$tmp/status"'
check "NoNewPrivileges=true applied" 'grep -q "^NoNewPrivs:.1$" "$tmp/status"'
check "UMask=007 applied" 'grep -q "^Umask:.0007$" "$tmp/status"'
ours=$(ulimit -Hn)
read -r _ _ _ soft hard _ <"$tmp/limits"
check "LimitNOFILE=65535 applied, or the closest value ($ours): got ${soft:-?}:${hard:-?}" \
        '[ "${soft:-}" = 65535 ] || [ "${soft:-}" = "$ours" ]'
check "redis saved its data (dump.rdb) in /var/lib/redis" '[ -e /var/lib/redis/dump.rdb ]'
root_owned=$(find /var/lib/redis /var/log/redis -uid 0 -mindepth 1 2>/dev/null)
check "nothing root-owned in /var/lib/redis or /var/log/redis: $root_owned" '[ -z "$root_owned" ]'
pid=$(cat "$tmp/pid" 2>/dev/null)
check "redis-server ($pid) is gone after the run" '[ -n "$pid" ] && [ ! -e "/proc/$pid" ]'
exit $fail
