//! Capture file reading: pcap (microsecond, nanosecond and the "modified"
//! variant, either byte order) and pcapng (sections in either byte order,
//! several interfaces, enhanced/simple/obsolete packet blocks).
//!
//! The reader streams through one buffer that it reuses: a frame's bytes are
//! borrowed from that buffer, so reading allocates nothing per packet and the
//! memory stays flat whatever the file size. The record headers are parsed
//! here rather than with `pcap-file` because that crate's reader refuses
//! snaplen-cut records (captured < original length), which are normal, and
//! allocates per packet.
//!
//! A corrupt or cut file gives every good frame first, then one
//! [`CaptureError`] with the byte offset of the bad record or block, then
//! `None`.

use crate::tree::FrameInfo;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// A capture file that cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    /// Byte offset in the file where the problem is.
    pub offset: u64,
    pub message: String,
}

impl CaptureError {
    fn new(offset: u64, message: impl Into<String>) -> CaptureError {
        CaptureError {
            offset,
            message: message.into(),
        }
    }

    fn io(offset: u64, err: &io::Error) -> CaptureError {
        CaptureError::new(offset, io_message(err))
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for CaptureError {}

/// An I/O error as a short sentence: "No such file or directory", without
/// Rust's " (os error 2)" suffix.
fn io_message(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// Which file format the reader found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    Pcap,
    PcapNg,
}

/// Frames larger than this are treated as corruption rather than allocated.
pub const MAX_FRAME: u32 = 256 * 1024 * 1024;

/// Size of the read buffer: large reads keep the syscall count low.
const BUFFER_SIZE: usize = 1 << 20;

/// pcapng blocks other than packets and descriptions bigger than this are
/// skipped by streaming past them, not by buffering them.
const MAX_BUFFERED_SKIP: u32 = 1 << 20;

const PCAP_MICRO: u32 = 0xa1b2_c3d4;
const PCAP_NANO: u32 = 0xa1b2_3c4d;
/// Alexey Kuznetsov's patched format: 8 more bytes per record header.
const PCAP_MODIFIED: u32 = 0xa1b2_cd34;
const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_LEN: usize = 16;

const BLOCK_SHB: u32 = 0x0a0d_0d0a;
const BLOCK_IDB: u32 = 1;
const BLOCK_OPB: u32 = 2;
const BLOCK_SPB: u32 = 3;
const BLOCK_EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

/// Units per second of a timestamp, with fast paths for the usual two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    Micro,
    Nano,
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl Resolution {
    /// From the pcapng `if_tsresol` option byte.
    fn from_tsresol(v: u8) -> Resolution {
        match v {
            6 => Resolution::Micro,
            9 => Resolution::Nano,
            v if v & 0x80 != 0 => Resolution::Binary(v & 0x7f),
            v => Resolution::Decimal(v),
        }
    }

    /// Splits a count of units into (seconds, nanoseconds), saturating
    /// rather than overflowing for absurd values.
    fn split(self, units: u64) -> (i64, u32) {
        let (sec, nsec) = match self {
            Resolution::Micro => (units / 1_000_000, (units % 1_000_000) * 1000),
            Resolution::Nano => (units / 1_000_000_000, units % 1_000_000_000),
            Resolution::Decimal(n) => match 10u128.checked_pow(u32::from(n)) {
                Some(per_sec) => Self::split_general(units, per_sec),
                None => (0, 0),
            },
            Resolution::Binary(n) => Self::split_general(units, 1u128 << n.min(127)),
        };
        (
            i64::try_from(sec).unwrap_or(i64::MAX),
            u32::try_from(nsec).unwrap_or(0),
        )
    }

    fn split_general(units: u64, per_sec: u128) -> (u64, u64) {
        let units = u128::from(units);
        let sec = u64::try_from(units / per_sec).unwrap_or(u64::MAX);
        let nsec = (units % per_sec) * 1_000_000_000 / per_sec;
        (sec, u64::try_from(nsec).unwrap_or(0))
    }
}

/// One pcapng Interface Description Block.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    snaplen: u32,
    resolution: Resolution,
    /// `if_tsoffset`: seconds added to every timestamp.
    offset: i64,
}

#[derive(Debug)]
enum Format {
    Pcap {
        big: bool,
        resolution: Resolution,
        linktype: u32,
        /// Bytes after the 16-byte record header before the data.
        extra: usize,
    },
    PcapNg {
        big: bool,
        interfaces: Vec<Interface>,
    },
}

/// Reads frames one at a time from a pcap or pcapng stream.
pub struct CaptureReader {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// The source returned end of file.
    eof: bool,
    format: Format,
    number: u64,
    /// An error found while looking ahead (pcapng before the first packet),
    /// returned by the next call to [`CaptureReader::next_frame`].
    pending: Option<CaptureError>,
    /// After an error or the end: every further call returns `None`.
    finished: bool,
    first_linktype: Option<u32>,
    snaplen: Option<u32>,
}

/// Where a frame's bytes are in the buffer.
struct Found {
    info: FrameInfo,
    start: usize,
}

impl CaptureReader {
    /// Opens a capture file; `-` reads standard input.
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        if path.as_os_str() == "-" {
            return CaptureReader::new(Box::new(io::stdin()));
        }
        let file = File::open(path).map_err(|e| CaptureError::io(0, &e))?;
        CaptureReader::new(Box::new(file))
    }

