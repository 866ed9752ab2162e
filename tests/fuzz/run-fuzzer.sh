#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a copy of its seed corpus (the source
# tree is never written), with crash artifacts in a temporary directory. Fails on any
# crash, leak, timeout or sanitizer report: libFuzzer exits non-zero for all of them
# (UBSan is made fatal through UBSAN_OPTIONS by meson).
#
#   run-fuzzer.sh FUZZER CORPUS-DIR [SECONDS]
set -eu

fuzzer=$1
corpus=$2
seconds=${3:-30}

work=$(mktemp -d "${TMPDIR:-/tmp}/unitrun-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"

status=0
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
    for f in "$work"/artifacts/*; do
        [ -e "$f" ] || continue
        echo "reproducer $(basename "$f") (base64):"
        base64 "$f"
    done
    exit "$status"
fi
