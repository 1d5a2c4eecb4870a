//! What follows the 48-byte header of a time message: NTPv4 extension
//! fields (RFC 7822, NTS types of RFC 8915) and the MAC (key identifier and
//! digest, RFC 5905 section 7.3 and appendix A).
//!
//! Telling a last extension field from a MAC: RFC 7822 makes every
//! extension field at least 16 octets long and lets a MAC be 4 (crypto-NAK),
//! 20 or 24 octets. Following Wireshark (which also accepts the longer
//! digests chrony and ntpsec send), the fields are walked while each length
//! is at least 16 and fits; whatever remains is the MAC. If that remainder is
//! too short for a MAC (under 20 octets and not a crypto-NAK), the last
//! "field" was really the start of the MAC and is given back to it.

use dissect_core::{Base, Context, FieldDef, FieldType, Value};
use nom::bytes::complete::take;
use nom::number::complete::be_u16;
use nom::IResult;
use serde::Serialize;

use super::HEADER_LEN;
use crate::wire::{be16, be32};

/// The smallest extension field RFC 7822 allows.
pub const MIN_EXTENSION_LEN: usize = 16;
/// The smallest MAC other than a crypto-NAK: key ID plus a 16-byte digest.
const MIN_MAC_LEN: usize = 20;
const KEY_ID_LEN: usize = 4;

/// One extension field. `offset` is relative to the start of the NTP
/// message; `length` counts the 4-byte type/length header and the padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExtensionField<'a> {
    pub field_type: u16,
    pub length: u16,
    #[serde(skip)]
    pub value: &'a [u8],
    pub offset: usize,
}

impl ExtensionField<'_> {
    pub fn type_name(&self) -> Option<&'static str> {
        extension_type_name(self.field_type)
    }
}

/// Type, length, then `length - 4` bytes of value (and padding).
fn extension_field(input: &[u8]) -> IResult<&[u8], (u16, u16, &[u8])> {
    let (rest, field_type) = be_u16(input)?;
    let (rest, length) = be_u16(rest)?;
    let (rest, value) = take(usize::from(length).saturating_sub(4))(rest)?;
    Ok((rest, (field_type, length, value)))
}

/// Where the extension fields end (the MAC, if any, starts), as an offset
/// from the start of the message. `message` is the whole NTP message.
pub fn extensions_end(message: &[u8]) -> usize {
    let mut end = HEADER_LEN;
    let mut last_len = 0;
    while let Some(rest) = message.get(end..) {
        if rest.len() < MIN_EXTENSION_LEN {
            break;
        }
        // Never the zero fallback: `rest` holds at least 16 bytes.
        let len = usize::from(be16(rest, 2));
        if len < MIN_EXTENSION_LEN || len > rest.len() {
            break;
        }
        end += len;
        last_len = len;
    }
    let mac_len = message.len().saturating_sub(end);
    let crypto_nak = mac_len == KEY_ID_LEN && be32(message, end) == 0;
    if mac_len != 0 && !crypto_nak && mac_len < MIN_MAC_LEN {
        end -= last_len;
    }
    end.min(message.len().max(HEADER_LEN))
}

/// The extension fields of a message, in order.
#[derive(Debug, Clone)]
pub struct ExtensionFields<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> ExtensionFields<'a> {
    /// The fields between the header and `extensions_end(message)`.
    pub fn new(message: &'a [u8]) -> ExtensionFields<'a> {
        let end = extensions_end(message);
        ExtensionFields {
            rest: message.get(HEADER_LEN..end).unwrap_or(&[]),
            offset: HEADER_LEN,
        }
    }
}

impl<'a> Iterator for ExtensionFields<'a> {
    type Item = ExtensionField<'a>;
    fn next(&mut self) -> Option<ExtensionField<'a>> {
        let (rest, (field_type, length, value)) = extension_field(self.rest).ok()?;
        let field = ExtensionField {
            field_type,
            length,
            value,
            offset: self.offset,
        };
        self.offset += self.rest.len() - rest.len();
        self.rest = rest;
        Some(field)
    }
}

