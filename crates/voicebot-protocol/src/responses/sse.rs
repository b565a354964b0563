//! An incremental server-sent events parser: bytes in, frames out, no I/O and bounded memory.
//!
//! It follows the WHATWG event-stream rules, as the SDK does: lines end with LF, CRLF or CR; `:` starts a comment;
//! one space after the field colon is dropped; `data` lines join with `\n`; a blank line ends a frame; a frame
//! without data is not dispatched; `id` persists from frame to frame (unless it contains NUL); `retry` and unknown
//! fields are ignored. Invalid UTF-8 is replaced with U+FFFD, and a leading byte order mark is skipped.
//!
//! Chunks may split anywhere, even inside a UTF-8 character or between CR and LF: feeding a stream in any
//! chunking yields the same items.

use crate::error::DecodeError;
use crate::responses::stream::StreamEvent;
use crate::wire::WireMessage;

/// The default for [`SseDecoder::max_frame_bytes`]: 16 MiB, room for a `response.completed` that repeats a long
/// output or an encrypted reasoning blob.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// One dispatched SSE frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event:` name, or `None` when absent (SSE's default type, `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`; for the Responses API one JSON event.
    pub data: String,
    /// The last `id:` seen in the stream so far, as SSE defines it.
    pub id: Option<String>,
}

impl SseFrame {
    /// Decodes `data` as a Responses stream event (the `event:` name is not needed: `data` carries `type`).
    ///
    /// # Errors
    /// As [`WireMessage::decode`].
    pub fn decode(&self) -> Result<StreamEvent, DecodeError> {
        StreamEvent::decode(&self.data)
    }
}

/// What the parser yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// A frame with data.
    Frame(SseFrame),
    /// A frame whose data starts with `[DONE]`, which some gateways send after the terminal event. Stop reading.
    Done,
}

/// A frame the parser had to drop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// A frame (its pending lines plus the current line) grew past the limit. It was dropped up to its blank line;
    /// the frames around it are unaffected.
    #[error("sse frame larger than {limit} bytes was dropped")]
    FrameTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental SSE parser. Feed it byte chunks as they arrive; call [`SseDecoder::finish`] at the end of the body.
