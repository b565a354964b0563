//! The turns of a Gemini session: an utterance heard, its tool calls and their responses, the spoken
//! answer, barge-in, and the resumption checkpoints taken along the way.

use voicebot_protocol::gemini::{
    Blob, Content, FunctionCall, Part, Role, ServerContent, ServerMessage, SessionResumptionUpdate, ToolCall,
    ToolResponse, Transcription, pcm_mime_type,
};

use super::{GeminiSession, Saved, content_event, event};
use crate::link::{Link, Meta, When};
use crate::scenario::Utterance;
use crate::speech::{self, OUTPUT_RATE_HZ, Ready, Spoken};

impl GeminiSession {
    /// The user spoke over the model: drop what is still queued and say so.
    pub(super) fn barge_in(&mut self, link: &mut Link) {
        if link.has_tag(self.speaking_tag) {
            link.cancel_tag(self.speaking_tag);
            let tag = self.speaking_tag;
            self.waiting_speech.retain(|_, (waiting, _)| *waiting != tag);
            let content = ServerContent { interrupted: Some(true), ..ServerContent::default() };
            link.send(&content_event(content));
            let done = ServerContent { turn_complete: Some(true), ..ServerContent::default() };
            link.send_with(&content_event(done), When::Next, Meta { turn_complete: true, ..Meta::default() });
        }
    }

    pub(super) fn utterance_done(&mut self, link: &mut Link, heard: bool) {
        let k = self.saved.utterance;
        self.saved.utterance += 1;
        self.shared.heard_utterances(self.saved.utterance);
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
        self.pending_calls.insert(id.clone(), tool.name.clone());
        self.awaiting = Some(script);
        // The snapshot includes the pending call: a response sent after resuming from it is accepted.
        self.checkpoint(link, When::Now);
        let message = ServerMessage {
            tool_call: Some(ToolCall { function_calls: vec![call.clone()] }),
            ..ServerMessage::default()
        };
        let meta = Meta { tool_call: Some((id, tool.name)), ..Meta::default() };
        link.send_with(&event(message.clone()), When::Now, meta);
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
            let Some(name) = self.pending_calls.remove(&id) else {
                link.violation("tool_response_unknown_id", format!("no pending tool call has the id {id:?}"));
                continue;
            };
            link.shared.tool_response(link.conn, &id, &name);
            if answer.response.is_empty() {
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

    /// Optional speech, then `generationComplete`, `turnComplete` and a resumption update. Speech is
    /// generated off the connection's task; the turn goes on in [`GeminiSession::speech_ready`].
    pub(super) fn finish_turn(&mut self, link: &mut Link, speech: Option<&str>) {
        self.next_tag += 1;
        let tag = self.next_tag;
        self.speaking_tag = tag;
        match speech.filter(|text| !text.trim().is_empty()) {
            Some(text) => {
                let job = link.request_speech(text, tag);
                self.waiting_speech.insert(job, (tag, text.to_owned()));
            }
            None => self.complete_turn(link, tag),
        }
    }

    /// The speech of a turn is ready: it is spoken and the turn completes.
    pub(super) fn speech_ready(&mut self, link: &mut Link, ready: Ready) {
        let Some((tag, text)) = self.waiting_speech.remove(&ready.job) else { return };
        if self.closing {
            return;
        }
        self.speak(link, &text, &ready.samples, tag);
        self.complete_turn(link, tag);
    }

    /// `generationComplete`, `turnComplete` and a resumption update, after whatever group `tag` queued.
    fn complete_turn(&mut self, link: &mut Link, tag: u64) {
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

    fn speak(&mut self, link: &mut Link, text: &str, samples: &[i16], tag: u64) {
        let Spoken { chunks, pieces, gap } = speech::spoken(text, samples, &self.shared.scenario.audio);
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
