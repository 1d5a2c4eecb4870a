//! ICMP for IPv4 and IPv6, and what the two share (echo matching, RFC 8335
//! extended echo, RFC 4884 extensions).

pub mod v4;
pub mod v6;
