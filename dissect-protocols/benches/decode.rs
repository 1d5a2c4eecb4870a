//! Decode throughput on a deterministic capture of a mixed LAN/Internet
//! traffic (TCP/HTTP/TLS, Telnet, NTP, ICMP, IPv6, some VLAN tags), made by
//! `scripts/gen-bench-pcap.py`.
//!
//! The benchmarks are in one group, all in packets per second, so their ratios
//! are read off one run (`scripts/bench-ratios.sh` prints them):
//! - `dissect_full`: `Registry::dissect` into a reused `Packet` (every field
//!   of every layer into the decode tree);
//! - `dissect_full_visit`: that decode, then every field's value read once
//!   (what a consumer of the whole tree, `-V` or JSON, pays before output);
//! - `etherparse_sliced`: etherparse's `SlicedPacket` on the same frames, the
//!   yardstick of a header-slicing parser that builds no tree;
//! - `dissect_layers`: every layer, only the fields the one-line text reads
//!   (the registry's `line_fields`, the CLI's default);
//! - `dissect_line`: that decode plus the tcpdump-style line into a reused
//!   `String`, i.e. what `dissect FILE` does per packet minus the I/O;
//! - `field_store_floor`: no decoding, only storing as many fields as
//!   `dissect_full` stores: the least any decoder of this tree must spend.
//!
//! Environment: `DISSECT_BENCH_PACKETS` (default 20000) sets the size of the
//! generated capture; `DISSECT_BENCH_PCAP=FILE` benches an existing classic
//! pcap instead.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dissect_core::capture::CaptureReader;
use dissect_core::field::FieldFlags;
use dissect_core::format::{self, TimeFormat, Timestamps};
use dissect_core::{linktype, Field, FrameInfo, Packet, RenderOptions, SourceId, Value};

const DEFAULT_PACKETS: usize = 20_000;

/// All frames of the capture, loaded once so the benchmarks measure decoding
/// and not file I/O.
struct Frames {
    info: Vec<FrameInfo>,
    /// Byte range of each frame in `bytes`.
    spans: Vec<(usize, usize)>,
    bytes: Vec<u8>,
}

impl Frames {
    fn len(&self) -> usize {
        self.info.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&FrameInfo, &[u8])> {
        self.info
            .iter()
            .zip(&self.spans)
            .map(|(info, &(start, end))| (info, &self.bytes[start..end]))
    }
}

/// The capture to bench: `DISSECT_BENCH_PCAP`, or one generated (once) into
/// cargo's scratch directory for benches.
fn capture_path() -> PathBuf {
    if let Ok(path) = std::env::var("DISSECT_BENCH_PCAP") {
        return PathBuf::from(path);
    }
    let packets = std::env::var("DISSECT_BENCH_PACKETS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PACKETS);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{packets}.pcap"));
    if !path.exists() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/gen-bench-pcap.py");
        // Write under a temporary name so an interrupted run leaves no
        // half-written capture behind.
        let partial = path.with_extension("pcap.partial");
        let status = Command::new("python3")
            .arg(&script)
            .arg(packets.to_string())
            .arg(&partial)
            .status()
            .expect("python3 is needed to generate the benchmark capture");
        assert!(status.success(), "{} failed", script.display());
        std::fs::rename(&partial, &path).expect("rename generated capture");
    }
    path
}

/// Splits a classic pcap file into frames. A few lines suffice here and keep
/// the benchmark independent of the capture reader under test elsewhere.
/// Loads every frame into memory through dissect's own capture reader, so
/// the benchmark times decoding only.
fn load_frames(path: &Path) -> Frames {
    let mut reader =
        CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut frames = Frames {
        info: Vec::new(),
        spans: Vec::new(),
        bytes: Vec::new(),
    };
    while let Some(item) = reader.next_frame() {
        let (info, data) = item.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let from = frames.bytes.len();
        frames.bytes.extend_from_slice(data);
        frames.info.push(info);
        frames.spans.push((from, frames.bytes.len()));
    }
    frames
}

fn etherparse_slice(link: u32, data: &[u8]) -> bool {
    use etherparse::SlicedPacket;
    match link {
        linktype::ETHERNET => black_box(SlicedPacket::from_ethernet(data)).is_ok(),
        linktype::RAW | linktype::IPV4 | linktype::IPV6 => {
            black_box(SlicedPacket::from_ip(data)).is_ok()
        }
        linktype::LINUX_SLL => black_box(SlicedPacket::from_linux_sll(data)).is_ok(),
        _ => false,
    }
}

