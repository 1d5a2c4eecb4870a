//! Dissector tables (link type, ethertype, IP protocol, ports, ...), their
//! heuristics and decode-as overrides, and the decode loop that walks a frame
//! from its link type to its innermost layer.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::catalogue::{Catalogue, DuplicateField, Protocol, UnknownField};
use crate::dissector::{Context, Dissector, Handoff, Next, Probe, Render, RenderOptions, Trailer};
use crate::field::{FieldDef, FieldId, FieldSet, FieldType, Value};
use crate::tree::{FrameInfo, Layer, Packet, SourceId, Status};

/// A dissector table, named as Wireshark names them (`udp.port`). The name
/// is hashed at compile time so lookups compare one integer.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    name: &'static str,
    hash: u64,
}

impl Table {
    /// Keyed by LINKTYPE_* value of the capture interface.
    pub const LINKTYPE: Table = Table::new("linktype");
    pub const ETHERTYPE: Table = Table::new("ethertype");
    pub const IP_PROTO: Table = Table::new("ip.proto");
    pub const TCP_PORT: Table = Table::new("tcp.port");
    pub const UDP_PORT: Table = Table::new("udp.port");

    /// A table by name (FNV-1a hashed at compile time for `const` tables).
    pub const fn new(name: &'static str) -> Table {
        let mut bytes = name.as_bytes();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        while let [first, rest @ ..] = bytes {
            hash ^= *first as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            bytes = rest;
        }
        Table { name, hash }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Tables are the same when their names hash the same: a 64-bit FNV-1a
/// collision between two table names is not a practical concern, and the
/// decode loop compares tables for every layer.
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.hash == other.hash
    }
}

impl Eq for Table {}

impl std::hash::Hash for Table {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Identifies a dissector inside one registry.
pub type DissectorId = u16;

/// At most this many layers per packet: a guard against handoff loops
/// (an ICMP error quoting an ICMP error quoting ...).
pub const MAX_LAYERS: usize = 32;

/// One table: keys kept sorted for a binary search (tables hold a few dozen
/// keys at most, where this beats hashing), then the heuristics in order.
#[derive(Default)]
struct TableData {
    keys: Vec<(u32, DissectorId)>,
    heuristics: Vec<DissectorId>,
}

impl TableData {
    fn get(&self, key: u32) -> Option<DissectorId> {
        self.keys
            .binary_search_by_key(&key, |&(k, _)| k)
            .ok()
            .and_then(|i| self.keys.get(i))
            .map(|&(_, id)| id)
    }

    fn insert(&mut self, key: u32, id: DissectorId) {
        match self.keys.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(i) => {
                if let Some(entry) = self.keys.get_mut(i) {
                    entry.1 = id;
                }
            }
            Err(i) => self.keys.insert(i, (key, id)),
        }
    }
}

/// Errors from registry calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    UnknownDissector(String),
    /// A dissector declares a field name another definition already has;
    /// the dissector was not added.
    DuplicateField(DuplicateField),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::UnknownDissector(name) => write!(f, "no dissector named '{name}'"),
            RegistryError::DuplicateField(duplicate) => duplicate.fmt(f),
        }
    }
}

impl std::error::Error for RegistryError {}

/// All dissectors and the tables that choose between them.
pub struct Registry {
    dissectors: Vec<Box<dyn Dissector>>,
    /// Each dissector's `name()`, read once: every layer is labelled with
    /// it, and `Next::Named` looks dissectors up by it.
    names: Vec<&'static str>,
    tables: Vec<(Table, TableData)>,
    decode_as: HashMap<(Table, u32), DissectorId>,
    /// Every field the dissectors declare, by name.
    catalogue: Catalogue,
    /// The fields a decode builds (shared with each packet decoded, so that
    /// a packet can tell a field nobody asked for from an absent one).
    wanted: Arc<FieldSet>,
    /// Per dissector: does the run build one of its fields that the line
    /// does not read ([`Context::wants_tree`]).
    tree: Vec<bool>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// Id of the built-in `data` dissector (undecoded payload).
pub const DATA: DissectorId = 0;

impl Registry {
    /// A registry that knows only the `data` dissector.
    pub fn new() -> Registry {
        let mut catalogue = Catalogue::default();
        // The frame pseudo-layer's and the data dissector's names are
        // distinct, so an empty catalogue takes them without a clash.
        let frame = Protocol {
            name: "frame",
            full_name: "Frame",
        };
        let _ = catalogue.declare(frame, crate::frame::FIELDS);
        let _ = catalogue.declare(protocol_of(&DataDissector), DataDissector.fields());
        Registry {
            dissectors: vec![Box::new(DataDissector)],
            names: vec![DataDissector.name()],
            tables: Vec::new(),
            decode_as: HashMap::new(),
            catalogue,
            wanted: Arc::new(FieldSet::all()),
            tree: vec![true],
        }
    }