    /// Reads the file header from `src` and detects the format.
    pub fn new(src: Box<dyn Read + Send>) -> Result<CaptureReader, CaptureError> {
        let mut reader = CaptureReader {
            src,
            buf: vec![0; BUFFER_SIZE],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            format: Format::PcapNg {
                big: false,
                interfaces: Vec::new(),
            },
            number: 0,
            pending: None,
            finished: false,
            first_linktype: None,
            snaplen: None,
        };
        let got = reader.fill(4)?;
        if got == 0 {
            return Err(CaptureError::new(0, "empty file"));
        }
        let head = reader.unread();
        if got < 4 {
            return Err(CaptureError::new(
                0,
                format!("not a pcap or pcapng file (only {got} bytes)"),
            ));
        }
        let magic_le = read_u32(head, 0, false);
        let magic_be = read_u32(head, 0, true);
        if magic_le == BLOCK_SHB {
            reader.start_pcapng()?;
        } else if [PCAP_MICRO, PCAP_NANO, PCAP_MODIFIED].contains(&magic_le) {
            reader.start_pcap(false, magic_le)?;
        } else if [PCAP_MICRO, PCAP_NANO, PCAP_MODIFIED].contains(&magic_be) {
            reader.start_pcap(true, magic_be)?;
        } else {
            return Err(CaptureError::new(
                0,
                format!("not a pcap or pcapng file (magic 0x{magic_be:08x})"),
            ));
        }
        Ok(reader)
    }

    /// pcap or pcapng.
    pub fn format(&self) -> CaptureFormat {
        match self.format {
            Format::Pcap { .. } => CaptureFormat::Pcap,
            Format::PcapNg { .. } => CaptureFormat::PcapNg,
        }
    }

    /// Link type of the file (pcap) or of its first interface (pcapng),
    /// if one was described before the first packet.
    pub fn linktype(&self) -> Option<u32> {
        self.first_linktype
    }

    /// Snapshot length of the file or of its first interface.
    pub fn snaplen(&self) -> Option<u32> {
        self.snaplen
    }

    /// Byte offset in the file of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True if the next record or block is already wholly in the buffer, so
    /// the next [`CaptureReader::next_frame`] will not wait for input. A
    /// reader of a live stream (stdin) flushes its output when this is false.
    pub fn next_is_buffered(&self) -> bool {
        let unread = self.unread();
        let big = self.big();
        let need = match self.format {
            Format::Pcap { extra, .. } => {
                PCAP_RECORD_LEN as u64 + extra as u64 + u64::from(read_u32(unread, 8, big))
            }
            Format::PcapNg { .. } => match read_u32(unread, 0, big) {
                // A new section may change the byte order: treat as not buffered.
                BLOCK_SHB => u64::MAX,
                _ => u64::from(read_u32(unread, 4, big)).max(12),
            },
        };
        unread.len() >= 16 && unread.len() as u64 >= need
    }

    /// The next frame with its captured bytes (borrowed from the reader's
    /// buffer until the next call), an error (once), or `None` at the end.
    pub fn next_frame(&mut self) -> Option<Result<(FrameInfo, &[u8]), CaptureError>> {
        if self.finished {
            return None;
        }
        if let Some(err) = self.pending.take() {
            self.finished = true;
            return Some(Err(err));
        }
        let found = match self.format {
            Format::Pcap { .. } => self.next_pcap(),
            Format::PcapNg { .. } => self.next_pcapng(),
        };
        match found {
            Ok(Some(found)) => {
                let len = found.info.caplen as usize;
                let bytes = self.buf.get(found.start..found.start + len).unwrap_or(&[]);
                Some(Ok((found.info, bytes)))
            }
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(err) => {
                self.finished = true;
                Some(Err(err))
            }
        }
    }

