//! Output formats over a decoded [`Packet`]: the tcpdump-style line, the
//! field tree (`-V`), the hex/ASCII dump (`-X`) and JSON. They live in the
//! library so tools can reuse them; the CLI only picks one.

use std::fmt::Write;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::dissector::{Render, RenderOptions};
use crate::field::{civil_from_unix, write_decimal_padded, write_utc, Field, FieldFlags, Value};
use crate::registry::Registry;
use crate::tree::{Layer, Packet, Source, SourceId, SourcePart, Status};

pub mod fields;

/// How the timestamp at the start of a line is printed (tcpdump's -t flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// `HH:MM:SS.uuuuuu` (tcpdump's default, in UTC).
    #[default]
    Time,
    /// `YYYY-MM-DD HH:MM:SS.uuuuuu` (tcpdump -tttt).
    DateTime,
    /// No timestamp (tcpdump -t).
    None,
    /// `seconds.uuuuuu` since the Unix epoch (tcpdump -tt).
    Unix,
    /// ` HH:MM:SS.uuuuuu` since the previous line's packet, `-HH...` when
    /// time went backwards (tcpdump -ttt).
    DeltaPrevious,
    /// The same since the first line's packet (tcpdump -ttttt).
    DeltaFirst,
}

/// Writes the timestamps of a run of lines. It keeps state because the
/// deltas need the first and previous packet's time, and because
/// `HH:MM:SS` is worth keeping per second: packets come many to a second.
#[derive(Debug, Clone)]
pub struct Timestamps {
    pub format: TimeFormat,
    /// Fractions of seconds in nanoseconds, not microseconds.
    pub nano: bool,
    first: Option<(i64, u32)>,
    previous: Option<(i64, u32)>,
    /// The `HH:MM:SS` last written for `Time`, and of which second.
    clock: String,
    clock_second: Option<i64>,
}

impl Timestamps {
    /// Timestamps in `format`, in microseconds, before any packet.
    pub fn new(format: TimeFormat) -> Timestamps {
        Timestamps {
            format,
            nano: false,
            first: None,
            previous: None,
            clock: String::new(),
            clock_second: None,
        }
    }

    /// Writes the packet's timestamp as tcpdump does (in UTC), followed by a
    /// space.
    pub fn write(&mut self, packet: &Packet, out: &mut String) {
        let now = (packet.frame.ts_sec, packet.frame.ts_nsec);
        match self.format {
            TimeFormat::None => return,
            TimeFormat::Time => {
                if self.clock_second != Some(now.0) {
                    self.clock.clear();
                    write_clock(now.0, &mut self.clock);
                    self.clock_second = Some(now.0);
                }
                out.push_str(&self.clock);
                write_fraction(now.1, self.nano, out);
            }
            TimeFormat::DateTime => {
                write_date_clock(now.0, out);
                write_fraction(now.1, self.nano, out);
            }
            TimeFormat::Unix => {
                let _ = write!(out, "{}", now.0);
                write_fraction(now.1, self.nano, out);
            }
            TimeFormat::DeltaPrevious | TimeFormat::DeltaFirst => {
                let since = if self.format == TimeFormat::DeltaFirst {
                    *self.first.get_or_insert(now)
                } else {
                    self.previous.unwrap_or(now)
                };
                write_delta(since, now, self.nano, out);
            }
        }
        self.previous = Some(now);
        out.push(' ');
    }
}

/// ` HH:MM:SS.uuuuuu` (or `-HH...` when time went backwards), hours not
/// wrapped at a day.
fn write_delta(from: (i64, u32), to: (i64, u32), nano: bool, out: &mut String) {
    let from = i128::from(from.0) * 1_000_000_000 + i128::from(from.1);
    let to = i128::from(to.0) * 1_000_000_000 + i128::from(to.1);
    let delta = to - from;
    out.push(if delta < 0 { '-' } else { ' ' });
    let delta = delta.unsigned_abs();
    let secs = delta / 1_000_000_000;
    let nsec = (delta % 1_000_000_000) as u32;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    write_fraction(nsec, nano, out);
}