/// The message authentication code: key identifier and digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mac<'a> {
    pub key_id: u32,
    #[serde(skip)]
    pub digest: &'a [u8],
    /// Offset of the key identifier from the start of the message.
    pub offset: usize,
}

/// What a MAC's digest length says about its algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MacKind {
    /// Key ID only (RFC 5905: a crypto-NAK when the key ID is 0).
    KeyIdOnly,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    /// A digest of a length no known algorithm produces.
    Unknown,
}

impl Mac<'_> {
    pub fn kind(&self) -> MacKind {
        match self.digest.len() {
            0 => MacKind::KeyIdOnly,
            16 => MacKind::Md5,
            20 => MacKind::Sha1,
            32 => MacKind::Sha256,
            48 => MacKind::Sha384,
            64 => MacKind::Sha512,
            _ => MacKind::Unknown,
        }
    }

    /// The tree's description of the MAC.
    pub fn description(&self) -> &'static str {
        match self.kind() {
            MacKind::KeyIdOnly if self.key_id == 0 => "crypto-NAK (key ID 0, no digest)",
            MacKind::KeyIdOnly => "key ID only, no digest",
            MacKind::Md5 => "16-byte digest (MD5 or AES-128-CMAC)",
            MacKind::Sha1 => "20-byte digest (SHA-1)",
            MacKind::Sha256 => "32-byte digest (SHA-256)",
            MacKind::Sha384 => "48-byte digest (SHA-384)",
            MacKind::Sha512 => "64-byte digest (SHA-512)",
            MacKind::Unknown => "digest of unexpected length (no standard algorithm)",
        }
    }
}

/// The MAC after the extension fields, if at least a key ID is there.
pub fn mac(message: &[u8]) -> Option<Mac<'_>> {
    let start = extensions_end(message);
    let key = message.get(start..)?.first_chunk::<KEY_ID_LEN>()?;
    Some(Mac {
        key_id: u32::from_be_bytes(*key),
        digest: message.get(start + KEY_ID_LEN..).unwrap_or(&[]),
        offset: start,
    })
}

/// IANA "NTP Extension Field Types" (with RFC 8915's NTS fields).
pub fn extension_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0002 => "No-Operation Request",
        0x0102 => "Association Message Request",
        0x0104 => "Unique Identifier",
        0x0202 => "Certificate Message Request",
        0x0204 => "NTS Cookie",
        0x0302 => "Cookie Message Request",
        0x0304 => "NTS Cookie Placeholder",
        0x0402 => "Autokey Message Request",
        0x0404 => "NTS Authenticator and Encrypted Extension Fields",
        0x0502 => "Leapseconds Message Request",
        0x0602 => "Sign Message Request",
        0x0702 => "IFF Identity Message Request",
        0x0802 => "GQ Identity Message Request",
        0x0902 => "MV Identity Message Request",
        0x2005 => "Checksum Complement",
        0x8002 => "No-Operation Response",
        0x8102 => "Association Message Response",
        0x8202 => "Certificate Message Response",
        0x8302 => "Cookie Message Response",
        0x8402 => "Autokey Message Response",
        0x8502 => "Leapseconds Message Response",
        0x8602 => "Sign Message Response",
        0x8702 => "IFF Identity Message Response",
        0x8802 => "GQ Identity Message Response",
        0x8902 => "MV Identity Message Response",
        0xc002 => "No-Operation Error Response",
        0xc102 => "Association Message Error Response",
        0xc202 => "Certificate Message Error Response",
        0xc302 => "Cookie Message Error Response",
        0xc402 => "Autokey Message Error Response",
        0xc502 => "Leapseconds Message Error Response",
        0xc602 => "Sign Message Error Response",
        0xc702 => "IFF Identity Message Error Response",
        0xc802 => "GQ Identity Message Error Response",
        0xc902 => "MV Identity Message Error Response",
        0xf323 => "Monotonic Timestamp & Root Delay/Dispersion (exp)",
        0xf324 => "Network PTP Time correction (exp)",
        _ => return None,
    })
}

fn names_ext_type(v: u64) -> Option<&'static str> {
    extension_type_name(v as u16)
}

/// NTS authenticator type: the value starts with the nonce and ciphertext
/// lengths (RFC 8915 section 5.6).
const NTS_AUTHENTICATOR: u16 = 0x0404;

