#!/usr/bin/env python3
"""Writes monlist.pcap: an ntpdc-style MON_GETLIST_1 ("monlist") request and
its multi-packet response, built by hand (ntpsec and chrony no longer answer
mode 7; classic ntpd did, which made monlist a DDoS amplification vector,
CVE-2013-5211). Addresses are from the documentation ranges."""
import struct, ipaddress, os

def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, dst, sport, dport, payload, ident):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    udp_len = 8 + len(payload)
    pseudo = s + d + struct.pack('!BBH', 0, 17, udp_len)
    udp = struct.pack('!HHHH', sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack('!H', csum(pseudo + udp) or 0xffff) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident, 0x4000, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    eth = bytes.fromhex('020000000002' '020000000001' '0800')
    return eth + ip + udp

def entry(i, v6=False):
    addr = ipaddress.ip_address('198.51.100.%d' % (10 + i)).packed
    local = ipaddress.ip_address('192.0.2.1').packed
    e = struct.pack('!IIII4s4sIHBBII', 30 + i, i, 0, 100 + i, addr, local, 0, 40000 + i, 3, 4, 1 if v6 else 0, 0)
    if v6:
        e += ipaddress.ip_address('2001:db8::%x' % (10 + i)).packed + ipaddress.ip_address('2001:db8::1').packed
    else:
        e += b'\0' * 32
    return e

client, server = '203.0.113.7', '192.0.2.1'
request = struct.pack('!BBBBHH', 0x17, 0x00, 3, 42, 0, 0) + b'\0' * 40
packets = [(0, frame(client, server, 50123, 123, request, 1))]
entries = [entry(i, v6=(i == 7)) for i in range(8)]
for n, chunk in enumerate([entries[:6], entries[6:]]):
    more = 0x40 if n == 0 else 0
    hdr = struct.pack('!BBBBHH', 0x97 | more, n, 3, 42, len(chunk), 72)
    packets.append((1000 + n * 100, frame(server, client, 123, 50123, hdr + b''.join(chunk), 100 + n)))
# An error reply to a second request: implementation ok, "no data available".
packets.append((500000, frame(client, server, 50124, 123, request, 2)))
err = struct.pack('!BBBBHH', 0x97, 0x00, 3, 42, 0x4000, 0)
packets.append((501000, frame(server, client, 123, 50124, err, 102)))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'monlist.pcap')
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for usec, data in packets:
        f.write(struct.pack('<IIII', 1795000000, usec, len(data), len(data)) + data)
