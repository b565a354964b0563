//! [`ResponsesClient`]: the [`TextModel`] over the OpenAI Responses API (`POST /v1/responses`), plain or streamed.

mod outcome;
mod retry;
mod stream;

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{StatusCode, Url};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, warn};
use voicebot_protocol::WireMessage;
use voicebot_protocol::responses::{CreateResponse, ErrorBody, ReasoningEffort};

use self::retry::RetryPolicy;
use crate::endpoint::OpenAiEndpoint;
use crate::error::{Error, Result};
use crate::secret::ApiKey;
use crate::text::{TextModel, TextReply, TextRequest};
use crate::tls::{Trust, certificate_error};

/// How long the brain waits for an answer by default, retries included.
pub const RESPONSES_DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long connecting may take, per attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of an error body is kept when it is not the API's JSON.
const MAX_ERROR_TEXT: usize = 300;
/// The largest JSON answer read (a `response` object with long reasoning is a few hundred KiB); a larger one is
/// refused as it arrives instead of being buffered whole. Server-sent events have their own per-event limit.
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// The largest error body read.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// A client for the OpenAI Responses API, or any server that speaks it (`voicebot sim`, a gateway).
///
/// Each [`TextModel::complete`] call sends one stateless request (`store: false` unless changed) with the
/// instructions and the user's text, and returns the joined `output_text`. Behaviour:
/// - **Time limit:** the whole call, retries and waits included, is limited by [`ResponsesClient::with_timeout`]
///   (default [`RESPONSES_DEFAULT_TIMEOUT`], 20 s), then fails with [`Error::Timeout`]. A retry wait that would end
///   after the limit is not started: the last error is returned at once.
/// - **Retries:** like the official SDK, two retries by default for connection failures and HTTP 408, 409, 429 and
///   5xx (or when the server sends `x-should-retry: true`), never for 401 and 403 or a spent quota. The wait is the
///   server's `retry-after-ms` or `retry-after` (seconds or HTTP date, up to 60 s), else 0.5 s doubling to 8 s with
///   jitter. Nothing is retried once a 200 answer has started.
/// - **Streaming** ([`ResponsesClient::with_streaming`], or [`ResponsesClient::complete_with_deltas`]) reads the
///   server-sent events, joins the text deltas and checks them against the terminal event's response; the result
///   is the same [`TextReply`]. An `error` event or `response.failed` is an error, never a truncated success.
/// - **Outcomes:** see the [`TextModel`] contract; the text is never empty.
/// - **TLS:** Mozilla's root certificates, plus what [`ResponsesClient::with_trust`] adds; a refused server
///   certificate is [`Error::Certificate`] and is not retried.
/// - **Secrets:** the key goes only into the `Authorization: Bearer` header; it is never logged, never in `Debug`,
///   and removed from any server message before that becomes an error. `x-request-id` is logged at debug level.
#[derive(Clone)]
pub struct ResponsesClient {
    http: reqwest::Client,
    url: Url,
    /// `host:port` of the endpoint, for errors and logs.
    host: String,
    key: ApiKey,
    model: String,
    timeout: Duration,
    streaming: bool,
    store: bool,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl ResponsesClient {
    /// A client for `model` at `endpoint`'s `/responses`, with the defaults: 20 s time limit, no streaming, two
    /// retries, `store: false`.
    ///
    /// # Errors
    /// [`Error::MissingKey`] when `key` is empty; [`Error::Connect`] when the HTTP client cannot be built (no TLS
    /// backend).
    pub fn new(endpoint: &OpenAiEndpoint, key: ApiKey, model: impl Into<String>) -> Result<Self> {
        let url = endpoint.responses_url();
        let host = host_of(&url);
        if key.is_empty() {
            return Err(Error::MissingKey {
                variable: "OPENAI_API_KEY",
                needed_for: "the Responses API (the brain)",
            });
        }
        let http = http_client(&Trust::new(), &host)?;
        Ok(ResponsesClient {
            http,
            url,
            host,
            key,
            model: model.into(),
            timeout: RESPONSES_DEFAULT_TIMEOUT,
            streaming: false,
            store: false,
            retry: RetryPolicy::default(),
            max_body_bytes: MAX_BODY_BYTES,
        })
    }

    /// Sets the certificate authorities an `https://` endpoint is checked against (Mozilla's roots by default).
    /// The HTTP client is built again here, once; requests never read the CA files.
    ///
    /// # Errors
    /// [`Error::Connect`] when the HTTP client cannot be built with them.
    pub fn with_trust(mut self, trust: &Trust) -> Result<Self> {
        self.http = http_client(trust, &self.host)?;
        Ok(self)
    }

    /// Sets the time limit of a whole call, retries included.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Asks for server-sent events (`stream: true`) in [`TextModel::complete`] too.
    #[must_use]
    pub fn with_streaming(mut self, streaming: bool) -> Self {
        self.streaming = streaming;
        self
    }

    /// Sets the largest JSON answer accepted (default [`MAX_BODY_BYTES`]); a larger one is refused as it arrives.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit.max(1);
        self
    }

