//! Address Resolution Protocol (RFC 826) and Reverse ARP (RFC 903), with
//! any hardware and protocol address lengths.

use std::fmt::{self, Write};

use dissect_core::{
    field, Base, Context, Dissector, FieldDef, FieldType, Handoff, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::names::{ethertype_name, tcpdump_ethertype_name};
use crate::wire::{array, be16, byte, check_len, Error};

/// Byte ranges of the fixed header, named once: the view and the tree both
/// use them. The addresses follow at offsets that depend on the lengths.
pub mod field_range {
    use std::ops::Range;
    pub const HW_TYPE: Range<usize> = 0..2;
    pub const PROTO_TYPE: Range<usize> = 2..4;
    pub const HW_SIZE: Range<usize> = 4..5;
    pub const PROTO_SIZE: Range<usize> = 5..6;
    pub const OPCODE: Range<usize> = 6..8;
}
use field_range as f;

/// Bytes of the fixed part, before the addresses.
pub const FIXED_LEN: usize = 8;

pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_RARP: u16 = 0x8035;

pub const HW_ETHERNET: u16 = 1;
const HW_EXPERIMENTAL_ETHERNET: u16 = 2;
const HW_IEEE802: u16 = 6;
const PROTO_IPV4: u16 = 0x0800;
/// tcpdump also accepts the Trailer encapsulation as IPv4 addresses.
const PROTO_TRAIL: u16 = 0x1000;
/// AX.25 PID for IP, which Wireshark also treats as IPv4.
const PROTO_AX25_IP: u16 = 0x00cc;

pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;
pub const OP_REVERSE_REQUEST: u16 = 3;
pub const OP_REVERSE_REPLY: u16 = 4;
pub const OP_INVERSE_REQUEST: u16 = 8;
pub const OP_INVERSE_REPLY: u16 = 9;

/// Typed zero-copy view of an ARP packet.
#[derive(Debug, Clone, Copy)]
pub struct Arp<'a> {
    data: &'a [u8],
}

impl<'a> Arp<'a> {
    /// Checks the fixed header and that all four addresses are present.
    pub fn parse(data: &'a [u8]) -> Result<Arp<'a>, Error> {
        check_len(data, FIXED_LEN)?;
        let arp = Arp { data };
        check_len(data, arp.len())?;
        Ok(arp)
    }
    pub fn hw_type(&self) -> u16 {
        be16(self.data, f::HW_TYPE.start)
    }
    pub fn proto_type(&self) -> u16 {
        be16(self.data, f::PROTO_TYPE.start)
    }
    pub fn hw_size(&self) -> usize {
        byte(self.data, f::HW_SIZE.start).into()
    }
    pub fn proto_size(&self) -> usize {
        byte(self.data, f::PROTO_SIZE.start).into()
    }
    pub fn opcode(&self) -> u16 {
        be16(self.data, f::OPCODE.start)
    }
    /// Length of the ARP packet proper (padding after it excluded).
    pub fn len(&self) -> usize {
        FIXED_LEN + 2 * self.hw_size() + 2 * self.proto_size()
    }
    /// Never true: the fixed header alone is 8 bytes.
    pub fn is_empty(&self) -> bool {
        false
    }
    fn slice(&self, at: usize, len: usize) -> &'a [u8] {
        self.data.get(at..at + len).unwrap_or(&[])
    }
    pub fn sender_hw(&self) -> &'a [u8] {
        self.slice(FIXED_LEN, self.hw_size())
    }
    pub fn sender_proto(&self) -> &'a [u8] {
        self.slice(FIXED_LEN + self.hw_size(), self.proto_size())
    }
    pub fn target_hw(&self) -> &'a [u8] {
        self.slice(
            FIXED_LEN + self.hw_size() + self.proto_size(),
            self.hw_size(),
        )
    }
    pub fn target_proto(&self) -> &'a [u8] {
        self.slice(
            FIXED_LEN + 2 * self.hw_size() + self.proto_size(),
            self.proto_size(),
        )
    }
    /// Ethernet-like hardware with 6-byte addresses (Wireshark's test).
    pub fn hw_is_ether(&self) -> bool {
        matches!(
            self.hw_type(),
            HW_ETHERNET | HW_EXPERIMENTAL_ETHERNET | HW_IEEE802
        ) && self.hw_size() == 6
    }
    /// IPv4 protocol addresses (Wireshark's test).
    pub fn proto_is_ipv4(&self) -> bool {
        matches!(self.proto_type(), PROTO_IPV4 | PROTO_AX25_IP) && self.proto_size() == 4
    }
}

