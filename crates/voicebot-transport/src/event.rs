//! [`RealtimeEvent`]: what a realtime session reports, the same for every provider.

use std::time::Duration;

use serde_json::Value;

use crate::error::Failure;

/// One thing that happened in a realtime session. Provider wire types never leak past this enum.
///
/// Audio is PCM16 mono at the provider's output rate (24 kHz for both providers today).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RealtimeEvent {
    /// The session is configured and ready for audio (`session.updated` / `setupComplete`).
    Ready {
        /// The provider's session id, when it sends one.
        session_id: Option<String>,
    },
    /// The server heard the user start speaking.
    SpeechStarted {
        /// The id of the user item being created (OpenAI).
        item_id: Option<String>,
        /// Where in the uploaded audio speech started.
        audio_start: Option<Duration>,
    },
    /// The server heard the user stop speaking.
    SpeechStopped {
        /// The id of the user item (OpenAI).
        item_id: Option<String>,
        /// Where in the uploaded audio speech stopped.
        audio_end: Option<Duration>,
    },
    /// Text of what the user said, in pieces (`is_final == false`) or whole.
    InputTranscript {
        /// The user item it belongs to (OpenAI).
        item_id: Option<String>,
        /// The text: a delta, or the whole transcript when final.
        text: String,
        /// Whether this is the complete transcript of the item.
        is_final: bool,
    },
    /// Text of what the model said, in pieces or whole.
    OutputTranscript {
        /// The assistant item it belongs to (OpenAI).
        item_id: Option<String>,
        /// The text: a delta, or the whole transcript when final.
        text: String,
        /// Whether this is the complete transcript of the item.
        is_final: bool,
    },
    /// A chunk of the model's speech.
    AudioDelta {
        /// The assistant item it belongs to (OpenAI), so playback can be truncated per item.
        item_id: Option<String>,
        /// PCM16 mono samples at the provider's output rate.
        samples: Vec<i16>,
    },
    /// A message item was added to the server's conversation (OpenAI `conversation.item.added`): where it sits,
    /// so local state can keep the server's order.
    ItemAdded {
        /// The item id.
        item_id: String,
        /// The item it follows (`None` at the start).
        previous_item_id: Option<String>,
        /// Who wrote it.
        role: ItemRole,
    },
    /// The model wants a function called. Emitted once per call id, even if the provider repeats the call.
    ToolCall {
        /// The call id to answer with.
        call_id: String,
        /// The function name.
        name: String,
        /// The arguments object.
        arguments: Value,
    },
    /// The provider withdrew calls (Gemini `toolCallCancellation`): do not answer them.
    ToolCallsCancelled {
        /// The withdrawn call ids.
        call_ids: Vec<String>,
    },
    /// The model started a response.
    ResponseStarted {
        /// The response id (OpenAI).
        response_id: Option<String>,
    },
    /// The model finished its turn.
    TurnComplete {
        /// The response id (OpenAI).
        response_id: Option<String>,
        /// How it ended.
        status: TurnStatus,
    },
    /// The user barged in and the server stopped the model (Gemini `interrupted`): flush playback.
    Interrupted,
    /// Token usage of the last response, and of the session so far where the provider reports it.
    Usage(Usage),
    /// The connection will end soon (Gemini `goAway`); the transport is already rolling over.
    GoAway {
        /// How long the server said the connection has left.
        time_left: Duration,
    },
    /// The provider's session reached its age limit (OpenAI `session_expired`, then close 1001). The transport
    /// opens a fresh session with the same configuration and reports [`RealtimeEvent::Reconnected`] with
    /// `resumed == false`: the caller should seed the new session with context.
    SessionExpired {
        /// The provider's message.
        message: String,
    },
    /// A connection failed (or could not be made) and the transport will try again after `delay`. One event per
    /// attempt; the last one is followed by [`RealtimeEvent::Reconnected`] or, when the retry policy gives up, by
    /// [`RealtimeEvent::Closed`].
    Reconnecting {
        /// The attempt about to be made (1 for the first retry).
        attempt: u32,
        /// How long the transport waits before it.
        delay: Duration,
        /// What failed.
        error: Failure,
    },
    /// The transport reconnected after a drop or a rollover.
    Reconnected {
        /// Which attempt succeeded (1 for the first retry).
        attempt: u32,
        /// Whether server-side context survived (a Gemini resumption handle was accepted). When `false`, the
        /// server has forgotten the conversation and the caller should seed it again.
        resumed: bool,
    },
    /// A provider error that did not end the session (benign codes included, for the journal).
    Warning {
        /// The provider's error code.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The session ended. This is the last event; `error` is `None` for a clean close. A session only ends with
    /// an error when retrying cannot help ([`Failure::is_permanent`]) or the retry policy gave up.
    Closed {
        /// Why it ended, when it was not a clean close.
        error: Option<Failure>,
    },
}

/// Who wrote a conversation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRole {
    /// The user.
    User,
    /// The model.
    Assistant,
    /// A system note.
    System,
}

/// How a model turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnStatus {
    /// It finished normally.
    Completed,
    /// It was cancelled (by the client or because the user started speaking).
    Cancelled,
    /// It stopped early (token limit, content filter).
    Incomplete,
    /// It failed on the server.
    Failed,
}

/// Token counts, provider-neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Input tokens of the last response (the whole context the model read).
    pub input_tokens: u64,
    /// Output tokens of the last response.
    pub output_tokens: u64,
    /// Total tokens of the last response.
    pub total_tokens: u64,
    /// Input tokens served from cache.
    pub cached_input_tokens: u64,
}
