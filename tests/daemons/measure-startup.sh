#!/bin/bash
# How long `unitrun run UNIT -- COMMAND` takes to start COMMAND for each shipped daemon,
# beside what the daemon needs on its own (the floor):
#
#   measure-startup.sh [RUNS]        (UNITRUN and UNITS_DIR from meson, or the environment)
#
# run->cmd  wall time from just before exec'ing unitrun to COMMAND's first instruction:
#           COMMAND is `bash -c 'echo $EPOCHREALTIME'`; "stamp" is what that costs alone
#           (bash started by bash, no unitrun), to subtract if wanted.
# ready     unitrun's own figure from --json: the daemon's "ready" event, elapsed_ms (its
#           main process spawned → ready; ExecStartPre= such as initdb comes before it).
# ready-at  the same event's time_ms: unitrun's own clock, from its start to that moment.
# unitrun   `unitrun --version`: what exec'ing unitrun costs (dynamic linking) before any
#           of its own clocks starts.
# floor     the daemon without unitrun, started by a minimal harness (python3): execve()
#           done → READY=1 on a notify socket for postgres and redis, → first 2xx over the
#           unix socket for nginx (polled every 0.2 ms); initdb timed on its own.
# log       the daemon's own log, when its timestamps have milliseconds: postgres "starting
#           PostgreSQL" → "ready to accept connections", redis "Redis is starting" → "ready
#           to accept connections" (nginx logs whole seconds only).
# Figures are medians over RUNS (default 10), with min–max.
set -u

RUNS=${1:-10}
UNITRUN=${UNITRUN:-$(dirname "$0")/../../build/src/cli/unitrun}
UNITS_DIR=${UNITS_DIR:-$(dirname "$0")/../../units}
PG_BIN=/usr/lib/postgresql/15/bin
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
[ -x "$UNITRUN" ] || { echo "UNITRUN must name the unitrun binary" >&2; exit 99; }

T=$(mktemp -d /tmp/urmeasure.XXXXXX) || exit 99
chmod 755 "$T"
trap 'rm -rf -- "$T"' EXIT

# median [min–max] of the numbers on stdin, in ms with one decimal
stats() {
        sort -g | awk '{ v[NR] = $1 } END {
                if (NR == 0) { print "n/a"; exit }
                m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "%.1f ms [%.1f–%.1f]\n", m, v[1], v[NR] }'
}

# ms between two "HH:MM:SS.mmm" stamps of the first lines matching $2 and $3 in file $1
log_ms() {
        awk -v a="$2" -v b="$3" '
                function t(line) { match(line, /[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+/)
                        split(substr(line, RSTART, RLENGTH), f, ":"); return (f[1] * 60 + f[2]) * 60 + f[3] }
                $0 ~ a && !ta { ta = t($0) } $0 ~ b && !tb { tb = t($0) }
                END { if (ta && tb) printf "%.1f\n", (tb - ta) * 1000 }' "$1"
}

stamp_cost() {
        local t0 t1
        for _ in $(seq "$RUNS"); do
                t0=$EPOCHREALTIME
                t1=$(bash --norc --noprofile -c 'echo $EPOCHREALTIME')
                echo "($t1 - $t0) * 1000" | bc -l
        done | stats
}

# unitrun_runs UNIT READY-UNIT LOG-START LOG-READY: prints the run→cmd, ready and log lines
unitrun_runs() {
        local unit=$1 ready_unit=$2 t0 t1
        : >"$T/cmd" && : >"$T/ready" && : >"$T/ready-at" && : >"$T/log"
        for i in $(seq "$RUNS"); do
                t0=$EPOCHREALTIME
                "$UNITRUN" run --json --color=never "$UNITS_DIR/$unit" -- \
                        bash --norc --noprofile -c 'echo $EPOCHREALTIME' >"$T/stamp" 2>"$T/events.$i" ||
                        { echo "unitrun failed:" >&2; cat "$T/events.$i" >&2; return 1; }
                t1=$(cat "$T/stamp")
                echo "($t1 - $t0) * 1000" | bc -l >>"$T/cmd"
                sed -n "s/.*\"event\":\"ready\".*\"unit\":\"$ready_unit\".*\"elapsed_ms\":\([0-9]*\).*/\1/p" \
                        "$T/events.$i" >>"$T/ready"
                sed -n "s/.*\"event\":\"ready\",\"time_ms\":\([0-9.]*\),\"unit\":\"$ready_unit\".*/\1/p" \
                        "$T/events.$i" >>"$T/ready-at"
                [ -n "${3:-}" ] && log_ms "$T/events.$i" "$3" "$4" >>"$T/log"
        done
        printf '  %-9s %s\n' "run->cmd" "$(stats <"$T/cmd")" ready "$(stats <"$T/ready")" \
                ready-at "$(stats <"$T/ready-at")"
        [ -n "${3:-}" ] && printf '  %-9s %s\n' log "$(stats <"$T/log")"
        return 0
}

# floor KIND ARGV...: the daemon alone, exec → ready, in ms (python3 does the timing).
floor() {
        python3 - "$@" <<'EOF'
import os, socket, subprocess, sys, time
kind, argv = sys.argv[1], sys.argv[2:]
env = dict(os.environ)
if kind == "notify":
    path = os.path.join(os.environ["FLOOR_DIR"], "notify")
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.bind(path)
    os.chmod(path, 0o777)  # a daemon that dropped privileges must reach it
    env["NOTIFY_SOCKET"] = path
p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
t0 = time.monotonic()  # Popen returns once execve() succeeded
if kind == "notify":
    while b"READY=1" not in n.recv(4096).split(b"\n"):
        pass
else:
    request = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(kind)
            s.sendall(request)
            if s.recv(64).split(b" ")[1].startswith(b"2"):
                break
        except (OSError, IndexError):
            time.sleep(0.0002)
        finally:
            s.close()
t1 = time.monotonic()
p.send_signal(int(os.environ.get("FLOOR_STOP_SIGNAL", "15")))
p.wait()
print("%.1f" % ((t1 - t0) * 1000))
EOF
}

as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)

