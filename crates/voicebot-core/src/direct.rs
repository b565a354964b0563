//! The direct assistant (design.md §1): one realtime session, streaming playback through the jitter buffer,
//! barge-in truncated to what was played, tools through the runner, summaries on usage, reseeding after expiry.
//!
//! [`DirectPipeline::run`] is the actor: one `select!` loop over the microphone, the session's events, tool
//! completions and summaries, driving the pure [`machine`].

pub(crate) mod machine;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use voicebot_audio::{AudioSink, AudioSource};
use voicebot_state::{LanguagePolicy, Summarizer, SummaryPolicy};
use voicebot_tools::{ErrorKind, Runner, RunnerConfig, ToolCall, ToolRegistry};
use voicebot_transport::{
    ErrorClass, Failure, RealtimeEvent, RealtimeTransport, SeedItem, SessionConfig, TurnDetection,
};

use self::machine::{Command, Input, Machine, Settings};
use crate::error::{PipelineError, failed};
use crate::handoff::{millis, provider_name};
use crate::health::{CHECK_EVERY, Health};
use crate::journal::{Entry, Journal};
use crate::sessions::{Note, Sessions};

/// How long a summary may take before it is abandoned.
const SUMMARY_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the direct assistant needs besides audio.
pub struct DirectPipeline {
    /// Opens the session.
    pub transport: Arc<dyn RealtimeTransport>,
    /// The session's configuration (instructions, voice, tools, transcription, VAD).
    pub config: SessionConfig,
    /// The tools the model may call.
    pub tools: Arc<ToolRegistry>,
    /// Writes summaries.
    pub summarizer: Arc<dyn Summarizer>,
    /// When to summarize and what to keep.
    pub policy: SummaryPolicy,
    /// The summary's language.
    pub language: LanguagePolicy,
    /// Where state changes, tool calls, barge-ins and latencies are recorded.
    pub journal: Journal,
    /// Stop after this many completed assistant turns, once their audio has played.
    pub max_turns: Option<u32>,
}

impl std::fmt::Debug for DirectPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectPipeline")
            .field("transport", &self.transport)
            .field("config", &self.config)
            .field("tools", &self.tools)
            .field("policy", &self.policy)
            .field("max_turns", &self.max_turns)
            .finish_non_exhaustive()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectOutcome {
    /// Completed assistant turns.
    pub turns: u32,
    /// Turns in the local conversation at the end (bounded by summaries).
    pub kept_turns: usize,
}

const GENERATION: u64 = 1;

impl DirectPipeline {
    /// Runs until `cancel` fires or `max_turns` turns have been played; closes the session (code 1000).
    ///
    /// # Errors
    /// [`PipelineError::Failed`] when the session cannot be opened or ends for good (a refused key, an unknown
    /// model, or reconnects that gave up; transient failures are retried and journaled), and
    /// [`PipelineError::Microphone`] when the microphone ends.
    pub async fn run(
        self,
        mic: &mut dyn AudioSource,
        speaker: &dyn AudioSink,
        cancel: CancellationToken,
    ) -> Result<DirectOutcome, PipelineError> {
        let child = cancel.child_token();
        let (mut sessions, mut notes) = Sessions::new(child.clone());
        let mut runner = Runner::new(Arc::clone(&self.tools), RunnerConfig::default(), child.clone());
        let mut summaries = JoinSet::new();
        let result =
            self.drive(mic, speaker, &cancel, &mut sessions, &mut notes, &mut runner, &mut summaries).await;
        summaries.abort_all();
        runner.shutdown().await;
        sessions.shutdown().await;
        while summaries.join_next().await.is_some() {}
        result
    }

