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

pub mod mptcp;

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

struct OptionList<'a>(Tcp<'a>);

impl Serialize for OptionList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.options().map_while(Result::ok).map(|o| o.decode()))
    }
}

/// One option as it sits in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawOption<'a> {
    /// Offset of the kind byte within the option bytes.
    pub offset: usize,
    pub kind: u8,
    /// Total length including kind and length bytes (1 for EOL and NOP).
    pub len: usize,
    /// The bytes after the kind and length bytes.
    pub data: &'a [u8],
}

/// An option whose length byte is below 2 or runs past the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionError {
    pub offset: usize,
    pub kind: u8,
}

/// Splits one option off `input`: kind, then (except for EOL and NOP)
/// length and data; `None` when the length is below 2 or runs past the end.
/// Written out rather than with nom: every segment's options are walked,
/// and this costs a fraction of the combinator version.
fn raw_option(input: &[u8]) -> Option<(u8, usize, &[u8])> {
    let kind = *input.first()?;
    if kind == kind::EOL || kind == kind::NOP {
        return Some((kind, 1, &[]));
    }
    let len = usize::from(*input.get(1)?);
    let data = input.get(2..len)?;
    Some((kind, len, data))
}

/// Iterator over the options; stops after EOL or at the first bad option.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    input: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> Options<'a> {
    pub fn new(input: &'a [u8]) -> Options<'a> {
        Options {
            input,
            offset: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<RawOption<'a>, OptionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.input.is_empty() {
            return None;
        }
        match raw_option(self.input) {
            Some((kind, len, data)) => {
                let option = RawOption {
                    offset: self.offset,
                    kind,
                    len,
                    data,
                };
                self.offset += len;
                self.input = self.input.get(len..).unwrap_or(&[]);
                self.done = kind == kind::EOL;
                Some(Ok(option))
            }
            None => {
                self.done = true;
                Some(Err(OptionError {
                    offset: self.offset,
                    kind: self.input.first().copied().unwrap_or(0),
                }))
            }
        }
    }
}

/// A decoded option. A known kind with the wrong length decodes as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TcpOption<'a> {
    EndOfList,
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    /// Left and right edges, 8 bytes a block ([`sack_blocks`]).
    Sack(&'a [u8]),
    Timestamps {
        val: u32,
        ecr: u32,
    },
    /// Empty for a cookie request.
    FastOpen(&'a [u8]),
    /// The whole option body (subtype and flags first).
    Mptcp(&'a [u8]),
    /// RFC 6994 shared experimental option (kinds 253 and 254).
    Experimental {
        kind: u8,
        exid: u16,
        data: &'a [u8],
    },
    Unknown {
        kind: u8,
        data: &'a [u8],
    },
}

impl<'a> RawOption<'a> {
    pub fn decode(&self) -> TcpOption<'a> {
        let d = self.data;
        match (self.kind, d.len()) {
            (kind::EOL, _) => TcpOption::EndOfList,
            (kind::NOP, _) => TcpOption::Nop,
            (kind::MSS, 2) => TcpOption::Mss(be16(d, 0)),
            (kind::WSCALE, 1) => TcpOption::WindowScale(byte(d, 0)),
            (kind::SACK_PERMITTED, 0) => TcpOption::SackPermitted,
            (kind::SACK, n) if n % 8 == 0 => TcpOption::Sack(d),
            (kind::TIMESTAMP, 8) => TcpOption::Timestamps {
                val: be32(d, 0),
                ecr: be32(d, 4),
            },
            (kind::FAST_OPEN, _) => TcpOption::FastOpen(d),
            (kind::MPTCP, n) if n >= 1 => TcpOption::Mptcp(d),
            (kind::EXPERIMENT1 | kind::EXPERIMENT2, n) if n >= 2 => TcpOption::Experimental {
                kind: self.kind,
                exid: be16(d, 0),
                data: d.get(2..).unwrap_or(&[]),
            },
            (kind, _) => TcpOption::Unknown { kind, data: d },
        }
    }
}

/// The (left, right) edges of a SACK option body.
pub fn sack_blocks(data: &[u8]) -> impl Iterator<Item = (u32, u32)> + '_ {
    data.chunks_exact(8).map(|b| (be32(b, 0), be32(b, 4)))
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

// ---------------------------------------------------------------- state

/// At most this many connections are remembered (per table); when full the
/// table is cleared, so memory stays bounded on endless captures.
const MAX_CONNECTIONS: usize = 1 << 16;

/// Addresses (IPv4 in the first 4 bytes) and ports of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Flow {
    v6: bool,
    src: [u8; 16],
    dst: [u8; 16],
    sport: u16,
    dport: u16,
}

impl Flow {
    /// One key for both directions, and whether this segment runs "backwards".
    fn canonical(&self) -> (Flow, usize) {
        if (self.src, self.sport) <= (self.dst, self.dport) {
            (*self, 0)
        } else {
            let swapped = Flow {
                v6: self.v6,
                src: self.dst,
                dst: self.src,
                sport: self.dport,
                dport: self.sport,
            };
            (swapped, 1)
        }
    }

    /// tcpdump's collating order: the higher port (or, on equal ports, the
    /// higher address) is the "reverse" side.
    fn tcpdump_key(&self) -> (Flow, bool) {
        let (src, dst): (&[u8], &[u8]) = if self.v6 {
            (&self.src, &self.dst)
        } else {
            (&self.src[..4], &self.dst[..4])
        };
        let rev = self.sport > self.dport || (self.sport == self.dport && src > dst);
        if rev {
            (self.canonical_swap(), true)
        } else {
            (*self, false)
        }
    }

    fn canonical_swap(&self) -> Flow {
        Flow {
            v6: self.v6,
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
        }
    }
}

/// Wireshark's view of one direction of a conversation.
#[derive(Debug, Clone, Copy, Default)]
struct Direction {
    base_seq: Option<u32>,
    /// Window shift from this side's SYN; -1 unknown, -2 no scaling.
    win_scale: i8,
}

