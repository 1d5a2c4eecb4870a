//! Internet Control Message Protocol for IPv6 (RFC 4443), with the fixed
//! parts of Neighbor Discovery (RFC 4861) and MLD (RFC 2710, RFC 3810).
//!
//! Error messages quote the packet that caused them; the quote is handed to
//! the `ipv6` dissector. ND options are not decoded yet.

use std::fmt::{self, Write};
use std::net::Ipv4Addr;

use dissect_core::field::Ipv6Text;

use dissect_core::{
    Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::netaddr::NetAddrs;
use crate::wire::{array, be16, be32, byte, check_len, Error};

/// Byte ranges of the header and the fixed message parts, named once.
pub mod field_range {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
    /// Errors: reserved, MTU (packet too big) or pointer (parameter problem).
    pub const REST: Range<usize> = 4..8;
    pub const ECHO_ID: Range<usize> = 4..6;
    pub const ECHO_SEQ: Range<usize> = 6..8;
    /// Neighbor solicitation/advertisement and redirect target.
    pub const TARGET: Range<usize> = 8..24;
    /// Redirect destination.
    pub const REDIRECT_DST: Range<usize> = 24..40;
    pub const MLD_DELAY: Range<usize> = 4..6;
    pub const MLD_RESERVED: Range<usize> = 6..8;
    pub const MLD_ADDRESS: Range<usize> = 8..24;
    pub const RA_HOP_LIMIT: Range<usize> = 4..5;
    pub const RA_FLAGS: Range<usize> = 5..6;
    pub const RA_LIFETIME: Range<usize> = 6..8;
    pub const RA_REACHABLE: Range<usize> = 8..12;
    pub const RA_RETRANS: Range<usize> = 12..16;
}
use field_range as f;

/// Type, code and checksum.
pub const HEADER_LEN: usize = 4;
/// Where the quoted packet of an error message starts.
pub const QUOTE_OFFSET: usize = 8;

/// Message types (IANA "ICMPv6 Type Numbers").
pub mod kind {
    pub const DST_UNREACH: u8 = 1;
    pub const PACKET_TOO_BIG: u8 = 2;
    pub const TIME_EXCEEDED: u8 = 3;
    pub const PARAM_PROBLEM: u8 = 4;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const MLD_QUERY: u8 = 130;
    pub const MLD_REPORT: u8 = 131;
    pub const MLD_DONE: u8 = 132;
    pub const ROUTER_SOLICIT: u8 = 133;
    pub const ROUTER_ADVERT: u8 = 134;
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    pub const NEIGHBOR_ADVERT: u8 = 136;
    pub const REDIRECT: u8 = 137;
    pub const ROUTER_RENUMBERING: u8 = 138;
    pub const NODE_INFO_QUERY: u8 = 139;
    pub const NODE_INFO_REPLY: u8 = 140;
    pub const INV_NEIGHBOR_SOLICIT: u8 = 141;
    pub const INV_NEIGHBOR_ADVERT: u8 = 142;
    pub const MLD2_REPORT: u8 = 143;
    pub const HA_DISCOVERY_REQUEST: u8 = 144;
    pub const HA_DISCOVERY_REPLY: u8 = 145;
    pub const MOBILE_PREFIX_SOLICIT: u8 = 146;
    pub const MOBILE_PREFIX_ADVERT: u8 = 147;
    pub const RPL: u8 = 155;
}

/// True for the error messages (types below 128), which quote a packet.
pub fn is_error(icmp_type: u8) -> bool {
    (kind::DST_UNREACH..=kind::PARAM_PROBLEM).contains(&icmp_type)
}

/// Typed zero-copy view of an ICMPv6 message.
#[derive(Debug, Clone, Copy)]
pub struct Icmpv6<'a> {
    data: &'a [u8],
}

impl<'a> Icmpv6<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Icmpv6<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(Icmpv6 { data })
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
    /// The message body after type, code and checksum.
    pub fn body(&self) -> &'a [u8] {
        self.data.get(HEADER_LEN..).unwrap_or(&[])
    }
    /// Echo identifier and sequence number, for echo messages.
    pub fn echo(&self) -> Option<(u16, u16)> {
        let t = self.icmp_type();
        let echo = t == kind::ECHO_REQUEST || t == kind::ECHO_REPLY;
        (echo && self.data.len() >= f::ECHO_SEQ.end)
            .then(|| (be16(self.data, 4), be16(self.data, 6)))
    }
    /// The target address of a neighbor solicitation or advertisement.
    pub fn nd_target(&self) -> Option<[u8; 16]> {
        let t = self.icmp_type();
        let nd = t == kind::NEIGHBOR_SOLICIT || t == kind::NEIGHBOR_ADVERT;
        (nd && self.data.len() >= f::TARGET.end).then(|| array(self.data, f::TARGET.start))
    }
    /// The quoted packet of an error message.
    pub fn quoted(&self) -> Option<&'a [u8]> {
        is_error(self.icmp_type()).then(|| self.data.get(QUOTE_OFFSET..).unwrap_or(&[]))
    }
    /// The checksum over the IPv6 pseudo-header and the whole message.
    pub fn checksum_ok(&self, src: &[u8; 16], dst: &[u8; 16]) -> bool {
        pseudo_header_checksum(src, dst, self.data) == 0
    }
}

impl Serialize for Icmpv6<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Icmpv6", 4)?;
        st.serialize_field("type", &self.icmp_type())?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("body_len", &self.body().len())?;
        st.end()
    }
}

