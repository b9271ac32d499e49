//! The server goes away while the login page is open: the attempt says the
//! network failed and keeps what was typed; once the server is back (on the
//! same address) signing in works.

use anyhow::Result;
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, web};
use houqin_server::testkit::TestOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_keeps_the_form_then_recovers() -> Result<()> {
    let server = web::serve_app(TestOptions::default()).await?;
    let addr = server.addr;
    let url = server.url.clone();
    let browser = Browser::launch(Viewport::PHONE).await?;
    let c = &browser.client;

    act::open(c, &url).await?;
    find::visible(c, "login-form").await?;
    server.stop().await;

    act::submit_login(c, "student", "demo").await?;
    check::attr_becomes(c, "login-error", "data-code", "network").await?;
    check::value_is(c, "login-username", "student").await?;
    check::value_is(c, "login-password", "demo").await?;

    let _server = web::serve_app(TestOptions {
        listen: Some(addr),
        ..TestOptions::default()
    })
    .await?;
    act::click(c, "login-submit").await?;
    check::attr_becomes(c, "home", "data-role", "student").await?;

    browser.close().await?;
    Ok(())
}
