//! Internet Protocol version 6 (RFC 8200) and its extension headers.
//!
//! The IPv6 dissector walks the Hop-by-Hop, Routing, Fragment and
//! Destination Options headers itself and adds each as a subtree of its own
//! layer (`ipv6.hopopts`, `ipv6.routing`, `ipv6.fraghdr`, `ipv6.dstopts`),
//! which is where tshark's JSON puts them. AH, ESP and everything else are
//! handed to the IP protocol table. The payload is bounded by the payload
//! length (or a Hop-by-Hop Jumbo Payload option); non-first fragments are
//! handed on as `data`.

use std::fmt::{self, Write};
use std::net::Ipv6Addr;

use dissect_core::field::{self, Ipv6Text};
use std::ops::Range;

use dissect_core::{
    Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Probe, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ip::v4;
use crate::ip::{is_port_protocol, proto, render_upper, write_raw_link_header, Addresses};
use crate::names::{dscp_name, ecn_name, ip_proto_name, tcpdump_ip_proto_name};
use crate::wire::{array, be16, be32, byte, check_len, Error};

/// Byte ranges of the fixed header.
pub mod field_range {
    use std::ops::Range;
    /// Version, traffic class and flow label share the first 32 bits.
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const VERSION: Range<usize> = 0..1;
    pub const FLOW: Range<usize> = 1..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NEXT_HEADER: Range<usize> = 6..7;
    pub const HOP_LIMIT: Range<usize> = 7..8;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
}
use field_range as f;

pub const HEADER_LEN: usize = 40;

/// Next-header values of the extension headers.
pub mod next_header {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const DEST_OPTIONS: u8 = 60;
}
use next_header as nh;

/// Option types in Hop-by-Hop and Destination Options headers.
mod option {
    pub const PAD1: u8 = 0;
    pub const PADN: u8 = 1;
    pub const ROUTER_ALERT: u8 = 5;
    pub const TUNNEL_ENCAP_LIMIT: u8 = 0x04;
    pub const CALIPSO: u8 = 0x07;
    pub const PMTU: u8 = 0x30;
    pub const JUMBO: u8 = 0xc2;
    pub const HOME_ADDRESS: u8 = 0xc9;
    /// RFC 4727 experimental types: the low five bits are 0x1e.
    pub fn is_experimental(kind: u8) -> bool {
        kind & 0x1f == 0x1e
    }
}

/// Typed zero-copy view of an IPv6 packet.
#[derive(Debug, Clone, Copy)]
pub struct Ipv6<'a> {
    data: &'a [u8],
}

impl<'a> Ipv6<'a> {
    /// Checks that the fixed header is present and the version is 6.
    pub fn parse(data: &'a [u8]) -> Result<Ipv6<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        let ip = Ipv6::new_unchecked(data);
        if ip.version() != 6 {
            return Err(Error::Malformed("IP version is not 6"));
        }
        Ok(ip)
    }

    /// A view without checks: accessors read zeros where bytes are missing.
    pub fn new_unchecked(data: &'a [u8]) -> Ipv6<'a> {
        Ipv6 { data }
    }

    pub fn version(&self) -> u8 {
        byte(self.data, 0) >> 4
    }
    pub fn traffic_class(&self) -> u8 {
        ((be32(self.data, 0) >> 20) & 0xff) as u8
    }
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }
    pub fn ecn(&self) -> u8 {
        self.traffic_class() & 0x03
    }
    pub fn flow_label(&self) -> u32 {
        be32(self.data, 0) & 0x000f_ffff
    }
    pub fn payload_len(&self) -> u16 {
        be16(self.data, f::PAYLOAD_LEN.start)
    }
    pub fn next_header(&self) -> u8 {
        byte(self.data, f::NEXT_HEADER.start)
    }
    pub fn hop_limit(&self) -> u8 {
        byte(self.data, f::HOP_LIMIT.start)
    }
    pub fn src(&self) -> [u8; 16] {
        array(self.data, f::SRC.start)
    }
    pub fn dst(&self) -> [u8; 16] {
        array(self.data, f::DST.start)
    }
    /// The extension headers present and captured, in order.
    pub fn extension_headers(&self) -> ExtHeaders<'a> {
        ExtHeaders {
            data: self.data,
            next_header: self.next_header(),
            offset: HEADER_LEN,
            later_fragment: false,
        }
    }
    /// The protocol after the extension headers and its offset (ESP and
    /// "no next header" end the chain too). After a non-first fragment
    /// (see [`ExtHeaders::later_fragment`]) the protocol's header is not there.
    pub fn upper_protocol(&self) -> (u8, usize) {
        let mut walk = self.extension_headers();
        for _ in walk.by_ref() {}
        (walk.next_header, walk.offset)
    }
    /// Everything after the fixed header, bounded by the payload length
    /// (unless it is 0, as with a Jumbo Payload) and by what was captured.
    pub fn payload(&self) -> &'a [u8] {
        let rest = self.data.get(HEADER_LEN..).unwrap_or(&[]);
        match self.payload_len() {
            0 => rest,
            len => rest.get(..usize::from(len)).unwrap_or(rest),
        }
    }
}

impl Serialize for Ipv6<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Ipv6", 9)?;
        st.serialize_field("version", &self.version())?;
        st.serialize_field("traffic_class", &self.traffic_class())?;
        st.serialize_field("flow_label", &self.flow_label())?;
        st.serialize_field("payload_len", &self.payload_len())?;
        st.serialize_field("next_header", &self.next_header())?;
        st.serialize_field("hop_limit", &self.hop_limit())?;
        st.serialize_field("src", &Ipv6Addr::from(self.src()).to_string())?;
        st.serialize_field("dst", &Ipv6Addr::from(self.dst()).to_string())?;
        let chain: Vec<u8> = self.extension_headers().map(|h| h.kind).collect();
        st.serialize_field("extension_headers", &chain)?;
        st.end()
    }
}

/// One extension header: its own protocol number, the next header it
/// names, and its bytes (offset relative to the IPv6 header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader<'a> {
    pub kind: u8,
    pub next: u8,
    pub offset: usize,
    pub bytes: &'a [u8],
}

impl ExtHeader<'_> {
    /// Fragment header: offset in 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        be16(self.bytes, 2) >> 3
    }
    pub fn more_fragments(&self) -> bool {
        be16(self.bytes, 2) & 1 != 0
    }
    pub fn frag_ident(&self) -> u32 {
        be32(self.bytes, 4)
    }
}

/// Length of the extension header of kind `kind` whose second byte is
/// `len_byte`, or None when `kind` is not an extension header we walk.
fn ext_header_len(kind: u8, len_byte: u8) -> Option<usize> {
    match kind {
        nh::HOP_BY_HOP | nh::ROUTING | nh::DEST_OPTIONS => Some((usize::from(len_byte) + 1) * 8),
        nh::FRAGMENT => Some(8),
        nh::AH => Some((usize::from(len_byte) + 2) * 4),
        _ => None,
    }
}

/// Iterator over the extension headers; stops at the upper protocol, at a
/// header that was not captured whole, and after a non-first fragment.
pub struct ExtHeaders<'a> {
    data: &'a [u8],
    /// The next-header value the walk stopped at (or will read next).
    pub next_header: u8,
    /// Where that header starts, relative to the IPv6 header.
    pub offset: usize,
    /// Set after a non-first fragment: what follows is not a header.
    pub later_fragment: bool,
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = ExtHeader<'a>;
    fn next(&mut self) -> Option<ExtHeader<'a>> {
        if self.later_fragment {
            return None;
        }
        let kind = self.next_header;
        let len = ext_header_len(kind, byte(self.data, self.offset + 1))?;
        let bytes = self.data.get(self.offset..self.offset + len)?;
        let header = ExtHeader {
            kind,
            next: byte(bytes, 0),
            offset: self.offset,
            bytes,
        };
        // After a non-first fragment the rest belongs to a datagram we
        // cannot see.
        self.later_fragment = kind == nh::FRAGMENT && header.frag_offset() != 0;
        self.next_header = header.next;
        self.offset += len;
        Some(header)
    }
}

fn names_proto(v: u64) -> Option<&'static str> {
    ip_proto_name(v as u8)
}

fn names_routing_type(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Source Route",
        2 => "Type 2 Routing",
        3 => "RPL Source Route Header",
        4 => "Segment Routing",
        _ => return None,
    })
}

fn names_option(v: u64) -> Option<&'static str> {
    Some(match v as u8 {
        option::PAD1 => "Pad1",
        option::PADN => "PadN",
        option::ROUTER_ALERT => "Router Alert",
        option::JUMBO => "Jumbo Payload",
        option::HOME_ADDRESS => "Home Address",
        option::TUNNEL_ENCAP_LIMIT => "Tunnel Encapsulation Limit",
        option::CALIPSO => "CALIPSO",
        option::PMTU => "Path MTU",
        k if option::is_experimental(k) => "Experimental (RFC 4727)",
        _ => return None,
    })
}

