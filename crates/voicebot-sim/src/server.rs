//! The HTTP server: one listener, routing to the three APIs, key checks, and WebSocket upgrades.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_util::task::TaskTracker;

use crate::link::{self, Link};
use crate::record::{Api, Connection, redact_header, redact_path};
use crate::shared::{COMMAND_CAPACITY, Shared};
use crate::tls::HANDSHAKE_TIMEOUT;
use crate::{gemini, openai, responses};

/// The OpenAI Realtime path.
pub(crate) const OPENAI_REALTIME_PATH: &str = "/v1/realtime";
/// The Responses API path.
pub(crate) const RESPONSES_PATH: &str = "/v1/responses";
/// The Gemini Live paths: v1beta (what design.md names), v1 (google-genai 3.4's default) and v1alpha (preview
/// features).
pub(crate) const GEMINI_PATHS: [&str; 3] = [
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
    "/ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent",
    "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent",
];

/// Where a standalone simulator reports its recorded protocol violations, for programs outside this process
/// (the official-SDK check in `scripts/sdk-check`). Not part of any provider's API.
pub(crate) const VIOLATIONS_PATH: &str = "/sim/violations";
/// Where a standalone simulator reports its timeline, deaf windows and violations as a [`crate::Report`].
pub(crate) const REPORT_PATH: &str = "/sim/report";
/// Where a program outside this process injects a [`crate::Fault`] (the JSON of a scenario's `faults` entry).
pub(crate) const FAULTS_PATH: &str = "/sim/faults";

/// The body type of every answer.
pub(crate) type Body = Full<Bytes>;

/// Accepts connections until cancelled; every connection (its TLS handshake included) is served on its own
/// tracked task.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, tracker: TaskTracker) {
    loop {
        let accepted = tokio::select! {
            () = shared.cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        // Frames are small and latency matters more than packet count, as on the real services.
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let inner = tracker.clone();
        tracker.spawn(async move {
            let Some(tls) = &shared.tls else {
                serve_connection(stream, shared.clone(), inner).await;
                return;
            };
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.acceptor.accept(stream));
            let accepted = tokio::select! {
                () = shared.cancel.cancelled() => return,
                accepted = handshake => accepted,
            };
            match accepted {
                Ok(Ok(stream)) => {
                    let server_name = stream.get_ref().1.server_name().map(str::to_owned);
                    shared.tls_handshake(None, server_name);
                    serve_connection(stream, shared.clone(), inner).await;
                }
                Ok(Err(err)) => shared.tls_handshake(Some(err.to_string()), None),
                Err(_) => {
                    shared.tls_handshake(Some("the client did not finish its handshake".to_owned()), None)
                }
            }
        });
    }
}

/// Serves HTTP/1.1, with upgrades, on one plain or TLS stream until it closes or the simulator stops.
async fn serve_connection<S>(stream: S, shared: Arc<Shared>, tracker: TaskTracker)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let cancel = shared.cancel.clone();
    let service = hyper::service::service_fn(move |request| {
        let shared = shared.clone();
        let tracker = tracker.clone();
        async move { Ok::<_, Infallible>(route(request, shared, tracker).await) }
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    // An idle keep-alive connection must not hold up a shutdown; upgraded sockets run on their own tasks.
    tokio::select! {
        _ = connection.with_upgrades() => {}
        () = cancel.cancelled() => {}
    }
}

async fn route(request: Request<Incoming>, shared: Arc<Shared>, tracker: TaskTracker) -> Response<Body> {
    let path = request.uri().path().to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET, OPENAI_REALTIME_PATH) => websocket(request, shared, tracker, Api::OpenAi),
        (&Method::GET, p) if GEMINI_PATHS.contains(&p) => websocket(request, shared, tracker, Api::Gemini),
        (&Method::POST, RESPONSES_PATH) => responses::handle(request, shared).await,
        (&Method::GET, VIOLATIONS_PATH) => json(StatusCode::OK, &violations(&shared)),
        (&Method::POST, FAULTS_PATH) => inject_fault(request, &shared).await,
        (&Method::GET, REPORT_PATH) => {
            json(StatusCode::OK, &serde_json::to_value(shared.report()).unwrap_or_default())
        }
        _ => json(StatusCode::NOT_FOUND, &not_found(&path)),
    }
}