#[derive(Debug, Clone, Copy)]
struct Conversation {
    stream: u32,
    dirs: [Direction; 2],
    /// AccECN negotiation (RFC 9768) seen so far: [`ACC_ECN_SYN`], [`ACC_ECN_SYN_ACK`].
    acc_ecn: u8,
    /// Capture times (ns since the epoch) of the first and latest segments.
    first_ns: Option<i64>,
    last_ns: Option<i64>,
}

/// A SYN with AE, CWR and ECE all set asks for Accurate ECN.
const ACC_ECN_SYN: u8 = 1;
/// A SYN-ACK answering with one of the AccECN patterns: from then on AE,
/// CWR and ECE form the ACE counter (what Wireshark shows as `tcp.flags.ace`).
const ACC_ECN_SYN_ACK: u8 = 2;

impl Conversation {
    fn new(stream: u32) -> Conversation {
        let dir = Direction {
            base_seq: None,
            win_scale: -1,
        };
        Conversation {
            stream,
            dirs: [dir; 2],
            acc_ecn: 0,
            first_ns: None,
            last_ns: None,
        }
    }
}

/// tcpdump's record of a connection (`struct tcp_seq_hash`).
#[derive(Debug, Clone, Copy)]
struct TcpdumpIsn {
    seq: u32,
    ack: u32,
}

/// What the dissector remembers about the connections it has seen.
#[derive(Debug, Default)]
struct State {
    conversations: FastMap<Flow, Conversation>,
    next_stream: u32,
    tcpdump: FastMap<Flow, TcpdumpIsn>,
}

/// Numbers tcpdump prints for one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TcpdumpNumbers {
    seq: u32,
    ack: u32,
    sack_base: u32,
}

impl State {
    /// tcpdump's `tcp_print` bookkeeping (relative numbers only once an ACK was seen).
    fn tcpdump_numbers(&mut self, flow: &Flow, seq: u32, ack: u32, flags: u8) -> TcpdumpNumbers {
        const ACK: u8 = 0x10;
        const SYN: u8 = 0x02;
        if flags & ACK == 0 {
            return TcpdumpNumbers {
                seq,
                ack,
                sack_base: 0,
            };
        }
        let (key, rev) = flow.tcpdump_key();
        match self.tcpdump.get(&key) {
            Some(isn) if flags & SYN == 0 => {
                let (seq_base, ack_base) = if rev {
                    (isn.ack, isn.seq)
                } else {
                    (isn.seq, isn.ack)
                };
                TcpdumpNumbers {
                    seq: seq.wrapping_sub(seq_base),
                    ack: ack.wrapping_sub(ack_base),
                    sack_base: ack_base,
                }
            }
            _ => {
                let isn = if rev {
                    TcpdumpIsn {
                        seq: ack.wrapping_sub(1),
                        ack: seq,
                    }
                } else {
                    TcpdumpIsn {
                        seq,
                        ack: ack.wrapping_sub(1),
                    }
                };
                if self.tcpdump.len() >= MAX_CONNECTIONS && !self.tcpdump.contains_key(&key) {
                    self.tcpdump.clear();
                }
                self.tcpdump.insert(key, isn);
                TcpdumpNumbers {
                    seq,
                    ack,
                    sack_base: ack.wrapping_sub(1),
                }
            }
        }
    }

    /// Wireshark's conversation for this segment, and the index of its direction.
    fn conversation(
        &mut self,
        flow: &Flow,
        seq: u32,
        flags: TcpFlags,
    ) -> (&mut Conversation, usize) {
        let (key, dir) = flow.canonical();
        let fresh_syn = flags.contains(TcpFlags::SYN) && !flags.contains(TcpFlags::ACK);
        if self.conversations.len() >= MAX_CONNECTIONS && !self.conversations.contains_key(&key) {
            self.conversations.clear();
        }
        let next_stream = &mut self.next_stream;
        let mut new_stream = || {
            let stream = *next_stream;
            *next_stream = next_stream.wrapping_add(1);
            Conversation::new(stream)
        };
        let conv = match self.conversations.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let conv = e.into_mut();
                // A new SYN with another initial sequence number opens a new stream.
                let base_seq = conv.dirs.get(dir).and_then(|d| d.base_seq);
                if fresh_syn && base_seq.is_some_and(|b| b != seq) {
                    *conv = new_stream();
                }
                conv
            }
            std::collections::hash_map::Entry::Vacant(e) => e.insert(new_stream()),
        };
        (conv, dir)
    }
}

/// The addresses of the IP layer that carries this segment.
fn flow_of(cx: &Context<'_>, sport: u16, dport: u16) -> Flow {
    let addrs = NetAddrs::of(cx).unwrap_or_default();
    Flow {
        v6: addrs.v6,
        src: addrs.src,
        dst: addrs.dst,
        sport,
        dport,
    }
}

/// True when this segment is quoted inside an ICMP error: it is not part of
/// the conversation and must not move any state.
fn is_quoted(cx: &Context<'_>) -> bool {
    cx.previous_layers()
        .iter()
        .any(|l| l.name == "icmp" || l.name == "icmpv6")
}

// ---------------------------------------------------------------- dissector

#[derive(Debug, Default)]
pub struct TcpDissector {
    state: State,
}

