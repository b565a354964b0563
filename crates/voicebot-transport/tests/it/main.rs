//! Integration tests of voicebot-transport, one binary: the Responses client against a scripted HTTP server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod responses;
mod responses_server;
