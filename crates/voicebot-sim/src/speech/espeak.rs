//! espeak-ng: finding the binary, running it, and resampling its output (22 050 Hz for most voices) to the
//! APIs' 24 kHz with rubato's FFT resampler.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

/// The environment variable naming the espeak-ng binary (a path); `/nonexistent` makes it missing.
pub(crate) const ENV: &str = "VOICEBOT_ESPEAK";
/// espeak-ng's speaking rate, in words per minute.
const WORDS_PER_MINUTE: &str = "170";

/// Finds espeak-ng: the scenario's `espeak_binary`, else `$VOICEBOT_ESPEAK` when set and not empty, else
/// `espeak-ng` in one of the `PATH` directories. An explicit path must be a file.
///
/// # Errors
/// Where it looked, when it is not there.
pub(crate) fn locate(
    explicit: Option<&Path>,
    env: Option<OsString>,
    path_var: Option<OsString>,
) -> Result<PathBuf, String> {
    let named = explicit
        .map(|path| (path.to_owned(), "the scenario's espeak_binary"))
        .or_else(|| env.filter(|value| !value.is_empty()).map(|value| (PathBuf::from(value), ENV)));
    if let Some((path, from)) = named {
        return if path.is_file() { Ok(path) } else { Err(format!("{} from {from}", path.display())) };
    }
    path_var
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("espeak-ng"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| "espeak-ng on PATH".to_owned())
}

/// Speaks `text` with espeak-ng at `binary` and returns mono PCM16 at `rate_hz`.
///
/// # Errors
/// A description of what failed: the process, its WAV output, or the resampler.
pub(crate) fn speak(binary: &Path, text: &str, rate_hz: u32) -> Result<Vec<i16>, String> {
    let output = Command::new(binary)
        .args(["--stdout", "-s", WORDS_PER_MINUTE, "--"])
        .arg(text)
        .output()
        .map_err(|err| format!("cannot run {}: {err}", binary.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{} exited with {}: {}", binary.display(), output.status, stderr.trim()));
    }
    let reader = hound::WavReader::new(std::io::Cursor::new(output.stdout))
        .map_err(|err| format!("espeak-ng wrote no WAV: {err}"))?;
    let spec = reader.spec();
    if spec.bits_per_sample != 16 || spec.channels != 1 || spec.sample_format != hound::SampleFormat::Int {
        return Err(format!("espeak-ng wrote an unexpected WAV format: {spec:?}"));
    }
    // espeak-ng streams to stdout, so the header's length is a placeholder: read samples until they end.
    let samples: Vec<i16> = reader.into_samples::<i16>().map_while(Result::ok).collect();
    resample(&samples, spec.sample_rate, rate_hz)
}

/// Resamples a whole mono clip with rubato's synchronous FFT resampler, its delay trimmed.
///
/// # Errors
/// The resampler's construction or processing error, as text.
pub(crate) fn resample(samples: &[i16], from_hz: u32, to_hz: u32) -> Result<Vec<i16>, String> {
    if from_hz == to_hz || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let input: Vec<f32> = samples.iter().map(|sample| f32::from(*sample) / 32768.0).collect();
    let chunk = (from_hz as usize / 50).max(64);
    let mut resampler = Fft::<f32>::new(from_hz as usize, to_hz as usize, chunk, 1, FixedSync::Input)
        .map_err(|err| format!("cannot build a {from_hz} -> {to_hz} Hz resampler: {err}"))?;
    let adapter = InterleavedSlice::new(&input, 1, input.len()).map_err(|err| err.to_string())?;
    let output = resampler.process_all(&adapter, input.len(), None).map_err(|err| err.to_string())?;
    Ok(output
        .take_data()
        .into_iter()
        .map(|sample| (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::level_dbfs;

    fn rms_dbfs(samples: &[i16]) -> f64 {
        let sum: f64 = samples.iter().map(|s| (f64::from(*s) / 32768.0).powi(2)).sum();
        level_dbfs((sum / samples.len() as f64).sqrt())
    }

    #[test]
    fn a_1_khz_tone_keeps_its_level_within_half_a_db_from_22050_to_24000_hz() {
        let rate = 22_050.0;
        let tone: Vec<i16> = (0..22_050)
            .map(|n| {
                (0.5 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / rate).sin() * 32767.0) as i16
            })
            .collect();
        let out = resample(&tone, 22_050, 24_000).unwrap();
        assert!((out.len() as i64 - 24_000).abs() <= 1, "{} samples", out.len());
        // Away from the edges, where the filter settles.
        let (before, after) = (rms_dbfs(&tone[2_000..20_000]), rms_dbfs(&out[2_000..22_000]));
        assert!((before - after).abs() < 0.5, "{before:.2} dBFS in, {after:.2} dBFS out");
        // A real resampler, not a copy or linear interpolation: the tone stays a 1 kHz tone (24 samples
        // per period at 24 kHz), so the signal 24 samples later is nearly the same.
        let drift: f64 = out[2_000..22_000]
            .iter()
            .zip(&out[2_024..22_024])
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
            .fold(0.0, f64::max);
        assert!(drift < 200.0, "largest change over one period: {drift}");
    }

    #[test]
    fn equal_rates_and_empty_clips_pass_through() {
        assert_eq!(resample(&[1, 2, 3], 24_000, 24_000).unwrap(), [1, 2, 3]);
        assert!(resample(&[], 22_050, 24_000).unwrap().is_empty());
    }

    #[test]
    fn espeak_is_found_by_explicit_path_by_env_then_on_path() {
        let dir = std::env::temp_dir().join(format!("voicebot-sim-espeak-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let binary = dir.join("espeak-ng");
        std::fs::write(&binary, b"").unwrap();
        let path_var = Some(std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap());
        assert_eq!(locate(None, None, path_var.clone()), Ok(binary.clone()));
        assert_eq!(locate(None, Some(OsString::new()), path_var.clone()), Ok(binary.clone()));
        let missing = locate(None, Some("/nonexistent/espeak-ng".into()), path_var.clone()).unwrap_err();
        assert!(missing.contains("/nonexistent/espeak-ng") && missing.contains(ENV), "{missing}");
        let explicit = locate(Some(&binary), Some("/nonexistent/espeak-ng".into()), None);
        assert_eq!(explicit, Ok(binary));
        assert!(locate(None, None, Some("/nonexistent".into())).unwrap_err().contains("PATH"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
