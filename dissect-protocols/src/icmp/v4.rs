//! Internet Control Message Protocol (RFC 792, 950, 1191, 1256), with
//! multi-part extensions (RFC 4884) and their MPLS label stack (RFC 4950),
//! interface information (RFC 5837) and interface identification (RFC 8335)
//! objects.
//!
//! Error messages quote the datagram that caused them; the quote is handed
//! to the `ip` dissector so it decodes as nested layers. tcpdump's one-line
//! text for an error reads the quoted header at fixed offsets, as tcpdump
//! does; with `-v` the quote is printed by the nested layers on its own
//! line, as tcpdump's `icmp_print` hands it to `ip_print`.

use std::fmt::{self, Write};

use dissect_core::field::{self, Ipv4Text};
use dissect_core::{
    Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::icmp::EchoRequests;
use crate::ip::addr::{self, NetAddrs};
use crate::wire::{array, be16, be32, byte, check_len, internet_checksum, Error};

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
    pub const EXT_ECHO_REQUEST: u8 = 42;
    pub const EXT_ECHO_REPLY: u8 = 43;
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
        kind::EXT_ECHO_REQUEST => "Extended Echo request",
        kind::EXT_ECHO_REPLY => "Extended Echo reply",
        _ => return None,
    })
}

fn names_type(v: u64) -> Option<&'static str> {
    type_name(v as u8)
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
.names(crate::names::checksum_status_name);
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

pub static IDENT_LE: FieldDef =
    FieldDef::new("icmp.ident_le", "Identifier (LE)", FieldType::Uint(16));
pub static SEQ_LE: FieldDef =
    FieldDef::new("icmp.seq_le", "Sequence Number (LE)", FieldType::Uint(16));
pub static RESERVED: FieldDef = FieldDef::new("icmp.reserved", "Reserved", FieldType::Bytes);
pub static ORIGINATE_TS: FieldDef = FieldDef::new(
    "icmp.originate_timestamp",
    "Originate Timestamp",
    FieldType::Uint(32),
);
pub static RECEIVE_TS: FieldDef = FieldDef::new(
    "icmp.receive_timestamp",
    "Receive Timestamp",
    FieldType::Uint(32),
);
pub static TRANSMIT_TS: FieldDef = FieldDef::new(
    "icmp.transmit_timestamp",
    "Transmit Timestamp",
    FieldType::Uint(32),
);
pub static NUM_ADDRS: FieldDef =
    FieldDef::new("icmp.num_addrs", "Number of addresses", FieldType::Uint(8));
pub static ADDR_ENTRY_SIZE: FieldDef = FieldDef::new(
    "icmp.addr_entry_size",
    "Address entry size",
    FieldType::Uint(8),
);
pub static LIFETIME: FieldDef = FieldDef::new("icmp.lifetime", "Lifetime", FieldType::Uint(16));
pub static ROUTER_ADDRESS: FieldDef =
    FieldDef::new("icmp.router_address", "Router address", FieldType::Ipv4);
pub static PREF_LEVEL: FieldDef =
    FieldDef::new("icmp.pref_level", "Preference level", FieldType::Int(32));
pub static RESP_TO: FieldDef = FieldDef::new("icmp.resp_to", "Request frame", FieldType::Uint(32));
pub static RESPTIME: FieldDef = FieldDef::new("icmp.resptime", "Response time", FieldType::Double);

// Extended echo (RFC 8335).
pub static EXT_ECHO_SEQ: FieldDef =
    FieldDef::new("icmp.ext.echo.seq", "Sequence Number", FieldType::Uint(8));
pub static EXT_ECHO_REQ_RES: FieldDef =
    FieldDef::new("icmp.ext.echo.req.res", "Reserved", FieldType::Uint(8))
        .base(Base::Hex)
        .mask(0xfe);
pub static EXT_ECHO_REQ_LOCAL: FieldDef =
    FieldDef::new("icmp.ext.echo.req.local", "Local bit", FieldType::Bool).mask(0x01);
pub static EXT_ECHO_RSP_STATE: FieldDef =
    FieldDef::new("icmp.ext.echo.rsp.state", "State", FieldType::Uint(8)).mask(0xe0);
pub static EXT_ECHO_RSP_RES: FieldDef =
    FieldDef::new("icmp.ext.echo.rsp.res", "Reserved", FieldType::Uint(8))
        .base(Base::Hex)
        .mask(0x18);
pub static EXT_ECHO_RSP_ACTIVE: FieldDef =
    FieldDef::new("icmp.ext.echo.rsp.active", "Active bit", FieldType::Bool).mask(0x04);
pub static EXT_ECHO_RSP_IPV4: FieldDef =
    FieldDef::new("icmp.ext.echo.rsp.ipv4", "IPv4 bit", FieldType::Bool).mask(0x02);
pub static EXT_ECHO_RSP_IPV6: FieldDef =
    FieldDef::new("icmp.ext.echo.rsp.ipv6", "IPv6 bit", FieldType::Bool).mask(0x01);

// Multi-part message extensions (RFC 4884) and their objects.
pub static EXT: FieldDef = FieldDef::new("icmp.ext", "ICMP Extensions", FieldType::None);
pub static EXT_VERSION: FieldDef = FieldDef::new("icmp.ext.version", "Version", FieldType::Uint(8));
pub static EXT_RES: FieldDef = FieldDef::new("icmp.ext.res", "Reserved", FieldType::Uint(16))
    .base(Base::Hex)
    .mask(0x0fff);
