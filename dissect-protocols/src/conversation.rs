//! Which conversation a frame belongs to, found without dissecting it, so
//! that a capture can be split across threads without splitting the state
//! any dissector keeps.
//!
//! Every piece of per-capture state the dissectors keep (tcpdump's relative
//! TCP numbers, ICMP echoes, NTP requests) is keyed by the innermost IP
//! address pair and more. Frames with the same innermost pair, in either
//! direction, get the same key; so do the frames of one conversation. This
//! walks the same encapsulations the dissectors do (Ethernet with 802.1Q
//! tags, SLL, SLL2, BSD loopback, raw IP, IP in IP); a frame it cannot read
//! decodes without an IP layer, touches no such state, and gets key 0.

use dissect_core::linktype;

use crate::ip::v6::next_header as nh;
use crate::ip::{proto, v6};
use crate::link::vlan::{ETHERTYPE_8021AD, ETHERTYPE_8021Q, ETHERTYPE_QINQ_9100, TAG_LEN};
use crate::link::{ethernet, sll};
use crate::wire::{be16, be32, byte};

/// The EtherTypes the IPv4 and IPv6 dissectors are registered for.
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// The tags the VLAN dissectors read.
const VLAN_TAGS: [u16; 3] = [ETHERTYPE_8021Q, ETHERTYPE_8021AD, ETHERTYPE_QINQ_9100];
/// IP protocols whose payload is another IP header (RFC 2003, RFC 4213).
const IP_IN_IP: [u8; 2] = [proto::IPIP, proto::IPV6];
/// Nesting followed at most, as stacked tags or tunnels.
const MAX_DEPTH: usize = 8;

/// The conversation key of a frame of `linktype`: equal for both directions
/// of an innermost IP address pair; 0 when there is no IP header (which a
/// pair may also give).
pub fn key(linktype: u32, frame: &[u8]) -> u64 {
    let pair = match linktype {
        linktype::ETHERNET => after_ethertype(
            frame,
            ethernet::field_range::TYPE.start,
            ethernet::HEADER_LEN,
        ),
        linktype::LINUX_SLL => {
            after_ethertype(frame, sll::v1_range::PROTOCOL.start, sll::V1_HEADER_LEN)
        }
        linktype::LINUX_SLL2 => {
            after_ethertype(frame, sll::v2_range::PROTOCOL.start, sll::V2_HEADER_LEN)
        }
        linktype::NULL | linktype::LOOP => frame.get(4..).and_then(|ip| ip_pair(ip, 0)),
        // Raw IP, and any other link type: the link-type heuristics may
        // take the frame for IP.
        _ => ip_pair(frame, 0),
    };
    pair.map_or(0, mix)
}

/// The IP pair after an EtherType at `type_at` whose payload starts at
/// `payload_at`, past any VLAN tags.
fn after_ethertype(frame: &[u8], mut type_at: usize, mut payload_at: usize) -> Option<u64> {
    for _ in 0..MAX_DEPTH {
        if frame.len() < type_at + 2 {
            return None;
        }
        match be16(frame, type_at) {
            ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => return ip_pair(frame.get(payload_at..)?, 0),
            // The tag's own EtherType ends it.
            t if VLAN_TAGS.contains(&t) => {
                type_at = payload_at + TAG_LEN - 2;
                payload_at += TAG_LEN;
            }
            _ => return None,
        }
    }
    None
}

/// The innermost address pair of an IPv4 or IPv6 header (by its version),
/// folded so that both directions give the same number.
fn ip_pair(ip: &[u8], depth: usize) -> Option<u64> {
    let inner = |at: usize| match ip.get(at..) {
        Some(rest) if depth < MAX_DEPTH => ip_pair(rest, depth + 1),
        _ => None,
    };
    match byte(ip, 0) >> 4 {
        4 if ip.len() >= 20 => {
            let header_len = usize::from(byte(ip, 0) & 0x0f) * 4;
            // Only a first fragment carries the inner header.
            let first_fragment = be16(ip, 6) & 0x1fff == 0;
            if IP_IN_IP.contains(&byte(ip, 9)) && first_fragment && header_len >= 20 {
                if let Some(pair) = inner(header_len) {
                    return Some(pair);
                }
            }
            let (src, dst) = (be32(ip, 12), be32(ip, 16));
            Some(unordered(src.into(), dst.into()))
        }
        6 if ip.len() >= v6::HEADER_LEN => {
            if let Some(at) = ipv6_upper(ip) {
                if let Some(pair) = inner(at) {
                    return Some(pair);
                }
            }
            let fold = |at: usize| word(ip, at) ^ word(ip, at + 8);
            Some(unordered(fold(8), fold(24)))
        }
        _ => None,
    }
}

