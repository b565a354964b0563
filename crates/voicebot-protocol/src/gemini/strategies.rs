//! Test support: proptest strategies for every Gemini client message, key re-casing and fixture loading.
//!
//! User data (arguments, results, schemas) and `extra` maps use lower-case keys only, so a test may re-case
//! every key of an encoded message to snake_case and expect the same value back.

use proptest::collection::{btree_map, vec};
use proptest::option::of;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;
use crate::serde_util::open_enum;

/// A float that survives a JSON round trip exactly without serde_json's `float_roundtrip` feature.
fn float() -> impl Strategy<Value = f64> {
    (-20_000i32..20_000).prop_map(|n| f64::from(n) / 100.0)
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,10}"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    of(text())
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        float().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map("[a-z][a-z0-9_]{0,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("[a-z][a-z0-9_]{0,6}", json(), 0..4).prop_map(|map| map.into_iter().collect())
}

/// An `extra` map: keys no struct field uses.
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("future[a-z]{0,4}", json(), 0..2).prop_map(|map| map.into_iter().collect())
}

fn blob() -> impl Strategy<Value = Blob> {
    (prop_oneof![Just("audio/pcm;rate=16000".to_owned()), text()], "[A-Za-z0-9+/_-]{0,12}={0,2}", opt_text())
        .prop_map(|(mime_type, data, display_name)| Blob { mime_type, data, display_name })
}

fn function_call() -> impl Strategy<Value = FunctionCall> {
    (opt_text(), text(), object(), of(vec(json(), 0..3)), of(any::<bool>())).prop_map(
        |(id, name, args, partial_args, will_continue)| FunctionCall {
            id,
            name,
            args,
            partial_args,
            will_continue,
        },
    )
}

fn function_response() -> impl Strategy<Value = FunctionResponse> {
    let scheduling = open_enum(FunctionResponseScheduling::known(), FunctionResponseScheduling::Other);
    (opt_text(), text(), object(), of(any::<bool>()), of(scheduling), of(vec(json(), 0..2))).prop_map(
        |(id, name, response, will_continue, scheduling, parts)| FunctionResponse {
            id,
            name,
            response,
            will_continue,
            scheduling,
            parts,
        },
    )
}

fn part() -> impl Strategy<Value = Part> {
    let file = (text(), opt_text(), opt_text()).prop_map(|(file_uri, mime_type, display_name)| FileData {
        file_uri,
        mime_type,
        display_name,
    });
    prop_oneof![
        (text(), of(any::<bool>())).prop_map(|(text, thought)| Part { thought, ..Part::text(text) }),
        blob().prop_map(Part::inline_data),
        file.prop_map(|file| Part { file_data: Some(file), ..Part::default() }),
        (text(), text()).prop_map(|(text, signature)| Part {
            thought: Some(true),
            thought_signature: Some(signature),
            ..Part::text(text)
        }),
        function_call().prop_map(|call| Part { function_call: Some(call), ..Part::default() }),
        function_response()
            .prop_map(|response| Part { function_response: Some(response), ..Part::default() }),
        extra().prop_map(|extra| Part { extra, ..Part::default() }),
    ]
}

fn content() -> impl Strategy<Value = Content> {
    (vec(part(), 0..3), of(open_enum(Role::known(), Role::Other)))
        .prop_map(|(parts, role)| Content { parts, role })
}

fn tool() -> impl Strategy<Value = Tool> {
    let declaration = (
        text(),
        opt_text(),
        of(object().prop_map(Value::Object)),
        of(object().prop_map(Value::Object)),
        of(object().prop_map(Value::Object)),
        of(object().prop_map(Value::Object)),
        of(open_enum(Behavior::known(), Behavior::Other)),
    )
        .prop_map(
            |(
                name,
                description,
                parameters,
                parameters_json_schema,
                response,
                response_json_schema,
                behavior,
            )| {
                FunctionDeclaration {
                    name,
                    description,
                    parameters,
                    parameters_json_schema,
                    response,
                    response_json_schema,
                    behavior,
                }
            },
        );
    (of(vec(declaration, 0..3)), of(object()), of(object()), of(object()), of(object()), extra()).prop_map(
        |(function_declarations, google_search, code_execution, url_context, google_maps, extra)| Tool {
            function_declarations,
            google_search,
            code_execution,
            url_context,
            google_maps,
            extra,
        },
    )
}

