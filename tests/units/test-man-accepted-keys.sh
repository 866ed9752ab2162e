#!/bin/sh
# unitrun.unit(5) names every key of the accepted-not-applied table
# (src/lib/unit/unit-accepted-keys.c), so that the page stays the list a user can trust.
#   SOURCE_ROOT=path/to/tree test-man-accepted-keys.sh
set -u
table="$SOURCE_ROOT/src/lib/unit/unit-accepted-keys.c"
man="$SOURCE_ROOT/src/man/unitrun.unit.5"
keys=$(sed -n 's/^ *{ "\([A-Za-z]*\)", \(U\|SV\), .*/\1/p' "$table")
[ -n "$keys" ] || { echo "FAIL: no keys read from $table"; exit 1; }
missing=
for k in $keys; do
        grep -q "[ \"]$k=" "$man" || missing="$missing $k="
done
[ -z "$missing" ] || { echo "FAIL: not in unitrun.unit(5):$missing"; exit 1; }
echo "ok: $(echo "$keys" | wc -l) keys documented"
