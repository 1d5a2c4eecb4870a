//! Transmission Control Protocol (RFC 9293).
//!
//! Besides the header and its options this module keeps two kinds of
//! per-connection state, because the two reference tools disagree on what a
//! "relative" sequence number is:
//! - Wireshark (`tcp.seq`, `tcp.ack`, `tcp.nxtseq`, `tcp.stream`, the scaled
//!   window) bases each direction on its first sequence number;
//! - tcpdump records a connection the first time it sees a segment with ACK
//!   set (or any SYN with ACK) and prints later numbers relative to that.
//!
//! Both are computed in `dissect` and stored in fields; `render` only reads
//! fields and bytes.
//!
//! Here are the view (`Tcp`), the fields and the dissector; `options` walks
//! the options and builds their fields, `analysis` keeps the per-connection
//! state, `text` prints tcpdump's line and `mptcp` decodes Multipath TCP's
//! option. The printers for payloads of well-known ports (HTTP, SMTP, FTP,
//! SSH) live with the applications (`app::text`) and are handed in.

use std::fmt::{self, Write};
use std::ops::Range;

use bitflags::bitflags;
use dissect_core::{
    Base, Context, Dissector, FastMap, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ip::addr::{self, NetAddrs};
use crate::ip::ip_payload_len;
use crate::transport::{add_timestamps, frame_time_ns};
use crate::wire::{be16, be32, byte, check_len, Error};

mod analysis;
pub mod mptcp;
mod options;
mod text;

use analysis::*;
use options::*;
pub use options::{sack_blocks, OptionError, Options, RawOption, TcpOption};
use text::*;

/// Byte ranges of the fixed header, named once: the view and the tree both use them.
pub mod field_range {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    /// High nibble: the header length in 32-bit words.
    pub const DATA_OFFSET: Range<usize> = 12..13;
    /// Three reserved bits, AE and the eight classic flags.
    pub const FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
}
use field_range as f;

/// The IP protocol number of TCP.
pub const PROTOCOL: u8 = 6;

/// Length of the header without options.
pub const HEADER_LEN: usize = 20;

bitflags! {
    /// The nine TCP flags (RFC 9293, AE from RFC 9768).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TcpFlags: u16 {
        const FIN = 0x001;
        const SYN = 0x002;
        const RST = 0x004;
        const PSH = 0x008;
        const ACK = 0x010;
        const URG = 0x020;
        const ECE = 0x040;
        const CWR = 0x080;
        const AE = 0x100;
    }
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub mod kind {
    pub const EOL: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const WSCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const ECHO: u8 = 6;
    pub const ECHO_REPLY: u8 = 7;
    pub const TIMESTAMP: u8 = 8;
    pub const CC: u8 = 11;
    pub const CC_NEW: u8 = 12;
    pub const CC_ECHO: u8 = 13;
    pub const MD5: u8 = 19;
    pub const SCPS: u8 = 20;
    pub const USER_TIMEOUT: u8 = 28;
    pub const TCP_AO: u8 = 29;
    pub const MPTCP: u8 = 30;
    pub const FAST_OPEN: u8 = 34;
    pub const EXPERIMENT1: u8 = 253;
    pub const EXPERIMENT2: u8 = 254;
}

/// RFC 6994 experiment identifier of TCP Fast Open before it got kind 34.
pub const EXID_FAST_OPEN: u16 = 0xf989;

/// Typed zero-copy view of a TCP segment (header, options and payload).
#[derive(Debug, Clone, Copy)]
pub struct Tcp<'a> {
    data: &'a [u8],
}

impl<'a> Tcp<'a> {
    /// Checks the fixed header, the data offset and that the options are
    /// all there; the accessors cannot fail afterwards.
    pub fn parse(data: &'a [u8]) -> Result<Tcp<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        let tcp = Tcp { data };
        if tcp.header_len() < HEADER_LEN {
            return Err(Error::Malformed("TCP data offset below 5"));
        }
        check_len(data, tcp.header_len())?;
        Ok(tcp)
    }

    pub fn src_port(&self) -> u16 {
        be16(self.data, f::SRC_PORT.start)
    }
    pub fn dst_port(&self) -> u16 {
        be16(self.data, f::DST_PORT.start)
    }
    pub fn seq(&self) -> u32 {
        be32(self.data, f::SEQ.start)
    }
    pub fn ack(&self) -> u32 {
        be32(self.data, f::ACK.start)
    }
    /// The data offset in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        byte(self.data, f::DATA_OFFSET.start) >> 4
    }
    /// Header length in bytes (data offset × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }
    pub fn flags(&self) -> TcpFlags {
        TcpFlags::from_bits_truncate(be16(self.data, f::FLAGS.start))
    }
    /// The three reserved bits between the data offset and AE.
    pub fn reserved(&self) -> u8 {
        ((be16(self.data, f::FLAGS.start) >> 9) & 0x7) as u8
    }
    pub fn window(&self) -> u16 {
        be16(self.data, f::WINDOW.start)
    }
    pub fn checksum(&self) -> u16 {
        be16(self.data, f::CHECKSUM.start)
    }
    pub fn urgent_pointer(&self) -> u16 {
        be16(self.data, f::URGENT.start)
    }
    /// The option bytes (as many as are present, for a view built by the dissector).
    pub fn options_bytes(&self) -> &'a [u8] {
        let end = self.header_len().min(self.data.len());
        self.data.get(HEADER_LEN..end).unwrap_or(&[])
    }
    /// The options, in order, up to and including an end-of-list option.
    pub fn options(&self) -> Options<'a> {
        Options::new(self.options_bytes())
    }
    pub fn payload(&self) -> &'a [u8] {
        self.data.get(self.header_len()..).unwrap_or(&[])
    }
}

impl Serialize for Tcp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Tcp", 11)?;
        st.serialize_field("src_port", &self.src_port())?;
        st.serialize_field("dst_port", &self.dst_port())?;
        st.serialize_field("seq", &self.seq())?;
        st.serialize_field("ack", &self.ack())?;
        st.serialize_field("header_len", &self.header_len())?;
        st.serialize_field("flags", &self.flags().bits())?;
        st.serialize_field("window", &self.window())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("urgent_pointer", &self.urgent_pointer())?;
        st.serialize_field("options", &OptionList(*self))?;
        st.serialize_field("payload_len", &self.payload().len())?;
        st.end()
    }
}

// ---------------------------------------------------------------- fields

fn names_set(v: u64) -> Option<&'static str> {
    Some(if v != 0 { "Set" } else { "Not set" })
}

fn names_option_kind(v: u64) -> Option<&'static str> {
    Some(match v as u8 {
        kind::EOL => "End of Option List",
        kind::NOP => "No-Operation (NOP)",
        kind::MSS => "Maximum Segment Size",
        kind::WSCALE => "Window Scale",
        kind::SACK_PERMITTED => "SACK Permitted",
        kind::SACK => "SACK",
        kind::ECHO => "Echo",
        kind::ECHO_REPLY => "Echo Reply",
        kind::TIMESTAMP => "Time Stamp Option",
        kind::MD5 => "MD5 Signature Option",
        kind::SCPS => "SCPS Capabilities",
        kind::USER_TIMEOUT => "User Timeout Option",
        kind::TCP_AO => "TCP Authentication Option",
        kind::MPTCP => "Multipath TCP",
        kind::FAST_OPEN => "TCP Fast Open Cookie",
        kind::EXPERIMENT1 | kind::EXPERIMENT2 => "RFC3692-style Experiment",
        _ => return None,
    })
}

const fn flag(abbrev: &'static str, name: &'static str, mask: u64) -> FieldDef {
    FieldDef::new(abbrev, name, FieldType::Bool)
        .mask(mask)
        .names(names_set)
}

