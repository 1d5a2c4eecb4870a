//! Mode 6 control messages (RFC 9327, what `ntpq` speaks): a 12-byte
//! header, `count` bytes of data (mostly `name=value` text), padding to a
//! multiple of 8 and an optional authenticator.

use std::ops::Range;

use bitflags::bitflags;
use dissect_core::{Base, Context, FieldDef, FieldType, Value};
use nom::number::complete::be_u16;
use nom::IResult;
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{FLAGS, FLAGS_LI, FLAGS_MODE, FLAGS_VN};
use crate::wire::{be16, byte, check_len, Error};

pub mod field_range {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..1;
    pub const FLAGS2: Range<usize> = 1..2;
    pub const SEQUENCE: Range<usize> = 2..4;
    pub const STATUS: Range<usize> = 4..6;
    pub const ASSOCIATION: Range<usize> = 6..8;
    pub const OFFSET: Range<usize> = 8..10;
    pub const COUNT: Range<usize> = 10..12;
}
use field_range as f;

pub const HEADER_LEN: usize = 12;

bitflags! {
    /// The R, E and M bits of the second octet.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct ControlFlags: u8 {
        const RESPONSE = 0x80;
        const ERROR = 0x40;
        const MORE = 0x20;
    }
}

const OPCODE_MASK: u8 = 0x1f;

/// Operation codes (RFC 9327 section 2.2 and ntpd's extensions).
pub mod opcode {
    pub const READ_STATUS: u8 = 1;
    pub const READ_VARIABLES: u8 = 2;
    pub const WRITE_VARIABLES: u8 = 3;
    pub const READ_CLOCK: u8 = 4;
    pub const WRITE_CLOCK: u8 = 5;
    pub const SET_TRAP: u8 = 6;
    pub const ASYNC_MESSAGE: u8 = 7;
    pub const CONFIGURE: u8 = 8;
    pub const SAVE_CONFIG: u8 = 9;
    pub const READ_MRU: u8 = 10;
    pub const READ_ORDERED_LIST: u8 = 11;
    pub const REQUEST_NONCE: u8 = 12;
    pub const UNSET_TRAP: u8 = 31;
}

pub fn opcode_name(op: u8) -> Option<&'static str> {
    Some(match op {
        0 => "reserved",
        opcode::READ_STATUS => "read status",
        opcode::READ_VARIABLES => "read variables",
        opcode::WRITE_VARIABLES => "write variables",
        opcode::READ_CLOCK => "read clock variables",
        opcode::WRITE_CLOCK => "write clock variables",
        opcode::SET_TRAP => "set trap address/port",
        opcode::ASYNC_MESSAGE => "asynchronous message",
        opcode::CONFIGURE => "runtime configuration",
        opcode::SAVE_CONFIG => "save config to file",
        opcode::READ_MRU => "retrieve MRU (mrulist)",
        opcode::READ_ORDERED_LIST => "retrieve ordered list",
        opcode::REQUEST_NONCE => "request a client nonce",
        opcode::UNSET_TRAP => "unset trap address/port",
        _ => return None,
    })
}

/// How the 16-bit status word is to be read (RFC 9327 section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StatusKind {
    /// In requests and for opcodes with no defined status.
    Plain,
    /// Error responses: error code in the high octet.
    Error,
    /// Leap, clock source, event count and code of the system.
    System,
    /// Status bits, selection, event count and code of a peer.
    Peer,
    /// Clock status and event code of a reference clock.
    Clock,
}

/// Typed view of a control message.
#[derive(Debug, Clone, Copy)]
pub struct ControlMessage<'a> {
    data: &'a [u8],
}

