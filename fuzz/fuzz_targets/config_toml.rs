//! Fuzz target `config_toml`: the body is `config_toml` in `fuzz/bodies/config.rs`, shared with the replay test.

#![no_main]

#[allow(dead_code)]
#[path = "../bodies/config.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::config_toml(data));
