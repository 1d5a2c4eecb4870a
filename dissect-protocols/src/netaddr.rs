//! The network-layer addresses a transport layer travels between: the key of
//! its conversations and the source of its checksum pseudo-header.

use dissect_core::Context;

use crate::wire::array;

/// Source and destination of the nearest IPv4 or IPv6 layer (IPv4 addresses
/// in the first four bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetAddrs {
    pub v6: bool,
    pub src: [u8; 16],
    pub dst: [u8; 16],
}

impl NetAddrs {
    /// The addresses of the innermost IP layer before this one, read from
    /// its header bytes (a cut header reads as zeros).
    pub fn of(cx: &Context<'_>) -> Option<NetAddrs> {
        let layer = cx
            .previous_layers()
            .iter()
            .rev()
            .find(|l| l.name == "ip" || l.name == "ipv6")?;
        let header = layer.bytes(cx.packet_data());
        let mut addrs = NetAddrs::default();
        if layer.name == "ipv6" {
            addrs.v6 = true;
            addrs.src = array(header, 8);
            addrs.dst = array(header, 24);
        } else {
            addrs.src[..4].copy_from_slice(&array::<4>(header, 12));
            addrs.dst[..4].copy_from_slice(&array::<4>(header, 16));
        }
        Some(addrs)
    }
}
