//! Property tests over the whole pipeline (registry + every built-in
//! dissector + the output formats):
//!
//! - arbitrary bytes under every supported link type (and unknown ones),
//!   whole or cut by a snaplen, never panic and give a well-formed tree:
//!   every layer lies inside the packet and inside its parent, every field
//!   inside its layer;
//! - well-formed Ethernet/IPv4/TCP, Ethernet/IPv4/UDP and Ethernet/IPv6/UDP
//!   packets with random header values read those values back;
//! - the summary-only decode the CLI uses for one-line output gives the
//!   same layers and the same line as the full decode, on all of the above;
//! - the inputs in testdata/regress/ (saved fuzz crashes) decode cleanly.

use std::path::Path;

use dissect_core::capture::CaptureReader;
use dissect_core::format::{self, TimeFormat, Timestamps};
use dissect_core::{linktype, FrameInfo, Packet, RenderOptions, Value};
use proptest::prelude::*;

/// Link types the built-in dissectors claim, then ones nobody claims.
const LINKTYPES: [u32; 10] = [
    linktype::ETHERNET,
    linktype::NULL,
    linktype::LOOP,
    linktype::RAW,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::IPV4,
    linktype::IPV6,
    147, // LINKTYPE_USER0
    160,
];

fn frame(linktype: u32, caplen: usize, len: usize) -> FrameInfo {
    FrameInfo {
        number: 1,
        ts_sec: 1_700_000_000,
        ts_nsec: 123_456_789,
        caplen: caplen as u32,
        len: len as u32,
        interface: 0,
        linktype,
    }
}

/// Checks the shape of a decoded packet; returns a description of the
/// first violation.
fn check_tree(packet: &Packet) -> Result<(), String> {
    let data_len = packet.data.len();
    let mut next_field = 0u32;
    let mut parent: Option<(usize, usize)> = None;
    for (i, layer) in packet.layers.iter().enumerate() {
        let start = layer.offset as usize;
        let end = start + layer.len as usize;
        if end > data_len {
            return Err(format!(
                "layer {i} {} ends at {end} > {data_len}",
                layer.name
            ));
        }
        if layer.header_len > layer.len {
            return Err(format!("layer {i} {}: header_len > len", layer.name));
        }
        if layer.len > layer.reported_len {
            return Err(format!("layer {i} {}: len > reported_len", layer.name));
        }
        // A layer lies within the one before it (an empty layer after a cut
        // header may sit at the end of the data).
        if let Some((ps, pe)) = parent {
            if layer.len > 0 && (start < ps || end > pe) {
                return Err(format!(
                    "layer {i} {} {start}..{end} outside its parent {ps}..{pe}",
                    layer.name
                ));
            }
        }
        parent = Some((start, end));
        // Field ranges of consecutive layers tile the field list.
        if layer.fields.start != next_field || layer.fields.end < layer.fields.start {
            return Err(format!(
                "layer {i} {}: field range {:?}",
                layer.name, layer.fields
            ));
        }
        next_field = layer.fields.end;
        let fields = packet
            .fields
            .get(layer.fields.start as usize..layer.fields.end as usize)
            .ok_or_else(|| format!("layer {i}: field range past the field list"))?;
        for field in fields {
            let fs = field.offset as usize;
            let fe = fs + field.len as usize;
            if fs < start || fe > end {
                return Err(format!(
                    "field {} {fs}..{fe} outside layer {i} {} {start}..{end}",
                    field.def.abbrev, layer.name
                ));
            }
            let mut text = String::new();
            field
                .write_value(&packet.data, &mut text)
                .map_err(|_| format!("field {}: write_value failed", field.def.abbrev))?;
        }
    }
    if next_field as usize != packet.fields.len() {
        return Err(format!(
            "{} fields but the layers cover {next_field}",
            packet.fields.len()
        ));
    }
    Ok(())
}

