//! One schedule: the world, the steps its RNG picks, and the drain at the end.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use chrono::Duration;
use houqin_engine::{ActionState, Engine, EngineConfig, RowFilter, SyncReport};
use houqin_server::authz::{Principal, load_principal};
use houqin_server::extract::{Json, Path};
use houqin_server::http::ClientAddr;
use houqin_server::{AppState, Config};
use houqin_shared::accounts::{Lang, LoginRequest, Role, Scope, SetLangRequest, SetRolesRequest};
use houqin_shared::clock::{Clock, FakeClock};
use houqin_shared::ids::{BuildingId, CommandId, NotificationId, ZoneId};
use houqin_shared::notifications::MarkRead;
use houqin_shared::repairs::{Category, Claim, Report, Step as RepairStep, TakeStep, Urgency};
use houqin_shared::sync::NamedCommand;
use houqin_shared::sync::{SCHEMA_VERSION, scope};
use houqin_shared::text::LocalName;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use uuid::Uuid;

use super::net::{Fault, Net, SimTransport};
use super::{Template, USERS};

pub const MARK_READ: &str = "notifications.mark_read";
pub const SET_LANG: &str = "accounts.set_lang";
/// A command no server knows: rejected (field `name`), never wedging the queue.
pub const UNKNOWN: &str = "repairs.sim_unknown";

/// How many sync rounds the drain may take once every fault has healed
/// (invariant 8); a round is one `sync_once` per device.
const DRAIN_ROUNDS: usize = 6;

/// The engine stops a pull after this many pages and goes on at its next
/// sync. The schedules' scopes are small: a pull that long in the drain is
/// one that never completes.
const PULL_PAGES_MAX: u32 = 200;

/// What the server must answer for a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Accepted,
    /// Rejected, with this field named.
    Rejected(&'static str),
    /// Either, by the state it meets (a repair step on a job another
    /// device may have moved meanwhile): one outcome, once, never changing.
    Decided,
}

/// A command as the device queued it: the simulation's own record, kept when
/// the outbox lets the entry go.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub seq: u64,
    pub id: CommandId,
    /// Index into [`USERS`].
    pub user: usize,
    pub name: &'static str,
    pub schema_version: u32,
    pub expect: Expect,
}

pub struct Client {
    pub name: String,
    pub dir: PathBuf,
    pub engine: Arc<Engine>,
    pub clock: FakeClock,
    pub transport: Arc<SimTransport>,
    /// The users who sign in on this device (several: a shared device).
    pub may_be: Vec<usize>,
    /// Who is signed in now (index into [`USERS`]).
    pub user: usize,
    pub id: Uuid,
    /// The device's database, opened beside the engine, to look at what it keeps.
    pub local: rusqlite::Connection,
    pub ledger: Vec<Cmd>,
    /// The server's outcome of each seq, as first seen: (status, code, field).
    pub outcomes: BTreeMap<u64, (String, Option<String>, Option<String>)>,
    pub dismissed: BTreeSet<u64>,
}

#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub schedules: u64,
    pub steps: u64,
    pub commands: u64,
    pub faults: u64,
    pub server_crashes: u64,
    pub device_crashes: u64,
    pub exchanges: u64,
    pub drain_rounds: u64,
    /// Scopes the server reset or dropped in a pull reply.
    pub resets: u64,
    pub drops: u64,
    /// Scopes found at the server's version and compared row by row (checksum).
    pub caught_up: u64,
    /// Notifications checked read after their mark-read was known applied.
    pub read_checks: u64,
}

impl Totals {
    pub fn add(&mut self, s: &Totals) {
        self.schedules += s.schedules;
        self.steps += s.steps;
        self.commands += s.commands;
        self.faults += s.faults;
        self.server_crashes += s.server_crashes;
        self.device_crashes += s.device_crashes;
        self.exchanges += s.exchanges;
        self.drain_rounds += s.drain_rounds;
        self.resets += s.resets;
        self.drops += s.drops;
        self.caught_up += s.caught_up;
        self.read_checks += s.read_checks;
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} steps, {} commands, {} faults, {} server crashes, {} device crashes, \
             {} requests, {} drain rounds; checked: {} caught-up scopes, {} read-your-writes, \
             {} resets, {} dropped scopes",
            self.steps,
            self.commands,
            self.faults,
            self.server_crashes,
            self.device_crashes,
            self.exchanges,
            self.drain_rounds,
            self.caught_up,
            self.read_checks,
            self.resets,
            self.drops
        )
    }
}

