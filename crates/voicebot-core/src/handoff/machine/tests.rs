//! Sequences of inputs through the handoff machine, and the commands they must produce.

use serde_json::json;
use voicebot_transport::{ErrorClass, Failure, RealtimeEvent, Setting, TurnStatus};

use super::*;

fn event(generation: u64, event: RealtimeEvent) -> Input {
    Input::Session { generation, event }
}

fn tool_call(id: &str, name: &str, arguments: Value) -> RealtimeEvent {
    RealtimeEvent::ToolCall { call_id: id.into(), name: name.into(), arguments }
}

fn failure(class: ErrorClass, message: &str) -> Failure {
    let setting = (class == ErrorClass::Permanent).then_some(Setting::ApiKey);
    Failure { message: message.into(), class, setting }
}

fn turn_complete() -> RealtimeEvent {
    RealtimeEvent::TurnComplete { response_id: None, status: TurnStatus::Completed }
}

/// The commands without journal records.
fn actions(commands: Vec<Command>) -> Vec<Command> {
    commands.into_iter().filter(|c| !matches!(c, Command::Record(_))).collect()
}

fn records(commands: &[Command]) -> Vec<&Entry> {
    commands.iter().filter_map(|c| if let Command::Record(e) = c { Some(e) } else { None }).collect()
}

/// A machine whose main session #1 is connected.
fn listening() -> Machine {
    let mut machine = Machine::new();
    assert_eq!(actions(machine.start()), vec![Command::ConnectMain { generation: 1 }]);
    assert_eq!(machine.mic_target(), None, "no audio before the main session is ready");
    assert!(actions(machine.on_input(Input::Connected { generation: 1 })).is_empty());
    assert_eq!(machine.mic_target(), Some(1));
    machine
}

#[test]
fn ask_brain_connects_the_reader_early_and_replaces_main_after_the_narration() {
    let mut m = listening();
    let out =
        actions(m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "why is the sky blue"})))));
    assert_eq!(
        out,
        vec![
            Command::SendToolResult {
                generation: 1,
                call_id: "c1".into(),
                name: "ask_brain".into(),
                output: handed_off()
            },
            Command::ConnectReader { generation: 2 },
            Command::AskBrain { call_id: "c1".into(), query: "why is the sky blue".into() },
        ]
    );
    assert_eq!(m.mic_target(), None, "the mic is drained while the brain thinks");
    assert!(actions(m.on_input(Input::Connected { generation: 2 })).is_empty(), "no script yet");
    let out = actions(
        m.on_input(Input::BrainDone { call_id: "c1".into(), result: Ok("Rayleigh scattering.".into()) }),
    );
    assert_eq!(
        out,
        vec![
            Command::ConnectMain { generation: 3 },
            Command::FlushPlayback,
            Command::ReaderSay { generation: 2, script: "Rayleigh scattering.".into() },
        ]
    );
    let audio = RealtimeEvent::AudioDelta { item_id: None, samples: vec![1, 2, 3] };
    assert_eq!(actions(m.on_input(event(2, audio))), vec![Command::Play { samples: vec![1, 2, 3] }]);
    assert!(
        actions(m.on_input(Input::Connected { generation: 3 })).is_empty(),
        "no switch while the reader speaks"
    );
    assert_eq!(m.mic_target(), None);
    let transcript = RealtimeEvent::OutputTranscript {
        item_id: None,
        text: "Rayleigh scattering.".into(),
        is_final: true,
    };
    m.on_input(event(2, transcript));
    let out = m.on_input(event(2, turn_complete()));
    assert!(
        records(&out)
            .iter()
            .any(|e| matches!(e, Entry::ReaderFinished { word_error_rate, .. } if *word_error_rate == 0.0))
    );
    assert!(records(&out).iter().any(|e| matches!(e, Entry::MainReplaced { from: 1, to: 3, .. })));
    assert_eq!(actions(out), vec![Command::Close { generation: 2 }, Command::Close { generation: 1 }]);
    assert_eq!(m.mic_target(), Some(3), "the mic switches the moment the reader ends");
    assert_eq!(m.narrations(), 1);
}

