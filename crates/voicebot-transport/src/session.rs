//! [`Session`]: the handle a pipeline holds on one realtime session, the same for every provider.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Provider;
use crate::error::{Error, Result};
use crate::event::RealtimeEvent;

/// How long [`Session::close`] waits for the tasks to finish the close handshake before aborting them.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Who wrote a context item given to [`Session::seed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedRole {
    /// A system note (a summary, a fact sheet). Gemini has no system turns: it is sent as a user turn.
    System,
    /// Something the user said.
    User,
    /// Something the assistant said.
    Assistant,
}

/// One piece of context inserted into a session with [`Session::seed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedItem {
    /// Who wrote it.
    pub role: SeedRole,
    /// The text.
    pub text: String,
}

impl SeedItem {
    /// A context item.
    pub fn new(role: SeedRole, text: impl Into<String>) -> Self {
        SeedItem { role, text: text.into() }
    }
}

/// A request from the handle to the session's supervisor (provider-neutral; the dialect encodes it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    Text(String),
    ToolResult { call_id: String, name: String, output: Value },
    CancelResponse,
    Truncate { item_id: String, played: Duration },
    Seed(Vec<SeedItem>),
    Insert { item: SeedItem, item_id: Option<String>, previous_item_id: Option<String> },
    DeleteItem(String),
    RetrieveItem(String),
}

/// Counters of one session, read with [`Session::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionStats {
    /// Audio frames (calls to [`Session::send_audio`]) written to a socket.
    pub audio_frames_sent: u64,
    /// Audio frames dropped because the outbound queue was full (the oldest frame goes first).
    pub audio_frames_dropped: u64,
    /// Audio frames waiting in the outbound queue right now.
    pub audio_frames_queued: u64,
    /// Successful reconnects and rollovers.
    pub reconnects: u64,
    /// Connections opened, the first one included.
    pub connections: u64,
    /// Events handed to the caller.
    pub events: u64,
    /// Tool calls the provider repeated and the session suppressed.
    pub duplicate_tool_calls: u64,
}

/// Counters shared between the handle and the tasks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) audio_sent: AtomicU64,
    pub(crate) audio_dropped: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) duplicate_tool_calls: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The outbound audio queue: bounded, drop-oldest, never blocks the producer.
///
/// The lock is held only for a `VecDeque` push or pop, never across an await.
#[derive(Debug)]
pub(crate) struct AudioQueue {
    frames: Mutex<VecDeque<Vec<i16>>>,
    capacity: usize,
    notify: Notify,
}

impl AudioQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        AudioQueue {
            frames: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity: capacity.max(1),
            notify: Notify::new(),
        }
    }

    /// Queues a frame; returns whether an older frame was dropped to make room.
    pub(crate) fn push(&self, frame: Vec<i16>) -> bool {
        let dropped = {
            let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
            let dropped = if frames.len() >= self.capacity { frames.pop_front().is_some() } else { false };
            frames.push_back(frame);
            dropped
        };
        self.notify.notify_one();
        dropped
    }

    pub(crate) fn pop(&self) -> Option<Vec<i16>> {
        self.frames.lock().unwrap_or_else(PoisonError::into_inner).pop_front()
    }

    /// Puts a frame back at the head (a writer that could not send it).
    pub(crate) fn unpop(&self, frame: Vec<i16>) {
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        if frames.len() < self.capacity {
            frames.push_front(frame);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.frames.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Waits until a frame may be available.
    pub(crate) async fn notified(&self) {
        self.notify.notified().await;
    }
}

/// What the handle shares with the supervisor.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) audio: AudioQueue,
    pub(crate) counters: Counters,
    /// The error that ended the session, if one did; [`Session::close`] returns it.
    pub(crate) failure: Mutex<Option<Error>>,
}

impl Shared {
    pub(crate) fn new(audio_capacity: usize) -> Arc<Self> {
        Arc::new(Shared {
            audio: AudioQueue::new(audio_capacity),
            counters: Counters::default(),
            failure: Mutex::new(None),
        })
    }
}

/// A live realtime session. Cheap to share by reference: every method takes `&self`.
///
/// - Audio goes in with [`Session::send_audio`], which never blocks: frames wait in a bounded queue, and when it
///   is full the oldest frame is dropped and counted ([`SessionStats::audio_frames_dropped`]).
/// - Everything else ([`Session::send_text`], [`Session::send_tool_result`], ...) goes through a bounded command
///   queue: the call waits for room, and while the session reconnects commands wait, so none is lost.
/// - Events come out of [`Session::next_event`] (a bounded channel: a caller that stops reading eventually
///   stops the session from reading its socket, which is the intended backpressure).
/// - [`Session::close`] closes the socket with code 1000 and joins the tasks. Dropping the handle cancels them.
pub struct Session {
    provider: Provider,
    commands: mpsc::Sender<Command>,
    events: tokio::sync::Mutex<mpsc::Receiver<RealtimeEvent>>,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("provider", &self.provider).field("stats", &self.stats()).finish()
    }
}

impl Session {
    pub(crate) fn new(
        provider: Provider,
        commands: mpsc::Sender<Command>,
        events: mpsc::Receiver<RealtimeEvent>,
        shared: Arc<Shared>,
        cancel: CancellationToken,
        supervisor: JoinHandle<()>,
    ) -> Self {
        Session {
            provider,
            commands,
            events: tokio::sync::Mutex::new(events),
            shared,
            cancel,
            supervisor: Mutex::new(Some(supervisor)),
        }
    }

