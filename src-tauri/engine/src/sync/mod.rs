//! The client half of the sync protocol (DESIGN.md, "Offline-first sync").
//!
//! Write path: [`Engine::enqueue`] checks a command, hands it the next `seq`,
//! writes it to the outbox and applies its optimistic effect — one SQLite
//! transaction — and answers at once. [`Engine::sync_once`] pushes the pending
//! entries in `seq` order, then pulls every scope until the server has no
//! more, each page applied in one transaction (rows, cursors, outcomes, prune,
//! rebase). [`Engine::run_sync_loop`] calls it on a timer with backoff, and
//! at once when a write pokes it.
//!
//! Modules:
//! - `plan`: the decisions, pure and table-tested (batches, what follows a
//!   push, how a scope page lands, rebase and prune rules).
//! - `schedule`: when to try again (backoff with seeded jitter).
//! - `outbox`: the queued commands (SQL).
//! - `mirror`: the server's rows per scope, cursors, and the optimistic overlay (SQL).
//! - `local`: each command's shape check and optimistic effect, one function per command.
//! - `events`: the live event stream; each poke wakes the sync loop.
//! - `attachments`: the resumable, content-addressed upload queue for photos;
//!   every push first uploads what is pending, so the commands that name a
//!   photo by hash reach the server after it.

mod attachments;
mod events;
mod local;
pub(crate) mod mirror;
pub(crate) mod outbox;
pub mod plan;
pub mod schedule;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use houqin_shared::ids::CommandId;
use houqin_shared::sync::{Outcome, PullResponse, PushRequest, SCHEMA_VERSION};
use houqin_shared::{ApiErrorBody, ErrorCode};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::instrument;

pub use attachments::{Attachment, Upload, UploadState};
pub use houqin_shared::sync::{ActionState, PendingAction, SyncStatus};
pub use mirror::RowFilter;
pub use schedule::SyncSchedule;

use crate::Engine;
use crate::client::PullQuery;
use crate::error::EngineError;
use crate::store::StoreError;
use plan::{AfterPush, Checksum, EntryState};
use schedule::{Attempt, Jitter};

/// At most this many pushes in one sync (500 commands each).
const MAX_PUSH_ROUNDS: u32 = 64;
/// At most this many pull pages in one sync; the next sync goes on from there.
const MAX_PULL_PAGES: u32 = 200;
/// Re-reads after a checksum mismatch in one sync, so a server whose checksum
/// never agrees cannot keep the client pulling forever.
const MAX_REREADS: u32 = 1;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Commands sent (a resent one counts again).
    pub pushed: u32,
    /// Commands newly answered, from push answers and pulls.
    pub accepted: u32,
    pub rejected: u32,
    pub pages: u32,
    pub changes: u32,
    /// Scopes whose checksum disagreed and were re-read.
    pub rereads: u32,
    /// Attachments whose upload finished.
    pub uploads: u32,
    /// Attachment bytes sent (a resent chunk counts again).
    pub upload_bytes: u64,
}

/// The engine's sync state in memory (what is durable lives in the store).
#[derive(Debug)]
pub(crate) struct SyncRuntime {
    /// Held for a whole sync: one at a time.
    running: tokio::sync::Mutex<()>,
    syncing: AtomicBool,
    /// The event stream is open.
    live: AtomicBool,
    health: Mutex<Health>,
    /// Wakes the sync loop (a local write, a sign-in).
    poke: tokio::sync::Notify,
    jitter: Mutex<Jitter>,
}

#[derive(Debug, Default)]
struct Health {
    online: bool,
    last_error: Option<ApiErrorBody>,
    failures: u32,
}

impl SyncRuntime {
    pub(crate) fn new(jitter_seed: u64) -> Self {
        Self {
            running: tokio::sync::Mutex::new(()),
            syncing: AtomicBool::new(false),
            live: AtomicBool::new(false),
            health: Mutex::new(Health::default()),
            poke: tokio::sync::Notify::new(),
            jitter: Mutex::new(Jitter::new(jitter_seed)),
        }
    }

    pub(crate) fn poke(&self) {
        self.poke.notify_one();
    }

