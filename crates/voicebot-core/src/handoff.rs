//! The handoff assistant (design.md §1, §4): a main session that hears the wake phrase and calls one tool, a
//! text brain, and a reader that speaks the answer verbatim.

#[allow(dead_code, reason = "the actor that drives the machine lands in the next commit")]
pub(crate) mod machine;
