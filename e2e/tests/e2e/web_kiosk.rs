//! A cashier at a canteen kiosk (1920×1080): the home is the sale screen;
//! a dish is picked, an amount typed, a student's card read into the payer
//! field — approved, with the payer and amount shown — then an unknown card
//! is declined with the reason; a student's phone shows a pay code, the
//! scanner types it: approved, and the same code again is refused as used;
//! a supervisor approves a partial refund at the kiosk; the shift summary
//! counts the sales; the canteen office sees the day reconciled. Screens go
//! to `e2e/screenshots/`.

use anyhow::{Context, Result};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, web};
use houqin_server::entities::{cards, users};
use houqin_server::testkit::TestOptions;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_sells_at_the_kiosk() -> Result<()> {
    let server = web::serve_app(TestOptions::default()).await?;
    // The demo student's card, as a reader would type it.
    let conn = &server.state.db.conn;
    let student = users::Entity::find()
        .filter(users::Column::Username.eq("student"))
        .one(conn)
        .await?
        .context("the demo student")?;
    let card = cards::Entity::find()
        .filter(cards::Column::UserId.eq(student.id))
        .one(conn)
        .await?
        .context("the demo student's card")?;

    let browser = Browser::launch(Viewport::KIOSK).await?;
    let c = &browser.client;
    act::open(c, &server.url).await?;
    act::login(c, "cashier", "demo").await?;
    check::attr_becomes(c, "home", "data-role", "cashier").await?;
    find::visible(c, "kiosk-payer").await?;

    // A dish goes on the ticket; a typed amount wins.
    act::click(c, "kiosk-dish").await?;
    find::visible(c, "kiosk-ticket-line").await?;
    act::fill(c, "kiosk-amount", "8.50").await?;
    act::fill(c, "kiosk-payer", &card.uid.to_lowercase()).await?;
    act::click(c, "kiosk-pay").await?;
    check::attr_becomes(c, "kiosk-outcome", "data-approved", "true").await?;
    let amount = check::text_of(c, "kiosk-outcome-amount").await?;
    anyhow::ensure!(
        amount.contains("8.50"),
        "the receipt shows ¥8.50, not {amount:?}"
    );
    find::visible(c, "kiosk-print").await?;
    // The picked dish joins the window's queue as a walk-in, to be cooked
    // in turn with the app's orders.
    check::attr_becomes(c, "queue-order", "data-status", "placed").await?;
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot(c).await?;
    let path = check::save_screenshot(
        "web-cashier-kiosk-sale",
        &png,
        Some((Viewport::KIOSK.width, Viewport::KIOSK.height)),
    )?;
    println!("saved {}", path.display());

    // A refund of part of it, approved by the supervisor in person.
    act::click(c, "kiosk-refund-open").await?;
    act::fill(c, "refund-amount", "2.50").await?;
    act::fill(c, "refund-supervisor", "supervisor").await?;
    act::fill(c, "refund-password", "demo").await?;
    act::click(c, "refund-submit").await?;
    find::visible(c, "kiosk-refund-done").await?;

    // The next customer's card is unknown: declined, with the reason.
    act::click(c, "kiosk-next").await?;
    check::value_becomes(c, "kiosk-payer", "").await?;
    act::fill(c, "kiosk-amount", "3").await?;
    act::fill(c, "kiosk-payer", "04DEADBEEF0000").await?;
    act::click(c, "kiosk-pay").await?;
    check::attr_becomes(c, "kiosk-outcome", "data-decline", "unknown_card").await?;
    find::visible(c, "kiosk-decline").await?;

    // A student shows a pay code on their phone; the scanner types it in.
    let phone = Browser::launch(Viewport::PHONE).await?;
    let p = &phone.client;
    act::open(p, &server.url).await?;
    act::login(p, "student", "demo").await?;
    act::open(p, &format!("{}/s/payments", server.url)).await?;
    act::click(p, "pay-code-toggle").await?;
    find::visible(p, "pay-code").await?;
    let code = find::js(
        p,
        "return document.querySelector('[data-testid=pay-code]').dataset.code;",
        vec![],
    )
    .await?;
    let code = code.as_str().context("the pay code's text")?.to_owned();
    anyhow::ensure!(code.starts_with("HQ1:"), "a pay code, not {code:?}");
    act::rest_pointer(p).await?;
    let png = check::settled_screenshot(p).await?;
    check::save_screenshot(
        "web-student-pay-code-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;
    act::click(c, "kiosk-next").await?;
    act::fill(c, "kiosk-amount", "4").await?;
    act::fill(c, "kiosk-payer", &code).await?;
    act::click(c, "kiosk-pay").await?;
    check::attr_becomes(c, "kiosk-outcome", "data-approved", "true").await?;
    // The same code again: used.
    act::click(c, "kiosk-next").await?;
    act::fill(c, "kiosk-amount", "4").await?;
    act::fill(c, "kiosk-payer", &code).await?;
    act::click(c, "kiosk-pay").await?;
    check::attr_becomes(c, "kiosk-outcome", "data-decline", "code_used").await?;
    phone.close().await?;

    // The shift so far: two sales.
    act::click(c, "kiosk-shift-load").await?;
    check::attr_becomes(c, "kiosk-shift-summary", "data-sales", "2").await?;
    check::attr_becomes(c, "kiosk-shift-summary", "data-total", "1250").await?;
    // The web kiosk is online-only, and says so.
    check::attr_becomes(c, "kiosk-offline", "data-mode", "web").await?;
    act::logout(c).await?;

    // The canteen office reconciles the day: sales agree with the ledger,
    // the window's row shows them, exports are offered.
    act::login(c, "manager", "demo").await?;
    act::open(c, &format!("{}/s/payments", server.url)).await?;
    check::attr_becomes(c, "office-summary", "data-matches", "true").await?;
    find::visible(c, "office-window").await?;
    find::visible(c, "office-export-xlsx").await?;
    find::visible(c, "office-no-exceptions").await?;
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot(c).await?;
    check::save_screenshot(
        "web-manager-reconciliation",
        &png,
        Some((Viewport::KIOSK.width, Viewport::KIOSK.height)),
    )?;

    browser.close().await?;
    Ok(())
}
