//! The Gemini side of the supervisor: `setup` with the resumption handle, command encoding, and server
//! messages (several keys per frame) to [`RealtimeEvent`]s.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde_json::{Map, Value};
use tracing::{debug, trace, warn};
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::gemini::{
    ClientMessage, Content, FunctionCall, FunctionResponse, INPUT_SAMPLE_RATE_HZ, ServerContent, ServerEvent,
    ServerMessage,
};

use super::KeyPlacement;
use super::setup::setup;
use crate::config::{Provider, SessionConfig};
use crate::endpoint::GeminiEndpoint;
use crate::error::Result;
use crate::event::{RealtimeEvent, TurnStatus, Usage};
use crate::realtime::{KeepAlive, Limits};
use crate::secret::ApiKey;
use crate::session::{Command, SeedRole};
use crate::tls::Trust;
use crate::ws::dialect::{Action, Dialect, Frame, Ignored};
use crate::ws::{AudioEncoder, Dial};

/// How many tool call ids are remembered for de-duplication.
const TRACKED_CALLS: usize = 1024;

/// The protocol state of one Gemini session.
#[derive(Debug)]
pub(crate) struct GeminiWire {
    endpoint: GeminiEndpoint,
    key: ApiKey,
    placement: KeyPlacement,
    keepalive: KeepAlive,
    /// The latest resumable handle, used by the next connection.
    handle: Option<String>,
    /// Whether `setup` asks for `lastConsumedClientMessageIndex` (Vertex's transparent resumption).
    transparent: bool,
    /// A `setup` was sent and its `setupComplete` has not arrived: handles arriving meanwhile come from the
    /// link being replaced and describe a session the new link did not resume from, so they are ignored.
    awaiting_setup: bool,
    calls: HashSet<String>,
    call_order: VecDeque<String>,
    ignored: Ignored,
    /// Whether the model has started its current turn.
    turn_open: bool,
    /// Whether the current turn was interrupted.
    interrupted: bool,
    /// The certificate authorities a `wss://` connection trusts.
    trust: Trust,
}

impl GeminiWire {
    pub(crate) fn new(
        endpoint: GeminiEndpoint,
        key: ApiKey,
        placement: KeyPlacement,
        keepalive: KeepAlive,
    ) -> Self {
        GeminiWire {
            endpoint,
            key,
            placement,
            keepalive,
            handle: None,
            transparent: false,
            awaiting_setup: false,
            calls: HashSet::new(),
            call_order: VecDeque::new(),
            ignored: Ignored::default(),
            turn_open: false,
            interrupted: false,
            trust: Trust::new(),
        }
    }

    /// Sets the certificate authorities a `wss://` connection trusts.
    pub(crate) fn with_trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Asks the server for `lastConsumedClientMessageIndex` in resumption updates.
    pub(crate) fn with_transparent_resumption(mut self, transparent: bool) -> Self {
        self.transparent = transparent;
        self
    }

    fn tool_call(&mut self, call: FunctionCall, actions: &mut Vec<Action>) {
        let call_id = call.id.clone().unwrap_or_else(|| call.name.clone());
        if self.calls.contains(&call_id) {
            Ignored::duplicate_call(&call_id, actions);
            return;
        }
        if self.call_order.len() >= TRACKED_CALLS
            && let Some(oldest) = self.call_order.pop_front()
        {
            self.calls.remove(&oldest);
        }
        self.calls.insert(call_id.clone());
        self.call_order.push_back(call_id.clone());
        let event = RealtimeEvent::ToolCall { call_id, name: call.name, arguments: Value::Object(call.args) };
        actions.push(Action::Event(event));
    }

    fn open_turn(&mut self, actions: &mut Vec<Action>) {
        if !self.turn_open {
            self.turn_open = true;
            actions.push(Action::Event(RealtimeEvent::ResponseStarted { response_id: None }));
        }
    }

