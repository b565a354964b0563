//! Building OpenAI Realtime responses: spoken responses with transcript deltas (their speech generated off
//! the connection's task), function-call responses, cancellation and growing usage.

use voicebot_protocol::openai::{
    ContentKind, ContentPart, FunctionCall, InputTokenDetails, Item, ItemStatus, Message, Modality,
    OutputTokenDetails, Response, ResponseContentPartAdded, ResponseContentPartDone, ResponseCreated,
    ResponseDone, ResponseFunctionCallArgumentsDelta, ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta, ResponseOutputAudioDone, ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone, ResponseOutputItemAdded, ResponseOutputItemDone, ResponseStatus, Role,
    ServerEvent, StatusDetails, StatusReason, Usage,
};

use super::{Active, OpenAiSession};
use crate::link::{Link, Meta, When};
use crate::scenario::{OpenAiTurn, Scenario};
use crate::speech::{self, Ready, Spoken};

/// A spoken reply waiting for its speech.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    response_id: String,
    text: String,
    /// The message item as announced, in progress.
    message: Message,
}

fn audio_part(transcript: &str) -> ContentPart {
    ContentPart { transcript: Some(transcript.to_owned()), ..ContentPart::empty(ContentKind::Audio) }
}

/// The script of user turn `k`, or an unscripted one.
pub(super) fn turn(scenario: &Scenario, k: usize) -> OpenAiTurn {
    scenario.openai.turns.get(k).cloned().unwrap_or_else(|| OpenAiTurn {
        transcript: format!("Unscripted user turn number {}.", k + 1),
        function_call: None,
        reply: format!("This is unscripted reply number {}.", k + 1),
    })
}

