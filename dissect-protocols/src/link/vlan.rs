//! IEEE 802.1Q VLAN tags (EtherType 0x8100, and 0x9100 for Q-in-Q) and
//! IEEE 802.1ad provider tags (0x88a8). Stacked tags are one layer each, as
//! Wireshark shows them (`eth:ethertype:ieee8021ad:ethertype:vlan:...`).

use std::fmt::{self, Write};

use dissect_core::{
    field, Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Trailer,
    Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::link::ethernet::{self, write_ethertype};
use crate::names::ethertype_name;
use crate::wire::{be16, check_len, Error};

/// Byte ranges of one tag, named once: the view and the tree both use them.
pub mod field_range {
    use std::ops::Range;
    /// Tag control information: priority (3 bits), DEI (1), VLAN id (12).
    pub const TCI: Range<usize> = 0..2;
    /// The EtherType (or 802.3 length) of what follows the tag.
    pub const TYPE: Range<usize> = 2..4;
}
use field_range as f;

/// Bytes of one tag (TCI and inner type).
pub const TAG_LEN: usize = 4;

pub const ETHERTYPE_8021Q: u16 = 0x8100;
pub const ETHERTYPE_8021AD: u16 = 0x88a8;
/// Pre-standard Q-in-Q outer tag; Wireshark decodes it as `vlan`.
pub const ETHERTYPE_QINQ_9100: u16 = 0x9100;

const PRIORITY_MASK: u16 = 0xe000;
const DEI_MASK: u16 = 0x1000;
const ID_MASK: u16 = 0x0fff;

/// Largest inner type value that is an IEEE 802.3 length.
const MAX_8023_LEN: u16 = 1500;

/// Typed zero-copy view of one VLAN tag (the 4 bytes after the EtherType
/// that announced it).
#[derive(Debug, Clone, Copy)]
pub struct VlanTag<'a> {
    data: &'a [u8],
}

impl<'a> VlanTag<'a> {
    pub fn parse(data: &'a [u8]) -> Result<VlanTag<'a>, Error> {
        check_len(data, TAG_LEN)?;
        Ok(VlanTag { data })
    }
    pub fn tci(&self) -> u16 {
        be16(self.data, f::TCI.start)
    }
    /// Priority code point (0..7).
    pub fn priority(&self) -> u8 {
        (self.tci() >> 13) as u8
    }
    /// Drop eligible indicator (formerly CFI).
    pub fn dei(&self) -> bool {
        self.tci() & DEI_MASK != 0
    }
    pub fn id(&self) -> u16 {
        self.tci() & ID_MASK
    }
    /// EtherType of the payload, or its length for an 802.3 payload.
    pub fn ethertype(&self) -> u16 {
        be16(self.data, f::TYPE.start)
    }
    pub fn is_8023(&self) -> bool {
        self.ethertype() <= MAX_8023_LEN
    }
    pub fn payload(&self) -> &'a [u8] {
        self.data.get(TAG_LEN..).unwrap_or(&[])
    }
}

impl Serialize for VlanTag<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("VlanTag", 4)?;
        st.serialize_field("priority", &self.priority())?;
        st.serialize_field("dei", &self.dei())?;
        st.serialize_field("id", &self.id())?;
        st.serialize_field("ethertype", &self.ethertype())?;
        st.end()
    }
}

fn names_ethertype(v: u64) -> Option<&'static str> {
    ethertype_name(v as u16)
}

/// IEEE 802.1Q priority code point names, as Wireshark shows them.
fn names_priority(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        7 => "Network Control",
        _ => return None,
    })
}

fn names_dei(v: u64) -> Option<&'static str> {
    Some(if v != 0 { "Eligible" } else { "Ineligible" })
}

pub static PRIORITY: FieldDef = FieldDef::new("vlan.priority", "Priority", FieldType::Uint(16))
    .mask(PRIORITY_MASK as u64)
    .names(names_priority);
/// A flag shown by name ("Eligible"); the value stays 0/1 as tshark prints it.
pub static DEI: FieldDef = FieldDef::new("vlan.dei", "DEI", FieldType::Bool)
    .mask(DEI_MASK as u64)
    .names(names_dei);