pub static VERSION: FieldDef =
    FieldDef::new("ipv6.version", "Version", FieldType::Uint(8)).mask(0xf0);
pub static TCLASS: FieldDef = FieldDef::new("ipv6.tclass", "Traffic Class", FieldType::Uint(32))
    .base(Base::Hex)
    .mask(0x0ff0_0000);
pub static TCLASS_DSCP: FieldDef = FieldDef::new(
    "ipv6.tclass.dscp",
    "Differentiated Services Codepoint",
    FieldType::Uint(32),
)
.mask(0x0fc0_0000)
.names(dscp_name);
pub static TCLASS_ECN: FieldDef = FieldDef::new(
    "ipv6.tclass.ecn",
    "Explicit Congestion Notification",
    FieldType::Uint(32),
)
.mask(0x0030_0000)
.names(ecn_name);
pub static FLOW: FieldDef = FieldDef::new("ipv6.flow", "Flow Label", FieldType::Uint(24))
    .base(Base::Hex)
    .mask(0x000f_ffff);
pub static PLEN: FieldDef = FieldDef::new("ipv6.plen", "Payload Length", FieldType::Uint(16));
pub static NXT: FieldDef =
    FieldDef::new("ipv6.nxt", "Next Header", FieldType::Uint(8)).names(names_proto);
pub static HLIM: FieldDef = FieldDef::new("ipv6.hlim", "Hop Limit", FieldType::Uint(8));
pub static SRC: FieldDef = FieldDef::new("ipv6.src", "Source Address", FieldType::Ipv6);
pub static DST: FieldDef = FieldDef::new("ipv6.dst", "Destination Address", FieldType::Ipv6);

pub static SRC_SLAAC_MAC: FieldDef =
    FieldDef::new("ipv6.src_slaac_mac", "Source SLAAC MAC", FieldType::Ether);
pub static DST_SLAAC_MAC: FieldDef = FieldDef::new(
    "ipv6.dst_slaac_mac",
    "Destination SLAAC MAC",
    FieldType::Ether,
);

pub static HOPOPTS: FieldDef =
    FieldDef::new("ipv6.hopopts", "IPv6 Hop-by-Hop Option", FieldType::None);
pub static HOPOPTS_NXT: FieldDef =
    FieldDef::new("ipv6.hopopts.nxt", "Next Header", FieldType::Uint(8)).names(names_proto);
pub static HOPOPTS_LEN: FieldDef = FieldDef::new("ipv6.hopopts.len", "Length", FieldType::Uint(8));
pub static HOPOPTS_LEN_OCT: FieldDef =
    FieldDef::new("ipv6.hopopts.len_oct", "Length", FieldType::Uint(16));
pub static DSTOPTS: FieldDef = FieldDef::new(
    "ipv6.dstopts",
    "Destination Options for IPv6",
    FieldType::None,
);
pub static DSTOPTS_NXT: FieldDef =
    FieldDef::new("ipv6.dstopts.nxt", "Next Header", FieldType::Uint(8)).names(names_proto);
pub static DSTOPTS_LEN: FieldDef = FieldDef::new("ipv6.dstopts.len", "Length", FieldType::Uint(8));
pub static DSTOPTS_LEN_OCT: FieldDef =
    FieldDef::new("ipv6.dstopts.len_oct", "Length", FieldType::Uint(16));

pub static OPT: FieldDef = FieldDef::new("ipv6.opt", "Option", FieldType::None);
pub static OPT_TYPE: FieldDef = FieldDef::new("ipv6.opt.type", "Type", FieldType::Uint(8))
    .base(Base::Hex)
    .names(names_option);
pub static OPT_TYPE_ACTION: FieldDef =
    FieldDef::new("ipv6.opt.type.action", "Action", FieldType::Uint(8)).mask(0xc0);
pub static OPT_TYPE_CHANGE: FieldDef =
    FieldDef::new("ipv6.opt.type.change", "May Change", FieldType::Uint(8)).mask(0x20);
pub static OPT_TYPE_REST: FieldDef =
    FieldDef::new("ipv6.opt.type.rest", "Low-Order Bits", FieldType::Uint(8))
        .base(Base::Hex)
        .mask(0x1f);
pub static OPT_LENGTH: FieldDef = FieldDef::new("ipv6.opt.length", "Length", FieldType::Uint(8));
pub static OPT_PAD1: FieldDef = FieldDef::new("ipv6.opt.pad1", "Pad1", FieldType::None);
pub static OPT_PADN: FieldDef = FieldDef::new("ipv6.opt.padn", "PadN", FieldType::Bytes);
pub static OPT_ROUTER_ALERT: FieldDef =
    FieldDef::new("ipv6.opt.router_alert", "Router Alert", FieldType::Uint(16));
pub static OPT_JUMBO: FieldDef =
    FieldDef::new("ipv6.opt.jumbo", "Payload Length", FieldType::Uint(32));
pub static OPT_HOME_ADDRESS: FieldDef = FieldDef::new(
    "ipv6.opt.mipv6.home_address",
    "Home Address",
    FieldType::Ipv6,
);
pub static OPT_TEL: FieldDef = FieldDef::new(
    "ipv6.opt.tel",
    "Tunnel Encapsulation Limit",
    FieldType::Uint(8),
);
pub static OPT_CALIPSO_DOI: FieldDef = FieldDef::new(
    "ipv6.opt.calipso.doi",
    "CALIPSO Domain of Interpretation",
    FieldType::Uint(32),
);
pub static OPT_CALIPSO_CMPT_LENGTH: FieldDef = FieldDef::new(
    "ipv6.opt.calipso.cmpt.length",
    "Compartment Length",
    FieldType::Uint(8),
);
pub static OPT_CALIPSO_SENS_LEVEL: FieldDef = FieldDef::new(
    "ipv6.opt.calipso.sens_level",
    "Sensitivity Level",
    FieldType::Uint(8),
);
pub static OPT_CALIPSO_CHECKSUM: FieldDef =
    FieldDef::new("ipv6.opt.calipso.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static OPT_PMTU_MIN: FieldDef =
    FieldDef::new("ipv6.opt.pmtu.min", "Min-PMTU", FieldType::Uint(16));
pub static OPT_PMTU_RTN: FieldDef =
    FieldDef::new("ipv6.opt.pmtu.rtn", "Rtn-PMTU", FieldType::Uint(16)).mask(0xfffe);
pub static OPT_PMTU_R_FLAG: FieldDef =
    FieldDef::new("ipv6.opt.pmtu.r_flag", "R", FieldType::Bool).mask(0x0001);
pub static OPT_EXPERIMENTAL: FieldDef = FieldDef::new(
    "ipv6.opt.experimental",
    "Experimental Option",
    FieldType::Bytes,
);
pub static OPT_UNKNOWN: FieldDef = FieldDef::new(
    "ipv6.opt.unknown",
    "Unknown Option Payload",
    FieldType::Bytes,
);

pub static ROUTING: FieldDef =
    FieldDef::new("ipv6.routing", "Routing Header for IPv6", FieldType::None);
pub static ROUTING_NXT: FieldDef =
    FieldDef::new("ipv6.routing.nxt", "Next Header", FieldType::Uint(8)).names(names_proto);
pub static ROUTING_LEN: FieldDef = FieldDef::new("ipv6.routing.len", "Length", FieldType::Uint(8));
pub static ROUTING_LEN_OCT: FieldDef =
    FieldDef::new("ipv6.routing.len_oct", "Length", FieldType::Uint(16));
pub static ROUTING_TYPE: FieldDef =
    FieldDef::new("ipv6.routing.type", "Type", FieldType::Uint(8)).names(names_routing_type);
pub static ROUTING_SEGLEFT: FieldDef =
    FieldDef::new("ipv6.routing.segleft", "Segments Left", FieldType::Uint(8));
pub static ROUTING_SRC_RESERVED: FieldDef =
    FieldDef::new("ipv6.routing.src.reserved", "Reserved", FieldType::Bytes);
pub static ROUTING_SRC_ADDR: FieldDef =
    FieldDef::new("ipv6.routing.src.addr", "Address", FieldType::Ipv6);
pub static ROUTING_SRH_LAST_ENTRY: FieldDef = FieldDef::new(
    "ipv6.routing.srh.last_entry",
    "Last Entry",
    FieldType::Uint(8),
);
pub static ROUTING_SRH_FLAGS: FieldDef =
    FieldDef::new("ipv6.routing.srh.flags", "Flags", FieldType::Uint(8)).base(Base::Hex);
pub static ROUTING_SRH_TAG: FieldDef =
    FieldDef::new("ipv6.routing.srh.tag", "Tag", FieldType::Bytes);
pub static ROUTING_SRH_ADDR: FieldDef =
    FieldDef::new("ipv6.routing.srh.addr", "Address", FieldType::Ipv6);
/// Segment Routing TLVs (RFC 8754 section 2.1) after the segment list.
pub static ROUTING_SRH_TLV: FieldDef =
    FieldDef::new("ipv6.routing.srh.tlv", "TLV", FieldType::Bytes);
pub static ROUTING_SRH_TLV_TYPE: FieldDef =
    FieldDef::new("ipv6.routing.srh.tlv.type", "Type", FieldType::Uint(8))
        .names(names_srh_tlv_type);
pub static ROUTING_SRH_TLV_LENGTH: FieldDef =
    FieldDef::new("ipv6.routing.srh.tlv.length", "Length", FieldType::Uint(8));
pub static ROUTING_SRH_TLV_VALUE: FieldDef =
    FieldDef::new("ipv6.routing.srh.tlv.value", "Value", FieldType::Bytes);

fn names_srh_tlv_type(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Pad1",
        4 => "PadN",
        5 => "HMAC",
        _ => return None,
    })
}

