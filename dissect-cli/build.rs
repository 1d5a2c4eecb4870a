//! TEMPORARY (until dissect-core's field catalogue lands): collects the
//! field names the dissectors declare, so that `-T fields -e NAME` can
//! refuse an unknown name and suggest close ones. It scans the sources of
//! dissect-core and dissect-protocols for `FieldDef::new("NAME"` and
//! `FieldDef = helper("NAME"` and writes them to `$OUT_DIR/known_fields.rs`.
//! The catalogue's `Registry::field` replaces this file and its output.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut names = Vec::new();
    for crate_dir in ["../dissect-core/src", "../dissect-protocols/src"] {
        let dir = manifest.join(crate_dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        scan(&dir, &mut names);
    }
    names.sort();
    names.dedup();
    let mut out = String::from("/// Field names declared in the dissector sources (build.rs).\n");
    out.push_str("pub static DECLARED: &[&str] = &[\n");
    for name in &names {
        out.push_str(&format!("    {name:?},\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("known_fields.rs");
    if let Err(e) = fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

fn scan(dir: &Path, names: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            scan(&path, names);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if let Ok(text) = fs::read_to_string(&path) {
                names_in(&text, names);
            }
        }
    }
}

/// The first string literal after each `FieldDef::new(` or `FieldDef =`
/// (a helper such as `flag("tcp.flags.syn", ...)`), if it comes at once.
fn names_in(text: &str, names: &mut Vec<String>) {
    for marker in ["FieldDef::new(", "FieldDef ="] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let head = rest.trim_start();
            // `FieldDef = helper(` : skip the helper's name and parenthesis.
            let head = if marker == "FieldDef =" {
                let Some(open) = head.find('(') else { continue };
                let callee = &head[..open];
                if !callee
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
                {
                    continue;
                }
                head[open + 1..].trim_start()
            } else {
                head
            };
            let Some(literal) = head.strip_prefix('"') else {
                continue;
            };
            if let Some(end) = literal.find('"') {
                names.push(literal[..end].to_string());
            }
        }
    }
}
