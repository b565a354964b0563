//! A scripted HTTP/1.1 server on `127.0.0.1:0` for the Responses client tests: it records every request and
//! answers with the next scripted reply (a JSON body, an event stream in separate TCP writes, or silence).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// How long the server waits between two writes of a streamed body, so the client reads them separately.
const CHUNK_GAP: Duration = Duration::from_millis(2);

/// One scripted answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    /// One body with a content length.
    Whole(String),
    /// A chunked body, one TCP write per piece; `finish: false` drops the connection instead of ending it.
    Pieces { pieces: Vec<Vec<u8>>, finish: bool },
    /// Read the request, then never answer.
    Hang,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Body::Whole(body.into()),
        }
    }

    /// A 200 event stream, written in pieces of `piece_len` bytes (cutting lines and UTF-8 anywhere).
    pub(crate) fn sse(stream: &str, piece_len: usize) -> Self {
        let pieces = stream.as_bytes().chunks(piece_len.max(1)).map(<[u8]>::to_vec).collect();
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream; charset=utf-8".into())],
            body: Body::Pieces { pieces, finish: true },
        }
    }

    /// Like [`Reply::sse`], but the connection is dropped after the last piece, without ending the body.
    pub(crate) fn sse_cut(stream: &str, piece_len: usize) -> Self {
        let mut reply = Reply::sse(stream, piece_len);
        if let Body::Pieces { finish, .. } = &mut reply.body {
            *finish = false;
        }
        reply
    }

    /// No answer at all.
    pub(crate) fn hang() -> Self {
        Reply { status: 0, headers: Vec::new(), body: Body::Hang }
    }

    /// Adds a header.
    #[must_use]
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    /// `POST`, ...
    pub(crate) method: String,
    /// The request target, e.g. `/v1/responses`.
    pub(crate) path: String,
    /// Headers with lowercase names.
    pub(crate) headers: Vec<(String, String)>,
    /// The body as text.
    pub(crate) body: String,
}

impl Recorded {
    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// The server. Dropping it stops it and every connection.
#[derive(Debug)]
pub(crate) struct ScriptedServer {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl ScriptedServer {
    /// Binds `127.0.0.1:0` and serves `replies` in order, one per request, on any connection.
    pub(crate) async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let replies = Arc::new(Mutex::new(VecDeque::from(replies)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(accept(listener, replies, Arc::clone(&requests)));
        ScriptedServer { port, requests, task }
    }

    /// The `OPENAI_BASE_URL` of this server.
    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Every request so far.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(
    listener: TcpListener,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
) {
    // Owned here, so aborting the accept task aborts every connection too.
    let mut connections = JoinSet::new();
    while let Ok((socket, _)) = listener.accept().await {
        connections.spawn(serve(socket, Arc::clone(&replies), Arc::clone(&requests)));
        while connections.try_join_next().is_some() {}
    }
}

async fn serve(socket: TcpStream, replies: Arc<Mutex<VecDeque<Reply>>>, requests: Arc<Mutex<Vec<Recorded>>>) {
    let mut socket = BufReader::new(socket);
    while let Some(request) = read_request(&mut socket).await {
        requests.lock().unwrap().push(request);
        let reply = replies.lock().unwrap().pop_front().unwrap_or_else(|| {
            Reply::json(500, r#"{"error":{"message":"the test script has no more replies"}}"#)
        });
        if !write_reply(socket.get_mut(), reply).await {
            return;
        }
    }
}

async fn read_request(socket: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    socket.read_line(&mut line).await.ok().filter(|read| *read > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        socket.read_line(&mut line).await.ok().filter(|read| *read > 0)?;
        let Some((name, value)) = line.trim_end().split_once(':') else { break };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    socket.read_exact(&mut body).await.ok()?;
    Some(Recorded { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Writes one reply; `false` when the connection must end.
async fn write_reply(socket: &mut TcpStream, reply: Reply) -> bool {
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.body {
        Body::Hang => std::future::pending().await,
        Body::Whole(body) => {
            head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
            socket.write_all(head.as_bytes()).await.is_ok()
        }
        Body::Pieces { pieces, finish } => {
            head.push_str("transfer-encoding: chunked\r\n\r\n");
            if socket.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for piece in pieces {
                let mut frame = format!("{:x}\r\n", piece.len()).into_bytes();
                frame.extend_from_slice(&piece);
                frame.extend_from_slice(b"\r\n");
                if socket.write_all(&frame).await.is_err() || socket.flush().await.is_err() {
                    return false;
                }
                tokio::time::sleep(CHUNK_GAP).await;
            }
            finish && socket.write_all(b"0\r\n\r\n").await.is_ok()
        }
    }
}
