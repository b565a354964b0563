//! The turns of a Gemini session: an utterance heard, its tool calls and their responses, the spoken
//! answer, barge-in, and the resumption checkpoints taken along the way.

use voicebot_protocol::gemini::{
    Blob, Content, FunctionCall, Part, Role, ServerContent, ServerMessage, SessionResumptionUpdate, ToolCall,
    ToolResponse, Transcription, pcm_mime_type,
};

use super::{GeminiSession, Saved, content_event, event};
use crate::link::{Link, Meta, When};
use crate::scenario::Utterance;
use crate::speech::{self, OUTPUT_RATE_HZ, Spoken};

impl GeminiSession {
    /// The user spoke over the model: drop what is still queued and say so.
    pub(super) fn barge_in(&mut self, link: &mut Link) {
        if link.has_tag(self.speaking_tag) {
            link.cancel_tag(self.speaking_tag);
            let content = ServerContent { interrupted: Some(true), ..ServerContent::default() };
            link.send(&content_event(content));
            let done = ServerContent { turn_complete: Some(true), ..ServerContent::default() };
            link.send_with(&content_event(done), When::Next, Meta { turn_complete: true, ..Meta::default() });
        }
    }

    pub(super) fn utterance_done(&mut self, link: &mut Link, heard: bool) {
        let k = self.saved.utterance;
        self.saved.utterance += 1;
        let script = self.shared.scenario.gemini.utterances.get(k).cloned().unwrap_or_else(|| Utterance {
            transcript: format!("Unscripted utterance number {}.", k + 1),
            tool_call: None,
            reply: None,
        });
        let transcribe = self.setup.as_ref().is_some_and(|setup| setup.input_audio_transcription.is_some());
        if heard && transcribe {
            let text = Transcription {
                text: Some(script.transcript.clone()),
                finished: Some(true),
                ..Transcription::default()
            };
            link.send(&content_event(ServerContent {
                input_transcription: Some(text),
                ..ServerContent::default()
            }));
        }
        let Some(tool) = script.tool_call.clone() else {
            self.finish_turn(link, script.reply.as_deref());
            return;
        };
        let id = self.shared.next_id("function-call");
        let call = FunctionCall {
            id: Some(id.clone()),
            name: tool.name.clone(),
            args: tool.args,
            ..FunctionCall::default()
        };
        self.pending_calls.insert(id, tool.name);
        self.awaiting = Some(script);
        // The snapshot includes the pending call: a response sent after resuming from it is accepted.
        self.checkpoint(link, When::Now);
        let message = ServerMessage {
            tool_call: Some(ToolCall { function_calls: vec![call.clone()] }),
            ..ServerMessage::default()
        };
        link.send(&event(message.clone()));
        match self.repeat_next_call.take() {
            Some(true) => {
                let part = Part { function_call: Some(call), ..Part::default() };
                let turn = Content { parts: vec![part], role: Some(Role::Model) };
                link.send(&content_event(ServerContent {
                    model_turn: Some(turn),
                    ..ServerContent::default()
                }));
            }
            Some(false) => link.send(&event(message)),
            None => {}
        }
    }

    pub(super) fn on_tool_response(&mut self, link: &mut Link, response: ToolResponse) {
        if response.function_responses.is_empty() {
            link.violation("empty_tool_response", "toolResponse with no functionResponses");
        }
        for answer in response.function_responses {
            let Some(id) = answer.id else {
                link.violation(
                    "tool_response_without_id",
                    format!("functionResponse for {:?} has no id", answer.name),
                );
                continue;
            };
            if self.pending_calls.remove(&id).is_none() {
                link.violation("tool_response_unknown_id", format!("no pending tool call has the id {id:?}"));
            } else if answer.response.is_empty() {
                link.violation(
                    "empty_function_response",
                    format!("functionResponse {id:?} has an empty response"),
                );
            }
        }
        if self.pending_calls.is_empty()
            && let Some(script) = self.awaiting.take()
        {
            self.finish_turn(link, script.reply.as_deref());
        }
    }

    pub(super) fn read(&mut self, link: &mut Link, text: &str) {
        self.barge_in(link);
        self.finish_turn(link, Some(text));
    }

    /// Optional speech, then `generationComplete`, `turnComplete` and a resumption update.
    pub(super) fn finish_turn(&mut self, link: &mut Link, speech: Option<&str>) {
        self.next_tag += 1;
        let tag = self.next_tag;
        self.speaking_tag = tag;
        if let Some(text) = speech.filter(|text| !text.trim().is_empty()) {
            self.speak(link, text, tag);
        }
        let generation = ServerContent { generation_complete: Some(true), ..ServerContent::default() };
        link.send_with(&content_event(generation), When::Next, Meta { tag, ..Meta::default() });
        let done = ServerContent { turn_complete: Some(true), ..ServerContent::default() };
        link.send_with(
            &content_event(done),
            When::Next,
            Meta { tag, turn_complete: true, ..Meta::default() },
        );
        self.saved.turns += 1;
        self.checkpoint(link, When::Next);
    }

    /// When the setup asks for resumption: saves the session under a new handle and sends it, with the
    /// index of the last client message consumed when the setup asked for transparent resumption.
    pub(super) fn checkpoint(&mut self, link: &mut Link, when: When) {
        if self.setup.as_ref().is_none_or(|setup| setup.session_resumption.is_none()) {
            return;
        }
        let handle = self.shared.next_id("handle");
        let saved = Saved {
            pending_calls: self.pending_calls.clone(),
            awaiting: self.awaiting.clone(),
            ..self.saved.clone()
        };
        self.shared.save_resumption(&handle, saved);
        let consumed = self.received.checked_sub(1).and_then(|index| i64::try_from(index).ok());
        let update = SessionResumptionUpdate {
            new_handle: Some(handle),
            resumable: Some(true),
            last_consumed_client_message_index: consumed.filter(|_| self.transparent),
        };
        let message = ServerMessage { session_resumption_update: Some(update), ..ServerMessage::default() };
        link.send_with(&event(message), when, Meta::default());
    }

    pub(super) fn speak(&mut self, link: &mut Link, text: &str, tag: u64) {
        let Spoken { chunks, pieces, gap } = speech::spoken(text, &self.shared.scenario.audio);
        let transcribe = self.setup.as_ref().is_some_and(|setup| setup.output_audio_transcription.is_some());
        for (samples, piece) in chunks.iter().zip(pieces) {
            let blob = Blob::pcm(samples, OUTPUT_RATE_HZ);
            debug_assert_eq!(blob.mime_type, pcm_mime_type(OUTPUT_RATE_HZ));
            let turn = Content { parts: vec![Part::inline_data(blob)], role: Some(Role::Model) };
            let meta = Meta { tag, audio_samples: samples.len() as u64, ..Meta::default() };
            link.send_with(
                &content_event(ServerContent { model_turn: Some(turn), ..ServerContent::default() }),
                When::Paced(gap),
                meta,
            );
            if transcribe && !piece.is_empty() {
                let text = Transcription { text: Some(piece), ..Transcription::default() };
                let content = ServerContent { output_transcription: Some(text), ..ServerContent::default() };
                link.send_with(&content_event(content), When::Next, Meta { tag, ..Meta::default() });
            }
        }
    }
}