pub static EXT: FieldDef = FieldDef::new("ntp.ext", "Extension", FieldType::None);
pub static EXT_TYPE: FieldDef = FieldDef::new("ntp.ext.type", "Field Type", FieldType::Uint(16))
    .base(Base::Hex)
    .names(names_ext_type);
pub static EXT_LENGTH: FieldDef = FieldDef::new("ntp.ext.length", "Length", FieldType::Uint(16));
pub static EXT_VALUE: FieldDef = FieldDef::new("ntp.ext.value", "Value", FieldType::Bytes);
pub static EXT_NTS_NONCE_LEN: FieldDef = FieldDef::new(
    "ntp.ext.nts.nonce_length",
    "Nonce Length",
    FieldType::Uint(16),
);
pub static EXT_NTS_CIPHERTEXT_LEN: FieldDef = FieldDef::new(
    "ntp.ext.nts.ciphertext_length",
    "Ciphertext Length",
    FieldType::Uint(16),
);
pub static EXT_NTS_NONCE: FieldDef = FieldDef::new("ntp.ext.nts.nonce", "Nonce", FieldType::Bytes);
pub static EXT_NTS_CIPHERTEXT: FieldDef =
    FieldDef::new("ntp.ext.nts.ciphertext", "Ciphertext", FieldType::Bytes);
pub static KEYID: FieldDef = FieldDef::new("ntp.keyid", "Key ID", FieldType::Bytes);
pub static MAC: FieldDef =
    FieldDef::new("ntp.mac", "Message Authentication Code", FieldType::Bytes);
pub static MAC_KIND: FieldDef = FieldDef::new("ntp.mac.kind", "MAC", FieldType::Str);

/// Adds the extension fields and the MAC of a time message to the tree.
/// `message` holds the captured bytes of the whole NTP message.
pub fn add_trailer(cx: &mut Context<'_>, message: &[u8]) {
    for field in ExtensionFields::new(message) {
        let start = field.offset;
        let end = start + usize::from(field.length);
        cx.push(&EXT, start..end, Value::None);
        cx.add(
            &EXT_TYPE,
            start..start + 2,
            Value::U64(field.field_type.into()),
        );
        cx.add(
            &EXT_LENGTH,
            start + 2..start + 4,
            Value::U64(field.length.into()),
        );
        if field.length % 4 != 0 {
            cx.malformed(start + 2, "extension field length is not a multiple of 4");
        }
        cx.add(&EXT_VALUE, start + 4..end, Value::Bytes);
        if field.field_type == NTS_AUTHENTICATOR {
            add_nts_authenticator(cx, field.value, start + 4);
        }
        cx.pop();
    }
    if let Some(mac) = mac(message) {
        let key = mac.offset;
        cx.add(&KEYID, key..key + KEY_ID_LEN, Value::Bytes);
        if !mac.digest.is_empty() {
            cx.add(&MAC, key + KEY_ID_LEN..message.len(), Value::Bytes);
        }
        cx.generated(
            &MAC_KIND,
            key..message.len(),
            Value::Static(mac.description()),
        );
    }
}

