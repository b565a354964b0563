//! [`RetryPolicy`]: exponential backoff with full jitter, a cap, and a give-up time, as a plain value with an
//! injectable seed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// How a session reconnects after a transient failure (permanent ones are never retried).
///
/// Attempt *n* waits a uniformly random time in `[0, min(max_delay, initial_delay * multiplier^(n-1)))` ("full
/// jitter": sessions that lost the same server do not come back in step). The session gives up when it has gone
/// `give_up_after` without a working connection, or after `max_retries` retries in a row when that is set.
/// A connection that stays up for `healthy_after` resets the exponent, so a server that accepts and then drops
/// every connection is retried ever more slowly, never in a loop.
///
/// Defaults: 500 ms doubling to a 30 s cap, give up after 120 s, no retry limit, healthy after 30 s.
/// The jitter comes from a small generator seeded per session (or by [`RetryPolicy::with_seed`], so tests can fix
/// it: tower's injectable-RNG idea without a dependency); time comes from tokio, so paused-time tests work.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The upper bound of the first retry's delay.
    pub initial_delay: Duration,
    /// The cap on the upper bound of any delay.
    pub max_delay: Duration,
    /// The factor the upper bound grows by after each failed retry.
    pub multiplier: f64,
    /// How long a session may go without a working connection before it gives up.
    pub give_up_after: Duration,
    /// How many retries in a row are allowed, when limited (`None`: only `give_up_after` limits them).
    pub max_retries: Option<u32>,
    /// A connection that stays up this long resets the exponent.
    pub healthy_after: Duration,
    /// The seed of the jitter generator; `None` seeds every session differently.
    pub seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            multiplier: 2.0,
            give_up_after: Duration::from_secs(120),
            max_retries: None,
            healthy_after: Duration::from_secs(30),
            seed: None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: the first failure ends the session.
    pub fn never() -> Self {
        RetryPolicy { max_retries: Some(0), ..RetryPolicy::default() }
    }

    /// Sets a limit on retries in a row.
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the first delay's upper bound and the cap.
    #[must_use]
    pub fn with_delays(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max;
        self
    }

    /// Sets how long a session may go without a working connection.
    #[must_use]
    pub fn with_give_up_after(mut self, give_up_after: Duration) -> Self {
        self.give_up_after = give_up_after;
        self
    }

    /// Fixes the jitter seed (tests).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// A fresh backoff state for one session.
    pub(crate) fn backoff(&self) -> Backoff {
        let seed = self.seed.unwrap_or_else(session_seed);
        Backoff { policy: self.clone(), attempt: 0, failing_since: None, rng: SplitMix64(seed) }
    }
}

/// A different seed for every session of the process.
fn session_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    now ^ count.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id()).rotate_left(32)
}

/// The retry state of one session: which attempt comes next, since when it has been failing, the jitter.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    attempt: u32,
    /// When the session last lost its working connection (or first failed to get one).
    failing_since: Option<Instant>,
    rng: SplitMix64,
}

/// Why a session stops retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GiveUp {
    /// Attempts made since the last working connection (the first included).
    pub(crate) attempts: u32,
    /// How long the session has gone without a working connection.
    pub(crate) waited: Duration,
}

impl Backoff {
    /// The delay before the next attempt and its number (1 for the first retry), or why to give up.
    /// The first call after a working period starts the give-up clock at `now`.
    pub(crate) fn next_delay(&mut self, now: Instant) -> Result<(u32, Duration), GiveUp> {
        let since = *self.failing_since.get_or_insert(now);
        let waited = now.saturating_duration_since(since);
        let limit_reached = self.policy.max_retries.is_some_and(|max| self.attempt >= max);
        if limit_reached || waited >= self.policy.give_up_after {
            return Err(GiveUp { attempts: self.attempt + 1, waited });
        }
        let exponent = i32::try_from(self.attempt).unwrap_or(i32::MAX);
        let bound = self.policy.initial_delay.as_secs_f64() * self.policy.multiplier.max(1.0).powi(exponent);
        let bound = bound.min(self.policy.max_delay.as_secs_f64());
        // Full jitter, and never past the give-up time: the last attempt comes just before it.
        let left = (self.policy.give_up_after - waited).as_secs_f64();
        let delay = (bound * self.rng.next_unit()).min(left).max(0.0);
        self.attempt += 1;
        Ok((self.attempt, Duration::from_secs_f64(delay)))
    }

