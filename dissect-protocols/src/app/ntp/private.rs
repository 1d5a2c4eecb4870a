//! Mode 7 private messages: the request/response protocol of ntpd's `ntpdc`
//! (ntpd's `ntp_request.h`), decoded as Wireshark does. `MON_GETLIST` and
//! `MON_GETLIST_1` ("monlist") return up to 600 client addresses for one
//! small request: the NTP amplification attack vector (CVE-2013-5211).

use std::ops::Range;

use dissect_core::{Base, Context, FieldDef, FieldType, Value};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{
    time_value, FLAGS, FLAGS_MODE, FLAGS_VN, KEYID_FIELD, MAC_FIELD, ORG, PPOLL, PRECISION, REC,
    REFID, REFTIME, ROOTDELAY, ROOTDISPERSION, STRATUM, XMT,
};
use crate::wire::{array, be16, be32, byte, check_len, Error};

pub mod field_range {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..1;
    pub const AUTH_SEQUENCE: Range<usize> = 1..2;
    pub const IMPLEMENTATION: Range<usize> = 2..3;
    pub const REQUEST_CODE: Range<usize> = 3..4;
    /// Error (4 bits) and number of items (12 bits).
    pub const ERROR_ITEMS: Range<usize> = 4..6;
    /// Must-be-zero (4 bits) and item size (12 bits).
    pub const MBZ_ITEM_SIZE: Range<usize> = 6..8;
}
use field_range as f;

pub const HEADER_LEN: usize = 8;
/// ntpd's `XNTPD` implementation number: the only one whose items are known.
pub const IMPL_XNTPD: u8 = 3;
/// Offsets of the authentication trailer of an authenticated request
/// (a 192-byte request: timestamp, key ID, digest).
const AUTH_TIMESTAMP_AT: usize = 184;
const AUTH_KEYID_AT: usize = 192;

/// Request codes ntpdc uses (ntpd's `ntp_request.h`).
pub mod request {
    pub const PEER_LIST: u8 = 0;
    pub const PEER_LIST_SUM: u8 = 1;
    pub const PEER_INFO: u8 = 2;
    pub const PEER_STATS: u8 = 3;
    pub const SYS_INFO: u8 = 4;
    pub const SYS_STATS: u8 = 5;
    pub const IO_STATS: u8 = 6;
    pub const MEM_STATS: u8 = 7;
    pub const LOOP_INFO: u8 = 8;
    pub const TIMER_STATS: u8 = 9;
    pub const MON_GETLIST: u8 = 20;
    pub const AUTHINFO: u8 = 28;
    pub const CTL_STATS: u8 = 34;
    pub const GET_KERNEL: u8 = 38;
    pub const MON_GETLIST_1: u8 = 42;
}

pub fn request_code_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "PEER_LIST",
        1 => "PEER_LIST_SUM",
        2 => "PEER_INFO",
        3 => "PEER_STATS",
        4 => "SYS_INFO",
        5 => "SYS_STATS",
        6 => "IO_STATS",
        7 => "MEM_STATS",
        8 => "LOOP_INFO",
        9 => "TIMER_STATS",
        10 => "CONFIG",
        11 => "UNCONFIG",
        12 => "SET_SYS_FLAG",
        13 => "CLR_SYS_FLAG",
        14 => "MONITOR",
        15 => "NOMONITOR",
        16 => "GET_RESTRICT",
        17 => "RESADDFLAGS",
        18 => "RESSUBFLAGS",
        19 => "UNRESTRICT",
        20 => "MON_GETLIST",
        21 => "RESET_STATS",
        22 => "RESET_PEER",
        23 => "REREAD_KEYS",
        24 => "DO_DIRTY_HACK",
        25 => "DONT_DIRTY_HACK",
        26 => "TRUSTKEY",
        27 => "UNTRUSTKEY",
        28 => "AUTHINFO",
        29 => "TRAPS",
        30 => "ADD_TRAP",
        31 => "CLR_TRAP",
        32 => "REQUEST_KEY",
        33 => "CONTROL_KEY",
        34 => "GET_CTLSTATS",
        35 => "GET_LEAPINFO",
        36 => "GET_CLOCKINFO",
        37 => "SET_CLKFUDGE",
        38 => "GET_KERNEL",
        39 => "GET_CLKBUGINFO",
        40 => "UNASSIGNED",
        41 => "SET_PRECISION",
        42 => "MON_GETLIST_1",
        43 => "HOSTNAME_ASSOCID",
        44 => "IF_STATS",
        45 => "IF_RELOAD",
        _ => return None,
    })
}

/// True for the monlist request codes (the amplification vector).
pub fn is_monlist(code: u8) -> bool {
    code == request::MON_GETLIST || code == request::MON_GETLIST_1
}

pub fn implementation_name(v: u8) -> Option<&'static str> {
    match v {
        0 => Some("UNIV"),
        2 => Some("XNTPD_OLD (pre-IPv6)"),
        3 => Some("XNTPD"),
        _ => None,
    }
}

pub fn error_name(v: u8) -> Option<&'static str> {
    Some(match v {
        0 => "No error",
        1 => "incompatible implementation number",
        2 => "unimplemented request code",
        3 => "format error",
        4 => "no data available",
        5 | 6 => "unknown",
        7 => "authentication failure",
        _ => return None,
    })
}

/// Typed view of a mode 7 message.
#[derive(Debug, Clone, Copy)]
pub struct PrivateMessage<'a> {
    data: &'a [u8],
}

