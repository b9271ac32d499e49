//! Payments benchmarks, run by `cargo xtask bench payments` (release build).
//! Prints one JSON figure per line: `{"name", "value", "unit", "note"}`.
//!
//! - **Throughput**, on SQLite and PostgreSQL: card payments per second
//!   through the HTTP API (16 kiosks at once, each paying for its own
//!   payers, 1 fen a sale) beside raw SQL doing the same row work in the
//!   same run and the same database: find the card and the wallet, move the
//!   money between two ledger accounts under the limit check, record the
//!   transfer and the sale, and sync the payer's balance (a row and a scope
//!   version) — one transaction per payment, the same 16 at once, without
//!   HTTP, JSON, authentication or the ledger's idempotency checks.
//! - **Latency at half load**: p50 and p99 of charges sent at half the
//!   measured API rate (open loop: sent on schedule whether or not earlier
//!   ones have answered).
//! - **Tap-to-approved** at the kiosk, through the real pcscd and the vpcd
//!   virtual reader (a virtual SAM in the second slot): from the moment
//!   pcscd reports the card present, through reading and authenticating it
//!   and charging, to the approval; online (the engine charges through the
//!   server) and offline (the server gone; the engine decides and commits
//!   the sale to its outbox). Needs pcscd running (the README's test
//!   command starts it); skipped with a note otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use houqin_card::applet::{CardApplet, SamApplet};
use houqin_card::crypto::hex;
use houqin_card::vpcd::VirtualCard;
use houqin_engine::{Engine, EngineConfig};
use houqin_server::entities::{canteen_windows, cards, ledger_accounts, users, wallets};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::accounts::LoginRequest;
use houqin_shared::ids::{TransferId, WindowId};
use houqin_shared::payments::{Charge, Payer};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "common/mod.rs"]
mod common;
use common::{figure, percentile};

const KIOSKS: usize = 16;
const PAYMENTS: usize = 3_000;
const HALF_LOAD_SECS: u64 = 6;
const TAPS: usize = 40;
const MASTER: [u8; 16] = *b"bench-kiosk-mstr";
const SLOTS: (&str, &str) = ("Virtual PCD 00 00", "Virtual PCD 00 01");

struct Payer1 {
    user: Uuid,
    uid: String,
    wallet_account: Uuid,
}

/// Every payer with a card and a wallet on the campus.
async fn payers(server: &TestServer) -> Vec<Payer1> {
    let conn = &server.state.db.conn;
    let mut out = Vec::new();
    for c in cards::Entity::find().all(conn).await.expect("cards") {
        if let Some(w) = wallets::Entity::find_by_id(c.user_id)
            .one(conn)
            .await
            .expect("wallet")
        {
            out.push(Payer1 {
                user: c.user_id,
                uid: c.uid,
                wallet_account: w.wallet_account_id,
            });
        }
    }
    out
}

async fn login(http: &reqwest::Client, base: &str, username: &str) -> String {
    let r: Value = http
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": username, "password": "demo", "device_id": Uuid::now_v7().to_string()}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    r["access_token"].as_str().expect("token").to_string()
}

async fn cashier_window(server: &TestServer) -> (Uuid, Uuid) {
    let conn = &server.state.db.conn;
    let cashier = users::Entity::find()
        .filter(users::Column::Username.eq("cashier"))
        .one(conn)
        .await
        .expect("q")
        .expect("cashier");
    let scope = houqin_server::entities::user_scopes::Entity::find()
        .filter(houqin_server::entities::user_scopes::Column::UserId.eq(cashier.id))
        .filter(houqin_server::entities::user_scopes::Column::Kind.eq("canteen"))
        .one(conn)
        .await
        .expect("q")
        .expect("a canteen");
    let window = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CanteenId.eq(scope.ref_id))
        .one(conn)
        .await
        .expect("q")
        .expect("a window");
    (cashier.campus_id, window.id)
}

/// One charge through the API; answers its latency.
async fn charge(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    window: Uuid,
    uid: &str,
) -> Duration {
    let started = Instant::now();
    let r = http
        .post(format!("{base}/payments/charges"))
        .bearer_auth(token)
        .json(&json!({"id": Uuid::now_v7(), "window_id": window,
            "payer": {"method": "card", "uid": uid}, "amount": 1}))
        .send()
        .await
        .expect("charge");
    let status = r.status();
    let body: Value = r.json().await.expect("json");
    assert!(
        status == 200 && body["approved"] == true,
        "a benchmark charge failed: {status} {body}"
    );
    started.elapsed()
}

