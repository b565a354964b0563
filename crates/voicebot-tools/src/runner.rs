//! [`Runner`]: executes tool calls once each, concurrently, with timeouts, and reports every outcome as an object.

use std::any::Any;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::task::{AbortHandle, Id, JoinError, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, debug_span, warn};

use crate::error::{ErrorKind, ToolError};
use crate::registry::ToolRegistry;

/// Limits of a [`Runner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerConfig {
    /// The timeout of a tool that names none. Default 10 s.
    pub default_timeout: Duration,
    /// Calls running at once. Default 4.
    pub max_concurrent: usize,
    /// Calls waiting for a free slot; beyond this a call fails as `overloaded`. Default 32.
    pub max_queued: usize,
    /// The largest arguments object, serialized. Default 16 KiB.
    pub max_argument_bytes: usize,
    /// The largest output, serialized; a larger one is replaced by a `too_large` error. Default 64 KiB.
    pub max_output_bytes: usize,
    /// How many call ids are remembered to refuse repeats (oldest forgotten first). Default 1024.
    pub remembered_call_ids: usize,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            default_timeout: Duration::from_secs(10),
            max_concurrent: 4,
            max_queued: 32,
            max_argument_bytes: 16 * 1024,
            max_output_bytes: 64 * 1024,
            remembered_call_ids: 1024,
        }
    }
}

/// A call the model made.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The provider's call id; the completion answers it.
    pub call_id: String,
    /// The function name.
    pub name: String,
    /// The arguments (an object; `null` counts as `{}`).
    pub arguments: Value,
}

/// What [`Runner::submit`] did with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// It is running.
    Started,
    /// It waits for a free slot.
    Queued,
    /// It failed at once (unknown tool, bad arguments, overloaded); its error completion is ready.
    Refused(ErrorKind),
    /// This call id was seen before: nothing runs and no completion will come.
    Duplicate,
}

/// The outcome of one call, ready to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The call id it answers.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// What to send back: always a non-empty JSON object, `{"error": {"kind", "message"}}` on failure.
    pub output: Value,
    /// The failure kind, `None` on success.
    pub error: Option<ErrorKind>,
    /// From submission to completion.
    pub elapsed: Duration,
}

impl Completion {
    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

#[derive(Debug)]
struct Running {
    call_id: String,
    name: String,
    submitted: Instant,
    abort: AbortHandle,
}

#[derive(Debug)]
struct Waiting {
    call: ToolCall,
    submitted: Instant,
}

/// Runs tool calls for one session.
///
/// Each call id runs at most once: a repeat (Gemini may send a call twice) is [`Submitted::Duplicate`]. Calls run
/// concurrently up to [`RunnerConfig::max_concurrent`] as tasks this runner owns, each with its tool's timeout, so a
/// hanging or panicking tool only fails its own call. Results come out of [`next_completion`](Self::next_completion)
/// matched to their call ids, in completion order. Dropping the runner aborts its tasks.
pub struct Runner {
    registry: Arc<ToolRegistry>,
    config: RunnerConfig,
    cancel: CancellationToken,
    tasks: JoinSet<Result<Value, ToolError>>,
    running: HashMap<Id, Running>,
    queue: VecDeque<Waiting>,
    ready: VecDeque<Completion>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("registry", &self.registry)
            .field("running", &self.running.len())
            .field("queued", &self.queue.len())
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner over `registry`, cancelled by `cancel` (pass the session's token, or a fresh one).
    pub fn new(registry: Arc<ToolRegistry>, config: RunnerConfig, cancel: CancellationToken) -> Self {
        Runner {
            registry,
            config,
            cancel,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            queue: VecDeque::new(),
            ready: VecDeque::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
        }
    }

    /// Submits a call. Must be called within a tokio runtime.
    pub fn submit(&mut self, call: ToolCall) -> Submitted {
        if self.seen.contains(&call.call_id) {
            debug!(call_id = %call.call_id, tool = %call.name, "duplicate tool call ignored");
            return Submitted::Duplicate;
        }
        self.remember(&call.call_id);
        let submitted = Instant::now();
        let error = match self.check(&call) {
            Ok(()) if self.running.len() < self.config.max_concurrent => {
                self.spawn(call, submitted);
                return Submitted::Started;
            }
            Ok(()) if self.queue.len() < self.config.max_queued => {
                self.queue.push_back(Waiting { call, submitted });
                return Submitted::Queued;
            }
            Ok(()) => {
                ToolError::new(ErrorKind::Overloaded, "too many tool calls are waiting; try again later")
            }
            Err(error) => error,
        };
        let kind = error.kind;
        self.ready.push_back(completion(call.call_id, call.name, Err(error), submitted));
        Submitted::Refused(kind)
    }

    /// The next completion. Cancellation-safe, for a `select!` loop: a completion is never lost when the future is
    /// dropped. While nothing is running, queued or ready it stays pending (see [`is_idle`](Self::is_idle)).
    pub async fn next_completion(&mut self) -> Completion {
        loop {
            if let Some(done) = self.ready.pop_front() {
                return done;
            }
            if self.tasks.is_empty() {
                std::future::pending::<()>().await;
            }
            let Some(joined) = self.tasks.join_next_with_id().await else { continue };
            let (id, result) = match joined {
                Ok((id, result)) => (id, result),
                Err(error) => (error.id(), Err(join_failure(error))),
            };
            let Some(running) = self.running.remove(&id) else { continue };
            self.start_queued();
            return self.finish(completion(running.call_id, running.name, result, running.submitted));
        }
    }

    /// Whether nothing is running, queued or ready.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty() && self.queue.is_empty() && self.ready.is_empty()
    }

