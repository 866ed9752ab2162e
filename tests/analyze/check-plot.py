#!/usr/bin/env python3
"""Checks `unitrun analyze plot` on recorded streams and on a synthetic 50-unit one: the
SVG parses (xml.etree), is self-contained (no script, no external reference), has one row
per unit in stream order plus COMMAND, bars and marks at the times of the events, the
failures as failure bars/marks with the reason in their <title>, and a time axis in ms
that covers the run. With rsvg-convert installed each plot is rendered too (must succeed
and give a PNG). Usage: check-plot.py UNITRUN [--events FILE]... (default: the recordings)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def close(a, b):
    return abs(float(a) - float(b)) < 0.01


def plot(unitrun, path):
    with open(path, "rb") as f:
        p = subprocess.run([unitrun, "analyze", "plot"], stdin=f, capture_output=True)
    check(p.returncode == 0, f"{path}: exit {p.returncode}: {p.stderr.decode()}")
    return p.stdout


def events_of(path):
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict) and "event" in e:
            out.append(e)
    return out


def check_plot(unitrun, path, svg):
    name = os.path.basename(path)
    root = ET.fromstring(svg)
    check(root.tag == NS + "svg", f"{name}: root is {root.tag}")
    for el in root.iter():
        check(el.tag != NS + "script" and el.tag != NS + "foreignObject", f"{name}: <{el.tag}>")
        for k, v in el.attrib.items():
            check("href" not in k and not k.startswith("on"), f"{name}: attribute {k}")
            check("url(" not in v, f"{name}: url() in {k}")
    events = events_of(path)
    units = []
    for e in events:
        if "unit" in e and e["unit"] not in units:
            units.append(e["unit"])
    rows = [g.get("data-unit") for g in root.iter(NS + "g") if "row" in (g.get("class") or "").split()]
    want = units + (["COMMAND"] if any(e["event"].startswith("command-") for e in events) else [])
    check(rows == want, f"{name}: rows {rows}, want {want}")

    def bars(unit, kind):
        return [r for r in root.iter(NS + "rect")
                if r.get("data-unit") == unit and (r.get("class") or "").split() == ["bar", kind]]

    def marks(unit, kind):
        return [g for g in root.iter(NS + "g")
                if g.get("data-unit") == unit and (g.get("class") or "").split() == ["mark", kind]]

    last = max(e["time_ms"] for e in events)
    for e in events:
        u, t = e.get("unit"), e["time_ms"]
        if e["event"] == "ready":
            check(any(close(m.get("data-ms"), t) for m in marks(u, "ready")), f"{name}: ready mark of {u} at {t}")
            check(any(close(b.get("data-to-ms"), t) for b in bars(u, "starting")), f"{name}: starting bar of {u} to {t}")
            after = bars(u, "running") + bars(u, "exited") + bars(u, "open")
            check(any(close(b.get("data-from-ms"), t) for b in after), f"{name}: running bar of {u} from {t}")
            if e.get("start_pre_ms"):
                spawn = t - e["elapsed_ms"]
                pre = bars(u, "pre")
                check(len(pre) == 1 and close(pre[0].get("data-to-ms"), spawn)
                      and close(pre[0].get("data-from-ms"), spawn - e["start_pre_ms"]),
                      f"{name}: ExecStartPre= bar of {u}")
        elif e["event"] == "failed":
            fb = [b for b in bars(u, "failed") if close(b.get("data-to-ms"), t)]
            fm = [m for m in marks(u, "failed") if close(m.get("data-ms"), t)]
            check(fb and fm, f"{name}: failure bar and mark of {u} at {t}")
            for m in fm:
                label = m.find(NS + "text")
                check(label is not None and label.text == "failed: " + e["reason"],
                      f"{name}: failure label of {u}: {label.text if label is not None else None!r}")
            for x in fb + fm:
                title = x.find(NS + "title").text
                check(e["reason"] in title and e["message"].split("\n")[0] in title,
                      f"{name}: failure title of {u}: {title!r}")
        elif e["event"] == "restarting":
            rm = [m for m in marks(u, "restart") if close(m.get("data-ms"), t)]
            check(len(rm) == 1 and e["reason"] in rm[0].find(NS + "title").text
                  and rm[0].find(NS + "text").text == f"restart {e['restart']}", f"{name}: restart mark of {u} at {t}")
        elif e["event"] == "stopped":
            stops = bars(u, "stopping")
            check(any(close(b.get("data-to-ms"), t) for b in stops), f"{name}: stopping bar of {u} to {t}")
        elif e["event"] == "command-exited":
            check(any(close(b.get("data-to-ms"), t) for b in bars("COMMAND", "command")), f"{name}: COMMAND bar")
    # A run that ended without "stopped": its units' bars reach the end of the stream, dashed.
    for u in units:
        if not any(e["event"] in ("stopped", "skipped") and e.get("unit") == u for e in events):
            check(any(close(b.get("data-to-ms"), last) for b in bars(u, "open")), f"{name}: open end of {u}")
    ends = [g for g in root.iter(NS + "g") if g.get("class") == "stream-end"]
    unstopped = [u for u in units
                 if not any(e["event"] in ("stopped", "skipped") and e.get("unit") == u for e in events)]
    check(len(ends) == (1 if unstopped else 0) and all(close(g.get("data-ms"), last) for g in ends),
          f"{name}: stream-end mark {len(ends)} for {unstopped}")
    ticks = [float(t.get("data-ms")) for t in root.iter(NS + "text") if t.get("class") == "tick"]
    check(len(ticks) >= 5 and ticks[0] == 0 and ticks[-1] >= last, f"{name}: axis ticks {ticks}")
    check(all(t.text.endswith(" ms") for t in root.iter(NS + "text") if t.get("class") == "tick"), f"{name}: tick labels")
    return root


def synthetic(tmp):
    """50 units, each after the one before, one failing midway, as a stream would be."""
    lines = [{"event": "isolation", "time_ms": 0, "schema": 1, "isolation": "cgroup", "cgroup": None,
              "reason": None}]
    t = 1.0
    for i in range(50):
        name = f"unit-{i:02d}-with-a-rather-long-name.service"
        lines.append({"event": "starting", "time_ms": t, "unit": name, "cgroup": None,
                      "after": f"unit-{i - 1:02d}-with-a-rather-long-name.service" if i else ""})
        if i == 37:
            lines.append({"event": "failed", "time_ms": t + 5, "unit": name, "reason": "exited",
                          "message": "exited with status 1 before it was ready <&>"})
            lines.append({"event": "stopped", "time_ms": t + 6, "unit": name, "clean": False,
                          "exit": "exited", "status": 1})
            t += 7
            continue
        lines.append({"event": "ready", "time_ms": t + 10, "unit": name, "pid": 100 + i, "elapsed_ms": 8,
                      "start_pre_ms": 2 if i % 5 == 0 else 0, "conditions": "READY=1", "finished": False})
        t += 11
    lines.append({"event": "command-started", "time_ms": t, "command": "true", "pid": 7})
    lines.append({"event": "command-exited", "time_ms": t + 3, "status": 0})
    t += 4
    for i in reversed(range(50)):
        if i != 37:
            name = f"unit-{i:02d}-with-a-rather-long-name.service"
            lines.append({"event": "stopping", "time_ms": t, "unit": name})
            lines.append({"event": "stopped", "time_ms": t + 1, "unit": name, "clean": True,
                          "exit": "killed", "status": 15})
            t += 1.5
    path = os.path.join(tmp, "fifty.events")
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    return path


def main():
    unitrun = sys.argv[1]
    paths = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--events"]
    tmp = tempfile.mkdtemp()
    try:
        if not paths:
            paths = [os.path.join(HERE, f) for f in ("app-with-db.events", "ok.events", "failed.events",
                                                     "killed.events", "bad.events", "truncated.events",
                                                     "restart.events")]
            paths.append(synthetic(tmp))
        rsvg = shutil.which("rsvg-convert")
        for path in paths:
            svg = plot(unitrun, path)
            root = check_plot(unitrun, path, svg)
            if path.endswith("fifty.events"):
                rows = [g for g in root.iter(NS + "g") if "row" in (g.get("class") or "").split()]
                check(len(rows) == 51, f"fifty: {len(rows)} rows")
                check(float(root.get("height")) >= 51 * 20, "fifty: height")
            if rsvg:
                png = os.path.join(tmp, "plot.png")
                r = subprocess.run([rsvg, "-o", png], input=svg, capture_output=True)
                check(r.returncode == 0 and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
                      f"{path}: rsvg-convert: {r.stderr.decode()}")
        if not rsvg:
            print("rsvg-convert not installed: plots not rendered (apt-get install librsvg2-bin)")
    finally:
        shutil.rmtree(tmp)
    print(f"{len(paths)} plots checked, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
