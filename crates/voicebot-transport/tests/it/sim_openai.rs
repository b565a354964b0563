//! OpenAiRealtime against `voicebot_sim::Sim`: setup, audio both ways, tools, barge-in and truncation, reconnects
//! with no tool result lost, expiry, 401, benign errors, and the key under TRACE logging.

use crate::support::Capture;
use std::f64::consts::PI;
use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use voicebot_sim::{Api, Direction, Fault, OpenAiScript, OpenAiTurn, Scenario, Sim, SimHandle};
use voicebot_transport::{
    ApiKey, Error, OpenAiEndpoint, OpenAiRealtime, RealtimeEvent, RealtimeTransport, ResponsesClient,
    RetryPolicy, SeedItem, SeedRole, Session, SessionConfig, TextModel, TextRequest, ToolSpec, TurnStatus,
};

/// A key only these tests use, so finding it anywhere is a leak.
const KEY: &str = "sk-sim-openai-7f3a9c1e5b";
/// The longest any step waits (the simulator paces audio at 4x real time; machines are slow under load).
const LIMIT: Duration = Duration::from_secs(15);
/// Input and output rate of OpenAI Realtime.
const RATE: usize = 24_000;
/// Samples in one 20 ms input frame.
const FRAME: usize = RATE / 50;

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    crate::support::within(LIMIT, what, future).await
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().with_delays(Duration::from_millis(10), Duration::from_millis(50))
}

fn transport(sim: &SimHandle, key: &str) -> OpenAiRealtime {
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    OpenAiRealtime::new(endpoint, ApiKey::new(key)).with_retry(fast_retry())
}

