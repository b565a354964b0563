//! Permanent versus transient, end to end: what is never retried (refused keys, unknown models, 1007, a 1008
//! at set-up), what is retried with backoff and reported attempt by attempt, when a session gives up, and the
//! size limit on inbound frames.

use std::time::Duration;

use voicebot_sim::{Api, Scenario, Sim, SimHandle};
use voicebot_transport::{
    ApiKey, Error, ErrorClass, GeminiEndpoint, GeminiLive, Limits, OpenAiEndpoint, OpenAiRealtime,
    RealtimeEvent, RealtimeTransport, ResponsesClient, RetryPolicy, SessionConfig, Setting, TextModel,
    TextRequest,
};

use crate::support::{FakeServer, Step, WAIT, until};
use crate::{gemini, openai};

/// A retry policy that keeps tests quick: delays of a few milliseconds, a short give-up time.
fn quick(give_up_after: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .with_delays(Duration::from_millis(5), Duration::from_millis(40))
        .with_give_up_after(give_up_after)
        .with_seed(11)
}

async fn sim(scenario: Scenario) -> SimHandle {
    tokio::time::timeout(WAIT, Sim::start(scenario)).await.unwrap().unwrap()
}

fn sim_openai(sim: &SimHandle, key: &str) -> OpenAiRealtime {
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    OpenAiRealtime::new(endpoint, ApiKey::new(key)).with_retry(quick(Duration::from_secs(2)))
}

fn sim_gemini(sim: &SimHandle, key: &str) -> GeminiLive {
    let endpoint = GeminiEndpoint::parse(&sim.gemini_base_url()).unwrap();
    GeminiLive::new(endpoint, ApiKey::new(key)).with_retry(quick(Duration::from_secs(2)))
}

fn connections(sim: &SimHandle, api: Api) -> usize {
    sim.connections().iter().filter(|c| c.api == api).count()
}

#[test]
fn every_failure_is_classified_once() {
    let host = || "api.example:443".to_owned();
    let rejected = |status| Error::Rejected { host: host(), status, reason: "no".into() };
    let http = |status, code: Option<&str>| Error::Http {
        host: host(),
        status,
        code: code.map(str::to_owned),
        message: "no".into(),
    };
    let closed = |code, permanent| Error::Closed { code, reason: "r".into(), permanent };
    let provider = |code: &str| Error::Provider { code: Some(code.into()), message: "m".into() };
    let cases: Vec<(Error, ErrorClass, Option<Setting>)> = vec![
        (rejected(401), ErrorClass::Permanent, Some(Setting::ApiKey)),
        (rejected(403), ErrorClass::Permanent, Some(Setting::ApiKey)),
        (rejected(404), ErrorClass::Permanent, Some(Setting::BaseUrl)),
        (rejected(429), ErrorClass::Transient, None),
        (rejected(503), ErrorClass::Transient, None),
        (http(401, Some("invalid_api_key")), ErrorClass::Permanent, Some(Setting::ApiKey)),
        (http(404, Some("model_not_found")), ErrorClass::Permanent, Some(Setting::Model)),
        (http(429, Some("rate_limit_exceeded")), ErrorClass::Transient, None),
        (http(429, Some("insufficient_quota")), ErrorClass::Permanent, Some(Setting::ApiKey)),
        (http(500, None), ErrorClass::Transient, None),
        (closed(1007, true), ErrorClass::Permanent, None),
        (closed(1011, false), ErrorClass::Transient, None),
        (provider("invalid_api_key"), ErrorClass::Permanent, Some(Setting::ApiKey)),
        (provider("model_not_found"), ErrorClass::Permanent, Some(Setting::Model)),
        (provider("server_error"), ErrorClass::Transient, None),
        (Error::Connect { host: host(), message: "connection refused".into() }, ErrorClass::Transient, None),
        (Error::Timeout { what: "keepalive", after: Duration::from_secs(1) }, ErrorClass::Transient, None),
        (Error::InvalidKey, ErrorClass::Permanent, Some(Setting::ApiKey)),
        (
            Error::RetriesExhausted {
                attempts: 9,
                waited: Duration::from_secs(120),
                last: Box::new(rejected(503)),
            },
            ErrorClass::GaveUp,
            None,
        ),
    ];
    for (error, class, setting) in cases {
        assert_eq!((error.class(), error.setting()), (class, setting), "{error:?}");
    }
    let closed_model = Error::Closed {
        code: 1008,
        reason: "models/x is not found for API version v1beta".into(),
        permanent: true,
    };
    assert_eq!(closed_model.setting(), Some(Setting::Model));
}