/// `HH:MM:SS` of Unix seconds, UTC. No `write!`: this runs once per line,
/// and `write!` cost about 1,300 instructions here, more than the rest of
/// a TCP line.
pub fn write_clock(secs: i64, out: &mut String) {
    let secs = secs.rem_euclid(86_400) as u64;
    let _ = write_decimal_padded(out, secs / 3600, 2);
    out.push(':');
    let _ = write_decimal_padded(out, secs / 60 % 60, 2);
    out.push(':');
    let _ = write_decimal_padded(out, secs % 60, 2);
}

/// `YYYY-MM-DD HH:MM:SS` of Unix seconds, UTC (tcpdump -tttt).
pub fn write_date_clock(secs: i64, out: &mut String) {
    let (y, mo, d, ..) = civil_from_unix(secs);
    // `{:04}` counts a minus sign in the width.
    if y < 0 {
        out.push('-');
    }
    let _ = write_decimal_padded(out, y.unsigned_abs(), if y < 0 { 3 } else { 4 });
    out.push('-');
    let _ = write_decimal_padded(out, mo.into(), 2);
    out.push('-');
    let _ = write_decimal_padded(out, d.into(), 2);
    out.push(' ');
    write_clock(secs, out);
}

/// `.uuuuuu`, or `.nnnnnnnnn` with `nano`.
pub fn write_fraction(nsec: u32, nano: bool, out: &mut String) {
    out.push('.');
    let _ = if nano {
        write_decimal_padded(out, nsec.into(), 9)
    } else {
        write_decimal_padded(out, (nsec / 1000).into(), 6)
    };
}

/// One packet in tcpdump's style (`-nn`, plus `-v`... by `options`), after
/// its timestamp, ending with a newline.
pub fn summary(
    registry: &Registry,
    packet: &Packet,
    options: &RenderOptions,
    time: &mut Timestamps,
    out: &mut String,
) {
    time.write(packet, out);
    let _ = registry.render(packet, options, out);
    out.push('\n');
}

/// The full field tree, like `tshark -V`.
pub fn tree(registry: &Registry, packet: &Packet, only: Option<&str>, out: &mut String) {
    let f = &packet.frame;
    if only.is_none() {
        let _ = writeln!(
            out,
            "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits) on interface {}",
            f.number,
            f.len,
            u64::from(f.len) * 8,
            f.caplen,
            u64::from(f.caplen) * 8,
            f.interface
        );
        out.push_str("    Arrival Time: ");
        let _ = write_utc(f.ts_sec, f.ts_nsec, out);
        let _ = writeln!(out, "\n    Link type: {}", f.linktype);
    }
    let mut source = SourceId::FRAME;
    for (index, layer) in packet.layers.iter().enumerate() {
        let entered = layer.source != source;
        source = layer.source;
        if only.is_some_and(|name| name != layer.name) {
            continue;
        }
        if entered {
            write_source_heading(packet, source, out);
        }
        let options = RenderOptions::default();
        let mut r = Render {
            registry,
            packet,
            options: &options,
            out,
            index,
        };
        let _ = registry.dissector(layer.dissector).title(&mut r);
        out.push('\n');
        // A layer's fields are in its source (the Context puts them there).
        let data = packet.source_bytes(layer.source);
        for field in packet.layer_fields(layer) {
            write_tree_field(field, data, out);
        }
        write_status(layer, out);
    }
}

/// What tshark shows before the first layer decoded from reassembled bytes:
/// `[2 Reassembled TCP Segments (12 bytes): #4(5), #6(7)]`, then a line per
/// frame, the count and the length. Nothing for the frame itself or for a
/// source that came from no frames (decompressed bytes, say). Cold: kept
/// out of the per-layer loop, which most packets run without it.
#[cold]
fn write_source_heading(packet: &Packet, id: SourceId, out: &mut String) {
    let Some(source) = packet.source(id) else {
        return;
    };
    let parts = packet.source_parts(source);
    if parts.is_empty() {
        return;
    }
    let def = source.def;
    let len = packet.source_bytes(id).len();
    let _ = write!(
        out,
        "[{} {} ({len} byte{}): ",
        parts.len(),
        def.parts,
        plural(len)
    );
    for (i, part) in parts.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(out, "{separator}#{}({})", part.frame, part.len);
    }
    out.push_str("]\n");
    let mut at = 0u64;
    for part in parts {
        let len = u64::from(part.len);
        let _ = writeln!(
            out,
            "    [Frame: {}, payload: {at}-{} ({len} byte{})]",
            part.frame,
            (at + len).saturating_sub(1),
            plural(len as usize)
        );
        at += len;
    }
    let _ = writeln!(out, "    [{}: {}]", def.count, parts.len());
    let _ = writeln!(out, "    [{} length: {len}]", def.name);
}