fn generation_config() -> impl Strategy<Value = GenerationConfig> {
    let voice = (of(of(text()).prop_map(|voice_name| PrebuiltVoiceConfig { voice_name })), of(object()))
        .prop_map(|(prebuilt_voice_config, replicated)| VoiceConfig {
            prebuilt_voice_config,
            replicated_voice_config: replicated.map(Value::Object),
        });
    let speech = (of(voice), opt_text(), of(object())).prop_map(|(voice_config, language_code, multi)| {
        SpeechConfig { voice_config, language_code, multi_speaker_voice_config: multi.map(Value::Object) }
    });
    let thinking =
        (of(any::<i32>()), of(open_enum(ThinkingLevel::known(), ThinkingLevel::Other)), of(any::<bool>()))
            .prop_map(|(thinking_budget, thinking_level, include_thoughts)| ThinkingConfig {
                thinking_budget,
                thinking_level,
                include_thoughts,
            });
    let sampling = (of(float()), of(float()), of(any::<u32>()), of(any::<u32>()), of(any::<u32>()));
    let rest = (
        of(vec(open_enum(Modality::known(), Modality::Other), 0..2)),
        of(speech),
        of(float()),
        of(float()),
        of(any::<i32>()),
        of(open_enum(MediaResolution::known(), MediaResolution::Other)),
        of(thinking),
        of(any::<bool>()),
        extra(),
    );
    (sampling, rest).prop_map(
        |(
            (temperature, top_p, top_k, max_output_tokens, candidate_count),
            (
                response_modalities,
                speech_config,
                presence_penalty,
                frequency_penalty,
                seed,
                media_resolution,
                thinking_config,
                enable_affective_dialog,
                extra,
            ),
        )| GenerationConfig {
            response_modalities,
            speech_config,
            temperature,
            top_p,
            top_k,
            max_output_tokens,
            candidate_count,
            presence_penalty,
            frequency_penalty,
            seed,
            media_resolution,
            thinking_config,
            enable_affective_dialog,
            extra,
        },
    )
}

fn realtime_input_config() -> impl Strategy<Value = RealtimeInputConfig> {
    let detection = (
        of(any::<bool>()),
        of(open_enum(StartSensitivity::known(), StartSensitivity::Other)),
        of(open_enum(EndSensitivity::known(), EndSensitivity::Other)),
        of(any::<u32>()),
        of(any::<u32>()),
    )
        .prop_map(|(disabled, start, end, prefix_padding_ms, silence_duration_ms)| {
            AutomaticActivityDetection {
                disabled,
                start_of_speech_sensitivity: start,
                end_of_speech_sensitivity: end,
                prefix_padding_ms,
                silence_duration_ms,
            }
        });
    (
        of(detection),
        of(open_enum(ActivityHandling::known(), ActivityHandling::Other)),
        of(open_enum(TurnCoverage::known(), TurnCoverage::Other)),
        of(any::<bool>()),
    )
        .prop_map(|(automatic_activity_detection, activity_handling, turn_coverage, timestamps)| {
            RealtimeInputConfig {
                automatic_activity_detection,
                activity_handling,
                turn_coverage,
                interim_transcript_timestamp_enabled: timestamps,
            }
        })
}

