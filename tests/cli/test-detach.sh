#!/bin/sh
# Detached runs across separate commands, as CI steps run them: up --detach, status, env,
# logs, exec, down, with real processes. Also: a caller capturing the output returns at once; two
# racing up --detach for one NAME (exactly one wins); down/status/env of an unknown NAME
# (4); a NAME with '/' or '..' (64); a failed start (69, nothing left); a unit lost while
# detached (status 3, down 70); a stale state dir (swept by the next up --detach and by
# down); a peer of another uid refused on the control socket; the supervisor SIGKILLed
# with units running (units, cgroups, runtime and state dirs gone within about a second);
# an unprivileged user's runs in $XDG_RUNTIME_DIR/unitrun (71 without it); --port's
# UNITRUN_PORT_* in env (sh, github, dotenv: quoted whatever a value holds) and status; up
# --detach's --events/--json/--verbose; Restart=on-failure counted by status; exec into a
# --private-network run's namespaces (its network, its /run/NAME; as uid 65534 through the
# user namespace), the host kept out, and a clear error once the namespace holder is gone.
# Run once with cgroup isolation and once with UNITRUN_NO_CGROUP=1.
#   UNITRUN=path/to/unitrun test-detach.sh
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root (the state of root's runs is in /run/unitrun)" >&2; exit 77; }

case "$UNITRUN" in /*) ;; *) UNITRUN="$PWD/$UNITRUN" ;; esac
T=$(mktemp -d /tmp/urdetach.XXXXXX) || exit 99
chmod 755 "$T"
P="td$$"
NAMES=""
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR="$T/xdg" "$@"; }
cleanup() {
        for n in $NAMES; do "$UNITRUN" down --name "$n" >/dev/null 2>&1; done
        for d in "$T"/xdg/unitrun/*; do
                [ -d "$d" ] && as_nobody "$UNITRUN" down --name "${d##*/}" >/dev/null 2>&1
        done
        rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$T/err" >&2 2>/dev/null; exit 1; }
# A process that is gone, or a zombie waiting for PID 1 to reap it, is not running.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
state_pid() { awk '/^pid /{print $2}' "/run/unitrun/$1/state" 2>/dev/null; }
# A port free on the host now (a unit binds it inside a run's own network), and whether a
# plain connect from the host reaches it.
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
host_connects() { /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)' "$1" 2>/dev/null; }
# Waits up to $2 tenths of a second for the shell condition $1.
within() {
        i=0
        while [ "$i" -lt "$2" ]; do
                eval "$1" && return 0
                sleep 0.1
                i=$((i + 1))
        done
        eval "$1"
}

# ---- up --detach, status, env, down ----------------------------------------------------
N="$P-main"
NAMES="$NAMES $N"
start=$(date +%s)
out=$(timeout 60 "$UNITRUN" up --detach --name "$N" \
        --exec "sh -c 'echo started; exec sleep 1000'" --name svc.service --ready-output started \
        --exec "sleep 1001" --name other.service --ready-file /dev/null 2>"$T/err")
status=$?
[ "$status" = 0 ] || fail "up --detach: expected 0, got $status"
[ $(($(date +%s) - start)) -lt 30 ] || fail "up --detach with its output captured took too long"
echo "$out" | grep -q "svc.service.*running" || fail "up --detach: no summary: $out"
echo "$out" | grep -q "supervisor PID" || fail "up --detach: the summary does not name the supervisor"
sup=$(state_pid "$N")
[ -n "$sup" ] && alive "$sup" || fail "no live supervisor recorded in /run/unitrun/$N/state"
[ "$(stat -c %a "/run/unitrun/$N")" = 700 ] || fail "state dir mode is not 0700"
[ "$(stat -c %a "/run/unitrun/$N/control")" = 600 ] || fail "control socket mode is not 0600"
# None of the caller's stdio: stdin/stdout /dev/null, stderr the supervisor's log.
[ "$(readlink "/proc/$sup/fd/1")" = /dev/null ] || fail "the supervisor holds a stdout: $(readlink "/proc/$sup/fd/1")"
case "$(readlink "/proc/$sup/fd/2")" in
/run/unitrun/"$N"/supervisor.log) ;;
*) fail "the supervisor's stderr is $(readlink "/proc/$sup/fd/2")" ;;
esac

