//! `houqin-server`: serve, seed or migrate a Houqin database.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use houqin_server::config::{Config, LoginLimits};
use houqin_server::db::Db;
use houqin_server::seed::{self, Progress, Scale, SeedOptions};
use houqin_server::state::{AppState, SystemClock};
use houqin_shared::clock::Clock;

/// Houqin (后勤) campus logistics server: the API under /api/v1 and the web app at /.
#[derive(Debug, Parser)]
#[command(
    name = "houqin-server",
    version,
    about = "Houqin (后勤) campus logistics server: the API under /api/v1 and the web app at /.",
    after_help = "Environment: RUST_LOG sets log levels (default: info), e.g. RUST_LOG=houqin_server=debug."
)]
struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "HOUQIN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    /// Folder for the embedded SQLite database and other local data.
    #[arg(long, env = "HOUQIN_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    /// Default: an SQLite file `houqin.sqlite` in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the web app until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Create the demo campus in an empty database and print one demo login per role.
    Seed(SeedArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Recompute every ledger account's sums from its transfers, check that
    /// debits equal credits, print every difference; exit 1 if there is any.
    AuditLedger,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOUQIN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built web app (trunk's dist folder) to serve at `/`. Default: `app/dist` if present.
    #[arg(long, env = "HOUQIN_STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "HOUQIN_ACCESS_TTL_SECS", default_value_t = 900)]
    access_ttl_secs: i64,
    /// Lifetime of a refresh token, in days.
    #[arg(long, env = "HOUQIN_REFRESH_TTL_DAYS", default_value_t = 30)]
    refresh_ttl_days: i64,
    /// Failed logins for one account before it is locked for a while.
    #[arg(long, env = "HOUQIN_LOGIN_MAX_FAILURES", default_value_t = 5)]
    login_max_failures: u32,
    /// Failed logins from one address before it is locked (raise it for load tests).
    #[arg(
        long,
        env = "HOUQIN_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 50
    )]
    login_max_failures_per_address: u32,
    /// How long a lockout lasts, in seconds (failures count within the same window).
    #[arg(long, env = "HOUQIN_LOGIN_LOCKOUT_SECS", default_value_t = 900)]
    login_lockout_secs: i64,
    /// Days a deleted row's tombstone stays in the sync log; clients away longer re-sync that scope.
    #[arg(long, env = "HOUQIN_SYNC_RETENTION_DAYS", default_value_t = 30)]
    sync_retention_days: i64,
    /// Create the demo campus first if the database is empty.
    #[arg(long, env = "HOUQIN_SEED_DEMO")]
    seed_demo: bool,
}

#[derive(Debug, clap::Args)]
struct SeedArgs {
    /// The random seed: the same seed and scale make the same campus.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `default` (4,000 students), `tiny` (for tests), or `xN` for N times the default.
    #[arg(long, default_value = "default")]
    scale: String,
}

