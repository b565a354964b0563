//! The direct assistant end to end: streaming playback, a barge-in truncated to what was played, a tool call,
//! and a summary triggered by the usage threshold.

use std::time::Duration;

use serde_json::Value;
use voicebot_sim::{Api, Direction, Fault, SimHandle};

use crate::support::{entries, journal, loud_seconds, run, scratch, start_sim, start_tls_sim, tone_wav};

/// Audio per simulator chunk (its default `chunk_ms`): the tolerance of the truncation point.
const CHUNK_MS: u64 = 80;

/// Sent frames of `kind` as JSON.
fn received(sim: &SimHandle, kind: &str) -> Vec<Value> {
    sim.frames()
        .iter()
        .filter(|f| f.direction == Direction::Received && f.kind == kind)
        .map(voicebot_sim::Frame::value)
        .collect()
}

async fn run_three_utterances(sim: &SimHandle, name: &str) -> (std::path::PathBuf, Vec<Value>) {
    let dir = scratch(name);
    // Turn 1 (a tool call, then "It is noon in Paris."), a pause long enough to hear it, turn 2 (the long
    // story), interrupted one second into its answer by turn 3 ("Thank you."), then silence.
    tone_wav(&dir.join("mic.wav"), &[(300, 700), (5_000, 700), (1_500, 700)], 8_000);
    let args = [
        "--pipeline",
        "direct",
        "--input-wav",
        "mic.wav",
        "--output-wav",
        "reply.wav",
        "--events",
        "events.jsonl",
        "--max-turns",
        "2",
    ];
    let env = [("SUMMARY_TRIGGER_TOKENS", "300"), ("KEEP_LAST_TURNS", "2")];
    run(sim, &dir, &args, &env).await;
    let journal = journal(&dir.join("events.jsonl"));
    (dir, journal)
}

/// `summary`: whether the usage threshold must have triggered a summary (a reconnect starts a fresh server
/// session whose usage starts again from zero, so a run with a fault may not reach it).
fn assert_conversation(sim: &SimHandle, dir: &std::path::Path, journal: &[Value], summary: bool) {
    // The tool ran once and its answer went back.
    let tools: Vec<&str> =
        entries(journal, "tool_call").iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["get_time"]);
    assert_eq!(
        received(sim, "conversation.item.create")
            .iter()
            .filter(|e| e["item"]["type"] == "function_call_output")
            .count(),
        1
    );

    // Barge-in: the truncate point is what the speaker played, clamped to what was received.
    let barge_ins = entries(journal, "barge_in");
    assert!(!barge_ins.is_empty(), "the third utterance interrupts the story");
    let truncates = received(sim, "conversation.item.truncate");
    assert!(!truncates.is_empty(), "a truncate was sent");
    let played = barge_ins.last().unwrap()["played_ms"].as_u64().unwrap();
    let cut = truncates.last().unwrap()["audio_end_ms"].as_u64().unwrap();
    assert!(played.abs_diff(cut) <= CHUNK_MS, "truncated at {cut} ms, played {played} ms");
    assert_eq!(truncates.last().unwrap()["item_id"], barge_ins.last().unwrap()["item_id"]);

    // Summarization: a system item created, old items deleted, the last turns kept.
    let summaries = entries(journal, "summarized");
    assert!(!summary || !summaries.is_empty(), "the usage threshold triggered a summary: {journal:#?}");
    let system = received(sim, "conversation.item.create");
    let summary_items = system
        .iter()
        .filter(|e| {
            e["item"]["role"] == "system" && e["item"]["id"].as_str().unwrap().starts_with("vb_summary_")
        })
        .count();
    assert_eq!(summary_items, summaries.len(), "one system item per summary");
    let deleted = received(sim, "conversation.item.delete").len() as u64;
    assert_eq!(deleted, summaries.iter().map(|s| s["deleted"].as_u64().unwrap()).sum::<u64>());
    assert!(!summary || deleted >= 1);

    // Streaming playback: the answers are in the output WAV.
    let (loud, _) = loud_seconds(&dir.join("reply.wav"));
    assert!(loud > 0.5, "assistant speech in the WAV: {loud:.2} s");
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_turns_with_a_tool_a_barge_in_and_a_summary() {
    let sim = start_sim("direct.json").await;
    let (dir, journal) = run_three_utterances(&sim, "direct").await;
    assert_conversation(&sim, &dir, &journal, true);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1011_close_mid_conversation_loses_no_turn() {
    let sim = start_sim("direct.json").await;
    let fault = async {
        // Right after the first answer, while the user is silent, the connection fails with 1011.
        sim.wait_frame(Duration::from_secs(30), |f| {
            f.direction == Direction::Sent
                && f.kind == "response.done"
                && f.value()["response"]["output"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|i| i["type"] == "message"))
        })
        .await
        .unwrap();
        let reason = "Internal error".to_owned();
        sim.inject(Fault::Close { api: Api::OpenAi, code: 1011, reason, after_ms: 200 }).unwrap();
    };
    let ((dir, journal), ()) = tokio::join!(run_three_utterances(&sim, "direct-1011"), fault);
    assert!(!entries(&journal, "reconnected").is_empty(), "the session reconnected");
    assert_conversation(&sim, &dir, &journal, false);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_assistant_runs_on_gemini_live_too() {
    let sim = start_sim("direct-gemini.json").await;
    let dir = scratch("direct-gemini");
    let mic = crate::support::fixtures().join("audio/demo-mic.wav");
    let args = ["--pipeline", "direct", "--main-provider", "gemini", "--input-wav", mic.to_str().unwrap()];
    let args =
        [&args[..], &["--output-wav", "reply.wav", "--events", "events.jsonl", "--max-turns", "3"]].concat();
    run(&sim, &dir, &args, &[]).await;
    let journal = journal(&dir.join("events.jsonl"));
    let said: Vec<&str> = entries(&journal, "said").iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(said, ["It is four o'clock.", "Maybe, take an umbrella.", "Because of Rayleigh scattering."]);
    let tools: Vec<&str> =
        entries(&journal, "tool_call").iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["get_time"]);
    let (loud, _) = loud_seconds(&dir.join("reply.wav"));
    assert!(loud > 0.5, "assistant speech in the WAV: {loud:.2} s");
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_assistant_runs_over_tls_with_the_simulator_ca_trusted() {
    let sim = start_tls_sim("direct.json").await;
    assert!(sim.openai_base_url().starts_with("https://"), "{}", sim.openai_base_url());
    let (dir, journal) = run_three_utterances(&sim, "direct-tls").await;
    assert_conversation(&sim, &dir, &journal, true);
    // The realtime session and the summarizer's Responses calls all came through TLS handshakes that succeeded.
    let handshakes = sim.tls_handshakes();
    assert!(handshakes.iter().all(|h| h.error.is_none()), "{handshakes:?}");
    let apis: Vec<Api> = sim.connections().iter().map(|c| c.api).collect();
    assert!(apis.contains(&Api::OpenAi) && apis.contains(&Api::Responses), "{apis:?}");
    sim.shutdown().await;
}
