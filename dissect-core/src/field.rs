//! Field descriptors (declared once, statically, per protocol) and field values.
//!
//! A [`FieldDef`] is the equivalent of Wireshark's `hf_register_info` entry:
//! the abbreviation (`ip.ttl`), the display name ("Time to Live"), the type,
//! how to print it, optional value names and an optional bitmask. One table of
//! these drives the tree, JSON, `--list-fields` and filters.

use std::fmt::{self, Write};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::tree::SourceId;

/// What kind of value a field holds; decides how it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A heading with no value of its own (a subtree label such as "Options").
    None,
    Bool,
    /// Unsigned integer of the given width in bits (8, 16, 24, 32, 48, 64).
    Uint(u8),
    /// Signed integer of the given width in bits.
    Int(u8),
    /// Floating point (seconds, ratios).
    Double,
    Ether,
    Ipv4,
    Ipv6,
    /// Raw bytes, printed as colon-separated hex (as tshark prints them).
    Bytes,
    /// Text taken from the packet bytes or a static string.
    Str,
    /// Seconds since the Unix epoch with nanoseconds (`Value::Time`).
    AbsTime,
    /// Relative seconds (`Value::F64`), printed with nanosecond precision.
    RelTime,
}

/// Numeric base for integer fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Dec,
    Hex,
    /// Decimal with the hex value in parentheses.
    DecHex,
    /// Hex with the decimal value in parentheses.
    HexDec,
}

/// One field declaration. Always `static`, so a field in the tree is a
/// pointer to its definition plus a value.
#[derive(Debug)]
pub struct FieldDef {
    /// Wireshark display-filter name, e.g. `tcp.flags.syn`.
    pub abbrev: &'static str,
    /// Human name, e.g. "Syn".
    pub name: &'static str,
    pub ftype: FieldType,
    pub base: Base,
    /// Meaning of a numeric value (`Some("Echo (ping) request")`), if any.
    pub names: Option<fn(u64) -> Option<&'static str>>,
    /// For bit fields: the mask within the parent word (shown as `.... ..1.`).
    pub bitmask: u64,
    /// Writes the human text (tree, JSON `show`) when fixed value names
    /// cannot say it: a signed log2 as seconds, a reference ID read by
    /// stratum. The raw value stays what tshark's JSON carries.
    pub display: Option<Display>,
    /// One sentence on what the field means (`--list-fields`' last column).
    pub blurb: &'static str,
    /// The field's number in this process's catalogues, given the first
    /// time a registry catalogues it ([`FieldDef::UNNUMBERED`] until then):
    /// a run's [`FieldSet`] is a bit per number, so asking whether a field
    /// is wanted costs one load and one bit test.
    number: AtomicU32,
}

/// A field's own text: `(field, its source's bytes, out)`.
pub type Display = fn(&Field, &[u8], &mut dyn Write) -> fmt::Result;

/// The next field number to give out (process-wide, so that a definition
/// has the same number in every registry).
static NEXT_NUMBER: AtomicU32 = AtomicU32::new(0);

impl FieldDef {
    /// The number of a definition no registry has catalogued.
    pub const UNNUMBERED: u32 = u32::MAX;

