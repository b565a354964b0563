//! OpenAI Realtime (GA) sessions: `session.created`, validated `session.update`, server VAD over the 24 kHz
//! input, user items with scripted transcription, spoken responses and the function-call flow, barge-in,
//! `response.cancel`, and item create, delete and truncate with the real service's errors.

mod config;
mod input;
mod items;
mod respond;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use voicebot_protocol::WireMessage;
use voicebot_protocol::openai::{
    AudioFormatType, ClientEvent, ConversationItemAdded, ConversationItemDone, ErrorDetail, ErrorEvent,
    ErrorType, InputAudioBufferCleared, Item, RealtimeSession, ServerEvent, Session, SessionCreated,
    SessionUpdated, TurnDetection,
};

use crate::fault::Fault;
use crate::link::{Link, Meta, Out, Session as LinkSession, When};
use crate::shared::Shared;
use crate::speech::Ready;
use crate::timeline::SessionRole;
use crate::vad::Vad;

/// The input and output rate of the GA PCM format.
const RATE_HZ: u32 = 24_000;
/// Samples per millisecond at 24 kHz.
const SAMPLES_PER_MS: u64 = 24;

/// What an item in the conversation is, as far as truncate and delete care.
#[derive(Debug, Clone)]
struct ItemRec {
    id: String,
    item: Item,
    assistant_audio: bool,
    /// Where a `conversation.item.truncate` cut the item's audio, if one did.
    truncated_ms: Option<u64>,
}

/// The response in flight.
#[derive(Debug, Clone)]
struct Active {
    id: String,
    tag: u64,
    output: Vec<Item>,
}

/// One OpenAI Realtime connection.
#[derive(Debug)]
pub(crate) struct OpenAiSession {
    shared: Arc<Shared>,
    model: String,
    beta: bool,
    session: RealtimeSession,
    vad: Option<Vad>,
    buffer_samples: u64,
    speech_item: Option<String>,
    items: Vec<ItemRec>,
    committed_turns: usize,
    calls_made: HashSet<usize>,
    active: Option<Active>,
    responses: u64,
    next_tag: u64,
    closing: bool,
    /// Spoken replies waiting for their speech, by job id.
    waiting_speech: HashMap<u64, respond::Reply>,
}

impl OpenAiSession {
    pub(crate) fn new(shared: &Arc<Shared>, model: String, beta: bool) -> Self {
        let mut session = config::default_session(&model);
        session.id = Some(shared.next_id("sess"));
        let mut me = OpenAiSession {
            shared: shared.clone(),
            model,
            beta,
            session,
            vad: None,
            buffer_samples: 0,
            speech_item: None,
            items: Vec::new(),
            // A new session of the same run continues the script where the previous one stopped.
            committed_turns: shared.openai_turns(),
            calls_made: HashSet::new(),
            active: None,
            responses: 0,
            next_tag: 0,
            closing: false,
            waiting_speech: HashMap::new(),
        };
        me.rebuild_vad();
        me
    }

    fn event_id(&self) -> String {
        self.shared.next_id("event")
    }

    fn error(
        &self,
        link: &mut Link,
        code: Option<&str>,
        message: impl Into<String>,
        param: Option<&str>,
        client_event: Option<&str>,
    ) {
        let error = ErrorDetail {
            kind: ErrorType::InvalidRequestError,
            code: code.map(str::to_owned),
            message: message.into(),
            param: param.map(str::to_owned),
            event_id: client_event.map(str::to_owned),
        };
        link.send(&ServerEvent::from(ErrorEvent { event_id: self.event_id(), error }));
    }

    fn close(&mut self, link: &mut Link, code: u16, reason: &str) {
        if !self.closing {
            self.closing = true;
            link.enqueue(Out::Close(code, reason.to_owned()), When::Next, Meta::default());
        }
    }

    /// `(create_response, interrupt_response, silence_ms)` of the turn detection, or `None` without VAD.
    fn turn_detection(&self) -> Option<(bool, bool, Option<u32>, u32)> {
        match self.session.audio_input().and_then(|input| input.turn_detection.clone()).flatten()? {
            TurnDetection::ServerVad(vad) => Some((
                vad.create_response.unwrap_or(true),
                vad.interrupt_response.unwrap_or(true),
                vad.silence_duration_ms,
                vad.prefix_padding_ms.unwrap_or(300),
            )),
            TurnDetection::SemanticVad(vad) => {
                Some((vad.create_response.unwrap_or(true), vad.interrupt_response.unwrap_or(true), None, 0))
            }
            _ => Some((true, true, None, 300)),
        }
    }

