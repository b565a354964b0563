//! Conversation state for voicebot: turns, transcripts, usage and the summarization policy.
//!
//! # Role
//! `Turn` and `ConversationState` keep an ordered record of what was said, placing late or out-of-order transcripts
//! by item id. `SummaryPolicy` decides when a long conversation must be summarized (token and turn thresholds,
//! debounced), keeps the last turns verbatim, never separates a tool call from its result, and merges the fact
//! sheet from one summary to the next. The result is a pruning plan as plain data.
//!
//! # What it deliberately does not do
//! It sends nothing and sees no wire JSON: `voicebot-core` applies a pruning plan to a provider. It does not call a
//! language model; the `Summarizer` trait is implemented over a text model in core. It has no async code.
//!
//! # Status
//! The state model lands with the state and tools issue; today the crate holds only this contract.
