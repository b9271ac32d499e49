//! The desktop app as a canteen kiosk with a campus-card reader: the real
//! pcscd with the vpcd reader, a virtual SAM in its second slot, and the
//! demo student's card — a virtual card personalised from the SAM's master
//! key — tapped in the first. The cashier types an amount, presses "read card
//! and charge", the card is tapped: approved. A copied card (its key not
//! from the master) is refused by the reader before any charge. Then the
//! server goes away: the kiosk sells offline, within its allowance, and
//! says so.

use anyhow::{Context, Result, ensure};
use houqin_card::applet::{CardApplet, SamApplet};
use houqin_card::crypto::hex;
use houqin_card::vpcd::VirtualCard;
use houqin_e2e::desktop::Desktop;
use houqin_e2e::{act, check, find};
use houqin_server::entities::{cards, users};
use houqin_server::testkit::{TestOptions, TestServer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const MASTER: [u8; 16] = *b"e2e-kiosk-master";
const SLOTS: (&str, &str) = ("Virtual PCD 00 00", "Virtual PCD 00 01");

/// Taps a card once the app is waiting, and takes it away when told.
fn tap(applet: CardApplet) -> Result<VirtualCard> {
    VirtualCard::insert(0, Box::new(applet)).context("vpcd takes the card (is pcscd running?)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_reads_a_card_at_the_desktop_kiosk() -> Result<()> {
    let server = TestServer::start(TestOptions::default()).await;
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
    let uid = hex(&card.uid).context("a hex card id")?;

    let reader = houqin_card::Kiosk::open(SLOTS.0, SLOTS.1)
        .context("the vpcd reader (scripts/test.sh starts pcscd)")?;
    let _sam = VirtualCard::insert(1, Box::new(SamApplet::new(vec![(1, MASTER)])))?;
    reader.wait_for_sam(std::time::Duration::from_secs(10))?;
    reader.wait_for_removal(std::time::Duration::from_secs(10))?;

    let app = Desktop::launch(&server.url).await?;
    let c = &app.client;
    act::login(c, "cashier", "demo").await?;
    check::attr_becomes(c, "home", "data-role", "cashier").await?;
    find::visible(c, "kiosk-read-card").await?;

    act::fill(c, "kiosk-amount", "6.50").await?;
    act::click(c, "kiosk-read-card").await?;
    let genuine = tap(CardApplet::personalise(&uid, &MASTER, 1).context("personalise")?)?;
    check::attr_becomes(c, "kiosk-outcome", "data-approved", "true")
        .await
        .with_context(|| format!("the app's output:\n{}", app.log_tail()))?;
    check::value_becomes(c, "kiosk-payer", &card.uid).await?;
    genuine.remove();
    reader.wait_for_removal(std::time::Duration::from_secs(10))?;

    // A copy: the same id, a key of its own. Refused by the reader; no charge.
    act::click(c, "kiosk-next").await?;
    act::fill(c, "kiosk-amount", "2").await?;
    act::click(c, "kiosk-read-card").await?;
    let copy = tap(CardApplet::personalise(&uid, b"a-guessed-key!!!", 1).context("personalise")?)?;
    check::attr_becomes(c, "kiosk-payer", "aria-invalid", "true").await?;
    copy.remove();
    ensure!(
        !find::present(c, "kiosk-outcome").await?,
        "a refused card never reaches the charge"
    );
    act::click(c, "kiosk-shift-load").await?;
    check::attr_becomes(c, "kiosk-shift-summary", "data-sales", "1").await?;

    // The kiosk holds the hotlist and policy: it could sell ¥3,000 offline.
    check::attr_becomes(c, "kiosk-offline", "data-remaining", "300000").await?;
    // The network goes. (An open event stream may hold the server's
    // graceful stop; it takes no new connections either way.)
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server.stop()).await;
    act::click(c, "kiosk-next").await?;
    act::fill(c, "kiosk-amount", "5").await?;
    act::fill(c, "kiosk-payer", &card.uid).await?;
    act::click(c, "kiosk-pay").await?;
    check::attr_becomes(c, "kiosk-outcome", "data-approved", "true")
        .await
        .with_context(|| format!("the app's output:\n{}", app.log_tail()))?;
    find::visible(c, "kiosk-offline-approved").await?;
    check::attr_becomes(c, "kiosk-offline", "data-mode", "offline").await?;
    check::attr_becomes(c, "kiosk-offline", "data-remaining", "299500").await?;
    check::attr_becomes(c, "sync-indicator", "data-state", "offline").await?;
    find::js(
        c,
        "document.querySelector('[data-testid=kiosk-offline]').scrollIntoView({block: 'start'}); return true;",
        vec![],
    )
    .await?;
    act::rest_pointer(c).await?;
    let png = check::settled_screenshot(c).await?;
    check::save_screenshot("desktop-cashier-kiosk-offline", &png, None)?;

    app.close().await?;
    Ok(())
}
