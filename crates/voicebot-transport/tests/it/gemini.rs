//! Gemini Live: header auth, setup first, no audio before setupComplete, binary and text frames, tools,
//! resumption on reconnect, goAway rollover without losing input frames, and 1008 as a final error.

use std::time::Duration;

use serde_json::{Value, json};
use voicebot_protocol::pcm;
use voicebot_transport::{
    ApiKey, Error, GeminiEndpoint, GeminiLive, Limits, RealtimeEvent, RealtimeTransport, RetryPolicy,
    SessionConfig, Setting, ToolSpec,
};

use crate::support::{FakeServer, Step, WAIT, frame_samples, next, until};

pub(crate) const KEY: &str = "AIza-test-secret-key-9876543210";
const LIVE_PATH: &str = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";

pub(crate) fn transport(server: &FakeServer) -> GeminiLive {
    let endpoint = GeminiEndpoint::parse(&server.base_url("")).unwrap();
    let retry = RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(20));
    GeminiLive::new(endpoint, ApiKey::new(KEY)).with_retry(retry)
}

pub(crate) fn config() -> SessionConfig {
    SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Be brief.").with_tool(ToolSpec {
        name: "get_time".into(),
        description: "Local time".into(),
        parameters: json!({"type": "object", "properties": {}}),
    })
}

