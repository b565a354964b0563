//! The handoff assistant (design.md §1, §4): a main session that hears the wake phrase and calls one tool, a
//! text brain, and a reader that speaks the answer verbatim.
//!
//! [`HandoffPipeline::run`] is the actor: one `select!` loop over the microphone, the sessions' events, tool
//! completions and brain answers, driving the pure [`machine`]. The main session's audio is never played; while
//! the reader speaks the microphone is drained, not uploaded; the replacement main session is opened while the
//! reader speaks and receives the very next microphone frame after the reader's turn ends.

pub(crate) mod machine;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use voicebot_audio::{AudioSink, AudioSource};
use voicebot_tools::{Runner, RunnerConfig, ToolCall, ToolRegistry};
use voicebot_transport::{Failure, RealtimeEvent, RealtimeTransport, SessionConfig};

use self::machine::{Command, Input, Machine};
use crate::brain::{Brain, Script};
use crate::error::{PipelineError, failed};
use crate::health::{CHECK_EVERY, Health};
use crate::journal::{Entry, Journal};
use crate::sessions::{Note, Sessions};
use crate::watchdog::Watchdog;

/// Word error rate of the reader's transcript above which a narration is reported as not verbatim.
pub const DEFAULT_WER_WARNING: f64 = 0.25;

/// Everything the handoff assistant needs besides audio.
#[derive(Debug)]
pub struct HandoffPipeline {
    /// Opens main sessions.
    pub main: Arc<dyn RealtimeTransport>,
    /// Configuration of every main session (instructions with the wake phrase, the tools).
    pub main_config: SessionConfig,
    /// Opens reader sessions.
    pub reader: Arc<dyn RealtimeTransport>,
    /// Configuration of every reader session (no tools, read-verbatim instructions).
    pub reader_config: SessionConfig,
    /// The brain behind `ask_brain`.
    pub brain: Brain,
    /// Local tools (`get_time`, file tools, `echo`).
    pub tools: Arc<ToolRegistry>,
    /// Where state changes, tool calls, handoffs and latencies are recorded.
    pub journal: Journal,
    /// Stop after this many narrations (`--max-turns`), once their audio has played.
    pub max_turns: Option<u32>,
    /// Recycle the main session when the mic carries speech but no transcript comes for this long.
    pub watchdog: Duration,
    /// Word error rate above which a narration is warned about.
    pub wer_warning: f64,
    /// How long a reader that has its script may go without sending audio (it cannot connect, or it stalled)
    /// before the answer is dropped and the assistant listens again.
    pub reader_timeout: Duration,
}

/// The default [`HandoffPipeline::reader_timeout`].
pub const DEFAULT_READER_TIMEOUT: Duration = Duration::from_secs(15);

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffOutcome {
    /// Narrations completed.
    pub narrations: u32,
    /// Main sessions opened (the first plus every replacement).
    pub main_sessions: u64,
}

impl HandoffPipeline {
    /// Runs until `cancel` fires or `max_turns` narrations have been played; closes every session (code 1000).
    ///
    /// # Errors
    /// [`PipelineError::Microphone`] when the microphone ends, and [`PipelineError::Failed`] when a session or
    /// the brain fails in a way retrying cannot fix (a refused key, an unknown model) or a session's reconnects
    /// give up. Transient failures are retried under the pipeline and journaled, never fatal.
    pub async fn run(
        self,
        mic: &mut dyn AudioSource,
        speaker: &dyn AudioSink,
        cancel: CancellationToken,
    ) -> Result<HandoffOutcome, PipelineError> {
        let mut actor = Actor::new(self, cancel.child_token());
        let result = actor.run(mic, speaker, &cancel).await;
        actor.shutdown().await;
        result
    }
}

struct Actor {
    pipeline: HandoffPipeline,
    machine: Machine,
    sessions: Sessions,
    notes: tokio::sync::mpsc::Receiver<Note>,
    runner: Runner,
    brain_tasks: JoinSet<(String, Result<Script, voicebot_transport::Error>)>,
    watchdog: Watchdog,
    /// When the current handoff started (the tool call), for the answer latency.
    handoff_started: Option<Instant>,
    /// When the reader's turn ended, until the replacement main gets its first frame (the deaf window).
    reader_ended: Option<Instant>,
    first_reader_audio: bool,
    main_sessions: u64,
    /// `main` or `reader`, by session number.
    roles: HashMap<u64, &'static str>,
    /// The newest microphone frame that was drained, and when it arrived.
    held: Option<(Instant, voicebot_audio::AudioFrame)>,
    /// The reader that has its script, and when it must have sent (more) audio.
    reader_deadline: Option<(u64, tokio::time::Instant)>,
    /// Why the run must stop, once a command said so.
    fatal: Option<PipelineError>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor").field("machine", &self.machine).finish_non_exhaustive()
    }
}

