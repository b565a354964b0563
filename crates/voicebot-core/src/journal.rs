//! The event journal: a JSON-lines record of every state change, tool call, handoff, reconnect and latency mark,
//! each stamped with monotonic milliseconds since the pipeline started.
//!
//! Pipelines emit [`Entry`] values; a [`Journal`] stamps them and hands them to its sinks: a JSON-lines file
//! (`--events PATH`), an in-memory log for tests, and a bounded channel the CLI reads to print its timeline.
//! Writing never blocks a pipeline on disk: the file is written by a dedicated thread behind a bounded queue.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

/// Lines the file writer may hold before new lines are counted as dropped.
const FILE_QUEUE: usize = 4096;

/// One thing worth recording. Serialized with a `kind` tag; the CLI prints [`Entry::summary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Entry {
    /// A pipeline started.
    Started {
        /// `handoff` or `direct`.
        pipeline: String,
    },
    /// A session connected.
    SessionOpened {
        /// `main`, `reader`, `direct`.
        role: String,
        /// The pipeline's number for this session.
        generation: u64,
        /// `openai` or `gemini`.
        provider: String,
    },
    /// A session closed.
    SessionClosed {
        /// `main`, `reader`, `direct`.
        role: String,
        /// The pipeline's number for this session.
        generation: u64,
        /// Why, when it was not a clean close.
        error: Option<String>,
    },
    /// The pipeline changed state.
    State {
        /// The new state.
        state: String,
    },
    /// The user's words, as transcribed.
    Heard {
        /// The transcript.
        text: String,
    },
    /// The assistant's words, as transcribed from its audio.
    Said {
        /// The transcript.
        text: String,
        /// Whether the user interrupted it.
        interrupted: bool,
    },
    /// A tool call arrived.
    ToolCall {
        /// The call id.
        call_id: String,
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
    },
    /// A tool call finished.
    ToolResult {
        /// The call id.
        call_id: String,
        /// The tool.
        name: String,
        /// What it returned (or the error payload).
        output: Value,
        /// How long it took.
        elapsed_ms: u64,
    },
    /// The brain was asked.
    BrainAsked {
        /// The query.
        query: String,
    },
    /// The brain answered.
    BrainAnswered {
        /// The words of the script.
        words: usize,
        /// How long it took.
        elapsed_ms: u64,
        /// Why it failed, if it did (the reader then apologizes).
        error: Option<String>,
        /// Failed attempts retried before the answer (a 429, a 5xx, a dropped connection).
        retries: u32,
    },
    /// The reader was given a script.
    ReaderStarted {
        /// The script.
        script: String,
    },
    /// The reader finished speaking.
    ReaderFinished {
        /// Word error rate of the reader's transcript against the script (0 is verbatim).
        word_error_rate: f64,
        /// The reader's own transcript.
        transcript: String,
    },
    /// The main session was replaced by a clean one.
    MainReplaced {
        /// The old session's number.
        from: u64,
        /// The new session's number.
        to: u64,
        /// Why: `after_narration`, `watchdog`, `failed`.
        reason: String,
    },
    /// A session's connection failed, or could not be made, and the transport will try again.
    Reconnecting {
        /// `main`, `reader`, `direct`.
        role: String,
        /// The pipeline's number for this session.
        generation: u64,
        /// The attempt about to be made (1 for the first retry).
        attempt: u32,
        /// How long the transport waits before it.
        delay_ms: u64,
        /// What failed.
        error: String,
    },
    /// A session reconnected under the pipeline.
    Reconnected {
        /// `main`, `reader`, `direct`.
        role: String,
        /// Whether server context survived.
        resumed: bool,
    },
    /// Barge-in: the user spoke over the assistant.
    BargeIn {
        /// The assistant item.
        item_id: Option<String>,
        /// How much of it had been played.
        played_ms: u64,
    },
    /// A summary replaced old turns.
    Summarized {
        /// Turns folded into the summary.
        turns: usize,
        /// Server items deleted.
        deleted: usize,
    },
    /// A latency figure.
    Latency {
        /// What was measured (`brain`, `first_audio`, `deaf_window`, ...).
        what: String,
        /// Milliseconds.
        ms: u64,
    },
    /// The microphone delivered no frame, or the speaker played nothing of the audio waiting, for a while.
    DeviceStalled {
        /// `microphone` or `speaker`.
        device: String,
        /// How long it had made no progress.
        silent_ms: u64,
    },
    /// A stalled device works again.
    DeviceRecovered {
        /// `microphone` or `speaker`.
        device: String,
        /// How long it made no progress, in all.
        after_ms: u64,
    },
    /// A device's stream failed or was opened again (the counts so far).
    DeviceStream {
        /// `speaker`.
        device: String,
        /// Errors its streams reported.
        stream_errors: u64,
        /// Streams opened again after one failed.
        reopens: u64,
        /// Whether a stream is open now.
        open: bool,
    },
    /// Something went wrong but the pipeline carried on.
    Warning {
        /// What.
        message: String,
    },
    /// The pipeline stopped because of a failure it cannot recover from (the app prints it as its error line).
    Failed {
        /// The failure, as one line.
        message: String,
        /// Whether a setting must change (exit code 2) rather than the network or the service recover.
        permanent: bool,
    },
}

