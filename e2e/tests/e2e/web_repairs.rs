//! A repair from report to acceptance in the web app: a student on a phone
//! reports a leak with a photo; it is dispatched to the zone's technician,
//! whose tablet shows it in the queue; they accept, start, record a part,
//! complete with an after-photo; the student's phone shows it done and the
//! student accepts it. Signed out, a passer-by reports a tagged asset from
//! its QR code's page; a neighbour scans the same tag with their phone's
//! camera and follows the open job. Screens go to `e2e/screenshots/`.
//!
//! The server's clock is 10:00 campus time today: the technician is on shift.

use std::sync::Arc;

use anyhow::{Context, Result};
use houqin_e2e::browser::{Browser, Viewport};
use houqin_e2e::{act, check, find, seeded, web};
use houqin_server::testkit::TestOptions;
use houqin_shared::clock::FakeClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repair_from_report_to_acceptance() -> Result<()> {
    let ten = seeded::campus_hour_today(10)?;
    let server = web::serve_app(TestOptions {
        clock: Some(Arc::new(FakeClock::at(ten))),
        ..TestOptions::default()
    })
    .await?;
    let building = seeded::building_in_technicians_zone(&server)
        .await?
        .to_string();
    let picture = houqin_e2e::workspace::root().join("icons/128x128.png");

    // The student reports a leak with a photo.
    let phone = Browser::launch(Viewport::PHONE).await?;
    let p = &phone.client;
    act::open(p, &server.url).await?;
    act::login(p, "student", "demo").await?;
    act::open(p, &format!("{}/s/repairs", server.url)).await?;
    act::choose(p, "repair-urgency", "high").await?;
    act::choose(p, "repair-building", &building).await?;
    act::fill(p, "repair-room", "302").await?;
    act::fill(p, "repair-text", "洗手池下水管漏水").await?;
    act::attach(p, "repair-photos", &picture).await?;
    check::photos_shown(p, "[data-testid=repair-report] [data-testid=photo]", 1).await?;
    act::click(p, "repair-send").await?;
    check::attr_becomes(p, "repair-job", "data-status", "assigned").await?;

    // The technician's tablet has it; they work it through.
    let tablet = Browser::launch(Viewport::TABLET).await?;
    let t = &tablet.client;
    act::open(t, &server.url).await?;
    act::login(t, "technician", "demo").await?;
    act::open(t, &format!("{}/s/repairs", server.url)).await?;
    check::attr_becomes(t, "queue-job", "data-status", "assigned").await?;
    act::click(t, "job-accept").await?;
    check::attr_becomes(t, "queue-job", "data-status", "accepted").await?;
    act::click(t, "job-start").await?;
    check::attr_becomes(t, "queue-job", "data-status", "in_progress").await?;
    let valve = find::js(
        t,
        "const o = [...document.querySelectorAll('[data-testid=job-part] option')].find(o => o.textContent.includes('阀芯')); return o ? o.value : null;",
        vec![],
    )
    .await?;
    act::choose(
        t,
        "job-part",
        valve.as_str().context("a valve in the store")?,
    )
    .await?;
    act::click(t, "job-part-use").await?;
    find::visible(t, "repair-parts").await?;
    act::fill(t, "job-notes", "换了下水管和阀芯").await?;
    act::fill(t, "job-minutes", "35").await?;
    act::attach(t, "job-after-photos", &picture).await?;
    check::photos_shown(t, "[data-testid=queue-job] form [data-testid=photo], [data-testid=queue-job] .photo-input [data-testid=photo]", 1).await?;
    act::rest_pointer(t).await?;
    let png = check::settled_screenshot(t).await?;
    check::save_screenshot(
        "web-technician-repair-tablet",
        &png,
        Some((Viewport::TABLET.width, Viewport::TABLET.height)),
    )?;
    act::click(t, "job-complete").await?;
    check::attr_becomes(t, "queue-job", "data-status", "completed").await?;

    // The student sees it done, with the SLA met, and accepts it.
    act::reload(p).await?;
    check::attr_becomes(p, "repair-job", "data-status", "completed").await?;
    check::attr_becomes(p, "repair-sla", "data-sla", "met").await?;
    find::js(
        p,
        "document.querySelector('[data-testid=repair-job]').scrollIntoView({block: 'center'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(p).await?;
    let png = check::settled_screenshot(p).await?;
    check::save_screenshot(
        "web-student-repair-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;
    act::click(p, "repair-accept").await?;
    check::attr_becomes(p, "repair-job", "data-status", "closed").await?;

    // The manager's figures count it, with charts and the month's pay.
    act::logout(t).await?;
    act::login(t, "manager", "demo").await?;
    act::open(t, &format!("{}/s/repairs", server.url)).await?;
    check::attr_becomes(t, "repair-dash-summary", "data-completed", "1").await?;
    find::visible(t, "repair-by-category").await?;
    find::js(
        t,
        "document.querySelector('[data-testid=repair-dashboard]').scrollIntoView({block: 'start'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(t).await?;
    let png = check::settled_screenshot(t).await?;
    check::save_screenshot(
        "web-manager-repairs-tablet",
        &png,
        Some((Viewport::TABLET.width, Viewport::TABLET.height)),
    )?;

    // The manager shortens a service target; it holds after a reload.
    check::value_becomes(t, "sla-respond", "24").await?;
    act::fill(t, "sla-respond", "2").await?;
    act::click(t, "sla-save").await?;
    find::requests_finished(t, "/repairs/sla", 2).await?;
    act::reload(t).await?;
    check::value_becomes(t, "sla-respond", "2").await?;

    // Signed out, a passer-by scans a tag in a corridor: no account needed.
    act::logout(p).await?;
    act::open(p, &format!("{}/report/HQ-000002", server.url)).await?;
    find::visible(p, "report-tag-asset").await?;
    act::fill(p, "tag-text", "空调不制冷，一直滴水").await?;
    act::click(p, "tag-send").await?;
    check::attr_becomes(p, "tag-sent", "data-joined", "false").await?;
    act::rest_pointer(p).await?;
    let png = check::settled_screenshot(p).await?;
    check::save_screenshot(
        "web-public-report-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;

    // A neighbour sees the same dripping unit and scans its tag with their
    // phone's camera: the open job is offered, and they follow it instead
    // of reporting it again.
    let filmed = houqin_e2e::camera::qr_video(&format!("{}/report/HQ-000002", server.url))?;
    let scanner = Browser::launch_with_camera(Viewport::PHONE, filmed.path()).await?;
    let n = &scanner.client;
    act::open(n, &server.url).await?;
    act::login(n, "s202600001", "demo").await?;
    act::open(n, &format!("{}/s/repairs", server.url)).await?;
    act::click(n, "scan-start").await?;
    check::value_becomes(n, "repair-tag", "HQ-000002").await?;
    check::attr_becomes(n, "scan-note", "data-note", "ScanFound").await?;
    // The asset shows (what, where, its past repairs) and prefills the kind.
    check::attr_becomes(n, "repair-asset", "data-code", "HQ-000002").await?;
    check::value_becomes(n, "repair-category", "hvac").await?;
    find::visible(n, "repair-follow").await?;
    find::js(
        n,
        "document.querySelector('[data-testid=repair-already-open]').scrollIntoView({block: 'center'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(n).await?;
    let png = check::settled_screenshot(n).await?;
    check::save_screenshot(
        "web-student-scan-follow-phone",
        &png,
        Some((Viewport::PHONE.width, Viewport::PHONE.height)),
    )?;
    act::click(n, "repair-follow").await?;
    check::attr_becomes(n, "repair-job", "data-following", "true").await?;
    act::reload(n).await?;
    check::attr_becomes(n, "repair-job", "data-following", "true").await?;

    scanner.close().await?;
    phone.close().await?;
    tablet.close().await?;
    Ok(())
}
