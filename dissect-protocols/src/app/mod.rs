//! Application protocols: NTP, and the text-only printers tcpdump has for
//! the payloads of some well-known ports.

pub mod ntp;
pub mod text;
