//! `voicebot run` and `voicebot demo`: audio in and out, the journal, Ctrl-C, and the printed timeline.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;
use voicebot_core::audio::{
    AfterEnd, AudioSink, AudioSource, ClockConfig, Pacing, SpeakerConfig, WavSink, WavSource,
};
use voicebot_core::config::{Config, PipelineKind};
use voicebot_core::journal::{Entry, Journal, Stamped};
use voicebot_core::{PipelineError, assemble};

use crate::Failure;

/// Output rate of both providers: what the WAV sink writes.
const SPEAKER_RATE_HZ: u32 = 24_000;
/// Timeline lines waiting for the printer.
const TIMELINE_QUEUE: usize = 1024;

/// Where audio comes from and goes, and what to record.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunIo {
    pub(crate) input_wav: Option<PathBuf>,
    pub(crate) output_wav: Option<PathBuf>,
    pub(crate) events: Option<PathBuf>,
    pub(crate) max_turns: Option<u32>,
    /// Print the timeline to stdout as it happens.
    pub(crate) timeline: bool,
}

/// What a run did, for the demo's summary.
#[derive(Debug, Default)]
pub(crate) struct RunReport {
    pub(crate) turns: u32,
    /// Journal entries that could not be written (the disk or the timeline fell behind).
    pub(crate) journal_dropped: u64,
    /// Latency and reader entries of the journal, in order.
    pub(crate) entries: Vec<Stamped>,
}

/// Runs the configured pipeline until `--max-turns`, Ctrl-C or an error.
pub(crate) async fn run(config: &Config, io: RunIo) -> Result<RunReport, Failure> {
    let (live_tx, live_rx) = tokio::sync::mpsc::channel(TIMELINE_QUEUE);
    let journal = match &io.events {
        Some(path) => Journal::to_file(path, Some(live_tx))
            .map_err(|err| Failure::Usage(format!("cannot write the journal {}: {err}", path.display())))?,
        None => Journal::live(live_tx),
    };
    let printer = tokio::spawn(print_timeline(live_rx, io.timeline));

    let mut mic = open_mic(config, io.input_wav.as_deref())?;
    let (speaker, wav) = open_speaker(config, io.output_wav.as_deref())?;

    let cancel = CancellationToken::new();
    let interrupts = tokio::spawn(watch_ctrl_c(cancel.clone()));
    let outcome = match config.pipeline {
        PipelineKind::Handoff => {
            let pipeline = assemble::handoff(config, journal.clone(), io.max_turns)
                .map_err(|err| Failure::Usage(err.to_string()))?;
            pipeline.run(mic.as_mut(), speaker.as_ref(), cancel.clone()).await.map(|done| done.narrations)
        }
        PipelineKind::Direct => {
            let pipeline = assemble::direct(config, journal.clone(), io.max_turns)
                .map_err(|err| Failure::Usage(err.to_string()))?;
            pipeline.run(mic.as_mut(), speaker.as_ref(), cancel.clone()).await.map(|done| done.turns)
        }
    };
    interrupts.abort();
    drop(mic);
    drop(speaker);
    if let Some(wav) = wav {
        wav.finish().await.map_err(|err| {
            Failure::Runtime(anyhow::Error::new(err).context("cannot finish the output WAV"))
        })?;
    }
    journal
        .finish()
        .map_err(|err| Failure::Runtime(anyhow::Error::new(err).context("cannot write the journal")))?;
    let journal_dropped = journal.dropped();
    if journal_dropped > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "warning: {journal_dropped} journal entries were dropped because the journal file or the timeline fell behind"
        );
    }
    drop(journal);
    let entries = printer.await.unwrap_or_default();
    let turns = outcome.map_err(|err: PipelineError| {
        // A refused key, an unknown model, an untrusted certificate: a setting to fix, like any bad input.
        if err.is_permanent() {
            Failure::Usage(err.to_string())
        } else {
            Failure::Runtime(anyhow::Error::new(err))
        }
    })?;
    Ok(RunReport { turns, journal_dropped, entries })
}

