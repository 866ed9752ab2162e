#!/bin/sh
# Polled TCP= checks ask sock_diag whether anything listens before they connect
# (ready-lookup.c): against real late listeners, the lookup path is taken (fewer connects
# than polls, and the lookup saw the listener: on the address itself, on the wildcard,
# on IPv6), the daemon really accepts once the check holds (tests/fixtures/probe), and
# the connect-every-poll fallback is taken and said when UNITRUN_NO_SOCK_DIAG=1 forces
# it, for a non-loopback address of this host (when it has one) and inside a
# --private-network run. The listen events are off (UNITRUN_NO_LISTEN_EVENTS=1) so that
# every case polls. Correctness, not timing: the sanity bounds are loose.
#
# Env: UNITRUN (binary), FIXTURE_DIR (listen-steps, probe).
set -u

: "${UNITRUN:?}" "${FIXTURE_DIR:?}"
STEPS=$FIXTURE_DIR/listen-steps
PROBE=$FIXTURE_DIR/probe
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to find free ports"; exit 77; }

TMP=$(mktemp -d /tmp/test-tcp-lookup.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
fail=0
n=0
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run NAME ENV... -- UNITRUN_ARGS...: runs `unitrun run --verbose`, expects exit 0, and
# leaves the output in $out and the "TCP ...: N polls, M connects (...)" line in $line.
run() {
        name=$1
        shift
        envs=
        while [ "$1" != -- ]; do envs="$envs $1"; shift; done
        shift
        n=$((n + 1))
        out=$TMP/out.$n
        timeout 60 env UNITRUN_NO_LISTEN_EVENTS=1 $envs "$UNITRUN" run --verbose "$@" >"$out" 2>&1
        status=$?
        line=$(grep -E ': TCP [^ ]+: [0-9]+ polls, [0-9]+ connects \(' "$out" | head -n 1)
        if [ "$status" -ne 0 ]; then
                echo "FAIL $name: exit $status"; sed 's/^/    /' "$out"; fail=1; return 1
        fi
        if [ -z "$line" ]; then
                echo "FAIL $name: no polls/connects line"; sed 's/^/    /' "$out"; fail=1; return 1
        fi
        rounds=$(echo "$line" | sed -E 's/.*: ([0-9]+) polls, ([0-9]+) connects.*/\1/')
        connects=$(echo "$line" | sed -E 's/.*: ([0-9]+) polls, ([0-9]+) connects.*/\2/')
        return 0
}

# The lookup path: fewer connects than polls (at most one in 8 plus the one that
# succeeds), and the lookup saw the listener the successful connect reached.
expect_lookup() {
        name=$1
        case $line in
        *"listeners looked up with sock_diag first; the lookup saw this one)"*) ;;
        *) echo "FAIL $name: lookup path not taken or listener not seen: $line"; fail=1; return ;;
        esac
        if [ "$rounds" -lt 4 ] || [ "$connects" -gt $((rounds / 8 + 2)) ]; then
                echo "FAIL $name: $rounds polls, $connects connects (a late listener polls; lookups spare connects)"
                fail=1; return
        fi
        echo "ok $name ($rounds polls, $connects connects)"
}

# The fallback: a connect in every round, and the reason said.
expect_connects() {
        name=$1 reason=$2
        case $line in
        *"(sock_diag lookups off: $reason)"*) ;;
        *) echo "FAIL $name: expected the fallback ($reason): $line"; fail=1; return ;;
        esac
        if [ "$connects" -ne "$rounds" ]; then
                echo "FAIL $name: $rounds polls but $connects connects"; fail=1; return
        fi
        echo "ok $name ($rounds polls, $connects connects)"
}

P=$(free_port)
run late-listener -- --exec "$STEPS wait=400 tcp=127.0.0.1:$P" --ready-tcp "127.0.0.1:$P" \
        -- "$PROBE" "tcp=127.0.0.1:$P" && expect_lookup late-listener

# A wildcard listener serves 127.0.0.1: the lookup is the SYN's, so it sees it.
P=$(free_port)
run wildcard -- --exec "$STEPS wait=400 tcp=0.0.0.0:$P" --ready-tcp "127.0.0.1:$P" \
        -- "$PROBE" "tcp=127.0.0.1:$P" && expect_lookup wildcard

# An unspecified destination goes to loopback, for connect(2) and for the lookup alike.
P=$(free_port)
run unspecified -- --exec "$STEPS wait=400 tcp=127.0.0.1:$P" --ready-tcp "0.0.0.0:$P" \
        -- "$PROBE" "tcp=127.0.0.1:$P" && expect_lookup unspecified

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
        P=$(free_port)
        run ipv6 -- --exec "$STEPS wait=400 tcp=[::1]:$P" --ready-tcp "[::1]:$P" \
                -- "$PROBE" "tcp=[::1]:$P" && expect_lookup ipv6
else
        echo "ok ipv6 # skipped: no ::1 here"
fi

# A listener on the port at another address does not make the check hold early: the lookup
# sees nothing at 127.0.0.1 until the second listener comes.
P=$(free_port)
run other-address -- --exec "$STEPS tcp=127.0.0.2:$P wait=400 tcp=127.0.0.1:$P" --ready-tcp "127.0.0.1:$P" \
        -- "$PROBE" "tcp=127.0.0.1:$P" && expect_lookup other-address
if [ -n "${line:-}" ] && grep -q "ready in [0-9]* ms" "$out"; then
        ms=$(sed -nE 's/.*ready in ([0-9]+) ms.*/\1/p' "$out" | head -n 1)
        [ "$ms" -ge 350 ] || { echo "FAIL other-address: ready after $ms ms, before the listener"; fail=1; }
fi

P=$(free_port)
run forced-off UNITRUN_NO_SOCK_DIAG=1 -- --exec "$STEPS wait=400 tcp=127.0.0.1:$P" \
        --ready-tcp "127.0.0.1:$P" -- "$PROBE" "tcp=127.0.0.1:$P" &&
        expect_connects forced-off "UNITRUN_NO_SOCK_DIAG=1"

# A non-loopback address of this host: connects, as before.
HOST_IP=$(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9)); a = s.getsockname()[0]
    print("" if a.startswith("127.") else a)
except OSError:
    print("")' 2>/dev/null)
if [ -n "$HOST_IP" ]; then
        P=$(free_port)
        run non-loopback -- --exec "$STEPS wait=300 tcp=0.0.0.0:$P" --ready-tcp "$HOST_IP:$P" \
                -- "$PROBE" "tcp=$HOST_IP:$P" && expect_connects non-loopback "not a loopback address"
else
        echo "ok non-loopback # skipped: this host has no non-loopback IPv4 address"
fi

# Inside a --private-network run the checks' sockets live in the run's namespace, where
# the launcher's netlink socket does not look: connects, as before.
P=$(free_port)
if timeout 30 "$UNITRUN" run -q --private-network --exec "sleep 1" -- true >"$TMP/pn" 2>&1; then
        run private-network -- --private-network --exec "$STEPS wait=300 tcp=127.0.0.1:$P" \
                --ready-tcp "127.0.0.1:$P" -- "$PROBE" "tcp=127.0.0.1:$P" &&
                expect_connects private-network "the unit's network namespace"
else
        echo "ok private-network # skipped: --private-network is refused here: $(head -n 1 "$TMP/pn")"
fi

exit $fail
