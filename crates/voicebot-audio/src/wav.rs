//! [`WavSource`]: a WAV file as a microphone, and [`read_wav`] (a file) or [`read_wav_from`] (any reader) to decode
//! any WAV to mono `f32`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::{Error, Result};
use crate::frame::{AudioFrame, Pacing, samples_to_duration};
use crate::resample::Resampler;
use crate::source::{
    AudioSource, BoxFuture, FrameReceiver, FrameSender, MicConfig, SourceStats, frame_queue,
};

/// Mono audio decoded from a WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct WavAudio {
    /// Mono samples (channels averaged) in `[-1.0, 1.0]`.
    pub samples: Vec<f32>,
    /// The file's sample rate.
    pub rate_hz: u32,
    /// The file's channel count.
    pub channels: u16,
}

/// Reads a WAV file: integer PCM of 8 to 32 bits or 32-bit float, any channel count and rate, averaged to mono.
pub fn read_wav(path: impl AsRef<Path>) -> Result<WavAudio> {
    let path = path.as_ref();
    let wav_error = |source| Error::Wav { path: path.to_path_buf(), source };
    // What `hound::WavReader::open` does, so the errors are the same as before `read_wav_from` existed.
    let file = File::open(path).map_err(|err| wav_error(hound::Error::IoError(err)))?;
    decode_wav(BufReader::new(file)).map_err(wav_error)
}

/// Reads WAV data from any reader (the bytes of a file, a network body), as [`read_wav`] reads a file.
///
/// # Errors
/// [`Error::WavData`] when the data is not a WAV file this function can read.
pub fn read_wav_from(reader: impl Read) -> Result<WavAudio> {
    decode_wav(reader).map_err(|source| Error::WavData { source })
}

/// The body of [`read_wav`] and [`read_wav_from`].
fn decode_wav(reader: impl Read) -> Result<WavAudio, hound::Error> {
    let mut reader = hound::WavReader::new(reader)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    if channels == 0 || spec.sample_rate == 0 {
        return Err(hound::Error::FormatError("zero channels or zero sample rate"));
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1_u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f64;
            reader
                .samples::<i32>()
                .map(|sample| sample.map(|value| (f64::from(value) * scale) as f32))
                .collect::<Result<_, _>>()?
        }
    };
    let scale = 1.0 / channels as f32;
    let samples = interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() * scale).collect();
    Ok(WavAudio { samples, rate_hz: spec.sample_rate, channels: spec.channels })
}

/// What a [`WavSource`] does after the file's last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AfterEnd {
    /// Keep producing silent frames in real time, like a live microphone in a quiet room.
    #[default]
    Silence,
    /// Stop: [`AudioSource::next_frame`] returns `None` once the queue is empty.
    Close,
}

/// A WAV file played as a microphone: mono PCM16 frames at the requested rate.
///
/// The file is decoded and resampled when it is opened (on the caller's thread); a task then delivers one frame
/// per chunk of tokio time ([`Pacing::RealTime`]: frame `n` is ready at `(n + 1) * chunk`, as a device delivers
/// it once captured), or as fast as the reader takes them ([`Pacing::Fast`]). After the last frame of the file,
/// [`ended`](WavSource::ended) resolves and the source goes on with [`AfterEnd`] (silence is always paced in
/// real time, so a fast test does not spin). The last frame of the file is padded with silence.
#[derive(Debug)]
pub struct WavSource {
    frames: FrameReceiver,
    ended: watch::Receiver<bool>,
    duration: Duration,
    path: PathBuf,
    _stop: DropGuard,
}

impl WavSource {
    /// Opens `path` and starts delivering frames; needs a tokio runtime.
    pub fn open(
        path: impl AsRef<Path>,
        config: MicConfig,
        pacing: Pacing,
        after_end: AfterEnd,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let audio = read_wav(&path)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let samples = resample_all(&audio.samples, audio.rate_hz, config.rate_hz)?;
        let duration = samples_to_duration(samples.len() as u64, config.rate_hz);
        let (sender, frames) = frame_queue(config)?;
        let (ended_tx, ended) = watch::channel(false);
        let stop = CancellationToken::new();
        let feeder = Feeder { sender, samples, chunk: config.chunk, ended: ended_tx, stop: stop.clone() };
        runtime.spawn(feeder.run(pacing, after_end));
        Ok(Self { frames, ended, duration, path, _stop: stop.drop_guard() })
    }

    /// The file's length at the requested rate.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The file being played.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file's last frame has been delivered.
    pub fn is_ended(&self) -> bool {
        *self.ended.borrow()
    }

    /// Resolves once the file's last frame has been delivered (at once if it already was).
    pub fn ended(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut ended = self.ended.clone();
        async move {
            let _closed = ended.wait_for(|ended| *ended).await;
        }
    }
}

impl AudioSource for WavSource {
    fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>> {
        self.frames.next_frame()
    }

    fn config(&self) -> MicConfig {
        self.frames.config
    }

    fn stats(&self) -> SourceStats {
        self.frames.stats()
    }
}

/// The whole file at the requested rate, aligned (the filter delay removed) and exactly as long as it should be.
fn resample_all(samples: &[f32], from_hz: u32, to_hz: u32) -> Result<Vec<f32>> {
    let mut resampler = Resampler::new(from_hz, to_hz)?;
    let delay = resampler.output_delay();
    let mut out = Vec::with_capacity(delay + samples.len() * to_hz as usize / from_hz as usize + 1);
    resampler.process(samples, &mut out)?;
    resampler.flush(&mut out)?;
    out.drain(..delay.min(out.len()));
    Ok(out)
}

struct Feeder {
    sender: FrameSender,
    samples: Vec<f32>,
    chunk: Duration,
    ended: watch::Sender<bool>,
    stop: CancellationToken,
}

impl Feeder {
    async fn run(mut self, pacing: Pacing, after_end: AfterEnd) {
        let chunk_samples = self.sender.chunk_samples();
        let samples = std::mem::take(&mut self.samples);
        let mut start = Instant::now();
        let mut index: u32 = 0;
        for frame in samples.chunks(chunk_samples) {
            index += 1;
            let open = match pacing {
                Pacing::RealTime => {
                    self.wait_until(start + self.chunk * index).await && self.sender.send_now(frame)
                }
                Pacing::Fast => tokio::select! {
                    () = self.stop.cancelled() => false,
                    sent = self.sender.send_wait(frame) => sent,
                },
            };
            if !open {
                return;
            }
        }
        self.ended.send_replace(true);
        if after_end == AfterEnd::Close {
            return;
        }
        let silence = vec![0.0; chunk_samples];
        if pacing == Pacing::Fast {
            start = Instant::now();
            index = 0;
        }
        loop {
            index = index.saturating_add(1);
            if !(self.wait_until(start + self.chunk * index).await && self.sender.send_now(&silence)) {
                return;
            }
        }
    }

    /// Sleeps until `deadline`; false if the source was dropped meanwhile.
    async fn wait_until(&self, deadline: Instant) -> bool {
        tokio::select! {
            () = self.stop.cancelled() => false,
            () = self.sender.closed() => false,
            () = tokio::time::sleep_until(deadline) => true,
        }
    }
}
