//! The field catalogue: every field the registered dissectors declare, by
//! name, with the protocol that declares it. It answers "is there a field
//! called `ntp.stratum`?" (with the closest names when there is not), and
//! prints itself as `tshark -G fields` does.

use std::collections::HashMap;
use std::fmt;

use crate::field::{Base, FieldDef, FieldId, FieldType};

/// One catalogued field and the protocol that declares it.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub def: &'static FieldDef,
    /// The declaring protocol's abbreviation (`ip`).
    pub protocol: &'static str,
}

/// A protocol of the catalogue: its abbreviation and full name.
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    pub name: &'static str,
    pub full_name: &'static str,
}

/// Every declared field, in declaration order, and an index by name.
#[derive(Debug, Default)]
pub struct Catalogue {
    protocols: Vec<Protocol>,
    entries: Vec<Entry>,
    by_name: HashMap<&'static str, usize>,
}

/// Why a dissector's fields could not join the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateField {
    /// The field name declared twice.
    pub name: &'static str,
    /// The protocol that declared it first.
    pub first: &'static str,
    /// The protocol that declared it again.
    pub again: &'static str,
}

impl fmt::Display for DuplicateField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field '{}' of protocol '{}' is already declared by '{}'",
            self.name, self.again, self.first
        )
    }
}