impl<'a> ControlMessage<'a> {
    pub fn parse(data: &'a [u8]) -> Result<ControlMessage<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(ControlMessage { data })
    }
    /// A view over bytes whose length the caller checked ([`super::Packet`]);
    /// every accessor also copes with short data.
    pub(crate) fn from_checked(data: &'a [u8]) -> ControlMessage<'a> {
        ControlMessage { data }
    }
    pub fn flags(&self) -> ControlFlags {
        ControlFlags::from_bits_truncate(byte(self.data, f::FLAGS2.start))
    }
    pub fn is_response(&self) -> bool {
        self.flags().contains(ControlFlags::RESPONSE)
    }
    pub fn opcode(&self) -> u8 {
        byte(self.data, f::FLAGS2.start) & OPCODE_MASK
    }
    pub fn sequence(&self) -> u16 {
        be16(self.data, f::SEQUENCE.start)
    }
    pub fn status(&self) -> u16 {
        be16(self.data, f::STATUS.start)
    }
    pub fn association_id(&self) -> u16 {
        be16(self.data, f::ASSOCIATION.start)
    }
    pub fn offset(&self) -> u16 {
        be16(self.data, f::OFFSET.start)
    }
    pub fn count(&self) -> u16 {
        be16(self.data, f::COUNT.start)
    }
    /// The data octets (clipped to what was captured).
    pub fn payload(&self) -> &'a [u8] {
        let end = (HEADER_LEN + usize::from(self.count())).min(self.data.len());
        self.data.get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// Which layout the status word has, as Wireshark decides it: only
    /// responses carry a system, peer or clock status.
    pub fn status_kind(&self) -> StatusKind {
        let flags = self.flags();
        if !flags.contains(ControlFlags::RESPONSE) {
            return StatusKind::Plain;
        }
        if flags.contains(ControlFlags::ERROR) {
            return StatusKind::Error;
        }
        match self.opcode() {
            opcode::READ_STATUS
            | opcode::READ_VARIABLES
            | opcode::WRITE_VARIABLES
            | opcode::ASYNC_MESSAGE => {
                if self.association_id() != 0 {
                    StatusKind::Peer
                } else {
                    StatusKind::System
                }
            }
            opcode::READ_CLOCK | opcode::WRITE_CLOCK => StatusKind::Clock,
            _ => StatusKind::Plain,
        }
    }

    /// A read-status response for association 0 lists every association
    /// with its peer status word.
    pub fn associations(&self) -> Associations<'a> {
        let list = self.opcode() == opcode::READ_STATUS
            && self.association_id() == 0
            && self.is_response();
        Associations {
            rest: if list { self.payload() } else { &[] },
        }
    }

    /// The data as `name=value` variables, for the opcodes whose data is
    /// text (read/write variables and clock variables).
    pub fn variables(&self) -> Variables<'a> {
        let text = match self.opcode() {
            opcode::READ_STATUS if self.association_id() != 0 => true,
            opcode::READ_VARIABLES
            | opcode::WRITE_VARIABLES
            | opcode::READ_CLOCK
            | opcode::WRITE_CLOCK => true,
            _ => false,
        };
        Variables::new(if text { self.payload() } else { &[] })
    }

    /// Padding and authenticator after the data, where Wireshark looks for
    /// them: in requests, and in responses to the opcodes that need
    /// authentication. Ranges are relative to the message.
    pub fn authenticator(&self) -> Option<Authenticator> {
        let authenticated_op = matches!(
            self.opcode(),
            opcode::CONFIGURE
                | opcode::SAVE_CONFIG
                | opcode::READ_MRU
                | opcode::READ_ORDERED_LIST
                | opcode::REQUEST_NONCE
        );
        if self.is_response() && !(authenticated_op && self.count() != 0) {
            return None;
        }
        let data_end = HEADER_LEN + usize::from(self.count());
        let padding = (8 - data_end % 8) % 8;
        let remaining = self.data.len().checked_sub(data_end)?;
        if remaining <= padding {
            return None;
        }
        let key_start = data_end + padding;
        let digest_len = match remaining - padding {
            20 => 16,
            24 => 20,
            _ => return Some(Authenticator::padding_only(data_end..key_start)),
        };
        Some(Authenticator {
            padding: data_end..key_start,
            key_id: Some(key_start..key_start + 4),
            digest: key_start + 4..key_start + 4 + digest_len,
        })
    }
}

/// Where the padding and the authenticator of a control message are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator {
    pub padding: Range<usize>,
    pub key_id: Option<Range<usize>>,
    pub digest: Range<usize>,
}

impl Authenticator {
    fn padding_only(padding: Range<usize>) -> Authenticator {
        Authenticator {
            padding,
            key_id: None,
            digest: 0..0,
        }
    }
}

impl Serialize for ControlMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ControlMessage", 9)?;
        st.serialize_field("response", &self.is_response())?;
        st.serialize_field("error", &self.flags().contains(ControlFlags::ERROR))?;
        st.serialize_field("more", &self.flags().contains(ControlFlags::MORE))?;
        st.serialize_field("opcode", &self.opcode())?;
        st.serialize_field("sequence", &self.sequence())?;
        st.serialize_field("status", &self.status())?;
        st.serialize_field("association_id", &self.association_id())?;
        st.serialize_field("offset", &self.offset())?;
        st.serialize_field("count", &self.count())?;
        st.end()
    }
}

