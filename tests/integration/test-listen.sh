#!/bin/sh
# Listen= readiness against real processes, through the unitrun binary: a daemon that
# listens late, one on two ports (only the named one counts), listen/close/listen on
# another port, a daemon with its own seccomp filter calling listen() a thousand times,
# IPv6, unix and abstract sockets, a UDP bind for Listen=yes, a socket of another process
# on the port (never the unit's), HOST:PORT's lookups (someone else on the very address,
# before the unit, gone before the unit, on the same UDP address), a timeout naming the
# condition, and the detection mechanism said in --verbose: BPF on the unit's cgroup for
# TCP/UDP addresses where the launcher may load it, the seccomp notification where the
# kernel lets us (and for unix sockets, which have no cgroup hook), polling when
# UNITRUN_NO_LISTEN_EVENTS=1 forces the fallback; each refusal said, and the BPF programs
# gone once ready, and with a SIGKILLed launcher.
#
# Correctness, not timing: the COMMAND connects to the address (tests/fixtures/probe)
# and fails when the launcher declared readiness too early.
#
# Env: UNITRUN (binary), FIXTURE_DIR (listen-steps, probe); PASS_ENV extra env (e.g.
# UNITRUN_NO_CGROUP=1) and MECHANISM (bpf, seccomp or polling: what --verbose must say for
# a TCP address; a check on any socket, Listen=yes, needs seccomp for its unix ones).
set -u

: "${UNITRUN:?}" "${FIXTURE_DIR:?}"
MECHANISM=${MECHANISM:-seccomp}
STEPS=$FIXTURE_DIR/listen-steps
PROBE=$FIXTURE_DIR/probe
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to find free ports"; exit 77; }

TMP=$(mktemp -d /tmp/test-listen.XXXXXX) || exit 1
OTHER_PID=
cleanup() {
        [ -n "$OTHER_PID" ] && kill "$OTHER_PID" 2>/dev/null && wait "$OTHER_PID" 2>/dev/null
        rm -rf "$TMP"
}
trap cleanup EXIT

fail=0
n=0
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run NAME EXPECT_STATUS GREP_PATTERN UNITRUN_ARGS...: runs unitrun, checks the status and
# that the output (stdout+stderr) matches the pattern (or "" for no check).
run() {
        name=$1 expect=$2 pattern=$3
        shift 3
        n=$((n + 1))
        out=$TMP/out.$n
        timeout 60 env $MODE_ENV "$UNITRUN" run --verbose "$@" >"$out" 2>&1
        status=$?
        if [ "$status" -ne "$expect" ]; then
                echo "FAIL $name: exit $status, expected $expect"; sed 's/^/    /' "$out"; fail=1; return
        fi
        if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$out"; then
                echo "FAIL $name: output lacks /$pattern/"; sed 's/^/    /' "$out"; fail=1; return
        fi
        echo "ok $name"
}

# run_lines NAME LINES COMMAND...: runs COMMAND (a unitrun command line, with whatever runs
# it: env, setpriv), passes when it exits 0 and its output has each line of LINES (fixed
# strings, one a line).
run_lines() {
        name=$1 lines=$2
        shift 2
        n=$((n + 1))
        "$@" >"$TMP/out.$n" 2>&1
        status=$?
        missing=
        while IFS= read -r line; do
                [ -n "$line" ] && ! grep -qF -- "$line" "$TMP/out.$n" && missing="$missing [$line]"
        done <<EOF
$lines
EOF
        if [ "$status" = 0 ] && [ -z "$missing" ]; then
                echo "ok $name"
        else
                echo "FAIL $name: exit $status, missing:$missing"; sed 's/^/    /' "$TMP/out.$n"; fail=1
        fi
}

MODE_ENV=${PASS_ENV:-}
if [ "$MECHANISM" = polling ]; then
        MODE_ENV="$MODE_ENV UNITRUN_NO_LISTEN_EVENTS=1"
fi
MODE_ENV="$MODE_ENV UNITRUN=$UNITRUN"
BPF_PROGS=$FIXTURE_DIR/bpf-progs
SEEN="seen by $MECHANISM" SEEN_ANY="seen by $MECHANISM"
[ "$MECHANISM" = seccomp ] && SEEN="seen by seccomp events" SEEN_ANY="seen by seccomp events"
[ "$MECHANISM" = bpf ] && SEEN="seen by BPF events" SEEN_ANY="seen by seccomp events"

P1=$(free_port) P2=$(free_port)

