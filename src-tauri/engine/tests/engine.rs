//! The engine against the real backend, in process: each test starts its own
//! server (port 0, fresh SQLite database, demo campus: username = role, password `demo`).
//! Sessions here; the sync client in `engine/sync.rs`; photo uploads in
//! `engine/attachments.rs`; the seeded
//! deterministic simulation of sync in `engine/sim/`.

use std::path::Path;
use std::time::Duration;

use houqin_engine::{Engine, EngineConfig};
use houqin_server::testkit::{TestOptions, TestServer};
use houqin_shared::ErrorCode;
use houqin_shared::accounts::{LoginRequest, Role};
use houqin_shared::ids::SessionId;

/// An authenticated endpoint every role may read: the caller's own profile.
const ME: &str = "/me";

#[path = "engine/attachments.rs"]
mod attachments;
#[path = "engine/dining.rs"]
mod dining;
#[path = "engine/harness.rs"]
mod harness;
#[path = "engine/kiosk.rs"]
mod kiosk;
#[path = "engine/repairs.rs"]
mod repairs;
#[path = "engine/sim/mod.rs"]
mod sim;
#[path = "engine/sync.rs"]
mod sync;

fn open(dir: &Path, server_url: &str) -> Engine {
    Engine::open(EngineConfig::new(dir, server_url)).expect("engine opens")
}

fn login_as(username: &str, password: &str) -> LoginRequest {
    LoginRequest {
        username: username.into(),
        password: password.into(),
        device_id: None,
        device_public_key: None,
    }
}

async fn start(options: TestOptions) -> TestServer {
    TestServer::start(options).await
}

/// Whether the server has ended the session (logged out, or revoked).
async fn revoked_on_server(server: &TestServer, session_id: SessionId) -> bool {
    use sea_orm::EntityTrait;
    let row = houqin_server::entities::sessions::Entity::find_by_id(session_id.0)
        .one(&server.state.db.conn)
        .await
        .expect("query the server's sessions")
        .expect("the server knows the session");
    row.revoked_at.is_some()
}

