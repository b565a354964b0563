//! Gemini Live sessions. A session whose setup declares functions is a *main*: the energy VAD finds each
//! utterance in its 16 kHz input, and the scripted transcription, tool call and `turnComplete` follow.
//! A session without functions is a *reader*: it speaks the text it is given as 24 kHz audio with output
//! transcription. The utterance script is shared by the main sessions of one simulator: a new main session
//! goes on where the previous ones stopped (as the handoff pipeline replaces its main after every narration),
//! and a resumed one where its handle was taken. Both send `sessionResumptionUpdate` after each turn, and a main also right before each tool
//! call (its snapshot includes the pending call), when the setup asks for resumption. With
//! `sessionResumption.transparent` each update carries `lastConsumedClientMessageIndex`: the index of the last
//! client message the snapshot includes, counting this connection's messages after `setup` from 0.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use voicebot_protocol::WireMessage;
use voicebot_protocol::gemini::{
    Blob, ClientMessage, GoAway, RealtimeInput, Role, ServerContent, ServerEvent, ServerMessage, Setup,
    SetupComplete,
};

use crate::fault::Fault;
use crate::link::{Link, Meta, Out, Session, When};
use crate::record::Api;
use crate::scenario::Utterance;
use crate::shared::Shared;
use crate::speech::Ready;
use crate::timeline::SessionRole;
use crate::vad::{Vad, VadEvent};

mod turns;

/// The input rate Gemini expects.
const INPUT_RATE_HZ: u32 = 16_000;
/// The reason text of a 1007 close, as the real service words it.
const INVALID_ARGUMENT: &str = "Request contains an invalid argument.";

/// A session's state kept under a resumption handle.
#[derive(Debug, Clone, Default)]
pub(crate) struct Saved {
    utterance: usize,
    turns: u64,
    /// Tool calls waiting for a response (id to name), so a response sent after resuming is accepted.
    pending_calls: HashMap<String, String>,
    /// The utterance whose turn finishes once its tool calls are answered.
    awaiting: Option<Utterance>,
}

/// One Gemini Live connection.
#[derive(Debug)]
pub(crate) struct GeminiSession {
    shared: Arc<Shared>,
    setup: Option<Box<Setup>>,
    main: bool,
    auto_vad: bool,
    vad: Vad,
    saved: Saved,
    pending_calls: HashMap<String, String>,
    awaiting: Option<Utterance>,
    repeat_next_call: Option<bool>,
    speaking_tag: u64,
    next_tag: u64,
    closing: bool,
    /// Client messages received after `setup` on this connection.
    received: u64,
    /// Whether resumption updates carry `lastConsumedClientMessageIndex`.
    transparent: bool,
    /// Speech being generated: job id to the turn's tag and the text.
    waiting_speech: HashMap<u64, (u64, String)>,
}

impl GeminiSession {
    pub(crate) fn new(shared: &Arc<Shared>) -> Self {
        GeminiSession {
            shared: shared.clone(),
            setup: None,
            main: false,
            auto_vad: true,
            vad: Vad::new(&shared.scenario.vad, INPUT_RATE_HZ, None),
            saved: Saved::default(),
            pending_calls: HashMap::new(),
            awaiting: None,
            repeat_next_call: None,
            speaking_tag: 0,
            next_tag: 0,
            closing: false,
            received: 0,
            transparent: false,
            waiting_speech: HashMap::new(),
        }
    }

    fn close(&mut self, link: &mut Link, code: u16, reason: &str) {
        if !self.closing {
            self.closing = true;
            link.enqueue(Out::Close(code, reason.to_owned()), When::Next, Meta::default());
        }
    }

