//! The sync protocol's server half: push (in order, exactly once, stored
//! outcomes, gaps refused, rejections final) and pull (authorised scopes,
//! commit-ordered versions, checksums, resets, dropped scopes).

use houqin_server::testkit::TestDb;
use houqin_shared::sync::{PullResponse, PushResponse, row_hash};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Api, start};

/// A device: its id is the `device_id` it signs in with, and its `client_id`.
struct Device {
    id: String,
    token: String,
    user_id: String,
    seq: u64,
}

impl Device {
    async fn sign_in(api: &Api, username: &str) -> Device {
        let id = Uuid::now_v7().to_string();
        Device::sign_in_on(api, username, id).await
    }

    async fn sign_in_on(api: &Api, username: &str, id: String) -> Device {
        let r = api
            .login_full(username, "demo", Some(&id))
            .await
            .expect(200)
            .clone();
        Device {
            id,
            token: r["access_token"].as_str().expect("t").into(),
            user_id: r["user"]["id"].as_str().expect("u").into(),
            seq: 0,
        }
    }

    fn command(&mut self, name: &str, payload: Value) -> Value {
        self.seq += 1;
        json!({"command_id": Uuid::now_v7(), "seq": self.seq, "user_id": self.user_id, "name": name,
            "payload": payload, "schema_version": 1, "created_at": "2026-09-01T08:00:00Z"})
    }

    async fn push(&self, api: &Api, commands: &[Value]) -> PushResponse {
        let r = api
            .post(
                "/sync/push",
                Some(&self.token),
                json!({"client_id": self.id, "commands": commands}),
            )
            .await;
        serde_json::from_value(r.expect(200).clone()).expect("push response")
    }

    async fn pull(&self, api: &Api, cursors: &str, acked: u64) -> PullResponse {
        let r = api
            .get(
                &format!(
                    "/sync/pull?client_id={}&acked={acked}&cursors={cursors}",
                    self.id
                ),
                &self.token,
            )
            .await;
        serde_json::from_value(r.expect(200).clone()).expect("pull response")
    }
}

/// The pulling user's own scope in a pull (beside the menus and the rest).
fn user_scope(p: &PullResponse) -> &houqin_shared::sync::ScopeChanges {
    p.scopes
        .iter()
        .find(|s| s.scope.starts_with("user:"))
        .expect("the user's scope")
}

fn checksum_of(changes: &[houqin_shared::sync::Change]) -> u64 {
    changes
        .iter()
        .filter_map(|c| {
            c.data
                .as_ref()
                .map(|d| row_hash(&c.entity, c.id, &serde_json::to_string(d).expect("json")))
        })
        .fold(0u64, u64::wrapping_add)
}