/// Wireshark's `plurality`: "byte" for one, "bytes" otherwise.
fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

fn write_tree_field(field: &Field, data: &[u8], out: &mut String) {
    for _ in 0..=field.depth {
        out.push_str("    ");
    }
    let generated = field.flags.contains(FieldFlags::GENERATED);
    if generated {
        out.push('[');
    }
    if field.def.bitmask != 0 {
        write_bits(field, data, out);
        out.push_str(" = ");
    }
    out.push_str(field.def.name);
    if field.value != Value::None {
        out.push_str(": ");
        let _ = field.write_show(data, out);
    }
    if generated {
        out.push(']');
    }
    out.push('\n');
}

/// `0100 .... ` style: the masked bits of the field's bytes, dots elsewhere.
fn write_bits(field: &Field, data: &[u8], out: &mut String) {
    let mask = field.def.bitmask;
    let width = (field.len.clamp(1, 8) * 8) as u64;
    let raw = field
        .bytes(data)
        .iter()
        .fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    for bit in (0..width).rev() {
        let m = 1u64 << bit;
        out.push(if mask & m == 0 {
            '.'
        } else if raw & m != 0 {
            '1'
        } else {
            '0'
        });
        if bit % 4 == 0 && bit != 0 {
            out.push(' ');
        }
    }
}

fn write_status(layer: &Layer, out: &mut String) {
    let _ = match layer.status {
        Status::Ok => Ok(()),
        Status::Truncated { offset, reason } => writeln!(
            out,
            "    [Packet size limited during capture: {} truncated at byte {offset} ({reason})]",
            layer.name
        ),
        Status::Malformed { offset, reason } => writeln!(
            out,
            "    [Malformed Packet: {} at byte {offset}: {reason}]",
            layer.name
        ),
    };
}

/// Hex and ASCII of `bytes`, 16 per line, as tcpdump -X prints them.
pub fn hex_dump(bytes: &[u8], out: &mut String) {
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}:  ", line * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x}");
                }
                None => out.push_str("  "),
            }
            if i % 2 == 1 {
                out.push(' ');
            }
        }
        out.push(' ');
        for &b in chunk {
            out.push(if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
}

/// Each source besides the frame under its title, as `tshark -x` shows them
/// after the frame: `Reassembled TCP (12 bytes):`, then its bytes in the
/// style of `dump` ([`hex_dump`], say).
pub fn hex_sources(packet: &Packet, dump: fn(&[u8], &mut String), out: &mut String) {
    for (id, source) in packet.sources() {
        let bytes = packet.source_bytes(id);
        let len = bytes.len();
        let _ = writeln!(out, "{} ({len} byte{}):", source.def.name, plural(len));
        dump(bytes, out);
    }
}

/// The bytes `-X` dumps: from the end of the link-layer header on, as
/// tcpdump does (`-XX` dumps the whole frame).
pub fn hex_payload(packet: &Packet, whole_frame: bool) -> &[u8] {
    let start = match packet.layers.first() {
        Some(link) if !whole_frame && packet.layers.len() > 1 => link.header_len as usize,
        _ => 0,
    };
    packet.data.get(start..).unwrap_or(&[])
}

/// A packet as one JSON object (see the README for the schema). `only`
/// keeps just the layers of that name.
pub struct JsonPacket<'a> {
    pub packet: &'a Packet,
    pub only: Option<&'a str>,
}