/// Runs every output format over the packet (each must not panic).
fn render_all(registry: &dissect_core::Registry, packet: &Packet) {
    let mut out = String::new();
    let mut time = Timestamps::new(TimeFormat::Time);
    for verbose in 0..=3 {
        for link_header in [false, true] {
            let options = RenderOptions {
                verbose,
                link_header,
                ..RenderOptions::default()
            };
            format::summary(registry, packet, &options, &mut time, &mut out);
        }
    }
    format::tree(registry, packet, None, &mut out);
    format::json(packet, None, &mut out);
    format::hex_dump(format::hex_payload(packet, true), &mut out);
}

/// Decodes one frame with every field built, checks and renders it, and
/// checks that the summary-only decode (what the CLI uses for one-line
/// output) has the same layers and prints the same line.
/// The CLI splits a file across threads by `conversation::key`: a TCP or
/// UDP layer (state is kept for them) must get the key of the IP header
/// right before it, whatever encapsulates that header.
fn check_conversation_key(linktype: u32, packet: &Packet) -> Result<(), String> {
    let key = dissect_protocols::conversation::key(linktype, &packet.data);
    let layers = &packet.layers;
    for (i, layer) in layers.iter().enumerate().skip(1) {
        let quoted = layers[..i].iter().any(|l| l.name.starts_with("icmp"));
        let ip = &layers[i - 1];
        if quoted || !matches!(layer.name, "tcp" | "udp") || !matches!(ip.name, "ip" | "ipv6") {
            continue;
        }
        let header = &packet.data[ip.offset as usize..];
        let own = dissect_protocols::conversation::key(linktype::RAW, header);
        if own != key {
            return Err(format!(
                "{}: conversation key of the frame is not that of its IP header",
                layer.name
            ));
        }
    }
    Ok(())
}

fn decode(linktype: u32, data: &[u8], len: usize) -> Result<Packet, String> {
    let info = frame(linktype, data.len(), len);
    let mut registry = dissect_protocols::registry();
    let mut packet = Packet::new();
    registry.dissect(&info, data, &mut packet);
    check_tree(&packet)?;
    render_all(&registry, &packet);
    check_conversation_key(linktype, &packet)?;

    let mut summary = dissect_protocols::registry();
    summary.set_fields(summary.line_fields());
    let mut short = Packet::new();
    summary.dissect(&info, data, &mut short);
    check_tree(&short)?;
    let shape = |p: &Packet| {
        p.layers
            .iter()
            .map(|l| (l.name, l.offset, l.len, l.header_len, l.status))
            .collect::<Vec<_>>()
    };
    if shape(&packet) != shape(&short) {
        return Err(format!(
            "summary decode has other layers: {:?} vs {:?}",
            shape(&packet),
            shape(&short)
        ));
    }
    for link_header in [false, true] {
        let options = RenderOptions {
            verbose: 0,
            link_header,
            ..RenderOptions::default()
        };
        let (mut full_line, mut short_line) = (String::new(), String::new());
        let _ = registry.render(&packet, &options, &mut full_line);
        let _ = summary.render(&short, &options, &mut short_line);
        if full_line != short_line {
            return Err(format!(
                "summary decode prints {short_line:?}, full decode {full_line:?}"
            ));
        }
    }
    Ok(packet)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_decode_cleanly(
        lt in 0..LINKTYPES.len(),
        data in proptest::collection::vec(any::<u8>(), 0..2000),
        cut in 0usize..3000,
    ) {
        let linktype = LINKTYPES[lt];
        // Whole frame, then the same bytes as the start of a longer frame
        // (caplen < len, as a snaplen leaves it).
        decode(linktype, &data, data.len()).map_err(TestCaseError::fail)?;
        decode(linktype, &data, data.len() + cut).map_err(TestCaseError::fail)?;
        // A record may also claim fewer wire bytes than it holds (a broken
        // writer): the frame's len is then below its caplen.
        decode(linktype, &data, data.len().saturating_sub(cut)).map_err(TestCaseError::fail)?;
    }

    /// Bytes that start like a real header are more interesting: the
    /// dissectors then go past their first length check.
    #[test]
    fn mutated_headers_decode_cleanly(
        lt in 0..8usize,
        tail in proptest::collection::vec(any::<u8>(), 0..200),
        flips in proptest::collection::vec((0usize..120, any::<u8>()), 0..8),
        cut in 0usize..100,
    ) {
        let (linktype, mut data) = match lt {
            0 => (linktype::ETHERNET, eth_ipv4(&Ipv4Case::default(), true)),
            1 => (linktype::ETHERNET, eth_ipv4(&Ipv4Case::default(), false)),
            2 => (linktype::ETHERNET, eth_ipv6_udp(&Ipv6Case::default())),
            3 => (linktype::RAW, eth_ipv4(&Ipv4Case::default(), true)[14..].to_vec()),
            4 => (linktype::IPV6, eth_ipv6_udp(&Ipv6Case::default())[14..].to_vec()),
            5 => (linktype::NULL, [&[2u8, 0, 0, 0][..], &eth_ipv4(&Ipv4Case::default(), false)[14..]].concat()),
            6 => (linktype::LINUX_SLL, [&[0u8, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0][..], &eth_ipv4(&Ipv4Case::default(), true)[14..]].concat()),
            _ => (linktype::LINUX_SLL2, [&[0x86u8, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0][..], &eth_ipv6_udp(&Ipv6Case::default())[14..]].concat()),
        };
        for (at, byte) in flips {
            if let Some(b) = data.get_mut(at) {
                *b = byte;
            }
        }
        data.extend_from_slice(&tail);
        decode(linktype, &data, data.len()).map_err(TestCaseError::fail)?;
        let short = data.len().saturating_sub(cut);
        decode(linktype, &data[..short], data.len()).map_err(TestCaseError::fail)?;
    }
}

