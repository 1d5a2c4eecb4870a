//! Linux "cooked" capture headers: LINKTYPE_LINUX_SLL (v1, 16 bytes) and
//! LINKTYPE_LINUX_SLL2 (v2, 20 bytes, with the interface index). Wireshark
//! calls both `sll`.

use std::fmt::{self, Write};
use std::ops::Range;

use dissect_core::{
    field, linktype, Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table,
    Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::link::ethernet::write_ethertype;
use crate::names::ethertype_name;
use crate::wire::{array, be16, be32, byte, check_len, Error};

/// Byte ranges of the v1 header.
pub mod v1_range {
    use std::ops::Range;
    pub const PKTTYPE: Range<usize> = 0..2;
    pub const HATYPE: Range<usize> = 2..4;
    pub const HALEN: Range<usize> = 4..6;
    pub const ADDR: Range<usize> = 6..14;
    pub const PROTOCOL: Range<usize> = 14..16;
}

/// Byte ranges of the v2 header.
pub mod v2_range {
    use std::ops::Range;
    pub const PROTOCOL: Range<usize> = 0..2;
    pub const RESERVED: Range<usize> = 2..4;
    pub const IFINDEX: Range<usize> = 4..8;
    pub const HATYPE: Range<usize> = 8..10;
    pub const PKTTYPE: Range<usize> = 10..11;
    pub const HALEN: Range<usize> = 11..12;
    pub const ADDR: Range<usize> = 12..20;
}

pub const V1_HEADER_LEN: usize = 16;
pub const V2_HEADER_LEN: usize = 20;
/// Room for the link-layer address in both versions.
const ADDR_LEN: usize = 8;

/// Protocol values up to this are Linux protocol numbers (`sll.ltype`), not
/// EtherTypes ("yes, 1536 - that's how Linux does it", says Wireshark).
const MAX_LTYPE: u16 = 1536;
/// tcpdump's limit for the same test.
const MAX_8023_LEN: u16 = 1500;

/// ARPHRD_IPGRE: the protocol field is a GRE protocol type.
pub const HATYPE_IPGRE: u16 = 778;

/// Linux protocol numbers (`sll.ltype`).
pub const LTYPE_802_3: u16 = 0x0001;
pub const LTYPE_802_2: u16 = 0x0004;

/// Dissector table for Linux protocol numbers (`0x0004` is 802.2 LLC), so a
/// LLC dissector can claim them; unclaimed ones become `data`.
pub const LTYPE_TABLE: Table = Table::new("sll.ltype");

/// Which cooked header a view reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    V1,
    V2,
}

/// Typed zero-copy view of a Linux cooked header (either version).
#[derive(Debug, Clone, Copy)]
pub struct Sll<'a> {
    data: &'a [u8],
    version: Version,
}

