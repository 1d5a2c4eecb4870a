//! The link layer: the headers a capture's link type starts a frame with
//! (Ethernet, Linux cooked capture, BSD loopback, raw IP), the tags and
//! protocols carried right on it (802.1Q/802.1ad, ARP), and what they share.

pub mod arp;
pub mod ethernet;
pub mod null;
pub mod sll;
pub mod vlan;