    /// The fields [`Registry::dissect`] builds from now on (default: all).
    pub fn set_fields(&mut self, fields: FieldSet) {
        self.wanted = Arc::new(fields);
        self.refresh_tree();
    }

    /// Works out [`Context::wants_tree`] for every dissector.
    fn refresh_tree(&mut self) {
        let line = self.line_fields();
        let wanted = &self.wanted;
        self.tree = self
            .dissectors
            .iter()
            .map(|d| {
                d.fields()
                    .iter()
                    .any(|f| wanted.contains(f) && (wanted.is_all() || !line.contains(f)))
            })
            .collect();
    }

    /// The fields decodes build.
    pub fn fields(&self) -> &FieldSet {
        &self.wanted
    }

    /// Adds one field to those decodes build (a library user's own reads in
    /// a run that otherwise builds only the line's fields).
    pub fn request(&mut self, field: FieldId) {
        if !self.wanted.contains(field.def()) {
            Arc::make_mut(&mut self.wanted).insert(field.def());
            self.refresh_tree();
        }
    }

    /// The fields the one-line text reads: the union of every dissector's
    /// [`Dissector::line_fields`].
    pub fn line_fields(&self) -> FieldSet {
        let mut set = FieldSet::none();
        for dissector in &self.dissectors {
            for &def in dissector.line_fields() {
                set.insert(def);
            }
        }
        set
    }

    /// Every field the registered dissectors declare.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The declared field with this name (`ntp.stratum`), or the names
    /// closest to it.
    pub fn field(&self, name: &str) -> Result<FieldId, UnknownField> {
        self.catalogue.field(name)
    }

    /// Adds a dissector and catalogues its fields (or returns the id of the
    /// one with the same name). Refused when one of its field names is
    /// already declared by another definition.
    pub fn add<D: Dissector + 'static>(
        &mut self,
        dissector: D,
    ) -> Result<DissectorId, RegistryError> {
        if let Some(id) = self.id(dissector.name()) {
            return Ok(id);
        }
        self.catalogue
            .declare(protocol_of(&dissector), dissector.fields())
            .map_err(RegistryError::DuplicateField)?;
        self.names.push(dissector.name());
        self.dissectors.push(Box::new(dissector));
        self.refresh_tree();
        Ok((self.dissectors.len() - 1) as DissectorId)
    }

    /// The id of the dissector with this protocol name.
    pub fn id(&self, name: &str) -> Option<DissectorId> {
        self.names
            .iter()
            .position(|&n| n == name)
            .map(|i| i as DissectorId)
    }

    /// The dissector with this id (the `data` dissector for an unknown id).
    pub fn dissector(&self, id: DissectorId) -> &dyn Dissector {
        match self.dissectors.get(id as usize) {
            Some(d) => d.as_ref(),
            None => &DataDissector,
        }
    }

    /// Every registered dissector.
    pub fn dissectors(&self) -> impl Iterator<Item = &dyn Dissector> {
        self.dissectors.iter().map(|d| d.as_ref())
    }

    fn table_mut(&mut self, table: Table) -> &mut TableData {
        let pos = match self.tables.iter().position(|(t, _)| *t == table) {
            Some(pos) => pos,
            None => {
                self.tables.push((table, TableData::default()));
                self.tables.len() - 1
            }
        };
        // In bounds: `pos` was found in, or just pushed to, the tables.
        #[allow(clippy::indexing_slicing)]
        &mut self.tables[pos].1
    }