#[test]
fn get_time_is_spoken_by_the_reader() {
    let mut m = listening();
    let out = actions(m.on_input(event(1, tool_call("t1", "get_time", json!({})))));
    assert!(out.contains(&Command::RunTool {
        call_id: "t1".into(),
        name: "get_time".into(),
        arguments: json!({})
    }));
    assert!(out.contains(&Command::ConnectReader { generation: 2 }));
    let done = Input::ToolDone {
        call_id: "t1".into(),
        name: "get_time".into(),
        output: json!({"time": "10:42", "timezone": "UTC"}),
    };
    let out = actions(m.on_input(done));
    assert!(
        out.is_empty() || !out.iter().any(|c| matches!(c, Command::ReaderSay { .. })),
        "reader not connected yet"
    );
    let out = actions(m.on_input(Input::Connected { generation: 2 }));
    assert_eq!(
        out,
        vec![
            Command::FlushPlayback,
            Command::ReaderSay { generation: 2, script: "The time is 10:42, UTC time.".into() }
        ]
    );
}

#[test]
fn a_repeated_call_id_runs_once() {
    let mut m = listening();
    assert!(!actions(m.on_input(event(1, tool_call("c1", "echo", json!({"text": "hi"}))))).is_empty());
    assert!(m.on_input(event(1, tool_call("c1", "echo", json!({"text": "hi"})))).is_empty());
}

#[test]
fn other_tools_answer_the_main_session() {
    let mut m = listening();
    let out = actions(m.on_input(event(1, tool_call("e1", "echo", json!({"text": "hi"})))));
    assert_eq!(
        out,
        vec![Command::RunTool {
            call_id: "e1".into(),
            name: "echo".into(),
            arguments: json!({"text": "hi"})
        }]
    );
    assert_eq!(m.mic_target(), Some(1), "no handoff: keep listening");
    let out = actions(m.on_input(Input::ToolDone {
        call_id: "e1".into(),
        name: "echo".into(),
        output: json!({"text": "hi"}),
    }));
    assert_eq!(
        out,
        vec![Command::SendToolResult {
            generation: 1,
            call_id: "e1".into(),
            name: "echo".into(),
            output: json!({"text": "hi"})
        }]
    );
}

#[test]
fn main_audio_is_never_played_and_words_without_a_tool_are_narrated() {
    let mut m = listening();
    let audio = RealtimeEvent::AudioDelta { item_id: None, samples: vec![5; 10] };
    assert!(actions(m.on_input(event(1, audio))).is_empty());
    m.on_input(event(
        1,
        RealtimeEvent::OutputTranscript { item_id: None, text: "It is ".into(), is_final: false },
    ));
    m.on_input(event(
        1,
        RealtimeEvent::OutputTranscript { item_id: None, text: "sunny.".into(), is_final: false },
    ));
    let out = actions(m.on_input(event(1, turn_complete())));
    assert_eq!(out, vec![Command::ConnectReader { generation: 2 }, Command::ConnectMain { generation: 3 }]);
    let out = actions(m.on_input(Input::Connected { generation: 2 }));
    assert_eq!(
        out,
        vec![Command::FlushPlayback, Command::ReaderSay { generation: 2, script: "It is sunny.".into() }]
    );
}

#[test]
fn a_turn_without_words_or_tools_changes_nothing() {
    let mut m = listening();
    let heard = RealtimeEvent::InputTranscript {
        item_id: None,
        text: "I wonder if it will rain.".into(),
        is_final: true,
    };
    let out = m.on_input(event(1, heard));
    assert_eq!(records(&out), vec![&Entry::Heard { text: "I wonder if it will rain.".into() }]);
    assert!(actions(m.on_input(event(1, turn_complete()))).is_empty());
    assert_eq!(m.mic_target(), Some(1));
}

