//! Provider-independent machinery: key redaction under TRACE logging, keepalive with slow pongs, retry limits.

use crate::support::Capture;
use std::time::Duration;

use serde_json::json;
use voicebot_transport::{
    ApiKey, Error, GeminiEndpoint, GeminiLive, KeepAlive, KeyPlacement, RealtimeEvent, RealtimeTransport,
    RetryPolicy,
};

use crate::support::{FakeServer, Step, WAIT, until};
use crate::{gemini, openai};

#[tokio::test]
async fn the_key_never_appears_in_trace_logs_debug_output_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // OpenAI: a session with a reconnect and a tool round trip.
    let server = FakeServer::start(vec![
        vec![Step::Expect("session.update"), Step::Close(1011, "Internal error encountered.")],
        vec![
            Step::Expect("session.update"),
            Step::Text(
                r#"{"type":"response.function_call_arguments.done","event_id":"e","response_id":"r","item_id":"i",
                    "output_index":0,"call_id":"c","name":"get_time","arguments":"{}"}"#
                    .into(),
            ),
            Step::Expect("function_call_output"),
            Step::Close(1007, "Request contains an invalid argument."),
        ],
    ])
    .await;
    let transport = openai::transport(&server);
    let session = transport.connect(openai::config()).await.unwrap();
    session.send_audio(&[0; 480]).unwrap();
    until(&session, "the call", |e| matches!(e, RealtimeEvent::ToolCall { .. })).await;
    session.send_tool_result("c", "get_time", json!({"ok": true})).await.unwrap();
    until(&session, "the end", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    let openai_err = session.close().await.unwrap_err();
    let openai_debug = format!("{transport:?} {session:?} {openai_err:?} {openai_err}");

    // Gemini with the key in the query string, the riskiest placement, rejected with 403.
    let server = FakeServer::start(vec![vec![Step::Reject(403, "API key not valid")]]).await;
    let endpoint = GeminiEndpoint::parse(&server.base_url("")).unwrap();
    let transport =
        GeminiLive::new(endpoint, ApiKey::new(gemini::KEY)).with_key_placement(KeyPlacement::Query);
    let gemini_err = transport.connect(gemini::config()).await.unwrap_err();
    assert!(matches!(gemini_err, Error::Rejected { status: 403, .. }));
    assert!(server.connections()[0].uri.contains(gemini::KEY), "the query placement really sent the key");
    let gemini_debug = format!("{transport:?} {gemini_err:?} {gemini_err}");

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("TRACE"), "trace output was captured");
    assert!(logs.lines().count() > 5, "{logs}");
    for text in [&logs, &openai_debug, &gemini_debug] {
        assert!(!text.contains(openai::KEY), "OpenAI key leaked: {text}");
        assert!(!text.contains(gemini::KEY), "Gemini key leaked: {text}");
    }
}

#[tokio::test]
async fn slow_pongs_within_the_timeout_do_not_disconnect_but_a_dead_server_does() {
    let keepalive = KeepAlive { interval: Duration::from_millis(20), timeout: Duration::from_millis(400) };
    // Slow: the server does not read (so does not answer pings) for 150 ms, twice.
    let server = FakeServer::start(vec![vec![
        Step::Expect("setup"),
        gemini::setup_complete(),
        Step::Deaf(Duration::from_millis(150)),
        Step::Sleep(Duration::from_millis(20)),
        Step::Deaf(Duration::from_millis(150)),
        Step::Text(r#"{"serverContent":{"turnComplete":true}}"#.into()),
    ]])
    .await;
    let session =
        gemini::transport(&server).with_keepalive(keepalive).connect(gemini::config()).await.unwrap();
    let (_, before) = until(&session, "the turn", |e| matches!(e, RealtimeEvent::TurnComplete { .. })).await;
    assert!(!before.iter().any(|e| matches!(e, RealtimeEvent::Reconnected { .. })), "{before:?}");
    assert_eq!(server.connections().len(), 1);
    session.close().await.unwrap();

    // Dead: deaf and silent for longer than the timeout, so the session replaces the connection.
    let server = FakeServer::start(vec![
        vec![Step::Expect("setup"), gemini::setup_complete(), Step::Deaf(Duration::from_secs(3))],
        vec![Step::Expect("setup"), gemini::setup_complete()],
    ])
    .await;
    let session =
        gemini::transport(&server).with_keepalive(keepalive).connect(gemini::config()).await.unwrap();
    let (event, _) =
        until(&session, "the reconnect", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    assert!(matches!(event, RealtimeEvent::Reconnected { attempt: 1, .. }));
    session.close().await.unwrap();
}

#[tokio::test]
async fn retries_are_limited_and_the_last_error_is_kept() {
    let server = FakeServer::start(vec![
        vec![
            Step::Expect("setup"),
            gemini::setup_complete(),
            Step::Close(1011, "Internal error encountered."),
        ],
        vec![Step::Reject(503, "unavailable")],
        vec![Step::Reject(503, "unavailable")],
    ])
    .await;
    let retry = RetryPolicy::default()
        .with_delays(Duration::from_millis(1), Duration::from_millis(5))
        .with_max_retries(2);
    let session = gemini::transport(&server).with_retry(retry).connect(gemini::config()).await.unwrap();
    let (closed, _) = until(&session, "the end", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    assert!(matches!(closed, RealtimeEvent::Closed { error: Some(_) }));
    let err = tokio::time::timeout(WAIT, session.close()).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 3, last, .. } if matches!(**last, Error::Rejected { status: 503, .. })),
        "{err:?}"
    );
    assert_eq!(server.connections().len(), 3);
}
