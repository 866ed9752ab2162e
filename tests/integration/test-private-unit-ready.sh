#!/bin/sh
# Readiness of a PrivateNetwork= unit, checked from inside its network namespace, against
# real processes, as root and (setpriv) as nobody (the user-namespace path):
#  - a unit serving HTTP on 127.0.0.1:PORT in its own network becomes ready through TCP=,
#    HTTP= and Listen=, while the host's 127.0.0.1:PORT stays free (COMMAND is refused);
#    the same inside a run of --private-network;
#  - with a server of the host's on the same port (404 for everything) the unit is not
#    refused as "already in use" (nothing can listen in its network before it starts),
#    HTTP= holds through the unit's server alone (200) and COMMAND reaches the host's;
#  - a unit that never listens times out with the condition named, even though the host
#    answers on that port;
#  - a unix socket path in use on the host is still refused as in use (a path is the same
#    from every network).
#   UNITRUN=path/to/unitrun test-private-unit-ready.sh
set -u
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }
T_PREFIX=urpready . "$(dirname "$0")/../common/private-lib.sh"
HOST_SERVER=
trap '[ -n "$HOST_SERVER" ] && kill "$HOST_SERVER" 2>/dev/null; private_cleanup' EXIT

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# get.py PORT: the status of GET /marker on the host's 127.0.0.1:PORT, or "refused".
cat >"$T/get.py" <<'EOF'
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen("http://127.0.0.1:%s/marker" % sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError:
    print("refused")
EOF
mkdir "$T/unit-root" "$T/host-root"
echo unit >"$T/unit-root/marker"
chmod -R a+rX "$T"

# unit NAME PORT READY...: a PrivateNetwork= unit serving $T/unit-root on 127.0.0.1:PORT.
unit() {
        name=$1
        port=$2
        shift 2
        {
                printf '[Service]\nExecStart=python3 -m http.server %s --bind 127.0.0.1 --directory %s\n' "$port" "$T/unit-root"
                printf 'PrivateNetwork=yes\nTimeoutStartSec=20s\n[X-Ready]\n'
                for r in "$@"; do printf '%s\n' "$r"; done
        } >"$T/$name.service"
}

check_user() {
        label=$1
        shift

        # The host's port free: ready through each kind, COMMAND refused on the host.
        port=$(free_port)
        unit "$label-tcp" "$port" "TCP=127.0.0.1:$port"
        unit "$label-http" "$port" "HTTP=http://127.0.0.1:$port/marker"
        unit "$label-listen" "$port" "Listen=127.0.0.1:$port"
        for kind in tcp http listen; do
                "$@" "$UNITRUN" run -v "$T/$label-$kind.service" -- python3 "$T/get.py" "$port" \
                        >"$T/$label-$kind-out" 2>"$T/err-$label-$kind" ||
                        fail "$label: the PrivateNetwork= unit did not become ready through $kind"
                [ "$(cat "$T/$label-$kind-out")" = refused ] ||
                        fail "$label/$kind: the host's 127.0.0.1:$port answered: $(cat "$T/$label-$kind-out")"
        done
        grep -q "condition holds: TCP 127.0.0.1:$port" "$T/err-$label-tcp" || fail "$label: TCP= not said to hold"
        # Within a run of --private-network: the unit's network inside the run's.
        "$@" "$UNITRUN" run -q --private-network "$T/$label-tcp.service" -- python3 "$T/get.py" "$port" \
                >"$T/$label-nested-out" 2>"$T/err-$label-nested" ||
                fail "$label: the PrivateNetwork= unit in a --private-network run did not become ready"
        [ "$(cat "$T/$label-nested-out")" = refused ] ||
                fail "$label: the run's 127.0.0.1:$port answered: $(cat "$T/$label-nested-out")"
        grep -q "condition holds: HTTP GET http://127.0.0.1:$port/marker" "$T/err-$label-http" ||
                fail "$label: HTTP= not said to hold"
        grep -q '"GET /marker HTTP' "$T/err-$label-http" || fail "$label: the unit's server never saw the request"

        # A server of the host's on the same port: it answers 404, the unit's 200.
        port=$(free_port)
        python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/host-root" >/dev/null 2>&1 &
        HOST_SERVER=$!
        for _ in $(seq 100); do
                [ "$(python3 "$T/get.py" "$port")" = 404 ] && break
                sleep 0.1
        done
        [ "$(python3 "$T/get.py" "$port")" = 404 ] || fail "$label: the host's server does not answer"
        unit "$label-beside" "$port" "TCP=127.0.0.1:$port" "HTTP=http://127.0.0.1:$port/marker"
        "$@" "$UNITRUN" run -v "$T/$label-beside.service" -- python3 "$T/get.py" "$port" \
                >"$T/$label-beside-out" 2>"$T/err-$label-beside" ||
                fail "$label: the unit beside a host server on its port did not start"
        grep -q "in use" "$T/err-$label-beside" && fail "$label: refused as in use: the probe looked at the host"
        [ "$(cat "$T/$label-beside-out")" = 404 ] || fail "$label: COMMAND did not reach the host's server"
        grep -q '"GET /marker HTTP.* 200 ' "$T/err-$label-beside" || fail "$label: HTTP= did not reach the unit's server"

        # Never listening, while the host answers on that port: a timeout naming the condition.
        printf '[Service]\nExecStart=sleep 30\nPrivateNetwork=yes\nTimeoutStartSec=1s\n[X-Ready]\nTCP=127.0.0.1:%s\n' \
                "$port" >"$T/$label-silent.service"
        "$@" "$UNITRUN" run "$T/$label-silent.service" -- touch "$T/$label-ran" 2>"$T/err-$label-silent"
        status=$?
        [ "$status" != 0 ] || fail "$label: a unit that never listens became ready (from the host's port?)"
        [ ! -e "$T/$label-ran" ] || fail "$label: COMMAND ran though the unit never became ready"
        grep -q "TCP 127.0.0.1:$port" "$T/err-$label-silent" || fail "$label: the timeout does not name the condition"
        kill "$HOST_SERVER"
        wait "$HOST_SERVER" 2>/dev/null
        HOST_SERVER=

        # A unix socket path is the same from every network: one in use is still refused.
        python3 -c "
import socket, sys
u = socket.socket(socket.AF_UNIX); u.bind('$T/$label-taken.sock'); u.listen(5)
open('$T/$label-taken.up', 'w').close()
while True:
    u.accept()[0].close()" &
        HOST_SERVER=$!
        for _ in $(seq 100); do
                [ -e "$T/$label-taken.up" ] && break
                sleep 0.1
        done
        chmod a+rw "$T/$label-taken.sock"
        printf '[Service]\nExecStart=sleep 30\nPrivateNetwork=yes\n[X-Ready]\nUnixSocket=%s\n' \
                "$T/$label-taken.sock" >"$T/$label-taken.service"
        "$@" "$UNITRUN" run "$T/$label-taken.service" -- touch "$T/$label-ran" 2>"$T/err-$label-taken"
        [ $? != 0 ] && grep -q "in use" "$T/err-$label-taken" ||
                fail "$label: a PrivateNetwork= unit's unix socket in use on the host was not refused"
        kill "$HOST_SERVER"
        wait "$HOST_SERVER" 2>/dev/null
        HOST_SERVER=
}

check_user root
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        check_user nobody setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups env HOME=/ XDG_RUNTIME_DIR=
else
        echo "note: no setpriv or nobody: the user-namespace path is not tested here" >&2
fi
echo "ok: TCP=, HTTP= and Listen= of a PrivateNetwork= unit, from inside its network"
