#!/bin/sh
# libcurl is loaded at the first HTTP= check, not at start: the binary does not link it,
# a run without HTTP= never maps it, a run with HTTP= does (and works). libsystemd is not
# linked either (loaded for a delegated scope or sd_notify() only), and a root run in its
# own cgroup never maps it. The COMMAND looks at its parent's (unitrun's) mappings.
set -u
: "${UNITRUN:?}" "${FIXTURE_DIR:?}"
fail=0
if ldd "$UNITRUN" | grep -Eq 'libcurl|libsystemd'; then
        echo "FAIL: $UNITRUN links libcurl or libsystemd:"; ldd "$UNITRUN"; fail=1
else
        echo "ok not linked"
fi
if "$UNITRUN" run --exec "sleep 100" -- sh -c '! grep -Eq "libcurl|libsystemd" /proc/$PPID/maps'; then
        echo "ok no HTTP=: neither libcurl nor libsystemd mapped"
else
        echo "FAIL: libcurl mapped in a run without HTTP="; fail=1
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP: the HTTP half needs python3"; exit $fail; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if "$UNITRUN" run --exec "python3 -m http.server $PORT --bind 127.0.0.1" --ready-http "http://127.0.0.1:$PORT/" \
        -- sh -c 'grep -q libcurl /proc/$PPID/maps' 2>/dev/null; then
        echo "ok HTTP=: libcurl loaded, check passed"
else
        echo "FAIL: HTTP= run failed or libcurl not mapped"; fail=1
fi
"$UNITRUN" --version >/dev/null || { echo "FAIL: --version"; fail=1; }
exit $fail
