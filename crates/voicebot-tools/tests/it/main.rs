//! Integration tests of voicebot-tools: registry shapes, the runner, hostile paths, and the built-in tools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod builtins;
mod files;
mod registry;
mod runner;
mod support;
