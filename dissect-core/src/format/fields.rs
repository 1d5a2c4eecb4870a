//! Output by field name, as `tshark -T fields -e NAME ...` writes it: one
//! line per packet, the values of each named field in order, joined by a
//! separator; several occurrences of a field joined by an aggregator; an
//! absent field empty.
//!
//! Values take tshark's forms for this mode, which differ from the tree's
//! and JSON's: booleans are `1`/`0`, hex integers are zero-padded to their
//! type's width (`0x0012`), byte strings are hex without colons, absolute
//! times read `Nov 22, 2026 02:27:50.343081000 UTC`, relative times
//! `0.000013000`, value names are never shown.

use std::fmt::{self, Write};

use crate::field::{
    civil_from_unix, write_dns_name, write_ether, write_ipv4, write_ipv6, Base, Field, FieldType,
    Value,
};
use crate::frame::{self, FrameFields};
use crate::tree::Packet;

/// Which occurrences of a field a line shows (`-E occurrence=f|l|a`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Occurrence {
    First,
    Last,
    /// Every one, joined by the aggregator (tshark's default).
    #[default]
    All,
}

/// The `-E` options of tshark's fields output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsOptions {
    /// Between fields (`separator=`, default tab).
    pub separator: char,
    /// Between occurrences of one field (`aggregator=`, default `,`).
    pub aggregator: char,
    /// Around each present field's text (`quote=d|s|n`, default none).
    pub quote: Option<char>,
    pub occurrence: Occurrence,
    /// A first line with the field names (`header=y`).
    pub header: bool,
    /// A UTF-8 byte order mark before everything (`bom=y`).
    pub bom: bool,
}

impl Default for FieldsOptions {
    fn default() -> Self {
        FieldsOptions {
            separator: '\t',
            aggregator: ',',
            quote: None,
            occurrence: Occurrence::All,
            header: false,
            bom: false,
        }
    }
}

/// Why an `-E` option was refused; the text names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOption(pub String);

impl fmt::Display for BadOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadOption {}

impl FieldsOptions {
    /// Applies one `-E key=value` option as tshark reads it: `separator`
    /// and `aggregator` take `/t`, `/s` or a character (the first of a
    /// longer value), `quote` takes `d`, `s` or `n`, `occurrence` `f`, `l`
    /// or `a`, `header` and `bom` `y` or `n`.
    pub fn set(&mut self, option: &str) -> Result<(), BadOption> {
        let bad = || {
            BadOption(format!(
                "-E {option}: expected bom=y|n, header=y|n, separator=/t|/s|CHAR, \
                 occurrence=f|l|a, aggregator=,|/s|CHAR or quote=d|s|n"
            ))
        };
        let (key, value) = option.split_once('=').ok_or_else(bad)?;
        let character = |value: &str| match value {
            "/t" => Some('\t'),
            "/s" => Some(' '),
            _ => value.chars().next(),
        };
        let yes_no = |value: &str| match value {
            "y" | "Y" => Some(true),
            "n" | "N" => Some(false),
            _ => None,
        };
        match key {
            "separator" => self.separator = character(value).ok_or_else(bad)?,
            "aggregator" => self.aggregator = character(value).ok_or_else(bad)?,
            "quote" => {
                self.quote = match value {
                    "d" => Some('"'),
                    "s" => Some('\''),
                    "n" => None,
                    _ => return Err(bad()),
                }
            }
            "occurrence" => {
                self.occurrence = match value {
                    "f" => Occurrence::First,
                    "l" => Occurrence::Last,
                    "a" => Occurrence::All,
                    _ => return Err(bad()),
                }
            }
            "header" => self.header = yes_no(value).ok_or_else(bad)?,
            "bom" => self.bom = yes_no(value).ok_or_else(bad)?,
            _ => return Err(bad()),
        }
        Ok(())
    }
}

/// Writes packets as tshark's `-T fields` lines for a list of field names.
#[derive(Debug, Clone)]
pub struct FieldsWriter {
    names: Vec<String>,
    options: FieldsOptions,
    /// The zone name after a local absolute time (see [`local_zone_name`]).
    zone: &'static str,
    /// Whether any name is a `frame.` field (only then are they built).
    wants_frame: bool,
}

impl FieldsWriter {
    /// A writer for these field names, in this order. The names are not
    /// checked here: an unknown one prints empty.
    pub fn new(names: Vec<String>, options: FieldsOptions) -> FieldsWriter {
        let wants_frame = names.iter().any(|n| n.starts_with("frame."));
        FieldsWriter {
            names,
            options,
            zone: local_zone_name(std::env::var("TZ").ok().as_deref()),
            wants_frame,
        }
    }

