//! The `Dissector` trait and what a dissector sees while it works: the
//! [`Context`] it adds fields through, the [`Handoff`] it returns, and the
//! [`Render`] it prints its text through.

use std::fmt::{self, Write};
use std::ops::Range;

use crate::field::{Field, FieldDef, FieldFlags, FieldSet, Value};
use crate::registry::{Registry, Table};
use crate::tree::{FrameInfo, Layer, Packet, SourceDef, SourceId, SourcePart, Sources, Status};

/// What a heuristic probe thinks of some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    Yes,
    No,
    /// Plausible, but weaker than another dissector's `Yes`.
    Maybe,
}

/// Which dissector should decode the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing is handed on: the rest belongs to this layer.
    None,
    /// Look `key` up in `table` (then its heuristics).
    Key(Table, u32),
    /// Ports: try the lower one first, then the higher, then heuristics, so
    /// both directions of a conversation pick the same dissector.
    Ports(Table, u32, u32),
    /// A dissector by protocol name (`"ip"` for the packet quoted in ICMP).
    Named(&'static str),
}

/// The result of dissecting one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// Bytes of this layer's own header: the payload starts here.
    pub header_len: usize,
    /// Bytes the payload has on the wire (from a length field, or the rest).
    /// The payload's captured bytes are clipped to what was captured.
    pub payload_len: usize,
    pub next: Next,
    /// `Some` when the payload is not the bytes after the header but the
    /// whole of another source (see [`Handoff::into_source`]).
    pub source: Option<SourceId>,
}

impl Handoff {
    /// This layer takes every byte it was given; nothing is passed on.
    pub fn done(len: usize) -> Handoff {
        Handoff {
            header_len: len,
            payload_len: 0,
            next: Next::None,
            source: None,
        }
    }

    /// Payload of `payload_len` wire bytes after a header of `header_len`.
    pub fn to(next: Next, header_len: usize, payload_len: usize) -> Handoff {
        Handoff {
            header_len,
            payload_len,
            next,
            source: None,
        }
    }

    /// After a header of `header_len`, decoding goes on in `source` (one
    /// from [`Context::add_source`]) from its first byte to its last, with
    /// the dissector `next` picks; this layer keeps the rest of its bytes.
    pub fn into_source(source: SourceId, header_len: usize, next: Next) -> Handoff {
        Handoff {
            header_len,
            payload_len: 0,
            next,
            source: Some(source),
        }
    }
}

/// A protocol decoder. One implementation per protocol; built-in and user
/// dissectors are registered through the same [`Registry`] calls.
///
/// `dissect` receives the captured bytes of its layer (bounded by what the
/// parent declared) and may be handed fewer bytes than the wire carried; it
/// must never panic, whatever the bytes. It may also be fed bytes that did not
/// come from one packet (a reassembled stream: another source of the
/// packet), so it reads only `data`.
pub trait Dissector: Send {
    /// Wireshark's protocol abbreviation (`ip`, `tcp`, `ntp`).
    fn name(&self) -> &'static str;

    /// Wireshark's protocol name ("Internet Protocol Version 4").
    fn full_name(&self) -> &'static str;

    /// Every field this dissector adds, declared once: the registry puts
    /// them in its catalogue (by name, for `--list-fields`, `-T fields` and
    /// library lookups) when the dissector is added.
    fn fields(&self) -> &'static [&'static FieldDef] {
        &[]
    }

    /// The fields this dissector's one-line text ([`Dissector::render`] at
    /// verbosity 0) reads, of its own layer or any other: a run that prints
    /// only lines builds these and no others.
    fn line_fields(&self) -> &'static [&'static FieldDef] {
        &[]
    }

    /// Decodes one layer: adds its fields and says what comes next.
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff;

    /// Heuristic probe: do these bytes look like this protocol? Only called
    /// for dissectors registered as heuristics.
    fn probe(&self, _data: &[u8], _cx: &Context<'_>) -> Probe {
        Probe::No
    }

    /// Prints this layer's part of the one-line (and `-v`) text, tcpdump
    /// style, usually followed by the next layer's (`r.next()`). The default
    /// prints nothing of its own.
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        r.next()
    }

    /// The heading of this layer in the field tree (`-V`).
    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }

    /// Files the bytes at the end of this layer that its payload did not
    /// claim (Ethernet's padding, trailer and FCS after a short IPv4
    /// datagram): the registry calls this once the payload's dissector has
    /// said how long it is. The default files nothing.
    fn trailer(&self, _trailer: &mut Trailer<'_, '_>) {}
}

