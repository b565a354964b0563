//! Writes the demo's microphone WAV (`fixtures/audio/demo-mic.wav`): three sentences spoken by espeak-ng,
//! resampled with rubato to 16 kHz mono PCM16 (Gemini Live's input format), separated by silence.
//!
//! Run it through `scripts/make-demo-audio.sh`, which checks that espeak-ng is installed:
//! `cargo run -p voicebot-sim --example make_demo_audio -- fixtures/audio/demo-mic.wav`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context as _, Result, bail, ensure};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

/// What the microphone hears, in order: a request, a sentence without the wake phrase, a request.
const SENTENCES: [&str; 3] = [
    "Computer, what time is it?",
    "I wonder if it will rain later.",
    "Computer, explain why the sky is blue.",
];
/// The output rate.
const RATE_HZ: u32 = 16_000;
/// Silence before the first sentence, between sentences, and after the last, in milliseconds.
const LEAD_MS: u32 = 500;
const GAP_MS: u32 = 1_600;
const TAIL_MS: u32 = 1_000;
/// Samples quieter than this (about -50 dBFS) at either end of a sentence are trimmed, so the gaps are
/// exactly the silences above.
const QUIET: i16 = 100;

fn main() -> Result<()> {
    let out = std::env::args_os().nth(1).map(PathBuf::from).context("usage: make_demo_audio OUT.wav")?;
    let silence = |ms: u32| vec![0i16; (RATE_HZ * ms / 1000) as usize];
    let mut samples = silence(LEAD_MS);
    for (i, sentence) in SENTENCES.iter().enumerate() {
        if i > 0 {
            samples.extend(silence(GAP_MS));
        }
        let spoken = speak(sentence)?;
        let start = spoken.iter().position(|s| s.abs() >= QUIET).unwrap_or(0);
        let end = spoken.iter().rposition(|s| s.abs() >= QUIET).map_or(start, |end| end + 1);
        samples.extend_from_slice(&spoken[start..end]);
    }
    samples.extend(silence(TAIL_MS));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE_HZ,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer =
        hound::WavWriter::create(&out, spec).with_context(|| format!("cannot write {}", out.display()))?;
    for sample in samples {
        writer.write_sample(sample)?;
    }
    writer.finalize()?;
    Ok(())
}

/// `text` spoken by espeak-ng at 165 words per minute, at 16 kHz.
fn speak(text: &str) -> Result<Vec<i16>> {
    let output = Command::new("espeak-ng")
        .args(["--stdout", "-s", "165", "--"])
        .arg(text)
        .output()
        .context("cannot run espeak-ng; install it with `apt-get install espeak-ng`")?;
    ensure!(output.status.success(), "espeak-ng failed: {}", String::from_utf8_lossy(&output.stderr));
    let reader = hound::WavReader::new(std::io::Cursor::new(output.stdout))?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        bail!("espeak-ng wrote {spec:?}, expected mono PCM16");
    }
    // The header's length is a placeholder when espeak-ng writes to a pipe: read until the samples end.
    let input: Vec<f32> =
        reader.into_samples::<i16>().map_while(Result::ok).map(|s| f32::from(s) / 32768.0).collect();
    let mut resampler =
        Fft::<f32>::new(spec.sample_rate as usize, RATE_HZ as usize, 1024, 1, FixedSync::Input)?;
    let adapter = InterleavedSlice::new(&input, 1, input.len())?;
    let resampled = resampler.process_all(&adapter, input.len(), None)?;
    Ok(resampled
        .take_data()
        .into_iter()
        .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect())
}
