//! Ethernet II (and IEEE 802.3 length frames).

use std::fmt::{self, Write};
use std::ops::Range;

use dissect_core::{
    field, Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Trailer,
    Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::names::{ethertype_name, tcpdump_ethertype_name};
use crate::wire::{array, be16, be32, check_len, Error};

/// Byte ranges of the header, named once: the view and the tree both use them.
pub mod field_range {
    use std::ops::Range;
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const TYPE: Range<usize> = 12..14;
}
use field_range as f;

pub const HEADER_LEN: usize = 14;

/// Largest value of the type/length field that is a length (IEEE 802.3).
const MAX_8023_LEN: u16 = 1500;

/// Typed zero-copy view of an Ethernet header.
#[derive(Debug, Clone, Copy)]
pub struct Ethernet<'a> {
    data: &'a [u8],
}

impl<'a> Ethernet<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Ethernet<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(Ethernet { data })
    }
    pub fn dst(&self) -> [u8; 6] {
        array(self.data, f::DST.start)
    }
    pub fn src(&self) -> [u8; 6] {
        array(self.data, f::SRC.start)
    }
    /// The EtherType, or the frame length for an IEEE 802.3 frame.
    pub fn ethertype(&self) -> u16 {
        be16(self.data, f::TYPE.start)
    }
    /// True when the type field is an IEEE 802.3 length.
    pub fn is_8023(&self) -> bool {
        self.ethertype() <= MAX_8023_LEN
    }
    pub fn payload(&self) -> &'a [u8] {
        self.data.get(HEADER_LEN..).unwrap_or_default()
    }
}

impl Serialize for Ethernet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Ethernet", 3)?;
        st.serialize_field("dst", &MacText(self.dst()))?;
        st.serialize_field("src", &MacText(self.src()))?;
        st.serialize_field("ethertype", &self.ethertype())?;
        st.end()
    }
}

/// Serializes a MAC address as `aa:bb:cc:dd:ee:ff`.
pub struct MacText(pub [u8; 6]);

impl Serialize for MacText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(17);
        let _ = field::write_ether(&self.0, &mut text);
        s.serialize_str(&text)
    }
}

fn names_ethertype(v: u64) -> Option<&'static str> {
    ethertype_name(v as u16)
}

pub static DST: FieldDef = FieldDef::new("eth.dst", "Destination", FieldType::Ether);
pub static DST_LG: FieldDef =
    FieldDef::new("eth.dst.lg", "LG bit", FieldType::Bool).mask(0x02 << 40);
pub static DST_IG: FieldDef =
    FieldDef::new("eth.dst.ig", "IG bit", FieldType::Bool).mask(0x01 << 40);
pub static SRC: FieldDef = FieldDef::new("eth.src", "Source", FieldType::Ether);
pub static SRC_LG: FieldDef =
    FieldDef::new("eth.src.lg", "LG bit", FieldType::Bool).mask(0x02 << 40);
pub static SRC_IG: FieldDef =
    FieldDef::new("eth.src.ig", "IG bit", FieldType::Bool).mask(0x01 << 40);
pub static DST_OUI: FieldDef = FieldDef::new("eth.dst.oui", "Destination OUI", FieldType::Uint(24));
pub static SRC_OUI: FieldDef = FieldDef::new("eth.src.oui", "Source OUI", FieldType::Uint(24));
/// Either address, as Wireshark repeats it under both (`eth.addr == x`).
/// OUIs are decimal, as tshark writes them.
pub static ADDR: FieldDef = FieldDef::new("eth.addr", "Address", FieldType::Ether);
pub static ADDR_OUI: FieldDef = FieldDef::new("eth.addr.oui", "Address OUI", FieldType::Uint(24));
pub static TYPE: FieldDef = FieldDef::new("eth.type", "Type", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);
pub static LEN: FieldDef = FieldDef::new("eth.len", "Length", FieldType::Uint(16));
pub static PADDING: FieldDef = FieldDef::new("eth.padding", "Padding", FieldType::Bytes);
pub static TRAILER: FieldDef = FieldDef::new("eth.trailer", "Trailer", FieldType::Bytes);
pub static FCS: FieldDef =
    FieldDef::new("eth.fcs", "Frame check sequence", FieldType::Uint(32)).base(Base::Hex);
