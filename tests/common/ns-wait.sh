# ns_wait_empty KIND ID: waits (up to 10 s) until no process is left in namespace ID (as
# readlink /proc/PID/ns/KIND says it), then prints the PIDs still in it (nothing when it
# emptied). POSIX sh, sourced by the shell tests of private namespaces:
#   . "$(dirname "$0")/../common/ns-wait.sh"
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
