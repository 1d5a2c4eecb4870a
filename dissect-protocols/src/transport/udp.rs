//! User Datagram Protocol (RFC 768).

use std::fmt::{self, Write};

use dissect_core::{
    Base, Context, Dissector, FastMap, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ip::addr::{self, NetAddrs};
use crate::wire::{be16, check_len, Error};

/// Byte ranges of the header, named once: the view and the tree both use them.
pub mod field_range {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}
use field_range as f;

pub const HEADER_LEN: usize = 8;

/// The IP protocol number of UDP.
pub const PROTOCOL: u8 = 17;

/// Wireshark's `udp.checksum.status` values.
pub mod checksum_status {
    pub const UNVERIFIED: u64 = 2;
    /// Zero on IPv4 (or in a datagram quoted by ICMP): the sender computed none.
    pub const NOT_PRESENT: u64 = 3;
    /// Zero on IPv6, where the checksum is mandatory (RFC 8200 §8.1).
    pub const ILLEGAL: u64 = 4;
}

/// Typed zero-copy view of a UDP datagram.
#[derive(Debug, Clone, Copy)]
pub struct Udp<'a> {
    data: &'a [u8],
}

impl<'a> Udp<'a> {
    /// Checks the header and that the length field covers at least the header.
    pub fn parse(data: &'a [u8]) -> Result<Udp<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        let udp = Udp { data };
        if usize::from(udp.length()) < HEADER_LEN {
            return Err(Error::Malformed("UDP length below 8"));
        }
        Ok(udp)
    }
    pub fn src_port(&self) -> u16 {
        be16(self.data, f::SRC_PORT.start)
    }
    pub fn dst_port(&self) -> u16 {
        be16(self.data, f::DST_PORT.start)
    }
    /// The length field: header plus payload.
    pub fn length(&self) -> u16 {
        be16(self.data, f::LENGTH.start)
    }
    pub fn checksum(&self) -> u16 {
        be16(self.data, f::CHECKSUM.start)
    }
    /// The payload, bounded by the length field and by the bytes present.
    pub fn payload(&self) -> &'a [u8] {
        let end = usize::from(self.length()).min(self.data.len());
        self.data.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl Serialize for Udp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Udp", 5)?;
        st.serialize_field("src_port", &self.src_port())?;
        st.serialize_field("dst_port", &self.dst_port())?;
        st.serialize_field("length", &self.length())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("payload_len", &self.payload().len())?;
        st.end()
    }
}

pub static SRCPORT: FieldDef = FieldDef::new("udp.srcport", "Source Port", FieldType::Uint(16));
pub static DSTPORT: FieldDef =
    FieldDef::new("udp.dstport", "Destination Port", FieldType::Uint(16));
