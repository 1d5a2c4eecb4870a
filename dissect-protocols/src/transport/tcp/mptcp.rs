//! Multipath TCP options (TCP option kind 30; RFC 8684, RFC 6824 for
//! version 0): Wireshark's fields for the tree and tcpdump's text.
//!
//! Every function takes the whole option (kind and length bytes first), so
//! offsets below are the ones the RFC's diagrams use.

use std::fmt::{self, Write};

use dissect_core::field::{write_ipv4, write_ipv6};
use dissect_core::{Base, Context, FieldDef, FieldType, Value};

use crate::wire::{array, be16, be32, byte};

/// Option subtypes (the high nibble of the third byte).
pub mod subtype {
    pub const CAPABLE: u8 = 0;
    pub const JOIN: u8 = 1;
    pub const DSS: u8 = 2;
    pub const ADD_ADDR: u8 = 3;
    pub const REMOVE_ADDR: u8 = 4;
    pub const PRIO: u8 = 5;
    pub const FAIL: u8 = 6;
    pub const FAST_CLOSE: u8 = 7;
    pub const TCP_RST: u8 = 8;
}

/// DSS flag bits (RFC 8684 §3.3).
mod dss {
    pub const DATA_FIN: u8 = 0x10;
    pub const DSN8: u8 = 0x08;
    pub const DSN_PRESENT: u8 = 0x04;
    pub const ACK8: u8 = 0x02;
    pub const ACK_PRESENT: u8 = 0x01;
}

const TH_SYN: u8 = 0x02;
const TH_ACK: u8 = 0x10;

fn be64(data: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(array(data, at))
}

fn names_subtype(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Multipath Capable",
        1 => "Join Connection",
        2 => "Data Sequence Signal",
        3 => "Add Address",
        4 => "Remove Address",
        5 => "Change Subflow Priority",
        6 => "Fallback",
        7 => "Fast Close",
        8 => "Subflow Reset",
        _ => return None,
    })
}

const fn flag(abbrev: &'static str, name: &'static str, mask: u64) -> FieldDef {
    FieldDef::new(abbrev, name, FieldType::Uint(8)).mask(mask)
}

pub static SUBTYPE: FieldDef = FieldDef::new(
    "tcp.options.mptcp.subtype",
    "Multipath TCP subtype",
    FieldType::Uint(8),
)
.mask(0xf0)
.names(names_subtype);
pub static VERSION: FieldDef = FieldDef::new(
    "tcp.options.mptcp.version",
    "Multipath TCP version",
    FieldType::Uint(8),
)
.mask(0x0f);
pub static RESERVED: FieldDef = FieldDef::new(
    "tcp.options.mptcp.reserved",
    "Reserved",
    FieldType::Uint(16),
)
.mask(0x0fff)
.base(Base::Hex);
pub static FLAGS: FieldDef = FieldDef::new(
    "tcp.options.mptcp.flags",
    "Multipath TCP flags",
    FieldType::Uint(8),
)
.base(Base::Hex);
pub static BACKUP: FieldDef = flag("tcp.options.mptcp.backup.flag", "Backup flag", 0x01);
pub static CHECKSUM_REQ: FieldDef = flag(
    "tcp.options.mptcp.checksumreq.flags",
    "Checksum required",
    0x80,
);
pub static EXTENSIBILITY: FieldDef = flag(
    "tcp.options.mptcp.extensibility.flag",
    "Extensibility",
    0x40,
);
pub static NO_MORE_SUBFLOWS: FieldDef = flag(
    "tcp.options.mptcp.nomoresubflows.flag",
    "Do not attempt to establish new subflows to this address and port",
    0x20,
);
pub static SHA1: FieldDef = flag("tcp.options.mptcp.sha1.flag", "Use HMAC-SHA1", 0x01);
pub static SHA256: FieldDef = flag("tcp.options.mptcp.sha256.flag", "Use HMAC-SHA256", 0x01);
pub static RESERVED_FLAG: FieldDef =
    flag("tcp.options.mptcp.reserved.flag", "Reserved", 0x3e).base(Base::Hex);
