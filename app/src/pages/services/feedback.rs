//! Feedback on the dining page: rating what one picked up (each dish and
//! the window, once), how diners rate the canteen, complaints with their
//! status (a canteen's supervisors answer them here), and the canteen's
//! food-safety inspections with their photos (managers record them here).

use houqin_shared::dining::Order;
use houqin_shared::feedback::{
    Complain, Complaint, ComplaintStatus, Inspection, InspectionResult, MAX_INSPECTION_PHOTOS,
    Rate, RatingSummary, RecordInspection, Reply,
};
use houqin_shared::ids::{CanteenId, DishId};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::photo::{Photo, PhotoInput};
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, local_name, tx, use_i18n};
use crate::session::use_session;

fn stars(tenths: u32) -> String {
    format!("★ {}.{}", tenths / 10, tenths % 10)
}

/// Rates a picked-up order's dishes or its window.
#[component]
pub fn RateForm(
    order: Order,
    /// Orders rated on this page (kept above the list, which re-renders
    /// whenever the orders change).
    rated: RwSignal<Vec<houqin_shared::ids::OrderId>>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let target = RwSignal::new(None::<DishId>);
    let score = RwSignal::new(5u8);
    let comment = RwSignal::new(String::new());
    let lines = order.lines.clone();
    let order_id = order.id;
    let done = move || rated.with(|r| r.contains(&order_id));
    let send = move |_| {
        let req = Rate {
            order_id,
            dish_id: target.get_untracked(),
            stars: score.get_untracked(),
            comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
        };
        spawn_local(async move {
            match api::rate(req).await {
                Ok(()) => {
                    rated.try_update(|r| r.push(order_id));
                    session
                        .toaster
                        .show(Key::FeedbackThanks, ToastKind::Success);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    view! {
        <div class="rate-form" data-testid="rate-form">
            {move || done().then(|| view! { <p class="muted" data-testid="rate-thanks">{tx(Key::FeedbackThanks)}</p> })}
            <label class="field-inline">
                <span class="field-label">{tx(Key::FeedbackRateWhat)}</span>
                <select class="field-input" data-testid="rate-target"
                    on:change=move |ev| target.set(event_target_value(&ev).parse().ok().map(DishId))>
                    <option value="">{tx(Key::FeedbackTheWindow)}</option>
                    {lines.iter().map(|l| {
                        let name = l.name.clone();
                        view! { <option value=l.dish_id.to_string()>{move || local_name(&name, lang.get())}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field-inline">
                <span class="field-label">{tx(Key::FeedbackStars)}</span>
                <select class="field-input" data-testid="rate-stars"
                    on:change=move |ev| score.set(event_target_value(&ev).parse().unwrap_or(5))>
                    {[5u8, 4, 3, 2, 1].map(|n| view! { <option value=n.to_string()>{"★".repeat(n.into())}</option> }).collect_view()}
                </select>
            </label>
            <label class="field-inline">
                <span class="field-label">{tx(Key::FeedbackComment)}</span>
                <input class="field-input" data-testid="rate-comment" maxlength="300"
                    prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
            </label>
            <Button kind=ButtonKind::Secondary testid="rate-send" on:click=send>{tx(Key::FeedbackRate)}</Button>
        </div>
    }
}

/// How diners rate a canteen's dishes and windows.
#[component]
pub fn RatingsCard(#[prop(into)] canteen: Signal<Option<CanteenId>>) -> impl IntoView {
    let lang = use_i18n().lang;
    let list = RwSignal::new(Vec::<RatingSummary>::new());
    Effect::new(move |_| {
        let Some(c) = canteen.get() else { return };
        spawn_local(async move {
            if let Ok(mut l) = api::ratings(c).await {
                l.sort_by_key(|r| std::cmp::Reverse((r.average_tenths, r.count)));
                list.try_set(l);
            }
        });
    });
    view! {
        <Card testid="dining-ratings" labelled_by="dining-ratings-title">
            <h2 id="dining-ratings-title" class="card-title">{tx(Key::FeedbackRatings)}</h2>
            {move || list.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::FeedbackNoRatings)}</p> })}
            <ul class="list">
                {move || list.get().into_iter().take(10).map(|r| {
                    let name = r.name.clone();
                    view! {
                        <li class="list-row" data-testid="rating">
                            <div class="list-row-main">
                                <span class="list-row-title">{move || local_name(&name, lang.get())}</span>
                                {r.comments.first().cloned().map(|c| view! { <span class="list-row-sub">"“" {c} "”"</span> })}
                            </div>
                            <span class="num">{stars(r.average_tenths)} " (" {r.count} ")"</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

fn status_key(s: ComplaintStatus) -> Key {
    match s {
        ComplaintStatus::Open => Key::ComplaintOpen,
        ComplaintStatus::Acknowledged => Key::ComplaintAcknowledged,
        ComplaintStatus::Resolved => Key::ComplaintResolved,
    }
}

/// One's complaints with their status, a form for a new one; a canteen's
/// supervisors answer theirs here.
#[component]
pub fn ComplaintsCard(#[prop(into)] canteen: Signal<Option<CanteenId>>) -> impl IntoView {
    let session = use_session();
    let supervisor = move || {
        session.user.with(|u| {
            u.as_ref().is_some_and(|me| {
                me.roles
                    .contains(&houqin_shared::accounts::Role::Supervisor)
            })
        })
    };
    let list = RwSignal::new(Vec::<Complaint>::new());
    let text = RwSignal::new(String::new());
    let revision = RwSignal::new(0u32);
    Effect::new(move |_| {
        revision.track();
        spawn_local(async move {
            if let Ok(l) = api::complaints().await {
                list.try_set(l);
            }
        });
    });
    let send = move |_| {
        let Some(c) = canteen.get_untracked() else {
            return;
        };
        let req = Complain {
            id: uuid::Uuid::now_v7(),
            canteen_id: c,
            window_id: None,
            order_id: None,
            text: text.get_untracked(),
        };
        if req.validate().is_err() {
            session.toaster.show(Key::ComplaintEmpty, ToastKind::Error);
            return;
        }
        spawn_local(async move {
            match api::complain(req).await {
                Ok(_) => {
                    text.try_set(String::new());
                    session.toaster.show(Key::ComplaintSent, ToastKind::Success);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            revision.try_update(|n| *n += 1);
        });
    };
    let answer = move |id: uuid::Uuid, status: ComplaintStatus, reply: String| {
        spawn_local(async move {
            match api::reply_complaint(id, Reply { status, reply }).await {
                Ok(_) => {}
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
            revision.try_update(|n| *n += 1);
        });
    };
    view! {
        <Card testid="dining-complaints" labelled_by="dining-complaints-title">
            <h2 id="dining-complaints-title" class="card-title">{tx(Key::ComplaintTitle)}</h2>
            <label class="field" for="complaint-text">
                <span class="field-label">{tx(Key::ComplaintLabel)}</span>
                <textarea id="complaint-text" class="field-input" data-testid="complaint-text" maxlength="1000" rows="3"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <Button kind=ButtonKind::Secondary testid="complaint-send" on:click=send>{tx(Key::ComplaintSend)}</Button>
            <ul class="list">
                {move || list.get().into_iter().map(|c| {
                    let reply_text = RwSignal::new(String::new());
                    let id = c.id;
                    let open = c.status != ComplaintStatus::Resolved;
                    view! {
                        <li class="list-row order" data-testid="complaint" data-status=c.status.slug()>
                            <div class="list-row-main">
                                <span class="list-row-title">{c.text.clone()}</span>
                                <span class="list-row-sub">{tx(status_key(c.status))}</span>
                                {c.reply.clone().map(|r| view! { <span class="list-row-sub">{tx(Key::ComplaintReply)} ": " {r}</span> })}
                            </div>
                            {(supervisor() && open).then(|| view! {
                                <input class="field-input" data-testid="complaint-reply" aria-label=move || Key::ComplaintReply.text(use_i18n().lang.get())
                                    prop:value=move || reply_text.get() on:input=move |ev| reply_text.set(event_target_value(&ev)) />
                                <Button kind=ButtonKind::Secondary on:click=move |_| answer(id, ComplaintStatus::Acknowledged, reply_text.get_untracked())>
                                    {tx(Key::ComplaintAcknowledge)}
                                </Button>
                                <Button kind=ButtonKind::Primary testid="complaint-resolve" on:click=move |_| answer(id, ComplaintStatus::Resolved, reply_text.get_untracked())>
                                    {tx(Key::ComplaintResolve)}
                                </Button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

fn result_key(r: InspectionResult) -> Key {
    match r {
        InspectionResult::Pass => Key::InspectionPass,
        InspectionResult::Minor => Key::InspectionMinor,
        InspectionResult::Fail => Key::InspectionFail,
    }
}

const RESULTS: [InspectionResult; 3] = [
    InspectionResult::Pass,
    InspectionResult::Minor,
    InspectionResult::Fail,
];

/// A canteen's food-safety inspections with their photos (public on
/// campus); managers record new ones here.
#[component]
pub fn InspectionsCard(#[prop(into)] canteen: Signal<Option<CanteenId>>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let manager = move || session.is_manager();
    let list = RwSignal::new(Vec::<Inspection>::new());
    let revision = RwSignal::new(0u32);
    Effect::new(move |_| {
        revision.track();
        let Some(c) = canteen.get() else { return };
        spawn_local(async move {
            if let Ok(l) = api::inspections(c).await {
                list.try_set(l);
            }
        });
    });
    view! {
        <Card testid="dining-inspections" labelled_by="dining-inspections-title">
            <h2 id="dining-inspections-title" class="card-title">{tx(Key::InspectionTitle)}</h2>
            {move || list.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::InspectionNone)}</p> })}
            <ul class="list">
                {move || list.get().into_iter().map(|i| {
                    let date = i.date;
                    view! {
                        <li class="list-row order" data-testid="inspection" data-result=i.result.slug()>
                            <div class="list-row-main">
                                <span class="list-row-title">{i.date.to_string()} " · " {tx(result_key(i.result))}</span>
                                <span class="list-row-sub">{i.inspector.clone()}</span>
                                {(!i.notes.is_empty()).then(|| view! { <span class="list-row-sub">{i.notes.clone()}</span> })}
                            </div>
                            {(!i.photos.is_empty()).then(|| view! {
                                <ul class="photo-strip">
                                    {i.photos.iter().cloned().map(|hash| view! {
                                        <li><Photo hash=hash alt=Signal::derive(move || fill(Key::InspectionPhotoAlt.text(lang.get()), date)) /></li>
                                    }).collect_view()}
                                </ul>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || manager().then(|| view! { <InspectionForm canteen=canteen on_saved=move || revision.update(|n| *n += 1) /> })}
        </Card>
    }
}

/// Records an inspection: date, inspector, result, notes, up to six photos.
#[component]
fn InspectionForm(
    canteen: Signal<Option<CanteenId>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let today = houqin_shared::kiosk::campus_day(
        chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default(),
    );
    let date = RwSignal::new(today);
    let inspector = RwSignal::new(String::new());
    let result = RwSignal::new(InspectionResult::Pass);
    let notes = RwSignal::new(String::new());
    let photos = RwSignal::new(Vec::<String>::new());
    let save = move |_| {
        let Some(c) = canteen.get_untracked() else {
            return;
        };
        let req = RecordInspection {
            id: uuid::Uuid::now_v7(),
            canteen_id: c,
            date: date.get_untracked(),
            inspector: inspector.get_untracked().trim().to_owned(),
            result: result.get_untracked(),
            notes: notes.get_untracked().trim().to_owned(),
            photos: photos.get_untracked(),
        };
        if req.validate(today).is_err() {
            session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
            return;
        }
        spawn_local(async move {
            match api::record_inspection(req).await {
                Ok(_) => {
                    inspector.try_set(String::new());
                    notes.try_set(String::new());
                    photos.try_set(Vec::new());
                    session
                        .toaster
                        .show(Key::InspectionSaved, ToastKind::Success);
                    on_saved();
                }
                Err(e) if session.check(&e) => {}
                Err(e) if e.code() == Some(houqin_shared::ErrorCode::Validation) => {
                    session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
                }
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    view! {
        <h3 class="card-subtitle">{tx(Key::InspectionRecord)}</h3>
        <div class="form" data-testid="inspection-form">
            <div class="office-controls">
                <label class="field" for="inspection-date">
                    <span class="field-label">{tx(Key::InspectionDate)}</span>
                    <input id="inspection-date" type="date" class="field-input" data-testid="inspection-date"
                        max=today.to_string()
                        prop:value=move || date.get().to_string()
                        on:change=move |ev| {
                            if let Ok(d) = chrono::NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") {
                                date.set(d);
                            }
                        } />
                </label>
                <label class="field" for="inspection-result">
                    <span class="field-label">{tx(Key::InspectionResultLabel)}</span>
                    <select id="inspection-result" class="field-input" data-testid="inspection-result"
                        on:change=move |ev| {
                            if let Some(r) = RESULTS.into_iter().find(|r| r.slug() == event_target_value(&ev)) {
                                result.set(r);
                            }
                        }>
                        {RESULTS.into_iter().map(|r| view! {
                            <option value=r.slug() selected=move || result.get() == r>{tx(result_key(r))}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <label class="field" for="inspection-inspector">
                <span class="field-label">{tx(Key::InspectionInspector)}</span>
                <input id="inspection-inspector" class="field-input" data-testid="inspection-inspector" maxlength="64"
                    prop:value=move || inspector.get() on:input=move |ev| inspector.set(event_target_value(&ev)) />
            </label>
            <label class="field" for="inspection-notes">
                <span class="field-label">{tx(Key::InspectionNotes)}</span>
                <textarea id="inspection-notes" class="field-input" data-testid="inspection-notes" rows="3" maxlength="1000"
                    prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            <PhotoInput id="inspection-photos" label=Key::InspectionPhotos photos=photos max=MAX_INSPECTION_PHOTOS testid="inspection-photos" />
            <Button kind=ButtonKind::Primary testid="inspection-save" on:click=save>{tx(Key::InspectionRecord)}</Button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_read_with_a_decimal() {
        assert_eq!(stars(43), "★ 4.3");
        assert_eq!(stars(50), "★ 5.0");
    }
}