pub struct World<'t> {
    pub t: &'t Template,
    pub rng: ChaCha8Rng,
    dir: tempfile::TempDir,
    url: String,
    pub clock: FakeClock,
    replicas: usize,
    /// The replicas' states while they are up.
    pub states: Vec<AppState>,
    /// Reads the server's database for the checks (never crashes, never writes).
    pub checker: AppState,
    pub net: Arc<Net>,
    pub clients: Vec<Client>,
    pub log: Rc<RefCell<Vec<String>>>,
    /// Chance that a push or pull of a step meets a fault.
    fault_rate: f64,
    steps: usize,
    devices: usize,
    /// The backend is down (between a crash or an outage and its restart).
    down: bool,
    pub stats: Totals,
}

/// Prints the seed and the steps when a schedule panics (rather than failing a check).
struct Guard {
    seed: u64,
    log: Rc<RefCell<Vec<String>>>,
    armed: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.armed && std::thread::panicking() {
            eprintln!(
                "{}",
                report(self.seed, &self.log.borrow(), "panicked (above)")
            );
        }
    }
}

fn report(seed: u64, log: &[String], what: &str) -> String {
    let mut out = format!("sync simulation: schedule {seed} failed: {what}\nsteps:\n");
    for line in log {
        let _ = writeln!(out, "  {line}");
    }
    let _ = write!(
        out,
        "reproduce: HOUQIN_SIM_SEED={seed} cargo test -p houqin-engine sim::"
    );
    out
}

/// Plays the schedule of `seed`; `Err` is the failure report.
pub async fn run(t: &Template, seed: u64, verbose: bool) -> Result<Totals, String> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut guard = Guard {
        seed,
        log: log.clone(),
        armed: true,
    };
    let mut world = World::new(t, seed, log.clone()).await;
    let outcome = world.play().await;
    world.stop().await;
    let _ = world.checker.db.conn.close_by_ref().await;
    guard.armed = false;
    if verbose {
        eprintln!("{}", log.borrow().join("\n"));
    }
    match outcome {
        Ok(()) => {
            let mut stats = world.stats.clone();
            stats.schedules = 1;
            stats.read_checks = world.net.read_checks();
            stats.exchanges = world.net.exchanges();
            Ok(stats)
        }
        Err(what) => Err(report(seed, &log.borrow(), &what)),
    }
}

impl<'t> World<'t> {
    async fn new(t: &'t Template, seed: u64, log: Rc<RefCell<Vec<String>>>) -> World<'t> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dir = super::scratch();
        let file = dir.path().join("server.sqlite");
        std::fs::copy(&t.file, &file).expect("copy the template");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let clock = FakeClock::at(super::epoch());
        let checker = AppState::new(Config::new(url.clone()), Arc::new(clock.clone()))
            .await
            .expect("the checker's view of the server");
        let db = rusqlite::Connection::open(&file).expect("open the server's file");
        db.busy_timeout(std::time::Duration::from_secs(10))
            .expect("busy timeout");
        let clients = rng.random_range(3..=6usize);
        let replicas = if rng.random_bool(0.3) { 2 } else { 1 };
        let fault_rate = [0.0, 0.1, 0.25, 0.4][rng.random_range(0..4usize)];
        let steps = rng.random_range(15..=45usize);
        let page_limit = [None, None, Some(1), Some(3)][rng.random_range(0..4usize)];
        let net = Net::new(db, clients);
        net.set_page_limit(page_limit);
        let mut world = World {
            t,
            rng,
            dir,
            url,
            clock,
            replicas,
            states: Vec::new(),
            checker,
            net,
            clients: Vec::new(),
            log,
            fault_rate,
            steps,
            devices: clients,
            down: false,
            stats: Totals::default(),
        };
        world.note(format!(
            "world: {clients} devices, {replicas} replica(s), fault rate {fault_rate}, \
             pull pages of {}, {steps} steps",
            page_limit.map_or("up to 1000".to_owned(), |n| n.to_string())
        ));
        world.start().await;
        world
    }

    pub fn note(&self, line: String) {
        self.log.borrow_mut().push(line);
    }

    async fn start(&mut self) {
        let mut routers = Vec::new();
        for _ in 0..self.replicas {
            let state = AppState::new(Config::new(self.url.clone()), Arc::new(self.clock.clone()))
                .await
                .expect("a replica starts");
            routers.push(Some(houqin_server::router(state.clone())));
            self.states.push(state);
        }
        self.net.set_routers(routers);
        self.down = false;
    }

    /// Every replica dies at once (SIGKILL): no request is in flight between
    /// steps, and every commit was durable, so nothing else is lost.
    async fn stop(&mut self) {
        self.net.set_routers(vec![None; self.replicas]);
        for state in self.states.drain(..) {
            let _ = state.db.conn.close_by_ref().await;
        }
        self.down = true;
    }

    /// A replica that is up, for the server-side actor.
    fn server(&self) -> Option<AppState> {
        self.states.first().cloned()
    }

