#!/bin/sh
# --private-network against real servers: parallel runs of the same HTTP server on ONE
# fixed port each reach their own, while the host holds that port itself (so it stays
# free of them, and a run without the option is refused). As root (plain namespaces) and,
# when setpriv and the nobody user exist, as nobody (through a user namespace). Then the
# refusal: under a seccomp filter that fails unshare(2), exit 71 at once naming the step,
# nothing started, nothing left.
#   UNITRUN=path/to/unitrun DENY_UNSHARE=path/to/deny-unshare test-private-network.sh
set -u
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl" >&2; exit 77; }

T=$(mktemp -d /tmp/urpnet.XXXXXX) || exit 99
chmod 755 "$T"
HOLDER=
cleanup() {
        [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/err*; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

# One port for everybody, held on the host by us for the whole test.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(5)
open('$T/host-ready', 'w').close()
time.sleep(600)" &
HOLDER=$!
for _ in $(seq 100); do [ -e "$T/host-ready" ] && break; sleep 0.1; done
[ -e "$T/host-ready" ] || fail "the host listener did not start"

# Without the option the port is taken: the unit's readiness probe refuses to start it.
"$UNITRUN" run -q --exec "python3 -m http.server $port --bind 127.0.0.1" --ready-tcp "127.0.0.1:$port" \
        --timeout 10s -- true 2>"$T/err-control"
status=$?
[ "$status" != 0 ] || fail "the control run (no --private-network) succeeded on a taken port"

# N runs at once, as the user prefix says ("" or a setpriv line), each serving its own
# directory on $port and fetching its own marker through COMMAND.
parallel_runs() {
        n=$1
        shift
        pids=
        for i in $(seq "$n"); do
                mkdir -p "$T/www$i"
                echo "run $i" >"$T/www$i/marker"
                chmod -R a+rX "$T/www$i"
                "$@" "$UNITRUN" run -q --private-network \
                        --exec "python3 -m http.server $port --bind 127.0.0.1 --directory $T/www$i" \
                        --ready-http "http://127.0.0.1:$port/marker" --timeout 30s \
                        -- sh -c "curl -sf http://127.0.0.1:$port/marker" >"$T/out$i" 2>"$T/err$i" &
                pids="$pids $!"
        done
        i=0
        for pid in $pids; do
                i=$((i + 1))
                wait "$pid" || fail "parallel run $i failed with status $?"
        done
        for i in $(seq "$n"); do
                [ "$(cat "$T/out$i")" = "run $i" ] || fail "run $i fetched '$(cat "$T/out$i")', not its own marker"
        done
        kill -0 "$HOLDER" || fail "the host's listener on $port is gone"
}

parallel_runs 4

# Loopback inside: up, with 127.0.0.1/8 and ::1, and nothing else.
"$UNITRUN" run -q --private-network --exec "sleep 30" -- sh -c 'cat /proc/net/dev; cat /proc/net/if_inet6' \
        >"$T/net" 2>"$T/err-net" || fail "inspecting the private network failed"
grep -q '^ *lo:' "$T/net" || fail "no loopback inside"
[ "$(grep -c ':' "$T/net")" = 1 ] || fail "more interfaces than loopback inside: $(cat "$T/net")"
grep -q '^0*1 ' "$T/net" || fail "no ::1 inside"

# --verbose and --json say so.
"$UNITRUN" run -v --private-network --exec "sleep 30" -- true 2>"$T/err-v" || fail "--verbose run failed"
grep -q "isolation: private network" "$T/err-v" || fail "--verbose does not name the private network"
"$UNITRUN" run -q --json --private-network --exec "sleep 30" -- true 2>"$T/err-j" || fail "--json run failed"
grep -q '"event":"isolation".*"network":"private"' "$T/err-j" || fail "no isolation event with the network"

# As nobody: the same through a user namespace.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        nogroup=$(id -gn nobody)
        parallel_runs 2 setpriv --reuid=nobody --regid="$nogroup" --clear-groups env HOME=/ XDG_RUNTIME_DIR=
        setpriv --reuid=nobody --regid="$nogroup" --clear-groups "$UNITRUN" run -q --json --private-network \
                --exec "sleep 30" -- true 2>"$T/err-jn" || fail "--json run as nobody failed"
        grep -q '"user_namespace":true' "$T/err-jn" || fail "as nobody, no user namespace reported"
else
        echo "note: no setpriv or nobody: the user-namespace path is not tested here" >&2
fi

# Refused namespaces: 71 at once, naming the step, nothing started.
if [ -n "${DENY_UNSHARE:-}" ]; then
        "$DENY_UNSHARE" "$UNITRUN" run -q --private-network --exec "touch $T/started" -- touch "$T/ran" \
                2>"$T/err-deny"
        status=$?
        [ "$status" = 71 ] || fail "refused namespaces: expected 71, got $status"
        grep -q "unshare" "$T/err-deny" || fail "the refusal does not name the step"
        grep -q "Operation not permitted" "$T/err-deny" || fail "the refusal does not name the errno"
        [ ! -e "$T/started" ] && [ ! -e "$T/ran" ] || fail "something ran without the isolation asked for"
        if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
                setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups "$DENY_UNSHARE" "$UNITRUN" run -q \
                        --private-network --exec "touch $T/started" -- touch "$T/ran" 2>"$T/err-deny2"
                status=$?
                [ "$status" = 71 ] || fail "refused user namespace: expected 71, got $status"
                grep -q "CLONE_NEWUSER" "$T/err-deny2" || fail "the refusal does not name the user namespace"
        fi
fi
# Root without CAP_SYS_ADMIN (a container's root): the launcher's own unshare(2) is refused,
# it stays where it was and says so; nothing runs.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        rm -f "$T/started" "$T/ran"
        setpriv --bounding-set -sys_admin --inh-caps -sys_admin "$UNITRUN" run -q --private-network \
                --exec "touch $T/started" -- touch "$T/ran" 2>"$T/err-nocap"
        status=$?
        [ "$status" = 71 ] || fail "root without CAP_SYS_ADMIN: expected 71, got $status"
        grep -q "unshare.*Operation not permitted" "$T/err-nocap" ||
                fail "root without CAP_SYS_ADMIN: the refusal does not name the step and the errno"
        [ ! -e "$T/started" ] && [ ! -e "$T/ran" ] || fail "something ran without the isolation asked for"
fi
echo "ok: private network on port $port"
