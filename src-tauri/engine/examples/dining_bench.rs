//! Dining "lunch rush" benchmark, run by `cargo xtask bench dining` (release
//! build). Prints one JSON figure per line: `{"name", "value", "unit", "note"}`.
//!
//! The demo campus (2 canteens, 20 windows, 300 dishes, 4,000 students with
//! a card and ¥50–¥500 each) at lunch: every student orders ahead and pays
//! (a ledger hold) at a random instant between 10:30 and 11:00 campus time,
//! while the 20 windows' kiosks sell to walk-in customers alongside (a
//! walk-in order and a card charge every 30 simulated seconds at each
//! window). The server runs on an injected clock that goes 10× real time
//! ([`FastClock`]), so the 30 simulated minutes take 3 real ones; it starts
//! at 10:25 (the server seeds on it, the day's portions are prepared, the
//! cashiers sign in) and each request is sent on its schedule whether or not
//! earlier ones have answered (open loop).
//!
//! A student reads their canteen's menu, picks a window (looking at others
//! when the first has no dish left or no pickup slot open), one or two dishes
//! with portions left and the earliest open slot at or after their arrival
//! plus 10 minutes (the slot under way then counts), and orders. Lunch has
//! 17 such slots from 10:40 at each window: 4,080 places for 4,000 students,
//! so the last ones to order look through several windows. Refused because the slot filled or a dish
//! sold out meanwhile, they choose again once with fresh numbers (as the app
//! would); a second refusal, a refusal for money or any error is a failed
//! operation. A kiosk sale whose dish sold out is retried once with another.
//!
//! Students' logins are **minted**, not made through `/auth/login`: 4,000
//! argon2 verifications would take minutes on the 2-core runners and measure
//! nothing dining does. Each student gets a session row (like the one login
//! writes, without its audit row) and an access token signed with the
//! server's key (`state.keys.sign`), so every request still passes the
//! ordinary authentication (token signature, session row, user, roles).
//! The two cashiers do log in.
//!
//! After the rush the database is checked: no slot booked over its capacity
//! (by its counter and by counting its orders), no dish's portions below
//! zero or ordered beyond its total, every order acknowledged to a student
//! stored, and the ledger audit balances.
//!
//! SQLite by default (the rush takes 3 real minutes whatever the database;
//! the report's budget is about 5). `dining_bench PostgreSQL` runs it on
//! PostgreSQL instead (`dining_bench SQLite PostgreSQL` both), which seeds
//! the 4,000 students itself and is slower to start.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use houqin_server::entities::{
    canteen_windows, cards, ledger_accounts, order_lines, orders, portions, slot_loads, users,
    wallets,
};
use houqin_server::seed::Scale;
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::clock::Clock;
use houqin_shared::dining::slot_start;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "common/mod.rs"]
mod common;
use common::{FastClock, figure, percentile};

/// How much faster than real time the server's clock goes.
const SPEED: u32 = 10;
const STUDENTS: usize = 4_000;
const RUSH_MINUTES: i64 = 30;
/// A kiosk sale at each window every this many simulated seconds.
const KIOSK_EVERY_SECS: i64 = 30;
/// Students pick up in the slot under way this long after they order, or a
/// later one. (Only slots starting that long after would leave no student
/// the 10:40 slot: 16 slots × 12 × 20 windows = 3,840 places for 4,000.)
const LEAD_MINUTES: i64 = 10;
const SEED: u64 = 0x4c55_4e43_4832_3032;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The campus day of the rush (a Wednesday, no holiday).
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).expect("a date")
}

/// 10:25 campus time (UTC+8): the clock's start.
fn clock_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 2, 25, 0)
        .single()
        .expect("an instant")
}

/// 10:30 campus time: lunch opens, the rush begins.
fn rush_start() -> DateTime<Utc> {
    clock_start() + chrono::Duration::minutes(5)
}

/// A canteen's lunch as its menu says: each dish's window and price, and
/// the portions left.
#[derive(Default, Clone)]
struct Menu {
    dishes: Vec<(Uuid, Uuid)>,
    left: HashMap<Uuid, u64>,
}

