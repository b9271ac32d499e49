//! Health, the OpenAPI document, errors that leak nothing, limits, the served
//! web app, the directory, and the seed.

use houqin_server::db::Db;
use houqin_server::seed::{self, NoProgress, Scale, SeedOptions};
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::support::{Api, Body, operations, start};

#[tokio::test]
async fn health_and_openapi() {
    let server = start(TestDb::Sqlite).await;
    let api = Api::new(&server);
    assert_eq!(
        api.call(Method::GET, "/health", None, Body::None)
            .await
            .expect(200)["status"],
        "ok"
    );
    let ready = api.call(Method::GET, "/ready", None, Body::None).await;
    assert_eq!(ready.expect(200)["status"], "ready");
    assert!(
        ready.request_id.is_some(),
        "every response carries a request id"
    );
    // No cache keeps or replays an API answer (a replayed pull would move a
    // device's cursors back).
    for path in ["/ready", "/sync/pull?client_id=x", "/nowhere"] {
        let res = api
            .http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .expect("answer");
        assert_eq!(
            res.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }

    let doc = api.openapi().await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let ops = operations(&doc);
    assert!(ops.len() >= 35, "{}", ops.len());
    for (method, path) in ops {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} documents no success response"
        );
        let public =
            ["/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json"].contains(&path.as_str());
        if !public {
            let error_refs = responses
                .iter()
                .filter(|(s, _)| s.starts_with('4'))
                .filter(|(_, r)| r.to_string().contains("#/components/schemas/ApiErrorBody"))
                .count();
            assert!(error_refs > 0, "{method} {path} documents no error schema");
        }
        if method == "POST" || method == "PUT" {
            let has_body = op.get("requestBody").is_some();
            let bodiless = path.ends_with("/logout")
                || path.ends_with("/deactivate")
                || path.ends_with("/reactivate")
                || path.ends_with("/unfreeze")
                || path.ends_with("/cancel")
                || path.ends_with("/claim")
                || path.ends_with("/deliver")
                || path.ends_with("/ticket");
            assert!(
                has_body || bodiless,
                "{method} {path} documents no request body"
            );
        }
    }
    for schema in [
        "LoginRequest",
        "LoginResponse",
        "Me",
        "ApiErrorBody",
        "ErrorCode",
        "Building",
        "PutBuilding",
        "ImportReport",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "schema {schema} missing"
        );
    }
}

#[tokio::test]
async fn internal_errors_leak_nothing() {
    let server = start(TestDb::Sqlite).await;
    let api = Api::new(&server);
    let token = api.login("student").await;
    // Break the database under the server: the table a request needs is gone.
    server
        .state
        .db
        .conn
        .execute_unprepared("DROP TABLE notifications")
        .await
        .expect("drop");
    let reply = api.get("/notifications", &token).await;
    reply.expect_error(500, "internal");
    let text = reply.body.to_string();
    assert!(
        !text.contains("notifications") && !text.to_lowercase().contains("table"),
        "{text}"
    );
    assert_eq!(
        reply.body["request_id"].as_str(),
        reply.request_id.as_deref(),
        "the body quotes the request id"
    );
}

#[tokio::test]
async fn limits_and_unknown_routes() {
    let server = start(TestDb::Sqlite).await;
    let api = Api::new(&server);
    let big = format!(
        "{{\"username\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(3 * 1024 * 1024)
    );
    let reply = api
        .call(
            Method::POST,
            "/auth/login",
            None,
            Body::Raw("application/json", big.into_bytes()),
        )
        .await;
    reply.expect_error(413, "payload_too_large");
    api.call(Method::GET, "/no/such/thing", None, Body::None)
        .await
        .expect_error(404, "not_found");
    let token = api.login("student").await;
    api.get("/directory/buildings?limit=9999", &token)
        .await
        .expect_error(422, "validation");
    let bad_kind = api.get("/directory/buildings?kind=castle", &token).await;
    bad_kind.expect_error(422, "validation");
}