pub static SRCPORT: FieldDef = FieldDef::new("tcp.srcport", "Source Port", FieldType::Uint(16));
pub static DSTPORT: FieldDef =
    FieldDef::new("tcp.dstport", "Destination Port", FieldType::Uint(16));
pub static PORT: FieldDef = FieldDef::new(
    "tcp.port",
    "Source or Destination Port",
    FieldType::Uint(16),
);
pub static STREAM: FieldDef = FieldDef::new("tcp.stream", "Stream index", FieldType::Uint(32));
pub static LEN: FieldDef = FieldDef::new("tcp.len", "TCP Segment Len", FieldType::Uint(32));
pub static SEQ: FieldDef =
    FieldDef::new("tcp.seq", "Sequence Number (relative)", FieldType::Uint(32));
pub static SEQ_RAW: FieldDef =
    FieldDef::new("tcp.seq_raw", "Sequence Number (raw)", FieldType::Uint(32));
pub static NXTSEQ: FieldDef = FieldDef::new(
    "tcp.nxtseq",
    "Next Sequence Number (relative)",
    FieldType::Uint(32),
);
pub static ACK: FieldDef = FieldDef::new(
    "tcp.ack",
    "Acknowledgment Number (relative)",
    FieldType::Uint(32),
);
pub static ACK_RAW: FieldDef = FieldDef::new(
    "tcp.ack_raw",
    "Acknowledgment number (raw)",
    FieldType::Uint(32),
);
pub static HDR_LEN: FieldDef = FieldDef::new("tcp.hdr_len", "Header Length", FieldType::Uint(8));
pub static FLAGS: FieldDef = FieldDef::new("tcp.flags", "Flags", FieldType::Uint(16))
    .base(Base::Hex)
    .mask(0x0fff);
/// Wireshark shows the three reserved bits as one boolean: any set.
pub static FLAG_RES: FieldDef = flag("tcp.flags.res", "Reserved", 0x0e00);
pub static FLAG_AE: FieldDef = flag("tcp.flags.ae", "Accurate ECN", 0x0100);
pub static FLAG_CWR: FieldDef = flag("tcp.flags.cwr", "Congestion Window Reduced", 0x0080);
pub static FLAG_ECE: FieldDef = flag("tcp.flags.ece", "ECN-Echo", 0x0040);
pub static FLAG_URG: FieldDef = flag("tcp.flags.urg", "Urgent", 0x0020);
pub static FLAG_ACK: FieldDef = flag("tcp.flags.ack", "Acknowledgment", 0x0010);
pub static FLAG_PUSH: FieldDef = flag("tcp.flags.push", "Push", 0x0008);
pub static FLAG_RESET: FieldDef = flag("tcp.flags.reset", "Reset", 0x0004);
pub static FLAG_SYN: FieldDef = flag("tcp.flags.syn", "Syn", 0x0002);
pub static FLAG_FIN: FieldDef = flag("tcp.flags.fin", "Fin", 0x0001);
pub static WINDOW_SIZE_VALUE: FieldDef =
    FieldDef::new("tcp.window_size_value", "Window", FieldType::Uint(16));