fn violations(shared: &Shared) -> serde_json::Value {
    let state = shared.lock();
    let list = state.violations.iter().map(|v| {
        serde_json::json!({"conn": v.conn, "at_ms": v.at.as_millis() as u64, "code": v.code, "message": v.message})
    });
    serde_json::Value::Array(list.collect())
}

/// `POST /sim/faults`: a fault as JSON, injected as [`crate::SimHandle::inject`] does.
async fn inject_fault(request: Request<Incoming>, shared: &Shared) -> Response<Body> {
    use http_body_util::BodyExt as _;
    let bytes = match http_body_util::Limited::new(request.into_body(), 64 * 1024).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            let body =
                serde_json::json!({"error": {"message": "the fault must be a JSON object under 64 KiB"}});
            return json(StatusCode::BAD_REQUEST, &body);
        }
    };
    let fault: crate::Fault = match serde_json::from_slice(&bytes) {
        Ok(fault) => fault,
        Err(err) => {
            let message = format!("not a fault: {err}; see the `faults` of a scenario in fixtures/README.md");
            return json(StatusCode::BAD_REQUEST, &serde_json::json!({"error": {"message": message}}));
        }
    };
    match crate::handle::inject(shared, fault) {
        Ok(()) => json(StatusCode::OK, &serde_json::json!({"injected": true})),
        Err(err) => {
            json(StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!({"error": {"message": err.to_string()}}))
        }
    }
}

fn not_found(path: &str) -> serde_json::Value {
    serde_json::json!({"error": {"message": format!("Invalid URL (no route for {path})"),
        "type": "invalid_request_error", "param": null, "code": null}})
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The record of a new connection, before it gets an id.
pub(crate) fn connection_record<B>(request: &Request<B>, api: Api, status: u16) -> Connection {
    let path =
        request.uri().path_and_query().map_or_else(|| request.uri().path().to_owned(), |pq| pq.to_string());
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = redact_header(&name, &String::from_utf8_lossy(value.as_bytes()));
            (name, value)
        })
        .collect();
    Connection {
        id: 0,
        api,
        path: redact_path(&path),
        model: query_param(request.uri().query(), "model"),
        headers,
        status,
        opened_at: std::time::Duration::ZERO,
        closed_at: None,
        close: None,
        dropped: false,
        resumption_handle: None,
        role: None,
        audio: crate::record::AudioStats::default(),
        marks: crate::record::Marks::default(),
    }
}

/// A query parameter, percent-decoding only `%2F`-style escapes of ASCII.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The API key a request carries, by the rules of `api`.
pub(crate) fn api_key<B>(request: &Request<B>, api: Api) -> Option<String> {
    let header =
        |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    match api {
        Api::OpenAi | Api::Responses => header("authorization")
            .and_then(|value| value.strip_prefix("Bearer ").map(str::trim).map(str::to_owned)),
        Api::Gemini => header("x-goog-api-key").or_else(|| query_param(request.uri().query(), "key")),
    }
}

/// The 401 body each service answers for a missing or invalid key.
pub(crate) fn unauthorized(api: Api, key: Option<&str>) -> Response<Body> {
    let body = match api {
        Api::Gemini => serde_json::json!({"error": {"code": 401,
            "message": "API key not valid. Please pass a valid API key.", "status": "UNAUTHENTICATED"}}),
        Api::OpenAi | Api::Responses => {
            let message = match key {
                None => "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).".to_owned(),
                Some(_) => "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.".to_owned(),
            };
            serde_json::json!({"error": {"message": message, "type": "invalid_request_error", "param": null,
                "code": if key.is_some() { "invalid_api_key" } else { "missing_api_key" }}})
        }
    };
    json(StatusCode::UNAUTHORIZED, &body)
}