/// (association ID, peer status word) pairs.
#[derive(Debug, Clone)]
pub struct Associations<'a> {
    rest: &'a [u8],
}

fn association(input: &[u8]) -> IResult<&[u8], (u16, u16)> {
    let (rest, id) = be_u16(input)?;
    let (rest, status) = be_u16(rest)?;
    Ok((rest, (id, status)))
}

impl Iterator for Associations<'_> {
    type Item = (u16, u16);
    fn next(&mut self) -> Option<(u16, u16)> {
        let (rest, item) = association(self.rest).ok()?;
        self.rest = rest;
        Some(item)
    }
}

/// One `name=value` (or bare `name`) item of the data, as ranges into the
/// data: the value range leaves out surrounding quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub item: Range<usize>,
    pub name: Range<usize>,
    pub value: Option<Range<usize>>,
}

/// Splits control data into variables: items are separated by commas
/// (followed by optional white space, ntpd ends lines with `\r\n`); a value
/// in double quotes may contain commas.
#[derive(Debug, Clone)]
pub struct Variables<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Variables<'a> {
    pub fn new(text: &'a [u8]) -> Variables<'a> {
        Variables { text, at: 0 }
    }
}

fn is_separator(b: u8) -> bool {
    b == b',' || b.is_ascii_whitespace() || b == 0
}

impl Iterator for Variables<'_> {
    type Item = Variable;
    fn next(&mut self) -> Option<Variable> {
        let text = self.text;
        let mut i = self.at;
        while text.get(i).is_some_and(|&b| is_separator(b)) {
            i += 1;
        }
        if i >= text.len() {
            self.at = i;
            return None;
        }
        let start = i;
        while text.get(i).is_some_and(|&b| b != b'=' && b != b',') {
            i += 1;
        }
        let name_end = trim_end(text, start, i);
        let mut value = None;
        if text.get(i) == Some(&b'=') {
            i += 1;
            if text.get(i) == Some(&b'"') {
                let value_start = i + 1;
                i = value_start;
                while text.get(i).is_some_and(|&b| b != b'"') {
                    i += 1;
                }
                value = Some(value_start..i);
                // Past the closing quote, then to the separator.
                i = (i + 1).min(text.len());
                while text.get(i).is_some_and(|&b| b != b',') {
                    i += 1;
                }
            } else {
                let value_start = i;
                while text.get(i).is_some_and(|&b| b != b',') {
                    i += 1;
                }
                value = Some(value_start..trim_end(text, value_start, i));
            }
        }
        let item_end = trim_end(text, start, i);
        self.at = i;
        Some(Variable {
            item: start..item_end,
            name: start..name_end,
            value,
        })
    }
}

/// `end` moved back over trailing white space (not before `start`).
fn trim_end(text: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && text.get(end - 1).is_some_and(u8::is_ascii_whitespace) {
        end -= 1;
    }
    end
}

fn names_opcode(v: u64) -> Option<&'static str> {
    opcode_name(v as u8)
}

fn names_li(v: u64) -> Option<&'static str> {
    super::leap_name(v as u8)
}

fn names_clock_source(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "unspecified or unknown",
        1 => "Calibrated atomic clock (e.g. HP 5061)",
        2 => "VLF (band 4) or LF (band 5) radio (e.g. OMEGA, WWVB)",
        3 => "HF (band 7) radio (e.g. CHU, MSF, WWV/H)",
        4 => "UHF (band 9) satellite (e.g. GOES, GPS)",
        5 => "local net (e.g. DCN, TSP, DTS)",
        6 => "UDP/NTP",
        7 => "UDP/TIME",
        8 => "eyeball-and-wristwatch",
        9 => "telephone modem (e.g. NIST)",
        _ => return None,
    })
}

fn names_system_event(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "unspecified",
        1 => "frequency correction (drift) file not available",
        2 => "frequency correction started (frequency stepped)",
        3 => "spike detected and ignored, starting stepout timer",
        4 => "frequency training started",
        5 => "clock synchronized",
        6 => "system restart",
        7 => "panic stop (required step greater than panic threshold)",
        8 => "no system peer",
        9 => "leap second insertion/deletion armed",
        10 => "leap second disarmed",
        11 => "leap second inserted or deleted",
        12 => "clock stepped (stepout timer expired)",
        13 => "kernel loop discipline status changed",
        14 => "leapseconds table loaded from file",
        15 => "leapseconds table outdated, updated file needed",
        _ => return None,
    })
}

