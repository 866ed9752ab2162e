# The verdict and cleanup helpers the shell tests share; bash, sourced, never run:
#   . "$(dirname "$0")/../common/test-lib.sh"
# A test that cannot run here exits 77 and says why (skip); check() collects failures in
# $fail, so one run reports every broken promise, and the test ends with `exit $fail`.
# Cleanups registered with test_at_exit run at exit, last registered first, whatever
# ended the test.

fail=0

# skip REASON...: exit 77, saying why.
skip() {
        echo "skipped: $*" >&2
        exit 77
}

# check WHAT EXPR: evaluates EXPR; when it is false, says "FAIL: WHAT" and sets fail=1.
check() {
        eval "$2" || {
                echo "FAIL: $1" >&2
                fail=1
        }
}

# require_root WHY, need PROGRAM: skip unless we are root / PROGRAM is in $PATH.
require_root() { [ "$(id -u)" = 0 ] || skip "needs root ($*)"; }
need() { command -v "$1" >/dev/null || skip "$1 is not installed"; }

# port_busy PORT: something accepts on 127.0.0.1:PORT. require_free_port PORT: skip if so
# (the vendor units use fixed ports).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
require_free_port() { ! port_busy "$1" || skip "something listens on 127.0.0.1:$1 already"; }

test_at_exit_cmds=()
test_run_at_exit() {
        local i
        for ((i = ${#test_at_exit_cmds[@]} - 1; i >= 0; i--)); do
                eval "${test_at_exit_cmds[i]}"
        done
}
# test_at_exit COMMAND: runs COMMAND (eval'ed) at exit.
test_at_exit() {
        [ ${#test_at_exit_cmds[@]} -gt 0 ] || trap test_run_at_exit EXIT
        test_at_exit_cmds+=("$1")
}

# test_tmpdir NAME: $tmp, a fresh directory /tmp/NAME.XXXXXX (mode 755, so daemons that
# drop privileges can write their answers there), removed at exit.
test_tmpdir() {
        tmp=$(mktemp -d "/tmp/$1.XXXXXX") || exit 99
        chmod 755 "$tmp"
        test_at_exit 'rm -rf -- "$tmp"'
}

# keep_host_paths PATH...: the host paths a vendor unit writes (as it does under systemd)
# are put back as they were at exit: archived now (with test_tmpdir first), removed and
# restored then. $tmp/before.list lists what existed before.
keep_host_paths() {
        local p existing=()
        keep_paths=("$@")
        for p in "$@"; do [ -e "$p" ] && existing+=("${p#/}"); done
        [ ${#existing[@]} = 0 ] || tar -C / -cpf "$tmp/before.tar" "${existing[@]}" || exit 99
        (cd / && for p in "${existing[@]}"; do find "$p"; done) | sed 's|^|/|' | sort >"$tmp/before.list"
        test_at_exit 'restore_host_paths'
}
restore_host_paths() {
        local p
        for p in "${keep_paths[@]}"; do rm -rf -- "$p"; done
        [ ! -e "$tmp/before.tar" ] || tar -C / -xpf "$tmp/before.tar"
}

# run_reported COMMAND...: runs it with stderr in $tmp/stderr; $status is its exit status,
# $elapsed the seconds it took; a non-zero exit is shown (with its stderr) and fails.
run_reported() {
        local start
        start=$(date +%s)
        "$@" 2>"$tmp/stderr"
        status=$?
        elapsed=$(($(date +%s) - start))
        if [ $status != 0 ]; then
                echo "$(basename "$1") exited $status:" >&2
                sed 's/^/  | /' "$tmp/stderr" >&2
                fail=1
        fi
}
