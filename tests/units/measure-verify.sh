#!/bin/sh
# How many of the host's shipped .service files `unitrun verify` accepts, and why it
# rejects the others: "N of M accepted", then the most common reasons. Aliases (symlinks)
# are not counted twice; a template foo@.service is verified as the instance
# foo@measure.service, as systemd would load it. With --strict, unknown keys are errors
# too, and OTHERS_KEYS (keys other work applies: process attributes, lifecycle keys) are
# reported separately, so that the figure for this loader's part can be read off.
#
# usage: measure-verify.sh [--strict] [UNITRUN [DIR]]   (defaults: build/src/cli/unitrun, /lib/systemd/system)
set -u
strict=
if [ "${1:-}" = --strict ]; then strict=--strict; shift; fi
unitrun=${1:-build/src/cli/unitrun}
dir=${2:-/lib/systemd/system}
others='User|Group|SupplementaryGroups|DynamicUser|UMask|Nice|OOMScoreAdjust|Limit[A-Z]*|WorkingDirectory|PassEnvironment|NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|SyslogIdentifier|StandardInput|StateDirectory|CacheDirectory|LogsDirectory|ConfigurationDirectory|[A-Za-z]*DirectoryMode|RuntimeDirectoryPreserve|PermissionsStartOnly|Restart|RestartSec|StartLimitBurst|StartLimitIntervalSec|RemainAfterExit|ExitType|GuessMainPID|BusName|ExecCondition|Condition[A-Za-z]*|Assert[A-Za-z]*|RestartPreventExitStatus|Type=idle|Type=dbus|Type=forking|PrivateTmp|PrivateNetwork'
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

total=0 accepted=0 accepted_but_others=0
for f in "$dir"/*.service; do
        [ -L "$f" ] && continue
        [ -f "$f" ] || continue
        name=${f##*/}
        case $name in
        *@.service) arg=${name%@.service}@measure.service ;;
        *) arg=$f ;;
        esac
        total=$((total + 1))
        if "$unitrun" verify $strict --unit-path "$dir" "$arg" > "$tmp/out" 2>&1; then
                accepted=$((accepted + 1))
                continue
        fi
        # The first error of the file: its message without FILE:LINE and without values.
        reason=$(grep -v ': warning: ' "$tmp/out" | head -n 1 | sed -E 's/^[^:]*(:[0-9]+)?: //; s/^unknown key ([A-Za-z]+)=.*/unknown key \1=/; s/^([A-Za-z]+=[A-Za-z+-]*)[^A-Za-z+-].*/\1/' | cut -c1-70)
        echo "$reason" >> "$tmp/reasons"
        echo "$name: $reason" >> "$tmp/files"
        if echo "$reason=" | grep -Eq "^(unknown key )?($others)="; then
                accepted_but_others=$((accepted_but_others + 1))
        fi
done

echo "$accepted of $total accepted${strict:+ (--strict)} ($((accepted * 100 / (total > 0 ? total : 1)))%)"
echo "rejected for keys other work applies (process attributes, lifecycle): $accepted_but_others;" \
     "without those: $((accepted + accepted_but_others)) of $total ($(((accepted + accepted_but_others) * 100 / (total > 0 ? total : 1)))%)"
if [ -s "$tmp/reasons" ]; then
        echo "top rejection reasons:"
        sort "$tmp/reasons" | uniq -c | sort -rn | head -n 15
        if [ -n "${VERBOSE:-}" ]; then cat "$tmp/files"; fi
fi
