//! The first byte picks the link type, the second the snaplen cut; the rest
//! is the frame.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dissect_fuzz::pipeline_any(data));