    /// How many retries have been made since the exponent was last reset.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempt
    }

    /// A connection works again: the give-up clock stops (the exponent is reset by [`Backoff::healthy`]).
    pub(crate) fn working(&mut self) {
        self.failing_since = None;
    }

    /// The connection has stayed up for the healthy period: forget past failures.
    pub(crate) fn healthy(&mut self) {
        self.attempt = 0;
        self.failing_since = None;
    }

    /// The healthy period after which [`Backoff::healthy`] applies.
    pub(crate) fn healthy_after(&self) -> Duration {
        self.policy.healthy_after
    }
}

/// SplitMix64: a tiny, well-distributed deterministic generator; enough for jitter.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(policy: &RetryPolicy, count: usize) -> Vec<f64> {
        let mut bound = policy.initial_delay.as_secs_f64();
        (0..count)
            .map(|_| {
                let this = bound.min(policy.max_delay.as_secs_f64());
                bound *= policy.multiplier;
                this
            })
            .collect()
    }

    #[test]
    fn delays_are_fully_jittered_under_a_doubling_cap() {
        let policy = RetryPolicy::default().with_seed(1).with_give_up_after(Duration::from_secs(3600));
        let mut backoff = policy.backoff();
        let now = Instant::now();
        let mut seen = Vec::new();
        for (index, bound) in bounds(&policy, 12).iter().enumerate() {
            let (attempt, delay) = backoff.next_delay(now).unwrap();
            assert_eq!(attempt as usize, index + 1);
            let secs = delay.as_secs_f64();
            assert!((0.0..*bound).contains(&secs), "{index}: {secs} not below {bound}");
            seen.push(secs / bound);
        }
        // Full jitter: the fractions of the bound spread over [0, 1), not clustered near 1.
        assert!(seen.iter().any(|f| *f < 0.5) && seen.iter().any(|f| *f >= 0.5), "{seen:?}");
        assert_eq!(bounds(&policy, 12)[11], 30.0, "capped at 30 s");
    }

    #[test]
    fn the_session_gives_up_after_the_give_up_time_and_the_last_wait_ends_before_it() {
        let policy = RetryPolicy::default().with_seed(3);
        let mut backoff = policy.backoff();
        let start = Instant::now();
        let mut now = start;
        let mut attempts = 0;
        let give_up = loop {
            match backoff.next_delay(now) {
                Ok((_, delay)) => {
                    attempts += 1;
                    now += delay;
                    assert!(now - start <= policy.give_up_after);
                    // Each attempt itself takes a little while (a refused connection).
                    now += Duration::from_millis(5);
                }
                Err(give_up) => break give_up,
            }
        };
        assert!(give_up.waited >= policy.give_up_after, "{give_up:?}");
        assert!((5..60).contains(&attempts), "{attempts} attempts in 120 s");
    }

    #[test]
    fn a_working_connection_stops_the_clock_and_a_healthy_one_resets_the_exponent() {
        let policy = RetryPolicy::default().with_seed(5).with_give_up_after(Duration::from_secs(10));
        let mut backoff = policy.backoff();
        let start = Instant::now();
        backoff.next_delay(start).unwrap();
        backoff.next_delay(start + Duration::from_secs(9)).unwrap();
        backoff.working();
        // The clock starts again at the next failure.
        assert!(backoff.next_delay(start + Duration::from_secs(100)).is_ok());
        assert_eq!(backoff.attempts(), 3);
        backoff.healthy();
        assert_eq!(backoff.next_delay(start + Duration::from_secs(200)).map(|(n, _)| n), Ok(1));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays_and_sessions_differ_by_default() {
        let now = Instant::now();
        let delays = |policy: &RetryPolicy| {
            let mut backoff = policy.backoff();
            (0..6).map(|_| backoff.next_delay(now).map(|(_, d)| d)).collect::<Vec<_>>()
        };
        let fixed = RetryPolicy::default().with_seed(7);
        assert_eq!(delays(&fixed), delays(&fixed));
        let free = RetryPolicy::default();
        assert_ne!(delays(&free), delays(&free), "two sessions must not retry in step");
    }

    #[test]
    fn never_gives_up_at_once_and_a_retry_limit_applies() {
        let now = Instant::now();
        assert_eq!(
            RetryPolicy::never().backoff().next_delay(now),
            Err(GiveUp { attempts: 1, waited: Duration::ZERO })
        );
        let mut backoff = RetryPolicy::default().with_max_retries(2).backoff();
        assert!(backoff.next_delay(now).is_ok());
        assert!(backoff.next_delay(now).is_ok());
        assert!(backoff.next_delay(now).is_err());
    }
}
