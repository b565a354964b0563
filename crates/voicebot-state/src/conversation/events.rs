//! The event methods of [`ConversationState`]: what the pipeline calls as the provider's events arrive.

use std::time::Duration;

use serde_json::{Value, json};

use super::{ConversationState, TokenUsage};
use crate::turn::{Role, ToolPart, TranscriptStatus, TurnId, render_tool};

impl ConversationState {
    /// A user item exists. Idempotent per item id; a known item still waiting for its transcript is moved after
    /// `previous_item_id` when that differs.
    /// Without an item id (Gemini) it opens an anonymous user turn that id-less transcripts fill.
    pub fn on_user_item(&mut self, item_id: Option<&str>, previous_item_id: Option<&str>) -> TurnId {
        self.on_item(Role::User, item_id, previous_item_id)
    }

    /// An assistant item exists; like [`on_user_item`](Self::on_user_item).
    pub fn on_assistant_item(&mut self, item_id: Option<&str>, previous_item_id: Option<&str>) -> TurnId {
        self.on_item(Role::Assistant, item_id, previous_item_id)
    }

    fn on_item(&mut self, role: Role, item_id: Option<&str>, previous_item_id: Option<&str>) -> TurnId {
        if let Some(index) = item_id.and_then(|id| self.index_of_item(id)) {
            let index = self.move_after_item(index, previous_item_id);
            return self.turns[index].id;
        }
        let turn = self.make_turn(role, item_id, TranscriptStatus::Pending);
        let id = turn.id;
        self.insert_after_item(turn, previous_item_id);
        id
    }

    /// Text of what the user said: a delta, or the whole transcript when `is_final`.
    ///
    /// A final text replaces what arrived before, except on an id-less turn where it does not start with it: then
    /// it is the last chunk (Gemini's `finished` chunk) and is appended. Deltas after the final text are ignored.
    pub fn on_input_transcript(&mut self, item_id: Option<&str>, text: &str, is_final: bool) -> TurnId {
        let index = self.text_target(Role::User, item_id);
        let turn = &mut self.turns[index];
        if is_final {
            turn.text = merge_final(&turn.text, text, item_id.is_none());
            turn.transcript = TranscriptStatus::Final;
        } else if !turn.is_settled() {
            turn.text.push_str(text);
            turn.transcript = TranscriptStatus::Partial;
        }
        let id = turn.id;
        self.touch(index);
        id
    }

    /// Transcription of a user item failed: no text will come, so the summary policy stops waiting for it.
    pub fn on_input_transcript_failed(&mut self, item_id: Option<&str>) -> Option<TurnId> {
        let index = match item_id {
            Some(id) => self.index_of_item(id)?,
            None => self.open_anonymous(Role::User)?,
        };
        if !self.turns[index].is_settled() {
            self.turns[index].transcript = TranscriptStatus::Unavailable;
            self.touch(index);
        }
        Some(self.turns[index].id)
    }

    /// Text of what the model said: a delta, or the whole transcript when `is_final`. An interrupted turn keeps
    /// only what was heard, clipped again as more text arrives.
    pub fn on_output_transcript(&mut self, item_id: Option<&str>, text: &str, is_final: bool) -> TurnId {
        let index = self.text_target(Role::Assistant, item_id);
        let id = self.turns[index].id;
        let settled = self.turns[index].is_settled();
        let interrupted = self.turns[index].interrupted;
        let progress = self.progress.entry(id).or_default();
        if is_final {
            progress.full = merge_final(&progress.full, text, item_id.is_none());
        } else if !settled || interrupted {
            progress.full.push_str(text);
        }
        let visible = progress.visible_text();
        let turn = &mut self.turns[index];
        if !settled || interrupted || is_final {
            turn.text = visible;
        }
        if is_final {
            turn.transcript = TranscriptStatus::Final;
        } else if !settled {
            turn.transcript = TranscriptStatus::Partial;
        }
        self.touch(index);
        id
    }

    /// Audio received for an assistant item (or the open id-less one), used to clip the text on interruption.
    pub fn on_assistant_audio(&mut self, item_id: Option<&str>, duration: Duration) -> TurnId {
        let index = self.text_target(Role::Assistant, item_id);
        let id = self.turns[index].id;
        self.add_audio(id, duration);
        id
    }

    /// The user barged in: the assistant item (or, without an id, the latest assistant turn) was heard for
    /// `heard`. Its text becomes `heard_text` when given, else the share of the transcript matching the share of
    /// audio heard (or a speaking-rate estimate). The turn is settled. Returns `None` without an assistant turn.
    pub fn on_interrupted(
        &mut self,
        item_id: Option<&str>,
        heard: Duration,
        heard_text: Option<&str>,
    ) -> Option<TurnId> {
        let index = match item_id {
            Some(id) => self.index_of_item(id)?,
            None => self.turns.iter().rposition(|t| t.role == Role::Assistant)?,
        };
        let id = self.turns[index].id;
        let progress = self.progress.entry(id).or_default();
        if progress.full.is_empty() {
            progress.full.clone_from(&self.turns[index].text);
        }
        progress.heard = Some(heard);
        progress.heard_text = heard_text.map(str::to_owned);
        progress.late_text_open = true;
        let visible = progress.visible_text();
        let turn = &mut self.turns[index];
        turn.text = visible;
        turn.interrupted = true;
        turn.heard = Some(heard);
        turn.transcript = TranscriptStatus::Final;
        self.touch(index);
        Some(id)
    }

