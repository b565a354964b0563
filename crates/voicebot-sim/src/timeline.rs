//! The per-connection timeline the simulator records, the deaf windows computed from it, and the report a
//! program outside the process reads from `GET /sim/report`.
//!
//! All times are monotonic, since the simulator started. In JSON every time is a number of milliseconds
//! with microsecond precision, in a field whose name ends in `_ms`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::record::{Api, Connection, Violation};

/// What a realtime session is for, from the tools its configuration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionRole {
    /// It declares tools: the handoff *main* (or a direct session with tools).
    Main,
    /// It declares no tools: the handoff *reader* (or a direct session without tools).
    Reader,
}

/// One tool call sent and the response to it.
///
/// A response that arrives on another connection than its call (after a reconnect that resumed the
/// session) is recorded on the connection it arrived on, with `sent_at` empty there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCallTiming {
    /// The call id (Gemini `functionCall.id`, OpenAI `call_id`).
    pub id: String,
    /// The function name.
    pub name: String,
    /// When the call was sent on this connection (Gemini `toolCall`, OpenAI
    /// `response.function_call_arguments.done`).
    #[serde(rename = "sent_at_ms", with = "ms_opt")]
    pub sent_at: Option<Duration>,
    /// When its response arrived on this connection (Gemini `toolResponse`, OpenAI
    /// `conversation.item.create` of a `function_call_output`).
    #[serde(rename = "response_at_ms", with = "ms_opt")]
    pub response_at: Option<Duration>,
}

/// The timeline of one connection: WebSocket sessions, and Responses requests (which only have
/// `connected_at` and `closed_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTimeline {
    /// The connection id.
    pub conn: u64,
    /// The API.
    pub api: Api,
    /// The HTTP status of the handshake or request (101 for an accepted WebSocket).
    pub status: u16,
    /// Main or reader, once configured.
    pub role: Option<SessionRole>,
    /// When it was accepted.
    #[serde(rename = "connected_at_ms", with = "ms")]
    pub connected_at: Duration,
    /// Each Gemini `setup` or OpenAI `session.update` received.
    #[serde(rename = "setup_received_at_ms", with = "ms_vec")]
    pub setup_received_at: Vec<Duration>,
    /// Each Gemini `setupComplete` or OpenAI `session.updated` sent.
    #[serde(rename = "setup_acknowledged_at_ms", with = "ms_vec")]
    pub setup_acknowledged_at: Vec<Duration>,
    /// The first input audio frame received.
    #[serde(rename = "first_input_audio_at_ms", with = "ms_opt")]
    pub first_input_audio_at: Option<Duration>,
    /// The latest input audio frame received.
    #[serde(rename = "last_input_audio_at_ms", with = "ms_opt")]
    pub last_input_audio_at: Option<Duration>,
    /// Input audio frames (messages carrying audio) received.
    pub input_audio_frames: u64,
    /// Input audio samples received.
    pub input_audio_samples: u64,
    /// Output audio samples sent (24 kHz).
    pub output_audio_samples: u64,
    /// Each Gemini `turnComplete` or OpenAI spoken `response.done` sent.
    #[serde(rename = "turn_complete_at_ms", with = "ms_vec")]
    pub turn_complete_at: Vec<Duration>,
    /// Tool calls sent and responses received.
    pub tool_calls: Vec<ToolCallTiming>,
    /// When it ended, if it has.
    #[serde(rename = "closed_at_ms", with = "ms_opt")]
    pub closed_at: Option<Duration>,
    /// The close code sent or received, if any.
    pub close_code: Option<u16>,
    /// Whether the TCP connection ended without a close frame.
    pub dropped: bool,
}

impl From<&Connection> for SessionTimeline {
    fn from(conn: &Connection) -> Self {
        SessionTimeline {
            conn: conn.id,
            api: conn.api,
            status: conn.status,
            role: conn.role,
            connected_at: conn.opened_at,
            setup_received_at: conn.marks.setup_received_at.clone(),
            setup_acknowledged_at: conn.marks.setup_acknowledged_at.clone(),
            first_input_audio_at: conn.marks.first_input_audio_at,
            last_input_audio_at: conn.marks.last_input_audio_at,
            input_audio_frames: conn.audio.input_frames,
            input_audio_samples: conn.audio.input_samples,
            output_audio_samples: conn.audio.output_samples,
            turn_complete_at: conn.marks.turn_complete_at.clone(),
            tool_calls: conn.marks.tool_calls.clone(),
            closed_at: conn.closed_at,
            close_code: conn.close.as_ref().map(|close| close.code),
            dropped: conn.dropped,
        }
    }
}

