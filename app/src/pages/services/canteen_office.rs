//! The canteen office (managers, on the dining page): what diners see about
//! each dish — allergens, tags, nutrition per portion, the meals it is
//! served at, its photo — and the canteen's opening calendar over the
//! public holidays, with single dates set apart.

use chrono::NaiveDate;
use houqin_shared::calendar::{CanteenCalendar, DateOverride, MealPeriod, PeriodRule};
use houqin_shared::dining::{Allergen, DishDetails, DishTag, MenuDish};
use houqin_shared::ids::{CanteenId, DishId};
use houqin_shared::nutrition::Nutrients;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::dining::{PERIODS, allergen_key, period_key, tag_key};
use crate::api::{self, ApiError};
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::photo::PhotoInput;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, local_name, tx, use_i18n};
use crate::session::use_session;

/// A form's refusal in words: a field the server or the shared rule blamed.
fn refusal_key(e: &ApiError) -> Key {
    match (e.code(), e.field()) {
        (Some(houqin_shared::ErrorCode::Validation), Some("periods")) => Key::OfficePeriodsEmpty,
        (Some(houqin_shared::ErrorCode::Validation), Some(f)) if f.starts_with("nutrition") => {
            Key::OfficeNumberInvalid
        }
        (Some(houqin_shared::ErrorCode::Validation), _) => Key::OfficeInvalid,
        _ => error_key(e),
    }
}

/// Grams as typed (`12.5`) → milligrams; `None` for anything else.
fn grams_to_mg(text: &str) -> Option<i64> {
    let g: f64 = text.trim().parse().ok()?;
    (g.is_finite() && g >= 0.0).then(|| (g * 1000.0).round() as i64)
}

fn whole(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|n| *n >= 0)
}

fn mg_to_grams(mg: i64) -> String {
    if mg % 1000 == 0 {
        (mg / 1000).to_string()
    } else {
        format!("{:.1}", mg as f64 / 1000.0)
    }
}

/// A row of check boxes over `all`, two-way with `chosen`.
fn checks<T: Copy + PartialEq + Send + Sync + 'static>(
    legend: Key,
    name: &'static str,
    all: Vec<T>,
    key: fn(T) -> Key,
    chosen: RwSignal<Vec<T>>,
) -> impl IntoView {
    view! {
        <fieldset class="checks" data-testid=name>
            <legend>{tx(legend)}</legend>
            {all.into_iter().enumerate().map(|(i, item)| view! {
                <label>
                    <input type="checkbox" name=name value=i.to_string()
                        prop:checked=move || chosen.with(|c| c.contains(&item))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|x| *x != item);
                                if on {
                                    c.push(item);
                                }
                            });
                        } />
                    <span>{tx(key(item))}</span>
                </label>
            }).collect_view()}
        </fieldset>
    }
}

