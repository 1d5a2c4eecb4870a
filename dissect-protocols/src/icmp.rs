//! Internet Control Message Protocol (RFC 792).
//!
//! Error messages quote the datagram that caused them; the quote is handed
//! to the `ip` dissector so it decodes as nested layers. tcpdump's one-line
//! text for an error reads the quoted header at fixed offsets, as tcpdump
//! does, rather than printing the nested layers.

use std::fmt::{self, Write};

use dissect_core::{
    field, Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::wire::{array, be16, be32, byte, check_len, Error};

/// Byte ranges of the header, named once: the view and the tree both use them.
pub mod field_range {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
    /// The type-specific word ("rest of header").
    pub const REST: Range<usize> = 4..8;
    /// Echo, timestamp, information and address mask messages.
    pub const IDENT: Range<usize> = 4..6;
    pub const SEQ: Range<usize> = 6..8;
    /// Redirect: the gateway to use.
    pub const GATEWAY: Range<usize> = 4..8;
    /// Parameter problem: the offending octet.
    pub const POINTER: Range<usize> = 4..5;
    /// Destination unreachable, fragmentation needed (RFC 1191).
    pub const MTU: Range<usize> = 6..8;
    /// Address mask reply.
    pub const ADDRESS_MASK: Range<usize> = 8..12;
}
use field_range as f;

pub const HEADER_LEN: usize = 8;

/// Message types (IANA "ICMP Type Numbers").
pub mod kind {
    pub const ECHO_REPLY: u8 = 0;
    pub const UNREACHABLE: u8 = 3;
    pub const SOURCE_QUENCH: u8 = 4;
    pub const REDIRECT: u8 = 5;
    pub const ECHO: u8 = 8;
    pub const ROUTER_ADVERT: u8 = 9;
    pub const ROUTER_SOLICIT: u8 = 10;
    pub const TIME_EXCEEDED: u8 = 11;
    pub const PARAM_PROBLEM: u8 = 12;
    pub const TIMESTAMP: u8 = 13;
    pub const TIMESTAMP_REPLY: u8 = 14;
    pub const INFO_REQUEST: u8 = 15;
    pub const INFO_REPLY: u8 = 16;
    pub const MASK_REQUEST: u8 = 17;
    pub const MASK_REPLY: u8 = 18;
}

/// True for the messages that quote the datagram they are about.
pub fn is_error(icmp_type: u8) -> bool {
    matches!(
        icmp_type,
        kind::UNREACHABLE
            | kind::SOURCE_QUENCH
            | kind::REDIRECT
            | kind::TIME_EXCEEDED
            | kind::PARAM_PROBLEM
    )
}

/// Messages with an identifier and sequence number after the checksum.
fn has_ident(icmp_type: u8) -> bool {
    matches!(
        icmp_type,
        kind::ECHO_REPLY
            | kind::ECHO
            | kind::TIMESTAMP
            | kind::TIMESTAMP_REPLY
            | kind::INFO_REQUEST
            | kind::INFO_REPLY
            | kind::MASK_REQUEST
            | kind::MASK_REPLY
    )
}

/// Typed zero-copy view of an ICMP message.
#[derive(Debug, Clone, Copy)]
pub struct Icmp<'a> {
    data: &'a [u8],
}

impl<'a> Icmp<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Icmp<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(Icmp { data })
    }
    pub fn icmp_type(&self) -> u8 {
        byte(self.data, f::TYPE.start)
    }
    pub fn code(&self) -> u8 {
        byte(self.data, f::CODE.start)
    }
    pub fn checksum(&self) -> u16 {
        be16(self.data, f::CHECKSUM.start)
    }
    /// The four type-specific bytes after the checksum.
    pub fn rest_of_header(&self) -> u32 {
        be32(self.data, f::REST.start)
    }
    pub fn ident(&self) -> u16 {
        be16(self.data, f::IDENT.start)
    }
    pub fn seq(&self) -> u16 {
        be16(self.data, f::SEQ.start)
    }
    /// Everything after the 8-byte header: echo data or the quoted datagram.
    pub fn body(&self) -> &'a [u8] {
        self.data.get(HEADER_LEN..).unwrap_or(&[])
    }
    /// The quoted datagram of an error message.
    pub fn quoted(&self) -> Option<&'a [u8]> {
        is_error(self.icmp_type()).then(|| self.body())
    }
    /// True when the Internet checksum over the message is right (all of it
    /// must be present).
    pub fn checksum_ok(&self) -> bool {
        internet_checksum(self.data) == 0
    }
}