impl Menu {
    fn parse(v: &Value) -> Menu {
        let uuid = |v: &Value| v.as_str().and_then(|s| Uuid::parse_str(s).ok());
        let mut menu = Menu::default();
        for d in v["dishes"].as_array().into_iter().flatten() {
            if let (Some(id), Some(w)) = (uuid(&d["id"]), uuid(&d["window_id"])) {
                menu.dishes.push((id, w));
            }
        }
        let today = day().to_string();
        for p in v["portions"].as_array().into_iter().flatten() {
            if p["period"] == "lunch"
                && p["day"] == today.as_str()
                && let Some(id) = uuid(&p["dish_id"])
            {
                menu.left.insert(id, p["left"].as_u64().unwrap_or(0));
            }
        }
        menu
    }

    /// The window's lunch dishes with portions left, but `avoid`.
    fn available(&self, window: Uuid, avoid: &HashSet<Uuid>) -> Vec<Uuid> {
        self.dishes
            .iter()
            .filter(|(id, w)| {
                *w == window && !avoid.contains(id) && self.left.get(id).copied().unwrap_or(0) > 0
            })
            .map(|(id, _)| *id)
            .collect()
    }
}

/// What every simulated person shares.
struct Rush {
    http: reqwest::Client,
    base: String,
    clock: Arc<FastClock>,
    /// Every window and its canteen.
    windows: Vec<(Uuid, Uuid)>,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    order_ms: Vec<f64>,
    menu_ms: Vec<f64>,
    walk_in_ms: Vec<f64>,
    charge_ms: Vec<f64>,
    /// Real time a task started after its schedule (the runtime's lag).
    late_ms: Vec<f64>,
    placed: Vec<Uuid>,
    placed_on_retry: usize,
    looked_elsewhere: usize,
    sales: usize,
    sale_retries: usize,
    first_sent: Option<Instant>,
    last_answered: Option<Instant>,
    failures: BTreeMap<String, usize>,
    examples: Vec<String>,
}

impl Stats {
    fn fail(&mut self, kind: &str, detail: String) {
        *self.failures.entry(kind.to_owned()).or_default() += 1;
        if self.examples.len() < 5 {
            eprintln!("dining_bench: {kind}: {detail}");
            self.examples.push(detail);
        }
    }

    fn failed(&self) -> usize {
        self.failures.values().sum()
    }
}

/// An answer: status, body, and how long it took.
struct Answer {
    status: StatusCode,
    body: Value,
    took: Duration,
}

impl Answer {
    fn field(&self) -> Option<&str> {
        self.body["field"]
            .as_str()
            .or_else(|| self.body["error"]["field"].as_str())
    }
}

impl Rush {
    fn canteen_of(&self, window: Uuid) -> Uuid {
        self.windows
            .iter()
            .find(|(w, _)| *w == window)
            .map(|(_, c)| *c)
            .expect("a window of the campus")
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let started = Instant::now();
        match req.send().await {
            Ok(r) => {
                let status = r.status();
                let body = r.json().await.unwrap_or(Value::Null);
                Answer {
                    status,
                    body,
                    took: started.elapsed(),
                }
            }
            Err(e) => Answer {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: json!({ "message": format!("request failed: {e}") }),
                took: started.elapsed(),
            },
        }
    }

    async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    async fn menu(&self, token: &str, canteen: Uuid) -> Result<Menu, String> {
        let a = self
            .get(
                token,
                &format!("/dining/canteens/{canteen}/menu?day={}", day()),
            )
            .await;
        self.stats.lock().expect("stats").menu_ms.push(ms(a.took));
        if a.status != StatusCode::OK {
            return Err(format!("menu: {} {}", a.status, a.body));
        }
        Ok(Menu::parse(&a.body))
    }

    async fn open_slots(&self, token: &str, window: Uuid) -> Result<Vec<DateTime<Utc>>, String> {
        let a = self
            .get(
                token,
                &format!("/dining/windows/{window}/slots?day={}&period=lunch", day()),
            )
            .await;
        if a.status != StatusCode::OK {
            return Err(format!("slots: {} {}", a.status, a.body));
        }
        Ok(a.body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["start"].as_str())
            .filter_map(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .collect())
    }
}

/// A student's choice: a window, its earliest fitting slot, dishes there.
struct Choice {
    window: Uuid,
    slot: DateTime<Utc>,
    dishes: Vec<Uuid>,
}