impl Serialize for Arp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Arp", 9)?;
        st.serialize_field("hw_type", &self.hw_type())?;
        st.serialize_field("proto_type", &self.proto_type())?;
        st.serialize_field("hw_size", &self.hw_size())?;
        st.serialize_field("proto_size", &self.proto_size())?;
        st.serialize_field("opcode", &self.opcode())?;
        st.serialize_field("sender_hw", &HexText(self.sender_hw()))?;
        st.serialize_field("sender_proto", &HexText(self.sender_proto()))?;
        st.serialize_field("target_hw", &HexText(self.target_hw()))?;
        st.serialize_field("target_proto", &HexText(self.target_proto()))?;
        st.end()
    }
}

/// Serializes an address as colon-separated hex (`00:11:22`), or dotted
/// decimal when it is 4 bytes long (an IPv4 address).
struct HexText<'a>(&'a [u8]);

impl Serialize for HexText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::new();
        let _ = match <[u8; 4]>::try_from(self.0) {
            Ok(a) => field::write_ipv4(&a, &mut text),
            Err(_) => field::write_hex_colon(self.0, &mut text),
        };
        s.serialize_str(&text)
    }
}

/// Wireshark's hardware type names (arp_hrd_vals, common entries).
fn names_hw_type(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "NET/ROM pseudo",
        1 => "Ethernet",
        2 => "Experimental Ethernet",
        3 => "AX.25",
        4 => "ProNET",
        5 => "Chaos",
        6 => "IEEE 802",
        7 => "ARCNET",
        8 => "Hyperchannel",
        9 => "Lanstar",
        10 => "Autonet",
        11 => "LocalTalk",
        12 => "LocalNet",
        13 => "Ultra link",
        14 => "SMDS",
        15 => "Frame Relay",
        16 => "ATM",
        17 => "HDLC",
        18 => "Fibre Channel",
        19 => "ATM (RFC 2225)",
        20 => "Serial Line",
        21 => "ATM",
        24 => "IEEE 1394.1995",
        32 => "InfiniBand",
        _ => return None,
    })
}

fn names_proto_type(v: u64) -> Option<&'static str> {
    ethertype_name(v as u16)
}

/// Wireshark's opcode names (op_vals).
fn names_opcode(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        5 => "drarp request",
        6 => "drarp reply",
        7 => "drarp error",
        8 => "inverse request",
        9 => "inverse reply",
        10 => "arp nak",
        _ => return None,
    })
}

pub static HW_TYPE: FieldDef =
    FieldDef::new("arp.hw.type", "Hardware type", FieldType::Uint(16)).names(names_hw_type);
pub static PROTO_TYPE: FieldDef =
    FieldDef::new("arp.proto.type", "Protocol type", FieldType::Uint(16))
        .base(Base::Hex)
        .names(names_proto_type);
pub static HW_SIZE: FieldDef = FieldDef::new("arp.hw.size", "Hardware size", FieldType::Uint(8));
pub static PROTO_SIZE: FieldDef =
    FieldDef::new("arp.proto.size", "Protocol size", FieldType::Uint(8));
pub static OPCODE: FieldDef =
    FieldDef::new("arp.opcode", "Opcode", FieldType::Uint(16)).names(names_opcode);
pub static IS_GRATUITOUS: FieldDef =
    FieldDef::new("arp.isgratuitous", "Is gratuitous", FieldType::Bool);