impl Serialize for Icmp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Icmp", 5)?;
        st.serialize_field("type", &self.icmp_type())?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("rest_of_header", &self.rest_of_header())?;
        st.serialize_field("body_len", &self.body().len())?;
        st.end()
    }
}

/// The ones' complement sum of RFC 1071, folded and complemented: 0 over a
/// message whose checksum field is right.
pub fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Wireshark's name for an ICMP type (`icmp.type`).
pub fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        kind::ECHO_REPLY => "Echo (ping) reply",
        kind::UNREACHABLE => "Destination unreachable",
        kind::SOURCE_QUENCH => "Source quench (flow control)",
        kind::REDIRECT => "Redirect",
        kind::ECHO => "Echo (ping) request",
        kind::ROUTER_ADVERT => "Router advertisement",
        kind::ROUTER_SOLICIT => "Router solicitation",
        kind::TIME_EXCEEDED => "Time-to-live exceeded",
        kind::PARAM_PROBLEM => "Parameter problem",
        kind::TIMESTAMP => "Timestamp request",
        kind::TIMESTAMP_REPLY => "Timestamp reply",
        kind::INFO_REQUEST => "Information request",
        kind::INFO_REPLY => "Information reply",
        kind::MASK_REQUEST => "Address mask request",
        kind::MASK_REPLY => "Address mask reply",
        42 => "Extended Echo request",
        43 => "Extended Echo reply",
        _ => return None,
    })
}

fn names_type(v: u64) -> Option<&'static str> {
    type_name(v as u8)
}

fn names_checksum_status(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Bad",
        1 => "Good",
        2 => "Unverified",
        _ => return None,
    })
}

pub static TYPE: FieldDef =
    FieldDef::new("icmp.type", "Type", FieldType::Uint(8)).names(names_type);
pub static CODE: FieldDef = FieldDef::new("icmp.code", "Code", FieldType::Uint(8));
pub static CHECKSUM: FieldDef =
    FieldDef::new("icmp.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static CHECKSUM_STATUS: FieldDef = FieldDef::new(
    "icmp.checksum.status",
    "Checksum Status",
    FieldType::Uint(8),
)
.names(names_checksum_status);
pub static IDENT: FieldDef = FieldDef::new("icmp.ident", "Identifier (BE)", FieldType::Uint(16));
pub static SEQ: FieldDef = FieldDef::new("icmp.seq", "Sequence Number (BE)", FieldType::Uint(16));
pub static DATA_TIME: FieldDef = FieldDef::new(
    "icmp.data_time",
    "Timestamp from icmp data",
    FieldType::AbsTime,
);
pub static DATA_TIME_RELATIVE: FieldDef = FieldDef::new(
    "icmp.data_time_relative",
    "Timestamp from icmp data (relative)",
    FieldType::RelTime,
);
/// RFC 4884: length of the quoted datagram in 32-bit words.
pub static LENGTH: FieldDef = FieldDef::new("icmp.length", "Length", FieldType::Uint(8));
pub static LENGTH_ORIGINAL: FieldDef = FieldDef::new(
    "icmp.length.original_datagram",
    "Length of original datagram",
    FieldType::Uint(16),
);
pub static UNUSED: FieldDef = FieldDef::new("icmp.unused", "Unused", FieldType::Bytes);
pub static MTU: FieldDef = FieldDef::new("icmp.mtu", "MTU of next hop", FieldType::Uint(16));
pub static REDIR_GW: FieldDef = FieldDef::new("icmp.redir_gw", "Gateway address", FieldType::Ipv4);
pub static POINTER: FieldDef = FieldDef::new("icmp.pointer", "Pointer", FieldType::Uint(32));
pub static ADDRESS_MASK: FieldDef =
    FieldDef::new("icmp.address_mask", "Address Mask", FieldType::Ipv4);

