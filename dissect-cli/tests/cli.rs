//! End-to-end tests of the `dissect` binary: arguments, errors, exit codes.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dissect");

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("TZ", "GMT0")
        .output()
        .expect("run dissect")
}

/// `run` with the capture split across `threads` threads by conversation
/// (the default one-line text of a file; other modes ignore it).
fn run_on_threads(args: &[&str], threads: usize) -> Output {
    Command::new(BIN)
        .args(args)
        .env("TZ", "GMT0")
        .env("DISSECT_THREADS", threads.to_string())
        .output()
        .expect("run dissect")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file unique to this test process.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("dissect-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

const NTP: &str = "real/ntp-modes.pcap";
const MIXED: &str = "real/mixed.pcapng";

#[test]
fn missing_file_is_one_line_and_exit_1() {
    let out = run(&["/nonexistent/dir/x.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        "dissect: /nonexistent/dir/x.pcap: No such file or directory\n"
    );
}

#[test]
fn not_a_capture_and_empty_file() {
    let path = scratch("text.txt", b"this is not a capture file\n");
    let out = run(&[path_str(&path)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "dissect: {}: not a pcap or pcapng file (magic 0x74686973)\n",
            path.display()
        )
    );
    let empty = scratch("empty.pcap", b"");
    let out = run(&[path_str(&empty)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!("dissect: {}: empty file\n", empty.display())
    );
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(empty);
}

/// Offsets of the records of a little-endian microsecond pcap.
fn record_offsets(pcap: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        offsets.push(at);
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    offsets
}

#[test]
fn truncated_file_prints_good_packets_then_the_offset() {
    let full = std::fs::read(testdata(NTP)).unwrap();
    assert_eq!(&full[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "LE microsecond pcap");
    let third = record_offsets(&full)[2];
    let whole = run(&[path_str(&testdata(NTP))]);
    let first_two: String = text(&whole.stdout)
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();

    // Cut inside the third record's data, then inside its header.
    for (cut, reason) in [
        (third + 20, "truncated packet data"),
        (third + 7, "truncated record header"),
    ] {
        let path = scratch(&format!("cut-{cut}.pcap"), &full[..cut]);
        for threads in [1, 2] {
            let out = run_on_threads(&[path_str(&path)], threads);
            assert_eq!(out.status.code(), Some(1));
            assert_eq!(text(&out.stdout), first_two);
            let stderr = text(&out.stderr);
            let expected = format!(
                "dissect: {}: at byte offset {third}: {reason}",
                path.display()
            );
            assert!(stderr.starts_with(&expected), "{threads} threads: {stderr}");
            assert_eq!(stderr.lines().count(), 1);
        }
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn count_limits_the_packets() {
    for threads in [1, 2, 4] {
        let out = run_on_threads(&["-c", "3", path_str(&testdata(MIXED))], threads);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout).lines().count(), 3);
    }
}

#[test]
fn threads_print_what_one_thread_prints() {
    let mixed = testdata(MIXED);
    let telnet = testdata("real/telnet-busybox.pcap");
    let cases: [&[&str]; 5] = [
        &["-c", "5", "-#"],
        &["--layer", "tcp", "-tt"],
        &["--layer", "ntp", "-tttt"],
        &["-e", "-S", "-X"],
        &["-t", "-x"],
    ];
    for flags in cases {
        for capture in [&mixed, &telnet] {
            let mut args = flags.to_vec();
            args.push(path_str(capture));
            let one = run_on_threads(&args, 1);
            assert!(one.status.success(), "{args:?}");
            // Every flag set prints packets of the mixed capture.
            assert!(capture != &mixed || !one.stdout.is_empty(), "{args:?}");
            for threads in [2, 3] {
                let split = run_on_threads(&args, threads);
                assert_eq!(split.status.code(), one.status.code(), "{args:?}");
                assert_eq!(
                    text(&split.stdout),
                    text(&one.stdout),
                    "{args:?} on {threads}"
                );
                assert_eq!(text(&split.stderr), text(&one.stderr), "{args:?}");
            }
        }
    }
}

#[test]
fn json_is_one_object_per_line() {
    let out = run(&["--json", path_str(&testdata(MIXED))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect();
    assert_eq!(lines.len(), 28);
    for (i, packet) in lines.iter().enumerate() {
        assert_eq!(packet["frame"]["number"], i as u64 + 1);
        assert!(packet["layers"].as_array().is_some_and(|l| !l.is_empty()));
    }
}

#[test]
fn layer_filters_packets_and_shows_only_that_layer() {
    let file = testdata(MIXED);
    let out = run(&["--json", "--layer", "udp", path_str(&file)]);
    assert_eq!(out.status.code(), Some(0));
    let packets: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !packets.is_empty() && packets.len() < 28,
        "{}",
        packets.len()
    );
    for packet in &packets {
        let layers = packet["layers"].as_array().unwrap();
        assert!(layers.iter().all(|l| l["name"] == "udp"), "{packet}");
    }
    // The line format keeps the same packets.
    let lines = run(&["--layer", "udp", path_str(&file)]);
    assert_eq!(text(&lines.stdout).lines().count(), packets.len());
    // -c counts printed packets, not read ones.
    let one = run(&["--layer", "udp", "-c", "1", path_str(&file)]);
    assert_eq!(
        text(&one.stdout).lines().next(),
        text(&lines.stdout).lines().next()
    );
}

#[test]
fn stdin_dash_reads_the_capture_from_stdin() {
    let file = testdata(MIXED);
    let expected = run(&[path_str(&file)]);
    let mut child = Command::new(BIN)
        .arg("-")
        .env("TZ", "GMT0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&expected.stdout));
    assert_eq!(text(&out.stdout).lines().count(), 28);
}

#[test]
fn timestamp_flags() {
    let file = testdata(NTP);
    let default = text(&run(&["-c", "1", path_str(&file)]).stdout);
    let (time, rest) = default.split_at(16);
    assert!(
        time.len() == 16 && time.as_bytes()[2] == b':' && time.as_bytes()[8] == b'.',
        "{default}"
    );
    assert_eq!(text(&run(&["-t", "-c", "1", path_str(&file)]).stdout), rest);
    let date = text(&run(&["-tttt", "-c", "1", path_str(&file)]).stdout);
    assert!(date.ends_with(&default), "{date}");
    assert_eq!(date.as_bytes()[4], b'-');
    let nano = text(&run(&["--nano", "-c", "1", path_str(&file)]).stdout);
    assert_eq!(&nano[..15], &default[..15]);
    assert_eq!(&nano[19..], rest);
}

#[test]
fn decode_as_and_list_protocols() {
    let list = text(&run(&["--list-protocols"]).stdout);
    assert!(list.lines().any(|l| l.starts_with("eth ")), "{list}");
    let out = run(&[
        "--decode-as",
        "udp.port==123,nosuch",
        path_str(&testdata(NTP)),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("dissect: --decode-as 'udp.port==123,nosuch': unknown protocol")
            && stderr.contains("eth"),
        "{stderr}"
    );
    let out = run(&[
        "--decode-as",
        "udp.port==123,data",
        path_str(&testdata(NTP)),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

/// The catalogue in tshark -G fields' layout, whole or for one protocol.
#[test]
fn list_fields_like_tshark() {
    let all = text(&run(&["--list-fields"]).stdout);
    assert!(
        all.lines().any(|l| l == "P\tNetwork Time Protocol\tntp"),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l == "F\tPeer Clock Stratum\tntp.stratum\tFT_UINT8\tntp\tBASE_DEC\t0x0\t"),
        "{all}"
    );
    assert!(all
        .lines()
        .all(|l| l.starts_with("P\t") || l.starts_with("F\t")));
    let ntp = text(&run(&["--list-fields", "ntp"]).stdout);
    assert!(ntp.lines().count() > 50);
    assert!(
        ntp.lines()
            .skip(1)
            .all(|l| l.split('\t').nth(4) == Some("ntp")),
        "{ntp}"
    );
    let out = run(&["--list-fields", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no protocol named 'nosuch'") && stderr.contains("ntp"),
        "{stderr}"
    );
}

/// A pcap of `count` minimal Ethernet frames.
fn big_pcap(count: usize) -> Vec<u8> {
    let mut v = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    v.extend([0; 8]);
    v.extend(65535u32.to_le_bytes());
    v.extend(1u32.to_le_bytes());
    for i in 0..count {
        v.extend((i as u32).to_le_bytes());
        v.extend(0u32.to_le_bytes());
        v.extend(60u32.to_le_bytes());
        v.extend(60u32.to_le_bytes());
        v.extend([0xff; 12]);
        v.extend([0x88, 0xb5]);
        v.extend([0; 46]);
    }
    v
}

#[test]
fn broken_pipe_exits_quietly() {
    let path = scratch("big.pcap", &big_pcap(200_000));
    let mut child = Command::new(BIN)
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // The read end is closed here: dissect's next write fails with EPIPE.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
    let _ = std::fs::remove_file(path);
}