/// RFC 1071 sum over the IPv6 pseudo-header (RFC 8200 §8.1) and `message`:
/// 0 when the checksum field is right.
pub fn pseudo_header_checksum(src: &[u8; 16], dst: &[u8; 16], message: &[u8]) -> u16 {
    fn add(sum: &mut u64, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(2);
        for pair in &mut chunks {
            *sum += u64::from(u16::from_be_bytes([pair[0], pair[1]]));
        }
        if let [last] = chunks.remainder() {
            *sum += u64::from(*last) << 8;
        }
    }
    let mut sum = 0u64;
    add(&mut sum, src);
    add(&mut sum, dst);
    let len = message.len() as u32;
    add(&mut sum, &len.to_be_bytes());
    add(&mut sum, &[0, 0, 0, 58]);
    add(&mut sum, message);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Wireshark's name for an ICMPv6 type (`icmpv6.type`).
pub fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        kind::DST_UNREACH => "Destination Unreachable",
        kind::PACKET_TOO_BIG => "Packet Too Big",
        kind::TIME_EXCEEDED => "Time Exceeded",
        kind::PARAM_PROBLEM => "Parameter Problem",
        kind::ECHO_REQUEST => "Echo (ping) request",
        kind::ECHO_REPLY => "Echo (ping) reply",
        kind::MLD_QUERY => "Multicast Listener Query",
        kind::MLD_REPORT => "Multicast Listener Report",
        kind::MLD_DONE => "Multicast Listener Done",
        kind::ROUTER_SOLICIT => "Router Solicitation",
        kind::ROUTER_ADVERT => "Router Advertisement",
        kind::NEIGHBOR_SOLICIT => "Neighbor Solicitation",
        kind::NEIGHBOR_ADVERT => "Neighbor Advertisement",
        kind::REDIRECT => "Redirect",
        kind::ROUTER_RENUMBERING => "Router Renumbering",
        kind::NODE_INFO_QUERY => "Node Information Query",
        kind::NODE_INFO_REPLY => "Node Information Reply",
        kind::INV_NEIGHBOR_SOLICIT => "Inverse Neighbor Discovery Solicitation Message",
        kind::INV_NEIGHBOR_ADVERT => "Inverse Neighbor Discovery Advertisement Message",
        kind::MLD2_REPORT => "Multicast Listener Report Message v2",
        kind::HA_DISCOVERY_REQUEST => "Home Agent Address Discovery Request Message",
        kind::HA_DISCOVERY_REPLY => "Home Agent Address Discovery Reply Message",
        kind::MOBILE_PREFIX_SOLICIT => "Mobile Prefix Solicitation",
        kind::MOBILE_PREFIX_ADVERT => "Mobile Prefix Advertisement",
        kind::RPL => "RPL Control",
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

fn names_set(v: u64) -> Option<&'static str> {
    Some(if v != 0 { "Set" } else { "Not set" })
}

const fn flag(abbrev: &'static str, name: &'static str, ftype: FieldType, mask: u64) -> FieldDef {
    FieldDef::new(abbrev, name, ftype).mask(mask)
}

pub static TYPE: FieldDef =
    FieldDef::new("icmpv6.type", "Type", FieldType::Uint(8)).names(names_type);
pub static CODE: FieldDef = FieldDef::new("icmpv6.code", "Code", FieldType::Uint(8));
pub static CHECKSUM: FieldDef =
    FieldDef::new("icmpv6.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static CHECKSUM_STATUS: FieldDef = FieldDef::new(
    "icmpv6.checksum.status",
    "Checksum Status",
    FieldType::Uint(8),
)
.names(names_checksum_status);
pub static RESERVED: FieldDef = FieldDef::new("icmpv6.reserved", "Reserved", FieldType::Bytes);
pub static MTU: FieldDef = FieldDef::new("icmpv6.mtu", "MTU", FieldType::Uint(32));
pub static POINTER: FieldDef = FieldDef::new("icmpv6.pointer", "Pointer", FieldType::Uint(32));
pub static ECHO_ID: FieldDef =
    FieldDef::new("icmpv6.echo.identifier", "Identifier", FieldType::Uint(16)).base(Base::Hex);
pub static ECHO_SEQ: FieldDef = FieldDef::new(
    "icmpv6.echo.sequence_number",
    "Sequence",
    FieldType::Uint(16),
);
pub static NS_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.ns.target_address",
    "Target Address",
    FieldType::Ipv6,
);
pub static NA_FLAG: FieldDef =
    FieldDef::new("icmpv6.nd.na.flag", "Flags", FieldType::Uint(32)).base(Base::Hex);
pub static NA_FLAG_R: FieldDef = flag(
    "icmpv6.nd.na.flag.r",
    "Router",
    FieldType::Bool,
    0x8000_0000,
)
.names(names_set);
pub static NA_FLAG_S: FieldDef = flag(
    "icmpv6.nd.na.flag.s",
    "Solicited",
    FieldType::Bool,
    0x4000_0000,
)
.names(names_set);
pub static NA_FLAG_O: FieldDef = flag(
    "icmpv6.nd.na.flag.o",
    "Override",
    FieldType::Bool,
    0x2000_0000,
)
.names(names_set);
pub static NA_FLAG_RSV: FieldDef = flag(
    "icmpv6.nd.na.flag.rsv",
    "Reserved",
    FieldType::Uint(32),
    0x1fff_ffff,
);
pub static NA_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.na.target_address",
    "Target Address",
    FieldType::Ipv6,
);
pub static RA_HOP_LIMIT: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.cur_hop_limit",
    "Cur hop limit",
    FieldType::Uint(8),
);
pub static RA_FLAG: FieldDef =
    FieldDef::new("icmpv6.nd.ra.flag", "Flags", FieldType::Uint(8)).base(Base::Hex);