#[derive(Debug, Default)]
pub struct IcmpDissector;

impl Dissector for IcmpDissector {
    fn name(&self) -> &'static str {
        "icmp"
    }
    fn full_name(&self) -> &'static str {
        "Internet Control Message Protocol"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if data.len() > f::TYPE.start {
            cx.add(&TYPE, f::TYPE, Value::U64(byte(data, 0).into()));
        }
        if data.len() > f::CODE.start {
            cx.add(&CODE, f::CODE, Value::U64(byte(data, 1).into()));
        }
        if !cx.need(HEADER_LEN, "ICMP header") {
            return Handoff::done(data.len());
        }
        let icmp = Icmp { data };
        let reported = cx.reported_len();
        let quoted = cx
            .previous_layers()
            .iter()
            .any(|l| l.name == "icmp" || l.name == "icmpv6");
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(icmp.checksum().into()));
        // Like Wireshark: no verdict for a cut message or one quoted in an error.
        let status = if data.len() >= reported && !quoted {
            u64::from(icmp.checksum_ok())
        } else {
            2
        };
        cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(status));
        let icmp_type = icmp.icmp_type();
        let body_len = reported - HEADER_LEN;
        // RFC 4884 length of the quoted datagram, in 32-bit words.
        let words = match icmp_type {
            kind::UNREACHABLE | kind::TIME_EXCEEDED | kind::PARAM_PROBLEM => byte(data, 5),
            _ => 0,
        };
        match icmp_type {
            t if has_ident(t) => {
                cx.add(&IDENT, f::IDENT, Value::U64(icmp.ident().into()));
                cx.add(&SEQ, f::SEQ, Value::U64(icmp.seq().into()));
                if t == kind::MASK_REPLY && cx.need(f::ADDRESS_MASK.end, "ICMP address mask") {
                    let mask = array(data, f::ADDRESS_MASK.start);
                    cx.add(&ADDRESS_MASK, f::ADDRESS_MASK, Value::Ipv4(mask));
                }
            }
            kind::REDIRECT => {
                cx.add(&REDIR_GW, f::GATEWAY, Value::Ipv4(array(data, 4)));
            }
            kind::PARAM_PROBLEM => {
                cx.add(&POINTER, f::POINTER, Value::U64(byte(data, 4).into()));
                if words > 0 {
                    add_length(cx, words);
                    cx.add(&UNUSED, 6..8, Value::Bytes);
                } else {
                    cx.add(&UNUSED, 5..8, Value::Bytes);
                }
            }
            kind::UNREACHABLE | kind::TIME_EXCEEDED => {
                let frag_needed = icmp_type == kind::UNREACHABLE && icmp.code() == 4;
                if words > 0 {
                    cx.add(&UNUSED, 4..5, Value::Bytes);
                    add_length(cx, words);
                } else if frag_needed {
                    cx.add(&UNUSED, 4..6, Value::Bytes);
                } else {
                    cx.add(&UNUSED, f::REST, Value::Bytes);
                }
                if frag_needed {
                    cx.add(&MTU, f::MTU, Value::U64(be16(data, f::MTU.start).into()));
                } else if words > 0 {
                    cx.add(&UNUSED, 6..8, Value::Bytes);
                }
            }
            _ => {}
        }
        if is_error(icmp_type) {
            let quoted_len = quoted_datagram_len(data, icmp_type, words, reported);
            return Handoff::to(Next::Named("ip"), HEADER_LEN, quoted_len);
        }
        if (icmp_type == kind::ECHO || icmp_type == kind::ECHO_REPLY) && !quoted {
            if let Some((secs, nanos)) = echo_timestamp(data, cx.frame()) {
                const TS: std::ops::Range<usize> = HEADER_LEN..HEADER_LEN + 8;
                cx.add(&DATA_TIME, TS, Value::Time(secs, nanos));
                let frame = cx.frame();
                let relative = (frame.ts_sec - secs) as f64
                    + (f64::from(frame.ts_nsec) - f64::from(nanos)) / 1e9;
                cx.generated(&DATA_TIME_RELATIVE, TS, Value::F64(relative));
                return Handoff::to(Next::Named("data"), TS.end, reported - TS.end);
            }
        }
        Handoff::to(Next::Named("data"), HEADER_LEN, body_len)
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let bytes = r.bytes();
        let length = crate::tcp::ip_payload_len(r);
        match IcmpText::new(bytes) {
            Some(text) => write!(r, "ICMP {text}, length {length}"),
            None => r.write_str(" [|icmp]"),
        }
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }
}

