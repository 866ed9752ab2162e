#!/bin/bash
# Isolation path (b), the delegated systemd scope, against a real `systemd --user`.
#
#   test-scope.sh root-in-tree | nobody-in-tree | stale-scope | library | nobody-outside | no-manager |
#                 detach | nobody-detach
#
# "library" runs the library's executor tests (TEST_EXECUTOR) on path (b): every context
# after the first reuses the process's scope. "detach" (root) and "nobody-detach" start a
# detached run (up --detach, with --private-network) from inside the manager's tree and
# drive it from outside as later CI steps would (status, env, exec into its network, down),
# then SIGKILL a second run's supervisor.
#
# Needs root (CI runs as root): the script re-executes itself in a private mount namespace
# where a tmpfs over /run holds an empty /run/systemd/system, so sd_booted() holds and no
# host manager or system bus is visible. A user manager (root's or nobody's) is started
# there with its own HOME and XDG_RUNTIME_DIR under a temporary directory and in its own
# cgroup (cgroup2, plus the v1 name=systemd hierarchy on hybrid hosts, since systemd mirrors
# its tree there), chowned to the user. It is stopped by PID at the end and its cgroups are
# removed depth first. UNITRUN (the binary) and FIXTURE_DIR come from meson.
#
# "in-tree" cases run unitrun through `systemd-run --user --pipe --wait`, so it starts
# inside the manager's tree; its own service cgroup would be writable there, so the test
# hook UNITRUN_NO_OWN_CGROUP=1 skips path (a) and forces path (b). Exit 77 = skip.
set -u

case_name=${1:-}
SYSTEMD=/lib/systemd/systemd
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

fail() {
        echo "FAIL ($case_name): $*" >&2
        exit 1
}

case "$case_name" in
root-in-tree | nobody-in-tree | stale-scope | library | nobody-outside | no-manager | detach | nobody-detach) ;;
*)
        echo "usage: $0 root-in-tree|nobody-in-tree|stale-scope|library|nobody-outside|no-manager|detach|nobody-detach" >&2
        exit 2
        ;;
esac
[ -n "${UNITRUN:-}" ] && [ -x "$UNITRUN" ] || fail "UNITRUN must name the unitrun binary"
[ -n "${FIXTURE_DIR:-}" ] && [ -x "$FIXTURE_DIR/forker" ] || fail "FIXTURE_DIR must hold the fixtures"

if [ -z "${UNITRUN_SCOPE_TEST_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || skip "needs root to start a user manager in its own cgroup and mount namespace"
        command -v unshare >/dev/null || skip "unshare(1) is not installed"
        unshare --mount --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
        UNITRUN_SCOPE_TEST_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

# ---- Inside the private mount namespace ------------------------------------------------------

# Mount points by filesystem type from mountinfo (never assume /sys/fs/cgroup).
mount_of() { # fstype [super-option]
        awk -v fs="$1" -v opt="${2:-}" '{
                for (i = 7; i <= NF; i++) if ($i == "-") break
                if ($(i + 1) != fs) next
                if (opt != "" && ("," $(i + 3) ",") !~ ("," opt ",")) next
                print $5; exit
        }' /proc/self/mountinfo
}
CG2=$(mount_of cgroup2)
[ -n "$CG2" ] || skip "no cgroup2 filesystem is mounted"
CG1=$(mount_of cgroup name=systemd) # hybrid hosts only
[ -x "$SYSTEMD" ] || skip "$SYSTEMD is not installed"
[ -w "$CG2/cgroup.procs" ] || skip "the cgroup2 root is not writable"

T=$(mktemp -d /tmp/urscope.XXXXXX) || fail "mktemp"
chmod 755 "$T"
REL=/urscope-test-$$ # the test's cgroup, relative to both mounts
MANAGER_PID=
NOBODY_UID=$(id -u nobody 2>/dev/null) || skip "no user nobody"
NOBODY_GID=$(id -g nobody)

is_alive() { # pid: running, not a zombie
        local state
        state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$state" ] && [ "$state" != Z ]
}

