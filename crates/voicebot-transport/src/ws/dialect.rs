//! [`Dialect`]: what the shared supervisor needs from a provider: the handshake, encoders and a frame decoder.

use std::collections::HashSet;

use voicebot_protocol::DecodeError;

use crate::config::{Provider, SessionConfig};
use crate::error::Result;
use crate::event::RealtimeEvent;
use crate::realtime::{KeepAlive, Limits};
use crate::session::Command;
use crate::ws::Dial;

/// A frame as it came off the socket.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Frame<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// What a decoded frame means for the supervisor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Hand this to the caller.
    Event(RealtimeEvent),
    /// The link the frame came from is configured: audio and commands may flow (Gemini `setupComplete`).
    LinkReady,
    /// The server will close this link soon: open the replacement now (Gemini `goAway`).
    RollOver,
    /// The provider repeated a tool call that was already surfaced; it was suppressed (counted in the stats).
    DuplicateToolCall,
    /// The server sent a new resumption handle (Gemini `sessionResumptionUpdate`): its snapshot includes
    /// the client messages up to `consumed` (the link's data frames after the handshake, counted from 0),
    /// or, when the server does not say, everything written so far. A link resumed from it is sent the
    /// later commands again.
    Checkpoint {
        /// The index of the last client message included, when the server says.
        consumed: Option<u64>,
    },
    /// The provider reported an error that retrying cannot fix (a refused key or model): end the session.
    Fail {
        /// The provider's error code.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
}

/// One provider's protocol, as the supervisor drives it. All state (dedupe sets, resumption handles, audio
/// received per item) lives here and survives reconnects.
pub(crate) trait Dialect: Send + Sync + 'static {
    /// The provider.
    fn provider(&self) -> Provider;

    /// How to open a socket now (the Gemini URL and setup depend on the latest resumption handle).
    fn dial(&self, config: &SessionConfig, limits: &Limits) -> Result<Dial>;

    /// The frames to send first on a new link, and whether it resumes a server-side session.
    fn handshake(&mut self, config: &SessionConfig) -> Result<(Vec<String>, bool)>;

    /// Whether a new link is ready as soon as the handshake frames are queued (OpenAI), or only after the
    /// server confirms it with [`Action::LinkReady`] (Gemini).
    fn ready_on_connect(&self) -> bool;

    /// The keepalive settings.
    fn keepalive(&self) -> KeepAlive;

    /// Encodes a command as zero or more frames.
    fn command(&mut self, command: Command) -> Result<Vec<String>>;

    /// Decodes one frame into actions.
    fn on_frame(&mut self, frame: Frame<'_>, actions: &mut Vec<Action>);

    /// Called when a link is lost: whether the next connection is a fresh session the caller should re-seed
    /// is decided by [`Dialect::handshake`]; this only lets the dialect forget per-connection state.
    fn on_link_lost(&mut self) {}

    /// The server refused to resume from the handle the last link offered (Gemini closes 1008 "session not
    /// found" for a stale handle): forget it, so the next connection starts a fresh session.
    fn forget_resumption(&mut self) {}
}

/// Kinds of unknown events remembered per session, so each is reported once.
const KNOWN_UNKNOWNS: usize = 64;

/// What a dialect ignored, told to the caller as [`RealtimeEvent::Warning`]s so the journal shows it: frames that
/// do not decode, event kinds this client does not know (once per kind), repeated tool calls.
#[derive(Debug, Default)]
pub(crate) struct Ignored {
    kinds: HashSet<String>,
}

impl Ignored {
    /// A frame that does not decode was skipped; the session goes on.
    pub(crate) fn undecodable(&self, error: &DecodeError, actions: &mut Vec<Action>) {
        tracing::warn!(error = %error, "undecodable server event");
        actions.push(warning(
            "undecodable_event",
            format!("ignored a server event that does not decode: {error}"),
        ));
    }

    /// An event of a kind this client does not know was skipped (reported once per kind).
    pub(crate) fn unknown(&mut self, kind: &str, actions: &mut Vec<Action>) {
        tracing::debug!(kind, "unknown server event");
        if self.kinds.len() < KNOWN_UNKNOWNS && self.kinds.insert(kind.to_owned()) {
            actions
                .push(warning("unknown_event", format!("ignored server events of an unknown type `{kind}`")));
        }
    }

    /// The provider sent a tool call again; it was suppressed so it runs once.
    pub(crate) fn duplicate_call(call_id: &str, actions: &mut Vec<Action>) {
        tracing::trace!(call_id, "tool call already surfaced");
        actions.push(Action::DuplicateToolCall);
        actions.push(warning(
            "duplicate_tool_call",
            format!("the provider repeated tool call `{call_id}`; it runs once"),
        ));
    }
}

fn warning(code: &str, message: String) -> Action {
    Action::Event(RealtimeEvent::Warning { code: Some(code.to_owned()), message })
}
