//! The OpenAI side of the supervisor: the handshake, command encoding and server events to [`RealtimeEvent`]s.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde_json::{Map, Value};
use tracing::{debug, trace, warn};
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::openai::{
    ClientEvent, ConversationItemCreate, ConversationItemDelete, ConversationItemRetrieve, Item,
    ResponseStatus, Role, ServerEvent, Session as WireSession,
};
use voicebot_protocol::pcm;

use super::OpenAiDialect;
use super::calls::OpenCalls;
use super::session::{beta_update, ga_update};
use crate::config::{Provider, SessionConfig};
use crate::endpoint::OpenAiEndpoint;
use crate::error::{Result, permanent_code};
use crate::event::{ItemRole, RealtimeEvent, TurnStatus, Usage};
use crate::realtime::{KeepAlive, Limits};
use crate::secret::ApiKey;
use crate::session::{Command, SeedItem, SeedRole};
use crate::tls::Trust;
use crate::ws::dialect::{Action, Dialect, Frame, Ignored};
use crate::ws::{AudioEncoder, Dial};

/// Output audio samples per millisecond (PCM16 mono at 24 kHz).
const SAMPLES_PER_MS: u64 = 24;
/// How many assistant items' received-audio counts are remembered for truncation.
const TRACKED_ITEMS: usize = 64;
/// How many tool call ids are remembered for de-duplication.
const TRACKED_CALLS: usize = 1024;

/// The protocol state of one OpenAI session.
#[derive(Debug)]
pub(crate) struct OpenAiWire {
    endpoint: OpenAiEndpoint,
    key: ApiKey,
    dialect: OpenAiDialect,
    keepalive: KeepAlive,
    /// Output audio samples received per assistant item, oldest first.
    received: VecDeque<(String, u64)>,
    /// Tool call ids already surfaced.
    calls: HashSet<String>,
    call_order: VecDeque<String>,
    ignored: Ignored,
    /// Calls whose answer has not been given yet, kept across connections.
    open_calls: OpenCalls,
    /// The certificate authorities a `wss://` connection trusts.
    trust: Trust,
}

impl OpenAiWire {
    pub(crate) fn new(
        endpoint: OpenAiEndpoint,
        key: ApiKey,
        dialect: OpenAiDialect,
        keepalive: KeepAlive,
    ) -> Self {
        OpenAiWire {
            endpoint,
            key,
            dialect,
            keepalive,
            received: VecDeque::new(),
            calls: HashSet::new(),
            call_order: VecDeque::new(),
            ignored: Ignored::default(),
            open_calls: OpenCalls::default(),
            trust: Trust::new(),
        }
    }

    /// Sets the certificate authorities a `wss://` connection trusts.
    pub(crate) fn with_trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    fn record_audio(&mut self, item_id: &str, samples: usize) {
        let samples = samples as u64;
        if let Some((_, total)) = self.received.iter_mut().find(|(id, _)| id == item_id) {
            *total += samples;
            return;
        }
        if self.received.len() >= TRACKED_ITEMS {
            self.received.pop_front();
        }
        self.received.push_back((item_id.to_owned(), samples));
    }

    fn truncated(&mut self, item_id: &str, end_ms: u64) {
        if let Some((_, total)) = self.received.iter_mut().find(|(id, _)| id == item_id) {
            *total = (*total).min(end_ms * SAMPLES_PER_MS);
        }
    }

    fn received_ms(&self, item_id: &str) -> u64 {
        self.received.iter().find(|(id, _)| id == item_id).map_or(0, |(_, samples)| samples / SAMPLES_PER_MS)
    }

