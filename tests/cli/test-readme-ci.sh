#!/bin/sh
# The README's CI workflow ("Services across CI steps") is true: its three `run:` steps,
# taken from the README itself, each run as GitHub Actions runs a step (a new `bash -e`
# in the checkout), against the shipped PostgreSQL and Redis units: the first returns
# with everything ready, the second reaches both daemons with `eval "$(unitrun env)"`
# (its `make check` stands for the project's own tests and is replaced by `:`), the third
# (`if: always()`) stops everything, and nothing of the run is left.
#   UNITRUN=path/to/unitrun SOURCE_ROOT=path/to/checkout test-readme-ci.sh
set -u
skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root (the shipped PostgreSQL unit runs initdb as postgres)"
for tool in bash python3 psql redis-cli redis-server; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || skip "PostgreSQL's server is not installed"
[ -e /run/unitrun/default ] && skip "a detached run named 'default' exists already"

T=$(mktemp -d /tmp/urreadme.XXXXXX) || exit 99
cleanup() {
        [ -e /run/unitrun/default ] && "$UNITRUN" down >/dev/null 2>&1
        rm -rf "$T"
}
trap cleanup EXIT
mkdir "$T/bin"
ln -s "$UNITRUN" "$T/bin/unitrun"

# The steps of the one yaml block of that section: each `run:` value (one line, or the
# indented lines under `run: |`), and whether the step runs always.
python3 - "$SOURCE_ROOT/README.md" "$T" <<'EOF' || fail "cannot read the workflow from the README"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## Services across CI steps", 1)[1].split("\n## ", 1)[0]
block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1).splitlines()
steps, i = [], 0
while i < len(block):
    line = block[i]
    if re.match(r"\s*- ", line):
        steps.append({"run": None, "always": False})
    m = re.match(r"(\s*)(?:- )?run: ?(.*)$", line)
    if m and steps:
        if m.group(2) == "|":
            indent, body = None, []
            while i + 1 < len(block):
                nxt = block[i + 1]
                ind = len(nxt) - len(nxt.lstrip())
                if nxt.strip() and (indent is None and ind > len(m.group(1)) or indent is not None and ind >= indent):
                    indent = indent or ind
                    body.append(nxt[indent:])
                    i += 1
                elif not nxt.strip() and indent is not None:
                    i += 1
                else:
                    break
            steps[-1]["run"] = "\n".join(body) + "\n"
        else:
            steps[-1]["run"] = m.group(2) + "\n"
    if re.match(r"\s*if: always\(\)", line) and steps:
        steps[-1]["always"] = True
    i += 1
steps = [s for s in steps if s["run"]]
if len(steps) != 3:
    sys.exit(f"expected 3 run steps, found {len(steps)}")
for n, s in enumerate(steps, 1):
    open(f"{sys.argv[2]}/step{n}.sh", "w").write(s["run"])
    open(f"{sys.argv[2]}/step{n}.always", "w").write("yes" if s["always"] else "no")
EOF

grep -q "unitrun up --detach .*postgresql.service.*redis.service" "$T/step1.sh" ||
        fail "step 1 does not start the shipped PostgreSQL and Redis units: $(cat "$T/step1.sh")"
grep -q 'eval "$(unitrun env)"' "$T/step2.sh" || fail "step 2 does not eval unitrun env"
grep -q "unitrun down" "$T/step3.sh" || fail "step 3 does not run unitrun down"
[ "$(cat "$T/step3.always")" = yes ] || fail "the down step does not run always"
sed 's/^make check$/:/' "$T/step2.sh" >"$T/step2-here.sh"

step() { # N FILE
        echo "--- step $1:" >&2
        cat "$2" >&2
        (cd "$SOURCE_ROOT" && env PATH="$T/bin:$PATH" timeout 120 bash -e "$2") >"$T/out$1" 2>"$T/err$1"
        status=$?
        cat "$T/out$1" >&2
        tail -20 "$T/err$1" >&2
        return "$status"
}
# Like a runner, step 1's output is captured (a pipe the runner reads to its end).
step 1 "$T/step1.sh" || fail "step 1 exited $?"
grep -q "postgresql.service *running" "$T/out1" || fail "step 1: PostgreSQL is not running"
grep -q "redis.service *running" "$T/out1" || fail "step 1: Redis is not running"
runtime_dir=$(sed -n 's/^runtime directory: //p' "$T/out1")
[ -d "$runtime_dir" ] || fail "step 1: no runtime directory in the summary"
step 2 "$T/step2-here.sh" || fail "step 2 exited $?"
grep -qx 1 "$T/out2" || fail "step 2: psql did not answer 1"
grep -qx PONG "$T/out2" || fail "step 2: redis-cli did not answer PONG"
step 3 "$T/step3.sh" || fail "step 3 exited $?"
[ -e /run/unitrun/default ] && fail "the run's state is left after the down step"
[ -e "$runtime_dir" ] && fail "the runtime directory $runtime_dir is left after the down step"
echo ok
