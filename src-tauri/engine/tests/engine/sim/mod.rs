//! The seeded deterministic simulation of offline sync (DESIGN.md, "Offline-first
//! sync"; issue 4).
//!
//! Each *schedule* is one seed. A ChaCha RNG seeded with it picks every step of
//! a small world: one backend database (a copy of a migrated, seeded template
//! SQLite file), one or two backend replicas serving it, three to six devices
//! each running the real [`houqin_engine::Engine`] on its own SQLite file (two
//! devices of one user, a shared device whose users change), and a server-side
//! actor writing online. Nothing is modelled: the engine's code runs as in the
//! app, and each request goes through a replica's real router (authorization
//! middleware, extractors, handlers, error bodies) in process, with no sockets.
//! The engine's [`houqin_engine::client::Transport`] seam is the only
//! substitute. Everything runs on one current-thread runtime, one step awaited
//! at a time; no sync loop runs in the background.
//!
//! Steps (`world.rs`): users queue commands (`notifications.mark_read` of
//! random subsets, some naming other users' notifications; `accounts.set_lang`;
//! a command no server knows; commands of the previous schema version, the app
//! then upgraded with them in its outbox; a version the server does not speak;
//! repairs: a student reports a leak in a zone's building, dispatched or
//! pooled, and a technician claims or steps a job their device shows — which
//! another device may have moved, so the server decides, once),
//! dismiss rejections, change hands on the shared device (with or without
//! signing out); devices push, pull or sync, or are killed and reopened from
//! their data directory (anywhere between an outbox write and its push); the
//! server posts notifications, users write online (the REST path of the same
//! commands), a manager moves buildings between zones (tombstones), an admin
//! moves a technician to another zone (scopes dropped and gained), tombstones
//! are pruned (cursors behind the horizon reset); the backend is killed and
//! restarted on the same file, or goes down for a while; time passes, past
//! the access tokens' lifetime (the engine refreshes them through the real
//! handler). Devices' clocks are skewed by up to six hours; pulls may be asked
//! in pages of one or three changes.
//!
//! Faults on the wire (`net.rs`), planned per push and pull: the reply lost
//! after the backend acted; the request delivered twice; an older push of the
//! device arriving late, before the next one (reordering); the backend killed
//! while it works on a push — before its transaction commits (nothing applied),
//! after (the batch applied, the reply lost), or after a prefix of the batch
//! (as a server committing command by command would die) — and restarted at
//! once or later. Pull replies are not reordered: a device has one request in
//! flight and its reply answers that request.
//!
//! After every step (`check.rs`), against the server's database and every
//! device's store: 2 exactly-once (one outcome per seq, seqs contiguous, an
//! outcome never changes; a request delivered twice gets the same answer and
//! changes nothing the second time; a late push changes nothing it had
//! applied and answers the stored outcomes), 3 per-client order (the server's
//! outcome for seq `n` is the command the device queued as its `n`-th, by its
//! user; the device's outbox holds its commands under their seqs), 4 no
//! skipped change (a scope whose cursor is at the server's version holds
//! exactly the server's rows, and no checksum ever disagrees), 5 cursors never
//! go back unless the server reset or dropped the scope, and read-your-writes
//! (once a device knows `last_applied_seq >= s`, its view shows every
//! notification mark-read `s` read), 7 scoping (every pulled scope is one the
//! session may read, every pulled row belongs in its scope, and after a
//! complete pull a device holds nothing else). Invariant 5 is also probed
//! between the requests of one sync (the pages of a pull), as the UI reads
//! rows while a sync runs.
//!
//! When the schedule ends every fault heals and the devices sync, with no new
//! user action, until a round sends nothing: 8 liveness (within six rounds,
//! with no error), 1 no lost write (every command queued has the outcome its
//! kind calls for, and a rejection shows on its device with the reason), 6
//! convergence (each device holds exactly its user's scopes, each at the
//! server's version with the server's rows and checksum, and no optimistic row
//! left over), 9 upgrades (previous-version commands accepted, exactly once).
//!
//! Running it:
//! - `cargo test -p houqin-engine sim::` — [`DEFAULT_SCHEDULES`] schedules
//!   (seeds 0..), about a minute in a debug build on 2 cores; `scripts/test.sh`
//!   (CI) sets `HOUQIN_SIM_SCHEDULES=2000`.
//! - `HOUQIN_SIM_SCHEDULES=100000 cargo test -p houqin-engine --release sim::`
//!   — the longer run (about 60 ms a schedule in release on 2 cores; 10,000
//!   take ten minutes); `HOUQIN_SIM_FIRST=<n>` starts at seed `n`.
//! - Schedules run in lanes side by side (`HOUQIN_SIM_LANES`, default: the
//!   cores, at most 4); each schedule is still one thread, one step at a time.
//! - `HOUQIN_SIM_SEED=<n> cargo test -p houqin-engine sim:: -- --nocapture`
//!   reruns exactly schedule `n` and prints its steps. A failure prints the
//!   seed, the steps (with the faults each met) and this command.
//!
//! Database ids are UUIDv7 (time and randomness), so a rerun has other ids; no
//! choice depends on an id's value, only on positions in id order, so the
//! same seed takes the same steps and meets the same faults.