fn config() -> SessionConfig {
    SessionConfig::new("gpt-realtime", "Answer briefly; use get_time for the time.").with_tool(ToolSpec {
        name: "get_time".into(),
        description: "The local time in a time zone".into(),
        parameters: json!({"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}),
    })
}

fn scenario(turns: &[(&str, &str)]) -> Scenario {
    let turns = turns
        .iter()
        .map(|(transcript, reply)| OpenAiTurn {
            transcript: (*transcript).to_owned(),
            function_call: None,
            reply: (*reply).to_owned(),
        })
        .collect();
    Scenario { openai: OpenAiScript { turns, ..OpenAiScript::default() }, ..Scenario::default() }
}

/// 300 ms of silence, a 600 ms 300 Hz tone at -20 dBFS, 900 ms of silence: one utterance for the energy VAD.
fn utterance() -> Vec<i16> {
    let amplitude = 10f64.powf(-20.0 / 20.0) * f64::from(i16::MAX);
    let tone =
        (0..RATE * 6 / 10).map(|n| (amplitude * (2.0 * PI * 300.0 * n as f64 / RATE as f64).sin()) as i16);
    let mut samples = vec![0; RATE * 3 / 10];
    samples.extend(tone);
    samples.extend(std::iter::repeat_n(0, RATE * 9 / 10));
    samples
}

/// Streams an utterance in 20 ms frames; returns how many frames were queued.
fn speak(session: &Session) -> usize {
    let samples = utterance();
    for frame in samples.chunks(FRAME) {
        session.send_audio(frame).unwrap();
    }
    samples.len().div_ceil(FRAME)
}

/// Reads events until one matches; returns it and everything before it.
async fn until(
    session: &Session,
    what: &str,
    matches: impl Fn(&RealtimeEvent) -> bool,
) -> (RealtimeEvent, Vec<RealtimeEvent>) {
    crate::support::until_within(LIMIT, session, what, matches).await
}

fn is_turn_end(event: &RealtimeEvent) -> bool {
    matches!(event, RealtimeEvent::TurnComplete { .. })
}

fn audio_samples(events: &[RealtimeEvent]) -> usize {
    events
        .iter()
        .map(|e| if let RealtimeEvent::AudioDelta { samples, .. } = e { samples.len() } else { 0 })
        .sum()
}

/// The JSON of every frame of `kind` that went `direction` on connection `conn`.
fn frames(sim: &SimHandle, conn: u64, direction: Direction, kind: &str) -> Vec<Value> {
    sim.frames()
        .iter()
        .filter(|f| f.conn == conn && f.direction == direction && f.kind == kind)
        .map(voicebot_sim::Frame::value)
        .collect()
}

/// Kinds received on `conn`, in order, without the audio appends.
fn received_kinds(sim: &SimHandle, conn: u64) -> Vec<String> {
    sim.frames()
        .iter()
        .filter(|f| f.conn == conn && f.direction == Direction::Received)
        .filter(|f| f.kind != "input_audio_buffer.append" && f.kind != "ping" && f.kind != "pong")
        .map(|f| match f.value()["item"]["type"].as_str() {
            Some(item) => format!("{}:{item}", f.kind),
            None => f.kind.clone(),
        })
        .collect()
}

fn assert_no_violations(sim: &SimHandle) {
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
}

#[tokio::test]
async fn connects_with_bearer_auth_the_model_and_a_ga_session_update() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let (ready, _) = until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
    assert!(
        matches!(ready, RealtimeEvent::Ready { session_id: Some(ref id) } if id.starts_with("sess_")),
        "{ready:?}"
    );

    let conn = sim.connections().remove(0);
    assert_eq!((conn.api, conn.status), (Api::OpenAi, 101), "the simulator accepted the Bearer key");
    assert_eq!(conn.path, "/v1/realtime?model=gpt-realtime");
    assert_eq!(conn.model.as_deref(), Some("gpt-realtime"));
    let header =
        |name: &str| conn.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    assert_eq!(header("authorization").as_deref(), Some("<redacted>"), "sent, and redacted in the records");
    assert_eq!(header("openai-beta"), None);

    let updates = frames(&sim, conn.id, Direction::Received, "session.update");
    assert_eq!(updates.len(), 1);
    let update = &updates[0]["session"];
    assert_eq!(update["type"], "realtime");
    assert_eq!(update["instructions"], "Answer briefly; use get_time for the time.");
    assert_eq!(update["tools"][0]["name"], "get_time");
    assert_eq!(update["tools"][0]["type"], "function");
    assert_eq!(update["audio"]["input"]["format"], json!({"type": "audio/pcm", "rate": 24000}));
    let updated = frames(&sim, conn.id, Direction::Sent, "session.updated");
    assert_eq!(updated[0]["session"]["tools"][0]["name"], "get_time", "the simulator applied the update");
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn streams_audio_both_ways_over_two_turns_with_growing_usage() {
    let sim =
        Sim::start(scenario(&[("Hello there.", "Hi, how can I help?"), ("What is new?", "Nothing much.")]))
            .await
            .unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let mut usages = Vec::new();
    let mut received = 0;
    let mut frames_sent = 0;
    for (turn, (transcript, reply)) in
        [("Hello there.", "Hi, how can I help?"), ("What is new?", "Nothing much.")].into_iter().enumerate()
    {
        frames_sent += speak(&session);
        let (end, events) = until(&session, "the spoken turn", is_turn_end).await;
        assert_eq!(
            end,
            RealtimeEvent::TurnComplete { response_id: end_id(&end), status: TurnStatus::Completed }
        );
        let position = |name: &str, f: &dyn Fn(&RealtimeEvent) -> bool| {
            events.iter().position(f).unwrap_or_else(|| panic!("no {name} in turn {turn}: {events:?}"))
        };
        let started = position("SpeechStarted", &|e| matches!(e, RealtimeEvent::SpeechStarted { .. }));
        let stopped = position("SpeechStopped", &|e| matches!(e, RealtimeEvent::SpeechStopped { .. }));
        let heard = position(
            "InputTranscript",
            &|e| matches!(e, RealtimeEvent::InputTranscript { text, is_final: true, .. } if text == transcript),
        );
        let said = position(
            "OutputTranscript",
            &|e| matches!(e, RealtimeEvent::OutputTranscript { text, is_final: true, .. } if text == reply),
        );
        let audio = position("AudioDelta", &|e| matches!(e, RealtimeEvent::AudioDelta { .. }));
        assert!(started < stopped && stopped < heard && stopped < audio && audio < said, "{events:?}");
        let Some(RealtimeEvent::Usage(usage)) =
            events.iter().rev().find(|e| matches!(e, RealtimeEvent::Usage(_)))
        else {
            panic!("no usage in turn {turn}: {events:?}")
        };
        usages.push(*usage);
        received += audio_samples(&events);
        let conn = within("the sim's turn", sim.wait_turns(1, turn + 1, LIMIT)).await.unwrap();
        assert_eq!(conn.audio.output_samples, received as u64, "turn {turn}: received all the sim sent");
    }
    assert!(usages[1].input_tokens > usages[0].input_tokens, "{usages:?}");
    assert!(usages[0].total_tokens >= usages[0].input_tokens + usages[0].output_tokens, "{usages:?}");

    // Every input frame reached the simulator, in full.
    let appends =
        within("the appends", sim.wait_frames(frames_sent, LIMIT, |f| f.kind == "input_audio_buffer.append"))
            .await
            .unwrap();
    assert_eq!(appends.len(), frames_sent);
    assert_eq!(sim.connection(1).unwrap().audio.input_samples, 2 * utterance().len() as u64);
    assert_eq!(session.stats().audio_frames_sent, frames_sent as u64);
    assert_eq!(session.stats().audio_frames_dropped, 0);
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

fn end_id(event: &RealtimeEvent) -> Option<String> {
    match event {
        RealtimeEvent::TurnComplete { response_id, .. } => response_id.clone(),
        _ => None,
    }
}

/// Speaks the first (scripted `get_time`) turn and returns the call id, after the call's response ended.
async fn tool_call(session: &Session) -> String {
    speak(session);
    let (call, _) = until(session, "the tool call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await;
    let RealtimeEvent::ToolCall { call_id, name, arguments } = call else { unreachable!() };
    assert_eq!((name.as_str(), &arguments), ("get_time", &json!({"tz": "Europe/Paris"})));
    let (_, between) = until(session, "the call's response end", is_turn_end).await;
    assert!(
        !between.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. })),
        "surfaced twice: {between:?}"
    );
    call_id
}

/// Reads the spoken answer to a tool result; returns its final transcript.
async fn spoken_answer(session: &Session) -> String {
    let (_, events) = until(session, "the spoken answer", |e| {
        matches!(e, RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. })
    })
    .await;
    assert!(audio_samples(&events) > 0, "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. } | RealtimeEvent::Warning { .. })),
        "{events:?}"
    );
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            RealtimeEvent::OutputTranscript { text, is_final: true, .. } => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no final transcript: {events:?}"))
}

