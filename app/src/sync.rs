//! What the signed-in app knows about reaching the server and the changes
//! that wait for it: the sync monitor behind the top bar's indicator and the
//! sync page, and the pure decisions it makes.
//!
//! The monitor asks [`api::sync_status`] every [`POLL_EVERY`] while the page
//! is visible, and at once when the api layer says something changed (an
//! action queued or dismissed, a call that failed or came back). In the
//! Tauri app that is the engine's status; in the browser it is only whether
//! the server can be reached, so there the monitor also listens to the
//! window's `online`/`offline` events and, while offline, asks the server now
//! and then whether it is back.

use std::time::Duration;

use houqin_shared::accounts::Lang;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, SyncStatus};
use crate::i18n::{Key, fill};
use crate::session::{LoginNotice, Session};

/// How often the status is read while the page is visible.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// In the browser, while offline, every this many polls the server is asked
/// whether it is back.
const PROBE_EVERY_POLLS: u32 = 5;

/// What the indicator shows: one state, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    /// Everything is saved on the server.
    Online,
    /// The server cannot be reached; `pending` changes wait on this device.
    Offline { pending: u32 },
    /// Waiting changes are being sent, or the first sync has not answered yet.
    Syncing,
    /// Changes wait for the server (which was reachable at the last try).
    Pending(u32),
    /// The server refused changes; the user should read why.
    Rejected(u32),
}

impl Indicator {
    /// The `data-state` attribute, and the CSS modifier.
    pub fn state(self) -> &'static str {
        match self {
            Indicator::Online => "online",
            Indicator::Offline { .. } => "offline",
            Indicator::Syncing => "syncing",
            Indicator::Pending(_) => "pending",
            Indicator::Rejected(_) => "rejected",
        }
    }

    /// The short text beside the icon.
    pub fn text(self, lang: Lang) -> String {
        match self {
            Indicator::Online => Key::SyncOnline.text(lang).to_owned(),
            Indicator::Offline { .. } => Key::SyncOffline.text(lang).to_owned(),
            Indicator::Syncing => Key::SyncSyncing.text(lang).to_owned(),
            Indicator::Pending(n) => fill(Key::SyncPending.text(lang), n),
            Indicator::Rejected(n) => fill(Key::SyncRejected.text(lang), n),
        }
    }

    /// The short text, then a sentence saying what it means, for the link's
    /// accessible name. `outbox` is whether changes can wait on this device
    /// (the Tauri app).
    pub fn label(self, lang: Lang, outbox: bool) -> String {
        let detail = match self {
            Indicator::Online => Key::SyncOnlineLabel.text(lang).to_owned(),
            Indicator::Offline { .. } if !outbox => Key::SyncOfflineWebLabel.text(lang).to_owned(),
            Indicator::Offline { pending: 0 } => Key::SyncOfflineLabel.text(lang).to_owned(),
            Indicator::Offline { pending } => {
                fill(Key::SyncOfflinePendingLabel.text(lang), pending)
            }
            Indicator::Syncing => Key::SyncSyncingLabel.text(lang).to_owned(),
            Indicator::Pending(_) => Key::SyncPendingLabel.text(lang).to_owned(),
            Indicator::Rejected(_) => Key::SyncRejectedLabel.text(lang).to_owned(),
        };
        format!("{}{}{detail}", self.text(lang), Key::LabelColon.text(lang))
    }
}

/// The indicator for a status. Refusals come first (they need the user);
/// then a sync that is sending waiting changes (a background refresh with
/// nothing to send is not worth a flicker); then offline; then waiting.
pub fn indicator(status: &SyncStatus) -> Indicator {
    // Photos waiting to go up wait like changes do.
    let waiting = status.pending.saturating_add(status.uploads_pending);
    if status.rejected > 0 {
        Indicator::Rejected(status.rejected)
    } else if status.syncing && waiting > 0 {
        Indicator::Syncing
    } else if !status.online {
        if status.last_error.is_none() {
            // No attempt has answered yet (the app just started).
            Indicator::Syncing
        } else {
            Indicator::Offline { pending: waiting }
        }
    } else if waiting > 0 {
        Indicator::Pending(waiting)
    } else {
        Indicator::Online
    }
}

/// Whether what the server has may now differ from what pages show: a sync
/// finished, the queue moved, or the server came back. Pages that show synced
/// data reload then.
pub fn data_may_have_changed(before: &SyncStatus, after: &SyncStatus) -> bool {
    before.last_synced_at != after.last_synced_at
        || before.pending != after.pending
        || before.rejected != after.rejected
        || before.uploads_pending != after.uploads_pending
        || (!before.online && after.online)
}

/// Whether the last sync newly failed because the session is over (revoked,
/// or its refresh token expired): then the app checks it is still signed in.
pub fn sync_ended_session(before: Option<&SyncStatus>, after: &SyncStatus) -> bool {
    let ends = |s: &SyncStatus| {
        s.last_error
            .as_ref()
            .is_some_and(|e| api::ApiError::Server(e.clone()).ends_session())
    };
    ends(after) && !before.is_some_and(|b| ends(b) && b.last_error == after.last_error)
}