#[tokio::test]
async fn a_refused_key_fails_the_connect_at_once_with_one_attempt_for_both_providers() {
    let sim = sim(Scenario::default()).await;
    let error = sim_openai(&sim, "invalid").connect(openai::config()).await.unwrap_err();
    assert!(matches!(error, Error::Rejected { status: 401, .. }), "{error:?}");
    assert_eq!((error.class(), error.setting()), (ErrorClass::Permanent, Some(Setting::ApiKey)));
    let error = sim_gemini(&sim, "invalid").connect(gemini::config()).await.unwrap_err();
    assert!(matches!(error, Error::Rejected { status: 401, .. }), "{error:?}");
    assert!(error.is_permanent());
    assert_eq!((connections(&sim, Api::OpenAi), connections(&sim, Api::Gemini)), (1, 1), "never retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_openai_model_ends_the_session_as_permanent_after_one_connection() {
    let scenario = Scenario { unknown_models: vec!["gpt-nope".into()], ..Scenario::default() };
    let sim = sim(scenario).await;
    let config = SessionConfig::new("gpt-nope", "Be brief.");
    let session = sim_openai(&sim, "sk-ok").connect(config).await.unwrap();
    let (closed, _) = until(&session, "the end", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    let RealtimeEvent::Closed { error: Some(failure) } = closed else { panic!("{closed:?}") };
    assert!(failure.is_permanent() && failure.setting == Some(Setting::Model), "{failure:?}");
    assert!(failure.message.contains("model_not_found"), "{failure:?}");
    assert_eq!(connections(&sim, Api::OpenAi), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_responses_client_never_retries_a_refused_key_or_an_unknown_model() {
    let scenario = Scenario { unknown_models: vec!["gpt-nope".into()], ..Scenario::default() };
    let sim = sim(scenario).await;
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    let request = || TextRequest::new("Answer.", "Why is the sky blue?");
    let refused = ResponsesClient::new(&endpoint, ApiKey::new("invalid"), "gpt-5-mini").unwrap();
    let error = refused.complete(request()).await.unwrap_err();
    assert_eq!((error.class(), error.setting()), (ErrorClass::Permanent, Some(Setting::ApiKey)), "{error}");
    let unknown = ResponsesClient::new(&endpoint, ApiKey::new("sk-ok"), "gpt-nope").unwrap();
    let error = unknown.complete(request()).await.unwrap_err();
    assert_eq!((error.class(), error.setting()), (ErrorClass::Permanent, Some(Setting::Model)), "{error}");
    assert!(error.to_string().contains("gpt-nope"), "{error}");
    assert_eq!(connections(&sim, Api::Responses), 2, "one request each, no retry");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_transient_first_failure_still_gives_a_session_that_reports_each_attempt_and_then_works() {
    let server = FakeServer::start(vec![
        vec![Step::Reject(503, "unavailable")],
        vec![Step::Reject(502, "bad gateway")],
        vec![Step::Expect("setup"), gemini::setup_complete()],
    ])
    .await;
    let transport = gemini::transport(&server).with_retry(quick(Duration::from_secs(5)));
    let session = tokio::time::timeout(WAIT, transport.connect(gemini::config())).await.unwrap().unwrap();
    session.send_audio(&[7; 320]).unwrap();
    let (reconnected, seen) =
        until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    let attempts: Vec<(u32, ErrorClass)> = seen
        .iter()
        .filter_map(|event| match event {
            RealtimeEvent::Reconnecting { attempt, error, .. } => Some((*attempt, error.class)),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [(1, ErrorClass::Transient), (2, ErrorClass::Transient)], "{seen:?}");
    assert!(
        matches!(reconnected, RealtimeEvent::Reconnected { attempt: 2, resumed: false }),
        "{reconnected:?}"
    );
    // The audio sent while nothing was connected waited for the connection.
    let connections = server
        .wait_until("the audio", |c| c.len() == 3 && !c[2].frames_with("realtimeInput").is_empty())
        .await;
    assert_eq!(connections.len(), 3);
    session.close().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_with_backoff_until_the_give_up_time() {
    // A port that was just free: connections are refused at once, the fastest possible loop.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let endpoint = GeminiEndpoint::parse(&format!("http://{addr}")).unwrap();
    let give_up = Duration::from_millis(600);
    let transport = GeminiLive::new(endpoint, ApiKey::new(gemini::KEY)).with_retry(quick(give_up));
    let started = tokio::time::Instant::now();
    let session = transport.connect(gemini::config()).await.unwrap();
    let (closed, seen) = until(&session, "the end", |e| matches!(e, RealtimeEvent::Closed { .. })).await;
    let elapsed = started.elapsed();
    let RealtimeEvent::Closed { error: Some(failure) } = closed else { panic!("{closed:?}") };
    assert_eq!(failure.class, ErrorClass::GaveUp, "{failure:?}");
    assert!(failure.message.contains("gave up after"), "{failure:?}");
    let attempts = seen.iter().filter(|e| matches!(e, RealtimeEvent::Reconnecting { .. })).count();
    // Delays grow from 5 ms to the 40 ms cap: a handful of attempts, not thousands.
    assert!((3..=60).contains(&attempts), "{attempts} attempts in {elapsed:?}");
    assert!(elapsed >= give_up, "gave up after {elapsed:?}");
    let error = session.close().await.unwrap_err();
    assert!(matches!(error, Error::RetriesExhausted { .. }), "{error:?}");
}

#[tokio::test]
async fn a_frame_over_the_size_limit_is_refused_and_the_connection_replaced() {
    let big = format!(r#"{{"type":"session.updated","padding":"{}"}}"#, "x".repeat(64 * 1024));
    let server = FakeServer::start(vec![
        vec![Step::Expect("session.update"), Step::Text(big)],
        vec![Step::Expect("session.update")],
    ])
    .await;
    let limits = Limits { max_message_bytes: 16 * 1024, ..Limits::default() };
    let transport = openai::transport(&server).with_limits(limits);
    let session = transport.connect(openai::config()).await.unwrap();
    let (event, _) =
        until(&session, "a reconnect", |e| matches!(e, RealtimeEvent::Reconnecting { .. })).await;
    let RealtimeEvent::Reconnecting { error, .. } = event else { unreachable!() };
    assert_eq!(error.class, ErrorClass::Transient);
    assert!(error.message.to_lowercase().contains("size") || error.message.contains("too"), "{error:?}");
    until(&session, "reconnected", |e| matches!(e, RealtimeEvent::Reconnected { .. })).await;
    session.close().await.unwrap();
}
