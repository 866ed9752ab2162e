#!/usr/bin/env python3
"""Bad inputs for the golden tests, made from the recorded ok.events: bad.events (a newer
schema, a unit output line, a line cut in the middle, two lines swapped, an object that is
no event, an unknown event), truncated.events (cut inside a line), schema0.events (as
unitrun wrote streams before the schema: no schema, after, start_pre_ms, command-started),
not-unitrun.json (a package.json)."""
import json
import os

os.chdir(os.path.dirname(os.path.abspath(__file__)))
lines = open("ok.events").read().splitlines(True)
bad = [lines[0].replace('"schema":1', '"schema":2')]  # isolation, with the schema
bad.append(lines[1])  # starting cache.service
bad.append("cache.service| cache ready\n")
bad.append(lines[2][:60] + "\n")  # starting slow-db.service, cut
bad.append(lines[4])  # ready slow-db.service before ...
bad.append(lines[3])  # ... ready cache.service
bad += lines[5:8]
bad.append('{"name":"left-pad","version":"1.3.0"}\n')
bad.append('{"event":"frobnicated","time_ms":900,"unit":"web.service"}\n')
bad += lines[8:]
open("bad.events", "w").write("".join(bad))
open("truncated.events", "w").write("".join(lines)[:1400])
old = []
for line in lines:
    event = json.loads(line)
    if event["event"] == "command-started":
        continue
    for key in ("schema", "after", "start_pre_ms"):
        event.pop(key, None)
    old.append(json.dumps(event, separators=(",", ":")) + "\n")
open("schema0.events", "w").write("".join(old))
open("not-unitrun.json", "w").write('{\n  "name": "left-pad",\n  "version": "1.3.0"\n}\n')