pub static EXT_CHECKSUM: FieldDef =
    FieldDef::new("icmp.ext.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static EXT_CHECKSUM_STATUS: FieldDef = FieldDef::new(
    "icmp.ext.checksum.status",
    "Checksum Status",
    FieldType::Uint(8),
)
.names(crate::names::checksum_status_name);
/// One extension object (a heading; tshark names it by its class).
pub static EXT_OBJECT: FieldDef =
    FieldDef::new("icmp.ext.object", "Extension Object", FieldType::None);
pub static EXT_LENGTH: FieldDef = FieldDef::new("icmp.ext.length", "Length", FieldType::Uint(16));
pub static EXT_CLASS: FieldDef =
    FieldDef::new("icmp.ext.class", "Class", FieldType::Uint(8)).names(names_ext_class);
pub static EXT_CTYPE: FieldDef = FieldDef::new("icmp.ext.ctype", "C-Type", FieldType::Uint(8));
pub static EXT_DATA: FieldDef = FieldDef::new("icmp.ext.data", "Data", FieldType::Bytes);
pub static MPLS_LABEL: FieldDef =
    FieldDef::new("icmp.mpls.label", "Label", FieldType::Uint(24)).mask(0xff_fff0);
pub static MPLS_EXP: FieldDef =
    FieldDef::new("icmp.mpls.exp", "Experimental", FieldType::Uint(24)).mask(0x0e);
pub static MPLS_S: FieldDef = FieldDef::new("icmp.mpls.s", "Stack bit", FieldType::Bool).mask(0x01);
pub static MPLS_TTL: FieldDef = FieldDef::new("icmp.mpls.ttl", "Time to live", FieldType::Uint(8));
pub static MPLS_DATA: FieldDef = FieldDef::new("icmp.mpls.data", "Data", FieldType::Bytes);
pub static INT_INFO_ROLE: FieldDef =
    FieldDef::new("icmp.int_info.role", "Interface Role", FieldType::Uint(8))
        .mask(0xc0)
        .names(names_int_info_role);
pub static INT_INFO_RESERVED: FieldDef =
    FieldDef::new("icmp.int_info.reserved", "Reserved", FieldType::Uint(8)).mask(0x30);
pub static INT_INFO_IFINDEX: FieldDef =
    FieldDef::new("icmp.int_info.ifindex", "ifIndex", FieldType::Bool).mask(0x08);
pub static INT_INFO_IPADDR: FieldDef =
    FieldDef::new("icmp.int_info.ipaddr", "IP Address", FieldType::Bool).mask(0x04);
pub static INT_INFO_NAME_PRESENT: FieldDef = FieldDef::new(
    "icmp.int_info.name_present",
    "Interface Name",
    FieldType::Bool,
)
.mask(0x02);
pub static INT_INFO_MTU_PRESENT: FieldDef =
    FieldDef::new("icmp.int_info.mtu_present", "MTU", FieldType::Bool).mask(0x01);
pub static INT_INFO_INDEX: FieldDef = FieldDef::new(
    "icmp.int_info.index",
    "Interface Index",
    FieldType::Uint(32),
);
pub static INT_INFO_AFI: FieldDef = FieldDef::new(
    "icmp.int_info.afi",
    "Address Family Identifier",
    FieldType::Uint(16),
);
pub static INT_INFO_IPV4: FieldDef = FieldDef::new("icmp.int_info.ipv4", "Source", FieldType::Ipv4);
pub static INT_INFO_IPV6: FieldDef = FieldDef::new("icmp.int_info.ipv6", "Source", FieldType::Ipv6);
pub static INT_INFO_IPUNKNOWN: FieldDef =
    FieldDef::new("icmp.int_info.ipunknown", "Source", FieldType::Bytes);
pub static INT_INFO_NAME_LENGTH: FieldDef = FieldDef::new(
    "icmp.int_info.name_length",
    "Name Length",
    FieldType::Uint(8),
);
pub static INT_INFO_NAME: FieldDef = FieldDef::new("icmp.int_info.name", "Name", FieldType::Str);
pub static INT_INFO_MTU: FieldDef = FieldDef::new(
    "icmp.int_info.mtu",
    "Maximum Transmission Unit",
    FieldType::Uint(32),
);
pub static INT_IDENT_NAME: FieldDef = FieldDef::new("icmp.int_ident.name", "Name", FieldType::Str);
pub static INT_IDENT_INDEX: FieldDef = FieldDef::new(
    "icmp.int_ident.index",
    "Interface Index",
    FieldType::Uint(32),
);
pub static INT_IDENT_AFI: FieldDef = FieldDef::new(
    "icmp.int_ident.afi",
    "Address Family Identifier",
    FieldType::Uint(16),
);
pub static INT_IDENT_ADDR_LENGTH: FieldDef = FieldDef::new(
    "icmp.int_ident.addr_length",
    "Address Length",
    FieldType::Uint(8),
);
pub static INT_IDENT_RESERVED: FieldDef =
    FieldDef::new("icmp.int_ident.reserved", "Reserved", FieldType::Bytes);
pub static INT_IDENT_IPV4: FieldDef =
    FieldDef::new("icmp.int_ident.ipv4", "Address", FieldType::Ipv4);
pub static INT_IDENT_IPV6: FieldDef =
    FieldDef::new("icmp.int_ident.ipv6", "Address", FieldType::Ipv6);
pub static INT_IDENT_ADDRESS: FieldDef =
    FieldDef::new("icmp.int_ident.address", "Address", FieldType::Bytes);

