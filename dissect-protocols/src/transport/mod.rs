//! The transport layer: TCP (with its options, analysis and tcpdump text)
//! and UDP, and the helpers both use.

pub mod tcp;
pub mod udp;
