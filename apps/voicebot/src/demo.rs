//! `voicebot demo`: the handoff assistant against the in-process simulator, with a committed WAV of real speech
//! as the microphone and `target/demo/reply.wav` as the speaker. Prints the timeline as it happens, then the
//! latency figures. Needs no keys, no network and no sound card.

use std::io::Write as _;
use std::path::PathBuf;

use voicebot_core::config::{Config, ConfigSources};
use voicebot_core::journal::Entry;

use crate::Failure;
use crate::run::{RunIo, run};

/// The demo's microphone: "Computer, what time is it?", a sentence without the wake phrase, and
/// "Computer, explain why the sky is blue." (espeak-ng, 16 kHz; `scripts/make-demo-audio.sh`).
const MIC_WAV: &[u8] = include_bytes!("../../../fixtures/audio/demo-mic.wav");
/// The simulator's script for that microphone.
const SCENARIO: &str = include_str!("../../../fixtures/sim/demo.json");
/// Where the demo writes.
const OUT_DIR: &str = "target/demo";

/// Runs the demo; with `tls` the simulator serves `https://` and `wss://` and the clients trust only its CA.
pub(crate) async fn demo(tls: bool) -> Result<(), Failure> {
    let runtime_error = |what: &'static str| {
        move |err: std::io::Error| Failure::Runtime(anyhow::Error::new(err).context(what))
    };
    let out_dir = PathBuf::from(OUT_DIR);
    std::fs::create_dir_all(&out_dir).map_err(runtime_error("cannot create target/demo"))?;
    let mic = out_dir.join("mic.wav");
    std::fs::write(&mic, MIC_WAV).map_err(runtime_error("cannot write target/demo/mic.wav"))?;

    let scenario = voicebot_sim::Scenario::from_json(SCENARIO).map_err(|err| Failure::Runtime(err.into()))?;
    let started = if tls {
        voicebot_sim::Sim::start_tls(scenario, voicebot_sim::TlsOptions::new()).await
    } else {
        voicebot_sim::Sim::start(scenario).await
    };
    let sim = started.map_err(|err| Failure::Runtime(err.into()))?;
    // The demo ignores the caller's environment and files: it is the same run everywhere.
    let mut environment = vec![
        ("OPENAI_BASE_URL", sim.openai_base_url()),
        ("GEMINI_BASE_URL", sim.gemini_base_url()),
        ("OPENAI_API_KEY", "sim-demo-key".to_owned()),
        ("GEMINI_API_KEY", "sim-demo-key".to_owned()),
    ];
    if let Some(ca_file) = sim.ca_file() {
        environment.push(("CA_FILE", ca_file.display().to_string()));
    }
    let sources = ConfigSources::default().with_environment(environment);
    let config = Config::load(&sources).map_err(|err| Failure::Runtime(err.into()))?.config;

    let voice = sim.report().voice;
    let over = if tls { ", over TLS with its own CA" } else { "" };
    say(&format!(
        "voicebot demo: the handoff assistant against the built-in simulator ({voice} voice{over})\n\
         mic:     fixtures/audio/demo-mic.wav (10.5 s: two requests to \"computer\" and one sentence without it)\n\
         speaker: {OUT_DIR}/reply.wav    journal: {OUT_DIR}/events.jsonl\n"
    ));
    let io = RunIo {
        input_wav: Some(mic),
        output_wav: Some(out_dir.join("reply.wav")),
        events: Some(out_dir.join("events.jsonl")),
        max_turns: Some(2),
        timeline: true,
    };
    let report = run(&config, io).await;
    let sim_report = sim.report();
    sim.shutdown().await;
    let report = report?;

    // One row per figure, one column per request, in the order they happened.
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |name: &str, value: String| match rows.iter_mut().find(|(n, _)| n == name) {
        Some((_, values)) => values.push(value),
        None => rows.push((name.to_owned(), vec![value])),
    };
    for stamped in &report.entries {
        match &stamped.entry {
            Entry::Latency { what, ms } => add(&what.replace('_', " "), format!("{ms} ms")),
            Entry::ReaderFinished { word_error_rate, .. } => {
                add("reader word error rate", format!("{:.1} %", word_error_rate * 100.0));
            }
            _ => {}
        }
    }
    for window in &sim_report.deaf_windows {
        if let Some(window) = window.window {
            add("deaf window (simulator)", format!("{:.1} ms", window.as_secs_f64() * 1000.0));
        }
    }
    let mut lines = vec![String::new(), "figures (one value per session or request, in order):".to_owned()];
    for (name, values) in rows {
        lines.push(format!("  {name:<26} {}", values.join(", ")));
    }
    lines.push(format!("  {:<26} {}", "narrations", report.turns));
    lines.push(format!("  {:<26} {}", "protocol violations", sim_report.violations.len()));
    lines.push(format!("  {:<26} {}", "journal entries dropped", report.journal_dropped));
    say(&lines.join("\n"));
    if sim_report.violations.is_empty() {
        Ok(())
    } else {
        Err(Failure::Runtime(anyhow::anyhow!(
            "the simulator recorded protocol violations: {:?}",
            sim_report.violations
        )))
    }
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}