/// Always 2 ("Unverified"): Wireshark does not check the FCS by default.
pub static FCS_STATUS: FieldDef =
    FieldDef::new("eth.fcs.status", "FCS Status", FieldType::Uint(8)).names(names_fcs_status);

fn names_fcs_status(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Bad",
        1 => "Good",
        2 => "Unverified",
        _ => return None,
    })
}

/// Frames shorter than this (without FCS) are padded on the wire.
const MIN_FRAME_LEN: usize = 60;
/// A frame at least this long may end with a 4-byte FCS (Wireshark's guess).
const MIN_FRAME_LEN_WITH_FCS: usize = 64;
const FCS_LEN: usize = 4;

/// Files the bytes after a payload shorter than its frame (an IPv4, IPv6
/// or ARP packet knows its own length) under the header that carried the
/// EtherType (`eth.padding`, `eth.trailer`, `eth.fcs`; `vlan.trailer`),
/// split as Wireshark's `add_ethernet_trailer` does with default
/// preferences: zero bytes up to a 60-byte frame are padding, and a frame
/// of 64 bytes or more whose trailer has 4 bytes left ends with an FCS
/// (when `fcs_possible`). Tree only.
pub fn file_trailer(t: &mut Trailer<'_, '_>, trailer_def: &'static FieldDef, fcs_possible: bool) {
    if !t.wants_any(&[&PADDING, trailer_def, &FCS]) {
        return;
    }
    let parent_reported = t.layer().reported_len as usize;
    let start = t.start();
    let trailer = t.bytes();
    let mut trailer_reported = t.reported_len();
    let mut trailer_captured = trailer.len();
    // The wire length as the registry takes it: a record may claim fewer
    // bytes than it holds.
    let frame_len = (t.frame().len as usize).max(t.frame().caplen as usize);
    let before_trailer = frame_len.saturating_sub(trailer_reported);
    let mut padding = 0;
    if frame_len >= MIN_FRAME_LEN && before_trailer < MIN_FRAME_LEN {
        padding = MIN_FRAME_LEN - before_trailer;
        // Only zeros count as padding.
        if trailer
            .get(..padding)
            .is_none_or(|p| p.iter().any(|&b| b != 0))
        {
            padding = 0;
        }
    }
    if padding > 0 {
        t.add(&PADDING, start..start + padding, Value::Bytes);
        trailer_captured -= padding;
        trailer_reported -= padding;
    }
    let rest_reported = trailer_reported;
    let mut has_fcs = false;
    if fcs_possible && parent_reported >= MIN_FRAME_LEN_WITH_FCS && trailer_reported >= FCS_LEN {
        has_fcs = true;
        trailer_reported -= FCS_LEN;
        trailer_captured = trailer_captured.min(trailer_reported);
    }
    let at = start + padding;
    if rest_reported != 0 && trailer_captured != 0 {
        t.add(trailer_def, at..at + trailer_captured, Value::Bytes);
    }
    if has_fcs {
        let fcs_at = padding + trailer_captured;
        if let Some(fcs) = trailer.get(fcs_at..fcs_at + FCS_LEN) {
            let value = Value::U64(be32(fcs, 0).into());
            let range = start + fcs_at..start + fcs_at + FCS_LEN;
            t.add(&FCS, range.clone(), value);
            t.add(&FCS_STATUS, range, Value::U64(2));
        }
    }
}

