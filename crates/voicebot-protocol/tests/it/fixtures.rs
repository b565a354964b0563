//! Every fixture under `fixtures/protocol` decodes to a known variant, survives decode -> encode -> decode
//! unchanged, loses no field on the way, and every wire name each enum knows has at least one fixture.
//!
//! Adding a fixture file adds a test case; adding a variant without a fixture fails `every_kind_has_a_fixture`.

use std::collections::BTreeSet;
use std::fmt::Debug;

use serde_json::Value;
use voicebot_protocol::{WireMessage, gemini, openai, responses};

use crate::support::read_folder;

/// What a fixture folder holds and how to read the wire names out of a raw frame.
struct Folder {
    rel: &'static str,
    kinds: &'static [&'static str],
    tags: fn(&Value) -> Vec<String>,
}

fn type_tag(raw: &Value) -> Vec<String> {
    raw.get("type").and_then(Value::as_str).map(str::to_owned).into_iter().collect()
}

fn top_level_keys(raw: &Value) -> Vec<String> {
    raw.as_object().map(|map| map.keys().cloned().collect()).unwrap_or_default()
}

/// Paths present (and not null) in `original` but absent from `encoded`: fields the model does not keep.
fn dropped_paths(original: &Value, encoded: &Value, path: &str, out: &mut Vec<String>) {
    match (original, encoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => dropped_paths(value, other, &here, out),
                    None if !value.is_null() => out.push(here),
                    None => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, value) in a.iter().enumerate() {
                match b.get(i) {
                    Some(other) => dropped_paths(value, other, &format!("{path}[{i}]"), out),
                    None => out.push(format!("{path}[{i}]")),
                }
            }
        }
        _ => {}
    }
}

/// Checks one folder; returns the wire names its fixtures cover.
fn check_folder<T: WireMessage + PartialEq + Debug>(folder: &Folder) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    let files = read_folder(folder.rel);
    for (name, text) in &files {
        let first = match T::decode(text) {
            Ok(first) => first,
            Err(err) => {
                failures.push(format!("{name}: does not decode: {err}"));
                continue;
            }
        };
        if first.is_unknown() {
            failures.push(format!("{name}: decodes to an unknown kind `{}`", first.kind()));
            continue;
        }
        let encoded = match first.encode() {
            Ok(encoded) => encoded,
            Err(err) => {
                failures.push(format!("{name}: does not encode: {err}"));
                continue;
            }
        };
        match T::decode(&encoded) {
            Ok(second) if second == first => {}
            Ok(second) => failures.push(format!("{name}: changed on the way round:\n{first:?}\n{second:?}")),
            Err(err) => failures.push(format!("{name}: re-encoded frame does not decode: {err}\n{encoded}")),
        }
        let raw: Value = serde_json::from_str(text).expect("fixture is JSON");
        // Beta aliases re-encode under their GA name and snake_case frames (as the Python SDK sends them) in camelCase,
        // so only frames already in
        // canonical spelling are compared field by field.
        let alias = raw.get("type").and_then(Value::as_str).is_some_and(|tag| tag != first.kind());
        let canonical_spelling = !alias && !name.contains("snake") && !name.contains("python-sdk");
        if canonical_spelling {
            let mut dropped = Vec::new();
            let reencoded: Value = serde_json::from_str(&encoded).expect("encoding is JSON");
            dropped_paths(&raw, &reencoded, "", &mut dropped);
            if !dropped.is_empty() {
                failures.push(format!("{name}: fields lost on decode -> encode: {dropped:?}"));
            }
        }
        seen.extend((folder.tags)(&raw));
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures in {} failed:\n{}",
        failures.len(),
        files.len(),
        folder.rel,
        failures.join("\n")
    );
    seen
}

fn check_coverage(folder: &Folder, seen: &BTreeSet<String>) {
    let missing: Vec<_> = folder.kinds.iter().filter(|kind| !seen.contains(**kind)).collect();
    assert!(missing.is_empty(), "{}: no fixture for {missing:?}", folder.rel);
}

const OPENAI_CLIENT: Folder =
    Folder { rel: "openai/client", kinds: openai::ClientEvent::KINDS, tags: type_tag };
