#!/bin/bash
# A shipped unit with its real daemon, end to end through the unitrun binary:
#
#   test-daemon.sh postgresql | redis | nginx | app-with-db | postgresql-sigterm
#
# Each case runs `unitrun run --json UNITS_DIR/UNIT -- test-daemon.sh --inside ...`: inside
# unitrun, this script records every process of every unit (PID and starttime, from the
# unit's cgroup.procs and the main process's session and descendants), the runtime directory
# and the cgroups, then runs the daemon's real client and saves its answer. Outside again,
# the test asserts the answer, unitrun's exit status, its events (ready through READY=1 or
# HTTP, stopped clean), and that nothing of the run is left: no recorded process alive, no
# runtime directory, no cgroup. postgresql-sigterm instead keeps the command running and
# sends unitrun SIGTERM: it must exit 143 after the same full teardown.
#
# Whatever survives is SIGKILLed by PID (a recorded PID counts only while its starttime
# still matches), and everything the test made is removed, on failure too. UNITRUN (the
# binary) and UNITS_DIR (the source's units/) come from meson. Exit 77 = skip: a daemon or
# a client program is not installed.
set -u

# ---- Inside unitrun: record, then ask ----------------------------------------------------------

# Every process of a unit (MAIN-PID [CGROUP]), one PID a line: its cgroup's, and the main
# process's session and descendants, which is all there is on the fallback path (postgres's
# children call setsid(), so the session alone would miss them).
unit_pids() {
        local main=$1 cgroup=${2:-} stat line rest fields pid changed=1
        local -A ppid sid member=([$main]=1)
        [ -n "$cgroup" ] && cat "$cgroup/cgroup.procs"
        for stat in /proc/[0-9]*/stat; do
                read -r line 2>/dev/null <"$stat" || continue
                rest=${line##*) } && read -ra fields <<<"$rest"
                pid=${stat//[^0-9]/}
                ppid[$pid]=${fields[1]} sid[$pid]=${fields[3]}
        done
        while [ "$changed" = 1 ]; do
                changed=0
                for pid in "${!ppid[@]}"; do
                        [ -z "${member[$pid]:-}" ] || continue
                        if [ -n "${member[${ppid[$pid]}]:-}" ] || [ "${sid[$pid]}" = "$main" ]; then
                                member[$pid]=1 changed=1
                        fi
                done
        done
        printf '%s\n' "${!member[@]}"
}

# --inside DIR UNIT-NAME... -- CLIENT [ARG]...
if [ "${1:-}" = --inside ]; then
        dir=$2
        shift 2
        echo "$UNITRUN_RUNTIME_DIR" >"$dir/runtime-dir"
        while [ "$1" != -- ]; do
                var=$(echo "${1%.service}" | tr a-z A-Z | tr -c 'A-Z0-9\n' _)
                pid_var=UNITRUN_${var}_PID cgroup_var=UNITRUN_${var}_CGROUP
                main=${!pid_var:-}
                cgroup=${!cgroup_var:-}
                echo "$1 $main" >>"$dir/main-pids"
                [ -n "$cgroup" ] && echo "$cgroup" >>"$dir/cgroups"
                # "PID STARTTIME UNIT UID"
                [ -n "$main" ] && unit_pids "$main" "$cgroup" | sort -un | while read -r pid; do
                        read -r line 2>/dev/null <"/proc/$pid/stat" || continue
                        rest=${line##*) } && read -ra fields <<<"$rest"
                        echo "$pid ${fields[19]} $1 $(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")"
                done >>"$dir/procs"
                shift
        done
        shift
        # The command itself: this process, which becomes the client (and, after its last
        # exec, the sleep of postgresql-sigterm).
        read -r line <"/proc/$$/stat" && rest=${line##*) } && read -ra fields <<<"$rest"
        echo "$$ ${fields[19]} COMMAND $(id -u)" >>"$dir/procs"
        exec "$@" >"$dir/answer"
fi

# ---- The test ----------------------------------------------------------------------------------

case_name=${1:-}

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

fail() {
        echo "FAIL ($case_name): $*" >&2
        failed=1
}

[ -n "${UNITRUN:-}" ] && [ -x "$UNITRUN" ] || { echo "UNITRUN must name the unitrun binary" >&2; exit 99; }
[ -n "${UNITS_DIR:-}" ] && [ -d "$UNITS_DIR" ] || { echo "UNITS_DIR must name units/" >&2; exit 99; }

PG_BIN=/usr/lib/postgresql/15/bin
# Per case: the unit file, the units it brings (their processes are recorded), the
# programs it needs, the client command (run by sh inside unitrun) and its expected answer.
case "$case_name" in
postgresql | postgresql-sigterm)
        unit=postgresql.service
        units=(postgresql.service)
        programs=("$PG_BIN/postgres" "$PG_BIN/initdb" psql)
        client='psql -X -h "$UNITRUN_RUNTIME_DIR/postgresql" -U postgres -Atc "select current_user, 6 * 7"'
        expected='postgres|42'
        ;;
redis)
        unit=redis.service
        units=(redis.service)
        programs=(redis-server redis-cli)
        client='redis-cli -s "$UNITRUN_RUNTIME_DIR/redis/redis.sock" ping'
        expected=PONG
        ;;
nginx)
        unit=nginx.service
        units=(nginx.service)
        programs=(nginx curl)
        # Also a file the test writes: the worker (www-data when root) must be able to read it.
        client='echo written-by-test >"$UNITRUN_RUNTIME_DIR/nginx/html/test.txt" &&
                curl -sSf --unix-socket "$UNITRUN_RUNTIME_DIR/nginx/nginx.sock" http://localhost/ http://localhost/test.txt'
        expected=$'unitrun nginx\nwritten-by-test'
        ;;
