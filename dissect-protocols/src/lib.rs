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

pub mod app;
pub mod conversation;
pub mod icmp;
pub mod ip;
pub mod link;
pub mod names;
pub mod transport;
pub mod wire;

#[cfg(test)]
mod testkit;

pub use wire::Error;

use dissect_core::registry::RegistryError;
use dissect_core::Registry;

/// Registers every built-in dissector in `registry`, through the same calls
/// a library user makes for their own. Fails only if a dissector added
/// before declares one of the built-ins' field names.
pub fn register_defaults(registry: &mut Registry) -> Result<(), RegistryError> {
    link::ethernet::register(registry)?;
    link::vlan::register(registry)?;
    link::sll::register(registry)?;
    link::null::register(registry)?;
    link::arp::register(registry)?;
    ip::v4::register(registry)?;
    ip::v6::register(registry)?;
    ip::ipsec::register(registry)?;
    transport::tcp::register(registry, app::text::TCP_PORT_TEXTS)?;
    transport::udp::register(registry)?;
    icmp::v4::register(registry)?;
    icmp::v6::register(registry)?;
    app::ntp::register(registry)?;
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
