#!/usr/bin/env python3
"""The library's layers (architecture-review.md §7.2), checked on every #include "...".

Each file of src/lib lives in the folder of its layer (basic < os < ready < unit < core); a
file may include only from its own layer and the layers below it, with the few named
exceptions below. unitrun.h (the public header, at the top of src/lib) is the ground
everyone stands on. A source file outside the layer folders is an error too, so that a new
file has to say where it lives. Exit 0 when every include is allowed, 1 otherwise.
"""
import os
import re
import sys

ORDER = ["basic", "os", "ready", "unit", "core"]

# Includes across layers that the rules allow beyond "same or lower" (review §7.2).
# Readiness may use these mechanisms of os/ and nothing else of it (rule 3): the shared HTTP
# handle, who owns a socket and which sockets listen (socket-owner.h, sock-diag.h), and
# the run's namespaces its connects must happen in.
READY_MAY_INCLUDE_FROM_OS = {"http-multi.h", "socket-owner.h", "sock-diag.h", "run-ns.h"}
# core/executor-run.c reads EnvironmentFile=: the one unit/ header core may include (rule 5).
CORE_MAY_INCLUDE_FROM_UNIT = {"environment-file.h"}


def main():
    lib = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src", "lib")
    layer_of = {}
    bad = []
    for name in sorted(os.listdir(lib)):
        if name.endswith((".c", ".h")) and name != "unitrun.h":
            bad.append(f"{name}: in no layer (put it in one of {', '.join(ORDER)})")
    for layer in ORDER:
        for name in os.listdir(os.path.join(lib, layer)):
            layer_of[name] = layer
    for name in sorted(layer_of):
        mine = layer_of[name]
        with open(os.path.join(lib, mine, name), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = re.match(r'#include "([^"]+)"', line)
                if not m or m.group(1) == "unitrun.h":
                    continue
                inc = m.group(1).split("/")[-1]
                theirs = layer_of.get(inc)
                if theirs is None:
                    bad.append(f"{mine}/{name}:{lineno}: includes {inc}, which is in no layer")
                elif mine == "core" and theirs == "unit" and inc not in CORE_MAY_INCLUDE_FROM_UNIT:
                    bad.append(f"{mine}/{name}:{lineno}: core includes {inc} of unit/ (only through unitrun.h)")
                elif mine == "ready" and theirs == "os" and inc not in READY_MAY_INCLUDE_FROM_OS:
                    bad.append(f"{mine}/{name}:{lineno}: ready includes {inc} of os/ (only http-multi.h, socket-owner.h, sock-diag.h, run-ns.h)")
                elif ORDER.index(theirs) > ORDER.index(mine):
                    bad.append(f"{mine}/{name}:{lineno}: {mine} includes {inc} of the higher layer {theirs}")
    for b in bad:
        print(b)
    print(f"{len(bad)} include(s) against the layers")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
