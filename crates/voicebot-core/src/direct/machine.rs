//! The direct pipeline's decisions as a pure state machine: one realtime session, streaming playback, barge-in
//! truncated to what was played, tools, summarization on usage, and reseeding after the session expires.
//!
//! [`Machine::on_input`] takes one [`Input`] and returns [`Command`]s; the actor in `direct.rs` does the I/O
//! (plays audio, flushes the speaker, talks to the session, runs tools and the summarizer).

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use voicebot_state::{
    ConversationState, InsertPosition, LanguagePolicy, PruningPlan, Role, Summary, SummaryPolicy, TokenUsage,
};
use voicebot_transport::{ItemRole, RealtimeEvent, SeedRole, TurnStatus};

use crate::journal::Entry;

/// Output audio rate of both providers.
const OUTPUT_RATE_HZ: u64 = 24_000;

/// Something that happened, fed to the machine by the actor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// An event of the session.
    Session(RealtimeEvent),
    /// The speaker was flushed for a barge-in: `item_id` had been played for `played`; `cut` is false when its
    /// audio had already finished playing (nothing was cut, so there is nothing to truncate).
    Flushed { item_id: Option<String>, played: Duration, cut: bool },
    /// A tool finished (the output is an object: a result or an error payload).
    ToolDone { call_id: String, name: String, output: Value },
    /// The summarizer finished the plan with this id.
    Summarized { plan_id: u64, result: Result<Summary, String> },
}

/// Something the actor must do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    /// Queue assistant audio for playback.
    Play { item_id: Option<String>, samples: Vec<i16> },
    /// Barge-in: flush the speaker at once and answer with [`Input::Flushed`].
    Flush,
    /// Cut an assistant item at what was played.
    Truncate { item_id: String, played: Duration },
    /// Cancel the active response.
    Cancel,
    /// Run a tool.
    RunTool { call_id: String, name: String, arguments: Value },
    /// Answer a tool call.
    SendToolResult { call_id: String, name: String, output: Value },
    /// Summarize the plan's turns.
    Summarize(PruningPlan),
    /// Create a context item (`previous_item_id`: `Some("root")` first, `None` appended).
    InsertItem { item_id: String, role: SeedRole, text: String, previous_item_id: Option<String> },
    /// Delete a server item.
    DeleteItem { item_id: String },
    /// Ask the server for an item (a user transcript that never came).
    RetrieveItem { item_id: String },
    /// Record a journal entry.
    Record(Entry),
}

/// How the machine behaves.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// When to summarize.
    pub(crate) policy: SummaryPolicy,
    /// The summary's language.
    pub(crate) language: LanguagePolicy,
    /// Whether the server cancels its own response when the user starts speaking (server VAD with
    /// `interrupt_response`): then a barge-in never sends `response.cancel`.
    pub(crate) server_interrupts: bool,
    /// How many turns a fresh session is seeded with besides the summary.
    pub(crate) seed_turns: usize,
}

/// The direct pipeline's state.
#[derive(Debug)]
pub(crate) struct Machine {
    settings: Settings,
    state: ConversationState,
    /// The assistant item whose audio was played last (a barge-in flushes it).
    playing: Option<String>,
    response_active: bool,
    seen_calls: HashSet<String>,
    plan: Option<PruningPlan>,
    retrieved: HashSet<String>,
    completed: u32,
    /// Whether the current response has said anything (audio or text): a response that only calls a tool is
    /// not an assistant turn.
    spoke: bool,
    /// The assistant turn whose transcript is not yet in the journal.
    said_turn: Option<voicebot_state::TurnId>,
    reseed_pending: bool,
}

impl Machine {
    pub(crate) fn new(settings: Settings) -> Machine {
        Machine {
            settings,
            state: ConversationState::new(),
            playing: None,
            response_active: false,
            seen_calls: HashSet::new(),
            plan: None,
            retrieved: HashSet::new(),
            completed: 0,
            spoke: false,
            said_turn: None,
            reseed_pending: false,
        }
    }

    /// Completed assistant turns that said something (the CLI's `--max-turns`).
    pub(crate) fn completed(&self) -> u32 {
        self.completed
    }

    /// The assistant item whose audio was queued last.
    pub(crate) fn playing(&self) -> Option<&str> {
        self.playing.as_deref()
    }

