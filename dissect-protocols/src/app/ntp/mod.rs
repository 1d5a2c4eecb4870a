//! Network Time Protocol, versions 1 to 4 (RFC 1059, 1119, 1305, 5905).
//!
//! Modes 0 to 5 are time messages: the 48-byte header, then NTPv4 extension
//! fields and a MAC ([`ext`]). Mode 6 is the control protocol of `ntpq`
//! ([`control`]), mode 7 ntpd's private `ntpdc` protocol ([`private`]).
//! The reference ID is read by stratum ([`refid`]). The dissector keeps a
//! bounded table of the requests it saw so a reply can name its request and
//! carry the round-trip delay and clock offset of the exchange.
//!
//! Field names and values follow Wireshark (tshark 4.0): poll, precision,
//! root delay and root dispersion are the raw octets, with their meaning in
//! seconds as generated children. The text (`render`) is tcpdump's.

pub mod control;
pub mod ext;
pub mod private;
pub mod refid;
mod render;
pub mod time;

use std::collections::VecDeque;
use std::fmt::{self, Write};
use std::ops::Range;

use dissect_core::{
    Base, Context, Dissector, FastMap, Field, FieldDef, FieldType, Handoff, Probe, Registry,
    Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

pub use control::ControlMessage;
pub use ext::{ExtensionField, ExtensionFields, Mac, MacKind};
pub use private::PrivateMessage;
pub use refid::ReferenceId;
pub use time::{Short, Timestamp};

use crate::wire::{array, be32, byte, check_len, Error};

/// The registered UDP (and TCP) port.
pub const PORT: u16 = 123;

/// Byte ranges of the time-message header.
pub mod field_range {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..1;
    pub const STRATUM: Range<usize> = 1..2;
    pub const POLL: Range<usize> = 2..3;
    pub const PRECISION: Range<usize> = 3..4;
    pub const ROOT_DELAY: Range<usize> = 4..8;
    pub const ROOT_DISPERSION: Range<usize> = 8..12;
    pub const REFERENCE_ID: Range<usize> = 12..16;
    pub const REFERENCE_TIMESTAMP: Range<usize> = 16..24;
    pub const ORIGIN_TIMESTAMP: Range<usize> = 24..32;
    pub const RECEIVE_TIMESTAMP: Range<usize> = 32..40;
    pub const TRANSMIT_TIMESTAMP: Range<usize> = 40..48;
}
use field_range as f;

/// Length of the time-message header.
pub const HEADER_LEN: usize = 48;

/// Association mode (RFC 5905 figure 10; 6 and 7 from RFC 1305 and ntpd).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Mode {
    Reserved,
    SymmetricActive,
    SymmetricPassive,
    Client,
    Server,
    Broadcast,
    Control,
    Private,
}

impl Mode {
    pub fn from_bits(bits: u8) -> Mode {
        match bits & 7 {
            0 => Mode::Reserved,
            1 => Mode::SymmetricActive,
            2 => Mode::SymmetricPassive,
            3 => Mode::Client,
            4 => Mode::Server,
            5 => Mode::Broadcast,
            6 => Mode::Control,
            _ => Mode::Private,
        }
    }
    pub fn bits(self) -> u8 {
        self as u8
    }
}

/// Leap indicator (RFC 5905 figure 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Leap {
    NoWarning,
    /// The last minute of the day has 61 seconds.
    AddSecond,
    /// The last minute of the day has 59 seconds.
    DeleteSecond,
    /// Clock unsynchronized.
    Unsynchronized,
}

impl Leap {
    pub fn from_bits(bits: u8) -> Leap {
        match bits & 3 {
            0 => Leap::NoWarning,
            1 => Leap::AddSecond,
            2 => Leap::DeleteSecond,
            _ => Leap::Unsynchronized,
        }
    }
}

/// Typed zero-copy view of an NTP message of any mode.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    data: &'a [u8],
}

/// The body of a message, by mode.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    Time(TimeMessage<'a>),
    Control(ControlMessage<'a>),
    Private(PrivateMessage<'a>),
}

impl<'a> Packet<'a> {
    /// Checks that the fixed part of the mode's message is there: 48 bytes
    /// for modes 0 to 5, 12 for mode 6, 8 for mode 7.
    pub fn parse(data: &'a [u8]) -> Result<Packet<'a>, Error> {
        check_len(data, 1)?;
        let needed = match Mode::from_bits(byte(data, 0)) {
            Mode::Control => control::HEADER_LEN,
            Mode::Private => private::HEADER_LEN,
            _ => HEADER_LEN,
        };
        check_len(data, needed)?;
        Ok(Packet { data })
    }
    pub fn flags(&self) -> u8 {
        byte(self.data, 0)
    }
    /// The leap indicator (for mode 7 these bits are the R and M flags).
    pub fn leap(&self) -> Leap {
        Leap::from_bits(self.flags() >> 6)
    }
    pub fn version(&self) -> u8 {
        self.flags() >> 3 & 7
    }
    pub fn mode(&self) -> Mode {
        Mode::from_bits(self.flags())
    }
    pub fn message(&self) -> Message<'a> {
        let data = self.data;
        match self.mode() {
            Mode::Control => Message::Control(ControlMessage::from_checked(data)),
            Mode::Private => Message::Private(PrivateMessage::from_checked(data)),
            _ => Message::Time(TimeMessage { data }),
        }
    }
    /// The time message, for modes 0 to 5.
    pub fn time(&self) -> Option<TimeMessage<'a>> {
        match self.message() {
            Message::Time(t) => Some(t),
            _ => None,
        }
    }
}