app-with-db)
        unit=app-with-db.service
        units=(app-with-db.service postgresql.service redis.service)
        programs=("$PG_BIN/postgres" "$PG_BIN/initdb" psql redis-server redis-cli systemd-notify)
        client='redis-cli -s "$UNITRUN_RUNTIME_DIR/redis/redis.sock" get answer &&
                psql -X -h "$UNITRUN_RUNTIME_DIR/postgresql" -U postgres -Atc "select 1"'
        expected=$'42\n1'
        ;;
*)
        echo "usage: $0 postgresql|redis|nginx|app-with-db|postgresql-sigterm" >&2
        exit 2
        ;;
esac
for p in "${programs[@]}"; do
        command -v "$p" >/dev/null || skip "$p is not installed"
done

T=$(mktemp -d /tmp/urdaemon.XXXXXX) || exit 99
failed=0
unitrun_pid=

# "PID STARTTIME" still names the same live process (not a zombie).
same_process_alive() {
        local line rest fields
        read -r line 2>/dev/null <"/proc/$1/stat" || return 1
        rest=${line##*) } && read -ra fields <<<"$rest"
        [ "${fields[0]}" != Z ] && [ "${fields[19]}" = "$2" ]
}

cleanup() {
        local pid start rest cgroup
        if [ -n "$unitrun_pid" ] && kill -0 "$unitrun_pid" 2>/dev/null; then
                kill -TERM "$unitrun_pid" 2>/dev/null # it tears down what it started
                for _ in $(seq 150); do kill -0 "$unitrun_pid" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$unitrun_pid" 2>/dev/null
                wait "$unitrun_pid" 2>/dev/null
        fi
        if [ -f "$T/procs" ]; then
                while read -r pid start rest; do
                        same_process_alive "$pid" "$start" && kill -KILL "$pid" 2>/dev/null
                done <"$T/procs"
        fi
        if [ -f "$T/cgroups" ]; then
                while read -r cgroup; do
                        [ -d "$cgroup" ] || continue
                        echo 1 >"$cgroup/cgroup.kill" 2>/dev/null
                        for _ in $(seq 50); do rmdir "$cgroup" 2>/dev/null && break; sleep 0.1; done
                done <"$T/cgroups"
        fi
        if [ -s "$T/runtime-dir" ]; then
                rm -rf -- "$(cat "$T/runtime-dir")"
        fi
        rm -rf -- "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- Run ---------------------------------------------------------------------------------------

if [ "$case_name" = postgresql-sigterm ]; then
        client="$client && touch '$T/asked' && exec sleep 300"
        expected_status=143
else
        expected_status=0
fi

"$UNITRUN" run --json --color=never "$UNITS_DIR/$unit" -- \
        "$0" --inside "$T" "${units[@]}" -- sh -c "$client" 2>"$T/events" &
unitrun_pid=$!

if [ "$case_name" = postgresql-sigterm ]; then
        for _ in $(seq 600); do [ -e "$T/asked" ] || ! kill -0 "$unitrun_pid" 2>/dev/null && break; sleep 0.1; done
        [ -e "$T/asked" ] || fail "the command did not get its answer within 60s"
        kill -TERM "$unitrun_pid"
fi
wait "$unitrun_pid"
status=$?
unitrun_pid=

# ---- Check -------------------------------------------------------------------------------------

[ "$status" = "$expected_status" ] || fail "unitrun exited $status, expected $expected_status"
answer=$(cat "$T/answer" 2>/dev/null)
[ "$answer" = "$expected" ] || fail "the client answered '$answer', expected '$expected'"

# Events: each unit became ready the way its file says, and stopped clean.
for u in "${units[@]}"; do
        case $u in
        nginx.service) how='"conditions":"exec, HTTP GET http://localhost/ status 2\[0-9\]\[0-9\]"' ;;
        *) how='"conditions":"READY=1"' ;;
        esac
        grep -q "\"event\":\"ready\".*\"unit\":\"$u\".*$how" "$T/events" || fail "$u: no ready event with $how"
        grep -q "\"event\":\"stopped\".*\"unit\":\"$u\".*\"clean\":true" "$T/events" ||
                fail "$u: no clean stopped event"