/// The TLVs of a Segment Routing header: `tlvs` are the bytes after the
/// segment list, at offset `at` of the layer. Pad1 is one byte; the others
/// are type, length, value. A TLV past the header ends the walk.
fn add_srh_tlvs(cx: &mut Context<'_>, tlvs: &[u8], at: usize) {
    let mut i = 0;
    while let Some(&kind) = tlvs.get(i) {
        let start = at + i;
        if kind == 0 {
            cx.push(&ROUTING_SRH_TLV, start..start + 1, Value::Bytes);
            cx.add(&ROUTING_SRH_TLV_TYPE, start..start + 1, Value::U64(0));
            cx.pop();
            i += 1;
            continue;
        }
        let Some(&len) = tlvs.get(i + 1) else {
            cx.malformed(start, "SRH TLV length past the header");
            return;
        };
        let len = usize::from(len);
        if i + 2 + len > tlvs.len() {
            cx.malformed(start + 1, "SRH TLV past the header");
            return;
        }
        cx.push(&ROUTING_SRH_TLV, start..start + 2 + len, Value::Bytes);
        cx.add(
            &ROUTING_SRH_TLV_TYPE,
            start..start + 1,
            Value::U64(kind.into()),
        );
        cx.add(
            &ROUTING_SRH_TLV_LENGTH,
            start + 1..start + 2,
            Value::U64(len as u64),
        );
        if len > 0 {
            cx.add(
                &ROUTING_SRH_TLV_VALUE,
                start + 2..start + 2 + len,
                Value::Bytes,
            );
        }
        cx.pop();
        i += 2 + len;
    }
}

pub static FRAGHDR: FieldDef =
    FieldDef::new("ipv6.fraghdr", "Fragment Header for IPv6", FieldType::None);
pub static FRAGHDR_NXT: FieldDef =
    FieldDef::new("ipv6.fraghdr.nxt", "Next header", FieldType::Uint(8)).names(names_proto);
pub static FRAGHDR_RESERVED_OCTET: FieldDef = FieldDef::new(
    "ipv6.fraghdr.reserved_octet",
    "Reserved octet",
    FieldType::Uint(8),
)
.base(Base::Hex);
pub static FRAGHDR_OFFSET: FieldDef =
    FieldDef::new("ipv6.fraghdr.offset", "Offset", FieldType::Uint(16)).mask(0xfff8);
pub static FRAGHDR_RESERVED_BITS: FieldDef = FieldDef::new(
    "ipv6.fraghdr.reserved_bits",
    "Reserved bits",
    FieldType::Uint(16),
)
.mask(0x0006);
pub static FRAGHDR_MORE: FieldDef =
    FieldDef::new("ipv6.fraghdr.more", "More Fragments", FieldType::Bool).mask(0x0001);
pub static FRAGHDR_IDENT: FieldDef =
    FieldDef::new("ipv6.fraghdr.ident", "Identification", FieldType::Uint(32)).base(Base::Hex);

/// Relative range `start..start + len`.
fn at(start: usize, len: usize) -> Range<usize> {
    start..start + len
}

/// Adds the fields of the fixed header that were captured (Wireshark stops
/// a cut header at the first field that does not fit).
fn add_fixed_fields(cx: &mut Context<'_>, ip: &Ipv6<'_>, captured: usize) {
    let fits = |range: &Range<usize>| range.end <= captured;
    cx.add(&VERSION, f::VERSION, Value::U64(ip.version().into()));
    // Wireshark also files the version under the generic `ip.version`.
    cx.add(&v4::VERSION, f::VERSION, Value::U64(ip.version().into()));
    if !fits(&f::VER_TC_FLOW) {
        return;
    }
    let tclass = Value::U64(ip.traffic_class().into());
    cx.push(&TCLASS, f::VER_TC_FLOW, tclass);
    cx.add(&TCLASS_DSCP, f::VER_TC_FLOW, Value::U64(ip.dscp().into()));
    cx.add(&TCLASS_ECN, f::VER_TC_FLOW, Value::U64(ip.ecn().into()));
    cx.pop();
    cx.add(&FLOW, f::FLOW, Value::U64(ip.flow_label().into()));
    if !fits(&f::PAYLOAD_LEN) {
        return;
    }
    cx.add(&PLEN, f::PAYLOAD_LEN, Value::U64(ip.payload_len().into()));
    if !fits(&f::NEXT_HEADER) {
        return;
    }
    cx.add(&NXT, f::NEXT_HEADER, Value::U64(ip.next_header().into()));
    if !fits(&f::HOP_LIMIT) {
        return;
    }
    cx.add(&HLIM, f::HOP_LIMIT, Value::U64(ip.hop_limit().into()));
    if !fits(&f::SRC) {
        return;
    }
    cx.add(&SRC, f::SRC, Value::Ipv6(ip.src()));
    if !fits(&f::DST) {
        return;
    }
    cx.add(&DST, f::DST, Value::Ipv6(ip.dst()));
    // Wireshark shows the MAC address an EUI-64 interface id was made from.
    if cx.wants_any(&[&SRC_SLAAC_MAC, &DST_SLAAC_MAC]) {
        for (def, range, addr) in [
            (&SRC_SLAAC_MAC, f::SRC, ip.src()),
            (&DST_SLAAC_MAC, f::DST, ip.dst()),
        ] {
            if let Some(mac) = slaac_mac(&addr) {
                cx.generated(def, range.start + 8..range.end, Value::Ether(mac));
            }
        }
    }
}

/// The MAC address in a modified EUI-64 interface identifier (`ff:fe` in
/// its middle, the universal/local bit flipped back), if there is one.
pub fn slaac_mac(addr: &[u8; 16]) -> Option<[u8; 6]> {
    if addr[11] != 0xff || addr[12] != 0xfe {
        return None;
    }
    Some([
        addr[8] ^ 0x02,
        addr[9],
        addr[10],
        addr[13],
        addr[14],
        addr[15],
    ])
}

