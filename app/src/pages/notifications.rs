//! The notification centre: the user's notifications, newest first as the
//! server sends them, unread ones marked.

use houqin_shared::notifications::{MarkRead, Notification, NotificationList};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::badge::{Badge, Tone};
use crate::components::button::{Button, ButtonKind};
use crate::components::shell::{Loading, MAIN_ID};
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, format_datetime, local_name, service_key, tx, use_i18n};
use crate::routes::Route;
use crate::session::{Session, use_session};
use crate::sync::use_sync;

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready(NotificationList),
    Failed(Key),
}

fn reload(session: Session, state: RwSignal<Load>) {
    spawn_local(async move {
        match api::notifications().await {
            Ok(list) => {
                session.unread.set(Some(list.unread));
                state.try_set(Load::Ready(list));
            }
            Err(e) => {
                if !session.check(&e) {
                    let key = if e.is_unreachable() {
                        Key::ErrNetwork
                    } else {
                        Key::NotificationsLoadFailed
                    };
                    state.try_set(Load::Failed(key));
                }
            }
        }
    });
}

/// Marks `req` read, then shows the list as it now stands (in the app, at
/// once, with the change waiting to sync).
fn mark(session: Session, state: RwSignal<Load>, req: MarkRead, confirm: Option<Key>) {
    spawn_local(async move {
        match api::mark_read(req).await {
            Ok(()) => {
                if let Some(key) = confirm {
                    session.toaster.show(key, ToastKind::Success);
                }
                reload(session, state);
            }
            Err(e) => {
                if !session.check(&e) {
                    session.toaster.show(error_key(&e), ToastKind::Error);
                }
            }
        }
    });
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let session = use_session();
    let sync = use_sync();
    let state = RwSignal::new(Load::Loading);
    // Again after each sync: in the app, the list is this device's view.
    Effect::new(move |_| {
        sync.revision.track();
        reload(session, state);
    });

    let unread_ids = move || match &*state.read() {
        Load::Ready(list) => list
            .items
            .iter()
            .filter(|n| n.read_at.is_none())
            .map(|n| n.id)
            .collect(),
        Load::Loading | Load::Failed(_) => Vec::new(),
    };
    let mark_all = move |_| {
        let ids: Vec<_> = unread_ids();
        if !ids.is_empty() {
            mark(session, state, MarkRead { ids }, Some(Key::AllMarkedRead));
        }
    };

    view! {
        <main id=MAIN_ID class="page" tabindex="-1" data-testid="notifications">
            <div class="page-head">
                <h1 class="page-title">{tx(Key::NotificationsTitle)}</h1>
                <Button
                    kind=ButtonKind::Secondary
                    testid="notifications-mark-all-read"
                    disabled=Signal::derive(move || unread_ids().is_empty())
                    on:click=mark_all
                >
                    {tx(Key::MarkAllRead)}
                </Button>
            </div>
            {move || match state.get() {
                Load::Loading => view! { <Loading /> }.into_any(),
                Load::Failed(key) => {
                    view! {
                        <div class="card empty-state" aria-live="polite">
                            <p class="alert alert-error" data-testid="notifications-error">
                                {tx(key)}
                            </p>
                            <Button kind=ButtonKind::Secondary on:click=move |_| reload(session, state)>
                                {tx(Key::Retry)}
                            </Button>
                        </div>
                    }
                        .into_any()
                }
                Load::Ready(list) if list.items.is_empty() => {
                    view! {
                        <div class="card empty-state" data-testid="notifications-empty">
                            <p>{tx(Key::NoNotifications)}</p>
                        </div>
                    }
                        .into_any()
                }
                Load::Ready(list) => {
                    view! {
                        <ul class="list card" data-testid="notification-list">
                            {list
                                .items
                                .into_iter()
                                .map(|n| view! { <NotificationRow notification=n state=state /> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

#[component]
fn NotificationRow(notification: Notification, state: RwSignal<Load>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let unread = notification.read_at.is_none();
    let id = notification.id;
    let route = notification.link.as_deref().and_then(Route::from_link);
    let (title, body) = (notification.title, notification.body);
    let title = move || local_name(&title, lang.get());
    let body = move || local_name(&body, lang.get());
    let source = notification
        .service
        .map(service_key)
        .unwrap_or(Key::AccountNotice);
    let when = format_datetime(notification.created_at);
    let when_iso = notification.created_at.to_rfc3339();
    let open = move |_| {
        if unread {
            mark(session, state, MarkRead { ids: vec![id] }, None);
        }
    };
    view! {
        <li
            class="list-row notification"
            class:list-row-highlighted=unread
            data-testid="notification-item"
            data-read=if unread { "false" } else { "true" }
            data-id=id.to_string()
        >
            <div class="list-row-main">
                <p class="notification-meta">
                    <Badge tone=Tone::Neutral>{tx(source)}</Badge>
                    {unread.then(|| view! { <Badge tone=Tone::Attention testid="notification-unread">{tx(Key::Unread)}</Badge> })}
                    <time class="muted num" datetime=when_iso>
                        {when}
                    </time>
                </p>
                <h2 class="list-row-title">{title}</h2>
                <p class="list-row-sub">{body}</p>
            </div>
            <div class="list-row-actions">
                {route
                    .map(|route| {
                        view! {
                            <a class="btn btn-secondary" href=route.path() on:click=open>
                                {tx(Key::Open)}
                            </a>
                        }
                    })}
                {(unread && route.is_none())
                    .then(|| {
                        view! {
                            <Button kind=ButtonKind::Secondary testid="notification-mark-read" on:click=open>
                                {tx(Key::MarkRead)}
                            </Button>
                        }
                    })}
            </div>
        </li>
    }
}
