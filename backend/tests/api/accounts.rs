//! Sign-in, tokens, sessions, lockout, password change, the audit trail.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use houqin_server::config::LoginLimits;
use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use houqin_shared::clock::FakeClock;
use serde_json::json;

use crate::support::{Api, start};

async fn with_clock(db: TestDb, limits: Option<LoginLimits>) -> (TestServer, FakeClock) {
    let clock = FakeClock::at(
        Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0)
            .single()
            .expect("time"),
    );
    let mut opts = TestOptions {
        db,
        clock: Some(Arc::new(clock.clone())),
        ..Default::default()
    };
    if let Some(l) = limits {
        opts.login_limits = l;
    }
    (TestServer::start(opts).await, clock)
}

async fn tokens_and_sessions(db: TestDb) {
    let (server, clock) = with_clock(db, None).await;
    let api = Api::new(&server);
    let login = api.login_full("student", "demo", Some("phone-1")).await;
    let body = login.expect(200).clone();
    assert_eq!(body["user"]["username"], "student");
    assert_eq!(body["user"]["roles"], json!(["student"]));
    let access = body["access_token"].as_str().expect("access").to_string();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_string();
    api.get("/me", &access).await.expect(200);

    // The access token expires; the refresh token gets a new pair, once.
    clock.advance(Duration::minutes(16));
    api.get("/me", &access)
        .await
        .expect_error(401, "session_expired");
    let wrong_device = api
        .post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh, "device_id": "phone-2"}),
        )
        .await;
    wrong_device.expect_error(401, "session_expired");
    let renewed = api
        .post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh, "device_id": "phone-1"}),
        )
        .await;
    let renewed = renewed.expect(200).clone();
    let access2 = renewed["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    let refresh2 = renewed["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert_ne!(refresh, refresh2);
    api.get("/me", &access2).await.expect(200);

    // Presenting a spent refresh token means it was copied: the session ends.
    api.post(
        "/auth/refresh",
        None,
        json!({"refresh_token": refresh, "device_id": "phone-1"}),
    )
    .await
    .expect_error(401, "session_expired");
    api.get("/me", &access2)
        .await
        .expect_error(401, "unauthenticated");
    api.post(
        "/auth/refresh",
        None,
        json!({"refresh_token": refresh2, "device_id": "phone-1"}),
    )
    .await
    .expect_error(401, "session_expired");

    // Logout ends a session at once, access token included.
    let access3 = api.login("student").await;
    api.post("/auth/logout", Some(&access3), json!({}))
        .await
        .expect(204);
    api.get("/me", &access3)
        .await
        .expect_error(401, "unauthenticated");

    // A forged or garbled token is refused.
    api.get("/me", "abc.def")
        .await
        .expect_error(401, "unauthenticated");
    let tampered = format!("{}x", &access2[..access2.len() - 1]);
    api.get("/me", &tampered)
        .await
        .expect_error(401, "unauthenticated");

    // Refresh tokens expire too.
    let fresh = api
        .login_full("student", "demo", None)
        .await
        .expect(200)
        .clone();
    clock.advance(Duration::days(31));
    api.post(
        "/auth/refresh",
        None,
        json!({"refresh_token": fresh["refresh_token"]}),
    )
    .await
    .expect_error(401, "session_expired");
}

#[tokio::test]
async fn tokens_and_sessions_sqlite() {
    tokens_and_sessions(TestDb::Sqlite).await;
}

#[tokio::test]
async fn tokens_and_sessions_postgres() {
    tokens_and_sessions(TestDb::Postgres).await;
}