mod check;
mod net;
mod world;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use houqin_server::entities::{buildings, users, zones};
use houqin_server::seed::{self, NoProgress, Scale, SeedOptions};
use houqin_server::{AppState, Config};
use houqin_shared::clock::FakeClock;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Schedules per run unless `HOUQIN_SIM_SCHEDULES` says otherwise.
const DEFAULT_SCHEDULES: u64 = 400;

/// The people of the simulation: three students and two technicians (each
/// technician reads their zone's buildings). Password `demo`.
pub const USERS: [&str; 5] = ["student", "s202600001", "s202600002", "technician", "t0001"];

/// Where the schedules' files go: memory when the machine has it (the stores
/// fsync every commit), else the temp folder.
fn scratch() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    let builder = tempfile::Builder::new()
        .prefix("houqin-sim")
        .tempdir_in(shm);
    match builder {
        Ok(dir) if shm.is_dir() => dir,
        _ => tempfile::Builder::new()
            .prefix("houqin-sim")
            .tempdir()
            .expect("a temp dir"),
    }
}

/// When every schedule starts, by the server's clock.
pub fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .expect("a date")
        .with_timezone(&Utc)
}

/// A migrated, seeded backend database every schedule starts from (copied),
/// and the ids the schedules need from it.
pub struct Template {
    _dir: tempfile::TempDir,
    pub file: PathBuf,
    /// [`USERS`]' ids, in that order.
    pub users: Vec<uuid::Uuid>,
    pub manager: uuid::Uuid,
    pub admin: uuid::Uuid,
    pub campus: uuid::Uuid,
    pub zones: Vec<uuid::Uuid>,
    /// Buildings in a zone (those a technician's device carries), in id order.
    pub buildings: Vec<buildings::Model>,
}