    fn tool_call(&mut self, call_id: String, name: String, arguments: &str, actions: &mut Vec<Action>) {
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
        self.open_calls.surfaced(&call_id, &name, arguments);
        let arguments = if arguments.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(arguments).unwrap_or_else(|_| Value::String(arguments.to_owned()))
        };
        actions.push(Action::Event(RealtimeEvent::ToolCall { call_id, name, arguments }));
    }

    fn on_event(&mut self, event: ServerEvent, actions: &mut Vec<Action>) {
        let mut emit = |event| actions.push(Action::Event(event));
        match event {
            ServerEvent::SessionCreated(event) => {
                debug!(session_id = ?session_id(&event.session), "session created")
            }
            ServerEvent::SessionUpdated(event) => {
                emit(RealtimeEvent::Ready { session_id: session_id(&event.session) })
            }
            ServerEvent::InputAudioBufferSpeechStarted(event) => emit(RealtimeEvent::SpeechStarted {
                item_id: Some(event.item_id),
                audio_start: Some(Duration::from_millis(event.audio_start_ms)),
            }),
            ServerEvent::InputAudioBufferSpeechStopped(event) => emit(RealtimeEvent::SpeechStopped {
                item_id: Some(event.item_id),
                audio_end: Some(Duration::from_millis(event.audio_end_ms)),
            }),
            ServerEvent::ConversationItemInputAudioTranscriptionDelta(event) => {
                if let Some(text) = event.delta.filter(|text| !text.is_empty()) {
                    emit(RealtimeEvent::InputTranscript {
                        item_id: Some(event.item_id),
                        text,
                        is_final: false,
                    });
                }
            }
            ServerEvent::ConversationItemInputAudioTranscriptionCompleted(event) => {
                emit(RealtimeEvent::InputTranscript {
                    item_id: Some(event.item_id),
                    text: event.transcript,
                    is_final: true,
                });
            }
            ServerEvent::ConversationItemAdded(event) => {
                self.open_calls.item_added(&event.item);
                if let Item::Message(message) = &event.item
                    && let Some(item_id) = message.id.clone()
                {
                    emit(RealtimeEvent::ItemAdded {
                        item_id,
                        previous_item_id: event.previous_item_id,
                        role: item_role(&message.role),
                    });
                }
            }
            ServerEvent::ConversationItemRetrieved(event) => {
                if let Item::Message(message) = &event.item
                    && message.role == Role::User
                    && let Some(item_id) = message.id.clone()
                {
                    let text = message.text();
                    if !text.trim().is_empty() {
                        emit(RealtimeEvent::InputTranscript { item_id: Some(item_id), text, is_final: true });
                    }
                }
            }
            ServerEvent::ConversationItemDone(event) => self.open_calls.item_added(&event.item),
            ServerEvent::ResponseCreated(event) => {
                self.open_calls.response_created(event.response.id.as_deref());
                emit(RealtimeEvent::ResponseStarted { response_id: event.response.id })
            }
            ServerEvent::ResponseOutputAudioDelta(event) => match event.pcm() {
                Ok(samples) => {
                    self.record_audio(&event.item_id, samples.len());
                    actions.push(Action::Event(RealtimeEvent::AudioDelta {
                        item_id: Some(event.item_id),
                        samples,
                    }));
                }
                Err(error) => warn!(error = %error, "undecodable output audio"),
            },
            ServerEvent::ResponseOutputAudioTranscriptDelta(event) => emit(RealtimeEvent::OutputTranscript {
                item_id: Some(event.item_id),
                text: event.delta,
                is_final: false,
            }),
            ServerEvent::ResponseOutputAudioTranscriptDone(event) => emit(RealtimeEvent::OutputTranscript {
                item_id: Some(event.item_id),
                text: event.transcript,
                is_final: true,
            }),
            ServerEvent::ResponseOutputTextDelta(event) => emit(RealtimeEvent::OutputTranscript {
                item_id: Some(event.item_id),
                text: event.delta,
                is_final: false,
            }),
            ServerEvent::ResponseOutputTextDone(event) => emit(RealtimeEvent::OutputTranscript {
                item_id: Some(event.item_id),
                text: event.text,
                is_final: true,
            }),
            ServerEvent::ResponseFunctionCallArgumentsDone(event) => {
                self.tool_call(event.call_id, event.name, &event.arguments, actions);
            }
            ServerEvent::ResponseOutputItemDone(event) => {
                if let Item::FunctionCall(call) = event.item
                    && let Some(call_id) = call.call_id
                {
                    self.tool_call(call_id, call.name, &call.arguments, actions);
                }
            }
            ServerEvent::ResponseDone(event) => {
                let response = event.response;
                self.open_calls.response_done(response.id.as_deref());
                if let Some(usage) = &response.usage {
                    emit(RealtimeEvent::Usage(Usage {
                        input_tokens: usage.input_tokens.unwrap_or(0),
                        output_tokens: usage.output_tokens.unwrap_or(0),
                        total_tokens: usage.total(),
                        cached_input_tokens: usage.cached_tokens(),
                    }));
                }
                let failure = response
                    .status_details
                    .as_ref()
                    .and_then(|details| details.error.as_ref())
                    .filter(|error| error.code.as_deref().and_then(permanent_code).is_some())
                    .cloned();
                let status = match response.status {
                    Some(ResponseStatus::Cancelled) => TurnStatus::Cancelled,
                    Some(ResponseStatus::Incomplete) => TurnStatus::Incomplete,
                    Some(ResponseStatus::Failed) => TurnStatus::Failed,
                    _ => TurnStatus::Completed,
                };
                emit(RealtimeEvent::TurnComplete { response_id: response.id, status });
                if let Some(error) = failure {
                    // A response that failed for a refused model or key: every later one would fail the same way.
                    actions
                        .push(Action::Fail { code: error.code, message: error.message.unwrap_or_default() });
                }
            }
            ServerEvent::Error(event) => {
                let error = event.error;
                if error.code.as_deref().and_then(permanent_code).is_some() {
                    warn!(code = ?error.code, message = %error.message, "provider error that retrying cannot fix");
                    actions.push(Action::Fail { code: error.code, message: error.message });
                } else if error.is_session_expired() {
                    warn!(message = %error.message, "the session reached its maximum duration");
                    emit(RealtimeEvent::SessionExpired { message: error.message });
                } else {
                    if error.is_benign() {
                        debug!(code = ?error.code, message = %error.message, "benign provider error");
                    } else {
                        warn!(code = ?error.code, message = %error.message, "provider error");
                    }
                    emit(RealtimeEvent::Warning { code: error.code, message: error.message });
                }
            }
            ServerEvent::Unknown { kind, .. } => self.ignored.unknown(&kind, actions),
            other => trace!(kind = %other.kind(), "server event ignored"),
        }
    }
}

