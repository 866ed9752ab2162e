#!/usr/bin/env python3
"""Output under pressure, measured side by side in one run (issue 15). Prints a table of
figures and ratios and writes bench-output.json.

  throughput   forwarding 50 MB of short lines (6 bytes: 8.3 million lines) and of 4 KiB
               lines: `unitrun run --exec 'cat FILE' --type oneshot -- true` with stderr
               to a file, against `sed 's/^/NAME| /' FILE` to a file; wall time (median of
               RUNS), ratio sed/unitrun (>= 1: unitrun keeps up), the same without
               unitrun's own start and stop (timed around a silent unit), and the
               launcher's CPU per MB (its CPU minus the unit's, from the CPU time line)
  overshoot    a Type=notify unit ready after 200 ms: from its READY=1 (its own
               CLOCK_MONOTONIC stamp) to COMMAND's first instant, alone and beside 1 and
               10 units running `yes`, stderr to a file, and beside 10 CPU hogs that are
               not units (the control: CPU contention alone); interleaved, medians of
               2 RUNS + 1
  signal       SIGTERM to unitrun while a unit floods a stderr pipe nobody reads: how long
               until the unit's process is dead (the teardown started and did its work;
               target: started within 100 ms)
  memory       the launcher's peak RSS (VmHWM) with 1 and 10 flooding units for 2 s,
               stderr to a reader that keeps up, and to a pipe nobody reads (backpressure:
               every unit paused at its limit)

  bench-output.py UNITRUN READY_FIXTURE [RUNS]
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

UNITRUN = None
FIXTURE = None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def make_inputs(tmp):
    short = os.path.join(tmp, "short.txt")
    long_ = os.path.join(tmp, "long.txt")
    total = 50 * 1000 * 1000
    with open(short, "wb") as f:
        chunk = b"".join(b"%05d\n" % (i % 100000) for i in range(100000))
        written = 0
        while written < total:
            piece = chunk[: total - written]
            f.write(piece)
            written += len(piece)
    with open(long_, "wb") as f:
        line = b"x" * 4095 + b"\n"
        f.write(line * (total // 4096))
    return {"short lines (6 B)": short, "4 KiB lines": long_}


def run_timed(argv, stdout=None, stderr=None, env=None):
    """Wall time, exit code and (user+sys) CPU of the process and what it reaped."""
    t = time.monotonic()
    p = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - t, p.returncode, ru.ru_utime + ru.ru_stime


def unit_cpu(log_path, name):
    """The unit's CPU seconds from unitrun's closing 'CPU time: NAME X s' line."""
    try:
        with open(log_path, "rb") as f:
            f.seek(max(0, os.path.getsize(log_path) - 4096))
            tail = f.read().decode(errors="replace")
    except OSError:
        return None
    for line in tail.splitlines():
        if "CPU time:" in line:
            for part in line.split("CPU time:", 1)[1].split(","):
                words = part.split()
                if len(words) >= 3 and words[0] == name:
                    return float(words[1])
    return None


def empty_run(runs):
    """unitrun's own start and stop around a unit that says nothing (the fixed cost)."""
    times = []
    for _ in range(runs):
        w, rc, _ = run_timed([UNITRUN, "run", "--exec", "true", "--type", "oneshot", "--", "true"],
                             stderr=subprocess.DEVNULL, env=dict(os.environ, UNITRUN_NO_PROGRESS="1"))
        times.append(w)
    return statistics.median(times)


