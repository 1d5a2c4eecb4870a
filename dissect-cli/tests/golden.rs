//! Golden tests of the `dissect` binary, and its agreement with tcpdump.
//!
//! `golden_outputs`: every capture in testdata/ at the default level, `-v` and `-vvv`, and a
//! handful of captures in every mode (`-e`, `-v`, `-vvv`, `-V` as tree, `--json`, `-X` as
//! hex), and the NTP captures at `-v`, `-vvv` and as NTP-only tree and JSON, must
//! print exactly (byte for byte) testdata/golden/<capture>.<mode>.txt; exit
//! codes and the first stderr line are kept in testdata/golden/status.tsv.
//! The one-line modes run on one thread and on three (split by
//! conversation), which must print the same.
//! Re-bless with `SNAPSHOTS=overwrite cargo test -p dissect-cli --test golden`
//! and read the diff before committing it.
//!
//! `tcpdump_agreement`: for every capture with tcpdump oracle files, the share
//! of packets whose text equals tcpdump's, per capture family, must not fall
//! below testdata/tcpdump-agreement.tsv (a ratchet). `RATCHET=raise` raises
//! the figures there to the ones reached (it never lowers them). Run with
//! `--nocapture` to see the table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use snapbox::cmd::Command;
use snapbox::data::DataFormat;
use snapbox::{Assert, Data};

// The testdata walker the protocol tests use.
#[path = "../../dissect-protocols/tests/common/mod.rs"]
mod common;
use common::{captures, files_under, testdata};

/// Output modes: (name in the golden file name, flags).
const MODES: [(&str, &[&str]); 9] = [
    ("default", &[]),
    ("e", &["-e"]),
    ("v", &["-v"]),
    ("vvv", &["-vvv"]),
    ("tree", &["-V"]),
    ("json", &["--json"]),
    ("hex", &["-X"]),
    ("ntp-tree", &["-V", "--layer", "ntp"]),
    ("ntp-json", &["--json", "--layer", "ntp"]),
];

/// Modes of the NTP captures: tcpdump's levels and the NTP layer alone.
const NTP_MODES: [&str; 4] = ["v", "vvv", "ntp-tree", "ntp-json"];

/// The captures with NTP traffic.
const NTP: [&str; 14] = [
    "tcpdump/ntp.pcap",
    "tcpdump/ntp-time.pcap",
    "tcpdump/ntp-time-ef.pcap",
    "tcpdump/ntp-control.pcap",
    "tcpdump/ntp-mode7.pcap",
    "zeek/ntp/NTP_sync.pcap",
    "zeek/ntp/ntp.pcap",
    "zeek/ntp/NTP-digest.pcap",
    "zeek/ntp/misordered-ntp.pcap",
    "real/ntp-modes.pcap",
    "real/ntp-refclock.pcap",
    "ntp-gen/ntpsec-auth-kod-ctrl.pcap",
    "ntp-gen/chrony-mac-nts.pcap",
    "ntp-gen/monlist.pcap",
];

/// Captures checked in every mode: one or two per link type and protocol.
const ALL_MODES: [&str; 12] = [
    "real/mixed.pcapng",
    "real/telnet-busybox.pcap",
    "zeek/tcp/options.pcap",
    "zeek/icmp_dot1q.pcap",
    "zeek/linux_dlt_sll2.pcap",
    "tcpdump/tcp-handshake-nano.pcap",
    "tcpdump/tcp_rst_diag_payload.pcap",
    "tcpdump/LINKTYPE_IPV6.pcap",
    "zeek/ipv6-fragmented-dns.pcap",
    "tcpdump/icmpv6.pcap",
    "zeek/trunc/icmp-header-trunc.pcap",
    "tcpdump/unsupported-link-type-160.pcap",
];

