#!/bin/sh
# Listen= from unit files: a drop-in adding [X-Ready] Listen= to a unit of our own (a
# fixture daemon listening late), and to Debian's memcached.service, unchanged, named by
# name (also with --ready-listen after the unit name). The COMMAND connects: it fails when
# readiness came too early. Skips (77) where memcached is not installed, when its port
# 11211 is busy, or when not root (it runs as user memcache).
#
# Env: UNITRUN, FIXTURE_DIR (listen-steps, probe).
set -u
: "${UNITRUN:?}" "${FIXTURE_DIR:?}"
STEPS=$FIXTURE_DIR/listen-steps
PROBE=$FIXTURE_DIR/probe
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to find free ports"; exit 77; }

TMP=$(mktemp -d /tmp/test-listen-unit.XXXXXX) || exit 1
PIDFILE=/run/memcached/memcached.pid
PIDFILE_EXISTED=no
[ -e "$PIDFILE" ] && PIDFILE_EXISTED=yes
cleanup() {
        rm -rf "$TMP"
        # memcached writes its PID file on the host, as under systemd: leave none behind.
        [ "$PIDFILE_EXISTED" = no ] && rm -f "$PIDFILE"
}
trap cleanup EXIT
fail=0

check() { # NAME STATUS OUTFILE PATTERN
        if [ "$2" -ne 0 ] || ! grep -Eq -- "$4" "$3"; then
                echo "FAIL $1 (exit $2)"; sed 's/^/    /' "$3"; fail=1
        else
                echo "ok $1"
        fi
}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/units/late.service.d"
P2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Another port first: only the named one counts.
cat >"$TMP/units/late.service" <<UNIT
[Service]
ExecStart=$STEPS tcp=127.0.0.1:$P2 wait=300 tcp=127.0.0.1:$PORT
UNIT
printf '[X-Ready]\nListen=127.0.0.1:%s\n' "$PORT" >"$TMP/units/late.service.d/ready.conf"
timeout 60 "$UNITRUN" run --verbose --unit-path "$TMP/units" late.service -- "$PROBE" tcp=127.0.0.1:$PORT \
        >"$TMP/out1" 2>&1
check drop-in-own-unit $? "$TMP/out1" "condition holds: Listen=127.0.0.1:$PORT"

if [ ! -e /lib/systemd/system/memcached.service ] || [ ! -x /usr/bin/memcached ]; then
        echo "SKIP: memcached.service is not installed (apt-get install memcached)"
        [ $fail = 0 ] && exit 77
        exit $fail
fi
if [ "$(id -u)" != 0 ]; then
        echo "SKIP: memcached.service runs as user memcache: needs root"
        [ $fail = 0 ] && exit 77
        exit $fail
fi
if "$PROBE" tcp=127.0.0.1:11211 2>/dev/null; then
        echo "SKIP: port 11211 is busy, memcached.service cannot run here"
        [ $fail = 0 ] && exit 77
        exit $fail
fi

mkdir -p "$TMP/mc/memcached.service.d"
printf '[X-Ready]\nListen=yes\n' >"$TMP/mc/memcached.service.d/listen.conf"
timeout 60 "$UNITRUN" run --verbose --unit-path "$TMP/mc" memcached.service -- "$PROBE" tcp=127.0.0.1:11211 \
        >"$TMP/out2" 2>&1
check memcached-drop-in-listen-yes $? "$TMP/out2" "condition holds: Listen=yes \(TCP 127.0.0.1:11211"

timeout 60 "$UNITRUN" run --verbose memcached.service --ready-listen=127.0.0.1:11211 \
        -- "$PROBE" tcp=127.0.0.1:11211 >"$TMP/out3" 2>&1
check memcached-ready-listen-option $? "$TMP/out3" "condition holds: Listen=127.0.0.1:11211"

if "$PROBE" tcp=127.0.0.1:11211 2>/dev/null; then
        echo "FAIL: memcached still answers after the run"; fail=1
fi
exit $fail