pub static WINDOW_SIZE: FieldDef = FieldDef::new(
    "tcp.window_size",
    "Calculated window size",
    FieldType::Uint(32),
);
pub static WINDOW_SCALEFACTOR: FieldDef = FieldDef::new(
    "tcp.window_size_scalefactor",
    "Window size scaling factor",
    FieldType::Int(32),
);
pub static CHECKSUM: FieldDef =
    FieldDef::new("tcp.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static CHECKSUM_STATUS: FieldDef =
    FieldDef::new("tcp.checksum.status", "Checksum Status", FieldType::Uint(8))
        .names(crate::names::checksum_status_name);
/// The value the checksum field should hold (Wireshark's name; tshark emits
/// it only with checksum verification enabled).
pub static CHECKSUM_CALCULATED: FieldDef = FieldDef::new(
    "tcp.checksum_calculated",
    "Calculated Checksum",
    FieldType::Uint(16),
)
.base(Base::Hex);
/// Wireshark's one-letter picture of the twelve flag bits (`·······AP···`).
pub static FLAGS_STR: FieldDef = FieldDef::new("tcp.flags.str", "TCP Flags", FieldType::Str);
/// The AE, CWR and ECE bits read as one counter once AccECN was negotiated.
pub static FLAG_ACE: FieldDef =
    FieldDef::new("tcp.flags.ace", "ACE", FieldType::Uint(16)).mask(0x01c0);
pub static URGENT_POINTER: FieldDef =
    FieldDef::new("tcp.urgent_pointer", "Urgent Pointer", FieldType::Uint(16));
pub static OPTIONS: FieldDef = FieldDef::new("tcp.options", "Options", FieldType::Bytes);
pub static OPTION_KIND: FieldDef =
    FieldDef::new("tcp.option_kind", "Kind", FieldType::Uint(8)).names(names_option_kind);
pub static OPTION_LEN: FieldDef = FieldDef::new("tcp.option_len", "Length", FieldType::Uint(8));
pub static OPT_EOL: FieldDef = FieldDef::new(
    "tcp.options.eol",
    "TCP Option - End of Option List (EOL)",
    FieldType::Bytes,
);
pub static OPT_NOP: FieldDef = FieldDef::new(
    "tcp.options.nop",
    "TCP Option - No-Operation (NOP)",
    FieldType::Bytes,
);
pub static OPT_MSS: FieldDef = FieldDef::new(
    "tcp.options.mss",
    "TCP Option - Maximum segment size",
    FieldType::Bytes,
);
pub static OPT_MSS_VAL: FieldDef =
    FieldDef::new("tcp.options.mss_val", "MSS Value", FieldType::Uint(16));
pub static OPT_WSCALE: FieldDef = FieldDef::new(
    "tcp.options.wscale",
    "TCP Option - Window scale",
    FieldType::Bytes,
);
pub static OPT_WSCALE_SHIFT: FieldDef = FieldDef::new(
    "tcp.options.wscale.shift",
    "Shift count",
    FieldType::Uint(8),
);
pub static OPT_WSCALE_MULTIPLIER: FieldDef = FieldDef::new(
    "tcp.options.wscale.multiplier",
    "Multiplier",
    FieldType::Uint(16),
);
pub static OPT_SACK_PERM: FieldDef = FieldDef::new(
    "tcp.options.sack_perm",
    "TCP Option - SACK permitted",
    FieldType::Bytes,
);
pub static OPT_SACK: FieldDef =
    FieldDef::new("tcp.options.sack", "TCP Option - SACK", FieldType::Bytes);
pub static OPT_SACK_LE: FieldDef =
    FieldDef::new("tcp.options.sack_le", "left edge", FieldType::Uint(32));
pub static OPT_SACK_RE: FieldDef =
    FieldDef::new("tcp.options.sack_re", "right edge", FieldType::Uint(32));
pub static OPT_DSACK_LE: FieldDef = FieldDef::new(
    "tcp.options.sack.dsack_le",
    "TCP D-SACK Left Edge",
    FieldType::Uint(32),
);
pub static OPT_DSACK_RE: FieldDef = FieldDef::new(
    "tcp.options.sack.dsack_re",
    "TCP D-SACK Right Edge",
    FieldType::Uint(32),
);
pub static OPT_SACK_COUNT: FieldDef = FieldDef::new(
    "tcp.options.sack.count",
    "TCP SACK Count",
    FieldType::Uint(8),
);
pub static OPT_TIMESTAMP: FieldDef = FieldDef::new(
    "tcp.options.timestamp",
    "TCP Option - Timestamps",
    FieldType::Bytes,
);
pub static OPT_TSVAL: FieldDef = FieldDef::new(
    "tcp.options.timestamp.tsval",
    "Timestamp value",
    FieldType::Uint(32),
);
pub static OPT_TSECR: FieldDef = FieldDef::new(
    "tcp.options.timestamp.tsecr",
    "Timestamp echo reply",
    FieldType::Uint(32),
);
pub static OPT_TFO: FieldDef = FieldDef::new(
    "tcp.options.tfo",
    "TCP Option - TCP Fast Open",
    FieldType::Bytes,
);
pub static OPT_TFO_REQUEST: FieldDef = FieldDef::new(
    "tcp.options.tfo.request",
    "Fast Open Cookie Request",
    FieldType::None,
);
pub static OPT_TFO_COOKIE: FieldDef = FieldDef::new(
    "tcp.options.tfo.cookie",
    "Fast Open Cookie",
    FieldType::Bytes,
);
pub static OPT_MPTCP: FieldDef = FieldDef::new(
    "tcp.options.mptcp",
    "TCP Option - Multipath TCP",
    FieldType::Bytes,
);
pub static OPT_SCPS: FieldDef = FieldDef::new(
    "tcp.options.scps",
    "TCP Option - SCPS Capabilities",
    FieldType::Bytes,
);
pub static OPT_EXPERIMENTAL: FieldDef = FieldDef::new(
    "tcp.options.experimental",
    "TCP Option - Experimental",
    FieldType::Bytes,
);
pub static OPT_EXPERIMENTAL_EXID: FieldDef = FieldDef::new(
    "tcp.options.experimental.exid",
    "Experiment Identifier",
    FieldType::Uint(16),
)
.base(Base::Hex);
pub static OPT_UNKNOWN: FieldDef = FieldDef::new(
    "tcp.options.unknown",
    "TCP Option - Unknown",
    FieldType::Bytes,
);
pub static OPT_UNKNOWN_PAYLOAD: FieldDef =
    FieldDef::new("tcp.options.unknown.payload", "Payload", FieldType::Bytes);
pub static OPT_EXPERIMENTAL_DATA: FieldDef =
    FieldDef::new("tcp.options.experimental.data", "Data", FieldType::Bytes);
pub static OPT_ECHO: FieldDef =
    FieldDef::new("tcp.options.echo", "TCP Option - Echo", FieldType::Bytes);
pub static OPT_ECHO_REPLY: FieldDef = FieldDef::new(
    "tcp.options.echoreply",
    "TCP Option - Echo reply",
    FieldType::Bytes,
);
pub static OPT_ECHO_VALUE: FieldDef = FieldDef::new(
    "tcp.options.echo_value",
    "TCP Echo Option",
    FieldType::Uint(32),
);
pub static OPT_CC: FieldDef = FieldDef::new("tcp.options.cc", "TCP Option - CC", FieldType::Bytes);
pub static OPT_CC_NEW: FieldDef =
    FieldDef::new("tcp.options.ccnew", "TCP Option - CC.NEW", FieldType::Bytes);
pub static OPT_CC_ECHO: FieldDef = FieldDef::new(
    "tcp.options.ccecho",
    "TCP Option - CC.ECHO",
    FieldType::Bytes,
);
pub static OPT_CC_VALUE: FieldDef =
    FieldDef::new("tcp.options.cc_value", "TCP CC Option", FieldType::Uint(32));
pub static OPT_MD5: FieldDef = FieldDef::new(
    "tcp.options.md5",
    "TCP Option - TCP MD5 signature",
    FieldType::Bytes,
);
pub static OPT_MD5_DIGEST: FieldDef =
    FieldDef::new("tcp.options.md5.digest", "MD5 digest", FieldType::Bytes);
pub static OPT_USER_TO: FieldDef = FieldDef::new(
    "tcp.options.user_to",
    "TCP Option - User Timeout",
    FieldType::Bytes,
);
pub static OPT_USER_TO_GRANULARITY: FieldDef = FieldDef::new(
    "tcp.options.user_to_granularity",
    "Granularity",
    FieldType::Bool,
)
.mask(0x8000);
pub static OPT_USER_TO_VAL: FieldDef = FieldDef::new(
    "tcp.options.user_to_val",
    "User Timeout",
    FieldType::Uint(16),
)
.mask(0x7fff);
pub static OPT_AO: FieldDef =
    FieldDef::new("tcp.options.ao", "TCP Option - TCP AO", FieldType::Bytes);
pub static OPT_AO_KEYID: FieldDef =
    FieldDef::new("tcp.options.ao.keyid", "AO KeyID", FieldType::Uint(8));
pub static OPT_AO_RNEXTKEYID: FieldDef = FieldDef::new(
    "tcp.options.ao.rnextkeyid",
    "AO RNextKeyID",
    FieldType::Uint(8),
);
pub static OPT_AO_MAC: FieldDef = FieldDef::new("tcp.options.ao.mac", "AO MAC", FieldType::Bytes);
pub static OPT_SCPS_VECTOR: FieldDef = FieldDef::new(
    "tcp.options.scps.vector",
    "TCP SCPS Capabilities Vector",
    FieldType::Uint(8),
);
pub static OPT_SCPS_BINDING: FieldDef = FieldDef::new(
    "tcp.options.scps.binding",
    "Connection ID",
    FieldType::Uint(8),
);
pub static OPTION_LEN_INVALID: FieldDef = FieldDef::new(
    "tcp.option.len.invalid",
    "Invalid length for option",
    FieldType::None,
);
pub static TIME_RELATIVE: FieldDef = FieldDef::new(
    "tcp.time_relative",
    "Time since first frame in this TCP stream",
    FieldType::RelTime,
);
pub static TIME_DELTA: FieldDef = FieldDef::new(
    "tcp.time_delta",
    "Time since previous frame in this TCP stream",
    FieldType::RelTime,
);
pub static PAYLOAD: FieldDef = FieldDef::new("tcp.payload", "TCP payload", FieldType::Bytes);

/// The sequence number tcpdump prints, when it differs from the raw one.
pub static TCPDUMP_SEQ: FieldDef = FieldDef::new(
    "tcp.tcpdump.seq",
    "Sequence number as tcpdump prints it",
    FieldType::Uint(32),
);
/// The acknowledgment number tcpdump prints, when it differs from the raw one.
pub static TCPDUMP_ACK: FieldDef = FieldDef::new(
    "tcp.tcpdump.ack",
    "Acknowledgment number as tcpdump prints it",
    FieldType::Uint(32),
);
/// What tcpdump subtracts from SACK edges (present only with a SACK option).
pub static TCPDUMP_SACK_BASE: FieldDef = FieldDef::new(
    "tcp.tcpdump.sack_base",
    "SACK edge base tcpdump subtracts",
    FieldType::Uint(32),
);

// ---------------------------------------------------------------- dissector

#[derive(Debug, Default)]
pub struct TcpDissector {
    state: State,
    port_texts: &'static [PortText],
}

impl TcpDissector {
    /// A dissector that prints nothing after a payload no dissector took.
    pub fn new() -> TcpDissector {
        TcpDissector::default()
    }

    /// A dissector whose line continues, for a payload no dissector took,
    /// with the first of `port_texts` whose port either end uses.
    pub fn with_port_texts(port_texts: &'static [PortText]) -> TcpDissector {
        TcpDissector {
            port_texts,
            ..TcpDissector::default()
        }
    }
}

/// A text-only printer for the payload of a well-known port (tcpdump's for
/// HTTP, SMTP, FTP and SSH): it adds no layer, so `-V` and JSON do not
/// change; it continues the segment's line. `print` is handed the
/// payload's captured bytes and its length on the wire.
#[derive(Debug, Clone, Copy)]
pub struct PortText {
    pub ports: &'static [u16],
    pub print: fn(&mut Render<'_>, &[u8], usize) -> fmt::Result,
}

/// tcpdump's `ND_ASCII_ISPRINT`.
pub(crate) fn is_print(c: u8) -> bool {
    (0x20..0x7f).contains(&c)
}

/// The fields the one-line text reads.
pub static LINE_FIELDS: &[&FieldDef] = &[
    &SRCPORT,
    &DSTPORT,
    &TCPDUMP_SEQ,
    &TCPDUMP_ACK,
    &TCPDUMP_SACK_BASE,
];

/// Every field the tcp dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &SRCPORT,
    &DSTPORT,
    &PORT,
    &STREAM,
    &LEN,
    &SEQ,
    &SEQ_RAW,
    &NXTSEQ,
    &ACK,
    &ACK_RAW,
    &HDR_LEN,
    &FLAGS,
    &FLAG_RES,
    &FLAG_AE,
    &FLAG_CWR,
    &FLAG_ECE,
    &FLAG_URG,
    &FLAG_ACK,
    &FLAG_PUSH,
    &FLAG_RESET,
    &FLAG_SYN,
    &FLAG_FIN,
    &WINDOW_SIZE_VALUE,
    &WINDOW_SIZE,
    &WINDOW_SCALEFACTOR,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &CHECKSUM_CALCULATED,
    &FLAGS_STR,
    &FLAG_ACE,
    &URGENT_POINTER,
    &OPTIONS,
    &OPTION_KIND,
    &OPTION_LEN,
    &OPT_EOL,
    &OPT_NOP,
    &OPT_MSS,
    &OPT_MSS_VAL,
    &OPT_WSCALE,
    &OPT_WSCALE_SHIFT,
    &OPT_WSCALE_MULTIPLIER,
    &OPT_SACK_PERM,
    &OPT_SACK,
    &OPT_SACK_LE,
    &OPT_SACK_RE,
    &OPT_DSACK_LE,
    &OPT_DSACK_RE,
    &OPT_SACK_COUNT,
    &OPT_TIMESTAMP,
    &OPT_TSVAL,
    &OPT_TSECR,
    &OPT_TFO,
    &OPT_TFO_REQUEST,
    &OPT_TFO_COOKIE,
    &OPT_MPTCP,
    &OPT_SCPS,
    &OPT_EXPERIMENTAL,
    &OPT_EXPERIMENTAL_EXID,
    &OPT_UNKNOWN,
    &OPT_UNKNOWN_PAYLOAD,
    &OPT_EXPERIMENTAL_DATA,
    &OPT_ECHO,
    &OPT_ECHO_REPLY,
    &OPT_ECHO_VALUE,
    &OPT_CC,
    &OPT_CC_NEW,
    &OPT_CC_ECHO,
    &OPT_CC_VALUE,
    &OPT_MD5,
    &OPT_MD5_DIGEST,
    &OPT_USER_TO,
    &OPT_USER_TO_GRANULARITY,
    &OPT_USER_TO_VAL,
    &OPT_AO,
    &OPT_AO_KEYID,
    &OPT_AO_RNEXTKEYID,
    &OPT_AO_MAC,
    &OPT_SCPS_VECTOR,
    &OPT_SCPS_BINDING,
    &OPTION_LEN_INVALID,
    &TIME_RELATIVE,
    &TIME_DELTA,
    &PAYLOAD,
    &TCPDUMP_SEQ,
    &TCPDUMP_ACK,
    &TCPDUMP_SACK_BASE,
    &crate::transport::tcp::mptcp::SUBTYPE,
    &crate::transport::tcp::mptcp::VERSION,
    &crate::transport::tcp::mptcp::RESERVED,
    &crate::transport::tcp::mptcp::FLAGS,
    &crate::transport::tcp::mptcp::BACKUP,
    &crate::transport::tcp::mptcp::CHECKSUM_REQ,
    &crate::transport::tcp::mptcp::EXTENSIBILITY,
    &crate::transport::tcp::mptcp::NO_MORE_SUBFLOWS,
    &crate::transport::tcp::mptcp::SHA1,
    &crate::transport::tcp::mptcp::SHA256,
    &crate::transport::tcp::mptcp::RESERVED_FLAG,
    &crate::transport::tcp::mptcp::DATA_FIN,
    &crate::transport::tcp::mptcp::DSN8,
    &crate::transport::tcp::mptcp::DSN_PRESENT,
    &crate::transport::tcp::mptcp::ACK8,
    &crate::transport::tcp::mptcp::ACK_PRESENT,
    &crate::transport::tcp::mptcp::FLAG_U,
    &crate::transport::tcp::mptcp::FLAG_V,
    &crate::transport::tcp::mptcp::FLAG_W,
    &crate::transport::tcp::mptcp::FLAG_T,
    &crate::transport::tcp::mptcp::RST_REASON,
    &crate::transport::tcp::mptcp::ADDR_ID,
    &crate::transport::tcp::mptcp::SEND_KEY,
    &crate::transport::tcp::mptcp::RECV_KEY,
    &crate::transport::tcp::mptcp::RECV_TOKEN,
    &crate::transport::tcp::mptcp::SEND_RAND,
    &crate::transport::tcp::mptcp::SEND_TRUNC_HMAC,
    &crate::transport::tcp::mptcp::SEND_HMAC,
    &crate::transport::tcp::mptcp::ADD_ADDR_TRUNC_HMAC,
    &crate::transport::tcp::mptcp::RAW_DATA_ACK,
    &crate::transport::tcp::mptcp::RAW_DATA_SEQ,
    &crate::transport::tcp::mptcp::SUBFLOW_SEQ,
    &crate::transport::tcp::mptcp::DATA_LEVEL_LEN,
    &crate::transport::tcp::mptcp::CHECKSUM,
    &crate::transport::tcp::mptcp::IP_VERSION,
    &crate::transport::tcp::mptcp::ECHO,
    &crate::transport::tcp::mptcp::IPV4,
    &crate::transport::tcp::mptcp::IPV6,
    &crate::transport::tcp::mptcp::PORT,
];

impl Dissector for TcpDissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn line_fields(&self) -> &'static [&'static FieldDef] {
        LINE_FIELDS
    }

    fn name(&self) -> &'static str {
        "tcp"
    }
    fn full_name(&self) -> &'static str {
        "Transmission Control Protocol"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        // The ports come first: with them alone tcpdump can print the addresses line.
        if data.len() >= f::DST_PORT.end {
            let (sport, dport) = (be16(data, 0), be16(data, 2));
            cx.add(&SRCPORT, f::SRC_PORT, Value::U64(sport.into()));
            cx.add(&DSTPORT, f::DST_PORT, Value::U64(dport.into()));
            cx.add(&PORT, f::SRC_PORT, Value::U64(sport.into()));
            cx.add(&PORT, f::DST_PORT, Value::U64(dport.into()));
        }
        if data.len() < HEADER_LEN && is_quoted(cx) {
            // An ICMP error quotes only the first 8 bytes: a cut, not a defect.
            cx.truncated(data.len(), "TCP header quoted in ICMP");
            return Handoff::done(data.len());
        }
        if !cx.need(HEADER_LEN, "TCP header") {
            return Handoff::done(data.len());
        }
        let tcp = Tcp { data };
        let (sport, dport) = (tcp.src_port(), tcp.dst_port());
        let header_len = tcp.header_len();
        let reported = cx.reported_len();
        let flags = tcp.flags();
        let seg_len = reported.saturating_sub(header_len);

        if header_len < HEADER_LEN {
            cx.add(&SEQ_RAW, f::SEQ, Value::U64(tcp.seq().into()));
            cx.add(&ACK_RAW, f::ACK, Value::U64(tcp.ack().into()));
            cx.add(&HDR_LEN, f::DATA_OFFSET, Value::U64(header_len as u64));
            add_flags(cx, tcp, false);
            cx.malformed(f::DATA_OFFSET.start, "TCP data offset below 5");
            return Handoff::done(data.len());
        }

        let quoted = is_quoted(cx);
        let flow = flow_of(cx, sport, dport);
        let tcpdump = if quoted {
            None
        } else {
            Some(self.state.tcpdump_numbers(
                &flow,
                tcp.seq(),
                tcp.ack(),
                byte(data, f::FLAGS.start + 1),
            ))
        };
        let options_fit = header_len <= reported;
        // Wireshark's analysis (streams, relative numbers, window scaling)
        // feeds only the tree; the default line needs tcpdump's numbers.
        let analyse = !quoted && cx.wants_tree();
        let syn = flags.contains(TcpFlags::SYN);
        let wscale = if options_fit && analyse && syn {
            window_shift(tcp)
        } else {
            None
        };
        let now_ns = frame_time_ns(cx);
        let analysis = analyse.then(|| self.analyse(&flow, tcp, now_ns, wscale));

        if let Some(a) = &analysis {
            cx.generated(&STREAM, 0..0, Value::U64(a.stream.into()));
        }
        if options_fit {
            cx.generated(&LEN, 0..0, Value::U64(seg_len as u64));
        }
        let (seq_rel, ack_rel, ack_base) = match &analysis {
            Some(a) => (a.seq, a.ack, a.ack_base),
            None => (tcp.seq(), tcp.ack(), 0),
        };
        cx.add(&SEQ, f::SEQ, Value::U64(seq_rel.into()));
        cx.add(&SEQ_RAW, f::SEQ, Value::U64(tcp.seq().into()));
        if options_fit {
            let syn_fin = flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
            let next = seq_rel
                .wrapping_add(seg_len as u32)
                .wrapping_add(u32::from(syn_fin));
            cx.generated(&NXTSEQ, 0..0, Value::U64(next.into()));
        }
        cx.add(&ACK, f::ACK, Value::U64(ack_rel.into()));
        cx.add(&ACK_RAW, f::ACK, Value::U64(tcp.ack().into()));
        cx.add(&HDR_LEN, f::DATA_OFFSET, Value::U64(header_len as u64));
        add_flags(cx, tcp, analysis.as_ref().is_some_and(|a| a.use_ace));
        cx.add(
            &WINDOW_SIZE_VALUE,
            f::WINDOW,
            Value::U64(tcp.window().into()),
        );
        if let Some(a) = &analysis {
            cx.generated(&WINDOW_SIZE, f::WINDOW, Value::U64(a.window));
            if let Some(factor) = a.scale_factor {
                cx.generated(&WINDOW_SCALEFACTOR, f::WINDOW, Value::I64(factor));
            }
        }
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(tcp.checksum().into()));
        // tshark does not verify by default (status 2); the verdict goes
        // into `checksum_calculated`, which the tree and -v read.
        cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(2));
        if cx.wants(&CHECKSUM_CALCULATED) && data.len() >= reported {
            let field = tcp.checksum();
            if let Some(calculated) = addr::calculated_checksum(cx, PROTOCOL, data, field) {
                cx.generated(
                    &CHECKSUM_CALCULATED,
                    f::CHECKSUM,
                    Value::U64(calculated.into()),
                );
            }
        }
        cx.add(
            &URGENT_POINTER,
            f::URGENT,
            Value::U64(tcp.urgent_pointer().into()),
        );
        let options = OptionScan::of(tcp);
        if let Some(numbers) = tcpdump {
            if numbers.seq != tcp.seq() {
                cx.generated(&TCPDUMP_SEQ, f::SEQ, Value::U64(numbers.seq.into()));
            }
            if numbers.ack != tcp.ack() {
                cx.generated(&TCPDUMP_ACK, f::ACK, Value::U64(numbers.ack.into()));
            }
            if numbers.sack_base != 0 && options.sack {
                cx.generated(
                    &TCPDUMP_SACK_BASE,
                    f::ACK,
                    Value::U64(numbers.sack_base.into()),
                );
            }
        }

        if !options_fit {
            cx.malformed(f::DATA_OFFSET.start, "TCP header longer than the segment");
            return Handoff::done(data.len());
        }
        // Walked in summary mode too: a bad option length marks the layer.
        if header_len > HEADER_LEN {
            add_options(cx, tcp, ack_base, options);
        }
        if !cx.need(header_len, "TCP options") {
            return Handoff::done(data.len());
        }
        if let Some(a) = &analysis {
            add_timestamps(
                cx,
                &TIME_RELATIVE,
                &TIME_DELTA,
                a.since_first_ns,
                a.since_previous_ns,
            );
        }
        if data.len() > header_len {
            cx.add(&PAYLOAD, header_len..data.len(), Value::Bytes);
        }
        Handoff::to(
            Next::Ports(Table::TCP_PORT, sport.into(), dport.into()),
            header_len,
            seg_len,
        )
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        render_tcpdump(r, self.port_texts)
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())?;
        if let (Some(s), Some(d)) = (r.u64(&SRCPORT), r.u64(&DSTPORT)) {
            write!(r, ", Src Port: {s}, Dst Port: {d}")?;
        }
        if let Some(seq) = r.u64(&SEQ) {
            write!(r, ", Seq: {seq}")?;
        }
        let ack_set = r.value(&FLAG_ACK) == Some(Value::Bool(true));
        if let (true, Some(ack)) = (ack_set, r.u64(&ACK)) {
            write!(r, ", Ack: {ack}")?;
        }
        if let Some(len) = r.u64(&LEN) {
            write!(r, ", Len: {len}")?;
        }
        Ok(())
    }
}

