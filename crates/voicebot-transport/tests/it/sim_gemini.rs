//! GeminiLive against the simulator (`voicebot_sim::Sim`): setup, audio both ways, tool calls (repeated ones
//! too), reconnects after 1011 and TCP drops with the resumption handle and no tool result lost, the replay of
//! what a resumed session had not consumed, `goAway` rollover without losing a mic frame, final closes, a
//! refused key, and slow pongs.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use voicebot_sim::{
    Api, Connection, Direction, Fault, Frame, Scenario, Sim, SimHandle, ToolCallScript, Utterance,
};
use voicebot_transport::{
    ApiKey, Error, ErrorClass, GeminiEndpoint, GeminiLive, KeepAlive, RealtimeEvent, RealtimeTransport,
    RetryPolicy, Session, SessionConfig, Setting, ToolSpec, TurnStatus,
};

const KEY: &str = "AIza-sim-e2e-secret-0123456789";
/// The longest any single await may take.
const T: Duration = Duration::from_secs(15);
/// Input rate of Gemini Live.
const RATE: u32 = 16_000;
/// Samples per mic frame (20 ms at 16 kHz).
const FRAME: usize = 320;

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    crate::support::within(T, what, future).await
}

async fn start(scenario: Scenario) -> SimHandle {
    within("the simulator to start", Sim::start(scenario)).await.unwrap()
}

fn transport(sim: &SimHandle) -> GeminiLive {
    let endpoint = GeminiEndpoint::parse(&sim.gemini_base_url()).unwrap();
    let retry = RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(50));
    GeminiLive::new(endpoint, ApiKey::new(KEY)).with_retry(retry)
}

async fn connect(transport: &GeminiLive, config: SessionConfig) -> Session {
    within("connect", transport.connect(config)).await.unwrap()
}

/// A main session: it declares tools, so the simulator listens and calls them.
fn main_config() -> SessionConfig {
    let tool = |name: &str, description: &str| ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters: json!({"type": "object", "properties": {"tz": {"type": "string"}}}),
    };
    SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Route every request.")
        .with_tool(tool("get_time", "The local time in a time zone."))
        .with_tool(tool("ask_brain", "Hand a hard question to the brain."))
}

/// A reader session: no tools, it speaks what it is given.
fn reader_config() -> SessionConfig {
    SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Read the text aloud.")
}

/// A scenario whose first utterance calls `get_time` and then speaks, so a response is under way after the
/// tool response (where `Fault::TcpDrop { mid_response: true }` strikes).
fn speaking_scenario() -> Scenario {
    let mut scenario = Scenario::default();
    scenario.gemini.utterances = vec![Utterance {
        transcript: "What time is it in Paris?".into(),
        tool_call: Some(ToolCallScript {
            name: "get_time".into(),
            args: serde_json::Map::from_iter([("tz".to_owned(), json!("Europe/Paris"))]),
        }),
        reply: Some("It is noon in Paris.".into()),
    }];
    scenario
}

/// 300 ms of silence, a 600 ms 300 Hz tone at -20 dBFS, 800 ms of silence: one utterance for the energy VAD.
fn utterance() -> Vec<i16> {
    let per_ms = (RATE / 1000) as usize;
    let amplitude = 10f64.powf(-20.0 / 20.0) * std::f64::consts::SQRT_2 * 32767.0;
    let tone = (0..600 * per_ms).map(|n| {
        let phase = 2.0 * std::f64::consts::PI * 300.0 * n as f64 / f64::from(RATE);
        (amplitude * phase.sin()) as i16
    });
    let mut samples = vec![0i16; 300 * per_ms];
    samples.extend(tone);
    samples.extend(vec![0i16; 800 * per_ms]);
    samples
}

/// Queues `samples` as 20 ms frames; returns how many frames.
fn stream(session: &Session, samples: &[i16]) -> u64 {
    let mut frames = 0;
    for chunk in samples.chunks(FRAME) {
        session.send_audio(chunk).unwrap();
        frames += 1;
    }
    frames
}

/// Reads events until one matches; returns it and everything before it.
async fn until(
    session: &Session,
    what: &str,
    matches: impl Fn(&RealtimeEvent) -> bool,
) -> (RealtimeEvent, Vec<RealtimeEvent>) {
    crate::support::until_within(T, session, what, matches).await
}

/// Waits for the next tool call and returns its id, name and arguments.
async fn tool_call(session: &Session) -> (String, String, Value) {
    match until(session, "a tool call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await.0 {
        RealtimeEvent::ToolCall { call_id, name, arguments } => (call_id, name, arguments),
        other => unreachable!("{other:?}"),
    }
}

