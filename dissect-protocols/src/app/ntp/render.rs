//! The text tcpdump 4.99 prints for NTP (`print-ntp.c`, `ntp.c`), line for
//! line, including its number formats and where it stops when the capture
//! is short (`[|ntp]`). Mode 7 is the exception: tcpdump reads its first
//! octet as a leap indicator and prints nothing else, so its detail lines
//! follow Wireshark's decoding instead.

use std::fmt::{self, Write};

use dissect_core::field::{self, civil_from_unix};
use dissect_core::Render;

use super::private::{self, PrivateMessage};
use super::time::UNIX_EPOCH_NTP;

/// The capture ended before a field tcpdump reads: it prints ` [|ntp]`.
struct Truncated;
type Step = Result<(), Truncated>;

/// Checked big-endian reads over the captured bytes.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take(&self, at: usize, len: usize) -> Result<&[u8], Truncated> {
        self.0.get(at..at + len).ok_or(Truncated)
    }
    fn u8(&self, at: usize) -> Result<u8, Truncated> {
        self.0.get(at).copied().ok_or(Truncated)
    }
    /// `N` bytes at `at`, whole or not at all.
    fn array<const N: usize>(&self, at: usize) -> Result<[u8; N], Truncated> {
        let rest = self.0.get(at..).ok_or(Truncated)?;
        rest.first_chunk().copied().ok_or(Truncated)
    }
    fn u16(&self, at: usize) -> Result<u16, Truncated> {
        self.array(at).map(u16::from_be_bytes)
    }
    fn u32(&self, at: usize) -> Result<u32, Truncated> {
        self.array(at).map(u32::from_be_bytes)
    }
    /// tcpdump's `ND_TCHECK_LEN(bp, len)` from the start.
    fn check(&self, len: u32) -> Step {
        if self.0.len() as u64 >= u64::from(len) {
            Ok(())
        } else {
            Err(Truncated)
        }
    }
}

pub fn render(r: &mut Render<'_>) -> fmt::Result {
    let data = r.bytes();
    let length = r.layer().reported_len;
    let verbose = r.options.verbose;
    let result = ntp_print(r.out, &Bytes(data), length, verbose);
    if result.is_err() {
        r.write_str(" [|ntp]")?;
    }
    r.next()
}

/// tcpdump's mode names.
fn mode_name(mode: u8) -> &'static str {
    match mode & 7 {
        0 => "unspecified",
        1 => "symmetric active",
        2 => "symmetric passive",
        3 => "Client",
        4 => "Server",
        5 => "Broadcast",
        6 => "Control Message",
        _ => "Reserved",
    }
}

/// tcpdump's names of the leap bits (unshifted).
fn leap_name(leap: u8) -> &'static str {
    match leap {
        0x00 => "",
        0x40 => "+1s",
        0x80 => "-1s",
        _ => "clock unsynchronized",
    }
}

fn ntp_print(out: &mut String, b: &Bytes<'_>, length: u32, verbose: u8) -> Step {
    let status = b.u8(0)?;
    let mode = status & 7;
    // The default line is printed for every NTP packet: no `write!` here.
    out.push_str("NTPv");
    out.push(char::from(b'0' + (status >> 3 & 7)));
    out.push_str(", ");
    out.push_str(mode_name(mode));
    out.push_str(", length ");
    let _ = field::write_decimal(out, length.into());
    if verbose == 0 {
        return Ok(());
    }
    out.push('\n');
    if mode == 7 {
        return private_print(out, b);
    }
    let leap = status & 0xc0;
    let _ = write!(out, "\tLeap indicator: {} ({leap})", leap_name(leap));
    match mode {
        0..=5 => time_print(out, b, length),
        _ => control_print(out, b, length),
    }
}

