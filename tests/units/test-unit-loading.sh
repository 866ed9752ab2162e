#!/bin/sh
# Units found as systemd finds them, end to end with the unitrun binary: --unit-path
# precedence, aliases, templates and their specifiers, drop-ins (precedence, masking,
# reset, type-wide service.d, [X-Ready] added by a drop-in), `unitrun cat`, unit options
# after a unit name, dependencies on targets, and the bad input that must be refused with
# FILE:LINE before anything starts (FIFO, /dev/zero, NUL byte, --exec '', template without
# instance, instance of a non-template, alias loop, unreadable drop-in directory, missing
# Requires=). Every unit writes a marker, so "nothing started" is checked, not assumed.
#   UNITRUN=path/to/unitrun test-unit-loading.sh
set -u
T=$(mktemp -d /tmp/urunits.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T/out" "$T/err"; do [ -s "$f" ] && sed 's/^/  | /' "$f" >&2; done; exit 1; }
U() { "$UNITRUN" "$@" >"$T/out" 2>"$T/err"; }
has() { grep -qF -- "$2" "$T/$1" || fail "no '$2' in $1"; }

mkdir -p "$T/hi" "$T/lo" "$T/m" || exit 99
oneshot() { printf '[Service]\nType=oneshot\nExecStart=/bin/sh -c %s\n' "'$1'"; }

# ---- --unit-path: the first directory wins; a unit named by name, not by path ----------
oneshot "echo hi >$T/m/which" >"$T/hi/pick.service"
oneshot "echo lo >$T/m/which" >"$T/lo/pick.service"
U run -q --unit-path "$T/hi" --unit-path "$T/lo" pick.service -- true || fail "run pick.service: $?"
[ "$(cat "$T/m/which")" = hi ] || fail "--unit-path order: the first directory must win"
U run -q --unit-path "$T/lo" --unit-path "$T/hi" pick.service -- true || fail "run pick.service (2)"
[ "$(cat "$T/m/which")" = lo ] || fail "--unit-path order, swapped"
U run -q pick-nowhere.service -- touch "$T/m/ran"
[ $? = 65 ] || fail "a unit that is nowhere: expected 65"
has err "pick-nowhere.service: no such unit"
[ ! -e "$T/m/ran" ] || fail "COMMAND ran although a unit was missing"

# ---- a user other than root also searches the systemd --user directories -----------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        mkdir -p "$T/user/cfg/systemd/user"
        oneshot true >"$T/user/cfg/systemd/user/mine.service"
        chmod -R a+rX "$T/user" && chmod a+x "$T"
        (cd / && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env -i PATH=/usr/bin:/bin \
                HOME="$T/user" XDG_CONFIG_HOME="$T/user/cfg" "$UNITRUN" cat mine.service) >"$T/out" 2>"$T/err" ||
                fail "a user unit in \$XDG_CONFIG_HOME/systemd/user was not found for a non-root user"
        has out "# $T/user/cfg/systemd/user/mine.service"
        XDG_CONFIG_HOME="$T/user/cfg" HOME="$T/user" U cat mine.service
        [ $? = 65 ] || fail "root (a system manager) must not search the --user directories"
else
        echo "note: user search path not checked end to end (needs root, setpriv and user nobody)"
fi

# ---- aliases load under the target's name ---------------------------------------------
oneshot "echo \$0 >$T/m/alias" >"$T/lo/target.service"
ln -s target.service "$T/lo/nick.service"
U run -q --unit-path "$T/lo" nick.service -- sh -c 'echo "$UNITRUN_TARGET_PID" >'"$T/m/env" ||
        fail "run through an alias"
[ -s "$T/m/env" ] || fail "the alias did not load under its target's name (no UNITRUN_TARGET_PID)"
mkdir -p "$T/lo/nick.service.d"
printf '[Service]\nEnvironment=VIA=alias\nExecStart=\nExecStart=/bin/sh -c "echo $VIA >%s"\n' "$T/m/via" \
        >"$T/lo/nick.service.d/via.conf"
U run -q --unit-path "$T/lo" nick.service -- true || fail "run through an alias with a drop-in"
[ "$(cat "$T/m/via")" = alias ] || fail "the alias's drop-in did not apply"

# ---- templates and specifiers ----------------------------------------------------------
cat >"$T/lo/inst@.service" <<EOF2
[Unit]
Description=instance %i of %p
After=network.target remote-fs.target
Wants=network-online.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "%n|%N|%p|%i|%I|%f|%j" >$T/m/spec; echo "%t|%S|%C|%L" >$T/m/dirs; touch %S/state-ok %C/c %L/l'
EOF2
U run -q --unit-path "$T/lo" 'inst@a-b.service' -- sh -c 'echo "$UNITRUN_RUNTIME_DIR" >'"$T/m/rt" ||
        fail "run a template instance: $?"
[ "$(cat "$T/m/spec")" = 'inst@a-b.service|inst@a-b|inst|a-b|a/b|/a/b|inst' ] ||
        fail "template specifiers: $(cat "$T/m/spec")"
rt=$(cat "$T/m/rt")
[ "$(cat "$T/m/dirs")" = "$rt|$rt/state|$rt/cache|$rt/logs" ] || fail "%t %S %C %L: $(cat "$T/m/dirs") (run dir $rt)"
[ ! -e "$rt" ] || fail "the run's directory (with state/ cache/ logs/) is left behind"
U verify --unit-path "$T/lo" 'inst@.service'
[ $? = 65 ] || fail "a template without instance must be refused"
has out "needs an instance"
oneshot "touch $T/m/started" >"$T/lo/plain.service"
U run -q --unit-path "$T/lo" 'plain@x.service' -- touch "$T/m/ran"
[ $? = 65 ] || fail "an instance of a non-template must be refused"
has err "not a template"
[ ! -e "$T/m/started" ] && [ ! -e "$T/m/ran" ] || fail "something started for an instance of a non-template"

# ---- drop-ins: precedence, masking, reset, service.d, [X-Ready] ---------------------------
mkdir -p "$T/hi/web.service.d" "$T/lo/web.service.d" "$T/lo/service.d" "$T/lo/web-.service.d"
cat >"$T/lo/web.service" <<EOF2
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo vendor >>$T/m/web'
Environment=FROM_UNIT=1
EOF2
# 10-cmd.conf in hi masks the one in lo; ExecStart= empty resets the vendor command.
printf '[Service]\nExecStart=/bin/sh -c "echo lo-dropin >>%s"\n' "$T/m/web" >"$T/lo/web.service.d/10-cmd.conf"
printf '[Service]\nExecStart=\nExecStart=/bin/sh -c "echo override $FROM_UNIT $TYPE_WIDE $PREFIX >>%s"\n' \
        "$T/m/web" >"$T/hi/web.service.d/10-cmd.conf"
printf '[Service]\nEnvironment=TYPE_WIDE=2\n' >"$T/lo/service.d/50-all.conf"
printf '[Service]\nEnvironment=PREFIX=3\n' >"$T/lo/web-.service.d/50-prefix.conf"
U run -q --unit-path "$T/hi" --unit-path "$T/lo" web.service -- true || fail "run with drop-ins: $?"
[ "$(cat "$T/m/web")" = "override 1 2" ] || fail "drop-in order/masking/reset: $(cat "$T/m/web")"
U cat --unit-path "$T/hi" --unit-path "$T/lo" web.service || fail "unitrun cat: $?"
{
        printf '# %s\n' "$T/lo/web.service"; cat "$T/lo/web.service"; echo
        printf '# %s\n' "$T/hi/web.service.d/10-cmd.conf"; cat "$T/hi/web.service.d/10-cmd.conf"; echo
        printf '# %s\n' "$T/lo/service.d/50-all.conf"; cat "$T/lo/service.d/50-all.conf"
} >"$T/m/cat-expected"
cmp -s "$T/out" "$T/m/cat-expected" || { diff "$T/m/cat-expected" "$T/out" >&2; fail "unitrun cat output"; }

# A drop-in next to a unit given by path adds an [X-Ready] condition to it.
mkdir -p "$T/own/slow.service.d"
printf '[Service]\nExecStart=/bin/sh -c "sleep 0.3; touch %s; exec sleep 30"\n' "$T/m/ready-file" >"$T/own/slow.service"
printf '[X-Ready]\nFile=%s\n' "$T/m/ready-file" >"$T/own/slow.service.d/ready.conf"
U run -q "$T/own/slow.service" -- sh -c "test -e $T/m/ready-file" || fail "[X-Ready] from a drop-in was not waited for"

# [X-Ready] values expand $VAR/${VAR} from the unit's environment, set after them too.
mkdir -p "$T/own/envready.service.d"
printf '[X-Ready]\nFile=${DIR}/env-ready\n[Service]\nExecStart=/bin/sh -c "sleep 0.3; touch $DIR/env-ready; exec sleep 30"\n' \
        >"$T/own/envready.service"
printf '[Service]\nEnvironment=DIR=%s\n' "$T/m" >"$T/own/envready.service.d/env.conf"
U run -q "$T/own/envready.service" -- sh -c "test -e $T/m/env-ready" || fail "File=\${DIR}/... was not expanded or not waited for"

# A wrong line in a drop-in is reported with the drop-in's FILE:LINE.
mkdir -p "$T/own/bad.service.d"
oneshot "touch $T/m/started" >"$T/own/bad.service"
printf '[Service]\n\nTimeoutStopSec=bogus\n' >"$T/own/bad.service.d/x.conf"
U verify "$T/own/bad.service"
[ $? = 65 ] || fail "a bad drop-in must fail verify"
has out "$T/own/bad.service.d/x.conf:3: TimeoutStopSec=bogus"
U run -q "$T/own/bad.service" -- touch "$T/m/ran"
[ $? = 65 ] && [ ! -e "$T/m/started" ] && [ ! -e "$T/m/ran" ] || fail "a bad drop-in: something started"

# Requires= finds its unit on the search path too, after the naming unit's own directory.
oneshot "touch $T/m/dep-ran" >"$T/lo/dep-on-path.service"
printf '[Unit]\nRequires=dep-on-path.service\nAfter=dep-on-path.service\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
        >"$T/own/needs-path.service"
U run -q --unit-path "$T/lo" "$T/own/needs-path.service" -- true || fail "Requires= on a unit of the search path"
[ -e "$T/m/dep-ran" ] || fail "the unit named by Requires= was not found on --unit-path"

# ---- unit options after a unit name configure that unit ------------------------------------
printf '[Service]\nType=oneshot\nExecStart=/bin/sh -c "echo $OPT >%s"\n' "$T/m/opt" >"$T/lo/opts.service"
U run -q --unit-path "$T/lo" opts.service --env OPT=from-cli -p TimeoutStopSec=5 -- true || fail "options after a unit name"
[ "$(cat "$T/m/opt")" = from-cli ] || fail "--env after a unit name was not applied to it"
U run -q --unit-path "$T/lo" opts.service -p TimeoutStopSec=bogus -- touch "$T/m/ran"
[ $? = 65 ] || fail "a bad -p after a unit: expected 65"
has err "opts.service (command line): TimeoutStopSec=bogus"
U run -q --unit-path "$T/lo" opts.service --name other -- true
[ $? = 64 ] || fail "--name after a unit name must be refused"

# ---- bad input: refused before anything starts ---------------------------------------------
rm -f "$T/m/started" "$T/m/ran"
mkfifo "$T/own/fifo.service"
timeout 20 "$UNITRUN" verify "$T/own/fifo.service" >"$T/out" 2>&1
[ $? = 65 ] || fail "a FIFO as unit file: expected 65 at once"
has out "not a regular file"
timeout 20 "$UNITRUN" verify /dev/zero >"$T/out" 2>&1
[ $? = 65 ] || fail "/dev/zero as unit file: expected 65 at once"
printf '[Service]\nExecStart=/bin/true\000evil\n' >"$T/own/nul.service"
U verify "$T/own/nul.service"
[ $? = 65 ] || fail "a NUL byte must be an error"
has out "$T/own/nul.service:2: a NUL byte"
U run -q --exec '' -- touch "$T/m/ran"
[ $? = 64 ] || fail "--exec '': expected 64"
has err "--exec needs a command line"
ln -s loop-b.service "$T/lo/loop-a.service"
ln -s loop-a.service "$T/lo/loop-b.service"
U run -q --unit-path "$T/lo" loop-a.service -- touch "$T/m/ran"
[ $? = 65 ] || fail "an alias loop: expected 65"
has err "alias loop"
oneshot "touch $T/m/started" >"$T/own/nodir.service"
: >"$T/own/nodir.service.d"
U run -q "$T/own/nodir.service" -- touch "$T/m/ran"
[ $? = 65 ] || fail "an unreadable drop-in directory: expected 65"
has err "$T/own/nodir.service.d: cannot read the drop-in directory"
printf '[Unit]\nAfter=network.target\nRequires=gone.service\n[Service]\nExecStart=/bin/touch %s\n' "$T/m/started" \
        >"$T/own/needs.service"
U run -q "$T/own/needs.service" -- touch "$T/m/ran"
[ $? = 65 ] || fail "a missing Requires=: expected 65"
has err "$T/own/needs.service:3: Requires=gone.service: no such unit"
[ ! -e "$T/m/started" ] && [ ! -e "$T/m/ran" ] || fail "something started on bad input"

# ---- sandboxing keys: one line in verify, never a failure, --strict included ------------------
printf '[Unit]\nDocumentation=man:x(1)\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\nProtectSystem=strict\nProtectHome=yes\nSystemCallFilter=@system-service\nMemoryMax=1G\nWatchdogSec=10\nExecReload=/bin/true\n' \
        >"$T/own/sandboxed.service"
U verify --strict "$T/own/sandboxed.service" || fail "sandboxing keys must not fail verify --strict"
[ "$(wc -l <"$T/out")" = 1 ] || fail "verify must print exactly one line for the not-applied keys"
has out "accepted, not applied in a run: ProtectSystem=, ProtectHome=, SystemCallFilter=, MemoryMax=, WatchdogSec="
U run -q "$T/own/sandboxed.service" -- true || fail "run of a sandboxed unit"
[ ! -s "$T/err" ] || fail "run must not warn about accepted keys"

# ---- Type=simple from a file with no readiness condition: COMMAND may race it, said once -----
printf '[Service]\nExecStart=/bin/sleep 30\n' >"$T/own/racy.service"
U run -q "$T/own/racy.service" -- true || fail "run of a simple unit"
[ "$(grep -c 'COMMAND may race it' "$T/err")" = 1 ] || fail "a simple unit without a condition: say once that COMMAND may race it"
has err "racy.service.d/ready.conf with [X-Ready] TCP=HOST:PORT"
U verify "$T/own/racy.service" || fail "verify of a simple unit"
! grep -q 'may race' "$T/out" || fail "verify must not warn about the race (a run does)"
mkdir -p "$T/racyd/racy.service.d"
printf '[X-Ready]\nFile=/\n' >"$T/racyd/racy.service.d/ready.conf"
U run -q --unit-path "$T/racyd" "$T/own/racy.service" -- true || fail "run of a simple unit with a drop-in condition"
! grep -q 'may race' "$T/err" || fail "a drop-in condition must silence the race warning"
U run -q "$T/own/racy.service" --ready-file / -- true || fail "run with --ready-file after the unit"
! grep -q 'may race' "$T/err" || fail "a condition after the unit must silence the race warning"
U run -q --exec 'sleep 30' -- true || fail "run of an ad-hoc unit"
! grep -q 'may race' "$T/err" || fail "ad-hoc units are not warned about (their author chose)"

# ---- what systemd accepts and a run cannot do: verify warns, a run refuses, nothing starts ----
printf '[Service]\nExecStart=/bin/sh -c "touch %s"\nStandardInput=tty\nType=oneshot\n' "$T/m/tty" >"$T/own/tty.service"
U verify --strict "$T/own/tty.service" || fail "StandardInput=tty must verify (systemd accepts it)"
has out "tty.service:3: warning: StandardInput=tty is not supported in a run"
U run -q "$T/own/tty.service" -- touch "$T/m/ran"
[ $? = 65 ] || fail "StandardInput=tty: a run must refuse it (65)"
has err "tty.service:3: StandardInput=tty is not supported in a run"
[ ! -e "$T/m/tty" ] && [ ! -e "$T/m/ran" ] || fail "something started although StandardInput=tty was refused"
mkdir -p "$T/ttyd/tty.service.d"
printf '[Service]\nStandardInput=null\n' >"$T/ttyd/tty.service.d/null.conf"
U run -q --unit-path "$T/ttyd" "$T/own/tty.service" -- true || fail "a drop-in StandardInput=null must lift the refusal"
printf '[Service]\nType=oneshot\nExecStart=/bin/true\nStandardOutput=tty\n' >"$T/own/ttyout.service"
U verify "$T/own/ttyout.service" || fail "StandardOutput=tty must verify"
U run -q "$T/own/ttyout.service" -- true
[ $? = 65 ] || fail "StandardOutput=tty: a run must refuse it (65)"
has err "ttyout.service:4: StandardOutput=tty is not supported in a run"
printf '[Unit]\nSuccessAction=exit-force\n' >"$T/own/exit.service"
U verify "$T/own/exit.service" || fail "no ExecStart= but SuccessAction= must verify (as systemd)"
U run -q "$T/own/exit.service" -- touch "$T/m/ran"
[ $? = 65 ] || fail "no ExecStart=: a run must refuse it (65)"
has err "ExecStart= is missing: SuccessAction= is not applied in a run"
[ ! -e "$T/m/ran" ] || fail "COMMAND ran although the unit was refused"
printf '[Unit]\nDescription=x\n' >"$T/own/noexec.service"
U verify "$T/own/noexec.service"
[ $? = 65 ] || fail "no ExecStart= and no SuccessAction=: verify must refuse it"
printf '[Service]\nType=oneshot\nExecStart=/bin/true\nRestartKillSignal=SIGINT\nRestartForceExitStatus=3\nTimeoutCleanSec=5\n' \
        >"$T/own/restartkeys.service"
U verify --strict "$T/own/restartkeys.service" || fail "Restart*= keys of systemd 252 must verify"
echo ok
