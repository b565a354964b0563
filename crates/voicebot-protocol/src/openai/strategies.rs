//! Proptest strategies for every client event, and the properties that they round-trip and decoding never panics.

use proptest::option;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::WireMessage;
use crate::serde_util::open_enum;

/// Short identifiers such as ids and names.
fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,11}"
}

/// Free text, any Unicode.
fn text() -> impl Strategy<Value = String> {
    ".{0,24}"
}

/// A value unknown to the crate, so it must land in an `Other` fallback.
fn unknown_name() -> impl Strategy<Value = String> {
    "x_[a-z]{1,8}"
}

/// Base64 text.
fn base64() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<i16>(), 0..16).prop_map(|samples| crate::pcm::encode_i16(&samples))
}

/// A float that JSON writes and reads back exactly: a multiple of 1/8 in `0..=max/8`.
fn eighths(max: u32) -> impl Strategy<Value = f64> {
    (0..=max).prop_map(|n| f64::from(n) / 8.0)
}

/// `None`, `Some(None)` (`null`) or `Some(Some(v))`.
fn nullable<T: std::fmt::Debug + Clone + 'static>(
    inner: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<Option<T>>> {
    prop_oneof![Just(None), Just(Some(None)), inner.prop_map(|value| Some(Some(value)))]
}

/// Small free-form JSON: schemas, metadata.
fn json_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!({})),
        (ident(), text()).prop_map(|(key, value)| json!({ key: value })),
        ident().prop_map(
            |key| json!({"type":"object","properties":{ key.clone(): {"type":"string"} },"required":[key]})
        ),
        any::<i32>().prop_map(|n| json!([n, null, true])),
    ]
    .boxed()
}

fn json_map() -> BoxedStrategy<serde_json::Map<String, Value>> {
    proptest::collection::btree_map(ident(), text().prop_map(Value::String), 0..3)
        .prop_map(|map| map.into_iter().collect())
        .boxed()
}

fn voice() -> BoxedStrategy<Voice> {
    prop_oneof![
        Just(Voice::Alloy),
        Just(Voice::Ash),
        Just(Voice::Ballad),
        Just(Voice::Coral),
        Just(Voice::Echo),
        Just(Voice::Sage),
        Just(Voice::Shimmer),
        Just(Voice::Verse),
        Just(Voice::Marin),
        Just(Voice::Cedar),
        "voice_[a-z0-9]{1,8}".prop_map(|id| Voice::Custom(VoiceId { id })),
        unknown_name().prop_map(Voice::Other),
    ]
    .boxed()
}

fn audio_format() -> BoxedStrategy<AudioFormat> {
    prop_oneof![
        Just(AudioFormat::pcm()),
        Just(AudioFormat::pcmu()),
        Just(AudioFormat::pcma()),
        Just(AudioFormat { kind: AudioFormatType::Pcm, rate: None }),
        (unknown_name(), option::of(8_000u32..48_000))
            .prop_map(|(name, rate)| AudioFormat { kind: AudioFormatType::Other(name), rate }),
    ]
    .boxed()
}

fn modalities() -> BoxedStrategy<Vec<Modality>> {
    proptest::collection::vec(open_enum(Modality::known(), Modality::Other), 0..3).boxed()
}

fn transcription() -> BoxedStrategy<InputAudioTranscription> {
    (
        option::of(ident()),
        option::of("[a-z]{2}"),
        option::of(proptest::collection::vec("[a-z]{2}", 0..3)),
        option::of(text()),
        option::of(proptest::collection::vec(text(), 0..3)),
        option::of(ident()),
    )
        .prop_map(|(model, language, languages, prompt, keywords, delay)| InputAudioTranscription {
            model,
            language,
            languages,
            prompt,
            keywords,
            delay,
        })
        .boxed()
}

fn noise_reduction() -> BoxedStrategy<NoiseReduction> {
    let kind = open_enum(NoiseReductionType::known(), NoiseReductionType::Other);
    (option::of(kind), option::of(eighths(8)))
        .prop_map(|(kind, strength)| NoiseReduction { kind, strength })
        .boxed()
}