const OPENAI_SERVER: Folder =
    Folder { rel: "openai/server", kinds: openai::ServerEvent::KINDS, tags: type_tag };
const GEMINI_CLIENT: Folder =
    Folder { rel: "gemini/client", kinds: gemini::ClientMessage::KINDS, tags: top_level_keys };
const GEMINI_SERVER: Folder =
    Folder { rel: "gemini/server", kinds: gemini::ServerEvent::KINDS, tags: top_level_keys };
const RESPONSES_STREAM: Folder =
    Folder { rel: "responses/stream", kinds: responses::StreamEvent::KINDS, tags: type_tag };

#[test]
fn openai_client_fixtures() {
    let seen = check_folder::<openai::ClientEvent>(&OPENAI_CLIENT);
    check_coverage(&OPENAI_CLIENT, &seen);
}

#[test]
fn openai_server_fixtures() {
    let seen = check_folder::<openai::ServerEvent>(&OPENAI_SERVER);
    check_coverage(&OPENAI_SERVER, &seen);
}

#[test]
fn gemini_client_fixtures() {
    let seen = check_folder::<gemini::ClientMessage>(&GEMINI_CLIENT);
    check_coverage(&GEMINI_CLIENT, &seen);
}

#[test]
fn gemini_server_fixtures() {
    let seen = check_folder::<gemini::ServerEvent>(&GEMINI_SERVER);
    check_coverage(&GEMINI_SERVER, &seen);
}

#[test]
fn responses_fixtures() {
    let seen = check_folder::<responses::StreamEvent>(&RESPONSES_STREAM);
    check_coverage(&RESPONSES_STREAM, &seen);
    let none: fn(&Value) -> Vec<String> = |_| Vec::new();
    check_folder::<responses::CreateResponse>(&Folder { rel: "responses/request", kinds: &[], tags: none });
    check_folder::<responses::Response>(&Folder { rel: "responses/response", kinds: &[], tags: none });
    check_folder::<responses::ErrorBody>(&Folder { rel: "responses/error", kinds: &[], tags: none });
}

fn assert_unknown_survives<T: WireMessage + Debug>(frame: &str, kind: &str) {
    let event = T::decode(frame).unwrap_or_else(|err| panic!("{frame}: {err}"));
    assert!(event.is_unknown(), "{frame} should be unknown, got {event:?}");
    assert_eq!(event.kind(), kind);
    let encoded: Value = serde_json::from_str(&event.encode().expect("encodes")).expect("json");
    assert_eq!(encoded, serde_json::from_str::<Value>(frame).expect("json"));
}

#[test]
fn unknown_kinds_are_kept_whole() {
    let tagged = r#"{"type":"response.hologram.delta","event_id":"e","nested":{"a":[1,2]}}"#;
    assert_unknown_survives::<openai::ServerEvent>(tagged, "response.hologram.delta");
    assert_unknown_survives::<openai::ClientEvent>(tagged, "response.hologram.delta");
    assert_unknown_survives::<responses::StreamEvent>(tagged, "response.hologram.delta");
    let keyed = r#"{"hologramUpdate":{"frames":3}}"#;
    assert_unknown_survives::<gemini::ServerEvent>(keyed, "hologramUpdate");
    assert_unknown_survives::<gemini::ClientMessage>(keyed, "hologramUpdate");
}

#[test]
fn a_known_kind_with_a_malformed_body_is_an_error_naming_it() {
    let err =
        openai::ServerEvent::decode(r#"{"type":"response.output_audio.delta","delta":42}"#).unwrap_err();
    assert_eq!(err.event_kind(), Some("response.output_audio.delta"));
    let err =
        openai::ClientEvent::decode(r#"{"type":"session.update","session":{"instructions":"no type"}}"#)
            .unwrap_err();
    assert_eq!(err.event_kind(), Some("session.update"));
    let err = gemini::ServerEvent::decode(r#"{"toolCall":{"functionCalls":"not a list"}}"#).unwrap_err();
    assert_eq!(err.event_kind(), Some("toolCall"));
    let err =
        responses::StreamEvent::decode(r#"{"type":"response.output_text.delta","delta":[]}"#).unwrap_err();
    assert_eq!(err.event_kind(), Some("response.output_text.delta"));
}
