//! The test kit: frames built by hand and the registry runs over them,
//! shared by every protocol module's tests.

use dissect_core::{FrameInfo, Packet, Registry, RenderOptions, Status};

/// Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2, protocol `proto`) + `payload`;
/// the IP total length covers `payload` plus `extra` bytes.
pub fn ipv4(proto: u8, payload: &[u8], extra: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + payload.len() + extra) as u16;
    f.extend([0x45, 0]);
    f.extend(total.to_be_bytes());
    f.extend([0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend(payload);
    f
}

/// Ethernet + IPv6 (fe80::1 -> fe80::2, next header `next`) + `payload`.
pub fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd];
    f.extend([0x60, 0, 0, 0]);
    f.extend((payload.len() as u16).to_be_bytes());
    f.extend([next, 64]);
    let mut src = [0u8; 16];
    src[0] = 0xfe;
    src[1] = 0x80;
    let mut dst = src;
    src[15] = 1;
    dst[15] = 2;
    f.extend(src);
    f.extend(dst);
    f.extend(payload);
    f
}

/// Bytes from hex text; whitespace between digits is ignored.
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Dissects one frame of `linktype` that had `wire_len` bytes on the wire.
pub fn decode(linktype: u32, bytes: &[u8], wire_len: u32) -> (Registry, Packet) {
    let mut registry = crate::registry();
    let mut packet = Packet::default();
    let frame = FrameInfo {
        number: 1,
        caplen: bytes.len() as u32,
        len: wire_len,
        linktype,
        ..FrameInfo::default()
    };
    registry.dissect(&frame, bytes, &mut packet);
    (registry, packet)
}

/// The tcpdump line of `packet`, with the link header (-e) if asked.
pub fn line(registry: &Registry, packet: &Packet, link_header: bool) -> String {
    let options = RenderOptions {
        link_header,
        ..RenderOptions::default()
    };
    let mut out = String::new();
    registry.render(packet, &options, &mut out).unwrap();
    out
}

/// Dissects `frames` in order with one registry (state carries over);
/// each frame is cut to `caplen` bytes if given. Returns the tcpdump
/// lines and the packets.
pub fn run(frames: &[(Vec<u8>, Option<usize>)]) -> Vec<(String, Packet)> {
    run_with(frames, &RenderOptions::default())
}

/// [`run`] printing with `options` (-v, -S, ...).
pub fn run_with(
    frames: &[(Vec<u8>, Option<usize>)],
    options: &RenderOptions,
) -> Vec<(String, Packet)> {
    let mut registry: Registry = crate::registry();
    let mut out = Vec::new();
    for (i, (bytes, caplen)) in frames.iter().enumerate() {
        let cut = caplen.unwrap_or(bytes.len()).min(bytes.len());
        let frame = FrameInfo {
            number: i as u64 + 1,
            caplen: cut as u32,
            len: bytes.len() as u32,
            linktype: dissect_core::linktype::ETHERNET,
            ..FrameInfo::default()
        };
        let mut packet = Packet::new();
        registry.dissect(&frame, &bytes[..cut], &mut packet);
        let mut line = String::new();
        registry.render(&packet, options, &mut line).unwrap();
        out.push((line, packet));
    }
    out
}

/// Sets the transport checksum at `at` (offset in the transport bytes)
/// of a frame made by [`ipv4`] or [`ipv6`] to the right value.
pub fn fix_checksum(frame: &mut [u8], protocol: u8, at: usize) {
    use crate::ip::addr::{expected_checksum, transport_checksum, NetAddrs};
    let v6 = frame[12] == 0x86;
    let (start, mut addrs) = (
        if v6 { 54 } else { 34 },
        NetAddrs {
            v6,
            ..NetAddrs::default()
        },
    );
    if v6 {
        addrs.src.copy_from_slice(&frame[22..38]);
        addrs.dst.copy_from_slice(&frame[38..54]);
    } else {
        addrs.src[..4].copy_from_slice(&frame[26..30]);
        addrs.dst[..4].copy_from_slice(&frame[30..34]);
    }
    frame[start + at..start + at + 2].copy_from_slice(&[0, 0]);
    let residue = transport_checksum(&addrs, protocol, &frame[start..]);
    let sum = expected_checksum(0, residue);
    frame[start + at..start + at + 2].copy_from_slice(&sum.to_be_bytes());
}

pub fn verbose(level: u8) -> RenderOptions {
    RenderOptions {
        verbose: level,
        ..RenderOptions::default()
    }
}

pub fn status(packet: &Packet, layer: &str) -> Option<Status> {
    packet.layer(layer).map(|l| l.status)
}

pub fn value(packet: &Packet, abbrev: &str) -> Option<u64> {
    packet.field(abbrev).and_then(|f| f.value.as_u64())
}