cleanup() {
        local i
        if [ -n "$MANAGER_PID" ]; then
                kill -TERM "$MANAGER_PID" 2>/dev/null
                for i in $(seq 100); do is_alive "$MANAGER_PID" || break; sleep 0.1; done
                is_alive "$MANAGER_PID" && kill -KILL "$MANAGER_PID" 2>/dev/null
                wait "$MANAGER_PID" 2>/dev/null
        fi
        if [ -d "$CG2$REL" ]; then
                # Whatever the manager left behind dies with the test's cgroup.
                if grep -q 'populated 1' "$CG2$REL/cgroup.events" 2>/dev/null; then
                        echo 1 >"$CG2$REL/cgroup.kill" 2>/dev/null
                        for i in $(seq 50); do
                                grep -q 'populated 1' "$CG2$REL/cgroup.events" || break
                                sleep 0.1
                        done
                fi
                find "$CG2$REL" -depth -type d -exec rmdir {} + 2>/dev/null
        fi
        [ -n "$CG1" ] && [ -d "$CG1$REL" ] && find "$CG1$REL" -depth -type d -exec rmdir {} + 2>/dev/null
        [ -d "$CG2$REL" ] && echo "warning: could not remove $CG2$REL" >&2
        [ -n "$CG1" ] && [ -d "$CG1$REL" ] && echo "warning: could not remove $CG1$REL" >&2
        rm -rf "$T"
}
trap cleanup EXIT

# sd_booted() checks /run/systemd/system; a tmpfs over /run (this namespace only) also hides
# the host's managers and system bus, so the managers here are the only ones.
mount -t tmpfs -o mode=755 tmpfs /run || skip "cannot mount a tmpfs over /run in a private namespace"
mkdir -p /run/systemd/system

mkdir -p "$T/bin"
cp "$UNITRUN" "$FIXTURE_DIR/forker" "$T/bin/" || fail "cannot copy the binaries"
chmod 755 "$T/bin" "$T/bin/"*

mkdir "$CG2$REL" || fail "cannot create $CG2$REL"
if [ -n "$CG1" ]; then mkdir "$CG1$REL" || fail "cannot create $CG1$REL"; fi

# as UID GID: sets AS to the command prefix that runs as that user (no PAM, no
# supplementary groups), so that it can follow exec and timeout.
as() {
        if [ "$1" = 0 ]; then AS=(env); else AS=(setpriv --reuid="$1" --regid="$2" --clear-groups); fi
}

# start_manager UID GID NAME: a user manager in $REL/NAME, its files in $T/NAME.
start_manager() {
        local uid=$1 gid=$2 name=$3 dir i state
        dir=$T/$name
        mkdir -p "$dir/home" "$dir/run" "$dir/work"
        chmod 700 "$dir/run"
        chown -R "$uid:$gid" "$dir"
        # What user@.service's Delegate=yes does: the subtree belongs to the user.
        mkdir "$CG2$REL/$name" || fail "cannot create the manager's cgroup"
        chown "$uid:$gid" "$CG2$REL/$name" "$CG2$REL/$name/cgroup.procs" \
                "$CG2$REL/$name/cgroup.subtree_control" "$CG2$REL/$name/cgroup.threads"
        if [ -n "$CG1" ]; then
                mkdir "$CG1$REL/$name" || fail "cannot create the manager's v1 cgroup"
                chown "$uid:$gid" "$CG1$REL/$name" "$CG1$REL/$name/cgroup.procs" "$CG1$REL/$name/tasks"
        fi
        MANAGER_UID=$uid
        MANAGER_GID=$gid
        MANAGER_RUN=$dir/run
        MANAGER_HOME=$dir/home
        MANAGER_CG=$REL/$name
        (
                # Join as root (the move crosses the root-owned parent), then become the user.
                echo 0 >"$CG2$REL/$name/cgroup.procs" || exit 1
                if [ -n "$CG1" ]; then echo 0 >"$CG1$REL/$name/cgroup.procs" || exit 1; fi
                as "$uid" "$gid"
                exec "${AS[@]}" env -i HOME="$MANAGER_HOME" XDG_RUNTIME_DIR="$MANAGER_RUN" \
                        PATH="$SAFE_PATH" USER="$name" LOGNAME="$name" "$SYSTEMD" --user
        ) </dev/null >"$dir/manager.log" 2>&1 &
        MANAGER_PID=$!
        # Ready when its private socket answers and start-up is over.
        for i in $(seq 300); do
                is_alive "$MANAGER_PID" || break
                as "$uid" "$gid"
                state=$("${AS[@]}" env XDG_RUNTIME_DIR="$MANAGER_RUN" \
                        systemctl --user is-system-running 2>/dev/null)
                case "$state" in running | degraded) return 0 ;; esac
                sleep 0.1
        done
        cat "$dir/manager.log" >&2
        fail "the user manager did not come up (state: ${state:-none})"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# unitrun_case UID GID WRAP...: runs unitrun with a unit that double-forks a setsid
