//! A scripted in-test WebSocket server on 127.0.0.1:0, and helpers to read session events with timeouts.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, http};
use voicebot_transport::{RealtimeEvent, Session};

/// The longest any test waits for one thing.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// One step of a connection's script.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Answer the handshake with this HTTP status and body instead of upgrading (must be the first step).
    Reject(u16, &'static str),
    /// Wait for a client text frame containing this text (frames before it are recorded and skipped).
    Expect(&'static str),
    /// Wait until `n` frames containing the text have arrived on this connection.
    ExpectCount(&'static str, usize),
    /// Send a text frame.
    Text(String),
    /// Send a binary frame.
    Binary(String),
    /// Wait.
    Sleep(Duration),
    /// Stop reading the socket (so pings go unanswered) for a while.
    Deaf(Duration),
    /// Send a close frame with this code and reason, then stop.
    Close(u16, &'static str),
    /// Drop the TCP connection without a close frame.
    Drop,
}

/// What the server saw on one connection.
#[derive(Debug, Default, Clone)]
pub(crate) struct Connection {
    /// The request URI (path and query).
    pub(crate) uri: String,
    /// The request headers, lowercase names.
    pub(crate) headers: Vec<(String, String)>,
    /// Every text frame the client sent, in order.
    pub(crate) frames: Vec<String>,
    /// Whether `setupComplete` has been sent on this connection.
    pub(crate) setup_complete_sent: bool,
    /// Client frames carrying `realtimeInput` that arrived before `setupComplete` was sent.
    pub(crate) audio_before_setup_complete: usize,
}

impl Connection {
    /// The value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The frames containing `text`.
    pub(crate) fn frames_with(&self, text: &str) -> Vec<&str> {
        self.frames.iter().filter(|frame| frame.contains(text)).map(String::as_str).collect()
    }
}

#[derive(Debug, Default)]
struct State {
    connections: Mutex<Vec<Connection>>,
    changed: Notify,
}

/// A scripted WebSocket server. Connection `i` plays script `i`; connections beyond the last script hold.
#[derive(Debug)]
pub(crate) struct FakeServer {
    /// `ws://127.0.0.1:port`.
    pub(crate) addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// Binds 127.0.0.1:0 and serves `scripts`.
    pub(crate) async fn start(scripts: Vec<Vec<Step>>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let task = tokio::spawn(accept_loop(listener, scripts, state.clone()));
        FakeServer { addr, state, task }
    }

    /// The base URL for an endpoint (`http://127.0.0.1:port` plus `suffix`).
    pub(crate) fn base_url(&self, suffix: &str) -> String {
        format!("http://{}{suffix}", self.addr)
    }

    /// A snapshot of every connection so far.
    pub(crate) fn connections(&self) -> Vec<Connection> {
        self.state.connections.lock().unwrap().clone()
    }

    /// Waits until `check` holds for the connections.
    pub(crate) async fn wait_until(
        &self,
        what: &str,
        check: impl Fn(&[Connection]) -> bool,
    ) -> Vec<Connection> {
        let wait = async {
            loop {
                let notified = self.state.changed.notified();
                let connections = self.connections();
                if check(&connections) {
                    return connections;
                }
                notified.await;
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}: {:#?}", summary(&self.connections())))
    }
}

fn summary(connections: &[Connection]) -> Vec<(String, usize)> {
    connections.iter().map(|c| (c.uri.clone(), c.frames.len())).collect()
}

async fn accept_loop(listener: TcpListener, scripts: Vec<Vec<Step>>, state: Arc<State>) {
    let mut index = 0;
    let mut tasks = Vec::new();
    while let Ok((stream, _)) = listener.accept().await {
        let script = scripts.get(index).cloned().unwrap_or_default();
        index += 1;
        tasks.push(tokio::spawn(serve(stream, script, state.clone())));
    }
}

#[allow(clippy::result_large_err, reason = "the handshake callback signature is tungstenite's")]
async fn serve(stream: tokio::net::TcpStream, script: Vec<Step>, state: Arc<State>) {
    let reject = match script.first() {
        Some(Step::Reject(status, body)) => Some((*status, *body)),
        _ => None,
    };
    let id = {
        let mut connections = state.connections.lock().unwrap();
        connections.push(Connection::default());
        connections.len() - 1
    };
    let record = state.clone();
    let callback = move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        {
            let mut connections = record.connections.lock().unwrap();
            let connection = &mut connections[id];
            connection.uri = request.uri().to_string();
            connection.headers = request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned())
                })
                .collect();
        }
        record.changed.notify_waiters();
        match reject {
            Some((status, body)) => {
                Err(http::Response::builder().status(status).body(Some(body.to_owned())).unwrap())
            }
            None => Ok(response),
        }
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else { return };
    let (mut sink, mut source) = socket.split();
    let (frames_tx, mut frames_rx) = mpsc::unbounded_channel::<String>();
    let deaf_until = Arc::new(Mutex::new(None::<tokio::time::Instant>));
    let reader_state = state.clone();
    let reader_deaf = deaf_until.clone();
    let reader = tokio::spawn(async move {
        loop {
            let until = *reader_deaf.lock().unwrap();
            if let Some(until) = until {
                tokio::time::sleep_until(until).await;
            }
            let Some(Ok(message)) = source.next().await else { break };
            let text = match message {
                Message::Text(text) => text.to_string(),
                Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Message::Close(_) => break,
                _ => continue,
            };
            {
                let mut connections = reader_state.connections.lock().unwrap();
                let connection = &mut connections[id];
                if text.starts_with(r#"{"realtimeInput""#) && !connection.setup_complete_sent {
                    connection.audio_before_setup_complete += 1;
                }
                connection.frames.push(text.clone());
            }
            reader_state.changed.notify_waiters();
            let _ = frames_tx.send(text);
        }
    });
    for step in script {
        match step {
            Step::Reject(..) => {}
            Step::Expect(needle) => loop {
                match frames_rx.recv().await {
                    Some(frame) if frame.contains(needle) => break,
                    Some(_) => {}
                    None => return,
                }
            },
            Step::ExpectCount(needle, count) => loop {
                let seen = state.connections.lock().unwrap()[id].frames_with(needle).len();
                if seen >= count {
                    break;
                }
                if frames_rx.recv().await.is_none() {
                    return;
                }
            },
            Step::Text(text) | Step::Binary(text) if text.contains("setupComplete") => {
                state.connections.lock().unwrap()[id].setup_complete_sent = true;
                if sink.send(Message::binary(text.into_bytes())).await.is_err() {
                    return;
                }
            }
            Step::Text(text) => {
                if sink.send(Message::text(text)).await.is_err() {
                    return;
                }
            }
            Step::Binary(text) => {
                if sink.send(Message::binary(text.into_bytes())).await.is_err() {
                    return;
                }
            }
            Step::Sleep(duration) => tokio::time::sleep(duration).await,
            Step::Deaf(duration) => {
                *deaf_until.lock().unwrap() = Some(tokio::time::Instant::now() + duration);
                tokio::time::sleep(duration).await;
            }
            Step::Close(code, reason) => {
                let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = tokio::time::timeout(Duration::from_millis(200), reader).await;
                return;
            }
            Step::Drop => {
                reader.abort();
                return;
            }
        }
    }
    // Hold: keep reading until the client goes away.
    let _ = reader.await;
    let _ = sink.close().await;
}

/// The next event, failing the test after [`WAIT`].
pub(crate) async fn next(session: &Session) -> RealtimeEvent {
    tokio::time::timeout(WAIT, session.next_event())
        .await
        .expect("timed out waiting for an event")
        .expect("the session ended")
}

/// Reads events until one matches, returning it and everything before it; fails after [`WAIT`].
pub(crate) async fn until(
    session: &Session,
    what: &str,
    matches: impl Fn(&RealtimeEvent) -> bool,
) -> (RealtimeEvent, Vec<RealtimeEvent>) {
    until_within(WAIT, session, what, matches).await
}

/// Reads events until one matches, returning it and everything before it; fails after `limit`.
pub(crate) async fn until_within(
    limit: Duration,
    session: &Session,
    what: &str,
    matches: impl Fn(&RealtimeEvent) -> bool,
) -> (RealtimeEvent, Vec<RealtimeEvent>) {
    let mut seen = Vec::new();
    let wait = async {
        loop {
            match session.next_event().await {
                Some(event) if matches(&event) => return event,
                Some(event) => seen.push(event),
                None => panic!("the session ended before {what}; saw {seen:?}"),
            }
        }
    };
    let event = within(limit, what, wait).await;
    (event, seen)
}

/// `future`'s output, failing the test after `limit`.
pub(crate) async fn within<F: std::future::Future>(limit: Duration, what: &str, future: F) -> F::Output {
    tokio::time::timeout(limit, future).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// A `MakeWriter` that appends everything to a shared buffer, to search trace output.
#[derive(Clone, Default)]
pub(crate) struct Capture(pub(crate) Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The samples of a base64 PCM16 payload inside a JSON frame (`audio` for OpenAI, `data` for Gemini).
pub(crate) fn frame_samples(frame: &str) -> Vec<i16> {
    let value: Value = serde_json::from_str(frame).unwrap();
    let data = value
        .get("audio")
        .or_else(|| value.pointer("/realtimeInput/audio/data"))
        .and_then(Value::as_str)
        .unwrap();
    voicebot_protocol::pcm::decode_i16(data).unwrap()
}
