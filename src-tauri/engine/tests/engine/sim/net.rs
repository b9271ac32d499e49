//! The network of the simulation: each device's [`Transport`] hands its request
//! to a backend replica's real router, in process, unless a fault says
//! otherwise. Faults are planned by the world's RNG before each step, per
//! device, for its next pushes and pulls.
//!
//! The transport also watches what it carries: a request delivered twice must
//! get the same answer and leave the server as the first left it; an older
//! push delivered late must not change anything it had already applied; every
//! pull reply delivered is kept for the scoping checks; a mark-read the server
//! accepts is noted for read-your-writes. Before each push and pull it probes
//! the device (cursors, read-your-writes), so what a device shows between the
//! requests of one sync is checked too.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use axum::Router;
use axum::body::Body;
use houqin_engine::client::{ApiRequest, BoxFuture, ClientError, Reply, Transport};
use houqin_engine::{Engine, RowFilter};
use houqin_shared::sync::{PullResponse, PushRequest, PushResponse};
use tower::ServiceExt;

/// What happens to one push or pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Deliver,
    /// The server acts; the reply never arrives.
    DropReply,
    /// The request arrives twice (a retry by a proxy); the second reply is delivered.
    Duplicate,
    /// Before a push, an older push of this device (the `n`-th newest seen)
    /// arrives late. (Pulls are not reordered: a device has one request in
    /// flight, and its reply answers that request.)
    Stale(usize),
    /// The server is killed while it works on the request; no reply. For a
    /// push, what reached its commit is the first `keep` eighths of the batch:
    /// none (killed before the commit), all (killed after it), or a prefix (as
    /// a server committing command by command would be killed). Every replica
    /// is down until the world restarts them.
    Crash {
        keep: usize,
    },
}

/// A push that reached a server, as sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub bearer: Option<String>,
    pub body: Vec<u8>,
}

/// A pull reply delivered to a device.
#[derive(Debug, Clone)]
pub struct Seen {
    pub client: usize,
    pub bearer: String,
    pub reply: PullResponse,
}

#[derive(Default)]
struct Inner {
    /// One router per replica; `None` while it is down.
    routers: Vec<Option<Router>>,
    /// Round-robin over the replicas that are up.
    next: usize,
    /// Per device: the faults of its next pushes and pulls.
    faults: Vec<VecDeque<Fault>>,
    /// Per device: pushes that reached a server, oldest first (the last few).
    history: Vec<Vec<Sent>>,
    /// Pull replies delivered since the last [`Net::take_pulls`].
    pulls: Vec<Seen>,
    violations: Vec<String>,
    /// A replica died mid-request since the last [`Net::take_crash`].
    crashed: bool,
    exchanges: u64,
    /// The faults met since the last [`Net::take_events`], for the step list.
    events: Vec<String>,
    /// Pulls ask for pages this small (`limit`), so paging is exercised.
    page_limit: Option<u32>,
}

/// What the probe knows of one device: it checks the invariants a user could
/// see broken at any moment — between the pages of one pull too, not only
/// between steps (the UI reads rows while a sync runs).
struct Device {
    name: String,
    engine: Weak<Engine>,
    /// The device's database, opened beside the engine.
    local: rusqlite::Connection,
    /// Cursors as last probed.
    cursors: BTreeMap<String, u64>,
    /// Scopes the server reset or dropped for it since the last probe.
    reset: BTreeSet<String>,
    dropped: BTreeSet<String>,
    /// Accepted mark-reads: (seq, the user's scope, the notifications it read).
    read_your_writes: Vec<(u64, String, Vec<String>)>,
    /// Their seqs.
    registered: BTreeSet<u64>,
}

/// The network, shared by every device's transport and the world.
pub struct Net {
    inner: Mutex<Inner>,
    /// The server's database, read directly for fingerprints and checks.
    db: Mutex<rusqlite::Connection>,
    devices: Mutex<Vec<Device>>,
    /// Notifications the probe found read after their mark-read was known applied.
    read_checks: std::sync::atomic::AtomicU64,
}

const HISTORY: usize = 6;

