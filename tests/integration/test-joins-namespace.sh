#!/bin/sh
# JoinsNamespaceOf= against real processes, as root and (setpriv) as nobody:
#  - two units with PrivateNetwork=yes, one naming the other, reach each other on
#    127.0.0.1 while a third PrivateNetwork= unit cannot, nor COMMAND; the inverse is
#    implied (the server naming the client works the same), and it works the same inside
#    a run with --private-network;
#  - two units with PrivateTmp=yes, one naming the other, share /tmp and /var/tmp, a third
#    one does not, and the shared directories go with the run;
#  - no effect where only one side asks (PrivateNetwork= on one side: its own network,
#    reaching nobody), said by verify;
#  - bad input: an invalid name is an error at FILE:LINE (65, nothing runs); a unit that is
#    not part of the run, and the unit itself, are warnings naming FILE:LINE.
#   UNITRUN=path/to/unitrun test-joins-namespace.sh
set -u
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }
# Not in /tmp: the units' /tmp is not the host's.
T=$(mktemp -d /dev/shm/urjoins.XXXXXX) || exit 99
chmod 1777 "$T"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/err*; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# server.py PORT READY: listens on 127.0.0.1:PORT, then creates READY.
cat >"$T/server.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
    c.close()
EOF
# probe.py PORT RESULT: "reached" or "unreachable" into RESULT, then stays up.
cat >"$T/probe.py" <<'EOF'
import socket, sys, time
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
    r = "reached"
except OSError:
    r = "unreachable"
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(r)
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(60)
EOF

# unit NAME PRIVATE-KEYS UNIT-SECTION EXEC READY-FILE
unit() {
        printf '[Unit]\n%b\n[Service]\nExecStart=%s\n%b\n[X-Ready]\nFile=%s\n' "$3" "$4" "$2" "$5" >"$T/$1.service"
}

check_network() {
        label=$1 direction=$2
        shift 2
        port=$(free_port)
        d="$T/$label-net-$direction"
        mkdir -p "$d" && chmod 1777 "$d"
        run_opts=
        [ "$direction" = in-private-run ] && run_opts=--private-network
        if [ "$direction" != inverse ]; then
                server_unit='' client_unit='JoinsNamespaceOf=server.service\nAfter=server.service'
        else
                server_unit='JoinsNamespaceOf=client.service' client_unit='After=server.service'
        fi
        unit server 'PrivateNetwork=yes' "$server_unit" "python3 $T/server.py $port $d/server-up" "$d/server-up"
        mv "$T/server.service" "$d/"
        unit client 'PrivateNetwork=yes' "$client_unit" "python3 $T/probe.py $port $d/client" "$d/client"
        mv "$T/client.service" "$d/"
        unit third 'PrivateNetwork=yes' 'After=server.service' "python3 $T/probe.py $port $d/third" "$d/third"
        mv "$T/third.service" "$d/"
        "$@" "$UNITRUN" run -q $run_opts "$d/server.service" "$d/client.service" "$d/third.service" -- python3 -c "
import socket, sys
try:
    socket.create_connection(('127.0.0.1', $port), timeout=2).close()
    sys.exit(3)
except OSError:
    sys.exit(0)" 2>"$T/err-$label-net-$direction"
        status=$?
        [ "$status" = 3 ] && fail "$label ($direction): COMMAND reached the server's private network"
        [ "$status" = 0 ] || fail "$label ($direction): the run failed with $status"
        [ "$(cat "$d/client")" = reached ] ||
                fail "$label ($direction): the joining unit did not reach the server on 127.0.0.1: $(cat "$d/client")"
        [ "$(cat "$d/third")" = unreachable ] ||
                fail "$label ($direction): a unit without JoinsNamespaceOf= reached the server"
}

check_tmp() {
        label=$1
        shift
        d="$T/$label-tmp"
        mkdir -p "$d" && chmod 1777 "$d"
        unit a 'PrivateTmp=yes' '' "/bin/sh -c 'echo a >/tmp/marker-a; echo a >/var/tmp/marker-a; touch $d/a-up; exec sleep 60'" "$d/a-up"
        unit b 'PrivateTmp=yes' 'JoinsNamespaceOf=a.service\nAfter=a.service' "/bin/sh -c 'ls -A /tmp /var/tmp >$d/b-list.tmp; mv $d/b-list.tmp $d/b-list; exec sleep 60'" "$d/b-list"
        unit c 'PrivateTmp=yes' 'After=a.service' "/bin/sh -c 'ls -A /tmp /var/tmp >$d/c-list.tmp; mv $d/c-list.tmp $d/c-list; exec sleep 60'" "$d/c-list"
        mv "$T/a.service" "$T/b.service" "$T/c.service" "$d/"
        "$@" "$UNITRUN" run -q "$d/a.service" "$d/b.service" "$d/c.service" -- sh -c "
                ls -d \$UNITRUN_RUNTIME_DIR/private-tmp-* >$d/private-dirs
                echo \$UNITRUN_RUNTIME_DIR >$d/rundir" 2>"$T/err-$label-tmp" ||
                fail "$label: the PrivateTmp= run failed"
        [ "$(grep -c marker-a "$d/b-list")" = 2 ] ||
                fail "$label: the joining unit does not see the other's /tmp and /var/tmp: $(cat "$d/b-list")"
        grep -q marker-a "$d/c-list" && fail "$label: a unit without JoinsNamespaceOf= sees the other's /tmp"
        # a and b share one pair of directories, c has its own.
        [ "$(wc -l <"$d/private-dirs")" = 2 ] ||
                fail "$label: expected 2 private /tmp directories (a+b, c): $(cat "$d/private-dirs")"
        [ ! -e "$(cat "$d/rundir")" ] || fail "$label: the shared /tmp outlived the run"
}