    fn on_content(&mut self, content: ServerContent, actions: &mut Vec<Action>) {
        let parts = content.model_turn.as_ref().map_or(&[][..], |turn| &turn.parts[..]);
        for part in parts {
            if let Some(blob) = part.audio() {
                match blob.decode_i16() {
                    Ok(samples) => {
                        self.open_turn(actions);
                        actions.push(Action::Event(RealtimeEvent::AudioDelta { item_id: None, samples }));
                    }
                    Err(error) => warn!(error = %error, "undecodable output audio"),
                }
            } else if let Some(text) = part.text.as_ref().filter(|_| !part.is_thought()) {
                self.open_turn(actions);
                let event =
                    RealtimeEvent::OutputTranscript { item_id: None, text: text.clone(), is_final: false };
                actions.push(Action::Event(event));
            }
            if let Some(call) = &part.function_call {
                // Some models repeat a toolCall inside serverContent; it is the same call id.
                self.tool_call(call.clone(), actions);
            }
        }
        if let Some(text) = content.input_transcription.as_ref().and_then(|t| t.text.clone()) {
            let is_final = content.input_transcription.as_ref().and_then(|t| t.finished) == Some(true);
            actions.push(Action::Event(RealtimeEvent::InputTranscript { item_id: None, text, is_final }));
        }
        if let Some(text) = content.output_transcription.as_ref().and_then(|t| t.text.clone()) {
            let event = RealtimeEvent::OutputTranscript { item_id: None, text, is_final: false };
            actions.push(Action::Event(event));
        }
        if content.is_interrupted() {
            self.interrupted = true;
            actions.push(Action::Event(RealtimeEvent::Interrupted));
        }
        if content.is_turn_complete() {
            let status = if self.interrupted { TurnStatus::Cancelled } else { TurnStatus::Completed };
            actions.push(Action::Event(RealtimeEvent::TurnComplete { response_id: None, status }));
            self.turn_open = false;
            self.interrupted = false;
        }
    }

    fn on_message(&mut self, message: ServerMessage, actions: &mut Vec<Action>) {
        let mut message = message;
        if let Some(complete) = message.setup_complete.take() {
            self.awaiting_setup = false;
            actions.push(Action::Event(RealtimeEvent::Ready { session_id: complete.session_id }));
            actions.push(Action::LinkReady);
        }
        if let Some(update) = message.session_resumption_update.take()
            && let Some(handle) = update.resumable_handle()
        {
            if self.awaiting_setup {
                debug!("resumption handle from the link being replaced, ignored");
            } else {
                debug!(consumed = ?update.last_consumed_client_message_index, "resumption handle updated");
                self.handle = Some(handle.to_owned());
                let consumed =
                    update.last_consumed_client_message_index.and_then(|index| u64::try_from(index).ok());
                actions.push(Action::Checkpoint { consumed });
            }
        }
        if let Some(content) = message.server_content.take() {
            self.on_content(content, actions);
        }
        if let Some(call) = message.tool_call.take() {
            for call in call.function_calls {
                self.tool_call(call, actions);
            }
        }
        if let Some(cancellation) = message.tool_call_cancellation.take() {
            let event = RealtimeEvent::ToolCallsCancelled { call_ids: cancellation.ids };
            actions.push(Action::Event(event));
        }
        if let Some(usage) = message.usage_metadata.take() {
            actions.push(Action::Event(RealtimeEvent::Usage(Usage {
                input_tokens: usage.prompt_token_count.unwrap_or(0),
                output_tokens: usage.response_token_count.unwrap_or(0),
                total_tokens: usage.total_token_count.unwrap_or(0),
                cached_input_tokens: usage.cached_content_token_count.unwrap_or(0),
            })));
        }
        if let Some(go_away) = message.go_away.take() {
            let time_left = go_away.time_left_duration().unwrap_or(Duration::ZERO);
            debug!(time_left_ms = time_left.as_millis() as u64, "goAway received");
            actions.push(Action::Event(RealtimeEvent::GoAway { time_left }));
            actions.push(Action::RollOver);
        }
    }
}

fn encode_audio(samples: &[i16]) -> Option<String> {
    ClientMessage::audio(samples, INPUT_SAMPLE_RATE_HZ).encode().ok()
}