/// Where an IP header follows an IPv6 header and its extension headers, if
/// one does.
fn ipv6_upper(ip: &[u8]) -> Option<usize> {
    let (mut next, mut at) = (byte(ip, 6), v6::HEADER_LEN);
    for _ in 0..MAX_DEPTH {
        if IP_IN_IP.contains(&next) {
            return Some(at);
        }
        let len = match next {
            // Hop-by-hop, routing, destination options: 8-octet units.
            nh::HOP_BY_HOP | nh::ROUTING | nh::DEST_OPTIONS => {
                (usize::from(*ip.get(at + 1)?) + 1) * 8
            }
            // A fragment header; a later fragment has no inner header.
            nh::FRAGMENT if be16(ip, at + 2) & 0xfff8 == 0 => 8,
            // Authentication header: 4-octet units.
            nh::AH => (usize::from(*ip.get(at + 1)?) + 2) * 4,
            _ => return None,
        };
        next = *ip.get(at)?;
        at += len;
    }
    None
}

/// Eight bytes at `at` (zeros past the end), as one number.
fn word(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, src) in bytes.iter_mut().zip(data.get(at..).unwrap_or_default()) {
        *b = *src;
    }
    u64::from_be_bytes(bytes)
}

/// A number for an address pair that does not depend on the order.
fn unordered(a: u64, b: u64) -> u64 {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    low.rotate_left(32) ^ high.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Spreads the bits so that the key modulo a small number is even.
fn mix(pair: u64) -> u64 {
    let x = (pair ^ (pair >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::hex;

    /// An Ethernet frame with an IPv4 header from `src` to `dst`.
    fn ether_ipv4(tags: usize, src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut frame = vec![0u8; 12];
        for _ in 0..tags {
            frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
        }
        frame.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0]);
        frame.extend_from_slice(&src);
        frame.extend_from_slice(&dst);
        frame.extend_from_slice(&[0u8; 20]);
        frame
    }

    #[test]
    fn both_directions_share_a_key() {
        let (a, b, c) = ([10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 0, 3]);
        let ab = key(linktype::ETHERNET, &ether_ipv4(0, a, b));
        assert_ne!(ab, 0);
        assert_eq!(ab, key(linktype::ETHERNET, &ether_ipv4(0, b, a)));
        assert_ne!(ab, key(linktype::ETHERNET, &ether_ipv4(0, a, c)));
        // VLAN tags and the link type do not change the conversation.
        assert_eq!(ab, key(linktype::ETHERNET, &ether_ipv4(2, b, a)));
        let raw = ether_ipv4(0, a, b).split_off(14);
        assert_eq!(ab, key(linktype::RAW, &raw));
        assert_eq!(ab, key(linktype::IPV4, &raw));
        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(&raw);
        assert_eq!(ab, key(linktype::NULL, &null));
    }

    #[test]
    fn tunnels_key_by_the_inner_pair() {
        let inner = ether_ipv4(0, [192, 0, 2, 1], [192, 0, 2, 2]).split_off(14);
        let mut outer = ether_ipv4(0, [10, 0, 0, 1], [10, 0, 0, 2]);
        outer.truncate(34);
        outer[23] = 4; // IP in IP
        outer.extend_from_slice(&inner);
        assert_eq!(key(linktype::ETHERNET, &outer), key(linktype::RAW, &inner));
        // IPv6: the fixed header is folded, in both directions alike.
        let v6 = hex(
            "6000000000140640 20010db8000000000000000000000001 20010db8000000000000000000000002",
        );
        let mut back = v6.clone();
        back[8..24].copy_from_slice(&v6[24..40]);
        back[24..40].copy_from_slice(&v6[8..24]);
        assert_ne!(key(linktype::RAW, &v6), 0);
        assert_eq!(key(linktype::RAW, &v6), key(linktype::RAW, &back));
    }

    #[test]
    fn frames_without_ip_have_key_zero() {
        let arp = hex("ffffffffffff 000000000001 0806 0001080006040001");
        assert_eq!(key(linktype::ETHERNET, &arp), 0);
        assert_eq!(key(linktype::ETHERNET, &[]), 0);
        assert_eq!(key(linktype::ETHERNET, &[0x81, 0x00]), 0);
        assert_eq!(key(linktype::LINUX_SLL2, &[0u8; 3]), 0);
        // Cut headers never read past the end.
        for cut in 0..60 {
            let frame = ether_ipv4(1, [1, 2, 3, 4], [5, 6, 7, 8]);
            let _ = key(linktype::ETHERNET, &frame[..cut.min(frame.len())]);
        }
    }
}