/// Ethernet + IPv4 (with `ip_options`) + TCP (with `tcp_options`): both
/// option lists are random bytes, padded to whole words, and the header
/// lengths cover them, so the option parsers see every kind and length.
fn with_options(ip_options: &[u8], tcp_options: &[u8], payload: &[u8]) -> Vec<u8> {
    let pad = |o: &[u8]| {
        let mut o = o.to_vec();
        o.resize(o.len().div_ceil(4) * 4, 0);
        o
    };
    let (ip_options, tcp_options) = (pad(ip_options), pad(tcp_options));
    let mut tcp = vec![0x30, 0x39, 0x00, 0x17, 0, 0, 0, 1, 0, 0, 0, 0];
    tcp.push(((5 + tcp_options.len() / 4) as u8) << 4);
    tcp.extend([0x18, 0x01, 0x00, 0, 0, 0, 0]);
    tcp.extend(&tcp_options);
    tcp.extend(payload);
    let ihl = 5 + ip_options.len() / 4;
    let total = (ihl * 4 + tcp.len()) as u16;
    let mut frame = Vec::new();
    frame.extend(ETH_DST);
    frame.extend(ETH_SRC);
    frame.extend([0x08, 0x00, 0x40 | ihl as u8, 0]);
    frame.extend(total.to_be_bytes());
    frame.extend([0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    frame.extend(&ip_options);
    frame.extend(tcp);
    frame
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_options_decode_cleanly(
        ip_options in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(1), Just(7), Just(68), Just(131), Just(137), Just(148), any::<u8>()],
            0..=40,
        ),
        tcp_options in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(1), Just(2), Just(3), Just(4), Just(5), Just(8), Just(30), Just(34), any::<u8>()],
            0..=40,
        ),
        payload in proptest::collection::vec(any::<u8>(), 0..40),
        cut in 0usize..60,
    ) {
        let bytes = with_options(&ip_options, &tcp_options, &payload);
        decode(linktype::ETHERNET, &bytes, bytes.len()).map_err(TestCaseError::fail)?;
        let short = bytes.len().saturating_sub(cut);
        decode(linktype::ETHERNET, &bytes[..short], bytes.len()).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------
// Structured packets.

#[derive(Debug, Clone, Default)]
struct Ipv4Case {
    src: [u8; 4],
    dst: [u8; 4],
    ttl: u8,
    id: u16,
    sport: u16,
    dport: u16,
    seq: u32,
    window: u16,
    payload: Vec<u8>,
}

fn arb_ipv4() -> impl Strategy<Value = Ipv4Case> {
    (
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        1u8..=255,
        any::<u16>(),
        1u16..=65535,
        1u16..=65535,
        any::<u32>(),
        any::<u16>(),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(src, dst, ttl, id, sport, dport, seq, window, payload)| Ipv4Case {
                src,
                dst,
                ttl,
                id,
                sport,
                dport,
                seq,
                window,
                payload,
            },
        )
}

#[derive(Debug, Clone, Default)]
struct Ipv6Case {
    src: [u8; 16],
    dst: [u8; 16],
    hlim: u8,
    sport: u16,
    dport: u16,
    payload: Vec<u8>,
}

fn arb_ipv6() -> impl Strategy<Value = Ipv6Case> {
    (
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
        any::<u8>(),
        1u16..=65535,
        1u16..=65535,
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(src, dst, hlim, sport, dport, payload)| Ipv6Case {
            src,
            dst,
            hlim,
            sport,
            dport,
            payload,
        })
}

/// The Internet checksum of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for chunk in data.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

const ETH_SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 1];
const ETH_DST: [u8; 6] = [0x02, 0, 0, 0, 0, 2];

