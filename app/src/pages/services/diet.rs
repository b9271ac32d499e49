//! The healthy-diet card on the dining page: one's own week of canteen
//! food against the Chinese dietary reference intakes (《中国居民膳食营养素
//! 参考摄入量（2023版）》, see `shared::nutrition`), with plain suggestions.
//! Sex and activity, which choose the targets, stay on this device
//! (localStorage); the server only sums the person's own orders.

use houqin_shared::dining::WeekIntake;
use houqin_shared::nutrition::{
    Activity, Finding, IntakeStatus, Nutrient, Reference, Sex, Suggestion, Unit, weekly_report,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::card::Card;
use crate::i18n::{Key, fill, tx, use_i18n};

const STORE_KEY: &str = "houqin.diet";

fn load_choice() -> (Sex, Activity) {
    let saved = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORE_KEY).ok().flatten())
        .unwrap_or_default();
    let sex = if saved.starts_with("male") {
        Sex::Male
    } else {
        Sex::Female
    };
    let activity = if saved.ends_with("heavy") {
        Activity::Heavy
    } else if saved.ends_with("moderate") {
        Activity::Moderate
    } else {
        Activity::Light
    };
    (sex, activity)
}

fn save_choice(sex: Sex, activity: Activity) {
    let text = format!(
        "{}-{}",
        if sex == Sex::Male { "male" } else { "female" },
        match activity {
            Activity::Light => "light",
            Activity::Moderate => "moderate",
            Activity::Heavy => "heavy",
        }
    );
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(STORE_KEY, &text);
    }
}

fn nutrient_key(n: Nutrient) -> Key {
    match n {
        Nutrient::Energy => Key::NutrientEnergy,
        Nutrient::Protein => Key::NutrientProtein,
        Nutrient::Fat => Key::NutrientFat,
        Nutrient::Carbohydrate => Key::NutrientCarbohydrate,
        Nutrient::Sodium => Key::NutrientSodium,
        Nutrient::Other => Key::NutrientOther,
    }
}

pub(super) fn suggestion_key(s: Suggestion) -> Key {
    match s {
        Suggestion::MoreEnergy => Key::SuggestMoreEnergy,
        Suggestion::LessEnergy => Key::SuggestLessEnergy,
        Suggestion::MoreProtein => Key::SuggestMoreProtein,
        Suggestion::MoreFat => Key::SuggestMoreFat,
        Suggestion::LessFat => Key::SuggestLessFat,
        Suggestion::MoreCarbohydrate => Key::SuggestMoreCarbohydrate,
        Suggestion::LessCarbohydrate => Key::SuggestLessCarbohydrate,
        Suggestion::LessSodium => Key::SuggestLessSodium,
        Suggestion::EatMoreRegularly => Key::SuggestEatMoreRegularly,
        Suggestion::Other => Key::NutrientOther,
    }
}

/// `1234 千卡/天`, `55 克/天`, `25.3%`.
fn amount(value: i64, unit: Unit) -> String {
    match unit {
        Unit::KcalPerDay => format!("{value} kcal"),
        Unit::MgPerDay if value >= 10_000 => format!("{} g", value / 1000),
        Unit::MgPerDay => format!("{value} mg"),
        Unit::PermilleOfEnergy => format!("{}.{}%", value / 10, value % 10),
    }
}

fn target(f: &Finding) -> String {
    match (f.target_low, f.target_high) {
        (Some(lo), Some(hi)) => format!("{} – {}", amount(lo, f.unit), amount(hi, f.unit)),
        (Some(lo), None) => format!("≥ {}", amount(lo, f.unit)),
        (None, Some(hi)) => format!("≤ {}", amount(hi, f.unit)),
        (None, None) => String::new(),
    }
}

