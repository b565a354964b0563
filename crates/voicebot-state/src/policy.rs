//! [`SummaryPolicy`]: when to summarize, and which turns a summary may cover.

use std::collections::HashMap;
use std::fmt;

use crate::turn::Turn;

/// When a long conversation is summarized, and what stays verbatim.
///
/// A summary is due when the latest usage reports at least [`trigger_tokens`](Self::trigger_tokens) total tokens,
/// or when there are at least [`trigger_turns`](Self::trigger_turns) turns besides the summary. It covers the oldest
/// turns only: the last [`keep_last_turns`](Self::keep_last_turns) stay verbatim, a tool call and its result are never
/// separated, and the covered turns stop before the first one whose transcript is still missing (or before a call
/// still waiting for its result). It is debounced: never two at once, and never again until
/// [`min_turns_between`](Self::min_turns_between) new turns have been created since the last one ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryPolicy {
    /// `SUMMARY_TRIGGER_TOKENS`: total tokens of the latest response that trigger a summary; `None` disables the
    /// token trigger. Default 8000. Usage reported before the latest summary is ignored (it counts the old context).
    pub trigger_tokens: Option<u64>,
    /// Turns (besides the summary) that trigger a summary; `None` disables the turn trigger. Default 40, which also
    /// bounds the conversation when the provider reports no usage.
    pub trigger_turns: Option<usize>,
    /// `KEEP_LAST_TURNS`: how many of the latest turns stay verbatim. Default 6.
    pub keep_last_turns: usize,
    /// How many turns must be created after a summary ends before the next one. Default 4.
    pub min_turns_between: usize,
}

impl Default for SummaryPolicy {
    fn default() -> Self {
        SummaryPolicy {
            trigger_tokens: Some(8_000),
            trigger_turns: Some(40),
            keep_last_turns: 6,
            min_turns_between: 4,
        }
    }
}

impl SummaryPolicy {
    /// Sets the token trigger.
    #[must_use]
    pub fn with_trigger_tokens(mut self, tokens: Option<u64>) -> Self {
        self.trigger_tokens = tokens;
        self
    }

    /// Sets the turn trigger.
    #[must_use]
    pub fn with_trigger_turns(mut self, turns: Option<usize>) -> Self {
        self.trigger_turns = turns;
        self
    }

    /// Sets how many turns stay verbatim.
    #[must_use]
    pub fn with_keep_last_turns(mut self, turns: usize) -> Self {
        self.keep_last_turns = turns;
        self
    }

    /// Sets the debounce in turns.
    #[must_use]
    pub fn with_min_turns_between(mut self, turns: usize) -> Self {
        self.min_turns_between = turns;
        self
    }
}

/// Why no summary was planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// A summary is in flight.
    InFlight,
    /// A summary ended too recently.
    Debounced {
        /// New turns still needed.
        turns_to_wait: usize,
    },
    /// Neither trigger is reached.
    BelowTrigger,
    /// Every turn besides the summary is among the last turns kept verbatim.
    NothingOldEnough,
    /// The oldest turns wait for their transcripts.
    WaitingForTranscripts,
    /// The oldest turns include a tool call still waiting for its result.
    WaitingForToolResults,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::InFlight => f.write_str("a summary is in flight"),
            Skip::Debounced { turns_to_wait } => write!(f, "debounced for {turns_to_wait} more turns"),
            Skip::BelowTrigger => f.write_str("below the token and turn triggers"),
            Skip::NothingOldEnough => f.write_str("every turn is among the last turns kept verbatim"),
            Skip::WaitingForTranscripts => f.write_str("waiting for transcripts"),
            Skip::WaitingForToolResults => f.write_str("waiting for tool results"),
        }
    }
}

/// What the policy needs besides the turns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs {
    /// Total tokens of the latest usage reported after the latest summary.
    pub(crate) fresh_tokens: Option<u64>,
    pub(crate) in_flight: bool,
    pub(crate) turns_since_summary: Option<usize>,
}

