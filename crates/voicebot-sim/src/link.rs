//! One WebSocket connection: a scheduled outbox, recording, generic faults, and the loop that drives a session.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use voicebot_protocol::WireMessage;

use crate::fault::Fault;
use crate::record::{Api, CloseRecord, Direction};
use crate::shared::{Command, Shared};
use crate::speech::{Ready, SpeechJobs};

mod io;

pub(crate) use io::kind_of;
use io::{flush_due, receive, send_close};

/// The upgraded socket.
pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// How long to wait for the client's answer to our close frame before dropping the socket.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// The same wait when the simulator is shutting down: long enough for a reading client, short enough for tests.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(100);

/// What a session does on its connection. Generic faults are handled by [`Link`]; the rest reach the session.
pub(crate) trait Session {
    /// Called once when the socket is open.
    fn on_open(&mut self, link: &mut Link);
    /// Called for every client text (or UTF-8 binary) frame, after it was recorded.
    fn on_text(&mut self, link: &mut Link, text: &str);
    /// Called for faults the link does not handle itself.
    fn on_fault(&mut self, link: &mut Link, fault: Fault);
    /// Called when speech asked for with [`Link::request_speech`] is ready and its tag was not cancelled.
    fn on_speech(&mut self, link: &mut Link, ready: Ready);
}

/// Something to send.
#[derive(Debug)]
pub(crate) enum Out {
    /// A JSON frame of this kind.
    Json { kind: String, text: String },
    /// Text that is not JSON (a malformed frame).
    Raw(String),
    /// A close frame; the session ends after it.
    Close(u16, String),
    /// End the TCP connection without a close frame.
    Drop,
}

/// When an [`Out`] is due.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    /// Now, ahead of any paced stream still queued (acknowledgements, errors, VAD events).
    Now,
    /// After everything already queued in order (the next frame of a stream).
    Next,
    /// `gap` after the previous ordered frame, or after now if that is later (audio pacing, latencies).
    Paced(Duration),
    /// This long from now, independent of the ordered frames (timed faults).
    After(Duration),
}

/// Bookkeeping attached to a queued frame.
#[derive(Debug, Default, Clone)]
pub(crate) struct Meta {
    /// A group (one response or turn) that can be cancelled as a whole; 0 for none.
    pub(crate) tag: u64,
    /// Output audio samples this frame carries.
    pub(crate) audio_samples: u64,
    /// The assistant item the audio belongs to (OpenAI truncate checks).
    pub(crate) audio_item: Option<String>,
    /// This frame completes a turn (latency mark).
    pub(crate) turn_complete: bool,
    /// This frame acknowledges the session's configuration: Gemini `setupComplete`, OpenAI `session.updated`.
    pub(crate) setup_complete: bool,
    /// This frame carries a tool call: its id and name.
    pub(crate) tool_call: Option<(String, String)>,
}

#[derive(Debug)]
struct Queued {
    due: Instant,
    out: Out,
    meta: Meta,
}

/// The session's view of its connection.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) shared: Arc<Shared>,
    pub(crate) conn: u64,
    pub(crate) api: Api,
    queue: Vec<Queued>,
    cursor: Instant,
    binary: bool,
    sent_audio: HashMap<String, u64>,
    slow_pong: Option<Duration>,
    stalled_until: Option<Instant>,
    /// Drop the TCP connection right after the next audio chunk is sent.
    pub(crate) drop_mid_response: bool,
    /// Whether Gemini's `setupComplete` has gone out.
    pub(crate) setup_complete_sent: bool,
    /// Speech being generated for this connection.
    jobs: SpeechJobs,
}

/// How the loop ended.
enum End {
    Closed(Option<CloseRecord>),
    Dropped,
}

impl Link {
    pub(crate) fn new(shared: Arc<Shared>, conn: u64, api: Api) -> Self {
        Link {
            shared,
            conn,
            api,
            queue: Vec::new(),
            cursor: Instant::now(),
            binary: api == Api::Gemini,
            sent_audio: HashMap::new(),
            slow_pong: None,
            stalled_until: None,
            drop_mid_response: false,
            setup_complete_sent: false,
            jobs: SpeechJobs::default(),
        }
    }

    /// Queues `out`.
    pub(crate) fn enqueue(&mut self, out: Out, when: When, meta: Meta) {
        let now = Instant::now();
        let due = match when {
            When::Now => now,
            When::Next => self.cursor.max(now),
            When::Paced(gap) => self.cursor.max(now) + gap,
            When::After(delay) => now + delay,
        };
        if matches!(when, When::Next | When::Paced(_)) {
            self.cursor = due;
        }
        let at = self.queue.iter().position(|queued| queued.due > due).unwrap_or(self.queue.len());
        self.queue.insert(at, Queued { due, out, meta });
    }

    /// Queues a wire message to go out now, ahead of any paced stream.
    pub(crate) fn send<M: WireMessage>(&mut self, message: &M) {
        self.send_with(message, When::Now, Meta::default());
    }