/// Nonce length, ciphertext length, nonce, ciphertext (each padded).
fn add_nts_authenticator(cx: &mut Context<'_>, value: &[u8], at: usize) {
    let Some(&[n0, n1, c0, c1]) = value.first_chunk::<4>() else {
        return;
    };
    let nonce_len = usize::from(u16::from_be_bytes([n0, n1]));
    let cipher_len = usize::from(u16::from_be_bytes([c0, c1]));
    cx.add(&EXT_NTS_NONCE_LEN, at..at + 2, Value::U64(nonce_len as u64));
    cx.add(
        &EXT_NTS_CIPHERTEXT_LEN,
        at + 2..at + 4,
        Value::U64(cipher_len as u64),
    );
    let nonce_start = at + 4;
    let cipher_start = nonce_start + nonce_len.div_ceil(4) * 4;
    if 4 + nonce_len.div_ceil(4) * 4 + cipher_len > value.len() {
        return;
    }
    cx.add(
        &EXT_NTS_NONCE,
        nonce_start..nonce_start + nonce_len,
        Value::Bytes,
    );
    cx.add(
        &EXT_NTS_CIPHERTEXT,
        cipher_start..cipher_start + cipher_len,
        Value::Bytes,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(trailer: &[u8]) -> Vec<u8> {
        let mut m = vec![0x23; HEADER_LEN];
        m.extend_from_slice(trailer);
        m
    }

    fn ext(field_type: u16, len: u16) -> Vec<u8> {
        let mut e = field_type.to_be_bytes().to_vec();
        e.extend(len.to_be_bytes());
        e.resize(usize::from(len), 0xab);
        e
    }

    #[test]
    fn header_only() {
        let m = message(&[]);
        assert_eq!(extensions_end(&m), 48);
        assert_eq!(ExtensionFields::new(&m).count(), 0);
        assert!(mac(&m).is_none());
    }

    #[test]
    fn md5_and_sha1_macs_are_not_extensions() {
        for digest in [16, 20] {
            let mut t = vec![0, 0, 0, 8];
            t.extend(vec![0x11; digest]);
            let m = message(&t);
            assert_eq!(extensions_end(&m), 48);
            let mac = mac(&m).unwrap();
            assert_eq!(mac.key_id, 8);
            assert_eq!(mac.digest.len(), digest);
        }
    }

    #[test]
    fn sha256_mac_whose_key_id_looks_like_a_long_extension() {
        // Key ID 0x00010024: as an extension field its "length" 0x24 = 36
        // fits the 36 remaining bytes, but then nothing is left for a MAC,
        // which is fine only if it really was an extension field.
        let mut t = vec![0, 1, 0, 0x24];
        t.extend(vec![0x22; 32]);
        let m = message(&t);
        // The walk accepts it as a field and the remainder (0) is no MAC.
        assert_eq!(extensions_end(&m), 84);
        // A key ID whose low half is small is never a field.
        let mut t = vec![0, 0, 0, 7];
        t.extend(vec![0x22; 32]);
        let m = message(&t);
        assert_eq!(extensions_end(&m), 48);
        assert_eq!(mac(&m).unwrap().kind(), MacKind::Sha256);
    }

    #[test]
    fn crypto_nak_and_key_id_only() {
        let m = message(&[0, 0, 0, 0]);
        let mac = mac(&m).unwrap();
        assert_eq!(mac.kind(), MacKind::KeyIdOnly);
        assert!(mac.description().starts_with("crypto-NAK"));
    }

    #[test]
    fn extensions_then_mac() {
        let mut t = ext(0x0104, 36);
        t.extend(ext(0x0204, 104));
        t.extend([0, 0, 0, 1]);
        t.extend(vec![0x33; 20]);
        let m = message(&t);
        let fields: Vec<_> = ExtensionFields::new(&m).collect();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].offset, 48);
        assert_eq!(fields[1].offset, 84);
        assert_eq!(fields[1].type_name(), Some("NTS Cookie"));
        let mac = mac(&m).unwrap();
        assert_eq!(
            (mac.offset, mac.key_id, mac.kind()),
            (188, 1, MacKind::Sha1)
        );
    }

    #[test]
    fn last_field_given_back_when_the_rest_is_too_short_for_a_mac() {
        // A 16-byte "field" followed by 8 bytes: 8 is no MAC, so the 24
        // bytes are a key ID and a 20-byte digest.
        let mut t = ext(0x0002, 16);
        t.extend([1; 8]);
        let m = message(&t);
        assert_eq!(extensions_end(&m), 48);
        assert_eq!(mac(&m).unwrap().digest.len(), 20);
    }

    #[test]
    fn extensions_without_mac() {
        let mut t = ext(0x0104, 36);
        t.extend(ext(0x0404, 40));
        let m = message(&t);
        assert_eq!(extensions_end(&m), m.len());
        assert_eq!(ExtensionFields::new(&m).count(), 2);
        assert!(mac(&m).is_none());
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..120 {
            let m: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let end = extensions_end(&m);
            assert!(end >= HEADER_LEN.min(m.len()) || m.len() < HEADER_LEN);
            let _ = ExtensionFields::new(&m).count();
            let _ = mac(&m);
        }
    }
}
