//! A technician's whole job with no network, in the desktop app (the
//! tablet's shell): a leak reported online is dispatched to them and syncs
//! to the app (where the tag scanner reads a photo of a printed tag); then
//! the link to the server is cut. Offline they accept,
//! start, draw a part from the store, complete with notes, minutes and an
//! after-photo, and report a new fault they find on site. Every step shows
//! at once and waits in the outbox. When the network is back, everything
//! reaches the server — the steps, the part (the store's count down), the
//! photo's bytes and the new work order — and the app says it is synced.
//!
//! The server's clock is 10:00 campus time today: the technician is on shift.

use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use houqin_e2e::desktop::Desktop;
use houqin_e2e::find::{self, Seen};
use houqin_e2e::network::Link;
use houqin_e2e::{act, check, seeded};
use houqin_server::authz::load_principal;
use houqin_server::entities::{attachments, buildings, part_uses, parts, work_orders};
use houqin_server::sync::commands;
use houqin_server::testkit::{TestOptions, TestServer};
use houqin_shared::clock::FakeClock;
use houqin_shared::ids::BuildingId;
use houqin_shared::repairs::{Category, Report, Urgency};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_works_a_job_offline_in_the_desktop_app() -> Result<()> {
    let server = TestServer::start(TestOptions {
        clock: Some(Arc::new(FakeClock::at(seeded::campus_hour_today(10)?))),
        ..TestOptions::default()
    })
    .await;
    let conn = &server.state.db.conn;
    let building = seeded::building_in_technicians_zone(&server).await?;
    let technician = seeded::user_id(&server, "technician").await?;

    // A student reports a leak (online, on their phone): dispatched to the
    // zone's technician on shift.
    let student = load_principal(
        &server.state,
        seeded::user_id(&server, "student").await?,
        Uuid::nil(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("the student: {e:?}"))?;
    let leak = Uuid::now_v7();
    commands::execute(
        &server.state,
        &student,
        Report {
            id: leak,
            category: Category::Plumbing,
            urgency: Urgency::High,
            building_id: Some(BuildingId(building)),
            room: Some("302".into()),
            asset_code: None,
            description: "洗手池下水管漏水".into(),
            photos: Vec::new(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("the report: {e:?}"))?;
    let job = work_orders::Entity::find_by_id(leak)
        .one(conn)
        .await?
        .context("the leak's work order")?;
    ensure!(
        job.assignee_id == Some(technician),
        "dispatched to the demo technician: {job:?}"
    );

    // The technician's app, through a link that can be cut.
    let mut link = Link::start(server.addr).await?;
    let app = Desktop::launch(&link.url()).await?;
    let c = &app.client;
    act::login(c, "technician", "demo").await?;
    act::click(c, "sidenav-service-repairs").await?;
    check::attr_becomes(c, "queue-job", "data-status", "assigned").await?;
    // The tag scanner reads a photo of a printed tag (decoded in the app).
    let tag_photo = houqin_e2e::camera::qr_photo(&format!("{}/report/HQ-000001", link.url()))?;
    act::attach(c, "scan-photo", tag_photo.path()).await?;
    check::value_becomes(c, "repair-tag", "HQ-000001").await?;
    // (Not that one: they clear the tag again.)
    find::js(
        c,
        "const t = document.querySelector('[data-testid=repair-tag]'); t.value = ''; \
         t.dispatchEvent(new Event('input', {bubbles: true})); return true;",
        vec![],
    )
    .await?;
    find::visible(c, "repair-building").await?;
    // Everything the job needs is on the device: the job, the parts store.
    check::attr_becomes(c, "sync-indicator", "data-state", "online")
        .await
        .with_context(|| format!("the app's output:\n{}", app.log_tail()))?;
    let valve = find::js(
        c,
        "const o = [...document.querySelectorAll('[data-testid=job-part] option')].find(o => o.textContent.includes('阀芯')); return o ? o.value : null;",
        vec![],
    )
    .await?;
    let valve = valve.as_str().context("a valve in the store")?.to_owned();
    let stock_before = parts::Entity::find_by_id(Uuid::parse_str(&valve)?)
        .one(conn)
        .await?
        .context("the valve")?
        .stock;

    // In the basement: no signal.
    link.cut();
    act::click(c, "job-accept").await?;
    check::attr_becomes(c, "queue-job", "data-status", "accepted").await?;
    find::visible(c, "repairs-saved")
        .await
        .context("the page says it shows the jobs as last synced")?;
    act::click(c, "job-start").await?;
    check::attr_becomes(c, "queue-job", "data-status", "in_progress").await?;
    act::choose(c, "job-part", &valve).await?;
    act::click(c, "job-part-use").await?;
    find::visible(c, "repair-parts").await?;
    act::fill(c, "job-notes", "换了下水管和阀芯").await?;
    act::fill(c, "job-minutes", "35").await?;
    let picture = houqin_e2e::workspace::root().join("icons/128x128.png");
    act::attach(c, "job-after-photos", &picture).await?;
    check::photos_shown(
        c,
        "[data-testid=queue-job] form [data-testid=photo], [data-testid=queue-job] .photo-input [data-testid=photo]",
        1,
    )
    .await
    .with_context(|| format!("the app's output:\n{}", app.log_tail()))?;
    act::click(c, "job-complete").await?;
    check::attr_becomes(c, "queue-job", "data-status", "completed").await?;

    // On site they find a broken door closer and report it, still offline.
    act::choose(c, "repair-category", "carpentry").await?;
    act::choose(c, "repair-building", &building.to_string()).await?;
    act::fill(c, "repair-room", "3F 走廊").await?;
    act::fill(c, "repair-text", "防火门闭门器坏了，关不上").await?;
    act::click(c, "repair-send").await?;
    check::attr_becomes(c, "repair-job", "data-status", "open").await?;
    let building_name = buildings::Entity::find_by_id(building)
        .one(conn)
        .await?
        .context("the building")?
        .name_zh;
    let shown = check::text_of(c, "repair-job").await?;
    ensure!(
        shown.contains(&building_name),
        "the job made offline names its building: {shown}"
    );
    check::attr_becomes(c, "sync-indicator", "data-state", "offline").await?;
    find::js(
        c,
        "document.querySelector('[data-testid=repair-queue]').scrollIntoView({block: 'start'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot(c).await?;
    check::save_screenshot("desktop-technician-repair-offline", &png, None)?;
    ensure!(
        work_orders::Entity::find_by_id(leak)
            .one(conn)
            .await?
            .is_some_and(|w| w.status == "assigned"),
        "nothing reached the server while offline"
    );

    // Signal again: the outbox drains by itself.
    link.restore().await?;
    check::attr_becomes(c, "sync-indicator", "data-state", "online")
        .await
        .with_context(|| format!("the app's output:\n{}", app.log_tail()))?;
    let done = find::until(c, "the offline job on the server", async || {
        let w = work_orders::Entity::find_by_id(leak)
            .one(conn)
            .await?
            .context("the leak")?;
        Ok(if w.status == "completed" {
            Seen::Ready(w)
        } else {
            Seen::NotYet(format!("status {}", w.status))
        })
    })
    .await?;
    ensure!(done.minutes == 35, "the time spent arrived: {done:?}");
    let after: Vec<String> = serde_json::from_str(&done.after_photos)?;
    ensure!(after.len() == 1, "the after-photo arrived: {done:?}");
    let photo = attachments::Entity::find()
        .filter(attachments::Column::Sha256.eq(after[0].clone()))
        .one(conn)
        .await?
        .context("the after-photo's bytes reached the server")?;
    ensure!(photo.complete, "the after-photo is whole: {photo:?}");
    let used = part_uses::Entity::find()
        .filter(part_uses::Column::WorkOrderId.eq(leak))
        .count(conn)
        .await?;
    ensure!(used == 1, "the part used offline is recorded");
    let stock_after = parts::Entity::find_by_id(Uuid::parse_str(&valve)?)
        .one(conn)
        .await?
        .context("the valve")?
        .stock;
    ensure!(
        stock_after == stock_before - 1,
        "the store's count went down: {stock_before} → {stock_after}"
    );
    let found_on_site = work_orders::Entity::find()
        .filter(work_orders::Column::ReporterId.eq(technician))
        .filter(work_orders::Column::Category.eq("carpentry"))
        .one(conn)
        .await?
        .context("the fault reported on site reached the server")?;
    ensure!(
        found_on_site.number.starts_with("R-") && found_on_site.description.contains("闭门器"),
        "{found_on_site:?}"
    );
    // The app shows the server's word: the new job numbered.
    let numbered = find::until(c, "the new job's number in the app", async || {
        let text = check::text_of(c, "repair-job").await?;
        Ok(if text.contains(&found_on_site.number) {
            Seen::Ready(())
        } else {
            Seen::NotYet(text)
        })
    })
    .await;
    numbered?;

    app.close().await?;
    Ok(())
}
