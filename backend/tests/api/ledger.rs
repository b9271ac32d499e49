//! The ledger on both databases: idempotent transfers, limits, linked chains,
//! two-phase holds with expiry, frozen accounts, the audit catching a
//! corrupted balance, and a double-spend race.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use houqin_server::entities::{campuses, ledger_accounts};
use houqin_server::ledger::{self, account_dto};
use houqin_server::testkit::{TestDb, TestServer};
use houqin_shared::ids::{AccountId, TransferId};
use houqin_shared::ledger::{
    Account, AccountKind, NewTransfer, Phase, TransferCode, TransferError, TransferResult,
};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::support::start;

struct Books {
    server: TestServer,
    campus: Uuid,
    now: DateTime<Utc>,
}

impl Books {
    async fn new(db: TestDb) -> Books {
        let server = start(db).await;
        let campus = campuses::Entity::find()
            .one(&server.state.db.conn)
            .await
            .expect("query")
            .expect("a seeded campus")
            .id;
        let now = server.state.clock.now();
        Books {
            server,
            campus,
            now,
        }
    }

    async fn account(&self, kind: AccountKind, holder: Option<Uuid>) -> AccountId {
        let tx = self.server.state.db.write().await.expect("tx");
        let a = ledger::open_account(&*tx, self.campus, kind, holder, self.now)
            .await
            .expect("open");
        tx.commit().await.expect("commit");
        AccountId(a.id)
    }

    async fn get(&self, id: AccountId) -> Account {
        let row = ledger_accounts::Entity::find_by_id(id.0)
            .one(&self.server.state.db.conn)
            .await
            .expect("query")
            .expect("account");
        account_dto(&row)
    }

    async fn run_at(&self, now: DateTime<Utc>, batch: &[NewTransfer]) -> Vec<TransferResult> {
        let tx = self.server.state.db.write().await.expect("tx");
        let results = ledger::create_transfers(&tx, self.campus, now, batch)
            .await
            .expect("no database failure");
        tx.commit().await.expect("commit");
        results
    }

    async fn run(&self, batch: &[NewTransfer]) -> Vec<TransferResult> {
        self.run_at(self.now, batch).await
    }

    async fn one(&self, t: NewTransfer) -> TransferResult {
        self.run(&[t]).await[0]
    }

    /// Writes a stored column directly, behind the ledger's back.
    async fn poke(&self, id: AccountId, column: ledger_accounts::Column, value: SimpleExpr) {
        ledger_accounts::Entity::update_many()
            .col_expr(column, value)
            .filter(ledger_accounts::Column::Id.eq(id.0))
            .exec(&self.server.state.db.conn)
            .await
            .expect("update");
    }
}

fn single(debit: AccountId, credit: AccountId, amount: i64, code: TransferCode) -> NewTransfer {
    NewTransfer::single(TransferId::new(), debit, credit, amount, code)
}

fn fail(error: TransferError) -> TransferResult {
    TransferResult::Failed { error }
}

const OK: TransferResult = TransferResult::Created;

