//! The kiosk against the real server: online while it answers; offline
//! when it does not — hotlist, caps, pay codes checked against synced keys
//! and remembered across a restart, a stale hotlist — and every offline
//! sale settled exactly once when the server is back.

use std::sync::Arc;

use chrono::Duration;
use houqin_engine::{Engine, EngineConfig};
use houqin_server::entities::{cards, offline_sales, sales, users};
use houqin_shared::clock::FakeClock;
use houqin_shared::ids::{TransferId, WindowId};
use houqin_shared::payments::{Charge, ChargeOutcome, Decline, Payer};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::harness::Backend;
use super::{login_as, open};

async fn chip_of(backend: &Backend, username: &str) -> (Uuid, String) {
    let db = &backend.server.state.db.conn;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await
        .expect("query")
        .expect("a demo user");
    let card = cards::Entity::find()
        .filter(cards::Column::UserId.eq(user.id))
        .one(db)
        .await
        .expect("query")
        .expect("a card");
    (user.id, card.uid)
}

async fn window_of(kiosk: &Engine) -> WindowId {
    let me = kiosk.call("GET", "/me", None).await.expect("me");
    let canteen = me["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "canteen")
        .expect("a canteen")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let windows = kiosk
        .call(
            "GET",
            &format!("/directory/canteens/{canteen}/windows"),
            None,
        )
        .await
        .expect("windows");
    windows[0]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid")
}

fn sale(window: WindowId, payer: Payer, amount: i64) -> Charge {
    Charge {
        id: TransferId::new(),
        window_id: window,
        payer,
        amount,
        pin: None,
    }
}

fn card(uid: &str) -> Payer {
    Payer::Card { uid: uid.into() }
}

#[track_caller]
fn approved(o: &ChargeOutcome, offline: bool) {
    assert!(o.approved, "{o:?}");
    assert_eq!(o.offline, offline, "{o:?}");
}

#[track_caller]
fn declined(o: &ChargeOutcome, why: Decline) {
    assert!(!o.approved, "{o:?}");
    assert_eq!(o.decline, Some(why), "{o:?}");
}

async fn balance(backend: &Backend, user: Uuid) -> i64 {
    let db = &backend.server.state.db.conn;
    let w = houqin_server::entities::wallets::Entity::find_by_id(user)
        .one(db)
        .await
        .expect("query")
        .expect("a wallet");
    let a = houqin_server::entities::ledger_accounts::Entity::find_by_id(w.wallet_account_id)
        .one(db)
        .await
        .expect("query")
        .expect("the account");
    a.credits_posted - a.debits_posted
}

#[tokio::test]
async fn a_kiosk_sells_offline_and_settles_once() {
    let mut backend = Backend::start().await;
    let (student, chip) = chip_of(&backend, "student").await;
    let (_, lost_chip) = chip_of(&backend, "s202600001").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FakeClock::at(chrono::Utc::now()));
    let url = backend.url();
    let config = || EngineConfig {
        clock: clock.clone(),
        ..EngineConfig::new(dir.path(), url.clone())
    };
    let kiosk = Engine::open(config()).expect("engine");
    kiosk
        .login(login_as("cashier", "demo"))
        .await
        .expect("login");
    let window = window_of(&kiosk).await;

    // A phone signs in (its pay key reaches the kiosks) and another
    // student's card is reported lost before the network goes.
    let phone_dir = tempfile::tempdir().expect("tempdir");
    let phone = open(phone_dir.path(), &backend.url());
    phone
        .login(login_as("student", "demo"))
        .await
        .expect("login");
    let loser_dir = tempfile::tempdir().expect("tempdir");
    let loser = open(loser_dir.path(), &backend.url());
    loser
        .login(login_as("s202600001", "demo"))
        .await
        .expect("login");
    let wallet = loser.call("GET", "/wallet", None).await.expect("wallet");
    let lost_card = wallet["cards"][0]["id"].clone();
    loser
        .call(
            "POST",
            "/cards/report-lost",
            Some(serde_json::json!({"card_id": lost_card})),
        )
        .await
        .expect("report lost");
    kiosk.sync_once().await.expect("sync");
    let allowance = kiosk.offline_allowance().expect("allowance");
    assert!(allowance.ready && !allowance.stale, "{allowance:?}");
    assert_eq!(allowance.remaining, allowance.policy.per_kiosk);

    // Online: the server decides.
    let start = balance(&backend, student).await;
    approved(
        &kiosk
            .kiosk_charge(sale(window, card(&chip), 100))
            .await
            .expect("charge"),
        false,
    );

    backend.stop().await;
    // The first sale finds the server gone and sells offline; the next ones
    // go offline at once.
    approved(
        &kiosk
            .kiosk_charge(sale(window, card(&chip), 500))
            .await
            .expect("charge"),
        true,
    );
    let allowance = kiosk.offline_allowance().expect("allowance");
    assert!(!allowance.online);
    assert_eq!((allowance.outstanding, allowance.pending_sales), (500, 1));
    assert_eq!(allowance.remaining, allowance.policy.per_kiosk - 500);
    let cap = allowance.policy;
    declined(
        &kiosk
            .kiosk_charge(sale(window, card(&chip), cap.per_sale + 1))
            .await
            .expect("charge"),
        Decline::OfflineSaleCap,
    );
    // Up to the card's day cap, then no more.
    let mut sold = 500;
    while sold + cap.per_sale <= cap.per_card_day {
        approved(
            &kiosk
                .kiosk_charge(sale(window, card(&chip), cap.per_sale))
                .await
                .expect("charge"),
            true,
        );
        sold += cap.per_sale;
    }
    declined(
        &kiosk
            .kiosk_charge(sale(window, card(&chip), cap.per_card_day - sold + 1))
            .await
            .expect("charge"),
        Decline::OfflineCardCap,
    );
    // The hotlist: the lost card is refused offline too.
    declined(
        &kiosk
            .kiosk_charge(sale(window, card(&lost_chip), 100))
            .await
            .expect("charge"),
        Decline::CardFrozen,
    );
    // A retried sale (same id) is the same sale.
    let retry = sale(window, card(&lost_chip.replace("04", "05")), 100);
    let first = kiosk.kiosk_charge(retry.clone()).await.expect("charge");
    approved(&first, true);
    let again = kiosk.kiosk_charge(retry).await.expect("charge");
    assert_eq!(again, first);

    // A pay code made on the phone (offline as well) is checked against the
    // synced key, and taken once — also after the kiosk restarts.
    let code = phone.pay_code().expect("code");
    let qr = || Payer::Qr { code: code.clone() };
    approved(
        &kiosk
            .kiosk_charge(sale(window, qr(), 200))
            .await
            .expect("charge"),
        true,
    );
    declined(
        &kiosk
            .kiosk_charge(sale(window, qr(), 200))
            .await
            .expect("charge"),
        Decline::CodeUsed,
    );
    drop(kiosk);
    let kiosk = Engine::open(config()).expect("engine");
    declined(
        &kiosk
            .offline_charge(&sale(window, qr(), 200))
            .expect("charge"),
        Decline::CodeUsed,
    );
    let forged = code
        .rsplit_once(':')
        .map(|(head, _)| format!("{head}:{}", "A".repeat(86)));
    declined(
        &kiosk
            .offline_charge(&sale(
                window,
                Payer::Qr {
                    code: forged.expect("code"),
                },
                200,
            ))
            .expect("charge"),
        Decline::CodeInvalid,
    );
    let pending = kiosk.offline_allowance().expect("allowance");
    let expected_outstanding = sold + 100 + 200;
    assert_eq!(pending.outstanding, expected_outstanding);

    // A day without a sync: the hotlist is too old to trust.
    clock.advance(Duration::hours(25));
    declined(
        &kiosk
            .offline_charge(&sale(window, card(&chip), 100))
            .expect("charge"),
        Decline::HotlistStale,
    );
    clock.advance(-Duration::hours(25));

    // The server is back: every offline sale settles, once.
    backend.resume().await;
    kiosk.sync_once().await.expect("sync");
    kiosk.sync_once().await.expect("sync");
    let settled = kiosk.offline_allowance().expect("allowance");
    assert_eq!(
        (settled.outstanding, settled.pending_sales),
        (0, 0),
        "{settled:?}"
    );
    assert!(settled.online);
    let db = &backend.server.state.db.conn;
    let offline = offline_sales::Entity::find()
        .filter(offline_sales::Column::KioskId.eq(Uuid::parse_str(kiosk.device_id()).expect("id")))
        .count(db)
        .await
        .expect("count");
    assert_eq!(offline, pending.pending_sales as u64);
    // The card paid for its own sales (not the unknown chip's), online and offline.
    let paid = balance(&backend, student).await;
    assert_eq!(start - paid, 100 + sold + 200, "charged exactly once each");
    let booked = sales::Entity::find()
        .filter(sales::Column::PayerId.eq(student))
        .count(db)
        .await
        .expect("count");
    // One online, the 500, the capped ones, the pay code.
    assert_eq!(booked, 1 + 1 + ((sold - 500) / cap.per_sale) as u64 + 1);
    let audit = houqin_server::ledger::audit(&backend.server.state.db)
        .await
        .expect("audit");
    assert!(audit.balanced(), "{audit:?}");
    // Back online, the kiosk charges through the server again.
    approved(
        &kiosk
            .kiosk_charge(sale(window, card(&chip), 100))
            .await
            .expect("charge"),
        false,
    );
}
