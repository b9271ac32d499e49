//! The sync client against the real server: offline writes, restarts, lost
//! replies, rejections, resets, retries and a change of user on one device.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use houqin_engine::{ActionState, Engine, RowFilter, SyncSchedule};
use houqin_server::entities::{notifications, sync_clients, sync_outcomes, sync_scopes};
use houqin_shared::ErrorCode;
use houqin_shared::ids::UserId;
use houqin_shared::sync::scope;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::harness::{Backend, Proxy};
use super::{login_as, open};

const MARK_READ: &str = "notifications.mark_read";
const SET_LANG: &str = "accounts.set_lang";

fn notifications_of(engine: &Engine, user: UserId) -> Vec<Value> {
    engine
        .rows(&RowFilter {
            scope: Some(scope::user(user.0)),
            entity: Some("notification".into()),
        })
        .expect("test setup")
}

fn profile_of(engine: &Engine, user: UserId) -> Value {
    let rows = engine
        .rows(&RowFilter {
            scope: Some(scope::user(user.0)),
            entity: Some("profile".into()),
        })
        .expect("test setup");
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.into_iter().next().expect("test setup")
}

fn all_read(rows: &[Value]) -> bool {
    rows.iter().all(|n| !n["read_at"].is_null())
}

fn client_id(engine: &Engine) -> Uuid {
    Uuid::parse_str(engine.device_id()).expect("test setup")
}

/// The server's record of this client: its `last_applied_seq`.
async fn applied_on_server(backend: &Backend, engine: &Engine) -> i64 {
    sync_clients::Entity::find_by_id(client_id(engine))
        .one(&backend.server.state.db.conn)
        .await
        .expect("test setup")
        .map_or(0, |c| c.last_applied_seq)
}

/// How many commands of this client the server has run (each exactly once).
async fn outcomes_on_server(backend: &Backend, engine: &Engine) -> u64 {
    sync_outcomes::Entity::find()
        .filter(sync_outcomes::Column::ClientId.eq(client_id(engine)))
        .count(&backend.server.state.db.conn)
        .await
        .expect("test setup")
}

async fn unread_on_server(backend: &Backend, user: UserId) -> u64 {
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user.0))
        .filter(notifications::Column::ReadAt.is_null())
        .count(&backend.server.state.db.conn)
        .await
        .expect("test setup")
}

/// The engine's database, opened beside it, to look at (or damage) what it keeps.
fn local_db(dir: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open(dir.join(houqin_engine::store::FILE_NAME)).expect("test setup");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("test setup");
    conn
}

/// (cursor version, checksum) of a scope as the device holds it.
fn local_scope(dir: &Path, scope: &str) -> (u64, u64) {
    let conn = local_db(dir);
    let version: i64 = conn
        .query_row(
            "SELECT version FROM cursors WHERE scope = ?1",
            [scope],
            |r| r.get(0),
        )
        .expect("test setup");
    let mut stmt = conn
        .prepare("SELECT hash FROM synced_rows WHERE scope = ?1")
        .expect("test setup");
    let sum = stmt
        .query_map([scope], |r| r.get::<_, i64>(0))
        .expect("test setup")
        .map(|h| u64::from_ne_bytes(h.expect("test setup").to_ne_bytes()))
        .fold(0u64, u64::wrapping_add);
    (u64::try_from(version).expect("test setup"), sum)
}

/// (version, checksum) of a scope on the server, if it has changed since the seed.
async fn server_scope(backend: &Backend, scope: &str) -> Option<(u64, u64)> {
    sync_scopes::Entity::find_by_id(scope.to_owned())
        .one(&backend.server.state.db.conn)
        .await
        .expect("test setup")
        .map(|s| {
            (
                u64::try_from(s.version).expect("test setup"),
                u64::from_ne_bytes(s.checksum.to_ne_bytes()),
            )
        })
}