    /// Whether the names include `frame.` fields: then pass a
    /// [`FrameFields`] built for each packet to [`FieldsWriter::write`].
    pub fn wants_frame(&self) -> bool {
        self.wants_frame
    }

    /// What comes before the first packet: the byte order mark and the
    /// header line, if asked for.
    pub fn write_start(&self, out: &mut String) {
        if self.options.bom {
            out.push('\u{feff}');
        }
        if self.options.header {
            for (i, name) in self.names.iter().enumerate() {
                if i > 0 {
                    out.push(self.options.separator);
                }
                out.push_str(name);
            }
            out.push('\n');
        }
    }

    /// One packet's line. `frame`: its frame fields, if built.
    pub fn write(&self, packet: &Packet, frame: Option<&FrameFields>, out: &mut String) {
        let frame_fields = frame.map_or(&[][..], |f| f.fields());
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                out.push(self.options.separator);
            }
            let mut all = frame_fields
                .iter()
                .chain(&packet.fields)
                .filter(|f| f.def.abbrev == name.as_str())
                .peekable();
            // An absent field is empty, without quotes.
            if all.peek().is_none() {
                continue;
            }
            if let Some(q) = self.options.quote {
                out.push(q);
            }
            match self.options.occurrence {
                Occurrence::All => {
                    for (j, field) in all.enumerate() {
                        if j > 0 {
                            out.push(self.options.aggregator);
                        }
                        self.write_one(field, packet, frame, out);
                    }
                }
                Occurrence::First => {
                    if let Some(field) = all.next() {
                        self.write_one(field, packet, frame, out);
                    }
                }
                Occurrence::Last => {
                    if let Some(field) = all.last() {
                        self.write_one(field, packet, frame, out);
                    }
                }
            }
            if let Some(q) = self.options.quote {
                out.push(q);
            }
        }
        out.push('\n');
    }

    fn write_one(
        &self,
        field: &Field,
        packet: &Packet,
        frame: Option<&FrameFields>,
        out: &mut String,
    ) {
        if std::ptr::eq(field.def, &frame::PROTOCOLS) {
            out.push_str(frame.map_or("", |f| f.protocols()));
        } else {
            let data = packet.source_bytes(field.source);
            let _ = write_field_value(field, data, self.zone, out);
        }
    }
}

/// The zone name tshark writes after a local absolute time. dissect prints
/// every time in UTC, so the name only says which spelling of UTC the
/// environment asks for: `GMT` under `TZ=GMT0` (as the oracles were made),
/// `UTC` otherwise.
pub fn local_zone_name(tz: Option<&str>) -> &'static str {
    match tz {
        Some(tz) if tz.trim_start_matches(':').starts_with("GMT") => "GMT",
        _ => "UTC",
    }
}

/// Whether tshark shows this absolute time in UTC whatever the local zone
/// (ABSOLUTE_TIME_UTC): the NTP timestamps. Others are local times.
fn shown_in_utc(field: &Field) -> bool {
    field.def.abbrev.starts_with("ntp.")
}

/// Writes one field's value in tshark's `-T fields` form. `zone` names the
/// zone of local absolute times (see [`local_zone_name`]).
pub fn write_field_value(
    field: &Field,
    data: &[u8],
    zone: &str,
    out: &mut impl Write,
) -> fmt::Result {
    let def = field.def;
    match field.value {
        // A field with no value says it is there (tshark's FT_NONE).
        Value::None if def.ftype == FieldType::None => out.write_char('1'),
        // tshark's text for empty bytes.
        Value::None | Value::Bytes if field.len == 0 && def.ftype == FieldType::Bytes => {
            out.write_str("<none>")
        }
        Value::None | Value::Bytes => write_hex(field.bytes(data), out),
        Value::Bool(b) => out.write_char(if b { '1' } else { '0' }),
        Value::U64(v) if def.ftype == FieldType::Bool => {
            out.write_char(if v != 0 { '1' } else { '0' })
        }
        Value::U64(v) => write_uint(def.ftype, def.base, v, out),
        Value::I64(v) => write!(out, "{v}"),
        Value::F64(v) if def.ftype == FieldType::RelTime => write!(out, "{v:.9}"),
        Value::F64(v) => write_double(v, out),
        Value::Ether(m) => write_ether(&m, out),
        Value::Ipv4(a) => write_ipv4(&a, out),
        Value::Ipv6(a) => write_ipv6(&a, out),
        Value::Str => write_string(field.bytes(data), out),
        Value::Static(s) => out.write_str(s),
        Value::Time(secs, nanos) if def.ftype == FieldType::RelTime => {
            write_seconds(secs, nanos, out)
        }
        Value::Time(secs, nanos) => {
            let zone = if shown_in_utc(field) { "UTC" } else { zone };
            write_absolute(secs, nanos, zone, out)
        }
        Value::DnsName => write_dns_name(field.bytes(data), out),
    }
}