run late-listen 0 "Listen=yes \(TCP 127.0.0.1:$P1, $SEEN_ANY\)" \
        --exec "$STEPS wait=300 tcp=127.0.0.1:$P1" --ready-listen -- "$PROBE" tcp=127.0.0.1:$P1
run late-listen-address 0 "Listen=127.0.0.1:$P1 \(TCP 127.0.0.1:$P1, $SEEN\)" \
        --exec "$STEPS wait=300 tcp=127.0.0.1:$P1" --ready-listen=127.0.0.1:$P1 -- "$PROBE" tcp=127.0.0.1:$P1

if [ "$MECHANISM" = bpf ]; then
        # Listen=yes counts unix sockets too, whose listen() has no cgroup hook: seccomp,
        # and the log says why not BPF.
        run bpf-not-for-unix 0 "no BPF \(a unix socket's listen\(\) has no cgroup hook\)" \
                --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --ready-listen -- true
        # Nothing of ours in the daemon: it may have a seccomp listener of its own (under
        # our seccomp filter it would get EBUSY).
        run bpf-own-listener 0 "TCP 127.0.0.1:$P1, $SEEN" \
                --exec "$STEPS own-listener wait=100 tcp=127.0.0.1:$P1" --ready-listen=127.0.0.1:$P1 \
                -- "$PROBE" tcp=127.0.0.1:$P1
        run bpf-said 0 "listen detection: BPF on the unit's cgroup" \
                --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --ready-listen=$P1 -- true
        # Once ready they are no longer read, and stay attached until the run ends (a
        # detach costs ~0.1 ms, not to be spent between ready and COMMAND); then they are
        # gone: unloaded, not only detached.
        run bpf-gone-after-the-run 0 "" \
                --exec "sh -c 'echo \$\$\$\$ > $TMP/ready.pid; exec $STEPS wait=100 tcp=127.0.0.1:$P1'" \
                --ready-listen=127.0.0.1:$P1 -- sh -c "cg=\$(sed -n 's/^0:://p' /proc/\$(cat $TMP/ready.pid)/cgroup); \
                        \"$BPF_PROGS\" /sys/fs/cgroup/unified\$cg > $TMP/ready.ids"
        IDS=$(cat "$TMP/ready.ids" 2>/dev/null)
        if [ -n "$IDS" ] && ! "$BPF_PROGS" --loaded $IDS; then
                echo "ok bpf-unloaded-after-the-run (programs $(echo $IDS))"
        else
                echo "FAIL bpf-unloaded-after-the-run: programs '$IDS'"; fail=1
        fi
fi

# --json says the mechanism too, in the ready event's conditions.
n=$((n + 1))
timeout 60 env $MODE_ENV "$UNITRUN" run --json --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --ready-listen=127.0.0.1:$P1 \
        -- true >"$TMP/out.$n" 2>&1
if grep -q "\"event\":\"ready\".*\"conditions\":\"[^\"]*$SEEN" "$TMP/out.$n"; then
        echo "ok json-says-mechanism"
else
        echo "FAIL json-says-mechanism"; sed 's/^/    /' "$TMP/out.$n"; fail=1
fi

run two-ports-host-port 0 "TCP 127.0.0.1:$P2" \
        --exec "$STEPS tcp=127.0.0.1:$P1 wait=300 tcp=127.0.0.1:$P2" --ready-listen=127.0.0.1:$P2 \
        -- "$PROBE" tcp=127.0.0.1:$P2

run two-ports-port 0 "TCP 127.0.0.1:$P2" \
        --exec "$STEPS tcp=127.0.0.1:$P1 wait=300 tcp=127.0.0.1:$P2" --ready-listen=$P2 \
        -- "$PROBE" tcp=127.0.0.1:$P2

# The first socket is gone when the second listens: the command sees P2 only.
run listen-close-listen 0 "TCP 127.0.0.1:$P2" \
        --exec "$STEPS tcp=127.0.0.1:$P1 wait=100 close wait=200 tcp=127.0.0.1:$P2" \
        --ready-listen=127.0.0.1:$P2 -- sh -c "\"$PROBE\" tcp=127.0.0.1:$P2 && ! \"$PROBE\" tcp=127.0.0.1:$P1 2>/dev/null"

