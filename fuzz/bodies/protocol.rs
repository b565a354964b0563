//! Fuzz target bodies for `voicebot-protocol`: every `WireMessage` decoder and the SSE parser.
//!
//! Shared by the cargo-fuzz binaries in `fuzz/fuzz_targets/` and by the replay test in
//! `crates/voicebot-protocol/tests/it/fuzz_replay.rs` (both include this file with `#[path]`), so a committed
//! input runs through exactly the code the fuzzer ran. A decode error is never a failure; a panic is, and so is
//! a broken promise of the crate: whatever decodes encodes, the encoding decodes to an equal value, and any
//! chunking of an SSE stream yields the same items.

use std::fmt::Debug;

use voicebot_protocol::responses::{self, SseDecoder, SseItem};
use voicebot_protocol::{WireMessage, gemini, openai, pcm};

/// A target body: one fuzz input in, a panic on failure.
pub(crate) type Body = fn(&[u8]);

/// The targets of this file by name, as `fuzz/Cargo.toml` and `fixtures/fuzz/` name them.
pub(crate) const TARGETS: &[(&str, Body)] = &[
    ("openai_server", openai_server),
    ("openai_client", openai_client),
    ("gemini_server", gemini_server),
    ("gemini_client", gemini_client),
    ("responses_stream", responses_stream),
    ("responses_request", responses_request),
    ("responses_response", responses_response),
    ("responses_error", responses_error),
    ("sse", sse),
];

/// Decodes `data` (a text or binary frame) and, when that succeeds, checks encode -> decode gives the same value.
fn round_trip<T: WireMessage + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let first = T::decode_bytes(data).ok()?;
    let kind = first.kind().to_owned();
    let _ = first.is_unknown();
    let encoded = match first.encode() {
        Ok(encoded) => encoded,
        Err(err) => panic!("`{kind}` decoded but does not encode: {err}"),
    };
    let second = match T::decode(&encoded) {
        Ok(second) => second,
        Err(err) => panic!("the encoding of `{kind}` does not decode: {err}\n{encoded}"),
    };
    assert_eq!(first, second, "`{kind}` changed on encode -> decode; encoded as {encoded}");
    assert_eq!(second.kind(), kind, "the kind changed on encode -> decode");
    Some(first)
}

/// `openai::ServerEvent`, and the accessors the transport calls on it.
pub(crate) fn openai_server(data: &[u8]) {
    let Some(event) = round_trip::<openai::ServerEvent>(data) else { return };
    match &event {
        openai::ServerEvent::ResponseOutputAudioDelta(delta) => {
            let _ = delta.pcm();
        }
        openai::ServerEvent::ResponseDone(done) => {
            let _ = done.response.cancelled_by_turn();
            let _ = done.response.function_calls().count();
            for item in done.response.output() {
                let _ = item.id();
            }
            if let Some(usage) = &done.response.usage {
                let _ = (usage.total(), usage.cached_tokens(), usage.input_audio_tokens());
                let _ = (usage.output_audio_tokens(), usage.input_text_tokens(), usage.output_text_tokens());
            }
        }
        openai::ServerEvent::Error(error) => {
            let _ = error.error.is_benign();
            let _ = error.error.is_session_expired();
            let _ = error.error.is_truncate_beyond_audio();
        }
        _ => {}
    }
}

/// `openai::ClientEvent` (what the simulator decodes).
pub(crate) fn openai_client(data: &[u8]) {
    let Some(event) = round_trip::<openai::ClientEvent>(data) else { return };
    let _ = event.event_id();
    if let openai::ClientEvent::InputAudioBufferAppend(append) = &event {
        let _ = pcm::decode_i16(&append.audio);
    }
}

/// `gemini::ServerEvent`, decoded from a binary frame as the service sends it, and its accessors.
pub(crate) fn gemini_server(data: &[u8]) {
    let Some(event) = round_trip::<gemini::ServerEvent>(data) else { return };
    let Some(message) = event.message() else { return };
    let _ = (message.kind(), message.keys().count(), message.has_known_key());
    if let Some(content) = &message.server_content {
        let _ = (content.is_turn_complete(), content.is_interrupted(), content.text().count());
        let mut samples = Vec::new();
        for blob in content.audio() {
            let _ = (blob.is_audio(), blob.sample_rate_hz());
            let _ = blob.decode_i16_into(&mut samples);
            let _ = blob.decode_f32();
        }
    }
    if let Some(go_away) = &message.go_away {
        let _ = go_away.time_left_duration();
    }
    if let Some(update) = &message.session_resumption_update {
        let _ = update.resumable_handle();
    }
    if let Some(activity) = &message.voice_activity {
        let _ = activity.audio_offset_duration();
    }
}