fn names_peer_selection(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "rejected",
        1 => "passed sanity checks (tests 1 through 8 in Section 3.4.3)",
        2 => "passed correctness checks (intersection algorithm in Section 4.2.1)",
        3 => "passed candidate checks (if limit check implemented)",
        4 => "passed outlier checks (clustering algorithm in Section 4.2.2)",
        5 => "current synchronization source; max distance exceeded (if limit check implemented)",
        6 => "current synchronization source; max distance okay",
        7 => "reserved",
        _ => return None,
    })
}

fn names_peer_event(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "unspecified",
        1 => "association mobilized",
        2 => "association demobilized",
        3 => "peer unreachable (peer.reach was nonzero now zero)",
        4 => "peer reachable (peer.reach was zero now nonzero)",
        5 => "association restarted or timed out",
        6 => "no server found (ntpdate mode)",
        7 => "rate exceeded (kiss code RATE)",
        8 => "access denied (kiss code DENY)",
        9 => "leap armed from server LI code",
        10 => "become system peer",
        11 => "reference clock event (see clock status word)",
        12 => "authentication failure",
        13 => "popcorn spike suppressor",
        14 => "entering interleave mode",
        15 => "interleave error (recovered)",
        _ => return None,
    })
}

fn names_clock_status(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "clock operating within nominals",
        1 => "reply timeout",
        2 => "bad reply format",
        3 => "hardware or software fault",
        4 => "propagation failure",
        5 => "bad date format or value",
        6 => "bad time format or value",
        _ => return None,
    })
}

fn names_error_status(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "unspecified",
        1 => "authentication failure",
        2 => "invalid message length or format",
        3 => "invalid opcode",
        4 => "unknown association identifier",
        5 => "unknown variable name",
        6 => "invalid variable value",
        7 => "administratively prohibited",
        _ => return None,
    })
}

fn names_key_type(v: u64) -> Option<&'static str> {
    match v {
        0 => Some("MD5"),
        1 => Some("SHA"),
        _ => None,
    }
}

pub static FLAGS2: FieldDef =
    FieldDef::new("ntp.ctrl.flags2", "Flags 2", FieldType::Uint(8)).base(Base::Hex);
pub static FLAGS2_R: FieldDef =
    FieldDef::new("ntp.ctrl.flags2.r", "Response bit", FieldType::Uint(8)).mask(0x80);
pub static FLAGS2_ERROR: FieldDef =
    FieldDef::new("ntp.ctrl.flags2.error", "Error bit", FieldType::Uint(8)).mask(0x40);
pub static FLAGS2_MORE: FieldDef =
    FieldDef::new("ntp.ctrl.flags2.more", "More bit", FieldType::Uint(8)).mask(0x20);
pub static FLAGS2_OPCODE: FieldDef =
    FieldDef::new("ntp.ctrl.flags2.opcode", "Opcode", FieldType::Uint(8))
        .mask(0x1f)
        .names(names_opcode);
pub static SEQUENCE: FieldDef = FieldDef::new("ntp.ctrl.sequence", "Sequence", FieldType::Uint(16));
pub static STATUS: FieldDef =
    FieldDef::new("ntp.ctrl.status", "Status", FieldType::Uint(16)).base(Base::Hex);
