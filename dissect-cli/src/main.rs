//! `dissect`: reads a pcap/pcapng capture and prints its packets like
//! `tcpdump -nn` (or as a field tree, hex dump or JSON).
//!
//! Data goes to stdout, errors to stderr as `dissect: FILE: reason`. Exit
//! status 0 only when the whole file was read.

// No input may make dissect panic (see dissect-core's lib.rs).
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable
    )
)]

mod args;
mod fields;
mod output;
mod pipeline;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use dissect_core::capture::{CaptureFormat, CaptureReader};
use dissect_core::format::{TimeFormat, Timestamps};
use dissect_core::frame::FrameFields;
use dissect_core::{Registry, RenderOptions, Table};

use args::Args;
use output::{FieldsOutput, Hex, Mode, Printer};
use pipeline::{Selection, Stop, Worker};

/// Bytes of output gathered before each write to stdout.
const OUTPUT_BUFFER: usize = 1 << 20;

/// Threads a capture is split across at most: each reads the whole file.
const MAX_SHARDS: usize = 4;

/// Dissector tables `--decode-as` can override.
const DECODE_AS_TABLES: [Table; 5] = [
    Table::LINKTYPE,
    Table::ETHERTYPE,
    Table::IP_PROTO,
    Table::TCP_PORT,
    Table::UDP_PORT,
];

fn main() -> ExitCode {
    // `-T fields` gives `-e` another meaning: split it off before clap.
    let (argv, fields) = fields::split_args(std::env::args_os().collect());
    let mut args = Args::parse_from(argv);
    args.fields = fields;
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`dissect x | head`): not an error.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("dissect: error writing output: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Message(message)) => {
            eprintln!("dissect: {message}");
            ExitCode::FAILURE
        }
        // Exit status 2, as clap's own usage errors.
        Err(Failure::Usage(message)) => {
            eprintln!("dissect: {message}");
            ExitCode::from(2)
        }
    }
}

enum Failure {
    /// Writing to stdout failed.
    Output(io::Error),
    /// Anything else, already worded for the user.
    Message(String),
    /// A bad command line (exit status 2).
    Usage(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Output(e)
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let mut registry = build_registry(args)?;
    let fields_writer = match &args.fields {
        Some(request) => {
            if args.json || args.tree || args.hex > 0 || args.hex_ascii > 0 {
                return Err(Failure::Usage(
                    "-T fields cannot be combined with -V, --json, -x or -X".into(),
                ));
            }
            let (writer, wanted) =
                fields::writer_for(request, &registry).map_err(Failure::Usage)?;
            // Build exactly the columns' fields.
            registry.set_fields(wanted);
            Some(writer)
        }
        None => None,
    };
    // The default line reads a handful of fields: build only those.
    if !args.json && !args.tree && args.verbose == 0 && fields_writer.is_none() {
        registry.set_fields(registry.line_fields());
    }
    let stdout = io::stdout();
    let flush_each = args.line_buffered || stdout.is_terminal();
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock());
    if let Some(protocol) = &args.list_fields {
        list_fields(&registry, protocol, &mut out)?;
        out.flush()?;
        return Ok(());
    }
    if args.list_protocols {
        list_protocols(&registry, &mut out)?;
        out.flush()?;
        return Ok(());
    }
    let Some(path) = args.path() else {
        return Err(Failure::Message("no capture file given".into()));
    };
    let shown = path.display();
    let open = || {
        CaptureReader::open(path).map_err(|e| Failure::Message(format!("{shown}: {}", e.message)))
    };
    let reader = open()?;
    let mut printer = printer_for(args);
    if let Some(writer) = fields_writer {
        let mut start = String::new();
        writer.write_start(&mut start);
        out.write_all(start.as_bytes())?;
        printer.mode = Mode::Fields;
        printer.fields = Some(Box::new(FieldsOutput {
            writer,
            frame: FrameFields::new(reader.format() == CaptureFormat::PcapNg),
        }));
    }
    let worker = Worker {
        reader,
        registry,
        printer: printer.clone(),
    };
    let selection = Selection {
        capture_filter: None,
        display_filter: None,
        layer: args.layer.as_deref(),
        count: args.count,
    };
    let shards = shard_count(args, path, flush_each);
    let result = if shards > 1 {
        let mut workers = vec![worker];
        while workers.len() < shards {
            let mut registry = build_registry(args)?;
            registry.set_fields(registry.line_fields());
            workers.push(Worker {
                reader: open()?,
                registry,
                printer: printer.clone(),
            });
        }
        pipeline::run_sharded(workers, &selection, &mut out)
    } else {
        pipeline::run(worker, &selection, flush_each, &mut out)
    };
    match result {
        Ok(()) => Ok(()),
        Err(Stop::Output(e)) => Err(Failure::Output(e)),
        Err(Stop::Capture(e)) => Err(Failure::Message(format!("{shown}: {e}"))),
    }
}