fn parse_scale(s: &str) -> anyhow::Result<Scale> {
    match s {
        "default" => Ok(Scale::default()),
        "tiny" => Ok(Scale::tiny()),
        other => {
            let n: u32 = other
                .strip_prefix('x')
                .and_then(|n| n.parse().ok())
                .filter(|n| (1..=100).contains(n))
                .with_context(|| {
                    format!("--scale must be default, tiny or x1..x100, not {other:?}")
                })?;
            Ok(Scale::times(n))
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

fn database_url(cli: &Cli) -> anyhow::Result<String> {
    if let Some(url) = &cli.database_url {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("cannot create data directory {}", cli.data_dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        cli.data_dir.join("houqin.sqlite").display()
    ))
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn stage(&self, name: &str, rows: u64) {
        self.0.inc(1);
        self.0.set_message(format!("{name}: {rows} rows"));
    }
}

async fn run_seed(db: &Db, seed_value: u64, scale: Scale, clock: &dyn Clock) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(seed::STAGES);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} seeding the demo campus [{bar:30}] {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let summary = seed::seed(
        db,
        SeedOptions {
            seed: seed_value,
            scale,
            now: clock.now(),
            progress: &Bar(bar.clone()),
        },
    )
    .await?;
    bar.finish_and_clear();
    if summary.already_seeded {
        println!("The database already holds a campus; nothing was changed.");
    } else {
        println!(
            "Seeded the demo campus in {:.1} s: {} users, {} beds, {} dishes, {} lockers, {} resources, {} meters.",
            started.elapsed().as_secs_f64(),
            summary.users,
            summary.beds,
            summary.dishes,
            summary.lockers,
            summary.resources,
            summary.devices
        );
    }
    println!("Demo logins (password \"{}\"):", seed::DEMO_PASSWORD);
    for (role, username) in summary.logins {
        println!("  {:<11} {username}", role.as_str());
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let url = database_url(&cli)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Migrate => {
            Db::connect(&url)
                .await
                .context("cannot open the database")?;
            println!("The database schema is up to date.");
        }
        Command::AuditLedger => {
            let db = Db::connect(&url)
                .await
                .context("cannot open the database")?;
            let report = houqin_server::ledger::audit(&db)
                .await
                .context("the audit could not read the ledger")?;
            println!(
                "Ledger audit: {} accounts, {} transfers; debits posted {} fen, credits posted {} fen.",
                report.accounts,
                report.transfers,
                report.total_debits_posted,
                report.total_credits_posted
            );
            for d in &report.differences {
                let account = d
                    .account_id
                    .map_or_else(|| "the books".to_string(), |a| format!("account {a}"));
                println!(
                    "  DIFFERENCE {account}: {} stored {} computed {} (off by {})",
                    d.field,
                    d.stored,
                    d.computed,
                    d.stored - d.computed
                );
            }
            if report.balanced() {
                println!("Every account agrees with its transfers and the books balance.");
            } else {
                println!("{} differences found.", report.differences.len());
                std::process::exit(1);
            }
        }
        Command::Seed(args) => {
            let scale = parse_scale(&args.scale)?;
            let db = Db::connect(&url)
                .await
                .context("cannot open the database")?;
            run_seed(&db, args.seed, scale, clock.as_ref()).await?;
        }
        Command::Serve(args) => {
            let mut config = Config::new(url);
            config.access_ttl = chrono::Duration::seconds(args.access_ttl_secs.max(1));
            config.refresh_ttl = chrono::Duration::days(args.refresh_ttl_days.max(1));
            config.login_limits = LoginLimits {
                max_failures_per_account: args.login_max_failures.max(1),
                max_failures_per_address: args.login_max_failures_per_address.max(1),
                window: chrono::Duration::seconds(args.login_lockout_secs.max(1)),
                lockout: chrono::Duration::seconds(args.login_lockout_secs.max(1)),
            };
            config.static_dir = args.static_dir.or_else(|| {
                let default = PathBuf::from("app/dist");
                default.join("index.html").exists().then_some(default)
            });
            if config.static_dir.is_none() {
                tracing::warn!(
                    "no built web app found (run trunk build in app/ or pass --static-dir); serving the API only"
                );
            }
            tracing::info!(?config, "starting");
            let state = AppState::new(config, clock.clone())
                .await
                .context("cannot open the database")?;
            if args.seed_demo {
                run_seed(&state.db, 42, Scale::default(), clock.as_ref()).await?;
            }
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            let db = state.db.clone();
            let retention = chrono::Duration::days(args.sync_retention_days.max(1));
            let housekeeping_clock = clock.clone();
            let housekeeping_pokes = state.pokes.clone();
            let checkpoints = tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
                loop {
                    tick.tick().await;
                    if let Err(e) = db.checkpoint().await {
                        tracing::warn!(error = %e, "periodic WAL checkpoint failed; retried in 5 minutes");
                    }
                    match houqin_server::sync::retention::prune(
                        &db,
                        housekeeping_clock.now() - retention,
                    )
                    .await
                    {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(pruned = n, "pruned old sync tombstones"),
                        Err(e) => {
                            tracing::warn!(error = %e, "pruning sync tombstones failed; retried in 5 minutes")
                        }
                    }
                    match houqin_server::ledger::expire_due(&db, housekeeping_clock.now()).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(expired = n, "released expired payment holds"),
                        Err(e) => {
                            tracing::warn!(error = %e, "releasing expired holds failed; retried in 5 minutes")
                        }
                    }
                    match houqin_server::payments::offline::prune_pay_keys(
                        &db,
                        housekeeping_clock.now(),
                    )
                    .await
                    {
                        Ok((0, _)) => {}
                        Ok((n, moved)) => {
                            housekeeping_pokes.send(moved);
                            tracing::info!(pruned = n, "expired pay keys left the kiosks");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "pruning pay keys failed; retried in 5 minutes")
                        }
                    }
                    // Today's and tomorrow's portions exist before anyone asks.
                    match houqin_server::dining::prepare_days(&db, housekeeping_clock.now()).await {
                        Ok(moved) => housekeeping_pokes.send(moved),
                        Err(e) => {
                            tracing::warn!(error = %e, "preparing menus failed; retried in 5 minutes")
                        }
                    }
                    // Repairs: escalate jobs at risk or late; close reviewed-by-nobody ones.
                    match houqin_server::repairs::sla::sweep(&db, housekeeping_clock.now()).await {
                        Ok((swept, moved)) => {
                            housekeeping_pokes.send(moved);
                            if swept != houqin_server::repairs::sla::Swept::default() {
                                tracing::info!(?swept, "repairs escalated or closed");
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "the repairs sweep failed; retried in 5 minutes")
                        }
                    }
                    // An upload untouched for a week is abandoned (its device never came back).
                    let week = chrono::Duration::days(7);
                    match houqin_server::attachments::prune_unfinished(
                        &db,
                        housekeeping_clock.now() - week,
                    )
                    .await
                    {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(pruned = n, "dropped abandoned uploads"),
                        Err(e) => {
                            tracing::warn!(error = %e, "dropping abandoned uploads failed; retried in 5 minutes")
                        }
                    }
                }
            });
            tracing::info!(listen = %args.listen, "Houqin is serving at http://{}/", args.listen);
            houqin_server::serve(listener, state, shutdown_signal()).await?;
            checkpoints.abort();
            tracing::info!("stopped");
        }
    }
    Ok(())
}