/// Hex digits, no separators (tshark's bytes in this mode).
fn write_hex(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    for b in bytes {
        write!(out, "{b:02x}")?;
    }
    Ok(())
}

/// An unsigned integer: hex bases as `0x` and as many digits as the type
/// is wide, the rest in decimal.
fn write_uint(ftype: FieldType, base: Base, v: u64, out: &mut impl Write) -> fmt::Result {
    let digits = match ftype {
        FieldType::Uint(bits) => usize::from(bits).div_ceil(4),
        _ => 1,
    };
    match base {
        Base::Hex | Base::HexDec => write!(out, "0x{v:0digits$x}"),
        Base::Dec | Base::DecHex => write!(out, "{v}"),
    }
}

/// A double as C's `%.15g` (tshark's DBL_DIG digits): at most 15
/// significant digits, trailing zeros dropped, an exponent below 1e-4 or
/// from 1e15 on.
fn write_double(v: f64, out: &mut impl Write) -> fmt::Result {
    if !v.is_finite() {
        return out.write_str(if v.is_nan() {
            "nan"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        });
    }
    if v == 0.0 {
        return out.write_str(if v.is_sign_negative() { "-0" } else { "0" });
    }
    // The exponent after rounding to 15 digits decides the form.
    let scientific = format!("{v:.14e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..15).contains(&exponent) {
        let mantissa = trim_fraction(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        return write!(out, "{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    let decimals = usize::try_from(14 - exponent).unwrap_or(0);
    let fixed = format!("{v:.decimals$}");
    out.write_str(trim_fraction(&fixed))
}

/// `1.2300` → `1.23`, `5.000` → `5`.
fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Text as tshark shows a string field: printable characters as they are,
/// C escapes for the usual control characters, `\xNN` for other ASCII
/// control bytes, U+FFFD for bytes that are not UTF-8.
fn write_string(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x07' => out.write_str("\\a")?,
                '\x08' => out.write_str("\\b")?,
                '\x0c' => out.write_str("\\f")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                '\t' => out.write_str("\\t")?,
                '\x0b' => out.write_str("\\v")?,
                '\\' => out.write_str("\\\\")?,
                c if c.is_ascii_control() => write!(out, "\\x{:02x}", c as u32)?,
                c => out.write_char(c)?,
            }
        }
        if !chunk.invalid().is_empty() {
            out.write_char('\u{fffd}')?;
        }
    }
    Ok(())
}

/// Seconds with nine decimals, negative when `secs` is (`-0.500000000`
/// for `(-1, 500000000)`).
fn write_seconds(secs: i64, nanos: u32, out: &mut impl Write) -> fmt::Result {
    let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    write!(
        out,
        "{sign}{}.{:09}",
        total / 1_000_000_000,
        total % 1_000_000_000
    )
}