pub static ERR_STATUS: FieldDef = FieldDef::new(
    "ntp.ctrl.err_status",
    "Error Status Word",
    FieldType::Uint(16),
)
.mask(0xff00)
.names(names_error_status);
pub static SYS_LI: FieldDef = FieldDef::new(
    "ntp.ctrl.sys_status.li",
    "Leap Indicator",
    FieldType::Uint(16),
)
.mask(0xc000)
.names(names_li);
pub static SYS_CLKSRC: FieldDef = FieldDef::new(
    "ntp.ctrl.sys_status.clksrc",
    "Clock Source",
    FieldType::Uint(16),
)
.mask(0x3f00)
.names(names_clock_source);
pub static SYS_COUNT: FieldDef = FieldDef::new(
    "ntp.ctrl.sys_status.count",
    "System Event Counter",
    FieldType::Uint(16),
)
.mask(0x00f0);
pub static SYS_CODE: FieldDef = FieldDef::new(
    "ntp.ctrl.sys_status.code",
    "System Event Code",
    FieldType::Uint(16),
)
.mask(0x000f)
.names(names_system_event);
pub static PEER_CONFIG: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.config",
    "Configured",
    FieldType::Uint(16),
)
.mask(0x8000);
pub static PEER_AUTHENABLE: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.authenable",
    "Authentication enabled",
    FieldType::Uint(16),
)
.mask(0x4000);
pub static PEER_AUTHENTIC: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.authentic",
    "Authentication okay",
    FieldType::Uint(16),
)
.mask(0x2000);
pub static PEER_REACH: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.reach",
    "Reachable",
    FieldType::Uint(16),
)
.mask(0x1000);
pub static PEER_BCAST: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.bcast",
    "Broadcast association",
    FieldType::Uint(16),
)
.mask(0x0800);
pub static PEER_SELECTION: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.selection",
    "Peer Selection",
    FieldType::Uint(16),
)
.mask(0x0700)
.names(names_peer_selection);
pub static PEER_COUNT: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.count",
    "Peer Event Counter",
    FieldType::Uint(16),
)
.mask(0x00f0);
pub static PEER_CODE: FieldDef = FieldDef::new(
    "ntp.ctrl.peer_status.code",
    "Peer Event Code",
    FieldType::Uint(16),
)
.mask(0x000f)
.names(names_peer_event);
pub static CLOCK_STATUS: FieldDef = FieldDef::new(
    "ntp.ctrl.clock_status.status",
    "Clock Status",
    FieldType::Uint(16),
)
.mask(0xff00)
.names(names_clock_status);
pub static CLOCK_CODE: FieldDef = FieldDef::new(
    "ntp.ctrl.clock_status.code",
    "Clock Event Code",
    FieldType::Uint(16),
)
.mask(0x00ff);
pub static ASSOCID: FieldDef =
    FieldDef::new("ntp.ctrl.associd", "AssociationID", FieldType::Uint(16));
pub static OFFSET: FieldDef = FieldDef::new("ntp.ctrl.offset", "Offset", FieldType::Uint(16));
pub static COUNT: FieldDef = FieldDef::new("ntp.ctrl.count", "Count", FieldType::Uint(16));
pub static DATA: FieldDef = FieldDef::new("ntp.ctrl.data", "Data", FieldType::None);
pub static ITEM: FieldDef = FieldDef::new("ntp.ctrl.item", "Item", FieldType::None);
pub static VARIABLE: FieldDef = FieldDef::new("ntp.ctrl.variable", "Variable", FieldType::Str);
pub static VARIABLE_NAME: FieldDef =
    FieldDef::new("ntp.ctrl.variable.name", "Name", FieldType::Str);
pub static VARIABLE_VALUE: FieldDef =
    FieldDef::new("ntp.ctrl.variable.value", "Value", FieldType::Str);
pub static TRAPMSG: FieldDef = FieldDef::new("ntp.ctrl.trapmsg", "Trap message", FieldType::Str);
pub static CONFIGURATION: FieldDef =
    FieldDef::new("ntp.ctrl.configuration", "Configuration", FieldType::Str);
pub static MRU: FieldDef = FieldDef::new("ntp.ctrl.mru", "MRU", FieldType::Str);
pub static ORDLIST: FieldDef = FieldDef::new("ntp.ctrl.ordlist", "Ordered List", FieldType::Str);
pub static NONCE: FieldDef = FieldDef::new("ntp.ctrl.nonce", "Nonce", FieldType::Str);
pub static PADDING: FieldDef = FieldDef::new("ntp.padding", "Padding", FieldType::Bytes);
pub static AUTHENTICATOR: FieldDef =
    FieldDef::new("ntp.authenticator", "Authenticator", FieldType::None);
pub static KEY_TYPE: FieldDef =
    FieldDef::new("ntp.key_type", "Key type", FieldType::Uint(8)).names(names_key_type);
pub static KEY_INDEX: FieldDef =
    FieldDef::new("ntp.key_index", "KeyIndex", FieldType::Uint(32)).base(Base::Hex);
pub static KEY_SIGNATURE: FieldDef =
    FieldDef::new("ntp.key_signature", "Signature", FieldType::Bytes);

