//! Link types without a real link header: BSD loopback (LINKTYPE_NULL, the
//! address family in the capturing host's byte order; LINKTYPE_LOOP, the
//! same in network byte order) and raw IP (LINKTYPE_RAW, the version nibble
//! picks IPv4 or IPv6). LINKTYPE_IPV4/IPV6 have no link layer at all: the
//! IP dissectors take them as heuristics of the link-type table.

use std::fmt::{self, Write};

use dissect_core::{
    linktype, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::names::ethertype_name;
use crate::wire::{array, check_len, Error};

/// Byte ranges of the loopback header.
pub mod field_range {
    use std::ops::Range;
    pub const FAMILY: Range<usize> = 0..4;
}
use field_range as f;

pub const NULL_HEADER_LEN: usize = 4;

/// Largest header value that is an address family rather than an EtherType.
const MAX_8023_LEN: u32 = 1500;

/// BSD address family values as found in loopback headers.
pub mod af {
    pub const INET: u32 = 2;
    pub const NS: u32 = 6;
    pub const ISO: u32 = 7;
    pub const APPLETALK: u32 = 16;
    pub const IPX: u32 = 23;
    /// NetBSD, OpenBSD, BSD/OS.
    pub const INET6_BSD: u32 = 24;
    pub const INET6_FREEBSD: u32 = 28;
    pub const INET6_DARWIN: u32 = 30;
}

/// LINKTYPE_RAW as some systems write their DLT_RAW value.
const LINKTYPE_RAW_BSD: u32 = 12;
const LINKTYPE_RAW_OPENBSD: u32 = 14;

/// Typed zero-copy view of a BSD loopback header.
#[derive(Debug, Clone, Copy)]
pub struct Loopback<'a> {
    data: &'a [u8],
    /// LINKTYPE_LOOP: the family is big-endian, whoever captured it.
    network_order: bool,
}

impl<'a> Loopback<'a> {
    /// A LINKTYPE_NULL header (host byte order of the capturing machine).
    pub fn parse(data: &'a [u8]) -> Result<Loopback<'a>, Error> {
        check_len(data, NULL_HEADER_LEN)?;
        Ok(Loopback {
            data,
            network_order: false,
        })
    }
    /// A LINKTYPE_LOOP header (network byte order).
    pub fn parse_loop(data: &'a [u8]) -> Result<Loopback<'a>, Error> {
        check_len(data, NULL_HEADER_LEN)?;
        Ok(Loopback {
            data,
            network_order: true,
        })
    }
    /// The address family. Families are small, so a value with any of its
    /// upper 16 bits set was written in the other byte order and is swapped,
    /// as tcpdump does (for LINKTYPE_LOOP too).
    pub fn family(&self) -> u32 {
        let bytes: [u8; 4] = array(self.data, f::FAMILY.start);
        let value = if self.network_order {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        };
        if value & 0xffff_0000 != 0 {
            value.swap_bytes()
        } else {
            value
        }
    }
    pub fn payload(&self) -> &'a [u8] {
        self.data.get(NULL_HEADER_LEN..).unwrap_or(&[])
    }
}

impl Serialize for Loopback<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Loopback", 1)?;
        st.serialize_field("family", &self.family())?;
        st.end()
    }
}

/// Wireshark's family names (null.family).
fn names_family(v: u64) -> Option<&'static str> {
    Some(match v as u32 {
        af::INET => "IP",
        af::ISO => "OSI",
        af::APPLETALK => "Appletalk",
        af::IPX => "Netware IPX/SPX",
        af::INET6_BSD | af::INET6_FREEBSD | af::INET6_DARWIN => "IPv6",
        _ => return None,
    })
}

/// tcpdump's family names (bsd_af_values).
fn tcpdump_family_name(family: u32) -> Option<&'static str> {
    Some(match family {
        af::INET => "IPv4",
        af::NS => "NS",
        af::ISO => "ISO",
        af::APPLETALK => "Appletalk",
        af::IPX => "IPX",
        af::INET6_BSD | af::INET6_FREEBSD | af::INET6_DARWIN => "IPv6",
        _ => return None,
    })
}

