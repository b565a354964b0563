//! The handoff pipeline's decisions as a pure state machine: [`Machine::on_input`] takes one [`Input`] and
//! returns the [`Command`]s to carry out. No sockets, no clocks, no audio: the actor in `handoff.rs` does the I/O.
//!
//! Phases: `Listening` (mic to the main session) -> `Thinking` (a handoff tool runs; the reader is already
//! connecting) -> `Speaking` (the reader reads the script; the replacement main session is opening) ->
//! `Listening` on the replacement, switched the moment the reader's turn completes.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use voicebot_transport::{Failure, RealtimeEvent, TurnStatus};

use crate::journal::Entry;
use crate::wer::word_error_rate;

/// The tool that asks the brain.
pub(crate) const ASK_BRAIN: &str = "ask_brain";
/// The tool whose answer the reader speaks as "The time is ...".
pub(crate) const GET_TIME: &str = "get_time";

/// What the main session is told after a handoff tool call, so no call is left unanswered.
fn handed_off() -> Value {
    json!({ "status": "handed_off", "note": "Another voice is reading the answer to the user. Say nothing." })
}

/// Something that happened, fed to the machine by the actor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// An event of session `generation` (main or reader: the machine knows which).
    Session { generation: u64, event: RealtimeEvent },
    /// Session `generation` finished connecting.
    Connected { generation: u64 },
    /// Session `generation` could not be opened (permanently: transient failures are retried under a session).
    ConnectFailed { generation: u64, error: Failure },
    /// A local tool finished (the output is already an object: a result or an error payload).
    ToolDone { call_id: String, name: String, output: Value },
    /// The brain answered (or failed).
    BrainDone { call_id: String, result: Result<String, Failure> },
    /// Reader `generation` was given its script but no audio came for too long (it cannot connect, or it
    /// stalled mid-narration).
    ReaderStalled { generation: u64 },
    /// The mic carried speech but no transcript came for too long.
    Watchdog,
}

/// Something the actor must do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    /// Run a local tool.
    RunTool { call_id: String, name: String, arguments: Value },
    /// Ask the brain.
    AskBrain { call_id: String, query: String },
    /// Open a main session with this number.
    ConnectMain { generation: u64 },
    /// Open a reader session with this number.
    ConnectReader { generation: u64 },
    /// Have the reader read `script` verbatim.
    ReaderSay { generation: u64, script: String },
    /// Close a session (main or reader).
    Close { generation: u64 },
    /// Answer a tool call on a session.
    SendToolResult { generation: u64, call_id: String, name: String, output: Value },
    /// Play reader audio.
    Play { samples: Vec<i16> },
    /// Drop everything queued for playback.
    FlushPlayback,
    /// Record a journal entry.
    Record(Entry),
    /// Stop the run: `role` (`main`, `reader`, `brain`) failed in a way the pipeline cannot recover from.
    Fail { role: &'static str, generation: Option<u64>, failure: Failure },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Listening,
    Thinking,
    Speaking,
}

#[derive(Debug)]
struct Reader {
    generation: u64,
    connected: bool,
    script: Option<String>,
    said: bool,
    transcript: String,
}

#[derive(Debug)]
struct Replacement {
    generation: u64,
    ready: bool,
    reason: &'static str,
}

/// The handoff pipeline's state.
#[derive(Debug)]
pub(crate) struct Machine {
    phase: Phase,
    next_generation: u64,
    main: u64,
    main_ready: bool,
    replacement: Option<Replacement>,
    /// Switch to the replacement as soon as it is ready (the reader has finished).
    switch_pending: bool,
    reader: Option<Reader>,
    seen_calls: HashSet<String>,
    /// Which session asked for each running non-handoff tool, to answer it there.
    tool_owner: HashMap<String, u64>,
    handoff_call: Option<String>,
    main_text: String,
    main_called_tool: bool,
    narrations: u32,
}

impl Machine {
    /// A machine with main session #1 about to be opened: start with [`Machine::start`].
    pub(crate) fn new() -> Machine {
        Machine {
            phase: Phase::Listening,
            next_generation: 1,
            main: 0,
            main_ready: false,
            replacement: None,
            switch_pending: false,
            reader: None,
            seen_calls: HashSet::new(),
            tool_owner: HashMap::new(),
            handoff_call: None,
            main_text: String::new(),
            main_called_tool: false,
            narrations: 0,
        }
    }