pub static ID: FieldDef = FieldDef::new("vlan.id", "ID", FieldType::Uint(16)).mask(ID_MASK as u64);
pub static ETYPE: FieldDef = FieldDef::new("vlan.etype", "Type", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);
pub static LEN: FieldDef = FieldDef::new("vlan.len", "Length", FieldType::Uint(16));
/// Bytes after the tagged payload (see [`ethernet::add_trailer`]).
pub static TRAILER: FieldDef = FieldDef::new("vlan.trailer", "Trailer", FieldType::Bytes);

pub static AD_PRIORITY: FieldDef =
    FieldDef::new("ieee8021ad.priority", "Priority", FieldType::Uint(16))
        .mask(PRIORITY_MASK as u64);
pub static AD_DEI: FieldDef =
    FieldDef::new("ieee8021ad.dei", "DEI", FieldType::Uint(16)).mask(DEI_MASK as u64);
pub static AD_ID: FieldDef =
    FieldDef::new("ieee8021ad.id", "ID", FieldType::Uint(16)).mask(ID_MASK as u64);
pub static AD_SVID: FieldDef =
    FieldDef::new("ieee8021ad.svid", "ID", FieldType::Uint(16)).mask(ID_MASK as u64);
pub static AD_CVID: FieldDef =
    FieldDef::new("ieee8021ad.cvid", "ID", FieldType::Uint(16)).mask(ID_MASK as u64);
/// Wireshark names the 802.1ad inner type with the 802.1ah prefix.
pub static AD_ETYPE: FieldDef = FieldDef::new("ieee8021ah.etype", "Type", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);

/// What follows a tag: the EtherType table, or undecoded 802.3 data bounded
/// by the length. The payload keeps any Ethernet padding; the next layer
/// bounds its own length (ARP reports the whole rest, as tcpdump does).
fn handoff_after(cx: &Context<'_>, header_len: usize, ethertype: u16) -> Handoff {
    let rest = cx.reported_len().saturating_sub(header_len);
    if ethertype <= MAX_8023_LEN {
        let len = usize::from(ethertype).min(rest);
        return Handoff::to(Next::Named("data"), header_len, len);
    }
    Handoff::to(
        Next::Key(Table::ETHERTYPE, ethertype.into()),
        header_len,
        rest,
    )
}

/// The 802.1Q tag (`vlan`).
#[derive(Debug, Default)]
pub struct VlanDissector;

/// The fields the one-line text reads.
pub static VLAN_LINE_FIELDS: &[&FieldDef] = &[&PRIORITY, &ID, &ETYPE];

/// Every field the vlan dissector adds (its catalogue entries).
pub static VLAN_FIELDS: &[&FieldDef] = &[&PRIORITY, &DEI, &ID, &ETYPE, &LEN, &TRAILER];

impl Dissector for VlanDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        VLAN_FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        VLAN_LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "vlan"
    }
    fn full_name(&self) -> &'static str {
        "802.1Q Virtual LAN"
    }

    fn trailer(&self, t: &mut Trailer<'_, '_>) {
        // No FCS guess after a tag: Wireshark's VLAN dissector makes none.
        ethernet::file_trailer(t, &TRAILER, false);
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Ok(tag) = VlanTag::parse(data) else {
            cx.need(TAG_LEN, "802.1Q tag");
            return Handoff::done(data.len());
        };
        let tci = u64::from(tag.tci());
        cx.add(&PRIORITY, f::TCI, Value::U64(tag.priority().into()));
        cx.add(&DEI, f::TCI, Value::U64(u64::from(tag.dei())));
        cx.add(&ID, f::TCI, Value::U64(tci & u64::from(ID_MASK)));
        let ethertype = tag.ethertype();
        if tag.is_8023() {
            cx.add(&LEN, f::TYPE, Value::U64(ethertype.into()));
        } else {
            cx.add(&ETYPE, f::TYPE, Value::U64(ethertype.into()));
        }
        handoff_after(cx, TAG_LEN, ethertype)
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        render_tags(r, 1)
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        match VlanTag::parse(r.bytes()) {
            Ok(tag) => write!(
                r,
                "802.1Q Virtual LAN, PRI: {}, DEI: {}, ID: {}",
                tag.priority(),
                u8::from(tag.dei()),
                tag.id()
            ),
            Err(_) => r.write_str(self.full_name()),
        }
    }
}