/// A time message (modes 0 to 5): at least [`HEADER_LEN`] bytes.
#[derive(Debug, Clone, Copy)]
pub struct TimeMessage<'a> {
    data: &'a [u8],
}

impl<'a> TimeMessage<'a> {
    pub fn parse(data: &'a [u8]) -> Result<TimeMessage<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(TimeMessage { data })
    }
    pub fn stratum(&self) -> u8 {
        byte(self.data, f::STRATUM.start)
    }
    /// Poll interval, log2 seconds.
    pub fn poll(&self) -> i8 {
        byte(self.data, f::POLL.start) as i8
    }
    /// Clock precision, log2 seconds.
    pub fn precision(&self) -> i8 {
        byte(self.data, f::PRECISION.start) as i8
    }
    pub fn root_delay(&self) -> Short {
        Short::from_u32(be32(self.data, f::ROOT_DELAY.start))
    }
    pub fn root_dispersion(&self) -> Short {
        Short::from_u32(be32(self.data, f::ROOT_DISPERSION.start))
    }
    pub fn reference_id_octets(&self) -> [u8; 4] {
        array(self.data, f::REFERENCE_ID.start)
    }
    pub fn reference_id(&self) -> ReferenceId {
        ReferenceId::new(self.stratum(), self.reference_id_octets())
    }
    fn timestamp(&self, range: Range<usize>) -> Timestamp {
        Timestamp::from_bytes(array(self.data, range.start))
    }
    pub fn reference_timestamp(&self) -> Timestamp {
        self.timestamp(f::REFERENCE_TIMESTAMP)
    }
    pub fn origin_timestamp(&self) -> Timestamp {
        self.timestamp(f::ORIGIN_TIMESTAMP)
    }
    pub fn receive_timestamp(&self) -> Timestamp {
        self.timestamp(f::RECEIVE_TIMESTAMP)
    }
    pub fn transmit_timestamp(&self) -> Timestamp {
        self.timestamp(f::TRANSMIT_TIMESTAMP)
    }
    pub fn extension_fields(&self) -> ExtensionFields<'a> {
        ExtensionFields::new(self.data)
    }
    pub fn mac(&self) -> Option<Mac<'a>> {
        ext::mac(self.data)
    }
}

impl Serialize for Packet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Packet", 4)?;
        st.serialize_field("leap", &self.leap())?;
        st.serialize_field("version", &self.version())?;
        st.serialize_field("mode", &self.mode())?;
        match self.message() {
            Message::Time(t) => st.serialize_field("time", &t)?,
            Message::Control(c) => st.serialize_field("control", &c)?,
            Message::Private(p) => st.serialize_field("private", &p)?,
        }
        st.end()
    }
}

impl Serialize for TimeMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("TimeMessage", 13)?;
        st.serialize_field("stratum", &self.stratum())?;
        st.serialize_field("poll", &self.poll())?;
        st.serialize_field("precision", &self.precision())?;
        st.serialize_field("root_delay", &self.root_delay().as_f64())?;
        st.serialize_field("root_dispersion", &self.root_dispersion().as_f64())?;
        st.serialize_field("reference_id", &self.reference_id())?;
        st.serialize_field("reference_timestamp", &self.reference_timestamp())?;
        st.serialize_field("origin_timestamp", &self.origin_timestamp())?;
        st.serialize_field("receive_timestamp", &self.receive_timestamp())?;
        st.serialize_field("transmit_timestamp", &self.transmit_timestamp())?;
        let fields: Vec<ExtensionField<'_>> = self.extension_fields().collect();
        st.serialize_field("extension_fields", &fields)?;
        st.serialize_field("mac", &self.mac())?;
        st.end()
    }
}

/// Wireshark's name of a leap indicator value.
pub fn leap_name(v: u8) -> Option<&'static str> {
    Some(match v {
        0 => "no warning",
        1 => "last minute of the day has 61 seconds",
        2 => "last minute of the day has 59 seconds",
        3 => "unknown (clock unsynchronized)",
        _ => return None,
    })
}

/// Wireshark's name of a mode (the tree's `Mode:` line).
pub fn mode_name(v: u8) -> Option<&'static str> {
    Some(match v {
        0 => "reserved",
        1 => "symmetric active",
        2 => "symmetric passive",
        3 => "client",
        4 => "server",
        5 => "broadcast",
        6 => "reserved for NTP control message",
        7 => "reserved for private use",
        _ => return None,
    })
}