impl<'a> PrivateMessage<'a> {
    pub fn parse(data: &'a [u8]) -> Result<PrivateMessage<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(PrivateMessage { data })
    }
    /// A view over bytes whose length the caller checked ([`super::Packet`]);
    /// every accessor also copes with short data.
    pub(crate) fn from_checked(data: &'a [u8]) -> PrivateMessage<'a> {
        PrivateMessage { data }
    }
    pub fn is_response(&self) -> bool {
        byte(self.data, 0) & 0x80 != 0
    }
    pub fn more(&self) -> bool {
        byte(self.data, 0) & 0x40 != 0
    }
    pub fn authenticated(&self) -> bool {
        byte(self.data, 1) & 0x80 != 0
    }
    pub fn sequence(&self) -> u8 {
        byte(self.data, 1) & 0x7f
    }
    pub fn implementation(&self) -> u8 {
        byte(self.data, 2)
    }
    pub fn request_code(&self) -> u8 {
        byte(self.data, 3)
    }
    pub fn error(&self) -> u8 {
        byte(self.data, 4) >> 4
    }
    pub fn item_count(&self) -> u16 {
        be16(self.data, 4) & 0x0fff
    }
    pub fn mbz(&self) -> u8 {
        byte(self.data, 6) >> 4
    }
    pub fn item_size(&self) -> u16 {
        be16(self.data, 6) & 0x0fff
    }
    /// The data items with their offsets in the message; items cut by the
    /// capture are left out.
    pub fn items(&self) -> impl Iterator<Item = (usize, &'a [u8])> + 'a {
        let data = self.data;
        let size = usize::from(self.item_size());
        (0..usize::from(self.item_count())).map_while(move |i| {
            let start = HEADER_LEN + size * i;
            Some((start, data.get(start..start + size)?))
        })
    }
    /// monlist entries of a monlist response.
    pub fn monitor_entries(&self) -> impl Iterator<Item = MonitorEntry<'a>> + 'a {
        let extended = self.request_code() == request::MON_GETLIST_1;
        let monlist = self.is_response() && is_monlist(self.request_code());
        self.items()
            .filter(move |_| monlist)
            .map(move |(offset, data)| MonitorEntry {
                data,
                offset,
                extended,
            })
    }
}

impl Serialize for PrivateMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PrivateMessage", 10)?;
        st.serialize_field("response", &self.is_response())?;
        st.serialize_field("more", &self.more())?;
        st.serialize_field("auth", &self.authenticated())?;
        st.serialize_field("sequence", &self.sequence())?;
        st.serialize_field("implementation", &self.implementation())?;
        st.serialize_field("request_code", &self.request_code())?;
        st.serialize_field("request", &request_code_name(self.request_code()))?;
        st.serialize_field("error", &self.error())?;
        st.serialize_field("item_count", &self.item_count())?;
        st.serialize_field("item_size", &self.item_size())?;
        st.end()
    }
}

/// One monlist entry (`struct info_monitor` / `info_monitor_1`).
#[derive(Debug, Clone, Copy)]
pub struct MonitorEntry<'a> {
    data: &'a [u8],
    /// Offset in the message.
    pub offset: usize,
    /// `MON_GETLIST_1` entries also carry the local address and flags.
    pub extended: bool,
}

impl MonitorEntry<'_> {
    pub fn avg_interval(&self) -> u32 {
        be32(self.data, 0)
    }
    pub fn last_interval(&self) -> u32 {
        be32(self.data, 4)
    }
    pub fn restrictions(&self) -> u32 {
        be32(self.data, 8)
    }
    pub fn count(&self) -> u32 {
        be32(self.data, 12)
    }
    pub fn address(&self) -> [u8; 4] {
        array(self.data, 16)
    }
    fn tail(&self) -> usize {
        if self.extended {
            28
        } else {
            20
        }
    }
    pub fn port(&self) -> u16 {
        be16(self.data, self.tail())
    }
    pub fn mode(&self) -> u8 {
        byte(self.data, self.tail() + 2)
    }
    pub fn version(&self) -> u8 {
        byte(self.data, self.tail() + 3)
    }
}

/// How one item slot is read.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Uint,
    Int,
    Ipv4,
    Ipv6,
    Bytes,
    Time,
    PeerFlags,
    SysFlags,
}

