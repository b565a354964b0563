//! Reads a streamed Responses API answer: server-sent events in, text deltas out, the terminal event decides.

use tokio::sync::mpsc;
use tracing::{debug, trace, warn};
use voicebot_protocol::DecodeError;
use voicebot_protocol::responses::{SseDecoder, SseItem, StreamEvent};

use super::{describe, outcome};
use crate::error::{Error, Result};
use crate::text::TextReply;

/// Reads events until the terminal one (`response.completed`, `.incomplete`, `.failed` or `error`) and classifies
/// it. Text deltas are joined, and also sent to `deltas` when given.
pub(super) async fn read_events(
    mut response: reqwest::Response,
    host: &str,
    deltas: Option<&mpsc::Sender<String>>,
) -> Result<TextReply> {
    let mut decoder = SseDecoder::new();
    let mut items = Vec::new();
    let mut reader = EventReader { text: String::new(), deltas, last_decode_error: None };
    loop {
        let chunk = response.chunk().await.map_err(|err| Error::Connect {
            host: host.to_owned(),
            message: format!("the event stream broke off: {}", describe(err)),
        })?;
        let ended = match chunk {
            Some(bytes) => {
                if let Err(err) = decoder.feed(&bytes, &mut items) {
                    warn!(%err, "skipped an oversized server-sent event");
                }
                false
            }
            None => {
                items.extend(decoder.finish());
                true
            }
        };
        for item in items.drain(..) {
            if let Some(outcome) = reader.on_item(item).await {
                return outcome;
            }
        }
        if ended {
            return Err(reader.ended_early(host));
        }
    }
}

/// The state of one stream.
struct EventReader<'a> {
    /// The text deltas so far.
    text: String,
    deltas: Option<&'a mpsc::Sender<String>>,
    /// The last event that could not be decoded, reported if the stream then ends without a terminal event.
    last_decode_error: Option<DecodeError>,
}

impl EventReader<'_> {
    /// Handles one item; `Some` when the stream is decided.
    async fn on_item(&mut self, item: SseItem) -> Option<Result<TextReply>> {
        let frame = match item {
            SseItem::Frame(frame) => frame,
            // `[DONE]` after a terminal event is never read (we stop there), so here it came too early.
            SseItem::Done => return Some(Err(self.early_done())),
        };
        let event = match frame.decode() {
            Ok(event) => event,
            Err(err) => {
                warn!(kind = err.event_kind().unwrap_or("?"), %err, "skipped an undecodable server-sent event");
                self.last_decode_error = Some(err);
                return None;
            }
        };
        trace!(kind = event_kind(&event), "server-sent event");
        match event {
            StreamEvent::ResponseOutputTextDelta(delta) => {
                self.text.push_str(&delta.delta);
                if let Some(deltas) = self.deltas {
                    // A closed receiver only means nobody listens to the deltas any more.
                    let _closed = deltas.send(delta.delta).await;
                }
                None
            }
            StreamEvent::ResponseCompleted(snapshot)
            | StreamEvent::ResponseIncomplete(snapshot)
            | StreamEvent::ResponseFailed(snapshot) => {
                debug!(response_id = %snapshot.response.id, "terminal server-sent event");
                Some(outcome::from_response(snapshot.response, Some(&self.text)))
            }
            StreamEvent::Error(error) => Some(Err(Error::Failed {
                code: error.code,
                message: if error.message.is_empty() {
                    "the stream reported an error".to_owned()
                } else {
                    error.message
                },
            })),
            _ => None,
        }
    }

    fn early_done(&mut self) -> Error {
        Error::Failed {
            code: None,
            message: format!(
                "the event stream sent [DONE] before a final response event{}",
                self.decode_note()
            ),
        }
    }

    fn ended_early(&mut self, host: &str) -> Error {
        Error::Connect {
            host: host.to_owned(),
            message: format!("the event stream ended before a final response event{}", self.decode_note()),
        }
    }

    fn decode_note(&mut self) -> String {
        self.last_decode_error
            .take()
            .map(|err| format!(" (an event could not be decoded: {err})"))
            .unwrap_or_default()
    }
}

fn event_kind(event: &StreamEvent) -> &str {
    voicebot_protocol::WireMessage::kind(event)
}
