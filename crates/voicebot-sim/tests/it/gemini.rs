//! Gemini Live: main and reader sessions, resumption, goAway, and the violations the simulator records.

use anyhow::Result;
use serde_json::{Value, json};
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::gemini::{ClientMessage, FunctionResponse};
use voicebot_sim::{Api, Direction, Fault};

use crate::support::*;

pub(crate) fn main_setup() -> Value {
    json!({"setup": {
        "model": "models/gemini-3.8-live",
        "generationConfig": {"responseModalities": ["AUDIO"]},
        "tools": [{"functionDeclarations": [
            {"name": "get_time", "description": "Local time"},
            {"name": "ask_brain", "description": "Ask the planner"}]}],
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
        "sessionResumption": {}
    }})
}

pub(crate) fn reader_setup(handle: Option<&str>) -> Value {
    let resumption = match handle {
        Some(handle) => json!({"handle": handle}),
        None => json!({}),
    };
    json!({"setup": {
        "model": "models/gemini-3.8-live",
        "generationConfig": {"responseModalities": ["AUDIO"]},
        "outputAudioTranscription": {},
        "sessionResumption": resumption
    }})
}

pub(crate) async fn send_audio(client: &mut Client, samples: &[i16]) -> Result<()> {
    for chunk in samples.chunks(640) {
        send_text(client, ClientMessage::audio(chunk, 16_000).encode()?).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_main_session_hears_an_utterance_calls_a_tool_and_completes_the_turn() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &main_setup()).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    let audio = utterance(16_000);
    send_audio(&mut client, &audio).await?;

    let frames = until(&mut client, |v| has(v, "/toolCall")).await?;
    let transcript = frames.iter().find_map(|v| v.pointer("/serverContent/inputTranscription/text")).cloned();
    assert_eq!(transcript, Some(json!("What time is it in Paris?")));
    let call = &frames.last().unwrap()["toolCall"]["functionCalls"][0];
    assert_eq!(call["name"], "get_time");
    assert_eq!(call["args"], json!({"tz": "Europe/Paris"}));
    let id = call["id"].as_str().unwrap().to_owned();

    let answer = FunctionResponse::result(id, "get_time", json!({"time": "12:00"}));
    send_text(&mut client, ClientMessage::tool_response(vec![answer]).encode()?).await?;
    let frames = until(&mut client, |v| has(v, "/sessionResumptionUpdate")).await?;
    assert!(frames.iter().any(|v| v.pointer("/serverContent/turnComplete") == Some(&json!(true))));
    assert_eq!(frames.last().unwrap()["sessionResumptionUpdate"]["resumable"], true);

    let conn = sim.wait_turns(1, 1, T).await?;
    assert_eq!(conn.api, Api::Gemini);
    assert_eq!(conn.model.as_deref(), Some("models/gemini-3.8-live"));
    assert_eq!(conn.audio.input_samples, audio.len() as u64);
    assert!(conn.marks.first_input_audio_at.is_some());
    assert!(conn.headers.iter().any(|(name, value)| name == "x-goog-api-key" && value == "<redacted>"));
    assert!(sim.frames().iter().all(|f| !f.json.contains("test-key")));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_reader_speaks_its_text_with_transcription_then_completes() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &reader_setup(None)).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    let text = "It is noon in Paris.";
    send(&mut client, &json!({"clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": true}})).await?;
    let frames =
        until(&mut client, |v| v.pointer("/serverContent/turnComplete") == Some(&json!(true))).await?;

    let mut samples = 0;
    let mut transcript = String::new();
    for frame in &frames {
        if let Some(blob) = frame.pointer("/serverContent/modelTurn/parts/0/inlineData") {
            assert_eq!(blob["mimeType"], "audio/pcm;rate=24000");
            samples += voicebot_protocol::pcm::decode_i16(blob["data"].as_str().unwrap())?.len();
        }
        if let Some(piece) = frame.pointer("/serverContent/outputTranscription/text") {
            transcript.push_str(piece.as_str().unwrap());
        }
    }
    assert_eq!(transcript, text);
    assert!(samples > 24_000 / 2, "{samples} samples");
    let generation = frames.iter().position(|v| has(v, "/serverContent/generationComplete")).unwrap();
    assert_eq!(generation, frames.len() - 2);
    let conn = sim.wait_turns(1, 1, T).await?;
    assert_eq!(conn.audio.output_samples, samples as u64);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn go_away_closes_and_the_resumption_handle_restores_the_session() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &reader_setup(None)).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    send(&mut client, &json!({"realtimeInput": {"text": "Hello."}})).await?;
    let frames = until(&mut client, |v| has(v, "/sessionResumptionUpdate")).await?;
    let handle = frames.last().unwrap()["sessionResumptionUpdate"]["newHandle"].as_str().unwrap().to_owned();

    sim.inject(Fault::GoAway { time_left_ms: 100 })?;
    let frames = until(&mut client, |v| has(v, "/goAway")).await?;
    assert_eq!(frames.last().unwrap()["goAway"]["timeLeft"], "0.100s");
    let mut next_client = connect_gemini(&sim, "test-key").await?;
    send(&mut next_client, &reader_setup(Some(&handle))).await?;
    until(&mut next_client, |v| has(v, "/setupComplete")).await?;
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some((1000, _)))));

    let connections = sim.wait_closed(1, T).await?;
    assert_eq!(connections.close.map(|c| (c.code, c.by)), Some((1000, Direction::Sent)));
    let resumed = sim.connection(2).unwrap();
    assert_eq!(resumed.resumption_handle.as_deref(), Some(handle.as_str()));
    assert!(resumed.path.ends_with("BidiGenerateContent"));

    let mut stale = connect_gemini(&sim, "test-key").await?;
    send(&mut stale, &reader_setup(Some("no-such-handle"))).await?;
    assert!(matches!(until_end(&mut stale).await?, Next::Closed(Some((1008, _)))));
    let codes: Vec<String> = sim.violations().into_iter().map(|v| v.code).collect();
    assert_eq!(codes, ["unknown_resumption_handle"]);
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn protocol_violations_are_recorded() -> Result<()> {
    let sim = sim().await;
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &main_setup()).await?;
    // Audio right after setup, before setupComplete arrived.
    send_text(&mut client, ClientMessage::audio(&[0; 320], 16_000).encode()?).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    send_text(&mut client, ClientMessage::audio(&[0; 480], 24_000).encode()?).await?;
    send(&mut client, &json!({"realtimeInput": {"text": "hi", "audioStreamEnd": true}})).await?;
    send(
        &mut client,
        &json!({"toolResponse": {"functionResponses": [{"id": "nope", "name": "x", "response": {"a": 1}}]}}),
    )
    .await?;
    send(&mut client, &json!({"toolResponse": {"functionResponses": []}})).await?;
    send(&mut client, &json!({"realtimeInput": {"activityStart": {}}})).await?;
    assert!(matches!(until_end(&mut client).await?, Next::Closed(Some((1007, _)))));

    let mut other = connect_gemini(&sim, "test-key").await?;
    send(&mut other, &json!({"realtimeInput": {"text": "no setup"}})).await?;
    assert!(matches!(until_end(&mut other).await?, Next::Closed(Some((1007, _)))));
    let mut garbage = connect_gemini(&sim, "test-key").await?;
    send_text(&mut garbage, "{not json".to_owned()).await?;
    assert!(matches!(until_end(&mut garbage).await?, Next::Closed(Some((1007, _)))));

    let violations = match sim.wait_violations(8, T).await {
        Ok(violations) => violations,
        Err(err) => panic!(
            "{err}: {:?} {:?}",
            sim.violations(),
            sim.frames().iter().map(|f| (f.at, f.direction, f.kind.clone())).collect::<Vec<_>>()
        ),
    };
    let codes: Vec<&str> = violations.iter().map(|v| v.code.as_str()).collect();
    for expected in [
        "input_before_setup_complete",
        "audio_rate_not_16k",
        "realtime_input_multiple_fields",
        "tool_response_unknown_id",
        "empty_tool_response",
        "activity_marker_with_auto_vad",
        "first_message_not_setup",
        "undecodable_frame",
    ] {
        assert!(codes.contains(&expected), "{expected} missing from {codes:?}");
    }
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_bad_or_missing_key_is_refused_with_401() -> Result<()> {
    let sim = sim().await;
    let err = connect_gemini(&sim, "invalid").await.unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("401"), "{text}");
    let url = format!("ws://{}{GEMINI_PATH}?key=invalid", sim.addr());
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) =
        tokio_tungstenite::connect_async(url).await
    else {
        panic!("expected an HTTP error");
    };
    assert_eq!(response.status(), 401);
    let body = String::from_utf8(response.body().clone().unwrap_or_default())?;
    assert!(body.contains("UNAUTHENTICATED"), "{body}");
    let conns = sim.connections();
    assert_eq!(conns.iter().map(|c| c.status).collect::<Vec<_>>(), [401, 401]);
    assert!(conns[1].path.contains("key=<redacted>"));
    sim.shutdown().await;
    Ok(())
}
