//! A session that has ended (access and refresh tokens both expired) sends
//! the user back to the login page, saying so, with the username kept.

use std::time::Duration;

use anyhow::Result;
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, web};
use houqin_server::testkit::TestOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_returns_to_login_with_username() -> Result<()> {
    let server = web::serve_app(TestOptions {
        access_ttl: chrono::Duration::seconds(1),
        refresh_ttl: chrono::Duration::seconds(2),
        ..TestOptions::default()
    })
    .await?;
    let browser = Browser::launch(Viewport::PHONE).await?;
    let c = &browser.client;

    act::open(c, &server.url).await?;
    act::login(c, "student", "demo").await?;
    check::attr_becomes(c, "home", "data-role", "student").await?;
    // The home's first API call (the unread count) may refresh the tokens:
    // let it finish, so the wait below starts after the last refresh.
    find::requests_finished(c, "/api/v1/notifications", 1).await?;

    // Both tokens lapse: this wait is the scenario, not a guess at timing.
    tokio::time::sleep(Duration::from_secs(3)).await;

    act::reload(c).await?;
    check::attr_becomes(c, "login-error", "data-code", "session_expired").await?;
    find::visible(c, "login-form").await?;
    check::value_becomes(c, "login-username", "student").await?;

    browser.close().await?;
    Ok(())
}
