//! The decode tree: a packet is a list of layers, each with a flat,
//! depth-annotated list of fields. All storage is reused from packet to
//! packet ([`Packet::clear`] keeps capacity), so the steady state allocates
//! nothing.
//!
//! Besides the frame, a packet can carry further byte sources (reassembled
//! stream bytes; later decompressed or decrypted ones). Every layer and
//! field names its [`SourceId`], and its offsets count from that source's
//! first byte.

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
    /// The byte source `offset` (and the status offset) counts in.
    pub source: SourceId,
}

impl Layer {
    /// The layer's captured bytes within `data`, its source's bytes
    /// ([`Packet::layer_bytes`] picks the source).
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = self.offset as usize;
        data.get(start..start + self.len as usize).unwrap_or(&[])
    }
}

/// Which byte source of a packet an offset counts in: the frame, or one a
/// dissector added with [`Context::add_source`](crate::Context::add_source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceId(pub(crate) u8);

impl SourceId {
    /// The captured frame ([`Packet::data`]).
    pub const FRAME: SourceId = SourceId(0);

    /// 0 for the frame, then 1, 2, ... in the order the sources were added.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// At most this many sources besides the frame per packet. Each holds a
/// copy of its bytes until the next packet, and a dissector may add several
/// per layer (or decode its own output again, up to [`MAX_LAYERS`]
/// layers), so a hostile chain must not pile them up; real packets carry a
/// few (reassembled, then decompressed or decrypted).
///
/// [`MAX_LAYERS`]: crate::registry::MAX_LAYERS
pub const MAX_SOURCES: usize = 8;

/// What a kind of byte source is called, as Wireshark names it. Declared
/// once, statically, like a [`FieldDef`].
#[derive(Debug)]
pub struct SourceDef {
    /// The source's name, which titles its hex dump and its length line:
    /// "Reassembled TCP" ("Reassembled TCP (12 bytes):").
    pub name: &'static str,
    /// What its parts are called in the tree's heading line: "Reassembled
    /// TCP Segments" ("[2 Reassembled TCP Segments (12 bytes): ...]").
    pub parts: &'static str,
    /// The name of the parts' count in the tree: "Segment count".
    pub count: &'static str,
}

/// One frame's share of a source's bytes: Wireshark's `#4(5)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourcePart {
    /// The frame's number.
    pub frame: u64,
    /// Bytes it gave.
    pub len: u32,
}

/// A byte source besides the frame. Its bytes and parts are kept in the
/// packet's shared buffers ([`Packet::source_bytes`], [`Packet::source_parts`]).
#[derive(Debug, Clone)]
pub struct Source {
    /// What kind of source it is (its name, as tshark shows it).
    pub def: &'static SourceDef,
    bytes: Range<u32>,
    parts: Range<u32>,
}

impl Source {
    fn bytes_range(&self) -> Range<usize> {
        self.bytes.start as usize..self.bytes.end as usize
    }
}

/// The sources besides the frame, without their bytes: a dissector adds to
/// these while it reads the bytes of the sources already there.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sources {
    pub(crate) list: Vec<Source>,
    pub(crate) parts: Vec<SourcePart>,
    /// Bytes of sources added while the packet is decoded: dissectors read
    /// the packet's source bytes meanwhile, so these join them at a handoff
    /// into a source and when decoding ends.
    pub(crate) staged: Vec<u8>,
}

impl Sources {
    fn get(&self, id: SourceId) -> Option<&Source> {
        self.list.get(id.index().checked_sub(1)?)
    }

    /// Adds a source after the others; `None` when the packet has
    /// [`MAX_SOURCES`] or the bytes would not fit `u32` offsets.
    pub(crate) fn add(
        &mut self,
        def: &'static SourceDef,
        bytes: &[u8],
        parts: &[SourcePart],
    ) -> Option<SourceId> {
        if self.list.len() >= MAX_SOURCES {
            return None;
        }
        // Sources lie back to back, staged or not.
        let start = self.list.last().map_or(0, |s| s.bytes.end);
        let end = start.checked_add(u32::try_from(bytes.len()).ok()?)?;
        let first_part = u32::try_from(self.parts.len()).ok()?;
        let last_part = first_part.checked_add(u32::try_from(parts.len()).ok()?)?;
        self.staged.extend_from_slice(bytes);
        self.parts.extend_from_slice(parts);
        self.list.push(Source {
            def,
            bytes: start..end,
            parts: first_part..last_part,
        });
        // At most MAX_SOURCES (8): the id fits.
        Some(SourceId(self.list.len() as u8))
    }

    /// Moves the staged bytes after the `committed` ones.
    pub(crate) fn commit(&mut self, committed: &mut Vec<u8>) {
        if !self.staged.is_empty() {
            committed.extend_from_slice(&self.staged);
            self.staged.clear();
        }
    }

    /// The bytes of source `id`: `frame` itself, or its share of the
    /// `committed` bytes; `None` for a source not (yet) there.
    #[inline]
    pub(crate) fn resolve<'a>(
        &self,
        frame: &'a [u8],
        committed: &'a [u8],
        id: SourceId,
    ) -> Option<&'a [u8]> {
        if id == SourceId::FRAME {
            return Some(frame);
        }
        committed.get(self.get(id)?.bytes_range())
    }

    /// The length of source `id` (the frame is `frame_len` long), staged
    /// or not; `None` for an unknown source.
    pub(crate) fn len(&self, frame_len: usize, id: SourceId) -> Option<usize> {
        if id == SourceId::FRAME {
            return Some(frame_len);
        }
        self.get(id).map(|s| s.bytes_range().len())
    }

    fn clear(&mut self) {
        self.list.clear();
        self.parts.clear();
        self.staged.clear();
    }
}

/// A decoded packet: frame info, the captured bytes, layers and fields,
/// and any byte sources besides the frame.
#[derive(Debug, Clone)]
pub struct Packet {
    pub frame: FrameInfo,
    /// The captured frame: source [`SourceId::FRAME`].
    pub data: Vec<u8>,
    pub layers: Vec<Layer>,
    pub fields: Vec<Field>,
    pub(crate) sources: Sources,
    /// The bytes of every source in `sources`, back to back.
    pub(crate) source_data: Vec<u8>,
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
            sources: Sources::default(),
            source_data: Vec::new(),
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
        self.sources.clear();
        self.source_data.clear();
    }

    /// The bytes of a source (empty for one the packet does not have).
    pub fn source_bytes(&self, id: SourceId) -> &[u8] {
        self.sources
            .resolve(&self.data, &self.source_data, id)
            .unwrap_or(&[])
    }

    /// The sources besides the frame, with their ids, in the order added.
    pub fn sources(&self) -> impl Iterator<Item = (SourceId, &Source)> {
        (1..=u8::MAX).map(SourceId).zip(&self.sources.list)
    }

    /// The frames a source's bytes came from.
    pub fn source_parts(&self, source: &Source) -> &[SourcePart] {
        let range = source.parts.start as usize..source.parts.end as usize;
        self.sources.parts.get(range).unwrap_or(&[])
    }

    /// A source besides the frame (`None` for the frame or an unknown id).
    pub fn source(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id)
    }

    /// A layer's captured bytes, from its source.
    pub fn layer_bytes(&self, layer: &Layer) -> &[u8] {
        layer.bytes(self.source_bytes(layer.source))
    }

    /// The bytes a field covers, from its source.
    pub fn field_bytes(&self, field: &Field) -> &[u8] {
        field.bytes(self.source_bytes(field.source))
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