/// Adds an address with, as Wireshark shows them, its OUI, the address
/// again as `eth.addr` (with its OUI) and its LG and IG bits as children.
fn add_address(
    cx: &mut Context<'_>,
    def: &'static FieldDef,
    oui: &'static FieldDef,
    bits: [&'static FieldDef; 2],
    range: Range<usize>,
    mac: [u8; 6],
) {
    // The line reads the addresses from the bytes (-e): none of this is
    // needed in summary mode.
    if !cx.wants_tree() {
        return;
    }
    cx.push(def, range.clone(), Value::Ether(mac));
    let oui_value =
        Value::U64(u64::from(mac[0]) << 16 | u64::from(mac[1]) << 8 | u64::from(mac[2]));
    let oui_range = range.start..range.start + 3;
    cx.add(oui, oui_range.clone(), oui_value);
    cx.add(&ADDR, range.clone(), Value::Ether(mac));
    cx.add(&ADDR_OUI, oui_range, oui_value);
    cx.add(bits[0], range.clone(), Value::Bool(mac[0] & 0x02 != 0));
    cx.add(bits[1], range, Value::Bool(mac[0] & 0x01 != 0));
    cx.pop();
}

#[derive(Debug, Default)]
pub struct EthernetDissector;

/// Every field the eth dissector adds (its catalogue entries).
pub static ETH_FIELDS: &[&FieldDef] = &[
    &DST,
    &DST_LG,
    &DST_IG,
    &SRC,
    &SRC_LG,
    &SRC_IG,
    &DST_OUI,
    &SRC_OUI,
    &ADDR,
    &ADDR_OUI,
    &TYPE,
    &LEN,
    &PADDING,
    &TRAILER,
    &FCS,
    &FCS_STATUS,
];

impl Dissector for EthernetDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        ETH_FIELDS
    }

    fn name(&self) -> &'static str {
        "eth"
    }
    fn full_name(&self) -> &'static str {
        "Ethernet II"
    }

    fn trailer(&self, t: &mut Trailer<'_, '_>) {
        file_trailer(t, &TRAILER, true);
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let eth = match Ethernet::parse(data) {
            Ok(eth) => eth,
            Err(_) => {
                cx.need(HEADER_LEN, "Ethernet header");
                return Handoff::done(data.len());
            }
        };
        add_address(cx, &DST, &DST_OUI, [&DST_LG, &DST_IG], f::DST, eth.dst());
        add_address(cx, &SRC, &SRC_OUI, [&SRC_LG, &SRC_IG], f::SRC, eth.src());
        let rest = cx.reported_len().saturating_sub(HEADER_LEN);
        let ethertype = eth.ethertype();
        if eth.is_8023() {
            cx.add(&LEN, f::TYPE, Value::U64(ethertype.into()));
            // The length bounds the payload; anything after it is padding.
            let len = usize::from(ethertype).min(rest);
            return Handoff::to(Next::Named("data"), HEADER_LEN, len);
        }
        cx.add(&TYPE, f::TYPE, Value::U64(ethertype.into()));
        Handoff::to(
            Next::Key(Table::ETHERTYPE, ethertype.into()),
            HEADER_LEN,
            rest,
        )
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let Some(eth) = Ethernet::parse(r.bytes()).ok() else {
            return r.write_str("[|ether]");
        };
        let decoded_next = r.next_layer().is_some_and(|l| l.name != "data");
        // tcpdump prints the addresses with -e, and also when it cannot
        // decode the EtherType (so the line still says who sent what).
        if r.options.link_header || (!decoded_next && !eth.is_8023()) {
            field::write_ether(&eth.src(), r)?;
            r.write_str(" > ")?;
            field::write_ether(&eth.dst(), r)?;
            r.write_str(", ")?;
            let len = r.packet.frame.len;
            if eth.is_8023() {
                write!(r, "802.3, length {len}: ")?;
            } else {
                r.write_str("ethertype ")?;
                write_ethertype(r, eth.ethertype())?;
                write!(r, ", length {len}: ")?;
            }
        }
        r.next()
    }
}