///
/// Memory is bounded: the bytes of the frame being parsed never exceed [`SseDecoder::max_frame_bytes`], and the
/// remembered `id` is one line, so about twice the limit in all.
///
/// ```
/// use voicebot_protocol::responses::{SseDecoder, SseItem, StreamEvent};
///
/// let mut decoder = SseDecoder::new();
/// let mut items = Vec::new();
/// decoder.feed(b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",", &mut items)?;
/// assert!(items.is_empty());
/// decoder.feed(b"\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\",\
///                \"sequence_number\":3}\r\n\r\ndata: [DONE]\n\n", &mut items)?;
/// let SseItem::Frame(frame) = &items[0] else { unreachable!() };
/// assert_eq!(frame.decode()?.text_delta(), Some("Hi"));
/// assert_eq!(items[1], SseItem::Done);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_frame_bytes: usize,
    /// Bytes of the current, unterminated line.
    line: Vec<u8>,
    /// The previous chunk ended with CR, so a leading LF belongs to that line ending.
    skip_lf: bool,
    /// No line has been completed yet, so a BOM may still lead the stream.
    at_start: bool,
    /// Dropping an oversized frame up to its blank line.
    skipping: bool,
    /// While skipping: whether the current line has any bytes.
    skipped_line_has_bytes: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    overflowed: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A parser with the [`DEFAULT_MAX_FRAME_BYTES`] limit.
    pub fn new() -> Self {
        Self::with_max_frame_bytes(DEFAULT_MAX_FRAME_BYTES)
    }

    /// A parser that drops frames larger than `max_frame_bytes` (at least 1).
    pub fn with_max_frame_bytes(max_frame_bytes: usize) -> Self {
        Self {
            max_frame_bytes: max_frame_bytes.max(1),
            line: Vec::new(),
            skip_lf: false,
            at_start: true,
            skipping: false,
            skipped_line_has_bytes: false,
            event: None,
            data: String::new(),
            has_data: false,
            last_id: None,
            overflowed: false,
        }
    }

    /// The frame size limit in bytes.
    pub fn max_frame_bytes(&self) -> usize {
        self.max_frame_bytes
    }

    /// Parses one chunk, appending every completed item to `out`.
    ///
    /// # Errors
    /// [`SseError::FrameTooLarge`] when a frame passed the limit during this chunk. The whole chunk is still
    /// parsed: the items around the dropped frame are in `out`, and the parser can be fed further.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<SseItem>) -> Result<(), SseError> {
        while !chunk.is_empty() {
            if std::mem::take(&mut self.skip_lf) && chunk[0] == b'\n' {
                chunk = &chunk[1..];
                continue;
            }
            match chunk.iter().position(|&byte| byte == b'\n' || byte == b'\r') {
                Some(end) => {
                    self.append(&chunk[..end]);
                    self.skip_lf = chunk[end] == b'\r';
                    chunk = &chunk[end + 1..];
                    self.end_line(out);
                }
                None => {
                    self.append(chunk);
                    chunk = &[];
                }
            }
        }
        if std::mem::take(&mut self.overflowed) {
            return Err(SseError::FrameTooLarge { limit: self.max_frame_bytes });
        }
        Ok(())
    }

    /// Ends the stream: an unterminated last line counts as a line, and a frame missing only its blank line is
    /// still delivered (a browser would drop it; here it is better seen, and a cut-off JSON then fails to decode).
    /// The parser is then ready for a new stream.
    pub fn finish(&mut self) -> Option<SseItem> {
        let mut out = Vec::new();
        if !self.line.is_empty() || (self.skipping && self.skipped_line_has_bytes) {
            self.end_line(&mut out);
        }
        if !self.skipping {
            self.dispatch(&mut out);
        }
        *self = Self::with_max_frame_bytes(self.max_frame_bytes);
        out.pop()
    }

    fn append(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.skipping {
            self.skipped_line_has_bytes = true;
            return;
        }
        let pending = self.line.len() + self.data.len() + self.event.as_ref().map_or(0, String::len);
        if pending.saturating_add(bytes.len()) > self.max_frame_bytes {
            self.drop_frame(true);
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    /// Drops the frame being parsed and skips up to its blank line; `feed` reports it. `in_line` says whether
    /// the current line goes on (it is skipped too) or has just ended.
    fn drop_frame(&mut self, in_line: bool) {
        self.overflowed = true;
        self.skipping = true;
        self.skipped_line_has_bytes = in_line;
        self.line = Vec::new();
        self.data = String::new();
        self.has_data = false;
        self.event = None;
    }

    fn end_line(&mut self, out: &mut Vec<SseItem>) {
        let at_start = std::mem::replace(&mut self.at_start, false);
        if self.skipping {
            if !std::mem::take(&mut self.skipped_line_has_bytes) {
                // The blank line that ends the dropped frame.
                self.skipping = false;
            }
            return;
        }
        let line = std::mem::take(&mut self.line);
        let mut bytes = line.as_slice();
        if at_start && bytes.starts_with(BOM) {
            bytes = &bytes[BOM.len()..];
        }
        if bytes.is_empty() {
            self.dispatch(out);
        } else if bytes[0] != b':' {
            let text = String::from_utf8_lossy(bytes);
            let (field, value) = match text.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (text.as_ref(), ""),
            };
            // U+FFFD takes three bytes where an invalid byte took one, so a line within the limit can still
            // push the frame past it: check what the frame will hold, not what arrived.
            let event_len = self.event.as_ref().map_or(0, String::len);
            let frame_len = match field {
                "event" => self.data.len() + value.len(),
                "data" => self.data.len() + usize::from(self.has_data) + value.len() + event_len,
                _ => 0,
            };
            if frame_len > self.max_frame_bytes {
                self.drop_frame(false);
                return;
            }
            match field {
                "event" => self.event = Some(value.to_owned()),
                "data" => {
                    if self.has_data {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                    self.has_data = true;
                }
                "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
                _ => {}
            }
        }
        // Reuse the line's allocation for the next line.
        self.line = line;
        self.line.clear();
    }

    fn dispatch(&mut self, out: &mut Vec<SseItem>) {
        let event = self.event.take();
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        let data = std::mem::take(&mut self.data);
        if data.starts_with("[DONE]") {
            out.push(SseItem::Done);
        } else {
            out.push(SseItem::Frame(SseFrame { event, data, id: self.last_id.clone() }));
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut out).unwrap();
        }
        out.extend(decoder.finish());
        out
    }

    fn frame(event: Option<&str>, data: &str, id: Option<&str>) -> SseItem {
        SseItem::Frame(SseFrame {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
        })
    }

    #[test]
    fn fields_comments_and_line_endings_follow_the_event_stream_rules() {
        let stream = b"\xEF\xBB\xBF: keep-alive\nevent: a\ndata: one\ndata:two\r\ndata\r\nid: 7\r\n\r\
                       event: lonely\n\nretry: 10\nfoo: bar\ndata:  spaced\r\r";
        assert_eq!(
            parse(&[stream]),
            vec![frame(Some("a"), "one\ntwo\n", Some("7")), frame(None, " spaced", Some("7"))]
        );
    }

    #[test]
    fn an_id_with_nul_is_ignored_and_an_empty_id_resets() {
        let items = parse(&[b"id: 1\ndata: a\n\nid: x\0y\ndata: b\n\nid\ndata: c\n\n"]);
        assert_eq!(
            items,
            vec![frame(None, "a", Some("1")), frame(None, "b", Some("1")), frame(None, "c", Some(""))]
        );
    }

    #[test]
    fn done_is_its_own_item() {
        let items = parse(&[b"data: {\"type\":\"x\"}\n\ndata: [DONE]\n\n"]);
        assert_eq!(items, vec![frame(None, "{\"type\":\"x\"}", None), SseItem::Done]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(parse(&[b"data: a\xFFb\n\n"]), vec![frame(None, "a\u{FFFD}b", None)]);
    }

    #[test]
    fn finish_delivers_a_frame_missing_its_blank_line_and_resets() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.feed(b"data: {\"a\":1}\ndata: [DO", &mut out).unwrap();
        assert!(out.is_empty());
        assert_eq!(decoder.finish(), Some(frame(None, "{\"a\":1}\n[DO", None)));
        assert_eq!(decoder.finish(), None);
        decoder.feed(b"data: [DONE]", &mut out).unwrap();
        assert_eq!(decoder.finish(), Some(SseItem::Done));
    }

    #[test]
    fn an_oversized_frame_is_dropped_with_an_error_and_its_neighbours_survive() {
        let mut decoder = SseDecoder::with_max_frame_bytes(32);
        let mut out = Vec::new();
        let big = format!("data: ok\n\nevent: big\ndata: {}\ndata: more\n\ndata: after\n\n", "x".repeat(40));
        let err = decoder.feed(big.as_bytes(), &mut out).unwrap_err();
        assert_eq!(err, SseError::FrameTooLarge { limit: 32 });
        assert_eq!(out, vec![frame(None, "ok", None), frame(None, "after", None)]);

        // Many small data lines count together, and memory stays at the limit whatever the chunking.
        let mut decoder = SseDecoder::with_max_frame_bytes(32);
        let mut out = Vec::new();
        let mut failed = false;
        for _ in 0..100 {
            failed |= decoder.feed(b"data: 12345\n", &mut out).is_err();
            assert!(decoder.line.len() + decoder.data.len() <= 32);
        }
        assert!(failed && out.is_empty());
        decoder.feed(b"\ndata: next\n\n", &mut out).unwrap();
        assert_eq!(out, vec![frame(None, "next", None)]);
    }

    #[test]
    fn a_frame_that_invalid_utf8_grows_past_the_limit_is_dropped() {
        // Six invalid bytes fit a 12-byte limit as a line but become 18 bytes of U+FFFD in `data`.
        let mut decoder = SseDecoder::with_max_frame_bytes(12);
        let mut out = Vec::new();
        let err = decoder.feed(b"data: ok\n\ndata:\xFF\xFF\xFF\xFF\xFF\xFF\n\ndata: next\n\n", &mut out);
        assert_eq!(err, Err(SseError::FrameTooLarge { limit: 12 }));
        assert_eq!(out, vec![frame(None, "ok", None), frame(None, "next", None)]);
        // The same for an `event` line: one byte of data plus 12 bytes of event name.
        let err = decoder.feed(b"data:a\nevent:\xFF\xFF\xFF\xFF\n\ndata: z\n\n", &mut out);
        assert_eq!(err, Err(SseError::FrameTooLarge { limit: 12 }));
        assert_eq!(out[2..], [frame(None, "z", None)]);
    }

    #[test]
    fn a_frame_exactly_at_the_limit_passes() {
        let mut decoder = SseDecoder::with_max_frame_bytes(10);
        let mut out = Vec::new();
        decoder.feed(b"data:12345\n\n", &mut out).unwrap();
        assert_eq!(out, vec![frame(None, "12345", None)]);
    }

    /// One generated frame and how it is written.
    #[derive(Debug, Clone)]
    struct Gen {
        comment: Option<String>,
        event: Option<String>,
        id: Option<String>,
        data: Vec<String>,
        ending: &'static str,
    }

    fn gen_frame() -> impl Strategy<Value = Gen> {
        (
            proptest::option::of("[^\r\n]{0,12}"),
            proptest::option::of("[a-z._]{1,24}"),
            proptest::option::of("[a-z0-9_]{1,8}"),
            proptest::collection::vec("[^\r\n]{0,24}", 0..4),
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
        )
            .prop_map(|(comment, event, id, data, ending)| Gen { comment, event, id, data, ending })
    }

    fn write(frames: &[Gen], bom: bool, done: bool) -> (Vec<u8>, Vec<SseItem>) {
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        let mut last_id = None;
        if bom {
            bytes.extend_from_slice(BOM);
        }
        for frame in frames {
            let mut lines = Vec::new();
            lines.extend(frame.comment.iter().map(|c| format!(":{c}")));
            lines.extend(frame.event.iter().map(|e| format!("event: {e}")));
            lines.extend(frame.id.iter().map(|i| format!("id:{i}")));
            // Both spellings, `data: x` and `data:x`, unless the value itself starts with a space.
            lines.extend(frame.data.iter().enumerate().map(|(n, d)| {
                if n % 2 == 0 || d.starts_with(' ') { format!("data: {d}") } else { format!("data:{d}") }
            }));
            for line in lines {
                bytes.extend_from_slice(line.as_bytes());
                bytes.extend_from_slice(frame.ending.as_bytes());
            }
            bytes.extend_from_slice(frame.ending.as_bytes());
            if frame.id.is_some() {
                last_id.clone_from(&frame.id);
            }
            if !frame.data.is_empty() {
                let data = frame.data.join("\n");
                expected.push(if data.starts_with("[DONE]") {
                    SseItem::Done
                } else {
                    SseItem::Frame(SseFrame { event: frame.event.clone(), data, id: last_id.clone() })
                });
            }
        }
        if done {
            bytes.extend_from_slice(b"data: [DONE]\n\n");
            expected.push(SseItem::Done);
        }
        (bytes, expected)
    }

    proptest! {
        #[test]
        fn any_chunking_yields_the_same_items(
            frames in proptest::collection::vec(gen_frame(), 0..8),
            bom in any::<bool>(),
            done in any::<bool>(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let (bytes, expected) = write(&frames, bom, done);
            prop_assert_eq!(parse(&[&bytes]), expected.clone());

            let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts {
                chunks.push(&bytes[start..cut]);
                start = cut;
            }
            chunks.push(&bytes[start..]);
            prop_assert_eq!(parse(&chunks), expected.clone());

            let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(parse(&bytewise), expected);
        }
    }
}