fn session_id(session: &WireSession) -> Option<String> {
    match session {
        WireSession::Realtime(session) => session.id.clone(),
        WireSession::Transcription(session) => session.id.clone(),
        _ => None,
    }
}

fn encode_audio(samples: &[i16]) -> Option<String> {
    ClientEvent::append_audio(pcm::encode_i16(samples)).encode().ok()
}

/// A tool output as the `function_call_output.output` string: never empty.
fn output_text(output: Value) -> String {
    match output {
        Value::String(text) if !text.trim().is_empty() => text,
        Value::String(text) => {
            Value::Object(Map::from_iter([("result".to_owned(), Value::String(text))])).to_string()
        }
        Value::Null => r#"{"result":null}"#.to_owned(),
        other => other.to_string(),
    }
}

fn item_role(role: &Role) -> ItemRole {
    match role {
        Role::User => ItemRole::User,
        Role::Assistant => ItemRole::Assistant,
        _ => ItemRole::System,
    }
}

fn seed_item(item: SeedItem) -> Item {
    match item.role {
        SeedRole::System => Item::system_text(item.text),
        SeedRole::User => Item::user_text(item.text),
        SeedRole::Assistant => Item::assistant_text(item.text),
    }
}

impl Dialect for OpenAiWire {
    fn provider(&self) -> Provider {
        Provider::OpenAi
    }

    fn dial(&self, config: &SessionConfig, limits: &Limits) -> Result<Dial> {
        let url = self.endpoint.realtime_url(&config.model);
        let mut headers = vec![("authorization", format!("Bearer {}", self.key.expose()))];
        if self.dialect == OpenAiDialect::Beta {
            headers.push(("openai-beta", "realtime=v1".to_owned()));
        }
        Dial::new(&url, &headers, limits, &self.trust, encode_audio as AudioEncoder)
    }

    fn handshake(&mut self, config: &SessionConfig) -> Result<(Vec<String>, bool)> {
        // A new OpenAI connection is always a new conversation: nothing resumes, but tool results whose
        // answer was not given yet are carried into it.
        self.received.clear();
        let update = match self.dialect {
            OpenAiDialect::Ga => ga_update(config)?,
            OpenAiDialect::Beta => beta_update(config),
        };
        let mut frames = vec![update];
        for event in self.open_calls.new_conversation() {
            frames.push(event.encode()?);
        }
        Ok((frames, false))
    }

