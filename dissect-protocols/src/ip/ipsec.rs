//! IPsec headers as an IP layer sees them: the Authentication Header
//! (RFC 4302, IP protocol 51), whose payload is the next protocol, and the
//! Encapsulating Security Payload (RFC 4303, protocol 50), whose payload is
//! encrypted and shown as data. Both are recognised, not verified.

use std::fmt::{self, Write};

use dissect_core::{
    Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};

use crate::ip::v4::Ipv4;
use crate::ip::v6::Ipv6;
use crate::ip::{render_upper, Addresses};
use crate::names::ip_proto_name;
use crate::wire::{be32, byte};

pub const PROTO_ESP: u8 = 50;
pub const PROTO_AH: u8 = 51;

/// AH before its integrity check value: next header, length, reserved,
/// SPI, sequence number.
pub const AH_FIXED_LEN: usize = 12;
/// ESP's clear part: SPI and sequence number.
pub const ESP_HEADER_LEN: usize = 8;

fn names_proto(v: u64) -> Option<&'static str> {
    ip_proto_name(v as u8)
}

pub static AH_NEXT_HEADER: FieldDef =
    FieldDef::new("ah.next_header", "Next header", FieldType::Uint(8)).names(names_proto);
pub static AH_LENGTH: FieldDef = FieldDef::new("ah.length", "Length", FieldType::Uint(8));
pub static AH_RESERVED: FieldDef = FieldDef::new("ah.reserved", "Reserved", FieldType::Bytes);
pub static AH_SPI: FieldDef =
    FieldDef::new("ah.spi", "AH SPI", FieldType::Uint(32)).base(Base::Hex);
pub static AH_SEQUENCE: FieldDef = FieldDef::new("ah.sequence", "AH Sequence", FieldType::Uint(32));
pub static AH_ICV: FieldDef = FieldDef::new("ah.icv", "AH ICV", FieldType::Bytes);

pub static ESP_SPI: FieldDef =
    FieldDef::new("esp.spi", "ESP SPI", FieldType::Uint(32)).base(Base::Hex);
pub static ESP_SEQUENCE: FieldDef =
    FieldDef::new("esp.sequence", "ESP Sequence", FieldType::Uint(32));

/// Length of an AH header whose length byte is `len_byte` (in 32-bit
/// words, minus 2).
pub fn ah_header_len(len_byte: u8) -> usize {
    (usize::from(len_byte) + 2) * 4
}

#[derive(Debug, Default)]
pub struct AhDissector;

/// Every field the ah dissector adds (its catalogue entries).
pub static AH_FIELDS: &[&FieldDef] = &[
    &AH_NEXT_HEADER,
    &AH_LENGTH,
    &AH_RESERVED,
    &AH_SPI,
    &AH_SEQUENCE,
    &AH_ICV,
];

impl Dissector for AhDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        AH_FIELDS
    }

    fn name(&self) -> &'static str {
        "ah"
    }
    fn full_name(&self) -> &'static str {
        "Authentication Header"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !cx.need(AH_FIXED_LEN, "AH header") {
            return Handoff::done(data.len());
        }
        let next = byte(data, 0);
        let len_byte = byte(data, 1);
        let header_len = ah_header_len(len_byte);
        cx.add(&AH_NEXT_HEADER, 0..1, Value::U64(next.into()));
        cx.add(&AH_LENGTH, 1..2, Value::U64(len_byte.into()));
        cx.add(&AH_RESERVED, 2..4, Value::Bytes);
        cx.add(&AH_SPI, 4..8, Value::U64(be32(data, 4).into()));
        cx.add(&AH_SEQUENCE, 8..12, Value::U64(be32(data, 8).into()));
        if !cx.need(header_len, "AH integrity check value") {
            return Handoff::done(data.len());
        }
        if header_len > AH_FIXED_LEN {
            cx.add(&AH_ICV, AH_FIXED_LEN..header_len, Value::Bytes);
        }
        let rest = cx.reported_len().saturating_sub(header_len);
        Handoff::to(Next::Key(Table::IP_PROTO, next.into()), header_len, rest)
    }

    /// tcpdump 4.99's `ah_print` (`AH(spi=0x...,seq=0x...,icv=0x...): `),
    /// then the next protocol as `ip_demux_print` prints it after AH: a
    /// transport shows its ports without the addresses, which the IP line
    /// already has. A cut header ends the line with tcpdump's `[|ah]`.
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        const TRUNC: &str = " [|ah]";
        let data = r.bytes();
        if data.is_empty() {
            return r.write_str(TRUNC);
        }
        r.write_str("AH")?;
        let Some(&len_byte) = data.get(1) else {
            return r.write_str(TRUNC);
        };
        r.write_str("(")?;
        let header_len = ah_header_len(len_byte);
        if r.options.verbose > 0 {
            write!(r, "length={len_byte}({header_len}-bytes),")?;
        }
        if data.len() < 4 {
            return r.write_str(TRUNC);
        }
        let reserved = crate::wire::be16(data, 2);
        if reserved != 0 {
            write!(r, "reserved=0x{reserved:x}[MustBeZero],")?;
        }
        if data.len() < 8 {
            return r.write_str(TRUNC);
        }
        write!(r, "spi=0x{:08x},", be32(data, 4))?;
        if data.len() < AH_FIXED_LEN {
            return r.write_str(TRUNC);
        }
        write!(r, "seq=0x{:x},icv=0x", be32(data, 8))?;
        for at in AH_FIXED_LEN..header_len {
            let Some(&b) = data.get(at) else {
                return r.write_str(TRUNC);
            };
            write!(r, "{b:02x}")?;
        }
        r.write_str("): ")?;
        let next = byte(data, 0);
        let payload_len = (r.layer().reported_len as usize).saturating_sub(header_len);
        let addresses = enclosing_addresses(r);
        render_upper(r, next, false, addresses, payload_len)
    }
}