def throughput(tmp, inputs, runs):
    rows = []
    fixed = empty_run(runs)
    for label, path in inputs.items():
        mb = os.path.getsize(path) / 1e6
        out = os.path.join(tmp, "out.log")
        sed_t, uni_t, cpu_mb = [], [], []
        for _ in range(runs):
            with open(out, "wb") as o:
                w, rc, _ = run_timed(["sed", "s/^/cat.service| /", path], stdout=o)
            sed_t.append(w)
            with open(out, "wb") as o:
                w, rc, cpu = run_timed(
                    [UNITRUN, "run", "--exec", "cat " + path, "--type", "oneshot", "--", "true"],
                    stderr=o,
                    env=dict(os.environ, UNITRUN_NO_PROGRESS="1"),
                )
            if rc != 0:
                print("unitrun failed (%d) forwarding %s" % (rc, label), file=sys.stderr)
                return None
            uni_t.append(w)
            u = unit_cpu(out, "cat.service")
            if u is not None:
                cpu_mb.append((cpu - u) / mb * 1000)
        rows.append(
            {
                "input": label,
                "mb": mb,
                "sed_s": statistics.median(sed_t),
                "unitrun_s": statistics.median(uni_t),
                "ratio_sed_over_unitrun": statistics.median(sed_t) / statistics.median(uni_t),
                "unitrun_empty_run_s": fixed,
                "ratio_sed_over_forwarding": statistics.median(sed_t) / max(statistics.median(uni_t) - fixed, 1e-6),
                "launcher_cpu_ms_per_mb": statistics.median(cpu_mb) if cpu_mb else None,
            }
        )
    return rows


def read_stamp(path):
    with open(path) as f:
        return int(f.read().strip())


def overshoot_once(tmp, flooders):
    ready = os.path.join(tmp, "ready.stamp")
    command = os.path.join(tmp, "command.stamp")
    for p in (ready, command):
        if os.path.exists(p):
            os.unlink(p)
    argv = [UNITRUN, "run"]
    for i in range(flooders):
        argv += ["--exec", "yes", "--name", "flood%d" % i]
    argv += ["--exec", "%s notify 200 %s" % (FIXTURE, ready), "--type", "notify", "--name", "quiet"]
    argv += ["--", FIXTURE, "stamp", "0", command]
    log = os.path.join(tmp, "overshoot.log")
    with open(log, "wb") as o:
        _, rc, _ = run_timed(argv, stderr=o, env=dict(os.environ, UNITRUN_NO_PROGRESS="1"))
    os.unlink(log)
    if rc != 0:
        return None
    return (read_stamp(command) - read_stamp(ready)) / 1e6


def overshoot(tmp, runs):
    """Interleaved (alone, 1, 10, alone, ...), so that a change of the machine's load hits
    every condition alike."""
    values = {0: [], 1: [], 10: [], "cpu": []}
    for _ in range(runs):
        for flooders in values:
            hogs = []
            if flooders == "cpu":
                # The control: as many CPU hogs, but not unitrun's units (nothing to read).
                hogs = [subprocess.Popen(["sh", "-c", "yes | cat > /dev/null"], start_new_session=True)
                        for _ in range(10)]
                time.sleep(0.1)
            v = overshoot_once(tmp, 0 if flooders == "cpu" else flooders)
            for h in hogs:
                os.killpg(h.pid, signal.SIGKILL)
                h.wait()
            if v is not None:
                values[flooders].append(v)
    return {k: (statistics.median(v) if v else None) for k, v in values.items()}


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def signal_latency_once(tmp):
    info = os.path.join(tmp, "flood.pid")
    if os.path.exists(info):
        os.unlink(info)
    argv = [UNITRUN, "run", "--exec", "yes", "--name", "flood", "--", "sh", "-c",
            'echo $UNITRUN_FLOOD_PID > %s.tmp; mv %s.tmp %s; exec sleep 100' % (info, info, info)]
    r, w = os.pipe()
    p = subprocess.Popen(argv, stderr=w, env=dict(os.environ, UNITRUN_NO_PROGRESS="1"))
    os.close(w)
    latency = None
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(info) and time.monotonic() < deadline:
            time.sleep(0.01)
        pid = int(open(info).read())
        time.sleep(1.0)  # the pipe is full, the flooder paused
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        while alive(pid) and time.monotonic() - t < 30:
            time.sleep(0.0005)
        latency = (time.monotonic() - t) * 1000
    finally:
        os.close(r)  # the last words go nowhere: unitrun exits at once
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return latency


