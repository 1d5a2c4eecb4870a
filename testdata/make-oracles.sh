#!/bin/sh
# Regenerates the tcpdump oracle files next to every capture in testdata/:
#   X.tcpdump.txt    TZ=GMT0 tcpdump -nn    -r X
#   X.tcpdump-e.txt  TZ=GMT0 tcpdump -nn -e -r X
#   X.tcpdump-v.txt  TZ=GMT0 tcpdump -nn -v -r X
#   X.tcpdump-vvv.txt TZ=GMT0 tcpdump -nn -vvv -r X
# (X.tshark.json was copied from the shared corpus.) Then the tshark
# -T fields oracles, X.tshark-fields.tsv (make-fields-oracles.py).
# Made with tcpdump 4.99.3 / libpcap 1.10.3. tcpdump's stderr ("reading from
# file ...", and errors for bad captures) is dropped; tests never run tcpdump.
set -eu
cd "$(dirname "$0")"
TZ=GMT0
export TZ
tcpdump --version 2>&1 | head -1
find . -type f \( -name '*.pcap' -o -name '*.pcapng' \) ! -path './regress/*' | sort |
while read -r capture; do
    tcpdump -nn -r "$capture" 2>/dev/null > "$capture.tcpdump.txt" || true
    tcpdump -nn -e -r "$capture" 2>/dev/null > "$capture.tcpdump-e.txt" || true
    tcpdump -nn -v -r "$capture" 2>/dev/null > "$capture.tcpdump-v.txt" || true
    tcpdump -nn -vvv -r "$capture" 2>/dev/null > "$capture.tcpdump-vvv.txt" || true
done
python3 ./make-fields-oracles.py
