//! The WebSocket machinery shared by both providers: one [`Link`] per socket (a reader task and a writer task),
//! the supervisor in [`driver`] that owns the links, reconnects and rolls over, and the [`replay`] journal
//! that lets a resumed session receive the commands the server had not consumed.

pub(crate) mod dialect;
pub(crate) mod driver;
pub(crate) mod replay;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Bytes, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::session::{Counters, Shared};
use crate::tls::{Trust, certificate_error};
use crate::ws::replay::Journal;

/// Frames from the supervisor to one writer (session config, commands, pings, close). Small messages, and the
/// supervisor waits for room, so this only smooths bursts.
const OUTBOUND_QUEUE: usize = 64;
/// Frames from one reader to the supervisor. When the supervisor is slow, the reader stops reading the socket.
const INBOUND_QUEUE: usize = 256;
/// How much of an HTTP error body is kept in an error.
const REASON_BYTES: usize = 300;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Encodes one audio frame as the provider's JSON text.
pub(crate) type AudioEncoder = fn(&[i16]) -> Option<String>;

/// What the supervisor queues for a writer.
#[derive(Debug)]
enum Outbound {
    /// A handshake frame (`setup`, `session.update`): not numbered.
    Handshake(String),
    /// A command frame, numbered in the link's [`Journal`] when written.
    Command { number: u64, text: String },
    /// A ping or a close.
    Control(Message),
}

/// What a reader saw on its socket.
#[derive(Debug)]
pub(crate) enum Incoming {
    Text(Utf8Bytes),
    Binary(Bytes),
    /// A ping or pong: the connection is alive.
    Alive,
    /// A close frame (`1005` when it had no code, `1006` when the TCP stream simply ended).
    Closed {
        code: u16,
        reason: String,
    },
    /// A socket error.
    Failed(String),
}

/// One WebSocket connection: its reader and writer tasks and the channels to them.
#[derive(Debug)]
pub(crate) struct Link {
    /// 1 for the first connection of a session, then counting up.
    pub(crate) id: u64,
    /// `host:port`, for errors and logs.
    pub(crate) host: String,
    out: mpsc::Sender<Outbound>,
    gate: watch::Sender<bool>,
    /// The commands this link was given and the index of every data frame it wrote.
    pub(crate) journal: Arc<Journal>,
    pub(crate) incoming: mpsc::Receiver<Incoming>,
    cancel: CancellationToken,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
    /// When anything last arrived on this link.
    pub(crate) last_seen: Instant,
    /// When it was opened.
    pub(crate) opened_at: Instant,
    /// Whether the provider has confirmed the session (OpenAI: at once; Gemini: `setupComplete`).
    pub(crate) ready: bool,
    /// Whether the server has accepted the session's configuration (OpenAI `session.updated`, Gemini
    /// `setupComplete`): a 1008 before that refuses the configuration itself.
    pub(crate) set_up: bool,
    /// Whether this link resumed a server-side session.
    pub(crate) resumed: bool,
}

/// Everything needed to open a link.
#[derive(Debug, Clone)]
pub(crate) struct Dial {
    pub(crate) request: Request,
    /// `host:port`, for errors and logs (never the URL: a Gemini URL may carry the key).
    pub(crate) host: String,
    pub(crate) timeout: Duration,
    pub(crate) encode_audio: AudioEncoder,
    /// The largest frame or message accepted from the server.
    pub(crate) max_message_bytes: usize,
    /// The certificate authorities a `wss://` connection trusts.
    pub(crate) trust: Trust,
}

