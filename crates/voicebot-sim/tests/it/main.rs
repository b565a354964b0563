//! Integration tests of the simulator, driven by raw WebSocket and HTTP clients (never the transport crate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod faults;
mod gemini;
mod handoff;
mod openai;
mod responses;
mod speech;
mod support;
mod tls;
