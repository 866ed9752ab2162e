#!/usr/bin/env python3
"""The library's layers (architecture-review.md §7.2), checked on every #include "...".

Each file of src/lib belongs to one layer; a file may include only from its own layer and
the layers below it, with the few named exceptions below. unitrun.h (the public header) is
the ground everyone stands on. A file that is not in the map is an error too, so that a new
file has to say where it lives. Exit 0 when every include is allowed, 1 otherwise.
"""
import os
import re
import sys

ORDER = ["basic", "os", "ready", "unit", "core"]

# Prefixes and names, first match wins (a file and its header share a layer).
LAYERS = [
    ("core", ["internal.h", "context", "executor-lifecycle", "executor-run", "executor-process",
              "executor.", "waiter"]),
    ("unit", ["unit-", "environment-file"]),
    ("ready", ["ready"]),
    ("os", ["spawn", "guardian", "output", "notify-socket", "http-multi", "socket-owner", "cgroup",
            "scope", "condition.", "process-config"]),
    ("basic", ["macro.h", "shims.h", "log.", "strv", "timespan", "time-util", "signal-name",
               "cmdline", "proc.", "mountinfo", "loop", "notify-message", "condition-value",
               "executor-defaults"]),
]

# What the rules allow across layers beyond "same or lower" (review §7.2, rules 2-5).
ALLOWED = {
    # Readiness may use these two mechanisms (rule 3).
    ("ready", "http-multi.h"), ("ready", "socket-owner.h"),
    # The bridge from unit files to executors goes through the public API (rule 4); it
    # may name the defaults the executor uses.
}
# Below-layer includes that are forbidden although lower (rule 5: core/executor-run.c may
# include unit/environment-file.h, and nothing else of unit/ may be included by core
# except through unitrun.h).
CORE_MAY_INCLUDE_FROM_UNIT = {"environment-file.h"}


def layer_of(name):
    for layer, prefixes in LAYERS:
        for p in prefixes:
            if name.startswith(p) or name == p:
                return layer
    return None


def main():
    lib = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src", "lib")
    bad = []
    for name in sorted(os.listdir(lib)):
        if not name.endswith((".c", ".h")) or name == "unitrun.h":
            continue
        mine = layer_of(name)
        if mine is None:
            bad.append(f"{name}: in no layer (add it to tests/check-layers.py)")
            continue
        with open(os.path.join(lib, name), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = re.match(r'#include "([^"]+)"', line)
                if not m or m.group(1) == "unitrun.h":
                    continue
                inc = m.group(1)
                theirs = layer_of(inc)
                if theirs is None:
                    bad.append(f"{name}:{lineno}: includes {inc}, which is in no layer")
                    continue
                if (mine, inc) in ALLOWED:
                    continue
                if mine == "core" and theirs == "unit" and inc not in CORE_MAY_INCLUDE_FROM_UNIT:
                    bad.append(f"{name}:{lineno}: core includes {inc} of unit/ (only through unitrun.h)")
                    continue
                if mine == "ready" and theirs == "os":
                    bad.append(f"{name}:{lineno}: ready includes {inc} of os/ (only http-multi.h, socket-owner.h)")
                    continue
                if ORDER.index(theirs) > ORDER.index(mine):
                    bad.append(f"{name}:{lineno}: {mine} includes {inc} of the higher layer {theirs}")
    for b in bad:
        print(b)
    print(f"{len(bad)} include(s) against the layers")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
