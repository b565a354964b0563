//! The handoff assistant end to end: two requests, one sentence without the wake phrase, with and without faults.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use voicebot_sim::{Api, Direction, Fault, SessionRole, SimHandle};

use crate::support::{entries, journal, loud_seconds, run, scratch, start_sim, start_tls_sim};

/// Output rate of the reader.
const OUTPUT_RATE: f64 = 24_000.0;

async fn run_demo_mic(sim: &SimHandle, dir: &Path) -> Vec<Value> {
    run_demo_mic_with(sim, dir, &[]).await
}

async fn run_demo_mic_with(sim: &SimHandle, dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mic = crate::support::fixtures().join("audio/demo-mic.wav");
    let mic = mic.to_str().unwrap();
    let mut args = vec!["--pipeline", "handoff", "--input-wav", mic, "--output-wav", "reply.wav"];
    args.extend(["--events", "events.jsonl", "--max-turns", "2"]);
    args.extend(extra);
    run(sim, dir, &args, &[]).await;
    journal(&dir.join("events.jsonl"))
}

/// What every handoff run must show, faults or not.
fn assert_two_narrations(sim: &SimHandle, dir: &Path, journal: &[Value]) {
    let tools: Vec<&str> =
        entries(journal, "tool_call").iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["get_time", "ask_brain"], "one tool per request");
    assert_eq!(entries(journal, "brain_asked").len(), 1, "one brain request");
    assert_eq!(entries(journal, "reader_finished").len(), 2, "two narrations");
    assert_eq!(entries(journal, "main_replaced").len(), 2, "main replaced after each narration");

    // The sentence without the wake phrase is heard and nothing follows it until the next request.
    let position = |pred: &dyn Fn(&Value) -> bool| journal.iter().position(pred).unwrap();
    let ignored = position(&|e| e["kind"] == "heard" && e["text"] == "I wonder if it will rain later.");
    let next_heard =
        position(&|e| e["kind"] == "heard" && e["text"] == "Computer, explain why the sky is blue.");
    assert!(ignored < next_heard);
    let between: Vec<&Value> = journal[ignored + 1..next_heard].iter().collect();
    assert!(
        between.iter().all(|e| !matches!(e["kind"].as_str(), Some("tool_call" | "reader_started"))),
        "no tool call and no speech for the sentence without the wake phrase: {between:?}"
    );

    // The reader's speech is in the output WAV, about as long as what the readers sent.
    let timeline = sim.timeline();
    let readers: Vec<_> = timeline.iter().filter(|t| t.role == Some(SessionRole::Reader)).collect();
    assert_eq!(readers.len(), 2, "one reader per narration");
    let sent: f64 = readers.iter().map(|t| t.output_audio_samples as f64 / OUTPUT_RATE).sum();
    let (loud, total) = loud_seconds(&dir.join("reply.wav"));
    assert!(total >= sent, "the WAV ({total:.2} s) holds all {sent:.2} s the readers sent");
    assert!(
        loud > 0.4 * sent && loud <= sent + 0.1,
        "speech in the WAV: {loud:.2} s loud of {sent:.2} s sent"
    );

    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_are_narrated_the_other_sentence_is_ignored_and_the_deaf_window_is_short() {
    let sim = start_sim("demo.json").await;
    let dir = scratch("handoff");
    let journal = run_demo_mic(&sim, &dir).await;
    assert_two_narrations(&sim, &dir, &journal);

    let mains = sim.timeline().into_iter().filter(|t| t.role == Some(SessionRole::Main)).count();
    assert_eq!(mains, 3, "the first main and one replacement per narration");
    let windows: Vec<Duration> = sim.deaf_windows().into_iter().filter_map(|w| w.window).collect();
    assert_eq!(windows.len(), 2, "{:?}", sim.deaf_windows());
    for window in windows {
        assert!(window < Duration::from_millis(50), "deaf window {window:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1011_close_and_a_go_away_mid_conversation_lose_no_turn() {
    let sim = start_sim("demo.json").await;
    let dir = scratch("handoff-faults");
    let audio = |f: &voicebot_sim::Frame| f.direction == Direction::Received && f.kind == "realtimeInput";
    let faults = async {
        // In the middle of the first request (1.2 s of audio into it), the main connection fails with 1011.
        sim.wait_frames(60, Duration::from_secs(30), audio).await.unwrap();
        let reason = "Internal error encountered.".to_owned();
        sim.inject(Fault::Close { api: Api::Gemini, code: 1011, reason, after_ms: 0 }).unwrap();
        // While the sentence without the wake phrase is spoken to the first replacement, it is told to go away.
        let first_replacement =
            || sim.timeline().iter().any(|t| t.role == Some(SessionRole::Reader) && t.closed_at.is_some());
        sim.wait_frames(200, Duration::from_secs(60), audio).await.unwrap();
        assert!(first_replacement(), "the first narration is over");
        sim.inject(Fault::GoAway { time_left_ms: 300 }).unwrap();
    };
    let (journal, ()) = tokio::join!(run_demo_mic(&sim, &dir), faults);
    assert_two_narrations(&sim, &dir, &journal);
    let reconnects = entries(&journal, "reconnected");
    assert!(reconnects.len() >= 2, "the 1011 and the goAway were both recovered: {reconnects:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_can_be_an_openai_realtime_session() {
    let sim = start_sim("demo.json").await;
    let dir = scratch("handoff-openai-reader");
    let journal = run_demo_mic_with(&sim, &dir, &["--reader-provider", "openai"]).await;
    assert_two_narrations(&sim, &dir, &journal);
    let readers: Vec<Api> =
        sim.timeline().into_iter().filter(|t| t.role == Some(SessionRole::Reader)).map(|t| t.api).collect();
    assert_eq!(readers, [Api::OpenAi, Api::OpenAi]);
    let finished = entries(&journal, "reader_finished");
    assert!(finished.iter().all(|e| e["word_error_rate"] == 0.0), "verbatim: {finished:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handoff_assistant_runs_over_tls_with_the_simulator_ca_trusted() {
    let sim = start_tls_sim("demo.json").await;
    assert!(sim.gemini_base_url().starts_with("https://"), "{}", sim.gemini_base_url());
    let dir = scratch("handoff-tls");
    let journal = run_demo_mic(&sim, &dir).await;
    assert_two_narrations(&sim, &dir, &journal);
    // Every session (mains, readers) and every brain request came through a TLS handshake that succeeded.
    let handshakes = sim.tls_handshakes();
    assert!(handshakes.iter().all(|h| h.error.is_none()), "{handshakes:?}");
    let apis: Vec<Api> = sim.connections().iter().map(|c| c.api).collect();
    assert!(apis.contains(&Api::Gemini) && apis.contains(&Api::Responses), "{apis:?}");
    let websockets = apis.iter().filter(|api| **api != Api::Responses).count();
    assert!(handshakes.len() > websockets, "{} handshakes for {apis:?}", handshakes.len());
    sim.shutdown().await;
}