pub static RA_FLAG_M: FieldDef = flag(
    "icmpv6.nd.ra.flag.m",
    "Managed address configuration",
    FieldType::Bool,
    0x80,
)
.names(names_set);
pub static RA_FLAG_O: FieldDef = flag(
    "icmpv6.nd.ra.flag.o",
    "Other configuration",
    FieldType::Bool,
    0x40,
)
.names(names_set);
pub static RA_FLAG_H: FieldDef =
    flag("icmpv6.nd.ra.flag.h", "Home Agent", FieldType::Bool, 0x20).names(names_set);
pub static RA_FLAG_PRF: FieldDef = flag(
    "icmpv6.nd.ra.flag.prf",
    "Prf (Default Router Preference)",
    FieldType::Uint(8),
    0x18,
);
pub static RA_FLAG_P: FieldDef =
    flag("icmpv6.nd.ra.flag.p", "ND Proxy", FieldType::Bool, 0x04).names(names_set);
pub static RA_FLAG_RSV: FieldDef = flag(
    "icmpv6.nd.ra.flag.rsv",
    "Reserved",
    FieldType::Uint(8),
    0x03,
);
pub static RA_LIFETIME: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.router_lifetime",
    "Router lifetime (s)",
    FieldType::Uint(16),
);
pub static RA_REACHABLE: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.reachable_time",
    "Reachable time (ms)",
    FieldType::Uint(32),
);
pub static RA_RETRANS: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.retrans_timer",
    "Retrans timer (ms)",
    FieldType::Uint(32),
);
pub static RD_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.rd.target_address",
    "Target Address",
    FieldType::Ipv6,
);
/// Wireshark's abbreviation really is `rd.na` here.
pub static RD_DESTINATION: FieldDef = FieldDef::new(
    "icmpv6.rd.na.destination_address",
    "Destination Address",
    FieldType::Ipv6,
);
pub static MLD_DELAY: FieldDef = FieldDef::new(
    "icmpv6.mld.maximum_response_delay",
    "Maximum Response Delay [ms]",
    FieldType::Uint(16),
);
pub static MLD_CODE: FieldDef = FieldDef::new(
    "icmpv6.mld.maximum_response_code",
    "Maximum Response Code",
    FieldType::Uint(16),
);
pub static MLD_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.mld.multicast_address",
    "Multicast Address",
    FieldType::Ipv6,
);
pub static MLDR_RECORDS: FieldDef = FieldDef::new(
    "icmpv6.mldr.nb_mcast_records",
    "Number of Multicast Address Records",
    FieldType::Uint(16),
);

#[derive(Debug, Default)]
pub struct Icmpv6Dissector;

/// The pseudo-header addresses of the IPv6 layer that carries this message:
/// its source, and the final destination (the last hop of a routing
/// header that still has segments left, RFC 8200 §8.1).
fn ipv6_addresses(cx: &Context<'_>) -> Option<([u8; 16], [u8; 16])> {
    let addrs = NetAddrs::of(cx).filter(|a| a.v6)?;
    let (src, dst) = (addrs.src, addrs.dst);
    let (layer, _) = cx.previous("ipv6")?;
    let packet = cx.packet_data();
    let start = layer.offset as usize;
    let end = (start + layer.header_len as usize).min(packet.len());
    let header = packet.get(start..end).unwrap_or(&[]);
    Some((src, routing_final_destination(header).unwrap_or(dst)))
}

/// Walks an IPv6 header and its extension headers to a routing header with
/// segments left, and returns the address the packet is finally going to.
fn routing_final_destination(header: &[u8]) -> Option<[u8; 16]> {
    let mut next = *header.get(6)?;
    let mut at = 40;
    while at < header.len() {
        let len_byte = usize::from(*header.get(at + 1)?);
        let following = *header.get(at)?;
        match next {
            0 | 60 => at += (len_byte + 1) * 8,
            43 => {
                let (kind, segments_left) = (*header.get(at + 2)?, *header.get(at + 3)?);
                if segments_left > 0 {
                    return match kind {
                        // Type 0 and 2 list the hops in order: the last is the destination.
                        0 | 2 if len_byte >= 2 => {
                            let last = at + 8 + (len_byte / 2 - 1) * 16;
                            header.get(last..last + 16).map(|_| array(header, last))
                        }
                        // The segment routing header lists them backwards.
                        4 => header.get(at + 8..at + 24).map(|_| array(header, at + 8)),
                        _ => None,
                    };
                }
                at += (len_byte + 1) * 8;
            }
            44 => at += 8,
            51 => at += (len_byte + 2) * 4,
            _ => return None,
        }
        next = following;
    }
    None
}