fn turn_detection() -> BoxedStrategy<TurnDetection> {
    let flag = || option::of(any::<bool>());
    let server = (option::of(eighths(8)), option::of(0u32..2000), option::of(0u32..2000), flag(), flag())
        .prop_flat_map(
            move |(threshold, prefix_padding_ms, silence_duration_ms, create_response, interrupt)| {
                option::of(0u32..30_000).prop_map(move |idle_timeout_ms| {
                    TurnDetection::ServerVad(ServerVad {
                        threshold,
                        prefix_padding_ms,
                        silence_duration_ms,
                        create_response,
                        interrupt_response: interrupt,
                        idle_timeout_ms,
                    })
                })
            },
        );
    let eagerness = open_enum(Eagerness::known(), Eagerness::Other);
    let semantic = (option::of(eagerness), flag(), flag()).prop_map(
        |(eagerness, create_response, interrupt_response)| {
            TurnDetection::SemanticVad(SemanticVad { eagerness, create_response, interrupt_response })
        },
    );
    let other = unknown_name().prop_map(|kind| TurnDetection::Other(json!({"type": kind, "window_ms": 200})));
    prop_oneof![server, semantic, other].boxed()
}

fn audio_input() -> BoxedStrategy<AudioInput> {
    (
        option::of(audio_format()),
        nullable(transcription()),
        nullable(noise_reduction()),
        nullable(turn_detection()),
    )
        .prop_map(|(format, transcription, noise_reduction, turn_detection)| AudioInput {
            format,
            transcription,
            noise_reduction,
            turn_detection,
        })
        .boxed()
}

fn audio_config() -> BoxedStrategy<AudioConfig> {
    let output = (
        option::of(audio_format()),
        option::of(voice()),
        option::of((2u32..=12).prop_map(|n| f64::from(n) / 8.0)),
    )
        .prop_map(|(format, voice, speed)| AudioOutput { format, voice, speed });
    (option::of(audio_input()), option::of(output))
        .prop_map(|(input, output)| AudioConfig { input, output })
        .boxed()
}

fn tool() -> BoxedStrategy<Tool> {
    let function = (ident(), option::of(text()), option::of(json_value())).prop_map(
        |(name, description, parameters)| Tool::Function(FunctionTool { name, description, parameters }),
    );
    let mcp =
        (ident(), option::of("https://[a-z]{1,8}\\.example/mcp"), option::of(json_value()), any::<bool>())
            .prop_map(|(server_label, server_url, allowed_tools, always)| {
                Tool::Mcp(Box::new(McpTool {
                    server_label,
                    server_url,
                    allowed_tools,
                    require_approval: Some(json!(if always { "always" } else { "never" })),
                    ..McpTool::default()
                }))
            });
    let other = unknown_name().prop_map(|kind| Tool::Other(json!({"type": kind})));
    prop_oneof![function, mcp, other].boxed()
}

fn tool_choice() -> BoxedStrategy<ToolChoice> {
    prop_oneof![
        open_enum(ToolChoiceMode::known(), ToolChoiceMode::Other).prop_map(ToolChoice::Mode),
        ident().prop_map(ToolChoice::function),
        (ident(), option::of(ident()))
            .prop_map(|(server_label, name)| ToolChoice::Forced(ForcedTool::Mcp { server_label, name })),
    ]
    .boxed()
}

fn max_output_tokens() -> BoxedStrategy<MaxOutputTokens> {
    prop_oneof![Just(MaxOutputTokens::Inf), (1u32..=4096).prop_map(MaxOutputTokens::Limit)].boxed()
}

fn truncation() -> BoxedStrategy<Truncation> {
    prop_oneof![
        open_enum(TruncationMode::known(), TruncationMode::Other).prop_map(Truncation::Mode),
        (eighths(8), option::of(option::of(0u32..100_000))).prop_map(|(retention_ratio, limits)| {
            Truncation::Strategy(TruncationStrategy::RetentionRatio {
                retention_ratio,
                token_limits: limits.map(|post_instructions| TokenLimits { post_instructions }),
            })
        }),
    ]
    .boxed()
}

fn tracing() -> BoxedStrategy<Tracing> {
    prop_oneof![
        Just(Tracing::Mode(TracingMode::Auto)),
        (option::of(ident()), option::of(ident()), option::of(json_value())).prop_map(
            |(workflow_name, group_id, metadata)| Tracing::Config(TracingConfig {
                workflow_name,
                group_id,
                metadata
            })
        ),
    ]
    .boxed()
}

fn prompt() -> BoxedStrategy<Prompt> {
    (ident(), option::of(json_map()), option::of("[0-9]{1,2}"))
        .prop_map(|(id, variables, version)| Prompt { id, variables, version })
        .boxed()
}

