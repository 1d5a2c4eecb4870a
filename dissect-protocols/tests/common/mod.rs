//! Shared by the integration tests that walk testdata/ (the CLI's golden
//! test includes it too).

use std::path::{Path, PathBuf};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// Every file below `dir`, in directory order.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Every capture under testdata/ (not the fuzz regressions), sorted, as
/// paths relative to testdata/.
pub fn captures() -> Vec<String> {
    let root = testdata();
    let mut out: Vec<String> = files_under(&root)
        .iter()
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
        })
        .filter_map(|path| path.strip_prefix(&root).ok())
        .map(|rel| rel.to_string_lossy().replace('\\', "/"))
        .collect();
    out.retain(|c| !c.starts_with("regress/") && !c.starts_with("golden/"));
    out.sort();
    out
}