    /// The model's turn ended: open assistant turns are settled, and so are id-less user turns with text
    /// (Gemini does not always mark its input transcript finished). An interrupted id-less turn stops taking late
    /// text.
    pub fn on_response_done(&mut self) {
        for progress in self.progress.values_mut() {
            progress.late_text_open = false;
        }
        let now = self.now();
        for turn in &mut self.turns {
            let settle = match turn.role {
                Role::Assistant => !turn.is_settled(),
                Role::User => turn.item_id.is_none() && turn.transcript == TranscriptStatus::Partial,
                Role::System | Role::Tool => false,
            };
            if settle {
                turn.transcript = TranscriptStatus::Final;
                turn.updated_at = now;
            }
        }
    }

    /// The model called a function. Idempotent per call id (a repeated call returns the existing turn).
    pub fn on_tool_call(&mut self, call_id: &str, name: &str, arguments: Value) -> TurnId {
        if let Some(turn) = self.turns.iter().find(|t| t.call_id() == Some(call_id)) {
            return turn.id;
        }
        let part = ToolPart::Call { call_id: call_id.to_owned(), name: name.to_owned(), arguments };
        self.push_tool(part)
    }

    /// The result of a call. Returns `None` for an unknown call id (a result is never recorded without its call);
    /// a second result for the same call returns the first one's turn unchanged.
    pub fn on_tool_result(&mut self, call_id: &str, output: Value) -> Option<TurnId> {
        self.turns.iter().find(|t| t.call_id() == Some(call_id))?;
        if let Some(turn) = self.turns.iter().find(|t| t.result_call_id() == Some(call_id)) {
            return Some(turn.id);
        }
        Some(self.push_tool(ToolPart::Result { call_id: call_id.to_owned(), output }))
    }

    /// The provider withdrew a call: a `cancelled` error result is recorded locally so the call is never pending.
    pub fn on_tool_cancelled(&mut self, call_id: &str) -> Option<TurnId> {
        let output = json!({"error": {"kind": "cancelled", "message": "the provider withdrew the call"}});
        self.on_tool_result(call_id, output)
    }

    /// Records the server item id of a turn learned after it was created (a function call item, an item created
    /// by the client). Returns `false` when the turn is unknown or another turn already has that id.
    pub fn assign_item_id(&mut self, turn: TurnId, item_id: &str) -> bool {
        if self.turns.iter().any(|t| t.item_id.as_deref() == Some(item_id) && t.id != turn) {
            return false;
        }
        let Some(index) = self.index_of(turn) else { return false };
        self.turns[index].item_id = Some(item_id.to_owned());
        true
    }

    /// Token usage of the latest response.
    pub fn on_usage(&mut self, usage: TokenUsage) {
        self.usage = Some(usage);
        self.usage_fresh = true;
    }

    fn push_tool(&mut self, part: ToolPart) -> TurnId {
        let mut turn = self.make_turn(Role::Tool, None, TranscriptStatus::Final);
        turn.text = render_tool(&part);
        turn.tool = Some(part);
        let id = turn.id;
        self.turns.push(turn);
        id
    }

    /// The index of the turn that text of `role` for `item_id` goes to, creating it when needed.
    fn text_target(&mut self, role: Role, item_id: Option<&str>) -> usize {
        if let Some(id) = item_id {
            if let Some(index) = self.index_of_item(id) {
                return index;
            }
            let turn = self.make_turn(role, Some(id), TranscriptStatus::Pending);
            return self.insert_after_item(turn, None);
        }
        if let Some(index) = self.open_anonymous(role) {
            return index;
        }
        let turn = self.make_turn(role, None, TranscriptStatus::Pending);
        // A user's words transcribed while the assistant is already answering belong before that answer.
        let at = match role {
            Role::User => {
                let mut at = self.turns.len();
                while at > 0 && is_open_anonymous(&self.turns[at - 1], Role::Assistant) {
                    at -= 1;
                }
                at
            }
            _ => self.turns.len(),
        };
        self.turns.insert(at, turn);
        at
    }

    /// The latest id-less turn of `role` still taking text: unsettled, or interrupted in the response not yet done
    /// (Gemini's transcript lags its audio).
    fn open_anonymous(&self, role: Role) -> Option<usize> {
        self.turns.iter().rposition(|t| {
            is_open_anonymous(t, role)
                || (t.role == role
                    && t.item_id.is_none()
                    && self.progress.get(&t.id).is_some_and(|p| p.late_text_open))
        })
    }
}

fn is_open_anonymous(turn: &crate::Turn, role: Role) -> bool {
    turn.role == role && turn.item_id.is_none() && !turn.is_settled() && !turn.is_summary
}

/// The text after a final transcript `text` arrives over `so_far`.
fn merge_final(so_far: &str, text: &str, anonymous: bool) -> String {
    let trimmed = so_far.trim();
    if anonymous && !trimmed.is_empty() && !text.trim_start().starts_with(trimmed) {
        format!("{so_far}{text}")
    } else {
        text.to_owned()
    }
}
