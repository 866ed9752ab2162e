#!/usr/bin/env python3
"""The verdict of .ci/run on meson's results: no run may pass by doing less than it should.

    tests/ci-verdict.py [--update] EXPECTED ALLOWLIST SECTION=BUILD-DIR...

For each BUILD-DIR it reads meson-logs/testlog.json and checks, against section SECTION of
EXPECTED (lines "NAME CASES": the meson test's name, and how many CUnit cases it must
run, or "-" for a program that is not a CUnit program), that
  - exactly the expected tests ran: none missing (a dropped group), none unknown;
  - each CUnit program ran exactly its pinned number of cases (its "Run Summary" line);
  - no test was skipped (exit 77) and no case was skipped (a "SKIP: PROGRAM: CASE"
    line of tests/common's cunit_skip()) unless ALLOWLIST names it ("test NAME" or
    "case PROGRAM: CASE", anything after "#" a comment saying why).
It prints one summary line per build dir and exits 1 on any mismatch. --update rewrites
EXPECTED from the results (after adding or removing tests or cases, on a host where
everything runs); review the diff. Standard library only."""

import json
import re
import sys

SUMMARY = re.compile(r"^\s+tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", re.M)
CASE_SKIP = re.compile(r"^\s*SKIP: (.*)$", re.M)  # "PROGRAM: CASE: REASON"


def read_list(path):
    entries = set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                entries.add(line)
    return entries


def read_expected(path):
    sections, current = {}, None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], {})
                continue
            parts = line.split()
            if current is None or len(parts) != 2:
                sys.exit(f"{path}:{number}: expected '[SECTION]' or 'NAME CASES'")
            current[parts[0]] = None if parts[1] == "-" else int(parts[1])
    return sections


def read_results(build_dir):
    results = {}
    with open(f"{build_dir}/meson-logs/testlog.json") as f:
        for line in f:
            t = json.loads(line)
            name = t["name"].split(" / ", 1)[-1]
            out = t.get("stdout") or ""
            ran = [int(m[1]) for m in SUMMARY.findall(out)]
            results[name] = {
                "result": t["result"],
                "cases": sum(ran) if ran else None,
                "skips": CASE_SKIP.findall(out),
            }
    return results


def main(argv):
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if len(argv) < 3:
        sys.exit(__doc__)
    expected_path, allow_path, runs = argv[0], argv[1], argv[2:]
    expected, allowed = read_expected(expected_path), read_list(allow_path)
    status = 0

    for run in runs:
        section, build_dir = run.split("=", 1)
        try:
            results = read_results(build_dir)
        except OSError as e:
            print(f"ci-verdict: {build_dir}: {e}: that run did not happen")
            status = 1
            continue
        if update:
            expected[section] = {n: r["cases"] for n, r in results.items()}
            continue
        want = expected.get(section, {})
        problems = []
        for name in sorted(set(want) - set(results)):
            problems.append(f"missing: {name} did not run")
        for name in sorted(set(results) - set(want)):
            problems.append(f"unknown: {name} ran but is not pinned in {expected_path} (--update)")
        tests = cases = skips = 0
        for name, r in sorted(results.items()):
            tests += 1
            cases += r["cases"] or 0
            if r["result"] == "SKIP":
                skips += 1
                if f"test {name}" not in allowed:
                    problems.append(f"skipped: {name} (not in {allow_path})")
            elif name in want and want[name] != r["cases"]:
                problems.append(f"cases: {name} ran {r['cases']} CUnit cases, {want[name]} are pinned")
            for text in r["skips"]:
                skips += 1
                # Case names may hold ": " themselves: an entry names PROGRAM: CASE in full.
                if not any(e.startswith("case ") and text.startswith(e[5:] + ": ") for e in allowed):
                    problems.append(f"skipped case: {text} (not in {allow_path})")
        for p in problems:
            print(f"ci-verdict [{section}]: {p}")
        print(f"ci-verdict [{section}] {build_dir}: {tests} tests, {cases} CUnit cases, {skips} skipped, "
              f"{len(problems)} problem(s)")
        if problems:
            status = 1

    if update:
        with open(expected_path, "w") as f:
            f.write("# Pinned by tests/ci-verdict.py --update: every meson test each CI run must run, and\n"
                    "# how many CUnit cases it must run (\"-\": not a CUnit program). See ci-verdict.py.\n")
            for section in sorted(expected):
                f.write(f"\n[{section}]\n")
                for name, n in sorted(expected[section].items()):
                    f.write(f"{name} {'-' if n is None else n}\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
