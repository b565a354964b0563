//! The simulator's voice: generated off the session's task (pings, barge-in and cancels are served while
//! espeak-ng runs), pinned by the scenario, and real espeak-ng speech where it is installed.

use std::path::PathBuf;

use anyhow::{Result, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use voicebot_sim::{AudioConfig, Error, OpenAiScript, OpenAiTurn, Scenario, Sim, Voice};

use crate::gemini::reader_setup;
use crate::support::*;

/// A fake espeak-ng that holds every call until the test opens its gate, then writes half a second of a
/// 22 050 Hz tone as a WAV, as espeak-ng does on `--stdout`.
struct GatedEspeak {
    dir: PathBuf,
}

impl GatedEspeak {
    fn new(name: &str) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("voicebot-sim-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut wav = hound::WavWriter::create(dir.join("speech.wav"), spec)?;
        for n in 0..11_025 {
            let phase = 2.0 * std::f64::consts::PI * 300.0 * f64::from(n) / 22_050.0;
            wav.write_sample((0.1 * phase.sin() * 32767.0) as i16)?;
        }
        wav.finalize()?;
        let script = format!(
            "#!/bin/sh\nwhile [ ! -e '{gate}' ]; do sleep 0.01; done\ncat '{wav}'\n",
            gate = dir.join("gate").display(),
            wav = dir.join("speech.wav").display()
        );
        let binary = dir.join("espeak-ng");
        std::fs::write(&binary, script)?;
        let mut permissions = std::fs::metadata(&binary)?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&binary, permissions)?;
        Ok(GatedEspeak { dir })
    }

    fn binary(&self) -> PathBuf {
        self.dir.join("espeak-ng")
    }

    fn open(&self) -> Result<()> {
        std::fs::write(self.dir.join("gate"), b"")?;
        Ok(())
    }

    fn scenario(&self) -> Scenario {
        let audio = AudioConfig {
            voice: Voice::Espeak,
            espeak_binary: Some(self.binary()),
            ..AudioConfig::default()
        };
        Scenario { audio, ..Scenario::default() }
    }
}