impl<'a> Sll<'a> {
    /// A v1 header (LINKTYPE_LINUX_SLL).
    pub fn parse(data: &'a [u8]) -> Result<Sll<'a>, Error> {
        check_len(data, V1_HEADER_LEN)?;
        Ok(Sll {
            data,
            version: Version::V1,
        })
    }
    /// A v2 header (LINKTYPE_LINUX_SLL2).
    pub fn parse_v2(data: &'a [u8]) -> Result<Sll<'a>, Error> {
        check_len(data, V2_HEADER_LEN)?;
        Ok(Sll {
            data,
            version: Version::V2,
        })
    }
    pub fn version(&self) -> Version {
        self.version
    }
    pub fn header_len(&self) -> usize {
        match self.version {
            Version::V1 => V1_HEADER_LEN,
            Version::V2 => V2_HEADER_LEN,
        }
    }
    /// 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.
    pub fn pkttype(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.data, v1_range::PKTTYPE.start),
            Version::V2 => byte(self.data, v2_range::PKTTYPE.start).into(),
        }
    }
    /// ARPHRD_* type of the interface.
    pub fn hatype(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.data, v1_range::HATYPE.start),
            Version::V2 => be16(self.data, v2_range::HATYPE.start),
        }
    }
    /// Length of the source link-layer address as written (may exceed 8).
    pub fn halen(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.data, v1_range::HALEN.start),
            Version::V2 => byte(self.data, v2_range::HALEN.start).into(),
        }
    }
    fn addr_range(&self) -> Range<usize> {
        match self.version {
            Version::V1 => v1_range::ADDR,
            Version::V2 => v2_range::ADDR,
        }
    }
    /// The source link-layer address (at most 8 bytes).
    pub fn source(&self) -> &'a [u8] {
        let range = self.addr_range();
        let len = usize::from(self.halen()).min(ADDR_LEN);
        self.data.get(range.start..range.start + len).unwrap_or(&[])
    }
    /// EtherType, or a Linux protocol number when at most 1536.
    pub fn protocol(&self) -> u16 {
        match self.version {
            Version::V1 => be16(self.data, v1_range::PROTOCOL.start),
            Version::V2 => be16(self.data, v2_range::PROTOCOL.start),
        }
    }
    /// Interface index (v2 only).
    pub fn ifindex(&self) -> Option<u32> {
        match self.version {
            Version::V1 => None,
            Version::V2 => Some(be32(self.data, v2_range::IFINDEX.start)),
        }
    }
    pub fn payload(&self) -> &'a [u8] {
        self.data.get(self.header_len()..).unwrap_or(&[])
    }
}

impl Serialize for Sll<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Sll", 7)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("pkttype", &self.pkttype())?;
        st.serialize_field("hatype", &self.hatype())?;
        st.serialize_field("halen", &self.halen())?;
        let mut source = String::new();
        let _ = field::write_hex_colon(self.source(), &mut source);
        st.serialize_field("source", &source)?;
        st.serialize_field("protocol", &self.protocol())?;
        st.serialize_field("ifindex", &self.ifindex())?;
        st.end()
    }
}

fn names_pkttype(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => return None,
    })
}

/// A few ARPHRD_* names, as Wireshark shows them.
fn names_hatype(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "Ethernet",
        772 => "Loopback",
        778 => "GRE over IP",
        _ => return None,
    })
}

fn names_ltype(v: u64) -> Option<&'static str> {
    Some(match v {
        0x0001 => "Raw 802.3",
        0x0003 => "Ethernet",
        0x0004 => "802.2 LLC",
        0x0007 => "PPP (HDLC)",
        0x000c => "CAN",
        0x000d => "CAN FD",
        _ => return None,
    })
}

fn names_ethertype(v: u64) -> Option<&'static str> {
    ethertype_name(v as u16)
}

pub static PKTTYPE: FieldDef =
    FieldDef::new("sll.pkttype", "Packet type", FieldType::Uint(16)).names(names_pkttype);
pub static HATYPE: FieldDef =
    FieldDef::new("sll.hatype", "Link-layer address type", FieldType::Uint(16)).names(names_hatype);
pub static HALEN: FieldDef = FieldDef::new(
    "sll.halen",
    "Link-layer address length",
    FieldType::Uint(16),
);
pub static SRC_ETH: FieldDef = FieldDef::new("sll.src.eth", "Source", FieldType::Ether);
pub static SRC_IPV4: FieldDef = FieldDef::new("sll.src.ipv4", "Source", FieldType::Ipv4);
pub static SRC_OTHER: FieldDef = FieldDef::new("sll.src.other", "Source", FieldType::Bytes);
pub static UNUSED: FieldDef = FieldDef::new("sll.unused", "Unused", FieldType::Bytes);
pub static LTYPE: FieldDef = FieldDef::new("sll.ltype", "Protocol", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ltype);
pub static GRETYPE: FieldDef = FieldDef::new("sll.gretype", "Protocol", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);
pub static ETYPE: FieldDef = FieldDef::new("sll.etype", "Protocol", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ethertype);
pub static IFINDEX: FieldDef = FieldDef::new("sll.ifindex", "Interface index", FieldType::Uint(32));