def vm_hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss(flooders, stalled):
    argv = [UNITRUN, "run"]
    for i in range(flooders):
        argv += ["--exec", "yes", "--name", "flood%d" % i]
    argv += ["--", "sleep", "2"]
    r, w = os.pipe()
    reader = None
    if not stalled:
        reader = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.DEVNULL)
    p = subprocess.Popen(argv, stderr=w, env=dict(os.environ, UNITRUN_NO_PROGRESS="1"))
    os.close(w)
    peak = 0
    started = time.monotonic()
    while p.poll() is None:
        v = vm_hwm_kb(p.pid)
        if v:
            peak = max(peak, v)
        if stalled and time.monotonic() - started > 3:
            # Nobody will ever read: unitrun waits for stderr until told to give up.
            p.send_signal(signal.SIGTERM)
            stalled = False
        time.sleep(0.05)
    os.close(r)
    if reader:
        reader.wait()
    return peak / 1024, p.returncode


def main():
    global UNITRUN, FIXTURE
    if len(sys.argv) < 3:
        print(__doc__)
        return 64
    UNITRUN, FIXTURE = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    machine = "%s, %d CPUs, Linux %s" % (cpu_model(), os.cpu_count(), os.uname().release)
    print("machine: %s" % machine)
    with tempfile.TemporaryDirectory(prefix="bench-output-") as tmp:
        inputs = make_inputs(tmp)
        rows = throughput(tmp, inputs, runs)
        for f in inputs.values():
            os.unlink(f)
        over = overshoot(tmp, max(2 * runs + 1, 5))
        sig = [v for v in (signal_latency_once(tmp) for _ in range(max(runs, 5))) if v is not None]
    memory = {}
    for flooders in (1, 10):
        for stalled in (False, True):
            memory["%d flooding, %s" % (flooders, "stderr stalled" if stalled else "stderr read")] = peak_rss(
                flooders, stalled
            )[0]

    print("\nforwarding throughput (stderr to a file; median of %d)" % runs)
    print("  %-20s %6s %8s %10s %12s %14s %16s" % ("input", "MB", "sed s", "unitrun s", "sed/unitrun",
                                                   "sed/forwarding", "launcher ms/MB"))
    for r in rows or []:
        print(
            "  %-20s %6.1f %8.3f %10.3f %12.2f %14.2f %16s"
            % (
                r["input"],
                r["mb"],
                r["sed_s"],
                r["unitrun_s"],
                r["ratio_sed_over_unitrun"],
                r["ratio_sed_over_forwarding"],
                "%.1f" % r["launcher_cpu_ms_per_mb"] if r["launcher_cpu_ms_per_mb"] is not None else "n/a",
            )
        )
    if rows:
        print("  (forwarding: unitrun's time less its own start and stop around a silent unit, %.3f s)"
              % rows[0]["unitrun_empty_run_s"])
    print("\nreadiness overshoot of a notify unit, READY=1 -> COMMAND (median of %d)" % max(2 * runs + 1, 5))
    alone = over.get(0)
    labels = {0: "alone", 1: "beside 1 flooding unit", 10: "beside 10 flooding units",
              "cpu": "beside 10 CPU hogs (control)"}
    for flooders, v in over.items():
        if v is None:
            print("  %-30s failed" % labels[flooders])
            continue
        extra = "" if flooders == 0 or alone is None else "   %+.2f ms vs alone (x%.2f)" % (v - alone, v / alone)
        print("  %-30s %8.2f ms%s" % (labels[flooders], v, extra))
    print("  (control: 10 `yes | cat > /dev/null` outside unitrun, the quiet unit alone in it:\n"
          "   what CPU contention alone costs on this machine)")
    if sig:
        print("\nSIGTERM with a stalled stderr pipe -> the flooding unit dead (median of %d)" % len(sig))
        print("  %.1f ms (min %.1f, max %.1f; target: teardown started within 100 ms)" % (
            statistics.median(sig), min(sig), max(sig)))
    print("\nlauncher peak RSS (VmHWM), 2 s of flooding")
    for k, v in memory.items():
        print("  %-36s %6.1f MiB" % (k, v))

    with open("bench-output.json", "w") as f:
        json.dump({"machine": machine, "throughput": rows, "overshoot_ms": over,
                   "sigterm_stalled_ms": sig, "peak_rss_mib": memory}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