# grandchild, and a COMMAND that prints the v2 cgroup of every process of the unit (or,
# with COMMAND_KILLS set, SIGKILLs unitrun instead). WRAP is how it is started (a
# systemd-run line or env). Sets STATUS, OUT, ERR, ELAPSED.
unitrun_case() {
        local uid=$1 gid=$2 start
        local command='while read -r pid start; do grep "^0::" "/proc/$pid/cgroup"; done <"$1"'
        shift 2
        local ready=(--type notify)
        PIDS=$WORK/pids
        OUT=$WORK/out
        ERR=$WORK/err
        rm -f "$PIDS"
        # The launcher's guardian would clean up after it: stop both, then kill both. (A
        # script file: systemd-run would expand "$$" in a command line.) The unit is ready
        # only once its "ready" line is out: written after unitrun died, it would get EPIPE
        # and end the unit that is meant to survive.
        if [ -n "${COMMAND_KILLS:-}" ]; then
                ready=(--ready-output '^ready$')
                cat >"$WORK/kill-launcher.sh" <<'EOS'
# The launcher ($PPID) and its guardian: the one child of the launcher that lives in no
# unit's leaf (units and we, COMMAND, in .command, are its children too).
pids=$PPID
for child in $(cat /proc/$PPID/task/*/children); do
        case $(sed -n "s/^0:://p" /proc/$child/cgroup) in
        *.service | */supervisor | */.command) ;;
        *) pids="$pids $child" ;;
        esac
done
kill -STOP $pids
kill -KILL $pids
EOS
                chmod 755 "$WORK/kill-launcher.sh"
                command=". $WORK/kill-launcher.sh"
        fi
        as "$uid" "$gid"
        start=$(now_ms)
        timeout 60 "${AS[@]}" "$@" "$T/bin/unitrun" run --verbose \
                --exec "$T/bin/forker double-setsid $PIDS" "${ready[@]}" -- \
                sh -c "$command" sh "$PIDS" "$CG2" \
                >"$OUT" 2>"$ERR" </dev/null
        STATUS=$?
        ELAPSED=$(($(now_ms) - start))
        echo "--- unitrun exited $STATUS after ${ELAPSED} ms; stdout:" >&2
        cat "$OUT" >&2
        echo "--- stderr:" >&2
        cat "$ERR" >&2
}

# Every process the unit recorded (PID + start time) is gone.
check_unit_processes_dead() {
        local pid start now
        [ -s "$PIDS" ] || fail "the unit recorded no processes"
        [ "$(wc -l <"$PIDS")" -ge 2 ] || fail "the unit did not record its grandchild"
        while read -r pid start; do
                now=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null)
                if [ "$now" = "$start" ] && is_alive "$pid"; then
                        fail "process $pid of the unit survived the run"
                fi
        done <"$PIDS"
}