    // ---- buffer ---------------------------------------------------------

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..self.end).unwrap_or(&[])
    }

    /// Makes at least `need` unread bytes available unless the source ends
    /// first; returns how many are available.
    fn fill(&mut self, need: usize) -> Result<usize, CaptureError> {
        if self.end - self.pos >= need || self.eof {
            return Ok(self.end - self.pos);
        }
        if self.buf.len() - self.pos < need {
            // Move the unread tail to the front.
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end - self.pos < need {
            if self.end == self.buf.len() {
                // A frame larger than the buffer: grow by doubling as its
                // bytes arrive, so a record that only claims a huge length
                // (a cut or hostile file) costs no memory.
                let grown = (self.buf.len() * 2).clamp(self.buf.len() + 1, self.pos + need);
                self.buf.resize(grown, 0);
            }
            let room = match self.buf.get_mut(self.end..) {
                Some(room) if !room.is_empty() => room,
                _ => break,
            };
            match self.src.read(room) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::io(self.base + self.end as u64, &e)),
            }
        }
        Ok(self.end - self.pos)
    }

    /// Consumes `n` bytes, reading past those not yet buffered.
    fn skip(&mut self, n: u64) -> Result<u64, CaptureError> {
        let buffered = (self.end - self.pos) as u64;
        if n <= buffered {
            self.pos += n as usize;
            return Ok(n);
        }
        let mut skipped = buffered;
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        while skipped < n && !self.eof {
            let want = usize::try_from(n - skipped)
                .unwrap_or(usize::MAX)
                .min(self.buf.len());
            let (chunk, _) = self.buf.split_at_mut(want);
            match self.src.read(chunk) {
                Ok(0) => self.eof = true,
                Ok(got) => {
                    skipped += got as u64;
                    self.base += got as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::io(self.base, &e)),
            }
        }
        Ok(skipped)
    }

    // ---- pcap -----------------------------------------------------------

    fn start_pcap(&mut self, big: bool, magic: u32) -> Result<(), CaptureError> {
        let got = self.fill(PCAP_HEADER_LEN)?;
        if got < PCAP_HEADER_LEN {
            return Err(CaptureError::new(
                0,
                format!("truncated pcap file header (need {PCAP_HEADER_LEN} bytes, got {got})"),
            ));
        }
        let head = self.unread();
        let major = read_u16(head, 4, big);
        if major != 2 {
            return Err(CaptureError::new(
                4,
                format!("unsupported pcap version {major}"),
            ));
        }
        let snaplen = read_u32(head, 16, big);
        // The top bits of the link type field carry FCS information.
        let linktype = read_u32(head, 20, big) & 0x03ff_ffff;
        self.format = Format::Pcap {
            big,
            resolution: if magic == PCAP_NANO {
                Resolution::Nano
            } else {
                Resolution::Micro
            },
            linktype,
            extra: if magic == PCAP_MODIFIED { 8 } else { 0 },
        };
        self.first_linktype = Some(linktype);
        self.snaplen = Some(snaplen);
        self.pos += PCAP_HEADER_LEN;
        Ok(())
    }

    fn next_pcap(&mut self) -> Result<Option<Found>, CaptureError> {
        let Format::Pcap {
            big,
            resolution,
            linktype,
            extra,
        } = self.format
        else {
            return Ok(None);
        };
        let at = self.offset();
        let header_len = PCAP_RECORD_LEN + extra;
        let got = self.fill(header_len)?;
        if got == 0 {
            return Ok(None);
        }
        if got < header_len {
            return Err(CaptureError::new(
                at,
                format!("truncated record header (need {header_len} bytes, got {got})"),
            ));
        }
        let head = self.unread();
        let ts_sec = read_u32(head, 0, big);
        let ts_frac = read_u32(head, 4, big);
        let caplen = read_u32(head, 8, big);
        let len = read_u32(head, 12, big);
        if caplen > MAX_FRAME {
            return Err(CaptureError::new(
                at,
                format!("captured length {caplen} is too large (corrupt file?)"),
            ));
        }
        let need = header_len + caplen as usize;
        let got = self.fill(need)?;
        if got < need {
            return Err(CaptureError::new(
                at,
                format!(
                    "truncated packet data (need {caplen} bytes, got {})",
                    got - header_len
                ),
            ));
        }
        let (ts_sec, ts_nsec) = pcap_time(ts_sec, ts_frac, resolution);
        self.number += 1;
        let found = Found {
            info: FrameInfo {
                number: self.number,
                ts_sec,
                ts_nsec,
                caplen,
                len,
                interface: 0,
                linktype,
            },
            start: self.pos + header_len,
        };
        self.pos += need;
        Ok(Some(found))
    }

    // ---- pcapng ---------------------------------------------------------

    fn start_pcapng(&mut self) -> Result<(), CaptureError> {
        let got = self.fill(12)?;
        if got < 12 {
            return Err(CaptureError::new(
                0,
                format!("truncated pcapng section header (need 12 bytes, got {got})"),
            ));
        }
        if self.section_order().is_none() {
            return Err(CaptureError::new(
                8,
                "pcapng section header has a bad byte-order magic",
            ));
        }
        // Read the section header and any description blocks up to the
        // first packet, so the link type is known now. An error there is
        // reported by the first next_frame (after the open succeeded) unless
        // the very first block is bad.
        self.pcapng_block()?;
        while self.first_linktype.is_none() {
            match self.peek_block_type() {
                Ok(Some(kind)) if !is_packet_block(kind) => {}
                Ok(_) => break,
                Err(err) => {
                    self.pending = Some(err);
                    break;
                }
            }
            match self.pcapng_block() {
                Ok(None) => {}
                // Unreachable: packet blocks are not read here.
                Ok(Some(_)) => break,
                Err(err) => {
                    self.pending = Some(err);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Byte order of the section header at `pos` (true for big endian).
    fn section_order(&self) -> Option<bool> {
        let head = self.unread();
        if read_u32(head, 8, false) == BYTE_ORDER_MAGIC {
            Some(false)
        } else if read_u32(head, 8, true) == BYTE_ORDER_MAGIC {
            Some(true)
        } else {
            None
        }
    }

    fn big(&self) -> bool {
        match self.format {
            Format::PcapNg { big, .. } | Format::Pcap { big, .. } => big,
        }
    }

    fn peek_block_type(&mut self) -> Result<Option<u32>, CaptureError> {
        if self.fill(4)? < 4 {
            return Ok(None);
        }
        Ok(Some(read_u32(self.unread(), 0, self.big())))
    }

    fn next_pcapng(&mut self) -> Result<Option<Found>, CaptureError> {
        loop {
            if self.fill(1)? == 0 {
                return Ok(None);
            }
            if let Some(found) = self.pcapng_block()? {
                return Ok(Some(found));
            }
        }
    }

    /// Reads one block; returns the frame if it was a packet block.
    fn pcapng_block(&mut self) -> Result<Option<Found>, CaptureError> {
        let at = self.offset();
        let got = self.fill(12)?;
        if got < 8 {
            return Err(CaptureError::new(
                at,
                format!("truncated block header (need 8 bytes, got {got})"),
            ));
        }
        let mut big = self.big();
        // The section header's type reads the same in both byte orders; a
        // new section may switch the order.
        let kind = read_u32(self.unread(), 0, big);
        if kind == BLOCK_SHB {
            if got < 12 {
                return Err(CaptureError::new(at, "truncated section header block"));
            }
            big = self.section_order().ok_or_else(|| {
                CaptureError::new(at, "section header block has a bad byte-order magic")
            })?;
        }
        let total = read_u32(self.unread(), 4, big);
        let min_len = if kind == BLOCK_SHB { 28 } else { 12 };
        if total < min_len || total % 4 != 0 {
            return Err(CaptureError::new(
                at,
                format!("invalid block length {total} (block type 0x{kind:08x})"),
            ));
        }
        let buffered = matches!(
            kind,
            BLOCK_SHB | BLOCK_IDB | BLOCK_EPB | BLOCK_SPB | BLOCK_OPB
        );
        if !buffered && total > MAX_BUFFERED_SKIP {
            // Skip a big block we do not read without buffering it.
            let skipped = self.skip(u64::from(total))?;
            if skipped < u64::from(total) {
                return Err(CaptureError::new(
                    at,
                    format!("truncated block (length {total}, got {skipped})"),
                ));
            }
            return Ok(None);
        }
        if total > MAX_FRAME {
            return Err(CaptureError::new(
                at,
                format!("block length {total} is too large (corrupt file?)"),
            ));
        }
        let total = total as usize;
        let got = self.fill(total)?;
        if got < total {
            return Err(CaptureError::new(
                at,
                format!("truncated block (length {total}, got {got})"),
            ));
        }
        let block = self.buf.get(self.pos..self.pos + total).unwrap_or(&[]);
        if read_u32(block, total - 4, big) as usize != total {
            return Err(CaptureError::new(
                at,
                format!("block length {total} does not match its trailing length"),
            ));
        }
        let found = match kind {
            BLOCK_SHB => {
                let major = read_u16(block, 12, big);
                if major != 1 {
                    return Err(CaptureError::new(
                        at,
                        format!("unsupported pcapng version {major}"),
                    ));
                }
                self.format = Format::PcapNg {
                    big,
                    interfaces: Vec::new(),
                };
                None
            }
            BLOCK_IDB => {
                let interface = parse_idb(block, big).ok_or_else(|| {
                    CaptureError::new(at, "interface description block too short")
                })?;
                if self.first_linktype.is_none() {
                    self.first_linktype = Some(interface.linktype);
                    self.snaplen = Some(interface.snaplen);
                }
                if let Format::PcapNg { interfaces, .. } = &mut self.format {
                    interfaces.push(interface);
                }
                None
            }
            BLOCK_EPB | BLOCK_OPB | BLOCK_SPB => Some(self.packet_block(at, kind, total, big)?),
            _ => None,
        };
        self.pos += total;
        Ok(found)
    }

    /// Frame info and data start of an enhanced, obsolete or simple packet
    /// block of `total` bytes at `pos`.
    fn packet_block(
        &mut self,
        at: u64,
        kind: u32,
        total: usize,
        big: bool,
    ) -> Result<Found, CaptureError> {
        let Format::PcapNg { interfaces, .. } = &self.format else {
            return Err(CaptureError::new(at, "packet block outside a section"));
        };
        let block = self.buf.get(self.pos..self.pos + total).unwrap_or(&[]);
        let (interface_id, units, caplen, len, data_at) = if kind == BLOCK_SPB {
            if total < 16 {
                return Err(CaptureError::new(at, "simple packet block too short"));
            }
            let len = read_u32(block, 8, big);
            let room = (total - 16) as u32;
            let mut caplen = len.min(room);
            if let Some(snaplen) = interfaces.first().map(|i| i.snaplen) {
                if snaplen != 0 {
                    caplen = caplen.min(snaplen);
                }
            }
            (0, None, caplen, len, 12)
        } else {
            if total < 32 {
                return Err(CaptureError::new(at, "packet block too short"));
            }
            let interface_id = if kind == BLOCK_OPB {
                u32::from(read_u16(block, 8, big))
            } else {
                read_u32(block, 8, big)
            };
            let units =
                u64::from(read_u32(block, 12, big)) << 32 | u64::from(read_u32(block, 16, big));
            let caplen = read_u32(block, 20, big);
            let len = read_u32(block, 24, big);
            if caplen as usize > total - 32 {
                return Err(CaptureError::new(
                    at,
                    format!("captured length {caplen} exceeds the packet block (length {total})"),
                ));
            }
            (interface_id, Some(units), caplen, len, 28)
        };
        let interface = interfaces.get(interface_id as usize).ok_or_else(|| {
            CaptureError::new(
                at,
                format!("packet on interface {interface_id}, which has no description block"),
            )
        })?;
        let (ts_sec, ts_nsec) = match units {
            Some(units) => {
                let (sec, nsec) = interface.resolution.split(units);
                (sec.saturating_add(interface.offset), nsec)
            }
            None => (0, 0),
        };
        self.number += 1;
        Ok(Found {
            info: FrameInfo {
                number: self.number,
                ts_sec,
                ts_nsec,
                caplen,
                len,
                interface: interface_id,
                linktype: interface.linktype,
            },
            start: self.pos + data_at,
        })
    }
}

fn is_packet_block(kind: u32) -> bool {
    matches!(kind, BLOCK_EPB | BLOCK_SPB | BLOCK_OPB)
}

/// A pcap record's timestamp. Seconds are unsigned 32-bit (good to 2106).
/// An out-of-range fraction (a microsecond count of 1000000 or more) is kept
/// as is, as tcpdump and tshark print it, unless nanoseconds cannot hold it.
fn pcap_time(sec: u32, frac: u32, resolution: Resolution) -> (i64, u32) {
    let nsec = match resolution {
        Resolution::Nano => u64::from(frac),
        _ => u64::from(frac) * 1000,
    };
    match u32::try_from(nsec) {
        Ok(nsec) => (i64::from(sec), nsec),
        Err(_) => (
            i64::from(sec) + (nsec / 1_000_000_000) as i64,
            (nsec % 1_000_000_000) as u32,
        ),
    }
}

/// The interface an IDB describes, with its options. `None` if the block
/// is too short to hold the fixed fields.
fn parse_idb(block: &[u8], big: bool) -> Option<Interface> {
    if block.len() < 20 {
        return None;
    }
    let mut interface = Interface {
        linktype: u32::from(read_u16(block, 8, big)),
        snaplen: read_u32(block, 12, big),
        resolution: Resolution::Micro,
        offset: 0,
    };
    let options = block.get(16..block.len() - 4)?;
    let mut at = 0;
    while at + 4 <= options.len() {
        let code = read_u16(options, at, big);
        let len = usize::from(read_u16(options, at + 2, big));
        let value = options.get(at + 4..at + 4 + len).unwrap_or(&[]);
        match code {
            OPT_END => break,
            OPT_IF_TSRESOL => {
                if let Some(&v) = value.first() {
                    interface.resolution = Resolution::from_tsresol(v);
                }
            }
            OPT_IF_TSOFFSET if value.len() == 8 => {
                let raw = if big {
                    u64::from(read_u32(value, 0, true)) << 32 | u64::from(read_u32(value, 4, true))
                } else {
                    u64::from(read_u32(value, 4, false)) << 32
                        | u64::from(read_u32(value, 0, false))
                };
                interface.offset = raw as i64;
            }
            _ => {}
        }
        at += 4 + len.div_ceil(4) * 4;
    }
    Some(interface)
}

fn read_u32(b: &[u8], at: usize, big: bool) -> u32 {
    match b.get(at..at + 4) {
        Some(&[a, b, c, d]) => {
            if big {
                u32::from_be_bytes([a, b, c, d])
            } else {
                u32::from_le_bytes([a, b, c, d])
            }
        }
        _ => 0,
    }
}

fn read_u16(b: &[u8], at: usize, big: bool) -> u16 {
    match b.get(at..at + 2) {
        Some(&[a, b]) => {
            if big {
                u16::from_be_bytes([a, b])
            } else {
                u16::from_le_bytes([a, b])
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn u16b(v: u16, big: bool) -> [u8; 2] {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32b(v: u32, big: bool) -> [u8; 4] {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn pcap_header(magic: u32, big: bool, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(u32b(magic, big));
        v.extend(u16b(2, big));
        v.extend(u16b(4, big));
        v.extend([0; 8]);
        v.extend(u32b(65535, big));
        v.extend(u32b(linktype, big));
        v
    }

    fn pcap_record(v: &mut Vec<u8>, big: bool, sec: u32, frac: u32, data: &[u8], len: u32) {
        v.extend(u32b(sec, big));
        v.extend(u32b(frac, big));
        v.extend(u32b(data.len() as u32, big));
        v.extend(u32b(len, big));
        v.extend(data);
    }

    /// A pcapng block with `body` padded to 4 bytes.
    fn block(v: &mut Vec<u8>, big: bool, kind: u32, body: &[u8]) {
        let padded = body.len().div_ceil(4) * 4;
        let total = (12 + padded) as u32;
        v.extend(u32b(kind, big));
        v.extend(u32b(total, big));
        v.extend(body);
        v.extend(std::iter::repeat_n(0, padded - body.len()));
        v.extend(u32b(total, big));
    }

    fn shb(v: &mut Vec<u8>, big: bool) {
        let mut body = Vec::new();
        body.extend(u32b(BYTE_ORDER_MAGIC, big));
        body.extend(u16b(1, big));
        body.extend(u16b(0, big));
        body.extend([0xff; 8]);
        block(v, big, BLOCK_SHB, &body);
    }

    fn idb(v: &mut Vec<u8>, big: bool, linktype: u16, tsresol: Option<u8>) {
        let mut body = Vec::new();
        body.extend(u16b(linktype, big));
        body.extend([0, 0]);
        body.extend(u32b(0, big));
        if let Some(r) = tsresol {
            body.extend(u16b(OPT_IF_TSRESOL, big));
            body.extend(u16b(1, big));
            body.extend([r, 0, 0, 0]);
            body.extend([0; 4]);
        }
        block(v, big, BLOCK_IDB, &body);
    }

    fn epb(v: &mut Vec<u8>, big: bool, iface: u32, ts: u64, data: &[u8], len: u32) {
        let mut body = Vec::new();
        body.extend(u32b(iface, big));
        body.extend(u32b((ts >> 32) as u32, big));
        body.extend(u32b(ts as u32, big));
        body.extend(u32b(data.len() as u32, big));
        body.extend(u32b(len, big));
        body.extend(data);
        block(v, big, BLOCK_EPB, &body);
    }

    fn reader(bytes: Vec<u8>) -> Result<CaptureReader, CaptureError> {
        CaptureReader::new(Box::new(Cursor::new(bytes)))
    }

    /// All frames as (info, bytes), then the error if any.
    fn read_all(mut r: CaptureReader) -> (Vec<(FrameInfo, Vec<u8>)>, Option<CaptureError>) {
        let mut frames = Vec::new();
        while let Some(next) = r.next_frame() {
            match next {
                Ok((info, data)) => frames.push((info, data.to_vec())),
                Err(e) => {
                    assert!(r.next_frame().is_none(), "nothing after an error");
                    return (frames, Some(e));
                }
            }
        }
        (frames, None)
    }

    /// Gives out at most one byte per read: exercises refilling.
    struct Trickle(Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn pcap_micro_and_nano_both_orders() {
        for big in [false, true] {
            for (magic, frac, nsec) in [(PCAP_MICRO, 123_456, 123_456_000), (PCAP_NANO, 7, 7)] {
                let mut v = pcap_header(magic, big, 1);
                pcap_record(&mut v, big, 1_000_000_000, frac, &[1, 2, 3], 3);
                pcap_record(&mut v, big, 0xffff_ffff, 0, &[9; 10], 60);
                let r = reader(v).unwrap();
                assert_eq!(r.format(), CaptureFormat::Pcap);
                assert_eq!(r.linktype(), Some(1));
                assert_eq!(r.snaplen(), Some(65535));
                let (frames, err) = read_all(r);
                assert_eq!(err, None);
                assert_eq!(frames.len(), 2);
                let (a, data) = &frames[0];
                assert_eq!((a.number, a.ts_sec, a.ts_nsec), (1, 1_000_000_000, nsec));
                assert_eq!((a.caplen, a.len, a.linktype), (3, 3, 1));
                assert_eq!(data, &[1, 2, 3]);
                // Snaplen-cut record: returned with caplen < len.
                let (b, data) = &frames[1];
                assert_eq!(
                    (b.number, b.ts_sec, b.caplen, b.len),
                    (2, 4_294_967_295, 10, 60)
                );
                assert_eq!(data.len(), 10);
            }
        }
    }

    #[test]
    fn pcap_modified_format_and_trickled_input() {
        let mut v = pcap_header(PCAP_MODIFIED, false, 1);
        v.extend(u32b(5, false));
        v.extend(u32b(6, false));
        v.extend(u32b(2, false));
        v.extend(u32b(2, false));
        v.extend([0; 8]);
        v.extend([0xaa, 0xbb]);
        let (frames, err) = read_all(reader(v.clone()).unwrap());
        assert_eq!(err, None);
        assert_eq!(frames[0].1, vec![0xaa, 0xbb]);
        let r = CaptureReader::new(Box::new(Trickle(Cursor::new(v)))).unwrap();
        let (frames, err) = read_all(r);
        assert_eq!((frames.len(), err), (1, None));
        assert_eq!(frames[0].1, vec![0xaa, 0xbb]);
    }

    #[test]
    fn pcap_cut_files_report_the_record_offset() {
        let mut v = pcap_header(PCAP_MICRO, false, 1);
        pcap_record(&mut v, false, 1, 2, &[0; 20], 20);
        let second = v.len() as u64;
        pcap_record(&mut v, false, 1, 2, &[0; 20], 20);
        // Cut inside the second record's data, then inside its header.
        for (cut, what) in [
            (v.len() - 5, "truncated packet data"),
            (v.len() - 30, "truncated record header"),
        ] {
            let (frames, err) = read_all(reader(v[..cut].to_vec()).unwrap());
            assert_eq!(frames.len(), 1);
            let err = err.unwrap();
            assert_eq!(err.offset, second);
            assert!(err.message.starts_with(what), "{}", err.message);
        }
        // Ending exactly at a record boundary is fine.
        let (frames, err) = read_all(reader(v[..second as usize].to_vec()).unwrap());
        assert_eq!((frames.len(), err), (1, None));
    }

    #[test]
    fn pcap_absurd_caplen_is_an_error_not_an_allocation() {
        let mut v = pcap_header(PCAP_MICRO, false, 1);
        let at = v.len() as u64;
        v.extend(u32b(0, false));
        v.extend(u32b(0, false));
        v.extend(u32b(0xffff_fff0, false));
        v.extend(u32b(0xffff_fff0, false));
        let (frames, err) = read_all(reader(v).unwrap());
        assert!(frames.is_empty());
        assert_eq!(err.unwrap().offset, at);
    }

    #[test]
    fn pcap_invalid_microseconds_are_kept() {
        assert_eq!(
            pcap_time(5, 1_000_000, Resolution::Micro),
            (5, 1_000_000_000)
        );
        assert_eq!(
            pcap_time(5, 2_147_483_648, Resolution::Micro),
            (2152, 483_648_000)
        );
    }

    #[test]
    fn bad_magic_empty_and_short_files() {
        let err = reader(b"hello world, this is text".to_vec()).err().unwrap();
        assert_eq!(err.offset, 0);
        assert_eq!(err.message, "not a pcap or pcapng file (magic 0x68656c6c)");
        let err = reader(Vec::new()).err().unwrap();
        assert_eq!(err.message, "empty file");
        let err = reader(vec![0xd4, 0xc3]).err().unwrap();
        assert_eq!(err.offset, 0);
        let err = reader(pcap_header(PCAP_MICRO, false, 1)[..10].to_vec())
            .err()
            .unwrap();
        assert!(
            err.message.starts_with("truncated pcap file header"),
            "{}",
            err.message
        );
        let err = CaptureReader::open(Path::new("/nonexistent/x.pcap"))
            .err()
            .unwrap();
        assert_eq!(err.message, "No such file or directory");
    }

    #[test]
    fn pcapng_interfaces_resolutions_spb_and_skipped_blocks() {
        let mut v = Vec::new();
        shb(&mut v, false);
        idb(&mut v, false, 1, None); // Ethernet, microseconds
        block(&mut v, false, 4, &[1, 2, 3, 4, 5]); // NRB: skipped
        idb(&mut v, false, 101, Some(9)); // raw IP, nanoseconds
        idb(&mut v, false, 228, Some(0x80 | 10)); // 2^-10 seconds
        epb(&mut v, false, 0, 1_500_000_000_123_456, &[0xee; 14], 14);
        epb(&mut v, false, 1, 1_500_000_000_123_456_789, &[0x45; 5], 40);
        block(&mut v, false, 0x0bad_0bad, &[0; 16]); // unknown: skipped
        epb(&mut v, false, 2, (7 << 10) | 512, &[0x45], 1);
        // SPB: interface 0, no timestamp, data limited by the block.
        let mut body = Vec::new();
        body.extend(u32b(100, false));
        body.extend([0x11; 6]);
        block(&mut v, false, BLOCK_SPB, &body);
        block(&mut v, false, 5, &[0; 8]); // ISB: skipped

        let r = reader(v).unwrap();
        assert_eq!(r.format(), CaptureFormat::PcapNg);
        assert_eq!(r.linktype(), Some(1));
        let (frames, err) = read_all(r);
        assert_eq!(err, None);
        let infos: Vec<_> = frames
            .iter()
            .map(|(f, _)| {
                (
                    f.number,
                    f.interface,
                    f.linktype,
                    f.ts_sec,
                    f.ts_nsec,
                    f.caplen,
                    f.len,
                )
            })
            .collect();
        assert_eq!(
            infos,
            vec![
                (1, 0, 1, 1_500_000_000, 123_456_000, 14, 14),
                (2, 1, 101, 1_500_000_000, 123_456_789, 5, 40),
                (3, 2, 228, 7, 500_000_000, 1, 1),
                (4, 0, 1, 0, 0, 8, 100),
            ]
        );
        assert_eq!(frames[3].1[..6], [0x11; 6]);
    }

    #[test]
    fn pcapng_sections_switch_byte_order_and_interfaces() {
        let mut v = Vec::new();
        shb(&mut v, false);
        idb(&mut v, false, 1, None);
        epb(&mut v, false, 0, 1_000_000, &[1], 1);
        shb(&mut v, true);
        idb(&mut v, true, 113, Some(3));
        epb(&mut v, true, 0, 2_500, &[2, 3], 2);
        let (frames, err) = read_all(reader(v).unwrap());
        assert_eq!(err, None);
        assert_eq!(frames.len(), 2);
        assert_eq!((frames[0].0.ts_sec, frames[0].0.linktype), (1, 1));
        let f = frames[1].0;
        assert_eq!(
            (f.number, f.ts_sec, f.ts_nsec, f.linktype),
            (2, 2, 500_000_000, 113)
        );
        assert_eq!(frames[1].1, vec![2, 3]);
    }

    #[test]
    fn pcapng_errors_report_the_block_offset() {
        let mut v = Vec::new();
        shb(&mut v, false);
        idb(&mut v, false, 1, None);
        epb(&mut v, false, 0, 0, &[1, 2, 3, 4], 4);
        let bad = v.len();
        epb(&mut v, false, 0, 0, &[1, 2, 3, 4], 4);

        // Corrupt block length (not a multiple of 4).
        let mut corrupt = v.clone();
        corrupt[bad + 4] = 13;
        let (frames, err) = read_all(reader(corrupt).unwrap());
        assert_eq!(frames.len(), 1);
        let err = err.unwrap();
        assert_eq!(err.offset, bad as u64);
        assert!(
            err.message.contains("invalid block length 13"),
            "{}",
            err.message
        );

        // Trailing length disagrees.
        let mut corrupt = v.clone();
        let last = corrupt.len() - 4;
        corrupt[last] = 0;
        let (frames, err) = read_all(reader(corrupt).unwrap());
        assert_eq!((frames.len(), err.unwrap().offset), (1, bad as u64));

        // Cut mid-block and mid-header.
        for cut in [v.len() - 3, bad + 5] {
            let (frames, err) = read_all(reader(v[..cut].to_vec()).unwrap());
            assert_eq!((frames.len(), err.unwrap().offset), (1, bad as u64));
        }

        // Packet on an undescribed interface.
        let mut unknown = v[..bad].to_vec();
        epb(&mut unknown, false, 3, 0, &[1], 1);
        let (frames, err) = read_all(reader(unknown).unwrap());
        assert_eq!((frames.len(), err.unwrap().offset), (1, bad as u64));
    }

    #[test]
    fn next_is_buffered_sees_whole_records_only() {
        let mut v = pcap_header(PCAP_MICRO, false, 1);
        pcap_record(&mut v, false, 1, 2, &[0; 20], 20);
        pcap_record(&mut v, false, 1, 2, &[0; 20], 20);
        let mut r = reader(v[..v.len() - 1].to_vec()).unwrap();
        assert!(r.next_is_buffered());
        assert!(r.next_frame().is_some());
        assert!(!r.next_is_buffered(), "second record is cut");

        let mut v = Vec::new();
        shb(&mut v, false);
        idb(&mut v, false, 1, None);
        epb(&mut v, false, 0, 0, &[1; 8], 8);
        let mut r = reader(v).unwrap();
        assert!(r.next_is_buffered());
        assert!(r.next_frame().is_some());
        assert!(!r.next_is_buffered(), "at the end");
    }

    #[test]
    fn timestamp_resolutions_do_not_overflow() {
        assert_eq!(Resolution::Decimal(0).split(u64::MAX), (i64::MAX, 0));
        assert_eq!(
            Resolution::Decimal(12).split(1_000_000_000_001_000),
            (1000, 1)
        );
        assert_eq!(Resolution::Decimal(100).split(u64::MAX), (0, 0));
        assert_eq!(Resolution::Binary(127).split(u64::MAX).0, 0);
        assert_eq!(Resolution::Binary(1).split(3), (1, 500_000_000));
        assert_eq!(Resolution::Nano.split(u64::MAX).1, 709_551_615);
    }

    fn shared(path: &str) -> Option<CaptureReader> {
        let path = Path::new("/work/shared/captures").join(path);
        path.exists().then(|| CaptureReader::open(&path).unwrap())
    }

    #[test]
    fn real_files() {
        if let Some(r) = shared("real/mixed.pcapng") {
            let (frames, err) = read_all(r);
            assert_eq!((frames.len(), err), (28, None));
            assert!(
                frames.iter().any(|(f, _)| f.ts_nsec % 1000 != 0),
                "ns timestamps"
            );
        }
        for empty in ["tcpdump/empty.pcap", "tcpdump/empty.pcapng"] {
            if let Some(r) = shared(empty) {
                assert_eq!(r.linktype(), Some(1));
                assert_eq!(r.snaplen(), Some(262_144));
                let (frames, err) = read_all(r);
                assert_eq!((frames.len(), err), (0, None));
            }
        }
        if let Some(r) = shared("tcpdump/time_2106_overflow.pcapng") {
            let (frames, err) = read_all(r);
            assert_eq!(err, None);
            assert_eq!(frames[0].0.ts_sec, 4_294_967_296);
        }
    }
}