#[tokio::test]
async fn serves_the_web_app_with_deep_links() {
    let dir = std::env::temp_dir().join(format!("houqin-dist-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Houqin test index</title>",
    )
    .expect("index");
    std::fs::write(dir.join("app.js"), "console.log('hi')").expect("js");
    let server = TestServer::start(TestOptions {
        static_dir: Some(dir.clone()),
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    for path in ["/", "/login", "/s/repairs", "/deep/link/to/somewhere"] {
        let res = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.text()
                .await
                .expect("text")
                .contains("Houqin test index"),
            "{path}"
        );
    }
    let js = http
        .get(format!("{}/app.js", server.url))
        .send()
        .await
        .expect("get");
    assert_eq!(js.text().await.expect("text"), "console.log('hi')");
    let api_404 = http
        .get(format!("{}/api/v1/nothing", server.url))
        .send()
        .await
        .expect("get");
    assert_eq!(api_404.status(), 404, "unknown API paths are not the app");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

async fn directory(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let student = api.get_token("student").await;
    let manager = api.get_token("manager").await;
    let campus = api.get("/directory/campuses", &student).await.expect(200)[0].clone();
    assert_eq!(campus["name"]["zh"], "青禾大学");
    assert_eq!(campus["name"]["en"], "Qinghe University");
    let dorms = api
        .get("/directory/buildings?kind=dorm", &student)
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(dorms.as_array().expect("dorms").len(), 2);
    let dorm = dorms[0]["id"].as_str().expect("id").to_string();
    let floors = api
        .get(&format!("/directory/buildings/{dorm}/floors"), &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(floors.as_array().expect("floors").len(), 2);
    let rooms = api
        .get(
            &format!("/directory/buildings/{dorm}/rooms?limit=2"),
            &student,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(rooms["items"].as_array().expect("rooms").len(), 2);
    assert!(rooms["next_after"].is_string());
    let room = rooms["items"][0]["id"].as_str().expect("room").to_string();
    assert_eq!(
        api.get(&format!("/directory/rooms/{room}/beds"), &student)
            .await
            .expect(200)
            .as_array()
            .expect("beds")
            .len(),
        4
    );
    let canteens = api
        .get("/directory/canteens", &student)
        .await
        .expect(200)
        .clone();
    let canteen = canteens[0]["id"].as_str().expect("canteen").to_string();
    assert_eq!(
        api.get(&format!("/directory/canteens/{canteen}/windows"), &student)
            .await
            .expect(200)
            .as_array()
            .expect("w")
            .len(),
        2
    );
    let dishes = api
        .get(&format!("/directory/canteens/{canteen}/dishes"), &student)
        .await
        .expect(200)
        .clone();
    assert!(dishes[0]["price"].as_i64().expect("fen") > 0);
    let station = api.get("/directory/stations", &student).await.expect(200)[0]["id"]
        .as_str()
        .expect("s")
        .to_string();
    assert_eq!(
        api.get(&format!("/directory/stations/{station}/lockers"), &student)
            .await
            .expect(200)
            .as_array()
            .expect("l")
            .len(),
        10
    );
    assert_eq!(
        api.get("/directory/resources?kind=venue", &student)
            .await
            .expect(200)["items"][0]["kind"],
        "venue"
    );

    // A manager adds a building, then a room on a floor the building lacks, then a meter.
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({"campus_id": campus["id"], "zone_id": null, "code": "NEW", "name": {"zh": "新实验楼", "en": "New Lab"}, "kind": "lab", "floors": 3});
    api.put(
        &format!("/directory/buildings/{id}"),
        &manager,
        body.clone(),
    )
    .await
    .expect(200);
    let mut renamed = body.clone();
    renamed["name"]["en"] = json!("New Laboratory");
    assert_eq!(
        api.put(&format!("/directory/buildings/{id}"), &manager, renamed)
            .await
            .expect(200)["name"]["en"],
        "New Laboratory"
    );
    let clash = api
        .put(
            &format!("/directory/buildings/{}", uuid::Uuid::now_v7()),
            &manager,
            body,
        )
        .await;
    clash.expect_error(409, "conflict");
    assert_eq!(clash.field(), "code");
    let room_id = uuid::Uuid::now_v7().to_string();
    let room = api
        .put(
            &format!("/directory/rooms/{room_id}"),
            &manager,
            json!({"building_id": id, "level": 2, "number": "201", "kind": "lab", "capacity": 30}),
        )
        .await
        .expect(200)
        .clone();
    let floors = api
        .get(&format!("/directory/buildings/{id}/floors"), &student)
        .await
        .expect(200)
        .clone();
    assert_eq!(floors[0]["id"], room["floor_id"]);
    let device = uuid::Uuid::now_v7().to_string();
    api.put(&format!("/directory/devices/{device}"), &manager, json!({"building_id": id, "room_id": room_id, "kind": "electricity_meter", "serial": "NEW-1"}))
        .await
        .expect(200);
    let devices = api
        .get(&format!("/directory/devices?building_id={id}"), &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(devices["items"][0]["serial"], "NEW-1");
    let log = api
        .get("/audit?action=directory_changed", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(log.as_array().expect("log").len(), 4, "{log}");
}

impl Api {
    async fn get_token(&self, user: &str) -> String {
        self.login(user).await
    }
}

#[tokio::test]
async fn directory_sqlite() {
    directory(TestDb::Sqlite).await;
}

#[tokio::test]
async fn directory_postgres() {
    directory(TestDb::Postgres).await;
}

async fn dump(seed_value: u64) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("houqin-seed-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = Db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.join("s.sqlite").display()
    ))
    .await
    .expect("db");
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).expect("time");
    let summary = seed::seed(
        &db,
        SeedOptions {
            seed: seed_value,
            scale: Scale::tiny(),
            now,
            progress: &NoProgress,
        },
    )
    .await
    .expect("seed");
    assert!(!summary.already_seeded);
    let again = seed::seed(
        &db,
        SeedOptions {
            seed: seed_value,
            scale: Scale::tiny(),
            now,
            progress: &NoProgress,
        },
    )
    .await
    .expect("seed");
    assert!(again.already_seeded, "seeding twice changes nothing");
    use houqin_server::entities::{buildings, dishes, lockers, users};
    use sea_orm::{EntityTrait, QueryOrder};
    let mut out = Vec::new();
    for u in users::Entity::find()
        .order_by_asc(users::Column::Id)
        .all(&db.conn)
        .await
        .expect("users")
    {
        out.push(format!("{} {} {}", u.id, u.username, u.display_name));
    }
    for b in buildings::Entity::find()
        .order_by_asc(buildings::Column::Id)
        .all(&db.conn)
        .await
        .expect("buildings")
    {
        out.push(format!("{} {} {} {}", b.id, b.code, b.name_zh, b.name_en));
    }
    for d in dishes::Entity::find()
        .order_by_asc(dishes::Column::Id)
        .all(&db.conn)
        .await
        .expect("dishes")
    {
        out.push(format!("{} {} {}", d.id, d.name_zh, d.price_fen));
    }
    for l in lockers::Entity::find()
        .order_by_asc(lockers::Column::Id)
        .all(&db.conn)
        .await
        .expect("lockers")
    {
        out.push(format!("{} {} {}", l.id, l.code, l.size));
    }
    let _ = std::fs::remove_dir_all(dir);
    out
}

#[tokio::test]
async fn the_seed_is_deterministic() {
    let a = dump(7).await;
    assert_eq!(a, dump(7).await);
    assert_ne!(a, dump(8).await);
    let logins = seed::demo_logins();
    assert_eq!(logins.len(), 8);
    for (_, username) in logins {
        assert!(
            a.iter()
                .any(|r| r.split(' ').nth(1) == Some(username.as_str())),
            "no demo login {username}"
        );
    }
}
