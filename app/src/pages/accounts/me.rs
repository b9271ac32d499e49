//! The account page: who the user is, language, password, sign-out, and
//! what Houqin keeps about them.

use houqin_shared::ErrorCode;
use houqin_shared::accounts::{ChangePasswordRequest, Lang, PASSWORD_MIN, validate_new_password};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::components::badge::{Badge, Tone};
use crate::components::button::{Button, ButtonKind};
use crate::components::card::Card;
use crate::components::form_field::{InputKind, TextField};
use crate::components::shell::MAIN_ID;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, role_key, tx, use_i18n};
use crate::session::use_session;

#[component]
pub fn MePage() -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let me = move || session.user.get();
    view! {
        <main id=MAIN_ID class="page me" tabindex="-1" data-testid="me">
            <h1 class="page-title">{tx(Key::MeTitle)}</h1>
            <Card testid="me-profile">
                <dl class="facts">
                    <div>
                        <dt>{tx(Key::DisplayName)}</dt>
                        <dd data-testid="user-display-name">
                            {move || me().map(|m| m.display_name)}
                        </dd>
                    </div>
                    <div>
                        <dt>{tx(Key::Username)}</dt>
                        <dd class="num" data-testid="me-username">
                            {move || me().map(|m| m.username)}
                        </dd>
                    </div>
                    <div>
                        <dt>{tx(Key::Roles)}</dt>
                        <dd class="badges" data-testid="me-roles">
                            {move || {
                                me()
                                    .map(|m| m.roles)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <Badge tone=Tone::Info>
                                                {move || role_key(r).text(lang.get())}
                                            </Badge>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </dd>
                    </div>
                </dl>
            </Card>
            <LanguageCard />
            <PasswordCard />
            <Card>
                <Button kind=ButtonKind::Secondary testid="me-logout" on:click=move |_| session.logout()>
                    {tx(Key::Logout)}
                </Button>
            </Card>
            <Card testid="privacy-note" labelled_by="privacy-title">
                <h2 id="privacy-title" class="card-title">
                    {tx(Key::PrivacyTitle)}
                </h2>
                <p>{tx(Key::PrivacyDevice)}</p>
                <p>{tx(Key::PrivacyAccount)}</p>
                <p>{tx(Key::PrivacyAudit)}</p>
                <p>{tx(Key::PrivacyNoAds)}</p>
            </Card>
        </main>
    }
}

#[component]
fn LanguageCard() -> impl IntoView {
    let session = use_session();
    let lang = session.i18n.lang;
    let option = move |value: Lang, label: Key| {
        let id = format!("me-lang-{}", value.as_str());
        let (for_id, testid) = (id.clone(), id.clone());
        view! {
            <label class="choice" for=for_id>
                <input
                    type="radio"
                    name="lang"
                    id=id
                    data-testid=testid
                    value=value.as_str()
                    prop:checked=move || lang.get() == value
                    on:change=move |_| session.choose_lang(value)
                />
                <span lang=value.as_str()>{tx(label)}</span>
            </label>
        }
    };
    view! {
        <Card>
            <fieldset class="choices">
                <legend class="card-title">{tx(Key::Language)}</legend>
                {option(Lang::ZhCn, Key::LangZh)}
                {option(Lang::En, Key::LangEn)}
            </fieldset>
        </Card>
    }
}

/// The password form's fields, for placing errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordField {
    Current,
    New,
    Confirm,
}

/// The first rule the form breaks, checked here before asking the server.
fn check_password_form(current: &str, new: &str, confirm: &str) -> Option<(PasswordField, Key)> {
    if current.is_empty() {
        return Some((PasswordField::Current, Key::ErrCurrentPasswordRequired));
    }
    if validate_new_password("new_password", new).is_err() {
        let key = if new.chars().count() < PASSWORD_MIN {
            Key::ErrPasswordTooShort
        } else {
            Key::ErrPasswordTooLong
        };
        return Some((PasswordField::New, key));
    }
    if new == current {
        return Some((PasswordField::New, Key::ErrPasswordSame));
    }
    if new != confirm {
        return Some((PasswordField::Confirm, Key::ErrPasswordMismatch));
    }
    None
}

/// Where the server's refusal belongs: a field, or the form as a whole.
fn place_refusal(error: &ApiError) -> (Option<PasswordField>, Key) {
    match (error.code(), error.field()) {
        (Some(ErrorCode::InvalidCredentials), _) => {
            (Some(PasswordField::Current), Key::ErrCurrentPasswordWrong)
        }
        (Some(ErrorCode::Validation), Some("current_password")) => {
            (Some(PasswordField::Current), Key::ErrCurrentPasswordWrong)
        }
        (Some(ErrorCode::Validation), Some("new_password")) => {
            (Some(PasswordField::New), Key::ErrFieldInvalid)
        }
        _ => (None, error_key(error)),
    }
}