pub static IS_PROBE: FieldDef = FieldDef::new("arp.isprobe", "Is probe", FieldType::Bool);
pub static IS_ANNOUNCEMENT: FieldDef =
    FieldDef::new("arp.isannouncement", "Is announcement", FieldType::Bool);
pub static SRC_HW_MAC: FieldDef =
    FieldDef::new("arp.src.hw_mac", "Sender MAC address", FieldType::Ether);
pub static SRC_HW: FieldDef =
    FieldDef::new("arp.src.hw", "Sender hardware address", FieldType::Bytes);
pub static SRC_PROTO_IPV4: FieldDef =
    FieldDef::new("arp.src.proto_ipv4", "Sender IP address", FieldType::Ipv4);
pub static SRC_PROTO: FieldDef =
    FieldDef::new("arp.src.proto", "Sender protocol address", FieldType::Bytes);
pub static DST_HW_MAC: FieldDef =
    FieldDef::new("arp.dst.hw_mac", "Target MAC address", FieldType::Ether);
pub static DST_HW: FieldDef =
    FieldDef::new("arp.dst.hw", "Target hardware address", FieldType::Bytes);
pub static DST_PROTO_IPV4: FieldDef =
    FieldDef::new("arp.dst.proto_ipv4", "Target IP address", FieldType::Ipv4);
pub static DST_PROTO: FieldDef =
    FieldDef::new("arp.dst.proto", "Target protocol address", FieldType::Bytes);

#[derive(Debug, Default)]
pub struct ArpDissector;