/// Ethernet + IPv4 + (TCP or UDP) + payload, lengths and checksums right.
fn eth_ipv4(c: &Ipv4Case, tcp: bool) -> Vec<u8> {
    let mut l4 = Vec::new();
    l4.extend(c.sport.to_be_bytes());
    l4.extend(c.dport.to_be_bytes());
    let proto = if tcp {
        l4.extend(c.seq.to_be_bytes());
        l4.extend(0u32.to_be_bytes()); // ack
        l4.extend([0x50, 0x02]); // data offset 5, SYN
        l4.extend(c.window.to_be_bytes());
        l4.extend([0, 0, 0, 0]); // checksum, urgent pointer
        6
    } else {
        l4.extend((8 + c.payload.len() as u16).to_be_bytes());
        l4.extend([0, 0]);
        17
    };
    l4.extend(&c.payload);
    let mut pseudo = Vec::new();
    pseudo.extend(c.src);
    pseudo.extend(c.dst);
    pseudo.extend([0, proto]);
    pseudo.extend((l4.len() as u16).to_be_bytes());
    pseudo.extend(&l4);
    let sum = checksum(&pseudo);
    let at = if tcp { 16 } else { 6 };
    l4[at..at + 2].copy_from_slice(&sum.to_be_bytes());

    let mut ip = vec![0x45, 0];
    ip.extend((20 + l4.len() as u16).to_be_bytes());
    ip.extend(c.id.to_be_bytes());
    ip.extend([0x40, 0, c.ttl, proto, 0, 0]);
    ip.extend(c.src);
    ip.extend(c.dst);
    let sum = checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());

    let mut frame = Vec::new();
    frame.extend(ETH_DST);
    frame.extend(ETH_SRC);
    frame.extend([0x08, 0x00]);
    frame.extend(ip);
    frame.extend(l4);
    frame
}

