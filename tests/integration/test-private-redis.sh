#!/bin/sh
# Debian's own redis-server.service, four runs at once with --private-network (its fixed
# 127.0.0.1:6379 and RuntimeDirectory=redis at /run/redis, per run) and --private-path
# /var/lib/redis (the unit keeps its dump there without a StateDirectory=): each run
# writes and reads its own key, none sees another's, a redis on the host (if any) never
# sees them, /run/redis never appears on the host; then a SIGKILLed `up` leaves no
# process in its namespaces. Root only (the unit has User=redis); exits 77 without it.
#   UNITRUN=path/to/unitrun test-private-redis.sh
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root (User=redis)" >&2; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: no redis-cli" >&2; exit 77; }
"$UNITRUN" cat redis-server.service >/dev/null 2>&1 || { echo "skip: no redis-server.service" >&2; exit 77; }

T_PREFIX=urpredis . "$(dirname "$0")/../common/private-lib.sh"
run_dir_existed=$([ -e /run/redis ] && echo yes || echo no)
KEY=unitrun-test-$$

pids=
for i in 1 2 3 4; do
        "$UNITRUN" run -q --private-network --private-path /var/lib/redis redis-server.service -- sh -c "
                redis-cli get $KEY >$T/before$i
                redis-cli set $KEY run$i >/dev/null
                touch $T/set$i
                while [ \$(ls $T/set* | wc -l) -lt 4 ]; do sleep 0.05; done
                redis-cli get $KEY >$T/after$i
                [ -S /run/redis/redis-server.sock ] || [ -e /run/redis/redis-server.pid ]" 2>"$T/err$i" &
        pids="$pids $!"
done
# Meanwhile, from the host: whatever answers on 6379 here (another job's redis, or
# nothing) does not have our key.
for _ in $(seq 200); do [ "$(ls "$T"/set* 2>/dev/null | wc -l)" = 4 ] && break; sleep 0.05; done
host=$(redis-cli -h 127.0.0.1 -p 6379 get "$KEY" 2>/dev/null)
[ -z "$host" ] || fail "the host's 6379 has the runs' key: '$host'"
i=0
for pid in $pids; do
        i=$((i + 1))
        wait "$pid" || fail "run $i failed with status $?"
done
for i in 1 2 3 4; do
        [ -z "$(cat "$T/before$i")" ] || fail "run $i started with another run's data: $(cat "$T/before$i")"
        [ "$(cat "$T/after$i")" = "run$i" ] || fail "run $i read '$(cat "$T/after$i")', not its own key"
done
[ "$run_dir_existed" = yes ] || [ ! -e /run/redis ] || fail "/run/redis appeared on the host"

# SIGKILL of the launcher while redis runs in its namespaces.
"$UNITRUN" up -q --private-network --private-path /var/lib/redis redis-server.service >"$T/up" 2>"$T/err-up" &
LAUNCHER=$!
for _ in $(seq 200); do grep -q 'redis-server.service.*running' "$T/up" 2>/dev/null && break; sleep 0.05; done
unit=$(sed -n 's/.*running *pid \([0-9]*\).*/\1/p' "$T/up" | head -1)
[ -n "$unit" ] || fail "'up' did not report redis running: $(cat "$T/up")"
netns=$(readlink "/proc/$unit/ns/net")
[ "$netns" != "$(readlink /proc/self/ns/net)" ] || fail "redis runs in the host's network namespace"
kill -9 "$LAUNCHER"
wait "$LAUNCHER" 2>/dev/null
LAUNCHER=
left=$(ns_wait_empty net "$netns")
[ -z "$left" ] || fail "processes still in the SIGKILLed run's network namespace:$left"
[ "$run_dir_existed" = yes ] || [ ! -e /run/redis ] || fail "/run/redis left on the host after the SIGKILL"
echo "ok: four private redis runs"