    fn on_setup(&mut self, link: &mut Link, setup: Box<Setup>) {
        self.main = setup.tools.iter().flatten().any(|tool| {
            tool.function_declarations.as_ref().is_some_and(|declarations| !declarations.is_empty())
        });
        let (model, at) = (setup.model.clone(), link.shared.now());
        let role = if self.main { SessionRole::Main } else { SessionRole::Reader };
        link.shared.with_conn(link.conn, |conn| {
            conn.model = Some(model);
            conn.role = Some(role);
            conn.marks.setup_received_at.push(at);
        });
        if !self.shared.scenario.knows_model(&setup.model) {
            let bare = setup.model.strip_prefix("models/").unwrap_or(&setup.model).to_owned();
            self.setup = Some(setup);
            let reason = format!(
                "models/{bare} is not found for API version v1beta, or is not supported for bidiGenerateContent. \
                 Call ListModels to see the list of available models and their supported methods."
            );
            self.close(link, 1008, &reason);
            return;
        }
        // A new main session goes on with the script where the previous ones stopped.
        self.saved.utterance = self.shared.utterances_heard();
        let detection =
            setup.realtime_input_config.as_ref().and_then(|c| c.automatic_activity_detection.as_ref());
        self.auto_vad = detection.and_then(|d| d.disabled) != Some(true);
        self.transparent = setup.session_resumption.as_ref().and_then(|r| r.transparent) == Some(true);
        if let Some(handle) = setup.session_resumption.as_ref().and_then(|r| r.handle.clone()) {
            match self.shared.load_resumption(&handle) {
                Some(saved) => {
                    self.pending_calls = saved.pending_calls.clone();
                    self.awaiting = saved.awaiting.clone();
                    self.saved = saved;
                    link.shared.with_conn(link.conn, |conn| conn.resumption_handle = Some(handle));
                }
                None => {
                    link.violation(
                        "unknown_resumption_handle",
                        format!("no session has the handle {handle:?}"),
                    );
                    self.setup = Some(setup);
                    self.close(link, 1008, "BidiGenerateContent session not found");
                    return;
                }
            }
        }
        self.setup = Some(setup);
        let delay = Duration::from_millis(self.shared.scenario.gemini.setup_complete_delay_ms);
        let message =
            ServerMessage { setup_complete: Some(SetupComplete::default()), ..ServerMessage::default() };
        link.send_with(&event(message), When::Paced(delay), Meta { setup_complete: true, ..Meta::default() });
    }

    fn on_realtime_input(&mut self, link: &mut Link, input: RealtimeInput) {
        if !link.setup_complete_sent {
            link.violation("input_before_setup_complete", "realtimeInput sent before setupComplete arrived");
        }
        let fields = [
            input.audio.is_some(),
            input.video.is_some(),
            input.text.is_some(),
            input.activity_start.is_some(),
            input.activity_end.is_some(),
            input.audio_stream_end.is_some(),
            input.media_chunks.is_some(),
        ];
        if fields.iter().filter(|set| **set).count() > 1 {
            link.violation("realtime_input_multiple_fields", "realtimeInput must set exactly one field");
        }
        if (input.activity_start.is_some() || input.activity_end.is_some()) && self.auto_vad {
            link.violation(
                "activity_marker_with_auto_vad",
                "activityStart/activityEnd sent while automatic activity detection is on",
            );
            self.close(link, 1007, INVALID_ARGUMENT);
            return;
        }
        for blob in input.audio_blobs() {
            self.on_audio(link, blob);
        }
        if let Some(text) = input.text {
            if self.main {
                self.utterance_done(link, false);
            } else {
                self.read(link, &text);
            }
        }
        if input.activity_start.is_some() {
            self.barge_in(link);
        }
        if input.activity_end.is_some() && self.main {
            self.utterance_done(link, true);
        }
    }

    fn on_audio(&mut self, link: &mut Link, blob: &Blob) {
        if blob.sample_rate_hz() != Some(INPUT_RATE_HZ) {
            link.violation("audio_rate_not_16k", format!("input audio mime type is {:?}", blob.mime_type));
        }
        let Ok(samples) = blob.decode_i16() else {
            link.violation("undecodable_audio", "realtimeInput.audio is not base64 PCM16");
            return;
        };
        let at = link.shared.now();
        let count = samples.len() as u64;
        link.shared.with_conn(link.conn, |conn| {
            conn.audio.input_samples += count;
            conn.audio.input_frames += 1;
            conn.marks.first_input_audio_at.get_or_insert(at);
            conn.marks.last_input_audio_at = Some(at);
        });
        if !(self.main && self.auto_vad) {
            return;
        }
        for vad_event in self.vad.push(&samples) {
            match vad_event {
                VadEvent::Start { .. } => self.barge_in(link),
                VadEvent::End { .. } => self.utterance_done(link, true),
            }
        }
    }
}

