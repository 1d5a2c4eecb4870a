//! Turns one decoded packet into the text the user asked for: the tcpdump
//! line (with its timestamp), the field tree, hex dumps or JSON. Everything
//! is appended to one reused `String`.

use std::fmt::Write;

use dissect_core::format;
use dissect_core::{Packet, Registry, RenderOptions};

/// tcpdump's timestamp styles (-t ... -ttttt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// `HH:MM:SS.uuuuuu` (default).
    Time,
    /// No timestamp (-t).
    None,
    /// `seconds.uuuuuu` since the epoch (-tt).
    Unix,
    /// Since the previous packet (-ttt).
    DeltaPrevious,
    /// `YYYY-MM-DD HH:MM:SS.uuuuuu` (-tttt).
    DateTime,
    /// Since the first packet (-ttttt).
    DeltaFirst,
}

impl TimeStyle {
    /// From the number of -t flags.
    pub fn from_count(count: u8) -> TimeStyle {
        match count {
            0 => TimeStyle::Time,
            1 => TimeStyle::None,
            2 => TimeStyle::Unix,
            3 => TimeStyle::DeltaPrevious,
            4 => TimeStyle::DateTime,
            _ => TimeStyle::DeltaFirst,
        }
    }
}

/// What each packet is printed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// tcpdump's one line.
    Line,
    /// The field tree (-V).
    Tree,
    /// One JSON object per line.
    Json,
}

/// Hex dump after the line or tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hex {
    None,
    /// `-x`/`-xx`: hex only.
    Plain {
        whole_frame: bool,
    },
    /// `-X`/`-XX`: hex and ASCII.
    Ascii {
        whole_frame: bool,
    },
}

/// The printing choices, and the timestamps deltas are taken from.
#[derive(Clone)]
pub struct Printer {
    pub mode: Mode,
    pub time: TimeStyle,
    pub nano: bool,
    pub number: bool,
    pub hex: Hex,
    pub options: RenderOptions,
    /// With -V/--json, show only this layer.
    pub only: Option<String>,
    first: Option<(i64, u32)>,
    previous: Option<(i64, u32)>,
    /// `HH:MM:SS` of the last second printed: packets come many to a second.
    clock: (i64, String),
}

impl Printer {
    pub fn new(mode: Mode, time: TimeStyle, options: RenderOptions) -> Printer {
        Printer {
            mode,
            time,
            nano: false,
            number: false,
            hex: Hex::None,
            options,
            only: None,
            first: None,
            previous: None,
            clock: (0, String::from("00:00:00")),
        }
    }

    /// Appends the packet's text to `out`.
    pub fn print(&mut self, registry: &Registry, packet: &Packet, out: &mut String) {
        match self.mode {
            Mode::Json => format::json(packet, self.only.as_deref(), out),
            Mode::Tree => {
                format::tree(registry, packet, self.only.as_deref(), out);
                self.print_hex(packet, out);
                out.push('\n');
            }
            Mode::Line => {
                if self.number {
                    let _ = write!(out, "{:5}  ", packet.frame.number);
                }
                if write_invalid_header(packet, out) {
                    return;
                }
                self.write_time(packet, out);
                let _ = registry.render(packet, &self.options, out);
                out.push('\n');
                self.print_hex(packet, out);
            }
        }
    }

    fn print_hex(&self, packet: &Packet, out: &mut String) {
        let (dump, whole_frame): (fn(&[u8], &mut String), bool) = match self.hex {
            Hex::None => return,
            Hex::Plain { whole_frame } => (hex_only, whole_frame),
            Hex::Ascii { whole_frame } => (format::hex_dump, whole_frame),
        };
        dump(format::hex_payload(packet, whole_frame), out);
        // The tree shows reassembled bytes as tshark does: each further
        // source under its title after the frame.
        if self.mode == Mode::Tree {
            format::hex_sources(packet, dump, out);
        }
    }

    /// The timestamp and a space, as tcpdump prints it in UTC.
    fn write_time(&mut self, packet: &Packet, out: &mut String) {
        let now = (packet.frame.ts_sec, packet.frame.ts_nsec);
        match self.time {
            TimeStyle::None => return,
            TimeStyle::Time => {
                if self.clock.0 != now.0 {
                    self.clock.1.clear();
                    format::write_clock(now.0, &mut self.clock.1);
                    self.clock.0 = now.0;
                }
                out.push_str(&self.clock.1);
                format::write_fraction(now.1, self.nano, out);
            }
            TimeStyle::DateTime => {
                format::write_date_clock(now.0, out);
                format::write_fraction(now.1, self.nano, out);
            }
            TimeStyle::Unix => {
                let _ = write!(out, "{}", now.0);
                format::write_fraction(now.1, self.nano, out);
            }
            TimeStyle::DeltaPrevious | TimeStyle::DeltaFirst => {
                let since = if self.time == TimeStyle::DeltaFirst {
                    *self.first.get_or_insert(now)
                } else {
                    self.previous.unwrap_or(now)
                };
                self.write_delta(since, now, out);
            }
        }
        self.previous = Some(now);
        out.push(' ');
    }