    /// The conversation so far.
    pub(crate) fn state(&self) -> &ConversationState {
        &self.state
    }

    /// One step.
    pub(crate) fn on_input(&mut self, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        match input {
            Input::Session(event) => self.on_event(event, &mut out),
            Input::Flushed { item_id, played, cut } => self.on_flushed(item_id, played, cut, &mut out),
            Input::ToolDone { call_id, name, output } => {
                if self.state.on_tool_result(&call_id, output.clone()).is_some() {
                    out.push(Command::SendToolResult { call_id, name, output });
                }
            }
            Input::Summarized { plan_id, result } => self.on_summarized(plan_id, result, &mut out),
        }
        out
    }

    fn on_event(&mut self, event: RealtimeEvent, out: &mut Vec<Command>) {
        match event {
            RealtimeEvent::SpeechStarted { item_id, .. } => {
                self.state.on_user_item(item_id.as_deref(), None);
                if self.playing.is_some() {
                    out.push(Command::Flush);
                }
            }
            RealtimeEvent::ItemAdded { item_id, previous_item_id, role } => match role {
                ItemRole::User => {
                    self.state.on_user_item(Some(&item_id), previous_item_id.as_deref());
                }
                ItemRole::Assistant => {
                    self.state.on_assistant_item(Some(&item_id), previous_item_id.as_deref());
                }
                ItemRole::System => {}
            },
            RealtimeEvent::InputTranscript { item_id, text, is_final } => {
                self.state.on_input_transcript(item_id.as_deref(), &text, is_final);
                if is_final && !text.trim().is_empty() {
                    out.push(Command::Record(Entry::Heard { text: text.trim().to_owned() }));
                }
            }
            RealtimeEvent::OutputTranscript { item_id, text, is_final } => {
                self.spoke |= !text.is_empty();
                let turn = self.state.on_output_transcript(item_id.as_deref(), &text, is_final);
                self.said_turn = Some(turn);
                if is_final {
                    self.record_said(out);
                }
            }
            RealtimeEvent::AudioDelta { item_id, samples } => {
                let duration = Duration::from_micros(samples.len() as u64 * 1_000_000 / OUTPUT_RATE_HZ);
                self.state.on_assistant_audio(item_id.as_deref(), duration);
                self.playing = Some(item_id.clone().unwrap_or_default());
                self.spoke = true;
                out.push(Command::Play { item_id, samples });
            }
            RealtimeEvent::ResponseStarted { .. } => self.response_active = true,
            RealtimeEvent::ToolCall { call_id, name, arguments } => {
                self.on_tool_call(call_id, name, arguments, out)
            }
            RealtimeEvent::ToolCallsCancelled { call_ids } => {
                for call_id in call_ids {
                    self.state.on_tool_cancelled(&call_id);
                }
            }
            RealtimeEvent::Usage(usage) => self.state.on_usage(TokenUsage {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                total_tokens: usage.total_tokens,
            }),
            RealtimeEvent::TurnComplete { status, .. } => {
                self.response_active = false;
                self.state.on_response_done();
                // Gemini's output transcript comes in pieces with no final one: the turn's end closes it.
                self.record_said(out);
                if status == TurnStatus::Completed && std::mem::take(&mut self.spoke) {
                    self.completed += 1;
                }
                self.spoke = false;
                self.retrieve_missing(out);
                self.maybe_summarize(out);
            }
            RealtimeEvent::Interrupted if self.playing.is_some() => out.push(Command::Flush),
            RealtimeEvent::SessionExpired { message } => {
                out.push(Command::Record(Entry::Warning { message: format!("session expired: {message}") }));
                self.reseed_pending = true;
            }
            RealtimeEvent::Reconnected { resumed, .. } => {
                out.push(Command::Record(Entry::Reconnected { role: "direct".into(), resumed }));
                self.playing = None;
                self.response_active = false;
                if !resumed || self.reseed_pending {
                    self.reseed(out);
                }
            }
            RealtimeEvent::Warning { code, message } => {
                out.push(Command::Record(Entry::Warning {
                    message: format!("{}: {message}", code.unwrap_or_default()),
                }));
            }
            _ => {}
        }
    }

