//! Running the binary against a simulator, and reading what it wrote.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use voicebot_sim::{Scenario, Sim, SimHandle, TlsOptions};

/// The longest a run may take before the test fails.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(120);

/// The repository's fixtures folder.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fresh scratch folder for one test (no `voicebot.toml` or `.env` in it).
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voicebot-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn start_sim(scenario_file: &str) -> SimHandle {
    let scenario = Scenario::from_file(fixtures().join("sim").join(scenario_file)).unwrap();
    Sim::start(scenario).await.unwrap()
}

/// A simulator serving `https://` and `wss://`, its CA written to [`SimHandle::ca_file`].
pub(crate) async fn start_tls_sim(scenario_file: &str) -> SimHandle {
    let scenario = Scenario::from_file(fixtures().join("sim").join(scenario_file)).unwrap();
    Sim::start_tls(scenario, TlsOptions::new()).await.unwrap()
}

/// `voicebot run ARGS` in `dir` against `sim` (trusting its CA when it serves TLS), with `env` on top of the
/// simulator's URLs and keys; the caller's CA settings are not inherited.
pub(crate) fn command(
    sim: &SimHandle,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_voicebot"));
    command
        .current_dir(dir)
        .arg("run")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("CA_FILE")
        .env_remove("SSL_CERT_FILE")
        .env("OPENAI_BASE_URL", sim.openai_base_url())
        .env("GEMINI_BASE_URL", sim.gemini_base_url())
        .env("OPENAI_API_KEY", "sk-e2e")
        .env("GEMINI_API_KEY", "gm-e2e")
        .env("WORKSPACE_ROOT", dir)
        .kill_on_drop(true);
    if let Some(ca_file) = sim.ca_file() {
        command.env("CA_FILE", ca_file);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs [`command`] to its end, within [`RUN_LIMIT`].
pub(crate) async fn output(mut command: tokio::process::Command) -> Output {
    tokio::time::timeout(RUN_LIMIT, command.output()).await.expect("the run timed out").unwrap()
}

/// Runs `voicebot run ARGS` in `dir` against `sim`, with `env` on top of the simulator's URLs and keys; the run
/// must succeed.
pub(crate) async fn run(sim: &SimHandle, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = output(command(sim, dir, args, env)).await;
    assert!(
        output.status.success(),
        "voicebot run failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The journal's lines.
pub(crate) fn journal(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Journal entries of `kind`.
pub(crate) fn entries<'a>(journal: &'a [Value], kind: &str) -> Vec<&'a Value> {
    journal.iter().filter(|entry| entry["kind"] == kind).collect()
}

/// Seconds of a mono PCM16 WAV whose samples are above -40 dBFS, and its whole length in seconds.
pub(crate) fn loud_seconds(path: &Path) -> (f64, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let rate = f64::from(reader.spec().sample_rate);
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 328).count();
    (loud as f64 / rate, samples.len() as f64 / rate)
}

/// Writes a 24 kHz mono WAV: for each `(silence_ms, tone_ms)`, that much silence then a 300 Hz tone at
/// -20 dBFS (speech for the simulator's energy VAD), then `tail_ms` of silence.
pub(crate) fn tone_wav(path: &Path, parts: &[(u32, u32)], tail_ms: u32) {
    let rate = 24_000u32;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let amplitude = 0.1 * f64::from(i16::MAX);
    for &(silence, tone) in parts {
        for _ in 0..rate * silence / 1000 {
            writer.write_sample(0i16).unwrap();
        }
        for n in 0..rate * tone / 1000 {
            let phase = 2.0 * std::f64::consts::PI * 300.0 * f64::from(n) / f64::from(rate);
            writer.write_sample((amplitude * phase.sin()) as i16).unwrap();
        }
    }
    for _ in 0..rate * tail_ms / 1000 {
        writer.write_sample(0i16).unwrap();
    }
    writer.finalize().unwrap();
}
