//! The Responses API: plain JSON, SSE, and the 401, 429, 500, slow and incomplete answers.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::responses::{Response, SseDecoder, SseItem, StreamEvent};
use voicebot_sim::{Api, Fault};

use crate::support::*;

async fn post(
    sim: &voicebot_sim::SimHandle,
    key: &str,
    body: serde_json::Value,
) -> Result<reqwest::Response> {
    let url = format!("{}/responses", sim.openai_base_url());
    let request = reqwest::Client::new().post(url).bearer_auth(key).json(&body);
    Ok(tokio::time::timeout(T, request.send()).await??)
}

fn body(stream: bool) -> serde_json::Value {
    json!({"model": "gpt-5-mini", "instructions": "Plan the reply.", "stream": stream,
        "input": [{"role": "user", "content": "Book a table for two."}], "max_output_tokens": 1200})
}

#[tokio::test]
async fn a_plain_answer_is_derived_from_the_input_with_usage() -> Result<()> {
    let sim = sim().await;
    let reply = post(&sim, "sk-test", body(false)).await?;
    assert_eq!(reply.status(), 200);
    let response = Response::decode(&reply.text().await?)?;
    assert!(
        response.output_text().starts_with("Answer to: Book a table for two. "),
        "{}",
        response.output_text()
    );
    let usage = response.usage.unwrap();
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0);
    assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    let conn = &sim.connections()[0];
    assert_eq!((conn.api, conn.status, conn.model.as_deref()), (Api::Responses, 200, Some("gpt-5-mini")));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_streamed_answer_follows_the_documented_event_order() -> Result<()> {
    let sim = sim().await;
    let reply = post(&sim, "sk-test", body(true)).await?;
    assert_eq!(reply.headers()["content-type"], "text/event-stream");
    let bytes = reply.bytes().await?;
    let mut decoder = SseDecoder::new();
    let mut items = Vec::new();
    decoder.feed(&bytes, &mut items)?;
    items.extend(decoder.finish());
    let mut events = Vec::new();
    for item in items {
        if let SseItem::Frame(frame) = item {
            events.push(frame.decode()?);
        }
    }
    let kinds: Vec<&str> = events.iter().map(StreamEvent::kind).collect();
    assert_eq!(&kinds[..2], ["response.created", "response.in_progress"]);
    assert_eq!(kinds.last(), Some(&"response.completed"));
    for kind in [
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let text: String = events.iter().filter_map(StreamEvent::text_delta).collect();
    assert!(text.starts_with("Answer to: Book a table for two."), "{text}");
    let numbers: Vec<u64> = events.iter().filter_map(StreamEvent::sequence_number).collect();
    assert_eq!(numbers, (0..events.len() as u64).collect::<Vec<_>>());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn faults_give_429_then_500_then_a_slow_incomplete_answer() -> Result<()> {
    let sim = sim().await;
    sim.inject(Fault::ResponsesRateLimit { times: 1, retry_after_s: 2 })?;
    sim.inject(Fault::ResponsesFail { times: 1 })?;
    sim.inject(Fault::ResponsesSlow { delay_ms: 150, times: 1 })?;
    sim.inject(Fault::ResponsesIncomplete { times: 1 })?;
    let limited = post(&sim, "sk-test", body(false)).await?;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "2");
    assert!(limited.text().await?.contains("rate_limit_exceeded"));
    assert_eq!(post(&sim, "sk-test", body(false)).await?.status(), 500);
    let started = tokio::time::Instant::now();
    let slow = post(&sim, "sk-test", body(false)).await?;
    assert!(started.elapsed() >= Duration::from_millis(150));
    let response = Response::decode(&slow.text().await?)?;
    assert!(response.budget_spent_on_reasoning());
    let ok = Response::decode(&post(&sim, "sk-test", body(false)).await?.text().await?)?;
    assert!(!ok.output_text().is_empty());
    let statuses: Vec<u16> = sim.connections().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 500, 200, 200]);

    let refused = post(&sim, "invalid", body(false)).await?;
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await?.contains("invalid_api_key"));
    sim.shutdown().await;
    Ok(())
}