# A daemon with a seccomp filter of its own (stacked on ours) works and is seen; a
# thousand listen() calls on the socket cost it nothing that breaks it.
run own-seccomp 0 "TCP 127.0.0.1:$P1, $SEEN" \
        --exec "$STEPS own-seccomp wait=100 tcp=127.0.0.1:$P1 relisten=1000 touch=$TMP/relistened" \
        --ready-listen=127.0.0.1:$P1 -- sh -c "\"$PROBE\" tcp=127.0.0.1:$P1 && sleep 0.5 && test -e $TMP/relistened"

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
        run ipv6 0 "TCP \[::1\]:$P1, $SEEN" \
                --exec "$STEPS wait=200 tcp=[::1]:$P1" --ready-listen="[::1]:$P1" -- "$PROBE" "tcp=[::1]:$P1"
        # An IPv4 socket on the port is not [::1]:PORT.
        run ipv6-not-ipv4 0 "TCP \[::1\]:$P2" \
                --exec "$STEPS tcp=127.0.0.1:$P2 wait=300 tcp=[::1]:$P2" --ready-listen="[::1]:$P2" \
                -- "$PROBE" "tcp=[::1]:$P2"
else
        echo "skip ipv6: no ::1 here"
fi

run unix-path 0 "unix $TMP/s.sock" \
        --exec "$STEPS wait=200 unix=$TMP/other.sock wait=100 unix=$TMP/s.sock" --ready-listen="$TMP/s.sock" \
        -- "$PROBE" "unix=$TMP/s.sock"

ABSTRACT=@unitrun-test-listen-$$
run abstract 0 "unix $ABSTRACT" \
        --exec "$STEPS wait=200 unix=$ABSTRACT" --ready-listen="$ABSTRACT" -- true

run unix-any 0 "Listen=yes \(unix $TMP/any.sock" \
        --exec "$STEPS wait=200 unix=$TMP/any.sock" --ready-listen -- "$PROBE" "unix=$TMP/any.sock"

run udp-bind 0 "Listen=yes \(UDP 127.0.0.1:$P1" \
        --exec "$STEPS wait=200 udp=127.0.0.1:$P1" --ready-listen -- true
run udp-bind-port 0 "Listen=$P1 \(UDP 127.0.0.1:$P1, $SEEN\)" \
        --exec "$STEPS wait=200 udp=127.0.0.1:$P1" --ready-listen=$P1 -- true
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1",0))' 2>/dev/null; then
        run udp6-bind-port 0 "Listen=$P2 \(UDP \[::1\]:$P2, $SEEN\)" \
                --exec "$STEPS wait=200 udp=[::1]:$P2" --ready-listen=$P2 -- true
fi

# Never ready: the named port is not listened on by the unit; the start times out and
# says what it waited for.
run timeout-names-condition 69 "Listen=127.0.0.1:$P2" \
        --exec "$STEPS tcp=127.0.0.1:$P1" --timeout 1s --ready-listen=127.0.0.1:$P2 -- true

# Someone else (not the unit) listens on the port: that is not the unit being ready.
"$STEPS" tcp=127.0.0.1:$P2 &
OTHER_PID=$!
sleep 0.2
run other-process-does-not-count 69 "Listen=$P2" \
        --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --timeout 1s --ready-listen=$P2 -- true
kill "$OTHER_PID"
wait "$OTHER_PID" 2>/dev/null
OTHER_PID=

# HOST:PORT asks the kernel which socket serves the address before it reads the unit's
# fds; what it finds must still be the unit's. Someone else on the very address and port:
# never ready.
P4=$(free_port) P5=$(free_port) P6=$(free_port) P7=$(free_port)
"$STEPS" tcp=127.0.0.1:$P4 &
OTHER_PID=$!
sleep 0.2
run other-process-same-address 69 "Listen=127.0.0.1:$P4" \
        --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --timeout 1s --ready-listen=127.0.0.1:$P4 -- true
kill "$OTHER_PID"
wait "$OTHER_PID" 2>/dev/null
OTHER_PID=

# Someone else's UDP socket on the address (it counts for HOST:PORT, were it the unit's),
# then the unit's TCP listener there: seen, and the lookups said so.
"$STEPS" udp=127.0.0.1:$P5 &
OTHER_PID=$!
sleep 0.2
run own-after-other-on-address 0 "Listen=127.0.0.1:$P5 \(TCP 127.0.0.1:$P5, $SEEN\), [0-9]+ looks, [0-9]+ reading the unit's fds \(sock_diag lookups first\)" \
        --exec "$STEPS wait=300 tcp=127.0.0.1:$P5" --ready-listen=127.0.0.1:$P5 -- "$PROBE" tcp=127.0.0.1:$P5