impl ArpDissector {
    /// Adds one hardware address (`hw_mac` when Ethernet-like, else bytes).
    fn add_hw(cx: &mut Context<'_>, arp: &Arp<'_>, at: usize, defs: [&'static FieldDef; 2]) {
        let range = at..at + arp.hw_size();
        if arp.hw_is_ether() {
            cx.add(defs[0], range, Value::Ether(array(arp.data, at)));
        } else {
            cx.add(defs[1], range, Value::Bytes);
        }
    }

    /// Adds one protocol address (`proto_ipv4` when IPv4, else bytes).
    fn add_proto(cx: &mut Context<'_>, arp: &Arp<'_>, at: usize, defs: [&'static FieldDef; 2]) {
        let range = at..at + arp.proto_size();
        if arp.proto_is_ipv4() {
            cx.add(defs[0], range, Value::Ipv4(array(arp.data, at)));
        } else {
            cx.add(defs[1], range, Value::Bytes);
        }
    }
}

/// The fields the one-line text reads.
pub static LINE_FIELDS: &[&FieldDef] = &[&IS_GRATUITOUS, &IS_PROBE, &IS_ANNOUNCEMENT];

/// Every field the arp dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &HW_TYPE,
    &PROTO_TYPE,
    &HW_SIZE,
    &PROTO_SIZE,
    &OPCODE,
    &IS_GRATUITOUS,
    &IS_PROBE,
    &IS_ANNOUNCEMENT,
    &SRC_HW_MAC,
    &SRC_HW,
    &SRC_PROTO_IPV4,
    &SRC_PROTO,
    &DST_HW_MAC,
    &DST_HW,
    &DST_PROTO_IPV4,
    &DST_PROTO,
];

impl Dissector for ArpDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "arp"
    }
    fn full_name(&self) -> &'static str {
        "Address Resolution Protocol"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !cx.need(FIXED_LEN, "ARP header") {
            return Handoff::done(data.len());
        }
        let arp = Arp { data };
        cx.add(&HW_TYPE, f::HW_TYPE, Value::U64(arp.hw_type().into()));
        cx.add(
            &PROTO_TYPE,
            f::PROTO_TYPE,
            Value::U64(arp.proto_type().into()),
        );
        cx.add(&HW_SIZE, f::HW_SIZE, Value::U64(arp.hw_size() as u64));
        cx.add(
            &PROTO_SIZE,
            f::PROTO_SIZE,
            Value::U64(arp.proto_size() as u64),
        );
        cx.add(&OPCODE, f::OPCODE, Value::U64(arp.opcode().into()));
        if !cx.need(arp.len(), "ARP addresses") {
            return Handoff::done(data.len());
        }

        let (hln, pln) = (arp.hw_size(), arp.proto_size());
        let op = arp.opcode();
        let request_or_reply = op == OP_REQUEST || op == OP_REPLY;
        let zero_target_hw = arp.target_hw().iter().all(|&b| b == 0);
        let gratuitous = request_or_reply && arp.sender_proto() == arp.target_proto();
        let announcement = gratuitous && op == OP_REQUEST && zero_target_hw;
        let probe = !gratuitous
            && op == OP_REQUEST
            && zero_target_hw
            && arp.sender_proto().iter().all(|&b| b == 0);
        if gratuitous {
            cx.generated(&IS_GRATUITOUS, 0..0, Value::Bool(true));
        }
        if probe {
            cx.generated(&IS_PROBE, 0..0, Value::Bool(true));
        }
        if announcement {
            cx.generated(&IS_ANNOUNCEMENT, 0..0, Value::Bool(true));
        }

        let sha = FIXED_LEN;
        let spa = sha + hln;
        let tha = spa + pln;
        let tpa = tha + hln;
        if hln != 0 {
            Self::add_hw(cx, &arp, sha, [&SRC_HW_MAC, &SRC_HW]);
        }
        if pln != 0 {
            Self::add_proto(cx, &arp, spa, [&SRC_PROTO_IPV4, &SRC_PROTO]);
        }
        if hln != 0 {
            Self::add_hw(cx, &arp, tha, [&DST_HW_MAC, &DST_HW]);
        }
        if pln != 0 {
            Self::add_proto(cx, &arp, tpa, [&DST_PROTO_IPV4, &DST_PROTO]);
        }
        // Bytes after the ARP packet are link padding, not ARP: Ethernet files them.
        Handoff::done(arp.len())
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let arp = match Arp::parse(r.bytes()) {
            Ok(arp) => arp,
            Err(_) => return r.write_str(" [|arp]"),
        };
        let length = r.layer().reported_len;
        write_arp(r, &arp, length, r.options.verbose, r.options.link_header)?;
        let verbose = r.options.verbose > 0;
        if !tcpdump_describes_op(arp.opcode()) && (verbose || !odd_addresses(&arp)) {
            // tcpdump dumps the packet it could not describe.
            let mut dump = String::new();
            dissect_core::format::hex_dump(r.bytes(), &mut dump);
            write!(r, "\n{}", dump.trim_end_matches('\n'))?;
        }
        Ok(())
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        let Ok(arp) = Arp::parse(r.bytes()) else {
            return r.write_str(self.full_name());
        };
        let gratuitous = r.find(&IS_GRATUITOUS).is_some();
        let op = arp.opcode();
        let what = if r.find(&IS_ANNOUNCEMENT).is_some() {
            Some("ARP Announcement")
        } else if r.find(&IS_PROBE).is_some() {
            Some("ARP Probe")
        } else if gratuitous && op == OP_REQUEST {
            Some("request/gratuitous ARP")
        } else if gratuitous && op == OP_REPLY {
            Some("reply/gratuitous ARP")
        } else {
            names_opcode(op.into())
        };
        match what {
            Some(what) => write!(r, "{} ({what})", self.full_name()),
            None => write!(r, "{} (opcode 0x{op:04x})", self.full_name()),
        }
    }
}

/// tcpdump's operation names (arpop_values).
fn tcpdump_op_name(op: u16) -> Option<&'static str> {
    Some(match op {
        1 => "Request",
        2 => "Reply",
        3 => "Reverse Request",
        4 => "Reverse Reply",
        8 => "Inverse Request",
        9 => "Inverse Reply",
        10 => "NACK Reply",
        _ => return None,
    })
}

/// Whether tcpdump describes this opcode (else it dumps the packet in hex).
fn tcpdump_describes_op(op: u16) -> bool {
    matches!(
        op,
        OP_REQUEST
            | OP_REPLY
            | OP_REVERSE_REQUEST
            | OP_REVERSE_REPLY
            | OP_INVERSE_REQUEST
            | OP_INVERSE_REPLY
    )
}