fn names_ext_class(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "MPLS Label Stack Class",
        2 => "Interface Information Object",
        3 => "Interface Identification Object",
        4 => "Extended Payload Class",
        _ => return None,
    })
}

fn names_int_info_role(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "IP interface upon which datagram arrived",
        1 => "Sub-IP component of an IP interface upon which datagram arrived",
        2 => "IP interface through which datagram would be forwarded",
        3 => "IP next-hop to which datagram would be forwarded",
        _ => return None,
    })
}

/// Extension object classes (IANA "ICMP Extension Object Classes").
mod ext_class {
    pub const MPLS_STACK: u8 = 1;
    pub const INTERFACE_INFO: u8 = 2;
    pub const INTERFACE_IDENT: u8 = 3;
    pub const EXTENDED_PAYLOAD: u8 = 4;
}

/// Where RFC 4884 extensions start in an ICMP error without a length field:
/// after 128 bytes of quoted datagram.
pub const EXTENSION_LEGACY_OFFSET: usize = HEADER_LEN + 128;

/// The multi-part extension structure (RFC 4884 §7) from `start` to the end
/// of the message: the header with its checksum, then each object. Shared
/// with ICMPv6, whose extended echo carries the same structure.
pub fn add_extensions(cx: &mut Context<'_>, data: &[u8], start: usize) {
    let reported = cx.reported_len();
    if start >= reported {
        return;
    }
    cx.push(&EXT, start..reported, Value::None);
    if reported - start < 4 || !cx.need(start + 4, "ICMP extension header") {
        cx.pop();
        return;
    }
    let version = byte(data, start) >> 4;
    cx.add(&EXT_VERSION, start..start + 1, Value::U64(version.into()));
    let res = be16(data, start) & 0x0fff;
    cx.add(&EXT_RES, start..start + 2, Value::U64(res.into()));
    cx.add(
        &EXT_CHECKSUM,
        start + 2..start + 4,
        Value::U64(be16(data, start + 2).into()),
    );
    if let Some(all) = data.get(start..reported) {
        let good = internet_checksum(all) == 0;
        cx.generated(
            &EXT_CHECKSUM_STATUS,
            start + 2..start + 4,
            Value::U64(good.into()),
        );
    }
    if version != 1 && version != 2 {
        cx.pop();
        return;
    }
    let mut at = start + 4;
    while reported.saturating_sub(at) >= 4 {
        if !cx.need(at + 4, "ICMP extension object") {
            break;
        }
        let obj_len = usize::from(be16(data, at));
        let end = at + obj_len.min(reported - at);
        cx.push(&EXT_OBJECT, at..end.max(at + 4), Value::None);
        cx.add(&EXT_LENGTH, at..at + 2, Value::U64(obj_len as u64));
        let class = byte(data, at + 2);
        cx.add(&EXT_CLASS, at + 2..at + 3, Value::U64(class.into()));
        if obj_len < 4 {
            cx.malformed(at, "ICMP extension object shorter than its header");
            cx.pop();
            break;
        }
        if !cx.need(end, "ICMP extension object") {
            cx.pop();
            break;
        }
        let ctype = byte(data, at + 3);
        let known = match class {
            ext_class::MPLS_STACK if ctype == 1 => {
                add_mpls_stack(cx, data, at, end);
                true
            }
            ext_class::INTERFACE_INFO => {
                add_interface_info(cx, data, at, end);
                true
            }
            ext_class::INTERFACE_IDENT => add_interface_ident(cx, data, at, end),
            ext_class::EXTENDED_PAYLOAD if ctype == 1 => {
                cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(ctype.into()));
                if end > at + 4 {
                    cx.add(&EXT_DATA, at + 4..end, Value::Bytes);
                }
                true
            }
            _ => false,
        };
        if !known {
            cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(ctype.into()));
            if end > at + 4 {
                cx.add(&EXT_DATA, at + 4..end, Value::Bytes);
            }
        }
        cx.pop();
        at = end;
    }
    cx.pop();
}

/// An MPLS label stack object (RFC 4950): one 4-byte entry per label.
fn add_mpls_stack(cx: &mut Context<'_>, data: &[u8], at: usize, end: usize) {
    cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(1));
    let mut entry = at + 4;
    while entry + 4 <= end {
        let word = be32(data, entry);
        cx.add(
            &MPLS_LABEL,
            entry..entry + 3,
            Value::U64((word >> 12).into()),
        );
        let tc_s = byte(data, entry + 2);
        cx.add(
            &MPLS_EXP,
            entry + 2..entry + 3,
            Value::U64(((tc_s >> 1) & 7).into()),
        );
        cx.add(&MPLS_S, entry + 2..entry + 3, Value::Bool(tc_s & 1 != 0));
        cx.add(
            &MPLS_TTL,
            entry + 3..entry + 4,
            Value::U64(byte(data, entry + 3).into()),
        );
        entry += 4;
    }
    if entry < end {
        cx.add(&MPLS_DATA, entry..end, Value::Bytes);
    }
}