    /// A plain field; use the builder methods for names and bitmasks.
    pub const fn new(abbrev: &'static str, name: &'static str, ftype: FieldType) -> Self {
        FieldDef {
            abbrev,
            name,
            ftype,
            base: Base::Dec,
            names: None,
            bitmask: 0,
            display: None,
            blurb: "",
            number: AtomicU32::new(Self::UNNUMBERED),
        }
    }
    pub const fn base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }
    pub const fn names(mut self, names: fn(u64) -> Option<&'static str>) -> Self {
        self.names = Some(names);
        self
    }
    pub const fn mask(mut self, bitmask: u64) -> Self {
        self.bitmask = bitmask;
        self
    }
    /// Gives the field its own human text (see [`FieldDef::display`]).
    pub const fn display(mut self, display: Display) -> Self {
        self.display = Some(display);
        self
    }
    /// Says what the field means (see [`FieldDef::blurb`]).
    pub const fn blurb(mut self, blurb: &'static str) -> Self {
        self.blurb = blurb;
        self
    }

    /// The field's catalogue number ([`FieldDef::UNNUMBERED`] if no
    /// registry declared it).
    #[inline]
    pub fn number(&self) -> u32 {
        self.number.load(Ordering::Relaxed)
    }

    /// Gives the definition its number if it has none yet, and returns it.
    pub(crate) fn numbered(&self) -> u32 {
        let current = self.number();
        if current != Self::UNNUMBERED {
            return current;
        }
        let fresh = NEXT_NUMBER.fetch_add(1, Ordering::Relaxed);
        // Another thread may have numbered it meanwhile: its number stands.
        match self.number.compare_exchange(
            Self::UNNUMBERED,
            fresh,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => fresh,
            Err(theirs) => theirs,
        }
    }

    /// True when `value` is of the kind this field declares (and, for
    /// integers, fits its width). Checked on every add in debug builds, so
    /// a dissector that stores the wrong kind of value fails its tests.
    pub fn admits(&self, value: &Value) -> bool {
        let fits = |v: u64, bits: u8| bits >= 64 || v >> bits == 0;
        match (self.ftype, value) {
            (FieldType::None, Value::None) => true,
            (FieldType::Bool, Value::Bool(_) | Value::U64(0 | 1)) => true,
            (FieldType::Uint(bits), Value::U64(v)) => fits(*v, bits),
            (FieldType::Int(bits), Value::I64(v)) => {
                bits >= 64 || (*v >= -(1i64 << (bits - 1)) && *v < (1i64 << (bits - 1)))
            }
            (FieldType::Double | FieldType::RelTime, Value::F64(_)) => true,
            (FieldType::Ether, Value::Ether(_)) => true,
            (FieldType::Ipv4, Value::Ipv4(_)) => true,
            (FieldType::Ipv6, Value::Ipv6(_)) => true,
            // A byte string that is a MAC address prints with colons.
            (FieldType::Bytes, Value::Bytes | Value::Ether(_)) => true,
            (FieldType::Str, Value::Str | Value::Static(_) | Value::DnsName) => true,
            (FieldType::AbsTime, Value::Time(..) | Value::Static(_)) => true,
            _ => false,
        }
    }
}

/// A handle on one catalogued field, from [`Registry::field`]
/// (crate::Registry::field): proof that the name is declared. Compared by
/// definition, never by name.
#[derive(Debug, Clone, Copy)]
pub struct FieldId(pub(crate) &'static FieldDef);

impl FieldId {
    /// The field's definition.
    pub fn def(&self) -> &'static FieldDef {
        self.0
    }
    /// The field's abbreviation (`ntp.stratum`).
    pub fn abbrev(&self) -> &'static str {
        self.0.abbrev
    }
}

impl PartialEq for FieldId {
    fn eq(&self, other: &FieldId) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for FieldId {}

/// The fields one run builds: those its outputs, filters and columns read.
/// Dissectors skip every other field (and the work that only feeds them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    /// Every field, whatever the bits say (`-V`, JSON).
    all: bool,
    /// One bit per catalogue number.
    bits: Vec<u64>,
}

impl FieldSet {
    /// Every field.
    pub fn all() -> FieldSet {
        FieldSet {
            all: true,
            bits: Vec::new(),
        }
    }

    /// No field at all (add to it with [`FieldSet::insert`]).
    pub fn none() -> FieldSet {
        FieldSet::default()
    }

    /// True when the set holds every field.
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Adds a field; it gets its catalogue number if it has none.
    pub fn insert(&mut self, def: &'static FieldDef) {
        let number = def.numbered() as usize;
        let word = number / 64;
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if let Some(bits) = self.bits.get_mut(word) {
            *bits |= 1 << (number % 64);
        }
    }