impl Session for GeminiSession {
    fn on_open(&mut self, _link: &mut Link) {}

    fn on_text(&mut self, link: &mut Link, text: &str) {
        if self.closing {
            return;
        }
        let message = match ClientMessage::decode(text) {
            Ok(ClientMessage::Unknown { kind, .. }) => {
                link.violation("unknown_message", format!("unknown client message {kind:?}"));
                self.close(link, 1007, INVALID_ARGUMENT);
                return;
            }
            Ok(message) => message,
            Err(err) => {
                link.violation("undecodable_frame", err.to_string());
                self.close(link, 1007, INVALID_ARGUMENT);
                return;
            }
        };
        if self.setup.is_none() && !matches!(message, ClientMessage::Setup(_)) {
            link.violation(
                "first_message_not_setup",
                format!("first message is {:?}, not setup", message.kind()),
            );
            self.close(link, 1007, INVALID_ARGUMENT);
            return;
        }
        if self.setup.is_some() {
            self.received += 1;
        }
        match message {
            ClientMessage::Setup(_) if self.setup.is_some() => {
                link.violation("setup_repeated", "a second setup on the same connection");
            }
            ClientMessage::Setup(setup) => self.on_setup(link, setup),
            ClientMessage::RealtimeInput(input) => self.on_realtime_input(link, input),
            ClientMessage::ClientContent(content) => {
                if !link.setup_complete_sent {
                    link.violation(
                        "input_before_setup_complete",
                        "clientContent sent before setupComplete arrived",
                    );
                }
                if content.turn_complete == Some(true) && !self.main {
                    let text: Vec<&str> = content
                        .turns
                        .iter()
                        .filter(|turn| turn.role.as_ref().is_none_or(|role| *role == Role::User))
                        .flat_map(|turn| turn.parts.iter().filter_map(|part| part.text.as_deref()))
                        .collect();
                    self.read(link, &text.join(" "));
                }
            }
            ClientMessage::ToolResponse(response) => self.on_tool_response(link, response),
            _ => {}
        }
    }

    fn on_fault(&mut self, link: &mut Link, fault: Fault) {
        match fault {
            Fault::GoAway { time_left_ms } => {
                let time_left = Duration::from_millis(time_left_ms);
                let go_away = GoAway { time_left: Some(format_duration(time_left)) };
                link.send(&event(ServerMessage { go_away: Some(go_away), ..ServerMessage::default() }));
                link.enqueue(Out::Close(1000, String::new()), When::After(time_left), Meta::default());
            }
            Fault::RepeatToolCall { in_server_content } => self.repeat_next_call = Some(in_server_content),
            Fault::UnknownEvent { .. } => {
                let text = r#"{"hologram":{"depth":3,"note":"a message type from the future"}}"#.to_owned();
                link.enqueue(Out::Json { kind: "unknown".to_owned(), text }, When::Now, Meta::default());
            }
            other => tracing::debug!(api = ?Api::Gemini, fault = ?other, "fault does not apply to gemini"),
        }
    }

    fn on_speech(&mut self, link: &mut Link, ready: Ready) {
        self.speech_ready(link, ready);
    }
}

fn event(message: ServerMessage) -> ServerEvent {
    ServerEvent::from(message)
}

fn content_event(content: ServerContent) -> ServerEvent {
    event(ServerMessage { server_content: Some(content), ..ServerMessage::default() })
}

/// A protobuf JSON duration: `50s`, `1.500s`.
pub(crate) fn format_duration(duration: Duration) -> String {
    match duration.subsec_millis() {
        0 => format!("{}s", duration.as_secs()),
        millis => format!("{}.{millis:03}s", duration.as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_like_protobuf_json() {
        assert_eq!(format_duration(Duration::from_secs(50)), "50s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.500s");
        assert_eq!(voicebot_protocol::gemini::parse_duration("1.500s"), Some(Duration::from_millis(1500)));
    }
}
