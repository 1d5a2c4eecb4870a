//! Differential test against tshark: every field we emit whose name tshark
//! also has in the same frame must carry the same value.
//!
//! For every capture `X` in testdata/ with an `X.tshark.json` (made with
//! `TZ=UTC tshark -r X -T json`), each frame is decoded with the library and
//! compared with tshark's frame. tshark repeats keys inside one JSON object
//! (`ip.addr` twice), so its JSON is read with a visitor that keeps every
//! entry. Values are compared per field name as multisets, after
//! normalising: numbers compare as numbers (`0x0800` equals 2048), booleans
//! as 1/0, text and bytes case-insensitively.
//!
//! A mismatch fails the test unless `testdata/tshark-allowlist.tsv` lists it
//! (columns: field, capture glob, reason). Fields tshark lacks are ignored.
//! The pseudo-field `frame.count` stands for "we read as many frames as
//! tshark did". Run with `--nocapture` to see the per-protocol table.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use dissect_core::capture::CaptureReader;

mod common;
use common::{captures, testdata};
use dissect_core::{Packet, Value};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

// ---------------------------------------------------------------------------
// tshark's JSON, duplicate keys kept.

/// A JSON value with objects as ordered lists of entries, so repeated keys
/// survive.
#[derive(Debug)]
enum Node {
    Str(String),
    Obj(Vec<(String, Node)>),
    Arr(Vec<Node>),
    /// Numbers, booleans and null, as text (tshark writes strings only).
    Other(String),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Other(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Other(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Other(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Other(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Other(String::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            entries.push((key, value));
        }
        Ok(Node::Obj(entries))
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// (field name, value) for every leaf of one frame, in tshark's order:
/// protocol layers, `*_tree` subtrees and text labels are all walked into.
fn flatten(node: &Node, key: &str, out: &mut Vec<(String, String)>) {
    match node {
        Node::Str(v) | Node::Other(v) => out.push((key.to_string(), v.clone())),
        Node::Obj(entries) => {
            for (k, v) in entries {
                flatten(v, k, out);
            }
        }
        Node::Arr(items) => {
            for item in items {
                flatten(item, key, out);
            }
        }
    }
}

/// The flattened fields of each frame of a tshark JSON file.
fn tshark_frames(path: &Path) -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root: Node =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let Node::Arr(packets) = root else {
        panic!("{}: not a JSON array", path.display());
    };
    packets
        .iter()
        .map(|p| {
            let mut out = Vec::new();
            if let Some(layers) = p.get("_source").and_then(|s| s.get("layers")) {
                flatten(layers, "", &mut out);
            }
            out
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Our side.

/// One field value of ours: the text `Field::write_value` prints and the
/// number behind it, if it is one.
#[derive(Debug, Clone)]
struct Ours {
    text: String,
    int: Option<i128>,
    float: Option<f64>,
    /// How tshark writes the same value when it differs from our text
    /// (absolute times).
    tshark_text: Option<String>,
}

/// An absolute time as tshark's JSON writes it: `Nov  2, 2026 02:28:07.617174625 UTC`.
fn tshark_time(secs: i64, nanos: u32) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = dissect_core::field::civil_from_unix(secs);
    let month = MONTHS[(mo as usize + 11) % 12];
    format!("{month} {d:2}, {y} {h:02}:{mi:02}:{s:02}.{nanos:09} UTC")
}

fn our_fields(packet: &Packet) -> BTreeMap<&'static str, Vec<Ours>> {
    let mut out: BTreeMap<&'static str, Vec<Ours>> = BTreeMap::new();
    for field in &packet.fields {
        let (int, float) = match field.value {
            Value::None => continue,
            Value::U64(v) => (Some(i128::from(v)), None),
            Value::Bool(b) => (Some(i128::from(b)), None),
            Value::I64(v) => (Some(i128::from(v)), None),
            Value::F64(v) => (None, Some(v)),
            _ => (None, None),
        };
        let tshark_text = match field.value {
            Value::Time(secs, nanos) => Some(tshark_time(secs, nanos)),
            _ => None,
        };
        let mut text = String::new();
        let _ = field.write_value(&packet.data, &mut text);
        out.entry(field.def.abbrev).or_default().push(Ours {
            text,
            int,
            float,
            tshark_text,
        });
    }
    out
}

/// tshark's text as an integer: decimal, `-5`, or `0x` hex.
fn parse_int(s: &str) -> Option<i128> {
    if let Some(hex) = s.strip_prefix("0x") {
        return i128::from_str_radix(hex, 16).ok();
    }
    s.parse().ok()
}

/// Whether our value equals tshark's text, and whether it also printed the
/// same (a numeric match with another base is a format difference).
fn compare(ours: &Ours, theirs: &str) -> Option<bool> {
    if ours.text == theirs || ours.tshark_text.as_deref() == Some(theirs) {
        return Some(true);
    }
    let ours_text = match ours.text.as_str() {
        "True" => "1",
        "False" => "0",
        t => t,
    };
    if ours_text.eq_ignore_ascii_case(theirs) {
        return Some(ours_text == theirs);
    }
    // tshark's JSON holds control characters as themselves; our text
    // escapes them as `\xNN`.
    if !theirs.is_ascii() || theirs.bytes().any(|b| b < 0x20 || b == 0x7f) {
        let mut escaped = String::new();
        let _ = dissect_core::field::write_text(theirs.as_bytes(), &mut escaped);
        if ours.text == escaped {
            return Some(false);
        }
    }
    if let (Some(a), Some(b)) = (ours.int, parse_int(theirs)) {
        return (a == b).then_some(false);
    }
    if let (Some(a), Ok(b)) = (ours.float, theirs.parse::<f64>()) {
        let close = (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
        return close.then_some(false);
    }
    None
}

// ---------------------------------------------------------------------------
// The allowlist.

struct Allowed {
    field: String,
    capture: String,
    reason: String,
    used: std::cell::Cell<usize>,
}

fn allowlist() -> Vec<Allowed> {
    let path = testdata().join("tshark-allowlist.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || n == 0 && line.starts_with("field\t")
        {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(
            cols.len() == 3 && !cols[2].trim().is_empty(),
            "tshark-allowlist.tsv line {}: want field<TAB>capture glob<TAB>reason",
            n + 1
        );
        out.push(Allowed {
            field: cols[0].to_string(),
            capture: cols[1].to_string(),
            reason: cols[2].to_string(),
            used: std::cell::Cell::new(0),
        });
    }
    out
}

/// `*` matches any run of characters (slashes too), `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

fn allowed<'a>(list: &'a [Allowed], field: &str, capture: &str) -> Option<&'a Allowed> {
    let hit = list
        .iter()
        .find(|a| glob(&a.field, field) && glob(&a.capture, capture))?;
    hit.used.set(hit.used.get() + 1);
    Some(hit)
}

// ---------------------------------------------------------------------------

#[derive(Default)]
struct Counts {
    compared: usize,
    matched: usize,
    format_differs: usize,
    allowed: usize,
    mismatched: usize,
}

#[derive(Default)]
struct Report {
    per_protocol: BTreeMap<String, Counts>,
    /// (field, capture) -> (count, first example)
    failures: BTreeMap<(String, String), (usize, String)>,
    format_examples: BTreeMap<String, String>,
    frames: usize,
    /// Every field name tshark used, and every one we used (with a frame
    /// where tshark had the same protocol): names of ours that tshark never
    /// uses are likely misspelt.
    tshark_names: std::collections::BTreeSet<String>,
    our_names: BTreeMap<&'static str, String>,
}

/// At most 60 characters of a value, for messages.
fn short(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

fn protocol_of(field: &str) -> String {
    field.split('.').next().unwrap_or(field).to_string()
}

fn diff_capture(capture: &str, list: &[Allowed], report: &mut Report) {
    let root = testdata();
    let json = root.join(format!("{capture}.tshark.json"));
    if !json.exists() {
        return;
    }
    let theirs = tshark_frames(&json);
    let mut registry = dissect_protocols::registry();
    let mut packet = Packet::new();
    let mut frames = 0usize;
    let mut read_error = None;
    let mut reader = match CaptureReader::open(&root.join(capture)) {
        Ok(r) => Some(r),
        Err(e) => {
            read_error = Some(e.to_string());
            None
        }
    };
    while let Some(reader) = reader.as_mut() {
        let (info, data) = match reader.next_frame() {
            None => break,
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                read_error = Some(e.to_string());
                break;
            }
        };
        registry.dissect(&info, data, &mut packet);
        let Some(their_fields) = theirs.get(frames) else {
            frames += 1;
            continue;
        };
        frames += 1;
        report.frames += 1;
        compare_frame(capture, frames, &packet, their_fields, list, report);
    }
    if frames != theirs.len() {
        let detail = format!(
            "we read {frames} frames, tshark {} ({})",
            theirs.len(),
            read_error.as_deref().unwrap_or("no read error")
        );
        if allowed(list, "frame.count", capture).is_none() {
            report
                .failures
                .insert(("frame.count".into(), capture.into()), (1, detail));
        }
    }
}

fn compare_frame(
    capture: &str,
    number: usize,
    packet: &Packet,
    theirs: &[(String, String)],
    list: &[Allowed],
    report: &mut Report,
) {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in theirs {
        by_name.entry(k.as_str()).or_default().push(v.as_str());
        if !report.tshark_names.contains(k) {
            report.tshark_names.insert(k.clone());
        }
    }
    let their_protocols: Vec<&str> = by_name
        .get("frame.protocols")
        .and_then(|v| v.first())
        .map(|p| p.split(':').collect())
        .unwrap_or_default();
    for (name, values) in our_fields(packet) {
        let proto = protocol_of(name);
        if their_protocols.contains(&proto.as_str()) {
            report
                .our_names
                .entry(name)
                .or_insert_with(|| format!("{capture} frame {number}"));
        }
        let Some(their_values) = by_name.get(name) else {
            continue;
        };
        let mut unused: Vec<&str> = their_values.clone();
        let counts = report.per_protocol.entry(protocol_of(name)).or_default();
        for ours in &values {
            counts.compared += 1;
            // Prefer an exact textual match, then a numeric one.
            let exact = unused.iter().position(|t| compare(ours, t) == Some(true));
            let hit = exact.or_else(|| unused.iter().position(|t| compare(ours, t).is_some()));
            match hit {
                Some(i) => {
                    counts.matched += 1;
                    if exact.is_none() {
                        counts.format_differs += 1;
                        report
                            .format_examples
                            .entry(name.to_string())
                            .or_insert_with(|| {
                                format!(
                                    "{capture} frame {number}: ours {:?}, tshark {:?}",
                                    ours.text, unused[i]
                                )
                            });
                    }
                    unused.swap_remove(i);
                }
                None if allowed(list, name, capture).is_some() => counts.allowed += 1,
                None => {
                    counts.mismatched += 1;
                    let example = format!(
                        "frame {number}: ours {:?}, tshark {:?}",
                        short(&ours.text),
                        their_values.iter().map(|t| short(t)).collect::<Vec<_>>()
                    );
                    report
                        .failures
                        .entry((name.to_string(), capture.to_string()))
                        .or_insert((0, example))
                        .0 += 1;
                }
            }
        }
    }
}

#[test]
fn glob_matches() {
    assert!(glob("tcp.*", "tcp.flags.syn"));
    assert!(glob("zeek/*", "zeek/tcp/options.pcap"));
    assert!(glob("*", ""));
    assert!(glob("ip.?tl", "ip.ttl"));
    assert!(!glob("tcp.*", "udp.port"));
    assert!(!glob("a", "ab"));
}

#[test]
fn duplicate_keys_are_kept() {
    let node: Node = serde_json::from_str(
        r#"[{"_source":{"layers":{"ip":{"ip.addr":"1.2.3.4","ip.addr":"5.6.7.8",
            "ip.flags_tree":{"ip.flags.df":"1"}}}}}]"#,
    )
    .unwrap();
    let Node::Arr(packets) = node else { panic!() };
    let mut out = Vec::new();
    flatten(
        packets[0].get("_source").unwrap().get("layers").unwrap(),
        "",
        &mut out,
    );
    let pairs: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("ip.addr", "1.2.3.4"),
            ("ip.addr", "5.6.7.8"),
            ("ip.flags.df", "1")
        ]
    );
}