    #[allow(clippy::too_many_arguments, reason = "the actor's parts, split so run can always clean up")]
    async fn drive(
        &self,
        mic: &mut dyn AudioSource,
        speaker: &dyn AudioSink,
        cancel: &CancellationToken,
        sessions: &mut Sessions,
        notes: &mut tokio::sync::mpsc::Receiver<Note>,
        runner: &mut Runner,
        summaries: &mut JoinSet<Input>,
    ) -> Result<DirectOutcome, PipelineError> {
        let journal = &self.journal;
        journal.record(Entry::Started { pipeline: "direct".into() });
        let server_interrupts = match &self.config.turn_detection {
            TurnDetection::ServerVad { interrupt_response, .. } => *interrupt_response,
            TurnDetection::SemanticVad { .. } => true,
            TurnDetection::Manual => false,
        };
        let mut machine = Machine::new(Settings {
            policy: self.policy,
            language: self.language.clone(),
            server_interrupts,
            seed_turns: self.policy.keep_last_turns.max(2),
        });
        sessions.connect(GENERATION, Arc::clone(&self.transport), self.config.clone());
        let session = loop {
            tokio::select! {
                () = cancel.cancelled() => return Ok(DirectOutcome { turns: 0, kept_turns: 0 }),
                note = notes.recv() => match note {
                    Some(Note::Connected { generation, session, elapsed }) => {
                        journal.record(Entry::SessionOpened {
                            role: "direct".into(),
                            generation,
                            provider: provider_name(session.provider()).into(),
                        });
                        journal.record(Entry::Latency { what: "connect".into(), ms: millis(elapsed) });
                        sessions.adopt(generation, Arc::clone(&session));
                        break session;
                    }
                    Some(Note::Failed { error, .. }) => return Err(self.fail(error)),
                    Some(Note::Event { .. }) | None => {}
                },
            }
        };
        let mut speech_stopped: Option<Instant> = None;
        let mut awaiting_first_audio = false;
        // Once `max_turns` turns are done, keep listening until their audio has played.
        let mut finishing: Option<Pin<Box<dyn Future<Output = ()> + Send>>> = None;
        let mut health = Health::new();
        let mut checks = tokio::time::interval(CHECK_EVERY);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if finishing.is_none() && self.max_turns.is_some_and(|max| machine.completed() >= max) {
                finishing = Some(Box::pin(speaker.speaker().drained()));
            }
            let input = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                () = async { if let Some(done) = finishing.as_mut() { done.await } else { std::future::pending().await } } => break,
                note = notes.recv() => match note {
                    Some(Note::Event { event, .. }) => {
                        match &event {
                            RealtimeEvent::SpeechStopped { .. } => {
                                speech_stopped = Some(Instant::now());
                                awaiting_first_audio = true;
                            }
                            RealtimeEvent::AudioDelta { .. } if awaiting_first_audio => {
                                awaiting_first_audio = false;
                                if let Some(stopped) = speech_stopped {
                                    journal.record(Entry::Latency { what: "first_audio".into(), ms: millis(stopped.elapsed()) });
                                }
                            }
                            RealtimeEvent::TurnComplete { .. } => speaker.end_item(&current_item(&machine)),
                            RealtimeEvent::Reconnecting { attempt, delay, error } => {
                                journal.record(Entry::Reconnecting {
                                    role: "direct".into(),
                                    generation: GENERATION,
                                    attempt: *attempt,
                                    delay_ms: millis(*delay),
                                    error: error.message.clone(),
                                });
                            }
                            RealtimeEvent::Closed { error } => {
                                let failure = error.clone().unwrap_or_else(|| Failure {
                                    message: "the session closed".into(),
                                    class: ErrorClass::Transient,
                                    setting: None,
                                });
                                journal.record(Entry::SessionClosed {
                                    role: "direct".into(),
                                    generation: GENERATION,
                                    error: Some(failure.message.clone()),
                                });
                                return Err(self.fail(failure));
                            }
                            _ => {}
                        }
                        Some(Input::Session(event))
                    }
                    Some(_) | None => None,
                },
                frame = mic.next_frame() => {
                    let Some(frame) = frame else { return Err(PipelineError::Microphone) };
                    if let Some(entry) = health.frame() {
                        journal.record(entry);
                    }
                    let _ = session.send_audio(&frame.samples);
                    None
                }
                _ = checks.tick() => {
                    for entry in health.check(speaker) {
                        journal.record(entry);
                    }
                    None
                }
                done = runner.next_completion() => {
                    journal.record(Entry::ToolResult {
                        call_id: done.call_id.clone(),
                        name: done.name.clone(),
                        output: done.output.clone(),
                        elapsed_ms: millis(done.elapsed),
                    });
                    if done.error == Some(ErrorKind::Misconfigured) {
                        let message = done.output["error"]["message"].as_str().unwrap_or_default().to_owned();
                        journal.record(Entry::Failed { message: message.clone(), permanent: true });
                        return Err(PipelineError::Misconfigured { tool: done.name, message });
                    }
                    Some(Input::ToolDone { call_id: done.call_id, name: done.name, output: done.output })
                }
                Some(joined) = summaries.join_next() => joined.ok(),
            };
            let Some(input) = input else { continue };
            let mut pending = vec![input];
            while let Some(input) = pending.pop() {
                for command in machine.on_input(input) {
                    if let Some(next) = self.apply(command, &session, speaker, runner, summaries).await {
                        pending.push(next);
                    }
                }
            }
        }
        Ok(DirectOutcome { turns: machine.completed(), kept_turns: machine.state().turns().len() })
    }

    /// The error that ends the run, journaled.
    fn fail(&self, failure: Failure) -> PipelineError {
        let error = failed("direct", Some(self.transport.provider()), failure);
        self.journal.record(Entry::Failed { message: error.to_string(), permanent: error.is_permanent() });
        error
    }

    /// Carries out one command; a flush answers with the input it produces.
    async fn apply(
        &self,
        command: Command,
        session: &voicebot_transport::Session,
        speaker: &dyn AudioSink,
        runner: &mut Runner,
        summaries: &mut JoinSet<Input>,
    ) -> Option<Input> {
        let warn = |what: &str, error: voicebot_transport::Error| {
            self.journal.record(Entry::Warning { message: format!("{what}: {error}") });
        };
        match command {
            Command::Record(entry) => self.journal.record(entry),
            Command::Play { item_id, samples } => {
                speaker.push(item_id.as_deref().unwrap_or_default(), &samples)
            }
            Command::Flush => {
                return Some(match speaker.barge_in() {
                    Some(cut) => Input::Flushed { item_id: Some(cut.item_id), played: cut.played, cut: true },
                    None => Input::Flushed { item_id: None, played: Duration::ZERO, cut: false },
                });
            }
            Command::Truncate { item_id, played } => {
                if let Err(error) = session.truncate(item_id, played).await {
                    warn("truncate", error);
                }
            }
            Command::Cancel => {
                if let Err(error) = session.cancel_response().await {
                    warn("cancel", error);
                }
            }
            Command::RunTool { call_id, name, arguments } => {
                runner.submit(ToolCall { call_id, name, arguments });
            }
            Command::SendToolResult { call_id, name, output } => {
                if let Err(error) = session.send_tool_result(call_id, name, output).await {
                    warn("tool result", error);
                }
            }
            Command::Summarize(plan) => {
                let summarizer = Arc::clone(&self.summarizer);
                summaries.spawn(async move {
                    let work = summarizer.summarize(&plan.turns, &plan.language, &plan.previous_facts);
                    let result = match tokio::time::timeout(SUMMARY_TIMEOUT, work).await {
                        Ok(Ok(summary)) => Ok(summary),
                        Ok(Err(error)) => Err(error.to_string()),
                        Err(_) => Err(format!("no summary within {} s", SUMMARY_TIMEOUT.as_secs())),
                    };
                    Input::Summarized { plan_id: plan.id, result }
                });
            }
            Command::InsertItem { item_id, role, text, previous_item_id } => {
                if let Err(error) =
                    session.insert_item(SeedItem::new(role, text), Some(item_id), previous_item_id).await
                {
                    warn("insert item", error);
                }
            }
            Command::DeleteItem { item_id } => {
                if let Err(error) = session.delete_item(item_id).await {
                    warn("delete item", error);
                }
            }
            Command::RetrieveItem { item_id } => {
                if let Err(error) = session.retrieve_item(item_id).await {
                    warn("retrieve item", error);
                }
            }
        }
        None
    }
}

/// The item the speaker is playing, as the machine last saw it.
fn current_item(machine: &Machine) -> String {
    machine.playing().unwrap_or_default().to_owned()
}