/// A field name no registered dissector declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    pub name: String,
    /// The declared names closest to it, closest first.
    pub closest: Vec<&'static str>,
}

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no field named '{}'", self.name)?;
        if !self.closest.is_empty() {
            write!(f, "; did you mean {}?", self.closest.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownField {}

/// How many names an [`UnknownField`] suggests.
const SUGGESTIONS: usize = 5;

impl Catalogue {
    /// Adds a protocol and the fields it declares. A field already declared
    /// by the same definition is skipped (two dissectors may share one); a
    /// different definition under a name already taken is refused, and then
    /// nothing of `fields` is added.
    pub(crate) fn declare(
        &mut self,
        protocol: Protocol,
        fields: &[&'static FieldDef],
    ) -> Result<(), DuplicateField> {
        for (i, def) in fields.iter().enumerate() {
            let clash =
                |other: &&FieldDef| other.abbrev == def.abbrev && !std::ptr::eq(*other, *def);
            let earlier = self.get(def.abbrev).filter(|e| clash(&e.def));
            if let Some(first) = earlier {
                return Err(DuplicateField {
                    name: def.abbrev,
                    first: first.protocol,
                    again: protocol.name,
                });
            }
            if fields
                .get(..i)
                .is_some_and(|before| before.iter().any(clash))
            {
                return Err(DuplicateField {
                    name: def.abbrev,
                    first: protocol.name,
                    again: protocol.name,
                });
            }
        }
        if !self.protocols.iter().any(|p| p.name == protocol.name) {
            self.protocols.push(protocol);
        }
        for &def in fields {
            if self.by_name.contains_key(def.abbrev) {
                continue;
            }
            def.numbered();
            self.by_name.insert(def.abbrev, self.entries.len());
            self.entries.push(Entry {
                def,
                protocol: protocol.name,
            });
        }
        Ok(())
    }

    /// The entry for a field name.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(*self.by_name.get(name)?)
    }

    /// True when `def` itself (not only its name) is catalogued.
    pub fn declares(&self, def: &FieldDef) -> bool {
        self.get(def.abbrev)
            .is_some_and(|e| std::ptr::eq(e.def, def))
    }

    /// The field with this name, or the closest names there are.
    pub fn field(&self, name: &str) -> Result<FieldId, UnknownField> {
        match self.get(name) {
            Some(entry) => Ok(FieldId(entry.def)),
            None => Err(UnknownField {
                name: name.to_string(),
                closest: self.closest(name, SUGGESTIONS),
            }),
        }
    }

    /// Up to `count` declared names nearest to `name` by edit distance
    /// (ties in declaration order).
    pub fn closest(&self, name: &str, count: usize) -> Vec<&'static str> {
        let mut scored: Vec<(usize, usize, &'static str)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (edit_distance(name, e.def.abbrev), i, e.def.abbrev))
            .collect();
        scored.sort_unstable();
        scored.into_iter().take(count).map(|(.., n)| n).collect()
    }

    /// Every catalogued field, in declaration order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every protocol, in registration order.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// The catalogue in `tshark -G fields`' layout: a `P` line per protocol
    /// followed by an `F` line per field (name, abbreviation, FT_ type,
    /// protocol, base, bitmask, blurb), for one protocol or all.
    pub fn write_tshark_fields(&self, only: Option<&str>, out: &mut String) {
        for protocol in &self.protocols {
            if only.is_some_and(|name| name != protocol.name) {
                continue;
            }
            out.push_str("P\t");
            out.push_str(protocol.full_name);
            out.push('\t');
            out.push_str(protocol.name);
            out.push('\n');
            for entry in self.entries.iter().filter(|e| e.protocol == protocol.name) {
                let def = entry.def;
                let line = format!(
                    "F\t{}\t{}\t{}\t{}\t{}\t0x{:x}\t{}\n",
                    def.name,
                    def.abbrev,
                    ft_name(def.ftype),
                    entry.protocol,
                    base_name(def),
                    def.bitmask,
                    def.blurb
                );
                out.push_str(&line);
            }
        }
    }
}

/// tshark 4.0's FT_ spelling of a field type.
fn ft_name(ftype: FieldType) -> &'static str {
    match ftype {
        FieldType::None => "FT_NONE",
        FieldType::Bool => "FT_BOOLEAN",
        FieldType::Uint(bits) => match bits {
            0..=8 => "FT_UINT8",
            9..=16 => "FT_UINT16",
            17..=24 => "FT_UINT24",
            25..=32 => "FT_UINT32",
            33..=40 => "FT_UINT40",
            41..=48 => "FT_UINT48",
            49..=56 => "FT_UINT56",
            _ => "FT_UINT64",
        },
        FieldType::Int(bits) => match bits {
            0..=8 => "FT_INT8",
            9..=16 => "FT_INT16",
            17..=24 => "FT_INT24",
            25..=32 => "FT_INT32",
            _ => "FT_INT64",
        },
        FieldType::Double => "FT_DOUBLE",
        FieldType::Ether => "FT_ETHER",
        FieldType::Ipv4 => "FT_IPv4",
        FieldType::Ipv6 => "FT_IPv6",
        FieldType::Bytes => "FT_BYTES",
        FieldType::Str => "FT_STRING",
        FieldType::AbsTime => "FT_ABSOLUTE_TIME",
        FieldType::RelTime => "FT_RELATIVE_TIME",
    }
}

/// The base column: BASE_ names for integers, the width of the flag word
/// for booleans (0 for a boolean of its own), empty for the rest.
fn base_name(def: &FieldDef) -> String {
    match def.ftype {
        FieldType::Uint(_) | FieldType::Int(_) => match def.base {
            Base::Dec => "BASE_DEC",
            Base::Hex => "BASE_HEX",
            Base::DecHex => "BASE_DEC_HEX",
            Base::HexDec => "BASE_HEX_DEC",
        }
        .to_string(),
        FieldType::Bool if def.bitmask == 0 => "0".to_string(),
        FieldType::Bool => {
            let top = 64 - def.bitmask.leading_zeros();
            (top.div_ceil(8) * 8).to_string()
        }
        _ => String::new(),
    }
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (cell, &cb) in row.iter_mut().skip(1).zip(b) {
            let above = *cell;
            let here = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(left)
            };
            diagonal = above;
            *cell = here;
            left = here;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    static SYN: FieldDef = FieldDef::new("t.flags.syn", "Syn", FieldType::Bool).mask(0x002);
    static ACK: FieldDef =
        FieldDef::new("t.flags.ack", "Acknowledgment", FieldType::Bool).mask(0x010);
    static PORT: FieldDef = FieldDef::new("t.port", "Port", FieldType::Uint(16)).blurb("A port");
    static OTHER_PORT: FieldDef = FieldDef::new("t.port", "Port", FieldType::Uint(16));

    const T: Protocol = Protocol {
        name: "t",
        full_name: "Test protocol",
    };

    #[test]
    fn lookup_and_closest_names() {
        let mut c = Catalogue::default();
        c.declare(T, &[&SYN, &ACK, &PORT]).unwrap();
        assert!(std::ptr::eq(c.field("t.port").unwrap().def(), &PORT));
        let err = c.field("t.flags.sin").unwrap_err();
        assert_eq!(err.closest.first(), Some(&"t.flags.syn"));
        assert_eq!(
            err.to_string(),
            "no field named 't.flags.sin'; did you mean t.flags.syn, t.flags.ack, t.port?"
        );
    }

    #[test]
    fn a_name_is_declared_once() {
        let mut c = Catalogue::default();
        c.declare(T, &[&PORT]).unwrap();
        // The same definition again (a shared field) is fine ...
        c.declare(T, &[&PORT, &SYN]).unwrap();
        // ... another definition under the same name is not, and adds nothing.
        let err = c.declare(T, &[&ACK, &OTHER_PORT]).unwrap_err();
        assert_eq!(err.name, "t.port");
        assert!(c.get("t.flags.ack").is_none());
        assert!(c.declares(&PORT) && !c.declares(&OTHER_PORT));
    }

    #[test]
    fn tshark_layout() {
        let mut c = Catalogue::default();
        c.declare(T, &[&PORT, &SYN]).unwrap();
        let mut out = String::new();
        c.write_tshark_fields(None, &mut out);
        assert_eq!(
            out,
            "P\tTest protocol\tt\n\
             F\tPort\tt.port\tFT_UINT16\tt\tBASE_DEC\t0x0\tA port\n\
             F\tSyn\tt.flags.syn\tFT_BOOLEAN\tt\t8\t0x2\t\n"
        );
        out.clear();
        c.write_tshark_fields(Some("other"), &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ip.src", "ip.src"), 0);
    }
}
