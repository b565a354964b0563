//! Property tests over arbitrary sequences of exchanges, tool calls, usage updates and summaries.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;
use voicebot_state::{
    ConversationState, FactSheet, LanguagePolicy, PruningPlan, Summary, SummaryPolicy, TokenUsage,
};

/// One step of a conversation. Every step leaves its own turns settled, though in scrambled arrival order.
#[derive(Debug, Clone)]
enum Op {
    /// A user item and the reply; the user transcript may arrive after the reply; the reply may be interrupted.
    Exchange { late_transcript: bool, heard_percent: Option<u8> },
    /// The same without item ids (Gemini), the user's words transcribed while the model already speaks.
    Anonymous,
    /// A tool call and its result, maybe with an exchange in between.
    Tool { interleaved: bool },
    /// Usage of the latest response.
    Usage(u64),
    /// Plan a summary (kept pending until `Finish`).
    Plan,
    /// Finish the pending summary: apply with these facts, or abandon.
    Finish { fail: bool, facts: (Option<u8>, Vec<u8>, Vec<u8>) },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), proptest::option::of(0u8..=100))
            .prop_map(|(late_transcript, heard_percent)| Op::Exchange { late_transcript, heard_percent }),
        1 => Just(Op::Anonymous),
        2 => any::<bool>().prop_map(|interleaved| Op::Tool { interleaved }),
        1 => (0u64..3_000).prop_map(Op::Usage),
        2 => Just(Op::Plan),
        2 => (any::<bool>(), (proptest::option::of(0u8..4), prop::collection::vec(0u8..20, 0..3), prop::collection::vec(0u8..20, 0..4)))
            .prop_map(|(fail, facts)| Op::Finish { fail, facts }),
    ]
}

fn policy() -> impl Strategy<Value = SummaryPolicy> {
    (proptest::option::of(500u64..2_500), proptest::option::of(2usize..20), 0usize..8, 0usize..5).prop_map(
        |(tokens, turns, keep, between)| SummaryPolicy {
            trigger_tokens: tokens,
            trigger_turns: turns,
            keep_last_turns: keep,
            min_turns_between: between,
        },
    )
}

fn facts((name, preferences, facts): &(Option<u8>, Vec<u8>, Vec<u8>)) -> FactSheet {
    FactSheet {
        name: name.map(|n| format!("name{n}")),
        preferences: preferences.iter().map(|p| format!("preference {p}")).collect(),
        facts: facts.iter().map(|f| format!("fact {f}")).collect(),
    }
}

/// Drives a state and checks the invariants after every step.
struct Harness {
    state: ConversationState,
    policy: SummaryPolicy,
    next: usize,
    pending: Option<PruningPlan>,
    /// Every fact sheet a summary ever returned, merged.
    seen_facts: FactSheet,
}

impl Harness {
    fn new(policy: SummaryPolicy) -> Self {
        Harness {
            state: ConversationState::new(),
            policy,
            next: 0,
            pending: None,
            seen_facts: FactSheet::default(),
        }
    }

    fn id(&mut self) -> usize {
        self.next += 1;
        self.next
    }

    fn step(&mut self, op: &Op) {
        match op {
            Op::Exchange { late_transcript, heard_percent } => {
                self.exchange(*late_transcript, *heard_percent)
            }
            Op::Anonymous => {
                self.state.on_output_transcript(None, "Sure, ", false);
                self.state.on_input_transcript(None, "tell me ", false);
                self.state.on_output_transcript(None, "here.", false);
                self.state.on_input_transcript(None, "more", true);
                self.state.on_response_done();
            }
            Op::Tool { interleaved } => {
                let call = format!("c{}", self.id());
                self.state.on_tool_call(&call, "echo", json!({}));
                if *interleaved {
                    self.exchange(false, None);
                }
                self.state.on_tool_result(&call, json!({"ok": true}));
            }
            Op::Usage(total) => {
                self.state.on_usage(TokenUsage {
                    input_tokens: *total,
                    output_tokens: 0,
                    total_tokens: *total,
                });
            }
            Op::Plan => {
                if let Ok(plan) = self.state.plan_summary(&self.policy, &LanguagePolicy::default()) {
                    assert!(self.pending.is_none(), "two summaries at once");
                    self.check_plan(&plan);
                    self.pending = Some(plan);
                }
            }
            Op::Finish { fail, facts: spec } => {
                if let Some(plan) = self.pending.take() {
                    if *fail {
                        assert!(self.state.abandon_summary(&plan));
                    } else {
                        self.apply(&plan, facts(spec));
                    }
                }
            }
        }
        self.check_state();
    }