/// One field of an item: its definition, size in octets and kind.
struct Slot(&'static FieldDef, usize, Kind);

use Kind::*;

macro_rules! field {
    ($name:ident, $abbrev:literal, $title:literal, $ftype:expr) => {
        pub static $name: FieldDef = FieldDef::new($abbrev, $title, $ftype);
    };
}

field!(ADDR, "ntp.priv.mode7.address", "Address", FieldType::Ipv4);
field!(PORT, "ntp.priv.mode7.port", "Port", FieldType::Uint(16));
pub static HMODE: FieldDef =
    FieldDef::new("ntp.priv.mode7.hmode", "HMode", FieldType::Uint(8)).names(super::names_mode);
pub static PEER_FLAGS: FieldDef =
    FieldDef::new("ntp.priv.mode7.peer.flags", "Flags", FieldType::Uint(8)).base(Base::Hex);
field!(
    V6_FLAG,
    "ntp.priv.mode7.ipv6_flag",
    "IPv6 Flag",
    FieldType::Uint(32)
);
field!(UNUSED, "ntp.priv.mode7.unused", "Unused", FieldType::Bytes);
field!(
    ADDR6,
    "ntp.priv.mode7.address6",
    "IPv6 addr",
    FieldType::Ipv6
);
field!(
    DSTADDR,
    "ntp.priv.mode7.dstaddress",
    "Destination address",
    FieldType::Ipv4
);
field!(
    SRCADDR,
    "ntp.priv.mode7.srcaddress",
    "Source address",
    FieldType::Ipv4
);
field!(
    SRCPORT,
    "ntp.priv.mode7.srcport",
    "Source port",
    FieldType::Uint(16)
);
field!(
    HPOLL,
    "ntp.priv.mode7.hpoll",
    "Host polling interval",
    FieldType::Int(8)
);
field!(REACH, "ntp.priv.mode7.reach", "Reach", FieldType::Uint(8));
field!(DELAY, "ntp.priv.mode7.delay", "Delay", FieldType::Int(32));
field!(
    OFFSET,
    "ntp.priv.mode7.offset",
    "Offset",
    FieldType::Uint(64)
);
field!(
    DISPERSION,
    "ntp.priv.mode7.dispersion",
    "Dispersion",
    FieldType::Uint(32)
);
field!(
    DSTADDR6,
    "ntp.priv.mode7.dstaddress6",
    "IPv6 destination addr",
    FieldType::Ipv6
);
field!(
    SRCADDR6,
    "ntp.priv.mode7.srcaddress6",
    "IPv6 source addr",
    FieldType::Ipv6
);
field!(LEAP, "ntp.priv.mode7.leap", "Leap", FieldType::Uint(8));
pub static PMODE: FieldDef =
    FieldDef::new("ntp.priv.mode7.pmode", "Peer mode", FieldType::Uint(8)).names(super::names_mode);
field!(
    VERSION,
    "ntp.priv.mode7.version",
    "Version",
    FieldType::Uint(8)
);
field!(
    UNREACH,
    "ntp.priv.mode7.unreach",
    "Unreach",
    FieldType::Uint(8)
);
field!(FLASH, "ntp.priv.mode7.flash", "Flash", FieldType::Uint(8));
field!(TTL, "ntp.priv.mode7.ttl", "TTL", FieldType::Uint(8));
field!(
    FLASH2,
    "ntp.priv.mode7.flash2",
    "Flash new",
    FieldType::Uint(16)
);
field!(
    ASSOCID,
    "ntp.priv.mode7.associd",
    "Association ID",
    FieldType::Uint(16)
);
field!(
    PKEYID,
    "ntp.priv.mode7.pkeyid",
    "Peer Key ID",
    FieldType::Uint(32)
);
field!(TIMER, "ntp.priv.mode7.timer", "Timer", FieldType::Uint(32));
field!(
    FILTDELAY,
    "ntp.priv.mode7.filtdelay",
    "Filt delay",
    FieldType::Int(32)
);
field!(
    FILTOFFSET,
    "ntp.priv.mode7.filtoffset",
    "Filt offset",
    FieldType::Int(64)
);
field!(ORDER, "ntp.priv.mode7.order", "Order", FieldType::Uint(8));
field!(
    SELECTDIS,
    "ntp.priv.mode7.selectdis",
    "Selectdis",
    FieldType::Uint(32)
);
field!(
    ESTBDELAY,
    "ntp.priv.mode7.estbdelay",
    "Estbdelay",
    FieldType::Int(32)
);
field!(
    TIMERESET,
    "ntp.priv.mode7.timereset",
    "Time reset",
    FieldType::Uint(32)
);
field!(
    TIMERECEIVED,
    "ntp.priv.mode7.timereceived",
    "Time received",
    FieldType::Uint(32)
);
field!(
    TIMETOSEND,
    "ntp.priv.mode7.timetosend",
    "Time to send",
    FieldType::Uint(32)
);
field!(
    TIMEREACHABLE,
    "ntp.priv.mode7.timereachable",
    "Time reachable",
    FieldType::Uint(32)
);
field!(SENT, "ntp.priv.mode7.sent", "Sent", FieldType::Uint(32));
field!(
    PROCESSED,
    "ntp.priv.mode7.processed",
    "Processed",
    FieldType::Uint(32)
);
field!(
    BADAUTH,
    "ntp.priv.mode7.badauth",
    "Bad authentication",
    FieldType::Uint(32)
);
field!(
    BOGUSORG,
    "ntp.priv.mode7.bogusorg",
    "Bogus origin",
    FieldType::Uint(32)
);
field!(
    OLDPKT,
    "ntp.priv.mode7.oldpkt",
    "Old packet",
    FieldType::Uint(32)
);
field!(
    SELDISP,
    "ntp.priv.mode7.seldisp",
    "Bad dispersion",
    FieldType::Uint(32)
);
field!(
    SELBROKEN,
    "ntp.priv.mode7.selbroken",
    "Bad reference time",
    FieldType::Uint(32)
);
field!(
    CANDIDATE,
    "ntp.priv.mode7.candidate",
    "Candidate",
    FieldType::Uint(32)
);
field!(POLL32, "ntp.priv.mode7.poll", "Poll", FieldType::Uint(32));
pub static SYS_FLAGS8: FieldDef =
    FieldDef::new("ntp.priv.mode7.sys.flags8", "Flags", FieldType::Uint(8)).base(Base::Hex);
field!(
    BDELAY,
    "ntp.priv.mode7.bdelay",
    "Bdelay",
    FieldType::Int(32)
);
field!(FREQ, "ntp.priv.mode7.freq", "Freq", FieldType::Int(32));
field!(
    AUTHDELAY,
    "ntp.priv.mode7.authdelay",
    "Auth delay",
    FieldType::Int(64)
);
field!(
    STABILITY,
    "ntp.priv.mode7.stability",
    "Stability (ppm)",
    FieldType::Uint(32)
);
field!(
    TIMEUP,
    "ntp.priv.mode7.timeup",
    "Time up",
    FieldType::Uint(32)
);
field!(
    DENIED,
    "ntp.priv.mode7.denied",
    "Denied",
    FieldType::Uint(32)
);
field!(
    OLDVERSION,
    "ntp.priv.mode7.oldversion",
    "Old version",
    FieldType::Uint(32)
);
field!(
    NEWVERSION,
    "ntp.priv.mode7.newversion",
    "New version",
    FieldType::Uint(32)
);
field!(
    BADVERSION,
    "ntp.priv.mode7.bad_version",
    "Unknown version packets",
    FieldType::Uint(32)
);
field!(
    BADLENGTH,
    "ntp.priv.mode7.badlength",
    "Bad length",
    FieldType::Uint(32)
);
field!(
    LIMITREJECTED,
    "ntp.priv.mode7.limitrejected",
    "Limit rejected",
    FieldType::Uint(32)
);
field!(
    LAMPORT,
    "ntp.priv.mode7.lamport",
    "Lamport violation",
    FieldType::Uint(32)
);
field!(
    TSROUNDING,
    "ntp.priv.mode7.tsrounding",
    "Timestamp rounding error",
    FieldType::Uint(32)
);
field!(
    TOTALRECVBUFS,
    "ntp.priv.mode7.totalrecvbufs",
    "Total receive buffer",
    FieldType::Uint(16)
);
field!(
    FREERECVBUFS,
    "ntp.priv.mode7.freerecvbufs",
    "Free receive buffer",
    FieldType::Uint(16)
);
field!(
    FULLRECVBUFS,
    "ntp.priv.mode7.fullrecvbufs",
    "Full receive buffer",
    FieldType::Uint(16)
);
field!(
    LOWWATER,
    "ntp.priv.mode7.lowwater",
    "Low water",
    FieldType::Uint(16)
);
field!(
    DROPPED,
    "ntp.priv.mode7.dropped",
    "Dropped packets",
    FieldType::Uint(32)
);
field!(
    IGNORED,
    "ntp.priv.mode7.ignored",
    "Ignored packets",
    FieldType::Uint(32)
);
field!(
    RECEIVED,
    "ntp.priv.mode7.received",
    "Received packets",
    FieldType::Uint(32)
);
field!(
    NOTSENT,
    "ntp.priv.mode7.notsent",
    "Not sent packets",
    FieldType::Uint(32)
);
field!(
    INTERRUPTS,
    "ntp.priv.mode7.interrupts",
    "Interrupts",
    FieldType::Uint(32)
);
field!(
    INT_RECEIVED,
    "ntp.priv.mode7.int_received",
    "Received by interrupt handler",
    FieldType::Uint(32)
);
field!(
    TOTALMEM,
    "ntp.priv.mode7.totalmem",
    "Total memory",
    FieldType::Uint(16)
);
field!(
    FREEMEM,
    "ntp.priv.mode7.freemem",
    "Free memory",
    FieldType::Uint(16)
);
field!(
    FINDPEER_CALLS,
    "ntp.priv.mode7.findpeer_calls",
    "Find peer calls",
    FieldType::Uint(32)
);
field!(
    ALLOCATIONS,
    "ntp.priv.mode7.allocations",
    "Allocations",
    FieldType::Uint(32)
);
field!(
    DEMOBILIZATIONS,
    "ntp.priv.mode7.demobilizations",
    "Demobilizations",
    FieldType::Uint(32)
);
field!(
    HASHCOUNT,
    "ntp.priv.mode7.hashcount",
    "Hashcount",
    FieldType::Bytes
);
field!(
    LAST_OFFSET,
    "ntp.priv.mode7.last_offset",
    "Last offset",
    FieldType::Int(64)
);
field!(
    DRIFT_COMP,
    "ntp.priv.mode7.drift_comp",
    "Drift comp",
    FieldType::Int(64)
);
field!(
    COMPLIANCE,
    "ntp.priv.mode7.compliance",
    "Compliance",
    FieldType::Uint(32)
);
field!(
    WATCHDOG_TIMER,
    "ntp.priv.mode7.watchdog_timer",
    "Watchdog timer",
    FieldType::Uint(32)
);
field!(
    ALARMS,
    "ntp.priv.mode7.alarms",
    "Alarms",
    FieldType::Uint(32)
);
field!(
    OVERFLOWS,
    "ntp.priv.mode7.overflows",
    "Overflows",
    FieldType::Uint(32)
);
field!(
    XMTCALLS,
    "ntp.priv.mode7.xmtcalls",
    "Transmitted calls",
    FieldType::Uint(32)
);
field!(
    NUMKEYS,
    "ntp.priv.mode7.numkeys",
    "Num keys",
    FieldType::Uint(32)
);
field!(
    NUMFREEKEYS,
    "ntp.priv.mode7.numfreekeys",
    "Num free keys",
    FieldType::Uint(32)
);
field!(
    KEYLOOKUPS,
    "ntp.priv.mode7.keylookups",
    "Keylookups",
    FieldType::Uint(32)
);
field!(
    KEYNOTFOUND,
    "ntp.priv.mode7.keynotfound",
    "Key not found",
    FieldType::Uint(32)
);
field!(
    ENCRYPTIONS,
    "ntp.priv.mode7.encryptions",
    "Encryptions",
    FieldType::Uint(32)
);
field!(
    DECRYPTIONS,
    "ntp.priv.mode7.decryptions",
    "Decryptions",
    FieldType::Uint(32)
);
field!(
    EXPIRED,
    "ntp.priv.mode7.expired",
    "Expired",
    FieldType::Uint(32)
);
field!(
    KEYUNCACHED,
    "ntp.priv.mode7.keyuncached",
    "Key uncached",
    FieldType::Uint(32)
);
field!(
    REQUESTS,
    "ntp.priv.mode7.requests",
    "Requests",
    FieldType::Uint(32)
);
field!(
    BAD_PACKETS,
    "ntp.priv.mode7.bad_packets",
    "Bad packets",
    FieldType::Uint(32)
);
field!(
    RESPONSES,
    "ntp.priv.mode7.responses",
    "Responses",
    FieldType::Uint(32)
);
field!(
    FRAGMENTS,
    "ntp.priv.mode7.fragments",
    "Fragments",
    FieldType::Uint(32)
);
field!(
    ERRORS,
    "ntp.priv.mode7.errors",
    "Errors",
    FieldType::Uint(32)
);
field!(
    TOO_SHORT,
    "ntp.priv.mode7.too_short",
    "Too short packets",
    FieldType::Uint(32)
);
field!(
    INPUT_RESPONSES,
    "ntp.priv.mode7.input_responses",
    "Responses on input",
    FieldType::Uint(32)
);
field!(
    INPUT_FRAGMENTS,
    "ntp.priv.mode7.input_fragments",
    "Fragments on input",
    FieldType::Uint(32)
);
field!(
    INPUT_ERRORS,
    "ntp.priv.mode7.input_errors",
    "Errors on input",
    FieldType::Uint(32)
);
field!(
    BAD_OFFSET,
    "ntp.priv.mode7.bad_offset",
    "Non zero offset packets",
    FieldType::Uint(32)
);
field!(
    DATA_TOO_SHORT,
    "ntp.priv.mode7.data_too_short",
    "Data too short",
    FieldType::Uint(32)
);
field!(
    BADOP,
    "ntp.priv.mode7.badop",
    "Bad op code found",
    FieldType::Uint(32)
);
field!(
    ASYNC_MESSAGES,
    "ntp.priv.mode7.async_messages",
    "Async messages",
    FieldType::Uint(32)
);
field!(
    KERNEL_OFFSET,
    "ntp.priv.mode7.kernel_offset",
    "Offset",
    FieldType::Int(32)
);
field!(
    MAXERROR,
    "ntp.priv.mode7.maxerror",
    "Max error",
    FieldType::Int(32)
);
field!(
    ESTERROR,
    "ntp.priv.mode7.esterror",
    "Est error",
    FieldType::Int(32)
);
field!(
    KSTATUS,
    "ntp.priv.mode7.status",
    "Status",
    FieldType::Uint(16)
);
field!(SHIFT, "ntp.priv.mode7.shift", "Shift", FieldType::Uint(16));
field!(
    CONSTANT,
    "ntp.priv.mode7.constant",
    "Constant",
    FieldType::Int(32)
);
field!(
    KPRECISION,
    "ntp.priv.mode7.precision",
    "Precision",
    FieldType::Int(32)
);
field!(
    TOLERANCE,
    "ntp.priv.mode7.tolerance",
    "tolerance",
    FieldType::Int(32)
);
field!(
    PPSFREQ,
    "ntp.priv.mode7.ppsfreq",
    "ppsfreq",
    FieldType::Int(32)
);
field!(
    JITTER,
    "ntp.priv.mode7.jitter",
    "jitter",
    FieldType::Int(32)
);
field!(
    STABIL,
    "ntp.priv.mode7.stabil",
    "stabil",
    FieldType::Int(32)
);
field!(
    JITCNT,
    "ntp.priv.mode7.jitcnt",
    "jitcnt",
    FieldType::Int(32)
);
field!(
    CALCNT,
    "ntp.priv.mode7.calcnt",
    "calcnt",
    FieldType::Int(32)
);
field!(
    ERRCNT,
    "ntp.priv.mode7.errcnt",
    "errcnt",
    FieldType::Int(32)
);
field!(
    STBCNT,
    "ntp.priv.mode7.stbcnt",
    "stbcnt",
    FieldType::Int(32)
);

/// Bits of the peer flags octet (`INFO_FLAG_*`).
pub(crate) static PEER_FLAG_BITS: [FieldDef; 8] = [
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.config",
        "Config",
        FieldType::Uint(8),
    )
    .mask(0x01),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.syspeer",
        "Syspeer",
        FieldType::Uint(8),
    )
    .mask(0x02),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.burst",
        "Burst",
        FieldType::Uint(8),
    )
    .mask(0x04),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.refclock",
        "Refclock",
        FieldType::Uint(8),
    )
    .mask(0x08),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.prefer",
        "Prefer",
        FieldType::Uint(8),
    )
    .mask(0x10),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.authenable",
        "Auth enable",
        FieldType::Uint(8),
    )
    .mask(0x20),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.sel_candidate",
        "Sel Candidate",
        FieldType::Uint(8),
    )
    .mask(0x40),
    FieldDef::new(
        "ntp.priv.mode7.peer.flags.shortlist",
        "Shortlist",
        FieldType::Uint(8),
    )
    .mask(0x80),
];