pub static DATA_FIN: FieldDef = flag("tcp.options.mptcp.datafin.flag", "DATA_FIN", 0x10);
pub static DSN8: FieldDef = flag(
    "tcp.options.mptcp.dseqn8.flag",
    "Data Sequence Number is 8 octets",
    0x08,
);
pub static DSN_PRESENT: FieldDef = flag(
    "tcp.options.mptcp.dseqnpresent.flag",
    "Data Sequence Number, Subflow Sequence Number, Data-level Length, Checksum present",
    0x04,
);
pub static ACK8: FieldDef = flag(
    "tcp.options.mptcp.dataack8.flag",
    "Data ACK is 8 octets",
    0x02,
);
pub static ACK_PRESENT: FieldDef = flag(
    "tcp.options.mptcp.dataackpresent.flag",
    "Data ACK is present",
    0x01,
);
pub static FLAG_U: FieldDef =
    FieldDef::new("tcp.options.mptcp.flag_U.flag", "Flag U", FieldType::Bool).mask(0x08);
pub static FLAG_V: FieldDef =
    FieldDef::new("tcp.options.mptcp.flag_V.flag", "Flag V", FieldType::Bool).mask(0x04);
pub static FLAG_W: FieldDef =
    FieldDef::new("tcp.options.mptcp.flag_W.flag", "Flag W", FieldType::Bool).mask(0x02);
pub static FLAG_T: FieldDef = FieldDef::new(
    "tcp.options.mptcp.flag_T.flag",
    "Transient",
    FieldType::Bool,
)
.mask(0x01);
pub static RST_REASON: FieldDef = FieldDef::new(
    "tcp.options.mptcp.rst_reason",
    "TCPRST Reason",
    FieldType::Uint(8),
)
.base(Base::Hex);
pub static ADDR_ID: FieldDef =
    FieldDef::new("tcp.options.mptcp.addrid", "Address ID", FieldType::Uint(8));
pub static SEND_KEY: FieldDef = FieldDef::new(
    "tcp.options.mptcp.sendkey",
    "Sender's Key",
    FieldType::Uint(64),
);
pub static RECV_KEY: FieldDef = FieldDef::new(
    "tcp.options.mptcp.recvkey",
    "Receiver's Key",
    FieldType::Uint(64),
);
pub static RECV_TOKEN: FieldDef = FieldDef::new(
    "tcp.options.mptcp.recvtok",
    "Receiver's Token",
    FieldType::Uint(32),
);
pub static SEND_RAND: FieldDef = FieldDef::new(
    "tcp.options.mptcp.sendrand",
    "Sender's Random Number",
    FieldType::Uint(32),
);
pub static SEND_TRUNC_HMAC: FieldDef = FieldDef::new(
    "tcp.options.mptcp.sendtrunchmac",
    "Sender's Truncated HMAC",
    FieldType::Uint(64),
);
pub static SEND_HMAC: FieldDef = FieldDef::new(
    "tcp.options.mptcp.sendhmac",
    "Sender's HMAC",
    FieldType::Bytes,
);
pub static ADD_ADDR_TRUNC_HMAC: FieldDef = FieldDef::new(
    "tcp.options.mptcp.addaddrtrunchmac",
    "Truncated HMAC",
    FieldType::Uint(64),
);
pub static RAW_DATA_ACK: FieldDef = FieldDef::new(
    "tcp.options.mptcp.rawdataack",
    "Original MPTCP Data ACK",
    FieldType::Uint(64),
);
pub static RAW_DATA_SEQ: FieldDef = FieldDef::new(
    "tcp.options.mptcp.rawdataseqno",
    "Data Sequence Number",
    FieldType::Uint(64),
);
pub static SUBFLOW_SEQ: FieldDef = FieldDef::new(
    "tcp.options.mptcp.subflowseqno",
    "Subflow Sequence Number",
    FieldType::Uint(32),
);
pub static DATA_LEVEL_LEN: FieldDef = FieldDef::new(
    "tcp.options.mptcp.datalvllen",
    "Data-level Length",
    FieldType::Uint(16),
);
pub static CHECKSUM: FieldDef = FieldDef::new(
    "tcp.options.mptcp.checksum",
    "Checksum",
    FieldType::Uint(16),
)
.base(Base::Hex);
pub static IP_VERSION: FieldDef =
    FieldDef::new("tcp.options.mptcp.ipver", "IP version", FieldType::Uint(8)).mask(0x0f);
pub static ECHO: FieldDef =
    FieldDef::new("tcp.options.mptcp.echo", "Echo", FieldType::Uint(8)).mask(0x01);