impl Serialize for JsonPacket<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let has_sources = self.packet.sources().next().is_some();
        let mut map = s.serialize_map(Some(2 + usize::from(has_sources)))?;
        map.serialize_entry("frame", &JsonFrame(self.packet))?;
        map.serialize_entry("layers", &JsonLayers(self))?;
        if has_sources {
            map.serialize_entry("sources", &JsonSources(self.packet))?;
        }
        map.end()
    }
}

struct JsonFrame<'a>(&'a Packet);

impl Serialize for JsonFrame<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = &self.0.frame;
        let mut time = String::new();
        let _ = write_utc(f.ts_sec, f.ts_nsec, &mut time);
        let mut map = s.serialize_map(Some(6))?;
        map.serialize_entry("number", &f.number)?;
        map.serialize_entry("time", &time)?;
        map.serialize_entry("caplen", &f.caplen)?;
        map.serialize_entry("len", &f.len)?;
        map.serialize_entry("interface", &f.interface)?;
        map.serialize_entry("linktype", &f.linktype)?;
        map.end()
    }
}

/// The sources besides the frame: id (what a layer's `source` names),
/// name, length and the frames they came from.
struct JsonSources<'a>(&'a Packet);

impl Serialize for JsonSources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let packet = self.0;
        let mut seq = s.serialize_seq(None)?;
        for (id, source) in packet.sources() {
            seq.serialize_element(&JsonSource { packet, id, source })?;
        }
        seq.end()
    }
}

struct JsonSource<'a> {
    packet: &'a Packet,
    id: SourceId,
    source: &'a Source,
}

impl Serialize for JsonSource<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("id", &self.id.index())?;
        map.serialize_entry("name", self.source.def.name)?;
        map.serialize_entry("len", &self.packet.source_bytes(self.id).len())?;
        map.serialize_entry("frames", &JsonParts(self.packet.source_parts(self.source)))?;
        map.end()
    }
}

struct JsonParts<'a>(&'a [SourcePart]);

impl Serialize for JsonParts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for part in self.0 {
            seq.serialize_element(&JsonPart(part))?;
        }
        seq.end()
    }
}

struct JsonPart<'a>(&'a SourcePart);

impl Serialize for JsonPart<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("number", &self.0.frame)?;
        map.serialize_entry("len", &self.0.len)?;
        map.end()
    }
}

struct JsonLayers<'a>(&'a JsonPacket<'a>);

impl Serialize for JsonLayers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let packet = self.0.packet;
        let mut seq = s.serialize_seq(None)?;
        for layer in &packet.layers {
            if self.0.only.is_some_and(|name| name != layer.name) {
                continue;
            }
            seq.serialize_element(&JsonLayer { packet, layer })?;
        }
        seq.end()
    }
}

struct JsonLayer<'a> {
    packet: &'a Packet,
    layer: &'a Layer,
}

impl Serialize for JsonLayer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.layer;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("name", l.name)?;
        // Only for a layer outside the frame, so frame-only output stays as it was.
        if l.source != SourceId::FRAME {
            map.serialize_entry("source", &l.source.index())?;
        }
        map.serialize_entry("offset", &l.offset)?;
        map.serialize_entry("len", &l.len)?;
        map.serialize_entry("status", l.status.name())?;
        if let Status::Truncated { offset, reason } | Status::Malformed { offset, reason } =
            l.status
        {
            map.serialize_entry("error_offset", &offset)?;
            map.serialize_entry("reason", reason)?;
        }
        let fields = self.packet.layer_fields(l);
        map.serialize_entry(
            "fields",
            &JsonFields {
                packet: self.packet,
                fields,
            },
        )?;
        map.end()
    }
}

/// A run of sibling fields (all at the depth of the first) with their
/// children.
struct JsonFields<'a> {
    packet: &'a Packet,
    fields: &'a [Field],
}

impl Serialize for JsonFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut rest = self.fields;
        while let Some((first, tail)) = rest.split_first() {
            let count = tail.iter().take_while(|f| f.depth > first.depth).count();
            let (children, after) = tail.split_at(count);
            seq.serialize_element(&JsonField {
                packet: self.packet,
                field: first,
                children,
            })?;
            rest = after;
        }
        seq.end()
    }
}