/// Families tcpdump's null_if_print decodes (and so prints no header for).
fn tcpdump_decodes(family: u32) -> bool {
    matches!(
        family,
        af::INET
            | af::INET6_BSD
            | af::INET6_FREEBSD
            | af::INET6_DARWIN
            | af::ISO
            | af::APPLETALK
            | af::IPX
    )
}

fn names_ethertype(v: u64) -> Option<&'static str> {
    ethertype_name(v as u16)
}

pub static FAMILY: FieldDef =
    FieldDef::new("null.family", "Family", FieldType::Uint(32)).names(names_family);
/// Some captures put an EtherType in the loopback header instead.
pub static TYPE: FieldDef = FieldDef::new("null.type", "Type", FieldType::Uint(16))
    .base(dissect_core::Base::Hex)
    .names(names_ethertype);

/// The dissector an address family hands its payload to.
fn family_next(family: u32) -> Next {
    match family {
        af::INET => Next::Named("ip"),
        af::INET6_BSD | af::INET6_FREEBSD | af::INET6_DARWIN => Next::Named("ipv6"),
        _ => Next::Named("data"),
    }
}

/// BSD loopback, for both LINKTYPE_NULL and LINKTYPE_LOOP (Wireshark calls
/// both `null`; one dissector, as the registry keys dissectors by name).
#[derive(Debug, Default)]
pub struct NullDissector;

fn parse_for(linktype: u32, data: &[u8]) -> Result<Loopback<'_>, Error> {
    if linktype == linktype::LOOP {
        Loopback::parse_loop(data)
    } else {
        Loopback::parse(data)
    }
}

/// The fields the one-line text reads.
pub static NULL_LINE_FIELDS: &[&FieldDef] = &[&FAMILY];

/// Every field the null dissector adds (its catalogue entries).
pub static NULL_FIELDS: &[&FieldDef] = &[&FAMILY, &TYPE];

impl Dissector for NullDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        NULL_FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        NULL_LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "null"
    }
    fn full_name(&self) -> &'static str {
        "Null/Loopback"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Ok(header) = parse_for(cx.frame().linktype, data) else {
            cx.need(NULL_HEADER_LEN, "loopback header");
            return Handoff::done(data.len());
        };
        let family = header.family();
        let rest = cx.reported_len().saturating_sub(NULL_HEADER_LEN);
        if family > MAX_8023_LEN && cx.frame().linktype != linktype::LOOP {
            cx.add(&TYPE, f::FAMILY, Value::U64(u64::from(family as u16)));
            return Handoff::to(
                Next::Key(Table::ETHERTYPE, family & 0xffff),
                NULL_HEADER_LEN,
                rest,
            );
        }
        cx.add(&FAMILY, f::FAMILY, Value::U64(family.into()));
        Handoff::to(family_next(family), NULL_HEADER_LEN, rest)
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let Ok(header) = parse_for(r.packet.frame.linktype, r.bytes()) else {
            return r.write_str(" [|null]");
        };
        let family = header.family();
        // tcpdump prints the header with -e, and for families it cannot decode.
        if r.options.link_header || !tcpdump_decodes(family) {
            match tcpdump_family_name(family) {
                Some(name) => write!(r, "AF {name} ({family})")?,
                None => write!(r, "AF Unknown ({family})")?,
            }
            write!(r, ", length {}: ", r.packet.frame.len)?;
        }
        r.next()
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }
}

/// Raw IP: no header; the version nibble says IPv4 or IPv6.
#[derive(Debug, Default)]
pub struct RawDissector;

/// The IP version of a raw packet (the high nibble of its first byte).
pub fn ip_version(data: &[u8]) -> Option<u8> {
    data.first().map(|b| b >> 4)
}

