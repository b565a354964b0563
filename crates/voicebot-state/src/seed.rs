//! [`Seed`]: the context a fresh server session is given (Gemini reseeding, OpenAI `session_expired`).

use std::collections::HashSet;

use crate::conversation::ConversationState;
use crate::turn::{Role, ToolPart, TurnId};

/// What a fresh session should be told: the summary, then the latest turns, as provider-neutral items.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seed {
    /// The items, oldest first. The summary, when there is one, is first with role [`Role::System`].
    pub items: Vec<SeedItem>,
}

impl Seed {
    /// Whether there is nothing to seed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// One item of a [`Seed`].
#[derive(Debug, Clone, PartialEq)]
pub struct SeedItem {
    /// The client-chosen item id (`vb_seed_<n>`), recorded on the turn: OpenAI creates the item with it; Gemini,
    /// which has no item ids, ignores it.
    pub item_id: String,
    /// The local turn it comes from.
    pub turn: TurnId,
    /// Whose words these are.
    pub role: Role,
    /// The text (for a tool turn, a short rendering of the call or result).
    pub text: String,
    /// The call or result, for a [`Role::Tool`] item.
    pub tool: Option<ToolPart>,
}

impl ConversationState {
    /// Prepares the seed of a fresh server session: the summary plus the last `max_turns` turns with text, never a
    /// tool result without its call nor a call without its result.
    ///
    /// The fresh session knows none of the old server items, so every turn forgets its server item id, and the
    /// seeded turns get the seed's ids. A summary in flight becomes stale (its deletions name old items): applying
    /// it fails, and the next plan covers the same turns again.
    pub fn reseed(&mut self, max_turns: usize) -> Seed {
        let answered: HashSet<String> =
            self.turns.iter().filter_map(|t| t.result_call_id().map(str::to_owned)).collect();
        let called: HashSet<String> =
            self.turns.iter().filter_map(|t| t.call_id().map(str::to_owned)).collect();
        let eligible = |index: usize| {
            let turn = &self.turns[index];
            match &turn.tool {
                Some(ToolPart::Call { call_id, .. }) => answered.contains(call_id),
                Some(ToolPart::Result { call_id, .. }) => called.contains(call_id),
                None => !turn.is_summary && !turn.text.trim().is_empty(),
            }
        };
        let mut chosen: Vec<usize> = (0..self.turns.len()).filter(|&i| eligible(i)).collect();
        let mut start = chosen.len().saturating_sub(max_turns);
        // Never keep a result whose call falls outside the window: widen the window to the call.
        loop {
            let window = &chosen[start..];
            let orphan_call =
                window.iter().filter_map(|&i| self.turns[i].result_call_id()).find_map(|call| {
                    let inside = window.iter().any(|&i| self.turns[i].call_id() == Some(call));
                    if inside {
                        None
                    } else {
                        chosen[..start].iter().position(|&i| self.turns[i].call_id() == Some(call))
                    }
                });
            match orphan_call {
                Some(position) => start = position,
                None => break,
            }
        }
        chosen.drain(..start);
        if let Some(summary) = self.turns.iter().position(|t| t.is_summary) {
            chosen.insert(0, summary);
        }
        for turn in &mut self.turns {
            turn.item_id = None;
        }
        self.in_flight = None;
        let mut items = Vec::with_capacity(chosen.len());
        for index in chosen {
            let item_id = format!("vb_seed_{}", self.next_seed);
            self.next_seed += 1;
            let turn = &mut self.turns[index];
            turn.item_id = Some(item_id.clone());
            items.push(SeedItem {
                item_id,
                turn: turn.id,
                role: turn.role,
                text: turn.text.clone(),
                tool: turn.tool.clone(),
            });
        }
        Seed { items }
    }
}