struct JsonField<'a> {
    packet: &'a Packet,
    field: &'a Field,
    children: &'a [Field],
}

impl Serialize for JsonField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.field;
        let data = self.packet.source_bytes(f.source);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("name", f.def.abbrev)?;
        let mut text = String::new();
        match f.value {
            Value::None => map.serialize_entry("value", &())?,
            Value::Bool(b) => map.serialize_entry("value", &b)?,
            Value::U64(v) => map.serialize_entry("value", &v)?,
            Value::I64(v) => map.serialize_entry("value", &v)?,
            Value::F64(v) => map.serialize_entry("value", &v)?,
            _ => {
                let _ = f.write_value(data, &mut text);
                map.serialize_entry("value", &text)?;
                text.clear();
            }
        }
        let _ = f.write_show(data, &mut text);
        map.serialize_entry("show", &text)?;
        map.serialize_entry("offset", &f.offset)?;
        map.serialize_entry("len", &f.len)?;
        if f.flags.contains(FieldFlags::GENERATED) {
            map.serialize_entry("generated", &true)?;
        }
        if !self.children.is_empty() {
            map.serialize_entry(
                "fields",
                &JsonFields {
                    packet: self.packet,
                    fields: self.children,
                },
            )?;
        }
        map.end()
    }
}

/// Writes the packet as one line of JSON.
pub fn json(packet: &Packet, only: Option<&str>, out: &mut String) {
    match serde_json::to_string(&JsonPacket { packet, only }) {
        Ok(s) => out.push_str(&s),
        Err(e) => {
            let _ = write!(out, "{{\"error\":\"{e}\"}}");
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(format: TimeFormat, nano: bool, stamps: &[(i64, u32)]) -> Vec<String> {
        let mut timestamps = Timestamps::new(format);
        timestamps.nano = nano;
        let mut packet = Packet::new();
        stamps
            .iter()
            .map(|&(sec, nsec)| {
                packet.frame.ts_sec = sec;
                packet.frame.ts_nsec = nsec;
                let mut out = String::new();
                timestamps.write(&packet, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn timestamp_formats_match_tcpdump() {
        let stamps = [(1_497_881_530, 230_949_000), (1_497_881_530, 231_082_000)];
        assert_eq!(
            times(TimeFormat::Time, false, &stamps),
            ["14:12:10.230949 ", "14:12:10.231082 "]
        );
        assert_eq!(
            times(TimeFormat::Time, false, &[(0, 0), (1, 0), (86_399, 0)]),
            ["00:00:00.000000 ", "00:00:01.000000 ", "23:59:59.000000 "]
        );
        assert_eq!(
            times(TimeFormat::Unix, true, &stamps)[0],
            "1497881530.230949000 "
        );
        assert_eq!(
            times(TimeFormat::DateTime, false, &stamps)[0],
            "2017-06-19 14:12:10.230949 "
        );
        assert_eq!(
            times(TimeFormat::DeltaPrevious, false, &stamps),
            [" 00:00:00.000000 ", " 00:00:00.000133 "]
        );
        assert_eq!(
            times(
                TimeFormat::DeltaFirst,
                false,
                &[(0, 0), (90_061, 5_000), (10, 0)]
            ),
            [
                " 00:00:00.000000 ",
                " 25:01:01.000005 ",
                " 00:00:10.000000 "
            ]
        );
        assert_eq!(
            times(
                TimeFormat::DeltaPrevious,
                false,
                &[(10, 0), (9, 500_000_000)]
            )[1],
            "-00:00:00.500000 "
        );
        assert_eq!(times(TimeFormat::None, false, &stamps)[0], "");
    }

    #[test]
    fn extreme_timestamps_do_not_panic() {
        for format in [
            TimeFormat::Time,
            TimeFormat::DateTime,
            TimeFormat::Unix,
            TimeFormat::DeltaPrevious,
            TimeFormat::DeltaFirst,
        ] {
            times(format, false, &[(i64::MIN, 0), (i64::MAX, u32::MAX)]);
        }
    }
}