/// Every field the raw dissector adds (its catalogue entries).
pub static RAW_FIELDS: &[&FieldDef] = &[];

impl Dissector for RawDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        RAW_FIELDS
    }

    fn name(&self) -> &'static str {
        "raw"
    }
    fn full_name(&self) -> &'static str {
        "Raw packet data"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let next = match ip_version(data) {
            Some(4) => Next::Named("ip"),
            Some(6) => Next::Named("ipv6"),
            Some(_) => Next::Named("data"),
            None => {
                cx.need(1, "IP version");
                return Handoff::done(0);
            }
        };
        Handoff::to(next, 0, cx.reported_len())
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        // raw_if_print: `ip: ` with -e, then ipN_print.
        if r.options.link_header {
            r.write_str("ip: ")?;
        }
        match ip_version(r.bytes()) {
            Some(4 | 6) => r.next(),
            Some(v) => write!(r, "unknown ip {v}"),
            None => r.write_str(" [|ipn]"),
        }
    }
}

/// Registers the loopback and raw IP link types.
pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    let null = registry.register(Table::LINKTYPE, linktype::NULL, NullDissector)?;
    registry.register_id(Table::LINKTYPE, linktype::LOOP, null);
    let raw = registry.register(Table::LINKTYPE, linktype::RAW, RawDissector)?;
    registry.register_id(Table::LINKTYPE, LINKTYPE_RAW_BSD, raw);
    registry.register_id(Table::LINKTYPE, LINKTYPE_RAW_OPENBSD, raw);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{self, line};
    use dissect_core::{FrameInfo, Packet, RenderOptions};

    /// One whole (uncut) frame.
    fn decode(linktype: u32, bytes: &[u8]) -> (dissect_core::Registry, Packet) {
        testkit::decode(linktype, bytes, bytes.len() as u32)
    }

    #[test]
    fn family_byte_order_is_detected() {
        assert_eq!(Loopback::parse(&[2, 0, 0, 0]).unwrap().family(), 2);
        assert_eq!(Loopback::parse(&[0, 0, 0, 2]).unwrap().family(), 2);
        assert_eq!(Loopback::parse(&[30, 0, 0, 0]).unwrap().family(), 30);
        assert_eq!(Loopback::parse_loop(&[0, 0, 0, 24]).unwrap().family(), 24);
        assert_eq!(Loopback::parse_loop(&[2, 0, 0, 0]).unwrap().family(), 2);
        assert!(Loopback::parse(&[2, 0, 0]).is_err());
    }

    #[test]
    fn null_picks_ip_and_prints_af_with_e() {
        let mut frame = vec![2, 0, 0, 0, 0x45];
        frame.extend([0; 19]);
        let (registry, packet) = decode(linktype::NULL, &frame);
        assert_eq!(packet.layers[0].name, "null");
        assert_eq!(packet.u64_of(&packet.layers[0], &FAMILY), Some(2));
        if registry.id("ip").is_some() {
            assert_eq!(packet.layers[1].name, "ip");
        }
        assert!(line(&registry, &packet, true).starts_with("AF IPv4 (2), length 24: "));
    }

    #[test]
    fn unknown_family_is_data() {
        let frame = [99, 0, 0, 0, 1, 2, 3];
        let (registry, packet) = decode(linktype::NULL, &frame);
        assert_eq!(packet.layers[1].name, "data");
        assert_eq!(
            line(&registry, &packet, false),
            "AF Unknown (99), length 7: "
        );
    }

    #[test]
    fn short_null_header_is_truncated() {
        let (registry, packet) = decode(linktype::NULL, &[2, 0]);
        assert!(!packet.layers[0].status.is_ok());
        assert_eq!(line(&registry, &packet, false), " [|null]");
    }

    /// Random bytes behind every header this module, sll, vlan and arp
    /// decode: nothing may panic, in dissection or in any text form.
    #[test]
    fn random_frames_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let prefixes: [(u32, &[u8]); 9] = [
            (linktype::NULL, &[2, 0, 0, 0]),
            (linktype::NULL, &[]),
            (linktype::LOOP, &[0, 0, 0, 30]),
            (linktype::RAW, &[]),
            (
                linktype::LINUX_SLL,
                &[0, 4, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0],
            ),
            (linktype::LINUX_SLL2, &[0x08, 0x06]),
            (linktype::ETHERNET, &[0; 12]),
            (
                linktype::ETHERNET,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xa8],
            ),
            (
                linktype::ETHERNET,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x06],
            ),
        ];
        let mut registry = crate::registry();
        let mut packet = Packet::default();
        for round in 0..3000 {
            let (linktype, prefix) = prefixes[round % prefixes.len()];
            let mut bytes = prefix.to_vec();
            let extra = (next() % 48) as usize;
            bytes.extend((0..extra).map(|_| next() as u8));
            let frame = FrameInfo {
                number: 1,
                caplen: bytes.len() as u32,
                len: bytes.len() as u32 + (next() % 3) as u32 * 20,
                linktype,
                ..FrameInfo::default()
            };
            registry.dissect(&frame, &bytes, &mut packet);
            for (e, verbose) in [(false, 0), (true, 0), (false, 1), (true, 3)] {
                let options = RenderOptions {
                    link_header: e,
                    verbose,
                    ..RenderOptions::default()
                };
                let mut out = String::new();
                registry.render(&packet, &options, &mut out).unwrap();
            }
            let mut title = String::new();
            for index in 0..packet.layers.len() {
                let mut r = dissect_core::Render {
                    registry: &registry,
                    packet: &packet,
                    options: &RenderOptions::default(),
                    out: &mut title,
                    index,
                };
                let id = packet.layers[index].dissector;
                registry.dissector(id).title(&mut r).unwrap();
            }
        }
    }

    /// A 20-byte IPv4 header (protocol 253, no payload) and a 40-byte IPv6
    /// header (no next header).
    fn ipv4_header() -> Vec<u8> {
        crate::ip::v4::tests::ipv4_packet(253, 0, &[])
    }
    fn ipv6_header() -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 0, 59, 64];
        p.extend([0; 15]);
        p.push(1);
        p.extend([0; 15]);
        p.push(2);
        p
    }

    #[test]
    fn ip_linktypes_follow_the_version_nibble() {
        for linktype in [linktype::IPV4, linktype::IPV6] {
            let (registry, packet) = decode(linktype, &ipv4_header());
            assert_eq!(packet.layers.len(), 1);
            assert_eq!(packet.layers[0].name, "ip");
            assert_eq!(
                line(&registry, &packet, false),
                "IP 10.0.0.1 > 10.0.0.2:  ip-proto-253 0"
            );
            assert_eq!(
                line(&registry, &packet, true),
                "ip: 10.0.0.1 > 10.0.0.2:  ip-proto-253 0"
            );
            let (registry, packet) = decode(linktype, &ipv6_header());
            assert_eq!(packet.layers[0].name, "ipv6");
            assert_eq!(
                line(&registry, &packet, false),
                "IP6 ::1 > ::2: no next header"
            );
            assert_eq!(
                line(&registry, &packet, true),
                "ip: ::1 > ::2: no next header"
            );
        }
        // Other link types never guess IP.
        let (_, packet) = decode(160, &ipv4_header());
        assert_eq!(packet.layers[0].name, "data");
    }

    #[test]
    fn raw_picks_version() {
        let (registry, packet) = decode(linktype::RAW, &[0x45, 0, 0, 20]);
        assert_eq!(packet.layers[0].name, "raw");
        if registry.id("ip").is_some() {
            assert_eq!(packet.layers[1].name, "ip");
        }
        let (registry, packet) = decode(linktype::RAW, &[0x55, 1, 2]);
        assert_eq!(packet.layers[1].name, "data");
        assert_eq!(line(&registry, &packet, true), "ip: unknown ip 5");
    }
}