/// What a student avoids when choosing again.
#[derive(Default)]
struct Avoid {
    slot: Option<(Uuid, DateTime<Utc>)>,
    dishes: HashSet<Uuid>,
}

/// Looks at `first`, then the other windows in a random order, for one with
/// a slot at or after `earliest` and dishes left; reads menus as needed.
async fn choose(
    rush: &Rush,
    token: &str,
    rng: &mut ChaCha8Rng,
    first: Uuid,
    earliest: DateTime<Utc>,
    menus: &mut HashMap<Uuid, Menu>,
    avoid: &Avoid,
) -> Result<Option<(Choice, usize)>, String> {
    let mut others: Vec<Uuid> = rush
        .windows
        .iter()
        .map(|(w, _)| *w)
        .filter(|w| *w != first)
        .collect();
    others.shuffle(rng);
    for (looked, window) in std::iter::once(first).chain(others).enumerate() {
        let canteen = rush.canteen_of(window);
        if let Entry::Vacant(e) = menus.entry(canteen) {
            e.insert(rush.menu(token, canteen).await?);
        }
        let mut dishes = menus[&canteen].available(window, &avoid.dishes);
        if dishes.is_empty() {
            continue;
        }
        let slot = rush
            .open_slots(token, window)
            .await?
            .into_iter()
            .find(|s| *s >= earliest && avoid.slot != Some((window, *s)));
        let Some(slot) = slot else {
            continue;
        };
        dishes.shuffle(rng);
        dishes.truncate(rng.random_range(1..=2));
        return Ok(Some((
            Choice {
                window,
                slot,
                dishes,
            },
            looked,
        )));
    }
    Ok(None)
}

/// One student: arrives at `arrival` (simulated), chooses, orders, and
/// chooses again once if refused for a full slot or a sold-out dish.
async fn student(rush: Arc<Rush>, n: usize, token: String, arrival: DateTime<Utc>) {
    let at = rush.clock.instant_of(arrival);
    tokio::time::sleep_until(at.into()).await;
    let late = Instant::now().saturating_duration_since(at);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ (n as u64).wrapping_mul(0x9E37_79B9));
    let first = rush.windows[rng.random_range(0..rush.windows.len())].0;
    // The slot under way 10 minutes from now, or a later one.
    let earliest = slot_start(rush.clock.now() + chrono::Duration::minutes(LEAD_MINUTES));
    let mut menus = HashMap::new();
    let mut avoid = Avoid::default();
    {
        let mut s = rush.stats.lock().expect("stats");
        s.late_ms.push(ms(late));
        s.first_sent = Some(s.first_sent.map_or(at, |f| f.min(at)));
    }
    for attempt in 0..2 {
        let choice =
            match choose(&rush, &token, &mut rng, first, earliest, &mut menus, &avoid).await {
                Ok(Some(c)) => c,
                Ok(None) => {
                    rush.stats.lock().expect("stats").fail(
                        "no window with a slot and a dish left",
                        format!("student {n} at {arrival}"),
                    );
                    return;
                }
                Err(e) => {
                    rush.stats
                        .lock()
                        .expect("stats")
                        .fail("error", format!("student {n}: {e}"));
                    return;
                }
            };
        let (choice, looked) = choice;
        let lines: Vec<Value> = choice
            .dishes
            .iter()
            .map(|d| json!({"dish_id": d, "quantity": 1}))
            .collect();
        let id = Uuid::now_v7();
        let a = rush
            .post(
                &token,
                "/dining/orders",
                &json!({"id": id, "window_id": choice.window, "day": day(), "period": "lunch",
                    "slot": choice.slot, "lines": lines}),
            )
            .await;
        let mut s = rush.stats.lock().expect("stats");
        s.order_ms.push(ms(a.took));
        s.last_answered = Some(Instant::now());
        if looked > 0 {
            s.looked_elsewhere += 1;
        }
        if a.status == StatusCode::CREATED {
            s.placed.push(id);
            if attempt > 0 {
                s.placed_on_retry += 1;
            }
            return;
        }
        let field = a.field().map(str::to_owned);
        let retryable = a.status == StatusCode::CONFLICT
            && field
                .as_deref()
                .is_some_and(|f| f == "slot" || f.starts_with("lines."));
        if !retryable || attempt == 1 {
            let kind = match (a.status, field.as_deref()) {
                (StatusCode::CONFLICT, Some("slot")) => "slot full twice",
                (StatusCode::CONFLICT, Some(f)) if f.starts_with("lines.") => "sold out twice",
                (StatusCode::CONFLICT, None) => "not enough money",
                _ => "error",
            };
            s.fail(kind, format!("student {n}: {} {}", a.status, a.body));
            return;
        }
        drop(s);
        // Choose again with fresh numbers, without what was refused.
        match field.as_deref() {
            Some("slot") => avoid.slot = Some((choice.window, choice.slot)),
            Some(f) => {
                let i: usize = f
                    .trim_start_matches("lines.")
                    .trim_end_matches(".dish_id")
                    .parse()
                    .unwrap_or(0);
                if let Some(d) = choice.dishes.get(i) {
                    avoid.dishes.insert(*d);
                }
                menus.clear();
            }
            None => {}
        }
    }
}

