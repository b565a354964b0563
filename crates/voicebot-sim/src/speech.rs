//! Speech for the model's voice: espeak-ng when it is installed (or pinned), otherwise a clearly synthetic
//! voiced signal; generated off the connection's task and cached per simulator.
//!
//! The synthetic voice is a 120 Hz buzz (five harmonics) shaped into one syllable per character, about
//! 70 ms per character, spaces silent, with a peak amplitude of -12 dBFS. It is not meant to sound like
//! speech, only to have speech-like timing and level so that VADs, meters and players behave.

mod espeak;
mod jobs;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use jobs::{Ready, SpeechJobs};

use crate::error::{Error, Result};
use crate::scenario::{AudioConfig, Voice};

/// The output rate of both realtime APIs.
pub(crate) const OUTPUT_RATE_HZ: u32 = 24_000;
/// Synthetic speech length per character, in milliseconds.
const MS_PER_CHAR: u32 = 70;
/// Peak amplitude of the synthetic voice: -12 dBFS.
const PEAK: f64 = 0.251;
/// At most this many texts are cached.
const CACHE_ENTRIES: usize = 64;
/// At most this much audio is cached, in samples (10 minutes at 24 kHz, about 29 MB).
const CACHE_SAMPLES: usize = OUTPUT_RATE_HZ as usize * 600;

/// The voice a simulator speaks with, resolved when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Resolved {
    /// [`synthetic`].
    Synthetic,
    /// espeak-ng at this path.
    Espeak(PathBuf),
}

/// Speech generation for one simulator: the resolved voice and a bounded least-recently-used cache.
#[derive(Debug)]
pub(crate) struct Speech {
    voice: Resolved,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    map: HashMap<(Resolved, String), Arc<[i16]>>,
    /// Keys from least to most recently used.
    order: VecDeque<(Resolved, String)>,
    samples: usize,
}

impl Speech {
    /// Resolves the voice `audio` asks for, with the process environment.
    ///
    /// # Errors
    /// [`Error::EspeakUnavailable`] when `audio` pins espeak-ng and it cannot be found.
    pub(crate) fn new(audio: &AudioConfig) -> Result<Self> {
        let located = espeak::locate(
            audio.espeak_binary.as_deref(),
            std::env::var_os(espeak::ENV),
            std::env::var_os("PATH"),
        );
        let voice = match (audio.voice, located) {
            (Voice::Synthetic, _) => Resolved::Synthetic,
            (Voice::Auto | Voice::Espeak, Ok(binary)) => Resolved::Espeak(binary),
            (Voice::Auto, Err(_)) => Resolved::Synthetic,
            (Voice::Espeak, Err(looked_for)) => return Err(Error::EspeakUnavailable { looked_for }),
        };
        Ok(Speech { voice, cache: Mutex::new(Cache::default()) })
    }

    /// The voice's name for reports: `espeak` or `synthetic`.
    pub(crate) fn voice_name(&self) -> &'static str {
        match self.voice {
            Resolved::Synthetic => "synthetic",
            Resolved::Espeak(_) => "espeak",
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached speech for `text`, if any; marks it recently used.
    pub(crate) fn cached(&self, text: &str) -> Option<Arc<[i16]>> {
        let key = (self.voice.clone(), text.to_owned());
        let mut cache = self.cache();
        let found = cache.map.get(&key).cloned()?;
        if let Some(at) = cache.order.iter().position(|k| *k == key) {
            cache.order.remove(at);
        }
        cache.order.push_back(key);
        Some(found)
    }

    /// 24 kHz PCM16 speech for `text`, from the cache or generated now. Blocking: espeak-ng runs as a child
    /// process; call it off the async runtime's worker threads.
    pub(crate) fn synthesize(&self, text: &str) -> Arc<[i16]> {
        if let Some(found) = self.cached(text) {
            return found;
        }
        let samples: Arc<[i16]> = match &self.voice {
            Resolved::Synthetic => synthetic(text).into(),
            Resolved::Espeak(binary) => match espeak::speak(binary, text, OUTPUT_RATE_HZ) {
                Ok(samples) => samples.into(),
                Err(err) => {
                    tracing::warn!(error = %err, "espeak-ng failed; speaking with the synthetic voice");
                    synthetic(text).into()
                }
            },
        };
        self.store(text, samples.clone());
        samples
    }

    fn store(&self, text: &str, samples: Arc<[i16]>) {
        if samples.len() > CACHE_SAMPLES {
            return;
        }
        let key = (self.voice.clone(), text.to_owned());
        let mut cache = self.cache();
        if let Some(old) = cache.map.insert(key.clone(), samples.clone()) {
            cache.samples -= old.len();
            cache.order.retain(|k| *k != key);
        }
        cache.samples += samples.len();
        cache.order.push_back(key);
        while cache.order.len() > CACHE_ENTRIES || cache.samples > CACHE_SAMPLES {
            let Some(oldest) = cache.order.pop_front() else { break };
            if let Some(evicted) = cache.map.remove(&oldest) {
                cache.samples -= evicted.len();
            }
        }
    }

    #[cfg(test)]
    fn cached_texts(&self) -> usize {
        self.cache().map.len()
    }
}

/// Model speech cut for sending: 24 kHz chunks, the words spoken in each, and the gap between chunks.
#[derive(Debug)]
pub(crate) struct Spoken {
    /// PCM16 chunks of `AudioConfig::chunk_ms` each (the last may be shorter).
    pub(crate) chunks: Vec<Vec<i16>>,
    /// One transcript piece per chunk, possibly empty (see [`word_pieces`]).
    pub(crate) pieces: Vec<String>,
    /// The pause between chunks for the configured pace.
    pub(crate) gap: Duration,
}

/// `samples` spoken for `text`, cut and paced as `audio` says.
pub(crate) fn spoken(text: &str, samples: &[i16], audio: &AudioConfig) -> Spoken {
    let chunk = (OUTPUT_RATE_HZ * audio.chunk_ms.max(10) / 1000) as usize;
    let chunks: Vec<Vec<i16>> = samples.chunks(chunk).map(<[i16]>::to_vec).collect();
    let pieces = word_pieces(text, chunks.len());
    Spoken { chunks, pieces, gap: pace_gap(audio.chunk_ms, audio.pace) }
}

/// The gap between audio chunks of `chunk_ms` sent at `pace` times real time (0: no gap).
pub(crate) fn pace_gap(chunk_ms: u32, pace: f64) -> Duration {
    if pace <= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(f64::from(chunk_ms) / 1000.0 / pace) }
}