# Nothing of unitrun is left in the manager's tree, neither cgroups nor units nor processes
# (systemd stops and collects the scope asynchronously, after unitrun exited).
check_nothing_left() {
        local i left
        as "$MANAGER_UID" "$MANAGER_GID"
        for i in $(seq 100); do
                left=$(find "$CG2$MANAGER_CG" ${CG1:+"$CG1$MANAGER_CG"} -type d -name 'unitrun-*' 2>/dev/null)
                left+=$("${AS[@]}" env XDG_RUNTIME_DIR="$MANAGER_RUN" systemctl --user list-units --all \
                        --plain --no-legend 'unitrun-*' 2>&1)
                # Only the manager itself and the user bus (systemd-run uses it) may still run.
                left+=$(find "$CG2$MANAGER_CG" -name cgroup.procs ! -path '*/init.scope/*' \
                        ! -path '*/dbus.service/*' -exec cat {} +)
                [ -z "$left" ] && return 0
                sleep 0.1
        done
        for i in $left; do
                [ -d "/proc/$i" ] && left+=" ($(tr '\0' ' ' <"/proc/$i/cmdline") in $(grep '^0::' "/proc/$i/cgroup"))"
        done
        fail "left behind: $left"
}

check_scope_run() {
        local scope_re="$MANAGER_CG/([^/]+/)*unitrun-[0-9]+-[0-9a-f]+\.scope"
        [ "$STATUS" = 0 ] || fail "unitrun exited $STATUS"
        grep -Eq "isolation: delegated scope $CG2$scope_re\$" "$ERR" || fail "no 'isolation: delegated scope' line"
        grep -q "no cgroup isolation" "$ERR" && fail "unexpected fallback warning"
        [ "$(grep -c '^0::' "$OUT")" -ge 2 ] || fail "COMMAND did not see the unit's processes"
        # Every process of the unit in a leaf of the scope, not in the scope or supervisor.
        grep '^0::' "$OUT" | grep -Evq "^0::$scope_re/forker[^/]*\$" && fail "a unit process is outside its leaf"
        check_unit_processes_dead
        check_nothing_left
}

check_fallback_run() { # max_ms
        [ "$STATUS" = 0 ] || fail "unitrun exited $STATUS"
        grep -q "no cgroup isolation (.*systemd-run --user --pipe --wait --collect -p Delegate=yes" "$ERR" \
                || fail "the warning does not say what to do"
        [ "$ELAPSED" -lt "$1" ] || fail "the fallback took ${ELAPSED} ms (bound: $1 ms)"
        check_unit_processes_dead
}

case "$case_name" in
root-in-tree | nobody-in-tree)
        if [ "$case_name" = root-in-tree ]; then uid=0 gid=0 name=root; else uid=$NOBODY_UID gid=$NOBODY_GID name=nobody; fi
        start_manager "$uid" "$gid" "$name"
        WORK=$T/$name/work
        unitrun_case "$uid" "$gid" env XDG_RUNTIME_DIR="$MANAGER_RUN" \
                systemd-run --user --pipe --wait --quiet --collect -E UNITRUN_NO_OWN_CGROUP=1
        check_scope_run
        ;;
stale-scope)
        # A launcher SIGKILLed together with its guardian leaves its units running in its
        # scope; the next launcher of the same manager stops that scope.
        start_manager 0 0 root
        WORK=$T/root/work
        COMMAND_KILLS=1 unitrun_case 0 0 env XDG_RUNTIME_DIR="$MANAGER_RUN" \
                systemd-run --user --pipe --wait --quiet --collect -E UNITRUN_NO_OWN_CGROUP=1
        cp "$PIDS" "$WORK/stale-pids"
        read -r survivor _ <"$WORK/stale-pids"
        is_alive "$survivor" || fail "the unit did not outlive its SIGKILLed launcher (nothing to sweep)"
        [ -n "$(find "$CG2$MANAGER_CG" -type d -name 'unitrun-*.scope')" ] || fail "no scope left to sweep"
        unitrun_case 0 0 env XDG_RUNTIME_DIR="$MANAGER_RUN" \
                systemd-run --user --pipe --wait --quiet --collect -E UNITRUN_NO_OWN_CGROUP=1
        check_scope_run
        PIDS=$WORK/stale-pids
        for i in $(seq 100); do
                (check_unit_processes_dead) 2>/dev/null && break
                sleep 0.1
        done
        check_unit_processes_dead
        ;;
