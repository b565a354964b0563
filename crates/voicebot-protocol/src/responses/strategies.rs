//! Proptest strategies for the client message (the request body) and its round-trip property.

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::serde_util::open_enum;

/// Text, including non-ASCII, quotes and control characters that JSON must escape.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z ]{0,12}", "\\PC{0,12}", Just("\"quoted\"\n\t\\".to_owned())]
}

/// Floats whose decimal form is exact, so the JSON round trip is exact.
fn float() -> impl Strategy<Value = f64> {
    (0u8..=16).prop_map(|k| f64::from(k) / 8.0)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        text().prop_map(Value::from)
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::from),
            vec(("[a-z]{1,5}", inner), 0..3).prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
        ]
    })
}

/// A raw item whose `type` this crate does not model.
fn raw_object(kind: &'static str) -> impl Strategy<Value = Value> {
    json_value().prop_map(move |value| json!({ "type": kind, "payload": value }))
}

fn role() -> impl Strategy<Value = Role> {
    open_enum(Role::known(), Role::Other)
}

fn item_status() -> impl Strategy<Value = ItemStatus> {
    open_enum(ItemStatus::known(), ItemStatus::Other)
}

fn output_text() -> impl Strategy<Value = OutputText> {
    (text(), of(vec(("[a-z]{1,4}", float()), 0..2))).prop_map(|(text, logprobs)| OutputText {
        text,
        annotations: vec![Annotation::UrlCitation(UrlCitation {
            url: "https://example.com".into(),
            title: "Example".into(),
            start_index: 0,
            end_index: 3,
        })],
        logprobs: logprobs.map(|tokens| {
            tokens
                .into_iter()
                .map(|(token, p)| Logprob {
                    token,
                    logprob: -p,
                    bytes: Some(vec![104, 105]),
                    top_logprobs: Some(vec![]),
                })
                .collect()
        }),
    })
}

fn input_content() -> impl Strategy<Value = InputContent> {
    prop_oneof![
        text().prop_map(|text| InputContent::InputText(InputText { text })),
        output_text().prop_map(InputContent::OutputText),
        text().prop_map(|refusal| InputContent::Refusal(Refusal { refusal })),
        raw_object("input_image").prop_map(InputContent::Other),
    ]
}

fn message_content() -> impl Strategy<Value = MessageContent> {
    prop_oneof![
        text().prop_map(MessageContent::Text),
        vec(input_content(), 0..3).prop_map(MessageContent::Parts)
    ]
}

fn function_call() -> impl Strategy<Value = FunctionCall> {
    (of("fc_[a-z0-9]{4}"), "call_[a-z0-9]{4}", "[a-z_]{1,10}", text(), of(item_status())).prop_map(
        |(id, call_id, name, arguments, status)| FunctionCall {
            id,
            call_id,
            name,
            arguments,
            namespace: None,
            status,
        },
    )
}

fn reasoning_item() -> impl Strategy<Value = ReasoningItem> {
    ("rs_[a-z0-9]{4}", vec(text(), 0..2), of("[A-Za-z0-9+/]{4,16}"), of(item_status())).prop_map(
        |(id, summary, encrypted_content, status)| ReasoningItem {
            id,
            summary: summary.into_iter().map(|text| SummaryText { text }).collect(),
            content: None,
            encrypted_content,
            status,
        },
    )
}

