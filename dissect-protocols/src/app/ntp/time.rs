//! NTP's fixed-point formats: the 64-bit timestamp (32.32 seconds since
//! 1900-01-01) and the 32-bit short format (16.16 seconds).

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch).
pub const UNIX_EPOCH_NTP: u32 = 2_208_988_800;

/// 2^32, the denominator of a timestamp's fraction.
const FRACTION_DENOMINATOR: f64 = 4_294_967_296.0;

/// An NTP timestamp: seconds and 2^-32 fractions of a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timestamp {
    pub seconds: u32,
    pub fraction: u32,
}

impl Timestamp {
    pub fn from_bytes(b: [u8; 8]) -> Timestamp {
        Timestamp {
            seconds: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            fraction: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// The 64-bit value as it is on the wire.
    pub fn raw(&self) -> u64 {
        u64::from(self.seconds) << 32 | u64::from(self.fraction)
    }

    /// All zero: "no time" (RFC 5905 section 6), shown as NULL.
    pub fn is_null(&self) -> bool {
        self.raw() == 0
    }

    /// Seconds since the Unix epoch. A 32-bit seconds field wraps on
    /// 2036-02-07: values below the 1970 offset are read as era 1 (2036 to
    /// 2106), the rule Wireshark applies, so a server's 2036+ timestamps do
    /// not come out as 1900 dates.
    pub fn unix_seconds(&self) -> i64 {
        if self.seconds == 0 {
            return 0;
        }
        i64::from(self.seconds.wrapping_sub(UNIX_EPOCH_NTP))
    }

    /// The fraction in nanoseconds, truncated (as Wireshark and tcpdump do).
    pub fn nanos(&self) -> u32 {
        (1_000_000_000.0 * (f64::from(self.fraction) / FRACTION_DENOMINATOR)) as u32
    }

    /// The timestamp as seconds (since 1900, era 0) with fraction.
    pub fn as_f64(&self) -> f64 {
        f64::from(self.seconds) + f64::from(self.fraction) / FRACTION_DENOMINATOR
    }

    /// Seconds since the Unix epoch as a float (era rule as
    /// [`Timestamp::unix_seconds`]).
    pub fn unix_f64(&self) -> f64 {
        self.unix_seconds() as f64 + f64::from(self.fraction) / FRACTION_DENOMINATOR
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Timestamp", 4)?;
        st.serialize_field("seconds", &self.seconds)?;
        st.serialize_field("fraction", &self.fraction)?;
        st.serialize_field("unix_seconds", &self.unix_seconds())?;
        st.serialize_field("nanos", &self.nanos())?;
        st.end()
    }
}

/// The 32-bit short format of root delay and root dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Short {
    pub seconds: u16,
    pub fraction: u16,
}

impl Short {
    pub fn from_u32(v: u32) -> Short {
        Short {
            seconds: (v >> 16) as u16,
            fraction: v as u16,
        }
    }
    pub fn raw(&self) -> u32 {
        u32::from(self.seconds) << 16 | u32::from(self.fraction)
    }
    pub fn as_f64(&self) -> f64 {
        f64::from(self.seconds) + f64::from(self.fraction) / 65_536.0
    }
}

/// `2^exponent` seconds: the poll interval and the precision are signed
/// log2 values.
pub fn log2_seconds(exponent: i8) -> f64 {
    // Every i8 power of two is a normal f64: its biased exponent alone,
    // without a call to `powi`.
    f64::from_bits(((1023 + i64::from(exponent)) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_conversion_and_nanos() {
        // 3706870329.516015118 from tcpdump's ntp.pcap, 2017-06-19T14:12:09Z.
        let t = Timestamp {
            seconds: 3_706_870_329,
            fraction: 0x8419_9119,
        };
        assert_eq!(t.unix_seconds(), 1_497_881_529);
        assert_eq!(t.nanos(), 516_015_118);
    }

    #[test]
    fn era_wrap_2036() {
        // NTP seconds 0xffffffff is 2036-02-07T06:28:15Z; one second later
        // the field reads 0 again (era 1), then small values are 2036+.
        let last = Timestamp {
            seconds: u32::MAX,
            fraction: 0,
        };
        assert_eq!(last.unix_seconds(), 2_085_978_495);
        let era1 = Timestamp {
            seconds: 1,
            fraction: 0,
        };
        assert_eq!(era1.unix_seconds(), 2_085_978_497);
        // tshark shows 1802554105 (tcpdump's 1957 date) as 2093.
        let odd = Timestamp {
            seconds: 1_802_554_105,
            fraction: 0,
        };
        assert_eq!(odd.unix_seconds(), 3_888_532_601);
    }

    #[test]
    fn null_and_short() {
        assert!(Timestamp::default().is_null());
        assert_eq!(Short::from_u32(0x0001_8000).as_f64(), 1.5);
        assert_eq!(log2_seconds(-2), 0.25);
        assert_eq!(log2_seconds(6), 64.0);
        for e in i8::MIN..=i8::MAX {
            assert_eq!(log2_seconds(e), 2f64.powi(e.into()), "2^{e}");
        }
    }
}