    fn table(&self, table: Table) -> Option<&TableData> {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, d)| d)
    }

    /// Registers `dissector` for `key` in `table` in one call, e.g.
    /// `registry.register(Table::UDP_PORT, 123, Ntp::default())`.
    pub fn register<D: Dissector + 'static>(
        &mut self,
        table: Table,
        key: u32,
        dissector: D,
    ) -> Result<DissectorId, RegistryError> {
        let id = self.add(dissector)?;
        self.register_id(table, key, id);
        Ok(id)
    }

    /// Registers an already added dissector for another key.
    pub fn register_id(&mut self, table: Table, key: u32, id: DissectorId) {
        self.table_mut(table).insert(key, id);
    }

    /// Registers `dissector`'s [`Dissector::probe`] as a heuristic for
    /// payloads of `table` that no key claimed.
    pub fn register_heuristic<D: Dissector + 'static>(
        &mut self,
        table: Table,
        dissector: D,
    ) -> Result<DissectorId, RegistryError> {
        let id = self.add(dissector)?;
        let heuristics = &mut self.table_mut(table).heuristics;
        if !heuristics.contains(&id) {
            heuristics.push(id);
        }
        Ok(id)
    }

    /// Decode-as: payloads keyed `key` in `table` go to the dissector named
    /// `name`, whatever the tables say (`udp.port==4123,ntp`).
    pub fn decode_as(&mut self, table: Table, key: u32, name: &str) -> Result<(), RegistryError> {
        let id = self
            .id(name)
            .ok_or_else(|| RegistryError::UnknownDissector(name.to_string()))?;
        self.decode_as.insert((table, key), id);
        Ok(())
    }

    /// The dissector decode-as puts on `key` of `table`, if any.
    fn decoded_as(&self, table: Table, key: u32) -> Option<DissectorId> {
        if self.decode_as.is_empty() {
            return None;
        }
        self.decode_as.get(&(table, key)).copied()
    }

    fn by_key(&self, table: Table, data: Option<&TableData>, key: u32) -> Option<DissectorId> {
        self.decoded_as(table, key).or_else(|| data?.get(key))
    }

    fn by_heuristic(
        &self,
        data: Option<&TableData>,
        bytes: &[u8],
        cx: &Context<'_>,
    ) -> Option<DissectorId> {
        let mut maybe = None;
        for &id in &data?.heuristics {
            match self.dissector(id).probe(bytes, cx) {
                Probe::Yes => return Some(id),
                Probe::Maybe if maybe.is_none() => maybe = Some(id),
                _ => {}
            }
        }
        maybe
    }

    fn choose(&self, next: Next, bytes: &[u8], cx: &Context<'_>) -> Option<DissectorId> {
        match next {
            Next::None => None,
            Next::Named(name) => self.id(name),
            Next::Key(table, key) => {
                let data = self.table(table);
                self.by_key(table, data, key)
                    .or_else(|| self.by_heuristic(data, bytes, cx))
            }
            Next::Ports(table, a, b) => {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                let data = self.table(table);
                self.by_key(table, data, lo)
                    .or_else(|| self.by_key(table, data, hi))
                    .or_else(|| self.by_heuristic(data, bytes, cx))
            }
        }
    }

    /// Decodes a frame into `packet` (cleared first, buffers reused).
    pub fn dissect(&mut self, frame: &FrameInfo, data: &[u8], packet: &mut Packet) {
        packet.clear();
        if !Arc::ptr_eq(&packet.wanted, &self.wanted) {
            packet.wanted = Arc::clone(&self.wanted);
        }
        packet.frame = *frame;
        packet.data.extend_from_slice(data);
        let reported = (frame.len as usize).max(data.len());
        self.dissect_from(
            Next::Key(Table::LINKTYPE, frame.linktype),
            0,
            reported,
            packet,
        );
    }

    /// Decodes `packet.data[offset..]` (wire length `reported`) starting with
    /// the dissector that `next` picks, appending layers to `packet`. A
    /// layer may hand off into another source of the packet
    /// ([`Handoff::into_source`]); decoding goes on there, with offsets
    /// counted in that source.
    pub fn dissect_from(
        &mut self,
        mut next: Next,
        mut offset: usize,
        mut reported: usize,
        packet: &mut Packet,
    ) {
        let Packet {
            frame,
            data,
            layers,
            fields,
            sources,
            source_data,
            ..
        } = packet;
        let data: &[u8] = data;
        let mut source = SourceId::FRAME;
        // The bytes of `source`: looked up only when decoding moves on to
        // another source, so the frame-only loop pays nothing for sources.
        let mut source_bytes = data;
        while layers.len() < MAX_LAYERS {
            let rest = source_bytes.get(offset..).unwrap_or(&[]);
            let bytes = rest.get(..reported).unwrap_or(rest);
            let captured = bytes.len();
            let mut cx = Context {
                frame,
                data,
                layers,
                fields,
                sources,
                source,
                base: offset,
                captured,
                reported,
                depth: 0,
                wanted: &self.wanted,
                tree: false,
            };
            let id = match self.choose(next, bytes, &cx) {
                Some(id) => id,
                None if captured > 0 => DATA,
                None => break,
            };
            cx.tree = self.tree.get(id as usize).copied().unwrap_or(false);
            // Every id the tables hold came from `add`, so both are there.
            let (Some(&name), Some(dissector)) = (
                self.names.get(id as usize),
                self.dissectors.get_mut(id as usize),
            ) else {
                break;
            };
            let start = cx.fields.len() as u32;
            cx.layers.push(Layer {
                name,
                dissector: id,
                offset: offset as u32,
                len: captured as u32,
                header_len: 0,
                reported_len: reported as u32,
                status: Status::Ok,
                fields: start..start,
                source,
            });
            let handoff: Handoff = dissector.dissect(bytes, &mut cx);
            if handoff.source.is_none() {
                // The layer before files what this one left of its bytes.
                let used = handoff.header_len.saturating_add(handoff.payload_len);
                if let Some(mut trailer) = Trailer::after(&mut cx, bytes, used) {
                    let owner = trailer.owner_dissector() as usize;
                    if let Some(owner) = self.dissectors.get(owner) {
                        owner.trailer(&mut trailer);
                    }
                }
            }
            let header_len = handoff.header_len.min(captured);
            if let Some(layer) = layers.last_mut() {
                layer.header_len = header_len as u32;
                layer.fields.end = fields.len() as u32;
            }
            if handoff.next == Next::None || id == DATA {
                break;
            }
            if let Some(into) = handoff.source {
                // The sources added so far join the packet's before one is read.
                sources.commit(source_data);
                let Some(into_bytes) = sources.resolve(data, source_data, into) else {
                    if let Some(layer) = layers.last_mut().filter(|l| l.status.is_ok()) {
                        layer.status = Status::Malformed {
                            offset: (offset + header_len) as u32,
                            reason: "handoff into an unknown source",
                        };
                    }
                    break;
                };
                if into_bytes.is_empty() {
                    break;
                }
                next = handoff.next;
                source = into;
                source_bytes = into_bytes;
                offset = 0;
                reported = into_bytes.len();
                continue;
            }
            // The payload's wire length cannot exceed what the layer had left.
            let room = reported.saturating_sub(handoff.header_len);
            let payload_reported = handoff.payload_len.min(room);
            if payload_reported == 0 {
                break;
            }
            next = handoff.next;
            offset += header_len;
            reported = payload_reported;
            if handoff.header_len > captured {
                // The header itself was cut: nothing of the payload was captured.
                offset = source_bytes.len();
            }
        }
        sources.commit(source_data);
    }

    /// Prints the tcpdump-style text of a decoded packet (without the
    /// timestamp) by running each layer's [`Dissector::render`].
    pub fn render(
        &self,
        packet: &Packet,
        options: &RenderOptions,
        out: &mut String,
    ) -> fmt::Result {
        let mut r = Render {
            registry: self,
            packet,
            options,
            out,
            index: 0,
        };
        r.render_layer(0)
    }
}