# Both on one UDP address (SO_REUSEADDR): a lookup finds one socket of the two; the unit's
# is seen.
run own-and-other-same-udp-address 0 "Listen=127.0.0.1:$P5 \(UDP 127.0.0.1:$P5" \
        --exec "$STEPS wait=200 udp=127.0.0.1:$P5" --ready-listen=127.0.0.1:$P5 -- true
kill "$OTHER_PID"
wait "$OTHER_PID" 2>/dev/null
OTHER_PID=

# other_gone_then_own NAME LISTEN STEP PATTERN COMMAND...: someone else makes the socket
# STEP says, and goes away after a while; then the unit makes the same one (once the other
# is gone, however long that takes here): a new socket, seen (the other's, not the unit's
# while it lived, is not remembered for it).
other_gone_then_own() {
        name=$1 listen=$2 step=$3 pattern=$4
        shift 4
        "$STEPS" "$step" &
        OTHER_PID=$!
        sleep 0.2
        (sleep 0.5; kill "$OTHER_PID") &
        KILLER=$!
        run "$name" 0 "$pattern" \
                --exec "sh -c 'while kill -0 $OTHER_PID 2>/dev/null; do sleep 0.05; done; exec $STEPS wait=100 $step'" \
                --ready-listen="$listen" -- "$@"
        wait "$KILLER" "$OTHER_PID" 2>/dev/null
        OTHER_PID=
}
other_gone_then_own other-gone-then-own 127.0.0.1:$P6 tcp=127.0.0.1:$P6 \
        "Listen=127.0.0.1:$P6 \(TCP 127.0.0.1:$P6, $SEEN\)" "$PROBE" tcp=127.0.0.1:$P6
other_gone_then_own other-gone-then-own-port $P6 tcp=127.0.0.1:$P6 \
        "Listen=$P6 \(TCP 127.0.0.1:$P6, $SEEN\)" "$PROBE" tcp=127.0.0.1:$P6
other_gone_then_own other-gone-then-own-path "$TMP/again.sock" "unix=$TMP/again.sock" \
        "Listen=$TMP/again.sock \(unix $TMP/again.sock, $SEEN_ANY\)" "$PROBE" "unix=$TMP/again.sock"
other_gone_then_own other-gone-then-own-abstract "@unitrun-test-again-$$" "unix=@unitrun-test-again-$$" \
        "Listen=@unitrun-test-again-$$ \(unix @unitrun-test-again-$$, $SEEN_ANY\)" true

# The process that listens is a later child of the unit's main process, after another one
# came and went: each process of the unit is read, the ones gone are not.
run child-process-listens 0 "Listen=yes \(TCP 127.0.0.1:$P6, $SEEN_ANY\)" \
        --exec "sh -c 'sleep 0.3; $STEPS wait=100 tcp=127.0.0.1:$P6; true'" --ready-listen -- "$PROBE" tcp=127.0.0.1:$P6
run child-process-listens-port 0 "Listen=$P6 \(TCP 127.0.0.1:$P6, $SEEN\)" \
        --exec "sh -c 'sleep 0.3; $STEPS wait=100 tcp=127.0.0.1:$P6; true'" --ready-listen=$P6 -- "$PROBE" tcp=127.0.0.1:$P6

# The process that listens moved itself into a cgroup below the unit's (a delegated daemon
# does): it is the unit's, and its listener counts.
case "${PASS_ENV:-}" in
*UNITRUN_NO_CGROUP=1*) echo "skip sub-cgroup-listens: no cgroups in this mode" ;;
*)
        cat >"$TMP/sub-cgroup.sh" <<EOF
root=\$(awk '\$9 == "cgroup2" { print \$5; exit }' /proc/self/mountinfo)
cg=\$root\$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir "\$cg/sub" && echo \$\$ >"\$cg/sub/cgroup.procs" || exit 70
exec "$STEPS" wait=200 tcp=127.0.0.1:$P6
EOF
        run sub-cgroup-listens 0 "Listen=yes \(TCP 127.0.0.1:$P6, $SEEN_ANY\)" \
                --exec "sh $TMP/sub-cgroup.sh" --ready-listen -- "$PROBE" tcp=127.0.0.1:$P6
        ;;
esac

# Someone else on the unix path, never the unit: not ready.
"$STEPS" "unix=$TMP/theirs.sock" &
OTHER_PID=$!
sleep 0.2
run other-process-same-path 69 "Listen=$TMP/theirs.sock" \
        --exec "$STEPS wait=100 unix=$TMP/mine.sock" --timeout 1s --ready-listen="$TMP/theirs.sock" -- true