impl TcpDissector {
    pub fn new() -> TcpDissector {
        TcpDissector::default()
    }
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
        render_tcpdump(r)
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

/// Wireshark's per-segment results from the conversation state.
struct Analysis {
    stream: u32,
    seq: u32,
    ack: u32,
    /// What was subtracted from the acknowledgment number (and SACK edges).
    ack_base: u32,
    window: u64,
    scale_factor: Option<i64>,
    /// AE, CWR and ECE are the AccECN counter here.
    use_ace: bool,
    /// Time since the stream's first segment and since its previous one.
    since_first_ns: i64,
    since_previous_ns: i64,
}

/// The window shift a SYN announces (Wireshark caps it at 14).
fn window_shift(tcp: Tcp<'_>) -> Option<u8> {
    tcp.options()
        .map_while(Result::ok)
        .find_map(|o| match o.decode() {
            TcpOption::WindowScale(shift) => Some(shift.min(14)),
            _ => None,
        })
}

impl TcpDissector {
    fn analyse(&mut self, flow: &Flow, tcp: Tcp<'_>, now_ns: i64, wscale: Option<u8>) -> Analysis {
        let flags = tcp.flags();
        let (seq, ack) = (tcp.seq(), tcp.ack());
        let (conv, dir) = self.state.conversation(flow, seq, flags);
        let syn = flags.contains(TcpFlags::SYN);
        let has_ack = flags.contains(TcpFlags::ACK);
        // This segment's direction and the reverse one (`dir` is 0 or 1).
        let [first, second] = &mut conv.dirs;
        let (fwd, rev) = if dir == 0 {
            (first, second)
        } else {
            (second, first)
        };
        let fwd_base = *fwd
            .base_seq
            .get_or_insert(if syn { seq } else { seq.wrapping_sub(1) });
        if has_ack && rev.base_seq.is_none() {
            rev.base_seq = Some(ack.wrapping_sub(1));
        }
        let ack_base = if has_ack {
            rev.base_seq.unwrap_or(0)
        } else {
            0
        };
        if syn {
            fwd.win_scale = wscale.map_or(-2, |s| s as i8);
            if has_ack && (fwd.win_scale == -2 || rev.win_scale == -2) {
                fwd.win_scale = -2;
                rev.win_scale = -2;
            }
        }
        let window = u64::from(tcp.window());
        let scale = fwd.win_scale;
        let (window, scale_factor) = if syn {
            (window, None)
        } else if scale >= 0 {
            (window << scale, Some(1i64 << scale))
        } else {
            (window, Some(i64::from(scale)))
        };
        let ace_bits = flags & (TcpFlags::AE | TcpFlags::CWR | TcpFlags::ECE);
        if syn && !has_ack && ace_bits.bits() == 0x1c0 {
            conv.acc_ecn |= ACC_ECN_SYN;
        }
        if syn && has_ack && conv.acc_ecn & ACC_ECN_SYN != 0 {
            let answer = ace_bits.bits() >> 6;
            // AccECN answers: CWR alone or with ECE, AE alone or with CWR (RFC 9768 Table 2).
            if matches!(answer, 0b010 | 0b011 | 0b100 | 0b110) {
                conv.acc_ecn |= ACC_ECN_SYN_ACK;
            }
        }
        let use_ace = !syn && conv.acc_ecn & ACC_ECN_SYN_ACK != 0;
        let first_ns = *conv.first_ns.get_or_insert(now_ns);
        let previous_ns = conv.last_ns.replace(now_ns).unwrap_or(now_ns);
        Analysis {
            since_first_ns: now_ns.saturating_sub(first_ns),
            since_previous_ns: now_ns.saturating_sub(previous_ns),
            use_ace,
            stream: conv.stream,
            seq: seq.wrapping_sub(fwd_base),
            ack: ack.wrapping_sub(ack_base),
            ack_base,
            window,
            scale_factor,
        }
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

/// What one walk over the options tells the one-line text: whether there
/// is a SACK, and the first option with a bad length.
#[derive(Debug, Clone, Copy, Default)]
struct OptionScan {
    sack: bool,
    error: Option<OptionError>,
}

impl OptionScan {
    fn of(tcp: Tcp<'_>) -> OptionScan {
        let mut scan = OptionScan::default();
        for item in tcp.options() {
            match item {
                Ok(option) => scan.sack |= option.kind == kind::SACK,
                Err(e) => scan.error = Some(e),
            }
        }
        scan
    }
}

/// The options subtree, Wireshark style: one node per option with its kind,
/// length and values. `ack_base` makes SACK edges relative like tshark's.
/// In summary mode only the mark a bad option length puts on the layer,
/// from the walk already made (`scan`).
fn add_options(cx: &mut Context<'_>, tcp: Tcp<'_>, ack_base: u32, scan: OptionScan) {
    let end = tcp.header_len();
    if !cx.wants_tree() {
        // No option field is a summary field: only a bad length matters.
        if let Some(e) = scan.error {
            if end <= tcp.data.len() {
                cx.malformed(HEADER_LEN + e.offset, "TCP option length");
            }
        }
        return;
    }
    cx.push(&OPTIONS, HEADER_LEN..end, Value::Bytes);
    for item in tcp.options() {
        let option = match item {
            Ok(option) => option,
            // An option cut by the capture is not malformed; `need` marks the cut.
            Err(_) if end > tcp.data.len() => break,
            Err(e) => {
                // The length byte is below 2 or runs past the header.
                let at = HEADER_LEN + e.offset;
                cx.push(&OPT_UNKNOWN, at..end, Value::Bytes);
                cx.add(&OPTION_KIND, at..at + 1, Value::U64(e.kind.into()));
                if let Some(&len) = tcp.data.get(at + 1) {
                    cx.add(&OPTION_LEN, at + 1..at + 2, Value::U64(len.into()));
                }
                cx.pop();
                cx.malformed(at, "TCP option length");
                break;
            }
        };
        let start = HEADER_LEN + option.offset;
        let range = start..start + option.len;
        let decoded = option.decode();
        // The node follows the kind, even when a bad length keeps the values out.
        let node = match option.kind {
            kind::EOL => &OPT_EOL,
            kind::NOP => &OPT_NOP,
            kind::MSS => &OPT_MSS,
            kind::WSCALE => &OPT_WSCALE,
            kind::SACK_PERMITTED => &OPT_SACK_PERM,
            kind::SACK => &OPT_SACK,
            kind::TIMESTAMP => &OPT_TIMESTAMP,
            kind::FAST_OPEN => &OPT_TFO,
            kind::MPTCP => &OPT_MPTCP,
            kind::SCPS => &OPT_SCPS,
            kind::ECHO => &OPT_ECHO,
            kind::ECHO_REPLY => &OPT_ECHO_REPLY,
            kind::CC => &OPT_CC,
            kind::CC_NEW => &OPT_CC_NEW,
            kind::CC_ECHO => &OPT_CC_ECHO,
            kind::MD5 => &OPT_MD5,
            kind::USER_TIMEOUT => &OPT_USER_TO,
            kind::TCP_AO => &OPT_AO,
            kind::EXPERIMENT1 | kind::EXPERIMENT2 => &OPT_EXPERIMENTAL,
            _ => &OPT_UNKNOWN,
        };
        cx.push(node, range.clone(), Value::Bytes);
        cx.add(
            &OPTION_KIND,
            start..start + 1,
            Value::U64(option.kind.into()),
        );
        if option.len > 1 {
            let len_range = start + 1..start + 2;
            if expected_option_len(option.kind).is_some_and(|n| n != option.len) {
                // Wireshark's expert note sits under the length.
                cx.push(
                    &OPTION_LEN,
                    len_range.clone(),
                    Value::U64(option.len as u64),
                );
                cx.add(&OPTION_LEN_INVALID, len_range, Value::None);
                cx.pop();
            } else {
                cx.add(&OPTION_LEN, len_range, Value::U64(option.len as u64));
            }
        }
        let body = start + 2;
        let data_range = body..range.end;
        match decoded {
            TcpOption::Mss(mss) => cx.add(&OPT_MSS_VAL, body..body + 2, Value::U64(mss.into())),
            TcpOption::WindowScale(shift) => {
                cx.add(&OPT_WSCALE_SHIFT, body..body + 1, Value::U64(shift.into()));
                let multiplier = 1u64 << shift.min(14);
                cx.add(
                    &OPT_WSCALE_MULTIPLIER,
                    body..body + 1,
                    Value::U64(multiplier),
                );
            }
            TcpOption::Sack(blocks) => {
                for (i, (left, right)) in sack_blocks(blocks).enumerate() {
                    let at = body + i * 8;
                    let le = left.wrapping_sub(ack_base);
                    let re = right.wrapping_sub(ack_base);
                    cx.add(&OPT_SACK_LE, at..at + 4, Value::U64(le.into()));
                    cx.add(&OPT_SACK_RE, at + 4..at + 8, Value::U64(re.into()));
                }
                cx.generated(
                    &OPT_SACK_COUNT,
                    range.clone(),
                    Value::U64((blocks.len() / 8) as u64),
                );
                if let Some((left, right)) = dsack_block(tcp, blocks) {
                    let (le, re) = (left.wrapping_sub(ack_base), right.wrapping_sub(ack_base));
                    cx.add(&OPT_DSACK_LE, body..body + 4, Value::U64(le.into()));
                    cx.add(&OPT_DSACK_RE, body + 4..body + 8, Value::U64(re.into()));
                }
            }
            TcpOption::Timestamps { val, ecr } => {
                cx.add(&OPT_TSVAL, body..body + 4, Value::U64(val.into()));
                cx.add(&OPT_TSECR, body + 4..body + 8, Value::U64(ecr.into()));
            }
            TcpOption::FastOpen(cookie) => add_fast_open(cx, body, cookie),
            TcpOption::Experimental { exid, data, .. } => {
                cx.add(
                    &OPT_EXPERIMENTAL_EXID,
                    body..body + 2,
                    Value::U64(exid.into()),
                );
                if exid == EXID_FAST_OPEN {
                    add_fast_open(cx, body + 2, data);
                } else if !data.is_empty() {
                    cx.add(&OPT_EXPERIMENTAL_DATA, body + 2..range.end, Value::Bytes);
                }
            }
            TcpOption::Mptcp(_) => {
                let option_bytes = tcp.data.get(range.clone()).unwrap_or(&[]);
                mptcp::add_fields(cx, start, option_bytes);
            }
            TcpOption::Unknown { kind, data } => add_other_option(cx, kind, data_range, data),
            _ => {}
        }
        cx.pop();
    }
    cx.pop();
}

/// The total length an option of this kind must have, for kinds with one.
fn expected_option_len(option_kind: u8) -> Option<usize> {
    Some(match option_kind {
        kind::MSS => 4,
        kind::WSCALE => 3,
        kind::SACK_PERMITTED => 2,
        kind::TIMESTAMP => 10,
        kind::ECHO | kind::ECHO_REPLY | kind::CC | kind::CC_NEW | kind::CC_ECHO => 6,
        kind::MD5 => 18,
        kind::USER_TIMEOUT => 4,
        _ => return None,
    })
}

/// The values of options `decode` leaves raw: the classic one-number ones,
/// MD5, User Timeout, TCP-AO, and the payload of unknown kinds.
fn add_other_option(cx: &mut Context<'_>, option_kind: u8, at: Range<usize>, data: &[u8]) {
    let wrong_len = expected_option_len(option_kind).is_some_and(|n| n != data.len() + 2);
    if wrong_len {
        return;
    }
    let (start, n) = (at.start, data.len());
    match option_kind {
        kind::ECHO | kind::ECHO_REPLY => {
            cx.add(&OPT_ECHO_VALUE, at, Value::U64(be32(data, 0).into()));
        }
        kind::CC | kind::CC_NEW | kind::CC_ECHO => {
            cx.add(&OPT_CC_VALUE, at, Value::U64(be32(data, 0).into()));
        }
        kind::MD5 => cx.add(&OPT_MD5_DIGEST, at, Value::Bytes),
        kind::USER_TIMEOUT => {
            let raw = be16(data, 0);
            cx.add(
                &OPT_USER_TO_GRANULARITY,
                at.clone(),
                Value::Bool(raw & 0x8000 != 0),
            );
            cx.add(&OPT_USER_TO_VAL, at, Value::U64(u64::from(raw & 0x7fff)));
        }
        kind::TCP_AO if n >= 2 => {
            cx.add(
                &OPT_AO_KEYID,
                start..start + 1,
                Value::U64(byte(data, 0).into()),
            );
            cx.add(
                &OPT_AO_RNEXTKEYID,
                start + 1..start + 2,
                Value::U64(byte(data, 1).into()),
            );
            if n > 2 {
                cx.add(&OPT_AO_MAC, start + 2..start + n, Value::Bytes);
            }
        }
        kind::SCPS if n >= 2 => {
            cx.add(
                &OPT_SCPS_VECTOR,
                start..start + 1,
                Value::U64(byte(data, 0).into()),
            );
            cx.add(
                &OPT_SCPS_BINDING,
                start + 1..start + 2,
                Value::U64(byte(data, 1).into()),
            );
        }
        kind::SCPS | kind::TCP_AO => {}
        _ if n > 0 => cx.add(&OPT_UNKNOWN_PAYLOAD, at, Value::Bytes),
        _ => {}
    }
}

/// The first SACK block when it reports a duplicate (RFC 2883 D-SACK): it
/// lies below the acknowledgment number, or inside the second block.
fn dsack_block(tcp: Tcp<'_>, blocks: &[u8]) -> Option<(u32, u32)> {
    let mut edges = sack_blocks(blocks);
    let (left, right) = edges.next()?;
    let before = |a: u32, b: u32| (a.wrapping_sub(b) as i32) < 0;
    let below_ack = tcp.flags().contains(TcpFlags::ACK) && before(left, tcp.ack());
    let inside_next = edges
        .next()
        .is_some_and(|(l2, r2)| !before(left, l2) && !before(r2, right));
    (below_ack || inside_next).then_some((left, right))
}

fn add_fast_open(cx: &mut Context<'_>, at: usize, cookie: &[u8]) {
    if cookie.is_empty() {
        cx.add(&OPT_TFO_REQUEST, at..at, Value::None);
    } else {
        cx.add(&OPT_TFO_COOKIE, at..at + cookie.len(), Value::Bytes);
    }
}

// ---------------------------------------------------------------- tcpdump text

/// tcpdump's letters for the flag byte, in its order (AE is not shown by 4.99).
const TCPDUMP_FLAGS: [(u8, char); 8] = [
    (0x01, 'F'),
    (0x02, 'S'),
    (0x04, 'R'),
    (0x08, 'P'),
    (0x10, '.'),
    (0x20, 'U'),
    (0x40, 'E'),
    (0x80, 'W'),
];

/// How an option list ended in tcpdump's printer.
#[derive(Debug, PartialEq, Eq)]
enum OptionsEnd {
    /// `]` was printed; go on with `, length`.
    Closed,
    /// `[bad opt]` or `[|tcp]` was printed; the line ends here.
    Stopped,
}

/// The part of tcpdump's line after `IP a.b > c.d: `.
fn render_tcpdump(r: &mut Render<'_>) -> fmt::Result {
    let bytes = r.bytes();
    let length = ip_payload_len(r);
    if bytes.len() < f::DST_PORT.end {
        // The IP line ends with `a > b:` here.
        return r.write_str(" [|tcp]");
    }
    if bytes.len() < HEADER_LEN {
        return r.write_str(" [|tcp]");
    }
    let tcp = Tcp { data: bytes };
    let hlen = tcp.header_len() as u32;
    if hlen < HEADER_LEN as u32 {
        return write!(
            r,
            " tcp {} [bad hdr length {hlen} - too short, < {HEADER_LEN}]",
            length.wrapping_sub(hlen)
        );
    }
    let flags = byte(bytes, f::FLAGS.start + 1);
    r.write_str("Flags [")?;
    if flags == 0 {
        r.write_str("none")?;
    }
    for (bit, letter) in TCPDUMP_FLAGS {
        if flags & bit != 0 {
            r.write_char(letter)?;
        }
    }
    r.write_char(']')?;
    if hlen > length {
        return write!(r, " [bad hdr length {hlen} - too long, > {length}]");
    }
    let verbose = r.options.verbose;
    // tcpdump checks the sum only when the whole segment was captured.
    if verbose > 0 && bytes.len() as u64 >= u64::from(length) {
        if let Some(calculated) = r.u64(&CHECKSUM_CALCULATED) {
            write_checksum_verdict(r, tcp.checksum(), calculated as u16)?;
        }
    }
    let (mut seq, mut ack, mut sack_base) = (tcp.seq(), tcp.ack(), 0);
    if !r.options.absolute_seq {
        // One pass over the layer's fields for the three of tcpdump's numbers.
        for field in r.fields() {
            let slot = if std::ptr::eq(field.def, &TCPDUMP_SEQ) {
                &mut seq
            } else if std::ptr::eq(field.def, &TCPDUMP_ACK) {
                &mut ack
            } else if std::ptr::eq(field.def, &TCPDUMP_SACK_BASE) {
                &mut sack_base
            } else {
                continue;
            };
            if let Some(v) = field.value.as_u64() {
                *slot = v as u32;
            }
        }
    }
    let length = length - hlen;
    if length > 0 || flags & 0x07 != 0 || verbose > 1 {
        r.text(", seq ");
        r.number(seq);
        if length > 0 {
            r.text(":");
            r.number(seq.wrapping_add(length));
        }
    }
    if flags & 0x10 != 0 {
        r.text(", ack ");
        r.number(ack);
    }
    r.text(", win ");
    r.number(tcp.window());
    if flags & 0x20 != 0 {
        r.text(", urg ");
        r.number(tcp.urgent_pointer());
    }
    if hlen > HEADER_LEN as u32
        && write_tcpdump_options(r, bytes, hlen as usize, sack_base)? == OptionsEnd::Stopped
    {
        return Ok(());
    }
    r.text(", length ");
    r.number(length);
    if length == 0 {
        return Ok(());
    }
    if flags & 0x04 != 0 && verbose > 0 {
        let payload = bytes.get(hlen as usize..).unwrap_or(&[]);
        return write_rst_data(r, payload, length as usize);
    }
    if (bytes.len() as u32) < hlen {
        return write!(
            r,
            " [remaining caplen({}) < header length({hlen})] [|tcp]",
            bytes.len()
        );
    }
    if r.next_layer().is_some_and(|l| l.name != "data") {
        return r.next();
    }
    write_port_text(r, tcp, length as usize)
}

/// tcpdump's `, cksum 0x1234 (correct)` or `(incorrect -> 0x5678)`.
fn write_checksum_verdict(r: &mut Render<'_>, field: u16, calculated: u16) -> fmt::Result {
    write!(r, ", cksum 0x{field:04x}")?;
    if field == calculated {
        r.write_str(" (correct)")
    } else {
        write!(r, " (incorrect -> 0x{calculated:04x})")
    }
}

/// tcpdump's `print_tcp_rst_data`: RFC 1122 lets a reset carry text saying
/// why; at most 30 bytes are shown, `+` marking more.
fn write_rst_data(r: &mut Render<'_>, payload: &[u8], length: usize) -> fmt::Result {
    const MAX_RST_DATA_LEN: usize = 30;
    r.write_str(if payload.len() >= length {
        " [RST"
    } else {
        " [!RST"
    })?;
    let mut shown = length;
    if shown > MAX_RST_DATA_LEN {
        shown = MAX_RST_DATA_LEN;
        r.write_char('+')?;
    }
    r.write_char(' ')?;
    for &c in payload.iter().take(shown) {
        write_tcpdump_char(r, c)?;
    }
    r.write_char(']')
}

/// tcpdump's `fn_print_char`: `M-` for the high bit, `^X` for controls.
fn write_tcpdump_char(r: &mut Render<'_>, mut c: u8) -> fmt::Result {
    if !c.is_ascii() {
        c &= 0x7f;
        r.write_str("M-")?;
    }
    if is_print(c) {
        r.write_char(c as char)
    } else {
        r.write_char('^')?;
        r.write_char(if c == 0x7f { '?' } else { (c ^ 0x40) as char })
    }
}

fn tcpdump_option_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        kind::EOL => "eol",
        kind::NOP => "nop",
        kind::MSS => "mss",
        kind::WSCALE => "wscale",
        kind::SACK_PERMITTED => "sackOK",
        kind::SACK => "sack",
        kind::ECHO => "echo",
        kind::ECHO_REPLY => "echoreply",
        kind::TIMESTAMP => "TS",
        kind::CC => "cc",
        kind::CC_NEW => "ccnew",
        kind::CC_ECHO => "",
        kind::MD5 => "md5",
        kind::SCPS => "scps",
        kind::USER_TIMEOUT => "uto",
        kind::TCP_AO => "tcp-ao",
        kind::MPTCP => "mptcp",
        kind::FAST_OPEN => "tfo",
        kind::EXPERIMENT2 => "exp",
        _ => return None,
    })
}