#[tokio::test]
async fn login_keeps_the_session_across_a_restart() {
    let server = start(TestOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();

    let engine = open(dir.path(), &server.url);
    assert_eq!(engine.current_user().unwrap(), None);
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    assert_eq!(me.username, "student");
    assert!(me.roles.contains(&Role::Student), "{:?}", me.roles);
    assert_eq!(engine.current_user().unwrap(), Some(me.clone()));
    drop(engine);

    // A new process on the same data directory: signed in, tokens usable.
    let engine = open(dir.path(), &server.url);
    assert_eq!(engine.current_user().unwrap(), Some(me.clone()));
    let profile = engine.call("GET", ME, None).await.unwrap();
    assert_eq!(profile["username"], "student");
    assert_eq!(profile["id"], serde_json::json!(me.id));

    server.stop().await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_stores_nothing() {
    let server = start(TestOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);

    let err = engine
        .login(login_as("student", "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCredentials, "{err:?}");
    assert_eq!(engine.current_user().unwrap(), None);
    assert_eq!(engine.session_info().unwrap(), None);
    let err = engine.call("GET", ME, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    drop(engine);
    assert_eq!(open(dir.path(), &server.url).current_user().unwrap(), None);

    server.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_transparently() {
    let server = start(TestOptions {
        access_ttl: chrono::Duration::seconds(1),
        ..TestOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("technician", "demo")).await.unwrap();
    let before = engine.session_info().unwrap().expect("signed in");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Two calls at once both find the token expired; the refresh token is
    // single-use, so only one of them may spend it.
    let (a, b) = tokio::join!(engine.call("GET", ME, None), engine.call("GET", ME, None));
    assert_eq!(a.unwrap()["username"], "technician");
    assert_eq!(b.unwrap()["username"], "technician");

    let after = engine.session_info().unwrap().expect("still signed in");
    assert_eq!(after.session_id, before.session_id);
    assert!(
        after.access_expires_at > before.access_expires_at,
        "{before:?} → {after:?}"
    );

    server.stop().await;
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session() {
    let server = start(TestOptions {
        access_ttl: chrono::Duration::seconds(1),
        refresh_ttl: chrono::Duration::seconds(1),
        ..TestOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("student", "demo")).await.unwrap();

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = engine.call("GET", ME, None).await.unwrap_err();
    assert!(
        matches!(
            err.code,
            ErrorCode::Unauthenticated | ErrorCode::SessionExpired
        ),
        "{err:?}"
    );
    assert_eq!(engine.current_user().unwrap(), None);

    server.stop().await;
}

#[tokio::test]
async fn logout_forgets_the_session() {
    let server = start(TestOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("student", "demo")).await.unwrap();
    engine.call("GET", ME, None).await.unwrap();

    let session_id = engine.session_info().unwrap().unwrap().session_id;

    engine.logout().await.unwrap();
    assert_eq!(engine.current_user().unwrap(), None);
    let err = engine.call("GET", ME, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    drop(engine);
    assert_eq!(open(dir.path(), &server.url).current_user().unwrap(), None);
    assert!(revoked_on_server(&server, session_id).await);

    server.stop().await;
}

#[tokio::test]
async fn logout_with_an_expired_access_token_still_ends_the_server_session() {
    let server = start(TestOptions {
        access_ttl: chrono::Duration::seconds(1),
        ..TestOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("student", "demo")).await.unwrap();
    let session_id = engine.session_info().unwrap().unwrap().session_id;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    engine.logout().await.unwrap();
    assert_eq!(engine.current_user().unwrap(), None);
    // The server wants a live access token to log out: the engine refreshed first.
    assert!(revoked_on_server(&server, session_id).await);

    server.stop().await;
}

#[tokio::test]
async fn with_the_server_gone_calls_are_unavailable_and_the_session_stays() {
    let server = start(TestOptions::default()).await;
    let url = server.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &url);
    let me = engine.login(login_as("student", "demo")).await.unwrap();
    server.stop().await;

    let err = engine.call("GET", ME, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err:?}");
    assert!(!err.message.is_empty());
    assert_eq!(engine.current_user().unwrap(), Some(me));
    assert!(engine.session_info().unwrap().is_some());

    // Signing in while offline fails the same way and keeps the old session.
    let err = engine
        .login(login_as("technician", "demo"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert_eq!(
        engine
            .current_user()
            .unwrap()
            .map(|u| u.username)
            .as_deref(),
        Some("student")
    );

    // Signing out works offline: best effort towards the server, certain locally.
    engine.logout().await.unwrap();
    assert_eq!(engine.current_user().unwrap(), None);
}

#[tokio::test]
async fn the_device_id_is_stable_and_per_install() {
    let server = start(TestOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path(), &server.url).device_id().to_owned();
    let again = open(dir.path(), &server.url).device_id().to_owned();
    assert_eq!(first, again);
    assert_eq!(uuid::Uuid::parse_str(&first).unwrap().get_version_num(), 7);

    let other = tempfile::tempdir().unwrap();
    assert_ne!(open(other.path(), &server.url).device_id(), first);

    // Signing in does not change it.
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("student", "demo")).await.unwrap();
    assert_eq!(engine.device_id(), first);

    server.stop().await;
}

#[tokio::test]
async fn bad_paths_never_reach_the_server() {
    let server = start(TestOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &server.url);
    engine.login(login_as("student", "demo")).await.unwrap();
    for path in [
        "me",
        "/../health",
        "/x/%2e%2e/y",
        "/x?u=http://evil.example",
    ] {
        let err = engine.call("GET", path, None).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation, "{path}");
        assert_eq!(err.field.as_deref(), Some("path"), "{path}");
    }
    server.stop().await;
}