"$UNITRUN" status --name "$N" >"$T/status" 2>"$T/err" || fail "status: expected 0, got $?"
grep -q "^svc.service *running" "$T/status" || fail "status does not show svc running: $(cat "$T/status")"
grep -q "supervisor PID $sup" "$T/status" || fail "status does not name the supervisor"
"$UNITRUN" status --name "$N" --json >"$T/json" 2>"$T/err" || fail "status --json: expected 0"
grep -q "\"supervisor_pid\":$sup" "$T/json" || fail "status --json has no supervisor_pid: $(cat "$T/json")"
grep -q '"unit":"other.service","state":"running"' "$T/json" || fail "status --json: no unit event"
grep -q '"unit":"svc.service","state":"running","pid":[0-9]*,"elapsed_ms":[0-9]*,"restarts":0,"cpu_usec":' "$T/json" ||
        fail "status --json: not the --json event fields: $(cat "$T/json")"
"$UNITRUN" status >"$T/list" 2>"$T/err" || fail "status (all runs): expected 0"
grep -q "^$N  *up " "$T/list" || fail "status without --name does not list $N: $(cat "$T/list")"

env_out=$("$UNITRUN" env --name "$N" 2>"$T/err") || fail "env: expected 0"
eval "$env_out"
[ -n "${UNITRUN_SVC_PID:-}" ] && alive "$UNITRUN_SVC_PID" || fail "env: UNITRUN_SVC_PID is not a live process"
[ -d "${UNITRUN_RUNTIME_DIR:-/nonexistent}" ] || fail "env: UNITRUN_RUNTIME_DIR is not a directory"
grep -q "sleep" "/proc/$UNITRUN_SVC_PID/cmdline" || fail "UNITRUN_SVC_PID is not the unit's process"
svc_cgroup=${UNITRUN_SVC_CGROUP:-}
if [ -z "${UNITRUN_NO_CGROUP:-}" ]; then
        [ -d "$svc_cgroup" ] || fail "env: UNITRUN_SVC_CGROUP is not a cgroup: '$svc_cgroup'"
fi
"$UNITRUN" env --name "$N" --format github | grep -q "^UNITRUN_OTHER_PID=[0-9][0-9]*$" || fail "env --format github"
"$UNITRUN" env --name "$N" --format dotenv | grep -q "^UNITRUN_RUNTIME_DIR=\"/" || fail "env --format dotenv"
"$UNITRUN" env --name "$N" --format yaml >/dev/null 2>&1
[ $? = 64 ] || fail "env --format yaml: expected 64"

# logs: the units' output with their prefixes; exec: COMMAND with the run's environment.
"$UNITRUN" logs --name "$N" svc >"$T/svc-logs" 2>"$T/err" || fail "logs: expected 0"
grep -qx "svc.service| started" "$T/svc-logs" || fail "logs does not show svc's output: $(cat "$T/svc-logs")"
"$UNITRUN" logs --name "$N" nosuchunit >/dev/null 2>&1
[ $? = 64 ] || fail "logs of an unknown unit: expected 64"
got=$("$UNITRUN" exec --name "$N" -- sh -c 'echo "$UNITRUN_SVC_PID"' 2>"$T/err") || fail "exec: expected 0"
[ "$got" = "$UNITRUN_SVC_PID" ] || fail "exec: UNITRUN_SVC_PID is '$got', not $UNITRUN_SVC_PID"
"$UNITRUN" exec --name "$N" -- sh -c 'exit 7'
[ $? = 7 ] || fail "exec does not exit with COMMAND's status"
# logs -f follows until the run is down.
timeout 60 "$UNITRUN" logs --name "$N" -f svc >"$T/follow" 2>&1 &
follower=$!

# A second up --detach under a running NAME is refused and names it.
"$UNITRUN" up --detach --name "$N" --exec "sleep 1002" 2>"$T/err"
[ $? = 64 ] || fail "second up --detach of a running NAME: expected 64"
grep -q "'$N' is already running" "$T/err" || fail "the refusal does not name the run"

"$UNITRUN" down --name "$N" 2>"$T/err"
status=$?
[ "$status" = 0 ] || fail "down: expected 0, got $status"
# CPU time comes from the cgroups; the fallback has none to report (as for run).
if [ -z "${UNITRUN_NO_CGROUP:-}" ]; then
        grep -q "CPU time: .*svc.service" "$T/err" || fail "down does not report CPU time"
fi
wait "$follower"
[ $? = 0 ] || fail "logs -f did not end with the run"
grep -qx "svc.service| started" "$T/follow" || fail "logs -f did not show svc's output"
alive "$UNITRUN_SVC_PID" && fail "the unit is still running after down"
alive "$sup" && fail "the supervisor is still running after down"
[ -e "/run/unitrun/$N" ] && fail "the state dir is still there after down"
[ -e "$UNITRUN_RUNTIME_DIR" ] && fail "the runtime dir is still there after down"
[ -n "$svc_cgroup" ] && [ -e "$svc_cgroup" ] && fail "the unit's cgroup is still there after down"
"$UNITRUN" status --name "$N" 2>/dev/null
[ $? = 4 ] || fail "status of a run that is down: expected 4"