impl Entry {
    /// One short human line for the CLI's timeline.
    pub fn summary(&self) -> String {
        match self {
            Entry::Started { pipeline } => format!("{pipeline} assistant started"),
            Entry::SessionOpened { role, generation, provider } => {
                format!("{role} session #{generation} open ({provider})")
            }
            Entry::SessionClosed { role, generation, error: None } => {
                format!("{role} session #{generation} closed")
            }
            Entry::SessionClosed { role, generation, error: Some(error) } => {
                format!("{role} session #{generation} ended: {error}")
            }
            Entry::State { state } => format!("state: {state}"),
            Entry::Heard { text } => format!("heard: \"{text}\""),
            Entry::Said { text, interrupted: false } => format!("said: \"{text}\""),
            Entry::Said { text, interrupted: true } => format!("said (interrupted): \"{text}\""),
            Entry::ToolCall { name, arguments, .. } => format!("tool: {name}({arguments})"),
            Entry::ToolResult { name, output, elapsed_ms, .. } => {
                format!("tool result: {name} -> {} ({elapsed_ms} ms)", shorten(&output.to_string(), 72))
            }
            Entry::BrainAsked { query } => format!("brain: asked \"{query}\""),
            Entry::BrainAnswered { words, elapsed_ms, error: None, retries: 0 } => {
                format!("brain: answered, {words} words ({elapsed_ms} ms)")
            }
            Entry::BrainAnswered { words, elapsed_ms, error: None, retries } => {
                format!("brain: answered, {words} words ({elapsed_ms} ms, after {retries} retried attempts)")
            }
            Entry::BrainAnswered { error: Some(error), elapsed_ms, .. } => {
                format!("brain: failed after {elapsed_ms} ms: {error}")
            }
            Entry::ReaderStarted { script } => format!("reader: reading \"{}\"", shorten(script, 60)),
            Entry::ReaderFinished { word_error_rate, .. } => {
                format!("reader: finished (word error rate {:.1} %)", word_error_rate * 100.0)
            }
            Entry::MainReplaced { from, to, reason } => format!("main replaced: #{from} -> #{to} ({reason})"),
            Entry::Reconnecting { role, generation, attempt, delay_ms, error } => format!(
                "{role} session #{generation}: {}; reconnecting in {:.1} s (attempt {attempt})",
                shorten(error, 120),
                *delay_ms as f64 / 1000.0
            ),
            Entry::Reconnected { role, resumed } => {
                format!("{role} reconnected ({})", if *resumed { "resumed" } else { "fresh context" })
            }
            Entry::BargeIn { played_ms, .. } => format!("barge-in after {played_ms} ms of playback"),
            Entry::Summarized { turns, deleted } => {
                format!("summarized {turns} turns, deleted {deleted} items")
            }
            Entry::Latency { what, ms } => format!("latency {what}: {ms} ms"),
            Entry::DeviceStalled { device, silent_ms } => {
                format!("{device} stalled: no progress for {:.1} s", *silent_ms as f64 / 1000.0)
            }
            Entry::DeviceRecovered { device, after_ms } => {
                format!("{device} works again after {:.1} s", *after_ms as f64 / 1000.0)
            }
            Entry::DeviceStream { device, stream_errors, reopens, open } => format!(
                "{device} stream: {stream_errors} errors, reopened {reopens} times, {}",
                if *open { "playing" } else { "closed" }
            ),
            Entry::Warning { message } => format!("warning: {message}"),
            Entry::Failed { message, .. } => format!("failed: {message}"),
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// An entry with its time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamped {
    /// Milliseconds since the journal started (monotonic clock), with microsecond precision.
    pub t_ms: f64,
    /// The entry.
    #[serde(flatten)]
    pub entry: Entry,
}

/// Where the journal writes. Cheap to clone; every clone writes to the same sinks with the same clock.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    start: Instant,
    file: Option<SyncSender<String>>,
    writer: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    memory: Option<Mutex<Vec<Stamped>>>,
    live: Option<tokio::sync::mpsc::Sender<Stamped>>,
    dropped: std::sync::atomic::AtomicU64,
}

impl Journal {
    /// A journal that records nothing (still keeps time).
    pub fn disabled() -> Journal {
        Journal::build(None, None, false, None)
    }

