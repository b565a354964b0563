//! Seeding a fresh session with the summary and the last turns.

use serde_json::json;
use voicebot_state::{Error, FactSheet, LanguagePolicy, Role, Summary, SummaryPolicy};

use crate::support::{exchange, sheet, state, tool_pair};

#[test]
fn the_seed_is_the_summary_then_the_last_turns_with_fresh_ids() {
    let mut state = state();
    for n in 0..3 {
        exchange(&mut state, n, &format!("q{n}"), &format!("a{n}"));
    }
    let policy = SummaryPolicy::default().with_trigger_turns(Some(6)).with_keep_last_turns(2);
    let plan = state.plan_summary(&policy, &LanguagePolicy::default()).unwrap();
    state.apply_summary(&plan, Summary::new("Earlier.", sheet(Some("Ana"), &[], &[]))).unwrap();
    exchange(&mut state, 3, "q3", "a3");
    let seed = state.reseed(3);
    let roles: Vec<Role> = seed.items.iter().map(|i| i.role).collect();
    assert_eq!(roles, [Role::System, Role::Assistant, Role::User, Role::Assistant]);
    assert!(seed.items[0].text.contains("Earlier.") && seed.items[0].text.contains("Name: Ana"));
    assert_eq!(seed.items[1].text, "a2");
    // Seeded turns carry the seed's ids; every other turn forgot its server id.
    for item in &seed.items {
        assert_eq!(state.turn(item.turn).unwrap().item_id.as_deref(), Some(item.item_id.as_str()));
    }
    assert_eq!(state.turns().iter().filter(|t| t.item_id.is_some()).count(), 4);
    assert!(state.turn_by_item("u0").is_none() && state.turn_by_item("u2").is_none());
}

#[test]
fn the_seed_never_splits_a_tool_pair_nor_keeps_empty_or_pending_turns() {
    let mut state = state();
    exchange(&mut state, 0, "q0", "a0");
    tool_pair(&mut state, 1);
    state.on_interrupted(Some("a0"), std::time::Duration::ZERO, None);
    exchange(&mut state, 2, "q2", "a2");
    state.on_tool_call("pending", "slow", json!({}));
    let seed = state.reseed(3);
    let texts: Vec<&str> = seed.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, [r#"echo({"text":1})"#, r#"{"text":1}"#, "q2", "a2"]);
    assert!(seed.items[0].tool.is_some());
    assert!(state.reseed(0).is_empty());
}

#[test]
fn a_reseed_makes_the_summary_in_flight_stale() {
    let mut state = state();
    for n in 0..3 {
        exchange(&mut state, n, "q", "a");
    }
    let policy = SummaryPolicy::default().with_trigger_turns(Some(6)).with_keep_last_turns(2);
    let plan = state.plan_summary(&policy, &LanguagePolicy::default()).unwrap();
    state.reseed(10);
    let err = state.apply_summary(&plan, Summary::new("s", FactSheet::default())).unwrap_err();
    assert!(matches!(err, Error::StalePlan { .. }));
    let again = state.plan_summary(&policy, &LanguagePolicy::default()).unwrap();
    assert_eq!(again.delete_item_ids, ["vb_seed_1", "vb_seed_2", "vb_seed_3", "vb_seed_4"]);
}