/// The flag word and its bits; with `use_ace` (AccECN negotiated) AE, CWR
/// and ECE are one counter, as Wireshark shows them.
fn add_flags(cx: &mut Context<'_>, tcp: Tcp<'_>, use_ace: bool) {
    let raw = be16(tcp.data, f::FLAGS.start);
    let flags = tcp.flags();
    cx.push(&FLAGS, f::FLAGS, Value::U64(u64::from(raw & 0x0fff)));
    cx.add(&FLAG_RES, f::FLAGS, Value::Bool(tcp.reserved() != 0));
    if use_ace {
        cx.add(&FLAG_ACE, f::FLAGS, Value::U64(u64::from(raw >> 6 & 7)));
    } else {
        for (def, bit) in [
            (&FLAG_AE, TcpFlags::AE),
            (&FLAG_CWR, TcpFlags::CWR),
            (&FLAG_ECE, TcpFlags::ECE),
        ] {
            cx.add(def, f::FLAGS, Value::Bool(flags.contains(bit)));
        }
    }
    for (def, bit) in [
        (&FLAG_URG, TcpFlags::URG),
        (&FLAG_ACK, TcpFlags::ACK),
        (&FLAG_PUSH, TcpFlags::PSH),
        (&FLAG_RESET, TcpFlags::RST),
        (&FLAG_SYN, TcpFlags::SYN),
        (&FLAG_FIN, TcpFlags::FIN),
    ] {
        cx.add(def, f::FLAGS, Value::Bool(flags.contains(bit)));
    }
    if cx.wants(&FLAGS_STR) {
        let text = flags_picture(raw & 0x0fff, use_ace);
        cx.add(&FLAGS_STR, f::FLAGS, Value::Static(text));
    }
    cx.pop();
}