/// Cooked capture, both versions (one dissector: the registry keys
/// dissectors by name and Wireshark names both `sll`).
#[derive(Debug, Default)]
pub struct SllDissector;

/// The cooked header of a frame of this link type (v2 for LINUX_SLL2).
pub fn parse_for(linktype: u32, data: &[u8]) -> Result<Sll<'_>, Error> {
    if linktype == linktype::LINUX_SLL2 {
        Sll::parse_v2(data)
    } else {
        Sll::parse(data)
    }
}

/// Adds the address length, the address and the unused rest of the
/// 8-byte address field, as Wireshark's add_ll_address does.
fn add_address(cx: &mut Context<'_>, sll: &Sll<'_>, halen_range: Range<usize>) {
    let halen = usize::from(sll.halen());
    cx.add(&HALEN, halen_range, Value::U64(halen as u64));
    let at = sll.addr_range().start;
    match halen {
        0 => {}
        4 => cx.add(&SRC_IPV4, at..at + 4, Value::Ipv4(array(sll.data, at))),
        6 => cx.add(&SRC_ETH, at..at + 6, Value::Ether(array(sll.data, at))),
        _ => cx.add(&SRC_OTHER, at..at + halen.min(ADDR_LEN), Value::Bytes),
    }
    if halen < ADDR_LEN {
        cx.add(&UNUSED, at + halen..at + ADDR_LEN, Value::Bytes);
    }
}

/// Adds the protocol field under the name its value calls for and says
/// where the payload goes.
fn add_protocol(cx: &mut Context<'_>, sll: &Sll<'_>, range: Range<usize>) -> Next {
    let protocol = sll.protocol();
    if protocol <= MAX_LTYPE {
        cx.add(&LTYPE, range, Value::U64(protocol.into()));
        return Next::Key(LTYPE_TABLE, protocol.into());
    }
    if sll.hatype() == HATYPE_IPGRE {
        // A GRE protocol type; for the IP family it equals the EtherType.
        cx.add(&GRETYPE, range, Value::U64(protocol.into()));
    } else {
        cx.add(&ETYPE, range, Value::U64(protocol.into()));
    }
    Next::Key(Table::ETHERTYPE, protocol.into())
}

/// The fields the one-line text reads.
pub static LINE_FIELDS: &[&FieldDef] = &[&PKTTYPE, &LTYPE, &GRETYPE, &ETYPE, &IFINDEX];

/// Every field the sll dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &PKTTYPE, &HATYPE, &HALEN, &SRC_ETH, &SRC_IPV4, &SRC_OTHER, &UNUSED, &LTYPE, &GRETYPE, &ETYPE,
    &IFINDEX,
];