kill "$OTHER_PID"
wait "$OTHER_PID" 2>/dev/null
OTHER_PID=

# A process of the unit in a network namespace of its own: the lookups (in unitrun's) cannot
# see its listener; the whole look, every eighth, reads its /proc/PID/net and finds it.
if unshare -n true 2>/dev/null; then
        run own-network-namespace 0 "Listen=127.0.0.1:$P7 \(TCP 0.0.0.0:$P7, $SEEN\)" \
                --exec "unshare -n $STEPS wait=200 tcp=0.0.0.0:$P7" --timeout 20s --ready-listen=127.0.0.1:$P7 -- true
else
        echo "skip own-network-namespace: unshare -n is refused here"
fi

# The wildcard serves the host; a bound UDP socket on the address counts.
run wildcard-serves-host 0 "Listen=127.0.0.1:$P7 \(TCP 0.0.0.0:$P7" \
        --exec "$STEPS wait=200 tcp=0.0.0.0:$P7" --ready-listen=127.0.0.1:$P7 -- "$PROBE" tcp=127.0.0.1:$P7
run udp-host-port 0 "Listen=127.0.0.1:$P6 \(UDP 127.0.0.1:$P6" \
        --exec "$STEPS wait=200 udp=127.0.0.1:$P6" --ready-listen=127.0.0.1:$P6 -- true
# Without the lookups (UNITRUN_NO_SOCK_DIAG=1), every look is a whole one, and says so.
MODE_ENV_SAVED=$MODE_ENV
MODE_ENV="$MODE_ENV UNITRUN_NO_SOCK_DIAG=1"
run lookups-off-whole-looks 0 "Listen=127.0.0.1:$P7 \(TCP 127.0.0.1:$P7, $SEEN\), [0-9]+ looks, [0-9]+ reading the unit's fds \(sock_diag lookups off: UNITRUN_NO_SOCK_DIAG=1\)" \
        --exec "$STEPS wait=200 tcp=127.0.0.1:$P7" --ready-listen=127.0.0.1:$P7 -- "$PROBE" tcp=127.0.0.1:$P7
MODE_ENV=$MODE_ENV_SAVED

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
        # Someone else's [::] (IPV6_V6ONLY) counts for an IPv4 host were it the unit's (the
        # match cannot tell V6ONLY): found by the lookup at [::], not the unit's; then the
        # unit's own 127.0.0.1 listener on that port is.
        "$STEPS" "tcp=[::]:$P4" &
        OTHER_PID=$!
        sleep 0.2
        run own-v4-after-other-v6-wildcard 0 "Listen=127.0.0.1:$P4 \(TCP 127.0.0.1:$P4, $SEEN\)" \
                --exec "$STEPS wait=300 tcp=127.0.0.1:$P4" --ready-listen=127.0.0.1:$P4 -- "$PROBE" tcp=127.0.0.1:$P4
        run other-v6-wildcard-for-v6-host 69 "Listen=\[::1\]:$P4" \
                --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --timeout 1s --ready-listen="[::1]:$P4" -- true
        kill "$OTHER_PID"
        wait "$OTHER_PID" 2>/dev/null
        OTHER_PID=
fi

# TCP=/UnixSocket= on the unit's own address: looked at right after its listen() (events),
# a missing unix path waited for with inotify on its directory; a late directory entry
# that is not the socket (another file) does not end the wait.
run tcp-condition-own-address 0 "condition holds: TCP 127.0.0.1:$P1" \
        --exec "$STEPS wait=200 tcp=127.0.0.1:$P1" --ready-tcp 127.0.0.1:$P1 -- "$PROBE" tcp=127.0.0.1:$P1
run unix-condition-late-path 0 "condition holds: unix socket $TMP/late.sock" \
        --exec "$STEPS wait=100 touch=$TMP/unrelated wait=200 unix=$TMP/late.sock" --ready-unix "$TMP/late.sock" \
        -- "$PROBE" "unix=$TMP/late.sock"