/// The options of a Hop-by-Hop or Destination Options header. Returns the
/// Jumbo Payload length if one is present.
/// `end` is the end of the datagram by its payload length: like Wireshark,
/// options past it are not read.
fn add_options(cx: &mut Context<'_>, header: &ExtHeader<'_>, end: usize) -> Option<u32> {
    let mut jumbo = None;
    let within = end.saturating_sub(header.offset).min(header.bytes.len());
    let options = header.bytes.get(2..within).unwrap_or(&[]);
    let base = header.offset + 2;
    let mut i = 0;
    while let Some(&kind) = options.get(i) {
        if kind == option::PAD1 {
            cx.push(&OPT, at(base + i, 1), Value::None);
            // Wireshark shows Pad1's type without the bit breakdown.
            cx.add(&OPT_TYPE, at(base + i, 1), Value::U64(kind.into()));
            cx.add(&OPT_PAD1, at(base + i, 1), Value::None);
            cx.pop();
            i += 1;
            continue;
        }
        let Some(&len) = options.get(i + 1) else {
            cx.malformed(base + i, "IPv6 option length");
            break;
        };
        let len = usize::from(len);
        let value = at(base + i + 2, len);
        cx.push(&OPT, at(base + i, len + 2), Value::None);
        add_option_type(cx, base + i, kind);
        cx.add(&OPT_LENGTH, at(base + i + 1, 1), Value::U64(len as u64));
        // Wireshark decodes a fixed-size option from the bytes there are,
        // even past the header, before it notices the length.
        let fits = i + 2 + len <= options.len();
        let body = options.get(i + 2..i + 2 + len).unwrap_or(&[]);
        // Wireshark reads a fixed-size option whole even when its length
        // says less (and flags the length): so do we, within the header.
        let data = options.get(i + 2..).unwrap_or_default();
        let f0 = base + i + 2;
        match kind {
            option::PADN if fits => cx.add(&OPT_PADN, value, Value::Bytes),
            option::HOME_ADDRESS if data.len() >= 16 => {
                let addr = Value::Ipv6(array(data, 0));
                cx.add(&OPT_HOME_ADDRESS, at(f0, 16), addr);
            }
            option::TUNNEL_ENCAP_LIMIT if !body.is_empty() => {
                cx.add(&OPT_TEL, at(f0, 1), Value::U64(byte(body, 0).into()))
            }
            option::CALIPSO if data.len() >= 8 => {
                cx.add(
                    &OPT_CALIPSO_DOI,
                    at(f0, 4),
                    Value::U64(be32(data, 0).into()),
                );
                let cmpt = Value::U64(byte(data, 4).into());
                cx.add(&OPT_CALIPSO_CMPT_LENGTH, at(f0 + 4, 1), cmpt);
                let level = Value::U64(byte(data, 5).into());
                cx.add(&OPT_CALIPSO_SENS_LEVEL, at(f0 + 5, 1), level);
                let sum = Value::U64(be16(data, 6).into());
                cx.add(&OPT_CALIPSO_CHECKSUM, at(f0 + 6, 2), sum);
            }
            option::PMTU if data.len() >= 4 => {
                cx.add(&OPT_PMTU_MIN, at(f0, 2), Value::U64(be16(data, 0).into()));
                let rtn = be16(data, 2);
                cx.add(
                    &OPT_PMTU_RTN,
                    at(f0 + 2, 2),
                    Value::U64((rtn & 0xfffe).into()),
                );
                cx.add(&OPT_PMTU_R_FLAG, at(f0 + 2, 2), Value::Bool(rtn & 1 != 0));
            }
            k if option::is_experimental(k) && fits => {
                cx.add(&OPT_EXPERIMENTAL, value, Value::Bytes)
            }
            option::ROUTER_ALERT if len == 2 && fits => {
                cx.add(&OPT_ROUTER_ALERT, value, Value::U64(be16(body, 0).into()))
            }
            option::JUMBO if len == 4 && fits => {
                let length = be32(body, 0);
                cx.add(&OPT_JUMBO, value, Value::U64(length.into()));
                if header.kind == nh::HOP_BY_HOP {
                    jumbo = Some(length);
                }
            }
            // Known options whose value did not fit (Wireshark flags the length).
            option::ROUTER_ALERT
            | option::JUMBO
            | option::HOME_ADDRESS
            | option::TUNNEL_ENCAP_LIMIT
            | option::CALIPSO
            | option::PMTU => {}
            _ if fits => cx.add(&OPT_UNKNOWN, value, Value::Bytes),
            _ => {}
        }
        cx.pop();
        if !fits {
            cx.malformed(base + i + 1, "IPv6 option beyond its header");
            break;
        }
        // Wireshark stops at an option whose length its type forbids.
        let valid = match kind {
            option::ROUTER_ALERT | option::PMTU => len == if kind == option::PMTU { 4 } else { 2 },
            option::JUMBO => len == 4,
            option::HOME_ADDRESS => len == 16,
            option::TUNNEL_ENCAP_LIMIT => len == 1,
            option::CALIPSO => len >= 8,
            _ => true,
        };
        if !valid {
            cx.malformed(base + i + 1, "IPv6 option length invalid for its type");
            break;
        }
        i += 2 + len;
    }
    jumbo
}

fn add_option_type(cx: &mut Context<'_>, offset: usize, kind: u8) {
    cx.push(&OPT_TYPE, at(offset, 1), Value::U64(kind.into()));
    cx.add(
        &OPT_TYPE_ACTION,
        at(offset, 1),
        Value::U64((kind >> 6).into()),
    );
    cx.add(
        &OPT_TYPE_CHANGE,
        at(offset, 1),
        Value::U64(((kind >> 5) & 1).into()),
    );
    cx.add(
        &OPT_TYPE_REST,
        at(offset, 1),
        Value::U64((kind & 0x1f).into()),
    );
    cx.pop();
}

/// Adds `def` if its bytes were captured (up to `limit`): a cut extension
/// header shows the fields that fit, as in Wireshark.
fn fit(
    cx: &mut Context<'_>,
    limit: usize,
    def: &'static FieldDef,
    range: Range<usize>,
    value: Value,
) {
    if range.end <= limit {
        cx.add(def, range, value);
    }
}

fn fit_generated(
    cx: &mut Context<'_>,
    limit: usize,
    def: &'static FieldDef,
    range: Range<usize>,
    value: Value,
) {
    if range.end <= limit {
        cx.generated(def, range, value);
    }
}

/// Adds one extension header's subtree; `header.bytes` may be cut short of
/// `full_len` by the capture. Returns a Jumbo Payload length.
fn add_ext_header(
    cx: &mut Context<'_>,
    header: &ExtHeader<'_>,
    full_len: usize,
    end: usize,
) -> Option<u32> {
    let o = header.offset;
    let limit = o + header.bytes.len();
    let complete = header.bytes.len() >= full_len;
    let len_byte = byte(header.bytes, 1);
    let len_oct = Value::U64(full_len as u64);
    let next = Value::U64(header.next.into());
    let whole = at(o, full_len);
    let mut jumbo = None;
    match header.kind {
        nh::HOP_BY_HOP | nh::DEST_OPTIONS => {
            let (tree, nxt, len, oct) = if header.kind == nh::HOP_BY_HOP {
                (&HOPOPTS, &HOPOPTS_NXT, &HOPOPTS_LEN, &HOPOPTS_LEN_OCT)
            } else {
                (&DSTOPTS, &DSTOPTS_NXT, &DSTOPTS_LEN, &DSTOPTS_LEN_OCT)
            };
            cx.push(tree, whole, Value::None);
            fit(cx, limit, nxt, at(o, 1), next);
            fit(cx, limit, len, at(o + 1, 1), Value::U64(len_byte.into()));
            fit_generated(cx, limit, oct, at(o + 1, 1), len_oct);
            if complete {
                jumbo = add_options(cx, header, end);
            }
            cx.pop();
        }
        nh::ROUTING => {
            cx.push(&ROUTING, whole, Value::None);
            fit(cx, limit, &ROUTING_NXT, at(o, 1), next);
            fit(
                cx,
                limit,
                &ROUTING_LEN,
                at(o + 1, 1),
                Value::U64(len_byte.into()),
            );
            fit_generated(cx, limit, &ROUTING_LEN_OCT, at(o + 1, 1), len_oct);
            let kind = byte(header.bytes, 2);
            fit(
                cx,
                limit,
                &ROUTING_TYPE,
                at(o + 2, 1),
                Value::U64(kind.into()),
            );
            fit(
                cx,
                limit,
                &ROUTING_SEGLEFT,
                at(o + 3, 1),
                Value::U64(byte(header.bytes, 3).into()),
            );
            let addresses = header.bytes.get(8..).unwrap_or(&[]);
            match kind {
                0 => {
                    fit(cx, limit, &ROUTING_SRC_RESERVED, at(o + 4, 4), Value::Bytes);
                    for (n, a) in addresses.chunks_exact(16).enumerate() {
                        let addr = array(a, 0);
                        fit(
                            cx,
                            limit,
                            &ROUTING_SRC_ADDR,
                            at(o + 8 + n * 16, 16),
                            Value::Ipv6(addr),
                        );
                    }
                }
                4 => {
                    let last = byte(header.bytes, 4);
                    fit(
                        cx,
                        limit,
                        &ROUTING_SRH_LAST_ENTRY,
                        at(o + 4, 1),
                        Value::U64(last.into()),
                    );
                    let flags = byte(header.bytes, 5);
                    fit(
                        cx,
                        limit,
                        &ROUTING_SRH_FLAGS,
                        at(o + 5, 1),
                        Value::U64(flags.into()),
                    );
                    fit(cx, limit, &ROUTING_SRH_TAG, at(o + 6, 2), Value::Bytes);
                    // Segments beyond the last entry are TLVs, not addresses.
                    let count = usize::from(last) + 1;
                    for (n, a) in addresses.chunks_exact(16).take(count).enumerate() {
                        let addr = array(a, 0);
                        fit(
                            cx,
                            limit,
                            &ROUTING_SRH_ADDR,
                            at(o + 8 + n * 16, 16),
                            Value::Ipv6(addr),
                        );
                    }
                    let tlvs_at = 8 + count * 16;
                    if complete && tlvs_at < header.bytes.len() {
                        let tlvs = header.bytes.get(tlvs_at..).unwrap_or(&[]);
                        add_srh_tlvs(cx, tlvs, o + tlvs_at);
                    }
                }
                _ => {}
            }
            cx.pop();
        }
        nh::FRAGMENT => {
            let word = be16(header.bytes, 2);
            cx.push(&FRAGHDR, whole, Value::None);
            fit(cx, limit, &FRAGHDR_NXT, at(o, 1), next);
            fit(
                cx,
                limit,
                &FRAGHDR_RESERVED_OCTET,
                at(o + 1, 1),
                Value::U64(len_byte.into()),
            );
            fit(
                cx,
                limit,
                &FRAGHDR_OFFSET,
                at(o + 2, 2),
                Value::U64((word >> 3).into()),
            );
            fit(
                cx,
                limit,
                &FRAGHDR_RESERVED_BITS,
                at(o + 2, 2),
                Value::U64(((word >> 1) & 3).into()),
            );
            fit(
                cx,
                limit,
                &FRAGHDR_MORE,
                at(o + 2, 2),
                Value::Bool(word & 1 != 0),
            );
            fit(
                cx,
                limit,
                &FRAGHDR_IDENT,
                at(o + 4, 4),
                Value::U64(header.frag_ident().into()),
            );
            cx.pop();
        }
        _ => {}
    }
    jumbo
}