impl Actor {
    fn new(pipeline: HandoffPipeline, cancel: CancellationToken) -> Actor {
        let (sessions, notes) = Sessions::new(cancel.clone());
        let runner = Runner::new(Arc::clone(&pipeline.tools), RunnerConfig::default(), cancel);
        let watchdog = Watchdog::new(pipeline.watchdog);
        Actor {
            pipeline,
            machine: Machine::new(),
            sessions,
            notes,
            runner,
            brain_tasks: JoinSet::new(),
            watchdog,
            handoff_started: None,
            reader_ended: None,
            first_reader_audio: false,
            main_sessions: 0,
            roles: HashMap::new(),
            held: None,
            reader_deadline: None,
            fatal: None,
        }
    }

    async fn run(
        &mut self,
        mic: &mut dyn AudioSource,
        speaker: &dyn AudioSink,
        cancel: &CancellationToken,
    ) -> Result<HandoffOutcome, PipelineError> {
        self.pipeline.journal.record(Entry::Started { pipeline: "handoff".into() });
        let start = self.machine.start();
        self.apply(start, speaker).await;
        // Once `max_turns` narrations are done, keep listening until their audio has played.
        let mut finishing: Option<Pin<Box<dyn Future<Output = ()> + Send>>> = None;
        let mut health = Health::new();
        let mut checks = tokio::time::interval(CHECK_EVERY);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if finishing.is_none()
                && self.pipeline.max_turns.is_some_and(|max| self.machine.narrations() >= max)
            {
                finishing = Some(Box::pin(speaker.speaker().drained()));
            }
            let input = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                () = async { if let Some(done) = finishing.as_mut() { done.await } else { std::future::pending().await } } => break,
                note = self.notes.recv() => match note {
                    Some(note) => self.on_note(note),
                    None => continue,
                },
                frame = mic.next_frame() => {
                    let Some(frame) = frame else { return Err(PipelineError::Microphone) };
                    if let Some(entry) = health.frame() {
                        self.pipeline.journal.record(entry);
                    }
                    self.on_frame(&frame);
                    None
                }
                _ = checks.tick() => {
                    for entry in health.check(speaker) {
                        self.pipeline.journal.record(entry);
                    }
                    None
                }
                done = self.runner.next_completion() => {
                    self.pipeline.journal.record(Entry::ToolResult {
                        call_id: done.call_id.clone(),
                        name: done.name.clone(),
                        output: done.output.clone(),
                        elapsed_ms: millis(done.elapsed),
                    });
                    Some(Input::ToolDone { call_id: done.call_id, name: done.name, output: done.output })
                }
                Some(joined) = self.brain_tasks.join_next() => match joined {
                    Ok((call_id, result)) => Some(self.on_brain(call_id, result)),
                    Err(error) => {
                        self.pipeline.journal.record(Entry::Warning { message: format!("brain task failed: {error}") });
                        None
                    }
                },
                () = self.watchdog.fired() => Some(Input::Watchdog),
                generation = reader_stalled(self.reader_deadline) => Some(Input::ReaderStalled { generation }),
            };
            if let Some(input) = input {
                self.before_input(&input, speaker);
                let commands = self.machine.on_input(input);
                self.apply(commands, speaker).await;
                if let Some(error) = self.fatal.take() {
                    return Err(error);
                }
                self.send_held_frame();
            }
        }
        Ok(HandoffOutcome { narrations: self.machine.narrations(), main_sessions: self.main_sessions })
    }

    fn role(&self, generation: u64) -> &'static str {
        self.roles.get(&generation).copied().unwrap_or("main")
    }

    fn on_note(&mut self, note: Note) -> Option<Input> {
        match note {
            Note::Connected { generation, session, elapsed } => {
                let role = self.role(generation);
                if !self.machine.is_live(generation) {
                    // A session nobody wants any more (a cancelled reader): close it at once.
                    self.roles.remove(&generation);
                    self.sessions.adopt(generation, session);
                    self.sessions.close(generation);
                    return None;
                }
                if role == "main" {
                    self.main_sessions += 1;
                }
                self.pipeline.journal.record(Entry::SessionOpened {
                    role: role.into(),
                    generation,
                    provider: provider_name(session.provider()).into(),
                });
                self.pipeline
                    .journal
                    .record(Entry::Latency { what: format!("{role}_connect"), ms: millis(elapsed) });
                self.sessions.adopt(generation, session);
                Some(Input::Connected { generation })
            }
            Note::Failed { generation, error } => Some(Input::ConnectFailed { generation, error }),
            Note::Event { generation, event } => {
                if !self.machine.is_live(generation) {
                    return None;
                }
                if generation == self.machine.main_generation() {
                    match &event {
                        RealtimeEvent::InputTranscript { .. }
                        | RealtimeEvent::ToolCall { .. }
                        | RealtimeEvent::TurnComplete { .. } => self.watchdog.heard(),
                        _ => {}
                    }
                }
                Some(Input::Session { generation, event })
            }
        }
    }

    fn on_frame(&mut self, frame: &voicebot_audio::AudioFrame) {
        let Some(generation) = self.machine.mic_target() else {
            // Drained, not uploaded: the reader is speaking or a handoff is running. The newest frame is held,
            // so the replacement main session gets audio the moment the mic switches to it.
            self.watchdog.quiet();
            self.held = Some((Instant::now(), frame.clone()));
            return;
        };
        self.held = None;
        let Some(session) = self.sessions.get(generation) else { return };
        if session.send_audio(&frame.samples).is_err() {
            return;
        }
        if let Some(ended) = self.reader_ended.take() {
            self.pipeline
                .journal
                .record(Entry::Latency { what: "deaf_window".into(), ms: millis(ended.elapsed()) });
        }
        self.watchdog.frame(f64::from(frame.level().rms_dbfs));
    }

    /// Right after the mic switched to a new main session, uploads the frame captured during the last chunk
    /// instead of waiting up to a chunk for the next one: the deaf window shrinks to the time it takes to send.
    fn send_held_frame(&mut self) {
        if self.reader_ended.is_none() || self.machine.mic_target().is_none() {
            return;
        }
        if let Some((at, frame)) = self.held.take()
            && at.elapsed() <= frame.duration()
        {
            self.on_frame(&frame);
        }
    }

    fn on_brain(&mut self, call_id: String, result: Result<Script, voicebot_transport::Error>) -> Input {
        match result {
            Ok(script) => {
                self.pipeline
                    .journal
                    .record(Entry::Latency { what: "brain".into(), ms: millis(script.elapsed) });
                self.pipeline.journal.record(Entry::BrainAnswered {
                    words: script.text.split_whitespace().count(),
                    elapsed_ms: millis(script.elapsed),
                    error: None,
                    retries: script.retries,
                });
                Input::BrainDone { call_id, result: Ok(script.text) }
            }
            Err(error) => {
                let elapsed_ms = self.handoff_started.map_or(0, |t| millis(t.elapsed()));
                let failure = Failure::from(&error);
                self.pipeline.journal.record(Entry::BrainAnswered {
                    words: 0,
                    elapsed_ms,
                    error: Some(failure.message.clone()),
                    retries: 0,
                });
                Input::BrainDone { call_id, result: Err(failure) }
            }
        }
    }

    /// Bookkeeping the machine does not need: playback item ends and latency marks.
    fn before_input(&mut self, input: &Input, speaker: &dyn AudioSink) {
        if let Input::Session { generation, event } = input
            && self.role(*generation) == "reader"
        {
            match event {
                RealtimeEvent::AudioDelta { .. } if !self.first_reader_audio => {
                    self.first_reader_audio = true;
                    self.push_reader_deadline(*generation);
                    if let Some(started) = self.handoff_started {
                        self.pipeline.journal.record(Entry::Latency {
                            what: "answer_first_audio".into(),
                            ms: millis(started.elapsed()),
                        });
                    }
                }
                RealtimeEvent::AudioDelta { .. } => self.push_reader_deadline(*generation),
                RealtimeEvent::TurnComplete { .. } => {
                    speaker.end_item(&reader_item(*generation));
                    self.reader_ended = Some(Instant::now());
                    self.reader_deadline = None;
                }
                _ => {}
            }
        }
    }

    async fn apply(&mut self, commands: Vec<Command>, speaker: &dyn AudioSink) {
        for command in commands {
            match command {
                Command::Record(entry) => {
                    if let Entry::ReaderFinished { word_error_rate, .. } = &entry
                        && *word_error_rate > self.pipeline.wer_warning
                    {
                        self.pipeline.journal.record(Entry::Warning {
                            message: format!(
                                "the reader did not read verbatim: word error rate {:.0} %",
                                word_error_rate * 100.0
                            ),
                        });
                    }
                    if let Entry::ToolCall { .. } = &entry {
                        self.handoff_started = Some(Instant::now());
                        self.first_reader_audio = false;
                    }
                    self.pipeline.journal.record(entry);
                }
                Command::RunTool { call_id, name, arguments } => {
                    self.runner.submit(ToolCall { call_id, name, arguments });
                }
                Command::AskBrain { call_id, query } => {
                    let brain = self.pipeline.brain.clone();
                    self.brain_tasks.spawn(async move {
                        let result = brain.ask(&query).await;
                        (call_id, result)
                    });
                }
                Command::ConnectMain { generation } => {
                    self.roles.insert(generation, "main");
                    let transport = Arc::clone(&self.pipeline.main);
                    self.sessions.connect(generation, transport, self.pipeline.main_config.clone());
                }
                Command::ConnectReader { generation } => {
                    self.roles.insert(generation, "reader");
                    let transport = Arc::clone(&self.pipeline.reader);
                    self.sessions.connect(generation, transport, self.pipeline.reader_config.clone());
                }
                Command::ReaderSay { generation, script } => {
                    self.reader_deadline =
                        Some((generation, tokio::time::Instant::now() + self.pipeline.reader_timeout));
                    if let Some(session) = self.sessions.get(generation).cloned()
                        && let Err(error) = session.send_text(script).await
                    {
                        self.pipeline.journal.record(Entry::Warning { message: format!("reader: {error}") });
                    }
                }
                Command::Close { generation } => {
                    if self.reader_deadline.is_some_and(|(reader, _)| reader == generation) {
                        self.reader_deadline = None;
                    }
                    // A closed session's number is never used again: forget its role.
                    let role = self.roles.remove(&generation).unwrap_or("main");
                    if self.sessions.get(generation).is_some() {
                        self.pipeline.journal.record(Entry::SessionClosed {
                            role: role.into(),
                            generation,
                            error: None,
                        });
                    }
                    self.sessions.close(generation);
                }
                Command::SendToolResult { generation, call_id, name, output } => {
                    if let Some(session) = self.sessions.get(generation).cloned()
                        && let Err(error) = session.send_tool_result(call_id, name, output).await
                    {
                        self.pipeline
                            .journal
                            .record(Entry::Warning { message: format!("tool result: {error}") });
                    }
                }
                Command::Play { samples } => {
                    // Reader audio is played under one item per reader session.
                    let item = self.machine.reader_generation().map(reader_item).unwrap_or_default();
                    speaker.push(&item, &samples);
                }
                Command::FlushPlayback => {
                    let _ = speaker.barge_in();
                }
                Command::Fail { role, generation, failure } => {
                    let provider = match role {
                        "brain" => None,
                        "reader" => Some(self.pipeline.reader.provider()),
                        _ => Some(self.pipeline.main.provider()),
                    };
                    let error = failed(role, provider, failure);
                    self.pipeline.journal.record(Entry::Failed {
                        message: error.to_string(),
                        permanent: error.is_permanent(),
                    });
                    tracing::debug!(role, ?generation, "the run stops");
                    // The first failure is the one to report.
                    self.fatal.get_or_insert(error);
                }
            }
        }
    }

    /// The reader is sending audio: it gets another `reader_timeout` before it counts as stalled.
    fn push_reader_deadline(&mut self, generation: u64) {
        if let Some((reader, at)) = self.reader_deadline.as_mut()
            && *reader == generation
        {
            *at = tokio::time::Instant::now() + self.pipeline.reader_timeout;
        }
    }

    async fn shutdown(self) {
        let Actor { mut runner, sessions, mut brain_tasks, pipeline, .. } = self;
        brain_tasks.abort_all();
        runner.shutdown().await;
        sessions.shutdown().await;
        while brain_tasks.join_next().await.is_some() {}
        drop(pipeline);
    }
}

/// Fires with the reader's number when its deadline passes; never without one.
async fn reader_stalled(deadline: Option<(u64, tokio::time::Instant)>) -> u64 {
    match deadline {
        Some((generation, at)) => {
            tokio::time::sleep_until(at).await;
            generation
        }
        None => std::future::pending().await,
    }
}

fn reader_item(generation: u64) -> String {
    format!("reader-{generation}")
}

pub(crate) fn provider_name(provider: voicebot_transport::Provider) -> &'static str {
    match provider {
        voicebot_transport::Provider::OpenAi => "openai",
        voicebot_transport::Provider::Gemini => "gemini",
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