    fn exchange(&mut self, late_transcript: bool, heard_percent: Option<u8>) {
        let n = self.id();
        let (user, assistant) = (format!("u{n}"), format!("a{n}"));
        self.state.on_user_item(Some(&user), None);
        if !late_transcript {
            self.state.on_input_transcript(Some(&user), "question words here", true);
        }
        self.state.on_assistant_item(Some(&assistant), Some(&user));
        self.state.on_assistant_audio(Some(&assistant), Duration::from_secs(4));
        self.state.on_output_transcript(Some(&assistant), "an answer ", false);
        if let Some(percent) = heard_percent {
            self.state.on_interrupted(Some(&assistant), Duration::from_millis(40 * u64::from(percent)), None);
        }
        self.state.on_output_transcript(Some(&assistant), "an answer of several words", true);
        if late_transcript {
            self.state.on_input_transcript(Some(&user), "question words here", true);
        }
        self.state.on_response_done();
    }

    fn apply(&mut self, plan: &PruningPlan, new_facts: FactSheet) {
        let keep = self.policy.keep_last_turns.min(self.state.len());
        let tail: Vec<_> = self.state.turns()[self.state.len() - keep..].to_vec();
        let covered: Vec<_> = plan.summarized().collect();
        let survivors: Vec<_> =
            self.state.turns().iter().filter(|t| !covered.contains(&t.id)).map(|t| t.id).collect();
        self.seen_facts.merge(new_facts.clone());
        let item = self.state.apply_summary(plan, Summary::new("synopsis", new_facts)).unwrap();
        let turns = self.state.turns();
        // The last K turns are intact and in order; every turn not covered survives in order after the summary.
        assert_eq!(&turns[turns.len() - keep..], &tail[..]);
        let after: Vec<_> = turns[1..].iter().map(|t| t.id).collect();
        assert_eq!(after, survivors);
        assert!(turns[0].is_summary && turns[0].item_id.as_deref() == Some(item.item_id.as_str()));
    }

    fn check_plan(&self, plan: &PruningPlan) {
        let turns = self.state.turns();
        let keep_from = turns.len().saturating_sub(self.policy.keep_last_turns);
        for covered in &plan.turns {
            let index = turns.iter().position(|t| t.id == covered.id).unwrap();
            assert!(index < keep_from, "a plan covers one of the last K turns");
            assert!(covered.is_settled(), "a plan covers a turn without its transcript");
        }
        // Whole tool pairs only.
        for covered in &plan.turns {
            if let Some(call) = covered.call_id().or(covered.result_call_id()) {
                let pair = plan
                    .turns
                    .iter()
                    .filter(|t| t.call_id() == Some(call) || t.result_call_id() == Some(call));
                assert_eq!(pair.count(), 2, "tool pair {call} split by a plan");
            }
        }
    }

    fn check_state(&self) {
        let turns = self.state.turns();
        for (index, turn) in turns.iter().enumerate() {
            if let Some(call) = turn.result_call_id() {
                assert!(turns[..index].iter().any(|t| t.call_id() == Some(call)), "orphaned result {call}");
            }
            assert_eq!(turn.is_summary, index == 0 && turn.is_summary, "the summary is always first");
        }
        assert!(
            self.state.facts().covers(&self.seen_facts),
            "facts lost: {:?} vs {:?}",
            self.state.facts(),
            self.seen_facts
        );
        assert_eq!(self.state.is_summarizing(), self.pending.is_some());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_hold_over_any_sequence(policy in policy(), ops in prop::collection::vec(op(), 0..120)) {
        let mut harness = Harness::new(policy);
        for op in &ops {
            harness.step(op);
        }
    }

    #[test]
    fn eager_summaries_keep_the_conversation_bounded(
        policy in policy().prop_filter("a trigger", |p| p.trigger_turns.is_some()),
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let mut harness = Harness::new(policy);
        let trigger = policy.trigger_turns.unwrap_or_default();
        // After a summary at most K turns plus an interleaved tool exchange (3) remain; the debounce adds turns; one
        // step adds at most 4 turns before the next check; plus the summary itself.
        let bound = 1 + trigger.max(policy.keep_last_turns + 3 + policy.min_turns_between) + 4;
        for op in ops.iter().filter(|op| !matches!(op, Op::Plan | Op::Finish { .. })) {
            harness.step(op);
            harness.step(&Op::Plan);
            harness.step(&Op::Finish { fail: false, facts: (None, vec![1], vec![]) });
            prop_assert!(harness.state.len() <= bound, "{} turns > bound {bound}", harness.state.len());
        }
    }
}