    /// ` HH:MM:SS.uuuuuu` (or `-HH...` when time went backwards), hours not
    /// wrapped at a day.
    fn write_delta(&self, from: (i64, u32), to: (i64, u32), out: &mut String) {
        let from = i128::from(from.0) * 1_000_000_000 + i128::from(from.1);
        let to = i128::from(to.0) * 1_000_000_000 + i128::from(to.1);
        let delta = to - from;
        out.push(if delta < 0 { '-' } else { ' ' });
        let delta = delta.unsigned_abs();
        let secs = delta / 1_000_000_000;
        let nsec = (delta % 1_000_000_000) as u32;
        let _ = write!(
            out,
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        format::write_fraction(nsec, self.nano, out);
    }
}

/// tcpdump's largest snapshot length: longer frames are not real.
const MAXIMUM_SNAPLEN: u32 = 262_144;

/// tcpdump's line for a record header that cannot describe a real frame
/// (`[Invalid header: caplen==0, len==0]`), printed instead of the timestamp
/// and the decode. Returns false (printing nothing) for a sound header.
fn write_invalid_header(packet: &Packet, out: &mut String) -> bool {
    let f = &packet.frame;
    let mut problems = 0;
    let mut problem = |out: &mut String, text: std::fmt::Arguments<'_>| {
        out.push_str(if problems == 0 {
            "[Invalid header:"
        } else {
            ","
        });
        let _ = write!(out, " {text}");
        problems += 1;
    };
    if f.caplen == 0 {
        problem(out, format_args!("caplen==0"));
    }
    if f.len == 0 {
        problem(out, format_args!("len==0"));
    } else if f.len < f.caplen {
        problem(out, format_args!("len({}) < caplen({})", f.len, f.caplen));
    }
    if f.caplen > MAXIMUM_SNAPLEN {
        problem(
            out,
            format_args!("caplen({}) > {MAXIMUM_SNAPLEN}", f.caplen),
        );
    }
    if f.len > MAXIMUM_SNAPLEN {
        problem(out, format_args!("len({}) > {MAXIMUM_SNAPLEN}", f.len));
    }
    if problems == 0 {
        return false;
    }
    out.push_str("]\n");
    true
}

/// Hex without ASCII, 16 bytes a line, as tcpdump -x prints it.
pub fn hex_only(bytes: &[u8], out: &mut String) {
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}: ", line * 16);
        for pair in chunk.chunks(2) {
            out.push(' ');
            for b in pair {
                let _ = write!(out, "{b:02x}");
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet_at(sec: i64, nsec: u32) -> Packet {
        let mut p = Packet::new();
        p.frame.ts_sec = sec;
        p.frame.ts_nsec = nsec;
        p
    }

    fn times(style: TimeStyle, nano: bool, stamps: &[(i64, u32)]) -> Vec<String> {
        let mut printer = Printer::new(Mode::Line, style, RenderOptions::default());
        printer.nano = nano;
        stamps
            .iter()
            .map(|&(s, n)| {
                let mut out = String::new();
                printer.write_time(&packet_at(s, n), &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn timestamp_styles_match_tcpdump() {
        let stamps = [(1_497_881_530, 230_949_000), (1_497_881_530, 231_082_000)];
        assert_eq!(
            times(TimeStyle::Time, false, &stamps),
            ["14:12:10.230949 ", "14:12:10.231082 "]
        );
        assert_eq!(
            times(TimeStyle::Unix, true, &stamps)[0],
            "1497881530.230949000 "
        );
        assert_eq!(
            times(TimeStyle::DateTime, false, &stamps)[0],
            "2017-06-19 14:12:10.230949 "
        );
        assert_eq!(
            times(TimeStyle::DeltaPrevious, false, &stamps),
            [" 00:00:00.000000 ", " 00:00:00.000133 "]
        );
        assert_eq!(
            times(
                TimeStyle::DeltaFirst,
                false,
                &[(0, 0), (90_061, 5_000), (10, 0)]
            ),
            [
                " 00:00:00.000000 ",
                " 25:01:01.000005 ",
                " 00:00:10.000000 "
            ]
        );
        assert_eq!(
            times(
                TimeStyle::DeltaPrevious,
                false,
                &[(10, 0), (9, 500_000_000)]
            )[1],
            "-00:00:00.500000 "
        );
        assert_eq!(times(TimeStyle::None, false, &stamps)[0], "");
    }

    #[test]
    fn extreme_timestamps_do_not_panic() {
        for style in [TimeStyle::Time, TimeStyle::DateTime, TimeStyle::DeltaFirst] {
            times(style, false, &[(i64::MIN, 0), (i64::MAX, u32::MAX)]);
        }
    }

    #[test]
    fn invalid_headers_are_named_like_tcpdump() {
        let mut p = Packet::new();
        let mut out = String::new();
        assert!(write_invalid_header(&p, &mut out));
        assert_eq!(out, "[Invalid header: caplen==0, len==0]\n");
        p.frame.caplen = 300_000;
        p.frame.len = 20;
        out.clear();
        assert!(write_invalid_header(&p, &mut out));
        assert_eq!(
            out,
            "[Invalid header: len(20) < caplen(300000), caplen(300000) > 262144]\n"
        );
        p.frame.caplen = 20;
        out.clear();
        assert!(!write_invalid_header(&p, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn hex_only_matches_tcpdump_x() {
        let mut out = String::new();
        hex_only(&[0x45, 0, 0, 0x64, 0xe2], &mut out);
        assert_eq!(out, "\t0x0000:  4500 0064 e2\n");
    }
}
