//! OpenAI Realtime: the direct flow with a function call, barge-in and truncate, and the error paths.

use anyhow::Result;
use serde_json::{Value, json};
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::openai::ClientEvent;

use crate::support::*;

fn session_update() -> Value {
    json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief.",
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-mini-transcribe"},
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                "silence_duration_ms": 500, "create_response": true, "interrupt_response": true}},
          "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
        "tools": [{"type": "function", "name": "get_time", "description": "Local time",
            "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}]}})
}

async fn send_audio(client: &mut Client, samples: &[i16]) -> Result<()> {
    for chunk in samples.chunks(960) {
        let event = ClientEvent::append_audio(voicebot_protocol::pcm::encode_i16(chunk));
        send_text(client, event.encode()?).await?;
    }
    Ok(())
}

async fn connected(sim: &voicebot_sim::SimHandle) -> Result<Client> {
    let mut client = connect_openai(sim, "sk-test", false).await?;
    until(&mut client, |v| kind(v) == "session.created").await?;
    send(&mut client, &session_update()).await?;
    until(&mut client, |v| kind(v) == "session.updated").await?;
    Ok(client)
}

#[tokio::test]
async fn the_direct_flow_runs_a_function_call_then_speaks_and_usage_grows() -> Result<()> {
    let sim = sim_with(synthetic_voice()).await;
    let mut client = connected(&sim).await?;
    send_audio(&mut client, &utterance(24_000)).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    let kinds: Vec<&str> = frames.iter().map(kind).collect();
    let expected = [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.input_audio_transcription.completed",
        "response.created",
        "response.output_item.added",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.done",
    ];
    let mut at = 0;
    for want in expected {
        at += kinds[at..]
            .iter()
            .position(|k| *k == want)
            .unwrap_or_else(|| panic!("{want} missing after {at} in {kinds:?}"));
    }
    let started = frames.iter().find(|v| kind(v) == "input_audio_buffer.speech_started").unwrap();
    assert_eq!(started["audio_start_ms"], 0, "300 ms in, minus 300 ms of prefix padding");
    let transcript =
        frames.iter().find(|v| kind(v) == "conversation.item.input_audio_transcription.completed").unwrap();
    assert_eq!(transcript["transcript"], "What time is it in Paris?");
    let done = frames.last().unwrap();
    let call = &done["response"]["output"][0];
    assert_eq!(call["type"], "function_call");
    assert_eq!(call["arguments"], r#"{"tz":"Europe/Paris"}"#);
    assert_eq!(done["response"]["usage"]["input_tokens"], 120);

    let output = ClientEvent::create_item(voicebot_protocol::openai::Item::function_call_output(
        call["call_id"].as_str().unwrap(),
        r#"{"time":"12:00"}"#,
    ));
    send_text(&mut client, output.encode()?).await?;
    send_text(&mut client, ClientEvent::create_response().encode()?).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    let deltas: String = frames
        .iter()
        .filter(|v| kind(v) == "response.output_audio_transcript.delta")
        .map(|v| v["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "It is noon in Paris.");
    let audio: usize = frames
        .iter()
        .filter(|v| kind(v) == "response.output_audio.delta")
        .map(|v| voicebot_protocol::pcm::decode_i16(v["delta"].as_str().unwrap()).unwrap().len())
        .sum();
    assert_eq!(audio, 20 * 24 * 70, "70 ms per character of synthetic speech");
    let done = frames.last().unwrap();
    assert_eq!(done["response"]["status"], "completed");
    assert_eq!(done["response"]["output"][0]["content"][0]["transcript"], "It is noon in Paris.");
    assert_eq!(done["response"]["usage"]["input_tokens"], 240);

    let conn = sim.wait_turns(1, 1, T).await?;
    assert_eq!(conn.audio.output_samples, audio as u64);
    assert_eq!(conn.model.as_deref(), Some("gpt-realtime-2.1"));
    let timeline = &sim.timeline()[0];
    assert_eq!(timeline.role, Some(voicebot_sim::SessionRole::Main), "the session declares a tool");
    assert_eq!(timeline.setup_acknowledged_at.len(), 1);
    let tool = &timeline.tool_calls[0];
    assert_eq!((tool.id.as_str(), tool.name.as_str()), (call["call_id"].as_str().unwrap(), "get_time"));
    assert!(tool.sent_at.unwrap() < tool.response_at.unwrap());
    assert_eq!(timeline.turn_complete_at.len(), 1, "only the spoken response completes a turn");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn barge_in_cancels_the_response_and_truncate_is_validated() -> Result<()> {
    let sim = sim_with(fixture("direct.json")).await;
    let mut client = connected(&sim).await?;
    // Turn 1 (a function call) is answered; turn 2 is a long story we interrupt.
    send_audio(&mut client, &utterance(24_000)).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    let call_id = frames.last().unwrap()["response"]["output"][0]["call_id"].as_str().unwrap().to_owned();
    let output =
        ClientEvent::create_item(voicebot_protocol::openai::Item::function_call_output(call_id, "{}"));
    send_text(&mut client, output.encode()?).await?;
    send_text(&mut client, ClientEvent::create_response().encode()?).await?;
    until(&mut client, |v| kind(v) == "response.done").await?;

    send_audio(&mut client, &utterance(24_000)).await?;
    let frames = until(&mut client, |v| kind(v) == "response.output_audio.delta").await?;
    let item_id = frames.last().unwrap()["item_id"].as_str().unwrap().to_owned();
    send_audio(&mut client, &tone(300, 24_000, -20.0)).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    assert!(frames.iter().any(|v| kind(v) == "input_audio_buffer.speech_started"));
    let done = frames.last().unwrap();
    assert_eq!(done["response"]["status"], "cancelled");
    assert_eq!(done["response"]["status_details"]["reason"], "turn_detected");

    send_text(&mut client, ClientEvent::truncate(&item_id, 100_000).encode()?).await?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("is already shorter than 100000ms"), "{message}");
    assert!(error["error"].get("code").is_none_or(Value::is_null));
    send_text(&mut client, ClientEvent::truncate(&item_id, 20).encode()?).await?;
    let truncated = until(&mut client, |v| kind(v) == "conversation.item.truncated" || kind(v) == "error")
        .await?
        .pop()
        .unwrap();
    assert_eq!(kind(&truncated), "conversation.item.truncated");
    assert_eq!(truncated["audio_end_ms"], 20);
    send_text(&mut client, ClientEvent::truncate("item_unknown", 20).encode()?).await?;
    until(&mut client, |v| kind(v) == "error").await?;

    let codes: Vec<String> = sim.violations().into_iter().map(|v| v.code).collect();
    assert_eq!(codes, ["truncate_beyond_audio", "truncate_unknown_item"]);
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn response_create_cancel_and_items_answer_like_the_real_service() -> Result<()> {
    // A slow model, so that the second response.create surely finds the first one active, even on a busy machine.
    let mut scenario = voicebot_sim::Scenario::default();
    scenario.openai.response_latency_ms = 2_000;
    let sim = sim_with(scenario).await;
    let result = create_cancel_and_items(&sim).await;
    if result.is_err() {
        eprintln!(
            "{:?}",
            sim.frames().iter().map(|f| (f.at, f.direction, f.kind.clone())).collect::<Vec<_>>()
        );
    }
    result
}

async fn create_cancel_and_items(sim: &voicebot_sim::SimHandle) -> Result<()> {
    let sim = sim.clone();
    let mut client = connected(&sim).await?;
    send(
        &mut client,
        &json!({"type": "conversation.item.create", "item": {"type": "message", "role": "system",
        "content": [{"type": "input_text", "text": "Summary so far: nothing."}]}}),
    )
    .await?;
    let added = until(&mut client, |v| kind(v) == "conversation.item.done").await?.pop().unwrap();
    let system_id = added["item"]["id"].as_str().unwrap().to_owned();
    send_text(
        &mut client,
        ClientEvent::create_item(voicebot_protocol::openai::Item::user_text("Hello")).encode()?,
    )
    .await?;
    until(&mut client, |v| kind(v) == "conversation.item.done").await?;

    send_text(&mut client, ClientEvent::create_response().encode()?).await?;
    send_text(&mut client, ClientEvent::create_response().encode()?).await?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "conversation_already_has_active_response");
    send_text(&mut client, ClientEvent::cancel_response().encode()?).await?;
    let done = until(&mut client, |v| kind(v) == "response.done").await?.pop().unwrap();
    assert_eq!(done["response"]["status_details"]["reason"], "client_cancelled");
    send_text(&mut client, ClientEvent::cancel_response().encode()?).await?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "response_cancel_not_active");

    send(&mut client, &json!({"type": "conversation.item.delete", "item_id": system_id})).await?;
    let deleted = until(&mut client, |v| kind(v) == "conversation.item.deleted").await?.pop().unwrap();
    assert_eq!(deleted["item_id"], system_id.as_str());
    send(&mut client, &json!({"type": "conversation.item.delete", "item_id": system_id})).await?;
    until(&mut client, |v| kind(v) == "error").await?;
    send(&mut client, &json!({"type": "input_audio_buffer.commit"})).await?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "input_audio_buffer_commit_empty");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_ga_update_without_type_is_refused_and_not_applied() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_openai(&sim, "sk-test", false).await?;
    until(&mut client, |v| kind(v) == "session.created").await?;
    send(
        &mut client,
        &json!({"type": "session.update", "event_id": "evt_1", "session": {"instructions": "Be brief."}}),
    )
    .await?;
    let error =
        until(&mut client, |v| kind(v) == "error" || kind(v) == "session.updated").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "missing_required_parameter");
    assert_eq!(error["error"]["param"], "session.type");
    assert_eq!(error["error"]["event_id"], "evt_1");
    send(
        &mut client,
        &json!({"type": "session.update", "session": {"type": "realtime",
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}}),
    )
    .await?;
    until(&mut client, |v| kind(v) == "error").await?;
    send(&mut client, &json!({"type": "response.hologram"})).await?;
    until(&mut client, |v| kind(v) == "error").await?;
    let codes: Vec<String> = sim.violations().into_iter().map(|v| v.code).collect();
    assert_eq!(codes, ["ga_session_update_without_type", "input_audio_not_24k", "unknown_event"]);
    assert!(!sim.frames().iter().any(|f| f.kind == "session.updated"));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_beta_header_gets_the_real_error_then_a_close_and_a_bad_key_gets_401() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_openai(&sim, "sk-test", true).await?;
    let error = until(&mut client, |v| kind(v) == "error").await?.pop().unwrap();
    assert_eq!(error["error"]["code"], "beta_api_shape_disabled");
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some(_))));
    assert_eq!(sim.violations()[0].code, "beta_header");

    let err = connect_openai(&sim, "invalid", false).await.unwrap_err();
    assert!(format!("{err:?}").contains("401"), "{err:?}");
    let conns = sim.connections();
    assert_eq!(conns[1].status, 401);
    assert!(conns[1].headers.iter().any(|(n, v)| n == "authorization" && v == "<redacted>"));
    sim.shutdown().await;
    Ok(())
}