/// A clearly synthetic voiced signal with speech-like timing.
pub(crate) fn synthetic(text: &str) -> Vec<i16> {
    let per_char = (OUTPUT_RATE_HZ * MS_PER_CHAR / 1000) as usize;
    let mut out = Vec::with_capacity(per_char * text.chars().count().max(1));
    let mut n: usize = 0;
    for ch in text.chars() {
        for i in 0..per_char {
            let sample = if ch.is_whitespace() {
                0.0
            } else {
                let t = n as f64 / f64::from(OUTPUT_RATE_HZ);
                let envelope = (std::f64::consts::PI * i as f64 / per_char as f64).sin();
                let buzz: f64 = (1..=5)
                    .map(|h| (2.0 * std::f64::consts::PI * 120.0 * f64::from(h) * t).sin() / f64::from(h))
                    .sum::<f64>()
                    / 1.7;
                PEAK * envelope * buzz
            };
            out.push((sample.clamp(-1.0, 1.0) * 32767.0) as i16);
            n += 1;
        }
    }
    out
}

/// Splits `text` into whole-word pieces for `pieces` chunks: piece `i` holds the words that start in it,
/// each word after the first with its leading space, so the pieces concatenate back to the words joined
/// by single spaces.
pub(crate) fn word_pieces(text: &str, pieces: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let pieces = pieces.max(1);
    let mut out = vec![String::new(); pieces];
    for (i, word) in words.iter().enumerate() {
        let slot = i * pieces / words.len().max(1);
        if i > 0 {
            out[slot].push(' ');
        }
        out[slot].push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::level_dbfs;

    fn pinned(voice: Voice, binary: Option<&str>) -> Result<Speech> {
        Speech::new(&AudioConfig {
            voice,
            espeak_binary: binary.map(PathBuf::from),
            ..AudioConfig::default()
        })
    }

    #[test]
    fn synthetic_speech_is_about_70_ms_per_character_and_loud_enough() {
        let samples = synthetic("Hello there");
        assert_eq!(samples.len(), 11 * 24 * 70);
        let peak = samples.iter().map(|s| i32::from(*s).abs()).max().unwrap();
        let peak_dbfs = level_dbfs(f64::from(peak) / 32768.0);
        assert!((-16.0..=-10.0).contains(&peak_dbfs), "{peak_dbfs}");
    }

    #[test]
    fn pacing_divides_chunk_time_by_the_pace() {
        assert_eq!(pace_gap(80, 4.0), Duration::from_millis(20));
        assert_eq!(pace_gap(80, 0.0), Duration::ZERO);
        let spoken = spoken("Hi there", &synthetic("Hi there"), &AudioConfig::default());
        assert_eq!(spoken.chunks.len(), spoken.pieces.len());
        assert_eq!(spoken.pieces.concat(), "Hi there");
    }

    #[test]
    fn word_pieces_keep_whole_words_and_join_back() {
        let pieces = word_pieces("It is noon in Paris.", 3);
        assert_eq!(pieces.concat(), "It is noon in Paris.");
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| !p.ends_with(' ')));
        assert_eq!(word_pieces("one", 4).concat(), "one");
    }

    #[test]
    fn a_pinned_espeak_that_is_missing_is_an_error_and_auto_falls_back_to_synthetic() {
        let missing = "/nonexistent/espeak-ng";
        let err = pinned(Voice::Espeak, Some(missing)).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::EspeakUnavailable { .. }), "{text}");
        assert!(text.contains(missing) && text.contains("apt-get install espeak-ng"), "{text}");
        assert_eq!(pinned(Voice::Auto, Some(missing)).unwrap().voice, Resolved::Synthetic);
        assert_eq!(pinned(Voice::Synthetic, None).unwrap().voice_name(), "synthetic");
    }

    #[test]
    fn speech_is_cached_by_text_and_the_cache_is_bounded() {
        let speech = pinned(Voice::Synthetic, None).unwrap();
        assert!(speech.cached("Hello.").is_none());
        let first = speech.synthesize("Hello.");
        assert!(Arc::ptr_eq(&first, &speech.cached("Hello.").unwrap()));
        for n in 0..CACHE_ENTRIES + 5 {
            speech.store(&format!("text {n}"), Arc::from(vec![0i16; 10]));
        }
        assert_eq!(speech.cached_texts(), CACHE_ENTRIES);
        assert!(speech.cached("Hello.").is_none(), "the least recently used entry goes first");
        speech.store("long", Arc::from(vec![0i16; CACHE_SAMPLES - 10]));
        assert!(speech.cache().samples <= CACHE_SAMPLES);
        assert!(speech.cached("long").is_some());
    }
}
