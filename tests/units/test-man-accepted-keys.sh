#!/bin/sh
# unitrun.unit(5) names every key a unit file may hold: those of the main key table
# (src/lib/unit/unit-keys.c: applied, with their values checked), the Limit*= table
# (src/lib/unit/unit-process-keys.c) and the accepted-not-applied table
# (src/lib/unit/unit-accepted-keys.c), so that the page stays the list a user can trust.
#   SOURCE_ROOT=path/to/tree test-man-accepted-keys.sh
set -u
man="$SOURCE_ROOT/src/man/unitrun.unit.5"
status=0
check() { # TABLE-FILE SED-EXPRESSION MINIMUM
        keys=$(sed -n "$2" "$SOURCE_ROOT/$1" | sort -u)
        n=$(echo "$keys" | grep -c .)
        [ "$n" -ge "$3" ] || { echo "FAIL: only $n keys read from $1 (the table's layout changed?)"; status=1; return; }
        missing=
        for k in $keys; do
                grep -q "[ \"(]$k=" "$man" || missing="$missing $k="
        done
        if [ -n "$missing" ]; then
                echo "FAIL: keys of $1 not in unitrun.unit(5):$missing"
                status=1
        else
                echo "ok: $n keys of $1 documented"
        fi
}
check src/lib/unit/unit-accepted-keys.c 's/^ *{ "\([A-Za-z]*\)", \(U\|SV\), .*/\1/p' 100
check src/lib/unit/unit-keys.c 's/^ *{ "\([A-Z][A-Za-z]*\)", UNIT_SECTION_[A-Z_]*,.*/\1/p' 100
check src/lib/unit/unit-process-keys.c 's/^ *{ "\(Limit[A-Z]*\)", RLIMIT_.*/\1/p' 16
exit $status
