//! Faults the simulator can inject: from a test through the handle, or listed in a scenario file.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::record::Api;

/// A fault to inject.
///
/// WebSocket faults apply to the newest open connection of their API, or, when none is open, to the next
/// one that opens. Responses faults apply to the next HTTP requests. In scenario files a fault is an object
/// tagged by `kind`, for example `{"kind":"close","api":"gemini","code":1011,"reason":"Internal error encountered.","after_ms":200}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Send a close frame with `code` and `reason` after `after_ms`.
    Close {
        /// The API whose connection closes.
        api: Api,
        /// The close code (1000, 1001, 1007, 1008, 1011, ...).
        code: u16,
        /// The reason text, as the real service words it.
        #[serde(default)]
        reason: String,
        /// Delay before the close, in milliseconds.
        #[serde(default)]
        after_ms: u64,
    },
    /// Gemini: send `{"goAway":{"timeLeft":"..."}}` now, then close 1000 after `time_left_ms`.
    GoAway {
        /// The time left announced and waited before the close, in milliseconds.
        time_left_ms: u64,
    },
    /// Send a frame that is not JSON.
    MalformedFrame {
        /// The API whose connection gets it.
        api: Api,
    },
    /// End the TCP connection without a close frame: now, or right after the first audio chunk of the
    /// next model response when `mid_response` is true.
    TcpDrop {
        /// The API whose connection drops.
        api: Api,
        /// Wait for the next response to be under way.
        #[serde(default)]
        mid_response: bool,
    },
    /// Gemini: send the next tool call twice with the same id; when `in_server_content` is true the repeat
    /// is a `functionCall` part inside `serverContent.modelTurn`, otherwise a second `toolCall`.
    RepeatToolCall {
        /// Repeat inside `serverContent` instead of as a second `toolCall`.
        #[serde(default)]
        in_server_content: bool,
    },
    /// Stall the connection (no reads, no writes, so no pong) for `delay_ms` after each ping received.
    SlowPongs {
        /// The API whose connection stalls.
        api: Api,
        /// How long each stall lasts, in milliseconds.
        delay_ms: u64,
    },
    /// OpenAI: send the `session_expired` error after `after_ms`, then close 1001.
    SessionExpired {
        /// Delay before the error, in milliseconds.
        #[serde(default)]
        after_ms: u64,
    },
    /// Answer the next `times` connections (WebSocket upgrades) or requests of `api` with HTTP `status` and the
    /// service's error body instead of serving them: 401 as for a revoked key, 429 as for a rate limit, 503 as
    /// for an outage. Useful to refuse a replacement session, a reader or the brain while others work.
    Reject {
        /// The API whose connections are refused.
        api: Api,
        /// The HTTP status.
        status: u16,
        /// How many connections or requests are refused.
        #[serde(default = "one")]
        times: u32,
    },
    /// Answer every connection or request of `api` with HTTP `status` for `for_ms` after the fault is injected
    /// (an outage: 503 by default), then serve normally again.
    Outage {
        /// The API that is down.
        api: Api,
        /// The HTTP status.
        #[serde(default = "unavailable")]
        status: u16,
        /// How long the outage lasts, in milliseconds.
        for_ms: u64,
    },
    /// Send a well-formed event of a type the client has never seen (OpenAI `{"type":"response.hologram.delta",...}`,
    /// Gemini `{"hologram":{...}}`): services add event types without notice.
    UnknownEvent {
        /// The API whose connection gets it.
        api: Api,
    },
    /// Responses: delay the next `times` answers by `delay_ms`.
    ResponsesSlow {
        /// The delay, in milliseconds.
        delay_ms: u64,
        /// How many requests are delayed.
        #[serde(default = "one")]
        times: u32,
    },
    /// Responses: answer the next `times` requests with HTTP 500.
    ResponsesFail {
        /// How many requests fail.
        #[serde(default = "one")]
        times: u32,
    },
    /// Responses: answer the next `times` requests with HTTP 429 and `retry-after: retry_after_s`.
    ResponsesRateLimit {
        /// How many requests are refused.
        #[serde(default = "one")]
        times: u32,
        /// The `retry-after` header, in seconds.
        #[serde(default)]
        retry_after_s: u64,
    },
    /// Responses: answer the next `times` requests with status `incomplete`, the budget spent on reasoning.
    ResponsesIncomplete {
        /// How many answers are incomplete.
        #[serde(default = "one")]
        times: u32,
    },
}