/// A dissector's name and full name as a catalogue protocol.
fn protocol_of(dissector: &dyn Dissector) -> Protocol {
    Protocol {
        name: dissector.name(),
        full_name: dissector.full_name(),
    }
}

static DATA_DATA: FieldDef = FieldDef::new("data.data", "Data", FieldType::Bytes);
static DATA_LEN: FieldDef = FieldDef::new("data.len", "Length", FieldType::Uint(32));
static DATA_FIELDS: &[&FieldDef] = &[&DATA_DATA, &DATA_LEN];

/// Undecoded bytes (Wireshark's `data` protocol).
struct DataDissector;

impl Dissector for DataDissector {
    fn name(&self) -> &'static str {
        "data"
    }
    fn full_name(&self) -> &'static str {
        "Data"
    }
    fn fields(&self) -> &'static [&'static FieldDef] {
        DATA_FIELDS
    }
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        cx.add(&DATA_DATA, 0..data.len(), Value::Bytes);
        cx.generated(&DATA_LEN, 0..0, Value::U64(data.len() as u64));
        if data.len() < cx.reported_len() {
            cx.truncated(data.len(), "data");
        }
        Handoff::done(data.len())
    }

    /// A frame no link-layer dissector claimed: tcpdump's text for an
    /// unsupported link type (the word, then the bytes in hex).
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        if r.index != 0 {
            return Ok(());
        }
        r.out.push_str("UNSUPPORTED\n");
        crate::format::hex_dump(r.bytes(), r.out);
        if r.out.ends_with('\n') {
            r.out.pop();
        }
        Ok(())
    }
}