#[tokio::test]
async fn an_offline_write_shows_at_once_and_lands_when_the_server_is_back() {
    let mut backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    let first = engine.sync_once().await.unwrap();
    assert!(first.changes >= 2, "profile and notifications: {first:?}");
    let before = notifications_of(&engine, me.id);
    assert!(!before.is_empty() && !all_read(&before), "{before:?}");
    assert_eq!(profile_of(&engine, me.id)["username"], "student");

    backend.stop().await;
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();
    // The view shows it at once, before any server has heard of it.
    assert!(all_read(&notifications_of(&engine, me.id)));
    let status = engine.status().unwrap();
    assert_eq!((status.pending, status.rejected), (1, 0));

    let err = engine.sync_once().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err:?}");
    let status = engine.status().unwrap();
    assert!(!status.online);
    assert!(!status.syncing);
    assert_eq!(status.pending, 1);
    assert_eq!(
        status.last_error.map(|e| e.code),
        Some(ErrorCode::Unavailable)
    );
    assert!(
        all_read(&notifications_of(&engine, me.id)),
        "still shown read"
    );

    backend.resume().await;
    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0), "{report:?}");
    assert_eq!(report.rereads, 0, "checksums agreed at once");
    let status = engine.status().unwrap();
    assert!(status.online);
    assert_eq!((status.pending, status.rejected), (0, 0));
    assert_eq!(status.last_error, None);
    assert!(status.last_synced_at.is_some());
    assert_eq!(
        engine.pending().unwrap(),
        vec![],
        "accepted and pulled: pruned"
    );

    // The server's own state, through its API and its tables.
    let list = engine.call("GET", "/notifications", None).await.unwrap();
    assert_eq!(list["unread"], 0, "{list}");
    assert_eq!(unread_on_server(&backend, me.id).await, 0);
    assert_eq!(applied_on_server(&backend, &engine).await, 1);

    // The mirror caught up: same version and checksum as the server's scope.
    let user_scope = scope::user(me.id.0);
    let (version, checksum) = server_scope(&backend, &user_scope)
        .await
        .expect("the write made the scope live");
    assert!(version > 0);
    assert_eq!(local_scope(dir.path(), &user_scope), (version, checksum));
    assert!(all_read(&notifications_of(&engine, me.id)));
}

#[tokio::test]
async fn queued_commands_survive_a_restart_and_land_exactly_once() {
    let mut backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    engine.sync_once().await.unwrap();
    backend.stop().await;

    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();
    let queued = engine.pending().unwrap();
    drop(engine);

    // A new process on the same data directory.
    let engine = open(dir.path(), &backend.url());
    assert_eq!(engine.pending().unwrap(), queued);
    assert_eq!(engine.status().unwrap().pending, 2);
    assert_eq!(
        profile_of(&engine, me.id)["lang"],
        "en",
        "the optimistic view is kept"
    );
    assert!(all_read(&notifications_of(&engine, me.id)));

    backend.resume().await;
    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.accepted), (2, 2), "{report:?}");
    let again = engine.sync_once().await.unwrap();
    assert_eq!(again.pushed, 0, "nothing left to send: {again:?}");

    assert_eq!(outcomes_on_server(&backend, &engine).await, 2);
    assert_eq!(applied_on_server(&backend, &engine).await, 2);
    let profile = engine.call("GET", "/me", None).await.unwrap();
    assert_eq!(profile["lang"], "en");
    assert_eq!(profile_of(&engine, me.id)["lang"], "en");
    assert_eq!(engine.status().unwrap().pending, 0);
}

#[tokio::test]
async fn a_lost_reply_is_answered_again_from_the_stored_outcomes() {
    let backend = Backend::start().await;
    let proxy = Proxy::start(backend.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &proxy.url());
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    engine.sync_once().await.unwrap();

    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    engine
        .enqueue("repairs.no_such_command", json!({}))
        .unwrap();
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();

    proxy.lose_replies(true);
    let err = engine.sync_once().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err:?}");
    // The server ran all three; the device does not know it.
    assert_eq!(applied_on_server(&backend, &engine).await, 3);
    assert_eq!(engine.status().unwrap().pending, 3);

    proxy.lose_replies(false);
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.pushed, 3, "sent again: {report:?}");
    assert_eq!((report.accepted, report.rejected), (2, 1), "{report:?}");
    // Each ran exactly once: one stored outcome per command, nothing re-applied.
    assert_eq!(outcomes_on_server(&backend, &engine).await, 3);
    assert_eq!(applied_on_server(&backend, &engine).await, 3);

    let actions = engine.pending().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].state, ActionState::Rejected);
    assert_eq!(actions[0].name, "repairs.no_such_command");
    assert_eq!(unread_on_server(&backend, me.id).await, 0);
    assert_eq!(profile_of(&engine, me.id)["lang"], "en");
}