/// `gemini::ClientMessage` (what the simulator decodes).
pub(crate) fn gemini_client(data: &[u8]) {
    let Some(gemini::ClientMessage::RealtimeInput(input)) = round_trip::<gemini::ClientMessage>(data) else {
        return;
    };
    for blob in input.audio_blobs() {
        let _ = (blob.is_audio(), blob.sample_rate_hz(), blob.decode_i16());
    }
}

/// Reads a Responses object the way the transport does.
fn inspect_response(response: &responses::Response) {
    let _ = (response.output_text(), response.refusal(), response.has_only_reasoning());
    let _ = (response.budget_spent_on_reasoning(), response.is_finished(), response.to_input_items().len());
    for call in response.function_calls() {
        let _ = call.parsed_arguments();
    }
}

/// `responses::StreamEvent`, one SSE `data` payload.
pub(crate) fn responses_stream(data: &[u8]) {
    let Some(event) = round_trip::<responses::StreamEvent>(data) else { return };
    inspect_stream_event(&event);
}

fn inspect_stream_event(event: &responses::StreamEvent) {
    let _ = (event.is_terminal(), event.text_delta(), event.sequence_number());
    if let Some(response) = event.response() {
        inspect_response(response);
    }
}

/// `responses::CreateResponse`, the request body (what the simulator decodes).
pub(crate) fn responses_request(data: &[u8]) {
    let _ = round_trip::<responses::CreateResponse>(data);
}

/// `responses::Response`, the body of a 200 reply.
pub(crate) fn responses_response(data: &[u8]) {
    if let Some(response) = round_trip::<responses::Response>(data) {
        inspect_response(&response);
    }
}

/// `responses::ErrorBody`, the body of a 4xx or 5xx reply.
pub(crate) fn responses_error(data: &[u8]) {
    if let Some(body) = round_trip::<responses::ErrorBody>(data) {
        let _ = (body.error.is_insufficient_quota(), body.error.is_unsupported_parameter());
    }
}

/// A tiny deterministic generator (xorshift32) for chunk sizes.
struct Splits(u32);

impl Splits {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Everything a decoder yields for a stream fed in `chunks`, and whether any feed reported an oversized frame.
fn parse_sse<'a>(limit: usize, chunks: impl Iterator<Item = &'a [u8]>) -> (Vec<SseItem>, bool) {
    let mut decoder = SseDecoder::with_max_frame_bytes(limit);
    let mut items = Vec::new();
    let mut dropped = false;
    for chunk in chunks {
        dropped |= decoder.feed(chunk, &mut items).is_err();
    }
    items.extend(decoder.finish());
    (items, dropped)
}

/// `SseDecoder`: byte 0 picks the frame limit, byte 1 seeds the chunk sizes, the rest is the stream.
///
/// The stream is parsed whole and in chunks; both must give the same items and the same oversize verdict.
/// Every frame is then decoded as a stream event.
pub(crate) fn sse(data: &[u8]) {
    let [limit_byte, seed, stream @ ..] = data else { return };
    // High bit set: the default 16 MiB limit; otherwise a small one (1 to 509 bytes), to reach the drop path.
    let limit = if limit_byte & 0x80 != 0 {
        responses::DEFAULT_MAX_FRAME_BYTES
    } else {
        usize::from(*limit_byte) * 4 + 1
    };
    let (whole, whole_dropped) = parse_sse(limit, std::iter::once(stream));

    // Chunks of 0 to 2^k - 1 bytes, k from the seed's low bits (seed 0: one byte at a time).
    let max_chunk = (1_u32 << (seed & 7)) - 1;
    let mut splits = Splits(u32::from(*seed) | 0x100);
    let mut rest = stream;
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        let len = if max_chunk == 0 { 1 } else { (splits.next() % (max_chunk + 1)) as usize };
        let (head, tail) = rest.split_at(len.min(rest.len()));
        chunks.push(head);
        rest = tail;
    }
    let (split, split_dropped) = parse_sse(limit, chunks.into_iter());
    assert_eq!(whole, split, "chunking changed the items");
    assert_eq!(whole_dropped, split_dropped, "chunking changed whether a frame was dropped");

    for item in &whole {
        if let SseItem::Frame(frame) = item {
            let size = frame.data.len() + frame.event.as_ref().map_or(0, String::len);
            assert!(size <= limit, "a frame of {size} bytes passed a limit of {limit}");
            if let Ok(event) = frame.decode() {
                inspect_stream_event(&event);
                responses_stream(frame.data.as_bytes());
            }
        }
    }
}
