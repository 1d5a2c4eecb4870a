//! dissect as a library: read a capture, decode each frame into the tree,
//! read fields by their Wireshark names, use a typed view, and add a
//! dissector of your own with one call.
//!
//! ```text
//! cargo run -p dissect-protocols --example library -- testdata/real/telnet-busybox.pcap
//! ```
//!
//! `cargo test` runs the `#[test]` at the bottom on a bundled capture, so
//! this example (quoted in the README) keeps compiling and working.

use std::fmt::Write;
use std::net::Ipv4Addr;
use std::path::Path;

use dissect_core::capture::CaptureReader;
use dissect_core::format::{self, TimeFormat, Timestamps};
use dissect_core::{
    Context, Dissector, FieldDef, FieldType, Handoff, Packet, Render, RenderOptions, Table, Value,
};
use dissect_protocols::ip::v4::Ipv4;

/// A toy protocol on TCP port 23: counts the payload bytes of each segment.
/// Fields are `static`s named like Wireshark's (`proto.field`).
/// Each dissector lists its fields once, for the registry's catalogue.
static KEYS_LEN: FieldDef = FieldDef::new("keys.len", "Payload bytes", FieldType::Uint(32));
static KEYS_FIELDS: &[&FieldDef] = &[&KEYS_LEN];

struct KeyCounter;

impl Dissector for KeyCounter {
    fn name(&self) -> &'static str {
        "keys"
    }
    fn full_name(&self) -> &'static str {
        "Keystroke counter"
    }
    fn fields(&self) -> &'static [&'static FieldDef] {
        KEYS_FIELDS
    }
    // Its line reads the field, so a lines-only run still builds it.
    fn line_fields(&self) -> &'static [&'static FieldDef] {
        KEYS_FIELDS
    }
    // `data` is this layer's captured bytes; field ranges are relative to it.
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        cx.add(&KEYS_LEN, 0..data.len(), Value::U64(data.len() as u64));
        Handoff::done(data.len())
    }
    // Its part of the tcpdump-style line.
    fn render(&self, r: &mut Render<'_>) -> std::fmt::Result {
        let n = r.u64(&KEYS_LEN).unwrap_or(0);
        write!(r, " [keys: {n}]")
    }
}

/// What the example found, so the test can check it.
#[derive(Debug, Default)]
struct Summary {
    frames: u64,
    ipv4: u64,
    keys_layers: u64,
    keys_rendered: u64,
    syns: u64,
}

fn run(path: &Path, print: bool) -> Result<Summary, Box<dyn std::error::Error>> {
    // Every built-in dissector, then ours for TCP port 23 in one call.
    // (`register_heuristic(Table::TCP_PORT, ...)` would instead ask
    // `Dissector::probe` about payloads that no port claimed.)
    let mut registry = dissect_protocols::registry();
    registry.register(Table::TCP_PORT, 23, KeyCounter)?;
    // Build only what this program reads: the line's fields, plus the SYN
    // flag it counts (a name the catalogue does not know is an error here,
    // naming the closest ones, not a silent `None` later).
    registry.set_fields(registry.line_fields());
    let syn = registry.field("tcp.flags.syn")?;
    registry.request(syn);

    let mut reader = CaptureReader::open(path)?;
    let mut packet = Packet::new(); // reused: no allocation per packet
    let mut line = String::new();
    let mut time = Timestamps::new(TimeFormat::Time);
    let mut summary = Summary::default();
    while let Some(frame) = reader.next_frame() {
        let (info, data) = frame?;
        registry.dissect(&info, data, &mut packet);
        summary.frames += 1;

        // 1. Fields by name, from the decode tree.
        if let Some(Value::Ipv4(src)) = packet.field("ip.src").map(|f| f.value) {
            summary.ipv4 += 1;
            // 2. The same header through the typed zero-copy view.
            if let Some(layer) = packet.layer("ip") {
                let ip = Ipv4::parse(layer.bytes(&packet.data))?;
                assert_eq!(ip.src(), src);
                if print {
                    println!(
                        "#{} {} -> {} ttl {}",
                        info.number,
                        Ipv4Addr::from(src),
                        Ipv4Addr::from(ip.dst()),
                        ip.ttl()
                    );
                }
            }
        }
        summary.keys_layers += u64::from(packet.layer("keys").is_some());
        // 3. Every occurrence of a requested field (an unrequested one is
        // an error, `NotRequested`).
        summary.syns += packet
            .values(syn)?
            .filter(|f| f.value == Value::Bool(true))
            .count() as u64;

        // 4. The tcpdump-style line, as the CLI prints it.
        line.clear();
        format::summary(
            &registry,
            &packet,
            &RenderOptions::default(),
            &mut time,
            &mut line,
        );
        summary.keys_rendered += u64::from(line.contains("[keys: "));
        if print {
            print!("    {line}");
        }
    }
    Ok(summary)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/real/telnet-busybox.pcap".to_string());
    let summary = run(Path::new(&path), true)?;
    println!("{summary:?}");
    Ok(())
}

#[test]
fn decodes_the_bundled_telnet_capture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/real/telnet-busybox.pcap");
    let summary = run(&path, false).expect("the bundled capture decodes");
    assert_eq!(summary.frames, 50);
    assert_eq!(summary.ipv4, 50);
    // tshark -Y tcp.flags.syn==1 shows frames 1 and 2.
    assert_eq!(summary.syns, 2);
    // Our dissector got the segments that carry a payload, and printed its
    // part of their lines.
    assert!(summary.keys_layers > 0, "{summary:?}");
    assert_eq!(summary.keys_rendered, summary.keys_layers);
}