#[tokio::test]
async fn a_lost_pull_reply_still_brings_the_outcomes() {
    let backend = Backend::start().await;
    let proxy = Proxy::start(backend.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &proxy.url());
    engine.login(login_as("student", "demo")).await.unwrap();
    engine.sync_once().await.unwrap();
    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();

    // The push's reply is lost; the next pull (not a push) learns the outcome.
    proxy.lose_replies(true);
    engine.push().await.unwrap_err();
    proxy.lose_replies(false);
    let report = engine.pull().await.unwrap();
    assert_eq!((report.pushed, report.accepted), (0, 1), "{report:?}");
    assert_eq!(engine.status().unwrap().pending, 0);
    assert_eq!(engine.pending().unwrap(), vec![]);
    assert_eq!(outcomes_on_server(&backend, &engine).await, 1);
}

#[tokio::test]
async fn rejections_are_kept_with_their_reason_and_do_not_wedge_the_queue() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    engine.sync_once().await.unwrap();

    // Refused locally: nothing is written.
    let err = engine.enqueue(SET_LANG, json!({"lang": "fr"})).unwrap_err();
    assert_eq!(
        (err.code, err.field.as_deref()),
        (ErrorCode::Validation, Some("payload"))
    );
    assert_eq!(engine.status().unwrap().pending, 0);

    // One unknown to the server, one made invalid behind the engine's back
    // (as an older or newer app might have queued it), then a good one.
    engine
        .enqueue("dorms.no_such_thing", json!({"x": 1}))
        .unwrap();
    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    assert_eq!(profile_of(&engine, me.id)["lang"], "en");
    local_db(dir.path())
        .execute(
            "UPDATE outbox SET payload = '{\"lang\":\"fr\"}' WHERE name = ?1",
            [SET_LANG],
        )
        .unwrap();
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();

    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 2), "{report:?}");
    let status = engine.status().unwrap();
    assert_eq!((status.pending, status.rejected), (0, 2));
    assert_eq!(status.last_error, None, "rejections are not sync failures");

    let actions = engine.pending().unwrap();
    let reasons: Vec<_> = actions
        .iter()
        .map(|a| {
            let reason = a.reason.as_ref().expect("a rejected command says why");
            assert_eq!(a.state, ActionState::Rejected);
            assert!(!reason.message.is_empty());
            (a.name.as_str(), reason.code, reason.field.as_deref())
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (SET_LANG, ErrorCode::Validation, Some("payload")),
            ("dorms.no_such_thing", ErrorCode::Validation, Some("name")),
        ]
    );
    // The rejected language change is undone in the view; the later command landed.
    assert_eq!(profile_of(&engine, me.id)["lang"], "zh-CN");
    assert_eq!(unread_on_server(&backend, me.id).await, 0);

    // Dismissed, they are gone; a pending one cannot be dismissed.
    assert!(engine.dismiss_rejected(actions[0].seq).unwrap());
    assert!(!engine.dismiss_rejected(actions[0].seq).unwrap());
    assert_eq!(engine.status().unwrap().rejected, 1);
    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    let waiting = engine.pending().unwrap()[0].seq;
    assert!(!engine.dismiss_rejected(waiting).unwrap());
    assert_eq!(engine.status().unwrap().pending, 1);
}

#[tokio::test]
async fn a_damaged_mirror_is_reset_and_the_outbox_is_kept() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    // A first write makes the scope live on the server (versions, checksum).
    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    engine.sync_once().await.unwrap();
    let user_scope = scope::user(me.id.0);
    assert!(server_scope(&backend, &user_scope).await.is_some());

    // Offline-queued work, then the mirror drifts from the server's: a row goes
    // missing, as if a change had been skipped.
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();
    let profiles = RowFilter {
        scope: Some(user_scope.clone()),
        entity: Some("profile".into()),
    };
    local_db(dir.path())
        .execute("DELETE FROM synced_rows WHERE entity = 'profile'", [])
        .unwrap();
    assert_eq!(engine.rows(&profiles).unwrap(), Vec::<Value>::new());

    // Pull only, so the command is still queued while the scope is re-read.
    let report = engine.pull().await.unwrap();
    assert_eq!(report.rereads, 1, "{report:?}");
    assert_eq!(profile_of(&engine, me.id)["lang"], "en", "the row is back");
    let (version, checksum) = server_scope(&backend, &user_scope).await.unwrap();
    assert_eq!(local_scope(dir.path(), &user_scope), (version, checksum));
    let actions = engine.pending().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(
        (actions[0].name.as_str(), actions[0].state),
        (MARK_READ, ActionState::Pending)
    );
    assert!(
        all_read(&notifications_of(&engine, me.id)),
        "re-applied on top of the snapshot"
    );
    assert!(unread_on_server(&backend, me.id).await > 0);

    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.accepted, 1, "{report:?}");
    assert_eq!(unread_on_server(&backend, me.id).await, 0);
    assert_eq!(engine.status().unwrap().pending, 0);
}

