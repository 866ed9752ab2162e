#!/bin/bash
# Debian's own redis-server.service, as shipped, through `unitrun run`: it must run as the
# user redis (User=, Group=, UMask=, LimitNOFILE=, CapabilityBoundingSet=, NoNewPrivileges=
# applied), answer redis-cli, and leave nothing root-owned in /var/lib/redis or
# /var/log/redis, which is what broke the real service later when User= was ignored.
#
# The unit runs unchanged, by name. It uses the host's /etc/redis/redis.conf, so port 6379
# must be free.
# What the run changes in /var/lib/redis and /var/log/redis (dump.rdb, the log) is put
# back as it was afterwards (the paths are archived before and restored after). Exit 77 =
# skip.
set -u

. "$(dirname "$0")/../common/test-lib.sh"
unit=/lib/systemd/system/redis-server.service
require_root "User=redis"
[ -r "$unit" ] || skip "$unit is not installed (apt-get install redis-server)"
need redis-cli
redis_uid=$(id -u redis 2>/dev/null) || skip "there is no user redis"
require_free_port 6379

test_tmpdir urredis
keep_host_paths /var/lib/redis /var/log/redis

run_reported "$UNITRUN" run redis-server.service -- sh -c '
        redis-cli -p 6379 ping >"$0/ping" 2>&1
        redis-cli -p 6379 set unitrun-user-test 1 >/dev/null
        redis-cli -p 6379 save >/dev/null
        echo "$UNITRUN_REDIS_SERVER_PID" >"$0/pid"
        stat -c %u "/proc/$UNITRUN_REDIS_SERVER_PID" >"$0/uid"
        grep "^Max open files" "/proc/$UNITRUN_REDIS_SERVER_PID/limits" >"$0/limits"
        grep -E "^(CapBnd|NoNewPrivs|Umask):" "/proc/$UNITRUN_REDIS_SERVER_PID/status" >"$0/status"
' "$tmp"
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