impl Dissector for Icmpv6Dissector {
    fn name(&self) -> &'static str {
        "icmpv6"
    }
    fn full_name(&self) -> &'static str {
        "Internet Control Message Protocol v6"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !data.is_empty() {
            cx.add(&TYPE, f::TYPE, Value::U64(byte(data, 0).into()));
        }
        if data.len() > f::CODE.start {
            cx.add(&CODE, f::CODE, Value::U64(byte(data, 1).into()));
        }
        if !cx.need(HEADER_LEN, "ICMPv6 header") {
            return Handoff::done(data.len());
        }
        let icmp = Icmpv6 { data };
        let reported = cx.reported_len();
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(icmp.checksum().into()));
        let status = match ipv6_addresses(cx) {
            Some((src, dst)) if data.len() >= reported => u64::from(icmp.checksum_ok(&src, &dst)),
            _ => 2,
        };
        cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(status));
        let icmp_type = icmp.icmp_type();
        match icmp_type {
            kind::DST_UNREACH | kind::TIME_EXCEEDED => cx.add(&RESERVED, f::REST, Value::Bytes),
            kind::PACKET_TOO_BIG => cx.add(&MTU, f::REST, Value::U64(be32(data, 4).into())),
            kind::PARAM_PROBLEM => cx.add(&POINTER, f::REST, Value::U64(be32(data, 4).into())),
            kind::ECHO_REQUEST | kind::ECHO_REPLY => {
                if cx.need(f::ECHO_SEQ.end, "ICMPv6 echo") {
                    cx.add(&ECHO_ID, f::ECHO_ID, Value::U64(be16(data, 4).into()));
                    cx.add(&ECHO_SEQ, f::ECHO_SEQ, Value::U64(be16(data, 6).into()));
                }
                return Handoff::to(
                    Next::Named("data"),
                    QUOTE_OFFSET,
                    reported.saturating_sub(8),
                );
            }
            kind::MLD_QUERY | kind::MLD_REPORT | kind::MLD_DONE => {
                // A version 2 query (RFC 3810) is at least 28 bytes long.
                let v2_query = icmp_type == kind::MLD_QUERY && reported >= 28;
                add_mld(cx, data, v2_query);
            }
            kind::MLD2_REPORT => {
                cx.add(&RESERVED, 4..6, Value::Bytes);
                cx.add(&MLDR_RECORDS, 6..8, Value::U64(be16(data, 6).into()));
            }
            kind::ROUTER_SOLICIT => cx.add(&RESERVED, f::REST, Value::Bytes),
            kind::ROUTER_ADVERT => add_router_advert(cx, data),
            kind::NEIGHBOR_SOLICIT => {
                cx.add(&RESERVED, f::REST, Value::Bytes);
                if cx.need(f::TARGET.end, "neighbor solicitation") {
                    let target = array(data, f::TARGET.start);
                    cx.add(&NS_TARGET, f::TARGET, Value::Ipv6(target));
                }
            }
            kind::NEIGHBOR_ADVERT => {
                let flags = u64::from(be32(data, 4));
                cx.push(&NA_FLAG, f::REST, Value::U64(flags));
                cx.add(&NA_FLAG_R, f::REST, Value::Bool(flags & 0x8000_0000 != 0));
                cx.add(&NA_FLAG_S, f::REST, Value::Bool(flags & 0x4000_0000 != 0));
                cx.add(&NA_FLAG_O, f::REST, Value::Bool(flags & 0x2000_0000 != 0));
                cx.add(&NA_FLAG_RSV, f::REST, Value::U64(flags & 0x1fff_ffff));
                cx.pop();
                if cx.need(f::TARGET.end, "neighbor advertisement") {
                    let target = array(data, f::TARGET.start);
                    cx.add(&NA_TARGET, f::TARGET, Value::Ipv6(target));
                }
            }
            kind::REDIRECT => {
                cx.add(&RESERVED, f::REST, Value::Bytes);
                if cx.need(f::REDIRECT_DST.end, "redirect") {
                    let target = array(data, f::TARGET.start);
                    let destination = array(data, f::REDIRECT_DST.start);
                    cx.add(&RD_TARGET, f::TARGET, Value::Ipv6(target));
                    cx.add(&RD_DESTINATION, f::REDIRECT_DST, Value::Ipv6(destination));
                }
            }
            _ => {}
        }
        if is_error(icmp_type) {
            return Handoff::to(
                Next::Named("ipv6"),
                QUOTE_OFFSET,
                reported.saturating_sub(QUOTE_OFFSET),
            );
        }
        Handoff::done(data.len())
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let bytes = r.bytes();
        let length = crate::tcp::ip_payload_len(r);
        match render_tcpdump(r, bytes, length) {
            Ok(()) => Ok(()),
            Err(Stop::Cut) => r.write_str(" [|icmp6]"),
            Err(Stop::Fmt) => Err(fmt::Error),
        }
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }
}

fn add_mld(cx: &mut Context<'_>, data: &[u8], v2_query: bool) {
    if !cx.need(f::MLD_ADDRESS.end, "MLD message") {
        return;
    }
    let delay = Value::U64(be16(data, 4).into());
    let def = if v2_query { &MLD_CODE } else { &MLD_DELAY };
    cx.add(def, f::MLD_DELAY, delay);
    cx.add(&RESERVED, f::MLD_RESERVED, Value::Bytes);
    let group = array(data, f::MLD_ADDRESS.start);
    cx.add(&MLD_ADDRESS, f::MLD_ADDRESS, Value::Ipv6(group));
}

fn add_router_advert(cx: &mut Context<'_>, data: &[u8]) {
    if !cx.need(f::RA_RETRANS.end, "router advertisement") {
        return;
    }
    cx.add(
        &RA_HOP_LIMIT,
        f::RA_HOP_LIMIT,
        Value::U64(byte(data, 4).into()),
    );
    let flags = byte(data, f::RA_FLAGS.start);
    cx.push(&RA_FLAG, f::RA_FLAGS, Value::U64(flags.into()));
    cx.add(&RA_FLAG_M, f::RA_FLAGS, Value::Bool(flags & 0x80 != 0));
    cx.add(&RA_FLAG_O, f::RA_FLAGS, Value::Bool(flags & 0x40 != 0));
    cx.add(&RA_FLAG_H, f::RA_FLAGS, Value::Bool(flags & 0x20 != 0));
    cx.add(
        &RA_FLAG_PRF,
        f::RA_FLAGS,
        Value::U64(((flags >> 3) & 3).into()),
    );
    cx.add(&RA_FLAG_P, f::RA_FLAGS, Value::Bool(flags & 0x04 != 0));
    cx.add(&RA_FLAG_RSV, f::RA_FLAGS, Value::U64((flags & 0x03).into()));
    cx.pop();
    cx.add(
        &RA_LIFETIME,
        f::RA_LIFETIME,
        Value::U64(be16(data, 6).into()),
    );
    cx.add(
        &RA_REACHABLE,
        f::RA_REACHABLE,
        Value::U64(be32(data, 8).into()),
    );
    cx.add(
        &RA_RETRANS,
        f::RA_RETRANS,
        Value::U64(be32(data, 12).into()),
    );
}

