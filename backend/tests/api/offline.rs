//! The offline kiosk's settlement on both databases: two kiosks that sold
//! to the same card offline reconnect in either order (the shortfall is
//! owed, the payer hot-listed, managers told, a top-up pays and lifts it);
//! duplicate uploads and an online attempt under the same id are absorbed;
//! pay codes and unknown cards; gaps in a kiosk's sequence; bad input; then
//! the day's reconciliation, its exports, and the settlement that sweeps
//! the tills.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::clock::{Clock, FakeClock};
use houqin_shared::kiosk::hot_card_id;
use houqin_shared::paycode::{self, PayCode};
use houqin_shared::sync::{Change, Cursor, PullResponse};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::Api;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

/// A cashier's kiosk: its device id is the sync client id.
struct Kiosk {
    id: String,
    token: String,
    user_id: String,
    seq: u64,
    kiosk_seq: u64,
    cursors: Vec<Cursor>,
}

impl Kiosk {
    async fn sign_in(api: &Api, username: &str) -> Kiosk {
        let id = Uuid::now_v7().to_string();
        let r = api
            .login_full(username, "demo", Some(&id))
            .await
            .expect(200)
            .clone();
        Kiosk {
            id,
            token: r["access_token"].as_str().expect("token").into(),
            user_id: r["user"]["id"].as_str().expect("user").into(),
            seq: 0,
            kiosk_seq: 0,
            cursors: Vec::new(),
        }
    }

    fn envelope(&mut self, name: &str, payload: Value) -> Value {
        self.seq += 1;
        json!({"command_id": Uuid::now_v7(), "seq": self.seq, "user_id": self.user_id,
            "name": name, "payload": payload, "schema_version": 1,
            "created_at": "2026-11-30T03:00:00Z"})
    }

    /// An offline sale as the kiosk would queue it: the payload and its envelope.
    fn sale(&mut self, window: &str, payer: Value, amount: i64, now: DateTime<Utc>) -> Value {
        self.kiosk_seq += 1;
        json!({"id": Uuid::now_v7(), "window_id": window, "payer": payer, "amount": amount,
            "kiosk_seq": self.kiosk_seq, "at": now, "hotlist_version": 1})
    }

    /// Pushes and answers each command's outcome.
    async fn push(&mut self, api: &Api, payloads: &[Value]) -> Vec<Value> {
        let commands: Vec<Value> = payloads
            .iter()
            .map(|p| self.envelope("payments.offline_sale", p.clone()))
            .collect();
        let r = api
            .post(
                "/sync/push",
                Some(&self.token),
                json!({"client_id": self.id, "commands": commands}),
            )
            .await;
        r.expect(200)["outcomes"]
            .as_array()
            .expect("outcomes")
            .clone()
    }

    /// Pulls until the server has nothing more; answers every change seen.
    async fn pull(&mut self, api: &Api) -> Vec<Change> {
        let mut seen = Vec::new();
        loop {
            let cursors: Vec<String> = self.cursors.iter().map(Cursor::encode).collect();
            let r = api
                .get(
                    &format!(
                        "/sync/pull?client_id={}&acked={}&cursors={}",
                        self.id,
                        self.seq,
                        cursors.join(",")
                    ),
                    &self.token,
                )
                .await;
            let page: PullResponse = serde_json::from_value(r.expect(200).clone()).expect("pull");
            for s in &page.scopes {
                self.cursors.retain(|c| c.scope != s.scope);
                self.cursors.push(Cursor {
                    scope: s.scope.clone(),
                    version: s.version,
                });
                seen.extend(s.changes.iter().cloned());
            }
            if !page.more {
                return seen;
            }
        }
    }
}

fn accepted(outcome: &Value) {
    assert_eq!(outcome["status"], "accepted", "{outcome}");
}

fn card(uid: &str) -> Value {
    json!({"method": "card", "uid": uid})
}

fn chip() -> String {
    format!("04{}", &Uuid::now_v7().simple().to_string()[18..30]).to_uppercase()
}

