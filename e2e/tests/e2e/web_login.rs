//! A student signs in on the web, switches language (remembered across a
//! reload), opens a service that is not open yet, and signs out.

use anyhow::{Context, Result, ensure};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::check::{self, has_cjk, is_english};
use houqin_e2e::{act, find, web};
use houqin_server::testkit::TestOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_signs_in_switches_language_and_signs_out() -> Result<()> {
    let server = web::serve_app(TestOptions::default()).await?;
    let browser = Browser::launch(Viewport::PHONE).await?;
    let c = &browser.client;

    act::open(c, &server.url).await?;
    // The login page, in Chinese by default.
    find::visible(c, "login-form").await?;
    check::html_lang_becomes(c, "zh-CN").await?;
    let submit = check::text_of(c, "login-submit").await?;
    ensure!(
        has_cjk(&submit),
        "the login button should be in Chinese, shows {submit:?}"
    );

    // A wrong password is refused, and what was typed stays.
    act::submit_login(c, "student", "not-the-password").await?;
    check::attr_becomes(c, "login-error", "data-code", "invalid_credentials").await?;
    check::value_is(c, "login-username", "student").await?;
    check::value_is(c, "login-password", "not-the-password").await?;

    // The right one opens the student's home.
    act::submit_login(c, "student", "demo").await?;
    check::attr_becomes(c, "home", "data-role", "student").await?;
    // The display name is the student's own (Chinese either way): judge the rest.
    let name = check::text_of(c, "user-display-name").await?;
    let greeting = |title: &str| title.replace(&name, "");
    let title_zh = check::text_of(c, "home-title").await?;
    ensure!(
        has_cjk(&greeting(&title_zh)),
        "the home title should be in Chinese, shows {title_zh:?}"
    );

    // English, and it stays English after a reload.
    act::click(c, "lang-toggle").await?;
    check::html_lang_becomes(c, "en").await?;
    let title_en = check::text_changes(c, "home-title", &title_zh).await?;
    // The choice is saved to the account too: let that land before reloading.
    find::requests_finished(c, "/api/v1/me/lang", 1).await?;
    ensure!(
        is_english(&greeting(&title_en)),
        "the home title should be in English, shows {title_en:?}"
    );
    act::reload(c).await?;
    check::attr_becomes(c, "home", "data-role", "student")
        .await
        .context("a reload should keep the session")?;
    check::html_lang_becomes(c, "en")
        .await
        .context("a reload should keep English")?;
    let title_reloaded = check::text_of(c, "home-title").await?;
    ensure!(
        is_english(&greeting(&title_reloaded)),
        "after a reload the home title should still be English, shows {title_reloaded:?}"
    );

    // Back to Chinese.
    act::click(c, "lang-toggle").await?;
    check::html_lang_becomes(c, "zh-CN").await?;
    let title_back = check::text_changes(c, "home-title", &title_reloaded).await?;
    ensure!(
        has_cjk(&greeting(&title_back)),
        "the home title should be Chinese again, shows {title_back:?}"
    );

    // A service that is not open yet says so; then home again.
    act::click(c, "nav-service-vehicles").await?;
    find::visible(c, "service-unavailable").await?;
    act::open(c, &server.url).await?;
    check::attr_becomes(c, "home", "data-role", "student").await?;

    // Signing out shows the login page.
    act::logout(c).await?;
    check::html_lang_becomes(c, "zh-CN").await?;

    browser.close().await?;
    Ok(())
}
