//! Command-line arguments: tcpdump's short flags where tcpdump has one.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

use crate::fields::FieldsRequest;

/// Read a pcap or pcapng capture and print its packets, one line each, as
/// `tcpdump -nn` prints them (or as a field tree, hex dump or JSON).
#[derive(Parser, Debug)]
#[command(name = "dissect", version, disable_version_flag = true)]
pub struct Args {
    /// Capture file to read (pcap or pcapng); `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present_any = ["list_protocols", "list_fields", "read"])]
    pub file: Option<PathBuf>,

    /// Capture file to read (as tcpdump -r), instead of FILE.
    #[arg(short = 'r', value_name = "FILE", conflicts_with = "file")]
    pub read: Option<PathBuf>,

    /// Timestamps: -t none, -tt Unix seconds, -ttt delta from the previous
    /// packet, -tttt date and time, -ttttt delta from the first packet.
    #[arg(short = 't', action = ArgAction::Count)]
    pub t: u8,

    /// Print fractions of seconds in nanoseconds.
    #[arg(long)]
    pub nano: bool,

    /// More detail: -v, -vv, -vvv.
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,

    /// Print the link-level header on each line.
    #[arg(short = 'e')]
    pub link_header: bool,

    /// Print absolute TCP sequence numbers (tcpdump -S), not relative ones.
    #[arg(short = 'S')]
    pub absolute_seq: bool,

    /// Print the full field tree of each packet (like tshark -V).
    #[arg(short = 'V')]
    pub tree: bool,

    /// Hex and ASCII of each packet after its link header; -XX: whole frame.
    #[arg(short = 'X', action = ArgAction::Count)]
    pub hex_ascii: u8,

    /// Hex of each packet after its link header; -xx: whole frame.
    #[arg(short = 'x', action = ArgAction::Count)]
    pub hex: u8,

    /// One JSON object per packet per line.
    #[arg(long)]
    pub json: bool,

    /// Stop after printing N packets.
    #[arg(short = 'c', value_name = "N")]
    pub count: Option<u64>,

    /// Print the packet number at the start of each line (tcpdump -#).
    #[arg(short = '#', long = "number")]
    pub number: bool,

    /// Keep only packets with a layer NAME; with -V or --json show only it.
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,

    /// Decode a dissector table key as a protocol, e.g. `udp.port==4123,ntp`.
    #[arg(long = "decode-as", value_name = "TABLE==KEY,PROTO")]
    pub decode_as: Vec<String>,

    /// Print the protocols dissect knows and exit.
    #[arg(long = "list-protocols")]
    pub list_protocols: bool,

    /// Print every field dissect knows (or PROTO's) in tshark -G fields'
    /// layout and exit.
    #[arg(
        long = "list-fields",
        value_name = "PROTO",
        num_args = 0..=1,
        default_missing_value = ""
    )]
    pub list_fields: Option<String>,

    /// Flush the output after every packet (default when it is a terminal).
    #[arg(short = 'l')]
    pub line_buffered: bool,

    /// Accepted for tcpdump compatibility: addresses and ports are never
    /// resolved.
    #[arg(short = 'n', action = ArgAction::Count, hide = true)]
    pub numeric: u8,

    /// Print version.
    #[arg(long, action = ArgAction::Version)]
    pub version: Option<bool>,

    /// `-T fields -e NAME ... -E OPTION`, taken out of argv before clap
    /// parses the rest (see `fields::split_args`).
    #[arg(skip)]
    pub fields: Option<FieldsRequest>,
}

impl Args {
    /// The capture path, from FILE or -r.
    pub fn path(&self) -> Option<&PathBuf> {
        self.read.as_ref().or(self.file.as_ref())
    }
}