async fn api_throughput(server: &TestServer, window: Uuid, payers: &Arc<Vec<Payer1>>) -> f64 {
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let mut tokens = Vec::new();
    for _ in 0..KIOSKS {
        tokens.push(login(&http, &base, "cashier").await);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, token) in tokens.into_iter().enumerate() {
        let (http, base, payers) = (http.clone(), base.clone(), payers.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = k;
            for _ in 0..PAYMENTS / KIOSKS {
                charge(&http, &base, &token, window, &payers[i % payers.len()].uid).await;
                i += KIOSKS;
            }
        }));
    }
    for t in tasks {
        t.await.expect("kiosk");
    }
    (PAYMENTS / KIOSKS * KIOSKS) as f64 / started.elapsed().as_secs_f64()
}

/// `?` placeholders for SQLite, `$n` for PostgreSQL.
fn sql(backend: DbBackend, text: &str) -> String {
    if backend == DbBackend::Sqlite {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut n = 0;
    for c in text.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// The same row work as a charge, in plain SQL: one transaction per payment.
async fn raw_payment(
    db: &houqin_server::db::Db,
    campus: Uuid,
    window: Uuid,
    till: Uuid,
    payer: &Payer1,
) {
    let backend = db.conn.get_database_backend();
    let st = |text: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(backend, sql(backend, text), values)
    };
    let tx = db.write().await.expect("begin");
    let card = tx
        .query_one_raw(st(
            "SELECT user_id FROM cards WHERE campus_id = ? AND uid = ?",
            vec![campus.into(), payer.uid.clone().into()],
        ))
        .await
        .expect("card");
    assert!(card.is_some());
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    tx.query_one_raw(st(
        &format!(
            "SELECT wallet_account_id, subsidy_account_id FROM wallets WHERE user_id = ?{lock}"
        ),
        vec![payer.user.into()],
    ))
    .await
    .expect("wallet");
    tx.query_one_raw(st(
        "SELECT debits_posted, credits_posted, debits_pending, credit_limit FROM ledger_accounts WHERE id = ?",
        vec![payer.wallet_account.into()],
    ))
    .await
    .expect("account");
    let moved = tx
        .execute_raw(st(
            "UPDATE ledger_accounts SET debits_posted = debits_posted + 1, updated_at = ?
             WHERE id = ? AND debits_posted + debits_pending + 1 <= credits_posted + credit_limit",
            vec![chrono::Utc::now().into(), payer.wallet_account.into()],
        ))
        .await
        .expect("debit");
    assert_eq!(moved.rows_affected(), 1, "a raw payment overdrew");
    tx.execute_raw(st(
        "UPDATE ledger_accounts SET credits_posted = credits_posted + 1, updated_at = ? WHERE id = ?",
        vec![chrono::Utc::now().into(), till.into()],
    ))
    .await
    .expect("credit");
    let id = Uuid::now_v7();
    tx.execute_raw(st(
        "INSERT INTO ledger_transfers (id, campus_id, debit_account_id, credit_account_id, amount,
             phase, pending_id, timeout_secs, code, linked, reference, created_at)
         VALUES (?, ?, ?, ?, 1, 'single', NULL, NULL, 'sale', ?, ?, ?)",
        vec![
            id.into(),
            campus.into(),
            payer.wallet_account.into(),
            till.into(),
            false.into(),
            format!("sale {id}").into(),
            chrono::Utc::now().into(),
        ],
    ))
    .await
    .expect("transfer");
    tx.execute_raw(st(
        "INSERT INTO sales (id, campus_id, window_id, payer_id, card_id, method, amount,
             from_subsidy, from_wallet, cashier_id, status, created_at)
         VALUES (?, ?, ?, ?, NULL, 'card', 1, 0, 1, ?, 'approved', ?)",
        vec![
            id.into(),
            campus.into(),
            window.into(),
            payer.user.into(),
            payer.user.into(),
            chrono::Utc::now().into(),
        ],
    ))
    .await
    .expect("sale");
    // The payer's balance row in their scope, and the scope's version.
    let scope = format!("user:{}", payer.user);
    tx.execute_raw(st(
        "UPDATE sync_scopes SET version = version + 1 WHERE scope = ?",
        vec![scope.clone().into()],
    ))
    .await
    .expect("scope");
    tx.execute_raw(st(
        "UPDATE sync_rows SET data = ?, updated_at = ? WHERE scope = ? AND entity = 'wallet'",
        vec![
            json!({"balance": 0, "at": id.to_string()})
                .to_string()
                .into(),
            chrono::Utc::now().into(),
            scope.into(),
        ],
    ))
    .await
    .expect("row");
    tx.commit().await.expect("commit");
}

