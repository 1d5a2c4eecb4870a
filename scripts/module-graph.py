#!/usr/bin/env python3
"""The import graph between the rooms of dissect-core and dissect-protocols,
and whether it has a circle.

A room is a module at the level the layout names: a file, or a directory
whose files are one module (transport/tcp/, app/ntp/). An edge A -> B means
A's non-test code names a path into B (`use crate::b::...`, `crate::b::x`,
`super::b`). Prints the edges, then every circle found; exits 1 on a circle.

  scripts/module-graph.py [--edges]
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRATES = {"dissect-core": "dissect-core/src", "dissect-protocols": "dissect-protocols/src"}
# Directories whose files make up one room (their submodules roll up).
ONE_ROOM = {"transport/tcp", "app/ntp", "format"}


def room_of(rel):
    """The room of a source file, as a module path (`ip::v4`)."""
    path = rel[:-3]
    if path in ("lib", "main"):
        return "crate"
    parts = path.split("/")
    if parts[-1] == "mod":
        parts = parts[:-1]
    for one in ONE_ROOM:
        if "/".join(parts).startswith(one):
            return one.replace("/", "::")
    return "::".join(parts)


def strip_tests(text):
    """The text before the first `#[cfg(test)] mod` (inline tests)."""
    m = re.search(r"^#\[cfg\(test\)\]\s*\n(pub(\(crate\))? )?mod ", text, re.M)
    return text[: m.start()] if m else text


def paths_in(text):
    """Every `crate::a::b` path, `use crate::{a, b::c}` groups included."""
    out = set(re.findall(r"\bcrate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)", text))
    for group in re.findall(r"\buse crate::\{(.*?)\};", text, re.S):
        for item in re.findall(r"([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)", group):
            out.add(item)
    return out


def graph(crate_dir):
    files = {}
    for dirpath, _, names in os.walk(crate_dir):
        for name in names:
            if name.endswith(".rs") and not name.endswith("tests.rs") and name != "testkit.rs":
                rel = os.path.relpath(os.path.join(dirpath, name), crate_dir)
                files[rel.replace(os.sep, "/")] = os.path.join(dirpath, name)
    rooms = {room_of(rel) for rel in files}
    edges = set()
    for rel, path in files.items():
        here = room_of(rel)
        with open(path, encoding="utf-8") as f:
            text = strip_tests(f.read())
        targets = paths_in(text)
        # `super::x` from a family member names a sibling room.
        parent = "::".join(here.split("::")[:-1])
        for name in re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", text):
            if here not in ONE_ROOM and parent:
                targets.add(f"{parent}::{name}")
        for target in targets:
            parts = target.split("::")
            # The longest room the path starts with.
            for n in range(len(parts), 0, -1):
                candidate = "::".join(parts[:n])
                if candidate in rooms:
                    if candidate != here and here != "crate":
                        edges.add((here, candidate))
                    break
    return rooms, edges


def circles(edges):
    succ = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
    found, seen = [], set()

    def walk(node, stack):
        for nxt in sorted(succ.get(node, ())):
            if nxt in stack:
                cycle = stack[stack.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif len(stack) < 12:
                walk(nxt, stack + [nxt])

    for node in sorted(succ):
        walk(node, [node])
    return found


def main():
    bad = False
    for crate, src in CRATES.items():
        rooms, edges = graph(os.path.join(ROOT, src))
        print(f"{crate}: {len(rooms)} rooms, {len(edges)} imports")
        if "--edges" in sys.argv:
            for a, b in sorted(edges):
                print(f"  {a} -> {b}")
        for cycle in circles(edges):
            bad = True
            print("  circle: " + " -> ".join(cycle))
    if bad:
        sys.exit(1)
    print("no circles")


if __name__ == "__main__":
    main()