/// The sync state shared by the top bar and the sync page, for as long as
/// someone is signed in.
#[derive(Debug, Clone, Copy)]
pub struct SyncMonitor {
    /// The latest status; `None` until it is first read.
    pub status: RwSignal<Option<SyncStatus>>,
    /// Goes up whenever synced data may have changed (see
    /// [`data_may_have_changed`]). Pages showing such data track it.
    pub revision: RwSignal<u64>,
    /// A read is in flight; `again` asks for one more after it.
    busy: StoredValue<bool>,
    again: StoredValue<bool>,
    polls: StoredValue<u32>,
    session: Session,
}

impl SyncMonitor {
    /// What the indicator shows now (reactive).
    pub fn indicator(self) -> Indicator {
        match self.status.get() {
            Some(status) => indicator(&status),
            None if api::has_outbox() => Indicator::Syncing,
            None => Indicator::Online,
        }
    }

    /// Reads the status now (after one in flight, if any).
    pub fn refresh(self) {
        if self.busy.try_get_value().unwrap_or(true) {
            self.again.try_set_value(true);
            return;
        }
        self.busy.try_set_value(true);
        spawn_local(async move {
            loop {
                self.again.try_set_value(false);
                match api::sync_status().await {
                    Ok(status) => self.take(status),
                    // Best effort: the next poll tries again.
                    Err(e) => {
                        self.session.check(&e);
                    }
                }
                if !self.again.try_get_value().unwrap_or(false) {
                    break;
                }
            }
            self.busy.try_set_value(false);
        });
    }

    fn take(self, status: SyncStatus) {
        let before = self.status.try_get_untracked().flatten();
        if before
            .as_ref()
            .is_some_and(|b| data_may_have_changed(b, &status))
        {
            self.revision.try_update(|r| *r += 1);
        }
        if sync_ended_session(before.as_ref(), &status) {
            let session = self.session;
            spawn_local(async move {
                // The engine forgets a session the server refused; only then
                // is the user sent to sign in again.
                if let Ok(None) = api::current_user().await {
                    session.end(Some(LoginNotice::Expired));
                }
            });
        }
        if before.as_ref() != Some(&status) {
            self.status.try_set(Some(status));
        }
    }

    /// One poll: skipped while the page is hidden; in the browser while
    /// offline, now and then asks the server whether it is back.
    fn poll(self) {
        if !page_visible() {
            return;
        }
        let polls = self.polls.try_get_value().unwrap_or(0).wrapping_add(1);
        self.polls.try_set_value(polls);
        let offline = self
            .status
            .try_get_untracked()
            .flatten()
            .is_some_and(|s| !s.online);
        if !api::has_outbox() && offline && polls.is_multiple_of(PROBE_EVERY_POLLS) {
            self.probe();
        } else {
            self.refresh();
        }
    }