async fn raw_throughput(
    server: &TestServer,
    campus: Uuid,
    window: Uuid,
    payers: &Arc<Vec<Payer1>>,
) -> f64 {
    let till = ledger_accounts::Entity::find()
        .filter(ledger_accounts::Column::Kind.eq("merchant_till"))
        .filter(ledger_accounts::Column::Holder.eq(window.to_string()))
        .one(&server.state.db.conn)
        .await
        .expect("q")
        .expect("the window's till (made by the API run)")
        .id;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..KIOSKS {
        let (db, payers) = (server.state.db.clone(), payers.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = k;
            for _ in 0..PAYMENTS / KIOSKS {
                raw_payment(&db, campus, window, till, &payers[i % payers.len()]).await;
                i += KIOSKS;
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    (PAYMENTS / KIOSKS * KIOSKS) as f64 / started.elapsed().as_secs_f64()
}

/// Charges sent on a fixed schedule at `rate` per second for a few seconds.
async fn half_load(
    server: &TestServer,
    window: Uuid,
    payers: &Arc<Vec<Payer1>>,
    rate: f64,
) -> Vec<f64> {
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let token = Arc::new(login(&http, &base, "cashier").await);
    let every = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let total = (rate * HALF_LOAD_SECS as f64) as usize;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..total {
        let at = started + every * n as u32;
        tokio::time::sleep_until(at.into()).await;
        let (http, base, token, payers) =
            (http.clone(), base.clone(), token.clone(), payers.clone());
        tasks.push(tokio::spawn(async move {
            charge(&http, &base, &token, window, &payers[n % payers.len()].uid).await
        }));
    }
    let mut ms = Vec::new();
    for t in tasks {
        ms.push(t.await.expect("charge").as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    ms
}

async fn throughput(db: &str, kind: TestDb) {
    let server = TestServer::start(TestOptions {
        db: kind,
        ..Default::default()
    })
    .await;
    let (campus, window) = cashier_window(&server).await;
    let payers = Arc::new(payers(&server).await);
    // Warm up (pools, the till's account, caches).
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let token = login(&http, &base, "cashier").await;
    for p in payers.iter().take(20) {
        charge(&http, &base, &token, window, &p.uid).await;
    }
    let api = api_throughput(&server, window, &payers).await;
    let raw = raw_throughput(&server, campus, window, &payers).await;
    let share = 100.0 * api / raw;
    let note = format!(
        "{KIOSKS} kiosks at once, {} payers, 1 fen each",
        payers.len()
    );
    figure(
        &format!("payments through the API ({db})"),
        api,
        "payments/s",
        &note,
    );
    figure(
        &format!("the same row work in raw SQL ({db})"),
        raw,
        "payments/s",
        "one transaction per payment, same concurrency, same database",
    );
    figure(
        &format!("API as a share of raw SQL ({db})"),
        share,
        "%",
        "goal: at least 50 %",
    );
    let ms = half_load(&server, window, &payers, api / 2.0).await;
    let note = format!(
        "{} charges at {:.0}/s (half the API's rate), open loop",
        ms.len(),
        api / 2.0
    );
    figure(
        &format!("charge latency p50 at half load ({db})"),
        percentile(&ms, 0.5),
        "ms",
        &note,
    );
    figure(
        &format!("charge latency p99 at half load ({db})"),
        percentile(&ms, 0.99),
        "ms",
        &note,
    );
    let audit = houqin_server::ledger::audit(&server.state.db)
        .await
        .expect("audit");
    assert!(
        audit.balanced(),
        "the books must balance after the benchmark: {audit:?}"
    );
    server.stop().await;
}

/// Tap-to-approved through pcscd: online, then offline.
async fn taps() {
    let Ok(reader) = houqin_card::Kiosk::open(SLOTS.0, SLOTS.1) else {
        figure(
            "tap-to-approved",
            f64::NAN,
            "ms",
            "skipped: no vpcd reader (start pcscd: scripts/test.sh does)",
        );
        return;
    };
    let _sam = VirtualCard::insert(1, Box::new(SamApplet::new(vec![(1, MASTER)]))).expect("SAM");
    reader
        .wait_for_sam(Duration::from_secs(10))
        .expect("SAM in its slot");
    reader
        .wait_for_removal(Duration::from_secs(10))
        .expect("an empty reader");
    let server = TestServer::start(TestOptions::default()).await;
    let conn = &server.state.db.conn;
    let student = users::Entity::find()
        .filter(users::Column::Username.eq("student"))
        .one(conn)
        .await
        .expect("q")
        .expect("student");
    let card = cards::Entity::find()
        .filter(cards::Column::UserId.eq(student.id))
        .one(conn)
        .await
        .expect("q")
        .expect("card");
    let (_, window) = cashier_window(&server).await;
    let uid = hex(&card.uid).expect("hex uid");
    let dir = std::env::temp_dir().join(format!("houqin-bench-kiosk-{}", Uuid::now_v7()));
    let engine = Engine::open(EngineConfig::new(&dir, server.url.clone())).expect("engine");
    engine
        .login(LoginRequest {
            username: "cashier".into(),
            password: "demo".into(),
            device_id: None,
            device_public_key: None,
        })
        .await
        .expect("login");
    engine.sync_once().await.expect("sync");
    let reader = Arc::new(reader);
    let run = |label: &'static str, server_up: bool| {
        let reader = reader.clone();
        let uid = uid.clone();
        let engine = &engine;
        async move {
            let mut ms = Vec::new();
            for _ in 0..TAPS {
                let applet = CardApplet::personalise(&uid, &MASTER, 1).expect("personalise");
                let tapped = VirtualCard::insert(0, Box::new(applet)).expect("tap");
                let r = reader.clone();
                tokio::task::spawn_blocking(move || r.wait_for_card(Duration::from_secs(10)))
                    .await
                    .expect("join")
                    .expect("card present");
                // pcscd has reported the card: the clock starts.
                let started = Instant::now();
                let r = reader.clone();
                let read = tokio::task::spawn_blocking(move || r.read())
                    .await
                    .expect("join")
                    .expect("a genuine card");
                let outcome = engine
                    .kiosk_charge(Charge {
                        id: TransferId::new(),
                        window_id: WindowId(window),
                        payer: Payer::Card {
                            uid: read.uid_hex(),
                        },
                        amount: 1,
                        pin: None,
                    })
                    .await
                    .expect("charge");
                let took = started.elapsed();
                assert!(outcome.approved, "{outcome:?}");
                assert_eq!(outcome.offline, !server_up, "{label}: {outcome:?}");
                ms.push(took.as_secs_f64() * 1000.0);
                tapped.remove();
                let r = reader.clone();
                tokio::task::spawn_blocking(move || r.wait_for_removal(Duration::from_secs(10)))
                    .await
                    .expect("join")
                    .expect("card gone");
            }
            ms
        }
    };
    let mut online = run("online", true).await;
    online.sort_by(f64::total_cmp);
    server.stop().await;
    // The first sale after the server went finds out (its connection is
    // refused); the rest go offline at once. That first one is left out.
    let mut offline: Vec<f64> = run("offline", false).await.into_iter().skip(1).collect();
    offline.sort_by(f64::total_cmp);
    let note = |goal: &str| {
        format!("{TAPS} taps through pcscd + vpcd, read and SAM-checked, 1 fen; goal: p99 ≤ {goal}")
    };
    figure(
        "tap-to-approved p50, online",
        percentile(&online, 0.5),
        "ms",
        &note("150 ms"),
    );
    figure(
        "tap-to-approved p99, online",
        percentile(&online, 0.99),
        "ms",
        &note("150 ms"),
    );
    figure(
        "tap-to-approved p50, offline",
        percentile(&offline, 0.5),
        "ms",
        &note("30 ms"),
    );
    figure(
        "tap-to-approved p99, offline",
        percentile(&offline, 0.99),
        "ms",
        &note("30 ms"),
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::main]
async fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(name));
    for (db, kind) in [("SQLite", TestDb::Sqlite), ("PostgreSQL", TestDb::Postgres)] {
        if wanted(db) {
            throughput(db, kind).await;
        }
    }
    if wanted("taps") {
        taps().await;
    }
}