/// The golden table: (capture, mode name, flags).
fn golden_rows() -> Vec<(String, &'static str, &'static [&'static str])> {
    let mut rows = Vec::new();
    for capture in captures() {
        let every = ALL_MODES.contains(&capture.as_str());
        let ntp = NTP.contains(&capture.as_str());
        for (mode, flags) in MODES {
            // tcpdump's three levels for every capture; the other modes for
            // a representative few; the NTP layer alone for NTP captures.
            let wanted = matches!(mode, "default" | "v" | "vvv")
                || (every && !mode.starts_with("ntp-"))
                || (ntp && NTP_MODES.contains(&mode));
            if wanted {
                rows.push((capture.clone(), mode, flags));
            }
        }
    }
    rows
}

struct Run {
    stdout: Vec<u8>,
    stderr: String,
    code: Option<i32>,
}

/// Runs `dissect FLAGS CAPTURE` inside testdata/, so messages name the
/// capture by its relative path, on `threads` threads (`DISSECT_THREADS`).
fn dissect(capture: &str, flags: &[&str], threads: &str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_dissect"))
        .args(flags)
        .arg(capture)
        .env("DISSECT_THREADS", threads)
        .current_dir(testdata())
        .output()
        .unwrap_or_else(|e| panic!("cannot run dissect: {e}"));
    Run {
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

#[test]
fn golden_outputs() {
    let assert = Assert::new().action_env("SNAPSHOTS");
    let golden = testdata().join("golden");
    let mut failures = Vec::new();
    let mut status = String::from("capture\tmode\texit\tstderr (first line)\n");
    let rows = golden_rows();
    assert!(rows.len() > 60, "too few golden rows: {}", rows.len());
    for (capture, mode, flags) in &rows {
        let run = dissect(capture, flags, "1");
        // The one-line modes may split a file across threads by
        // conversation: that must print the very same.
        if matches!(*mode, "default" | "e") {
            let split = dissect(capture, flags, "3");
            let same =
                split.stdout == run.stdout && split.stderr == run.stderr && split.code == run.code;
            if !same {
                failures.push(format!(
                    "{capture} {flags:?}: 3 threads print otherwise than 1"
                ));
            }
        }
        let code = run.code.map_or("signal".to_string(), |c| c.to_string());
        let first = run.stderr.lines().next().unwrap_or("");
        let _ = writeln!(status, "{capture}\t{mode}\t{code}\t{first}");
        assert!(
            !run.stderr.contains("panicked"),
            "dissect panicked on {capture} {flags:?}: {}",
            run.stderr
        );
        let expected = Data::read_from(
            &golden.join(format!("{capture}.{mode}.txt")),
            Some(DataFormat::Text),
        )
        .raw();
        let name = format!("dissect {} {capture}", flags.join(" "));
        if let Err(e) = assert.try_eq(Some(&name), Data::binary(run.stdout), expected) {
            failures.push(e.to_string());
        }
    }
    // Golden files no row asks for (a capture removed or renamed) are stale.
    let wanted: std::collections::BTreeSet<PathBuf> = rows
        .iter()
        .map(|(capture, mode, _)| golden.join(format!("{capture}.{mode}.txt")))
        .collect();
    let overwrite = std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite");
    for file in files_under(&golden) {
        if file.extension().is_some_and(|e| e == "txt") && !wanted.contains(&file) {
            if overwrite {
                let _ = std::fs::remove_file(&file);
            } else {
                failures.push(format!("stale golden file {}", file.display()));
            }
        }
    }
    let expected = Data::read_from(&golden.join("status.tsv"), Some(DataFormat::Text)).raw();
    if let Err(e) = assert.try_eq(Some(&"exit codes"), Data::text(status), expected) {
        failures.push(e.to_string());
    }
    assert!(
        failures.is_empty(),
        "{} golden files differ (re-bless with SNAPSHOTS=overwrite after checking):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Agreement with tcpdump.

/// tcpdump oracle modes: (mode, oracle file suffix, our flags, the share of
/// in-scope packets that must print identically).
const TCPDUMP_MODES: [(&str, &str, &[&str], f64); 4] = [
    ("default", "tcpdump.txt", &[], 99.0),
    ("e", "tcpdump-e.txt", &["-e"], 99.0),
    ("v", "tcpdump-v.txt", &["-v"], 99.0),
    ("vvv", "tcpdump-vvv.txt", &["-vvv"], 95.0),
];

/// The link, network and transport protocols (tshark's names in the
/// MANIFEST's protocol stacks) whose text dissect owes tcpdump, line for
/// line. A capture is in scope when all its stacks use only these.
const SCOPE: [&str; 23] = [
    "eth",
    "ethertype",
    "vlan",
    "ieee8021ad",
    "sll",
    "null",
    "raw",
    "loop",
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
    "ipv6.nonxt",
    "ah",
    "esp",
    "arp",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
    "data",
];

/// Captures in scope, from the protocol stacks in testdata/MANIFEST.tsv.
fn in_scope() -> Vec<String> {
    let text = std::fs::read_to_string(testdata().join("MANIFEST.tsv")).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(stacks)) = (cols.first(), cols.get(6)) else {
            continue;
        };
        let protocols: Vec<&str> = stacks.split(" | ").flat_map(|s| s.split(':')).collect();
        if !stacks.is_empty() && protocols.iter().all(|p| SCOPE.contains(p)) {
            out.push(file.to_string());
        }
    }
    out
}

/// Packets whose difference from tcpdump is understood:
/// (capture, mode or `*`, packet number or `*`) from tcpdump-differences.tsv.
fn known_differences() -> Vec<(String, String, String)> {
    let text =
        std::fs::read_to_string(testdata().join("tcpdump-differences.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("capture\t") && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let col = |i: usize| cols.get(i).copied().unwrap_or("*").to_string();
            (col(0), col(1), col(2))
        })
        .collect()
}

/// Splits text output into one string per packet: a packet starts at a line
/// that does not start with white space; indented lines (`-v` continuation
/// lines, hex dumps) belong to the packet before them.
fn packets(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        match out.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// Capture -> family, from testdata/MANIFEST.tsv (`real` where it is empty).
fn families() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(testdata().join("MANIFEST.tsv")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        // The real/ rows have fewer columns and no family.
        if let Some(file) = cols.first() {
            let family = cols.get(9).copied().filter(|f| !f.is_empty());
            out.insert(file.to_string(), family.unwrap_or("real").to_string());
        }
    }
    out
}

/// (family, mode) -> minimum percentage, from tcpdump-agreement.tsv.
fn ratchet() -> BTreeMap<(String, String), f64> {
    let text =
        std::fs::read_to_string(testdata().join("tcpdump-agreement.tsv")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.starts_with("family\t") || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [family, mode, min] = cols[..] else {
            panic!("tcpdump-agreement.tsv: bad line {line:?}");
        };
        let min: f64 = min
            .parse()
            .unwrap_or_else(|_| panic!("tcpdump-agreement.tsv: bad percentage in {line:?}"));
        out.insert((family.to_string(), mode.to_string()), min);
    }
    out
}

fn write_ratchet(figures: &BTreeMap<(String, String), f64>) {
    let mut text = String::from(
        "# Lowest share (%) of packets whose text must equal tcpdump's, per capture family and\n\
         # mode (dissect-cli/tests/golden.rs). A ratchet: raise it, never lower it without a reason.\n\
         family\tmode\tmin_percent\n",
    );
    for ((family, mode), min) in figures {
        let _ = writeln!(text, "{family}\t{mode}\t{min:.1}");
    }
    let path = testdata().join("tcpdump-agreement.tsv");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[derive(Default, Clone, Copy)]
struct Tally {
    equal: usize,
    total: usize,
}

impl Tally {
    fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.equal as f64 / self.total as f64
        }
    }
}

#[test]
fn tcpdump_agreement() {
    let root = testdata();
    let families = families();
    let mut per_family: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut per_capture = String::new();
    let mut examples = String::new();
    let scope = in_scope();
    let known = known_differences();
    let mut in_scope_tally: BTreeMap<&str, Tally> = BTreeMap::new();
    for capture in captures() {
        // Captures made for this project (ntp-gen/) are not in the
        // corpus manifest: their directory is their family.
        let family = families
            .get(&capture)
            .cloned()
            .unwrap_or_else(|| capture.split('/').next().unwrap_or("other").to_string());
        for (mode, suffix, flags, _) in TCPDUMP_MODES {
            let Ok(oracle) = std::fs::read_to_string(root.join(format!("{capture}.{suffix}")))
            else {
                continue;
            };
            let theirs = packets(&oracle);
            let run = dissect(&capture, flags, "1");
            let ours = packets(&String::from_utf8_lossy(&run.stdout));
            let mut tally = Tally {
                equal: 0,
                total: theirs.len(),
            };
            let mut first_diff = None;
            let scoped = scope.contains(&capture);
            for (i, t) in theirs.iter().enumerate() {
                let same = ours.get(i) == Some(t);
                if same {
                    tally.equal += 1;
                } else if first_diff.is_none() {
                    first_diff = Some(i);
                }
                let number = (i + 1).to_string();
                let understood = known.iter().any(|(c, m, n)| {
                    *c == capture && (m == "*" || m == mode) && (n == "*" || *n == number)
                });
                if scoped && !understood {
                    let t = in_scope_tally.entry(mode).or_default();
                    t.total += 1;
                    t.equal += usize::from(same);
                }
            }
            let sum = per_family
                .entry((family.clone(), mode.to_string()))
                .or_default();
            sum.equal += tally.equal;
            sum.total += tally.total;
            let _ = writeln!(
                per_capture,
                "  {:>6.1}% {:>3}/{:<3} {mode:<7} {capture}",
                tally.percent(),
                tally.equal,
                tally.total
            );
            if let Some(i) = first_diff {
                let _ = writeln!(
                    examples,
                    "{capture} ({mode}) packet {}:\n  tcpdump: {}\n  dissect: {}",
                    i + 1,
                    theirs[i],
                    ours.get(i).map_or("(nothing)", |s| s.as_str())
                );
            }
        }
    }

    let ratchet = ratchet();
    let raising = std::env::var("RATCHET").as_deref() == Ok("raise");
    let mut table = String::from("tcpdump agreement (share of packets printed identically)\n");
    let _ = writeln!(
        table,
        "{:<8} {:<7} {:>8} {:>9} {:>8}",
        "family", "mode", "packets", "agree %", "ratchet"
    );
    let mut below = Vec::new();
    let mut overall: BTreeMap<String, Tally> = BTreeMap::new();
    for ((family, mode), tally) in &per_family {
        let min = ratchet.get(&(family.clone(), mode.clone())).copied();
        let _ = writeln!(
            table,
            "{family:<8} {mode:<7} {:>8} {:>8.1}% {:>8}",
            tally.total,
            tally.percent(),
            min.map_or("-".to_string(), |m| format!("{m:.1}%"))
        );
        let all = overall.entry(mode.clone()).or_default();
        all.equal += tally.equal;
        all.total += tally.total;
        if min.is_none() && !raising {
            below.push(format!(
                "{family} {mode}: no row in tcpdump-agreement.tsv (RATCHET=raise adds it)"
            ));
        }
        // Figures are compared at the precision the ratchet file keeps.
        if let Some(min) = min {
            if (tally.percent() * 10.0).floor() / 10.0 < min - 1e-9 {
                below.push(format!(
                    "{family} {mode}: {:.1}% < {min:.1}%",
                    tally.percent()
                ));
            }
        }
    }
    for (mode, tally) in &overall {
        let _ = writeln!(
            table,
            "{:<8} {mode:<7} {:>8} {:>8.1}%",
            "ALL",
            tally.total,
            tally.percent()
        );
    }
    // Issue 3's criterion: captures made only of the protocols in SCOPE,
    // less the packets whose difference tcpdump-differences.tsv explains.
    for (mode, _, _, target) in TCPDUMP_MODES {
        let tally = in_scope_tally.get(mode).copied().unwrap_or_default();
        let _ = writeln!(
            table,
            "{:<8} {mode:<7} {:>8} {:>8.1}% {:>7.1}%",
            "SCOPE",
            tally.total,
            tally.percent(),
            target
        );
        if tally.percent() < target {
            below.push(format!(
                "in-scope captures, {mode}: {:.1}% < {target:.1}%",
                tally.percent()
            ));
        }
    }
    println!("{table}\nper capture:\n{per_capture}\nfirst difference per capture:\n{examples}");

    if raising {
        let mut raised = ratchet.clone();
        for ((family, mode), tally) in &per_family {
            let reached = (tally.percent() * 10.0).floor() / 10.0;
            let entry = raised.entry((family.clone(), mode.clone())).or_insert(0.0);
            *entry = entry.max(reached);
        }
        write_ratchet(&raised);
    }
    for key in ratchet.keys() {
        assert!(
            per_family.contains_key(key),
            "tcpdump-agreement.tsv names {key:?}, which no capture has"
        );
    }
    assert!(
        below.is_empty(),
        "tcpdump agreement fell below the ratchet:\n{}",
        below.join("\n")
    );
}

#[test]
fn packet_splitting() {
    let text = "12:00:00.000000 IP a > b\n    continued\n\t0x0000: 4500\n12:00:01.000000 ARP\n";
    assert_eq!(
        packets(text),
        [
            "12:00:00.000000 IP a > b\n    continued\n\t0x0000: 4500",
            "12:00:01.000000 ARP"
        ]
    );
}