/// Ethernet + IPv6 + UDP + payload.
fn eth_ipv6_udp(c: &Ipv6Case) -> Vec<u8> {
    let udp_len = 8 + c.payload.len() as u16;
    let mut udp = Vec::new();
    udp.extend(c.sport.to_be_bytes());
    udp.extend(c.dport.to_be_bytes());
    udp.extend(udp_len.to_be_bytes());
    udp.extend([0, 0]);
    udp.extend(&c.payload);
    let mut pseudo = Vec::new();
    pseudo.extend(c.src);
    pseudo.extend(c.dst);
    pseudo.extend(u32::from(udp_len).to_be_bytes());
    pseudo.extend([0, 0, 0, 17]);
    pseudo.extend(&udp);
    let sum = match checksum(&pseudo) {
        0 => 0xffff,
        s => s,
    };
    udp[6..8].copy_from_slice(&sum.to_be_bytes());

    let mut frame = Vec::new();
    frame.extend(ETH_DST);
    frame.extend(ETH_SRC);
    frame.extend([0x86, 0xdd]);
    frame.extend([0x60, 0, 0, 0]);
    frame.extend(udp_len.to_be_bytes());
    frame.extend([17, c.hlim]);
    frame.extend(c.src);
    frame.extend(c.dst);
    frame.extend(udp);
    frame
}

/// The value of the first field named `abbrev` (panics when missing, so a
/// renamed field shows up here).
fn value(packet: &Packet, abbrev: &str) -> Value {
    match packet.field(abbrev) {
        Some(f) => f.value,
        None => panic!(
            "no field {abbrev}; fields: {:?}",
            packet
                .fields
                .iter()
                .map(|f| f.def.abbrev)
                .collect::<Vec<_>>()
        ),
    }
}

fn uint(packet: &Packet, abbrev: &str) -> u64 {
    value(packet, abbrev)
        .as_u64()
        .unwrap_or_else(|| panic!("{abbrev} is not a number"))
}

fn layer_names(packet: &Packet) -> Vec<&'static str> {
    packet.layers.iter().map(|l| l.name).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn ipv4_tcp_fields_read_back(c in arb_ipv4()) {
        let bytes = eth_ipv4(&c, true);
        let packet = decode(linktype::ETHERNET, &bytes, bytes.len()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&layer_names(&packet)[..3], &["eth", "ip", "tcp"]);
        prop_assert!(packet.layers.iter().all(|l| l.status.is_ok()), "{:?}", packet.layers);
        prop_assert_eq!(value(&packet, "eth.src"), Value::Ether(ETH_SRC));
        prop_assert_eq!(value(&packet, "ip.src"), Value::Ipv4(c.src));
        prop_assert_eq!(value(&packet, "ip.dst"), Value::Ipv4(c.dst));
        prop_assert_eq!(uint(&packet, "ip.ttl"), u64::from(c.ttl));
        prop_assert_eq!(uint(&packet, "ip.id"), u64::from(c.id));
        prop_assert_eq!(uint(&packet, "ip.proto"), 6);
        prop_assert_eq!(uint(&packet, "ip.len"), bytes.len() as u64 - 14);
        prop_assert_eq!(uint(&packet, "tcp.srcport"), u64::from(c.sport));
        prop_assert_eq!(uint(&packet, "tcp.dstport"), u64::from(c.dport));
        prop_assert_eq!(uint(&packet, "tcp.window_size_value"), u64::from(c.window));
        prop_assert_eq!(uint(&packet, "tcp.flags.syn"), 1);
        prop_assert_eq!(uint(&packet, "tcp.flags.ack"), 0);
        prop_assert_eq!(uint(&packet, "tcp.hdr_len"), 20);
    }

    #[test]
    fn ipv4_udp_fields_read_back(c in arb_ipv4()) {
        let bytes = eth_ipv4(&c, false);
        let packet = decode(linktype::ETHERNET, &bytes, bytes.len()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&layer_names(&packet)[..3], &["eth", "ip", "udp"]);
        prop_assert!(packet.layers[..3].iter().all(|l| l.status.is_ok()), "{:?}", packet.layers);
        prop_assert_eq!(value(&packet, "ip.src"), Value::Ipv4(c.src));
        prop_assert_eq!(uint(&packet, "ip.ttl"), u64::from(c.ttl));
        prop_assert_eq!(uint(&packet, "udp.srcport"), u64::from(c.sport));
        prop_assert_eq!(uint(&packet, "udp.dstport"), u64::from(c.dport));
        prop_assert_eq!(uint(&packet, "udp.length"), 8 + c.payload.len() as u64);
    }

    #[test]
    fn ipv6_udp_fields_read_back(c in arb_ipv6()) {
        let bytes = eth_ipv6_udp(&c);
        let packet = decode(linktype::ETHERNET, &bytes, bytes.len()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&layer_names(&packet)[..3], &["eth", "ipv6", "udp"]);
        prop_assert!(packet.layers[..3].iter().all(|l| l.status.is_ok()), "{:?}", packet.layers);
        prop_assert_eq!(value(&packet, "ipv6.src"), Value::Ipv6(c.src));
        prop_assert_eq!(value(&packet, "ipv6.dst"), Value::Ipv6(c.dst));
        prop_assert_eq!(uint(&packet, "ipv6.hlim"), u64::from(c.hlim));
        prop_assert_eq!(uint(&packet, "ipv6.plen"), 8 + c.payload.len() as u64);
        prop_assert_eq!(uint(&packet, "udp.srcport"), u64::from(c.sport));
        prop_assert_eq!(uint(&packet, "udp.dstport"), u64::from(c.dport));
    }
}