done

# The recording itself must have seen the daemons, or "nothing survives" proves nothing.
[ -s "$T/procs" ] || fail "no process of the units was recorded"
while read -r u main; do
        [ -n "$main" ] || { fail "$u: no UNITRUN_*_PID in the command's environment"; continue; }
        grep -q "^$main .* $u " "$T/procs" || fail "$u: main PID $main is not among its recorded processes"
done <"$T/main-pids"
n_postgres=$(grep -c ' postgresql.service ' "$T/procs")
n_nginx=$(grep -c ' nginx.service ' "$T/procs")
case " ${units[*]} " in *" postgresql.service "*)
        # The postmaster and its background processes, all of them a non-root user.
        [ "$n_postgres" -ge 4 ] || fail "postgresql.service: only $n_postgres processes recorded"
        if [ "$(id -u)" = 0 ] && grep -q ' postgresql.service 0$' "$T/procs"; then
                fail "postgresql.service: processes running as root: $(grep ' postgresql.service 0$' "$T/procs")"
        fi
        ;;
esac
case " ${units[*]} " in *" nginx.service "*)
        [ "$n_nginx" -ge 2 ] || fail "nginx.service: only $n_nginx processes recorded (master and worker)"
        ;;
esac

# Nothing of the run survives.
while read -r pid start u _; do
        if same_process_alive "$pid" "$start"; then
                fail "$u: process $pid survived unitrun: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
        fi
done <"$T/procs"
runtime_dir=$(cat "$T/runtime-dir" 2>/dev/null)
[ -n "$runtime_dir" ] || fail "the command did not see UNITRUN_RUNTIME_DIR"
[ -z "$runtime_dir" ] || [ ! -e "$runtime_dir" ] || fail "the runtime directory $runtime_dir is left"
if [ -f "$T/cgroups" ]; then
        while read -r cgroup; do
                [ ! -e "$cgroup" ] || fail "the cgroup $cgroup is left"
        done <"$T/cgroups"
fi

if [ "$failed" != 0 ]; then
        echo "---- unitrun's events and output:" >&2
        cat "$T/events" >&2
        exit 1
fi
echo "ok: $case_name answered '${answer//$'\n'/ | }'; $(wc -l <"$T/procs") processes recorded, none survived"
