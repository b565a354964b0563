//! Decoders under arbitrary input: JSON values, known tags with garbage bodies, mutated fixtures and raw bytes.
//! None of them may panic; whatever decodes must encode, and the encoding must decode to the same value.

use std::fmt::Debug;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};
use voicebot_protocol::{WireMessage, gemini, openai, pcm, responses};

use crate::support::read_folder;

/// Decodes with one decoder; when it succeeds, checks that the value survives encode -> decode.
fn survives<T: WireMessage + PartialEq + Debug>(text: &str) -> Result<(), TestCaseError> {
    if let Ok(first) = T::decode(text) {
        let encoded = first.encode().map_err(|err| TestCaseError::fail(format!("{err}")))?;
        let second = T::decode(&encoded).map_err(|err| TestCaseError::fail(format!("{err}: {encoded}")))?;
        prop_assert_eq!(first, second, "from {}", text);
    }
    Ok(())
}

fn every_decoder(text: &str) -> Result<(), TestCaseError> {
    survives::<openai::ClientEvent>(text)?;
    survives::<openai::ServerEvent>(text)?;
    survives::<gemini::ClientMessage>(text)?;
    survives::<gemini::ServerEvent>(text)?;
    survives::<responses::StreamEvent>(text)?;
    survives::<responses::CreateResponse>(text)?;
    survives::<responses::Response>(text)?;
    survives::<responses::ErrorBody>(text)?;
    Ok(())
}

fn every_decoder_bytes(bytes: &[u8]) {
    let _ = openai::ClientEvent::decode_bytes(bytes);
    let _ = openai::ServerEvent::decode_bytes(bytes);
    let _ = gemini::ClientMessage::decode_bytes(bytes);
    let _ = gemini::ServerEvent::decode_bytes(bytes);
    let _ = responses::StreamEvent::decode_bytes(bytes);
    let _ = responses::Response::decode_bytes(bytes);
    let _ = pcm::decode_i16(&String::from_utf8_lossy(bytes));
}

/// Every tag any decoder knows, so random objects often carry a real one.
fn known_tags() -> Vec<&'static str> {
    let mut tags = Vec::new();
    tags.extend_from_slice(openai::ClientEvent::KINDS);
    tags.extend_from_slice(openai::ServerEvent::KINDS);
    tags.extend_from_slice(gemini::ClientMessage::KINDS);
    tags.extend_from_slice(gemini::ServerEvent::KINDS);
    tags.extend_from_slice(responses::StreamEvent::KINDS);
    tags
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "type", "event_id", "item_id", "delta", "session", "item", "response", "audio", "error", "code",
            "output", "usage", "content", "parts", "modelTurn", "functionCalls", "id", "name", "args", "text",
            "inlineData", "data", "mimeType", "status", "call_id", "arguments", "sequence_number",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z_]{1,10}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let tags = known_tags();
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
        prop::sample::select(tags).prop_map(|tag| Value::String(tag.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// An object whose tag (a `type` value or a top-level key) is one a decoder knows, with a random body.
fn tagged_garbage() -> impl Strategy<Value = Value> {
    (prop::sample::select(known_tags()), json(), prop::collection::btree_map(key(), json(), 0..6)).prop_map(
        |(tag, body, fields)| {
            let mut map: Map<String, Value> = fields.into_iter().collect();
            map.insert("type".to_owned(), Value::String(tag.to_owned()));
            map.insert(tag.to_owned(), body);
            Value::Object(map)
        },
    )
}

/// Every fixture of every folder, read once for all cases.
static FIXTURES: LazyLock<Vec<Value>> = LazyLock::new(|| {
    [
        "openai/client",
        "openai/server",
        "gemini/client",
        "gemini/server",
        "responses/request",
        "responses/response",
        "responses/error",
        "responses/stream",
    ]
    .iter()
    .flat_map(|rel| read_folder(rel))
    .map(|(_, text)| serde_json::from_str(&text).expect("fixture is JSON"))
    .collect()
});

/// Every node of a JSON tree, as a path of object keys and array indices.
fn node_paths(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(PathStep::Key(key.clone()));
                node_paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                node_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |node, step| match step {
        PathStep::Key(key) => node.get_mut(key.as_str()),
        PathStep::Index(i) => node.get_mut(*i),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        every_decoder(&value.to_string())?;
    }

    #[test]
    fn known_tags_with_garbage_bodies_never_panic(value in tagged_garbage()) {
        every_decoder(&value.to_string())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        every_decoder_bytes(&bytes);
        every_decoder(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<Index>(), node in any::<Index>(), replacement in json()) {
        let mut value = pick.get(&FIXTURES).clone();
        let mut paths = Vec::new();
        node_paths(&value, &mut Vec::new(), &mut paths);
        let path = node.get(&paths).clone();
        if let Some(slot) = node_mut(&mut value, &path) {
            *slot = replacement;
        }
        every_decoder(&value.to_string())?;
    }

    #[test]
    fn truncated_fixtures_never_panic(pick in any::<Index>(), cut in any::<Index>()) {
        let text = pick.get(&FIXTURES).to_string();
        let end = cut.index(text.len() + 1);
        every_decoder_bytes(&text.as_bytes()[..end]);
    }
}
