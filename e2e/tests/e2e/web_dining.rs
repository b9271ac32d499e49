//! Ordering ahead: a student on a phone opens today's lunch menu, puts a
//! dish in the basket, picks a pickup time and orders; the window's cashier
//! (kiosk) sees it in the queue and moves it on — cooking, ready — and the
//! student's phone shows it ready with its pickup code. The manager sees
//! it on the dashboard, gives the dish a photo (the student's menu shows
//! it), records an inspection with a photo (students see it) and closes
//! the canteen for a date. Screens go to `e2e/screenshots/`.
//!
//! The server's clock is set to 11:00 (campus time) of the browser's day,
//! so lunch is being served whenever the test runs.

use std::sync::Arc;

use anyhow::{Context, Result};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, seeded, web};
use houqin_server::testkit::TestOptions;
use houqin_shared::clock::FakeClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_orders_ahead_and_the_window_serves_it() -> Result<()> {
    let eleven = seeded::campus_hour_today(11)?;
    let server = web::serve_app(TestOptions {
        clock: Some(Arc::new(FakeClock::at(eleven))),
        ..TestOptions::default()
    })
    .await?;

    let phone = Browser::launch(Viewport::PHONE).await?;
    let p = &phone.client;
    act::open(p, &server.url).await?;
    act::login(p, "student", "demo").await?;
    act::open(p, &format!("{}/s/dining", server.url)).await?;
    // The page starts at the meal of the browser's own time (tomorrow's
    // breakfast after 23:00): choose today's lunch, the server's hour.
    act::choose(p, "dining-day", "today").await?;
    act::click(p, "dining-period-lunch").await?;
    find::visible(p, "dining-dish").await?;
    act::click(p, "dining-add").await?;
    find::visible(p, "dining-basket-line").await?;
    find::visible(p, "dining-slot").await?;
    act::click(p, "dining-place").await?;
    check::attr_becomes(p, "dining-order", "data-status", "placed").await?;
    // The menu follows at once (the server's poke, not a reload): one
    // portion fewer of the dish ordered.
    check::attr_becomes(p, "dining-dish", "data-left", "59").await?;

    // The window's queue has it; the cashier starts it and marks it ready.
    let kiosk = Browser::launch(Viewport::KIOSK).await?;
    let k = &kiosk.client;
    act::open(k, &server.url).await?;
    act::login(k, "cashier", "demo").await?;
    check::attr_becomes(k, "queue-order", "data-status", "placed").await?;
    act::click(k, "queue-advance").await?;
    check::attr_becomes(k, "queue-order", "data-status", "cooking").await?;
    act::click(k, "queue-advance").await?;
    check::attr_becomes(k, "queue-order", "data-status", "ready").await?;

    // The student's phone shows it ready, with the code to show at the window.
    act::reload(p).await?;
    act::choose(p, "dining-day", "today").await?;
    check::attr_becomes(p, "dining-order", "data-status", "ready").await?;
    find::visible(p, "dining-order").await?;
    find::js(
        p,
        "document.querySelector('[data-testid=dining-order]').scrollIntoView({block: 'center'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(p).await?;
    let png = check::settled_screenshot(p).await?;
    check::save_screenshot(
        "web-student-dining-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;

    // The scanner types the pickup code at the kiosk: handed over.
    let code = find::js(
        p,
        "return document.querySelector('.pickup-code').dataset.code;",
        vec![],
    )
    .await?;
    let code = code.as_str().context("the pickup code")?.to_owned();
    act::fill(k, "queue-scan", &code).await?;
    find::js(
        k,
        "document.querySelector('[data-testid=queue-scan]').form.requestSubmit(); return true;",
        vec![],
    )
    .await?;
    // Handed over: it leaves the queue.
    find::until(k, "the order to leave the queue", async || {
        Ok(if find::present(k, "queue-order").await? {
            find::Seen::NotYet("still in the queue".into())
        } else {
            find::Seen::Ready(())
        })
    })
    .await?;
    act::rest_pointer(k).await?;
    let png = check::settled_screenshot(k).await?;
    check::save_screenshot(
        "web-cashier-queue",
        &png,
        Some((Viewport::KIOSK.width, Viewport::KIOSK.height)),
    )?;

    // The student rates it and sends a complaint; both show.
    act::reload(p).await?;
    act::choose(p, "dining-day", "today").await?;
    check::attr_becomes(p, "dining-order", "data-status", "picked_up").await?;
    act::click(p, "rate-send").await?;
    find::visible(p, "rate-thanks").await?;
    act::fill(p, "complaint-text", "汤有点凉").await?;
    act::click(p, "complaint-send").await?;
    check::attr_becomes(p, "complaint", "data-status", "open").await?;

    // The manager's dashboard shows the order served, with charts.
    act::logout(k).await?;
    act::login(k, "manager", "demo").await?;
    act::open(k, &format!("{}/s/dining", server.url)).await?;
    check::attr_becomes(k, "dash-summary", "data-orders", "1").await?;
    find::visible(k, "dash-by-hour").await?;
    // The kiosk's card sale counts too (the cashier sold nothing by card
    // here: none yet).
    check::attr_becomes(k, "dash-summary", "data-card-sales", "0").await?;
    act::rest_pointer(k).await?;
    let png = check::settled_screenshot(k).await?;
    check::save_screenshot(
        "web-manager-dining-dashboard",
        &png,
        Some((Viewport::KIOSK.width, Viewport::KIOSK.height)),
    )?;

    // The manager gives the dish the student ordered a photo and a tag; the
    // student's menu shows the photo. (After the reloads the phone shows the
    // meal of the browser's own time: choose lunch again.)
    act::choose(p, "dining-day", "today").await?;
    act::click(p, "dining-period-lunch").await?;
    find::visible(p, "dining-dish").await?;
    let dish = find::js(
        p,
        "return document.querySelector('[data-testid=dining-dish]').dataset.dish;",
        vec![],
    )
    .await?;
    let dish = dish.as_str().context("the dish's id")?.to_owned();
    find::js(
        k,
        "const s = document.querySelector('[data-testid=dish-pick]'); s.value = arguments[0]; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        vec![dish.clone().into()],
    )
    .await?;
    let picture = houqin_e2e::workspace::root().join("icons/128x128.png");
    act::attach(k, "dish-photo", &picture).await?;
    check::photos_shown(k, "[data-testid=dish-editor] [data-testid=photo]", 1).await?;
    act::click(k, "dish-save").await?;
    let shown = format!("[data-testid=dining-dish][data-dish='{dish}'] [data-testid=photo]");
    act::reload(p).await?;
    act::choose(p, "dining-day", "today").await?;
    act::click(p, "dining-period-lunch").await?;
    find::until(p, "the dish's photo on the student's menu", async || {
        let n = find::js(
            p,
            "const img = document.querySelector(arguments[0]); \
             return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0;",
            vec![shown.clone().into()],
        )
        .await?;
        Ok(if n.as_u64().is_some_and(|w| w > 0) {
            find::Seen::Ready(())
        } else {
            find::Seen::NotYet("no photo yet".into())
        })
    })
    .await?;
    find::js(
        p,
        "document.querySelector('[data-testid=dining-dish]').scrollIntoView({block: 'center'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(p).await?;
    let png = check::settled_screenshot(p).await?;
    check::save_screenshot(
        "web-student-dining-photo-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;

    // An inspection with a photo, recorded by the manager, is what students see.
    act::fill(k, "inspection-inspector", "区市场监管局").await?;
    act::fill(k, "inspection-notes", "后厨整洁，留样齐全").await?;
    act::attach(k, "inspection-photos", &picture).await?;
    check::photos_shown(k, "[data-testid=inspection-form] [data-testid=photo]", 1).await?;
    act::click(k, "inspection-save").await?;
    act::reload(p).await?;
    act::choose(p, "dining-day", "today").await?;
    check::attr_becomes(p, "inspection", "data-result", "pass").await?;
    check::photos_shown(p, "[data-testid=inspection] [data-testid=photo]", 1).await?;

    // The manager closes the canteen for a date; it shows after a reload.
    find::js(
        k,
        "const d = document.querySelector('[data-testid=override-date]'); d.value = '2027-01-20'; \
         d.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        vec![],
    )
    .await?;
    act::fill(k, "override-note", "寒假停业").await?;
    act::click(k, "override-add").await?;
    find::visible(k, "calendar-override").await?;
    act::click(k, "calendar-save").await?;
    // Saved: the server's answer replaces the list; a reload reads it back.
    find::requests_finished(k, "/calendar", 2).await?;
    act::reload(k).await?;
    check::attr_becomes(k, "calendar-override", "data-date", "2027-01-20").await?;
    find::js(
        k,
        "document.querySelector('[data-testid=dish-editor]').scrollIntoView({block: 'start'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(k).await?;
    let png = check::settled_screenshot(k).await?;
    check::save_screenshot(
        "web-manager-canteen-office",
        &png,
        Some((Viewport::KIOSK.width, Viewport::KIOSK.height)),
    )?;

    phone.close().await?;
    kiosk.close().await?;
    Ok(())
}
