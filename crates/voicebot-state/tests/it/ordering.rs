//! Turn ordering: late and out-of-order transcripts, id-less providers, interruption, tools.

use std::time::Duration;

use serde_json::json;
use voicebot_state::{Role, TranscriptStatus};

use crate::support::{fixed_clock, state, texts};

#[test]
fn a_late_user_transcript_stays_before_the_reply() {
    let mut state = state();
    state.on_user_item(Some("u1"), None);
    state.on_assistant_item(Some("a1"), Some("u1"));
    state.on_output_transcript(Some("a1"), "It is noon.", true);
    state.on_input_transcript(Some("u1"), "What time is it?", true);
    assert_eq!(texts(&state), ["user:What time is it?", "assistant:It is noon."]);
    assert!(state.turns().iter().all(|t| t.is_settled()));
    assert_eq!(state.turns()[0].created_at, fixed_clock());
}

#[test]
fn previous_item_id_places_and_moves_items() {
    let mut state = state();
    state.on_user_item(Some("u1"), None);
    state.on_assistant_item(Some("a1"), Some("u1"));
    // Announced out of order: u2 claims to follow a1, and a late u0 claims to precede u1's position.
    state.on_user_item(Some("u2"), Some("a1"));
    state.on_user_item(Some("u0"), None);
    state.on_user_item(Some("u0"), Some("a1"));
    let ids: Vec<_> = state.turns().iter().map(|t| t.item_id.clone().unwrap()).collect();
    assert_eq!(ids, ["u1", "a1", "u0", "u2"]);
    // An unknown previous item appends.
    state.on_assistant_item(Some("a9"), Some("missing"));
    assert_eq!(state.turns().last().unwrap().item_id.as_deref(), Some("a9"));
}

#[test]
fn deltas_accumulate_and_the_final_text_replaces_them() {
    let mut state = state();
    state.on_input_transcript(Some("u1"), "What ", false);
    state.on_input_transcript(Some("u1"), "time", false);
    assert_eq!(state.turns()[0].transcript, TranscriptStatus::Partial);
    assert_eq!(state.turns()[0].text, "What time");
    state.on_input_transcript(Some("u1"), "What time is it?", true);
    state.on_input_transcript(Some("u1"), " late delta", false);
    assert_eq!(state.turns()[0].text, "What time is it?");
    assert_eq!(state.turns()[0].transcript, TranscriptStatus::Final);
}

#[test]
fn without_item_ids_text_goes_to_the_open_turn_and_user_words_precede_the_answer() {
    let mut state = state();
    // Gemini: the model starts answering before the input transcription arrives.
    state.on_output_transcript(None, "Sure, ", false);
    state.on_input_transcript(None, "Tell me", false);
    state.on_output_transcript(None, "here it is.", false);
    state.on_input_transcript(None, " a joke", true);
    state.on_response_done();
    assert_eq!(texts(&state), ["user:Tell me a joke", "assistant:Sure, here it is."]);
    assert!(state.turns().iter().all(|t| t.is_settled()));
    // The next utterance opens new turns.
    state.on_input_transcript(None, "Another", false);
    state.on_response_done();
    assert_eq!(state.len(), 3);
    assert_eq!(state.turns()[2].transcript, TranscriptStatus::Final);
}

#[test]
fn failed_transcription_settles_the_turn() {
    let mut state = state();
    state.on_user_item(Some("u1"), None);
    assert_eq!(state.on_input_transcript_failed(Some("u1")), Some(state.turns()[0].id));
    assert_eq!(state.turns()[0].transcript, TranscriptStatus::Unavailable);
    assert_eq!(state.on_input_transcript_failed(Some("nope")), None);
}

#[test]
fn interruption_clips_to_what_was_heard_even_when_text_comes_late() {
    let mut state = state();
    state.on_assistant_item(Some("a1"), None);
    state.on_assistant_audio(Some("a1"), Duration::from_secs(4));
    state.on_output_transcript(Some("a1"), "The weather in Lyon is sunny", false);
    let id = state.on_interrupted(Some("a1"), Duration::from_secs(2), None).unwrap();
    let turn = state.turn(id).unwrap();
    assert!(turn.interrupted && turn.is_settled());
    assert_eq!(turn.heard, Some(Duration::from_secs(2)));
    assert_eq!(turn.text, "The weather in");
    // The rest of the transcript arrives: still only half was heard.
    state.on_output_transcript(Some("a1"), "The weather in Lyon is sunny today and tomorrow", true);
    assert_eq!(state.turn(id).unwrap().text, "The weather in Lyon is");
}

#[test]
fn interruption_with_the_heard_text_uses_it() {
    let mut state = state();
    state.on_output_transcript(Some("a1"), "One two three four", true);
    state.on_interrupted(None, Duration::from_millis(700), Some("One two"));
    state.on_output_transcript(Some("a1"), "One two three four five", true);
    assert_eq!(state.turns()[0].text, "One two");
    assert_eq!(state.on_interrupted(Some("unknown"), Duration::ZERO, None), None);
}

#[test]
fn tool_calls_are_idempotent_and_results_need_their_call() {
    let mut state = state();
    let call = state.on_tool_call("c1", "get_time", json!({}));
    assert_eq!(state.on_tool_call("c1", "get_time", json!({})), call);
    assert_eq!(state.on_tool_result("c9", json!({"x": 1})), None, "a result without its call is refused");
    let result = state.on_tool_result("c1", json!({"time": "12:00"})).unwrap();
    assert_eq!(state.on_tool_result("c1", json!({"time": "13:00"})), Some(result));
    assert_eq!(texts(&state), ["tool:get_time({})", r#"tool:{"time":"12:00"}"#]);
    assert!(state.turns().iter().all(|t| t.role == Role::Tool));
    state.on_tool_call("c2", "slow", json!({}));
    let cancelled = state.on_tool_cancelled("c2").unwrap();
    assert!(state.turn(cancelled).unwrap().text.contains("cancelled"));
}

#[test]
fn item_ids_can_be_assigned_later_but_never_twice() {
    let mut state = state();
    let call = state.on_tool_call("c1", "echo", json!({}));
    state.on_user_item(Some("u1"), None);
    assert!(state.assign_item_id(call, "fc_1"));
    assert!(!state.assign_item_id(call, "u1"));
    assert_eq!(state.turn_by_item("fc_1").unwrap().id, call);
}

#[test]
fn id_less_text_after_an_interruption_extends_the_interrupted_turn_until_the_response_ends() {
    let mut state = state();
    state.on_input_transcript(None, "Tell me a story", true);
    state.on_assistant_audio(None, Duration::from_secs(4));
    state.on_output_transcript(None, "Once upon a time", false);
    state.on_interrupted(None, Duration::from_secs(2), None);
    // Gemini's transcript lags its audio: the rest arrives after `interrupted`, before `turnComplete`.
    state.on_output_transcript(None, " there was a king", false);
    state.on_response_done();
    // Half of the audio was heard: half of the whole text, not half of what had arrived ("Once").
    assert_eq!(texts(&state), ["user:Tell me a story", "assistant:Once upon a time"]);
    state.on_output_transcript(None, "A new answer", false);
    assert_eq!(state.len(), 3, "after the response ends, text opens a new turn");
}
