//! The summary policy: triggers, debounce, keep-last-K, tool pairs, missing transcripts, fact carry-over.

use std::time::Duration;

use voicebot_state::{
    Error, FactSheet, InsertPosition, LanguagePolicy, NullSummarizer, Skip, Summarizer, Summary,
    SummaryPolicy, TokenUsage,
};

use crate::support::{ScriptedSummarizer, exchange, sheet, state, texts, tool_pair};

fn by_turns(trigger: usize, keep: usize) -> SummaryPolicy {
    SummaryPolicy::default()
        .with_trigger_tokens(None)
        .with_trigger_turns(Some(trigger))
        .with_keep_last_turns(keep)
}

fn auto() -> LanguagePolicy {
    LanguagePolicy::default()
}

fn usage(total: u64) -> TokenUsage {
    TokenUsage { input_tokens: total - 10, output_tokens: 10, total_tokens: total }
}

#[test]
fn token_trigger_fires_on_the_latest_usage_only_after_the_threshold() {
    let policy = SummaryPolicy::default()
        .with_trigger_tokens(Some(1_000))
        .with_trigger_turns(None)
        .with_keep_last_turns(2);
    let mut state = state();
    for n in 0..3 {
        exchange(&mut state, n, "question", "answer");
    }
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::BelowTrigger);
    state.on_usage(usage(999));
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::BelowTrigger);
    state.on_usage(usage(1_000));
    let plan = state.plan_summary(&policy, &auto()).unwrap();
    assert_eq!(plan.delete_item_ids, ["u0", "a0", "u1", "a1"]);
    state.apply_summary(&plan, Summary::new("s", FactSheet::default())).unwrap();
    // The usage reported before the summary counts the old context: it does not trigger again.
    for n in 3..9 {
        exchange(&mut state, n, "question", "answer");
    }
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::BelowTrigger);
    state.on_usage(usage(1_500));
    assert!(state.plan_summary(&policy, &auto()).is_ok());
}

#[test]
fn turn_trigger_keeps_the_last_k_turns_and_inserts_at_the_start() {
    let mut state = state();
    for n in 0..4 {
        exchange(&mut state, n, &format!("question {n}"), &format!("answer {n}"));
    }
    let kept: Vec<_> = state.turns()[5..].to_vec();
    let plan = state.plan_summary(&by_turns(8, 3), &auto()).unwrap();
    assert_eq!(plan.turns.len(), 5);
    assert_eq!(plan.position, InsertPosition::Start);
    assert_eq!(plan.system_item_id, format!("vb_summary_{}", plan.id));
    let item = state.apply_summary(&plan, Summary::new("Four questions.", FactSheet::default())).unwrap();
    assert_eq!(item.position, InsertPosition::Start);
    assert_eq!(item.text, "Summary of the earlier conversation:\nFour questions.");
    assert_eq!(&state.turns()[1..], &kept[..]);
    let summary_turn = &state.turns()[0];
    assert!(summary_turn.is_summary);
    assert_eq!(summary_turn.item_id.as_deref(), Some(item.item_id.as_str()));
    assert_eq!(summary_turn.text, item.text);
}

#[test]
fn never_two_summaries_at_once_nor_again_within_the_debounce() {
    let policy = by_turns(4, 2).with_min_turns_between(3);
    let mut state = state();
    for n in 0..3 {
        exchange(&mut state, n, "q", "a");
    }
    let plan = state.plan_summary(&policy, &auto()).unwrap();
    assert!(state.is_summarizing());
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::InFlight);
    state.apply_summary(&plan, Summary::new("s", FactSheet::default())).unwrap();
    exchange(&mut state, 3, "q", "a");
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::Debounced { turns_to_wait: 1 });
    exchange(&mut state, 4, "q", "a");
    assert!(state.plan_summary(&policy, &auto()).is_ok());
}

#[test]
fn an_abandoned_or_stale_plan_changes_nothing_and_starts_the_debounce() {
    let policy = by_turns(4, 2).with_min_turns_between(2);
    let mut state = state();
    for n in 0..3 {
        exchange(&mut state, n, "q", "a");
    }
    let before = state.turns().to_vec();
    let plan = state.plan_summary(&policy, &auto()).unwrap();
    assert!(state.abandon_summary(&plan));
    assert!(!state.abandon_summary(&plan));
    let err = state.apply_summary(&plan, Summary::new("late", FactSheet::default())).unwrap_err();
    assert!(matches!(err, Error::StalePlan { plan: id } if id == plan.id));
    assert_eq!(state.turns(), &before[..]);
    assert_eq!(state.plan_summary(&policy, &auto()).unwrap_err(), Skip::Debounced { turns_to_wait: 2 });
}