async fn ledger_rules(db: TestDb) {
    let b = Books::new(db).await;
    let student = Uuid::now_v7();
    let clearing = b.account(AccountKind::TopUpClearing, None).await;
    assert_eq!(
        b.account(AccountKind::TopUpClearing, None).await,
        clearing,
        "opened once"
    );
    let wallet = b.account(AccountKind::Wallet, Some(student)).await;
    let subsidy = b.account(AccountKind::Subsidy, Some(student)).await;
    let fund = b.account(AccountKind::SubsidyFund, None).await;
    let till = b
        .account(AccountKind::MerchantTill, Some(Uuid::now_v7()))
        .await;
    let receivable = b
        .account(AccountKind::OfflineReceivable, Some(student))
        .await;

    // The seed's opening balances came through the same clearing account.
    let cleared = b.get(clearing).await.balance();
    // A top-up, retried: the first outcome; the same id with other fields: an error.
    let top_up = single(clearing, wallet, 1000, TransferCode::TopUp);
    assert_eq!(b.one(top_up.clone()).await, OK);
    assert_eq!(b.one(top_up.clone()).await, TransferResult::Exists);
    let changed = NewTransfer {
        amount: 999,
        ..top_up.clone()
    };
    assert_eq!(
        b.one(changed).await,
        fail(TransferError::ExistsWithDifferentFields)
    );
    assert_eq!(b.get(wallet).await.balance(), 1000);
    assert_eq!(b.get(clearing).await.balance(), cleared - 1000);

    // No overdraft beyond the credit limit (zero by default).
    assert_eq!(
        b.one(single(wallet, till, 1001, TransferCode::Sale)).await,
        fail(TransferError::ExceedsCredits)
    );
    b.poke(
        wallet,
        ledger_accounts::Column::CreditLimit,
        Expr::value(500),
    )
    .await;
    assert_eq!(
        b.one(single(wallet, till, 1200, TransferCode::Sale)).await,
        OK
    );
    assert_eq!(b.get(wallet).await.balance(), -200);
    assert_eq!(
        b.one(single(wallet, till, 301, TransferCode::Sale)).await,
        fail(TransferError::ExceedsCredits)
    );
    b.poke(wallet, ledger_accounts::Column::CreditLimit, Expr::value(0))
        .await;
    assert_eq!(
        b.one(single(clearing, wallet, 1200, TransferCode::TopUp))
            .await,
        OK
    );
    assert_eq!(b.get(wallet).await.balance(), 1000);

    // A linked sale (subsidy part + wallet part): all or nothing.
    assert_eq!(
        b.one(single(fund, subsidy, 200, TransferCode::SubsidyGrant))
            .await,
        OK
    );
    let chain = |from_subsidy: i64, from_wallet: i64| {
        vec![
            NewTransfer {
                linked: true,
                ..single(subsidy, till, from_subsidy, TransferCode::SubsidySale)
            },
            single(wallet, till, from_wallet, TransferCode::Sale),
        ]
    };
    let till_before = b.get(till).await.balance();
    assert_eq!(
        b.run(&chain(300, 100)).await,
        vec![
            fail(TransferError::ExceedsCredits),
            fail(TransferError::LinkedEventFailed)
        ]
    );
    assert_eq!(
        b.run(&chain(100, 5000)).await,
        vec![
            fail(TransferError::LinkedEventFailed),
            fail(TransferError::ExceedsCredits)
        ]
    );
    assert_eq!(
        b.get(subsidy).await.balance(),
        200,
        "the refused chain left nothing"
    );
    assert_eq!(b.get(till).await.balance(), till_before);
    assert_eq!(b.run(&chain(200, 150)).await, vec![OK, OK]);
    assert_eq!(b.get(subsidy).await.balance(), 0);
    assert_eq!(b.get(wallet).await.balance(), 850);
    assert_eq!(b.get(till).await.balance(), till_before + 350);
    // An open chain at the end of a request is made not at all.
    let open = NewTransfer {
        linked: true,
        ..single(wallet, till, 1, TransferCode::Sale)
    };
    assert_eq!(
        b.run(&[open]).await,
        vec![fail(TransferError::LinkedChainOpen)]
    );

    // A hold (order placed), posted in part at pickup; then no second resolution.
    let hold = NewTransfer {
        phase: Phase::Pending,
        timeout_secs: Some(3600),
        reference: Some("order 42".into()),
        ..single(wallet, till, 500, TransferCode::Sale)
    };
    assert_eq!(b.one(hold.clone()).await, OK);
    let w = b.get(wallet).await;
    assert_eq!(
        (w.balance(), w.available(), w.debits_pending),
        (850, 350, 500)
    );
    assert_eq!(
        b.one(single(wallet, till, 400, TransferCode::Sale)).await,
        fail(TransferError::ExceedsCredits),
        "held money cannot be spent twice"
    );
    let post = |amount: i64| NewTransfer {
        phase: Phase::Post,
        pending_id: Some(hold.id),
        ..single(wallet, till, amount, TransferCode::Sale)
    };
    assert_eq!(
        b.one(post(501)).await,
        fail(TransferError::ExceedsPendingAmount)
    );
    let wrong_accounts = NewTransfer {
        phase: Phase::Post,
        pending_id: Some(hold.id),
        ..single(wallet, clearing, 100, TransferCode::Sale)
    };
    assert_eq!(
        b.one(wrong_accounts).await,
        fail(TransferError::PendingAccountsDiffer)
    );
    assert_eq!(b.one(post(380)).await, OK);
    let w = b.get(wallet).await;
    assert_eq!(
        (w.balance(), w.available(), w.debits_pending),
        (470, 470, 0)
    );
    assert_eq!(
        b.one(post(0)).await,
        fail(TransferError::PendingAlreadyResolved)
    );
    let void = NewTransfer {
        phase: Phase::Void,
        pending_id: Some(hold.id),
        ..single(wallet, till, 0, TransferCode::Sale)
    };
    assert_eq!(
        b.one(void).await,
        fail(TransferError::PendingAlreadyResolved)
    );
    let unknown = NewTransfer {
        pending_id: Some(TransferId::new()),
        ..post(1)
    };
    assert_eq!(b.one(unknown).await, fail(TransferError::PendingNotFound));

    // A hold left unresolved expires: the money is free again.
    let short = NewTransfer {
        phase: Phase::Pending,
        timeout_secs: Some(60),
        ..single(wallet, till, 300, TransferCode::Sale)
    };
    assert_eq!(b.one(short.clone()).await, OK);
    assert_eq!(b.get(wallet).await.available(), 170);
    let late = NewTransfer {
        phase: Phase::Post,
        pending_id: Some(short.id),
        ..single(wallet, till, 0, TransferCode::Sale)
    };
    let later = b.now + chrono::Duration::seconds(61);
    assert_eq!(
        b.run_at(later, &[late]).await,
        vec![fail(TransferError::PendingExpired)]
    );
    assert_eq!(b.get(wallet).await.available(), 470, "released at once");
    let another = NewTransfer {
        phase: Phase::Pending,
        timeout_secs: Some(60),
        ..single(wallet, till, 100, TransferCode::Sale)
    };
    assert_eq!(b.one(another).await, OK);
    assert_eq!(
        ledger::expire_due(&b.server.state.db, later)
            .await
            .expect("expire"),
        1
    );
    assert_eq!(b.get(wallet).await.available(), 470);

    // Frozen accounts take nothing new.
    {
        let tx = b.server.state.db.write().await.expect("tx");
        ledger::set_frozen(&*tx, wallet, true, b.now)
            .await
            .expect("freeze");
        tx.commit().await.expect("commit");
    }
    assert_eq!(
        b.one(single(wallet, till, 1, TransferCode::Sale)).await,
        fail(TransferError::AccountFrozen)
    );
    assert_eq!(
        b.one(single(clearing, wallet, 1, TransferCode::TopUp))
            .await,
        fail(TransferError::AccountFrozen)
    );
    {
        let tx = b.server.state.db.write().await.expect("tx");
        ledger::set_frozen(&*tx, wallet, false, b.now)
            .await
            .expect("unfreeze");
        tx.commit().await.expect("commit");
    }

    // A receivable is never collected beyond what is owed.
    assert_eq!(
        b.one(single(receivable, till, 80, TransferCode::Receivable))
            .await,
        OK
    );
    assert_eq!(
        b.one(single(wallet, receivable, 81, TransferCode::Collection))
            .await,
        fail(TransferError::ExceedsDebits)
    );
    assert_eq!(
        b.one(single(wallet, receivable, 80, TransferCode::Collection))
            .await,
        OK
    );
    assert_eq!(b.get(receivable).await.balance(), 0);

    // Unknown accounts, other campuses' accounts, bad fields.
    assert_eq!(
        b.one(single(AccountId::new(), till, 1, TransferCode::Sale))
            .await,
        fail(TransferError::AccountNotFound)
    );
    assert_eq!(
        b.one(single(wallet, till, -5, TransferCode::Sale)).await,
        fail(TransferError::Invalid)
    );

    // The books balance; a corrupted stored sum is caught, with the account named.
    let report = ledger::audit(&b.server.state.db).await.expect("audit");
    assert!(report.balanced(), "{report:?}");
    assert!(report.accounts > 6 && report.transfers >= 10, "{report:?}");
    assert_eq!(report.total_debits_posted, report.total_credits_posted);
    let col = ledger_accounts::Column::CreditsPosted;
    b.poke(wallet, col, Expr::col(col).add(7)).await;
    let report = ledger::audit(&b.server.state.db).await.expect("audit");
    assert!(!report.balanced());
    let fields: Vec<(Option<AccountId>, &str, i64)> = report
        .differences
        .iter()
        .map(|d| (d.account_id, d.field.as_str(), d.stored - d.computed))
        .collect();
    assert_eq!(
        fields,
        vec![
            (Some(wallet), "credits_posted", 7),
            (None, "books_posted", -7)
        ],
        "{report:?}"
    );
}

