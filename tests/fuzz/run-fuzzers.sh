#!/bin/sh
# CI entry point for the fuzzers: a clang build of the whole project with coverage
# instrumentation for libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, then the
# 'fuzz' suite (each harness runs 30 s on a copy of its seed corpus).
#
# Needs clang and its fuzzer runtime: apt-get install clang libclang-rt-14-dev (or the
# libclang-rt-dev matching the clang version).
#
#   tests/fuzz/run-fuzzers.sh [BUILD-DIR]     (default: build-fuzz)
set -eu
cd "$(dirname "$0")/../.."

builddir=${1:-build-fuzz}
if [ ! -d "$builddir" ]; then
    CC=${CC:-clang} meson setup "$builddir" \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$builddir"
tests=$(meson test -C "$builddir" --list 2>/dev/null)
if ! printf '%s\n' "$tests" | grep -q ':fuzz / '; then
    echo "run-fuzzers.sh: no fuzzers were built: is the compiler clang with -fsanitize=fuzzer?" >&2
    exit 1
fi
meson test -C "$builddir" --suite fuzz --print-errorlogs --num-processes 2