    /// Queues a wire message with timing and bookkeeping.
    pub(crate) fn send_with<M: WireMessage>(&mut self, message: &M, when: When, meta: Meta) {
        match message.encode() {
            Ok(text) => self.enqueue(Out::Json { kind: message.kind().to_owned(), text }, when, meta),
            Err(err) => tracing::warn!(conn = self.conn, error = %err, "cannot encode a server frame"),
        }
    }

    /// Starts generating speech for `text` off this task, on behalf of group `tag`; the session gets it in
    /// [`Session::on_speech`] with the returned job id, unless the tag is cancelled first.
    pub(crate) fn request_speech(&mut self, text: &str, tag: u64) -> u64 {
        self.jobs.request(&self.shared.speech, text, tag)
    }

    /// Removes every queued frame and speech request of group `tag`; returns how many were removed.
    pub(crate) fn cancel_tag(&mut self, tag: u64) -> usize {
        let before = self.queue.len();
        self.queue.retain(|queued| queued.meta.tag != tag);
        let removed = before - self.queue.len();
        if removed > 0 {
            self.cursor = self.queue.iter().map(|queued| queued.due).max().unwrap_or_else(Instant::now);
        }
        removed + self.jobs.cancel_tag(tag)
    }

    /// Whether frames or speech of group `tag` are still on their way.
    pub(crate) fn has_tag(&self, tag: u64) -> bool {
        tag != 0 && (self.queue.iter().any(|queued| queued.meta.tag == tag) || self.jobs.has_tag(tag))
    }

    /// Output audio of `item` actually sent, in samples.
    pub(crate) fn sent_audio_samples(&self, item: &str) -> u64 {
        self.sent_audio.get(item).copied().unwrap_or(0)
    }

    /// Records a protocol violation on this connection.
    pub(crate) fn violation(&self, code: &str, message: impl Into<String>) {
        self.shared.violation(self.conn, code, message);
    }

    fn apply_fault<S: Session>(&mut self, session: &mut S, fault: Fault) {
        match fault {
            Fault::Close { code, reason, after_ms, .. } => {
                self.enqueue(
                    Out::Close(code, reason),
                    When::After(Duration::from_millis(after_ms)),
                    Meta::default(),
                );
            }
            Fault::MalformedFrame { .. } => {
                self.enqueue(Out::Raw("{\"this is\": not json".to_owned()), When::Now, Meta::default());
            }
            Fault::TcpDrop { mid_response: false, .. } => {
                self.enqueue(Out::Drop, When::After(Duration::ZERO), Meta::default());
            }
            Fault::TcpDrop { mid_response: true, .. } => self.drop_mid_response = true,
            Fault::SlowPongs { delay_ms, .. } => self.slow_pong = Some(Duration::from_millis(delay_ms)),
            other => session.on_fault(self, other),
        }
    }

    fn record(&self, direction: Direction, kind: &str, text: &str) {
        self.shared.frame(self.conn, self.api, direction, kind, text);
    }
}

/// Drives `session` on `ws` until the connection ends, then records how it ended.
pub(crate) async fn run<S: Session>(
    mut link: Link,
    mut ws: Ws,
    mut session: S,
    mut commands: mpsc::Receiver<Command>,
    faults: Vec<Fault>,
) {
    session.on_open(&mut link);
    for fault in faults {
        link.apply_fault(&mut session, fault);
    }
    let end = drive(&mut link, &mut ws, &mut session, &mut commands).await;
    let conn = link.conn;
    match end {
        End::Closed(close) => link.shared.close(conn, close, false),
        End::Dropped => {
            drop(ws);
            link.shared.close(conn, None, true);
        }
    }
}

async fn drive<S: Session>(
    link: &mut Link,
    ws: &mut Ws,
    session: &mut S,
    commands: &mut mpsc::Receiver<Command>,
) -> End {
    let cancel = link.shared.cancel.clone();
    loop {
        let wake = link.stalled_until.or_else(|| link.queue.first().map(|queued| queued.due));
        tokio::select! {
            biased;
            () = cancel.cancelled() => {
                return send_close(link, ws, 1001, "simulator shutting down").await;
            }
            Some(command) = commands.recv() => match command {
                Command::Push(text) => {
                    let kind = kind_of(&text);
                    link.enqueue(Out::Json { kind, text }, When::Now, Meta::default());
                }
                Command::Fault(fault) => link.apply_fault(session, fault),
            },
            () = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                if link.stalled_until.is_some_and(|until| until <= Instant::now()) {
                    link.stalled_until = None;
                }
                if link.stalled_until.is_none()
                    && let Some(end) = flush_due(link, ws).await
                {
                    return end;
                }
            }
            Some(ready) = link.jobs.next(), if !link.jobs.is_idle() => session.on_speech(link, ready),
            message = ws.next(), if link.stalled_until.is_none() => {
                if let Some(end) = receive(link, session, message) {
                    return end;
                }
            }
        }
    }
}