/// Adds `def` for each bit field of a status word, value shifted down.
fn add_bits(cx: &mut Context<'_>, defs: &[&'static FieldDef], range: Range<usize>, word: u16) {
    for def in defs {
        let mask = def.bitmask as u16;
        let value = (word & mask) >> mask.trailing_zeros();
        cx.add(def, range.clone(), Value::U64(value.into()));
    }
}

fn add_status(cx: &mut Context<'_>, kind: StatusKind, range: Range<usize>, word: u16) {
    cx.push(&STATUS, range.clone(), Value::U64(word.into()));
    match kind {
        StatusKind::Plain => {}
        StatusKind::Error => add_bits(cx, &[&ERR_STATUS], range, word),
        StatusKind::System => add_bits(
            cx,
            &[&SYS_LI, &SYS_CLKSRC, &SYS_COUNT, &SYS_CODE],
            range,
            word,
        ),
        StatusKind::Peer => add_bits(
            cx,
            &[
                &PEER_CONFIG,
                &PEER_AUTHENABLE,
                &PEER_AUTHENTIC,
                &PEER_REACH,
                &PEER_BCAST,
                &PEER_SELECTION,
                &PEER_COUNT,
                &PEER_CODE,
            ],
            range,
            word,
        ),
        StatusKind::Clock => add_bits(cx, &[&CLOCK_STATUS, &CLOCK_CODE], range, word),
    }
    cx.pop();
}

/// Adds the fields of a control message (`data` = the whole NTP message).
pub fn dissect(cx: &mut Context<'_>, data: &[u8]) {
    let flags = byte(data, 0);
    cx.push(&FLAGS, f::FLAGS, Value::U64(flags.into()));
    add_u8_bits(cx, &[&FLAGS_LI, &FLAGS_VN, &FLAGS_MODE], f::FLAGS, flags);
    cx.pop();
    let Ok(msg) = ControlMessage::parse(data) else {
        cx.need(HEADER_LEN, "NTP control message header");
        return;
    };
    let flags2 = byte(data, f::FLAGS2.start);
    cx.push(&FLAGS2, f::FLAGS2, Value::U64(flags2.into()));
    add_u8_bits(
        cx,
        &[&FLAGS2_R, &FLAGS2_ERROR, &FLAGS2_MORE, &FLAGS2_OPCODE],
        f::FLAGS2,
        flags2,
    );
    cx.pop();
    cx.add(&SEQUENCE, f::SEQUENCE, Value::U64(msg.sequence().into()));
    add_status(cx, msg.status_kind(), f::STATUS, msg.status());
    cx.add(
        &ASSOCID,
        f::ASSOCIATION,
        Value::U64(msg.association_id().into()),
    );
    cx.add(&OFFSET, f::OFFSET, Value::U64(msg.offset().into()));
    cx.add(&COUNT, f::COUNT, Value::U64(msg.count().into()));
    let count = usize::from(msg.count());
    if count > 0 {
        cx.need(HEADER_LEN + count, "NTP control message data");
        add_data(cx, &msg);
    }
    if let Some(auth) = msg.authenticator() {
        if !auth.padding.is_empty() {
            cx.add(&PADDING, auth.padding.clone(), Value::Bytes);
        }
        let end = data.len();
        cx.push(&AUTHENTICATOR, auth.padding.end..end, Value::None);
        if let Some(key) = auth.key_id {
            let algorithm = if auth.digest.len() == 16 { 0 } else { 1 };
            cx.generated(&KEY_TYPE, key.start..key.start, Value::U64(algorithm));
            cx.add(
                &KEY_INDEX,
                key.clone(),
                Value::U64(crate::wire::be32(data, key.start).into()),
            );
            cx.add(&KEY_SIGNATURE, auth.digest, Value::Bytes);
        }
        cx.pop();
    }
}

fn add_u8_bits(cx: &mut Context<'_>, defs: &[&'static FieldDef], range: Range<usize>, octet: u8) {
    for def in defs {
        let mask = def.bitmask as u8;
        let value = (octet & mask) >> mask.trailing_zeros();
        cx.add(def, range.clone(), Value::U64(value.into()));
    }
}