    fn rebuild_vad(&mut self) {
        self.vad = self
            .turn_detection()
            .map(|(_, _, silence, _)| Vad::new(&self.shared.scenario.vad, RATE_HZ, silence));
    }

    fn active_response(&self, link: &Link) -> Option<&Active> {
        self.active.as_ref().filter(|active| link.has_tag(active.tag))
    }

    fn on_session_update(&mut self, link: &mut Link, session: Session, client_event: Option<&str>) {
        let at = link.shared.now();
        link.shared.with_conn(link.conn, |conn| conn.marks.setup_received_at.push(at));
        let Session::Realtime(update) = session else {
            self.error(
                link,
                Some("invalid_value"),
                "This session only supports session.type 'realtime'.",
                Some("session.type"),
                client_event,
            );
            return;
        };
        let format = update.audio_input().and_then(|input| input.format.as_ref());
        if let Some(format) = format
            && format.kind == AudioFormatType::Pcm
            && format.rate.is_some_and(|rate| rate != RATE_HZ)
        {
            link.violation(
                "input_audio_not_24k",
                format!("input audio/pcm at {:?} Hz; only 24000 is supported", format.rate),
            );
            self.error(
                link,
                Some("invalid_value"),
                "Invalid 'session.audio.input.format.rate': only 24000 is supported.",
                Some("session.audio.input.format.rate"),
                client_event,
            );
            return;
        }
        config::merge_session(&mut self.session, update);
        self.rebuild_vad();
        let tools = self.session.tools.as_ref().is_some_and(|tools| !tools.is_empty());
        let role = if tools { SessionRole::Main } else { SessionRole::Reader };
        link.shared.with_conn(link.conn, |conn| conn.role = Some(role));
        let session = Session::Realtime(self.session.clone());
        let updated = ServerEvent::from(SessionUpdated { event_id: self.event_id(), session });
        link.send_with(&updated, When::Now, Meta { setup_complete: true, ..Meta::default() });
    }

    fn add_item(&mut self, link: &mut Link, item: Item, previous: Option<String>, assistant_audio: bool) {
        let at = self.items.len();
        self.add_item_at(link, at, item, previous, assistant_audio);
    }

    /// Adds `item` at position `at` of the conversation; `previous` is the id of the item before it.
    fn add_item_at(
        &mut self,
        link: &mut Link,
        at: usize,
        item: Item,
        previous: Option<String>,
        assistant_audio: bool,
    ) {
        let id = item.id().map(str::to_owned).unwrap_or_default();
        link.send(&ServerEvent::from(ConversationItemAdded {
            event_id: self.event_id(),
            previous_item_id: previous.clone(),
            item: item.clone(),
        }));
        link.send(&ServerEvent::from(ConversationItemDone {
            event_id: self.event_id(),
            previous_item_id: previous,
            item: item.clone(),
        }));
        self.items
            .insert(at.min(self.items.len()), ItemRec { id, item, assistant_audio, truncated_ms: None });
    }

    fn on_response_create(&mut self, link: &mut Link, client_event: Option<&str>) {
        if let Some(active) = self.active_response(link) {
            let message = format!(
                "Conversation already has an active response in progress: {}. Wait until the response is finished before creating a new response.",
                active.id
            );
            self.error(link, Some("conversation_already_has_active_response"), message, None, client_event);
            return;
        }
        self.start_response(link);
    }

    fn on_cancel(&mut self, link: &mut Link, client_event: Option<&str>) {
        if self.active_response(link).is_some() {
            self.cancel(link, voicebot_protocol::openai::StatusReason::ClientCancelled);
        } else {
            self.error(
                link,
                Some("response_cancel_not_active"),
                "Cancellation failed: no active response found",
                None,
                client_event,
            );
        }
    }