/// Is `kind` an extension header this dissector decodes within its layer?
/// (AH is a protocol of its own in Wireshark.)
fn is_own_ext_header(kind: u8) -> bool {
    matches!(
        kind,
        nh::HOP_BY_HOP | nh::ROUTING | nh::FRAGMENT | nh::DEST_OPTIONS
    )
}

#[derive(Debug, Default)]
pub struct Ipv6Dissector;

/// The fields the one-line text reads.
pub static LINE_FIELDS: &[&FieldDef] = &[&PLEN, &SRC, &DST];

/// Every field the ipv6 dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &VERSION,
    &TCLASS,
    &TCLASS_DSCP,
    &TCLASS_ECN,
    &FLOW,
    &PLEN,
    &NXT,
    &HLIM,
    &SRC,
    &DST,
    &SRC_SLAAC_MAC,
    &DST_SLAAC_MAC,
    &HOPOPTS,
    &HOPOPTS_NXT,
    &HOPOPTS_LEN,
    &HOPOPTS_LEN_OCT,
    &DSTOPTS,
    &DSTOPTS_NXT,
    &DSTOPTS_LEN,
    &DSTOPTS_LEN_OCT,
    &OPT,
    &OPT_TYPE,
    &OPT_TYPE_ACTION,
    &OPT_TYPE_CHANGE,
    &OPT_TYPE_REST,
    &OPT_LENGTH,
    &OPT_PAD1,
    &OPT_PADN,
    &OPT_ROUTER_ALERT,
    &OPT_JUMBO,
    &OPT_HOME_ADDRESS,
    &OPT_TEL,
    &OPT_CALIPSO_DOI,
    &OPT_CALIPSO_CMPT_LENGTH,
    &OPT_CALIPSO_SENS_LEVEL,
    &OPT_CALIPSO_CHECKSUM,
    &OPT_PMTU_MIN,
    &OPT_PMTU_RTN,
    &OPT_PMTU_R_FLAG,
    &OPT_EXPERIMENTAL,
    &OPT_UNKNOWN,
    &ROUTING,
    &ROUTING_NXT,
    &ROUTING_LEN,
    &ROUTING_LEN_OCT,
    &ROUTING_TYPE,
    &ROUTING_SEGLEFT,
    &ROUTING_SRC_RESERVED,
    &ROUTING_SRC_ADDR,
    &ROUTING_SRH_LAST_ENTRY,
    &ROUTING_SRH_FLAGS,
    &ROUTING_SRH_TAG,
    &ROUTING_SRH_ADDR,
    &ROUTING_SRH_TLV,
    &ROUTING_SRH_TLV_TYPE,
    &ROUTING_SRH_TLV_LENGTH,
    &ROUTING_SRH_TLV_VALUE,
    &FRAGHDR,
    &FRAGHDR_NXT,
    &FRAGHDR_RESERVED_OCTET,
    &FRAGHDR_OFFSET,
    &FRAGHDR_RESERVED_BITS,
    &FRAGHDR_MORE,
    &FRAGHDR_IDENT,
];

impl Dissector for Ipv6Dissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "ipv6"
    }
    fn full_name(&self) -> &'static str {
        "Internet Protocol Version 6"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let ip = Ipv6::new_unchecked(data);
        if !cx.need(1, "IPv6 version") {
            return Handoff::done(data.len());
        }
        if ip.version() != 6 {
            add_fixed_fields(cx, &ip, 1);
            cx.malformed(0, "IP version is not 6");
            return Handoff::done(data.len());
        }
        add_fixed_fields(cx, &ip, data.len());
        if !cx.need(HEADER_LEN, "IPv6 header") {
            return Handoff::done(data.len());
        }
        let wire = cx.reported_len();
        // The end of the datagram by its payload length; a Jumbo Payload
        // option replaces a zero payload length.
        let mut end = HEADER_LEN + usize::from(ip.payload_len());
        let mut offset = HEADER_LEN;
        let mut next = ip.next_header();
        let mut later_fragment = false;
        while is_own_ext_header(next) {
            let Some(&len_byte) = data.get(offset + 1) else {
                stop_short(cx, offset + 2, end, "IPv6 extension header");
                return Handoff::done(data.len().min(end));
            };
            let len = ext_header_len(next, len_byte).unwrap_or(8);
            let Some(bytes) = data.get(offset..offset + len) else {
                let partial = ExtHeader {
                    kind: next,
                    next: byte(data, offset),
                    offset,
                    bytes: data.get(offset..).unwrap_or(&[]),
                };
                add_ext_header(
                    cx,
                    &partial,
                    len,
                    if ip.payload_len() == 0 { wire } else { end },
                );
                stop_short(cx, offset + len, end, "IPv6 extension header");
                return Handoff::done(data.len().min(end));
            };
            let header = ExtHeader {
                kind: next,
                next: byte(bytes, 0),
                offset,
                bytes,
            };
            // Until a Jumbo Payload option says otherwise, a zero payload
            // length leaves the options the whole frame.
            let options_end = if ip.payload_len() == 0 { wire } else { end };
            let jumbo = add_ext_header(cx, &header, len, options_end);
            if let Some(jumbo) = jumbo.filter(|_| ip.payload_len() == 0) {
                end = HEADER_LEN.saturating_add(jumbo as usize);
            }
            if offset + len > end {
                cx.malformed(offset, "extension header beyond the payload length");
            }
            offset += len;
            next = header.next;
            if header.kind == nh::FRAGMENT && header.frag_offset() != 0 {
                later_fragment = true;
                break;
            }
        }
        if end > wire {
            // Decode what the frame has, as tcpdump and Wireshark do.
            cx.malformed(f::PAYLOAD_LEN.start, "payload length exceeds the frame");
            end = wire;
        }
        let payload_len = end.saturating_sub(offset);
        let handoff = if later_fragment {
            Next::Named("data")
        } else {
            Next::Key(Table::IP_PROTO, next.into())
        };
        Handoff::to(handoff, offset, payload_len)
    }

    /// Link-type heuristic: a LINKTYPE_IPV4/IPV6 frame whose version
    /// nibble says 6 (see `register`).
    fn probe(&self, data: &[u8], cx: &Context<'_>) -> Probe {
        let linktype = cx.frame().linktype;
        if !crate::ip::is_ip_linktype(linktype) {
            return Probe::No;
        }
        match data.first().map(|b| b >> 4) {
            Some(6) => Probe::Yes,
            Some(4) => Probe::No,
            _ if linktype == dissect_core::linktype::IPV6 => Probe::Yes,
            _ => Probe::No,
        }
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        if write_raw_link_header(r) {
            return Ok(());
        }
        render_ipv6(r)
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())?;
        if let (Some(Value::Ipv6(src)), Some(Value::Ipv6(dst))) = (r.value(&SRC), r.value(&DST)) {
            write!(r, ", Src: {}, Dst: {}", Ipv6Text(src), Ipv6Text(dst))?;
        }
        Ok(())
    }
}

/// An extension header runs past the captured bytes (`end_needed`):
/// malformed if it also runs past the payload length (`end`), else truncated.
fn stop_short(cx: &mut Context<'_>, end_needed: usize, end: usize, what: &'static str) {
    if end_needed > end {
        cx.malformed(end.min(end_needed), what);
    } else {
        cx.need(end_needed, what);
    }
}