async fn push_is_ordered_and_exactly_once(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let mut phone = Device::sign_in(&api, "student").await;
    let notes = api
        .get("/notifications", &phone.token)
        .await
        .expect(200)
        .clone();
    let welcome = notes["items"][0]["id"].as_str().expect("id").to_string();

    let c1 = phone.command("notifications.mark_read", json!({"ids": [welcome]}));
    let c2 = phone.command("accounts.set_lang", json!({"lang": "klingon"}));
    let c3 = phone.command(&"x".repeat(65), json!({}));
    let c4 = phone.command("accounts.set_lang", json!({"lang": "en"}));
    // A gap: seq 2 onwards is sent before seq 1 arrived.
    let gap = phone.push(&api, &[c2.clone(), c3.clone()]).await;
    assert_eq!((gap.last_applied_seq, gap.expected_seq), (0, Some(1)));
    assert!(gap.outcomes.is_empty());
    let first = phone
        .push(&api, &[c1.clone(), c2.clone(), c3.clone(), c4.clone()])
        .await;
    assert_eq!(first.last_applied_seq, 4);
    let statuses: Vec<Value> = first
        .outcomes
        .iter()
        .map(|o| serde_json::to_value(&o.outcome).expect("o"))
        .collect();
    assert_eq!(statuses[0]["status"], "accepted");
    assert_eq!(
        (
            statuses[1]["status"].as_str(),
            statuses[1]["code"].as_str(),
            statuses[1]["field"].as_str()
        ),
        (Some("rejected"), Some("validation"), Some("payload"))
    );
    assert_eq!(
        (
            statuses[2]["status"].as_str(),
            statuses[2]["field"].as_str()
        ),
        (Some("rejected"), Some("name"))
    );
    assert_eq!(
        statuses[3]["status"], "accepted",
        "a rejection does not wedge the queue"
    );
    // Replays (a lost response, a duplicate delivery) get the stored outcomes and change nothing.
    let before = crate::support::counts(&server).await;
    let replay = phone.push(&api, &[c1.clone(), c2, c3, c4]).await;
    assert_eq!(replay.outcomes, first.outcomes);
    let again = phone.push(&api, &[c1]).await;
    assert_eq!(again.outcomes[0], first.outcomes[0]);
    assert_eq!(crate::support::counts(&server).await, before);
    let me = api.get("/me", &phone.token).await.expect(200).clone();
    assert_eq!(me["lang"], "en");
    assert_eq!(
        api.get("/notifications", &phone.token).await.expect(200)["unread"],
        0
    );

    // A reused command id under a new seq is refused, finally.
    let mut reused = phone.command("accounts.set_lang", json!({"lang": "zh-CN"}));
    reused["command_id"] = first.outcomes[3].command_id.0.to_string().into();
    let r = phone.push(&api, &[reused]).await;
    assert_eq!(
        serde_json::to_value(&r.outcomes[0].outcome).expect("o")["code"],
        "conflict"
    );
    assert_eq!(r.last_applied_seq, 5);
    assert_eq!(api.get("/me", &phone.token).await.expect(200)["lang"], "en");

    // A previous schema version is upcast and applies once.
    let mut old = phone.command("accounts.set_lang", json!({"lang": "zh-CN"}));
    old["schema_version"] = json!(0);
    let mut future = phone.command("accounts.set_lang", json!({"lang": "en"}));
    future["schema_version"] = json!(99);
    let r = phone.push(&api, &[old, future]).await;
    assert_eq!(
        serde_json::to_value(&r.outcomes[0].outcome).expect("o")["status"],
        "accepted"
    );
    assert_eq!(
        serde_json::to_value(&r.outcomes[1].outcome).expect("o")["field"],
        "schema_version"
    );
    assert_eq!(
        api.get("/me", &phone.token).await.expect(200)["lang"],
        "zh-CN"
    );

    // Outcomes also come back by pull, after what the client acknowledged.
    let pulled = phone.pull(&api, "", 5).await;
    assert_eq!(pulled.last_applied_seq, 7);
    assert_eq!(
        pulled.outcomes.iter().map(|o| o.seq).collect::<Vec<_>>(),
        vec![6, 7]
    );
}

#[tokio::test]
async fn push_is_ordered_and_exactly_once_sqlite() {
    push_is_ordered_and_exactly_once(TestDb::Sqlite).await;
}

#[tokio::test]
async fn push_is_ordered_and_exactly_once_postgres() {
    push_is_ordered_and_exactly_once(TestDb::Postgres).await;
}

async fn shared_devices_and_other_devices(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    // A kiosk: staff signs in, queues a command, the shift ends, a supervisor signs in.
    let mut kiosk = Device::sign_in(&api, "staff").await;
    let by_staff = kiosk.command("accounts.set_lang", json!({"lang": "en"}));
    let next = Device::sign_in_on(&api, "supervisor", kiosk.id.clone()).await;
    let r = next.push(&api, &[by_staff]).await;
    assert_eq!(
        serde_json::to_value(&r.outcomes[0].outcome).expect("o")["status"],
        "accepted",
        "{r:?}"
    );
    let staff = api.login("staff").await;
    assert_eq!(
        api.get("/me", &staff).await.expect(200)["lang"],
        "en",
        "applied as the staff member"
    );

    // Nobody can push in the name of a user who never signed in on that device.
    let mut thief = Device::sign_in(&api, "s202600001").await;
    let mut forged = thief.command("accounts.set_lang", json!({"lang": "en"}));
    forged["user_id"] = kiosk.user_id.clone().into();
    thief.seq = 0;
    let r = thief.push(&api, &[forged]).await;
    assert_eq!(
        serde_json::to_value(&r.outcomes[0].outcome).expect("o")["code"],
        "forbidden"
    );
    // ...nor push or pull as another device.
    let other = api
        .post(
            "/sync/push",
            Some(&thief.token),
            json!({"client_id": kiosk.id, "commands": []}),
        )
        .await;
    other.expect_error(422, "validation");
    assert_eq!(other.field(), "client_id");
    let pull = api
        .get(&format!("/sync/pull?client_id={}", kiosk.id), &thief.token)
        .await;
    pull.expect_error(422, "validation");
}

