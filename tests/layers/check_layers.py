#!/usr/bin/env python3
"""Checks that the core's areas include one way only.

Usage: check_layers.py CORE_DIR

CORE_DIR holds layers.txt (the areas, lowest first; one line may name
sibling areas), src/<area>/ and include/latchkey/<area>/. Every #include
"..." of every file there must name a header of the file's own area or of
a lower one: "latchkey/<area>/x.h" (public) or "<area>/x.h" (private).
Prints one line per wrong include and exits 1 if there is any.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_ranks(path):
    ranks = {}
    with open(path, encoding="utf-8") as f:
        rank = 0
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            for area in line:
                if area in ranks:
                    raise SystemExit(f"{path}: area '{area}' is listed twice")
                ranks[area] = rank
            rank += 1
    return ranks


def included_area(target, ranks):
    parts = target.split("/")
    if parts[0] == "latchkey" and len(parts) == 3:
        return parts[1]
    if len(parts) == 2 and parts[0] in ranks:
        return parts[0]
    return None


def core_files(core):
    for top in ("src", os.path.join("include", "latchkey")):
        root = os.path.join(core, top)
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                if name.endswith((".cc", ".h")):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root), path


def check(core):
    ranks = read_ranks(os.path.join(core, "layers.txt"))
    problems = []
    checked = 0
    for rel, path in core_files(core):
        shown = os.path.relpath(path, core)
        area = rel.split(os.sep)[0] if os.sep in rel else None
        if area not in ranks:
            problems.append(f"{shown}: lies in no area of layers.txt "
                            f"({', '.join(ranks)})")
            continue
        checked += 1
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                to = included_area(target, ranks)
                if to is None:
                    problems.append(f"{shown}:{number}: includes \"{target}\", "
                                    "which names no area of layers.txt")
                elif to != area and ranks[to] >= ranks[area]:
                    how = "a sibling" if ranks[to] == ranks[area] else "a higher"
                    problems.append(f"{shown}:{number}: area '{area}' includes "
                                    f"\"{target}\" of {how} area '{to}'")
    return checked, problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    checked, problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} wrong-way include(s) in {checked} files")
        return 1
    print(f"{checked} core files include only their own or lower areas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