#[test]
fn a_tool_call_is_never_separated_from_its_result() {
    let mut state = state();
    exchange(&mut state, 0, "q", "a");
    tool_pair(&mut state, 1);
    exchange(&mut state, 2, "q", "a");
    // Turns: u0 a0 call result u2 a2; keeping 3 would split the pair, so the call stays too.
    let plan = state.plan_summary(&by_turns(6, 3), &auto()).unwrap();
    assert_eq!(plan.turns.len(), 2);
    state.abandon_summary(&plan);

    // A call still waiting for its result blocks the turns after it.
    let mut state = crate::support::state();
    state.on_tool_call("c1", "slow", serde_json::json!({}));
    for n in 0..3 {
        exchange(&mut state, n, "q", "a");
    }
    assert_eq!(state.plan_summary(&by_turns(6, 2), &auto()).unwrap_err(), Skip::WaitingForToolResults);
    state.on_tool_result("c1", serde_json::json!({"done": true}));
    // The late result sits among the last turns: the call waits with it until both are old enough.
    assert_eq!(state.plan_summary(&by_turns(6, 2), &auto()).unwrap_err(), Skip::WaitingForToolResults);
    exchange(&mut state, 3, "q", "a");
    let plan = state.plan_summary(&by_turns(6, 2), &auto()).unwrap();
    let result = plan.turns.iter().position(|t| t.result_call_id() == Some("c1"));
    assert!(result.is_some(), "{:?}", texts(&state));
}

#[test]
fn summarizes_only_turns_whose_transcripts_are_present() {
    let mut state = state();
    state.on_user_item(Some("u0"), None);
    state.on_assistant_item(Some("a0"), Some("u0"));
    state.on_output_transcript(Some("a0"), "reply", true);
    for n in 1..4 {
        exchange(&mut state, n, "q", "a");
    }
    assert_eq!(state.plan_summary(&by_turns(6, 2), &auto()).unwrap_err(), Skip::WaitingForTranscripts);
    state.on_input_transcript(Some("u0"), "first question", true);
    let plan = state.plan_summary(&by_turns(6, 2), &auto()).unwrap();
    assert_eq!(plan.turns[0].text, "first question");
    state.abandon_summary(&plan);

    // A transcript missing in the middle: the summary covers the settled turns before it.
    let mut state = crate::support::state();
    for n in 0..2 {
        exchange(&mut state, n, "q", "a");
    }
    state.on_user_item(Some("u2"), None);
    for n in 3..6 {
        exchange(&mut state, n, "q", "a");
    }
    let plan = state.plan_summary(&by_turns(6, 2), &auto()).unwrap();
    assert_eq!(plan.delete_item_ids, ["u0", "a0", "u1", "a1"]);
}

#[test]
fn nothing_old_enough_when_every_turn_is_kept() {
    let mut state = state();
    for n in 0..2 {
        exchange(&mut state, n, "q", "a");
    }
    assert_eq!(state.plan_summary(&by_turns(4, 4), &auto()).unwrap_err(), Skip::NothingOldEnough);
    assert_eq!(Skip::NothingOldEnough.to_string(), "every turn is among the last turns kept verbatim");
}

#[tokio::test(start_paused = true)]
async fn facts_carry_over_from_one_summary_to_the_next() {
    let summarizer = ScriptedSummarizer::new(vec![
        Ok(Summary::new(
            "Ana introduced herself.",
            sheet(Some("Ana"), &["short answers"], &["lives in Lyon"]),
        )),
        // The second answer forgets the city and adds a fact: the city is kept all the same.
        Ok(Summary::new("They talked about cats.", sheet(Some("Ana"), &[], &["has two cats"]))),
    ]);
    let policy = by_turns(4, 2).with_min_turns_between(0);
    let mut state = state();
    for round in 0..2 {
        for n in 0..2 {
            exchange(&mut state, round * 10 + n, "q", "a");
        }
        let plan = state.plan_summary(&policy, &auto()).unwrap();
        let answer = tokio::time::timeout(
            Duration::from_secs(1),
            summarizer.summarize(&plan.turns, &plan.language, &plan.previous_facts),
        )
        .await
        .unwrap()
        .unwrap();
        state.apply_summary(&plan, answer).unwrap();
    }
    assert_eq!(state.facts(), &sheet(Some("Ana"), &["short answers"], &["lives in Lyon", "has two cats"]));
    let calls = summarizer.calls.lock().unwrap();
    assert_eq!(calls[1].2, sheet(Some("Ana"), &["short answers"], &["lives in Lyon"]));
    assert!(calls[1].0[0].starts_with("Summary of the earlier conversation:\nAna introduced herself."));
    assert!(state.turns()[0].text.contains("- Fact: lives in Lyon"));
    assert_eq!(state.summary().unwrap().synopsis, "They talked about cats.");
}

#[tokio::test(start_paused = true)]
async fn null_summarizer_keeps_facts_and_the_gist() {
    let mut state = state();
    exchange(&mut state, 0, "Plan a trip to Rome", "Sure, when?");
    let turns = state.turns().to_vec();
    let facts = sheet(Some("Ana"), &[], &["vegetarian"]);
    let language = voicebot_state::Language::english();
    let summary =
        tokio::time::timeout(Duration::from_secs(1), NullSummarizer.summarize(&turns, &language, &facts))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(summary.synopsis, "User: Plan a trip to Rome Assistant: Sure, when?");
    assert_eq!(summary.facts, facts);
    let empty = NullSummarizer.summarize(&[], &language, &facts).await;
    assert!(matches!(empty, Err(voicebot_state::SummarizeError::NothingToSummarize)));
}
