//! A real server process killed with SIGKILL in the middle of a push burst from
//! several clients, then restarted on the same SQLite file: afterwards every
//! command has exactly one outcome, in order, and nothing is lost. The same
//! with a burst of card payments on SQLite and PostgreSQL: the ledger
//! balances and no payment is lost or doubled.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_houqin-server");
const COMMANDS: u64 = 200;

fn spawn(dir: &std::path::Path, port: u16) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server")
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    for _ in 0..400 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not become ready");
}

fn lang(seq: u64) -> &'static str {
    if seq.is_multiple_of(2) { "en" } else { "zh-CN" }
}

/// Pushes `COMMANDS` commands in small batches, resending from the server's
/// `last_applied_seq` after every failure, like the engine's uploader.
async fn client(base: String, username: &'static str) -> (String, String, Vec<Uuid>, u32) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let device = Uuid::now_v7().to_string();
    let login = loop {
        match http
            .post(format!("{base}/auth/login"))
            .json(&json!({"username": username, "password": "demo", "device_id": device}))
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => break r.json::<Value>().await.expect("login"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let token = login["access_token"].as_str().expect("token").to_string();
    let user = login["user"]["id"].as_str().expect("user").to_string();
    let ids: Vec<Uuid> = (0..COMMANDS).map(|_| Uuid::now_v7()).collect();
    let command = |seq: u64| {
        json!({"command_id": ids[(seq - 1) as usize], "seq": seq, "user_id": user, "name": "accounts.set_lang",
            "payload": {"lang": lang(seq)}, "schema_version": 1, "created_at": "2026-09-01T08:00:00Z"})
    };
    let mut next = 1;
    let mut failures = 0;
    while next <= COMMANDS {
        let batch: Vec<Value> = (next..=(next + 4).min(COMMANDS)).map(command).collect();
        let sent = http
            .post(format!("{base}/sync/push"))
            .bearer_auth(&token)
            .json(&json!({"client_id": device, "commands": batch}))
            .send()
            .await;
        match sent {
            Ok(r) if r.status() == 200 => {
                let body: Value = r.json().await.expect("push");
                next = body["last_applied_seq"].as_u64().expect("seq") + 1;
            }
            // Refused connections, resets and 5xx while the server is down or restarting.
            _ => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    (device, token, ids, failures)
}

#[tokio::test]
async fn kill_9_during_a_push_burst_loses_and_repeats_nothing() {
    let dir = std::env::temp_dir().join(format!("houqin-crash-{}", Uuid::now_v7()));
    let seeded = Command::new(BIN)
        .arg("--data-dir")
        .arg(&dir)
        .args(["seed", "--scale", "tiny"])
        .output()
        .expect("seed");
    assert!(seeded.status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let mut server = spawn(&dir, port);
    wait_ready(&http, &base).await;

    let users = ["student", "staff", "s202600001", "s202600002"];
    let clients: Vec<_> = users
        .iter()
        .map(|u| tokio::spawn(client(base.clone(), u)))
        .collect();
    // Kill the server twice while the burst is on, restarting it each time.
    for pause in [150, 250] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        tokio::time::sleep(Duration::from_millis(100)).await;
        server = spawn(&dir, port);
        wait_ready(&http, &base).await;
    }
    assert!(
        clients.iter().any(|c| !c.is_finished()),
        "the burst outlasted the crashes"
    );
    let mut results = Vec::new();
    for c in clients {
        results.push(
            tokio::time::timeout(Duration::from_secs(120), c)
                .await
                .expect("clients finish")
                .expect("client"),
        );
    }
    let failed: u32 = results.iter().map(|r| r.3).sum();
    assert!(
        failed > 0,
        "pushes failed while the server was down: the crash hit the burst"
    );
    for ((device, token, ids, _), user) in results.iter().zip(users) {
        let pulled: Value = http
            .get(format!("{base}/sync/pull?client_id={device}&acked=0"))
            .bearer_auth(token)
            .send()
            .await
            .expect("pull")
            .json()
            .await
            .expect("json");
        assert_eq!(pulled["last_applied_seq"], COMMANDS, "{user}");
        let outcomes = pulled["outcomes"].as_array().expect("outcomes");
        assert_eq!(
            outcomes.len() as u64,
            COMMANDS,
            "{user}: one outcome per command"
        );
        for (i, o) in outcomes.iter().enumerate() {
            assert_eq!(o["seq"], i as u64 + 1, "{user}: in order");
            assert_eq!(
                o["command_id"],
                ids[i].to_string(),
                "{user}: the command sent with that seq"
            );
            assert_eq!(o["status"], "accepted", "{user}: {o}");
        }
        let me: Value = http
            .get(format!("{base}/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("json");
        assert_eq!(
            me["lang"],
            lang(COMMANDS),
            "{user}: the last command's effect is the state"
        );
    }
    server.kill().expect("stop");
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(dir);
}

/// Sales a cashier's kiosk makes to one card, each retried under its sale id
/// until the server answers: `(sale id, approved)` per sale, and how many
/// tries failed.
async fn kiosk(
    base: String,
    window: String,
    chip: String,
    sales: usize,
) -> (Vec<(Uuid, bool)>, u32) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let device = Uuid::now_v7().to_string();
    let login = |http: reqwest::Client, base: String, device: String| async move {
        loop {
            match http
                .post(format!("{base}/auth/login"))
                .json(&json!({"username": "cashier", "password": "demo", "device_id": device}))
                .send()
                .await
            {
                Ok(r) if r.status() == 200 => {
                    let body: Value = r.json().await.expect("login");
                    return body["access_token"].as_str().expect("token").to_string();
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    };
    let token = login(http.clone(), base.clone(), device.clone()).await;
    let mut outcomes = Vec::new();
    let mut failures = 0;
    for _ in 0..sales {
        let id = Uuid::now_v7();
        let body = json!({"id": id, "window_id": window, "payer": {"method": "card", "uid": chip},
            "amount": 100});
        loop {
            let sent = http
                .post(format!("{base}/payments/charges"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status() == 200 => {
                    let o: Value = r.json().await.expect("outcome");
                    outcomes.push((id, o["approved"] == true));
                    break;
                }
                Ok(r) if r.status().is_client_error() => {
                    panic!(
                        "a retried sale was refused: {} {:?}",
                        r.status(),
                        r.text().await
                    )
                }
                // Refused connections, resets and 5xx while the server is down.
                _ => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
    (outcomes, failures)
}

/// Kills the server process with SIGKILL twice during a burst of card
/// payments from four kiosks (each retrying under its sale ids), then checks
/// the ledger: it balances, every approved sale is booked once, no sale is
/// booked that its kiosk did not see approved, and each payer paid exactly
/// for their approved sales.
async fn payment_burst(db: houqin_server::testkit::TestDb) {
    use houqin_server::entities::{cards, ledger_accounts, sales, users, wallets};
    use houqin_server::testkit::{TestOptions, TestServer};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    // The in-process server only provides the seeded database (and a handle
    // to look at it); the process under test is the real binary.
    let fixture = TestServer::start(TestOptions {
        db,
        ..TestOptions::default()
    })
    .await;
    let conn = &fixture.state.db.conn;
    let payers = ["student", "s202600001", "s202600002", "s202600003"];
    let mut chips = Vec::new();
    let mut before = Vec::new();
    let money = |w: &wallets::Model| {
        let ids = [w.wallet_account_id, w.subsidy_account_id];
        async move {
            let mut total = 0;
            for id in ids {
                let a = ledger_accounts::Entity::find_by_id(id)
                    .one(conn)
                    .await
                    .expect("query")
                    .expect("account");
                total += a.credits_posted - a.debits_posted;
            }
            total
        }
    };
    for name in payers {
        let u = users::Entity::find()
            .filter(users::Column::Username.eq(name))
            .one(conn)
            .await
            .expect("query")
            .expect("a demo user");
        let card = cards::Entity::find()
            .filter(cards::Column::UserId.eq(u.id))
            .one(conn)
            .await
            .expect("query")
            .expect("a card");
        let w = wallets::Entity::find_by_id(u.id)
            .one(conn)
            .await
            .expect("query")
            .expect("a wallet");
        before.push((u.id, w.clone(), money(&w).await));
        chips.push(card.uid);
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let spawn_on = |port: u16| {
        Command::new(BIN)
            .args(["--database-url", &fixture.database_url])
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server")
    };
    let http = reqwest::Client::new();
    let mut server = spawn_on(port);
    wait_ready(&http, &base).await;
    // The cashier's window.
    let token = {
        let r: Value = http
            .post(format!("{base}/auth/login"))
            .json(&json!({"username": "cashier", "password": "demo"}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        r["access_token"].as_str().expect("token").to_string()
    };
    let me: Value = http
        .get(format!("{base}/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    let canteen = me["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["kind"] == "canteen")
        .expect("a canteen")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let windows: Value = http
        .get(format!("{base}/directory/canteens/{canteen}/windows"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("windows")
        .json()
        .await
        .expect("json");
    let window = windows[0]["id"].as_str().expect("window").to_string();

    const SALES: usize = 40;
    let kiosks: Vec<_> = chips
        .iter()
        .map(|chip| tokio::spawn(kiosk(base.clone(), window.clone(), chip.clone(), SALES)))
        .collect();
    for pause in [150, 250] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        tokio::time::sleep(Duration::from_millis(100)).await;
        server = spawn_on(port);
        wait_ready(&http, &base).await;
    }
    let mut results = Vec::new();
    for k in kiosks {
        results.push(
            tokio::time::timeout(Duration::from_secs(120), k)
                .await
                .expect("kiosks finish")
                .expect("kiosk"),
        );
    }
    server.kill().expect("stop");
    let _ = server.wait();
    let failed: u32 = results.iter().map(|r| r.1).sum();
    assert!(
        failed > 0,
        "charges failed while the server was down: the crashes hit the burst"
    );

    let audit = houqin_server::ledger::audit(&fixture.state.db)
        .await
        .expect("audit");
    assert!(
        audit.balanced(),
        "the books balance after the crashes: {audit:?}"
    );
    for ((user, wallet, start), (outcomes, _)) in before.iter().zip(&results) {
        assert_eq!(outcomes.len(), SALES, "every sale has an answer");
        let approved: Vec<Uuid> = outcomes.iter().filter(|o| o.1).map(|o| o.0).collect();
        let booked: Vec<Uuid> = sales::Entity::find()
            .filter(sales::Column::PayerId.eq(*user))
            .all(conn)
            .await
            .expect("query")
            .into_iter()
            .map(|s| s.id)
            .collect();
        let mut a = approved.clone();
        let mut b = booked.clone();
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "exactly the sales the kiosk saw approved are booked, once"
        );
        let now = money(wallet).await;
        assert_eq!(
            start - now,
            100 * approved.len() as i64,
            "the payer paid for each approved sale once"
        );
    }
}

#[tokio::test]
async fn kill_9_during_a_payment_burst_sqlite() {
    payment_burst(houqin_server::testkit::TestDb::Sqlite).await;
}

#[tokio::test]
async fn kill_9_during_a_payment_burst_postgres() {
    payment_burst(houqin_server::testkit::TestDb::Postgres).await;
}