/// The 802.1ad provider tag (`ieee8021ad`). Two 802.1ad tags in a row are
/// decoded as one S-tag/C-tag layer, as Wireshark does.
#[derive(Debug, Default)]
pub struct Ieee8021adDissector;

/// Number of tags an `ieee8021ad` layer holds: two when the tag is
/// followed by another 0x88a8 tag.
fn ad_tag_count(data: &[u8]) -> usize {
    match VlanTag::parse(data) {
        Ok(tag) if tag.ethertype() == ETHERTYPE_8021AD && data.len() >= 2 * TAG_LEN => 2,
        _ => 1,
    }
}

/// The fields the one-line text reads.
pub static IEEE8021AD_LINE_FIELDS: &[&FieldDef] = &[&AD_ID, &AD_SVID, &AD_CVID, &AD_ETYPE];

/// Every field the ieee8021ad dissector adds (its catalogue entries).
pub static IEEE8021AD_FIELDS: &[&FieldDef] =
    &[&AD_PRIORITY, &AD_DEI, &AD_ID, &AD_SVID, &AD_CVID, &AD_ETYPE];

impl Dissector for Ieee8021adDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        IEEE8021AD_FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        IEEE8021AD_LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "ieee8021ad"
    }
    fn full_name(&self) -> &'static str {
        "IEEE 802.1ad"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Ok(outer) = VlanTag::parse(data) else {
            cx.need(TAG_LEN, "802.1ad tag");
            return Handoff::done(data.len());
        };
        let add_tag = |cx: &mut Context<'_>, at: usize, tag: VlanTag<'_>, id: &'static FieldDef| {
            let tci = at..at + 2;
            cx.add(&AD_PRIORITY, tci.clone(), Value::U64(tag.priority().into()));
            cx.add(&AD_DEI, tci.clone(), Value::U64(u64::from(tag.dei())));
            cx.add(id, tci, Value::U64(tag.id().into()));
        };
        if outer.ethertype() == ETHERTYPE_8021AD {
            // S-tag followed by a second 802.1ad tag: one layer for both.
            let Some(inner) = data.get(TAG_LEN..).and_then(|d| VlanTag::parse(d).ok()) else {
                cx.need(2 * TAG_LEN, "802.1ad C-tag");
                return Handoff::done(data.len());
            };
            add_tag(cx, 0, outer, &AD_SVID);
            add_tag(cx, TAG_LEN, inner, &AD_CVID);
            let ethertype = inner.ethertype();
            cx.add(&AD_ETYPE, 6..8, Value::U64(ethertype.into()));
            return handoff_after(cx, 2 * TAG_LEN, ethertype);
        }
        add_tag(cx, 0, outer, &AD_ID);
        let ethertype = outer.ethertype();
        cx.add(&AD_ETYPE, f::TYPE, Value::U64(ethertype.into()));
        handoff_after(cx, TAG_LEN, ethertype)
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let tags = ad_tag_count(r.bytes());
        render_tags(r, tags)
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        let data = r.bytes();
        let outer = VlanTag::parse(data).ok();
        let inner = data.get(TAG_LEN..).and_then(|d| VlanTag::parse(d).ok());
        match (outer, inner) {
            (Some(s), Some(c)) if s.ethertype() == ETHERTYPE_8021AD => {
                write!(r, "IEEE 802.1ad, S-VID: {}, C-VID: {}", s.id(), c.id())
            }
            (Some(tag), _) => write!(r, "IEEE 802.1ad, ID: {}", tag.id()),
            _ => r.write_str(self.full_name()),
        }
    }
}

