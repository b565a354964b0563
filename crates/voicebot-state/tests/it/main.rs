//! Integration tests of voicebot-state: ordering, the summary policy, facts, language, answers, seeds, invariants.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod answer;
mod language;
mod ordering;
mod policy;
mod props;
mod seed;
mod support;