/// An interface information object (RFC 5837 §4): the C-Type's bits say
/// which of index, address, name and MTU follow.
fn add_interface_info(cx: &mut Context<'_>, data: &[u8], at: usize, end: usize) {
    let ctype = byte(data, at + 3);
    let r = at + 3..at + 4;
    cx.push(&EXT_CTYPE, r.clone(), Value::U64(ctype.into()));
    cx.add(&INT_INFO_ROLE, r.clone(), Value::U64((ctype >> 6).into()));
    cx.add(
        &INT_INFO_RESERVED,
        r.clone(),
        Value::U64(((ctype >> 4) & 3).into()),
    );
    cx.add(&INT_INFO_IFINDEX, r.clone(), Value::Bool(ctype & 0x08 != 0));
    cx.add(&INT_INFO_IPADDR, r.clone(), Value::Bool(ctype & 0x04 != 0));
    cx.add(
        &INT_INFO_NAME_PRESENT,
        r.clone(),
        Value::Bool(ctype & 0x02 != 0),
    );
    cx.add(&INT_INFO_MTU_PRESENT, r, Value::Bool(ctype & 0x01 != 0));
    cx.pop();
    let mut off = at + 4;
    let fits = |off: usize, n: usize| off + n <= end && off + n <= data.len();
    if ctype & 0x08 != 0 && fits(off, 4) {
        cx.add(
            &INT_INFO_INDEX,
            off..off + 4,
            Value::U64(be32(data, off).into()),
        );
        off += 4;
    }
    if ctype & 0x04 != 0 && fits(off, 4) {
        let afi = be16(data, off);
        cx.add(&INT_INFO_AFI, off..off + 2, Value::U64(afi.into()));
        cx.add(&RESERVED, off + 2..off + 4, Value::Bytes);
        off += 4;
        match afi {
            1 if fits(off, 4) => {
                cx.add(&INT_INFO_IPV4, off..off + 4, Value::Ipv4(array(data, off)));
                off += 4;
            }
            2 if fits(off, 16) => {
                cx.add(&INT_INFO_IPV6, off..off + 16, Value::Ipv6(array(data, off)));
                off += 16;
            }
            1 | 2 => return,
            _ => {
                cx.add(&INT_INFO_IPUNKNOWN, off..end, Value::Bytes);
                return;
            }
        }
    }
    if ctype & 0x02 != 0 && fits(off, 1) {
        // The length counts itself (RFC 5837 §4.3).
        let name_len = usize::from(byte(data, off));
        cx.add(
            &INT_INFO_NAME_LENGTH,
            off..off + 1,
            Value::U64(name_len as u64),
        );
        off += 1;
        if name_len >= 1 && fits(off, name_len - 1) {
            let text = c_string_len(data, off, off + name_len - 1);
            cx.add(&INT_INFO_NAME, off..off + text, Value::Str);
            off += name_len - 1;
        }
    }
    if ctype & 0x01 != 0 && fits(off, 4) {
        cx.add(
            &INT_INFO_MTU,
            off..off + 4,
            Value::U64(be32(data, off).into()),
        );
    }
}

/// An interface identification object (RFC 8335 §2.1): by name, index or
/// address. False for an unknown C-Type (shown as data).
fn add_interface_ident(cx: &mut Context<'_>, data: &[u8], at: usize, end: usize) -> bool {
    let ctype = byte(data, at + 3);
    let off = at + 4;
    match ctype {
        1 => {
            cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(ctype.into()));
            cx.add(
                &INT_IDENT_NAME,
                off..off + c_string_len(data, off, end),
                Value::Str,
            );
        }
        2 => {
            cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(ctype.into()));
            if off + 4 <= end {
                cx.add(
                    &INT_IDENT_INDEX,
                    off..off + 4,
                    Value::U64(be32(data, off).into()),
                );
            }
        }
        3 => {
            cx.add(&EXT_CTYPE, at + 3..at + 4, Value::U64(ctype.into()));
            if off + 4 > end {
                return true;
            }
            let afi = be16(data, off);
            let mut addr_len = usize::from(byte(data, off + 2));
            cx.add(&INT_IDENT_AFI, off..off + 2, Value::U64(afi.into()));
            cx.add(
                &INT_IDENT_ADDR_LENGTH,
                off + 2..off + 3,
                Value::U64(addr_len as u64),
            );
            cx.add(&INT_IDENT_RESERVED, off + 3..off + 4, Value::Bytes);
            let mut a = off + 4;
            let room = cx.reported_len().min(data.len());
            match afi {
                1 => {
                    while addr_len >= 4 && a + 4 <= room {
                        cx.add(&INT_IDENT_IPV4, a..a + 4, Value::Ipv4(array(data, a)));
                        a += 4;
                        addr_len -= 4;
                    }
                }
                2 => {
                    while addr_len >= 16 && a + 16 <= room {
                        cx.add(&INT_IDENT_IPV6, a..a + 16, Value::Ipv6(array(data, a)));
                        a += 16;
                        addr_len -= 16;
                    }
                }
                _ => cx.add(&INT_IDENT_ADDRESS, a..room, Value::Bytes),
            }
        }
        _ => return false,
    }
    true
}

/// The length of a text field padded with NULs (as tshark shows strings,
/// up to the first NUL).
fn c_string_len(data: &[u8], start: usize, end: usize) -> usize {
    let field = data.get(start..end.min(data.len())).unwrap_or(&[]);
    field.iter().position(|&b| b == 0).unwrap_or(field.len())
}

/// The field definitions of an extended echo (RFC 8335), one set per
/// protocol (`icmp.ext.echo.*`, `icmpv6.ext.echo.*`): the layout is the same.
pub(crate) struct ExtEchoFields {
    pub seq: &'static FieldDef,
    pub req_res: &'static FieldDef,
    pub req_local: &'static FieldDef,
    pub rsp_state: &'static FieldDef,
    pub rsp_res: &'static FieldDef,
    pub rsp_active: &'static FieldDef,
    pub rsp_ipv4: &'static FieldDef,
    pub rsp_ipv6: &'static FieldDef,
}

