//! The repairs office (managers, on the repairs page): what dispatch knows
//! about each technician — skills, zones, shift days and hours, active —
//! and the campus's SLA targets per kind of fault and urgency.

use houqin_shared::directory::Zone;
use houqin_shared::repairs::{Category, SlaTarget, TechnicianProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::repairs::{category_key, urgency_key};
use crate::api;
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, local_name, tx, use_i18n};
use crate::session::use_session;

const DAYS: [Key; 7] = [
    Key::DayMon,
    Key::DayTue,
    Key::DayWed,
    Key::DayThu,
    Key::DayFri,
    Key::DaySat,
    Key::DaySun,
];

/// `08:30` ⇄ minutes after midnight.
fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn minutes_of(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// Each technician's dispatch profile, edited in place.
#[component]
pub fn TechniciansCard() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let techs = RwSignal::new(Vec::<TechnicianProfile>::new());
    let zones = RwSignal::new(Vec::<Zone>::new());
    spawn_local(async move {
        if let Ok(t) = api::repair_technicians().await {
            techs.try_set(t);
        }
        if let Ok(z) = api::zones().await {
            zones.try_set(z);
        }
    });
    view! {
        <Card testid="repair-technicians" labelled_by="repair-technicians-title">
            <h2 id="repair-technicians-title" class="card-title">{tx(Key::RepairTechnicians)}</h2>
            <ul class="list">
                {move || techs.get().into_iter().map(|t| {
                    let id = t.user_id;
                    let profile = RwSignal::new(t.clone());
                    let start = RwSignal::new(hhmm(t.shift_start));
                    let end = RwSignal::new(hhmm(t.shift_end));
                    let save = move |_| {
                        let mut p = profile.get_untracked();
                        let (Some(s), Some(e)) = (minutes_of(&start.get_untracked()), minutes_of(&end.get_untracked())) else {
                            session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
                            return;
                        };
                        p.shift_start = s;
                        p.shift_end = e;
                        if p.validate().is_err() {
                            session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
                            return;
                        }
                        spawn_local(async move {
                            match api::set_technician(p).await {
                                Ok(saved) => {
                                    profile.try_set(saved);
                                    session.toaster.show(Key::OfficeSaved, ToastKind::Success);
                                }
                                Err(e) if session.check(&e) => {}
                                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
                            }
                        });
                    };
                    view! {
                        <li class="list-row order" data-testid="technician" data-id=id.to_string()>
                            <div class="list-row-main">
                                <span class="list-row-title">{t.display_name.clone()}</span>
                                <fieldset class="checks">
                                    <legend>{tx(Key::RepairSkills)}</legend>
                                    {Category::ALL.iter().map(|c| {
                                        let c = *c;
                                        view! {
                                            <label>
                                                <input type="checkbox" prop:checked=move || profile.with(|p| p.skills.contains(&c))
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        profile.update(|p| {
                                                            p.skills.retain(|x| *x != c);
                                                            if on { p.skills.push(c); }
                                                        });
                                                    } />
                                                <span>{tx(category_key(c))}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <fieldset class="checks">
                                    <legend>{tx(Key::RepairZones)}</legend>
                                    {move || zones.get().into_iter().map(|z| {
                                        let zid = z.id.0;
                                        view! {
                                            <label>
                                                <input type="checkbox" prop:checked=move || profile.with(|p| p.zones.contains(&zid))
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        profile.update(|p| {
                                                            p.zones.retain(|x| *x != zid);
                                                            if on { p.zones.push(zid); }
                                                        });
                                                    } />
                                                <span>{local_name(&z.name, lang.get())}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <fieldset class="checks">
                                    <legend>{tx(Key::RepairShiftDays)}</legend>
                                    {DAYS.iter().enumerate().map(|(i, k)| {
                                        let bit = 1u8 << i;
                                        view! {
                                            <label>
                                                <input type="checkbox" prop:checked=move || profile.with(|p| p.shift_days & bit != 0)
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        profile.update(|p| if on { p.shift_days |= bit } else { p.shift_days &= !bit });
                                                    } />
                                                <span>{tx(*k)}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <div class="office-controls">
                                    <label class="field-inline">
                                        <span class="field-label">{tx(Key::RepairShiftFrom)}</span>
                                        <input class="field-input" type="time" prop:value=move || start.get()
                                            on:change=move |ev| start.set(event_target_value(&ev)) />
                                    </label>
                                    <label class="field-inline">
                                        <span class="field-label">{tx(Key::RepairShiftTo)}</span>
                                        <input class="field-input" type="time" prop:value=move || end.get()
                                            on:change=move |ev| end.set(event_target_value(&ev)) />
                                    </label>
                                    <label class="field-inline">
                                        <input type="checkbox" prop:checked=move || profile.with(|p| p.active)
                                            on:change=move |ev| { let on = event_target_checked(&ev); profile.update(|p| p.active = on); } />
                                        <span>{tx(Key::RepairActive)}</span>
                                    </label>
                                    <Button kind=ButtonKind::Secondary testid="technician-save" on:click=save>{tx(Key::OfficeSave)}</Button>
                                </div>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
}

/// The campus's SLA targets: hours to respond and to resolve, per kind
/// and urgency.
#[component]
pub fn SlaCard() -> impl IntoView {
    let session = use_session();
    let targets = RwSignal::new(Vec::<(SlaTarget, RwSignal<String>, RwSignal<String>)>::new());
    let hours = |m: u32| {
        let h = f64::from(m) / 60.0;
        if m.is_multiple_of(60) {
            format!("{}", m / 60)
        } else {
            format!("{h:.2}")
        }
    };
    spawn_local(async move {
        if let Ok(list) = api::sla_targets().await {
            targets.try_set(
                list.into_iter()
                    .map(|t| {
                        (
                            t,
                            RwSignal::new(hours(t.respond_minutes)),
                            RwSignal::new(hours(t.resolve_minutes)),
                        )
                    })
                    .collect(),
            );
        }
    });
    let save = move |_| {
        let mut out = Vec::new();
        for (t, respond, resolve) in targets.get_untracked() {
            let minutes = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|h| h.is_finite() && *h > 0.0)
                    .map(|h| (h * 60.0).round() as u32)
            };
            let (Some(r), Some(f)) = (
                minutes(&respond.get_untracked()),
                minutes(&resolve.get_untracked()),
            ) else {
                session
                    .toaster
                    .show(Key::OfficeNumberInvalid, ToastKind::Error);
                return;
            };
            let next = SlaTarget {
                respond_minutes: r,
                resolve_minutes: f,
                ..t
            };
            if next.validate().is_err() {
                session
                    .toaster
                    .show(Key::RepairSlaInvalid, ToastKind::Error);
                return;
            }
            out.push(next);
        }
        spawn_local(async move {
            match api::set_sla_targets(out).await {
                Ok(_) => session.toaster.show(Key::OfficeSaved, ToastKind::Success),
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    };
    view! {
        <Card testid="repair-sla" labelled_by="repair-sla-title">
            <h2 id="repair-sla-title" class="card-title">{tx(Key::RepairSlaTitle)}</h2>
            <p class="muted">{tx(Key::RepairSlaIntro)}</p>
            <table class="data-table">
                <thead><tr>
                    <th scope="col">{tx(Key::RepairCategory)}</th>
                    <th scope="col">{tx(Key::RepairUrgency)}</th>
                    <th scope="col">{tx(Key::RepairSlaRespond)}</th>
                    <th scope="col">{tx(Key::RepairSlaResolve)}</th>
                </tr></thead>
                <tbody>
                    {move || targets.get().into_iter().map(|(t, respond, resolve)| {
                        let label = move || format!("{} · {}", category_key(t.category).text(use_i18n().lang.get()), urgency_key(t.urgency).text(use_i18n().lang.get()));
                        view! {
                            <tr>
                                <th scope="row">{tx(category_key(t.category))}</th>
                                <td>{tx(urgency_key(t.urgency))}</td>
                                <td><input class="field-input" inputmode="decimal" data-testid="sla-respond" aria-label=label prop:value=move || respond.get()
                                    on:input=move |ev| respond.set(event_target_value(&ev)) /></td>
                                <td><input class="field-input" inputmode="decimal" data-testid="sla-resolve" aria-label=label prop:value=move || resolve.get()
                                    on:input=move |ev| resolve.set(event_target_value(&ev)) /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Button kind=ButtonKind::Primary testid="sla-save" on:click=save>{tx(Key::OfficeSave)}</Button>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_times_read_back() {
        assert_eq!(minutes_of("08:30"), Some(510));
        assert_eq!(hhmm(510), "08:30");
        assert_eq!(minutes_of("24:00"), Some(1440));
        assert_eq!(minutes_of("24:30"), None);
        assert_eq!(minutes_of("8"), None);
    }
}
