//! Small helpers shared by the typed views: the parse error and big-endian
//! reads at offsets a view has already checked.

use std::fmt;

use serde::Serialize;

/// Why a typed view could not be built from some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Error {
    /// Fewer bytes than the header needs.
    Truncated { needed: usize, available: usize },
    /// The bytes contradict the protocol (bad version, length too small, ...).
    Malformed(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated { needed, available } => {
                write!(f, "truncated: need {needed} bytes, have {available}")
            }
            Error::Malformed(why) => write!(f, "malformed: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that `data` holds at least `needed` bytes.
pub fn check_len(data: &[u8], needed: usize) -> Result<(), Error> {
    if data.len() < needed {
        Err(Error::Truncated {
            needed,
            available: data.len(),
        })
    } else {
        Ok(())
    }
}

/// Big-endian reads. Callers pass offsets their view checked in its
/// constructor; out-of-range offsets read as zero rather than panic.
pub fn be16(data: &[u8], at: usize) -> u16 {
    match data.get(at..at + 2) {
        Some(b) => u16::from_be_bytes([b[0], b[1]]),
        None => 0,
    }
}

pub fn be32(data: &[u8], at: usize) -> u32 {
    match data.get(at..at + 4) {
        Some(b) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

pub fn byte(data: &[u8], at: usize) -> u8 {
    data.get(at).copied().unwrap_or(0)
}

/// `N` bytes at `at` as an array (zeros where out of range).
pub fn array<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(b) = data.get(at..at + N) {
        out.copy_from_slice(b);
    }
    out
}

/// RFC 1071: the ones' complement sum of `bytes` as big-endian 16-bit words
/// (an odd last byte is the high half of a word), not yet folded.
pub fn ones_sum(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(2);
    let mut sum: u64 = (&mut chunks)
        .map(|pair| u64::from(u16::from_be_bytes([pair[0], pair[1]])))
        .sum();
    if let [last] = chunks.remainder() {
        sum += u64::from(*last) << 8;
    }
    sum
}

/// Folds a ones' complement sum into 16 bits.
pub fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum over `data`: 0 when the checksum field inside it is
/// right.
pub fn internet_checksum(data: &[u8]) -> u16 {
    !fold(ones_sum(data))
}