/// A tool result as a `functionResponse`: the `response` is always a non-empty object.
fn function_response(call_id: String, name: String, output: Value) -> FunctionResponse {
    match output {
        Value::Object(object) if object.is_empty() => FunctionResponse::new(
            call_id,
            name,
            Map::from_iter([("result".to_owned(), Value::Object(object))]),
        ),
        other => FunctionResponse::result(call_id, name, other),
    }
}

impl Dialect for GeminiWire {
    fn provider(&self) -> Provider {
        Provider::Gemini
    }

    fn dial(&self, _config: &SessionConfig, limits: &Limits) -> Result<Dial> {
        let mut url = self.endpoint.live_url();
        let mut headers = Vec::new();
        match self.placement {
            KeyPlacement::Header => headers.push(("x-goog-api-key", self.key.expose().to_owned())),
            KeyPlacement::Query => {
                url.query_pairs_mut().append_pair("key", self.key.expose());
            }
        }
        Dial::new(&url, &headers, limits, &self.trust, encode_audio as AudioEncoder)
    }

    fn handshake(&mut self, config: &SessionConfig) -> Result<(Vec<String>, bool)> {
        self.turn_open = false;
        self.interrupted = false;
        self.awaiting_setup = true;
        let handle = self.handle.clone();
        let resumed = handle.is_some();
        let mut setup = setup(config, handle);
        if let Some(resumption) = setup.session_resumption.as_mut().filter(|_| self.transparent) {
            resumption.transparent = Some(true);
        }
        Ok((vec![ClientMessage::setup(setup).encode()?], resumed))
    }

    fn ready_on_connect(&self) -> bool {
        false
    }

    fn keepalive(&self) -> KeepAlive {
        self.keepalive
    }

    fn forget_resumption(&mut self) {
        if self.handle.take().is_some() {
            warn!("the server refused the resumption handle; the next connection starts a fresh session");
        }
    }

    fn command(&mut self, command: Command) -> Result<Vec<String>> {
        let message = match command {
            Command::Text(text) => ClientMessage::text(text),
            Command::ToolResult { call_id, name, output } => {
                ClientMessage::tool_response(vec![function_response(call_id, name, output)])
            }
            Command::Seed(items) => {
                let turns = items
                    .into_iter()
                    .map(|item| match item.role {
                        SeedRole::System | SeedRole::User => Content::user_text(item.text),
                        SeedRole::Assistant => Content::model_text(item.text),
                    })
                    .collect();
                ClientMessage::client_content(turns, false)
            }
            Command::CancelResponse
            | Command::Truncate { .. }
            | Command::DeleteItem(_)
            | Command::Insert { .. }
            | Command::RetrieveItem(_) => {
                trace!("no Gemini equivalent, nothing sent");
                return Ok(Vec::new());
            }
        };
        Ok(vec![message.encode()?])
    }

