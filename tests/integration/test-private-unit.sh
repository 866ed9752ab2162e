#!/bin/sh
# Per-unit PrivateTmp= and PrivateNetwork= against real processes, as root and (setpriv)
# as nobody: a unit's /tmp and /var/tmp are its own (not the host's, not another unit's),
# gone after the run; a PrivateNetwork= unit's TCP port cannot be reached from the run,
# its unix socket can; under a seccomp filter that refuses unshare(2) the unit does not
# start at all and the error names the key and the step.
#   UNITRUN=path/to/unitrun DENY_UNSHARE=path/to/deny-unshare test-private-unit.sh
set -u
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }
# Not in /tmp: the units' /tmp is not the host's.
T=$(mktemp -d /dev/shm/urpunit.XXXXXX) || exit 99
chmod 1777 "$T"
HOSTMARK=$(mktemp /tmp/urpunit-host.XXXXXX) || exit 99
trap 'rm -rf "$T" "$HOSTMARK"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/err*; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

check_user() {
        label=$1
        shift
        # Two units with PrivateTmp=, each writing a marker and listing its /tmp (renamed
        # into place: File= must not see the list before ls wrote it).
        for u in a b; do
                cat >"$T/$label-$u.service" <<EOF2
[Service]
ExecStart=/bin/sh -c 'echo $u >/tmp/marker-$u; echo $u >/var/tmp/marker-$u; ls -A /tmp /var/tmp >$T/$label-list-$u.tmp; mv $T/$label-list-$u.tmp $T/$label-list-$u; exec sleep 30'
PrivateTmp=yes
[X-Ready]
File=$T/$label-list-$u
EOF2
        done
        "$@" "$UNITRUN" run -q "$T/$label-a.service" "$T/$label-b.service" -- sh -c "
                ls \$UNITRUN_RUNTIME_DIR/private-tmp-*/tmp/marker-* >$T/$label-private
                echo \$UNITRUN_RUNTIME_DIR >$T/$label-rundir
                ls /tmp/marker-a /tmp/marker-b 2>/dev/null; true" >"$T/$label-command" 2>"$T/err-$label" ||
                fail "$label: the PrivateTmp= run failed"
        [ ! -s "$T/$label-command" ] || fail "$label: the units' /tmp files are on the host: $(cat "$T/$label-command")"
        for u in a b; do
                grep -q "marker-$u" "$T/$label-list-$u" || fail "$label: unit $u does not see its own marker"
                grep -q "$(basename "$HOSTMARK")" "$T/$label-list-$u" && fail "$label: unit $u sees the host's /tmp"
                other=$([ $u = a ] && echo b || echo a)
                grep -q "marker-$other" "$T/$label-list-$u" && fail "$label: unit $u sees unit $other's /tmp"
        done
        [ "$(wc -l <"$T/$label-private")" = 2 ] || fail "$label: the private /tmp directories are not in the run directory"
        [ ! -e "$(cat "$T/$label-rundir")" ] || fail "$label: the run directory (and the private /tmp) outlived the run"

        # PrivateNetwork=: TCP unreachable from the run, the unix socket reachable.
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        cat >"$T/server.py" <<EOF2
import socket
t = socket.socket(); t.bind(("127.0.0.1", $port)); t.listen(5)
u = socket.socket(socket.AF_UNIX); u.bind("$T/$label.sock"); u.listen(5)
while True:
    c, _ = u.accept()
    try:
        c.sendall(b"hello")
    except OSError:
        pass  # the readiness check connects and leaves
    c.close()
EOF2
        cat >"$T/$label-net.service" <<EOF2
[Service]
ExecStart=python3 $T/server.py
PrivateNetwork=yes
[X-Ready]
UnixSocket=$T/$label.sock
EOF2
        "$@" "$UNITRUN" run -q "$T/$label-net.service" -- python3 -c "
import socket, sys
u = socket.socket(socket.AF_UNIX); u.connect('$T/$label.sock'); assert u.recv(5) == b'hello'
try:
    socket.create_connection(('127.0.0.1', $port), timeout=2)
except OSError:
    sys.exit(0)
sys.exit(3)" 2>"$T/err-$label-net"
        status=$?
        [ "$status" = 3 ] && fail "$label: the PrivateNetwork= unit's TCP port was reached from the run"
        [ "$status" = 0 ] || fail "$label: the PrivateNetwork= run failed with $status"
        rm -f "$T/$label.sock"
}

check_user root
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        check_user nobody setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups env HOME=/ XDG_RUNTIME_DIR=
else
        echo "note: no setpriv or nobody: the user-namespace path is not tested here" >&2
fi

# Refused: the unit never runs without the isolation it asks for.
if [ -n "${DENY_UNSHARE:-}" ]; then
        printf '[Service]\nExecStart=/bin/touch %s/started\nType=oneshot\nPrivateTmp=yes\n' "$T" >"$T/refused.service"
        "$DENY_UNSHARE" "$UNITRUN" run -q "$T/refused.service" -- touch "$T/ran" 2>"$T/err-refused"
        status=$?
        [ "$status" != 0 ] || fail "PrivateTmp= under a refused unshare: the run succeeded"
        grep -q "PrivateTmp=.*unshare.*Operation not permitted" "$T/err-refused" ||
                fail "the refusal does not name the key, the step and the errno"
        [ ! -e "$T/started" ] && [ ! -e "$T/ran" ] || fail "something ran without PrivateTmp="
fi
echo "ok: PrivateTmp= and PrivateNetwork="
