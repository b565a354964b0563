//! The socket side of a connection: reading one frame, sending the frames that are due, accounting for
//! what was sent, and closing.

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::{CLOSE_GRACE, End, Link, Meta, Out, SHUTDOWN_GRACE, Session, Ws};
use crate::record::{CloseRecord, Direction};
use crate::timeline::ToolCallTiming;

/// Handles one incoming frame; returns how the connection ended if it did.
pub(super) fn receive<S: Session>(
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
pub(super) async fn flush_due(link: &mut Link, ws: &mut Ws) -> Option<End> {
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

/// Records what a frame that was just sent means: audio, a completed turn, a setup acknowledgement, a
/// tool call.
fn account(link: &mut Link, meta: &Meta) {
    let at = link.shared.now();
    if let Some(item) = &meta.audio_item {
        *link.sent_audio.entry(item.clone()).or_default() += meta.audio_samples;
    }
    if meta.setup_complete {
        link.setup_complete_sent = true;
    }
    if meta.audio_samples > 0 || meta.turn_complete || meta.setup_complete || meta.tool_call.is_some() {
        link.shared.with_conn(link.conn, |conn| {
            conn.audio.output_samples += meta.audio_samples;
            if meta.turn_complete {
                conn.marks.turn_complete_at.push(at);
            }
            if meta.setup_complete {
                conn.marks.setup_acknowledged_at.push(at);
            }
            if let Some((id, name)) = &meta.tool_call {
                conn.marks.tool_calls.push(ToolCallTiming {
                    id: id.clone(),
                    name: name.clone(),
                    sent_at: Some(at),
                    response_at: None,
                });
            }
        });
    }
}

/// Sends a close frame, waits briefly for the client's answer, and reports the close.
/// The longest close reason a WebSocket close frame can carry (125 bytes of payload less the code).
const MAX_CLOSE_REASON: usize = 123;

pub(super) async fn send_close(link: &mut Link, ws: &mut Ws, code: u16, reason: &str) -> End {
    // A close frame's reason holds at most 123 bytes; the services cut longer ones, and so does this.
    let cut =
        (0..=reason.len().min(MAX_CLOSE_REASON)).rev().find(|&i| reason.is_char_boundary(i)).unwrap_or(0);
    let reason = &reason[..cut];
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
