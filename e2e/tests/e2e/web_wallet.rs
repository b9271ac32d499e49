//! A student on a phone opens the campus card: tops up ¥12.50 through the
//! gateway simulator (a mistyped amount is refused in place), sees the
//! top-up at the head of the statement, reports the card lost and unfreezes
//! it. The screen is saved to `e2e/screenshots/`.

use anyhow::{Context, Result, ensure};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, web};
use houqin_server::testkit::TestOptions;

async fn balance_fen(c: &fantoccini::Client) -> Result<i64> {
    let fen = find::js(
        c,
        "return document.querySelector('[data-testid=wallet-balance-amount]').dataset.fen;",
        vec![],
    )
    .await?;
    fen.as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("the balance carries its fen, not {fen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_tops_up_and_reports_the_card_lost() -> Result<()> {
    let server = web::serve_app(TestOptions::default()).await?;
    let browser = Browser::launch(Viewport::PHONE).await?;
    let c = &browser.client;

    act::open(c, &server.url).await?;
    act::login(c, "student", "demo").await?;
    act::open(c, &format!("{}/s/payments", server.url)).await?;
    find::visible(c, "wallet-balance-amount").await?;
    let before = balance_fen(c).await?;
    ensure!(
        before > 0,
        "the demo student starts with money, has {before}"
    );
    find::visible(c, "top-up-simulator").await?;

    // A mistyped amount stays in the field, marked, and nothing is paid.
    act::fill(c, "top-up-amount", "12.345").await?;
    act::click(c, "top-up-submit").await?;
    check::attr_becomes(c, "top-up-amount", "aria-invalid", "true").await?;
    ensure!(
        balance_fen(c).await? == before,
        "a refused amount pays nothing"
    );

    act::fill(c, "top-up-amount", "12.50").await?;
    act::click(c, "top-up-submit").await?;
    let want = (before + 1250).to_string();
    check::attr_becomes(c, "wallet-balance-amount", "data-fen", &want).await?;
    check::value_becomes(c, "top-up-amount", "").await?;
    // The newest line of the statement is this top-up.
    check::attr_becomes(c, "statement-line", "data-code", "top_up").await?;

    // Lost, then found: the card's state follows.
    check::attr_becomes(c, "card-row", "data-status", "active").await?;
    act::click(c, "card-report-lost").await?;
    check::attr_becomes(c, "card-row", "data-status", "frozen").await?;
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot(c).await?;
    let path = check::save_screenshot(
        "web-student-wallet-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;
    println!("saved {}", path.display());
    act::click(c, "card-unfreeze").await?;
    check::attr_becomes(c, "card-row", "data-status", "active").await?;

    browser.close().await?;
    Ok(())
}
