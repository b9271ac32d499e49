//! Repairs "storm" benchmark, run by `cargo xtask bench repairs` (release
//! build). Prints one JSON figure per line: `{"name", "value", "unit", "note"}`.
//!
//! The demo campus (40 technicians over 4 zones, day and evening shifts;
//! 4,000 students) the afternoon after a storm: 1,000 faults reported within
//! one simulated hour from 14:00 campus time on a weekday, most of them
//! early (an exponential decay with a 20-minute mean, cut at the hour),
//! across every building, weighted to leaks, power and windows; urgencies
//! mostly normal and high, a few emergencies. Each report is dispatched
//! automatically in the same request (skill, zone, shift, load) or left to
//! the claim pool. The server's clock runs 30× real time, so the hour takes
//! two real minutes; each report is sent on its schedule whether or not
//! earlier ones have answered (open loop).
//!
//! Reported: dispatch latency (the report's round trip, dispatch included)
//! p50/p99, the share of jobs dispatched automatically, failed reports, and
//! the most jobs any technician was given (the load cap is 8). Students'
//! tokens are minted (`TestServer::mint_tokens`), not made by logging in.
//! SQLite by default; `repairs_bench PostgreSQL` runs it there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use houqin_server::entities::{buildings, users, work_orders};
use houqin_server::seed::Scale;
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "common/mod.rs"]
mod common;
use common::{FastClock, figure, percentile};

const SPEED: u32 = 30;
const REPORTS: usize = 1_000;
const SEED: u64 = 0x5354_4f52_4d32_3032;

/// 14:00 campus time on Wednesday 2 December 2026.
fn storm_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 6, 0, 0)
        .single()
        .expect("an instant")
}

#[derive(Default)]
struct Stats {
    report_ms: Vec<f64>,
    late_ms: Vec<f64>,
    dispatched: usize,
    pooled: usize,
    failures: usize,
    examples: Vec<String>,
}

/// A fault's kind, weighted as after a storm.
fn category(rng: &mut ChaCha8Rng) -> &'static str {
    let weights = [
        ("plumbing", 30),
        ("electrical", 25),
        ("carpentry", 15),
        ("hvac", 8),
        ("appliance", 7),
        ("network", 7),
        ("locks", 3),
        ("other", 5),
    ];
    let total: u32 = weights.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (c, w) in weights {
        if x < w {
            return c;
        }
        x -= w;
    }
    "other"
}

fn urgency(rng: &mut ChaCha8Rng) -> &'static str {
    match rng.random_range(0..100) {
        0..5 => "emergency",
        5..40 => "high",
        40..90 => "normal",
        _ => "low",
    }
}