/// Bits of the system flags octet (`SYS_FLAG_*`).
pub(crate) static SYS_FLAG_BITS: [FieldDef; 8] = [
    FieldDef::new(
        "ntp.priv.mode7.sys.flags.bclient",
        "Bclient",
        FieldType::Uint(8),
    )
    .mask(0x01),
    FieldDef::new("ntp.priv.mode7.sys.flags.pps", "PPS", FieldType::Uint(8)).mask(0x02),
    FieldDef::new("ntp.priv.mode7.sys.flags.ntp", "NTP", FieldType::Uint(8)).mask(0x04),
    FieldDef::new(
        "ntp.priv.mode7.sys.flags.kernel",
        "Kernel",
        FieldType::Uint(8),
    )
    .mask(0x08),
    FieldDef::new(
        "ntp.priv.mode7.sys.flags.monitor",
        "Monitor",
        FieldType::Uint(8),
    )
    .mask(0x10),
    FieldDef::new(
        "ntp.priv.mode7.sys.flags.filegen",
        "Filegen",
        FieldType::Uint(8),
    )
    .mask(0x20),
    FieldDef::new("ntp.priv.mode7.sys.flags.auth", "Auth", FieldType::Uint(8)).mask(0x40),
    FieldDef::new("ntp.priv.mode7.sys.flags.cal", "Cal", FieldType::Uint(8)).mask(0x80),
];