    /// The last attempt to reach the server found it unreachable: a kiosk
    /// sells offline at once instead of waiting for a timeout.
    pub(crate) fn known_offline(&self) -> bool {
        let health = self.health();
        !health.online
            && health
                .last_error
                .as_ref()
                .is_some_and(|e| e.code == ErrorCode::Unavailable)
    }

    /// A request outside the sync loop found the server unreachable.
    pub(crate) fn mark_unreachable(&self, error: ApiErrorBody) {
        let mut health = self.health();
        health.online = false;
        health.last_error = Some(error);
        drop(health);
        // The sync loop's retries find out when it is back.
        self.poke();
    }

    /// A request outside the sync loop was answered.
    pub(crate) fn mark_reachable(&self) {
        let mut health = self.health();
        health.online = true;
        health.last_error = None;
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, result: &Result<SyncReport, ApiErrorBody>) {
        let mut health = self.health();
        let attempt = match result {
            Ok(_) => {
                health.online = true;
                health.last_error = None;
                Attempt::Synced
            }
            Err(error) => {
                health.online = error.code != ErrorCode::Unavailable;
                health.last_error = Some(error.clone());
                match error.code {
                    ErrorCode::Unauthenticated | ErrorCode::SessionExpired => Attempt::SignedOut,
                    _ => Attempt::Failed,
                }
            }
        };
        health.failures = schedule::failures_after(health.failures, attempt);
    }

    fn next_wait(&self, schedule: &SyncSchedule) -> std::time::Duration {
        let failures = self.health().failures;
        let jitter = self
            .jitter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next_unit();
        schedule::next_wait(schedule, failures, jitter)
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Push,
    Pull,
    Sync,
}

/// Clears `syncing` however the sync ends.
struct Syncing<'a>(&'a AtomicBool);

impl Drop for Syncing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Engine {
    /// Queues a command for the server and applies its optimistic effect, in
    /// one local transaction; answers at once, online or not. A known command
    /// with a bad payload is refused (`validation`) and nothing is written.
    /// The acting user is the one signed in now.
    #[instrument(skip_all, fields(name = %name))]
    pub fn enqueue(&self, name: &str, payload: Value) -> Result<CommandId, ApiErrorBody> {
        self.enqueue_inner(name, &payload)
            .map_err(|e| e.into_api("enqueue"))
    }

    fn enqueue_inner(&self, name: &str, payload: &Value) -> Result<CommandId, EngineError> {
        local::validate(name, payload)?;
        let command_id = CommandId::new();
        let created_at = self.clock.now();
        let seq = {
            let mut store = self.lock_store();
            let user_id = store.session()?.ok_or(EngineError::SignedOut)?.user.id;
            store.write(|tx| {
                let seq = outbox::append(
                    tx,
                    &outbox::NewEntry {
                        command_id,
                        user_id,
                        name,
                        payload,
                        schema_version: SCHEMA_VERSION,
                        created_at,
                    },
                )?;
                // The newest command goes on top of the view as it stands, which
                // is what a full rebase would compute.
                let queued = local::Queued {
                    user_id,
                    created_at,
                };
                local::apply(&mirror::View::new(tx), name, payload, queued)?;
                Ok(seq)
            })?
        };
        tracing::debug!(seq, %command_id, "command queued");
        self.sync.poke();
        Ok(command_id)
    }

    /// Pushes what is pending, then pulls until the server has nothing more.
    /// The outcome is also recorded for [`Engine::status`] and the retry timer.
    #[instrument(skip_all)]
    pub async fn sync_once(&self) -> Result<SyncReport, ApiErrorBody> {
        self.exclusively(Step::Sync).await
    }

    /// Only pushes (e.g. before signing out). Most callers want [`Engine::sync_once`].
    #[instrument(skip_all)]
    pub async fn push(&self) -> Result<SyncReport, ApiErrorBody> {
        self.exclusively(Step::Push).await
    }

    /// Only pulls, leaving the outbox unsent (a refresh of what the server has).
    /// Most callers want [`Engine::sync_once`].
    #[instrument(skip_all)]
    pub async fn pull(&self) -> Result<SyncReport, ApiErrorBody> {
        self.exclusively(Step::Pull).await
    }

