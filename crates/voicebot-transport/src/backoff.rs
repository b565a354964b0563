//! [`RetryPolicy`]: exponential backoff with jitter and a retry limit, as a plain value with an injectable seed.

use std::time::Duration;

/// How a session reconnects: exponential backoff with jitter, a retry limit, and a reset after a healthy period.
///
/// Defaults: 250 ms doubling up to 10 s, ±10% jitter, 5 retries, reset after 30 s of healthy connection.
/// The jitter comes from a small deterministic generator seeded by [`RetryPolicy::seed`], so tests can fix it
/// (tower's injectable RNG idea without a dependency); time comes from tokio, so paused-time tests work.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The delay before the first retry.
    pub initial_delay: Duration,
    /// The largest delay between retries.
    pub max_delay: Duration,
    /// The factor the delay grows by after each failed retry.
    pub multiplier: f64,
    /// The jitter as a fraction of the delay: 0.1 means ±10%.
    pub jitter: f64,
    /// How many retries in a row are allowed before the session gives up.
    pub max_retries: u32,
    /// A connection that stays up this long resets the retry counter.
    pub healthy_after: Duration,
    /// The seed of the jitter generator.
    pub seed: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            multiplier: 2.0,
            jitter: 0.1,
            max_retries: 5,
            healthy_after: Duration::from_secs(30),
            seed: 0x5EED_0FBA_C0FF,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: the first failure ends the session.
    pub fn never() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// Sets the retry limit.
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first and the largest delay.
    #[must_use]
    pub fn with_delays(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max;
        self
    }

    /// Sets the jitter seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A fresh backoff state for one session.
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff { policy: self.clone(), attempt: 0, rng: SplitMix64(self.seed) }
    }
}

/// The retry state of one session: which attempt comes next and the jitter generator.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    attempt: u32,
    rng: SplitMix64,
}

impl Backoff {
    /// The delay before the next attempt and its number (1 for the first retry), or `None` when the limit is
    /// reached.
    pub(crate) fn next_delay(&mut self) -> Option<(u32, Duration)> {
        if self.attempt >= self.policy.max_retries {
            return None;
        }
        let exponent = i32::try_from(self.attempt).unwrap_or(i32::MAX);
        let base = self.policy.initial_delay.as_secs_f64() * self.policy.multiplier.max(1.0).powi(exponent);
        let capped = base.min(self.policy.max_delay.as_secs_f64());
        let jitter = self.policy.jitter.clamp(0.0, 1.0);
        // A uniform factor in [1 - jitter, 1 + jitter].
        let factor = 1.0 + jitter * (2.0 * self.rng.next_unit() - 1.0);
        self.attempt += 1;
        Some((self.attempt, Duration::from_secs_f64((capped * factor).max(0.0))))
    }

    /// How many retries have been used since the last reset.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Forgets past failures (after a healthy period).
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The healthy period after which [`Backoff::reset`] applies.
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

    #[test]
    fn delays_double_up_to_the_cap_with_bounded_jitter_and_a_limit() {
        let policy = RetryPolicy { max_retries: 8, ..RetryPolicy::default() };
        let mut backoff = policy.backoff();
        let expected = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0];
        for (index, base) in expected.iter().enumerate() {
            let (attempt, delay) = backoff.next_delay().unwrap();
            assert_eq!(attempt as usize, index + 1);
            let secs = delay.as_secs_f64();
            assert!(secs >= base * 0.9 - 1e-9 && secs <= base * 1.1 + 1e-9, "{index}: {secs}");
        }
        assert_eq!(backoff.next_delay(), None);
        backoff.reset();
        assert_eq!(backoff.next_delay().map(|(attempt, _)| attempt), Some(1));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays_and_jitter_varies() {
        let policy = RetryPolicy::default().with_seed(7);
        let a: Vec<_> = std::iter::from_fn({
            let mut b = policy.backoff();
            move || b.next_delay()
        })
        .collect();
        let b: Vec<_> = std::iter::from_fn({
            let mut b = policy.backoff();
            move || b.next_delay()
        })
        .collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        let mut other = RetryPolicy::default().with_seed(8).backoff();
        assert_ne!(other.next_delay(), a.first().copied());
    }

    #[test]
    fn never_gives_up_at_once() {
        assert_eq!(RetryPolicy::never().backoff().next_delay(), None);
    }
}