/// Peer-selecting requests (PEER_INFO, PEER_STATS) name a peer like this.
static PEER_REQUEST: &[Slot] = &[
    Slot(&ADDR, 4, Ipv4),
    Slot(&PORT, 2, Uint),
    Slot(&HMODE, 1, Uint),
    Slot(&PEER_FLAGS, 1, PeerFlags),
    Slot(&V6_FLAG, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&ADDR6, 16, Ipv6),
];

static PEER_LIST_SUM: &[Slot] = &[
    Slot(&DSTADDR, 4, Ipv4),
    Slot(&SRCADDR, 4, Ipv4),
    Slot(&SRCPORT, 2, Uint),
    Slot(&STRATUM, 1, Uint),
    Slot(&HPOLL, 1, Int),
    Slot(&PPOLL, 1, Uint),
    Slot(&REACH, 1, Uint),
    Slot(&PEER_FLAGS, 1, PeerFlags),
    Slot(&HMODE, 1, Uint),
    Slot(&DELAY, 4, Int),
    Slot(&OFFSET, 8, Uint),
    Slot(&DISPERSION, 4, Uint),
    Slot(&V6_FLAG, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&DSTADDR6, 16, Ipv6),
    Slot(&SRCADDR6, 16, Ipv6),
];

static PEER_INFO: &[Slot] = &[
    Slot(&DSTADDR, 4, Ipv4),
    Slot(&SRCADDR, 4, Ipv4),
    Slot(&SRCPORT, 2, Uint),
    Slot(&PEER_FLAGS, 1, PeerFlags),
    Slot(&LEAP, 1, Uint),
    Slot(&HMODE, 1, Uint),
    Slot(&PMODE, 1, Uint),
    Slot(&STRATUM, 1, Uint),
    Slot(&PPOLL, 1, Uint),
    Slot(&HPOLL, 1, Int),
    Slot(&PRECISION, 1, Uint),
    Slot(&VERSION, 1, Uint),
    Slot(&UNUSED, 1, Bytes),
    Slot(&REACH, 1, Uint),
    Slot(&UNREACH, 1, Uint),
    Slot(&FLASH, 1, Uint),
    Slot(&TTL, 1, Uint),
    Slot(&FLASH2, 2, Uint),
    Slot(&ASSOCID, 2, Uint),
    Slot(&KEYID_FIELD, 4, Bytes),
    Slot(&PKEYID, 4, Uint),
    Slot(&REFID, 4, Bytes),
    Slot(&TIMER, 4, Uint),
    Slot(&ROOTDELAY, 4, Uint),
    Slot(&ROOTDISPERSION, 4, Uint),
    Slot(&REFTIME, 8, Time),
    Slot(&ORG, 8, Time),
    Slot(&REC, 8, Time),
    Slot(&XMT, 8, Time),
    Slot(&FILTDELAY, 4, Int),
    Slot(&FILTOFFSET, 8, Int),
    Slot(&ORDER, 1, Uint),
    Slot(&DELAY, 4, Int),
    Slot(&DISPERSION, 4, Uint),
    Slot(&OFFSET, 8, Uint),
    Slot(&SELECTDIS, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&ESTBDELAY, 4, Int),
    Slot(&V6_FLAG, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&DSTADDR6, 16, Ipv6),
    Slot(&SRCADDR6, 16, Ipv6),
];

static PEER_STATS: &[Slot] = &[
    Slot(&DSTADDR, 4, Ipv4),
    Slot(&SRCADDR, 4, Ipv4),
    Slot(&SRCPORT, 2, Uint),
    Slot(&PEER_FLAGS, 1, PeerFlags),
    Slot(&TIMERESET, 4, Uint),
    Slot(&TIMERECEIVED, 4, Uint),
    Slot(&TIMETOSEND, 4, Uint),
    Slot(&TIMEREACHABLE, 4, Uint),
    Slot(&SENT, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&PROCESSED, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&BADAUTH, 4, Uint),
    Slot(&BOGUSORG, 4, Uint),
    Slot(&OLDPKT, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&UNUSED, 4, Bytes),
    Slot(&SELDISP, 4, Uint),
    Slot(&SELBROKEN, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&CANDIDATE, 1, Uint),
    Slot(&UNUSED, 1, Bytes),
    Slot(&UNUSED, 1, Bytes),
    Slot(&UNUSED, 1, Bytes),
    Slot(&V6_FLAG, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&DSTADDR6, 16, Ipv6),
    Slot(&SRCADDR6, 16, Ipv6),
];

static SYS_INFO: &[Slot] = &[
    Slot(&ADDR, 4, Ipv4),
    Slot(&PMODE, 1, Uint),
    Slot(&LEAP, 1, Uint),
    Slot(&STRATUM, 1, Uint),
    Slot(&PRECISION, 1, Uint),
    Slot(&ROOTDELAY, 4, Uint),
    Slot(&ROOTDISPERSION, 4, Uint),
    Slot(&REFID, 4, Bytes),
    Slot(&REFTIME, 8, Time),
    Slot(&POLL32, 4, Uint),
    Slot(&SYS_FLAGS8, 1, SysFlags),
    Slot(&UNUSED, 3, Bytes),
    Slot(&BDELAY, 4, Int),
    Slot(&FREQ, 4, Int),
    Slot(&AUTHDELAY, 8, Int),
    Slot(&STABILITY, 4, Uint),
    Slot(&V6_FLAG, 4, Uint),
    Slot(&UNUSED, 4, Bytes),
    Slot(&ADDR6, 16, Ipv6),
];

