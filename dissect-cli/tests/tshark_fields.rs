//! `-T fields` against tshark, byte for byte.
//!
//! For every capture `X` with an `X.tshark-fields.tsv` (made by
//! `testdata/make-fields-oracles.py`: `TZ=GMT0 tshark -r X -T fields
//! -E occurrence=a -e NAME ...` over the names in
//! `testdata/fields/FIELDS.txt`), the binary runs with the same names and
//! options and its output is compared line by line, field by field.
//!
//! A differing field fails the test unless `testdata/tshark-fields-allowlist.tsv`
//! lists it (columns: field glob, capture glob, reason); an entry that no
//! longer matches anything fails too, so the list only shrinks. The
//! pseudo-field `(lines)` stands for "as many lines as tshark". Run with
//! `--nocapture` for the agreement figure and the per-field table.

use std::collections::BTreeMap;
use std::process::Command;

#[path = "../../dissect-protocols/tests/common/mod.rs"]
mod common;
use common::{captures, testdata};

struct Allowed {
    field: String,
    capture: String,
    used: std::cell::Cell<usize>,
}

fn allowlist() -> Vec<Allowed> {
    let path = testdata().join("tshark-fields-allowlist.tsv");
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
            "tshark-fields-allowlist.tsv line {}: want field<TAB>capture glob<TAB>reason",
            n + 1
        );
        out.push(Allowed {
            field: cols[0].to_string(),
            capture: cols[1].to_string(),
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

fn allowed(list: &[Allowed], field: &str, capture: &str) -> bool {
    match list
        .iter()
        .find(|a| glob(&a.field, field) && glob(&a.capture, capture))
    {
        Some(hit) => {
            hit.used.set(hit.used.get() + 1);
            true
        }
        None => false,
    }
}

#[derive(Default)]
struct Counts {
    equal: usize,
    allowed: usize,
    failed: usize,
}

#[test]
fn fields_output_equals_tshark() {
    let root = testdata();
    let names: Vec<String> = std::fs::read_to_string(root.join("fields/FIELDS.txt"))
        .expect("testdata/fields/FIELDS.txt")
        .lines()
        .map(str::to_string)
        .collect();
    let list = allowlist();
    let mut per_field: BTreeMap<String, Counts> = BTreeMap::new();
    // (field, capture) -> (count, first example)
    let mut failures: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    let mut compared_captures = 0;
    for capture in captures() {
        let oracle = root.join(format!("{capture}.tshark-fields.tsv"));
        let Ok(theirs) = std::fs::read(&oracle) else {
            continue;
        };
        compared_captures += 1;
        let mut command = Command::new(env!("CARGO_BIN_EXE_dissect"));
        command
            .env("TZ", "GMT0")
            .args(["-T", "fields", "-E", "occurrence=a"]);
        for name in &names {
            command.args(["-e", name]);
        }
        let output = command.arg(root.join(&capture)).output().unwrap();
        let ours = String::from_utf8_lossy(&output.stdout);
        let theirs = String::from_utf8_lossy(&theirs);
        let (ours, theirs): (Vec<&str>, Vec<&str>) =
            (ours.lines().collect(), theirs.lines().collect());
        if ours.len() != theirs.len() && !allowed(&list, "(lines)", &capture) {
            failures.insert(
                ("(lines)".into(), capture.clone()),
                (
                    1,
                    format!("we print {} lines, tshark {}", ours.len(), theirs.len()),
                ),
            );
        }
        for (line, (our_line, their_line)) in ours.iter().zip(&theirs).enumerate() {
            let our_cols: Vec<&str> = our_line.split('\t').collect();
            let their_cols: Vec<&str> = their_line.split('\t').collect();
            for (i, name) in names.iter().enumerate() {
                let (a, b) = (
                    our_cols.get(i).copied().unwrap_or(""),
                    their_cols.get(i).copied().unwrap_or(""),
                );
                let counts = per_field.entry(name.clone()).or_default();
                if a == b {
                    counts.equal += 1;
                } else if allowed(&list, name, &capture) {
                    counts.allowed += 1;
                } else {
                    counts.failed += 1;
                    let example = format!("line {}: ours {a:?}, tshark {b:?}", line + 1);
                    failures
                        .entry((name.clone(), capture.clone()))
                        .or_insert((0, example))
                        .0 += 1;
                }
            }
        }
    }
    let total: usize = per_field
        .values()
        .map(|c| c.equal + c.allowed + c.failed)
        .sum();
    let equal: usize = per_field.values().map(|c| c.equal).sum();
    println!(
        "{compared_captures} captures, {} fields: {equal} of {total} field values equal tshark's ({:.2}%)",
        names.len(),
        100.0 * equal as f64 / total.max(1) as f64
    );
    for (name, c) in &per_field {
        if c.allowed + c.failed > 0 {
            println!(
                "  {name:<40} equal {:>5}  allowed {:>4}  failed {:>4}",
                c.equal, c.allowed, c.failed
            );
        }
    }
    let mut problems = Vec::new();
    for ((field, capture), (count, example)) in &failures {
        problems.push(format!(
            "{field} in {capture}: {count} differ; first {example}"
        ));
    }
    for entry in &list {
        if entry.used.get() == 0 {
            problems.push(format!(
                "allowlist entry {} / {} matches nothing: remove it",
                entry.field, entry.capture
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn glob_matches() {
    assert!(glob("tcp.*", "tcp.flags.syn"));
    assert!(glob("zeek/*", "zeek/tcp/options.pcap"));
    assert!(!glob("tcp.*", "udp.port"));
}

#[test]
fn unknown_field_is_a_usage_error_naming_close_fields() {
    let capture = testdata().join("real/telnet-busybox.pcap");
    let output = Command::new(env!("CARGO_BIN_EXE_dissect"))
        .args(["-T", "fields", "-e", "ip.srcx"])
        .arg(&capture)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("dissect: -e ip.srcx: no such field; did you mean ip.src"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn header_options_and_tcpdump_e_still_work() {
    let capture = testdata().join("real/telnet-busybox.pcap");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_dissect"))
            .env("TZ", "GMT0")
            .args(args)
            .arg(&capture)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let text = run(&[
        "-c",
        "2",
        "-T",
        "fields",
        "-E",
        "header=y",
        "-E",
        "separator=,",
        "-E",
        "quote=d",
        "-e",
        "frame.number",
        "-e",
        "tcp.port",
        "-e",
        "udp.port",
    ]);
    assert_eq!(
        text,
        "frame.number,tcp.port,udp.port\n\"1\",\"32904,23\",\n\"2\",\"23,32904\",\n"
    );
    // Without -T, -e is tcpdump's link-header flag.
    assert!(
        run(&["-c", "1", "-e"]).contains("02:d5:a0:00:00:0a > 02:d5:b0:00:00:0b, ethertype IPv4")
    );
}
