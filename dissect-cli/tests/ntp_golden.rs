//! Golden tests of NTP output: every NTP capture in testdata/ at `-v`,
//! `-vvv`, as a tree (`-V --layer ntp`) and as JSON (`--json --layer ntp`)
//! must print exactly testdata/golden-ntp/<capture>.<mode>.txt.
//! Re-bless with `SNAPSHOTS=overwrite cargo test -p dissect-cli --test
//! ntp_golden` and read the diff before committing it.

use std::path::{Path, PathBuf};

use snapbox::cmd::Command;
use snapbox::data::DataFormat;
use snapbox::{Assert, Data};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The captures with NTP traffic, relative to testdata/.
const CAPTURES: [&str; 14] = [
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

const MODES: [(&str, &[&str]); 4] = [
    ("v", &["-v"]),
    ("vvv", &["-vvv"]),
    ("tree", &["-V", "--layer", "ntp"]),
    ("json", &["--json", "--layer", "ntp"]),
];

#[test]
fn ntp_golden_outputs() {
    let assert = Assert::new().action_env("SNAPSHOTS");
    let golden = testdata().join("golden-ntp");
    let mut failures = Vec::new();
    for capture in CAPTURES {
        for (mode, flags) in MODES {
            let output = Command::new(env!("CARGO_BIN_EXE_dissect"))
                .args(flags)
                .arg(capture)
                .current_dir(testdata())
                .output()
                .unwrap_or_else(|e| panic!("cannot run dissect: {e}"));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                !stderr.contains("panicked"),
                "dissect panicked on {capture} {flags:?}: {stderr}"
            );
            let expected = Data::read_from(
                &golden.join(format!("{capture}.{mode}.txt")),
                Some(DataFormat::Text),
            )
            .raw();
            let name = format!("dissect {} {capture}", flags.join(" "));
            if let Err(e) = assert.try_eq(Some(&name), Data::binary(output.stdout), expected) {
                failures.push(e.to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} NTP golden files differ (re-bless with SNAPSHOTS=overwrite after checking):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
