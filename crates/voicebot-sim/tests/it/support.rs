//! Helpers: starting a simulator, raw clients, generated audio, reading frames with timeouts.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};
use voicebot_sim::{AudioConfig, Scenario, Sim, SimHandle, Voice};

/// The timeout on every await.
pub(crate) const T: Duration = Duration::from_secs(10);

/// A raw WebSocket client.
pub(crate) type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) const GEMINI_PATH: &str =
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";

pub(crate) async fn sim() -> SimHandle {
    sim_with(Scenario::default()).await
}

pub(crate) async fn sim_with(scenario: Scenario) -> SimHandle {
    timeout(T, Sim::start(scenario)).await.expect("start in time").expect("start")
}

/// The default scenario with the synthetic voice pinned, for tests that depend on its timing.
pub(crate) fn synthetic_voice() -> Scenario {
    Scenario {
        audio: AudioConfig { voice: Voice::Synthetic, ..AudioConfig::default() },
        ..Scenario::default()
    }
}

/// A scenario from `fixtures/sim/`.
pub(crate) fn fixture(name: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sim").join(name);
    Scenario::from_file(path).expect("fixture scenario")
}

/// A sine tone at `dbfs` RMS.
pub(crate) fn tone(ms: u32, rate: u32, dbfs: f64) -> Vec<i16> {
    let amplitude = 10f64.powf(dbfs / 20.0) * std::f64::consts::SQRT_2 * 32767.0;
    (0..rate * ms / 1000)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * 300.0 * f64::from(n) / f64::from(rate);
            (amplitude * phase.sin()) as i16
        })
        .collect()
}

/// One synthetic utterance: 300 ms of silence, a 600 ms 300 Hz tone burst at -20 dBFS, 800 ms of silence.
pub(crate) fn utterance(rate: u32) -> Vec<i16> {
    let per_ms = (rate / 1000) as usize;
    let mut samples = vec![0i16; 300 * per_ms];
    samples.extend(tone(600, rate, -20.0));
    samples.extend(vec![0i16; 800 * per_ms]);
    samples
}

pub(crate) async fn connect_gemini(sim: &SimHandle, key: &str) -> Result<Client> {
    let url = format!("ws://{}{GEMINI_PATH}", sim.addr());
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("x-goog-api-key", HeaderValue::from_str(key)?);
    let (client, _) = timeout(T, connect_async_with_config(request, None, true)).await??;
    Ok(client)
}

pub(crate) async fn connect_openai(sim: &SimHandle, key: &str, beta: bool) -> Result<Client> {
    let url = format!("ws://{}/v1/realtime?model=gpt-realtime-2.1", sim.addr());
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("authorization", HeaderValue::from_str(&format!("Bearer {key}"))?);
    if beta {
        request.headers_mut().insert("openai-beta", HeaderValue::from_static("realtime=v1"));
    }
    let (client, _) = timeout(T, connect_async_with_config(request, None, true)).await??;
    Ok(client)
}

pub(crate) async fn send(client: &mut Client, value: &Value) -> Result<()> {
    timeout(T, client.send(Message::Text(value.to_string().into()))).await??;
    Ok(())
}

pub(crate) async fn send_text(client: &mut Client, text: String) -> Result<()> {
    timeout(T, client.send(Message::Text(text.into()))).await??;
    Ok(())
}

/// What the next data frame was.
#[derive(Debug)]
pub(crate) enum Next {
    Json(Value),
    NotJson(#[allow(dead_code, reason = "shown in failure messages")] String),
    Closed(Option<(u16, String)>),
    Dropped,
}

/// The next text or binary frame, or how the connection ended.
pub(crate) async fn next(client: &mut Client) -> Result<Next> {
    loop {
        let message = timeout(T, client.next()).await.context("no frame in time")?;
        let text = match message {
            Some(Ok(Message::Text(text))) => text.to_string(),
            Some(Ok(Message::Binary(bytes))) => String::from_utf8(bytes.to_vec())?,
            Some(Ok(Message::Close(frame))) => {
                // Keep reading so that tungstenite sends its close reply, as a real client does.
                let _ = timeout(T, async { while client.next().await.is_some() {} }).await;
                return Ok(Next::Closed(frame.map(|f| (u16::from(f.code), f.reason.to_string()))));
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Ok(Next::Dropped),
        };
        return Ok(match serde_json::from_str(&text) {
            Ok(value) => Next::Json(value),
            Err(_) => Next::NotJson(text),
        });
    }
}

/// Reads JSON frames until one matches `done`; returns all of them, the match last.
pub(crate) async fn until(client: &mut Client, done: impl Fn(&Value) -> bool) -> Result<Vec<Value>> {
    let mut seen = Vec::new();
    loop {
        match next(client).await? {
            Next::Json(value) => {
                let stop = done(&value);
                seen.push(value);
                if stop {
                    return Ok(seen);
                }
            }
            other => bail!("connection ended before the expected frame: {other:?}; saw {seen:?}"),
        }
    }
}

/// Reads until the connection ends; returns how.
pub(crate) async fn until_end(client: &mut Client) -> Result<Next> {
    loop {
        match next(client).await? {
            Next::Json(_) | Next::NotJson(_) => {}
            end => return Ok(end),
        }
    }
}

pub(crate) fn kind(value: &Value) -> &str {
    value["type"].as_str().unwrap_or_default()
}

pub(crate) fn has(value: &Value, pointer: &str) -> bool {
    value.pointer(pointer).is_some()
}
