#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the captures in testdata/.

capture_reader gets whole capture files; pipeline_<link> gets each frame of
the pcap (not pcapng) captures of that link type; pipeline gets the frames
with the link-type selector byte (and a zero snaplen-cut byte) in front.
The corpus directory is not committed (.gitignore)."""
import hashlib, os, pathlib, shutil, struct

ROOT = pathlib.Path(__file__).resolve().parent
TESTDATA = ROOT.parent / "testdata"
CORPUS = ROOT / "corpus"
# LINKTYPE -> thin target; the index in LINKTYPES is the `pipeline` selector
# byte (fuzz/src/lib.rs).
LINKTYPES = [1, 0, 108, 101, 113, 276, 228, 229, 147, 160]
TARGETS = {1: "pipeline_ethernet", 0: "pipeline_null", 101: "pipeline_raw",
           113: "pipeline_sll", 276: "pipeline_sll2", 228: "pipeline_ipv4",
           229: "pipeline_ipv6"}


def save(target, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def pcap_frames(data):
    if len(data) < 24:
        return None, []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return linktype, frames


for path in sorted(TESTDATA.rglob("*")):
    if path.suffix not in (".pcap", ".pcapng"):
        continue
    data = path.read_bytes()
    save("capture_reader", data)
    linktype, frames = pcap_frames(data)
    for frame in frames:
        if linktype in TARGETS:
            save(TARGETS[linktype], frame)
        if linktype in LINKTYPES:
            save("pipeline", bytes([LINKTYPES.index(linktype), 0]) + frame)
        # The IP packets inside Ethernet frames seed the IP link types.
        if linktype == 1 and frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
            ip = frame[14:]
            v6 = frame[12:14] == b"\x86\xdd"
            save("pipeline_ipv6" if v6 else "pipeline_ipv4", ip)
            save("pipeline_raw", ip)
            save("pipeline_null", (b"\x1e\0\0\0" if v6 else b"\x02\0\0\0") + ip)
for d in sorted(CORPUS.iterdir()):
    print(f"{d.name}: {len(list(d.iterdir()))} inputs")