library)
        [ -n "${TEST_EXECUTOR:-}" ] && [ -x "$TEST_EXECUTOR" ] || fail "TEST_EXECUTOR must name test-executor"
        start_manager 0 0 root
        timeout 300 env XDG_RUNTIME_DIR="$MANAGER_RUN" systemd-run --user --pipe --wait --quiet --collect \
                -E UNITRUN_NO_OWN_CGROUP=1 -E FIXTURE_DIR="$FIXTURE_DIR" -E EXPECT_ISOLATION=scope \
                "$TEST_EXECUTOR" </dev/null
        STATUS=$?
        # EXPECT_ISOLATION=scope: test-executor exits 1 unless its context got the delegated
        # scope, so a run that silently fell back to another path does not pass here.
        [ "$STATUS" = 0 ] || fail "test-executor exited $STATUS on the delegated scope path"
        check_nothing_left
        ;;
nobody-outside)
        # Started from the test's own (root-owned) cgroup: the manager cannot move us, and
        # there is no system manager to help. The job fails; unitrun falls back and says so.
        start_manager "$NOBODY_UID" "$NOBODY_GID" nobody
        WORK=$T/nobody/work
        unitrun_case "$NOBODY_UID" "$NOBODY_GID" env -i PATH="$SAFE_PATH" HOME="$MANAGER_HOME" \
                XDG_RUNTIME_DIR="$MANAGER_RUN"
        grep -q "could not put this process into scope" "$ERR" || fail "the reason does not name the failed move"
        check_fallback_run 15000
        check_nothing_left
        ;;
no-manager)
        mkdir -p "$T/none/run" "$T/none/work"
        chmod 700 "$T/none/run"
        chown -R "$NOBODY_UID:$NOBODY_GID" "$T/none"
        WORK=$T/none/work
        # nobody without XDG_RUNTIME_DIR, then root with an empty one and path (a) skipped.
        unitrun_case "$NOBODY_UID" "$NOBODY_GID" env -i PATH="$SAFE_PATH"
        grep -q "no systemd user manager" "$ERR" || fail "the reason does not say there is no manager"
        check_fallback_run 4000
        unitrun_case 0 0 env -i PATH="$SAFE_PATH" XDG_RUNTIME_DIR="$T/none/run" UNITRUN_NO_OWN_CGROUP=1
        grep -q "no systemd manager" "$ERR" || fail "the reason does not say there is no manager"
        grep -q "no cgroup isolation (.*systemd-run --scope -p Delegate=yes" "$ERR" \
                || fail "the warning does not say what to do"
        STATUS_SAVED=$STATUS
        [ "$STATUS_SAVED" = 0 ] || fail "unitrun exited $STATUS_SAVED"
        [ "$ELAPSED" -lt 4000 ] || fail "the fallback took ${ELAPSED} ms"
        check_unit_processes_dead
        ;;