/// Why an option could not be printed.
enum Stop {
    /// The header length rules it out: `[bad opt]`.
    Bad,
    /// Not captured, checked by the option printer: ` [|tcp]` plus `>`.
    Cut,
}

/// tcpdump's `options [...]`, byte for byte, including its quirks: a known
/// option with a short length still reads its usual data and then prints
/// `[len N]`, and only the bytes it consumed are skipped.
fn write_tcpdump_options(
    r: &mut Render<'_>,
    bytes: &[u8],
    hlen: usize,
    sack_base: u32,
) -> Result<OptionsEnd, fmt::Error> {
    let tcp_flags = byte(bytes, f::FLAGS.start + 1);
    r.write_str(", options [")?;
    let mut left = hlen - HEADER_LEN;
    let mut at = HEADER_LEN;
    let mut first = true;
    while left > 0 {
        if !first {
            r.write_char(',')?;
        }
        // tcpdump's GET_U_1 on the kind and length bytes: a plain truncation.
        let Some(&opt) = bytes.get(at) else {
            r.write_str(" [|tcp]")?;
            return Ok(OptionsEnd::Stopped);
        };
        at += 1;
        let zero_len = opt == kind::EOL || opt == kind::NOP;
        let len = if zero_len {
            1
        } else {
            let Some(&len) = bytes.get(at) else {
                r.write_str(" [|tcp]")?;
                return Ok(OptionsEnd::Stopped);
            };
            at += 1;
            let len = usize::from(len);
            if len < 2 || len > left {
                return bad_option(r, first);
            }
            left -= 1;
            len
        };
        left -= 1;
        match tcpdump_option_name(opt) {
            Some(name) => r.write_str(name)?,
            None => write!(r, "unknown-{opt}")?,
        }
        let body = OptionBody {
            bytes,
            at,
            left,
            len,
        };
        match write_option_body(r, opt, &body, sack_base, tcp_flags)? {
            Ok(datalen) => {
                at += datalen;
                left -= datalen;
                let expected = datalen + if zero_len { 1 } else { 2 };
                if expected != len {
                    write!(r, "[len {len}]")?;
                }
            }
            Err(Stop::Bad) => return bad_option(r, first),
            Err(Stop::Cut) => {
                r.write_str(" [|tcp]")?;
                if !first {
                    r.write_char('>')?;
                }
                return Ok(OptionsEnd::Stopped);
            }
        }
        first = false;
        if opt == kind::EOL {
            break;
        }
    }
    r.write_char(']')?;
    Ok(OptionsEnd::Closed)
}

