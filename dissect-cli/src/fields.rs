//! `-T fields -e NAME ... -E key=value`: output by field name, as tshark.
//!
//! tcpdump's `-e` (print the link header) and tshark's `-e NAME` share a
//! letter, so the arguments are split before clap sees them: only when a
//! `-T` is given do `-e NAME` and `-E OPTION` belong to the fields output;
//! otherwise `-e` stays tcpdump's flag.

use std::ffi::OsString;

use dissect_core::format::fields::{FieldsOptions, FieldsWriter};
use dissect_core::Registry;

/// The output formats `-T` takes.
const FORMATS: [&str; 1] = ["fields"];

/// What `-T`, `-e` and `-E` asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldsRequest {
    /// The `-T` format (only `fields` is supported).
    pub format: String,
    /// The `-e` names, in order.
    pub names: Vec<String>,
    /// The `-E` options, in order.
    pub options: Vec<String>,
}

/// Takes `-T FORMAT`, and then `-e NAME` and `-E OPTION` (each also written
/// joined, `-Tfields`, `-eip.src`), out of `argv`; returns the rest for clap
/// and the request, or `None` (argv untouched) when there is no `-T`.
/// Scanning stops at `--`.
pub fn split_args(argv: Vec<OsString>) -> (Vec<OsString>, Option<FieldsRequest>) {
    let has_t = argv
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a.to_str().is_some_and(|a| a.starts_with("-T")));
    if !has_t {
        return (argv, None);
    }
    let mut request = FieldsRequest::default();
    let mut rest = Vec::with_capacity(argv.len());
    let mut args = argv.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().map(str::to_owned) else {
            rest.push(arg);
            continue;
        };
        if text == "--" {
            rest.push(arg);
            rest.extend(args.by_ref());
            break;
        }
        let slot = match text.get(..2) {
            Some("-T") => Slot::Format,
            Some("-e") => Slot::Name,
            Some("-E") => Slot::Option,
            _ => {
                rest.push(arg);
                continue;
            }
        };
        // The value is joined (`-Tfields`) or the next argument.
        let value = match text.get(2..).filter(|v| !v.is_empty()) {
            Some(joined) => Some(joined.to_string()),
            None => args.next().and_then(|v| v.into_string().ok()),
        };
        let value = value.unwrap_or_default();
        match slot {
            Slot::Format => request.format = value,
            Slot::Name => request.names.push(value),
            Slot::Option => request.options.push(value),
        }
    }
    (rest, Some(request))
}

enum Slot {
    Format,
    Name,
    Option,
}

/// Checks the request and builds its writer; the error is a usage message.
pub fn writer_for(request: &FieldsRequest, registry: &Registry) -> Result<FieldsWriter, String> {
    if !FORMATS.contains(&request.format.as_str()) {
        return Err(format!(
            "-T {}: unknown output format; supported: {}",
            request.format,
            FORMATS.join(", ")
        ));
    }
    if request.names.is_empty() {
        return Err("-T fields: give at least one field with -e NAME".into());
    }
    let mut options = FieldsOptions::default();
    for option in &request.options {
        options.set(option).map_err(|e| e.to_string())?;
    }
    let known = known_fields(registry);
    for name in &request.names {
        if !known.contains(&name.as_str()) {
            let close = closest(name, &known, 5);
            return Err(format!(
                "-e {name}: no such field; did you mean {}",
                close.join(", ")
            ));
        }
    }
    Ok(FieldsWriter::new(request.names.clone(), options))
}

mod declared {
    include!(concat!(env!("OUT_DIR"), "/known_fields.rs"));
}

/// TEMPORARY, until the field catalogue (`Registry::field`) replaces it:
/// the field names `-e` accepts. They are the names declared in the
/// dissector sources (collected by build.rs) whose protocol the registry
/// has, so that names in test code do not count, plus the frame fields.
pub fn known_fields(registry: &Registry) -> Vec<&'static str> {
    let protocols: Vec<&str> = registry.dissectors().map(|d| d.name()).collect();
    let mut known: Vec<&'static str> = declared::DECLARED
        .iter()
        .copied()
        .filter(|name| {
            let protocol = name.split('.').next().unwrap_or(name);
            protocols.contains(&protocol)
        })
        .chain(dissect_core::frame::FIELDS.iter().map(|def| def.abbrev))
        .collect();
    known.sort_unstable();
    known.dedup();
    known
}

/// The `count` names closest to `name` by edit distance (ties in name
/// order).
fn closest<'a>(name: &str, known: &[&'a str], count: usize) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .map(|&candidate| (edit_distance(name, candidate), candidate))
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(count).map(|(_, n)| n).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let cost = diagonal + usize::from(ca != cb);
            let value = cost.min(up + 1).min(left + 1);
            diagonal = up;
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
            left = value;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn without_t_argv_is_untouched() {
        let argv = os(&["dissect", "-e", "-n", "x.pcap"]);
        let (rest, request) = split_args(argv.clone());
        assert_eq!(rest, argv);
        assert_eq!(request, None);
    }

    #[test]
    fn t_takes_e_and_capital_e() {
        let argv = os(&[
            "dissect",
            "-r",
            "x.pcap",
            "-T",
            "fields",
            "-e",
            "ip.src",
            "-eip.dst",
            "-E",
            "header=y",
            "-Eseparator=,",
            "-c",
            "3",
        ]);
        let (rest, request) = split_args(argv);
        assert_eq!(rest, os(&["dissect", "-r", "x.pcap", "-c", "3"]));
        let request = request.unwrap();
        assert_eq!(request.format, "fields");
        assert_eq!(request.names, ["ip.src", "ip.dst"]);
        assert_eq!(request.options, ["header=y", "separator=,"]);
        let (rest, request) = split_args(os(&["dissect", "-Tfields", "--", "-e"]));
        assert_eq!(rest, os(&["dissect", "--", "-e"]));
        assert!(request.unwrap().names.is_empty());
    }

    #[test]
    fn requests_are_checked() {
        let registry = dissect_protocols::registry();
        let request = |format: &str, names: &[&str], options: &[&str]| FieldsRequest {
            format: format.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            options: options.iter().map(|n| n.to_string()).collect(),
        };
        assert!(writer_for(
            &request("fields", &["ip.src", "frame.number"], &[]),
            &registry
        )
        .is_ok());
        let err = writer_for(&request("json", &["ip.src"], &[]), &registry).unwrap_err();
        assert!(err.contains("supported: fields"), "{err}");
        let err = writer_for(&request("fields", &["ip.srcx"], &[]), &registry).unwrap_err();
        assert!(
            err.starts_with("-e ip.srcx: no such field; did you mean ip.src"),
            "{err}"
        );
        assert!(writer_for(&request("fields", &["ip.src"], &["quote=x"]), &registry).is_err());
        assert!(writer_for(&request("fields", &[], &[]), &registry).is_err());
        let known = known_fields(&registry);
        assert!(known.contains(&"tcp.flags.syn") && known.contains(&"ntp.xmt"));
        assert!(!known.iter().any(|n| n.starts_with("t.")));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("ip.srcx", "ip.src"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