pub static PORT: FieldDef = FieldDef::new(
    "udp.port",
    "Source or Destination Port",
    FieldType::Uint(16),
);
pub static LENGTH: FieldDef = FieldDef::new("udp.length", "Length", FieldType::Uint(16));
pub static CHECKSUM: FieldDef =
    FieldDef::new("udp.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static CHECKSUM_STATUS: FieldDef =
    FieldDef::new("udp.checksum.status", "Checksum Status", FieldType::Uint(8))
        .names(crate::names::checksum_status_name);
/// The value the checksum field should hold (Wireshark's name; tshark emits
/// it only with checksum verification enabled).
pub static CHECKSUM_CALCULATED: FieldDef = FieldDef::new(
    "udp.checksum_calculated",
    "Calculated Checksum",
    FieldType::Uint(16),
)
.base(Base::Hex);
pub static STREAM: FieldDef = FieldDef::new("udp.stream", "Stream index", FieldType::Uint(32));
pub static TIME_RELATIVE: FieldDef = FieldDef::new(
    "udp.time_relative",
    "Time since first frame",
    FieldType::RelTime,
);
pub static TIME_DELTA: FieldDef = FieldDef::new(
    "udp.time_delta",
    "Time since previous frame",
    FieldType::RelTime,
);
pub static PAYLOAD: FieldDef = FieldDef::new("udp.payload", "Payload", FieldType::Bytes);

/// Streams remembered before the table is cleared (bounded memory).
const MAX_STREAMS: usize = 1 << 16;

/// Addresses and ports of a datagram, the same key for both directions.
type StreamKey = (bool, [u8; 16], u16, [u8; 16], u16);

/// One conversation: its index and when its first and latest datagrams were
/// captured (ns since the epoch).
#[derive(Debug, Clone, Copy)]
struct Stream {
    index: u32,
    first_ns: i64,
    last_ns: i64,
}

#[derive(Debug, Default)]
pub struct UdpDissector {
    streams: FastMap<StreamKey, Stream>,
    next_stream: u32,
}

impl UdpDissector {
    /// Wireshark's `udp.stream` (conversations numbered in order of
    /// appearance) and, unless `quoted`, the stream's timestamps: time since
    /// its first and its previous datagram.
    fn stream(
        &mut self,
        cx: &Context<'_>,
        sport: u16,
        dport: u16,
        quoted: bool,
    ) -> (u32, i64, i64) {
        let NetAddrs { v6, src, dst } = NetAddrs::of(cx).unwrap_or_default();
        let key = if (src, sport) <= (dst, dport) {
            (v6, src, sport, dst, dport)
        } else {
            (v6, dst, dport, src, sport)
        };
        let now = crate::transport::frame_time_ns(cx);
        if let Some(stream) = self.streams.get_mut(&key) {
            let previous = stream.last_ns;
            if !quoted {
                stream.last_ns = now;
            }
            return (
                stream.index,
                now.saturating_sub(stream.first_ns),
                now.saturating_sub(previous),
            );
        }
        if self.streams.len() >= MAX_STREAMS {
            self.streams.clear();
        }
        let index = self.next_stream;
        self.next_stream = self.next_stream.wrapping_add(1);
        let stream = Stream {
            index,
            first_ns: now,
            last_ns: now,
        };
        self.streams.insert(key, stream);
        (index, 0, 0)
    }
}

/// The fields the one-line text reads.
pub static LINE_FIELDS: &[&FieldDef] = &[&SRCPORT, &DSTPORT];

/// Every field the udp dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &SRCPORT,
    &DSTPORT,
    &PORT,
    &LENGTH,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &CHECKSUM_CALCULATED,
    &STREAM,
    &TIME_RELATIVE,
    &TIME_DELTA,
    &PAYLOAD,
];