fn reasoning() -> BoxedStrategy<Reasoning> {
    let effort = open_enum(ReasoningEffort::known(), ReasoningEffort::Other);
    option::of(effort).prop_map(|effort| Reasoning { effort }).boxed()
}

fn include() -> BoxedStrategy<Vec<Include>> {
    proptest::collection::vec(open_enum(Include::known(), Include::Other), 0..2).boxed()
}

fn realtime_session() -> BoxedStrategy<RealtimeSession> {
    let head = (
        option::of(ident()),
        option::of(text()),
        option::of(modalities()),
        option::of(audio_config()),
        option::of(proptest::collection::vec(tool(), 0..3)),
        option::of(tool_choice()),
    );
    let tail = (
        option::of(any::<bool>()),
        option::of(max_output_tokens()),
        option::of(truncation()),
        nullable(tracing()),
        option::of(include()),
        nullable(prompt()),
        option::of(reasoning()),
    );
    (head, tail)
        .prop_map(
            |(
                (model, instructions, output_modalities, audio, tools, tool_choice),
                (parallel_tool_calls, max_output_tokens, truncation, tracing, include, prompt, reasoning),
            )| RealtimeSession {
                id: None,
                object: None,
                expires_at: None,
                model,
                instructions,
                output_modalities,
                audio,
                tools,
                tool_choice,
                parallel_tool_calls,
                max_output_tokens,
                truncation,
                tracing,
                include,
                prompt,
                reasoning,
            },
        )
        .boxed()
}

fn transcription_session() -> BoxedStrategy<TranscriptionSession> {
    (option::of(option::of(audio_input())), option::of(include()))
        .prop_map(|(audio, include)| TranscriptionSession {
            audio: audio.map(|input| TranscriptionAudio { input }),
            include,
            ..TranscriptionSession::default()
        })
        .boxed()
}

fn session() -> BoxedStrategy<Session> {
    prop_oneof![
        realtime_session().prop_map(Session::Realtime),
        transcription_session().prop_map(Session::Transcription),
    ]
    .boxed()
}

fn content_part() -> BoxedStrategy<ContentPart> {
    let kind = open_enum(ContentKind::known(), ContentKind::Other);
    (
        kind,
        option::of(text()),
        option::of(base64()),
        option::of(text()),
        option::of(ident()),
        option::of(ident()),
    )
        .prop_map(|(kind, text, audio, transcript, image_url, detail)| ContentPart {
            kind,
            text,
            audio,
            transcript,
            image_url,
            detail,
        })
        .boxed()
}

fn item_status() -> BoxedStrategy<ItemStatus> {
    open_enum(ItemStatus::known(), ItemStatus::Other).boxed()
}

fn item() -> BoxedStrategy<Item> {
    let role = open_enum(Role::known(), Role::Other);
    let message = (
        option::of(ident()),
        option::of(Just("realtime.item".to_owned())),
        option::of(item_status()),
        role,
        proptest::collection::vec(content_part(), 0..3),
    )
        .prop_map(|(id, object, status, role, content)| {
            Item::Message(Message { id, object, status, role, content })
        });
    let call = (option::of(ident()), option::of(item_status()), option::of(ident()), ident(), text())
        .prop_map(|(id, status, call_id, name, arguments)| {
            Item::FunctionCall(FunctionCall { id, object: None, status, call_id, name, arguments })
        });
    let output = (option::of(ident()), ident(), text()).prop_map(|(id, call_id, output)| {
        Item::FunctionCallOutput(FunctionCallOutput { id, call_id, output, ..FunctionCallOutput::default() })
    });
    let approval = (ident(), ident(), any::<bool>(), option::of(text())).prop_map(
        |(id, approval_request_id, approve, reason)| {
            Item::McpApprovalResponse(McpApprovalResponse { id, approval_request_id, approve, reason })
        },
    );
    let reference = ident().prop_map(|id| Item::ItemReference(ItemReference { id }));
    let other = (unknown_name(), ident()).prop_map(|(kind, id)| Item::Other(json!({"type": kind, "id": id})));
    prop_oneof![message, call, output, approval, reference, other].boxed()
}

