//! The Responses API: `POST /v1/responses`, answered in plain JSON or as SSE, with a scripted answer or one
//! derived from the input (`Answer to: <input>. <suffix>`), usage filled in, and the Responses faults applied.

use std::sync::Arc;

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response as HttpResponse, StatusCode};
use voicebot_protocol::WireMessage;
use voicebot_protocol::responses::{
    CreateResponse, IncompleteDetails, IncompleteReason, Input, InputContent, InputItem, ItemStatus,
    MessageContent, OutputContent, OutputItem, OutputMessage, OutputText, OutputTokensDetails, ReasoningItem,
    Response, ResponseContentPart, ResponseOutputItem, ResponseOutputTextDelta, ResponseOutputTextDone,
    ResponseSnapshot, ResponseStatus, Role, StreamEvent, Usage,
};

use crate::fault::ResponsesAction;
use crate::record::{Api, Direction};
use crate::server::{Body, api_key, connection_record, json, rejection, unauthorized};
use crate::shared::Shared;

/// Answers one request.
pub(crate) async fn handle(request: Request<Incoming>, shared: Arc<Shared>) -> HttpResponse<Body> {
    let key = api_key(&request, Api::Responses);
    let authorized = key.as_deref().is_some_and(|key| shared.scenario.accepts_key(key));
    let conn = shared.open(connection_record(&request, Api::Responses, 200));
    let bytes = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    shared.frame(conn, Api::Responses, Direction::Received, "request", &text);
    let (status, response) = if let Some(status) = shared.take_reject(Api::Responses) {
        (status, rejection(Api::Responses, status, key.as_deref()))
    } else if authorized {
        answer(&shared, conn, &text).await
    } else {
        (401, unauthorized(Api::Responses, key.as_deref()))
    };
    shared.with_conn(conn, |record| record.status = status);
    shared.close(conn, None, false);
    response
}

async fn answer(shared: &Arc<Shared>, conn: u64, text: &str) -> (u16, HttpResponse<Body>) {
    let request = match CreateResponse::decode(text) {
        Ok(request) => request,
        Err(err) => {
            shared.violation(conn, "undecodable_request", err.to_string());
            let body = error_body(&format!("Invalid request body: {err}"), "invalid_request_error", None);
            return reply(shared, conn, StatusCode::BAD_REQUEST, &body);
        }
    };
    shared.with_conn(conn, |record| record.model = Some(request.model.clone()));
    if !shared.scenario.knows_model(&request.model) {
        let message =
            format!("The model `{}` does not exist or you do not have access to it.", request.model);
        let body = error_body(&message, "invalid_request_error", Some("model_not_found"));
        return reply(shared, conn, StatusCode::NOT_FOUND, &body);
    }
    match shared.responses_action() {
        ResponsesAction::RateLimit(retry_after) => {
            let body = error_body(
                "Rate limit reached for requests. Please try again later.",
                "requests",
                Some("rate_limit_exceeded"),
            );
            let (status, mut response) = reply(shared, conn, StatusCode::TOO_MANY_REQUESTS, &body);
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
            (status, response)
        }
        ResponsesAction::Fail => {
            let body = error_body(
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
            );
            reply(shared, conn, StatusCode::INTERNAL_SERVER_ERROR, &body)
        }
        ResponsesAction::Answer { delay, incomplete } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let response = build(shared, &request, incomplete);
            if request.stream == Some(true) {
                (200, sse(shared, conn, response))
            } else {
                let body = response.encode().unwrap_or_default();
                shared.frame(conn, Api::Responses, Direction::Sent, "response", &body);
                let mut http = HttpResponse::new(Full::new(Bytes::from(body)));
                http.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                (200, http)
            }
        }
    }
}

fn reply(
    shared: &Arc<Shared>,
    conn: u64,
    status: StatusCode,
    body: &serde_json::Value,
) -> (u16, HttpResponse<Body>) {
    shared.frame(conn, Api::Responses, Direction::Sent, "error", &body.to_string());
    (status.as_u16(), json(status, body))
}

