//! The sync page: whether the server can be reached, when this device last
//! synced, and each change that has not gone through — waiting, done, or
//! refused with the reason in words and a way to dismiss it. In the browser
//! it says plainly that the web app saves online at once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ActionState, PendingAction};
use crate::components::badge::{Badge, Tone};
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::shell::{Loading, MAIN_ID};
use crate::components::toast::ToastKind;
use crate::i18n::{Key, command_key, error_key, format_datetime, rejection_key, tx, use_i18n};
use crate::session::{Session, use_session};
use crate::sync::{SyncMonitor, use_sync};

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready(Vec<PendingAction>),
    Failed(Key),
}

fn reload(session: Session, state: RwSignal<Load>) {
    spawn_local(async move {
        match api::pending_actions().await {
            Ok(actions) => {
                state.try_set(Load::Ready(actions));
            }
            Err(e) => {
                if !session.check(&e) {
                    state.try_set(Load::Failed(Key::PendingLoadFailed));
                }
            }
        }
    });
}

/// How an action's state is shown: words and badge tone.
fn state_badge(state: ActionState) -> (Key, Tone) {
    match state {
        ActionState::Pending => (Key::ActionPending, Tone::Info),
        ActionState::Accepted => (Key::ActionAccepted, Tone::Neutral),
        ActionState::Rejected => (Key::ActionRejected, Tone::Attention),
        ActionState::Unknown => (Key::ActionUnknown, Tone::Neutral),
    }
}

#[component]
pub fn SyncPage() -> impl IntoView {
    let outbox = api::has_outbox();
    view! {
        <main
            id=MAIN_ID
            class="page page-narrow sync-page"
            tabindex="-1"
            data-testid="pending-actions"
            data-host=if outbox { "app" } else { "web" }
        >
            <h1 class="page-title">{tx(Key::PendingTitle)}</h1>
            {if outbox {
                view! { <Outbox /> }.into_any()
            } else {
                view! { <WebOnly /> }.into_any()
            }}
        </main>
    }
}

/// The connection (and, in the app, the last sync) as facts.
#[component]
fn Facts(outbox: bool) -> impl IntoView {
    let sync = use_sync();
    let lang = use_i18n().lang;
    let connection = move || {
        let key = match sync.status.get() {
            None => Key::ConnectionChecking,
            Some(s) if s.online => Key::ConnectionOnline,
            // No attempt has answered yet.
            Some(s) if s.last_error.is_none() => Key::ConnectionChecking,
            Some(_) => Key::ConnectionOffline,
        };
        key.text(lang.get())
    };
    let last_synced = move || {
        sync.status
            .get()
            .and_then(|s| s.last_synced_at)
            .map(format_datetime)
            .unwrap_or_else(|| Key::NeverSynced.text(lang.get()).to_owned())
    };
    view! {
        <dl class="facts">
            <div>
                <dt>{tx(Key::Connection)}</dt>
                <dd data-testid="sync-connection">{connection}</dd>
            </div>
            {outbox
                .then(|| {
                    view! {
                        <div>
                            <dt>{tx(Key::LastSynced)}</dt>
                            <dd class="num" data-testid="sync-last-synced">
                                {last_synced}
                            </dd>
                        </div>
                    }
                })}
        </dl>
    }
}

#[component]
fn WebOnly() -> impl IntoView {
    view! {
        <Card testid="pending-actions-web">
            <p>{tx(Key::PendingWebIntro)}</p>
            <Facts outbox=false />
        </Card>
    }
}

/// Syncs now; says how it went.
fn sync_now(session: Session, sync: SyncMonitor, busy: RwSignal<bool>, state: RwSignal<Load>) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    spawn_local(async move {
        let result = api::sync_now().await;
        busy.try_set(false);
        match result {
            Ok(()) => session.toaster.show(Key::SyncDone, ToastKind::Success),
            Err(e) => {
                if !session.check(&e) {
                    session.toaster.show(error_key(&e), ToastKind::Error);
                }
            }
        }
        sync.refresh();
        reload(session, state);
    });
}