    /// Runs one sync step alone (no other sync at the same time), keeps
    /// `syncing` up while it runs, and records how it ended.
    async fn exclusively(&self, step: Step) -> Result<SyncReport, ApiErrorBody> {
        let _one_at_a_time = self.sync.running.lock().await;
        self.sync.syncing.store(true, Ordering::SeqCst);
        let _syncing = Syncing(&self.sync.syncing);
        // Filled in as the sync goes; on failure, what was done stays done.
        let mut report = SyncReport::default();
        let outcome = match step {
            Step::Push => self.push_inner(&mut report).await,
            Step::Pull => self.pull_inner(&mut report).await,
            Step::Sync => self.sync_inner(&mut report).await,
        };
        let result = match outcome {
            Ok(()) => Ok(report),
            Err(error) => Err(error.into_api("sync")),
        };
        self.sync.record(&result);
        result
    }

    async fn sync_inner(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        self.push_inner(report).await?;
        self.pull_inner(report).await?;
        let now = self.clock.now();
        self.lock_store()
            .write(|tx| outbox::set_last_synced_at(tx, now))?;
        Ok(())
    }

    async fn push_inner(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        // Photos first: the commands that name them are checked against them.
        self.upload_inner(report).await?;
        let mut resume = None;
        for _ in 0..MAX_PUSH_ROUNDS {
            let (batch, entries, oldest) = {
                let store = self.lock_store();
                let queue = outbox::queue(store.conn())?;
                let Some(batch) = plan::push_batch(&queue, resume) else {
                    return Ok(());
                };
                let entries = outbox::range(store.conn(), &batch)?;
                (batch, entries, queue.first().map(|q| q.seq))
            };
            let request = PushRequest {
                client_id: self.client_id,
                commands: entries.iter().map(outbox::Entry::envelope).collect(),
            };
            tracing::debug!(first = batch.start(), last = batch.end(), "pushing");
            let request = &request;
            let response = self
                .with_token(|token| async move { self.client.push(&token, request).await })
                .await?;
            report.pushed += count(entries.len());
            let answered = self.lock_store().write(|tx| {
                let mut answered = Answered::default();
                for outcome in &response.outcomes {
                    answered.note(outbox::record(tx, outcome)?, &outcome.outcome);
                }
                outbox::note_last_applied(tx, response.last_applied_seq)?;
                // A rejection takes its optimistic effect away at once.
                if answered.rejected > 0 {
                    rebase(tx)?;
                }
                Ok(answered)
            })?;
            report.accepted += answered.accepted;
            report.rejected += answered.rejected;
            match plan::after_push(&batch, &response, oldest) {
                AfterPush::Next if answered.total() == 0 => {
                    // The server answered none of them; pushing the same batch
                    // again would loop. The next sync tries again.
                    tracing::warn!(
                        last_applied = response.last_applied_seq,
                        "push made no progress"
                    );
                    return Ok(());
                }
                AfterPush::Next => resume = None,
                AfterPush::ResendFrom(seq) if resume == Some(seq) => {
                    return Err(EngineError::OutOfStep { expected: seq });
                }
                AfterPush::ResendFrom(seq) => {
                    tracing::info!(seq, "the server is behind; resending");
                    resume = Some(seq);
                }
                AfterPush::Stuck { expected } => {
                    return Err(EngineError::OutOfStep { expected });
                }
            }
        }
        Ok(())
    }

    async fn pull_inner(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        let mut rereads = 0;
        for _ in 0..MAX_PULL_PAGES {
            let query = {
                let store = self.lock_store();
                PullQuery {
                    client_id: self.client_id.to_string(),
                    acked: outbox::acked(store.conn())?,
                    cursors: mirror::cursors(store.conn())?,
                }
            };
            let query = &query;
            let page = self
                .with_token(|token| async move { self.client.pull(&token, query).await })
                .await?;
            let device_now = self.clock.now();
            let applied = self.lock_store().write(|tx| {
                let applied = apply_page(tx, &page)?;
                crate::kiosk::note_server_time(tx, page.server_time, device_now, !page.more)?;
                Ok(applied)
            })?;
            report.pages += 1;
            report.changes += applied.changes;
            report.accepted += applied.answered.accepted;
            report.rejected += applied.answered.rejected;
            if page.more {
                continue;
            }
            if applied.mismatched > 0 && rereads < MAX_REREADS {
                rereads += 1;
                report.rereads += applied.mismatched;
                continue;
            }
            return Ok(());
        }
        tracing::info!(pages = MAX_PULL_PAGES, "pull continues at the next sync");
        Ok(())
    }

