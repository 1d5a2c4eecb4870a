//! Data sources end to end on a synthetic two-source packet: a carrier
//! protocol holds one frame's payload and, in a later frame, adds the two
//! payloads joined as a "reassembled" source and hands off into it, where a
//! second protocol adds its fields.

use std::fmt;

use crate::dissector::{Context, Dissector, Handoff, Next, Render, RenderOptions};
use crate::field::{write_text, FieldDef, FieldType, Value};
use crate::format;
use crate::registry::{Registry, Table};
use crate::tree::{FrameInfo, Packet, SourceDef, SourceId, SourcePart, Status, MAX_SOURCES};

static REASSEMBLED: SourceDef = SourceDef {
    name: "Reassembled Test",
    parts: "Reassembled Test Segments",
    count: "Segment count",
};

const LINKTYPE_USER0: u32 = 147;
const INNER: Table = Table::new("test.inner");

static MODE: FieldDef = FieldDef::new("seg.mode", "Mode", FieldType::Uint(8));
static SEGMENT: FieldDef = FieldDef::new("seg.data", "Segment Data", FieldType::Bytes);

/// What the carrier does with a frame, by its first byte.
const HOLD: u8 = 0;
const JOIN: u8 = 1;
const UNKNOWN_SOURCE: u8 = 2;
const EMPTY_SOURCE: u8 = 3;
const MANY_SOURCES: u8 = 4;
const OWN_PAYLOAD: u8 = 5;

/// A one-byte header (the mode), then a segment of a stream.
#[derive(Default)]
struct Carrier {
    /// The held segment and the frame it came in.
    held: Vec<u8>,
    held_frame: u64,
}

impl Dissector for Carrier {
    fn name(&self) -> &'static str {
        "seg"
    }
    fn full_name(&self) -> &'static str {
        "Segment Carrier"
    }
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        let Some((&mode, payload)) = data.split_first() else {
            return Handoff::done(0);
        };
        cx.add(&MODE, 0..1, Value::U64(mode.into()));
        cx.add(&SEGMENT, 1..data.len(), Value::Bytes);
        let frame = cx.frame().number;
        let next = Next::Key(INNER, 7);
        let source = match mode {
            HOLD => {
                self.held.clear();
                self.held.extend_from_slice(payload);
                self.held_frame = frame;
                return Handoff::done(data.len());
            }
            JOIN => {
                let parts = [
                    SourcePart {
                        frame: self.held_frame,
                        len: self.held.len() as u32,
                    },
                    SourcePart {
                        frame,
                        len: payload.len() as u32,
                    },
                ];
                let mut joined = self.held.clone();
                joined.extend_from_slice(payload);
                cx.add_source(&REASSEMBLED, &joined, &parts)
            }
            UNKNOWN_SOURCE => Some(SourceId(5)),
            EMPTY_SOURCE => cx.add_source(&REASSEMBLED, &[], &[]),
            MANY_SOURCES => {
                let mut last = None;
                while let Some(id) = cx.add_source(&REASSEMBLED, payload, &[]) {
                    last = Some(id);
                }
                last
            }
            OWN_PAYLOAD => {
                let part = SourcePart {
                    frame,
                    len: payload.len() as u32,
                };
                cx.add_source(&REASSEMBLED, payload, &[part])
            }
            _ => None,
        };
        match source {
            Some(source) => Handoff::into_source(source, 1, next),
            None => Handoff::done(data.len()),
        }
    }
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        r.text("seg ");
        r.next()
    }
}

static WORD: FieldDef = FieldDef::new("greet.word", "Word", FieldType::Str);
static NIBBLE: FieldDef =
    FieldDef::new("greet.nibble", "High Nibble", FieldType::Uint(8)).mask(0xf0);
static REST: FieldDef = FieldDef::new("greet.rest", "Rest", FieldType::Str);

/// Five bytes of word, a byte whose high nibble is a field, the rest text.
struct Greeting;

impl Dissector for Greeting {
    fn name(&self) -> &'static str {
        "greet"
    }
    fn full_name(&self) -> &'static str {
        "Greeting"
    }
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        cx.add(&WORD, 0..5, Value::Str);
        if !cx.need(6, "greet") {
            return Handoff::done(data.len());
        }
        let nibble = data.get(5).map_or(0, |b| b >> 4);
        cx.add(&NIBBLE, 5..6, Value::U64(nibble.into()));
        cx.add(&REST, 6..data.len(), Value::Str);
        Handoff::done(data.len())
    }
    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        r.text("greet ");
        write_text(r.bytes(), r)
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(Table::LINKTYPE, LINKTYPE_USER0, Carrier::default())
        .unwrap();
    registry.register(INNER, 7, Greeting).unwrap();
    registry
}

fn frame(number: u64, data: &[u8]) -> FrameInfo {
    FrameInfo {
        number,
        caplen: data.len() as u32,
        len: data.len() as u32,
        linktype: LINKTYPE_USER0,
        ..FrameInfo::default()
    }
}