impl Dissector for SllDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "sll"
    }
    fn full_name(&self) -> &'static str {
        "Linux cooked-mode capture"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Ok(sll) = parse_for(cx.frame().linktype, data) else {
            let need = if cx.frame().linktype == linktype::LINUX_SLL2 {
                V2_HEADER_LEN
            } else {
                V1_HEADER_LEN
            };
            cx.need(need, "Linux cooked header");
            return Handoff::done(data.len());
        };
        let next = match sll.version {
            Version::V1 => {
                cx.add(
                    &PKTTYPE,
                    v1_range::PKTTYPE,
                    Value::U64(sll.pkttype().into()),
                );
                cx.add(&HATYPE, v1_range::HATYPE, Value::U64(sll.hatype().into()));
                add_address(cx, &sll, v1_range::HALEN);
                add_protocol(cx, &sll, v1_range::PROTOCOL)
            }
            Version::V2 => {
                let next = add_protocol(cx, &sll, v2_range::PROTOCOL);
                let ifindex = sll.ifindex().unwrap_or(0);
                cx.add(&IFINDEX, v2_range::IFINDEX, Value::U64(ifindex.into()));
                cx.add(&HATYPE, v2_range::HATYPE, Value::U64(sll.hatype().into()));
                cx.add(
                    &PKTTYPE,
                    v2_range::PKTTYPE,
                    Value::U64(sll.pkttype().into()),
                );
                add_address(cx, &sll, v2_range::HALEN);
                next
            }
        };
        let header_len = sll.header_len();
        Handoff::to(
            next,
            header_len,
            cx.reported_len().saturating_sub(header_len),
        )
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let v2 = r.packet.frame.linktype == linktype::LINUX_SLL2;
        let Ok(sll) = parse_for(r.packet.frame.linktype, r.bytes()) else {
            return r.write_str(if v2 { " [|sll2]" } else { " [|sll]" });
        };
        let pkttype = tcpdump_pkttype_name(sll.pkttype());
        if let Some(ifindex) = sll.ifindex() {
            // sll2_if_print always starts with the interface and direction.
            let name = interface_name(ifindex).unwrap_or("?");
            write!(r, "{name:<5} {pkttype:<3} ")?;
        }
        // tcpdump prints the header with -e, and when an EtherType it
        // cannot decode follows.
        let protocol = sll.protocol();
        let undecoded = r.next_layer().is_none_or(|l| l.name == "data");
        if r.options.link_header || (undecoded && protocol > MAX_8023_LEN) {
            write_header(r, &sll, r.packet.frame.len)?;
        }
        r.next()
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        let version = match r.packet.frame.linktype {
            linktype::LINUX_SLL2 => 2,
            _ => 1,
        };
        write!(r, "Linux cooked capture v{version}")
    }
}

/// tcpdump's direction names (sll_pkttype_values).
fn tcpdump_pkttype_name(pkttype: u16) -> &'static str {
    match pkttype {
        0 => "In",
        1 => "B",
        2 => "M",
        3 => "P",
        4 => "Out",
        _ => "?",
    }
}

/// tcpdump's sll_print / sll2_print: the link header shown with `-e`,
/// ending in `, length N: ` with the frame's wire length.
pub fn write_header(out: &mut impl Write, sll: &Sll<'_>, frame_len: u32) -> fmt::Result {
    match sll.ifindex() {
        None => write!(out, "{:>3} ", tcpdump_pkttype_name(sll.pkttype()))?,
        Some(ifindex) => write!(out, "ifindex {ifindex} ")?,
    }
    if sll.halen() == 6 {
        let mac: [u8; 6] = array(sll.source(), 0);
        field::write_ether(&mac, out)?;
        out.write_char(' ')?;
    }
    let protocol = sll.protocol();
    if protocol <= MAX_8023_LEN {
        match protocol {
            LTYPE_802_3 => out.write_str("802.3")?,
            LTYPE_802_2 => out.write_str("802.2")?,
            _ => write!(out, "ethertype Unknown (0x{protocol:04x})")?,
        }
    } else {
        out.write_str("ethertype ")?;
        write_ethertype(out, protocol)?;
    }
    write!(out, ", length {frame_len}: ")
}