fn time_print(out: &mut String, b: &Bytes<'_>, length: u32) -> Step {
    if length < 48 {
        out.push_str(" (invalid)");
        return b.check(length);
    }
    let stratum = b.u8(1)?;
    let meaning = match stratum {
        0 => "unspecified",
        1 => "primary reference",
        2..=15 => "secondary reference",
        _ => "reserved",
    };
    let _ = write!(out, ", Stratum {stratum} ({meaning})");
    let poll = b.u8(2)? as i8;
    let _ = write!(out, ", poll {poll}");
    if poll > -32 && poll < 32 {
        let _ = if poll >= 0 {
            write!(out, " ({}s)", 1u32 << poll)
        } else {
            write!(out, " (1/{}s)", 1u32 << -poll)
        };
    }
    let _ = write!(out, ", precision {}", b.u8(3)? as i8);
    out.push_str("\n\tRoot Delay: ");
    p_sfix(out, b, 4)?;
    out.push_str(", Root dispersion: ");
    p_sfix(out, b, 8)?;
    out.push_str(", Reference-ID: ");
    match stratum {
        0 => {
            out.push_str("(unspec)");
            b.take(12, 4)?;
        }
        1 => {
            for &c in b.take(12, 4)? {
                print_char(out, c);
            }
        }
        62 | 63 => {
            let [a0, a1, a2, a3] = b.array(12)?;
            let what = if stratum == 62 {
                "INFO_QUERY"
            } else {
                "INFO_REPLY"
            };
            let _ = write!(out, "{a0}.{a1}.{a2}.{a3} {what}");
            return Ok(());
        }
        _ => {
            let _ = write!(out, "0x{:08x}", b.u32(12)?);
        }
    }
    out.push_str("\n\t  Reference Timestamp:  ");
    p_ntp_time(out, b, 16)?;
    out.push_str("\n\t  Originator Timestamp: ");
    p_ntp_time(out, b, 24)?;
    out.push_str("\n\t  Receive Timestamp:    ");
    p_ntp_time(out, b, 32)?;
    out.push_str("\n\t  Transmit Timestamp:   ");
    p_ntp_time(out, b, 40)?;
    out.push_str("\n\t    Originator - Receive Timestamp:  ");
    p_ntp_delta(out, b, 24, 32)?;
    out.push_str("\n\t    Originator - Transmit Timestamp: ");
    p_ntp_delta(out, b, 24, 40)?;
    // tcpdump knows only the MAC sizes, not extension fields.
    match length {
        52 => {
            let _ = write!(out, "\n\tKey id: {}", b.u32(48)?);
        }
        68 | 72 => {
            let _ = write!(out, "\n\tKey id: {}", b.u32(48)?);
            let words = if length == 68 { 4 } else { 5 };
            // Read every word before printing, so a cut digest prints nothing.
            let mut digest = [0u32; 5];
            for (i, word) in digest.iter_mut().enumerate().take(words) {
                *word = b.u32(52 + 4 * i)?;
            }
            out.push_str("\n\tAuthentication: ");
            for word in digest.iter().take(words) {
                let _ = write!(out, "{word:08x}");
            }
        }
        _ if length > 48 => {
            let _ = write!(out, "\n\t({} more bytes after the header)", length - 48);
        }
        _ => {}
    }
    Ok(())
}

/// tcpdump's `fn_print_char`: `M-` for high octets, `^X` for controls.
fn print_char(out: &mut String, mut c: u8) {
    if c >= 0x80 {
        out.push_str("M-");
        c &= 0x7f;
    }
    if c < 0x20 || c == 0x7f {
        c ^= 0x40;
        out.push('^');
    }
    out.push(char::from(c));
}

/// Short format as `%d.%06d` (fraction in truncated microseconds).
fn p_sfix(out: &mut String, b: &Bytes<'_>, at: usize) -> Step {
    let i = b.u16(at)?;
    let f = b.u16(at + 2)?;
    let micros = (f64::from(f) / 65536.0 * 1_000_000.0) as i32;
    let _ = write!(out, "{i}.{micros:06}");
    Ok(())
}

fn fraction_nanos(fraction: u32) -> u32 {
    (f64::from(fraction) / 4_294_967_296.0 * 1_000_000_000.0) as u32
}