/// How long the assistant was deaf after one reader finished: from the reader's final `turnComplete` (or
/// spoken `response.done`) sent to the first input audio frame received by the main session that listens next:
/// of the main sessions that had received no audio before the reader connected, the first to receive any.
/// (Which connection opens first, the reader or the replacement main, is a race the pipeline may lose either
/// way; it does not decide which main session listens next.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeafWindow {
    /// The reader's connection id.
    pub reader: u64,
    /// When the reader's final turn completed.
    #[serde(rename = "reader_done_at_ms", with = "ms")]
    pub reader_done_at: Duration,
    /// The main session that listened next, if one has.
    pub main: Option<u64>,
    /// When that main session received its first audio frame, if it has.
    #[serde(rename = "main_first_audio_at_ms", with = "ms_opt")]
    pub main_first_audio_at: Option<Duration>,
    /// The deaf window; zero when the main session had audio before the reader finished, `None` while no
    /// later main session has received audio.
    #[serde(rename = "window_ms", with = "ms_opt")]
    pub window: Option<Duration>,
}

/// The deaf window after every reader that completed a turn, in the order the readers connected.
pub fn deaf_windows(timeline: &[SessionTimeline]) -> Vec<DeafWindow> {
    timeline
        .iter()
        .filter(|reader| reader.role == Some(SessionRole::Reader))
        .filter_map(|reader| {
            let reader_done_at = *reader.turn_complete_at.last()?;
            let main = timeline
                .iter()
                .filter(|main| main.role == Some(SessionRole::Main))
                .filter(|main| main.first_input_audio_at.is_some_and(|at| at >= reader.connected_at))
                .min_by_key(|main| main.first_input_audio_at);
            let main_first_audio_at = main.and_then(|main| main.first_input_audio_at);
            Some(DeafWindow {
                reader: reader.conn,
                reader_done_at,
                main: main.map(|main| main.conn),
                main_first_audio_at,
                window: main_first_audio_at.map(|at| at.saturating_sub(reader_done_at)),
            })
        })
        .collect()
}

/// Everything a test outside the process needs: `GET /sim/report` answers this as JSON, and
/// [`SimHandle::report`](crate::SimHandle::report) returns it in process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The voice in use: `espeak` or `synthetic`.
    pub voice: String,
    /// One timeline per connection, in order of arrival.
    pub timeline: Vec<SessionTimeline>,
    /// [`deaf_windows`] of the timeline.
    pub deaf_windows: Vec<DeafWindow>,
    /// Every protocol violation recorded.
    pub violations: Vec<Violation>,
}

/// Serde for a [`Duration`] as a number of milliseconds.
pub(crate) mod ms {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serializer};

    /// Milliseconds, rounded to the microsecond.
    pub(crate) fn to_ms(duration: Duration) -> f64 {
        duration.as_micros() as f64 / 1000.0
    }

    /// A duration from milliseconds; negative or not finite is zero.
    pub(crate) fn from_ms(ms: f64) -> Duration {
        Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
    }

    pub(crate) fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(to_ms(*duration))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        f64::deserialize(deserializer).map(from_ms)
    }
}

/// Serde for an optional [`Duration`] as milliseconds or `null`.
mod ms_opt {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serialize as _, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.map(super::ms::to_ms).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<f64>::deserialize(deserializer).map(|value| value.map(super::ms::from_ms))
    }
}