/// Wireshark's short mode name (the tree's heading).
fn mode_short_name(v: u8) -> &'static str {
    match v & 7 {
        0 => "reserved",
        1 => "symmetric active",
        2 => "symmetric passive",
        3 => "client",
        4 => "server",
        5 => "broadcast",
        6 => "control",
        _ => "private",
    }
}

/// Meaning of a stratum (RFC 5905 figure 11).
pub fn stratum_name(v: u8) -> &'static str {
    match v {
        0 => "unspecified or invalid",
        1 => "primary reference",
        2..=15 => "secondary reference",
        16 => "unsynchronized",
        _ => "reserved",
    }
}

fn names_li(v: u64) -> Option<&'static str> {
    leap_name(v as u8)
}
fn names_version(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "NTP Version 1",
        2 => "NTP Version 2",
        3 => "NTP Version 3",
        4 => "NTP Version 4",
        0 | 5..=7 => "reserved",
        _ => return None,
    })
}
pub(crate) fn names_mode(v: u64) -> Option<&'static str> {
    mode_name(v as u8)
}
fn names_stratum(v: u64) -> Option<&'static str> {
    u8::try_from(v).ok().map(stratum_name)
}

pub static FLAGS: FieldDef =
    FieldDef::new("ntp.flags", "Flags", FieldType::Uint(8)).base(Base::Hex);
pub static FLAGS_LI: FieldDef = FieldDef::new("ntp.flags.li", "Leap Indicator", FieldType::Uint(8))
    .mask(0xc0)
    .names(names_li);
pub static FLAGS_VN: FieldDef = FieldDef::new("ntp.flags.vn", "Version number", FieldType::Uint(8))
    .mask(0x38)
    .names(names_version);
pub static FLAGS_MODE: FieldDef = FieldDef::new("ntp.flags.mode", "Mode", FieldType::Uint(8))
    .mask(0x07)
    .names(names_mode);
pub static STRATUM: FieldDef =
    FieldDef::new("ntp.stratum", "Peer Clock Stratum", FieldType::Uint(8)).names(names_stratum);
pub static PPOLL: FieldDef =
    FieldDef::new("ntp.ppoll", "Peer Polling Interval", FieldType::Uint(8)).display(show_log2);
pub static PPOLL_SECONDS: FieldDef = FieldDef::new(
    "ntp.ppoll.seconds",
    "Peer Polling Interval (2^poll seconds)",
    FieldType::RelTime,
);
pub static PRECISION: FieldDef =
    FieldDef::new("ntp.precision", "Peer Clock Precision", FieldType::Uint(8)).display(show_log2);
pub static PRECISION_SECONDS: FieldDef = FieldDef::new(
    "ntp.precision.seconds",
    "Peer Clock Precision (2^precision seconds)",
    FieldType::RelTime,
);
pub static ROOTDELAY: FieldDef =
    FieldDef::new("ntp.rootdelay", "Root Delay", FieldType::Uint(32)).display(show_short_format);
pub static ROOTDELAY_SECONDS: FieldDef = FieldDef::new(
    "ntp.rootdelay.seconds",
    "Root Delay (seconds)",
    FieldType::RelTime,
);
pub static ROOTDISPERSION: FieldDef =
    FieldDef::new("ntp.rootdispersion", "Root Dispersion", FieldType::Uint(32))
        .display(show_short_format);
pub static ROOTDISPERSION_SECONDS: FieldDef = FieldDef::new(
    "ntp.rootdispersion.seconds",
    "Root Dispersion (seconds)",
    FieldType::RelTime,
);
pub static REFID: FieldDef =
    FieldDef::new("ntp.refid", "Reference ID", FieldType::Bytes).display(show_reference_id);
pub static REFID_KISS: FieldDef =
    FieldDef::new("ntp.refid.kiss_code", "Kiss-o'-Death code", FieldType::Str);
pub static REFID_CLOCK: FieldDef =
    FieldDef::new("ntp.refid.clock", "Reference clock", FieldType::Str);
pub static REFID_ADDRESS: FieldDef =
    FieldDef::new("ntp.refid.address", "Upstream server", FieldType::Ipv4);
pub static REFID_NOTE: FieldDef = FieldDef::new("ntp.refid.note", "Note", FieldType::Str);
pub static REFTIME: FieldDef =
    FieldDef::new("ntp.reftime", "Reference Timestamp", FieldType::AbsTime);
pub static ORG: FieldDef = FieldDef::new("ntp.org", "Origin Timestamp", FieldType::AbsTime);
pub static REC: FieldDef = FieldDef::new("ntp.rec", "Receive Timestamp", FieldType::AbsTime);
pub static XMT: FieldDef = FieldDef::new("ntp.xmt", "Transmit Timestamp", FieldType::AbsTime);
pub static ORG_REC: FieldDef = FieldDef::new(
    "ntp.delta.org_rec",
    "Receive - Originator Timestamp",
    FieldType::RelTime,
);
pub static ORG_XMT: FieldDef = FieldDef::new(
    "ntp.delta.org_xmt",
    "Transmit - Originator Timestamp",
    FieldType::RelTime,
);
pub static REQUEST_IN: FieldDef =
    FieldDef::new("ntp.request_in", "Request In", FieldType::Uint(32));
