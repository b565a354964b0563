//! [`Dialect`]: what the shared supervisor needs from a provider: the handshake, encoders and a frame decoder.

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