    async fn add_client(&mut self, index: usize) -> Result<(), String> {
        let n = self.clients.len();
        let name = format!("d{n}");
        let dir = self.dir.path().join(&name);
        let may_be = if index == 0 {
            vec![0]
        } else if index == 1 {
            // A second device of the first device's user.
            vec![0]
        } else if index == 2 {
            // A shared device (a tablet on a counter): its users change.
            let mut users: Vec<usize> = (1..USERS.len()).collect();
            while users.len() > 3 {
                let out = self.rng.random_range(0..users.len());
                users.remove(out);
            }
            users
        } else {
            vec![self.rng.random_range(0..USERS.len())]
        };
        let skew_secs = self.rng.random_range(-6 * 3600..=6 * 3600i64);
        let clock = FakeClock::at(self.clock.now() + Duration::seconds(skew_secs));
        let transport = Arc::new(SimTransport {
            net: self.net.clone(),
            client: n,
        });
        let engine = open(&dir, &clock, &transport);
        self.net.attach(
            n,
            &name,
            &engine,
            &dir.join(houqin_engine::store::FILE_NAME),
        );
        let local = rusqlite::Connection::open(dir.join(houqin_engine::store::FILE_NAME))
            .expect("open the device's file");
        local
            .busy_timeout(std::time::Duration::from_secs(10))
            .expect("busy timeout");
        let user = may_be[0];
        let id = Uuid::parse_str(engine.device_id()).expect("a device id");
        engine
            .login(login(user))
            .await
            .map_err(|e| format!("{name} cannot sign in as {}: {e:?}", USERS[user]))?;
        self.note(format!(
            "{name}: device of {:?}, clock {skew_secs:+} s, signed in as {}",
            may_be.iter().map(|u| USERS[*u]).collect::<Vec<_>>(),
            USERS[user]
        ));
        self.clients.push(Client {
            name,
            dir,
            engine,
            clock,
            transport,
            may_be,
            user,
            id,
            local,
            ledger: Vec::new(),
            outcomes: BTreeMap::new(),
            dismissed: BTreeSet::new(),
        });
        Ok(())
    }

    async fn play(&mut self) -> Result<(), String> {
        for i in 0..self.devices {
            self.add_client(i).await?;
        }
        self.check(None).await?;
        for n in 1..=self.steps {
            self.stats.steps += 1;
            let touched = self.step(n).await?;
            if self.net.take_crash() {
                self.stats.server_crashes += 1;
                self.stop().await;
                if self.rng.random_bool(0.6) {
                    self.start().await;
                    self.note("     the server died mid-request; restarted".into());
                } else {
                    self.note("     the server died mid-request; stays down".into());
                }
            }
            for c in 0..self.clients.len() {
                self.net.plan(c, Vec::new());
            }
            self.check(touched).await?;
        }
        self.drain().await
    }

    /// Faults for the pushes and pulls of one step of device `c`.
    fn plan_faults(&mut self, c: usize) {
        if self.fault_rate == 0.0 {
            return;
        }
        let mut plan = Vec::new();
        for _ in 0..6 {
            let fault = if self.rng.random_bool(self.fault_rate) {
                match self.rng.random_range(0..20u32) {
                    0..=7 => Fault::DropReply,
                    8..=12 => Fault::Duplicate,
                    13..=16 => Fault::Stale(self.rng.random_range(0..4usize)),
                    _ => Fault::Crash {
                        keep: self.rng.random_range(0..=8usize),
                    },
                }
            } else {
                Fault::Deliver
            };
            plan.push(fault);
        }
        self.net.plan(c, plan);
    }

