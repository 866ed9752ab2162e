#!/bin/sh
# The client verbs' command lines (status, env, down, logs, exec): each verb's own options
# are taken (a run that does not exist then answers 4), and a bad or unknown option, a
# missing or bad value, or a bad --name exits 64 with its exact message on stderr, before
# any run is asked. Needs no run, no root and no cgroup.
#   UNITRUN=path/to/unitrun test-client-options.sh
set -u
T=$(mktemp -d /tmp/urclientopt.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
# Root's runs are in /run/unitrun, where none has this test's name; another user's in an
# XDG_RUNTIME_DIR of the test's own.
export XDG_RUNTIME_DIR="$T/xdg"
mkdir -m 700 "$XDG_RUNTIME_DIR"
N="clientopt-nope-$$"
failures=0

# check STATUS MESSAGE ARG...: unitrun ARG... exits STATUS with stderr "unitrun: MESSAGE".
check() {
        want_status=$1 want_err="unitrun: $2"
        shift 2
        "$UNITRUN" "$@" >"$T/out" 2>"$T/err"
        status=$?
        err=$(cat "$T/err")
        if [ "$status" != "$want_status" ] || [ "$err" != "$want_err" ]; then
                echo "FAIL: unitrun $*: exit $status (want $want_status), stderr: $err" >&2
                echo "      wanted stderr: $want_err" >&2
                failures=$((failures + 1))
        fi
        [ -s "$T/out" ] && { echo "FAIL: unitrun $*: wrote to stdout: $(cat "$T/out")" >&2; failures=$((failures + 1)); }
        return 0
}
gone="no detached run named '$N'"
badname="invalid run name 'a/b': letters, digits, '.', '_' and '-' only, not starting with '.'"

# Every verb: --name's own errors, first or after the verb's options.
for verb in status env down logs exec; do
        check 64 "option --name needs a value" $verb --name
        check 64 "$badname" $verb --name a/b
        check 64 "invalid run name '': letters, digits, '.', '_' and '-' only, not starting with '.'" $verb --name ""
done

# status [--name NAME] [--json]
check 4 "$gone" status --name "$N"
check 4 "$gone" status --json --name "$N"
check 4 "$gone" status --name "$N" --json --json
check 64 "unknown argument '--bogus'" status --bogus
check 64 "unknown argument '--bogus'" status --name "$N" --bogus
check 64 "unknown argument 'extra'" status --name "$N" extra
check 64 "unknown argument '--json=yes'" status --json=yes
check 64 "unknown argument '-j'" status -j

# env [--name NAME] [--format sh|github|dotenv]
check 4 "$gone" env --name "$N"
check 4 "$gone" env --format github --name "$N"
check 4 "$gone" env --name "$N" --format=dotenv
check 4 "$gone" env --format=yaml --format sh --name "$N"
check 64 "unknown argument '--bogus'" env --bogus
check 64 "unknown argument 'extra'" env --name "$N" extra
check 64 "unknown argument '--format'" env --format
check 64 "unknown argument '--format'" env --name "$N" --format
check 64 "invalid --format 'yaml': expected sh, github or dotenv" env --format yaml
check 64 "invalid --format 'yaml': expected sh, github or dotenv" env --name "$N" --format=yaml
check 64 "invalid --format '': expected sh, github or dotenv" env --format=
# The value is checked once all is parsed: an unknown argument after it comes first.
check 64 "unknown argument '--bogus'" env --format yaml --bogus

# down [--name NAME] [--timeout SPAN]
check 4 "$gone" down --name "$N"
check 4 "$gone" down --timeout 5s --name "$N"
check 4 "$gone" down --name "$N" --timeout "1min 30s"
check 64 "unknown argument '--bogus'" down --bogus
check 64 "unknown argument 'extra'" down --name "$N" extra
check 64 "unknown argument '--timeout'" down --timeout
check 64 "unknown argument '--timeout=5s'" down --timeout=5s
check 64 "invalid --timeout 'soon': not a time span (e.g. 30s, 1min 30s)" down --timeout soon
check 64 "invalid --timeout '0': not a time span (e.g. 30s, 1min 30s)" down --name "$N" --timeout 0
# The value is checked where it stands: before an unknown argument after it, not before one ahead.
check 64 "invalid --timeout 'soon': not a time span (e.g. 30s, 1min 30s)" down --timeout soon --bogus
check 64 "unknown argument '--bogus'" down --bogus --timeout soon

# logs [--name NAME] [-f] [UNIT]...
check 4 "$gone" logs --name "$N"
check 4 "$gone" logs -f --name "$N"
check 4 "$gone" logs --name "$N" --follow web.service db
check 64 "unknown option '--bogus'" logs --bogus
check 64 "unknown option '-x'" logs --name "$N" web -x
check 64 "unknown option '--follow=yes'" logs --follow=yes
check 64 "unknown option '--'" logs -- web

# exec [--name NAME] -- COMMAND [ARG]...
check 4 "$gone" exec --name "$N" -- true
check 4 "$gone" exec --name "$N" -- --name x
check 64 "missing '-- COMMAND'" exec
check 64 "missing '-- COMMAND'" exec --
check 64 "missing '-- COMMAND'" exec --name "$N"
check 64 "missing '-- COMMAND'" exec --name "$N" --
check 64 "unknown argument 'true' (COMMAND goes after '--')" exec true
check 64 "unknown argument '--bogus' (COMMAND goes after '--')" exec --bogus -- true
check 64 "unknown argument '-f' (COMMAND goes after '--')" exec --name "$N" -f -- true

[ "$failures" = 0 ] || { echo "$failures failures" >&2; exit 1; }
echo "ok"