fn bench_decode(c: &mut Criterion) {
    let path = capture_path();
    let frames = load_frames(&path);
    assert!(frames.len() > 0, "{}: no frames", path.display());
    let link = frames.info[0].linktype;
    eprintln!(
        "bench capture: {} ({} frames, {} bytes, linktype {link})",
        path.display(),
        frames.len(),
        frames.bytes.len()
    );

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(frames.len() as u64));
    // One iteration walks the whole capture: fewer, longer samples suffice.
    group.sample_size(20);

    let mut registry = dissect_protocols::registry();
    let mut packet = Packet::new();
    group.bench_function("dissect_full", |b| {
        b.iter(|| {
            let mut fields = 0;
            for (info, data) in frames.iter() {
                registry.dissect(info, data, &mut packet);
                fields += packet.fields.len();
            }
            black_box(fields)
        })
    });

    // What a consumer of the whole tree pays: the full decode, then every
    // field's value read once (a fold the optimiser cannot drop).
    group.bench_function("dissect_full_visit", |b| {
        b.iter(|| {
            let mut fold = 0u64;
            for (info, data) in frames.iter() {
                registry.dissect(info, data, &mut packet);
                for field in &packet.fields {
                    fold = fold.wrapping_add(visit(&field.value, field.bytes(&packet.data)));
                }
            }
            black_box(fold)
        })
    });

    // The floor of any decoder that stores every field: the same fields the
    // full decode stores (definition, offset, length, depth, taken from one
    // full decode beforehand), each with a value read from its first byte,
    // pushed into the tree with no decoding at all. When this floor is below
    // a target ratio, no eager decoder of this tree can meet the target.
    let mut shapes = Vec::new();
    let mut spans = Vec::with_capacity(frames.len());
    for (info, data) in frames.iter() {
        registry.dissect(info, data, &mut packet);
        let from = shapes.len();
        shapes.extend(
            packet
                .fields
                .iter()
                .map(|f| (f.def, f.offset, f.len, f.depth)),
        );
        spans.push(from..shapes.len());
    }
    let mut store = Packet::new();
    group.bench_function("field_store_floor", |b| {
        b.iter(|| {
            let mut fields = 0;
            for ((_, data), span) in frames.iter().zip(&spans) {
                store.fields.clear();
                for &(def, offset, len, depth) in &shapes[span.clone()] {
                    let first = data.get(offset as usize).copied().unwrap_or(0);
                    store.fields.push(Field {
                        def,
                        value: Value::U64(first.into()),
                        offset,
                        len,
                        depth,
                        flags: FieldFlags::default(),
                        source: SourceId::FRAME,
                    });
                }
                fields += black_box(&store.fields).len();
            }
            black_box(fields)
        })
    });

    group.bench_function("etherparse_sliced", |b| {
        b.iter(|| {
            let mut parsed = 0;
            for (_, data) in frames.iter() {
                parsed += usize::from(etherparse_slice(link, black_box(data)));
            }
            black_box(parsed)
        })
    });

    // The CLI's default mode: every layer, only the fields its line reads.
    let mut layers = dissect_protocols::registry();
    layers.set_fields(layers.line_fields());
    group.bench_function("dissect_layers", |b| {
        b.iter(|| {
            let mut count = 0;
            for (info, data) in frames.iter() {
                layers.dissect(info, data, &mut packet);
                count += packet.layers.len();
            }
            black_box(count)
        })
    });

    let options = RenderOptions::default();
    let mut line = String::new();
    let mut time = Timestamps::new(TimeFormat::Time);
    group.bench_function("dissect_line", |b| {
        b.iter(|| {
            let mut chars = 0;
            for (info, data) in frames.iter() {
                layers.dissect(info, data, &mut packet);
                line.clear();
                format::summary(&layers, &packet, &options, &mut time, &mut line);
                chars += line.len();
            }
            black_box(chars)
        })
    });
    group.finish();
}

/// A number from a field's value (and its bytes, for byte-string values),
/// so that visiting it is real work.
fn visit(value: &Value, bytes: &[u8]) -> u64 {
    match *value {
        Value::U64(v) => v,
        Value::I64(v) => v as u64,
        Value::F64(v) => v.to_bits(),
        Value::Bool(b) => b.into(),
        Value::Ether(m) => m[5].into(),
        Value::Ipv4(a) => u32::from_be_bytes(a).into(),
        Value::Ipv6(a) => a[15].into(),
        Value::Time(s, ns) => s as u64 ^ u64::from(ns),
        Value::Static(s) => s.len() as u64,
        Value::Bytes | Value::Str | Value::DnsName => bytes.first().copied().unwrap_or(0).into(),
        Value::None => 1,
    }
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
