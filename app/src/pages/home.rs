//! The home of the user's current role: who they are, what is unread, and
//! the way into each of the role's services.

use houqin_shared::accounts::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::badge::{Badge, Tone};
use crate::components::card::LinkCard;
use crate::components::nav::{is_open, services_for};
use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, fill, role_key, service_about_key, service_key, tx, use_i18n};
use crate::routes::Route;
use crate::session::{Session, use_session};

/// Fetches the unread count into the session; `failed` reports a failure
/// that did not end the session.
pub fn load_unread(session: Session, failed: RwSignal<bool>) {
    spawn_local(async move {
        match api::notifications().await {
            Ok(list) => {
                session.unread.set(Some(list.unread));
                failed.try_set(false);
            }
            Err(e) => {
                if !session.check(&e) {
                    failed.try_set(true);
                }
            }
        }
    });
}

/// The role's home: a cashier's is the sale screen (the kiosk stands ready to
/// sell); everyone else's is [`HomePage`].
#[component]
pub fn RoleHome() -> impl IntoView {
    let session = use_session();
    let cashier = Memo::new(move |_| session.role.get() == Some(Role::Cashier));
    move || {
        if cashier.get() {
            view! { <crate::pages::cashier::CashierPage /> }.into_any()
        } else {
            view! { <HomePage /> }.into_any()
        }
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let unread_failed = RwSignal::new(false);
    load_unread(session, unread_failed);

    let role = Memo::new(move |_| session.role.get().unwrap_or(Role::Student));
    let display_name = move || {
        session
            .user
            .with(|u| u.as_ref().map(|me| me.display_name.clone()))
    };
    let roles = Memo::new(move |_| {
        session
            .user
            .with(|u| u.as_ref().map(|me| me.roles.clone()).unwrap_or_default())
    });

    let unread_text = move || {
        let lang = lang.get();
        if unread_failed.get() {
            return Key::UnreadUnknown.text(lang).to_owned();
        }
        match session.unread.get() {
            None => Key::Loading.text(lang).to_owned(),
            Some(0) => Key::UnreadNone.text(lang).to_owned(),
            Some(1) => Key::UnreadOne.text(lang).to_owned(),
            Some(n) => fill(Key::UnreadMany.text(lang), n),
        }
    };

    view! {
        <main
            id=MAIN_ID
            class="page home"
            tabindex="-1"
            data-testid="home"
            data-role=move || role.get().as_str()
        >
            <section class="card hero" aria-labelledby="home-title">
                <h1 id="home-title" class="hero-title" data-testid="home-title">
                    {tx(Key::Greeting)}
                    <span data-testid="user-display-name">{display_name}</span>
                </h1>
                <p class="hero-role">
                    <span class="muted">{tx(Key::CurrentRole)}</span>
                    " "
                    <Badge tone=Tone::Info testid="home-role">
                        {move || role_key(role.get()).text(lang.get())}
                    </Badge>
                </p>
                {move || {
                    let roles = roles.get();
                    (roles.len() > 1).then(|| view! { <RoleSwitcher roles=roles /> })
                }}
                <a
                    class="unread-link"
                    class:unread-link-active=move || session.unread.get().is_some_and(|n| n > 0)
                    href=Route::Notifications.path()
                    data-testid="notifications-link"
                >
                    {unread_text}
                </a>
            </section>
            <section class="home-services" aria-labelledby="home-services-title">
                <h2 id="home-services-title" class="section-title">
                    {tx(Key::YourServices)}
                </h2>
                <ul class="service-grid">
                    <For
                        each=move || services_for(role.get())
                        key=|service| service.slug()
                        children=move |service| {
                            view! {
                                <li>
                                    <LinkCard
                                        href=Route::Service(service).path()
                                        testid=format!("nav-service-{}", service.slug())
                                    >
                                        <span class="service-name">{tx(service_key(service))}</span>
                                        <span class="service-about">
                                            {tx(service_about_key(service))}
                                        </span>
                                        {(!is_open(service)).then(|| view! { <Badge>{tx(Key::NotYetOpen)}</Badge> })}
                                    </LinkCard>
                                </li>
                            }
                        }
                    />
                </ul>
            </section>
        </main>
    }
}

#[component]
fn RoleSwitcher(roles: Vec<Role>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    view! {
        <div class="field field-inline">
            <label class="field-label" for="role-switch">
                {tx(Key::SwitchRole)}
            </label>
            <select
                id="role-switch"
                class="field-input"
                data-testid="role-switcher"
                on:change=move |ev| {
                    if let Some(role) = Role::parse(&event_target_value(&ev)) {
                        session.switch_role(role);
                    }
                }
            >
                {roles
                    .into_iter()
                    .map(|r| {
                        view! {
                            <option value=r.as_str() selected=move || session.role.get() == Some(r)>
                                {move || role_key(r).text(lang.get())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
