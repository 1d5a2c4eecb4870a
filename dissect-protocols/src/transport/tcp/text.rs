//! tcpdump's text for a TCP segment (`tcp_print`): flags, numbers,
//! window, options, and what follows on the line.

use super::*;

/// tcpdump's letters for the flag byte, in its order (AE is not shown by 4.99).
pub(super) const TCPDUMP_FLAGS: [(u8, char); 8] = [
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
pub(super) enum OptionsEnd {
    /// `]` was printed; go on with `, length`.
    Closed,
    /// `[bad opt]` or `[|tcp]` was printed; the line ends here.
    Stopped,
}

/// The part of tcpdump's line after `IP a.b > c.d: `.
pub(super) fn render_tcpdump(r: &mut Render<'_>, port_texts: &[PortText]) -> fmt::Result {
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
    // The first printer whose port either end uses, in the table's order.
    let is_port = |p: &u16| tcp.src_port() == *p || tcp.dst_port() == *p;
    match port_texts.iter().find(|t| t.ports.iter().any(is_port)) {
        Some(text) => (text.print)(r, tcp.payload(), length as usize),
        None => Ok(()),
    }
}

/// tcpdump's `, cksum 0x1234 (correct)` or `(incorrect -> 0x5678)`.
pub(super) fn write_checksum_verdict(
    r: &mut Render<'_>,
    field: u16,
    calculated: u16,
) -> fmt::Result {
    write!(r, ", cksum 0x{field:04x}")?;
    if field == calculated {
        r.write_str(" (correct)")
    } else {
        write!(r, " (incorrect -> 0x{calculated:04x})")
    }
}

/// tcpdump's `print_tcp_rst_data`: RFC 1122 lets a reset carry text saying
/// why; at most 30 bytes are shown, `+` marking more.
pub(super) fn write_rst_data(r: &mut Render<'_>, payload: &[u8], length: usize) -> fmt::Result {
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
pub(super) fn write_tcpdump_char(r: &mut Render<'_>, mut c: u8) -> fmt::Result {
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

pub(super) fn tcpdump_option_name(kind: u8) -> Option<&'static str> {
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
pub(super) enum Stop {
    /// The header length rules it out: `[bad opt]`.
    Bad,
    /// Not captured, checked by the option printer: ` [|tcp]` plus `>`.
    Cut,
}

/// tcpdump's `options [...]`, byte for byte, including its quirks: a known
/// option with a short length still reads its usual data and then prints
/// `[len N]`, and only the bytes it consumed are skipped.
pub(super) fn write_tcpdump_options(
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

pub(super) fn bad_option(r: &mut Render<'_>, first: bool) -> Result<OptionsEnd, fmt::Error> {
    r.write_str("[bad opt]")?;
    if !first {
        r.write_char(']')?;
    }
    Ok(OptionsEnd::Stopped)
}

/// Where an option's data starts and how much the header still holds.
pub(super) struct OptionBody<'a> {
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
pub(super) fn write_option_body(
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

pub(super) fn write_fast_open(
    r: &mut Render<'_>,
    cookie: &[u8],
    experimental: bool,
) -> fmt::Result {
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

pub(super) fn write_hex(out: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(out, "{b:02x}")?;
    }
    Ok(())
}
