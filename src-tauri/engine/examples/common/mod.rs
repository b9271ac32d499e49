//! What the benchmark examples share: printing a figure the way `cargo
//! xtask bench` reads it, percentiles, and a server clock that runs faster
//! than real time. Included by each example with `#[path]`; not an example
//! itself (cargo finds examples as `examples/*.rs` and `examples/*/main.rs`).

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, Utc};
use houqin_shared::clock::Clock;

/// One figure: a JSON line `{"name", "value", "unit", "note"}` on stdout.
pub fn figure(name: &str, value: f64, unit: &str, note: &str) {
    println!(
        "{}",
        serde_json::json!({"name": name, "value": value, "unit": unit, "note": note})
    );
}

/// The `p` quantile (0–1) of sorted values, nearest rank; NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The server's clock for a simulated rush: stands at `start` until
/// [`FastClock::go`], then goes `speed`× real time.
#[derive(Debug)]
pub struct FastClock {
    pub start: DateTime<Utc>,
    pub speed: u32,
    origin: OnceLock<Instant>,
}

impl FastClock {
    pub fn new(start: DateTime<Utc>, speed: u32) -> FastClock {
        FastClock {
            start,
            speed,
            origin: OnceLock::new(),
        }
    }

    /// Starts the clock (once) and answers the real instant it started.
    pub fn go(&self) -> Instant {
        *self.origin.get_or_init(Instant::now)
    }

    /// The real instant the clock shows `at`.
    pub fn instant_of(&self, at: DateTime<Utc>) -> Instant {
        let sim = (at - self.start).to_std().unwrap_or_default();
        self.go() + sim / self.speed
    }
}

impl Clock for FastClock {
    fn now(&self) -> DateTime<Utc> {
        match self.origin.get() {
            None => self.start,
            Some(origin) => {
                let sim = origin.elapsed() * self.speed;
                self.start + chrono::Duration::from_std(sim).unwrap_or_default()
            }
        }
    }
}
