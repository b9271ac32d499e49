//! A real server for tests: on 127.0.0.1:0, with its own freshly migrated and
//! seeded database (an SQLite file in a temp folder, or a PostgreSQL database
//! cloned from a migrated, seeded template). Used by this crate's integration
//! tests, the engine's tests and the e2e tests.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use houqin_shared::clock::Clock;
use sea_orm::{ConnectionTrait, Database};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{OnceCell, oneshot};
use tokio::task::JoinHandle;

use crate::config::{Config, LoginLimits};
use crate::db::Db;
use crate::migration::Migrator;
use crate::seed::{self, NoProgress, Scale, SeedOptions};
use crate::state::{AppState, SystemClock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestDb {
    Sqlite,
    Postgres,
}

impl TestDb {
    pub const BOTH: [TestDb; 2] = [TestDb::Sqlite, TestDb::Postgres];
}

pub struct TestOptions {
    pub db: TestDb,
    pub scale: Scale,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub static_dir: Option<PathBuf>,
    pub login_limits: LoginLimits,
    pub clock: Option<Arc<dyn Clock>>,
    /// Listen on this address instead of 127.0.0.1:0 (to restart on the same port).
    pub listen: Option<std::net::SocketAddr>,
    /// Serve an existing database (another server's) instead of a fresh one:
    /// several backend processes on one PostgreSQL.
    pub database_url: Option<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            db: TestDb::Sqlite,
            scale: Scale::tiny(),
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(30),
            static_dir: None,
            login_limits: LoginLimits {
                max_failures_per_address: 10_000,
                ..LoginLimits::default()
            },
            clock: None,
            listen: None,
            database_url: None,
        }
    }
}

pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    temp_dir: Option<PathBuf>,
}

/// The PostgreSQL server tests use: `HOUQIN_TEST_PG_URL`, by default the local one.
pub fn pg_base_url() -> String {
    std::env::var("HOUQIN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// A fingerprint of the schema and seed, so a template is rebuilt when either changes.
fn template_name(scale: &Scale) -> String {
    use sha2::{Digest, Sha256};
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let digest = Sha256::digest(format!(
        "{names:?}{scale:?}{}",
        include_str!("seed.rs").len()
    ));
    format!(
        "houqin_tpl_{}",
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn pg_template(scale: &Scale) -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            let base = pg_base_url();
            let name = template_name(scale);
            let admin = Database::connect(format!("{base}/postgres"))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {base} is not reachable ({e}); the README's test command starts it"));
            let exists = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("query pg_database")
                .is_some();
            if !exists {
                // Build under a private name, then rename: other test processes either
                // see no template or a complete one.
                let building = unique("houqin_tplbuild");
                admin.execute_unprepared(&format!("CREATE DATABASE {building}")).await.expect("create template");
                let db = Db::connect(&format!("{base}/{building}")).await.expect("migrate template");
                seed_db(&db, scale, chrono::Utc::now()).await;
                db.conn.close().await.expect("close template");
                if admin.execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}")).await.is_err() {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}")).await;
                }
            }
            admin.close().await.ok();
            name
        })
        .await
        .clone()
}

async fn seed_db(db: &Db, scale: &Scale, now: chrono::DateTime<chrono::Utc>) {
    seed::seed(
        db,
        SeedOptions {
            seed: 42,
            scale: scale.clone(),
            now,
            progress: &NoProgress,
        },
    )
    .await
    .expect("seed");
}

