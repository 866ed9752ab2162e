#!/usr/bin/env python3
"""Output and faults under pressure, end to end with the unitrun binary and real processes
(issue 15). Run on both isolation paths (UNITRUN_NO_CGROUP=1: the fallback). Every bound
is generous: these check behaviour; the speed figures are bench-output.py's.

  - a unit flooding stdout beside a Type=notify unit: COMMAND starts within a generous
    bound of the time it takes without the flood (stderr to a file, as in CI)
  - stderr to a pipe nobody reads: the notify unit still gets ready and COMMAND runs, the
    launcher's memory stays bounded (the flooder is paused), SIGTERM ends it with 143,
    nothing is left, and once the reader wakes up it gets the count of what was dropped;
    SIGINT and SIGHUP the same way with 130 and 129
  - `2>&1 | head -1`: COMMAND's exit status is kept, no death by SIGPIPE
  - a second SIGTERM during a stop that would wait forever (TimeoutStopSec=0, a unit that
    ignores SIGTERM) kills everything at once
  - a very long line without newline is cut in 64 KiB pieces; an unfinished last line is
    delivered at the end of the stream (forwarded and in --log-dir)

  UNITRUN=... FIXTURE_DIR=... test-output-pressure.py
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

UNITRUN = os.environ.get("UNITRUN")
FIXTURES = os.environ.get("FIXTURE_DIR")
FALLBACK = os.environ.get("UNITRUN_NO_CGROUP") == "1"
ENV = dict(os.environ, UNITRUN_NO_PROGRESS="1")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def vm_hwm_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0


def sanitized(pid):
    """ASan's shadow memory and quarantine make RSS meaningless."""
    if "ASAN_OPTIONS" in os.environ:
        return True
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


def in_syscall(pid, number):
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] == str(number)
    except (OSError, IndexError):
        return False


def blocked_in_write(pid, samples=10):
    """Asleep in write(2) every time we look over 200 ms (a running flooder is not)."""
    for _ in range(samples):
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        if state != "S" or not in_syscall(pid, 1):
            return False
        time.sleep(0.02)
    return True


def leftovers(info_path):
    """The flood unit's main PID and cgroup (from COMMAND's environment) must be gone."""
    with open(info_path) as f:
        words = f.read().split()
    pid = int(words[0])
    cgroup = words[1] if len(words) > 1 else None
    left = []
    if alive(pid):
        left.append("process %d" % pid)
    if cgroup and os.path.exists(cgroup):
        left.append("cgroup " + cgroup)
    return pid, left


def run_wall(argv, stderr_path):
    with open(stderr_path, "wb") as err:
        t = time.monotonic()
        p = subprocess.run(argv, stderr=err, stdout=subprocess.DEVNULL, env=ENV, timeout=120)
        return time.monotonic() - t, p.returncode


def test_flood_beside_notify(tmp):
    notify = "%s/notify wait=200 send=READY=1" % FIXTURES
    quiet = [UNITRUN, "run", "--exec", notify, "--type", "notify", "--name", "quiet", "--", "true"]
    flood = [UNITRUN, "run", "--exec", "yes", "--name", "flood"] + quiet[2:]
    alone, rc1 = run_wall(quiet, os.path.join(tmp, "quiet.log"))
    beside, rc2 = run_wall(flood, os.path.join(tmp, "flood.log"))
    check(rc1 == 0 and rc2 == 0, "flood beside notify: both runs exit 0 (%d, %d)" % (rc1, rc2))
    bound = max(3 * alone, alone + 5)
    check(beside < bound, "flood beside notify: %.2f s with the flood, %.2f s alone (bound %.1f s)" % (beside, alone, bound))
    with open(os.path.join(tmp, "flood.log"), "rb") as f:
        check(b"\nflood| y\n" in b"\n" + f.read(8192), "flood beside notify: the flood was forwarded")


