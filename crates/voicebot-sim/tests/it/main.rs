//! Integration tests of the simulator, driven by raw WebSocket and HTTP clients (never the transport crate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod faults;
mod gemini;
mod openai;
mod responses;
mod support;