/// `Nov  2, 2026 02:28:07.617174625 UTC`: tshark's absolute time (the day
/// padded with a space, as C's `%e`).
fn write_absolute(secs: i64, nanos: u32, zone: &str, out: &mut impl Write) -> fmt::Result {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil_from_unix(secs);
    let month = MONTHS
        .get(usize::try_from(mo).unwrap_or(1).saturating_sub(1))
        .unwrap_or(&"Jan");
    write!(
        out,
        "{month} {d:2}, {y} {h:02}:{mi:02}:{s:02}.{nanos:09} {zone}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{FieldDef, FieldFlags};

    fn show(def: &'static FieldDef, value: Value, data: &[u8]) -> String {
        let field = Field {
            def,
            value,
            offset: 0,
            len: data.len() as u32,
            depth: 0,
            flags: FieldFlags::default(),
            source: crate::tree::SourceId::FRAME,
        };
        let mut s = String::new();
        write_field_value(&field, data, "GMT", &mut s).unwrap();
        s
    }

    #[test]
    fn value_forms() {
        static FLAGS: FieldDef =
            FieldDef::new("t.flags", "Flags", FieldType::Uint(16)).base(Base::Hex);
        static SYN: FieldDef = FieldDef::new("t.syn", "Syn", FieldType::Bool).mask(2);
        static PORT: FieldDef = FieldDef::new("t.port", "Port", FieldType::Uint(16));
        static BYTES: FieldDef = FieldDef::new("t.bytes", "Bytes", FieldType::Bytes);
        static NONE: FieldDef = FieldDef::new("t.none", "None", FieldType::None);
        static TEXT: FieldDef = FieldDef::new("t.text", "Text", FieldType::Str);
        static WHEN: FieldDef = FieldDef::new("t.when", "When", FieldType::AbsTime);
        static NTP_WHEN: FieldDef = FieldDef::new("ntp.xmt", "When", FieldType::AbsTime);
        static DELTA: FieldDef = FieldDef::new("t.delta", "Delta", FieldType::RelTime);
        static RATIO: FieldDef = FieldDef::new("t.ratio", "Ratio", FieldType::Double);
        assert_eq!(show(&FLAGS, Value::U64(0x12), &[]), "0x0012");
        assert_eq!(show(&SYN, Value::Bool(true), &[]), "1");
        assert_eq!(show(&SYN, Value::U64(0), &[]), "0");
        assert_eq!(show(&PORT, Value::U64(443), &[]), "443");
        assert_eq!(show(&BYTES, Value::Bytes, &[0x04, 0x02]), "0402");
        assert_eq!(show(&NONE, Value::None, &[0x04]), "1");
        assert_eq!(
            show(&TEXT, Value::Str, b"a\r\n\\\x01\xff"),
            "a\\r\\n\\\\\\x01\u{fffd}"
        );
        assert_eq!(
            show(&WHEN, Value::Time(1_795_314_470, 343_081_000), &[]),
            "Nov 22, 2026 02:27:50.343081000 GMT"
        );
        assert_eq!(
            show(&NTP_WHEN, Value::Time(1_793_586_487, 617_174_625), &[]),
            "Nov  2, 2026 02:28:07.617174625 UTC"
        );
        assert_eq!(show(&DELTA, Value::Time(0, 13_000), &[]), "0.000013000");
        assert_eq!(
            show(&DELTA, Value::Time(-1, 500_000_000), &[]),
            "-0.500000000"
        );
        assert_eq!(show(&DELTA, Value::F64(0.25), &[]), "0.250000000");
        assert_eq!(show(&RATIO, Value::F64(1.572), &[]), "1.572");
        assert_eq!(show(&RATIO, Value::F64(0.1 + 0.2), &[]), "0.3");
        assert_eq!(show(&RATIO, Value::F64(1.5e-7), &[]), "1.5e-07");
        assert_eq!(show(&RATIO, Value::F64(2e20), &[]), "2e+20");
        assert_eq!(show(&RATIO, Value::F64(-12.0), &[]), "-12");
    }

    #[test]
    fn options_parse_like_tshark() {
        let mut o = FieldsOptions::default();
        assert_eq!(o.separator, '\t');
        assert_eq!(o.occurrence, Occurrence::All);
        o.set("separator=/s").unwrap();
        assert_eq!(o.separator, ' ');
        o.set("separator=ab").unwrap();
        assert_eq!(o.separator, 'a');
        o.set("aggregator=/s").unwrap();
        assert_eq!(o.aggregator, ' ');
        o.set("quote=d").unwrap();
        assert_eq!(o.quote, Some('"'));
        o.set("quote=n").unwrap();
        assert_eq!(o.quote, None);
        o.set("occurrence=l").unwrap();
        assert_eq!(o.occurrence, Occurrence::Last);
        o.set("header=y").unwrap();
        assert!(o.header);
        for bad in [
            "quote=x",
            "occurrence=2",
            "header",
            "colour=y",
            "separator=",
        ] {
            assert!(o.set(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_aggregate_quote_and_leave_absent_fields_empty() {
        static PORT: FieldDef = FieldDef::new("t.port", "Port", FieldType::Uint(16));
        let mut packet = Packet::new();
        for port in [80, 443] {
            packet.fields.push(Field {
                def: &PORT,
                value: Value::U64(port),
                offset: 0,
                len: 0,
                depth: 0,
                flags: FieldFlags::default(),
                source: crate::tree::SourceId::FRAME,
            });
        }
        let names = vec!["t.port".to_string(), "t.absent".to_string()];
        let line = |options: &[&str]| {
            let mut o = FieldsOptions::default();
            for option in options {
                o.set(option).unwrap();
            }
            let writer = FieldsWriter::new(names.clone(), o);
            let mut out = String::new();
            writer.write_start(&mut out);
            writer.write(&packet, None, &mut out);
            out
        };
        assert_eq!(line(&[]), "80,443\t\n");
        assert_eq!(line(&["occurrence=f"]), "80\t\n");
        assert_eq!(line(&["occurrence=l", "separator=,"]), "443,\n");
        assert_eq!(
            line(&["quote=d", "aggregator=/s", "header=y"]),
            "t.port\tt.absent\n\"80 443\"\t\n"
        );
        assert_eq!(local_zone_name(Some("GMT0")), "GMT");
        assert_eq!(local_zone_name(None), "UTC");
    }
}
