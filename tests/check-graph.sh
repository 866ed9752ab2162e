#!/bin/sh
# The include/call graph of src/lib, measured as in architecture-review.md: compile every
# src/lib/*/*.c on its own, read nm, and call it an edge A -> B when A has B's defined symbol
# as undefined; add an edge A -> B for every #include "B.h". A file and its header are one
# room; a header without a .c (internal.h, macro.h, ...) is a room of its own.
# Prints the rooms, arrows, circles (strongly connected groups of two or more rooms), the
# arrows that run back up (a small set whose removal leaves no circle, chosen greedily),
# and floors; then which src/lib headers src/cli includes. VERBOSE=1 lists the floors.
# Usage: tests/check-graph.sh [TOP] (a tree with src/; default: the one this script is in).
# Exits 1 when there is a circle, so it can become a test once the tree is calm.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cflags="-std=gnu11 -D_GNU_SOURCE -I $top/src/lib"
for d in "$top"/src/lib/*/; do cflags="$cflags -I $d"; done
cflags="$cflags $(pkg-config --cflags libsystemd libcurl libpcre2-8)"
for c in "$top"/src/lib/*/*.c; do
        n=$(basename "$c" .c)
        # shellcheck disable=SC2086
        gcc $cflags -c "$c" -o "$work/$n.o"
        nm "$work/$n.o" | sed "s|^|$n |" >>"$work/syms.txt"
done
for f in "$top"/src/lib/*/*.c "$top"/src/lib/*/*.h "$top"/src/lib/*.h; do
        sed -n "s|^#include \"\\([^\"]*\\)\".*|$(basename "$f") \\1|p" "$f"
done >"$work/includes.txt"
python3 - "$work/syms.txt" "$work/includes.txt" "$top/src/lib" <<'PY'
import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head is fine
syms, incs, lib = sys.argv[1:4]
files = {f for _, _, names in os.walk(lib) for f in names if f.endswith(('.c', '.h'))}
def room(fname):
    base = fname.rsplit('.', 1)[0]
    return base + '.c' if base + '.c' in files else fname
rooms = {room(f) for f in files}
edges = {}
defined, undefined = {}, []
for line in open(syms):
    p = line.split()
    if len(p) == 3 and p[1] == 'U':
        undefined.append((p[0] + '.c', p[2]))
    elif len(p) == 4 and p[2] in 'TDBR':
        defined[p[3]] = p[0] + '.c'
for a, s in undefined:
    b = defined.get(s)
    if b and b != a:
        edges.setdefault((a, b), set()).add(s)
for line in open(incs):
    f, h = line.split()
    if not os.path.exists(os.path.join(lib, h)):
        continue
    a, b = room(f), room(h)
    if a != b:
        edges.setdefault((a, b), set()).add('#include ' + h)
def analyze(edges, label, verbose):
    succ = {r: set() for r in rooms}
    for a, b in edges:
        succ[a].add(b)
    # Tarjan's strongly connected components
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            c = set()
            while True:
                w = stack.pop(); on.discard(w); c.add(w)
                if w == v: break
            comps.append(c)
    for v in sorted(rooms):
        if v not in index:
            visit(v)
    circles = [c for c in comps if len(c) > 1]
    # Arrows back up: Eades-Lin-Smyth greedy order; an arrow against the order runs back up.
    # The order puts callees (sinks) at the bottom; ties are broken by name so runs compare.
    live = set(rooms)
    out_ = {r: set(succ[r]) for r in rooms}
    in_ = {r: set() for r in rooms}
    for a, b in edges:
        in_[b].add(a)
    top_seq, bottom_seq = [], []
    while live:
        changed = True
        while changed:
            changed = False
            for v in sorted(live):
                if not (out_[v] & live):
                    bottom_seq.append(v); live.discard(v); changed = True
            for v in sorted(live):
                if not (in_[v] & live):
                    top_seq.append(v); live.discard(v); changed = True
        if live:
            v = max(sorted(live), key=lambda x: len(out_[x] & live) - len(in_[x] & live))
            top_seq.append(v); live.discard(v)
    order = top_seq + bottom_seq[::-1]          # top first
    pos = {v: i for i, v in enumerate(order)}
    up = sorted((a, b) for (a, b) in edges if pos[a] > pos[b])
    # Floors: longest path from the ground over the arrows that run down
    floor = {}
    def fl(v):
        if v not in floor:
            floor[v] = 1 + max([fl(w) for w in succ[v] if pos[w] > pos[v]] or [0])
        return floor[v]
    for v in rooms:
        fl(v)
    print(f"{label}: rooms {len(rooms)}, floors {max(floor.values())}, arrows {len(edges)}, "
          f"arrows back up {len(up)}, circles {len(circles)}")
    for c in circles if verbose else []:
        print("circle:", " ".join(sorted(c)))
    for a, b in up if verbose else []:
        print(f"up: {a} -> {b}: {' '.join(sorted(edges[(a, b)]))}")
    if verbose and os.environ.get('VERBOSE'):
        for v in sorted(rooms, key=lambda x: (-floor[x], x)):
            print(f"floor {floor[v]:2}: {v}")
    return len(circles)
calls = {k: v for k, v in edges.items() if any(not x.startswith('#') for x in v)}
analyze(calls, 'calls (nm)', False)
n = analyze(edges, 'calls + includes', True)
cli = os.path.join(lib, '..', 'cli')
used = set()
for f in sorted(os.listdir(cli)) if os.path.isdir(cli) else []:
    if f.endswith(('.c', '.h')):
        for line in open(os.path.join(cli, f)):
            if line.startswith('#include "') and line.split('"')[1] in files:
                used.add(line.split('"')[1])
print("src/cli includes of src/lib:", " ".join(sorted(used)) or "none")
sys.exit(1 if n else 0)
PY