/// `IPv4 (0x0800)` / `Unknown (0x1234)` as tcpdump prints an EtherType.
pub fn write_ethertype(out: &mut impl Write, ethertype: u16) -> fmt::Result {
    let name = tcpdump_ethertype_name(ethertype).unwrap_or("Unknown");
    write!(out, "{name} (0x{ethertype:04x})")
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(
        Table::LINKTYPE,
        dissect_core::linktype::ETHERNET,
        EthernetDissector,
    )?;
    registry.register(
        Table::ETHERTYPE,
        ETHERTYPE_LOOPBACK.into(),
        LoopbackDissector,
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The Ethernet Configuration Testing Protocol (EtherType 0x9000, "loopback",
// Ethernet v2.0 spec section 8): a skip count, then messages, each a
// function code (little-endian, like every field here): Forward Data with
// the next hop's address, or Reply with a receipt number and the data.

pub const ETHERTYPE_LOOPBACK: u16 = 0x9000;
const LOOP_REPLY: u16 = 1;
const LOOP_FORWARD_DATA: u16 = 2;

fn le16(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(array(data, at))
}

fn names_loop_function(v: u64) -> Option<&'static str> {
    Some(match v as u16 {
        LOOP_REPLY => "Reply",
        LOOP_FORWARD_DATA => "Forward Data",
        _ => return None,
    })
}

pub static LOOP_SKIPCOUNT: FieldDef =
    FieldDef::new("loop.skipcount", "skipCount", FieldType::Uint(16));
pub static LOOP_RELEVANT_FUNCTION: FieldDef = FieldDef::new(
    "loop.relevant_function",
    "Relevant function",
    FieldType::Uint(16),
)
.names(names_loop_function);
pub static LOOP_FUNCTION: FieldDef =
    FieldDef::new("loop.function", "Function", FieldType::Uint(16)).names(names_loop_function);
pub static LOOP_RECEIPT_NUMBER: FieldDef =
    FieldDef::new("loop.receipt_number", "Receipt number", FieldType::Uint(16));
pub static LOOP_FORWARDING_ADDRESS: FieldDef = FieldDef::new(
    "loop.forwarding_address",
    "Forwarding address",
    FieldType::Ether,
);

#[derive(Debug, Default)]
pub struct LoopbackDissector;

/// Every field the loop dissector adds (its catalogue entries).
pub static LOOP_FIELDS: &[&FieldDef] = &[
    &LOOP_SKIPCOUNT,
    &LOOP_RELEVANT_FUNCTION,
    &LOOP_FUNCTION,
    &LOOP_RECEIPT_NUMBER,
    &LOOP_FORWARDING_ADDRESS,
];

impl Dissector for LoopbackDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        LOOP_FIELDS
    }

    fn name(&self) -> &'static str {
        "loop"
    }
    fn full_name(&self) -> &'static str {
        "Configuration Test Protocol (loopback)"
    }

    /// Wireshark's walk: every message from the first, the one the skip
    /// count points at marked "relevant", until a Reply (or an unknown
    /// function) ends the list; the rest is data.
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !cx.need(2, "loopback skipCount") {
            return Handoff::done(data.len());
        }
        let skip = le16(data, 0);
        cx.add(&LOOP_SKIPCOUNT, 0..2, Value::U64(skip.into()));
        let relevant = 2 + usize::from(skip);
        let mut at = 2;
        loop {
            if !cx.need(at + 2, "loopback function") {
                return Handoff::done(data.len());
            }
            let function = le16(data, at);
            if at == relevant {
                cx.add(
                    &LOOP_RELEVANT_FUNCTION,
                    at..at + 2,
                    Value::U64(function.into()),
                );
            }
            cx.add(&LOOP_FUNCTION, at..at + 2, Value::U64(function.into()));
            at += 2;
            match function {
                LOOP_REPLY => {
                    if !cx.need(at + 2, "loopback receipt number") {
                        return Handoff::done(data.len());
                    }
                    let receipt = Value::U64(le16(data, at).into());
                    cx.add(&LOOP_RECEIPT_NUMBER, at..at + 2, receipt);
                    at += 2;
                    break;
                }
                LOOP_FORWARD_DATA => {
                    if !cx.need(at + 6, "loopback forwarding address") {
                        return Handoff::done(data.len());
                    }
                    let mac = Value::Ether(array(data, at));
                    cx.add(&LOOP_FORWARDING_ADDRESS, at..at + 6, mac);
                    at += 6;
                }
                _ => break,
            }
        }
        let rest = cx.reported_len().saturating_sub(at);
        Handoff::to(Next::Named("data"), at, rest)
    }

    /// tcpdump's `loopback_print`: only the message the skip count points
    /// at, with the length of what follows it.
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let data = r.bytes();
        let mut len = r.layer().reported_len as usize;
        if len < 2 || data.len() < 2 {
            return r.write_str(" (invalid)");
        }
        let skip = usize::from(le16(data, 0));
        write!(r, "Loopback, skipCount {skip}")?;
        if skip % 8 != 0 {
            r.write_str(" (bogus)")?;
        }
        len -= 2;
        if skip > len {
            return r.write_str(" (invalid)");
        }
        len -= skip;
        let at = 2 + skip;
        if len < 2 {
            return r.write_str(" (invalid)");
        }
        let Some(function) = data.get(at..at + 2).map(|b| le16(b, 0)) else {
            return r.write_str(" [|loopback]");
        };
        len -= 2;
        match names_loop_function(function.into()) {
            Some(name) => write!(r, ", {name}")?,
            None => write!(r, ",  invalid ({function})")?,
        }
        let at = at + 2;
        match function {
            LOOP_REPLY => {
                if len < 2 {
                    return r.write_str(" (invalid)");
                }
                let Some(receipt) = data.get(at..at + 2).map(|b| le16(b, 0)) else {
                    return r.write_str(" [|loopback]");
                };
                write!(r, ", receipt number {receipt}, data ({} octets)", len - 2)
            }
            LOOP_FORWARD_DATA => {
                if len < 6 {
                    return r.write_str(" (invalid)");
                }
                let Some(mac) = data.get(at..at + 6) else {
                    return r.write_str(" [|loopback]");
                };
                r.write_str(", forwarding address ")?;
                field::write_ether(&array(mac, 0), r)?;
                write!(r, ", data ({} octets)", len - 6)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_reads_header() {
        let mut frame = vec![0xff; 6];
        frame.extend([0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45]);
        let eth = Ethernet::parse(&frame).unwrap();
        assert_eq!(eth.dst(), [0xff; 6]);
        assert_eq!(eth.src(), [2, 0, 0, 0, 0, 1]);
        assert_eq!(eth.ethertype(), 0x0800);
        assert!(!eth.is_8023());
        assert_eq!(eth.payload(), &[0x45]);
    }

    use dissect_core::{FrameInfo, Packet, RenderOptions};

    fn decode(frame: &[u8]) -> (dissect_core::Registry, Packet) {
        let mut registry = crate::registry();
        let info = FrameInfo {
            number: 1,
            caplen: frame.len() as u32,
            len: frame.len() as u32,
            linktype: dissect_core::linktype::ETHERNET,
            ..FrameInfo::default()
        };
        let mut packet = Packet::new();
        registry.dissect(&info, frame, &mut packet);
        (registry, packet)
    }

    fn fields(packet: &Packet, layer: usize) -> Vec<(&'static str, u32, u32)> {
        packet
            .layer_fields(&packet.layers[layer])
            .iter()
            .map(|f| (f.def.abbrev, f.offset, f.len))
            .collect()
    }

    fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![0xff; 6];
        frame.extend([0x02, 0, 0, 0, 0, 1]);
        frame.extend(ethertype.to_be_bytes());
        frame.extend(payload);
        frame
    }

    #[test]
    fn short_frame_padding_goes_to_the_ethernet_layer() {
        // 34 bytes of headers, then 26 zeros up to the 60-byte minimum.
        let mut frame = ethernet(0x0800, &crate::ip::v4::tests::ipv4_packet(253, 0, &[]));
        frame.extend([0; 26]);
        let (_, packet) = decode(&frame);
        let eth = fields(&packet, 0);
        assert_eq!(eth.last(), Some(&("eth.padding", 34, 26)));
        // The IP layer's fields still follow, unshifted.
        assert_eq!(
            packet.layer_fields(&packet.layers[1])[0].def.abbrev,
            "ip.version"
        );
    }

    #[test]
    fn long_trailer_ends_with_an_fcs() {
        let mut frame = ethernet(0x0800, &crate::ip::v4::tests::ipv4_packet(253, 0, &[7; 30]));
        frame.extend([1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef]);
        let (_, packet) = decode(&frame);
        let eth = fields(&packet, 0);
        let n = eth.len();
        assert_eq!(
            &eth[n - 3..],
            &[
                ("eth.trailer", 64, 4),
                ("eth.fcs", 68, 4),
                ("eth.fcs.status", 68, 4)
            ]
        );
        assert_eq!(packet.u64_of(&packet.layers[0], &FCS), Some(0xdeadbeef));
    }

    #[test]
    fn vlan_frame_padding_and_trailer_go_to_the_vlan_layer() {
        // Frame 1 of zeek's icmp_dot1q.pcap: a tagged ARP reply, 64 bytes.
        let mut tagged = vec![0x00, 0x7b, 0x08, 0x06];
        tagged.extend([0, 1, 8, 0, 6, 4, 0, 2]);
        tagged.extend([0x00, 0x19, 0x06, 0xea, 0xb8, 0xc1, 192, 168, 123, 1]);
        tagged.extend([0xff; 6]);
        tagged.extend([192, 168, 123, 1]);
        tagged.extend([0; 18]);
        let frame = ethernet(0x8100, &tagged);
        let (_, packet) = decode(&frame);
        let vlan = fields(&packet, 1);
        let n = vlan.len();
        assert_eq!(
            &vlan[n - 2..],
            &[("eth.padding", 46, 14), ("vlan.trailer", 60, 4)]
        );
        assert!(!fields(&packet, 0).iter().any(|f| f.0 == "eth.padding"));
    }

    #[test]
    fn trailer_fields_are_tree_only() {
        let mut frame = ethernet(0x0800, &crate::ip::v4::tests::ipv4_packet(253, 0, &[]));
        frame.extend([0; 26]);
        let mut registry = crate::registry();
        registry.set_fields(registry.line_fields());
        let info = FrameInfo {
            caplen: frame.len() as u32,
            len: frame.len() as u32,
            linktype: dissect_core::linktype::ETHERNET,
            ..FrameInfo::default()
        };
        let mut packet = Packet::new();
        registry.dissect(&info, &frame, &mut packet);
        assert!(!packet.fields.iter().any(|f| f.def.abbrev == "eth.padding"));
    }

    #[test]
    fn loopback_messages() {
        // tcpdump's loopback.pcap frame 2: skip 8, Forward Data, Reply 1.
        let mut body = vec![8, 0, 2, 0, 0xaa, 0, 4, 0, 0x1d, 4, 1, 0, 1, 0];
        body.extend([0x55; 40]);
        let (registry, packet) = decode(&ethernet(ETHERTYPE_LOOPBACK, &body));
        let names: Vec<&str> = packet.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["eth", "loop", "data"]);
        let loop_fields: Vec<&str> = fields(&packet, 1).iter().map(|f| f.0).collect();
        assert_eq!(
            loop_fields,
            [
                "loop.skipcount",
                "loop.function",
                "loop.forwarding_address",
                "loop.relevant_function",
                "loop.function",
                "loop.receipt_number"
            ]
        );
        let mut out = String::new();
        registry
            .render(&packet, &RenderOptions::default(), &mut out)
            .unwrap();
        assert_eq!(
            out,
            "Loopback, skipCount 8, Reply, receipt number 1, data (40 octets)"
        );
        // Cut anywhere, it never panics.
        let frame = ethernet(ETHERTYPE_LOOPBACK, &body);
        for len in 0..frame.len() {
            let (registry, packet) = decode(&frame[..len]);
            let mut out = String::new();
            registry
                .render(&packet, &RenderOptions::default(), &mut out)
                .unwrap();
        }
    }

    #[test]
    fn short_header_is_an_error() {
        assert_eq!(
            Ethernet::parse(&[0; 13]).unwrap_err(),
            Error::Truncated {
                needed: 14,
                available: 13
            }
        );
    }
}