/// What a dissector works through: adds fields to its layer, marks the layer
/// truncated or malformed, and reads the frame and the layers before it.
pub struct Context<'a> {
    pub(crate) frame: &'a FrameInfo,
    /// The frame's bytes.
    pub(crate) data: &'a [u8],
    pub(crate) layers: &'a mut Vec<Layer>,
    pub(crate) fields: &'a mut Vec<Field>,
    pub(crate) sources: &'a mut Sources,
    /// The source the current layer is in.
    pub(crate) source: SourceId,
    /// Offset of the current layer's first byte in its source.
    pub(crate) base: usize,
    /// Captured bytes of the current layer.
    pub(crate) captured: usize,
    /// Wire bytes of the current layer.
    pub(crate) reported: usize,
    pub(crate) depth: u8,
    /// The fields this run builds.
    pub(crate) wanted: &'a FieldSet,
    /// The run builds a field of this layer's dissector that the one-line
    /// text does not read (see [`Context::wants_tree`]).
    pub(crate) tree: bool,
}

impl<'a> Context<'a> {
    /// True when the run builds this field: a dissector skips the work that
    /// feeds only fields nobody asked for (options subtrees, checksum
    /// verdicts, request matching).
    #[inline]
    pub fn wants(&self, def: &FieldDef) -> bool {
        self.wanted.contains(def)
    }

    /// True when the run builds any of these fields.
    #[inline]
    pub fn wants_any(&self, defs: &[&FieldDef]) -> bool {
        defs.iter().any(|def| self.wanted.contains(def))
    }

    /// True when the run builds some field of this dissector beyond those
    /// the one-line text reads (worked out once per run): the gate for work
    /// that feeds only the tree (option subtrees, request matching,
    /// conversation analysis), so the line's path stays cheap and any run
    /// that names such a field gets it.
    #[inline]
    pub fn wants_tree(&self) -> bool {
        self.tree
    }

    #[inline]
    pub fn frame(&self) -> &FrameInfo {
        self.frame
    }

    /// Bytes this layer had on the wire according to its parent; at least
    /// `data.len()`.
    #[inline]
    pub fn reported_len(&self) -> usize {
        self.reported
    }

    /// The layers decoded before this one (innermost last).
    pub fn previous_layers(&self) -> &[Layer] {
        self.layers
            .split_last()
            .map_or(&[], |(_current, before)| before)
    }

    /// The fields of an earlier layer.
    pub fn layer_fields(&self, layer: &Layer) -> &[Field] {
        let (start, end) = (layer.fields.start as usize, layer.fields.end as usize);
        self.fields.get(start..end).unwrap_or(&[])
    }

    /// The nearest earlier layer with this name and its fields.
    pub fn previous(&self, name: &str) -> Option<(&Layer, &[Field])> {
        let layer = self
            .previous_layers()
            .iter()
            .rev()
            .find(|l| l.name == name)?;
        Some((layer, self.layer_fields(layer)))
    }

    /// The value of a field in the nearest earlier layer that has it.
    pub fn previous_value(&self, def: &'static FieldDef) -> Option<Value> {
        for layer in self.previous_layers().iter().rev() {
            let fields = self.layer_fields(layer);
            if let Some(f) = fields.iter().find(|f| std::ptr::eq(f.def, def)) {
                return Some(f.value);
            }
        }
        None
    }