/// tcpdump's `ip6_print`, step by step, with its texts for each defect.
fn render_ipv6(r: &mut Render<'_>) -> fmt::Result {
    let data = r.bytes();
    if data.len() < HEADER_LEN {
        return r.write_str(" [|ip6]");
    }
    let wire = r.layer().reported_len as usize;
    if wire < HEADER_LEN {
        return write!(r, "truncated-ip6 {wire}");
    }
    if !r.options.link_header {
        r.write_str("IP6 ")?;
    }
    let ip = Ipv6::new_unchecked(data);
    if ip.version() != 6 {
        return write!(r, "version error: {} != 6", ip.version());
    }
    // tcpdump's arithmetic is on 32-bit unsigned integers.
    let mut payload_len = u32::from(ip.payload_len());
    let wire32 = wire as u32;
    let mut len: u32 = if payload_len != 0 {
        let len = payload_len + HEADER_LEN as u32;
        if wire32 < len {
            write!(r, "truncated-ip6 - {} bytes missing!", len - wire32)?;
        }
        len
    } else {
        wire32.wrapping_add(HEADER_LEN as u32)
    };
    let mut next = ip.next_header();
    let verbose = r.options.verbose > 0;
    if verbose {
        write_verbose(r, &ip)?;
    }
    // tcpdump's view of the packet ends with the datagram.
    let snap = data.len().min(len as usize);
    let full = is_port_protocol(next);
    let addresses = Addresses::V6(ip.src(), ip.dst());
    if !full {
        write_pair(r, &ip)?;
        r.write_str(": ")?;
    }
    let mut cp = 0usize;
    let mut advance = HEADER_LEN;
    let mut total_advance: u32 = 0;
    let mut found_extension_header = false;
    let mut found_jumbo = false;
    loop {
        if (len as usize) < advance {
            return r.write_str(" [|ip6]");
        }
        cp += advance;
        len -= advance as u32;
        total_advance = total_advance.wrapping_add(advance as u32);
        match next {
            nh::HOP_BY_HOP | nh::DEST_OPTIONS => {
                let hbh = next == nh::HOP_BY_HOP;
                let trunc = if hbh { " [|hbhopt]" } else { " [|dstopt]" };
                let Some(&len_byte) = data.get(cp + 1).filter(|_| cp + 1 < snap) else {
                    return r.write_str(trunc);
                };
                let header_len = (usize::from(len_byte) + 1) * 8;
                if cp + header_len > snap {
                    return r.write_str(trunc);
                }
                r.write_str(if hbh { "HBH " } else { "DSTOPT " })?;
                // tcpdump reads Hop-by-Hop options always (for a Jumbo
                // Payload), Destination options only with -v.
                if hbh || verbose {
                    let options = data.get(cp + 2..cp + header_len).unwrap_or(&[]);
                    let jumbo_slot = if hbh { Some(&mut payload_len) } else { None };
                    match write_ip6_options(r, options, verbose, jumbo_slot)? {
                        Some(jumbo) => found_jumbo |= jumbo,
                        None => return r.write_str(trunc),
                    }
                }
                found_extension_header = true;
                next = byte(data, cp);
                advance = header_len;
            }
            nh::FRAGMENT => {
                if cp + 4 > snap {
                    return r.write_str(" [|frag6]");
                }
                let offset = be16(data, cp + 2) & 0xfff8;
                // tcpdump computes this in size_t and prints it unsigned.
                let frag_len = (HEADER_LEN as u64 + u64::from(ip.payload_len()))
                    .wrapping_sub(cp as u64)
                    .wrapping_sub(8);
                if verbose {
                    if cp + 8 > snap {
                        return r.write_str(" [|frag6]");
                    }
                    write!(r, "frag (0x{:08x}:{offset}|{frag_len})", be32(data, cp + 4))?;
                } else {
                    write!(r, "frag ({offset}|{frag_len})")?;
                }
                if offset != 0 {
                    return Ok(());
                }
                r.write_str(" ")?;
                if snap <= cp + 8 {
                    return Ok(());
                }
                found_extension_header = true;
                next = byte(data, cp);
                advance = 8;
            }
            nh::ROUTING => {
                if cp >= snap {
                    return r.write_str(" [|ip6]");
                }
                let Some(header_len) = write_rt6(r, data.get(cp..snap).unwrap_or(&[]), verbose)?
                else {
                    return Ok(());
                };
                found_extension_header = true;
                next = byte(data, cp);
                advance = header_len;
            }
            _ => {
                if found_jumbo {
                    len = payload_len.wrapping_add(HEADER_LEN as u32);
                    if len < total_advance {
                        return r.write_str(" [|ip6]");
                    }
                    if wire32 < len {
                        write!(r, "truncated-ip6 - {} bytes missing!", len - wire32)?;
                    }
                    len -= total_advance;
                } else if payload_len == 0 {
                    if found_extension_header {
                        return r.write_str(" [|ip6]");
                    }
                    len = 0;
                }
                return render_upper(r, next, full, addresses, len as usize);
            }
        }
    }
}

fn write_pair(r: &mut Render<'_>, ip: &Ipv6<'_>) -> fmt::Result {
    field::write_ipv6(&ip.src(), r)?;
    r.write_str(" > ")?;
    field::write_ipv6(&ip.dst(), r)
}

/// `(class 0x.., flowlabel 0x....., hlim N, next-header X (N) payload length: N) `
fn write_verbose(r: &mut Render<'_>, ip: &Ipv6<'_>) -> fmt::Result {
    r.write_str("(")?;
    if ip.traffic_class() != 0 {
        write!(r, "class 0x{:02x}, ", ip.traffic_class())?;
    }
    if ip.flow_label() != 0 {
        write!(r, "flowlabel 0x{:05x}, ", ip.flow_label())?;
    }
    let next = ip.next_header();
    let name = tcpdump_ip_proto_name(next).unwrap_or("unknown");
    write!(
        r,
        "hlim {}, next-header {name} ({next}) payload length: {}) ",
        ip.hop_limit(),
        ip.payload_len()
    )
}

/// tcpdump's `ip6_opt_process`: prints the options (with -v) and checks
/// their lengths. `payload_len` is given for a Hop-by-Hop header, where a
/// Jumbo Payload option may replace a zero payload length. Returns None
/// when the options are invalid (tcpdump then prints its `[|...]`), else
/// whether a Jumbo Payload option was found.
fn write_ip6_options(
    r: &mut Render<'_>,
    options: &[u8],
    verbose: bool,
    payload_len: Option<&mut u32>,
) -> Result<Option<bool>, fmt::Error> {
    let len = options.len();
    let mut found_jumbo = false;
    let mut jumbo_len = 0u32;
    let hbh = payload_len.is_some();
    let current_payload_len = payload_len.as_ref().map_or(0, |p| **p);
    let mut i = 0;
    while let Some(&kind) = options.get(i) {
        if kind == option::PAD1 {
            if verbose {
                r.write_str("(pad1)")?;
            }
            i += 1;
            continue;
        }
        let Some(&opt_len) = options.get(i + 1) else {
            return Ok(None);
        };
        let optlen = usize::from(opt_len) + 2;
        if i + optlen > len {
            return Ok(None);
        }
        match kind {
            option::PADN => {
                if verbose {
                    r.write_str("(padn)")?;
                }
            }
            option::ROUTER_ALERT => {
                if len - i < 4 {
                    r.write_str("(rtalert: trunc)")?;
                    return Ok(None);
                }
                if opt_len != 2 {
                    write!(r, "(rtalert: invalid len {opt_len})")?;
                    return Ok(None);
                }
                if verbose {
                    write!(r, "(rtalert: 0x{:04x}) ", be16(options, i + 2))?;
                }
            }
            option::JUMBO => {
                if len - i < 6 {
                    r.write_str("(jumbo: trunc)")?;
                    return Ok(None);
                }
                if opt_len != 4 {
                    write!(r, "(jumbo: invalid len {opt_len})")?;
                    return Ok(None);
                }
                let value = be32(options, i + 2);
                if found_jumbo {
                    if verbose {
                        write!(r, "(jumbo: {value} - already seen) ")?;
                    }
                } else {
                    found_jumbo = true;
                    if !hbh {
                        if verbose {
                            write!(r, "(jumbo: {value} - not a hop-by-hop option) ")?;
                        }
                    } else if current_payload_len != 0 {
                        if verbose {
                            write!(r, "(jumbo: {value} - payload len != 0) ")?;
                        }
                    } else if value < 65536 {
                        if verbose {
                            write!(r, "(jumbo: {value} - < 65536) ")?;
                        }
                    } else {
                        if verbose {
                            write!(r, "(jumbo: {value}) ")?;
                        }
                        jumbo_len = value;
                    }
                }
            }
            option::HOME_ADDRESS => {
                if len - i < 18 {
                    r.write_str("(homeaddr: trunc)")?;
                    return Ok(None);
                }
                if opt_len < 16 {
                    write!(r, "(homeaddr: invalid len {opt_len})")?;
                    return Ok(None);
                }
                if verbose {
                    let addr: [u8; 16] = array(options, i + 2);
                    write!(r, "(homeaddr: {})", Ipv6Text(addr))?;
                }
            }
            _ => {
                if verbose {
                    write!(r, "(opt_type 0x{kind:02x}: len={opt_len})")?;
                }
            }
        }
        i += optlen;
    }
    if verbose {
        r.write_str(" ")?;
    }
    if found_jumbo {
        if let Some(p) = payload_len {
            *p = jumbo_len;
        }
    }
    Ok(Some(found_jumbo))
}