if [ "$MECHANISM" = polling ]; then
        # Without events a look asks the kernel first and reads the unit's fds only when it
        # shows something new (for PORT, yes and @name: a thread of the unit ran since the
        # last reading; for /path: the path is a socket, a listening one of that name; for
        # HOST:PORT: the lookups), plus a whole look every eighth. Each socket here must be
        # found by a reading the gate asked for, not by that safety net.
        # UNITRUN_LISTEN_NO_SAFETY_NET=1 turns that off: a socket the gate misses is never
        # found (the start times out, exit 69), and the log must say the gate saw it.
        GATE_SAW="the gate saw it"
        P8=$(free_port) P9=$(free_port)
        MODE_ENV_SAVED=$MODE_ENV
        MODE_ENV="$MODE_ENV UNITRUN_LISTEN_NO_SAFETY_NET=1"
        # PORT on another loopback address and on the IPv6 wildcard.
        run gate-port-other-loopback 0 "Listen=$P8 \(TCP 127.0.0.2:$P8, seen by polling\), [0-9]+ looks, [0-9]+ reading the unit's fds \(the unit's CPU time first\), $GATE_SAW" \
                --exec "$STEPS wait=300 tcp=127.0.0.2:$P8" --timeout 20s --ready-listen=$P8 -- "$PROBE" tcp=127.0.0.2:$P8
        if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::",0))' 2>/dev/null; then
                run gate-port-v6-wildcard 0 "Listen=$P8 \(TCP \[::\]:$P8, seen by polling\).*$GATE_SAW" \
                        --exec "$STEPS wait=300 tcp=[::]:$P8" --timeout 20s --ready-listen=$P8 -- "$PROBE" "tcp=[::1]:$P8"
        fi
        # Someone else listens on the port first: never the unit's. Then the unit listens on
        # another address with that port: it counts.
        "$STEPS" tcp=127.0.0.1:$P9 &
        OTHER_PID=$!
        sleep 0.2
        run gate-port-other-first 69 "Listen=$P9" \
                --exec "$STEPS wait=100 tcp=127.0.0.1:$P1" --timeout 1s --ready-listen=$P9 -- true
        run gate-port-own-after-other 0 "Listen=$P9 \(TCP 127.0.0.2:$P9, seen by polling\).*$GATE_SAW" \
                --exec "$STEPS wait=300 tcp=127.0.0.2:$P9" --timeout 20s --ready-listen=$P9 -- "$PROBE" tcp=127.0.0.2:$P9
        kill "$OTHER_PID"
        wait "$OTHER_PID" 2>/dev/null
        OTHER_PID=
        # yes with a UDP bind, late; and a later child process of the unit.
        run gate-yes-udp 0 "Listen=yes \(UDP 127.0.0.1:$P8, seen by polling\).*$GATE_SAW" \
                --exec "$STEPS wait=300 udp=127.0.0.1:$P8" --timeout 20s --ready-listen -- true
        run gate-yes-child 0 "Listen=yes \(TCP 127.0.0.1:$P8, seen by polling\).*$GATE_SAW" \
                --exec "sh -c 'sleep 0.3; exec $STEPS wait=200 tcp=127.0.0.1:$P8'" --timeout 20s --ready-listen -- "$PROBE" tcp=127.0.0.1:$P8
        # yes with the listener in a cgroup below the unit's.
        case "${PASS_ENV:-}" in
        *UNITRUN_NO_CGROUP=1*) ;;
        *)
                run gate-yes-sub-cgroup 0 "Listen=yes \(TCP 127.0.0.1:$P6, seen by polling\).*$GATE_SAW" \
                        --exec "sh $TMP/sub-cgroup.sh" --timeout 20s --ready-listen -- "$PROBE" tcp=127.0.0.1:$P6
                ;;
        esac
        # /path made by bind() long before listen(): not ready while it only is bound (the
        # COMMAND connects, which a bound socket that does not listen refuses), and never
        # ready if it never listens.
        run gate-path-bound-then-listen 0 "Listen=$TMP/bound.sock \(unix $TMP/bound.sock, seen by polling\), [0-9]+ looks, [0-9]+ reading the unit's fds \(stat\(\) of the path and a unix_diag dump first\), $GATE_SAW" \
                --exec "$STEPS unix-bound=$TMP/bound.sock wait=600 listen" --timeout 20s --ready-listen="$TMP/bound.sock" \
                -- "$PROBE" "unix=$TMP/bound.sock"
        run gate-path-bound-only 69 "Listen=$TMP/bound2.sock" \
                --exec "$STEPS unix-bound=$TMP/bound2.sock" --timeout 1s --ready-listen="$TMP/bound2.sock" -- true
        # @name, late, and bound only (an abstract socket that does not listen).
        run gate-abstract 0 "Listen=@unitrun-gate-$$ \(unix @unitrun-gate-$$, seen by polling\).*the unit's CPU time first\), $GATE_SAW" \
                --exec "$STEPS wait=300 unix=@unitrun-gate-$$" --timeout 20s --ready-listen="@unitrun-gate-$$" -- true
        run gate-abstract-bound-only 69 "Listen=@unitrun-gate2-$$" \
                --exec "$STEPS unix-bound=@unitrun-gate2-$$" --timeout 1s --ready-listen="@unitrun-gate2-$$" -- true
        MODE_ENV=$MODE_ENV_SAVED