async fn storm(label: &str, kind: TestDb) {
    let clock = Arc::new(FastClock::new(storm_start(), SPEED));
    let server = TestServer::start(TestOptions {
        db: kind,
        scale: Scale::default(),
        clock: Some(clock.clone()),
        access_ttl: chrono::Duration::hours(6),
        ..Default::default()
    })
    .await;
    let conn = &server.state.db.conn;
    let students: Vec<users::Model> = users::Entity::find()
        .filter(users::Column::Username.starts_with("s2026"))
        .all(conn)
        .await
        .expect("students");
    let building_ids: Vec<Uuid> = buildings::Entity::find()
        .all(conn)
        .await
        .expect("buildings")
        .into_iter()
        .map(|b| b.id)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let reporters: Vec<users::Model> = (0..REPORTS)
        .map(|_| students[rng.random_range(0..students.len())].clone())
        .collect();
    let tokens = server
        .mint_tokens(&reporters, chrono::Duration::hours(6))
        .await;
    // When each fault is reported: exponential, mean 20 minutes, within the hour.
    let mut schedule: Vec<(chrono::Duration, Value)> = (0..REPORTS)
        .map(|_| {
            let u: f64 = rng.random_range(0.0..1.0);
            let minutes = (-20.0 * (1.0 - u * (1.0 - (-3.0f64).exp())).ln()).min(59.99);
            let at = chrono::Duration::milliseconds((minutes * 60_000.0) as i64);
            let body = json!({
                "id": Uuid::now_v7(),
                "category": category(&mut rng),
                "urgency": urgency(&mut rng),
                "building_id": building_ids[rng.random_range(0..building_ids.len())],
                "room": format!("{}", rng.random_range(101..699)),
                "description": "暴雨后漏水/停电/门窗损坏",
            });
            (at, body)
        })
        .collect();
    schedule.sort_by_key(|(at, _)| *at);
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let origin = clock.go();
    let first = Instant::now();
    let mut tasks = Vec::new();
    for ((at, body), token) in schedule.into_iter().zip(tokens) {
        let due = origin + (at.to_std().unwrap_or_default() / SPEED);
        let (http, base, stats) = (http.clone(), base.clone(), stats.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let late = due.elapsed();
            let started = Instant::now();
            let r = http
                .post(format!("{base}/repairs"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await;
            let took = started.elapsed();
            // Read the answer before taking the lock (no guard across an await).
            let outcome: Result<Value, String> = match r {
                Ok(r) if r.status().as_u16() == 201 => Ok(r.json().await.unwrap_or(Value::Null)),
                Ok(r) => {
                    let status = r.status();
                    Err(format!("{status} {}", r.text().await.unwrap_or_default()))
                }
                Err(e) => Err(e.to_string()),
            };
            let mut s = stats.lock().expect("stats");
            s.late_ms.push(late.as_secs_f64() * 1000.0);
            match outcome {
                Ok(v) => {
                    s.report_ms.push(took.as_secs_f64() * 1000.0);
                    if v["status"] == "assigned" {
                        s.dispatched += 1;
                    } else {
                        s.pooled += 1;
                    }
                }
                Err(e) => {
                    s.failures += 1;
                    if s.examples.len() < 5 {
                        eprintln!("repairs_bench: {e}");
                        s.examples.push(e);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let wall = first.elapsed();
    let s = std::mem::take(&mut *stats.lock().expect("stats"));
    let mut ms = s.report_ms.clone();
    ms.sort_by(f64::total_cmp);
    let mut late = s.late_ms.clone();
    late.sort_by(f64::total_cmp);
    // The most jobs any technician holds now.
    let mut per_tech: HashMap<Uuid, usize> = HashMap::new();
    for w in work_orders::Entity::find()
        .filter(work_orders::Column::AssigneeId.is_not_null())
        .all(conn)
        .await
        .expect("work orders")
    {
        if let Some(a) = w.assignee_id {
            *per_tech.entry(a).or_default() += 1;
        }
    }
    let busiest = per_tech.values().max().copied().unwrap_or(0);
    let done = s.dispatched + s.pooled;
    let share = if done == 0 {
        f64::NAN
    } else {
        100.0 * s.dispatched as f64 / done as f64
    };
    let note = format!("{label}; 1 simulated hour at {SPEED}×, open loop");
    figure(
        &format!("repairs {label}: reports accepted"),
        done as f64,
        "reports",
        &note,
    );
    figure(
        &format!("repairs {label}: failed reports"),
        s.failures as f64,
        "ops",
        "goal: none",
    );
    figure(
        &format!("repairs {label}: dispatch latency p50"),
        percentile(&ms, 0.5),
        "ms",
        "report round trip, automatic dispatch included",
    );
    figure(
        &format!("repairs {label}: dispatch latency p99"),
        percentile(&ms, 0.99),
        "ms",
        "report round trip, automatic dispatch included",
    );
    figure(
        &format!("repairs {label}: dispatched automatically"),
        share,
        "%",
        "the rest wait in the claim pool: nobody with the skill, zone and shift under the load cap of 8",
    );
    figure(
        &format!("repairs {label}: most jobs given one technician"),
        busiest as f64,
        "reports",
        "automatic dispatch stops at 8",
    );
    figure(
        &format!("repairs {label}: throughput"),
        done as f64 / wall.as_secs_f64(),
        "reports/s",
        &format!(
            "over {:.0} s real; scheduler lag p99 {:.1} ms",
            wall.as_secs_f64(),
            percentile(&late, 0.99)
        ),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |name: &str| {
        if only.is_empty() {
            name == "SQLite"
        } else {
            only.iter().any(|o| o.eq_ignore_ascii_case(name))
        }
    };
    for (db, kind) in [("SQLite", TestDb::Sqlite), ("PostgreSQL", TestDb::Postgres)] {
        if wanted(db) {
            storm(db, kind).await;
        }
    }
}