#[test]
fn normalised_comparison() {
    let num = |text: &str, v: i128| Ours {
        text: text.into(),
        int: Some(v),
        float: None,
        tshark_text: None,
    };
    assert_eq!(compare(&num("0x0800", 2048), "0x0800"), Some(true));
    assert_eq!(compare(&num("2048", 2048), "0x0800"), Some(false));
    assert_eq!(compare(&num("True", 1), "1"), Some(true));
    assert_eq!(compare(&num("64", 64), "63"), None);
    let text = Ours {
        text: "AA:bb".into(),
        int: None,
        float: None,
        tshark_text: None,
    };
    assert!(compare(&text, "aa:bb").is_some());
    let crlf = Ours {
        text: "ok\\x0d\\x0a".into(),
        int: None,
        float: None,
        tshark_text: None,
    };
    assert_eq!(compare(&crlf, "ok\r\n"), Some(false));
    assert_eq!(tshark_time(0, 5), "Jan  1, 1970 00:00:00.000000005 UTC");
    assert_eq!(
        tshark_time(1_795_314_487, 617_174_625),
        "Nov 22, 2026 02:28:07.617174625 UTC"
    );
}

#[test]
fn fields_agree_with_tshark() {
    let list = allowlist();
    let mut report = Report::default();
    let captures = captures();
    assert!(captures.len() > 10, "testdata/ has too few captures");
    for capture in &captures {
        diff_capture(capture, &list, &mut report);
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "tshark differential: {} frames of {} captures",
        report.frames,
        captures.len()
    );
    let _ = writeln!(
        table,
        "{:<10} {:>9} {:>9} {:>8} {:>8} {:>10}",
        "protocol", "compared", "matching", "format≠", "allowed", "mismatched"
    );
    let mut total = Counts::default();
    for (proto, c) in &report.per_protocol {
        let _ = writeln!(
            table,
            "{proto:<10} {:>9} {:>9} {:>8} {:>8} {:>10}",
            c.compared, c.matched, c.format_differs, c.allowed, c.mismatched
        );
        total.compared += c.compared;
        total.matched += c.matched;
        total.format_differs += c.format_differs;
        total.allowed += c.allowed;
        total.mismatched += c.mismatched;
    }
    let _ = writeln!(
        table,
        "{:<10} {:>9} {:>9} {:>8} {:>8} {:>10}",
        "TOTAL",
        total.compared,
        total.matched,
        total.format_differs,
        total.allowed,
        total.mismatched
    );
    if !report.format_examples.is_empty() {
        let _ = writeln!(table, "same value, other text (first example per field):");
        for (field, example) in &report.format_examples {
            let _ = writeln!(table, "  {field}: {example}");
        }
    }
    let unknown: Vec<String> = report
        .our_names
        .iter()
        .filter(|(name, _)| !report.tshark_names.contains(**name))
        .map(|(name, at)| format!("{name} (e.g. {at})"))
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            table,
            "{} field names of ours that tshark never used (misspelt, or tshark lacks them):",
            unknown.len()
        );
        for line in unknown {
            let _ = writeln!(table, "  {line}");
        }
    }
    for a in &list {
        if a.used.get() == 0 {
            let _ = writeln!(
                table,
                "allowlist entry no longer needed: {}\t{}\t{}",
                a.field, a.capture, a.reason
            );
        }
    }
    println!("{table}");

    if !report.failures.is_empty() {
        let mut msg = format!(
            "{} (field, capture) pairs disagree with tshark; fix the dissector or list them \
             in testdata/tshark-allowlist.tsv with a reason:\n",
            report.failures.len()
        );
        for ((field, capture), (count, example)) in &report.failures {
            let _ = writeln!(msg, "  {field}\t{capture}\t{count}x, {example}");
        }
        panic!("{msg}");
    }
    assert!(
        total.compared > 0,
        "no field was compared: does the capture reader or registry work?"
    );
}