fn decode(registry: &mut Registry, number: u64, data: &[u8], packet: &mut Packet) {
    registry.dissect(&frame(number, data), data, packet);
}

/// Frame 4 holds "hello"; frame 6 adds " world!" and hands off into the
/// joined 12 bytes.
fn two_source_packet(registry: &mut Registry) -> Packet {
    let mut packet = Packet::new();
    decode(registry, 4, b"\x00hello", &mut packet);
    decode(registry, 6, b"\x01 world!", &mut packet);
    packet
}

#[test]
fn layers_and_fields_name_their_source() {
    let mut registry = registry();
    let packet = two_source_packet(&mut registry);
    let names: Vec<_> = packet.layers.iter().map(|l| (l.name, l.source)).collect();
    let reassembled = SourceId(1);
    assert_eq!(names, [("seg", SourceId::FRAME), ("greet", reassembled)]);
    assert_eq!(packet.source_bytes(SourceId::FRAME), b"\x01 world!");
    assert_eq!(packet.source_bytes(reassembled), b"hello world!");
    assert_eq!(packet.source_bytes(SourceId(2)), b"");
    // Added while the carrier ran, moved in when it returned.
    assert!(packet.sources.staged.is_empty());

    let greet = packet.layer("greet").unwrap();
    assert_eq!((greet.offset, greet.len, greet.reported_len), (0, 12, 12));
    assert_eq!(greet.status, Status::Ok);
    assert_eq!(packet.layer_bytes(greet), b"hello world!");
    let rest = packet.field("greet.rest").unwrap();
    assert_eq!((rest.offset, rest.len, rest.source), (6, 6, reassembled));
    assert_eq!(packet.field_bytes(rest), b"world!");
    let segment = packet.field("seg.data").unwrap();
    assert_eq!((segment.offset, segment.source), (1, SourceId::FRAME));
    assert_eq!(packet.field_bytes(segment), b" world!");

    let sources: Vec<_> = packet.sources().map(|(id, s)| (id, s.def.name)).collect();
    assert_eq!(sources, [(reassembled, "Reassembled Test")]);
    let (_, source) = packet.sources().next().unwrap();
    let parts = [
        SourcePart { frame: 4, len: 5 },
        SourcePart { frame: 6, len: 7 },
    ];
    assert_eq!(packet.source_parts(source), parts);
}

#[test]
fn render_reads_the_layer_source() {
    let mut registry = registry();
    let packet = two_source_packet(&mut registry);
    let mut line = String::new();
    registry
        .render(&packet, &RenderOptions::default(), &mut line)
        .unwrap();
    assert_eq!(line, "seg greet hello world!");
}

