//! The network layer: IPv4, IPv6 (with its extension headers), IPsec's AH
//! and ESP, and the addresses and helpers the layers above them share.

pub mod addr;
pub mod ipsec;
pub mod v4;
pub mod v6;