    /// Adds every field of `other`.
    pub fn union(&mut self, other: &FieldSet) {
        self.all |= other.all;
        if self.bits.len() < other.bits.len() {
            self.bits.resize(other.bits.len(), 0);
        }
        for (mine, theirs) in self.bits.iter_mut().zip(&other.bits) {
            *mine |= theirs;
        }
    }

    /// True when the run builds this field.
    #[inline]
    pub fn contains(&self, def: &FieldDef) -> bool {
        if self.all {
            return true;
        }
        let number = def.number() as usize;
        self.bits
            .get(number / 64)
            .is_some_and(|bits| bits & (1 << (number % 64)) != 0)
    }
}

/// A field's value. `Copy` and allocation-free: byte strings refer to the
/// field's own byte range in the packet rather than owning a copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Ether([u8; 6]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    /// The bytes of the field's own range.
    Bytes,
    /// The bytes of the field's own range, as text.
    Str,
    /// A fixed string (e.g. a computed verdict such as "Good").
    Static(&'static str),
    /// Absolute time: seconds since 1970 and nanoseconds.
    Time(i64, u32),
    /// The bytes of the field's own range: a domain name in DNS label form
    /// (RFC 1035 §3.1, no compression), printed dotted as tshark does.
    DnsName,
}

impl Value {
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U64(v) => Some(v),
            Value::Bool(b) => Some(b as u64),
            Value::I64(v) if v >= 0 => Some(v as u64),
            _ => None,
        }
    }
}

/// Flags on a field instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldFlags(u8);

impl FieldFlags {
    /// Computed by the dissector rather than read from the packet
    /// (Wireshark shows these in brackets).
    pub const GENERATED: FieldFlags = FieldFlags(1);
    pub fn contains(self, other: FieldFlags) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    pub fn insert(&mut self, other: FieldFlags) {
        self.0 |= other.0;
    }
}

/// A field instance in the decode tree. The offset counts from the first
/// byte of the field's source (the frame, or a reassembled stream).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub def: &'static FieldDef,
    pub value: Value,
    pub offset: u32,
    pub len: u32,
    /// Nesting depth within its layer (0 = top level). Children directly
    /// follow their parent in the layer's field list.
    pub depth: u8,
    pub flags: FieldFlags,
    /// The byte source `offset` counts in.
    pub source: SourceId,
}

impl Field {
    /// The bytes this field covers within `data`, its source's bytes
    /// ([`Packet::field_bytes`](crate::Packet::field_bytes) picks the
    /// source); empty if generated or out of range.
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = self.offset as usize;
        let end = start.saturating_add(self.len as usize);
        data.get(start..end).unwrap_or(&[])
    }

    /// The meaning of the value from the definition's value names.
    pub fn meaning(&self) -> Option<&'static str> {
        let names = self.def.names?;
        names(self.value.as_u64()?)
    }

    /// Writes the value as tshark would print it in its JSON output, without
    /// the meaning (`0x0002`, `10.0.0.1`, `64`, `1`).
    pub fn write_value(&self, data: &[u8], out: &mut impl Write) -> fmt::Result {
        match self.value {
            Value::None => Ok(()),
            Value::Bool(b) => out.write_str(if b { "True" } else { "False" }),
            Value::U64(v) => write_uint(self.def, v, out),
            Value::I64(v) => write!(out, "{v}"),
            Value::F64(v) => write!(out, "{v:.9}"),
            Value::Ether(m) => write_ether(&m, out),
            Value::Ipv4(a) => write_ipv4(&a, out),
            Value::Ipv6(a) => write_ipv6(&a, out),
            Value::Bytes => write_hex_colon(self.bytes(data), out),
            Value::Str => write_text(self.bytes(data), out),
            Value::Static(s) => out.write_str(s),
            Value::Time(s, ns) => write_utc(s, ns, out),
            Value::DnsName => write_dns_name(self.bytes(data), out),
        }
    }

    /// Writes the value with its meaning, as the tree shows it:
    /// `Echo (ping) request (8)`, `64`, `0x0002`.
    pub fn write_show(&self, data: &[u8], out: &mut impl Write) -> fmt::Result {
        if let Some(display) = self.def.display {
            return display(self, data, out);
        }
        match (self.meaning(), self.value) {
            (Some(m), Value::U64(v)) if self.def.ftype != FieldType::Bool => {
                write!(out, "{m} (")?;
                write_uint(self.def, v, out)?;
                out.write_char(')')
            }
            (Some(m), _) => out.write_str(m),
            _ => self.write_value(data, out),
        }
    }
}

