#!/bin/sh
# `unitrun verify` on Debian's own units of real daemons, named by name as a user would:
# redis-server, nginx, postgresql@15-main (a template instance), mosquitto, memcached,
# apache2. What the unit loader guarantees is asserted: each is found on systemd's search
# path, no error but those of keys other work implements (the allow-list below, to shrink
# as they land), no per-key warning for sandboxing or no-effect keys, and at most one line
# listing the keys not applied. A daemon that is not installed is skipped; with none, 77.
#   UNITRUN=path/to/unitrun test-vendor-verify.sh
set -u
T=$(mktemp -d /tmp/urvendor.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
# Errors that belong to keys implemented elsewhere (lifecycle: GuessMainPID=).
allowed='Type=forking needs PIDFile='
# Keys this loader accepts: they must never be warned about one by one.
accepted='Documentation|DefaultDependencies|Conflicts|OnFailure|StartLimitAction|ExecReload|WatchdogSec|Protect[A-Za-z]*|PrivateDevices|PrivateUsers|PrivateMounts|PrivateIPC|Restrict[A-Za-z]*|SystemCall[A-Za-z]*|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|MemoryDenyWriteExecute|LockPersonality|DevicePolicy|DeviceAllow|MemoryMax|TasksMax|RemoveIPC|KeyringMode|BindsTo|PartOf|Requisite'
tested=0 status=0
for unit in redis-server.service nginx.service postgresql@15-main.service mosquitto.service \
        memcached.service apache2.service; do
        template=$(echo "$unit" | sed 's/@[^.]*\.service$/@.service/')
        if [ ! -e "/lib/systemd/system/$template" ] && [ ! -e "/usr/lib/systemd/system/$template" ]; then
                echo "skip: $unit is not installed"
                continue
        fi
        tested=$((tested + 1))
        "$UNITRUN" verify "$unit" >"$T/out" 2>&1
        errors=$(grep -v ': warning: ' "$T/out" | grep -vF "$allowed")
        if [ -n "$errors" ]; then
                echo "FAIL: $unit: errors:"; echo "$errors" | sed 's/^/  | /'; status=1
        fi
        per_key=$(grep -E "unknown key ($accepted)=" "$T/out")
        if [ -n "$per_key" ]; then
                echo "FAIL: $unit: per-key warnings for accepted keys:"; echo "$per_key" | sed 's/^/  | /'; status=1
        fi
        if [ "$(grep -c 'accepted, not applied in a run' "$T/out")" -gt 1 ]; then
                echo "FAIL: $unit: more than one not-applied line"; status=1
        fi
        if grep -q 'no such unit\|not a unit name\|unknown specifier' "$T/out"; then
                echo "FAIL: $unit: not found, or its names/specifiers refused"; status=1
        fi
        [ "$status" = 0 ] && echo "ok: $unit"
done
[ "$tested" -gt 0 ] || { echo "skip: none of the daemons is installed"; exit 77; }
exit "$status"