#[tokio::test]
async fn shared_devices_and_other_devices_sqlite() {
    shared_devices_and_other_devices(TestDb::Sqlite).await;
}

#[tokio::test]
async fn shared_devices_and_other_devices_postgres() {
    shared_devices_and_other_devices(TestDb::Postgres).await;
}

async fn pull_scopes_checksums_and_cursors(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let phone = Device::sign_in(&api, "student").await;
    let first = phone.pull(&api, "", 0).await;
    let names: Vec<&str> = first.scopes.iter().map(|s| s.scope.as_str()).collect();
    let me: Value = api.get("/me", &phone.token).await.expect(200).clone();
    let menu = format!("menu:{}", me["campus_id"].as_str().expect("campus"));
    assert_eq!(
        names,
        vec![menu.as_str(), format!("user:{}", phone.user_id).as_str()],
        "a student reads their own scope and the campus's menus"
    );
    let mine = user_scope(&first);
    assert_eq!(mine.scope, format!("user:{}", phone.user_id));
    assert!(mine.reset);
    assert!(mine.changes.iter().any(|c| c.entity == "profile"));
    assert!(mine.changes.iter().any(|c| c.entity == "notification"));
    assert_eq!(mine.checksum, Some(checksum_of(&mine.changes)));
    // Asking for someone else's scope yields nothing of it: it is dropped.
    let someone = Uuid::now_v7();
    let snoop = phone
        .pull(&api, &format!("user:{someone}@0,{}@0", mine.scope), 0)
        .await;
    assert_eq!(snoop.dropped, vec![format!("user:{someone}")]);
    assert!(
        snoop
            .scopes
            .iter()
            .all(|s| s.scope != format!("user:{someone}"))
    );

    // A change made online reaches the device's next pull, and only it.
    let note = mine
        .changes
        .iter()
        .find(|c| c.entity == "notification")
        .expect("note")
        .id;
    api.post(
        "/notifications/read",
        Some(&phone.token),
        json!({"ids": [note]}),
    )
    .await
    .expect(204);
    let second = phone
        .pull(&api, &format!("{}@{}", mine.scope, mine.version), 0)
        .await;
    let s = user_scope(&second);
    assert!(
        s.reset,
        "the scope was materialised by that write: the version-0 cursor resets"
    );
    let third_cursor = format!("{}@{}", s.scope, s.version);
    api.put("/me/lang", &phone.token, json!({"lang": "en"}))
        .await
        .expect(204);
    let third = phone.pull(&api, &third_cursor, 0).await;
    let t = user_scope(&third);
    assert!(!t.reset);
    assert_eq!(t.changes.len(), 1, "{t:?}");
    assert_eq!(t.changes[0].entity, "profile");
    assert_eq!(t.changes[0].data.as_ref().expect("data")["lang"], "en");
    assert!(t.version > s.version, "versions only move forward");
    // The client's state after applying both pages matches the server's checksum.
    let mut rows: std::collections::BTreeMap<(String, Uuid), Value> = Default::default();
    for c in s.changes.iter().chain(t.changes.iter()) {
        match &c.data {
            Some(d) => rows.insert((c.entity.clone(), c.id), d.clone()),
            None => rows.remove(&(c.entity.clone(), c.id)),
        };
    }
    let sum = rows
        .iter()
        .map(|((e, id), d)| row_hash(e, *id, &serde_json::to_string(d).expect("j")))
        .fold(0u64, u64::wrapping_add);
    assert_eq!(Some(sum), t.checksum);
    // Paging: one change per page.
    let paged = api
        .get(
            &format!("/sync/pull?client_id={}&limit=1", phone.id),
            &phone.token,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(paged["more"], true);
    let paged_user = paged["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["scope"].as_str().is_some_and(|n| n.starts_with("user:")))
        .expect("the user's scope");
    assert!(paged_user["checksum"].is_null(), "{paged_user}");
    api.get(
        &format!("/sync/pull?client_id={}&cursors=garbage", phone.id),
        &phone.token,
    )
    .await
    .expect_error(422, "validation");
}

#[tokio::test]
async fn pull_scopes_checksums_and_cursors_sqlite() {
    pull_scopes_checksums_and_cursors(TestDb::Sqlite).await;
}

#[tokio::test]
async fn pull_scopes_checksums_and_cursors_postgres() {
    pull_scopes_checksums_and_cursors(TestDb::Postgres).await;
}

async fn technician_moves_zone(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let admin = api.login("admin").await;
    let tablet = Device::sign_in(&api, "technician").await;
    let zones = api
        .get("/directory/zones", &admin)
        .await
        .expect(200)
        .clone();
    let me = api.get("/me", &tablet.token).await.expect(200).clone();
    let old_zone = me["scopes"][0]["id"].as_str().expect("zone").to_string();
    let new_zone = zones
        .as_array()
        .expect("zones")
        .iter()
        .map(|z| z["id"].as_str().expect("id").to_string())
        .find(|z| *z != old_zone)
        .expect("another zone");
    let first = tablet.pull(&api, "", 0).await;
    let zone_scope = first
        .scopes
        .iter()
        .find(|s| s.scope == format!("zone:{old_zone}"))
        .expect("zone scope");
    let old_buildings: Vec<Uuid> = zone_scope.changes.iter().map(|c| c.id).collect();
    assert!(!old_buildings.is_empty());
    let cursors = first
        .scopes
        .iter()
        .map(|s| format!("{}@{}", s.scope, s.version))
        .collect::<Vec<_>>()
        .join(",");

    let user_id = tablet.user_id.clone();
    api.put(
        &format!("/admin/users/{user_id}/roles"),
        &admin,
        json!({"roles": ["technician"], "scopes": [{"kind": "zone", "id": new_zone}]}),
    )
    .await
    .expect(200);
    let after = tablet.pull(&api, &cursors, 0).await;
    assert_eq!(
        after.dropped,
        vec![format!("zone:{old_zone}")],
        "the old zone's rows are dropped"
    );
    let profile = after
        .scopes
        .iter()
        .flat_map(|s| s.changes.iter())
        .find(|c| c.entity == "profile")
        .expect("the profile follows the role change");
    assert_eq!(
        profile.data.as_ref().expect("data")["scopes"][0]["id"],
        new_zone.as_str()
    );
    let gained = after
        .scopes
        .iter()
        .find(|s| s.scope == format!("zone:{new_zone}"))
        .expect("the new zone arrives");
    assert!(gained.reset);
    assert!(!gained.changes.is_empty());
    assert!(
        gained
            .changes
            .iter()
            .all(|c| !old_buildings.contains(&c.id))
    );

    // A building moved between zones leaves one scope and joins the other.
    let moving = gained.changes[0].clone();
    let mut building = api
        .get(&format!("/directory/buildings/{}", moving.id), &admin)
        .await
        .expect(200)
        .clone();
    let new_cursor = format!("zone:{new_zone}@{}", gained.version);
    building["zone_id"] = old_zone.clone().into();
    let campus = building["campus_id"].clone();
    api.put(&format!("/directory/buildings/{}", moving.id), &admin, json!({"campus_id": campus, "zone_id": old_zone, "code": building["code"], "name": building["name"], "kind": building["kind"], "floors": building["floors"]}))
        .await
        .expect(200);
    let moved = tablet.pull(&api, &new_cursor, 0).await;
    let scope = moved
        .scopes
        .iter()
        .find(|s| s.scope == format!("zone:{new_zone}"))
        .expect("scope");
    let gone: Vec<_> = scope.changes.iter().filter(|c| c.id == moving.id).collect();
    if scope.reset {
        // The scope's first write re-snapshots it: the building is simply not in it.
        assert!(gone.iter().all(|c| c.data.is_none()), "{scope:?}");
    } else {
        assert!(
            !gone.is_empty() && gone.iter().all(|c| c.data.is_none()),
            "the building left the zone: {scope:?}"
        );
    }
    // And once materialised, moving it back arrives as a row, moving it away as a tombstone.
    let cursor = format!("zone:{new_zone}@{}", scope.version);
    let body = |zone: &str| json!({"campus_id": campus, "zone_id": zone, "code": building["code"], "name": building["name"], "kind": building["kind"], "floors": building["floors"]});
    api.put(
        &format!("/directory/buildings/{}", moving.id),
        &admin,
        body(&new_zone),
    )
    .await
    .expect(200);
    let back = tablet.pull(&api, &cursor, 0).await;
    let s = back
        .scopes
        .iter()
        .find(|s| s.scope == format!("zone:{new_zone}"))
        .expect("scope");
    assert!(!s.reset);
    assert!(
        s.changes
            .iter()
            .any(|c| c.id == moving.id && c.data.is_some()),
        "{s:?}"
    );
    let cursor = format!("zone:{new_zone}@{}", s.version);
    api.put(
        &format!("/directory/buildings/{}", moving.id),
        &admin,
        body(&old_zone),
    )
    .await
    .expect(200);
    let away = tablet.pull(&api, &cursor, 0).await;
    let s = away
        .scopes
        .iter()
        .find(|s| s.scope == format!("zone:{new_zone}"))
        .expect("scope");
    assert!(
        s.changes
            .iter()
            .any(|c| c.id == moving.id && c.data.is_none()),
        "a tombstone: {s:?}"
    );
}

#[tokio::test]
async fn technician_moves_zone_sqlite() {
    technician_moves_zone(TestDb::Sqlite).await;
}

#[tokio::test]
async fn technician_moves_zone_postgres() {
    technician_moves_zone(TestDb::Postgres).await;
}

/// Many concurrent writers to one scope on PostgreSQL: a client pulling all the
/// while never skips a change that committed late.
#[tokio::test]
async fn concurrent_writers_never_skip_a_change_postgres() {
    let server = start(TestDb::Postgres).await;
    let api = Api::new(&server);
    let phone = Device::sign_in(&api, "staff").await;
    let first = phone.pull(&api, "", 0).await;
    let scope = user_scope(&first).scope.clone();
    // Materialise the scope so later pulls are incremental.
    api.put("/me/lang", &phone.token, json!({"lang": "en"}))
        .await
        .expect(204);
    let mut seen: std::collections::BTreeMap<(String, Uuid), Value> = Default::default();
    let mut cursor = 0u64;
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let api = Api {
                base: api.base.clone(),
                http: reqwest::Client::new(),
            };
            let token = phone.token.clone();
            tokio::spawn(async move {
                for j in 0..15 {
                    let lang = if (i + j) % 2 == 0 { "en" } else { "zh-CN" };
                    api.put("/me/lang", &token, json!({"lang": lang}))
                        .await
                        .expect(204);
                }
            })
        })
        .collect();
    let apply =
        |p: &PullResponse, seen: &mut std::collections::BTreeMap<(String, Uuid), Value>| -> u64 {
            let s = user_scope(p);
            if s.reset {
                seen.clear();
            }
            for c in &s.changes {
                match &c.data {
                    Some(d) => seen.insert((c.entity.clone(), c.id), d.clone()),
                    None => seen.remove(&(c.entity.clone(), c.id)),
                };
            }
            if let Some(sum) = s.checksum {
                let mine = seen
                    .iter()
                    .map(|((e, id), d)| row_hash(e, *id, &serde_json::to_string(d).expect("j")))
                    .fold(0u64, u64::wrapping_add);
                assert_eq!(
                    mine, sum,
                    "after applying up to {} the client matches the server",
                    s.version
                );
            }
            s.version
        };
    while !writers.iter().all(|w| w.is_finished()) {
        let p = phone.pull(&api, &format!("{scope}@{cursor}"), 0).await;
        let v = apply(&p, &mut seen);
        assert!(v >= cursor, "cursors never go backwards");
        cursor = v;
    }
    for w in writers {
        w.await.expect("writer");
    }
    let p = phone.pull(&api, &format!("{scope}@{cursor}"), 0).await;
    apply(&p, &mut seen);
    let lang = api.get("/me", &phone.token).await.expect(200)["lang"].clone();
    let profile = seen
        .iter()
        .find(|((e, _), _)| e == "profile")
        .map(|(_, d)| d["lang"].clone());
    assert_eq!(
        profile,
        Some(lang),
        "the last committed write is what the client holds"
    );
    drop(server);
}

