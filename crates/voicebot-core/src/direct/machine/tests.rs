//! Sequences of inputs through the direct machine: streaming playback, barge-in, tools, summaries, reseeding.

use serde_json::json;
use voicebot_state::FactSheet;
use voicebot_transport::Usage;

use super::*;

fn settings() -> Settings {
    Settings {
        policy: SummaryPolicy::default()
            .with_trigger_tokens(Some(1_000))
            .with_trigger_turns(None)
            .with_keep_last_turns(2),
        language: LanguagePolicy::parse("en").unwrap(),
        server_interrupts: true,
        seed_turns: 4,
    }
}

fn session(machine: &mut Machine, event: RealtimeEvent) -> Vec<Command> {
    machine.on_input(Input::Session(event))
}

fn actions(commands: Vec<Command>) -> Vec<Command> {
    commands.into_iter().filter(|c| !matches!(c, Command::Record(_))).collect()
}

/// One user utterance and a spoken answer, as OpenAI sends them; returns the commands of the answer's audio.
fn exchange(m: &mut Machine, n: usize, total_tokens: u64) -> Vec<Command> {
    let user = format!("item_u{n}");
    let assistant = format!("item_a{n}");
    let previous = if n == 0 { None } else { Some(format!("item_a{}", n - 1)) };
    session(m, RealtimeEvent::SpeechStarted { item_id: Some(user.clone()), audio_start: None });
    session(
        m,
        RealtimeEvent::ItemAdded { item_id: user.clone(), previous_item_id: previous, role: ItemRole::User },
    );
    session(
        m,
        RealtimeEvent::InputTranscript {
            item_id: Some(user.clone()),
            text: format!("question {n}"),
            is_final: true,
        },
    );
    session(m, RealtimeEvent::ResponseStarted { response_id: None });
    session(
        m,
        RealtimeEvent::ItemAdded {
            item_id: assistant.clone(),
            previous_item_id: Some(user),
            role: ItemRole::Assistant,
        },
    );
    let played =
        session(m, RealtimeEvent::AudioDelta { item_id: Some(assistant.clone()), samples: vec![0; 2400] });
    session(
        m,
        RealtimeEvent::OutputTranscript {
            item_id: Some(assistant),
            text: format!("answer {n}"),
            is_final: true,
        },
    );
    session(m, RealtimeEvent::Usage(Usage { total_tokens, ..Usage::default() }));
    let mut out = played;
    out.extend(session(m, RealtimeEvent::TurnComplete { response_id: None, status: TurnStatus::Completed }));
    out
}

#[test]
fn audio_streams_to_the_speaker_as_it_arrives() {
    let mut m = Machine::new(settings());
    let out = actions(exchange(&mut m, 0, 100));
    assert_eq!(out, vec![Command::Play { item_id: Some("item_a0".into()), samples: vec![0; 2400] }]);
    assert_eq!(m.completed(), 1);
    assert_eq!(m.state().turns().len(), 2);
}

#[test]
fn barge_in_flushes_then_truncates_to_what_was_played_and_leaves_the_cancel_to_the_server() {
    let mut m = Machine::new(settings());
    session(&mut m, RealtimeEvent::ResponseStarted { response_id: None });
    session(&mut m, RealtimeEvent::AudioDelta { item_id: Some("item_a".into()), samples: vec![0; 24_000] });
    session(
        &mut m,
        RealtimeEvent::OutputTranscript {
            item_id: Some("item_a".into()),
            text: "one two three four".into(),
            is_final: false,
        },
    );
    let out = actions(session(
        &mut m,
        RealtimeEvent::SpeechStarted { item_id: Some("item_u".into()), audio_start: None },
    ));
    assert_eq!(out, vec![Command::Flush]);
    let flushed =
        Input::Flushed { item_id: Some("item_a".into()), played: Duration::from_millis(500), cut: true };
    let out = actions(m.on_input(flushed));
    assert_eq!(out, vec![Command::Truncate { item_id: "item_a".into(), played: Duration::from_millis(500) }]);
    let turn = m.state().turn_by_item("item_a").unwrap();
    assert!(turn.interrupted);
    assert_eq!(turn.text, "one two", "the local transcript is clipped to what was heard");
}

#[test]
fn without_server_interruption_the_client_cancels_and_nothing_played_means_no_truncate() {
    let mut m = Machine::new(Settings { server_interrupts: false, ..settings() });
    session(&mut m, RealtimeEvent::ResponseStarted { response_id: None });
    session(&mut m, RealtimeEvent::AudioDelta { item_id: Some("item_a".into()), samples: vec![0; 2400] });
    session(&mut m, RealtimeEvent::SpeechStarted { item_id: Some("item_u".into()), audio_start: None });
    let out = actions(m.on_input(Input::Flushed {
        item_id: Some("item_a".into()),
        played: Duration::ZERO,
        cut: true,
    }));
    assert_eq!(out, vec![Command::Cancel]);
}

#[test]
fn speech_after_playback_ended_cuts_nothing() {
    let mut m = Machine::new(settings());
    exchange(&mut m, 0, 100);
    let out = actions(session(
        &mut m,
        RealtimeEvent::SpeechStarted { item_id: Some("item_u1".into()), audio_start: None },
    ));
    assert_eq!(out, vec![Command::Flush]);
    let out = m.on_input(Input::Flushed {
        item_id: Some("item_a0".into()),
        played: Duration::from_millis(100),
        cut: false,
    });
    assert!(out.is_empty());
    assert!(!m.state().turn_by_item("item_a0").unwrap().interrupted);
}

