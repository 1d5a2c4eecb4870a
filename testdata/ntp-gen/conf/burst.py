import socket, struct, time, sys
dst = sys.argv[1]; n = int(sys.argv[2]); gap = float(sys.argv[3])
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(0.3)
for i in range(n):
    t = time.time() + 2208988800
    pkt = struct.pack('!BBbbII4sII', 0x23, 0, 6, -20, 0, 0, b'\0'*4, 0, 0) + b'\0'*16 + struct.pack('!II', int(t), int((t % 1) * 2**32))
    s.sendto(pkt, (dst, 123))
    try:
        d = s.recv(2048); print(i, d[1], d[12:16])
    except socket.timeout:
        print(i, 'timeout')
    time.sleep(gap)