#[test]
fn tree_shows_the_reassembly_before_its_layer() {
    let mut registry = registry();
    let packet = two_source_packet(&mut registry);
    let mut out = String::new();
    format::tree(&registry, &packet, None, &mut out);
    assert_eq!(
        out,
        "Frame 6: 8 bytes on wire (64 bits), 8 bytes captured (64 bits) on interface 0
    Arrival Time: 1970-01-01T00:00:00.000000000Z
    Link type: 147
Segment Carrier
    Mode: 1
    Segment Data: 20:77:6f:72:6c:64:21
[2 Reassembled Test Segments (12 bytes): #4(5), #6(7)]
    [Frame: 4, payload: 0-4 (5 bytes)]
    [Frame: 6, payload: 5-11 (7 bytes)]
    [Segment count: 2]
    [Reassembled Test length: 12]
Greeting
    Word: hello
    0010 .... = High Nibble: 2
    Rest: world!
"
    );
    // One layer alone still says where its bytes came from.
    out.clear();
    format::tree(&registry, &packet, Some("greet"), &mut out);
    assert!(out.starts_with("[2 Reassembled Test Segments (12 bytes)"));
    out.clear();
    format::tree(&registry, &packet, Some("seg"), &mut out);
    assert!(!out.contains("Reassembled"));
}

#[test]
fn hex_dump_titles_each_source() {
    let mut registry = registry();
    let packet = two_source_packet(&mut registry);
    let mut out = String::new();
    format::hex_sources(&packet, format::hex_dump, &mut out);
    assert_eq!(
        out,
        "Reassembled Test (12 bytes):\n\
         \t0x0000:  6865 6c6c 6f20 776f 726c 6421            hello world!\n"
    );
}

#[test]
fn json_names_the_source_of_a_layer_and_lists_the_sources() {
    let mut registry = registry();
    let packet = two_source_packet(&mut registry);
    let mut out = String::new();
    format::json(&packet, None, &mut out);
    assert_eq!(
        out,
        concat!(
            r#"{"frame":{"number":6,"time":"1970-01-01T00:00:00.000000000Z","caplen":8,"len":8,"interface":0,"linktype":147},"#,
            r#""layers":[{"name":"seg","offset":0,"len":8,"status":"ok","fields":["#,
            r#"{"name":"seg.mode","value":1,"show":"1","offset":0,"len":1},"#,
            r#"{"name":"seg.data","value":"20:77:6f:72:6c:64:21","show":"20:77:6f:72:6c:64:21","offset":1,"len":7}]},"#,
            r#"{"name":"greet","source":1,"offset":0,"len":12,"status":"ok","fields":["#,
            r#"{"name":"greet.word","value":"hello","show":"hello","offset":0,"len":5},"#,
            r#"{"name":"greet.nibble","value":2,"show":"2","offset":5,"len":1},"#,
            r#"{"name":"greet.rest","value":"world!","show":"world!","offset":6,"len":6}]}],"#,
            r#""sources":[{"id":1,"name":"Reassembled Test","len":12,"frames":[{"number":4,"len":5},{"number":6,"len":7}]}]}"#,
            "\n"
        )
    );
    // A frame-only packet keeps its old shape.
    let mut frame_only = Packet::new();
    decode(&mut registry, 4, b"\x00hello", &mut frame_only);
    out.clear();
    format::json(&frame_only, None, &mut out);
    assert!(!out.contains("source"), "{out}");
}

#[test]
fn handoff_into_an_unknown_source_is_malformed() {
    let mut registry = registry();
    let mut packet = Packet::new();
    decode(&mut registry, 1, b"\x02abc", &mut packet);
    assert_eq!(packet.layers.len(), 1);
    assert_eq!(
        packet.layers[0].status,
        Status::Malformed {
            offset: 1,
            reason: "handoff into an unknown source"
        }
    );
}

#[test]
fn handoff_into_an_empty_source_adds_no_layer() {
    let mut registry = registry();
    let mut packet = Packet::new();
    decode(&mut registry, 1, b"\x03abc", &mut packet);
    assert_eq!(packet.layers.len(), 1);
    assert_eq!(packet.layers[0].status, Status::Ok);
    assert_eq!(packet.sources().count(), 1);
}

#[test]
fn a_short_source_bounds_fields_and_marks_the_layer() {
    let mut registry = registry();
    let mut packet = Packet::new();
    decode(&mut registry, 9, b"\x05abc", &mut packet);
    let greet = packet.layer("greet").unwrap();
    assert_eq!(greet.len, 3);
    // Offsets count in the 3-byte source, not the frame.
    assert_eq!(
        greet.status,
        Status::Malformed {
            offset: 3,
            reason: "greet"
        }
    );
    let word = packet.field("greet.word").unwrap();
    assert_eq!((word.offset, word.len), (0, 3));
    assert_eq!(packet.field_bytes(word), b"abc");
    let mut out = String::new();
    format::tree(&registry, &packet, Some("greet"), &mut out);
    assert_eq!(
        out,
        "[1 Reassembled Test Segments (3 bytes): #9(3)]
    [Frame: 9, payload: 0-2 (3 bytes)]
    [Segment count: 1]
    [Reassembled Test length: 3]
Greeting
    Word: abc
    [Malformed Packet: greet at byte 3: greet]
"
    );
}

#[test]
fn sources_are_capped_per_packet() {
    let mut registry = registry();
    let mut packet = Packet::new();
    decode(&mut registry, 1, b"\x04abcdefgh", &mut packet);
    assert_eq!(packet.sources().count(), MAX_SOURCES);
    let last = packet.layer("greet").unwrap();
    assert_eq!(last.source.index(), MAX_SOURCES);
    assert_eq!(packet.layer_bytes(last), b"abcdefgh");
}

#[test]
fn the_line_fields_keep_the_sources() {
    let mut registry = registry();
    let full = two_source_packet(&mut registry);
    registry.set_fields(registry.line_fields());
    let summary = two_source_packet(&mut registry);
    let shape = |p: &Packet| {
        p.layers
            .iter()
            .map(|l| (l.name, l.source, l.offset, l.len, l.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&full), shape(&summary));
    assert_eq!(
        summary.source_bytes(SourceId(1)),
        full.source_bytes(SourceId(1))
    );
}

#[test]
fn clear_empties_the_sources_and_keeps_their_buffers() {
    let mut registry = registry();
    let mut packet = two_source_packet(&mut registry);
    let capacities = |p: &Packet| {
        (
            p.sources.list.capacity(),
            p.sources.parts.capacity(),
            p.sources.staged.capacity(),
            p.source_data.capacity(),
        )
    };
    let before = capacities(&packet);
    packet.clear();
    assert_eq!(packet.sources().count(), 0);
    assert!(packet.source_bytes(SourceId(1)).is_empty());
    assert_eq!(capacities(&packet), before);
    // The same packet again reuses the buffers: nothing grows.
    decode(&mut registry, 6, b"\x01 world!", &mut packet);
    assert_eq!(packet.source_bytes(SourceId(1)), b"hello world!");
    assert_eq!(capacities(&packet), before);
}