static SYS_STATS: &[Slot] = &[
    Slot(&TIMEUP, 4, Uint),
    Slot(&TIMERESET, 4, Uint),
    Slot(&DENIED, 4, Uint),
    Slot(&OLDVERSION, 4, Uint),
    Slot(&NEWVERSION, 4, Uint),
    Slot(&BADVERSION, 4, Uint),
    Slot(&BADLENGTH, 4, Uint),
    Slot(&PROCESSED, 4, Uint),
    Slot(&BADAUTH, 4, Uint),
    Slot(&TIMERECEIVED, 4, Uint),
    Slot(&LIMITREJECTED, 4, Uint),
    Slot(&LAMPORT, 4, Uint),
    Slot(&TSROUNDING, 4, Uint),
];

static IO_STATS: &[Slot] = &[
    Slot(&TIMERESET, 4, Uint),
    Slot(&TOTALRECVBUFS, 2, Uint),
    Slot(&FREERECVBUFS, 2, Uint),
    Slot(&FULLRECVBUFS, 2, Uint),
    Slot(&LOWWATER, 2, Uint),
    Slot(&DROPPED, 4, Uint),
    Slot(&IGNORED, 4, Uint),
    Slot(&RECEIVED, 4, Uint),
    Slot(&SENT, 4, Uint),
    Slot(&NOTSENT, 4, Uint),
    Slot(&INTERRUPTS, 4, Uint),
    Slot(&INT_RECEIVED, 4, Uint),
];

/// The hash counts fill the rest of the item (see `add_item`).
static MEM_STATS: &[Slot] = &[
    Slot(&TIMERESET, 4, Uint),
    Slot(&TOTALMEM, 2, Uint),
    Slot(&FREEMEM, 2, Uint),
    Slot(&FINDPEER_CALLS, 4, Uint),
    Slot(&ALLOCATIONS, 4, Uint),
    Slot(&DEMOBILIZATIONS, 4, Uint),
];

static LOOP_INFO: &[Slot] = &[
    Slot(&LAST_OFFSET, 8, Int),
    Slot(&DRIFT_COMP, 8, Int),
    Slot(&COMPLIANCE, 4, Uint),
    Slot(&WATCHDOG_TIMER, 4, Uint),
];

static TIMER_STATS: &[Slot] = &[
    Slot(&TIMERESET, 4, Uint),
    Slot(&ALARMS, 4, Uint),
    Slot(&OVERFLOWS, 4, Uint),
    Slot(&XMTCALLS, 4, Uint),
];

static AUTHINFO: &[Slot] = &[
    Slot(&TIMERESET, 4, Uint),
    Slot(&NUMKEYS, 4, Uint),
    Slot(&NUMFREEKEYS, 4, Uint),
    Slot(&KEYLOOKUPS, 4, Uint),
    Slot(&KEYNOTFOUND, 4, Uint),
    Slot(&ENCRYPTIONS, 4, Uint),
    Slot(&DECRYPTIONS, 4, Uint),
    Slot(&EXPIRED, 4, Uint),
    Slot(&KEYUNCACHED, 4, Uint),
];

static CTL_STATS: &[Slot] = &[
    Slot(&TIMERESET, 4, Uint),
    Slot(&REQUESTS, 4, Uint),
    Slot(&BAD_PACKETS, 4, Uint),
    Slot(&RESPONSES, 4, Uint),
    Slot(&FRAGMENTS, 4, Uint),
    Slot(&ERRORS, 4, Uint),
    Slot(&TOO_SHORT, 4, Uint),
    Slot(&INPUT_RESPONSES, 4, Uint),
    Slot(&INPUT_FRAGMENTS, 4, Uint),
    Slot(&INPUT_ERRORS, 4, Uint),
    Slot(&BAD_OFFSET, 4, Uint),
    Slot(&BADVERSION, 4, Uint),
    Slot(&DATA_TOO_SHORT, 4, Uint),
    Slot(&BADOP, 4, Uint),
    Slot(&ASYNC_MESSAGES, 4, Uint),
];

static GET_KERNEL: &[Slot] = &[
    Slot(&KERNEL_OFFSET, 4, Int),
    Slot(&FREQ, 4, Int),
    Slot(&MAXERROR, 4, Int),
    Slot(&ESTERROR, 4, Int),
    Slot(&KSTATUS, 2, Uint),
    Slot(&SHIFT, 2, Uint),
    Slot(&CONSTANT, 4, Int),
    Slot(&KPRECISION, 4, Int),
    Slot(&TOLERANCE, 4, Int),
    Slot(&PPSFREQ, 4, Int),
    Slot(&JITTER, 4, Int),
    Slot(&STABIL, 4, Int),
    Slot(&JITCNT, 4, Int),
    Slot(&CALCNT, 4, Int),
    Slot(&ERRCNT, 4, Int),
    Slot(&STBCNT, 4, Int),
];

/// The layout of one item of this request code and direction.
fn layout(code: u8, response: bool) -> Option<&'static [Slot]> {
    Some(match code {
        request::PEER_LIST => PEER_REQUEST,
        request::PEER_LIST_SUM => PEER_LIST_SUM,
        request::PEER_INFO if response => PEER_INFO,
        request::PEER_STATS if response => PEER_STATS,
        request::PEER_INFO | request::PEER_STATS => PEER_REQUEST,
        request::SYS_INFO => SYS_INFO,
        request::SYS_STATS => SYS_STATS,
        request::IO_STATS => IO_STATS,
        request::MEM_STATS => MEM_STATS,
        request::LOOP_INFO => LOOP_INFO,
        request::TIMER_STATS => TIMER_STATS,
        request::AUTHINFO => AUTHINFO,
        request::CTL_STATS => CTL_STATS,
        request::GET_KERNEL => GET_KERNEL,
        _ => return None,
    })
}

fn names_request_code(v: u64) -> Option<&'static str> {
    request_code_name(v as u8)
}
fn names_implementation(v: u64) -> Option<&'static str> {
    implementation_name(v as u8)
}
fn names_error(v: u64) -> Option<&'static str> {
    error_name(v as u8)
}

pub static FLAGS_R: FieldDef =
    FieldDef::new("ntp.priv.flags.r", "Response bit", FieldType::Uint(8)).mask(0x80);
pub static FLAGS_MORE: FieldDef =
    FieldDef::new("ntp.priv.flags.more", "More bit", FieldType::Uint(8)).mask(0x40);
pub static AUTH_SEQ: FieldDef =
    FieldDef::new("ntp.priv.auth_seq", "Auth, sequence", FieldType::Uint(8));
pub static AUTH: FieldDef =
    FieldDef::new("ntp.priv.auth", "Auth bit", FieldType::Uint(8)).mask(0x80);
pub static SEQ: FieldDef =
    FieldDef::new("ntp.priv.seq", "Sequence number", FieldType::Uint(8)).mask(0x7f);
pub static IMPL: FieldDef = FieldDef::new("ntp.priv.impl", "Implementation", FieldType::Uint(8))
    .names(names_implementation);
