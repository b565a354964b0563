//! When the Responses client retries a request and how long it waits: the official OpenAI SDK's rules.
//!
//! - **What is retried:** connection failures, and HTTP 408, 409, 429 and 5xx. A server's `x-should-retry: true`
//!   or `false` overrides the status. Never retried, whatever the headers say: 401 and 403 (a bad key does not get
//!   better) and a 429 for `insufficient_quota` (billing, not load).
//! - **How often:** [`DEFAULT_MAX_RETRIES`] retries after the first attempt, like the SDK.
//! - **How long:** the server's `retry-after-ms` (milliseconds) or `retry-after` (seconds, or an HTTP date) when it
//!   is more than 0 and at most 60 s; otherwise 0.5 s doubling per retry up to 8 s, times a jitter factor drawn
//!   from (0.75, 1].
//! - The caller's deadline wins: a wait that would end after it is not started, and the last error is returned.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Retries after the first attempt, as in the official SDK.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;
/// The first backoff delay.
pub(crate) const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// The longest backoff delay.
pub(crate) const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A server's retry hint longer than this is ignored in favour of the backoff (the SDK's limit).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub(crate) max_retries: u32,
    /// The first backoff delay.
    pub(crate) initial: Duration,
    /// The longest backoff delay.
    pub(crate) max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            initial: DEFAULT_INITIAL_BACKOFF,
            max: DEFAULT_MAX_BACKOFF,
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retries_done + 1`, with `jitter` in [0, 1) from [`random_unit`].
    pub(crate) fn backoff(&self, retries_done: u32, jitter: f64) -> Duration {
        let factor = 2_u32.saturating_pow(retries_done.min(16));
        let base = self.initial.saturating_mul(factor).min(self.max);
        base.mul_f64(1.0 - 0.25 * jitter.clamp(0.0, 1.0))
    }
}

/// Whether an HTTP error answer may succeed if sent again. `insufficient_quota` tells a spent quota from a rate
/// limit (both are 429).
pub(crate) fn should_retry(status: StatusCode, headers: &HeaderMap, insufficient_quota: bool) -> bool {
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return false;
    }
    match headers.get("x-should-retry").and_then(|value| value.to_str().ok()) {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    if insufficient_quota {
        return false;
    }
    matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS)
        || status.is_server_error()
}

/// The server's retry hint (`retry-after-ms`, then `retry-after` as seconds or an HTTP date), when it is usable:
/// more than 0 and at most 60 s.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let hint = if let Some(ms) = header("retry-after-ms").and_then(|text| text.parse::<f64>().ok()) {
        Some(ms / 1000.0)
    } else if let Some(text) = header("retry-after") {
        match text.parse::<f64>() {
            Ok(seconds) => Some(seconds),
            Err(_) => parse_http_date(text).map(|date| match date.duration_since(now) {
                Ok(ahead) => ahead.as_secs_f64(),
                Err(_) => 0.0,
            }),
        }
    } else {
        None
    };
    let seconds = hint.filter(|seconds| seconds.is_finite() && *seconds > 0.0)?;
    let delay = Duration::from_secs_f64(seconds);
    (delay <= MAX_RETRY_AFTER).then_some(delay)
}

/// A number in [0, 1) that differs from call to call, for jitter. Not cryptographic; std's hasher keys are seeded
/// randomly per process and change with every `RandomState`.
pub(crate) fn random_unit() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    // 53 random bits make an f64 in [0, 1) exactly.
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP date format servers may send.
fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut parts = text.split_ascii_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|field| field.parse::<u64>().ok());
    let (hours, minutes, seconds) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT"
        || parts.next().is_some()
        || !(1..=31).contains(&day)
        || hours > 23
        || minutes > 59
    {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let since_epoch = days * 86_400 + hours * 3_600 + minutes * 60 + seconds.min(60);
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(since_epoch))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_sdk_statuses_are_retried_and_auth_failures_never() {
        let none = HeaderMap::new();
        for code in [408, 409, 429, 500, 502, 503] {
            assert!(should_retry(StatusCode::from_u16(code).unwrap(), &none, false), "{code}");
        }
        for code in [400, 401, 403, 404, 422] {
            assert!(!should_retry(StatusCode::from_u16(code).unwrap(), &none, false), "{code}");
        }
        assert!(!should_retry(StatusCode::TOO_MANY_REQUESTS, &none, true));
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(should_retry(StatusCode::BAD_REQUEST, &yes, false));
        assert!(!should_retry(StatusCode::INTERNAL_SERVER_ERROR, &no, false));
        assert!(!should_retry(StatusCode::UNAUTHORIZED, &yes, false));
    }

    #[test]
    fn retry_hints_are_read_like_the_sdk() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let hint = |pairs: &[(&'static str, &str)]| retry_after(&headers(pairs), now);
        assert_eq!(hint(&[("retry-after-ms", "10")]), Some(Duration::from_millis(10)));
        assert_eq!(
            hint(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(hint(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(hint(&[("retry-after", "1.5")]), Some(Duration::from_millis(1500)));
        assert_eq!(hint(&[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT")]), Some(Duration::from_secs(3)));
        assert_eq!(hint(&[("retry-after", "Sun, 06 Nov 1994 08:49:30 GMT")]), None, "a date in the past");
        assert_eq!(hint(&[("retry-after", "0")]), None);
        assert_eq!(hint(&[("retry-after", "61")]), None, "over 60 s the backoff is used");
        assert_eq!(hint(&[("retry-after", "soon")]), None);
        assert_eq!(hint(&[]), None);
    }

    #[test]
    fn http_dates_parse_exactly() {
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(SystemTime::UNIX_EPOCH),
            "the epoch"
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:01 GMT"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_835_438_401))
        );
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_at_most_a_quarter_of_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(0, 0.0), Duration::from_millis(500));
        assert_eq!(policy.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(4, 0.0), Duration::from_secs(8));
        assert_eq!(policy.backoff(40, 0.0), Duration::from_secs(8));
        assert_eq!(policy.backoff(0, 0.999_999_9).as_millis(), 375);
        for _ in 0..100 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit));
        }
        assert_ne!(random_unit(), random_unit());
    }
}