    fn dispatch(&mut self, link: &mut Link, event: ClientEvent) {
        let client_event = event.event_id().map(str::to_owned);
        let client_event = client_event.as_deref();
        match event {
            ClientEvent::SessionUpdate(update) => self.on_session_update(link, update.session, client_event),
            ClientEvent::InputAudioBufferAppend(append) => self.on_append(link, &append.audio),
            ClientEvent::InputAudioBufferCommit(_) => {
                let ms = self.buffer_samples / SAMPLES_PER_MS;
                if ms < 100 {
                    let message = format!(
                        "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has {ms}.00ms of audio."
                    );
                    self.error(link, Some("input_audio_buffer_commit_empty"), message, None, client_event);
                } else {
                    let item_id = self.shared.next_id("item");
                    self.commit(link, item_id);
                }
            }
            ClientEvent::InputAudioBufferClear(_) => {
                self.buffer_samples = 0;
                link.send(&ServerEvent::from(InputAudioBufferCleared { event_id: self.event_id() }));
            }
            ClientEvent::ConversationItemCreate(create) => {
                self.on_item_create(link, create.item, create.previous_item_id, client_event)
            }
            ClientEvent::ConversationItemRetrieve(retrieve) => {
                self.on_retrieve(link, &retrieve.item_id, client_event);
            }
            ClientEvent::ConversationItemDelete(delete) => {
                self.on_delete(link, &delete.item_id, client_event)
            }
            ClientEvent::ConversationItemTruncate(truncate) => self.on_truncate(link, &truncate),
            ClientEvent::ResponseCreate(_) => self.on_response_create(link, client_event),
            ClientEvent::ResponseCancel(_) => self.on_cancel(link, client_event),
            ClientEvent::OutputAudioBufferClear(_) => {
                link.violation(
                    "output_audio_buffer_clear_over_websocket",
                    "output_audio_buffer.clear is for WebRTC and SIP only",
                );
            }
            ClientEvent::Unknown { kind, .. } => {
                link.violation("unknown_event", format!("unknown client event {kind:?}"));
                self.error(
                    link,
                    Some("invalid_value"),
                    format!("Invalid value: '{kind}'."),
                    Some("type"),
                    client_event,
                );
            }
            _ => {}
        }
    }

    fn on_undecodable(&mut self, link: &mut Link, text: &str, err: &voicebot_protocol::DecodeError) {
        let raw: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let client_event = raw.get("event_id").and_then(serde_json::Value::as_str);
        let missing_type = raw.get("session").is_some_and(|session| session.get("type").is_none());
        if err.event_kind() == Some("session.update") && missing_type {
            link.violation(
                "ga_session_update_without_type",
                "session.update without session.type; the whole update is dropped",
            );
            self.error(
                link,
                Some("missing_required_parameter"),
                "Missing required parameter: 'session.type'.",
                Some("session.type"),
                client_event,
            );
            return;
        }
        link.violation("undecodable_frame", err.to_string());
        self.error(
            link,
            Some("invalid_value"),
            format!("Invalid event: {}", err.event_kind().unwrap_or("not a JSON object with a type")),
            None,
            client_event,
        );
    }
}

impl LinkSession for OpenAiSession {
    fn on_open(&mut self, link: &mut Link) {
        if self.beta {
            link.violation("beta_header", "OpenAI-Beta: realtime=v1 sent to the GA endpoint");
            self.error(link, Some("beta_api_shape_disabled"), "The Realtime beta API shape is disabled. Remove the 'OpenAI-Beta: realtime=v1' header and use the GA interface.", None, None);
            self.close(link, 1008, "beta_api_shape_disabled");
            return;
        }
        let session = Session::Realtime(self.session.clone());
        link.send(&ServerEvent::from(SessionCreated { event_id: self.event_id(), session }));
        if !self.shared.scenario.knows_model(&self.model) {
            let message =
                format!("The model `{}` does not exist or you do not have access to it.", self.model);
            self.error(link, Some("model_not_found"), message, None, None);
        }
    }

    fn on_text(&mut self, link: &mut Link, text: &str) {
        if self.closing {
            return;
        }
        match ClientEvent::decode(text) {
            Ok(event) => self.dispatch(link, event),
            Err(err) => self.on_undecodable(link, text, &err),
        }
    }

    fn on_fault(&mut self, link: &mut Link, fault: Fault) {
        if let Fault::UnknownEvent { .. } = fault {
            let text = format!(
                r#"{{"type":"response.hologram.delta","event_id":"{}","response_id":"resp_future","delta":{{"depth":3}}}}"#,
                self.event_id()
            );
            link.enqueue(Out::Json { kind: "unknown".to_owned(), text }, When::Now, Meta::default());
            return;
        }
        if let Fault::SessionExpired { after_ms } = fault {
            let error = ErrorDetail {
                kind: ErrorType::InvalidRequestError,
                code: Some("session_expired".to_owned()),
                message: "Your session hit the maximum duration of 60 minutes.".to_owned(),
                param: None,
                event_id: None,
            };
            let event = ServerEvent::from(ErrorEvent { event_id: self.event_id(), error });
            let delay = std::time::Duration::from_millis(after_ms);
            if let Ok(text) = event.encode() {
                link.enqueue(
                    Out::Json { kind: "error".to_owned(), text },
                    When::After(delay),
                    Meta::default(),
                );
            }
            link.enqueue(
                Out::Close(1001, "Your session hit the maximum duration of 60 minutes.".to_owned()),
                When::After(delay),
                Meta::default(),
            );
            self.closing = true;
        }
    }

    fn on_speech(&mut self, link: &mut Link, ready: Ready) {
        self.speech_ready(link, ready);
    }
}