impl Template {
    async fn build() -> Template {
        let dir = scratch();
        let file = dir.path().join("template.sqlite");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let clock = Arc::new(FakeClock::at(epoch()));
        let state = AppState::new(Config::new(url), clock)
            .await
            .expect("template database");
        seed::seed(
            &state.db,
            SeedOptions {
                seed: 42,
                scale: Scale::tiny(),
                now: epoch(),
                progress: &NoProgress,
            },
        )
        .await
        .expect("seed the template");
        // Sign-ins run the real handler; argon2 at its cheapest keeps them fast.
        let cheap = cheap_hash(seed::DEMO_PASSWORD);
        users::Entity::update_many()
            .col_expr(
                users::Column::PasswordHash,
                sea_orm::sea_query::Expr::value(cheap),
            )
            .exec(&state.db.conn)
            .await
            .expect("cheap hashes");
        let conn = &state.db.conn;
        let id_of = |name: &'static str| async move {
            users::Entity::find()
                .filter(users::Column::Username.eq(name))
                .one(conn)
                .await
                .expect("query users")
                .unwrap_or_else(|| panic!("the seed has no user {name}"))
        };
        let mut ids = Vec::new();
        for name in USERS {
            ids.push(id_of(name).await.id);
        }
        let manager = id_of("manager").await;
        let admin = id_of("admin").await.id;
        // A few notifications each to start with. Nothing syncs yet (as in the
        // seed): each scope's first snapshot comes from the tables.
        let tx = state.db.write().await.expect("a write");
        let mut unsynced = houqin_server::sync::changes::Changes::default();
        for (i, user) in ids.iter().enumerate() {
            for n in 0..=(i % 3) {
                houqin_server::notifications::post(
                    &*tx,
                    &mut unsynced,
                    houqin_server::notifications::NewNotification {
                        campus_id: manager.campus_id,
                        user_id: *user,
                        service: None,
                        title: houqin_shared::text::LocalName::new("通知", "Notice"),
                        body: houqin_shared::text::LocalName::new(
                            format!("第{n}条"),
                            format!("No. {n}"),
                        ),
                        link: None,
                        at: epoch(),
                    },
                )
                .await
                .expect("post");
            }
        }
        tx.commit().await.expect("commit");
        let zones: Vec<uuid::Uuid> = zones::Entity::find()
            .order_by_asc(zones::Column::Id)
            .all(conn)
            .await
            .expect("zones")
            .into_iter()
            .map(|z| z.id)
            .collect();
        let buildings = buildings::Entity::find()
            .filter(buildings::Column::ZoneId.is_not_null())
            .order_by_asc(buildings::Column::Id)
            .all(conn)
            .await
            .expect("buildings");
        assert!(
            zones.len() >= 2 && !buildings.is_empty(),
            "the seed changed"
        );
        state.db.checkpoint().await.expect("checkpoint");
        state.db.conn.clone().close().await.expect("close");
        drop(state);
        Template {
            _dir: dir,
            file,
            users: ids,
            manager: manager.id,
            admin,
            campus: manager.campus_id,
            zones,
            buildings,
        }
    }
}

fn cheap_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(8, 1, 1, None).expect("argon2 params");
    let salt = SaltString::encode_b64(b"houqin-sim-salt!").expect("salt");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {text:?}")),
    )
}

#[test]
fn simulation() {
    let only = env_u64("HOUQIN_SIM_SEED");
    let first = env_u64("HOUQIN_SIM_FIRST").unwrap_or(0);
    let count = env_u64("HOUQIN_SIM_SCHEDULES").unwrap_or(DEFAULT_SCHEDULES);
    let seeds: Vec<u64> = match only {
        Some(seed) => vec![seed],
        None => (first..first.saturating_add(count)).collect(),
    };
    // Schedules are independent worlds: lanes run them side by side, each on
    // its own thread and runtime (a schedule itself stays single-threaded and
    // deterministic). Most of a schedule's time is spent handing queries to
    // SQLite's worker threads, so lanes help even beyond the core count.
    let lanes = match only {
        Some(_) => 1,
        None => env_u64("HOUQIN_SIM_LANES").map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            |n| usize::try_from(n.clamp(1, 16)).unwrap_or(1),
        ),
    };
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    };
    let template = Arc::new(runtime().block_on(Template::build()));
    let started = Instant::now();
    let verbose = only.is_some();
    let handles: Vec<_> = (0..lanes)
        .map(|lane| {
            let mine: Vec<u64> = seeds.iter().copied().skip(lane).step_by(lanes).collect();
            let template = template.clone();
            std::thread::spawn(move || {
                runtime().block_on(async {
                    let mut totals = world::Totals::default();
                    for seed in mine {
                        totals.add(&world::run(&template, seed, verbose).await?);
                    }
                    Ok::<_, String>(totals)
                })
            })
        })
        .collect();
    let mut totals = world::Totals::default();
    let mut failures = Vec::new();
    for handle in handles {
        match handle.join() {
            Ok(Ok(lane)) => totals.add(&lane),
            Ok(Err(failure)) => failures.push(failure),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    if let Some(failure) = failures.first() {
        panic!("{failure}");
    }
    eprintln!(
        "sync simulation: {} schedules (seeds {}..={}) in {:.1} s on {lanes} lanes: {totals}",
        seeds.len(),
        seeds.first().copied().unwrap_or(0),
        seeds.last().copied().unwrap_or(0),
        started.elapsed().as_secs_f64(),
    );
}