/// Wireshark's `tcp.flags.str`: one letter per set bit of the twelve, a
/// middle dot per clear one, and `-N-` for the ACE counter. All 8192
/// pictures are made once, on first use, so a packet costs a lookup.
fn flags_picture(flags: u16, use_ace: bool) -> &'static str {
    static PICTURES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let pictures = PICTURES.get_or_init(|| {
        (0..0x2000u16)
            .map(|i| {
                let ace = i & 0x1000 != 0;
                let mut s = String::new();
                for (bit, letter) in "RRRACEUAPRSF".chars().enumerate() {
                    let mask = 0x800 >> bit;
                    if ace && (3..6).contains(&bit) {
                        if bit == 3 {
                            s.push('-');
                            s.push(char::from(b'0' + (i >> 6 & 7) as u8));
                            s.push('-');
                        }
                    } else if i & mask != 0 {
                        s.push(letter);
                    } else {
                        s.push('\u{b7}');
                    }
                }
                s
            })
            .collect()
    });
    let index = usize::from(flags & 0x0fff) | if use_ace { 0x1000 } else { 0 };
    pictures.get(index).map_or("", String::as_str)
}

/// Registers TCP, whose line ends with the first of `port_texts` that
/// claims a payload no dissector took.
pub fn register(
    registry: &mut dissect_core::Registry,
    port_texts: &'static [PortText],
) -> Result<(), dissect_core::registry::RegistryError> {
    let tcp = TcpDissector::with_port_texts(port_texts);
    registry.register(Table::IP_PROTO, PROTOCOL.into(), tcp)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SYN from 32904 to 23 with the options of the telnet capture.
    fn syn() -> Vec<u8> {
        let mut h = vec![
            0x80, 0x88, 0x00, 0x17, // ports
            0x2d, 0x44, 0x0a, 0xa8, // seq 759433896
            0, 0, 0, 0, // ack
            0xa0, 0x02, // data offset 10, SYN
            0xfa, 0xf0, // window 64240
            0x12, 0x34, 0, 0, // checksum, urgent
        ];
        h.extend([2, 4, 0x05, 0xb4, 4, 2, 8, 10]);
        h.extend(3_783_529_343u32.to_be_bytes());
        h.extend([0, 0, 0, 0, 1, 3, 3, 10]);
        h
    }

    #[test]
    fn view_reads_header() {
        let data = syn();
        let tcp = Tcp::parse(&data).unwrap();
        assert_eq!(tcp.src_port(), 32904);
        assert_eq!(tcp.dst_port(), 23);
        assert_eq!(tcp.seq(), 759_433_896);
        assert_eq!(tcp.header_len(), 40);
        assert_eq!(tcp.flags(), TcpFlags::SYN);
        assert_eq!(tcp.window(), 64240);
        assert!(tcp.payload().is_empty());
    }

    #[test]
    fn all_nine_flags() {
        let mut data = syn();
        data[12] = 0xa1;
        data[13] = 0xff;
        let tcp = Tcp::parse(&data).unwrap();
        assert_eq!(tcp.flags(), TcpFlags::all());
        assert_eq!(tcp.reserved(), 0);
        data[12] = 0xaf;
        data[13] = 0x00;
        let tcp = Tcp::parse(&data).unwrap();
        assert_eq!(tcp.flags(), TcpFlags::AE);
        assert_eq!(tcp.reserved(), 7);
    }

    #[test]
    fn options_decode() {
        let data = syn();
        let tcp = Tcp::parse(&data).unwrap();
        let options: Vec<_> = tcp.options().map(|o| o.unwrap().decode()).collect();
        assert_eq!(
            options,
            vec![
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps {
                    val: 3_783_529_343,
                    ecr: 0
                },
                TcpOption::Nop,
                TcpOption::WindowScale(10),
            ]
        );
    }

    #[test]
    fn option_errors_and_eol() {
        // Length 1 is invalid for a kind with a length byte.
        let bad: Vec<_> = Options::new(&[1, 2, 1, 0]).collect();
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[1], Err(OptionError { offset: 1, kind: 2 }));
        // Running past the end.
        assert!(Options::new(&[8, 10, 0]).next().unwrap().is_err());
        // Nothing after EOL is an option.
        let after_eol: Vec<_> = Options::new(&[0, 2, 4, 5, 0]).collect();
        assert_eq!(after_eol.len(), 1);
        // SACK blocks and the experimental Fast Open cookie.
        let sack = [5, 10, 0, 0, 0, 1, 0, 0, 0, 16];
        let opt = Options::new(&sack).next().unwrap().unwrap();
        assert_eq!(sack_blocks(opt.data).collect::<Vec<_>>(), vec![(1, 16)]);
        let tfo = [254, 4, 0xf9, 0x89];
        let opt = Options::new(&tfo).next().unwrap().unwrap().decode();
        assert_eq!(
            opt,
            TcpOption::Experimental {
                kind: 254,
                exid: EXID_FAST_OPEN,
                data: &[]
            }
        );
    }

    #[test]
    fn short_header_and_bad_offset() {
        assert!(matches!(
            Tcp::parse(&[0; 19]),
            Err(Error::Truncated { needed: 20, .. })
        ));
        let mut data = syn();
        data[12] = 0x40;
        assert_eq!(
            Tcp::parse(&data).unwrap_err(),
            Error::Malformed("TCP data offset below 5")
        );
        data[12] = 0xf0;
        assert!(matches!(
            Tcp::parse(&data),
            Err(Error::Truncated { needed: 60, .. })
        ));
    }

    fn flow(sport: u16, dport: u16) -> Flow {
        let mut src = [0; 16];
        let mut dst = [0; 16];
        src[..4].copy_from_slice(&[10, 0, 0, 1]);
        dst[..4].copy_from_slice(&[10, 0, 0, 2]);
        Flow {
            v6: false,
            src,
            dst,
            sport,
            dport,
        }
    }

    #[test]
    fn tcpdump_relative_numbers() {
        // The telnet capture: client 32904 -> server 23.
        let mut state = State::default();
        let client = flow(32904, 23);
        let server = client.canonical_swap();
        // SYN: no ACK, nothing recorded, absolute.
        let n = state.tcpdump_numbers(&client, 759_433_896, 0, 0x02);
        assert_eq!((n.seq, n.ack), (759_433_896, 0));
        // SYN-ACK: recorded, still absolute.
        let n = state.tcpdump_numbers(&server, 769_477_099, 759_433_897, 0x12);
        assert_eq!((n.seq, n.ack), (769_477_099, 759_433_897));
        // ACK from the client: relative both ways.
        let n = state.tcpdump_numbers(&client, 759_433_897, 769_477_100, 0x10);
        assert_eq!((n.seq, n.ack), (1, 1));
        let n = state.tcpdump_numbers(&server, 769_477_100, 759_433_897, 0x18);
        assert_eq!((n.seq, n.ack), (1, 1));
        assert_eq!(n.sack_base, 759_433_896);
    }

    #[test]
    fn tcpdump_first_ack_without_handshake() {
        // fin_retransmission.pcap: the first ACK-bearing segment is recorded.
        let mut state = State::default();
        let client = flow(55344, 443);
        let n = state.tcpdump_numbers(&client, 2_187_051_757, 0, 0x01);
        assert_eq!(n.seq, 2_187_051_757);
        let server = client.canonical_swap();
        state.tcpdump_numbers(&server, 1_539_553_752, 2_187_051_758, 0x12);
        let n = state.tcpdump_numbers(&client, 2_187_051_757, 1_539_553_753, 0x11);
        assert_eq!((n.seq, n.ack), (0, 1));
    }

    #[test]
    fn wireshark_streams_and_bases() {
        let mut d = TcpDissector::default();
        let client = flow(1000, 80);
        let data = syn();
        let tcp = Tcp::parse(&data).unwrap();
        let a = d.analyse(&client, tcp, 0, window_shift(tcp));
        assert_eq!((a.stream, a.seq, a.ack), (0, 0, 0));
        assert_eq!(a.scale_factor, None);
        // Another connection gets the next stream index.
        let other = flow(1001, 80);
        assert_eq!(d.analyse(&other, tcp, 0, None).stream, 1);
        // A non-SYN first segment is based at seq - 1.
        let mut data2 = syn();
        data2[13] = 0x10;
        let tcp2 = Tcp::parse(&data2).unwrap();
        let third = flow(1002, 80);
        let a = d.analyse(&third, tcp2, 0, None);
        assert_eq!((a.seq, a.ack), (1, 1));
        assert_eq!(a.scale_factor, Some(-1));
    }
}

