//! The handoff shape the pipeline drives: main sessions replaced after each narration (the script goes on
//! across them), readers, the timeline and deaf windows the simulator records, `GET /sim/report`, and the
//! demo scenario with the demo microphone.

use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::gemini::{ClientMessage, FunctionResponse};
use voicebot_protocol::responses::Response;
use voicebot_sim::{Report, SessionRole};

use crate::gemini::{main_setup, reader_setup, send_audio};
use crate::support::*;

/// Opens a session with `setup` and waits for `setupComplete`.
async fn open(sim: &voicebot_sim::SimHandle, setup: &Value) -> Result<Client> {
    let mut client = connect_gemini(sim, "test-key").await?;
    send(&mut client, setup).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    Ok(client)
}

/// Reads until a tool call; returns the input transcription heard before it and the call.
async fn heard_and_called(client: &mut Client) -> Result<(Option<String>, Value)> {
    let frames = until(client, |v| has(v, "/toolCall")).await?;
    let heard = frames
        .iter()
        .find_map(|v| v.pointer("/serverContent/inputTranscription/text").and_then(Value::as_str))
        .map(str::to_owned);
    Ok((heard, frames.last().unwrap()["toolCall"]["functionCalls"][0].clone()))
}

async fn answer(client: &mut Client, call: &Value, result: Value) -> Result<Vec<Value>> {
    let id = call["id"].as_str().unwrap().to_owned();
    let response = FunctionResponse::result(id, call["name"].as_str().unwrap(), result);
    send_text(client, ClientMessage::tool_response(vec![response]).encode()?).await?;
    until(client, |v| has(v, "/serverContent/turnComplete")).await
}

async fn close(mut client: Client) -> Result<()> {
    let normal = CloseFrame { code: CloseCode::Normal, reason: "".into() };
    tokio::time::timeout(T, client.close(Some(normal))).await??;
    let _ = until_end(&mut client).await;
    Ok(())
}

#[tokio::test]
async fn main_sessions_go_on_with_the_script_and_the_deaf_window_is_recorded() -> Result<()> {
    let sim = sim_with(synthetic_voice()).await;
    let mut main = open(&sim, &main_setup()).await?;
    send_audio(&mut main, &utterance(16_000)).await?;
    let (heard, call) = heard_and_called(&mut main).await?;
    assert_eq!(heard.as_deref(), Some("What time is it in Paris?"));
    answer(&mut main, &call, json!({"time": "12:00"})).await?;

    // The reader narrates; the replacement main opens while it speaks and gets the mic when it ends.
    let mut reader = open(&sim, &reader_setup(None)).await?;
    send(&mut reader, &json!({"realtimeInput": {"text": "It is noon in Paris."}})).await?;
    let mut next_main = open(&sim, &main_setup()).await?;
    until(&mut reader, |v| has(v, "/serverContent/turnComplete")).await?;
    send_audio(&mut next_main, &utterance(16_000)).await?;
    let (heard, call) = heard_and_called(&mut next_main).await?;
    assert_eq!(
        heard.as_deref(),
        Some("Plan a weekend in Rome for two."),
        "the second utterance of the script"
    );
    assert_eq!(call["name"], "ask_brain");
    answer(&mut next_main, &call, json!({"answer": "Rome."})).await?;
    for client in [main, reader, next_main] {
        close(client).await?;
    }
    for id in 1..=3 {
        sim.wait_closed(id, T).await?;
    }

    let timeline = sim.timeline();
    let roles: Vec<_> = timeline.iter().map(|t| t.role).collect();
    assert_eq!(roles, [Some(SessionRole::Main), Some(SessionRole::Reader), Some(SessionRole::Main)]);
    for t in &timeline {
        assert_eq!(t.status, 101);
        assert!(t.connected_at <= t.setup_received_at[0], "{t:?}");
        assert!(t.setup_received_at[0] < t.setup_acknowledged_at[0], "{t:?}");
        assert!(t.closed_at.is_some_and(|closed| closed >= t.setup_acknowledged_at[0]), "{t:?}");
        assert_eq!(t.close_code, Some(1000));
    }
    let (first, reader, second) = (&timeline[0], &timeline[1], &timeline[2]);
    assert_eq!(first.tool_calls.len(), 1);
    let call = &first.tool_calls[0];
    assert_eq!(call.name, "get_time");
    assert!(call.sent_at.is_some_and(|sent| call.response_at.is_some_and(|answered| sent < answered)));
    assert!(first.first_input_audio_at.is_some_and(|at| at < call.sent_at.unwrap()));
    assert_eq!(first.input_audio_frames, utterance(16_000).len().div_ceil(640) as u64);
    assert!(first.last_input_audio_at >= first.first_input_audio_at);
    assert_eq!((first.turn_complete_at.len(), reader.turn_complete_at.len()), (1, 1));
    assert!(reader.output_audio_samples > 0 && reader.tool_calls.is_empty());
    assert_eq!(second.tool_calls[0].name, "ask_brain");

    let windows = sim.deaf_windows();
    assert_eq!(windows.len(), 1, "{windows:?}");
    let window = &windows[0];
    assert_eq!((window.reader, window.main), (2, Some(3)));
    assert_eq!(window.reader_done_at, reader.turn_complete_at[0]);
    assert_eq!(window.main_first_audio_at, second.first_input_audio_at);
    let deaf = window.window.unwrap();
    assert_eq!(deaf, second.first_input_audio_at.unwrap() - reader.turn_complete_at[0]);
    assert!(deaf < Duration::from_secs(1), "{deaf:?}");

    // The same report over HTTP, for a test that runs the simulator as another process.
    let url = format!("http://{}/sim/report", sim.addr());
    let body = tokio::time::timeout(T, async { reqwest::get(url).await?.text().await }).await??;
    let report: Report = serde_json::from_str(&body)?;
    assert_eq!(report.timeline.len(), 3);
    assert_eq!(report.voice, "synthetic");
    assert_eq!(report.deaf_windows.len(), 1);
    let from_json = report.deaf_windows[0].window.unwrap();
    assert!(from_json.abs_diff(deaf) <= Duration::from_micros(1), "{from_json:?} vs {deaf:?}");
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let raw: Value = serde_json::from_str(&body)?;
    assert!(raw["deaf_windows"][0]["window_ms"].is_number(), "{raw}");
    sim.shutdown().await;
    Ok(())
}

