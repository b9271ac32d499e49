//! Bad input on every write endpoint gets a 4xx naming the problem — never a
//! 5xx — and changes nothing.

use houqin_server::testkit::TestDb;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Api, Body, counts, operations, start};

struct Case {
    method: &'static str,
    /// The route template, as in the OpenAPI document.
    route: &'static str,
    /// The concrete path to call (ids filled in), relative to /api/v1.
    path: String,
    body: Body,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
    /// Who sends it (a demo username); the admin when `None`.
    who: Option<&'static str>,
}

fn case(
    method: &'static str,
    route: &'static str,
    path: impl Into<String>,
    body: Value,
    field: &'static str,
) -> Case {
    Case {
        method,
        route,
        path: path.into(),
        body: Body::Json(body),
        status: 422,
        code: "validation",
        field: Some(field),
        who: None,
    }
}

async fn first_id(api: &Api, token: &str, path: &str) -> String {
    let reply = api.get(path, token).await;
    let body = reply.expect(200);
    let list = body.get("items").unwrap_or(body);
    list[0]["id"].as_str().expect("an id").to_string()
}

async fn bad_input(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let admin = api.login("admin").await;
    let campus = first_id(&api, &admin, "/directory/campuses").await;
    let building = first_id(&api, &admin, "/directory/buildings").await;
    let other_building =
        api.get("/directory/buildings", &admin).await.expect(200)["items"][1]["id"]
            .as_str()
            .expect("id")
            .to_string();
    let room_elsewhere = first_id(
        &api,
        &admin,
        &format!("/directory/buildings/{other_building}/rooms"),
    )
    .await;
    let student_id = api
        .get("/admin/users?role=student&limit=1", &admin)
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let new = || uuid::Uuid::now_v7().to_string();
    let long = |n: usize| "x".repeat(n);
    let building_body = |patch: Value| {
        let mut b = json!({"campus_id": campus, "zone_id": null, "code": "NEW1", "name": {"zh": "新楼", "en": "New"}, "kind": "office", "floors": 3});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    let room_body = |patch: Value| {
        let mut b = json!({"building_id": building, "level": 1, "number": "999", "kind": "office", "capacity": 4});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    let b_route = "/api/v1/directory/buildings/{id}";
    let r_route = "/api/v1/directory/rooms/{id}";
    let res_route = "/api/v1/directory/resources/{id}";
    let d_route = "/api/v1/directory/devices/{id}";
    let u_route = "/api/v1/admin/users";
    let room = first_id(
        &api,
        &admin,
        &format!("/directory/buildings/{building}/rooms"),
    )
    .await;
    let canteen = first_id(&api, &admin, "/directory/canteens").await;
    let station = first_id(&api, &admin, "/directory/stations").await;
    let named = |zh: &str, en: String| json!({"name": {"zh": zh, "en": en}});
    let client = uuid::Uuid::now_v7().to_string();
    let envelope = |seq: u64, name: &str| {
        json!({"command_id": new(), "seq": seq, "user_id": new(), "name": name,
        "payload": {}, "schema_version": 1, "created_at": "2026-09-01T08:00:00Z"})
    };
    let mut cases = vec![
        case(
            "POST",
            "/api/v1/sync/push",
            "/sync/push",
            json!({"client_id": "nope", "commands": []}),
            "client_id",
        ),
        case(
            "POST",
            "/api/v1/sync/push",
            "/sync/push",
            json!({"client_id": client, "commands": (1..=501).map(|i| envelope(i, "x")).collect::<Vec<_>>()}),
            "commands",
        ),
        case(
            "POST",
            "/api/v1/sync/push",
            "/sync/push",
            json!({"client_id": client, "commands": [envelope(0, "x")]}),
            "commands[0].seq",
        ),
        case(
            "POST",
            "/api/v1/sync/push",
            "/sync/push",
            json!({"client_id": client, "commands": [envelope(1, "x"), envelope(3, "x")]}),
            "commands[1].seq",
        ),
        case(
            "POST",
            "/api/v1/sync/push",
            "/sync/push",
            json!({"client_id": client, "commands": [{"seq": 1}]}),
            "commands[0].command_id",
        ),
        case(
            "PUT",
            "/api/v1/directory/zones/{id}",
            format!("/directory/zones/{}", new()),
            named("", "Zone".into()),
            "name.zh",
        ),
        case(
            "PUT",
            "/api/v1/directory/zones/{id}",
            format!("/directory/zones/{}", new()),
            json!({"name": "东区"}),
            "name",
        ),
        case(
            "PUT",
            "/api/v1/directory/departments/{id}",
            format!("/directory/departments/{}", new()),
            named("部门", long(101)),
            "name.en",
        ),
        case(
            "PUT",
            "/api/v1/directory/beds/{id}",
            format!("/directory/beds/{}", new()),
            json!({"room_id": room, "label": ""}),
            "label",
        ),
        case(
            "PUT",
            "/api/v1/directory/beds/{id}",
            format!("/directory/beds/{}", new()),
            json!({"room_id": new(), "label": "E"}),
            "room_id",
        ),
        case(
            "PUT",
            "/api/v1/directory/canteens/{id}",
            format!("/directory/canteens/{}", new()),
            json!({"building_id": new(), "name": {"zh": "食堂", "en": "C"}}),
            "building_id",
        ),
        case(
            "PUT",
            "/api/v1/directory/canteens/{id}",
            format!("/directory/canteens/{}", new()),
            json!({"building_id": building, "name": {"zh": "食堂"}}),
            "name.en",
        ),
        case(
            "PUT",
            "/api/v1/directory/windows/{id}",
            format!("/directory/windows/{}", new()),
            json!({"canteen_id": canteen, "number": 0, "name": {"zh": "窗", "en": "W"}}),
            "number",
        ),
        case(
            "PUT",
            "/api/v1/directory/windows/{id}",
            format!("/directory/windows/{}", new()),
            json!({"canteen_id": canteen, "number": -3_000_000_000_i64, "name": {"zh": "窗", "en": "W"}}),
            "number",
        ),
        case(
            "PUT",
            "/api/v1/directory/stations/{id}",
            format!("/directory/stations/{}", new()),
            json!({"building_id": building, "name": {"zh": long(101), "en": "S"}}),
            "name.zh",
        ),
        case(
            "PUT",
            "/api/v1/directory/lockers/{id}",
            format!("/directory/lockers/{}", new()),
            json!({"station_id": station, "code": "Z-1", "size": "huge"}),
            "size",
        ),
        case(
            "PUT",
            "/api/v1/directory/lockers/{id}",
            format!("/directory/lockers/{}", new()),
            json!({"station_id": station, "code": long(33), "size": "small"}),
            "code",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            "/auth/login",
            json!({"username": long(65), "password": "p"}),
            "username",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            "/auth/login",
            json!({"username": "student", "password": ""}),
            "password",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            "/auth/login",
            json!({"username": "student", "password": "p", "device_id": ""}),
            "device_id",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            "/auth/login",
            json!({"username": ["a"], "password": "p"}),
            "username",
        ),
        case(
            "POST",
            "/api/v1/auth/refresh",
            "/auth/refresh",
            json!({"refresh_token": long(300)}),
            "refresh_token",
        ),
        case(
            "POST",
            "/api/v1/auth/refresh",
            "/auth/refresh",
            json!({"refresh_token": "no-dot"}),
            "refresh_token",
        ),
        case(
            "PUT",
            "/api/v1/me/lang",
            "/me/lang",
            json!({"lang": "fr"}),
            "lang",
        ),
        case(
            "POST",
            "/api/v1/me/password",
            "/me/password",
            json!({"current_password": "demo", "new_password": "short"}),
            "new_password",
        ),
        case(
            "POST",
            "/api/v1/me/password",
            "/me/password",
            json!({"current_password": "wrong-password", "new_password": "long enough now"}),
            "current_password",
        ),
        case(
            "POST",
            "/api/v1/me/password",
            "/me/password",
            json!({"current_password": "demo", "new_password": long(129)}),
            "new_password",
        ),
        case(
            "POST",
            "/api/v1/notifications/read",
            "/notifications/read",
            json!({"ids": ["not-a-uuid"]}),
            "ids[0]",
        ),
        case(
            "POST",
            "/api/v1/notifications/read",
            "/notifications/read",
            json!({"ids": (0..501).map(|_| new()).collect::<Vec<_>>()}),
            "ids",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": long(65), "display_name": "甲", "password": "long enough", "roles": ["student"]}),
            "username",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": "new.user", "display_name": long(65), "password": "long enough", "roles": ["student"]}),
            "display_name",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": "new.user", "display_name": "甲", "password": "short", "roles": ["student"]}),
            "password",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": "new.user", "display_name": "甲", "password": "long enough", "roles": []}),
            "roles",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": "new.user", "display_name": "甲", "password": "long enough", "roles": ["root"]}),
            "roles[0]",
        ),
        case(
            "POST",
            u_route,
            "/admin/users",
            json!({"username": "new.user", "display_name": "甲", "password": "long enough", "roles": ["technician"], "scopes": [{"kind": "zone", "id": new()}]}),
            "scopes[0]",
        ),
        case(
            "PUT",
            "/api/v1/admin/users/{id}/roles",
            format!("/admin/users/{student_id}/roles"),
            json!({"roles": []}),
            "roles",
        ),
        case(
            "PUT",
            "/api/v1/admin/users/{id}/roles",
            format!("/admin/users/{student_id}/roles"),
            json!({"roles": "student"}),
            "roles",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"floors": -1})),
            "floors",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"floors": 1_u64 << 40})),
            "floors",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"floors": 2.5})),
            "floors",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"code": long(33)})),
            "code",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"name": {"zh": "", "en": "x"}})),
            "name.zh",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"kind": "castle"})),
            "kind",
        ),
        case(
            "PUT",
            b_route,
            format!("/directory/buildings/{}", new()),
            building_body(json!({"campus_id": new()})),
            "campus_id",
        ),
        case(
            "PUT",
            b_route,
            "/directory/buildings/not-a-uuid",
            building_body(json!({})),
            "id",
        ),
        case(
            "PUT",
            r_route,
            format!("/directory/rooms/{}", new()),
            room_body(json!({"capacity": -5})),
            "capacity",
        ),
        case(
            "PUT",
            r_route,
            format!("/directory/rooms/{}", new()),
            room_body(json!({"level": 99_999})),
            "level",
        ),
        case(
            "PUT",
            r_route,
            format!("/directory/rooms/{}", new()),
            room_body(json!({"number": ""})),
            "number",
        ),
        case(
            "PUT",
            r_route,
            format!("/directory/rooms/{}", new()),
            room_body(json!({"building_id": new()})),
            "building_id",
        ),
        case(
            "PUT",
            res_route,
            format!("/directory/resources/{}", new()),
            json!({"campus_id": campus, "building_id": null, "kind": "venue", "name": {"zh": "场", "en": "x".repeat(101)}, "capacity": 1}),
            "name.en",
        ),
        case(
            "PUT",
            res_route,
            format!("/directory/resources/{}", new()),
            json!({"campus_id": campus, "building_id": null, "kind": "venue", "name": {"zh": "场", "en": "Court"}, "capacity": 1_000_000_000_000_i64}),
            "capacity",
        ),
        case(
            "PUT",
            d_route,
            format!("/directory/devices/{}", new()),
            json!({"building_id": building, "room_id": null, "kind": "toaster", "serial": "S1"}),
            "kind",
        ),
        case(
            "PUT",
            d_route,
            format!("/directory/devices/{}", new()),
            json!({"building_id": building, "room_id": null, "kind": "water_meter", "serial": ""}),
            "serial",
        ),
        case(
            "PUT",
            d_route,
            format!("/directory/devices/{}", new()),
            json!({"building_id": building, "room_id": room_elsewhere, "kind": "water_meter", "serial": "S1"}),
            "room_id",
        ),
    ];
    // Attachments: the declaration, the hash in the path, the chunk itself.
    let sha = "ab".repeat(32);
    let declare =
        |sha256: &str, size: u64, mime: &str| json!({"sha256": sha256, "size": size, "mime": mime});
    for (body, field) in [
        (declare("not-a-hash", 10, "image/png"), "sha256"),
        (declare(&sha, 0, "image/png"), "size"),
        (declare(&sha, 8 * 1024 * 1024 + 1, "image/png"), "size"),
        (declare(&sha, 10, "image/gif"), "mime"),
        (declare(&sha, 10, "text/plain"), "mime"),
    ] {
        cases.push(case(
            "POST",
            "/api/v1/attachments",
            "/attachments",
            body,
            field,
        ));
    }
    let chunk_route = "/api/v1/attachments/{sha256}/chunks/{offset}";
    for (path, bytes, field) in [
        (
            "/attachments/xyz/chunks/0".to_string(),
            vec![1u8; 10],
            "sha256",
        ),
        (
            format!("/attachments/{sha}/chunks/-1"),
            vec![1u8; 10],
            "offset",
        ),
        (format!("/attachments/{sha}/chunks/0"), Vec::new(), "body"),
        (
            format!("/attachments/{sha}/chunks/0"),
            vec![0u8; 1024 * 1024 + 1],
            "body",
        ),
    ] {
        cases.push(Case {
            method: "PUT",
            route: chunk_route,
            path,
            body: Body::Raw("application/octet-stream", bytes),
            status: 422,
            code: "validation",
            field: Some(field),
            who: None,
        });
    }
    // Payments: wallets, cards, charges.
    let rand = || uuid::Uuid::now_v7().to_string();
    for (method, route, path, body, field) in [
        (
            "POST",
            "/api/v1/wallet/top-ups",
            "/wallet/top-ups".to_string(),
            json!({"id": rand(), "amount": 0}),
            "amount",
        ),
        (
            "POST",
            "/api/v1/wallet/top-ups",
            "/wallet/top-ups".to_string(),
            json!({"id": "x", "amount": 5}),
            "id",
        ),
        (
            "PUT",
            "/api/v1/wallet/settings",
            "/wallet/settings".to_string(),
            json!({"daily_limit": 0, "no_pin_limit": 0}),
            "daily_limit",
        ),
        (
            "PUT",
            "/api/v1/wallet/settings",
            "/wallet/settings".to_string(),
            json!({"daily_limit": 1000, "no_pin_limit": 2000}),
            "no_pin_limit",
        ),
        (
            "PUT",
            "/api/v1/wallet/pin",
            "/wallet/pin".to_string(),
            json!({"password": "demo", "pin": "123456"}),
            "pin",
        ),
        (
            "PUT",
            "/api/v1/wallet/pin",
            "/wallet/pin".to_string(),
            json!({"password": "demo", "pin": "12"}),
            "pin",
        ),
        (
            "POST",
            "/api/v1/cards",
            "/cards".to_string(),
            json!({"id": rand(), "user_id": student_id, "uid": "zz"}),
            "uid",
        ),
        (
            "POST",
            "/api/v1/cards",
            "/cards".to_string(),
            json!({"id": rand(), "user_id": rand(), "uid": "04AABBCCDD"}),
            "user_id",
        ),
        (
            "POST",
            "/api/v1/cards/report-lost",
            "/cards/report-lost".to_string(),
            json!({"card_id": rand()}),
            "card_id",
        ),
        (
            "POST",
            "/api/v1/cards/{id}/replace",
            format!("/cards/{}/replace", rand()),
            json!({"new_id": rand(), "uid": "nope"}),
            "uid",
        ),
    ] {
        cases.push(case(method, route, path, body, field));
    }
    let charge = |patch: Value| {
        let mut b = json!({"id": rand(), "window_id": rand(), "payer": {"method": "card", "uid": "04AABBCCDD"}, "amount": 100});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (charge(json!({"amount": 0})), "amount"),
        (charge(json!({"amount": -5})), "amount"),
        (
            charge(json!({"payer": {"method": "card", "uid": "xyz"}})),
            "payer.uid",
        ),
        (charge(json!({"pin": "12ab"})), "pin"),
        (
            charge(json!({"payer": {"method": "qr", "code": "HQ1:not-a-code"}})),
            "payer.code",
        ),
        (charge(json!({})), "window_id"),
        (charge(json!({"window_id": "w1"})), "window_id"),
    ] {
        cases.push(Case {
            who: Some("cashier"),
            ..case(
                "POST",
                "/api/v1/payments/charges",
                "/payments/charges",
                body,
                field,
            )
        });
    }
    let refund = |patch: Value| {
        let mut b = json!({"id": rand(), "sale_id": rand(), "amount": 100});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (refund(json!({"amount": 0})), "amount"),
        (refund(json!({"sale_id": "s1"})), "sale_id"),
        (refund(json!({})), "sale_id"),
        (
            refund(json!({"supervisor": {"username": "", "password": "x"}})),
            "supervisor.username",
        ),
    ] {
        cases.push(Case {
            who: Some("cashier"),
            ..case(
                "POST",
                "/api/v1/payments/refunds",
                "/payments/refunds",
                body,
                field,
            )
        });
    }
    // Dining.
    let order = |patch: Value| {
        let mut b = json!({"id": rand(), "window_id": rand(), "day": "2026-12-01", "period": "lunch",
            "slot": "2026-12-01T03:10:00Z", "lines": [{"dish_id": rand(), "quantity": 1}]});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (method, route, path, body, field, who) in [
        (
            "POST",
            "/api/v1/dining/orders",
            "/dining/orders".to_string(),
            order(json!({"lines": []})),
            "lines",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/orders",
            "/dining/orders".to_string(),
            order(json!({"period": "brunch"})),
            "period",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/orders/{id}/cancel",
            format!("/dining/orders/{}/cancel", rand()),
            json!({}),
            "order_id",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/orders/{id}/advance",
            format!("/dining/orders/{}/advance", rand()),
            json!({"to": "placed"}),
            "to",
            Some("cashier"),
        ),
        (
            "POST",
            "/api/v1/dining/walk-ins",
            "/dining/walk-ins".to_string(),
            json!({"id": rand(), "window_id": rand(), "period": "lunch", "lines": []}),
            "lines",
            Some("cashier"),
        ),
        (
            "POST",
            "/api/v1/dining/ratings",
            "/dining/ratings".to_string(),
            json!({"order_id": rand(), "stars": 9}),
            "stars",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/complaints",
            "/dining/complaints".to_string(),
            json!({"id": rand(), "canteen_id": rand(), "text": "   "}),
            "text",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/complaints/{id}/reply",
            format!("/dining/complaints/{}/reply", rand()),
            json!({"status": "open", "reply": "x"}),
            "status",
            Some("supervisor"),
        ),
        (
            "POST",
            "/api/v1/repairs",
            "/repairs".to_string(),
            json!({"id": rand(), "category": "plumbing", "urgency": "high",
                "building_id": rand(), "description": "   "}),
            "description",
            None,
        ),
        (
            "POST",
            "/api/v1/repairs/public/{code}",
            "/repairs/public/HQ-000001".to_string(),
            json!({"id": rand(), "urgency": "low", "description": " "}),
            "description",
            None,
        ),
        (
            "POST",
            "/api/v1/repairs/{id}/steps",
            format!("/repairs/{}/steps", rand()),
            json!({"step": "pause", "reason": ""}),
            "reason",
            Some("technician"),
        ),
        (
            "POST",
            "/api/v1/repairs/{id}/parts",
            format!("/repairs/{}/parts", rand()),
            json!({"id": rand(), "part_id": rand(), "quantity": 0}),
            "quantity",
            Some("technician"),
        ),
        (
            "POST",
            "/api/v1/repairs/{id}/reassign",
            format!("/repairs/{}/reassign", rand()),
            json!({"to": null, "reason": " "}),
            "reason",
            Some("supervisor"),
        ),
        (
            "POST",
            "/api/v1/repairs/{id}/review",
            format!("/repairs/{}/review", rand()),
            json!({"verdict": "accept", "stars": 0}),
            "stars",
            None,
        ),
        (
            "POST",
            "/api/v1/repairs/{id}/follow",
            format!("/repairs/{}/follow", rand()),
            json!({"follow": "yes"}),
            "follow",
            None,
        ),
        (
            "PUT",
            "/api/v1/repairs/technicians/{id}",
            format!("/repairs/technicians/{}", rand()),
            json!({"user_id": rand(), "skills": [], "zones": [], "shift_days": 31,
                "shift_start": 600, "shift_end": 480, "active": true}),
            "shift_end",
            None,
        ),
        (
            "PUT",
            "/api/v1/repairs/sla",
            "/repairs/sla".to_string(),
            json!({"targets": [{"category": "plumbing", "urgency": "low", "respond_minutes": 0, "resolve_minutes": 10}]}),
            "targets.0.respond_minutes",
            None,
        ),
        (
            "POST",
            "/api/v1/dining/inspections",
            "/dining/inspections".to_string(),
            json!({"id": rand(), "canteen_id": rand(), "date": "2026-11-30", "inspector": "王",
                "result": "pass", "photos": ["nope"]}),
            "photos.0",
            None,
        ),
        (
            "PUT",
            "/api/v1/dining/canteens/{id}/calendar",
            format!("/dining/canteens/{}/calendar", rand()),
            json!({"rules": [
                {"period": "lunch", "workdays": true, "weekends": true, "holidays": true},
                {"period": "lunch", "workdays": true, "weekends": false, "holidays": false}
            ]}),
            "rules.1.period",
            None,
        ),
        (
            "PUT",
            "/api/v1/dining/portions",
            "/dining/portions".to_string(),
            json!({"dish_id": rand(), "day": "2026-12-01", "period": "lunch", "total": 6000}),
            "total",
            None,
        ),
        (
            "PUT",
            "/api/v1/dining/dishes/{id}",
            format!("/dining/dishes/{}", rand()),
            json!({"allergens": [], "tags": [], "periods": [],
                "nutrition": {"energy_kcal": 0, "protein_mg": 0, "fat_mg": 0, "carbohydrate_mg": 0, "sodium_mg": 0}}),
            "periods",
            None,
        ),
    ] {
        cases.push(Case {
            who,
            ..case(method, route, path, body, field)
        });
    }
    // The canteen office (the admin is one).
    let settle = |patch: Value| {
        let mut b = json!({"canteen_id": rand(), "day": "2026-01-05"});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (settle(json!({})), "canteen_id"),
        (settle(json!({"canteen_id": "c1"})), "canteen_id"),
        (settle(json!({"day": "2999-01-01"})), "day"),
        (settle(json!({"day": "yesterday"})), "day"),
    ] {
        cases.push(case(
            "POST",
            "/api/v1/payments/settlements",
            "/payments/settlements",
            body,
            field,
        ));
    }
    let policy = |patch: Value| {
        let mut b = json!({"per_sale": 2000, "per_card_day": 5000, "per_kiosk": 300000,
            "max_hotlist_age_secs": 86400});
        for (k, v) in patch.as_object().expect("patch") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (policy(json!({"per_sale": -1})), "per_sale"),
        (policy(json!({"per_sale": 1_000_000})), "per_sale"),
        (policy(json!({"per_card_day": 10})), "per_card_day"),
        (policy(json!({"per_kiosk": 10})), "per_kiosk"),
        (
            policy(json!({"max_hotlist_age_secs": 1})),
            "max_hotlist_age_secs",
        ),
    ] {
        cases.push(case(
            "PUT",
            "/api/v1/payments/kiosk-policy",
            "/payments/kiosk-policy",
            body,
            field,
        ));
    }
    // CSV imports: the body itself is wrong.
    for (bytes, field) in [
        (vec![0xff, 0xfe, 0x00], "body"),
        (b"username,password\nx,y\n".to_vec(), "body"),
    ] {
        cases.push(Case {
            method: "POST",
            route: "/api/v1/admin/users/import",
            path: "/admin/users/import".into(),
            body: Body::Raw("text/csv", bytes),
            status: 422,
            code: "validation",
            field: Some(field),
            who: None,
        });
    }
    // Every write endpoint also gets malformed JSON and a body of the wrong shape.
    let doc = api.openapi().await;
    let writes: Vec<(String, String)> = operations(&doc)
        .into_iter()
        .filter(|(m, _)| m != "GET")
        .collect();
    for (method, route) in &writes {
        let json_body = doc["paths"][route][method.to_lowercase()]["requestBody"]["content"]
            .get("application/json")
            .is_some();
        if !json_body {
            continue;
        }
        let path = route
            .replace("{id}", &student_id)
            .replacen("/api/v1", "", 1);
        let office = route.ends_with("/settlements") || route.ends_with("/kiosk-policy");
        let staff_only = route.ends_with("/advance") || route.ends_with("/walk-ins");
        let supervisor_only = route.ends_with("/reply");
        let technician_only = route.starts_with("/api/v1/repairs/")
            && (route.ends_with("/steps")
                || route.ends_with("/parts")
                || route.ends_with("/claim"));
        let as_cashier = if supervisor_only {
            Some("supervisor")
        } else if technician_only {
            Some("technician")
        } else {
            ((route.starts_with("/api/v1/payments/") && !office) || staff_only).then_some("cashier")
        };
        let route: &'static str = Box::leak(route.clone().into_boxed_str());
        let method: &'static str = Box::leak(method.clone().into_boxed_str());
        cases.push(Case {
            method,
            route,
            path: path.clone(),
            body: Body::Raw("application/json", b"{\"a\":".to_vec()),
            status: 400,
            code: "malformed_request",
            field: None,
            who: as_cashier,
        });
        cases.push(Case {
            method,
            route,
            path,
            body: Body::Json(json!("a string")),
            status: 422,
            code: "validation",
            field: Some("body"),
            who: as_cashier,
        });
    }
    for (method, route) in &writes {
        assert!(
            cases.iter().any(|c| c.method == method
                && c.route == route
                && c.field
                    .is_some_and(|f| f != "body" || route.ends_with("/import")))
                || route.ends_with("/deactivate")
                || route.ends_with("/reactivate")
                || route.ends_with("/unfreeze")
                || route.ends_with("/claim")
                || route.ends_with("/deliver")
                || route.ends_with("/logout")
                || route.ends_with("/ticket"),
            "{method} {route} has no field-level bad-input case"
        );
    }

    let cashier = api.login("cashier").await;
    let supervisor = api.login("supervisor").await;
    let technician = api.login("technician").await;
    let before = counts(&server).await;
    for c in cases {
        let token = match c.who {
            None => &admin,
            Some("cashier") => &cashier,
            Some("supervisor") => &supervisor,
            Some("technician") => &technician,
            Some(other) => panic!("no token for {other}"),
        };
        let reply = api
            .call(
                Method::from_bytes(c.method.as_bytes()).expect("method"),
                &c.path,
                Some(token),
                c.body,
            )
            .await;
        assert!(
            reply.status.as_u16() < 500,
            "{} {}: a 5xx for bad input: {reply:?}",
            c.method,
            c.path
        );
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (c.status, c.code),
            "{} {}: {reply:?}",
            c.method,
            c.path
        );
        if let Some(field) = c.field {
            assert_eq!(reply.field(), field, "{} {}: {reply:?}", c.method, c.path);
        }
        assert!(
            !reply.body["message"].as_str().unwrap_or("").is_empty(),
            "a message explains it: {reply:?}"
        );
    }
    assert_eq!(
        counts(&server).await,
        before,
        "refused writes changed nothing"
    );
    // The admin's password is unchanged: they can still sign in with it.
    api.login("admin").await;
}

#[tokio::test]
async fn bad_input_is_refused_clearly_sqlite() {
    bad_input(TestDb::Sqlite).await;
}

#[tokio::test]
async fn bad_input_is_refused_clearly_postgres() {
    bad_input(TestDb::Postgres).await;
}