impl Dial {
    /// How to open `url` with `headers` (secret values marked sensitive) under `limits`, trusting `trust`.
    pub(crate) fn new(
        url: &reqwest::Url,
        headers: &[(&'static str, String)],
        limits: &crate::realtime::Limits,
        trust: &Trust,
        encode_audio: AudioEncoder,
    ) -> Result<Dial, Error> {
        let (request, host) = request(url, headers)?;
        Ok(Dial {
            request,
            host,
            timeout: limits.connect_timeout,
            encode_audio,
            max_message_bytes: limits.max_message_bytes,
            trust: trust.clone(),
        })
    }
}

impl Link {
    /// Connects and starts the reader and writer. Audio stays off until [`Link::enable_audio`].
    pub(crate) async fn open(
        dial: Dial,
        id: u64,
        shared: Arc<Shared>,
        parent: &CancellationToken,
    ) -> Result<Link, Error> {
        // Frames and messages over the limit are refused as their header arrives, never buffered whole.
        let config = WebSocketConfig::default()
            .max_message_size(Some(dial.max_message_bytes))
            .max_frame_size(Some(dial.max_message_bytes));
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            dial.request,
            Some(config),
            true,
            Some(dial.trust.websocket()),
        );
        let (socket, _response) = match tokio::time::timeout(dial.timeout, connecting).await {
            Err(_) => return Err(Error::Timeout { what: "the websocket handshake", after: dial.timeout }),
            Ok(Err(error)) => return Err(handshake_error(&dial.host, error)),
            Ok(Ok(pair)) => pair,
        };
        Counters::bump(&shared.counters.connections);
        let (sink, stream) = socket.split();
        let cancel = parent.child_token();
        let (out, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (incoming_tx, incoming) = mpsc::channel(INBOUND_QUEUE);
        let (gate, gate_rx) = watch::channel(false);
        let journal = Journal::new();
        let reader = tokio::spawn(read_loop(stream, incoming_tx, cancel.clone()));
        let writer = Writer { sink, rx: out_rx, gate: gate_rx, shared, journal: journal.clone() };
        let writer = tokio::spawn(writer.run(dial.encode_audio, cancel.clone()));
        let now = Instant::now();
        Ok(Link {
            id,
            host: dial.host,
            out,
            gate,
            journal,
            incoming,
            cancel,
            reader,
            writer,
            last_seen: now,
            opened_at: now,
            ready: false,
            set_up: false,
            resumed: false,
        })
    }

    /// Queues a handshake frame (not numbered); returns false when the writer is gone.
    pub(crate) async fn send_handshake(&self, text: String) -> bool {
        self.out.send(Outbound::Handshake(text)).await.is_ok()
    }

    /// Queues a command frame and remembers it in the journal, for a resumed session that may not have
    /// consumed it; returns false when the writer is gone.
    pub(crate) async fn send_command(&self, text: String) -> bool {
        let number = self.journal.add(&text);
        self.out.send(Outbound::Command { number, text }).await.is_ok()
    }

    /// Queues a ping.
    pub(crate) fn ping(&self) {
        // A full queue means frames are flowing anyway; a skipped ping costs nothing.
        let _ = self.out.try_send(Outbound::Control(Message::Ping(Bytes::from_static(b"voicebot"))));
    }

    /// Lets the writer take frames from the audio queue.
    pub(crate) fn enable_audio(&self) {
        self.gate.send_replace(true);
    }

    /// Stops the writer taking audio; queued frames wait for the next link.
    pub(crate) fn disable_audio(&self) {
        self.gate.send_replace(false);
    }

    /// Sends a close frame with code 1000 and lets the writer finish.
    pub(crate) fn close(&self) {
        self.disable_audio();
        let frame = CloseFrame { code: CloseCode::Normal, reason: Utf8Bytes::from_static("") };
        let _ = self.out.try_send(Outbound::Control(Message::Close(Some(frame))));
    }

    /// Whether the writer has finished (after a close, or a broken socket).
    pub(crate) fn writer_finished(&self) -> bool {
        self.writer.is_finished()
    }

    /// Stops both tasks now.
    pub(crate) fn abort(self) {
        self.cancel.cancel();
        self.reader.abort();
        self.writer.abort();
    }

    /// Waits up to `grace` for the writer to send its close frame, then stops both tasks.
    pub(crate) async fn finish(self, grace: Duration) {
        self.cancel.cancel();
        let Link { reader, mut writer, .. } = self;
        if tokio::time::timeout(grace, &mut writer).await.is_err() {
            writer.abort();
        }
        reader.abort();
    }
}

/// A client request for `url` with extra headers; secret header values are marked sensitive. Returns the
/// request and `host:port` for logs.
fn request(url: &reqwest::Url, headers: &[(&'static str, String)]) -> Result<(Request, String), Error> {
    let port = url.port_or_known_default().map(|port| format!(":{port}")).unwrap_or_default();
    let host = format!("{}{port}", url.host_str().unwrap_or_default());
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|error| Error::Connect { host: host.clone(), message: error.to_string() })?;
    for (name, value) in headers {
        let mut value = HeaderValue::from_str(value).map_err(|_| Error::InvalidKey)?;
        value.set_sensitive(true);
        request.headers_mut().insert(*name, value);
    }
    Ok((request, host))
}

/// Whether a close code means "do not retry": the request itself is wrong (1002, 1003, 1007, 1009, 1010 at any
/// time; 1008 before the session was set up, when it names a wrong model or a refused feature). A 1008 on a
/// set-up session is one of Gemini's keepalive and policy closes and is retried.
pub(crate) fn close_is_final(code: u16, set_up: bool) -> bool {
    match code {
        1002 | 1003 | 1007 | 1009 | 1010 => true,
        1008 => !set_up,
        _ => false,
    }
}

fn handshake_error(host: &str, error: tungstenite::Error) -> Error {
    match error {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            // Both services answer `{"error": {"message": ...}}`; the message is what a person needs.
            let message = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|json| {
                json.pointer("/error/message").and_then(serde_json::Value::as_str).map(str::to_owned)
            });
            let mut reason = message.unwrap_or_else(|| body.trim().to_owned());
            if reason.is_empty() {
                reason = status.canonical_reason().unwrap_or("no reason given").to_owned();
            }
            if reason.len() > REASON_BYTES {
                let cut = (0..=REASON_BYTES).rev().find(|&i| reason.is_char_boundary(i)).unwrap_or(0);
                reason.truncate(cut);
            }
            Error::Rejected { host: host.to_owned(), status: status.as_u16(), reason }
        }
        other => certificate_error(host, &other)
            .unwrap_or_else(|| Error::Connect { host: host.to_owned(), message: other.to_string() }),
    }
}

async fn read_loop(
    mut stream: futures_util::stream::SplitStream<Socket>,
    tx: mpsc::Sender<Incoming>,
    cancel: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            next = stream.next() => next,
        };
        let incoming = match next {
            Some(Ok(Message::Text(text))) => Incoming::Text(text),
            Some(Ok(Message::Binary(bytes))) => Incoming::Binary(bytes),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Incoming::Alive,
            Some(Ok(Message::Frame(_))) => continue,
            Some(Ok(Message::Close(frame))) => match frame {
                Some(frame) => {
                    Incoming::Closed { code: u16::from(frame.code), reason: frame.reason.to_string() }
                }
                None => Incoming::Closed { code: 1005, reason: String::new() },
            },
            Some(Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed)) | None => {
                Incoming::Closed { code: 1006, reason: "the connection dropped".to_owned() }
            }
            Some(Err(error)) => Incoming::Failed(error.to_string()),
        };
        let last = matches!(incoming, Incoming::Closed { .. } | Incoming::Failed(_));
        tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            sent = tx.send(incoming) => if sent.is_err() { return },
        }
        if last {
            return;
        }
    }
}

