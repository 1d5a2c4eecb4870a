//! The reference ID: its meaning depends on the stratum (RFC 5905 section
//! 7.3). Stratum 0 carries a Kiss-o'-Death code, stratum 1 a reference clock
//! identifier, stratum 2 and up the IPv4 address of the upstream server (or,
//! for an upstream reached over IPv6, the first four octets of the MD5 hash
//! of its address).

use serde::Serialize;

/// What the four reference ID octets mean in a given packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReferenceId {
    /// Stratum 0 with all-zero octets: no reference (a client request).
    Unspecified,
    /// Stratum 0 with an ASCII code: a Kiss-o'-Death message.
    KissCode([u8; 4]),
    /// Stratum 1: the kind of reference clock (`GPS`, `PPS`, `LOCL`).
    ClockSource([u8; 4]),
    /// Stratum 2 and up: the upstream server's IPv4 address, or the first
    /// four octets of the MD5 of its IPv6 address.
    Upstream([u8; 4]),
}

impl ReferenceId {
    pub fn new(stratum: u8, octets: [u8; 4]) -> ReferenceId {
        match stratum {
            0 if octets == [0; 4] => ReferenceId::Unspecified,
            0 => ReferenceId::KissCode(octets),
            1 => ReferenceId::ClockSource(octets),
            _ => ReferenceId::Upstream(octets),
        }
    }
}

/// A kiss code, its RFC 5905 (or RFC 8915 for NTSN) meaning, and the text
/// the tree shows.
struct Kiss {
    code: &'static str,
    meaning: &'static str,
    display: &'static str,
}

macro_rules! kiss {
    ($code:literal, $meaning:literal) => {
        Kiss {
            code: $code,
            meaning: $meaning,
            display: concat!($code, " (", $meaning, ")"),
        }
    };
}

static KISS_CODES: &[Kiss] = &[
    kiss!("ACST", "the association belongs to a unicast server"),
    kiss!("AUTH", "server authentication failed"),
    kiss!("AUTO", "Autokey sequence failed"),
    kiss!("BCST", "the association belongs to a broadcast server"),
    kiss!("CRYP",
        "cryptographic authentication or identification failed"
    ),
    kiss!("DENY", "access denied by remote server"),
    kiss!("DROP", "lost peer in symmetric mode"),
    kiss!("RSTR", "access denied due to local policy"),
    kiss!("INIT",
        "the association has not yet synchronized for the first time"
    ),
    kiss!("MCST",
        "the association belongs to a dynamically discovered server"
    ),
    kiss!("NKEY",
        "no key found: the key was never installed or is not trusted"
    ),
    kiss!("NTSN",
        "Network Time Security (NTS) negative-acknowledgment (NAK)"
    ),
    kiss!("RATE",
        "rate exceeded: the server has temporarily denied access because the client exceeded the rate threshold"
    ),
    kiss!("RMOT",
        "alteration of association from a remote host running ntpdc"
    ),
    kiss!("STEP",
        "a step change in system time has occurred, but the association has not yet resynchronized"
    ),
];

fn find_kiss(code: &[u8; 4]) -> Option<&'static Kiss> {
    KISS_CODES.iter().find(|k| k.code.as_bytes() == code)
}

/// The RFC 5905 meaning of a kiss code (`RATE`: "rate exceeded: ...").
pub fn kiss_meaning(code: &[u8; 4]) -> Option<&'static str> {
    find_kiss(code).map(|k| k.meaning)
}

/// `RATE (rate exceeded: ...)`, the tree's text for a known kiss code.
pub fn kiss_display(code: &[u8; 4]) -> Option<&'static str> {
    find_kiss(code).map(|k| k.display)
}