#[tokio::test]
async fn ledger_rules_sqlite() {
    ledger_rules(TestDb::Sqlite).await;
}

#[tokio::test]
async fn ledger_rules_postgres() {
    ledger_rules(TestDb::Postgres).await;
}

/// Twenty payments of ¥3 race for a wallet holding ¥10: exactly three succeed.
async fn double_spend(db: TestDb) {
    let b = Arc::new(Books::new(db).await);
    let clearing = b.account(AccountKind::TopUpClearing, None).await;
    let wallet = b.account(AccountKind::Wallet, Some(Uuid::now_v7())).await;
    let tills = [
        b.account(AccountKind::MerchantTill, Some(Uuid::now_v7()))
            .await,
        b.account(AccountKind::MerchantTill, Some(Uuid::now_v7()))
            .await,
    ];
    assert_eq!(
        b.one(single(clearing, wallet, 1000, TransferCode::TopUp))
            .await,
        OK
    );
    let mut tasks = Vec::new();
    for i in 0..20 {
        let b = b.clone();
        let till = tills[i % 2];
        tasks.push(tokio::spawn(async move {
            b.one(single(wallet, till, 300, TransferCode::Sale)).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    let ok = results.iter().filter(|r| **r == OK).count();
    assert_eq!(ok, 1000 / 300, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| *r == OK || *r == fail(TransferError::ExceedsCredits))
    );
    assert_eq!(b.get(wallet).await.balance(), 100);
    assert!(
        ledger::audit(&b.server.state.db)
            .await
            .expect("audit")
            .balanced()
    );
}

#[tokio::test]
async fn double_spend_race_sqlite() {
    double_spend(TestDb::Sqlite).await;
}

#[tokio::test]
async fn double_spend_race_postgres() {
    double_spend(TestDb::Postgres).await;
}

/// `houqin-server audit-ledger`, the real binary: silent books pass, a
/// corrupted balance fails with the account named.
#[tokio::test]
async fn the_audit_command_reports_every_difference() {
    let dir = std::env::temp_dir().join(format!("houqin-audit-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("books.sqlite").display());
    let db = houqin_server::db::Db::connect(&url).await.expect("db");
    let campus = Uuid::now_v7();
    let now = Utc::now();
    let tx = db.write().await.expect("tx");
    let clearing = ledger::open_account(&*tx, campus, AccountKind::TopUpClearing, None, now)
        .await
        .expect("open");
    let wallet = ledger::open_account(&*tx, campus, AccountKind::Wallet, Some(Uuid::now_v7()), now)
        .await
        .expect("open");
    let top_up = single(
        AccountId(clearing.id),
        AccountId(wallet.id),
        2500,
        TransferCode::TopUp,
    );
    assert_eq!(
        ledger::create_transfers(&tx, campus, now, &[top_up])
            .await
            .expect("transfer"),
        vec![OK]
    );
    tx.commit().await.expect("commit");

    let audit = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_houqin-server"))
            .args(["--database-url", &url, "audit-ledger"])
            .output()
            .expect("run")
    };
    let clean = audit();
    let text = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{text}");
    assert!(text.contains("2 accounts, 1 transfers"), "{text}");
    assert!(text.contains("the books balance"), "{text}");

    let col = ledger_accounts::Column::DebitsPosted;
    ledger_accounts::Entity::update_many()
        .col_expr(col, Expr::col(col).sub(100))
        .filter(ledger_accounts::Column::Id.eq(clearing.id))
        .exec(&db.conn)
        .await
        .expect("corrupt");
    let dirty = audit();
    let text = String::from_utf8_lossy(&dirty.stdout);
    assert_eq!(dirty.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "DIFFERENCE account {}: debits_posted stored 2400 computed 2500 (off by -100)",
            clearing.id
        )),
        "{text}"
    );
    assert!(
        text.contains("DIFFERENCE the books: books_posted"),
        "{text}"
    );
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