#[component]
fn PasswordCard() -> impl IntoView {
    let session = use_session();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let field_error = RwSignal::new(None::<(PasswordField, Key)>);
    let form_error = RwSignal::new(None::<Key>);
    let error_for = move |field: PasswordField| {
        Signal::derive(move || {
            field_error
                .get()
                .filter(|(f, _)| *f == field)
                .map(|(_, key)| key)
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        form_error.set(None);
        let (cur, nw, conf) = (
            current.get_untracked(),
            new.get_untracked(),
            confirm.get_untracked(),
        );
        if let Some(problem) = check_password_form(&cur, &nw, &conf) {
            field_error.set(Some(problem));
            return;
        }
        field_error.set(None);
        saving.set(true);
        let req = ChangePasswordRequest {
            current_password: cur,
            new_password: nw,
        };
        spawn_local(async move {
            let result = api::change_password(req).await;
            saving.try_set(false);
            match result {
                Ok(()) => {
                    for field in [current, new, confirm] {
                        field.try_set(String::new());
                    }
                    session
                        .toaster
                        .show(Key::PasswordChanged, ToastKind::Success);
                }
                Err(e) if session.check(&e) => {}
                Err(e) => match place_refusal(&e) {
                    (Some(field), key) => {
                        field_error.try_set(Some((field, key)));
                    }
                    (None, key) => {
                        form_error.try_set(Some(key));
                    }
                },
            }
        });
    };

    view! {
        <Card labelled_by="password-title">
            <h2 id="password-title" class="card-title">
                {tx(Key::ChangePassword)}
            </h2>
            <div class="form-messages" aria-live="polite">
                {move || {
                    form_error
                        .get()
                        .map(|key| {
                            view! {
                                <p class="alert alert-error" data-testid="password-error">
                                    {tx(key)}
                                </p>
                            }
                        })
                }}
            </div>
            <form class="form" data-testid="password-form" novalidate=true on:submit=on_submit>
                <TextField
                    id="password-current"
                    label=Key::CurrentPassword
                    kind=InputKind::Password
                    value=current
                    autocomplete="current-password"
                    testid="password-current"
                    error=error_for(PasswordField::Current)
                />
                <TextField
                    id="password-new"
                    label=Key::NewPassword
                    kind=InputKind::Password
                    hint=Key::NewPasswordHint
                    value=new
                    autocomplete="new-password"
                    testid="password-new"
                    error=error_for(PasswordField::New)
                />
                <TextField
                    id="password-confirm"
                    label=Key::ConfirmPassword
                    kind=InputKind::Password
                    value=confirm
                    autocomplete="new-password"
                    testid="password-confirm"
                    error=error_for(PasswordField::Confirm)
                />
                <Button submit=true disabled=saving testid="password-submit">
                    {move || if saving.get() { tx(Key::Saving)() } else { tx(Key::SavePassword)() }}
                </Button>
            </form>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use houqin_shared::ApiErrorBody;

    use super::*;

    #[test]
    fn form_rules_in_order() {
        let check = check_password_form;
        assert_eq!(
            check("", "x", "x"),
            Some((PasswordField::Current, Key::ErrCurrentPasswordRequired))
        );
        assert_eq!(
            check("old-pass", "short", "short"),
            Some((PasswordField::New, Key::ErrPasswordTooShort))
        );
        let long = "x".repeat(129);
        assert_eq!(
            check("old-pass", &long, &long),
            Some((PasswordField::New, Key::ErrPasswordTooLong))
        );
        assert_eq!(
            check("same-pass", "same-pass", "same-pass"),
            Some((PasswordField::New, Key::ErrPasswordSame))
        );
        assert_eq!(
            check("old-pass", "new-pass-1", "new-pass-2"),
            Some((PasswordField::Confirm, Key::ErrPasswordMismatch))
        );
        assert_eq!(check("old-pass", "new-pass-1", "new-pass-1"), None);
    }

    #[test]
    fn server_refusals_land_on_their_field() {
        let refusal = |code, field: Option<&str>| {
            ApiError::Server(ApiErrorBody {
                code,
                message: String::new(),
                field: field.map(str::to_owned),
                request_id: None,
            })
        };
        assert_eq!(
            place_refusal(&refusal(
                ErrorCode::InvalidCredentials,
                Some("current_password")
            ))
            .0,
            Some(PasswordField::Current)
        );
        assert_eq!(
            place_refusal(&refusal(ErrorCode::Validation, Some("new_password"))).0,
            Some(PasswordField::New)
        );
        assert_eq!(place_refusal(&ApiError::Network), (None, Key::ErrNetwork));
    }
}