fn bad_option(r: &mut Render<'_>, first: bool) -> Result<OptionsEnd, fmt::Error> {
    r.write_str("[bad opt]")?;
    if !first {
        r.write_char(']')?;
    }
    Ok(OptionsEnd::Stopped)
}

/// Where an option's data starts and how much the header still holds.
struct OptionBody<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Header bytes left after the kind and length bytes.
    left: usize,
    /// The option's length byte.
    len: usize,
}

impl OptionBody<'_> {
    /// tcpdump's LENCHECK: `n` data bytes must fit the header and be captured.
    fn check(&self, n: usize) -> Result<(), Stop> {
        if n > self.left {
            Err(Stop::Bad)
        } else if self.at + n > self.bytes.len() {
            Err(Stop::Cut)
        } else {
            Ok(())
        }
    }
    fn u8(&self, i: usize) -> u8 {
        byte(self.bytes, self.at + i)
    }
    fn u16(&self, i: usize) -> u16 {
        be16(self.bytes, self.at + i)
    }
    fn u32(&self, i: usize) -> u32 {
        be32(self.bytes, self.at + i)
    }
    /// The option's own data length (length byte minus kind and length).
    fn data_len(&self) -> usize {
        self.len.saturating_sub(2)
    }
}

/// Prints what follows an option's name; returns the data bytes it used.
fn write_option_body(
    r: &mut Render<'_>,
    opt: u8,
    b: &OptionBody<'_>,
    sack_base: u32,
    tcp_flags: u8,
) -> Result<Result<usize, Stop>, fmt::Error> {
    macro_rules! check {
        ($n:expr) => {
            if let Err(stop) = b.check($n) {
                return Ok(Err(stop));
            }
        };
    }
    let datalen = match opt {
        kind::MSS => {
            check!(2);
            r.text(" ");
            r.number(b.u16(0));
            2
        }
        kind::WSCALE => {
            check!(1);
            r.text(" ");
            r.number(b.u8(0));
            1
        }
        kind::SACK => {
            let datalen = b.data_len();
            if datalen % 8 != 0 {
                r.write_str(" invalid sack")?;
            } else {
                write!(r, " {} ", datalen / 8)?;
                for i in (0..datalen).step_by(8) {
                    check!(i + 4);
                    let left_edge = b.u32(i).wrapping_sub(sack_base);
                    check!(i + 8);
                    let right_edge = b.u32(i + 4).wrapping_sub(sack_base);
                    write!(r, "{{{left_edge}:{right_edge}}}")?;
                }
            }
            datalen
        }
        kind::CC | kind::CC_NEW | kind::CC_ECHO | kind::ECHO | kind::ECHO_REPLY => {
            check!(4);
            write!(r, " {}", b.u32(0))?;
            4
        }
        kind::TIMESTAMP => {
            check!(8);
            r.text(" val ");
            r.number(b.u32(0));
            r.text(" ecr ");
            r.number(b.u32(4));
            8
        }
        kind::MD5 => {
            const SIGLEN: usize = 16;
            check!(SIGLEN);
            // tcpdump (built with libcrypto) cannot verify without -M.
            r.write_str(" shared secret not supplied with -M, can't check - ")?;
            write_hex(r, b.bytes.get(b.at..b.at + SIGLEN).unwrap_or(&[]))?;
            SIGLEN
        }
        kind::SCPS => {
            check!(2);
            write!(r, " cap {:02x} id {}", b.u8(0), b.u8(1))?;
            2
        }
        kind::TCP_AO => {
            let datalen = b.data_len();
            if datalen < 2 {
                r.write_str(" (invalid)")?;
            } else {
                check!(1);
                write!(r, " keyid {}", b.u8(0))?;
                check!(2);
                write!(r, " rnextkeyid {}", b.u8(1))?;
                if datalen > 2 {
                    r.write_str(" mac 0x")?;
                    for i in 2..datalen {
                        check!(i + 1);
                        write!(r, "{:02x}", b.u8(i))?;
                    }
                }
            }
            datalen
        }
        kind::EOL | kind::NOP | kind::SACK_PERMITTED => 0,
        kind::USER_TIMEOUT => {
            check!(2);
            let raw = u32::from(b.u16(0));
            let timeout = if raw & 1 != 0 {
                (raw >> 1) * 60
            } else {
                raw >> 1
            };
            write!(r, " 0x{raw:x} {timeout}")?;
            2
        }
        kind::MPTCP => {
            let datalen = b.data_len();
            check!(datalen);
            let option = b.bytes.get(b.at - 2..b.at + datalen).unwrap_or(&[]);
            if !mptcp::write_tcpdump(r, option, tcp_flags)? {
                return Ok(Err(Stop::Bad));
            }
            datalen
        }
        kind::FAST_OPEN => {
            let datalen = b.data_len();
            check!(datalen);
            r.write_char(' ')?;
            write_fast_open(r, b.bytes.get(b.at..b.at + datalen).unwrap_or(&[]), false)?;
            datalen
        }
        kind::EXPERIMENT2 => {
            let datalen = b.data_len();
            check!(datalen);
            if datalen < 2 {
                return Ok(Err(Stop::Bad));
            }
            let magic = b.u16(0);
            r.write_char('-')?;
            if magic == EXID_FAST_OPEN {
                let cookie = b.bytes.get(b.at + 2..b.at + datalen).unwrap_or(&[]);
                write_fast_open(r, cookie, true)?;
            } else {
                write!(r, "{magic:04x}")?;
            }
            datalen
        }
        _ => {
            let datalen = b.data_len();
            if datalen > 0 {
                r.write_str(" 0x")?;
            }
            for i in 0..datalen {
                check!(i + 1);
                write!(r, "{:02x}", b.u8(i))?;
            }
            datalen
        }
    };
    Ok(Ok(datalen))
}

