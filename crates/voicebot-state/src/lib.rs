//! Conversation state for voicebot: turns, transcripts, usage and the summarization policy.
//!
//! # Role
//! [`ConversationState`] keeps an ordered record of [`Turn`]s, fed by the pipeline's provider-neutral events. Late
//! or out-of-order transcripts are placed by item id, so a user transcript that arrives after the assistant's reply
//! still sits before it, and an interrupted assistant turn is clipped to what the user heard.
//!
//! [`SummaryPolicy`] decides when a long conversation is summarized (token and turn triggers, debounced), keeps the
//! last turns verbatim, never separates a tool call from its result and waits for missing transcripts. The decision
//! is a [`PruningPlan`], plain data: server items to delete, the `system` item to insert and where. A [`Summary`] is a
//! synopsis plus a [`FactSheet`]; facts merge from one summary to the next and are never silently dropped. A
//! [`Seed`] carries the summary and the last turns into a fresh session (Gemini reseeding, OpenAI
//! `session_expired`). The summary language follows a [`LanguagePolicy`]: forced, or detected from recent user turns.
//!
//! The [`Summarizer`] seam has [`NullSummarizer`] here; the pure half of the LLM summarizer is here too
//! ([`summary_prompt`] and [`parse_summary_answer`]), so core only wires a text model to it.
//!
//! # What it deliberately does not do
//! It sends nothing and sees no wire JSON: `voicebot-core` maps transport events to the `on_*` methods and applies a
//! pruning plan to a provider. It calls no language model. It has no async code besides the [`Summarizer`] trait,
//! no I/O and no clock of its own beyond timestamps (injectable with [`ConversationState::with_clock`]).
//!
//! # Example
//! ```
//! use voicebot_state::{ConversationState, LanguagePolicy, Summary, FactSheet, SummaryPolicy};
//!
//! let mut state = ConversationState::new();
//! let policy = SummaryPolicy::default().with_trigger_turns(Some(4)).with_keep_last_turns(2);
//! for n in 0..3 {
//!     state.on_user_item(Some(&format!("u{n}")), None);
//!     state.on_input_transcript(Some(&format!("u{n}")), "hello there", true);
//!     state.on_output_transcript(Some(&format!("a{n}")), "hi!", true);
//! }
//! let plan = state.plan_summary(&policy, &LanguagePolicy::default()).expect("a summary is due");
//! assert_eq!(plan.delete_item_ids, ["u0", "a0", "u1", "a1"]);
//! let item = state.apply_summary(&plan, Summary::new("They greeted.", FactSheet::default())).expect("in flight");
//! assert_eq!(state.turns().len(), 3);
//! assert_eq!(state.turns()[0].item_id.as_deref(), Some(item.item_id.as_str()));
//! ```

mod answer;
mod conversation;
mod error;
mod language;
mod plan;
mod policy;
mod prompt;
mod seed;
mod summarizer;
mod summary;
mod turn;

pub use answer::parse_summary_answer;
pub use conversation::{ConversationState, TokenUsage};
pub use error::{Error, Result, SummarizeError};
pub use language::{AutoDetect, Language, LanguagePolicy, detect_language};
pub use plan::{InsertPosition, PruningPlan, SystemItem};
pub use policy::{Skip, SummaryPolicy};
pub use prompt::{SummaryPrompt, summary_prompt};
pub use seed::{Seed, SeedItem};
pub use summarizer::{NullSummarizer, Summarizer};
pub use summary::{FactSheet, Summary};
pub use turn::{Role, ToolPart, TranscriptStatus, Turn, TurnId};