fn input_item() -> impl Strategy<Value = InputItem> {
    let message = (
        role(),
        message_content(),
        of("msg_[a-z0-9]{4}"),
        of(item_status()),
        of(open_enum(Phase::known(), Phase::Other)),
    )
        .prop_map(|(role, content, id, status, phase)| {
            InputItem::Message(InputMessage { role, content, id, status, phase })
        });
    let output = ("call_[a-z0-9]{4}", message_content(), of("fco_[a-z0-9]{4}"), of(item_status())).prop_map(
        |(call_id, output, id, status)| {
            InputItem::FunctionCallOutput(FunctionCallOutput { call_id, output, id, status })
        },
    );
    prop_oneof![
        4 => message,
        2 => output,
        1 => function_call().prop_map(InputItem::FunctionCall),
        1 => reasoning_item().prop_map(InputItem::Reasoning),
        1 => "msg_[a-z0-9]{4}".prop_map(|id| InputItem::ItemReference(ItemReference { id })),
        1 => raw_object("web_search_call").prop_map(InputItem::Other),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![text().prop_map(Input::Text), vec(input_item(), 0..4).prop_map(Input::Items)]
}

fn tool() -> impl Strategy<Value = Tool> {
    let function = (
        "[a-z_]{1,10}",
        of(text()),
        of(json_value().prop_filter("null is None", |v| !v.is_null())),
        of(any::<bool>()),
    )
        .prop_map(|(name, description, parameters, strict)| {
            Tool::Function(FunctionTool { name, description, parameters, strict })
        });
    prop_oneof![3 => function, 1 => raw_object("web_search").prop_map(Tool::Other)]
}

fn tool_choice() -> impl Strategy<Value = ToolChoice> {
    prop_oneof![
        open_enum(ToolChoiceMode::known(), ToolChoiceMode::Other).prop_map(ToolChoice::Mode),
        "[a-z_]{1,10}".prop_map(|name| ToolChoice::Function(ToolChoiceFunction { name })),
        raw_object("file_search").prop_map(ToolChoice::Other),
    ]
}

fn text_config() -> impl Strategy<Value = TextConfig> {
    let format = prop_oneof![
        Just(TextFormat::Text(TextFormatText {})),
        Just(TextFormat::JsonObject(TextFormatJsonObject {})),
        ("[a-z_]{1,10}", json_value(), of(text()), of(any::<bool>())).prop_map(
            |(name, schema, description, strict)| {
                TextFormat::JsonSchema(TextFormatJsonSchema { name, schema, description, strict })
            }
        ),
    ];
    (of(format), of(open_enum(Verbosity::known(), Verbosity::Other)))
        .prop_map(|(format, verbosity)| TextConfig { format, verbosity })
}

fn reasoning() -> impl Strategy<Value = Reasoning> {
    (
        of(open_enum(ReasoningEffort::known(), ReasoningEffort::Other)),
        of(open_enum(ReasoningSummary::known(), ReasoningSummary::Other)),
    )
        .prop_map(|(effort, summary)| Reasoning { effort, summary })
}

fn metadata() -> impl Strategy<Value = Map<String, Value>> {
    vec(("[a-z_]{1,8}", text()), 0..3)
        .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
}

/// Any request body.
pub(crate) fn create_response() -> impl Strategy<Value = CreateResponse> {
    let core = (
        "gpt-[a-z0-9.-]{1,10}",
        of(input()),
        of(text()),
        of(any::<u32>()),
        of(any::<u32>()),
        of(reasoning()),
        of(any::<bool>()),
        of(of(any::<bool>()).prop_map(|include_obfuscation| StreamOptions { include_obfuscation })),
        of(any::<bool>()),
        of("resp_[a-z0-9]{6}"),
        vec(prop::sample::select(vec!["reasoning.encrypted_content", "message.output_text.logprobs"]), 0..2),
    );
    let tools = (vec(tool(), 0..3), of(tool_choice()), of(any::<bool>()), of(text_config()));
    let sampling =
        (of(float()), of(float()), of(0u8..=20), of(open_enum(Truncation::known(), Truncation::Other)));
    let misc = (
        of(metadata()),
        of(text()),
        of(text()),
        of(open_enum(ServiceTier::known(), ServiceTier::Other)),
        of(any::<bool>()),
    );
    (core, tools, sampling, misc).prop_map(
        |(
            (
                model,
                input,
                instructions,
                max_output_tokens,
                max_tool_calls,
                reasoning,
                stream,
                stream_options,
                store,
                previous_response_id,
                include,
            ),
            (tools, tool_choice, parallel_tool_calls, text),
            (temperature, top_p, top_logprobs, truncation),
            (metadata, safety_identifier, prompt_cache_key, service_tier, background),
        )| CreateResponse {
            model,
            input,
            instructions,
            max_output_tokens,
            max_tool_calls,
            reasoning,
            stream,
            stream_options,
            store,
            previous_response_id,
            include: include.into_iter().map(str::to_owned).collect(),
            tools,
            tool_choice,
            parallel_tool_calls,
            text,
            temperature,
            top_p,
            top_logprobs,
            truncation,
            metadata,
            safety_identifier,
            prompt_cache_key,
            service_tier,
            background,
        },
    )
}

proptest! {
    #[test]
    fn every_request_round_trips(request in create_response()) {
        use crate::WireMessage;
        let encoded = request.encode().unwrap();
        prop_assert_eq!(CreateResponse::decode(&encoded).unwrap(), request);
    }
}
