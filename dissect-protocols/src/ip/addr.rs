//! The network-layer addresses a transport layer travels between: the key of
//! its conversations and the source of its checksum pseudo-header.
//!
//! TCP, UDP and ICMPv6 checksums cover a pseudo-header (RFC 9293 §3.1,
//! RFC 768, RFC 8200 §8.1) made of the addresses, the protocol and the
//! transport length. The destination in it is the packet's *final*
//! destination: the last hop of an IPv4 source route or an IPv6 routing
//! header, not the address the packet is on its way to now. The helpers here
//! are shared so every transport computes it the same way.

use dissect_core::{Context, Layer};

use crate::wire::{array, fold, ones_sum};

/// Source and destination of the nearest IPv4 or IPv6 layer (IPv4 addresses
/// in the first four bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetAddrs {
    pub v6: bool,
    pub src: [u8; 16],
    pub dst: [u8; 16],
}

impl NetAddrs {
    /// The addresses of the innermost IP layer before this one, read from
    /// its header bytes (a cut header reads as zeros).
    pub fn of(cx: &Context<'_>) -> Option<NetAddrs> {
        let header = ip_header(cx)?;
        Some(NetAddrs::from_header(header.v6, header.bytes))
    }

    fn from_header(v6: bool, header: &[u8]) -> NetAddrs {
        let mut addrs = NetAddrs {
            v6,
            ..NetAddrs::default()
        };
        if v6 {
            addrs.src = array(header, 8);
            addrs.dst = array(header, 24);
        } else {
            addrs.src[..4].copy_from_slice(&array::<4>(header, 12));
            addrs.dst[..4].copy_from_slice(&array::<4>(header, 16));
        }
        addrs
    }

    /// The addresses a checksum pseudo-header uses: the source, and the
    /// final destination of a source route or routing header.
    pub fn for_checksum(cx: &Context<'_>) -> Option<NetAddrs> {
        let header = ip_header(cx)?;
        let mut addrs = NetAddrs::from_header(header.v6, header.bytes);
        if header.v6 {
            if let Some(dst) = routing_final_destination(header.bytes) {
                addrs.dst = dst;
            }
        } else if let Some(dst) = source_route_final_destination(header.bytes) {
            addrs.dst[..4].copy_from_slice(&dst);
        }
        Some(addrs)
    }
}

/// The header bytes (extension headers included) of the nearest IP layer.
struct IpHeader<'a> {
    v6: bool,
    bytes: &'a [u8],
}

fn ip_layer<'c>(cx: &'c Context<'_>) -> Option<&'c Layer> {
    cx.previous_layers()
        .iter()
        .rev()
        .find(|l| l.name == "ip" || l.name == "ipv6")
}

fn ip_header<'a>(cx: &Context<'a>) -> Option<IpHeader<'a>> {
    let layer = ip_layer(cx)?;
    let packet = cx.packet_data();
    let start = layer.offset as usize;
    let end = (start + layer.header_len as usize).min(packet.len());
    Some(IpHeader {
        v6: layer.name == "ipv6",
        bytes: packet.get(start..end).unwrap_or(&[]),
    })
}

/// True when the nearest IP layer carries only part of its datagram (IPv4
/// more-fragments or a non-zero offset; an IPv6 fragment header): a
/// checksum over the fragment alone means nothing.
pub fn is_fragment(cx: &Context<'_>) -> bool {
    ip_header(cx).is_some_and(|h| header_is_fragment(h.v6, h.bytes))
}

/// [`is_fragment`] for an IP layer already found: `v6` tells the version,
/// `header` is its header block (extension headers included).
pub fn header_is_fragment(v6: bool, header: &[u8]) -> bool {
    if v6 {
        return ipv6_extension_headers(header).any(|(kind, _)| kind == IPV6_FRAGMENT);
    }
    let flags_offset = crate::wire::be16(header, 6);
    flags_offset & 0x3fff != 0
}

const IPV6_HOP_BY_HOP: u8 = 0;
const IPV6_ROUTING: u8 = 43;
const IPV6_FRAGMENT: u8 = 44;
const IPV6_AH: u8 = 51;
const IPV6_DEST_OPTS: u8 = 60;

/// The extension headers of an IPv6 header block, as (kind, offset) pairs,
/// in order; stops at the first header that is not an extension header or
/// does not fit.
fn ipv6_extension_headers(header: &[u8]) -> impl Iterator<Item = (u8, usize)> + '_ {
    let mut next = header.get(6).copied();
    let mut at = 40;
    std::iter::from_fn(move || {
        let kind = next?;
        let len_byte = usize::from(*header.get(at + 1)?);
        let size = match kind {
            IPV6_HOP_BY_HOP | IPV6_ROUTING | IPV6_DEST_OPTS => (len_byte + 1) * 8,
            IPV6_FRAGMENT => 8,
            IPV6_AH => (len_byte + 2) * 4,
            _ => return None,
        };
        next = header.get(at).copied();
        let item = (kind, at);
        at += size;
        Some(item)
    })
}

/// Walks an IPv6 header and its extension headers to a routing header with
/// segments left, and returns the address the packet is finally going to.
/// With no segments left the header's destination already is the final one.
pub fn routing_final_destination(header: &[u8]) -> Option<[u8; 16]> {
    let (_, at) = ipv6_extension_headers(header).find(|&(kind, _)| kind == IPV6_ROUTING)?;
    let len_byte = usize::from(*header.get(at + 1)?);
    let (kind, segments_left) = (*header.get(at + 2)?, *header.get(at + 3)?);
    if segments_left == 0 {
        return None;
    }
    match kind {
        // Type 0 and 2 list the hops in order: the last is the destination.
        0 | 2 if len_byte >= 2 => {
            let last = at + 8 + (len_byte / 2 - 1) * 16;
            header.get(last..last + 16).map(|_| array(header, last))
        }
        // The segment routing header lists them backwards.
        4 => header.get(at + 8..at + 24).map(|_| array(header, at + 8)),
        _ => None,
    }
}

