//! Login throttling per account and per client address, with temporary lockout.
//!
//! In-process state: with several replicas each counts its own failures, so the
//! effective limit is at most `replicas ×` the configured one.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::config::LoginLimits;

#[derive(Debug, Default, Clone)]
struct Counter {
    failures: Vec<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

pub struct LoginLimiter {
    limits: LoginLimits,
    accounts: Mutex<HashMap<String, Counter>>,
    addresses: Mutex<HashMap<String, Counter>>,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            accounts: Mutex::default(),
            addresses: Mutex::default(),
        }
    }

    /// `Err(seconds to wait)` if the account or the address is locked now.
    pub fn check(&self, username: &str, address: &str, now: DateTime<Utc>) -> Result<(), i64> {
        let wait = |map: &Mutex<HashMap<String, Counter>>, key: &str| {
            let map = map.lock().unwrap_or_else(|e| e.into_inner());
            map.get(key)
                .and_then(|c| c.locked_until)
                .filter(|until| *until > now)
                .map(|until| (until - now).num_seconds().max(1))
        };
        match wait(&self.accounts, &username.to_lowercase())
            .or_else(|| wait(&self.addresses, address))
        {
            Some(secs) => Err(secs),
            None => Ok(()),
        }
    }

    /// Records a failure; returns true when it locked the account or address.
    pub fn fail(&self, username: &str, address: &str, now: DateTime<Utc>) -> bool {
        let a = self.bump(
            &self.accounts,
            &username.to_lowercase(),
            self.limits.max_failures_per_account,
            now,
        );
        let b = self.bump(
            &self.addresses,
            address,
            self.limits.max_failures_per_address,
            now,
        );
        a || b
    }

    pub fn succeed(&self, username: &str) {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&username.to_lowercase());
    }

    fn bump(
        &self,
        map: &Mutex<HashMap<String, Counter>>,
        key: &str,
        max: u32,
        now: DateTime<Utc>,
    ) -> bool {
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        // Bound memory under a spray of usernames: forget counters that have gone quiet.
        if map.len() > 100_000 {
            let horizon = now - self.limits.window;
            map.retain(|_, c| {
                c.locked_until.is_some_and(|u| u > now) || c.failures.iter().any(|t| *t > horizon)
            });
        }
        let counter = map.entry(key.to_string()).or_default();
        let horizon = now - self.limits.window;
        counter.failures.retain(|t| *t > horizon);
        counter.failures.push(now);
        if counter.failures.len() as u32 >= max {
            counter.locked_until = Some(now + self.limits.lockout);
            counter.failures.clear();
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn locks_after_max_failures_and_unlocks_later() {
        let limits = LoginLimits {
            max_failures_per_account: 3,
            max_failures_per_address: 100,
            window: Duration::minutes(10),
            lockout: Duration::minutes(5),
        };
        let l = LoginLimiter::new(limits);
        let t0 = Utc::now();
        assert!(!l.fail("Alice", "1.1.1.1", t0));
        assert!(!l.fail("alice", "1.1.1.1", t0));
        assert!(l.check("alice", "2.2.2.2", t0).is_ok());
        assert!(l.fail("alice", "1.1.1.1", t0));
        assert_eq!(l.check("ALICE", "2.2.2.2", t0), Err(300));
        assert!(
            l.check("bob", "1.1.1.1", t0).is_ok(),
            "the address is under its own limit"
        );
        assert!(
            l.check("alice", "2.2.2.2", t0 + Duration::minutes(6))
                .is_ok()
        );
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let limits = LoginLimits {
            max_failures_per_account: 2,
            ..LoginLimits::default()
        };
        let l = LoginLimiter::new(limits);
        let t0 = Utc::now();
        l.fail("a", "x", t0);
        assert!(!l.fail("a", "x", t0 + Duration::hours(1)));
    }
}