    /// Calls running now.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Withdraws a call (Gemini `toolCallCancellation`): it is aborted or unqueued and no completion comes.
    /// Returns whether it was running or queued.
    pub fn cancel(&mut self, call_id: &str) -> bool {
        if let Some(index) = self.queue.iter().position(|w| w.call.call_id == call_id) {
            self.queue.remove(index);
            return true;
        }
        let Some(id) = self.running.iter().find(|(_, r)| r.call_id == call_id).map(|(id, _)| *id) else {
            return false;
        };
        if let Some(running) = self.running.remove(&id) {
            running.abort.abort();
        }
        self.start_queued();
        true
    }

    /// Cancels everything and waits for the tasks to end. No completion comes afterwards.
    pub async fn shutdown(&mut self) {
        self.cancel.cancel();
        self.queue.clear();
        self.ready.clear();
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.running.clear();
    }

    fn check(&self, call: &ToolCall) -> Result<(), ToolError> {
        let Some(tool) = self.registry.get(&call.name) else {
            return Err(ToolError::new(
                ErrorKind::UnknownTool,
                format!("there is no tool named {:?}", call.name),
            ));
        };
        match &call.arguments {
            Value::Object(fields) => unknown_fields(&tool.parameters(), fields)?,
            Value::Null => {}
            _ => return Err(ToolError::bad_arguments("the arguments must be a JSON object")),
        }
        let size = call.arguments.to_string().len();
        if size > self.config.max_argument_bytes {
            let limit = self.config.max_argument_bytes;
            return Err(ToolError::bad_arguments(format!(
                "the arguments are {size} bytes; the limit is {limit}"
            )));
        }
        Ok(())
    }

    fn spawn(&mut self, call: ToolCall, submitted: Instant) {
        let Some(tool) = self.registry.get(&call.name).cloned() else {
            let error =
                ToolError::new(ErrorKind::UnknownTool, format!("there is no tool named {:?}", call.name));
            self.ready.push_back(completion(call.call_id, call.name, Err(error), submitted));
            return;
        };
        let limit = tool.timeout().unwrap_or(self.config.default_timeout);
        let cancel = self.cancel.child_token();
        let arguments = if call.arguments.is_null() { Value::Object(Map::new()) } else { call.arguments };
        let span = debug_span!("tool_call", tool = %call.name, call_id = %call.call_id);
        let abort = self.tasks.spawn(
            async move {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => Err(ToolError::new(ErrorKind::Cancelled, "the session ended")),
                    result = tokio::time::timeout(limit, tool.call(arguments)) => {
                        result.unwrap_or_else(|_| Err(ToolError::timeout(limit)))
                    }
                }
            }
            .instrument(span),
        );
        self.running.insert(abort.id(), Running { call_id: call.call_id, name: call.name, submitted, abort });
    }