fn add_length(cx: &mut Context<'_>, words: u8) {
    cx.add(&LENGTH, 5..6, Value::U64(words.into()));
    cx.generated(&LENGTH_ORIGINAL, 5..6, Value::U64(u64::from(words) * 4));
}

/// How much of an error's body Wireshark decodes as the quoted datagram: a
/// redirect quotes the header and 8 bytes; an RFC 4884 length, when it is
/// consistent, bounds the quote (extension objects follow it).
fn quoted_datagram_len(data: &[u8], icmp_type: u8, words: u8, reported: usize) -> usize {
    let rest = reported - HEADER_LEN;
    let quoted_ihl = usize::from(byte(data, HEADER_LEN) & 0x0f) * 4;
    if icmp_type == kind::REDIRECT {
        return (quoted_ihl + 8).min(rest);
    }
    let original = usize::from(words) * 4;
    let quoted_total = usize::from(be16(data, HEADER_LEN + 2));
    if words > 0 && reported > HEADER_LEN + original && quoted_total > original {
        return (quoted_ihl + original).min(rest);
    }
    rest
}

/// The send time many pings put in the first 8 bytes of their data (a
/// `timeval` with 32-bit fields, either byte order), accepted like
/// Wireshark when it is within a day of the capture time.
fn echo_timestamp(data: &[u8], frame: &dissect_core::FrameInfo) -> Option<(i64, u32)> {
    let at = HEADER_LEN;
    if data.len() < at + 8 {
        return None;
    }
    let plausible = |secs: u32, usecs: u32| {
        usecs < 1_000_000 && (i64::from(secs) - frame.ts_sec).abs() < 86_400
    };
    let be = (be32(data, at), be32(data, at + 4));
    let le = (
        u32::from_le_bytes(array(data, at)),
        u32::from_le_bytes(array(data, at + 4)),
    );
    [be, le]
        .into_iter()
        .find(|&(secs, usecs)| plausible(secs, usecs))
        .map(|(secs, usecs)| (i64::from(secs), usecs * 1000))
}

/// tcpdump's description of an ICMP message (the `%s` of `ICMP %s, length %u`),
/// built only when every byte tcpdump reads for it was captured.
struct IcmpText<'a> {
    data: &'a [u8],
}