# ---- Unit output goes to the log dir ---------------------------------------------------
N="$P-logs"
NAMES="$NAMES $N"
mkdir "$T/logs"
"$UNITRUN" up --detach --name "$N" --log-dir "$T/logs" \
        --exec "sh -c 'echo hello-from-unit; sleep 0.5; echo later-line; exec sleep 1000'" --name talk.service \
        --ready-output hello \
        >/dev/null 2>"$T/err" || fail "up --detach --log-dir: expected 0"
grep -q hello-from-unit "$T/logs/talk.service.log" || fail "no unit output in --log-dir"
# Once detached, unit output goes to the log dir only, not into supervisor.log (memory).
within 'grep -q later-line "$T/logs/talk.service.log"' 100 || fail "no later output in --log-dir"
grep -q later-line "/run/unitrun/$N/supervisor.log" && fail "unit output after the start is copied into supervisor.log"
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down (log dir): expected 0"

# ---- --port NAME: env and status carry UNITRUN_PORT_*, in every format ----------------
# The run's runtime dir under an XDG_RUNTIME_DIR whose name needs quoting in each format.
N="$P-ports"
NAMES="$NAMES $N"
Q="$T/q'\"\$x \\\`y"
mkdir "$Q" "$T/www"
chmod 755 "$Q" "$T/www"
echo "marker-$$" >"$T/www/marker"
XDG_RUNTIME_DIR="$Q" "$UNITRUN" up --detach --name "$N" --port WEB --port DB --port WEB \
        --exec "sh -c 'exec /usr/bin/python3 -m http.server \$UNITRUN_PORT_WEB --bind 127.0.0.1 --directory $T/www'" \
        --name web.service --ready-listen >"$T/up-out" 2>"$T/err" || fail "up --detach --port: expected 0"
"$UNITRUN" env --name "$N" >"$T/env-sh" 2>"$T/err" || fail "env (ports): expected 0"
unset UNITRUN_PORT_WEB UNITRUN_PORT_DB
eval "$(cat "$T/env-sh")"
case "${UNITRUN_PORT_WEB:-}:${UNITRUN_PORT_DB:-}" in
[1-9]*[0-9]:[1-9]*[0-9]) ;;
*) fail "env does not export the run's ports: $(cat "$T/env-sh")" ;;
esac
[ "$UNITRUN_PORT_WEB" != "$UNITRUN_PORT_DB" ] || fail "WEB and DB got the same port"
[ "$(grep -c '^export UNITRUN_PORT_WEB=' "$T/env-sh")" = 1 ] || fail "--port WEB twice: not one UNITRUN_PORT_WEB"
# The port is the one the unit got: it listens there.
got=$(curl -sf --max-time 10 "http://127.0.0.1:$UNITRUN_PORT_WEB/marker") || fail "nothing listens on UNITRUN_PORT_WEB"
[ "$got" = "marker-$$" ] || fail "UNITRUN_PORT_WEB reaches something else: $got"
# --ready-listen saw the daemon's socket: not the supervisor's control socket, which the
# unit's process holds between clone and exec.
grep -q "web.service .*Listen=yes (TCP 127.0.0.1:$UNITRUN_PORT_WEB," "$T/up-out" ||
        fail "--ready-listen under a detached supervisor: not the daemon's socket: $(cat "$T/up-out")"
# A unit that never listens is never ready, however long its clone-to-exec window (a
# loaded machine widens it: a few tries).
NAMES="$NAMES $N-never"
for i in 1 2 3 4 5; do
        "$UNITRUN" up --detach --name "$N-never" --exec "sleep 1000" --ready-listen --timeout 300ms \
                >"$T/up-out" 2>&1
        status=$?
        [ "$status" = 69 ] || fail "--ready-listen of a unit that never listens: expected 69, got $status: $(cat "$T/up-out")"
