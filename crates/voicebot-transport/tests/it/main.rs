//! Integration tests of voicebot-transport, one binary: the realtime clients against scripted WebSocket servers,
//! the connection machinery, and the Responses client against a scripted HTTP server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod failures;
mod gemini;
mod machinery;
mod openai;
mod responses;
mod responses_server;
mod sim_gemini;
mod sim_openai;
mod sim_responses;
mod support;
mod tls;