    fn ready_on_connect(&self) -> bool {
        true
    }

    fn keepalive(&self) -> KeepAlive {
        self.keepalive
    }

    fn command(&mut self, command: Command) -> Result<Vec<String>> {
        let events = match command {
            Command::Text(text) => {
                vec![ClientEvent::create_item(Item::user_text(text)), ClientEvent::create_response()]
            }
            Command::ToolResult { call_id, name, output } => {
                self.open_calls.result(&call_id, &name, output_text(output))
            }
            Command::CancelResponse => vec![ClientEvent::cancel_response()],
            Command::Truncate { item_id, played } => {
                let played_ms = u64::try_from(played.as_millis()).unwrap_or(u64::MAX);
                let end_ms = played_ms.min(self.received_ms(&item_id));
                if end_ms == 0 {
                    debug!(item_id = %item_id, "nothing played, truncate skipped");
                    Vec::new()
                } else {
                    // The item is now this long: a later truncate is clamped to it.
                    self.truncated(&item_id, end_ms);
                    vec![ClientEvent::truncate(item_id, end_ms)]
                }
            }
            Command::Seed(items) => {
                items.into_iter().map(|item| ClientEvent::create_item(seed_item(item))).collect()
            }
            Command::Insert { item, item_id, previous_item_id } => {
                let mut item = seed_item(item);
                if let Item::Message(message) = &mut item {
                    message.id = item_id;
                }
                vec![ClientEvent::from(ConversationItemCreate { event_id: None, previous_item_id, item })]
            }
            Command::DeleteItem(item_id) => {
                vec![ClientEvent::from(ConversationItemDelete { event_id: None, item_id })]
            }
            Command::RetrieveItem(item_id) => {
                vec![ClientEvent::from(ConversationItemRetrieve { event_id: None, item_id })]
            }
        };
        events.iter().map(|event| Ok(event.encode()?)).collect()
    }

