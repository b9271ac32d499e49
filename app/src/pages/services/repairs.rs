//! Repairs (维修): report a fault (a building and room, or an asset's tag;
//! photos; how urgent), follow one's reports with their status and SLA
//! clock, accept or reopen a completed one; a technician's queue ordered by
//! the SLA clock, with each step, parts and completion — offline in the
//! app; supervisors and managers see every job of their zones and reassign
//! with a reason.

use chrono::{DateTime, Utc};
use houqin_shared::accounts::Role;
use houqin_shared::directory::Building;
use houqin_shared::ids::{BuildingId, UserId};
use houqin_shared::repairs::{
    AssetView, Category, Claim, Follow, Part, Reassign, Report, Review, SlaState, Status, Step,
    TakeStep, TechnicianProfile, Urgency, UsePart, Verdict, WorkOrder,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::{DateField, TextArea};
use crate::components::photo::{Photo, PhotoInput};
use crate::components::scanner::TagScanner;
use crate::components::shell::MAIN_ID;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, format_datetime, local_name, tx, use_i18n};
use crate::session::use_session;
use crate::sync::use_sync;

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

pub(crate) fn category_key(c: Category) -> Key {
    match c {
        Category::Plumbing => Key::RepairPlumbing,
        Category::Electrical => Key::RepairElectrical,
        Category::Carpentry => Key::RepairCarpentry,
        Category::Hvac => Key::RepairHvac,
        Category::Appliance => Key::RepairAppliance,
        Category::Network => Key::RepairNetwork,
        Category::Locks => Key::RepairLocks,
        Category::Other => Key::RepairOther,
    }
}

pub(crate) fn urgency_key(u: Urgency) -> Key {
    match u {
        Urgency::Low => Key::UrgencyLow,
        Urgency::Normal => Key::UrgencyNormal,
        Urgency::High => Key::UrgencyHigh,
        Urgency::Emergency => Key::UrgencyEmergency,
    }
}

fn status_key(s: Status) -> Key {
    match s {
        Status::Open => Key::JobOpen,
        Status::Assigned => Key::JobAssigned,
        Status::Accepted => Key::JobAccepted,
        Status::OnTheWay => Key::JobOnTheWay,
        Status::InProgress => Key::JobInProgress,
        Status::Paused => Key::JobPaused,
        Status::Completed => Key::JobCompleted,
        Status::Closed => Key::JobClosed,
    }
}

/// The SLA clock in words: time left, or how late; met or missed once done.
fn sla_text(
    w: &WorkOrder,
    at: DateTime<Utc>,
    lang: houqin_shared::accounts::Lang,
) -> (String, &'static str) {
    let state = w.sla(at);
    let slug = match state {
        SlaState::OnTrack => "on_track",
        SlaState::AtRisk => "at_risk",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::Missed => "missed",
    };
    let span = |d: chrono::Duration| {
        let m = d.num_minutes().abs();
        if m >= 48 * 60 {
            fill(Key::SlaDays.text(lang), m / (24 * 60))
        } else if m >= 60 {
            fill(Key::SlaHours.text(lang), m / 60)
        } else {
            fill(Key::SlaMinutes.text(lang), m.max(1))
        }
    };
    let text = match state {
        SlaState::OnTrack | SlaState::AtRisk => {
            fill(Key::SlaLeft.text(lang), span(w.resolve_by - at))
        }
        SlaState::Breached => fill(Key::SlaLate.text(lang), span(at - w.resolve_by)),
        SlaState::Met => Key::SlaMet.text(lang).to_owned(),
        SlaState::Missed => Key::SlaMissed.text(lang).to_owned(),
    };
    (text, slug)
}

/// A job's place in words.
fn place(w: &WorkOrder, lang: houqin_shared::accounts::Lang) -> String {
    let mut out = w
        .building_name
        .as_ref()
        .map(|b| local_name(b, lang))
        .unwrap_or_default();
    if let Some(r) = &w.room {
        out.push(' ');
        out.push_str(r);
    }
    if let Some(a) = &w.asset_code {
        out.push_str(" · ");
        out.push_str(a);
    }
    out
}

