#!/usr/bin/env python3
"""Makes the `-T fields` oracles (dissect-cli/tests/tshark_fields.rs).

1. fields/FIELDS.txt: every field name that tshark emits in some committed
   X.tshark.json oracle, whose protocol is one of PROTOCOLS, and that dissect
   declares too (its field catalogue, `dissect --list-fields`). One name a
   line, sorted.
2. X.tshark-fields.tsv next to every capture X that has an X.tshark.json:
   `TZ=GMT0 tshark -r X -T fields -E occurrence=a -e NAME ...` over that
   list, with the default preferences the JSON oracles were made with.

Usage: testdata/make-fields-oracles.py [--list-only]
"""

import glob
import json
import os
import subprocess
import sys

PROTOCOLS = {"frame", "eth", "ip", "ipv6", "tcp", "udp", "icmp", "icmpv6", "ntp"}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def leaf_names(node, key, out):
    """Every leaf key of tshark's JSON; objects come as lists of pairs so
    that repeated keys (ip.addr twice) survive."""
    if isinstance(node, list) and node and all(
        isinstance(p, tuple) and len(p) == 2 for p in node
    ):
        for k, v in node:
            leaf_names(v, k, out)
    elif isinstance(node, list):
        for item in node:
            leaf_names(item, key, out)
    elif key:
        out.add(key)


def tshark_names():
    names = set()
    for path in glob.glob(os.path.join(HERE, "**", "*.tshark.json"), recursive=True):
        with open(path, encoding="utf-8") as f:
            packets = json.load(f, object_pairs_hook=list)
        for packet in packets:
            source = dict(packet).get("_source", [])
            layers = dict(source).get("layers", [])
            leaf_names(layers, "", names)
    return {n for n in names if n.split(".")[0] in PROTOCOLS}


def declared_names():
    # The catalogue, as `dissect --list-fields` prints it (F lines: the
    # abbreviation is the third column).
    listing = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "dissect-cli", "--", "--list-fields"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        line.split("\t")[2] for line in listing.splitlines() if line.startswith("F\t")
    }


def captures():
    out = []
    for path in glob.glob(os.path.join(HERE, "**", "*.tshark.json"), recursive=True):
        capture = path[: -len(".tshark.json")]
        if os.path.exists(capture):
            out.append(capture)
    return sorted(out)


def main():
    names = sorted(tshark_names() & declared_names())
    os.makedirs(os.path.join(HERE, "fields"), exist_ok=True)
    with open(os.path.join(HERE, "fields", "FIELDS.txt"), "w", encoding="utf-8") as f:
        f.write("".join(n + "\n" for n in names))
    print(f"{len(names)} fields", file=sys.stderr)
    if "--list-only" in sys.argv:
        return
    env = dict(os.environ, TZ="GMT0")
    args = ["tshark", "-T", "fields", "-E", "occurrence=a"]
    for name in names:
        args += ["-e", name]
    for capture in captures():
        # tshark's stderr (a cut file's error) is dropped, as for tcpdump.
        result = subprocess.run(
            args + ["-r", capture], env=env, capture_output=True, check=False
        )
        with open(capture + ".tshark-fields.tsv", "wb") as f:
            f.write(result.stdout)


if __name__ == "__main__":
    main()
