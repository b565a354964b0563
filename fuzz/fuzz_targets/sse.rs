//! Fuzz target `sse`: the body is `sse` in `fuzz/bodies/protocol.rs`, shared with the replay test.

#![no_main]

#[allow(dead_code)]
#[path = "../bodies/protocol.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::sse(data));
