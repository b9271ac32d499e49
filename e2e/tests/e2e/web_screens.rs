//! Screenshots of role homes at the three viewports the roles use: a phone
//! (students), a tablet (technicians) and a canteen kiosk (cashiers), and
//! the student's home at every one. Saved to `e2e/screenshots/`.

use anyhow::{Context, Result};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, web};
use houqin_server::testkit::TestOptions;

/// Who signs in at each viewport (the student everywhere, plus the role the
/// viewport is for).
fn roles_at(viewport: Viewport) -> &'static [&'static str] {
    match viewport.name {
        "tablet" => &["student", "technician"],
        "kiosk" => &["student", "cashier"],
        _ => &["student"],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_homes_at_each_viewport() -> Result<()> {
    let server = web::serve_app(TestOptions::default()).await?;
    for viewport in Viewport::ALL {
        let browser = Browser::launch(viewport).await?;
        let c = &browser.client;
        act::open(c, &server.url).await?;
        for role in roles_at(viewport) {
            act::login(c, role, "demo").await?;
            check::attr_becomes(c, "home", "data-role", role).await?;
            // The name comes from the server: once shown, the page has its data.
            check::text_of(c, "user-display-name").await?;
            find::until(c, "web fonts to load", async || {
                let status = find::js(c, "return document.fonts.status;", vec![]).await?;
                Ok(if status == "loaded" {
                    find::Seen::Ready(())
                } else {
                    find::Seen::NotYet(status.to_string())
                })
            })
            .await?;
            act::rest_pointer(c).await?;
            let png = check::settled_screenshot(c).await?;
            let name = format!("web-{role}-{}", viewport.label());
            let path = check::save_screenshot(&name, &png, Some((viewport.width, viewport.height)))
                .with_context(|| format!("screenshot of {role} at {}", viewport.label()))?;
            println!("saved {}", path.display());
            act::logout(c).await?;
        }
        browser.close().await?;
    }
    Ok(())
}
