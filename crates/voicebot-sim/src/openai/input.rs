//! Input audio: appends, the server VAD's speech events, commits into user items and their transcription.

use std::sync::Arc;

use voicebot_protocol::openai::{
    ContentKind, ContentPart, ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta, InputAudioBufferCommitted, InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped, Item, ItemStatus, Message, Role, ServerEvent, StatusReason,
    TranscriptionTokenUsage, TranscriptionUsage,
};

use super::{OpenAiSession, respond};
use crate::link::Link;
use crate::shared::Shared;
use crate::vad::VadEvent;

impl OpenAiSession {
    pub(super) fn on_append(&mut self, link: &mut Link, audio: &str) {
        let Ok(samples) = voicebot_protocol::pcm::decode_i16(audio) else {
            link.violation("undecodable_audio", "input_audio_buffer.append audio is not base64 PCM16");
            self.error(
                link,
                Some("invalid_value"),
                "Invalid 'audio'. Expected base64-encoded audio bytes.",
                Some("audio"),
                None,
            );
            return;
        };
        let at = link.shared.now();
        let count = samples.len() as u64;
        self.buffer_samples += count;
        link.shared.with_conn(link.conn, |conn| {
            conn.audio.input_samples += count;
            conn.audio.input_frames += 1;
            conn.marks.first_input_audio_at.get_or_insert(at);
            conn.marks.last_input_audio_at = Some(at);
        });
        let Some(vad) = self.vad.as_mut() else { return };
        for vad_event in vad.push(&samples) {
            match vad_event {
                VadEvent::Start { at_ms } => self.speech_started(link, at_ms),
                VadEvent::End { at_ms } => self.speech_stopped(link, at_ms),
            }
        }
    }

    pub(super) fn speech_started(&mut self, link: &mut Link, at_ms: u64) {
        let item_id = self.shared.next_id("item");
        self.speech_item = Some(item_id.clone());
        let (_, interrupt, _, padding) = self.turn_detection().unwrap_or((true, true, None, 300));
        let started = InputAudioBufferSpeechStarted {
            event_id: self.event_id(),
            audio_start_ms: at_ms.saturating_sub(u64::from(padding)),
            item_id,
        };
        link.send(&ServerEvent::from(started));
        if interrupt && self.active_response(link).is_some() {
            self.cancel(link, StatusReason::TurnDetected);
        }
    }

    pub(super) fn speech_stopped(&mut self, link: &mut Link, at_ms: u64) {
        let item_id = self.speech_item.take().unwrap_or_else(|| self.shared.next_id("item"));
        let stopped = InputAudioBufferSpeechStopped {
            event_id: self.event_id(),
            audio_end_ms: at_ms,
            item_id: item_id.clone(),
        };
        link.send(&ServerEvent::from(stopped));
        self.commit(link, item_id);
        if self.turn_detection().is_some_and(|(create, ..)| create) {
            if self.active_response(link).is_some() {
                self.error(
                    link,
                    Some("conversation_already_has_active_response"),
                    "Conversation already has an active response in progress.",
                    None,
                    None,
                );
            } else {
                self.start_response(link);
            }
        }
    }

    /// Commits the input buffer as user item `item_id`, with its transcription when configured.
    pub(super) fn commit(&mut self, link: &mut Link, item_id: String) {
        self.buffer_samples = 0;
        let previous = self.items.last().map(|item| item.id.clone());
        let committed = InputAudioBufferCommitted {
            event_id: self.event_id(),
            item_id: item_id.clone(),
            previous_item_id: previous.clone(),
        };
        link.send(&ServerEvent::from(committed));
        let mut part = ContentPart::empty(ContentKind::InputAudio);
        part.transcript = None;
        let message = Message {
            id: Some(item_id.clone()),
            object: Some("realtime.item".to_owned()),
            status: Some(ItemStatus::Completed),
            role: Role::User,
            content: vec![part],
        };
        self.add_item(link, Item::Message(message), previous, false);
        let turn = self.committed_turns;
        self.committed_turns += 1;
        self.shared.committed_openai_turns(self.committed_turns);
        let transcribe =
            self.session.audio_input().and_then(|input| input.transcription.clone()).flatten().is_some();
        if transcribe {
            let transcript = respond::turn(&self.shared.scenario, turn).transcript;
            send_transcription(link, &self.shared, &item_id, &transcript);
            // As on the real service, a retrieved item carries its transcript once transcription completed.
            if let Some(Item::Message(message)) =
                self.items.iter_mut().find(|rec| rec.id == item_id).map(|rec| &mut rec.item)
                && let Some(part) = message.content.first_mut()
            {
                part.transcript = Some(transcript);
            }
        }
    }
}

/// Sends the input transcription of a user item: one delta, then `completed` with token usage.
fn send_transcription(link: &mut Link, shared: &Arc<Shared>, item_id: &str, transcript: &str) {
    let delta = ConversationItemInputAudioTranscriptionDelta {
        event_id: shared.next_id("event"),
        item_id: item_id.to_owned(),
        content_index: Some(0),
        delta: Some(transcript.to_owned()),
        logprobs: None,
    };
    link.send(&ServerEvent::from(delta));
    let tokens = transcript.split_whitespace().count() as u64 + 1;
    let completed = ConversationItemInputAudioTranscriptionCompleted {
        event_id: shared.next_id("event"),
        item_id: item_id.to_owned(),
        content_index: 0,
        transcript: transcript.to_owned(),
        usage: Some(TranscriptionUsage::Tokens(TranscriptionTokenUsage {
            input_tokens: tokens * 4,
            output_tokens: tokens,
            total_tokens: tokens * 5,
            input_token_details: None,
        })),
        ..ConversationItemInputAudioTranscriptionCompleted::default()
    };
    link.send(&ServerEvent::from(completed));
}