/// `seconds.nanoseconds`, then the date for a non-zero time (era 0: tcpdump
/// does not wrap in 2036).
fn p_ntp_time(out: &mut String, b: &Bytes<'_>, at: usize) -> Step {
    let i = b.u32(at)?;
    let f = fraction_nanos(b.u32(at + 4)?);
    let _ = write!(out, "{i}.{f:09}");
    if i != 0 {
        let seconds = i64::from(i) - i64::from(UNIX_EPOCH_NTP);
        let (y, mo, d, h, mi, s) = civil_from_unix(seconds);
        let _ = write!(out, " ({y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z)");
    }
    Ok(())
}

/// The signed difference `time - origin`, as tcpdump's `p_ntp_delta`
/// computes it (a zero origin prints the time itself).
fn p_ntp_delta(out: &mut String, b: &Bytes<'_>, origin_at: usize, at: usize) -> Step {
    let u = b.u32(at)?;
    let ou = b.u32(origin_at)?;
    let uf = b.u32(at + 4)?;
    let ouf = b.u32(origin_at + 4)?;
    if ou == 0 && ouf == 0 {
        return p_ntp_time(out, b, at);
    }
    let (negative, mut i, f);
    if u > ou {
        negative = false;
        i = u - ou;
        f = uf.wrapping_sub(ouf);
        if ouf > uf {
            i -= 1;
        }
    } else if u < ou {
        negative = true;
        i = ou - u;
        f = ouf.wrapping_sub(uf);
        if uf > ouf {
            i -= 1;
        }
    } else {
        i = 0;
        if uf > ouf {
            negative = false;
            f = uf - ouf;
        } else {
            negative = true;
            f = ouf - uf;
        }
    }
    let sign = if negative { '-' } else { '+' };
    let _ = write!(out, "{sign}{i}.{:09}", fraction_nanos(f));
    Ok(())
}

fn control_print(out: &mut String, b: &Bytes<'_>, length: u32) -> Step {
    if length < 12 {
        out.push_str(" (invalid)");
        return b.check(length);
    }
    let control = b.u8(1)?;
    let _ = writeln!(
        out,
        ", {}, {}, {}, OpCode={}",
        if control & 0x80 != 0 {
            "Response"
        } else {
            "Request"
        },
        if control & 0x40 != 0 { "Error" } else { "OK" },
        if control & 0x20 != 0 { "More" } else { "Last" },
        control & 0x1f
    );
    let _ = write!(out, "\tSequence={}", b.u16(2)?);
    let status = b.u16(4)?;
    // C's `%#hx` prints 0 without the prefix.
    let _ = if status == 0 {
        write!(out, ", Status=0")
    } else {
        write!(out, ", Status={status:#x}")
    };
    let _ = write!(out, ", Assoc.={}", b.u16(6)?);
    let _ = write!(out, ", Offset={}", b.u16(8)?);
    let count = b.u16(10)?;
    let _ = write!(out, ", Count={count}");
    if 12 + u32::from(count) > length {
        out.push_str(" (invalid)");
        return b.check(length);
    }
    if count != 0 {
        b.take(12, usize::from(count))?;
        out.push_str("\n\tTO-BE-DONE: data not interpreted");
    }
    Ok(())
}