pub(crate) fn setup_complete() -> Step {
    Step::Binary(r#"{"setupComplete":{}}"#.into())
}

fn handle(handle: &str) -> Step {
    Step::Binary(format!(r#"{{"sessionResumptionUpdate":{{"newHandle":"{handle}","resumable":true}}}}"#))
}

fn model_audio(samples: &[i16]) -> String {
    format!(
        r#"{{"serverContent":{{"modelTurn":{{"parts":[{{"inlineData":{{"mimeType":"audio/pcm;rate=24000","data":"{}"}}}}]}}}}}}"#,
        pcm::encode_i16(samples)
    )
}

#[tokio::test]
async fn setup_goes_first_audio_waits_for_setup_complete_and_both_frame_kinds_parse() {
    let server = FakeServer::start(vec![vec![
        Step::Expect("setup"),
        Step::Sleep(Duration::from_millis(30)),
        setup_complete(),
        Step::ExpectCount(r#"{"realtimeInput""#, 2),
        Step::Binary(model_audio(&[5, 6])),
        Step::Text(model_audio(&[7])),
        Step::Text(r#"{"serverContent":{"outputTranscription":{"text":"hi"},"turnComplete":true},"usageMetadata":{"totalTokenCount":"42"}}"#.into()),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    // Sent before setupComplete: queued, not sent.
    session.send_audio(&[1; 320]).unwrap();
    session.send_audio(&[2; 320]).unwrap();
    assert!(matches!(next(&session).await, RealtimeEvent::Ready { .. }));
    let (first, _) = until(&session, "audio", |e| matches!(e, RealtimeEvent::AudioDelta { .. })).await;
    assert_eq!(first, RealtimeEvent::AudioDelta { item_id: None, samples: vec![5, 6] });
    assert_eq!(next(&session).await, RealtimeEvent::AudioDelta { item_id: None, samples: vec![7] });
    let (usage, _) = until(&session, "usage", |e| matches!(e, RealtimeEvent::Usage(_))).await;
    assert!(matches!(usage, RealtimeEvent::Usage(u) if u.total_tokens == 42));

    let connection = &server.connections()[0];
    assert_eq!(connection.uri, LIVE_PATH);
    assert_eq!(connection.header("x-goog-api-key"), Some(KEY));
    assert!(
        connection.frames[0].starts_with(r#"{"setup":{"model":"models/gemini-2.5"#),
        "{}",
        connection.frames[0]
    );
    assert_eq!(connection.audio_before_setup_complete, 0);
    let audio = connection.frames_with(r#"{"realtimeInput""#);
    assert!(audio[0].contains("audio/pcm;rate=16000"));
    assert_eq!(frame_samples(audio[0])[0], 1);
    session.close().await.unwrap();
}

#[tokio::test]
async fn a_repeated_tool_call_runs_once_and_the_response_is_an_object() {
    let call = r#"{"toolCall":{"functionCalls":[{"id":"fc-1","name":"get_time","args":{"tz":"UTC"}}]}}"#;
    let server = FakeServer::start(vec![vec![
        Step::Expect("setup"),
        setup_complete(),
        Step::Binary(call.into()),
        Step::Binary(call.into()),
        Step::Binary(
            r#"{"serverContent":{"modelTurn":{"parts":[{"functionCall":{"id":"fc-1","name":"get_time","args":{}}}]}}}"#.into(),
        ),
        Step::Binary(r#"{"toolCallCancellation":{"ids":["fc-2"]}}"#.into()),
        Step::Expect("toolResponse"),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    let (call, _) = until(&session, "the call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await;
    assert_eq!(
        call,
        RealtimeEvent::ToolCall {
            call_id: "fc-1".into(),
            name: "get_time".into(),
            arguments: json!({"tz": "UTC"})
        }
    );
    let (cancelled, between) =
        until(&session, "the cancellation", |e| matches!(e, RealtimeEvent::ToolCallsCancelled { .. })).await;
    assert!(!between.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. })), "{between:?}");
    assert_eq!(cancelled, RealtimeEvent::ToolCallsCancelled { call_ids: vec!["fc-2".into()] });
    session.send_tool_result("fc-1", "get_time", json!("12:00")).await.unwrap();
    let connections =
        server.wait_until("the response", |c| !c[0].frames_with("toolResponse").is_empty()).await;
    let response: Value = serde_json::from_str(connections[0].frames_with("toolResponse")[0]).unwrap();
    assert_eq!(
        response,
        json!({"toolResponse": {"functionResponses": [{"id": "fc-1", "name": "get_time", "response": {"result": "12:00"}}]}})
    );
    assert_eq!(session.stats().duplicate_tool_calls, 2);
    session.close().await.unwrap();
}

#[tokio::test]
async fn reconnects_after_1011_and_a_tcp_drop_with_the_resumption_handle() {
    let server = FakeServer::start(vec![
        vec![
            Step::Expect("setup"),
            setup_complete(),
            handle("h-1"),
            Step::Close(1011, "Internal error encountered."),
        ],
        vec![Step::Expect("setup"), setup_complete(), handle("h-2"), Step::Drop],
        vec![Step::Expect("setup"), setup_complete()],
    ])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    let (first, _) =
        until(&session, "the first reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert_eq!(first, RealtimeEvent::Reconnected { attempt: 1, resumed: true });
    let (second, _) =
        until(&session, "the second reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(second, RealtimeEvent::Reconnected { resumed: true, .. }));
    let connections = server.connections();
    assert_eq!(connections.len(), 3);
    assert!(!connections[0].frames[0].contains("handle"));
    assert!(
        connections[1].frames[0].contains(r#""sessionResumption":{"handle":"h-1"}"#),
        "{}",
        connections[1].frames[0]
    );
    assert!(
        connections[2].frames[0].contains(r#""sessionResumption":{"handle":"h-2"}"#),
        "{}",
        connections[2].frames[0]
    );
    session.close().await.unwrap();
}

#[tokio::test]
async fn go_away_rolls_over_before_the_old_connection_closes_and_loses_no_input_frame() {
    const FRAMES: usize = 200;
    let server = FakeServer::start(vec![
        vec![
            Step::Expect("setup"),
            setup_complete(),
            handle("h-roll"),
            Step::ExpectCount(r#"{"realtimeInput""#, 20),
            Step::Binary(r#"{"goAway":{"timeLeft":"1s"}}"#.into()),
            // The old connection stays open until the client closes it.
        ],
        vec![Step::Expect("setup"), Step::Sleep(Duration::from_millis(20)), setup_complete()],
    ])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    let mut go_away_seen = false;
    let mut reconnected = None;
    for index in 0..FRAMES {
        session.send_audio(&[i16::try_from(index).unwrap(); 160]).unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, session.next_event()).await {
            match event {
                RealtimeEvent::GoAway { time_left } => {
                    assert_eq!(time_left, Duration::from_secs(1));
                    go_away_seen = true;
                }
                RealtimeEvent::Reconnected { attempt, resumed } => reconnected = Some((attempt, resumed)),
                _ => {}
            }
        }
    }
    if reconnected.is_none() {
        let (event, _) =
            until(&session, "the rollover", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
        reconnected = match event {
            RealtimeEvent::Reconnected { attempt, resumed } => Some((attempt, resumed)),
            _ => None,
        };
        go_away_seen = true;
    }
    assert!(go_away_seen);
    assert_eq!(reconnected, Some((1, true)));
    let connections = server
        .wait_until("every input frame", |c| {
            c.iter().map(|c| c.frames_with(r#"{"realtimeInput""#).len()).sum::<usize>() == FRAMES
        })
        .await;
    let received: Vec<i16> = connections
        .iter()
        .flat_map(|c| {
            c.frames_with(r#"{"realtimeInput""#)
                .into_iter()
                .map(|frame| frame_samples(frame)[0])
                .collect::<Vec<_>>()
        })
        .collect();
    let expected: Vec<i16> = (0..FRAMES).map(|i| i16::try_from(i).unwrap()).collect();
    assert_eq!(received, expected, "every frame once, in order, across the switch");
    assert!(connections[1].frames[0].contains(r#""handle":"h-roll""#));
    assert!(connections.iter().all(|c| c.audio_before_setup_complete == 0));
    let stats = session.stats();
    assert_eq!(
        (stats.audio_frames_sent, stats.audio_frames_dropped, stats.reconnects),
        (FRAMES as u64, 0, 1)
    );
    session.close().await.unwrap();
}

#[tokio::test]
async fn close_1008_before_set_up_ends_the_session_as_permanent_with_the_server_reason() {
    let reason = "models/gemini-x is not found for API version v1beta";
    let server = FakeServer::start(vec![vec![Step::Expect("setup"), Step::Close(1008, reason)]]).await;
    let session = transport(&server).connect(config()).await.unwrap();
    let (closed, _) = until(&session, "the end", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    assert!(
        matches!(&closed, RealtimeEvent::Closed { error: Some(failure) }
            if failure.message.contains("1008") && failure.message.contains(reason)
                && failure.is_permanent() && failure.setting == Some(Setting::Model)),
        "{closed:?}"
    );
    assert_eq!(tokio::time::timeout(WAIT, session.next_event()).await.unwrap(), None);
    let err = session.close().await.unwrap_err();
    assert!(
        matches!(&err, Error::Closed { code: 1008, reason: r, permanent: true } if r == reason),
        "{err:?}"
    );
    assert!(session.send_audio(&[0; 160]).is_err());
    assert_eq!(server.connections().len(), 1, "1008 is not retried");
}

#[tokio::test]
async fn a_full_audio_queue_drops_the_oldest_frames_and_counts_them() {
    let server = FakeServer::start(vec![vec![
        Step::Expect("setup"),
        Step::Sleep(Duration::from_millis(50)),
        setup_complete(),
    ]])
    .await;
    let limits = Limits { audio_queue: 4, ..Limits::default() };
    let session = transport(&server).with_limits(limits).connect(config()).await.unwrap();
    for value in 0..10 {
        session.send_audio(&[value; 160]).unwrap();
    }
    assert_eq!(session.stats().audio_frames_dropped, 6);
    let connections =
        server.wait_until("the kept frames", |c| c[0].frames_with(r#"{"realtimeInput""#).len() == 4).await;
    let firsts: Vec<i16> =
        connections[0].frames_with(r#"{"realtimeInput""#).iter().map(|f| frame_samples(f)[0]).collect();
    assert_eq!(firsts, vec![6, 7, 8, 9]);
    assert_eq!(session.stats().audio_frames_sent, 4);
    session.close().await.unwrap();
}