    /// The provider this session talks to.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Queues one frame of microphone audio: PCM16 mono at [`Provider::input_rate_hz`] (24 kHz for OpenAI,
    /// **16 kHz for Gemini**; resample before calling). Never blocks and never waits for the network.
    ///
    /// Audio waits in the queue until the session is ready (Gemini: after `setupComplete`) and across
    /// reconnects and rollovers, so no frame is lost unless the queue overflows.
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub fn send_audio(&self, samples: &[i16]) -> Result<()> {
        if self.cancel.is_cancelled() || self.commands.is_closed() {
            return Err(Error::SessionClosed);
        }
        if self.shared.audio.push(samples.to_vec()) {
            Counters::bump(&self.shared.counters.audio_dropped);
        }
        Ok(())
    }

    /// Sends a user text message and asks for a response (OpenAI: a user item plus `response.create`;
    /// Gemini: `realtimeInput.text`).
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<()> {
        self.command(Command::Text(text.into())).await
    }

    /// Answers a tool call. The output is never sent empty: OpenAI gets `function_call_output` (a JSON string;
    /// a string output is sent as is) followed by `response.create`; Gemini gets a `toolResponse` whose
    /// `response` is always a non-empty object (scalars, arrays and `null` are wrapped as `{"result": ...}`).
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn send_tool_result(
        &self,
        call_id: impl Into<String>,
        name: impl Into<String>,
        output: Value,
    ) -> Result<()> {
        self.command(Command::ToolResult { call_id: call_id.into(), name: name.into(), output }).await
    }

    /// Cancels the active response (OpenAI `response.cancel`; Gemini has no such message, so nothing is sent).
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn cancel_response(&self) -> Result<()> {
        self.command(Command::CancelResponse).await
    }

    /// Cuts an assistant item at what was really played (OpenAI barge-in). `played` is clamped to the audio
    /// received for that item, and nothing is sent when it is zero. Gemini: nothing to do, nothing is sent.
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn truncate(&self, item_id: impl Into<String>, played: Duration) -> Result<()> {
        self.command(Command::Truncate { item_id: item_id.into(), played }).await
    }

    /// Inserts context (OpenAI: one `conversation.item.create` per item; Gemini: `clientContent` turns with
    /// `turnComplete: false`). Use it after [`RealtimeEvent::Reconnected`] with `resumed == false`.
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn seed(&self, items: Vec<SeedItem>) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.command(Command::Seed(items)).await
    }

    /// Inserts one context item at a chosen place (OpenAI `conversation.item.create` with `previous_item_id`:
    /// `Some("root")` puts it first, `None` appends), with a client-chosen `item_id` so it can be deleted later.
    /// Gemini cannot edit a live conversation: nothing is sent (seed the next session instead).
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn insert_item(
        &self,
        item: SeedItem,
        item_id: Option<String>,
        previous_item_id: Option<String>,
    ) -> Result<()> {
        self.command(Command::Insert { item, item_id, previous_item_id }).await
    }

    /// Asks the server for an item (OpenAI `conversation.item.retrieve`). A user item's transcript, when the
    /// server has one, then arrives as a final [`RealtimeEvent::InputTranscript`]: the way to recover a user
    /// transcript that never came. Gemini: nothing is sent.
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn retrieve_item(&self, item_id: impl Into<String>) -> Result<()> {
        self.command(Command::RetrieveItem(item_id.into())).await
    }

    /// Removes an item from the server's conversation (OpenAI; Gemini: nothing is sent).
    ///
    /// # Errors
    /// [`Error::SessionClosed`] once the session has ended.
    pub async fn delete_item(&self, item_id: impl Into<String>) -> Result<()> {
        self.command(Command::DeleteItem(item_id.into())).await
    }

    /// The next event, or `None` after [`RealtimeEvent::Closed`] has been delivered.
    ///
    /// Cancel safe: dropping the future loses no event. Only one caller should read events.
    pub async fn next_event(&self) -> Option<RealtimeEvent> {
        self.events.lock().await.recv().await
    }

    /// The session's counters.
    pub fn stats(&self) -> SessionStats {
        let counters = &self.shared.counters;
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        SessionStats {
            audio_frames_sent: load(&counters.audio_sent),
            audio_frames_dropped: load(&counters.audio_dropped),
            audio_frames_queued: self.shared.audio.len() as u64,
            reconnects: load(&counters.reconnects),
            connections: load(&counters.connections),
            events: load(&counters.events),
            duplicate_tool_calls: load(&counters.duplicate_tool_calls),
        }
    }

    /// Closes the session: a close frame with code 1000, then the tasks are joined (aborted after a grace
    /// period). Idempotent.
    ///
    /// # Errors
    /// The error that had already ended the session, if one did (a 1008 close, retries exhausted, ...).
    pub async fn close(&self) -> Result<()> {
        self.cancel.cancel();
        let handle = self.supervisor.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut handle) = handle
            && tokio::time::timeout(CLOSE_GRACE, &mut handle).await.is_err()
        {
            handle.abort();
        }
        match self.shared.failure.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    async fn command(&self, command: Command) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::SessionClosed);
        }
        self.commands.send(command).await.map_err(|_| Error::SessionClosed)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(handle) = self.supervisor.get_mut().unwrap_or_else(PoisonError::into_inner).take() {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_queue_drops_the_oldest_frame_when_full() {
        let queue = AudioQueue::new(2);
        assert!(!queue.push(vec![1]));
        assert!(!queue.push(vec![2]));
        assert!(queue.push(vec![3]));
        assert_eq!(queue.pop(), Some(vec![2]));
        queue.unpop(vec![2]);
        assert_eq!(queue.len(), 2);
        assert_eq!(queue.pop(), Some(vec![2]));
        assert_eq!(queue.pop(), Some(vec![3]));
        assert_eq!(queue.pop(), None);
    }
}
