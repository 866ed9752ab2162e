"""Benchmark: what the Python layers add to a start+stop, and how fast readiness is seen.

Prints, for N cycles each (median and p90, milliseconds): start() and stop() of
unitrun.Executor(["sleep", "100"]) and of unitrun.mirakuru.SimpleExecutor("sleep 100"); the
same cycle through the bare extension type (unitrun._unitrun.Executor: the C calls and
nothing of the Python layers), whose difference to the two is the Python-side overhead per
start+stop; the readiness lag of TCPExecutor and OutputExecutor, from the child's own
CLOCK_MONOTONIC timestamp right after it listens / prints to the return of start(); and the
launcher CPU of a start with a TCP= condition (the listen events' answerer) as this process
is and with 512 MiB more of its own memory touched, which a fork of the answerer would have
to copy the page tables of."""
import os
import resource
import socket
import statistics
import sys
import tempfile
import time

import unitrun
import unitrun.mirakuru as mirakuru

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PY = sys.executable


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(name, values):
    values = sorted(v * 1000 for v in values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    print(f"{name:58s} median {statistics.median(values):8.2f} ms   p90 {p90:8.2f} ms")
    return statistics.median(values)


def cycle(make, n=N):
    starts, stops = [], []
    for i in range(n + 1):
        e = make()
        t0 = time.perf_counter()
        e.start()
        t1 = time.perf_counter()
        e.stop()
        t2 = time.perf_counter()
        if i:
            starts.append(t1 - t0)
            stops.append(t2 - t1)
    return starts, stops


native_s, native_t = cycle(lambda: unitrun.Executor(["sleep", "100"]))
mk_s, mk_t = cycle(lambda: mirakuru.SimpleExecutor("sleep 100"))
a = stats("native Executor start", native_s)
b = stats("native Executor stop", native_t)
c = stats("mirakuru.SimpleExecutor start", mk_s)
d = stats("mirakuru.SimpleExecutor stop", mk_t)

# Time spent in Python by the native layer: a start+stop cycle minus the same cycle's calls
# into C (measured around the C-level methods of unitrun._unitrun.Executor).
from unitrun import _unitrun  # noqa: E402

c_times = []
for i in range(N + 1):
    t0 = time.perf_counter()
    e = _unitrun.Executor(unitrun.default_context(), f"bare-{i}.service", ["sleep", "100"])
    e.start()
    e.stop()
    t1 = time.perf_counter()
    del e
    if i:
        c_times.append(t1 - t0)
bare = stats("bare _unitrun.Executor new+start+stop (C calls only)", c_times)
print(f"{'Python-side overhead per start+stop, native API':58s} {a + b - bare:8.2f} ms")
print(f"{'Python-side overhead per start+stop, mirakuru API':58s} {c + d - bare:8.2f} ms")

LISTEN = """
import socket, sys, time
time.sleep(0.2)
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
open(sys.argv[2], "w").write(repr(time.monotonic()))
while True:
    c, _ = s.accept(); c.close()
"""
PRINT = """
import sys, time
time.sleep(0.2)
t = time.monotonic(); print("READY", flush=True)
open(sys.argv[1], "w").write(repr(t))
time.sleep(100)
"""

with tempfile.TemporaryDirectory() as d:
    lags, starts = [], []
    for i in range(N):
        stamp = os.path.join(d, f"t{i}")
        port = free_port()
        e = mirakuru.TCPExecutor([PY, "-c", LISTEN, str(port), stamp], host="127.0.0.1", port=port, timeout=20)
        t0 = time.perf_counter()
        e.start()
        back = time.monotonic()
        starts.append(time.perf_counter() - t0)
        # With listen events start() may return before the child has written its stamp.
        for _ in range(200):
            if os.path.exists(stamp) and os.path.getsize(stamp):
                break
            time.sleep(0.005)
        with open(stamp) as f:
            lags.append(back - float(f.read()))
        e.stop()
    stats("mirakuru.TCPExecutor start (child listens after 200 ms)", starts)
    stats("TCP readiness lag (listen -> start() returns)", lags)
    lags = []
    for i in range(N):
        stamp = os.path.join(d, f"o{i}")
        e = mirakuru.OutputExecutor([PY, "-c", PRINT, stamp], banner="READY", timeout=20)
        e.start()
        back = time.monotonic()
        for _ in range(200):
            if os.path.exists(stamp) and os.path.getsize(stamp):
                break
            time.sleep(0.005)
        with open(stamp) as f:
            lags.append(back - float(f.read()))
        e.stop()
    stats("banner readiness lag (print -> start() returns)", lags)


def start_cpu(n=N):
    """Median launcher CPU (ms) of start() of a unit that listens at once, TCP= on it."""
    cpus = []
    for i in range(n + 1):
        port = free_port()
        e = unitrun.Executor([PY, "-c", LISTEN.replace("time.sleep(0.2)", ""), str(port), os.devnull],
                             ready_tcp=f"127.0.0.1:{port}", timeout=20)
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        e.start()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        e.stop()
        if i:
            cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    return statistics.median(cpus) * 1000


small = start_cpu()
blob = bytearray(512 << 20)
for i in range(0, len(blob), 4096):
    blob[i] = 1
big = start_cpu()
del blob
print(f"{'launcher CPU of a TCP= start, this process':58s} median {small:8.2f} ms")
print(f"{'the same with 512 MiB more touched (ratio to the above)':58s} median {big:8.2f} ms   ({big / small:.2f}x)")
print("mirakuru 2.6 on this kind of machine (notes): start+stop ~120 ms (SimpleExecutor 12 + 108),")
print("readiness lag ~50 ms median (100 ms poll); see shared/notes/mirakuru-reference.md")