#[tokio::test]
async fn the_loop_retries_with_backoff_until_the_outbox_drains() {
    let mut backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(open(dir.path(), &backend.url()));
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    backend.stop().await;

    let schedule = SyncSchedule {
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
    };
    let sync_loop = tokio::spawn(engine.clone().run_sync_loop(schedule));
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();

    let failing = wait_for(|| {
        let status = engine.status().unwrap();
        status
            .last_error
            .is_some_and(|e| e.code == ErrorCode::Unavailable)
    })
    .await;
    assert!(failing, "the loop tried while the server was down");

    // No user action from here on: only the loop's timer.
    backend.resume().await;
    let drained = wait_for(|| {
        let status = engine.status().unwrap();
        status.pending == 0 && status.online && status.last_error.is_none()
    })
    .await;
    sync_loop.abort();
    assert!(drained, "{:?}", engine.status().unwrap());
    assert_eq!(unread_on_server(&backend, me.id).await, 0);
    assert_eq!(outcomes_on_server(&backend, &engine).await, 1);
}

/// Polls `done` for up to 15 s.
async fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..300 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_previous_users_commands_still_land_after_a_switch() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let student = engine.login(login_as("student", "demo")).await.unwrap();
    engine.sync_once().await.unwrap();
    engine.enqueue(MARK_READ, json!({"ids": []})).unwrap();

    // A shared device: the next person signs in before anything was sent.
    let technician = engine.login(login_as("technician", "demo")).await.unwrap();
    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0), "{report:?}");
    assert_eq!(unread_on_server(&backend, student.id).await, 0);

    // The student's rows left the device; the technician's arrived.
    assert_eq!(notifications_of(&engine, student.id), Vec::<Value>::new());
    assert!(!notifications_of(&engine, technician.id).is_empty());
    assert_eq!(profile_of(&engine, technician.id)["username"], "technician");
    // Writes are the signed-in user's now. Queued, then signed out before it
    // was sent: it still lands when the next person's session pushes it.
    engine.enqueue(SET_LANG, json!({"lang": "en"})).unwrap();
    engine.logout().await.unwrap();
    assert_eq!(
        engine.status().unwrap().pending,
        1,
        "signing out keeps the outbox"
    );
    engine.login(login_as("student", "demo")).await.unwrap();
    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0), "{report:?}");
    let lang: String = houqin_server::entities::users::Entity::find_by_id(technician.id.0)
        .one(&backend.server.state.db.conn)
        .await
        .unwrap()
        .unwrap()
        .lang;
    assert_eq!(lang, "en");
    assert_eq!(profile_of(&engine, student.id)["lang"], "zh-CN");
}

#[tokio::test]
async fn nothing_is_queued_without_a_session() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &backend.url());
    let err = engine.enqueue(MARK_READ, json!({"ids": []})).unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    let err = engine.sync_once().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    assert_eq!(engine.status().unwrap().pending, 0);
    assert_eq!(engine.pending().unwrap(), vec![]);
}

#[tokio::test]
async fn a_change_made_elsewhere_arrives_by_poke_not_by_the_timer() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(open(dir.path(), &backend.url()));
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    // The timer alone would not sync again for an hour.
    let schedule = SyncSchedule {
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
    };
    let sync_loop = tokio::spawn(engine.clone().run_sync_loop(schedule));
    let ready = wait_for(|| {
        let status = engine.status().unwrap();
        status.live && status.last_synced_at.is_some() && !status.syncing
    })
    .await;
    assert!(ready, "{:?}", engine.status().unwrap());
    let before = notifications_of(&engine, me.id);
    assert!(!all_read(&before), "{before:?}");

    // The same student reads everything on another device.
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", backend.url()))
        .json(&json!({"username": "student", "password": "demo", "device_id": "phone-2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let res = http
        .post(format!("{}/api/v1/notifications/read", backend.url()))
        .bearer_auth(token)
        .json(&json!({"ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);

    let arrived = wait_for(|| all_read(&notifications_of(&engine, me.id))).await;
    sync_loop.abort();
    assert!(arrived, "the poke brought the change");
    assert_eq!(engine.pending().unwrap(), vec![], "nothing was queued here");
}