pub static DELTA_TIME: FieldDef = FieldDef::new("ntp.delta_time", "Delta Time", FieldType::RelTime);
pub static ROUNDTRIP_DELAY: FieldDef = FieldDef::new(
    "ntp.roundtrip_delay",
    "Round-trip delay",
    FieldType::RelTime,
);
pub static CLOCK_OFFSET: FieldDef =
    FieldDef::new("ntp.clock_offset", "Clock offset", FieldType::RelTime);
pub static KOD: FieldDef = FieldDef::new("ntp.kod", "Kiss-o'-Death", FieldType::Str);
pub(crate) use ext::{KEYID as KEYID_FIELD, MAC as MAC_FIELD};

/// The value of a timestamp field: `NULL` when zero, as tshark shows it.
pub fn time_value(octets: [u8; 8]) -> Value {
    let t = Timestamp::from_bytes(octets);
    if t.is_null() {
        Value::Static("NULL")
    } else {
        Value::Time(t.unix_seconds(), t.nanos())
    }
}

/// A request seen earlier in the capture, waiting for its reply.
#[derive(Debug, Clone, Copy)]
struct PendingRequest {
    frame: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    captured_ns: i128,
}

/// How many unanswered requests are remembered (oldest dropped first).
const MAX_PENDING: usize = 4096;

/// Requests by key: a time request by its transmit timestamp (which the
/// reply echoes as its origin), a control request by sequence number, a
/// private request by request code.
#[derive(Debug, Default)]
struct PendingRequests {
    by_key: FastMap<u64, PendingRequest>,
    order: VecDeque<u64>,
}

impl PendingRequests {
    fn insert(&mut self, key: u64, request: PendingRequest) {
        if self.by_key.insert(key, request).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > MAX_PENDING {
            if let Some(old) = self.order.pop_front() {
                self.by_key.remove(&old);
            }
        }
    }
    fn get(&self, key: u64) -> Option<PendingRequest> {
        self.by_key.get(&key).copied()
    }
}

const KEY_CONTROL: u64 = 1 << 62;
const KEY_PRIVATE: u64 = 2 << 62;

/// The NTP dissector, on UDP port 123 and as a heuristic on other ports.
#[derive(Debug, Default)]
pub struct NtpDissector {
    pending: PendingRequests,
}

fn nanos_of(secs: i64, nanos: u32) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

fn ns_to_seconds(ns: i128) -> f64 {
    ns as f64 / 1e9
}

/// `later - earlier` in nanoseconds, both NTP timestamps (era 0 math, as
/// tcpdump's deltas).
fn timestamp_delta_ns(earlier: Timestamp, later: Timestamp) -> i128 {
    let ns = |t: Timestamp| {
        i128::from(t.seconds) * 1_000_000_000 + ((i128::from(t.fraction) * 1_000_000_000) >> 32)
    };
    ns(later) - ns(earlier)
}

impl NtpDissector {
    fn dissect_time(&mut self, data: &[u8], cx: &mut Context<'_>) {
        add_flags(cx, byte(data, 0));
        if !cx.need(HEADER_LEN, "NTP header") {
            return;
        }
        let Ok(msg) = TimeMessage::parse(data) else {
            return;
        };
        let stratum = msg.stratum();
        cx.add(&STRATUM, f::STRATUM, Value::U64(stratum.into()));
        let poll = msg.poll();
        cx.push(&PPOLL, f::POLL, Value::U64(u64::from(poll as u8)));
        cx.generated(
            &PPOLL_SECONDS,
            f::POLL,
            Value::F64(time::log2_seconds(poll)),
        );
        cx.pop();
        let precision = msg.precision();
        cx.push(
            &PRECISION,
            f::PRECISION,
            Value::U64(u64::from(precision as u8)),
        );
        cx.generated(
            &PRECISION_SECONDS,
            f::PRECISION,
            Value::F64(time::log2_seconds(precision)),
        );
        cx.pop();
        let delay = msg.root_delay();
        cx.push(&ROOTDELAY, f::ROOT_DELAY, Value::U64(delay.raw().into()));
        cx.generated(
            &ROOTDELAY_SECONDS,
            f::ROOT_DELAY,
            Value::F64(delay.as_f64()),
        );
        cx.pop();
        let dispersion = msg.root_dispersion();
        cx.push(
            &ROOTDISPERSION,
            f::ROOT_DISPERSION,
            Value::U64(dispersion.raw().into()),
        );
        cx.generated(
            &ROOTDISPERSION_SECONDS,
            f::ROOT_DISPERSION,
            Value::F64(dispersion.as_f64()),
        );
        cx.pop();
        let over_ipv6 = cx.previous("ipv6").is_some();
        add_reference_id(cx, msg.reference_id(), over_ipv6);
        for (def, range) in [
            (&REFTIME, f::REFERENCE_TIMESTAMP),
            (&ORG, f::ORIGIN_TIMESTAMP),
            (&REC, f::RECEIVE_TIMESTAMP),
            (&XMT, f::TRANSMIT_TIMESTAMP),
        ] {
            cx.add(def, range.clone(), time_value(array(data, range.start)));
        }
        let (org, rec, xmt) = (
            msg.origin_timestamp(),
            msg.receive_timestamp(),
            msg.transmit_timestamp(),
        );
        if !org.is_null() {
            // tcpdump's "Originator - Receive/Transmit Timestamp" lines.
            let d = timestamp_delta_ns(org, rec);
            cx.generated(&ORG_REC, f::RECEIVE_TIMESTAMP, Value::F64(ns_to_seconds(d)));
            let d = timestamp_delta_ns(org, xmt);
            cx.generated(
                &ORG_XMT,
                f::TRANSMIT_TIMESTAMP,
                Value::F64(ns_to_seconds(d)),
            );
        }
        self.link_time_exchange(cx, &msg);
        ext::add_trailer(cx, data);
    }