echo "unitrun: $UNITRUN; $RUNS runs each; median [min–max]"
echo "stamp (bash -c 'echo \$EPOCHREALTIME' alone): $(stamp_cost)"
for _ in $(seq "$RUNS"); do
        t0=$EPOCHREALTIME
        "$UNITRUN" --version >/dev/null
        echo "($EPOCHREALTIME - $t0) * 1000" | bc -l
done >"$T/version"
echo "unitrun (exec'ing unitrun --version): $(stats <"$T/version")"

if [ -x "$PG_BIN/postgres" ]; then
        echo "postgresql.service"
        unitrun_runs postgresql.service postgresql.service 'starting PostgreSQL' 'ready to accept connections'
        for i in $(seq "$RUNS"); do
                d=$T/pg.$i
                mkdir "$d" && [ "$(id -u)" != 0 ] || chown postgres: "$d"
                t0=$EPOCHREALTIME
                "${as_postgres[@]}" "$PG_BIN/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --locale=C \
                        --no-sync --no-instructions >/dev/null || exit 1
                echo "($EPOCHREALTIME - $t0) * 1000" | bc -l >>"$T/initdb"
                FLOOR_DIR=$d FLOOR_STOP_SIGNAL=2 floor notify "${as_postgres[@]}" "$PG_BIN/postgres" \
                        -D "$d/data" -k "$d" -c listen_addresses= -c fsync=off -c full_page_writes=off \
                        -c synchronous_commit=off -c dynamic_shared_memory_type=mmap >>"$T/pg-floor"
        done
        printf '  %-9s %s\n' "floor" "initdb $(stats <"$T/initdb") + postgres $(stats <"$T/pg-floor")"
fi

if command -v redis-server >/dev/null; then
        echo "redis.service"
        unitrun_runs redis.service redis.service 'Redis is starting' 'ready to accept connections'
        for i in $(seq "$RUNS"); do
                d=$T/redis.$i && mkdir "$d"
                FLOOR_DIR=$d floor notify redis-server --supervised systemd --daemonize no --port 0 \
                        --unixsocket "$d/redis.sock" --dir "$d" --save '' --appendonly no >>"$T/redis-floor"
        done
        printf '  %-9s %s\n' "floor" "$(stats <"$T/redis-floor")"
fi

if command -v nginx >/dev/null; then
        echo "nginx.service"
        unitrun_runs nginx.service nginx.service
        for i in $(seq "$RUNS"); do
                d=$T/nginx.$i && mkdir -p "$d/html" && echo hi >"$d/html/index.html"
                printf '%s\n' "worker_processes 1; pid $d/pid; error_log stderr;" "events {}" \
                        "http { access_log off; client_body_temp_path $d/b; proxy_temp_path $d/p;" \
                        "fastcgi_temp_path $d/f; uwsgi_temp_path $d/u; scgi_temp_path $d/s;" \
                        "server { listen unix:$d/sock; root $d/html; } }" >"$d/conf"
                floor "$d/sock" nginx -p "$d" -c "$d/conf" -g 'daemon off;' >>"$T/nginx-floor"
        done
        printf '  %-9s %s\n' "floor" "$(stats <"$T/nginx-floor")"
fi

if [ -x "$PG_BIN/postgres" ] && command -v redis-server >/dev/null; then
        echo "app-with-db.service (postgresql + redis in parallel, then the app)"
        unitrun_runs app-with-db.service app-with-db.service
fi