#[test]
fn a_slow_replacement_keeps_the_mic_drained_until_it_is_ready() {
    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    m.on_input(Input::Connected { generation: 2 });
    m.on_input(Input::BrainDone { call_id: "c1".into(), result: Ok("Answer.".into()) });
    let out = actions(m.on_input(event(2, turn_complete())));
    assert_eq!(out, vec![Command::Close { generation: 2 }]);
    assert_eq!(m.mic_target(), None);
    let out = m.on_input(Input::Connected { generation: 3 });
    assert!(records(&out).iter().any(|e| matches!(e, Entry::MainReplaced { from: 1, to: 3, .. })));
    assert_eq!(actions(out), vec![Command::Close { generation: 1 }]);
    assert_eq!(m.mic_target(), Some(3));
}

#[test]
fn a_reader_that_lost_its_context_reads_again_and_brain_failures_are_apologized_for() {
    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    m.on_input(Input::Connected { generation: 2 });
    let timed_out = failure(ErrorClass::Transient, "the brain timed out after 20000 ms");
    let out = actions(m.on_input(Input::BrainDone { call_id: "c1".into(), result: Err(timed_out) }));
    let script = "Sorry, I could not get an answer just now. Please ask again.".to_owned();
    assert!(out.contains(&Command::ReaderSay { generation: 2, script: script.clone() }));
    let out = actions(m.on_input(event(2, RealtimeEvent::Reconnected { attempt: 1, resumed: false })));
    assert_eq!(out, vec![Command::FlushPlayback, Command::ReaderSay { generation: 2, script }]);
    assert!(
        actions(m.on_input(event(2, RealtimeEvent::Reconnected { attempt: 1, resumed: true }))).is_empty()
    );
}

#[test]
fn a_reader_that_cannot_work_stops_the_run_and_one_that_stalls_drops_the_answer() {
    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    m.on_input(Input::Connected { generation: 2 });
    m.on_input(Input::BrainDone { call_id: "c1".into(), result: Ok("Answer.".into()) });
    let gave_up = failure(ErrorClass::GaveUp, "gave up after 9 connection attempts");
    let out = actions(m.on_input(event(2, RealtimeEvent::Closed { error: Some(gave_up.clone()) })));
    assert_eq!(out, vec![Command::Fail { role: "reader", generation: Some(2), failure: gave_up }]);

    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    m.on_input(Input::Connected { generation: 2 });
    m.on_input(Input::BrainDone { call_id: "c1".into(), result: Ok("Answer.".into()) });
    m.on_input(Input::Connected { generation: 3 });
    assert!(actions(m.on_input(Input::ReaderStalled { generation: 9 })).is_empty(), "not this reader");
    let out = m.on_input(Input::ReaderStalled { generation: 2 });
    assert!(
        records(&out)
            .iter()
            .any(|e| matches!(e, Entry::Warning { message } if message.contains("did not speak")))
    );
    let out = actions(out);
    assert!(out.contains(&Command::Close { generation: 2 }), "{out:?}");
    assert!(out.contains(&Command::Close { generation: 1 }), "switched to the replacement: {out:?}");
    assert_eq!(m.mic_target(), Some(3), "listening again");
    assert_eq!(m.narrations(), 0);
}

#[test]
fn a_refused_connection_or_brain_stops_the_run_and_is_never_reopened() {
    for generation in [1, 2] {
        let mut m = Machine::new();
        m.start();
        if generation == 2 {
            m.on_input(Input::Connected { generation: 1 });
            m.on_input(event(1, tool_call("c1", "get_time", json!({}))));
        }
        let refused = failure(ErrorClass::Permanent, "HTTP 401");
        let out = actions(m.on_input(Input::ConnectFailed { generation, error: refused.clone() }));
        let role = if generation == 2 { "reader" } else { "main" };
        assert_eq!(out, vec![Command::Fail { role, generation: Some(generation), failure: refused }]);
    }
    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    let refused = failure(ErrorClass::Permanent, "HTTP 401");
    let out = actions(m.on_input(Input::BrainDone { call_id: "c1".into(), result: Err(refused.clone()) }));
    assert_eq!(out, vec![Command::Fail { role: "brain", generation: None, failure: refused }]);
}