    /// Records what the assistant said in the turn being transcribed, once.
    fn record_said(&mut self, out: &mut Vec<Command>) {
        if let Some(turn) = self.said_turn.take().and_then(|id| self.state.turn(id))
            && !turn.text.trim().is_empty()
        {
            out.push(Command::Record(Entry::Said { text: turn.text.clone(), interrupted: turn.interrupted }));
        }
    }

    /// Runs a call once per call id.
    fn on_tool_call(&mut self, call_id: String, name: String, arguments: Value, out: &mut Vec<Command>) {
        if !self.seen_calls.insert(call_id.clone()) {
            return;
        }
        self.state.on_tool_call(&call_id, &name, arguments.clone());
        out.push(Command::Record(Entry::ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
        }));
        out.push(Command::RunTool { call_id, name, arguments });
    }

    fn on_flushed(&mut self, item_id: Option<String>, played: Duration, cut: bool, out: &mut Vec<Command>) {
        let item = item_id.or_else(|| self.playing.clone().filter(|id| !id.is_empty()));
        self.playing = None;
        if !cut {
            return;
        }
        out.push(Command::Record(Entry::BargeIn {
            item_id: item.clone(),
            played_ms: u64::try_from(played.as_millis()).unwrap_or(u64::MAX),
        }));
        self.state.on_interrupted(item.as_deref(), played, None);
        if let Some(item_id) = item
            && !played.is_zero()
        {
            out.push(Command::Truncate { item_id, played });
        }
        if self.response_active && !self.settings.server_interrupts {
            out.push(Command::Cancel);
        }
    }

    /// Asks the server again for user transcripts that never came, once per item, when a later turn has ended.
    fn retrieve_missing(&mut self, out: &mut Vec<Command>) {
        let turns = self.state.turns();
        let Some(last_user) = turns.iter().rposition(|t| t.role == Role::User) else { return };
        for turn in &turns[..last_user] {
            if turn.role == Role::User
                && !turn.is_settled()
                && let Some(item_id) = &turn.item_id
                && self.retrieved.insert(item_id.clone())
            {
                out.push(Command::RetrieveItem { item_id: item_id.clone() });
            }
        }
    }

    fn maybe_summarize(&mut self, out: &mut Vec<Command>) {
        if self.plan.is_some() {
            return;
        }
        if let Ok(plan) = self.state.plan_summary(&self.settings.policy, &self.settings.language) {
            self.plan = Some(plan.clone());
            out.push(Command::Summarize(plan));
        }
    }

    fn on_summarized(&mut self, plan_id: u64, result: Result<Summary, String>, out: &mut Vec<Command>) {
        let Some(plan) = self.plan.take_if(|plan| plan.id == plan_id) else { return };
        let summary = match result {
            Ok(summary) => summary,
            Err(error) => {
                self.state.abandon_summary(&plan);
                out.push(Command::Record(Entry::Warning { message: format!("summary failed: {error}") }));
                return;
            }
        };
        match self.state.apply_summary(&plan, summary) {
            Ok(item) => {
                let previous_item_id = match item.position {
                    InsertPosition::Start => Some("root".to_owned()),
                    InsertPosition::After(id) => Some(id),
                };
                out.push(Command::InsertItem {
                    item_id: item.item_id,
                    role: SeedRole::System,
                    text: item.text,
                    previous_item_id,
                });
                for item_id in &plan.delete_item_ids {
                    out.push(Command::DeleteItem { item_id: item_id.clone() });
                }
                out.push(Command::Record(Entry::Summarized {
                    turns: plan.turns.len(),
                    deleted: plan.delete_item_ids.len(),
                }));
            }
            Err(error) => {
                out.push(Command::Record(Entry::Warning {
                    message: format!("summary not applied: {error}"),
                }));
            }
        }
    }

    /// A fresh server session: seed it with the summary and the recent turns, appended in order.
    fn reseed(&mut self, out: &mut Vec<Command>) {
        self.reseed_pending = false;
        if let Some(plan) = self.plan.take() {
            self.state.abandon_summary(&plan);
        }
        let seed = self.state.reseed(self.settings.seed_turns);
        for item in seed.items {
            let role = match item.role {
                Role::User => SeedRole::User,
                Role::Assistant => SeedRole::Assistant,
                Role::System | Role::Tool => SeedRole::System,
            };
            out.push(Command::InsertItem {
                item_id: item.item_id,
                role,
                text: item.text,
                previous_item_id: None,
            });
        }
    }
}

#[cfg(test)]
mod tests;