impl TestServer {
    /// Access tokens for `people`, valid for `ttl`, made without
    /// `/auth/login` (thousands of argon2 verifications would take minutes
    /// on a 2-core runner and measure nothing a benchmark is about): each
    /// gets a session row like login's (without its audit row) and a token
    /// signed with the server's key, so every request still passes the
    /// ordinary authentication (signature, session row, user, roles).
    pub async fn mint_tokens(
        &self,
        people: &[crate::entities::users::Model],
        ttl: Duration,
    ) -> Vec<String> {
        use crate::accounts::tokens::{AccessClaims, new_refresh_token};
        use crate::entities::sessions;
        use sea_orm::{EntityTrait, Set};
        let now = self.state.clock.now();
        let exp = (now + ttl).timestamp();
        let mut rows = Vec::new();
        let mut tokens = Vec::new();
        for u in people {
            let sid = uuid::Uuid::now_v7();
            let (_, refresh_hash) = new_refresh_token(sid);
            rows.push(sessions::ActiveModel {
                id: Set(sid),
                campus_id: Set(u.campus_id),
                user_id: Set(u.id),
                device_id: Set(Some(format!("bench-{}", u.username))),
                device_public_key: Set(None),
                refresh_hash: Set(refresh_hash),
                refresh_expires_at: Set(now + Duration::days(30)),
                created_at: Set(now),
                last_used_at: Set(now),
                revoked_at: Set(None),
            });
            tokens.push(self.state.keys.sign(&AccessClaims {
                sid,
                uid: u.id,
                exp,
            }));
        }
        let tx = self.state.db.write().await.expect("begin");
        for chunk in rows.chunks(500) {
            sessions::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&*tx)
                .await
                .expect("sessions");
        }
        tx.commit().await.expect("commit");
        tokens
    }

    pub async fn start(opts: TestOptions) -> TestServer {
        // Server errors always reach the test's captured output, so a failing
        // test shows why the server answered 500; more with
        // RUST_LOG=houqin_server=debug.
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("houqin_server=error"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
        let clock: Arc<dyn Clock> = opts.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let joined = opts.database_url.clone();
        let (database_url, temp_dir) = match (joined.clone(), opts.db) {
            (Some(url), _) => (url, None),
            (None, db) => match db {
                TestDb::Sqlite => {
                    let dir = std::env::temp_dir().join(unique("houqin-test"));
                    std::fs::create_dir_all(&dir).expect("temp dir");
                    (
                        format!("sqlite://{}?mode=rwc", dir.join("houqin.sqlite").display()),
                        Some(dir),
                    )
                }
                TestDb::Postgres => {
                    let base = pg_base_url();
                    let db_name = unique("houqin_test");
                    if opts.scale == Scale::tiny() {
                        let template = pg_template(&opts.scale).await;
                        let admin = Database::connect(format!("{base}/postgres"))
                            .await
                            .expect("connect postgres");
                        admin
                            .execute_unprepared(&format!(
                                "CREATE DATABASE {db_name} TEMPLATE {template}"
                            ))
                            .await
                            .expect("create test database");
                        admin.close().await.ok();
                    } else {
                        let admin = Database::connect(format!("{base}/postgres"))
                            .await
                            .expect("connect postgres");
                        admin
                            .execute_unprepared(&format!("CREATE DATABASE {db_name}"))
                            .await
                            .expect("create test database");
                        admin.close().await.ok();
                    }
                    (format!("{base}/{db_name}"), None)
                }
            },
        };
        let mut config = Config::new(database_url.clone());
        config.access_ttl = opts.access_ttl;
        config.refresh_ttl = opts.refresh_ttl;
        config.static_dir = opts.static_dir.clone();
        config.login_limits = opts.login_limits.clone();
        let state = AppState::new(config, clock.clone())
            .await
            .expect("start app state");
        if joined.is_none() && (opts.db == TestDb::Sqlite || opts.scale != Scale::tiny()) {
            seed_db(&state.db, &opts.scale, clock.now()).await;
        }
        let listen = opts
            .listen
            .unwrap_or_else(|| "127.0.0.1:0".parse().expect("addr"));
        let listener = tokio::net::TcpListener::bind(listen).await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(crate::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        TestServer {
            url: format!("http://{addr}"),
            addr,
            state,
            database_url,
            shutdown: Some(tx),
            handle: Some(handle),
            temp_dir,
        }
    }

    /// Stops serving and waits for requests in flight. The database is kept
    /// until the server is dropped.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(dir) = self.temp_dir.take() {
            // Best effort: a leftover folder in /tmp is harmless.
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