done
case "$UNITRUN_RUNTIME_DIR" in
"$Q"/unitrun.*) ;;
*) fail "sh quoting: UNITRUN_RUNTIME_DIR is '$UNITRUN_RUNTIME_DIR', not under '$Q'" ;;
esac
[ -d "$UNITRUN_RUNTIME_DIR" ] || fail "sh quoting: UNITRUN_RUNTIME_DIR is not the run's directory"
"$UNITRUN" env --name "$N" --format github >"$T/env-gh" || fail "env --format github (ports)"
grep -qx "UNITRUN_PORT_WEB=$UNITRUN_PORT_WEB" "$T/env-gh" || fail "env --format github: no UNITRUN_PORT_WEB"
grep -qx "UNITRUN_PORT_DB=$UNITRUN_PORT_DB" "$T/env-gh" || fail "env --format github: no UNITRUN_PORT_DB"
grep -qFx "UNITRUN_RUNTIME_DIR=$UNITRUN_RUNTIME_DIR" "$T/env-gh" || fail "env --format github: runtime dir not verbatim"
"$UNITRUN" env --name "$N" --format dotenv >"$T/env-dot" || fail "env --format dotenv (ports)"
grep -qx "UNITRUN_PORT_DB=\"$UNITRUN_PORT_DB\"" "$T/env-dot" || fail "env --format dotenv: no UNITRUN_PORT_DB"
grep -qx "UNITRUN_PORT_WEB=\"$UNITRUN_PORT_WEB\"" "$T/env-dot" || fail "env --format dotenv: no UNITRUN_PORT_WEB"
esc=$(printf '%s' "$UNITRUN_RUNTIME_DIR" | sed 's/[\\"$`]/\\&/g')
grep -qFx "UNITRUN_RUNTIME_DIR=\"$esc\"" "$T/env-dot" || fail "env --format dotenv: runtime dir not escaped: $(cat "$T/env-dot")"
"$UNITRUN" status --name "$N" | grep -q "^ports: UNITRUN_PORT_WEB=$UNITRUN_PORT_WEB UNITRUN_PORT_DB=$UNITRUN_PORT_DB\$" ||
        fail "status does not show the ports: $("$UNITRUN" status --name "$N")"
"$UNITRUN" status --name "$N" --json |
        grep -q "\"ports\":{\"UNITRUN_PORT_WEB\":$UNITRUN_PORT_WEB,\"UNITRUN_PORT_DB\":$UNITRUN_PORT_DB}" ||
        fail "status --json does not carry the ports: $("$UNITRUN" status --name "$N" --json)"
got=$("$UNITRUN" exec --name "$N" -- sh -c 'echo "$UNITRUN_PORT_DB"') || fail "exec (ports): expected 0"
[ "$got" = "$UNITRUN_PORT_DB" ] || fail "exec: UNITRUN_PORT_DB is '$got'"
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down (ports): expected 0"

# ---- up --detach passes --events, --json and --verbose on ------------------------------
N="$P-events"
NAMES="$NAMES $N"
# A relative --events FILE: the caller's working directory, as for run.
(cd "$T" && "$UNITRUN" up --detach --name "$N" --events events.jsonl --json --verbose \
        --exec "sleep 1000" --name ev.service --ready-file /dev/null >/dev/null 2>"$T/up-err") ||
        { cat "$T/up-err" >&2; fail "up --detach --events --json --verbose: expected 0"; }
grep -q '^{"event":"ready",.*"unit":"ev.service"' "$T/up-err" || fail "up --detach --json: no ready event on stderr: $(cat "$T/up-err")"
grep -q 'ev.service: ready in' "$T/up-err" || fail "up --detach --verbose: no ready line on stderr"
grep -q '^{"event":"ready",.*"unit":"ev.service"' "$T/events.jsonl" || fail "--events: no ready event in the file"
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down (events): expected 0"
grep -q '^{"event":"stopped",.*"unit":"ev.service"' "$T/events.jsonl" || fail "--events: no stopped event after down"

# ---- Restart=on-failure while detached: the supervisor restarts, status counts ------------
N="$P-restart"
NAMES="$NAMES $N"
"$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --name phoenix.service --ready-file /dev/null \
        -p Restart=on-failure -p RestartSec=100ms >/dev/null 2>"$T/err" || fail "up --detach (restart): expected 0"
for n in 1 2; do
        eval "$("$UNITRUN" env --name "$N")"
        old=$UNITRUN_PHOENIX_PID
        kill -9 "$old"
        within '"$UNITRUN" status --name "$N" 2>/dev/null | grep -Eq "^phoenix.service +running .*restarts $n(,|\$)"' 100 ||
                fail "status does not show phoenix running with restarts $n: $("$UNITRUN" status --name "$N")"
        "$UNITRUN" status --name "$N" --json | grep -q "\"unit\":\"phoenix.service\",\"state\":\"running\",.*\"restarts\":$n," ||
                fail "status --json does not carry restarts $n: $("$UNITRUN" status --name "$N" --json)"
        eval "$("$UNITRUN" env --name "$N")"
        [ "$UNITRUN_PHOENIX_PID" != "$old" ] && alive "$UNITRUN_PHOENIX_PID" || fail "the restarted unit has no new live PID"
done
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down after restarts that recovered: expected 0"