pub static IPV4: FieldDef = FieldDef::new(
    "tcp.options.mptcp.ipv4",
    "Advertised IPv4 Address",
    FieldType::Ipv4,
);
pub static IPV6: FieldDef = FieldDef::new(
    "tcp.options.mptcp.ipv6",
    "Advertised IPv6 Address",
    FieldType::Ipv6,
);
pub static PORT: FieldDef = FieldDef::new(
    "tcp.options.mptcp.port",
    "Advertised port",
    FieldType::Uint(16),
);

/// Adds the fields of one MPTCP option (`option` = all of its bytes, starting
/// at layer offset `at`) as Wireshark 4.0 lays them out.
pub fn add_fields(cx: &mut Context<'_>, at: usize, option: &[u8]) {
    let len = option.len();
    if len < 3 {
        return;
    }
    let third = byte(option, 2);
    let sub = third >> 4;
    let u8_at = |i: usize| Value::U64(byte(option, i).into());
    let u32_at = |i: usize| Value::U64(be32(option, i).into());
    let u64_at = |i: usize| Value::U64(be64(option, i));
    let r = |i: usize, n: usize| at + i..at + i + n;
    cx.add(&SUBTYPE, r(2, 1), Value::U64(sub.into()));
    match sub {
        subtype::CAPABLE => {
            let version = third & 0x0f;
            cx.add(&VERSION, r(2, 1), Value::U64(version.into()));
            if len < 4 {
                return;
            }
            let flags = byte(option, 3);
            cx.push(&FLAGS, r(3, 1), u8_at(3));
            cx.add(&CHECKSUM_REQ, r(3, 1), Value::U64(u64::from(flags >> 7)));
            cx.add(
                &EXTENSIBILITY,
                r(3, 1),
                Value::U64(u64::from(flags >> 6 & 1)),
            );
            if version == 0 {
                cx.add(&SHA1, r(3, 1), Value::U64(u64::from(flags & 1)));
            } else {
                cx.add(
                    &NO_MORE_SUBFLOWS,
                    r(3, 1),
                    Value::U64(u64::from(flags >> 5 & 1)),
                );
                cx.add(&SHA256, r(3, 1), Value::U64(u64::from(flags & 1)));
            }
            cx.add(&RESERVED_FLAG, r(3, 1), Value::U64(u64::from(flags & 0x3e)));
            cx.pop();
            if len >= 12 {
                cx.add(&SEND_KEY, r(4, 8), u64_at(4));
            }
            if len >= 20 {
                cx.add(&RECV_KEY, r(12, 8), u64_at(12));
            }
            if len >= 22 {
                cx.add(
                    &DATA_LEVEL_LEN,
                    r(20, 2),
                    Value::U64(be16(option, 20).into()),
                );
            }
        }
        subtype::JOIN => match len {
            12 | 16 => {
                cx.push(&FLAGS, r(2, 1), u8_at(2));
                cx.add(&BACKUP, r(2, 1), Value::U64(u64::from(third & 1)));
                cx.pop();
                cx.add(&ADDR_ID, r(3, 1), u8_at(3));
                if len == 12 {
                    cx.add(&RECV_TOKEN, r(4, 4), u32_at(4));
                    cx.add(&SEND_RAND, r(8, 4), u32_at(8));
                } else {
                    cx.add(&SEND_TRUNC_HMAC, r(4, 8), u64_at(4));
                    cx.add(&SEND_RAND, r(12, 4), u32_at(12));
                }
            }
            24 => {
                let reserved = be16(option, 2) & 0x0fff;
                cx.add(&RESERVED, r(2, 2), Value::U64(reserved.into()));
                cx.add(&SEND_HMAC, r(4, 20), Value::Bytes);
            }
            _ => {}
        },
        subtype::DSS => {
            if len < 4 {
                return;
            }
            let flags = byte(option, 3);
            cx.push(&FLAGS, r(3, 1), u8_at(3));
            for (def, bit) in [
                (&DATA_FIN, dss::DATA_FIN),
                (&DSN8, dss::DSN8),
                (&DSN_PRESENT, dss::DSN_PRESENT),
                (&ACK8, dss::ACK8),
                (&ACK_PRESENT, dss::ACK_PRESENT),
            ] {
                cx.add(def, r(3, 1), Value::U64(u64::from(flags & bit != 0)));
            }
            cx.pop();
            let mut i = 4;
            if flags & dss::ACK_PRESENT != 0 {
                let n = if flags & dss::ACK8 != 0 { 8 } else { 4 };
                if i + n > len {
                    return;
                }
                let ack = if n == 8 {
                    be64(option, i)
                } else {
                    be32(option, i).into()
                };
                cx.add(&RAW_DATA_ACK, r(i, n), Value::U64(ack));
                i += n;
            }
            if flags & dss::DSN_PRESENT != 0 {
                let n = if flags & dss::DSN8 != 0 { 8 } else { 4 };
                if i + n + 6 > len {
                    return;
                }
                let dsn = if n == 8 {
                    be64(option, i)
                } else {
                    be32(option, i).into()
                };
                cx.add(&RAW_DATA_SEQ, r(i, n), Value::U64(dsn));
                i += n;
                cx.add(&SUBFLOW_SEQ, r(i, 4), u32_at(i));
                cx.add(
                    &DATA_LEVEL_LEN,
                    r(i + 4, 2),
                    Value::U64(be16(option, i + 4).into()),
                );
                i += 6;
                if i + 2 <= len {
                    cx.add(&CHECKSUM, r(i, 2), Value::U64(be16(option, i).into()));
                }
            }
        }
        subtype::ADD_ADDR => {
            let ipver = third & 0x0f;
            if ipver == 4 || ipver == 6 {
                cx.add(&IP_VERSION, r(2, 1), Value::U64(ipver.into()));
            } else {
                cx.add(&ECHO, r(2, 1), Value::U64(u64::from(third & 1)));
            }
            if len < 4 {
                return;
            }
            cx.add(&ADDR_ID, r(3, 1), u8_at(3));
            let addr_len = match len {
                8 | 10 | 16 | 18 => 4,
                20 | 22 | 28 | 30 => 16,
                _ => return,
            };
            if addr_len == 4 {
                cx.add(&IPV4, r(4, 4), Value::Ipv4(array(option, 4)));
            } else {
                cx.add(&IPV6, r(4, 16), Value::Ipv6(array(option, 4)));
            }
            let mut i = 4 + addr_len;
            if matches!(len, 10 | 18 | 22 | 30) {
                cx.add(&PORT, r(i, 2), Value::U64(be16(option, i).into()));
                i += 2;
            }
            if matches!(len, 16 | 18 | 28 | 30) {
                cx.add(&ADD_ADDR_TRUNC_HMAC, r(i, 8), u64_at(i));
            }
        }
        subtype::REMOVE_ADDR => {
            for i in 3..len {
                cx.add(&ADDR_ID, r(i, 1), u8_at(i));
            }
        }
        subtype::PRIO => {
            cx.push(&FLAGS, r(2, 1), u8_at(2));
            cx.add(&BACKUP, r(2, 1), Value::U64(u64::from(third & 1)));
            cx.pop();
            if len >= 4 {
                cx.add(&ADDR_ID, r(3, 1), u8_at(3));
            }
        }
        subtype::FAIL | subtype::FAST_CLOSE if len >= 12 => {
            let reserved = be16(option, 2) & 0x0fff;
            cx.add(&RESERVED, r(2, 2), Value::U64(reserved.into()));
            let def = if sub == subtype::FAIL {
                &RAW_DATA_SEQ
            } else {
                &RECV_KEY
            };
            cx.add(def, r(4, 8), u64_at(4));
        }
        subtype::TCP_RST if len >= 4 => {
            cx.push(&FLAGS, r(2, 1), u8_at(2));
            for (def, bit) in [(&FLAG_U, 8), (&FLAG_V, 4), (&FLAG_W, 2), (&FLAG_T, 1)] {
                cx.add(def, r(2, 1), Value::Bool(third & bit != 0));
            }
            cx.pop();
            cx.add(&RST_REASON, r(3, 1), u8_at(3));
        }
        _ => {}
    }
}