/// Reads a server-sent event stream until a `poke` naming `scope` arrives.
async fn await_poke(res: &mut reqwest::Response, scope: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .expect("a poke in time")
            .expect("stream")
            .expect("open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: "))
                && frame.contains("event: poke")
            {
                let poke: Value = serde_json::from_str(data).expect("poke json");
                if poke["scopes"]
                    .as_array()
                    .expect("scopes")
                    .iter()
                    .any(|s| s == scope)
                {
                    return poke;
                }
            }
        }
    }
}

async fn open_events(api: &Api, token: &str) -> reqwest::Response {
    let ticket = api
        .post("/sync/events/ticket", Some(token), json!({}))
        .await
        .expect(200)["ticket"]
        .as_str()
        .expect("t")
        .to_string();
    let res = api
        .http
        .get(format!("{}/sync/events?ticket={ticket}", api.base))
        .send()
        .await
        .expect("events");
    assert_eq!(res.status(), 200);
    res
}

#[tokio::test]
async fn pokes_reach_the_right_clients_sqlite() {
    let server = start(TestDb::Sqlite).await;
    let api = Api::new(&server);
    let mine = Device::sign_in(&api, "student").await;
    let other = Device::sign_in(&api, "s202600001").await;
    let scope = format!("user:{}", mine.user_id);
    let mut stream = open_events(&api, &mine.token).await;
    await_poke(&mut stream, &scope).await; // the hello poke at connect
    api.put("/me/lang", &other.token, json!({"lang": "en"}))
        .await
        .expect(204);
    api.put("/me/lang", &mine.token, json!({"lang": "en"}))
        .await
        .expect(204);
    let poke = await_poke(&mut stream, &scope).await;
    assert_eq!(
        poke["scopes"],
        json!([scope]),
        "only my scope, not the other user's"
    );

    // A ticket is not an access token, nor the other way round; tickets expire.
    let ticket = api
        .post("/sync/events/ticket", Some(&mine.token), json!({}))
        .await
        .expect(200)["ticket"]
        .as_str()
        .expect("t")
        .to_string();
    api.get("/me", &ticket)
        .await
        .expect_error(401, "unauthenticated");
    let r = api
        .call(
            reqwest::Method::GET,
            &format!("/sync/events?ticket={}", mine.token),
            None,
            crate::support::Body::None,
        )
        .await;
    r.expect_error(401, "unauthenticated");
    api.call(
        reqwest::Method::GET,
        "/sync/events",
        None,
        crate::support::Body::None,
    )
    .await
    .expect_error(422, "validation");
}