    /// Counts and freshness for the sync indicator.
    pub fn status(&self) -> Result<SyncStatus, ApiErrorBody> {
        let read = || -> Result<_, StoreError> {
            let store = self.lock_store();
            let (pending, rejected) = outbox::counts(store.conn())?;
            let uploads = attachments::pending_count(store.conn())?;
            Ok((
                pending,
                rejected,
                uploads,
                outbox::last_synced_at(store.conn())?,
            ))
        };
        let (pending, rejected, uploads_pending, last_synced_at) =
            read().map_err(|e| EngineError::from(e).into_api("status"))?;
        let health = self.sync.health();
        Ok(SyncStatus {
            online: health.online,
            syncing: self.sync.syncing.load(Ordering::SeqCst),
            live: self.sync.live.load(Ordering::SeqCst),
            pending,
            rejected,
            uploads_pending,
            last_error: health.last_error.clone(),
            last_synced_at,
        })
    }

    /// The outbox, newest first: waiting, done-but-not-yet-pulled, and refused
    /// commands with the server's reason.
    pub fn pending(&self) -> Result<Vec<PendingAction>, ApiErrorBody> {
        let entries = outbox::all(self.lock_store().conn())
            .map_err(|e| EngineError::from(e).into_api("pending"))?;
        Ok(entries
            .into_iter()
            .map(|e| PendingAction {
                seq: e.seq,
                command_id: e.command_id,
                name: e.name,
                created_at: e.created_at,
                state: match e.state {
                    EntryState::Pending => ActionState::Pending,
                    EntryState::Accepted => ActionState::Accepted,
                    EntryState::Rejected => ActionState::Rejected,
                },
                reason: e.rejection,
            })
            .collect())
    }

    /// Clears a rejected command the user has seen. Answers whether there was
    /// one; pending and accepted commands cannot be dismissed.
    pub fn dismiss_rejected(&self, seq: u64) -> Result<bool, ApiErrorBody> {
        self.lock_store()
            .write(|tx| outbox::dismiss(tx, seq))
            .map_err(|e| EngineError::from(e).into_api("dismiss_rejected"))
    }

    /// The rows the UI shows: the server's, with this device's unconfirmed
    /// commands applied on top. Ordered by entity, then id (UUIDv7: oldest first).
    pub fn rows(&self, filter: &RowFilter) -> Result<Vec<Value>, ApiErrorBody> {
        let rows = mirror::select(self.lock_store().conn(), filter)
            .map_err(|e| EngineError::from(e).into_api("rows"))?;
        Ok(rows.into_iter().map(|(_, _, data)| data).collect())
    }

    /// Syncs now, then every `schedule.interval`; after failures, with
    /// exponential backoff and jitter; and at once when a write, a sign-in or
    /// the server's event stream pokes it (unless it is backing off). Holds
    /// the event stream open alongside. Runs until its task is dropped.
    pub async fn run_sync_loop(self: Arc<Self>, schedule: SyncSchedule) {
        let listener = tokio::spawn(self.clone().listen_for_pokes(schedule));
        let _listener = AbortOnDrop(listener);
        let mut deadline = tokio::time::Instant::now();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.sync.poke.notified() => {
                    if !schedule::poke_runs_now(self.sync.health().failures) {
                        continue;
                    }
                }
            }
            // The outcome is recorded for `status` and the timer, and logged once.
            let _ = self.sync_once().await;
            deadline = tokio::time::Instant::now() + self.sync.next_wait(&schedule);
        }
    }
}

/// Stops a spawned task when its owner ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many answers a push or pull brought.
#[derive(Debug, Default, Clone, Copy)]
struct Answered {
    accepted: u32,
    rejected: u32,
}

impl Answered {
    fn note(&mut self, recorded: outbox::Recorded, outcome: &Outcome) {
        if recorded == outbox::Recorded::Answered {
            match outcome {
                Outcome::Accepted => self.accepted += 1,
                Outcome::Rejected { .. } => self.rejected += 1,
            }
        }
    }

    fn total(self) -> u32 {
        self.accepted + self.rejected
    }
}