/// The last address of an IPv4 loose or strict source route option (RFC 791):
/// where the datagram is finally going.
fn source_route_final_destination(header: &[u8]) -> Option<[u8; 4]> {
    const EOL: u8 = 0;
    const NOP: u8 = 1;
    const LSRR: u8 = 131;
    const SSRR: u8 = 137;
    let options = header.get(20..)?;
    let mut at = 0;
    while let Some(&kind) = options.get(at) {
        let len = match kind {
            EOL => return None,
            NOP => 1,
            _ => usize::from(*options.get(at + 1)?),
        };
        // A length below 2 would loop forever: the options are broken.
        if (kind != NOP && len < 2) || at + len > options.len() {
            return None;
        }
        // At least one address after type, length and pointer.
        if (kind == LSRR || kind == SSRR) && len >= 7 {
            return Some(array(options, at + len - 4));
        }
        at += len;
    }
    None
}

/// The value the checksum field of a transport `segment` (the caller
/// checks all of it was captured) should hold, unless the segment is a
/// fragment of a larger datagram. `protocol` is the IP protocol number.
pub fn calculated_checksum(
    cx: &Context<'_>,
    protocol: u8,
    segment: &[u8],
    field: u16,
) -> Option<u16> {
    if is_fragment(cx) {
        return None;
    }
    let addrs = NetAddrs::for_checksum(cx)?;
    let residue = transport_checksum(&addrs, protocol, segment);
    Some(expected_checksum(field, residue))
}

/// The RFC 1071 sum of the pseudo-header and `segment`, folded and
/// complemented: 0 when the checksum field inside `segment` is right.
/// `protocol` is the IP protocol number (6 TCP, 17 UDP, 58 ICMPv6).
pub fn transport_checksum(addrs: &NetAddrs, protocol: u8, segment: &[u8]) -> u16 {
    let (src, dst): (&[u8], &[u8]) = if addrs.v6 {
        (&addrs.src, &addrs.dst)
    } else {
        (&addrs.src[..4], &addrs.dst[..4])
    };
    let mut sum = ones_sum(src) + ones_sum(dst);
    // IPv4 has a 16-bit length, IPv6 a 32-bit one: their sums are the same.
    let len = segment.len() as u64;
    sum += (len >> 16) + (len & 0xffff) + u64::from(protocol);
    sum += ones_sum(segment);
    !fold(sum)
}

/// What the checksum field should hold, from the field and the residue
/// [`transport_checksum`] returned (tcpdump's `in_cksum_shouldbe`).
pub fn expected_checksum(field: u16, residue: u16) -> u16 {
    fold(u64::from(field) + u64::from(residue))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(src: [u8; 4], dst: [u8; 4]) -> NetAddrs {
        let mut a = NetAddrs::default();
        a.src[..4].copy_from_slice(&src);
        a.dst[..4].copy_from_slice(&dst);
        a
    }

    #[test]
    fn tcp_checksum_of_known_segment() {
        // zeek/chksums/ip4-tcp-bad-chksum.pcap: field 0x0001, right value 0x1c60.
        let addrs = v4([127, 0, 0, 1], [127, 0, 0, 1]);
        let mut seg = vec![
            0x75, 0x30, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0,
        ];
        seg.extend([0x00, 0x01, 0, 0]);
        let residue = transport_checksum(&addrs, 6, &seg);
        assert_ne!(residue, 0);
        assert_eq!(expected_checksum(1, residue), 0x1c60);
        seg[16..18].copy_from_slice(&0x1c60u16.to_be_bytes());
        assert_eq!(transport_checksum(&addrs, 6, &seg), 0);
    }

    #[test]
    fn ipv4_source_route() {
        let mut header = vec![
            0x47, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ];
        // NOP, LSRR with two addresses (pointer 4), padding.
        header.extend([1, 131, 11, 4, 9, 9, 9, 9, 8, 8, 8, 8, 0]);
        assert_eq!(source_route_final_destination(&header), Some([8, 8, 8, 8]));
        header[21] = 7; // record route: not a source route
        assert_eq!(source_route_final_destination(&header), None);
        assert_eq!(source_route_final_destination(&header[..20]), None);
    }

    #[test]
    fn ipv6_routing_header() {
        let mut header = vec![0x60, 0, 0, 0, 0, 0, 43, 64];
        header.extend([0u8; 32]);
        // Type 0, two addresses, two segments left, then TCP.
        header.extend([6, 4, 0, 2, 0, 0, 0, 0]);
        header.extend([1u8; 16]);
        header.extend([2u8; 16]);
        assert_eq!(routing_final_destination(&header), Some([2u8; 16]));
        header[43] = 0;
        assert_eq!(routing_final_destination(&header), None);
        // Hop-by-hop first, then a segment routing header.
        let mut header = vec![0x60, 0, 0, 0, 0, 0, 0, 64];
        header.extend([0u8; 32]);
        header.extend([43, 0, 1, 4, 0, 0, 0, 0]);
        header.extend([17, 2, 4, 1, 0, 0, 0, 0]);
        header.extend([7u8; 16]);
        assert_eq!(routing_final_destination(&header), Some([7u8; 16]));
        assert_eq!(routing_final_destination(&header[..50]), None);
    }
}
