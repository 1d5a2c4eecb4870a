//! Ethernet II (and IEEE 802.3 length frames).

use std::fmt::{self, Write};
use std::ops::Range;

use dissect_core::{
    field, Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::names::{ethertype_name, tcpdump_ethertype_name};
use crate::wire::{array, be16, check_len, Error};

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
        &self.data[HEADER_LEN..]
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

pub static DST: FieldDef = FieldDef::new("eth.dst", "Destination", FieldType::Ether).summary();
pub static DST_LG: FieldDef =
    FieldDef::new("eth.dst.lg", "LG bit", FieldType::Bool).mask(0x02 << 40);
pub static DST_IG: FieldDef =
    FieldDef::new("eth.dst.ig", "IG bit", FieldType::Bool).mask(0x01 << 40);
pub static SRC: FieldDef = FieldDef::new("eth.src", "Source", FieldType::Ether).summary();
pub static SRC_LG: FieldDef =
    FieldDef::new("eth.src.lg", "LG bit", FieldType::Bool).mask(0x02 << 40);
pub static SRC_IG: FieldDef =
    FieldDef::new("eth.src.ig", "IG bit", FieldType::Bool).mask(0x01 << 40);
pub static TYPE: FieldDef = FieldDef::new("eth.type", "Type", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);
pub static LEN: FieldDef = FieldDef::new("eth.len", "Length", FieldType::Uint(16));

/// Adds an address with its LG and IG bits as children.
fn add_address(
    cx: &mut Context<'_>,
    def: &'static FieldDef,
    bits: [&'static FieldDef; 2],
    range: Range<usize>,
    mac: [u8; 6],
) {
    cx.push(def, range.clone(), Value::Ether(mac));
    cx.add(bits[0], range.clone(), Value::Bool(mac[0] & 0x02 != 0));
    cx.add(bits[1], range, Value::Bool(mac[0] & 0x01 != 0));
    cx.pop();
}

#[derive(Debug, Default)]
pub struct EthernetDissector;

impl Dissector for EthernetDissector {
    fn name(&self) -> &'static str {
        "eth"
    }
    fn full_name(&self) -> &'static str {
        "Ethernet II"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let eth = match Ethernet::parse(data) {
            Ok(eth) => eth,
            Err(_) => {
                cx.need(HEADER_LEN, "Ethernet header");
                return Handoff::done(data.len());
            }
        };
        add_address(cx, &DST, [&DST_LG, &DST_IG], f::DST, eth.dst());
        add_address(cx, &SRC, [&SRC_LG, &SRC_IG], f::SRC, eth.src());
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
            let (mut src, mut dst) = (String::new(), String::new());
            field::write_ether(&eth.src(), &mut src)?;
            field::write_ether(&eth.dst(), &mut dst)?;
            write!(r, "{src} > {dst}, ")?;
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

pub fn register(registry: &mut dissect_core::Registry) {
    registry.register(
        Table::LINKTYPE,
        dissect_core::linktype::ETHERNET,
        EthernetDissector,
    );
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