async fn lockout_and_audit(db: TestDb) {
    let limits = LoginLimits {
        max_failures_per_account: 3,
        max_failures_per_address: 6,
        window: Duration::minutes(10),
        lockout: Duration::minutes(5),
    };
    let (server, clock) = with_clock(db, Some(limits)).await;
    let api = Api::new(&server);
    for _ in 0..2 {
        api.login_full("student", "wrong", None)
            .await
            .expect_error(401, "invalid_credentials");
    }
    // Unknown users answer exactly like wrong passwords.
    api.login_full("nobody-here", "wrong", None)
        .await
        .expect_error(401, "invalid_credentials");
    api.login_full("student", "wrong", None)
        .await
        .expect_error(401, "invalid_credentials");
    // Locked: even the right password is refused until the lockout ends.
    let locked = api.login_full("student", "demo", None).await;
    locked.expect_error(429, "locked_out");
    // Other accounts are not locked by one account's failures...
    api.login("staff").await;
    // ...but an address spraying many usernames is.
    for name in ["a1x", "a2x"] {
        api.login_full(name, "wrong", None)
            .await
            .expect_error(401, "invalid_credentials");
    }
    api.login_full("staff", "demo", None)
        .await
        .expect_error(429, "locked_out");
    clock.advance(Duration::minutes(6));
    let manager = api.login("manager").await;
    api.login("student").await;

    let log = api
        .get("/audit?action=login_failed&limit=50", &manager)
        .await
        .expect(200)
        .clone();
    let failures = log.as_array().expect("list");
    assert_eq!(failures.len(), 4, "{log}");
    assert!(failures.iter().all(|e| e["action"] == "login_failed"
        && e["request_id"].is_string()
        && e["ip"] == "127.0.0.1"));
    assert!(
        failures
            .iter()
            .any(|e| e["actor_username"] == "nobody-here")
    );
    let locks = api
        .get("/audit?action=login_locked_out", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        locks.as_array().expect("list").len(),
        2,
        "the failures that locked are audited as lockouts: {locks}"
    );
    let ok = api
        .get("/audit?action=login_succeeded", &manager)
        .await
        .expect(200)
        .clone();
    assert!(
        ok.as_array()
            .expect("list")
            .iter()
            .any(|e| e["actor_username"] == "student")
    );
    api.get("/audit?limit=0", &manager)
        .await
        .expect_error(422, "validation");
}

#[tokio::test]
async fn lockout_and_audit_sqlite() {
    lockout_and_audit(TestDb::Sqlite).await;
}

#[tokio::test]
async fn lockout_and_audit_postgres() {
    lockout_and_audit(TestDb::Postgres).await;
}

async fn password_change_and_notifications(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let here = api.login("staff").await;
    let elsewhere = api.login("staff").await;
    let before = api.get("/notifications", &here).await.expect(200).clone();
    assert_eq!(before["unread"], 1, "the welcome notice: {before}");

    api.post(
        "/me/password",
        Some(&here),
        json!({"current_password": "demo", "new_password": "a much better one"}),
    )
    .await
    .expect(204);
    api.get("/me", &here).await.expect(200);
    api.get("/me", &elsewhere)
        .await
        .expect_error(401, "unauthenticated");
    api.login_full("staff", "demo", None)
        .await
        .expect_error(401, "invalid_credentials");
    api.login_full("staff", "a much better one", None)
        .await
        .expect(200);

    let after = api.get("/notifications", &here).await.expect(200).clone();
    assert_eq!(after["unread"], 2);
    let newest = &after["items"][0];
    assert_eq!(newest["title"]["en"], "Your password was changed");
    assert_eq!(newest["title"]["zh"], "密码已修改");
    let id = newest["id"].as_str().expect("id");
    api.post("/notifications/read", Some(&here), json!({"ids": [id]}))
        .await
        .expect(204);
    let read = api.get("/notifications", &here).await.expect(200).clone();
    assert_eq!(read["unread"], 1);
    assert!(read["items"][0]["read_at"].is_string());
    api.post("/notifications/read", Some(&here), json!({"ids": []}))
        .await
        .expect(204);
    assert_eq!(
        api.get("/notifications", &here).await.expect(200)["unread"],
        0
    );

    // The language preference is remembered on the account.
    api.put("/me/lang", &here, json!({"lang": "en"}))
        .await
        .expect(204);
    assert_eq!(api.get("/me", &here).await.expect(200)["lang"], "en");
}

#[tokio::test]
async fn password_change_and_notifications_sqlite() {
    password_change_and_notifications(TestDb::Sqlite).await;
}

#[tokio::test]
async fn password_change_and_notifications_postgres() {
    password_change_and_notifications(TestDb::Postgres).await;
}
