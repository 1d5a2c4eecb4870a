//! TCP options: the view's walk over them (`Options`, `TcpOption`) and the
//! fields Wireshark builds for each (`tcp.options.*`).

use super::*;

pub(super) struct OptionList<'a>(pub(super) Tcp<'a>);

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
pub(super) fn raw_option(input: &[u8]) -> Option<(u8, usize, &[u8])> {
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

/// What one walk over the options tells the one-line text: whether there
/// is a SACK, and the first option with a bad length.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct OptionScan {
    pub(super) sack: bool,
    pub(super) error: Option<OptionError>,
}

impl OptionScan {
    pub(super) fn of(tcp: Tcp<'_>) -> OptionScan {
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
pub(super) fn add_options(cx: &mut Context<'_>, tcp: Tcp<'_>, ack_base: u32, scan: OptionScan) {
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
pub(super) fn expected_option_len(option_kind: u8) -> Option<usize> {
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
pub(super) fn add_other_option(
    cx: &mut Context<'_>,
    option_kind: u8,
    at: Range<usize>,
    data: &[u8],
) {
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
pub(super) fn dsack_block(tcp: Tcp<'_>, blocks: &[u8]) -> Option<(u32, u32)> {
    let mut edges = sack_blocks(blocks);
    let (left, right) = edges.next()?;
    let before = |a: u32, b: u32| (a.wrapping_sub(b) as i32) < 0;
    let below_ack = tcp.flags().contains(TcpFlags::ACK) && before(left, tcp.ack());
    let inside_next = edges
        .next()
        .is_some_and(|(l2, r2)| !before(left, l2) && !before(r2, right));
    (below_ack || inside_next).then_some((left, right))
}

pub(super) fn add_fast_open(cx: &mut Context<'_>, at: usize, cookie: &[u8]) {
    if cookie.is_empty() {
        cx.add(&OPT_TFO_REQUEST, at..at, Value::None);
    } else {
        cx.add(&OPT_TFO_COOKIE, at..at + cookie.len(), Value::Bytes);
    }
}