    /// The bytes of the whole frame (earlier layers included), whatever
    /// source the current layer is in.
    pub fn packet_data(&self) -> &'a [u8] {
        self.data
    }

    /// Adds a field covering `range` of this layer's bytes (offsets relative
    /// to the layer). The range is clipped to the layer's captured bytes.
    #[inline]
    pub fn add(&mut self, def: &'static FieldDef, range: Range<usize>, value: Value) {
        if !self.wanted.contains(def) {
            return;
        }
        debug_assert!(
            def.admits(&value),
            "{}: {value:?} is not a value of {:?}",
            def.abbrev,
            def.ftype
        );
        let start = range.start.min(self.captured);
        let end = range.end.clamp(start, self.captured);
        self.fields.push(Field {
            def,
            value,
            offset: (self.base + start) as u32,
            len: (end - start) as u32,
            depth: self.depth,
            flags: FieldFlags::default(),
            source: self.source,
        });
    }

    /// Adds a field and makes the fields added until [`Context::pop`] its
    /// children (bit fields under a flag word, options under "Options").
    #[inline]
    pub fn push(&mut self, def: &'static FieldDef, range: Range<usize>, value: Value) {
        self.add(def, range, value);
        self.depth = self.depth.saturating_add(1);
    }

    /// Closes the subtree opened by the last [`Context::push`].
    #[inline]
    pub fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Adds a value the dissector computed (checksum status, payload length),
    /// anchored at `range` of the layer, shown in brackets by the tree.
    #[inline]
    pub fn generated(&mut self, def: &'static FieldDef, range: Range<usize>, value: Value) {
        let before = self.fields.len();
        self.add(def, range, value);
        if self.fields.len() > before {
            if let Some(f) = self.fields.last_mut() {
                f.flags.insert(FieldFlags::GENERATED);
            }
        }
    }

    /// Adds a top-level field at the end of an earlier layer (`layer`, an
    /// index into the packet's layers below the current one), covering the
    /// byte range `range` of that layer's source, counted from the source's
    /// first byte: how a [`Trailer`] is filed. Costs a shift of the later
    /// layers' fields; does nothing for an unknown layer or a field the run
    /// does not build.
    fn add_to_layer(
        &mut self,
        layer: usize,
        def: &'static FieldDef,
        range: Range<usize>,
        value: Value,
    ) {
        if !self.wanted.contains(def) {
            return;
        }
        let current = self.layers.len().saturating_sub(1);
        if layer >= current {
            return;
        }
        let Some((at, source)) = self.layers.get(layer).map(|l| (l.fields.end, l.source)) else {
            return;
        };
        let len = self.sources.len(self.data.len(), source).unwrap_or(0);
        let start = range.start.min(len);
        let end = range.end.clamp(start, len);
        self.fields.insert(
            at as usize,
            Field {
                def,
                value,
                offset: start as u32,
                len: (end - start) as u32,
                depth: 0,
                flags: FieldFlags::default(),
                source,
            },
        );
        let mut from_layer = self.layers.iter_mut().skip(layer);
        if let Some(target) = from_layer.next() {
            target.fields.end += 1;
        }
        for later in from_layer {
            later.fields.start += 1;
            later.fields.end += 1;
        }
    }

    /// Adds a byte source to the packet (reassembled stream bytes, say)
    /// from `bytes`, which came from the frames `parts`; the layer can then
    /// hand off into it with [`Handoff::into_source`]. `None` once the
    /// packet has [`MAX_SOURCES`](crate::tree::MAX_SOURCES).
    pub fn add_source(
        &mut self,
        def: &'static SourceDef,
        bytes: &[u8],
        parts: &[SourcePart],
    ) -> Option<SourceId> {
        self.sources.add(def, bytes, parts)
    }

    fn current(&mut self) -> Option<&mut Layer> {
        self.layers.last_mut()
    }

    /// Marks the layer as cut short by the capture at `offset` (relative).
    /// The first mark wins.
    pub fn truncated(&mut self, offset: usize, reason: &'static str) {
        let at = (self.base + offset) as u32;
        if let Some(l) = self.current() {
            if l.status.is_ok() {
                l.status = Status::Truncated { offset: at, reason };
            }
        }
    }

    /// Marks the layer as contradicting a length or rule at `offset`.
    /// The first mark wins.
    pub fn malformed(&mut self, offset: usize, reason: &'static str) {
        let at = (self.base + offset) as u32;
        if let Some(l) = self.current() {
            if l.status.is_ok() {
                l.status = Status::Malformed { offset: at, reason };
            }
        }
    }

    /// Checks that bytes up to `end` (relative) are there. If not, marks the
    /// layer truncated (the wire had them: snaplen) or malformed (the parent
    /// said the layer is shorter), naming `what`, and returns false.
    #[inline]
    pub fn need(&mut self, end: usize, what: &'static str) -> bool {
        if end <= self.captured {
            return true;
        }
        if end <= self.reported {
            self.truncated(self.captured, what);
        } else {
            self.malformed(self.captured.min(self.reported), what);
        }
        false
    }
}

/// The bytes at the end of a layer that the payload it handed on did not
/// claim, given to that layer's dissector ([`Dissector::trailer`]) to file
/// in its own layer, as Wireshark files Ethernet padding under Ethernet.
pub struct Trailer<'c, 'a> {
    cx: &'c mut Context<'a>,
    /// The index of the layer the trailer belongs to, and a copy of it.
    index: usize,
    owner: Layer,
    /// Where the trailer starts in the source, its captured bytes and its
    /// wire length.
    start: usize,
    bytes: &'c [u8],
    reported: usize,
}

impl<'c, 'a> Trailer<'c, 'a> {
    /// The trailer after the current layer of `cx` (whose captured bytes
    /// are `layer_bytes`), which claimed `used` of its bytes, for the layer
    /// before it; `None` when there is no such layer or nothing is left.
    pub(crate) fn after(
        cx: &'c mut Context<'a>,
        layer_bytes: &'c [u8],
        used: usize,
    ) -> Option<Trailer<'c, 'a>> {
        let reported = cx.reported.checked_sub(used).filter(|&n| n > 0)?;
        let index = cx.layers.len().checked_sub(2)?;
        let owner = cx.layers.get(index)?.clone();
        let start = cx.base.saturating_add(used);
        let bytes = layer_bytes.get(used..).unwrap_or(&[]);
        Some(Trailer {
            cx,
            index,
            owner,
            start,
            bytes,
            reported,
        })
    }

