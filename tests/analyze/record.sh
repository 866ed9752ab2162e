#!/bin/sh
# Re-records the streams the golden tests read (run as root from anywhere; then rerun
# test-golden.sh with UPDATE=1 and read the diff): the shipped units/app-with-db.service,
# the units here (ok: web after slow-db and cache; failed: broken.service exits before it
# is ready; restart: flaky.service fails once and is restarted; killed: unitrun SIGKILLed
# while COMMAND runs), and the bad inputs made from
# ok.events (make-bad.py).
#   record.sh UNITRUN
set -eu
unitrun=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
"$unitrun" run -q --events app-with-db.events ../../units/app-with-db.service -- \
    sh -c 'redis-cli -s "$UNITRUN_RUNTIME_DIR/redis/redis.sock" get answer'
"$unitrun" run -q --events ok.events units/web.service -- sleep 0.2
"$unitrun" run -q --events failed.events units/web.service units/broken.service -- true || [ $? = 69 ]
"$unitrun" run -q --events restart.events units/flaky.service -- true
rm -f killed.events
"$unitrun" run -q --events killed.events units/web.service -- sleep 30 &
pid=$!
until grep -q command-started killed.events 2>/dev/null; do sleep 0.1; done
sleep 0.2
kill -9 $pid
wait $pid || true
python3 make-bad.py
