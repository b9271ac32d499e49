//! The invariants, checked against the server's database and each device's
//! store: the safety ones after every step ([`World::check`]), the eventual
//! ones once a schedule has drained ([`World::check_drained`]).

use std::collections::{BTreeMap, BTreeSet};

use houqin_engine::ActionState;
use houqin_server::authz::load_principal;
use houqin_server::sync::scopes;
use houqin_shared::sync::{Change, SCHEMA_VERSION, row_hash};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::USERS;
use super::world::{Expect, Touched, World};

/// sea-orm keeps UUIDs in SQLite as 16-byte blobs.
pub fn uuid_param(id: Uuid) -> Vec<u8> {
    id.as_bytes().to_vec()
}

fn blob_uuid(bytes: &[u8]) -> Uuid {
    Uuid::from_slice(bytes).unwrap_or_default()
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// One stored outcome on the server.
#[derive(Debug, Clone)]
struct Stored {
    seq: u64,
    id: Uuid,
    user: Uuid,
    name: String,
    status: String,
    code: Option<String>,
    field: Option<String>,
}

/// One row: (entity, id, canonical JSON).
type Row = (String, String, String);

/// An outbox entry as the device keeps it: (seq, command id, state, reject code, reject message).
type OutboxRow = (u64, String, String, Option<String>, Option<String>);

fn checksum(rows: &[Row]) -> u64 {
    rows.iter()
        .map(|(entity, id, data)| row_hash(entity, Uuid::parse_str(id).unwrap_or_default(), data))
        .fold(0u64, u64::wrapping_add)
}

impl World<'_> {
    fn server_outcomes(&self, client: Uuid) -> (u64, Vec<Stored>) {
        let db = self.net.db();
        let applied = db
            .query_row(
                "SELECT last_applied_seq FROM sync_clients WHERE id = ?1",
                [uuid_param(client)],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .expect("read sync_clients")
            .map_or(0, to_u64);
        let mut stmt = db
            .prepare_cached(
                "SELECT seq, id, user_id, name, status, code, field FROM sync_outcomes
                 WHERE client_id = ?1 ORDER BY seq",
            )
            .expect("query sync_outcomes");
        let rows = stmt
            .query_map([uuid_param(client)], |r| {
                Ok(Stored {
                    seq: to_u64(r.get(0)?),
                    id: blob_uuid(&r.get::<_, Vec<u8>>(1)?),
                    user: blob_uuid(&r.get::<_, Vec<u8>>(2)?),
                    name: r.get(3)?,
                    status: r.get(4)?,
                    code: r.get(5)?,
                    field: r.get(6)?,
                })
            })
            .expect("query sync_outcomes")
            .collect::<Result<Vec<_>, _>>()
            .expect("read sync_outcomes");
        (applied, rows)
    }

    /// (version, checksum, live rows) of a scope on the server, if it has been written.
    fn server_scope(&self, scope: &str) -> Option<(u64, u64, u64)> {
        let db = self.net.db();
        db.query_row(
            "SELECT version, checksum,
                    (SELECT count(*) FROM sync_rows r WHERE r.scope = s.scope AND r.data IS NOT NULL)
             FROM sync_scopes s WHERE scope = ?1",
            [scope],
            |r| {
                Ok((
                    to_u64(r.get(0)?),
                    u64::from_ne_bytes(r.get::<_, i64>(1)?.to_ne_bytes()),
                    to_u64(r.get(2)?),
                ))
            },
        )
        .optional()
        .expect("read sync_scopes")
    }

    fn server_rows(&self, scope: &str) -> Vec<Row> {
        let db = self.net.db();
        let mut stmt = db
            .prepare_cached(
                "SELECT entity, row_id, data FROM sync_rows WHERE scope = ?1 AND data IS NOT NULL",
            )
            .expect("query sync_rows");
        let mut rows: Vec<Row> = stmt
            .query_map([scope], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    blob_uuid(&r.get::<_, Vec<u8>>(1)?).to_string(),
                    r.get::<_, String>(2)?,
                ))
            })
            .expect("query sync_rows")
            .collect::<Result<_, _>>()
            .expect("read sync_rows");
        rows.sort();
        rows
    }

    /// A scope nobody has written yet, as the server would snapshot it now.
    async fn snapshot(&self, scope: &str) -> Result<Vec<Row>, String> {
        let rows = scopes::materialize(&self.checker.db.conn, scope, self.checker.clock.now())
            .await
            .map_err(|e| format!("materialize {scope}: {e}"))?;
        let mut rows: Vec<Row> = rows
            .into_iter()
            .map(|(entity, id, data)| {
                (
                    entity.to_owned(),
                    id.to_string(),
                    serde_json::to_string(&data).unwrap_or_default(),
                )
            })
            .collect();
        rows.sort();
        Ok(rows)
    }

    fn local_rows(&self, c: usize, scope: &str) -> Vec<Row> {
        let mut stmt = self.clients[c]
            .local
            .prepare_cached(
                "SELECT entity, id, data FROM synced_rows WHERE scope = ?1 ORDER BY entity, id",
            )
            .expect("query synced_rows");
        stmt.query_map([scope], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query synced_rows")
            .collect::<Result<_, _>>()
            .expect("read synced_rows")
    }

    fn local_cursors(&self, c: usize) -> BTreeMap<String, u64> {
        let mut stmt = self.clients[c]
            .local
            .prepare_cached("SELECT scope, version FROM cursors")
            .expect("query cursors");
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, to_u64(r.get(1)?))))
            .expect("query cursors")
            .collect::<Result<_, _>>()
            .expect("read cursors")
    }

    /// Every scope the device holds something of: a cursor or a row.
    fn local_scopes(&self, c: usize) -> BTreeSet<String> {
        let mut stmt = self.clients[c]
            .local
            .prepare_cached("SELECT scope FROM cursors UNION SELECT scope FROM synced_rows")
            .expect("query scopes");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query scopes")
            .collect::<Result<_, _>>()
            .expect("read scopes")
    }

    /// The scopes `user` may read now, by the server's rule.
    async fn authorized(&self, user: Uuid) -> Result<Vec<String>, String> {
        let p = load_principal(&self.checker, user, Uuid::nil())
            .await
            .map_err(|e| format!("load a principal: {e}"))?;
        Ok(scopes::authorized(&p))
    }

    /// After every step: the wire, then every device.
    pub async fn check(&mut self, touched: Option<Touched>) -> Result<(), String> {
        self.check_wire(touched.as_ref()).await?;
        for c in 0..self.clients.len() {
            let pulled = touched.as_ref().is_some_and(|t| t.client == c && t.pulled);
            self.check_client(c, pulled).await?;
        }
        Ok(())
    }

    /// After one device's sync in the drain: the wire and that device.
    pub async fn check_one(&mut self, t: Touched) -> Result<(), String> {
        self.check_wire(Some(&t)).await?;
        self.check_client(t.client, t.pulled).await
    }

    /// What the transport saw go wrong, what the pulls carried, and whether a
    /// device found its mirror drifted (a checksum that disagreed).
    async fn check_wire(&mut self, touched: Option<&Touched>) -> Result<(), String> {
        let violations = self.net.take_violations();
        if !violations.is_empty() {
            return Err(violations.join("\n"));
        }
        self.check_pulls().await?;
        if let Some(t) = touched
            && let Some(report) = &t.report
            && report.rereads > 0
        {
            return Err(format!(
                "invariants 4/6: a checksum disagreed and {} re-read {} scope(s): its mirror \
                 drifted from the server's rows",
                self.clients[t.client].name, report.rereads
            ));
        }
        Ok(())
    }

    /// Invariant 7 on the wire: every pull reply a device received holds only
    /// scopes its session may read, and every row in a scope belongs there.
    async fn check_pulls(&mut self) -> Result<(), String> {
        for seen in self.net.take_pulls() {
            let name = self.clients[seen.client].name.clone();
            // The signature is what matters here (checked as of the schedule's
            // start, when no token had expired yet).
            let claims = self
                .checker
                .keys
                .verify(&seen.bearer, super::epoch())
                .map_err(|e| format!("{name} pulled with a token that does not verify: {e:?}"))?;
            let p = load_principal(&self.checker, claims.uid, claims.sid)
                .await
                .map_err(|e| format!("load a principal: {e}"))?;
            let allowed = scopes::authorized(&p);
            for s in &seen.reply.scopes {
                if !allowed.contains(&s.scope) {
                    return Err(format!(
                        "invariant 7: {name} was sent {} which {} may not read",
                        s.scope, p.username
                    ));
                }
                for change in &s.changes {
                    self.belongs(&s.scope, change)
                        .map_err(|e| format!("invariant 7: {name} was sent {e}"))?;
                }
                if s.reset {
                    self.stats.resets += 1;
                }
            }
            for d in &seen.reply.dropped {
                if allowed.contains(d) {
                    return Err(format!(
                        "invariant 7: {name} was told to drop {d}, which {} may read",
                        p.username
                    ));
                }
                self.stats.drops += 1;
            }
        }
        Ok(())
    }

    /// Whether a pulled row belongs in its scope, by the server's tables now.
    fn belongs(&self, scope: &str, change: &Change) -> Result<(), String> {
        let Some(data) = &change.data else {
            return Ok(());
        };
        let (kind, owner) = scope.split_once(':').unwrap_or(("", ""));
        let owner = Uuid::parse_str(owner).unwrap_or_default();
        let db = self.net.db();
        let lookup = |sql: &str| -> Option<Uuid> {
            db.query_row(sql, [uuid_param(change.id)], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()
            .expect("look a row up")
            .flatten()
            .map(|b| blob_uuid(&b))
        };
        let ok = match (kind, change.entity.as_str()) {
            ("user", "profile") => change.id == owner && data["id"] == owner.to_string(),
            ("user", "notification") => {
                lookup("SELECT user_id FROM notifications WHERE id = ?1") == Some(owner)
            }
            ("user", "card") => lookup("SELECT user_id FROM cards WHERE id = ?1") == Some(owner),
            ("user", "wallet") => {
                change.id == owner
                    && lookup("SELECT user_id FROM wallets WHERE user_id = ?1") == Some(owner)
            }
            ("zone", "building") => {
                lookup("SELECT zone_id FROM buildings WHERE id = ?1") == Some(owner)
            }
            ("user", "order") => lookup("SELECT user_id FROM orders WHERE id = ?1") == Some(owner),
            ("menu", "dish") => lookup("SELECT campus_id FROM dishes WHERE id = ?1") == Some(owner),
            ("menu", "portions") => {
                lookup("SELECT campus_id FROM portions WHERE id = ?1") == Some(owner)
            }
            ("menu", "slot") => {
                lookup("SELECT campus_id FROM slot_loads WHERE id = ?1") == Some(owner)
            }
            ("queue", "order") => {
                lookup("SELECT canteen_id FROM orders WHERE id = ?1") == Some(owner)
            }
            ("repairs", "part") => {
                lookup("SELECT campus_id FROM parts WHERE id = ?1") == Some(owner)
            }
            ("repairs", "technician") => {
                lookup("SELECT campus_id FROM technician_profiles WHERE id = ?1") == Some(owner)
            }
            ("user", "work_order") => {
                lookup("SELECT reporter_id FROM work_orders WHERE id = ?1") == Some(owner)
                    || lookup("SELECT assignee_id FROM work_orders WHERE id = ?1") == Some(owner)
                    || db
                        .query_row(
                            "SELECT 1 FROM work_order_followers \
                             WHERE work_order_id = ?1 AND user_id = ?2",
                            [uuid_param(change.id), uuid_param(owner)],
                            |_| Ok(()),
                        )
                        .optional()
                        .expect("look a follower up")
                        .is_some()
            }
            ("zone", "work_order") => {
                lookup("SELECT zone_id FROM work_orders WHERE id = ?1") == Some(owner)
            }
            ("kiosk", "kiosk_policy") => change.id == owner,
            ("kiosk", "pay_key") => {
                lookup("SELECT campus_id FROM sessions WHERE id = ?1") == Some(owner)
            }
            ("kiosk", "hot_payer") => {
                lookup("SELECT campus_id FROM wallets WHERE user_id = ?1") == Some(owner)
            }
            ("kiosk", "hot_card") => {
                data["card_id"]
                    .as_str()
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .and_then(|card| {
                        db.query_row(
                            "SELECT campus_id FROM cards WHERE id = ?1",
                            [uuid_param(card)],
                            |r| r.get::<_, Option<Vec<u8>>>(0),
                        )
                        .optional()
                        .expect("look a card up")
                        .flatten()
                        .map(|b| blob_uuid(&b))
                    })
                    == Some(owner)
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "a {} {} in {scope}, where it does not belong",
                change.entity, change.id
            ))
        }
    }

    async fn check_client(&mut self, c: usize, pulled: bool) -> Result<(), String> {
        self.check_outcomes(c)?;
        self.check_outbox(c)?;
        self.net.probe(c)?;
        self.check_caught_up(c, pulled).await?;
        if pulled {
            let user = self.t.users[self.clients[c].user];
            let allowed: BTreeSet<String> = self.authorized(user).await?.into_iter().collect();
            let held = self.local_scopes(c);
            if let Some(extra) = held.difference(&allowed).next() {
                return Err(format!(
                    "invariant 7: after a complete pull {} still holds {extra}, which {} may not \
                     read (it may read {allowed:?})",
                    self.clients[c].name, USERS[self.clients[c].user]
                ));
            }
        }
        Ok(())
    }

    /// Invariants 2 and 3 on the server: one outcome per seq, seqs 1..=last
    /// contiguous, each the command the device queued under that seq, final.
    fn check_outcomes(&mut self, c: usize) -> Result<(), String> {
        let (applied, stored) = self.server_outcomes(self.clients[c].id);
        let name = self.clients[c].name.clone();
        let seqs: Vec<u64> = stored.iter().map(|o| o.seq).collect();
        if seqs.len() as u64 != applied || seqs.iter().enumerate().any(|(i, s)| *s != i as u64 + 1)
        {
            return Err(format!(
                "invariants 2/3: the server's outcomes for {name} are seqs {seqs:?} with \
                 last_applied_seq {applied}"
            ));
        }
        if applied > self.clients[c].ledger.len() as u64 {
            return Err(format!(
                "invariant 3: the server applied seq {applied} of {name}, which queued only {}",
                self.clients[c].ledger.len()
            ));
        }
        for o in stored {
            let cmd = self.clients[c].ledger[(o.seq - 1) as usize].clone();
            if o.id != cmd.id.0 || o.user != self.t.users[cmd.user] || o.name != cmd.name {
                return Err(format!(
                    "invariant 3: the server's seq {} of {name} is {} {} by {}; the device \
                     queued {} {} by {}",
                    o.seq, o.name, o.id, o.user, cmd.name, cmd.id, USERS[cmd.user]
                ));
            }
            let now = (o.status.clone(), o.code.clone(), o.field.clone());
            match self.clients[c].outcomes.get(&o.seq) {
                Some(first) if *first != now => {
                    return Err(format!(
                        "invariant 2: the outcome of {name}'s seq {} changed: {first:?} -> {now:?}",
                        o.seq
                    ));
                }
                Some(_) => continue,
                None => {}
            }
            let expected = match &cmd.expect {
                Expect::Accepted => o.status == "accepted",
                Expect::Rejected(field) => {
                    o.status == "rejected" && o.field.as_deref() == Some(*field)
                }
                Expect::Decided => o.status == "accepted" || o.status == "rejected",
            };
            if !expected {
                let which = if cmd.schema_version == SCHEMA_VERSION {
                    "invariant 1"
                } else {
                    "invariant 9"
                };
                return Err(format!(
                    "{which}: {name}'s seq {} ({} at schema version {}) should be {:?}; the \
                     server answered {now:?}",
                    o.seq, cmd.name, cmd.schema_version, cmd.expect
                ));
            }
            self.clients[c].outcomes.insert(o.seq, now);
        }
        Ok(())
    }

    /// Invariants 1 and 3 on the device: its outbox holds its commands under
    /// their seqs; an entry leaves only accepted and pulled, or rejected and
    /// dismissed; what it shows as answered is what the server answered.
    fn check_outbox(&self, c: usize) -> Result<(), String> {
        let client = &self.clients[c];
        let name = &client.name;
        let (last_seq, applied): (i64, i64) = client
            .local
            .query_row(
                "SELECT last_seq, last_applied_seq FROM sync_client WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("read sync_client");
        let (last_seq, applied) = (to_u64(last_seq), to_u64(applied));
        if last_seq != client.ledger.len() as u64 {
            return Err(format!(
                "invariant 3: {name} handed out seqs up to {last_seq} for {} commands",
                client.ledger.len()
            ));
        }
        let server_applied = client.outcomes.len() as u64;
        if applied > server_applied {
            return Err(format!(
                "{name} believes the server applied up to {applied}; it applied {server_applied}"
            ));
        }
        let mut stmt = client
            .local
            .prepare_cached(
                "SELECT seq, command_id, state, reject_code, reject_message FROM outbox ORDER BY seq",
            )
            .expect("query the outbox");
        let entries: Vec<OutboxRow> = stmt
            .query_map([], |r| {
                Ok((
                    to_u64(r.get(0)?),
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })
            .expect("query the outbox")
            .collect::<Result<_, _>>()
            .expect("read the outbox");
        let mut present = BTreeSet::new();
        for (seq, id, state, code, message) in entries {
            present.insert(seq);
            let cmd = client
                .ledger
                .get((seq as usize).wrapping_sub(1))
                .ok_or_else(|| {
                    format!("invariant 3: {name}'s outbox has a seq {seq} it never queued")
                })?;
            if id != cmd.id.0.to_string() {
                return Err(format!(
                    "invariant 3: {name}'s outbox seq {seq} is {id}; it queued {}",
                    cmd.id
                ));
            }
            let server = client.outcomes.get(&seq);
            let agrees = match state.as_str() {
                "pending" => true,
                "accepted" => server.is_some_and(|s| s.0 == "accepted"),
                "rejected" => server.is_some_and(|s| {
                    s.0 == "rejected"
                        && s.1 == code
                        && message.as_deref().is_some_and(|m| !m.is_empty())
                }),
                _ => false,
            };
            if !agrees {
                return Err(format!(
                    "{name}'s outbox shows seq {seq} {state} ({code:?}); the server stored {server:?}"
                ));
            }
        }
        for cmd in &client.ledger {
            if present.contains(&cmd.seq) {
                continue;
            }
            let server = client.outcomes.get(&cmd.seq).map(|s| s.0.as_str());
            let fine = if client.dismissed.contains(&cmd.seq) {
                server == Some("rejected")
            } else {
                server == Some("accepted") && cmd.seq <= applied
            };
            if !fine {
                return Err(format!(
                    "invariant 1: {name}'s seq {} ({}) left the outbox; the server has {server:?}, \
                     the device knows up to {applied}",
                    cmd.seq, cmd.name
                ));
            }
        }
        Ok(())
    }

    /// Invariant 4: a scope whose cursor is at the server's version holds
    /// exactly the server's rows (nothing skipped, nothing extra).
    async fn check_caught_up(&mut self, c: usize, pulled: bool) -> Result<(), String> {
        for (scope, cursor) in self.local_cursors(c) {
            match self.server_scope(&scope) {
                Some((version, sum, count)) => {
                    if cursor > version {
                        return Err(format!(
                            "invariant 5: {}'s cursor for {scope} is {cursor}, past the server's {version}",
                            self.clients[c].name
                        ));
                    }
                    if cursor == version {
                        self.stats.caught_up += 1;
                        let local = self.local_rows(c, &scope);
                        if checksum(&local) != sum || local.len() as u64 != count {
                            let server = self.server_rows(&scope);
                            return Err(self.differs(c, &scope, version, &local, &server));
                        }
                    }
                }
                // Never written: each pull snapshots it afresh (version 0).
                None if pulled && cursor == 0 => {
                    let local = self.local_rows(c, &scope);
                    let server = self.snapshot(&scope).await?;
                    if local != server {
                        return Err(self.differs(c, &scope, 0, &local, &server));
                    }
                }
                None if cursor != 0 => {
                    return Err(format!(
                        "{}'s cursor for {scope} is {cursor}; the server never wrote that scope",
                        self.clients[c].name
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    fn differs(
        &self,
        c: usize,
        scope: &str,
        version: u64,
        local: &[Row],
        server: &[Row],
    ) -> String {
        let only_local: Vec<&Row> = local.iter().filter(|r| !server.contains(r)).collect();
        let only_server: Vec<&Row> = server.iter().filter(|r| !local.contains(r)).collect();
        format!(
            "invariants 4/6: {} holds {scope} at the server's version {version}, but its rows \
             differ: only on the device {only_local:?}; only on the server {only_server:?}",
            self.clients[c].name
        )
    }

    /// Once the schedule has drained: invariants 1, 6, 7, 8 and 9.
    pub async fn check_drained(&mut self) -> Result<(), String> {
        for c in 0..self.clients.len() {
            let client = &self.clients[c];
            let name = client.name.clone();
            let status = client.engine.status().map_err(|e| format!("{e:?}"))?;
            if status.pending != 0 || status.last_error.is_some() {
                return Err(format!("invariant 8: {name} after the drain: {status:?}"));
            }
            // 1: every command has its outcome where the user sees it.
            let actions = client.engine.pending().map_err(|e| format!("{e:?}"))?;
            if let Some(a) = actions.iter().find(|a| a.state != ActionState::Rejected) {
                return Err(format!(
                    "invariant 1: {name} still lists seq {} as {:?} after the drain",
                    a.seq, a.state
                ));
            }
            for cmd in &client.ledger {
                let Some((status, code, _)) = client.outcomes.get(&cmd.seq) else {
                    return Err(format!(
                        "invariant 1: {name}'s seq {} ({}) never reached the server",
                        cmd.seq, cmd.name
                    ));
                };
                if status == "rejected" && !client.dismissed.contains(&cmd.seq) {
                    let shown = actions.iter().find(|a| a.seq == cmd.seq);
                    let reason = shown.and_then(|a| a.reason.as_ref());
                    let code_shown = reason.map(|r| {
                        serde_json::to_value(r.code)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                    });
                    if reason.is_none_or(|r| r.message.is_empty())
                        || code_shown != Some(code.clone())
                    {
                        return Err(format!(
                            "invariant 1: {name}'s seq {} was rejected ({code:?}) but the device \
                             shows {shown:?}",
                            cmd.seq
                        ));
                    }
                }
            }
            // 6 and 7: exactly its scopes, each equal to the server's.
            let user = self.t.users[client.user];
            let allowed: BTreeSet<String> = self.authorized(user).await?.into_iter().collect();
            let held = self.local_scopes(c);
            if held != allowed {
                return Err(format!(
                    "invariant 7: {name} ({}) holds {held:?}; it may read {allowed:?}",
                    USERS[client.user]
                ));
            }
            let cursors = self.local_cursors(c);
            for scope in &allowed {
                let local = self.local_rows(c, scope);
                let cursor = cursors.get(scope).copied();
                let (version, server, sum) = match self.server_scope(scope) {
                    Some((version, sum, _)) => (version, self.server_rows(scope), Some(sum)),
                    None => (0, self.snapshot(scope).await?, None),
                };
                if cursor != Some(version) {
                    return Err(format!(
                        "invariant 6: {name}'s cursor for {scope} is {cursor:?}; the server is at {version}"
                    ));
                }
                if local != server {
                    return Err(self.differs(c, scope, version, &local, &server));
                }
                if let Some(sum) = sum
                    && checksum(&local) != sum
                {
                    return Err(format!(
                        "invariant 6: {name}'s rows of {scope} equal the server's rows but not \
                         its checksum"
                    ));
                }
            }
            // Nothing is waiting, so the view is the server's rows alone.
            let overlay: i64 = self.clients[c]
                .local
                .query_row("SELECT count(*) FROM overlay", [], |r| r.get(0))
                .expect("read the overlay");
            if overlay != 0 {
                return Err(format!(
                    "invariant 6: {name}'s outbox is drained but {overlay} optimistic row(s) remain"
                ));
            }
        }
        Ok(())
    }
}