/// tcpdump 4.99's text for one MPTCP option, after `mptcp`. Returns false
/// where tcpdump gives up with `[bad opt]` (possibly after printing part).
pub fn write_tcpdump(
    out: &mut impl Write,
    option: &[u8],
    tcp_flags: u8,
) -> Result<bool, fmt::Error> {
    const NAMES: [&str; 9] = [
        "capable",
        "join",
        "dss",
        "add-addr",
        "rem-addr",
        "prio",
        "fail",
        "fast-close",
        "unknown",
    ];
    let len = option.len();
    if len < 3 {
        return Ok(false);
    }
    let third = byte(option, 2);
    let sub = usize::from(third >> 4).min(NAMES.len() - 1);
    // In bounds: `sub` is capped at the last index of `NAMES`.
    #[allow(clippy::indexing_slicing)]
    let name = NAMES[sub];
    write!(out, " {len} {name}")?;
    let syn = tcp_flags & TH_SYN != 0;
    let syn_ack = tcp_flags & (TH_SYN | TH_ACK);
    match sub as u8 {
        subtype::CAPABLE => {
            let fits =
                (matches!(len, 4 | 12) && syn) || (matches!(len, 20 | 22) && syn_ack == TH_ACK);
            if !fits {
                return Ok(false);
            }
            let version = third & 0x0f;
            if version > 1 {
                write!(out, " Unknown Version ({version})")?;
                return Ok(true);
            }
            write!(out, " v{version}")?;
            if byte(option, 3) & 0x80 != 0 {
                out.write_str(" csum")?;
            }
            if len == 12 || len >= 20 {
                write!(out, " {{0x{:x}", be64(option, 4))?;
                if len >= 20 {
                    write!(out, ",0x{:x}", be64(option, 12))?;
                }
                out.write_char('}')?;
            }
        }
        subtype::JOIN => {
            let fits = (len == 12 && syn)
                || (len == 16 && syn_ack == TH_SYN | TH_ACK)
                || (len == 24 && tcp_flags & TH_ACK != 0);
            if !fits {
                return Ok(false);
            }
            if len != 24 {
                if third & 1 != 0 {
                    out.write_str(" backup")?;
                }
                write!(out, " id {}", byte(option, 3))?;
            }
            match len {
                12 => write!(
                    out,
                    " token 0x{:x} nonce 0x{:x}",
                    be32(option, 4),
                    be32(option, 8)
                )?,
                16 => write!(
                    out,
                    " hmac 0x{:x} nonce 0x{:x}",
                    be64(option, 4),
                    be32(option, 12)
                )?,
                _ => {
                    out.write_str(" hmac 0x")?;
                    for b in option.get(4..24).unwrap_or(&[]) {
                        write!(out, "{b:02x}")?;
                    }
                }
            }
        }
        subtype::DSS => return write_dss(out, option, syn),
        subtype::ADD_ADDR => {
            let addr_len = match len {
                8 | 10 | 16 | 18 => 4,
                20 | 22 | 28 | 30 => 16,
                _ => return Ok(false),
            };
            let version = match third & 0x0f {
                6 => "v0-ip6",
                4 => "v0-ip4",
                1 => "v1-echo",
                0 => "v1",
                _ => "[bad version/echo]",
            };
            write!(out, " {version} id {} ", byte(option, 3))?;
            if addr_len == 4 {
                write_ipv4(&array(option, 4), out)?;
            } else {
                write_ipv6(&array(option, 4), out)?;
            }
            let mut i = 4 + addr_len;
            if matches!(len, 10 | 18 | 22 | 30) {
                write!(out, ":{}", be16(option, i))?;
                i += 2;
            }
            if matches!(len, 16 | 18 | 28 | 30) {
                write!(out, " hmac 0x{:x}", be64(option, i))?;
            }
        }
        subtype::REMOVE_ADDR => {
            if len < 4 {
                return Ok(false);
            }
            out.write_str(" id")?;
            for id in option.get(3..).unwrap_or(&[]) {
                write!(out, " {id}")?;
            }
        }
        subtype::PRIO => {
            if len != 3 && len != 4 {
                return Ok(false);
            }
            out.write_str(if third & 1 != 0 {
                " backup"
            } else {
                " non-backup"
            })?;
            if len == 4 {
                write!(out, " id {}", byte(option, 3))?;
            }
        }
        subtype::FAIL | subtype::FAST_CLOSE => {
            if len != 12 {
                return Ok(false);
            }
            if sub as u8 == subtype::FAIL {
                write!(out, " seq {}", be64(option, 4))?;
            } else {
                write!(out, " key 0x{:x}", be64(option, 4))?;
            }
        }
        // tcpdump 4.99 names every later subtype "unknown" and prints nothing more.
        _ => {}
    }
    Ok(true)
}

