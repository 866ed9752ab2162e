# The scaffolding of the shell tests of private namespaces (POSIX sh), sourced after their
# skip checks:
#   T_PREFIX=urpdirs . "$(dirname "$0")/../common/private-lib.sh"
# It makes $T (a temp dir, 0755: units of other users reach it), and at exit kills
# $LAUNCHER (when set) and removes $T.

T=$(mktemp -d "/tmp/${T_PREFIX:-urprivate}.XXXXXX") || exit 99
chmod 755 "$T"
LAUNCHER=
private_cleanup() {
        [ -n "$LAUNCHER" ] && kill -9 "$LAUNCHER" 2>/dev/null
        rm -rf "$T"
}
trap private_cleanup EXIT

# fail MESSAGE: says FAIL, shows what the runs wrote to $T/err*, exits 1.
fail() {
        echo "FAIL: $*" >&2
        for f in "$T"/err*; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
        exit 1
}

# ns_wait_empty KIND ID: waits (up to 200 looks at /proc) until no process is left in
# namespace ID (as readlink /proc/PID/ns/KIND says it), then prints the PIDs still in it
# (nothing when it emptied).
ns_wait_empty() {
        ns_left=
        for _ in $(seq 200); do
                ns_left=
                for p in /proc/[0-9]*; do
                        [ "$(readlink "$p/ns/$1" 2>/dev/null)" = "$2" ] && ns_left="$ns_left ${p#/proc/}"
                done
                [ -z "$ns_left" ] && break
                sleep 0.05
        done
        echo "$ns_left"
}
