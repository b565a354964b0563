//! Tool calls between the call and the spoken answer, so that no tool result is lost to a reconnect.
//!
//! A new OpenAI connection is a new, empty conversation: a `function_call_output` for a call made on an earlier
//! connection would be refused ("No tool call found for function call output"), and a result sent just before
//! a drop may never have been read. So the dialect remembers every surfaced call until the answer to its result
//! has been given (a response created after the server acknowledged the output has finished), and:
//! - a result for a call from an earlier conversation is sent with the `function_call` item re-created first;
//! - on a new connection, every result already given but not yet answered is sent again (call item, output,
//!   then one `response.create`), so the model still answers it.

use std::collections::VecDeque;

use voicebot_protocol::openai::{ClientEvent, FunctionCall, Item};

/// How many open calls are remembered; the oldest is forgotten first.
const TRACKED: usize = 64;

/// One call from the moment it surfaced until its answer was given.
#[derive(Debug)]
struct OpenCall {
    call_id: String,
    name: String,
    /// The arguments as the model sent them (JSON text).
    arguments: String,
    /// The result, once the caller gave it (the `function_call_output.output` text).
    output: Option<String>,
    /// Whether the current conversation holds the `function_call` item.
    in_conversation: bool,
    /// Whether the server confirmed the output item in the current conversation.
    acknowledged: bool,
    /// The response that reads the acknowledged output.
    answered_by: Option<String>,
}

/// The open tool calls of one session, across its connections.
#[derive(Debug, Default)]
pub(crate) struct OpenCalls {
    calls: VecDeque<OpenCall>,
}

impl OpenCalls {
    /// A call surfaced to the caller on the current connection.
    pub(crate) fn surfaced(&mut self, call_id: &str, name: &str, arguments: &str) {
        if self.calls.iter().any(|call| call.call_id == call_id) {
            return;
        }
        if self.calls.len() >= TRACKED {
            self.calls.pop_front();
        }
        self.calls.push_back(OpenCall {
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            arguments: arguments.to_owned(),
            output: None,
            in_conversation: true,
            acknowledged: false,
            answered_by: None,
        });
    }

    /// The events that deliver a tool result: the `function_call` item again when the call was made in an
    /// earlier conversation, the output, and `response.create`.
    pub(crate) fn result(&mut self, call_id: &str, name: &str, output: String) -> Vec<ClientEvent> {
        let mut events = Vec::with_capacity(3);
        if let Some(call) = self.calls.iter_mut().find(|call| call.call_id == call_id) {
            if !call.in_conversation {
                events.push(call_item(call));
                call.in_conversation = true;
            }
            call.output = Some(output.clone());
            call.acknowledged = false;
            call.answered_by = None;
        } else {
            tracing::debug!(call_id, name, "tool result for a call this session does not know");
        }
        events.push(ClientEvent::create_item(Item::function_call_output(call_id, output)));
        events.push(ClientEvent::create_response());
        events
    }

    /// The server added an item to the conversation; an output item acknowledges its result.
    pub(crate) fn item_added(&mut self, item: &Item) {
        if let Item::FunctionCallOutput(output) = item
            && let Some(call) = self.calls.iter_mut().find(|call| call.call_id == output.call_id)
        {
            call.acknowledged = call.output.is_some();
        }
    }

    /// A response started: it answers every acknowledged result not yet being answered.
    pub(crate) fn response_created(&mut self, response_id: Option<&str>) {
        let id = response_id.unwrap_or_default();
        for call in self.calls.iter_mut().filter(|call| call.acknowledged && call.answered_by.is_none()) {
            call.answered_by = Some(id.to_owned());
        }
    }

    /// A response finished: the calls it answered are closed.
    pub(crate) fn response_done(&mut self, response_id: Option<&str>) {
        let id = response_id.unwrap_or_default();
        self.calls.retain(|call| call.answered_by.as_deref() != Some(id));
    }

    /// A new connection, so a new empty conversation: the events that bring every given but unanswered result
    /// into it (each call item and its output, then one `response.create`). Calls still waiting for their
    /// result are re-created when the result comes.
    pub(crate) fn new_conversation(&mut self) -> Vec<ClientEvent> {
        let mut events = Vec::new();
        for call in &mut self.calls {
            call.in_conversation = false;
            call.acknowledged = false;
            call.answered_by = None;
            if let Some(output) = &call.output {
                events.push(call_item(call));
                events.push(ClientEvent::create_item(Item::function_call_output(
                    &call.call_id,
                    output.clone(),
                )));
                call.in_conversation = true;
            }
        }
        if !events.is_empty() {
            tracing::info!(
                results = events.len() / 2,
                "re-sending unanswered tool results on the new connection"
            );
            events.push(ClientEvent::create_response());
        }
        events
    }
}

fn call_item(call: &OpenCall) -> ClientEvent {
    ClientEvent::create_item(Item::FunctionCall(FunctionCall {
        call_id: Some(call.call_id.clone()),
        name: call.name.clone(),
        arguments: call.arguments.clone(),
        ..FunctionCall::default()
    }))
}

#[cfg(test)]
mod tests {
    use voicebot_protocol::WireMessage as _;
    use voicebot_protocol::openai::FunctionCallOutput;

    use super::*;

    fn kinds(events: &[ClientEvent]) -> Vec<String> {
        events
            .iter()
            .map(|event| {
                let value: serde_json::Value = serde_json::from_str(&event.encode().unwrap()).unwrap();
                match value["item"]["type"].as_str() {
                    Some(item) => format!("{}:{item}", event.kind()),
                    None => event.kind().to_owned(),
                }
            })
            .collect()
    }

    fn ack(calls: &mut OpenCalls, call_id: &str) {
        calls.item_added(&Item::FunctionCallOutput(FunctionCallOutput {
            call_id: call_id.into(),
            ..FunctionCallOutput::default()
        }));
    }

    #[test]
    fn a_result_for_a_call_from_an_earlier_conversation_recreates_the_call() {
        let mut calls = OpenCalls::default();
        calls.surfaced("call_1", "get_time", r#"{"tz":"UTC"}"#);
        assert_eq!(
            kinds(&calls.result("call_1", "get_time", "{}".into())),
            ["conversation.item.create:function_call_output", "response.create"]
        );
        assert!(calls.new_conversation().len() == 3, "the unacknowledged result is re-sent");
        let mut fresh = OpenCalls::default();
        fresh.surfaced("call_2", "get_time", "{}");
        assert!(fresh.new_conversation().is_empty(), "nothing to re-send before the result");
        assert_eq!(
            kinds(&fresh.result("call_2", "get_time", "{}".into())),
            [
                "conversation.item.create:function_call",
                "conversation.item.create:function_call_output",
                "response.create"
            ]
        );
    }

    #[test]
    fn an_answered_result_is_not_sent_again_but_an_interrupted_answer_is() {
        let mut calls = OpenCalls::default();
        calls.surfaced("call_1", "get_time", "{}");
        calls.result("call_1", "get_time", "{}".into());
        ack(&mut calls, "call_1");
        calls.response_created(Some("resp_2"));
        assert_eq!(
            kinds(&calls.new_conversation()),
            [
                "conversation.item.create:function_call",
                "conversation.item.create:function_call_output",
                "response.create"
            ],
            "the answer had started but not finished"
        );
        ack(&mut calls, "call_1");
        calls.response_created(Some("resp_3"));
        calls.response_done(Some("resp_3"));
        assert!(calls.new_conversation().is_empty());
    }
}