#[component]
pub fn RepairsPage() -> impl IntoView {
    let session = use_session();
    let sync = use_sync();
    let has = move |role: Role| {
        session
            .user
            .with(|u| u.as_ref().is_some_and(|me| me.roles.contains(&role)))
    };
    let revision = RwSignal::new(0u32);
    let bump = move || revision.update(|n| *n += 1);
    let mine = RwSignal::new(Vec::<WorkOrder>::new());
    let queue = RwSignal::new(Vec::<WorkOrder>::new());
    let all = RwSignal::new(Vec::<WorkOrder>::new());
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        revision.track();
        sync.revision.track();
        let tech = has(Role::Technician);
        let office = has(Role::Supervisor) || has(Role::Manager) || has(Role::Admin);
        spawn_local(async move {
            match api::repairs("mine").await {
                Ok((l, s)) => {
                    saved.try_set(s);
                    let me = session.user.get_untracked().map(|u| u.id);
                    // Reported by me, or followed (someone else's job on a
                    // tag I saw); technicians' own jobs show in the queue.
                    mine.try_set(
                        l.into_iter()
                            .filter(|w| {
                                w.reporter_id == me || me.is_some_and(|m| w.followers.contains(&m))
                            })
                            .collect(),
                    );
                }
                Err(e) if session.check(&e) => return,
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            if tech && let Ok((mut l, _)) = api::repairs("queue").await {
                let me = session.user.get_untracked().map(|u| u.id);
                // Mine to do and the pool; the most urgent SLA first, then by place.
                l.retain(|w| w.assignee_id == me || w.status == Status::Open);
                l.retain(|w| w.status != Status::Closed);
                l.sort_by_key(|w| (w.status.is_done(), w.resolve_by, w.building_id.map(|b| b.0)));
                queue.try_set(l);
            }
            if office && let Ok((l, _)) = api::repairs("all").await {
                all.try_set(l);
            }
        });
    });
    view! {
        <main id=MAIN_ID class="page" tabindex="-1" data-testid="repairs-page">
            <h1 class="page-title">{tx(Key::ServiceRepairs)}</h1>
            {move || saved.get().then(|| view! { <p class="alert" data-testid="repairs-saved">{tx(Key::RepairsSaved)}</p> })}
            {move || has(Role::Technician).then(|| view! { <QueueCard jobs=queue on_change=bump /> })}
            <ReportCard on_reported=bump />
            <MineCard jobs=mine on_change=bump />
            {move || (has(Role::Supervisor) || has(Role::Manager) || has(Role::Admin)).then(|| view! { <OfficeCard jobs=all on_change=bump /> })}
            {move || (has(Role::Manager) || has(Role::Admin)).then(|| view! {
                <RepairDashboardCard />
                <super::repair_office::TechniciansCard />
                <super::repair_office::SlaCard />
            })}
        </main>
    }
}

