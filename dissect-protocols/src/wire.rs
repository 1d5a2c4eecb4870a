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
/// (A wrapped end is below `at`, so `get` refuses it. This form costs
/// fewer instructions than `first_chunk` on every packet.)
pub fn be16(data: &[u8], at: usize) -> u16 {
    match data.get(at..at.wrapping_add(2)) {
        Some(&[b0, b1]) => u16::from_be_bytes([b0, b1]),
        _ => 0,
    }
}

pub fn be32(data: &[u8], at: usize) -> u32 {
    match data.get(at..at.wrapping_add(4)) {
        Some(&[b0, b1, b2, b3]) => u32::from_be_bytes([b0, b1, b2, b3]),
        _ => 0,
    }
}

pub fn byte(data: &[u8], at: usize) -> u8 {
    data.get(at).copied().unwrap_or(0)
}

/// `N` bytes at `at` as an array (zeros where out of range).
pub fn array<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    data.get(at..)
        .and_then(<[u8]>::first_chunk)
        .copied()
        .unwrap_or([0; N])
}

/// RFC 1071: the ones' complement sum of `bytes` as big-endian 16-bit words
/// (an odd last byte is the high half of a word), not yet folded.
///
/// Adds 32-bit words, eight bytes per step: as 2^16 = 1 modulo 2^16 - 1, a
/// 32-bit word folds to the sum of its two 16-bit halves, so [`fold`] gives
/// the same result with half the additions and one load per eight bytes
/// (RFC 1071 §2(C), parallel summation). Full decode verifies every TCP
/// and UDP checksum, so this loop runs over nearly every captured byte.
pub fn ones_sum(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut sum: u64 = 0;
    for chunk in &mut chunks {
        let x = u64::from_be_bytes(chunk.try_into().unwrap_or([0; 8]));
        sum += (x >> 32) + (x & 0xffff_ffff);
    }
    let mut words = chunks.remainder().chunks_exact(2);
    for pair in &mut words {
        sum += u64::from(u16::from_be_bytes(pair.try_into().unwrap_or([0; 2])));
    }
    if let [last] = words.remainder() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook RFC 1071 loop: 16-bit words, one at a time.
    fn ones_sum_by_words(bytes: &[u8]) -> u64 {
        let mut chunks = bytes.chunks_exact(2);
        let mut sum: u64 = (&mut chunks)
            .map(|pair| u64::from(u16::from_be_bytes([pair[0], pair[1]])))
            .sum();
        if let [last] = chunks.remainder() {
            sum += u64::from(*last) << 8;
        }
        sum
    }

    #[test]
    fn reads_past_the_end_are_zero() {
        let data = [1, 2, 3, 4, 5];
        assert_eq!(be16(&data, 3), 0x0405);
        assert_eq!(be32(&data, 1), 0x0203_0405);
        assert_eq!(array::<2>(&data, 3), [4, 5]);
        // Partly or wholly outside, and offsets whose end would overflow.
        for at in [4, 5, 6, usize::MAX - 2, usize::MAX - 1, usize::MAX] {
            assert_eq!(be16(&data, at), 0, "be16 at {at}");
            assert_eq!(be32(&data, at), 0, "be32 at {at}");
            assert_eq!(array::<4>(&data, at), [0; 4], "array at {at}");
        }
    }

    #[test]
    fn wide_sum_folds_like_the_word_sum() {
        // Every length up to 70 (all remainders of both loops), over bytes
        // from a fixed xorshift sequence, all-ones and all-zero bytes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let random: Vec<u8> = (0..70)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        for data in [random, vec![0xff; 70], vec![0; 70]] {
            for len in 0..=data.len() {
                let bytes = &data[..len];
                assert_eq!(
                    fold(ones_sum(bytes)),
                    fold(ones_sum_by_words(bytes)),
                    "{bytes:02x?}"
                );
            }
        }
    }
}
