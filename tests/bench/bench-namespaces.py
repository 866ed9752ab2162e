#!/usr/bin/env python3
"""What --private-network costs: the same runs with and without it, side by side,
interleaved (so that load from elsewhere hits both alike), as root and, when setpriv and
the nobody user exist, as nobody (the user-namespace path).

  cycle   unitrun run -q --exec 'sleep 30' -- true           (start + stop of one unit)
  http    unitrun run -q --exec 'python3 -m http.server P' --ready-http URL -- true

Variants: plain, --private-network (network + dirs namespaces), --private-network
--private-dirs=no (network only). Prints the median/min wall time of each and the median
difference to plain, and the load average before and after (the machine is shared: the
cost grows with the load); writes bench-namespaces.json.

  bench-namespaces.py UNITRUN [RUNS]
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

VARIANTS = {
    "plain": [],
    "private-network": ["--private-network"],
    "network-only": ["--private-network", "--private-dirs=no"],
}


# The system's interpreter: a version manager's shim (pyenv) costs more than what we measure.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job(unitrun, kind, port):
    if kind == "cycle":
        return [unitrun, "run", "-q", "--exec", "sleep 30", "--", "true"]
    return [unitrun, "run", "-q", "--exec", f"{PYTHON} -m http.server {port} --bind 127.0.0.1",
            "--ready-http", f"http://127.0.0.1:{port}/", "--", "true"]


def timed(argv):
    t = time.monotonic()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode, (time.monotonic() - t) * 1000


def main():
    unitrun = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    users = {"root": []}
    if shutil.which("setpriv") and os.geteuid() == 0:
        try:
            import grp
            import pwd
            pw = pwd.getpwnam("nobody")
            users["nobody"] = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={grp.getgrgid(pw.pw_gid).gr_gid}",
                               "--clear-groups", "env", "HOME=/", "XDG_RUNTIME_DIR="]
        except KeyError:
            pass
    results = {"loadavg_before": open("/proc/loadavg").read().split()[:3]}
    print(f"load average before: {' '.join(results['loadavg_before'])}")
    for user, prefix in users.items():
        for kind in ("cycle", "http"):
            times = {v: [] for v in VARIANTS}
            for _ in range(runs):
                for v, extra in VARIANTS.items():
                    argv = job(unitrun, kind, free_port())
                    argv = prefix + argv[:2] + extra + argv[2:]
                    code, ms = timed(argv)
                    if code != 0:
                        print(f"{user} {kind} {v}: exit status {code}: {' '.join(argv)}", file=sys.stderr)
                        return 1
                    times[v].append(ms)
            base = statistics.median(times["plain"])
            for v, t in times.items():
                med = statistics.median(t)
                diffs = [a - b for a, b in zip(t, times["plain"])]
                results[f"{user}/{kind}/{v}"] = {"median_ms": med, "min_ms": min(t),
                                                 "median_diff_ms": statistics.median(diffs)}
                print(f"{user:6} {kind:5} {v:16} median {med:7.2f} ms  min {min(t):7.2f} ms  "
                      f"cost vs plain {statistics.median(diffs):+6.2f} ms (median of paired differences; "
                      f"plain median {base:.2f})")
    results["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    print(f"load average after: {' '.join(results['loadavg_after'])}")
    with open("bench-namespaces.json", "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