#[cfg(test)]
mod dissector_tests {
    use crate::testkit::{ipv4, run, status, value};
    use dissect_core::{FrameInfo, Packet, Status};

    /// A segment from 10.0.0.1:`sport` to 10.0.0.2:`dport`.
    fn segment(
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        options: &[u8],
        data: &[u8],
    ) -> Vec<u8> {
        let mut s = Vec::new();
        s.extend(sport.to_be_bytes());
        s.extend(dport.to_be_bytes());
        s.extend(seq.to_be_bytes());
        s.extend(ack.to_be_bytes());
        s.push((((20 + options.len()) / 4) as u8) << 4);
        s.push(flags);
        s.extend(64240u16.to_be_bytes());
        s.extend([0, 0, 0, 0]);
        s.extend(options);
        s.extend(data);
        s
    }

    const TELNET_SYN_OPTIONS: [u8; 20] = [
        2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xe1, 0x84, 0x8f, 0x7f, 0, 0, 0, 0, 1, 3, 3, 10,
    ];

    #[test]
    fn syn_line_and_fields() {
        let syn = segment(32904, 23, 759_433_896, 0, 0x02, &TELNET_SYN_OPTIONS, &[]);
        let out = run(&[(ipv4(6, &syn, 0), None)]);
        let (line, packet) = &out[0];
        assert_eq!(
            line,
            "IP 10.0.0.1.32904 > 10.0.0.2.23: Flags [S], seq 759433896, win 64240, \
             options [mss 1460,sackOK,TS val 3783561087 ecr 0,nop,wscale 10], length 0"
        );
        assert_eq!(value(packet, "tcp.hdr_len"), Some(40));
        assert_eq!(value(packet, "tcp.seq"), Some(0));
        assert_eq!(value(packet, "tcp.nxtseq"), Some(1));
        assert_eq!(value(packet, "tcp.flags"), Some(0x002));
        assert_eq!(value(packet, "tcp.flags.syn"), Some(1));
        assert_eq!(value(packet, "tcp.options.mss_val"), Some(1460));
        assert_eq!(value(packet, "tcp.options.wscale.multiplier"), Some(1024));
        assert_eq!(status(packet, "tcp"), Some(Status::Ok));
    }