    fn on_frame(&mut self, frame: Frame<'_>, actions: &mut Vec<Action>) {
        let decoded = match frame {
            Frame::Text(text) => ServerEvent::decode(text),
            Frame::Binary(bytes) => ServerEvent::decode_bytes(bytes),
        };
        match decoded {
            Ok(ServerEvent::Message(message)) => {
                trace!(kind = %message.kind(), "server message");
                self.on_message(*message, actions);
            }
            Ok(other) => self.ignored.unknown(other.kind(), actions),
            Err(error) => self.ignored.undecodable(&error, actions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire() -> GeminiWire {
        GeminiWire::new(GeminiEndpoint::default(), ApiKey::new("k"), KeyPlacement::Header, KeepAlive::GEMINI)
    }

    fn actions(wire: &mut GeminiWire, frame: &[u8]) -> Vec<Action> {
        let mut actions = Vec::new();
        wire.on_frame(Frame::Binary(frame), &mut actions);
        actions
    }

    #[test]
    fn repeated_calls_surface_once_even_inside_server_content() {
        let mut wire = wire();
        let call = br#"{"toolCall":{"functionCalls":[{"id":"c1","name":"get_time","args":{}}]}}"#;
        let repeat = br#"{"serverContent":{"modelTurn":{"parts":[{"functionCall":{"id":"c1","name":"get_time","args":{}}}]}}}"#;
        assert!(matches!(&actions(&mut wire, call)[..], [Action::Event(RealtimeEvent::ToolCall { .. })]));
        assert!(
            !actions(&mut wire, repeat)
                .iter()
                .any(|a| matches!(a, Action::Event(RealtimeEvent::ToolCall { .. })))
        );
        assert!(
            !actions(&mut wire, call)
                .iter()
                .any(|a| matches!(a, Action::Event(RealtimeEvent::ToolCall { .. })))
        );
    }

    #[test]
    fn handles_are_kept_and_used_and_go_away_rolls_over() {
        let mut wire = wire();
        actions(&mut wire, br#"{"sessionResumptionUpdate":{"newHandle":"h1","resumable":true}}"#);
        actions(&mut wire, br#"{"sessionResumptionUpdate":{"newHandle":"h2","resumable":false}}"#);
        let config = SessionConfig::new("m", "i");
        let (frames, resumed) = wire.handshake(&config).unwrap();
        assert!(resumed);
        assert!(frames[0].contains(r#""sessionResumption":{"handle":"h1"}"#), "{}", frames[0]);
        let go_away = actions(&mut wire, br#"{"goAway":{"timeLeft":"5s"}}"#);
        assert_eq!(go_away.last(), Some(&Action::RollOver));
    }

    #[test]
    fn tool_results_are_never_empty_objects() {
        let json = |value| serde_json::to_value(function_response("c".into(), "f".into(), value)).unwrap();
        assert_eq!(json(Value::Null)["response"], serde_json::json!({"result": null}));
        assert_eq!(json(serde_json::json!({}))["response"], serde_json::json!({"result": {}}));
        assert_eq!(json(serde_json::json!("12:00"))["response"], serde_json::json!({"result": "12:00"}));
    }

    #[test]
    fn handles_become_checkpoints_with_the_consumed_index() {
        let mut wire = wire();
        let update = br#"{"sessionResumptionUpdate":{"newHandle":"h1","resumable":true,"lastConsumedClientMessageIndex":"7"}}"#;
        assert_eq!(actions(&mut wire, update), vec![Action::Checkpoint { consumed: Some(7) }]);
        let update = br#"{"sessionResumptionUpdate":{"newHandle":"h2","resumable":true}}"#;
        assert_eq!(actions(&mut wire, update), vec![Action::Checkpoint { consumed: None }]);
        let not_resumable = br#"{"sessionResumptionUpdate":{"resumable":false}}"#;
        assert!(actions(&mut wire, not_resumable).is_empty());
    }

    #[test]
    fn handles_from_the_replaced_link_are_ignored_until_the_new_setup_completes() {
        let mut wire = wire().with_transparent_resumption(true);
        actions(&mut wire, br#"{"sessionResumptionUpdate":{"newHandle":"h1","resumable":true}}"#);
        let (frames, _) = wire.handshake(&SessionConfig::new("m", "i")).unwrap();
        assert!(
            frames[0].contains(r#""sessionResumption":{"handle":"h1","transparent":true}"#),
            "{}",
            frames[0]
        );
        // The old link, still open during a rollover, moves on; the new link resumed from h1.
        let late = br#"{"sessionResumptionUpdate":{"newHandle":"h2","resumable":true}}"#;
        assert!(actions(&mut wire, late).is_empty());
        let ready = actions(&mut wire, br#"{"setupComplete":{}}"#);
        assert_eq!(ready.last(), Some(&Action::LinkReady));
        let (frames, _) = wire.handshake(&SessionConfig::new("m", "i")).unwrap();
        assert!(frames[0].contains(r#""handle":"h1""#), "{}", frames[0]);
        actions(&mut wire, br#"{"setupComplete":{}}"#);
        assert_eq!(actions(&mut wire, late), vec![Action::Checkpoint { consumed: None }]);
    }
}