    /// Remembers requests; for a reply whose origin timestamp is a request
    /// seen earlier, adds the link, the delay and the clock offset.
    ///
    /// T1 is the capture time of the request rather than its transmit
    /// timestamp: both are on the capture host's clock when it is the
    /// client, and chrony sends a random transmit timestamp, which would
    /// make T1 meaningless. T2 and T3 are the reply's receive and transmit
    /// timestamps, T4 its capture time.
    fn link_time_exchange(&mut self, cx: &mut Context<'_>, msg: &TimeMessage<'_>) {
        // The links are tree fields only; the one-line text never reads them.
        if !cx.wants_tree() {
            return;
        }
        let frame = *cx.frame();
        let now_ns = nanos_of(frame.ts_sec, frame.ts_nsec);
        let mode = Mode::from_bits(byte(msg.data, 0));
        let xmt = msg.transmit_timestamp();
        let org = msg.origin_timestamp();
        if matches!(
            mode,
            Mode::Server | Mode::SymmetricPassive | Mode::SymmetricActive
        ) && !org.is_null()
        {
            if let Some(request) = self.pending.get(org.raw()) {
                if request.frame < frame.number {
                    let rec = msg.receive_timestamp();
                    let t2 = nanos_of(rec.unix_seconds(), rec.nanos());
                    let t3 = nanos_of(xmt.unix_seconds(), xmt.nanos());
                    let (t1, t4) = (request.captured_ns, now_ns);
                    let at = 0..0;
                    cx.generated(&REQUEST_IN, at.clone(), Value::U64(request.frame));
                    cx.generated(&DELTA_TIME, at.clone(), Value::F64(ns_to_seconds(t4 - t1)));
                    // A stratum 0 reply (Kiss-o'-Death, unsynchronized
                    // server) carries no usable receive/transmit times.
                    if msg.stratum() != 0 {
                        let delay = (t4 - t1) - (t3 - t2);
                        let offset = ((t2 - t1) + (t3 - t4)) / 2;
                        cx.generated(
                            &ROUNDTRIP_DELAY,
                            at.clone(),
                            Value::F64(ns_to_seconds(delay)),
                        );
                        cx.generated(&CLOCK_OFFSET, at, Value::F64(ns_to_seconds(offset)));
                    }
                }
            }
        }
        if matches!(
            mode,
            Mode::Client | Mode::SymmetricActive | Mode::SymmetricPassive
        ) && !xmt.is_null()
        {
            self.pending.insert(
                xmt.raw(),
                PendingRequest {
                    frame: frame.number,
                    captured_ns: now_ns,
                },
            );
        }
    }

    /// Control and private replies name their request (by sequence number
    /// or request code) and the time between them.
    fn link_by_key(&mut self, cx: &mut Context<'_>, key: u64, response: bool) {
        if !cx.wants_tree() {
            return;
        }
        let frame = *cx.frame();
        let now_ns = nanos_of(frame.ts_sec, frame.ts_nsec);
        if response {
            if let Some(request) = self.pending.get(key) {
                cx.generated(&REQUEST_IN, 0..0, Value::U64(request.frame));
                cx.generated(
                    &DELTA_TIME,
                    0..0,
                    Value::F64(ns_to_seconds(now_ns - request.captured_ns)),
                );
            }
        } else {
            self.pending.insert(
                key,
                PendingRequest {
                    frame: frame.number,
                    captured_ns: now_ns,
                },
            );
        }
    }
}

/// Flags octet with leap indicator, version and mode.
fn add_flags(cx: &mut Context<'_>, flags: u8) {
    cx.push(&FLAGS, f::FLAGS, Value::U64(flags.into()));
    cx.add(&FLAGS_LI, f::FLAGS, Value::U64(u64::from(flags >> 6)));
    cx.add(&FLAGS_VN, f::FLAGS, Value::U64(u64::from(flags >> 3 & 7)));
    cx.add(&FLAGS_MODE, f::FLAGS, Value::U64(u64::from(flags & 7)));
    cx.pop();
}