fn one() -> u32 {
    1
}

fn unavailable() -> u16 {
    503
}

impl Fault {
    /// The API the fault targets.
    pub fn api(&self) -> Api {
        match self {
            Fault::Close { api, .. }
            | Fault::Reject { api, .. }
            | Fault::Outage { api, .. }
            | Fault::UnknownEvent { api }
            | Fault::MalformedFrame { api }
            | Fault::TcpDrop { api, .. }
            | Fault::SlowPongs { api, .. } => *api,
            Fault::GoAway { .. } | Fault::RepeatToolCall { .. } => Api::Gemini,
            Fault::SessionExpired { .. } => Api::OpenAi,
            Fault::ResponsesSlow { .. }
            | Fault::ResponsesFail { .. }
            | Fault::ResponsesRateLimit { .. }
            | Fault::ResponsesIncomplete { .. } => Api::Responses,
        }
    }
}

/// The Responses faults still to apply, consumed one request at a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponsesFaults {
    rate_limited: Vec<u64>,
    failing: u32,
    slow: Vec<Duration>,
    incomplete: u32,
}

/// What to do with one Responses request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResponsesAction {
    /// Answer 429 with this `retry-after` in seconds.
    RateLimit(u64),
    /// Answer 500.
    Fail,
    /// Answer normally, after `delay`, incomplete or not.
    Answer { delay: Duration, incomplete: bool },
}

impl ResponsesFaults {
    /// Adds a Responses fault; other faults are ignored.
    pub(crate) fn add(&mut self, fault: &Fault) {
        match fault {
            Fault::ResponsesSlow { delay_ms, times } => {
                self.slow.extend((0..*times).map(|_| Duration::from_millis(*delay_ms)));
            }
            Fault::ResponsesFail { times } => self.failing += times,
            Fault::ResponsesRateLimit { times, retry_after_s } => {
                self.rate_limited.extend((0..*times).map(|_| *retry_after_s));
            }
            Fault::ResponsesIncomplete { times } => self.incomplete += times,
            _ => {}
        }
    }

    /// Takes the action for the next request: 429s first, then 500s, then slow and incomplete answers.
    pub(crate) fn next_action(&mut self) -> ResponsesAction {
        if !self.rate_limited.is_empty() {
            return ResponsesAction::RateLimit(self.rate_limited.remove(0));
        }
        if self.failing > 0 {
            self.failing -= 1;
            return ResponsesAction::Fail;
        }
        let delay = if self.slow.is_empty() { Duration::ZERO } else { self.slow.remove(0) };
        let incomplete = self.incomplete > 0;
        self.incomplete = self.incomplete.saturating_sub(1);
        ResponsesAction::Answer { delay, incomplete }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_from_json_and_reject_unknown_fields() {
        let fault: Fault =
            serde_json::from_str(r#"{"kind":"close","api":"gemini","code":1011,"after_ms":5}"#).unwrap();
        assert_eq!(fault.api(), Api::Gemini);
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"go_away","time_left_ms":1,"bogus":1}"#).is_err());
    }

    #[test]
    fn responses_faults_are_consumed_in_order() {
        let mut faults = ResponsesFaults::default();
        faults.add(&Fault::ResponsesRateLimit { times: 2, retry_after_s: 1 });
        faults.add(&Fault::ResponsesFail { times: 1 });
        assert_eq!(faults.next_action(), ResponsesAction::RateLimit(1));
        assert_eq!(faults.next_action(), ResponsesAction::RateLimit(1));
        assert_eq!(faults.next_action(), ResponsesAction::Fail);
        assert_eq!(
            faults.next_action(),
            ResponsesAction::Answer { delay: Duration::ZERO, incomplete: false }
        );
    }
}
