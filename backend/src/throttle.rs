//! A sliding-window limit per key (a client address) for requests anyone
//! may make without an account — today anonymous repair reports from an
//! asset's public tag page.
//!
//! In-process state, like the login limiter: with several replicas each
//! counts its own, so the effective limit is at most `replicas ×` this one.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Keys kept before the quiet ones are forgotten.
const PRUNE_AT: usize = 10_000;

pub struct Throttle {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Throttle {
    /// At most `max` hits per key in any `window`.
    pub fn new(max: usize, window: Duration) -> Throttle {
        Throttle {
            max,
            window,
            hits: Mutex::default(),
        }
    }

    /// Counts a hit for `key` at `now`; `Err(seconds until one is free)`
    /// when the key has had `max` hits in the window already (that one is
    /// not counted).
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), i64> {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() >= PRUNE_AT {
            let since = now - self.window;
            hits.retain(|_, seen| seen.back().is_some_and(|t| *t > since));
        }
        let seen = hits.entry(key.to_owned()).or_default();
        while seen.front().is_some_and(|t| *t <= now - self.window) {
            seen.pop_front();
        }
        if seen.len() >= self.max {
            let free_at = seen.front().copied().unwrap_or(now) + self.window;
            return Err((free_at - now).num_seconds().max(1));
        }
        seen.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_max_hits_per_window_and_others_are_apart() {
        let t = Throttle::new(2, Duration::hours(1));
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time");
        assert_eq!(t.hit("a", at), Ok(()));
        assert_eq!(t.hit("a", at + Duration::minutes(10)), Ok(()));
        assert_eq!(t.hit("a", at + Duration::minutes(20)), Err(40 * 60));
        assert_eq!(t.hit("b", at + Duration::minutes(20)), Ok(()));
        // The first hit leaves the window: one more is allowed.
        assert_eq!(t.hit("a", at + Duration::minutes(61)), Ok(()));
        assert!(t.hit("a", at + Duration::minutes(62)).is_err());
    }
}
