//! dissect-protocols: the built-in dissectors.
//!
//! Each module has two faces: a typed zero-copy view for tool builders
//! (`ethernet::Ethernet::parse(&[u8])`) and a [`dissect_core::Dissector`] that
//! maps the view to fields in the decode tree. [`registry`] returns a
//! registry with every built-in registered.

// No packet may make a dissector panic: no unwrap, expect, panic or
// unreachable; an index that could fail is written with `get` (or the
// `wire` readers), or carries an `allow` with the reason it cannot.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable
    )
)]

pub mod arp;
pub mod conversation;
pub mod ethernet;
pub mod icmp;
pub mod icmpv6;
pub mod ipsec;
pub mod ipv4;
pub mod ipv6;
pub mod linklayer;
pub mod names;
pub mod netaddr;
pub mod ntp;
pub mod sll;
pub mod tcp;
pub mod udp;
pub mod vlan;
pub mod wire;

pub use wire::Error;

use dissect_core::registry::RegistryError;
use dissect_core::Registry;

/// Registers every built-in dissector in `registry`, through the same calls
/// a library user makes for their own. Fails only if a dissector added
/// before declares one of the built-ins' field names.
pub fn register_defaults(registry: &mut Registry) -> Result<(), RegistryError> {
    ethernet::register(registry)?;
    vlan::register(registry)?;
    sll::register(registry)?;
    linklayer::register(registry)?;
    arp::register(registry)?;
    ipv4::register(registry)?;
    ipv6::register(registry)?;
    ipsec::register(registry)?;
    tcp::register(registry)?;
    udp::register(registry)?;
    icmp::register(registry)?;
    icmpv6::register(registry)?;
    ntp::register(registry)?;
    // Last: needs the ip and ipv6 dissectors registered above.
    linklayer::register_ip_linktypes(registry)?;
    Ok(())
}

/// A registry with every built-in dissector.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    // An empty registry takes the built-ins without a clash (the test
    // below proves it), so there is no error to pass on.
    let _ = register_defaults(&mut registry);
    registry
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_ins_register_cleanly() {
        let mut registry = dissect_core::Registry::new();
        assert_eq!(super::register_defaults(&mut registry), Ok(()));
        assert!(registry.catalogue().entries().len() > 500);
    }
}