    /// Sets `store` (default `false`: nothing is kept on the server).
    #[must_use]
    pub fn with_store(mut self, store: bool) -> Self {
        self.store = store;
        self
    }

    /// Sets how many times a retryable failure is retried after the first attempt (default 2; 0 disables retries).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Sets the backoff used when the server gives no usable retry hint: `initial`, doubling per retry up to
    /// `max` (defaults 0.5 s and 8 s), each shortened by up to a quarter at random.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.retry.initial = initial;
        self.retry.max = max.max(initial);
        self
    }

    /// The model this client asks.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Like [`TextModel::complete`], but always streams and sends each text delta to `deltas` as it arrives.
    ///
    /// The deltas are provisional: the returned result is the verdict (an `incomplete` or failed response is an
    /// error even after some deltas were sent). `deltas` is bounded, so a slow reader slows the call down; a closed
    /// receiver is not an error, the deltas are then only collected.
    ///
    /// # Errors
    /// As [`TextModel::complete`].
    pub async fn complete_with_deltas(
        &self,
        request: TextRequest,
        deltas: mpsc::Sender<String>,
    ) -> Result<TextReply> {
        self.call(&request, true, Some(&deltas)).await
    }

    async fn call(
        &self,
        request: &TextRequest,
        stream: bool,
        deltas: Option<&mpsc::Sender<String>>,
    ) -> Result<TextReply> {
        let body = self.body(request, stream)?;
        let deadline = Instant::now() + self.timeout;
        let result =
            match tokio::time::timeout_at(deadline, self.attempts(body, stream, deltas, deadline)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout { what: "the Responses API call", after: self.timeout }),
            };
        result.map_err(|err| self.scrub(err))
    }

    fn body(&self, request: &TextRequest, stream: bool) -> Result<String> {
        let mut body =
            CreateResponse::user_text(&self.model, request.instructions.as_str(), request.input.as_str())
                .with_store(self.store);
        if request.instructions.is_empty() {
            body.instructions = None;
        }
        if let Some(tokens) = request.max_output_tokens {
            body = body.with_max_output_tokens(tokens);
        }
        if let Some(effort) = &request.reasoning_effort {
            body = body.with_reasoning_effort(ReasoningEffort::from(effort.as_str()));
        }
        if stream {
            body = body.with_stream(true);
        }
        Ok(body.encode()?)
    }

    /// Sends the request until it succeeds, fails for good, or the retries run out.
    async fn attempts(
        &self,
        body: String,
        stream: bool,
        deltas: Option<&mpsc::Sender<String>>,
        deadline: Instant,
    ) -> Result<TextReply> {
        let mut retries_done = 0;
        loop {
            let failure = match self.send(body.clone(), retries_done).await {
                Ok(response) if response.status().is_success() => {
                    let reply = self.read_answer(response, stream, deltas).await;
                    return reply.map(|reply| TextReply { retries: retries_done, ..reply });
                }
                Ok(response) => self.http_failure(response).await,
                Err(err) => match certificate_error(&self.host, &err) {
                    // Another attempt meets the same certificate.
                    Some(error) => Failure { error, retry: false, hint: None },
                    None => Failure {
                        error: Error::Connect { host: self.host.clone(), message: describe(err) },
                        retry: true,
                        hint: None,
                    },
                },
            };
            if !failure.retry || retries_done >= self.retry.max_retries {
                return Err(failure.error);
            }
            let delay =
                failure.hint.unwrap_or_else(|| self.retry.backoff(retries_done, retry::random_unit()));
            if Instant::now() + delay >= deadline {
                debug!(delay_ms = delay.as_millis(), "not retrying: the wait would pass the time limit");
                return Err(failure.error);
            }
            retries_done += 1;
            warn!(host = %self.host, retry = retries_done, delay_ms = delay.as_millis(), error = %self.scrub_text(&failure.error.to_string()), "retrying the Responses API call");
            tokio::time::sleep(delay).await;
        }
    }

    async fn send(&self, body: String, retries_done: u32) -> Result<reqwest::Response, reqwest::Error> {
        let response = self
            .http
            .post(self.url.clone())
            // The one place the key is read for the wire.
            .bearer_auth(self.key.expose())
            .header(CONTENT_TYPE, "application/json")
            .header("x-stainless-retry-count", retries_done.to_string())
            .body(body)
            .send()
            .await?;
        debug!(
            host = %self.host,
            status = response.status().as_u16(),
            request_id = header_text(response.headers(), "x-request-id").unwrap_or("-"),
            retries_done,
            "Responses API answered"
        );
        Ok(response)
    }

    /// Reads a 200 answer: one JSON body, or an event stream.
    async fn read_answer(
        &self,
        response: reqwest::Response,
        stream: bool,
        deltas: Option<&mpsc::Sender<String>>,
    ) -> Result<TextReply> {
        let is_json = header_text(response.headers(), CONTENT_TYPE.as_str())
            .is_some_and(|value| value.trim_start().starts_with("application/json"));
        if stream && !is_json {
            return stream::read_events(response, &self.host, deltas).await;
        }
        let text = self.read_limited(response, self.max_body_bytes, "a Responses API answer").await?;
        let reply = outcome::from_body(&text)?;
        if let Some(deltas) = deltas {
            // A server that ignored `stream: true` still gives the caller its text, as one delta.
            let _closed = deltas.send(reply.text.clone()).await;
        }
        Ok(reply)
    }

    /// Classifies an HTTP error answer.
    async fn http_failure(&self, response: reqwest::Response) -> Failure {
        let status = response.status();
        let headers = response.headers().clone();
        let hint = retry::retry_after(&headers, SystemTime::now());
        let text =
            self.read_limited(response, MAX_ERROR_BODY_BYTES, "an error answer").await.unwrap_or_default();
        let api_error = ErrorBody::decode(&text).ok().map(|body| body.error);
        let insufficient_quota = api_error.as_ref().is_some_and(|error| error.is_insufficient_quota());
        let retry = retry::should_retry(status, &headers, insufficient_quota);
        let (code, mut message) = match api_error {
            Some(error) => (error.code.or(error.kind), error.message),
            None => (None, truncate(text.trim(), MAX_ERROR_TEXT)),
        };
        if message.is_empty() {
            message = status.canonical_reason().unwrap_or("no reason given").to_owned();
        }
        if status == StatusCode::UNAUTHORIZED {
            message.push_str(" (check OPENAI_API_KEY)");
        }
        Failure {
            error: Error::Http { host: self.host.clone(), status: status.as_u16(), code, message },
            retry,
            hint,
        }
    }

    /// The body of `response` as text, read chunk by chunk and refused once it passes `limit` bytes.
    async fn read_limited(
        &self,
        mut response: reqwest::Response,
        limit: usize,
        what: &'static str,
    ) -> Result<String> {
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(Error::TooLarge { what, limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| self.broke(err))? {
            if body.len() + chunk.len() > limit {
                return Err(Error::TooLarge { what, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn broke(&self, err: reqwest::Error) -> Error {
        Error::Connect {
            host: self.host.clone(),
            message: format!("the answer broke off: {}", describe(err)),
        }
    }

    /// Removes the key from anything a server (or a library) put into an error.
    fn scrub(&self, err: Error) -> Error {
        match err {
            Error::Http { host, status, code, message } => {
                Error::Http { host, status, code, message: self.scrub_text(&message) }
            }
            Error::Failed { code, message } => Error::Failed { code, message: self.scrub_text(&message) },
            Error::Connect { host, message } => Error::Connect { host, message: self.scrub_text(&message) },
            other if !self.key.is_empty() && other.to_string().contains(self.key.expose()) => {
                Error::Failed { code: None, message: self.scrub_text(&other.to_string()) }
            }
            other => other,
        }
    }

    fn scrub_text(&self, text: &str) -> String {
        // The second place the key is read: to find it, never to show it.
        let key = self.key.expose();
        if key.is_empty() { text.to_owned() } else { text.replace(key, "<redacted>") }
    }
}

#[async_trait]
impl TextModel for ResponsesClient {
    async fn complete(&self, request: TextRequest) -> Result<TextReply> {
        self.call(&request, self.streaming, None).await
    }
}

impl fmt::Debug for ResponsesClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponsesClient")
            .field("url", &self.url.as_str())
            .field("key", &self.key)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("streaming", &self.streaming)
            .field("store", &self.store)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// An attempt that did not produce an answer.
struct Failure {
    error: Error,
    retry: bool,
    /// The server's retry hint, when usable.
    hint: Option<Duration>,
}

/// The HTTP client: the connect timeout, and rustls with `trust`'s roots.
fn http_client(trust: &Trust, host: &str) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .tls_backend_preconfigured(trust.http())
        .build()
        .map_err(|err| Error::Connect {
            host: host.to_owned(),
            message: format!("cannot build the HTTP client: {}", describe(err)),
        })
}

fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// A reqwest error with its causes, without the URL.
fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}