    /// A journal kept in memory, for tests ([`Journal::entries`]).
    pub fn in_memory() -> Journal {
        Journal::build(None, None, true, None)
    }

    /// A journal written as JSON lines to `path` (created or truncated), optionally also sent to `live`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn to_file(
        path: &Path,
        live: Option<tokio::sync::mpsc::Sender<Stamped>>,
    ) -> std::io::Result<Journal> {
        let file = File::create(path)?;
        let (tx, rx) = sync_channel(FILE_QUEUE);
        let writer = std::thread::Builder::new()
            .name("voicebot-journal".to_owned())
            .spawn(move || write_lines(file, &rx))?;
        Ok(Journal::build(Some(tx), Some(writer), false, live))
    }

    /// A journal that only feeds `live` (the CLI's timeline). It keeps nothing itself, so a long run does not
    /// grow it.
    pub fn live(live: tokio::sync::mpsc::Sender<Stamped>) -> Journal {
        Journal::build(None, None, false, Some(live))
    }

    fn build(
        file: Option<SyncSender<String>>,
        writer: Option<JoinHandle<std::io::Result<()>>>,
        memory: bool,
        live: Option<tokio::sync::mpsc::Sender<Stamped>>,
    ) -> Journal {
        Journal {
            inner: Arc::new(Inner {
                start: Instant::now(),
                file,
                writer: Mutex::new(writer),
                memory: memory.then(|| Mutex::new(Vec::new())),
                live,
                dropped: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Time since the journal started.
    pub fn elapsed(&self) -> Duration {
        self.inner.start.elapsed()
    }

    /// Records `entry` now. Never blocks: when a sink is full the line is counted in [`Journal::dropped`].
    pub fn record(&self, entry: Entry) {
        let stamped = Stamped { t_ms: self.elapsed().as_secs_f64() * 1000.0, entry };
        tracing::debug!(t_ms = stamped.t_ms, "{}", stamped.entry.summary());
        if let Some(file) = &self.inner.file {
            match serde_json::to_string(&stamped) {
                Ok(line) => {
                    if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = file.try_send(line) {
                        self.count_drop();
                    }
                }
                Err(_) => self.count_drop(),
            }
        }
        if let Some(live) = &self.inner.live
            && live.try_send(stamped.clone()).is_err()
        {
            self.count_drop();
        }
        if let Some(memory) = &self.inner.memory {
            memory.lock().unwrap_or_else(PoisonError::into_inner).push(stamped);
        }
    }

    fn count_drop(&self) {
        self.inner.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Lines that could not be written or delivered.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What an in-memory journal holds (empty otherwise).
    pub fn entries(&self) -> Vec<Stamped> {
        self.inner
            .memory
            .as_ref()
            .map(|memory| memory.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .unwrap_or_default()
    }

    /// Flushes and closes the file, waiting for the writer. Later records to the file are counted as dropped.
    ///
    /// # Errors
    /// The file could not be written.
    pub fn finish(&self) -> std::io::Result<()> {
        let writer = self.inner.writer.lock().unwrap_or_else(PoisonError::into_inner).take();
        // The writer ends when every sender is gone; ours is the last one the journal holds, so send an end marker.
        if let Some(file) = &self.inner.file {
            let _ = file.send(String::new());
        }
        match writer {
            Some(handle) => {
                handle.join().unwrap_or_else(|_| Err(std::io::Error::other("journal writer panicked")))
            }
            None => Ok(()),
        }
    }
}

/// The writer thread: one line per entry until the empty end marker or every sender is gone.
fn write_lines(file: File, lines: &Receiver<String>) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    while let Ok(line) = lines.recv() {
        if line.is_empty() {
            break;
        }
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_json_lines_with_a_kind_and_a_time() {
        let dir = std::env::temp_dir().join(format!("voicebot-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        let journal = Journal::to_file(&path, None).unwrap();
        journal.record(Entry::Started { pipeline: "handoff".into() });
        journal.record(Entry::Heard { text: "computer, what time is it?".into() });
        journal.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["kind"], "started");
        assert_eq!(lines[1]["kind"], "heard");
        assert_eq!(lines[1]["text"], "computer, what time is it?");
        assert!(lines[0]["t_ms"].as_f64().unwrap() <= lines[1]["t_ms"].as_f64().unwrap());
        assert_eq!(journal.dropped(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn summaries_are_one_line() {
        let entry = Entry::MainReplaced { from: 1, to: 2, reason: "after_narration".into() };
        assert_eq!(entry.summary(), "main replaced: #1 -> #2 (after_narration)");
        let long = Entry::ReaderStarted { script: "word ".repeat(40) };
        assert!(long.summary().ends_with("...\""));
    }
}
