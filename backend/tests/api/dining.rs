//! Dining on both databases: the menu; ordering ahead with a hold on the
//! card; races for the last portion and the last place in a slot (never
//! oversold); cancel racing "start cooking" (exactly one wins); the queue
//! to pickup (hold posted, owner told); walk-ins in the same queue; an
//! order synced from an offline phone for a dish sold out meanwhile; bad
//! input that changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use houqin_server::entities::{cards, portions, slot_loads, window_settings};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::clock::FakeClock;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Api, counts};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

/// 11:00 in the campus's time: lunch is being served.
const NOW: &str = "2026-12-01T03:00:00Z";
const DAY: &str = "2026-12-01";
const SLOT: &str = "2026-12-01T03:10:00Z";

struct Menu {
    canteen: String,
    window: String,
    /// Two dishes of the window, with their prices.
    dishes: Vec<(String, i64)>,
}

async fn menu(api: &Api, cashier: &str) -> Menu {
    let me = api.get("/me", cashier).await.expect(200).clone();
    let canteen = me["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "canteen")
        .expect("a canteen")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let m = api
        .get(&format!("/dining/canteens/{canteen}/menu"), cashier)
        .await
        .expect(200)
        .clone();
    let dishes = m["dishes"].as_array().expect("dishes");
    let window = dishes[0]["window_id"].as_str().expect("window").to_string();
    let mine: Vec<(String, i64)> = dishes
        .iter()
        .filter(|d| d["window_id"] == window.as_str())
        .map(|d| {
            (
                d["id"].as_str().expect("id").to_string(),
                d["price"].as_i64().expect("price"),
            )
        })
        .collect();
    assert!(mine.len() >= 2, "a window with two dishes: {m}");
    let lunch = m["portions"]
        .as_array()
        .expect("portions")
        .iter()
        .filter(|p| p["period"] == "lunch")
        .count();
    assert!(lunch >= mine.len(), "today's lunch portions exist: {m}");
    Menu {
        canteen,
        window,
        dishes: mine,
    }
}

/// A PNG signature and `len` bytes of noise (the server checks the type by its first bytes).
fn png_bytes(len: usize, salt: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt)));
    bytes
}

fn order(window: &str, dish: &str, quantity: u32, slot: &str) -> Value {
    json!({"id": Uuid::now_v7(), "window_id": window, "day": DAY, "period": "lunch",
        "slot": slot, "lines": [{"dish_id": dish, "quantity": quantity}]})
}

async fn available(api: &Api, token: &str) -> (i64, i64) {
    let w = api.get("/wallet", token).await.expect(200).clone();
    (
        w["balance"].as_i64().expect("balance"),
        w["available"].as_i64().expect("available"),
    )
}

async fn set_portions(api: &Api, token: &str, dish: &str, total: u32) -> Value {
    api.put(
        "/dining/portions",
        token,
        json!({"dish_id": dish, "day": DAY, "period": "lunch", "total": total}),
    )
    .await
    .expect(200)
    .clone()
}