    fn on_frame(&mut self, frame: Frame<'_>, actions: &mut Vec<Action>) {
        let decoded = match frame {
            Frame::Text(text) => ServerEvent::decode(text),
            Frame::Binary(bytes) => ServerEvent::decode_bytes(bytes),
        };
        match decoded {
            Ok(event) => {
                trace!(kind = %event.kind(), "server event");
                self.on_event(event, actions);
            }
            Err(error) => self.ignored.undecodable(&error, actions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire() -> OpenAiWire {
        OpenAiWire::new(
            OpenAiEndpoint::default(),
            ApiKey::new("sk-test"),
            OpenAiDialect::Ga,
            KeepAlive::OPENAI,
        )
    }

    fn frames(wire: &mut OpenAiWire, frame: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        wire.on_frame(Frame::Text(frame), &mut actions);
        actions
    }

    #[test]
    fn truncation_is_clamped_to_the_audio_received_and_skipped_at_zero() {
        let mut wire = wire();
        let delta = pcm::encode_i16(&[0; 2400]); // 100 ms
        let frame = format!(
            r#"{{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"item_1",
                "output_index":0,"content_index":0,"delta":"{delta}"}}"#
        );
        assert_eq!(frames(&mut wire, &frame).len(), 1);
        let sent = wire
            .command(Command::Truncate { item_id: "item_1".into(), played: Duration::from_secs(3) })
            .unwrap();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].contains(r#""audio_end_ms":100"#), "{}", sent[0]);
        let none = wire
            .command(Command::Truncate { item_id: "item_9".into(), played: Duration::from_secs(1) })
            .unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn tool_calls_surface_once_and_outputs_are_never_empty() {
        let mut wire = wire();
        let done = r#"{"type":"response.function_call_arguments.done","event_id":"e","response_id":"r","item_id":"i",
            "output_index":0,"call_id":"call_1","name":"get_time","arguments":"{\"tz\":\"UTC\"}"}"#;
        let item = r#"{"type":"response.output_item.done","event_id":"e","response_id":"r","output_index":0,
            "item":{"type":"function_call","call_id":"call_1","name":"get_time","arguments":"{}"}}"#;
        assert_eq!(frames(&mut wire, done).len(), 1);
        let repeated = frames(&mut wire, item);
        assert_eq!(repeated[0], Action::DuplicateToolCall);
        assert!(
            matches!(&repeated[1..], [Action::Event(RealtimeEvent::Warning { code: Some(code), .. })] if code == "duplicate_tool_call"),
            "the journal hears of it: {repeated:?}"
        );
        assert_eq!(output_text(Value::String(String::new())), r#"{"result":""}"#);
        assert_eq!(output_text(Value::Null), r#"{"result":null}"#);
        assert_eq!(output_text(serde_json::json!({"a":1})), r#"{"a":1}"#);
    }

    #[test]
    fn benign_errors_are_warnings_and_expiry_is_its_own_event() {
        let mut wire = wire();
        let benign = r#"{"type":"error","event_id":"e","error":{"type":"invalid_request_error",
            "code":"response_cancel_not_active","message":"no active response"}}"#;
        assert!(matches!(&frames(&mut wire, benign)[..], [Action::Event(RealtimeEvent::Warning { .. })]));
        let expired = r#"{"type":"error","event_id":"e","error":{"type":"invalid_request_error",
            "code":"session_expired","message":"Your session hit the maximum duration of 60 minutes."}}"#;
        assert!(matches!(
            &frames(&mut wire, expired)[..],
            [Action::Event(RealtimeEvent::SessionExpired { .. })]
        ));
    }

    #[test]
    fn items_are_inserted_where_asked_and_retrieved_transcripts_are_final() {
        let mut wire = wire();
        let item = SeedItem::new(SeedRole::System, "Summary: they met.");
        let sent = wire
            .command(Command::Insert {
                item,
                item_id: Some("vb_summary_1".into()),
                previous_item_id: Some("root".into()),
            })
            .unwrap();
        let sent: Value = serde_json::from_str(&sent[0]).unwrap();
        assert_eq!(sent["type"], "conversation.item.create");
        assert_eq!(sent["previous_item_id"], "root");
        assert_eq!(sent["item"]["id"], "vb_summary_1");
        assert_eq!(sent["item"]["role"], "system");
        let sent = wire.command(Command::RetrieveItem("item_7".into())).unwrap();
        assert_eq!(sent, vec![r#"{"type":"conversation.item.retrieve","item_id":"item_7"}"#.to_owned()]);
        let retrieved = r#"{"type":"conversation.item.retrieved","event_id":"e","item":{"id":"item_7","type":"message",
            "role":"user","status":"completed","content":[{"type":"input_audio","transcript":"hello there"}]}}"#;
        assert_eq!(
            frames(&mut wire, retrieved),
            vec![Action::Event(RealtimeEvent::InputTranscript {
                item_id: Some("item_7".into()),
                text: "hello there".into(),
                is_final: true
            })]
        );
        let added = r#"{"type":"conversation.item.added","event_id":"e","previous_item_id":"item_6","item":{"id":"item_7",
            "type":"message","role":"user","status":"completed","content":[]}}"#;
        assert_eq!(
            frames(&mut wire, added),
            vec![Action::Event(RealtimeEvent::ItemAdded {
                item_id: "item_7".into(),
                previous_item_id: Some("item_6".into()),
                role: ItemRole::User
            })]
        );
    }

    #[test]
    fn log_records_that_could_hold_the_handshake_are_compiled_out() {
        // tungstenite logs the raw upgrade request, with the `authorization` header, at trace through `log`.
        assert!(log::STATIC_MAX_LEVEL <= log::LevelFilter::Debug);
    }

    #[test]
    fn a_truncated_item_is_as_long_as_the_truncate_left_it() {
        let mut wire = wire();
        let delta = pcm::encode_i16(&[0; 4800]); // 200 ms
        let frame = format!(
            r#"{{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"item_1",
                "output_index":0,"content_index":0,"delta":"{delta}"}}"#
        );
        frames(&mut wire, &frame);
        let truncate = |wire: &mut OpenAiWire, ms| {
            wire.command(Command::Truncate { item_id: "item_1".into(), played: Duration::from_millis(ms) })
                .unwrap()
        };
        assert!(truncate(&mut wire, 50)[0].contains(r#""audio_end_ms":50"#));
        assert!(truncate(&mut wire, 150)[0].contains(r#""audio_end_ms":50"#), "clamped to the cut");
    }
}