/// The demo microphone, split at the middle of its long silences: one piece per sentence.
fn demo_sentences() -> Vec<Vec<i16>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/audio/demo-mic.wav");
    let samples: Vec<i16> =
        hound::WavReader::open(path).unwrap().into_samples().map(Result::unwrap).collect();
    // 20 ms windows that are not (nearly) silent.
    let loud: Vec<bool> = samples.chunks(320).map(|w| w.iter().any(|s| s.abs() >= 100)).collect();
    let mut cuts = vec![0];
    let mut quiet_from = None;
    for (i, is_loud) in loud.iter().enumerate() {
        match (is_loud, quiet_from) {
            (false, None) => quiet_from = Some(i),
            (true, Some(from)) => {
                // At least a second of silence between two sentences: cut in its middle.
                if i - from >= 50 && from > 0 {
                    cuts.push((from + i) / 2 * 320);
                }
                quiet_from = None;
            }
            _ => {}
        }
    }
    cuts.push(samples.len());
    cuts.windows(2).map(|w| samples[w[0]..w[1]].to_vec()).collect()
}

#[tokio::test]
async fn the_demo_scenario_hears_two_requests_and_ignores_the_sentence_without_the_wake_phrase() -> Result<()>
{
    let sim = sim_with(fixture("demo.json")).await;
    let sentences = demo_sentences();
    assert_eq!(sentences.len(), 3);

    let mut main = open(&sim, &main_setup()).await?;
    send_audio(&mut main, &sentences[0]).await?;
    let (heard, call) = heard_and_called(&mut main).await?;
    assert_eq!(heard.as_deref(), Some("Computer, what time is it?"));
    assert_eq!((&call["name"], &call["args"]), (&json!("get_time"), &json!({})));
    answer(&mut main, &call, json!({"time": "09:41"})).await?;
    close(main).await?;

    // After the narration the pipeline replaces main: the script goes on with the second sentence.
    let mut main = open(&sim, &main_setup()).await?;
    send_audio(&mut main, &sentences[1]).await?;
    let frames = until(&mut main, |v| has(v, "/serverContent/turnComplete")).await?;
    let heard: Vec<&str> = frames
        .iter()
        .filter_map(|v| v.pointer("/serverContent/inputTranscription/text").and_then(Value::as_str))
        .collect();
    assert_eq!(heard, ["I wonder if it will rain later."]);
    assert!(frames.iter().all(|v| !has(v, "/toolCall") && !has(v, "/serverContent/modelTurn")), "{frames:?}");

    send_audio(&mut main, &sentences[2]).await?;
    let (heard, call) = heard_and_called(&mut main).await?;
    assert_eq!(heard.as_deref(), Some("Computer, explain why the sky is blue."));
    assert_eq!(call["name"], "ask_brain");
    let query = call["args"]["query"].as_str().unwrap().to_owned();
    assert_eq!(query, "Explain why the sky is blue.");

    let url = format!("{}/responses", sim.openai_base_url());
    let request = reqwest::Client::new().post(url).bearer_auth("sk-test").json(&json!({"model": "gpt-5.2",
        "instructions": "Answer in a short paragraph to be read aloud.", "input": query}));
    let reply = tokio::time::timeout(T, async { request.send().await?.text().await }).await??;
    let brain = Response::decode(&reply)?.output_text();
    assert!(brain.starts_with("The sky looks blue because of Rayleigh scattering."), "{brain}");
    assert_eq!(brain.matches(". ").count() + 1, 3, "three sentences: {brain}");
    answer(&mut main, &call, json!({"answer": brain})).await?;
    close(main).await?;

    let timeline = sim.timeline();
    let calls: Vec<&str> =
        timeline.iter().flat_map(|t| t.tool_calls.iter().map(|c| c.name.as_str())).collect();
    assert_eq!(calls, ["get_time", "ask_brain"]);
    assert!(timeline.iter().all(|t| t.output_audio_samples == 0), "the main sessions never speak");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}