    /// One step; answers which device it touched and whether its pull completed.
    async fn step(&mut self, n: usize) -> Result<Option<Touched>, String> {
        let total: u32 = STEPS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total);
        let kind = STEPS
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or(Step::Tick, |(k, _)| *k);
        // Users change on the shared device (d2); other steps pick any device.
        let c = if kind == Step::SwitchUser {
            SHARED
        } else {
            self.rng.random_range(0..self.clients.len())
        };
        let on_device = !matches!(
            kind,
            Step::Post
                | Step::OnlineWrite
                | Step::MoveBuilding
                | Step::MoveTechnician
                | Step::Prune
                | Step::ServerCrash
                | Step::ServerOutage
                | Step::Tick
        );
        let mut touched = on_device.then_some(Touched {
            client: c,
            pulled: false,
            report: None,
        });
        let what = self.act(kind, c, &mut touched).await;
        let who = if on_device {
            format!("{} ", self.clients[c].name)
        } else {
            String::new()
        };
        let faults = self.net.take_events();
        self.stats.faults += faults.len() as u64;
        let faults = if faults.is_empty() {
            String::new()
        } else {
            format!(" [{}]", faults.join("; "))
        };
        match what {
            Ok(what) => {
                self.note(format!("{n:>3}. {who}{what}{faults}"));
                Ok(touched)
            }
            Err(e) => {
                self.note(format!("{n:>3}. {who}{kind:?}{faults}: FAILED"));
                Err(e)
            }
        }
    }

    async fn act(
        &mut self,
        kind: Step,
        c: usize,
        touched: &mut Option<Touched>,
    ) -> Result<String, String> {
        Ok(match kind {
            Step::MarkRead => self.enqueue_mark_read(c).await?,
            Step::SetLang => {
                let lang = self.lang();
                self.enqueue(c, SET_LANG, json!({ "lang": lang }))?
            }
            Step::Unknown => {
                let k = self.rng.random_range(0..100u32);
                self.enqueue(c, UNKNOWN, json!({ "k": k }))?
            }
            Step::OldVersion => self.enqueue_old_version(c).await?,
            Step::Repair => self.enqueue_repair(c)?,
            Step::TooNew => self.enqueue_too_new(c)?,
            Step::Push => self.sync_step(c, SyncKind::Push, touched).await,
            Step::Pull => self.sync_step(c, SyncKind::Pull, touched).await,
            Step::Sync => self.sync_step(c, SyncKind::Sync, touched).await,
            Step::CrashDevice => {
                self.crash_client(c);
                "killed and reopened".into()
            }
            Step::SwitchUser => self.switch_user(c).await?,
            Step::Dismiss => self.dismiss(c),
            Step::Post => self.post().await?,
            Step::OnlineWrite => self.online_write().await?,
            Step::MoveBuilding => self.move_building().await?,
            Step::MoveTechnician => self.move_technician().await?,
            Step::Prune => self.prune().await?,
            Step::ServerCrash => {
                self.stats.server_crashes += 1;
                self.stop().await;
                self.start().await;
                "server: killed and restarted".into()
            }
            Step::ServerOutage => {
                if self.down {
                    self.start().await;
                    "server: back up".into()
                } else {
                    self.stop().await;
                    "server: down".into()
                }
            }
            Step::LatePush => self.replay(c).await,
            Step::Tick => self.tick(),
        })
    }

    fn lang(&mut self) -> &'static str {
        if self.rng.random_bool(0.5) {
            "en"
        } else {
            "zh-CN"
        }
    }

    /// Queues a command on device `c` as its signed-in user, and records it.
    fn enqueue(&mut self, c: usize, name: &'static str, payload: Value) -> Result<String, String> {
        let expect = if name == UNKNOWN {
            Expect::Rejected("name")
        } else {
            Expect::Accepted
        };
        self.enqueue_expecting(c, name, payload, expect)
    }

    /// [`Self::enqueue`] with the outcome the server must give.
    fn enqueue_expecting(
        &mut self,
        c: usize,
        name: &'static str,
        payload: Value,
        expect: Expect,
    ) -> Result<String, String> {
        let client = &mut self.clients[c];
        let text = format!("queue {name} {payload}");
        let id = client
            .engine
            .enqueue(name, payload)
            .map_err(|e| format!("{}: enqueue {name} failed: {e:?}", client.name))?;
        let seq = client
            .engine
            .pending()
            .map_err(|e| format!("{e:?}"))?
            .into_iter()
            .find(|a| a.command_id == id)
            .map(|a| a.seq)
            .ok_or_else(|| format!("{}: the queued command is not in the outbox", client.name))?;
        if seq != client.ledger.len() as u64 + 1 {
            return Err(format!(
                "invariant 3: {} gave its command #{} seq {seq} (seqs are gapless from 1, \
                 never reused)",
                client.name,
                client.ledger.len() + 1
            ));
        }
        client.ledger.push(Cmd {
            seq,
            id,
            user: client.user,
            name,
            schema_version: SCHEMA_VERSION,
            expect,
        });
        self.stats.commands += 1;
        Ok(format!("{text} (seq {seq}, by {})", USERS[client.user]))
    }

    async fn enqueue_mark_read(&mut self, c: usize) -> Result<String, String> {
        let user = self.clients[c].user;
        let visible: Vec<Uuid> = self.clients[c]
            .engine
            .rows(&RowFilter {
                scope: Some(scope::user(self.t.users[user])),
                entity: Some("notification".into()),
            })
            .map_err(|e| format!("{e:?}"))?
            .iter()
            .filter_map(|n| n["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .collect();
        let mut ids = Vec::new();
        if !self.rng.random_bool(0.25) && !visible.is_empty() {
            let k = self.rng.random_range(1..=visible.len().min(3));
            for _ in 0..k {
                let pick = visible[self.rng.random_range(0..visible.len())];
                if !ids.contains(&pick) {
                    ids.push(pick);
                }
            }
            if self.rng.random_bool(0.2) {
                // Someone else's notification: the server ignores it.
                let others = self.others_notifications(user);
                if !others.is_empty() {
                    ids.push(others[self.rng.random_range(0..others.len())]);
                }
            }
        }
        let payload = json!({ "ids": ids.iter().map(|i| NotificationId(*i)).collect::<Vec<_>>() });
        self.enqueue(c, MARK_READ, payload)
    }

    /// A repairs command from the device's user. A student reports a leak
    /// in a building of a zone (dispatched to a technician or the pool: the
    /// job then lives in their scopes and the zone's); so does a technician
    /// now and then (found on site). Otherwise a technician claims, or takes
    /// a step on, a job their device shows — whose state another device may
    /// have moved meanwhile, so the server decides.
    fn enqueue_repair(&mut self, c: usize) -> Result<String, String> {
        let user = self.clients[c].user;
        let technician = matches!(USERS[user], "technician" | "t0001");
        let at = self.clients[c].clock.now();
        let jobs: Vec<Uuid> = self.clients[c]
            .engine
            .rows(&RowFilter {
                scope: None,
                entity: Some("work_order".into()),
            })
            .map_err(|e| format!("{e:?}"))?
            .iter()
            .filter_map(|w| w["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .collect();
        // Technicians report what they find on site too (and so have jobs).
        if !technician || jobs.is_empty() || self.rng.random_bool(0.2) {
            let b = self.t.buildings[self.rng.random_range(0..self.t.buildings.len())].id;
            let id = uuid::Builder::from_unix_timestamp_millis(
                u64::try_from(at.timestamp_millis()).unwrap_or_default(),
                &self.rng.random::<[u8; 10]>(),
            )
            .into_uuid();
            let report = Report {
                id,
                category: Category::Plumbing,
                urgency: Urgency::Normal,
                building_id: Some(BuildingId(b)),
                room: Some("101".into()),
                asset_code: None,
                description: "水龙头漏水".into(),
                photos: Vec::new(),
            };
            let payload = serde_json::to_value(&report).map_err(|e| e.to_string())?;
            return self.enqueue(c, Report::NAME, payload);
        }
        let job = jobs[self.rng.random_range(0..jobs.len())];
        let (name, payload) = match self.rng.random_range(0..4u32) {
            0 => (
                Claim::NAME,
                serde_json::to_value(Claim { work_order_id: job }),
            ),
            k => {
                let step = match k {
                    1 => RepairStep::Accept,
                    2 => RepairStep::Start,
                    _ => RepairStep::Complete {
                        notes: "换了阀芯".into(),
                        minutes: 20,
                        after_photos: Vec::new(),
                    },
                };
                (
                    TakeStep::NAME,
                    serde_json::to_value(TakeStep {
                        work_order_id: job,
                        step,
                    }),
                )
            }
        };
        let payload = payload.map_err(|e| e.to_string())?;
        self.enqueue_expecting(c, name, payload, Expect::Decided)
    }

    fn others_notifications(&self, user: usize) -> Vec<Uuid> {
        let db = self.net.db();
        let mut stmt = db
            .prepare("SELECT id FROM notifications WHERE user_id != ?1 ORDER BY id LIMIT 50")
            .expect("query notifications");
        stmt.query_map([self.t.users[user].as_bytes().to_vec()], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .expect("query notifications")
        .filter_map(|r| r.ok().and_then(|b| Uuid::from_slice(&b).ok()))
        .collect()
    }

    /// Rewrites the newest outbox entry's schema version, as an app of that
    /// version would have queued it.
    fn set_version(&mut self, c: usize, version: u32, expect: Expect) -> Result<(), String> {
        let client = &mut self.clients[c];
        let cmd = client.ledger.last_mut().ok_or("nothing queued")?;
        client
            .local
            .execute(
                "UPDATE outbox SET schema_version = ?1 WHERE seq = ?2",
                rusqlite::params![version, i64::try_from(cmd.seq).unwrap_or(i64::MAX)],
            )
            .map_err(|e| format!("patch the outbox: {e}"))?;
        cmd.schema_version = version;
        cmd.expect = expect;
        Ok(())
    }

    /// Invariant 9: commands queued by the previous app version, then the app
    /// upgraded (restarted) with them in its outbox.
    async fn enqueue_old_version(&mut self, c: usize) -> Result<String, String> {
        let text = if self.rng.random_bool(0.5) {
            let lang = self.lang();
            self.enqueue(c, SET_LANG, json!({ "lang": lang }))?
        } else {
            self.enqueue(c, MARK_READ, json!({ "ids": [] }))?
        };
        self.set_version(c, SCHEMA_VERSION - 1, Expect::Accepted)?;
        let upgraded = self.rng.random_bool(0.5);
        if upgraded {
            self.crash_client(c);
        }
        Ok(format!(
            "{text} at schema version {}{}",
            SCHEMA_VERSION - 1,
            if upgraded { ", then upgraded" } else { "" }
        ))
    }

    /// A command of a version the server does not speak: rejected, never wedging.
    fn enqueue_too_new(&mut self, c: usize) -> Result<String, String> {
        let text = self.enqueue(c, SET_LANG, json!({ "lang": "en" }))?;
        self.set_version(c, SCHEMA_VERSION + 1, Expect::Rejected("schema_version"))?;
        Ok(format!("{text} at schema version {}", SCHEMA_VERSION + 1))
    }

    async fn sync_step(
        &mut self,
        c: usize,
        kind: SyncKind,
        touched: &mut Option<Touched>,
    ) -> String {
        self.plan_faults(c);
        let engine = &self.clients[c].engine;
        let result = match kind {
            SyncKind::Push => engine.push().await,
            SyncKind::Pull => engine.pull().await,
            SyncKind::Sync => engine.sync_once().await,
        };
        let text = match &result {
            Ok(r) => format!(
                "{kind:?}: pushed {} accepted {} rejected {} pages {} changes {}",
                r.pushed, r.accepted, r.rejected, r.pages, r.changes
            ),
            Err(e) => format!("{kind:?}: {:?} ({})", e.code, e.message),
        };
        if let Some(t) = touched {
            t.pulled = result.is_ok() && kind != SyncKind::Push;
            t.report = result.ok();
        }
        text
    }

    fn crash_client(&mut self, c: usize) {
        self.stats.device_crashes += 1;
        let client = &mut self.clients[c];
        let reopened = open(&client.dir, &client.clock, &client.transport);
        self.net.attach(
            c,
            &client.name,
            &reopened,
            &client.dir.join(houqin_engine::store::FILE_NAME),
        );
        let old = std::mem::replace(&mut client.engine, reopened);
        drop(old);
    }

    async fn switch_user(&mut self, c: usize) -> Result<String, String> {
        let client = &self.clients[c];
        if client.may_be.len() < 2 {
            return Ok("stays with its user".into());
        }
        let others: Vec<usize> = client
            .may_be
            .iter()
            .copied()
            .filter(|u| *u != client.user)
            .collect();
        let to = others[self.rng.random_range(0..others.len())];
        // A shift change signs out first, when the server can sign the next
        // person in (signed out, the outbox would wait for a sign-in).
        let sign_out = self.rng.random_bool(0.5) && !self.down;
        let client = &mut self.clients[c];
        let mut text = String::new();
        if sign_out {
            // Ends the session on the server (best effort) and forgets it here;
            // the outbox stays for the next person's session to send.
            let _ = client.engine.logout().await;
            text.push_str("signed out; ");
        }
        match client.engine.login(login(to)).await {
            Ok(_) => {
                client.user = to;
                text.push_str(&format!("signed in as {}", USERS[to]));
            }
            Err(e) if sign_out => return Err(format!("signing in after a sign-out failed: {e:?}")),
            Err(e) => text.push_str(&format!("cannot sign in as {}: {:?}", USERS[to], e.code)),
        }
        Ok(text)
    }

    fn dismiss(&mut self, c: usize) -> String {
        let client = &mut self.clients[c];
        let Ok(actions) = client.engine.pending() else {
            return "cannot list the outbox".into();
        };
        let Some(rejected) = actions
            .iter()
            .rev()
            .find(|a| a.state == ActionState::Rejected)
        else {
            return "nothing rejected to dismiss".into();
        };
        let seq = rejected.seq;
        match client.engine.dismiss_rejected(seq) {
            Ok(true) => {
                client.dismissed.insert(seq);
                format!("dismissed rejected seq {seq}")
            }
            other => format!("dismissing seq {seq}: {other:?}"),
        }
    }

    async fn principal(&self, state: &AppState, user: Uuid) -> Result<Principal, String> {
        load_principal(state, user, Uuid::nil())
            .await
            .map_err(|e| format!("load a principal: {e}"))
    }

    /// The server's actor: a notification for one of the users.
    async fn post(&mut self) -> Result<String, String> {
        let u = self.rng.random_range(0..USERS.len());
        let Some(state) = self.server() else {
            return Ok("server: (down) no notification".into());
        };
        let now = state.clock.now();
        let tx = state.db.write().await.map_err(|e| e.to_string())?;
        let mut changes = houqin_server::sync::changes::Changes::default();
        houqin_server::notifications::post(
            &*tx,
            &mut changes,
            houqin_server::notifications::NewNotification {
                campus_id: self.t.campus,
                user_id: self.t.users[u],
                service: None,
                title: LocalName::new("模拟", "Simulated"),
                body: LocalName::new("一条通知", "A notification"),
                link: None,
                at: now,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        houqin_server::sync::changes::commit(&*tx, self.t.campus, changes, now)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok(format!("server: a notification for {}", USERS[u]))
    }

    /// The server's actor: a user writes online (the REST path, same command).
    async fn online_write(&mut self) -> Result<String, String> {
        let u = self.rng.random_range(0..USERS.len());
        let lang = self.lang();
        let read = self.rng.random_bool(0.5);
        let Some(state) = self.server() else {
            return Ok("server: (down) no online write".into());
        };
        let p = self.principal(&state, self.t.users[u]).await?;
        let result = if read {
            houqin_server::sync::commands::execute(&state, &p, MarkRead { ids: vec![] }).await
        } else {
            let lang = Lang::parse(lang).unwrap_or_default();
            houqin_server::sync::commands::execute(&state, &p, SetLangRequest { lang }).await
        };
        result.map_err(|e| format!("an online write failed: {e:?}"))?;
        Ok(if read {
            format!("server: {} reads all online", USERS[u])
        } else {
            format!("server: {} sets {lang} online", USERS[u])
        })
    }

    /// A manager moves a building to another zone: it leaves one technician
    /// scope (a tombstone) and joins another.
    async fn move_building(&mut self) -> Result<String, String> {
        let b = self.t.buildings[self.rng.random_range(0..self.t.buildings.len())].clone();
        let z = self.t.zones[self.rng.random_range(0..self.t.zones.len())];
        let Some(state) = self.server() else {
            return Ok("server: (down) no building moves".into());
        };
        let p = self.principal(&state, self.t.manager).await?;
        let req = houqin_shared::directory::PutBuilding {
            campus_id: houqin_shared::ids::CampusId(b.campus_id),
            zone_id: Some(ZoneId(z)),
            code: b.code.clone(),
            name: LocalName::new(b.name_zh.clone(), b.name_en.clone()),
            kind: serde_json::from_value(Value::String(b.kind.clone()))
                .map_err(|e| e.to_string())?,
            floors: b.floors,
        };
        houqin_server::directory::put_building(
            axum::extract::State(state),
            axum::Extension(ClientAddr("sim".into())),
            p,
            Path(b.id),
            Json(req),
        )
        .await
        .map_err(|e| format!("moving a building failed: {e:?}"))?;
        Ok(format!(
            "server: building {} moves to zone {}",
            b.code,
            self.zone_name(z)
        ))
    }

    fn zone_name(&self, z: Uuid) -> usize {
        self.t
            .zones
            .iter()
            .position(|x| *x == z)
            .unwrap_or(usize::MAX)
    }

    /// An admin moves a technician to another zone: their devices drop the old
    /// zone's buildings and gain the new zone's (invariant 7).
    async fn move_technician(&mut self) -> Result<String, String> {
        let u = if self.rng.random_bool(0.5) { 3 } else { 4 };
        let z = self.t.zones[self.rng.random_range(0..self.t.zones.len())];
        let Some(state) = self.server() else {
            return Ok("server: (down) no zone change".into());
        };
        let p = self.principal(&state, self.t.admin).await?;
        houqin_server::accounts::admin::set_roles(
            axum::extract::State(state),
            axum::Extension(ClientAddr("sim".into())),
            p,
            Path(self.t.users[u]),
            Json(SetRolesRequest {
                roles: vec![Role::Technician],
                scopes: vec![Scope::Zone(z)],
            }),
        )
        .await
        .map_err(|e| format!("moving a technician failed: {e:?}"))?;
        Ok(format!(
            "server: {} now works zone {}",
            USERS[u],
            self.zone_name(z)
        ))
    }

    /// Retention: tombstones older than a while go; cursors behind the horizon reset.
    async fn prune(&mut self) -> Result<String, String> {
        let age = self.rng.random_range(0..600i64);
        let Some(state) = self.server() else {
            return Ok("server: (down) no pruning".into());
        };
        let before = self.clock.now() - Duration::seconds(age);
        let pruned = houqin_server::sync::retention::prune(&state.db, before)
            .await
            .map_err(|e| format!("pruning failed: {e}"))?;
        Ok(format!(
            "server: pruned {pruned} tombstone(s) older than {age} s"
        ))
    }

    /// An older push of device `c` arrives late (a retry that was stuck in a queue).
    async fn replay(&mut self, c: usize) -> String {
        let history = self.net.history(c);
        if history.is_empty() {
            return "late push: none sent yet".into();
        }
        let old = history[self.rng.random_range(0..history.len())].clone();
        self.stats.faults += 1;
        let what = self.net.replay(c, &old).await;
        format!("an older push arrives late: {what}")
    }

    /// Time passes: seconds, or past the access tokens' lifetime.
    fn tick(&mut self) -> String {
        let secs = if self.rng.random_bool(0.25) {
            self.rng.random_range(16 * 60..=40 * 60i64)
        } else {
            self.rng.random_range(1..=120i64)
        };
        let by = Duration::seconds(secs);
        self.clock.advance(by);
        for c in &self.clients {
            c.clock.advance(by);
        }
        format!("time passes: {secs} s")
    }

    /// The end of the schedule: every fault heals and the devices sync on their
    /// own (what their retry timers would do) until a round sends nothing.
    async fn drain(&mut self) -> Result<(), String> {
        self.net.clear_faults();
        if self.down {
            self.start().await;
            self.note("drain: the server is back".into());
        }
        let mut quiet = false;
        // Devices after the last one that sent something have pulled
        // everything already: the next round needs only those before.
        let mut upto = self.clients.len();
        for round in 1..=DRAIN_ROUNDS {
            self.stats.drain_rounds += 1;
            let mut sent = 0;
            let mut last_sender = None;
            for c in 0..upto {
                let result = self.clients[c].engine.sync_once().await;
                let report = result.map_err(|e| {
                    format!(
                        "invariant 8: {} cannot sync after the backend recovered: {e:?}",
                        self.clients[c].name
                    )
                })?;
                if report.pages >= PULL_PAGES_MAX {
                    return Err(format!(
                        "invariant 8: {}'s pull did not complete in {} pages (the server \
                         keeps answering `more`)",
                        self.clients[c].name, report.pages
                    ));
                }
                if report.pushed > 0 {
                    sent += report.pushed;
                    last_sender = Some(c);
                }
                self.check_one(Touched {
                    client: c,
                    pulled: true,
                    report: Some(report),
                })
                .await?;
            }
            let pending: u32 = self
                .clients
                .iter()
                .map(|c| c.engine.status().map_or(u32::MAX, |s| s.pending))
                .sum();
            self.note(format!(
                "drain round {round}: {upto} device(s) synced, {sent} command(s) sent, {pending} pending"
            ));
            match last_sender {
                None if pending == 0 => {
                    quiet = true;
                    break;
                }
                None => {}
                Some(c) => upto = c + 1,
            }
        }
        if !quiet {
            return Err(format!(
                "invariant 8: the outboxes did not drain in {DRAIN_ROUNDS} rounds \
                 after the backend recovered"
            ));
        }
        self.check_drained().await
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    // A device's user queues a command.
    MarkRead,
    SetLang,
    Unknown,
    OldVersion,
    TooNew,
    Repair,
    // A device syncs (with the faults planned for it).
    Push,
    Pull,
    Sync,
    CrashDevice,
    SwitchUser,
    Dismiss,
    // The server side.
    Post,
    OnlineWrite,
    MoveBuilding,
    MoveTechnician,
    Prune,
    ServerCrash,
    ServerOutage,
    LatePush,
    Tick,
}

/// How often each step comes up, relatively.
const STEPS: &[(Step, u32)] = &[
    (Step::MarkRead, 16),
    (Step::SetLang, 6),
    (Step::Unknown, 2),
    (Step::OldVersion, 2),
    (Step::TooNew, 1),
    (Step::Repair, 8),
    (Step::Push, 8),
    (Step::Pull, 8),
    (Step::Sync, 14),
    (Step::CrashDevice, 3),
    (Step::SwitchUser, 4),
    (Step::Dismiss, 1),
    (Step::Post, 7),
    (Step::OnlineWrite, 3),
    (Step::MoveBuilding, 2),
    (Step::MoveTechnician, 2),
    (Step::Prune, 2),
    (Step::ServerCrash, 2),
    (Step::ServerOutage, 3),
    (Step::LatePush, 5),
    (Step::Tick, 5),
];

/// The shared device: its users change.
const SHARED: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyncKind {
    Push,
    Pull,
    Sync,
}

/// The device a step acted on, and what its sync did.
#[derive(Debug, Clone)]
pub struct Touched {
    pub client: usize,
    /// A pull completed (`pull` or `sync_once` answered Ok).
    pub pulled: bool,
    pub report: Option<SyncReport>,
}

pub fn login(user: usize) -> LoginRequest {
    LoginRequest {
        username: USERS[user].into(),
        password: houqin_server::seed::DEMO_PASSWORD.into(),
        device_id: None,
        device_public_key: None,
    }
}

fn open(dir: &std::path::Path, clock: &FakeClock, transport: &Arc<SimTransport>) -> Arc<Engine> {
    let config = EngineConfig {
        data_dir: dir.to_owned(),
        server_url: "sim://in-process".into(),
        clock: Arc::new(clock.clone()),
    };
    Arc::new(Engine::open_with_transport(config, transport.clone()).expect("the engine opens"))
}