impl Drop for GatedEspeak {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends a ping and reads until its pong, returning the JSON frames that came before it.
async fn ping(client: &mut Client, payload: &'static [u8]) -> Result<Vec<Value>> {
    timeout(T, client.send(Message::Ping(payload.into()))).await??;
    let mut seen = Vec::new();
    loop {
        match timeout(T, client.next()).await? {
            Some(Ok(Message::Pong(answer))) if answer.as_ref() == payload => return Ok(seen),
            Some(Ok(Message::Text(text))) => seen.push(serde_json::from_str(&text)?),
            Some(Ok(Message::Binary(bytes))) => seen.push(serde_json::from_slice(&bytes)?),
            Some(Ok(_)) => {}
            other => bail!("connection ended before the pong: {other:?}"),
        }
    }
}

fn audio_samples(frames: &[Value], pointer: &str) -> usize {
    frames
        .iter()
        .filter_map(|v| v.pointer(pointer).and_then(Value::as_str))
        .map(|data| voicebot_protocol::pcm::decode_i16(data).map_or(0, |samples| samples.len()))
        .sum()
}

#[tokio::test]
async fn a_reader_answers_pings_and_barge_in_while_its_speech_is_generated() -> Result<()> {
    let espeak = GatedEspeak::new("reader")?;
    let sim = sim_with(espeak.scenario()).await;
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &reader_setup(None)).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    let turn = |text: &str| json!({"clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": true}});
    send(&mut client, &turn("Never spoken.")).await?;

    // espeak-ng is held at the gate, yet the connection answers a ping and a new text at once.
    let before_pong = ping(&mut client, b"still there?").await?;
    assert!(before_pong.iter().all(|v| !has(v, "/serverContent/modelTurn")), "{before_pong:?}");
    send(&mut client, &turn("Spoken instead.")).await?;
    let frames = until(&mut client, |v| has(v, "/serverContent/turnComplete")).await?;
    assert!(
        frames.iter().any(|v| v.pointer("/serverContent/interrupted") == Some(&json!(true))),
        "{frames:?}"
    );
    assert_eq!(audio_samples(&frames, "/serverContent/modelTurn/parts/0/inlineData/data"), 0);

    espeak.open()?;
    let frames = until(&mut client, |v| has(v, "/serverContent/turnComplete")).await?;
    let transcript: String = frames
        .iter()
        .filter_map(|v| v.pointer("/serverContent/outputTranscription/text").and_then(Value::as_str))
        .collect();
    assert_eq!(transcript, "Spoken instead.");
    let samples = audio_samples(&frames, "/serverContent/modelTurn/parts/0/inlineData/data");
    assert!((11_999..=12_001).contains(&samples), "half a second at 24 kHz, got {samples}");
    assert_eq!(sim.report().voice, "espeak");
    assert_eq!(sim.connection(1).unwrap().marks.turn_complete_at.len(), 2);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_openai_response_is_cancelled_while_its_speech_is_generated() -> Result<()> {
    let espeak = GatedEspeak::new("openai")?;
    let mut scenario = espeak.scenario();
    let reply = OpenAiTurn { transcript: "Hi.".into(), function_call: None, reply: "Hello there.".into() };
    scenario.openai = OpenAiScript { turns: vec![reply], ..OpenAiScript::default() };
    let sim = sim_with(scenario).await;
    let mut client = connect_openai(&sim, "sk-test", false).await?;
    until(&mut client, |v| kind(v) == "session.created").await?;
    let update = json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": null}}}});
    send(&mut client, &update).await?;
    until(&mut client, |v| kind(v) == "session.updated").await?;
    send(&mut client, &json!({"type": "response.create"})).await?;
    let created = until(&mut client, |v| kind(v) == "response.created").await?;
    let first = created.last().unwrap()["response"]["id"].clone();

    ping(&mut client, b"ping").await?;
    send(&mut client, &json!({"type": "response.cancel"})).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    let done = frames.last().unwrap();
    assert_eq!((&done["response"]["id"], &done["response"]["status"]), (&first, &json!("cancelled")));
    assert_eq!(audio_samples(&frames, "/delta"), 0);

    espeak.open()?;
    send(&mut client, &json!({"type": "response.create"})).await?;
    let frames = until(&mut client, |v| kind(v) == "response.done").await?;
    let done = frames.last().unwrap();
    assert_eq!(done["response"]["status"], "completed");
    assert_ne!(done["response"]["id"], first);
    assert!(frames.iter().all(|v| v.get("response_id").is_none_or(|id| *id == done["response"]["id"])));
    let deltas: Vec<Value> =
        frames.iter().filter(|v| kind(v) == "response.output_audio.delta").cloned().collect();
    assert!((11_999..=12_001).contains(&audio_samples(&deltas, "/delta")));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn pinning_espeak_where_it_is_not_installed_fails_at_start_and_says_how_to_fix_it() -> Result<()> {
    let json = r#"{"audio": {"voice": "espeak", "espeak_binary": "/nonexistent/espeak-ng"}}"#;
    let scenario = Scenario::from_json(json)?;
    let Err(err) = Sim::start(scenario).await else { bail!("the simulator started without espeak-ng") };
    assert!(matches!(err, Error::EspeakUnavailable { .. }), "{err:?}");
    let text = err.to_string();
    for needle in ["/nonexistent/espeak-ng", "apt-get install espeak-ng", "VOICEBOT_ESPEAK", "\"auto\""] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
    // "auto" falls back to the synthetic voice instead.
    let json = r#"{"audio": {"voice": "auto", "espeak_binary": "/nonexistent/espeak-ng"}}"#;
    let sim = sim_with(Scenario::from_json(json)?).await;
    assert_eq!(sim.report().voice, "synthetic");
    sim.shutdown().await;
    Ok(())
}

/// Real espeak-ng speech for a reader. Where espeak-ng is not installed (or `VOICEBOT_ESPEAK` names a path
/// that does not exist) this test says so and passes, unless `VOICEBOT_REQUIRE_ESPEAK=1` (as in CI).
#[tokio::test]
#[allow(clippy::print_stderr, reason = "the one allowed skip says why")]
async fn a_reader_speaks_with_real_espeak_ng_where_it_is_installed() -> Result<()> {
    let audio = AudioConfig { voice: Voice::Espeak, ..AudioConfig::default() };
    let sim = match Sim::start(Scenario { audio, ..Scenario::default() }).await {
        Ok(sim) => sim,
        Err(err) if std::env::var("VOICEBOT_REQUIRE_ESPEAK").as_deref() == Ok("1") => {
            panic!("VOICEBOT_REQUIRE_ESPEAK=1 but: {err}")
        }
        Err(err) => {
            eprintln!("skipping the real espeak-ng test: {err}");
            return Ok(());
        }
    };
    let mut client = connect_gemini(&sim, "test-key").await?;
    send(&mut client, &reader_setup(None)).await?;
    until(&mut client, |v| has(v, "/setupComplete")).await?;
    let text = "The time is twelve o'clock.";
    send(&mut client, &json!({"realtimeInput": {"text": text}})).await?;
    let frames = until(&mut client, |v| has(v, "/serverContent/turnComplete")).await?;
    let mut samples = Vec::new();
    for blob in frames.iter().filter_map(|v| v.pointer("/serverContent/modelTurn/parts/0/inlineData")) {
        assert_eq!(blob["mimeType"], "audio/pcm;rate=24000");
        samples.extend(voicebot_protocol::pcm::decode_i16(blob["data"].as_str().unwrap())?);
    }
    let seconds = samples.len() as f64 / 24_000.0;
    assert!((0.8..=4.0).contains(&seconds), "{seconds} s of speech");
    assert_ne!(samples.len(), text.chars().count() * 24 * 70, "not the synthetic voice");
    let energy: f64 =
        samples.iter().map(|s| (f64::from(*s) / 32768.0).powi(2)).sum::<f64>() / samples.len() as f64;
    let dbfs = 10.0 * energy.log10();
    assert!((-40.0..=-3.0).contains(&dbfs), "speech level {dbfs:.1} dBFS");
    assert_eq!(sim.report().voice, "espeak");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
    Ok(())
}