#[test]
fn tools_run_once_and_answer_by_call_id() {
    let mut m = Machine::new(settings());
    let call = RealtimeEvent::ToolCall {
        call_id: "call_1".into(),
        name: "echo".into(),
        arguments: json!({"text": "hi"}),
    };
    let out = actions(session(&mut m, call.clone()));
    assert_eq!(
        out,
        vec![Command::RunTool {
            call_id: "call_1".into(),
            name: "echo".into(),
            arguments: json!({"text": "hi"})
        }]
    );
    assert!(session(&mut m, call).is_empty(), "a repeated call id runs once");
    session(&mut m, RealtimeEvent::TurnComplete { response_id: None, status: TurnStatus::Completed });
    assert_eq!(m.completed(), 0, "a response that only calls a tool is not a turn");
    let out = m.on_input(Input::ToolDone {
        call_id: "call_1".into(),
        name: "echo".into(),
        output: json!({"text": "hi"}),
    });
    assert_eq!(
        out,
        vec![Command::SendToolResult {
            call_id: "call_1".into(),
            name: "echo".into(),
            output: json!({"text": "hi"})
        }]
    );
    let out =
        m.on_input(Input::ToolDone { call_id: "call_9".into(), name: "echo".into(), output: json!({}) });
    assert!(out.is_empty(), "a result for a call nobody made is not sent");
}

#[test]
fn usage_over_the_threshold_summarizes_the_old_turns_into_a_system_item() {
    let mut m = Machine::new(settings());
    for n in 0..3 {
        let out = actions(exchange(&mut m, n, 500));
        assert!(!out.iter().any(|c| matches!(c, Command::Summarize(_))), "under the threshold");
    }
    let out = actions(exchange(&mut m, 3, 1_500));
    let Some(Command::Summarize(plan)) = out.iter().find(|c| matches!(c, Command::Summarize(_))).cloned()
    else {
        panic!("no summary: {out:?}")
    };
    assert_eq!(plan.delete_item_ids, ["item_u0", "item_a0", "item_u1", "item_a1", "item_u2", "item_a2"]);
    let summary = Summary::new("They asked three questions.", FactSheet::default());
    let out = actions(m.on_input(Input::Summarized { plan_id: plan.id, result: Ok(summary) }));
    let Command::InsertItem { role, previous_item_id, text, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!((*role, previous_item_id.as_deref()), (SeedRole::System, Some("root")));
    assert!(text.contains("They asked three questions."));
    let deleted: Vec<&str> = out
        .iter()
        .filter_map(|c| if let Command::DeleteItem { item_id } = c { Some(item_id.as_str()) } else { None })
        .collect();
    assert_eq!(deleted, plan.delete_item_ids);
    let kept: Vec<Option<&str>> = m.state().turns().iter().map(|t| t.item_id.as_deref()).collect();
    assert_eq!(kept.len(), 3, "the summary and the last two turns: {kept:?}");
    assert_eq!(&kept[1..], [Some("item_u3"), Some("item_a3")]);
}

#[test]
fn a_failed_summary_is_abandoned_and_tried_again_later() {
    let mut m = Machine::new(settings());
    for n in 0..3 {
        exchange(&mut m, n, 500);
    }
    let out = actions(exchange(&mut m, 3, 1_500));
    let Some(Command::Summarize(plan)) = out.into_iter().find(|c| matches!(c, Command::Summarize(_))) else {
        panic!()
    };
    let out = actions(m.on_input(Input::Summarized { plan_id: plan.id, result: Err("model down".into()) }));
    assert!(out.is_empty());
    assert_eq!(m.state().turns().len(), 8, "nothing pruned");
}

#[test]
fn a_missing_user_transcript_is_retrieved_once() {
    let mut m = Machine::new(settings());
    session(
        &mut m,
        RealtimeEvent::ItemAdded { item_id: "item_u0".into(), previous_item_id: None, role: ItemRole::User },
    );
    session(&mut m, RealtimeEvent::TurnComplete { response_id: None, status: TurnStatus::Completed });
    let out = actions(exchange(&mut m, 1, 100));
    assert!(out.contains(&Command::RetrieveItem { item_id: "item_u0".into() }), "{out:?}");
    let out = actions(exchange(&mut m, 2, 100));
    assert!(!out.iter().any(|c| matches!(c, Command::RetrieveItem { .. })), "asked once");
}

#[test]
fn an_expired_session_is_seeded_with_the_recent_turns() {
    let mut m = Machine::new(settings());
    exchange(&mut m, 0, 100);
    exchange(&mut m, 1, 100);
    session(&mut m, RealtimeEvent::SessionExpired { message: "60 minutes".into() });
    let out = actions(session(&mut m, RealtimeEvent::Reconnected { attempt: 1, resumed: false }));
    let texts: Vec<(SeedRole, &str)> = out
        .iter()
        .map(|c| match c {
            Command::InsertItem { role, text, previous_item_id: None, .. } => (*role, text.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            (SeedRole::User, "question 0"),
            (SeedRole::Assistant, "answer 0"),
            (SeedRole::User, "question 1"),
            (SeedRole::Assistant, "answer 1")
        ]
    );
}
