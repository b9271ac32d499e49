//! A labelled input with its hint and error, tied together for screen readers.

use leptos::prelude::*;

use crate::i18n::{Key, tx};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputKind {
    #[default]
    Text,
    Password,
    /// An amount: a phone shows the number pad with a decimal point.
    Decimal,
    /// A numeric PIN: hidden, the number pad.
    Pin,
}

/// `id` is the input's id and name; `value` is two-way.
#[component]
pub fn TextField(
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    #[prop(optional)] kind: InputKind,
    #[prop(optional)] hint: Option<Key>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(into, optional)] error: Signal<Option<Key>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let input_type = match kind {
        InputKind::Text | InputKind::Decimal => "text",
        InputKind::Password | InputKind::Pin => "password",
    };
    let input_mode = match kind {
        InputKind::Decimal => Some("decimal"),
        InputKind::Pin => Some("numeric"),
        InputKind::Text | InputKind::Password => None,
    };
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label class="field-label" for=id>
                {tx(label)}
            </label>
            {hint.map(|key| view! { <p class="field-hint" id=hint_id.clone()>{tx(key)}</p> })}
            <input
                class="field-input"
                id=id
                name=id
                type=input_type
                inputmode=input_mode
                autocomplete=autocomplete
                autocapitalize="off"
                spellcheck="false"
                aria-required="true"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                // Autofill and scripted clears may report only `change`.
                on:change=move |ev| value.set(event_target_value(&ev))
            />
            {move || {
                error
                    .get()
                    .map(|key| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {tx(key)}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A labelled multi-line field; `value` is two-way.
#[component]
pub fn TextArea(
    id: String,
    label: Key,
    value: RwSignal<String>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(default = 3)] rows: u32,
    #[prop(default = 1000)] maxlength: u32,
) -> impl IntoView {
    let for_id = id.clone();
    view! {
        <label class="field" for=for_id>
            <span class="field-label">{tx(label)}</span>
            <textarea id=id class="field-input" data-testid=testid rows=rows maxlength=maxlength
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        </label>
    }
}

/// A labelled date on one line (report ranges); `value` is two-way.
#[component]
pub fn DateField(
    id: &'static str,
    label: Key,
    value: RwSignal<chrono::NaiveDate>,
) -> impl IntoView {
    view! {
        <label class="field-inline" for=id>
            <span class="field-label">{tx(label)}</span>
            <input id=id class="field-input" type="date" data-testid=id
                prop:value=move || value.get().to_string()
                on:change=move |ev| {
                    if let Ok(d) = chrono::NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") {
                        value.set(d);
                    }
                } />
        </label>
    }
}
