//! The network layer: IPv4, IPv6 (with its extension headers), IPsec's AH
//! and ESP, and what the layers above the IP header share: the protocol
//! numbers, the payload length tcpdump's transport printers are handed, and
//! the `SRC.PORT > DST.PORT: ` start of the line.

use std::fmt::{self, Write};

use dissect_core::{field, Render};

pub mod addr;
pub mod ipsec;
pub mod v4;
pub mod v6;

/// IP protocol numbers the IP layers treat specially.
pub mod proto {
    pub const ICMP: u8 = 1;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const DCCP: u8 = 33;
    pub const IPV6: u8 = 41;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const SCTP: u8 = 132;
}

/// True for LINKTYPE_IPV4 and LINKTYPE_IPV6: frames with no link layer,
/// which go straight to `ip` and `ipv6` (the version nibble decides) and
/// which tcpdump prints through its raw IP printer (`ip: ` with -e).
pub fn is_ip_linktype(linktype: u32) -> bool {
    linktype == dissect_core::linktype::IPV4 || linktype == dissect_core::linktype::IPV6
}

/// For the raw IP link types, tcpdump's raw printer: `ip: ` with -e, and
/// `unknown ip N` for a version that is neither 4 nor 6. Returns true when
/// that was the whole text.
pub(crate) fn write_raw_link_header(r: &mut Render<'_>) -> bool {
    if r.index != 0 || !is_ip_linktype(r.packet.frame.linktype) {
        return false;
    }
    if r.options.link_header {
        r.text("ip: ");
    }
    let version = r.bytes().first().map_or(0, |b| b >> 4);
    if version != 4 && version != 6 {
        r.text("unknown ip ");
        r.number(version);
        return true;
    }
    false
}

/// TCP, UDP, SCTP and DCCP print the addresses themselves, with the ports.
pub(crate) fn is_port_protocol(protocol: u8) -> bool {
    matches!(
        protocol,
        proto::TCP | proto::UDP | proto::SCTP | proto::DCCP
    )
}

/// The payload length tcpdump hands to the transport printers: what the
/// enclosing IP header declares, even when the frame is shorter
/// (`truncated-ip - N bytes missing!`). Falls back to the layer's length.
pub(crate) fn ip_payload_len(r: &Render<'_>) -> u32 {
    let own = r.layer();
    let fallback = own.reported_len;
    let Some(ip) = r.index.checked_sub(1).and_then(|i| r.packet.layers.get(i)) else {
        return fallback;
    };
    let header = r.packet.layer_bytes(ip);
    let total = match ip.name {
        // A zero total length comes from TCP segmentation offload: the
        // datagram is the rest of the frame (as the IPv4 layer reads it).
        "ip" => be16_at(header, 2).map(|len| match len {
            0 => u64::from(ip.reported_len),
            len => len,
        }),
        // A zero payload length is a jumbogram: the layer length is right.
        "ipv6" => be16_at(header, 4)
            .filter(|&plen| plen != 0)
            .map(|plen| plen + 40),
        _ => None,
    };
    let header = u64::from(own.offset.saturating_sub(ip.offset));
    match total.and_then(|total| total.checked_sub(header)) {
        Some(len) => u32::try_from(len).unwrap_or(fallback),
        None => fallback,
    }
}

/// The 16-bit big-endian number at `at`, if both bytes are there.
fn be16_at(bytes: &[u8], at: usize) -> Option<u64> {
    match bytes.get(at..at + 2)? {
        &[hi, lo] => Some(u64::from(u16::from_be_bytes([hi, lo]))),
        _ => None,
    }
}

/// The network addresses the upper layer's line starts with.
#[derive(Clone, Copy)]
pub(crate) enum Addresses {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

impl Addresses {
    fn write_one(&self, out: &mut impl Write, src: bool) -> fmt::Result {
        match *self {
            Addresses::V4(s, d) => field::write_ipv4(if src { &s } else { &d }, out),
            Addresses::V6(s, d) => field::write_ipv6(if src { &s } else { &d }, out),
        }
    }
}

/// Prints what follows the network header on tcpdump's line: the
/// transport's `SRC.SPORT > DST.DPORT: ` (addresses only when `full`, that
/// is when the IP header itself names the transport), the next layer's
/// own text, or tcpdump's text for a protocol nobody decoded.
/// `payload_len` is the payload length the IP header declares.
pub(crate) fn render_upper(
    r: &mut Render<'_>,
    protocol: u8,
    full: bool,
    addresses: Addresses,
    payload_len: usize,
) -> fmt::Result {
    let next = r.next_layer().filter(|l| l.name != "data");
    let Some(layer) = next else {
        return render_undecoded(r, protocol, full, addresses, payload_len);
    };
    let transport = layer.name;
    if transport != "tcp" && transport != "udp" {
        return r.next();
    }
    // Both headers open with the two ports, as 16-bit big-endian numbers.
    let header = r.packet.layer_bytes(layer);
    let sport = be16_at(header, 0);
    let dport = be16_at(header, 2);
    match (sport, dport) {
        (Some(sport), Some(dport)) => {
            if full {
                addresses.write_one(r, true)?;
                r.write_char('.')?;
                field::write_decimal(r, sport)?;
                r.write_str(" > ")?;
                addresses.write_one(r, false)?;
                r.write_char('.')?;
                field::write_decimal(r, dport)?;
                r.write_str(": ")?;
            } else {
                write!(r, "{sport} > {dport}: ")?;
            }
        }
        // The ports were cut: tcpdump prints the addresses (TCP without
        // the trailing space) and the transport adds its `[|tcp]`.
        _ => {
            if transport == "tcp" || full {
                addresses.write_one(r, true)?;
                r.write_str(" > ")?;
                addresses.write_one(r, false)?;
                r.write_str(if transport == "tcp" { ":" } else { ": " })?;
            }
        }
    }
    r.next()
}

/// tcpdump's text for a payload no dissector claimed (`ip_demux_print`'s
/// default branch), or for a transport header with no bytes at all.
fn render_undecoded(
    r: &mut Render<'_>,
    protocol: u8,
    full: bool,
    addresses: Addresses,
    payload_len: usize,
) -> fmt::Result {
    match protocol {
        proto::TCP | proto::UDP if r.next_layer().is_none() => {
            if protocol == proto::TCP || full {
                addresses.write_one(r, true)?;
                r.write_str(" > ")?;
                addresses.write_one(r, false)?;
            }
            if protocol == proto::TCP {
                r.write_str(": [|tcp]")
            } else {
                r.write_str(if full { ":  [|udp]" } else { " [|udp]" })
            }
        }
        proto::NO_NEXT_HEADER => r.write_str("no next header"),
        _ => write!(r, " ip-proto-{protocol} {payload_len}"),
    }
}
