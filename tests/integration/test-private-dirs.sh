#!/bin/sh
# --private-dirs against real processes: a unit's RuntimeDirectory=, StateDirectory=,
# CacheDirectory=, LogsDirectory= appear at /run/NAME, /var/lib/NAME, /var/cache/NAME,
# /var/log/NAME for the unit and COMMAND, and never on the host; two parallel runs each
# see their own; a File= readiness check finds the file where the unit wrote it; the
# host's mount table and /run stay as they were. Then the launcher is SIGKILLed while the
# bind mounts exist: the units die (the guardian), and with them the namespaces: no
# process is left in them, no mount of them is anywhere. As root, and as nobody (a user
# namespace) when setpriv exists.
#   UNITRUN=path/to/unitrun test-private-dirs.sh
set -u
T_PREFIX=urpdirs . "$(dirname "$0")/../common/private-lib.sh"
mkdir -m 1777 "$T/pids" # writable by the units of nobody too
NAME=urtest-$$

cat >"$T/unit.sh" <<EOF
#!/bin/sh
# \$1: what this run writes; "who" last, it is the readiness file
echo "\$1" >/var/lib/$NAME/state
echo "\$1" >/var/cache/$NAME/cache
echo "\$1" >/var/log/$NAME/log
echo "\$1" >/run/$NAME/who.new
mv /run/$NAME/who.new /run/$NAME/who
echo \$\$ >"$T/pids/\$1"
exec sleep 60
EOF
chmod 755 "$T/unit.sh"

host_state() {
        ls -a /run /var/lib /var/cache /var/log
        grep -c "$NAME" /proc/self/mountinfo
}
host_state >"$T/host-before"

dirs="-p RuntimeDirectory=$NAME -p StateDirectory=$NAME -p CacheDirectory=$NAME -p LogsDirectory=$NAME"

check_user() {
        label=$1
        shift
        pids=
        for i in 1 2; do
                # shellcheck disable=SC2086
                "$@" "$UNITRUN" run -q --private-dirs --exec "$T/unit.sh $label$i" $dirs \
                        --ready-file "/run/$NAME/who" --timeout 20s \
                        -- sh -c "cat /run/$NAME/who /var/lib/$NAME/state /var/cache/$NAME/cache /var/log/$NAME/log" \
                        >"$T/out-$label$i" 2>"$T/err-$label$i" &
                pids="$pids $!"
        done
        for pid in $pids; do
                wait "$pid" || fail "$label: a run failed with status $?"
        done
        for i in 1 2; do
                [ "$(sort -u "$T/out-$label$i")" = "$label$i" ] ||
                        fail "$label run $i saw '$(cat "$T/out-$label$i")', not its own directories"
        done
        for d in /run /var/lib /var/cache /var/log; do
                [ ! -e "$d/$NAME" ] || fail "$label: $d/$NAME appeared on the host"
        done
        host_state >"$T/host-after"
        cmp -s "$T/host-before" "$T/host-after" || fail "$label: the host's directories or mounts changed"

        # SIGKILL of the launcher with the mounts in place.
        "$@" "$UNITRUN" up -q --private-dirs --exec "$T/unit.sh kill-$label" $dirs --ready-file "/run/$NAME/who" \
                >"$T/up-$label" 2>"$T/err-up-$label" &
        LAUNCHER=$!
        for _ in $(seq 200); do [ -s "$T/pids/kill-$label" ] && break; sleep 0.05; done
        [ -s "$T/pids/kill-$label" ] || fail "$label: the unit of 'up' did not start"
        unit=$(cat "$T/pids/kill-$label")
        mntns=$(readlink "/proc/$unit/ns/mnt")
        [ "$mntns" != "$(readlink /proc/self/ns/mnt)" ] || fail "$label: the unit shares the host's mount namespace"
        grep -q " /run/$NAME " "/proc/$unit/mountinfo" || fail "$label: no /run/$NAME mount inside"
        sleep 0.3 # ready and idle
        kill -9 "$LAUNCHER"
        wait "$LAUNCHER" 2>/dev/null
        LAUNCHER=
        for _ in $(seq 200); do kill -0 "$unit" 2>/dev/null || break; sleep 0.05; done
        ! kill -0 "$unit" 2>/dev/null || fail "$label: the unit outlived its SIGKILLed launcher"
        left=$(ns_wait_empty mnt "$mntns")
        [ -z "$left" ] || fail "$label: processes still in the run's mount namespace:$left"
        host_state >"$T/host-after"
        cmp -s "$T/host-before" "$T/host-after" || fail "$label: the host changed after the SIGKILL"
        for d in /run /var/lib /var/cache /var/log; do
                [ ! -e "$d/$NAME" ] || fail "$label: $d/$NAME left on the host after the SIGKILL"
        done
}

check_user root
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        check_user nobody setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups env HOME=/ XDG_RUNTIME_DIR=
else
        echo "note: no setpriv or nobody: the user-namespace path is not tested here" >&2
fi

# The launcher's own checks find /run/NAME too: HTTP= over a unix socket in there.
if command -v python3 >/dev/null && command -v curl >/dev/null; then
        cat >"$T/unix-http.py" <<'EOF2'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"unix ok\n")
    def address_string(self):
        return "unix"
socketserver.UnixStreamServer(sys.argv[1], H).serve_forever()
EOF2
        "$UNITRUN" run -q --private-dirs --exec "python3 $T/unix-http.py /run/$NAME/http.sock" \
                -p RuntimeDirectory=$NAME --ready-http http://localhost/ -p HTTPUnixSocket=/run/$NAME/http.sock \
                --timeout 20s -- curl -sf --unix-socket "/run/$NAME/http.sock" http://localhost/ \
                >"$T/out-unix-http" 2>"$T/err-unix-http" || fail "HTTP= over a unix socket in /run/$NAME failed"
        [ "$(cat "$T/out-unix-http")" = "unix ok" ] || fail "COMMAND did not reach the unix-socket server"
fi

# Bad input: a directory that would escape its root is refused at verify.
printf '[Service]\nExecStart=/bin/true\nRuntimeDirectory=../x\n' >"$T/bad.service"
"$UNITRUN" verify "$T/bad.service" >"$T/err-verify" 2>&1
status=$?
[ "$status" = 65 ] || fail "RuntimeDirectory=../x: expected 65 at verify, got $status"
grep -q "bad.service:3" "$T/err-verify" || fail "the verify error does not name FILE:LINE"
echo "ok: private dirs"