impl Dissector for UdpDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "udp"
    }
    fn full_name(&self) -> &'static str {
        "User Datagram Protocol"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        // The ports alone let the IP line show `a.port > b.port`.
        if data.len() >= f::DST_PORT.end {
            let (sport, dport) = (be16(data, 0), be16(data, 2));
            cx.add(&SRCPORT, f::SRC_PORT, Value::U64(sport.into()));
            cx.add(&DSTPORT, f::DST_PORT, Value::U64(dport.into()));
            cx.add(&PORT, f::SRC_PORT, Value::U64(sport.into()));
            cx.add(&PORT, f::DST_PORT, Value::U64(dport.into()));
        }
        if !cx.need(HEADER_LEN, "UDP header") {
            return Handoff::done(data.len());
        }
        let udp = Udp { data };
        let (sport, dport) = (udp.src_port(), udp.dst_port());
        let reported = cx.reported_len();
        let length = usize::from(udp.length());
        cx.add(&LENGTH, f::LENGTH, Value::U64(length as u64));
        let quoted = is_quoted(cx);
        let checksum = udp.checksum();
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(checksum.into()));
        let v6 = cx
            .previous_layers()
            .iter()
            .rev()
            .find_map(|l| match l.name {
                "ip" => Some(false),
                "ipv6" => Some(true),
                _ => None,
            });
        let status = match (checksum, v6) {
            (0, Some(true)) if !quoted => checksum_status::ILLEGAL,
            (0, _) => checksum_status::NOT_PRESENT,
            _ => checksum_status::UNVERIFIED,
        };
        cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(status));
        // Wireshark numbers a datagram quoted in an ICMP error too.
        // Conversations feed only the tree: the default line skips the lookup.
        if cx.wants_any(&[&STREAM, &TIME_RELATIVE, &TIME_DELTA]) {
            let (stream, since_first, since_previous) = self.stream(cx, sport, dport, quoted);
            cx.generated(&STREAM, 0..0, Value::U64(stream.into()));
            if !quoted {
                let (relative, delta) = (&TIME_RELATIVE, &TIME_DELTA);
                crate::transport::add_timestamps(cx, relative, delta, since_first, since_previous);
            }
        }
        // IPv6 jumbograms (RFC 2675) carry 0 and let the IP length rule.
        let length = if length == 0 && reported > 0xffff {
            reported
        } else {
            length
        };
        if length < HEADER_LEN {
            cx.malformed(f::LENGTH.start, "UDP length below 8");
            return Handoff::done(data.len());
        }
        // The payload ends where the datagram or the IP payload does, as in
        // tcpdump. A length beyond the IP payload is a defect, except in a
        // fragment (the rest follows) or in an ICMP error's quote.
        let end = length.min(reported);
        if length > reported && !quoted && !addr::is_fragment(cx) {
            cx.malformed(f::LENGTH.start, "UDP length beyond the IP payload");
        }
        // Only the tree and -v read the verdict; IPv4 may carry no checksum.
        if cx.wants(&CHECKSUM_CALCULATED)
            && status != checksum_status::NOT_PRESENT
            && length <= reported
        {
            if let Some(datagram) = data.get(..length) {
                if let Some(calculated) =
                    addr::calculated_checksum(cx, PROTOCOL, datagram, checksum)
                {
                    let calculated = Value::U64(calculated.into());
                    cx.generated(&CHECKSUM_CALCULATED, f::CHECKSUM, calculated);
                }
            }
        }
        let payload_end = end.min(data.len());
        if payload_end > HEADER_LEN {
            cx.add(&PAYLOAD, HEADER_LEN..payload_end, Value::Bytes);
        }
        Handoff::to(
            Next::Ports(Table::UDP_PORT, sport.into(), dport.into()),
            HEADER_LEN,
            end.saturating_sub(HEADER_LEN),
        )
    }

    /// tcpdump's text after `IP a.b > c.d: `: the payload's own text, or
    /// `UDP, length N` for ports nothing here decodes.
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let bytes = r.bytes();
        let length = crate::ip::ip_payload_len(r);
        if bytes.len() < f::DST_PORT.end {
            return r.write_str(" [|udp]");
        }
        if (length as usize) < HEADER_LEN {
            return write!(r, "truncated-udp {length}");
        }
        if bytes.len() < f::LENGTH.end {
            return r.write_str(" [|udp]");
        }
        let mut ulen = u32::from(be16(bytes, f::LENGTH.start));
        if ulen == 0 && length > 0xffff {
            ulen = length;
        }
        if ulen < HEADER_LEN as u32 {
            return write!(r, "truncated-udplength {ulen}");
        }
        if bytes.len() < HEADER_LEN {
            return r.write_str(" [|udp]");
        }
        if r.options.verbose > 0 {
            write_checksum_verdict(r, ulen.min(length) as usize)?;
        }
        if r.next_layer().is_some_and(|l| l.name != "data") {
            return r.next();
        }
        let (ulen, length) = (ulen - HEADER_LEN as u32, length - HEADER_LEN as u32);
        // A fragment's datagram goes on in the next fragments.
        if ulen > length && !ip_is_fragment(r) {
            return write!(r, "UDP, bad length {ulen} > {length}");
        }
        r.text("UDP, length ");
        r.number(ulen);
        Ok(())
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())?;
        if let (Some(s), Some(d)) = (r.u64(&SRCPORT), r.u64(&DSTPORT)) {
            write!(r, ", Src Port: {s}, Dst Port: {d}")?;
        }
        Ok(())
    }
}