/// Serde for a list of [`Duration`]s as milliseconds.
mod ms_vec {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serialize as _, Serializer};

    pub(super) fn serialize<S: Serializer>(values: &[Duration], serializer: S) -> Result<S::Ok, S::Error> {
        values.iter().map(|value| super::ms::to_ms(*value)).collect::<Vec<_>>().serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Duration>, D::Error> {
        Vec::<f64>::deserialize(deserializer)
            .map(|values| values.into_iter().map(super::ms::from_ms).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(conn: u64, role: SessionRole, turns: &[u64], first_audio: Option<u64>) -> SessionTimeline {
        let ms = Duration::from_millis;
        SessionTimeline {
            conn,
            api: Api::Gemini,
            status: 101,
            role: Some(role),
            connected_at: ms(conn * 100),
            setup_received_at: vec![ms(conn * 100 + 1)],
            setup_acknowledged_at: vec![ms(conn * 100 + 21)],
            first_input_audio_at: first_audio.map(ms),
            last_input_audio_at: first_audio.map(ms),
            input_audio_frames: u64::from(first_audio.is_some()),
            input_audio_samples: 0,
            output_audio_samples: 0,
            turn_complete_at: turns.iter().copied().map(ms).collect(),
            tool_calls: Vec::new(),
            closed_at: None,
            close_code: None,
            dropped: false,
        }
    }

    /// `session` connected at `at` ms.
    fn at(mut session: SessionTimeline, at: u64) -> SessionTimeline {
        session.connected_at = Duration::from_millis(at);
        session
    }

    #[test]
    fn the_deaf_window_runs_from_the_readers_last_turn_to_the_next_mains_first_audio() {
        use SessionRole::{Main, Reader};
        let timeline = [
            at(session(1, Main, &[900], Some(150)), 100),
            at(session(2, Reader, &[1_000, 2_000], None), 950),
            at(session(3, Main, &[], Some(2_004)), 960),
            at(session(4, Reader, &[3_000], None), 2_500),
            at(session(5, Main, &[], Some(2_950)), 2_510),
            at(session(6, Reader, &[4_000], None), 3_500),
            at(session(7, Reader, &[], None), 4_100),
        ];
        let windows = deaf_windows(&timeline);
        let summary: Vec<_> =
            windows.iter().map(|w| (w.reader, w.main, w.window.map(|d| d.as_millis()))).collect();
        assert_eq!(summary, [(2, Some(3), Some(4)), (4, Some(5), Some(0)), (6, None, None)]);
        assert_eq!(windows[0].reader_done_at, Duration::from_millis(2_000));
    }

    #[test]
    fn a_replacement_that_connects_before_its_reader_is_still_the_main_that_listens_next() {
        use SessionRole::{Main, Reader};
        // Under load the replacement main (2) may reach the server before the reader (3) it was opened with.
        let timeline = [
            at(session(1, Main, &[900], Some(150)), 100),
            at(session(2, Main, &[], Some(3_422)), 2_683),
            at(session(3, Reader, &[3_421], None), 2_684),
            at(session(4, Reader, &[15_333], None), 10_087),
            at(session(5, Main, &[], Some(15_334)), 10_093),
        ];
        let summary: Vec<_> = deaf_windows(&timeline)
            .iter()
            .map(|w| (w.reader, w.main, w.window.map(|d| d.as_millis())))
            .collect();
        assert_eq!(summary, [(3, Some(2), Some(1)), (4, Some(5), Some(1))]);
    }

    #[test]
    fn the_report_round_trips_through_json_with_times_in_milliseconds() {
        let mut reader = session(2, SessionRole::Reader, &[1_000], None);
        reader.tool_calls.push(ToolCallTiming {
            id: "call_1".into(),
            name: "get_time".into(),
            sent_at: Some(Duration::from_micros(1_234_567)),
            response_at: None,
        });
        let timeline = vec![reader, session(3, SessionRole::Main, &[], Some(1_003))];
        let report = Report {
            scenario: "demo".into(),
            voice: "synthetic".into(),
            deaf_windows: deaf_windows(&timeline),
            timeline,
            violations: vec![Violation {
                conn: 3,
                at: Duration::from_millis(5),
                code: "x".into(),
                message: "y".into(),
            }],
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["deaf_windows"][0]["window_ms"], 3.0);
        assert_eq!(json["timeline"][0]["tool_calls"][0]["sent_at_ms"], 1234.567);
        assert_eq!(json["timeline"][0]["role"], "reader");
        assert_eq!(json["violations"][0]["at_ms"], 5.0);
        assert_eq!(serde_json::from_value::<Report>(json).unwrap(), report);
    }
}
