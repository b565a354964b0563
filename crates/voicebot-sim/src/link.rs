//! One WebSocket connection: a scheduled outbox, recording, generic faults, and the loop that drives a session.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use voicebot_protocol::WireMessage;

use crate::fault::Fault;
use crate::record::{Api, CloseRecord, Direction};
use crate::shared::{Command, Shared};

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
    /// This frame is Gemini's `setupComplete`.
    pub(crate) setup_complete: bool,
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

    /// Removes every queued frame of group `tag`; returns how many were removed.
    pub(crate) fn cancel_tag(&mut self, tag: u64) -> usize {
        let before = self.queue.len();
        self.queue.retain(|queued| queued.meta.tag != tag);
        let removed = before - self.queue.len();
        if removed > 0 {
            self.cursor = self.queue.iter().map(|queued| queued.due).max().unwrap_or_else(Instant::now);
        }
        removed
    }

    /// Whether frames of group `tag` are still queued.
    pub(crate) fn has_tag(&self, tag: u64) -> bool {
        tag != 0 && self.queue.iter().any(|queued| queued.meta.tag == tag)
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
            message = ws.next(), if link.stalled_until.is_none() => {
                if let Some(end) = receive(link, session, message) {
                    return end;
                }
            }
        }
    }
}

/// Handles one incoming frame; returns how the connection ended if it did.
fn receive<S: Session>(
    link: &mut Link,
    session: &mut S,
    message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
) -> Option<End> {
    match message {
        Some(Ok(Message::Text(text))) => {
            link.record(Direction::Received, &kind_of(&text), &text);
            session.on_text(link, &text);
        }
        Some(Ok(Message::Binary(bytes))) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            link.record(Direction::Received, &kind_of(&text), &text);
            session.on_text(link, &text);
        }
        Some(Ok(Message::Ping(_))) => {
            link.record(Direction::Received, "ping", "");
            if let Some(delay) = link.slow_pong {
                link.stalled_until = Some(Instant::now() + delay);
            }
        }
        Some(Ok(Message::Pong(_))) => link.record(Direction::Received, "pong", ""),
        Some(Ok(Message::Close(frame))) => {
            let (code, reason) = frame
                .map_or((1005, String::new()), |frame| (u16::from(frame.code), frame.reason.to_string()));
            link.record(Direction::Received, "close", &format!("{code} {reason}"));
            let record = CloseRecord { code, reason, by: Direction::Received };
            link.shared.with_conn(link.conn, |conn| {
                conn.close.get_or_insert(record);
            });
        }
        Some(Ok(Message::Frame(_))) => {}
        Some(Err(_)) | None => {
            let closed_cleanly =
                link.shared.lock().connections.iter().any(|c| c.id == link.conn && c.close.is_some());
            return Some(if closed_cleanly { End::Closed(None) } else { End::Dropped });
        }
    }
    None
}

/// Sends every due frame; returns how the connection ended if a close or drop was among them.
async fn flush_due(link: &mut Link, ws: &mut Ws) -> Option<End> {
    while link.queue.first().is_some_and(|queued| queued.due <= Instant::now()) {
        let queued = link.queue.remove(0);
        match queued.out {
            Out::Json { kind, text } => {
                let message = if link.binary {
                    Message::Binary(text.clone().into())
                } else {
                    Message::Text(text.clone().into())
                };
                link.record(Direction::Sent, &kind, &text);
                if ws.send(message).await.is_err() {
                    return Some(End::Dropped);
                }
                account(link, &queued.meta);
                if queued.meta.audio_samples > 0 && link.drop_mid_response {
                    return Some(End::Dropped);
                }
            }
            Out::Raw(text) => {
                link.record(Direction::Sent, "malformed", &text);
                if ws.send(Message::Text(text.into())).await.is_err() {
                    return Some(End::Dropped);
                }
            }
            Out::Close(code, reason) => return Some(send_close(link, ws, code, &reason).await),
            Out::Drop => return Some(End::Dropped),
        }
    }
    None
}

fn account(link: &mut Link, meta: &Meta) {
    let at = link.shared.now();
    if let Some(item) = &meta.audio_item {
        *link.sent_audio.entry(item.clone()).or_default() += meta.audio_samples;
    }
    if meta.setup_complete {
        link.setup_complete_sent = true;
    }
    if meta.audio_samples > 0 || meta.turn_complete {
        let (samples, turn_complete) = (meta.audio_samples, meta.turn_complete);
        link.shared.with_conn(link.conn, |conn| {
            conn.audio.output_samples += samples;
            if turn_complete {
                conn.marks.turn_complete_at.push(at);
            }
        });
    }
}

/// Sends a close frame, waits briefly for the client's answer, and reports the close.
async fn send_close(link: &mut Link, ws: &mut Ws, code: u16, reason: &str) -> End {
    link.record(Direction::Sent, "close", &format!("{code} {reason}"));
    let record = CloseRecord { code, reason: reason.to_owned(), by: Direction::Sent };
    link.shared.with_conn(link.conn, |conn| {
        conn.close.get_or_insert(record.clone());
    });
    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.to_owned().into() };
    if ws.send(Message::Close(Some(frame))).await.is_ok() {
        let grace = if link.shared.cancel.is_cancelled() { SHUTDOWN_GRACE } else { CLOSE_GRACE };
        let _ = timeout(grace, async {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Close(_) = message {
                    link.record(Direction::Received, "close", "");
                }
            }
        })
        .await;
    }
    End::Closed(Some(record))
}

/// The kind of a JSON frame: its `type`, or its top-level keys joined with `+`, or `malformed`.
pub(crate) fn kind_of(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => match map.get("type").and_then(serde_json::Value::as_str) {
            Some(kind) => kind.to_owned(),
            None => map.keys().cloned().collect::<Vec<_>>().join("+"),
        },
        _ => "malformed".to_owned(),
    }
}
