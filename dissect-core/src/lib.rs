//! dissect-core: the protocol-agnostic half of dissect.
//!
//! - [`field`]: field declarations ([`FieldDef`]) and values.
//! - [`tree`]: the decode tree ([`Packet`], [`Layer`], [`Status`]) and the
//!   byte sources a packet carries besides its frame ([`SourceId`]).
//! - [`dissector`]: the [`Dissector`] trait, [`Context`], [`Handoff`], [`Render`].
//! - [`registry`]: dissector tables, heuristics, decode-as and the decode loop.
//! - [`capture`]: pcap and pcapng reading.
//! - [`format`]: one-line, tree, hex, JSON and `-T fields` output.
//! - [`frame`]: tshark's `frame` pseudo-layer fields.

// A packet must never make the library panic: no unwrap, expect, panic or
// unreachable; an index that could fail is written with `get`, or carries
// an `allow` with the reason it cannot.
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

pub mod capture;
pub mod catalogue;
pub mod dissector;
pub mod field;
pub mod format;
pub mod frame;
pub mod registry;
#[cfg(test)]
mod source_tests;
pub mod tree;

pub use catalogue::{Catalogue, UnknownField};
pub use dissector::{Context, Dissector, Handoff, Next, Probe, Render, RenderOptions, Trailer};
pub use field::{Base, Field, FieldDef, FieldId, FieldSet, FieldType, Value};
pub use registry::{Registry, Table};
pub use tree::{
    FrameInfo, Layer, NotRequested, Packet, Source, SourceDef, SourceId, SourcePart, Status,
};

/// The hash map dissectors keep per-capture state in (connections, pending
/// requests): foldhash is several times faster than the default SipHash on
/// small keys and still seeded per process, so a hostile capture cannot
/// choose colliding keys in advance.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// LINKTYPE_* values (tcpdump.org/linktypes) the built-in dissectors know.
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW: u32 = 101;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}
