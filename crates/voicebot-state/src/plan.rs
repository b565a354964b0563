//! [`PruningPlan`]: a summary decided by the policy, as plain data, and how it is applied to the local state.

use std::collections::HashSet;

use crate::conversation::ConversationState;
use crate::error::{Error, Result};
use crate::language::{self, Language, LanguagePolicy};
use crate::policy::{self, Inputs, Skip, SummaryPolicy};
use crate::summary::{FactSheet, Summary};
use crate::turn::{Role, TranscriptStatus, Turn, TurnId};

/// Where the summary's `system` item goes on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertPosition {
    /// At the start of the conversation (OpenAI `previous_item_id: "root"`).
    Start,
    /// Right after this server item.
    After(String),
}

/// A summary to make: which turns it covers, what to delete on the server and where the summary goes.
///
/// Core hands [`turns`](Self::turns), [`language`](Self::language) and [`previous_facts`](Self::previous_facts) to
/// a [`crate::Summarizer`], then calls [`ConversationState::apply_summary`] with the result (or
/// [`ConversationState::abandon_summary`] on failure). On OpenAI it creates the returned [`SystemItem`] (role
/// `system`, with the id [`system_item_id`](Self::system_item_id)) and then deletes
/// [`delete_item_ids`](Self::delete_item_ids); on Gemini the summary seeds the next session
/// ([`ConversationState::reseed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PruningPlan {
    /// This plan's id, unique within its state.
    pub id: u64,
    /// The turns the summary covers, oldest first: a copy for the summarizer. A previous summary is among them.
    pub turns: Vec<Turn>,
    /// Server items to delete: the covered turns that have a server item id.
    pub delete_item_ids: Vec<String>,
    /// The client-chosen id for the summary's `system` item (`vb_summary_<plan id>`).
    pub system_item_id: String,
    /// Where the summary's item goes.
    pub position: InsertPosition,
    /// The language the summary should be written in.
    pub language: Language,
    /// The facts known before this summary; the summarizer may update them, the state never loses them.
    pub previous_facts: FactSheet,
}

impl PruningPlan {
    /// The local ids of the covered turns.
    pub fn summarized(&self) -> impl Iterator<Item = TurnId> + '_ {
        self.turns.iter().map(|t| t.id)
    }
}

/// The summary's `system` item, to create on the server where [`PruningPlan::position`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemItem {
    /// The item id ([`PruningPlan::system_item_id`]).
    pub item_id: String,
    /// The text: [`Summary::render`] of the summary with all facts merged.
    pub text: String,
    /// Where it goes.
    pub position: InsertPosition,
}

impl ConversationState {
    /// Plans a summary if `policy` says one is due; the plan is then in flight until applied or abandoned.
    /// The summary language is resolved with `language` (a detected language is remembered).
    pub fn plan_summary(
        &mut self,
        policy: &SummaryPolicy,
        language: &LanguagePolicy,
    ) -> Result<PruningPlan, Skip> {
        let inputs = Inputs {
            fresh_tokens: self.usage.filter(|_| self.usage_fresh).map(|u| u.total_tokens),
            in_flight: self.in_flight.is_some(),
            turns_since_summary: self.turns_since_summary,
        };
        let cut = policy::decide(policy, &self.turns, inputs)?;
        let language = self.language(language);
        let id = self.next_plan;
        self.next_plan += 1;
        self.in_flight = Some(id);
        let turns = self.turns[..cut].to_vec();
        Ok(PruningPlan {
            id,
            delete_item_ids: turns.iter().filter_map(|t| t.item_id.clone()).collect(),
            position: insert_position(&self.turns, 0),
            system_item_id: format!("vb_summary_{id}"),
            turns,
            language,
            previous_facts: self.facts.clone(),
        })
    }

    /// The language for a summary now under `policy`; a detected language is remembered for the next call.
    pub fn language(&mut self, policy: &LanguagePolicy) -> Language {
        let (language, detected) = language::resolve(policy, &self.turns, self.detected_language.as_ref());
        if detected {
            self.detected_language = Some(language.clone());
        }
        language
    }

    /// Applies the summary of `plan`: the covered turns are removed, the summary (its facts merged into all earlier
    /// ones) becomes the first turn, a `system` turn with the plan's item id, and the debounce starts.
    ///
    /// Fails with [`Error::StalePlan`] when `plan` is not the summary in flight; nothing changes then.
    pub fn apply_summary(&mut self, plan: &PruningPlan, summary: Summary) -> Result<SystemItem> {
        if self.in_flight != Some(plan.id) {
            return Err(Error::StalePlan { plan: plan.id });
        }
        self.in_flight = None;
        let facts = self.facts.clone().merged(plan.previous_facts.clone()).merged(summary.facts);
        let summary = Summary { synopsis: summary.synopsis.trim().to_owned(), facts: facts.clone() };
        let text = summary.render();
        let covered: HashSet<TurnId> = plan.summarized().collect();
        let first = self.turns.iter().position(|t| covered.contains(&t.id)).unwrap_or(0);
        let position = insert_position(&self.turns, first);
        self.turns.retain(|t| !covered.contains(&t.id));
        self.progress.retain(|id, _| !covered.contains(id));
        let mut turn = self.make_turn(Role::System, Some(&plan.system_item_id), TranscriptStatus::Final);
        turn.text.clone_from(&text);
        turn.is_summary = true;
        self.turns.insert(first.min(self.turns.len()), turn);
        self.summary = Some(summary);
        self.facts = facts;
        self.turns_since_summary = Some(0);
        self.usage_fresh = false;
        Ok(SystemItem { item_id: plan.system_item_id.clone(), text, position })
    }

    /// Ends the summary in flight without applying it (the summarizer failed). The debounce starts, so a failing
    /// summarizer is not called again on every turn. Returns `false` when `plan` was not in flight.
    pub fn abandon_summary(&mut self, plan: &PruningPlan) -> bool {
        if self.in_flight != Some(plan.id) {
            return false;
        }
        self.in_flight = None;
        self.turns_since_summary = Some(0);
        true
    }
}

/// Where an item placed before `turns[first]` goes: after the nearest earlier turn with a server id, else at the start.
fn insert_position(turns: &[Turn], first: usize) -> InsertPosition {
    turns[..first.min(turns.len())]
        .iter()
        .rev()
        .find_map(|t| t.item_id.clone())
        .map_or(InsertPosition::Start, InsertPosition::After)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_after_the_nearest_earlier_item_with_an_id() {
        let mut first = Turn::new(TurnId::new(1), Role::User, "a");
        first.item_id = Some("item_1".into());
        let second = Turn::new(TurnId::new(2), Role::User, "b");
        let turns = [first, second, Turn::new(TurnId::new(3), Role::User, "c")];
        assert_eq!(insert_position(&turns, 0), InsertPosition::Start);
        assert_eq!(insert_position(&turns, 2), InsertPosition::After("item_1".into()));
    }
}
