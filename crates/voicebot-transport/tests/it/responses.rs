//! The Responses API client against a scripted HTTP server: answers, streams, typed failures, retries, timeouts.

use crate::support::Capture;
use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use voicebot_transport::{
    ApiKey, Error, OpenAiEndpoint, ResponsesClient, TextModel, TextReply, TextRequest, TextUsage,
};

use crate::responses_server::{Reply, ScriptedServer};

const KEY: &str = "sk-test-secret-4242";
/// The limit on every await in these tests.
const TEST_LIMIT: Duration = Duration::from_secs(10);

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, future).await.expect("the test step took too long")
}

fn client(server: &ScriptedServer) -> ResponsesClient {
    let endpoint = OpenAiEndpoint::parse(&server.base_url()).unwrap();
    ResponsesClient::new(&endpoint, ApiKey::new(KEY), "gpt-5-mini")
        .unwrap()
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

fn request() -> TextRequest {
    TextRequest::new("Answer briefly.", "What time is it in Tokyo?")
}

fn message(text: &str) -> String {
    format!(
        r#"{{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{{"type":"output_text","text":{},"annotations":[]}}]}}"#,
        serde_json::to_string(text).unwrap()
    )
}

fn response(status: &str, extra: &str, output: &[String]) -> String {
    format!(
        r#"{{"id":"resp_7","object":"response","status":"{status}","model":"gpt-5-mini-2025-08-07","output":[{}]{extra}}}"#,
        output.join(",")
    )
}

const REASONING: &str = r#"{"type":"reasoning","id":"rs_1","summary":[]}"#;
const USAGE: &str = r#","usage":{"input_tokens":40,"input_tokens_details":{"cached_tokens":0},"output_tokens":150,"output_tokens_details":{"reasoning_tokens":128},"total_tokens":190}"#;
const INCOMPLETE: &str = r#","incomplete_details":{"reason":"max_output_tokens"}"#;

fn completed_body(text: &str) -> String {
    response("completed", USAGE, &[REASONING.to_owned(), message(text)])
}

/// One SSE frame as the API writes it.
fn sse(kind: &str, body: &str) -> String {
    format!("event: {kind}\ndata: {{\"type\":\"{kind}\",{body}}}\n\n")
}

fn delta(text: &str, sequence: u64) -> String {
    let body = format!(
        r#""item_id":"msg_1","output_index":1,"content_index":0,"delta":{},"logprobs":[],"sequence_number":{sequence}"#,
        serde_json::to_string(text).unwrap()
    );
    sse("response.output_text.delta", &body)
}

fn lifecycle(kind: &str, response: &str, sequence: u64) -> String {
    sse(kind, &format!(r#""sequence_number":{sequence},"response":{response}"#))
}

fn created() -> String {
    lifecycle("response.created", &response("in_progress", "", &[]), 0)
}

#[tokio::test]
async fn a_plain_answer_is_the_joined_text_with_usage_and_the_request_is_faithful() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, completed_body("It is ten past nine.")).with_header("x-request-id", "req_1"),
    ])
    .await;
    let request = request().with_max_output_tokens(1200).with_reasoning_effort("low");
    let reply = within(client(&server).complete(request)).await.unwrap();
    assert_eq!(
        reply,
        TextReply {
            text: "It is ten past nine.".into(),
            usage: TextUsage {
                input_tokens: 40,
                output_tokens: 150,
                reasoning_tokens: 128,
                total_tokens: 190
            },
            response_id: "resp_7".into(),
            model: "gpt-5-mini-2025-08-07".into(),
            retries: 0,
        }
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/v1/responses"));
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "model": "gpt-5-mini",
            "input": [{"type": "message", "role": "user", "content": "What time is it in Tokyo?"}],
            "instructions": "Answer briefly.",
            "max_output_tokens": 1200,
            "reasoning": {"effort": "low"},
            "store": false
        })
    );
}