/// One window's kiosk: a walk-in sale at each of `times`, each paid by card
/// by the next of `payers`.
async fn kiosk(
    rush: Arc<Rush>,
    window: Uuid,
    token: String,
    times: Vec<DateTime<Utc>>,
    payers: Arc<Mutex<Vec<String>>>,
    seed: u64,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let canteen = rush.canteen_of(window);
    let mut menu: Option<Menu> = None;
    for (k, at) in times.into_iter().enumerate() {
        let at = rush.clock.instant_of(at);
        tokio::time::sleep_until(at.into()).await;
        if k % 10 == 0 {
            // The kiosk's menu is synced; refresh it now and then.
            menu = None;
        }
        let mut avoid = HashSet::new();
        let mut sold = None;
        for attempt in 0..2 {
            if menu.is_none() {
                match rush.menu(&token, canteen).await {
                    Ok(m) => menu = Some(m),
                    Err(e) => {
                        rush.stats
                            .lock()
                            .expect("stats")
                            .fail("error", format!("kiosk: {e}"));
                        break;
                    }
                }
            }
            let dishes = menu
                .as_ref()
                .map(|m| m.available(window, &avoid))
                .unwrap_or_default();
            let Some(dish) = dishes.get(rng.random_range(0..dishes.len().max(1))) else {
                rush.stats
                    .lock()
                    .expect("stats")
                    .fail("kiosk: nothing left to sell", format!("window {window}"));
                break;
            };
            let a = rush
                .post(
                    &token,
                    "/dining/walk-ins",
                    &json!({"id": Uuid::now_v7(), "window_id": window, "period": "lunch",
                        "lines": [{"dish_id": dish, "quantity": 1}]}),
                )
                .await;
            rush.stats
                .lock()
                .expect("stats")
                .walk_in_ms
                .push(ms(a.took));
            if a.status == StatusCode::CREATED {
                sold = a.body["total"].as_i64();
                break;
            }
            let sold_out = a.status == StatusCode::CONFLICT
                && a.field().is_some_and(|f| f.starts_with("lines."));
            let mut s = rush.stats.lock().expect("stats");
            if !sold_out || attempt == 1 {
                let kind = if sold_out {
                    "kiosk: sold out twice"
                } else {
                    "error"
                };
                s.fail(kind, format!("walk-in: {} {}", a.status, a.body));
                break;
            }
            s.sale_retries += 1;
            avoid.insert(*dish);
            menu = None;
        }
        let Some(amount) = sold else {
            continue;
        };
        let uid = payers.lock().expect("payers").pop().expect("enough payers");
        let a = rush
            .post(
                &token,
                "/payments/charges",
                &json!({"id": Uuid::now_v7(), "window_id": window,
                    "payer": {"method": "card", "uid": uid}, "amount": amount}),
            )
            .await;
        let mut s = rush.stats.lock().expect("stats");
        s.charge_ms.push(ms(a.took));
        if a.status == StatusCode::OK && a.body["approved"] == true {
            s.sales += 1;
        } else {
            s.fail("kiosk charge", format!("charge: {} {}", a.status, a.body));
        }
    }
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
    r["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{username} cannot sign in: {r}"))
        .to_string()
}