    #[test]
    fn relative_numbers_after_handshake() {
        let frames = [
            segment(32904, 23, 1000, 0, 0x02, &[], &[]),
            segment(23, 32904, 5000, 1001, 0x12, &[], &[]),
            segment(32904, 23, 1001, 5001, 0x10, &[], &[]),
            segment(23, 32904, 5001, 1001, 0x18, &[], b"hello world!"),
        ];
        // The reply goes the other way: swap the IP addresses.
        let frames: Vec<_> = frames
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut f = ipv4(6, s, 0);
                if i % 2 == 1 {
                    f[26..30].copy_from_slice(&[10, 0, 0, 2]);
                    f[30..34].copy_from_slice(&[10, 0, 0, 1]);
                }
                (f, None)
            })
            .collect();
        let out = run(&frames);
        assert!(out[1]
            .0
            .ends_with("Flags [S.], seq 5000, ack 1001, win 64240, length 0"));
        assert!(out[2].0.ends_with("Flags [.], ack 1, win 64240, length 0"));
        assert!(out[3]
            .0
            .ends_with("Flags [P.], seq 1:13, ack 1, win 64240, length 12"));
        let data = &out[3].1;
        assert_eq!(value(data, "tcp.seq"), Some(1));
        assert_eq!(value(data, "tcp.nxtseq"), Some(13));
        assert_eq!(value(data, "tcp.len"), Some(12));
        assert_eq!(value(data, "tcp.stream"), Some(0));
    }

    #[test]
    fn truncated_header_and_options() {
        let syn = segment(32904, 23, 7, 0, 0x02, &TELNET_SYN_OPTIONS, &[]);
        let frame = ipv4(6, &syn, 0);
        // 12 bytes of TCP: ports only.
        let out = run(&[(frame.clone(), Some(34 + 12))]);
        assert!(
            out[0].0.ends_with("10.0.0.1.32904 > 10.0.0.2.23:  [|tcp]"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "tcp"),
            Some(Status::Truncated { .. })
        ));
        // Cut inside the timestamp option.
        let out = run(&[(frame.clone(), Some(34 + 20 + 10))]);
        assert!(
            out[0].0.ends_with("options [mss 1460,sackOK,TS [|tcp]>"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "tcp"),
            Some(Status::Truncated { .. })
        ));
        // Two bytes of TCP: no ports at all.
        let out = run(&[(frame, Some(34 + 2))]);
        assert!(
            out[0].0.ends_with("IP 10.0.0.1 > 10.0.0.2: [|tcp]"),
            "{}",
            out[0].0
        );
    }

    #[test]
    fn malformed_lengths() {
        let mut short = segment(1, 2, 0, 0, 0x10, &[], &[]);
        short[12] = 0x40;
        let out = run(&[(ipv4(6, &short, 0), None)]);
        assert!(
            out[0]
                .0
                .ends_with(":  tcp 4 [bad hdr length 16 - too short, < 20]"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "tcp"),
            Some(Status::Malformed { .. })
        ));
        // A data offset of 15 words in a 20-byte segment.
        let mut long = segment(1, 2, 0, 0, 0x10, &[], &[]);
        long[12] = 0xf0;
        let out = run(&[(ipv4(6, &long, 0), None)]);
        assert!(
            out[0]
                .0
                .ends_with("Flags [.] [bad hdr length 60 - too long, > 20]"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "tcp"),
            Some(Status::Malformed { .. })
        ));
        // A bad option length.
        let bad = segment(1, 2, 0, 0, 0x02, &[1, 2, 1, 0], &[]);
        let out = run(&[(ipv4(6, &bad, 0), None)]);
        assert!(
            out[0].0.ends_with("win 64240, options [nop,[bad opt]]"),
            "{}",
            out[0].0
        );
        assert!(matches!(
            status(&out[0].1, "tcp"),
            Some(Status::Malformed { .. })
        ));
        // Summary mode checks only the option lengths: the same mark at the
        // same offset, whole or cut by the capture inside the options.
        let frame = ipv4(6, &bad, 0);
        for cut in [frame.len(), frame.len() - 2] {
            let statuses: Vec<_> = [false, true]
                .into_iter()
                .map(|line_only| {
                    let mut registry = crate::registry();
                    if line_only {
                        registry.set_fields(registry.line_fields());
                    }
                    let mut packet = Packet::new();
                    let info = FrameInfo {
                        caplen: cut as u32,
                        len: frame.len() as u32,
                        linktype: dissect_core::linktype::ETHERNET,
                        ..FrameInfo::default()
                    };
                    registry.dissect(&info, &frame[..cut], &mut packet);
                    status(&packet, "tcp")
                })
                .collect();
            assert_eq!(statuses[0], statuses[1], "cut at {cut}");
            assert!(statuses[0].is_some_and(|s| !s.is_ok()), "cut at {cut}");
        }
    }

    #[test]
    fn option_texts() {
        let options = [
            254, 4, 0xf9, 0x89, // experimental TFO cookie request
            5, 10, 0, 0, 0, 1, 0, 0, 0, 16, // sack {1:16}
            30, 4, 0x00, 0x81, // MPTCP capable
            34, 6, 1, 2, 3, 4, // TFO cookie
            77, 3, 0xab, 0, // unknown, then EOL
        ];
        let syn = segment(20, 80, 0, 0, 0x02, &options, &[]);
        let out = run(&[(ipv4(6, &syn, 0), None)]);
        assert!(
            out[0].0.ends_with(
                "options [exp-tfo cookiereq,sack 1 {1:16},mptcp 4 capable v0 csum,tfo  cookie 01020304,unknown-77 0xab,eol], length 0"
            ),
            "{}",
            out[0].0
        );
    }

    #[test]
    fn verbose_checksum_and_numbers() {
        use crate::testkit::{fix_checksum, run_with, verbose};
        let syn = segment(1000, 80, 5000, 0, 0x02, &[], &[]);
        let ack = segment(1000, 80, 5001, 9001, 0x10, &[], &[]);
        let mut frames = vec![ipv4(6, &syn, 0), ipv4(6, &ack, 0), ipv4(6, &ack, 0)];
        fix_checksum(&mut frames[0], 6, 16);
        fix_checksum(&mut frames[1], 6, 16);
        frames[2][34 + 16] ^= 0xff; // a wrong checksum
        let frames: Vec<_> = frames.into_iter().map(|f| (f, None)).collect();
        let sum = u16::from_be_bytes([frames[0].0[50], frames[0].0[51]]);
        let out = run_with(&frames, &verbose(1));
        let expected =
            format!("Flags [S], cksum 0x{sum:04x} (correct), seq 5000, win 64240, length 0");
        assert!(out[0].0.ends_with(&expected), "{}", out[0].0);
        assert_eq!(
            value(&out[0].1, "tcp.checksum_calculated"),
            Some(sum.into())
        );
        assert!(
            out[1].0.contains("(correct), ack 9001, win"),
            "{}",
            out[1].0
        );
        assert!(out[2].0.contains("(incorrect -> 0x"), "{}", out[2].0);
        // -vv shows the sequence number of a pure ACK too; -S keeps it absolute.
        let out = run_with(&frames, &verbose(2));
        assert!(out[2].0.contains(", seq 0, ack 1, win"), "{}", out[2].0);
        let absolute = dissect_core::RenderOptions {
            absolute_seq: true,
            ..verbose(2)
        };
        let out = run_with(&frames, &absolute);
        assert!(
            out[2].0.contains(", seq 5001, ack 9001, win"),
            "{}",
            out[2].0
        );
    }

    #[test]
    fn reset_text_with_verbose() {
        use crate::testkit::{run_with, verbose};
        let rst = segment(80, 1000, 1, 1, 0x14, &[], b"no\x01\xffthanks");
        let out = run_with(&[(ipv4(6, &rst, 0), None)], &verbose(1));
        assert!(
            out[0].0.ends_with("length 10 [RST no^AM-^?thanks]"),
            "{}",
            out[0].0
        );
        let long = segment(80, 1000, 1, 1, 0x04, &[], &[b'x'; 40]);
        let out = run_with(&[(ipv4(6, &long, 0), None)], &verbose(1));
        assert!(
            out[0].0.ends_with(&format!(" [RST+ {}]", "x".repeat(30))),
            "{}",
            out[0].0
        );
    }

    #[test]
    fn tree_extras() {
        // A D-SACK block below the acknowledgment number, and an unknown option.
        let options = [1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 9, 99, 4, 0xab, 0xcd];
        let seg = segment(1, 2, 100, 20, 0x10, &options, &[]);
        let out = run(&[(ipv4(6, &seg, 0), None)]);
        let packet = &out[0].1;
        assert_eq!(
            value(packet, "tcp.options.sack.dsack_le"),
            Some(u64::from(5u32.wrapping_sub(19)))
        );
        assert!(packet.field("tcp.options.unknown.payload").is_some());
        let text = packet.field("tcp.flags.str").map(|f| f.value);
        assert_eq!(
            text,
            Some(dissect_core::Value::Static(
                "\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}A\u{b7}\u{b7}\u{b7}\u{b7}"
            ))
        );
        assert_eq!(
            super::flags_picture(0x1d0, true),
            "\u{b7}\u{b7}\u{b7}-7-\u{b7}A\u{b7}\u{b7}\u{b7}\u{b7}"
        );
    }

    #[test]
    fn http_first_line() {
        let data = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let seg = segment(40000, 80, 1, 1, 0x18, &[], data);
        let out = run(&[(ipv4(6, &seg, 0), None)]);
        assert!(out[0].0.ends_with(": HTTP: GET / HTTP/1.1"), "{}", out[0].0);
    }

    /// The port printers go in tcpdump's order: 23 before 25, 22, 21, 80.
    #[test]
    fn port_texts_in_tcpdump_order() {
        let data = b"GET / HTTP/1.1\r\n";
        let line = |sport, dport| {
            let seg = segment(sport, dport, 1, 1, 0x18, &[], data);
            run(&[(ipv4(6, &seg, 0), None)]).remove(0).0
        };
        assert!(line(23, 80).ends_with(", length 16"), "{}", line(23, 80));
        assert!(line(80, 25).ends_with(": SMTP: GET / HTTP/1.1"));
        assert!(line(21, 8080).ends_with(": FTP: GET / HTTP/1.1"));
        assert!(line(8080, 40000).ends_with(": HTTP: GET / HTTP/1.1"));
        assert!(line(22, 80).ends_with(", length 16"), "{}", line(22, 80));
    }
}