async fn wallet(api: &Api, token: &str) -> (i64, i64) {
    let w = api.get("/wallet", token).await.expect(200).clone();
    (
        w["balance"].as_i64().expect("balance"),
        w["owed"].as_i64().expect("owed"),
    )
}

struct Student {
    id: String,
    token: String,
    chip: String,
    key: paycode::SigningKey,
    session: Uuid,
}

/// A new student with ¥10, a card and a phone with a pay-code key.
async fn student(api: &Api, admin: &str, manager: &str, name: &str) -> Student {
    let r = api
        .post(
            "/admin/users",
            Some(admin),
            json!({"username": name, "display_name": name, "password": "Offline-kiosk-42",
                "roles": ["student"]}),
        )
        .await;
    let id = r.expect(201)["id"].as_str().expect("id").to_string();
    let key = paycode::signing_key(&rand_bytes());
    let login = api
        .post(
            "/auth/login",
            None,
            json!({"username": name, "password": "Offline-kiosk-42",
                "device_id": Uuid::now_v7().to_string(),
                "device_public_key": paycode::encode_public_key(&key)}),
        )
        .await
        .expect(200)
        .clone();
    let token = login["access_token"].as_str().expect("token").to_string();
    let session = Uuid::parse_str(login["session_id"].as_str().expect("session")).expect("uuid");
    let chip = chip();
    api.post(
        "/cards",
        Some(manager),
        json!({"id": Uuid::now_v7(), "user_id": id, "uid": chip}),
    )
    .await
    .expect(201);
    api.post(
        "/wallet/top-ups",
        Some(&token),
        json!({"id": Uuid::now_v7(), "amount": 1000}),
    )
    .await
    .expect(200);
    Student {
        id,
        token,
        chip,
        key,
        session,
    }
}

fn rand_bytes() -> [u8; 32] {
    let a = Uuid::new_v4();
    let b = Uuid::new_v4();
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(a.as_bytes());
    out[16..].copy_from_slice(b.as_bytes());
    out
}

fn code(s: &Student, now: DateTime<Utc>, nonce: u32) -> String {
    PayCode {
        session: houqin_shared::ids::SessionId(s.session),
        at: now.timestamp(),
        nonce,
    }
    .sign(&s.key)
}

async fn audit_balances(api: &Api, manager: &str) {
    let audit = api
        .get("/payments/audit", manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(audit["differences"], json!([]), "{audit}");
}

/// The cashier's first window, and a window of another canteen.
async fn windows(api: &Api, cashier: &str) -> (String, String) {
    let me = api.get("/me", cashier).await.expect(200).clone();
    let mine = me["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "canteen")
        .expect("a canteen")["id"]
        .clone();
    let canteens = api
        .get("/directory/canteens", cashier)
        .await
        .expect(200)
        .clone();
    let mut own = None;
    let mut other = None;
    for c in canteens.as_array().expect("canteens") {
        let id = c["id"].as_str().expect("id");
        let w = api
            .get(&format!("/directory/canteens/{id}/windows"), cashier)
            .await
            .expect(200)[0]["id"]
            .as_str()
            .expect("window")
            .to_string();
        if c["id"] == mine {
            own = Some(w);
        } else {
            other = Some(w);
        }
    }
    (own.expect("own window"), other.expect("other window"))
}

fn latest<'a>(rows: &'a [Change], entity: &str, id: Uuid) -> Option<&'a Change> {
    rows.iter().rev().find(|c| c.entity == entity && c.id == id)
}