def test_stalled_stderr(tmp):
    info = os.path.join(tmp, "info")
    ran = os.path.join(tmp, "ran")
    notify = "%s/notify wait=200 send=READY=1" % FIXTURES
    command = 'echo "$UNITRUN_FLOOD_PID $UNITRUN_FLOOD_CGROUP" > %s; touch %s; exec sleep 100' % (info, ran)
    argv = [UNITRUN, "run", "--exec", "yes", "--name", "flood", "--exec", notify, "--type", "notify",
            "--name", "quiet", "--", "sh", "-c", command]
    r, w = os.pipe()
    p = subprocess.Popen(argv, stderr=w, stdout=subprocess.DEVNULL, env=ENV)
    os.close(w)
    try:
        check(wait_for(lambda: os.path.exists(ran), 20), "stalled stderr: the notify unit got ready, COMMAND ran")
        time.sleep(1.0)  # flooding against a full pipe
        check(p.poll() is None, "stalled stderr: unitrun is still running")
        flood_pid = int(open(info).read().split()[0])
        # Backpressure: the flooder waits in its own write(2) to the full pipe.
        check(wait_for(lambda: blocked_in_write(flood_pid), 5), "stalled stderr: the flooder is blocked in write(2)")
        hwm = vm_hwm_mib(p.pid)
        if sanitized(p.pid):
            print("skip stalled stderr: peak RSS means nothing under AddressSanitizer (%.1f MiB)" % hwm)
        else:
            check(0 < hwm < 64, "stalled stderr: launcher peak RSS %.1f MiB (bounded: the flooder is paused)" % hwm)
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        pid = int(open(info).read().split()[0])
        check(wait_for(lambda: not alive(pid), 10), "stalled stderr: the flooder is gone %.2f s after SIGTERM" % (time.monotonic() - t))
        # unitrun now waits (poll(2), a bounded time) for stderr to take its last words.
        wait_for(lambda: p.poll() is not None or in_syscall(p.pid, 7), 5)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(r, 1 << 16), b"")))
        reader.start()
        rc = p.wait(20)
        reader.join(20)
        check(rc == 143, "stalled stderr: exit status %d after SIGTERM (143)" % rc)
        check(time.monotonic() - t < 15, "stalled stderr: teardown done in %.2f s" % (time.monotonic() - t))
        _, left = leftovers(info)
        check(not left, "stalled stderr: nothing left (%s)" % ", ".join(left))
        data = b"".join(chunks)
        tail = data[-2000:].decode(errors="replace")
        check("bytes of flood's output not shown" in tail,
              "stalled stderr: the count of dropped output is the last word: %r" % tail[-200:])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(r)


def test_stalled_other_signals(tmp):
    """SIGINT and SIGHUP with a stalled stderr: 130 and 129, nothing left."""
    for sig, expected in ((signal.SIGINT, 130), (signal.SIGHUP, 129)):
        info = os.path.join(tmp, "info-%d" % sig)
        command = 'echo "$UNITRUN_FLOOD_PID $UNITRUN_FLOOD_CGROUP" > %s.tmp; mv %s.tmp %s; exec sleep 100' % (
            info, info, info)
        r, w = os.pipe()
        p = subprocess.Popen([UNITRUN, "run", "--exec", "yes", "--name", "flood", "--", "sh", "-c", command],
                             stderr=w, stdout=subprocess.DEVNULL, env=ENV)
        os.close(w)
        try:
            if not check(wait_for(lambda: os.path.exists(info), 20), "stalled stderr, %s: COMMAND ran" % sig.name):
                continue
            time.sleep(0.5)
            p.send_signal(sig)
            rc = p.wait(20)
            check(rc == expected, "stalled stderr, %s: exit %d (%d)" % (sig.name, rc, expected))
            _, left = leftovers(info)
            check(not left, "stalled stderr, %s: nothing left (%s)" % (sig.name, ", ".join(left)))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(r)