/// `6 (64 seconds)`, `-24 (0.000000060 seconds)`: a signed log2 of seconds.
fn show_log2(field: &Field, _: &[u8], out: &mut dyn fmt::Write) -> fmt::Result {
    let exponent = field.value.as_u64().unwrap_or(0) as u8 as i8;
    let seconds = time::log2_seconds(exponent);
    if exponent >= 0 {
        write!(out, "{exponent} ({seconds} seconds)")
    } else {
        write!(out, "{exponent} ({seconds:.9} seconds)")
    }
}

/// `1.947509766 seconds`: an NTP short format (16.16 fixed point) value.
fn show_short_format(field: &Field, _: &[u8], out: &mut dyn fmt::Write) -> fmt::Result {
    let raw = field.value.as_u64().unwrap_or(0);
    write!(out, "{:.9} seconds", raw as f64 / 65536.0)
}

/// The reference ID read by the stratum it came with (the stratum field
/// precedes it in the tree, but the bytes are enough): a kiss code, a clock
/// identifier with its name, or the upstream server's IPv4 address.
fn show_reference_id(field: &Field, data: &[u8], mut out: &mut dyn fmt::Write) -> fmt::Result {
    let octets: [u8; 4] = array(field.bytes(data), 0);
    // The stratum is the byte before the poll, 11 bytes before the refid.
    let start = field.offset as usize;
    let stratum = start
        .checked_sub(11)
        .and_then(|at| data.get(at))
        .copied()
        .unwrap_or(2);
    match ReferenceId::new(stratum, octets) {
        ReferenceId::Unspecified => out.write_str("NULL"),
        ReferenceId::KissCode(code) => match refid::kiss_display(&code) {
            Some(text) => out.write_str(text),
            None => dissect_core::field::write_text(&code, &mut out),
        },
        ReferenceId::ClockSource(code) => match refid::clock_source_display(&code) {
            Some(text) => out.write_str(text),
            None => {
                // The text before the NUL padding (all of it if none).
                let text = code.split(|&b| b == 0).next().unwrap_or_default();
                dissect_core::field::write_text(text, &mut out)
            }
        },
        ReferenceId::Upstream(a) => write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
    }
}

fn add_reference_id(cx: &mut Context<'_>, refid: ReferenceId, over_ipv6: bool) {
    let range = f::REFERENCE_ID;
    cx.push(&REFID, range.clone(), Value::Bytes);
    match refid {
        ReferenceId::Unspecified => {
            cx.generated(
                &REFID_NOTE,
                range.clone(),
                Value::Static("NULL (unspecified)"),
            );
        }
        ReferenceId::KissCode(code) => {
            let text = match refid::kiss_display(&code) {
                Some(text) => Value::Static(text),
                None => Value::Str,
            };
            cx.generated(&REFID_KISS, range.clone(), text);
        }
        ReferenceId::ClockSource(code) => {
            let text = match refid::clock_source_display(&code) {
                Some(text) => Value::Static(text),
                None => Value::Str,
            };
            cx.generated(&REFID_CLOCK, range.clone(), text);
        }
        ReferenceId::Upstream(octets) => {
            cx.generated(&REFID_ADDRESS, range.clone(), Value::Ipv4(octets));
            if over_ipv6 {
                cx.generated(
                    &REFID_NOTE,
                    range.clone(),
                    Value::Static(
                        "sent over IPv6: if the upstream server is reached over IPv6, these are the first four octets of the MD5 hash of its address",
                    ),
                );
            }
        }
    }
    cx.pop();
    if let ReferenceId::KissCode(code) = refid {
        if refid::is_ascii_code(&code) {
            cx.generated(&KOD, range, Value::Str);
        }
    }
}

