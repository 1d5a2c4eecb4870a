#!/usr/bin/env bash
# Runs the decode benchmark (dissect-protocols/benches/decode.rs) once and
# prints packets/s of each benchmark and the ratios that matter:
#   full decode (every field) / etherparse   (target: >= 0.5)
#   full decode and every field's value read once / etherparse
#   layers (the CLI's default: only the fields its line reads) / etherparse
#   decode + one-line text / etherparse
#   field_store_floor / etherparse: storing full decode's fields with no
#     decoding at all, the ceiling of any decoder that stores every field
# Extra arguments go to criterion (e.g. a filter, or --quick).
# Set BENCH_RATIOS_NO_RUN=1 to only re-read the last run's results.
# Exits 1 when full decode is below half of etherparse's rate and
# BENCH_RATIOS_CHECK=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_RATIOS_NO_RUN:-0}" != 1 ]]; then
    cargo bench -p dissect-protocols --bench decode -- "$@"
fi

target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

python3 - "$target_dir/criterion/decode" <<'EOF'
import json, os, sys

root = sys.argv[1]
names = ["dissect_full", "dissect_full_visit", "dissect_layers", "dissect_line", "field_store_floor", "etherparse_sliced"]
rate = {}
for name in names:
    d = os.path.join(root, name, "new")
    try:
        bench = json.load(open(os.path.join(d, "benchmark.json")))
        est = json.load(open(os.path.join(d, "estimates.json")))
    except OSError:
        print(f"{name:20} (no result)")
        continue
    packets = bench["throughput"]["Elements"]
    ns = est["median"]["point_estimate"]  # per iteration = whole capture
    rate[name] = packets / (ns / 1e9)
    print(f"{name:20} {rate[name]:14,.0f} packets/s  ({ns / packets:7.1f} ns/packet, median)")

def ratio(a, b, label, target=None):
    if a in rate and b in rate:
        r = rate[a] / rate[b]
        verdict = "" if target is None else ("  OK" if r >= target else f"  BELOW {target}")
        print(f"{label:40} {r:6.2f}{verdict}")
        return r
    return None

print()
full = ratio("dissect_full", "etherparse_sliced", "full decode / etherparse (>= 0.5)", 0.5)
ratio("dissect_full_visit", "etherparse_sliced", "full decode + every value read / etherparse")
ratio("dissect_layers", "etherparse_sliced", "layers, the line's fields / etherparse")
ratio("dissect_line", "etherparse_sliced", "layers + one-line text / etherparse")
ratio("field_store_floor", "etherparse_sliced", "storing full's fields only / etherparse")
if os.environ.get("BENCH_RATIOS_CHECK") == "1" and (full is None or full < 0.5):
    sys.exit(1)
EOF