/// Reference clock identifiers (IANA "Reference Identifier Codes" plus the
/// common unofficial ones ntpd, ntpsec and chrony send), with the tree's
/// text. Codes shorter than four characters are NUL padded.
static CLOCK_SOURCES: &[(&[u8; 4], &str)] = &[
    (b"GOES", "GOES (Geostationary Orbit Environment Satellite)"),
    (b"GPS\0", "GPS (Global Positioning System)"),
    (b"GAL\0", "GAL (Galileo Positioning System)"),
    (b"PPS\0", "PPS (generic pulse-per-second)"),
    (b"IRIG", "IRIG (Inter-Range Instrumentation Group)"),
    (b"WWVB", "WWVB (LF Radio WWVB Ft. Collins, CO 60 kHz)"),
    (b"DCF\0", "DCF (LF Radio DCF77 Mainflingen, DE 77.5 kHz)"),
    (b"HBG\0", "HBG (LF Radio HBG Prangins, HB 75 kHz)"),
    (b"MSF\0", "MSF (LF Radio MSF Anthorn, UK 60 kHz)"),
    (
        b"JJY\0",
        "JJY (LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz)",
    ),
    (b"LORC", "LORC (MF Radio LORAN C station, 100 kHz)"),
    (b"TDF\0", "TDF (MF Radio Allouis, FR 162 kHz)"),
    (b"CHU\0", "CHU (HF Radio CHU Ottawa, Ontario)"),
    (b"WWV\0", "WWV (HF Radio WWV Ft. Collins, CO)"),
    (b"WWVH", "WWVH (HF Radio WWVH Kauai, HI)"),
    (b"NIST", "NIST (NIST telephone modem)"),
    (b"ACTS", "ACTS (NIST telephone modem)"),
    (b"USNO", "USNO (USNO telephone modem)"),
    (b"PTB\0", "PTB (European telephone modem)"),
    (b"DFM\0", "DFM (UTC(DFM))"),
    (b"LCL\0", "LCL (uncalibrated local clock)"),
    (b"LOCL", "LOCL (uncalibrated local clock)"),
    (b"CESM", "CESM (calibrated Cesium clock)"),
    (b"RBDM", "RBDM (calibrated Rubidium clock)"),
    (b"OMEG", "OMEG (OMEGA radionavigation system)"),
    (b"DCN\0", "DCN (DCN routing protocol)"),
    (b"TSP\0", "TSP (TSP time protocol)"),
    (b"DTS\0", "DTS (Digital Time Service)"),
    (b"ATOM", "ATOM (atomic clock, calibrated)"),
    (b"VLF\0", "VLF (VLF radio: OMEGA, etc.)"),
    (b"GPSD", "GPSD (gpsd client driver)"),
    (b"GPSs", "GPSs (GPS with shared memory access)"),
    (b"GPSi", "GPSi (GPS with interrupt based access)"),
    (b"GNSS", "GNSS (Global Navigation Satellite System)"),
    (b"SHM\0", "SHM (shared memory driver)"),
    (b"CDMA", "CDMA (CDMA mobile network time)"),
    (b"1PPS", "1PPS (external 1 PPS input)"),
    (b"FREE", "FREE (internal clock)"),
    (b"NTS\0", "NTS (Network Time Security)"),
];

/// The tree's text for a known reference clock identifier.
pub fn clock_source_display(code: &[u8; 4]) -> Option<&'static str> {
    CLOCK_SOURCES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, d)| *d)
}

/// True when all four octets are upper-case ASCII letters or digits
/// (NUL-padded on the right): the shape of a kiss code or clock identifier.
pub fn is_ascii_code(octets: &[u8; 4]) -> bool {
    let text_len = octets.iter().position(|&b| b == 0).unwrap_or(4);
    text_len > 0
        && octets.iter().take(text_len).all(u8::is_ascii_alphanumeric)
        && octets.iter().skip(text_len).all(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpretation_follows_stratum() {
        assert_eq!(ReferenceId::new(0, [0; 4]), ReferenceId::Unspecified);
        assert_eq!(
            ReferenceId::new(0, *b"RATE"),
            ReferenceId::KissCode(*b"RATE")
        );
        assert_eq!(
            ReferenceId::new(1, *b"GPS\0"),
            ReferenceId::ClockSource(*b"GPS\0")
        );
        assert_eq!(
            ReferenceId::new(2, [133, 243, 236, 19]),
            ReferenceId::Upstream([133, 243, 236, 19])
        );
        assert_eq!(
            ReferenceId::new(16, [127, 0, 0, 1]),
            ReferenceId::Upstream([127, 0, 0, 1])
        );
    }

    #[test]
    fn every_rfc_kiss_code_is_named() {
        for code in [
            "DENY", "RSTR", "RATE", "INIT", "STEP", "ACST", "AUTH", "AUTO", "BCST", "CRYP", "DROP",
            "MCST", "NKEY", "NTSN", "RMOT",
        ] {
            let octets: [u8; 4] = code.as_bytes().try_into().unwrap();
            let display = kiss_display(&octets).unwrap();
            assert!(display.starts_with(code), "{display}");
            assert!(kiss_meaning(&octets).is_some());
        }
        assert!(kiss_display(b"XXXX").is_none());
        assert!(kiss_meaning(b"RATE").unwrap().starts_with("rate exceeded"));
    }

    #[test]
    fn clock_sources() {
        assert_eq!(
            clock_source_display(b"GPS\0"),
            Some("GPS (Global Positioning System)")
        );
        assert_eq!(
            clock_source_display(b"LOCL"),
            Some("LOCL (uncalibrated local clock)")
        );
        assert!(clock_source_display(b"GPS ").is_none());
        assert!(is_ascii_code(b"GPS\0"));
        assert!(is_ascii_code(b"RATE"));
        assert!(!is_ascii_code(&[10, 0, 0, 1]));
        assert!(!is_ascii_code(&[0, 0, 0, 0]));
        assert!(!is_ascii_code(b"G\0PS"));
    }
}