fn number(id: &'static str, label: Key, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field" for=id>
            <span class="field-label">{tx(label)}</span>
            <input id=id class="field-input" inputmode="decimal" data-testid=id
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// Managers edit a dish's details; the menu shows them at once.
#[component]
pub fn DishEditorCard(#[prop(into)] canteen: Signal<Option<CanteenId>>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let dishes = RwSignal::new(Vec::<MenuDish>::new());
    let chosen = RwSignal::new(None::<DishId>);
    let allergens = RwSignal::new(Vec::<Allergen>::new());
    let tags = RwSignal::new(Vec::<DishTag>::new());
    let periods = RwSignal::new(Vec::<MealPeriod>::new());
    let kcal = RwSignal::new(String::new());
    let protein = RwSignal::new(String::new());
    let fat = RwSignal::new(String::new());
    let carbs = RwSignal::new(String::new());
    let sodium = RwSignal::new(String::new());
    let photo = RwSignal::new(Vec::<String>::new());
    let revision = RwSignal::new(0u32);

    Effect::new(move |_| {
        revision.track();
        let Some(c) = canteen.get() else { return };
        let today = houqin_shared::kiosk::campus_day(
            chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default(),
        );
        spawn_local(async move {
            match api::menu(c, today).await {
                Ok((m, _)) => {
                    if chosen
                        .get_untracked()
                        .is_none_or(|id| !m.dishes.iter().any(|d| d.id == id))
                    {
                        chosen.try_set(m.dishes.first().map(|d| d.id));
                    }
                    dishes.try_set(m.dishes);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    });
    // Choosing a dish fills the form with what it has now.
    Effect::new(move |_| {
        let Some(id) = chosen.get() else { return };
        let Some(d) = dishes.with(|l| l.iter().find(|d| d.id == id).cloned()) else {
            return;
        };
        allergens.set(d.allergens);
        tags.set(d.tags);
        periods.set(d.periods);
        kcal.set(d.nutrition.energy_kcal.to_string());
        protein.set(mg_to_grams(d.nutrition.protein_mg));
        fat.set(mg_to_grams(d.nutrition.fat_mg));
        carbs.set(mg_to_grams(d.nutrition.carbohydrate_mg));
        sodium.set(d.nutrition.sodium_mg.to_string());
        photo.set(d.photo.into_iter().collect());
    });

    let save = move |_| {
        let Some(id) = chosen.get_untracked() else {
            return;
        };
        let nutrition = (|| {
            Some(Nutrients {
                energy_kcal: whole(&kcal.get_untracked())?,
                protein_mg: grams_to_mg(&protein.get_untracked())?,
                fat_mg: grams_to_mg(&fat.get_untracked())?,
                carbohydrate_mg: grams_to_mg(&carbs.get_untracked())?,
                sodium_mg: whole(&sodium.get_untracked())?,
            })
        })();
        let Some(nutrition) = nutrition else {
            session
                .toaster
                .show(Key::OfficeNumberInvalid, ToastKind::Error);
            return;
        };
        // The menu lists these in a stable order, whatever order they were ticked.
        let mut a = allergens.get_untracked();
        a.sort_by_key(|x| Allergen::ALL.iter().position(|y| y == x));
        let mut t = tags.get_untracked();
        t.sort_by_key(|x| DishTag::ALL.iter().position(|y| y == x));
        let mut p = periods.get_untracked();
        p.sort_by_key(|x| PERIODS.iter().position(|y| y == x));
        let details = DishDetails {
            allergens: a,
            tags: t,
            nutrition,
            periods: p,
            photo: photo.get_untracked().into_iter().next(),
        };
        if let Err(e) = details.validate() {
            let key = if e.field == "periods" {
                Key::OfficePeriodsEmpty
            } else if e.field.starts_with("nutrition") {
                Key::OfficeNumberInvalid
            } else {
                Key::OfficeInvalid
            };
            session.toaster.show(key, ToastKind::Error);
            return;
        }
        spawn_local(async move {
            match api::set_dish_details(id, details).await {
                Ok(_) => {
                    session.toaster.show(Key::OfficeSaved, ToastKind::Success);
                    revision.try_update(|n| *n += 1);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(refusal_key(&e), ToastKind::Error),
            }
        });
    };

    view! {
        <Card testid="dish-editor" labelled_by="dish-editor-title">
            <h2 id="dish-editor-title" class="card-title">{tx(Key::OfficeDishTitle)}</h2>
            {move || dishes.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::OfficeDishNone)}</p> })}
            <div class="form">
                <label class="field" for="dish-pick">
                    <span class="field-label">{tx(Key::OfficeDishPick)}</span>
                    <select id="dish-pick" class="field-input" data-testid="dish-pick"
                        on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok().map(DishId))>
                        {move || dishes.get().into_iter().map(|d| {
                            let id = d.id;
                            view! {
                                <option value=id.to_string() selected=move || chosen.get() == Some(id)>
                                    {local_name(&d.name, lang.get())}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </label>
                {checks(Key::OfficePeriods, "dish-periods", PERIODS.to_vec(), period_key, periods)}
                {checks(Key::OfficeAllergens, "dish-allergens", Allergen::ALL.to_vec(), allergen_key, allergens)}
                {checks(Key::OfficeTags, "dish-tags", DishTag::ALL.to_vec(), tag_key, tags)}
                <div class="number-grid">
                    {number("dish-kcal", Key::OfficeKcal, kcal)}
                    {number("dish-protein", Key::OfficeProtein, protein)}
                    {number("dish-fat", Key::OfficeFat, fat)}
                    {number("dish-carbs", Key::OfficeCarbs, carbs)}
                    {number("dish-sodium", Key::OfficeSodium, sodium)}
                </div>
                <PhotoInput id="dish-photo" label=Key::OfficeDishPhoto photos=photo max=1 testid="dish-photo" />
                <Button kind=ButtonKind::Primary testid="dish-save" on:click=save>{tx(Key::OfficeSave)}</Button>
            </div>
        </Card>
    }
}

/// A column of the rules table: its heading, test id part, and how it
/// reads and sets a rule.
type DayKindColumn = (
    Key,
    &'static str,
    fn(&PeriodRule) -> bool,
    fn(&mut PeriodRule, bool),
);

/// Managers set when each meal opens by kind of day, and single dates apart.
#[component]
pub fn CalendarCard(#[prop(into)] canteen: Signal<Option<CanteenId>>) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let rules = RwSignal::new(Vec::<PeriodRule>::new());
    let overrides = RwSignal::new(Vec::<DateOverride>::new());
    let date = RwSignal::new(None::<NaiveDate>);
    let period = RwSignal::new(None::<MealPeriod>);
    let open = RwSignal::new(false);
    let note = RwSignal::new(String::new());

    Effect::new(move |_| {
        let Some(c) = canteen.get() else { return };
        spawn_local(async move {
            match api::canteen_calendar(c).await {
                Ok(cal) => {
                    rules.try_set(cal.rules);
                    overrides.try_set(cal.overrides);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
            }
        });
    });

    let rule_of = move |p: MealPeriod| {
        rules
            .with(|r| r.iter().find(|x| x.period == p).cloned())
            .unwrap_or(PeriodRule {
                period: p,
                workdays: false,
                weekends: false,
                holidays: false,
            })
    };
    let set_rule = move |p: MealPeriod, change: fn(&mut PeriodRule, bool), on: bool| {
        let mut rule = rule_of(p);
        change(&mut rule, on);
        rules.update(|r| {
            r.retain(|x| x.period != p);
            r.push(rule);
            r.sort_by_key(|x| PERIODS.iter().position(|y| *y == x.period));
        });
    };
    let add = move |_| {
        let Some(d) = date.get_untracked() else {
            session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
            return;
        };
        let o = DateOverride {
            date: d,
            period: period.get_untracked(),
            open: open.get_untracked(),
            note: note.get_untracked().trim().to_owned(),
        };
        overrides.update(|list| {
            list.retain(|x| !(x.date == o.date && x.period == o.period));
            list.push(o);
            list.sort_by_key(|x| x.date);
        });
        note.set(String::new());
    };
    let save = move |_| {
        let Some(c) = canteen.get_untracked() else {
            return;
        };
        let cal = CanteenCalendar {
            rules: rules.get_untracked(),
            overrides: overrides.get_untracked(),
        };
        if cal.validate().is_err() {
            session.toaster.show(Key::OfficeInvalid, ToastKind::Error);
            return;
        }
        spawn_local(async move {
            match api::set_canteen_calendar(c, cal).await {
                Ok(saved) => {
                    rules.try_set(saved.rules);
                    overrides.try_set(saved.overrides);
                    session.toaster.show(Key::OfficeSaved, ToastKind::Success);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => session.toaster.show(refusal_key(&e), ToastKind::Error),
            }
        });
    };
    let kinds: [DayKindColumn; 3] = [
        (
            Key::CalendarWorkdays,
            "workdays",
            |r| r.workdays,
            |r, on| r.workdays = on,
        ),
        (
            Key::CalendarWeekends,
            "weekends",
            |r| r.weekends,
            |r, on| r.weekends = on,
        ),
        (
            Key::CalendarHolidays,
            "holidays",
            |r| r.holidays,
            |r, on| r.holidays = on,
        ),
    ];

    view! {
        <Card testid="canteen-calendar" labelled_by="canteen-calendar-title">
            <h2 id="canteen-calendar-title" class="card-title">{tx(Key::CalendarTitle)}</h2>
            <p class="muted">{tx(Key::CalendarIntro)}</p>
            <table class="data-table" data-testid="calendar-rules">
                    <thead>
                        <tr>
                            <th scope="col">{tx(Key::DiningPeriod)}</th>
                            {kinds.iter().map(|(k, _, _, _)| view! { <th scope="col">{tx(*k)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {PERIODS.into_iter().map(|p| view! {
                            <tr>
                                <th scope="row">{tx(period_key(p))}</th>
                                {kinds.into_iter().map(|(k, slug, get, change)| view! {
                                    <td>
                                        <input type="checkbox" data-testid=format!("rule-{}-{slug}", houqin_shared::dining::period_slug(p))
                                            aria-label=move || format!("{} · {}", period_key(p).text(lang.get()), k.text(lang.get()))
                                            prop:checked=move || get(&rule_of(p))
                                            on:change=move |ev| set_rule(p, change, event_target_checked(&ev)) />
                                    </td>
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
            </table>
            <h3 class="card-subtitle">{tx(Key::CalendarOverrides)}</h3>
            {move || overrides.with(Vec::is_empty).then(|| view! { <p class="muted">{tx(Key::CalendarNoOverrides)}</p> })}
            <ul class="list" data-testid="calendar-overrides">
                {move || overrides.get().into_iter().map(|o| {
                    let (d, p) = (o.date, o.period);
                    view! {
                        <li class="list-row" data-testid="calendar-override" data-date=d.to_string()>
                            <div class="list-row-main">
                                <span class="list-row-title">
                                    {d.to_string()} " · "
                                    {match p { Some(p) => tx(period_key(p)).into_any(), None => tx(Key::CalendarWholeDay).into_any() }}
                                    " · "
                                    {tx(if o.open { Key::CalendarOpen } else { Key::CalendarClosed })}
                                </span>
                                {(!o.note.is_empty()).then(|| view! { <span class="list-row-sub">{o.note.clone()}</span> })}
                            </div>
                            <Button kind=ButtonKind::Quiet on:click=move |_| overrides.update(|l| l.retain(|x| !(x.date == d && x.period == p)))>
                                {tx(Key::CalendarRemove)}
                            </Button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="office-controls">
                <label class="field" for="override-date">
                    <span class="field-label">{tx(Key::CalendarDate)}</span>
                    <input id="override-date" type="date" class="field-input" data-testid="override-date"
                        on:change=move |ev| date.set(NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok()) />
                </label>
                <label class="field" for="override-period">
                    <span class="field-label">{tx(Key::DiningPeriod)}</span>
                    <select id="override-period" class="field-input" data-testid="override-period"
                        on:change=move |ev| period.set(PERIODS.into_iter().find(|p| houqin_shared::dining::period_slug(*p) == event_target_value(&ev)))>
                        <option value="" selected=true>{tx(Key::CalendarWholeDay)}</option>
                        {PERIODS.into_iter().map(|p| view! { <option value=houqin_shared::dining::period_slug(p)>{tx(period_key(p))}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field" for="override-open">
                    <span class="field-label">{tx(Key::CalendarOpen)}</span>
                    <select id="override-open" class="field-input" data-testid="override-open"
                        on:change=move |ev| open.set(event_target_value(&ev) == "open")>
                        <option value="closed" selected=true>{tx(Key::CalendarClosed)}</option>
                        <option value="open">{tx(Key::CalendarOpen)}</option>
                    </select>
                </label>
                <label class="field" for="override-note">
                    <span class="field-label">{tx(Key::CalendarNote)}</span>
                    <input id="override-note" class="field-input" data-testid="override-note" maxlength="60"
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                </label>
                <Button kind=ButtonKind::Secondary testid="override-add" on:click=add>{tx(Key::CalendarAdd)}</Button>
            </div>
            <Button kind=ButtonKind::Primary testid="calendar-save" on:click=save>{tx(Key::OfficeSave)}</Button>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_round_trip_through_milligrams() {
        assert_eq!(grams_to_mg("12.5"), Some(12_500));
        assert_eq!(grams_to_mg(" 3 "), Some(3_000));
        assert_eq!(grams_to_mg("-1"), None);
        assert_eq!(grams_to_mg("abc"), None);
        assert_eq!(mg_to_grams(12_500), "12.5");
        assert_eq!(mg_to_grams(21_000), "21");
        assert_eq!(whole("520"), Some(520));
        assert_eq!(whole("5.5"), None);
    }
}