impl OpenAiSession {
    fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.shared.scenario.openai.response_latency_ms)
    }

    fn usage(&self) -> Usage {
        let per_turn = self.shared.scenario.openai.tokens_per_turn;
        let input = per_turn.input * self.responses;
        let output = per_turn.output;
        Usage {
            total_tokens: Some(input + output),
            input_tokens: Some(input),
            output_tokens: Some(output),
            input_token_details: Some(InputTokenDetails {
                text_tokens: Some(input / 3),
                audio_tokens: Some(input - input / 3),
                image_tokens: Some(0),
                cached_tokens: Some(0),
                cached_tokens_details: None,
            }),
            output_token_details: Some(OutputTokenDetails {
                text_tokens: Some(output / 4),
                audio_tokens: Some(output - output / 4),
            }),
        }
    }

    fn response(
        &self,
        id: &str,
        status: ResponseStatus,
        output: Vec<Item>,
        usage: Option<Usage>,
    ) -> Response {
        Response {
            id: Some(id.to_owned()),
            object: Some("realtime.response".to_owned()),
            status: Some(status),
            output: Some(output),
            usage,
            conversation_id: Some("conv_sim".to_owned()),
            output_modalities: Some(vec![Modality::Audio]),
            ..Response::default()
        }
    }

    /// Starts the response to the latest user turn: its function call if it has one not yet made, otherwise
    /// its spoken reply. A conversation that ends with a function output gets the spoken reply: the model
    /// answers with the result it was given (on a new connection too, where the client re-created the call).
    /// A spoken reply goes on in [`OpenAiSession::speech_ready`] once its speech is generated.
    pub(super) fn start_response(&mut self, link: &mut Link) {
        let k = self.committed_turns.saturating_sub(1);
        let script = turn(&self.shared.scenario, k);
        let answers_output =
            self.items.last().is_some_and(|rec| matches!(rec.item, Item::FunctionCallOutput(_)));
        if answers_output {
            self.calls_made.insert(k);
        }
        self.responses += 1;
        self.next_tag += 1;
        let tag = self.next_tag;
        let id = self.shared.next_id("resp");
        let created = ResponseCreated {
            event_id: self.event_id(),
            response: self.response(&id, ResponseStatus::InProgress, Vec::new(), None),
        };
        link.send_with(&ServerEvent::from(created), When::Next, Meta { tag, ..Meta::default() });
        // A session without tools is a reader: it reads the latest user text aloud, word for word.
        let has_tools = self.session.tools.as_ref().is_some_and(|tools| !tools.is_empty());
        let to_read = (!has_tools).then(|| self.latest_user_text()).flatten();
        let output = match (to_read, script.function_call) {
            (Some(text), _) => self.begin_spoken(link, &id, tag, &text),
            (None, Some(call)) if self.calls_made.insert(k) => {
                let arguments = serde_json::Value::Object(call.args).to_string();
                let output = self.function_call(link, &id, tag, &call.name, &arguments);
                self.response_done(link, &id, tag, output.clone());
                output
            }
            _ => self.begin_spoken(link, &id, tag, &script.reply),
        };
        self.active = Some(Active { id, tag, output: vec![output] });
    }

    /// The text of the latest item when it is a user message written as text (not speech).
    fn latest_user_text(&self) -> Option<String> {
        match self.items.last().map(|rec| &rec.item) {
            Some(Item::Message(message))
                if message.role == Role::User && message.content.iter().all(|part| !part.kind.is_audio()) =>
            {
                Some(message.text()).filter(|text| !text.trim().is_empty())
            }
            _ => None,
        }
    }

    /// `response.done` for a response whose only output is `output`.
    fn response_done(&mut self, link: &mut Link, response_id: &str, tag: u64, output: Item) {
        let usage = Some(self.usage());
        let spoken = matches!(output, Item::Message(_));
        let done = ResponseDone {
            event_id: self.event_id(),
            response: self.response(response_id, ResponseStatus::Completed, vec![output], usage),
        };
        link.send_with(
            &ServerEvent::from(done),
            When::Next,
            Meta { tag, turn_complete: spoken, ..Meta::default() },
        );
    }

    fn function_call(
        &mut self,
        link: &mut Link,
        response_id: &str,
        tag: u64,
        name: &str,
        arguments: &str,
    ) -> Item {
        let item_id = self.shared.next_id("item");
        let call_id = self.shared.next_id("call");
        let meta = Meta { tag, ..Meta::default() };
        let mut call = FunctionCall {
            id: Some(item_id.clone()),
            object: Some("realtime.item".to_owned()),
            status: Some(ItemStatus::InProgress),
            call_id: Some(call_id.clone()),
            name: name.to_owned(),
            arguments: String::new(),
        };
        let added = ResponseOutputItemAdded {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index: 0,
            item: Item::FunctionCall(call.clone()),
        };
        link.send_with(&ServerEvent::from(added), When::Paced(self.latency()), meta.clone());
        let split =
            arguments.char_indices().nth(arguments.chars().count() / 2).map_or(arguments.len(), |(i, _)| i);
        for delta in [&arguments[..split], &arguments[split..]] {
            let delta = ResponseFunctionCallArgumentsDelta {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                item_id: item_id.clone(),
                output_index: 0,
                call_id: call_id.clone(),
                delta: delta.to_owned(),
            };
            link.send_with(&ServerEvent::from(delta), When::Next, meta.clone());
        }
        let done = ResponseFunctionCallArgumentsDone {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            item_id: item_id.clone(),
            output_index: 0,
            call_id: call_id.clone(),
            name: name.to_owned(),
            arguments: arguments.to_owned(),
        };
        link.send_with(
            &ServerEvent::from(done),
            When::Next,
            Meta { tool_call: Some((call_id, name.to_owned())), ..meta.clone() },
        );
        call.status = Some(ItemStatus::Completed);
        call.arguments = arguments.to_owned();
        self.finish_output_item(link, response_id, Item::FunctionCall(call), meta, false, tag)
    }

    /// The start of a spoken reply: the message item and its audio part; its speech is requested.
    fn begin_spoken(&mut self, link: &mut Link, response_id: &str, tag: u64, text: &str) -> Item {
        let item_id = self.shared.next_id("item");
        let meta = Meta { tag, ..Meta::default() };
        let message = Message {
            id: Some(item_id.clone()),
            object: Some("realtime.item".to_owned()),
            status: Some(ItemStatus::InProgress),
            role: Role::Assistant,
            content: Vec::new(),
        };
        let added = ResponseOutputItemAdded {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index: 0,
            item: Item::Message(message.clone()),
        };
        link.send_with(&ServerEvent::from(added), When::Paced(self.latency()), meta.clone());
        let part_added = ResponseContentPartAdded {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            item_id,
            output_index: 0,
            content_index: 0,
            part: audio_part(""),
        };
        link.send_with(&ServerEvent::from(part_added), When::Next, meta);
        let job = link.request_speech(text, tag);
        let reply =
            Reply { response_id: response_id.to_owned(), text: text.to_owned(), message: message.clone() };
        self.waiting_speech.insert(job, reply);
        Item::Message(message)
    }

    /// The speech of a spoken reply is ready: its audio and transcript deltas, the closing events of the
    /// item, and `response.done`.
    pub(super) fn speech_ready(&mut self, link: &mut Link, ready: Ready) {
        let Some(reply) = self.waiting_speech.remove(&ready.job) else { return };
        if self.closing {
            return;
        }
        let output = self.spoken(link, &reply, &ready.samples, ready.tag);
        self.response_done(link, &reply.response_id, ready.tag, output.clone());
        if let Some(active) = self.active.as_mut().filter(|active| active.tag == ready.tag) {
            active.output = vec![output];
        }
    }

    fn spoken(&mut self, link: &mut Link, reply: &Reply, samples: &[i16], tag: u64) -> Item {
        let Reply { response_id, text, message } = reply;
        let mut message = message.clone();
        let item_id = message.id.clone().unwrap_or_default();
        let meta = Meta { tag, ..Meta::default() };
        let Spoken { chunks, pieces, gap } = speech::spoken(text, samples, &self.shared.scenario.audio);
        for (samples, piece) in chunks.iter().zip(pieces) {
            let delta = ResponseOutputAudioDelta {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                item_id: item_id.clone(),
                output_index: 0,
                content_index: 0,
                delta: voicebot_protocol::pcm::encode_i16(samples),
            };
            let audio_meta = Meta {
                tag,
                audio_samples: samples.len() as u64,
                audio_item: Some(item_id.clone()),
                ..Meta::default()
            };
            link.send_with(&ServerEvent::from(delta), When::Paced(gap), audio_meta);
            if !piece.is_empty() {
                let delta = ResponseOutputAudioTranscriptDelta {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    output_index: 0,
                    content_index: 0,
                    delta: piece,
                };
                link.send_with(&ServerEvent::from(delta), When::Next, meta.clone());
            }
        }
        let audio_done = ResponseOutputAudioDone {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            item_id: item_id.clone(),
            output_index: 0,
            content_index: 0,
        };
        link.send_with(&ServerEvent::from(audio_done), When::Next, meta.clone());
        let transcript_done = ResponseOutputAudioTranscriptDone {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            item_id: item_id.clone(),
            output_index: 0,
            content_index: 0,
            transcript: text.to_owned(),
        };
        link.send_with(&ServerEvent::from(transcript_done), When::Next, meta.clone());
        let part_done = ResponseContentPartDone {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            item_id: item_id.clone(),
            output_index: 0,
            content_index: 0,
            part: audio_part(text),
        };
        link.send_with(&ServerEvent::from(part_done), When::Next, meta.clone());
        message.status = Some(ItemStatus::Completed);
        message.content = vec![ContentPart {
            transcript: Some(text.to_owned()),
            ..ContentPart::empty(ContentKind::OutputAudio)
        }];
        self.finish_output_item(link, response_id, Item::Message(message), meta, true, tag)
    }

    /// Sends `response.output_item.done` for `item` and appends it to the conversation (`audio`: whether it
    /// carries model audio that may later be truncated).
    fn finish_output_item(
        &mut self,
        link: &mut Link,
        response_id: &str,
        item: Item,
        meta: Meta,
        audio: bool,
        tag: u64,
    ) -> Item {
        let done = ResponseOutputItemDone {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index: 0,
            item: item.clone(),
        };
        link.send_with(&ServerEvent::from(done), When::Next, meta);
        let previous = self.items.last().map(|rec| rec.id.clone());
        self.add_item_tagged(link, item.clone(), previous, audio, tag);
        item
    }

    fn add_item_tagged(
        &mut self,
        link: &mut Link,
        item: Item,
        previous: Option<String>,
        assistant_audio: bool,
        tag: u64,
    ) {
        use voicebot_protocol::openai::{ConversationItemAdded, ConversationItemDone};
        let id = item.id().map(str::to_owned).unwrap_or_default();
        let meta = Meta { tag, ..Meta::default() };
        let added = ConversationItemAdded {
            event_id: self.event_id(),
            previous_item_id: previous.clone(),
            item: item.clone(),
        };
        link.send_with(&ServerEvent::from(added), When::Next, meta.clone());
        let done = ConversationItemDone {
            event_id: self.event_id(),
            previous_item_id: previous,
            item: item.clone(),
        };
        link.send_with(&ServerEvent::from(done), When::Next, meta);
        self.items.push(super::ItemRec { id, item, assistant_audio, truncated_ms: None });
    }

    /// Cancels the active response: what is still queued is dropped and `response.done` says `cancelled`.
    pub(super) fn cancel(&mut self, link: &mut Link, reason: StatusReason) {
        let Some(active) = self.active.take() else { return };
        link.cancel_tag(active.tag);
        self.waiting_speech.retain(|_, reply| reply.response_id != active.id);
        let output: Vec<Item> = active
            .output
            .into_iter()
            .map(|mut item| {
                if let Item::Message(message) = &mut item {
                    message.status = Some(ItemStatus::Incomplete);
                }
                item
            })
            .collect();
        let mut response = self.response(&active.id, ResponseStatus::Cancelled, output, Some(self.usage()));
        response.status_details =
            Some(StatusDetails { kind: Some(ResponseStatus::Cancelled), reason: Some(reason), error: None });
        link.send(&ServerEvent::from(ResponseDone { event_id: self.event_id(), response }));
    }
}
