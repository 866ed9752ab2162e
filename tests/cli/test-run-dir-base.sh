#!/bin/bash
# Where a run directory goes without $XDG_RUNTIME_DIR: /dev/shm/unitrun-UID when /dev/shm
# is a tmpfs with 1 GiB free, /tmp/unitrun-UID when it is a small one (a container's
# 64 MiB /dev/shm would fill up with a unit's state directory) or not a tmpfs; and it is
# removed at exit either way. Each case mounts its own /dev/shm in a private mount
# namespace (unshare -m), so the host's is never touched.
set -u
. "$(dirname "$0")/../common/test-lib.sh"
: "${UNITRUN:?}"
require_root "mounts a tmpfs on /dev/shm in a private mount namespace"
need unshare
uid=$(id -u)

# run_dir SHM_MOUNT_OPTIONS|none: the UNITRUN_RUNTIME_DIR a run sees, with /dev/shm being a
# fresh tmpfs mounted with those options (or an empty directory of the disk, for "none"),
# then "gone" or "left" for whether it still exists after the run.
run_dir() {
        unshare -m --propagation private sh -c '
                if [ "$1" = none ]; then
                        mkdir -p /tmp/unitrun-test-shm.$$ && mount --bind /tmp/unitrun-test-shm.$$ /dev/shm
                else
                        mount -t tmpfs -o "$1" tmpfs /dev/shm
                fi || exit 99
                dir=$(env -u XDG_RUNTIME_DIR "$2" run --quiet --exec "sleep 100" -- sh -c "echo \$UNITRUN_RUNTIME_DIR")
                echo "$dir"
                if [ -e "$dir" ]; then echo left; else echo gone; fi
                [ "$1" != none ] || { umount /dev/shm; rm -rf /tmp/unitrun-test-shm.$$; }
        ' sh "$1" "$UNITRUN"
}

for case in "size=2g:/dev/shm/unitrun-$uid/" "size=64m:/tmp/unitrun-$uid/" "none:/tmp/unitrun-$uid/"; do
        opts=${case%%:*} want=${case#*:}
        out=$(run_dir "$opts")
        dir=$(echo "$out" | sed -n 1p) after=$(echo "$out" | sed -n 2p)
        check "/dev/shm $opts: run dir $dir is not under $want" '[ "${dir#"$want"}" != "$dir" ]'
        check "/dev/shm $opts: run dir $dir left after the run" '[ "$after" = gone ]'
        echo "case /dev/shm $opts: $dir ($after)"
done
exit $fail