# ---- exec into a --private-network --private-dirs run's namespaces ---------------------
N="$P-netns"
NAMES="$NAMES $N"
port=$(free_port)
"$UNITRUN" up --detach --name "$N" --private-network \
        --exec "/usr/bin/python3 -m http.server $port --bind 127.0.0.1 --directory $T/www" --name web.service \
        --ready-tcp "127.0.0.1:$port" \
        --exec "sh -c 'echo inside-$$ >\$RUNTIME_DIRECTORY/seen; echo done; exec sleep 1000'" --name rt.service \
        -p "RuntimeDirectory=$P-rt" --ready-output done >/dev/null 2>"$T/err" ||
        fail "up --detach --private-network: expected 0"
"$UNITRUN" status --name "$N" | grep -q "^namespaces: private network, private dirs" ||
        fail "status does not show the run's namespaces"
"$UNITRUN" status --name "$N" --json | grep -q '"namespaces":\["network","dirs"\]' || fail "status --json: no namespaces"
got=$("$UNITRUN" exec --name "$N" -- curl -sf --max-time 10 "http://127.0.0.1:$port/marker" 2>"$T/err") ||
        fail "exec -- curl does not reach the unit inside the private network"
[ "$got" = "marker-$$" ] || fail "exec -- curl reached something else: $got"
"$UNITRUN" exec --name "$N" -- /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)' "$port" ||
        fail "exec -- python does not connect to the unit"
