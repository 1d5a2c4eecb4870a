//! The input is a capture file (pcap or pcapng).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dissect_fuzz::capture_file(data));
