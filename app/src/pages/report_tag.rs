//! The page a tag's QR code opens, `/report/{code}`: no sign-in. It says
//! what the asset is and whether it already has an open repair, and takes
//! a one-sentence report (how urgent, what is wrong). No name or account is
//! asked for; signing in adds photos and following the repair.

use houqin_shared::repairs::Urgency;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::form_field::TextArea;
use crate::components::lang_toggle::LangToggle;
use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, error_key, fill, local_name, tx, use_i18n};
use crate::routes::Route;

#[derive(Debug, Clone, PartialEq)]
enum Sent {
    Not,
    New(String),
    Joined(String),
    Failed(Key),
}

#[component]
pub fn ReportTagPage() -> impl IntoView {
    let lang = use_i18n().lang;
    let params = use_params_map();
    let code = Memo::new(move |_| {
        params
            .with(|p| p.get("code"))
            .unwrap_or_default()
            .trim()
            .to_uppercase()
    });
    let asset = RwSignal::new(None::<Result<serde_json::Value, Key>>);
    let urgency = RwSignal::new(Urgency::Normal);
    let text = RwSignal::new(String::new());
    let sent = RwSignal::new(Sent::Not);
    Effect::new(move |_| {
        let c = code.get();
        spawn_local(async move {
            let found = match api::public_asset(&c).await {
                Ok(v) => Ok(v),
                Err(e) if e.code() == Some(houqin_shared::ErrorCode::NotFound) => {
                    Err(Key::RepairUnknownTag)
                }
                Err(e) if e.code() == Some(houqin_shared::ErrorCode::Validation) => {
                    Err(Key::RepairBadTag)
                }
                Err(e) => Err(error_key(&e)),
            };
            asset.try_set(Some(found));
        });
    });
    let send = move |_| {
        let words = text.get_untracked().trim().to_owned();
        if words.is_empty() {
            sent.set(Sent::Failed(Key::RepairNeedText));
            return;
        }
        let c = code.get_untracked();
        let u = urgency.get_untracked();
        spawn_local(async move {
            let outcome = match api::public_report(&c, u, words).await {
                Ok((n, joined)) => {
                    text.try_set(String::new());
                    if joined {
                        Sent::Joined(n)
                    } else {
                        Sent::New(n)
                    }
                }
                Err(e) => Sent::Failed(error_key(&e)),
            };
            sent.try_set(outcome);
        });
    };
    view! {
        <main id=MAIN_ID class="page public-report" tabindex="-1" data-testid="report-tag">
            <div class="office-controls">
                <h1 class="page-title">{tx(Key::RepairReport)}</h1>
                <LangToggle />
            </div>
            {move || match asset.get() {
                None => view! { <p class="muted">{tx(Key::Loading)}</p> }.into_any(),
                Some(Err(k)) => view! { <p class="alert alert-error" data-testid="report-tag-error">{tx(k)}</p> }.into_any(),
                Some(Ok(a)) => {
                    let name = serde_json::from_value::<houqin_shared::text::LocalName>(a["name"].clone()).ok();
                    let building = serde_json::from_value::<houqin_shared::text::LocalName>(a["building_name"].clone()).ok();
                    let room = a["room"].as_str().unwrap_or_default().to_owned();
                    let open: Vec<String> = a["open"].as_array().map(|l| l.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()).unwrap_or_default();
                    let tag = a["code"].as_str().unwrap_or_default().to_owned();
                    view! {
                        <section class="card" aria-labelledby="report-tag-asset">
                            <h2 id="report-tag-asset" class="card-title" data-testid="report-tag-asset">
                                {move || name.as_ref().map(|n| local_name(n, lang.get())).unwrap_or_default()}
                            </h2>
                            <p class="muted">
                                {move || building.as_ref().map(|b| local_name(b, lang.get())).unwrap_or_default()} " " {room.clone()} " · " {tag.clone()}
                            </p>
                            {(!open.is_empty()).then(|| {
                                let numbers = open.join("、");
                                view! { <p class="alert" data-testid="report-tag-open">{move || fill(Key::RepairTagOpen.text(lang.get()), numbers.clone())}</p> }
                            })}
                        </section>
                        <section class="card" aria-labelledby="report-tag-form">
                            <h2 id="report-tag-form" class="card-title">{tx(Key::RepairWhat)}</h2>
                            <div class="form">
                                <label class="field" for="tag-urgency">
                                    <span class="field-label">{tx(Key::RepairUrgency)}</span>
                                    <select id="tag-urgency" class="field-input" data-testid="tag-urgency"
                                        on:change=move |ev| if let Some(u) = Urgency::parse(&event_target_value(&ev)) { urgency.set(u) }>
                                        {Urgency::ALL.iter().map(|u| view! {
                                            <option value=u.slug() selected=move || urgency.get() == *u>{tx(crate::pages::services::repairs::urgency_key(*u))}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                                <TextArea id="tag-text".to_owned() label=Key::RepairWhat value=text testid="tag-text" />
                                <Button kind=ButtonKind::Primary testid="tag-send" on:click=send>{tx(Key::RepairSend)}</Button>
                                <p class="muted">{tx(Key::RepairTagPrivacy)}</p>
                                <a class="btn btn-quiet" data-testid="tag-sign-in"
                                    href=format!("{}?tag={}", Route::Service(houqin_shared::services::Service::Repairs).path(), code.get_untracked())>
                                    {tx(Key::RepairTagSignIn)}
                                </a>
                            </div>
                        </section>
                    }
                    .into_any()
                }
            }}
            <div aria-live="polite">
                {move || match sent.get() {
                    Sent::Not => ().into_any(),
                    Sent::New(n) => view! { <p class="alert alert-success" data-testid="tag-sent" data-joined="false">{move || fill(Key::RepairTagSent.text(lang.get()), n.clone())}</p> }.into_any(),
                    Sent::Joined(n) => view! { <p class="alert alert-success" data-testid="tag-sent" data-joined="true">{move || fill(Key::RepairTagJoined.text(lang.get()), n.clone())}</p> }.into_any(),
                    Sent::Failed(k) => view! { <p class="alert alert-error" role="alert">{tx(k)}</p> }.into_any(),
                }}
            </div>
        </main>
    }
}