async fn turn_complete(session: &Session) -> Vec<RealtimeEvent> {
    let (done, mut seen) =
        until(session, "turnComplete", |e| matches!(e, RealtimeEvent::TurnComplete { .. })).await;
    seen.push(done);
    seen
}

fn gemini_frames(sim: &SimHandle, conn: u64, direction: Direction, kind: &str) -> Vec<Frame> {
    sim.frames()
        .into_iter()
        .filter(|f| f.conn == conn && f.api == Api::Gemini && f.direction == direction && f.kind == kind)
        .collect()
}

/// The ids of the `functionResponses` connection `conn` received.
fn tool_responses(sim: &SimHandle, conn: u64) -> Vec<Value> {
    gemini_frames(sim, conn, Direction::Received, "toolResponse")
        .iter()
        .flat_map(|f| f.value()["toolResponse"]["functionResponses"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The resumption handles sent on connection `conn`, in order.
fn handles(sim: &SimHandle, conn: u64) -> Vec<String> {
    gemini_frames(sim, conn, Direction::Sent, "sessionResumptionUpdate")
        .iter()
        .filter_map(|f| f.value()["sessionResumptionUpdate"]["newHandle"].as_str().map(str::to_owned))
        .collect()
}

/// Every key of a JSON value, recursively, except inside free-form tool schemas.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                if key != "parameters" && key != "parametersJsonSchema" {
                    keys(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

async fn close(session: &Session) -> voicebot_transport::Result<()> {
    within("the session to close", session.close()).await
}

async fn shutdown(sim: &SimHandle) {
    within("the simulator to shut down", sim.shutdown()).await;
}

fn assert_no_violations(sim: &SimHandle) {
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[tokio::test]
async fn sim_gemini_connects_with_the_header_key_and_sends_setup_first_in_camel_case() {
    let sim = start(Scenario::default()).await;
    let session = connect(&transport(&sim), main_config()).await;
    // Queued before setupComplete: the simulator records a violation if any of it arrives too early.
    let frames = stream(&session, &utterance());
    assert!(matches!(until(&session, "ready", |_| true).await.0, RealtimeEvent::Ready { .. }));
    tool_call(&session).await;
    let received = |f: &Frame| f.conn == 1 && f.direction == Direction::Received && f.kind == "realtimeInput";
    within("all mic frames", sim.wait_frames(frames as usize, T, received)).await.unwrap();

    let conn = sim.connection(1).unwrap();
    assert_eq!((conn.api, conn.status), (Api::Gemini, 101));
    assert!(conn.path.ends_with("GenerativeService.BidiGenerateContent"), "{}", conn.path);
    assert!(!conn.path.contains("key="), "the key travels in the header: {}", conn.path);
    assert!(conn.headers.iter().any(|(name, value)| name == "x-goog-api-key" && value == "<redacted>"));
    assert_eq!(conn.model.as_deref(), Some("models/gemini-2.5-flash-native-audio-preview-12-2025"));
    assert_eq!(conn.audio.input_samples, utterance().len() as u64);
    let first = sim.frames().into_iter().find(|f| f.conn == 1 && f.direction == Direction::Received).unwrap();
    assert_eq!(first.kind, "setup");
    let setup = first.value();
    let mut names = Vec::new();
    keys(&setup, &mut names);
    assert!(names.iter().all(|key| !key.contains('_')), "snake_case keys in {setup}");
    assert_eq!(setup["setup"]["tools"][0]["functionDeclarations"][1]["name"], "ask_brain");
    assert!(setup["setup"]["sessionResumption"].is_object());
    assert!(sim.frames().iter().all(|f| !f.json.contains(KEY)));
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_audio_flows_both_ways() {
    let sim = start(Scenario::default()).await;
    let transport = transport(&sim);
    let main = connect(&transport, main_config()).await;
    stream(&main, &utterance());
    let (call, seen) = until(&main, "a tool call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await;
    let heard: Vec<&RealtimeEvent> =
        seen.iter().filter(|e| matches!(e, RealtimeEvent::InputTranscript { .. })).collect();
    assert_eq!(
        heard,
        [&RealtimeEvent::InputTranscript {
            item_id: None,
            text: "What time is it in Paris?".into(),
            is_final: true
        }]
    );
    let RealtimeEvent::ToolCall { name, arguments, .. } = call else { unreachable!() };
    assert_eq!((name.as_str(), arguments), ("get_time", json!({"tz": "Europe/Paris"})));

    let reader = connect(&transport, reader_config()).await;
    let text = "It is noon in Paris.";
    reader.send_text(text).await.unwrap();
    let events = turn_complete(&reader).await;
    let mut samples = 0u64;
    let mut transcript = String::new();
    for event in &events {
        match event {
            RealtimeEvent::AudioDelta { samples: chunk, .. } => samples += chunk.len() as u64,
            RealtimeEvent::OutputTranscript { text, .. } => transcript.push_str(text),
            _ => {}
        }
    }
    assert_eq!(transcript, text);
    assert!(matches!(events.last(), Some(RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. })));
    let reader_conn = sim.latest_open(Api::Gemini).unwrap();
    assert_eq!(reader_conn.id, 2);
    let reader_conn = within("the reader's turn", sim.wait_turns(2, 1, T)).await.unwrap();
    assert!(samples > u64::from(RATE) / 2, "{samples} samples");
    assert_eq!(samples, reader_conn.audio.output_samples, "every sample the simulator sent arrived once");
    assert_no_violations(&sim);
    close(&main).await.unwrap();
    close(&reader).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_tool_call_round_trip_wraps_a_scalar_result_in_an_object() {
    let sim = start(Scenario::default()).await;
    let session = connect(&transport(&sim), main_config()).await;
    stream(&session, &utterance());
    let (call_id, name, _) = tool_call(&session).await;
    session.send_tool_result(&call_id, &name, json!("12:00")).await.unwrap();
    let events = turn_complete(&session).await;
    assert!(!events.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. })), "{events:?}");
    let responses = tool_responses(&sim, 1);
    assert_eq!(responses, [json!({"id": call_id, "name": "get_time", "response": {"result": "12:00"}})]);
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_repeated_tool_calls_are_surfaced_and_answered_once() {
    for in_server_content in [false, true] {
        let sim = start(Scenario::default()).await;
        let session = connect(&transport(&sim), main_config()).await;
        until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
        sim.inject(Fault::RepeatToolCall { in_server_content }).unwrap();
        stream(&session, &utterance());
        let (call_id, name, _) = tool_call(&session).await;
        session.send_tool_result(&call_id, &name, json!({"time": "12:00"})).await.unwrap();
        let events = turn_complete(&session).await;
        assert!(!events.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. })), "{events:?}");
        assert_eq!(session.stats().duplicate_tool_calls, 1, "in_server_content: {in_server_content}");
        let ids: Vec<Value> = tool_responses(&sim, 1).iter().map(|r| r["id"].clone()).collect();
        assert_eq!(ids, [json!(call_id)], "in_server_content: {in_server_content}");
        assert_no_violations(&sim);
        close(&session).await.unwrap();
        shutdown(&sim).await;
    }
}

/// After a tool call, `fault` breaks the connection; the tool result sent next must reach the resumed
/// session exactly once, and the turn must complete there.
async fn reconnect_keeps_the_tool_result(fault: Fault) {
    let sim = start(Scenario::default()).await;
    let session = connect(&transport(&sim), main_config()).await;
    stream(&session, &utterance());
    let (call_id, name, _) = tool_call(&session).await;
    let handle = handles(&sim, 1).pop().expect("a handle before the tool call");
    sim.inject(fault).unwrap();
    session.send_tool_result(&call_id, &name, json!({"time": "12:00"})).await.unwrap();
    let (reconnected, _) =
        until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(reconnected, RealtimeEvent::Reconnected { resumed: true, .. }), "{reconnected:?}");
    turn_complete(&session).await;

    let resumed = sim.connection(2).unwrap();
    assert_eq!(resumed.resumption_handle.as_deref(), Some(handle.as_str()));
    let setup = gemini_frames(&sim, 2, Direction::Received, "setup").pop().unwrap().value();
    assert_eq!(setup["setup"]["tools"][0]["functionDeclarations"][0]["name"], "get_time");
    assert_eq!(setup["setup"]["sessionResumption"]["handle"], json!(handle));
    let ids: Vec<Value> = tool_responses(&sim, 2).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!(call_id)]);
    assert_eq!(sim.connections().len(), 2);
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_reconnects_after_1011_with_the_latest_handle_and_no_tool_result_lost() {
    let reason = "Internal error encountered.".to_owned();
    reconnect_keeps_the_tool_result(Fault::Close { api: Api::Gemini, code: 1011, reason, after_ms: 0 }).await;
}