    fn start_queued(&mut self) {
        while self.running.len() < self.config.max_concurrent {
            let Some(waiting) = self.queue.pop_front() else { break };
            self.spawn(waiting.call, waiting.submitted);
        }
    }

    /// Caps the output size and logs the outcome.
    fn finish(&self, mut done: Completion) -> Completion {
        let size = done.output.to_string().len();
        if size > self.config.max_output_bytes {
            let limit = self.config.max_output_bytes;
            let error = ToolError::new(
                ErrorKind::TooLarge,
                format!("the output was {size} bytes; the limit is {limit}"),
            );
            done.output = error.payload();
            done.error = Some(error.kind);
        }
        let latency_ms = done.elapsed.as_millis();
        match done.error {
            None => debug!(tool = %done.name, call_id = %done.call_id, latency_ms, "tool call done"),
            Some(kind @ (ErrorKind::Panicked | ErrorKind::Timeout)) => {
                warn!(tool = %done.name, call_id = %done.call_id, latency_ms, kind = %kind, "tool call failed")
            }
            Some(kind) => {
                debug!(tool = %done.name, call_id = %done.call_id, latency_ms, kind = %kind, "tool call failed")
            }
        }
        done
    }

    fn remember(&mut self, call_id: &str) {
        self.seen.insert(call_id.to_owned());
        self.seen_order.push_back(call_id.to_owned());
        while self.seen_order.len() > self.config.remembered_call_ids.max(1) {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
    }
}

/// A completion from a tool's result; the output is always a non-empty object.
fn completion(
    call_id: String,
    name: String,
    result: Result<Value, ToolError>,
    submitted: Instant,
) -> Completion {
    let (output, error) = match result {
        Ok(value) => (wrap_output(value), None),
        Err(error) => (error.payload(), Some(error.kind)),
    };
    Completion { call_id, name, output, error, elapsed: submitted.elapsed() }
}

/// Refuses argument names a schema with `"additionalProperties": false` does not list, so a misspelt argument
/// (`tz` for `zone`) is an error the model can correct instead of being silently ignored.
fn unknown_fields(schema: &Value, fields: &serde_json::Map<String, Value>) -> Result<(), ToolError> {
    if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        return Ok(());
    }
    let known = schema.get("properties").and_then(Value::as_object);
    let is_known = |name: &str| known.is_some_and(|known| known.contains_key(name));
    match fields.keys().find(|name| !is_known(name)) {
        None => Ok(()),
        Some(name) => {
            let expected: Vec<&str> =
                known.map(|k| k.keys().map(String::as_str).collect()).unwrap_or_default();
            let expected = if expected.is_empty() { "none".to_owned() } else { expected.join(", ") };
            Err(ToolError::bad_arguments(format!("unknown argument {name:?}; the arguments are: {expected}")))
        }
    }
}

/// A non-empty object as is; anything else (null, a scalar, an array, `{}`) as `{"result": value}`.
pub fn wrap_output(value: Value) -> Value {
    match value {
        Value::Object(map) if !map.is_empty() => Value::Object(map),
        other => json!({ "result": other }),
    }
}

fn join_failure(error: JoinError) -> ToolError {
    if error.is_panic() {
        let message = panic_message(error.into_panic());
        ToolError::new(ErrorKind::Panicked, format!("the tool crashed: {message}"))
    } else {
        ToolError::new(ErrorKind::Cancelled, "the call was cancelled")
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&'static str>()
            .map_or_else(|_| "unknown panic".to_owned(), |m| (*m).to_owned()),
    }
}