// ---------------------------------------------------------------------------
// Saved fuzz inputs.

/// The fuzz targets' link types, by the name in the input's file name
/// (`pipeline_ethernet-<hash>`); `pipeline-` inputs pick theirs with the
/// first byte, as fuzz/src/lib.rs does.
fn regress_linktype(name: &str) -> Option<u32> {
    let target = name.split('-').next()?;
    Some(match target {
        "pipeline_ethernet" => linktype::ETHERNET,
        "pipeline_sll" => linktype::LINUX_SLL,
        "pipeline_sll2" => linktype::LINUX_SLL2,
        "pipeline_null" => linktype::NULL,
        "pipeline_raw" => linktype::RAW,
        "pipeline_ipv4" => linktype::IPV4,
        "pipeline_ipv6" => linktype::IPV6,
        _ => return None,
    })
}

#[test]
fn regress_inputs_decode_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/regress");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if name.starts_with("capture_reader") {
            let Ok(mut reader) = CaptureReader::new(Box::new(std::io::Cursor::new(bytes))) else {
                continue;
            };
            let mut registry = dissect_protocols::registry();
            let mut packet = Packet::new();
            while let Some(Ok((info, data))) = reader.next_frame() {
                registry.dissect(&info, data, &mut packet);
                check_tree(&packet).unwrap_or_else(|e| panic!("{name}: {e}"));
                render_all(&registry, &packet);
            }
        } else if name.starts_with("pipeline-") {
            let (&first, rest) = bytes.split_first().unwrap_or((&0, &[]));
            let linktype = LINKTYPES[usize::from(first) % LINKTYPES.len()];
            decode(linktype, rest, rest.len()).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Some((&cut, frame)) = rest.split_first() {
                decode(linktype, frame, frame.len() + usize::from(cut))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        } else if let Some(linktype) = regress_linktype(&name) {
            decode(linktype, &bytes, bytes.len()).unwrap_or_else(|e| panic!("{name}: {e}"));
            decode(linktype, &bytes, bytes.len() + 100).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn builders_make_valid_checksums() {
    // A header with its checksum filled in sums to zero.
    let bytes = eth_ipv4(&Ipv4Case::default(), true);
    assert_eq!(checksum(&bytes[14..34]), 0);
    assert_eq!(bytes.len(), 14 + 20 + 20);
}