pub static REQCODE: FieldDef =
    FieldDef::new("ntp.priv.reqcode", "Request code", FieldType::Uint(8)).names(names_request_code);
pub static MONLIST: FieldDef = FieldDef::new("ntp.priv.monlist", "Monlist", FieldType::Str);
pub static ERR: FieldDef = FieldDef::new("ntp.priv.err", "Err", FieldType::Uint(8))
    .base(Base::Hex)
    .names(names_error)
    .mask(0xf000);
pub static NUMITEMS: FieldDef = FieldDef::new(
    "ntp.priv.numitems",
    "Number of data items",
    FieldType::Uint(16),
)
.mask(0x0fff);
pub static RESERVED: FieldDef = FieldDef::new("ntp.priv.reserved", "Reserved", FieldType::Uint(8))
    .base(Base::Hex)
    .mask(0xf000);
pub static ITEMSIZE: FieldDef = FieldDef::new(
    "ntp.priv.itemsize",
    "Size of data item",
    FieldType::Uint(16),
)
.mask(0x0fff);
pub static ITEM: FieldDef = FieldDef::new("ntp.priv.mode7.item", "Mode7 item", FieldType::Str);
pub static TSTAMP: FieldDef = FieldDef::new(
    "ntp.priv.tstamp",
    "Authentication timestamp",
    FieldType::AbsTime,
);

field!(
    MON_AVGINT,
    "ntp.priv.monlist.avgint",
    "avgint",
    FieldType::Uint(32)
);
field!(
    MON_LSINT,
    "ntp.priv.monlist.lsint",
    "lsint",
    FieldType::Uint(32)
);
pub static MON_RESTR: FieldDef =
    FieldDef::new("ntp.priv.monlist.restr", "restr", FieldType::Uint(32)).base(Base::Hex);
field!(
    MON_COUNT,
    "ntp.priv.monlist.count",
    "count",
    FieldType::Uint(32)
);
field!(
    MON_ADDR,
    "ntp.priv.monlist.remote_address",
    "remote address",
    FieldType::Ipv4
);
field!(
    MON_DADDR,
    "ntp.priv.monlist.local_address",
    "local address",
    FieldType::Ipv4
);
pub static MON_FLAGS: FieldDef =
    FieldDef::new("ntp.priv.monlist.flags", "flags", FieldType::Uint(32)).base(Base::Hex);
field!(
    MON_PORT,
    "ntp.priv.monlist.port",
    "port",
    FieldType::Uint(16)
);
field!(
    MON_MODE,
    "ntp.priv.monlist.mode",
    "mode",
    FieldType::Uint(8)
);
field!(
    MON_VERSION,
    "ntp.priv.monlist.version",
    "version",
    FieldType::Uint(8)
);
pub static MON_V6: FieldDef =
    FieldDef::new("ntp.priv.monlist.ipv6", "ipv6", FieldType::Uint(32)).base(Base::Hex);
pub static MON_UNUSED: FieldDef =
    FieldDef::new("ntp.priv.monlist.unused", "unused", FieldType::Uint(32)).base(Base::Hex);
field!(
    MON_ADDR6,
    "ntp.priv.monlist.addr6",
    "ipv6 remote addr",
    FieldType::Ipv6
);
field!(
    MON_DADDR6,
    "ntp.priv.monlist.daddr6",
    "ipv6 local addr",
    FieldType::Ipv6
);

/// Reads `len` (1 to 8) big-endian octets at `at`.
fn be_uint(data: &[u8], at: usize, len: usize) -> u64 {
    data.get(at..at + len)
        .unwrap_or(&[])
        .iter()
        .fold(0, |acc, &b| acc << 8 | u64::from(b))
}

/// The same, sign-extended from `len` octets.
fn be_int(data: &[u8], at: usize, len: usize) -> i64 {
    let raw = be_uint(data, at, len);
    let shift = 64 - 8 * len.clamp(1, 8) as u32;
    ((raw << shift) as i64) >> shift
}

fn add_bit_children(
    cx: &mut Context<'_>,
    bits: &'static [FieldDef; 8],
    range: Range<usize>,
    octet: u8,
) {
    for def in bits {
        let mask = def.bitmask as u8;
        cx.add(def, range.clone(), Value::U64(u64::from(octet & mask != 0)));
    }
}

/// Adds the slots of one item at `at` (offsets relative to the message).
fn add_slots(cx: &mut Context<'_>, data: &[u8], mut at: usize, slots: &[Slot]) {
    for Slot(def, len, kind) in slots {
        let (def, len) = (*def, *len);
        let range = at..at + len;
        if data.len() < range.end {
            return;
        }
        match kind {
            Uint => cx.add(def, range, Value::U64(be_uint(data, at, len))),
            Int => cx.add(def, range, Value::I64(be_int(data, at, len))),
            Ipv4 => cx.add(def, range, Value::Ipv4(array(data, at))),
            Ipv6 => cx.add(def, range, Value::Ipv6(array(data, at))),
            Bytes => cx.add(def, range, Value::Bytes),
            Time => cx.add(def, range, time_value(array(data, at))),
            PeerFlags | SysFlags => {
                let octet = byte(data, at);
                let bits = if matches!(kind, PeerFlags) {
                    &PEER_FLAG_BITS
                } else {
                    &SYS_FLAG_BITS
                };
                cx.push(def, range.clone(), Value::U64(octet.into()));
                add_bit_children(cx, bits, range, octet);
                cx.pop();
            }
        }
        at += len;
    }
}

