#!/bin/sh
# --port NAME: a free loopback port per NAME, exported as UNITRUN_PORT_NAME to the units
# (usable as ${UNITRUN_PORT_NAME} in ExecStart= and in [X-Ready] values) and to COMMAND;
# two runs at once get different ports, each held by an abstract-socket lock that goes
# with its run. Bad NAMEs are usage errors.
#   UNITRUN=path/to/unitrun test-ports.sh
set -u
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }
T=$(mktemp -d /tmp/urports.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/err*; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

cat >"$T/web.service" <<'EOF2'
[Service]
ExecStart=python3 -m http.server ${UNITRUN_PORT_WEB} --bind 127.0.0.1
[X-Ready]
TCP=127.0.0.1:${UNITRUN_PORT_WEB}
EOF2

# Run 1 stays up (COMMAND waits for a file) while run 2 picks its ports.
"$UNITRUN" run -q --port WEB --port OTHER "$T/web.service" -- sh -c "
        echo \$UNITRUN_PORT_WEB \$UNITRUN_PORT_OTHER >$T/ports1
        curl -sf -o /dev/null http://127.0.0.1:\$UNITRUN_PORT_WEB/ && echo served >$T/served1
        while [ ! -e $T/go ]; do sleep 0.05; done" 2>"$T/err1" &
run1=$!
for _ in $(seq 200); do [ -s "$T/ports1" ] && break; sleep 0.05; done
[ -s "$T/ports1" ] || fail "run 1 did not reach COMMAND"
read -r web1 other1 <"$T/ports1"
[ "$web1" != "$other1" ] || fail "two NAMEs of one run got the same port $web1"
grep -q "@unitrun-port-$web1\b" /proc/net/unix || fail "no lock held for port $web1"

"$UNITRUN" run -q --port WEB "$T/web.service" -- sh -c "echo \$UNITRUN_PORT_WEB" >"$T/ports2" 2>"$T/err2" ||
        fail "run 2 failed"
web2=$(cat "$T/ports2")
[ -n "$web2" ] && [ "$web2" != "$web1" ] && [ "$web2" != "$other1" ] ||
        fail "run 2 got port '$web2' while run 1 has $web1 and $other1"
touch "$T/go"
wait "$run1" || fail "run 1 failed"
[ -e "$T/served1" ] || fail "run 1's unit did not serve on \${UNITRUN_PORT_WEB}"
grep -q "@unitrun-port-$web1\b" /proc/net/unix && fail "the lock of port $web1 outlived its run"

"$UNITRUN" run --port 'BAD-NAME' --exec true -- true 2>"$T/err-bad"
[ $? = 64 ] || fail "--port BAD-NAME: expected 64"
echo "ok: ports $web1 $other1 $web2"
