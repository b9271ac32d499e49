//! Sync benchmarks, run by `cargo xtask bench sync` (release build): the real
//! engine against the real server in one process, on SQLite and PostgreSQL.
//! Prints one JSON figure per line: `{"name", "value", "unit", "note"}`.
//!
//! - initial sync of a scope of 5,000 and of 50,000 rows (a technician's zone
//!   filled with buildings: the stand-in until student and kiosk scopes carry
//!   orders, transactions and menus);
//! - pushing 10,000 queued commands;
//! - poke-to-converged with 100 connected clients (SSE poke → pull);
//! - the process's peak memory (engine and server share it: an upper bound).

use std::time::{Duration, Instant};

use houqin_engine::{Engine, EngineConfig, RowFilter};
use houqin_server::entities::{buildings, user_scopes};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::accounts::LoginRequest;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "common/mod.rs"]
mod common;
use common::figure;

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("houqin-bench-{tag}-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn engine(server: &TestServer, user: &str) -> Engine {
    let engine =
        Engine::open(EngineConfig::new(temp_dir("engine"), server.url.clone())).expect("engine");
    let req = LoginRequest {
        username: user.into(),
        password: "demo".into(),
        device_id: None,
        device_public_key: None,
    };
    engine.login(req).await.expect("login");
    engine
}

/// Puts `n` synthetic buildings into a fresh zone and moves the technician there.
async fn zone_with(server: &TestServer, n: usize) -> Uuid {
    let conn = &server.state.db.conn;
    let tech = houqin_server::entities::users::Entity::find()
        .filter(houqin_server::entities::users::Column::Username.eq("technician"))
        .one(conn)
        .await
        .expect("q")
        .expect("technician");
    let zone = Uuid::now_v7();
    houqin_server::entities::zones::Entity::insert(houqin_server::entities::zones::ActiveModel {
        id: Set(zone),
        campus_id: Set(tech.campus_id),
        name_zh: Set("压测区".into()),
        name_en: Set("Bench Zone".into()),
    })
    .exec_without_returning(conn)
    .await
    .expect("zone");
    let rows: Vec<buildings::ActiveModel> = (0..n)
        .map(|i| buildings::ActiveModel {
            id: Set(Uuid::now_v7()),
            campus_id: Set(tech.campus_id),
            zone_id: Set(Some(zone)),
            code: Set(format!("B{}-{i}", &zone.simple().to_string()[24..])),
            name_zh: Set(format!("压测楼{i}号")),
            name_en: Set(format!("Bench Building {i}")),
            kind: Set("office".into()),
            floors: Set(6),
        })
        .collect();
    for chunk in rows.chunks(1000) {
        buildings::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await
            .expect("buildings");
    }
    user_scopes::Entity::delete_many()
        .filter(user_scopes::Column::UserId.eq(tech.id))
        .exec(conn)
        .await
        .expect("scopes");
    user_scopes::Entity::insert(user_scopes::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(tech.campus_id),
        user_id: Set(tech.id),
        kind: Set("zone".into()),
        ref_id: Set(zone),
    })
    .exec_without_returning(conn)
    .await
    .expect("scope");
    zone
}

