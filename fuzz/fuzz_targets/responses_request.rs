//! Fuzz target `responses_request`: the body is `responses_request` in `fuzz/bodies/protocol.rs`, shared with the replay test.

#![no_main]

#[allow(dead_code)]
#[path = "../bodies/protocol.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::responses_request(data));