fn write_uint(def: &FieldDef, v: u64, out: &mut impl Write) -> fmt::Result {
    let digits = match def.ftype {
        FieldType::Uint(bits) => (bits as usize).div_ceil(4),
        _ => 1,
    };
    match def.base {
        Base::Dec => write!(out, "{v}"),
        Base::Hex => write!(out, "0x{v:0digits$x}"),
        Base::DecHex => write!(out, "{v} (0x{v:0digits$x})"),
        Base::HexDec => write!(out, "0x{v:0digits$x} ({v})"),
    }
}

pub fn write_ether(m: &[u8; 6], out: &mut impl Write) -> fmt::Result {
    write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// A dotted quad built on the stack from a digit table and written at
/// once: this runs twice for most lines of output, where a write per octet
/// and dot costs more than twice as much (the UTF-8 check of the ASCII
/// result costs less than the writes it saves).
pub fn write_ipv4(a: &[u8; 4], out: &mut impl Write) -> fmt::Result {
    let mut text = AsciiText::<15>::new();
    text.push_ipv4(a);
    out.write_str(text.as_str())
}

/// Address text assembled on the stack, so that it reaches the output in
/// one write. Pushes past the capacity are dropped; callers size `N` for
/// their longest text.
struct AsciiText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> AsciiText<N> {
    fn new() -> Self {
        AsciiText {
            bytes: [0; N],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn push_ipv4(&mut self, a: &[u8; 4]) {
        for (i, &octet) in a.iter().enumerate() {
            if i > 0 {
                self.push(b'.');
            }
            // In bounds: the table has an entry for each of the 256 octets.
            #[allow(clippy::indexing_slicing)]
            let (digits, count) = OCTET_TEXT[usize::from(octet)];
            // Three bytes are copied whatever the count; `len` moves past
            // the digits only, so the zero filler is overwritten or unused.
            if let Some(slot) = self.bytes.get_mut(self.len..self.len + 3) {
                slot.copy_from_slice(&digits);
                self.len += usize::from(count);
            }
        }
    }

    /// A 16-bit word in lowercase hex without leading zeros (`{:x}`).
    fn push_hex_word(&mut self, word: u16) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digits = (16 - word.leading_zeros()).div_ceil(4).max(1);
        for shift in (0..digits).rev() {
            // In bounds: a nibble indexes the 16 digits.
            #[allow(clippy::indexing_slicing)]
            let digit = HEX[usize::from(word >> (shift * 4) & 0xf)];
            self.push(digit);
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII is pushed; the check never fails.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// Each octet's decimal digits (left-aligned, zero-filled) and their count.
// Built at compile time: an index out of range would fail the build.
#[allow(clippy::indexing_slicing)]
static OCTET_TEXT: [([u8; 3], u8); 256] = {
    let mut table = [([0u8; 3], 0u8); 256];
    let mut v = 0;
    while v < 256 {
        let (h, t, o) = ((v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8);
        table[v] = if v >= 100 {
            ([b'0' + h, b'0' + t, b'0' + o], 3)
        } else if v >= 10 {
            ([b'0' + t, b'0' + o, 0], 2)
        } else {
            ([b'0' + o, 0, 0], 1)
        };
        v += 1;
    }
    table
};

/// An IPv6 address as tcpdump and inet_ntop print it (RFC 5952 style: the
/// first longest run of two or more zero groups becomes `::`; an address
/// with an embedded IPv4 address, `::a.b.c.d` or `::ffff:a.b.c.d`, ends in a
/// dotted quad).
pub fn write_ipv6(a: &[u8; 16], out: &mut impl Write) -> fmt::Result {
    let mut words = [0u16; 8];
    for (word, pair) in words.iter_mut().zip(a.chunks_exact(2)) {
        if let &[hi, lo] = pair {
            *word = u16::from_be_bytes([hi, lo]);
        }
    }
    // The first longest run of zero words (start, length), if two or longer.
    let (mut best, mut run) = ((0usize, 0usize), (0usize, 0usize));
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            if run.1 == 0 {
                run.0 = i;
            }
            run.1 += 1;
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run.1 = 0;
        }
    }
    let (zeros_start, zeros_end) = if best.1 >= 2 {
        (best.0, best.0 + best.1)
    } else {
        (8, 8)
    };
    let embedded_v4 = zeros_start == 0
        && (zeros_end == 6
            || (zeros_end == 7 && words[7] != 1)
            || (zeros_end == 5 && words[5] == 0xffff));
    // Eight groups of four digits and seven colons are the longest text
    // (39 bytes); the forms that end in a dotted quad are shorter.
    let mut text = AsciiText::<39>::new();
    for (i, &word) in words.iter().enumerate() {
        if (zeros_start..zeros_end).contains(&i) {
            if i == zeros_start {
                text.push(b':');
            }
            continue;
        }
        if i != 0 {
            text.push(b':');
        }
        if embedded_v4 && i == 6 {
            text.push_ipv4(&[a[12], a[13], a[14], a[15]]);
            break;
        }
        text.push_hex_word(word);
    }
    if zeros_end == 8 && zeros_start < 8 {
        text.push(b':');
    }
    out.write_str(text.as_str())
}

/// Displays an IPv4 address with [`write_ipv4`] (for `write!` arguments).
pub struct Ipv4Text(pub [u8; 4]);

impl fmt::Display for Ipv4Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ipv4(&self.0, f)
    }
}

/// Displays an IPv6 address with [`write_ipv6`] (for `write!` arguments).
pub struct Ipv6Text(pub [u8; 16]);

impl fmt::Display for Ipv6Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ipv6(&self.0, f)
    }
}