/// tcpdump's text for `tags` consecutive tags at the start of the layer.
///
/// Without `-e` a tag prints nothing, unless nothing decodes its payload:
/// then tcpdump prints the frame's addresses and the final EtherType.
/// With `-e` each tag prints `vlan 200, p 0[, DEI], ethertype IPv4 (0x0800), `.
/// Under Linux cooked capture tcpdump uses its older form
/// (`ethertype IPv4, `), even without `-e`.
fn render_tags(r: &mut Render<'_>, tags: usize) -> fmt::Result {
    let data = r.bytes();
    // Tags under a cooked header (possibly after other tags), and how many
    // tag bytes lie between that header and this layer's payload.
    let cooked = cooked_header_before(r);
    let mut last = None;
    for n in 0..tags {
        let Some(tag) = data.get(n * TAG_LEN..).and_then(|d| VlanTag::parse(d).ok()) else {
            return r.write_str(" [|vlan]");
        };
        if r.options.link_header {
            write_tci(r, tag.tci())?;
            r.write_str(", ")?;
        }
        if cooked.is_some() {
            // sll_if_print: the inner type by name only; lengths become 802.2.
            let name = if tag.is_8023() {
                "802.2"
            } else {
                crate::names::tcpdump_ethertype_name(tag.ethertype()).unwrap_or("Unknown")
            };
            write!(r, "ethertype {name}, ")?;
        } else if r.options.link_header {
            if tag.is_8023() {
                r.write_str("802.3")?;
            } else {
                r.write_str("ethertype ")?;
                write_ethertype(r, tag.ethertype())?;
                r.write_str(", ")?;
            }
        }
        last = Some(tag);
    }
    let undecoded = r.next_layer().is_none_or(|l| l.name == "data");
    let Some(tag) = last else {
        return r.next();
    };
    if undecoded && !r.options.link_header && !tag.is_8023() {
        // tcpdump's text for an inner EtherType it cannot decode.
        match cooked {
            Some((sll, tag_bytes)) => {
                let len = r
                    .packet
                    .frame
                    .len
                    .saturating_sub(tag_bytes + (tags * TAG_LEN) as u32);
                crate::link::sll::write_header(r, &sll, len)?;
            }
            None => {
                write_frame_addresses(r)?;
                r.write_str("ethertype ")?;
                write_ethertype(r, tag.ethertype())?;
                write!(r, ", length {}: ", r.packet.frame.len)?;
            }
        }
    }
    r.next()
}

/// The cooked (`sll`) header this layer follows, skipping earlier tag
/// layers, with the number of tag bytes in between.
fn cooked_header_before<'a>(r: &Render<'a>) -> Option<(crate::link::sll::Sll<'a>, u32)> {
    let mut tag_bytes = 0u32;
    for layer in r.packet.layers.get(..r.index)?.iter().rev() {
        match layer.name {
            "vlan" | "ieee8021ad" => tag_bytes += layer.header_len,
            "sll" => {
                let bytes = layer.bytes(&r.packet.data);
                return crate::link::sll::parse_for(r.packet.frame.linktype, bytes)
                    .ok()
                    .map(|sll| (sll, tag_bytes));
            }
            _ => return None,
        }
    }
    None
}

/// `src > dst, ` from the Ethernet layer of the frame, if there is one.
fn write_frame_addresses(r: &mut Render<'_>) -> fmt::Result {
    let Some(eth) = r.packet.layers.iter().find(|l| l.name == "eth") else {
        return Ok(());
    };
    let Ok(header) = ethernet::Ethernet::parse(eth.bytes(&r.packet.data)) else {
        return Ok(());
    };
    field::write_ether(&header.src(), r)?;
    r.write_str(" > ")?;
    field::write_ether(&header.dst(), r)?;
    r.write_str(", ")
}