/// Touches one building of the zone through the API, which materialises the scope.
async fn touch(server: &TestServer, admin: &str, zone: Uuid, name: &str) -> Uuid {
    let conn = &server.state.db.conn;
    let b = buildings::Entity::find()
        .filter(buildings::Column::ZoneId.eq(zone))
        .one(conn)
        .await
        .expect("q")
        .expect("b");
    let http = reqwest::Client::new();
    let res = http
        .put(format!("{}/api/v1/directory/buildings/{}", server.url, b.id))
        .bearer_auth(admin)
        .json(&json!({"campus_id": b.campus_id, "zone_id": zone, "code": b.code, "name": {"zh": name, "en": name}, "kind": "office", "floors": 6}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    b.id
}

async fn admin_token(server: &TestServer) -> String {
    let http = reqwest::Client::new();
    let r: Value = http
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"username": "admin", "password": "demo"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    r["access_token"].as_str().expect("token").to_string()
}

async fn initial_sync(server: &TestServer, db: &str, n: usize) {
    let zone = zone_with(server, n).await;
    let admin = admin_token(server).await;
    touch(server, &admin, zone, "materialise").await;
    let tablet = engine(server, "technician").await;
    let started = Instant::now();
    let report = tablet.sync_once().await.expect("sync");
    let secs = started.elapsed().as_secs_f64();
    let rows = tablet
        .rows(&RowFilter {
            scope: Some(format!("zone:{zone}")),
            entity: None,
        })
        .expect("rows")
        .len();
    assert_eq!(rows, n, "every row arrived");
    figure(
        &format!("initial sync, {n} rows ({db})"),
        secs,
        "s",
        &format!("{} pages; goal for 50,000 rows: under 2 s", report.pages),
    );
}

async fn push_many(server: &TestServer, db: &str, n: usize) {
    let phone = engine(server, "staff").await;
    for i in 0..n {
        let lang = if i % 2 == 0 { "en" } else { "zh-CN" };
        phone
            .enqueue("accounts.set_lang", json!({"lang": lang}))
            .expect("enqueue");
    }
    let started = Instant::now();
    let report = phone.sync_once().await.expect("sync");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.accepted as usize, n, "{report:?}");
    figure(
        &format!("push {n} queued commands ({db})"),
        secs,
        "s",
        "goal: under 5 s",
    );
}

/// Reads an SSE stream until a poke arrives.
async fn next_poke(res: &mut reqwest::Response, buffer: &mut String) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.contains("event: poke") {
                return;
            }
            continue;
        }
        let chunk = res.chunk().await.expect("stream").expect("open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn poke_to_converged(server: &TestServer, db: &str, clients: usize) {
    let zone = zone_with(server, 50).await;
    let admin = admin_token(server).await;
    touch(server, &admin, zone, "start").await;
    let mut handles = Vec::new();
    let (tx, rx) = tokio::sync::watch::channel::<Option<(String, Instant)>>(None);
    let ready = std::sync::Arc::new(tokio::sync::Barrier::new(clients + 1));
    for _ in 0..clients {
        let tablet = engine(server, "technician").await;
        tablet.sync_once().await.expect("first sync");
        let ticket = tablet
            .call("POST", "/sync/events/ticket", None)
            .await
            .expect("ticket");
        let url = format!(
            "{}/api/v1/sync/events?ticket={}",
            server.url,
            ticket["ticket"].as_str().expect("t")
        );
        let mut rx = rx.clone();
        let ready = ready.clone();
        handles.push(tokio::spawn(async move {
            let mut res = reqwest::get(url).await.expect("events");
            let mut buffer = String::new();
            next_poke(&mut res, &mut buffer).await; // hello
            ready.wait().await;
            let (name, t0) = loop {
                rx.changed().await.expect("write");
                if let Some(w) = rx.borrow().clone() {
                    break w;
                }
            };
            loop {
                next_poke(&mut res, &mut buffer).await;
                tablet.sync_once().await.expect("sync");
                let rows = tablet
                    .rows(&RowFilter {
                        scope: Some(format!("zone:{zone}")),
                        entity: None,
                    })
                    .expect("rows");
                if rows.iter().any(|r| r["name"]["en"] == name.as_str()) {
                    return t0.elapsed();
                }
            }
        }));
    }
    ready.wait().await;
    let name = format!("converged-{}", Uuid::now_v7());
    let t0 = Instant::now();
    tx.send(Some((name.clone(), t0))).expect("send");
    touch(server, &admin, zone, &name).await;
    let mut latencies = Vec::new();
    for h in handles {
        latencies.push(
            tokio::time::timeout(Duration::from_secs(60), h)
                .await
                .expect("converged in time")
                .expect("client"),
        );
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    figure(
        &format!("poke-to-converged p50, {clients} clients ({db})"),
        pct(0.5),
        "ms",
        "write through the API → SSE poke → pull → row visible",
    );
    figure(
        &format!("poke-to-converged p99, {clients} clients ({db})"),
        pct(0.99),
        "ms",
        "goal: under 1 s",
    );
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    for (db, kind) in [("SQLite", TestDb::Sqlite), ("PostgreSQL", TestDb::Postgres)] {
        if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(db)) {
            continue;
        }
        let server = TestServer::start(TestOptions {
            db: kind,
            ..Default::default()
        })
        .await;
        initial_sync(&server, db, 5_000).await;
        initial_sync(&server, db, 50_000).await;
        push_many(&server, db, 10_000).await;
        poke_to_converged(&server, db, 100).await;
        server.stop().await;
    }
    figure(
        "peak memory, engine and server in one process",
        peak_rss_mib(),
        "MiB",
        "VmHWM; an upper bound for the engine alone",
    );
}