fn write_fast_open(r: &mut Render<'_>, cookie: &[u8], experimental: bool) -> fmt::Result {
    if experimental {
        r.write_str("tfo")?;
    }
    if cookie.is_empty() {
        r.write_str(" cookiereq")
    } else if cookie.len() % 2 != 0 || cookie.len() < 4 || cookie.len() > 16 {
        r.write_str(" (invalid)")
    } else {
        r.write_str(" cookie ")?;
        write_hex(r, cookie)
    }
}

fn write_hex(out: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(out, "{b:02x}")?;
    }
    Ok(())
}

/// tcpdump's text for payloads of well-known ports that no dissector here
/// decodes (its `txtproto_print` for HTTP/SMTP/FTP, its SSH banner printer).
fn write_port_text(r: &mut Render<'_>, tcp: Tcp<'_>, length: usize) -> fmt::Result {
    let is_port = |p: u16| tcp.src_port() == p || tcp.dst_port() == p;
    let payload = tcp.payload();
    // tcpdump tries the ports in this order.
    if is_port(23) {
        return Ok(());
    }
    let (proto, commands): (&str, Option<&[&str]>) = if is_port(25) {
        ("SMTP", None)
    } else if is_port(22) {
        return write_ssh_banner(r, payload, length);
    } else if is_port(21) {
        ("FTP", None)
    } else if is_port(80) || is_port(8080) {
        ("HTTP", Some(&HTTP_COMMANDS))
    } else {
        return Ok(());
    };
    r.write_str(": ")?;
    write_txtproto(r, payload, length, proto, commands)
}