/// The interface name tcpdump prints for an SLL2 interface index. tcpdump
/// asks the *reading* host (and warns the names "might be incorrect"); to
/// keep the output the same on every machine we only name index 1, which is
/// the loopback interface on every Linux host, and print tcpdump's `?` for
/// the rest.
pub fn interface_name(ifindex: u32) -> Option<&'static str> {
    (ifindex == 1).then_some("lo")
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    let sll = registry.register(Table::LINKTYPE, linktype::LINUX_SLL, SllDissector)?;
    registry.register_id(Table::LINKTYPE, linktype::LINUX_SLL2, sll);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{decode, hex, line};

    /// v1 header of icmp-cksum-oobr-1.pcap: outgoing, Ethernet, IPv4.
    const V1: &str = "0004 0001 0006 00163e2778a20000 0800";
    /// v2 header of linux_dlt_sll2.pcap's ARP frame: ifindex 26, outgoing.
    const V2_ARP: &str = "0806 0000 0000001a 0001 04 06 8e360644acaf0000";

    #[test]
    fn v1_view() {
        let bytes = hex(V1);
        let sll = Sll::parse(&bytes).unwrap();
        assert_eq!(sll.pkttype(), 4);
        assert_eq!(sll.hatype(), 1);
        assert_eq!(sll.halen(), 6);
        assert_eq!(sll.source(), &[0x00, 0x16, 0x3e, 0x27, 0x78, 0xa2]);
        assert_eq!(sll.protocol(), 0x0800);
        assert_eq!(sll.ifindex(), None);
        assert!(Sll::parse(&bytes[..15]).is_err());
    }

    #[test]
    fn v1_fields_and_header_text() {
        let bytes = hex(V1);
        let (registry, packet) = decode(linktype::LINUX_SLL, &bytes, 204);
        let sll = &packet.layers[0];
        assert_eq!(sll.name, "sll");
        assert_eq!(sll.header_len, 16);
        assert_eq!(packet.u64_of(sll, &ETYPE), Some(0x0800));
        assert!(packet.find(sll, &SRC_ETH).is_some());
        assert_eq!(packet.find(sll, &UNUSED).map(|f| f.len), Some(2));
        let mut s = String::new();
        write_header(&mut s, &Sll::parse(&bytes).unwrap(), 204).unwrap();
        assert_eq!(
            s,
            "Out 00:16:3e:27:78:a2 ethertype IPv4 (0x0800), length 204: "
        );
        // The header text comes first with -e (the cut IP layer follows).
        assert!(line(&registry, &packet, true).starts_with(&s));
    }

    #[test]
    fn v2_fields_and_text() {
        let mut bytes = hex(V2_ARP);
        bytes.extend(hex(
            "0001080006040001 8e360644acaf c0000201 000000000000 c0000202",
        ));
        let (registry, packet) = decode(linktype::LINUX_SLL2, &bytes, 48);
        let sll = &packet.layers[0];
        assert_eq!(sll.header_len, 20);
        assert_eq!(packet.u64_of(sll, &IFINDEX), Some(26));
        assert_eq!(packet.u64_of(sll, &PKTTYPE), Some(4));
        assert_eq!(packet.u64_of(sll, &ETYPE), Some(0x0806));
        assert_eq!(packet.layers[1].name, "arp");
        let name = interface_name(26).unwrap_or("?");
        assert_eq!(
            line(&registry, &packet, true),
            format!(
                "{name:<5} Out ifindex 26 8e:36:06:44:ac:af ethertype ARP (0x0806), \
                 length 48: Request who-has 192.0.2.2 tell 192.0.2.1, length 28"
            )
        );
    }

    #[test]
    fn gre_hatype_uses_gretype_and_no_address() {
        let bytes = hex("0000 030a 0000 0000000000000000 86dd");
        let (_, packet) = decode(linktype::LINUX_SLL, &bytes, 16);
        let sll = &packet.layers[0];
        assert_eq!(packet.u64_of(sll, &GRETYPE), Some(0x86dd));
        assert_eq!(packet.find(sll, &UNUSED).map(|f| f.len), Some(8));
    }

    #[test]
    fn linux_protocol_numbers_are_ltype() {
        let mut bytes = hex("0000 0001 0006 00163e2778a20000 0004");
        bytes.extend([0xaa, 0xaa, 0x03]);
        let (registry, packet) = decode(linktype::LINUX_SLL, &bytes, 19);
        assert_eq!(packet.u64_of(&packet.layers[0], &LTYPE), Some(4));
        assert_eq!(packet.layers[1].name, "data");
        assert_eq!(line(&registry, &packet, false), "");
        assert_eq!(
            line(&registry, &packet, true),
            " In 00:16:3e:27:78:a2 802.2, length 19: "
        );
    }

    #[test]
    fn short_header_is_truncated() {
        let (registry, packet) = decode(linktype::LINUX_SLL, &[0, 4, 0], 60);
        assert!(!packet.layers[0].status.is_ok());
        assert_eq!(line(&registry, &packet, false), " [|sll]");
    }
}