// ---------------------------------------------------------------- tcpdump text

/// Why tcpdump's printer stopped.
enum Stop {
    /// A byte it reads was not captured: ` [|icmp6]`.
    Cut,
    Fmt,
}

impl From<fmt::Error> for Stop {
    fn from(_: fmt::Error) -> Stop {
        Stop::Fmt
    }
}

/// Bounds-checked reads that stop the printer like tcpdump's GET_ macros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&self, at: usize) -> Result<u8, Stop> {
        self.0.get(at).copied().ok_or(Stop::Cut)
    }
    fn u16(&self, at: usize) -> Result<u16, Stop> {
        self.need(at + 2)?;
        Ok(be16(self.0, at))
    }
    fn u32(&self, at: usize) -> Result<u32, Stop> {
        self.need(at + 4)?;
        Ok(be32(self.0, at))
    }
    fn ipv6(&self, at: usize) -> Result<Ipv6Text, Stop> {
        self.need(at + 16)?;
        Ok(Ipv6Text(array::<16>(self.0, at)))
    }
    fn ipv4(&self, at: usize) -> Result<Ipv4Addr, Stop> {
        self.need(at + 4)?;
        Ok(Ipv4Addr::from(array::<4>(self.0, at)))
    }
    fn need(&self, end: usize) -> Result<(), Stop> {
        if end <= self.0.len() {
            Ok(())
        } else {
            Err(Stop::Cut)
        }
    }
}

/// tcpdump's names (`icmp6_type_values`; the first of two entries wins).
fn tcpdump_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        kind::DST_UNREACH => "destination unreachable",
        kind::PACKET_TOO_BIG => "packet too big",
        kind::TIME_EXCEEDED => "time exceeded in-transit",
        kind::PARAM_PROBLEM => "parameter problem",
        kind::ECHO_REQUEST => "echo request",
        kind::ECHO_REPLY => "echo reply",
        kind::MLD_QUERY => "multicast listener query",
        kind::MLD_REPORT => "multicast listener report",
        kind::MLD_DONE => "multicast listener done",
        kind::ROUTER_SOLICIT => "router solicitation",
        kind::ROUTER_ADVERT => "router advertisement",
        kind::NEIGHBOR_SOLICIT => "neighbor solicitation",
        kind::NEIGHBOR_ADVERT => "neighbor advertisement",
        kind::REDIRECT => "redirect",
        kind::ROUTER_RENUMBERING => "router renumbering",
        kind::INV_NEIGHBOR_SOLICIT => "inverse neighbor solicitation",
        kind::INV_NEIGHBOR_ADVERT => "inverse neighbor advertisement",
        kind::MLD2_REPORT => "multicast listener report v2",
        kind::HA_DISCOVERY_REQUEST => "ha discovery request",
        kind::HA_DISCOVERY_REPLY => "ha discovery reply",
        kind::MOBILE_PREFIX_SOLICIT => "mobile router solicitation",
        kind::MOBILE_PREFIX_ADVERT => "mobile router advertisement",
        kind::NODE_INFO_QUERY => "who-are-you request",
        kind::NODE_INFO_REPLY => "who-are-you reply",
        200 => "mtrace response",
        201 => "mtrace message",
        kind::RPL => "RPL",
        _ => return None,
    })
}