fn error_body(message: &str, kind: &str, code: Option<&str>) -> serde_json::Value {
    serde_json::json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

/// The text the answer is about: the input string, or the last user message's text.
pub(crate) fn input_text(request: &CreateResponse) -> String {
    match &request.input {
        Some(Input::Text(text)) => text.clone(),
        Some(Input::Items(items)) => items
            .iter()
            .rev()
            .find_map(|item| match item {
                InputItem::Message(message) if message.role == voicebot_protocol::responses::Role::User => {
                    Some(match &message.content {
                        MessageContent::Text(text) => text.clone(),
                        MessageContent::Parts(parts) => parts
                            .iter()
                            .filter_map(|part| match part {
                                InputContent::InputText(text) => Some(text.text.as_str()),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join(" "),
                    })
                }
                _ => None,
            })
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn tokens(text: &str) -> u64 {
    text.len() as u64 / 4 + 1
}

fn build(shared: &Arc<Shared>, request: &CreateResponse, incomplete: bool) -> Response {
    let input = input_text(request);
    let mut response = Response::new(shared.next_id("resp"), request.model.clone());
    response.created_at = Some(1_767_225_600.0);
    response.instructions = request.instructions.clone().map(Input::Text);
    response.max_output_tokens = request.max_output_tokens;
    response.previous_response_id = request.previous_response_id.clone();
    let input_tokens = tokens(&input) + request.instructions.as_deref().map_or(0, tokens);
    let reasoning = ReasoningItem {
        id: shared.next_id("rs"),
        summary: Vec::new(),
        content: None,
        encrypted_content: None,
        status: None,
    };
    if incomplete {
        let spent = u64::from(request.max_output_tokens.unwrap_or(64));
        response.status = Some(ResponseStatus::Incomplete);
        response.incomplete_details =
            Some(IncompleteDetails { reason: Some(IncompleteReason::MaxOutputTokens) });
        response.output = vec![OutputItem::Reasoning(reasoning)];
        response.usage = Some(usage(input_tokens, spent, spent));
        return response;
    }
    let answer = shared.scenario.responses.answer(&input);
    let output_tokens = tokens(&answer);
    let message = OutputMessage {
        id: shared.next_id("msg"),
        role: Role::Assistant,
        status: Some(ItemStatus::Completed),
        content: vec![OutputContent::OutputText(OutputText {
            text: answer,
            annotations: Vec::new(),
            logprobs: None,
        })],
        phase: None,
    };
    response.status = Some(ResponseStatus::Completed);
    response.output = vec![OutputItem::Reasoning(reasoning), OutputItem::Message(message)];
    response.usage = Some(usage(input_tokens, output_tokens + 16, 16));
    response
}

fn usage(input: u64, output: u64, reasoning: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        output_tokens_details: OutputTokensDetails { reasoning_tokens: reasoning },
        total_tokens: input + output,
        ..Usage::default()
    }
}

/// The full event order of a streamed response, each with its `sequence_number`.
fn stream_events(done: &Response) -> Vec<StreamEvent> {
    let mut seq = 0u64;
    let mut next = || {
        seq += 1;
        seq - 1
    };
    let mut start = done.clone();
    start.status = Some(ResponseStatus::InProgress);
    start.output = Vec::new();
    start.usage = None;
    start.incomplete_details = None;
    let mut events = vec![
        StreamEvent::ResponseCreated(ResponseSnapshot { response: start.clone(), sequence_number: next() }),
        StreamEvent::ResponseInProgress(ResponseSnapshot { response: start, sequence_number: next() }),
    ];
    for (index, item) in done.output.iter().enumerate() {
        let output_index = index as u32;
        let OutputItem::Message(message) = item else {
            events.push(StreamEvent::ResponseOutputItemAdded(ResponseOutputItem {
                output_index,
                item: item.clone(),
                sequence_number: next(),
            }));
            events.push(StreamEvent::ResponseOutputItemDone(ResponseOutputItem {
                output_index,
                item: item.clone(),
                sequence_number: next(),
            }));
            continue;
        };
        let text = message
            .content
            .iter()
            .find_map(|part| match part {
                OutputContent::OutputText(text) => Some(text.text.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let empty =
            OutputMessage { status: Some(ItemStatus::InProgress), content: Vec::new(), ..message.clone() };
        events.push(StreamEvent::ResponseOutputItemAdded(ResponseOutputItem {
            output_index,
            item: OutputItem::Message(empty),
            sequence_number: next(),
        }));
        let part = |text: &str| {
            OutputContent::OutputText(OutputText {
                text: text.to_owned(),
                annotations: Vec::new(),
                logprobs: None,
            })
        };
        events.push(StreamEvent::ResponseContentPartAdded(ResponseContentPart {
            item_id: message.id.clone(),
            output_index,
            content_index: 0,
            part: part(""),
            sequence_number: next(),
        }));
        for piece in crate::speech::word_pieces(&text, text.split_whitespace().count().max(1)) {
            events.push(StreamEvent::ResponseOutputTextDelta(ResponseOutputTextDelta {
                item_id: message.id.clone(),
                output_index,
                content_index: 0,
                delta: piece,
                logprobs: Vec::new(),
                obfuscation: None,
                sequence_number: next(),
            }));
        }
        events.push(StreamEvent::ResponseOutputTextDone(ResponseOutputTextDone {
            item_id: message.id.clone(),
            output_index,
            content_index: 0,
            text: text.clone(),
            logprobs: Vec::new(),
            sequence_number: next(),
        }));
        events.push(StreamEvent::ResponseContentPartDone(ResponseContentPart {
            item_id: message.id.clone(),
            output_index,
            content_index: 0,
            part: part(&text),
            sequence_number: next(),
        }));
        events.push(StreamEvent::ResponseOutputItemDone(ResponseOutputItem {
            output_index,
            item: item.clone(),
            sequence_number: next(),
        }));
    }
    let snapshot = ResponseSnapshot { response: done.clone(), sequence_number: next() };
    events.push(match done.status {
        Some(ResponseStatus::Incomplete) => StreamEvent::ResponseIncomplete(snapshot),
        _ => StreamEvent::ResponseCompleted(snapshot),
    });
    events
}

fn sse(shared: &Arc<Shared>, conn: u64, done: Response) -> HttpResponse<Body> {
    let mut body = String::new();
    for event in stream_events(&done) {
        let Ok(data) = event.encode() else { continue };
        shared.frame(conn, Api::Responses, Direction::Sent, event.kind(), &data);
        body.push_str(&format!("event: {}\ndata: {data}\n\n", event.kind()));
    }
    let mut http = HttpResponse::new(Full::new(Bytes::from(body)));
    http.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    http
}

#[cfg(test)]
mod tests {
    use super::*;
    use voicebot_protocol::responses::SseDecoder;

    #[test]
    fn the_answer_is_derived_from_the_input_and_streams_in_the_documented_order() {
        let shared = Arc::new(Shared::new(crate::Scenario::default()).unwrap());
        let request = CreateResponse::user_text("gpt-5-mini", "Plan.", "Book a table for two?");
        let response = build(&shared, &request, false);
        assert!(
            response.output_text().starts_with("Answer to: Book a table for two. "),
            "{}",
            response.output_text()
        );
        let kinds: Vec<String> = stream_events(&response).iter().map(|e| e.kind().to_owned()).collect();
        assert_eq!(kinds.first().map(String::as_str), Some("response.created"));
        assert_eq!(kinds.last().map(String::as_str), Some("response.completed"));
        let sequence: Vec<u64> =
            stream_events(&response).iter().filter_map(StreamEvent::sequence_number).collect();
        assert!(sequence.windows(2).all(|w| w[1] == w[0] + 1));
        let _ = SseDecoder::new();
    }

    #[test]
    fn a_scripted_answer_is_given_verbatim_when_the_input_contains_its_phrase() {
        let mut scenario = crate::Scenario::default();
        scenario.responses.answers.push(crate::ScriptedAnswer {
            input_contains: "SKY is blue".into(),
            text: "Rayleigh scattering.".into(),
        });
        let shared = Arc::new(Shared::new(scenario).unwrap());
        let asked = CreateResponse::user_text("gpt-5.2", "Plan.", "Explain why the sky is blue.");
        assert_eq!(build(&shared, &asked, false).output_text(), "Rayleigh scattering.");
        let other = CreateResponse::user_text("gpt-5.2", "Plan.", "Why is grass green?");
        assert!(build(&shared, &other, false).output_text().starts_with("Answer to: Why is grass green. "));
    }

    #[test]
    fn an_incomplete_answer_holds_only_reasoning() {
        let shared = Arc::new(Shared::new(crate::Scenario::default()).unwrap());
        let request = CreateResponse::user_text("gpt-5-mini", "Plan.", "Hi").with_max_output_tokens(100);
        let response = build(&shared, &request, true);
        assert!(response.budget_spent_on_reasoning());
        assert_eq!(response.output_text(), "");
    }
}