pub(crate) static EXT_ECHO: ExtEchoFields = ExtEchoFields {
    seq: &EXT_ECHO_SEQ,
    req_res: &EXT_ECHO_REQ_RES,
    req_local: &EXT_ECHO_REQ_LOCAL,
    rsp_state: &EXT_ECHO_RSP_STATE,
    rsp_res: &EXT_ECHO_RSP_RES,
    rsp_active: &EXT_ECHO_RSP_ACTIVE,
    rsp_ipv4: &EXT_ECHO_RSP_IPV4,
    rsp_ipv6: &EXT_ECHO_RSP_IPV6,
};

/// The fields of an extended echo request or reply (RFC 8335 §2-3) after
/// the identifier, for ICMP and ICMPv6 alike.
pub(crate) fn add_extended_echo(
    cx: &mut Context<'_>,
    data: &[u8],
    request: bool,
    fields: &ExtEchoFields,
) {
    cx.add(fields.seq, 6..7, Value::U64(byte(data, 6).into()));
    let bits = byte(data, 7);
    let r = 7..8;
    if request {
        cx.add(fields.req_res, r.clone(), Value::U64((bits >> 1).into()));
        cx.add(fields.req_local, r, Value::Bool(bits & 1 != 0));
    } else {
        cx.add(fields.rsp_state, r.clone(), Value::U64((bits >> 5).into()));
        cx.add(
            fields.rsp_res,
            r.clone(),
            Value::U64(((bits >> 3) & 3).into()),
        );
        cx.add(fields.rsp_active, r.clone(), Value::Bool(bits & 4 != 0));
        cx.add(fields.rsp_ipv4, r.clone(), Value::Bool(bits & 2 != 0));
        cx.add(fields.rsp_ipv6, r, Value::Bool(bits & 1 != 0));
    }
}

#[derive(Debug, Default)]
pub struct IcmpDissector {
    echoes: EchoRequests,
}

/// Every field the icmp dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &TYPE,
    &CODE,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &IDENT,
    &SEQ,
    &DATA_TIME,
    &DATA_TIME_RELATIVE,
    &LENGTH,
    &LENGTH_ORIGINAL,
    &UNUSED,
    &MTU,
    &REDIR_GW,
    &POINTER,
    &ADDRESS_MASK,
    &IDENT_LE,
    &SEQ_LE,
    &RESERVED,
    &ORIGINATE_TS,
    &RECEIVE_TS,
    &TRANSMIT_TS,
    &NUM_ADDRS,
    &ADDR_ENTRY_SIZE,
    &LIFETIME,
    &ROUTER_ADDRESS,
    &PREF_LEVEL,
    &RESP_TO,
    &RESPTIME,
    &EXT_ECHO_SEQ,
    &EXT_ECHO_REQ_RES,
    &EXT_ECHO_REQ_LOCAL,
    &EXT_ECHO_RSP_STATE,
    &EXT_ECHO_RSP_RES,
    &EXT_ECHO_RSP_ACTIVE,
    &EXT_ECHO_RSP_IPV4,
    &EXT_ECHO_RSP_IPV6,
    &EXT,
    &EXT_VERSION,
    &EXT_RES,
    &EXT_CHECKSUM,
    &EXT_CHECKSUM_STATUS,
    &EXT_OBJECT,
    &EXT_LENGTH,
    &EXT_CLASS,
    &EXT_CTYPE,
    &EXT_DATA,
    &MPLS_LABEL,
    &MPLS_EXP,
    &MPLS_S,
    &MPLS_TTL,
    &MPLS_DATA,
    &INT_INFO_ROLE,
    &INT_INFO_RESERVED,
    &INT_INFO_IFINDEX,
    &INT_INFO_IPADDR,
    &INT_INFO_NAME_PRESENT,
    &INT_INFO_MTU_PRESENT,
    &INT_INFO_INDEX,
    &INT_INFO_AFI,
    &INT_INFO_IPV4,
    &INT_INFO_IPV6,
    &INT_INFO_IPUNKNOWN,
    &INT_INFO_NAME_LENGTH,
    &INT_INFO_NAME,
    &INT_INFO_MTU,
    &INT_IDENT_NAME,
    &INT_IDENT_INDEX,
    &INT_IDENT_AFI,
    &INT_IDENT_ADDR_LENGTH,
    &INT_IDENT_RESERVED,
    &INT_IDENT_IPV4,
    &INT_IDENT_IPV6,
    &INT_IDENT_ADDRESS,
];

