//! Faults: each one injected through the handle and observed by a raw client.

use std::time::Duration;

use anyhow::Result;
use futures_util::SinkExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use voicebot_sim::{Api, Fault, Scenario};

use crate::support::*;

async fn reader(sim: &voicebot_sim::SimHandle) -> Result<Client> {
    let mut client = connect_gemini(sim, "test-key").await?;
    send(&mut client, &json!({"setup": {"model": "models/gemini-3.8-live", "outputAudioTranscription": {}}}))
        .await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    Ok(client)
}

async fn main_session(sim: &voicebot_sim::SimHandle) -> Result<Client> {
    let mut client = connect_gemini(sim, "test-key").await?;
    let setup = json!({"setup": {"model": "models/gemini-3.8-live",
        "tools": [{"functionDeclarations": [{"name": "get_time"}]}]}});
    send(&mut client, &setup).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    Ok(client)
}

#[tokio::test]
async fn a_close_fault_sends_its_code_and_reason_after_the_delay() -> Result<()> {
    let sim = sim().await;
    let mut client = reader(&sim).await?;
    sim.inject(Fault::Close {
        api: Api::Gemini,
        code: 1011,
        reason: "Internal error encountered.".into(),
        after_ms: 50,
    })?;
    let end = until_end(&mut client).await?;
    assert!(
        matches!(&end, Next::Closed(Some((1011, reason))) if reason == "Internal error encountered."),
        "{end:?}"
    );
    let conn = sim.wait_closed(1, T).await?;
    assert_eq!(conn.close.map(|c| c.code), Some(1011));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_fault_injected_before_connecting_hits_the_next_connection() -> Result<()> {
    let mut scenario = Scenario::default();
    scenario.faults.push(Fault::Close { api: Api::OpenAi, code: 1008, reason: "policy".into(), after_ms: 0 });
    let sim = sim_with(scenario).await;
    let mut client = connect_openai(&sim, "sk-test", false).await?;
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some((1008, _)))));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_tcp_drop_mid_response_ends_without_a_close_frame() -> Result<()> {
    let sim = sim().await;
    let mut client = reader(&sim).await?;
    sim.inject(Fault::TcpDrop { api: Api::Gemini, mid_response: true })?;
    send(&mut client, &json!({"realtimeInput": {"text": "A sentence long enough to need several chunks."}}))
        .await?;
    let mut audio_frames = 0;
    let end = loop {
        match next(&mut client).await? {
            Next::Json(value) if has(&value, "/serverContent/modelTurn") => audio_frames += 1,
            Next::Json(_) => {}
            other => break other,
        }
    };
    assert!(matches!(end, Next::Dropped), "{end:?}");
    assert_eq!(audio_frames, 1);
    let conn = sim.wait_closed(1, T).await?;
    assert!(conn.dropped && conn.close.is_none());

    let mut other = reader(&sim).await?;
    sim.inject(Fault::TcpDrop { api: Api::Gemini, mid_response: false })?;
    assert!(matches!(until_end(&mut other).await?, Next::Dropped));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_malformed_frame_arrives_as_text_that_is_not_json() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_openai(&sim, "sk-test", false).await?;
    until(&mut client, |v| kind(v) == "session.created").await?;
    sim.inject(Fault::MalformedFrame { api: Api::OpenAi })?;
    assert!(matches!(next(&mut client).await?, Next::NotJson(_)));
    assert!(sim.frames().iter().any(|f| f.kind == "malformed"));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_repeated_tool_call_carries_the_same_id_in_both_forms() -> Result<()> {
    for in_server_content in [false, true] {
        let sim = sim().await;
        let mut client = main_session(&sim).await?;
        sim.inject(Fault::RepeatToolCall { in_server_content })?;
        send(&mut client, &json!({"realtimeInput": {"text": "What time is it?"}})).await?;
        let first = until(&mut client, |v| has(v, "/toolCall")).await?.pop().unwrap();
        let id = first["toolCall"]["functionCalls"][0]["id"].clone();
        let pointer = if in_server_content {
            "/serverContent/modelTurn/parts/0/functionCall/id"
        } else {
            "/toolCall/functionCalls/0/id"
        };
        let repeat = until(&mut client, |v| has(v, pointer)).await?.pop().unwrap();
        assert_eq!(repeat.pointer(pointer), Some(&id));
        sim.shutdown().await;
    }
    Ok(())
}

#[tokio::test]
async fn slow_pongs_delay_the_answer_to_a_ping() -> Result<()> {
    let sim = sim().await;
    let mut client = reader(&sim).await?;
    sim.inject(Fault::SlowPongs { api: Api::Gemini, delay_ms: 300 })?;
    sim.wait_frame(T, |f| f.direction == voicebot_sim::Direction::Received && f.kind == "setup").await?;
    // The fault travels through the connection's command queue; a push behind it proves it was applied.
    sim.push(1, r#"{"sessionResumptionUpdate":{"resumable":false}}"#)?;
    until(&mut client, |v| has(v, "/sessionResumptionUpdate")).await?;
    let started = tokio::time::Instant::now();
    tokio::time::timeout(T, client.send(Message::Ping(b"hi".to_vec().into()))).await??;
    loop {
        match tokio::time::timeout(T, futures_util::StreamExt::next(&mut client)).await? {
            Some(Ok(Message::Pong(_))) => break,
            Some(Ok(_)) => {}
            other => anyhow::bail!("no pong: {other:?}"),
        }
    }
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn session_expired_is_an_error_then_close_1001() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_openai(&sim, "sk-test", false).await?;
    until(&mut client, |v| kind(v) == "session.created").await?;
    sim.inject(Fault::SessionExpired { after_ms: 10 })?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "session_expired");
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some((1001, _)))));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn shutdown_closes_open_sessions_with_1001() -> Result<()> {
    let sim = sim().await;
    let mut client = reader(&sim).await?;
    let stopper = sim.clone();
    let stop = tokio::spawn(async move { stopper.shutdown().await });
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some((1001, _)))));
    tokio::time::timeout(T, stop).await??;
    Ok(())
}

#[tokio::test]
async fn faults_can_be_injected_over_http_and_bad_ones_are_refused_with_a_reason() -> Result<()> {
    let sim = sim().await;
    let mut client = reader(&sim).await?;
    let http = reqwest::Client::new();
    let url = format!("http://{}/sim/faults", sim.addr());
    let fault =
        json!({"kind": "close", "api": "gemini", "code": 1011, "reason": "Internal error encountered."});
    let answer = http.post(&url).json(&fault).send().await?;
    assert_eq!(answer.status(), 200);
    let end = until_end(&mut client).await?;
    assert!(format!("{end:?}").contains("1011"), "{end:?}");

    let answer = http.post(&url).json(&json!({"kind": "earthquake"})).send().await?;
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await?;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("not a fault"), "{body}");
    sim.shutdown().await;
    Ok(())
}