/// tcpdump's `icmp6_print` without `-v`: the text after `IP6 a > b: `.
fn render_tcpdump(r: &mut Render<'_>, data: &[u8], length: u32) -> Result<(), Stop> {
    let d = Bytes(data);
    if length == 0 {
        r.write_str("ICMP6, length 0 (invalid)")?;
        return Ok(());
    }
    let icmp_type = d.u8(0)?;
    match tcpdump_type_name(icmp_type) {
        Some(name) => write!(r, "ICMP6, {name}")?,
        None => write!(r, "ICMP6, unknown icmp6 type ({icmp_type})")?,
    }
    let code = d.u8(1)?;
    let quoted_dst = QUOTE_OFFSET + 24;
    match icmp_type {
        kind::DST_UNREACH => {
            let code_text = match code {
                0 => "unreachable route",
                1 => " unreachable prohibited",
                2 => "beyond scope",
                3 => "unreachable address",
                4 => "unreachable port",
                _ => "",
            };
            if code_text.is_empty() {
                write!(r, ", unknown unreach code ({code})")?;
            } else {
                write!(r, ", {code_text}")?;
            }
            match code {
                0 | 1 | 3 => write!(r, " {}", d.ipv6(quoted_dst)?)?,
                2 => write!(
                    r,
                    " {}, source address {}",
                    d.ipv6(quoted_dst)?,
                    d.ipv6(QUOTE_OFFSET + 8)?
                )?,
                4 => {
                    let (proto, at) = upper_layer(data).ok_or(Stop::Cut)?;
                    let dport = d.u16(at + 2)?;
                    let dst = d.ipv6(quoted_dst)?;
                    match proto {
                        6 => write!(r, ", {dst} tcp port {dport}")?,
                        17 => write!(r, ", {dst} udp port {dport}")?,
                        _ => write!(r, ", {dst} protocol {proto} port {dport} unreachable")?,
                    }
                }
                _ => return hex_dump(r, data, length),
            }
        }
        kind::PACKET_TOO_BIG => write!(r, ", mtu {}", d.u32(4)?)?,
        kind::TIME_EXCEEDED => match code {
            0 => write!(r, " for {}", d.ipv6(quoted_dst)?)?,
            1 => r.write_str(" (reassembly)")?,
            _ => write!(r, ", unknown code ({code})")?,
        },
        kind::PARAM_PROBLEM => {
            d.need(quoted_dst + 16)?;
            let what = match code {
                0 => "erroneous",
                1 => "next header",
                2 => "option",
                3 => "incomplete header chain",
                _ => "",
            };
            if what.is_empty() {
                write!(r, ", code-#{code}")?;
            } else {
                write!(r, ", {what} - octet {}", d.u32(4)?)?;
            }
        }
        kind::ECHO_REQUEST | kind::ECHO_REPLY => {
            write!(r, ", id {}, seq {}", d.u16(4)?, d.u16(6)?)?;
        }
        kind::MLD_QUERY => {
            if length == 24 {
                write_mld(r, &d)?;
            } else if length >= 28 {
                r.write_str(" v2")?;
                d.u16(4)?;
                write!(r, " [gaddr {}", d.ipv6(8)?)?;
                let sources = u32::from(d.u16(26)?);
                if sources > 0 {
                    if length < 28 + sources * 16 {
                        r.write_str(" [invalid number of sources]")?;
                    } else {
                        write!(r, ", {sources} source(s)")?;
                    }
                }
                r.write_char(']')?;
            } else {
                write!(r, " unknown-version (len {length}) ")?;
            }
        }
        kind::MLD_REPORT | kind::MLD_DONE => write_mld(r, &d)?,
        kind::NEIGHBOR_SOLICIT => write!(r, ", who has {}", d.ipv6(8)?)?,
        kind::NEIGHBOR_ADVERT => write!(r, ", tgt is {}", d.ipv6(8)?)?,
        kind::REDIRECT => {
            write!(r, ", {}", d.ipv6(24)?)?;
            write!(r, " to {}", d.ipv6(8)?)?;
        }
        kind::ROUTER_RENUMBERING => {
            d.need(16)?;
            match code {
                0 => r.write_str(", command")?,
                1 => r.write_str(", result")?,
                255 => r.write_str(", sequence number reset")?,
                _ => write!(r, ", code-#{code}")?,
            }
            write!(r, ", seq={}", d.u32(4)?)?;
        }
        kind::NODE_INFO_QUERY | kind::NODE_INFO_REPLY => {
            // tcpdump's node information printer marks a cut itself and
            // still prints the length.
            match write_node_info(r, &d, length) {
                Err(Stop::Cut) => r.write_str(" [|icmp6]")?,
                Err(Stop::Fmt) => return Err(Stop::Fmt),
                Ok(()) => {}
            }
        }
        kind::MLD2_REPORT => {
            if length < 8 {
                write!(r, " [invalid len {length}]")?;
            } else {
                write!(r, ", {} group record(s)", d.u16(6)?)?;
            }
        }
        kind::HA_DISCOVERY_REQUEST | kind::MOBILE_PREFIX_SOLICIT => {
            write!(r, ", id 0x{:04x}", d.u16(4)?)?;
        }
        kind::RPL => {
            if code & 0x80 != 0 {
                r.write_str(", (SEC) [worktodo]")?;
            } else {
                r.write_str(", (CLR)")?;
                match code & 0x7f {
                    0 => r.write_str("DODAG Information Solicitation")?,
                    1 => r.write_str("DODAG Information Object")?,
                    2 => r.write_str("Destination Advertisement Object")?,
                    3 => r.write_str("Destination Advertisement Object Ack")?,
                    _ => write!(r, "RPL message, unknown code {code}")?,
                }
            }
        }
        kind::ROUTER_SOLICIT
        | kind::ROUTER_ADVERT
        | kind::INV_NEIGHBOR_SOLICIT
        | kind::INV_NEIGHBOR_ADVERT
        | kind::HA_DISCOVERY_REPLY
        | kind::MOBILE_PREFIX_ADVERT => {}
        _ => {
            write!(r, ", length {length}")?;
            return hex_dump(r, data, length);
        }
    }
    write!(r, ", length {length}")?;
    Ok(())
}

/// tcpdump's `mld6_print`: nothing at all unless the whole message was captured.
fn write_mld(r: &mut Render<'_>, d: &Bytes<'_>) -> Result<(), Stop> {
    if d.need(24).is_err() {
        return Ok(());
    }
    write!(r, "max resp delay: {} addr: {}", d.u16(4)?, d.ipv6(8)?)?;
    Ok(())
}

/// tcpdump's `get_upperlayer`: walks the quoted packet's extension headers
/// to the TCP or UDP header; `None` where tcpdump gives up.
fn upper_layer(data: &[u8]) -> Option<(u8, usize)> {
    let mut next = *data.get(QUOTE_OFFSET + 6)?;
    let mut at = QUOTE_OFFSET;
    let mut header_len = 40;
    while at < data.len() {
        at += header_len;
        match next {
            6 | 17 => return (at + 4 <= data.len()).then_some((next, at)),
            0 | 60 | 43 => {
                let len = *data.get(at + 1)?;
                next = *data.get(at)?;
                header_len = (usize::from(len) + 1) << 3;
            }
            44 => {
                if at + 4 > data.len() || be16(data, at + 2) & 0xfff8 != 0 {
                    return None;
                }
                next = *data.get(at)?;
                header_len = 8;
            }
            51 => {
                let len = *data.get(at + 1)?;
                next = *data.get(at)?;
                header_len = (usize::from(len) + 2) << 2;
            }
            _ => return None,
        }
    }
    None
}