/// Every field the ntp dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &control::FLAGS2,
    &control::FLAGS2_R,
    &control::FLAGS2_ERROR,
    &control::FLAGS2_MORE,
    &control::FLAGS2_OPCODE,
    &control::SEQUENCE,
    &control::STATUS,
    &control::ERR_STATUS,
    &control::SYS_LI,
    &control::SYS_CLKSRC,
    &control::SYS_COUNT,
    &control::SYS_CODE,
    &control::PEER_CONFIG,
    &control::PEER_AUTHENABLE,
    &control::PEER_AUTHENTIC,
    &control::PEER_REACH,
    &control::PEER_BCAST,
    &control::PEER_SELECTION,
    &control::PEER_COUNT,
    &control::PEER_CODE,
    &control::CLOCK_STATUS,
    &control::CLOCK_CODE,
    &control::ASSOCID,
    &control::OFFSET,
    &control::COUNT,
    &control::DATA,
    &control::ITEM,
    &control::VARIABLE,
    &control::VARIABLE_NAME,
    &control::VARIABLE_VALUE,
    &control::TRAPMSG,
    &control::CONFIGURATION,
    &control::MRU,
    &control::ORDLIST,
    &control::NONCE,
    &control::PADDING,
    &control::AUTHENTICATOR,
    &control::KEY_TYPE,
    &control::KEY_INDEX,
    &control::KEY_SIGNATURE,
    &ext::EXT,
    &ext::EXT_TYPE,
    &ext::EXT_LENGTH,
    &ext::EXT_VALUE,
    &ext::EXT_NTS_NONCE_LEN,
    &ext::EXT_NTS_CIPHERTEXT_LEN,
    &ext::EXT_NTS_NONCE,
    &ext::EXT_NTS_CIPHERTEXT,
    &ext::KEYID,
    &ext::MAC,
    &ext::MAC_KIND,
    &FLAGS,
    &FLAGS_LI,
    &FLAGS_VN,
    &FLAGS_MODE,
    &STRATUM,
    &PPOLL,
    &PPOLL_SECONDS,
    &PRECISION,
    &PRECISION_SECONDS,
    &ROOTDELAY,
    &ROOTDELAY_SECONDS,
    &ROOTDISPERSION,
    &ROOTDISPERSION_SECONDS,
    &REFID,
    &REFID_KISS,
    &REFID_CLOCK,
    &REFID_ADDRESS,
    &REFID_NOTE,
    &REFTIME,
    &ORG,
    &REC,
    &XMT,
    &ORG_REC,
    &ORG_XMT,
    &REQUEST_IN,
    &DELTA_TIME,
    &ROUNDTRIP_DELAY,
    &CLOCK_OFFSET,
    &KOD,
    &private::HMODE,
    &private::PEER_FLAGS,
    &private::PMODE,
    &private::SYS_FLAGS8,
    &private::FLAGS_R,
    &private::FLAGS_MORE,
    &private::AUTH_SEQ,
    &private::AUTH,
    &private::SEQ,
    &private::IMPL,
    &private::REQCODE,
    &private::MONLIST,
    &private::ERR,
    &private::NUMITEMS,
    &private::RESERVED,
    &private::ITEMSIZE,
    &private::ITEM,
    &private::TSTAMP,
    &private::MON_RESTR,
    &private::MON_FLAGS,
    &private::MON_V6,
    &private::MON_UNUSED,
    &private::ADDR,
    &private::PORT,
    &private::V6_FLAG,
    &private::UNUSED,
    &private::ADDR6,
    &private::DSTADDR,
    &private::SRCADDR,
    &private::SRCPORT,
    &private::HPOLL,
    &private::REACH,
    &private::DELAY,
    &private::OFFSET,
    &private::DISPERSION,
    &private::DSTADDR6,
    &private::SRCADDR6,
    &private::LEAP,
    &private::VERSION,
    &private::UNREACH,
    &private::FLASH,
    &private::TTL,
    &private::FLASH2,
    &private::ASSOCID,
    &private::PKEYID,
    &private::TIMER,
    &private::FILTDELAY,
    &private::FILTOFFSET,
    &private::ORDER,
    &private::SELECTDIS,
    &private::ESTBDELAY,
    &private::TIMERESET,
    &private::TIMERECEIVED,
    &private::TIMETOSEND,
    &private::TIMEREACHABLE,
    &private::SENT,
    &private::PROCESSED,
    &private::BADAUTH,
    &private::BOGUSORG,
    &private::OLDPKT,
    &private::SELDISP,
    &private::SELBROKEN,
    &private::CANDIDATE,
    &private::POLL32,
    &private::BDELAY,
    &private::FREQ,
    &private::AUTHDELAY,
    &private::STABILITY,
    &private::TIMEUP,
    &private::DENIED,
    &private::OLDVERSION,
    &private::NEWVERSION,
    &private::BADVERSION,
    &private::BADLENGTH,
    &private::LIMITREJECTED,
    &private::LAMPORT,
    &private::TSROUNDING,
    &private::TOTALRECVBUFS,
    &private::FREERECVBUFS,
    &private::FULLRECVBUFS,
    &private::LOWWATER,
    &private::DROPPED,
    &private::IGNORED,
    &private::RECEIVED,
    &private::NOTSENT,
    &private::INTERRUPTS,
    &private::INT_RECEIVED,
    &private::TOTALMEM,
    &private::FREEMEM,
    &private::FINDPEER_CALLS,
    &private::ALLOCATIONS,
    &private::DEMOBILIZATIONS,
    &private::HASHCOUNT,
    &private::LAST_OFFSET,
    &private::DRIFT_COMP,
    &private::COMPLIANCE,
    &private::WATCHDOG_TIMER,
    &private::ALARMS,
    &private::OVERFLOWS,
    &private::XMTCALLS,
    &private::NUMKEYS,
    &private::NUMFREEKEYS,
    &private::KEYLOOKUPS,
    &private::KEYNOTFOUND,
    &private::ENCRYPTIONS,
    &private::DECRYPTIONS,
    &private::EXPIRED,
    &private::KEYUNCACHED,
    &private::REQUESTS,
    &private::BAD_PACKETS,
    &private::RESPONSES,
    &private::FRAGMENTS,
    &private::ERRORS,
    &private::TOO_SHORT,
    &private::INPUT_RESPONSES,
    &private::INPUT_FRAGMENTS,
    &private::INPUT_ERRORS,
    &private::BAD_OFFSET,
    &private::DATA_TOO_SHORT,
    &private::BADOP,
    &private::ASYNC_MESSAGES,
    &private::KERNEL_OFFSET,
    &private::MAXERROR,
    &private::ESTERROR,
    &private::KSTATUS,
    &private::SHIFT,
    &private::CONSTANT,
    &private::KPRECISION,
    &private::TOLERANCE,
    &private::PPSFREQ,
    &private::JITTER,
    &private::STABIL,
    &private::JITCNT,
    &private::CALCNT,
    &private::ERRCNT,
    &private::STBCNT,
    &private::MON_AVGINT,
    &private::MON_LSINT,
    &private::MON_COUNT,
    &private::MON_ADDR,
    &private::MON_DADDR,
    &private::MON_PORT,
    &private::MON_MODE,
    &private::MON_VERSION,
    &private::MON_ADDR6,
    &private::MON_DADDR6,
    &private::PEER_FLAG_BITS[0],
    &private::PEER_FLAG_BITS[1],
    &private::PEER_FLAG_BITS[2],
    &private::PEER_FLAG_BITS[3],
    &private::PEER_FLAG_BITS[4],
    &private::PEER_FLAG_BITS[5],
    &private::PEER_FLAG_BITS[6],
    &private::PEER_FLAG_BITS[7],
    &private::SYS_FLAG_BITS[0],
    &private::SYS_FLAG_BITS[1],
    &private::SYS_FLAG_BITS[2],
    &private::SYS_FLAG_BITS[3],
    &private::SYS_FLAG_BITS[4],
    &private::SYS_FLAG_BITS[5],
    &private::SYS_FLAG_BITS[6],
    &private::SYS_FLAG_BITS[7],
];