/// Reports a fault.
#[component]
fn ReportCard(on_reported: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let buildings = RwSignal::new(Vec::<Building>::new());
    let category = RwSignal::new(Category::Plumbing);
    let urgency = RwSignal::new(Urgency::Normal);
    let building = RwSignal::new(None::<BuildingId>);
    let room = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let photos = RwSignal::new(Vec::<String>::new());
    let open_on_tag = RwSignal::new(Vec::<WorkOrder>::new());
    let asset_seen = RwSignal::new(None::<AssetView>);
    spawn_local(async move {
        if let Ok(list) = api::buildings().await {
            building.try_set(list.first().map(|b| b.id));
            buildings.try_set(list);
        }
    });
    // A scanned (or typed) tag: jobs already open on it are offered first.
    let look_up = move || {
        let code = tag.get_untracked().trim().to_uppercase();
        if houqin_shared::repairs::check_asset_code(&code).is_err() {
            open_on_tag.set(Vec::new());
            asset_seen.set(None);
            return;
        }
        spawn_local(async move {
            match api::repair_asset(&code).await {
                // What it is prefills the report's kind; its history shows.
                Ok(a) => {
                    category.try_set(a.category);
                    open_on_tag.try_set(a.open.clone());
                    asset_seen.try_set(Some(a));
                }
                Err(e) if e.code() == Some(houqin_shared::ErrorCode::NotFound) => {
                    open_on_tag.try_set(Vec::new());
                    asset_seen.try_set(None);
                    asset_seen.try_set(None);
                    session
                        .toaster
                        .show(Key::RepairUnknownTag, ToastKind::Error);
                }
                // Offline: the report still goes, the server looks the tag up.
                Err(_) => {}
            }
        });
    };
    // Opened from a tag's page (`?tag=HQ-…`): the tag is filled in and looked up.
    let query = leptos_router::hooks::use_query_map();
    if let Some(t) = query.with_untracked(|q| q.get("tag")) {
        tag.set(t);
        look_up();
    }
    let me = move || session.user.with_untracked(|u| u.as_ref().map(|u| u.id));
    // Following the open job instead of reporting it again.
    let follow = move |id: Uuid| {
        spawn_local(async move {
            match api::repair_follow(Follow {
                work_order_id: id,
                follow: true,
            })
            .await
            {
                Ok(()) => {
                    text.try_set(String::new());
                    tag.try_set(String::new());
                    photos.try_set(Vec::new());
                    open_on_tag.try_set(Vec::new());
                    asset_seen.try_set(None);
                    session
                        .toaster
                        .show(Key::RepairFollowed, ToastKind::Success);
                    on_reported();
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    let send = move |_| {
        let code = tag.get_untracked().trim().to_uppercase();
        let room_text = room.get_untracked().trim().to_owned();
        let req = Report {
            id: Uuid::now_v7(),
            category: category.get_untracked(),
            urgency: urgency.get_untracked(),
            building_id: if code.is_empty() {
                building.get_untracked()
            } else {
                None
            },
            room: (!room_text.is_empty()).then_some(room_text),
            asset_code: (!code.is_empty()).then_some(code),
            description: text.get_untracked().trim().to_owned(),
            photos: photos.get_untracked(),
        };
        if let Err(e) = req.validate() {
            let key = match e.field.as_str() {
                "description" => Key::RepairNeedText,
                "asset_code" => Key::RepairBadTag,
                _ => Key::OfficeInvalid,
            };
            session.toaster.show(key, ToastKind::Error);
            return;
        }
        spawn_local(async move {
            match api::report_repair(req).await {
                Ok(()) => {
                    text.try_set(String::new());
                    room.try_set(String::new());
                    tag.try_set(String::new());
                    photos.try_set(Vec::new());
                    open_on_tag.try_set(Vec::new());
                    asset_seen.try_set(None);
                    session
                        .toaster
                        .show(Key::RepairReported, ToastKind::Success);
                    on_reported();
                }
                Err(e) if session.check(&e) => {}
                Err(e) if e.field() == Some("asset_code") => {
                    session
                        .toaster
                        .show(Key::RepairUnknownTag, ToastKind::Error);
                }
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    view! {
        <Card testid="repair-report" labelled_by="repair-report-title">
            <h2 id="repair-report-title" class="card-title">{tx(Key::RepairReport)}</h2>
            <div class="form">
                <div class="office-controls">
                    <label class="field" for="repair-category">
                        <span class="field-label">{tx(Key::RepairCategory)}</span>
                        <select id="repair-category" class="field-input" data-testid="repair-category"
                            on:change=move |ev| if let Some(c) = Category::parse(&event_target_value(&ev)) { category.set(c) }>
                            {Category::ALL.iter().map(|c| view! {
                                <option value=c.slug() selected=move || category.get() == *c>{tx(category_key(*c))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field" for="repair-urgency">
                        <span class="field-label">{tx(Key::RepairUrgency)}</span>
                        <select id="repair-urgency" class="field-input" data-testid="repair-urgency"
                            on:change=move |ev| if let Some(u) = Urgency::parse(&event_target_value(&ev)) { urgency.set(u) }>
                            {Urgency::ALL.iter().map(|u| view! {
                                <option value=u.slug() selected=move || urgency.get() == *u>{tx(urgency_key(*u))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <label class="field" for="repair-tag">
                    <span class="field-label">{tx(Key::RepairTag)}</span>
                    <span class="field-hint">{tx(Key::RepairTagHint)}</span>
                    <input id="repair-tag" class="field-input" data-testid="repair-tag" autocapitalize="characters"
                        prop:value=move || tag.get()
                        on:input=move |ev| tag.set(event_target_value(&ev))
                        on:change=move |_| look_up() />
                </label>
                <TagScanner on_tag=move |code| {
                    tag.set(code);
                    look_up();
                } />
                {move || asset_seen.get().map(|a| {
                    let done: Vec<WorkOrder> = a.history.iter().filter(|w| w.status.is_done()).cloned().collect();
                    let count = done.len();
                    view! {
                        <div class="asset-seen" data-testid="repair-asset" data-code=a.code.clone()>
                            <p class="list-row-title">{local_name(&a.name, lang.get())} " · " {a.code.clone()}</p>
                            <p class="list-row-sub">
                                {local_name(&a.building_name, lang.get())} " " {a.room.clone().unwrap_or_default()}
                                " · " {tx(category_key(a.category))}
                            </p>
                            {if done.is_empty() {
                                view! { <p class="muted">{tx(Key::RepairAssetNoHistory)}</p> }.into_any()
                            } else {
                                view! {
                                    <details data-testid="repair-asset-history">
                                        <summary>{move || fill(Key::RepairAssetHistory.text(lang.get()), count)}</summary>
                                        <ul class="list">
                                            {done.into_iter().map(|w| view! {
                                                <li class="list-row">
                                                    <span class="list-row-main">
                                                        <span class="list-row-title">{w.number.clone()} " · " {tx(status_key(w.status))}</span>
                                                        <span class="list-row-sub">{format_datetime(w.created_at)} " · " {w.description.clone()}</span>
                                                    </span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </details>
                                }.into_any()
                            }}
                        </div>
                    }
                })}
                {move || (!open_on_tag.with(Vec::is_empty)).then(|| view! {
                    <div class="alert" role="status" data-testid="repair-already-open">
                        <p>{move || fill(
                            Key::RepairAlreadyOpen.text(lang.get()),
                            open_on_tag.with(|l| l.iter().map(|w| w.number.clone()).collect::<Vec<_>>().join("、")),
                        )}</p>
                        <ul class="list">
                            {move || open_on_tag.get().into_iter().map(|job| {
                                let id = job.id;
                                let mine = me().is_some() && job.reporter_id == me();
                                let following = me().is_some_and(|m| job.followers.contains(&m));
                                view! {
                                    <li class="list-row order" data-testid="repair-open-job">
                                        <JobSummary job=job />
                                        {if mine {
                                            view! { <span class="badge">{tx(Key::RepairYourReport)}</span> }.into_any()
                                        } else if following {
                                            view! { <span class="badge">{tx(Key::RepairFollowing)}</span> }.into_any()
                                        } else {
                                            view! {
                                                <Button kind=ButtonKind::Primary testid="repair-follow" on:click=move |_| follow(id)>
                                                    {tx(Key::RepairFollow)}
                                                </Button>
                                            }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                })}
                {move || tag.with(|t| t.trim().is_empty()).then(|| view! {
                    <div class="office-controls">
                        <label class="field" for="repair-building">
                            <span class="field-label">{tx(Key::RepairBuilding)}</span>
                            <select id="repair-building" class="field-input" data-testid="repair-building"
                                on:change=move |ev| building.set(event_target_value(&ev).parse().ok().map(BuildingId))>
                                {move || buildings.get().into_iter().map(|b| {
                                    let id = b.id;
                                    view! { <option value=id.to_string() selected=move || building.get() == Some(id)>{local_name(&b.name, lang.get())}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field" for="repair-room">
                            <span class="field-label">{tx(Key::RepairRoom)}</span>
                            <input id="repair-room" class="field-input" data-testid="repair-room" maxlength="16"
                                prop:value=move || room.get() on:input=move |ev| room.set(event_target_value(&ev)) />
                        </label>
                    </div>
                })}
                <TextArea id="repair-text".to_owned() label=Key::RepairWhat value=text testid="repair-text" />
                <PhotoInput id="repair-photos" label=Key::RepairPhotos photos=photos max=houqin_shared::repairs::MAX_PHOTOS testid="repair-photos" queued=true />
                <Button kind=ButtonKind::Primary testid="repair-send" on:click=send>{tx(Key::RepairSend)}</Button>
            </div>
        </Card>
    }
}

/// One job in a list: number, what, where, status, SLA clock, photos.
#[component]
fn JobSummary(job: WorkOrder) -> impl IntoView {
    let lang = use_i18n().lang;
    let at = now();
    let w = job.clone();
    let (clock, sla) = sla_text(&w, at, lang.get_untracked());
    let pending = job.number.is_empty();
    view! {
        <div class="list-row-main">
            <span class="list-row-title">
                {if pending { tx(Key::DiningPending).into_any() } else { job.number.clone().into_any() }}
                " · " {tx(category_key(job.category))} " · " {tx(status_key(job.status))}
            </span>
            <span class="list-row-sub">{move || place(&w, lang.get())} " · " {tx(urgency_key(job.urgency))}</span>
            <span class="list-row-sub">{job.description.clone()}</span>
            <span class="list-row-sub" data-testid="repair-sla" data-sla=sla>{clock}</span>
            {job.assignee_name.clone().map(|n| view! { <span class="list-row-sub">{tx(Key::RepairTechnician)} ": " {n}</span> })}
            {job.pause_reason.clone().map(|r| view! { <span class="list-row-sub">{tx(Key::JobPaused)} ": " {r}</span> })}
            {(!job.parts.is_empty()).then(|| {
                let parts = job.parts.clone();
                view! {
                    <span class="list-row-sub" data-testid="repair-parts">
                        {tx(Key::RepairPart)} ": "
                        {move || parts.iter().map(|u| format!("{} × {}", local_name(&u.name, lang.get()), u.quantity)).collect::<Vec<_>>().join("、")}
                    </span>
                }
            })}
            {(!job.photos.is_empty() || !job.after_photos.is_empty()).then(|| view! {
                <ul class="photo-strip">
                    {job.photos.iter().chain(job.after_photos.iter()).cloned().enumerate().map(|(i, hash)| view! {
                        <li><Photo hash=hash alt=Signal::derive(move || fill(Key::PhotoNumber.text(lang.get()), i + 1)) /></li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// One's own reports; accept or reopen when done.
#[component]
fn MineCard(
    jobs: RwSignal<Vec<WorkOrder>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let review = move |id: Uuid, verdict: Verdict| {
        spawn_local(async move {
            match api::repair_review(Review {
                work_order_id: id,
                verdict,
            })
            .await
            {
                Ok(()) => session.toaster.show(Key::OfficeSaved, ToastKind::Success),
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            on_change();
        });
    };
    let unfollow = move |id: Uuid| {
        spawn_local(async move {
            match api::repair_follow(Follow {
                work_order_id: id,
                follow: false,
            })
            .await
            {
                Ok(()) => session.toaster.show(Key::OfficeSaved, ToastKind::Success),
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            on_change();
        });
    };
    view! {
        <Card testid="repair-mine" labelled_by="repair-mine-title">
            <h2 id="repair-mine-title" class="card-title">{tx(Key::RepairMine)}</h2>
            {move || jobs.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::RepairNone)}</p> })}
            <ul class="list">
                {move || jobs.get().into_iter().map(|job| {
                    let id = job.id;
                    let status = job.status;
                    let me = session.user.with_untracked(|u| u.as_ref().map(|u| u.id));
                    let following = job.reporter_id != me;
                    let done = status == Status::Completed && !following;
                    let reason = RwSignal::new(String::new());
                    let comment = RwSignal::new(String::new());
                    let stars = RwSignal::new(5u8);
                    view! {
                        <li class="list-row order" data-testid="repair-job" data-status=status.slug() data-id=id.to_string()
                            data-following=following.to_string()>
                            <JobSummary job=job />
                            {following.then(|| view! {
                                <div class="office-controls">
                                    <span class="badge">{tx(Key::RepairFollowing)}</span>
                                    <Button kind=ButtonKind::Secondary testid="repair-unfollow" on:click=move |_| unfollow(id)>
                                        {tx(Key::RepairUnfollow)}
                                    </Button>
                                </div>
                            })}
                            {done.then(|| view! {
                                <div class="office-controls">
                                    <label class="field" for=format!("stars-{id}")>
                                        <span class="field-label">{tx(Key::RepairStars)}</span>
                                        <select id=format!("stars-{id}") class="field-input"
                                            on:change=move |ev| stars.set(event_target_value(&ev).parse().unwrap_or(5))>
                                            {(1..=5u8).rev().map(|n| view! { <option value=n.to_string()>{"★".repeat(usize::from(n))}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label class="field" for=format!("comment-{id}")>
                                        <span class="field-label">{tx(Key::RepairComment)}</span>
                                        <input id=format!("comment-{id}") class="field-input" maxlength="1000" data-testid="repair-comment"
                                            prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
                                    </label>
                                    <Button kind=ButtonKind::Primary testid="repair-accept"
                                        on:click=move |_| review(id, Verdict::Accept { stars: stars.get_untracked(), comment: comment.get_untracked() })>
                                        {tx(Key::RepairAccept)}
                                    </Button>
                                    <label class="field" for=format!("reopen-{id}")>
                                        <span class="field-label">{tx(Key::RepairReopenWhy)}</span>
                                        <input id=format!("reopen-{id}") class="field-input" maxlength="200"
                                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                                    </label>
                                    <Button kind=ButtonKind::Secondary testid="repair-reopen"
                                        on:click=move |_| {
                                            let r = reason.get_untracked();
                                            if r.trim().is_empty() {
                                                session.toaster.show(Key::RepairNeedReason, ToastKind::Error);
                                            } else {
                                                review(id, Verdict::Reopen { reason: r });
                                            }
                                        }>
                                        {tx(Key::RepairReopen)}
                                    </Button>
                                </div>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

/// The technician's queue: jobs in hand by SLA urgency, and the pool.
#[component]
fn QueueCard(
    jobs: RwSignal<Vec<WorkOrder>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let parts = RwSignal::new(Vec::<Part>::new());
    spawn_local(async move {
        if let Ok(p) = api::repair_parts().await {
            parts.try_set(p);
        }
    });
    let done = move |r: Result<(), api::ApiError>| match r {
        Ok(()) => on_change(),
        Err(e) if session.check(&e) => {}
        Err(e) => {
            session.toaster.show(error_key(&e), ToastKind::Error);
            on_change();
        }
    };
    let take = move |id: Uuid, step: Step| {
        spawn_local(async move {
            done(
                api::repair_step(TakeStep {
                    work_order_id: id,
                    step,
                })
                .await,
            );
        });
    };
    view! {
        <Card testid="repair-queue" labelled_by="repair-queue-title">
            <h2 id="repair-queue-title" class="card-title">{tx(Key::RepairQueue)}</h2>
            {move || jobs.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::RepairQueueEmpty)}</p> })}
            <ul class="list">
                {move || jobs.get().into_iter().map(|job| {
                    let id = job.id;
                    let status = job.status;
                    let reason = RwSignal::new(String::new());
                    let notes = RwSignal::new(String::new());
                    let minutes = RwSignal::new(String::from("30"));
                    let after = RwSignal::new(Vec::<String>::new());
                    let part = RwSignal::new(None::<Uuid>);
                    let quantity = RwSignal::new(String::from("1"));
                    let step_button = move |step: Step, key: Key, testid: &'static str| {
                        step.allowed_from(status).then(|| view! {
                            <Button kind=ButtonKind::Secondary testid=testid on:click=move |_| take(id, step.clone())>{tx(key)}</Button>
                        })
                    };
                    let complete = move |_| {
                        let m: u32 = minutes.get_untracked().trim().parse().unwrap_or(0);
                        let step = Step::Complete { notes: notes.get_untracked(), minutes: m, after_photos: after.get_untracked() };
                        let req = TakeStep { work_order_id: id, step: step.clone() };
                        if req.validate().is_err() {
                            session.toaster.show(Key::RepairCompleteInvalid, ToastKind::Error);
                            return;
                        }
                        take(id, step);
                    };
                    let pause = move |_| {
                        let r = reason.get_untracked();
                        if r.trim().is_empty() {
                            session.toaster.show(Key::RepairNeedReason, ToastKind::Error);
                            return;
                        }
                        take(id, Step::Pause { reason: r });
                    };
                    let draw = move |_| {
                        let (Some(p), Ok(q)) = (part.get_untracked(), quantity.get_untracked().trim().parse::<u32>()) else {
                            session.toaster.show(Key::OfficeNumberInvalid, ToastKind::Error);
                            return;
                        };
                        let req = UsePart { id: Uuid::now_v7(), work_order_id: id, part_id: p, quantity: q };
                        if req.validate().is_err() {
                            session.toaster.show(Key::OfficeNumberInvalid, ToastKind::Error);
                            return;
                        }
                        spawn_local(async move { done(api::repair_use_part(req).await) });
                    };
                    let claim = move |_| {
                        spawn_local(async move { done(api::repair_claim(Claim { work_order_id: id }).await) });
                    };
                    let working = status.is_active();
                    view! {
                        <li class="list-row order" data-testid="queue-job" data-status=status.slug() data-id=id.to_string()>
                            <JobSummary job=job.clone() />
                            <div class="office-controls">
                                {(status == Status::Open).then(|| view! {
                                    <Button kind=ButtonKind::Primary testid="job-claim" on:click=claim>{tx(Key::RepairClaim)}</Button>
                                })}
                                {step_button(Step::Accept, Key::StepAccept, "job-accept")}
                                {step_button(Step::OnTheWay, Key::StepOnTheWay, "job-on-the-way")}
                                {step_button(Step::Start, Key::StepStart, "job-start")}
                                {step_button(Step::Resume, Key::StepResume, "job-resume")}
                            </div>
                            {(status == Status::InProgress).then(|| view! {
                                <div class="office-controls">
                                    <label class="field" for=format!("pause-{id}")>
                                        <span class="field-label">{tx(Key::RepairPauseWhy)}</span>
                                        <input id=format!("pause-{id}") class="field-input" data-testid="job-pause-reason" maxlength="200"
                                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                                    </label>
                                    <Button kind=ButtonKind::Secondary testid="job-pause" on:click=pause>{tx(Key::StepPause)}</Button>
                                </div>
                            })}
                            {working.then(|| view! {
                                <div class="office-controls">
                                    <label class="field" for=format!("part-{id}")>
                                        <span class="field-label">{tx(Key::RepairPart)}</span>
                                        <select id=format!("part-{id}") class="field-input" data-testid="job-part"
                                            on:change=move |ev| part.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                                            <option value="">"—"</option>
                                            {move || parts.get().into_iter().map(|p| view! {
                                                <option value=p.id.to_string()>{local_name(&p.name, lang.get())} " (" {p.stock} ")"</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label class="field" for=format!("qty-{id}")>
                                        <span class="field-label">{tx(Key::RepairQuantity)}</span>
                                        <input id=format!("qty-{id}") class="field-input" inputmode="numeric" data-testid="job-part-qty"
                                            prop:value=move || quantity.get() on:input=move |ev| quantity.set(event_target_value(&ev)) />
                                    </label>
                                    <Button kind=ButtonKind::Secondary testid="job-part-use" on:click=draw>{tx(Key::RepairUsePart)}</Button>
                                </div>
                                <div class="form">
                                    <TextArea id=format!("notes-{id}") label=Key::RepairDone value=notes testid="job-notes" rows=2 />
                                    <label class="field" for=format!("minutes-{id}")>
                                        <span class="field-label">{tx(Key::RepairMinutes)}</span>
                                        <input id=format!("minutes-{id}") class="field-input" inputmode="numeric" data-testid="job-minutes"
                                            prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev)) />
                                    </label>
                                    <PhotoInput id="job-after" label=Key::RepairAfterPhotos photos=after max=houqin_shared::repairs::MAX_PHOTOS queued=true testid="job-after-photos" />
                                    <Button kind=ButtonKind::Primary testid="job-complete" on:click=complete>{tx(Key::StepComplete)}</Button>
                                </div>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

/// Supervisors and managers: every job of their zones, reassigned with a reason.
#[component]
fn OfficeCard(
    jobs: RwSignal<Vec<WorkOrder>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let techs = RwSignal::new(Vec::<TechnicianProfile>::new());
    spawn_local(async move {
        if let Ok(t) = api::repair_technicians().await {
            techs.try_set(t);
        }
    });
    view! {
        <Card testid="repair-office" labelled_by="repair-office-title">
            <h2 id="repair-office-title" class="card-title">{tx(Key::RepairAll)}</h2>
            {move || jobs.with(|l| l.iter().all(|j| j.status.is_done())).then(|| view! { <p class="muted">{tx(Key::RepairQueueEmpty)}</p> })}
            <ul class="list">
                {move || jobs.get().into_iter().filter(|j| !j.status.is_done()).map(|job| {
                    let id = job.id;
                    let status = job.status;
                    let to = RwSignal::new(None::<UserId>);
                    let reason = RwSignal::new(String::new());
                    let send = move |_| {
                        let req = Reassign { work_order_id: id, to: to.get_untracked(), reason: reason.get_untracked() };
                        if req.validate().is_err() {
                            session.toaster.show(Key::RepairNeedReason, ToastKind::Error);
                            return;
                        }
                        spawn_local(async move {
                            match api::repair_reassign(req).await {
                                Ok(()) => session.toaster.show(Key::OfficeSaved, ToastKind::Success),
                                Err(e) if session.check(&e) => {}
                                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
                            }
                            on_change();
                        });
                    };
                    view! {
                        <li class="list-row order" data-testid="office-job" data-status=status.slug() data-id=id.to_string()>
                            <JobSummary job=job />
                            <div class="office-controls">
                                <label class="field" for=format!("to-{id}")>
                                    <span class="field-label">{tx(Key::RepairReassignTo)}</span>
                                    <select id=format!("to-{id}") class="field-input" data-testid="job-reassign-to"
                                        on:change=move |ev| to.set(event_target_value(&ev).parse().ok().map(UserId))>
                                        <option value="">{tx(Key::RepairToPool)}</option>
                                        {move || techs.get().into_iter().map(|t| view! {
                                            <option value=t.user_id.to_string()>{t.display_name.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                                <label class="field" for=format!("why-{id}")>
                                    <span class="field-label">{tx(Key::RepairReassignWhy)}</span>
                                    <input id=format!("why-{id}") class="field-input" data-testid="job-reassign-reason" maxlength="200"
                                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                                </label>
                                <Button kind=ButtonKind::Secondary testid="job-reassign" on:click=send>{tx(Key::RepairReassign)}</Button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

/// Managers: the figures for a range of days with charts, the month's
/// pay, and their exports.
#[component]
fn RepairDashboardCard() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let today = houqin_shared::kiosk::campus_day(now());
    let from = RwSignal::new(today - chrono::Duration::days(29));
    let to = RwSignal::new(today);
    let month = RwSignal::new(today.format("%Y-%m").to_string());
    let data = RwSignal::new(None::<houqin_shared::repairs::RepairDashboard>);
    let pay = RwSignal::new(Vec::<houqin_shared::repairs::PayLine>::new());
    Effect::new(move |_| {
        let (f, t) = (from.get(), to.get());
        spawn_local(async move {
            match api::repair_dashboard(f, t).await {
                Ok(d) => {
                    data.try_set(Some(d));
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    });
    Effect::new(move |_| {
        let m = month.get();
        spawn_local(async move {
            if let Ok(l) = api::repair_pay(&m).await {
                pay.try_set(l);
            }
        });
    });
    let export = move |what: &'static str, format: &'static str| {
        let (query, name) = if what == "pay" {
            let m = month.get_untracked();
            (format!("pay?month={m}"), format!("houqin-repair-pay-{m}"))
        } else {
            let (f, t) = (from.get_untracked(), to.get_untracked());
            (
                format!("dashboard/export?from={f}&to={t}"),
                format!("houqin-repairs-{f}-{t}"),
            )
        };
        spawn_local(async move {
            if let Err(e) = api::download_repairs(&query, format, &name).await
                && !session.check(&e)
            {
                session.toaster.show(error_key(&e), ToastKind::Error);
            }
        });
    };
    view! {
        <Card testid="repair-dashboard" labelled_by="repair-dashboard-title">
            <h2 id="repair-dashboard-title" class="card-title">{tx(Key::RepairDashTitle)}</h2>
            <div class="office-controls">
                <DateField id="repair-dash-from" label=Key::StatementFrom value=from />
                <DateField id="repair-dash-to" label=Key::StatementTo value=to />
                {api::can_download().then(|| view! {
                    <Button kind=ButtonKind::Secondary testid="repair-export-csv" on:click=move |_| export("dashboard", "csv")>{tx(Key::OfficeExportCsv)}</Button>
                    <Button kind=ButtonKind::Secondary testid="repair-export-xlsx" on:click=move |_| export("dashboard", "xlsx")>{tx(Key::OfficeExportXlsx)}</Button>
                })}
            </div>
            {move || data.get().map(|d| {
                let lang = lang.get();
                let t = &d.total;
                let mut parts = vec![
                    fill(Key::RepairDashSummary.text(lang), d.reported),
                    fill(Key::RepairDashBacklog.text(lang), t.backlog),
                    fill(Key::RepairDashCompleted.text(lang), t.completed),
                ];
                if let Some(m) = t.mttr_minutes { parts.push(fill(Key::RepairDashMttr.text(lang), m)); }
                if let Some(p) = t.sla_met_pct { parts.push(fill(Key::RepairDashSla.text(lang), p)); }
                if let Some(p) = t.reopened_pct { parts.push(fill(Key::RepairDashReopened.text(lang), p)); }
                let cats: Vec<(String, u32)> = d.by_category.iter().map(|b| (local_name(&b.name, lang), b.completed)).collect();
                let techs: Vec<(String, u32)> = d.by_technician.iter().take(12).map(|b| (local_name(&b.name, lang).chars().take(3).collect(), b.completed)).collect();
                view! {
                    <p data-testid="repair-dash-summary" data-completed=t.completed data-backlog=t.backlog>{parts.join(" · ")}</p>
                    <div class="charts">
                        <figure>
                            <figcaption>{tx(Key::RepairDashByCategory)}</figcaption>
                            {super::dining_dashboard::bars("repair-by-category", cats)}
                        </figure>
                        <figure>
                            <figcaption>{tx(Key::RepairDashByTechnician)}</figcaption>
                            {super::dining_dashboard::bars("repair-by-technician", techs)}
                        </figure>
                    </div>
                    <h3 class="card-subtitle">{tx(Key::RepairDashByBuilding)}</h3>
                    <ol class="list" data-testid="repair-by-building">
                        {d.by_building.iter().take(10).map(|b| {
                            let line = format!(
                                "{} · {} · {}",
                                fill(Key::RepairDashBacklog.text(lang), b.backlog),
                                fill(Key::RepairDashCompleted.text(lang), b.completed),
                                b.sla_met_pct.map(|p| fill(Key::RepairDashSla.text(lang), p)).unwrap_or_default(),
                            );
                            view! { <li class="list-row"><span class="list-row-title">{local_name(&b.name, lang)}</span><span class="muted">{line}</span></li> }
                        }).collect_view()}
                    </ol>
                }
            })}
            <h3 class="card-subtitle">{tx(Key::RepairPayTitle)}</h3>
            <div class="office-controls">
                <label class="field-inline" for="repair-pay-month">
                    <span class="field-label">{tx(Key::RepairPayMonth)}</span>
                    <input id="repair-pay-month" class="field-input" type="month" data-testid="repair-pay-month"
                        prop:value=move || month.get() on:change=move |ev| month.set(event_target_value(&ev)) />
                </label>
                {api::can_download().then(|| view! {
                    <Button kind=ButtonKind::Secondary testid="repair-pay-csv" on:click=move |_| export("pay", "csv")>{tx(Key::OfficeExportCsv)}</Button>
                    <Button kind=ButtonKind::Secondary testid="repair-pay-xlsx" on:click=move |_| export("pay", "xlsx")>{tx(Key::OfficeExportXlsx)}</Button>
                })}
            </div>
            <table class="data-table" data-testid="repair-pay">
                <thead><tr>
                    <th scope="col">{tx(Key::RepairTechnician)}</th>
                    <th scope="col">{tx(Key::RepairPayJobs)}</th>
                    <th scope="col">{tx(Key::RepairPayStars)}</th>
                    <th scope="col">{tx(Key::RepairPayPay)}</th>
                </tr></thead>
                <tbody>
                    {move || pay.get().into_iter().map(|l| view! {
                        <tr>
                            <th scope="row">{l.name.clone()}</th>
                            <td class="num">{l.completed}</td>
                            <td class="num">{l.rating_tenths.map(|r| format!("{}.{}", r / 10, r % 10)).unwrap_or_default()}</td>
                            <td class="num">{houqin_shared::Money(l.pay).to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_words() {
        let cats: std::collections::HashSet<Key> =
            Category::ALL.iter().map(|c| category_key(*c)).collect();
        assert_eq!(cats.len(), Category::ALL.len());
        let statuses: std::collections::HashSet<Key> =
            Status::ALL.iter().map(|s| status_key(*s)).collect();
        assert_eq!(statuses.len(), Status::ALL.len());
    }
}