/// tcpdump's `rt6_print` on the captured bytes of a routing header.
/// Returns the header length, or None when the line ends here.
fn write_rt6(r: &mut Render<'_>, bytes: &[u8], verbose: bool) -> Result<Option<usize>, fmt::Error> {
    const TRUNC: &str = " [|rt6]";
    r.write_str("RT6")?;
    let Some(&len) = bytes.get(1) else {
        return r.write_str(TRUNC).map(|_| None);
    };
    write!(r, " (len={len}")?;
    let Some(&kind) = bytes.get(2) else {
        return r.write_str(TRUNC).map(|_| None);
    };
    write!(r, ", type={kind}")?;
    if kind == 0 {
        r.write_str(" [Deprecated]")?;
    }
    let Some(&segleft) = bytes.get(3) else {
        return r.write_str(TRUNC).map(|_| None);
    };
    write!(r, ", segleft={segleft}")?;
    match kind {
        0 | 2 => {
            if bytes.len() < 8 {
                return r.write_str(TRUNC).map(|_| None);
            }
            let reserved = be32(bytes, 4);
            if reserved != 0 || verbose {
                write!(r, ", rsv=0x{reserved:x}")?;
            }
            if len % 2 == 1 {
                write!(r, " [length {len}] (invalid)")?;
                return Ok(None);
            }
        }
        4 => {
            let Some(&last) = bytes.get(4) else {
                return r.write_str(TRUNC).map(|_| None);
            };
            write!(r, ", last-entry={last}")?;
            let Some(&flags) = bytes.get(5) else {
                return r.write_str(TRUNC).map(|_| None);
            };
            if flags != 0 || verbose {
                write!(r, ", flags=0x{flags:x}")?;
            }
            if bytes.len() < 8 {
                return r.write_str(TRUNC).map(|_| None);
            }
            write!(r, ", tag={:x}", be16(bytes, 6))?;
            if len % 2 == 1 {
                write!(r, " (invalid length {len}) (invalid)")?;
                return Ok(None);
            }
        }
        _ => {
            r.write_str(" (unknown type) (invalid)")?;
            return Ok(None);
        }
    }
    for i in 0..usize::from(len / 2) {
        let start = 8 + i * 16;
        let Some(addr) = bytes.get(start..start + 16) else {
            return r.write_str(TRUNC).map(|_| None);
        };
        write!(r, ", [{i}]{}", Ipv6Text(array::<16>(addr, 0)))?;
    }
    r.write_str(") ")?;
    Ok(Some((usize::from(len) + 1) * 8))
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    let id = registry.register(Table::ETHERTYPE, 0x86dd, Ipv6Dissector)?;
    // IPv6 in IP (6in4, RFC 4213), inside IPv4 or IPv6.
    registry.register_id(Table::IP_PROTO, proto::IPV6.into(), id);
    // LINKTYPE_IPV4/IPV6 frames whose version nibble says 6 (see `probe`).
    registry.register_heuristic(Table::LINKTYPE, Ipv6Dissector)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::v4::tests::{decode, decode_with, line, Marker};
    use dissect_core::{Packet, Status};

    const SRC_ADDR: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const DST_ADDR: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// A fixed header naming `next` with `payload` after it.
    fn ipv6_packet(next: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0x00, 0x00, 0x00];
        p.extend((payload.len() as u16).to_be_bytes());
        p.extend([next, 64]);
        p.extend(SRC_ADDR);
        p.extend(DST_ADDR);
        p.extend(payload);
        p
    }

    fn names(packet: &Packet) -> Vec<&'static str> {
        packet.layers.iter().map(|l| l.name).collect()
    }

    fn abbrevs(packet: &Packet, index: usize) -> Vec<&'static str> {
        packet
            .layer_fields(&packet.layers[index])
            .iter()
            .map(|f| f.def.abbrev)
            .collect()
    }

    fn values(packet: &Packet, name: &str) -> Vec<String> {
        packet
            .fields
            .iter()
            .filter(|f| f.def.abbrev == name)
            .map(|f| format!("{:?}", f.value))
            .collect()
    }

    #[test]
    fn destination_options_tree() {
        // Home Address, Path MTU, an experimental and an unknown option.
        let mut opts = vec![nh::NO_NEXT_HEADER, 4];
        opts.extend([0xc9, 16]);
        opts.extend(DST_ADDR);
        opts.extend([0x30, 4, 0x05, 0xdc, 0x05, 0xdd]);
        opts.extend([0x1e, 2, 0xab, 0xcd]);
        opts.extend([0x0e, 3, 1, 2, 3]);
        opts.extend([1, 3, 0, 0, 0]); // PadN to the 40-byte boundary
        let p = ipv6_packet(nh::DEST_OPTIONS, &opts);
        let (_, packet) = decode(&p, p.len());
        assert!(packet.layers[1].status.is_ok());
        assert_eq!(
            values(&packet, "ipv6.opt.mipv6.home_address"),
            [format!("{:?}", Value::Ipv6(DST_ADDR))]
        );
        assert_eq!(values(&packet, "ipv6.opt.pmtu.min"), ["U64(1500)"]);
        assert_eq!(values(&packet, "ipv6.opt.pmtu.rtn"), ["U64(1500)"]);
        assert_eq!(values(&packet, "ipv6.opt.pmtu.r_flag"), ["Bool(true)"]);
        assert_eq!(values(&packet, "ipv6.opt.experimental").len(), 1);
        assert_eq!(values(&packet, "ipv6.opt.unknown").len(), 1);
        assert_eq!(values(&packet, "ipv6.opt.padn").len(), 1);
    }

    #[test]
    fn home_address_of_wrong_length_is_malformed() {
        let mut opts = vec![nh::NO_NEXT_HEADER, 2, 1, 2, 0, 0, 0xc9, 1];
        opts.extend(DST_ADDR[..16].iter());
        let p = ipv6_packet(nh::DEST_OPTIONS, &opts);
        let (_, packet) = decode(&p, p.len());
        assert_eq!(packet.layers[1].status.name(), "malformed");
        // Wireshark still shows the 16 bytes after the length as the address.
        assert_eq!(values(&packet, "ipv6.opt.mipv6.home_address").len(), 1);
    }

    #[test]
    fn segment_routing_segments_and_tlvs() {
        // tcpdump's ipv6-srh-tlv-pad1-padn-5.pcap: one segment, Pad1, PadN(5).
        let mut srh = vec![nh::NO_NEXT_HEADER, 3, 4, 0, 0, 0, 0, 0];
        srh.extend(DST_ADDR);
        srh.extend([0, 4, 5, 0, 0, 0, 0, 0]);
        let p = ipv6_packet(nh::ROUTING, &srh);
        let (_, packet) = decode(&p, p.len());
        assert_eq!(values(&packet, "ipv6.routing.srh.addr").len(), 1);
        assert_eq!(
            values(&packet, "ipv6.routing.srh.tlv.type"),
            ["U64(0)", "U64(4)"]
        );
        assert_eq!(values(&packet, "ipv6.routing.srh.tlv.length"), ["U64(5)"]);
        assert!(packet.layers[1].status.is_ok());
    }

    #[test]
    fn view_reads_header_and_chain() {
        let mut payload = vec![nh::ROUTING, 0, 1, 4, 0, 0, 0, 0]; // HBH: PadN 4
        payload.extend([17, 2, 0, 1, 0, 0, 0, 0]); // routing type 0, 1 address
        payload.extend(DST_ADDR);
        payload.extend([0; 8]); // UDP
        let mut p = ipv6_packet(nh::HOP_BY_HOP, &payload);
        p[0..4].copy_from_slice(&[0x6b, 0x81, 0x23, 0x45]);
        let ip = Ipv6::parse(&p).unwrap();
        assert_eq!(ip.traffic_class(), 0xb8);
        assert_eq!(ip.dscp(), 46);
        assert_eq!(ip.flow_label(), 0x12345);
        assert_eq!(ip.hop_limit(), 64);
        let chain: Vec<u8> = ip.extension_headers().map(|h| h.kind).collect();
        assert_eq!(chain, [nh::HOP_BY_HOP, nh::ROUTING]);
        assert_eq!(ip.upper_protocol(), (17, 40 + 8 + 24));
        assert_eq!(ip.payload().len(), payload.len());
        let json = serde_json::to_string(&ip).unwrap();
        assert!(json.contains("\"src\":\"2001:db8::1\""), "{json}");
    }

    #[test]
    fn view_rejects_bad_version_and_short_header() {
        let mut p = ipv6_packet(59, &[]);
        assert!(matches!(
            Ipv6::parse(&p[..39]),
            Err(Error::Truncated { .. })
        ));
        p[0] = 0x40;
        assert_eq!(
            Ipv6::parse(&p).unwrap_err(),
            Error::Malformed("IP version is not 6")
        );
    }

    #[test]
    fn fields_and_ext_headers() {
        let mut payload = vec![nh::FRAGMENT, 0, 5, 2, 0, 0, 1, 0]; // HBH: router alert, PadN 0
        payload.extend([17, 0, 0, 1, 0, 0, 0, 7]); // first fragment, more
        payload.extend([0; 8]);
        let p = ipv6_packet(nh::HOP_BY_HOP, &payload);
        let mut registry = crate::registry();
        registry
            .register(Table::IP_PROTO, 17, Marker("marker"))
            .unwrap();
        let packet = decode_with(&mut registry, 0x86dd, &p, p.len());
        assert_eq!(names(&packet), ["eth", "ipv6", "marker"]);
        let fields = abbrevs(&packet, 1);
        for name in [
            "ipv6.version",
            "ip.version",
            "ipv6.tclass",
            "ipv6.tclass.dscp",
            "ipv6.tclass.ecn",
            "ipv6.flow",
            "ipv6.plen",
            "ipv6.nxt",
            "ipv6.hlim",
            "ipv6.src",
            "ipv6.dst",
            "ipv6.hopopts",
            "ipv6.hopopts.nxt",
            "ipv6.hopopts.len",
            "ipv6.hopopts.len_oct",
            "ipv6.opt",
            "ipv6.opt.type",
            "ipv6.opt.type.action",
            "ipv6.opt.length",
            "ipv6.opt.router_alert",
            "ipv6.opt.padn",
            "ipv6.fraghdr",
            "ipv6.fraghdr.nxt",
            "ipv6.fraghdr.offset",
            "ipv6.fraghdr.more",
            "ipv6.fraghdr.ident",
        ] {
            assert!(fields.contains(&name), "{name} missing");
        }
        assert_eq!(packet.layers[1].header_len, 56);
        assert_eq!(packet.layers[2].len, 8);
    }

    #[test]
    fn later_fragment_is_not_passed_up() {
        let mut payload = vec![17, 0, 0x05, 0x98, 0, 0, 0, 1]; // offset 1432
        payload.extend([0; 16]);
        let p = ipv6_packet(nh::FRAGMENT, &payload);
        let (_, packet) = decode(&p, p.len());
        assert_eq!(names(&packet), ["eth", "ipv6", "data"]);
        assert_eq!(
            line(&p, p.len(), 0),
            "IP6 2001:db8::1 > 2001:db8::2: frag (1432|16)"
        );
        assert_eq!(
            line(&p, p.len(), 1),
            "IP6 (hlim 64, next-header Fragment (44) payload length: 24) 2001:db8::1 > 2001:db8::2: frag (0x00000001:1432|16)"
        );
    }

    #[test]
    fn payload_is_bounded_by_payload_length() {
        let mut p = ipv6_packet(253, &[1, 2, 3, 4]);
        p.extend([0; 6]); // padding
        let (_, packet) = decode(&p, p.len());
        assert_eq!(packet.layers[2].len, 4);
        assert!(packet.layers[1].status.is_ok());
        assert_eq!(
            line(&p, p.len(), 0),
            "IP6 2001:db8::1 > 2001:db8::2:  ip-proto-253 4"
        );
    }

    #[test]
    fn payload_length_beyond_frame_is_malformed() {
        let mut p = ipv6_packet(253, &[1, 2, 3, 4]);
        p[4..6].copy_from_slice(&10u16.to_be_bytes());
        let (_, packet) = decode(&p, p.len());
        assert!(matches!(
            packet.layers[1].status,
            Status::Malformed { offset: 18, .. }
        ));
        assert_eq!(packet.layers[2].len, 4);
        assert_eq!(
            line(&p, p.len(), 0),
            "IP6 truncated-ip6 - 6 bytes missing!2001:db8::1 > 2001:db8::2:  ip-proto-253 10"
        );
    }

    #[test]
    fn bad_version() {
        let mut p = ipv6_packet(59, &[]);
        p[0] = 0x00;
        let (registry, packet) = crate::ip::v4::tests::decode_as(0x86dd, &p, p.len());
        assert_eq!(packet.layers[1].status.name(), "malformed");
        assert_eq!(
            crate::ip::v4::tests::render_line(&registry, &packet, 0),
            "IP6 version error: 0 != 6"
        );
    }

    #[test]
    fn truncation() {
        let p = ipv6_packet(59, &[]);
        let (_, packet) = decode(&p[..39], p.len());
        assert_eq!(packet.layers[1].status.name(), "truncated");
        assert_eq!(line(&p[..39], p.len(), 0), " [|ip6]");
        // A Hop-by-Hop header cut by the capture.
        let p = ipv6_packet(
            nh::HOP_BY_HOP,
            &[59, 1, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        let (_, packet) = decode(&p[..50], p.len());
        assert_eq!(packet.layers[1].status.name(), "truncated");
        assert_eq!(
            line(&p[..50], p.len(), 0),
            "IP6 2001:db8::1 > 2001:db8::2:  [|hbhopt]"
        );
        // ... and one longer than the payload length says.
        let mut q = p.clone();
        q[4..6].copy_from_slice(&8u16.to_be_bytes());
        let (_, packet) = decode(&q, q.len());
        assert_eq!(packet.layers[1].status.name(), "malformed");
    }

    #[test]
    fn routing_header_text() {
        let mut payload = vec![59, 4, 0, 2, 0, 0, 0, 0];
        payload.extend(SRC_ADDR);
        payload.extend(DST_ADDR);
        let p = ipv6_packet(nh::ROUTING, &payload);
        assert_eq!(
            line(&p, p.len(), 0),
            "IP6 2001:db8::1 > 2001:db8::2: RT6 (len=4, type=0 [Deprecated], segleft=2, [0]2001:db8::1, [1]2001:db8::2) no next header"
        );
    }

    #[test]
    fn no_next_header_and_dstopts() {
        let p = ipv6_packet(59, &[]);
        assert_eq!(
            line(&p, p.len(), 0),
            "IP6 2001:db8::1 > 2001:db8::2: no next header"
        );
        let p = ipv6_packet(nh::DEST_OPTIONS, &[59, 0, 1, 4, 0, 0, 0, 0]);
        assert_eq!(
            line(&p, p.len(), 1),
            "IP6 (hlim 64, next-header unknown (60) payload length: 8) 2001:db8::1 > 2001:db8::2: DSTOPT (padn) no next header"
        );
    }

    #[test]
    fn jumbo_payload() {
        // plen 0, HBH with Jumbo Payload 70000 (more than the frame).
        let payload = [59, 0, 0xc2, 4, 0, 1, 0x11, 0x70];
        let mut p = ipv6_packet(nh::HOP_BY_HOP, &payload);
        p[4..6].copy_from_slice(&[0, 0]);
        let (_, packet) = decode(&p, p.len());
        let fields = abbrevs(&packet, 1);
        assert!(fields.contains(&"ipv6.opt.jumbo"));
        assert_eq!(packet.layers[1].status.name(), "malformed");
        assert_eq!(packet.layers[1].header_len, 48);
    }

    #[test]
    fn tunnels_decode() {
        let inner = ipv6_packet(59, &[]);
        let outer = crate::ip::v4::tests::ipv4_packet(41, 0, &inner);
        let (_, packet) = decode(&outer, outer.len());
        assert_eq!(names(&packet), ["eth", "ip", "ipv6"]);
        assert_eq!(
            line(&outer, outer.len(), 0),
            "IP 10.0.0.1 > 10.0.0.2: IP6 2001:db8::1 > 2001:db8::2: no next header"
        );
        let inner4 = crate::ip::v4::tests::ipv4_packet(253, 0, &[]);
        let outer = ipv6_packet(4, &inner4);
        let (_, packet) = decode(&outer, outer.len());
        assert_eq!(names(&packet), ["eth", "ipv6", "ip"]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let mut payload = vec![
            nh::ROUTING,
            1,
            0xc2,
            4,
            0,
            1,
            0x11,
            0x70,
            5,
            2,
            0,
            0,
            1,
            0,
            0,
            0,
        ];
        payload.extend([nh::FRAGMENT, 4, 4, 1, 0, 0, 0, 0]);
        payload.extend([0xff; 40]);
        payload.extend([nh::DEST_OPTIONS, 0, 0, 0, 0, 0, 0, 0]);
        payload.extend([6, 3, 0xc9, 1, 0, 0, 0, 0]);
        let base = ipv6_packet(nh::HOP_BY_HOP, &payload);
        for len in 0..base.len() {
            for plen in [0u16, 8, 40, 1000] {
                let mut p = base.clone();
                p[4..6].copy_from_slice(&plen.to_be_bytes());
                for v in 0..4 {
                    let _ = line(&p[..len], p.len(), v);
                    let _ = line(&p[..len], len, v);
                }
            }
        }
    }
}