fi

run bad-address 64 "Listen=127.0.0.1:99999: the port must be" --exec "$STEPS" --ready-listen=127.0.0.1:99999 -- true

if [ "$MECHANISM" = bpf ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
        # Root without CAP_BPF/CAP_NET_ADMIN (and CAP_SYS_ADMIN): no BPF, said; then no
        # seccomp either (no no_new_privs): polling. With NoNewPrivileges=yes: seccomp.
        NO_CAPS="setpriv --bounding-set=-bpf,-net_admin,-sys_admin --inh-caps=-bpf,-net_admin,-sys_admin"
        P3=$(free_port)
        run_lines bpf-not-allowed-falls-back "no BPF (not allowed: CAP_BPF and CAP_NET_ADMIN are needed)
kernel refused the seccomp listener
seen by polling" env $MODE_ENV $NO_CAPS "$UNITRUN" run --verbose --exec "$STEPS wait=100 tcp=127.0.0.1:$P3" \
                --ready-listen=127.0.0.1:$P3 -- "$PROBE" tcp=127.0.0.1:$P3
        run_lines bpf-not-allowed-seccomp "no BPF (not allowed
seen by seccomp events" env $MODE_ENV $NO_CAPS "$UNITRUN" run --verbose --exec "$STEPS wait=100 tcp=127.0.0.1:$P3" \
                -p NoNewPrivileges=yes --ready-listen=127.0.0.1:$P3 -- "$PROBE" tcp=127.0.0.1:$P3

        # The launcher stopped, then SIGKILLed while the programs are attached: the daemon
        # listens meanwhile (nothing of ours in its way), is killed with its cgroup, and the
        # programs go with the launcher's fds (nothing pinned).
        n=$((n + 1))
        rm -f "$TMP/daemon.pid"
        env $MODE_ENV "$UNITRUN" run --exec "sh -c 'echo \$\$\$\$ > $TMP/daemon.pid; exec $STEPS wait=700 tcp=127.0.0.1:$P3'" \
                --ready-listen=127.0.0.1:$P3 -- sleep 60 >"$TMP/out.$n" 2>&1 &
        LAUNCHER=$!
        i=0
        while [ ! -s "$TMP/daemon.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        kill -STOP "$LAUNCHER"
        DAEMON=$(cat "$TMP/daemon.pid" 2>/dev/null)
        CG=$(sed -n 's/^0:://p' /proc/"$DAEMON"/cgroup 2>/dev/null)
        IDS=$("$BPF_PROGS" /sys/fs/cgroup/unified"$CG" 2>&1)
        sleep 1.2
        if [ -n "$IDS" ] && timeout 5 "$PROBE" tcp=127.0.0.1:$P3 2>/dev/null; then
                echo "ok bpf-listen-while-launcher-stopped (programs $(echo $IDS))"
        else
                echo "FAIL bpf-listen-while-launcher-stopped: programs '$IDS' on '$CG'"; sed 's/^/    /' "$TMP/out.$n"; fail=1
        fi
        kill -KILL "$LAUNCHER"
        wait "$LAUNCHER" 2>/dev/null
        i=0
        while [ $i -lt 100 ] && { [ -d /proc/"$DAEMON" ] || "$BPF_PROGS" --loaded $IDS; }; do sleep 0.05; i=$((i + 1)); done
        if [ -d /proc/"$DAEMON" ] && [ "$(awk '{print $3}' /proc/"$DAEMON"/stat 2>/dev/null)" != Z ]; then
                echo "FAIL bpf-launcher-killed: daemon $DAEMON still alive"
                kill -KILL "$DAEMON"; fail=1
        elif [ -n "$IDS" ] && "$BPF_PROGS" --loaded $IDS; then
                echo "FAIL bpf-launcher-killed: programs $(echo $IDS) still loaded"; fail=1
        else
                echo "ok bpf-launcher-killed: the daemon went with its cgroup, the programs with the launcher"
        fi

        # A unit that stops before it is ready (the timeout): its programs go with it.
        n=$((n + 1))
        rm -f "$TMP/daemon.pid"
        env $MODE_ENV "$UNITRUN" run --exec "sh -c 'echo \$\$\$\$ > $TMP/daemon.pid; exec $STEPS tcp=127.0.0.1:$P2'" \
                --timeout 1s --ready-listen=127.0.0.1:$P3 -- true >"$TMP/out.$n" 2>&1 &
        LAUNCHER=$!
        i=0
        while [ ! -s "$TMP/daemon.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        DAEMON=$(cat "$TMP/daemon.pid" 2>/dev/null)
        CG=$(sed -n 's/^0:://p' /proc/"$DAEMON"/cgroup 2>/dev/null)
        IDS=$("$BPF_PROGS" /sys/fs/cgroup/unified"$CG" 2>&1)
        wait "$LAUNCHER"
        status=$?
        if [ "$status" = 69 ] && [ -n "$IDS" ] && ! "$BPF_PROGS" --loaded $IDS && [ ! -d /sys/fs/cgroup/unified"$CG" ]; then
                echo "ok bpf-gone-with-the-unit"
        else
                echo "FAIL bpf-gone-with-the-unit: exit $status, programs '$IDS' on '$CG'"; sed 's/^/    /' "$TMP/out.$n"; fail=1
        fi
fi

if [ "$MECHANISM" = seccomp ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
        # Not allowed the mechanism: not root and no no_new_privs, the kernel refuses the
        # filter; the fallback is taken and said. With NoNewPrivileges=yes it is allowed.
        AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups env UNITRUN_NO_CGROUP=1 HOME=/tmp"
        P3=$(free_port)
        run_lines not-allowed-falls-back "kernel refused the seccomp listener
seen by polling" env -C /tmp $AS_NOBODY "$UNITRUN" run --verbose --exec "$STEPS wait=100 tcp=127.0.0.1:$P3" \
                --ready-listen -- "$PROBE" tcp=127.0.0.1:$P3
        run_lines no-new-privileges-allows-events "seen by seccomp" env -C /tmp $AS_NOBODY "$UNITRUN" run --verbose \
                --exec "$STEPS wait=100 tcp=127.0.0.1:$P3" -p NoNewPrivileges=yes --ready-listen -- "$PROBE" tcp=127.0.0.1:$P3

        # The launcher stopped (SIGSTOP: a library caller that does not run its loop) while
        # the daemon calls listen(): the answerer process lets the call through, the daemon
        # serves. Then the launcher SIGKILLed: the daemon is killed with its cgroup, and the
        # answerer goes with the daemon's end.
        n=$((n + 1))
        rm -f "$TMP/daemon.pid"
        env $MODE_ENV "$UNITRUN" run --exec "sh -c 'echo \$\$\$\$ > $TMP/daemon.pid; exec $STEPS wait=700 tcp=127.0.0.1:$P3'" \
                --ready-listen -- sleep 60 >"$TMP/out.$n" 2>&1 &
        LAUNCHER=$!
        i=0
        while [ ! -s "$TMP/daemon.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        kill -STOP "$LAUNCHER"
        sleep 1.2 # the daemon has called listen() by now, with the launcher stopped
        DAEMON=$(cat "$TMP/daemon.pid" 2>/dev/null)
        if timeout 5 "$PROBE" tcp=127.0.0.1:$P3 2>/dev/null; then
                echo "ok listen-while-launcher-stopped"
        else
                echo "FAIL listen-while-launcher-stopped: the daemon's listen() waited for the launcher"
                sed 's/^/    /' "$TMP/out.$n"; fail=1
        fi
        kill -KILL "$LAUNCHER"
        wait "$LAUNCHER" 2>/dev/null
        i=0
        while [ -n "$DAEMON" ] && [ -d /proc/"$DAEMON" ] && [ "$(awk '{print $3}' /proc/"$DAEMON"/stat 2>/dev/null)" != Z ] &&
                [ $i -lt 200 ]; do
                sleep 0.05; i=$((i + 1))
        done
        if [ -n "$DAEMON" ] && [ -d /proc/"$DAEMON" ] && [ "$(awk '{print $3}' /proc/"$DAEMON"/stat 2>/dev/null)" != Z ]; then
                echo "FAIL launcher-killed: daemon $DAEMON still alive"
                kill -KILL "$DAEMON"; fail=1
        else
                echo "ok launcher-killed: the daemon went with its cgroup"
        fi
fi

exit $fail