#[cfg(test)]
mod robustness_tests {
    use crate::testkit::{ipv4, ipv6, run};

    /// Every cut and many random corruptions of a few frames: dissecting
    /// and printing must never panic.
    #[test]
    fn never_panics() {
        let mut tcp = vec![0x80, 0x88, 0, 23, 0, 0, 0, 1, 0, 0, 0, 2, 0xb0, 0x12, 1, 0];
        tcp.extend([
            0, 0, 0, 0, 2, 4, 5, 0xb4, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 254, 4,
        ]);
        tcp.extend([0xf9, 0x89, 0, 0]);
        tcp.extend(b"GET / HTTP/1.1\r\n");
        let mut icmp = vec![3, 3, 0, 0, 0, 2, 0, 0];
        icmp.extend([
            0x45, 0, 0, 76, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
        ]);
        icmp.extend([0x04, 0xd2, 0, 123, 0, 56, 0, 0]);
        let mut icmp6 = vec![1, 4, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 8, 0, 64];
        icmp6.extend([0; 32]);
        icmp6.extend([0x12, 0x34, 0, 53, 0, 8, 0, 0]);
        let mut ni = vec![140, 0, 0, 0, 0, 3, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8];
        ni.extend([0; 20]);
        let bases = [
            ipv4(6, &tcp, 0),
            ipv4(17, &[0, 1, 0, 2, 0, 12, 0, 0, 1, 2, 3, 4], 0),
            ipv4(1, &icmp, 0),
            ipv6(58, &icmp6),
            ipv6(58, &ni),
            ipv6(6, &tcp),
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for base in &bases {
            let cuts: Vec<_> = (0..=base.len()).map(|n| (base.clone(), Some(n))).collect();
            run(&cuts);
            let mut mutated = Vec::new();
            for _ in 0..300 {
                let mut frame = base.clone();
                for _ in 0..1 + next() % 4 {
                    // Corrupt the transport part (and sometimes the IP lengths).
                    let at = 16 + (next() as usize) % (frame.len() - 16);
                    frame[at] = next() as u8;
                }
                mutated.push((frame, None));
            }
            run(&mutated);
        }
    }
}