#[component]
pub fn DietCard() -> impl IntoView {
    let lang = use_i18n().lang;
    let (sex0, activity0) = load_choice();
    let sex = RwSignal::new(sex0);
    let activity = RwSignal::new(activity0);
    let intake = RwSignal::new(None::<WeekIntake>);
    spawn_local(async move {
        if let Ok(w) = api::week_intake().await {
            intake.try_set(Some(w));
        }
    });
    Effect::new(move |_| save_choice(sex.get(), activity.get()));
    let report = Memo::new(move |_| {
        intake.get().map(|w| {
            weekly_report(
                w.days_with_data,
                &w.total,
                &Reference::for_adult(sex.get(), activity.get()),
            )
        })
    });
    view! {
        <Card testid="dining-diet" labelled_by="dining-diet-title">
            <h2 id="dining-diet-title" class="card-title">{tx(Key::DietTitle)}</h2>
            <p class="muted">{tx(Key::DietPrivacy)}</p>
            <div class="office-controls">
                <label class="field-inline" for="diet-sex">
                    <span class="field-label">{tx(Key::DietSex)}</span>
                    <select id="diet-sex" class="field-input" data-testid="diet-sex"
                        on:change=move |ev| sex.set(if event_target_value(&ev) == "male" { Sex::Male } else { Sex::Female })>
                        <option value="female" selected=move || sex.get() == Sex::Female>{tx(Key::DietFemale)}</option>
                        <option value="male" selected=move || sex.get() == Sex::Male>{tx(Key::DietMale)}</option>
                    </select>
                </label>
                <label class="field-inline" for="diet-activity">
                    <span class="field-label">{tx(Key::DietActivity)}</span>
                    <select id="diet-activity" class="field-input" data-testid="diet-activity"
                        on:change=move |ev| activity.set(match event_target_value(&ev).as_str() {
                            "heavy" => Activity::Heavy,
                            "moderate" => Activity::Moderate,
                            _ => Activity::Light,
                        })>
                        <option value="light" selected=move || activity.get() == Activity::Light>{tx(Key::DietLight)}</option>
                        <option value="moderate" selected=move || activity.get() == Activity::Moderate>{tx(Key::DietModerate)}</option>
                        <option value="heavy" selected=move || activity.get() == Activity::Heavy>{tx(Key::DietHeavy)}</option>
                    </select>
                </label>
            </div>
            {move || report.get().map(|r| {
                let days = r.days_with_data;
                view! {
                    <p data-testid="diet-coverage" data-days=days>
                        {move || fill(Key::DietCoverage.text(lang.get()), days)}
                    </p>
                    {r.partial.then(|| view! { <p class="muted">{tx(Key::DietPartial)}</p> })}
                    <table class="data-table">
                        <thead><tr>
                            <th scope="col">{tx(Key::DietNutrient)}</th>
                            <th scope="col">{tx(Key::DietPerDay)}</th>
                            <th scope="col">{tx(Key::DietTarget)}</th>
                            <th scope="col">{tx(Key::DietStatus)}</th>
                        </tr></thead>
                        <tbody>
                            {r.findings.iter().map(|f| {
                                let status = match f.status {
                                    IntakeStatus::Low => Key::DietLow,
                                    IntakeStatus::Ok => Key::DietOk,
                                    IntakeStatus::High => Key::DietHigh,
                                };
                                view! {
                                    <tr data-testid="diet-finding">
                                        <th scope="row">{tx(nutrient_key(f.nutrient))}</th>
                                        <td class="num">{amount(f.value, f.unit)}</td>
                                        <td class="num">{target(f)}</td>
                                        <td>{tx(status)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ul class="list">
                        {r.suggestions.iter().map(|s| view! { <li class="list-row" data-testid="diet-suggestion">{tx(suggestion_key(*s))}</li> }).collect_view()}
                    </ul>
                }
            })}
            <p class="muted">{tx(Key::DietSource)}</p>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_plainly() {
        assert_eq!(amount(2100, Unit::KcalPerDay), "2100 kcal");
        assert_eq!(amount(55_000, Unit::MgPerDay), "55 g");
        assert_eq!(amount(1800, Unit::MgPerDay), "1800 mg");
        assert_eq!(amount(253, Unit::PermilleOfEnergy), "25.3%");
    }

    #[test]
    fn every_suggestion_has_words() {
        let all = [
            Suggestion::MoreEnergy,
            Suggestion::LessEnergy,
            Suggestion::MoreProtein,
            Suggestion::MoreFat,
            Suggestion::LessFat,
            Suggestion::MoreCarbohydrate,
            Suggestion::LessCarbohydrate,
            Suggestion::LessSodium,
            Suggestion::EatMoreRegularly,
        ];
        let keys: std::collections::HashSet<Key> = all.map(suggestion_key).into();
        assert_eq!(keys.len(), all.len());
    }
}
