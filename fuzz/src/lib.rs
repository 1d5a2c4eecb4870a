//! Shared bodies of the fuzz targets: decode bytes through the registry and
//! every output format, and check the shape of the tree. A violated
//! invariant panics, which libFuzzer reports as a crash.

use std::io::Cursor;

use dissect_core::capture::CaptureReader;
use dissect_core::format::{self, TimeFormat, Timestamps};
use dissect_core::{linktype, FrameInfo, Packet, Registry, RenderOptions};

/// The link types the `pipeline` target picks from with its first byte
/// (the same table as dissect-protocols/tests/proptest.rs, which replays
/// saved inputs).
pub const LINKTYPES: [u32; 10] = [
    linktype::ETHERNET,
    linktype::NULL,
    linktype::LOOP,
    linktype::RAW,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::IPV4,
    linktype::IPV6,
    147,
    160,
];

/// Panics if a layer or field lies outside where it must.
pub fn check_tree(packet: &Packet) {
    let data_len = packet.data.len();
    let mut next_field = 0u32;
    let mut parent: Option<(usize, usize)> = None;
    for layer in &packet.layers {
        let start = layer.offset as usize;
        let end = start + layer.len as usize;
        assert!(end <= data_len, "layer {} past the data", layer.name);
        assert!(
            layer.header_len <= layer.len,
            "layer {}: header_len",
            layer.name
        );
        assert!(layer.len <= layer.reported_len, "layer {}: len", layer.name);
        if let Some((ps, pe)) = parent {
            assert!(
                layer.len == 0 || (start >= ps && end <= pe),
                "layer {} outside its parent",
                layer.name
            );
        }
        parent = Some((start, end));
        assert_eq!(
            layer.fields.start, next_field,
            "layer {}: fields",
            layer.name
        );
        assert!(layer.fields.end >= layer.fields.start);
        next_field = layer.fields.end;
        for field in packet.layer_fields(layer) {
            let fs = field.offset as usize;
            let fe = fs + field.len as usize;
            assert!(
                fs >= start && fe <= end,
                "field {} outside layer {}",
                field.def.abbrev,
                layer.name
            );
        }
    }
    assert_eq!(next_field as usize, packet.fields.len());
}

/// Every text format, at every verbosity.
pub fn render_all(registry: &Registry, packet: &Packet) {
    let mut out = String::new();
    for verbose in 0..=3 {
        for link_header in [false, true] {
            let options = RenderOptions {
                verbose,
                link_header,
                ..RenderOptions::default()
            };
            let mut time = Timestamps::new(TimeFormat::Time);
            format::summary(registry, packet, &options, &mut time, &mut out);
            out.clear();
        }
    }
    format::tree(registry, packet, None, &mut out);
    format::json(packet, None, &mut out);
    format::hex_dump(format::hex_payload(packet, true), &mut out);
}

/// A registry with every field built and one that builds only what the
/// one-line text needs (as the CLI does). Both see the same frames, so
/// per-capture state (TCP relative sequence numbers) stays in step.
pub struct Registries {
    pub full: Registry,
    pub summary: Registry,
}

impl Registries {
    pub fn new() -> Registries {
        let mut summary = dissect_protocols::registry();
        summary.set_fields(summary.line_fields());
        Registries {
            full: dissect_protocols::registry(),
            summary,
        }
    }
}

impl Default for Registries {
    fn default() -> Self {
        Self::new()
    }
}

/// Decodes `data` as one frame of `linktype` with wire length `len`.
pub fn decode(registries: &mut Registries, linktype: u32, data: &[u8], len: usize) {
    let frame = FrameInfo {
        number: 1,
        ts_sec: 0,
        ts_nsec: 0,
        caplen: data.len() as u32,
        len: len as u32,
        interface: 0,
        linktype,
    };
    decode_frame(registries, &frame, data);
}

/// Decodes one frame with both registries, checks both trees, renders
/// every format and compares the one-line text of the two.
pub fn decode_frame(registries: &mut Registries, frame: &FrameInfo, data: &[u8]) {
    let Registries { full, summary } = registries;
    let mut packet = Packet::new();
    full.dissect(frame, data, &mut packet);
    check_tree(&packet);
    render_all(full, &packet);

    // The summary-only decode (the CLI's one-line mode) must agree.
    let mut short = Packet::new();
    summary.dissect(frame, data, &mut short);
    check_tree(&short);
    assert_eq!(packet.layers.len(), short.layers.len(), "summary layers");
    for link_header in [false, true] {
        let options = RenderOptions {
            verbose: 0,
            link_header,
            ..RenderOptions::default()
        };
        let (mut full_line, mut short_line) = (String::new(), String::new());
        let _ = full.render(&packet, &options, &mut full_line);
        let _ = summary.render(&short, &options, &mut short_line);
        assert_eq!(full_line, short_line, "summary decode prints another line");
    }
}

/// One link type: the bytes as a whole frame, then as the captured start of
/// a longer one (a snaplen cut).
pub fn pipeline(linktype: u32, data: &[u8]) {
    let mut registries = Registries::new();
    decode(&mut registries, linktype, data, data.len());
    decode(&mut registries, linktype, data, data.len() + 100);
}

/// The first byte picks the link type, the second how many wire bytes the
/// capture cut off.
pub fn pipeline_any(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let linktype = LINKTYPES[usize::from(first) % LINKTYPES.len()];
    let mut registries = Registries::new();
    decode(&mut registries, linktype, rest, rest.len());
    if let Some((&cut, rest)) = rest.split_first() {
        decode(
            &mut registries,
            linktype,
            rest,
            rest.len() + usize::from(cut),
        );
    }
}

/// The bytes as a pcap or pcapng file: read every frame and decode it.
pub fn capture_file(data: &[u8]) {
    let Ok(mut reader) = CaptureReader::new(Box::new(Cursor::new(data.to_vec()))) else {
        return;
    };
    let mut registries = Registries::new();
    let mut frames = 0;
    while let Some(Ok((info, frame))) = reader.next_frame() {
        assert_eq!(
            frame.len(),
            info.caplen as usize,
            "caplen disagrees with the data"
        );
        decode_frame(&mut registries, &info, frame);
        frames += 1;
        if frames > 10_000 {
            break;
        }
    }
}