/// tcpdump's `[udp sum ok] ` or `[bad udp cksum 0x1234 -> 0x5678!] `: on
/// IPv6 from -v, on IPv4 from -vv (`[no cksum] ` when the sender set none);
/// never for a fragment, and only when all `ulen` bytes were captured.
fn write_checksum_verdict(r: &mut Render<'_>, ulen: usize) -> fmt::Result {
    let v6 = match r.index.checked_sub(1).and_then(|i| r.packet.layers.get(i)) {
        Some(ip) if ip.name == "ip" => false,
        Some(ip) if ip.name == "ipv6" => true,
        _ => return Ok(()),
    };
    if (!v6 && r.options.verbose < 2) || ip_is_fragment(r) {
        return Ok(());
    }
    let bytes = r.bytes();
    let checksum = be16(bytes, f::CHECKSUM.start);
    if checksum == 0 && !v6 {
        return r.write_str("[no cksum] ");
    }
    if bytes.len() < ulen {
        return Ok(());
    }
    match r.u64(&CHECKSUM_CALCULATED) {
        Some(calculated) if calculated == u64::from(checksum) => r.write_str("[udp sum ok] "),
        Some(calculated) => write!(
            r,
            "[bad udp cksum 0x{checksum:04x} -> 0x{calculated:04x}!] "
        ),
        None => Ok(()),
    }
}

/// True when the IP layer right before this one carries a fragment.
fn ip_is_fragment(r: &Render<'_>) -> bool {
    let Some(ip) = r.index.checked_sub(1).and_then(|i| r.packet.layers.get(i)) else {
        return false;
    };
    let data = &r.packet.data;
    let start = ip.offset as usize;
    let header = data
        .get(start..(start + ip.header_len as usize).min(data.len()))
        .unwrap_or(&[]);
    (ip.name == "ip" || ip.name == "ipv6") && addr::header_is_fragment(ip.name == "ipv6", header)
}

/// True for a datagram quoted inside an ICMP error.
fn is_quoted(cx: &Context<'_>) -> bool {
    cx.previous_layers()
        .iter()
        .any(|l| l.name == "icmp" || l.name == "icmpv6")
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::IP_PROTO, PROTOCOL.into(), UdpDissector::default())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATAGRAM: [u8; 14] = [
        0x30, 0x39, 0x7a, 0x69, 0x00, 0x0e, 0xab, 0xcd, b'h', b'e', b'l', b'l', b'o', b'\n',
    ];

    #[test]
    fn view_reads_header() {
        let udp = Udp::parse(&DATAGRAM).unwrap();
        assert_eq!(udp.src_port(), 12345);
        assert_eq!(udp.dst_port(), 31337);
        assert_eq!(udp.length(), 14);
        assert_eq!(udp.checksum(), 0xabcd);
        assert_eq!(udp.payload(), b"hello\n");
    }

    #[test]
    fn payload_is_bounded_by_length() {
        let mut padded = DATAGRAM.to_vec();
        padded[5] = 9;
        padded.extend([0; 4]);
        assert_eq!(Udp::parse(&padded).unwrap().payload(), b"h");
    }

    #[test]
    fn bad_lengths() {
        assert!(matches!(
            Udp::parse(&DATAGRAM[..7]),
            Err(Error::Truncated { needed: 8, .. })
        ));
        let mut short = DATAGRAM;
        short[5] = 7;
        assert_eq!(
            Udp::parse(&short).unwrap_err(),
            Error::Malformed("UDP length below 8")
        );
    }
}

#[cfg(test)]
mod dissector_tests {
    use crate::testkit::{ipv4, ipv6, run, status, value};

    use dissect_core::Status;

    fn datagram(len: u16, payload: &[u8]) -> Vec<u8> {
        let mut d = vec![0x30, 0x39, 0x7a, 0x69];
        d.extend(len.to_be_bytes());
        d.extend([0, 0]);
        d.extend(payload);
        d
    }