#[derive(Debug, Default)]
pub struct EspDissector;

/// Every field the esp dissector adds (its catalogue entries).
pub static ESP_FIELDS: &[&FieldDef] = &[&ESP_SPI, &ESP_SEQUENCE];

impl Dissector for EspDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        ESP_FIELDS
    }

    fn name(&self) -> &'static str {
        "esp"
    }
    fn full_name(&self) -> &'static str {
        "Encapsulating Security Payload"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !cx.need(ESP_HEADER_LEN, "ESP header") {
            return Handoff::done(data.len());
        }
        cx.add(&ESP_SPI, 0..4, Value::U64(be32(data, 0).into()));
        cx.add(&ESP_SEQUENCE, 4..8, Value::U64(be32(data, 4).into()));
        // Without keys the rest (payload, padding, ICV) is opaque.
        let rest = cx.reported_len().saturating_sub(ESP_HEADER_LEN);
        Handoff::to(Next::Named("data"), ESP_HEADER_LEN, rest)
    }

    /// tcpdump's `esp_print` without secrets: SPI, sequence and the length
    /// of the whole ESP payload.
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let data = r.bytes();
        // tcpdump wants a byte of the payload too before it prints anything.
        if data.len() <= ESP_HEADER_LEN {
            return r.write_str(" [|esp]");
        }
        write!(
            r,
            "ESP(spi=0x{:08x},seq=0x{:x}), length {}",
            be32(data, 0),
            be32(data, 4),
            r.layer().reported_len
        )
    }
}

/// The addresses of the nearest IP header before the layer being printed.
fn enclosing_addresses(r: &Render<'_>) -> Addresses {
    let before = r.packet.layers.get(..r.index).unwrap_or(&[]);
    for layer in before.iter().rev() {
        let bytes = layer.bytes(&r.packet.data);
        match layer.name {
            "ip" => {
                let ip = Ipv4::new_unchecked(bytes);
                return Addresses::V4(ip.src(), ip.dst());
            }
            "ipv6" => {
                let ip = Ipv6::new_unchecked(bytes);
                return Addresses::V6(ip.src(), ip.dst());
            }
            _ => {}
        }
    }
    Addresses::V4([0; 4], [0; 4])
}

/// Registers AH and ESP in the IP protocol table (for IPv4 and IPv6).
pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::IP_PROTO, PROTO_AH.into(), AhDissector)?;
    registry.register(Table::IP_PROTO, PROTO_ESP.into(), EspDissector)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::v4::tests::{ipv4_packet, line};

    fn ah(next: u8, payload: &[u8]) -> Vec<u8> {
        // Length 4: 12 fixed bytes plus a 12-byte ICV (HMAC-SHA1-96).
        let mut p = vec![next, 4, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 7];
        p.extend([0xaa; 12]);
        p.extend(payload);
        p
    }

    #[test]
    fn ah_then_udp() {
        let udp = [0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00];
        let p = ipv4_packet(PROTO_AH, 0, &ah(17, &udp));
        let (_, packet) = crate::ip::v4::tests::decode(&p, p.len());
        let names: Vec<&str> = packet.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["eth", "ip", "ah", "udp"]);
        assert_eq!(packet.u64_of(&packet.layers[2], &AH_SPI), Some(0x1234));
        let icv = "aaaaaaaaaaaaaaaaaaaaaaaa";
        assert_eq!(
            line(&p, p.len(), 0),
            format!("IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00001234,seq=0x7,icv=0x{icv}): 1234 > 53: UDP, length 0")
        );
        let verbose = format!("AH(length=4(24-bytes),spi=0x00001234,seq=0x7,icv=0x{icv}): ");
        assert!(line(&p, p.len(), 1).contains(&verbose));
    }

    #[test]
    fn esp_line() {
        let mut esp = vec![0, 0, 0x10, 0x01, 0, 0, 0, 2];
        esp.extend([0x55; 20]);
        let p = ipv4_packet(PROTO_ESP, 0, &esp);
        assert_eq!(
            line(&p, p.len(), 0),
            "IP 10.0.0.1 > 10.0.0.2: ESP(spi=0x00001001,seq=0x2), length 28"
        );
    }

    #[test]
    fn cut_headers_never_panic() {
        let p = ipv4_packet(PROTO_AH, 0, &ah(6, &[0; 20]));
        for len in 0..p.len() {
            let _ = line(&p[..len], p.len(), 1);
        }
        let p = ipv4_packet(PROTO_ESP, 0, &[1; 12]);
        for len in 0..p.len() {
            let _ = line(&p[..len], p.len(), 1);
        }
    }
}