/// Card uids of students who can afford a kiosk meal beside their order
/// (¥100 or more: an order is at most ¥35, a kiosk meal at most ¥17.50),
/// shuffled.
async fn kiosk_payers(
    server: &TestServer,
    students: &[users::Model],
    rng: &mut ChaCha8Rng,
) -> Vec<String> {
    let conn = &server.state.db.conn;
    let balance: HashMap<Uuid, i64> = ledger_accounts::Entity::find()
        .filter(ledger_accounts::Column::Kind.eq("wallet"))
        .all(conn)
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| (a.id, a.credits_posted - a.debits_posted - a.debits_pending))
        .collect();
    let wallet: HashMap<Uuid, Uuid> = wallets::Entity::find()
        .all(conn)
        .await
        .expect("wallets")
        .into_iter()
        .map(|w| (w.user_id, w.wallet_account_id))
        .collect();
    let card: HashMap<Uuid, String> = cards::Entity::find()
        .all(conn)
        .await
        .expect("cards")
        .into_iter()
        .map(|c| (c.user_id, c.uid))
        .collect();
    let mut out: Vec<String> = students
        .iter()
        .filter(|u| {
            wallet
                .get(&u.id)
                .and_then(|a| balance.get(a))
                .is_some_and(|b| *b >= 10_000)
        })
        .filter_map(|u| card.get(&u.id).cloned())
        .collect();
    out.shuffle(rng);
    out
}

/// What the database says after the rush.
struct Check {
    slots: usize,
    overbooked: usize,
    portions_rows: usize,
    oversold: usize,
    app_orders: usize,
    missing: usize,
}

async fn check(server: &TestServer, placed: &[Uuid]) -> Check {
    let conn = &server.state.db.conn;
    let day_text = day().to_string();
    let loads = slot_loads::Entity::find()
        .all(conn)
        .await
        .expect("slot loads");
    let all_orders = orders::Entity::find()
        .filter(orders::Column::Day.eq(&day_text))
        .all(conn)
        .await
        .expect("orders");
    let mut per_slot: HashMap<(Uuid, DateTime<Utc>), i32> = HashMap::new();
    for o in all_orders
        .iter()
        .filter(|o| o.source == "app" && o.status != "cancelled")
    {
        *per_slot.entry((o.window_id, o.slot)).or_default() += 1;
    }
    let overbooked = loads
        .iter()
        .filter(|l| {
            l.booked > l.capacity
                || per_slot.get(&(l.window_id, l.start)).copied().unwrap_or(0) > l.capacity
        })
        .count();
    // Every slot with orders has its counter row.
    let counted: HashSet<(Uuid, DateTime<Utc>)> =
        loads.iter().map(|l| (l.window_id, l.start)).collect();
    let uncounted = per_slot.keys().filter(|k| !counted.contains(k)).count();

    let kept: HashSet<Uuid> = all_orders
        .iter()
        .filter(|o| o.period == "lunch" && o.status != "cancelled")
        .map(|o| o.id)
        .collect();
    let mut ordered: HashMap<Uuid, i64> = HashMap::new();
    for l in order_lines::Entity::find()
        .all(conn)
        .await
        .expect("order lines")
    {
        if kept.contains(&l.order_id) {
            *ordered.entry(l.dish_id).or_default() += i64::from(l.quantity);
        }
    }
    let rows = portions::Entity::find()
        .filter(portions::Column::Day.eq(&day_text))
        .filter(portions::Column::Period.eq("lunch"))
        .all(conn)
        .await
        .expect("portions");
    let oversold = rows
        .iter()
        .filter(|p| {
            let taken = ordered.get(&p.dish_id).copied().unwrap_or(0);
            p.left_count < 0
                || taken > i64::from(p.total)
                || i64::from(p.total - p.left_count) != taken
        })
        .count();
    let stored: HashSet<Uuid> = all_orders.iter().map(|o| o.id).collect();
    Check {
        slots: loads.len(),
        overbooked: overbooked + uncounted,
        portions_rows: rows.len(),
        oversold,
        app_orders: all_orders.iter().filter(|o| o.source == "app").count(),
        missing: placed.iter().filter(|id| !stored.contains(id)).count(),
    }
}