def test_head(tmp):
    p = subprocess.Popen([UNITRUN, "run", "--exec", "yes", "--name", "flood", "--", "sh", "-c", "sleep 1; exit 7"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV)
    first = p.stdout.readline()
    p.stdout.close()  # what head -1 does
    rc = p.wait(60)
    check(first.endswith(b"\n"), "2>&1 | head -1: a first line came (%r)" % first)
    check(rc == 7, "2>&1 | head -1: COMMAND's exit status 7 kept (got %d; -13 would be SIGPIPE)" % rc)


def test_second_signal(tmp):
    pids = os.path.join(tmp, "stubborn.pids")
    argv = [UNITRUN, "run", "--exec", "%s/ignore-term -c %s" % (FIXTURES, pids), "--type", "notify", "--name",
            "stubborn", "-p", "TimeoutStopSec=0", "--", "sleep", "100"]
    with open(os.path.join(tmp, "stubborn.log"), "wb") as err:
        p = subprocess.Popen(argv, stderr=err, stdout=subprocess.DEVNULL, env=ENV)
    try:
        check(wait_for(lambda: os.path.exists(pids) and len(open(pids).read().split("\n")) > 2, 20),
              "second signal: the stubborn unit and its child run")
        p.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        check(p.poll() is None, "second signal: one SIGTERM waits for the stop (TimeoutStopSec=0)")
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        rc = p.wait(30)
        check(rc == 143, "second signal: exit %d (143) %.2f s after the second SIGTERM" % (rc, time.monotonic() - t))
        survivors = [int(l.split()[0]) for l in open(pids) if l.strip() and alive(int(l.split()[0]))]
        check(not survivors, "second signal: no process of the unit left (%s)" % survivors)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_long_and_partial_lines(tmp):
    logs = os.path.join(tmp, "logs")
    err = os.path.join(tmp, "long.err")
    script = "head -c 200000 /dev/zero | tr '\\\\0' x; echo; printf 'one\\\\ntwo'"
    _, rc = run_wall([UNITRUN, "run", "--log-dir", logs, "--exec", "sh -c \"%s\"" % script, "--type", "oneshot",
                      "--name", "long", "--", "true"], err)
    check(rc == 0, "long lines: run exits 0 (%d)" % rc)
    with open(os.path.join(logs, "long.log"), "rb") as f:
        lines = f.read().split(b"\n")
    check([len(l) for l in lines] == [65536, 65536, 65536, 3392, 3, 3, 0],
          "long lines: 200000 bytes cut into 64 KiB pieces, then 'one', 'two' (%s)" % [len(l) for l in lines])
    check(lines[4:6] == [b"one", b"two"], "partial line: the unfinished last line is in the log")
    with open(err, "rb") as f:
        forwarded = f.read().split(b"\n")
    check(b"long| two" in forwarded, "partial line: the unfinished last line is forwarded")
    check(max(len(l) for l in forwarded) == len(b"long| ") + 65536, "long lines: forwarded in 64 KiB pieces")

    # A unit stopped at the teardown, its last line unfinished.
    _, rc = run_wall([UNITRUN, "run", "--exec", "sh -c \"printf 'x\\\\ny'; exec sleep 100\"", "--name", "cut", "--",
                      "sleep", "0.5"], err)
    with open(err, "rb") as f:
        forwarded = f.read().split(b"\n")
    check(rc == 0 and b"cut| y" in forwarded, "partial line: delivered when the unit is stopped (%d)" % rc)


def main():
    if not UNITRUN or not FIXTURES:
        print("skip: UNITRUN and FIXTURE_DIR must be set")
        return 77
    print("isolation: %s" % ("fallback" if FALLBACK else "cgroup (if available)"))
    with tempfile.TemporaryDirectory(prefix="output-pressure-") as tmp:
        for test in (test_flood_beside_notify, test_stalled_stderr, test_stalled_other_signals, test_head,
                     test_second_signal, test_long_and_partial_lines):
            try:
                test(tmp)
            except Exception as e:  # a hung or crashed case fails, the others still run
                check(False, "%s raised %r" % (test.__name__, e))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