# Only one side asks for PrivateNetwork=: the asking unit has a network of its own (not the
# run's, where the server listens), as in systemd; verify says the setting has no effect.
check_no_effect() {
        label=$1
        shift
        port=$(free_port)
        d="$T/$label-noeffect"
        mkdir -p "$d" && chmod 1777 "$d"
        unit server '' '' "python3 $T/server.py $port $d/server-up" "$d/server-up"
        unit probe 'PrivateNetwork=yes' 'JoinsNamespaceOf=server.service\nAfter=server.service' "python3 $T/probe.py $port $d/probe" "$d/probe"
        mv "$T/server.service" "$T/probe.service" "$d/"
        "$UNITRUN" verify "$d/server.service" "$d/probe.service" >"$d/verify" 2>&1 ||
                fail "$label: verify refused the no-effect case: $(cat "$d/verify")"
        grep -q "probe.service:2: .*JoinsNamespaceOf=server.service has no effect" "$d/verify" ||
                fail "$label: verify does not name FILE:LINE of the no-effect JoinsNamespaceOf=: $(cat "$d/verify")"
        "$@" "$UNITRUN" run -q "$d/server.service" "$d/probe.service" -- python3 -c "
import socket
socket.create_connection(('127.0.0.1', $port), timeout=2).close()" 2>"$T/err-$label-noeffect" ||
                fail "$label: the no-effect run failed (COMMAND must reach the server in the run's network)"
        [ "$(cat "$d/probe")" = unreachable ] ||
                fail "$label: PrivateNetwork= with a no-effect JoinsNamespaceOf= was not a network of its own"
}

run_as() {
        label=$1
        shift
        check_network "$label" forward "$@"
        check_network "$label" inverse "$@"
        check_network "$label" in-private-run "$@"
        check_tmp "$label" "$@"
        check_no_effect "$label" "$@"
}

run_as root
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        run_as nobody setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups env HOME=/ XDG_RUNTIME_DIR=
else
        echo "note: no setpriv or nobody: the user-namespace path is not tested here" >&2
fi

# Bad input.
printf '[Unit]\nDescription=x\nJoinsNamespaceOf=bad..name\n[Service]\nExecStart=/bin/touch %s/bad-ran\nPrivateNetwork=yes\n' "$T" >"$T/bad.service"
"$UNITRUN" verify "$T/bad.service" >"$T/bad-verify" 2>&1
status=$?
[ "$status" = 65 ] || fail "verify of an invalid JoinsNamespaceOf= name exited $status, not 65"
grep -q "bad.service:3: .*JoinsNamespaceOf=bad..name" "$T/bad-verify" ||
        fail "the invalid name is not reported at FILE:LINE: $(cat "$T/bad-verify")"
"$UNITRUN" run -q "$T/bad.service" -- touch "$T/bad-command" 2>"$T/bad-run"
status=$?
[ "$status" = 65 ] || fail "a run with an invalid JoinsNamespaceOf= exited $status, not 65"
[ ! -e "$T/bad-ran" ] && [ ! -e "$T/bad-command" ] || fail "something ran despite the invalid unit"

printf '[Unit]\nJoinsNamespaceOf=missing.service\nJoinsNamespaceOf=self.service\n[Service]\nType=oneshot\nExecStart=/bin/touch %s/self-ran\nPrivateNetwork=yes\n' "$T" >"$T/self.service"
"$UNITRUN" verify "$T/self.service" >"$T/self-verify" 2>&1 || fail "verify refused a missing/self JoinsNamespaceOf= (systemd accepts both)"
grep -q "self.service:2: warning: .*missing.service is not part of this run" "$T/self-verify" ||
        fail "a JoinsNamespaceOf= unit not in the run is not a warning at FILE:LINE: $(cat "$T/self-verify")"
grep -q "self.service:3: warning: JoinsNamespaceOf= names the unit itself" "$T/self-verify" ||
        fail "JoinsNamespaceOf= of the unit itself is not a warning at FILE:LINE: $(cat "$T/self-verify")"
"$UNITRUN" run -q "$T/self.service" -- true 2>"$T/err-self" || fail "a run with a missing JoinsNamespaceOf= unit failed"
[ -e "$T/self-ran" ] || fail "the unit with a missing JoinsNamespaceOf= unit did not run"
echo "ok: JoinsNamespaceOf="