/// Addresses tcpdump does not print (it shows only the types and sizes).
fn odd_addresses(arp: &Arp<'_>) -> bool {
    let pro = arp.proto_type();
    (pro != PROTO_IPV4 && pro != PROTO_TRAIL) || arp.proto_size() != 4 || arp.hw_size() == 0
}

/// tcpdump's hardware type names (arphrd_values).
fn tcpdump_hw_name(hw: u16) -> Option<&'static str> {
    Some(match hw {
        1 => "Ethernet",
        6 => "TokenRing",
        7 => "ArcNet",
        15 => "FrameRelay",
        19 => "ATM",
        23 => "Strip",
        24 => "IEEE 1394",
        32 => "InfiniBand",
        _ => return None,
    })
}

/// A link address as tcpdump prints it: colon hex, `<empty>` when empty.
fn write_link_addr(out: &mut impl Write, addr: &[u8]) -> fmt::Result {
    if addr.is_empty() {
        return out.write_str("<empty>");
    }
    field::write_hex_colon(addr, out)
}

/// A protocol address as tcpdump prints it (tpaddr/spaddr_print_ip).
fn write_proto_addr(out: &mut impl Write, arp: &Arp<'_>, addr: &[u8]) -> fmt::Result {
    if arp.proto_type() != PROTO_IPV4 && arp.proto_type() != PROTO_TRAIL {
        return out.write_str(" (invalid)");
    }
    match <[u8; 4]>::try_from(addr) {
        Ok(a) => field::write_ipv4(&a, out),
        Err(_) => out.write_str("<wrong len>"),
    }
}