/// The Data Sequence Signal: data ACK, then the mapping, each 4 or 8 bytes.
fn write_dss(out: &mut impl Write, option: &[u8], syn: bool) -> Result<bool, fmt::Error> {
    let len = option.len();
    if len < 4 || syn {
        return Ok(false);
    }
    let flags = byte(option, 3);
    if flags & dss::DATA_FIN != 0 {
        out.write_str(" fin")?;
    }
    let mut i = 4;
    // Reads a 4- or 8-byte number if it fits in the option.
    let take = |i: &mut usize, wide: bool| {
        let n = if wide { 8 } else { 4 };
        if *i + n > len {
            return None;
        }
        let v = if wide {
            be64(option, *i)
        } else {
            be32(option, *i).into()
        };
        *i += n;
        Some(v)
    };
    if flags & dss::ACK_PRESENT != 0 {
        out.write_str(" ack ")?;
        let Some(ack) = take(&mut i, flags & dss::ACK8 != 0) else {
            return Ok(false);
        };
        write!(out, "{ack}")?;
    }
    if flags & dss::DSN_PRESENT != 0 {
        out.write_str(" seq ")?;
        let Some(dsn) = take(&mut i, flags & dss::DSN8 != 0) else {
            return Ok(false);
        };
        write!(out, "{dsn}")?;
        if i + 4 > len {
            return Ok(false);
        }
        write!(out, " subseq {}", be32(option, i))?;
        i += 4;
        if i + 2 > len {
            return Ok(false);
        }
        write!(out, " len {}", be16(option, i))?;
        i += 2;
        // The checksum is there only when the connection negotiated it.
        if i + 2 <= len {
            write!(out, " csum 0x{:x}", be16(option, i))?;
            i += 2;
        }
    }
    Ok(i == len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(option: &[u8], flags: u8) -> (String, bool) {
        let mut s = String::new();
        let ok = write_tcpdump(&mut s, option, flags).unwrap();
        (s, ok)
    }

    #[test]
    fn capable_and_join() {
        let mut capable = vec![30, 12, 0x00, 0x81];
        capable.extend(0x0102_0304_0506_0708u64.to_be_bytes());
        assert_eq!(
            text(&capable, TH_SYN),
            (" 12 capable v0 csum {0x102030405060708}".into(), true)
        );
        // The same option on a plain ACK is not allowed.
        assert_eq!(text(&capable, TH_ACK), (" 12 capable".into(), false));
        let mut join = vec![30, 12, 0x11, 3];
        join.extend([0xaa, 0xbb, 0xcc, 0xdd, 0x11, 0x22, 0x33, 0x44]);
        assert_eq!(
            text(&join, TH_SYN).0,
            " 12 join backup id 3 token 0xaabbccdd nonce 0x11223344"
        );
    }

    #[test]
    fn dss_and_addresses() {
        let mut dss = vec![30, 28, 0x20, 0x1f];
        dss.extend(7u64.to_be_bytes());
        dss.extend(8u64.to_be_bytes());
        dss.extend([0, 0, 0, 9, 0, 10, 0xab, 0xcd]);
        assert_eq!(
            text(&dss, TH_ACK),
            (
                " 28 dss fin ack 7 seq 8 subseq 9 len 10 csum 0xabcd".into(),
                true
            )
        );
        let short = [30, 12, 0x20, 0x05, 0, 0, 0, 7, 0, 0, 0, 8];
        assert_eq!(text(&short, TH_ACK), (" 12 dss ack 7 seq 8".into(), false));
        let add = [30, 10, 0x30, 5, 10, 0, 0, 9, 0x1f, 0x90];
        assert_eq!(text(&add, TH_ACK).0, " 10 add-addr v1 id 5 10.0.0.9:8080");
        assert_eq!(
            text(&[30, 6, 0x40, 1, 2, 3], TH_ACK).0,
            " 6 rem-addr id 1 2 3"
        );
        assert_eq!(text(&[30, 3, 0x50], TH_ACK).0, " 3 prio non-backup");
        assert_eq!(text(&[30, 4, 0x80, 0], TH_ACK), (" 4 unknown".into(), true));
        assert_eq!(text(&[30, 2], TH_ACK), (String::new(), false));
    }
}