impl Dissector for NtpDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn name(&self) -> &'static str {
        "ntp"
    }
    fn full_name(&self) -> &'static str {
        "Network Time Protocol"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Some(&flags) = data.first() else {
            cx.need(1, "NTP flags");
            return Handoff::done(0);
        };
        match Mode::from_bits(flags) {
            Mode::Control => {
                control::dissect(cx, data);
                if let Ok(msg) = ControlMessage::parse(data) {
                    let key = KEY_CONTROL | u64::from(msg.sequence());
                    self.link_by_key(cx, key, msg.is_response());
                }
            }
            Mode::Private => {
                private::dissect(cx, data);
                if let Ok(msg) = PrivateMessage::parse(data) {
                    let key = KEY_PRIVATE
                        | u64::from(msg.implementation()) << 8
                        | u64::from(msg.request_code());
                    self.link_by_key(cx, key, msg.is_response());
                }
            }
            _ => self.dissect_time(data, cx),
        }
        Handoff::done(data.len())
    }

    /// Conservative: a well-formed time message (version 1 to 4, mode 1 to
    /// 5, plausible stratum, poll and precision, and a trailer that is a
    /// MAC or whole extension fields) is only "maybe" NTP.
    fn probe(&self, data: &[u8], _cx: &Context<'_>) -> Probe {
        if looks_like_time_message(data) {
            Probe::Maybe
        } else {
            Probe::No
        }
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        render::render(r)
    }

    /// `Network Time Protocol (NTP Version 4, client)`.
    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        let flags = r.bytes().first().copied().unwrap_or(0);
        let version = names_version(u64::from(flags >> 3 & 7)).unwrap_or("reserved");
        write!(
            r,
            "Network Time Protocol ({version}, {})",
            mode_short_name(flags)
        )
    }
}

fn looks_like_time_message(data: &[u8]) -> bool {
    let Ok(msg) = TimeMessage::parse(data) else {
        return false;
    };
    let flags = byte(data, 0);
    let version = flags >> 3 & 7;
    let mode = flags & 7;
    if !(1..=4).contains(&version) || !(1..=5).contains(&mode) {
        return false;
    }
    if msg.stratum() > 16 || !(-6..=17).contains(&msg.poll()) {
        return false;
    }
    if !(-32..=0).contains(&msg.precision()) && msg.precision() != 32 {
        return false;
    }
    // Root delay and dispersion under 2^10 seconds.
    if msg.root_delay().seconds >= 1024 || msg.root_dispersion().seconds >= 1024 {
        return false;
    }
    if msg.transmit_timestamp().is_null() && mode != 5 && mode != 4 {
        return false;
    }
    let trailer = data.len() - HEADER_LEN;
    let ext_end = ext::extensions_end(data);
    let mac_len = data.len() - ext_end;
    trailer == 0 || matches!(mac_len, 0 | 4 | 20 | 24 | 36 | 52 | 68)
}

pub fn register(registry: &mut Registry) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::UDP_PORT, u32::from(PORT), NtpDissector::default())?;
    registry.register_heuristic(Table::UDP_PORT, NtpDissector::default())?;
    Ok(())
}

#[cfg(test)]
mod tests;