#[tokio::test]
async fn sim_gemini_reconnects_after_a_tcp_drop_with_the_latest_handle_and_no_tool_result_lost() {
    reconnect_keeps_the_tool_result(Fault::TcpDrop { api: Api::Gemini, mid_response: false }).await;
}

/// The connection drops after the simulator consumed the tool response but before it sent a newer handle:
/// the session resumed from the handle that came with the call must be sent the response again.
async fn replays_the_unconsumed_tool_response(transparent: bool) {
    let sim = start(speaking_scenario()).await;
    let transport = transport(&sim).with_transparent_resumption(transparent);
    let session = connect(&transport, main_config()).await;
    stream(&session, &utterance());
    let (call_id, name, _) = tool_call(&session).await;
    sim.inject(Fault::TcpDrop { api: Api::Gemini, mid_response: true }).unwrap();
    session.send_tool_result(&call_id, &name, json!({"time": "12:00"})).await.unwrap();
    let (reconnected, _) =
        until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(reconnected, RealtimeEvent::Reconnected { resumed: true, .. }), "{reconnected:?}");
    let events = turn_complete(&session).await;
    assert!(events.iter().any(|e| matches!(e, RealtimeEvent::AudioDelta { .. })));

    let first = within("the drop", sim.wait_closed(1, T)).await.unwrap();
    assert!(first.dropped);
    let sent = gemini_frames(&sim, 1, Direction::Sent, "sessionResumptionUpdate");
    assert_eq!(sent.len(), 1, "no newer handle reached the client: {sent:?}");
    let update = &sent[0].value()["sessionResumptionUpdate"];
    assert_eq!(update.get("lastConsumedClientMessageIndex").is_some(), transparent, "{update}");
    let setup = gemini_frames(&sim, 1, Direction::Received, "setup").pop().unwrap().value();
    assert_eq!(setup["setup"]["sessionResumption"].get("transparent").is_some(), transparent);
    assert_eq!(sim.connection(2).unwrap().resumption_handle.as_deref(), update["newHandle"].as_str());
    let consumed: Vec<Value> = tool_responses(&sim, 1).iter().map(|r| r["id"].clone()).collect();
    let replayed: Vec<Value> = tool_responses(&sim, 2).iter().map(|r| r["id"].clone()).collect();
    assert_eq!((consumed, replayed), (vec![json!(call_id)], vec![json!(call_id)]));
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_replays_a_tool_response_the_resumed_session_had_not_consumed() {
    replays_the_unconsumed_tool_response(false).await;
}