host_connects "$port" && fail "a plain host connect reaches the unit of a --private-network run"
[ "$("$UNITRUN" exec --name "$N" -- readlink /proc/self/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
        fail "exec runs in the host's network namespace"
got=$("$UNITRUN" exec --name "$N" -- cat "/run/$P-rt/seen" 2>"$T/err") || fail "exec does not see /run/$P-rt of the unit"
[ "$got" = "inside-$$" ] || fail "exec: /run/$P-rt/seen holds '$got'"
[ -e "/run/$P-rt" ] && fail "/run/$P-rt exists on the host"
[ "$(cd "$T/www" && "$UNITRUN" exec --name "$N" -- pwd)" = "$T/www" ] || fail "exec does not keep the working directory"
eval "$("$UNITRUN" env --name "$N")"
[ "$("$UNITRUN" exec --name "$N" -- sh -c 'echo "$UNITRUN_WEB_PID"')" = "$UNITRUN_WEB_PID" ] ||
        fail "exec into the namespaces lost the run's environment"
# The holder gone (killed here on purpose): exec names the step and the errno.
sup=$(state_pid "$N")
holder=
for c in $(pgrep -P "$sup" -x unitrun); do
        [ "$(readlink "/proc/$c/ns/net")" != "$(readlink /proc/self/ns/net)" ] && holder=$c
done
[ -n "$holder" ] || fail "no namespace holder under the supervisor"
kill -9 "$holder"
within '! alive "$holder"' 50 || fail "the holder did not die"
"$UNITRUN" exec --name "$N" -- true 2>"$T/err"
[ $? = 71 ] || fail "exec with the holder gone: expected 71"
grep -q "cannot join the namespaces of run '$N' (setns CLONE_NEWNS|CLONE_NEWNET on its namespace holder's pidfd): No such process" "$T/err" ||
        grep -q "cannot open a pidfd of its namespace holder: No such process" "$T/err" ||
        fail "exec with the holder gone: unclear error: $(cat "$T/err")"
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down (netns): expected 0"
within '! host_connects "$port"' 10 || true

# ---- Bad names, unknown runs -----------------------------------------------------------
for verb in status env logs exec down; do
        "$UNITRUN" "$verb" --help | grep -q "unitrun $verb" || fail "$verb --help does not describe $verb"
done
for bad in .. ../x a/b .hidden ""; do
        "$UNITRUN" up --detach --name "$bad" --exec "sleep 1000" 2>"$T/err"
        [ $? = 64 ] || fail "up --detach --name '$bad': expected 64"
        "$UNITRUN" down --name "$bad" 2>/dev/null
        [ $? = 64 ] || fail "down --name '$bad': expected 64"
done
"$UNITRUN" down --name "$P-nope" 2>"$T/err"
[ $? = 4 ] || fail "down of an unknown NAME: expected 4"
grep -q "no detached run named '$P-nope'" "$T/err" || fail "down of an unknown NAME: unclear message"
"$UNITRUN" status --name "$P-nope" 2>/dev/null
[ $? = 4 ] || fail "status of an unknown NAME: expected 4"
"$UNITRUN" env --name "$P-nope" 2>/dev/null
[ $? = 4 ] || fail "env of an unknown NAME: expected 4"

# ---- A failed start: 69, the report, nothing left ----------------------------------------
N="$P-fail"
NAMES="$NAMES $N"
out=$(timeout 60 "$UNITRUN" up --detach --name "$N" --exec "sleep 1003.$$" --ready-file /dev/null \
        --exec "sh -c 'echo going-down; exit 3'" --name bad.service --ready-file /nonexistent 2>"$T/err")
status=$?
[ "$status" = 69 ] || fail "failed start: expected 69, got $status"
grep -q "bad.service: exited with status 3" "$T/err" || fail "failed start: no report of the reason"
grep -q "going-down" "$T/err" || fail "failed start: the unit's output is not in the report"
[ -e "/run/unitrun/$N" ] && fail "failed start: the state dir is left"
# Anchored: unitrun's own processes (the supervisor's helpers, on their way out) carry the
# unit's command line in theirs.
pgrep -f "^sleep 1003\.$$" >/dev/null && fail "failed start: a unit is left running"

# ---- A unit lost while detached: status 3, down 70 ----------------------------------------
N="$P-lost"
NAMES="$NAMES $N"
"$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --name victim.service --ready-file /dev/null \
        >/dev/null 2>"$T/err" || fail "up --detach (lost): expected 0"
eval "$("$UNITRUN" env --name "$N")"
kill -9 "$UNITRUN_VICTIM_PID"
within '"$UNITRUN" status --name "$N" >/dev/null 2>&1; [ $? = 3 ]' 100 || fail "status after a unit died: expected 3"
"$UNITRUN" status --name "$N" | grep -q "victim.service *failed" || fail "status does not show the failed unit"
"$UNITRUN" status --name "$N" --json | grep -q '"unit":"victim.service","state":"failed".*"reason":"' ||
        fail "status --json does not give the failed unit's reason"
"$UNITRUN" down --name "$N" 2>"$T/err"
[ $? = 70 ] || fail "down after a unit died: expected 70"

# ---- Two racing up --detach for one NAME: exactly one wins -----------------------------
N="$P-race"
NAMES="$NAMES $N"
for i in 1 2 3; do
        ("$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --ready-file /dev/null >/dev/null 2>&1
         echo $? >"$T/race$i") &
done
wait
wins=$(cat "$T"/race* | grep -c '^0$')
refused=$(cat "$T"/race* | grep -c '^64$')
[ "$wins" = 1 ] && [ "$refused" = 2 ] || fail "racing up --detach: $(cat "$T"/race* | tr '\n' ' ') (want one 0, two 64)"
# down racing down: both end, the run is gone.
"$UNITRUN" down --name "$N" >/dev/null 2>&1 &
"$UNITRUN" down --name "$N" >/dev/null 2>&1
wait
[ -e "/run/unitrun/$N" ] && fail "two racing downs left the state dir"

# ---- A control socket refuses a peer of another uid ---------------------------------------
N="$P-perm"
NAMES="$NAMES $N"
"$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --ready-file /dev/null >/dev/null 2>&1 ||
        fail "up --detach (perm): expected 0"
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$UNITRUN"; then
        # Even with the directory and socket opened up, SO_PEERCRED keeps the peer out.
        chmod 711 "/run/unitrun/$N"
        chmod 666 "/run/unitrun/$N/control"
        setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR=/run \
                "$UNITRUN" down --name "$N" 2>"$T/err"
        status=$?
        [ "$status" = 71 ] || fail "down by another uid: expected 71, got $status"
        grep -q "permission denied" "$T/err" || fail "down by another uid: no 'permission denied'"
        "$UNITRUN" status --name "$N" >/dev/null 2>&1 || fail "the run did not survive another uid's down"
        # An unprivileged user's runs live in $XDG_RUNTIME_DIR/unitrun; without it, 71.
        mkdir "$T/xdg"
        chown 65534:65534 "$T/xdg"
        chmod 700 "$T/xdg"
        (cd / && as_nobody "$UNITRUN" up --detach --exec "sleep 1000" --ready-file /dev/null >/dev/null 2>"$T/err") ||
                fail "up --detach as uid 65534: expected 0"
        [ -S "$T/xdg/unitrun/default/control" ] || fail "no state in \$XDG_RUNTIME_DIR/unitrun/default"
        as_nobody "$UNITRUN" status | grep -q "^default  *up" || fail "status as uid 65534 does not list its run"
        as_nobody "$UNITRUN" down 2>"$T/err" || fail "down as uid 65534: expected 0"
        [ -e "$T/xdg/unitrun/default" ] && fail "down as uid 65534 left the state dir"
        # exec into an unprivileged --private-network run: through its user namespace too.
        port=$(free_port)
        (cd / && as_nobody "$UNITRUN" up --detach --name nsn --private-network \
                --exec "/usr/bin/python3 -m http.server $port --bind 127.0.0.1 --directory $T/www" \
                --name web.service --ready-tcp "127.0.0.1:$port" \
                --exec "sh -c 'echo nobody-$$ >\$RUNTIME_DIRECTORY/seen; echo done; exec sleep 1000'" \
                --name rt.service -p "RuntimeDirectory=$P-nrt" --ready-output done >/dev/null 2>"$T/err") ||
                fail "up --detach --private-network as uid 65534: expected 0"
        as_nobody "$UNITRUN" status --name nsn | grep -q "^namespaces: private network, private dirs, user namespace" ||
                fail "status as uid 65534 does not show the run's user namespace"
        got=$(cd / && as_nobody "$UNITRUN" exec --name nsn -- curl -sf --max-time 10 "http://127.0.0.1:$port/marker" 2>"$T/err") ||
                fail "exec -- curl as uid 65534 does not reach the unit inside the private network"
        [ "$got" = "marker-$$" ] || fail "exec -- curl as uid 65534 reached something else: $got"
        host_connects "$port" && fail "a plain host connect reaches uid 65534's --private-network unit"
        got=$(cd / && as_nobody "$UNITRUN" exec --name nsn -- cat "/run/$P-nrt/seen" 2>"$T/err") ||
                fail "exec as uid 65534 does not see /run/$P-nrt of the unit"
        [ "$got" = "nobody-$$" ] || fail "exec as uid 65534: /run/$P-nrt/seen holds '$got'"
        [ -e "/run/$P-nrt" ] && fail "/run/$P-nrt exists on the host"
        [ "$(cd / && as_nobody "$UNITRUN" exec --name nsn -- id -u)" = 0 ] ||
                fail "exec as uid 65534 is not in the run's user namespace (the caller mapped to root)"
        as_nobody "$UNITRUN" down --name nsn 2>"$T/err" || fail "down --name nsn as uid 65534: expected 0"
        (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_RUNTIME_DIR \
                "$UNITRUN" up --detach --exec "sleep 1000" 2>"$T/err")
        [ $? = 71 ] || fail "up --detach without XDG_RUNTIME_DIR: expected 71"
        grep -q "XDG_RUNTIME_DIR is not set" "$T/err" || fail "up --detach without XDG_RUNTIME_DIR: unclear message"
else
        echo "note: cannot run unitrun as uid 65534 here; the peer check is not exercised" >&2
fi
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down (perm): expected 0"

# ---- The supervisor SIGKILLed with units running -----------------------------------------
N="$P-kill"
NAMES="$NAMES $N"
"$UNITRUN" up --detach --name "$N" --exec "sh -c 'sleep 1004.$$ & exec sleep 1000'" --name k.service \
        --ready-file /dev/null >/dev/null 2>&1 || fail "up --detach (kill): expected 0"
eval "$("$UNITRUN" env --name "$N")"
sup=$(state_pid "$N")
child=$(pgrep -f "^sleep 1004\.$$" | head -1)
[ -n "$child" ] || fail "the unit's child did not start"
kill -9 "$sup"
# About a second; generous bounds for a loaded machine.
within '! alive "$UNITRUN_K_PID" && ! alive "$child"' 50 || fail "units still running after the supervisor was killed"
within '[ ! -e "$UNITRUN_RUNTIME_DIR" ]' 50 || fail "runtime dir left after the supervisor was killed"
within '[ ! -e "/run/unitrun/$N" ]' 50 || fail "state dir left after the supervisor was killed"
if [ -n "${UNITRUN_K_CGROUP:-}" ]; then
        within '[ ! -e "$UNITRUN_K_CGROUP" ]' 50 || fail "cgroup left after the supervisor was killed"
fi
"$UNITRUN" down --name "$N" 2>/dev/null
[ $? = 4 ] || fail "down after the supervisor was killed and swept: expected 4"

# ---- The supervisor, its guardian and its watcher all SIGKILLed: down sweeps -------------
if [ -z "${UNITRUN_NO_CGROUP:-}" ]; then
        N="$P-kill3"
        NAMES="$NAMES $N"
        "$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --name k3.service --ready-file /dev/null \
                >/dev/null 2>&1 || fail "up --detach (kill3): expected 0"
        eval "$("$UNITRUN" env --name "$N")"
        sup=$(state_pid "$N")
        helpers=$(pgrep -P "$sup" -x unitrun | tr '\n' ' ')
        [ -n "$helpers" ] || fail "no guardian or watcher under the supervisor"
        # shellcheck disable=SC2086
        kill -9 $helpers
        sleep 0.2
        kill -9 "$sup"
        within '! alive "$sup"' 50 || fail "the supervisor did not die"
        "$UNITRUN" down --name "$N" 2>"$T/err"
        [ $? = 70 ] || fail "down after supervisor, guardian and watcher died: expected 70"
        grep -q "swept" "$T/err" || fail "down does not say it swept"
        within '! alive "$UNITRUN_K3_PID"' 50 || fail "down's sweep left the unit running"
        [ -e "$UNITRUN_K3_CGROUP" ] && fail "down's sweep left the unit's cgroup"
        [ -e "/run/unitrun/$N" ] && fail "down's sweep left the state dir"
fi

# ---- status while starting waits for the start; down --timeout -----------------------
N="$P-slow"
NAMES="$NAMES $N"
# SIGTERM ignored before the readiness file: a down that comes at once must find it so.
"$UNITRUN" up --detach --name "$N" --exec "sh -c 'trap \"\" TERM; sleep 2; touch $T/slow-ready; exec sleep 1000'" \
        --ready-file "$T/slow-ready" -p TimeoutStopSec=60s >/dev/null 2>&1 &
upper=$!
within '[ -S "/run/unitrun/$N/control" ]' 100 || fail "the control socket did not appear while starting"
"$UNITRUN" status --name "$N" >"$T/status" 2>"$T/err"
status=$?
[ -e "$T/slow-ready" ] || fail "status answered before the start was settled"
[ "$status" = 0 ] || fail "status while starting: expected 0 once started, got $status"
wait "$upper" || fail "up --detach (slow): expected 0"
start=$(date +%s)
# The unit ignores SIGTERM: --timeout 1s instead of its 60 s, then SIGKILL (a stop error).
"$UNITRUN" down --name "$N" --timeout 1s 2>"$T/err"
[ $? = 70 ] || fail "down --timeout of a unit that ignores SIGTERM: expected 70"
[ $(($(date +%s) - start)) -lt 30 ] || fail "down --timeout 1s took too long"

# ---- SIGTERM to up --detach while the units start: everything stops, 143 --------------
N="$P-term"
NAMES="$NAMES $N"
"$UNITRUN" up --detach --name "$N" --exec "sleep 1005.$$" --ready-file "$T/never" >/dev/null 2>&1 &
upper=$!
within '[ -S "/run/unitrun/$N/control" ]' 100 || fail "the control socket did not appear while starting"
sleep 0.3
kill -TERM "$upper"
wait "$upper"
status=$?
[ "$status" = 143 ] || fail "up --detach after SIGTERM while starting: expected 143, got $status"
[ -e "/run/unitrun/$N" ] && fail "up --detach interrupted left the state dir"
pgrep -f "^sleep 1005\.$$" >/dev/null && fail "up --detach interrupted left a unit running"

# ---- A stale state dir (a dead supervisor, its watcher gone too) ------------------------
N="$P-stale"
NAMES="$NAMES $N"
mkdir -p "/run/unitrun/$N" "$T/stale-runtime"
chmod 700 "/run/unitrun/$N"
printf 'pid 999999999\nstart 1\nruntime_dir %s\n' "$T/stale-runtime" >"/run/unitrun/$N/state"
: >"/run/unitrun/$N/lock"
"$UNITRUN" status --name "$N" >/dev/null 2>&1
[ $? = 3 ] || fail "status of a stale run: expected 3"
"$UNITRUN" status | grep -q "^$N  *stale" || fail "status without --name does not show the stale run"
"$UNITRUN" up --detach --name "$N" --exec "sleep 1000" --ready-file /dev/null >/dev/null 2>"$T/err" ||
        fail "up --detach over a stale state dir: expected 0"
grep -q "swept" "$T/err" || fail "up --detach does not say it swept the stale state"
[ -e "$T/stale-runtime" ] && fail "the stale runtime dir was not swept"
"$UNITRUN" down --name "$N" 2>"$T/err" || fail "down after a sweep: expected 0"
mkdir -p "/run/unitrun/$N"
printf 'pid 999999999\nstart 1\n' >"/run/unitrun/$N/state"
"$UNITRUN" down --name "$N" 2>"$T/err"
[ $? = 70 ] || fail "down of a dead supervisor's run: expected 70"
grep -q "is gone; swept" "$T/err" || fail "down of a dead supervisor's run does not say it swept"
[ -e "/run/unitrun/$N" ] && fail "down of a dead supervisor's run left the state dir"
# The last run takes /run/unitrun with it: an empty one that stays is a leak (the other
# isolation path's test may still have runs there, which keep it, non-empty).
within '[ ! -d /run/unitrun ] || [ -n "$(ls -A /run/unitrun)" ]' 300 ||
        fail "an empty /run/unitrun is left behind"

echo "ok"