/// What a service answers with `status` when a [`crate::Fault::Reject`] asks for it: its own error body.
pub(crate) fn rejection(api: Api, status: u16, key: Option<&str>) -> Response<Body> {
    if status == 401 {
        return unauthorized(api, key.or(Some("revoked")));
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let body = match (api, status) {
        (Api::Gemini, 429) => serde_json::json!({"error": {"code": 429,
            "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}),
        (Api::Gemini, 403) => serde_json::json!({"error": {"code": 403,
            "message": "Permission denied: Consumer has been suspended.", "status": "PERMISSION_DENIED"}}),
        (Api::Gemini, _) => serde_json::json!({"error": {"code": status,
            "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}),
        (_, 429) => {
            serde_json::json!({"error": {"message": "Rate limit reached for requests. Please try again later.",
            "type": "requests", "param": null, "code": "rate_limit_exceeded"}})
        }
        (_, 403) => serde_json::json!({"error": {"message": "You are not allowed to use this resource.",
            "type": "invalid_request_error", "param": null, "code": "unsupported_country_region_territory"}}),
        (_, _) => serde_json::json!({"error": {"message": "The server is overloaded or not ready yet.",
            "type": "server_error", "param": null, "code": null}}),
    };
    json(code, &body)
}

fn websocket(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    tracker: TaskTracker,
    api: Api,
) -> Response<Body> {
    let key = api_key(&request, api);
    if let Some(status) = shared.take_reject(api) {
        let id = shared.open(connection_record(&request, api, status));
        shared.close(id, None, false);
        return rejection(api, status, key.as_deref());
    }
    if !key.as_deref().is_some_and(|key| shared.scenario.accepts_key(key)) {
        let id = shared.open(connection_record(&request, api, 401));
        shared.close(id, None, false);
        return unauthorized(api, key.as_deref());
    }
    let is_upgrade = request
        .headers()
        .get(UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    let Some(accept) = request.headers().get(SEC_WEBSOCKET_KEY).map(|key| derive_accept_key(key.as_bytes()))
    else {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": {"message": "expected a WebSocket upgrade"}}),
        );
    };
    if !is_upgrade {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": {"message": "expected a WebSocket upgrade"}}),
        );
    }
    let beta = request
        .headers()
        .get("openai-beta")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("realtime"));
    let conn = shared.open(connection_record(&request, api, 101));
    let model = query_param(request.uri().query(), "model");
    let (sender, commands) = mpsc::channel(COMMAND_CAPACITY);
    let faults = shared.register(conn, api, sender);
    let upgrade = hyper::upgrade::on(request);
    tracker.spawn(async move {
        let Ok(upgraded) = upgrade.await else {
            shared.close(conn, None, true);
            return;
        };
        // No receive limit: real services send large events, and clients send up to 15 MiB appends.
        let config = WebSocketConfig::default().max_message_size(None).max_frame_size(None);
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        let link = Link::new(shared.clone(), conn, api);
        match api {
            Api::OpenAi => {
                let session = openai::OpenAiSession::new(&shared, model.unwrap_or_default(), beta);
                link::run(link, ws, session, commands, faults).await;
            }
            _ => {
                let session = gemini::GeminiSession::new(&shared);
                link::run(link, ws, session, commands, faults).await;
            }
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(value) = HeaderValue::from_str(&accept) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_found_and_decoded() {
        assert_eq!(query_param(Some("model=gpt-realtime&x=1"), "model").as_deref(), Some("gpt-realtime"));
        assert_eq!(query_param(Some("key=a%2Fb+c"), "key").as_deref(), Some("a/b c"));
        assert_eq!(query_param(Some("x=1"), "model"), None);
        assert_eq!(query_param(None, "model"), None);
        assert_eq!(percent_decode("100%"), "100%");
    }
}