/// Decides whether to summarize: `Ok(cut)` summarizes `turns[..cut]`.
pub(crate) fn decide(policy: &SummaryPolicy, turns: &[Turn], inputs: Inputs) -> Result<usize, Skip> {
    if inputs.in_flight {
        return Err(Skip::InFlight);
    }
    if let Some(since) = inputs.turns_since_summary.filter(|n| *n < policy.min_turns_between) {
        return Err(Skip::Debounced { turns_to_wait: policy.min_turns_between - since });
    }
    let conversation_turns = turns.iter().filter(|t| !t.is_summary).count();
    let by_tokens =
        policy.trigger_tokens.zip(inputs.fresh_tokens).is_some_and(|(limit, tokens)| tokens >= limit);
    let by_turns = policy.trigger_turns.is_some_and(|limit| conversation_turns >= limit);
    if !by_tokens && !by_turns {
        return Err(Skip::BelowTrigger);
    }
    let initial = turns.len().saturating_sub(policy.keep_last_turns);
    let (cut, limited_by) = limit_cut(turns, initial);
    if turns[..cut].iter().any(|t| !t.is_summary) {
        Ok(cut)
    } else {
        Err(limited_by.unwrap_or(Skip::NothingOldEnough))
    }
}

/// Lowers `cut` until `turns[..cut]` holds only settled turns and whole tool pairs. Returns the cut and, when it
/// moved, why it last moved.
fn limit_cut(turns: &[Turn], mut cut: usize) -> (usize, Option<Skip>) {
    let mut calls = HashMap::new();
    let mut results = HashMap::new();
    for (index, turn) in turns.iter().enumerate() {
        if let Some(id) = turn.call_id() {
            calls.insert(id, index);
        }
        if let Some(id) = turn.result_call_id() {
            results.insert(id, index);
        }
    }
    let mut reason = None;
    loop {
        let before = cut;
        if let Some(index) = turns[..cut].iter().position(|t| !t.is_settled()) {
            cut = index;
            reason = Some(Skip::WaitingForTranscripts);
        }
        let split = turns[..cut].iter().position(|t| {
            let partner = match (t.call_id(), t.result_call_id()) {
                (Some(id), _) => results.get(id),
                (None, Some(id)) => calls.get(id),
                (None, None) => return false,
            };
            partner.is_none_or(|&p| p >= cut)
        });
        if let Some(index) = split {
            cut = index;
            reason = Some(Skip::WaitingForToolResults);
        }
        if cut == before {
            return (cut, reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Role, ToolPart, TranscriptStatus, TurnId};
    use serde_json::json;

    fn said(n: u64) -> Turn {
        Turn::new(TurnId::new(n), Role::User, format!("turn {n}"))
    }

    fn tool(n: u64, call: &str, is_call: bool) -> Turn {
        let mut turn = Turn::new(TurnId::new(n), Role::Tool, "");
        turn.tool = Some(if is_call {
            ToolPart::Call { call_id: call.into(), name: "echo".into(), arguments: json!({}) }
        } else {
            ToolPart::Result { call_id: call.into(), output: json!({}) }
        });
        turn
    }

    #[test]
    fn cut_moves_before_a_pair_that_straddles_it() {
        let turns = vec![said(1), said(2), tool(3, "a", true), tool(4, "a", false), said(5)];
        assert_eq!(limit_cut(&turns, 3), (2, Some(Skip::WaitingForToolResults)));
        assert_eq!(limit_cut(&turns, 4), (4, None));
    }

    #[test]
    fn cut_moves_before_nested_pairs_and_unsettled_turns() {
        let turns =
            vec![said(1), tool(2, "a", true), tool(3, "b", true), tool(4, "a", false), tool(5, "b", false)];
        assert_eq!(limit_cut(&turns, 4).0, 1);
        let mut pending = said(2);
        pending.transcript = TranscriptStatus::Partial;
        let turns = vec![said(1), pending, said(3)];
        assert_eq!(limit_cut(&turns, 3), (1, Some(Skip::WaitingForTranscripts)));
    }
}