/// Threads to split the capture across by conversation (see
/// [`pipeline::run_sharded`]), or 1. Only the default one-line text of a
/// regular file qualifies: its state is per conversation, and the file can
/// be read once per thread. Time deltas between packets, -v (whose
/// analysis numbers streams across the whole capture), decode-as rules (a
/// tunnel the conversation key does not know) and output flushed per
/// packet stay on one thread. `DISSECT_THREADS=N` sets the number (the
/// tests compare 1 with several), otherwise one per core.
fn shard_count(args: &Args, path: &std::path::Path, flush_each: bool) -> usize {
    let time = output::time_format(args.t);
    let one_line = !args.json && !args.tree && args.verbose == 0 && args.fields.is_none();
    let qualifies = one_line
        && args.decode_as.is_empty()
        && !flush_each
        && !matches!(time, TimeFormat::DeltaPrevious | TimeFormat::DeltaFirst)
        && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    if !qualifies {
        return 1;
    }
    let wanted = std::env::var("DISSECT_THREADS")
        .ok()
        .and_then(|n| n.parse().ok());
    let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
    wanted.unwrap_or_else(cores).clamp(1, MAX_SHARDS)
}

/// The protocols with the --decode-as rules applied.
fn build_registry(args: &Args) -> Result<Registry, Failure> {
    let mut registry = dissect_protocols::registry();
    for rule in &args.decode_as {
        apply_decode_as(&mut registry, rule).map_err(Failure::Message)?;
    }
    Ok(registry)
}

fn printer_for(args: &Args) -> Printer {
    let mode = if args.json {
        Mode::Json
    } else if args.tree {
        Mode::Tree
    } else {
        Mode::Line
    };
    let options = RenderOptions {
        verbose: args.verbose.min(3),
        link_header: args.link_header,
        absolute_seq: args.absolute_seq,
    };
    let mut time = Timestamps::new(output::time_format(args.t));
    time.nano = args.nano;
    let mut printer = Printer::new(mode, time, options);
    printer.number = args.number;
    printer.only = args.layer.clone();
    printer.hex = if args.hex_ascii > 0 {
        Hex::Ascii {
            whole_frame: args.hex_ascii > 1,
        }
    } else if args.hex > 0 {
        Hex::Plain {
            whole_frame: args.hex > 1,
        }
    } else {
        Hex::None
    };
    printer
}

/// `udp.port==4123,ntp`: payloads keyed 4123 in `udp.port` go to `ntp`.
fn apply_decode_as(registry: &mut Registry, rule: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!("--decode-as '{rule}': {why} (expected TABLE==KEY,PROTO, e.g. udp.port==4123,ntp)")
    };
    let (table_name, rest) = rule.split_once("==").ok_or_else(|| bad("no '=='"))?;
    let (key, protocol) = rest.split_once(',').ok_or_else(|| bad("no ','"))?;
    let table = DECODE_AS_TABLES
        .iter()
        .find(|t| t.name() == table_name.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = DECODE_AS_TABLES.iter().map(|t| t.name()).collect();
            bad(&format!(
                "unknown table '{table_name}'; known tables: {}",
                known.join(", ")
            ))
        })?;
    let key = parse_key(key.trim()).ok_or_else(|| bad(&format!("bad key '{key}'")))?;
    let protocol = protocol.trim();
    registry.decode_as(*table, key, protocol).map_err(|_| {
        let mut names: Vec<&str> = registry.dissectors().map(|d| d.name()).collect();
        names.sort_unstable();
        format!(
            "--decode-as '{rule}': unknown protocol '{protocol}'; known protocols: {}",
            names.join(", ")
        )
    })
}

/// A table key in decimal or `0x` hexadecimal.
fn parse_key(key: &str) -> Option<u32> {
    match key.strip_prefix("0x").or_else(|| key.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => key.parse().ok(),
    }
}

fn list_protocols(registry: &Registry, out: &mut impl Write) -> io::Result<()> {
    let mut protocols: Vec<(&str, &str)> = registry
        .dissectors()
        .map(|d| (d.name(), d.full_name()))
        .collect();
    protocols.sort_unstable();
    for (name, full_name) in protocols {
        writeln!(out, "{name:<12} {full_name}")?;
    }
    Ok(())
}

/// The field catalogue as `tshark -G fields` prints it, all of it or one
/// protocol's (`""`: all).
fn list_fields(registry: &Registry, protocol: &str, out: &mut impl Write) -> Result<(), Failure> {
    let catalogue = registry.catalogue();
    let only = (!protocol.is_empty()).then_some(protocol);
    if let Some(name) = only {
        if !catalogue.protocols().iter().any(|p| p.name == name) {
            let known: Vec<_> = catalogue.protocols().iter().map(|p| p.name).collect();
            return Err(Failure::Message(format!(
                "--list-fields {name}: no protocol named '{name}' (known: {})",
                known.join(", ")
            )));
        }
    }
    let mut text = String::new();
    catalogue.write_tshark_fields(only, &mut text);
    out.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_as_rules() {
        let mut registry = dissect_protocols::registry();
        assert!(apply_decode_as(&mut registry, "udp.port==4123,data").is_ok());
        assert!(apply_decode_as(&mut registry, "ethertype==0x88b5,data").is_ok());
        let err = apply_decode_as(&mut registry, "udp.port==4123,nosuch").unwrap_err();
        assert!(
            err.contains("known protocols:") && err.contains("eth"),
            "{err}"
        );
        let err = apply_decode_as(&mut registry, "foo.port==1,data").unwrap_err();
        assert!(err.contains("known tables: linktype"), "{err}");
        assert!(apply_decode_as(&mut registry, "udp.port=1,data").is_err());
        assert!(apply_decode_as(&mut registry, "udp.port==x,data").is_err());
    }
}
