//! The decode tree: a packet is a list of layers, each with a flat,
//! depth-annotated list of fields. All storage is reused from packet to
//! packet ([`Packet::clear`] keeps capacity), so the steady state allocates
//! nothing.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::field::{Field, FieldDef, FieldId, FieldSet, Value};

/// What is known about a frame before decoding: where and when it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameInfo {
    /// 1-based frame number within the capture.
    pub number: u64,
    /// Seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Nanoseconds within the second.
    pub ts_nsec: u32,
    /// Bytes captured (the length of the data).
    pub caplen: u32,
    /// Bytes on the wire (may exceed `caplen` when a snaplen cut the frame).
    pub len: u32,
    /// pcapng interface id (0 for pcap).
    pub interface: u32,
    /// LINKTYPE_* value of the frame's interface.
    pub linktype: u32,
}

/// Why a layer stopped short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Ran out of captured bytes (snaplen): tcpdump's `[|proto]`.
    Truncated {
        offset: u32,
        reason: &'static str,
    },
    /// Contradicts a declared length or a protocol rule.
    Malformed {
        offset: u32,
        reason: &'static str,
    },
}

impl Status {
    pub fn is_ok(&self) -> bool {
        matches!(self, Status::Ok)
    }
    pub fn name(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Truncated { .. } => "truncated",
            Status::Malformed { .. } => "malformed",
        }
    }
}

/// One protocol layer of a packet.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Wireshark protocol abbreviation (`eth`, `ip`, `tcp`, ...).
    pub name: &'static str,
    /// Index of the dissector in the registry that produced this layer.
    pub dissector: u16,
    /// Absolute offset of the layer's first byte in the packet.
    pub offset: u32,
    /// Captured bytes given to this layer (its header plus payload).
    pub len: u32,
    /// Bytes of the layer's own header (where its payload starts).
    pub header_len: u32,
    /// Bytes the layer had on the wire, as its parent declared them; may
    /// exceed `len` when the frame was cut by the snaplen.
    pub reported_len: u32,
    pub status: Status,
    /// Range of this layer's fields in [`Packet::fields`].
    pub fields: Range<u32>,
}

impl Layer {
    /// The layer's captured bytes within the packet data.
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = self.offset as usize;
        data.get(start..start + self.len as usize).unwrap_or(&[])
    }
}

/// A decoded packet: frame info, the captured bytes, layers and fields.
#[derive(Debug, Clone)]
pub struct Packet {
    pub frame: FrameInfo,
    pub data: Vec<u8>,
    pub layers: Vec<Layer>,
    pub fields: Vec<Field>,
    /// The fields the decode that filled this packet built.
    pub(crate) wanted: Arc<FieldSet>,
}

impl Default for Packet {
    fn default() -> Packet {
        Packet {
            frame: FrameInfo::default(),
            data: Vec::new(),
            layers: Vec::new(),
            fields: Vec::new(),
            wanted: Arc::new(FieldSet::all()),
        }
    }
}

/// A field asked of a packet whose decode did not build it: request it
/// ([`Registry::request`](crate::Registry::request)) before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRequested(pub &'static str);

impl fmt::Display for NotRequested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field '{}' was not requested for this run (Registry::request it before decoding)",
            self.0
        )
    }
}

impl std::error::Error for NotRequested {}

impl Packet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every occurrence of a field, in tree order (`tcp.port` twice per
    /// segment); an error if the decode did not build that field.
    pub fn values(
        &self,
        field: FieldId,
    ) -> Result<impl Iterator<Item = &Field> + '_, NotRequested> {
        let def = field.def();
        if !self.wanted.contains(def) {
            return Err(NotRequested(def.abbrev));
        }
        Ok(self.fields.iter().filter(move |f| std::ptr::eq(f.def, def)))
    }

    /// The first occurrence's value (`Ok(None)`: the packet has no such
    /// field); an error if the decode did not build that field.
    pub fn value(&self, field: FieldId) -> Result<Option<Value>, NotRequested> {
        Ok(self.values(field)?.next().map(|f| f.value))
    }

    /// Every field with this abbreviation, in tree order.
    pub fn fields_named<'a>(&'a self, abbrev: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.def.abbrev == abbrev)
    }

    /// Empties the packet but keeps its buffers.
    pub fn clear(&mut self) {
        self.data.clear();
        self.layers.clear();
        self.fields.clear();
    }

    /// The fields of one layer.
    pub fn layer_fields(&self, layer: &Layer) -> &[Field] {
        let range = layer.fields.start as usize..layer.fields.end as usize;
        self.fields.get(range).unwrap_or(&[])
    }

    /// The first layer with this protocol name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The first field with this abbreviation in any layer (`ip.src`).
    pub fn field(&self, abbrev: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.def.abbrev == abbrev)
    }

    /// The first instance of this field definition within a layer.
    pub fn find(&self, layer: &Layer, def: &'static FieldDef) -> Option<&Field> {
        self.layer_fields(layer)
            .iter()
            .find(|f| std::ptr::eq(f.def, def))
    }

    /// The numeric value of a field within a layer.
    pub fn u64_of(&self, layer: &Layer, def: &'static FieldDef) -> Option<u64> {
        self.find(layer, def).and_then(|f| f.value.as_u64())
    }

    /// The value of a field within a layer.
    pub fn value_of(&self, layer: &Layer, def: &'static FieldDef) -> Option<Value> {
        self.find(layer, def).map(|f| f.value)
    }
}