    /// Asks the server whether it can be reached; the api layer then reports
    /// the change, which refreshes the status.
    fn probe(self) {
        spawn_local(async move {
            // The outcome is what the status now says.
            let _ = api::sync_now().await;
            self.refresh();
        });
    }
}

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Starts the monitor for the signed-in part of the app; it stops (timer,
/// listeners, watcher) when that part is torn down.
pub fn provide_sync_monitor(session: Session) -> SyncMonitor {
    let monitor = SyncMonitor {
        status: RwSignal::new(None),
        revision: RwSignal::new(0),
        busy: StoredValue::new(false),
        again: StoredValue::new(false),
        polls: StoredValue::new(0),
        session,
    };
    provide_context(monitor);
    monitor.refresh();

    api::watch_sync(Some(Box::new(move || monitor.refresh())));
    // In a browser, the server's pokes refresh the pages at once.
    let live_revision = RwSignal::new(0u64);
    provide_context(crate::live::LiveRevision(live_revision));
    let live = (!api::has_outbox()).then(|| crate::live::listen(live_revision));
    let timer = set_interval_with_handle(move || monitor.poll(), POLL_EVERY).ok();
    let listeners = [
        window_event_listener(ev::online, move |_| monitor.probe()),
        window_event_listener(ev::offline, move |_| monitor.refresh()),
        window_event_listener(ev::visibilitychange, move |_| {
            if page_visible() {
                monitor.refresh();
            }
        }),
    ];
    on_cleanup(move || {
        api::watch_sync(None);
        if let Some(stop) = live {
            stop();
        }
        if let Some(timer) = timer {
            timer.clear();
        }
        for listener in listeners {
            listener.remove();
        }
    });
    monitor
}

pub fn use_sync() -> SyncMonitor {
    expect_context::<SyncMonitor>()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use houqin_shared::{ApiErrorBody, ErrorCode};

    use super::*;

    fn status(online: bool, syncing: bool, pending: u32, rejected: u32) -> SyncStatus {
        SyncStatus {
            online,
            syncing,
            live: online,
            pending,
            rejected,
            uploads_pending: 0,
            last_error: (!online).then(|| error(ErrorCode::Unavailable)),
            last_synced_at: None,
        }
    }

    fn error(code: ErrorCode) -> ApiErrorBody {
        ApiErrorBody {
            code,
            message: "m".into(),
            field: None,
            request_id: None,
        }
    }

    #[test]
    fn status_to_indicator() {
        use Indicator::*;
        let cases = [
            // online, syncing, pending, rejected
            ((true, false, 0, 0), Online),
            ((true, true, 0, 0), Online),
            ((true, false, 3, 0), Pending(3)),
            ((true, true, 3, 0), Syncing),
            ((false, false, 0, 0), Offline { pending: 0 }),
            ((false, false, 2, 0), Offline { pending: 2 }),
            ((false, true, 0, 0), Offline { pending: 0 }),
            ((false, true, 2, 0), Syncing),
            ((true, false, 3, 1), Rejected(1)),
            ((false, false, 3, 2), Rejected(2)),
            ((true, true, 3, 1), Rejected(1)),
        ];
        for ((online, syncing, pending, rejected), want) in cases {
            let s = status(online, syncing, pending, rejected);
            assert_eq!(indicator(&s), want, "{s:?}");
        }
        // Before any attempt has answered, the engine says offline with no error.
        let starting = SyncStatus {
            last_error: None,
            ..status(false, false, 0, 0)
        };
        assert_eq!(indicator(&starting), Syncing);
        // A server that answers with an error is still reachable.
        let failing = SyncStatus {
            last_error: Some(error(ErrorCode::Internal)),
            ..status(true, false, 1, 0)
        };
        assert_eq!(indicator(&failing), Pending(1));
        // A photo waiting for upload counts as waiting.
        let photo = SyncStatus {
            uploads_pending: 2,
            ..status(true, false, 1, 0)
        };
        assert_eq!(indicator(&photo), Pending(3));
        let photo_offline = SyncStatus {
            uploads_pending: 1,
            ..status(false, false, 0, 0)
        };
        assert_eq!(indicator(&photo_offline), Offline { pending: 1 });
    }

    #[test]
    fn indicator_states_and_words() {
        let all = [
            Indicator::Online,
            Indicator::Offline { pending: 2 },
            Indicator::Syncing,
            Indicator::Pending(3),
            Indicator::Rejected(1),
        ];
        let states: Vec<_> = all.iter().map(|i| i.state()).collect();
        assert_eq!(
            states,
            ["online", "offline", "syncing", "pending", "rejected"]
        );
        assert_eq!(Indicator::Pending(3).text(Lang::ZhCn), "3 项待同步");
        assert_eq!(Indicator::Rejected(1).text(Lang::ZhCn), "1 项未通过");
        assert_eq!(Indicator::Online.text(Lang::ZhCn), "已同步");
        assert_eq!(Indicator::Offline { pending: 2 }.text(Lang::En), "Offline");
        for i in all {
            for lang in [Lang::ZhCn, Lang::En] {
                for outbox in [true, false] {
                    let label = i.label(lang, outbox);
                    assert!(!label.contains("{}"), "{i:?} {label}");
                    // The accessible name starts with the visible words.
                    assert!(label.starts_with(&i.text(lang)), "{i:?} {label}");
                }
            }
        }
        assert_eq!(
            Indicator::Rejected(1).label(Lang::ZhCn, true),
            "1 项未通过：服务器没有接受这些更改。点按查看原因。"
        );
        assert!(
            Indicator::Offline { pending: 2 }
                .label(Lang::En, true)
                .contains('2')
        );
        assert_eq!(
            Indicator::Offline { pending: 0 }.label(Lang::En, false),
            "Offline: the server cannot be reached, and the web app needs it to save changes. Open the details."
        );
    }

    #[test]
    fn when_pages_reload() {
        let base = status(true, false, 0, 0);
        assert!(!data_may_have_changed(&base, &base));
        assert!(!data_may_have_changed(
            &base,
            &SyncStatus {
                syncing: true,
                ..base.clone()
            }
        ));
        let synced = SyncStatus {
            last_synced_at: Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).single(),
            ..base.clone()
        };
        assert!(data_may_have_changed(&base, &synced));
        assert!(data_may_have_changed(&base, &status(true, false, 1, 0)));
        assert!(data_may_have_changed(&base, &status(true, false, 0, 1)));
        assert!(data_may_have_changed(&status(false, false, 0, 0), &base));
        assert!(!data_may_have_changed(&base, &status(false, false, 0, 0)));
    }

    #[test]
    fn a_refused_session_is_noticed_once() {
        let expired = SyncStatus {
            last_error: Some(error(ErrorCode::SessionExpired)),
            ..status(true, false, 1, 0)
        };
        let fine = status(true, false, 1, 0);
        assert!(sync_ended_session(None, &expired));
        assert!(sync_ended_session(Some(&fine), &expired));
        assert!(!sync_ended_session(Some(&expired), &expired));
        assert!(!sync_ended_session(Some(&fine), &fine));
        assert!(!sync_ended_session(None, &status(false, false, 0, 0)));
    }
}
