#!/bin/sh
# Debian's own units, unchanged and named by name, run for real: nginx.service answers
# HTTP on its shipped port 80; memcached.service, whose Type=simple is "ready at exec",
# gets a TCP= condition from a drop-in in a --unit-path directory (the systemd way of
# adapting a vendor unit) and answers "version". After each run nothing listens on the
# port any more and no PID file is left (other tests may run their own nginx, so the
# processes are not counted by name). These units use the host's configuration and fixed ports, so a
# busy port or a missing daemon is a skip (77), said with the reason.
#   UNITRUN=path/to/unitrun test-vendor-run.sh
set -u
T=$(mktemp -d /tmp/urvendorrun.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; sed 's/^/  | /' "$T/err" >&2 2>/dev/null; exit 1; }
# Something accepts connections on 127.0.0.1:PORT.
port_busy() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
installed() { [ -e "/lib/systemd/system/$1" ] || [ -e "/usr/lib/systemd/system/$1" ]; }
[ "$(id -u)" = 0 ] || { echo "skip: needs root (the vendor units run their daemons as root)"; exit 77; }
command -v bash >/dev/null || { echo "skip: no bash"; exit 77; }
ran=0

if installed nginx.service && command -v curl >/dev/null && ! port_busy 80; then
        "$UNITRUN" run -q nginx.service -- curl -s -o "$T/body" -w '%{http_code}' http://127.0.0.1/ >"$T/code" 2>"$T/err" ||
                fail "unitrun run nginx.service: $?"
        [ "$(cat "$T/code")" = 200 ] || fail "nginx answered $(cat "$T/code"), not 200"
        ! port_busy 80 || fail "port 80 is still listened on: an nginx process is left"
        [ ! -e /run/nginx.pid ] || fail "/run/nginx.pid is left"
        echo "ok: nginx.service"
        ran=$((ran + 1))
else
        echo "skip: nginx.service (not installed, no curl, or port 80 busy)"
fi

if installed memcached.service && ! port_busy 11211; then
        mkdir -p "$T/units/memcached.service.d"
        printf '[X-Ready]\nTCP=127.0.0.1:11211\n' >"$T/units/memcached.service.d/ready.conf"
        "$UNITRUN" run -q --unit-path "$T/units" memcached.service -p TimeoutStopSec=5 -- bash -c \
                'exec 3<>/dev/tcp/127.0.0.1/11211; printf "version\r\n" >&3; read -r line <&3; echo "$line"' \
                >"$T/out" 2>"$T/err" || fail "unitrun run memcached.service: $?"
        grep -q '^VERSION ' "$T/out" || fail "memcached did not answer version: $(cat "$T/out")"
        ! port_busy 11211 || fail "port 11211 is still listened on: a memcached process is left"
        echo "ok: memcached.service (ready through a drop-in)"
        ran=$((ran + 1))
else
        echo "skip: memcached.service (not installed, or port 11211 busy)"
fi

[ "$ran" -gt 0 ] || exit 77