    #[test]
    fn default_line_and_fields() {
        let out = run(&[(ipv4(17, &datagram(14, b"hello\n"), 0), None)]);
        assert_eq!(
            out[0].0,
            "IP 10.0.0.1.12345 > 10.0.0.2.31337: UDP, length 6"
        );
        assert_eq!(value(&out[0].1, "udp.length"), Some(14));
        assert_eq!(value(&out[0].1, "udp.stream"), Some(0));
        let out = run(&[(ipv6(17, &datagram(14, b"hello\n")), None)]);
        assert_eq!(out[0].0, "IP6 fe80::1.12345 > fe80::2.31337: UDP, length 6");
    }

    #[test]
    fn verbose_checksums() {
        use crate::testkit::{fix_checksum, run_with, verbose};
        let mut good = ipv4(17, &datagram(14, b"hello\n"), 0);
        fix_checksum(&mut good, 17, 6);
        let mut bad = good.clone();
        bad[34 + 7] ^= 1;
        let none = ipv4(17, &datagram(14, b"hello\n"), 0);
        let mut v6 = ipv6(17, &datagram(14, b"hello\n"));
        fix_checksum(&mut v6, 17, 6);
        let frames: Vec<_> = [good, bad, none, v6]
            .into_iter()
            .map(|f| (f, None))
            .collect();
        // IPv4 datagrams are checked from -vv, IPv6 ones from -v.
        let out = run_with(&frames, &verbose(1));
        assert!(out[0].0.ends_with("31337: UDP, length 6"), "{}", out[0].0);
        assert!(
            out[3].0.ends_with(": [udp sum ok] UDP, length 6"),
            "{}",
            out[3].0
        );
        let out = run_with(&frames, &verbose(2));
        assert!(
            out[0].0.ends_with(": [udp sum ok] UDP, length 6"),
            "{}",
            out[0].0
        );
        assert!(out[1].0.contains(": [bad udp cksum 0x"), "{}", out[1].0);
        assert!(
            out[2].0.ends_with(": [no cksum] UDP, length 6"),
            "{}",
            out[2].0
        );
        assert_eq!(value(&out[2].1, "udp.checksum.status"), Some(3));
        assert_eq!(value(&out[2].1, "udp.checksum_calculated"), None);
    }

    #[test]
    fn length_checks() {
        // The length field claims more than the IP payload holds.
        let out = run(&[(ipv4(17, &datagram(40, b"hello\n"), 0), None)]);
        assert!(
            out[0].0.ends_with(": UDP, bad length 32 > 6"),
            "{}",
            out[0].0
        );
        // In a first fragment the rest of the datagram is still to come.
        let mut fragment = ipv4(17, &datagram(40, b"hello\n"), 0);
        fragment[20] = 0x20;
        let first = run(&[(fragment, None)]);
        assert!(first[0].0.ends_with(": UDP, length 32"), "{}", first[0].0);
        assert_eq!(status(&first[0].1, "udp"), Some(Status::Ok));
        assert!(matches!(
            status(&out[0].1, "udp"),
            Some(Status::Malformed { .. })
        ));
        // Shorter than the header.
        let out = run(&[(ipv4(17, &datagram(7, b"hello\n"), 0), None)]);
        assert!(
            out[0].0.ends_with(": truncated-udplength 7"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "udp"),
            Some(Status::Malformed { .. })
        ));
        // Cut by the capture after the ports.
        let frame = ipv4(17, &datagram(14, b"hello\n"), 0);
        let out = run(&[(frame, Some(34 + 5))]);
        assert!(
            out[0].0.ends_with("10.0.0.2.31337:  [|udp]"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "udp"),
            Some(Status::Truncated { .. })
        ));
        // Padding after the datagram is not payload.
        let mut padded = datagram(9, b"h");
        padded.extend([0; 5]);
        let out = run(&[(ipv4(17, &padded, 0), None)]);
        assert!(out[0].0.ends_with("UDP, length 1"), "{}", out[0].0);
    }
}