impl Net {
    pub fn new(db: rusqlite::Connection, clients: usize) -> Arc<Net> {
        Arc::new(Net {
            inner: Mutex::new(Inner {
                faults: vec![VecDeque::new(); clients],
                history: vec![Vec::new(); clients],
                ..Inner::default()
            }),
            db: Mutex::new(db),
            devices: Mutex::new(Vec::new()),
            read_checks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn devices(&self) -> MutexGuard<'_, Vec<Device>> {
        self.devices.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new device (its index is the next one) or a reopened one.
    pub fn attach(&self, c: usize, name: &str, engine: &Arc<Engine>, file: &std::path::Path) {
        let mut devices = self.devices();
        if let Some(d) = devices.get_mut(c) {
            d.engine = Arc::downgrade(engine);
            return;
        }
        let local = rusqlite::Connection::open(file).expect("open the device's file");
        local
            .busy_timeout(std::time::Duration::from_secs(10))
            .expect("busy timeout");
        devices.push(Device {
            name: name.to_owned(),
            engine: Arc::downgrade(engine),
            local,
            cursors: BTreeMap::new(),
            reset: BTreeSet::new(),
            dropped: BTreeSet::new(),
            read_your_writes: Vec::new(),
            registered: BTreeSet::new(),
        });
    }

    /// Records an accepted mark-read the device must show once it knows it applied.
    fn read_your_write(&self, c: usize, seq: u64, scope: String, targets: Vec<String>) {
        let mut devices = self.devices();
        let d = &mut devices[c];
        if d.registered.insert(seq) {
            d.read_your_writes.push((seq, scope, targets));
        }
    }

    /// After a push reached the server: each mark-read in it the server has
    /// now accepted covers the user's notifications it names (all, when it
    /// names none), all read on the server from now on; the device must show
    /// them read once it knows the seq applied (invariant 5).
    fn note_applied(&self, client: usize, body: &[u8]) {
        let Ok(push) = serde_json::from_slice::<PushRequest>(body) else {
            return;
        };
        for cmd in &push.commands {
            if cmd.name != "notifications.mark_read"
                || self.devices()[client].registered.contains(&cmd.seq)
            {
                continue;
            }
            let db = self.db();
            let accepted: bool = db
                .query_row(
                    "SELECT status = 'accepted' FROM sync_outcomes
                     WHERE client_id = ?1 AND seq = ?2 AND id = ?3",
                    rusqlite::params![
                        super::check::uuid_param(push.client_id.0),
                        i64::try_from(cmd.seq).unwrap_or(-1),
                        super::check::uuid_param(cmd.command_id.0)
                    ],
                    |r| r.get(0),
                )
                .unwrap_or(false);
            if !accepted {
                continue;
            }
            let named: Vec<String> = cmd.payload["ids"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            // Later commands of the same push may tell this user something
            // new (a job dispatched to them): not there when this one ran.
            let later: Vec<String> = push
                .commands
                .iter()
                .filter(|c| c.seq > cmd.seq && c.name.starts_with("repairs."))
                .filter_map(|c| {
                    c.payload["work_order_id"]
                        .as_str()
                        .or_else(|| c.payload["id"].as_str())
                        .map(|id| format!("/repairs/{id}"))
                })
                .collect();
            let mut stmt = db
                .prepare_cached(
                    "SELECT id, read_at IS NOT NULL, link FROM notifications WHERE user_id = ?1",
                )
                .expect("query notifications");
            let rows: Vec<(uuid::Uuid, bool, Option<String>)> = stmt
                .query_map([super::check::uuid_param(cmd.user_id.0)], |r| {
                    Ok((
                        uuid::Uuid::from_slice(&r.get::<_, Vec<u8>>(0)?).unwrap_or_default(),
                        r.get(1)?,
                        r.get(2)?,
                    ))
                })
                .expect("query notifications")
                .collect::<Result<_, _>>()
                .expect("read notifications");
            drop(stmt);
            drop(db);
            let mut targets = Vec::new();
            for (id, read, link) in rows {
                if link.is_some_and(|l| later.contains(&l)) {
                    continue;
                }
                let id = id.to_string();
                if named.is_empty() || named.contains(&id) {
                    if !read {
                        self.violation(format!(
                            "an accepted mark-read (seq {}) left notification {id} unread on \
                             the server",
                            cmd.seq
                        ));
                    }
                    targets.push(id);
                }
            }
            let scope = houqin_shared::sync::scope::user(cmd.user_id.0);
            self.read_your_write(client, cmd.seq, scope, targets);
        }
    }

    pub fn read_checks(&self) -> u64 {
        self.read_checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Invariant 5 on device `c`, as it stands now: its cursors never went
    /// back unless the server reset the scope (and vanished only when the
    /// server dropped it); once it knows `last_applied_seq >= s`, its view
    /// shows command `s` (each notification an accepted mark-read covered is
    /// read, wherever the device shows it).
    pub fn probe(&self, c: usize) -> Result<(), String> {
        let mut devices = self.devices();
        let d = &mut devices[c];
        let now: BTreeMap<String, u64> = {
            let mut stmt = d
                .local
                .prepare_cached("SELECT scope, version FROM cursors")
                .expect("query cursors");
            stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })
            .expect("query cursors")
            .collect::<Result<_, _>>()
            .expect("read cursors")
        };
        for (scope, before) in &d.cursors {
            match now.get(scope) {
                Some(v) if v < before && !d.reset.contains(scope) => {
                    return Err(format!(
                        "invariant 5: {}'s cursor for {scope} went back from {before} to {v} \
                         with no reset from the server",
                        d.name
                    ));
                }
                None if !d.dropped.contains(scope) => {
                    return Err(format!(
                        "invariant 5: {}'s cursor for {scope} vanished; the server never dropped it",
                        d.name
                    ));
                }
                _ => {}
            }
        }
        d.cursors = now;
        d.reset.clear();
        d.dropped.clear();

        let applied: i64 = d
            .local
            .query_row(
                "SELECT last_applied_seq FROM sync_client WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .expect("read sync_client");
        let applied = u64::try_from(applied).unwrap_or(0);
        let Some(engine) = d.engine.upgrade() else {
            return Ok(());
        };
        let mut views: BTreeMap<&str, BTreeMap<String, bool>> = BTreeMap::new();
        for (seq, scope, targets) in &d.read_your_writes {
            if *seq > applied {
                continue;
            }
            if !views.contains_key(scope.as_str()) {
                let rows = engine
                    .rows(&RowFilter {
                        scope: Some(scope.clone()),
                        entity: Some("notification".into()),
                    })
                    .map_err(|e| format!("{e:?}"))?;
                let view = rows
                    .iter()
                    .map(|n| {
                        (
                            n["id"].as_str().unwrap_or_default().to_owned(),
                            !n["read_at"].is_null(),
                        )
                    })
                    .collect();
                views.insert(scope, view);
            }
            let view = &views[scope.as_str()];
            let shown = targets.iter().filter(|t| view.contains_key(*t)).count();
            self.read_checks
                .fetch_add(shown as u64, std::sync::atomic::Ordering::Relaxed);
            if let Some(unread) = targets.iter().find(|t| view.get(*t) == Some(&false)) {
                return Err(format!(
                    "invariant 5: {} knows the server applied up to seq {applied}, but its view \
                     shows notification {unread} unread, which seq {seq} read",
                    d.name
                ));
            }
        }
        Ok(())
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's database (never held across an await).
    pub fn db(&self) -> MutexGuard<'_, rusqlite::Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_routers(&self, routers: Vec<Option<Router>>) {
        self.inner().routers = routers;
    }

    pub fn set_page_limit(&self, limit: Option<u32>) {
        self.inner().page_limit = limit;
    }

    pub fn plan(&self, client: usize, faults: Vec<Fault>) {
        self.inner().faults[client] = faults.into();
    }

    pub fn clear_faults(&self) {
        for f in &mut self.inner().faults {
            f.clear();
        }
    }

    pub fn take_pulls(&self) -> Vec<Seen> {
        std::mem::take(&mut self.inner().pulls)
    }

    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.inner().violations)
    }

    pub fn take_crash(&self) -> bool {
        std::mem::take(&mut self.inner().crashed)
    }

    pub fn take_events(&self) -> Vec<String> {
        std::mem::take(&mut self.inner().events)
    }

    fn event(&self, text: String) {
        self.inner().events.push(text);
    }

    pub fn exchanges(&self) -> u64 {
        self.inner().exchanges
    }

    pub fn history(&self, client: usize) -> Vec<Sent> {
        self.inner().history[client].clone()
    }

    fn violation(&self, text: String) {
        self.inner().violations.push(text);
    }

    fn pick(&self) -> Option<Router> {
        let mut inner = self.inner();
        inner.exchanges += 1;
        let n = inner.routers.len();
        for _ in 0..n {
            let i = inner.next % n;
            inner.next = inner.next.wrapping_add(1);
            if let Some(router) = &inner.routers[i] {
                return Some(router.clone());
            }
        }
        None
    }

    /// A summary of everything a command can change on the server: a replay
    /// must leave it as it was.
    pub fn fingerprint(&self) -> Vec<i64> {
        let db = self.db();
        db.query_row(
            "SELECT (SELECT count(*) FROM sync_outcomes),
                    (SELECT coalesce(sum(last_applied_seq), 0) FROM sync_clients),
                    (SELECT coalesce(sum(version), 0) FROM sync_scopes),
                    (SELECT count(*) FROM sync_rows),
                    (SELECT count(*) FROM notifications WHERE read_at IS NOT NULL),
                    (SELECT count(*) FROM users WHERE lang = 'en')",
            [],
            |r| {
                Ok(vec![
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ])
            },
        )
        .expect("fingerprint the server")
    }

    /// The server's `last_applied_seq` for a client.
    pub fn applied(&self, client_id: uuid::Uuid) -> u64 {
        use rusqlite::OptionalExtension;
        let db = self.db();
        db.query_row(
            "SELECT last_applied_seq FROM sync_clients WHERE id = ?1",
            [super::check::uuid_param(client_id)],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .expect("read sync_clients")
        .map_or(0, |n| u64::try_from(n).unwrap_or(0))
    }

    /// Delivers an old push again (its reply goes nowhere) and checks that
    /// what had been applied stays applied once: the server is unchanged and
    /// answers the stored outcomes. Returns what it delivered, for the log.
    pub async fn replay(&self, client: usize, sent: &Sent) -> String {
        let Some(router) = self.pick() else {
            return "the server is down".into();
        };
        let req: PushRequest = serde_json::from_slice(&sent.body).expect("a push we sent");
        let (Some(first), Some(last)) = (req.commands.first(), req.commands.last()) else {
            return "an empty push".into();
        };
        let (first, last) = (first.seq, last.seq);
        let applied = self.applied(req.client_id.0);
        // Nothing new in it: it must change nothing. (A late push carrying
        // commands the server never got applies them, as any push would.)
        let stale = last <= applied || first > applied + 1;
        let before = self.fingerprint();
        let reply = call(
            &router,
            "POST",
            "/api/v1/sync/push",
            sent.bearer.as_deref(),
            "application/json",
            Some(sent.body.clone()),
        )
        .await;
        if reply.status == 200 {
            self.note_applied(client, &sent.body);
        }
        if stale {
            let after = self.fingerprint();
            if before != after {
                self.violation(format!(
                    "invariant 2: a late push of seqs {first}..={last} (server at {applied}) \
                     changed the server: {before:?} -> {after:?}"
                ));
            }
            if reply.status == 200 {
                self.check_stored(&reply);
            }
        }
        format!("seqs {first}..={last} -> {}", reply.status)
    }

    /// A push reply's outcomes must be the stored ones.
    fn check_stored(&self, reply: &Reply) {
        let Ok(answer) = serde_json::from_slice::<PushResponse>(&reply.body) else {
            self.violation("a push reply does not decode".into());
            return;
        };
        let db = self.db();
        for o in &answer.outcomes {
            let stored: Option<(i64, String)> = db
                .query_row(
                    "SELECT seq, status FROM sync_outcomes WHERE id = ?1",
                    [super::check::uuid_param(o.command_id.0)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ok();
            let status = match o.outcome {
                houqin_shared::sync::Outcome::Accepted => "accepted",
                houqin_shared::sync::Outcome::Rejected { .. } => "rejected",
            };
            if stored != Some((i64::try_from(o.seq).unwrap_or(-1), status.to_owned())) {
                drop(db);
                self.violation(format!(
                    "invariant 2: a replay answered {o:?}; the server stored {stored:?}"
                ));
                return;
            }
        }
    }

    fn note_push(&self, client: usize, sent: Sent) {
        self.note_applied(client, &sent.body);
        let mut inner = self.inner();
        let history = &mut inner.history[client];
        history.push(sent);
        if history.len() > HISTORY {
            history.remove(0);
        }
    }

    fn note_pull(&self, client: usize, bearer: Option<&str>, reply: &Reply) {
        if reply.status != 200 {
            return;
        }
        match serde_json::from_slice::<PullResponse>(&reply.body) {
            Ok(pull) => {
                {
                    let mut devices = self.devices();
                    let d = &mut devices[client];
                    for s in pull.scopes.iter().filter(|s| s.reset) {
                        d.reset.insert(s.scope.clone());
                    }
                    d.dropped.extend(pull.dropped.iter().cloned());
                }
                self.inner().pulls.push(Seen {
                    client,
                    bearer: bearer.unwrap_or_default().to_owned(),
                    reply: pull,
                });
            }
            Err(e) => self.violation(format!("a pull reply does not decode: {e}")),
        }
    }

    async fn exchange(&self, client: usize, mut req: Owned) -> Result<Reply, ClientError> {
        let kind = if req.path == "/sync/push" {
            Kind::Push
        } else if req.path.starts_with("/sync/pull") {
            Kind::Pull
        } else {
            Kind::Other
        };
        // What the device shows between two requests (the pages of one pull,
        // a push and its pull) must hold as much as what it shows after a step.
        if kind != Kind::Other
            && let Err(e) = self.probe(client)
        {
            self.violation(format!("{e} (seen between two requests of one sync)"));
        }
        if kind == Kind::Pull
            && let Some(limit) = self.inner().page_limit
        {
            req.uri.push_str(&format!("&limit={limit}"));
        }
        let Some(router) = self.pick() else {
            if kind != Kind::Other {
                self.event(format!("{kind:?}: the server is down"));
            }
            return Err(unreachable("connection refused: the server is down"));
        };
        let fault = match kind {
            Kind::Other => Fault::Deliver,
            _ => self.inner().faults[client]
                .pop_front()
                .unwrap_or(Fault::Deliver),
        };
        let bearer = req.bearer.as_deref();
        let send = |body: Option<Vec<u8>>| {
            call(
                &router,
                req.method,
                &req.uri,
                bearer,
                req.content_type,
                body,
            )
        };
        let delivered = |reply: &Reply, body: &Option<Vec<u8>>| match kind {
            Kind::Push if reply.status == 200 => self.note_push(
                client,
                Sent {
                    bearer: req.bearer.clone(),
                    body: body.clone().unwrap_or_default(),
                },
            ),
            Kind::Pull => self.note_pull(client, bearer, reply),
            _ => {}
        };
        match fault {
            Fault::Deliver => {
                let reply = send(req.body.clone()).await;
                delivered(&reply, &req.body);
                Ok(reply)
            }
            Fault::DropReply => {
                self.event(format!("{kind:?}: reply lost"));
                let reply = send(req.body.clone()).await;
                if kind == Kind::Push && reply.status == 200 {
                    delivered(&reply, &req.body);
                }
                Err(unreachable("connection reset: the reply was lost"))
            }
            Fault::Duplicate => {
                self.event(format!("{kind:?}: delivered twice"));
                let first = send(req.body.clone()).await;
                let before = self.fingerprint();
                let second = send(req.body.clone()).await;
                let after = self.fingerprint();
                if before != after {
                    self.violation(format!(
                        "invariant 2: a {kind:?} delivered twice changed the server the second \
                         time: {before:?} -> {after:?}"
                    ));
                }
                if !same_answer(&first, &second) {
                    self.violation(format!(
                        "invariant 2: a {kind:?} delivered twice got two answers: {} / {}",
                        String::from_utf8_lossy(&first.body),
                        String::from_utf8_lossy(&second.body)
                    ));
                }
                delivered(&second, &req.body);
                Ok(second)
            }
            Fault::Stale(n) => {
                let history = self.history(client);
                if kind == Kind::Push && !history.is_empty() {
                    let old = &history[history.len() - 1 - n % history.len()];
                    let what = self.replay(client, old).await;
                    self.event(format!("an older push arrives first: {what}"));
                }
                let reply = send(req.body.clone()).await;
                delivered(&reply, &req.body);
                Ok(reply)
            }
            Fault::Crash { keep } => {
                let body = match (&req.body, kind) {
                    (Some(body), Kind::Push) => {
                        let mut push: PushRequest =
                            serde_json::from_slice(body).expect("a push the engine sent");
                        let all = push.commands.len();
                        let n = all * keep.min(8) / 8;
                        push.commands.truncate(n);
                        self.event(format!(
                            "Push: the server dies after {n} of its {all} command(s)"
                        ));
                        Some(serde_json::to_vec(&push).expect("encode a push"))
                    }
                    _ => {
                        self.event(format!("{kind:?}: the server dies before replying"));
                        req.body.clone()
                    }
                };
                let nothing = kind == Kind::Push
                    && body.as_ref().is_some_and(|b| {
                        serde_json::from_slice::<PushRequest>(b)
                            .is_ok_and(|p| p.commands.is_empty())
                    });
                if !nothing {
                    let reply = send(body.clone()).await;
                    if kind == Kind::Push && reply.status == 200 {
                        delivered(&reply, &body);
                    }
                }
                let mut inner = self.inner();
                for r in &mut inner.routers {
                    *r = None;
                }
                inner.crashed = true;
                Err(unreachable("connection reset: the server died"))
            }
        }
    }
}

/// Two replies say the same (an error body's request id is the request's own).
fn same_answer(a: &Reply, b: &Reply) -> bool {
    let strip = |r: &Reply| {
        let mut v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        if r.status != 200
            && let Some(fields) = v.as_object_mut()
        {
            fields.remove("request_id");
        }
        (r.status, v)
    };
    strip(a) == strip(b)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Push,
    Pull,
    Other,
}

fn unreachable(why: &str) -> ClientError {
    ClientError::Unreachable(why.into())
}

/// A request, owned, as it would go on the wire.
struct Owned {
    method: &'static str,
    /// The path under `/api/v1`, without the query.
    path: String,
    /// `/api/v1{path}?{query}`
    uri: String,
    bearer: Option<String>,
    content_type: &'static str,
    body: Option<Vec<u8>>,
}

impl Owned {
    fn of(req: &ApiRequest<'_>) -> Owned {
        let path = req.path.as_str().to_owned();
        let mut uri = format!("/api/v1{path}");
        for (i, (name, value)) in req.query.iter().enumerate() {
            let sep = if i == 0 && !path.contains('?') {
                '?'
            } else {
                '&'
            };
            uri.push(sep);
            uri.push_str(&encode(name));
            uri.push('=');
            uri.push_str(&encode(value));
        }
        Owned {
            method: req.method.as_str(),
            path,
            uri,
            bearer: req.bearer.map(str::to_owned),
            content_type: req.body.map_or("application/json", |b| b.content_type()),
            body: req.body.map(|b| b.encode().expect("encode a request body")),
        }
    }
}

/// Percent-encodes a query component as a browser's form encoding would.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One exchange with a replica's router: the real middleware and handlers.
pub async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Option<Vec<u8>>,
) -> Reply {
    let mut builder = axum::http::Request::builder().method(method).uri(uri);
    if let Some(token) = bearer {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(bytes) => {
            builder = builder.header("content-type", content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let request = builder.body(body).expect("a request");
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a reply body");
    Reply {
        status,
        body: body.to_vec(),
    }
}

/// A device's transport: its requests go through the shared [`Net`].
pub struct SimTransport {
    pub net: Arc<Net>,
    pub client: usize,
}

impl std::fmt::Debug for SimTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimTransport(device {})", self.client)
    }
}

impl Transport for SimTransport {
    fn exchange<'a>(&'a self, req: ApiRequest<'a>) -> BoxFuture<'a, Result<Reply, ClientError>> {
        let owned = Owned::of(&req);
        Box::pin(self.net.exchange(self.client, owned))
    }
}