/// A number in decimal, zero-padded to `width` digits (at most 20), with
/// itoa: the per-packet text is mostly numbers, and `write!` costs several
/// times more for each.
pub fn write_decimal_padded(out: &mut impl Write, value: u64, width: usize) -> fmt::Result {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(value);
    for _ in digits.len()..width.min(20) {
        out.write_char('0')?;
    }
    out.write_str(digits)
}

/// A number in decimal, without the formatting machinery of `write!`.
pub fn write_decimal(out: &mut impl Write, value: u64) -> fmt::Result {
    out.write_str(itoa::Buffer::new().format(value))
}

pub fn write_hex_colon(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.write_char(':')?;
        }
        write!(out, "{b:02x}")?;
    }
    Ok(())
}

/// Printable ASCII as is, everything else as `\xNN`.
pub fn write_text(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    for &b in bytes {
        if (0x20..0x7f).contains(&b) {
            out.write_char(b as char)?;
        } else {
            write!(out, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

/// A domain name in DNS label form, dotted (`example.com`; the root is
/// `<Root>`). Stops at the terminating zero label or where the bytes end.
pub fn write_dns_name(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    let mut at = 0;
    let mut first = true;
    while let Some(&len) = bytes.get(at) {
        let len = usize::from(len);
        if len == 0 {
            break;
        }
        let label = bytes
            .get(at + 1..(at + 1 + len).min(bytes.len()))
            .unwrap_or(&[]);
        if !first {
            out.write_char('.')?;
        }
        write_text(label, out)?;
        first = false;
        at += 1 + len;
    }
    if first {
        out.write_str("<Root>")?;
    }
    Ok(())
}

/// RFC 3339 UTC with nanoseconds: `2026-11-22T02:50:12.123456789Z`.
pub fn write_utc(secs: i64, nanos: u32, out: &mut impl Write) -> fmt::Result {
    let (y, mo, d, h, mi, s) = civil_from_unix(secs);
    write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{nanos:09}Z"
    )
}

/// Splits Unix seconds into (year, month, day, hour, minute, second), UTC,
/// using Howard Hinnant's days-from-civil inverse (no time zone database).
pub fn civil_from_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_unix(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_unix(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil_from_unix(2_147_483_648), (2038, 1, 19, 3, 14, 8));
        assert_eq!(civil_from_unix(-1), (1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn fast_decimal_matches_format() {
        for (v, w) in [
            (0u64, 0),
            (7, 2),
            (59, 2),
            (123, 6),
            (999_999, 6),
            (u64::MAX, 0),
            (42, 30),
        ] {
            let mut s = String::new();
            write_decimal_padded(&mut s, v, w).unwrap();
            assert_eq!(s, format!("{v:0w$}", w = w.min(20)));
        }
        for a in [
            [0, 0, 0, 0],
            [255, 255, 255, 255],
            [10, 200, 0, 1],
            [1, 22, 103, 9],
        ] {
            let mut s = String::new();
            write_ipv4(&a, &mut s).unwrap();
            assert_eq!(s, std::net::Ipv4Addr::from(a).to_string());
        }
    }

    #[test]
    fn ipv6_text_follows_inet_ntop() {
        let cases = [
            ("::", "::"),
            ("::1", "::1"),
            ("fe80::68d3:1235:d068:1f9e", "fe80::68d3:1235:d068:1f9e"),
            ("ff02::1:6", "ff02::1:6"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("1::", "1::"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::192.0.2.1", "::192.0.2.1"),
            (
                "2001:4f8:4:7:2e0:81ff:fe52:9a6b",
                "2001:4f8:4:7:2e0:81ff:fe52:9a6b",
            ),
        ];
        for (input, want) in cases {
            let a: std::net::Ipv6Addr = input.parse().unwrap();
            let mut s = String::new();
            write_ipv6(&a.octets(), &mut s).unwrap();
            assert_eq!(s, want, "{input}");
        }
    }

    proptest::proptest! {
        /// Every address prints as std's RFC 5952 text, except the IPv4-
        /// compatible form (`::a.b.c.d`), which inet_ntop keeps and std
        /// drops; that one prints its last four bytes as a dotted quad.
        #[test]
        fn ipv6_text_matches_std(a in proptest::prelude::any::<[u8; 16]>(), zeros in 0usize..16) {
            // Zero a prefix often, so runs of zero groups and the embedded
            // IPv4 forms come up.
            let mut a = a;
            a[..zeros].fill(0);
            let mut s = String::new();
            write_ipv6(&a, &mut s).unwrap();
            let std_text = std::net::Ipv6Addr::from(a).to_string();
            let compatible = a[..12].iter().all(|&b| b == 0) && a[12..14] != [0, 0];
            if compatible {
                let quad = std::net::Ipv4Addr::new(a[12], a[13], a[14], a[15]);
                proptest::prop_assert_eq!(s, format!("::{quad}"));
            } else {
                proptest::prop_assert_eq!(s, std_text);
            }
        }
    }

    #[test]
    fn uint_bases() {
        static F: FieldDef = FieldDef::new("x.flags", "Flags", FieldType::Uint(16)).base(Base::Hex);
        let f = Field {
            def: &F,
            value: Value::U64(2),
            offset: 0,
            len: 2,
            depth: 0,
            flags: FieldFlags::default(),
            source: SourceId::FRAME,
        };
        let mut s = String::new();
        f.write_value(&[], &mut s).unwrap();
        assert_eq!(s, "0x0002");
    }

    /// The source id sits in what was padding: a field stays 48 bytes.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn field_size_does_not_grow() {
        assert_eq!(std::mem::size_of::<Field>(), 48);
    }
}
