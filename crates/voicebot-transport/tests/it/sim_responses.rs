//! ResponsesClient against the simulator's `/v1/responses`: plain, streaming, incomplete, 429 then success, 500s,
//! and a refused key.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use voicebot_sim::{Api, Direction, Fault, Scenario, Sim, SimHandle};
use voicebot_transport::{ApiKey, Error, OpenAiEndpoint, ResponsesClient, TextModel, TextRequest};

const KEY: &str = "sk-sim-responses-41c0de";
const LIMIT: Duration = Duration::from_secs(15);
const SUFFIX: &str = "The simulator has thought about it carefully.";

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    crate::support::within(LIMIT, what, future).await
}

fn client(sim: &SimHandle, key: &str) -> ResponsesClient {
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    ResponsesClient::new(&endpoint, ApiKey::new(key), "gpt-5-mini")
        .unwrap()
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

fn request() -> TextRequest {
    TextRequest::new("Answer briefly.", "Plan a weekend in Rome for two.")
}

/// The request bodies the simulator received, in order.
fn requests(sim: &SimHandle) -> Vec<serde_json::Value> {
    sim.frames()
        .iter()
        .filter(|f| f.api == Api::Responses && f.direction == Direction::Received)
        .map(voicebot_sim::Frame::value)
        .collect()
}

fn statuses(sim: &SimHandle) -> Vec<u16> {
    sim.connections().iter().filter(|c| c.api == Api::Responses).map(|c| c.status).collect()
}

#[tokio::test]
async fn a_plain_call_gets_the_answer_derived_from_the_input() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let reply = within("complete", client(&sim, KEY).complete(request())).await.unwrap();
    assert_eq!(reply.text, format!("Answer to: Plan a weekend in Rome for two. {SUFFIX}"));
    assert!(reply.response_id.starts_with("resp_"), "{reply:?}");
    assert!(reply.usage.input_tokens > 0 && reply.usage.output_tokens > 0, "{reply:?}");
    assert_eq!(reply.usage.total_tokens, reply.usage.input_tokens + reply.usage.output_tokens);
    let bodies = requests(&sim);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["model"], "gpt-5-mini");
    assert_eq!(bodies[0]["instructions"], "Answer briefly.");
    assert_eq!(bodies[0]["store"], false);
    assert!(bodies[0].get("stream").is_none_or(|stream| stream == false), "{}", bodies[0]);
    let conn = &sim.connections()[0];
    assert_eq!(
        (conn.path.as_str(), conn.status, conn.model.as_deref()),
        ("/v1/responses", 200, Some("gpt-5-mini"))
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_streamed_call_delivers_deltas_that_join_to_the_answer() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let (deltas_tx, mut deltas) = mpsc::channel(256);
    let reply =
        within("complete", client(&sim, KEY).complete_with_deltas(request(), deltas_tx)).await.unwrap();
    let mut joined = String::new();
    let mut count = 0;
    while let Ok(delta) = deltas.try_recv() {
        joined.push_str(&delta);
        count += 1;
    }
    assert!(count > 1, "the answer came in pieces");
    assert_eq!(joined, reply.text);
    assert_eq!(reply.text, format!("Answer to: Plan a weekend in Rome for two. {SUFFIX}"));
    assert_eq!(requests(&sim)[0]["stream"], true);
    let sent: Vec<String> = sim
        .frames()
        .iter()
        .filter(|f| f.api == Api::Responses && f.direction == Direction::Sent)
        .map(|f| f.kind.clone())
        .collect();
    assert_eq!(sent.last().map(String::as_str), Some("response.completed"), "{sent:?}");

    // `with_streaming` makes `complete` stream too, with the same answer.
    let streamed =
        within("complete", client(&sim, KEY).with_streaming(true).complete(request())).await.unwrap();
    assert_eq!(streamed.text, reply.text);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test]
async fn an_incomplete_answer_is_a_typed_error_plain_and_streamed() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    for streaming in [false, true] {
        sim.inject(Fault::ResponsesIncomplete { times: 1 }).unwrap();
        let err = within("complete", client(&sim, KEY).with_streaming(streaming).complete(request()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Incomplete { reason, reasoning_only: true } if reason == "max_output_tokens"),
            "streaming {streaming}: {err:?}"
        );
        assert!(err.to_string().contains("raise max_output_tokens"), "{err}");
    }
    assert_eq!(statuses(&sim), [200, 200], "an incomplete answer is not retried");
    // The next answer is whole again.
    let reply = within("complete", client(&sim, KEY).complete(request())).await.unwrap();
    assert!(reply.text.starts_with("Answer to:"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_the_answer_comes() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    sim.inject(Fault::ResponsesRateLimit { times: 1, retry_after_s: 1 }).unwrap();
    let started = Instant::now();
    let reply = within("complete", client(&sim, KEY).complete(request())).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "retry-after was honoured: {:?}", started.elapsed());
    assert!(reply.text.starts_with("Answer to:"));
    assert_eq!(statuses(&sim), [429, 200], "the simulator saw two requests");
    let bodies = requests(&sim);
    assert_eq!(bodies[0], bodies[1], "the same request is sent again");
    let retry_count = |i: usize| {
        sim.connections()[i]
            .headers
            .iter()
            .find(|(name, _)| name == "x-stainless-retry-count")
            .map(|(_, v)| v.clone())
    };
    assert_eq!((retry_count(0).as_deref(), retry_count(1).as_deref()), (Some("0"), Some("1")));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_500_is_retried_and_persistent_500s_are_an_http_error() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    sim.inject(Fault::ResponsesFail { times: 1 }).unwrap();
    let reply = within("complete", client(&sim, KEY).complete(request())).await.unwrap();
    assert!(reply.text.starts_with("Answer to:"));
    assert_eq!(statuses(&sim), [500, 200]);

    sim.inject(Fault::ResponsesFail { times: 3 }).unwrap();
    let err = within("complete", client(&sim, KEY).complete(request())).await.unwrap_err();
    assert!(matches!(&err, Error::Http { status: 500, .. }), "{err:?}");
    assert!(err.to_string().contains("The server had an error"), "{err}");
    assert_eq!(statuses(&sim), [500, 200, 500, 500, 500], "two retries, then the error");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_slow_answer_past_the_time_limit_is_a_timeout() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    sim.inject(Fault::ResponsesSlow { delay_ms: 2_000, times: 1 }).unwrap();
    let client = client(&sim, KEY).with_timeout(Duration::from_millis(300)).with_max_retries(0);
    let err = within("complete", client.complete(request())).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_refused_key_is_a_401_that_is_not_retried_and_not_echoed() {
    let sim = Sim::start(Scenario::default()).await.unwrap();
    let err = within("complete", client(&sim, "invalid").complete(request())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 401, code: Some(code), .. } if code == "invalid_api_key"),
        "{err:?}"
    );
    assert!(err.to_string().contains("check OPENAI_API_KEY"), "{err}");
    assert_eq!(statuses(&sim), [401]);
    sim.shutdown().await;
}
