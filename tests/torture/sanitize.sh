#!/bin/sh
# CI entry point: the whole project built with AddressSanitizer (LeakSanitizer included)
# and UndefinedBehaviorSanitizer in its own build dir, then `meson test` there. UBSan
# reports are made fatal (halt_on_error), so any sanitizer report fails the test that
# provoked it. Every suite runs; nothing needs excluding: the fuzzers are only built by
# clang (tests/fuzz/run-fuzzers.sh), the benchmarks are `meson benchmark`, and the one
# measurement ASan distorts (VmRSS in test-hygiene: its quarantine grows on purpose) is
# skipped by that test itself under ASan, saying so.
#
#   tests/torture/sanitize.sh [BUILD-DIR] [MESON-TEST-ARGS...]   (default: build-sanitize)
#
# Needs what the normal build needs (gcc is fine; CC=clang works too).
set -eu
cd "$(dirname "$0")/../.."

builddir=${1:-build-sanitize}
[ $# -gt 0 ] && shift

if [ ! -d "$builddir" ]; then
    # b_lundef=false: clang links the sanitizer runtime into executables only, so the
    # shared library must be allowed undefined (sanitizer) symbols; harmless with gcc.
    meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
fi
ninja -C "$builddir"

# detect_leaks: LSan at every sanitized program's exit. abort_on_error=0: an ASan report
# exits 1 (a plain test failure) instead of dumping core. UBSan: fatal, with a stack.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# ASan makes everything slower: longer per-test timeouts, fewer tests at a time; the
# per-case deadlines of tests/common's runner stretch by the same factor.
TEST_TIMEOUT_MULTIPLIER=${TEST_TIMEOUT_MULTIPLIER:-3}
export TEST_TIMEOUT_MULTIPLIER
meson test -C "$builddir" --print-errorlogs --timeout-multiplier 3 --num-processes 2 "$@"