#[component]
fn Outbox() -> impl IntoView {
    let session = use_session();
    let sync = use_sync();
    let state = RwSignal::new(Load::Loading);
    let busy = RwSignal::new(false);
    // Again whenever a sync or a new action may have changed the list.
    Effect::new(move |_| {
        sync.revision.track();
        reload(session, state);
    });

    view! {
        <Card testid="sync-summary">
            <p class="muted">{tx(Key::PendingIntro)}</p>
            <Facts outbox=true />
            <div class="card-actions">
                <Button
                    kind=ButtonKind::Primary
                    testid="sync-now"
                    disabled=busy
                    on:click=move |_| sync_now(session, sync, busy, state)
                >
                    {move || if busy.get() { tx(Key::SyncingNow)() } else { tx(Key::SyncNow)() }}
                </Button>
            </div>
        </Card>
        <h2 class="section-title">{tx(Key::PendingListTitle)}</h2>
        {move || match state.get() {
            Load::Loading => view! { <Loading /> }.into_any(),
            Load::Failed(key) => {
                view! {
                    <div class="card empty-state" aria-live="polite">
                        <p class="alert alert-error" data-testid="pending-actions-error">
                            {tx(key)}
                        </p>
                        <Button kind=ButtonKind::Secondary on:click=move |_| reload(session, state)>
                            {tx(Key::Retry)}
                        </Button>
                    </div>
                }
                    .into_any()
            }
            Load::Ready(actions) if actions.is_empty() => {
                view! {
                    <div class="card empty-state" data-testid="pending-actions-empty">
                        <p>{tx(Key::PendingEmpty)}</p>
                    </div>
                }
                    .into_any()
            }
            Load::Ready(actions) => {
                view! {
                    <ul class="list card" data-testid="pending-action-list">
                        {actions
                            .into_iter()
                            .map(|action| view! { <ActionRow action=action state=state /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn ActionRow(action: PendingAction, state: RwSignal<Load>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let seq = action.seq;
    let name = action.name.clone();
    let known = command_key(&name);
    let title = move || match known {
        Some(key) => key.text(lang.get()).to_owned(),
        None => name.clone(),
    };
    let (state_key, tone) = state_badge(action.state);
    let when = format_datetime(action.created_at);
    let when_iso = action.created_at.to_rfc3339();
    let rejected = action.state == ActionState::Rejected;
    let reason = rejected.then(|| action.reason.clone()).flatten();
    let busy = RwSignal::new(false);
    let dismiss = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::dismiss_rejected(seq).await;
            busy.try_set(false);
            match result {
                Ok(_) => reload(session, state),
                Err(e) => {
                    if !session.check(&e) {
                        session.toaster.show(error_key(&e), ToastKind::Error);
                    }
                }
            }
        });
    };
    view! {
        <li
            class="list-row pending-action"
            class:list-row-alert=rejected
            data-testid="pending-action"
            data-state=action.state.as_str()
            data-seq=seq.to_string()
            data-name=action.name.clone()
        >
            <div class="list-row-main">
                <p class="notification-meta">
                    <Badge tone=tone testid="pending-action-state">
                        {tx(state_key)}
                    </Badge>
                    <span class="muted">
                        {tx(Key::MadeAt)} " "
                        <time class="num" datetime=when_iso>
                            {when}
                        </time>
                    </span>
                </p>
                <h2 class="list-row-title">{title}</h2>
                {reason
                    .map(|reason| {
                        let field = reason.field.clone();
                        view! {
                            <p
                                class="pending-action-reason"
                                data-testid="pending-action-reason"
                                data-code=api::code_name(reason.code)
                            >
                                {tx(rejection_key(reason.code))}
                                {field
                                    .map(|field| {
                                        view! {
                                            " "
                                            <span class="pending-action-field">
                                                {tx(Key::RejectField)}
                                                <code>{field}</code>
                                            </span>
                                        }
                                    })}
                            </p>
                        }
                    })}
            </div>
            {rejected
                .then(|| {
                    view! {
                        <div class="list-row-actions">
                            <button
                                type="button"
                                class="btn btn-secondary"
                                data-testid="pending-action-dismiss"
                                aria-label=tx(Key::DismissLabel)
                                disabled=move || busy.get()
                                on:click=dismiss
                            >
                                {tx(Key::Dismiss)}
                            </button>
                        </div>
                    }
                })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_actions_stand_out() {
        assert_eq!(state_badge(ActionState::Rejected).1, Tone::Attention);
        assert_eq!(state_badge(ActionState::Pending).0, Key::ActionPending);
        assert_eq!(state_badge(ActionState::Accepted).0, Key::ActionAccepted);
        assert_eq!(state_badge(ActionState::Unknown).0, Key::ActionUnknown);
    }
}