#[tokio::test]
async fn a_tool_call_surfaces_once_and_its_result_gets_the_spoken_answer() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let call_id = tool_call(&session).await;
    within("send", session.send_tool_result(&call_id, "get_time", json!({"time": "12:00"}))).await.unwrap();
    assert_eq!(within("answer", spoken_answer(&session)).await, "It is noon in Paris.");
    let outputs = frames(&sim, 1, Direction::Received, "conversation.item.create");
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    assert_eq!(outputs[0]["item"]["type"], "function_call_output");
    assert_eq!(outputs[0]["item"]["call_id"], call_id.as_str());
    assert_eq!(outputs[0]["item"]["output"], r#"{"time":"12:00"}"#);
    let kinds = received_kinds(&sim, 1);
    assert_eq!(
        kinds,
        ["session.update", "conversation.item.create:function_call_output", "response.create"],
        "exactly one output and one response.create"
    );
    assert_eq!(session.stats().duplicate_tool_calls, 1, "the call's output_item.done repeats it");
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

const LONG_REPLY: &str = "This is a rather long answer that goes on and on, so that the user has plenty of \
                          time to interrupt it before it is over.";

#[tokio::test]
async fn barge_in_cancels_the_response_and_truncate_is_clamped_to_what_was_received() {
    let sim = Sim::start(scenario(&[("Tell me a story.", LONG_REPLY), ("Stop.", "Okay.")])).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    speak(&session);
    let (first, _) =
        until(&session, "the first audio", |e| matches!(e, RealtimeEvent::AudioDelta { .. })).await;
    let RealtimeEvent::AudioDelta { item_id: Some(item), samples } = first else { panic!("{first:?}") };
    let mut received = samples.len();
    // Some of the answer arrives (and plays) before the user speaks again.
    while received < 24 * 400 {
        let (event, _) =
            until(&session, "more audio", |e| matches!(e, RealtimeEvent::AudioDelta { .. })).await;
        if let RealtimeEvent::AudioDelta { samples, .. } = event {
            received += samples.len();
        }
    }
    // The user speaks again while the answer streams.
    speak(&session);
    let (end, events) = until(&session, "the cancelled turn", is_turn_end).await;
    assert!(matches!(end, RealtimeEvent::TurnComplete { status: TurnStatus::Cancelled, .. }), "{end:?}");
    assert!(events.iter().any(|e| matches!(e, RealtimeEvent::SpeechStarted { .. })), "{events:?}");
    received += events
        .iter()
        .map(|e| match e {
            RealtimeEvent::AudioDelta { item_id: Some(id), samples } if *id == item => samples.len(),
            _ => 0,
        })
        .sum::<usize>();
    let done = frames(&sim, 1, Direction::Sent, "response.done");
    assert_eq!(done[0]["response"]["status"], "cancelled");
    assert_eq!(done[0]["response"]["status_details"]["reason"], "turn_detected");
    let received_ms = (received / 24) as u64;
    assert!((400..7_000).contains(&received_ms), "{received_ms} ms received of a long reply");

    // Played less than received: sent as is. Nothing played: nothing sent. Beyond what is left: clamped.
    let played = received_ms / 2;
    within("truncate", session.truncate(&item, Duration::from_millis(played))).await.unwrap();
    within("truncate", session.truncate(&item, Duration::ZERO)).await.unwrap();
    within("truncate", session.truncate(&item, Duration::from_secs(600))).await.unwrap();
    let truncated =
        within("the truncations", sim.wait_frames(2, LIMIT, |f| f.kind == "conversation.item.truncated"))
            .await
            .unwrap();
    let cuts: Vec<Value> = frames(&sim, 1, Direction::Received, "conversation.item.truncate")
        .iter()
        .map(|frame| json!([frame["item_id"], frame["audio_end_ms"]]))
        .collect();
    assert_eq!(cuts, [json!([item, played]), json!([item, played])], "the zero truncate is not sent");
    assert_eq!(truncated[1].value()["audio_end_ms"], played);
    let errors = frames(&sim, 1, Direction::Sent, "error");
    assert!(errors.is_empty(), "{errors:?}");
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

/// The second connection's id, once the session reported its reconnect.
async fn reconnected(session: &Session, sim: &SimHandle) -> u64 {
    let (event, _) =
        until(session, "the reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert_eq!(event, RealtimeEvent::Reconnected { attempt: 1, resumed: false });
    let connections = within("the second connection", sim.wait_connections(2, LIMIT)).await.unwrap();
    assert_eq!(connections.len(), 2, "{connections:#?}");
    let second = connections[1].id;
    // The configuration was sent again, unchanged, first thing on the new connection.
    let updates =
        within("the second update", sim.wait_frames(2, LIMIT, |f| f.kind == "session.update")).await.unwrap();
    assert_eq!((updates[0].conn, updates[1].conn), (1, second));
    assert_eq!(updates[0].value(), updates[1].value());
    second
}

#[tokio::test]
async fn after_a_1011_close_the_config_is_resent_and_a_pending_call_is_answered_on_the_new_connection() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let call_id = tool_call(&session).await;
    // The connection fails while the tool runs.
    let reason = "Internal error encountered.".to_owned();
    sim.inject(Fault::Close { api: Api::OpenAi, code: 1011, reason, after_ms: 0 }).unwrap();
    let second = reconnected(&session, &sim).await;
    assert_eq!(sim.connection(1).unwrap().close.unwrap().code, 1011);

    // The result arrives after the reconnect: the new conversation gets the call, then the output.
    within("send", session.send_tool_result(&call_id, "get_time", json!({"time": "12:00"}))).await.unwrap();
    assert_eq!(within("answer", spoken_answer(&session)).await, "It is noon in Paris.");
    assert_eq!(
        received_kinds(&sim, second),
        [
            "session.update",
            "conversation.item.create:function_call",
            "conversation.item.create:function_call_output",
            "response.create"
        ]
    );
    let created = frames(&sim, second, Direction::Received, "conversation.item.create");
    assert_eq!(created[0]["item"]["call_id"], call_id.as_str());
    assert_eq!(created[0]["item"]["name"], "get_time");
    assert_eq!(created[0]["item"]["arguments"], r#"{"tz":"Europe/Paris"}"#);
    assert_eq!(created[1]["item"]["call_id"], call_id.as_str());
    assert_eq!(session.stats().reconnects, 1);
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn after_a_tcp_drop_mid_answer_the_unanswered_tool_result_is_sent_again() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let call_id = tool_call(&session).await;
    // The result reaches the first connection, whose answer breaks off after its first audio chunk.
    sim.inject(Fault::TcpDrop { api: Api::OpenAi, mid_response: true }).unwrap();
    within("send", session.send_tool_result(&call_id, "get_time", json!({"time": "12:00"}))).await.unwrap();
    let second = reconnected(&session, &sim).await;
    assert!(sim.connection(1).unwrap().dropped, "the first connection was dropped");
    assert_eq!(
        received_kinds(&sim, 1),
        ["session.update", "conversation.item.create:function_call_output", "response.create"]
    );
    assert_eq!(within("answer", spoken_answer(&session)).await, "It is noon in Paris.");
    assert_eq!(
        received_kinds(&sim, second),
        [
            "session.update",
            "conversation.item.create:function_call",
            "conversation.item.create:function_call_output",
            "response.create"
        ],
        "the unanswered result was carried into the new conversation"
    );
    let created = frames(&sim, second, Direction::Received, "conversation.item.create");
    assert_eq!(created[1]["item"]["output"], r#"{"time":"12:00"}"#);
    within("the sim's answer", sim.wait_turns(second, 1, LIMIT)).await.unwrap();
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_answered_tool_result_is_not_sent_again_after_a_reconnect() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let call_id = tool_call(&session).await;
    within("send", session.send_tool_result(&call_id, "get_time", json!({"time": "12:00"}))).await.unwrap();
    within("answer", spoken_answer(&session)).await;
    sim.inject(Fault::TcpDrop { api: Api::OpenAi, mid_response: false }).unwrap();
    let second = reconnected(&session, &sim).await;
    within("close", session.close()).await.unwrap();
    within("the close", sim.wait_closed(second, LIMIT)).await.unwrap();
    assert_eq!(received_kinds(&sim, second)[..1], ["session.update"]);
    assert!(frames(&sim, second, Direction::Received, "conversation.item.create").is_empty());
    assert!(frames(&sim, second, Direction::Received, "response.create").is_empty());
    assert_no_violations(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn session_expiry_is_reported_and_a_fresh_session_gets_the_same_config() {
    let sim = Sim::start(scenario(&[("Hello there.", "Hi.")])).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
    sim.inject(Fault::SessionExpired { after_ms: 0 }).unwrap();
    let (expired, _) =
        until(&session, "the expiry", |e| matches!(e, RealtimeEvent::SessionExpired { .. })).await;
    assert!(
        matches!(expired, RealtimeEvent::SessionExpired { ref message } if message.contains("maximum duration"))
    );
    let second = reconnected(&session, &sim).await;
    assert_eq!(sim.connection(1).unwrap().close.unwrap().code, 1001);
    // The fresh session works.
    speak(&session);
    let (_, events) = until(&session, "a turn on the new session", is_turn_end).await;
    assert!(audio_samples(&events) > 0);
    within("the sim's turn", sim.wait_turns(second, 1, LIMIT)).await.unwrap();
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_401_is_a_clear_error_that_does_not_contain_the_key() {
    let revoked = "sk-revoked-5b7e1d9a";
    let sim =
        Sim::start(Scenario { invalid_keys: vec!["invalid".into(), revoked.into()], ..Scenario::default() })
            .await
            .unwrap();
    for key in ["invalid", revoked] {
        let err = within("connect", transport(&sim, key).connect(config())).await.unwrap_err();
        assert!(matches!(err, Error::Rejected { status: 401, .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("401") && text.contains("Incorrect API key provided"), "{text}");
        assert_eq!(err.setting(), Some(voicebot_transport::Setting::ApiKey));
        assert!(!text.contains("{\""), "the service's message, not its JSON: {text}");
        if key == revoked {
            assert!(!text.contains(key) && !format!("{err:?}").contains(key), "{text}");
        }
    }
    let connections = sim.connections();
    assert_eq!(connections.iter().map(|c| c.status).collect::<Vec<_>>(), [401, 401], "a 401 is not retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn benign_errors_are_warnings_and_the_session_goes_on() {
    let sim = Sim::start(scenario(&[("Hello.", LONG_REPLY)])).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
    within("cancel", session.cancel_response()).await.unwrap();
    let (warning, _) = until(&session, "a warning", |e| matches!(e, RealtimeEvent::Warning { .. })).await;
    assert!(
        matches!(warning, RealtimeEvent::Warning { code: Some(ref code), .. } if code == "response_cancel_not_active"),
        "{warning:?}"
    );
    within("text", session.send_text("Tell me something.")).await.unwrap();
    until(&session, "the response", |e| matches!(e, RealtimeEvent::ResponseStarted { .. })).await;
    within("text", session.send_text("And something else.")).await.unwrap();
    let (warning, _) = until(&session, "a warning", |e| matches!(e, RealtimeEvent::Warning { .. })).await;
    assert!(
        matches!(warning, RealtimeEvent::Warning { code: Some(ref code), .. }
            if code == "conversation_already_has_active_response"),
        "{warning:?}"
    );
    // The active response still completes, and the session takes new work.
    let (end, _) = until(&session, "the first response", is_turn_end).await;
    assert!(matches!(end, RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. }), "{end:?}");
    within("text", session.send_text("One more.")).await.unwrap();
    let (end, _) = until(&session, "another response", is_turn_end).await;
    assert!(matches!(end, RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. }), "{end:?}");
    assert_eq!(sim.connections().len(), 1);
    within("close", session.close()).await.unwrap();
    assert_no_violations(&sim);
    sim.shutdown().await;
}

/// Runs on the current-thread runtime, so every task of the session and the simulator logs to this thread's
/// subscriber.
#[tokio::test]
async fn the_key_never_appears_in_trace_output_of_a_sim_session() {
    use tracing_subscriber::util::SubscriberInitExt as _;
    // Bridge the `log` crate (tungstenite, rustls, ...) into tracing, as the app's subscriber does: a global
    // registry plus the log adapter. Another test may have done it already.
    let _ = tracing_subscriber::registry().try_init();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::start(Scenario::default()).await.unwrap();
    let session = within("connect", transport(&sim, KEY).connect(config())).await.unwrap();
    let call_id = tool_call(&session).await;
    sim.inject(Fault::Close {
        api: Api::OpenAi,
        code: 1011,
        reason: "Internal error encountered.".into(),
        after_ms: 0,
    })
    .unwrap();
    reconnected(&session, &sim).await;
    within("send", session.send_tool_result(&call_id, "get_time", json!({"time": "12:00"}))).await.unwrap();
    within("answer", spoken_answer(&session)).await;
    within("close", session.close()).await.unwrap();
    let refused = within("connect", transport(&sim, "invalid").connect(config())).await.unwrap_err();

    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    let client = ResponsesClient::new(&endpoint, ApiKey::new(KEY), "gpt-5-mini").unwrap();
    sim.inject(Fault::ResponsesRateLimit { times: 1, retry_after_s: 0 }).unwrap();
    let reply =
        within("complete", client.complete(TextRequest::new("Be brief.", "Plan a weekend."))).await.unwrap();
    sim.shutdown().await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let debug = format!("{session:?} {client:?} {reply:?} {refused:?} {refused}");
    assert!(logs.contains("server event") && logs.contains("reconnecting"), "TRACE output was captured");
    assert!(logs.contains("Client handshake done"), "log records from tungstenite were captured too");
    assert!(logs.contains("retrying the Responses API call"), "the Responses client logged");
    assert!(!logs.contains(KEY), "the key leaked into the TRACE output:\n{}", lines_with(&logs, KEY));
    assert!(!debug.contains(KEY), "{debug}");
    assert_no_violations(&sim);
}

fn lines_with(text: &str, needle: &str) -> String {
    text.lines().filter(|line| line.contains(needle)).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn a_summary_item_goes_where_it_is_asked_and_a_retrieved_item_gives_its_transcript() {
    let mut scenario = scenario(&[("Hello there.", "Hi!")]);
    scenario.audio.voice = voicebot_sim::Voice::Synthetic;
    let sim = Sim::start(scenario).await.unwrap();
    let mut config = config();
    config.input_transcription = Some(voicebot_transport::Transcription::default());
    let session = within("connect", transport(&sim, KEY).connect(config)).await.unwrap();
    speak(&session);
    let (_, seen) = until(&session, "the first turn", is_turn_end).await;
    let added: Vec<(String, Option<String>, voicebot_transport::ItemRole)> = seen
        .iter()
        .filter_map(|e| match e {
            RealtimeEvent::ItemAdded { item_id, previous_item_id, role } => {
                Some((item_id.clone(), previous_item_id.clone(), *role))
            }
            _ => None,
        })
        .collect();
    assert_eq!(added.len(), 2, "a user item and an assistant item: {added:?}");
    let (user, _, user_role) = added[0].clone();
    let (assistant, after, _) = added[1].clone();
    assert_eq!(user_role, voicebot_transport::ItemRole::User);
    assert_eq!(after.as_deref(), Some(user.as_str()), "the reply follows the user's item");

    session
        .insert_item(
            SeedItem::new(SeedRole::System, "Summary: they greeted."),
            Some("vb_summary_1".into()),
            Some("root".into()),
        )
        .await
        .unwrap();
    let (event, _) =
        until(&session, "the summary item", |e| matches!(e, RealtimeEvent::ItemAdded { .. })).await;
    assert_eq!(
        event,
        RealtimeEvent::ItemAdded {
            item_id: "vb_summary_1".into(),
            previous_item_id: None,
            role: voicebot_transport::ItemRole::System
        }
    );
    session.retrieve_item(user.clone()).await.unwrap();
    let (event, _) =
        until(&session, "the retrieved transcript", |e| matches!(e, RealtimeEvent::InputTranscript { .. }))
            .await;
    assert_eq!(
        event,
        RealtimeEvent::InputTranscript {
            item_id: Some(user.clone()),
            text: "Hello there.".into(),
            is_final: true
        }
    );
    session.delete_item(user).await.unwrap();
    session
        .insert_item(SeedItem::new(SeedRole::System, "orphan"), None, Some("item_nope".into()))
        .await
        .unwrap();
    let (event, seen) = until(&session, "the error for an unknown previous item", |e| {
        matches!(e, RealtimeEvent::Warning { .. })
    })
    .await;
    assert!(matches!(event, RealtimeEvent::Warning { code: Some(code), .. } if code == "invalid_value"));
    assert!(
        seen.iter().all(|e| !matches!(e, RealtimeEvent::Warning { .. })),
        "the delete was accepted: {seen:?}"
    );
    let conn = sim.connections()[0].id;
    assert_eq!(frames(&sim, conn, Direction::Sent, "conversation.item.deleted").len(), 1);
    let _ = assistant;
    assert_no_violations(&sim);
    session.close().await.unwrap();
}