impl<'a> IcmpText<'a> {
    fn new(data: &'a [u8]) -> Option<IcmpText<'a>> {
        let text = IcmpText { data };
        text.available().then_some(text)
    }

    fn quoted_header_len(&self) -> usize {
        usize::from(byte(self.data, HEADER_LEN) & 0x0f) * 4
    }

    /// Mirrors the reads of tcpdump's `icmp_print`: if one fails it prints
    /// ` [|icmp]` instead of the message.
    fn available(&self) -> bool {
        let d = self.data;
        let has = |n: usize| d.len() >= n;
        // The quoted header's destination address ends at byte 28.
        const QUOTED_DST_END: usize = HEADER_LEN + 20;
        if !has(2) {
            return false;
        }
        match byte(d, 0) {
            kind::ECHO | kind::ECHO_REPLY | kind::TIMESTAMP => has(8),
            kind::UNREACHABLE => match byte(d, 1) {
                3 => {
                    has(HEADER_LEN + 10)
                        && has(HEADER_LEN + self.quoted_header_len() + 4)
                        && has(QUOTED_DST_END)
                }
                _ => has(QUOTED_DST_END),
            },
            kind::REDIRECT | kind::TIME_EXCEEDED => has(QUOTED_DST_END),
            kind::ROUTER_ADVERT => {
                if !has(8) {
                    return false;
                }
                let entries = usize::from(byte(d, 4));
                byte(d, 5) != 2 || has(HEADER_LEN + entries * 8)
            }
            kind::PARAM_PROBLEM => byte(d, 1) != 0 || has(5),
            kind::MASK_REPLY => has(12),
            kind::TIMESTAMP_REPLY => has(20),
            _ => true,
        }
    }
}

impl fmt::Display for IcmpText<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.data;
        let (icmp_type, code) = (byte(d, 0), byte(d, 1));
        let quoted_dst = Ipv4Text(array(d, HEADER_LEN + 16));
        match icmp_type {
            kind::ECHO | kind::ECHO_REPLY => {
                let which = if icmp_type == kind::ECHO {
                    "request"
                } else {
                    "reply"
                };
                write!(out, "echo {which}, id {}, seq {}", be16(d, 4), be16(d, 6))
            }
            kind::UNREACHABLE => match code {
                0 => write!(out, "net {quoted_dst} unreachable"),
                1 => write!(out, "host {quoted_dst} unreachable"),
                2 => write!(
                    out,
                    "{quoted_dst} protocol {} unreachable",
                    byte(d, HEADER_LEN + 9)
                ),
                3 => {
                    let dport = be16(d, HEADER_LEN + self.quoted_header_len() + 2);
                    match byte(d, HEADER_LEN + 9) {
                        6 => write!(out, "{quoted_dst} tcp port {dport} unreachable"),
                        17 => write!(out, "{quoted_dst} udp port {dport} unreachable"),
                        proto => write!(
                            out,
                            "{quoted_dst} protocol {proto} port {dport} unreachable"
                        ),
                    }
                }
                4 => match be16(d, 6) {
                    0 => write!(out, "{quoted_dst} unreachable - need to frag"),
                    mtu => write!(out, "{quoted_dst} unreachable - need to frag (mtu {mtu})"),
                },
                5 => write!(out, "{quoted_dst} unreachable - source route failed"),
                6 => write!(out, "net {quoted_dst} unreachable - unknown"),
                7 => write!(out, "host {quoted_dst} unreachable - unknown"),
                8 => write!(out, "{quoted_dst} unreachable - source host isolated"),
                9 => write!(out, "net {quoted_dst} unreachable - admin prohibited"),
                10 => write!(out, "host {quoted_dst} unreachable - admin prohibited"),
                11 => write!(out, "net {quoted_dst} unreachable - tos prohibited"),
                12 => write!(out, "host {quoted_dst} unreachable - tos prohibited"),
                13 => write!(
                    out,
                    "host {quoted_dst} unreachable - admin prohibited filter"
                ),
                14 => write!(
                    out,
                    "host {quoted_dst} unreachable - host precedence violation"
                ),
                15 => write!(out, "host {quoted_dst} unreachable - precedence cutoff"),
                _ => write!(out, "{quoted_dst} unreachable - #{code}"),
            },
            kind::REDIRECT => {
                let gateway = Ipv4Text(array(d, 4));
                match code {
                    0 => write!(out, "redirect {quoted_dst} to net {gateway}"),
                    1 => write!(out, "redirect {quoted_dst} to host {gateway}"),
                    2 => write!(out, "redirect-tos {quoted_dst} to net {gateway}"),
                    3 => write!(out, "redirect-tos {quoted_dst} to host {gateway}"),
                    _ => write!(out, "redirect-#{code} {quoted_dst} to {gateway}"),
                }
            }
            kind::ROUTER_ADVERT => {
                out.write_str("router advertisement lifetime ")?;
                let lifetime = u32::from(be16(d, 6));
                if lifetime < 60 {
                    write!(out, "{lifetime}")?;
                } else if lifetime < 3600 {
                    write!(out, "{}:{:02}", lifetime / 60, lifetime % 60)?;
                } else {
                    write!(
                        out,
                        "{}:{:02}:{:02}",
                        lifetime / 3600,
                        lifetime % 3600 / 60,
                        lifetime % 60
                    )?;
                }
                let entries = usize::from(byte(d, 4));
                write!(out, " {entries}:")?;
                let size = byte(d, 5);
                if size != 2 {
                    return write!(out, " [size {size}]");
                }
                for i in 0..entries {
                    let at = HEADER_LEN + i * 8;
                    write!(out, " {{{} {}}}", Ipv4Text(array(d, at)), be32(d, at + 4))?;
                }
                Ok(())
            }
            kind::TIME_EXCEEDED => match code {
                0 => out.write_str("time exceeded in-transit"),
                1 => out.write_str("ip reassembly time exceeded"),
                _ => write!(out, "time exceeded-#{code}"),
            },
            kind::PARAM_PROBLEM => match code {
                0 => write!(out, "parameter problem - octet {}", byte(d, 4)),
                _ => write!(out, "parameter problem - code {code}"),
            },
            kind::MASK_REPLY => write!(out, "address mask is 0x{:08x}", be32(d, 8)),
            kind::TIMESTAMP => write!(out, "time stamp query id {} seq {}", be16(d, 4), be16(d, 6)),
            kind::TIMESTAMP_REPLY => write!(
                out,
                "time stamp reply id {} seq {}: org {}, recv {}, xmit {}",
                be16(d, 4),
                be16(d, 6),
                MsOfDay(be32(d, 8)),
                MsOfDay(be32(d, 12)),
                MsOfDay(be32(d, 16))
            ),
            kind::SOURCE_QUENCH => out.write_str("source quench"),
            kind::ROUTER_SOLICIT => out.write_str("router solicitation"),
            kind::INFO_REQUEST => out.write_str("information request"),
            kind::INFO_REPLY => out.write_str("information reply"),
            kind::MASK_REQUEST => out.write_str("address mask request"),
            _ => write!(out, "type-#{icmp_type}"),
        }
    }
}

