//! OpenAI Realtime: handshake, session.update, audio both ways, tools, benign errors, expiry, reconnects, 401.

use std::time::Duration;

use serde_json::{Value, json};
use voicebot_protocol::pcm;
use voicebot_transport::{
    ApiKey, Error, OpenAiEndpoint, OpenAiRealtime, RealtimeEvent, RealtimeTransport, RetryPolicy,
    SessionConfig, ToolSpec,
};

use crate::support::{FakeServer, Step, WAIT, frame_samples, next, until};

pub(crate) const KEY: &str = "sk-test-secret-key-0123456789";

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(20))
}

pub(crate) fn transport(server: &FakeServer) -> OpenAiRealtime {
    let endpoint = OpenAiEndpoint::parse(&server.base_url("/v1")).unwrap();
    OpenAiRealtime::new(endpoint, ApiKey::new(KEY)).with_retry(fast_retry())
}

pub(crate) fn config() -> SessionConfig {
    SessionConfig::new("gpt-realtime-2.1", "Be brief.").with_voice("marin").with_tool(ToolSpec {
        name: "get_time".into(),
        description: "Local time".into(),
        parameters: json!({"type": "object", "properties": {"tz": {"type": "string"}}}),
    })
}

fn session_created() -> Step {
    Step::Text(
        r#"{"type":"session.created","event_id":"e0","session":{"type":"realtime","id":"sess_1"}}"#.into(),
    )
}

fn session_updated() -> Step {
    Step::Text(
        r#"{"type":"session.updated","event_id":"e1","session":{"type":"realtime","id":"sess_1"}}"#.into(),
    )
}

fn audio_delta(item: &str, samples: &[i16]) -> Step {
    Step::Text(format!(
        r#"{{"type":"response.output_audio.delta","event_id":"e","response_id":"r1","item_id":"{item}",
            "output_index":0,"content_index":0,"delta":"{}"}}"#,
        pcm::encode_i16(samples)
    ))
}

fn error(code: &str) -> Step {
    Step::Text(format!(
        r#"{{"type":"error","event_id":"e","error":{{"type":"invalid_request_error","code":"{code}","message":"{code} happened"}}}}"#
    ))
}

