//! Fuzz target `openai_server`: the body is `openai_server` in `fuzz/bodies/protocol.rs`, shared with the replay test.

#![no_main]

#[allow(dead_code)]
#[path = "../bodies/protocol.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::openai_server(data));