    /// The first commands: open main session #1.
    pub(crate) fn start(&mut self) -> Vec<Command> {
        self.main = self.allocate();
        vec![
            Command::Record(Entry::State { state: "listening".into() }),
            Command::ConnectMain { generation: self.main },
        ]
    }

    fn allocate(&mut self) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }

    /// Where mic audio goes now: the main session's number, or `None` to drain it (reader speaking, handoff running,
    /// or no main session ready).
    pub(crate) fn mic_target(&self) -> Option<u64> {
        (self.phase == Phase::Listening && self.main_ready && !self.switch_pending).then_some(self.main)
    }

    /// Narrations completed so far (the CLI's `--max-turns`).
    pub(crate) fn narrations(&self) -> u32 {
        self.narrations
    }

    /// The current main session's number.
    pub(crate) fn main_generation(&self) -> u64 {
        self.main
    }

    /// The current reader's number, if a reader is connecting or speaking.
    pub(crate) fn reader_generation(&self) -> Option<u64> {
        self.reader.as_ref().map(|r| r.generation)
    }

    /// Whether `generation` is a session the machine still cares about.
    pub(crate) fn is_live(&self, generation: u64) -> bool {
        generation == self.main
            || self.replacement.as_ref().is_some_and(|r| r.generation == generation)
            || self.reader.as_ref().is_some_and(|r| r.generation == generation)
    }

    /// One step.
    pub(crate) fn on_input(&mut self, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        match input {
            Input::Session { generation, event } => {
                if self.reader.as_ref().is_some_and(|r| r.generation == generation) {
                    self.on_reader_event(event, &mut out);
                } else if generation == self.main {
                    self.on_main_event(generation, event, &mut out);
                } else if self.replacement.as_ref().is_some_and(|r| r.generation == generation) {
                    // The replacement hears nothing until it is switched in; only its connection matters.
                    match event {
                        RealtimeEvent::Reconnecting { attempt, delay, error } => {
                            out.push(reconnecting("main", generation, attempt, delay, &error));
                        }
                        RealtimeEvent::Closed { error: Some(failure) } => {
                            out.push(Command::Fail { role: "main", generation: Some(generation), failure });
                        }
                        RealtimeEvent::Closed { error: None } => {
                            self.replacement = None;
                            self.open_replacement("failed", &mut out);
                        }
                        _ => {}
                    }
                }
            }
            Input::Connected { generation } => self.on_connected(generation, &mut out),
            Input::ConnectFailed { generation, error } => self.on_connect_failed(generation, error, &mut out),
            Input::ToolDone { call_id, name, output } => self.on_tool_done(call_id, name, output, &mut out),
            Input::BrainDone { call_id, result: Err(failure) } if failure.is_permanent() => {
                let _ = call_id;
                out.push(Command::Fail { role: "brain", generation: None, failure });
            }
            Input::ReaderStalled { generation } => self.on_reader_stalled(generation, &mut out),
            Input::BrainDone { call_id, result } => {
                if self.handoff_call.as_deref() == Some(call_id.as_str()) {
                    let script = match result {
                        Ok(script) if !script.trim().is_empty() => script,
                        Ok(_) => "Sorry, I have no answer to that.".to_owned(),
                        Err(error) => {
                            out.push(Command::Record(Entry::Warning {
                                message: format!("brain failed: {error}"),
                            }));
                            "Sorry, I could not get an answer just now. Please ask again.".to_owned()
                        }
                    };
                    self.narrate(script, &mut out);
                }
            }
            Input::Watchdog => {
                if self.phase == Phase::Listening && self.replacement.is_none() {
                    out.push(Command::Record(Entry::Warning {
                        message: "speech without transcription: recycling the main session".into(),
                    }));
                    self.open_replacement("watchdog", &mut out);
                    self.switch_pending = true;
                }
            }
        }
        out
    }

    fn on_main_event(&mut self, generation: u64, event: RealtimeEvent, out: &mut Vec<Command>) {
        match event {
            RealtimeEvent::InputTranscript { text, is_final: true, .. } if !text.trim().is_empty() => {
                out.push(Command::Record(Entry::Heard { text: text.trim().to_owned() }));
            }
            RealtimeEvent::OutputTranscript { text, is_final, .. } => {
                if is_final {
                    self.main_text = text;
                } else {
                    self.main_text.push_str(&text);
                }
            }
            RealtimeEvent::ToolCall { call_id, name, arguments } => {
                self.on_tool_call(generation, call_id, name, arguments, out);
            }
            RealtimeEvent::ToolCallsCancelled { call_ids } => {
                for id in call_ids {
                    self.tool_owner.remove(&id);
                }
            }
            RealtimeEvent::TurnComplete { status, .. } => {
                let text = std::mem::take(&mut self.main_text);
                let called = std::mem::replace(&mut self.main_called_tool, false);
                if !called
                    && self.phase == Phase::Listening
                    && status == TurnStatus::Completed
                    && !text.trim().is_empty()
                {
                    // The original's fallback: the main model answered in words instead of calling a tool.
                    out.push(Command::Record(Entry::Warning {
                        message: "main answered without a tool call; the reader narrates its words".into(),
                    }));
                    self.start_reader(out);
                    self.narrate(text.trim().to_owned(), out);
                }
            }
            RealtimeEvent::Reconnecting { attempt, delay, error } => {
                out.push(reconnecting("main", generation, attempt, delay, &error));
            }
            RealtimeEvent::Reconnected { resumed, .. } => {
                out.push(Command::Record(Entry::Reconnected { role: "main".into(), resumed }));
            }
            RealtimeEvent::Warning { code, message } => out.push(provider_warning("main", code, &message)),
            RealtimeEvent::Closed { error: Some(failure) } => {
                out.push(Command::Record(Entry::SessionClosed {
                    role: "main".into(),
                    generation,
                    error: Some(failure.message.clone()),
                }));
                out.push(Command::Fail { role: "main", generation: Some(generation), failure });
            }
            RealtimeEvent::Closed { error: None } => {
                out.push(Command::Record(Entry::SessionClosed {
                    role: "main".into(),
                    generation,
                    error: None,
                }));
                self.main_ready = false;
                if self.replacement.is_none() {
                    self.open_replacement("failed", out);
                }
                self.switch_pending = true;
                self.try_switch(out);
            }
            _ => {}
        }
    }

    fn on_tool_call(
        &mut self,
        generation: u64,
        call_id: String,
        name: String,
        arguments: Value,
        out: &mut Vec<Command>,
    ) {
        if !self.seen_calls.insert(call_id.clone()) {
            return;
        }
        self.main_called_tool = true;
        out.push(Command::Record(Entry::ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
        }));
        let handoff = name == ASK_BRAIN || name == GET_TIME;
        if !handoff {
            self.tool_owner.insert(call_id.clone(), generation);
            out.push(Command::RunTool { call_id, name, arguments });
            return;
        }
        if self.phase != Phase::Listening {
            // One reader at a time: a new handoff replaces the one in flight.
            self.cancel_reader(out);
        }
        self.phase = Phase::Thinking;
        self.handoff_call = Some(call_id.clone());
        out.push(Command::Record(Entry::State { state: "thinking".into() }));
        out.push(Command::SendToolResult {
            generation,
            call_id: call_id.clone(),
            name: name.clone(),
            output: handed_off(),
        });
        self.start_reader(out);
        if name == ASK_BRAIN {
            let query = ["query", "question", "prompt"]
                .iter()
                .find_map(|key| arguments.get(key).and_then(Value::as_str))
                .map_or_else(|| arguments.to_string(), str::to_owned);
            out.push(Command::Record(Entry::BrainAsked { query: query.clone() }));
            out.push(Command::AskBrain { call_id, query });
        } else {
            out.push(Command::RunTool { call_id, name, arguments });
        }
    }

    fn on_tool_done(&mut self, call_id: String, name: String, output: Value, out: &mut Vec<Command>) {
        if self.handoff_call.as_deref() == Some(call_id.as_str()) && name == GET_TIME {
            let script = time_script(&output);
            self.narrate(script, out);
        } else if let Some(generation) = self.tool_owner.remove(&call_id)
            && generation == self.main
        {
            out.push(Command::SendToolResult { generation, call_id, name, output });
        }
    }

    /// Connects a reader if none is connecting.
    fn start_reader(&mut self, out: &mut Vec<Command>) {
        if self.reader.is_none() {
            let generation = self.allocate();
            self.reader = Some(Reader {
                generation,
                connected: false,
                script: None,
                said: false,
                transcript: String::new(),
            });
            out.push(Command::ConnectReader { generation });
        }
    }

    fn cancel_reader(&mut self, out: &mut Vec<Command>) {
        if let Some(reader) = self.reader.take() {
            out.push(Command::FlushPlayback);
            out.push(Command::Close { generation: reader.generation });
        }
        self.handoff_call = None;
    }

    /// Hands `script` to the reader (now, or when it connects), and opens the replacement main.
    fn narrate(&mut self, script: String, out: &mut Vec<Command>) {
        self.start_reader(out);
        self.phase = Phase::Speaking;
        out.push(Command::Record(Entry::State { state: "speaking".into() }));
        if self.replacement.is_none() {
            self.open_replacement("after_narration", out);
        }
        if let Some(reader) = self.reader.as_mut() {
            reader.script = Some(script);
            if reader.connected {
                say(reader, out);
            }
        }
    }

    fn open_replacement(&mut self, reason: &'static str, out: &mut Vec<Command>) {
        let generation = self.allocate();
        self.replacement = Some(Replacement { generation, ready: false, reason });
        out.push(Command::ConnectMain { generation });
    }

    fn on_reader_event(&mut self, event: RealtimeEvent, out: &mut Vec<Command>) {
        let Some(reader) = self.reader.as_mut() else { return };
        match event {
            RealtimeEvent::AudioDelta { samples, .. } if reader.said => out.push(Command::Play { samples }),
            RealtimeEvent::OutputTranscript { text, is_final, .. } => {
                if is_final {
                    reader.transcript = text;
                } else {
                    reader.transcript.push_str(&text);
                }
            }
            RealtimeEvent::TurnComplete { .. } if reader.said => self.finish_reading(out),
            RealtimeEvent::Reconnecting { attempt, delay, error } => {
                out.push(reconnecting("reader", reader.generation, attempt, delay, &error));
            }
            RealtimeEvent::Warning { code, message } => out.push(provider_warning("reader", code, &message)),
            RealtimeEvent::Reconnected { resumed, .. } => {
                out.push(Command::Record(Entry::Reconnected { role: "reader".into(), resumed }));
                if !resumed && reader.said {
                    // The new connection forgot the script: read it again from the start.
                    reader.transcript.clear();
                    say(reader, out);
                }
            }
            RealtimeEvent::Closed { error } => {
                let generation = reader.generation;
                out.push(Command::Record(Entry::SessionClosed {
                    role: "reader".into(),
                    generation,
                    error: error.as_ref().map(|failure| failure.message.clone()),
                }));
                self.reader = None;
                if let Some(failure) = error {
                    out.push(Command::Fail { role: "reader", generation: Some(generation), failure });
                    return;
                }
                self.handoff_call = None;
                self.phase = Phase::Listening;
                self.switch_pending = true;
                self.try_switch(out);
            }
            _ => {}
        }
    }

    fn finish_reading(&mut self, out: &mut Vec<Command>) {
        let Some(reader) = self.reader.take() else { return };
        let script = reader.script.unwrap_or_default();
        out.push(Command::Record(Entry::ReaderFinished {
            word_error_rate: word_error_rate(&script, &reader.transcript),
            transcript: reader.transcript,
        }));
        out.push(Command::Close { generation: reader.generation });
        self.narrations += 1;
        self.handoff_call = None;
        self.phase = Phase::Listening;
        out.push(Command::Record(Entry::State { state: "listening".into() }));
        self.switch_pending = true;
        self.try_switch(out);
    }

    /// Switches mic and events to the replacement main when it is ready and a switch is due.
    fn try_switch(&mut self, out: &mut Vec<Command>) {
        if !self.switch_pending || self.phase != Phase::Listening {
            return;
        }
        match self.replacement.take() {
            Some(next) if next.ready => {
                out.push(Command::Record(Entry::MainReplaced {
                    from: self.main,
                    to: next.generation,
                    reason: next.reason.into(),
                }));
                out.push(Command::Close { generation: self.main });
                self.main = next.generation;
                self.main_ready = true;
                self.switch_pending = false;
                self.main_text.clear();
                self.main_called_tool = false;
            }
            other => self.replacement = other,
        }
    }

    fn on_connected(&mut self, generation: u64, out: &mut Vec<Command>) {
        if generation == self.main {
            self.main_ready = true;
        } else if let Some(next) = self.replacement.as_mut().filter(|r| r.generation == generation) {
            next.ready = true;
            self.try_switch(out);
        } else if let Some(reader) = self.reader.as_mut().filter(|r| r.generation == generation) {
            reader.connected = true;
            if reader.script.is_some() {
                say(reader, out);
            }
        } else {
            // A session we no longer want (a cancelled reader): close it.
            out.push(Command::Close { generation });
        }
    }

    /// A session could not be opened. The transport returns only permanent failures from a connect (it retries
    /// transient ones under the session it returns), so the run stops: reopening would be refused again, and a
    /// loop of refused connections is what gets an account rate-limited or locked.
    fn on_connect_failed(&mut self, generation: u64, error: Failure, out: &mut Vec<Command>) {
        if !self.is_live(generation) {
            return;
        }
        let role =
            if self.reader.as_ref().is_some_and(|r| r.generation == generation) { "reader" } else { "main" };
        out.push(Command::Fail { role, generation: Some(generation), failure: error });
    }

    /// The reader has had its script for a while and no audio came: drop this answer (with a warning), go back
    /// to listening, and let the next request try again with a new reader.
    fn on_reader_stalled(&mut self, generation: u64, out: &mut Vec<Command>) {
        if self.reader.as_ref().is_none_or(|r| r.generation != generation) {
            return;
        }
        out.push(Command::Record(Entry::Warning {
            message: format!("reader #{generation} did not speak in time; this answer is dropped"),
        }));
        self.cancel_reader(out);
        self.phase = Phase::Listening;
        out.push(Command::Record(Entry::State { state: "listening".into() }));
        self.switch_pending = true;
        self.try_switch(out);
    }
}