fn add_data(cx: &mut Context<'_>, msg: &ControlMessage<'_>) {
    let data_range = HEADER_LEN..HEADER_LEN + usize::from(msg.count());
    cx.push(&DATA, data_range.clone(), Value::None);
    let text_def = match msg.opcode() {
        opcode::ASYNC_MESSAGE => Some(&TRAPMSG),
        opcode::CONFIGURE | opcode::SAVE_CONFIG => Some(&CONFIGURATION),
        opcode::READ_MRU => Some(&MRU),
        opcode::READ_ORDERED_LIST => Some(&ORDLIST),
        opcode::REQUEST_NONCE => Some(&NONCE),
        _ => None,
    };
    if let Some(def) = text_def {
        cx.add(def, data_range, Value::Str);
    }
    let mut at = HEADER_LEN;
    for (id, status) in msg.associations() {
        cx.push(&ITEM, at..at + 4, Value::None);
        cx.add(&ASSOCID, at..at + 2, Value::U64(id.into()));
        add_status(cx, StatusKind::Peer, at + 2..at + 4, status);
        cx.pop();
        at += 4;
    }
    for var in msg.variables() {
        let shift = |r: &Range<usize>| HEADER_LEN + r.start..HEADER_LEN + r.end;
        cx.push(&VARIABLE, shift(&var.item), Value::Str);
        cx.add(&VARIABLE_NAME, shift(&var.name), Value::Str);
        if let Some(value) = &var.value {
            cx.add(&VARIABLE_VALUE, shift(value), Value::Str);
        }
        cx.pop();
    }
    cx.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(data: &[u8], r: &Range<usize>) -> String {
        String::from_utf8_lossy(&data[r.clone()]).into_owned()
    }

    #[test]
    fn variables_split_on_commas_outside_quotes() {
        let data =
            b"version=\"ntpd 4.2.8p10, x\", processor=\"x86_64\",\r\nleap=0, stratum=3,\r\nsync";
        let vars: Vec<_> = Variables::new(data).collect();
        assert_eq!(vars.len(), 5);
        assert_eq!(text(data, &vars[0].name), "version");
        assert_eq!(
            text(data, vars[0].value.as_ref().unwrap()),
            "ntpd 4.2.8p10, x"
        );
        assert_eq!(text(data, &vars[2].item), "leap=0");
        assert_eq!(text(data, vars[3].value.as_ref().unwrap()), "3");
        assert_eq!(text(data, &vars[4].name), "sync");
        assert!(vars[4].value.is_none());
    }

    #[test]
    fn header_and_status_kind() {
        // Response, read variables, association 0: system status.
        let mut m = vec![0x16, 0x82, 0, 68, 0x06, 0x18, 0, 0, 0, 0, 0, 3];
        m.extend(b"a=1");
        let c = ControlMessage::parse(&m).unwrap();
        assert!(c.is_response());
        assert_eq!(c.opcode(), opcode::READ_VARIABLES);
        assert_eq!(c.sequence(), 68);
        assert_eq!(c.status_kind(), StatusKind::System);
        assert_eq!(c.payload(), b"a=1");
        assert_eq!(c.variables().count(), 1);
        assert!(c.authenticator().is_none());
        // The same as a request: plain status.
        m[1] = 0x02;
        assert_eq!(
            ControlMessage::parse(&m).unwrap().status_kind(),
            StatusKind::Plain
        );
    }

    #[test]
    fn association_list() {
        let mut m = vec![0x16, 0x81, 0, 69, 0x06, 0x18, 0, 0, 0, 0, 0, 8];
        m.extend([0xbe, 0xbd, 0x96, 0x1a, 0xbe, 0xbc, 0x80, 0x11]);
        let c = ControlMessage::parse(&m).unwrap();
        let list: Vec<_> = c.associations().collect();
        assert_eq!(list, vec![(48829, 0x961a), (48828, 0x8011)]);
        assert_eq!(c.variables().count(), 0);
    }

    #[test]
    fn request_authenticator_after_padding() {
        // 12-byte header, 6 bytes of data, 6 of padding, key ID + MD5.
        let mut m = vec![0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 6];
        m.extend(b"ab=12,");
        m.extend([0; 6]);
        m.extend([0, 0, 0, 5]);
        m.extend([0xaa; 16]);
        let c = ControlMessage::parse(&m).unwrap();
        let auth = c.authenticator().unwrap();
        assert_eq!(auth.padding, 18..24);
        assert_eq!(auth.key_id, Some(24..28));
        assert_eq!(auth.digest, 28..44);
    }

    #[test]
    fn short_message_is_an_error() {
        assert!(ControlMessage::parse(&[0x16; 11]).is_err());
    }
}