fn setup() -> impl Strategy<Value = Setup> {
    let transcription = || {
        (of(vec(text(), 0..2)), extra())
            .prop_map(|(language_codes, extra)| AudioTranscriptionConfig { language_codes, extra })
    };
    let resumption = (opt_text(), of(any::<bool>()))
        .prop_map(|(handle, transparent)| SessionResumptionConfig { handle, transparent });
    let compression =
        (of(any::<u64>()), of(of(any::<u64>()).prop_map(|target_tokens| SlidingWindow { target_tokens })))
            .prop_map(|(trigger_tokens, sliding_window)| ContextWindowCompressionConfig {
                trigger_tokens,
                sliding_window,
            });
    let proactivity =
        (of(any::<bool>()), of(any::<bool>())).prop_map(|(proactive_audio, proactive_video)| {
            ProactivityConfig { proactive_audio, proactive_video }
        });
    let history = of(any::<bool>())
        .prop_map(|initial_history_in_client_content| HistoryConfig { initial_history_in_client_content });
    let head = (
        text(),
        of(generation_config()),
        of(content()),
        of(vec(tool(), 0..3)),
        of(transcription()),
        of(transcription()),
    );
    let tail = (
        of(realtime_input_config()),
        of(resumption),
        of(compression),
        of(proactivity),
        of(history),
        of(any::<bool>()),
        extra(),
    );
    (head, tail).prop_map(
        |(
            (
                model,
                generation_config,
                system_instruction,
                tools,
                input_audio_transcription,
                output_audio_transcription,
            ),
            (
                realtime_input_config,
                session_resumption,
                context_window_compression,
                proactivity,
                history_config,
                explicit_vad_signal,
                extra,
            ),
        )| Setup {
            model,
            generation_config,
            system_instruction,
            tools,
            input_audio_transcription,
            output_audio_transcription,
            realtime_input_config,
            session_resumption,
            context_window_compression,
            proactivity,
            history_config,
            explicit_vad_signal,
            extra,
        },
    )
}

fn realtime_input() -> impl Strategy<Value = RealtimeInput> {
    let one = RealtimeInput::default;
    prop_oneof![
        blob().prop_map(move |audio| RealtimeInput { audio: Some(audio), ..one() }),
        blob().prop_map(move |video| RealtimeInput { video: Some(video), ..one() }),
        text().prop_map(move |text| RealtimeInput { text: Some(text), ..one() }),
        Just(RealtimeInput { activity_start: Some(ActivityStart {}), ..one() }),
        Just(RealtimeInput { activity_end: Some(ActivityEnd {}), ..one() }),
        any::<bool>().prop_map(move |end| RealtimeInput { audio_stream_end: Some(end), ..one() }),
        vec(blob(), 0..3).prop_map(move |chunks| RealtimeInput { media_chunks: Some(chunks), ..one() }),
    ]
}

/// Any client message except `Unknown`.
pub(super) fn client_message() -> impl Strategy<Value = ClientMessage> {
    let client_content = (vec(content(), 0..3), of(any::<bool>()))
        .prop_map(|(turns, turn_complete)| ClientContent { turns, turn_complete });
    let tool_response =
        vec(function_response(), 0..3).prop_map(|function_responses| ToolResponse { function_responses });
    let context_update =
        (of(content()), of(vec(tool(), 0..2).prop_map(|tools| ContextUpdateTools { tools })))
            .prop_map(|(system_instruction, tools)| ContextUpdate { system_instruction, tools });
    prop_oneof![
        setup().prop_map(ClientMessage::setup),
        client_content.prop_map(ClientMessage::from),
        realtime_input().prop_map(ClientMessage::from),
        tool_response.prop_map(ClientMessage::from),
        context_update.prop_map(ClientMessage::from),
    ]
}

/// Renames every object key from camelCase to snake_case, as the service's proto names spell them.
pub(super) fn snake_case_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (snake_case(&k), snake_case_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(snake_case_keys).collect()),
        other => other,
    }
}

/// `camelCase` to `snake_case`.
pub(super) fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every fixture of `direction` (`client` or `server`): file stem and text, sorted by name.
pub(super) fn fixtures(direction: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/protocol/gemini")
        .join(direction);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The kind a fixture file tests: its name up to the first `-`.
pub(super) fn fixture_kind(stem: &str) -> &str {
    stem.split('-').next().unwrap_or(stem)
}
