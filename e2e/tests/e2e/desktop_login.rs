//! The Tauri desktop app against a real server: a student signs in, sees
//! their home, and signs out. Asserts on the page, not on screenshots
//! (WebKit's WebDriver screenshots can lag the page), but saves one.

use anyhow::Result;
use houqin_e2e::desktop::Desktop;
use houqin_e2e::{act, check, find};
use houqin_server::testkit::{TestOptions, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_signs_in_and_out_of_the_desktop_app() -> Result<()> {
    let server = TestServer::start(TestOptions::default()).await;
    let app = Desktop::launch(&server.url).await?;
    let c = &app.client;

    find::visible(c, "login-form").await?;
    check::html_lang_becomes(c, "zh-CN").await?;
    let login_page = check::settled_screenshot(c).await?;
    act::login(c, "student", "demo").await?;
    check::attr_becomes(c, "home", "data-role", "student").await?;
    check::text_of(c, "user-display-name").await?;

    // No size check: the window is the app's 1280×800 less whatever WebKit reports.
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot_unlike(c, &login_page).await?;
    let path = check::save_screenshot("desktop-student-1280x800", &png, None)?;
    println!("saved {}", path.display());

    act::logout(c).await?;
    find::visible(c, "login-form").await?;

    app.close().await?;
    Ok(())
}