/// The journal line for a connection attempt.
fn reconnecting(
    role: &str,
    generation: u64,
    attempt: u32,
    delay: std::time::Duration,
    error: &Failure,
) -> Command {
    Command::Record(Entry::Reconnecting {
        role: role.into(),
        generation,
        attempt,
        delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        error: error.message.clone(),
    })
}

/// The journal line for something the provider reported or the transport ignored without ending the session.
fn provider_warning(role: &str, code: Option<String>, message: &str) -> Command {
    let code = code.map(|code| format!(" `{code}`")).unwrap_or_default();
    Command::Record(Entry::Warning { message: format!("{role}{code}: {message}") })
}

/// Flushes stale audio and hands the script to the reader.
fn say(reader: &mut Reader, out: &mut Vec<Command>) {
    if let Some(script) = reader.script.clone() {
        reader.said = true;
        out.push(Command::FlushPlayback);
        out.push(Command::Record(Entry::ReaderStarted { script: script.clone() }));
        out.push(Command::ReaderSay { generation: reader.generation, script });
    }
}

/// "The time is ..." from `get_time`'s output (`spoken`, or `time` with `weekday` and `zone`), or an apology for an
/// error payload.
pub(crate) fn time_script(output: &Value) -> String {
    if let Some(spoken) = output.get("spoken").and_then(Value::as_str) {
        return spoken.to_owned();
    }
    let field = |key: &str| output.get(key).and_then(Value::as_str).filter(|text| !text.is_empty());
    let Some(time) = field("time") else { return "Sorry, I could not read the clock.".to_owned() };
    // "14:05:09" is said as "14:05".
    let time = match time.match_indices(':').nth(1) {
        Some((second_colon, _)) => &time[..second_colon],
        None => time,
    };
    let mut script = format!("The time is {time}");
    if let Some(weekday) = field("weekday") {
        script.push_str(&format!(" on {weekday}"));
    }
    if let Some(zone) = field("zone").or_else(|| field("timezone")) {
        // "Etc/UTC" is said "UTC"; "Europe/Paris" as is.
        let zone = zone.strip_prefix("Etc/").unwrap_or(zone);
        script.push_str(&format!(", {zone} time"));
    }
    script.push('.');
    script
}

#[cfg(test)]
mod tests;
