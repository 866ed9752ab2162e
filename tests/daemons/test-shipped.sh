#!/bin/bash
# Debian's own units, as shipped in /lib/systemd/system, run UNCHANGED and BY NAME through
# `unitrun run NAME -- CLIENT`: the daemon becomes ready, a real client gets an answer,
# and after the run there is no process, no cgroup and no run directory of it left, and
# nothing new owned by root where the daemon keeps its data (the debris that broke the
# real service later when User= was ignored).
#
#   redis       redis-server.service: User=redis; redis-cli ping; the uid of the daemon
#   nginx       nginx.service: Type=forking with PIDFile=; curl gets 200
#   postgresql  postgresql@15-main.service: a template instance (the Debian cluster of
#               postgresql-15, see pg_lsclusters); psql as postgres over the unix socket
#   mosquitto   mosquitto.service: READY=1 after the daemon dropped privileges itself
#   apache2     apache2.service: Type=forking, no PIDFile=, apachectl returns before
#               httpd writes its PID file; curl gets 200
#   memcached   memcached.service + a drop-in from --unit-path adding
#               [X-Ready] TCP=127.0.0.1:11211 (Type=simple is "ready at exec")
#
# These vendor units write the host's /var/lib, /run and /var/log paths, as they do under
# systemd: what the run changes there is put back as it was (the paths are archived
# before and restored after). They use fixed ports: a busy port, a missing daemon or
# client, or not being root is a skip (77), with the reason.
#   UNITRUN=path/to/unitrun test-shipped.sh CASE   (UNITRUN_NO_CGROUP=1: the fallback)
set -u
case_=${1:?usage: test-shipped.sh redis|nginx|postgresql|mosquitto|apache2|memcached}
. "$(dirname "$0")/../common/test-lib.sh"
require_root "the vendor units run their daemons as root, then as their users"
installed() { [ -e "/lib/systemd/system/$1" ] || skip "/lib/systemd/system/$1 is not installed"; }

# Per case: the unit, its port, the host paths it writes, the user that must own what it
# creates there (empty: not checked), extra run options, and the client (a bash script
# run as COMMAND with $0 = the scratch directory; it writes $0/answer).
root_ok=
case $case_ in
redis)
        unit=redis-server.service port=6379 user=redis
        paths="/var/lib/redis /var/log/redis /run/redis"
        need redis-cli
        client='redis-cli -p 6379 ping >"$0/answer"; redis-cli -p 6379 save >/dev/null'
        expect=PONG
        ;;
nginx)
        unit=nginx.service port=80 user=
        paths="/var/log/nginx /var/lib/nginx /run/nginx.pid"
        need curl
        client='curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/ >"$0/answer"'
        expect=200
        ;;
postgresql)
        unit=postgresql@15-main.service port=5432 user=postgres
        need pg_lsclusters
        need psql
        pg_lsclusters -h 2>/dev/null | grep -q '^15 *main ' || skip "no Debian cluster 15/main (pg_lsclusters)"
        paths="/var/lib/postgresql/15/main /var/log/postgresql /run/postgresql"
        client='su postgres -c "psql -XAtc \"select 40 + 2\"" >"$0/answer"'
        expect=42
        ;;
mosquitto)
        unit=mosquitto.service port=1883 user=mosquitto
        paths="/var/lib/mosquitto /var/log/mosquitto /run/mosquitto"
        # A CONNECT packet (MQTT 3.1.1, clean session, client id "t"): a broker answers CONNACK 20 02 00 00.
        client='exec 3<>/dev/tcp/127.0.0.1/1883
                printf "\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01t" >&3
                head -c 4 <&3 | od -An -tx1 | tr -d " \n" >"$0/answer"'
        expect=20020000
        ;;
apache2)
        unit=apache2.service port=80 user=
        # apachectl and httpd's parent run as root and make these root-owned, as under systemd.
        root_ok="/run/apache2 /var/log/apache2"
        paths="/var/log/apache2 /run/apache2 /var/lock/apache2 /var/cache/apache2"
        need curl
        client='curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/ >"$0/answer"'
        expect=200
        ;;
