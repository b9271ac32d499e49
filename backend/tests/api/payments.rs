//! Payments through the API on both databases: top-ups, charges at a window
//! with the card, PIN and daily limits, the card's lifecycle (lost from the
//! phone, offline too; unfreeze; replace), statements, the audit, and a
//! double-spend race through real HTTP.

use houqin_server::testkit::TestDb;
use houqin_shared::paycode;
use houqin_shared::sync::PullResponse;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Api, start};

struct Till {
    token: String,
    window: String,
}

/// The demo cashier and a window of their canteen.
async fn till(api: &Api) -> Till {
    let token = api.login("cashier").await;
    let me = api.get("/me", &token).await;
    let canteen = me.expect(200)["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "canteen")
        .expect("a canteen")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let windows = api
        .get(&format!("/directory/canteens/{canteen}/windows"), &token)
        .await;
    let window = windows.expect(200)[0]["id"]
        .as_str()
        .expect("window")
        .to_string();
    Till { token, window }
}

/// A window of a canteen the cashier does not work in.
async fn other_window(api: &Api, t: &Till) -> String {
    let me = api.get("/me", &t.token).await;
    let mine = me.expect(200)["scopes"][0]["id"].clone();
    let canteens = api.get("/directory/canteens", &t.token).await;
    let other = canteens
        .expect(200)
        .as_array()
        .expect("canteens")
        .iter()
        .find(|c| c["id"] != mine)
        .expect("another canteen")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let windows = api
        .get(&format!("/directory/canteens/{other}/windows"), &t.token)
        .await;
    windows.expect(200)[0]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn uid() -> String {
    format!("04{}", &Uuid::now_v7().simple().to_string()[18..30]).to_uppercase()
}

async fn issue(api: &Api, manager: &str, user_id: &str) -> (String, String) {
    let id = Uuid::now_v7().to_string();
    let chip = uid();
    let r = api
        .post(
            "/cards",
            Some(manager),
            json!({"id": id, "user_id": user_id, "uid": chip}),
        )
        .await;
    assert_eq!(r.expect(201)["status"], "active");
    (id, chip)
}

async fn charge(api: &Api, t: &Till, chip: &str, amount: i64, pin: Option<&str>) -> Value {
    charge_as(api, t, &Uuid::now_v7().to_string(), chip, amount, pin).await
}

async fn charge_as(
    api: &Api,
    t: &Till,
    id: &str,
    chip: &str,
    amount: i64,
    pin: Option<&str>,
) -> Value {
    let r = api
        .post(
            "/payments/charges",
            Some(&t.token),
            json!({"id": id, "window_id": t.window, "payer": {"method": "card", "uid": chip},
                "amount": amount, "pin": pin}),
        )
        .await;
    r.expect(200).clone()
}

fn declined(outcome: &Value) -> &str {
    assert_eq!(outcome["approved"], false, "{outcome}");
    outcome["decline"].as_str().expect("a reason")
}

async fn balance(api: &Api, token: &str) -> i64 {
    api.get("/wallet", token).await.expect(200)["balance"]
        .as_i64()
        .expect("balance")
}

async fn top_up(api: &Api, token: &str, amount: i64) -> Value {
    api.post(
        "/wallet/top-ups",
        Some(token),
        json!({"id": Uuid::now_v7(), "amount": amount}),
    )
    .await
    .expect(200)
    .clone()
}

async fn payments(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let t = till(&api).await;
    let manager = api.login("manager").await;
    let student = api.login("student").await;
    let me = api.get("/me", &student).await.expect(200).clone();
    let student_id = me["id"].as_str().expect("id").to_string();
    let (card, chip) = issue(&api, &manager, &student_id).await;

    // Top up (the simulator pays); a retry is paid once.
    let start_balance = balance(&api, &student).await;
    let id = Uuid::now_v7();
    for _ in 0..2 {
        api.post(
            "/wallet/top-ups",
            Some(&student),
            json!({"id": id, "amount": 5000}),
        )
        .await
        .expect(200);
    }
    assert_eq!(balance(&api, &student).await, start_balance + 5000);
    let r = api
        .post(
            "/wallet/top-ups",
            Some(&student),
            json!({"id": id, "amount": 4000}),
        )
        .await;
    r.expect_error(409, "conflict");
    assert_eq!(r.field(), "id");
    let b0 = start_balance + 5000;

    // A sale below the no-PIN limit; retried, it is charged once.
    let sale = Uuid::now_v7().to_string();
    let first = charge_as(&api, &t, &sale, &chip, 1250, None).await;
    assert_eq!(first["approved"], true, "{first}");
    assert_eq!(first["balance_after"], b0 - 1250);
    assert!(first["payer_name"].as_str().is_some_and(|n| !n.is_empty()));
    let again = charge_as(&api, &t, &sale, &chip.to_lowercase(), 1250, None).await;
    assert_eq!(
        (again["approved"].clone(), again["amount"].clone()),
        (json!(true), json!(1250))
    );
    assert_eq!(balance(&api, &student).await, b0 - 1250);
    let r = api
        .post(
            "/payments/charges",
            Some(&t.token),
            json!({"id": sale, "window_id": t.window, "payer": {"method": "card", "uid": chip}, "amount": 999}),
        )
        .await;
    r.expect_error(409, "conflict");

    // Above the no-PIN limit: a PIN is needed; three wrong ones lock it.
    assert_eq!(
        declined(&charge(&api, &t, &chip, 2500, None).await),
        "pin_required"
    );
    let r = api
        .put(
            "/wallet/pin",
            &student,
            json!({"password": "wrong", "pin": "204851"}),
        )
        .await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "password");
    api.put(
        "/wallet/pin",
        &student,
        json!({"password": "demo", "pin": "204851"}),
    )
    .await
    .expect(204);
    let ok = charge(&api, &t, &chip, 2500, Some("204851")).await;
    assert_eq!(ok["approved"], true, "{ok}");
    let wrong = charge(&api, &t, &chip, 2500, Some("000001")).await;
    assert_eq!(
        (declined(&wrong), wrong["pin_tries_left"].as_u64()),
        ("wrong_pin", Some(2))
    );
    let wrong = charge(&api, &t, &chip, 2500, Some("000002")).await;
    assert_eq!(wrong["pin_tries_left"].as_u64(), Some(1));
    let locked = charge(&api, &t, &chip, 2500, Some("000003")).await;
    assert_eq!(declined(&locked), "pin_locked");
    let still = charge(&api, &t, &chip, 2500, Some("204851")).await;
    assert_eq!(declined(&still), "pin_locked", "even the right PIN waits");
    let wallet = api.get("/wallet", &student).await.expect(200).clone();
    assert!(wallet["pin_locked_until"].is_string(), "{wallet}");
    // Small sales need no PIN and still work.
    assert_eq!(charge(&api, &t, &chip, 300, None).await["approved"], true);
    let audit = api.get("/audit?action=payment_pin_locked", &manager).await;
    assert!(
        audit.expect(200).as_array().is_some_and(|a| !a.is_empty()),
        "{audit:?}"
    );
    let spent = 1250 + 2500 + 300;
    assert_eq!(balance(&api, &student).await, b0 - spent);

    // The daily limit counts the day's sales.
    api.put(
        "/wallet/settings",
        &student,
        json!({"daily_limit": spent + 1000, "no_pin_limit": 1000}),
    )
    .await
    .expect(200);
    assert_eq!(charge(&api, &t, &chip, 900, None).await["approved"], true);
    assert_eq!(
        declined(&charge(&api, &t, &chip, 101, None).await),
        "daily_limit"
    );
    let wallet = api.get("/wallet", &student).await.expect(200).clone();
    assert_eq!(wallet["spent_today"], spent + 900);
    api.put(
        "/wallet/settings",
        &student,
        json!({"daily_limit": 100_000, "no_pin_limit": 2000}),
    )
    .await
    .expect(200);

    // Lost: frozen at once, refused at the window; found again: unfrozen.
    api.post(
        "/cards/report-lost",
        Some(&student),
        json!({"card_id": card}),
    )
    .await
    .expect(204);
    assert_eq!(
        declined(&charge(&api, &t, &chip, 100, None).await),
        "card_frozen"
    );
    let before = balance(&api, &student).await;
    api.post(
        &format!("/cards/{card}/unfreeze"),
        Some(&student),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(charge(&api, &t, &chip, 100, None).await["approved"], true);
    assert_eq!(balance(&api, &student).await, before - 100);
    // Someone else cannot unfreeze or report it.
    let other = api.login("s202600001").await;
    api.post(&format!("/cards/{card}/unfreeze"), Some(&other), json!({}))
        .await
        .expect_error(404, "not_found");
    let r = api
        .post("/cards/report-lost", Some(&other), json!({"card_id": card}))
        .await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "card_id");

    // Lost from an offline phone: the command lands with the next sync.
    let phone = Uuid::now_v7().to_string();
    let login = api
        .login_full("student", "demo", Some(&phone))
        .await
        .expect(200)
        .clone();
    let token = login["access_token"].as_str().expect("token");
    let push = api
        .post(
            "/sync/push",
            Some(token),
            json!({"client_id": phone, "commands": [{"command_id": Uuid::now_v7(), "seq": 1,
                "user_id": student_id, "name": "cards.report_lost", "payload": {"card_id": card},
                "schema_version": 1, "created_at": "2026-09-01T08:00:00Z"}]}),
        )
        .await;
    assert_eq!(
        push.expect(200)["outcomes"][0]["status"],
        "accepted",
        "{push:?}"
    );
    assert_eq!(
        declined(&charge(&api, &t, &chip, 100, None).await),
        "card_frozen"
    );
    // The phone's pull shows the card frozen and the balance.
    let pull = api
        .get(&format!("/sync/pull?client_id={phone}"), token)
        .await;
    let pull: PullResponse = serde_json::from_value(pull.expect(200).clone()).expect("pull");
    let rows: Vec<&houqin_shared::sync::Change> =
        pull.scopes.iter().flat_map(|s| s.changes.iter()).collect();
    let card_row = rows
        .iter()
        .find(|c| c.entity == "card" && c.id.to_string() == card)
        .expect("the card syncs");
    assert_eq!(card_row.data.as_ref().expect("data")["status"], "frozen");
    let wallet_row = rows
        .iter()
        .find(|c| c.entity == "wallet")
        .expect("the wallet syncs");
    assert_eq!(
        wallet_row.data.as_ref().expect("data")["balance"],
        balance(&api, &student).await
    );

    // Replaced: the old chip is refused for good, the new one pays.
    let new_chip = uid();
    let r = api
        .post(
            &format!("/cards/{card}/replace"),
            Some(&manager),
            json!({"new_id": Uuid::now_v7(), "uid": new_chip}),
        )
        .await;
    assert_eq!(r.expect(201)["status"], "active");
    assert_eq!(
        declined(&charge(&api, &t, &chip, 100, None).await),
        "card_replaced"
    );
    api.post(
        &format!("/cards/{card}/unfreeze"),
        Some(&manager),
        json!({}),
    )
    .await
    .expect_error(409, "conflict");
    assert_eq!(
        charge(&api, &t, &new_chip, 100, None).await["approved"],
        true
    );
    // A chip can be only one card.
    let r = api
        .post(
            "/cards",
            Some(&manager),
            json!({"id": Uuid::now_v7(), "user_id": student_id, "uid": new_chip}),
        )
        .await;
    r.expect_error(409, "conflict");
    assert_eq!(r.field(), "uid");

    // Unknown chips, other canteens' windows.
    assert_eq!(
        declined(&charge(&api, &t, &uid(), 100, None).await),
        "unknown_card"
    );
    let elsewhere = other_window(&api, &t).await;
    api.post(
        "/payments/charges",
        Some(&t.token),
        json!({"id": Uuid::now_v7(), "window_id": elsewhere, "payer": {"method": "card", "uid": new_chip}, "amount": 100}),
    )
    .await
    .expect_error(403, "forbidden");

    // Not enough money: declined, nothing moves.
    let poor = api.login("s202600002").await;
    let poor_id = api.get("/me", &poor).await.expect(200)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (_, poor_chip) = issue(&api, &manager, &poor_id).await;
    let poor_balance = balance(&api, &poor).await;
    let too_much = poor_balance + 1;
    api.put(
        "/wallet/settings",
        &poor,
        json!({"daily_limit": 200_000, "no_pin_limit": 200_000}),
    )
    .await
    .expect(200);
    assert_eq!(
        declined(&charge(&api, &t, &poor_chip, too_much, None).await),
        "insufficient_funds"
    );
    assert_eq!(balance(&api, &poor).await, poor_balance);

    // The statement: signed from the owner's side, filterable, paged.
    let page = api
        .get("/wallet/transfers?limit=2", &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let next = page["next"].as_str().expect("more").to_string();
    let older = api
        .get(
            &format!("/wallet/transfers?limit=100&before={next}"),
            &student,
        )
        .await
        .expect(200)
        .clone();
    assert!(older["items"].as_array().is_some_and(|a| !a.is_empty()));
    let sales = api
        .get("/wallet/transfers?code=sale&limit=100", &student)
        .await
        .expect(200)
        .clone();
    let lines = sales["items"].as_array().expect("items");
    assert!(
        lines
            .iter()
            .all(|l| l["transfer"]["code"] == "sale" && l["signed_amount"].as_i64() < Some(0))
    );
    assert!(lines.iter().any(|l| l["signed_amount"] == -1250));
    let top_ups = api
        .get("/wallet/transfers?code=top_up", &student)
        .await
        .expect(200)
        .clone();
    assert!(
        top_ups["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|l| l["signed_amount"] == 5000)
    );
    api.get("/wallet/transfers?code=bribe", &student)
        .await
        .expect_error(422, "validation");

    // The student's phone pays by QR code: signed with the key it made at
    // login. It works while the physical card is frozen (the card was
    // replaced above; freeze the new one too).
    let phone_key = paycode::signing_key(&[42; 32]);
    let login = api
        .post(
            "/auth/login",
            None,
            json!({"username": "student", "password": "demo", "device_id": "qr-phone",
                "device_public_key": paycode::encode_public_key(&phone_key)}),
        )
        .await
        .expect(200)
        .clone();
    let session: Uuid = login["session_id"]
        .as_str()
        .expect("session")
        .parse()
        .expect("uuid");
    let wallet = api.get("/wallet", &student).await.expect(200).clone();
    let new_card = wallet["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .find(|c| c["status"] == "active")
        .expect("the new card")["id"]
        .clone();
    api.post(
        "/cards/report-lost",
        Some(&student),
        json!({"card_id": new_card}),
    )
    .await
    .expect(204);
    assert_eq!(
        declined(&charge(&api, &t, &new_chip, 100, None).await),
        "card_frozen"
    );
    let now = chrono::Utc::now().timestamp();
    let code = |at: i64, nonce: u32, key: &ed25519_dalek::SigningKey| {
        paycode::PayCode {
            session: houqin_shared::ids::SessionId(session),
            at,
            nonce,
        }
        .sign(key)
    };
    let by_qr = |code: String, amount: i64| {
        let (api, t) = (&api, &t);
        async move {
            api.post(
                "/payments/charges",
                Some(&t.token),
                json!({"id": Uuid::now_v7(), "window_id": t.window, "payer": {"method": "qr", "code": code}, "amount": amount}),
            )
            .await
            .expect(200)
            .clone()
        }
    };
    let before_qr = balance(&api, &student).await;
    let fresh = code(now, 1, &phone_key);
    // Above the no-PIN amount, and no PIN: the phone is the owner's, signed in.
    let paid = by_qr(fresh.clone(), 2500).await;
    assert_eq!(paid["approved"], true, "{paid}");
    assert_eq!(balance(&api, &student).await, before_qr - 2500);
    assert_eq!(declined(&by_qr(fresh, 100).await), "code_used");
    assert_eq!(
        declined(&by_qr(code(now - 120, 2, &phone_key), 100).await),
        "code_expired"
    );
    assert_eq!(
        declined(&by_qr(code(now + 120, 3, &phone_key), 100).await),
        "code_expired"
    );
    let stranger = paycode::signing_key(&[7; 32]);
    assert_eq!(
        declined(&by_qr(code(now, 4, &stranger), 100).await),
        "code_invalid"
    );
    assert_eq!(
        balance(&api, &student).await,
        before_qr - 2500,
        "refused codes pay nothing"
    );
    let r = api
        .post(
            "/payments/charges",
            Some(&t.token),
            json!({"id": Uuid::now_v7(), "window_id": t.window, "payer": {"method": "qr", "code": "HQ1:nope"}, "amount": 100}),
        )
        .await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "payer.code");
    // Signed out: the phone's codes stop working.
    api.call(
        reqwest::Method::POST,
        "/auth/logout",
        login["access_token"].as_str(),
        crate::support::Body::None,
    )
    .await;
    assert_eq!(
        declined(&by_qr(code(now, 5, &phone_key), 100).await),
        "code_invalid"
    );

    // A refund needs a supervisor of the canteen: their own credentials.
    let refund = |id: &str, amount: i64, who: Option<(&str, &str)>| {
        let mut body = json!({"id": id, "sale_id": sale, "amount": amount});
        if let Some((username, password)) = who {
            body["supervisor"] = json!({"username": username, "password": password});
        }
        body
    };
    let refund_id = Uuid::now_v7().to_string();
    let r = api
        .post(
            "/payments/refunds",
            Some(&t.token),
            refund(&refund_id, 1000, None),
        )
        .await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "supervisor");
    for who in [
        ("supervisor", "wrong"),
        ("manager", "demo"),
        ("nobody", "demo"),
    ] {
        let r = api
            .post(
                "/payments/refunds",
                Some(&t.token),
                refund(&refund_id, 1000, Some(who)),
            )
            .await;
        r.expect_error(422, "validation");
        assert_eq!(r.field(), "supervisor.password", "{who:?}");
    }
    let before_refund = balance(&api, &student).await;
    for _ in 0..2 {
        let r = api
            .post(
                "/payments/refunds",
                Some(&t.token),
                refund(&refund_id, 1000, Some(("supervisor", "demo"))),
            )
            .await;
        let body = r.expect(200);
        assert_eq!(
            (body["amount"].as_i64(), body["refunded"].as_i64()),
            (Some(1000), Some(1000))
        );
    }
    assert_eq!(
        balance(&api, &student).await,
        before_refund + 1000,
        "paid back once"
    );
    let r = api
        .post(
            "/payments/refunds",
            Some(&t.token),
            refund(
                &Uuid::now_v7().to_string(),
                251,
                Some(("supervisor", "demo")),
            ),
        )
        .await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "amount", "only 250 of the 1250 sale is left");

    // The cashier's end-of-shift summary counts their approved sales.
    let shift = api
        .get("/payments/shift", &t.token)
        .await
        .expect(200)
        .clone();
    assert!(shift["sales"].as_u64() >= Some(6), "{shift}");
    assert_eq!(shift["windows"][0]["window_id"], json!(t.window));
    assert_eq!(shift["total"], shift["windows"][0]["total"]);
    assert_eq!(
        (shift["refunds"].as_u64(), shift["refunded"].as_i64()),
        (Some(1), Some(1000))
    );
    api.get("/payments/shift?since=2099-01-01T00:00:00Z", &t.token)
        .await
        .expect_error(422, "validation");
    api.get("/payments/shift", &student)
        .await
        .expect_error(403, "forbidden");

    // The books balance.
    let audit = api
        .get("/payments/audit", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(audit["differences"], json!([]), "{audit}");
    assert!(audit["transfers"].as_u64() > Some(5));
}

#[tokio::test]
async fn payments_sqlite() {
    payments(TestDb::Sqlite).await;
}

#[tokio::test]
async fn payments_postgres() {
    payments(TestDb::Postgres).await;
}

/// A wallet holding ¥10 is charged ¥3 twelve times at once, from two
/// windows' worth of requests: exactly three are approved.
async fn double_spend(db: TestDb) {
    let server = start(db).await;
    let api = std::sync::Arc::new(Api::new(&server));
    let t = std::sync::Arc::new(till(&api).await);
    let manager = api.login("manager").await;
    let student = api.login("s202600003").await;
    let student_id = api.get("/me", &student).await.expect(200)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (_, chip) = issue(&api, &manager, &student_id).await;
    // Whatever the seed gave, bring the balance to exactly ¥10.
    api.put(
        "/wallet/settings",
        &student,
        json!({"daily_limit": 200_000, "no_pin_limit": 200_000}),
    )
    .await
    .expect(200);
    let have = balance(&api, &student).await;
    if have > 1000 {
        assert_eq!(
            charge(&api, &t, &chip, have - 1000, None).await["approved"],
            true
        );
    } else if have < 1000 {
        top_up(&api, &student, 1000 - have).await;
    }
    assert_eq!(balance(&api, &student).await, 1000);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (api, t, chip) = (api.clone(), t.clone(), chip.clone());
        tasks.push(tokio::spawn(async move {
            charge(&api, &t, &chip, 300, None).await
        }));
    }
    let mut approved = 0;
    for task in tasks {
        let outcome = task.await.expect("task");
        if outcome["approved"] == true {
            approved += 1;
        } else {
            assert_eq!(declined(&outcome), "insufficient_funds");
        }
    }
    assert_eq!(approved, 3);
    assert_eq!(balance(&api, &student).await, 100);
    let audit = api
        .get("/payments/audit", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(audit["differences"], json!([]), "{audit}");
}

#[tokio::test]
async fn double_spend_through_the_api_sqlite() {
    double_spend(TestDb::Sqlite).await;
}

#[tokio::test]
async fn double_spend_through_the_api_postgres() {
    double_spend(TestDb::Postgres).await;
}