#[tokio::test]
async fn sim_gemini_replays_by_the_consumed_index_with_transparent_resumption() {
    replays_the_unconsumed_tool_response(true).await;
}

#[tokio::test]
async fn sim_gemini_go_away_rolls_over_before_the_close_without_losing_a_mic_frame() {
    let sim = start(Scenario::default()).await;
    let session = connect(&transport(&sim), main_config()).await;
    let mut frames = stream(&session, &utterance());
    let mut samples = utterance().len() as u64;
    let (call_id, name, _) = tool_call(&session).await;
    session.send_tool_result(&call_id, &name, json!({"time": "12:00"})).await.unwrap();
    turn_complete(&session).await;
    // Frames of varying sizes, so that a lost or doubled frame cannot hide in the sums.
    let mut part = |session: &Session, n: usize, offset: usize| {
        for i in 0..n {
            let frame = vec![0i16; FRAME + (i + offset) % 7];
            samples += frame.len() as u64;
            frames += 1;
            session.send_audio(&frame).unwrap();
        }
    };
    part(&session, 20, 0);
    sim.inject(Fault::GoAway { time_left_ms: 2_000 }).unwrap();
    until(&session, "goAway", |e| matches!(e, RealtimeEvent::GoAway { .. })).await;
    let handle = handles(&sim, 1).pop().unwrap();
    part(&session, 20, 3);
    let (reconnected, _) =
        until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(reconnected, RealtimeEvent::Reconnected { resumed: true, .. }), "{reconnected:?}");
    part(&session, 20, 5);

    let audio = |f: &Frame| f.direction == Direction::Received && f.kind == "realtimeInput";
    within("every mic frame", sim.wait_frames(frames as usize, T, audio)).await.unwrap();
    let old = within("the old connection to close", sim.wait_closed(1, T)).await.unwrap();
    let new = sim.connection(2).unwrap();
    assert!(new.opened_at < old.closed_at.unwrap(), "the replacement opened before the old one closed");
    assert_eq!(old.close.as_ref().map(|c| (c.code, c.by)), Some((1000, Direction::Received)));
    assert_eq!(new.resumption_handle.as_deref(), Some(handle.as_str()));
    let counted: Vec<&Connection> = vec![&old, &new];
    let received: u64 = counted.iter().map(|c| c.audio.input_samples).sum();
    let received_frames: u64 = counted.iter().map(|c| c.audio.input_frames).sum();
    assert_eq!((received, received_frames), (samples, frames), "no frame lost, none doubled");
    assert_eq!(sim.frames().iter().filter(|f| audio(f)).count() as u64, frames);
    assert!(new.audio.input_frames > 0 && old.audio.input_frames > 0);
    assert_eq!(session.stats().audio_frames_dropped, 0);
    assert_eq!(sim.connections().len(), 2);
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_a_mid_session_1008_is_a_policy_close_and_the_session_reconnects() {
    let sim = start(Scenario::default()).await;
    let session = connect(&transport(&sim), main_config()).await;
    until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
    let reason = "Operation is not implemented, or supported, or enabled.";
    sim.inject(Fault::Close { api: Api::Gemini, code: 1008, reason: reason.into(), after_ms: 0 }).unwrap();
    let (reconnecting, _) =
        until(&session, "reconnecting", |e| matches!(e, RealtimeEvent::Reconnecting { .. })).await;
    let RealtimeEvent::Reconnecting { attempt: 1, error, .. } = reconnecting else {
        panic!("{reconnecting:?}")
    };
    assert!(error.message.contains(reason) && error.message.contains("1008"), "{error:?}");
    assert_eq!(error.class, ErrorClass::Transient);
    until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert_eq!(sim.connections().len(), 2, "one reconnect, not a loop");
    close(&session).await.unwrap();
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_an_unknown_model_is_a_permanent_1008_at_set_up_and_is_not_retried() {
    let scenario = Scenario { unknown_models: vec!["gemini-nope".into()], ..Scenario::default() };
    let sim = start(scenario).await;
    let mut config = main_config();
    config.model = "gemini-nope".into();
    let session = connect(&transport(&sim), config).await;
    let (closed, _) = until(&session, "closed", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    let RealtimeEvent::Closed { error: Some(failure) } = closed else { panic!("{closed:?}") };
    assert!(failure.is_permanent(), "{failure:?}");
    assert_eq!(failure.setting, Some(Setting::Model));
    assert!(failure.message.contains("models/gemini-nope is not found"), "{failure:?}");
    match close(&session).await {
        Err(Error::Closed { code: 1008, permanent: true, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.connections().len(), 1, "a permanent close is not retried");
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_an_invalid_key_is_a_clear_401() {
    let sim = start(Scenario::default()).await;
    let endpoint = GeminiEndpoint::parse(&sim.gemini_base_url()).unwrap();
    let transport = GeminiLive::new(endpoint, ApiKey::new("invalid"));
    let error = within("connect", transport.connect(main_config())).await.unwrap_err();
    match &error {
        Error::Rejected { status: 401, reason, .. } => assert!(reason.contains("API key"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("401") && message.contains("API key not valid"), "{message}");
    assert!(error.is_permanent() && error.setting() == Some(Setting::ApiKey), "{error:?}");
    assert_eq!(sim.connection(1).unwrap().status, 401);
    assert_eq!(sim.connections().len(), 1, "a refused key is not retried");
    shutdown(&sim).await;
}

#[tokio::test]
async fn sim_gemini_slow_pongs_do_not_disconnect() {
    let sim = start(Scenario::default()).await;
    let keepalive = KeepAlive { interval: Duration::from_millis(100), timeout: Duration::from_millis(800) };
    let session = connect(&transport(&sim).with_keepalive(keepalive), main_config()).await;
    until(&session, "ready", |e| matches!(e, RealtimeEvent::Ready { .. })).await;
    // Each ping stalls the connection for 300 ms (no pong, no frame, nothing read): longer than the ping
    // interval, shorter than the keepalive timeout.
    sim.inject(Fault::SlowPongs { api: Api::Gemini, delay_ms: 300 }).unwrap();
    let ping = |f: &Frame| f.conn == 1 && f.direction == Direction::Received && f.kind == "ping";
    // Five pings read 300 ms apart take well over the 800 ms keepalive timeout.
    let pings = within("five pings", sim.wait_frames(5, T, ping)).await.unwrap();
    let widest = pings.windows(2).map(|pair| pair[1].at - pair[0].at).max().unwrap();
    assert!(widest >= Duration::from_millis(290), "the connection stalled: {widest:?}");
    let stats = session.stats();
    assert_eq!((stats.connections, stats.reconnects), (1, 0));
    assert_eq!(sim.connections().len(), 1);
    assert!(!sim.connection(1).unwrap().is_closed());
    assert_no_violations(&sim);
    close(&session).await.unwrap();
    shutdown(&sim).await;
}