/// tcpdump's arp_print: `ARP, Request who-has 10.0.0.2 tell 10.0.0.1,
/// length 28`. `length` is the wire length tcpdump was handed (padding
/// included). With `-e` the `ARP, ` prefix is left to the link header.
pub fn write_arp(
    out: &mut impl Write,
    arp: &Arp<'_>,
    length: u32,
    verbose: u8,
    link_header: bool,
) -> fmt::Result {
    if !link_header {
        out.write_str("ARP, ")?;
    }
    let pro = arp.proto_type();
    if odd_addresses(arp) || verbose > 0 {
        match tcpdump_hw_name(arp.hw_type()) {
            Some(name) => write!(out, "{name}")?,
            None => write!(out, "Unknown Hardware ({})", arp.hw_type())?,
        }
        write!(out, " (len {}), ", arp.hw_size())?;
        match tcpdump_ethertype_name(pro) {
            Some(name) => write!(out, "{name}")?,
            None => write!(out, "Unknown Protocol (0x{pro:04x})")?,
        }
        write!(out, " (len {})", arp.proto_size())?;
        if verbose == 0 {
            return write!(out, ", length {length}");
        }
    }
    if verbose > 0 {
        out.write_str(", ")?;
    }
    let op = arp.opcode();
    match tcpdump_op_name(op) {
        Some(name) => write!(out, "{name} ")?,
        None => write!(out, "Unknown ({op}) ")?,
    }
    match op {
        OP_REQUEST => {
            out.write_str("who-has ")?;
            write_proto_addr(out, arp, arp.target_proto())?;
            if arp.target_hw().iter().any(|&b| b != 0) {
                out.write_str(" (")?;
                write_link_addr(out, arp.target_hw())?;
                out.write_str(")")?;
            }
            out.write_str(" tell ")?;
            write_proto_addr(out, arp, arp.sender_proto())?;
        }
        OP_REPLY => {
            write_proto_addr(out, arp, arp.sender_proto())?;
            out.write_str(" is-at ")?;
            write_link_addr(out, arp.sender_hw())?;
        }
        OP_REVERSE_REQUEST | OP_INVERSE_REQUEST => {
            out.write_str("who-is ")?;
            write_link_addr(out, arp.target_hw())?;
            out.write_str(" tell ")?;
            write_link_addr(out, arp.sender_hw())?;
        }
        OP_REVERSE_REPLY => {
            write_link_addr(out, arp.target_hw())?;
            out.write_str(" at ")?;
            write_proto_addr(out, arp, arp.target_proto())?;
        }
        OP_INVERSE_REPLY => {
            write_link_addr(out, arp.sender_hw())?;
            out.write_str(" at ")?;
            write_proto_addr(out, arp, arp.sender_proto())?;
        }
        // tcpdump prints nothing more (not even the length) for others.
        _ => return Ok(()),
    }
    write!(out, ", length {length}")
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    let arp = registry.register(Table::ETHERTYPE, ETHERTYPE_ARP.into(), ArpDissector)?;
    registry.register_id(Table::ETHERTYPE, ETHERTYPE_RARP.into(), arp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::hex;

    /// ARP request from tcpdump's 802.1ad_QinQ.pcap.
    const REQUEST: &str = "0001080006040001 0020d25afb3f ac154f61 000000000000 ac154f64";
    /// ARP reply from the same capture.
    const REPLY: &str = "0001080006040002 0080ea818863 ac154f64 0020d25afb3f ac154f61";

    fn text(bytes: &[u8], length: u32, verbose: u8, e: bool) -> String {
        let arp = Arp::parse(bytes).unwrap();
        let mut s = String::new();
        write_arp(&mut s, &arp, length, verbose, e).unwrap();
        s
    }

    #[test]
    fn view_reads_addresses() {
        let bytes = hex(REQUEST);
        let arp = Arp::parse(&bytes).unwrap();
        assert_eq!(arp.hw_type(), 1);
        assert_eq!(arp.proto_type(), 0x0800);
        assert_eq!(arp.opcode(), OP_REQUEST);
        assert_eq!(arp.len(), 28);
        assert_eq!(arp.sender_proto(), &[172, 21, 79, 97]);
        assert_eq!(arp.target_proto(), &[172, 21, 79, 100]);
        assert!(arp.hw_is_ether() && arp.proto_is_ipv4());
        assert!(Arp::parse(&bytes[..27]).is_err());
        assert!(Arp::parse(&bytes[..7]).is_err());
    }

    #[test]
    fn request_and_reply_text() {
        assert_eq!(
            text(&hex(REQUEST), 42, 0, false),
            "ARP, Request who-has 172.21.79.100 tell 172.21.79.97, length 42"
        );
        assert_eq!(
            text(&hex(REPLY), 42, 0, true),
            "Reply 172.21.79.100 is-at 00:80:ea:81:88:63, length 42"
        );
        assert_eq!(
            text(&hex(REQUEST), 28, 1, false),
            "ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 172.21.79.100 \
             tell 172.21.79.97, length 28"
        );
    }

    #[test]
    fn reverse_and_unknown_opcodes() {
        let mut rarp = hex(REQUEST);
        rarp[7] = 3;
        assert_eq!(
            text(&rarp, 28, 0, false),
            "ARP, Reverse Request who-is 00:00:00:00:00:00 tell 00:20:d2:5a:fb:3f, length 28"
        );
        rarp[7] = 4;
        assert_eq!(
            text(&rarp, 28, 0, false),
            "ARP, Reverse Reply 00:00:00:00:00:00 at 172.21.79.100, length 28"
        );
        rarp[7] = 7;
        assert_eq!(text(&rarp, 28, 0, false), "ARP, Unknown (7) ");
    }

    #[test]
    fn non_ip_protocol_prints_types_only() {
        let bytes = hex("0001 86dd 06 10 0001");
        let mut bytes = bytes;
        bytes.resize(8 + 2 * 6 + 2 * 16, 0);
        assert_eq!(
            text(&bytes, 52, 0, false),
            "ARP, Ethernet (len 6), IPv6 (len 16), length 52"
        );
    }

    #[test]
    fn target_hw_shown_when_set() {
        let mut bytes = hex(REQUEST);
        bytes[18..24].copy_from_slice(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(
            text(&bytes, 28, 0, false),
            "ARP, Request who-has 172.21.79.100 (00:01:02:03:04:05) tell 172.21.79.97, length 28"
        );
    }
}