detach | nobody-detach)
        if [ "$case_name" = detach ]; then uid=0 gid=0 name=root; else uid=$NOBODY_UID gid=$NOBODY_GID name=nobody; fi
        start_manager "$uid" "$gid" "$name"
        WORK=$T/$name/work
        PIDS=$WORK/pids
        [ "$uid" = 0 ] && STATE=/run/unitrun || STATE=$MANAGER_RUN/unitrun
        scope_re="$CG2$MANAGER_CG/([^/]+/)*unitrun-[0-9]+-[0-9a-f]+\.scope"
        as "$uid" "$gid"
        U() { "${AS[@]}" env XDG_RUNTIME_DIR="$MANAGER_RUN" "$T/bin/unitrun" "$@"; }
        # From inside the manager's tree, as the in-tree cases run `run`; the step that
        # started it ends (and systemd-run with it) while the run goes on.
        detach_up() { # NAME UNIT-ARGS...
                local n=$1
                shift
                timeout 60 "${AS[@]}" env XDG_RUNTIME_DIR="$MANAGER_RUN" systemd-run --user --pipe --wait \
                        --quiet --collect -E UNITRUN_NO_OWN_CGROUP=1 "$T/bin/unitrun" up --detach --name "$n" \
                        --exec "$T/bin/forker double-setsid $PIDS" --type notify \
                        --exec "sleep 1000" --name idle.service --ready-file /dev/null "$@" \
                        >"$WORK/out" 2>"$WORK/err" </dev/null
                STATUS=$?
                echo "--- up --detach exited $STATUS; stdout:" >&2
                cat "$WORK/out" >&2
                echo "--- stderr:" >&2
                cat "$WORK/err" >&2
                if [ "$STATUS" != 0 ]; then
                        # Where everything is (a process left in systemd-run's service
                        # keeps it, and the step, from ending).
                        find "$CG2$MANAGER_CG" -name cgroup.procs -exec grep -H . {} + >&2
                        fail "up --detach exited $STATUS"
                fi
        }
        # A port free on the host: inside the run's own network, a unit serves HTTP on it.
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$T/www"
        echo "scope-marker" >"$T/www/marker"
        chmod -R a+rX "$T/www"
        N=scope-$$
        detach_up "$N" --private-network \
                --exec "/usr/bin/python3 -m http.server $port --bind 127.0.0.1 --directory $T/www" \
                --name web.service --ready-tcp "127.0.0.1:$port"
        U status --name "$N" >"$WORK/status" 2>&1 || fail "status exited $?: $(cat "$WORK/status")"
        grep -Eq "isolation delegated-scope $scope_re\$" "$WORK/status" ||
                fail "status does not show the delegated scope: $(cat "$WORK/status")"
        grep -q "^forker.service *running" "$WORK/status" || fail "status does not show the unit running"
        U status --name "$N" --json | grep -q '"supervisor_pid":[0-9]*,"isolation":"delegated-scope"' ||
                fail "status --json does not say delegated-scope"
        eval "$(U env --name "$N")"
        grep -Eq "^0::${scope_re#"$CG2"}/forker[^/]*\$" "/proc/$UNITRUN_FORKER_PID/cgroup" ||
                fail "the unit is not in a leaf of the scope: $(cat "/proc/$UNITRUN_FORKER_PID/cgroup")"
        [ -d "$UNITRUN_IDLE_CGROUP" ] || fail "env: UNITRUN_IDLE_CGROUP is not a cgroup"
        got=$(U exec --name "$N" -- sh -c 'echo "$UNITRUN_IDLE_PID"') || fail "exec exited $?"
        [ "$got" = "$UNITRUN_IDLE_PID" ] || fail "exec: UNITRUN_IDLE_PID is '$got'"
        got=$(cd / && U exec --name "$N" -- curl -sf --max-time 10 "http://127.0.0.1:$port/marker") ||
                fail "exec -- curl does not reach the unit in the run's network"
        [ "$got" = scope-marker ] || fail "exec -- curl reached something else: $got"
        curl -s --max-time 5 "http://127.0.0.1:$port/marker" >/dev/null && fail "the host reaches the run's unit"
        U down --name "$N" >"$WORK/down" 2>&1 || fail "down exited $?: $(cat "$WORK/down")"
        check_unit_processes_dead
        is_alive "$UNITRUN_IDLE_PID" && fail "idle.service survived down"
        is_alive "$UNITRUN_WEB_PID" && fail "web.service survived down"
        [ -e "$STATE/$N" ] && fail "down left the state dir"
        [ -e "$UNITRUN_RUNTIME_DIR" ] && fail "down left the runtime dir"
        check_nothing_left

        # The supervisor SIGKILLed: its guardian stops the units, the watcher removes the
        # state dir, the manager collects the scope.
        N=scope-kill-$$
        rm -f "$PIDS"
        detach_up "$N"
        eval "$(U env --name "$N")"
        sup=$(awk '/^pid /{print $2}' "$STATE/$N/state")
        [ -n "$sup" ] && is_alive "$sup" || fail "no live supervisor in $STATE/$N/state"
        kill -KILL "$sup"
        for i in $(seq 100); do
                (check_unit_processes_dead) 2>/dev/null && ! is_alive "$UNITRUN_IDLE_PID" &&
                        [ ! -e "$STATE/$N" ] && break
                sleep 0.1
        done
        check_unit_processes_dead
        is_alive "$UNITRUN_IDLE_PID" && fail "idle.service survived its supervisor's SIGKILL"
        [ -e "$STATE/$N" ] && fail "the state dir outlived the supervisor's SIGKILL"
        check_nothing_left
        ;;
esac
echo "ok: $case_name"
exit 0
