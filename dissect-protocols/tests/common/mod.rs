//! Shared by the integration tests that walk testdata/.

use std::path::{Path, PathBuf};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// Every capture under testdata/ (not the fuzz regressions), sorted, as
/// paths relative to testdata/.
pub fn captures() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
            {
                if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    let root = testdata();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.retain(|c| !c.starts_with("regress/") && !c.starts_with("golden/"));
    out.sort();
    out
}
