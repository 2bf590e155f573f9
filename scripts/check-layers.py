#!/usr/bin/env python3
"""The library's layers, held: a file in lib/tick/LAYER/ includes the headers
of its own layer and of layers below it, never of one above or beside it
(README, "Layout"). Prints each include that breaks the rule as
FILE:LINE: ..., and exits 1 if there is one.

  scripts/check-layers.py [ROOT]
"""
import os
import re
import sys

# Lowest first; layers of one rank stand beside each other and include
# neither.
RANKS = {
    "base": 0,
    "stream": 1,
    "kdb": 2,
    "text": 3,
    "journal": 4,
    "hdb": 5,
    "net": 6,
    "analytics": 6,
    "kafka": 7,
    "ws": 7,
    "q": 7,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def check(root):
    lib = os.path.join(root, "lib", "tick")
    problems = []
    seen = 0
    for dirpath, _, names in sorted(os.walk(lib)):
        rel = os.path.relpath(dirpath, lib)
        for name in sorted(names):
            if not name.endswith((".h", ".cpp")):
                continue
            path = os.path.join(dirpath, name)
            where = os.path.relpath(path, root)
            if rel == "." or "/" in rel or rel not in RANKS:
                problems.append(f"{where}:1: outside the layers ({', '.join(RANKS)})")
                continue
            seen += 1
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    parts = target.split("/")
                    if parts[0] != "tick" or len(parts) != 3:
                        if not target.startswith("tick/") and "/" in target:
                            problems.append(f"{where}:{n}: includes {target}, which is not the library's")
                        continue
                    layer = parts[1]
                    if layer not in RANKS:
                        problems.append(f"{where}:{n}: includes {target}: no layer {layer}")
                    elif layer != rel and RANKS[layer] >= RANKS[rel]:
                        how = "above" if RANKS[layer] > RANKS[rel] else "beside"
                        problems.append(f"{where}:{n}: {rel} includes {target}, a layer {how} its own")
    return seen, problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    seen, problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if not seen:
        print(f"{root}: no library files found", file=sys.stderr)
        return 1
    if problems:
        print(f"check-layers: {len(problems)} include(s) against the layers", file=sys.stderr)
        return 1
    print(f"check-layers: {seen} files, every include within its layer or below")
    return 0


if __name__ == "__main__":
    sys.exit(main())
