//! Turns one decoded packet into the text the user asked for: the tcpdump
//! line (the library's [`format::summary`], after tcpdump's `-#` number or
//! instead of an invalid record header), the field tree, hex dumps or JSON.
//! Everything is appended to one reused `String`.

use std::fmt::Write;

use dissect_core::format::fields::FieldsWriter;
use dissect_core::format::{self, TimeFormat, Timestamps};
use dissect_core::frame::FrameFields;
use dissect_core::{Packet, Registry, RenderOptions};

/// The timestamp format of `count` -t flags, as tcpdump counts them.
pub fn time_format(count: u8) -> TimeFormat {
    match count {
        0 => TimeFormat::Time,
        1 => TimeFormat::None,
        2 => TimeFormat::Unix,
        3 => TimeFormat::DeltaPrevious,
        4 => TimeFormat::DateTime,
        _ => TimeFormat::DeltaFirst,
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
    /// tshark's `-T fields` (see [`Printer::fields`]).
    Fields,
}

/// The writer and frame-field state of `-T fields`.
#[derive(Clone)]
pub struct FieldsOutput {
    pub writer: FieldsWriter,
    pub frame: FrameFields,
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

/// The printing choices, and in `time` the packet times deltas are taken from.
#[derive(Clone)]
pub struct Printer {
    pub mode: Mode,
    pub time: Timestamps,
    pub number: bool,
    pub hex: Hex,
    pub options: RenderOptions,
    /// With -V/--json, show only this layer.
    pub only: Option<String>,
    /// With `Mode::Fields`: what to print.
    pub fields: Option<Box<FieldsOutput>>,
}

impl Printer {
    pub fn new(mode: Mode, time: Timestamps, options: RenderOptions) -> Printer {
        Printer {
            mode,
            time,
            number: false,
            hex: Hex::None,
            options,
            only: None,
            fields: None,
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
            Mode::Fields => self.print_fields(packet, true, out),
            Mode::Line => {
                if self.number {
                    let _ = write!(out, "{:5}  ", packet.frame.number);
                }
                if write_invalid_header(packet, out) {
                    return;
                }
                format::summary(registry, packet, &self.options, &mut self.time, out);
                self.print_hex(packet, out);
            }
        }
    }

    /// A packet that is not printed: with `-T fields`, it still moves
    /// `frame.time_delta` on, as tshark counts every captured frame.
    pub fn skip(&mut self, packet: &Packet) {
        if self.mode == Mode::Fields {
            self.print_fields(packet, false, &mut String::new());
        }
    }

    /// The `-T fields` line (with `displayed`), after building the frame
    /// fields if any are named.
    fn print_fields(&mut self, packet: &Packet, displayed: bool, out: &mut String) {
        let Some(fields) = self.fields.as_deref_mut() else {
            return;
        };
        if !fields.writer.wants_frame() {
            if displayed {
                fields.writer.write(packet, None, out);
            }
            return;
        }
        fields.frame.build(packet, displayed);
        if displayed {
            fields.writer.write(packet, Some(&fields.frame), out);
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