async fn offline_kiosks(db: TestDb) {
    let clock = Arc::new(FakeClock::at(at("2026-11-30T03:00:00Z")));
    let server = TestServer::start(TestOptions {
        db,
        clock: Some(clock.clone()),
        ..TestOptions::default()
    })
    .await;
    let api = Api::new(&server);
    let admin = api.login("admin").await;
    let manager = api.login("manager").await;
    let cashier = api.login("cashier").await;
    let (window, foreign_window) = windows(&api, &cashier).await;

    for (round, a_first) in [true, false].into_iter().enumerate() {
        let s = student(&api, &admin, &manager, &format!("offline{round}")).await;
        let mut a = Kiosk::sign_in(&api, "cashier").await;
        let mut b = Kiosk::sign_in(&api, "cashier").await;
        // Both kiosks hold the hotlist and policy, and the student's pay key.
        let rows = a.pull(&api).await;
        assert!(
            rows.iter().any(|c| c.entity == "kiosk_policy"),
            "the policy reaches kiosks"
        );
        let key = latest(&rows, "pay_key", s.session).expect("the phone's pay key");
        assert_eq!(key.data.as_ref().expect("data")["user_id"], s.id.as_str());
        b.pull(&api).await;

        // Offline, each kiosk sells ¥8 to the card that holds ¥10.
        let now = clock.now();
        let sa = a.sale(&window, card(&s.chip), 800, now);
        let sb = b.sale(&window, card(&s.chip), 800, now);
        let (first, second) = if a_first {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let (p1, p2) = if a_first { (&sa, &sb) } else { (&sb, &sa) };
        accepted(&first.push(&api, std::slice::from_ref(p1)).await[0]);
        assert_eq!(wallet(&api, &s.token).await, (200, 0));
        accepted(&second.push(&api, std::slice::from_ref(p2)).await[0]);
        // Nothing served is refused: ¥2 from the wallet, ¥6 owed.
        assert_eq!(wallet(&api, &s.token).await, (0, 600), "round {round}");
        audit_balances(&api, &manager).await;

        // The card and the person are on every kiosk's hotlist.
        let rows = a.pull(&api).await;
        let hot = latest(&rows, "hot_card", hot_card_id(&s.chip)).expect("hot-listed");
        assert_eq!(hot.data.as_ref().expect("data")["reason"], "owed");
        let payer = Uuid::parse_str(&s.id).expect("uuid");
        assert!(latest(&rows, "hot_payer", payer).is_some_and(|c| c.data.is_some()));
        // Managers are told, and so is the student.
        let notes = api
            .get("/notifications", &manager)
            .await
            .expect(200)
            .to_string();
        assert!(notes.contains("离线消费出现欠款"), "{notes}");
        let mine = api
            .get("/notifications", &s.token)
            .await
            .expect(200)
            .to_string();
        assert!(mine.contains("校园卡欠款待还"), "{mine}");

        // The same sale uploaded again (another command) changes nothing;
        // another sale under its id is refused.
        accepted(&a.push(&api, std::slice::from_ref(&sa)).await[0]);
        assert_eq!(wallet(&api, &s.token).await, (0, 600));
        let mut other = sa.clone();
        other["amount"] = json!(300);
        let refused = a.push(&api, &[other]).await;
        assert_eq!(refused[0]["status"], "rejected", "{refused:?}");
        assert_eq!(refused[0]["code"], "conflict");

        // A top-up pays the debt first and lifts the block.
        api.post(
            "/wallet/top-ups",
            Some(&s.token),
            json!({"id": Uuid::now_v7(), "amount": 1000}),
        )
        .await
        .expect(200);
        assert_eq!(wallet(&api, &s.token).await, (400, 0));
        let rows = a.pull(&api).await;
        let lifted = latest(&rows, "hot_card", hot_card_id(&s.chip)).expect("a change");
        assert_eq!(lifted.data, None, "off the hotlist");
        assert_eq!(
            latest(&rows, "hot_payer", payer).map(|c| c.data.is_none()),
            Some(true)
        );
        audit_balances(&api, &manager).await;
    }

    let s = student(&api, &admin, &manager, "offline-qr").await;
    let mut k = Kiosk::sign_in(&api, "cashier").await;
    // A sale tried online first, whose answer the kiosk never saw, then
    // queued offline under the same id: charged once.
    let now = clock.now();
    let sale = k.sale(&window, card(&s.chip), 300, now);
    let online = api
        .post(
            "/payments/charges",
            Some(&k.token),
            json!({"id": sale["id"], "window_id": window, "payer": card(&s.chip), "amount": 300}),
        )
        .await;
    assert_eq!(online.expect(200)["approved"], true);
    accepted(&k.push(&api, std::slice::from_ref(&sale)).await[0]);
    assert_eq!(wallet(&api, &s.token).await, (700, 0), "charged once");

    // Pay codes offline: the same code at two kiosks is booked twice (both
    // were served) and flagged.
    let qr = json!({"method": "qr", "code": code(&s, now, 7)});
    let q1 = k.sale(&window, qr.clone(), 100, now);
    let q2 = k.sale(&window, qr, 100, now);
    for o in k.push(&api, &[q1, q2]).await {
        accepted(&o);
    }
    assert_eq!(wallet(&api, &s.token).await, (500, 0));
    // An unknown card: recorded, no money moves.
    let stranger = k.sale(&window, card(&chip()), 450, now);
    accepted(&k.push(&api, &[stranger]).await[0]);
    // A gap in the kiosk's numbering: settled, and flagged.
    k.kiosk_seq += 3;
    let after_gap = k.sale(&window, card(&s.chip), 100, now);
    accepted(&k.push(&api, &[after_gap]).await[0]);
    assert_eq!(wallet(&api, &s.token).await, (400, 0));
    audit_balances(&api, &manager).await;

    // Bad input changes nothing: a shape error names its field; a window of
    // another canteen and a student's push are refused.
    let before = wallet(&api, &s.token).await;
    let mut bad = k.sale(&window, card(&s.chip), 0, now);
    let r = k.push(&api, &[bad.clone()]).await;
    assert_eq!(
        (r[0]["code"].as_str(), r[0]["field"].as_str()),
        (Some("validation"), Some("amount"))
    );
    bad["amount"] = json!(100);
    bad["payer"] = card("zz");
    let r = k.push(&api, &[bad]).await;
    assert_eq!(r[0]["field"], "payer.uid");
    let foreign = k.sale(&foreign_window, card(&s.chip), 100, now);
    assert_eq!(k.push(&api, &[foreign]).await[0]["code"], "forbidden");
    let mut phone = Kiosk::sign_in(&api, "student").await;
    let theirs = phone.sale(&window, card(&s.chip), 100, now);
    assert_eq!(phone.push(&api, &[theirs]).await[0]["code"], "forbidden");
    // Through REST there is no kiosk: not an offline sale.
    assert_eq!(wallet(&api, &s.token).await, before);

    // The student's statement, by campus day.
    let lines = |r: &crate::support::Reply| r.expect(200)["items"].as_array().expect("items").len();
    let that_day = api
        .get("/wallet/transfers?from=2026-11-30&to=2026-11-30", &s.token)
        .await;
    assert_eq!(
        lines(&that_day),
        5,
        "top-up, online sale, two code sales, one card sale: {that_day:?}"
    );
    let later = api.get("/wallet/transfers?from=2026-12-01", &s.token).await;
    assert_eq!(lines(&later), 0);
    let earlier = api.get("/wallet/transfers?to=2026-11-29", &s.token).await;
    assert_eq!(lines(&earlier), 0);
    let backwards = api
        .get("/wallet/transfers?from=2026-11-30&to=2026-11-29", &s.token)
        .await;
    backwards.expect_error(422, "validation");
    assert_eq!(backwards.field(), "to");
    let nonsense = api.get("/wallet/transfers?from=yesterday", &s.token).await;
    nonsense.expect_error(422, "validation");
    assert_eq!(nonsense.field(), "from");

    // The day's reconciliation: sales agree with the ledger; the exceptions
    // are listed; what is owed is nothing now.
    let day = "2026-11-30";
    let rec = api
        .get(&format!("/payments/reconciliation?day={day}"), &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(rec["matches"], true, "{rec}");
    assert_eq!(rec["books_balance"], true);
    assert_eq!(rec["owed"], 0);
    let kinds: Vec<&str> = rec["exceptions"]
        .as_array()
        .expect("exceptions")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["shortfall", "code_reused", "unknown_payer", "seq_gap"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let w = rec["canteens"]
        .as_array()
        .expect("canteens")
        .iter()
        .flat_map(|c| c["windows"].as_array().expect("windows").iter())
        .find(|w| w["window_id"] == window.as_str())
        .expect("the window")
        .clone();
    // Two rounds of 800 + 800, then 300 (online), 100 + 100 (codes), 100.
    assert_eq!(w["gross"], 2 * 1600 + 300 + 300, "{w}");
    assert_eq!(w["offline_sales"], 2 * 2 + 3);
    assert_eq!(w["receivable"], 2 * 600);
    assert_eq!(w["net"], w["ledger_net"]);

    // Exports: CSV (with a BOM for spreadsheets) and XLSX.
    let csv = api
        .get(
            &format!("/payments/reconciliation/export?day={day}&format=csv"),
            &manager,
        )
        .await;
    assert_eq!(csv.status.as_u16(), 200);
    let text = String::from_utf8(csv.bytes.clone()).expect("utf-8");
    assert!(text.starts_with('\u{FEFF}'), "BOM");
    assert!(
        text.contains("窗口 Window") && text.contains("shortfall"),
        "{text}"
    );
    assert!(
        text.contains(",38.00,"),
        "the window's gross in yuan: {text}"
    );
    let xlsx = api
        .get(
            &format!("/payments/reconciliation/export?day={day}&format=xlsx"),
            &manager,
        )
        .await;
    assert_eq!(xlsx.status.as_u16(), 200);
    assert!(xlsx.bytes.starts_with(b"PK"), "a zip (XLSX) file");
    api.get(
        &format!("/payments/reconciliation/export?day={day}&format=pdf"),
        &manager,
    )
    .await
    .expect_error(422, "validation");

    // Settlement: not before the day has ended; then once.
    let canteen = rec["canteens"]
        .as_array()
        .expect("canteens")
        .iter()
        .find(|c| {
            c["windows"]
                .as_array()
                .expect("w")
                .iter()
                .any(|w| w["window_id"] == window.as_str())
        })
        .expect("the canteen")["canteen_id"]
        .clone();
    let body = json!({"canteen_id": canteen, "day": day});
    let early = api
        .post("/payments/settlements", Some(&manager), body.clone())
        .await;
    early.expect_error(422, "validation");
    assert_eq!(early.field(), "day");
    clock.advance(Duration::days(1));
    let manager = api.login("manager").await;
    let settled = api
        .post("/payments/settlements", Some(&manager), body.clone())
        .await
        .expect(201)
        .clone();
    assert_eq!(settled["swept"], w["ledger_net"], "{settled}");
    let again = api
        .post("/payments/settlements", Some(&manager), body)
        .await
        .expect(200)
        .clone();
    assert_eq!(again["id"], settled["id"], "settled once");
    let rec = api
        .get(&format!("/payments/reconciliation?day={day}"), &manager)
        .await
        .expect(200)
        .clone();
    let w = rec["canteens"]
        .as_array()
        .expect("canteens")
        .iter()
        .flat_map(|c| c["windows"].as_array().expect("windows").iter())
        .find(|w| w["window_id"] == window.as_str())
        .expect("the window")
        .clone();
    assert_eq!(w["till_balance"], 0, "swept: {w}");
    assert_eq!(rec["matches"], true, "a sweep is not a sale");
    audit_balances(&api, &manager).await;
}

#[tokio::test]
async fn offline_kiosks_sqlite() {
    offline_kiosks(TestDb::Sqlite).await;
}

#[tokio::test]
async fn offline_kiosks_postgres() {
    offline_kiosks(TestDb::Postgres).await;
}