/// `vlan 200, p 0` and `, DEI` when set (tcpdump's ieee8021q_tci_string).
pub fn write_tci(out: &mut impl Write, tci: u16) -> fmt::Result {
    write!(out, "vlan {}, p {}", tci & ID_MASK, tci >> 13)?;
    if tci & DEI_MASK != 0 {
        out.write_str(", DEI")?;
    }
    Ok(())
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    let vlan = registry.register(Table::ETHERTYPE, ETHERTYPE_8021Q.into(), VlanDissector)?;
    registry.register_id(Table::ETHERTYPE, ETHERTYPE_QINQ_9100.into(), vlan);
    registry.register(
        Table::ETHERTYPE,
        ETHERTYPE_8021AD.into(),
        Ieee8021adDissector,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{decode, hex, line};
    use dissect_core::linktype;

    /// Frame 1 of tcpdump's 802.1ad_QinQ.pcap: 802.1ad 200, 802.1Q 2001, ARP.
    const QINQ_ARP: &str = "ffffffffffff0020d25afb3f88a800c881000\
        7d108060001080006040001\
        0020d25afb3fac154f61000000000000ac154f64\
        0000000000000000000000000000";

    #[test]
    fn view_reads_tag() {
        let tag = VlanTag::parse(&[0xb0, 0x7b, 0x08, 0x00, 0x45]).unwrap();
        assert_eq!(tag.priority(), 5);
        assert!(tag.dei());
        assert_eq!(tag.id(), 123);
        assert_eq!(tag.ethertype(), 0x0800);
        assert_eq!(tag.payload(), &[0x45]);
        assert!(VlanTag::parse(&[0; 3]).is_err());
    }

    #[test]
    fn tci_text_matches_tcpdump() {
        let mut s = String::new();
        write_tci(&mut s, 0xb000).unwrap();
        assert_eq!(s, "vlan 0, p 5, DEI");
    }

    #[test]
    fn qinq_layers_and_fields() {
        let bytes = hex(QINQ_ARP);
        assert_eq!(bytes.len(), 64);
        let (registry, packet) = decode(linktype::ETHERNET, &bytes, 64);
        let names: Vec<_> = packet.layers.iter().map(|l| l.name).collect();
        assert_eq!(names[..3], ["eth", "ieee8021ad", "vlan"]);
        let ad = &packet.layers[1];
        assert_eq!(packet.u64_of(ad, &AD_ID), Some(200));
        assert_eq!(packet.u64_of(ad, &AD_ETYPE), Some(0x8100));
        let vlan = &packet.layers[2];
        assert_eq!(packet.u64_of(vlan, &ID), Some(2001));
        assert_eq!(packet.u64_of(vlan, &PRIORITY), Some(0));
        assert_eq!(packet.u64_of(vlan, &ETYPE), Some(0x0806));
        if registry.id("arp").is_some() && names.get(3) == Some(&"arp") {
            // The tags' part of tcpdump's -e line (the Ethernet part before it
            // belongs to the Ethernet dissector).
            assert!(line(&registry, &packet, true).ends_with(
                "length 64: vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 2001, p 0, \
                 ethertype ARP (0x0806), Request who-has 172.21.79.100 tell 172.21.79.97, \
                 length 42"
            ));
            assert_eq!(
                line(&registry, &packet, false),
                "ARP, Request who-has 172.21.79.100 tell 172.21.79.97, length 42"
            );
        }
    }

    #[test]
    fn truncated_tag_is_marked() {
        let bytes = hex("ffffffffffff0020d25afb3f810000");
        let (registry, packet) = decode(linktype::ETHERNET, &bytes, 64);
        let vlan = &packet.layers[1];
        assert_eq!(vlan.name, "vlan");
        assert!(matches!(
            vlan.status,
            dissect_core::Status::Truncated { .. }
        ));
        assert_eq!(line(&registry, &packet, false), " [|vlan]");
    }

    #[test]
    fn unknown_inner_type_prints_addresses() {
        let bytes = hex("ffffffffffff0020d25afb3f8100007b12340000");
        let (registry, packet) = decode(linktype::ETHERNET, &bytes, 20);
        assert_eq!(
            line(&registry, &packet, false),
            "00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x1234), length 20: "
        );
    }

    #[test]
    fn double_8021ad_is_one_layer() {
        let bytes = hex("ffffffffffff0020d25afb3f88a8000a88a8a014080045");
        let (_, packet) = decode(linktype::ETHERNET, &bytes, bytes.len() as u32);
        let ad = &packet.layers[1];
        assert_eq!(ad.name, "ieee8021ad");
        assert_eq!(ad.header_len, 8);
        assert_eq!(packet.u64_of(ad, &AD_SVID), Some(10));
        assert_eq!(packet.u64_of(ad, &AD_CVID), Some(20));
        assert_eq!(packet.u64_of(ad, &AD_ETYPE), Some(0x0800));
    }
}
