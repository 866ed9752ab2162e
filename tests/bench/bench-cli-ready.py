#!/usr/bin/env python3
"""What the CLI costs, side by side in one run (interleaved):

  * readiness overshoot per kind through `unitrun run`: from the daemon's own
    CLOCK_MONOTONIC stamp of "ready" to the COMMAND's stamp of its start (so the
    COMMAND's own exec is included; `floor` is that exec measured alone), for notify,
    output, file, listen (seccomp events and polled), tcp, unix, http;
  * a start+stop cycle of `sleep` vs a bare `sh -c 'sleep & kill $!; wait'` (target <= 3x);
  * `unitrun --version` (target <= 2 ms), and /bin/true for scale.

  bench-cli-ready.py UNITRUN FIXTURE [RUNS]     (FIXTURE: ready-fixture)
Writes bench-cli-ready.json.
"""
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TARGETS = {"notify": 0.3, "output": 0.3, "file": 0.3, "listen": 0.3, "listen-polled": 0.3,
           "tcp": 0.3, "unix": 0.3, "http": 1.0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_stamp(path):
    for _ in range(1000):
        try:
            with open(path) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            time.sleep(0.001)
    return None


def wall(argv, env=None):
    t = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - t) * 1000, r.returncode


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 64
    unitrun, fixture = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    tmp = tempfile.mkdtemp(prefix="bench-cli-ready.")
    kinds = list(TARGETS)
    over = {k: [] for k in kinds}
    floor = []
    cycle, bare, version, true = [], [], [], []
    failures = 0
    for i in range(runs):
        for k in kinds:
            delay = str(20 + random.randrange(50))
            ready, start = f"{tmp}/ready-{k}-{i}", f"{tmp}/start-{k}-{i}"
            fk = "tcp" if k.startswith("listen") else k
            argv = [unitrun, "run", "--quiet"]
            env = dict(os.environ)
            env.pop("UNITRUN_NO_LISTEN_EVENTS", None)
            if k == "listen-polled":
                env["UNITRUN_NO_LISTEN_EVENTS"] = "1"
            extra = []
            cond = []
            if fk in ("tcp", "http"):
                port = str(free_port())
                extra = [port]
                cond = {"tcp": ["--ready-tcp", f"127.0.0.1:{port}"],
                        "http": ["--ready-http", f"http://127.0.0.1:{port}/"]}[fk]
                if k.startswith("listen"):
                    cond = [f"--ready-listen=127.0.0.1:{port}"]
            elif fk in ("file", "unix"):
                path = f"{tmp}/{k}-{i}"
                extra = [path]
                cond = ["--ready-file" if fk == "file" else "--ready-unix", path]
            elif fk == "output":
                cond = ["--ready-output", "is ready"]
            elif fk == "notify":
                cond = ["-p", "Type=notify"]
            execline = " ".join([fixture, fk, delay, ready] + extra)
            argv += ["--exec", execline] + cond + ["--", fixture, "now", "0", start]
            _, code = wall(argv, env)
            a, b = read_stamp(ready), read_stamp(start)
            if code != 0 or a is None or b is None:
                failures += 1
                continue
            over[k].append((b - a) / 1e6)
        t0 = time.monotonic_ns()
        subprocess.run([fixture, "now", "0", f"{tmp}/floor-{i}"])
        s = read_stamp(f"{tmp}/floor-{i}")
        if s:
            floor.append((s - t0) / 1e6)
        cycle.append(wall([unitrun, "run", "--quiet", "--exec", "sleep 100", "--", "true"])[0])
        bare.append(wall(["sh", "-c", "sleep 100 & kill $!; wait"])[0])
        version.append(wall([unitrun, "--version"])[0])
        true.append(wall(["/bin/true"])[0])

    med = statistics.median
    out = {"runs": runs, "overshoot_ms": {}, "cycle_ms": med(cycle), "bare_ms": med(bare),
           "version_ms": med(version), "true_ms": med(true), "floor_ms": med(floor) if floor else None}
    print(f"CLI readiness overshoot (daemon ready -> COMMAND started), {runs} runs each, interleaved")
    print(f"  COMMAND exec floor (spawn+exec of the stamper, no unitrun): {out['floor_ms']:.3f} ms")
    print(f"{'kind':<14} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'minus floor':>12} {'target':>7} {'ratio':>6}")
    for k in kinds:
        xs = sorted(over[k])
        if not xs:
            continue
        m = med(xs)
        net = m - (out["floor_ms"] or 0)
        out["overshoot_ms"][k] = {"median": m, "min": xs[0], "max": xs[-1], "net": net}
        print(f"{k:<14} {m:>10.3f} {xs[0]:>8.3f} {xs[-1]:>8.3f} {net:>12.3f} {TARGETS[k]:>7.1f} {net / TARGETS[k]:>6.2f}")
    print(f"start+stop cycle of sleep: unitrun {out['cycle_ms']:.2f} ms, bare sh {out['bare_ms']:.2f} ms, "
          f"ratio {out['cycle_ms'] / out['bare_ms']:.2f} (target <= 3)")
    print(f"unitrun --version {out['version_ms']:.2f} ms (target <= 2), /bin/true {out['true_ms']:.2f} ms")
    with open("bench-cli-ready.json", "w") as f:
        json.dump(out, f, indent=2)
    subprocess.run(["rm", "-rf", tmp])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