/// Mode 7, after Wireshark: header fields by name, then monlist entries.
fn private_print(out: &mut String, b: &Bytes<'_>) -> Step {
    let flags = b.u8(0)?;
    let auth_seq = b.u8(1)?;
    let implementation = b.u8(2)?;
    let code = b.u8(3)?;
    let _ = write!(
        out,
        "\t{}{}, Sequence={}, Auth={}, Implementation={} ({implementation}), Request code={} ({code})",
        if flags & 0x80 != 0 { "Response" } else { "Request" },
        if flags & 0x40 != 0 { ", More" } else { "" },
        auth_seq & 0x7f,
        auth_seq >> 7,
        private::implementation_name(implementation).unwrap_or("Unknown"),
        private::request_code_name(code).unwrap_or("Unknown"),
    );
    if private::is_monlist(code) {
        out.push_str(" [monlist: traffic amplification vector]");
    }
    if implementation != private::IMPL_XNTPD {
        return Ok(());
    }
    let msg = PrivateMessage::parse(b.take(0, private::HEADER_LEN)?).map_err(|_| Truncated)?;
    let _ = write!(
        out,
        "\n\tErr={} ({}), Items={}, Item size={}",
        private::error_name(msg.error()).unwrap_or("unknown"),
        msg.error(),
        msg.item_count(),
        msg.item_size()
    );
    let Ok(msg) = PrivateMessage::parse(b.0) else {
        return Ok(());
    };
    for entry in msg.monitor_entries() {
        let a = entry.address();
        let _ = write!(
            out,
            "\n\tMonlist item: address: {}.{}.{}.{}:{}, count {}, mode {}, version {}, avgint {}, lsint {}",
            a[0],
            a[1],
            a[2],
            a[3],
            entry.port(),
            entry.count(),
            entry.mode(),
            entry.version(),
            entry.avg_interval(),
            entry.last_interval()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(data: &[u8], length: u32, verbose: u8) -> String {
        let mut out = String::new();
        if ntp_print(&mut out, &Bytes(data), length, verbose).is_err() {
            out.push_str(" [|ntp]");
        }
        out
    }

    /// The fourth packet of tcpdump's ntp.pcap (server reply, SHA-1 MAC).
    fn server_reply() -> Vec<u8> {
        let hex = "240200e9000027cf000000670a051b0adcf25be5b86d5655ae9d0aa81b8971a7dcf25be67e92d240dcf25be67e9a9fc900000008629990a7fc22cc8467dd88b7af2d220dbe3287d6";
        let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn default_line() {
        assert_eq!(text(&server_reply(), 72, 0), "NTPv4, Server, length 72");
    }

    #[test]
    fn verbose_server_reply() {
        let expected = "NTPv4, Server, length 72\n\
\tLeap indicator:  (0), Stratum 2 (secondary reference), poll 0 (1s), precision -23\n\
\tRoot Delay: 0.155502, Root dispersion: 0.001571, Reference-ID: 0x0a051b0a\n\
\t  Reference Timestamp:  3706870757.720418353 (2017-06-19T14:19:17Z)\n\
\t  Originator Timestamp: 2929527464.107565978 (1992-10-31T13:37:44Z)\n\
\t  Receive Timestamp:    3706870758.494427815 (2017-06-19T14:19:18Z)\n\
\t  Transmit Timestamp:   3706870758.494546877 (2017-06-19T14:19:18Z)\n\
\t    Originator - Receive Timestamp:  +777343294.386861836\n\
\t    Originator - Transmit Timestamp: +777343294.386980899";
        let got = text(&server_reply(), 72, 1);
        assert!(got.starts_with(expected), "{got}");
        assert!(
            got.ends_with(
                "\n\tKey id: 8\n\tAuthentication: 629990a7fc22cc8467dd88b7af2d220dbe3287d6"
            ),
            "{got}"
        );
    }

    #[test]
    fn truncation_marks() {
        let reply = server_reply();
        let got = text(&reply[..10], 72, 1);
        assert!(got.ends_with("Root dispersion:  [|ntp]"), "{got}");
        assert_eq!(text(&[], 48, 1), " [|ntp]");
    }

    #[test]
    fn deltas_and_times() {
        let mut m = vec![0u8; 48];
        m[24..32].copy_from_slice(&[0xdc, 0xf2, 0xf9, 0xe6, 0x80, 0, 0, 0]);
        m[32..40].copy_from_slice(&[0xdc, 0xf2, 0xf9, 0xe5, 0x40, 0, 0, 0]);
        let mut out = String::new();
        assert!(p_ntp_delta(&mut out, &Bytes(&m), 24, 32).is_ok());
        assert_eq!(out, "-1.250000000");
        out.clear();
        assert!(p_ntp_time(&mut out, &Bytes(&m), 24).is_ok());
        assert_eq!(out, "3706911206.500000000 (2017-06-20T01:33:26Z)");
        out.clear();
        print_char(&mut out, 0);
        print_char(&mut out, 0xc7);
        assert_eq!(out, "^@M-G");
    }

    #[test]
    fn control_header() {
        let m = [0x16, 0x02, 0, 68, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            text(&m, 12, 1),
            "NTPv2, Control Message, length 12\n\tLeap indicator:  (0), Request, OK, Last, OpCode=2\n\tSequence=68, Status=0, Assoc.=0, Offset=0, Count=0"
        );
    }
}
