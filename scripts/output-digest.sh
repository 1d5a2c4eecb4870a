#!/usr/bin/env bash
# One md5 over a dissect binary's output (stdout, stderr and exit status)
# for every testdata capture in each output mode: a restructure that must
# not change any output shows the same digest before and after.
#   scripts/output-digest.sh [BINARY]   (default: target/release/dissect)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/dissect}
modes=("" "-v" "-vvv" "-e" "-V" "--json" "-X")
captures=$(find testdata -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
    -o -name '*.trace' -o -name '*.dmp' \) -not -path 'testdata/golden/*' | LC_ALL=C sort)
for mode in "${modes[@]}"; do
    all=$(for capture in $captures; do
        echo "== $capture $mode"
        # shellcheck disable=SC2086 # an empty mode is no argument
        TZ=GMT0 DISSECT_THREADS=1 "$bin" $mode "$capture" 2>&1 || echo "exit $?"
    done | md5sum | cut -c1-32)
    printf '%-8s %s\n' "${mode:-default}" "$all"
done
# The default line once more, split across threads as the CLI does.
all=$(for capture in $captures; do
    echo "== $capture"
    TZ=GMT0 "$bin" "$capture" 2>&1 || echo "exit $?"
done | md5sum | cut -c1-32)
printf '%-8s %s\n' "threads" "$all"