memcached)
        unit=memcached.service port=11211 user=memcache
        paths="/run/memcached /var/log/memcached.log"
        client='exec 3<>/dev/tcp/127.0.0.1/11211; printf "version\r\n" >&3
                read -r line <&3; echo "${line%% *}" >"$0/answer"'
        expect=VERSION
        ;;
*)
        echo "unknown case $case_" >&2
        exit 99
        ;;
esac
installed "${unit/@*./@.}"
[ -z "$user" ] || id "$user" >/dev/null 2>&1 || skip "there is no user $user"
require_free_port "$port"

test_tmpdir urshipped
# shellcheck disable=SC2086
keep_host_paths $paths
touch "$tmp/stamp"

opts=()
if [ "$case_" = memcached ]; then
        mkdir -p "$tmp/units/memcached.service.d"
        printf '[X-Ready]\nTCP=127.0.0.1:11211\n' >"$tmp/units/memcached.service.d/ready.conf"
        opts=(--unit-path "$tmp/units")
fi
env_name=$(echo "${unit%.service}" | tr 'a-z' 'A-Z' | sed 's/[^A-Z0-9]/_/g')

run_reported "$UNITRUN" run "${opts[@]}" "$unit" -- bash -c '
        '"$client"'
        pid=$UNITRUN_'"$env_name"'_PID
        echo "$pid" >"$0/pid"
        stat -c %u "/proc/$pid" >"$0/uid" 2>/dev/null
        # Every process of the unit, to check that none is left.
        cg=$UNITRUN_'"$env_name"'_CGROUP
        { [ -n "$cg" ] && cat "$cg/cgroup.procs" 2>/dev/null; } >"$0/procs" || echo "$pid" >"$0/procs"
        echo "$UNITRUN_'"$env_name"'_CGROUP" >"$0/cgroup"
        echo "$UNITRUN_RUNTIME_DIR" >"$0/rundir"
' "$tmp"
answer=$(cat "$tmp/answer" 2>/dev/null)
check "the client got '$expect' from $unit, not '$answer'" '[ "$answer" = "$expect" ]'
check "ready well before the start timeout (took ${elapsed}s)" '[ "$elapsed" -lt 60 ]'
if [ -n "$user" ]; then
        want=$(id -u "$user")
        check "the main process ran as $user ($want), not uid $(cat "$tmp/uid" 2>/dev/null)" \
                '[ "$(cat "$tmp/uid" 2>/dev/null)" = "$want" ]'
fi
check "no race warning for a unit with a readiness condition" '! grep -q "may race" "$tmp/stderr"'
for pid in $(cat "$tmp/pid" "$tmp/procs" 2>/dev/null); do
        check "process $pid of $unit is gone after the run" '[ ! -e "/proc/$pid" ] || grep -q "^State:.Z" "/proc/$pid/status"'
done
check "the run saw the unit's processes" '[ -s "$tmp/procs" ]'
cg=$(cat "$tmp/cgroup" 2>/dev/null)
check "the unit's cgroup $cg is gone" '[ -z "$cg" ] || [ ! -e "$cg" ]'
rd=$(cat "$tmp/rundir" 2>/dev/null)
check "the run directory $rd is gone" '[ -n "$rd" ] && [ ! -e "$rd" ]'
check "port $port is free again" '! port_busy "$port"'
# New files owned by root where the daemon keeps its state (modified ones are its own).
for p in $paths; do
        case " $root_ok " in *" $p "*) continue ;; esac
        [ -e "$p" ] || continue
        while read -r f; do
                grep -qxF "$f" "$tmp/before.list" && continue
                check "$f was created root-owned by the run" false
        done < <(find "$p" -uid 0 -newer "$tmp/stamp" 2>/dev/null)
done
[ "$case_" != redis ] || check "redis saved dump.rdb as redis" \
        '[ "$(stat -c %U /var/lib/redis/dump.rdb 2>/dev/null)" = redis ]'
[ $fail = 0 ] && echo "ok: $unit ($case_${UNITRUN_NO_CGROUP:+, fallback})"
exit $fail
