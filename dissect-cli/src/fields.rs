//! `-T fields -e NAME ... -E key=value`: output by field name, as tshark.
//!
//! tcpdump's `-e` (print the link header) and tshark's `-e NAME` share a
//! letter, so the arguments are split before clap sees them: only when a
//! `-T` is given do `-e NAME` and `-E OPTION` belong to the fields output;
//! otherwise `-e` stays tcpdump's flag.

use std::ffi::OsString;

use dissect_core::format::fields::{FieldsOptions, FieldsWriter};
use dissect_core::{FieldSet, Registry};

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

/// Checks the request against the registry's catalogue and builds its
/// writer and the fields the run must build (exactly the named ones); the
/// error is a usage message.
pub fn writer_for(
    request: &FieldsRequest,
    registry: &Registry,
) -> Result<(FieldsWriter, FieldSet), String> {
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
    let mut wanted = FieldSet::none();
    for name in &request.names {
        let field = registry.field(name).map_err(|unknown| {
            format!(
                "-e {name}: no such field; did you mean {}",
                unknown.closest.join(", ")
            )
        })?;
        wanted.insert(field.def());
        if std::ptr::eq(field.def(), &dissect_core::frame::PROTOCOLS) {
            let read = dissect_core::frame::PROTOCOLS_READ.iter();
            for def in read.filter_map(|name| registry.field(name).ok()) {
                wanted.insert(def.def());
            }
        }
    }
    Ok((FieldsWriter::new(request.names.clone(), options), wanted))
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
        // The run builds exactly the named fields, frame fields included.
        let (_, wanted) = writer_for(
            &request("fields", &["tcp.flags.syn", "frame.number"], &[]),
            &registry,
        )
        .unwrap();
        let syn = registry.field("tcp.flags.syn").unwrap();
        let number = registry.field("frame.number").unwrap();
        let ack = registry.field("tcp.flags.ack").unwrap();
        assert!(wanted.contains(syn.def()) && wanted.contains(number.def()));
        assert!(!wanted.contains(ack.def()) && !wanted.is_all());
    }
}
