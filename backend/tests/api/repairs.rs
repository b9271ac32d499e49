//! Repairs end to end on SQLite and PostgreSQL: a report dispatched by
//! skill, zone and shift; a supervisor's reassignment; the technician's
//! steps and parts; a completion that arrives after the job was taken
//! away (accepted, the new assignee told) and a reassignment after
//! completion (refused); the reporter reopening and accepting; the claim
//! pool raced by two technicians; SLA escalation and automatic acceptance
//! on a fake clock; bad input that changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::clock::{Clock, FakeClock};
use houqin_shared::sync::{Cursor, PullResponse};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Api, counts};

/// Tuesday 1 December 2026, 10:00 campus time: the day shift is on.
const NOW: &str = "2026-12-01T02:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn ts(v: &Value) -> DateTime<Utc> {
    at(v.as_str().expect("a time"))
}

async fn me(api: &Api, token: &str) -> Value {
    api.get("/me", token).await.expect(200).clone()
}

/// The zone the demo technician covers, and one of its buildings.
async fn zone_and_building(api: &Api, technician: &str) -> (String, String) {
    let tech = me(api, technician).await;
    let zone = tech["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "zone")
        .expect("a zone")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let buildings = api
        .get("/directory/buildings?limit=500", technician)
        .await
        .expect(200)
        .clone();
    let building = buildings["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|b| b["zone_id"] == zone.as_str())
        .expect("a building in the zone")["id"]
        .as_str()
        .expect("id")
        .to_string();
    (zone, building)
}

fn report(building: &str, category: &str, urgency: &str) -> Value {
    json!({"id": Uuid::now_v7(), "category": category, "urgency": urgency,
        "building_id": building, "room": "302", "description": "水龙头一直漏水"})
}

async fn notes_of(api: &Api, token: &str) -> String {
    api.get("/notifications", token)
        .await
        .expect(200)
        .to_string()
}

async fn sweep(server: &TestServer, now: DateTime<Utc>) -> houqin_server::repairs::sla::Swept {
    houqin_server::repairs::sla::sweep(&server.state.db, now)
        .await
        .expect("sweep")
        .0
}

async fn repairs(db: TestDb) {
    let clock = Arc::new(FakeClock::at(at(NOW)));
    let server = TestServer::start(TestOptions {
        db,
        clock: Some(clock.clone()),
        ..TestOptions::default()
    })
    .await;
    let api = Api::new(&server);
    let mut student = api.login("student").await;
    let mut technician = api.login("technician").await;
    let mut supervisor = api.login("supervisor").await;
    let mut manager;
    let tech_id = me(&api, &technician).await["id"].clone();
    let (zone, building) = zone_and_building(&api, &technician).await;

    // Reported and dispatched at once: to a technician with the skill, the
    // zone and the shift; the SLA clock runs from now.
    let w = api
        .post(
            "/repairs",
            Some(&student),
            report(&building, "plumbing", "high"),
        )
        .await
        .expect(201)
        .clone();
    let id = w["id"].as_str().expect("id").to_string();
    assert_eq!(w["status"], "assigned", "{w}");
    assert!(w["number"].as_str().is_some_and(|n| n.starts_with("R-")));
    assert_eq!(w["zone_id"], zone.as_str());
    assert_eq!(
        ts(&w["respond_by"]) - ts(&w["created_at"]),
        Duration::hours(1)
    );
    assert_eq!(
        ts(&w["resolve_by"]) - ts(&w["created_at"]),
        Duration::hours(24)
    );
    let techs = api
        .get("/repairs/technicians", &supervisor)
        .await
        .expect(200)
        .clone();
    let first = techs
        .as_array()
        .expect("technicians")
        .iter()
        .find(|t| t["user_id"] == w["assignee_id"])
        .expect("the assignee has a profile")
        .clone();
    assert!(
        first["skills"]
            .as_array()
            .expect("skills")
            .contains(&json!("plumbing"))
            && first["zones"]
                .as_array()
                .expect("zones")
                .contains(&json!(zone)),
        "{first}"
    );
    let mine = api.get("/repairs", &student).await.expect(200).clone();
    assert_eq!(mine[0]["id"], id.as_str());

    // The supervisor gives it to the demo technician, saying why; recorded.
    let path = |what: &str| format!("/repairs/{id}/{what}");
    if w["assignee_id"] != tech_id {
        let moved = api
            .post(
                &path("reassign"),
                Some(&supervisor),
                json!({"to": tech_id, "reason": "他离得近"}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(moved["assignee_id"], tech_id);
        let last = moved["history"]
            .as_array()
            .expect("history")
            .last()
            .expect("event")
            .clone();
        assert_eq!(
            (last["kind"].as_str(), last["note"].as_str()),
            (Some("reassigned"), Some("他离得近"))
        );
    }

    // The technician's steps; a pause needs a reason; parts draw the store down.
    let steps_path = path("steps");
    let step = |body: Value| api.post(&steps_path, Some(&technician), body);
    step(json!({"step": "accept"})).await.expect(200);
    step(json!({"step": "on_the_way"})).await.expect(200);
    let started = step(json!({"step": "start"})).await.expect(200).clone();
    assert_eq!(started["status"], "in_progress");
    assert!(started["responded_at"].is_string());
    step(json!({"step": "pause", "reason": "  "}))
        .await
        .expect_error(422, "validation");
    let paused = step(json!({"step": "pause", "reason": "等配件"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(paused["pause_reason"], "等配件");
    step(json!({"step": "accept"}))
        .await
        .expect_error(409, "conflict");
    step(json!({"step": "resume"})).await.expect(200);
    let parts = api
        .get("/repairs/parts", &technician)
        .await
        .expect(200)
        .clone();
    let valve = parts
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["code"] == "P-VALVE")
        .expect("a valve")
        .clone();
    let used = api
        .post(
            &path("parts"),
            Some(&technician),
            json!({"id": Uuid::now_v7(), "part_id": valve["id"], "quantity": 2}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(used["parts"][0]["quantity"], 2);
    let after = api
        .get("/repairs/parts", &technician)
        .await
        .expect(200)
        .clone();
    let left = after
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["id"] == valve["id"])
        .expect("the valve")["stock"]
        .clone();
    assert_eq!(left, valve["stock"].as_i64().expect("stock") - 2);

    // Meanwhile the supervisor gives the job to someone else, online; the
    // first technician's completion (made on site, offline) arrives after:
    // it is accepted, and the new assignee is told they need not go.
    let other = techs
        .as_array()
        .expect("technicians")
        .iter()
        .find(|t| t["user_id"] != tech_id)
        .expect("another technician")["user_id"]
        .clone();
    api.post(
        &path("reassign"),
        Some(&supervisor),
        json!({"to": other, "reason": "原师傅今天请假"}),
    )
    .await
    .expect(200);
    assert!(notes_of(&api, &technician).await.contains("已改派他人"));
    let done = step(json!({"step": "complete", "notes": "换了阀芯", "minutes": 40}))
        .await
        .expect(200)
        .clone();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["assignee_id"], tech_id, "who did it holds it");
    assert_eq!(done["minutes"], 40);
    let kinds: Vec<&str> = done["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.ends_with(&["completed", "late_completion"]),
        "{kinds:?}"
    );
    let other_user: String = {
        // The new assignee's notification says it was done already.
        let rows = houqin_server::entities::notifications::Entity::find()
            .all(&server.state.db.conn)
            .await
            .expect("notifications");
        rows.iter()
            .filter(|n| Some(n.user_id.to_string()) == other.as_str().map(str::to_string))
            .map(|n| n.title_zh.clone())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(other_user.contains("已由"), "{other_user}");
    // A reassignment after completion is refused with the reason.
    let late = api
        .post(
            &path("reassign"),
            Some(&supervisor),
            json!({"to": other, "reason": "再派一次"}),
        )
        .await;
    late.expect_error(409, "conflict");
    assert!(
        late.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("completed")),
        "{:?}",
        late.body
    );
    // The reporter was told, and both people see the outcome.
    assert!(notes_of(&api, &student).await.contains("已完成"));
    let seen = api
        .get(&format!("/repairs/{id}"), &supervisor)
        .await
        .expect(200)
        .clone();
    assert_eq!(seen["status"], "completed");

    // The reporter reopens it (to who did it), then accepts with stars.
    let review_path = path("review");
    let review = |body: Value| api.post(&review_path, Some(&student), body);
    let reopened = review(json!({"verdict": "reopen", "reason": "还在滴水"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (reopened["status"].as_str(), reopened["reopened"].as_i64()),
        (Some("assigned"), Some(1))
    );
    assert_eq!(reopened["assignee_id"], tech_id);
    assert!(notes_of(&api, &technician).await.contains("被重新报修"));
    review(json!({"verdict": "accept", "stars": 5}))
        .await
        .expect_error(409, "conflict");
    step(json!({"step": "start"})).await.expect(200);
    step(json!({"step": "complete", "notes": "重新缠了生料带", "minutes": 15}))
        .await
        .expect(200);
    api.post(
        &path("review"),
        Some(&technician),
        json!({"verdict": "accept", "stars": 5}),
    )
    .await
    .expect_error(403, "forbidden");
    let closed = review(json!({"verdict": "accept", "stars": 4, "comment": "师傅很耐心"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (closed["status"].as_str(), closed["rating"].as_i64()),
        (Some("closed"), Some(4))
    );
    assert_eq!(closed["minutes"], 55);

    // At night nobody is on shift: the job waits in the pool; two
    // technicians of the zone race to claim it and one wins.
    clock.set(at("2026-12-01T15:30:00Z")); // 23:30 campus time
    // Access tokens live minutes; the clock moved hours.
    student = api.login("student").await;
    technician = api.login("technician").await;
    supervisor = api.login("supervisor").await;
    manager = api.login("manager").await;
    let pooled = api
        .post(
            "/repairs",
            Some(&student),
            report(&building, "electrical", "normal"),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(pooled["status"], "open", "{pooled}");
    assert!(pooled["assignee_id"].is_null());
    let pid = pooled["id"].as_str().expect("id").to_string();
    // A colleague from another zone, whom the manager makes cover this one
    // too (dispatch data managers edit).
    let mut profile = techs
        .as_array()
        .expect("technicians")
        .iter()
        .find(|t| t["user_id"] != tech_id)
        .expect("a colleague")
        .clone();
    let same_zone = profile["user_id"].clone();
    profile["zones"]
        .as_array_mut()
        .expect("zones")
        .push(json!(zone));
    api.put(
        &format!("/repairs/technicians/{}", same_zone.as_str().expect("id")),
        &manager,
        profile,
    )
    .await
    .expect(200);
    let colleague_name = houqin_server::entities::users::Entity::find_by_id(
        Uuid::parse_str(same_zone.as_str().expect("id")).expect("uuid"),
    )
    .one(&server.state.db.conn)
    .await
    .expect("q")
    .expect("user")
    .username;
    let colleague = api.login(&colleague_name).await;
    let queue = api
        .get("/repairs?view=queue", &technician)
        .await
        .expect(200)
        .clone();
    assert!(
        queue
            .as_array()
            .expect("queue")
            .iter()
            .any(|q| q["id"] == pid.as_str()),
        "the pool shows"
    );
    let claim = format!("/repairs/{pid}/claim");
    let (a, b) = futures::future::join(
        api.post(&claim, Some(&technician), json!({})),
        api.post(&claim, Some(&colleague), json!({})),
    )
    .await;
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "one claim wins: {a:?} {b:?}"
    );
    let claimed = api
        .get(&format!("/repairs/{pid}"), &supervisor)
        .await
        .expect(200)
        .clone();
    let winner = if a.status.as_u16() == 200 {
        &tech_id
    } else {
        &same_zone
    };
    assert_eq!(claimed["assignee_id"], *winner);

    // SLA: an emergency with no answer is escalated to the zone's
    // supervisor after its response time, to the managers once breached;
    // each once.
    clock.set(at(NOW) + Duration::days(1));
    student = api.login("student").await;
    technician = api.login("technician").await;
    supervisor = api.login("supervisor").await;
    manager = api.login("manager").await;
    let urgent = api
        .post(
            "/repairs",
            Some(&student),
            report(&building, "locks", "emergency"),
        )
        .await
        .expect(201)
        .clone();
    let uid = urgent["id"].as_str().expect("id").to_string();
    let t0 = ts(&urgent["created_at"]);
    let level = |token: String| {
        let api = &api;
        let uid = uid.clone();
        async move {
            api.get(&format!("/repairs/{uid}"), &token)
                .await
                .expect(200)["escalation"]
                .as_i64()
                .expect("escalation")
        }
    };
    let number = urgent["number"].as_str().expect("number").to_string();
    let told = |token: String, what: &'static str| {
        let api = &api;
        let number = number.clone();
        async move {
            let notes = notes_of(api, &token).await;
            notes.matches(&format!("维修单 {number} {what}")).count()
        }
    };
    sweep(&server, t0 + Duration::minutes(5)).await;
    assert_eq!(level(supervisor.clone()).await, 0, "on track");
    let first_sweep = sweep(&server, t0 + Duration::minutes(20)).await;
    assert!(first_sweep.at_risk >= 1, "{first_sweep:?}");
    assert_eq!(
        level(supervisor.clone()).await,
        1,
        "no response in 15 minutes"
    );
    sweep(&server, t0 + Duration::minutes(21)).await;
    assert_eq!(
        told(supervisor.clone(), "可能超时").await,
        1,
        "the supervisor is told once"
    );
    let breached = sweep(&server, t0 + Duration::hours(5)).await;
    assert!(breached.breached >= 1, "{breached:?}");
    assert_eq!(level(manager.clone()).await, 2);
    sweep(&server, t0 + Duration::hours(6)).await;
    assert_eq!(
        told(manager.clone(), "已超时").await,
        1,
        "the manager is told once"
    );

    // A completed job nobody reviews closes by itself after three days.
    let job = api
        .post(
            "/repairs",
            Some(&student),
            report(&building, "plumbing", "low"),
        )
        .await
        .expect(201)
        .clone();
    let jid = job["id"].as_str().expect("id").to_string();
    if job["assignee_id"] != tech_id {
        api.post(
            &format!("/repairs/{jid}/reassign"),
            Some(&supervisor),
            json!({"to": tech_id, "reason": "演示"}),
        )
        .await
        .expect(200);
    }
    api.post(
        &format!("/repairs/{jid}/steps"),
        Some(&technician),
        json!({"step": "complete", "notes": "已处理", "minutes": 10}),
    )
    .await
    .expect(200);
    let completed_at = clock.now();
    assert_eq!(
        sweep(&server, completed_at + Duration::days(2))
            .await
            .closed,
        0
    );
    assert!(
        sweep(&server, completed_at + Duration::days(3))
            .await
            .closed
            >= 1
    );
    let j = api
        .get(&format!("/repairs/{jid}"), &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(j["status"], "closed");

    // An asset's tag: the job reported by it shows as open on the asset, so
    // a second reporter can follow it instead of reporting it again.
    let by_tag = api
        .post(
            "/repairs",
            Some(&student),
            json!({"id": Uuid::now_v7(), "category": "appliance", "urgency": "normal",
                "asset_code": "HQ-000001", "description": "热水器不出热水"}),
        )
        .await
        .expect(201)
        .clone();
    assert!(by_tag["building_id"].is_string() && by_tag["asset_code"] == "HQ-000001");
    let asset = api
        .get("/repairs/assets/HQ-000001", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(asset["open"][0]["id"], by_tag["id"]);
    api.get("/repairs/assets/HQ-999999", &manager)
        .await
        .expect_error(404, "not_found");
    api.get("/repairs/assets/nope", &manager)
        .await
        .expect_error(422, "validation");

    // A passer-by scans the tag in a public space: no account. The asset
    // has an open repair, so the report joins it (its words in the
    // history); once nothing is open, a new anonymous job is made.
    let seen = api
        .call(
            reqwest::Method::GET,
            "/repairs/public/HQ-000001",
            None,
            crate::support::Body::None,
        )
        .await;
    assert_eq!(seen.expect(200)["open"][0], by_tag["number"]);
    assert!(seen.body.get("reporter_id").is_none(), "nothing personal");
    let anonymous =
        |words: &str| json!({"id": Uuid::now_v7(), "urgency": "normal", "description": words});
    let leak_words = anonymous("热水器漏电，小心");
    let joined = api
        .post("/repairs/public/HQ-000001", None, leak_words.clone())
        .await;
    assert_eq!(
        (
            joined.expect(200)["number"].clone(),
            joined.body["joined"].clone()
        ),
        (by_tag["number"].clone(), json!(true))
    );
    // A retry (the answer was lost) answers the same and adds nothing.
    let before_retry = counts(&server).await;
    let retried = api
        .post("/repairs/public/HQ-000001", None, leak_words.clone())
        .await;
    assert_eq!(
        (
            retried.expect(200)["number"].clone(),
            retried.body["joined"].clone()
        ),
        (by_tag["number"].clone(), json!(true))
    );
    assert_eq!(counts(&server).await, before_retry);
    let history = api
        .get(
            &format!("/repairs/{}", by_tag["id"].as_str().expect("id")),
            &manager,
        )
        .await
        .expect(200)["history"]
        .to_string();
    assert!(
        history.contains("reported_again") && history.contains("热水器漏电"),
        "{history}"
    );
    let fresh = api
        .post("/repairs/public/HQ-000002", None, anonymous("空调不制冷"))
        .await;
    assert_eq!(fresh.expect(201)["joined"], false);
    let number = fresh.body["number"].clone();
    let all = api
        .get("/repairs?view=all", &manager)
        .await
        .expect(200)
        .clone();
    let made = all
        .as_array()
        .expect("all")
        .iter()
        .find(|w| w["number"] == number)
        .expect("the anonymous job")
        .clone();
    assert!(
        made["reporter_id"].is_null() && made["asset_code"] == "HQ-000002",
        "{made}"
    );
    for (code, body, status) in [
        ("HQ-999999", anonymous("x"), 404),
        ("hq-1", anonymous("x"), 422),
        ("HQ-000002", anonymous(""), 422),
    ] {
        let r = api
            .post(&format!("/repairs/public/{code}"), None, body)
            .await;
        assert_eq!(r.status.as_u16(), status, "{code}: {r:?}");
    }
    // One address may send 10 an hour (two so far; refusals and retries
    // do not count); the next is refused and changes nothing.
    let mut accepted = 0;
    let flood = loop {
        let r = api
            .post(
                "/repairs/public/HQ-000002",
                None,
                anonymous(&format!("还在滴水 {accepted}")),
            )
            .await;
        if r.status.as_u16() != 200 || accepted > 10 {
            break r;
        }
        accepted += 1;
    };
    assert_eq!(accepted, 8, "{flood:?}");
    flood.expect_error(429, "rate_limited");
    let before_flood = counts(&server).await;
    api.post("/repairs/public/HQ-000002", None, anonymous("再报一次"))
        .await
        .expect_error(429, "rate_limited");
    assert_eq!(counts(&server).await, before_flood);

    // The printable sheet of a building's tags: a QR code per asset,
    // linking to its public report page.
    let asset_building = asset["building_id"].as_str().expect("id");
    let sheet = api
        .get(
            &format!("/repairs/assets/sheet?building_id={asset_building}"),
            &technician,
        )
        .await;
    let html = String::from_utf8(sheet.bytes.clone()).expect("utf-8");
    assert_eq!(sheet.status.as_u16(), 200);
    assert!(
        html.contains("HQ-000001") && html.contains("<svg") && html.contains("/report/HQ-000001"),
        "{html}"
    );

    // Others' repairs stay private.
    let stranger = api.login("staff").await;
    api.get(&format!("/repairs/{id}"), &stranger)
        .await
        .expect_error(404, "not_found");

    // Bad input changes nothing.
    let before = counts(&server).await;
    let bad = |patch: Value| {
        let mut body = report(&building, "plumbing", "normal");
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    for (body, status, field) in [
        (bad(json!({"building_id": null})), 422, "building_id"),
        (
            bad(json!({"building_id": Uuid::now_v7()})),
            422,
            "building_id",
        ),
        (
            bad(json!({"building_id": null, "asset_code": "HQ-424242"})),
            422,
            "asset_code",
        ),
        (bad(json!({"asset_code": "qr-1"})), 422, "asset_code"),
        (bad(json!({"description": ""})), 422, "description"),
        (bad(json!({"photos": ["ab".repeat(32)]})), 422, "photos.0"),
        (
            bad(json!({"photos": vec!["ab".repeat(32); 7]})),
            422,
            "photos",
        ),
        (bad(json!({"category": "magic"})), 422, "category"),
    ] {
        let r = api.post("/repairs", Some(&student), body).await;
        assert_eq!(r.status.as_u16(), status, "{field}: {r:?}");
        assert_eq!(r.field(), field, "{r:?}");
    }
    let open_id = by_tag["id"].as_str().expect("id");
    for (body, status, field) in [
        (
            json!({"id": Uuid::now_v7(), "part_id": Uuid::now_v7(), "quantity": 1}),
            422,
            "part_id",
        ),
        (
            json!({"id": Uuid::now_v7(), "part_id": valve["id"], "quantity": 0}),
            422,
            "quantity",
        ),
    ] {
        // The tag's job is not the demo technician's: a conflict comes first
        // unless it is theirs.
        let r = api
            .post(
                &format!("/repairs/{open_id}/parts"),
                Some(&technician),
                body,
            )
            .await;
        assert!(
            (r.status.as_u16() == status && r.field() == field) || r.status.as_u16() == 409,
            "{field}: {r:?}"
        );
    }
    api.post(
        &format!("/repairs/{open_id}/steps"),
        Some(&student),
        json!({"step": "accept"}),
    )
    .await
    .expect_error(403, "forbidden");
    api.post(
        &format!("/repairs/{open_id}/steps"),
        Some(&technician),
        json!({"step": "complete", "notes": "x", "minutes": 0}),
    )
    .await
    .expect_error(422, "validation");
    api.post(
        &format!("/repairs/{open_id}/review"),
        Some(&student),
        json!({"verdict": "accept", "stars": 9}),
    )
    .await
    .expect_error(422, "validation");
    api.post(
        &format!("/repairs/{open_id}/reassign"),
        Some(&supervisor),
        json!({"to": Uuid::now_v7(), "reason": "?"}),
    )
    .await
    .expect_error(422, "validation");
    let shorter = api
        .put(
            "/repairs/sla",
            &manager,
            json!({"targets": [{"category": "plumbing", "urgency": "low",
            "respond_minutes": 100, "resolve_minutes": 50}]}),
        )
        .await;
    shorter.expect_error(422, "validation");
    assert_eq!(shorter.field(), "targets.0.resolve_minutes");
    assert_eq!(
        counts(&server).await,
        before,
        "refused writes changed nothing"
    );

    // The managers' figures: backlog, completed, time to repair, SLA and
    // reopen rate, by category, building and technician; the month's
    // piece-rate pay; both as files.
    let d = api
        .get("/repairs/dashboard?from=2026-11-30&to=2026-12-31", &manager)
        .await
        .expect(200)
        .clone();
    assert!(
        d["total"]["completed"].as_i64().is_some_and(|n| n >= 2),
        "{d}"
    );
    assert!(
        d["total"]["backlog"].as_i64().is_some_and(|n| n >= 1),
        "{d}"
    );
    assert!(d["total"]["mttr_minutes"].is_number(), "{d}");
    let plumbing = d["by_category"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|b| b["key"] == "plumbing")
        .expect("plumbing")
        .clone();
    assert_eq!(
        plumbing["reopened_pct"], 50,
        "one of two plumbing jobs was reopened: {plumbing}"
    );
    let mine = d["by_technician"]
        .as_array()
        .expect("technicians")
        .iter()
        .find(|b| b["key"] == tech_id)
        .expect("the demo technician")
        .clone();
    assert!(mine["completed"].as_i64().is_some_and(|n| n >= 2), "{mine}");
    let pay = api
        .get("/repairs/pay?month=2026-12", &manager)
        .await
        .expect(200)
        .clone();
    let line = pay
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["technician_id"] == tech_id)
        .expect("their pay")
        .clone();
    // A high job reopened (half of 45 yuan) and a low one (20 yuan).
    assert_eq!(line["pay"], 2_250 + 2_000, "{line}");
    assert_eq!(line["rating_tenths"], 40, "{line}");
    for path in [
        "/repairs/dashboard/export?from=2026-11-30&to=2026-12-31&format=csv",
        "/repairs/pay?month=2026-12&format=csv",
    ] {
        let csv = api.get(path, &manager).await;
        let text = String::from_utf8(csv.bytes.clone()).expect("utf-8");
        assert!(text.starts_with('\u{FEFF}'), "{path}: {text}");
    }
    let xlsx = api
        .get("/repairs/pay?month=2026-12&format=xlsx", &manager)
        .await;
    assert!(xlsx.bytes.starts_with(b"PK"));
    api.get("/repairs/pay?month=December", &manager)
        .await
        .expect_error(422, "validation");
    api.get("/repairs/dashboard?from=2026-12-31&to=2026-12-01", &manager)
        .await
        .expect_error(422, "validation");

    // Managers set targets; later reports use them.
    api.put(
        "/repairs/sla",
        &manager,
        json!({"targets": [{"category": "carpentry", "urgency": "normal",
        "respond_minutes": 30, "resolve_minutes": 120}]}),
    )
    .await
    .expect(200);
    let quick = api
        .post(
            "/repairs",
            Some(&student),
            report(&building, "carpentry", "normal"),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(
        ts(&quick["resolve_by"]) - ts(&quick["created_at"]),
        Duration::minutes(120)
    );

    // A neighbour sees the broken heater, finds its open job by the tag and
    // follows it instead of reporting it again: it shows in their reports
    // and their device's sync, and they are told when it is done.
    let neighbour = api.login("s202600001").await;
    let follow = |token: &str, job: &str, on: bool| {
        let token = token.to_owned();
        let path = format!("/repairs/{job}/follow");
        let api = &api;
        async move { api.post(&path, Some(&token), json!({"follow": on})).await }
    };
    let tagged = api
        .get("/repairs/assets/HQ-000001", &neighbour)
        .await
        .expect(200)["open"][0]["id"]
        .as_str()
        .expect("the open job")
        .to_owned();
    assert_eq!(tagged, open_id);
    api.get(&format!("/repairs/{open_id}"), &neighbour)
        .await
        .expect_error(404, "not_found");
    let followed = follow(&neighbour, open_id, true).await.expect(200).clone();
    let neighbour_id = me(&api, &neighbour).await["id"].clone();
    assert_eq!(followed["followers"], json!([neighbour_id]), "{followed}");
    // Twice is once.
    let again = follow(&neighbour, open_id, true).await;
    assert_eq!(again.expect(200)["followers"], json!([neighbour_id]));
    let mine = api
        .get("/repairs?view=mine", &neighbour)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        mine.as_array()
            .expect("list")
            .iter()
            .map(|w| w["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(open_id)]
    );
    api.get(&format!("/repairs/{open_id}"), &neighbour)
        .await
        .expect(200);
    let phone = Uuid::now_v7().to_string();
    let on_phone = api
        .login_full("s202600001", "demo", Some(&phone))
        .await
        .expect(200)["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let pulled = api
        .get(&format!("/sync/pull?client_id={phone}"), &on_phone)
        .await
        .expect(200)
        .to_string();
    assert!(
        pulled.contains("\"work_order\"") && pulled.contains(open_id),
        "the followed job syncs to the neighbour's device: {pulled}"
    );
    // Someone's room is not followed; one's own job neither; unknown: 404.
    follow(&neighbour, &id, true)
        .await
        .expect_error(404, "not_found");
    let reporter_follows = follow(&student, open_id, true).await;
    reporter_follows.expect_error(409, "conflict");
    assert_eq!(reporter_follows.field(), "work_order_id");
    follow(&neighbour, &Uuid::now_v7().to_string(), true)
        .await
        .expect_error(404, "not_found");

    // Done: the follower is told, and a done job is no longer followed.
    if followed["assignee_id"] != tech_id {
        api.post(
            &format!("/repairs/{open_id}/reassign"),
            Some(&manager),
            json!({"to": tech_id, "reason": "顺路"}),
        )
        .await
        .expect(200);
    }
    let tagged_steps = format!("/repairs/{open_id}/steps");
    api.post(
        &tagged_steps,
        Some(&technician),
        json!({"step": "complete", "notes": "换了加热管", "minutes": 30}),
    )
    .await
    .expect(200);
    assert!(
        notes_of(&api, &neighbour).await.contains("你关注的维修单"),
        "the follower is told"
    );
    let late = api.login("s202600002").await;
    follow(&late, open_id, true)
        .await
        .expect_error(409, "conflict");
    // Unfollowing takes it off their list.
    follow(&neighbour, open_id, false).await.expect(200);
    let mine = api.get("/repairs?view=mine", &neighbour).await;
    assert_eq!(mine.expect(200), &json!([]));

    // A month after closing, a job leaves the zone's scope (the technicians'
    // tablets keep open work and recent history); its reporter keeps it.
    // The work orders a fresh tablet's pull puts in the technician's zone
    // scope (all pages).
    let zone_jobs = async |api: &Api| -> Vec<String> {
        let tablet = Uuid::now_v7().to_string();
        let token = api
            .login_full("technician", "demo", Some(&tablet))
            .await
            .expect(200)["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        let mut cursors: Vec<Cursor> = Vec::new();
        let mut jobs = Vec::new();
        loop {
            let encoded: Vec<String> = cursors.iter().map(Cursor::encode).collect();
            let r = api
                .get(
                    &format!(
                        "/sync/pull?client_id={tablet}&acked=0&cursors={}",
                        encoded.join(",")
                    ),
                    &token,
                )
                .await;
            let page: PullResponse = serde_json::from_value(r.expect(200).clone()).expect("a pull");
            for s in &page.scopes {
                cursors.retain(|c| c.scope != s.scope);
                cursors.push(Cursor {
                    scope: s.scope.clone(),
                    version: s.version,
                });
                if s.scope.starts_with("zone:") {
                    jobs.extend(
                        s.changes
                            .iter()
                            .filter(|c| c.entity == "work_order" && c.data.is_some())
                            .map(|c| c.id.to_string()),
                    );
                }
            }
            if !page.more {
                return jobs;
            }
        }
    };
    let quick_id = quick["id"].as_str().expect("id").to_owned();
    let before_archive = zone_jobs(&api).await;
    assert!(
        before_archive.contains(&jid) && before_archive.contains(&quick_id),
        "a closed job and an open one in the zone"
    );
    sweep(&server, clock.now() + Duration::days(29)).await;
    assert!(
        zone_jobs(&api).await.contains(&jid),
        "closed less than a month ago: still in the zone"
    );
    let archived = sweep(&server, clock.now() + Duration::days(40)).await;
    assert!(archived.archived >= 1, "{archived:?}");
    let after_archive = zone_jobs(&api).await;
    assert!(
        !after_archive.contains(&jid),
        "the month-old closed job left the zone's scope"
    );
    assert!(after_archive.contains(&quick_id), "open work stays");
    api.get(&format!("/repairs/{jid}"), &student)
        .await
        .expect(200);
    assert_eq!(
        sweep(&server, clock.now() + Duration::days(41))
            .await
            .archived,
        0,
        "archived once"
    );
}

#[tokio::test]
async fn repairs_sqlite() {
    repairs(TestDb::Sqlite).await;
}

#[tokio::test]
async fn repairs_postgres() {
    repairs(TestDb::Postgres).await;
}
