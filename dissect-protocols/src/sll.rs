//! STUB: being written.

pub fn register(_registry: &mut dissect_core::Registry) {}