fn response_params() -> BoxedStrategy<ResponseCreateParams> {
    let audio = option::of((option::of(audio_format()), option::of(voice()))).prop_map(|output| {
        ResponseAudio { output: output.map(|(format, voice)| ResponseAudioOutput { format, voice }) }
    });
    let conversation = prop_oneof![
        Just(ResponseConversation::Auto),
        Just(ResponseConversation::None),
        "conv_[a-z0-9]{1,8}".prop_map(ResponseConversation::Other),
    ];
    let head = (
        option::of(text()),
        option::of(modalities()),
        option::of(audio),
        option::of(proptest::collection::vec(tool(), 0..2)),
        option::of(tool_choice()),
        option::of(any::<bool>()),
    );
    let tail = (
        option::of(conversation),
        option::of(proptest::collection::vec(item(), 0..3)),
        option::of(json_map()),
        option::of(max_output_tokens()),
        nullable(prompt()),
        option::of(reasoning()),
    );
    (head, tail)
        .prop_map(
            |(
                (instructions, output_modalities, audio, tools, tool_choice, parallel_tool_calls),
                (conversation, input, metadata, max_output_tokens, prompt, reasoning),
            )| ResponseCreateParams {
                instructions,
                output_modalities,
                audio,
                tools,
                tool_choice,
                parallel_tool_calls,
                conversation,
                input,
                metadata,
                max_output_tokens,
                prompt,
                reasoning,
            },
        )
        .boxed()
}

/// Every client event, with every field exercised.
pub(crate) fn client_event() -> BoxedStrategy<ClientEvent> {
    let event_id = || option::of("event_[a-z0-9]{1,8}");
    prop_oneof![
        (event_id(), session()).prop_map(|(event_id, session)| SessionUpdate { event_id, session }.into()),
        (event_id(), base64())
            .prop_map(|(event_id, audio)| InputAudioBufferAppend { event_id, audio }.into()),
        event_id().prop_map(|event_id| InputAudioBufferCommit { event_id }.into()),
        event_id().prop_map(|event_id| InputAudioBufferClear { event_id }.into()),
        (event_id(), option::of(ident()), item()).prop_map(|(event_id, previous_item_id, item)| {
            ConversationItemCreate { event_id, previous_item_id, item }.into()
        }),
        (event_id(), ident())
            .prop_map(|(event_id, item_id)| ConversationItemRetrieve { event_id, item_id }.into()),
        (event_id(), ident())
            .prop_map(|(event_id, item_id)| ConversationItemDelete { event_id, item_id }.into()),
        (event_id(), ident(), 0u32..4, any::<u64>()).prop_map(
            |(event_id, item_id, content_index, audio_end_ms)| {
                ConversationItemTruncate { event_id, item_id, content_index, audio_end_ms }.into()
            }
        ),
        (event_id(), option::of(response_params())).prop_map(|(event_id, response)| ResponseCreate {
            event_id,
            response
        }
        .into()),
        (event_id(), option::of(ident())).prop_map(|(event_id, response_id)| ResponseCancel {
            event_id,
            response_id
        }
        .into()),
        event_id().prop_map(|event_id| OutputAudioBufferClear { event_id }.into()),
    ]
    .boxed()
}

proptest! {
    #[test]
    fn every_client_event_round_trips(event in client_event()) {
        let text = event.encode().unwrap();
        prop_assert!(!event.is_unknown());
        let decoded = ClientEvent::decode(&text).unwrap();
        prop_assert_eq!(&decoded, &event, "{}", text);
        prop_assert_eq!(decoded.kind(), event.kind());
    }

    #[test]
    fn encoded_session_updates_always_carry_session_type(event in client_event()) {
        if let ClientEvent::SessionUpdate(_) = event {
            let value: Value = serde_json::from_str(&event.encode().unwrap()).unwrap();
            prop_assert!(value["session"]["type"].is_string());
        }
    }

    #[test]
    fn decoding_never_panics_on_arbitrary_text(text in ".{0,64}") {
        let _ = ClientEvent::decode(&text);
        let _ = ServerEvent::decode(&text);
    }

    #[test]
    fn decoding_never_panics_on_known_kinds_with_arbitrary_bodies(
        index in any::<prop::sample::Index>(),
        body in json_value(),
        bytes in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let kind = index.get(ServerEvent::KINDS);
        let mut frame = match body { Value::Object(map) => map, other => [("x".to_owned(), other)].into_iter().collect() };
        frame.insert("type".into(), Value::String((*kind).to_owned()));
        let text = Value::Object(frame).to_string();
        let _ = ServerEvent::decode(&text);
        let _ = ClientEvent::decode(&text);
        let _ = ServerEvent::decode_bytes(&bytes);
    }
}