/// Two backend processes on one PostgreSQL: a write through one pokes a client
/// connected to the other (LISTEN/NOTIFY).
#[tokio::test]
async fn pokes_cross_processes_postgres() {
    let a = start(TestDb::Postgres).await;
    let b = houqin_server::testkit::TestServer::start(houqin_server::testkit::TestOptions {
        db: TestDb::Postgres,
        database_url: Some(a.database_url.clone()),
        ..Default::default()
    })
    .await;
    let api_a = Api::new(&a);
    let api_b = Api::new(&b);
    let on_b = Device::sign_in(&api_b, "staff").await;
    let scope = format!("user:{}", on_b.user_id);
    let mut stream = open_events(&api_b, &on_b.token).await;
    await_poke(&mut stream, &scope).await;
    let staff_on_a = api_a.login("staff").await;
    api_a
        .put("/me/lang", &staff_on_a, json!({"lang": "en"}))
        .await
        .expect(204);
    let poke = await_poke(&mut stream, &scope).await;
    assert_eq!(poke["scopes"], json!([scope]));
    // And the change is there to pull from either process.
    let pulled = on_b.pull(&api_b, "", 0).await;
    let profile = user_scope(&pulled)
        .changes
        .iter()
        .find(|c| c.entity == "profile")
        .expect("profile");
    assert_eq!(profile.data.as_ref().expect("data")["lang"], "en");
}