#[tokio::test]
async fn connects_with_bearer_and_model_and_streams_audio_both_ways() {
    let server = FakeServer::start(vec![vec![
        session_created(),
        Step::Expect("session.update"),
        session_updated(),
        Step::ExpectCount("input_audio_buffer.append", 3),
        // A beta event name from an old gateway decodes too.
        Step::Text(format!(
            r#"{{"type":"response.audio.delta","event_id":"e","response_id":"r1","item_id":"item_1",
                "output_index":0,"content_index":0,"delta":"{}"}}"#,
            pcm::encode_i16(&[1, 2, 3])
        )),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    for value in 0..3 {
        session.send_audio(&[value; 480]).unwrap();
    }
    assert_eq!(next(&session).await, RealtimeEvent::Ready { session_id: Some("sess_1".into()) });
    let event = next(&session).await;
    assert_eq!(event, RealtimeEvent::AudioDelta { item_id: Some("item_1".into()), samples: vec![1, 2, 3] });

    let connection = &server.connections()[0];
    assert_eq!(connection.uri, "/v1/realtime?model=gpt-realtime-2.1");
    assert_eq!(connection.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(connection.header("openai-beta"), None);
    let update: Value = serde_json::from_str(&connection.frames[0]).unwrap();
    assert_eq!(update["type"], "session.update");
    assert_eq!(update["session"]["type"], "realtime");
    assert_eq!(update["session"]["tools"][0]["name"], "get_time");
    let audio = connection.frames_with("input_audio_buffer.append");
    let firsts: Vec<i16> = audio.iter().map(|frame| frame_samples(frame)[0]).collect();
    assert_eq!(firsts, vec![0, 1, 2]);
    assert_eq!(session.stats().audio_frames_sent, 3);
    tokio::time::timeout(WAIT, session.close()).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_tool_call_surfaces_once_and_its_result_asks_for_a_response() {
    let server = FakeServer::start(vec![vec![
        Step::Expect("session.update"),
        Step::Text(
            r#"{"type":"response.function_call_arguments.done","event_id":"e","response_id":"r","item_id":"i",
                "output_index":0,"call_id":"call_1","name":"get_time","arguments":"{\"tz\":\"UTC\"}"}"#
                .into(),
        ),
        Step::Text(
            r#"{"type":"response.output_item.done","event_id":"e","response_id":"r","output_index":0,
                "item":{"type":"function_call","call_id":"call_1","name":"get_time","arguments":"{\"tz\":\"UTC\"}"}}"#
                .into(),
        ),
        Step::Text(r#"{"type":"response.done","event_id":"e","response":{"id":"r","status":"completed"}}"#.into()),
        Step::Expect("function_call_output"),
        Step::Expect("response.create"),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    let (call, _) = until(&session, "the tool call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await;
    assert_eq!(
        call,
        RealtimeEvent::ToolCall {
            call_id: "call_1".into(),
            name: "get_time".into(),
            arguments: json!({"tz": "UTC"})
        }
    );
    let (_, between) = until(&session, "turn end", |e| matches!(e, RealtimeEvent::TurnComplete { .. })).await;
    assert!(!between.iter().any(|e| matches!(e, RealtimeEvent::ToolCall { .. })), "{between:?}");
    session.send_tool_result("call_1", "get_time", json!({"time": "12:00"})).await.unwrap();
    let connections =
        server.wait_until("the tool result", |c| !c[0].frames_with("response.create").is_empty()).await;
    let output = connections[0].frames_with("function_call_output")[0].to_owned();
    let output: Value = serde_json::from_str(&output).unwrap();
    assert_eq!(output["item"]["call_id"], "call_1");
    assert_eq!(output["item"]["output"], r#"{"time":"12:00"}"#);
    assert_eq!(session.stats().duplicate_tool_calls, 1);
    session.close().await.unwrap();
}

#[tokio::test]
async fn benign_errors_do_not_end_the_session() {
    let server = FakeServer::start(vec![vec![
        Step::Expect("session.update"),
        error("conversation_already_has_active_response"),
        error("response_cancel_not_active"),
        error("input_audio_buffer_commit_empty"),
        Step::Expect("conversation.item.create"),
        Step::Text(
            r#"{"type":"response.output_audio_transcript.delta","event_id":"e","response_id":"r","item_id":"i",
                "output_index":0,"content_index":0,"delta":"still here"}"#
                .into(),
        ),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    for _ in 0..3 {
        assert!(matches!(next(&session).await, RealtimeEvent::Warning { code: Some(_), .. }));
    }
    session.send_text("hello").await.unwrap();
    let (event, _) =
        until(&session, "the transcript", |e| matches!(e, RealtimeEvent::OutputTranscript { .. })).await;
    assert!(matches!(event, RealtimeEvent::OutputTranscript { text, .. } if text == "still here"));
    assert_eq!(server.connections().len(), 1);
    session.close().await.unwrap();
}

#[tokio::test]
async fn session_expiry_opens_a_fresh_session_with_the_same_config() {
    let server = FakeServer::start(vec![
        vec![
            Step::Expect("session.update"),
            error("session_expired"),
            Step::Close(1001, "Your session hit the maximum duration of 60 minutes."),
        ],
        vec![Step::Expect("session.update"), session_updated()],
    ])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    assert!(matches!(next(&session).await, RealtimeEvent::SessionExpired { .. }));
    let (event, _) =
        until(&session, "the reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert_eq!(event, RealtimeEvent::Reconnected { attempt: 1, resumed: false });
    let connections =
        server.wait_until("the second update", |c| c.len() == 2 && !c[1].frames.is_empty()).await;
    assert_eq!(connections[0].frames[0], connections[1].frames[0]);
    session.close().await.unwrap();
}

#[tokio::test]
async fn reconnects_after_1011_and_a_tcp_drop_resending_the_config_and_losing_no_tool_result() {
    let server = FakeServer::start(vec![
        vec![Step::Expect("session.update"), Step::Close(1011, "Internal error encountered.")],
        vec![Step::Expect("session.update"), Step::Drop],
        vec![Step::Expect("session.update"), Step::Expect("function_call_output")],
    ])
    .await;
    // Retries wait 100 ms, which leaves a clear window in which the session has no connection.
    let retry = RetryPolicy::default().with_delays(Duration::from_millis(100), Duration::from_millis(100));
    let session = transport(&server).with_retry(retry).connect(config()).await.unwrap();
    let (first, _) =
        until(&session, "the first reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert_eq!(first, RealtimeEvent::Reconnected { attempt: 1, resumed: false });
    // The second connection is dropped right after its session.update; a tool result sent while the session
    // waits to reconnect must reach the third.
    server.wait_until("the second update", |c| c.len() == 2 && !c[1].frames.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    session.send_tool_result("call_9", "get_time", json!("12:00")).await.unwrap();
    let (second, _) =
        until(&session, "the second reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(second, RealtimeEvent::Reconnected { resumed: false, .. }));
    let connections = server
        .wait_until("the tool result", |c| {
            c.iter().any(|c| !c.frames_with("function_call_output").is_empty())
        })
        .await;
    assert_eq!(connections.len(), 3);
    for connection in &connections {
        assert!(connection.frames[0].contains(r#""type":"session.update""#), "{:?}", connection.frames);
    }
    assert_eq!(session.stats().reconnects, 2);
    session.close().await.unwrap();
}

#[tokio::test]
async fn a_401_is_a_clear_error_that_does_not_show_the_key() {
    let server = FakeServer::start(vec![vec![Step::Reject(401, "Incorrect API key provided")]]).await;
    let err = transport(&server).connect(config()).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { status: 401, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("401") && text.contains("Incorrect API key provided"), "{text}");
    assert_eq!(err.setting(), Some(voicebot_transport::Setting::ApiKey));
    assert!(!text.contains(KEY) && !format!("{err:?}").contains(KEY));
    assert_eq!(server.connections().len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn truncate_is_clamped_and_seed_and_delete_use_conversation_items() {
    let server = FakeServer::start(vec![vec![
        Step::Expect("session.update"),
        audio_delta("item_1", &[0; 2400]),
        Step::Expect("conversation.item.delete"),
    ]])
    .await;
    let session = transport(&server).connect(config()).await.unwrap();
    until(&session, "audio", |e| matches!(e, RealtimeEvent::AudioDelta { .. })).await;
    session.truncate("item_1", Duration::from_secs(5)).await.unwrap();
    session.truncate("item_2", Duration::from_secs(5)).await.unwrap();
    session
        .seed(vec![
            voicebot_transport::SeedItem::new(voicebot_transport::SeedRole::System, "summary"),
            voicebot_transport::SeedItem::new(voicebot_transport::SeedRole::User, "hi"),
        ])
        .await
        .unwrap();
    session.delete_item("item_0").await.unwrap();
    let connections =
        server.wait_until("the delete", |c| !c[0].frames_with("conversation.item.delete").is_empty()).await;
    let truncates = connections[0].frames_with("conversation.item.truncate");
    assert_eq!(truncates.len(), 1);
    assert!(truncates[0].contains(r#""audio_end_ms":100"#), "{}", truncates[0]);
    let created = connections[0].frames_with("conversation.item.create");
    assert!(
        created[0].contains(r#""role":"system""#) && created[1].contains(r#""role":"user""#),
        "{created:?}"
    );
    session.close().await.unwrap();
}