fn streamed_answer() -> String {
    let final_response =
        response("completed", USAGE, &[REASONING.to_owned(), message("Ten past nine, ¿sí?")]);
    [
        created(),
        ": keep-alive comment\n\n".to_owned(),
        delta("Ten ", 1),
        delta("past nine, ", 2),
        delta("¿sí?", 3),
        sse("response.hologram.delta", r#""sequence_number":4"#),
        lifecycle("response.completed", &final_response, 5),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat()
}

#[tokio::test]
async fn a_stream_split_across_tcp_writes_gives_the_same_reply_and_the_deltas() {
    // Pieces of 7 bytes cut lines, JSON and the two-byte characters anywhere.
    let server =
        ScriptedServer::start(vec![Reply::sse(&streamed_answer(), 7), Reply::sse(&streamed_answer(), 13)])
            .await;
    let client = client(&server).with_streaming(true);
    let reply = within(client.complete(request())).await.unwrap();
    assert_eq!(reply.text, "Ten past nine, ¿sí?");
    assert_eq!(reply.usage.reasoning_tokens, 128);
    assert_eq!(reply.response_id, "resp_7");
    assert_eq!(server.requests()[0].json()["stream"], serde_json::json!(true));

    let (deltas, mut received) = mpsc::channel(16);
    let reply = within(client.complete_with_deltas(request(), deltas)).await.unwrap();
    assert_eq!(reply.text, "Ten past nine, ¿sí?");
    let mut pieces = Vec::new();
    while let Some(piece) = within(received.recv()).await {
        pieces.push(piece);
    }
    assert_eq!(pieces, ["Ten ", "past nine, ", "¿sí?"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_budget_spent_on_reasoning_is_a_typed_error_plain_and_streamed() {
    let incomplete = response("incomplete", INCOMPLETE, &[REASONING.to_owned()]);
    let stream = [created(), lifecycle("response.incomplete", &incomplete, 1)].concat();
    let server =
        ScriptedServer::start(vec![Reply::json(200, incomplete.clone()), Reply::sse(&stream, 50)]).await;
    let client = client(&server);
    for streaming in [false, true] {
        let client = client.clone().with_streaming(streaming);
        let err = within(client.complete(request())).await.unwrap_err();
        assert!(
            matches!(&err, Error::Incomplete { reason, reasoning_only: true } if reason == "max_output_tokens"),
            "{err:?}"
        );
        assert!(err.to_string().contains("raise max_output_tokens"), "{err}");
    }
    assert_eq!(server.requests().len(), 2, "an incomplete answer is not retried");
}

#[tokio::test]
async fn a_failed_response_is_an_error_even_after_streamed_text() {
    let failed = response(
        "failed",
        r#","error":{"code":"server_error","message":"The model had an error"}"#,
        &[message("Partial")],
    );
    let stream = [created(), delta("Partial", 1), lifecycle("response.failed", &failed, 2)].concat();
    let server = ScriptedServer::start(vec![Reply::json(200, failed.clone()), Reply::sse(&stream, 40)]).await;
    let client = client(&server);
    for streaming in [false, true] {
        let err = within(client.clone().with_streaming(streaming).complete(request())).await.unwrap_err();
        assert!(
            matches!(&err, Error::Failed { code: Some(code), message } if code == "server_error" && message == "The model had an error"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn an_sse_error_event_is_an_error_not_a_short_answer() {
    let stream = [
        created(),
        delta("Half an ans", 1),
        sse(
            "error",
            r#""code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":2"#,
        ),
    ]
    .concat();
    let server = ScriptedServer::start(vec![Reply::sse(&stream, 64)]).await;
    let (deltas, _received) = mpsc::channel(16);
    let err = within(client(&server).complete_with_deltas(request(), deltas)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Failed { code: Some(code), message } if code == "rate_limit_exceeded" && message == "Slow down"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stream_cut_off_before_its_final_event_is_an_error() {
    let stream = [created(), delta("Ten past", 1)].concat();
    let server = ScriptedServer::start(vec![Reply::sse_cut(&stream, 32)]).await;
    let err = within(client(&server).with_streaming(true).complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn a_completed_answer_without_text_is_an_error() {
    let server =
        ScriptedServer::start(vec![Reply::json(200, response("completed", USAGE, &[REASONING.to_owned()]))])
            .await;
    let err = within(client(&server).complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Failed { code: Some(code), .. } if code == "empty_output"), "{err:?}");
    assert!(err.to_string().contains("without any output text"), "{err}");
}

fn rate_limited() -> Reply {
    Reply::json(
        429,
        r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
    )
}

#[tokio::test]
async fn a_429_is_retried_after_the_servers_retry_after() {
    let server = ScriptedServer::start(vec![
        rate_limited().with_header("retry-after-ms", "30"),
        Reply::json(200, completed_body("Nine.")),
    ])
    .await;
    // The own backoff is far beyond the time limit, so only the server's hint can make the retry happen.
    let client = client(&server)
        .with_backoff(Duration::from_secs(60), Duration::from_secs(60))
        .with_timeout(Duration::from_secs(5));
    let started = Instant::now();
    let reply = within(client.complete(request())).await.unwrap();
    assert_eq!((reply.text.as_str(), reply.retries), ("Nine.", 1), "the answer says it needed a retry");
    assert!(started.elapsed() >= Duration::from_millis(30));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("x-stainless-retry-count"), Some("1"));
}

#[tokio::test]
async fn a_retry_wait_beyond_the_time_limit_returns_the_error_at_once() {
    let server = ScriptedServer::start(vec![rate_limited().with_header("retry-after", "30")]).await;
    let client = client(&server).with_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let err = within(client.complete(request())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 429, code: Some(code), .. } if code == "rate_limit_exceeded"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_twice_then_given_up() {
    let server = ScriptedServer::start(vec![
        Reply::json(500, r#"{"error":{"message":"oops","type":"server_error"}}"#),
        Reply::json(503, "upstream unavailable"),
        Reply::json(200, completed_body("Third time lucky.")),
        Reply::json(500, "{}"),
        Reply::json(502, "{}"),
        Reply::json(500, r#"{"error":{"message":"still broken","code":"server_error"}}"#),
    ])
    .await;
    let client = client(&server);
    let reply = within(client.complete(request())).await.unwrap();
    assert_eq!(reply.text, "Third time lucky.");
    assert_eq!(server.requests().len(), 3);

    let err = within(client.complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Http { status: 500, message, .. } if message == "still broken"), "{err:?}");
    assert_eq!(server.requests().len(), 6, "two retries, as the SDK does");
}

#[tokio::test]
async fn a_401_is_not_retried_and_says_why_without_the_key() {
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}}}"#
    );
    let server =
        ScriptedServer::start(vec![Reply::json(401, body).with_header("x-should-retry", "true")]).await;
    let err = within(client(&server).complete(request())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 401, code: Some(code), .. } if code == "invalid_api_key"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("401")
            && text.contains("Incorrect API key provided")
            && text.contains("OPENAI_API_KEY"),
        "{text}"
    );
    assert!(!text.contains(KEY) && !format!("{err:?}").contains(KEY), "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_spent_quota_is_not_retried() {
    let body = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
    let server = ScriptedServer::start(vec![Reply::json(429, body)]).await;
    let err = within(client(&server).complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Http { status: 429, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_limit() {
    let server = ScriptedServer::start(vec![Reply::hang()]).await;
    let client = client(&server).with_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let err = within(client.complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { after, .. } if *after == Duration::from_millis(200)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error_after_the_retries() {
    // A port that was just free: nothing listens on it any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base_url = format!("http://127.0.0.1:{port}/v1");
    let endpoint = OpenAiEndpoint::parse(&base_url).unwrap();
    let client = ResponsesClient::new(&endpoint, ApiKey::new(KEY), "m")
        .unwrap()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(2));
    let err = within(client.complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Connect { host, .. } if *host == format!("127.0.0.1:{port}")), "{err:?}");
    assert!(!err.to_string().contains("/v1/responses"), "errors name the host, not the URL: {err}");
}

#[test]
fn an_empty_key_is_refused_up_front() {
    let err = ResponsesClient::new(&OpenAiEndpoint::default(), ApiKey::new(" \n"), "m").unwrap_err();
    assert!(matches!(err, Error::MissingKey { variable: "OPENAI_API_KEY", .. }), "{err:?}");
}

#[tokio::test]
async fn the_key_never_appears_in_debug_errors_or_trace_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let echo = format!(r#"{{"error":{{"message":"bad key {KEY}","code":"invalid_api_key"}}}}"#);
    let server = ScriptedServer::start(vec![
        rate_limited().with_header("retry-after-ms", "1").with_header("x-request-id", "req_9"),
        Reply::json(500, format!("gateway saw {KEY}")),
        Reply::json(401, echo),
        Reply::sse(&streamed_answer(), 9),
    ])
    .await;
    let client = client(&server);
    let debug = format!("{client:?}");
    assert!(debug.contains("redacted") && !debug.contains(KEY), "{debug}");
    let err = within(client.complete(request())).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(KEY), "{err:?}");
    let reply = within(client.clone().with_streaming(true).complete(request())).await.unwrap();
    assert!(!format!("{reply:?}").contains(KEY));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying the Responses API call") && logs.contains("req_9"), "{logs}");
    assert!(!logs.contains(KEY), "the key leaked into the logs:\n{logs}");
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused_as_it_arrives() {
    let big = completed_body(&"word ".repeat(10_000));
    let server = ScriptedServer::start(vec![Reply::json(200, big.clone()), Reply::json(200, big)]).await;
    let client = client(&server).with_max_body_bytes(4_096).with_max_retries(0);
    let err = within(client.complete(request())).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 4_096, .. }), "{err:?}");
    assert_eq!(err.class(), voicebot_transport::ErrorClass::Transient);
    assert!(err.to_string().contains("larger than the limit of 4096 bytes"), "{err}");
}