/// tcpdump's `print_unknown_data` with the `\n\t` prefix: 16 bytes a line
/// as hex words. Ends the line's text (no `, length` after it).
fn hex_dump(r: &mut Render<'_>, data: &[u8], length: u32) -> Result<(), Stop> {
    let shown = data.get(..(length as usize).min(data.len())).unwrap_or(&[]);
    for (line, chunk) in shown.chunks(16).enumerate() {
        write!(r, "\n\t0x{:04x}: ", line * 16)?;
        for pair in chunk.chunks(2) {
            match pair {
                [a, b] => write!(r, " {a:02x}{b:02x}")?,
                [a] => write!(r, " {a:02x}")?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Node address flags as tcpdump prints them (`[aGSLCA]`, plus T in replies).
fn write_node_address_flags(r: &mut Render<'_>, flags: u16, reply: bool) -> fmt::Result {
    r.write_str(" [")?;
    for (bit, letter) in [
        (0x40, 'a'),
        (0x20, 'G'),
        (0x10, 'S'),
        (0x08, 'L'),
        (0x04, 'C'),
        (0x02, 'A'),
    ] {
        if flags & bit != 0 {
            r.write_char(letter)?;
        }
    }
    if reply && flags & 0x01 != 0 {
        r.write_char('T')?;
    }
    r.write_char(']')
}

/// tcpdump's `icmp6_nodeinfo_print` (RFC 4620) without `-v`.
fn write_node_info(r: &mut Render<'_>, d: &Bytes<'_>, length: u32) -> Result<(), Stop> {
    const NI_LEN: usize = 16;
    let siz = d.0.len();
    let qtype = |d: &Bytes<'_>| d.u16(4);
    let flags = |d: &Bytes<'_>| d.u16(6);
    if d.u8(0)? == kind::NODE_INFO_QUERY {
        if siz == 12 {
            // KAME's who-are-you.
            r.write_str(" who-are-you request")?;
            return Ok(());
        }
        r.write_str(" node information query")?;
        d.need(NI_LEN)?;
        r.write_str(" (")?;
        let qt = qtype(d)?;
        match qt {
            0 => r.write_str("noop")?,
            1 => {
                r.write_str("supported qtypes")?;
                let fl = flags(d)?;
                if fl != 0 {
                    write!(r, " [{}]", if fl & 1 != 0 { "C" } else { "" })?;
                }
            }
            2 => r.write_str("DNS name")?,
            3 => {
                r.write_str("node addresses")?;
                let fl = flags(d)?;
                if fl != 0 {
                    write_node_address_flags(r, fl, false)?;
                }
            }
            _ => r.write_str("unknown")?,
        }
        if qt == 0 || qt == 1 || siz == NI_LEN {
            if siz == NI_LEN && qt > 1 {
                r.write_str(", 03 draft")?;
            }
            r.write_char(')')?;
            return Ok(());
        }
        match d.u8(1)? {
            0 => {
                if siz == NI_LEN + 16 {
                    write!(r, ", subject={}", d.ipv6(NI_LEN)?)?;
                }
            }
            1 => {
                r.write_str(", subject=DNS name")?;
                write_dns_subject(r, d, NI_LEN)?;
            }
            2 => {
                if siz == NI_LEN + 4 {
                    write!(r, ", subject={}", d.ipv4(NI_LEN)?)?;
                }
            }
            _ => r.write_str(", unknown subject")?,
        }
        r.write_char(')')?;
        return Ok(());
    }
    // A reply.
    if length as usize > siz {
        return Err(Stop::Cut);
    }
    d.need(NI_LEN)?;
    r.write_str(" node information reply (")?;
    let code = d.u8(1)?;
    let mut needcomma = false;
    match code {
        1 => {
            r.write_str("refused")?;
            needcomma = true;
        }
        2 => {
            r.write_str("unknown")?;
            needcomma = true;
        }
        _ => {}
    }
    if code != 0 {
        r.write_char(')')?;
        return Ok(());
    }
    let comma = |r: &mut Render<'_>| if needcomma { r.write_str(", ") } else { Ok(()) };
    match qtype(d)? {
        0 => {
            comma(r)?;
            r.write_str("noop")?;
        }
        1 => {
            comma(r)?;
            r.write_str("supported qtypes")?;
            let fl = flags(d)?;
            if fl != 0 {
                write!(r, " [{}]", if fl & 1 != 0 { "C" } else { "" })?;
            }
        }
        2 => {
            comma(r)?;
            r.write_str("DNS name")?;
            write_dns_subject(r, d, NI_LEN + 4)?;
            if flags(d)? & 1 != 0 {
                write!(r, " [TTL={}]", d.u32(NI_LEN)?)?;
            }
        }
        3 => {
            comma(r)?;
            r.write_str("node addresses")?;
            let mut i = NI_LEN;
            while i + 20 <= siz {
                write!(r, " {}({})", d.ipv6(i + 4)?, d.u32(i)?)?;
                i += 20;
            }
            let fl = flags(d)?;
            if fl != 0 {
                write_node_address_flags(r, fl, true)?;
            }
        }
        _ => {
            comma(r)?;
            r.write_str("unknown")?;
        }
    }
    r.write_char(')')?;
    Ok(())
}

/// A node information DNS name: a Pascal string (draft 03) or DNS labels.
fn write_dns_subject(r: &mut Render<'_>, d: &Bytes<'_>, at: usize) -> Result<(), Stop> {
    let end = d.0.len();
    let first = usize::from(d.u8(at)?);
    r.write_str(", \"")?;
    if at + 1 + first == end {
        for i in at + 1..end {
            write_char(r, d.u8(i)?)?;
        }
        r.write_char('"')?;
        return Ok(());
    }
    let mut cp = at;
    while cp < end {
        let label = usize::from(d.u8(cp)?);
        cp += 1;
        if label == 0 {
            if cp == end {
                r.write_char('.')?;
            } else if !(cp + 1 == end && d.u8(cp)? == 0) {
                r.write_str("???")?;
            }
            break;
        }
        if label > end - cp {
            r.write_str("???")?;
            break;
        }
        for _ in 0..label {
            write_char(r, d.u8(cp)?)?;
            cp += 1;
        }
        if cp + 1 < end && d.u8(cp)? != 0 {
            r.write_char('.')?;
        }
    }
    r.write_char('"')?;
    Ok(())
}

/// tcpdump's `fn_print_char`: printable ASCII as is, others escaped.
fn write_char(r: &mut Render<'_>, c: u8) -> fmt::Result {
    let c = if c & 0x80 != 0 {
        r.write_str("M-")?;
        c & 0x7f
    } else {
        c
    };
    if c < 0x20 || c == 0x7f {
        r.write_char('^')?;
        r.write_char((c ^ 0x40) as char)
    } else {
        r.write_char(c as char)
    }
}

pub fn register(registry: &mut dissect_core::Registry) {
    registry.register(Table::IP_PROTO, 58, Icmpv6Dissector);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn view_reads_echo_and_target() {
        let echo = [128, 0, 0x12, 0x34, 0, 1, 0, 3, 0xaa];
        let icmp = Icmpv6::parse(&echo).unwrap();
        assert_eq!(icmp.icmp_type(), kind::ECHO_REQUEST);
        assert_eq!(icmp.checksum(), 0x1234);
        assert_eq!(icmp.echo(), Some((1, 3)));
        assert_eq!(icmp.nd_target(), None);
        assert!(icmp.quoted().is_none());
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend(Ipv6Addr::LOCALHOST.octets());
        let icmp = Icmpv6::parse(&ns).unwrap();
        assert_eq!(icmp.nd_target(), Some(Ipv6Addr::LOCALHOST.octets()));
        assert!(Icmpv6::parse(&[1, 2, 3]).is_err());
    }

    #[test]
    fn pseudo_header_checksum_verifies() {
        let src = Ipv6Addr::LOCALHOST.octets();
        let dst = Ipv6Addr::LOCALHOST.octets();
        let mut echo = vec![128, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3];
        let sum = pseudo_header_checksum(&src, &dst, &echo);
        echo[2..4].copy_from_slice(&sum.to_be_bytes());
        assert!(Icmpv6::parse(&echo).unwrap().checksum_ok(&src, &dst));
        echo[10] ^= 0xff;
        assert!(!Icmpv6::parse(&echo).unwrap().checksum_ok(&src, &dst));
    }

    #[test]
    fn upper_layer_walks_extension_headers() {
        let mut m = vec![1, 4, 0, 0, 0, 0, 0, 0];
        let mut ip6 = [0u8; 40];
        ip6[0] = 0x60;
        ip6[6] = 0; // hop-by-hop first
        m.extend(ip6);
        m.extend([17, 0, 0, 0, 0, 0, 0, 0]); // hop-by-hop, 8 bytes, then UDP
        m.extend([0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0]);
        assert_eq!(upper_layer(&m), Some((17, 56)));
        assert_eq!(upper_layer(&m[..58]), None);
    }
}

#[cfg(test)]
mod dissector_tests {
    use crate::tcp::test_frames::{ipv6, run, value};

    #[test]
    fn echo_and_neighbor_solicitation() {
        let mut echo = vec![128, 0, 0, 0, 0, 1, 0, 1];
        echo.extend([0; 56]);
        let out = run(&[(ipv6(58, &echo), None)]);
        assert_eq!(
            out[0].0,
            "IP6 fe80::1 > fe80::2: ICMP6, echo request, id 1, seq 1, length 64"
        );
        assert_eq!(value(&out[0].1, "icmpv6.echo.sequence_number"), Some(1));
        // A bad checksum is detected with the pseudo-header.
        assert_eq!(value(&out[0].1, "icmpv6.checksum.status"), Some(0));
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        ns.extend([1, 1, 2, 0, 0, 0, 0, 1]);
        let out = run(&[(ipv6(58, &ns), None)]);
        assert_eq!(
            out[0].0,
            "IP6 fe80::1 > fe80::2: ICMP6, neighbor solicitation, who has fe80::1, length 32"
        );
    }

    #[test]
    fn mld_and_cut() {
        let mut report = vec![131, 0, 0, 0, 0, 0, 0, 0];
        report.extend([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16]);
        let out = run(&[(ipv6(58, &report), None)]);
        assert!(
            out[0].0.ends_with(
                "ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::16, length 24"
            ),
            "{}",
            out[0].0
        );
        let out = run(&[(ipv6(58, &report), Some(54 + 12))]);
        assert!(
            out[0]
                .0
                .ends_with("ICMP6, multicast listener report, length 24"),
            "{}",
            out[0].0
        );
        let echo = [129, 0, 0, 0, 0, 1, 0, 1];
        let out = run(&[(ipv6(58, &echo), Some(54 + 5))]);
        assert!(
            out[0].0.ends_with("ICMP6, echo reply [|icmp6]"),
            "{}",
            out[0].0
        );
    }
}