impl Dissector for IcmpDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

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
            // Like Wireshark, show what the cut header still holds.
            if data.len() >= f::CHECKSUM.end {
                cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(be16(data, 2).into()));
                cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(2));
            }
            if data.len() >= f::IDENT.end && has_ident(byte(data, 0)) {
                let id = be16(data, f::IDENT.start);
                cx.add(&IDENT, f::IDENT, Value::U64(id.into()));
                cx.add(&IDENT_LE, f::IDENT, Value::U64(id.swap_bytes().into()));
            }
            return Handoff::done(data.len());
        }
        let icmp = Icmp { data };
        let reported = cx.reported_len();
        let quoted = cx
            .previous_layers()
            .iter()
            .any(|l| l.name == "icmp" || l.name == "icmpv6");
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(icmp.checksum().into()));
        if cx.wants(&CHECKSUM_STATUS) {
            // Like Wireshark: no verdict for a cut message, a fragment or
            // one quoted in an error.
            let status = if data.len() >= reported && !quoted && !addr::is_fragment(cx) {
                u64::from(icmp.checksum_ok())
            } else {
                2
            };
            cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(status));
        }
        let icmp_type = icmp.icmp_type();
        let body_len = reported - HEADER_LEN;
        // RFC 4884 length of the quoted datagram, in 32-bit words.
        let words = match icmp_type {
            kind::UNREACHABLE | kind::TIME_EXCEEDED | kind::PARAM_PROBLEM => byte(data, 5),
            _ => 0,
        };
        match icmp_type {
            t if has_ident(t) => {
                let (id, seq) = (icmp.ident(), icmp.seq());
                cx.add(&IDENT, f::IDENT, Value::U64(id.into()));
                cx.add(&IDENT_LE, f::IDENT, Value::U64(id.swap_bytes().into()));
                cx.add(&SEQ, f::SEQ, Value::U64(seq.into()));
                cx.add(&SEQ_LE, f::SEQ, Value::U64(seq.swap_bytes().into()));
                match t {
                    kind::MASK_REQUEST | kind::MASK_REPLY
                        if cx.need(f::ADDRESS_MASK.end, "ICMP address mask") =>
                    {
                        let mask = array(data, f::ADDRESS_MASK.start);
                        cx.add(&ADDRESS_MASK, f::ADDRESS_MASK, Value::Ipv4(mask));
                    }
                    kind::TIMESTAMP | kind::TIMESTAMP_REPLY if cx.need(20, "ICMP timestamps") => {
                        cx.add(&ORIGINATE_TS, 8..12, Value::U64(be32(data, 8).into()));
                        cx.add(&RECEIVE_TS, 12..16, Value::U64(be32(data, 12).into()));
                        cx.add(&TRANSMIT_TS, 16..20, Value::U64(be32(data, 16).into()));
                    }
                    kind::ECHO | kind::ECHO_REPLY if cx.wants_tree() && !quoted => {
                        if let Some(addrs) = NetAddrs::of(cx).filter(|a| !a.v6) {
                            let fields = (&RESP_TO, &RESPTIME);
                            let request = t == kind::ECHO;
                            self.echoes.track(cx, request, &addrs, (id, seq), fields);
                        }
                    }
                    _ => {}
                }
            }
            kind::EXT_ECHO_REQUEST | kind::EXT_ECHO_REPLY => {
                let id = icmp.ident();
                cx.add(&IDENT, f::IDENT, Value::U64(id.into()));
                cx.add(&IDENT_LE, f::IDENT, Value::U64(id.swap_bytes().into()));
                add_extended_echo(cx, data, icmp_type == kind::EXT_ECHO_REQUEST, &EXT_ECHO);
                if icmp_type == kind::EXT_ECHO_REQUEST && cx.wants_tree() {
                    add_extensions(cx, data, HEADER_LEN);
                }
                return Handoff::done(data.len());
            }
            kind::ROUTER_ADVERT => {
                let (count, size) = (byte(data, 4), byte(data, 5));
                cx.add(&NUM_ADDRS, 4..5, Value::U64(count.into()));
                cx.add(&ADDR_ENTRY_SIZE, 5..6, Value::U64(size.into()));
                cx.add(&LIFETIME, 6..8, Value::U64(be16(data, 6).into()));
                if size == 2 {
                    for i in 0..usize::from(count) {
                        let at = HEADER_LEN + i * 8;
                        if !cx.need(at + 8, "router advertisement entry") {
                            break;
                        }
                        cx.add(&ROUTER_ADDRESS, at..at + 4, Value::Ipv4(array(data, at)));
                        let pref = i64::from(be32(data, at + 4) as i32);
                        cx.add(&PREF_LEVEL, at + 4..at + 8, Value::I64(pref));
                    }
                    return Handoff::done(data.len());
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
            // Wireshark reads extensions only where they cannot be part of
            // the quote: after a quoted datagram of at most 128 bytes.
            let multipart = matches!(
                icmp_type,
                kind::UNREACHABLE | kind::TIME_EXCEEDED | kind::PARAM_PROBLEM
            );
            if multipart
                && cx.wants_tree()
                && reported > EXTENSION_LEGACY_OFFSET
                && data.len() >= HEADER_LEN + 4
                && be16(data, HEADER_LEN + 2) <= 128
            {
                let start = match words {
                    0 => EXTENSION_LEGACY_OFFSET,
                    w => HEADER_LEN + usize::from(w) * 4,
                };
                add_extensions(cx, data, start);
            }
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
        let length = crate::ip::ip_payload_len(r);
        match IcmpText::new(bytes) {
            Some(text) => {
                r.text("ICMP ");
                text.write(r)?;
                r.text(", length ");
                r.number(length);
            }
            None => return r.write_str(" [|icmp]"),
        }
        if r.options.verbose == 0 {
            return Ok(());
        }
        render_verbose(r, bytes, length)
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }
}

/// What tcpdump's `icmp_print` adds with `-v`: a checksum complaint, the
/// quoted datagram of an error on its own line (printed by the inner
/// layers), and the multi-part extensions.
fn render_verbose(r: &mut Render<'_>, bytes: &[u8], length: u32) -> fmt::Result {
    let length = length as usize;
    if !in_fragment(r) && bytes.len() >= length {
        let residue = internet_checksum(bytes.get(..length).unwrap_or(bytes));
        if residue != 0 {
            if bytes.len() < f::CHECKSUM.end {
                return r.write_str(" [|icmp]");
            }
            let field = be16(bytes, f::CHECKSUM.start);
            let right = addr::expected_checksum(field, residue);
            write!(r, " (wrong icmp cksum {field:x} (->{right:x})!)")?;
        }
    }
    let icmp_type = byte(bytes, 0);
    if !is_error(icmp_type) {
        return Ok(());
    }
    r.write_str("\n\t")?;
    // tcpdump reads the quoted header's total length first.
    if bytes.len() < HEADER_LEN + 4 {
        return r.write_str(" [|icmp]");
    }
    // The inner layers print the quoted datagram (ipv4.rs knows it is a quote).
    r.next()?;
    const EXT_MIN_LEN: usize = 136;
    let multipart = matches!(
        icmp_type,
        kind::UNREACHABLE | kind::TIME_EXCEEDED | kind::PARAM_PROBLEM
    );
    if !multipart || length <= EXT_MIN_LEN {
        return Ok(());
    }
    render_extensions(r, bytes, length)
}

/// True when the IP layer carrying this message is a fragment (tcpdump
/// then does not check the checksum).
fn in_fragment(r: &Render<'_>) -> bool {
    let Some(ip) = r.index.checked_sub(1).and_then(|i| r.packet.layers.get(i)) else {
        return false;
    };
    if ip.name != "ip" {
        return false;
    }
    be16(&r.packet.data, ip.offset as usize + 6) & 0x3fff != 0
}

/// tcpdump's multi-part extension text (RFC 4884, always 128 bytes into
/// the quote): version, checksum and each object; MPLS labels decoded,
/// anything else dumped in hex.
fn render_extensions(r: &mut Render<'_>, bytes: &[u8], length: usize) -> fmt::Result {
    const EXT: usize = EXTENSION_LEGACY_OFFSET;
    // tcpdump checks its whole extension structure header is captured.
    if bytes.len() < EXT + 5 {
        return r.write_str(" [|icmp]");
    }
    let ext_len = length - EXT;
    let whole = bytes.get(EXT..length);
    if byte(bytes, 5) == 0 {
        // No RFC 4884 length: believe in extensions only if their checksum is right.
        if let Some(ext) = whole {
            if internet_checksum(ext) != 0 {
                return Ok(());
            }
        }
    }
    let version = byte(bytes, EXT) >> 4;
    write!(r, "\n\tICMP Multi-Part extension v{version}")?;
    if version != 2 {
        return r.write_str(" packet not supported");
    }
    if let Some(ext) = whole {
        let correct = if internet_checksum(ext) == 0 {
            ""
        } else {
            "in"
        };
        write!(
            r,
            ", checksum 0x{:04x} ({correct}correct), length {ext_len}",
            be16(bytes, EXT + 2)
        )?;
    }
    let mut remaining = ext_len - 4;
    let mut at = EXT + 4;
    while remaining > 4 {
        if bytes.len() < at + 4 {
            return r.write_str(" [|icmp]");
        }
        let obj_len = usize::from(be16(bytes, at));
        let (class, ctype) = (byte(bytes, at + 2), byte(bytes, at + 3));
        let name = match class {
            1 => "MPLS Stack Entry",
            2 => "Interface Identification",
            _ => "unknown",
        };
        write!(
            r,
            "\n\t  {name} Object ({class}), Class-Type: {ctype}, length {obj_len}"
        )?;
        at += 4;
        remaining -= 4;
        if class == 0 || obj_len < 4 {
            return Ok(());
        }
        let body_len = obj_len - 4;
        if class == 1 && ctype == 1 {
            if bytes.len() < at + 4 {
                return r.write_str(" [|icmp]");
            }
            let entry = be32(bytes, at);
            write!(r, "\n\t    label {}, tc {}", entry >> 12, (entry >> 9) & 7)?;
            if entry & 0x100 != 0 {
                r.write_str(", [S]")?;
            }
            write!(r, ", ttl {}", entry & 0xff)?;
        } else {
            let end = (at + body_len).min(bytes.len());
            hex_print(r, "\n\t    ", bytes.get(at..end).unwrap_or(&[]))?;
            if at + body_len > bytes.len() {
                // tcpdump's dump stops where the capture does; its next
                // read of an object header is what fails.
                if remaining >= body_len && remaining - body_len > 4 {
                    return r.write_str(" [|icmp]");
                }
            }
        }
        if remaining < body_len {
            break;
        }
        remaining -= body_len;
        at += body_len;
    }
    Ok(())
}

/// tcpdump's `hex_print`: 16 bytes a line as hex words, each line opened
/// with `ident` and the offset.
fn hex_print(r: &mut Render<'_>, ident: &str, bytes: &[u8]) -> fmt::Result {
    for (line, chunk) in bytes.chunks(16).enumerate() {
        write!(r, "{ident}0x{:04x}: ", line * 16)?;
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

    /// Writes the text; echoes, most of the ICMP in a capture, without the
    /// formatting machinery.
    fn write(&self, out: &mut impl Write) -> fmt::Result {
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
                out.write_str("echo ")?;
                out.write_str(which)?;
                out.write_str(", id ")?;
                field::write_decimal(out, be16(d, 4).into())?;
                out.write_str(", seq ")?;
                field::write_decimal(out, be16(d, 6).into())
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

impl fmt::Display for IcmpText<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(out)
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

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::IP_PROTO, 1, IcmpDissector::default())?;
    Ok(())
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
    use crate::testkit::{ipv4, run, status, value};
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

#[cfg(test)]
mod extension_tests {
    use crate::testkit::{ipv4, run_with, value, verbose};

    /// Time exceeded quoting a 28-byte UDP datagram (padded to 128 bytes),
    /// then an RFC 4884 extension structure holding `object`.
    fn time_exceeded(object: &[u8]) -> Vec<u8> {
        let mut m = vec![11, 0, 0, 0, 0, 32, 0, 0];
        m.extend([
            0x45, 0, 0, 28, 0, 1, 0, 0, 1, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 9,
        ]);
        m.extend([0x82, 0x35, 0x82, 0x9a, 0, 8, 0, 0]);
        m.resize(8 + 128, 0);
        let ext_start = m.len();
        m.extend([0x20, 0, 0, 0]);
        m.extend(object);
        let sum = super::internet_checksum(&m[ext_start..]);
        m[ext_start + 2..ext_start + 4].copy_from_slice(&sum.to_be_bytes());
        let sum = super::internet_checksum(&m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        ipv4(1, &m, 0)
    }

    #[test]
    fn mpls_label_stack_object() {
        // Label 16000, TC 0, bottom of stack, TTL 1.
        let f = time_exceeded(&[0, 8, 1, 1, 0x03, 0xe8, 0x01, 0x01]);
        let out = run_with(&[(f, None)], &verbose(1));
        let (line, packet) = &out[0];
        assert!(
            line.ends_with(
                "ICMP time exceeded in-transit, length 148\n\
                 \tIP (tos 0x0, ttl 1, id 1, offset 0, flags [none], proto UDP (17), length 28, \
                 bad cksum 0 (->a5c6)!)\n\
                 \x20   10.0.0.2.33333 > 10.0.0.9.33434: UDP, length 0\n\
                 \tICMP Multi-Part extension v2, checksum 0xda0d (correct), length 12\n\
                 \t  MPLS Stack Entry Object (1), Class-Type: 1, length 8\n\
                 \t    label 16000, tc 0, [S], ttl 1"
            ),
            "{line}"
        );
        assert_eq!(value(packet, "icmp.checksum.status"), Some(1));
        assert_eq!(value(packet, "icmp.ext.version"), Some(2));
        assert_eq!(value(packet, "icmp.ext.checksum.status"), Some(1));
        assert_eq!(value(packet, "icmp.ext.class"), Some(1));
        assert_eq!(value(packet, "icmp.mpls.label"), Some(16000));
        assert_eq!(value(packet, "icmp.mpls.exp"), Some(0));
        assert_eq!(value(packet, "icmp.mpls.s"), Some(1));
        assert_eq!(value(packet, "icmp.mpls.ttl"), Some(1));
        let names: Vec<_> = packet.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["eth", "ip", "icmp", "ip", "udp"]);
    }

    #[test]
    fn interface_information_object() {
        // Incoming interface: ifIndex 15, IPv4 10.10.10.10, name "eth0", MTU 1500.
        let mut object = vec![0, 28, 2, 0x0f];
        object.extend([0, 0, 0, 15, 0, 1, 0, 0, 10, 10, 10, 10]);
        object.extend([8, b'e', b't', b'h', b'0', 0, 0, 0]);
        object.extend([0, 0, 0x05, 0xdc]);
        let f = time_exceeded(&object);
        let out = run_with(&[(f, None)], &verbose(1));
        let packet = &out[0].1;
        assert_eq!(value(packet, "icmp.ext.ctype"), Some(0x0f));
        assert_eq!(value(packet, "icmp.int_info.ifindex"), Some(1));
        assert_eq!(value(packet, "icmp.int_info.index"), Some(15));
        assert_eq!(value(packet, "icmp.int_info.afi"), Some(1));
        let text = |abbrev: &str| {
            let f = packet.field(abbrev).unwrap();
            let mut s = String::new();
            f.write_value(&packet.data, &mut s).unwrap();
            s
        };
        assert_eq!(text("icmp.int_info.ipv4"), "10.10.10.10");
        assert_eq!(text("icmp.int_info.name"), "eth0");
        assert_eq!(value(packet, "icmp.int_info.mtu"), Some(1500));
        // tcpdump 4.99 dumps the object it does not decode.
        assert!(
            out[0].0.ends_with(
                "\t  Interface Identification Object (2), Class-Type: 15, length 28\n\
                 \t    0x0000:  0000 000f 0001 0000 0a0a 0a0a 0865 7468\n\
                 \t    0x0010:  3000 0000 0000 05dc"
            ),
            "{}",
            out[0].0
        );
    }

    #[test]
    fn wrong_checksum_and_cut_quote() {
        let mut echo = vec![8, 0, 0, 0x0d, 0, 0, 0, 0];
        let out = run_with(&[(ipv4(1, &echo, 0), None)], &verbose(1));
        assert!(
            out[0].0.ends_with(
                "ICMP echo request, id 0, seq 0, length 8 (wrong icmp cksum d (->f7ff)!)"
            ),
            "{}",
            out[0].0
        );
        // A source quench whose quote is cut before the quoted total length.
        echo[0] = 4;
        echo.extend([0x45, 0]);
        let mut m = echo.clone();
        let sum = super::internet_checksum(&{
            m[2] = 0;
            m[3] = 0;
            m.clone()
        });
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        let out = run_with(&[(ipv4(1, &m, 0), None)], &verbose(1));
        assert!(
            out[0]
                .0
                .ends_with("ICMP source quench, length 10\n\t [|icmp]"),
            "{}",
            out[0].0
        );
    }
}