fn add_monitor_entry(cx: &mut Context<'_>, data: &[u8], at: usize, extended: bool) {
    let u32_at = |o: usize| Value::U64(u64::from(be32(data, at + o)));
    let fixed: &[(&'static FieldDef, usize)] = if extended {
        &[
            (&MON_AVGINT, 0),
            (&MON_LSINT, 4),
            (&MON_RESTR, 8),
            (&MON_COUNT, 12),
            (&MON_ADDR, 16),
            (&MON_DADDR, 20),
            (&MON_FLAGS, 24),
        ]
    } else {
        &[
            (&MON_AVGINT, 0),
            (&MON_LSINT, 4),
            (&MON_RESTR, 8),
            (&MON_COUNT, 12),
            (&MON_ADDR, 16),
        ]
    };
    for &(def, o) in fixed {
        let value = if def.ftype == FieldType::Ipv4 {
            Value::Ipv4(array(data, at + o))
        } else {
            u32_at(o)
        };
        cx.add(def, at + o..at + o + 4, value);
    }
    let t = at + if extended { 28 } else { 20 };
    cx.add(&MON_PORT, t..t + 2, Value::U64(be16(data, t).into()));
    cx.add(
        &MON_MODE,
        t + 2..t + 3,
        Value::U64(byte(data, t + 2).into()),
    );
    cx.add(
        &MON_VERSION,
        t + 3..t + 4,
        Value::U64(byte(data, t + 3).into()),
    );
    let v6 = be32(data, t + 4);
    cx.add(&MON_V6, t + 4..t + 8, Value::U64(v6.into()));
    cx.add(
        &MON_UNUSED,
        t + 8..t + 12,
        Value::U64(be32(data, t + 8).into()),
    );
    if v6 != 0 {
        cx.add(&MON_ADDR6, t + 12..t + 28, Value::Ipv6(array(data, t + 12)));
        if extended {
            cx.add(
                &MON_DADDR6,
                t + 28..t + 44,
                Value::Ipv6(array(data, t + 28)),
            );
        }
    }
}

/// Adds the fields of a mode 7 message (`data` = the whole NTP message).
pub fn dissect(cx: &mut Context<'_>, data: &[u8]) {
    let flags = byte(data, 0);
    cx.push(&FLAGS, f::FLAGS, Value::U64(flags.into()));
    cx.add(&FLAGS_R, f::FLAGS, Value::U64(u64::from(flags >> 7)));
    cx.add(&FLAGS_MORE, f::FLAGS, Value::U64(u64::from(flags >> 6 & 1)));
    cx.add(&FLAGS_VN, f::FLAGS, Value::U64(u64::from(flags >> 3 & 7)));
    cx.add(&FLAGS_MODE, f::FLAGS, Value::U64(u64::from(flags & 7)));
    cx.pop();
    if !cx.need(f::REQUEST_CODE.end, "NTP private message header") {
        return;
    }
    let auth_seq = byte(data, 1);
    cx.push(&AUTH_SEQ, f::AUTH_SEQUENCE, Value::U64(auth_seq.into()));
    cx.add(
        &AUTH,
        f::AUTH_SEQUENCE,
        Value::U64(u64::from(auth_seq >> 7)),
    );
    cx.add(
        &SEQ,
        f::AUTH_SEQUENCE,
        Value::U64(u64::from(auth_seq & 0x7f)),
    );
    cx.pop();
    let implementation = byte(data, 2);
    let code = byte(data, 3);
    cx.add(&IMPL, f::IMPLEMENTATION, Value::U64(implementation.into()));
    cx.add(&REQCODE, f::REQUEST_CODE, Value::U64(code.into()));
    if is_monlist(code) {
        cx.generated(
            &MONLIST,
            f::REQUEST_CODE,
            Value::Static("monlist: traffic amplification vector (CVE-2013-5211)"),
        );
    }
    if implementation == IMPL_XNTPD {
        let Ok(msg) = PrivateMessage::parse(data) else {
            cx.need(HEADER_LEN, "NTP private message header");
            return;
        };
        cx.add(&ERR, f::ERROR_ITEMS, Value::U64(msg.error().into()));
        cx.add(
            &NUMITEMS,
            f::ERROR_ITEMS,
            Value::U64(msg.item_count().into()),
        );
        cx.add(&RESERVED, f::MBZ_ITEM_SIZE, Value::U64(msg.mbz().into()));
        cx.add(
            &ITEMSIZE,
            f::MBZ_ITEM_SIZE,
            Value::U64(msg.item_size().into()),
        );
        let size = usize::from(msg.item_size());
        let count = usize::from(msg.item_count());
        if count > 0 {
            cx.need(HEADER_LEN + size * count, "NTP private message items");
        }
        let slots = layout(code, msg.is_response());
        for (at, item) in msg.items() {
            let range = at..at + item.len();
            if is_monlist(code) {
                cx.push(&ITEM, range, Value::Static("Monlist Item"));
                add_monitor_entry(cx, data, at, code == request::MON_GETLIST_1);
            } else {
                cx.push(&ITEM, range, Value::Static(""));
                if let Some(slots) = slots {
                    add_slots(cx, data, at, slots);
                }
                if code == request::MEM_STATS && size > 20 {
                    cx.add(&HASHCOUNT, at + 20..at + size, Value::Bytes);
                }
            }
            cx.pop();
        }
    }
    // An authenticated request ends in a timestamp, key ID and digest.
    if flags & 0x80 == 0 && auth_seq & 0x80 != 0 && data.len() >= AUTH_KEYID_AT + 4 {
        cx.add(
            &TSTAMP,
            AUTH_TIMESTAMP_AT..AUTH_KEYID_AT,
            time_value(array(data, AUTH_TIMESTAMP_AT)),
        );
        cx.add(&KEYID_FIELD, AUTH_KEYID_AT..AUTH_KEYID_AT + 4, Value::Bytes);
        if data.len() > AUTH_KEYID_AT + 4 {
            cx.add(&MAC_FIELD, AUTH_KEYID_AT + 4..data.len(), Value::Bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields() {
        // ntpdc "monlist" request: version 2, mode 7, XNTPD, MON_GETLIST_1.
        let mut m = vec![0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0];
        m.resize(192, 0);
        let p = PrivateMessage::parse(&m).unwrap();
        assert!(!p.is_response());
        assert_eq!(p.implementation(), IMPL_XNTPD);
        assert_eq!(p.request_code(), request::MON_GETLIST_1);
        assert!(is_monlist(p.request_code()));
        assert_eq!(request_code_name(42), Some("MON_GETLIST_1"));
        assert_eq!(p.items().count(), 0);
    }

    #[test]
    fn monlist_response_entries() {
        let mut m = vec![0x97, 0x00, 0x03, 0x2a, 0x00, 0x02, 0x00, 0x48];
        for i in 0..2u8 {
            let mut e = vec![0u8; 72];
            e[12..16].copy_from_slice(&[0, 0, 0, 5 + i]);
            e[16..20].copy_from_slice(&[192, 0, 2, 10 + i]);
            e[28..30].copy_from_slice(&123u16.to_be_bytes());
            e[30] = 3;
            e[31] = 4;
            m.extend(e);
        }
        let p = PrivateMessage::parse(&m).unwrap();
        assert_eq!((p.item_count(), p.item_size()), (2, 72));
        let entries: Vec<_> = p.monitor_entries().collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].address(), [192, 0, 2, 11]);
        assert_eq!(entries[1].count(), 6);
        assert_eq!(entries[1].port(), 123);
        assert_eq!((entries[1].mode(), entries[1].version()), (3, 4));
    }

    #[test]
    fn items_cut_by_capture_are_dropped() {
        let mut m = vec![0x97, 0x00, 0x03, 0x01, 0x00, 0x06, 0x00, 0x48];
        m.extend(vec![0; 100]);
        let p = PrivateMessage::parse(&m).unwrap();
        assert_eq!(p.items().count(), 1);
    }

    #[test]
    fn signed_reads() {
        assert_eq!(be_int(&[0xff, 0xff, 0xff, 0xfe], 0, 4), -2);
        assert_eq!(be_int(&[0x7f], 0, 1), 127);
        assert_eq!(be_uint(&[1, 2], 0, 2), 0x0102);
        assert_eq!(be_uint(&[1], 0, 4), 0);
    }
}