/// The microphone: `--input-wav` in real time then silence, or the default device with `--features device`.
fn open_mic(config: &Config, input_wav: Option<&Path>) -> Result<Box<dyn AudioSource>, Failure> {
    let mic = assemble::mic_config(config);
    match input_wav {
        Some(path) => WavSource::open(path, mic, Pacing::RealTime, AfterEnd::Silence)
            .map(|source| Box::new(source) as Box<dyn AudioSource>)
            .map_err(|err| Failure::Usage(format!("{err}; pass a readable WAV file to --input-wav"))),
        None => device_mic(config, mic),
    }
}

/// The speaker: `--output-wav`, or the default device with `--features device`.
fn open_speaker(
    config: &Config,
    output_wav: Option<&Path>,
) -> Result<(Box<dyn AudioSink>, Option<WavSink>), Failure> {
    match output_wav {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|err| {
                    Failure::Usage(format!(
                        "cannot create {}: {err}; choose another --output-wav",
                        parent.display()
                    ))
                })?;
            }
            let sink = WavSink::create(
                path,
                &SpeakerConfig::new(SPEAKER_RATE_HZ),
                ClockConfig::new(SPEAKER_RATE_HZ),
            )
            .map_err(|err| Failure::Usage(format!("{err}; choose a writable --output-wav path")))?;
            let shared = sink.shared();
            Ok((Box::new(shared), Some(sink)))
        }
        None => device_speaker(config),
    }
}

#[cfg(feature = "device")]
fn device_mic(
    config: &Config,
    mic: voicebot_core::audio::MicConfig,
) -> Result<Box<dyn AudioSource>, Failure> {
    voicebot_core::audio::device::CpalSource::open(config.audio.input_device_id.as_deref(), mic)
        .map(|source| Box::new(source) as Box<dyn AudioSource>)
        .map_err(|err| Failure::Usage(err.to_string()))
}

#[cfg(not(feature = "device"))]
fn device_mic(
    _config: &Config,
    _mic: voicebot_core::audio::MicConfig,
) -> Result<Box<dyn AudioSource>, Failure> {
    Err(Failure::Usage(
        "no microphone: pass --input-wav PATH, or rebuild with `--features device` to use the sound card"
            .to_owned(),
    ))
}

#[cfg(feature = "device")]
fn device_speaker(config: &Config) -> Result<(Box<dyn AudioSink>, Option<WavSink>), Failure> {
    let speaker = SpeakerConfig::new(SPEAKER_RATE_HZ);
    voicebot_core::audio::device::CpalSink::open(config.audio.output_device_id.as_deref(), &speaker)
        .map(|sink| (Box::new(sink) as Box<dyn AudioSink>, None))
        .map_err(|err| Failure::Usage(err.to_string()))
}

#[cfg(not(feature = "device"))]
fn device_speaker(_config: &Config) -> Result<(Box<dyn AudioSink>, Option<WavSink>), Failure> {
    Err(Failure::Usage(
        "no speaker: pass --output-wav PATH, or rebuild with `--features device` to use the sound card"
            .to_owned(),
    ))
}

/// First Ctrl-C: stop cleanly (sessions closed with 1000, WAV and journal flushed). Second: exit at once.
async fn watch_ctrl_c(cancel: CancellationToken) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    let _ = writeln!(std::io::stderr(), "stopping (Ctrl-C again to force)");
    cancel.cancel();
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(130);
    }
}

/// Prints each journal entry as a timeline line (seconds since start, then the summary); returns the figures
/// (latencies and reader checks) for the run's summary.
async fn print_timeline(mut entries: tokio::sync::mpsc::Receiver<Stamped>, print: bool) -> Vec<Stamped> {
    let mut figures = Vec::new();
    while let Some(stamped) = entries.recv().await {
        if print && shown(&stamped.entry) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{:7.2} s  {}", stamped.t_ms / 1000.0, stamped.entry.summary());
        }
        if matches!(stamped.entry, Entry::Latency { .. } | Entry::ReaderFinished { .. }) {
            figures.push(stamped);
        }
    }
    figures
}

/// The entries a person wants to see in the timeline (latencies go to the summary; the failure that ends a run
/// is the app's one error line on stderr).
fn shown(entry: &Entry) -> bool {
    !matches!(
        entry,
        Entry::Latency { .. }
            | Entry::State { .. }
            | Entry::SessionClosed { error: None, .. }
            | Entry::Failed { .. }
    )
}