/// One link's writer: queued frames first, then mic audio while the gate is open.
struct Writer {
    sink: futures_util::stream::SplitSink<Socket, Message>,
    rx: mpsc::Receiver<Outbound>,
    gate: watch::Receiver<bool>,
    shared: Arc<Shared>,
    journal: Arc<Journal>,
}

impl Writer {
    async fn run(mut self, encode_audio: AudioEncoder, cancel: CancellationToken) {
        loop {
            if cancel.is_cancelled() {
                let frame = CloseFrame { code: CloseCode::Normal, reason: Utf8Bytes::from_static("") };
                let _ = self.sink.send(Message::Close(Some(frame))).await;
                return;
            }
            // Control frames and commands go before audio.
            if let Ok(outbound) = self.rx.try_recv() {
                if !self.write(outbound).await {
                    return;
                }
                continue;
            }
            if *self.gate.borrow()
                && let Some(frame) = self.shared.audio.pop()
            {
                let Some(text) = encode_audio(&frame) else { continue };
                if self.sink.send(Message::text(text)).await.is_err() {
                    // The frame goes back to the head of the queue, for the next link.
                    self.shared.audio.unpop(frame);
                    return;
                }
                self.journal.written_audio();
                Counters::bump(&self.shared.counters.audio_sent);
                continue;
            }
            let audio_on = *self.gate.borrow();
            tokio::select! {
                biased;
                () = cancel.cancelled() => {}
                outbound = self.rx.recv() => match outbound {
                    Some(outbound) => if !self.write(outbound).await { return },
                    None => return,
                },
                changed = self.gate.changed() => if changed.is_err() { return },
                () = self.shared.audio.notified(), if audio_on => {}
            }
        }
    }

    /// Writes one queued frame; returns false when the writer should stop (a close, or a broken socket).
    async fn write(&mut self, outbound: Outbound) -> bool {
        match outbound {
            Outbound::Handshake(text) => self.sink.send(Message::text(text)).await.is_ok(),
            Outbound::Command { number, text } => {
                // Numbered before the write: a frame that may have reached the server counts as written.
                self.journal.written_command(number);
                self.sink.send(Message::text(text)).await.is_ok()
            }
            Outbound::Control(message) => {
                let close = matches!(message, Message::Close(_));
                self.sink.send(message).await.is_ok() && !close
            }
        }
    }
}
