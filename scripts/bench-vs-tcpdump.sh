#!/usr/bin/env bash
# Times the dissect CLI against tcpdump (and tshark, on a slice) on the same
# deterministic capture, and checks that dissect's memory stays flat as the
# capture grows.
#
# usage: scripts/bench-vs-tcpdump.sh [PACKETS]      (default 1000000)
#
# Environment:
#   BENCH_DIR    where captures are generated/kept (default /tmp)
#   BENCH_RUNS   hyperfine runs per command (default 3)
#   BENCH_SKIP_BIG=1   skip the 4x capture used for the memory check
#
# Tools that are not installed (tcpdump, tshark, hyperfine) are skipped with
# a message; without hyperfine each command is timed once with bash's clock.
set -euo pipefail
cd "$(dirname "$0")/.."

packets=${1:-1000000}
big_packets=$((packets * 4))
dir=${BENCH_DIR:-/tmp}
runs=${BENCH_RUNS:-3}
slice_packets=20000
# bench-1m.pcap for 1000000 packets, bench-12345.pcap otherwise.
capture_name() {
    if (($1 % 1000000 == 0)); then echo "bench-$(($1 / 1000000))m.pcap"; else echo "bench-$1.pcap"; fi
}
file="$dir/$(capture_name "$packets")"
big="$dir/$(capture_name "$big_packets")"
slice="$dir/${file##*/}"
slice="${slice%.pcap}-first$slice_packets.pcap"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
export TZ=UTC

have() { command -v "$1" >/dev/null 2>&1; }

# Generates a capture of $1 packets into $2 unless it is already there.
generate() {
    if [[ ! -s $2 ]]; then
        echo "generating $2 ($1 packets) ..."
        python3 scripts/gen-bench-pcap.py "$1" "$2.partial"
        mv "$2.partial" "$2"
    fi
}

generate "$packets" "$file"
echo "building dissect (release) ..."
cargo build --release --quiet -p dissect-cli
dissect=$(pwd)/target/release/dissect

# measure NAME PACKETS COMMAND: mean wall time and mean CPU time (user+sys)
# of COMMAND (stdout discarded) into $results/NAME as "packets wall cpu".
# CPU time is the steadier figure on a busy machine.
measure() {
    local name=$1 count=$2 cmd=$3 times
    if have hyperfine; then
        hyperfine --style basic --warmup 1 --runs "$runs" \
            --export-json "$results/$name.json" "$cmd >/dev/null" >&2
        times=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["mean"], r["user"] + r["system"])' \
            "$results/$name.json")
    else
        local start end
        start=$(date +%s.%N)
        bash -c "$cmd" >/dev/null
        end=$(date +%s.%N)
        times="$(python3 -c "print($end - $start)") 0"
    fi
    echo "$count $times" >"$results/$name"
}

measure "dissect" "$packets" "$dissect $file"
measure "dissect -vvv" "$packets" "$dissect -vvv $file"
if have tcpdump; then
    measure "tcpdump -nn" "$packets" "tcpdump -nn -r $file 2>/dev/null"
    measure "tcpdump -nn -vvv" "$packets" "tcpdump -nn -vvv -r $file 2>/dev/null"
else
    echo "tcpdump not installed: skipping the tcpdump comparison"
fi

if have tshark; then
    # tshark decodes a few thousand packets/s: time it on the first 20k only.
    if [[ ! -s $slice ]]; then
        if have tcpdump; then
            tcpdump -r "$file" -w "$slice" -c "$slice_packets" 2>/dev/null
        elif have editcap; then
            editcap -r "$file" "$slice" "1-$slice_packets"
        fi
    fi
    if [[ -s $slice ]]; then
        measure "tshark -T json (slice)" "$slice_packets" "tshark -n -T json -r $slice"
        measure "dissect --json (slice)" "$slice_packets" "$dissect --json $slice"
    else
        echo "cannot cut the first $slice_packets packets (no tcpdump/editcap): skipping tshark"
    fi
else
    echo "tshark not installed: skipping the tshark comparison"
fi

# Peak RSS of dissect on the capture and on one 4x bigger: flat means the
# reader streams and the decode buffers are reused.
time_bin=/usr/bin/time
if [[ ! -x $time_bin ]]; then
    echo "/usr/bin/time not installed (apt-get install time): skipping peak RSS"
else
    "$time_bin" -f %M -o "$results/rss-$packets" "$dissect" "$file" >/dev/null
    if [[ ${BENCH_SKIP_BIG:-0} != 1 ]]; then
        generate "$big_packets" "$big"
        "$time_bin" -f %M -o "$results/rss-$big_packets" "$dissect" "$big" >/dev/null
    fi
fi

echo
echo "== results (TZ=UTC, output to /dev/null, mean of $runs runs; cpu = user+sys) =="
python3 - "$results" <<'EOF'
import os, sys

d = sys.argv[1]
rate = {}
for name in ["dissect", "dissect -vvv", "tcpdump -nn", "tcpdump -nn -vvv",
             "dissect --json (slice)", "tshark -T json (slice)"]:
    p = os.path.join(d, name)
    if not os.path.exists(p):
        continue
    count, wall, cpu = open(p).read().split()
    count, wall, cpu = int(count), float(wall), float(cpu)
    rate[name] = (count / wall, count / cpu if cpu > 0 else 0.0)
    print(f"{name:24} {count:>8} pkts  wall {wall:8.3f} s {rate[name][0]:>11,.0f} pkt/s"
          f"   cpu {cpu:8.3f} s {rate[name][1]:>11,.0f} pkt/s")

print()
print(f"{'throughput ratio':50} {'wall':>8} {'cpu':>8}")
for a, b in [("dissect", "tcpdump -nn"), ("dissect -vvv", "tcpdump -nn -vvv"),
             ("dissect", "tcpdump -nn -vvv"), ("dissect --json (slice)", "tshark -T json (slice)")]:
    if a in rate and b in rate:
        cpu = rate[a][1] / rate[b][1] if rate[b][1] else 0.0
        print(f"{a + ' / ' + b:50} {rate[a][0] / rate[b][0]:7.2f}x {cpu:7.2f}x")

rss = sorted((int(f.split("-", 1)[1]), int(open(os.path.join(d, f)).read().split()[-1]))
             for f in os.listdir(d) if f.startswith("rss-"))
if rss:
    print()
for count, kib in rss:
    verdict = "OK (< 32 MiB)" if kib < 32 * 1024 else "OVER 32 MiB"
    print(f"dissect peak RSS, {count:>8} packets: {kib / 1024:7.1f} MiB  {verdict}")
EOF