async fn dining(db: TestDb) {
    let clock = Arc::new(FakeClock::at(at(NOW)));
    let server = TestServer::start(TestOptions {
        db,
        clock: Some(clock),
        ..TestOptions::default()
    })
    .await;
    let api = Api::new(&server);
    let cashier = api.login("cashier").await;
    let manager = api.login("manager").await;
    let student = api.login("student").await;
    let m = menu(&api, &cashier).await;
    let (dish, price) = m.dishes[0].clone();

    // Ordering ahead: the money is held, not taken; a portion and a place
    // in the slot are taken; the order has a number and a ready time.
    let (balance, free) = available(&api, &student).await;
    let placed = api
        .post(
            "/dining/orders",
            Some(&student),
            order(&m.window, &dish, 2, SLOT),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(placed["status"], "placed");
    assert_eq!(placed["total"], 2 * price);
    assert!(
        placed["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-001")),
        "{placed}"
    );
    assert!(placed["ready_at"].is_string());
    assert_eq!(available(&api, &student).await, (balance, free - 2 * price));
    let id = placed["id"].as_str().expect("id").to_string();

    // The window cooks it; the student can no longer cancel; it is ready
    // (the student is told); picked up: the hold is posted.
    let step = |to: &'static str| json!({ "to": to });
    api.post(
        &format!("/dining/orders/{id}/advance"),
        Some(&cashier),
        step("cooking"),
    )
    .await
    .expect(200);
    api.post(
        &format!("/dining/orders/{id}/cancel"),
        Some(&student),
        json!({}),
    )
    .await
    .expect_error(409, "conflict");
    api.post(
        &format!("/dining/orders/{id}/advance"),
        Some(&cashier),
        step("ready"),
    )
    .await
    .expect(200);
    let notes = api
        .get("/notifications", &student)
        .await
        .expect(200)
        .to_string();
    assert!(notes.contains("已做好"), "{notes}");
    // A step out of order is refused.
    api.post(
        &format!("/dining/orders/{id}/advance"),
        Some(&cashier),
        step("ready"),
    )
    .await
    .expect_error(409, "conflict");
    api.post(
        &format!("/dining/orders/{id}/advance"),
        Some(&cashier),
        step("picked_up"),
    )
    .await
    .expect(200);
    assert_eq!(
        available(&api, &student).await,
        (balance - 2 * price, free - 2 * price),
        "paid at pickup"
    );
    // The week's nutrition counts what was picked up (the dish's nutrition, twice).
    let week = api
        .get("/dining/nutrition/week", &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (week["orders"].as_i64(), week["days_with_data"].as_i64()),
        (Some(1), Some(1)),
        "{week}"
    );
    let kcal = api
        .get(&format!("/dining/canteens/{}/menu", m.canteen), &student)
        .await
        .expect(200)["dishes"]
        .as_array()
        .expect("dishes")
        .iter()
        .find(|d| d["id"] == dish.as_str())
        .expect("the dish")["nutrition"]["energy_kcal"]
        .as_i64()
        .expect("kcal");
    assert!(kcal > 0, "the seeded dish has its nutrition");
    assert_eq!(week["total"]["energy_kcal"].as_i64(), Some(2 * kcal));

    // Rating what was picked up: each dish and the window once.
    let rate = |dish: Option<&str>, stars: u8| json!({"order_id": id, "dish_id": dish, "stars": stars, "comment": "很好吃，份量足"});
    api.post("/dining/ratings", Some(&student), rate(Some(&dish), 5))
        .await
        .expect(201);
    api.post("/dining/ratings", Some(&student), rate(Some(&dish), 1))
        .await
        .expect_error(409, "conflict");
    api.post("/dining/ratings", Some(&student), rate(None, 4))
        .await
        .expect(201);
    let summary = api
        .get(&format!("/dining/canteens/{}/ratings", m.canteen), &student)
        .await
        .expect(200)
        .clone();
    let of_dish = summary
        .as_array()
        .expect("ratings")
        .iter()
        .find(|r| r["dish_id"] == dish.as_str())
        .expect("the dish's rating")
        .clone();
    assert_eq!(
        (
            of_dish["count"].as_i64(),
            of_dish["average_tenths"].as_i64()
        ),
        (Some(1), Some(50))
    );
    assert!(of_dish.to_string().contains("份量足"));
    assert!(
        !summary.to_string().contains("user_id"),
        "comments are anonymous"
    );

    // A complaint reaches the canteen's supervisors; their answer reaches
    // the student, with the status.
    let supervisor = api.login("supervisor").await;
    let complaint = api
        .post(
            "/dining/complaints",
            Some(&student),
            json!({"id": Uuid::now_v7(), "canteen_id": m.canteen, "window_id": m.window,
                "order_id": id, "text": "汤是凉的"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(complaint["status"], "open");
    let theirs = api
        .get("/notifications", &supervisor)
        .await
        .expect(200)
        .to_string();
    assert!(theirs.contains("收到一条投诉"), "{theirs}");
    let listed = api
        .get("/dining/complaints", &supervisor)
        .await
        .expect(200)
        .clone();
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == complaint["id"])
    );
    let cid = complaint["id"].as_str().expect("id").to_string();
    let answered = api
        .post(
            &format!("/dining/complaints/{cid}/reply"),
            Some(&supervisor),
            json!({"status": "resolved", "reply": "已提醒窗口，汤会保温供应。"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(answered["status"], "resolved");
    let mine = api
        .get("/dining/complaints", &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(mine[0]["status"], "resolved");
    let notes = api
        .get("/notifications", &student)
        .await
        .expect(200)
        .to_string();
    assert!(notes.contains("你的投诉有了回复"), "{notes}");

    // Food-safety inspections: recorded by managers, read by everyone;
    // a photo not uploaded is refused.
    let inspection = |photos: Value| {
        json!({"id": Uuid::now_v7(), "canteen_id": m.canteen, "date": "2026-11-28",
            "inspector": "区市场监管局", "result": "pass", "notes": "后厨整洁，留样齐全", "photos": photos})
    };
    let missing = api
        .post(
            "/dining/inspections",
            Some(&manager),
            inspection(json!(["ab".repeat(32)])),
        )
        .await;
    missing.expect_error(422, "validation");
    assert_eq!(missing.field(), "photos.0");
    let photo = api.upload_photo(&manager, &png_bytes(4_000, 7)).await;
    api.post(
        "/dining/inspections",
        Some(&manager),
        inspection(json!([photo])),
    )
    .await
    .expect(201);
    let public = api
        .get(
            &format!("/dining/canteens/{}/inspections", m.canteen),
            &student,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(public[0]["result"], "pass");
    assert_eq!(public[0]["inspector"], "区市场监管局");
    assert_eq!(public[0]["photos"], json!([photo]));
    // Students see the inspection's photo.
    let seen = api.get(&format!("/attachments/{photo}"), &student).await;
    assert_eq!(seen.status.as_u16(), 200);
    assert_eq!(seen.bytes, png_bytes(4_000, 7));

    // A dish's photo: it must have been uploaded; then the menu shows it.
    let details = |photo: &str| {
        json!({"allergens": ["gluten", "soy"], "tags": ["spicy"],
            "nutrition": {"energy_kcal": 520, "protein_mg": 21000, "fat_mg": 18000,
                "carbohydrate_mg": 66000, "sodium_mg": 1400},
            "periods": ["lunch", "dinner"], "photo": photo})
    };
    let not_uploaded = api
        .put(
            &format!("/dining/dishes/{dish}"),
            &manager,
            details(&"cd".repeat(32)),
        )
        .await;
    not_uploaded.expect_error(422, "validation");
    assert_eq!(not_uploaded.field(), "photo");
    let dish_photo = api.upload_photo(&manager, &png_bytes(3_000, 9)).await;
    api.put(
        &format!("/dining/dishes/{dish}"),
        &manager,
        details(&dish_photo),
    )
    .await
    .expect(200);
    let shown = api
        .get(&format!("/dining/canteens/{}/menu", m.canteen), &student)
        .await
        .expect(200)["dishes"]
        .as_array()
        .expect("dishes")
        .iter()
        .find(|d| d["id"] == dish.as_str())
        .expect("the dish")
        .clone();
    assert_eq!(shown["photo"], dish_photo.as_str(), "{shown}");
    assert_eq!(shown["tags"], json!(["spicy"]), "{shown}");

    // Cancel before cooking: the hold is voided, portions and slot given back.
    let before_menu = portions_left(&server, &dish).await;
    let o = api
        .post(
            "/dining/orders",
            Some(&student),
            order(&m.window, &dish, 1, SLOT),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(portions_left(&server, &dish).await, before_menu - 1);
    let cancelled = api
        .post(
            &format!("/dining/orders/{}/cancel", o["id"].as_str().expect("id")),
            Some(&student),
            json!({}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(portions_left(&server, &dish).await, before_menu);
    assert_eq!(
        available(&api, &student).await,
        (balance - 2 * price, free - 2 * price)
    );

    // The last portion: eight students try at once, one gets it.
    let (last_dish, _) = m.dishes[1].clone();
    set_portions(&api, &cashier, &last_dish, 1).await;
    let mut tokens = Vec::new();
    for i in 1..=8 {
        tokens.push(api.login(&format!("s2026{i:05}")).await);
    }
    let races = tokens.iter().map(|t| {
        let api = &api;
        let body = order(&m.window, &last_dish, 1, SLOT);
        async move { api.post("/dining/orders", Some(t), body).await }
    });
    let replies = futures::future::join_all(races).await;
    let won = replies.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(won, 1, "exactly one gets the last portion: {replies:?}");
    for r in replies.iter().filter(|r| r.status.as_u16() != 201) {
        r.expect_error(409, "conflict");
        assert_eq!(r.field(), "lines.0.dish_id");
    }
    assert_eq!(
        portions_left(&server, &last_dish).await,
        0,
        "never oversold"
    );

    // The last place in a slot: capacity 3, two taken, six try at once.
    let slot = "2026-12-01T04:00:00Z";
    window_settings::Entity::insert(window_settings::ActiveModel {
        window_id: Set(Uuid::parse_str(&m.window).expect("uuid")),
        campus_id: Set(campus_of(&api, &cashier).await),
        slot_capacity: Set(3),
        prep_minutes: Set(3),
        updated_at: Set(at(NOW)),
    })
    .exec_without_returning(&server.state.db.conn)
    .await
    .expect("window settings");
    for t in &tokens[..2] {
        api.post("/dining/orders", Some(t), order(&m.window, &dish, 1, slot))
            .await
            .expect(201);
    }
    let races = tokens[2..].iter().map(|t| {
        let api = &api;
        let body = order(&m.window, &dish, 1, slot);
        async move { api.post("/dining/orders", Some(t), body).await }
    });
    let replies = futures::future::join_all(races).await;
    let won = replies.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(won, 1, "exactly one gets the last place: {replies:?}");
    for r in replies.iter().filter(|r| r.status.as_u16() != 201) {
        r.expect_error(409, "conflict");
        assert_eq!(r.field(), "slot");
    }
    let sid = houqin_shared::dining::slot_id(
        houqin_shared::ids::WindowId(Uuid::parse_str(&m.window).expect("uuid")),
        at(slot),
    );
    let load = slot_loads::Entity::find_by_id(sid)
        .one(&server.state.db.conn)
        .await
        .expect("q")
        .expect("the slot");
    assert_eq!((load.booked, load.capacity), (3, 3), "never overbooked");
    // The slot is no longer offered.
    let offered = api
        .get(
            &format!("/dining/windows/{}/slots?day={DAY}&period=lunch", m.window),
            &student,
        )
        .await
        .expect(200)
        .clone();
    assert!(
        !offered
            .as_array()
            .expect("slots")
            .iter()
            .any(|s| s["start"] == slot),
        "{offered}"
    );

    // Cancel races "start cooking": exactly one of them happens.
    for t in &tokens[5..8] {
        let o = api
            .post("/dining/orders", Some(t), order(&m.window, &dish, 1, SLOT))
            .await
            .expect(201)
            .clone();
        let id = o["id"].as_str().expect("id").to_string();
        let (cancel_path, cook_path) = (
            format!("/dining/orders/{id}/cancel"),
            format!("/dining/orders/{id}/advance"),
        );
        let cancel = api.post(&cancel_path, Some(t), json!({}));
        let cook = api.post(&cook_path, Some(&cashier), step("cooking"));
        let (c, k) = futures::future::join(cancel, cook).await;
        let ok = [c.status.as_u16(), k.status.as_u16()];
        assert_eq!(
            ok.iter().filter(|s| **s == 200).count(),
            1,
            "exactly one of cancel and cook: {c:?} {k:?}"
        );
        let mine = api.get("/dining/orders", t).await.expect(200).clone();
        let now = mine
            .as_array()
            .expect("orders")
            .iter()
            .find(|x| x["id"] == id.as_str())
            .expect("the order")["status"]
            .clone();
        let expected = if c.status.as_u16() == 200 {
            "cancelled"
        } else {
            "cooking"
        };
        assert_eq!(now, expected);
    }

    // A walk-in sale joins the same queue.
    let walk = api
        .post(
            "/dining/walk-ins",
            Some(&cashier),
            json!({"id": Uuid::now_v7(), "window_id": m.window, "period": "lunch",
                "lines": [{"dish_id": dish, "quantity": 1}]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(walk["source"], "walk_in");
    // Sold at the window already, a walk-in is queued even when the app's
    // count says none are left (it never goes below zero).
    api.post(
        "/dining/walk-ins",
        Some(&cashier),
        json!({"id": Uuid::now_v7(), "window_id": m.window, "period": "lunch",
            "lines": [{"dish_id": last_dish, "quantity": 2}]}),
    )
    .await
    .expect(201);
    assert_eq!(portions_left(&server, &last_dish).await, 0);
    let queue = api
        .get(
            &format!(
                "/dining/canteens/{}/queue?window_id={}",
                m.canteen, m.window
            ),
            &cashier,
        )
        .await
        .expect(200)
        .clone();
    assert!(
        queue
            .as_array()
            .expect("queue")
            .iter()
            .any(|o| o["id"] == walk["id"]),
        "{queue}"
    );

    // An order queued on an offline phone, for the dish sold out meanwhile:
    // rejected with the reason when it arrives.
    let phone = Uuid::now_v7().to_string();
    let login = api
        .login_full("s202600009", "demo", Some(&phone))
        .await
        .expect(200)
        .clone();
    let token = login["access_token"].as_str().expect("token");
    let user = login["user"]["id"].as_str().expect("user");
    let push = api
        .post(
            "/sync/push",
            Some(token),
            json!({"client_id": phone, "commands": [{"command_id": Uuid::now_v7(), "seq": 1,
                "user_id": user, "name": "dining.place_order",
                "payload": order(&m.window, &last_dish, 1, SLOT),
                "schema_version": 1, "created_at": NOW}]}),
        )
        .await
        .expect(200)
        .clone();
    let outcome = &push["outcomes"][0];
    assert_eq!(outcome["status"], "rejected", "{push}");
    assert_eq!(outcome["code"], "conflict");
    assert!(
        outcome["message"]
            .as_str()
            .is_some_and(|m| m.contains("sold out")),
        "{outcome}"
    );

    // Bad input changes nothing.
    let broke = api.login("s202600010").await;
    let before = counts(&server).await;
    let bad = |patch: Value| {
        let mut b = order(&m.window, &dish, 1, SLOT);
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (body, status, field) in [
        (bad(json!({"lines": []})), 422, "lines"),
        (
            bad(json!({"lines": [{"dish_id": dish, "quantity": 0}]})),
            422,
            "lines.0.quantity",
        ),
        (
            bad(
                json!({"lines": [{"dish_id": dish, "quantity": 1}, {"dish_id": dish, "quantity": 2}]}),
            ),
            422,
            "lines.1.dish_id",
        ),
        (bad(json!({"slot": "2026-12-01T03:15:00Z"})), 422, "slot"),
        (bad(json!({"slot": "2026-12-01T08:00:00Z"})), 422, "slot"),
        (
            bad(json!({"day": "2026-11-30", "slot": "2026-11-30T03:10:00Z"})),
            422,
            "day",
        ),
        (bad(json!({"window_id": Uuid::now_v7()})), 422, "window_id"),
        (
            bad(json!({"lines": [{"dish_id": Uuid::now_v7(), "quantity": 1}]})),
            422,
            "lines.0.dish_id",
        ),
        (bad(json!({"slot": "2026-12-01T02:30:00Z"})), 409, "slot"),
        (
            bad(json!({"takeout": {"building_id": Uuid::now_v7(), "room": "101"}})),
            422,
            "takeout.building_id",
        ),
        (
            bad(json!({"lines": [{"dish_id": dish, "quantity": 9}]})),
            422,
            "lines.0.quantity",
        ),
    ] {
        let r = api.post("/dining/orders", Some(&student), body).await;
        assert_eq!(r.status.as_u16(), status, "{field}: {r:?}");
        assert_eq!(r.field(), field, "{r:?}");
    }
    // Not enough money: the hold is refused and nothing is taken.
    let (_, money) = available(&api, &broke).await;
    let many = (money / price + 1).min(5) as u32;
    if i64::from(many) * price > money {
        let r = api
            .post(
                "/dining/orders",
                Some(&broke),
                order(&m.window, &dish, many, SLOT),
            )
            .await;
        r.expect_error(409, "conflict");
    }
    api.post(
        &format!("/dining/orders/{id}/advance"),
        Some(&cashier),
        step("placed"),
    )
    .await
    .expect_error(422, "validation");
    assert_eq!(
        counts(&server).await,
        before,
        "refused writes changed nothing"
    );

    // Takeout to a dorm: the fee is added, a delivery task appears for
    // couriers, one of two racing couriers gets it, and the student is told
    // when it is delivered.
    let buildings = api
        .get("/directory/buildings?limit=500", &student)
        .await
        .expect(200)
        .clone();
    let dorm = buildings["items"]
        .as_array()
        .expect("buildings")
        .iter()
        .find(|b| b["kind"] == "dorm")
        .expect("a dorm")["id"]
        .clone();
    let mut takeout = order(&m.window, &dish, 1, SLOT);
    takeout["takeout"] = json!({"building_id": dorm, "room": "301"});
    let t = api
        .post("/dining/orders", Some(&tokens[0]), takeout)
        .await
        .expect(201)
        .clone();
    assert_eq!(t["total"], price + houqin_shared::dining::TAKEOUT_FEE);
    let courier = api.login("courier").await;
    let courier2 = api.login("k001").await;
    let open = api.get("/deliveries", &courier).await.expect(200).clone();
    assert!(
        open.as_array()
            .expect("deliveries")
            .iter()
            .any(|d| d["id"] == t["id"] && d["status"] == "open"),
        "{open}"
    );
    let tid = t["id"].as_str().expect("id").to_string();
    let claim_path = format!("/deliveries/{tid}/claim");
    let (a, b) = futures::future::join(
        api.post(&claim_path, Some(&courier), json!({})),
        api.post(&claim_path, Some(&courier2), json!({})),
    )
    .await;
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "one courier: {a:?} {b:?}"
    );
    let (winner, loser) = if a.status.as_u16() == 200 {
        (&courier, &courier2)
    } else {
        (&courier2, &courier)
    };
    let deliver_path = format!("/deliveries/{tid}/deliver");
    api.post(&deliver_path, Some(loser), json!({}))
        .await
        .expect_error(409, "conflict");
    let done = api
        .post(&deliver_path, Some(winner), json!({}))
        .await
        .expect(200)
        .clone();
    assert_eq!(done["status"], "delivered");
    let notes = api
        .get("/notifications", &tokens[0])
        .await
        .expect(200)
        .to_string();
    assert!(notes.contains("外卖已送达"), "{notes}");

    // A canteen closed for lunch that day (a manager's override over the
    // holiday calendar): the menu says so and orders are refused.
    api.put(
        &format!("/dining/canteens/{}/calendar", m.canteen),
        &manager,
        json!({"rules": [
            {"period": "breakfast", "workdays": true, "weekends": true, "holidays": false},
            {"period": "lunch", "workdays": true, "weekends": true, "holidays": true},
            {"period": "dinner", "workdays": true, "weekends": true, "holidays": true}
        ], "overrides": [{"date": DAY, "period": "lunch", "open": false, "note": "设备检修"}]}),
    )
    .await
    .expect(200);
    let menu_now = api
        .get(&format!("/dining/canteens/{}/menu", m.canteen), &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        menu_now["open_periods"],
        json!(["breakfast", "dinner"]),
        "{}",
        menu_now["open_periods"]
    );
    let closed = api
        .post(
            "/dining/orders",
            Some(&student),
            order(&m.window, &dish, 1, SLOT),
        )
        .await;
    closed.expect_error(409, "conflict");
    assert_eq!(closed.field(), "period");

    // A card sale at the window's kiosk (no dishes picked): the dashboard
    // counts it with the window's card sales.
    let student_id = api.get("/me", &student).await.expect(200)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let chip = cards::Entity::find()
        .filter(cards::Column::UserId.eq(Uuid::parse_str(&student_id).expect("uuid")))
        .one(&server.state.db.conn)
        .await
        .expect("q")
        .expect("the student's card")
        .uid;
    let sale = api
        .post(
            "/payments/charges",
            Some(&cashier),
            json!({"id": Uuid::now_v7(), "window_id": m.window,
                "payer": {"method": "card", "uid": chip}, "amount": 850}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(sale["approved"], true, "{sale}");

    // The managers' dashboard: what was served, by window, hour and dish,
    // cancellations, the wait, satisfaction; and its exports.
    let d = api
        .get(&format!("/dining/dashboard?from={DAY}&to={DAY}"), &manager)
        .await
        .expect(200)
        .clone();
    assert!(d["orders"].as_i64().is_some_and(|n| n >= 1), "{d}");
    assert!(d["cancelled"].as_i64().is_some_and(|n| n >= 1), "{d}");
    assert!(
        d["popular"]
            .as_array()
            .expect("popular")
            .iter()
            .any(|x| x["dish_id"] == dish.as_str())
    );
    assert!(
        d["by_window"]
            .as_array()
            .expect("windows")
            .iter()
            .any(|w| w["window_id"] == m.window.as_str())
    );
    let window = d["by_window"]
        .as_array()
        .expect("windows")
        .iter()
        .find(|w| w["window_id"] == m.window.as_str())
        .expect("the window")
        .clone();
    assert!(
        window["card_sales"].as_i64().is_some_and(|n| n >= 1)
            && window["card_revenue"].as_i64().is_some_and(|f| f >= 850),
        "{window}"
    );
    assert_eq!(
        d["card_sales"],
        d["by_window"]
            .as_array()
            .expect("windows")
            .iter()
            .map(|w| w["card_sales"].as_i64().unwrap_or(0))
            .sum::<i64>(),
        "{d}"
    );
    assert_eq!(d["satisfaction"][0]["ratings"], 2, "{d}");
    assert!(d["average_wait_minutes"].is_number(), "{d}");
    let csv = api
        .get(
            &format!("/dining/dashboard/export?from={DAY}&to={DAY}&format=csv"),
            &manager,
        )
        .await;
    let text = String::from_utf8(csv.bytes.clone()).expect("utf-8");
    assert!(
        text.starts_with('\u{FEFF}')
            && text.contains("窗口 Window")
            && text.contains("窗口刷卡 Window card sales"),
        "{text}"
    );
    let xlsx = api
        .get(
            &format!("/dining/dashboard/export?from={DAY}&to={DAY}&format=xlsx"),
            &manager,
        )
        .await;
    assert!(xlsx.bytes.starts_with(b"PK"));
    api.get("/dining/dashboard/export?format=pdf", &manager)
        .await
        .expect_error(422, "validation");
    let backwards = api
        .get("/dining/dashboard?from=2026-12-02&to=2026-12-01", &manager)
        .await;
    backwards.expect_error(422, "validation");
    assert_eq!(backwards.field(), "from");

    let audit = api
        .get("/payments/audit", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(audit["differences"], json!([]), "{audit}");
}

async fn portions_left(server: &TestServer, dish: &str) -> i32 {
    let id = houqin_shared::dining::portions_id(
        houqin_shared::ids::DishId(Uuid::parse_str(dish).expect("uuid")),
        chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day"),
        houqin_shared::calendar::MealPeriod::Lunch,
    );
    portions::Entity::find_by_id(id)
        .one(&server.state.db.conn)
        .await
        .expect("q")
        .expect("portions")
        .left_count
}

async fn campus_of(api: &Api, token: &str) -> Uuid {
    let me = api.get("/me", token).await.expect(200).clone();
    Uuid::parse_str(me["campus_id"].as_str().expect("campus")).expect("uuid")
}

#[tokio::test]
async fn dining_sqlite() {
    dining(TestDb::Sqlite).await;
}

#[tokio::test]
async fn dining_postgres() {
    dining(TestDb::Postgres).await;
}