async fn lunch_rush(db: &str, kind: TestDb) {
    let setup = Instant::now();
    let clock = Arc::new(FastClock::new(clock_start(), SPEED));
    let server = TestServer::start(TestOptions {
        db: kind,
        scale: Scale::default(),
        clock: Some(clock.clone()),
        // The simulated hours outlast the default 15 minutes.
        access_ttl: chrono::Duration::hours(6),
        ..Default::default()
    })
    .await;
    let conn = &server.state.db.conn;
    let mut students: Vec<users::Model> = users::Entity::find()
        .filter(
            Condition::any()
                .add(users::Column::Username.eq("student"))
                .add(users::Column::Username.starts_with("s2026")),
        )
        .all(conn)
        .await
        .expect("students");
    students.sort_by(|a, b| a.username.cmp(&b.username));
    assert_eq!(students.len(), STUDENTS, "the demo campus's students");
    let mut windows: Vec<(Uuid, Uuid)> = canteen_windows::Entity::find()
        .all(conn)
        .await
        .expect("windows")
        .into_iter()
        .map(|w| (w.id, w.canteen_id))
        .collect();
    windows.sort();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let tokens = server
        .mint_tokens(&students, chrono::Duration::hours(6))
        .await;
    let payers = kiosk_payers(&server, &students, &mut rng).await;
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let mut cashiers: HashMap<Uuid, String> = HashMap::new();
    for name in ["cashier", "c001"] {
        let token = login(&http, &base, name).await;
        let me: Value = http
            .get(format!("{base}/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("json");
        for s in me["scopes"].as_array().into_iter().flatten() {
            if s["kind"] == "canteen"
                && let Some(c) = s["id"].as_str().and_then(|c| Uuid::parse_str(c).ok())
            {
                cashiers.insert(c, token.clone());
            }
        }
    }
    let rush = Arc::new(Rush {
        http,
        base,
        clock: clock.clone(),
        windows: windows.clone(),
        stats: Mutex::new(Stats::default()),
    });
    // The day's portions, as the server's housekeeping would have made them.
    for (_, canteen) in &windows {
        rush.menu(&tokens[0], *canteen).await.expect("menu");
    }
    rush.stats.lock().expect("stats").menu_ms.clear();
    let setup = setup.elapsed();

    // The schedule: each student's arrival, each window's kiosk sales.
    let rush_len = chrono::Duration::minutes(RUSH_MINUTES);
    let mut arrivals: Vec<DateTime<Utc>> = (0..STUDENTS)
        .map(|_| {
            rush_start()
                + chrono::Duration::milliseconds(rng.random_range(0..rush_len.num_milliseconds()))
        })
        .collect();
    arrivals.shuffle(&mut rng);
    let sales_per_window = (RUSH_MINUTES * 60 / KIOSK_EVERY_SECS) as usize;
    let needed = sales_per_window * windows.len();
    assert!(
        payers.len() >= needed,
        "{} payers for {needed} kiosk sales",
        payers.len()
    );
    let payers = Arc::new(Mutex::new(payers));

    clock.go();
    let mut tasks = Vec::new();
    for (w, (window, canteen)) in windows.iter().enumerate() {
        let token = cashiers
            .get(canteen)
            .unwrap_or_else(|| panic!("no cashier signed in for canteen {canteen}"))
            .clone();
        let times: Vec<DateTime<Utc>> = (0..sales_per_window)
            .map(|k| {
                rush_start()
                    + chrono::Duration::seconds(KIOSK_EVERY_SECS * k as i64)
                    + chrono::Duration::milliseconds(rng.random_range(0..KIOSK_EVERY_SECS * 1000))
            })
            .collect();
        tasks.push(tokio::spawn(kiosk(
            rush.clone(),
            *window,
            token,
            times,
            payers.clone(),
            SEED.wrapping_add(w as u64),
        )));
    }
    for (n, (token, arrival)) in tokens.into_iter().zip(arrivals).enumerate() {
        tasks.push(tokio::spawn(student(rush.clone(), n, token, arrival)));
    }
    for t in tasks {
        t.await.expect("a simulated person");
    }
    let sim_end = clock.now();

    let mut s = std::mem::take(&mut *rush.stats.lock().expect("stats"));
    for v in [
        &mut s.order_ms,
        &mut s.menu_ms,
        &mut s.walk_in_ms,
        &mut s.charge_ms,
        &mut s.late_ms,
    ] {
        v.sort_by(f64::total_cmp);
    }
    let checked = check(&server, &s.placed).await;
    let audit = houqin_server::ledger::audit(&server.state.db)
        .await
        .expect("audit");
    assert!(
        audit.balanced(),
        "the books must balance after the lunch rush: {audit:?}"
    );

    let placed = s.placed.len();
    let span = match (s.first_sent, s.last_answered) {
        (Some(a), Some(b)) => b.saturating_duration_since(a).as_secs_f64(),
        _ => f64::NAN,
    };
    let campus = |t: DateTime<Utc>| {
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%H:%M")
            .to_string()
    };
    let how = format!(
        "{STUDENTS} students, 10:30–11:00 at {SPEED}× (3 real min), 20 windows, logins minted (no argon2); SQLite unless asked (`dining_bench PostgreSQL`)"
    );
    figure(
        &format!("lunch rush: orders placed ({db})"),
        placed as f64,
        "orders",
        &format!(
            "{how}; {} placed on a second choice, {} looked past their first window; goal: {STUDENTS}",
            s.placed_on_retry, s.looked_elsewhere
        ),
    );
    figure(
        &format!("lunch rush: kiosk sales ({db})"),
        s.sales as f64,
        "sales",
        &format!(
            "walk-in order + card charge every {KIOSK_EVERY_SECS} simulated s at each window; {} retried once after a sold-out dish",
            s.sale_retries
        ),
    );
    let breakdown = if s.failures.is_empty() {
        "none".to_owned()
    } else {
        s.failures
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    figure(
        &format!("lunch rush: failed operations ({db})"),
        s.failed() as f64,
        "ops",
        &format!(
            "orders refused after one retry, kiosk sales failed, errors ({breakdown}); goal: 0"
        ),
    );
    let order_note = format!(
        "{} POST /dining/orders (refusals included), open loop; menu p99 {:.1} ms",
        s.order_ms.len(),
        percentile(&s.menu_ms, 0.99)
    );
    figure(
        &format!("order placement p50 ({db})"),
        percentile(&s.order_ms, 0.5),
        "ms",
        &order_note,
    );
    figure(
        &format!("order placement p99 ({db})"),
        percentile(&s.order_ms, 0.99),
        "ms",
        &order_note,
    );
    let charge_note = format!(
        "{} card charges at the kiosks during the rush; walk-in order p99 {:.1} ms",
        s.charge_ms.len(),
        percentile(&s.walk_in_ms, 0.99)
    );
    figure(
        &format!("kiosk charge p50 ({db})"),
        percentile(&s.charge_ms, 0.5),
        "ms",
        &charge_note,
    );
    figure(
        &format!("kiosk charge p99 ({db})"),
        percentile(&s.charge_ms, 0.99),
        "ms",
        &charge_note,
    );
    figure(
        &format!("lunch rush: orders/s achieved ({db})"),
        placed as f64 / span,
        "orders/s",
        &format!(
            "placed ÷ {span:.0} real s from the first arrival to the last answer; offered {:.1}/s; tasks started late by p99 {:.1} ms; simulated clock ended at {}",
            STUDENTS as f64 / (RUSH_MINUTES * 60 / i64::from(SPEED)) as f64,
            percentile(&s.late_ms, 0.99),
            campus(sim_end)
        ),
    );
    figure(
        &format!("lunch rush: slots overbooked ({db})"),
        checked.overbooked as f64,
        "slots",
        &format!(
            "of {} slots with bookings: booked > capacity, or more orders than capacity, in the database; goal: 0",
            checked.slots
        ),
    );
    figure(
        &format!("lunch rush: portions oversold ({db})"),
        checked.oversold as f64,
        "dishes",
        &format!(
            "of {} lunch portions rows: left < 0, or left ≠ total − ordered; {} app orders stored, {} acknowledged but missing; ledger audit balanced; setup (seed, {STUDENTS} sessions, menus) {:.1} s; goal: 0",
            checked.portions_rows,
            checked.app_orders,
            checked.missing,
            setup.as_secs_f64()
        ),
    );
    server.stop().await;
}

#[tokio::main]
async fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |name: &str| {
        if only.is_empty() {
            // The rush takes 3 real minutes on any database: one by default.
            name == "SQLite"
        } else {
            only.iter().any(|o| o.eq_ignore_ascii_case(name))
        }
    };
    for (db, kind) in [("SQLite", TestDb::Sqlite), ("PostgreSQL", TestDb::Postgres)] {
        if wanted(db) {
            lunch_rush(db, kind).await;
        }
    }
}
