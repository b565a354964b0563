//! [`ConversationState`]: the ordered turns of one conversation, fed by the pipeline's events.
//!
//! The event methods live in `conversation/events.rs`; summary planning in `plan.rs`; seeding in `seed.rs`.

mod clip;
mod events;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::language::Language;
use crate::summary::{FactSheet, Summary};
use crate::turn::{Role, TranscriptStatus, Turn, TurnId};

/// Token counts of the latest response, provider-neutral (core maps the transport's usage into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenUsage {
    /// Input tokens: the whole context the model read.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input plus output: what [`crate::SummaryPolicy::trigger_tokens`] is compared with.
    pub total_tokens: u64,
}

/// The state of one conversation: ordered turns, pending transcripts, the latest usage, the summary and facts.
///
/// # Contract
/// The pipeline feeds it the provider-neutral events it sees, through the `on_*` methods, in arrival order:
/// - `on_user_item` when a user item exists (OpenAI `speech_started` gives its id; call it then, so the user turn is
///   placed before the reply even if its transcript comes last). `previous_item_id`, where the provider gives it,
///   places the item right after that item.
/// - `on_input_transcript` / `on_output_transcript` for transcript deltas and final texts; an unknown item id creates
///   the turn at the end. Without item ids (Gemini) text goes to the open turn of that role; a user turn created
///   while the assistant is already answering is placed before that answer.
/// - `on_assistant_audio` for the duration of audio received per assistant item, and `on_interrupted` on barge-in
///   with the duration actually played: the turn's text is clipped to what was heard.
/// - `on_response_done` when the model's turn ends; `on_tool_call`, `on_tool_result`, `on_tool_cancelled`;
///   `on_usage` for token counts; `assign_item_id` when a server id becomes known later.
///
/// Summaries: [`plan_summary`](Self::plan_summary) decides, [`apply_summary`](Self::apply_summary) or
/// [`abandon_summary`](Self::abandon_summary) ends the summary in flight. [`reseed`](Self::reseed) prepares a fresh
/// server session. Nothing here sends anything or does I/O.
#[derive(Debug, Clone)]
pub struct ConversationState {
    pub(crate) turns: Vec<Turn>,
    next_turn: u64,
    clock: fn() -> SystemTime,
    pub(crate) usage: Option<TokenUsage>,
    /// Whether `usage` was reported after the latest summary (older counts describe the unpruned context).
    pub(crate) usage_fresh: bool,
    pub(crate) summary: Option<Summary>,
    pub(crate) facts: FactSheet,
    /// Per assistant turn: the whole transcript and the audio received, for clipping on interruption.
    pub(crate) progress: HashMap<TurnId, clip::Progress>,
    /// The plan id of the summary in flight.
    pub(crate) in_flight: Option<u64>,
    pub(crate) next_plan: u64,
    pub(crate) next_seed: u64,
    /// Turns created since the latest summary ended (applied or abandoned); `None` before the first one.
    pub(crate) turns_since_summary: Option<usize>,
    /// The language detected so far, kept so that a weak guess does not flip it.
    pub(crate) detected_language: Option<Language>,
}

impl Default for ConversationState {
    fn default() -> Self {
        ConversationState::new()
    }
}

impl ConversationState {
    /// An empty conversation that timestamps turns with the system clock.
    pub fn new() -> Self {
        ConversationState::with_clock(SystemTime::now)
    }

    /// An empty conversation that timestamps turns with `clock` (for deterministic tests).
    pub fn with_clock(clock: fn() -> SystemTime) -> Self {
        ConversationState {
            turns: Vec::new(),
            next_turn: 1,
            clock,
            usage: None,
            usage_fresh: false,
            summary: None,
            facts: FactSheet::default(),
            progress: HashMap::new(),
            in_flight: None,
            next_plan: 1,
            next_seed: 1,
            turns_since_summary: None,
            detected_language: None,
        }
    }

    /// The turns, oldest first. A summary, when there is one, is the first turn.
    pub fn turns(&self) -> &[Turn] {
        &self.turns
    }

    /// The number of turns.
    pub fn len(&self) -> usize {
        self.turns.len()
    }

    /// Whether there are no turns.
    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }

    /// The turn with local id `id`.
    pub fn turn(&self, id: TurnId) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id == id)
    }

    /// The turn with server item id `item_id`.
    pub fn turn_by_item(&self, item_id: &str) -> Option<&Turn> {
        self.turns.iter().find(|t| t.item_id.as_deref() == Some(item_id))
    }

    /// The latest token usage reported.
    pub fn usage(&self) -> Option<TokenUsage> {
        self.usage
    }

    /// The latest summary applied, its facts merged with all earlier ones.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// The fact sheet accumulated over all summaries.
    pub fn facts(&self) -> &FactSheet {
        &self.facts
    }

    /// Whether a summary is in flight (planned, neither applied nor abandoned).
    pub fn is_summarizing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The language detected from user turns so far, if any.
    pub fn detected_language(&self) -> Option<&Language> {
        self.detected_language.as_ref()
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    pub(crate) fn index_of(&self, id: TurnId) -> Option<usize> {
        self.turns.iter().position(|t| t.id == id)
    }

    pub(crate) fn index_of_item(&self, item_id: &str) -> Option<usize> {
        self.turns.iter().position(|t| t.item_id.as_deref() == Some(item_id))
    }

    /// A new turn, not yet inserted; counts towards the summary debounce.
    pub(crate) fn make_turn(
        &mut self,
        role: Role,
        item_id: Option<&str>,
        transcript: TranscriptStatus,
    ) -> Turn {
        let id = TurnId::new(self.next_turn);
        self.next_turn += 1;
        if let Some(n) = self.turns_since_summary.as_mut() {
            *n += 1;
        }
        let now = self.now();
        let mut turn = Turn::new(id, role, String::new());
        turn.item_id = item_id.map(str::to_owned);
        turn.transcript = transcript;
        turn.created_at = now;
        turn.updated_at = now;
        turn
    }

    /// Inserts `turn` right after the item `previous_item_id` when it is known, else at the end. Returns its index.
    pub(crate) fn insert_after_item(&mut self, turn: Turn, previous_item_id: Option<&str>) -> usize {
        let at = previous_item_id.and_then(|p| self.index_of_item(p)).map_or(self.turns.len(), |p| p + 1);
        self.turns.insert(at, turn);
        at
    }

    /// Moves the turn at `index` right after `previous_item_id` when that item is known and elsewhere, as long as the
    /// turn is not settled (a settled turn may already be covered by a summary in flight). Returns its new index.
    pub(crate) fn move_after_item(&mut self, index: usize, previous_item_id: Option<&str>) -> usize {
        if self.turns[index].is_settled() {
            return index;
        }
        let Some(previous) = previous_item_id.and_then(|p| self.index_of_item(p)) else { return index };
        if previous == index || previous + 1 == index {
            return index;
        }
        let turn = self.turns.remove(index);
        let previous = if previous > index { previous - 1 } else { previous };
        self.turns.insert(previous + 1, turn);
        previous + 1
    }

    /// Marks the turn at `index` as changed now.
    pub(crate) fn touch(&mut self, index: usize) {
        let now = self.now();
        if let Some(turn) = self.turns.get_mut(index) {
            turn.updated_at = now;
        }
    }

    /// Records audio received for the assistant turn `id`.
    pub(crate) fn add_audio(&mut self, id: TurnId, duration: Duration) {
        self.progress.entry(id).or_default().audio += duration;
    }
}