/// tcpdump's `httpcmds`: request methods from RFCs 2616, 2518, 3253, 3648, 3744, 5323 and 5789.
const HTTP_COMMANDS: [&str; 30] = [
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
    "ORDERPATCH",
    "ACL",
    "SEARCH",
    "PATCH",
];

fn is_print(c: u8) -> bool {
    (0x20..0x7f).contains(&c)
}

/// tcpdump's `fetch_token`: the token at `idx` (up to a space), and where
/// the next one starts; `None` where tcpdump returns 0.
fn fetch_token(data: &[u8], idx: usize, len: usize) -> Option<(&[u8], usize)> {
    let mut i = idx;
    while i < len {
        let c = *data.get(i)?;
        if !is_print(c) {
            return None;
        }
        if c == b' ' {
            break;
        }
        i += 1;
    }
    let token = data.get(idx..i)?;
    if token.is_empty() {
        return None;
    }
    while i < len {
        match data.get(i) {
            Some(&b' ') => i += 1,
            _ => break,
        }
    }
    Some((token, i))
}

/// tcpdump's `txtproto_print`: `PROTO` and, for a request or response
/// line, `: first line`; with -v `, length: N` and every text line on its
/// own tab-indented line.
fn write_txtproto(
    r: &mut Render<'_>,
    data: &[u8],
    len: usize,
    proto: &str,
    commands: Option<&[&str]>,
) -> fmt::Result {
    let print_line = match commands {
        None => true,
        Some(commands) => match fetch_token(data, 0, len) {
            None => false,
            Some((token, next)) => {
                let is_command = commands
                    .iter()
                    .any(|c| token.eq_ignore_ascii_case(c.as_bytes()));
                // HTTP responses carry the status code as the second token.
                let is_status = fetch_token(data, next, len).is_some_and(|(code, _)| {
                    code.len() == 3 && code.iter().all(u8::is_ascii_digit)
                });
                is_command || is_status
            }
        },
    };
    r.write_str(proto)?;
    if !print_line {
        return Ok(());
    }
    if r.options.verbose == 0 {
        write_txt_line(r, ": ", data, 0, len, proto)?;
        return Ok(());
    }
    r.write_str(", length: ")?;
    r.number(len as u64);
    let mut at = 0;
    while at < len {
        match write_txt_line(r, "\n\t", data, at, len, proto)? {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(())
}

/// tcpdump's `print_txt_line`: the line starting at `at`, after `prefix`,
/// if it is all printable and ends in LF or CRLF; returns where the next
/// line starts. A line without an end is printed as cut (` [|proto]`), as
/// is running out of captured bytes; binary data prints nothing. `None`
/// means stop.
fn write_txt_line(
    r: &mut Render<'_>,
    prefix: &str,
    data: &[u8],
    at: usize,
    len: usize,
    proto: &str,
) -> Result<Option<usize>, fmt::Error> {
    // tcpdump names the protocol in lower case in its truncation mark.
    let trunc = |r: &mut Render<'_>| {
        r.write_str(" [|")?;
        for c in proto.chars() {
            r.write_char(c.to_ascii_lowercase())?;
        }
        r.write_char(']')
    };
    let mut i = at;
    let next = loop {
        if i >= len {
            // All printable but no end of line: tcpdump shows it as cut.
            r.write_str(prefix)?;
            write_line(r, data.get(at..i).unwrap_or(&[]))?;
            trunc(r)?;
            return Ok(None);
        }
        let Some(&c) = data.get(i) else {
            trunc(r)?;
            return Ok(None);
        };
        if c == b'\n' {
            break i + 1;
        }
        if c == b'\r' {
            if i + 1 >= len {
                return Ok(None);
            }
            match data.get(i + 1) {
                None => {
                    trunc(r)?;
                    return Ok(None);
                }
                Some(b'\n') => break i + 2,
                Some(_) => return Ok(None),
            }
        }
        if !is_print(c) && c != b'\t' {
            return Ok(None);
        }
        i += 1;
    };
    r.write_str(prefix)?;
    write_line(r, data.get(at..i).unwrap_or(&[]))?;
    Ok(Some(next))
}

fn write_line(r: &mut Render<'_>, line: &[u8]) -> fmt::Result {
    for &c in line {
        r.write_char(c as char)?;
    }
    Ok(())
}

/// tcpdump's SSH printer: only a version banner (`SSH-...`) is shown.
fn write_ssh_banner(r: &mut Render<'_>, data: &[u8], len: usize) -> fmt::Result {
    if !data.starts_with(b"SSH-") {
        return Ok(());
    }
    let mut i = 4;
    while i < len {
        let Some(&c) = data.get(i) else {
            return Ok(());
        };
        if c == b'\n' || (c == b'\r' && data.get(i + 1) == Some(&b'\n')) {
            break;
        }
        if c == b'\r' || !is_print(c) {
            return Ok(());
        }
        i += 1;
    }
    r.write_str(": SSH: ")?;
    write_line(r, data.get(..i).unwrap_or(&[]))
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::IP_PROTO, PROTOCOL.into(), TcpDissector::default())?;
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