    /// The dissector of the layer the trailer belongs to.
    pub(crate) fn owner_dissector(&self) -> u16 {
        self.owner.dissector
    }

    /// The layer the trailer belongs to.
    pub fn layer(&self) -> &Layer {
        &self.owner
    }

    /// The offset of the trailer's first byte in its source.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The trailer's captured bytes (fewer than [`Trailer::reported_len`]
    /// when the capture was cut).
    pub fn bytes(&self) -> &'c [u8] {
        self.bytes
    }

    /// The trailer's length on the wire.
    pub fn reported_len(&self) -> usize {
        self.reported
    }

    pub fn frame(&self) -> &FrameInfo {
        self.cx.frame
    }

    /// True when the run builds any of these fields.
    pub fn wants_any(&self, defs: &[&FieldDef]) -> bool {
        self.cx.wants_any(defs)
    }

    /// Adds a field to the trailer's layer covering `range` of the source
    /// (offsets from its first byte, as [`Trailer::start`]).
    pub fn add(&mut self, def: &'static FieldDef, range: Range<usize>, value: Value) {
        self.cx.add_to_layer(self.index, def, range, value);
    }
}

/// Options that shape the text output.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// 0 for the default line, 1–3 for `-v`, `-vv`, `-vvv`.
    pub verbose: u8,
    /// `-e`: print the link-level header.
    pub link_header: bool,
    /// `-S`: absolute TCP sequence numbers instead of relative ones.
    pub absolute_seq: bool,
}

/// What [`Render::layer`] gives for an index past the last layer.
static NO_LAYER: Layer = Layer {
    name: "",
    dissector: 0,
    offset: 0,
    len: 0,
    header_len: 0,
    reported_len: 0,
    status: Status::Ok,
    fields: 0..0,
    source: SourceId::FRAME,
};

/// What a dissector prints its text through: the decoded packet, the layer
/// being printed, the options and the output buffer.
pub struct Render<'a> {
    pub registry: &'a Registry,
    pub packet: &'a Packet,
    pub options: &'a RenderOptions,
    pub out: &'a mut String,
    /// Index of the layer being printed.
    pub index: usize,
}

impl<'a> Render<'a> {
    /// The layer being printed (an empty one if `index` is out of range).
    pub fn layer(&self) -> &'a Layer {
        self.packet.layers.get(self.index).unwrap_or(&NO_LAYER)
    }

    /// The layer after this one, if any.
    pub fn next_layer(&self) -> Option<&'a Layer> {
        self.packet.layers.get(self.index + 1)
    }

    /// The bytes of the layer being printed, from its source.
    pub fn bytes(&self) -> &'a [u8] {
        self.packet.layer_bytes(self.layer())
    }

    pub fn fields(&self) -> &'a [Field] {
        self.packet.layer_fields(self.layer())
    }

    pub fn find(&self, def: &'static FieldDef) -> Option<&'a Field> {
        self.packet.find(self.layer(), def)
    }

    pub fn u64(&self, def: &'static FieldDef) -> Option<u64> {
        self.packet.u64_of(self.layer(), def)
    }

    pub fn value(&self, def: &'static FieldDef) -> Option<Value> {
        self.packet.value_of(self.layer(), def)
    }

    /// Appends a number in decimal: the per-packet text is mostly numbers,
    /// and this costs a fraction of `write!`.
    #[inline]
    pub fn number(&mut self, value: impl Into<u64>) {
        let mut buf = itoa::Buffer::new();
        self.out.push_str(buf.format(value.into()));
    }

    /// Appends text (infallible, unlike `write_str`).
    #[inline]
    pub fn text(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Prints layer `index` with its dissector's `render`, then returns here.
    pub fn render_layer(&mut self, index: usize) -> fmt::Result {
        let Some(layer) = self.packet.layers.get(index) else {
            return Ok(());
        };
        let id = layer.dissector;
        let saved = self.index;
        self.index = index;
        let registry = self.registry;
        let result = registry.dissector(id).render(self);
        self.index = saved;
        result
    }

    /// Prints the next layer (if any). Named like tcpdump's "print the rest"
    /// step; this is not an iterator.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> fmt::Result {
        self.render_layer(self.index + 1)
    }
}

impl fmt::Write for Render<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.push_str(s);
        Ok(())
    }
    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        self.out.push(c);
        Ok(())
    }
}