#[test]
fn reconnect_attempts_are_journaled_for_every_role() {
    let mut m = listening();
    let attempt = RealtimeEvent::Reconnecting {
        attempt: 3,
        delay: std::time::Duration::from_millis(2100),
        error: failure(ErrorClass::Transient, "the server closed the session with code 1011"),
    };
    let out = m.on_input(event(1, attempt));
    assert!(
        records(&out).iter().any(
            |e| matches!(e, Entry::Reconnecting { role, attempt: 3, delay_ms: 2100, .. } if role == "main")
        ),
        "{out:?}"
    );
    assert!(actions(out).is_empty(), "the transport reconnects; the machine only records it");
}

#[test]
fn the_watchdog_recycles_the_main_session() {
    let mut m = listening();
    let out = actions(m.on_input(Input::Watchdog));
    assert_eq!(out, vec![Command::ConnectMain { generation: 2 }]);
    assert!(actions(m.on_input(Input::Watchdog)).is_empty(), "one recycle at a time");
    let out = m.on_input(Input::Connected { generation: 2 });
    assert!(
        records(&out).iter().any(|e| matches!(e, Entry::MainReplaced { reason, .. } if reason == "watchdog"))
    );
    assert_eq!(m.mic_target(), Some(2));
}

#[test]
fn a_main_session_that_fails_stops_the_run_and_one_that_just_closes_is_replaced() {
    let mut m = listening();
    let gave_up = failure(ErrorClass::GaveUp, "gave up after 12 connection attempts");
    let out = actions(m.on_input(event(1, RealtimeEvent::Closed { error: Some(gave_up.clone()) })));
    assert_eq!(out, vec![Command::Fail { role: "main", generation: Some(1), failure: gave_up }]);

    let mut m = listening();
    let out = actions(m.on_input(event(1, RealtimeEvent::Closed { error: None })));
    assert_eq!(out, vec![Command::ConnectMain { generation: 2 }]);
    assert_eq!(m.mic_target(), None);
    m.on_input(Input::Connected { generation: 2 });
    assert_eq!(m.mic_target(), Some(2));
}

#[test]
fn a_late_reader_connection_after_cancel_is_closed() {
    let mut m = listening();
    m.on_input(event(1, tool_call("c1", "ask_brain", json!({"query": "q"}))));
    // The main session asks again before anything came back: the first reader is cancelled.
    let out = actions(m.on_input(event(1, tool_call("c2", "ask_brain", json!({"query": "q2"})))));
    assert!(out.contains(&Command::Close { generation: 2 }));
    assert!(out.contains(&Command::ConnectReader { generation: 3 }));
    assert_eq!(
        actions(m.on_input(Input::Connected { generation: 2 })),
        vec![Command::Close { generation: 2 }]
    );
    assert!(
        actions(m.on_input(Input::BrainDone { call_id: "c1".into(), result: Ok("old".into()) })).is_empty()
    );
}

#[test]
fn time_scripts() {
    assert_eq!(time_script(&json!({"spoken": "It is noon."})), "It is noon.");
    assert_eq!(time_script(&json!({"time": "12:00"})), "The time is 12:00.");
    assert_eq!(
        time_script(&json!({"time": "14:05:09", "weekday": "Sunday", "zone": "Europe/Paris"})),
        "The time is 14:05 on Sunday, Europe/Paris time."
    );
    assert_eq!(time_script(&json!({"error": {"kind": "timeout"}})), "Sorry, I could not read the clock.");
}
