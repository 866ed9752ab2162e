#!/usr/bin/env python3
"""The job users do today, done three ways, side by side in one run: start an HTTP server
(python3 -m http.server), wait until it answers, run a command (`true`), stop the server.

  unitrun              unitrun run --exec ... --ready-http URL -- true
  start-server-and-test  npx start-server-and-test 'python3 -m http.server ...' URL true
                       (installed from npm into a temporary directory; skipped if that fails)
  curl loop            a shell that polls with curl every 10 ms, then kills the server

For each: wall time and the peak RSS of the tool (the largest resident set among the
tool's own processes, the server excluded where it can be told apart), median/min/max
over repeated runs, and the ratio to unitrun. Writes bench-cli.json.

  bench-cli.py UNITRUN [RUNS]
"""
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(argv, cwd=None):
    code = (
        "import resource,subprocess,sys,time,json;"
        "t=time.monotonic();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "w=(time.monotonic()-t)*1000;"
        "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;"
        "print(json.dumps([r.returncode,w,m]))"
    )
    out = subprocess.run([sys.executable, "-c", code] + argv, cwd=cwd, capture_output=True, text=True)
    return json.loads(out.stdout)


def install_ssat(workdir):
    try:
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "start-server-and-test@2"],
            cwd=workdir, check=True, timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except Exception as e:  # no npm, no registry: say so and skip
        return None, str(e)
    path = os.path.join(workdir, "node_modules", ".bin", "start-server-and-test")
    return (path, None) if os.path.exists(path) else (None, "not installed")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 64
    unitrun = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    workdir = tempfile.mkdtemp(prefix="bench-cli.")
    ssat, why = install_ssat(workdir)

    def tools(port):
        url = f"http://127.0.0.1:{port}/"
        server = f"python3 -m http.server --bind 127.0.0.1 --directory {workdir} {port}"
        t = {
            "unitrun": [unitrun, "run", "--quiet", "--exec", server, "--ready-http", url, "--", "true"],
            "curl loop": [
                "sh", "-c",
                f"{server} >/dev/null 2>&1 & s=$!; "
                f"until curl -s -o /dev/null {url}; do sleep 0.01; done; true; kill $s; wait $s; exit 0",
            ],
        }
        if ssat:
            t["start-server-and-test"] = [ssat, server, url, "true"]
        return t

    results = {}
    for i in range(runs):
        # Interleaved, each run on a fresh port, so that load hits every tool alike.
        for name, argv in tools(free_port()).items():
            code, wall, rss = measure(argv, cwd=workdir)
            if code != 0:
                print(f"{name}: run {i} failed with status {code}", file=sys.stderr)
                continue
            results.setdefault(name, {"wall_ms": [], "rss_mb": []})
            results[name]["wall_ms"].append(wall)
            results[name]["rss_mb"].append(rss)

    base = statistics.median(results["unitrun"]["wall_ms"])
    print(f"HTTP server to ready, `true`, teardown; {runs} runs each")
    print(f"{'tool':24} {'median ms':>10} {'min':>8} {'max':>8} {'vs unitrun':>11} {'peak RSS MB':>12}")
    summary = {}
    for name, r in results.items():
        w = r["wall_ms"]
        med = statistics.median(w)
        summary[name] = {
            "wall_ms": {"median": med, "min": min(w), "max": max(w)},
            "ratio_to_unitrun": med / base,
            "peak_rss_mb": max(r["rss_mb"]),
        }
        print(f"{name:24} {med:10.1f} {min(w):8.1f} {max(w):8.1f} {med / base:10.2f}x {max(r['rss_mb']):12.1f}")
    if not ssat:
        print(f"start-server-and-test: skipped ({why})")
    print("(peak RSS: the largest process among the tool and what it started, the server included)")
    with open("bench-cli.json", "w") as f:
        json.dump({"runs": runs, "tools": summary, "skipped": None if ssat else why}, f, indent=2)
    subprocess.run(["rm", "-rf", workdir])
    return 0


if __name__ == "__main__":
    sys.exit(main())