struct Ipv4Text([u8; 4]);

impl fmt::Display for Ipv4Text {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        field::write_ipv4(&self.0, out)
    }
}

/// Milliseconds since midnight UTC as tcpdump prints ICMP timestamps.
struct MsOfDay(u32);

impl fmt::Display for MsOfDay {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 % 1000;
        let secs = self.0 / 1000;
        let (hours, mins, secs) = (secs / 3600, secs / 60 % 60, secs % 60);
        write!(out, "{hours:02}:{mins:02}:{secs:02}.{ms:03}")
    }
}

pub fn register(registry: &mut dissect_core::Registry) {
    registry.register(Table::IP_PROTO, 1, IcmpDissector);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(data: &[u8]) -> Option<String> {
        IcmpText::new(data).map(|t| t.to_string())
    }

    #[test]
    fn view_and_checksum() {
        let mut echo = vec![8, 0, 0, 0, 0x04, 0xca, 0, 1, 0xde, 0xad];
        let sum = internet_checksum(&echo);
        echo[2..4].copy_from_slice(&sum.to_be_bytes());
        let icmp = Icmp::parse(&echo).unwrap();
        assert_eq!(icmp.icmp_type(), kind::ECHO);
        assert_eq!((icmp.ident(), icmp.seq()), (1226, 1));
        assert!(icmp.checksum_ok());
        assert_eq!(icmp.body(), &[0xde, 0xad]);
        assert!(icmp.quoted().is_none());
        echo[9] ^= 1;
        assert!(!Icmp::parse(&echo).unwrap().checksum_ok());
        assert!(Icmp::parse(&echo[..7]).is_err());
    }

    #[test]
    fn echo_text() {
        let echo = [8, 0, 0, 0, 0, 8, 0, 1];
        assert_eq!(text(&echo).unwrap(), "echo request, id 8, seq 1");
        assert_eq!(text(&echo[..7]), None);
    }

    /// Port unreachable quoting a UDP datagram from 10.0.0.1 to 10.0.0.2:123.
    fn port_unreachable() -> Vec<u8> {
        let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
        m.extend([
            0x45, 0, 0, 76, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        m.extend([0x04, 0xd2, 0, 123, 0, 56, 0, 0]);
        m
    }

    #[test]
    fn unreachable_text() {
        let m = port_unreachable();
        assert_eq!(text(&m).unwrap(), "10.0.0.2 udp port 123 unreachable");
        let mut tcp = m.clone();
        tcp[HEADER_LEN + 9] = 6;
        assert_eq!(text(&tcp).unwrap(), "10.0.0.2 tcp port 123 unreachable");
        let mut net = m.clone();
        net[1] = 0;
        assert_eq!(text(&net).unwrap(), "net 10.0.0.2 unreachable");
        let mut frag = m.clone();
        frag[1] = 4;
        frag[6..8].copy_from_slice(&1400u16.to_be_bytes());
        assert_eq!(
            text(&frag).unwrap(),
            "10.0.0.2 unreachable - need to frag (mtu 1400)"
        );
        // No quoted header at all: tcpdump prints [|icmp].
        assert_eq!(text(&m[..8]), None);
        // The UDP ports cut off.
        assert_eq!(text(&m[..29]), None);
    }

    #[test]
    fn other_texts() {
        let mut m = port_unreachable();
        m[0] = kind::TIME_EXCEEDED;
        m[1] = 0;
        assert_eq!(text(&m).unwrap(), "time exceeded in-transit");
        m[0] = kind::REDIRECT;
        m[1] = 1;
        m[4..8].copy_from_slice(&[10, 0, 0, 254]);
        assert_eq!(text(&m).unwrap(), "redirect 10.0.0.2 to host 10.0.0.254");
        assert_eq!(text(&[42, 0, 0, 0]).unwrap(), "type-#42");
        assert_eq!(
            text(&[12, 0, 0, 0, 9]).unwrap(),
            "parameter problem - octet 9"
        );
        let reply = [
            14, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 5, 0, 0x52, 0x65, 0xc0, 0, 0, 0, 0,
        ];
        assert_eq!(
            text(&reply).unwrap(),
            "time stamp reply id 1 seq 2: org 00:00:00.005, recv 01:30:00.000, xmit 00:00:00.000"
        );
        let advert = [9, 0, 0, 0, 1, 2, 0x07, 0x08, 10, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(
            text(&advert).unwrap(),
            "router advertisement lifetime 30:00 1: {10.0.0.1 0}"
        );
    }
}

#[cfg(test)]
mod dissector_tests {
    use crate::tcp::test_frames::{ipv4, run, status, value};
    use dissect_core::Status;

    #[test]
    fn echo_line() {
        let mut echo = vec![8, 0, 0, 0, 0, 8, 0, 1];
        echo.extend([0xab; 56]);
        let sum = super::internet_checksum(&echo);
        echo[2..4].copy_from_slice(&sum.to_be_bytes());
        let out = run(&[(ipv4(1, &echo, 0), None)]);
        assert_eq!(
            out[0].0,
            "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 8, seq 1, length 64"
        );
        assert_eq!(value(&out[0].1, "icmp.checksum.status"), Some(1));
        assert_eq!(value(&out[0].1, "icmp.ident"), Some(8));
        assert!(out[0].1.layer("data").is_some());
    }

    #[test]
    fn unreachable_quotes_nested_layers() {
        let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
        m.extend([
            0x45, 0, 0, 76, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
        ]);
        m.extend([0x04, 0xd2, 0, 123, 0, 56, 0, 0]);
        let out = run(&[(ipv4(1, &m, 0), None)]);
        assert_eq!(
            out[0].0,
            "IP 10.0.0.1 > 10.0.0.2: ICMP 10.0.0.1 udp port 123 unreachable, length 36"
        );
        let names: Vec<_> = out[0].1.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["eth", "ip", "icmp", "ip", "udp"]);
    }

    #[test]
    fn truncated_header() {
        let out = run(&[(ipv4(1, &[3, 0, 0, 0, 0, 0, 0, 0], 0), Some(34 + 4))]);
        assert_eq!(out[0].0, "IP 10.0.0.1 > 10.0.0.2:  [|icmp]");
        assert!(matches!(
            status(&out[0].1, "icmp"),
            Some(Status::Truncated { .. })
        ));
    }
}