#[derive(Debug, Default)]
struct PageApplied {
    changes: u32,
    mismatched: u32,
    answered: Answered,
}

/// One pull page, in the caller's transaction: dropped scopes, each scope's
/// changes and cursor (checksum checked), the outcomes, the prune (only once
/// the pull is complete, so an accepted command's effect is never missing
/// between pages) and the rebase.
fn apply_page(conn: &Connection, page: &PullResponse) -> Result<PageApplied, StoreError> {
    let mut applied = PageApplied::default();
    for scope in &page.dropped {
        mirror::drop_scope(conn, scope)?;
    }
    for scope in &page.scopes {
        applied.changes += count(scope.changes.len());
        if let Checksum::Differs { .. } = mirror::apply_scope(conn, scope)? {
            applied.mismatched += 1;
        }
    }
    for outcome in &page.outcomes {
        applied
            .answered
            .note(outbox::record(conn, outcome)?, &outcome.outcome);
    }
    outbox::note_last_applied(conn, page.last_applied_seq)?;
    if !page.more {
        outbox::prune(conn, page.last_applied_seq)?;
    }
    rebase(conn)?;
    Ok(applied)
}

/// Recomputes the optimistic view: the server's rows, then every command the
/// rows may not show yet re-applied in `seq` order. Rejected commands drop out.
fn rebase(conn: &Connection) -> Result<(), StoreError> {
    mirror::clear_overlay(conn)?;
    let view = mirror::View::new(conn);
    for entry in outbox::live(conn)? {
        let queued = local::Queued {
            user_id: entry.user_id,
            created_at: entry.created_at,
        };
        local::apply(&view, &entry.name, &entry.payload, queued)?;
    }
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::Utc;
    use houqin_shared::ids::UserId;
    use houqin_shared::sync::{Change, CommandOutcome, Outcome, ScopeChanges, row_hash, scope};
    use serde_json::json;
    use uuid::Uuid;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        user: UserId,
        scope: String,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let user = UserId::new();
        Fixture {
            _dir: dir,
            store,
            scope: scope::user(user.0),
            user,
        }
    }

    fn note(id: Uuid, read: bool) -> Value {
        json!({
            "id": id,
            "title": {"zh": "你好", "en": "Hello"},
            "read_at": if read { json!("2026-03-01T09:00:00Z") } else { Value::Null },
        })
    }

    fn change(id: Uuid, version: u64, data: Option<Value>) -> Change {
        Change {
            entity: local::NOTIFICATION.into(),
            id,
            version,
            data,
        }
    }

    fn hash(id: Uuid, data: &Value) -> u64 {
        row_hash(
            local::NOTIFICATION,
            id,
            &serde_json::to_string(data).unwrap(),
        )
    }

    fn page(scopes: Vec<ScopeChanges>) -> PullResponse {
        PullResponse {
            scopes,
            dropped: vec![],
            last_applied_seq: 0,
            outcomes: vec![],
            more: false,
            server_time: Utc::now(),
        }
    }

    impl Fixture {
        fn scope_page(&self, reset: bool, version: u64, changes: Vec<Change>) -> ScopeChanges {
            ScopeChanges {
                scope: self.scope.clone(),
                reset,
                changes,
                version,
                checksum: None,
            }
        }

        fn enqueue(&mut self, name: &str, payload: Value) -> (u64, CommandId) {
            let command_id = CommandId::new();
            let user_id = self.user;
            let seq = self
                .store
                .write(|tx| {
                    let seq = outbox::append(
                        tx,
                        &outbox::NewEntry {
                            command_id,
                            user_id,
                            name,
                            payload: &payload,
                            schema_version: SCHEMA_VERSION,
                            created_at: Utc::now(),
                        },
                    )?;
                    let queued = local::Queued {
                        user_id,
                        created_at: Utc::now(),
                    };
                    local::apply(&mirror::View::new(tx), name, &payload, queued)?;
                    Ok(seq)
                })
                .unwrap();
            (seq, command_id)
        }

        fn apply(&mut self, page: &PullResponse) -> PageApplied {
            self.store.write(|tx| apply_page(tx, page)).unwrap()
        }

        /// What the UI sees: (id, read?) per notification.
        fn view(&self) -> Vec<(Uuid, bool)> {
            let filter = RowFilter {
                scope: Some(self.scope.clone()),
                entity: Some(local::NOTIFICATION.into()),
            };
            mirror::select(self.store.conn(), &filter)
                .unwrap()
                .into_iter()
                .map(|(_, id, data)| (id, !data["read_at"].is_null()))
                .collect()
        }

        /// What the server sent: (id, read?) per notification.
        fn mirror(&self) -> Vec<(Uuid, bool)> {
            let mut stmt = self
                .store
                .conn()
                .prepare("SELECT id, data FROM synced_rows ORDER BY id")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .map(|r| {
                    let (id, data) = r.unwrap();
                    let data: Value = serde_json::from_str(&data).unwrap();
                    (Uuid::parse_str(&id).unwrap(), !data["read_at"].is_null())
                })
                .collect()
        }

        fn cursor(&self) -> Option<u64> {
            mirror::cursors(self.store.conn())
                .unwrap()
                .into_iter()
                .find(|c| c.scope == self.scope)
                .map(|c| c.version)
        }

        fn states(&self) -> Vec<(u64, EntryState)> {
            outbox::queue(self.store.conn())
                .unwrap()
                .into_iter()
                .map(|q| (q.seq, q.state))
                .collect()
        }
    }

    fn ids() -> (Uuid, Uuid) {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        (a, b)
    }

    #[test]
    fn a_reset_replaces_the_rows_and_keeps_the_outbox() {
        let mut f = fixture();
        let (a, b) = ids();
        let stale = Uuid::now_v7();
        let first = f.scope_page(true, 3, vec![change(stale, 3, Some(note(stale, false)))]);
        f.apply(&page(vec![first]));
        let (seq, _) = f.enqueue("notifications.mark_read", json!({"ids": [a]}));
        // The notification is not pulled yet: nothing to mark, but the command waits.
        assert_eq!(f.view(), vec![(stale, false)]);

        let mut snapshot = f.scope_page(
            true,
            9,
            vec![
                change(a, 8, Some(note(a, false))),
                change(b, 9, Some(note(b, false))),
            ],
        );
        snapshot.checksum = Some(hash(a, &note(a, false)).wrapping_add(hash(b, &note(b, false))));
        let applied = f.apply(&page(vec![snapshot]));
        assert_eq!(applied.mismatched, 0);
        assert_eq!(
            f.mirror(),
            vec![(a, false), (b, false)],
            "the stale row is gone"
        );
        assert_eq!(
            f.view(),
            vec![(a, true), (b, false)],
            "the pending command re-applied"
        );
        assert_eq!(f.states(), vec![(seq, EntryState::Pending)]);
        assert_eq!(f.cursor(), Some(9));
    }

    #[test]
    fn outcomes_prune_accepted_and_drop_rejected_effects() {
        let mut f = fixture();
        let (a, b) = ids();
        let rows = f.scope_page(
            true,
            2,
            vec![
                change(a, 1, Some(note(a, false))),
                change(b, 2, Some(note(b, false))),
            ],
        );
        f.apply(&page(vec![rows]));
        let (s1, c1) = f.enqueue("notifications.mark_read", json!({"ids": [a]}));
        let (s2, c2) = f.enqueue("notifications.mark_read", json!({"ids": [b]}));
        let (s3, _) = f.enqueue("notifications.mark_read", json!({"ids": []}));
        assert_eq!(f.view(), vec![(a, true), (b, true)]);

        // The server accepted 1 and rejected 2; 3 is not answered yet. The page
        // is not the last (`more`), so 1 stays until the pull completes.
        let mut answer = page(vec![f.scope_page(
            false,
            3,
            vec![change(a, 3, Some(note(a, true)))],
        )]);
        answer.last_applied_seq = 2;
        answer.more = true;
        answer.outcomes = vec![
            CommandOutcome {
                command_id: c1,
                seq: s1,
                outcome: Outcome::Accepted,
            },
            CommandOutcome {
                command_id: c2,
                seq: s2,
                outcome: Outcome::Rejected {
                    code: ErrorCode::Forbidden,
                    message: "not yours".into(),
                    field: None,
                },
            },
        ];
        let applied = f.apply(&answer);
        assert_eq!(
            (applied.answered.accepted, applied.answered.rejected),
            (1, 1)
        );
        assert_eq!(
            f.states(),
            vec![
                (s1, EntryState::Accepted),
                (s2, EntryState::Rejected),
                (s3, EntryState::Pending)
            ]
        );
        // 3 (mark all) still marks b optimistically, though 2 was rejected.
        assert_eq!(f.view(), vec![(a, true), (b, true)]);

        // The last page: 1 is pruned; 3 is still pending.
        let mut last = page(vec![f.scope_page(false, 3, vec![])]);
        last.last_applied_seq = 2;
        let applied = f.apply(&last);
        assert_eq!(applied.answered.total(), 0, "outcomes are recorded once");
        assert_eq!(
            f.states(),
            vec![(s2, EntryState::Rejected), (s3, EntryState::Pending)]
        );
        let rejected = &outbox::all(f.store.conn()).unwrap()[1];
        assert_eq!(
            rejected.rejection.as_ref().unwrap().code,
            ErrorCode::Forbidden
        );
        assert_eq!(rejected.rejection.as_ref().unwrap().message, "not yours");

        // 3 is rejected too: every optimistic effect is gone; the view is the server's.
        let mut reject3 = page(vec![]);
        reject3.last_applied_seq = 3;
        let c3 = outbox::all(f.store.conn()).unwrap()[0].command_id;
        reject3.outcomes = vec![CommandOutcome {
            command_id: c3,
            seq: s3,
            outcome: Outcome::Rejected {
                code: ErrorCode::Conflict,
                message: "no".into(),
                field: None,
            },
        }];
        f.apply(&reject3);
        assert_eq!(f.view(), vec![(a, true), (b, false)]);
        assert_eq!(f.view(), f.mirror());
        assert_eq!(outbox::counts(f.store.conn()).unwrap(), (0, 2));
        assert!(f.store.write(|tx| outbox::dismiss(tx, s2)).unwrap());
        assert!(!f.store.write(|tx| outbox::dismiss(tx, s2)).unwrap());
        assert_eq!(outbox::counts(f.store.conn()).unwrap(), (0, 1));
    }

    #[test]
    fn an_outcome_for_another_command_is_not_taken() {
        let mut f = fixture();
        let (seq, _) = f.enqueue("accounts.set_lang", json!({"lang": "en"}));
        let mut answer = page(vec![]);
        answer.last_applied_seq = seq;
        answer.outcomes = vec![CommandOutcome {
            command_id: CommandId::new(),
            seq,
            outcome: Outcome::Accepted,
        }];
        f.apply(&answer);
        assert_eq!(f.states(), vec![(seq, EntryState::Pending)]);
    }

    #[test]
    fn a_checksum_mismatch_asks_for_a_snapshot_and_cursors_never_go_back() {
        let mut f = fixture();
        let (a, b) = ids();
        f.apply(&page(vec![f.scope_page(
            true,
            5,
            vec![change(a, 5, Some(note(a, false)))],
        )]));
        // An older page (a replay) does not move the cursor back.
        f.apply(&page(vec![f.scope_page(false, 4, vec![])]));
        assert_eq!(f.cursor(), Some(5));

        let mut wrong = f.scope_page(false, 6, vec![change(b, 6, Some(note(b, false)))]);
        wrong.checksum = Some(12345);
        let applied = f.apply(&page(vec![wrong]));
        assert_eq!(applied.mismatched, 1);
        assert_eq!(f.cursor(), Some(0), "the next pull asks for a snapshot");
        assert_eq!(
            f.mirror().len(),
            2,
            "the rows stay until the snapshot comes"
        );

        let mut snapshot = f.scope_page(true, 6, vec![change(b, 6, Some(note(b, true)))]);
        snapshot.checksum = Some(hash(b, &note(b, true)));
        let applied = f.apply(&page(vec![snapshot]));
        assert_eq!(applied.mismatched, 0);
        assert_eq!(f.mirror(), vec![(b, true)]);
        assert_eq!(f.cursor(), Some(6));
        assert_eq!(
            mirror::checksum(f.store.conn(), &f.scope).unwrap(),
            hash(b, &note(b, true))
        );
    }

    #[test]
    fn deletes_and_dropped_scopes() {
        let mut f = fixture();
        let (a, b) = ids();
        f.apply(&page(vec![f.scope_page(
            true,
            2,
            vec![
                change(a, 1, Some(note(a, false))),
                change(b, 2, Some(note(b, false))),
            ],
        )]));
        f.apply(&page(vec![f.scope_page(
            false,
            3,
            vec![change(a, 3, None)],
        )]));
        assert_eq!(f.mirror(), vec![(b, false)]);
        assert_eq!(
            mirror::checksum(f.store.conn(), &f.scope).unwrap(),
            hash(b, &note(b, false))
        );

        let mut gone = page(vec![]);
        gone.dropped = vec![f.scope.clone()];
        f.apply(&gone);
        assert_eq!(f.mirror(), vec![]);
        assert_eq!(f.cursor(), None);
    }

    #[test]
    fn set_lang_changes_the_profile_optimistically() {
        let mut f = fixture();
        let profile = json!({"id": f.user, "username": "student", "lang": "zh-CN"});
        let rows = ScopeChanges {
            scope: f.scope.clone(),
            reset: true,
            changes: vec![Change {
                entity: local::PROFILE.into(),
                id: f.user.0,
                version: 1,
                data: Some(profile),
            }],
            version: 1,
            checksum: None,
        };
        f.apply(&page(vec![rows]));
        f.enqueue("accounts.set_lang", json!({"lang": "en"}));
        let filter = RowFilter {
            scope: None,
            entity: Some(local::PROFILE.into()),
        };
        let shown = mirror::select(f.store.conn(), &filter).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].2["lang"], "en");
        assert_eq!(shown[0].2["username"], "student", "other fields are kept");
        // Unknown commands queue with no effect.
        f.enqueue("repairs.open_ticket", json!({"room": "A-101"}));
        assert_eq!(mirror::select(f.store.conn(), &filter).unwrap(), shown);
        assert_eq!(outbox::counts(f.store.conn()).unwrap(), (2, 0));
    }

    #[test]
    fn a_card_reported_lost_offline_shows_frozen_at_once() {
        let mut f = fixture();
        let (active, replaced) = (Uuid::now_v7(), Uuid::now_v7());
        let card = |id: Uuid, status: &str| Change {
            entity: local::CARD.into(),
            id,
            version: 1,
            data: Some(json!({"id": id, "user_id": f.user, "uid": "04AABBCCDD", "status": status})),
        };
        let rows = ScopeChanges {
            scope: f.scope.clone(),
            reset: true,
            changes: vec![card(active, "active"), card(replaced, "replaced")],
            version: 1,
            checksum: None,
        };
        f.apply(&page(vec![rows]));
        f.enqueue("cards.report_lost", json!({"card_id": active}));
        f.enqueue("cards.report_lost", json!({"card_id": replaced}));
        let filter = RowFilter {
            scope: None,
            entity: Some(local::CARD.into()),
        };
        let shown: Vec<(Uuid, Value)> = mirror::select(f.store.conn(), &filter)
            .unwrap()
            .into_iter()
            .map(|(_, id, data)| (id, data["status"].clone()))
            .collect();
        let mut expected = vec![(active, json!("frozen")), (replaced, json!("replaced"))];
        expected.sort_by_key(|(id, _)| *id);
        assert_eq!(shown, expected);
    }

    #[test]
    fn seqs_are_gapless_and_never_reused() {
        let mut f = fixture();
        let (s1, c1) = f.enqueue("accounts.set_lang", json!({"lang": "en"}));
        let (s2, _) = f.enqueue("accounts.set_lang", json!({"lang": "zh-CN"}));
        assert_eq!((s1, s2), (1, 2));
        assert_eq!(outbox::acked(f.store.conn()).unwrap(), 0);
        let mut answer = page(vec![]);
        answer.last_applied_seq = 1;
        answer.outcomes = vec![CommandOutcome {
            command_id: c1,
            seq: s1,
            outcome: Outcome::Accepted,
        }];
        f.apply(&answer);
        assert_eq!(f.states(), vec![(2, EntryState::Pending)], "1 is pruned");
        assert_eq!(outbox::acked(f.store.conn()).unwrap(), 1);
        let (s3, _) = f.enqueue("accounts.set_lang", json!({"lang": "en"}));
        assert_eq!(s3, 3);
    }
}
