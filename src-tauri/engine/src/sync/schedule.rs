//! When the uploader tries again: a timer with exponential backoff and jitter,
//! never only on the next local write (invariant 8, liveness). The decisions
//! are pure; [`crate::Engine::run_sync_loop`] only sleeps and calls them.

use std::time::Duration;

/// The sync loop's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSchedule {
    /// Between syncs while all is well (the poll that stands in for live pokes).
    pub interval: Duration,
    /// The first wait after a failure; it doubles with each failure in a row.
    pub retry_base: Duration,
    /// The longest wait after failures.
    pub retry_max: Duration,
}

impl Default for SyncSchedule {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
        }
    }
}

/// How a sync attempt ended, as far as scheduling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Synced,
    /// No one is signed in (or the session ended): nothing to retry until a
    /// sign-in, which pokes the loop.
    SignedOut,
    /// The server was unreachable, failing or refused the sync: retry with backoff.
    Failed,
}

/// The failures in a row after `attempt`.
pub fn failures_after(failures: u32, attempt: Attempt) -> u32 {
    match attempt {
        Attempt::Synced | Attempt::SignedOut => 0,
        Attempt::Failed => failures.saturating_add(1),
    }
}

/// How long to wait before the next attempt, given the failures in a row.
/// `jitter` in `[0, 1)` spreads clients that failed together ("equal jitter":
/// between half and all of the backoff, so a wait never collapses to zero).
pub fn next_wait(schedule: &SyncSchedule, failures: u32, jitter: f64) -> Duration {
    if failures == 0 {
        return schedule.interval;
    }
    let doublings = (failures - 1).min(31);
    let backoff = schedule
        .retry_base
        .saturating_mul(1u32 << doublings)
        .min(schedule.retry_max);
    let jitter = jitter.clamp(0.0, 1.0);
    backoff / 2 + backoff.mul_f64(jitter / 2.0)
}

/// Whether a poke (a local write, a sign-in) starts a sync at once. While the
/// server is failing, pokes wait for the backoff timer: a burst of writes must
/// not hammer a struggling server. (`sync_now`, the user's explicit retry,
/// always runs.)
pub fn poke_runs_now(failures: u32) -> bool {
    failures == 0
}

/// A small seeded generator for jitter (SplitMix64): the same seed gives the
/// same waits, so tests and simulations repeat; seeded per device in the
/// engine, so devices that failed together spread out.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next value in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // The top 53 bits fill an f64's mantissa exactly.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: SyncSchedule = SyncSchedule {
        interval: Duration::from_secs(30),
        retry_base: Duration::from_secs(2),
        retry_max: Duration::from_secs(60),
    };

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let secs = |s: f64| Duration::from_secs_f64(s);
        let cases = [
            // (failures, jitter) → wait
            (0, 0.0, secs(30.0)),
            (0, 0.9, secs(30.0)),
            (1, 0.0, secs(1.0)),
            (1, 0.5, secs(1.5)),
            (2, 0.0, secs(2.0)),
            (3, 0.0, secs(4.0)),
            (4, 0.0, secs(8.0)),
            (5, 0.0, secs(16.0)),
            (6, 0.0, secs(30.0)),
            (6, 1.0, secs(60.0)),
            (40, 0.0, secs(30.0)),
            (u32::MAX, 0.5, secs(45.0)),
            // Out-of-range jitter is clamped, never negative or past the backoff.
            (3, -1.0, secs(4.0)),
            (3, 7.0, secs(8.0)),
        ];
        for (failures, jitter, want) in cases {
            assert_eq!(
                next_wait(&SCHEDULE, failures, jitter),
                want,
                "{failures} failures, jitter {jitter}"
            );
        }
    }

    #[test]
    fn failures_count_up_and_reset() {
        let cases = [
            (0, Attempt::Synced, 0),
            (5, Attempt::Synced, 0),
            (5, Attempt::SignedOut, 0),
            (0, Attempt::Failed, 1),
            (5, Attempt::Failed, 6),
            (u32::MAX, Attempt::Failed, u32::MAX),
        ];
        for (before, attempt, after) in cases {
            assert_eq!(
                failures_after(before, attempt),
                after,
                "{before} {attempt:?}"
            );
        }
    }

    #[test]
    fn pokes_wait_out_a_backoff() {
        assert!(poke_runs_now(0));
        assert!(!poke_runs_now(1));
        assert!(!poke_runs_now(9));
    }

    #[test]
    fn jitter_repeats_per_seed_and_stays_in_range() {
        let take = |seed| {
            let mut j = Jitter::new(seed);
            (0..1000).map(|_| j.next_unit()).collect::<Vec<_>>()
        };
        let a = take(42);
        assert_eq!(a, take(42));
        assert_ne!(a, take(43));
        assert!(a.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
    }
}
