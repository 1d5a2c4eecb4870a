//! The input is one frame of link type ETHERNET.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dissect_fuzz::pipeline(dissect_core::linktype::ETHERNET, data));
